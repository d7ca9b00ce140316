import { describe, expect, it } from 'vitest';
import { AppError } from '../../app/errors.ts';
import { parseTarget } from './import-fields.ts';
import { PRESETS, detectPreset, matchHeader, parseMapArgs, resolveMapping, type ResolvedMapping } from './map-columns.ts';

const targets = (m: ResolvedMapping) => Object.fromEntries(m.columns.map((c) => [c.header, c.target]));
const thrown = (fn: () => unknown): AppError => {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(AppError);
    return err as AppError;
  }
  throw new Error('expected an AppError');
};

describe('matchHeader', () => {
  it.each([
    // owner names
    ['Owner 1 First Name', 'owner_first_name'],
    ['owner_first', 'owner_first_name'],
    ['First Name', 'owner_first_name'],
    ['OwnerFirstName', 'owner_first_name'],
    ['FIRST_NAME', 'owner_first_name'],
    ['fname', 'owner_first_name'],
    ['Owner 2 First Name', null], // no field: stays in raw data
    ['Last Name', 'owner_last_name'],
    ['lname', 'owner_last_name'],
    ['Surname', 'owner_last_name'],
    ['Owner Name', 'owner_full_name'],
    ['Owner', 'owner_full_name'],
    ['Owner 1 Full Name', 'owner_full_name'],
    ['Name', 'owner_full_name'],
    // phones and emails: a number is the slot, no number takes the next free one
    ['Phone 1', 'phone#1'],
    ['Phone1', 'phone#1'],
    ['phone_2', 'phone#2'],
    ['Phone #3', 'phone#3'],
    ['Tel', 'phone'],
    ['Telephone', 'phone'],
    ['Cell Phone', 'phone'],
    ['Mobile', 'phone'],
    ['Phone Number', 'phone'],
    ['Phone 1 Type', 'phone_type#1'],
    ['Phone 1 DNC', 'phone_dnc#1'],
    ['Phone 2 Do Not Call', 'phone_dnc#2'],
    ['Email', 'email'],
    ['Email Address', 'email'],
    ['E-mail 2', 'email#2'],
    ['Mail', 'email'],
    ['Phone 100', null],
    // the parcel
    ['Property Address', 'property_address'],
    ['Site Address', 'property_address'],
    ['Street Address', 'property_address'],
    ['Address', 'property_address'],
    ['Addr', 'property_address'],
    ['Address 2', 'property_unit'],
    ['Unit #', 'property_unit'],
    ['Address 3', null],
    ['City', 'property_city'],
    ['St', 'property_state'],
    ['State', 'property_state'],
    ['Zip', 'property_zip'],
    ['Zip Code', 'property_zip'],
    ['ZIPCode', 'property_zip'],
    ['Postal Code', 'property_zip'],
    ['ZIP5', 'property_zip'],
    ['Parcel Number', 'apn'],
    ['Parcel No', 'apn'],
    ['APN', 'apn'],
    ['Parcel ID', 'apn'],
    ['PIN', 'apn'],
    ['Yr Built', 'year_built'],
    ['Sq Ft', 'living_area_sqft'],
    ['Square Footage', 'living_area_sqft'],
    ['Lot Size', 'lot_size_sqft'],
    ['Est. Value', 'estimated_value'],
    ['Estimated Value', 'estimated_value'],
    ['AVM', 'estimated_value'],
    ['Est. Equity', 'equity'],
    ['Equity %', 'equity_percent'],
    ['Vacant?', 'is_vacant'],
    // the owner's mailing address
    ['Mailing Address', 'mailing_address'],
    ['Mail Address', 'mailing_address'],
    ['Owner Mailing Address', 'mailing_address'],
    ['MAIL_CITY', 'mailing_city'],
    ['Mailing State', 'mailing_state'],
    ['Mailing Zip', 'mailing_zip'],
    ['Mailing Zip Code', 'mailing_zip'],
    // field names themselves
    ['owner_full_name', 'owner_full_name'],
    ['vendor_record_id', 'vendor_record_id'],
    // nothing
    ['Favorite Color', null],
    ['', null],
  ])('%j → %s', (header, target) => {
    expect(matchHeader(header)).toBe(target);
  });
});

describe('resolveMapping', () => {
  it('maps by explicit mapping, then preset, then fuzzy, and says which', () => {
    const headers = ['Address', 'Owner 1 First Name', 'Owner Name', 'Favorite Color', 'Notes'];
    const m = resolveMapping(headers, { preset: 'propstream', explicit: { 'Owner Name': 'owner_full_name', Notes: '' } });
    expect(m.columns).toEqual([
      { header: 'Address', index: 0, target: 'property_address', how: 'preset' },
      { header: 'Owner 1 First Name', index: 1, target: 'owner_first_name', how: 'preset' },
      { header: 'Owner Name', index: 2, target: 'owner_full_name', how: 'explicit' },
      { header: 'Favorite Color', index: 3, target: null, how: 'unmapped' },
      { header: 'Notes', index: 4, target: null, how: 'explicit' },
    ]);
    expect(m.warnings).toEqual([]);
  });

  it('an explicit mapping takes a target from a preset or fuzzy column, and the loser is named', () => {
    const m = resolveMapping(['Site Address', 'Street'], { explicit: { Street: 'property_address' } });
    expect(targets(m)).toEqual({ 'Site Address': null, Street: 'property_address' });
    expect(m.warnings).toEqual(['"Site Address" would also be property_address, which "Street" fills; it stays in raw data']);
  });

  it('two columns for one field: the first keeps it', () => {
    const m = resolveMapping(['Address', 'Site Address', 'Phone 1', 'phone_1'], {});
    expect(targets(m)).toEqual({ Address: 'property_address', 'Site Address': null, 'Phone 1': 'phone#1', phone_1: null });
    expect(m.warnings).toEqual([
      '"Site Address" would also be property_address, which "Address" fills; it stays in raw data',
      '"phone_1" would also be phone#1, which "Phone 1" fills; it stays in raw data',
    ]);
    expect(m.columns[1]).toMatchObject({ target: null, how: 'unmapped' });
  });

  it('gives unnumbered phones and emails the next free slot, after the numbered ones', () => {
    const m = resolveMapping(['Cell', 'Phone 1', 'Mobile', 'Phone Type', 'Email', 'Email 1', 'Landline'], { explicit: { Landline: 'phone' } });
    expect(targets(m)).toEqual({
      Cell: 'phone#3',
      'Phone 1': 'phone#1',
      Mobile: 'phone#4',
      'Phone Type': 'phone_type#1',
      Email: 'email#2',
      'Email 1': 'email#1',
      Landline: 'phone#2', // explicit before fuzzy
    });
  });

  it('matches explicit headers exactly, or else ignoring case and spaces', () => {
    const m = resolveMapping(['Owner  Name', 'X'], { explicit: { 'owner name': 'OWNER_FULL_NAME', X: 'tags' } });
    expect(targets(m)).toEqual({ 'Owner  Name': 'owner_full_name', X: 'tags' });
  });

  it('refuses an explicit map to an unknown field or a missing column, naming all of them', () => {
    const err = thrown(() => resolveMapping(['Owner', 'Zip'], { explicit: { Owner: 'owner_name', Phone: 'phone', Zip: 'apn#2' } }));
    expect(err.code).toBe('VALIDATION');
    expect(err.message).toBe('--map: "owner_name" is not an import field; did you mean owner_full_name? (list them with `porchlight import fields`) (and 2 more)');
    expect(err.details).toEqual([
      { field: '--map', message: '"owner_name" is not an import field; did you mean owner_full_name? (list them with `porchlight import fields`)' },
      { field: '--map', message: '"Phone" is not a column of this file (its columns: Owner, Zip)' },
      { field: '--map', message: '"apn#2" is not an import field; did you mean apn? (list them with `porchlight import fields`)' },
    ]);
  });

  it('refuses an unknown preset, naming the known ones', () => {
    expect(thrown(() => resolveMapping(['Address'], { preset: 'toString' })).code).toBe('VALIDATION');
    const err = thrown(() => resolveMapping(['Address'], { preset: 'listsource' }));
    expect(err.code).toBe('VALIDATION');
    expect(err.details).toEqual([{ field: '--preset', message: 'unknown preset "listsource"; known presets: propstream, batchleads, dealmachine, county, generic' }]);
  });
});

describe('presets', () => {
  const main: Record<string, Record<string, string>> = {
    propstream: { Address: 'property_address', Zip: 'property_zip', APN: 'apn', 'Owner 1 First Name': 'owner_first_name', 'Owner 1 Last Name': 'owner_last_name', 'Mailing Address': 'mailing_address', 'Mailing Zip': 'mailing_zip', 'Est. Value': 'estimated_value', 'Est. Equity': 'equity', 'Phone 1': 'phone#1', 'Phone 1 Type': 'phone_type#1', 'Phone 1 DNC': 'phone_dnc#1', 'Phone 5': 'phone#5', 'Email 1': 'email#1' },
    batchleads: { 'Property Address': 'property_address', 'Property Zip': 'property_zip', Apn: 'apn', 'First Name': 'owner_first_name', 'Last Name': 'owner_last_name', 'Mailing Address': 'mailing_address', 'Estimated Value': 'estimated_value', 'Phone 1': 'phone#1', 'Phone 1 DNC': 'phone_dnc#1', 'Phone 1 TYPE': 'phone_type#1', Email: 'email#1', 'Email 2': 'email#2' },
    dealmachine: { property_address_line_1: 'property_address', property_address_zipcode: 'property_zip', apn_parcel_id: 'apn', owner_1_name: 'owner_full_name', mailing_address_line_1: 'mailing_address', mailing_zipcode: 'mailing_zip', estimated_value: 'estimated_value', contact_1_phone1: 'phone#1', contact_1_phone2_type: 'phone_type#2', contact_1_email1: 'email#1' },
    county: { PARCEL_ID: 'apn', OWNER_NAME: 'owner_full_name', SITUS_ADDRESS: 'property_address', SITUS_ZIP: 'property_zip', MAIL_ADDRESS: 'mailing_address', MAIL_ZIP: 'mailing_zip', MARKET_VALUE: 'estimated_value' },
    generic: { 'Property Address': 'property_address', 'Property Zip': 'property_zip', APN: 'apn', 'Owner Name': 'owner_full_name', 'Mailing Address': 'mailing_address', 'Phone 1': 'phone#1', 'Email 1': 'email#1' },
  };

  it.each(Object.keys(PRESETS))('%s: a header row of the preset is detected and maps its main fields', (name) => {
    const headers = Object.keys(PRESETS[name]!.columns);
    expect(detectPreset(headers)).toBe(name);
    const m = resolveMapping(headers, { preset: name });
    expect(m.warnings).toEqual([]);
    for (const [header, target] of Object.entries(main[name]!)) {
      expect(m.columns.find((c) => c.header === header), header).toMatchObject({ target, how: 'preset' });
    }
  });

  it.each(Object.keys(PRESETS))('%s: every target is an import field, and no two headers share one', (name) => {
    const used = Object.values(PRESETS[name]!.columns).filter((t) => t !== '');
    for (const t of used) expect(parseTarget(t), t).toBeDefined();
    expect(new Set(used).size).toBe(used.length);
  });

  it('detects a vendor from 60% of its headers, whatever their case, and nothing from a few', () => {
    const propstream = Object.keys(PRESETS.propstream!.columns);
    const most = propstream.slice(0, Math.ceil(propstream.length * 0.6)).map((h) => h.toUpperCase());
    expect(detectPreset([...most, 'My Column'])).toBe('propstream');
    expect(detectPreset(propstream.slice(0, Math.floor(propstream.length * 0.5)))).toBeNull();
    expect(detectPreset(['Address', 'City', 'State', 'Zip', 'Phone'])).toBeNull();
    expect(detectPreset([])).toBeNull();
  });

  it('without a preset, fuzzy matching still finds the main PropStream fields', () => {
    const m = resolveMapping(Object.keys(PRESETS.propstream!.columns), {});
    expect(targets(m)).toMatchObject({ Address: 'property_address', 'Owner 1 First Name': 'owner_first_name', 'Mailing Address': 'mailing_address', 'Phone 2': 'phone#2', 'Owner 2 First Name': null });
    expect(m.columns.filter((c) => c.target).every((c) => c.how === 'fuzzy')).toBe(true);
  });
});

describe('parseMapArgs', () => {
  it('splits at the last "=", trims, and keeps "Column=" as raw-data only', () => {
    expect(parseMapArgs(['Owner Name=owner_full_name', ' Cell = phone#2 ', 'a=b=tags', 'Notes='])).toEqual({
      'Owner Name': 'owner_full_name',
      Cell: 'phone#2',
      'a=b': 'tags',
      Notes: '',
    });
  });

  it.each(['owner_full_name', '=owner_full_name', ''])('refuses %j', (arg) => {
    const err = thrown(() => parseMapArgs([arg]));
    expect(err.details).toEqual([{ field: '--map', message: `expected "CSV column=field", got "${arg}"` }]);
  });
});
