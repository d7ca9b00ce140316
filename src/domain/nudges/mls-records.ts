import type { EventType } from '../../providers/llm/ports.ts';

// Raw listing records in the RESO Data Dictionary's Property resource (what a RESO Web API feed
// answers: { "value": [ { "ListingKey": ..., "StandardStatus": ..., ... } ] }) turned into the
// events nudges are about. Which event a record is comes from its StandardStatus and prices:
//   Closed                          -> sold            (at CloseDate, else StatusChangeTimestamp)
//   Pending, Active Under Contract  -> pending         (at StatusChangeTimestamp)
//   Expired, Withdrawn, Canceled    -> expired         (at StatusChangeTimestamp)
//   Active, Coming Soon, with MlsStatus "Back on Market"            -> back_on_market
//   Active with a PreviousListPrice different from ListPrice        -> price_change (at PriceChangeTimestamp)
//   Active otherwise                                                -> new_listing  (at OnMarketDate)
// each falling back to ModificationTimestamp. A record with none of these times, no ListingKey or
// a status nudges are not about is refused with the field named.

export interface MlsEventRow {
  source_id: string;
  listing_key: string;
  event_type: EventType;
  event_at: string;
  standard_status: string;
  list_price_cents: number | null;
  previous_price_cents: number | null;
  close_price_cents: number | null;
  beds: number | null;
  baths: number | null;
  living_area_sqft: number | null;
  year_built: number | null;
  property_type: string | null;
  address: string | null;
  city: string | null;
  state: string | null;
  zip: string | null;
  remarks: string | null;
  raw: Record<string, unknown>;
}

// Fields a feed may carry that are for the listing's agents, not the public: kept out of the
// stored record, which every organization reads.
const PRIVATE = /^(Private|Showing|LockBox|Lockbox|Occupant|Owner|ListAgent|CoListAgent|BuyerAgent|CoBuyerAgent)|Password|Security|Gate(Code)?$/;

/** The record without its private fields. */
export const publicFields = (r: Record<string, unknown>) => Object.fromEntries(Object.entries(r).filter(([k]) => !PRIVATE.test(k)));

export type ParsedRecord = { ok: true; row: MlsEventRow } | { ok: false; field: string; message: string };

const SUB_TYPES: [RegExp, string][] = [
  [/condo/i, 'condo'], [/town/i, 'townhouse'], [/(duplex|triplex|quadruplex|multi)/i, 'multi_family'],
  [/manufactured|mobile/i, 'manufactured'], [/(land|lot|farm|ranch)/i, 'land'], [/single|detached|residence/i, 'single_family'],
];

function propertyType(r: Record<string, unknown>): string | null {
  const sub = str(r.PropertySubType);
  const type = str(r.PropertyType);
  for (const [re, t] of SUB_TYPES) if (sub && re.test(sub)) return t;
  if (type && /land/i.test(type)) return 'land';
  if (type && /income/i.test(type)) return 'multi_family';
  if (type && /residential/i.test(type)) return 'single_family';
  return sub || type ? 'other' : null;
}

function str(v: unknown): string | null {
  if (typeof v === 'string') return v.trim() || null;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return null;
}

class Bad extends Error {
  constructor(readonly field: string, message: string) {
    super(message);
  }
}

function num(r: Record<string, unknown>, field: string, opts: { min?: number; max?: number; int?: boolean } = {}): number | null {
  const v = r[field];
  if (v == null || v === '') return null;
  const n = typeof v === 'number' ? v : typeof v === 'string' ? Number(v.replace(/[$,\s]/g, '')) : NaN;
  if (!Number.isFinite(n)) throw new Bad(field, `not a number: ${JSON.stringify(v).slice(0, 40)}`);
  if ((opts.min != null && n < opts.min) || (opts.max != null && n > opts.max)) throw new Bad(field, `out of range: ${n}`);
  return opts.int ? Math.round(n) : n;
}

const cents = (dollars: number | null) => (dollars == null ? null : Math.round(dollars * 100));

function instant(r: Record<string, unknown>, field: string): string | null {
  const v = str(r[field]);
  if (!v) return null;
  // a date alone (CloseDate, OnMarketDate) is that day's start in UTC
  const d = new Date(/^\d{4}-\d{2}-\d{2}$/.test(v) ? `${v}T00:00:00Z` : v);
  if (Number.isNaN(d.getTime())) throw new Bad(field, `not a date or time: ${v.slice(0, 40)}`);
  return d.toISOString();
}

function eventOf(r: Record<string, unknown>, status: string, listPrice: number | null, previous: number | null): { type: EventType; at: string | null; field: string } {
  const modified = () => instant(r, 'ModificationTimestamp');
  const s = status.toLowerCase();
  if (s === 'closed') return { type: 'sold', at: instant(r, 'CloseDate') ?? instant(r, 'StatusChangeTimestamp') ?? modified(), field: 'CloseDate' };
  if (s === 'pending' || s === 'active under contract') return { type: 'pending', at: instant(r, 'StatusChangeTimestamp') ?? modified(), field: 'StatusChangeTimestamp' };
  if (s === 'expired' || s === 'withdrawn' || s === 'canceled' || s === 'cancelled') {
    return { type: 'expired', at: instant(r, 'StatusChangeTimestamp') ?? instant(r, 'ExpirationDate') ?? modified(), field: 'StatusChangeTimestamp' };
  }
  if (s === 'active' || s === 'coming soon') {
    if (/back on market|^bom$/i.test(str(r.MlsStatus) ?? '')) return { type: 'back_on_market', at: instant(r, 'StatusChangeTimestamp') ?? modified(), field: 'StatusChangeTimestamp' };
    if (previous != null && listPrice != null && previous !== listPrice) return { type: 'price_change', at: instant(r, 'PriceChangeTimestamp') ?? modified(), field: 'PriceChangeTimestamp' };
    return { type: 'new_listing', at: instant(r, 'OnMarketDate') ?? instant(r, 'ListingContractDate') ?? modified(), field: 'OnMarketDate' };
  }
  throw new Bad('StandardStatus', `"${status}" is not a status nudges are about (Active, Coming Soon, Pending, Active Under Contract, Closed, Expired, Withdrawn, Canceled)`);
}

function address(r: Record<string, unknown>): string | null {
  const unparsed = str(r.UnparsedAddress);
  if (unparsed) return unparsed.split(',')[0]!.trim().slice(0, 300);
  const parts = [r.StreetNumber, r.StreetDirPrefix, r.StreetName, r.StreetSuffix, r.StreetDirSuffix].map(str).filter(Boolean);
  const unit = str(r.UnitNumber);
  return parts.length ? `${parts.join(' ')}${unit ? ` #${unit}` : ''}`.slice(0, 300) : null;
}

/** One RESO Property record as an event; `source` names the feed when the record does not. */
export function parseMlsRecord(input: unknown, source: string | null): ParsedRecord {
  try {
    if (!input || typeof input !== 'object' || Array.isArray(input)) throw new Bad('(record)', 'not a JSON object');
    const r = input as Record<string, unknown>;
    const key = str(r.ListingKey) ?? str(r.ListingId);
    if (!key) throw new Bad('ListingKey', 'required');
    const sourceId = str(r.SourceSystemID) ?? str(r.OriginatingSystemName) ?? source;
    if (!sourceId) throw new Bad('SourceSystemID', 'required (or name the feed with --source)');
    const status = str(r.StandardStatus);
    if (!status) throw new Bad('StandardStatus', 'required');
    const listPrice = num(r, 'ListPrice', { min: 0, max: 1e10 });
    const previous = num(r, 'PreviousListPrice', { min: 0, max: 1e10 });
    const event = eventOf(r, status, listPrice, previous);
    if (!event.at) throw new Bad(event.field, `required for a ${event.type.replace(/_/g, ' ')} event (or ModificationTimestamp)`);
    const state = str(r.StateOrProvince)?.toUpperCase() ?? null;
    if (state && !/^[A-Z]{2}$/.test(state)) throw new Bad('StateOrProvince', `not a two-letter state: ${state}`);
    const zip = str(r.PostalCode)?.slice(0, 5) ?? null;
    if (zip && !/^\d{5}$/.test(zip)) throw new Bad('PostalCode', `not a ZIP code: ${zip}`);
    const baths = num(r, 'BathroomsTotalDecimal', { min: 0, max: 200 }) ?? num(r, 'BathroomsTotalInteger', { min: 0, max: 200 });
    return {
      ok: true,
      row: {
        source_id: sourceId.slice(0, 100), listing_key: key.slice(0, 200), event_type: event.type, event_at: event.at, standard_status: status,
        list_price_cents: cents(listPrice), previous_price_cents: cents(previous), close_price_cents: cents(num(r, 'ClosePrice', { min: 0, max: 1e10 })),
        beds: num(r, 'BedroomsTotal', { min: 0, max: 200, int: true }), baths: baths == null ? null : Math.round(baths * 10) / 10,
        living_area_sqft: num(r, 'LivingArea', { min: 0, max: 1e7, int: true }), year_built: num(r, 'YearBuilt', { min: 1600, max: 2200, int: true }),
        property_type: propertyType(r), address: address(r), city: str(r.City)?.slice(0, 100) ?? null, state, zip,
        remarks: str(r.PublicRemarks)?.slice(0, 20000) ?? null, raw: publicFields(r),
      },
    };
  } catch (e) {
    if (e instanceof Bad) return { ok: false, field: e.field, message: e.message };
    throw e;
  }
}
