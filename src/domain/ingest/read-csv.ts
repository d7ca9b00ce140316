// Reads an uploaded owner list as a stream of rows, each with the physical line it starts on,
// deciding what a bad file or a bad row is so that one broken row never costs the rows around it
// and a huge or binary file never costs the memory.
//
// The tokenizer is our own, not csv-parse: csv-parse walks the input byte by byte in JavaScript
// and alone read 140,000–290,000 rows/s of a 1,000,000-row file on the reference machine, under
// or at the 200,000 rows/s the import benchmark needs before any checking is done. Here a line
// without a quote is one native split(); only lines with a quote go through the field scanner.
// read-csv.test.ts checks the results against csv-parse on RFC 4180 input.
//
// Policies for bad input, each chosen and written down here:
// - Encoding: a UTF-8 BOM means UTF-8. Otherwise the first 64 KB are sampled: not valid UTF-8 →
//   the whole file is windows-1252 (which also covers Latin-1). When the sample is plain ASCII the
//   choice waits for the first non-ASCII byte, wherever it is: owner lists are mostly ASCII and
//   the first "José" is often past 64 KB. Everything before it was ASCII, which reads the same
//   either way, so `header.encoding` may still change from 'utf-8' to 'windows-1252' while rows
//   are read; read it after the rows for a report. In a file read as UTF-8, a later invalid byte
//   becomes U+FFFD.
// - Lines end with LF or CRLF (mixed is fine), or with a lone CR when the first line does (old
//   Mac exports). Line numbers count those line ends, so a quoted field over 3 lines moves the
//   next row's number by 3.
// - Column count: a row with more or fewer fields than the header is rejected with both counts.
//   Rows missing only trailing columns are not padded: from the row alone, "the last columns were
//   empty" cannot be told from "a column in the middle went missing", and a shifted row would put
//   a phone number in the ZIP column without anyone noticing.
// - Blank lines and rows whose fields are all blank are skipped silently (spreadsheet exports end
//   with them); they still count for line numbers.
// - Field size: a field longer than `maxFieldSize` (64 KB by default) rejects its row and reading
//   goes on. The reader holds a row whole while it reads it, so a row is bounded once more: a row
//   over 16 M characters (or twice maxFieldSize, if larger) stops the file with a CsvFileError
//   naming its line; in practice that is a quote that is never closed.
// - Quotes: a quote opens a quoted field only at the start of a field ("" inside is a quote);
//   elsewhere it is a plain character, so `John "Jack" Smith` reads as written, and text after a
//   closing quote joins the field. A quote still open at the end of the file rejects the row it
//   opened in, and reading ends.
// - `raw` in a row error is the row's text as read (decoded), capped at 2,000 characters.

import { isAscii } from 'node:buffer';
import type { Readable } from 'node:stream';

export interface CsvRow {
  line: number;
  values: string[];
}

export interface CsvRowError {
  line: number;
  column: string | null;
  reason: string;
  /** The row's text if available, capped at 2,000 chars. */
  raw: string | null;
}

export interface CsvHeader {
  columns: string[];
  /** May move from 'utf-8' to 'windows-1252' while rows are read (see the top of this file). */
  encoding: 'utf-8' | 'windows-1252';
  delimiter: string;
  warnings: string[];
}

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

export const isRowError = (x: CsvRow | CsvRowError): x is CsvRowError => 'reason' in x;

const SAMPLE_BYTES = 64 * 1024;
const DEFAULT_MAX_FIELD_SIZE = 65_536;
const HARD_RECORD_LIMIT = 16 * 1024 * 1024;
const RAW_CAP = 2_000;
const DELIMITERS = [',', '\t', ';', '|'] as const;
const QUOTE = 34;

const fmt = (n: number) => n.toLocaleString('en-US');
const plural = (n: number, word: string) => `${fmt(n)} ${word}${n === 1 ? '' : 's'}`;

/** Async iteration: resolves once the header is read, then yields rows and row errors in file order. */
export async function openCsv(
  input: Readable,
  opts: { maxFieldSize?: number } = {},
): Promise<{ header: CsvHeader; rows: AsyncIterable<CsvRow | CsvRowError>; bytesRead(): number }> {
  const maxFieldSize = opts.maxFieldSize ?? DEFAULT_MAX_FIELD_SIZE;
  let bytes = 0;
  const source = input[Symbol.asyncIterator]() as AsyncIterator<Buffer | string>;
  const nextChunk = async (): Promise<Buffer | null> => {
    const r = await source.next();
    if (r.done) return null;
    const chunk = typeof r.value === 'string' ? Buffer.from(r.value) : r.value;
    bytes += chunk.length;
    return chunk;
  };

  let sample: Buffer | null;
  let eof = false;
  let encoding: CsvHeader['encoding'] | 'undecided';
  let tokenizer: Tokenizer;
  try {
    const parts: Buffer[] = [];
    let size = 0;
    while (size < SAMPLE_BYTES) {
      const chunk = await nextChunk();
      if (!chunk) {
        eof = true;
        break;
      }
      parts.push(chunk);
      size += chunk.length;
    }
    sample = Buffer.concat(parts);
    const hasBom = sample[0] === 0xef && sample[1] === 0xbb && sample[2] === 0xbf;
    if (hasBom) sample = sample.subarray(3);
    checkIsText(sample, eof);
    encoding = hasBom ? 'utf-8' : isAscii(sample) && !eof ? 'undecided' : utf8Prefix(sample, eof) ? 'utf-8' : 'windows-1252';
    const text = encoding === 'windows-1252' ? new TextDecoder('windows-1252').decode(sample) : sample.toString('utf8');
    tokenizer = new Tokenizer(sniff(text), maxFieldSize, Math.max(HARD_RECORD_LIMIT, maxFieldSize * 2));
  } catch (err) {
    input.destroy();
    throw err;
  }

  const { delimiter, warnings } = tokenizer;
  const header: CsvHeader = { columns: [], encoding: encoding === 'undecided' ? 'utf-8' : encoding, delimiter, warnings };
  const utf8 = new TextDecoder('utf-8', { ignoreBOM: true });
  const cp1252 = new TextDecoder('windows-1252');
  let carry: Buffer | null = null;
  const decode = (chunk: Buffer, last: boolean): string => {
    if (carry) {
      chunk = Buffer.concat([carry, chunk]);
      carry = null;
    }
    if (encoding === 'undecided') {
      if (isAscii(chunk)) return chunk.toString('latin1');
      let k = 0;
      while (chunk[k]! < 0x80) k++;
      const tail = chunk.subarray(k);
      // A multibyte character may be cut by the chunk boundary: decide once it is whole.
      if (tail.length < 4 && !last) {
        carry = Buffer.from(tail);
        return chunk.toString('latin1', 0, k);
      }
      encoding = utf8Prefix(tail, last) ? 'utf-8' : 'windows-1252';
      header.encoding = encoding;
    }
    return (encoding === 'utf-8' ? utf8 : cp1252).decode(chunk, { stream: !last });
  };

  // Rows come out a chunk at a time; `batch` holds the ones not handed out yet.
  let batch: (CsvRow | CsvRowError)[] = [];
  let done = false;
  const step = async (): Promise<void> => {
    const chunk = sample ?? (await nextChunk());
    sample = null;
    done = chunk === null;
    batch = tokenizer.push(decode(chunk ?? Buffer.alloc(0), done), done);
  };

  try {
    while (!tokenizer.columns && !done) await step();
    if (!tokenizer.columns) throw new CsvFileError('the file is empty');
    header.columns = tokenizer.columns;
  } catch (err) {
    await source.return?.();
    throw err;
  }

  async function* rows(): AsyncGenerator<CsvRow | CsvRowError> {
    try {
      for (;;) {
        yield* batch;
        batch = [];
        if (done) return;
        await step();
      }
    } finally {
      await source.return?.();
    }
  }

  return { header, rows: rows(), bytesRead: () => bytes };
}

/** Splits decoded text into records, keeping an unfinished record until the next push. */
class Tokenizer {
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

function checkIsText(sample: Buffer, eof: boolean): void {
  if (eof && sample.toString('latin1').trim() === '') throw new CsvFileError('the file is empty');
  if ((sample[0] === 0xff && sample[1] === 0xfe) || (sample[0] === 0xfe && sample[1] === 0xff)) {
    throw new CsvFileError('the file is UTF-16 text; save it as "CSV UTF-8" and upload it again');
  }
  if (sample.subarray(0, 4).equals(Buffer.from('PK\x03\x04', 'latin1'))) {
    throw new CsvFileError('the file is a zip archive or an Excel workbook (.xlsx), not CSV; export it as CSV first');
  }
  const nul = sample.indexOf(0);
  if (nul >= 0) throw new CsvFileError(`not a text file (binary content at byte ${fmt(nul)})`);
  const isControl = (b: number) => b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0c && b !== 0x0d; // tab, LF, FF, CR are text
  const controls = sample.filter(isControl).length;
  if (controls * 10 > sample.length) throw new CsvFileError(`not a text file (binary content at byte ${fmt(sample.findIndex(isControl))})`);
}

/** Whether the bytes are UTF-8, allowing a character cut off at the end unless the file ends there. */
function utf8Prefix(bytes: Buffer, complete: boolean): boolean {
  const window = bytes.subarray(0, SAMPLE_BYTES);
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(window, { stream: !complete || window.length < bytes.length });
    return true;
  } catch {
    return false;
  }
}

/**
 * The delimiter is the candidate seen most often outside quotes in the first non-blank line (ties
 * go to comma); the line end is a lone CR only if the first line break is one.
 */
function sniff(text: string): { delimiter: string; eol: '\n' | '\r' } {
  const counts = new Map<string, number>(DELIMITERS.map((d) => [d, 0]));
  let eol: '\n' | '\r' | null = null;
  let quoted = false;
  let started = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '"') quoted = !quoted;
    else if (!quoted && (c === '\n' || c === '\r')) {
      eol ??= c === '\r' && i + 1 < text.length && text[i + 1] !== '\n' ? '\r' : '\n';
      if (started) break;
      continue;
    } else if (!quoted && counts.has(c)) counts.set(c, counts.get(c)! + 1);
    if (c !== ' ') started = true;
  }
  let delimiter: string = ',';
  for (const d of DELIMITERS) if (counts.get(d)! > counts.get(delimiter)!) delimiter = d;
  return { delimiter, eol: eol ?? '\n' };
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
