import { describe, expect, it } from 'vitest';
import { uuid7 } from './uuid7.ts';

describe('uuid7', () => {
  it('is a version 7, RFC 4122 variant UUID carrying the millisecond it was made', () => {
    const id = uuid7(Date.UTC(2026, 10, 23, 12, 0, 0, 5));
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(parseInt(id.replace(/-/g, '').slice(0, 12), 16)).toBeGreaterThanOrEqual(Date.UTC(2026, 10, 23, 12, 0, 0, 5));
  });

  it('increases strictly, also many times within one millisecond', () => {
    const ms = Date.now();
    const ids = Array.from({ length: 10_000 }, () => uuid7(ms)); // more than the 4,096 a millisecond's counter holds
    for (let i = 1; i < ids.length; i++) expect(ids[i]! > ids[i - 1]!).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
