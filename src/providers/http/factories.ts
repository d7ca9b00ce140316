import type { FactoryTable } from '../registry.ts';

// The HTTP adapters by port and name, made from the environment's settings.
export const httpFactories: FactoryTable = {
  property_search: {},
  skip_trace: {},
  append: {},
  phone_verify: {},
  email_verify: {},
};
