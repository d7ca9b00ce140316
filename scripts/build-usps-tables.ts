// npx tsx scripts/build-usps-tables.ts [dataDir]
// Regenerates src/domain/identity/tables/*.json, the lookup tables of the address normalizer.
// The JSON output is committed: the runtime never reads the source data below.
//
// Sources (dataDir defaults to ../shared/data/address, see shared/data/README.md section 1):
// - campfin/data-raw/usps_street.csv, usps_state.csv: USPS Publication 28 appendices C1, C2,
//   the directionals and appendix B, as scraped by campfin (CC BY 4.0, Investigative Reporting
//   Workshop). The files are two deparsed R vectors, `c("...")`, paired by position.
// - libpostal/resources/dictionaries/en/{street_types,directionals,unit_types_numbered,
//   unit_types_standalone,level_types_numbered}.txt (MIT, (c) 2015 openvenues): extra spellings,
//   kept only when they map to a USPS standard form without ambiguity.
// Publication 28 itself is a US government work; the constants below restate parts of it that
// campfin's scrape dropped (rows whose full form equals the abbreviation, and a few others).
import fs from 'node:fs';
import path from 'node:path';

const dataDir = path.resolve(process.argv[2] ?? new URL('../../shared/data/address', import.meta.url).pathname);
const outDir = new URL('../src/domain/identity/tables/', import.meta.url).pathname;

/** Pub 28 C1: primary street suffix name → Postal Service standard suffix abbreviation. */
const C1_PRIMARY: Record<string, string> = Object.fromEntries(`ALLEY ALY|ANEX ANX|ARCADE ARC|AVENUE AVE|BAYOU BYU|BEACH BCH|BEND BND|BLUFF BLF|BLUFFS BLFS|BOTTOM BTM|BOULEVARD BLVD|BRANCH BR|BRIDGE BRG|BROOK BRK|BROOKS BRKS|BURG BG|BURGS BGS|BYPASS BYP|CAMP CP|CANYON CYN|CAPE CPE|CAUSEWAY CSWY|CENTER CTR|CENTERS CTRS|CIRCLE CIR|CIRCLES CIRS|CLIFF CLF|CLIFFS CLFS|CLUB CLB|COMMON CMN|COMMONS CMNS|CORNER COR|CORNERS CORS|COURSE CRSE|COURT CT|COURTS CTS|COVE CV|COVES CVS|CREEK CRK|CRESCENT CRES|CREST CRST|CROSSING XING|CROSSROAD XRD|CROSSROADS XRDS|CURVE CURV|DALE DL|DAM DM|DIVIDE DV|DRIVE DR|DRIVES DRS|ESTATE EST|ESTATES ESTS|EXPRESSWAY EXPY|EXTENSION EXT|EXTENSIONS EXTS|FALL FALL|FALLS FLS|FERRY FRY|FIELD FLD|FIELDS FLDS|FLAT FLT|FLATS FLTS|FORD FRD|FORDS FRDS|FOREST FRST|FORGE FRG|FORGES FRGS|FORK FRK|FORKS FRKS|FORT FT|FREEWAY FWY|GARDEN GDN|GARDENS GDNS|GATEWAY GTWY|GLEN GLN|GLENS GLNS|GREEN GRN|GREENS GRNS|GROVE GRV|GROVES GRVS|HARBOR HBR|HARBORS HBRS|HAVEN HVN|HEIGHTS HTS|HIGHWAY HWY|HILL HL|HILLS HLS|HOLLOW HOLW|INLET INLT|ISLAND IS|ISLANDS ISS|ISLE ISLE|JUNCTION JCT|JUNCTIONS JCTS|KEY KY|KEYS KYS|KNOLL KNL|KNOLLS KNLS|LAKE LK|LAKES LKS|LAND LAND|LANDING LNDG|LANE LN|LIGHT LGT|LIGHTS LGTS|LOAF LF|LOCK LCK|LOCKS LCKS|LODGE LDG|LOOP LOOP|MALL MALL|MANOR MNR|MANORS MNRS|MEADOW MDW|MEADOWS MDWS|MEWS MEWS|MILL ML|MILLS MLS|MISSION MSN|MOTORWAY MTWY|MOUNT MT|MOUNTAIN MTN|MOUNTAINS MTNS|NECK NCK|ORCHARD ORCH|OVAL OVAL|OVERPASS OPAS|PARK PARK|PARKS PARK|PARKWAY PKWY|PARKWAYS PKWY|PASS PASS|PASSAGE PSGE|PATH PATH|PIKE PIKE|PINE PNE|PINES PNES|PLACE PL|PLAIN PLN|PLAINS PLNS|PLAZA PLZ|POINT PT|POINTS PTS|PORT PRT|PORTS PRTS|PRAIRIE PR|RADIAL RADL|RAMP RAMP|RANCH RNCH|RAPID RPD|RAPIDS RPDS|REST RST|RIDGE RDG|RIDGES RDGS|RIVER RIV|ROAD RD|ROADS RDS|ROUTE RTE|ROW ROW|RUE RUE|RUN RUN|SHOAL SHL|SHOALS SHLS|SHORE SHR|SHORES SHRS|SKYWAY SKWY|SPRING SPG|SPRINGS SPGS|SPUR SPUR|SPURS SPUR|SQUARE SQ|SQUARES SQS|STATION STA|STRAVENUE STRA|STREAM STRM|STREET ST|STREETS STS|SUMMIT SMT|TERRACE TER|THROUGHWAY TRWY|TRACE TRCE|TRACK TRAK|TRAFFICWAY TRFY|TRAIL TRL|TRAILER TRLR|TUNNEL TUNL|TURNPIKE TPKE|UNDERPASS UPAS|UNION UN|UNIONS UNS|VALLEY VLY|VALLEYS VLYS|VIADUCT VIA|VIEW VW|VIEWS VWS|VILLAGE VLG|VILLAGES VLGS|VILLE VL|VISTA VIS|WALK WALK|WALKS WALK|WALL WALL|WAY WAY|WAYS WAYS|WELL WL|WELLS WLS`
  .split('|').map((p) => p.split(' ') as [string, string]));

/** Pub 28 C1 common abbreviations that campfin's scrape lost (checked against the publication). */
const C1_EXTRA: Record<string, string> = { HT: 'HTS', HTS: 'HTS', HGTS: 'HTS', INLT: 'INLT', MISSN: 'MSN', MSSN: 'MSN', TRAILS: 'TRL', TRLS: 'TRL', EXTNSN: 'EXT', HWAY: 'HWY', ISLES: 'ISLE', PLZA: 'PLZ', BYPS: 'BYP', BLVD: 'BLVD' };

/** Pub 28 C2: secondary unit designators, abbreviation and whether a range (number) must follow. */
const C2: [name: string, abbr: string, requiresId: boolean][] = [
  ['APARTMENT', 'APT', true], ['BASEMENT', 'BSMT', false], ['BUILDING', 'BLDG', true], ['DEPARTMENT', 'DEPT', true],
  ['FLOOR', 'FL', true], ['FRONT', 'FRNT', false], ['HANGER', 'HNGR', true], ['KEY', 'KEY', true], ['LOBBY', 'LBBY', false],
  ['LOT', 'LOT', true], ['LOWER', 'LOWR', false], ['OFFICE', 'OFC', false], ['PENTHOUSE', 'PH', false], ['PIER', 'PIER', true],
  ['REAR', 'REAR', false], ['ROOM', 'RM', true], ['SIDE', 'SIDE', false], ['SLIP', 'SLIP', true], ['SPACE', 'SPC', true],
  ['STOP', 'STOP', true], ['SUITE', 'STE', true], ['TRAILER', 'TRLR', true], ['UNIT', 'UNIT', true], ['UPPER', 'UPPR', false],
];
/** Traditional (pre-ZIP, GPO style) state abbreviations still seen in owner lists: "Springfield, Ill." */
const STATE_OLD: Record<string, string> = {
  ALA: 'AL', ARIZ: 'AZ', ARK: 'AR', CALIF: 'CA', CAL: 'CA', COLO: 'CO', CONN: 'CT', DEL: 'DE', FLA: 'FL', ILL: 'IL', IND: 'IN',
  KANS: 'KS', KAN: 'KS', MASS: 'MA', MICH: 'MI', MINN: 'MN', MISS: 'MS', NEBR: 'NE', NEB: 'NE', NEV: 'NV', OKLA: 'OK', ORE: 'OR',
  OREG: 'OR', PENN: 'PA', PENNA: 'PA', TENN: 'TN', TEX: 'TX', WASH: 'WA', WIS: 'WI', WISC: 'WI', WYO: 'WY',
};
const DIRECTIONALS: Record<string, string> = { NORTH: 'N', SOUTH: 'S', EAST: 'E', WEST: 'W', NORTHEAST: 'NE', NORTHWEST: 'NW', SOUTHEAST: 'SE', SOUTHWEST: 'SW' };

/** campfin's deparsed R vectors: `c("A", "B", ...)` lines, concatenated per vector. */
function readRVectors(file: string): string[][] {
  const text = fs.readFileSync(path.join(dataDir, file), 'utf8');
  return [...text.matchAll(/c\(([^)]*)\)/g)].map((m) => [...m[1]!.matchAll(/"([^"]*)"/g)].map((x) => x[1]!.toUpperCase()));
}

/** libpostal dictionary: one concept a line, `canonical|variant|...`. */
function readLibpostal(name: string): string[][] {
  const file = path.join(dataDir, 'libpostal/resources/dictionaries/en', name);
  return fs.readFileSync(file, 'utf8').split('\n').filter((l) => l.trim()).map((l) => l.split('|').map((v) => v.trim().toUpperCase()));
}

const sorted = <T>(o: Record<string, T>): Record<string, T> => Object.fromEntries(Object.entries(o).sort(([a], [b]) => a.localeCompare(b)));
// Extra spellings must be one word of 3+ letters: 1-2 letter forms (GR, RO, NO) and multi-word
// forms are too ambiguous outside USPS's own list. DENY holds words with another common meaning.
const DENY = new Set(['NORTE' /* Spanish "north", not NE */, 'OFF' /* "OFF HWY 12" */, 'COM']);
const isWord = (v: string) => /^[A-Z]{3,}$/.test(v) && !DENY.has(v);

// --- states (Pub 28 appendix B) ---
const [stateNames, stateCodes] = readRVectors('campfin/data-raw/usps_state.csv') as [string[], string[]];
if (stateNames.length !== stateCodes.length) throw new Error('usps_state.csv: vectors differ in length');
const states: Record<string, string> = {};
stateNames.forEach((n, i) => { states[n] = stateCodes[i]!; states[stateCodes[i]!] = stateCodes[i]!; });
for (const [abbr, code] of Object.entries(STATE_OLD)) if (!states[abbr] && stateCodes.includes(code)) states[abbr] = code;

// --- directionals ---
const directionals: Record<string, string> = {};
for (const [full, abbr] of Object.entries(DIRECTIONALS)) { directionals[full] = abbr; directionals[abbr] = abbr; }

// --- campfin street pairs: split into C1 suffixes, C2 designators and directionals ---
const [fulls, abbrs] = readRVectors('campfin/data-raw/usps_street.csv') as [string[], string[]];
if (fulls.length !== abbrs.length) throw new Error('usps_street.csv: vectors differ in length');
const c2ByName = new Map(C2.map(([n, a]) => [n, a]));
const suffixes: Record<string, string> = {};
for (const [name, abbr] of Object.entries(C1_PRIMARY)) { suffixes[name] = abbr; suffixes[abbr] = abbr; }
Object.assign(suffixes, C1_EXTRA);
const c1Abbrs = new Set(Object.values(C1_PRIMARY));
fulls.forEach((full, i) => {
  const abbr = abbrs[i]!;
  if (directionals[full] === abbr) return;
  if (c1Abbrs.has(full)) return; // a standard abbreviation stands for itself (Pub 28 lists MDW under MEADOW and MEADOWS)
  if (c2ByName.get(full) === abbr && !c1Abbrs.has(abbr)) return; // a unit designator, not a suffix
  if (!c1Abbrs.has(abbr)) throw new Error(`usps_street.csv: ${full} → ${abbr} is no Pub 28 C1 standard suffix`);
  if (suffixes[full] && suffixes[full] !== abbr) throw new Error(`usps_street.csv: ${full} maps to ${abbr} and ${suffixes[full]}`);
  suffixes[full] = abbr;
});

// --- unit designators (C2) ---
interface Designator { abbr: string; requiresId: boolean }
const units: Record<string, Designator> = { '#': { abbr: '#', requiresId: true } };
for (const [name, abbr, requiresId] of C2) { units[name] = { abbr, requiresId }; units[abbr] = { abbr, requiresId }; }

// --- libpostal variants: keep a spelling only when every concept that lists it agrees ---
const reserved = new Set([...Object.keys(states), ...Object.keys(directionals), ...Object.keys(units)]);
function addVariants(target: Record<string, string>, concepts: string[][], resolve: (canonical: string) => string | undefined, alsoReserved: Set<string>) {
  const seen = new Map<string, Set<string>>(); // variant → USPS forms claimed (or '?' for a non-USPS concept)
  for (const [canonical, ...variants] of concepts) {
    const usps = resolve(canonical!) ?? '?';
    for (const v of [canonical!, ...variants]) { const s = seen.get(v) ?? new Set(); s.add(usps); seen.set(v, s); }
  }
  let added = 0;
  for (const [v, claims] of seen) {
    if (claims.size !== 1 || claims.has('?') || !isWord(v) || target[v] || alsoReserved.has(v)) continue;
    target[v] = [...claims][0]!;
    added++;
  }
  return added;
}
const streetConcepts = readLibpostal('street_types.txt');
const suffixAdded = addVariants(suffixes, streetConcepts, (c) => suffixes[c], reserved);

const unitAbbr: Record<string, string> = {};
const unitConcepts = [...readLibpostal('unit_types_numbered.txt'), ...readLibpostal('unit_types_standalone.txt'), ...readLibpostal('level_types_numbered.txt')];
const streetWords = new Set(Object.keys(suffixes));
const unitAdded = addVariants(unitAbbr, unitConcepts, (c) => units[c]?.abbr, new Set([...Object.keys(states), ...Object.keys(directionals), ...streetWords]));
for (const [v, abbr] of Object.entries(unitAbbr)) if (!units[v]) units[v] = { abbr, requiresId: units[abbr]!.requiresId };

const dirAbbr: Record<string, string> = {};
const dirAdded = addVariants(dirAbbr, readLibpostal('directionals.txt'), (c) => directionals[c], new Set([...Object.keys(states), ...streetWords, ...Object.keys(units)]));
Object.assign(directionals, dirAbbr);

// --- spelled ordinals, 1ST..99TH: street names like "Twenty Third" become "23RD" ---
const ONES = ['', 'FIRST', 'SECOND', 'THIRD', 'FOURTH', 'FIFTH', 'SIXTH', 'SEVENTH', 'EIGHTH', 'NINTH'];
const TEENS = ['TENTH', 'ELEVENTH', 'TWELFTH', 'THIRTEENTH', 'FOURTEENTH', 'FIFTEENTH', 'SIXTEENTH', 'SEVENTEENTH', 'EIGHTEENTH', 'NINETEENTH'];
const TENS = ['', '', 'TWENTY', 'THIRTY', 'FORTY', 'FIFTY', 'SIXTY', 'SEVENTY', 'EIGHTY', 'NINETY'];
const TENTHS = ['', '', 'TWENTIETH', 'THIRTIETH', 'FORTIETH', 'FIFTIETH', 'SIXTIETH', 'SEVENTIETH', 'EIGHTIETH', 'NINETIETH'];
const ordinals: Record<string, number> = {};
const tens: Record<string, number> = {};
ONES.forEach((w, i) => { if (w) ordinals[w] = i; });
TEENS.forEach((w, i) => { ordinals[w] = 10 + i; });
for (let t = 2; t <= 9; t++) {
  ordinals[TENTHS[t]!] = t * 10;
  tens[TENS[t]!] = t * 10; // "TWENTY" + "THIRD", written as two words or with a hyphen
  for (let o = 1; o <= 9; o++) ordinals[TENS[t]! + ONES[o]!] = t * 10 + o; // "TWENTYTHIRD"
}

function write(name: string, about: string, key: string, value: unknown, extra: Record<string, unknown> = {}) {
  const body = { _about: about, ...extra, [key]: value };
  fs.writeFileSync(path.join(outDir, name), JSON.stringify(body, null, 1) + '\n');
}
fs.mkdirSync(outDir, { recursive: true });
const gen = 'Generated by scripts/build-usps-tables.ts; do not edit by hand.';
write('street-suffixes.json', `${gen} USPS Publication 28 appendix C1: every street suffix name and common abbreviation → the Postal Service standard abbreviation. From campfin (CC BY 4.0, Investigative Reporting Workshop) and Pub 28; extra unambiguous spellings from libpostal (MIT, (c) 2015 openvenues).`, 'suffixes', sorted(suffixes));
write('unit-designators.json', `${gen} USPS Publication 28 appendix C2 secondary unit designators → standard abbreviation, and whether an id must follow. '#' is the designator USPS uses when the type is unknown. Extra spellings from libpostal (MIT).`, 'designators', sorted(units));
write('directionals.json', `${gen} USPS Publication 28 directionals → one- or two-letter abbreviation. Extra spellings from libpostal (MIT).`, 'directionals', sorted(directionals));
write('states.json', `${gen} USPS Publication 28 appendix B state and possession names and codes → code, from campfin (CC BY 4.0, Investigative Reporting Workshop), plus traditional abbreviations (ILL, CALIF, ...).`, 'states', sorted(states));
write('ordinals.json', `${gen} Spelled ordinals 1st-99th for street names: one-word forms → number; 'tens' are the words that combine with a following FIRST..NINTH.`, 'ordinals', ordinals, { tens });
console.log(`suffixes ${Object.keys(suffixes).length} (+${suffixAdded} libpostal), designators ${Object.keys(units).length} (+${unitAdded}), directionals ${Object.keys(directionals).length} (+${dirAdded}), states ${Object.keys(states).length}, ordinals ${Object.keys(ordinals).length}`);
