// CSV that is safe to open in a spreadsheet. Exports and rejected-row reports carry text that came
// from owner lists and skip-trace vendors, so a cell like `=HYPERLINK("http://evil","Click")` or
// `@SUM(1+1)*cmd|' /C calc'!A0` must not reach Excel or Sheets as a formula.
//
// Rule (OWASP "CSV Injection"): a cell starting with = @ tab or CR gets a leading `'`, which
// spreadsheets show as text and hide. A cell starting with + or - gets it too, unless the whole
// cell is made of digits, spaces, dots, parentheses and dashes after the sign: `-12.5`,
// `+15125550100` and `+1 (512) 555-0100` stay as they are, because prefixing every negative
// amount and E.164 phone would corrupt the data people export most, and with no letters a formula
// can reference no cell and call no function. Header names get the same treatment.
//
// Quoting is csv-stringify's: a field is quoted when it holds the delimiter, a quote, CR or LF.
// Lines end with CRLF (RFC 4180, and what Excel writes); `bom` adds the UTF-8 BOM Excel needs to
// read accents right when the file is opened by double-click.

import { stringify } from 'csv-stringify/sync';

const FORMULA_START = /^[=@\t\r]/;
const SIGNED = /^[+-]/;
const PLAIN_NUMBER = /^[+-][0-9. ()-]*$/;

export function safeCell(value: unknown): string {
  if (typeof value === 'number' || typeof value === 'bigint') return String(value); // `-1e-7` is no formula
  const text = cellText(value);
  if (FORMULA_START.test(text) || (SIGNED.test(text) && !PLAIN_NUMBER.test(text))) return `'${text}`;
  return text;
}

function cellText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? '' : value.toISOString();
  if (Array.isArray(value)) return value.map(cellText).join(', ');
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

// csv-stringify quotes on the record delimiter (CRLF) but not on a lone LF or CR, which every
// reader, ours included, takes as the end of the row.
const options = (bom: boolean) => ({ record_delimiter: 'windows' as const, quoted_match: /[\r\n]/, bom });

/** The whole file as one string; for reports small enough to hold. */
export function toCsv(header: string[], rows: unknown[][], opts: { bom?: boolean } = {}): string {
  return stringify([header, ...rows].map((row) => row.map(safeCell)), options(opts.bom ?? false));
}

/** One string per line, CRLF included, header first; for exports too large to hold. */
export async function* csvLines(header: string[], rows: AsyncIterable<unknown[]>, opts: { bom?: boolean } = {}): AsyncIterable<string> {
  yield stringify([header.map(safeCell)], options(opts.bom ?? false));
  const plain = options(false);
  for await (const row of rows) yield stringify([row.map(safeCell)], plain);
}
