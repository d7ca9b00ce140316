// The staging tables an import batch is copied into before its one set-based merge, and the
// column lists the merge SQL is generated from: one table of columns, so the COPY, the insert,
// the fill-the-blanks update and the offered-values audit can never disagree about a field.

export interface MergeColumn {
  name: string;
  type: string;
  /** SQL that is true when the stored value counts as empty (default: IS NULL). */
  blank?: (ref: string) => string;
  /** Value for a new record when the row has none (for NOT NULL columns with a default). */
  fallback?: string;
}

const c = (name: string, type: string, extra: Partial<MergeColumn> = {}): MergeColumn => ({ name, type, ...extra });
const zeroIsBlank = { blank: (r: string) => `${r} = 0`, fallback: '0' };
const falseIsBlank = { blank: (r: string) => `NOT ${r}`, fallback: 'false' };

/** The parcel's address parts: filled together, only when the parcel has no address yet. */
export const ADDRESS_COLUMNS: MergeColumn[] = [
  c('address_line1', 'text'), c('address_line2', 'text'), c('city', 'text'), c('state', 'text'),
  c('zip', 'text'), c('zip4', 'text'), c('normalized_line', 'text'),
];

/** Parcel facts, each filled when empty. */
export const PROPERTY_COLUMNS: MergeColumn[] = [
  c('county', 'text'), c('latitude', 'double precision'), c('longitude', 'double precision'),
  c('property_type', 'text'), c('year_built', 'integer'), c('bedrooms', 'integer'), c('bathrooms', 'numeric'),
  c('living_area_sqft', 'integer'), c('lot_size_sqft', 'integer'), c('estimated_value_cents', 'bigint'),
  c('equity_cents', 'bigint'), c('equity_percent', 'numeric'), c('mortgage_balance_cents', 'bigint'),
  c('last_sale_date', 'date'), c('last_sale_price_cents', 'bigint'), c('tax_debt_cents', 'bigint', zeroIsBlank),
  c('owner_occupied', 'boolean'), c('is_vacant', 'boolean', falseIsBlank),
];

/** The owner's facts; the mailing address is filled as a unit like the parcel's. */
export const PERSON_COLUMNS: MergeColumn[] = [
  c('first_name', 'text'), c('middle_name', 'text'), c('last_name', 'text'), c('full_name', 'text'),
  c('company_name', 'text'), c('age', 'integer'),
];
export const MAILING_COLUMNS: MergeColumn[] = [
  c('mailing_line1', 'text'), c('mailing_line2', 'text'), c('mailing_city', 'text'), c('mailing_state', 'text'), c('mailing_zip', 'text'),
];

/** Lead fields filled when empty (tags and raw data are unions, handled by the merge). */
export const LEAD_COLUMNS: MergeColumn[] = [c('vendor_list_id', 'text'), c('notes', 'text')];

/** Identity keys of a parcel (addr_hash, apn, mak) and of a vendor record. */
export const KEY_COLUMNS: MergeColumn[] = [c('addr_hash', 'bytea'), c('apn', 'text'), c('mak', 'text'), c('vendor_record_id', 'text')];

/** The columns an import writes into import_stage, in COPY order. */
export const STAGE_COLUMNS: MergeColumn[] = [
  c('line', 'integer'), c('source', 'text'),
  ...KEY_COLUMNS, ...ADDRESS_COLUMNS, ...PROPERTY_COLUMNS,
  c('name_key', 'text'), c('is_company', 'boolean'), ...PERSON_COLUMNS, ...MAILING_COLUMNS,
  ...LEAD_COLUMNS, c('tags', 'text[]'), c('raw_data', 'jsonb'),
  c('new_property_id', 'uuid'), c('new_person_id', 'uuid'), c('new_lead_id', 'uuid'),
];

/** Filled by the merge as it resolves each row. */
const RESOLUTION_COLUMNS: MergeColumn[] = [
  c('m_addr', 'uuid'), c('m_apn', 'uuid'), c('m_mak', 'uuid'), c('m_vendor', 'uuid'),
  c('property_id', 'uuid'), c('property_new', 'boolean'), c('person_id', 'uuid'), c('person_new', 'boolean'),
  c('lead_id', 'uuid'), c('lead_new', 'boolean'),
];

export const CONTACT_STAGE_COLUMNS: MergeColumn[] = [
  c('line', 'integer'), c('kind', 'text'), c('value', 'text'), c('value_enc', 'bytea'), c('value_hash', 'bytea'),
  c('display', 'text'), c('type', 'text'), c('dnc', 'boolean'), c('new_id', 'uuid'),
];

const ddl = (name: string, cols: MergeColumn[], fillfactor = 100) =>
  `CREATE TEMP TABLE IF NOT EXISTS ${name} (${cols.map((x) => `${x.name} ${x.type}`).join(', ')}) WITH (fillfactor = ${fillfactor}) ON COMMIT DELETE ROWS`;

/**
 * Session-private staging: temporary tables, emptied at every commit, so no batch ever sees
 * another's rows and a killed import leaves nothing behind. Created by the connection's own
 * role (the application role may not create temporary tables) and lent to it for the batch.
 */
export const STAGE_DDL = [
  // room in each page for a row's resolved version: resolution then rewrites rows in place (HOT)
  ddl('import_stage', [...STAGE_COLUMNS, ...RESOLUTION_COLUMNS], 45),
  ddl('import_stage_contact', CONTACT_STAGE_COLUMNS),
  // Rows are found by line (the contacts' join, deferral). The merge's other joins drive from
  // the staging table, analyzed each batch, into the main tables' indexes: an index per id here
  // was written on every copy and every resolution step and read by no plan.
  'CREATE INDEX IF NOT EXISTS import_stage_line ON import_stage (line)',
  'CREATE INDEX IF NOT EXISTS import_stage_contact_line ON import_stage_contact (line)',
  'GRANT SELECT, INSERT, UPDATE, DELETE ON import_stage, import_stage_contact TO porchlight_app',
];
