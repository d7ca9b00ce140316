import { z } from 'zod';
import type { Sleep } from '../http/http-client.ts';
import { createVendorPoster, sendBatch } from './vendor-post.ts';
import type { ChannelAdapter, OutboundMessage, SendResult } from './ports.ts';

// SMS and calls through Twilio's REST API (2010-04-01):
//   POST {base}/2010-04-01/Accounts/{AccountSid}/Messages.json   To, From | MessagingServiceSid, Body, StatusCallback
//   POST {base}/2010-04-01/Accounts/{AccountSid}/Calls.json      To, From, Twiml | Url, StatusCallback,
//                                                                StatusCallbackEvent, Record, MachineDetection
// form-encoded, HTTP Basic AccountSid:AuthToken; answers are JSON: a Message or Call resource
// (sid, status, num_segments, price as a negative USD string, error_code, error_message) on 201,
// {code, message, more_info, status} on an error.
//
// The shared JSON client (http/http-client.ts) does not fit: Twilio takes form bodies, its error
// code must survive into the result, and a send must not sleep through 429s (the dispatcher
// retries later). Its token bucket does fit, so SMS and calls draw on one per account.
//
// At most once: Twilio has no idempotency key, so a request that may have reached it (a timeout,
// a connection reset mid-request) is never answered 'retry': it is 'failed' as "outcome unknown".
// Only failures that certainly left nothing behind (refused connection, DNS, 429, 5xx) are retried.

const API_VERSION = '2010-04-01';
const CALL_EVENTS = ['initiated', 'ringing', 'answered', 'completed'] as const;

export interface TwilioClientOptions {
  accountSid: string;
  authToken: string;
  /** Default https://api.twilio.com; a stub's URL in tests. */
  baseUrl?: string;
  timeoutMs?: number;
  /** Requests per second for the whole account, SMS and calls together. */
  ratePerSecond?: number;
  burst?: number;
  /** Requests in flight at once; Twilio limits concurrent API requests per account. Default 4. */
  concurrency?: number;
  fetchImpl?: typeof fetch;
  sleep?: Sleep;
  now?: () => number;
}

type Outcome =
  | { kind: 'ok'; body: unknown }
  | { kind: 'failed' | 'retry'; error: string; status?: number };

export interface TwilioClient {
  readonly accountSid: string;
  readonly concurrency: number;
  /** POST one form to Messages.json or Calls.json; never throws for a vendor or network failure. */
  create(resource: 'Messages' | 'Calls', form: URLSearchParams): Promise<Outcome>;
}

const ErrorBody = z.object({ code: z.coerce.number().nullish(), message: z.string().nullish() });

export function createTwilioClient(opts: TwilioClientOptions): TwilioClient {
  const baseUrl = (opts.baseUrl ?? 'https://api.twilio.com').replace(/\/+$/, '');
  const auth = `Basic ${Buffer.from(`${opts.accountSid}:${opts.authToken}`).toString('base64')}`;
  // one poster for the client, not per batch: SMS and calls sharing it share the account's limits too
  const poster = createVendorPoster({ ...opts, vendor: 'twilio', describeError });
  return {
    accountSid: opts.accountSid,
    concurrency: poster.concurrency,
    async create(resource, form) {
      const url = `${baseUrl}/${API_VERSION}/Accounts/${encodeURIComponent(opts.accountSid)}/${resource}.json`;
      const r = await poster.inSlot(() => poster.post(url, { authorization: auth, 'content-type': 'application/x-www-form-urlencoded' }, form.toString()));
      // no answer: it may have gone; not sent again, to send at most once
      return r.kind === 'unknown' ? { kind: 'failed', error: `twilio: outcome unknown (${r.why}); not sent again, to send at most once` } : r;
    },
  };
}

/** "21211: The 'To' number ... is not a valid phone number." when Twilio gave a code, else "HTTP 502". */
function describeError(status: number, text: string): string {
  let parsed: z.infer<typeof ErrorBody> | null = null;
  try {
    const r = ErrorBody.safeParse(JSON.parse(text));
    parsed = r.success ? r.data : null;
  } catch {
    // an HTML error page from a proxy: the status says enough
  }
  if (parsed?.code) return `${parsed.code}: ${parsed.message ?? `HTTP ${status}`}`;
  return parsed?.message ? `HTTP ${status}: ${parsed.message}` : `HTTP ${status}`;
}

/**
 * Twilio's price ("-0.00750", negative: a charge) as positive integer cents, rounded half up, by decimal
 * digits rather than floats so "-0.04500" is 5 and not 4. Null when Twilio does not say yet (the
 * usual case at creation: the price arrives with the status callbacks) or bills in another currency.
 */
export function twilioPriceToCents(price: string | number | null | undefined, unit?: string | null): number | null {
  if (price == null || (unit && unit.toUpperCase() !== 'USD')) return null;
  const m = /^[-+]?(\d*)(?:\.(\d*))?$/.exec(String(price).trim());
  if (!m || (!m[1] && !m[2])) return null;
  const frac = (m[2] ?? '').padEnd(3, '0');
  return Number(m[1] || '0') * 100 + Number(frac.slice(0, 2)) + (Number(frac[2]) >= 5 ? 1 : 0);
}

const Resource = z.object({
  sid: z.string().min(1),
  status: z.string().nullish(),
  num_segments: z.coerce.number().int().nullish(),
  price: z.union([z.string(), z.number()]).nullish(),
  price_unit: z.string().nullish(),
  error_code: z.coerce.number().nullish(),
  error_message: z.string().nullish(),
});

function toResult(msg: OutboundMessage, outcome: Outcome): SendResult {
  if (outcome.kind !== 'ok') return { messageId: msg.messageId, outcome: outcome.kind, error: outcome.error };
  const r = Resource.safeParse(outcome.body);
  // A 2xx means Twilio took it: it is sent even if the answer is unreadable; saying otherwise
  // would send it twice. Without a sid its status callbacks cannot be matched, hence the note.
  if (!r.success) return { messageId: msg.messageId, outcome: 'sent', providerMessageId: null, error: 'twilio: accepted, but the answer had no readable sid' };
  const b = r.data;
  if (b.status === 'failed' || b.status === 'canceled' || b.error_code) {
    return { messageId: msg.messageId, outcome: 'failed', providerMessageId: b.sid, error: `twilio: ${b.error_code ?? b.status}: ${b.error_message ?? b.status}` };
  }
  return { messageId: msg.messageId, outcome: 'sent', providerMessageId: b.sid, costCents: twilioPriceToCents(b.price, b.price_unit), segments: b.num_segments ?? null };
}

/** The account's settings, or a client to share so SMS and calls of one account draw on one limit. */
type ChannelOptions = (TwilioClientOptions | { client: TwilioClient }) & {
  /** The sender when a message names none, E.164. */
  fromNumber?: string | null;
  /** Where Twilio posts status events when a message names no URL of its own. */
  statusCallbackUrl?: string | null;
};

export type TwilioSmsOptions = ChannelOptions & {
  /**
   * When set, Messages go out through this Messaging Service, which picks the sender from its
   * pool (sticky sender, geographic match, 10DLC campaign) and `From` is not sent at all.
   */
  messagingServiceSid?: string | null;
};

export type TwilioVoiceOptions = ChannelOptions & {
  /** Answering-machine detection; null sends none. Default 'Enable'. */
  machineDetection?: 'Enable' | 'DetectMessageEnd' | null;
  /**
   * A URL serving TwiML for a message (an AI call driven by Porchlight's voice webhook); when it
   * returns null or is absent, the call says the message body (<Say>).
   */
  twimlUrl?: (msg: OutboundMessage) => string | null;
};

const clientOf = (o: ChannelOptions) => ('client' in o ? o.client : createTwilioClient(o));
const callbackOf = (o: ChannelOptions, m: OutboundMessage) => m.statusCallbackUrl || o.statusCallbackUrl || null;

export function createTwilioSmsAdapter(opts: TwilioSmsOptions): ChannelAdapter {
  const client = clientOf(opts);
  function build(m: OutboundMessage): URLSearchParams | string {
    const form = new URLSearchParams({ To: m.to, Body: m.body });
    if (opts.messagingServiceSid) form.set('MessagingServiceSid', opts.messagingServiceSid);
    else if (m.from || opts.fromNumber) form.set('From', m.from || opts.fromNumber!);
    else return 'twilio: no sender: set TWILIO_FROM_NUMBER or the outreach settings from_phone';
    const callback = callbackOf(opts, m);
    if (callback) form.set('StatusCallback', callback);
    return form;
  }
  return {
    name: 'twilio',
    port: 'sms',
    send: (batch) => sendBatch('twilio', client.concurrency, batch, build, (form) => client.create('Messages', form), toResult),
    // No lookup: Twilio keeps no idempotency key, and nothing we send is echoed back in a way the
    // Messages list can filter on (only To, From and DateSent), so after a crash it cannot tell
    // whether a message got there. Without lookup the dispatcher marks such messages failed as
    // "outcome unknown" instead of risking a second text.
  };
}

const xmlEscape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function createTwilioVoiceAdapter(opts: TwilioVoiceOptions): ChannelAdapter {
  const client = clientOf(opts);
  const machineDetection = opts.machineDetection === undefined ? 'Enable' : opts.machineDetection;
  function build(m: OutboundMessage): URLSearchParams | string {
    const from = m.from || opts.fromNumber;
    // Calls cannot go through a Messaging Service: a caller id is always needed.
    if (!from) return 'twilio: no caller id: set TWILIO_FROM_NUMBER or the outreach settings from_phone';
    const form = new URLSearchParams({ To: m.to, From: from });
    const url = opts.twimlUrl?.(m);
    if (url) form.set('Url', url);
    else form.set('Twiml', `<Response><Say>${xmlEscape(m.body)}</Say></Response>`);
    const callback = callbackOf(opts, m);
    if (callback) {
      form.set('StatusCallback', callback);
      // Twilio takes the events as a repeated field; without them it posts only "completed".
      for (const e of CALL_EVENTS) form.append('StatusCallbackEvent', e);
    }
    // Recording only when the gate allowed it (two-party consent states): never by default.
    if (m.record) form.set('Record', 'true');
    if (machineDetection) form.set('MachineDetection', machineDetection);
    return form;
  }
  return {
    name: 'twilio',
    port: 'voice',
    send: (batch) => sendBatch('twilio', client.concurrency, batch, build, (form) => client.create('Calls', form), toResult),
    // No lookup, for the same reason as SMS: Twilio cannot be asked by idempotency key.
  };
}
