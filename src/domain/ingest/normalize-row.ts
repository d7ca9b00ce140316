import type { Cell } from '../../db/bulk.ts';
import { uuid7 } from '../../db/uuid7.ts';
import { normalizeAddress } from '../identity/normalize-address.ts';
import { normalizeApn } from '../identity/normalize-apn.ts';
import { normalizeEmail, normalizePhone } from '../identity/normalize-contact.ts';
import { nameKey, normalizeOwnerName } from '../identity/normalize-name.ts';
import { maskContact, type Pii } from '../pii/pii.ts';
import { parseTarget, type FieldKind } from './import-fields.ts';
import type { ResolvedMapping } from './map-columns.ts';
import { CONTACT_STAGE_COLUMNS, STAGE_COLUMNS } from './stage.ts';

// One CSV row to one staged row: every field parsed and normalized here, in the application,
// so the database receives clean typed values in bulk. A bad optional value drops that value
// with a warning; only a row with nothing to identify its parcel is rejected.

export interface RowIssue {
  line: number;
  severity: 'error' | 'warning';
  column: string | null;
  reason: string;
}

export interface StagedRow {
  line: number;
  cells: Cell[];
  contacts: Cell[][];
  /** The row's identity keys, so the importer never puts two rows sharing one in one round. */
  keys: string[];
}

/** Plausible ranges: a value outside is a typo, dropped with a warning rather than stored. */
const RANGES: Record<string, [number, number]> = {
  year_built: [1600, 2100], bedrooms: [0, 200], bathrooms: [0, 200], living_area_sqft: [0, 100_000_000],
  lot_size_sqft: [0, 2_000_000_000], owner_age: [0, 130], latitude: [-90, 90], longitude: [-180, 180],
  equity_percent: [-1000, 100],
};
/** Money that may be negative (equity under water); all other money is ≥ 0. */
const SIGNED_MONEY = new Set(['equity']);

const TRUE = new Set(['y', 'yes', 'true', 't', '1', 'x']);
const FALSE = new Set(['n', 'no', 'false', 'f', '0']);
const PHONE_TYPES: Record<string, string> = {
  mobile: 'mobile', cell: 'mobile', cellular: 'mobile', wireless: 'mobile', m: 'mobile',
  landline: 'landline', land: 'landline', residential: 'landline', l: 'landline', fixed: 'landline',
  voip: 'voip', 'toll free': 'toll_free', tollfree: 'toll_free',
};

type Parsed = string | number | boolean | string[] | null;

/** Parse one cell by its field's kind; undefined means "present but unusable". */
export function parseCell(kind: FieldKind, raw: string, field: string): Parsed | undefined {
  const text = raw.trim();
  if (text === '') return null;
  switch (kind) {
    case 'text':
      return text;
    case 'boolean': {
      const v = text.toLowerCase();
      return TRUE.has(v) ? true : FALSE.has(v) ? false : undefined;
    }
    case 'list':
      return [...new Set(text.split(/[,;|]/).map((t) => t.trim()).filter(Boolean))].slice(0, 100);
    case 'date':
      return parseDate(text);
    default: {
      const n = Number(text.replace(/[$,\s%]/g, ''));
      if (!Number.isFinite(n)) return undefined;
      if (kind === 'money') {
        if (n < 0 && !SIGNED_MONEY.has(field)) return undefined;
        return Math.round(n * 100);
      }
      if (kind === 'integer' && !Number.isInteger(n)) return undefined;
      const range = RANGES[field];
      if (range && (n < range[0] || n > range[1])) return undefined;
      return n;
    }
  }
}

/** YYYY-MM-DD, MM/DD/YYYY, M/D/YY and YYYYMMDD, to YYYY-MM-DD. */
function parseDate(text: string): string | undefined {
  let y: number, m: number, d: number;
  let match: RegExpExecArray | null;
  if ((match = /^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ].*)?$/.exec(text))) [y, m, d] = [+match[1]!, +match[2]!, +match[3]!];
  else if ((match = /^(\d{1,2})\/(\d{1,2})\/(\d{2}|\d{4})$/.exec(text))) {
    [m, d, y] = [+match[1]!, +match[2]!, +match[3]!];
    if (match[3]!.length === 2) y += y > 40 ? 1900 : 2000;
  } else if ((match = /^(\d{4})(\d{2})(\d{2})$/.exec(text))) [y, m, d] = [+match[1]!, +match[2]!, +match[3]!];
  else return undefined;
  const date = new Date(Date.UTC(y, m - 1, d));
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== m - 1 || date.getUTCDate() !== d || y < 1700 || y > 2200) return undefined;
  return date.toISOString().slice(0, 10);
}

const hex = (b: Buffer | Uint8Array | null) => (b ? '\\x' + Buffer.from(b).toString('hex') : null);
const pgArray = (xs: string[]) => '{' + xs.map((x) => '"' + x.replace(/["\\]/g, (c) => '\\' + c) + '"').join(',') + '}';
const STAGE_INDEX = new Map(STAGE_COLUMNS.map((col, i) => [col.name, i]));
/** Facts copied as parsed: import field → stage column. */
const FACTS: Record<string, string> = {
  property_county: 'county', latitude: 'latitude', longitude: 'longitude', property_type: 'property_type',
  year_built: 'year_built', bedrooms: 'bedrooms', bathrooms: 'bathrooms', living_area_sqft: 'living_area_sqft',
  lot_size_sqft: 'lot_size_sqft', estimated_value: 'estimated_value_cents', equity: 'equity_cents',
  equity_percent: 'equity_percent', mortgage_balance: 'mortgage_balance_cents', last_sale_date: 'last_sale_date',
  last_sale_price: 'last_sale_price_cents', tax_debt: 'tax_debt_cents', owner_occupied: 'owner_occupied',
  is_vacant: 'is_vacant', owner_age: 'age', vendor_list_id: 'vendor_list_id', notes: 'notes',
};

export function createRowNormalizer(opts: { mapping: ResolvedMapping; source: string; pii: Pii }) {
  const { pii, source } = opts;
  const mapped = opts.mapping.columns
    .filter((col) => col.target)
    .map((col) => ({ ...col, ...parseTarget(col.target!)! }));
  const unmapped = opts.mapping.columns.filter((col) => !col.target);

  return function normalizeRow(line: number, values: string[]): { row: StagedRow | null; issues: RowIssue[] } {
    const issues: RowIssue[] = [];
    const warn = (column: string | null, reason: string) => issues.push({ line, severity: 'warning', column, reason });
    const one: Record<string, Parsed> = {};
    const slots: Record<string, Record<number, Parsed>> = {};
    for (const col of mapped) {
      const raw = values[col.index] ?? '';
      const v = parseCell(col.field.kind, raw, col.field.name);
      if (v === undefined) {
        warn(col.header, `"${raw.trim().slice(0, 60)}" is not a valid ${col.field.label.toLowerCase()}; left empty`);
        continue;
      }
      if (v === null) continue;
      if (col.field.repeatable) (slots[col.field.name] ??= {})[col.slot] = v;
      else if (one[col.field.name] == null) one[col.field.name] = v;
    }
    const text = (k: string) => (typeof one[k] === 'string' ? (one[k] as string) : null);

    const cells: Cell[] = new Array(STAGE_COLUMNS.length).fill(null);
    const set = (name: string, v: Cell | undefined) => {
      cells[STAGE_INDEX.get(name)!] = v ?? null;
    };

    // the parcel and its keys
    const addr = normalizeAddress({
      line1: text('property_address'), line2: text('property_unit'), city: text('property_city'),
      state: text('property_state'), zip: text('property_zip'),
    });
    for (const w of addr.warnings) warn('property_address', w);
    const apn = text('apn') ? normalizeApn(text('apn')!) : null;
    if (text('apn') && !apn) warn('apn', `"${text('apn')}" is not a usable parcel number; left empty`);
    const mak = text('mak');
    const vendorId = text('vendor_record_id');
    if (!addr.addrHash && !apn && !mak && !vendorId) {
      return {
        row: null,
        issues: [...issues, { line, severity: 'error', column: 'property_address',
          reason: 'no usable property address (a street line with a ZIP, or with a city and state), APN or vendor id' }],
      };
    }
    set('line', line);
    set('source', source);
    set('addr_hash', hex(addr.addrHash));
    set('apn', apn);
    set('mak', mak);
    set('vendor_record_id', vendorId);
    if (addr.addrHash) {
      set('address_line1', text('property_address'));
      set('address_line2', text('property_unit'));
      set('city', addr.city);
      set('state', addr.state);
      set('zip', addr.zip5);
      set('zip4', addr.zip4);
      set('normalized_line', addr.line1);
    }
    for (const [field, column] of Object.entries(FACTS)) {
      const v = one[field];
      if (v != null && !Array.isArray(v)) set(column, v);
    }
    set('tags', Array.isArray(one.tags) && one.tags.length ? pgArray(one.tags) : null);

    // the owner
    const owner = normalizeOwnerName({
      full: text('owner_full_name'), first: text('owner_first_name'), middle: text('owner_middle_name'), last: text('owner_last_name'),
    });
    if (owner) {
      set('name_key', nameKey(owner));
      set('is_company', owner.isCompany);
      set('first_name', owner.firstName);
      set('middle_name', owner.middleName);
      set('last_name', owner.lastName);
      set('full_name', owner.fullName);
      set('company_name', owner.companyName);
    }
    if (text('mailing_address')) {
      const mail = normalizeAddress({
        line1: text('mailing_address'), line2: text('mailing_unit'), city: text('mailing_city'),
        state: text('mailing_state'), zip: text('mailing_zip'),
      });
      set('mailing_line1', mail.line1 ?? text('mailing_address'));
      set('mailing_city', mail.city);
      set('mailing_state', mail.state);
      set('mailing_zip', mail.zip5);
    }

    // phones and emails
    const contacts: Cell[][] = [];
    const seen = new Set<string>();
    const add = (kind: 'phone' | 'email', value: string, type: string | null, dnc: boolean) => {
      if (seen.has(kind + value)) return;
      seen.add(kind + value);
      const sealed = pii.seal(value);
      contacts.push([line, kind, sealed.value, hex(sealed.value_enc), hex(pii.hash(value)), maskContact(kind, value), type, dnc, uuid7()]);
    };
    for (const [slot, raw] of Object.entries(slots.phone ?? {})) {
      const phone = normalizePhone(String(raw));
      const column = `phone#${slot}`;
      if (!phone) {
        warn(column, `"${String(raw).slice(0, 40)}" is not a valid phone number; dropped`);
        continue;
      }
      const typeRaw = slots.phone_type?.[Number(slot)];
      const type = typeof typeRaw === 'string' ? (PHONE_TYPES[typeRaw.toLowerCase()] ?? 'unknown') : null;
      add('phone', phone, type, slots.phone_dnc?.[Number(slot)] === true);
    }
    for (const [slot, raw] of Object.entries(slots.email ?? {})) {
      const email = normalizeEmail(String(raw));
      if (!email) warn(`email#${slot}`, `"${String(raw).slice(0, 60)}" is not a valid email address; dropped`);
      else add('email', email, null, false);
    }
    if (contacts.length && !owner) {
      warn('owner_full_name', `no owner name: ${contacts.length} phone(s)/email(s) have no one to belong to; dropped`);
      contacts.length = 0;
    }

    // everything else, verbatim
    const raw: Record<string, string> = {};
    for (const col of unmapped) {
      const v = values[col.index];
      if (v !== undefined && v.trim() !== '') raw[col.header] = v;
    }
    set('raw_data', Object.keys(raw).length ? JSON.stringify(raw) : null);
    set('new_property_id', uuid7());
    set('new_person_id', uuid7());
    set('new_lead_id', uuid7());

    const keys: string[] = [];
    if (addr.addrHash) keys.push('a' + addr.addrHash.toString('hex'));
    if (apn) keys.push('p' + apn);
    if (mak) keys.push('m' + mak);
    if (vendorId) keys.push('v' + vendorId);
    return { row: { line, cells, contacts, keys }, issues };
  };
}

export const CONTACT_COLUMN_NAMES = CONTACT_STAGE_COLUMNS.map((x) => x.name);
export const STAGE_COLUMN_NAMES = STAGE_COLUMNS.map((x) => x.name);
