import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer } from '../../src/api/server.ts';
import { signTelnyxWebhook } from '../../src/providers/voice/telnyx-signature.ts';
import { createTestContext, type TestContext } from '../support/context.ts';
import { austinLead, outreachOrg, PEWC, rows, TUESDAY_MORNING } from '../support/outreach.ts';

// Voice over HTTP: calls placed through the gate (the local adapter plays a scripted person),
// bookings that never double-book an estimator, each user's voice and AI configuration, the
// daily metrics; and a Telnyx call end to end: dialed at a stub Telnyx on 127.0.0.1, then moved
// on by webhooks signed with Ed25519 as Telnyx signs them, each applied once.

const AI_PEWC = { ...PEWC, scope: ['sms', 'voice', 'ai_voice'], disclosure_text: 'I agree that Acme Roofing may call me at this number with an artificial voice.' };
const DAY = '2026-03-10'; // TUESDAY_MORNING in New York, the owner's zone
type Org = Awaited<ReturnType<typeof outreachOrg>>;
type Lead = Awaited<ReturnType<typeof austinLead>>;

/** The lead's phone on the organization's do-not-contact list (as the call's opt-out put it there). */
const dncOf = (t: TestContext, o: Org, lead: Lead) => rows<{ channels: string[] | null; source: string }>(t, o.actor, sql`
  SELECT d.channels, d.source FROM dnc_entry d JOIN contact_point c ON c.organization_id = d.organization_id AND c.value_hash = d.value_hash
  WHERE c.person_id = ${lead.person_id}::uuid AND c.kind = 'phone'`);

describe('voice API with the local voice adapter', () => {
  let t: TestContext;
  let app: FastifyInstance;
  let A: Org;
  let key: string;
  let agentKey: string;
  let agentId: string;
  let lead: Lead;

  beforeAll(async () => {
    t = await createTestContext({ now: () => TUESDAY_MORNING });
    app = await buildServer(t.c);
    A = await outreachOrg(t);
    key = await t.newApiKey(A.org.id, A.owner.id);
    const agent = await t.newUser(A.org.id, 'agent');
    agentId = agent.user.id;
    agentKey = await t.newApiKey(A.org.id, agentId);
    lead = await austinLead(t, A.actor, { consent: false });
  });
  afterAll(async () => {
    await app.close();
    await t.close();
  });

  const call = (method: 'GET' | 'POST' | 'PATCH', url: string, body?: unknown, as = key) =>
    app.inject({ method, url, headers: { authorization: `Bearer ${as}` }, ...(body === undefined ? {} : { payload: body as object }) });
  const fieldsOf = (r: { json: () => { error: { details: { field: string }[] } } }) => r.json().error.details.map((d) => d.field);

  it('places a call through the gate: refused without consent, played, booked and listed with it', async () => {
    const blocked = await call('POST', '/v1/calls', { lead_id: lead.id, scenario: 'scheduled' });
    expect(blocked.statusCode).toBe(201);
    expect(blocked.json()).toMatchObject({ status: 'failed', blocked_reason: 'NO_CONSENT_ARTIFICIAL_VOICE', gate_decision: 'deny', events: [], turns: [] });

    await t.c.compliance.recordConsent(A.actor, { phone: lead.phone, ...AI_PEWC });
    const placed = await call('POST', '/v1/calls', { lead_id: lead.id, goal: 'schedule', scenario: 'scheduled', idempotency_key: 'api-1' });
    expect(placed.statusCode).toBe(201);
    const c = placed.json();
    expect(c).toMatchObject({ agent: 'ai', carrier: 'local', status: 'completed', outcome: 'scheduled', gate_decision: 'allow', user_id: A.owner.id, conversation_goal: 'schedule' });
    expect(c.turns.some((x: { role: string; tool_name: string }) => x.role === 'tool' && x.tool_name === 'book_appointment')).toBe(true);
    expect(c.events.map((e: { event_type: string }) => e.event_type)).toEqual(expect.arrayContaining(['call_initiated', 'call_answered', 'call_ended']));
    expect(c.booking).toMatchObject({ status: 'confirmed', estimator_id: A.owner.id });
    // the same key again: the same call, not a second one
    expect((await call('POST', '/v1/calls', { lead_id: lead.id, goal: 'schedule', scenario: 'scheduled', idempotency_key: 'api-1' })).json().id).toBe(c.id);

    const shown = await call('GET', `/v1/calls/${c.id}`, undefined, agentKey);
    expect(shown.statusCode).toBe(200);
    expect(shown.json()).toMatchObject({ id: c.id, outcome: 'scheduled', duration_seconds: c.duration_seconds, booking: { id: c.booking.id } });
    expect(shown.json().turns).toHaveLength(c.turns.length);
    const listed = (await call('GET', `/v1/calls?lead=${lead.id}`)).json().data;
    expect(listed.map((x: { id: string }) => x.id).sort()).toEqual([blocked.json().id, c.id].sort());
    expect((await call('GET', `/v1/calls?lead=${lead.id}&outcome=scheduled`)).json().data.map((x: { id: string }) => x.id)).toEqual([c.id]);
    expect((await call('GET', `/v1/calls?lead=${crypto.randomUUID()}`)).json().data).toEqual([]);
  });

  it('refuses bad bodies with 400 naming the field, and answers 404 for a call it does not know', async () => {
    const bad: [unknown, string][] = [
      [{ lead_id: 'lead-1' }, 'lead_id'],
      [{ lead_id: lead.id, goal: 'sell' }, 'goal'],
      [{ lead_id: lead.id, scenario: 'party' }, 'scenario'],
      [{ lead_id: lead.id, agent: 'robot' }, 'agent'],
    ];
    for (const [body, field] of bad) {
      const r = await call('POST', '/v1/calls', body);
      expect(r.statusCode, field).toBe(400);
      expect(fieldsOf(r), field).toContain(field);
    }
    const logged = await call('POST', '/v1/calls/log', { lead_id: lead.id, started_at: 'yesterday', duration_seconds: -5, outcome: 'great' });
    expect(logged.statusCode).toBe(400);
    expect(fieldsOf(logged)).toEqual(expect.arrayContaining(['started_at', 'duration_seconds', 'outcome']));
    expect((await call('GET', '/v1/calls?status=ringing-ish')).statusCode).toBe(400);
    const missing = await call('GET', `/v1/calls/${crypto.randomUUID()}`);
    expect(missing.statusCode).toBe(404);
    expect(missing.json().error.code).toBe('NOT_FOUND');
    expect((await call('POST', '/v1/calls', { lead_id: crypto.randomUUID() })).statusCode).toBe(404);
  });

  it('books an estimator once per window: 409 on an overlap, free again after a reschedule or a cancel', async () => {
    const window = (start: string, end: string) => ({ lead_id: lead.id, estimator_id: A.owner.id, window_start: start, window_end: end, booking_type: 'estimate' });
    const first = await call('POST', '/v1/bookings', { ...window('2026-03-20T15:00:00Z', '2026-03-20T16:00:00Z'), location: '100 Congress Ave' });
    expect(first.statusCode).toBe(201);
    expect(first.json()).toMatchObject({ status: 'confirmed', revision: 1, estimator_id: A.owner.id, booking_type: 'estimate', confirmation_message_id: expect.any(String) });
    const overlap = await call('POST', '/v1/bookings', window('2026-03-20T15:30:00Z', '2026-03-20T16:30:00Z'));
    expect(overlap.statusCode).toBe(409);
    expect(overlap.json().error).toMatchObject({ code: 'CONFLICT', details: [{ field: 'window_start' }] });
    expect((await call('POST', '/v1/bookings', window('2026-03-20T16:00:00Z', '2026-03-20T15:00:00Z'))).statusCode).toBe(400);

    const moved = await call('POST', `/v1/bookings/${first.json().id}/reschedule`, { window_start: '2026-03-21T15:00:00Z', window_end: '2026-03-21T16:00:00Z' });
    expect(moved.statusCode).toBe(200);
    expect(moved.json()).toMatchObject({ status: 'rescheduled', revision: 2, window_start: '2026-03-21T15:00:00.000Z' });
    expect(moved.json().confirmation_message_id).not.toBe(first.json().confirmation_message_id);
    // the old window is free now; the new one is taken
    expect((await call('POST', '/v1/bookings', window('2026-03-20T15:30:00Z', '2026-03-20T16:30:00Z'))).statusCode).toBe(201);
    expect((await call('POST', '/v1/bookings', window('2026-03-21T15:30:00Z', '2026-03-21T16:30:00Z'))).statusCode).toBe(409);

    const cancelled = await call('POST', `/v1/bookings/${first.json().id}/cancel`);
    expect(cancelled.json()).toMatchObject({ id: first.json().id, status: 'cancelled', revision: 2 });
    expect((await call('POST', `/v1/bookings/${first.json().id}/complete`)).statusCode).toBe(409);
    expect((await call('POST', `/v1/bookings/${first.json().id}/reschedule`, { window_start: '2026-03-22T15:00:00Z', window_end: '2026-03-22T16:00:00Z' })).statusCode).toBe(409);
    expect((await call('POST', '/v1/bookings', window('2026-03-21T15:30:00Z', '2026-03-21T16:30:00Z'))).statusCode).toBe(201);
    expect((await call('GET', `/v1/bookings?lead=${lead.id}&status=cancelled`)).json().data.map((b: { id: string }) => b.id)).toEqual([first.json().id]);
  });

  it('pages the calls by cursor, newest first, and filters them by direction', async () => {
    const inbound = await call('POST', '/v1/calls/log', { lead_id: lead.id, direction: 'inbound', started_at: '2026-03-09T14:00:00-05:00', duration_seconds: 95, outcome: 'follow_up' });
    expect(inbound.statusCode, inbound.body).toBe(201);
    const all = (await call('GET', `/v1/calls?lead=${lead.id}`)).json();
    expect(all.next_cursor).toBeNull();
    expect(all.data.length).toBeGreaterThanOrEqual(3);
    expect(all.data[0]).toMatchObject({ lead_name: expect.stringMatching(/^Pat Owner/), user_name: expect.any(String) });
    expect(all.data[0]).not.toHaveProperty('at_key');
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const p: { data: { id: string }[]; next_cursor: string | null } = (await call('GET', `/v1/calls?lead=${lead.id}&limit=1${cursor ? `&cursor=${cursor}` : ''}`)).json();
      expect(p.data.length).toBe(1);
      seen.push(p.data[0]!.id);
      cursor = p.next_cursor;
    } while (cursor);
    expect(seen).toEqual(all.data.map((c: { id: string }) => c.id));
    const inboundOnly = (await call('GET', `/v1/calls?lead=${lead.id}&direction=inbound`)).json().data;
    expect(inboundOnly.map((c: { id: string }) => c.id)).toEqual([inbound.json().id]);
    const bad = await call('GET', '/v1/calls?cursor=nonsense');
    expect(bad.statusCode).toBe(400);
    expect(fieldsOf(bad)).toContain('cursor');
    expect(fieldsOf(await call('GET', '/v1/calls?direction=sideways'))).toContain('direction');
  });

  it("keeps each user's voice and AI configuration: defaults, ranges named, an agent only their own", async () => {
    const url = (id: string, kind: string) => `/v1/users/${id}/config/${kind}`;
    expect((await call('GET', url(A.owner.id, 'voice'))).json()).toMatchObject({ user_id: A.owner.id, kind: 'voice', saved: false, max_retries: 2, retry_delay_minutes: 60, dnc_compliance: true, speaking_rate: 1, jurisdiction: 'US' });
    expect((await call('GET', url(A.owner.id, 'ai'))).json()).toMatchObject({ kind: 'ai', saved: false, voice_enabled: true, voice_id: 'rachel', voice_speed: 1, max_call_duration: 300 });

    for (const [kind, body, field] of [['voice', { max_retries: 9 }, 'max_retries'], ['voice', { speaking_rate: 3 }, 'speaking_rate'], ['voice', { dnc_compliance: false }, 'dnc_compliance'],
      ['voice', { nonsense: 1 }, 'nonsense'], ['ai', { voice_speed: 0.1 }, 'voice_speed'], ['ai', { voice_tone: 'angry' }, 'voice_tone']] as const) {
      const r = await call('PATCH', url(A.owner.id, kind), body);
      expect(r.statusCode, field).toBe(400);
      expect(fieldsOf(r), field).toContain(field);
    }
    expect((await call('GET', url(A.owner.id, 'voice'))).json()).toMatchObject({ saved: false, max_retries: 2 });

    expect((await call('PATCH', url(A.owner.id, 'voice'), { max_retries: 3, speaking_rate: 1.25 })).json()).toMatchObject({ saved: true, max_retries: 3, speaking_rate: 1.25, retry_delay_minutes: 60 });
    expect((await call('PATCH', url(A.owner.id, 'ai'), { voice_speed: 1.2 })).json()).toMatchObject({ saved: true, voice_speed: 1.2, voice_id: 'rachel' });

    const denied = await call('PATCH', url(A.owner.id, 'voice'), { max_retries: 0 }, agentKey);
    expect(denied.statusCode).toBe(403);
    expect(denied.json().error.code).toBe('FORBIDDEN');
    expect((await call('GET', url(A.owner.id, 'voice'))).json()).toMatchObject({ max_retries: 3 });
    expect((await call('PATCH', url(agentId, 'ai'), { voice_tone: 'friendly' }, agentKey)).json()).toMatchObject({ user_id: agentId, voice_tone: 'friendly' });
    expect((await call('PATCH', url(agentId, 'voice'), { max_retries: 1 })).json()).toMatchObject({ user_id: agentId, max_retries: 1 });
    expect((await call('GET', url(crypto.randomUUID(), 'voice'))).statusCode).toBe(404);
    expect((await call('GET', url(A.owner.id, 'sms'))).statusCode).toBe(400);
  });

  it('recomputes the daily metrics and serves them with their totals', async () => {
    const other = await austinLead(t, A.actor, { consent: false });
    await t.c.compliance.recordConsent(A.actor, { phone: other.phone, ...AI_PEWC });
    const optOut = (await call('POST', '/v1/calls', { lead_id: other.id, scenario: 'opt_out' })).json();
    expect(optOut).toMatchObject({ status: 'completed', outcome: 'opt_out' });
    expect(await dncOf(t, A, other)).toEqual([{ channels: null, source: 'call_opt_out' }]);

    const before = await call('GET', `/v1/voice/metrics?from=${DAY}&to=${DAY}`);
    expect(before.json()).toMatchObject({ rows: [], totals: null });
    const r = await call('POST', '/v1/voice/metrics/recompute', { from: DAY, to: DAY });
    expect(r.json()).toEqual({ rows: 1, removed: 0 });
    const m = (await call('GET', `/v1/voice/metrics?from=${DAY}&to=${DAY}`)).json();
    // the blocked call is not one: two calls, both connected, one booked, one opt-out
    expect(m.rows).toEqual([expect.objectContaining({ day: DAY, user_id: A.owner.id, calls: 2, connects: 2, bookings: 1, booking_rate: 0.5, outcome_scheduled: 1, outcome_opt_out: 1, outcome_no_answer: 0 })]);
    expect(m.totals).toMatchObject({ calls: 2, connects: 2, bookings: 1, outcomes: { scheduled: 1, opt_out: 1, rejected: 0 } });
    expect(m.rows[0].cost_cents).toBeGreaterThan(0);
    expect((await call('GET', `/v1/voice/metrics?from=${DAY}&to=${DAY}&user=${agentId}`)).json().rows).toEqual([]);
    const backwards = await call('GET', '/v1/voice/metrics?from=2026-03-11&to=2026-03-10');
    expect(backwards.statusCode).toBe(400);
    expect(fieldsOf(backwards)).toContain('to');
  });
});

// ---- Telnyx: a stub Call Control API, and webhooks in Telnyx's envelope signed with our key pair

const TELNYX_KEY = 'KEY0123456789ABCDEF_telnyx-e2e';
const CONNECTION = '1494404757140276705';
const PUBLIC = 'https://porch.example.com';
const CCID = `v3:u5OAKGEPT3Dx8SZSSDRWEMdNH2OripQhO${crypto.randomBytes(6).toString('hex')}`;

describe('a call through Telnyx, end to end', () => {
  const seen: { path: string; auth?: string; body: Record<string, unknown> }[] = [];
  const stub = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => (raw += c));
    req.on('end', () => {
      seen.push({ path: req.url!, auth: req.headers.authorization, body: JSON.parse(raw || '{}') });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ data: { call_control_id: CCID, call_leg_id: crypto.randomUUID(), call_session_id: crypto.randomUUID(), is_alive: true, record_type: 'call' } }));
    });
  });
  const keys = crypto.generateKeyPairSync('ed25519');
  const stranger = crypto.generateKeyPairSync('ed25519');
  let t: TestContext;
  let app: FastifyInstance;
  let A: Org;
  let key: string;
  let lead: Lead;
  let callId: string;

  beforeAll(async () => {
    await new Promise<void>((ok) => stub.listen(0, '127.0.0.1', ok));
    const publicKey = keys.publicKey.export({ format: 'der', type: 'spki' }).subarray(12).toString('base64');
    t = await createTestContext({
      now: () => TUESDAY_MORNING,
      env: {
        PORCHLIGHT_VOICE_ADAPTER: 'telnyx', TELNYX_BASE_URL: `http://127.0.0.1:${(stub.address() as AddressInfo).port}`, TELNYX_API_KEY: TELNYX_KEY,
        TELNYX_CONNECTION_ID: CONNECTION, TELNYX_FROM_NUMBER: '+15125550100', TELNYX_PUBLIC_KEY: publicKey, PORCHLIGHT_PUBLIC_URL: PUBLIC,
      },
    });
    app = await buildServer(t.c);
    A = await outreachOrg(t);
    key = await t.newApiKey(A.org.id, A.owner.id);
    lead = await austinLead(t, A.actor, { consent: false });
    await t.c.compliance.recordConsent(A.actor, { phone: lead.phone, ...AI_PEWC });
  });
  afterAll(async () => {
    await app.close();
    await t.close();
    stub.closeAllConnections();
    await new Promise((ok) => stub.close(ok));
  });

  const hookUrl = () => `/v1/webhooks/telnyx/${A.org.id}/voice`;
  let n = 0;
  const envelope = (event_type: string, payload: Record<string, unknown>, opts: { ccid?: string; state?: boolean; id?: string } = {}) => ({
    data: {
      record_type: 'event', event_type, id: opts.id ?? crypto.randomUUID(), occurred_at: new Date(TUESDAY_MORNING.getTime() + 1000 * ++n).toISOString(),
      payload: {
        call_control_id: opts.ccid ?? CCID, connection_id: CONNECTION, call_leg_id: '428c31b6-7af4-4bcb-b7f5-5013ef9657c1', call_session_id: '428c31b6-abf3-3bc1-b7f4-5013ef9657c1',
        ...(opts.state === false ? {} : { client_state: Buffer.from(JSON.stringify({ call_id: callId })).toString('base64') }), ...payload,
      },
    },
    meta: { attempt: 1, delivered_to: PUBLIC + hookUrl() },
  });
  const post = (body: unknown, opts: { key?: crypto.KeyObject; timestamp?: number } = {}) => {
    const raw = JSON.stringify(body);
    const ts = opts.timestamp ?? Math.floor(Date.now() / 1000);
    return app.inject({
      method: 'POST', url: hookUrl(), payload: raw,
      headers: { 'content-type': 'application/json', 'telnyx-timestamp': String(ts), 'telnyx-signature-ed25519': signTelnyxWebhook(opts.key ?? keys.privateKey, ts, raw) },
    });
  };
  const state = async () => ({
    call: await rows(t, A.actor, sql`SELECT * FROM voice_call WHERE id = ${callId}::uuid`),
    events: await rows(t, A.actor, sql`SELECT provider_event_id, event_type FROM voice_call_event ORDER BY created_at, provider_event_id`),
    turns: await rows(t, A.actor, sql`SELECT seq, role, text FROM voice_call_turn ORDER BY seq`),
    dnc: await dncOf(t, A, lead),
    billed: await rows(t, A.actor, sql`SELECT metric, quantity::text, cost_cents::text FROM billing_usage WHERE subject_id = ${callId}::uuid`),
  });

  it('dials Telnyx with the bearer key, the caller id, our webhook URL and the call id as client_state', async () => {
    const r = await app.inject({ method: 'POST', url: '/v1/calls', headers: { authorization: `Bearer ${key}` }, payload: { lead_id: lead.id, goal: 'qualify' } });
    expect(r.statusCode).toBe(201);
    callId = r.json().id;
    expect(r.json()).toMatchObject({ carrier: 'telnyx', provider_call_id: CCID, status: 'initiated', gate_decision: 'allow', events: [], ended_at: null });
    expect(seen).toHaveLength(1);
    const s = seen[0]!;
    expect(s.path).toBe('/v2/calls');
    expect(s.auth).toBe(`Bearer ${TELNYX_KEY}`);
    expect(s.body).toMatchObject({ connection_id: CONNECTION, to: lead.phone, from: '+15125550199', webhook_url_method: 'POST' });
    expect(s.body.webhook_url).toBe(`${PUBLIC}/v1/webhooks/telnyx/${A.org.id}/voice`);
    expect(JSON.parse(Buffer.from(String(s.body.client_state), 'base64').toString('utf8'))).toEqual({ call_id: callId });
  });

  it('applies signed webhooks once each: a spoken opt-out lists the number, a replay or a forgery changes nothing', async () => {
    const initiated = envelope('call.initiated', { direction: 'outgoing', state: 'bridging' });
    const answered = envelope('call.answered', { from: '+15125550199', to: lead.phone, start_time: '2026-03-10T15:00:01Z' });
    for (const body of [initiated, answered]) {
      const r = await post(body);
      expect(r.statusCode, r.body).toBe(200);
      expect(r.json()).toMatchObject({ applied: 1, duplicates: 0, unknown: [] });
    }
    expect((await state()).call[0]).toMatchObject({ status: 'in_progress' });
    const said = await post(envelope('call.transcription', { transcription_track: 'inbound', transcription_data: { confidence: 0.93, is_final: true, transcript: 'please stop calling me' } }));
    expect(said.json()).toMatchObject({ applied: 1, optedOut: 1 });
    // heard at once, before the call even ended
    expect(await dncOf(t, A, lead)).toEqual([{ channels: null, source: 'call_opt_out' }]);
    const hangup = envelope('call.hangup', { hangup_cause: 'normal_clearing', hangup_source: 'callee', start_time: '2026-03-10T15:00:01Z', end_time: '2026-03-10T15:00:43Z' });
    expect((await post(hangup)).json()).toMatchObject({ applied: 1, ended: [callId] });

    const call = (await app.inject({ method: 'GET', url: `/v1/calls/${callId}`, headers: { authorization: `Bearer ${key}` } })).json();
    expect(call).toMatchObject({ status: 'completed', outcome: 'opt_out', duration_seconds: 42, last_error_code: null });
    expect(call.events.map((e: { event_type: string }) => e.event_type)).toEqual(['call_initiated', 'call_answered', 'transcription_received', 'call_ended']);
    expect(call.turns).toEqual([expect.objectContaining({ role: 'user', text: 'please stop calling me' })]);
    const done = await state();
    expect(done.billed).toEqual([{ metric: 'voice_minutes', quantity: '1.000', cost_cents: String(call.total_cost_cents) }]);

    // Telnyx delivers the same webhooks again: duplicates, nothing moves
    for (const body of [answered, hangup]) expect((await post(body)).json()).toMatchObject({ applied: 0, duplicates: 1 });
    expect(await state()).toEqual(done);

    // forged (another key), stale, unsigned: 403, nothing moves
    const forged = envelope('call.transcription', { transcription_data: { is_final: true, transcript: 'yes book me for Thursday' } });
    const refused = [
      await post(forged, { key: stranger.privateKey }),
      await post(forged, { timestamp: Math.floor(Date.now() / 1000) - 3600 }),
      await app.inject({ method: 'POST', url: hookUrl(), payload: JSON.stringify(forged), headers: { 'content-type': 'application/json' } }),
    ];
    for (const r of refused) {
      expect(r.statusCode).toBe(403);
      expect(r.json().error.code).toBe('FORBIDDEN');
    }
    // a signature over other bytes than those sent does not verify either
    const ts = Math.floor(Date.now() / 1000);
    const tampered = await app.inject({
      method: 'POST', url: hookUrl(), payload: JSON.stringify(forged).replace('Thursday', 'Friday'),
      headers: { 'content-type': 'application/json', 'telnyx-timestamp': String(ts), 'telnyx-signature-ed25519': signTelnyxWebhook(keys.privateKey, ts, JSON.stringify(forged)) },
    });
    expect(tampered.statusCode).toBe(403);
    expect(await state()).toEqual(done);

    // a call nobody here placed: 404, so Telnyx delivers it again later; nothing recorded
    const unknown = await post(envelope('call.answered', {}, { ccid: 'v3:not-one-of-ours', state: false, id: 'evt-unknown' }));
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json()).toMatchObject({ error: { code: 'NOT_FOUND' }, unknown: ['evt-unknown'] });
    expect(await state()).toEqual(done);
    expect(seen).toHaveLength(1);
  });
});
