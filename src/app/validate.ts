import { IANAZone } from 'luxon';
import { z } from 'zod';
import { AppError } from './errors.ts';

/** Parse with a schema and turn its complaints into one VALIDATION error naming the fields. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const r = schema.safeParse(input);
  if (r.success) return r.data;
  const details = r.error.issues.map((i) => ({ field: i.path.join('.') || '(input)', message: i.message }));
  throw new AppError('VALIDATION', details.map((d) => `${d.field}: ${d.message}`).join('; '), details);
}

export const isUuid = (s: string) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(s);

/** An instant as ISO 8601 with its offset ("2026-03-10T09:00:00-05:00"), as a Date: a time without one would be read in the server's zone. */
export const isoInstant = () => z.preprocess(
  // parsed twice (by the route, then by the service) it arrives the second time as a Date
  (v) => (v instanceof Date ? v.toISOString() : v),
  z.iso.datetime({ offset: true, error: 'an ISO 8601 time with its offset, like 2026-03-10T09:00:00-05:00' }),
).transform((s) => new Date(s));

// The shape the database's checks on every timezone column accept (Area/Location names): luxon
// also takes EST5EDT, GMT0 or UTC+5, which those checks refuse, so both say no alike.
const ZONE_SHAPE = /^[A-Za-z_]+(\/[A-Za-z0-9_+-]+)*$/;
export const isValidZone = (zone: string) => ZONE_SHAPE.test(zone) && IANAZone.isValidZone(zone);
