import { z } from 'zod';
import { AppError } from '../../app/errors.ts';
import { parseInput } from '../../app/validate.ts';

// The period every report covers: whole UTC days from `from` to `to`, both included, as the
// cost ledger's days and billing's months are UTC. SQL gets it as a half-open range of instants
// [start, end), so a row at 23:59:59.999 on `to` is in and one at midnight after it is out.

export const ReportPeriodQuery = z.object({
  from: z.iso.date({ error: 'a date as YYYY-MM-DD' }).optional().describe('first day, YYYY-MM-DD (UTC); default: the first of the current month'),
  to: z.iso.date({ error: 'a date as YYYY-MM-DD' }).optional().describe('last day, included, YYYY-MM-DD (UTC); default: today'),
}).strict();
export type ReportPeriodQuery = z.infer<typeof ReportPeriodQuery>;

/** The longest period a report may cover: longer asks are mistakes more often than reports. */
export const MAX_PERIOD_YEARS = 2;

export interface Period {
  from: string;
  to: string;
  /** `from` at 00:00 UTC, ISO 8601. */
  start: string;
  /** The day after `to` at 00:00 UTC: the first instant outside the period. */
  end: string;
  /** The first day of every month the period touches, oldest first. */
  months: string[];
}

const day = (d: Date) => d.toISOString().slice(0, 10);
const utc = (date: string) => new Date(`${date}T00:00:00Z`);
export const monthStart = (date: string) => `${date.slice(0, 7)}-01`;

function addMonths(date: string, n: number): string {
  const d = utc(date);
  d.setUTCMonth(d.getUTCMonth() + n);
  return day(d);
}

const invalid = (field: string, message: string) => new AppError('VALIDATION', `${field}: ${message}`, [{ field, message }]);

/**
 * The period asked for, or the current month to date: `to` defaults to today, `from` to the
 * first of `to`'s month. A bad date, `from` after `to` or a span over two years is a VALIDATION
 * error naming the field.
 */
export function resolvePeriod(input: unknown, today: Date): Period {
  const q = parseInput(ReportPeriodQuery, input ?? {});
  const to = q.to ?? day(today);
  const from = q.from ?? monthStart(to);
  // the field the caller can fix: their `to`, or their `from` when `to` was today by default
  if (from > to) throw q.to === undefined ? invalid('from', `${from} is after today (${to})`) : invalid('to', `${to} is before from (${from})`);
  // two years from 2024-03-01 end on 2026-02-28: the day before the same date two years on
  const limit = addMonths(from, 12 * MAX_PERIOD_YEARS);
  if (to >= limit) throw invalid('to', `a period may cover at most ${MAX_PERIOD_YEARS} years (from ${from}, the last day may be before ${limit})`);
  const end = new Date(utc(to).getTime() + 86_400_000);
  const months: string[] = [];
  for (let m = monthStart(from); m <= to; m = addMonths(m, 1)) months.push(m);
  return { from, to, start: utc(from).toISOString(), end: end.toISOString(), months };
}

/** A month as typed: "2026-11" (its first day is `${month}-01`). */
export const MonthInput = z.string().trim().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'a month as YYYY-MM');
