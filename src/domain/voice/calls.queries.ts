import { sql } from 'kysely';
import type { z } from 'zod';
import type { Actor, Trx } from '../../db/tenant.ts';
import type { OutreachSettings } from '../outreach/outreach-settings.ts';
import type { ListCallsQuery, LogCallRequest } from './calls.service.ts';

// The reads and set-based writes of the calls service: a call as a manager reviews it, lists,
// the local adapter's calls still to play, logged calls, and the retries that are due.

const DETAIL = sql`
  SELECT c.id, c.lead_id, c.person_id, c.user_id, coalesce(u.full_name, u.email) AS user_name, c.enrollment_id, c.message_id, c.retry_of, c.retry_attempts,
         c.agent, c.direction, c.source, c.carrier, c.provider_call_id, c.from_number, c.to_display AS to_number, c.status, c.blocked_reason,
         c.duration_seconds, c.max_duration_seconds, c.last_error_code, c.last_error_at, c.conversation_goal, c.conversation_state,
         c.ai_voice_id, c.ai_instructions, c.asr_model, c.tts_model, c.llm_model, c.record AS recorded, c.recording_note, c.recording_url,
         c.transcript, c.ai_summary, c.outcome, c.interest_level, c.objections_raised, c.next_steps, c.summary,
         c.call_cost_cents, c.ai_cost_cents, c.total_cost_cents, c.first_audio_latency_ms, c.p95_latency_ms, c.barge_in_count, c.tool_calls_made,
         c.avg_confidence::float8 AS avg_confidence, c.silence_periods, c.initiated_at, c.ringing_at, c.started_at, c.ended_at, c.retry_at,
         m.decision AS gate_decision, m.reason AS gate_reason, m.decision_id AS gate_decision_id
  FROM voice_call c
  LEFT JOIN app_user u ON u.organization_id = c.organization_id AND u.id = c.user_id
  LEFT JOIN message m ON m.organization_id = c.organization_id AND m.id = c.message_id`;

/** A call as a manager reviews it (the columns of DETAIL). */
export interface CallDetail {
  id: string; lead_id: string | null; user_id: string | null; message_id: string | null; retry_of: string | null; retry_attempts: number;
  agent: 'ai' | 'human'; direction: 'outbound' | 'inbound'; source: string; carrier: string; provider_call_id: string | null; to_number: string;
  status: string; blocked_reason: string | null; duration_seconds: number; max_duration_seconds: number; last_error_code: string | null;
  conversation_goal: string | null; recorded: boolean; recording_note: string | null; recording_url: string | null; transcript: string | null;
  outcome: string | null; interest_level: string | null; objections_raised: string[]; next_steps: string | null; summary: string | null;
  call_cost_cents: number | string; ai_cost_cents: number | string; total_cost_cents: number | string;
  first_audio_latency_ms: number | null; p95_latency_ms: number | null; barge_in_count: number; tool_calls_made: number; avg_confidence: number | null;
  initiated_at: Date; started_at: Date | null; ended_at: Date | null; retry_at: Date | null;
  gate_decision: string | null; gate_reason: string | null; gate_decision_id: string | null;
  user_name: string | null; from_number: string | null;
  /** What the analysis of the turns made of the call (Porchlight's rules, or the agent runtime's). */
  ai_summary: { outcome?: string | null; interest_level?: string | null; objections?: string[]; next_steps?: string | null; summary?: string | null; analyzed_by?: string } | null;
  [column: string]: unknown;
}

/** A call in a list: who, which way, how it went. at_key is the cursor's key (initiated_at to the microsecond). */
export interface CallListRow {
  id: string; lead_id: string | null; lead_name: string | null; user_id: string | null; user_name: string | null; agent: 'ai' | 'human';
  direction: 'outbound' | 'inbound'; source: string; to_number: string; status: string; outcome: string | null; interest_level: string | null;
  duration_seconds: number; total_cost_cents: number | string; retry_attempts: number; blocked_reason: string | null;
  initiated_at: Date; ended_at: Date | null; at_key: string;
}

/** What the carrier (or the agent runtime) reported of a call, in order. */
export interface CallEventRow { event_type: string; provider: string; provider_event_id: string; occurred_at: Date; read: unknown }

/** The booking a call made, if any. */
export interface CallBookingRow { id: string; window_start: Date; window_end: Date; estimator_id: string; booking_type: string; status: string }

export const callsQueries = {
  async detail(id: string, trx: Trx) {
    return (await sql<CallDetail>`${DETAIL} WHERE c.organization_id = app_org_id() AND c.id = ${id}`.execute(trx)).rows[0] ?? null;
  },

  async events(id: string, trx: Trx) {
    return (await sql<CallEventRow>`
      SELECT event_type, provider, provider_event_id, occurred_at, payload -> 'porchlight' AS read
      FROM voice_call_event WHERE organization_id = app_org_id() AND call_id = ${id} ORDER BY occurred_at, created_at`.execute(trx)).rows;
  },

  async bookingOf(id: string, trx: Trx) {
    return (await sql<CallBookingRow>`
      SELECT id, window_start, window_end, estimator_id, booking_type, status FROM voice_booking
      WHERE organization_id = app_org_id() AND call_id = ${id}`.execute(trx)).rows[0] ?? null;
  },

  /** A page of calls, newest first: limit + 1 rows (the extra one says there is a next page), after the cursor's call. */
  async list(f: z.output<typeof ListCallsQuery>, after: { at: string; id: string } | null, trx: Trx) {
    return (await sql<CallListRow>`
      SELECT c.id, c.lead_id, pe.full_name AS lead_name, c.user_id, coalesce(u.full_name, u.email) AS user_name, c.agent, c.direction, c.source,
             c.to_display AS to_number, c.status, c.outcome, c.interest_level, c.duration_seconds, c.total_cost_cents, c.retry_attempts, c.blocked_reason,
             c.initiated_at, c.ended_at, to_char(c.initiated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS at_key
      FROM voice_call c
      LEFT JOIN app_user u ON u.organization_id = c.organization_id AND u.id = c.user_id
      LEFT JOIN person pe ON pe.organization_id = c.organization_id AND pe.id = c.person_id
      WHERE c.organization_id = app_org_id()
        AND (${f.lead ?? null}::uuid IS NULL OR c.lead_id = ${f.lead ?? null}::uuid)
        AND (${f.user ?? null}::uuid IS NULL OR c.user_id = ${f.user ?? null}::uuid)
        AND (${f.status ?? null}::text IS NULL OR c.status = ${f.status ?? null}::text)
        AND (${f.outcome ?? null}::text IS NULL OR c.outcome = ${f.outcome ?? null}::text)
        AND (${f.direction ?? null}::text IS NULL OR c.direction = ${f.direction ?? null}::text)
        AND (${f.from ?? null}::timestamptz IS NULL OR c.initiated_at >= ${f.from ?? null}::timestamptz)
        AND (${f.to ?? null}::timestamptz IS NULL OR c.initiated_at < ${f.to ?? null}::timestamptz)
        AND (${after?.at ?? null}::timestamptz IS NULL OR (c.initiated_at, c.id) < (${after?.at ?? null}::timestamptz, ${after?.id ?? null}::uuid))
      ORDER BY c.initiated_at DESC, c.id DESC LIMIT ${f.limit + 1}`.execute(trx)).rows;
  },

  /** The local adapter's calls that were placed and have no event yet. */
  async unplayedLocal(trx: Trx) {
    return (await sql<{
      id: string; provider_call_id: string; user_id: string | null; agent: 'ai' | 'human'; conversation_goal: 'qualify' | 'schedule' | 'follow_up' | null;
      record: boolean; max_duration_seconds: number; initiated_at: Date; handed_at: Date | null; first_name: string | null; org_name: string; local_scenario: string | null;
    }>`
      SELECT c.id, c.provider_call_id, c.user_id, c.agent, c.conversation_goal, c.record, c.max_duration_seconds, c.initiated_at, m.handed_at, c.local_scenario,
             pe.first_name, o.name AS org_name
      FROM voice_call c
      JOIN organization o ON o.id = c.organization_id
      LEFT JOIN message m ON m.organization_id = c.organization_id AND m.id = c.message_id
      LEFT JOIN person pe ON pe.organization_id = c.organization_id AND pe.id = c.person_id
      WHERE c.organization_id = app_org_id() AND c.carrier = 'local' AND c.provider_call_id IS NOT NULL AND c.ended_at IS NULL
        AND NOT EXISTS (SELECT 1 FROM voice_call_event e WHERE e.organization_id = c.organization_id AND e.call_id = c.id)
      ORDER BY c.initiated_at LIMIT 1000
      FOR UPDATE OF c SKIP LOCKED`.execute(trx)).rows;
  },

  async insertLogged(trx: Trx, actor: Actor, r: z.output<typeof LogCallRequest>, to: { hash: Buffer; display: string } | null, prices: OutreachSettings['prices']) {
    const started = new Date(r.started_at);
    const answered = !['no_answer', 'failed'].includes(r.outcome);
    return (await sql<{ id: string }>`
      INSERT INTO voice_call (organization_id, user_id, lead_id, person_id, agent, direction, source, carrier, to_display, peer_hash, status,
                              duration_seconds, outcome, interest_level, objections_raised, next_steps, summary, transcript, recording_url,
                              record, conversation_state, call_cost_cents, initiated_at, started_at, ended_at, created_by)
      SELECT app_org_id(), ${actor.userId}, l.id, l.person_id, 'human', ${r.direction}, ${r.direction === 'inbound' ? 'inbound' : 'logged'}, 'logged',
             ${to?.display ?? 'unknown'}, ${to?.hash ?? null}, ${answered ? 'completed' : r.outcome === 'failed' ? 'failed' : 'no_answer'},
             ${r.duration_seconds}, ${r.outcome}, ${r.interest_level ?? null}, ${r.objections}::text[], ${r.next_steps ?? null}, ${r.summary ?? null},
             ${r.transcript ?? null}, ${r.recording_url ?? null}, ${!!r.recording_url}, 'ended',
             ${Math.ceil(r.duration_seconds / 60) * prices.call_minute}, ${started}, ${answered ? started : null},
             ${new Date(started.getTime() + r.duration_seconds * 1000)}, ${actor.userId}
      FROM lead l WHERE l.organization_id = app_org_id() AND l.id = ${r.lead_id}
      RETURNING id`.execute(trx)).rows[0]!.id;
  },

  /**
   * Due retries, claimed (SKIP LOCKED): each becomes a new message, a copy of the attempt before
   * keyed by it (so claiming twice writes one), whose call record points back at the attempt.
   */
  async retryDue(at: Date, limit: number, trx: Trx): Promise<string[]> {
    const due = (await sql<{ id: string }>`
      SELECT id FROM voice_call WHERE organization_id = app_org_id() AND retry_at <= ${at} ORDER BY retry_at LIMIT ${limit} FOR UPDATE SKIP LOCKED`.execute(trx)).rows.map((r) => r.id);
    if (!due.length) return [];
    const made = (await sql<{ id: string }>`
      INSERT INTO message (organization_id, lead_id, person_id, channel, direction, status, source, sender_type, sender_user_id, purpose,
                           kind, peer_hash, peer_display, peer_value, peer_enc, from_address, subject, body, html, template_id, campaign_id,
                           enrollment_id, idempotency_key, scheduled_for)
      SELECT m.organization_id, m.lead_id, m.person_id, m.channel, 'outbound', 'pending', m.source, m.sender_type, m.sender_user_id, m.purpose,
             m.kind, m.peer_hash, m.peer_display, m.peer_value, m.peer_enc, m.from_address, m.subject, m.body, m.html, m.template_id, m.campaign_id,
             m.enrollment_id, 'call-retry:' || c.id, ${at}
      FROM voice_call c JOIN message m ON m.organization_id = c.organization_id AND m.id = c.message_id
      WHERE c.organization_id = app_org_id() AND c.id = ANY(${due}::uuid[])
      ON CONFLICT (organization_id, idempotency_key) DO NOTHING
      RETURNING id`.execute(trx)).rows.map((r) => r.id);
    await sql`
      UPDATE voice_call n SET retry_of = o.id, retry_attempts = o.retry_attempts + 1, conversation_goal = o.conversation_goal,
        ai_instructions = o.ai_instructions, ai_voice_id = o.ai_voice_id, asr_model = o.asr_model, tts_model = o.tts_model, llm_model = o.llm_model
      FROM voice_call o JOIN message nm ON nm.organization_id = o.organization_id AND nm.idempotency_key = 'call-retry:' || o.id
      WHERE o.organization_id = app_org_id() AND o.id = ANY(${due}::uuid[]) AND n.organization_id = app_org_id() AND n.message_id = nm.id AND n.retry_of IS NULL`.execute(trx);
    await sql`UPDATE voice_call SET retry_at = NULL WHERE organization_id = app_org_id() AND id = ANY(${due}::uuid[])`.execute(trx);
    return made;
  },
};
