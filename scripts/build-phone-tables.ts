// npx tsx scripts/build-phone-tables.ts [dataDir]
// Regenerates src/domain/compliance/tables/area-codes.json: for each US area code, its state and
// every time zone it spans, what the compliance gate needs to locate a number (COMPLIANCE.md §0,
// §2). The JSON output is committed: the runtime never reads the source data below.
//
// Sources (dataDir defaults to ../shared/data/phones/libphonenumber, see shared/data/README.md §4;
// Apache-2.0, Google's libphonenumber):
// - resources/timezones/map_data.txt: `prefix|zone[&zone]`; an area code's zones are the union
//   of its own line and of every longer prefix (NPA-NXX overrides) under it, so a split area code
//   carries every zone it spans.
// - resources/geocoding/en/1.txt: `1NPA|State name` for the area code's state.
// COMPLIANCE.md TZ4 lists split area codes (LiveVox); where libphonenumber gives fewer zones for
// one of them, the missing zone is added below (the union is the most restrictive window).
import fs from 'node:fs';
import path from 'node:path';

const dataDir = path.resolve(process.argv[2] ?? new URL('../../shared/data/phones/libphonenumber', import.meta.url).pathname);
const out = new URL('../src/domain/compliance/tables/area-codes.json', import.meta.url).pathname;
const states = (JSON.parse(fs.readFileSync(new URL('../src/domain/identity/tables/states.json', import.meta.url), 'utf8')) as { states: Record<string, string> }).states;

/** COMPLIANCE.md TZ4: the zones LiveVox gives these split area codes. */
const SPLIT: Record<string, string[]> = {
  850: ['America/New_York', 'America/Chicago'], 219: ['America/Chicago', 'America/Indiana/Indianapolis'], 574: ['America/Chicago', 'America/Indiana/Indianapolis'],
  812: ['America/Chicago', 'America/Indiana/Indianapolis'], 930: ['America/Chicago', 'America/Indiana/Indianapolis'], 620: ['America/Chicago', 'America/Denver'],
  785: ['America/Chicago', 'America/Denver'], 270: ['America/Chicago', 'America/New_York'], 606: ['America/Chicago', 'America/New_York'],
  906: ['America/Chicago', 'America/Detroit'], 947: ['America/Chicago', 'America/Detroit'], 679: ['America/Chicago', 'America/Detroit'],
  701: ['America/Chicago', 'America/Denver'], 308: ['America/Chicago', 'America/Denver'], 402: ['America/Chicago', 'America/Denver'],
  531: ['America/Chicago', 'America/Denver'], 458: ['America/Los_Angeles', 'America/Boise'], 541: ['America/Los_Angeles', 'America/Boise'],
  605: ['America/Chicago', 'America/Denver'], 423: ['America/New_York', 'America/Chicago'], 432: ['America/Chicago', 'America/Denver'],
  915: ['America/Chicago', 'America/Denver'], 208: ['America/Denver', 'America/Los_Angeles'],
};

const zones = new Map<string, Set<string>>();
for (const line of fs.readFileSync(path.join(dataDir, 'resources/timezones/map_data.txt'), 'utf8').split('\n')) {
  const m = /^1(\d{3})\d*\|(.+)$/.exec(line.trim());
  if (!m) continue;
  const set = zones.get(m[1]!) ?? new Set<string>();
  for (const z of m[2]!.split('&')) set.add(z);
  zones.set(m[1]!, set);
}
for (const [code, extra] of Object.entries(SPLIT)) for (const z of extra) (zones.get(code) ?? zones.set(code, new Set()).get(code)!).add(z);

// the area code's own line names its state; without one, the state most of its exchanges name
const votes = new Map<string, Map<string, number>>();
const own = new Map<string, string>();
for (const line of fs.readFileSync(path.join(dataDir, 'resources/geocoding/en/1.txt'), 'utf8').split('\n')) {
  // 'New Jersey', 'New York, NY' (a city's line, with its state), 'Washington D.C.'
  const m = /^1(\d{3})(\d*)\|(.+)$/.exec(line.trim());
  if (!m) continue;
  const name = m[3]!.toUpperCase().replace(/^WASHINGTON D\.C\.$/, 'DC');
  const code = states[name] ?? states[/, ([A-Z]{2})$/.exec(name)?.[1] ?? ''];
  if (!code || !/^[A-Z]{2}$/.test(code)) continue;
  if (!m[2]) own.set(m[1]!, code);
  const v = votes.get(m[1]!) ?? new Map<string, number>();
  v.set(code, (v.get(code) ?? 0) + 1);
  votes.set(m[1]!, v);
}
/** Area codes libphonenumber's geocoding does not place: newer overlays, and the territories. */
const PLACED: Record<string, string> = { 564: 'WA', 679: 'MI', 787: 'PR', 939: 'PR', 670: 'MP', 671: 'GU', 684: 'AS' };
const stateOf = new Map<string, string>(Object.entries(PLACED));
for (const [npa, v] of votes) if (!stateOf.has(npa)) stateOf.set(npa, own.get(npa) ?? [...v].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0]![0]);

const table: Record<string, { state: string | null; zones: string[] }> = {};
for (const code of [...new Set([...zones.keys(), ...stateOf.keys()])].sort()) {
  // US and its territories only: a NANP area code with a US state or a US zone
  const z = [...(zones.get(code) ?? [])].sort();
  if (z.some((x) => /^America\/(Halifax|St_Johns|Toronto|Vancouver|Winnipeg|Edmonton|Regina|Montreal)/.test(x))) continue; // Canada
  if (!stateOf.has(code) && !z.some((x) => /^America\/(New_York|Chicago|Denver|Phoenix|Los_Angeles|Anchorage|Adak|Boise|Detroit|Indiana|Kentucky|North_Dakota|Puerto_Rico|St_Thomas)|^Pacific\/(Honolulu|Guam|Saipan|Pago_Pago)/.test(x))) continue;
  table[code] = { state: stateOf.get(code) ?? null, zones: z };
}
fs.writeFileSync(out, JSON.stringify({
  _about: 'Generated by scripts/build-phone-tables.ts; do not edit by hand. US area code → state and every IANA zone it spans, from libphonenumber (Apache-2.0) plus COMPLIANCE.md TZ4.',
  area_codes: table,
}, null, 1) + '\n');
process.stdout.write(`${Object.keys(table).length} area codes → ${out}\n`);
