// A deterministic owner list like the ones users export from PropStream or a county: parcels
// with owners, mailing addresses, facts, phones and emails. Of the rows, about 10% repeat an
// earlier parcel with its address written differently (the merge path), 30% carry two or more
// phones, and 5% have a defect (an invalid phone or email, a bad year, a row with no address,
// a row with too few columns). Used by the import benchmark and the import tests.
import fs from 'node:fs';
import { once } from 'node:events';

export const OWNER_LIST_HEADER = [
  'property_address', 'property_city', 'property_state', 'property_zip', 'apn', 'owner_first_name', 'owner_last_name',
  'mailing_address', 'mailing_city', 'mailing_state', 'mailing_zip', 'property_type', 'bedrooms', 'bathrooms', 'year_built',
  'estimated_value', 'equity', 'phone#1', 'phone#2', 'phone#3', 'email#1', 'List Name',
];
/** The header as a user's file carries it; every column maps to the field of the same name. */
export const OWNER_LIST_COLUMNS = [
  'Property Address', 'Property City', 'Property State', 'Property Zip', 'APN', 'Owner First Name', 'Owner Last Name',
  'Mailing Address', 'Mailing City', 'Mailing State', 'Mailing Zip', 'Property Type', 'Bedrooms', 'Bathrooms', 'Year Built',
  'Estimated Value', 'Equity', 'Phone 1', 'Phone 2', 'Phone 3', 'Email 1', 'List Name',
];
export const OWNER_LIST_MAP: Record<string, string> = Object.fromEntries(
  OWNER_LIST_COLUMNS.map((c, i) => [c, OWNER_LIST_HEADER[i] === 'List Name' ? '' : OWNER_LIST_HEADER[i]!]),
);

const STREETS = ['Main', 'Oak', 'Pine', 'Maple', 'Cedar', 'Elm', 'Washington', 'Lake', 'Hill', 'Park', 'Walnut', 'Sunset', 'Lincoln',
  'Jackson', 'Church', 'River', 'Highland', 'Spring', 'Willow', 'Meadow', 'Forest', 'Ridge', 'Valley', 'Mill', 'Franklin', 'Jefferson',
  'Madison', 'Adams', 'Cherry', 'Chestnut', 'Hickory', 'Magnolia', 'Dogwood', 'Laurel', 'Sycamore', 'Birch', 'Aspen', 'Poplar', 'Cypress', 'Juniper'];
const SUFFIXES: [string, string][] = [['Street', 'St'], ['Avenue', 'Ave'], ['Road', 'Rd'], ['Drive', 'Dr'], ['Lane', 'Ln'], ['Court', 'Ct'], ['Boulevard', 'Blvd'], ['Place', 'Pl']];
const DIRS: [string, string][] = [['', ''], ['North', 'N'], ['South', 'S'], ['East', 'E'], ['West', 'W']];
const PLACES: [string, string, string, string][] = [
  ['Austin', 'TX', 'Texas', '787'], ['Dallas', 'TX', 'Texas', '752'], ['Houston', 'TX', 'Texas', '770'], ['Phoenix', 'AZ', 'Arizona', '850'],
  ['Tampa', 'FL', 'Florida', '336'], ['Atlanta', 'GA', 'Georgia', '303'], ['Denver', 'CO', 'Colorado', '802'], ['Boston', 'MA', 'Massachusetts', '021'],
  ['Columbus', 'OH', 'Ohio', '432'], ['Memphis', 'TN', 'Tennessee', '381'],
];
const AREA = ['512', '214', '713', '602', '813', '404', '303', '617', '614', '901'];
const FIRST = ['James', 'Mary', 'John', 'Patricia', 'Robert', 'Jennifer', 'Michael', 'Linda', 'William', 'Elizabeth', 'David', 'Barbara',
  'Richard', 'Susan', 'Joseph', 'Jessica', 'Thomas', 'Sarah', 'Charles', 'Karen', 'Maria', 'Luis', 'Wei', 'Aisha'];
const LAST = ['Smith', 'Johnson', 'Williams', 'Brown', 'Jones', 'Garcia', 'Miller', 'Davis', 'Rodriguez', 'Martinez', 'Hernandez', 'Lopez',
  'Gonzalez', 'Wilson', 'Anderson', 'Thomas', 'Taylor', 'Moore', 'Jackson', 'Martin', 'Lee', 'Perez', 'Thompson', 'White', 'Nguyen', 'Patel'];
const TYPES = ['SFR', 'Condo', 'Townhouse', 'Multi-Family', 'Mobile Home'];

/** A parcel's fixed facts, from its number alone: the same parcel always comes out the same. */
function parcel(p: number) {
  const number = (p % 9000) + 100;
  const street = STREETS[Math.floor(p / 9000) % STREETS.length]!;
  const suffix = SUFFIXES[Math.floor(p / (9000 * STREETS.length)) % SUFFIXES.length]!;
  const dir = DIRS[Math.floor(p / (9000 * STREETS.length * SUFFIXES.length)) % DIRS.length]!;
  const place = PLACES[Math.floor(p / (9000 * STREETS.length * SUFFIXES.length * DIRS.length)) % PLACES.length]!;
  const zip = place[3] + String(p % 100).padStart(2, '0');
  const h = hash(p);
  return {
    number, street, suffix, dir, place, zip,
    apn: `${String(h % 1000).padStart(3, '0')}-${String((h >>> 10) % 1000).padStart(3, '0')}-${String(p % 100000).padStart(5, '0')}`,
    first: FIRST[h % FIRST.length]!, last: LAST[(h >>> 8) % LAST.length]!,
    phones: [phone(h, 0), phone(h, 1), phone(h, 2)],
    type: TYPES[(h >>> 4) % TYPES.length]!, beds: 1 + (h % 5), baths: 1 + ((h >>> 3) % 4) / 2 + 0.5, year: 1920 + ((h >>> 6) % 100),
    value: 80000 + (h % 900000), equity: (h >>> 2) % 400000,
  };
}

function hash(n: number): number {
  let x = (n + 0x9e3779b9) | 0;
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
  return (x ^ (x >>> 16)) >>> 0;
}

function phone(h: number, k: number): string {
  const v = hash(h + k * 7919);
  const exchange = 200 + (v % 800);
  const line = String((v >>> 10) % 10000).padStart(4, '0');
  return `(${AREA[(h + k) % AREA.length]}) ${exchange}-${line}`;
}

/** Row i of the list (i from 0), as CSV cells. */
export function ownerListRow(i: number): string[] {
  const r = hash(i * 31 + 7);
  // a repeat names an earlier parcel (about 10% of rows from row 100 on)
  const repeat = i >= 100 && r % 10 === 0;
  const p = parcel(repeat ? hash(i) % i : i);
  const x = repeat ? hash(r) : 0;
  const streetLine = repeat && x % 2 === 0
    ? `${p.number} ${p.dir[0]} ${p.street} ${p.suffix[0]}`.replace(/\s+/g, ' ').toUpperCase()
    : `${p.number} ${p.dir[1] ? p.dir[1] + '. ' : ''}${p.street} ${p.suffix[1]}.`;
  const zip = repeat && x % 3 === 0 ? `${p.zip}-${String(x % 10000).padStart(4, '0')}` : p.zip;
  const state = repeat && x % 5 === 0 ? p.place[2] : p.place[1];
  const phones = ['', '', ''];
  const count = r % 10 < 3 ? 2 + (r % 2) : r % 10 < 9 ? 1 : 0; // 30% with two or three, 60% one, 10% none
  for (let k = 0; k < count; k++) phones[k] = p.phones[k]!;
  const email = r % 4 === 0 ? `${p.first}.${p.last}${p.number}@example.com`.toLowerCase() : '';
  const row = [
    streetLine, p.place[0], state, zip, p.apn, p.first, p.last,
    `${p.number} ${p.street} ${p.suffix[1]}`, p.place[0], p.place[1], p.zip, p.type, String(p.beds), String(p.baths), String(p.year),
    `$${p.value.toLocaleString('en-US')}`, String(p.equity), phones[0]!, phones[1]!, phones[2]!, email, `list-${i % 7}`,
  ];
  // about 5% of rows carry one defect
  switch (r % 100) {
    case 11: row[17] = '555-12'; break; // invalid phone: dropped with a warning
    case 23: row[20] = 'not-an-email'; break; // invalid email: dropped with a warning
    case 37: row[14] = 'eighteen'; break; // bad year: left empty with a warning
    case 53: row[0] = ''; row[4] = ''; break; // nothing identifies the parcel: rejected
    case 71: row.length = 5; break; // too few columns: rejected
  }
  return row;
}

const cell = (v: string) => (/[",\n\r]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);

/** Write rows 0..n-1 with the header, streaming. */
export async function writeOwnerList(file: string, n: number): Promise<number> {
  const out = fs.createWriteStream(file);
  let chunk = OWNER_LIST_COLUMNS.map(cell).join(',') + '\n';
  for (let i = 0; i < n; i++) {
    chunk += ownerListRow(i).map(cell).join(',') + '\n';
    if (chunk.length > 1 << 16) {
      if (!out.write(chunk)) await once(out, 'drain');
      chunk = '';
    }
  }
  out.end(chunk);
  await once(out, 'finish');
  return fs.statSync(file).size;
}
