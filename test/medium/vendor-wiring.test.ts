import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/app/config.ts';
import { createContainer, type Container } from '../../src/app/container.ts';
import { withTenant, type Actor } from '../../src/db/tenant.ts';
import { createEnrichmentService } from '../../src/domain/enrichment/enrichment.service.ts';
import { seedLeads } from '../../bench/seed-leads.ts';
import { createTestContext, TEST_SECRET, type TestContext } from '../support/context.ts';

// The environment selects a real vendor's adapter, and the waterfall speaks its HTTP API: here
// BatchData's skip-trace, answered by a stub server on 127.0.0.1.

let ctx: TestContext;
let c: Container;
let server: http.Server;
const seen: { auth: string | undefined; body: { requests: { requestId: string; name?: { first?: string } }[] } }[] = [];
let status = 200;
/** Awaited before the stub answers: what the database holds while a request is under way. */
let beforeAnswer: (() => Promise<void>) | null = null;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    let text = '';
    req.on('data', (d) => (text += d));
    req.on('end', async () => {
      if (beforeAnswer) await beforeAnswer();
      const body = JSON.parse(text);
      seen.push({ auth: req.headers.authorization, body });
      if (status !== 200) {
        res.writeHead(status, { 'content-type': 'application/json' }).end('{"status":{"code":500,"text":"Internal Server Error"}}');
        return;
      }
      // every other person matched, with a mobile phone and an email
      const persons = body.requests.map((r: { requestId: string; name?: { first?: string; last?: string } }, i: number) => (i % 2 === 0
        ? {
            name: r.name, meta: { matched: true, error: false, requestId: r.requestId },
            phoneNumbers: [{ number: `512555${String(100 + i).padStart(4, '0')}`, type: 'Mobile', carrier: 'T-Mobile USA', reachable: true, dnc: false, score: 90 }],
            emails: [{ email: `owner${i}@example.com`, tested: true }],
          }
        : { meta: { matched: false, error: false, requestId: r.requestId } }));
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ status: { code: 200, text: 'OK' }, results: { persons } }));
    });
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  ctx = await createTestContext();
  const config = loadConfig({
    PORCHLIGHT_DATA_DIR: 'memory://', PORCHLIGHT_SECRET_KEY: TEST_SECRET, PORCHLIGHT_SKIPTRACE_PROVIDER: 'batchdata',
    BATCHDATA_API_KEY: 'bd-test-key', BATCHDATA_BASE_URL: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, PORCHLIGHT_PROVIDER_RATE: '1000',
  });
  c = await createContainer(config, { command: 'test', database: ctx.db });
});
afterAll(async () => {
  await ctx.close();
  server.close();
});

const q = async <T>(actor: Actor, query: string) => withTenant(c.db, actor, async (trx) => (await sql.raw<T>(query).execute(trx)).rows);

describe('a vendor adapter selected by the environment', () => {
  it('skip-traces through BatchData: one batched request, results kept and merged, matches billed', async () => {
    const { actor } = await ctx.newOrganization();
    const { tag } = await seedLeads(c, actor, 6);
    await c.enrichment.updateSettings(actor, { stages: { append: { enabled: false }, verify: { enabled: false } } });
    expect(c.providers.list().find((p) => p.port === 'skip_trace')).toMatchObject({ selected: 'batchdata', selected_configured: true });
    const { run } = await c.enrichment.start(actor, { tag });
    await c.enrichment.work(actor, run!.id);
    expect(seen).toHaveLength(1);
    expect(seen[0]!.auth).toBe('Bearer bd-test-key');
    expect(seen[0]!.body.requests).toHaveLength(6);
    const results = await q<{ provider: string; matched: boolean; cost_cents: number }>(actor, `SELECT provider, matched, cost_cents FROM skip_trace_result ORDER BY matched`);
    expect(results.map((r) => [r.provider, r.matched, r.cost_cents])).toEqual([...Array(3).fill(['batchdata', false, 0]), ...Array(3).fill(['batchdata', true, 15])]);
    const points = await q<{ kind: string; sources: string[]; type: string | null; carrier: string | null; score: number }>(actor, `SELECT kind, sources, type, carrier, score FROM contact_point ORDER BY kind`);
    expect(points).toHaveLength(6);
    expect(points.filter((p) => p.kind === 'phone').every((p) => p.type === 'mobile' && p.carrier === 'T-Mobile USA' && p.sources.includes('batchdata'))).toBe(true);
    const ledger = await q<{ status: string; cost: number; n: number }>(actor, `SELECT status, sum(cost_cents)::int AS cost, count(*)::int AS n FROM cost_ledger GROUP BY status`);
    expect(ledger).toEqual([{ status: 'charged', cost: 45, n: 6 }]);
  });

  it('reserves one request at a time: while BatchData answers 100 look-ups, no others are reserved', async () => {
    const { actor } = await ctx.newOrganization();
    const { tag } = await seedLeads(c, actor, 250);
    await c.enrichment.updateSettings(actor, { stages: { append: { enabled: false }, verify: { enabled: false } } });
    const from = seen.length;
    const pending: number[] = [];
    beforeAnswer = async () => {
      pending.push((await q<{ n: number }>(actor, `SELECT count(*)::int AS n FROM cost_ledger WHERE status = 'pending'`))[0]!.n);
    };
    try {
      const { run } = await c.enrichment.start(actor, { tag });
      await c.enrichment.work(actor, run!.id);
    } finally {
      beforeAnswer = null;
    }
    // one chunk of 250 leads, sent as BatchData's batches of 100: a crash during any request
    // would book only that request's calls in doubt
    expect(seen.slice(from).map((r) => r.body.requests.length)).toEqual([100, 100, 50]);
    expect(pending).toEqual([100, 100, 50]);
    const ledger = await q<{ status: string; n: number }>(actor, `SELECT status, count(*)::int AS n FROM cost_ledger GROUP BY status`);
    expect(ledger).toEqual([{ status: 'charged', n: 250 }]);
  });

  it('a run cut short after one request was answered books only that request in doubt, and resumes', async () => {
    const { actor } = await ctx.newOrganization();
    const { tag } = await seedLeads(c, actor, 250);
    await c.enrichment.updateSettings(actor, { stages: { append: { enabled: false }, verify: { enabled: false } } });
    // the process dies after the second request's answer came and before it was stored
    let answers = 0;
    const dying = createEnrichmentService({
      db: c.db, pii: c.pii, providers: c.providers, chunkSize: 2500,
      failpoint: (name) => {
        if (name === 'enrich.provider.answered' && ++answers === 2) throw new Error('killed');
      },
    });
    const { run } = await dying.start(actor, { tag });
    await expect(dying.work(actor, run!.id)).rejects.toThrow('killed');
    const cut = await q<{ status: string; n: number }>(actor, `SELECT status, count(*)::int AS n FROM cost_ledger GROUP BY status ORDER BY status`);
    // the first request's 100 were stored; the second's 100 were answered and lost; the last 50
    // were never reserved
    expect(cut).toEqual([{ status: 'charged', n: 100 }, { status: 'in_doubt', n: 100 }]);

    await c.enrichment.work(actor, run!.id);
    const after = await q<{ status: string; n: number }>(actor, `SELECT status, count(*)::int AS n FROM cost_ledger GROUP BY status ORDER BY status`);
    expect(after).toEqual([{ status: 'charged', n: 250 }, { status: 'in_doubt', n: 100 }]);
    const results = await q<{ n: number; leads: number }>(actor, `SELECT count(*)::int AS n, count(DISTINCT lead_id)::int AS leads FROM skip_trace_result`);
    expect(results).toEqual([{ n: 250, leads: 250 }]);
  });

  it("a vendor's 500 voids the calls (not billed) and files them in the dead-letter queue", async () => {
    const { actor } = await ctx.newOrganization();
    const { tag } = await seedLeads(c, actor, 3);
    await c.enrichment.updateSettings(actor, { stages: { append: { enabled: false }, verify: { enabled: false } } });
    status = 500;
    const { run } = await c.enrichment.start(actor, { tag });
    await c.enrichment.work(actor, run!.id);
    status = 200;
    const ledger = await q<{ status: string; n: number }>(actor, `SELECT status, count(*)::int AS n FROM cost_ledger GROUP BY status`);
    expect(ledger).toEqual([{ status: 'void', n: 3 }]);
    const dead = await q<{ stage: string; error: string }>(actor, `SELECT stage, error FROM dlq`);
    expect(dead).toHaveLength(3);
    expect(dead[0]).toMatchObject({ stage: 'skip_trace', error: expect.stringContaining('batchdata') });
    expect(dead[0]!.error).not.toContain('bd-test-key');
  });
});
