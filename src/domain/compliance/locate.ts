import table from './tables/area-codes.json' with { type: 'json' };

// Where a phone number's area code puts its owner, for the compliance gate (COMPLIANCE.md §0.2,
// §0.3, §2): the area code's state (state laws presume a number with their area code is in the
// state) and every time zone the area code spans (a split area code is dialed only when every
// one of its zones allows it). A proxy, not a location: the gate adds the owner's mailing ZIP.

export interface AreaCodeLocation {
  areaCode: string;
  state: string;
  zones: string[];
}

const AREA_CODES = table.area_codes as Record<string, { state: string | null; zones: string[] }>;

/** The US area code of an E.164 number (+1NPA...), or null for another country or a non-geographic code. */
export function locateByAreaCode(e164: string): AreaCodeLocation | null {
  const m = /^\+1([2-9]\d{2})[2-9]\d{6}$/.exec(e164);
  const row = m ? AREA_CODES[m[1]!] : undefined;
  return row?.state ? { areaCode: m![1]!, state: row.state, zones: row.zones } : null;
}
