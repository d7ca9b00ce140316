// Which CSV column fills which import field. Three sources, strongest first: an explicit mapping
// (`--map "Owner Name=owner_full_name"` or a saved mapping), the vendor preset, and a fuzzy match
// of the header text. Columns that end up with no field are kept in the lead's raw data, so a
// wrong guess costs more than no guess: the matcher only accepts a header whose normalized words
// equal a known phrase, never a "closest" one.

import { AppError } from '../../app/errors.ts';
import { FIELD_BY_NAME, IMPORT_FIELDS, parseTarget } from './import-fields.ts';
import { PRESETS } from './presets.ts';

export { PRESETS };

export type ColumnMapping = Record<string /* csv header */, string /* target like 'phone#2' or '' for ignore (kept in raw data) */>;

export interface ResolvedMapping {
  columns: { header: string; index: number; target: string | null; how: 'preset' | 'explicit' | 'fuzzy' | 'unmapped' }[];
  warnings: string[];
}

// ---- header normalization -------------------------------------------------------------------

/** Single words spelled another way; a value may be two words. */
const WORD_ALIASES: Record<string, string> = {
  addr: 'address',
  adr: 'address',
  zipcode: 'zip',
  postal: 'zip',
  postcode: 'zip',
  fname: 'first name',
  firstname: 'first name',
  lname: 'last name',
  lastname: 'last name',
  surname: 'last name',
  ph: 'phone',
  tel: 'phone',
  telephone: 'phone',
  cell: 'phone',
  cellphone: 'phone',
  mobile: 'phone',
  phones: 'phone',
  emails: 'email',
  num: 'number',
  no: 'number',
  nbr: 'number',
  est: 'estimated',
  estimate: 'estimated',
  yr: 'year',
  bldg: 'building',
  prop: 'property',
  sf: 'sqft',
};

/** Several words that mean one; applied to the joined words before the word aliases. */
const PHRASE_ALIASES: [RegExp, string][] = [
  [/\be mail\b/g, 'email'],
  [/\bsq ft\b/g, 'sqft'],
  [/\bsquare (feet|foot|footage|ft)\b/g, 'sqft'],
  [/\bdo not call\b/g, 'dnc'],
];

/** Words after `mail` that make it the mailing address rather than e-mail ("Mail City"). */
const ADDRESS_PARTS = new Set(['address', 'street', 'unit', 'city', 'state', 'zip', 'county', 'line']);

/** A header as comparable words: `OwnerFirstName`, `owner_first` and `Owner 1 First Name` all give `owner first name`. */
export function headerWords(header: string): string[] {
  let s = header
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .replace(/([A-Za-z])(\d)/g, '$1 $2')
    .replace(/(\d)([A-Za-z])/g, '$1 $2')
    .toLowerCase()
    .replace(/#/g, ' number ')
    .replace(/%/g, ' percent ')
    .replace(/[^a-z0-9]+/g, ' ');
  for (const [from, to] of PHRASE_ALIASES) s = s.replace(from, to);
  const raw = s.trim().split(' ').filter(Boolean).flatMap((w) => (WORD_ALIASES[w] ?? w).split(' '));
  const out: string[] = [];
  raw.forEach((w, i) => {
    const next = raw[i + 1];
    if (w === 'mail') w = next !== undefined && ADDRESS_PARTS.has(next) ? 'mailing' : 'email';
    if (w === '1' && out.at(-1) === 'owner') return; // owner 1 is the owner
    if (w === 'code' && out.at(-1) === 'zip') return;
    if (w === out.at(-1)) return; // "cell phone" → phone phone → phone
    out.push(w);
  });
  if (out.length === 1 && out[0] === 'st') return ['state']; // "st" alone; "Mailing St" could be a street
  if (out.length > 0 && (out.at(-1) === 'first' || out.at(-1) === 'last')) out.push('name'); // "owner_first"
  return out;
}

// ---- synonyms, per target -------------------------------------------------------------------

/** Phrases (as headerWords gives them) that name each field; the field's own name counts too. */
const SYNONYMS: Record<string, string[]> = {
  property_address: ['address', 'property address', 'site address', 'situs address', 'situs', 'street address', 'street', 'address 1', 'address line 1', 'property address 1', 'property address line 1', 'property street address', 'property street', 'physical address', 'location address'],
  property_unit: ['unit', 'unit number', 'apt', 'apartment', 'suite', 'address 2', 'address line 2', 'property unit number', 'property address 2', 'property address line 2'],
  property_city: ['city', 'property city', 'site city', 'situs city'],
  property_state: ['state', 'property state', 'site state', 'situs state', 'state code'],
  property_zip: ['zip', 'zip 5', 'property zip', 'site zip', 'situs zip'],
  property_county: ['county', 'property county', 'situs county'],
  apn: ['parcel number', 'parcel id', 'parcel', 'pin', 'assessor parcel number', 'parcel identification number', 'apn parcel id', 'tax id', 'folio'],
  mak: ['melissa address key'],
  latitude: ['lat'],
  longitude: ['lng', 'lon', 'long'],
  property_type: ['property type detail', 'land use', 'property use'],
  year_built: ['effective year built', 'built'],
  bedrooms: ['beds', 'bed', 'bedroom count', 'br'],
  bathrooms: ['baths', 'bath', 'total bathrooms', 'bathroom count', 'ba'],
  living_area_sqft: ['living area', 'living sqft', 'building sqft', 'sqft', 'building area', 'total building area sqft', 'building sqft living', 'gla'],
  lot_size_sqft: ['lot size', 'lot sqft', 'lot area'],
  estimated_value: ['estimated value', 'avm', 'market value', 'estimated market value', 'value', 'property value', 'home value'],
  equity: ['estimated equity', 'equity amount', 'equity current estimated balance'],
  equity_percent: ['equity percentage', 'estimated equity percent'],
  mortgage_balance: ['loan balance', 'total loan balance', 'open mortgage balance', 'estimated mortgage balance', 'estimated remaining balance of open loans', 'remaining balance'],
  last_sale_date: ['sale date', 'last sold date', 'last sale recording date', 'date sold', 'last sold'],
  last_sale_price: ['last sale amount', 'sale price', 'sale amount', 'last sold price'],
  tax_debt: ['tax delinquent amount', 'delinquent tax amount', 'delinquent taxes', 'taxes owed', 'tax owed', 'back taxes'],
  owner_occupied: ['owner occupancy', 'is owner occupied'],
  is_vacant: ['vacant', 'vacancy', 'property vacant'],
  owner_full_name: ['owner name', 'owner', 'owner full name', 'name', 'full name', 'primary owner'],
  owner_first_name: ['first name'],
  owner_middle_name: ['middle name', 'middle initial'],
  owner_last_name: ['last name'],
  owner_age: ['age'],
  mailing_address: ['mailing address', 'mailing street', 'mailing street address', 'owner mailing address', 'mailing address 1', 'mailing address line 1', 'owner address', 'mailing'],
  mailing_unit: ['mailing unit number', 'mailing address 2', 'mailing address line 2', 'owner mailing unit'],
  mailing_city: ['owner city', 'owner mailing city'],
  mailing_state: ['owner state', 'owner mailing state'],
  mailing_zip: ['owner zip', 'owner mailing zip'],
  phone: ['phone number', 'landline', 'home phone', 'work phone', 'primary phone', 'owner phone', 'contact phone', 'wireless'],
  phone_type: ['phone number type', 'line type'],
  phone_dnc: ['dnc', 'phone dnc status'],
  email: ['email address', 'owner email', 'contact email'],
  vendor_record_id: ['record id', 'property id', 'lead id', 'vendor id', 'id'],
  vendor_list_id: ['list', 'list id', 'list name', 'batch id'],
  tags: ['tag', 'tag names', 'labels'],
  notes: ['note', 'comments', 'remarks'],
};

const PHRASE_TO_FIELD: ReadonlyMap<string, string> = (() => {
  const index = new Map<string, string>();
  for (const field of IMPORT_FIELDS) {
    for (const phrase of [field.name, ...(SYNONYMS[field.name] ?? [])]) {
      const key = headerWords(phrase).join(' ');
      const taken = index.get(key);
      if (taken && taken !== field.name) throw new Error(`synonym "${phrase}" names both ${taken} and ${field.name}`);
      index.set(key, field.name);
    }
  }
  return index;
})();

/**
 * The field a header names by itself: `apn`, `phone#2` for "Phone 2", `phone` (no slot: the next
 * free one) for "Cell Phone"; null when nothing matches. A number inside a header is a slot only
 * for repeatable fields, so "Owner 2 First Name" matches nothing.
 */
export function matchHeader(header: string): string | null {
  const words = headerWords(header);
  const whole = PHRASE_TO_FIELD.get(words.join(' '));
  if (whole) return whole;
  const at = words.findLastIndex((w) => /^\d+$/.test(w));
  if (at < 0) return null;
  const field = PHRASE_TO_FIELD.get(words.filter((_, i) => i !== at).join(' '));
  const slot = Number(words[at]);
  return field && slot >= 1 && slot <= 99 && parseTarget(`${field}#${slot}`) ? `${field}#${slot}` : null;
}

// ---- resolving a file's mapping ---------------------------------------------------------------

type How = 'explicit' | 'preset' | 'fuzzy';
interface Claim {
  index: number;
  target: string; // '' = keep in raw data only
  how: How;
}

const headerKey = (h: string) => h.trim().toLowerCase().replace(/\s+/g, ' ');
const isOpenSlot = (target: string) => !target.includes('#') && parseTarget(target)?.field.repeatable === true;

/**
 * explicit (from --map "csv col=field" or a saved mapping) wins, then the preset, then fuzzy; two
 * columns to one non-repeatable target → the first keeps it and a warning names the other; an
 * explicit map to an unknown target or a header not in the file → throws AppError VALIDATION.
 */
export function resolveMapping(headers: string[], opts: { preset?: string; explicit?: ColumnMapping }): ResolvedMapping {
  const preset = opts.preset !== undefined && Object.hasOwn(PRESETS, opts.preset) ? PRESETS[opts.preset] : undefined;
  if (opts.preset !== undefined && !preset) {
    const message = `unknown preset "${opts.preset}"; known presets: ${Object.keys(PRESETS).join(', ')}`;
    throw new AppError('VALIDATION', `--preset: ${message}`, [{ field: '--preset', message }]);
  }
  const explicit = explicitClaims(headers, opts.explicit ?? {});
  const byPreset = new Map(Object.entries(preset?.columns ?? {}).map(([h, t]) => [headerKey(h), t]));

  const claims: Claim[] = [];
  headers.forEach((header, index) => {
    const fromPreset = byPreset.get(headerKey(header));
    const fuzzy = matchHeader(header);
    const claim =
      explicit.get(index) ??
      (fromPreset !== undefined ? { index, target: fromPreset, how: 'preset' as const } : undefined) ??
      (fuzzy !== null ? { index, target: fuzzy, how: 'fuzzy' as const } : undefined);
    if (claim) claims.push(claim);
  });

  const columns: ResolvedMapping['columns'] = headers.map((header, index) => ({ header, index, target: null, how: 'unmapped' }));
  const warnings: string[] = [];
  const owner = new Map<string, number>(); // target → column that has it
  const give = (c: Claim, target: string) => {
    owner.set(target, c.index);
    columns[c.index] = { ...columns[c.index]!, target, how: c.how };
  };
  const tiers: How[] = ['explicit', 'preset', 'fuzzy'];
  // Fixed targets first, so that "Phone 1" keeps slot 1 even when an unnumbered "Cell" comes earlier.
  for (const how of tiers) {
    for (const c of claims.filter((x) => x.how === how && !isOpenSlot(x.target))) {
      if (c.target === '') {
        columns[c.index] = { ...columns[c.index]!, how: c.how };
        continue;
      }
      const had = owner.get(c.target);
      if (had === undefined) give(c, c.target);
      else warnings.push(`"${headers[c.index]}" would also be ${c.target}, which "${headers[had]}" fills; it stays in raw data`);
    }
  }
  for (const how of tiers) {
    for (const c of claims.filter((x) => x.how === how && isOpenSlot(x.target))) {
      let slot = 1;
      while (slot <= 99 && owner.has(`${c.target}#${slot}`)) slot++;
      if (slot <= 99) give(c, `${c.target}#${slot}`);
      else warnings.push(`"${headers[c.index]}" would be a 100th ${c.target}; it stays in raw data`);
    }
  }
  return { columns, warnings };
}

function explicitClaims(headers: string[], explicit: ColumnMapping): Map<number, Claim> {
  const exact = new Map(headers.map((h, i) => [h, i]));
  const loose = new Map<string, number>(headers.map((h, i): [string, number] => [headerKey(h), i]).reverse());
  const claims = new Map<number, Claim>();
  const problems: string[] = [];
  for (const [header, rawTarget] of Object.entries(explicit)) {
    const index = exact.get(header) ?? loose.get(headerKey(header));
    const target = rawTarget.trim().toLowerCase();
    if (index === undefined) {
      problems.push(`"${header}" is not a column of this file (its columns: ${headers.join(', ')})`);
    } else if (target !== '' && !parseTarget(target)) {
      const base = target.split('#')[0]!; // "apn#2" names a field that takes no slot
      const guess = FIELD_BY_NAME.has(base) ? base : matchHeader(target)?.split('#')[0];
      problems.push(`"${rawTarget}" is not an import field${guess ? `; did you mean ${guess}?` : ''} (list them with \`porchlight import fields\`)`);
    } else {
      claims.set(index, { index, target, how: 'explicit' });
    }
  }
  if (problems.length > 0) {
    const more = problems.length > 1 ? ` (and ${problems.length - 1} more)` : '';
    throw new AppError('VALIDATION', `--map: ${problems[0]}${more}`, problems.map((message) => ({ field: '--map', message })));
  }
  return claims;
}

/** `--map "Owner Name=owner_full_name"`; `--map "Notes="` keeps a column in raw data only. */
export function parseMapArgs(args: string[]): ColumnMapping {
  const mapping: ColumnMapping = {};
  for (const arg of args) {
    const at = arg.lastIndexOf('='); // a header may hold "=", a field name never does
    const header = at < 0 ? '' : arg.slice(0, at).trim();
    if (header === '') {
      const message = `expected "CSV column=field", got "${arg}"`;
      throw new AppError('VALIDATION', `--map: ${message}`, [{ field: '--map', message }]);
    }
    mapping[header] = arg.slice(at + 1).trim();
  }
  return mapping;
}

/** The preset whose listed headers this file covers best, if it covers at least 60% of them. */
export function detectPreset(headers: string[]): string | null {
  const present = new Set(headers.map(headerKey));
  let best: string | null = null;
  let bestCover = 0.6;
  for (const [name, preset] of Object.entries(PRESETS)) {
    const listed = Object.keys(preset.columns);
    const cover = listed.filter((h) => present.has(headerKey(h))).length / listed.length;
    if (cover > bestCover || (cover === bestCover && best === null)) {
      best = name;
      bestCover = cover;
    }
  }
  return best;
}
