import { describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor, page } from './page-cursor.ts';

describe('page cursors', () => {
  it('round-trip the key of the listing they belong to, and refuse another listing or garbage', () => {
    const c = encodeCursor('timeline', ['2026-03-10T15:00:00.123456Z', 'message', 'abc']);
    const TIMELINE = ['at', 'text', 'text'] as const;
    expect(decodeCursor('timeline', c, [...TIMELINE])).toEqual(['2026-03-10T15:00:00.123456Z', 'message', 'abc']);
    expect(() => decodeCursor('messages', c, [...TIMELINE])).toThrow(/not a cursor of this listing/);
    expect(() => decodeCursor('timeline', c, ['at'])).toThrow(/not a cursor/);
    expect(() => decodeCursor('timeline', 'not-base64-json', [...TIMELINE])).toThrow(/not a cursor/);
  });

  it('refuse a cursor whose parts are not what the listing writes, naming the cursor', () => {
    const id = '0190f5b2-1c2d-7e3f-8a4b-5c6d7e8f9a0b';
    expect(decodeCursor('calls', encodeCursor('calls', ['2026-03-10T15:00:00Z', id]), ['at', 'id'])).toEqual(['2026-03-10T15:00:00Z', id]);
    for (const bad of [['yesterday', id], ['2026-03-10T15:00:00Z', 'x'], ['2026-02-31T25:00:00Z', id], ['2026-03-10T15:00:00Z', "1' OR '1'='1"]]) {
      expect(() => decodeCursor('calls', encodeCursor('calls', bad), ['at', 'id'])).toThrow(expect.objectContaining({ code: 'VALIDATION', details: [{ field: 'cursor', message: 'invalid' }] }));
    }
  });

  it('cut limit + 1 rows into a page and the cursor of the next', () => {
    expect(page([1, 2, 3], 2, 'n', (x) => [String(x)])).toEqual({ data: [1, 2], next_cursor: encodeCursor('n', ['2']) });
    expect(page([1, 2], 2, 'n', (x) => [String(x)])).toEqual({ data: [1, 2], next_cursor: null });
  });
});
