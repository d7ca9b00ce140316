import { describe, expect, it } from 'vitest';
import { cents, perUnitCents, ratio, returnOnSpend } from './ratios.ts';

describe('report arithmetic', () => {
  it('divides cents half up to whole cents, null for nothing to divide by', () => {
    expect(perUnitCents(125045, 3)).toBe(41682); // 41681.67
    expect(perUnitCents(125045, 2)).toBe(62523); // 62522.5 rounds up
    expect(perUnitCents(30151, 2)).toBe(15076); // 15075.5
    expect(perUnitCents(10, 4)).toBe(3); // 2.5
    expect(perUnitCents(9, 4)).toBe(2); // 2.25
    expect(perUnitCents(0, 7)).toBe(0);
    expect(perUnitCents(500, 0)).toBeNull();
    expect(perUnitCents(Number.MAX_SAFE_INTEGER, 1)).toBe(Number.MAX_SAFE_INTEGER);
    expect(() => perUnitCents(-1, 2)).toThrow(RangeError);
  });

  it('gives ratios to four decimals and returns on spend with their sign', () => {
    expect(ratio(2, 3)).toBe(0.6667);
    expect(ratio(1, 8)).toBe(0.125);
    expect(ratio(1, 20_000)).toBe(0.0001); // 0.00005 rounds up
    expect(ratio(3, 0)).toBeNull();
    expect(returnOnSpend(1_500_000, 125_045)).toBe(10.9957);
    expect(returnOnSpend(50, 100)).toBe(-0.5);
    expect(returnOnSpend(0, 100)).toBe(-1);
    expect(returnOnSpend(100, 0)).toBeNull();
  });

  it('takes driver values as exact cents', () => {
    expect(cents('12345')).toBe(12345);
    expect(cents(null)).toBe(0);
    expect(() => cents(1.5)).toThrow(RangeError);
  });
});
