import { parse } from 'csv-parse/sync';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer } from '../../src/api/server.ts';
import { REPORT_NAMES } from '../../src/domain/analytics/reports.service.ts';
import { createTestContext, type TestContext } from '../support/context.ts';
import { NOW, reportFixture } from '../support/reports.ts';

// The reports over HTTP on the fixed November of test/support/reports.ts: each report by its
// address, the period's defaults and refusals with the field named, what a role may do, and the
// entries (stages, source costs, deals). The numbers themselves are test/medium/reports.test.ts's.

describe('reports API', () => {
  let t: TestContext;
  let app: FastifyInstance;
  let f: Awaited<ReturnType<typeof reportFixture>>;
  const keys = { owner: '', manager: '', agent: '' };

  beforeAll(async () => {
    t = await createTestContext({ now: () => NOW });
    app = await buildServer(t.c);
    f = await reportFixture(t);
    keys.owner = await t.newApiKey(f.A.org.id, f.A.owner.id);
    keys.manager = await t.newApiKey(f.A.org.id, f.manager.user.id);
    keys.agent = await t.newApiKey(f.A.org.id, f.Y.user.id);
  });
  afterAll(async () => {
    await app.close();
    await t.close();
  });

  const call = (method: 'GET' | 'PUT' | 'PATCH' | 'DELETE', url: string, body?: unknown, as: keyof typeof keys = 'manager') =>
    app.inject({ method, url, headers: { authorization: `Bearer ${keys[as]}` }, ...(body === undefined ? {} : { payload: body as object }) });
  const refusal = (r: { statusCode: number; json: () => { error: { code: string; details: { field: string }[] } } }) =>
    [r.statusCode, r.json().error.code, r.json().error.details.map((d) => d.field)];

  it('serves every report for a period, money in integer cents, costs agreeing with roi', async () => {
    for (const name of REPORT_NAMES) {
      const r = await call('GET', `/v1/reports/${name}?from=2026-11-01&to=2026-11-30`);
      expect(r.statusCode, `${name}: ${r.body}`).toBe(200);
      expect(r.json()).toMatchObject({ report: name, period: { from: '2026-11-01', to: '2026-11-30' } });
    }
    const roi = (await call('GET', '/v1/reports/roi?from=2026-11-01&to=2026-11-30')).json();
    const costs = (await call('GET', '/v1/reports/costs?from=2026-11-01&to=2026-11-30')).json();
    expect(roi.totals).toMatchObject({ spend_cents: 165_561, cost_per_lead_cents: 33_112, revenue_cents: 1_500_000, roi: 8.0601 });
    expect(costs.totals.spend_cents).toBe(165_561);
    expect(roi.rows.find((r: { source: string }) => r.source === 'mailers')).toMatchObject({ cost_per_contactable_cents: 62_523 });
    expect((await call('GET', '/v1/reports/funnel?from=2026-11-01&to=2026-11-30')).json().rows.map((r: { leads: number }) => r.leads)).toEqual([5, 4, 3, 2, 2, 1]);
    // no dates: the month to date by the server's clock
    expect((await call('GET', '/v1/reports/usage')).json()).toMatchObject({ period: { from: '2026-11-01', to: '2026-11-20' }, plan: 'trial', rows: [{ month: '2026-11', remaining: 21 }] });
  });

  it('serves each report as CSV too: cents, a total row, and no cell a spreadsheet would run', async () => {
    const csv = await call('GET', '/v1/reports/roi.csv?from=2026-11-01&to=2026-11-30');
    expect(csv.statusCode, csv.body).toBe(200);
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    expect(csv.headers['content-disposition']).toBe('attachment; filename="roi-2026-11-01-to-2026-11-30.csv"');
    const rows = parse(csv.body, { columns: true }) as Record<string, string>[];
    expect(rows.at(-1)).toMatchObject({ source: 'total', spend_cents: '165561', revenue_cents: '1500000' });
    // a source someone typed as a formula comes out as text
    expect((await call('PUT', '/v1/reports/source-costs', { source: '=HYPERLINK("http://x")', month: '2026-10', amount_cents: 100 })).statusCode).toBe(200);
    const october = parse((await call('GET', '/v1/reports/roi.csv?from=2026-10-01&to=2026-10-31')).body, { columns: true }) as Record<string, string>[];
    expect(october.map((r) => r.source)).toContain(`'=HYPERLINK("http://x")`);
    expect(refusal(await call('GET', '/v1/reports/costs.csv?from=2026-11-31'))).toEqual([400, 'VALIDATION', ['from']]);
    expect((await call('GET', '/v1/reports/costs.csv', undefined, 'agent')).statusCode).toBe(403);
  });

  it('refuses a bad period naming the field, and agents', async () => {
    expect(refusal(await call('GET', '/v1/reports/roi?from=2026-11-31'))).toEqual([400, 'VALIDATION', ['from']]);
    expect(refusal(await call('GET', '/v1/reports/costs?from=2026-11-02&to=2026-11-01'))).toEqual([400, 'VALIDATION', ['to']]);
    expect(refusal(await call('GET', '/v1/reports/team?from=2024-01-01&to=2026-01-01'))).toEqual([400, 'VALIDATION', ['to']]);
    expect((await call('GET', '/v1/reports/quality?month=2026-11')).statusCode).toBe(400);
    expect(refusal(await call('GET', '/v1/reports/funnel', undefined, 'agent'))).toEqual([403, 'FORBIDDEN', []]);
    expect((await app.inject({ method: 'GET', url: '/v1/reports/roi' })).statusCode).toBe(401);
  });

  it("sets the funnel's stages (owners, admins), checked against the status set", async () => {
    expect(refusal(await call('PATCH', '/v1/reports/funnel/stages', { stages: ['new', 'signed'] }, 'owner'))).toEqual([400, 'VALIDATION', ['stages.1']]);
    expect((await call('PATCH', '/v1/reports/funnel/stages', { stages: ['new', 'closed_won'] }, 'manager')).statusCode).toBe(403);
    expect((await call('PATCH', '/v1/reports/funnel/stages', { stages: ['new', 'closed_won'] }, 'owner')).json()).toEqual({ stages: ['new', 'closed_won'], configured: true });
    expect((await call('GET', '/v1/reports/funnel/stages')).json()).toEqual({ stages: ['new', 'closed_won'], configured: true });
    const funnel = (await call('GET', '/v1/reports/funnel?from=2026-11-01&to=2026-11-30')).json();
    expect(funnel.rows).toEqual([{ stage: 'new', leads: 5, from_previous: null, from_first: 1 }, { stage: 'closed_won', leads: 1, from_previous: 0.2, from_first: 0.2 }]);
  });

  it('takes source costs by source and month, and deals by lead, each an upsert', async () => {
    expect(refusal(await call('PUT', '/v1/reports/source-costs', { source: 'radio', month: '2026-11', amount_cents: -100 }))).toEqual([400, 'VALIDATION', ['amount_cents']]);
    expect(refusal(await call('PUT', '/v1/reports/source-costs', { source: 'radio', month: 'Nov 2026', amount_cents: 100 }))).toEqual([400, 'VALIDATION', ['month']]);
    const put = await call('PUT', '/v1/reports/source-costs', { source: 'radio', month: '2026-11', amount_cents: 20_000, note: 'two spots' });
    expect(put.json()).toMatchObject({ source: 'radio', month: '2026-11', amount_cents: 20_000, note: 'two spots', created: false });
    expect((await call('GET', '/v1/reports/costs?from=2026-11-01&to=2026-11-30')).json().totals.spend_cents).toBe(175_561);
    expect((await call('GET', '/v1/reports/source-costs?from=2026-11-01&to=2026-11-30')).json().data).toHaveLength(3);
    expect((await call('PUT', '/v1/reports/source-costs', { source: 'radio', month: '2026-11', amount_cents: 1 }, 'agent')).statusCode).toBe(403);

    const deal = await call('PUT', `/v1/leads/${f.leads.L4.id}/deal`, { revenue_cents: 90_453, closed_on: '2026-11-21' });
    expect(deal.statusCode, deal.body).toBe(200);
    expect(deal.json()).toMatchObject({ lead_id: f.leads.L4.id, source: 'web', revenue_cents: 90_453, closed_on: '2026-11-21' });
    const web = (await call('GET', '/v1/reports/roi?from=2026-11-01&to=2026-11-30')).json().rows.find((r: { source: string }) => r.source === 'web');
    expect(web).toMatchObject({ deals: 1, revenue_cents: 90_453, spend_cents: 30_151, roi: 2 }); // (90,453 - 30,151) / 30,151
    expect(refusal(await call('PUT', `/v1/leads/${f.leads.L4.id}/deal`, { revenue_cents: 1.5 }))).toEqual([400, 'VALIDATION', ['revenue_cents']]);
    expect((await call('PUT', '/v1/leads/00000000-0000-0000-0000-000000000000/deal', { revenue_cents: 1 })).statusCode).toBe(404);
  });

  it('takes back a source cost and a deal entered by mistake, and the reports stop counting them', async () => {
    expect((await call('PUT', '/v1/reports/source-costs', { source: 'billboard', month: '2026-09', amount_cents: 5_000 })).statusCode).toBe(200);
    const before = (await call('GET', '/v1/reports/costs?from=2026-09-01&to=2026-09-30')).json().totals.spend_cents;
    expect((await call('DELETE', '/v1/reports/source-costs?source=billboard&month=2026-09', undefined, 'agent')).statusCode).toBe(403);
    expect((await call('DELETE', '/v1/reports/source-costs?source=billboard&month=2026-09')).json()).toEqual({ source: 'billboard', month: '2026-09', removed: true });
    expect((await call('GET', '/v1/reports/costs?from=2026-09-01&to=2026-09-30')).json().totals.spend_cents).toBe(before - 5_000);
    expect(refusal(await call('DELETE', '/v1/reports/source-costs?source=billboard&month=2026-09'))).toEqual([404, 'NOT_FOUND', ['source', 'month']]);
    expect(refusal(await call('DELETE', '/v1/reports/source-costs?source=billboard&month=September'))).toEqual([400, 'VALIDATION', ['month']]);

    const lead = f.leads.L5.id;
    expect((await call('GET', `/v1/leads/${lead}/deal`)).json()).toEqual({ deal: null });
    await call('PUT', `/v1/leads/${lead}/deal`, { revenue_cents: 12_345, closed_on: '2026-08-15' });
    expect((await call('GET', `/v1/leads/${lead}/deal`)).json().deal).toMatchObject({ lead_id: lead, revenue_cents: 12_345, closed_on: '2026-08-15' });
    expect((await call('GET', '/v1/reports/roi?from=2026-08-01&to=2026-08-31')).json().totals.revenue_cents).toBe(12_345);
    expect((await call('DELETE', `/v1/leads/${lead}/deal`)).json()).toEqual({ lead_id: lead, removed: true });
    expect((await call('GET', '/v1/reports/roi?from=2026-08-01&to=2026-08-31')).json().totals.revenue_cents).toBe(0);
    expect(refusal(await call('DELETE', `/v1/leads/${lead}/deal`))).toEqual([404, 'NOT_FOUND', ['lead']]);
    // a lead that is not there, or not the caller's to see, has no deal to read or take back
    expect((await call('GET', '/v1/leads/00000000-0000-4000-8000-000000000000/deal')).statusCode).toBe(404);
    const theirs = f.leads.L2.id; // assigned to agent X, not to agent Y
    expect((await call('GET', `/v1/leads/${theirs}/deal`, undefined, 'agent')).statusCode).toBe(404);
    expect((await call('DELETE', `/v1/leads/${theirs}/deal`, undefined, 'agent')).statusCode).toBe(404);
    expect((await call('GET', `/v1/leads/${theirs}/deal`)).json()).toEqual({ deal: null });
  });

  it('documents the reports in the OpenAPI description', async () => {
    const spec = (await app.inject({ method: 'GET', url: '/openapi.json' })).json();
    for (const name of REPORT_NAMES) expect(spec.paths[`/v1/reports/${name}`]?.get, name).toBeDefined();
    expect(spec.paths['/v1/leads/{id}/deal'].put).toBeDefined();
  });
});
