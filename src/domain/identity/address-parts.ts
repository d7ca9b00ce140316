// The USPS tables (tables/*.json) and the word lists built on them, and the normalizers of single
// address fields: ZIP, state, street name, city words, and the parcel key. normalize-address.ts
// parses whole addresses with these; the rules both follow are listed at its top.

import suffixData from './tables/street-suffixes.json' with { type: 'json' };
import unitData from './tables/unit-designators.json' with { type: 'json' };
import dirData from './tables/directionals.json' with { type: 'json' };
import stateData from './tables/states.json' with { type: 'json' };
import ordinalData from './tables/ordinals.json' with { type: 'json' };
import { computeAddrHash } from './addr-hash.ts';

export interface AddressParts {
  number: string | null; predirectional: string | null; streetName: string | null; suffix: string | null;
  postdirectional: string | null; unitType: string | null; unitId: string | null;
  city: string | null; state: string | null; zip5: string | null; zip4: string | null;
  /** normalized line 1 with the unit: "123 N MAIN ST APT 4"; PO boxes as "PO BOX 12" */
  line1: string | null;
}

type Designator = { abbr: string; requiresId: boolean };
export const SUFFIX: ReadonlyMap<string, string> = new Map(Object.entries(suffixData.suffixes));
export const UNIT: ReadonlyMap<string, Designator> = new Map(Object.entries(unitData.designators));
export const DIR: ReadonlyMap<string, string> = new Map(Object.entries(dirData.directionals));
const DIR_WORD: ReadonlyMap<string, string> = new Map([['N', 'NORTH'], ['S', 'SOUTH'], ['E', 'EAST'], ['W', 'WEST'], ['NE', 'NORTHEAST'], ['NW', 'NORTHWEST'], ['SE', 'SOUTHEAST'], ['SW', 'SOUTHWEST']]);
export const STATE: ReadonlyMap<string, string> = new Map(Object.entries(stateData.states));
export const ORDINAL: ReadonlyMap<string, number> = new Map(Object.entries(ordinalData.ordinals));
const TENS: ReadonlyMap<string, number> = new Map(Object.entries(ordinalData.tens));
export const CITY_WORD: ReadonlyMap<string, string> = new Map([['ST', 'SAINT'], ['STE', 'SAINTE'], ['FT', 'FORT'], ['MT', 'MOUNT']]);
/** Suffixes common enough that "<it> <another suffix word>" ends the street at it: "MAIN ST FALLS CHURCH". */
export const STRONG = new Set(['ST', 'AVE', 'RD', 'DR', 'BLVD', 'LN', 'CT', 'CIR', 'WAY', 'PL', 'PKWY', 'HWY', 'TER', 'TRL', 'EXPY', 'FWY', 'PLZ', 'SQ', 'ALY', 'TPKE', 'XING', 'CV', 'RTE']);
/** Suffix words that, followed by a number, name a route rather than end the street: "US HWY 50", "COUNTY RD 43". */
export const ROUTE = new Set(['HWY', 'RTE', 'RD', 'FWY', 'EXPY', 'PKWY', 'TPKE', 'LOOP', 'SPUR', 'PR']);
export const ROUTE_LEAD = new Set(['US', 'STATE', 'COUNTY', 'CO', 'CTY', 'COUNTRY', 'INTERSTATE', 'TOWNSHIP', 'TWP', 'FARM', 'RANCH', 'PRIVATE']);
/** Route names that are no suffix word: Farm-to-Market 544, State Route 12, County Road 43, US 17, I 95. */
export const ROUTE_PREFIX = new Set(['FM', 'SR', 'CR', 'US', 'I', 'IH', 'SH', 'RM', 'BUSINESS']);
export const ROUTE_QUALIFIER = new Set(['BUSINESS', 'BUS', 'BYP', 'BYPASS', 'ALT', 'SPUR', 'LOOP', 'EXT']);
/** PO box and rural route spellings → the USPS form. */
export const BOX_FORMS = new Map([
  ...['PO BOX', 'P O BOX', 'POST OFFICE BOX', 'POB', 'POBOX', 'BOX', 'LOCK BOX'].map((f) => [f, 'PO BOX'] as const),
  ...['RR', 'RFD', 'RURAL ROUTE', 'RURAL RTE', 'STAR ROUTE', 'STAR RTE'].map((f) => [f, 'RR'] as const),
  ...['HC', 'HCR', 'HIGHWAY CONTRACT', 'HWY CONTRACT', 'HIGHWAY CONTRACT ROUTE', 'HWY CONTRACT ROUTE'].map((f) => [f, 'HC'] as const),
]);
export const BOX_FIRST = new Set([...BOX_FORMS.keys()].map((f) => f.split(' ')[0]!));
export const COUNTRY = new Set(['USA', 'US', 'AMERICA', 'UNITED STATES', 'UNITED STATES OF AMERICA']);
export const COUNTRY_LAST = new Set(['USA', 'US', 'AMERICA', 'STATES']);
/** Last words of multi-word state names ("NEW YORK" → YORK): only these need a longer look-back. */
export const STATE_LAST = new Set([...STATE.keys()].filter((k) => k.includes(' ')).map((k) => k.slice(k.lastIndexOf(' ') + 1)));
export const DIGIT = /\d/;
export const ALL_DIGITS = /^\d+$/;
export const FRACTION = /^\d+\/\d+$/;
export const GRID = /^[NSEW]\d+$/; // Wisconsin grid numbers: "N165 W2123"
export const NUM_ORDINAL = /^(\d+)(ST|ND|RD|TH|D)$/;
export const ZIP_PLAIN = /^(\d{5})(?:-(\d{4}))?$|^(\d{5})(\d{4})$/;
const ZIP_SHORT = /^(\d{3,4})(?:-(\d{4}))?$|^(\d{4})(\d{4})$/;
const ZIP_JUNK = /[\s\u2010-\u2015\u2212]+/g;
const EXCEL_FLOAT = /\.0+$/; // "62701.0": a ZIP column read as a number
const EDGE_DASH = /^-|-$/g;
const STATE_JUNK = /[^A-Z ]+/g;
const SPACES = /\s+/g;

export const hasDigit = (t: string | undefined) => t !== undefined && DIGIT.test(t);
const ordinalOf = (n: number) => `${n}${n % 100 >= 11 && n % 100 <= 13 ? 'TH' : (['TH', 'ST', 'ND', 'RD'][n % 10] ?? 'TH')}`;

/** ZIP text → 5 (+4) digits; "2108" → 02108 (a spreadsheet dropped the zero). */
export function normalizeZip(raw: string): { zip5: string; zip4: string | null } | null {
  if (typeof raw !== 'string' || raw.length > 40) return null;
  const s = raw.replace(ZIP_JUNK, '-').replace(EXCEL_FLOAT, '').replace(EDGE_DASH, '');
  const m = ZIP_PLAIN.exec(s) ?? ZIP_SHORT.exec(s);
  if (!m) return null;
  const zip5 = (m[1] ?? m[3])!.padStart(5, '0');
  return zip5 === '00000' ? null : { zip5, zip4: m[2] ?? m[4] ?? null };
}

/** "Illinois" / "il" / "IL." → "IL"; null when it is no USPS state or possession. */
export function normalizeState(raw: string): string | null {
  if (typeof raw !== 'string' || raw.length > 60) return null;
  const s = raw.toUpperCase().replace(STATE_JUNK, ' ').replace(SPACES, ' ').trim();
  return STATE.get(s) ?? STATE.get(s.replaceAll(' ', '')) ?? null;
}

export function addrHashOf(parts: Pick<AddressParts, 'line1' | 'city' | 'state' | 'zip5'>): Buffer | null {
  if (!parts.line1 || !(parts.zip5 || (parts.city && parts.state))) return null;
  return computeAddrHash(parts.line1, parts.city ?? '', parts.state ?? '', parts.zip5 ?? '');
}

/** Street name words: spelled and sloppy ordinals as digits, route types abbreviated, ST → SAINT first. */
export function normalizeStreetName(words: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!, next = words[i + 1];
    const tens = TENS.get(w), ones = next === undefined ? undefined : ORDINAL.get(next);
    const numeric = NUM_ORDINAL.exec(w);
    if (tens !== undefined && ones !== undefined && ones < 10) { out.push(ordinalOf(tens + ones)); i++; }
    else if (ORDINAL.has(w)) out.push(ordinalOf(ORDINAL.get(w)!));
    else if (numeric) out.push(ordinalOf(Number(numeric[1])));
    else if (i === 0 && next !== undefined && CITY_WORD.has(w)) out.push(CITY_WORD.get(w)!);
    else if (next !== undefined && ROUTE.has(SUFFIX.get(w) ?? '') && (hasDigit(next) || ROUTE_LEAD.has(out[out.length - 1] ?? ''))) out.push(SUFFIX.get(w)!);
    else out.push(w);
  }
  return out;
}

/** City words as keyed (see normalizeCity in normalize-address.ts): ST → SAINT, a leading N → NORTH. */
export function cityOf(words: readonly string[]): string | null {
  if (words.length === 0) return null;
  return words.map((w, i) => CITY_WORD.get(w) ?? (i === 0 && words.length > 1 ? DIR_WORD.get(w) : undefined) ?? w).join(' ');
}
