import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { csvLines, safeCell, toCsv } from './csv-safe.ts';

describe('safeCell', () => {
  it.each([
    ['=1+2', "'=1+2"],
    ['=HYPERLINK("http://x.test","Click")', `'=HYPERLINK("http://x.test","Click")`],
    ["@SUM(1+1)*cmd|' /C calc'!A0", "'@SUM(1+1)*cmd|' /C calc'!A0"],
    ['\t=1', "'\t=1"],
    ['\rfoo', "'\rfoo"],
    ["+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"],
    ['-2+3+cmd', "'-2+3+cmd"],
    ['-A1', "'-A1"],
    ['+1e5', "'+1e5"],
    // plain numbers and phones stay as they are
    ['-12.5', '-12.5'],
    ['+15125550100', '+15125550100'],
    ['+1 (512) 555-0100', '+1 (512) 555-0100'],
    ['-', '-'],
    ['-1-1', '-1-1'],
    // everything else is untouched
    ['', ''],
    ['Smith', 'Smith'],
    ['a=b', 'a=b'],
    [' =1', ' =1'],
    ['512-555-0100', '512-555-0100'],
  ])('%j → %j', (input, output) => {
    expect(safeCell(input)).toBe(output);
  });

  it('writes non-strings as text', () => {
    expect(safeCell(null)).toBe('');
    expect(safeCell(undefined)).toBe('');
    expect(safeCell(-12.5)).toBe('-12.5');
    expect(safeCell(-1e-7)).toBe('-1e-7');
    expect(safeCell(12n)).toBe('12');
    expect(safeCell(true)).toBe('true');
    expect(safeCell(new Date('2024-03-01T12:00:00Z'))).toBe('2024-03-01T12:00:00.000Z');
    expect(safeCell(new Date('nonsense'))).toBe('');
    expect(safeCell(['vacant', '=bad'])).toBe('vacant, =bad');
    expect(safeCell(['=bad', 'vacant'])).toBe("'=bad, vacant");
    expect(safeCell({ a: 1 })).toBe('{"a":1}');
  });
});

describe('toCsv and csvLines', () => {
  const header = ['line', 'column', '=reason'];
  const rows: unknown[][] = [
    [2, 'Owner Name', 'has "quotes", a comma'],
    [3, null, 'two\nlines'],
    [4, '@cmd', -12.5],
  ];
  const expected =
    "line,column,'=reason\r\n" +
    '2,Owner Name,"has ""quotes"", a comma"\r\n' +
    '3,,"two\nlines"\r\n' +
    "4,'@cmd,-12.5\r\n";

  it('quotes where needed, ends lines with CRLF and defuses formulas, header included', () => {
    expect(toCsv(header, rows)).toBe(expected);
    expect(parse(toCsv(header, rows))).toEqual([
      ['line', 'column', "'=reason"],
      ['2', 'Owner Name', 'has "quotes", a comma'],
      ['3', '', 'two\nlines'],
      ['4', "'@cmd", '-12.5'],
    ]);
  });

  it('adds a BOM for Excel when asked', () => {
    expect(toCsv(header, rows, { bom: true })).toBe(`\ufeff${expected}`);
    expect(toCsv(['a'], [])).toBe('a\r\n');
  });

  it('streams the same text one line at a time', async () => {
    async function* source() {
      yield* rows;
    }
    const lines: string[] = [];
    for await (const line of csvLines(header, source(), { bom: true })) lines.push(line);
    expect(lines).toHaveLength(4);
    expect(lines.every((l) => l.endsWith('\r\n'))).toBe(true);
    expect(lines.join('')).toBe(`\ufeff${expected}`);
  });
});
