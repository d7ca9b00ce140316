import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer } from '../../src/api/server.ts';
import { createTestContext, type TestContext } from '../support/context.ts';
import { austinLead, outreachOrg, PUBLIC_ENV, TUESDAY_MORNING } from '../support/outreach.ts';

// Templates, messages, the outbox, outreach settings, campaigns and the lead timeline over HTTP.

describe('outreach API', () => {
  let t: TestContext;
  let app: FastifyInstance;
  let key: string;
  let agentKey: string;
  let A: Awaited<ReturnType<typeof outreachOrg>>;
  let lead: Awaited<ReturnType<typeof austinLead>>;
  let stranger: Awaited<ReturnType<typeof austinLead>>;

  beforeAll(async () => {
    t = await createTestContext({ now: () => TUESDAY_MORNING, env: PUBLIC_ENV });
    app = await buildServer(t.c);
    A = await outreachOrg(t);
    key = await t.newApiKey(A.org.id, A.owner.id);
    const agent = await t.newUser(A.org.id, 'agent');
    agentKey = await t.newApiKey(A.org.id, agent.user.id);
    lead = await austinLead(t, A.actor);
    stranger = await austinLead(t, A.actor, { consent: false });
  });
  afterAll(async () => {
    await app.close();
    await t.close();
  });

  const call = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, body?: unknown, as = key) =>
    app.inject({ method, url, headers: { authorization: `Bearer ${as}` }, ...(body === undefined ? {} : { payload: body as object }) });

  it('lists the outreach routes in the OpenAPI document', async () => {
    const spec = (await app.inject({ method: 'GET', url: '/openapi.json' })).json();
    expect(Object.keys(spec.paths)).toEqual(expect.arrayContaining([
      '/v1/templates', '/v1/templates/{id}/preview', '/v1/messages', '/v1/messages/{id}/cancel', '/v1/outbox', '/v1/outreach/settings',
      '/v1/campaigns', '/v1/campaigns/{id}/launch', '/v1/campaigns/{id}/recipients', '/v1/leads/{id}/timeline',
    ]));
  });

  it('refuses an unknown merge field with 422 naming the part and position, saves and previews a good template', async () => {
    const bad = await call('POST', '/v1/templates', { name: 'Bad', channel: 'sms', body: 'Hi {{person.frist_name}}' });
    expect(bad.statusCode).toBe(422);
    expect(bad.json().error).toMatchObject({ code: 'TEMPLATE_INVALID', details: [{ field: 'body', line: 1, message: expect.stringMatching(/person\.frist_name.*column 6/) }] });
    const good = await call('POST', '/v1/templates', { name: 'Hello', channel: 'sms', body: 'Hi {{person.first_name}}, quick roof question?' });
    expect(good.statusCode).toBe(201);
    expect(good.json()).toMatchObject({ name: 'Hello', sms: { encoding: 'GSM-7', segments: 1 } });
    expect((await call('GET', '/v1/templates')).json().data.map((x: { name: string }) => x.name)).toEqual(['Hello']);
    const p = await call('POST', `/v1/templates/Hello/preview`, { lead_id: lead.id });
    expect(p.json()).toMatchObject({ body: 'Hi Pat, quick roof question?', sms: { segments: 1, first_touch: { body: expect.stringContaining('Reply STOP') } } });
    expect((await call('POST', '/v1/templates', { name: 'Mine', channel: 'sms', body: 'hi' }, agentKey)).statusCode).toBe(403);
  });

  it('lets admins change the outreach settings and refuses an agent with 403', async () => {
    const denied = await call('PATCH', '/v1/outreach/settings', { sender_name: 'Agent Co' }, agentKey);
    expect(denied.statusCode).toBe(403);
    expect(denied.json().error.code).toBe('FORBIDDEN');
    const ok = await call('PATCH', '/v1/outreach/settings', { prices: { sms: 2 } });
    expect(ok.json()).toMatchObject({ sender_name: 'Acme Roofing', prices: { sms: 2, email: 0 } });
    expect((await call('PATCH', '/v1/outreach/settings', { from_phone: 'nope' })).statusCode).toBe(400);
    expect((await call('GET', '/v1/outreach/settings', undefined, agentKey)).json()).toMatchObject({ prices: { sms: 2 } });
  });

  it('sends through the gate, answering with the decision, and shows the outbox', async () => {
    const sent = await call('POST', '/v1/messages', { lead_id: lead.id, channel: 'sms', template: 'Hello' });
    expect(sent.statusCode).toBe(201);
    expect(sent.json()).toMatchObject({ status: 'sent', decision: { decision: 'allow' } });
    const refused = await call('POST', '/v1/messages', { lead_id: stranger.id, channel: 'sms', body: 'Hi' });
    expect(refused.json()).toMatchObject({ status: 'cancelled', reason: 'PEWC_REQUIRED:SMS_MARKETING', decision: { decision: 'deny' } });
    const out = (await call('GET', '/v1/outbox')).json();
    expect(out.data).toHaveLength(1);
    expect(out.data[0]).toMatchObject({ message_id: sent.json().id, body: expect.stringContaining('Reply STOP to opt out') });
    expect((await call('GET', `/v1/messages/${refused.json().id}`)).json()).toMatchObject({ decision: { reasons: expect.arrayContaining(['PEWC_REQUIRED:SMS_MARKETING']) } });
    expect((await call('GET', `/v1/messages?lead=${lead.id}&status=sent`)).json().data).toHaveLength(1);
    expect((await call('POST', '/v1/messages', { lead_id: lead.id, channel: 'sms' })).statusCode).toBe(400);
  });

  it('schedules, cancels while pending and answers 409 after', async () => {
    const s = await call('POST', '/v1/messages/scheduled', { lead_id: lead.id, channel: 'sms', body: 'Tomorrow?', at: '2026-03-11T16:00:00Z' });
    expect(s.json()).toMatchObject({ status: 'pending', source: 'scheduled', scheduled_for: '2026-03-11T16:00:00.000Z' });
    expect((await call('POST', `/v1/messages/${s.json().id}/cancel`)).json()).toMatchObject({ status: 'cancelled' });
    expect((await call('POST', `/v1/messages/${s.json().id}/cancel`)).statusCode).toBe(409);
  });

  it('creates, launches (once), shows and lists the recipients of a campaign; shows the timeline', async () => {
    expect((await call('POST', '/v1/segments', { name: 'All', filter: {} })).statusCode).toBe(201);
    const created = await call('POST', '/v1/campaigns', { name: 'Spring', template: 'Hello', segment: 'All', throttle_per_minute: 100 });
    expect(created.statusCode).toBe(201);
    const id = created.json().id;
    const launched = (await call('POST', `/v1/campaigns/${id}/launch`, {})).json();
    expect(launched).toMatchObject({ launched: true, recipients: 2, recipients_by_status: { sent: 1, skipped: 1 } });
    expect((await call('POST', `/v1/campaigns/${id}/launch`)).json()).toMatchObject({ launched: false, recipients_by_status: launched.recipients_by_status });
    expect((await call('GET', `/v1/campaigns/${id}`, undefined, agentKey)).json()).toMatchObject({ status: 'completed', engagement: { sent: 1 } });
    const rs = (await call('GET', `/v1/campaigns/${id}/recipients?status=skipped`)).json();
    expect(rs.data).toEqual([expect.objectContaining({ lead_id: stranger.id, skip_reason: 'PEWC_REQUIRED:SMS_MARKETING' })]);
    expect((await call('POST', `/v1/campaigns/${id}/launch`, {}, agentKey)).statusCode).toBe(403);

    const tl = (await call('GET', `/v1/leads/${lead.id}/timeline?limit=3`)).json();
    expect(tl.data).toHaveLength(3);
    expect(tl.data[0]).toMatchObject({ kind: expect.any(String), at: expect.any(String), summary: expect.any(String), ref_id: expect.any(String) });
    expect(tl.next_cursor).toEqual(expect.any(String));
    const kinds = (await call('GET', `/v1/leads/${lead.id}/timeline?kind=message,campaign`)).json().data.map((e: { kind: string }) => e.kind);
    expect(kinds.sort()).toEqual(['campaign', 'message', 'message', 'message']);
    expect((await call('GET', `/v1/leads/${crypto.randomUUID()}/timeline`)).statusCode).toBe(404);
  });
});
