import crypto from 'node:crypto';
import type {
  EmailVerdict, EmailVerifyPort, FoundEmail, FoundPhone, PersonLookup, PersonLookupPort, PersonMatch, PhoneVerdict,
  PhoneVerifyPort, PropertyPage, PropertyQuery, PropertySearchPort, VendorProperty,
} from './ports.ts';

// The local adapters: real, deterministic implementations that need no network. The same input
// always gives the same answer (every choice is drawn from a hash of the input), with hit rates
// and prices like a real vendor's, so pulls, the waterfall and their costs can be run, tested
// and demonstrated offline. Phones are in the 555-01xx range and emails at example.com/.net/.org,
// which are reserved for fiction: nothing a local adapter makes can reach a real person.

/** No network and no vendor's limit: a local adapter answers a whole default chunk (2,500 leads, their points) at once. */
const LOCAL_MAX_BATCH = 10_000;

/** A number in [0, 1) drawn from the inputs. */
export function draw(...parts: (string | number)[]): number {
  return crypto.createHash('sha256').update(parts.join('\u0001')).digest().readUInt32BE(0) / 2 ** 32;
}
const pick = <T>(xs: readonly T[], r: number): T => xs[Math.floor(r * xs.length)]!;
const int = (r: number, lo: number, hi: number) => lo + Math.floor(r * (hi - lo + 1));

const FIRST = ['James', 'Mary', 'Robert', 'Patricia', 'John', 'Jennifer', 'Michael', 'Linda', 'David', 'Elizabeth', 'William', 'Barbara',
  'Richard', 'Susan', 'Joseph', 'Jessica', 'Thomas', 'Karen', 'Carlos', 'Maria', 'Daniel', 'Nancy', 'Wei', 'Aisha', 'Hiroshi', 'Priya'];
const LAST = ['Smith', 'Johnson', 'Williams', 'Brown', 'Jones', 'Garcia', 'Miller', 'Davis', 'Rodriguez', 'Martinez', 'Hernandez', 'Lopez',
  'Wilson', 'Anderson', 'Thomas', 'Taylor', 'Moore', 'Jackson', 'Martin', 'Lee', 'Nguyen', 'Patel', 'Kim', 'Okafor', 'Schmidt', 'Rossi'];
const STREETS = ['Oak', 'Maple', 'Cedar', 'Pine', 'Elm', 'Lakeview', 'Hillcrest', 'Sunset', 'Ridge', 'Meadow', 'Willow', 'Park', 'Washington',
  'Lincoln', 'Jefferson', 'Cherry', 'Walnut', 'Highland', 'Forest', 'River', 'Spring', 'Valley', 'Mesa', 'Bluebonnet'];
const SUFFIXES = ['St', 'Ave', 'Dr', 'Ln', 'Ct', 'Rd', 'Way', 'Blvd', 'Pl', 'Cir'];
const TYPES = ['single_family', 'single_family', 'single_family', 'single_family', 'condo', 'townhouse', 'multi_family'];
const COMPANY = ['Holdings LLC', 'Properties LLC', 'Family Trust', 'Investments Inc', 'Living Trust'];
const AREA_CODES = ['512', '737', '210', '214', '469', '713', '281', '832', '213', '310', '323', '424', '818', '602', '480', '305', '786',
  '404', '678', '312', '773', '206', '503', '303', '702', '615', '704', '919', '617', '212', '718', '646', '215', '412', '216', '313'];
const CARRIERS = { mobile: ['Verizon Wireless', 'T-Mobile USA', 'AT&T Mobility'], landline: ['AT&T', 'Frontier', 'CenturyLink'], voip: ['Bandwidth', 'Twilio', 'Google Voice'] };
const EMAIL_DOMAINS = ['example.com', 'example.net', 'example.org'];

// --- property search ----------------------------------------------------------------------------

export interface LocalSearchOptions {
  /** How many properties an area holds (default: 300–1,500 per area, drawn from its name). */
  recordsPerArea?: number;
  pricePerRecordCents?: number;
}

function areasOf(query: PropertyQuery): { key: string; zip: string | null; city: string | null; state: string | null }[] {
  if (query.zip_codes?.length) return query.zip_codes.map((z) => ({ key: `zip:${z}`, zip: z, city: null, state: null }));
  const a = query.area;
  if (!a) return [];
  if (a.type === 'zip_code') return [{ key: `zip:${a.value}`, zip: a.value, city: null, state: null }];
  const [city, state] = a.value.split(',').map((s) => s.trim());
  return [{ key: `${a.type}:${a.value.toLowerCase()}`, zip: null, city: city || a.value, state: /^[A-Za-z]{2}$/.test(state ?? '') ? state!.toUpperCase() : 'TX' }];
}

/** The i-th property of an area: everything drawn from (area, i). */
export function localProperty(area: ReturnType<typeof areasOf>[number], i: number): VendorProperty {
  const r = (what: string) => draw(area.key, i, what);
  const zip = area.zip ?? String(int(r('zip'), 10000, 99999));
  const value = int(r('value'), 90, 1200) * 1_000_00;
  const mortgage = r('mortgaged') < 0.6 ? Math.round(value * (0.2 + 0.7 * r('ltv'))) : 0;
  const company = r('company') < 0.08;
  const first = pick(FIRST, r('first'));
  const last = pick(LAST, r('last'));
  const absentee = r('absentee') < 0.25;
  return {
    vendorId: `lp-${crypto.createHash('sha256').update(`${area.key}#${i}`).digest('hex').slice(0, 16)}`,
    address: { line1: `${int(r('number'), 100, 9899)} ${pick(STREETS, r('street'))} ${pick(SUFFIXES, r('suffix'))}`, city: area.city, state: area.state, zip },
    apn: r('apn') < 0.9 ? `${int(r('apn1'), 100, 999)}-${int(r('apn2'), 100, 999)}-${int(r('apn3'), 10, 99)}` : null,
    latitude: null,
    longitude: null,
    propertyType: pick(TYPES, r('type')),
    yearBuilt: int(r('year'), 1925, 2022),
    bedrooms: int(r('beds'), 1, 6),
    bathrooms: int(r('baths'), 2, 8) / 2,
    livingAreaSqft: int(r('sqft'), 700, 4800),
    lotSizeSqft: int(r('lot'), 2000, 20000),
    estimatedValueCents: value,
    mortgageBalanceCents: mortgage,
    equityCents: value - mortgage,
    equityPercent: Math.round((1000 * (value - mortgage)) / value) / 10,
    lastSaleDate: `${int(r('sale-y'), 1995, 2025)}-${String(int(r('sale-m'), 1, 12)).padStart(2, '0')}-15`,
    taxDebtCents: r('tax') < 0.06 ? int(r('tax-amt'), 500, 25000) * 100 : 0,
    ownerOccupied: !absentee && !company,
    isVacant: r('vacant') < 0.04,
    owner: company
      ? { fullName: `${last} ${pick(COMPANY, r('co'))}`.toUpperCase() }
      : {
          firstName: first, lastName: last,
          mailing: absentee ? { line1: `${int(r('m-number'), 100, 9899)} ${pick(STREETS, r('m-street'))} St`, city: 'Dallas', state: 'TX', zip: '75201' } : null,
        },
  };
}

export function createLocalPropertySearch(opts: LocalSearchOptions = {}): PropertySearchPort {
  const price = opts.pricePerRecordCents ?? 1;
  const matches = new Map<string, { area: ReturnType<typeof areasOf>[number]; i: number }[]>();
  const sizeOf = (key: string) => opts.recordsPerArea ?? int(draw(key, 'size'), 300, 1500);

  /** Everything the query matches, newest first (a higher index is a newer record). */
  function matching(query: PropertyQuery) {
    const key = JSON.stringify(query);
    let found = matches.get(key);
    if (found) return found;
    found = [];
    const f = query.filters ?? {};
    for (const area of areasOf(query)) {
      for (let i = sizeOf(area.key) - 1; i >= 0; i--) {
        const p = localProperty(area, i);
        if (f.property_type && p.propertyType !== f.property_type) continue;
        if (typeof f.owner_occupied === 'boolean' && p.ownerOccupied !== f.owner_occupied) continue;
        if (typeof f.absentee_owner === 'boolean' && !!p.owner?.mailing !== f.absentee_owner) continue;
        if (typeof f.min_equity_percent === 'number' && (p.equityPercent ?? 0) < f.min_equity_percent) continue;
        found.push({ area, i });
      }
    }
    if (matches.size > 100) matches.clear();
    matches.set(key, found);
    return found;
  }

  return {
    port: 'property_search',
    provider: 'local',
    async search(query, page, pageSize): Promise<PropertyPage> {
      const all = matching(query);
      const records = all.slice((page - 1) * pageSize, page * pageSize).map(({ area, i }) => localProperty(area, i));
      return { records, page, total: all.length, hasMore: page * pageSize < all.length, costCents: records.length * price };
    },
  };
}

// --- person look-ups ----------------------------------------------------------------------------

export interface LocalLookupOptions {
  /** Share of requests matched (append 0.7, skip-trace 0.85). */
  matchRate?: number;
  /** Per matched record, in cents (append 5, skip-trace 15). */
  priceCents?: number;
}

function phoneOf(seed: string, n: number, types: { mobile: number; voip: number }): FoundPhone {
  const r = (what: string) => draw(seed, 'phone', n, what);
  const t = r('type');
  const type = t < types.mobile ? 'mobile' : t < types.mobile + types.voip ? 'voip' : 'landline';
  return {
    number: `+1${pick(AREA_CODES, r('area'))}55501${String(int(r('line'), 0, 99)).padStart(2, '0')}`,
    type, carrier: pick(CARRIERS[type], r('carrier')), valid: r('valid') < 0.92, dnc: r('dnc') < 0.1, confidence: int(r('conf'), 40, 99),
  };
}

function emailOf(seed: string, n: number, req: PersonLookup): FoundEmail {
  const r = (what: string) => draw(seed, 'email', n, what);
  const first = (req.firstName ?? req.fullName ?? 'owner').toLowerCase().replace(/[^a-z]/g, '') || 'owner';
  const last = (req.lastName ?? '').toLowerCase().replace(/[^a-z]/g, '');
  const local = [first, last].filter(Boolean).join(r('sep') < 0.5 ? '.' : '') + (r('num') < 0.4 ? String(int(r('n'), 1, 99)) : '');
  return { address: `${local}@${pick(EMAIL_DOMAINS, r('domain'))}`, type: r('type') < 0.8 ? 'personal' : 'work', valid: r('valid') < 0.85, confidence: int(r('conf'), 40, 99) };
}

/** The identity a look-up is about: the same person at the same address gets the same answer, whatever its key. */
const personSeed = (req: PersonLookup) =>
  [req.firstName, req.lastName, req.fullName, req.address.line1, req.address.zip ?? req.address.city].map((x) => (x ?? '').toLowerCase().trim()).join('|');

function createLocalLookup(port: 'append' | 'skip_trace', defaults: Required<LocalLookupOptions>, opts: LocalLookupOptions): PersonLookupPort {
  const matchRate = opts.matchRate ?? defaults.matchRate;
  const price = opts.priceCents ?? defaults.priceCents;
  return {
    port,
    provider: 'local',
    maxBatch: LOCAL_MAX_BATCH,
    async lookup(requests): Promise<PersonMatch[]> {
      return requests.map((req) => {
        const seed = `${port}|${personSeed(req)}`;
        const r = (what: string) => draw(seed, what);
        const hasName = !!(req.firstName || req.lastName || req.fullName);
        if (!hasName || r('match') >= matchRate) return { key: req.key, matched: false, confidence: null, phones: [], emails: [], costCents: 0 };
        // append finds a few cheap (mostly landline) numbers; skip-trace digs up more, mostly mobile
        const phones = port === 'append'
          ? (r('has-phone') < 0.35 ? [phoneOf(seed, 0, { mobile: 0.25, voip: 0.05 })] : [])
          : Array.from({ length: r('has-phone') < 0.8 ? int(r('phones'), 1, 3) : 0 }, (_, n) => phoneOf(seed, n, { mobile: 0.62, voip: 0.08 }));
        const emails = port === 'append'
          ? (r('has-email') < 0.3 ? [emailOf(seed, 0, req)] : [])
          : Array.from({ length: r('has-email') < 0.6 ? int(r('emails'), 1, 2) : 0 }, (_, n) => emailOf(seed, n, req));
        return {
          key: req.key, matched: true, confidence: int(r('conf'), 55, 99), phones, emails, costCents: price,
          ...(port === 'append' ? { mak: String(int(r('mak'), 100_000_000, 999_999_999)), ownerVerified: r('owner') < 0.85, age: r('age') < 0.6 ? int(r('age-n'), 28, 88) : null } : {}),
        };
      });
    },
  };
}

export const createLocalAppend = (opts: LocalLookupOptions = {}) => createLocalLookup('append', { matchRate: 0.7, priceCents: 5 }, opts);
export const createLocalSkipTrace = (opts: LocalLookupOptions = {}) => createLocalLookup('skip_trace', { matchRate: 0.85, priceCents: 15 }, opts);

// --- verification -------------------------------------------------------------------------------

export function createLocalPhoneVerify(opts: { priceCents?: number } = {}): PhoneVerifyPort {
  const price = opts.priceCents ?? 1;
  return {
    port: 'phone_verify',
    provider: 'local',
    maxBatch: LOCAL_MAX_BATCH,
    async verify(numbers): Promise<PhoneVerdict[]> {
      return numbers.map((number) => {
        const r = (what: string) => draw('phone-verify', number, what);
        const t = r('type');
        const lineType = t < 0.6 ? 'mobile' : t < 0.68 ? 'voip' : 'landline';
        return { number, valid: r('valid') < 0.9, lineType, carrier: pick(CARRIERS[lineType], r('carrier')), dnc: r('dnc') < 0.1, costCents: price };
      });
    },
  };
}

export function createLocalEmailVerify(opts: { priceCents?: number } = {}): EmailVerifyPort {
  const price = opts.priceCents ?? 1;
  return {
    port: 'email_verify',
    provider: 'local',
    maxBatch: LOCAL_MAX_BATCH,
    async verify(addresses): Promise<EmailVerdict[]> {
      return addresses.map((address) => {
        const r = draw('email-verify', address);
        const status = r < 0.7 ? 'deliverable' : r < 0.85 ? 'undeliverable' : r < 0.95 ? 'risky' : 'unknown';
        return { address, status, costCents: price };
      });
    },
  };
}
