import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { OutboundMessage } from './ports.ts';
import { createTwilioClient, createTwilioSmsAdapter, createTwilioVoiceAdapter, twilioPriceToCents } from './twilio.ts';

// A stub Twilio on 127.0.0.1 speaking the 2010-04-01 REST API's JSON: resources on 201, the error
// object ({code, message, more_info, status}) otherwise. Shapes as in Twilio's API reference.
const SID = 'AC0123456789abcdef0123456789abcdef';
const TOKEN = 'tw-auth-token-secret';

interface Seen { method: string; path: string; auth: string | undefined; contentType: string | undefined; form: URLSearchParams }
type Reply = { status: number; body: unknown; delayMs?: number } | 'hang';

async function stubTwilio(answer: (req: Seen, n: number) => Reply) {
  const seen: Seen[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const server = http.createServer((req, res) => {
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => {
      const s: Seen = { method: req.method!, path: req.url!, auth: req.headers.authorization, contentType: req.headers['content-type'], form: new URLSearchParams(body) };
      seen.push(s);
      const reply = answer(s, seen.length);
      if (reply === 'hang') return;
      setTimeout(() => {
        inFlight--;
        res.writeHead(reply.status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(reply.body));
      }, reply.delayMs ?? 0);
    });
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  stub = { close: () => (server.closeAllConnections(), new Promise<void>((ok) => server.close(() => ok()))) };
  return { url, seen, maxInFlight: () => maxInFlight };
}

let stub: { close: () => Promise<void> } | undefined;
afterEach(async () => {
  await stub?.close();
  stub = undefined;
});

const messageResource = (form: URLSearchParams, over: Record<string, unknown> = {}) => ({
  account_sid: SID, api_version: '2010-04-01', body: form.get('Body'), date_created: 'Thu, 24 Aug 2023 05:01:45 +0000', date_sent: null,
  date_updated: 'Thu, 24 Aug 2023 05:01:45 +0000', direction: 'outbound-api', error_code: null, error_message: null, from: form.get('From'),
  messaging_service_sid: form.get('MessagingServiceSid'), num_media: '0', num_segments: '2', price: null, price_unit: 'USD',
  sid: `SM${'0'.repeat(30)}${String(over.n ?? 1).padStart(2, '0')}`, status: 'queued', to: form.get('To'),
  subresource_uris: { media: `/2010-04-01/Accounts/${SID}/Messages/SM.../Media.json` }, uri: `/2010-04-01/Accounts/${SID}/Messages/SM....json`, ...over,
});
const callResource = (form: URLSearchParams) => ({
  account_sid: SID, annotation: null, answered_by: null, api_version: '2010-04-01', caller_name: null, date_created: null, date_updated: null,
  direction: 'outbound-api', duration: null, end_time: null, forwarded_from: null, from: form.get('From'), from_formatted: '(512) 555-0100',
  group_sid: null, parent_call_sid: null, phone_number_sid: `PN${'1'.repeat(32)}`, price: null, price_unit: 'USD', queue_time: '0',
  sid: `CA${'2'.repeat(32)}`, start_time: null, status: 'queued', to: form.get('To'), to_formatted: '(512) 555-0199', trunk_sid: null,
  subresource_uris: {}, uri: `/2010-04-01/Accounts/${SID}/Calls/CA....json`,
});
const twilioError = (status: number, code: number, message: string) => ({ code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status });

const msg = (i: number, over: Partial<OutboundMessage> = {}): OutboundMessage => ({
  organizationId: '00000000-0000-4000-8000-000000000001', messageId: `m-${i}`, idempotencyKey: `k-${i}`, channel: 'sms',
  to: `+1512555${String(i).padStart(4, '0')}`, from: '+15125550100', body: `Hello ${i} & welcome`, ...over,
});
const fast = (url: string) => ({ accountSid: SID, authToken: TOKEN, baseUrl: url, ratePerSecond: 1000, burst: 100, timeoutMs: 2000 });

describe('Twilio SMS', () => {
  it('posts the form to Messages.json with Basic auth and reads the 201 resource', async () => {
    const t = await stubTwilio((r) => ({ status: 201, body: messageResource(r.form, { price: '-0.01580' }) }));
    const sms = createTwilioSmsAdapter({ ...fast(t.url), statusCallbackUrl: 'https://porch.example/v1/webhooks/twilio/messages' });
    const [res] = await sms.send([msg(1)]);

    expect(t.seen).toHaveLength(1);
    const s = t.seen[0]!;
    expect(s.method).toBe('POST');
    expect(s.path).toBe(`/2010-04-01/Accounts/${SID}/Messages.json`);
    expect(s.auth).toBe(`Basic ${Buffer.from(`${SID}:${TOKEN}`).toString('base64')}`);
    expect(s.contentType).toBe('application/x-www-form-urlencoded');
    expect(Object.fromEntries(s.form)).toEqual({ To: '+15125550001', From: '+15125550100', Body: 'Hello 1 & welcome', StatusCallback: 'https://porch.example/v1/webhooks/twilio/messages' });
    expect(res).toEqual({ messageId: 'm-1', outcome: 'sent', providerMessageId: `SM${'0'.repeat(30)}01`, costCents: 2, segments: 2 });
  });

  it("prefers the message's own callback, and a Messaging Service over From", async () => {
    const t = await stubTwilio((r) => ({ status: 201, body: messageResource(r.form) }));
    const service = `MG${'a'.repeat(32)}`;
    const sms = createTwilioSmsAdapter({ ...fast(t.url), messagingServiceSid: service, statusCallbackUrl: 'https://default.example/cb' });
    await sms.send([msg(1, { statusCallbackUrl: 'https://own.example/cb' })]);
    expect(Object.fromEntries(t.seen[0]!.form)).toEqual({ To: '+15125550001', Body: 'Hello 1 & welcome', MessagingServiceSid: service, StatusCallback: 'https://own.example/cb' });
  });

  it('maps 400 with a Twilio code to failed "code: message", 429 and 500 to retry', async () => {
    const t = await stubTwilio((r) => {
      const to = r.form.get('To');
      if (to === '+15125550001') return { status: 400, body: twilioError(400, 21211, "The 'To' number +15125550001 is not a valid phone number.") };
      if (to === '+15125550002') return { status: 500, body: twilioError(500, 20500, 'Internal Server Error') };
      return { status: 201, body: messageResource(r.form) };
    });
    const sms = createTwilioSmsAdapter({ ...fast(t.url), concurrency: 1 });
    const out = await sms.send([msg(1), msg(2), msg(3)]);
    const by = new Map(out.map((r) => [r.messageId, r]));
    expect(by.get('m-1')).toEqual({ messageId: 'm-1', outcome: 'failed', error: "twilio: 21211: The 'To' number +15125550001 is not a valid phone number." });
    expect(by.get('m-2')).toMatchObject({ outcome: 'retry', error: 'twilio: 20500: Internal Server Error' });
    expect(by.get('m-3')).toMatchObject({ outcome: 'sent' });
  });

  it('after a 429 stops sending the rest of the batch, which is retried later', async () => {
    const t = await stubTwilio((r, n) => (n === 2 ? { status: 429, body: twilioError(429, 20429, 'Too Many Requests') } : { status: 201, body: messageResource(r.form) }));
    const sms = createTwilioSmsAdapter({ ...fast(t.url), concurrency: 1 });
    const out = await sms.send([msg(1), msg(2), msg(3), msg(4)]);
    expect(t.seen).toHaveLength(2);
    expect(out.map((r) => [r.messageId, r.outcome])).toEqual([['m-1', 'sent'], ['m-2', 'retry'], ['m-3', 'retry'], ['m-4', 'retry']]);
    expect(out[1]!.error).toBe('twilio: 20429: Too Many Requests');
  });

  it('a 401 (wrong credentials) is retried, not failed for good; the token never appears in errors', async () => {
    const t = await stubTwilio(() => ({ status: 401, body: twilioError(401, 20003, 'Authenticate') }));
    const [res] = await createTwilioSmsAdapter(fast(t.url)).send([msg(1)]);
    expect(res).toMatchObject({ outcome: 'retry', error: 'twilio: 20003: Authenticate' });
    expect(JSON.stringify(res)).not.toContain(TOKEN);
  });

  it('a 201 whose resource already failed is failed, with its code', async () => {
    const t = await stubTwilio((r) => ({ status: 201, body: messageResource(r.form, { status: 'failed', error_code: 30007, error_message: 'Message filtered' }) }));
    const [res] = await createTwilioSmsAdapter(fast(t.url)).send([msg(1)]);
    expect(res).toMatchObject({ outcome: 'failed', providerMessageId: `SM${'0'.repeat(30)}01`, error: 'twilio: 30007: Message filtered' });
  });

  it('a refused connection is retried (nothing reached Twilio); a timeout is failed as outcome unknown, never resent', async () => {
    const closed = await stubTwilio(() => ({ status: 201, body: {} }));
    await stub!.close();
    const [refused] = await createTwilioSmsAdapter(fast(closed.url)).send([msg(1)]);
    expect(refused).toMatchObject({ outcome: 'retry', error: 'twilio: ECONNREFUSED' });

    const hanging = await stubTwilio(() => 'hang');
    const [timedOut] = await createTwilioSmsAdapter({ ...fast(hanging.url), timeoutMs: 200 }).send([msg(2)]);
    expect(timedOut!.outcome).toBe('failed');
    expect(timedOut!.error).toMatch(/outcome unknown \(no answer within 200 ms\)/);
  });

  it('keeps at most `concurrency` requests in flight, shared by SMS and calls on one client', async () => {
    const t = await stubTwilio((r) => ({ status: 201, body: r.path.endsWith('Calls.json') ? callResource(r.form) : messageResource(r.form), delayMs: 30 }));
    const client = createTwilioClient({ ...fast(t.url), concurrency: 2 });
    const sms = createTwilioSmsAdapter({ client });
    const voice = createTwilioVoiceAdapter({ client });
    const [a, b] = await Promise.all([sms.send([1, 2, 3, 4].map((i) => msg(i))), voice.send([5, 6, 7].map((i) => msg(i, { channel: 'call' })))]);
    expect([...a, ...b].every((r) => r.outcome === 'sent')).toBe(true);
    expect(t.seen).toHaveLength(7);
    expect(t.maxInFlight()).toBe(2);
  });

  it('spaces requests by the rate limit', async () => {
    const t = await stubTwilio((r) => ({ status: 201, body: messageResource(r.form) }));
    const started = Date.now();
    await createTwilioSmsAdapter({ ...fast(t.url), ratePerSecond: 20, burst: 1 }).send([1, 2, 3, 4, 5].map((i) => msg(i)));
    expect(Date.now() - started).toBeGreaterThanOrEqual(180); // four gaps of 50 ms
  });

  it('has no lookup: Twilio cannot be asked by idempotency key', () => {
    expect(createTwilioSmsAdapter({ accountSid: SID, authToken: TOKEN }).lookup).toBeUndefined();
  });
});

describe('Twilio calls', () => {
  it('posts To, From, a <Say> of the body, the status events, recording only when asked, machine detection', async () => {
    const t = await stubTwilio((r) => ({ status: 201, body: callResource(r.form) }));
    const voice = createTwilioVoiceAdapter({ ...fast(t.url), statusCallbackUrl: 'https://porch.example/v1/webhooks/twilio/calls' });
    const out = await voice.send([msg(1, { channel: 'call', body: 'Hi <Jane> & "family"', record: true })]);

    const s = t.seen[0]!;
    expect(s.path).toBe(`/2010-04-01/Accounts/${SID}/Calls.json`);
    expect(s.form.get('To')).toBe('+15125550001');
    expect(s.form.get('From')).toBe('+15125550100');
    expect(s.form.get('Twiml')).toBe('<Response><Say>Hi &#60;Jane&#62; &#38; &#34;family&#34;</Say></Response>');
    expect(s.form.get('Url')).toBeNull();
    expect(s.form.get('StatusCallback')).toBe('https://porch.example/v1/webhooks/twilio/calls');
    expect(s.form.getAll('StatusCallbackEvent')).toEqual(['initiated', 'ringing', 'answered', 'completed']);
    expect(s.form.get('Record')).toBe('true');
    expect(s.form.get('MachineDetection')).toBe('Enable');
    expect(out).toEqual([{ messageId: 'm-1', outcome: 'sent', providerMessageId: `CA${'2'.repeat(32)}`, costCents: null, segments: null }]);
  });

  it('uses a TwiML URL when one is given, never records unasked, falls back to the configured caller id', async () => {
    const t = await stubTwilio((r) => ({ status: 201, body: callResource(r.form) }));
    const voice = createTwilioVoiceAdapter({ ...fast(t.url), fromNumber: '+15125550999', machineDetection: null, twimlUrl: (m) => (m.channel === 'ai_call' ? `https://porch.example/v1/voice/${m.messageId}` : null) });
    await voice.send([msg(1, { channel: 'ai_call', from: '' })]);
    const f = t.seen[0]!.form;
    expect(f.get('Url')).toBe('https://porch.example/v1/voice/m-1');
    expect(f.get('Twiml')).toBeNull();
    expect(f.get('From')).toBe('+15125550999');
    expect(f.get('Record')).toBeNull();
    expect(f.get('MachineDetection')).toBeNull();
    expect(f.get('StatusCallback')).toBeNull();
  });

  it('fails a call without any caller id before calling Twilio', async () => {
    const t = await stubTwilio((r) => ({ status: 201, body: callResource(r.form) }));
    const [res] = await createTwilioVoiceAdapter(fast(t.url)).send([msg(1, { channel: 'call', from: '' })]);
    expect(res).toMatchObject({ outcome: 'failed', error: expect.stringMatching(/no caller id/) });
    expect(t.seen).toHaveLength(0);
  });

  it('maps a 400 for a call to failed with its code', async () => {
    const t = await stubTwilio(() => ({ status: 400, body: twilioError(400, 21215, 'Geo Permission configuration is not permitting call') }));
    const [res] = await createTwilioVoiceAdapter(fast(t.url)).send([msg(1, { channel: 'call' })]);
    expect(res).toMatchObject({ outcome: 'failed', error: 'twilio: 21215: Geo Permission configuration is not permitting call' });
  });
});

describe('twilioPriceToCents', () => {
  it.each([
    ['-0.00790', 1], ['-0.00450', 0], ['-0.00500', 1], ['-0.04500', 5], ['-0.145', 15], ['-1.2349', 123], ['-12', 1200], ['0', 0],
  ])('%s USD is %i cents', (price, cents) => expect(twilioPriceToCents(price, 'USD')).toBe(cents));

  it('is null when Twilio does not say yet, or bills in another currency', () => {
    expect(twilioPriceToCents(null, 'USD')).toBeNull();
    expect(twilioPriceToCents('-0.05', 'EUR')).toBeNull();
    expect(twilioPriceToCents('n/a', 'USD')).toBeNull();
  });
});
