import crypto from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer } from '../../src/api/server.ts';
import { withTenant, type Actor } from '../../src/db/tenant.ts';
import type { Draft } from '../../src/domain/outreach/outbox.repository.ts';
import { readOutreachSettings, updateOutreachSettings } from '../../src/domain/outreach/outreach-settings.ts';
import { loadRecipients } from '../../src/domain/outreach/recipients.repository.ts';
import { unsubscribeToken } from '../../src/domain/outreach/unsubscribe.ts';
import { computeMailgunSignature, computeTwilioSignature } from '../../src/providers/channels/webhook-signature.ts';
import { createTestContext, type TestContext } from '../support/context.ts';

// The webhooks through Fastify: believed only with the provider's signature over the public URL
// (403 otherwise, nothing changed), applied once however often they are delivered, and the
// unsubscribe link of marketing emails (a page on GET, RFC 8058 one-click on POST). Then the
// FAQ and inbox routes behind API keys.

const PUBLIC = 'https://porch.example.com';
const TWILIO_TOKEN = 'twilio-auth-token-for-tests';
const MAILGUN_KEY = 'key-mailgun-signing-for-tests';
const TUESDAY_MORNING = new Date('2026-03-10T15:00:00Z'); // 10:00 in Austin
const PEWC = { seller_name: 'Acme Roofing', scope: ['sms', 'voice'], type: 'pewc', method: 'web_form', captured_at: '2026-01-01T12:00:00Z', disclosure_text: 'I agree that Acme Roofing may text and call me at this number using automated technology.' };

let t: TestContext;
let app: FastifyInstance;
beforeAll(async () => {
  t = await createTestContext({ now: () => TUESDAY_MORNING, env: { TWILIO_AUTH_TOKEN: TWILIO_TOKEN, MAILGUN_WEBHOOK_SIGNING_KEY: MAILGUN_KEY, PORCHLIGHT_PUBLIC_URL: PUBLIC } });
  app = await buildServer(t.c);
});
afterAll(async () => {
  await app.close();
  await t.close();
});

const rows = async <T = Record<string, unknown>>(actor: Actor, q: ReturnType<typeof sql>) => withTenant(t.c.db, actor, async (trx) => (await q.execute(trx)).rows as T[]);

async function setup() {
  const o = await t.newOrganization();
  await withTenant(t.c.db, o.actor, (trx) => updateOutreachSettings({ sender_name: 'Acme Roofing', from_phone: '+15125550199', from_email: 'hello@acme-roofing.example' }, trx));
  const lead = await t.newLead(o.org.id);
  await rows(o.actor, sql`UPDATE person SET mailing_zip = '78701', mailing_state = 'TX' WHERE id = ${lead.person_id}::uuid`);
  await t.c.compliance.recordConsent(o.actor, { phone: lead.phone, ...PEWC });
  return { ...o, lead };
}

/** A message sent to the lead through the outbox, then recorded as the named provider's (as if it had sent it). */
async function sentVia(actor: Actor, leadId: string, channel: 'sms' | 'call' | 'email', provider: string, providerId: string) {
  const draft = await withTenant(t.c.db, actor, async (trx): Promise<Draft> => {
    const r = (await loadRecipients(trx, t.c.pii, [leadId], channel, await readOutreachSettings(trx))).get(leadId)!;
    return { key: providerId, source: 'manual', senderType: 'user', channel, purpose: 'informational', leadId, personId: r.personId, kind: r.contact!.kind,
      hash: r.contact!.hash, display: r.contact!.display, sealed: r.contact!.sealed, subject: channel === 'email' ? 'Your estimate' : null, body: 'Your estimate is ready.' };
  });
  const id = (await withTenant(t.c.db, actor, (trx) => t.c.outbox.enqueue([draft], trx))).get(providerId)!.id;
  expect(await t.c.outbox.dispatch(actor, { ids: [id] })).toMatchObject({ sent: 1 });
  await rows(actor, sql`UPDATE message SET provider = ${provider}, provider_message_id = ${providerId} WHERE id = ${id}::uuid`);
  return id;
}

const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
function twilio(path: string, fields: Record<string, string>, opts: { signature?: string | null } = {}) {
  const signature = opts.signature === undefined ? computeTwilioSignature(TWILIO_TOKEN, PUBLIC + path, fields) : opts.signature;
  return app.inject({
    method: 'POST', url: path, payload: form(fields),
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...(signature ? { 'x-twilio-signature': signature } : {}) },
  });
}
function mailgun(org: string, event: Record<string, unknown>, opts: { key?: string; timestamp?: number } = {}) {
  const timestamp = opts.timestamp ?? Math.floor(Date.now() / 1000);
  const token = crypto.randomBytes(16).toString('hex');
  const signature = { timestamp: String(timestamp), token, signature: computeMailgunSignature(opts.key ?? MAILGUN_KEY, timestamp, token) };
  return app.inject({ method: 'POST', url: `/v1/webhooks/mailgun/${org}`, payload: { signature, 'event-data': event } });
}
let n = 0;
const sid = (prefix: string) => `${prefix}${String(++n).padStart(32, '0')}`;

describe('Twilio webhooks', () => {
  it('applies an inbound text signed over the public URL, without an API key, and answers empty TwiML', async () => {
    const { org, actor, lead } = await setup();
    const r = await twilio(`/v1/webhooks/twilio/${org.id}/sms`, { MessageSid: sid('SM'), From: lead.phone, To: '+15125550199', Body: 'STOP' });
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toMatch(/^text\/xml/);
    expect(r.body).toContain('<Response></Response>');
    expect(await rows(actor, sql`SELECT channels FROM dnc_entry`)).toEqual([{ channels: null }]);
  });

  it('refuses a missing, wrong or tampered signature with 403 and changes nothing', async () => {
    const { org, actor, lead } = await setup();
    const path = `/v1/webhooks/twilio/${org.id}/sms`;
    const fields = { MessageSid: sid('SM'), From: lead.phone, To: '+15125550199', Body: 'STOP' };
    const forged = [
      await twilio(path, fields, { signature: null }),
      await twilio(path, fields, { signature: computeTwilioSignature('someone-elses-token', PUBLIC + path, fields) }),
      await twilio(path, fields, { signature: computeTwilioSignature(TWILIO_TOKEN, PUBLIC + path, { ...fields, Body: 'hello' }) }),
      await twilio(path, fields, { signature: computeTwilioSignature(TWILIO_TOKEN, `http://localhost${path}`, fields) }),
    ];
    for (const r of forged) {
      expect(r.statusCode).toBe(403);
      expect(r.json().error.code).toBe('FORBIDDEN');
    }
    expect(await rows(actor, sql`SELECT (SELECT count(*) FROM message)::int AS m, (SELECT count(*) FROM webhook_event)::int AS e, (SELECT count(*) FROM dnc_entry)::int AS d, (SELECT count(*) FROM consent WHERE revoked_at IS NOT NULL)::int AS r`))
      .toEqual([{ m: 0, e: 0, d: 0, r: 0 }]);
  });

  it('applies the same delivery once however often it comes', async () => {
    const { org, actor, lead } = await setup();
    const fields = { MessageSid: sid('SM'), From: lead.phone, To: '+15125550199', Body: 'STOP' };
    for (let i = 0; i < 3; i++) expect((await twilio(`/v1/webhooks/twilio/${org.id}/sms`, fields)).statusCode).toBe(200);
    expect(await rows(actor, sql`SELECT direction, purpose, count(*)::int AS n FROM message GROUP BY 1, 2 ORDER BY 1`))
      .toEqual([{ direction: 'inbound', purpose: 'informational', n: 1 }, { direction: 'outbound', purpose: 'opt_out_confirmation', n: 1 }]);
  });

  it('moves texts and calls on with status callbacks: delivered, failed, price, segments, call length; each once', async () => {
    const { org, actor, lead } = await setup();
    const path = `/v1/webhooks/twilio/${org.id}/status`;
    const good = await sentVia(actor, lead.id, 'sms', 'twilio', sid('SM'));
    const bad = await sentVia(actor, lead.id, 'sms', 'twilio', sid('SM'));
    const [g] = await rows<{ provider_message_id: string }>(actor, sql`SELECT provider_message_id FROM message WHERE id = ${good}::uuid`);
    const [b] = await rows<{ provider_message_id: string }>(actor, sql`SELECT provider_message_id FROM message WHERE id = ${bad}::uuid`);
    const cb = (MessageSid: string, MessageStatus: string, extra: Record<string, string> = {}) => twilio(path, { MessageSid, MessageStatus, AccountSid: 'AC0', ...extra });

    expect((await cb(g!.provider_message_id, 'sent')).json()).toMatchObject({ applied: true, message_id: good });
    const delivered = await cb(g!.provider_message_id, 'delivered', { Price: '-0.02500', PriceUnit: 'USD', NumSegments: '2' });
    expect(delivered.json()).toMatchObject({ applied: true, kind: 'sms.delivered' });
    expect((await cb(g!.provider_message_id, 'delivered')).json()).toMatchObject({ applied: false });
    // late and out of order: a "sent" after "delivered" moves nothing back
    await cb(g!.provider_message_id, 'queued');
    await cb(b!.provider_message_id, 'undelivered', { ErrorCode: '30003' });
    expect(await rows(actor, sql`SELECT id, status, cost_cents::int AS cost, segments, delivered_at IS NOT NULL AS delivered, error FROM message WHERE id IN (${good}::uuid, ${bad}::uuid) ORDER BY status`)).toEqual([
      { id: good, status: 'delivered', cost: 3, segments: 2, delivered: true, error: null },
      { id: bad, status: 'failed', cost: 0, segments: 1, delivered: false, error: 'sms undelivered (Twilio error 30003)' },
    ]);
    // the bill takes the provider's price once it is known, in place of the estimate
    expect(await rows(actor, sql`SELECT cost_cents::int AS cost FROM billing_usage WHERE subject_id = ${good}::uuid`)).toEqual([{ cost: 3 }]);

    const answered = await sentVia(actor, lead.id, 'call', 'twilio', sid('CA'));
    const unanswered = await sentVia(actor, lead.id, 'call', 'twilio', sid('CA'));
    const [a, u] = await rows<{ provider_message_id: string }>(actor, sql`SELECT provider_message_id FROM message WHERE id IN (${answered}::uuid, ${unanswered}::uuid) ORDER BY id = ${answered}::uuid DESC`);
    for (const s of ['initiated', 'ringing', 'in-progress']) await twilio(path, { CallSid: a!.provider_message_id, CallStatus: s });
    await twilio(path, { CallSid: a!.provider_message_id, CallStatus: 'completed', CallDuration: '42' });
    await twilio(path, { CallSid: u!.provider_message_id, CallStatus: 'no-answer', CallDuration: '0' });
    expect(await rows(actor, sql`SELECT status, call_duration_seconds AS seconds, error FROM message WHERE id IN (${answered}::uuid, ${unanswered}::uuid) ORDER BY status`)).toEqual([
      { status: 'delivered', seconds: 42, error: null },
      { status: 'failed', seconds: 0, error: 'call no-answer' },
    ]);
    // four text events (the repeated "delivered" not among them) and five call events
    expect(await rows(actor, sql`SELECT count(*)::int AS n FROM webhook_event`)).toEqual([{ n: 9 }]);
  });

  it('answers 400 for an organization that is not an id and 404 for one that does not exist', async () => {
    expect((await twilio('/v1/webhooks/twilio/acme/sms', { MessageSid: sid('SM'), From: '+15125550100', Body: 'hi' })).statusCode).toBe(400);
    expect((await twilio('/v1/webhooks/twilio/00000000-0000-4000-8000-000000000000/sms', { MessageSid: sid('SM'), From: '+15125550100', Body: 'hi' })).statusCode).toBe(404);
  });
});

describe('Mailgun webhooks', () => {
  it('records delivery, opens and clicks on the message, once each', async () => {
    const { org, actor, lead } = await setup();
    const id = await sentVia(actor, lead.id, 'email', 'smtp', `<${sid('k')}@acme-roofing.example>`);
    const [m] = await rows<{ provider_message_id: string }>(actor, sql`SELECT provider_message_id FROM message WHERE id = ${id}::uuid`);
    const headers = { 'message-id': m!.provider_message_id.slice(1, -1) };
    const ev = (event: string, extra: Record<string, unknown> = {}) => ({ id: crypto.randomUUID(), event, timestamp: 1773154800, recipient: lead.email, message: { headers }, ...extra });
    const delivered = ev('delivered');
    expect((await mailgun(org.id, delivered)).json()).toMatchObject({ applied: true, message_id: id });
    expect((await mailgun(org.id, delivered)).json()).toMatchObject({ applied: false });
    await mailgun(org.id, ev('opened'));
    await mailgun(org.id, ev('clicked'));
    expect(await rows(actor, sql`SELECT status, delivered_at, opened_at IS NOT NULL AS opened, clicked_at IS NOT NULL AS clicked FROM message WHERE id = ${id}::uuid`))
      .toEqual([{ status: 'delivered', delivered_at: new Date(1773154800 * 1000), opened: true, clicked: true }]);
  });

  it('suppresses the address on a bounce for good or a complaint, not on a temporary failure', async () => {
    const { org, actor, lead } = await setup();
    const id = await sentVia(actor, lead.id, 'email', 'smtp', `<${sid('k')}@acme-roofing.example>`);
    const [m] = await rows<{ provider_message_id: string }>(actor, sql`SELECT provider_message_id FROM message WHERE id = ${id}::uuid`);
    const message = { headers: { 'message-id': m!.provider_message_id.slice(1, -1) } };
    await mailgun(org.id, { id: crypto.randomUUID(), event: 'failed', severity: 'temporary', recipient: lead.email, message, 'delivery-status': { code: 421, message: 'try later' } });
    expect(await rows(actor, sql`SELECT count(*)::int AS n FROM dnc_entry`)).toEqual([{ n: 0 }]);
    await mailgun(org.id, { id: crypto.randomUUID(), event: 'failed', severity: 'permanent', recipient: lead.email, message, 'delivery-status': { code: 550, description: 'No such user' } });
    expect(await rows(actor, sql`SELECT status, error FROM message WHERE id = ${id}::uuid`)).toEqual([{ status: 'failed', error: 'email bounced: 550 No such user' }]);
    expect(await rows(actor, sql`SELECT kind, channels, source FROM dnc_entry`)).toEqual([{ kind: 'email', channels: ['email'], source: 'mailgun_event' }]);

    // a complaint about mail this organization did not send suppresses nothing: Mailgun's signature
    // does not cover the organization in the path, so the event must name one of its messages
    await mailgun(org.id, { id: crypto.randomUUID(), event: 'complained', recipient: 'Someone.Else@Example.com' });
    const check = await t.c.compliance.check(actor, { email: 'someone.else@example.com', channel: 'email' });
    expect(check).toMatchObject({ decision: 'allow' });
    expect(await rows(actor, sql`SELECT count(*)::int AS n FROM dnc_entry`)).toEqual([{ n: 1 }]);
  });

  it('refuses a bad or stale signature with 403 and changes nothing', async () => {
    const { org, actor, lead } = await setup();
    const event = { id: crypto.randomUUID(), event: 'complained', recipient: lead.email };
    expect((await mailgun(org.id, event, { key: 'wrong-key' })).statusCode).toBe(403);
    expect((await mailgun(org.id, event, { timestamp: Math.floor(Date.now() / 1000) - 3600 })).statusCode).toBe(403);
    expect((await app.inject({ method: 'POST', url: `/v1/webhooks/mailgun/${org.id}`, payload: { 'event-data': event } })).statusCode).toBe(403);
    expect(await rows(actor, sql`SELECT (SELECT count(*) FROM webhook_event)::int AS e, (SELECT count(*) FROM dnc_entry)::int AS d`)).toEqual([{ e: 0, d: 0 }]);
  });
});

describe('the unsubscribe link', () => {
  it('shows a page on GET without unsubscribing, and unsubscribes on a one-click POST with no auth', async () => {
    const { org, actor, lead } = await setup();
    const token = unsubscribeToken(t.c.pii, org.id, t.c.pii.hash(lead.email));
    const page = await app.inject({ method: 'GET', url: `/v1/unsubscribe/${token}` });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.body).toContain('<form method="post">');
    expect(page.body).toContain('Acme');
    expect(await rows(actor, sql`SELECT count(*)::int AS n FROM dnc_entry`)).toEqual([{ n: 0 }]);

    const post = await app.inject({ method: 'POST', url: `/v1/unsubscribe/${token}`, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'List-Unsubscribe=One-Click' });
    expect(post.statusCode).toBe(200);
    expect(post.headers['set-cookie']).toBeUndefined();
    expect(await rows(actor, sql`SELECT kind, channels, source FROM dnc_entry`)).toEqual([{ kind: 'email', channels: ['email'], source: 'unsubscribe' }]);
    expect(await t.c.compliance.check(actor, { email: lead.email, channel: 'email' })).toMatchObject({ decision: 'deny', reason: 'EMAIL_UNSUBSCRIBED' });
    // texts are another matter: the phone is not touched
    expect(await rows(actor, sql`SELECT count(*)::int AS n FROM consent WHERE revoked_at IS NOT NULL`)).toEqual([{ n: 0 }]);

    // again, and as multipart: still 200, still one entry
    const again = await app.inject({ method: 'POST', url: `/v1/unsubscribe/${token}`, headers: { 'content-type': 'multipart/form-data; boundary=x' }, payload: '--x\r\nContent-Disposition: form-data; name="List-Unsubscribe"\r\n\r\nOne-Click\r\n--x--\r\n' });
    expect(again.statusCode).toBe(200);
    expect(await rows(actor, sql`SELECT count(*)::int AS n FROM dnc_entry`)).toEqual([{ n: 1 }]);
  });

  it('does not know a forged or altered token', async () => {
    const { org, lead } = await setup();
    const token = unsubscribeToken(t.c.pii, org.id, t.c.pii.hash(lead.email));
    const altered = `${token.slice(0, -2)}${token.endsWith('A') ? 'B' : 'A'}A`;
    expect((await app.inject({ method: 'GET', url: `/v1/unsubscribe/${altered}` })).statusCode).toBe(404);
    expect((await app.inject({ method: 'POST', url: `/v1/unsubscribe/${altered}`, payload: 'List-Unsubscribe=One-Click', headers: { 'content-type': 'application/x-www-form-urlencoded' } })).statusCode).toBe(404);
  });
});

describe('FAQ and inbox routes', () => {
  it('keeps FAQ entries, tests the matcher and lists the inbox, behind API keys', async () => {
    const { org, owner, lead } = await setup();
    const key = await t.newApiKey(org.id, owner.id);
    const auth = { authorization: `Bearer ${key}` };
    expect((await app.inject({ method: 'GET', url: '/v1/faq' })).statusCode).toBe(401);
    const added = await app.inject({ method: 'POST', url: '/v1/faq', headers: auth, payload: { question: 'Do you offer free estimates?', answer: 'Yes, always free.' } });
    expect(added.statusCode).toBe(201);
    expect((await app.inject({ method: 'GET', url: '/v1/faq', headers: auth })).json().data).toEqual([expect.objectContaining({ question: 'Do you offer free estimates?', use_count: 0 })]);
    const test = await app.inject({ method: 'POST', url: '/v1/faq/test', headers: auth, payload: { text: 'are estimates free?' } });
    expect(test.json()).toMatchObject({ confident: true, answer: 'Yes, always free.', ranked: [{ question: 'Do you offer free estimates?' }] });
    expect((await app.inject({ method: 'PATCH', url: '/v1/faq/settings', headers: auth, payload: { threshold: 0.99 } })).json()).toMatchObject({ threshold: 0.99, enabled: true });
    expect((await app.inject({ method: 'POST', url: '/v1/faq/test', headers: auth, payload: { text: 'are estimates free?' } })).json()).toMatchObject({ confident: false });

    await twilio(`/v1/webhooks/twilio/${org.id}/sms`, { MessageSid: sid('SM'), From: lead.phone, Body: 'are estimates free?' });
    const inbox = await app.inject({ method: 'GET', url: '/v1/inbox', headers: auth });
    expect(inbox.json().data).toEqual([expect.objectContaining({ body: 'are estimates free?', needs_reply: true })]);
    const removed = await app.inject({ method: 'DELETE', url: `/v1/faq/${added.json().id}`, headers: auth });
    expect(removed.json()).toEqual({ id: added.json().id, removed: true });
  });
});
