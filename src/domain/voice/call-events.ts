import { sql } from 'kysely';
import type { Trx } from '../../db/tenant.ts';
import type { VoiceEvent } from '../../providers/voice/events.ts';
import { inboundRepository } from '../inbound/inbound.repository.ts';
import { readOutreachSettings } from '../outreach/outreach-settings.ts';
import { analyzeCall, percentile, saysOptOut, wordErrors } from './analysis.ts';
import { callsRepository as repo, type CallRow, type NewTurn } from './calls.repository.ts';
import { readVoiceConfig } from './config.repository.ts';

// Applying what a carrier (or the local adapter) reports about calls, in the webhook's
// transaction. Each event is recorded once by (provider, event id); only events not seen
// before move a call on, so a webhook delivered twice, or replayed after a crash, changes
// nothing the second time. Status only moves forward (a late "ringing" after "answered" is
// kept as an event and changes nothing). A user turn that says "opt out" puts the number on
// the organization's list at once; a call that ended is analyzed, priced and given its retry.

/**
 * Events an AI agent runtime reports for a call it is speaking on (its turns, tool calls, the
 * words it heard): addressed by Porchlight's call id, whoever the carrier is.
 */
export const AGENT_PROVIDER = 'agent';

const RANK = { initiated: 0, ringing: 1, in_progress: 2, completed: 3, failed: 3, no_answer: 3 } as const;

export interface ApplyDeps {
  /** A booking tool call: make the booking (null: the estimator is taken or none is known). */
  book(trx: Trx, call: CallRow, args: Record<string, unknown>): Promise<string | null>;
  /** Stop the lead's sequences: the person asked not to be contacted. */
  stopSequences?(trx: Trx, leadIds: string[]): Promise<unknown>;
}

export interface ApplyReport {
  applied: number;
  duplicates: number;
  /** Events whose call is not known here (yet): the carrier should deliver them again later. */
  unknown: string[];
  optedOut: number;
  ended: string[];
}

export async function applyVoiceEvents(trx: Trx, deps: ApplyDeps, events: VoiceEvent[], hints: Map<string, string> = new Map()): Promise<ApplyReport> {
  const report: ApplyReport = { applied: 0, duplicates: 0, unknown: [], optedOut: 0, ended: [] };
  const byProvider = groupBy(events, (e) => e.provider);
  for (const [provider, list] of byProvider) {
    const ids = [...new Set(list.map((e) => e.providerCallId))];
    const calls = provider === AGENT_PROVIDER
      ? new Map((await repo.byIds(ids.filter(isUuid), trx, true)).map((c) => [c.id, c]))
      : new Map((await repo.byProviderIds(provider, ids, trx)).map((c) => [c.provider_call_id!, c]));
    // the carrier's first event can come before its answer to "place the call" was stored: the
    // call id it echoes back (client_state) finds the call
    const missing = ids.filter((id) => !calls.has(id) && hints.has(id));
    for (const c of await repo.byIds(missing.map((id) => hints.get(id)!), trx, true)) {
      const pid = missing.find((id) => hints.get(id) === c.id)!;
      if (c.provider_call_id && c.provider_call_id !== pid) continue;
      await repo.update(c.id, { provider_call_id: pid, carrier: provider }, trx);
      calls.set(pid, { ...c, provider_call_id: pid, carrier: provider });
    }
    const known = list.filter((e) => calls.has(e.providerCallId));
    report.unknown.push(...list.filter((e) => !calls.has(e.providerCallId)).map((e) => e.eventId));
    const fresh = await repo.insertEvents(known.map((e) => ({ callId: calls.get(e.providerCallId)!.id, e })), trx);
    report.duplicates += known.length - fresh.size;
    const todo = known.filter((e) => fresh.has(e.eventId)).sort((a, b) => a.occurredAt.getTime() - b.occurredAt.getTime());
    report.applied += todo.length;
    const last = await repo.lastTurns([...new Set(todo.map((e) => calls.get(e.providerCallId)!.id))], trx);
    const turns: (NewTurn & { seq: number })[] = [];
    for (const [pid, evs] of groupBy(todo, (e) => e.providerCallId)) {
      const call = calls.get(pid)!;
      const f: Record<string, unknown> = {};
      let status = call.status;
      const move = (to: CallRow['status']) => void (RANK[to] > RANK[status] && (status = to));
      let prev = last.get(call.id) ?? { seq: 0, role: 'none', end_ms: 0 };
      let ended: VoiceEvent | null = null;
      let optOut: string | null = null;
      for (const e of evs) {
        if (e.type === 'call_ringing' && RANK[status] < 1) {
          move('ringing');
          f.ringing_at = e.occurredAt;
        } else if (e.type === 'call_answered' && RANK[status] < 2) {
          move('in_progress');
          f.started_at = e.occurredAt;
          f.conversation_state = 'greeting';
        } else if (e.type === 'recording_saved' && call.record && e.recordingUrl) {
          f.recording_url = e.recordingUrl;
        } else if (e.turn) {
          const t = e.turn;
          const we = t.role === 'user' && t.referenceText ? wordErrors(t.referenceText, t.text) : null;
          turns.push({
            callId: call.id, seq: prev.seq + 1, role: t.role, text: t.text, start_ms: t.startMs, end_ms: Math.max(t.endMs, t.startMs), barge_in: !!t.bargeIn,
            tool_name: t.role === 'tool' ? (t.toolName ?? 'tool') : null, tool_args: t.toolArgs ?? null, tokens_in: t.tokensIn ?? null, tokens_out: t.tokensOut ?? null,
            confidence_score: t.confidence ?? null, audioUrl: t.audioUrl ?? null, referenceText: t.referenceText ?? null,
            // an agent turn's latency: from the end of the caller's turn before it
            latency_ms: t.role === 'agent' && prev.role === 'user' ? Math.max(0, t.startMs - prev.end_ms) : null,
            word_errors: we?.errors ?? null, reference_words: we?.words ?? null,
          });
          prev = { seq: prev.seq + 1, role: t.role, end_ms: t.endMs };
          if (t.role === 'user' && saysOptOut(t.text)) optOut ??= t.text;
          if (RANK[status] < 2) move('in_progress');
          f.conversation_state = t.role === 'tool' ? 'scheduling' : optOut ? 'closing' : 'qualification';
        } else if (e.type === 'call_ended') {
          ended = e;
        }
      }
      if (optOut && call.peer_hash) {
        // COMPLIANCE.md §3.3: a spoken opt-out stops every marketing channel, at once
        await inboundRepository.suppress({ kind: 'phone', hash: Buffer.from(call.peer_hash), display: call.to_display, channels: null, reason: `said on a call: ${optOut}`, source: 'call_opt_out' }, trx);
        if (call.lead_id && deps.stopSequences) await deps.stopSequences(trx, [call.lead_id]);
        report.optedOut++;
      }
      if (status !== call.status) f.status = status;
      await repo.update(call.id, f, trx);
      if (ended && !call.ended_at) {
        await repo.insertTurns(turns.filter((t) => t.callId === call.id), trx);
        await finish(trx, deps, { ...call, status }, ended);
        report.ended.push(call.id);
      }
    }
    await repo.insertTurns(turns.filter((t) => !report.ended.includes(t.callId)), trx);
  }
  return report;
}

/** A call ended: its analysis, latencies, costs, the retry it gets, and its message's status. */
async function finish(trx: Trx, deps: ApplyDeps, call: CallRow, e: VoiceEvent) {
  const turns = await repo.turns(call.id, trx);
  const events = (await sql<{ machine: boolean; started: Date | null }>`
    SELECT bool_or((payload -> 'porchlight' ->> 'machine')::boolean) AS machine,
           min(occurred_at) FILTER (WHERE event_type = 'call_answered') AS started
    FROM voice_call_event WHERE organization_id = app_org_id() AND call_id = ${call.id}`.execute(trx)).rows[0]!;
  const answered = !!events.started || turns.some((t) => t.role === 'user');
  let bookingId: string | null = null;
  for (const t of turns.filter((t) => t.role === 'tool' && t.tool_name === 'book_appointment' && t.tool_args)) {
    bookingId ??= await deps.book(trx, call, t.tool_args!);
  }
  const a = analyzeCall({ goal: call.conversation_goal, answered, hangup: e.hangup ?? null, machine: !!events.machine, turns: turns.map((t) => ({ role: t.role, text: t.text, toolName: t.tool_name })), booked: !!bookingId });
  const startedAt = call.started_at ?? events.started;
  const duration = e.durationSeconds ?? (startedAt ? Math.max(0, Math.round((e.occurredAt.getTime() - startedAt.getTime()) / 1000)) : 0);
  const minutes = Math.ceil(duration / 60);
  const prices = (await readOutreachSettings(trx)).prices;
  const config = call.user_id ? await readVoiceConfig(trx, call.user_id) : await readVoiceConfig(trx, null);
  const status: CallRow['status'] = a.outcome === 'failed' ? 'failed' : a.outcome === 'no_answer' ? 'no_answer' : 'completed';
  const latencies = turns.filter((t) => t.latency_ms !== null).map((t) => t.latency_ms!);
  const confidences = turns.filter((t) => t.confidence_score !== null).map((t) => Number(t.confidence_score));
  const firstAgent = turns.find((t) => t.role === 'agent');
  const retry = (status === 'no_answer' || status === 'failed') && call.direction === 'outbound' && !call.blocked_reason && call.retry_attempts < config.max_retries;
  await repo.update(call.id, {
    status, ended_at: new Date(Math.max(e.occurredAt.getTime(), call.initiated_at.getTime())), started_at: startedAt ?? undefined, duration_seconds: duration,
    last_error_code: status === 'completed' ? undefined : (e.errorCode ?? e.hangup ?? null), last_error_at: status === 'completed' ? undefined : e.occurredAt,
    outcome: a.outcome, interest_level: a.interestLevel, objections_raised: a.objections, next_steps: a.nextSteps, summary: a.summary,
    conversation_state: a.conversationState,
    ai_summary: { outcome: a.outcome, interest_level: a.interestLevel, objections: a.objections, next_steps: a.nextSteps, summary: a.summary, analyzed_by: 'porchlight-rules', booking_id: bookingId },
    transcript: turns.filter((t) => t.role !== 'tool').map((t) => `${t.role === 'agent' ? 'Agent' : 'Owner'}: ${t.text}`).join('\n') || null,
    transcript_json: turns.map((t) => ({ seq: t.seq, role: t.role, text: t.text, start_ms: t.start_ms, end_ms: t.end_ms, barge_in: t.barge_in, tool: t.tool_name })),
    first_audio_latency_ms: firstAgent ? firstAgent.start_ms : null,
    p95_latency_ms: percentile(latencies, 0.95),
    barge_in_count: turns.filter((t) => t.barge_in).length,
    tool_calls_made: turns.filter((t) => t.role === 'tool').length,
    avg_confidence: confidences.length ? Number((confidences.reduce((s, x) => s + x, 0) / confidences.length).toFixed(3)) : null,
    silence_periods: silences(turns),
    call_cost_cents: e.costCents ?? minutes * (prices.call_minute ?? 0),
    ai_cost_cents: call.agent === 'ai' ? minutes * (prices.ai_call_minute ?? 0) : 0,
    retry_at: retry ? new Date(e.occurredAt.getTime() + config.retry_delay_minutes * 60_000) : null,
  }, trx);
  if (call.message_id) {
    // the message of the call says how it went: delivered when someone (or a machine) picked up
    await sql`UPDATE message SET call_duration_seconds = ${duration},
        status = CASE WHEN ${answered} THEN 'delivered' ELSE 'failed' END,
        delivered_at = CASE WHEN ${answered} THEN ${e.occurredAt}::timestamptz END,
        failed_at = CASE WHEN NOT ${answered} THEN ${e.occurredAt}::timestamptz END,
        error = CASE WHEN NOT ${answered} THEN ${`call ${(e.hangup ?? 'no_answer').replace('_', '-')}`} END
      WHERE organization_id = app_org_id() AND id = ${call.message_id} AND status IN ('sent', 'delivered')`.execute(trx);
  }
}

/** Gaps of 3 s or more between turns: where the line went quiet. */
function silences(turns: { start_ms: number; end_ms: number }[]) {
  const out: { from_ms: number; to_ms: number }[] = [];
  for (let i = 1; i < turns.length; i++) {
    const gap = turns[i]!.start_ms - turns[i - 1]!.end_ms;
    if (gap >= 3000) out.push({ from_ms: turns[i - 1]!.end_ms, to_ms: turns[i]!.start_ms });
  }
  return out;
}

const isUuid = (s: string) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(s);

function groupBy<T>(items: T[], key: (t: T) => string): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const t of items) (m.get(key(t)) ?? m.set(key(t), []).get(key(t))!).push(t);
  return m;
}
