import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withTenant, type Actor } from '../../src/db/tenant.ts';
import { createJobs, QUEUE } from '../../src/jobs/jobs.ts';
import { createWorker } from '../../src/jobs/worker.ts';
import { createLocalSkipTrace } from '../../src/providers/local.ts';
import { ProviderError, type PersonLookupPort } from '../../src/providers/ports.ts';
import { createTestContext, type TestContext } from '../support/context.ts';
import { seedLeads } from '../../bench/seed-leads.ts';

// Jobs on pg-boss over the same database, and the dead-letter queue's retries.

let ctx: TestContext;
// a skip-trace vendor that fails its first `failures` calls with an HTTP 503
let failures = 0;
const local = createLocalSkipTrace();
const flaky: PersonLookupPort = {
  port: 'skip_trace', provider: 'local', maxBatch: 1000,
  async lookup(requests) {
    if (failures > 0) {
      failures -= 1;
      throw new ProviderError('local', 'server', 'HTTP 503 Service Unavailable', { status: 503 });
    }
    return local.lookup(requests);
  },
};

beforeAll(async () => {
  ctx = await createTestContext({ providers: { skip_trace: { local: { configured: () => true, factory: () => flaky } } } });
});
afterAll(async () => ctx.close());

const q = async <T>(actor: Actor, query: string) => withTenant(ctx.c.db, actor, async (trx) => (await sql.raw<T>(query).execute(trx)).rows);

async function until<T>(what: () => Promise<T>, ok: (v: T) => boolean, ms = 30_000) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await what();
    if (ok(v)) return v;
    if (Date.now() > end) throw new Error(`timed out; last: ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('jobs', () => {
  it('a queued enrichment run is worked by the job worker to completion', async () => {
    const { actor } = await ctx.newOrganization();
    const { tag } = await seedLeads(ctx.c, actor, 30);
    const { run } = await ctx.c.enrichment.start(actor, { tag });
    const jobs = await createJobs(ctx.c.db);
    try {
      await jobs.send(QUEUE.enrich, { runId: run!.id, actor });
      await jobs.send(QUEUE.enrich, { runId: run!.id, actor }); // queued once per run
      await jobs.work(createWorker(ctx.c).handlers, { pollSeconds: 0.5 });
      const done = await until(() => ctx.c.enrichment.report(actor, run!.id), (r) => r.run.status === 'completed');
      expect(done.stages.find((s) => s.stage === 'score')!.leads).toBe(30);
    } finally {
      await jobs.stop();
    }
  });

  it('a failed call waits in the dead-letter queue with backoff, and a drain retries it without paying twice', async () => {
    const { actor } = await ctx.newOrganization();
    const { tag } = await seedLeads(ctx.c, actor, 12);
    await ctx.c.enrichment.updateSettings(actor, { stages: { append: { enabled: false }, verify: { enabled: false } } });
    failures = 1;
    const { run } = await ctx.c.enrichment.start(actor, { tag });
    await ctx.c.enrichment.work(actor, run!.id);
    const report = await ctx.c.enrichment.report(actor, run!.id);
    expect(report.stages.find((s) => s.stage === 'skip_trace')!.failed).toBe(12);
    const dead = await q<{ attempts: number; status: string; wait: number }>(actor, `SELECT attempts, status, extract(epoch FROM retry_after - now()) AS wait FROM dlq`);
    expect(dead).toHaveLength(12);
    for (const d of dead) {
      expect(d).toMatchObject({ attempts: 1, status: 'waiting' });
      expect(d.wait).toBeGreaterThan(25);
      expect(d.wait).toBeLessThanOrEqual(60);
    }
    const voided = await q<{ status: string; n: number }>(actor, `SELECT status, count(*)::int AS n FROM cost_ledger GROUP BY status`);
    expect(voided).toEqual([{ status: 'void', n: 12 }]);

    // nothing is due yet: a drain leaves them; made due, a drain retries them and they succeed
    const worker = createWorker(ctx.c);
    expect(await worker.drainOrganization(actor)).toBe(0);
    await q(actor, `UPDATE dlq SET retry_after = now() - interval '1 second'`);
    expect(await worker.drainOrganization(actor)).toBe(12);
    const after = await ctx.c.enrichment.report(actor, run!.id);
    const trace = after.stages.find((s) => s.stage === 'skip_trace')!;
    expect(trace.failed).toBe(0);
    expect(trace.called).toBe(12);
    expect((await q<{ status: string }>(actor, `SELECT DISTINCT status FROM dlq`)).map((r) => r.status)).toEqual(['done']);
    // one row per call made: 12 void, then one charged (or free, no match) per lead
    const rows = await q<{ lead_id: string; n: number; charged: number }>(actor,
      `SELECT lead_id, count(*)::int AS n, count(*) FILTER (WHERE status = 'charged')::int AS charged FROM cost_ledger GROUP BY lead_id`);
    expect(rows).toHaveLength(12);
    for (const r of rows) expect(r).toMatchObject({ n: 2, charged: 1 });
  });

  it('parks an entry after the attempts allowed, doubling the wait each time', async () => {
    const { actor } = await ctx.newOrganization();
    const { tag } = await seedLeads(ctx.c, actor, 1);
    await ctx.c.enrichment.updateSettings(actor, { dlq_max_attempts: 3, stages: { append: { enabled: false }, verify: { enabled: false } } });
    failures = 3;
    const { run } = await ctx.c.enrichment.start(actor, { tag });
    await ctx.c.enrichment.work(actor, run!.id);
    const worker = createWorker(ctx.c);
    const waits: number[] = [];
    for (let i = 0; i < 2; i++) {
      const [d] = await q<{ wait: number }>(actor, `SELECT extract(epoch FROM retry_after - now()) AS wait FROM dlq`);
      waits.push(d!.wait);
      await q(actor, `UPDATE dlq SET retry_after = now() - interval '1 second'`);
      await worker.drainOrganization(actor);
    }
    expect(waits[0]).toBeLessThanOrEqual(60);
    expect(waits[1]).toBeGreaterThan(55); // 2 minutes, half of it jitter
    expect(waits[1]).toBeLessThanOrEqual(120);
    const [parked] = await q<{ status: string; attempts: number; retry_after: Date | null }>(actor, `SELECT status, attempts, retry_after FROM dlq`);
    expect(parked).toEqual({ status: 'parked', attempts: 3, retry_after: null });
  });
});
