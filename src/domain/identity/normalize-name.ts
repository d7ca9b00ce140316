// Owner names from owner lists and county rolls, split for display and keyed for dedup.
// - Forms: "LAST, FIRST M" (a comma means surname first) and "FIRST M LAST" (no comma). County rolls
//   write "LAST FIRST M" without a comma; we read that order only on a clear sign: a final initial
//   ("KAPLAN RUTH B") or a lone spouse name after '&' ("EARLS WILLIS & DOROTHY"). Otherwise two
//   words are FIRST LAST: map separate first/last columns when a list has them.
// - Care-of and address fragments are cut before parsing: "% FRANK MALONEY", "C/O ...", "ATTN ...",
//   "APT 1402"; fullName keeps the whole text.
// - Two owners: "JOHN & MARY SMITH" and "SMITH, JOHN & MARY" give the first owner, John Smith;
//   "JOHN SMITH & MARY JONES" gives John Smith. fullName always keeps the whole text.
// - Generational and professional suffixes (JR, SR, II, III, IV, ESQ, MD ...) never become a
//   last name; titles (MR, MRS, DR ...) never become a first name.
// - Entities (LLC, INC, TRUST, ESTATE OF, CITY OF, FEDERAL NATIONAL MORTGAGE ...) are companies:
//   isCompany, companyName = the cleaned upper-case name, and no first/middle/last.
// - Person names are proper-cased: "O'BRIEN" → "O'Brien", "MCDONALD" → "McDonald".

export interface OwnerName {
  firstName: string | null; middleName: string | null; lastName: string | null;
  fullName: string; companyName: string | null; isCompany: boolean;
}

const MAX_NAME = 300;
/** Whole words that make a name an organisation wherever they stand. */
const ENTITY_WORDS = new Set([
  'LLC', 'PLLC', 'LLLP', 'LC', 'INC', 'INCORPORATED', 'CORP', 'CORPORATION', 'COMPANY', 'COMPANIES', 'TRUST', 'TRUSTS',
  'TR', 'TRS', 'TRUSTEE', 'TRUSTEES', 'TTEE', 'TTEES', 'ESTATE', 'LP', 'LLP', 'LTD', 'LIMITED', 'PLC', 'BANCORP',
  'HOLDINGS', 'HOLDING', 'PROPERTIES', 'INVESTMENTS', 'INVESTMENT', 'INVESTORS', 'PARTNERS', 'PARTNERSHIP',
  'MINISTRIES', 'CONGREGATION', 'COUNTY', 'ASSOCIATION', 'ASSN', 'ASSOC', 'FOUNDATION', 'FUND', 'GROUP', 'ENTERPRISES',
  'VENTURES', 'CAPITAL', 'REALTY', 'DEVELOPMENT', 'MANAGEMENT', 'MGMT', 'SERVICES', 'AUTHORITY', 'DISTRICT',
  'UNIVERSITY', 'COLLEGE', 'HOSPITAL', 'CONDOMINIUM', 'CONDOMINIUMS', 'HOA', 'APARTMENTS', 'RENTALS', 'MORTGAGE',
  'FINANCIAL', 'SAVINGS', 'FSB', 'REIT', 'COOPERATIVE', 'DEPARTMENT', 'GOVERNMENT', 'FNMA', 'FHLMC', 'HUD',
  'REVOCABLE', 'IRREVOCABLE', 'DBA', 'SOCIETY', 'BAPTIST', 'METHODIST', 'LUTHERAN', 'PRESBYTERIAN', 'EPISCOPAL',
]);
/** Words that are also surnames (John Church, Ann Bank): an entity only beside other words, not as a surname. */
const WEAK_ENTITY_WORDS = new Set(['CHURCH', 'BANK', 'CO', 'EST', 'HOMES', 'CREDIT', 'UNION', 'NATIONAL', 'FEDERAL']);
/** Word pairs that make an organisation: "CITY OF", "EST OF", "FEDERAL NATIONAL (MORTGAGE)". */
const ENTITY_PAIRS = new Set(['EST OF', 'ESTATE OF', 'CITY OF', 'COUNTY OF', 'STATE OF', 'TOWN OF', 'VILLAGE OF', 'TOWNSHIP OF',
  'BOARD OF', 'HEIRS OF', 'SECRETARY OF', 'UNITED STATES', 'FEDERAL NATIONAL', 'FEDERAL HOME', 'HOUSING AUTHORITY',
  'CREDIT UNION', 'NATIONAL BANK', 'FEDERAL BANK', 'SAVINGS BANK', 'STATE BANK', 'NATIONAL ASSOCIATION', 'FANNIE MAE',
  'FREDDIE MAC', 'OF GOD', 'OF CHRIST']);
const SUFFIXES = new Set(['JR', 'SR', 'II', 'III', 'IV', 'ESQ', 'MD', 'PHD', 'DDS', 'DVM', 'CPA', '2ND', '3RD']);
const TITLES = new Set(['MR', 'MRS', 'MS', 'MISS', 'DR', 'REV', 'HON']);
const AND = new Set(['&', 'AND', '/', '+']);
/** Surname particles kept with the last name: "JUAN DE LA CRUZ" → De La Cruz. */
const PARTICLES = new Set(['DE', 'DEL', 'DELA', 'DER', 'DI', 'DA', 'DU', 'LA', 'LE', 'VAN', 'VON', 'ST', 'MAC', 'BIN', 'AL']);
const KEEP_UPPER = new Set(['II', 'III', 'IV']);

const NON_ASCII = /[^\x00-\x7f]/;
const COMBINING = /[\u0300-\u036f]/g;
const JUNK = /[^\p{L}\p{N}&,'\-/+% ]+/gu; // periods go: "L.L.C." → "LLC", "JOHN A." → "JOHN A"
const SPACES = /\s+/g;
const WORD_SPLIT = /\s+|(?=[&,/+%])|(?<=[&,/+%])/; // "JOHN&MARY" → JOHN & MARY
const HAS_DIGIT = /\d/;
const UNIT_WORDS = new Set(['APT', 'UNIT', 'STE', 'SUITE']);
const HAS_ALNUM = /[\p{L}\p{N}]/u;
const MC = /^MC(?=\p{L}{2})/u;
const KEY_JUNK = /[^A-Z0-9& ]+/g;
const LEADING_THE = /^THE /;
const EDGE_COMMAS = /^,+ ?|,+$/g;
const CURLY_APOSTROPHE = /\u2019/g;

/** Upper case, periods dropped, single spaces. Accents stay: "José Peña" is shown as written. */
function clean(raw: string | null | undefined): string {
  if (typeof raw !== 'string' || raw === '') return '';
  let s = raw.length > MAX_NAME ? raw.slice(0, MAX_NAME) : raw;
  if (NON_ASCII.test(s)) s = s.normalize('NFC');
  return s.replace(CURLY_APOSTROPHE, "'").toUpperCase().replace(JUNK, '').replace(SPACES, ' ').trim();
}

const words = (s: string) => s.split(WORD_SPLIT).filter((w) => w !== '');

/** The name proper: edge commas dropped, cut at a care-of ("%", "C/O", "ATTN") or a unit ("APT 1402"). */
function nameWords(ws: readonly string[]): string[] {
  let end = ws.length;
  for (let i = 1; i < ws.length && end === ws.length; i++) {
    const w = ws[i]!;
    if (w === '%' || w === 'ATTN' || (w === 'C' && ws[i + 1] === '/' && ws[i + 2] === 'O') || (UNIT_WORDS.has(w) && HAS_DIGIT.test(ws[i + 1] ?? ''))) end = i;
  }
  let start = 0;
  while (start < end && ws[start] === ',') start++;
  while (end > start && (ws[end - 1] === ',' || AND.has(ws[end - 1]!))) end--;
  return ws.slice(start, end);
}

function isCompanyName(ws: readonly string[]): boolean {
  const people = ws.filter((w) => w !== ',' && !AND.has(w));
  // Surname-like words count beside ≥ 2 other words, unless the name looks personal: an initial,
  // a comma ("CHURCH, JOHN") or two owners ("JOHN & MARY CHURCH").
  const personal = people.some((w) => w.length === 1) || people.length !== ws.length;
  for (let i = 0; i < ws.length; i++) {
    const w = ws[i]!;
    if (ENTITY_WORDS.has(w) || (i + 1 < ws.length && ENTITY_PAIRS.has(`${w} ${ws[i + 1]}`))) return true;
    // "FIRST BAPTIST CHURCH", "SMITH & CO", "ACME CO", "SMITH JOHN EST" yes; "JOHN CHURCH", "ROBERT A CHURCH" no.
    if (!WEAK_ENTITY_WORDS.has(w) || i === 0) continue;
    if (ws[i - 1] === '&' || ((w === 'EST' || w === 'CO') && i === ws.length - 1) || (people.length >= 3 && !personal)) return true;
  }
  return false;
}

/** "O'BRIEN" → "O'Brien", "MCDONALD" → "McDonald", "SMITH-JONES" → "Smith-Jones", "III" stays. */
export function properCase(word: string): string {
  if (KEEP_UPPER.has(word) || word.length === 1) return word;
  const mc = MC.test(word);
  const base = mc ? word.slice(2) : word;
  let out = '', start = true;
  for (const ch of base) {
    out += start ? ch : ch.toLowerCase();
    start = ch === "'" || ch === '-' || ch === ' ';
  }
  return mc ? `Mc${out}` : out;
}

const nameOf = (ws: readonly string[]) => (ws.length ? ws.map(properCase).join(' ') : null);
const strip = (ws: readonly string[]) => ws.filter((w) => !SUFFIXES.has(w) && w !== ',');

/** "FIRST [MIDDLE...] LAST" words (no suffixes) → parts. */
function splitForward(ws: readonly string[]): [first: string[], middle: string[], last: string[]] {
  if (ws.length === 1) return [[], [], [...ws]];
  let lastStart = ws.length - 1;
  while (lastStart > 1 && PARTICLES.has(ws[lastStart - 1]!)) lastStart--;
  return [ws.slice(0, 1), ws.slice(1, lastStart), ws.slice(lastStart)];
}

const initialLast = (xs: readonly string[]) => xs.length > 1 && xs[xs.length - 1]!.length === 1;

/** Person name words → first/middle/last of the first owner. */
function splitPerson(all: readonly string[]): [first: string[], middle: string[], last: string[]] {
  let ws = all.filter((w, i) => !(i === 0 && TITLES.has(w)));
  const comma = ws.indexOf(',');
  if (comma > 0) { // "SMITH, JOHN A & MARY B"
    const last = strip(ws.slice(0, comma));
    const given = strip(ws.slice(comma + 1).filter((w, i) => !(i === 0 && TITLES.has(w))));
    const and = given.findIndex((w) => AND.has(w));
    const mine = and >= 0 ? given.slice(0, and) : given;
    return [mine.slice(0, 1), mine.slice(1), last];
  }
  ws = strip(ws);
  const and = ws.findIndex((w) => AND.has(w));
  const a = and < 0 ? ws : ws.slice(0, and), b = and < 0 ? [] : ws.slice(and + 1).filter((w, i) => !(i === 0 && TITLES.has(w)));
  // "ROBERT D & LENORA MARTINEZ", "JOHN A & MARY B SMITH": the couple shares the surname at the end.
  if (a.length === 2 && initialLast(a) && b.length >= 2 && !initialLast(b)) return [a.slice(0, 1), a.slice(1), b.slice(-1)];
  // County-roll order "LAST FIRST M": "KAPLAN RUTH B", "EARLS WILLIS & DOROTHY", "WAISMAN DONALD ALAN & BARBARA L".
  if (a.length >= 2 && a[0]!.length > 1 && (initialLast(a) || (a.length === 2 && b.length === 1) || (b.length === 2 && initialLast(b)))) {
    return [a.slice(1, 2), a.slice(2), a.slice(0, 1)];
  }
  if (and < 0) return splitForward(ws);
  if (a.length === 1 && b.length >= 2) return [a, [], splitForward(b)[2]]; // "JOHN & MARY SMITH": shared surname
  if (a.length === 0) return splitForward(b);
  return a.length === 1 ? [a, [], []] : splitForward(a); // "JOHN & MARY" / "JOHN SMITH & MARY JONES"
}

export function normalizeOwnerName(input: { full?: string | null; first?: string | null; middle?: string | null; last?: string | null }): OwnerName | null {
  const full = clean(input.full), first = clean(input.first), middle = clean(input.middle), last = clean(input.last);
  const columns = [first, middle, last].filter(Boolean).join(' ');
  const text = full || columns;
  if (!HAS_ALNUM.test(text)) return null;
  const all = words(text), ws = nameWords(all);
  if (ws.length === 0) return null;
  const wholeText = all.filter((w) => w !== ',').join(' ');
  if (isCompanyName(ws) || (columns !== '' && columns !== text && isCompanyName(words(columns)))) {
    return { firstName: null, middleName: null, lastName: null, fullName: wholeText, companyName: ws.filter((w) => w !== ',').join(' '), isCompany: true };
  }
  let parts: [string[], string[], string[]];
  if (first || last) { // separate columns win over splitting the whole text
    const f = strip(words(first).filter((w, i) => !(i === 0 && TITLES.has(w))));
    const and = f.findIndex((w) => AND.has(w));
    const given = and >= 0 ? f.slice(0, and) : f; // "JOHN & MARY" in the first-name column
    parts = [given.slice(0, 1), middle ? strip(words(middle)) : given.slice(1), strip(words(last))];
    if (parts[2].length === 0 && parts[1].length === 0 && given.length === 0) parts = splitPerson(ws);
  } else {
    parts = splitPerson(ws);
  }
  const fullName = all.map((w) => (w === ',' ? ',' : properCase(w))).join(' ').replaceAll(' ,', ',').replace(EDGE_COMMAS, '');
  return { firstName: nameOf(parts[0]), middleName: nameOf(parts[1]), lastName: nameOf(parts[2]), fullName, companyName: null, isCompany: false };
}

/**
 * Upper-case comparison key for "is this the same owner?": a company's cleaned name without a
 * leading THE, or a person's "FIRST LAST" (middle names, initials and suffixes dropped).
 */
export function nameKey(name: OwnerName): string {
  if (name.isCompany && name.companyName) return keyText(name.companyName).replace(LEADING_THE, '');
  return keyText([name.firstName, name.lastName].filter(Boolean).join(' ') || name.fullName);
}

/** Accents folded for the key only: "JOSE PENA" and "JOSÉ PEÑA" are the same owner. */
function keyText(s: string): string {
  const folded = NON_ASCII.test(s) ? s.normalize('NFKD').replace(COMBINING, '') : s;
  return folded.toUpperCase().replace(KEY_JUNK, '').replace(SPACES, ' ').trim();
}
