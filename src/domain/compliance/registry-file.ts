import type { Readable } from 'node:stream';
import { locateByAreaCode } from './locate.ts';

// The FTC's registry downloads (telemarketer SAN access, "full list" as a flat text file): one
// registered number per line as `AAA,NNNNNNN` (area code, comma, seven digits). A bare 10-digit
// number or an E.164 number (+1 and ten digits) is taken too, for lists that come from
// elsewhere. A bad line is reported with its number and reason and the lines around it still
// land. A change list (records of several fields: number, added or deleted, date) is not a copy
// of the registry: loaded as one, every number it does not repeat would leave the copy, so it is
// recognized and refused as a whole (RegistryLine 'change').

export type RegistryLine =
  | { kind: 'number'; line: number; phone: number; areaCode: number }
  | { kind: 'bad'; line: number; reason: string }
  | { kind: 'change'; line: number };

const FULL = /^(\d{3})\s*,\s*(\d{7})$/;
const BARE = /^(?:\+1)?(\d{10})$/;

/** A US geographic area code (one with a state in the gate's area-code table). */
export function isUsAreaCode(code: number): boolean {
  return code >= 200 && code <= 999 && locateByAreaCode(`+1${code}2000000`) !== null;
}

/** One line of a registry file, blank lines aside (the caller skips them). */
export function parseRegistryLine(text: string, line: number): RegistryLine {
  const t = text.trim().replace(/^"|"$/g, '');
  const m = FULL.exec(t) ?? BARE.exec(t);
  if (!m) {
    return t.split(',').length > 2
      ? { kind: 'change', line }
      : { kind: 'bad', line, reason: `not a number: expected AAA,NNNNNNN, 10 digits or +1 and 10 digits, got '${t.slice(0, 40)}'` };
  }
  const digits = m[2] ? `${m[1]}${m[2]}` : m[1]!;
  const areaCode = Number(digits.slice(0, 3));
  if (!isUsAreaCode(areaCode)) return { kind: 'bad', line, reason: `area code ${digits.slice(0, 3)} is not a US area code` };
  if (!/^[2-9]/.test(digits.slice(3))) return { kind: 'bad', line, reason: `exchange ${digits.slice(3, 6)} cannot start with 0 or 1` };
  return { kind: 'number', line, phone: Number(digits), areaCode };
}

/** The gate's freshness rule (gate.ts; COMPLIANCE.md §3.1): no copy, or one downloaded more than 31 days before the touch, is no scrub. */
export const isRegistryStale = (asOf: Date | null, at: Date) => !asOf || at.getTime() - asOf.getTime() > 31 * 86_400_000;

/** A 'YYYY-MM-DD' download day as an instant: its midnight UTC, the earliest reading of it (the 31 days run from there). */
export const asOfInstant = (day: string) => new Date(`${day}T00:00:00Z`);

/** A 10-digit US number from its E.164 form (+1 and ten digits), or null. */
export function registryNumberOf(e164: string): number | null {
  const m = /^\+1([2-9]\d{2}[2-9]\d{6})$/.exec(e164);
  return m ? Number(m[1]) : null;
}

/** The lines of a text stream with their numbers (1-based), and the bytes read so far. */
export async function* readLines(input: Readable, onBytes?: (bytes: number) => void): AsyncGenerator<{ line: number; text: string }> {
  let carry = '';
  let line = 0;
  let bytes = 0;
  let first = true;
  for await (const chunk of input) {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    if (first) {
      first = false;
      // a zip archive (the FTC serves its files zipped) reads as garbage line by line
      if (buf.subarray(0, 4).equals(Buffer.from('PK\x03\x04', 'latin1'))) throw new RegistryFileError('the file is a zip archive: unzip it and load the text file inside');
    }
    bytes += buf.length;
    // a line ends at LF (CRLF too: trim() drops the CR), so an end split across chunks counts once
    const parts = (carry + buf.toString('latin1')).split('\n');
    carry = parts.pop()!;
    for (const text of parts) yield { line: ++line, text };
    onBytes?.(bytes);
  }
  if (carry) yield { line: ++line, text: carry };
}

export class RegistryFileError extends Error {}
