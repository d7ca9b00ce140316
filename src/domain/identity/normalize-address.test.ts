import { describe, expect, it } from 'vitest';
import suffixData from './tables/street-suffixes.json' with { type: 'json' };
import unitData from './tables/unit-designators.json' with { type: 'json' };
import dirData from './tables/directionals.json' with { type: 'json' };
import stateData from './tables/states.json' with { type: 'json' };
import { computeAddrHash } from './addr-hash.ts';
import { addrHashOf, normalizeAddress, normalizeCity, normalizeState, normalizeZip, parseAddress, type NormalizedAddress } from './normalize-address.ts';

const hex = (r: NormalizedAddress) => r.addrHash?.toString('hex') ?? null;

describe('parseAddress', () => {
  const cases: [input: string, expected: Partial<NormalizedAddress>][] = [
    ['123 North Main Street Apt 4, Springfield, Illinois 62701-1234', {
      number: '123', predirectional: 'N', streetName: 'MAIN', suffix: 'ST', postdirectional: null, unitType: 'APT', unitId: '4',
      city: 'SPRINGFIELD', state: 'IL', zip5: '62701', zip4: '1234', line1: '123 N MAIN ST APT 4',
    }],
    ['PO Box 12, Austin TX 78701', { line1: 'PO BOX 12', number: null, streetName: null, city: 'AUSTIN', state: 'TX', zip5: '78701' }],
    ['P.O. Box 9580 Rancho Santa Fe CA 92067', { line1: 'PO BOX 9580', city: 'RANCHO SANTA FE', state: 'CA' }],
    ['mail code 5021 p o box 660367 dallas tx 75266', { line1: 'PO BOX 660367', city: 'DALLAS' }],
    ['rr # 1 box 54 loami il 62661', { line1: 'RR 1 BOX 54', city: 'LOAMI', state: 'IL' }],
    ['500 Twenty Third Street, Boston MA 2108', { streetName: '23RD', suffix: 'ST', zip5: '02108' }],
    ['10 First Avenue, New York, NY 10009', { streetName: '1ST', suffix: 'AVE', city: 'NEW YORK', state: 'NY' }],
    ['1122 2nd st n saint petersburg fl 33701-1710', { streetName: '2ND', postdirectional: 'N', city: 'SAINT PETERSBURG', state: 'FL' }],
    ['20 Benton Pl St Louis, MO 63104', { streetName: 'BENTON', suffix: 'PL', city: 'SAINT LOUIS' }],
    ['123 Main St N, Springfield, IL 62701', { predirectional: null, postdirectional: 'N', line1: '123 MAIN ST N' }],
    ['1600 Pennsylvania Avenue NW, Washington, DC 20500', { suffix: 'AVE', postdirectional: 'NW', city: 'WASHINGTON', state: 'DC' }],
    ['8500 SHOAL CREEK BLVD BLDG 4 UNIT 150, Austin TX 78757', { streetName: 'SHOAL CREEK', suffix: 'BLVD', unitType: 'BLDG', unitId: '4 UNIT 150', line1: '8500 SHOAL CREEK BLVD BLDG 4 UNIT 150' }],
    ['59-17 Junction Boulevard, 17th Floor, Flushing, NY 11373', { number: '59-17', suffix: 'BLVD', unitType: 'FL', unitId: '17', city: 'FLUSHING' }],
    ['Apt 1B 626 E Kilbourn Ave Milwaukee, WI 53202', { number: '626', unitType: 'APT', unitId: '1B', city: 'MILWAUKEE', line1: '626 E KILBOURN AVE APT 1B' }],
    ['123 Main St #4-B, Austin TX 78701', { unitType: '#', unitId: '4B', line1: '123 MAIN ST # 4B' }],
    ['123 1/2 Main St, Springfield IL 62701', { number: '123 1/2' }],
    ['N165 W2123 Tartan Ct Jackson, WI 53037', { number: 'N165 W2123', streetName: 'TARTAN', suffix: 'CT', city: 'JACKSON' }],
    ['1234 West U.S. Highway 50', { predirectional: 'W', streetName: 'US HWY 50', suffix: null, city: null }],
    ['4510 COUNTY ROAD GV, APPLETON, WI 54913', { streetName: 'COUNTY RD GV', suffix: null, city: 'APPLETON' }],
    ['333 STATE ROUTE 590 ROARING BROOK TWP, PA 18444', { streetName: 'STATE RTE 590', city: 'ROARING BROOK TWP' }],
    // A directional alone before the suffix is the name; before a weak suffix word, that word is.
    ['123 N ST, Sacramento CA 95814', { predirectional: null, streetName: 'N', suffix: 'ST' }],
    ['123 North Ave, Chicago IL 60647', { predirectional: null, streetName: 'NORTH', suffix: 'AVE' }],
    ['10 EAST LAKE, DENVER, COLORADO', { predirectional: 'E', streetName: 'LAKE', suffix: null, state: 'CO', city: 'DENVER' }],
    ['428 westwind dr north palm beach fl 33408', { suffix: 'DR', postdirectional: null, city: 'NORTH PALM BEACH' }],
    ['5050 S Dr Martin Luther King Blvd, Chicago IL 60615', { predirectional: 'S', streetName: 'DR MARTIN LUTHER KING', suffix: 'BLVD' }],
    // Without a ZIP or comma a final CT is the suffix; KY after a unit is Kentucky.
    ['400 N OAK CT', { suffix: 'CT', state: null, addrHash: null }],
    ['10502 shadow ridge ln apt 103 louisville ky', { unitId: '103', city: 'LOUISVILLE', state: 'KY' }],
    ['4079 U.S. 17 Business Murrells Inlet, South Carolina 29576 United States', { streetName: 'US 17 BUSINESS', city: 'MURRELLS INLET', state: 'SC' }],
    ['Anchor Point, AK 99556', { line1: null, city: 'ANCHOR POINT', state: 'AK', addrHash: null }],
    ['CORPORATE TRAVEL\nATTN SHELIA LEWIS\n77 w WACKER DR SUITE 1800\nCHICAGO IL 60601', { line1: '77 W WACKER DR STE 1800', city: 'CHICAGO' }],
  ];
  it.each(cases)('%s', (input, expected) => {
    expect(parseAddress(input)).toMatchObject(expected);
  });

  it.each([
    ['First', '1ST'], ['Second', '2ND'], ['Third', '3RD'], ['Eleventh', '11TH'], ['Twelfth', '12TH'], ['Twentieth', '20TH'],
    ['Twenty Third', '23RD'], ['Twenty-Third', '23RD'], ['Forty First', '41ST'], ['Ninety Ninth', '99TH'], ['2d', '2ND'], ['3d', '3RD'], ['22nd', '22ND'], ['113th', '113TH'],
  ])('spells the ordinal %s as %s', (word, want) => {
    expect(parseAddress(`100 ${word} St, Springfield IL 62701`).streetName).toBe(want);
  });
});

describe('addr_hash', () => {
  // Each group is one parcel written several ways: all must key alike.
  const same: [label: string, inputs: string[]][] = [
    ['unit type, punctuation, directional and suffix spelling', [
      '123 North Main Street Apt 4, Springfield, IL 62701', '123 N. Main St., Apartment 4, Springfield, Illinois 62701-1234',
      '123 n main st #4 springfield il 62701', '123 NORTH MAIN ST UNIT 4, SPRINGFIELD, IL 62701', '123 N Main St Suite 4, Springfield IL 62701',
    ]],
    ['spelled ordinals and ZIP+4', ['10 First Avenue, New York, NY 10009', '10 1st Ave, New York, NY 10009-1234', '10 FIRST AV NEW YORK NY 10009']],
    ['Saint in the city', ['5 Main St, St. Louis, MO 63101', '5 Main Street, Saint Louis, Missouri 63101']],
    ['a ZIP that lost its zero', ['5 Main St, Boston, MA 02108', '5 Main St, Boston, MA 2108']],
  ];
  it.each(same)('%s', (_label, inputs) => {
    const hashes = inputs.map((x) => hex(parseAddress(x)));
    expect(hashes[0]).not.toBeNull();
    expect(new Set(hashes).size).toBe(1);
  });

  it('keys separate columns like the same one-line address, whatever holds the unit', () => {
    const oneLine = hex(parseAddress('123 North Main Street Apt 4, Springfield, IL 62701'));
    for (const line2 of ['Apt 4', '#4', '4', 'Unit 4', 'STE 4']) {
      expect(hex(normalizeAddress({ line1: '123 North Main Street', line2, city: 'Springfield', state: 'Illinois', zip: '62701-1234' }))).toBe(oneLine);
    }
    expect(hex(normalizeAddress({ line1: '123 N Main St Apt 4', line2: 'Apt 4', city: 'SPRINGFIELD', state: 'IL', zip: '62701' }))).toBe(oneLine);
    expect(hex(normalizeAddress({ line1: '123 North Main Street Apt 4, Springfield, IL 62701' }))).toBe(oneLine);
    expect(hex(normalizeAddress({ line1: '5 Main St', city: 'Boston', state: 'MA', zip: '2108' }))).toBe(hex(parseAddress('5 Main St, Boston, MA 02108')));
  });

  const different: [label: string, a: string, b: string][] = [
    ['post- vs pre-directional', '123 Main St N, Springfield, IL 62701', '123 N Main St, Springfield, IL 62701'],
    ['another unit', '123 Main St Apt 4, Springfield, IL 62701', '123 Main St Apt 5, Springfield, IL 62701'],
    ['another suffix', '123 Main St, Springfield, IL 62701', '123 Main Ave, Springfield, IL 62701'],
    ['another state', '123 Main St, Springfield, IL 62701', '123 Main St, Springfield, MO 62701'],
  ];
  it.each(different)('%s differs', (_label, a, b) => {
    expect(hex(parseAddress(a))).not.toBe(hex(parseAddress(b)));
  });

  it('writes every PO box alike, and ignores what is no address', () => {
    const hashes = ['PO Box 12', 'P.O. Box 12', 'POB 12', 'Post Office Box 12', 'p o box 12'].map((line1) =>
      hex(normalizeAddress({ line1, city: 'Austin', state: 'TX', zip: '78701' })));
    expect(new Set(hashes).size).toBe(1);
    const r = normalizeAddress({ line1: '12221 N MOPAC EXPY NB', city: 'Austin', state: 'Texas', zip: '78758' });
    expect(r).toMatchObject({ line1: '12221 N MOPAC EXPY', warnings: ['ignored:NB'] });
    // A unit after an unread word is kept: two doors must not share a key.
    const unit = (line1: string) => normalizeAddress({ line1, city: 'Austin', state: 'TX', zip: '78759' });
    expect(unit('9029 RESEARCH BLVD NB UNIT 100')).toMatchObject({ line1: '9029 RESEARCH BLVD UNIT 100', warnings: ['ignored:NB'] });
    expect(unit('9029 RESEARCH BLVD NB UNIT 100').addrHash).not.toEqual(unit('9029 RESEARCH BLVD NB UNIT 200').addrHash);
    expect(unit('11203 FM 2222 RD UNIT 1501')).toMatchObject({ streetName: 'FM 2222', suffix: 'RD', unitId: '1501' });
    expect(normalizeAddress({ line1: '1 Main St', city: 'Austin', state: 'Tejas', zip: '787011' }).warnings).toEqual(['unknown-state:Tejas', 'invalid-zip:787011']);
  });

  it('needs line 1 and a ZIP or a city and state', () => {
    expect(parseAddress('123 Main St').addrHash).toBeNull();
    expect(parseAddress('123 Main St, Springfield').addrHash).toBeNull();
    expect(parseAddress('123 Main St 62701').addrHash).not.toBeNull();
    expect(normalizeAddress({ line1: '123 Main St', city: 'Springfield', state: 'IL' }).addrHash).not.toBeNull();
    expect(addrHashOf({ line1: null, city: 'X', state: 'IL', zip5: '62701' })).toBeNull();
  });

  it('is the SHA-256 of line1|city|state|zip5 with the unit keyed by its id', () => {
    const r = parseAddress('123 N Main St Apt 4, Springfield, IL 62701');
    expect(r.addrHash).toEqual(computeAddrHash('123 N MAIN ST # 4', 'SPRINGFIELD', 'IL', '62701'));
    // The same digest as before units were keyed by id: clean lines hash as they always did.
    expect(computeAddrHash('100 TEST ST', 'AUSTIN', 'TX', '78701').toString('hex')).toBe('5230c4034e430ed06fb5c8126fce33c03b9567580ad16956fc21552a5da97677');
  });
});

describe('normalizeZip, normalizeState, normalizeCity', () => {
  it.each([
    ['62701', '62701', null], ['62701-1234', '62701', '1234'], ['627011234', '62701', '1234'], [' 62701 ', '62701', null],
    ['02108', '02108', null], ['2108', '02108', null], ['2108-1234', '02108', '1234'], ['21081234', '02108', '1234'], ['501', '00501', null],
    ['62701.0', '62701', null], ['62701 1234', '62701', '1234'], ['62701\u20142534', '62701', '2534'],
  ])('%j → %s %s', (raw, zip5, zip4) => {
    expect(normalizeZip(raw)).toEqual({ zip5, zip4 });
  });
  it.each(['', '00000', '12', 'ABCDE', '606001', '62701-12', '1234567890'])('%j is no ZIP', (raw) => {
    expect(normalizeZip(raw)).toBeNull();
  });
  it.each([['Illinois', 'IL'], ['il', 'IL'], ['IL.', 'IL'], ['district of columbia', 'DC'], ['New York', 'NY'], ['N.Y.', 'NY'], ['Puerto Rico', 'PR'], ['XX', null], ['', null]])(
    '%j → %s', (raw, code) => expect(normalizeState(raw)).toBe(code));
  it.each([['St. Louis', 'SAINT LOUIS'], ['Saint Louis', 'SAINT LOUIS'], ['Ft Worth', 'FORT WORTH'], ['N. Miami', 'NORTH MIAMI'], ['  ', null]])(
    '%j → %s', (raw, city) => expect(normalizeCity(raw)).toBe(city));
});

describe('the USPS tables', () => {
  const suffixes: Record<string, string> = suffixData.suffixes;
  it.each([
    ['AVENUE', 'AVE'], ['AV', 'AVE'], ['AVEN', 'AVE'], ['AVENU', 'AVE'], ['AVN', 'AVE'], ['AVNUE', 'AVE'], ['STREET', 'ST'], ['STR', 'ST'],
    ['BOULEVARD', 'BLVD'], ['CIRCLE', 'CIR'], ['HEIGHTS', 'HTS'], ['PARKWAY', 'PKWY'], ['CROSSING', 'XING'], ['TRAIL', 'TRL'], ['WAY', 'WAY'],
  ])('C1 %s → %s', (word, abbr) => expect(suffixes[word]).toBe(abbr));
  it('maps every standard abbreviation to itself', () => {
    for (const abbr of new Set(Object.values(suffixes))) expect(suffixes[abbr]).toBe(abbr);
    for (const code of new Set(Object.values(stateData.states))) expect((stateData.states as Record<string, string>)[code]).toBe(code);
  });
  it('holds C2 designators with the id rule, the directionals and the states', () => {
    const units: Record<string, { abbr: string; requiresId: boolean }> = unitData.designators;
    expect(units.APARTMENT).toEqual({ abbr: 'APT', requiresId: true });
    expect(units.SUITE).toEqual({ abbr: 'STE', requiresId: true });
    expect(units.REAR).toEqual({ abbr: 'REAR', requiresId: false });
    expect(units['#']).toEqual({ abbr: '#', requiresId: true });
    expect((dirData.directionals as Record<string, string>).NORTHEAST).toBe('NE');
    expect(new Set(Object.values(stateData.states)).size).toBe(62);
  });
});

describe('robustness', () => {
  it('never throws, and caps work on huge input', () => {
    let seed = 42;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const alphabet = '0123456789 ABCNSEW#&,.-/\'\n\t\u0000\u00e9\u2014\ud83d\ude00\uffff';
    for (let i = 0; i < 3000; i++) {
      const junk = Array.from({ length: Math.floor(rand() * 60) }, () => alphabet[Math.floor(rand() * alphabet.length)]).join('');
      expect(() => parseAddress(junk)).not.toThrow();
      expect(() => normalizeAddress({ line1: junk, line2: junk, city: junk, state: junk, zip: junk })).not.toThrow();
    }
    const huge = '123 Main St '.repeat(900_000); // ~10 MB
    const started = performance.now();
    const r = parseAddress(huge);
    expect(r.warnings).toContain('truncated');
    expect(performance.now() - started).toBeLessThan(1000);
    for (const bad of [undefined, null, 42, {}] as unknown as string[]) {
      expect(parseAddress(bad).addrHash).toBeNull();
      expect(normalizeZip(bad)).toBeNull();
      expect(normalizeState(bad)).toBeNull();
    }
  });
});
