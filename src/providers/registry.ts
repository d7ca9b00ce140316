import { AppError } from '../app/errors.ts';
import type { ProviderConfig } from '../app/config.ts';
import { createLocalAppend, createLocalEmailVerify, createLocalPhoneVerify, createLocalPropertySearch, createLocalSkipTrace } from './local.ts';
import type { EmailVerifyPort, PersonLookupPort, PhoneVerifyPort, PortName, PropertySearchPort } from './ports.ts';
import { httpFactories } from './http/factories.ts';

// Which adapter serves each port. The environment selects the default per port; an
// organization may pick another configured one per stage. Adapters are made once per
// (port, adapter, price) and kept, so one provider's rate limit is shared by every run.

type PortOf = {
  property_search: PropertySearchPort;
  skip_trace: PersonLookupPort;
  append: PersonLookupPort;
  phone_verify: PhoneVerifyPort;
  email_verify: EmailVerifyPort;
};

export type AdapterFactory<P extends PortName> = (cfg: ProviderConfig, priceCents: number) => PortOf[P];
export type FactoryTable = { [P in PortName]: Record<string, { factory: AdapterFactory<P>; configured: (cfg: ProviderConfig) => boolean }> };

const LOCAL: { [P in PortName]: AdapterFactory<P> } = {
  property_search: (_c, price) => createLocalPropertySearch({ pricePerRecordCents: price }),
  skip_trace: (_c, price) => createLocalSkipTrace({ priceCents: price }),
  append: (_c, price) => createLocalAppend({ priceCents: price }),
  phone_verify: (_c, price) => createLocalPhoneVerify({ priceCents: price }),
  email_verify: (_c, price) => createLocalEmailVerify({ priceCents: price }),
};

const selectedBy: Record<PortName, (c: ProviderConfig) => string> = {
  property_search: (c) => c.propertySearch,
  skip_trace: (c) => c.skipTrace,
  append: (c) => c.append,
  phone_verify: (c) => c.phoneVerify,
  email_verify: (c) => c.emailVerify,
};

export function createProviderRegistry(cfg: ProviderConfig, extra: Partial<FactoryTable> = {}) {
  const made = new Map<string, unknown>();
  const table = (port: PortName) => ({ ...httpFactories[port], ...extra[port] }) as FactoryTable[PortName];

  function get<P extends PortName>(port: P, name: string | null | undefined, priceCents: number): PortOf[P] {
    const adapter = name ?? selectedBy[port](cfg);
    const key = `${port}:${adapter}:${priceCents}`;
    let instance = made.get(key) as PortOf[P] | undefined;
    if (instance) return instance;
    const entry = table(port)[adapter];
    if (adapter === 'local' && !entry) instance = LOCAL[port](cfg, priceCents);
    else {
      if (!entry) throw new AppError('VALIDATION', `no ${port} adapter named "${adapter}" (see \`porchlight providers list\`)`, [{ field: 'provider', message: 'unknown' }]);
      if (!entry.configured(cfg)) throw new AppError('VALIDATION', `the ${adapter} adapter for ${port} is not configured: set its API key (docs/PROVIDERS.md)`, [{ field: 'provider', message: 'not configured' }]);
      instance = (entry.factory as AdapterFactory<P>)(cfg, priceCents);
    }
    made.set(key, instance);
    return instance;
  }

  return {
    get,
    /** Every port with the adapter the environment selects and the ones available. */
    list() {
      return (Object.keys(LOCAL) as PortName[]).map((port) => {
        const others = Object.entries(table(port)).filter(([name]) => name !== 'local').map(([name, e]) => ({ name, configured: e.configured(cfg) }));
        const selected = selectedBy[port](cfg);
        return {
          port, selected,
          selected_configured: selected === 'local' || !!others.find((o) => o.name === selected)?.configured,
          adapters: [{ name: 'local', configured: true }, ...others],
        };
      });
    },
  };
}

export type ProviderRegistry = ReturnType<typeof createProviderRegistry>;
