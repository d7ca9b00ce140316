import { describe, expect, it } from 'vitest';
import { normalizeApn } from './normalize-apn.ts';

describe('normalizeApn', () => {
  it.each([
    ['012-345-678', '012345678'],
    ['012 345 678', '012345678'],
    ['012.345.678', '012345678'],
    ['  012345678 ', '012345678'],
    ['12-34-567-890.01', '123456789001'],
    ['r0123-45-a', 'R012345A'],
    // Leading zeros are significant in many counties: kept, never trimmed or padded.
    ['0123-045-006', '0123045006'],
    ['123-045-006', '123045006'],
    ['00-12', '0012'],
  ])('%j → %s', (raw, apn) => {
    expect(normalizeApn(raw)).toBe(apn);
  });

  it('keeps leading zeros, so a zero-stripped APN is a different key', () => {
    expect(normalizeApn('0123-045-006')).not.toBe(normalizeApn('123-045-006'));
  });

  it.each(['', '   ', '---', '. .', '0', '000-000-000', '1.23457E+11', 'x'.repeat(300)])('%j is no APN', (raw) => {
    expect(normalizeApn(raw)).toBeNull();
  });

  it('never throws on non-strings', () => {
    for (const bad of [undefined, null, 7, {}] as unknown as string[]) expect(normalizeApn(bad)).toBeNull();
  });
});
