import type { Selectable } from 'kysely';
import type { PermitTable } from '../../db/schema-contagion.ts';
import { normalizeState, normalizeZip } from '../identity/address-parts.ts';
import { normalizePhone } from '../identity/normalize-contact.ts';

// Building permits as open-data portals publish them, turned into Porchlight's permit fields.
// A preset names the columns of a known layout; without one, columns are matched by Porchlight's
// own names (permit_number, permit_date, ...) or the BLDS standard's (PermitNum, IssuedDate, ...).
// Sources of the layouts:
// - austin: the City of Austin "issued permits" report (AMANDA), as scraped daily by Open Austin
//   (github.com/open-austin/construction-permits, data/2015/*.csv), with that project's map of
//   its columns to BLDS (BLDS-field-map.csv). The file has no city, state or ZIP for the permit:
//   the preset supplies Austin, TX; the subdivision is read from the legal description.
// - blds: the Building and Land Development Specification's core permit fields (permitdata.org).

export const PERMIT_FIELDS = [
  'permit_number', 'permit_date', 'permit_type', 'work_class', 'status', 'permit_value', 'contractor_name', 'contractor_license',
  'contractor_phone', 'work_description', 'subdivision', 'legal_description', 'parcel_id', 'address', 'city', 'state', 'zip',
  'latitude', 'longitude', 'source_url',
] as const;
export type PermitField = (typeof PERMIT_FIELDS)[number];

export interface PermitPreset {
  label: string;
  /** The file's column for each field. */
  columns: Partial<Record<PermitField, string>>;
  /** Values for fields the file does not carry. */
  defaults?: Partial<Record<PermitField, string>>;
}

const BLDS: PermitPreset['columns'] = {
  permit_number: 'PermitNum', permit_date: 'IssuedDate', permit_type: 'PermitType', work_class: 'WorkClass', status: 'StatusCurrent',
  permit_value: 'EstProjectCost', contractor_name: 'ContractorCompanyName', contractor_license: 'ContractorLicNum', contractor_phone: 'ContractorPhone',
  work_description: 'Description', parcel_id: 'PIN', address: 'OriginalAddress1', city: 'OriginalCity', state: 'OriginalState', zip: 'OriginalZip',
  latitude: 'Latitude', longitude: 'Longitude', source_url: 'Link',
};

export const PERMIT_PRESETS: Record<string, PermitPreset> = {
  austin: {
    label: 'City of Austin issued permits (Open Austin daily files)',
    columns: {
      permit_number: 'permit_number', permit_date: 'date_issued', permit_type: 'sub_type', work_class: 'work_type', status: 'status',
      permit_value: 'total_job_valuation', contractor_name: 'folder_owner', contractor_phone: 'folder_owner_phone',
      work_description: 'work_description', legal_description: 'legal_description', address: 'permit_location', latitude: 'lat', longitude: 'lng',
    },
    defaults: { city: 'AUSTIN', state: 'TX' },
  },
  blds: { label: 'BLDS open permit data standard', columns: BLDS },
};

/** A row's permit: the permit table's imported columns, and the line it came from. */
export type PermitRow = { line: number } & Pick<Selectable<PermitTable>,
  'permit_number' | 'permit_date' | 'permit_type' | 'work_class' | 'status' | 'permit_value_cents' | 'contractor_name' | 'contractor_license'
  | 'contractor_phone' | 'work_description' | 'subdivision' | 'parcel_id' | 'address' | 'city' | 'state' | 'zip' | 'latitude' | 'longitude' | 'source_url'>;

export interface PermitIssue {
  line: number;
  field: string | null;
  reason: string;
}

/** Which column feeds each field: the preset's, else a column named like the field or its BLDS name. */
export function mapPermitColumns(header: string[], presetName?: string): { index: Partial<Record<PermitField, number>>; defaults: Partial<Record<PermitField, string>> } {
  const preset = presetName ? PERMIT_PRESETS[presetName] : undefined;
  const norm = (s: string) => s.trim().toLowerCase().replace(/[^a-z0-9]+/g, '');
  const at = new Map(header.map((h, i) => [norm(h), i] as const));
  const index: Partial<Record<PermitField, number>> = {};
  for (const f of PERMIT_FIELDS) {
    const names = preset ? [preset.columns[f]] : [f, BLDS[f]];
    for (const n of names) {
      const i = n === undefined ? undefined : at.get(norm(n));
      if (i !== undefined) {
        index[f] = i;
        break;
      }
    }
  }
  return { index, defaults: preset?.defaults ?? {} };
}

/** A permit's fields from a row, or the first thing wrong with it (naming the field). */
export function parsePermitRow(line: number, values: string[], map: ReturnType<typeof mapPermitColumns>): PermitRow | PermitIssue {
  const raw = (f: PermitField) => {
    const i = map.index[f];
    const v = (i === undefined ? undefined : values[i])?.trim();
    return v ? v : (map.defaults[f] ?? null);
  };
  const bad = (field: PermitField, reason: string): PermitIssue => ({ line, field, reason });
  const permit_number = raw('permit_number');
  if (!permit_number) return bad('permit_number', 'is empty: every permit needs its number');
  if (permit_number.length > 100) return bad('permit_number', 'is longer than 100 characters');
  const dateText = raw('permit_date');
  if (!dateText) return bad('permit_date', 'is empty: every permit needs its issue date');
  const permit_date = parseDate(dateText);
  if (!permit_date) return bad('permit_date', `'${dateText}' is not a date (YYYY-MM-DD or MM/DD/YYYY)`);
  let permit_value_cents: number | null = null;
  const value = raw('permit_value');
  if (value) {
    const n = Number(value.replace(/[$,\s]/g, ''));
    if (!Number.isFinite(n) || n < 0) return bad('permit_value', `'${value}' is not an amount in dollars`);
    if (n > 10_000_000_000) return bad('permit_value', `'${value}' is more than $10 billion`);
    permit_value_cents = Math.round(n * 100);
  }
  const lat = raw('latitude');
  const lon = raw('longitude');
  let latitude: number | null = null;
  let longitude: number | null = null;
  if (lat || lon) {
    latitude = Number(lat);
    longitude = Number(lon);
    if (!lat || !Number.isFinite(latitude) || latitude < -90 || latitude > 90) return bad('latitude', `'${lat ?? ''}' is not a latitude (-90 to 90)`);
    if (!lon || !Number.isFinite(longitude) || longitude < -180 || longitude > 180) return bad('longitude', `'${lon ?? ''}' is not a longitude (-180 to 180)`);
  }
  const stateText = raw('state');
  const state = stateText ? normalizeState(stateText) : null;
  if (stateText && !state) return bad('state', `'${stateText}' is not a US state`);
  const zipText = raw('zip');
  const zip = zipText ? normalizeZip(zipText)?.zip5 ?? null : null;
  if (zipText && !zip) return bad('zip', `'${zipText}' is not a ZIP code`);
  const phone = raw('contractor_phone');
  return {
    line, permit_number, permit_date, permit_value_cents, latitude, longitude, state, zip,
    permit_type: raw('permit_type'), work_class: raw('work_class'), status: raw('status'),
    contractor_name: raw('contractor_name'), contractor_license: raw('contractor_license'),
    contractor_phone: phone ? normalizePhone(phone) ?? phone : null,
    work_description: raw('work_description'),
    subdivision: raw('subdivision') ?? subdivisionOf(raw('legal_description')),
    parcel_id: raw('parcel_id'), address: raw('address'), city: raw('city')?.toUpperCase() ?? null, source_url: raw('source_url'),
  };
}

export const isPermitIssue = (x: PermitRow | PermitIssue): x is PermitIssue => 'reason' in x;

function parseDate(s: string): string | null {
  let y: number, m: number, d: number;
  let match = /^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ].*)?$/.exec(s);
  if (match) [y, m, d] = [Number(match[1]), Number(match[2]), Number(match[3])];
  else if ((match = /^(\d{1,2})\/(\d{1,2})\/(\d{2}|\d{4})(?: .*)?$/.exec(s))) {
    [m, d, y] = [Number(match[1]), Number(match[2]), Number(match[3])];
    if (y < 100) y += y < 70 ? 2000 : 1900;
  } else return null;
  const t = new Date(Date.UTC(y, m - 1, d));
  if (t.getUTCFullYear() !== y || t.getUTCMonth() !== m - 1 || t.getUTCDate() !== d || y < 1900 || y > 2100) return null;
  return `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

/**
 * The subdivision in a plat's legal description: 'LOT 6 BLK A OLT 51 DIV B MANOR ROAD ADDN' is in
 * MANOR ROAD ADDN; 'Lot: 6 Block: 55 Subdivision: HIGHLANDS THE' in HIGHLANDS THE.
 */
export function subdivisionOf(legal: string | null): string | null {
  if (!legal) return null;
  const named = /subdivision:\s*(.*)$/i.exec(legal);
  if (named) return named[1]!.trim().toUpperCase() || null; // 'Lot: 5 Block: 148 Subdivision:' names none
  const rest = legal.toUpperCase()
    .replace(/^\s*((LOT|LT|BLK|BLOCK|OLT|DIV|TRACT|TR|UNIT)\b\s*:?\s*[\w&,.-]+\s+)+/, '')
    .replace(/\s+/g, ' ').trim();
  return rest && /[A-Z]{3}/.test(rest) ? rest : null;
}
