import { sql } from 'kysely';
import { withTenant, type Actor } from '../src/db/tenant.ts';
import type { Container } from '../src/app/container.ts';

// The voice benchmark's data, made by set-based SQL and the same every run (only the ids are new):
// users in four US zones, and N calls spread over 90 days, every user a share of every day, with
// the outcomes of real outbound calling, 10 turns each, and a booking for each scheduled call.
// Calls are logged (source and carrier 'logged', no message), so no outbox message is needed; the
// billing trigger on voice_call (voice_call_bill) runs on every insert and bills each ended call
// with a duration: a billing_usage row and a cost_ledger row each. Bookings are audited (an
// audit_log row each).

export const FIRST_DAY = '2026-01-05'; // a Monday; the 90 days cross the switch to daylight time (8 March)
export const DAYS = 90;
export const LAST_DAY = new Date(Date.parse(FIRST_DAY) + (DAYS - 1) * 86_400_000).toISOString().slice(0, 10);
export const TURNS = 10;
// 40% Eastern, 30% Central, 10% Mountain, 20% Pacific, user by user
const ZONES = ['America/New_York', 'America/New_York', 'America/New_York', 'America/New_York', 'America/Chicago', 'America/Chicago', 'America/Chicago',
  'America/Denver', 'America/Los_Angeles', 'America/Los_Angeles'];

export interface BenchUser { id: string; n: number; email: string; timezone: string }

/** n users (one in ten a manager, the rest agents), ids from their number: agent000@bench.test ... */
export async function seedUsers(c: Container, actor: Actor, n: number): Promise<BenchUser[]> {
  return withTenant(c.db, actor, async (trx) => (await sql<BenchUser>`
    INSERT INTO app_user (organization_id, id, email, full_name, role, timezone)
    SELECT app_org_id(), md5('bench-voice-user-' || u)::uuid, 'agent' || lpad(u::text, 3, '0') || '@bench.test', 'Agent ' || lpad(u::text, 3, '0'),
           CASE WHEN u % 10 = 0 THEN 'manager' ELSE 'agent' END, (${ZONES}::text[])[1 + u % ${ZONES.length}]
    FROM generate_series(0, ${n - 1}::int) u
    RETURNING id, (substr(email, 6, 3))::int AS n, email, timezone`.execute(trx)).rows.sort((a, b) => a.n - b.n));
}

export const OUTCOME_MIX = [['no_answer', 26], ['voicemail', 14], ['scheduled', 18], ['follow_up', 16], ['rejected', 15], ['opt_out', 5], ['failed', 4], ['completed with no outcome', 2]] as const;

/**
 * Calls start..start+size-1 of the run. Call i is user i % U's, on day (i / U) % 90, at a local time
 * between 08:00 and 19:00 in the user's zone; its outcome, durations, latencies and turns come from
 * a hash of i. Every call has 10 turns, agent and user in turn (the "10 turns each",
 * unanswered calls included).
 */
export async function seedCalls(c: Container, actor: Actor, users: BenchUser[], start: number, size: number) {
  const U = users.length;
  const agentText = ['Hi, this is Sam with Bench Roofing, calling about the roof at your property.', 'We are doing free roof checks in your neighbourhood this week after the storm.',
    'I can put you down for Thursday morning or Friday afternoon, which works better?', 'Understood. Would a text with our details be helpful?', 'Thanks for your time, have a great day.'];
  const userText = ['Hello? Who is this?', 'We had some hail last month, actually.', 'Friday afternoon is better for me.', 'Not right now, we just had it replaced.', 'Please take me off your list.'];
  await withTenant(c.db, actor, (trx) => sql`
    WITH g AS (
      SELECT i, uuid7() AS id, u.id AS user_id, u.n, x.h,
             ((${FIRST_DAY}::date + ((i / ${U}) % ${DAYS})::int)::timestamp
               + make_interval(mins => (480 + ((i / ${U}) / ${DAYS} * 25 + x.h % 20) % 660)::int, secs => (x.h % 60)::int)) AT TIME ZONE u.tz AS at,
             CASE WHEN x.h % 100 < 26 THEN 'no_answer' WHEN x.h % 100 < 40 THEN 'voicemail' WHEN x.h % 100 < 58 THEN 'scheduled' WHEN x.h % 100 < 74 THEN 'follow_up'
                  WHEN x.h % 100 < 89 THEN 'rejected' WHEN x.h % 100 < 94 THEN 'opt_out' WHEN x.h % 100 < 98 THEN 'failed' END AS outcome
      FROM generate_series(${start}::bigint, ${start + size - 1}::bigint) i
      CROSS JOIN LATERAL (SELECT ('x' || substr(md5('bench-voice-' || i), 1, 8))::bit(32)::bigint AS h) x
      JOIN unnest(${users.map((u) => u.id)}::uuid[], ${users.map((u) => u.timezone)}::text[]) WITH ORDINALITY AS u(id, tz, n) ON u.n = i % ${U} + 1
    ), k AS (
      SELECT g.*, coalesce(outcome NOT IN ('no_answer', 'failed'), true) AS answered,
             CASE outcome WHEN 'no_answer' THEN 0 WHEN 'failed' THEN 0 WHEN 'voicemail' THEN 20 + h % 41 WHEN 'scheduled' THEN 180 + (h >> 7) % 421
                          WHEN 'follow_up' THEN 90 + (h >> 7) % 271 WHEN 'rejected' THEN 30 + (h >> 7) % 121 WHEN 'opt_out' THEN 15 + (h >> 7) % 46 ELSE 10 + (h >> 7) % 31 END::int AS duration,
             CASE WHEN n % 4 = 1 THEN 'human' ELSE 'ai' END AS agent,
             -- one in ten of the conversations that went somewhere was the owner calling back
             CASE WHEN outcome IN ('scheduled', 'follow_up') AND i % 10 = 3 THEN 'inbound' ELSE 'outbound' END AS direction
      FROM g
    ), call AS (
      INSERT INTO voice_call (organization_id, id, user_id, agent, direction, source, carrier, to_display, status, duration_seconds, outcome, interest_level,
                              conversation_state, call_cost_cents, ai_cost_cents, first_audio_latency_ms, last_error_code, last_error_at,
                              initiated_at, ringing_at, started_at, ended_at, created_by, created_at, updated_at)
      SELECT app_org_id(), id, user_id, agent, direction, CASE direction WHEN 'inbound' THEN 'inbound' ELSE 'logged' END, 'logged', '(512) ***-**' || lpad((i % 100)::text, 2, '0'),
             CASE outcome WHEN 'no_answer' THEN 'no_answer' WHEN 'failed' THEN 'failed' ELSE 'completed' END, duration, outcome,
             CASE outcome WHEN 'scheduled' THEN 'high' WHEN 'follow_up' THEN 'medium' WHEN 'rejected' THEN 'low' WHEN 'opt_out' THEN 'none' END, 'ended',
             ceil(duration / 60.0)::bigint * 2, CASE WHEN agent = 'ai' AND answered THEN ceil(duration / 60.0)::bigint * 9 + 3 ELSE 0 END,
             CASE WHEN answered THEN 350 + (h >> 3) % 1100 END, CASE WHEN outcome = 'failed' THEN 'carrier_unreachable' END,
             CASE WHEN outcome = 'failed' THEN at + interval '3 seconds' END,
             at, at + interval '2 seconds', CASE WHEN answered THEN at + make_interval(secs => (8 + h % 20)::int) END,
             CASE WHEN outcome = 'failed' THEN at + interval '3 seconds' WHEN answered THEN at + make_interval(secs => (8 + h % 20 + duration)::int) ELSE at + interval '30 seconds' END,
             user_id, at, at
      FROM k
    ), turn AS (
      INSERT INTO voice_call_turn (organization_id, call_id, seq, role, text, start_ms, end_ms, barge_in, tokens_in, tokens_out, confidence_score, latency_ms, word_errors, reference_words, created_at)
      SELECT app_org_id(), id, s, role, CASE role WHEN 'agent' THEN (${agentText}::text[])[1 + th % 5] ELSE (${userText}::text[])[1 + th % 5] END,
             (s - 1) * d, (s - 1) * d + d * 4 / 5,
             role = 'user' AND th % 9 = 0,
             CASE WHEN role = 'agent' AND agent = 'ai' THEN 200 + th % 300 END, CASE WHEN role = 'agent' AND agent = 'ai' THEN 20 + th % 60 END,
             CASE WHEN role = 'user' THEN round(0.55 + (th % 450) / 1000.0, 3) END,
             CASE WHEN role = 'agent' THEN 250 + th % 1200 + CASE WHEN th % 50 = 0 THEN 2000 ELSE 0 END END,
             CASE WHEN role = 'user' AND th % 5 = 0 THEN (th >> 4) % 3 END, CASE WHEN role = 'user' AND th % 5 = 0 THEN 6 + (th >> 6) % 15 END,
             at
      FROM k CROSS JOIN generate_series(1, ${TURNS}) s
      CROSS JOIN LATERAL (SELECT CASE WHEN s % 2 = 1 THEN 'agent' ELSE 'user' END AS role, greatest(duration * 100, 2500) AS d,
                                 ((h >> 8) + s * 7919) * 1103515245 % 2147483647 AS th) y
    ), booking AS (
      -- each scheduled call's window its own (an hour per call number), so no estimator is booked twice
      INSERT INTO voice_booking (organization_id, call_id, window_start, window_end, estimator_id, booking_type, status, created_by, created_at, updated_at)
      SELECT app_org_id(), id, ${FIRST_DAY}::timestamptz + make_interval(hours => i::int), ${FIRST_DAY}::timestamptz + make_interval(hours => i::int, mins => 45), user_id,
             (ARRAY['inspection', 'inspection', 'estimate', 'consultation'])[1 + (h >> 11) % 4],
             CASE WHEN (h >> 13) % 10 = 0 THEN 'cancelled' WHEN (h >> 13) % 10 < 4 THEN 'completed' ELSE 'confirmed' END, user_id, at, at
      FROM k WHERE outcome = 'scheduled'
    )
    SELECT count(*) FROM k`.execute(trx));
}
