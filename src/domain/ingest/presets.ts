// Column layouts of the owner lists people export from the common vendors, as data: each preset
// maps a vendor's header text to an import field (see import-fields.ts), or to '' for a column
// that has no field and stays in the lead's raw data. Listing the unmapped columns too matters:
// detectPreset() recognises a vendor by how many of its listed headers a file has.
//
// Where each list came from (vendor documentation is behind logins; these are the headers as they
// appear in real exports, as seen in public repositories, 2026-11-23):
// - propstream: github.com/HIFILEO/DNCScrubber, src/main/java/com/LEO/DNCScrubber/Scrubber/
//   controller/RawLeadData.java (an opencsv bean bound to a PropStream export), for the property,
//   owner, mailing and loan columns. The skip-trace columns (Phone 1..5 with "Phone N Type" and
//   "Phone N DNC", Email 1..4) from a PropStream preset test in a public repository whose name the
//   search index did not give; they agree with PropStream exports seen in the field.
// - batchleads: the column list of a BatchLeads "export all" file quoted in a public repository's
//   bulk-import guide ("Bulk Import Feature for Leads"; repository name not given by the index),
//   cross-checked against a BatchLeads xlsx parser in another public repository that reads
//   "Property Address", "Bedroom Count", "Phone N DNC", "Batchrank Score Category" and so on.
// - dealmachine: github.com/123Soldcash/crm-123drive-v2, server/dealmachine-column-mapper.ts
//   ("actual DealMachine export column names") and DEALMACHINE_IMPORT_GUIDE.md (apn_parcel_id,
//   contact_N_phoneM). DealMachine exports contacts, not owners: only contact 1 (DealMachine's
//   likeliest owner) is mapped; other contacts stay in raw data.
// - county: reconstructed, not any one county's format. Assessor rolls differ county by county;
//   these are the common PARCEL_ID / OWNER_NAME / SITUS_* / MAIL_* spellings. HOMESTEAD maps to
//   owner_occupied because the exemption is granted only to owners who live there.
// - generic: Porchlight's own template (the headers `porchlight import` documents).

import type { ColumnMapping } from './map-columns.ts';

export interface Preset {
  label: string;
  source: string;
  columns: ColumnMapping;
}

/** `Phone 1`…`Phone n` style columns, built from one template per slot. */
const slots = (count: number, columns: (i: number) => [string, string][]): [string, string][] =>
  Array.from({ length: count }, (_, k) => columns(k + 1)).flat();

const propstream: ColumnMapping = Object.fromEntries([
  ['Address', 'property_address'],
  ['Unit #', 'property_unit'],
  ['City', 'property_city'],
  ['State', 'property_state'],
  ['Zip', 'property_zip'],
  ['County', 'property_county'],
  ['APN', 'apn'],
  ['Owner Occupied', 'owner_occupied'],
  ['Owner 1 First Name', 'owner_first_name'],
  ['Owner 1 Last Name', 'owner_last_name'],
  ['Company Name', 'owner_full_name'], // filled only when the owner is a company
  ['Owner 2 First Name', ''],
  ['Owner 2 Last Name', ''],
  ['Mailing Care of Name', ''],
  ['Mailing Address', 'mailing_address'],
  ['Mailing Unit #', 'mailing_unit'],
  ['Mailing City', 'mailing_city'],
  ['Mailing State', 'mailing_state'],
  ['Mailing Zip', 'mailing_zip'],
  ['Mailing County', ''],
  ['Do Not Mail', ''],
  ['Property Type', 'property_type'],
  ['Bedrooms', 'bedrooms'],
  ['Total Bathrooms', 'bathrooms'],
  ['Building Sqft', 'living_area_sqft'],
  ['Lot Size Sqft', 'lot_size_sqft'],
  ['Effective Year Built', 'year_built'],
  ['Total Assessed Value', ''],
  ['Last Sale Recording Date', 'last_sale_date'],
  ['Last Sale Amount', 'last_sale_price'],
  ['Total Open Loans', ''],
  ['Est. Remaining balance of Open Loans', 'mortgage_balance'],
  ['Est. Value', 'estimated_value'],
  ['Est. Loan-to-Value', ''],
  ['Est. Equity', 'equity'],
  ['MLS Status', ''],
  ['MLS Date', ''],
  ['MLS Amount', ''],
  ['Lien Amount', ''],
  ['Marketing Lists', ''],
  ['Date Added to List', ''],
  ['Vacant?', 'is_vacant'],
  ...slots(5, (i) => [
    [`Phone ${i}`, `phone#${i}`],
    [`Phone ${i} Type`, `phone_type#${i}`],
    [`Phone ${i} DNC`, `phone_dnc#${i}`],
  ]),
  ...slots(4, (i) => [[`Email ${i}`, `email#${i}`]]),
]);

const batchleads: ColumnMapping = Object.fromEntries([
  ['Lead Status', ''],
  ['First Name', 'owner_first_name'],
  ['Last Name', 'owner_last_name'],
  ['Mailing Address', 'mailing_address'],
  ['Mailing City', 'mailing_city'],
  ['Mailing State', 'mailing_state'],
  ['Mailing Zip', 'mailing_zip'],
  ['Mailing County', ''],
  ['Property Address', 'property_address'],
  ['Property City', 'property_city'],
  ['Property State', 'property_state'],
  ['Property Zip', 'property_zip'],
  ['Property County', 'property_county'],
  ['Owner 2 First Name', ''],
  ['Owner 2 Last Name', ''],
  ['Email', 'email#1'],
  ['Email 2', 'email#2'],
  ['Litigator', ''],
  ['Is Vacant', 'is_vacant'],
  ['Is Mailing Vacant', ''],
  ['Opt-Out', ''],
  ['Apn', 'apn'],
  ['Property Type Detail', 'property_type'],
  ['Owner Occupied', 'owner_occupied'],
  ['Bedroom Count', 'bedrooms'],
  ['Bathroom Count', 'bathrooms'],
  ['Total Building Area Square Feet', 'living_area_sqft'],
  ['Lot Size Square Feet', 'lot_size_sqft'],
  ['Year Built', 'year_built'],
  ['Total Assessed Value', ''],
  ['Last Sale Date', 'last_sale_date'],
  ['Last Sale Price', 'last_sale_price'],
  ['Total Loan Balance', 'mortgage_balance'],
  ['Equity Current Estimated Balance', 'equity'],
  ['Estimated Value', 'estimated_value'],
  ['Ltv Current Estimated Combined', ''],
  ['Mls Status', ''],
  ['Batchrank Score Category', ''],
  ['Tag Names', 'tags'],
  ['Notes', 'notes'],
  ['List', 'vendor_list_id'],
  ...slots(5, (i) => [
    [`Phone ${i}`, `phone#${i}`],
    [`Phone ${i} DNC`, `phone_dnc#${i}`],
    [`Phone ${i} TYPE`, `phone_type#${i}`],
  ]),
]);

const dealmachine: ColumnMapping = Object.fromEntries([
  ['property_id', 'vendor_record_id'],
  ['lead_id', ''],
  ['property_address_line_1', 'property_address'],
  ['property_address_line_2', 'property_unit'],
  ['property_address_city', 'property_city'],
  ['property_address_state', 'property_state'],
  ['property_address_zipcode', 'property_zip'],
  ['property_address_county', 'property_county'],
  ['property_lat', 'latitude'],
  ['property_lng', 'longitude'],
  ['apn_parcel_id', 'apn'],
  ['owner_1_name', 'owner_full_name'],
  ['owner_2_name', ''],
  ['mailing_address_line_1', 'mailing_address'],
  ['mailing_address_line_2', 'mailing_unit'],
  ['mailing_city', 'mailing_city'],
  ['mailing_state', 'mailing_state'],
  ['mailing_zipcode', 'mailing_zip'],
  ['property_type', 'property_type'],
  ['beds', 'bedrooms'],
  ['baths', 'bathrooms'],
  ['sqft', 'living_area_sqft'],
  ['lot_sqft', 'lot_size_sqft'],
  ['year_built', 'year_built'],
  ['estimated_value', 'estimated_value'],
  ['equity_amount', 'equity'],
  ['equity_percent', 'equity_percent'],
  ['last_sale_date', 'last_sale_date'],
  ['last_sale_price', 'last_sale_price'],
  ['mls_status', ''],
  ['contact_1_name', ''],
  ['contact_1_flags', ''],
  ...slots(3, (i) => [
    [`contact_1_phone${i}`, `phone#${i}`],
    [`contact_1_phone${i}_type`, `phone_type#${i}`],
    [`contact_1_email${i}`, `email#${i}`],
  ]),
]);

const county: ColumnMapping = {
  PARCEL_ID: 'apn',
  OWNER_NAME: 'owner_full_name',
  OWNER_NAME2: '',
  SITUS_ADDRESS: 'property_address',
  SITUS_CITY: 'property_city',
  SITUS_ZIP: 'property_zip',
  MAIL_ADDRESS: 'mailing_address',
  MAIL_CITY: 'mailing_city',
  MAIL_STATE: 'mailing_state',
  MAIL_ZIP: 'mailing_zip',
  LAND_USE: 'property_type',
  YEAR_BUILT: 'year_built',
  BLDG_SQFT: 'living_area_sqft',
  ACRES: '',
  ASSESSED_VALUE: '',
  MARKET_VALUE: 'estimated_value',
  SALE_DATE: 'last_sale_date',
  SALE_PRICE: 'last_sale_price',
  HOMESTEAD: 'owner_occupied',
  TAX_DUE: 'tax_debt',
};

const generic: ColumnMapping = Object.fromEntries([
  ['Property Address', 'property_address'],
  ['Property Unit', 'property_unit'],
  ['Property City', 'property_city'],
  ['Property State', 'property_state'],
  ['Property Zip', 'property_zip'],
  ['Property County', 'property_county'],
  ['APN', 'apn'],
  ['Owner Name', 'owner_full_name'],
  ['Owner First Name', 'owner_first_name'],
  ['Owner Last Name', 'owner_last_name'],
  ['Mailing Address', 'mailing_address'],
  ['Mailing Unit', 'mailing_unit'],
  ['Mailing City', 'mailing_city'],
  ['Mailing State', 'mailing_state'],
  ['Mailing Zip', 'mailing_zip'],
  ...slots(3, (i) => [
    [`Phone ${i}`, `phone#${i}`],
    [`Phone ${i} Type`, `phone_type#${i}`],
  ]),
  ...slots(2, (i) => [[`Email ${i}`, `email#${i}`]]),
  ['Tags', 'tags'],
  ['Notes', 'notes'],
]);

// `source` says where a layout's header names came from (the comment at the top has the detail).
// Order matters to detectPreset: on equal coverage the earlier preset wins.
export const PRESETS: Record<string, Preset> = {
  propstream: {
    label: 'PropStream export',
    source: 'headers of PropStream exports as read by public projects (github.com/HIFILEO/DNCScrubber, RawLeadData.java)',
    columns: propstream,
  },
  batchleads: {
    label: 'BatchLeads export',
    source: 'the BatchLeads "export all" column list as quoted by public import guides and parsers',
    columns: batchleads,
  },
  dealmachine: {
    label: 'DealMachine export',
    source: 'DealMachine export columns as read by github.com/123Soldcash/crm-123drive-v2 (server/dealmachine-column-mapper.ts)',
    columns: dealmachine,
  },
  county: {
    label: 'County assessor owner roll (typical layout)',
    source: 'reconstructed from common assessor roll spellings; no single county',
    columns: county,
  },
  generic: { label: 'Porchlight template', source: "Porchlight's own import template", columns: generic },
};
