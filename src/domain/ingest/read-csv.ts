// Reads an uploaded owner list as a stream of rows, each with the physical line it starts on,
// deciding what a bad file or a bad row is so that one broken row never costs the rows around it
// and a huge or binary file never costs the memory.
//
// The tokenizer is our own, not csv-parse: csv-parse walks the input byte by byte in JavaScript
// and alone read 140,000–290,000 rows/s of a 1,000,000-row file on the reference machine, under
// or at the 200,000 rows/s the import benchmark needs before any checking is done. Here a line
// without a quote is one native split(); only lines with a quote go through the field scanner.
// read-csv.test.ts checks the results against csv-parse on RFC 4180 input.
// The tokenizer itself is in csv-tokenizer.ts.
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
import { CsvFileError, fmt, Tokenizer } from './csv-tokenizer.ts';

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

// CsvFileError (a problem with the whole file) is declared in csv-tokenizer.ts, which throws it too.
export { CsvFileError };

export const isRowError = (x: CsvRow | CsvRowError): x is CsvRowError => 'reason' in x;

const SAMPLE_BYTES = 64 * 1024;
const DEFAULT_MAX_FIELD_SIZE = 65_536;
const HARD_RECORD_LIMIT = 16 * 1024 * 1024;
const DELIMITERS = [',', '\t', ';', '|'] as const;

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
