import { Readable } from 'node:stream';
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { CsvFileError, isRowError, openCsv, type CsvRow, type CsvRowError } from './read-csv.ts';

const bytes = (...chunks: (string | Buffer | number[])[]) =>
  chunks.map((c) => (typeof c === 'string' ? Buffer.from(c, 'utf8') : Buffer.isBuffer(c) ? c : Buffer.from(c)));
const stream = (...chunks: (string | Buffer | number[])[]) => Readable.from(bytes(...chunks));

async function readAll(input: Readable, opts?: { maxFieldSize?: number }) {
  const csv = await openCsv(input, opts);
  const rows: (CsvRow | CsvRowError)[] = [];
  for await (const r of csv.rows) rows.push(r);
  return { header: csv.header, rows, bytesRead: csv.bytesRead() };
}

const fileError = async (input: Readable) => {
  const err = await openCsv(input).then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(CsvFileError);
  return (err as CsvFileError).message;
};

/** Yields `size` bytes of `fill` in 64 KB chunks, so a test can send a 10 MB field without holding it. */
async function* filler(size: number, fill = 'x') {
  const chunk = Buffer.alloc(64 * 1024, fill);
  for (let left = size; left > 0; left -= chunk.length) yield left >= chunk.length ? chunk : chunk.subarray(0, left);
}

describe('openCsv: encodings', () => {
  it('reads UTF-8 with a BOM, without keeping the BOM in the first column name', async () => {
    const { header, rows } = await readAll(stream([0xef, 0xbb, 0xbf], 'Name,City\nJosé,Zürich\n'));
    expect(header).toMatchObject({ columns: ['Name', 'City'], encoding: 'utf-8', delimiter: ',', warnings: [] });
    expect(rows).toEqual([{ line: 2, values: ['José', 'Zürich'] }]);
  });

  it('reads UTF-8 without a BOM, with a character cut between two chunks', async () => {
    const text = Buffer.from('Name\nJosé Núñez\n');
    const cut = text.indexOf(0xc3) + 1; // between the two bytes of é
    const { header, rows } = await readAll(stream(text.subarray(0, cut), text.subarray(cut)));
    expect(header.encoding).toBe('utf-8');
    expect(rows).toEqual([{ line: 2, values: ['José Núñez'] }]);
  });

  it('reads windows-1252 when the sample is not UTF-8', async () => {
    const { header, rows } = await readAll(stream('Name,Note\n', [0x4a, 0x6f, 0x73, 0xe9], ',', [0x93, 0x68, 0x69, 0x94], '\n'));
    expect(header.encoding).toBe('windows-1252');
    expect(rows).toEqual([{ line: 2, values: ['José', '“hi”'] }]);
  });

  it('decides when the first non-ASCII byte comes after an all-ASCII 64 KB sample', async () => {
    const ascii = 'Name\n' + 'Smith\n'.repeat(20_000); // 120 KB
    const late = await readAll(stream(ascii, [0x4a, 0x6f, 0x73, 0xe9], '\n'));
    expect(late.header.encoding).toBe('windows-1252');
    expect(late.rows).toHaveLength(20_001);
    expect(late.rows.at(-1)).toEqual({ line: 20_002, values: ['José'] });

    const utf8 = await readAll(stream(ascii, 'Jos', [0xc3], [0xa9], '\n')); // é split across chunks
    expect(utf8.header.encoding).toBe('utf-8');
    expect(utf8.rows.at(-1)).toEqual({ line: 20_002, values: ['José'] });
  });
});

describe('openCsv: delimiters, quotes and line numbers', () => {
  it.each([
    ['comma', 'a,b,c\n1,2,3\n', ','],
    ['tab', 'a\tb\tc\n1\t2\t3\n', '\t'],
    ['semicolon', 'a;b;c\n1;2;3\n', ';'],
    ['pipe', 'a|b|c\n1|2|3\n', '|'],
  ])('detects %s', async (_name, text, delimiter) => {
    const { header, rows } = await readAll(stream(text));
    expect(header.delimiter).toBe(delimiter);
    expect(header.columns).toEqual(['a', 'b', 'c']);
    expect(rows).toEqual([{ line: 2, values: ['1', '2', '3'] }]);
  });

  it('counts delimiters outside quotes only, and breaks ties toward comma', async () => {
    expect((await readAll(stream('"a;b;c",d\n1,2\n'))).header.delimiter).toBe(',');
    expect((await readAll(stream('a;b,c\n'))).header.delimiter).toBe(',');
    expect((await readAll(stream('Owner\nPat\n'))).header.delimiter).toBe(',');
  });

  it('numbers rows by the physical line they start on, through quoted newlines, CRLF and blank lines', async () => {
    const text = [
      'Name,Notes,Zip',
      'Pat,"two\r\nlines",78701',
      '',
      'Sam,"say ""hi"", then\nthree\nlines",78702',
      ',,',
      'Lee,plain,78703',
    ].join('\r\n');
    const { rows } = await readAll(stream(text)); // and no newline at the end
    expect(rows).toEqual([
      { line: 2, values: ['Pat', 'two\r\nlines', '78701'] },
      { line: 5, values: ['Sam', 'say "hi", then\nthree\nlines', '78702'] },
      { line: 9, values: ['Lee', 'plain', '78703'] },
    ]);
  });

  it('reads mixed LF and CRLF, and old Mac files ending lines with CR alone', async () => {
    expect((await readAll(stream('a,b\r\n1,2\n3,4\r\n'))).rows).toEqual([
      { line: 2, values: ['1', '2'] },
      { line: 3, values: ['3', '4'] },
    ]);
    expect((await readAll(stream('a,b\r1,2\r3,4\r'))).rows).toEqual([
      { line: 2, values: ['1', '2'] },
      { line: 3, values: ['3', '4'] },
    ]);
  });

  it('takes a quote inside an unquoted field as a character', async () => {
    const { rows } = await readAll(stream('Name,Size\nJohn "Jack" Smith,5" pipe\n'));
    expect(rows).toEqual([{ line: 2, values: ['John "Jack" Smith', '5" pipe'] }]);
  });

  it('agrees with csv-parse on RFC 4180 input, whatever the chunk boundaries', async () => {
    let seed = 7;
    const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) % n);
    const pieces = ['a', 'Ω', ' ', ',', '"', '\n', '\r\n', 'é', '7'];
    const field = () => {
      const v = Array.from({ length: rand(6) }, () => pieces[rand(pieces.length)]).join('');
      return /[",\r\n]/.test(v) || rand(4) === 0 ? `"${v.replaceAll('"', '""')}"` : v;
    };
    const lines = Array.from({ length: 3000 }, () => Array.from({ length: 4 }, field).join(','));
    const text = `h1,h2,h3,h4\r\n${lines.join('\r\n')}\r\n`;
    const expected = (parse(text, { record_delimiter: '\r\n' }) as string[][]).slice(1).filter((r) => r.some((v) => v.trim() !== ''));
    const buf = Buffer.from(text);
    for (const size of [1, 7, 4096]) {
      const chunks = Array.from({ length: Math.ceil(buf.length / size) }, (_, i) => buf.subarray(i * size, (i + 1) * size));
      const { rows } = await readAll(Readable.from(chunks));
      expect(rows.filter(isRowError)).toEqual([]);
      expect(rows.map((r) => (r as CsvRow).values)).toEqual(expected);
    }
  });
});

describe('openCsv: bad files', () => {
  it.each([
    ['0 bytes', []],
    ['only whitespace', ['  \r\n\n\t \n']],
    ['only a BOM', [[0xef, 0xbb, 0xbf]]],
    ['only a BOM and blank lines', [[0xef, 0xbb, 0xbf], '\n\n']],
  ] as [string, (string | number[])[]][])('%s → the file is empty', async (_name, chunks) => {
    expect(await fileError(stream(...chunks))).toBe('the file is empty');
  });

  it('blank lines past the 64 KB sample and nothing else → the file is empty', async () => {
    expect(await fileError(Readable.from(filler(100_000, '\n')))).toBe('the file is empty');
  });

  it('binary content → not a text file, naming the first binary byte', async () => {
    expect(await fileError(stream('Name,City\nPat', [0x00], ',Austin\n'))).toBe('not a text file (binary content at byte 13)');
    const controls = Buffer.from(Array.from({ length: 300 }, (_, i) => (i % 5 === 0 ? 0x01 : 0x41)));
    expect(await fileError(stream(controls))).toBe('not a text file (binary content at byte 0)');
  });

  it('names UTF-16 text and Excel workbooks instead of calling them binary', async () => {
    expect(await fileError(stream([0xff, 0xfe], Buffer.from('Name\n', 'utf16le')))).toMatch(/UTF-16.*CSV UTF-8/);
    expect(await fileError(stream([0x50, 0x4b, 0x03, 0x04, 0x14, 0x00]))).toMatch(/Excel workbook/);
  });

  it('header only → no rows, no error, with or without a final newline', async () => {
    for (const text of ['Name,City\n', 'Name,City', 'Name,City\r\n\r\n']) {
      const { header, rows } = await readAll(stream(text));
      expect(header.columns).toEqual(['Name', 'City']);
      expect(rows).toEqual([]);
    }
  });

  it('names empty columns and makes duplicate names unique, with warnings', async () => {
    const { header } = await readAll(stream('Phone, Name ,phone,,Phone,Phone (2)\n'));
    expect(header.columns).toEqual(['Phone', 'Name', 'phone (2)', 'Column 4', 'Phone (3)', 'Phone (2) (2)']);
    expect(header.warnings).toEqual([
      'column 3 is a second "phone"; it is called "phone (2)"',
      'column 4 has no name; it is called "Column 4"',
      'column 5 is a second "Phone"; it is called "Phone (3)"',
      'column 6 is a second "Phone (2)"; it is called "Phone (2) (2)"',
    ]);
  });

  it('closes the input when the file is refused', async () => {
    const input = stream('Name\x00\n');
    await expect(openCsv(input)).rejects.toThrow(CsvFileError);
    expect(input.destroyed).toBe(true);
  });
});

describe('openCsv: bad rows', () => {
  it('rejects a row with too many or too few fields and goes on', async () => {
    const header = 'a,b,c,d,e,f,g,h,i';
    const { rows } = await readAll(stream(`${header}\n1,2,3,4,5,6,7,8,9\n1,2,3,4,5,6,7\n1,2,3,4,5,6,7,8,9,10\n9,8,7,6,5,4,3,2,1\n`));
    expect(rows).toEqual([
      { line: 2, values: ['1', '2', '3', '4', '5', '6', '7', '8', '9'] },
      { line: 3, column: null, reason: '7 fields, the header has 9', raw: '1,2,3,4,5,6,7' },
      { line: 4, column: null, reason: '10 fields, the header has 9', raw: '1,2,3,4,5,6,7,8,9,10' },
      { line: 5, values: ['9', '8', '7', '6', '5', '4', '3', '2', '1'] },
    ]);
  });

  it('rejects a 10 MB field by line and column, goes on, and keeps memory bounded', async () => {
    async function* input() {
      yield Buffer.from('Name,Notes\nPat,short\n');
      for (let i = 0; i < 3; i++) {
        yield Buffer.from('Sam,');
        yield* filler(10 * 1024 * 1024);
        yield Buffer.from(i === 1 ? '\r\n' : '\n');
        yield Buffer.from('Lee,"quoted, ');
        yield* filler(10 * 1024 * 1024 - 'quoted, '.length);
        yield Buffer.from('"\n');
      }
      yield Buffer.from('Kim,last\n');
    }
    // Live memory, not garbage V8 has yet to collect: collect before each measure.
    v8.setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const live = () => (gc(), process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers);
    const before = live();
    const csv = await openCsv(Readable.from(input()));
    const out: (CsvRow | CsvRowError)[] = [];
    let peak = 0;
    for await (const r of csv.rows) {
      peak = Math.max(peak, live() - before); // while the reader holds its buffers
      out.push(isRowError(r) ? { ...r, raw: r.raw && r.raw.slice(0, 20) } : r); // keep no 10 MB value
    }
    const tooBig = { column: 'Notes', reason: 'field is 10,485,760 characters; the limit is 65,536' };
    expect(out[0]).toEqual({ line: 2, values: ['Pat', 'short'] });
    expect(out.slice(1, 7)).toEqual([3, 4, 5, 6, 7, 8].map((line) => ({ line, ...tooBig, raw: expect.any(String) })));
    expect((out[1] as CsvRowError).raw).toBe('Sam,xxxxxxxxxxxxxxxx');
    expect(out[7]).toEqual({ line: 9, values: ['Kim', 'last'] });
    expect(csv.bytesRead()).toBeGreaterThan(60 * 1024 * 1024);
    expect(peak).toBeLessThan(32 * 1024 * 1024); // 60 MB went through; never two 10 MB rows at once
  });

  it('takes the field limit as an option', async () => {
    const { rows } = await readAll(stream('Name,Notes\nPat,12345\nSam,123456\n'), { maxFieldSize: 5 });
    expect(rows).toEqual([
      { line: 2, values: ['Pat', '12345'] },
      { line: 3, column: 'Notes', reason: 'field is 6 characters; the limit is 5', raw: 'Sam,123456' },
    ]);
  });

  it('rejects the row whose quote never closes, after the rows before it', async () => {
    const { rows } = await readAll(stream('Name,Notes\nPat,ok\nSam,"never closed\nLee,more\n'));
    expect(rows).toEqual([
      { line: 2, values: ['Pat', 'ok'] },
      { line: 3, column: 'Notes', reason: 'a quoted field is never closed; it runs to the end of the file', raw: 'Sam,"never closed\nLee,more\n' },
    ]);
  });

  it('stops with a line-numbered file error when a row runs past 16 M characters', async () => {
    async function* input() {
      yield Buffer.from('Name,Notes\nPat,ok\n\nSam,"');
      yield* filler(17 * 1024 * 1024);
    }
    const csv = await openCsv(Readable.from(input()));
    const seen: unknown[] = [];
    const err = await (async () => {
      for await (const r of csv.rows) seen.push(r);
    })().catch((e: unknown) => e);
    expect(seen).toEqual([{ line: 2, values: ['Pat', 'ok'] }]);
    expect(err).toBeInstanceOf(CsvFileError);
    expect(err).toMatchObject({ line: 4, message: expect.stringMatching(/^line 4: a row runs past 16,777,216 characters/) });
  });
});

describe('openCsv: progress and early exit', () => {
  it('reports bytes read, up to the file size', async () => {
    const text = 'Name\n' + 'Pat\n'.repeat(50_000);
    const csv = await openCsv(stream(...Array.from({ length: Math.ceil(text.length / 10_000) }, (_, i) => text.slice(i * 10_000, (i + 1) * 10_000))));
    const first = csv.bytesRead();
    expect(first).toBeGreaterThan(0);
    expect(first).toBeLessThan(text.length);
    let n = 0;
    for await (const _ of csv.rows) n++;
    expect(n).toBe(50_000);
    expect(csv.bytesRead()).toBe(text.length);
  });

  it('closes the input when the reader stops early', async () => {
    const input = Readable.from(filler(1024 * 1024, 'a\n'));
    const csv = await openCsv(input);
    for await (const _ of csv.rows) break;
    expect(input.destroyed).toBe(true);
  });
});
