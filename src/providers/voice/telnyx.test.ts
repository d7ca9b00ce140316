import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { OutboundMessage } from '../channels/ports.ts';
import { createTelnyxClient, createTelnyxVoiceAdapter, decodeClientState, encodeClientState, parseTelnyxWebhook, telnyxHangup } from './telnyx.ts';

// A stub Telnyx on 127.0.0.1 speaking Call Control v2's JSON: { data: {...} } on success,
// { errors: [{ code, title, detail, source }] } otherwise. Shapes as in Telnyx's API reference.
const KEY = 'KEY0123456789ABCDEF_telnyx-secret';
const CONNECTION = '1494404757140276705';

interface Seen { method: string; path: string; auth: string | undefined; contentType: string | undefined; body: Record<string, unknown> }
type Reply = { status: number; body: unknown; delayMs?: number } | 'hang';

let stub: { close: () => Promise<void> } | undefined;
afterEach(async () => {
  await stub?.close();
  stub = undefined;
});

async function stubTelnyx(answer: (req: Seen, n: number) => Reply) {
  const seen: Seen[] = [];
  const server = http.createServer((req, res) => {
    let raw = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (raw += c));
    req.on('end', () => {
      const s: Seen = { method: req.method!, path: req.url!, auth: req.headers.authorization, contentType: req.headers['content-type'], body: JSON.parse(raw || '{}') };
      seen.push(s);
      const reply = answer(s, seen.length);
      if (reply === 'hang') return;
      setTimeout(() => {
        res.writeHead(reply.status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(reply.body));
      }, reply.delayMs ?? 0);
    });
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  stub = { close: () => (server.closeAllConnections(), new Promise<void>((ok) => server.close(() => ok()))) };
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

const callData = (n: number) => ({
  data: {
    call_control_id: `v3:MdI91X4lWFEs7IgbBEOT9M4AigoY08M0WWZFISt1Yw2axZ_${n}`, call_leg_id: `2dc6fc34-f9e0-11ea-b68e-02420a0f77${String(n).padStart(2, '0')}`,
    call_session_id: '2dc1b3c8-f9e0-11ea-bc5a-02420a0f7768', is_alive: false, record_type: 'call',
  },
});
const telnyxError = (code: string, title: string, detail: string, pointer = '/to') => ({ errors: [{ code, title, detail, source: { pointer } }] });

const msg = (i: number, over: Partial<OutboundMessage> = {}): OutboundMessage => ({
  organizationId: '00000000-0000-4000-8000-000000000001', messageId: `m-${i}`, idempotencyKey: `org1:call:${i}`, channel: 'ai_call',
  to: `+1512555${String(i).padStart(4, '0')}`, from: '+15125550100', body: 'Hi, this is Acme Roofing', callId: `call-${i}`, ...over,
});
const fast = (url: string) => ({ apiKey: KEY, connectionId: CONNECTION, baseUrl: url, ratePerSecond: 1000, burst: 100, timeoutMs: 2000 });

describe('Telnyx calls', () => {
  it('posts the dial to /v2/calls with the bearer key and reads call_control_id as the provider id', async () => {
    const t = await stubTelnyx((_r, n) => ({ status: 200, body: callData(n) }));
    const voice = createTelnyxVoiceAdapter({ ...fast(t.url), webhookUrl: 'https://default.example/hook' });
    const out = await voice.send([msg(1, { record: true, timeLimitSeconds: 300, statusCallbackUrl: 'https://porch.example/v1/webhooks/telnyx/org1/voice' })]);

    const s = t.seen[0]!;
    expect([s.method, s.path, s.auth, s.contentType]).toEqual(['POST', '/v2/calls', `Bearer ${KEY}`, 'application/json']);
    expect(s.body).toEqual({
      connection_id: CONNECTION, to: '+15125550001', from: '+15125550100', command_id: 'org1:call:1', timeout_secs: 30,
      webhook_url: 'https://porch.example/v1/webhooks/telnyx/org1/voice', webhook_url_method: 'POST',
      client_state: encodeClientState('call-1'), time_limit_secs: 300, record: 'record-from-answer', answering_machine_detection: 'detect',
    });
    expect(JSON.parse(Buffer.from(s.body.client_state as string, 'base64').toString('utf8'))).toEqual({ call_id: 'call-1' });
    expect(out).toEqual([{ messageId: 'm-1', outcome: 'sent', providerMessageId: callData(1).data.call_control_id }]);
  });

  it('never records unasked; falls back to the configured caller id and webhook; sends no time limit or state it was not given', async () => {
    const t = await stubTelnyx((_r, n) => ({ status: 200, body: callData(n) }));
    const voice = createTelnyxVoiceAdapter({ ...fast(t.url), fromNumber: '+15125550999', webhookUrl: 'https://default.example/hook', machineDetection: null, ringTimeoutSeconds: 45 });
    await voice.send([msg(1, { from: '', callId: null, timeLimitSeconds: 4 * 3600 + 0.5 })]);
    const b = t.seen[0]!.body;
    expect(b.from).toBe('+15125550999');
    expect(b.webhook_url).toBe('https://default.example/hook');
    expect(b.timeout_secs).toBe(45);
    expect(b.time_limit_secs).toBe(14_400);
    for (const absent of ['record', 'client_state', 'answering_machine_detection']) expect(b).not.toHaveProperty(absent);
  });

  it('fails a call without any caller id before calling Telnyx', async () => {
    const t = await stubTelnyx((_r, n) => ({ status: 200, body: callData(n) }));
    const [res] = await createTelnyxVoiceAdapter(fast(t.url)).send([msg(1, { from: '' })]);
    expect(res).toMatchObject({ outcome: 'failed', error: expect.stringMatching(/no caller id/) });
    expect(t.seen).toHaveLength(0);
  });

  it("maps 422 to failed with Telnyx's detail, 503 to retry; one bad call does not fail the others", async () => {
    const t = await stubTelnyx((r, n) => {
      if (r.body.to === '+15125550001') return { status: 422, body: telnyxError('10016', 'Phone number must be in +E.164 format', "The 'to' number is not a valid E.164 number.") };
      if (r.body.to === '+15125550002') return { status: 503, body: telnyxError('10009', 'Service unavailable', 'Please retry', '') };
      return { status: 200, body: callData(n) };
    });
    const out = await createTelnyxVoiceAdapter({ ...fast(t.url), concurrency: 1 }).send([msg(1), msg(2), msg(3)]);
    const by = new Map(out.map((r) => [r.messageId, r]));
    expect(by.get('m-1')).toEqual({ messageId: 'm-1', outcome: 'failed', error: "telnyx: 10016: The 'to' number is not a valid E.164 number." });
    expect(by.get('m-2')).toEqual({ messageId: 'm-2', outcome: 'retry', error: 'telnyx: 10009: Please retry' });
    expect(by.get('m-3')).toMatchObject({ outcome: 'sent', providerMessageId: callData(3).data.call_control_id });
  });

  it('after a 429 stops dialing the rest of the batch, which is retried later', async () => {
    const t = await stubTelnyx((_r, n) => (n === 2 ? { status: 429, body: telnyxError('90103', 'Dial rate limit exceeded', 'Too many dials per second', '') } : { status: 200, body: callData(n) }));
    const out = await createTelnyxVoiceAdapter({ ...fast(t.url), concurrency: 1 }).send([msg(1), msg(2), msg(3)]);
    expect(t.seen).toHaveLength(2);
    expect(out.map((r) => [r.messageId, r.outcome])).toEqual([['m-1', 'sent'], ['m-2', 'retry'], ['m-3', 'retry']]);
    expect(out[1]!.error).toBe('telnyx: 90103: Too many dials per second');
  });

  it('a 401 is retried (fix the key, the calls go) and the key never appears in errors; an HTML 502 says its status', async () => {
    const t = await stubTelnyx((_r, n) => (n === 1 ? { status: 401, body: telnyxError('10009', 'Authentication failed', 'Could not understand the provided credentials.', '') } : { status: 502, body: '<html>bad gateway</html>' }));
    const out = await createTelnyxVoiceAdapter({ ...fast(t.url), concurrency: 1 }).send([msg(1), msg(2)]);
    expect(out[0]).toMatchObject({ outcome: 'retry', error: 'telnyx: 10009: Could not understand the provided credentials.' });
    expect(out[1]).toMatchObject({ outcome: 'retry', error: 'telnyx: HTTP 502' });
    expect(JSON.stringify(out)).not.toContain(KEY);
  });

  it('a 2xx without a call_control_id is still sent (Telnyx is dialing), with a note', async () => {
    const t = await stubTelnyx(() => ({ status: 200, body: { data: { is_alive: true } } }));
    const [res] = await createTelnyxVoiceAdapter(fast(t.url)).send([msg(1)]);
    expect(res).toMatchObject({ outcome: 'sent', providerMessageId: null, error: expect.stringMatching(/no readable call_control_id/) });
  });

  it('a refused connection is retried: nothing reached Telnyx', async () => {
    const closed = await stubTelnyx(() => ({ status: 200, body: {} }));
    await stub!.close();
    stub = undefined;
    const [res] = await createTelnyxVoiceAdapter(fast(closed.url)).send([msg(1)]);
    expect(res).toEqual({ messageId: 'm-1', outcome: 'retry', error: 'telnyx: ECONNREFUSED' });
  });

  it('a timeout is dialed again at once with the same command_id, which Telnyx dedupes within 60 s', async () => {
    const t = await stubTelnyx((_r, n) => (n === 1 ? 'hang' : { status: 200, body: callData(n) }));
    const [res] = await createTelnyxVoiceAdapter({ ...fast(t.url), timeoutMs: 200 }).send([msg(1)]);
    expect(t.seen).toHaveLength(2);
    expect(t.seen[1]!.body).toEqual(t.seen[0]!.body);
    expect(t.seen[1]!.body.command_id).toBe('org1:call:1');
    expect(res).toEqual({ messageId: 'm-1', outcome: 'sent', providerMessageId: callData(2).data.call_control_id });
  });

  it('when the second answer is lost too, or the window has passed, it is failed as outcome unknown, never retried later', async () => {
    const t = await stubTelnyx(() => 'hang');
    const [twice] = await createTelnyxVoiceAdapter({ ...fast(t.url), timeoutMs: 200 }).send([msg(1)]);
    expect(t.seen).toHaveLength(2);
    expect(twice).toEqual({ messageId: 'm-1', outcome: 'failed', error: 'telnyx: outcome unknown (no answer within 200 ms); not sent again, to call at most once' });

    // a clock on which every reading is 30 s later: the first answer is "lost" past the resend window
    let clock = Date.now();
    const [late] = await createTelnyxVoiceAdapter({ ...fast(t.url), timeoutMs: 200, now: () => (clock += 30_000) }).send([msg(2)]);
    expect(t.seen).toHaveLength(3);
    expect(late!.outcome).toBe('failed');
  });

  it('keeps at most `concurrency` dials in flight and spaces them by the rate limit', async () => {
    let inFlight = 0;
    let most = 0;
    const t = await stubTelnyx((_r, n) => {
      most = Math.max(most, ++inFlight);
      setTimeout(() => inFlight--, 30);
      return { status: 200, body: callData(n), delayMs: 30 };
    });
    const client = createTelnyxClient({ apiKey: KEY, baseUrl: t.url, ratePerSecond: 1000, burst: 100, concurrency: 2 });
    const out = await createTelnyxVoiceAdapter({ client, connectionId: CONNECTION }).send([1, 2, 3, 4, 5].map((i) => msg(i)));
    expect(out.every((r) => r.outcome === 'sent')).toBe(true);
    expect(most).toBe(2);

    const started = Date.now();
    await createTelnyxVoiceAdapter({ ...fast(t.url), ratePerSecond: 20, burst: 1 }).send([1, 2, 3, 4].map((i) => msg(i)));
    expect(Date.now() - started).toBeGreaterThanOrEqual(140); // three gaps of 50 ms
  });

  it('has no lookup: command_id dedupes for 60 s only and cannot be queried', () => {
    expect(createTelnyxVoiceAdapter({ apiKey: KEY, connectionId: CONNECTION }).lookup).toBeUndefined();
  });
});

// ---- webhooks, as Telnyx posts them (envelope, payload fields and values from its callbacks reference)

const CCID = 'v3:MdI91X4lWFEs7IgbBEOT9M4AigoY08M0WWZFISt1Yw2axZ_IiE4pqg';
const STATE = encodeClientState('0b5c7f2e-9d1a-4c3b-8e6f-1a2b3c4d5e6f');
const base = { call_control_id: CCID, connection_id: CONNECTION, call_leg_id: '428c31b6-7af4-4bcb-b7f5-5013ef9657c1', call_session_id: '428c31b6-abf3-3bc1-b7f4-5013ef9657c1', client_state: STATE };
const hook = (event_type: string, id: string, payload: Record<string, unknown>, occurred_at = '2025-06-03T15:00:07.521992Z') => ({
  data: { record_type: 'event', event_type, id, occurred_at, payload: { ...base, ...payload } },
  meta: { attempt: 1, delivered_to: 'https://porch.example/v1/webhooks/telnyx/org1/voice' },
});
const one = (body: unknown) => {
  const r = parseTelnyxWebhook(body);
  expect(r.events).toHaveLength(1);
  return r.events[0]!;
};

describe('parseTelnyxWebhook', () => {
  it('reads call.initiated and call.answered, with the call id from client_state', () => {
    const initiated = hook('call.initiated', 'e-1', { direction: 'outgoing', from: '+15125550100', to: '+15125550199', state: 'bridging', start_time: '2025-06-03T15:00:00.100Z' });
    const r = parseTelnyxWebhook(initiated);
    expect(r.events).toEqual([{ provider: 'telnyx', eventId: 'e-1', providerCallId: CCID, type: 'call_initiated', occurredAt: new Date('2025-06-03T15:00:07.521Z'), payload: initiated.data.payload }]);
    expect([...r.callIds]).toEqual([[CCID, '0b5c7f2e-9d1a-4c3b-8e6f-1a2b3c4d5e6f']]);
    expect(r.ignored).toEqual([]);
    expect(one(hook('call.answered', 'e-2', { from: '+15125550100', to: '+15125550199', start_time: '2025-06-03T15:00:00.100Z' })).type).toBe('call_answered');
  });

  it('reads call.hangup as call_ended: the hangup, the cause kept, the duration of an answered call', () => {
    const ended = one(hook('call.hangup', 'e-3', {
      from: '+15125550100', to: '+15125550199', state: 'hangup', hangup_cause: 'normal_clearing', hangup_source: 'callee', sip_hangup_cause: '200',
      start_time: '2025-06-03T15:00:00.100Z', end_time: '2025-06-03T15:01:31.700Z', call_quality_stats: { inbound: { mos: '4.50' } },
    }));
    expect(ended).toMatchObject({ type: 'call_ended', hangup: 'completed', errorCode: 'normal_clearing', durationSeconds: 92 });
    const unanswered = one(hook('call.hangup', 'e-4', { hangup_cause: 'timeout', hangup_source: 'unknown', start_time: '2025-06-03T15:00:00Z', end_time: '2025-06-03T15:00:30Z' }));
    expect(unanswered).toMatchObject({ hangup: 'no_answer', errorCode: 'timeout', durationSeconds: null });
    expect(one(hook('call.hangup', 'e-5', { hangup_cause: 'time_limit' }))).toMatchObject({ hangup: 'time_limit', durationSeconds: null });
  });

  it.each([
    ['normal_clearing', 'completed'], ['timeout', 'no_answer'], ['no_answer', 'no_answer'], ['user_busy', 'busy'], ['originator_cancel', 'canceled'],
    ['time_limit', 'time_limit'], ['call_rejected', 'failed'], ['unallocated_number', 'failed'], ['not_found', 'failed'], ['unspecified', 'failed'], [undefined, 'failed'],
  ] as const)('hangup_cause %s is %s', (cause, hangup) => expect(telnyxHangup(cause)).toBe(hangup));

  it('reads machine detection: machine, human, and not_sure as a person', () => {
    const at = (id: string, result: string, type = 'call.machine.detection.ended') => one(hook(type, id, { from: '+15125550100', to: '+15125550199', result }));
    expect(at('e-6', 'machine')).toMatchObject({ type: 'machine_detected', machine: true });
    expect(at('e-7', 'human')).toMatchObject({ type: 'machine_detected', machine: false });
    expect(at('e-8', 'not_sure')).toMatchObject({ machine: false });
    expect(at('e-9', 'machine', 'call.machine.premium.detection.ended')).toMatchObject({ machine: true });
  });

  it('reads call.recording.saved, preferring the mp3', () => {
    const recording = (id: string, urls: Record<string, string | null>) => hook('call.recording.saved', id, {
      channels: 'single', recording_started_at: '2025-06-03T15:00:08Z', recording_ended_at: '2025-06-03T15:01:31Z', recording_urls: urls, public_recording_urls: {},
    });
    expect(one(recording('e-10', { mp3: 'https://s3.example/rec.mp3', wav: 'https://s3.example/rec.wav' }))).toMatchObject({ type: 'recording_saved', recordingUrl: 'https://s3.example/rec.mp3' });
    expect(one(recording('e-11', { mp3: null, wav: 'https://s3.example/rec.wav' })).recordingUrl).toBe('https://s3.example/rec.wav');
  });

  it('reads a final call.transcription as a user turn; interim results and our own outbound track are ignored', () => {
    const said = (id: string, data: Record<string, unknown>, extra: Record<string, unknown> = {}) => hook('call.transcription', id, { transcription_data: data, ...extra });
    expect(one(said('e-12', { confidence: 0.977219, is_final: true, transcript: 'yes I still own the house' }))).toMatchObject({
      type: 'transcription_received', turn: { role: 'user', text: 'yes I still own the house', confidence: 0.977219, startMs: 0, endMs: 0 },
    });
    const r = parseTelnyxWebhook([said('e-13', { confidence: 0.5, is_final: false, transcript: 'yes I' }), said('e-14', { is_final: true, transcript: 'hello' }, { transcription_track: 'outbound' })]);
    expect(r.events).toEqual([]);
    expect(r.ignored).toEqual(['call.transcription', 'call.transcription']);
  });

  it('lists call.cost and event types it does not know as ignored, not as errors', () => {
    const cost = hook('call.cost', 'e-15', { billed_duration_secs: 92, total_cost: 0.0184, cost_parts: [{ call_part: 'call-control', cost: 0.0184, currency: 'USD', billed_duration_secs: 92, rate: 0.012 }], status: 'valid' });
    const r = parseTelnyxWebhook([cost, hook('call.dtmf.received', 'e-16', { digit: '1' }), hook('streaming.started', 'e-17', {})]);
    expect(r).toEqual({ events: [], callIds: new Map(), ignored: ['call.cost', 'call.dtmf.received', 'streaming.started'] });
  });

  it('keeps no call id from a client_state that is not ours, and refuses a body that is not a Telnyx envelope', () => {
    expect(parseTelnyxWebhook(hook('call.answered', 'e-18', { client_state: 'aGF2ZSBhIG5pY2UgZGF5ID1d' })).callIds.size).toBe(0);
    expect(decodeClientState(null)).toBeNull();
    expect(() => parseTelnyxWebhook({ event: 'call.answered' })).toThrow(/not a Telnyx webhook envelope/);
    expect(() => parseTelnyxWebhook({ data: { event_type: 'call.answered', id: 'e-19', occurred_at: '2025-06-03T15:00:00Z', payload: { from: '+1' } } })).toThrow(/call_control_id is required/);
    expect(() => parseTelnyxWebhook(hook('call.answered', 'e-20', {}, 'yesterday'))).toThrow(/occurred_at is not a date/);
  });
});
