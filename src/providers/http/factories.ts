import type { ProviderConfig } from '../../app/config.ts';
import type { FactoryTable } from '../registry.ts';
import { createBatchDataClient, createBatchDataPhoneVerify, createBatchDataPropertySearch, createBatchDataSkipTrace } from './batchdata.ts';
import type { HttpClient } from './http-client.ts';
import { createMelissaGlobalEmail, createMelissaPersonator } from './melissa.ts';

// The HTTP adapters by port and name, made from the environment's settings. BatchData limits
// requests per API key, so its ports share one client (one token bucket) per configuration.

const batchDataClients = new WeakMap<ProviderConfig, HttpClient>();
const batchData = (c: ProviderConfig) => {
  let client = batchDataClients.get(c);
  if (!client) {
    client = createBatchDataClient({ apiKey: c.batchdata.apiKey!, baseUrl: c.batchdata.baseUrl, timeoutMs: c.timeoutMs, ratePerSecond: c.ratePerSecond });
    batchDataClients.set(c, client);
  }
  return { apiKey: c.batchdata.apiKey!, baseUrl: c.batchdata.baseUrl, timeoutMs: c.timeoutMs, ratePerSecond: c.ratePerSecond, client };
};
const melissa = (c: ProviderConfig, url: string) => ({ apiKey: c.melissa.licenseKey!, baseUrl: url, timeoutMs: c.timeoutMs, ratePerSecond: c.ratePerSecond });
const hasBatchData = (c: ProviderConfig) => !!c.batchdata.apiKey;
const hasMelissa = (c: ProviderConfig) => !!c.melissa.licenseKey;

export const httpFactories: FactoryTable = {
  property_search: { batchdata: { configured: hasBatchData, factory: (c, price) => createBatchDataPropertySearch({ ...batchData(c), pricePerRecordCents: price }) } },
  skip_trace: { batchdata: { configured: hasBatchData, factory: (c, price) => createBatchDataSkipTrace({ ...batchData(c), pricePerMatchCents: price }) } },
  append: { melissa: { configured: hasMelissa, factory: (c, price) => createMelissaPersonator({ ...melissa(c, c.melissa.personatorUrl), pricePerRecordCents: price }) } },
  phone_verify: { batchdata: { configured: hasBatchData, factory: (c, price) => createBatchDataPhoneVerify({ ...batchData(c), pricePerRecordCents: price }) } },
  email_verify: { melissa: { configured: hasMelissa, factory: (c, price) => createMelissaGlobalEmail({ ...melissa(c, c.melissa.globalEmailUrl), pricePerRecordCents: price }) } },
};
