import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withTenant, type Actor } from '../../src/db/tenant.ts';
import { createTestContext, type TestContext } from '../support/context.ts';
import { seedLeads } from '../../bench/seed-leads.ts';
import { createEnrichmentService } from '../../src/domain/enrichment/enrichment.service.ts';

// The waterfall on a real database with the local adapters: stages, gates, the ledger, caps,
// budgets and the results it keeps.

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext();
});
afterAll(async () => ctx.close());

const q = async <T>(actor: Actor, query: string) => withTenant(ctx.c.db, actor, async (trx) => (await sql.raw<T>(query).execute(trx)).rows);
const one = async <T>(actor: Actor, query: string) => (await q<T>(actor, query))[0]!;

async function enrich(actor: Actor, req: Record<string, unknown>) {
  const { run } = await ctx.c.enrichment.start(actor, req);
  await ctx.c.enrichment.work(actor, run!.id);
  return ctx.c.enrichment.report(actor, run!.id);
}

describe('the enrichment waterfall', () => {
  it('runs append, then skip-trace only where append fell short, verifies what was found, and scores and routes every lead', async () => {
    const { actor } = await ctx.newOrganization();
    const { tag } = await seedLeads(ctx.c, actor, 120);
    const report = await enrich(actor, { tag });
    const stage = Object.fromEntries(report.stages.map((s) => [s.stage, s]));
    expect(report.run.status).toBe('completed');
    expect(stage.append!.leads).toBe(120);
    expect(stage.append!.called).toBe(120);
    // the local append matches ~70% and finds phones for some: not everyone needs stage 2
    expect(stage.append!.matched).toBeGreaterThan(60);
    expect(stage.skip_trace!.called).toBeLessThanOrEqual(120);
    expect(stage.skip_trace!.called + (stage.skip_trace!.skipped.good_enough ?? 0)).toBe(120);
    expect(stage.verify!.called).toBeGreaterThan(0);
    expect(stage.score!.leads).toBe(120);

    // one ledger row per call made, each with its lead and a unique key, all charged or free
    const ledger = await q<{ stage: string; n: number; cents: number; keys: number }>(actor,
      `SELECT stage, count(*)::int AS n, sum(cost_cents)::int AS cents, count(DISTINCT idempotency_key)::int AS keys FROM cost_ledger GROUP BY stage ORDER BY stage`);
    const byStage = Object.fromEntries(ledger.map((l) => [l.stage, l]));
    expect(byStage.append!.n).toBe(stage.append!.called);
    expect(byStage.skip_trace!.n).toBe(stage.skip_trace!.called);
    const points = await one<{ n: number }>(actor, `SELECT count(*)::int AS n FROM contact_verification`);
    expect(byStage.verify!.n).toBe(points.n);
    for (const l of ledger) expect(l.keys).toBe(l.n);
    expect(byStage.append!.cents).toBe(stage.append!.matched * 5); // a miss costs nothing
    expect(byStage.skip_trace!.cents).toBe(stage.skip_trace!.matched * 15);
    const pending = await one<{ n: number }>(actor, `SELECT count(*)::int AS n FROM cost_ledger WHERE status = 'pending'`);
    expect(pending.n).toBe(0);

    // results kept: a look-up per call with its typed phones and emails, merged into contact points
    const kept = await one<{ results: number; phones: number; emails: number; points: number }>(actor, `SELECT
      (SELECT count(*) FROM skip_trace_result)::int AS results, (SELECT count(*) FROM skip_trace_phone)::int AS phones,
      (SELECT count(*) FROM skip_trace_email)::int AS emails, (SELECT count(*) FROM contact_point)::int AS points`);
    expect(kept.results).toBe(stage.append!.called + stage.skip_trace!.called);
    expect(kept.points).toBeGreaterThan(0);
    expect(kept.points).toBeLessThanOrEqual(kept.phones + kept.emails);

    // the score stage: quality from verified contact points, status routed from it, history kept
    const leads = await q<{ status: string; quality_score: number; enrichment_cost_cents: number }>(actor, `SELECT status, quality_score, enrichment_cost_cents FROM lead`);
    for (const l of leads) {
      expect(l.status).toBe(l.quality_score >= 60 ? 'contactable' : l.quality_score >= 40 ? 'enriched' : 'do_not_contact');
    }
    const spent = leads.reduce((n, l) => n + l.enrichment_cost_cents, 0);
    expect(spent).toBe(ledger.reduce((n, l) => n + l.cents, 0));
    expect(stage.score!.became_contactable).toBe(leads.filter((l) => l.status === 'contactable').length);
    const history = await one<{ n: number }>(actor, `SELECT count(*)::int AS n FROM lead_score_history WHERE scorer = 'quality'`);
    expect(history.n).toBe(120);
  });

  it('never buys the same stage twice for a lead: a second run over the same leads buys only what the first left short', async () => {
    const { actor } = await ctx.newOrganization();
    const { tag } = await seedLeads(ctx.c, actor, 40);
    await enrich(actor, { tag });
    const again = await enrich(actor, { tag });
    const append = again.stages.find((s) => s.stage === 'append')!;
    expect(append.called).toBe(0);
    expect((append.skipped.already_done ?? 0) + (append.skipped.good_enough ?? 0)).toBe(40);
    // across both runs: one look-up per lead and stage, one verification per contact point
    const twice = await q<{ stage: string; item: string; n: number }>(actor, `
      SELECT stage, split_part(idempotency_key, ':', 3) AS item, count(*)::int AS n FROM cost_ledger GROUP BY 1, 2 HAVING count(*) > 1`);
    expect(twice).toEqual([]);
    // what the second run did buy: skip-traces for leads whose found numbers turned out bad
    const traced = await q<{ lead_id: string }>(actor, `
      SELECT t.lead_id FROM enrichment_task t WHERE t.run_id = '${again.run.id}' AND t.stage = 'skip_trace' AND t.status = 'done'`);
    for (const { lead_id } of traced) {
      const first = await one<{ status: string; reason: string }>(actor, `
        SELECT status, reason FROM enrichment_task WHERE lead_id = '${lead_id}' AND stage = 'skip_trace' AND run_id <> '${again.run.id}'`);
      expect(first).toEqual({ status: 'skipped', reason: 'good_enough' });
    }
  });

  it('skips leads not worth the price, and leads without an owner, with the reason', async () => {
    const { actor } = await ctx.newOrganization();
    const { tag } = await seedLeads(ctx.c, actor, 10);
    const { tag: noOwner } = await seedLeads(ctx.c, actor, 5, { withOwner: false });
    await ctx.c.enrichment.updateSettings(actor, { value_per_conversion_cents: 100 }); // $1 a deal: nothing pays
    const report = await enrich(actor, { tag });
    expect(report.stages.find((s) => s.stage === 'append')!.skipped).toEqual({ not_worth_it: 10 });
    await ctx.c.enrichment.updateSettings(actor, { value_per_conversion_cents: 500_000 });
    const orphans = await enrich(actor, { tag: noOwner });
    expect(orphans.stages.find((s) => s.stage === 'append')!.skipped).toEqual({ no_owner: 5 });
    const ledger = await one<{ n: number }>(actor, `SELECT count(*)::int AS n FROM cost_ledger`);
    expect(ledger.n).toBe(0);
  });

  it('holds a daily cap: work over it waits for the next day, it is not dropped', async () => {
    const { actor } = await ctx.newOrganization();
    const { tag } = await seedLeads(ctx.c, actor, 30);
    await ctx.c.enrichment.updateSettings(actor, { stages: { append: { enabled: false }, skip_trace: { daily_cap: 7 } } });
    const report = await enrich(actor, { tag });
    const trace = report.stages.find((s) => s.stage === 'skip_trace')!;
    expect(trace.called).toBe(7);
    expect(trace.deferred).toBe(23);
    expect(report.run.status).toBe('waiting');
    expect(new Date(report.run.resume_at!).getTime()).toBeGreaterThan(Date.now());
    const usage = await one<{ used: number; cap: number }>(actor, `SELECT used, cap FROM stage_usage_daily WHERE stage = 'skip_trace'`);
    expect(usage).toEqual({ used: 7, cap: 7 });
    // the database refuses going over, whatever the application does
    await expect(q(actor, `UPDATE stage_usage_daily SET used = 8 WHERE stage = 'skip_trace'`)).rejects.toMatchObject({ code: 'BUDGET_EXCEEDED' });
  });

  it('spends no more than the budget holds, and refuses to start on an empty one', async () => {
    const { actor } = await ctx.newOrganization();
    const { tag } = await seedLeads(ctx.c, actor, 50);
    await ctx.c.money.topup(actor, { amount_cents: 100 });
    const report = await enrich(actor, { tag });
    const budget = await ctx.c.money.show(actor, 1000);
    expect(budget.balance_cents).toBeGreaterThanOrEqual(0);
    expect(budget.transactions.every((t) => t.balance_after_cents >= 0)).toBe(true);
    const spent = await one<{ cents: number }>(actor, `SELECT coalesce(sum(cost_cents), 0)::int AS cents FROM cost_ledger`);
    expect(spent.cents).toBeLessThanOrEqual(100);
    expect(100 - spent.cents).toBe(budget.balance_cents);
    const overBudget = report.stages.reduce((n, s) => n + (s.skipped.over_budget ?? 0), 0);
    expect(overBudget).toBeGreaterThan(0);

    const { actor: broke } = await ctx.newOrganization();
    const { tag: t2 } = await seedLeads(ctx.c, broke, 3);
    await ctx.c.money.topup(broke, { amount_cents: 1 });
    await ctx.c.enrichment.updateSettings(broke, { stages: { verify: { enabled: false } } });
    await expect(ctx.c.enrichment.start(broke, { tag: t2 })).rejects.toMatchObject({ code: 'BUDGET_EXCEEDED' });
    await expect(q(broke, `INSERT INTO budget_transaction (organization_id, kind, amount_cents) VALUES (app_org_id(), 'spend', -2)`)).rejects.toMatchObject({ code: 'BUDGET_EXCEEDED' });
  });

  it('holds the budget under concurrent spends: never below zero, each balance after in order', async () => {
    const { actor } = await ctx.newOrganization();
    await ctx.c.money.topup(actor, { amount_cents: 100 });
    const spend = (i: number) => q(actor, `INSERT INTO budget_transaction (organization_id, kind, amount_cents, reference) VALUES (app_org_id(), 'spend', -20, 'r${i}')`);
    const results = await Promise.allSettled(Array.from({ length: 10 }, (_, i) => spend(i)));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(5);
    for (const r of results.filter((x) => x.status === 'rejected')) expect((r as PromiseRejectedResult).reason).toMatchObject({ code: 'BUDGET_EXCEEDED' });
    const after = await q<{ balance_after_cents: number }>(actor, `SELECT balance_after_cents FROM budget_transaction WHERE kind = 'spend' ORDER BY balance_after_cents DESC`);
    expect(after.map((a) => a.balance_after_cents)).toEqual([80, 60, 40, 20, 0]);
    expect((await ctx.c.money.show(actor)).balance_cents).toBe(0);
    // a spend retried under the same reference debits once
    await ctx.c.money.topup(actor, { amount_cents: 50 });
    await q(actor, `INSERT INTO budget_transaction (organization_id, kind, amount_cents, reference) VALUES (app_org_id(), 'spend', -10, 'once') ON CONFLICT DO NOTHING`);
    await q(actor, `INSERT INTO budget_transaction (organization_id, kind, amount_cents, reference) VALUES (app_org_id(), 'spend', -10, 'once') ON CONFLICT DO NOTHING`);
    expect((await ctx.c.money.show(actor)).balance_cents).toBe(40);
  });

  it('stops a run at --max-spend', async () => {
    const { actor } = await ctx.newOrganization();
    const { tag } = await seedLeads(ctx.c, actor, 40);
    await enrich(actor, { tag, max_spend_cents: 60 });
    const spent = await one<{ cents: number }>(actor, `SELECT coalesce(sum(cost_cents), 0)::int AS cents FROM cost_ledger`);
    expect(spent.cents).toBeLessThanOrEqual(60);
    expect(spent.cents).toBeGreaterThan(0);
  });

  it('estimates a run without buying anything (dry run)', async () => {
    const { actor } = await ctx.newOrganization();
    const { tag } = await seedLeads(ctx.c, actor, 25);
    const { run, estimate } = await ctx.c.enrichment.start(actor, { tag, dry_run: true });
    expect(run).toBeNull();
    expect(estimate.leads_selected).toBe(25);
    expect(estimate.stages.find((s) => s.stage === 'append')!.expected_cents).toBe(25 * 5);
    expect(estimate.expected_cents).toBeGreaterThan(0);
    expect(estimate.max_cents).toBeGreaterThanOrEqual(estimate.expected_cents);
    const ledger = await one<{ n: number }>(actor, `SELECT count(*)::int AS n FROM cost_ledger`);
    expect(ledger.n).toBe(0);
  });

  it('verifies an owner with several leads once, whichever chunks the leads fall in', async () => {
    const { actor } = await ctx.newOrganization();
    const { tag } = await seedLeads(ctx.c, actor, 12);
    // the first six parcels have one owner
    await q(actor, `UPDATE lead SET person_id = (SELECT person_id FROM lead WHERE '${tag}' = ANY (tags) ORDER BY id LIMIT 1)
                    WHERE id IN (SELECT id FROM lead WHERE '${tag}' = ANY (tags) ORDER BY id LIMIT 6)`);
    // chunks of two leads: the owner's leads in one chunk and across chunks in flight together
    const small = createEnrichmentService({ db: ctx.c.db, pii: ctx.c.pii, providers: ctx.c.providers, chunkSize: 2, failpoint: () => {} });
    const { run } = await small.start(actor, { tag });
    await small.work(actor, run!.id);
    const report = await small.report(actor, run!.id);
    expect(report.run.status).toBe('completed');
    const twice = await one<{ n: number }>(actor, `SELECT count(*)::int AS n FROM (SELECT contact_point_id FROM contact_verification GROUP BY 1 HAVING count(*) > 1) x`);
    expect(twice.n).toBe(0);
    const verified = await one<{ points: number; ledger: number }>(actor, `SELECT (SELECT count(*) FROM contact_verification)::int AS points,
      (SELECT count(*) FROM cost_ledger WHERE stage = 'verify')::int AS ledger`);
    expect(verified.ledger).toBe(verified.points);
    // every contact point of the owners was verified, and no task was left behind
    const open = await one<{ unverified: number; tasks: number }>(actor, `SELECT
      (SELECT count(*) FROM contact_point WHERE verification IS NULL)::int AS unverified,
      (SELECT count(*) FROM enrichment_task WHERE status IN ('pending', 'calling', 'failed'))::int AS tasks`);
    expect(open).toEqual({ unverified: 0, tasks: 0 });
    // of the owner's six leads, one had the points verified; the others were skipped (nothing
    // left to verify, or already good enough once the owner's points were verified)
    const owner = await q<{ status: string; n: number }>(actor, `SELECT t.status, count(*)::int AS n FROM enrichment_task t JOIN lead l ON l.id = t.lead_id
      WHERE t.stage = 'verify' AND l.person_id = (SELECT person_id FROM lead WHERE '${tag}' = ANY (tags) ORDER BY id LIMIT 1) GROUP BY 1 ORDER BY 1`);
    expect(owner).toEqual([{ status: 'done', n: 1 }, { status: 'skipped', n: 5 }]);
  });
});
