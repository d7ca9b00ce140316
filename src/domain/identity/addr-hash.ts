import crypto from 'node:crypto';
import unitData from './tables/unit-designators.json' with { type: 'json' };
import suffixData from './tables/street-suffixes.json' with { type: 'json' };

// A parcel's address key (Equity Connect's compute_addr_hash): SHA-256 over the normalized
// line 1 (unit included), city, state and ZIP5, joined with '|'. Callers pass parts already
// normalized (normalize-address.ts); a missing part is ''.
//
// One rule for units, applied here so every caller keys alike: the unit TYPE is not part of the
// key, only its id. Owner lists write the same door as "APT 4", "UNIT 4", "STE 4" or "# 4"
// (USPS itself uses '#' when the designator is unknown), so each trailing "<designator> <id>"
// pair of line 1 is keyed as "# <id>": "123 N MAIN ST APT 4" and "123 N MAIN ST # 4" hash equal.
// A designator without an id ("REAR", "BSMT") stays as written.

const DESIGNATORS: ReadonlySet<string> = new Set(Object.keys(unitData.designators));
const STREET_WORDS: ReadonlySet<string> = new Set(Object.keys(suffixData.suffixes));
const SPACES = /\s+/g;
const UNTIDY = /\s\s|[\t\n\r]/;
const HAS_DIGIT = /\d/;

/** Upper case, trimmed, single spaces; the regex runs only when there is something to collapse. */
function tidy(s: string): string {
  const u = s.trim().toUpperCase();
  return UNTIDY.test(u) ? u.replace(SPACES, ' ') : u;
}

/** An id after a designator: has a digit ("4", "A230"), or is short and no street word ("B", "PH"). */
function looksLikeUnitId(tok: string): boolean {
  return HAS_DIGIT.test(tok) || (tok.length <= 3 && !DESIGNATORS.has(tok) && !STREET_WORDS.has(tok));
}

/** Line 1 as keyed: upper case, single spaces, trailing unit designators replaced by '#'. */
export function addrKeyLine(line1: string): string {
  const line = tidy(line1);
  // Fast path, most lines: the next-to-last word is no designator.
  const s2 = line.lastIndexOf(' '), s1 = s2 > 0 ? line.lastIndexOf(' ', s2 - 1) : -1;
  if (s1 < 0 || !DESIGNATORS.has(line.slice(s1 + 1, s2))) return line;
  const toks = line.split(' ');
  // Walk back over "<designator> <id>" pairs ("BLDG 4 UNIT 150"), keeping a number and a name.
  for (let end = toks.length; end - 2 >= 2; end -= 2) {
    const type = toks[end - 2]!;
    if (!DESIGNATORS.has(type) || !looksLikeUnitId(toks[end - 1]!)) break;
    toks[end - 2] = '#';
  }
  return toks.join(' ');
}

export function computeAddrHash(line1: string, city: string, state: string, zip5: string): Buffer {
  const key = `${addrKeyLine(line1)}|${tidy(city)}|${tidy(state)}|${tidy(zip5)}`;
  return crypto.hash('sha256', key, 'buffer');
}
