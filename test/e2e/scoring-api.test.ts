import fs from 'node:fs';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer } from '../../src/api/server.ts';
import { withTenant } from '../../src/db/tenant.ts';
import { createTestContext, type TestContext } from '../support/context.ts';

// The scoring, routing and contagion endpoints over real HTTP handling (inject), one organization
// walled off from another.

const AUSTIN = path.resolve(import.meta.dirname, '../../../shared/data/permits/austin/data/2015');

describe('scoring, routing and contagion API', () => {
  let t: TestContext;
  let app: FastifyInstance;
  let key: string;
  let otherKey: string;
  let agentKey: string;
  let lead: Awaited<ReturnType<TestContext['newLead']>>;

  beforeAll(async () => {
    t = await createTestContext();
    app = await buildServer(t.c);
    const a = await t.newOrganization('A');
    const b = await t.newOrganization('B');
    key = await t.newApiKey(a.org.id, a.owner.id);
    otherKey = await t.newApiKey(b.org.id, b.owner.id);
    agentKey = await t.newApiKey(a.org.id, (await t.newUser(a.org.id, 'agent')).user.id);
    lead = await t.newLead(a.org.id);
    await withTenant(t.c.db, a.actor, (trx) => trx.updateTable('property').set({ roof_age_years: 24, roof_material: 'asphalt', estimated_value_cents: 35_000_000 })
      .where('id', '=', lead.property_id).execute());
  });
  afterAll(async () => {
    await app.close();
    await t.close();
  });

  const call = (method: 'GET' | 'POST' | 'PUT', url: string, body?: unknown, k = key, type?: string) => app.inject({
    method, url, headers: { authorization: `Bearer ${k}`, ...(type ? { 'content-type': type } : {}) },
    ...(body === undefined ? {} : { payload: body as string }),
  });

  it('rescores, shows the scores and their history on the lead, and takes marks on them', async () => {
    const r = await call('POST', '/v1/scoring/rescore', { scorer: 'roof,motivation' });
    expect(r.statusCode).toBe(200);
    expect(r.json().data.map((x: { scorer: string }) => x.scorer)).toEqual(['motivation', 'roof']);
    const shown = (await call('GET', `/v1/leads/${lead.id}`)).json();
    expect(shown).toMatchObject({ lead_score: 45, tier: 'cold', replacement_urgency: 'immediate' });
    expect(shown.score_history).toEqual(expect.arrayContaining([expect.objectContaining({ scorer: 'roof', score: 45, factors: expect.objectContaining({ roof_age: 35, value: 10 }) })]));
    const bad = await call('POST', '/v1/scoring/rescore', { scorer: 'luck' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.message).toContain('scorer');
    expect((await call('POST', `/v1/leads/${lead.id}/feedback`, { scorer: 'roof', verdict: 'good' })).json()).toMatchObject({ verdict: 'good', score: 45 });
    expect((await call('GET', '/v1/scoring/feedback')).json().data).toEqual([expect.objectContaining({ scorer: 'roof', label: 'cold', good: 1 })]);
    expect((await call('POST', `/v1/leads/${lead.id}/feedback`, { scorer: 'roof', verdict: 'good' }, otherKey)).statusCode).toBe(404);
    expect((await call('PUT', '/v1/scoring/settings', { roof: { hot: 50 } })).statusCode).toBe(400);
    expect((await call('GET', '/v1/scoring/settings')).json().contagion).toMatchObject({ radius_miles: 0.25, window_months: 24, min_permits: 3 });
  });

  it('routes, lists the campaign-ready leads and the billable usage', async () => {
    const r = (await call('POST', '/v1/routing')).json();
    expect(r).toMatchObject({ thresholds: { contactable: 60, enriched: 40, billable_at: 60 } });
    expect((await call('GET', '/v1/routing/campaign-ready?limit=5')).json()).toEqual({ data: [] });
    expect((await call('GET', '/v1/routing/campaign-ready?limit=0')).statusCode).toBe(400);
    expect((await call('GET', '/v1/billing/usage')).json()).toEqual({ data: [] });
    const added = await call('POST', '/v1/dnc', { phone: '(512) 555-0142', reason: 'asked not to be called' });
    expect(added.statusCode).toBe(201);
    expect((await call('POST', '/v1/dnc', { phone: '5125550142' })).statusCode).toBe(200);
    expect((await call('POST', '/v1/dnc', { phone: 'nope' })).statusCode).toBe(400);
    expect((await call('GET', '/v1/dnc')).json().data).toEqual([expect.objectContaining({ kind: 'phone', reason: 'asked not to be called' })]);
    expect((await call('GET', '/v1/dnc', undefined, otherKey)).json().data).toEqual([]);
    expect((await app.inject({ method: 'DELETE', url: '/v1/dnc', headers: { authorization: `Bearer ${key}` }, payload: { phone: '+15125550142' } })).json()).toMatchObject({ removed: true });
  });

  it('pages the do-not-contact list newest first and searches what it shows, the reason and the source', async () => {
    const csv = ['phone,email,reason', ...Array.from({ length: 7 }, (_, i) => `+1512555${String(2000 + i)},,${i === 3 ? 'sold the house' : 'asked'}`), ',owner@example.org,asked'].join('\n');
    expect((await call('POST', '/v1/dnc/import', csv, otherKey, 'text/csv')).json()).toMatchObject({ added: 8 });
    const get = async (q: string) => (await call('GET', `/v1/dnc?${q}`, undefined, otherKey)).json() as { data: { id: string; display: string; reason: string | null }[]; next_cursor: string | null; total: number };
    const all = await get('limit=100');
    expect([all.data.length, all.total, all.next_cursor]).toEqual([8, 8, null]);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const p = await get(`limit=3${cursor ? `&cursor=${cursor}` : ''}`);
      expect(p.total).toBe(8);
      seen.push(...p.data.map((e) => e.id));
      cursor = p.next_cursor;
    } while (cursor);
    expect(seen).toEqual(all.data.map((e) => e.id)); // every entry once, in the same order
    expect((await get('q=2003')).data.map((e) => e.display)).toEqual(['+1512•••2003']);
    expect((await get(`q=${encodeURIComponent('(512)')}`)).total).toBe(7);
    expect((await get('q=sold')).data.map((e) => e.reason)).toEqual(['sold the house']);
    expect((await get('q=example.org&kind=email')).total).toBe(1);
    expect((await get('q=100%25')).total).toBe(0); // a % is a character, not a wildcard
    expect((await call('GET', '/v1/dnc?cursor=nonsense', undefined, otherKey)).json().error.details).toEqual([{ field: 'cursor', message: 'invalid' }]);
    expect((await call('GET', '/v1/dnc?limit=0', undefined, otherKey)).statusCode).toBe(400);
  });

  it('imports permits from the request body, runs contagion and lists the clusters', async () => {
    const csv = fs.readFileSync(path.join(AUSTIN, '2015-03-03.csv'));
    const r = await call('POST', '/v1/permits?preset=austin', csv, key, 'text/csv');
    expect(r.statusCode).toBe(200);
    expect(r.json()).toMatchObject({ rejected: 0 });
    expect(r.json().added).toBeGreaterThan(100);
    const bad = await call('POST', '/v1/permits?preset=nowhere', csv, key, 'text/csv');
    expect(bad.statusCode).toBe(400);
    const json = await call('POST', '/v1/permits', { permit_number: 'X' });
    expect(json.statusCode).toBe(400);
    expect(json.json().error.message).toContain('text/csv');
    expect((await call('POST', '/v1/permits', csv, agentKey, 'text/csv')).statusCode).toBe(403);
    const run = await call('POST', '/v1/contagion/runs', { as_of: '2015-12-31' });
    expect(run.statusCode).toBe(200);
    expect(run.json()).toMatchObject({ since: '2013-12-31', as_of: '2015-12-31' });
    expect((await call('POST', '/v1/contagion/runs', { as_of: 'yesterday' })).statusCode).toBe(400);
    expect((await call('GET', '/v1/contagion/clusters')).json()).toHaveProperty('data');
    expect((await call('GET', `/v1/contagion/properties/${lead.property_id}`)).statusCode).toBe(404);
    // the other organization sees none of it
    expect((await call('GET', '/v1/contagion/clusters', undefined, otherKey)).json()).toEqual({ data: [] });
  });
});
