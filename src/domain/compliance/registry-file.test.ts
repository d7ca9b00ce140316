import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { isRegistryStale, parseRegistryLine, readLines, registryNumberOf } from './registry-file.ts';

describe('registry lines', () => {
  it('takes the FTC form, 10 digits and E.164, and names what is wrong with the rest', () => {
    expect(parseRegistryLine('512,5550100', 1)).toEqual({ kind: 'number', line: 1, phone: 5125550100, areaCode: 512 });
    expect(parseRegistryLine(' "512 , 5550100" ', 2)).toMatchObject({ kind: 'number', phone: 5125550100 });
    expect(parseRegistryLine('5125550100', 3)).toMatchObject({ kind: 'number', phone: 5125550100 });
    expect(parseRegistryLine('+15125550100', 4)).toMatchObject({ kind: 'number', phone: 5125550100 });
    expect(parseRegistryLine('512-555-0100', 5)).toMatchObject({ kind: 'bad', reason: expect.stringContaining('expected AAA,NNNNNNN') });
    expect(parseRegistryLine('15125550100', 6)).toMatchObject({ kind: 'bad' });
    expect(parseRegistryLine('800,5550100', 7)).toEqual({ kind: 'bad', line: 7, reason: 'area code 800 is not a US area code' });
    expect(parseRegistryLine('512,1550100', 8)).toMatchObject({ kind: 'bad', reason: 'exchange 155 cannot start with 0 or 1' });
    expect(parseRegistryLine('512,5550100,A,20260301', 9)).toEqual({ kind: 'change', line: 9 });
  });

  it('numbers lines across chunks, a CRLF split between two included', async () => {
    const lines: { line: number; text: string }[] = [];
    for await (const l of readLines(Readable.from([Buffer.from('512,5550100\r'), Buffer.from('\n512,55'), Buffer.from('50101\n\n737,5550102')]))) lines.push(l);
    expect(lines.map((l) => [l.line, l.text.trim()])).toEqual([[1, '512,5550100'], [2, '512,5550101'], [3, ''], [4, '737,5550102']]);
  });

  it('reads E.164 as a registry number and a copy over 31 days old as none', () => {
    expect(registryNumberOf('+15125550100')).toBe(5125550100);
    expect(registryNumberOf('+442071234567')).toBeNull();
    const asOf = new Date('2026-02-08T00:00:00Z');
    expect(isRegistryStale(asOf, new Date('2026-03-11T00:00:00Z'))).toBe(false); // 31 days
    expect(isRegistryStale(asOf, new Date('2026-03-11T00:00:01Z'))).toBe(true);
    expect(isRegistryStale(null, asOf)).toBe(true);
  });
});
