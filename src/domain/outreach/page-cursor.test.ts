import { describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor, page } from './page-cursor.ts';

describe('page cursors', () => {
  it('round-trip the key of the listing they belong to, and refuse another listing or garbage', () => {
    const c = encodeCursor('timeline', ['2026-03-10T15:00:00.123456Z', 'message', 'abc']);
    expect(decodeCursor('timeline', c, 3)).toEqual(['2026-03-10T15:00:00.123456Z', 'message', 'abc']);
    expect(() => decodeCursor('messages', c, 3)).toThrow(/not a cursor of this listing/);
    expect(() => decodeCursor('timeline', c, 1)).toThrow(/not a cursor/);
    expect(() => decodeCursor('timeline', 'not-base64-json', 3)).toThrow(/not a cursor/);
  });

  it('cut limit + 1 rows into a page and the cursor of the next', () => {
    expect(page([1, 2, 3], 2, 'n', (x) => [String(x)])).toEqual({ data: [1, 2], next_cursor: encodeCursor('n', ['2']) });
    expect(page([1, 2], 2, 'n', (x) => [String(x)])).toEqual({ data: [1, 2], next_cursor: null });
  });
});
