import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer } from '../../src/api/server.ts';
import type { Jobs } from '../../src/jobs/jobs.ts';
import { createWorker } from '../../src/jobs/worker.ts';
import { createTestContext, type TestContext } from '../support/context.ts';
import { seedLeads } from '../../bench/seed-leads.ts';

// Pulls, scans and enrichment over HTTP: each starts as a job that the in-process worker runs.
describe('HTTP API: pulls, scans, enrichment, money', () => {
  let t: TestContext;
  let app: FastifyInstance;
  let jobs: Jobs;
  let key: string;
  let agentKey: string;
  let tag: string;

  beforeAll(async () => {
    t = await createTestContext();
    jobs = await createWorker(t.c).start({ pollSeconds: 0.5 });
    app = await buildServer(t.c, { jobs });
    const A = await t.newOrganization('A');
    key = await t.newApiKey(A.org.id, A.owner.id);
    const agent = await t.newUser(A.org.id, 'agent');
    agentKey = await t.newApiKey(A.org.id, agent.user.id);
    ({ tag } = await seedLeads(t.c, A.actor, 40));
  });
  afterAll(async () => {
    await app.close();
    await jobs.stop();
    await t.close();
  });

  const call = (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: unknown, k = key) =>
    app.inject({ method, url, headers: { authorization: `Bearer ${k}` }, ...(payload === undefined ? {} : { payload: payload as object }) });
  async function until(url: string, done: (r: Record<string, unknown>) => boolean) {
    for (let i = 0; i < 300; i++) {
      const r = (await call('GET', url)).json();
      if (done(r)) return r;
      await new Promise((res) => setTimeout(res, 100));
    }
    throw new Error(`${url} did not finish`);
  }

  it('estimates, then runs an enrichment as a job, and reports it per stage', async () => {
    const dry = await call('POST', '/v1/enrichments', { tag, dry_run: true });
    expect(dry.statusCode).toBe(200);
    expect(dry.json().estimate.leads_selected).toBe(40);
    const r = await call('POST', '/v1/enrichments', { tag, max_spend_cents: 5000 });
    expect(r.statusCode).toBe(202);
    const report = await until(`/v1/enrichments/${r.json().run.id}`, (x) => (x.run as { status: string }).status === 'completed');
    const stages = report.stages as { stage: string; leads: number; cost_cents: number }[];
    expect(stages.map((s) => s.stage)).toEqual(['append', 'skip_trace', 'verify', 'score']);
    const costs = (await call('GET', '/v1/costs?by=stage')).json();
    expect(costs.total_cents).toBe(stages.reduce((n, s) => n + s.cost_cents, 0));
    expect(costs.rows.map((x: { key: string }) => x.key)).toEqual(expect.arrayContaining(['append']));
  });

  it('pulls a list and scans an area as jobs, with progress and a results summary', async () => {
    const p = await call('POST', '/v1/pulls', { source: 'local', query: { zip_codes: ['90028'] }, page_size: 500 });
    expect(p.statusCode).toBe(202);
    expect(p.json().query_sig).toMatch(/^[0-9a-f]{64}$/);
    const pulled = await until(`/v1/pulls/${p.json().id}`, (x) => x.status === 'completed');
    expect(pulled.records).toBeGreaterThan(0);
    expect(pulled.new_records).toBe(pulled.records);

    const s = await call('POST', '/v1/scans', { area: 'Round Rock, TX', type: 'city' });
    expect(s.statusCode).toBe(202);
    expect(s.json().status).toBe('queued');
    const scan = await until(`/v1/scans/${s.json().id}`, (x) => x.status === 'completed' || x.status === 'failed');
    expect(scan.status).toBe('completed');
    expect(scan.progress_percentage).toBe(100);
    expect(scan.processed_properties).toBe(scan.total_properties);
    const summary = scan.results_summary as { leads: number; top_leads: unknown[]; qualified_leads: number };
    expect(summary.leads).toBe(scan.processed_properties);
    expect(summary.qualified_leads).toBe(scan.qualified_leads);
    expect(summary.top_leads.length).toBeGreaterThan(0);
  });

  it('tops up the budget and shows each transaction with the balance after', async () => {
    const r = await call('POST', '/v1/budget/topups', { amount_cents: 2500, reference: 'inv-1' });
    expect(r.statusCode).toBe(201);
    const again = await call('POST', '/v1/budget/topups', { amount_cents: 2500, reference: 'inv-1' });
    expect(again.statusCode).toBe(200);
    const b = (await call('GET', '/v1/budget')).json();
    expect(b).toMatchObject({ enforced: true, balance_cents: 2500 });
    expect(b.transactions[0]).toMatchObject({ kind: 'topup', amount_cents: 2500, balance_after_cents: 2500 });
  });

  it('refuses bad input with the field named, agents, and strangers', async () => {
    const bad = await call('POST', '/v1/pulls', { source: 'local', query: { zip_codes: ['9002'] } });
    expect(bad.statusCode).toBe(400);
    expect(JSON.stringify(bad.json())).toContain('zip_codes');
    const none = await call('POST', '/v1/enrichments', {});
    expect(none.statusCode).toBe(400);
    expect(none.json().error.message).toContain('which leads');
    const scan = await call('POST', '/v1/scans', { area: 'Austin', type: 'zip_code' });
    expect(scan.statusCode).toBe(400);
    expect((await call('POST', '/v1/enrichments', { tag }, agentKey)).statusCode).toBe(403);
    expect((await call('POST', '/v1/budget/topups', { amount_cents: 100 }, agentKey)).statusCode).toBe(403);
    expect((await app.inject({ method: 'GET', url: '/v1/budget' })).statusCode).toBe(401);
    expect((await call('GET', '/v1/providers')).json().data.map((p: { port: string }) => p.port)).toEqual(['property_search', 'skip_trace', 'append', 'phone_verify', 'email_verify']);
  });
});
