import { z } from 'zod';
import { AppError } from '../../app/errors.ts';
import type { ChannelAdapter, OutboundMessage, SendResult } from '../channels/ports.ts';
import type { Sleep } from '../http/http-client.ts';
import { createVendorPoster, sendBatch } from '../channels/vendor-post.ts';
import type { Hangup, VoiceEvent } from './events.ts';

// Calls through Telnyx Call Control (API v2), and its webhooks turned into VoiceEvents.
//   POST {base}/v2/calls   JSON: connection_id, to, from, webhook_url, client_state (base64),
//                          command_id, timeout_secs, time_limit_secs, record, answering_machine_detection
// Bearer API key. 2xx: { data: { call_control_id, call_leg_id, call_session_id, is_alive, record_type } };
// an error: { errors: [{ code, title, detail, source }] }. The call then lives in webhooks
// (call.initiated, call.answered, call.hangup ...), which parseTelnyxWebhook reads; the signature
// is checked first (telnyx-signature.ts). Dial cannot speak text: whatever the call says is a
// Call Control command (speak, playback) issued on call.answered, not part of placing it.
//
// At most once. Telnyx ignores a second command with the same command_id for 60 seconds (its
// "command retries" guidance), so the idempotency key goes out as command_id, and a dial whose
// answer never came (a timeout, a connection reset mid-request) is sent once more at once, within
// that window. If that answer is lost too, the call is 'failed' as "outcome unknown": the
// dispatcher's next attempt comes minutes later, outside the window, and could ring the person twice.
// Only failures that certainly left nothing behind (refused connection, DNS, 429, 5xx) are 'retry'.

export const TELNYX_PROVIDER = 'telnyx';
/** Telnyx's dedupe window for command_id is 60 s; a resend is only safe well inside it. */
const RESEND_WITHIN_MS = 45_000;
const MAX_TIME_LIMIT_SECS = 14_400;

export interface TelnyxClientOptions {
  apiKey: string;
  /** Default https://api.telnyx.com; a stub's URL in tests. */
  baseUrl?: string;
  timeoutMs?: number;
  /** Requests per second for the account (Telnyx allows 30 dials a second by default). */
  ratePerSecond?: number;
  burst?: number;
  /** Requests in flight at once. Default 4. */
  concurrency?: number;
  fetchImpl?: typeof fetch;
  sleep?: Sleep;
  now?: () => number;
}

/** The body of POST /v2/calls, as far as Porchlight fills it. */
export interface TelnyxDialRequest {
  connection_id: string;
  to: string;
  from: string;
  command_id?: string;
  webhook_url?: string;
  webhook_url_method?: 'POST';
  client_state?: string;
  timeout_secs?: number;
  time_limit_secs?: number;
  record?: 'record-from-answer';
  answering_machine_detection?: TelnyxMachineDetection;
}

export type TelnyxMachineDetection = 'detect' | 'detect_beep' | 'detect_words' | 'greeting_end' | 'premium';

type Outcome = { kind: 'ok'; body: unknown } | { kind: 'failed' | 'retry'; error: string; status?: number };

export interface TelnyxClient {
  readonly concurrency: number;
  /** POST /v2/calls; never throws for a vendor or network failure. */
  dial(body: TelnyxDialRequest): Promise<Outcome>;
}

const ErrorBody = z.object({
  errors: z.array(z.object({ code: z.coerce.string().nullish(), title: z.string().nullish(), detail: z.string().nullish() })).min(1),
});

export function createTelnyxClient(opts: TelnyxClientOptions): TelnyxClient {
  const baseUrl = (opts.baseUrl ?? 'https://api.telnyx.com').replace(/\/+$/, '');
  const now = opts.now ?? Date.now;
  const poster = createVendorPoster({ ...opts, vendor: 'telnyx', describeError });
  const post = (body: TelnyxDialRequest) =>
    poster.post(`${baseUrl}/v2/calls`, { authorization: `Bearer ${opts.apiKey}`, 'content-type': 'application/json' }, JSON.stringify(body));
  return {
    concurrency: poster.concurrency,
    dial: (body) => poster.inSlot(async (): Promise<Outcome> => {
      const started = now();
      let attempt = await post(body);
      // no answer: the same command again while Telnyx still knows its command_id dials once
      if (attempt.kind === 'unknown' && body.command_id && now() - started < RESEND_WITHIN_MS) attempt = await post(body);
      if (attempt.kind !== 'unknown') return attempt;
      return { kind: 'failed', error: `telnyx: outcome unknown (${attempt.why}); not sent again, to call at most once` };
    }),
  };
}

/** "10015: The 'to' number is invalid" from Telnyx's errors array, else "HTTP 502". */
function describeError(status: number, text: string): string {
  try {
    const r = ErrorBody.safeParse(JSON.parse(text));
    if (r.success) {
      return r.data.errors.map((e) => [e.code, e.detail || e.title || `HTTP ${status}`].filter(Boolean).join(': ')).join('; ');
    }
  } catch {
    // an HTML error page from a proxy: the status says enough
  }
  return `HTTP ${status}`;
}

const DialAnswer = z.object({ data: z.object({ call_control_id: z.string().min(1) }) });

function toResult(msg: OutboundMessage, outcome: Outcome): SendResult {
  if (outcome.kind !== 'ok') return { messageId: msg.messageId, outcome: outcome.kind, error: outcome.error };
  const r = DialAnswer.safeParse(outcome.body);
  // A 2xx means Telnyx is dialing: it is sent even if the answer is unreadable; saying otherwise
  // would ring twice. Its webhooks still carry client_state, so the call can be matched by that.
  if (!r.success) return { messageId: msg.messageId, outcome: 'sent', providerMessageId: null, error: 'telnyx: accepted, but the answer had no readable call_control_id' };
  return { messageId: msg.messageId, outcome: 'sent', providerMessageId: r.data.data.call_control_id };
}

/** The account's settings, or a client to share. */
export type TelnyxVoiceOptions = (TelnyxClientOptions | { client: TelnyxClient }) & {
  /** The Call Control Application (TELNYX_CONNECTION_ID) whose number and settings place the call. */
  connectionId: string;
  /** The caller id when a message names none, E.164. */
  fromNumber?: string | null;
  /**
   * Where Telnyx posts a call's webhooks when the message names no URL of its own (the outbox gives
   * each call its organization's /v1/webhooks/telnyx/{org}/voice); with neither, Telnyx posts to
   * the URL set on the Call Control Application.
   */
  webhookUrl?: string | null;
  /** Answering-machine detection; null sends none. Default 'detect'. */
  machineDetection?: TelnyxMachineDetection | null;
  /** How long it rings before Telnyx gives up (hangup_cause timeout), 5..120 s. Default 30. */
  ringTimeoutSeconds?: number;
};

/** client_state: base64 of {"call_id": ...}, echoed back by Telnyx on every webhook of the call. */
export function encodeClientState(callId: string): string {
  return Buffer.from(JSON.stringify({ call_id: callId }), 'utf8').toString('base64');
}

/** The call id in a client_state we made; null for anything else (an inbound call, another app's state). */
export function decodeClientState(state: unknown): string | null {
  if (typeof state !== 'string' || !state) return null;
  try {
    const parsed: unknown = JSON.parse(Buffer.from(state, 'base64').toString('utf8'));
    const id = (parsed as { call_id?: unknown } | null)?.call_id;
    return typeof id === 'string' && id ? id : null;
  } catch {
    return null;
  }
}

export function buildTelnyxDial(opts: TelnyxVoiceOptions, m: OutboundMessage): TelnyxDialRequest | string {
  const from = m.from || opts.fromNumber;
  if (!from) return 'telnyx: no caller id: set TELNYX_FROM_NUMBER or the outreach settings from_phone';
  const body: TelnyxDialRequest = { connection_id: opts.connectionId, to: m.to, from, command_id: m.idempotencyKey, timeout_secs: opts.ringTimeoutSeconds ?? 30 };
  const webhook = m.statusCallbackUrl || opts.webhookUrl;
  if (webhook) Object.assign(body, { webhook_url: webhook, webhook_url_method: 'POST' });
  if (m.callId) body.client_state = encodeClientState(m.callId);
  // Telnyx hangs up with hangup_cause time_limit; whole seconds, at most its 4-hour ceiling.
  if (m.timeLimitSeconds && m.timeLimitSeconds > 0) body.time_limit_secs = Math.min(MAX_TIME_LIMIT_SECS, Math.ceil(m.timeLimitSeconds));
  // Recording only when the gate allowed it (two-party consent states): never by default.
  if (m.record) body.record = 'record-from-answer';
  const amd = opts.machineDetection === undefined ? 'detect' : opts.machineDetection;
  if (amd) body.answering_machine_detection = amd;
  return body;
}

export function createTelnyxVoiceAdapter(opts: TelnyxVoiceOptions): ChannelAdapter {
  const client = 'client' in opts ? opts.client : createTelnyxClient(opts);
  return {
    name: TELNYX_PROVIDER,
    port: 'voice',
    // No lookup: command_id dedupes for 60 seconds only, and Telnyx cannot be asked later by it.
    send: (batch) => sendBatch('telnyx', client.concurrency, batch, (m) => buildTelnyxDial(opts, m), (body) => client.dial(body), toResult),
  };
}

// ---- webhooks -------------------------------------------------------------------------------

const Envelope = z.object({
  data: z.object({
    event_type: z.string().min(1),
    id: z.string().min(1),
    occurred_at: z.string().min(1),
    payload: z.record(z.string(), z.unknown()).default({}),
  }),
});

const CallPayload = z.object({ call_control_id: z.string().min(1), client_state: z.string().nullish() }).loose();

export interface ParsedTelnyxWebhook {
  events: VoiceEvent[];
  /** call_control_id → Porchlight's call id, from the client_state we dialed with. */
  callIds: Map<string, string>;
  /** Event types read but not turned into an event: ones Porchlight has no use for, interim transcripts, call.cost. */
  ignored: string[];
}

/** How a call ended, from Telnyx's hangup_cause; any cause not named here is a failure. */
export function telnyxHangup(cause: string | null | undefined): Hangup {
  switch (cause) {
    case 'normal_clearing': return 'completed';
    case 'timeout':
    case 'no_answer': return 'no_answer';
    case 'user_busy': return 'busy';
    case 'originator_cancel': return 'canceled';
    case 'time_limit': return 'time_limit';
    default: return 'failed';
  }
}

function seconds(start: unknown, end: unknown): number | null {
  if (typeof start !== 'string' || typeof end !== 'string') return null;
  const ms = Date.parse(end) - Date.parse(start);
  return Number.isFinite(ms) && ms >= 0 ? Math.round(ms / 1000) : null;
}

/**
 * Telnyx's webhook body (one envelope per request; an array of them is read too) as VoiceEvents.
 * Unknown event types are listed in `ignored`, not refused: Telnyx adds events, and an error would
 * make it retry one we will never read. A body that is not a Telnyx envelope is a VALIDATION error.
 */
export function parseTelnyxWebhook(body: unknown): ParsedTelnyxWebhook {
  const out: ParsedTelnyxWebhook = { events: [], callIds: new Map(), ignored: [] };
  for (const [i, raw] of (Array.isArray(body) ? body : [body]).entries()) {
    const env = Envelope.safeParse(raw);
    if (!env.success) throw invalid(i, env.error.issues[0]?.path.join('.') ?? 'data', 'is not a Telnyx webhook envelope');
    const { event_type: type, id, occurred_at, payload } = env.data.data;
    const event = toEvent(type, payload);
    if (!event) {
      out.ignored.push(type);
      continue;
    }
    const call = CallPayload.safeParse(payload);
    if (!call.success) throw invalid(i, 'data.payload.call_control_id', `is required for ${type}`);
    const occurredAt = new Date(occurred_at);
    if (Number.isNaN(occurredAt.getTime())) throw invalid(i, 'data.occurred_at', 'is not a date');
    const callId = decodeClientState(call.data.client_state);
    if (callId) out.callIds.set(call.data.call_control_id, callId);
    out.events.push({ provider: TELNYX_PROVIDER, eventId: id, providerCallId: call.data.call_control_id, occurredAt, payload, ...event });
  }
  return out;
}

const invalid = (i: number, field: string, message: string) =>
  new AppError('VALIDATION', `telnyx webhook: ${field} ${message}`, [{ field: i ? `${i}.${field}` : field, message }]);

type EventPart = Omit<VoiceEvent, 'provider' | 'eventId' | 'providerCallId' | 'occurredAt' | 'payload'>;

function toEvent(type: string, p: Record<string, unknown>): EventPart | null {
  switch (type) {
    case 'call.initiated': return { type: 'call_initiated' };
    case 'call.answered': return { type: 'call_answered' };
    case 'call.hangup': {
      const cause = typeof p.hangup_cause === 'string' ? p.hangup_cause : null;
      const hangup = telnyxHangup(cause);
      // start_time is when the call was placed, ringing included: a call never answered bills
      // nothing, so only an answered call gets a duration.
      const answered = hangup === 'completed' || hangup === 'time_limit';
      return { type: 'call_ended', hangup, errorCode: cause, durationSeconds: answered ? seconds(p.start_time, p.end_time) : null };
    }
    case 'call.machine.detection.ended':
    case 'call.machine.premium.detection.ended':
      // not_sure (and premium's silence) count as a person: better to speak to a machine than hang up on one.
      return { type: 'machine_detected', machine: p.result === 'machine' };
    case 'call.recording.saved': {
      const urls = { ...asRecord(p.public_recording_urls), ...asRecord(p.recording_urls) };
      const url = [urls.mp3, urls.wav].find((u): u is string => typeof u === 'string' && u.length > 0);
      return { type: 'recording_saved', recordingUrl: url ?? null };
    }
    case 'call.transcription': {
      const t = asRecord(p.transcription_data);
      // Interim results are superseded by the final one; the outbound track is our own agent,
      // whose turns the voice domain records as it speaks them.
      if (t.is_final !== true || typeof t.transcript !== 'string' || p.transcription_track === 'outbound') return null;
      const confidence = typeof t.confidence === 'number' ? t.confidence : null;
      return { type: 'transcription_received', turn: { role: 'user', text: t.transcript, confidence, startMs: 0, endMs: 0 } };
    }
    // call.cost (total_cost with a currency, after the hangup) has no VoiceEvent of its own; it is
    // listed as ignored rather than forced into a second call_ended.
    default: return null;
  }
}

const asRecord = (v: unknown): Record<string, unknown> => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {});
