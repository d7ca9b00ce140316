import { sql } from 'kysely';
import type { Trx } from '../../db/tenant.ts';
import type { VoiceEvent } from '../../providers/voice/events.ts';

// The voice_call, voice_call_turn and voice_call_event tables as the voice engine sees them.
// Events and turns are written per batch in one statement each, once by their keys.

export interface CallRow {
  id: string;
  user_id: string | null;
  lead_id: string | null;
  person_id: string | null;
  message_id: string | null;
  retry_of: string | null;
  retry_attempts: number;
  agent: 'ai' | 'human';
  direction: 'outbound' | 'inbound';
  source: string;
  carrier: string;
  provider_call_id: string | null;
  from_number: string | null;
  to_display: string;
  peer_hash: Buffer | null;
  status: 'initiated' | 'ringing' | 'in_progress' | 'completed' | 'failed' | 'no_answer';
  duration_seconds: number;
  max_duration_seconds: number;
  conversation_goal: 'qualify' | 'schedule' | 'follow_up' | null;
  record: boolean;
  outcome: string | null;
  initiated_at: Date;
  started_at: Date | null;
  ended_at: Date | null;
  blocked_reason: string | null;
}

export interface TurnRow {
  seq: number;
  role: 'user' | 'agent' | 'tool';
  text: string;
  start_ms: number;
  end_ms: number;
  barge_in: boolean;
  tool_name: string | null;
  tool_args: Record<string, unknown> | null;
  tokens_in: number | null;
  tokens_out: number | null;
  confidence_score: number | null;
  latency_ms: number | null;
  word_errors: number | null;
  reference_words: number | null;
}

export interface NewTurn extends Omit<TurnRow, 'seq'> {
  callId: string;
  audioUrl: string | null;
  referenceText: string | null;
}

const CALL_COLUMNS = sql.raw(`id, user_id, lead_id, person_id, message_id, retry_of, retry_attempts, agent, direction, source, carrier, provider_call_id,
  from_number, to_display, peer_hash, status, duration_seconds, max_duration_seconds, conversation_goal, record, outcome,
  initiated_at, started_at, ended_at, blocked_reason`);

export const callsRepository = {
  async byIds(ids: string[], trx: Trx, lock = false): Promise<CallRow[]> {
    if (!ids.length) return [];
    return (await sql<CallRow>`SELECT ${CALL_COLUMNS} FROM voice_call WHERE organization_id = app_org_id() AND id = ANY(${ids}::uuid[])
      ORDER BY id ${lock ? sql`FOR UPDATE` : sql``}`.execute(trx)).rows;
  },

  async byMessage(messageId: string, trx: Trx): Promise<CallRow | null> {
    return (await sql<CallRow>`SELECT ${CALL_COLUMNS} FROM voice_call WHERE organization_id = app_org_id() AND message_id = ${messageId}`.execute(trx)).rows[0] ?? null;
  },

  /** The calls these carrier events are about, locked: two deliveries of one call's events apply one after the other. */
  async byProviderIds(provider: string, ids: string[], trx: Trx): Promise<CallRow[]> {
    return (await sql<CallRow>`SELECT ${CALL_COLUMNS} FROM voice_call
      WHERE organization_id = app_org_id() AND carrier = ${provider} AND provider_call_id = ANY(${ids}::text[]) ORDER BY id FOR UPDATE`.execute(trx)).rows;
  },

  /** Record events once by (provider, event id); returns the ids of those not seen before. */
  async insertEvents(rows: { callId: string; e: VoiceEvent }[], trx: Trx): Promise<Set<string>> {
    if (!rows.length) return new Set();
    const col = <T>(f: (r: (typeof rows)[number]) => T) => rows.map(f);
    const made = await sql<{ provider_event_id: string }>`
      INSERT INTO voice_call_event (organization_id, call_id, provider, provider_event_id, event_type, payload, occurred_at)
      SELECT app_org_id(), u.call_id, u.provider, u.event_id, u.type, u.payload::jsonb, u.at
      FROM unnest(${col((r) => r.callId)}::uuid[], ${col((r) => r.e.provider)}::text[], ${col((r) => r.e.eventId)}::text[],
                  ${col((r) => r.e.type)}::text[], ${col((r) => JSON.stringify(eventPayload(r.e)))}::text[], ${col((r) => r.e.occurredAt)}::timestamptz[])
        AS u(call_id, provider, event_id, type, payload, at)
      ON CONFLICT (organization_id, provider, provider_event_id) DO NOTHING
      RETURNING provider_event_id`.execute(trx);
    return new Set(made.rows.map((r) => r.provider_event_id));
  },

  /** The last turn of each call (the next turn's number, and an agent turn's latency after it). */
  async lastTurns(callIds: string[], trx: Trx): Promise<Map<string, { seq: number; role: string; end_ms: number }>> {
    const rows = (await sql<{ call_id: string; seq: number; role: string; end_ms: number }>`
      SELECT x.id AS call_id, t.seq, t.role, t.end_ms FROM unnest(${callIds}::uuid[]) AS x(id)
      CROSS JOIN LATERAL (SELECT seq, role, end_ms FROM voice_call_turn WHERE organization_id = app_org_id() AND call_id = x.id
                          ORDER BY seq DESC LIMIT 1 OFFSET 0) t`.execute(trx)).rows;
    return new Map(rows.map((r) => [r.call_id, r]));
  },

  async insertTurns(turns: (NewTurn & { seq: number })[], trx: Trx) {
    if (!turns.length) return;
    const col = <T>(f: (t: (typeof turns)[number]) => T) => turns.map(f);
    await sql`
      INSERT INTO voice_call_turn (organization_id, call_id, seq, role, text, start_ms, end_ms, barge_in, tool_name, tool_args, tokens_in, tokens_out,
                                   confidence_score, audio_url, latency_ms, reference_text, word_errors, reference_words)
      SELECT app_org_id(), u.call_id, u.seq, u.role, u.text, u.start_ms, u.end_ms, u.barge_in, u.tool_name, u.tool_args::jsonb, u.tokens_in, u.tokens_out,
             u.confidence, u.audio_url, u.latency, u.reference_text, u.word_errors, u.reference_words
      FROM unnest(${col((t) => t.callId)}::uuid[], ${col((t) => t.seq)}::int[], ${col((t) => t.role)}::text[], ${col((t) => t.text)}::text[],
                  ${col((t) => t.start_ms)}::int[], ${col((t) => t.end_ms)}::int[], ${col((t) => t.barge_in)}::boolean[], ${col((t) => t.tool_name)}::text[],
                  ${col((t) => (t.tool_args ? JSON.stringify(t.tool_args) : null))}::text[], ${col((t) => t.tokens_in)}::int[], ${col((t) => t.tokens_out)}::int[],
                  ${col((t) => t.confidence_score)}::numeric[], ${col((t) => t.audioUrl)}::text[], ${col((t) => t.latency_ms)}::int[],
                  ${col((t) => t.referenceText)}::text[], ${col((t) => t.word_errors)}::int[], ${col((t) => t.reference_words)}::int[])
        AS u(call_id, seq, role, text, start_ms, end_ms, barge_in, tool_name, tool_args, tokens_in, tokens_out, confidence, audio_url, latency,
             reference_text, word_errors, reference_words)
      ON CONFLICT (organization_id, call_id, seq) DO NOTHING`.execute(trx);
  },

  async turns(callId: string, trx: Trx): Promise<TurnRow[]> {
    return (await sql<TurnRow>`
      SELECT seq, role, text, start_ms, end_ms, barge_in, tool_name, tool_args, tokens_in, tokens_out, confidence_score::float8 AS confidence_score,
             latency_ms, word_errors, reference_words
      FROM voice_call_turn WHERE organization_id = app_org_id() AND call_id = ${callId} ORDER BY seq`.execute(trx)).rows;
  },

  /** Move a call on: each field only when given (undefined leaves it). */
  async update(id: string, f: Record<string, unknown>, trx: Trx) {
    const entries = Object.entries(f).filter(([, v]) => v !== undefined);
    if (!entries.length) return;
    const sets = entries.map(([k, v]) => sql`${sql.ref(k)} = ${k.endsWith('_json') || k === 'ai_summary' || k === 'silence_periods' ? sql`${JSON.stringify(v)}::jsonb` : k === 'objections_raised' ? sql`${v}::text[]` : sql`${v}`}`);
    await sql`UPDATE voice_call SET ${sql.join(sets)} WHERE organization_id = app_org_id() AND id = ${id}`.execute(trx);
  },
};

/** What is kept of an event: the carrier's payload, and what Porchlight read from it. */
function eventPayload(e: VoiceEvent) {
  const read = Object.fromEntries(Object.entries({ hangup: e.hangup, error_code: e.errorCode, duration_seconds: e.durationSeconds, cost_cents: e.costCents,
    machine: e.machine, recording_url: e.recordingUrl, turn: e.turn ? { role: e.turn.role, start_ms: e.turn.startMs, end_ms: e.turn.endMs, tool: e.turn.toolName } : undefined })
    .filter(([, v]) => v !== undefined && v !== null));
  return { ...e.payload, porchlight: read };
}
