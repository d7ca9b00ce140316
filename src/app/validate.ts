import type { z } from 'zod';
import { AppError } from './errors.ts';

/** Parse with a schema and turn its complaints into one VALIDATION error naming the fields. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const r = schema.safeParse(input);
  if (r.success) return r.data;
  const details = r.error.issues.map((i) => ({ field: i.path.join('.') || '(input)', message: i.message }));
  throw new AppError('VALIDATION', details.map((d) => `${d.field}: ${d.message}`).join('; '), details);
}

export const isUuid = (s: string) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(s);
