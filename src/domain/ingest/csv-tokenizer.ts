// The record tokenizer of read-csv.ts: splits decoded text into records and checks each against
// the header (column count, field size). The policies it follows are described at the top of
// read-csv.ts, which sniffs the format, decodes the bytes and feeds the text in here.

import type { CsvRow, CsvRowError } from './read-csv.ts';

/** A problem with the whole file: empty, binary, not CSV, or a row too large to get past. */
export class CsvFileError extends Error {
  constructor(
    message: string,
    readonly line: number | null = null,
  ) {
    super(message);
    this.name = 'CsvFileError';
  }
}

const RAW_CAP = 2_000;
const QUOTE = 34;

export const fmt = (n: number) => n.toLocaleString('en-US');
const plural = (n: number, word: string) => `${fmt(n)} ${word}${n === 1 ? '' : 's'}`;

/** Splits decoded text into records, keeping an unfinished record until the next push. */
export class Tokenizer {
  columns: string[] | null = null;
  readonly warnings: string[] = [];
  readonly delimiter: string;
  private readonly eol: string;
  private line = 1; // where the next record starts
  private parts: string[] = [];
  private partsLength = 0;
  private wanted = 0;
  private ended = false;
  // Next index of a quote, delimiter and line end at or after the cursor in `s`, or -1 for none.
  // Kept across records so that a file with no delimiter or no quote is still scanned once.
  private s = '';
  private qAt = -1;
  private dAt = -1;
  private eAt = -1;

  constructor(
    format: { delimiter: string; eol: string },
    private readonly maxFieldSize: number,
    private readonly recordLimit: number,
  ) {
    ({ delimiter: this.delimiter, eol: this.eol } = format);
  }

  push(text: string, final: boolean): (CsvRow | CsvRowError)[] {
    const out: (CsvRow | CsvRowError)[] = [];
    if (this.ended) return out;
    if (text !== '') {
      this.parts.push(text);
      this.partsLength += text.length;
    }
    // A record longer than what is held is retried only once the text has doubled (or passed the
    // limit), so a long record costs linear time, not a rescan per chunk.
    if (!final && this.partsLength < this.wanted && this.partsLength <= this.recordLimit) return out;
    const s = (this.s = this.parts.length === 1 ? this.parts[0]! : this.parts.join(''));
    const { delimiter, eol } = this;
    const stripCr = eol === '\n';
    this.qAt = s.indexOf('"');
    this.dAt = s.indexOf(delimiter);
    this.eAt = s.indexOf(eol);
    let pos = 0;
    while (pos < s.length) {
      if (this.qAt !== -1 && this.qAt < pos) this.qAt = s.indexOf('"', pos);
      if (this.eAt !== -1 && this.eAt < pos) this.eAt = s.indexOf(eol, pos);
      let values: string[];
      let end: number; // end of the record's text, before its line end
      let next: number;
      let lines = 1;
      if (this.qAt === -1 || (this.eAt !== -1 && this.qAt > this.eAt)) {
        if (this.eAt === -1 && !final) break;
        const nl = this.eAt === -1 ? s.length : this.eAt;
        end = stripCr && nl > pos && s.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
        values = s.slice(pos, end).split(delimiter);
        next = nl + 1;
      } else {
        const r = this.scanQuoted(pos, final);
        if (r === null) break;
        if ('unclosed' in r) {
          this.ended = true;
          this.unclosed(r.unclosed, pos, out);
          pos = s.length;
          break;
        }
        ({ values, end, next } = r);
        for (let i = s.indexOf(eol, pos); i !== -1 && i < end; i = s.indexOf(eol, i + 1)) lines++;
      }
      const start = this.line;
      this.line += lines;
      const from = pos;
      pos = next;
      if (!isBlank(values)) this.accept(values, start, from, end, out);
    }
    const rest = pos >= s.length ? '' : s.slice(pos);
    if (rest.length > this.recordLimit) {
      throw new CsvFileError(
        `line ${this.line}: a row runs past ${fmt(this.recordLimit)} characters, most likely a quote that is never closed; the file cannot be read past it`,
        this.line,
      );
    }
    this.parts = rest === '' ? [] : [rest];
    this.partsLength = this.wanted = rest.length;
    this.wanted *= 2;
    this.s = '';
    return out;
  }

  /** One record containing a quote, from `pos`; null when the text ends before the record does. */
  private scanQuoted(pos: number, final: boolean): { values: string[]; end: number; next: number } | { unclosed: number } | null {
    const { s, delimiter, eol } = this;
    const values: string[] = [];
    let p = pos;
    for (;;) {
      let value = '';
      if (s.charCodeAt(p) === QUOTE) {
        let q = p + 1;
        for (;;) {
          const c = s.indexOf('"', q);
          if (c === -1) return final ? { unclosed: values.length } : null;
          if (c + 1 === s.length && !final) return null; // a quote, or the first of ""?
          value += s.slice(q, c);
          if (s.charCodeAt(c + 1) !== QUOTE) {
            p = c + 1;
            break;
          }
          value += '"';
          q = c + 2;
        }
      }
      if (this.dAt !== -1 && this.dAt < p) this.dAt = s.indexOf(delimiter, p);
      if (this.eAt !== -1 && this.eAt < p) this.eAt = s.indexOf(eol, p);
      const atDelimiter = this.dAt !== -1 && (this.eAt === -1 || this.dAt < this.eAt);
      let stop = atDelimiter ? this.dAt : this.eAt;
      if (stop === -1) {
        if (!final) return null;
        stop = s.length;
      }
      const end = !atDelimiter && eol === '\n' && stop > p && s.charCodeAt(stop - 1) === 13 ? stop - 1 : stop;
      values.push(p === end ? value : value + s.slice(p, end));
      if (!atDelimiter) return { values, end, next: stop + 1 };
      p = stop + delimiter.length;
    }
  }

  private accept(values: string[], line: number, from: number, end: number, out: (CsvRow | CsvRowError)[]): void {
    const columns = this.columns;
    if (columns === null) {
      const long = values.find((v) => v.length > this.maxFieldSize);
      if (long !== undefined) {
        throw new CsvFileError(`line ${line}: the header has a name of ${plural(long.length, 'character')}; this is not a CSV header`, line);
      }
      this.columns = uniqueColumns(values, this.warnings);
      return;
    }
    if (values.length !== columns.length) {
      out.push({ line, column: null, reason: `${plural(values.length, 'field')}, the header has ${fmt(columns.length)}`, raw: this.raw(from, end) });
      return;
    }
    for (let i = 0; i < values.length; i++) {
      if (values[i]!.length > this.maxFieldSize) {
        const reason = `field is ${fmt(values[i]!.length)} characters; the limit is ${fmt(this.maxFieldSize)}`;
        out.push({ line, column: columns[i]!, reason, raw: this.raw(from, end) });
        return;
      }
    }
    out.push({ line, values });
  }

  private unclosed(field: number, from: number, out: (CsvRow | CsvRowError)[]): void {
    const reason = 'a quoted field is never closed; it runs to the end of the file';
    if (this.columns === null) throw new CsvFileError(`line ${this.line}: ${reason}`, this.line);
    const column = this.columns[field] ?? `Column ${field + 1}`;
    out.push({ line: this.line, column, reason, raw: this.raw(from, this.s.length) });
  }

  /** A copy, not a slice: a slice would keep the whole chunk (maybe a 10 MB row) alive with it. */
  private raw(from: number, end: number): string {
    return Buffer.from(this.s.slice(from, Math.min(end, from + RAW_CAP)), 'utf8').toString('utf8');
  }
}

function uniqueColumns(names: string[], warnings: string[]): string[] {
  const taken = new Set<string>();
  return names.map((name, i) => {
    let column = name.trim();
    if (column === '') {
      column = `Column ${i + 1}`;
      warnings.push(`column ${i + 1} has no name; it is called "${column}"`);
    }
    if (taken.has(column.toLowerCase())) {
      let n = 2;
      while (taken.has(`${column} (${n})`.toLowerCase())) n++;
      warnings.push(`column ${i + 1} is a second "${column}"; it is called "${column} (${n})"`);
      column = `${column} (${n})`;
    }
    taken.add(column.toLowerCase());
    return column;
  });
}

function isBlank(values: string[]): boolean {
  for (const v of values) if (v !== '' && v.trim() !== '') return false;
  return true;
}
