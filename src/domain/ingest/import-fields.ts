// The fields an owner list can fill. A column mapping points each CSV header at one of these;
// columns mapped to nothing are kept in the lead's raw_data. Repeatable fields (a row may carry
// several phones or emails) take a 1-based slot: `phone#1`, `phone_type#1`, `phone_dnc#1`, `email#2`.

export type FieldKind = 'text' | 'integer' | 'decimal' | 'money' | 'boolean' | 'date' | 'list';

export interface ImportField {
  name: string;
  kind: FieldKind;
  /** What the field is, for `import fields` and the mapping preview. */
  label: string;
  repeatable?: boolean;
}

const f = (name: string, kind: FieldKind, label: string, repeatable = false): ImportField => ({ name, kind, label, repeatable });

export const IMPORT_FIELDS: readonly ImportField[] = [
  // the parcel
  f('property_address', 'text', 'Property street address (line 1), or the whole address on one line'),
  f('property_unit', 'text', 'Property unit or line 2 (Apt 4, Suite 200)'),
  f('property_city', 'text', 'Property city'),
  f('property_state', 'text', 'Property state (code or name)'),
  f('property_zip', 'text', 'Property ZIP or ZIP+4'),
  f('property_county', 'text', 'Property county'),
  f('apn', 'text', "Assessor's parcel number"),
  f('mak', 'text', 'Melissa address key'),
  f('latitude', 'decimal', 'Latitude'),
  f('longitude', 'decimal', 'Longitude'),
  f('property_type', 'text', 'Property type (SFR, condo, ...)'),
  f('year_built', 'integer', 'Year built'),
  f('bedrooms', 'integer', 'Bedrooms'),
  f('bathrooms', 'decimal', 'Bathrooms'),
  f('living_area_sqft', 'integer', 'Living area in square feet'),
  f('lot_size_sqft', 'integer', 'Lot size in square feet'),
  f('estimated_value', 'money', 'Estimated value in dollars'),
  f('equity', 'money', 'Estimated equity in dollars'),
  f('equity_percent', 'decimal', 'Equity percent'),
  f('mortgage_balance', 'money', 'Open mortgage balance in dollars'),
  f('last_sale_date', 'date', 'Last sale date'),
  f('last_sale_price', 'money', 'Last sale price in dollars'),
  f('tax_debt', 'money', 'Delinquent tax amount in dollars'),
  f('owner_occupied', 'boolean', 'Owner occupied'),
  f('is_vacant', 'boolean', 'Vacant'),
  // the owner
  f('owner_full_name', 'text', 'Owner name, whole (split into first/last; LLC, TRUST ... flagged as companies)'),
  f('owner_first_name', 'text', 'Owner first name'),
  f('owner_middle_name', 'text', 'Owner middle name'),
  f('owner_last_name', 'text', 'Owner last name'),
  f('owner_age', 'integer', 'Owner age'),
  f('mailing_address', 'text', 'Owner mailing street address'),
  f('mailing_unit', 'text', 'Owner mailing unit'),
  f('mailing_city', 'text', 'Owner mailing city'),
  f('mailing_state', 'text', 'Owner mailing state'),
  f('mailing_zip', 'text', 'Owner mailing ZIP'),
  // the owner's phones and emails
  f('phone', 'text', 'Phone number', true),
  f('phone_type', 'text', 'Phone type (mobile, landline, voip)', true),
  f('phone_dnc', 'boolean', 'Phone is on a do-not-call list', true),
  f('email', 'text', 'Email address', true),
  // the lead
  f('vendor_record_id', 'text', "The vendor's id for this record"),
  f('vendor_list_id', 'text', "The vendor's list or batch id"),
  f('tags', 'list', 'Tags, separated by commas or semicolons'),
  f('notes', 'text', 'Notes'),
];

export const FIELD_BY_NAME: ReadonlyMap<string, ImportField> = new Map(IMPORT_FIELDS.map((x) => [x.name, x]));

/** `phone#2` → { field: phone, slot: 2 }; `apn` → { field: apn, slot: 1 }; unknown → undefined. */
export function parseTarget(target: string): { field: ImportField; slot: number } | undefined {
  const m = /^([a-z0-9_]+)(?:#([1-9][0-9]?))?$/.exec(target);
  const field = m && FIELD_BY_NAME.get(m[1]!);
  if (!field || (m[2] && !field.repeatable)) return undefined;
  return { field, slot: m[2] ? Number(m[2]) : 1 };
}
