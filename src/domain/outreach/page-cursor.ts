import { AppError } from '../../app/errors.ts';

// Opaque cursors for the outreach listings (messages, the outbox, recipients, a lead's
// timeline): the last row's sort key, base64url JSON, tagged with the listing so one listing's
// cursor is refused by another instead of silently starting somewhere odd.

export function encodeCursor(listing: string, key: string[]): string {
  return Buffer.from(JSON.stringify([listing, ...key])).toString('base64url');
}

// What each part of a cursor must look like, so a cursor that decodes but was tampered with is
// refused as a cursor, not passed on to the database to fail there without naming the field.
const PART = {
  id: /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i,
  at: /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$/,
  text: /^.{1,200}$/s,
};
export type CursorPart = keyof typeof PART;

export function decodeCursor(listing: string, cursor: string, parts: CursorPart[]): string[] {
  try {
    const v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(v) && v.length === parts.length + 1 && v[0] === listing
      && v.slice(1).every((x, i) => typeof x === 'string' && PART[parts[i]!].test(x) && (parts[i] !== 'at' || !Number.isNaN(Date.parse(x))))) {
      return v.slice(1) as string[];
    }
  } catch {
    // not base64url JSON: the same answer as a cursor of another listing
  }
  throw new AppError('VALIDATION', `cursor: not a cursor of this listing (pass next_cursor back unchanged)`, [{ field: 'cursor', message: 'invalid' }]);
}

/** One page from limit + 1 rows: the rows to show and the cursor of the next page, if any. */
export function page<T>(rows: T[], limit: number, listing: string, keyOf: (row: T) => string[]) {
  const more = rows.length > limit;
  const data = more ? rows.slice(0, limit) : rows;
  const last = data.at(-1);
  return { data, next_cursor: more && last ? encodeCursor(listing, keyOf(last)) : null };
}
