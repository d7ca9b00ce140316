import crypto from 'node:crypto';
import { sql } from 'kysely';
import { z } from 'zod';
import { AppError, notFound } from '../../app/errors.ts';
import { isoInstant, parseInput } from '../../app/validate.ts';
import type { Failpoint } from '../../app/failpoints.ts';
import type { Database } from '../../db/database.ts';
import { toAppError } from '../../db/sql-errors.ts';
import { withTenant, type Actor, type Trx } from '../../db/tenant.ts';
import type { VoiceEvent } from '../../providers/voice/events.ts';
import type { ScriptedCall, Scenario } from '../../providers/voice/local-script.ts';
import { inboundRepository } from '../inbound/inbound.repository.ts';
import type { Outbox } from '../outreach/outbox.ts';
import { readOutreachSettings } from '../outreach/outreach-settings.ts';
import { decodeCursor, page as pageOf } from '../outreach/page-cursor.ts';
import { loadRecipients } from '../outreach/recipients.repository.ts';
import type { Pii } from '../pii/pii.ts';
import type { Bookings } from './bookings.ts';
import { AGENT_PROVIDER, applyVoiceEvents, type ApplyReport } from './call-events.ts';
import { callsRepository as repo, type CallRow } from './calls.repository.ts';
import { readConfig } from './config.repository.ts';
import { callsQueries } from './calls.queries.ts';

// Calls: placed to a lead (by hand, or by a sequence's VOICE_CALL) as a message through the
// outbox, so the gate decides each attempt; logged by hand (a call made from a desk phone, an
// inbound call); moved on by the carrier's events; retried by the caller's policy. With the
// local voice adapter, the person at the other end is a scripted conversation (local-script.ts),
// reported as events through the same path a carrier's webhooks take.

export const GOALS = ['qualify', 'schedule', 'follow_up'] as const;
export const OUTCOMES = ['scheduled', 'follow_up', 'rejected', 'no_answer', 'voicemail', 'opt_out', 'failed'] as const;

export const StartCallRequest = z.strictObject({
  lead_id: z.uuid(),
  goal: z.enum(GOALS).default('qualify'),
  agent: z.enum(['ai', 'human']).default('ai').describe('ai: the AI voice agent calls (artificial voice: the gate asks for consent); human: a person does'),
  instructions: z.string().trim().max(20_000).optional().describe("for the AI agent: what this call is for, on top of the user's AI configuration"),
  idempotency_key: z.string().trim().min(1).max(200).optional(),
  scenario: z.enum(['no_answer', 'busy', 'voicemail', 'scheduled', 'follow_up', 'rejected', 'opt_out', 'long_talk']).optional()
    .describe('local voice adapter only: how the scripted person answers (a demo); drawn from the call otherwise'),
});

export const LogCallRequest = z.strictObject({
  lead_id: z.uuid(),
  direction: z.enum(['outbound', 'inbound']).default('outbound'),
  started_at: isoInstant(),
  duration_seconds: z.number().int().min(0).max(4 * 3600),
  outcome: z.enum(OUTCOMES),
  interest_level: z.enum(['high', 'medium', 'low', 'none']).optional(),
  objections: z.array(z.string().trim().min(1).max(100)).max(20).default([]),
  next_steps: z.string().max(2000).optional(),
  summary: z.string().max(5000).optional(),
  transcript: z.string().max(200_000).optional(),
  recording_url: z.url().optional(),
  idempotency_key: z.string().trim().min(1).max(200).optional(),
});

const Turn = z.strictObject({
  role: z.enum(['user', 'agent', 'tool']), text: z.string().max(20_000), start_ms: z.number().int().min(0), end_ms: z.number().int().min(0),
  barge_in: z.boolean().optional(), tool_name: z.string().max(100).optional(), tool_args: z.record(z.string(), z.unknown()).optional(),
  tokens_in: z.number().int().min(0).optional(), tokens_out: z.number().int().min(0).optional(), confidence: z.number().min(0).max(1).optional(),
  audio_url: z.url().optional(), reference_text: z.string().max(20_000).optional(),
}).refine((t) => t.end_ms >= t.start_ms, { message: 'end_ms must not be before start_ms', path: ['end_ms'] })
  .refine((t) => (t.role === 'tool') === !!t.tool_name, { message: 'a tool turn, and only a tool turn, names its tool', path: ['tool_name'] });
export const AgentEventsRequest = z.strictObject({
  events: z.array(z.strictObject({
    id: z.string().trim().min(1).max(200).describe("the runtime's id of this event: sending it again applies it once"),
    type: z.enum(['transcription_received', 'response_generated', 'tool_called', 'call_ended']),
    at: isoInstant(),
    turn: Turn.optional(),
    hangup: z.enum(['completed', 'no_answer', 'busy', 'failed', 'canceled', 'time_limit']).optional(),
  }).refine((e) => (e.type === 'call_ended') === !e.turn, { message: 'a turn event carries its turn; call_ended none', path: ['turn'] })).min(1).max(500),
});

export const ListCallsQuery = z.object({
  lead: z.uuid().optional(), user: z.uuid().optional(),
  status: z.enum(['initiated', 'ringing', 'in_progress', 'completed', 'failed', 'no_answer']).optional(),
  outcome: z.enum(OUTCOMES).optional(),
  direction: z.enum(['outbound', 'inbound']).optional(),
  from: isoInstant().optional(), to: isoInstant().optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(500).optional().describe('next_cursor of the previous page'),
});

export interface VoiceDeps {
  db: Database;
  pii: Pii;
  outbox: Pick<Outbox, 'enqueue' | 'dispatch' | 'recover'>;
  bookings: Bookings;
  /** The local adapter's scripted person (providers/voice/local-script.ts). */
  script: (c: ScriptedCall) => VoiceEvent[];
  stopSequences?: (trx: Trx, leadIds: string[]) => Promise<unknown>;
  /** Crash tests: 'voice.placed' after the call was handed to the carrier, 'voice.applied' inside the events' transaction. */
  failpoint?: Failpoint;
  now?: () => Date;
}

export function createCalls(deps: VoiceDeps) {
  const now = deps.now ?? (() => new Date());
  const failpoint = deps.failpoint ?? (() => {});
  const tenant = async <T>(actor: Actor, fn: (trx: Trx) => Promise<T>) => {
    try {
      return await withTenant(deps.db, actor, fn);
    } catch (e) {
      throw toAppError(e);
    }
  };
  const q = callsQueries;

  /** A booking the agent made on a call: with the lead's assignee, else the caller, else the organization's first owner, as estimator. */
  async function book(trx: Trx, call: CallRow, args: Record<string, unknown>) {
    if (!call.lead_id) return null;
    const estimator = (typeof args.estimator_id === 'string' ? args.estimator_id : null)
      ?? (await sql<{ id: string | null }>`
        SELECT coalesce(l.assignee_id, ${call.user_id}::uuid,
                        (SELECT u.id FROM app_user u WHERE u.organization_id = app_org_id() AND u.role = 'owner' AND u.is_active ORDER BY u.created_at LIMIT 1)) AS id
        FROM lead l WHERE l.organization_id = app_org_id() AND l.id = ${call.lead_id}`.execute(trx)).rows[0]?.id;
    if (!estimator || typeof args.window_start !== 'string' || typeof args.window_end !== 'string') return null;
    const actor: Actor = { organizationId: '', userId: call.user_id, role: 'owner', via: 'system' };
    const made = await deps.bookings.insert(trx, actor, {
      lead_id: call.lead_id, call_id: call.id, window_start: new Date(args.window_start), window_end: new Date(args.window_end), estimator_id: estimator,
      booking_type: (['inspection', 'consultation', 'estimate'] as const).find((t) => t === args.booking_type) ?? 'inspection',
      location: typeof args.location === 'string' ? args.location : undefined,
    }, { orNull: true });
    return made?.booking.id ?? null;
  }

  const apply = async (trx: Trx, events: VoiceEvent[], hints?: Map<string, string>) => {
    const report = await applyVoiceEvents(trx, { book, stopSequences: deps.stopSequences }, events, hints);
    failpoint('voice.applied');
    return report;
  };

  /** Play the local adapter's calls that have not been played: their events, as a carrier would post them. */
  async function playLocal(actor: Actor): Promise<number> {
    return tenant(actor, async (trx) => {
      const calls = await q.unplayedLocal(trx);
      if (!calls.length) return 0;
      const settings = await readOutreachSettings(trx);
      const events: VoiceEvent[] = [];
      for (const c of calls) {
        const cfg = await readConfig(trx, 'voice', c.user_id);
        events.push(...deps.script({
          providerCallId: c.provider_call_id, placedAt: c.handed_at ?? c.initiated_at, seed: c.id, goal: c.conversation_goal, ai: c.agent === 'ai',
          senderName: settings.sender_name ?? c.org_name, firstName: c.first_name, recordingDisclosure: c.record ? cfg.recording_disclosure : null,
          maxDurationSeconds: c.max_duration_seconds, scenario: (c.local_scenario as Scenario | null) ?? undefined,
        }));
      }
      await apply(trx, events);
      return calls.length;
    });
  }

  async function show(actor: Actor, id: string) {
    return tenant(actor, async (trx) => {
      const call = await q.detail(id, trx);
      if (!call) throw notFound('call', id);
      return { ...call, turns: await repo.turns(id, trx), events: await q.events(id, trx), booking: await q.bookingOf(id, trx) };
    });
  }

  async function page(actor: Actor, input: unknown) {
    const f = parseInput(ListCallsQuery, input);
    const after = f.cursor ? decodeCursor('calls', f.cursor, ['at', 'id']) : null;
    const rows = await tenant(actor, (trx) => q.list(f, after && { at: after[0]!, id: after[1]! }, trx));
    const p = pageOf(rows, f.limit, 'calls', (r) => [r.at_key, r.id]);
    return { data: p.data.map(({ at_key: _, ...r }) => r), next_cursor: p.next_cursor };
  }

  return {
    show,
    playLocal,

    /** What an AI agent runtime reports of a call it speaks on: turns, tool calls, the end; each applied once by its id. */
    async agentEvents(actor: Actor, callId: string, input: unknown) {
      const req = parseInput(AgentEventsRequest, input);
      const events: VoiceEvent[] = req.events.map((e) => ({
        provider: AGENT_PROVIDER, eventId: `${callId}:${e.id}`, providerCallId: callId, type: e.type, occurredAt: new Date(e.at), hangup: e.hangup, payload: {},
        turn: e.turn && { role: e.turn.role, text: e.turn.text, startMs: e.turn.start_ms, endMs: e.turn.end_ms, bargeIn: e.turn.barge_in, toolName: e.turn.tool_name,
          toolArgs: e.turn.tool_args, tokensIn: e.turn.tokens_in, tokensOut: e.turn.tokens_out, confidence: e.turn.confidence, audioUrl: e.turn.audio_url, referenceText: e.turn.reference_text },
      }));
      const report = await tenant(actor, (trx) => apply(trx, events));
      if (report.unknown.length) throw notFound('call', callId);
      return report;
    },

    /** A carrier's events for this organization (a webhook), applied once each. */
    receiveEvents: (actor: Actor, events: VoiceEvent[], hints?: Map<string, string>): Promise<ApplyReport> => tenant(actor, (trx) => apply(trx, events, hints)),

    async start(actor: Actor, input: unknown) {
      const req = parseInput(StartCallRequest, input);
      const { callId, messageId } = await tenant(actor, async (trx) => {
        const voice = await readConfig(trx, 'voice', actor.userId);
        const ai = await readConfig(trx, 'ai', actor.userId);
        if (voice.jurisdiction !== 'US') {
          throw new AppError('VALIDATION', `the voice configuration's jurisdiction is ${voice.jurisdiction}: Porchlight's compliance gate knows the US rules only`, [{ field: 'jurisdiction', message: 'US only' }]);
        }
        if (req.agent === 'ai' && !ai.voice_enabled) throw new AppError('VALIDATION', 'the AI voice agent is turned off in your AI configuration (voice_enabled)', [{ field: 'agent', message: 'AI voice is off' }]);
        const settings = await readOutreachSettings(trx);
        if (!settings.from_phone) throw new AppError('VALIDATION', 'outreach settings: set from_phone before placing calls (porchlight outreach settings --set from_phone=+1...)', [{ field: 'from_phone', message: 'not set' }]);
        const channel = req.agent === 'ai' ? 'ai_call' : 'call';
        const r = (await loadRecipients(trx, deps.pii, [req.lead_id], channel, settings)).get(req.lead_id);
        if (!r) throw notFound('lead', req.lead_id);
        if (!r.contact) throw new AppError('VALIDATION', 'the lead has no phone number to call', [{ field: 'lead_id', message: 'no phone' }]);
        const key = `call:${req.idempotency_key ?? crypto.randomUUID()}`;
        const script = [ai.voice_opening_prompt, req.instructions].filter(Boolean).join('\n\n') || `Call about ${req.goal.replace('_', ' ')}.`;
        const made = await deps.outbox.enqueue([{
          key, source: 'manual', senderType: req.agent === 'ai' ? 'ai' : 'user', senderUserId: actor.userId, channel, purpose: 'marketing',
          leadId: r.leadId, personId: r.personId, kind: 'phone', hash: r.contact.hash, display: r.contact.display, sealed: r.contact.sealed, body: script,
        }], trx);
        const messageId = made.get(key)!.id;
        const call = await repo.byMessage(messageId, trx);
        if (made.get(key)!.created) {
          await repo.update(call!.id, {
            conversation_goal: req.goal, ai_instructions: req.agent === 'ai' ? script : null,
            ai_voice_id: req.agent === 'ai' ? ai.voice_id : null, asr_model: `${voice.asr_vendor}:${voice.asr_language}`,
            tts_model: req.agent === 'ai' ? `${voice.tts_vendor}:${voice.default_voice_id}` : null, llm_model: req.agent === 'ai' ? `${voice.llm_vendor}:${voice.llm_model}` : null,
            local_scenario: req.scenario ?? null,
          }, trx);
        }
        return { callId: call!.id, messageId };
      });
      await deps.outbox.dispatch(actor, { ids: [messageId] });
      failpoint('voice.placed');
      await playLocal(actor);
      return show(actor, callId);
    },

    /** A call made or taken outside Porchlight (a desk phone, an inbound call), written down. */
    async log(actor: Actor, input: unknown) {
      const req = parseInput(LogCallRequest, input);
      const id = await tenant(actor, async (trx) => {
        const settings = await readOutreachSettings(trx);
        const r = (await loadRecipients(trx, deps.pii, [req.lead_id], 'call', settings)).get(req.lead_id);
        if (!r) throw notFound('lead', req.lead_id);
        const id = await q.insertLogged(trx, actor, req, r.contact ? { hash: r.contact.hash, display: r.contact.display } : null, settings.prices);
        if (req.outcome === 'opt_out' && r.contact) {
          await inboundRepository.suppress({ kind: 'phone', hash: r.contact.hash, display: r.contact.display, channels: null, reason: 'said on a call (logged)', source: 'call_opt_out' }, trx);
          if (deps.stopSequences) await deps.stopSequences(trx, [req.lead_id]);
        }
        return id;
      });
      return show(actor, id);
    },

    /** A page of calls, newest first, and the cursor of the next page (null on the last). */
    page,
    /** The calls of one page, without the cursor (the CLI's list). */
    list: async (actor: Actor, input: unknown) => (await page(actor, input)).data,

    /**
     * Every minute: calls a crash left handed over but unrecorded are settled with the carrier
     * (the local one says whether it took them), the retries that are due go through the gate
     * again, and the local adapter's calls placed meanwhile are played.
     */
    async tick(actor: Actor, opts: { strandedAfterMs?: number } = {}) {
      const recovered = await deps.outbox.recover(actor, { olderThanMs: opts.strandedAfterMs });
      const retried = await tenant(actor, (trx) => q.retryDue(now(), 500, trx));
      if (retried.length) await deps.outbox.dispatch(actor, { ids: retried });
      const played = await playLocal(actor);
      return { retried: retried.length, played, recovered: recovered.confirmed };
    },
  };
}

export type Calls = ReturnType<typeof createCalls>;
