import crypto from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer } from '../../src/api/server.ts';
import { createTestContext, type TestContext } from '../support/context.ts';

// The do-not-call lists, consents and the gate over real HTTP handling (inject): who may load
// the national copy, the three ways a file arrives, and the gate's answers and record.

describe('dnc, consents and compliance API', () => {
  let t: TestContext;
  let app: FastifyInstance;
  let key: string;
  let agentKey: string;
  let otherKey: string;

  beforeAll(async () => {
    t = await createTestContext();
    app = await buildServer(t.c);
    const a = await t.newOrganization('A');
    const b = await t.newOrganization('B');
    key = await t.newApiKey(a.org.id, a.owner.id);
    agentKey = await t.newApiKey(a.org.id, (await t.newUser(a.org.id, 'agent')).user.id);
    otherKey = await t.newApiKey(b.org.id, b.owner.id);
  });
  afterAll(async () => {
    await app.close();
    await t.close();
  });

  const call = (method: 'GET' | 'POST', url: string, body?: unknown, k = key, type?: string) => app.inject({
    method, url, headers: { authorization: `Bearer ${k}`, ...(type ? { 'content-type': type } : {}) },
    ...(body === undefined ? {} : { payload: body as string }),
  });

  it('loads a registry download as text or a form upload (managers), and an own list as CSV (anyone)', async () => {
    const plain = await call('POST', '/v1/dnc/import?as_of=2026-03-01&area_codes=404', '404,5550101\n404,5550102\nnot a number\n', key, 'text/plain');
    expect(plain.statusCode, plain.body).toBe(200);
    expect(plain.json()).toMatchObject({ area_codes: [404], numbers: 2, rows_rejected: 1, issues: [{ line: 3 }] });
    expect((await call('POST', '/v1/dnc/import?as_of=2026-03-01', '404,5550101\n', agentKey, 'text/plain')).statusCode).toBe(403);

    const boundary = '----porchlight-test';
    const form = [`--${boundary}`, 'Content-Disposition: form-data; name="as_of"', '', '2026-03-02',
      `--${boundary}`, 'Content-Disposition: form-data; name="file"; filename="dnc-512.txt"', 'Content-Type: text/plain', '', '512,5550100\r\n512,5550199',
      `--${boundary}--`, ''].join('\r\n');
    const upload = await call('POST', '/v1/dnc/import', form, key, `multipart/form-data; boundary=${boundary}`);
    expect(upload.statusCode, upload.body).toBe(200);
    expect(upload.json()).toMatchObject({ area_codes: [512], as_of: '2026-03-02', file_name: 'dnc-512.txt', numbers: 2, rows_rejected: 0 });
    const noFile = await call('POST', '/v1/dnc/import', [`--${boundary}`, 'Content-Disposition: form-data; name="as_of"', '', '2026-03-02', `--${boundary}--`, ''].join('\r\n'), key, `multipart/form-data; boundary=${boundary}`);
    expect(noFile.statusCode).toBe(400);
    expect(noFile.json().error.message).toContain('no file');

    const own = await call('POST', '/v1/dnc/import', 'phone,reason\n404-555-0120,asked not to call\n', agentKey, 'text/csv');
    expect(own.statusCode, own.body).toBe(200);
    expect(own.json()).toMatchObject({ added: 1, rejected: 0 });
    expect((await call('POST', '/v1/dnc/import?as_of=2026-03-01', 'phone\n4045550120\n', key, 'text/csv')).statusCode).toBe(400);
    expect((await call('POST', '/v1/dnc/import', '404,5550101\n', key, 'text/plain')).json().error.message).toContain('as_of');

    const check = await call('GET', '/v1/dnc/check?phone=%2B14045550101');
    expect(check.json()).toMatchObject({ organization_list: { listed: false }, national: { area_code: 404, listed: true, as_of: '2026-03-01' } });
    expect((await call('GET', '/v1/dnc/check?phone=%2B14045550101', undefined, otherKey)).json()).toMatchObject({ national: { listed: false, as_of: null } });
    expect((await call('GET', '/v1/dnc/check')).statusCode).toBe(400);
  });

  it('keeps consents, asks the gate and lists its answers', async () => {
    const at = '2026-03-10T11:00:00-04:00';
    const gate = (body: object, k = key) => call('POST', '/v1/compliance/check', { zip: '30303', state: 'GA', at, ...body }, k);
    const denied = await gate({ phone: '+14045550101', channel: 'call' });
    expect(denied.statusCode, denied.body).toBe(200);
    expect(denied.json()).toMatchObject({ decision: 'deny', reason: 'NATIONAL_DNC' });

    const consent = await call('POST', '/v1/consents', {
      phone: '404-555-0101', seller_name: 'Acme Roofing', scope: ['voice'], type: 'pewc', method: 'web_form',
      captured_at: '2026-02-01T12:00:00-05:00', disclosure_text: 'I agree that Acme Roofing may call me at this number using automated technology.',
    }, agentKey);
    expect(consent.statusCode, consent.body).toBe(201);
    expect((await gate({ phone: '+14045550101', channel: 'call' }, agentKey)).json()).toMatchObject({ decision: 'allow', obligations: ['IDENTIFY_AT_START'] });
    expect((await call('GET', '/v1/consents?phone=4045550101')).json().data).toEqual([expect.objectContaining({ seller_name: 'Acme Roofing', type: 'pewc' })]);
    expect((await call('GET', '/v1/consents?phone=4045550101', undefined, otherKey)).json().data).toEqual([]);

    const revoked = await call('POST', '/v1/consents/revoke', { phone: '+14045550101', channel: 'call', text: 'stop calling', at: '2026-03-05T12:00:00-05:00' });
    expect(revoked.json()).toMatchObject({ consents_revoked: 1 });
    expect((await gate({ phone: '+14045550101', channel: 'call' })).json()).toMatchObject({ decision: 'deny', reason: 'OPTED_OUT' });

    const log = await call('GET', '/v1/compliance/decisions?decision=deny&limit=10');
    expect(log.json().data.map((d: { reason: string }) => d.reason)).toEqual(['OPTED_OUT', 'NATIONAL_DNC']);
    expect((await call('GET', '/v1/compliance/decisions', undefined, otherKey)).json().data).toEqual([]);

    expect((await gate({ phone: '+14045550101', channel: 'fax' })).statusCode).toBe(400);
    expect((await call('POST', '/v1/consents', { phone: '+14045550101', seller_name: 'X', scope: ['sms'], type: 'pewc', method: 'web_form' })).statusCode).toBe(400);
    expect((await call('GET', '/v1/compliance/decisions?limit=abc')).statusCode).toBe(400);
  });

  it('filters the log by channel, reason and lead, pages it by cursor, and shows one decision with its facts', async () => {
    const at = '2026-03-10T11:00:00-04:00';
    const gate = (body: object) => call('POST', '/v1/compliance/check', { zip: '30303', state: 'GA', at, ...body });
    const texted = (await gate({ phone: '+14045550177', channel: 'sms' })).json();
    expect(texted).toMatchObject({ decision: 'deny', reason: 'PEWC_REQUIRED:SMS_MARKETING' });
    const list = async (q: string) => (await call('GET', `/v1/compliance/decisions?${q}`)).json() as { data: { id: string; channel: string; reasons: string[] }[]; next_cursor: string | null };
    expect((await list('channel=sms')).data.map((d) => d.id)).toEqual([texted.id]);
    // a reason code without its suffix takes every suffix; a whole code matches only itself
    expect((await list('reason=PEWC_REQUIRED')).data.map((d) => d.id)).toEqual([texted.id]);
    expect((await list('reason=PEWC_REQUIRED:SMS_MARKETING')).data.map((d) => d.id)).toEqual([texted.id]);
    expect((await list('reason=PEWC_REQUIRED:AI_MARKETING')).data).toEqual([]);
    expect((await list('reason=NATIONAL_DNC')).data.every((d) => d.reasons.includes('NATIONAL_DNC'))).toBe(true);
    expect((await list(`lead=${crypto.randomUUID()}`)).data).toEqual([]);

    const all = await list('limit=100');
    expect(all.next_cursor).toBeNull();
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const p = await list(`limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      seen.push(...p.data.map((d) => d.id));
      cursor = p.next_cursor;
    } while (cursor);
    expect(seen).toEqual(all.data.map((d) => d.id));
    expect((await call('GET', '/v1/compliance/decisions?reason=not a code')).statusCode).toBe(400);
    expect((await call('GET', '/v1/compliance/decisions?cursor=nonsense')).statusCode).toBe(400);

    const one = await call('GET', `/v1/compliance/decisions/${texted.id}`);
    expect(one.statusCode, one.body).toBe(200);
    expect(one.json()).toMatchObject({ id: texted.id, decision: 'deny', reasons: ['PEWC_REQUIRED:SMS_MARKETING'], contact: '+1404•••0177', via: 'api',
      facts: { channel: 'sms', consent: 'none', phone: '+1404•••0177', at: '2026-03-10T15:00:00.000Z' } });
    expect((await call('GET', `/v1/compliance/decisions/${texted.id}`, undefined, otherKey)).statusCode).toBe(404);
    expect((await call('GET', '/v1/compliance/decisions/not-an-id')).statusCode).toBe(404);
  });

  it("shows an agent only the decisions about leads they can see, or about no lead", async () => {
    const o = await t.newOrganization('Agents');
    const mine = await t.newUser(o.org.id, 'agent');
    const theirs = await t.newUser(o.org.id, 'agent');
    const [own, other, open] = [await t.newLead(o.org.id, { assignee_id: mine.user.id }), await t.newLead(o.org.id, { assignee_id: theirs.user.id }), await t.newLead(o.org.id)];
    const manager = await t.newApiKey(o.org.id, o.owner.id);
    const agent = await t.newApiKey(o.org.id, mine.user.id);
    const at = '2026-03-10T11:00:00-04:00';
    const decided: Record<string, string> = {};
    for (const [name, body] of Object.entries({ own: { lead_id: own.id }, other: { lead_id: other.id }, open: { lead_id: open.id }, byHand: { phone: '+14045550123', zip: '30303' } })) {
      const r = await call('POST', '/v1/compliance/check', { channel: 'sms', at, ...body }, manager);
      expect(r.statusCode, r.body).toBe(200);
      decided[name] = r.json().id;
    }
    const ids = async (k: string, q = '') => ((await call('GET', `/v1/compliance/decisions?limit=100${q}`, undefined, k)).json().data as { id: string }[]).map((d) => d.id).sort();
    expect(await ids(manager)).toEqual(Object.values(decided).sort());
    expect(await ids(agent)).toEqual([decided.own, decided.open, decided.byHand].sort());
    expect(await ids(agent, `&lead=${other.id}`)).toEqual([]);
    expect((await call('GET', `/v1/compliance/decisions/${decided.other}`, undefined, agent)).statusCode).toBe(404);
    expect((await call('GET', `/v1/compliance/decisions/${decided.own}`, undefined, agent)).statusCode).toBe(200);
  });

  it('documents the routes', async () => {
    const spec = (await app.inject({ method: 'GET', url: '/openapi.json' })).json();
    expect(Object.keys(spec.paths)).toEqual(expect.arrayContaining(['/v1/dnc/import', '/v1/dnc/check', '/v1/consents', '/v1/consents/revoke', '/v1/compliance/check', '/v1/compliance/decisions', '/v1/compliance/decisions/{id}']));
  });
});
