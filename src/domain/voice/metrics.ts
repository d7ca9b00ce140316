import { sql } from 'kysely';
import { z } from 'zod';
import { AppError } from '../../app/errors.ts';
import { parseInput } from '../../app/validate.ts';
import type { Database } from '../../db/database.ts';
import { withOwner, withTenant, type Actor, type Trx } from '../../db/tenant.ts';

// The daily voice metrics (Fish Mouth's voice_metrics_daily): per organization, user and day in
// the user's own time zone, from calls, turns and bookings, in one statement for any range of
// days. Recomputing gives the same rows (a row is rewritten only when a value changed), and a
// day that no longer has calls loses its row. A job recomputes yesterday and today every few
// minutes; `voice metrics --recompute` and POST /v1/voice/metrics/recompute do any range.

const day = z.iso.date({ error: 'a day like 2026-03-10' });
export const MetricsQuery = z.object({
  from: day, to: day,
  user: z.uuid().optional().describe('one user; "none" is not a user: the organization\'s own agent has user_id null'),
}).refine((q) => q.from <= q.to, { message: 'from must not be after to', path: ['to'] })
  .refine((q) => (Date.parse(q.to) - Date.parse(q.from)) / 86_400_000 <= 366, { message: 'at most 366 days at once', path: ['to'] });

/** The zone of the organization's own agent (calls with no user): its settings' timezone, else US Eastern. */
const ORG_ZONE = sql`coalesce((SELECT o.settings ->> 'timezone' FROM organization o WHERE o.id = app_org_id()), 'America/New_York')`;

/** The key of the organization's own agent's rows in joins (no user: user_id is null). */
const NO_USER = '00000000-0000-0000-0000-000000000000';

export const COLUMNS = ['calls', 'connects', 'avg_duration_s', 'talk_minutes', 'bookings', 'booking_rate', 'first_minute_latency_ms', 'avg_first_audio_latency_ms',
  'p95_latency_ms', 'asr_wer', 'avg_confidence_score', 'barge_in_rate', 'outcome_scheduled', 'outcome_callback', 'outcome_rejected', 'outcome_no_answer',
  'outcome_voicemail', 'outcome_opt_out', 'outcome_failed', 'cost_cents'] as const;

/** Recompute the days from..to (inclusive, each user's own days) in the caller's transaction. */
export async function recomputeMetrics(trx: Trx, from: string, to: string): Promise<{ rows: number; removed: number }> {
  const cols = sql.raw(COLUMNS.join(', '));
  const sets = sql.raw(COLUMNS.map((c) => `${c} = EXCLUDED.${c}`).join(', '));
  const changed = sql.raw(COLUMNS.map((c) => `voice_metrics_daily.${c}`).join(', '));
  const changedTo = sql.raw(COLUMNS.map((c) => `EXCLUDED.${c}`).join(', '));
  const r = await sql<{ rows: number; removed: number }>`
    WITH zone AS MATERIALIZED (SELECT ${ORG_ZONE} AS tz),
    calls AS MATERIALIZED (
      -- a day's calls by the caller's zone: the range widened by a day each side, then cut to local days
      SELECT c.id, c.user_id, CASE WHEN c.user_id IS NULL THEN ${NO_USER}::uuid ELSE c.user_id END AS ukey, (c.initiated_at AT TIME ZONE CASE WHEN u.timezone IS NOT NULL THEN u.timezone ELSE (SELECT tz FROM zone) END)::date AS day,
             (c.started_at IS NOT NULL AND c.outcome IS DISTINCT FROM 'voicemail') AS connected, c.duration_seconds, c.outcome,
             c.first_audio_latency_ms, c.total_cost_cents
      FROM voice_call c
      LEFT JOIN app_user u ON u.organization_id = c.organization_id AND u.id = c.user_id
      WHERE c.organization_id = app_org_id() AND c.blocked_reason IS NULL
        -- bounds as timestamptz: timestamptz >= date is not leakproof, so under row-level security the
        -- planner may not use initiated_at's statistics with it, estimates one call, and reruns per_turn per day
        AND c.initiated_at >= (${from}::date - 1)::timestamptz AND c.initiated_at < (${to}::date + 2)::timestamptz),
    mine AS MATERIALIZED (SELECT * FROM calls WHERE day BETWEEN ${from}::date AND ${to}::date),
    per_call AS (
      SELECT ukey, user_id, day, count(*) AS calls, count(*) FILTER (WHERE connected) AS connects,
             coalesce(round(avg(duration_seconds) FILTER (WHERE connected)), 0) AS avg_duration_s,
             coalesce(sum(ceil(duration_seconds / 60.0)), 0) AS talk_minutes,
             coalesce(round(avg(first_audio_latency_ms)), 0) AS avg_first_audio_latency_ms,
             count(*) FILTER (WHERE outcome = 'scheduled') AS outcome_scheduled, count(*) FILTER (WHERE outcome = 'follow_up') AS outcome_callback,
             count(*) FILTER (WHERE outcome = 'rejected') AS outcome_rejected, count(*) FILTER (WHERE outcome = 'no_answer') AS outcome_no_answer,
             count(*) FILTER (WHERE outcome = 'voicemail') AS outcome_voicemail, count(*) FILTER (WHERE outcome = 'opt_out') AS outcome_opt_out,
             count(*) FILTER (WHERE outcome = 'failed') AS outcome_failed, coalesce(sum(total_cost_cents), 0) AS cost_cents
      FROM mine GROUP BY ukey, user_id, day),
    per_turn AS (
      SELECT k.ukey, k.day,
             coalesce(round(avg(t.latency_ms) FILTER (WHERE t.role = 'agent' AND t.start_ms < 60000)), 0) AS first_minute_latency_ms,
             coalesce(percentile_disc(0.95) WITHIN GROUP (ORDER BY t.latency_ms), 0) AS p95_latency_ms,
             sum(t.word_errors)::float8 / nullif(sum(t.reference_words), 0) AS asr_wer,
             coalesce(avg(t.confidence_score)::float8, 0) AS avg_confidence_score,
             coalesce(count(*) FILTER (WHERE t.barge_in)::float8 / nullif(count(*) FILTER (WHERE t.role = 'user'), 0), 0) AS barge_in_rate
      FROM mine k JOIN voice_call_turn t ON t.organization_id = app_org_id() AND t.call_id = k.id
      GROUP BY k.ukey, k.day),
    per_booking AS (
      SELECT k.ukey, k.day, count(*) AS bookings
      FROM mine k JOIN voice_booking b ON b.organization_id = app_org_id() AND b.call_id = k.id AND b.status <> 'cancelled'
      GROUP BY k.ukey, k.day),
    result AS MATERIALIZED (
      SELECT c.ukey, c.user_id, c.day, c.calls, c.connects, c.avg_duration_s, c.talk_minutes, coalesce(b.bookings, 0) AS bookings,
             coalesce(coalesce(b.bookings, 0)::float8 / nullif(c.connects, 0), 0) AS booking_rate,
             coalesce(t.first_minute_latency_ms, 0) AS first_minute_latency_ms, c.avg_first_audio_latency_ms, coalesce(t.p95_latency_ms, 0) AS p95_latency_ms,
             t.asr_wer, coalesce(t.avg_confidence_score, 0) AS avg_confidence_score, coalesce(t.barge_in_rate, 0) AS barge_in_rate,
             c.outcome_scheduled, c.outcome_callback, c.outcome_rejected, c.outcome_no_answer, c.outcome_voicemail, c.outcome_opt_out, c.outcome_failed, c.cost_cents
      FROM per_call c
      -- joined on a key that is never null: IS NOT DISTINCT FROM cannot hash, and went quadratic
      LEFT JOIN per_turn t ON t.ukey = c.ukey AND t.day = c.day
      LEFT JOIN per_booking b ON b.ukey = c.ukey AND b.day = c.day),
    upserted AS (
      INSERT INTO voice_metrics_daily (organization_id, user_id, day, ${cols})
      SELECT app_org_id(), user_id, day, ${cols} FROM result
      ON CONFLICT (organization_id, user_id, day) DO UPDATE SET ${sets}, updated_at = now()
        WHERE (${changed}) IS DISTINCT FROM (${changedTo})
      RETURNING 1),
    removed AS (
      DELETE FROM voice_metrics_daily d
      WHERE d.organization_id = app_org_id() AND d.day BETWEEN ${from}::date AND ${to}::date
        -- NOT IN over keys that are never null: a hashed subplan, whatever the estimate of d's rows
        AND (CASE WHEN d.user_id IS NULL THEN ${NO_USER}::uuid ELSE d.user_id END, d.day) NOT IN (SELECT r.ukey, r.day FROM result r)
      RETURNING 1)
    SELECT (SELECT count(*) FROM result)::int AS rows, (SELECT count(*) FROM removed)::int AS removed`.execute(trx);
  return r.rows[0]!;
}

/** A day's metrics of one user (user_id null: the organization's own agent). */
export type MetricsRow = { day: string; user_id: string | null; user_name: string | null; updated_at: Date } & { [K in (typeof COLUMNS)[number]]: K extends 'asr_wer' ? number | null : number };

export function createVoiceMetrics(deps: { db: Database; now?: () => Date }) {
  const now = deps.now ?? (() => new Date());
  return {
    async recompute(actor: Actor, input: unknown) {
      const q = parseInput(MetricsQuery, input);
      return withTenant(deps.db, actor, (trx) => recomputeMetrics(trx, q.from, q.to));
    },

    /** The rows of a range (one user's, or everyone's) and their totals over the range. */
    async list(actor: Actor, input: unknown) {
      const q = parseInput(MetricsQuery, input);
      return withTenant(deps.db, actor, async (trx) => {
        const rows = (await sql<Record<string, unknown>>`
          SELECT m.day::text AS day, m.user_id, coalesce(u.full_name, u.email) AS user_name, ${sql.raw(COLUMNS.map((c) => `m.${c}`).join(', '))}, m.updated_at
          FROM voice_metrics_daily m LEFT JOIN app_user u ON u.organization_id = m.organization_id AND u.id = m.user_id
          WHERE m.organization_id = app_org_id() AND m.day BETWEEN ${q.from}::date AND ${q.to}::date
            AND (${q.user ?? null}::uuid IS NULL OR m.user_id = ${q.user ?? null}::uuid)
          ORDER BY m.day, user_name NULLS FIRST`.execute(trx)).rows.map(numeric) as MetricsRow[];
        return { from: q.from, to: q.to, rows, totals: totals(rows) };
      });
    },

    /** The job: yesterday and today, in every organization that had calls since the day before yesterday. */
    async recomputeRecent() {
      const today = now().toISOString().slice(0, 10);
      const from = new Date(now().getTime() - 2 * 86_400_000).toISOString().slice(0, 10);
      const orgs = await withOwner(deps.db, 'system', async (trx) => (await sql<{ id: string }>`
        SELECT DISTINCT organization_id AS id FROM voice_call WHERE initiated_at >= ${from}::date - 1`.execute(trx)).rows);
      const out: { organizationId: string; rows: number; error?: string }[] = [];
      for (const o of orgs) {
        const actor: Actor = { organizationId: o.id, userId: null, role: 'owner', via: 'system' };
        try {
          out.push({ organizationId: o.id, ...(await withTenant(deps.db, actor, (trx) => recomputeMetrics(trx, from, today))) });
        } catch (e) {
          out.push({ organizationId: o.id, rows: 0, error: (e as Error).message });
        }
      }
      return out;
    },
  };
}

const numeric = (r: Record<string, unknown>) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, typeof v === 'string' && (COLUMNS as readonly string[]).includes(k) ? Number(v) : v]));

/** Over a range: sums of counts, rates from the sums, and call-weighted averages of the rest. */
function totals(rows: Record<string, unknown>[]) {
  const sum = (k: string) => rows.reduce((s, r) => s + Number(r[k] ?? 0), 0);
  const calls = sum('calls');
  const connects = sum('connects');
  const weighted = (k: string, by: string) => {
    const w = sum(by);
    return w ? Math.round((rows.reduce((s, r) => s + Number(r[k] ?? 0) * Number(r[by] ?? 0), 0) / w) * 1000) / 1000 : 0;
  };
  if (!rows.length) return null;
  return {
    calls, connects, connect_rate: calls ? connects / calls : 0, bookings: sum('bookings'), booking_rate: connects ? sum('bookings') / connects : 0,
    avg_duration_s: weighted('avg_duration_s', 'connects'), talk_minutes: sum('talk_minutes'), avg_first_audio_latency_ms: weighted('avg_first_audio_latency_ms', 'calls'),
    p95_latency_ms_max: Math.max(...rows.map((r) => Number(r.p95_latency_ms ?? 0))), avg_confidence_score: weighted('avg_confidence_score', 'connects'),
    outcomes: Object.fromEntries(['scheduled', 'callback', 'rejected', 'no_answer', 'voicemail', 'opt_out', 'failed'].map((o) => [o, sum(`outcome_${o}`)])),
    cost_cents: sum('cost_cents'),
  };
}

export type VoiceMetrics = ReturnType<typeof createVoiceMetrics>;
export { AppError };
