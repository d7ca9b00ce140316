import { z } from 'zod';
import {
  ProviderError,
  type FoundEmail,
  type FoundPhone,
  type PersonLookup,
  type PersonLookupPort,
  type PersonMatch,
  type PhoneVerdict,
  type PhoneVerifyPort,
  type PropertyQuery,
  type PropertySearchPort,
  type VendorProperty,
} from '../ports.ts';
import { DEFAULT_RATE_PER_SECOND, DEFAULT_TIMEOUT_MS, createHttpClient, malformed, toCents, type HttpClient, type VendorHttpOptions } from './http-client.ts';

// BatchData v1 (https://developer.batchdata.com/docs/batchdata/batchdata-v1), Bearer token auth.
// BatchData's reference is a Stoplight app the stored copies cannot render, so the shapes below are
// taken from the best evidence found, in this order:
//  - property search: POST /api/v1/property/search {searchCriteria, options:{skip,take}} →
//    results.properties[] and results.meta.results.resultsFound: BatchService's own API explorer
//    (github.com/CharlesParra-BatchService/BatchData-API-Explorer, src/pages/PropertyListPage.jsx) and
//    a full sample answer generated from BatchData's OpenAPI mock (github.com/JohnBorelliApproved/Batchdata,
//    test_fixtures/sample_search_90210.json): _id, address{street,city,state,zip,county,latitude,longitude},
//    ids.apn, owner{fullName,names[],mailingAddress,ownerOccupied,phoneNumbers[],emails[]},
//    building{yearBuilt,bedroomCount,bathroomCount,livingAreaSquareFeet}, lot.lotSizeSquareFeet,
//    general{propertyTypeDetail,vacant}, valuation{estimatedValue,equityCurrentEstimatedBalance,equityPercent},
//    openLien.totalOpenLienBalance, sale.lastSale{saleDate,price}, intel.lastSold*, quickLists{...}.
//    Filter operators ({inList}, {min,max}) and quickList names ('owner-occupied', 'absentee-owner', ...)
//    are the explorer's.
//  - skip trace: POST /api/v1/property/skip-trace {requests:[{requestId, propertyAddress, name, mailingAddress}]}
//    → results.persons[] {name, phoneNumbers[{number,type,carrier,reachable,dnc,tcpa,score,tested}],
//    emails[{email}], meta{matched,error}}: the scraped v1 operation page ("requestId ... used to correlate
//    responses with requests"), the explorer's SkipTracePage.jsx, and BatchData's November 2025 release
//    notes (help.batchdata.io, "Skiptrace API release notes"): one persons[] entry per request, unmatched
//    ones carry meta.matched=false, and "only matched ... properties are counted as billable".
//  - phone verification: POST /api/v1/phone/verification {requests:["2024561111", ...]} is BatchData's
//    own sample (github.com/BatchDataAPI/BatchDataAPI lamp-suite/server.php) and the async page. The answer's
//    shape is the least evidenced of all: it is read leniently (results.phoneNumbers[] or results.phones[],
//    matched by number, with valid/isValid, type/lineType, carrier/carrierName, dnc) and anything else is
//    a 'malformed' answer rather than a guess.

export interface BatchDataPropertySearchOptions extends VendorHttpOptions {
  /** What one returned property record costs, in cents. */
  pricePerRecordCents: number;
}
export interface BatchDataSkipTraceOptions extends VendorHttpOptions {
  /** What one matched request costs, in cents (unmatched requests are free). */
  pricePerMatchCents: number;
}
export interface BatchDataPhoneVerifyOptions extends VendorHttpOptions {
  /** What one verified number costs, in cents. */
  pricePerRecordCents: number;
}

export const BATCHDATA_PROVIDER = 'batchdata';
export const BATCHDATA_BASE_URL = 'https://api.batchdata.com';

/** One client per vendor key is what a rate limit wants; pass `client` to share it across the three ports. */
export function createBatchDataClient(opts: VendorHttpOptions): HttpClient {
  return (
    opts.client ??
    createHttpClient({
      provider: BATCHDATA_PROVIDER,
      baseUrl: opts.baseUrl ?? BATCHDATA_BASE_URL,
      headers: { authorization: `Bearer ${opts.apiKey}` },
      timeoutMs: opts.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      ratePerSecond: opts.ratePerSecond ?? DEFAULT_RATE_PER_SECOND,
      burst: opts.burst,
      maxRateLimitRetries: opts.maxRateLimitRetries,
      maxRetryWaitMs: opts.maxRetryWaitMs,
      fetchImpl: opts.fetchImpl,
      sleep: opts.sleep,
      now: opts.now,
    })
  );
}

// --- shapes (strict on structure, lenient on leaves: a number may arrive as a numeric string) -------

const num = z
  .union([z.number(), z.string()])
  .nullish()
  .transform((v) => (v == null || v === '' ? null : Number.isFinite(Number(v)) ? Number(v) : null));
const str = z.union([z.string(), z.number()]).nullish().transform((v) => (v == null || v === '' ? null : String(v)));
const bool = z.boolean().nullish();
const Address = z.object({ street: str, city: str, state: str, zip: str, county: str, latitude: num, longitude: num }).nullish();
const Phone = z.object({ number: str, type: str, carrier: str, reachable: bool, dnc: bool, tcpa: bool, score: num, tested: bool });
const Name = z.object({ first: str, last: str, full: str, middle: str });

const Property = z.object({
  _id: str,
  id: str,
  address: Address,
  ids: z.object({ apn: str }).nullish(),
  owner: z
    .object({
      fullName: str,
      names: z.array(Name).nullish(),
      mailingAddress: Address,
      ownerOccupied: bool,
      phoneNumbers: z.array(Phone).nullish(),
      emails: z.array(z.union([z.string(), z.object({ email: str })])).nullish(),
    })
    .nullish(),
  building: z.object({ yearBuilt: num, bedroomCount: num, bathroomCount: num, livingAreaSquareFeet: num, totalBuildingAreaSquareFeet: num }).nullish(),
  lot: z.object({ lotSizeSquareFeet: num }).nullish(),
  general: z.object({ propertyTypeDetail: str, vacant: bool }).nullish(),
  valuation: z.object({ estimatedValue: num, equityCurrentEstimatedBalance: num, equityPercent: num }).nullish(),
  openLien: z.object({ totalOpenLienBalance: num }).nullish(),
  sale: z.object({ lastSale: z.object({ saleDate: str, price: num }).nullish() }).nullish(),
  intel: z.object({ lastSoldDate: str, lastSoldPrice: num }).nullish(),
  quickLists: z.record(z.string(), z.unknown()).nullish(),
});
const SearchAnswer = z.object({
  results: z.object({
    properties: z.array(Property),
    meta: z.object({ results: z.object({ resultsFound: num }).nullish() }).nullish(),
  }),
});

const Person = z.object({
  requestId: str,
  request: z.object({ requestId: str }).nullish(),
  name: Name.partial().nullish(),
  phoneNumbers: z.array(Phone).nullish(),
  emails: z.array(z.union([z.string(), z.object({ email: str, address: str, tested: bool })])).nullish(),
  meta: z.object({ matched: bool, error: bool, requestId: str }).nullish(),
});
const SkipTraceAnswer = z.object({ results: z.object({ persons: z.array(Person) }) });

const VerifiedPhone = z.object({
  number: str,
  phoneNumber: str,
  valid: bool,
  isValid: bool,
  type: str,
  lineType: str,
  carrier: str,
  carrierName: str,
  dnc: bool,
});
const VerifyAnswer = z.object({
  results: z.object({ phoneNumbers: z.array(VerifiedPhone).nullish(), phones: z.array(VerifiedPhone).nullish() }),
});

// --- property search ------------------------------------------------------------------------------

/** Porchlight's filters → BatchData searchCriteria; an unknown filter is refused before anything is billed. */
const QUICK_LISTS: Record<string, string> = {
  absentee_owner: 'absentee-owner',
  vacant: 'vacant',
  tax_default: 'tax-default',
  preforeclosure: 'preforeclosure',
  free_and_clear: 'free-and-clear',
  high_equity: 'high-equity',
  inherited: 'inherited',
};

export function toSearchCriteria(query: PropertyQuery): Record<string, unknown> {
  const criteria: Record<string, any> = {};
  const quickLists: string[] = [];
  const zips = [...(query.zip_codes ?? [])];
  if (query.area?.type === 'zip_code') zips.push(query.area.value);
  if (query.area?.type === 'city') criteria.query = query.area.value; // "Austin, TX", as BatchData's own UI sends it
  if (query.area?.type === 'custom_area') {
    throw new ProviderError(BATCHDATA_PROVIDER, 'rejected', `custom area "${query.area.value}" has no BatchData equivalent; search by zip codes`);
  }
  if (zips.length) criteria.address = { zip: { inList: zips } };

  for (const [key, value] of Object.entries(query.filters ?? {})) {
    if (value === undefined || value === null) continue;
    if (key === 'property_type') {
      criteria.general = { propertyTypeDetail: { inList: Array.isArray(value) ? value : [value] } };
    } else if (key === 'owner_occupied') {
      quickLists.push(value ? 'owner-occupied' : 'absentee-owner');
    } else if (key === 'min_equity_percent' || key === 'max_equity_percent') {
      criteria.valuation ??= {};
      criteria.valuation.equityPercent = { ...criteria.valuation.equityPercent, [key.startsWith('min') ? 'min' : 'max']: Number(value) };
    } else if (key === 'min_estimated_value' || key === 'max_estimated_value') {
      criteria.valuation ??= {};
      criteria.valuation.estimatedValue = { ...criteria.valuation.estimatedValue, [key.startsWith('min') ? 'min' : 'max']: Number(value) };
    } else if (key in QUICK_LISTS) {
      if (value === true) quickLists.push(QUICK_LISTS[key]!);
      else if (value !== false) throw new ProviderError(BATCHDATA_PROVIDER, 'rejected', `filter ${key} takes true or false`);
    } else {
      throw new ProviderError(BATCHDATA_PROVIDER, 'rejected', `filter ${key} is not supported by the BatchData adapter`);
    }
  }
  if (quickLists.length) criteria.quickLists = [...new Set(quickLists)];
  return criteria;
}

function toVendorProperty(p: z.infer<typeof Property>): VendorProperty {
  const vendorId = p._id ?? p.id;
  if (!vendorId) throw malformed(BATCHDATA_PROVIDER, 'property without _id in search answer');
  const name = p.owner?.names?.[0];
  const mailing = p.owner?.mailingAddress;
  const lastSale = p.sale?.lastSale;
  return {
    vendorId,
    address: { line1: p.address?.street ?? '', city: p.address?.city ?? null, state: p.address?.state ?? null, zip: p.address?.zip ?? null },
    county: p.address?.county ?? null,
    apn: p.ids?.apn ?? null,
    mak: null,
    latitude: p.address?.latitude ?? null,
    longitude: p.address?.longitude ?? null,
    propertyType: p.general?.propertyTypeDetail ?? null,
    yearBuilt: p.building?.yearBuilt ?? null,
    bedrooms: p.building?.bedroomCount ?? null,
    bathrooms: p.building?.bathroomCount ?? null,
    livingAreaSqft: p.building?.livingAreaSquareFeet ?? p.building?.totalBuildingAreaSquareFeet ?? null,
    lotSizeSqft: p.lot?.lotSizeSquareFeet ?? null,
    estimatedValueCents: toCents(p.valuation?.estimatedValue),
    equityCents: toCents(p.valuation?.equityCurrentEstimatedBalance),
    equityPercent: p.valuation?.equityPercent ?? null,
    mortgageBalanceCents: toCents(p.openLien?.totalOpenLienBalance),
    lastSaleDate: (lastSale?.saleDate ?? p.intel?.lastSoldDate)?.slice(0, 10) ?? null,
    lastSalePriceCents: toCents(lastSale?.price ?? p.intel?.lastSoldPrice),
    taxDebtCents: null, // BatchData flags tax default (quickLists.taxDefault) but gives no amount owed
    ownerOccupied: p.owner?.ownerOccupied ?? flag(p.quickLists?.ownerOccupied),
    isVacant: p.general?.vacant ?? flag(p.quickLists?.vacant),
    owner: p.owner
      ? {
          fullName: p.owner.fullName ?? name?.full ?? null,
          firstName: name?.first ?? null,
          lastName: name?.last ?? null,
          mailing: mailing?.street ? { line1: mailing.street, city: mailing.city, state: mailing.state, zip: mailing.zip } : null,
        }
      : null,
    phones: (p.owner?.phoneNumbers ?? []).flatMap(toFoundPhone),
    emails: (p.owner?.emails ?? []).flatMap((e) => toFoundEmail(typeof e === 'string' ? e : e.email, null)),
  };
}

export function createBatchDataPropertySearch(opts: BatchDataPropertySearchOptions): PropertySearchPort {
  const client = createBatchDataClient(opts);
  return {
    port: 'property_search',
    provider: BATCHDATA_PROVIDER,
    async search(query, page, pageSize, signal) {
      const skip = (page - 1) * pageSize;
      const body = { searchCriteria: toSearchCriteria(query), options: { skip, take: pageSize } };
      // `query.sort` is not sent: no evidence of which BatchData sort field means "newest first".
      const { data } = await client.request('POST', '/api/v1/property/search', { body, signal, schema: SearchAnswer });
      const records = data.results.properties.map(toVendorProperty);
      const total = data.results.meta?.results?.resultsFound ?? null;
      return {
        records,
        page,
        total,
        hasMore: total === null ? records.length === pageSize : skip + records.length < total,
        costCents: records.length * opts.pricePerRecordCents,
      };
    },
  };
}

// --- skip trace ---------------------------------------------------------------------------------

function splitName(l: PersonLookup): { first?: string; last?: string } | undefined {
  if (l.firstName || l.lastName) return { first: l.firstName ?? undefined, last: l.lastName ?? undefined };
  const parts = (l.fullName ?? '').trim().split(/\s+/).filter(Boolean);
  return parts.length >= 2 ? { first: parts[0], last: parts[parts.length - 1] } : undefined;
}

function street(a: { line1: string; line2?: string | null }) {
  return a.line2 ? `${a.line1} ${a.line2}` : a.line1;
}

export function createBatchDataSkipTrace(opts: BatchDataSkipTraceOptions): PersonLookupPort {
  const client = createBatchDataClient(opts);
  return {
    port: 'skip_trace',
    provider: BATCHDATA_PROVIDER,
    maxBatch: 100,
    async lookup(requests, signal) {
      if (requests.length === 0) return [];
      if (requests.length > 100) throw new RangeError(`batchdata skip trace takes at most 100 requests, got ${requests.length}`);
      // requestId is our index, not the lead id: it is all the vendor needs to echo back.
      const body = {
        requests: requests.map((r, i) => ({
          requestId: String(i),
          propertyAddress: { street: street(r.address), city: r.address.city ?? undefined, state: r.address.state ?? undefined, zip: r.address.zip ?? undefined },
          name: splitName(r),
          mailingAddress: r.mailing ? { street: street(r.mailing), city: r.mailing.city ?? undefined, state: r.mailing.state ?? undefined, zip: r.mailing.zip ?? undefined } : undefined,
        })),
      };
      const { data } = await client.request('POST', '/api/v1/property/skip-trace', { body, signal, schema: SkipTraceAnswer });
      const persons = data.results.persons;

      // Correlate by the echoed requestId when every answer carries one; otherwise by position,
      // which BatchData keeps (one persons[] entry per request, matched or not).
      const ids = persons.map((p) => p.requestId ?? p.meta?.requestId ?? p.request?.requestId ?? null);
      const byIndex = new Map<number, z.infer<typeof Person>>();
      if (ids.every((id) => id !== null && /^\d+$/.test(id) && Number(id) < requests.length)) {
        persons.forEach((p, i) => byIndex.set(Number(ids[i]), p));
      } else if (persons.length === requests.length) {
        persons.forEach((p, i) => byIndex.set(i, p));
      } else {
        throw malformed(BATCHDATA_PROVIDER, `skip trace answered ${persons.length} persons for ${requests.length} requests without request ids`);
      }

      return requests.map((r, i): PersonMatch => {
        const p = byIndex.get(i);
        const matched = p?.meta?.matched === true && p.meta.error !== true;
        if (!p || !matched) return { key: r.key, matched: false, confidence: 0, phones: [], emails: [], costCents: 0 };
        const phones = (p.phoneNumbers ?? []).flatMap(toFoundPhone);
        const emails = (p.emails ?? []).flatMap((e) =>
          typeof e === 'string' ? toFoundEmail(e, null) : toFoundEmail(e.email ?? e.address, e.tested === true ? true : null),
        );
        // BatchData scores phones, not persons: the best phone score stands for the match.
        const scores = phones.map((ph) => ph.confidence).filter((c): c is number => c !== null);
        return {
          key: r.key,
          matched: true,
          confidence: scores.length ? Math.max(...scores) : null,
          phones,
          emails,
          age: null,
          costCents: opts.pricePerMatchCents, // billed per match only (release notes, Nov 2025)
        };
      });
    },
  };
}

// --- phone verification -------------------------------------------------------------------------

/** E.164 (+15125550100) → the 10 digits BatchData takes. */
function tenDigits(e164: string): string {
  const digits = e164.replace(/\D/g, '');
  return digits.length === 11 && digits.startsWith('1') ? digits.slice(1) : digits;
}

export function createBatchDataPhoneVerify(opts: BatchDataPhoneVerifyOptions): PhoneVerifyPort {
  const client = createBatchDataClient(opts);
  return {
    port: 'phone_verify',
    provider: BATCHDATA_PROVIDER,
    maxBatch: 100,
    async verify(numbers, signal) {
      if (numbers.length === 0) return [];
      if (numbers.length > 100) throw new RangeError(`batchdata phone verification takes at most 100 numbers, got ${numbers.length}`);
      const asked = numbers.map(tenDigits);
      const { data } = await client.request('POST', '/api/v1/phone/verification', { body: { requests: asked }, signal, schema: VerifyAnswer });
      const answers = data.results.phoneNumbers ?? data.results.phones ?? [];
      const byNumber = new Map(answers.map((a) => [tenDigits(a.number ?? a.phoneNumber ?? ''), a]));
      if (answers.length !== numbers.length && !asked.every((n) => byNumber.has(n))) {
        throw malformed(BATCHDATA_PROVIDER, `phone verification answered ${answers.length} numbers for ${numbers.length}`);
      }
      return numbers.map((number, i): PhoneVerdict => {
        const a = byNumber.get(asked[i]!) ?? answers[i]!;
        return {
          number,
          valid: (a.valid ?? a.isValid) === true,
          lineType: lineType(a.type ?? a.lineType),
          carrier: a.carrier ?? a.carrierName ?? null,
          dnc: a.dnc ?? null,
          costCents: opts.pricePerRecordCents,
        };
      });
    },
  };
}

// --- shared mapping -----------------------------------------------------------------------------

function lineType(t: string | null | undefined): PhoneVerdict['lineType'] {
  const s = (t ?? '').toLowerCase().replace(/[^a-z]/g, '');
  if (['mobile', 'wireless', 'cell', 'cellular'].includes(s)) return 'mobile';
  if (['landline', 'fixedline', 'fixed'].includes(s)) return 'landline';
  if (s === 'voip') return 'voip';
  if (s === 'tollfree') return 'toll_free';
  return null;
}

function toFoundPhone(p: z.infer<typeof Phone>): FoundPhone[] {
  if (!p.number) return [];
  const type = lineType(p.type);
  return [
    {
      number: p.number,
      type: type === 'toll_free' ? null : type,
      carrier: p.carrier,
      valid: p.reachable ?? null,
      dnc: p.dnc ?? null,
      confidence: p.score === null ? null : Math.max(0, Math.min(100, Math.round(p.score))),
    },
  ];
}

function toFoundEmail(address: string | null | undefined, valid: boolean | null): FoundEmail[] {
  return address ? [{ address, type: null, valid, confidence: null }] : [];
}

function flag(v: unknown): boolean | null {
  return typeof v === 'boolean' ? v : null;
}
