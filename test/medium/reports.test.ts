import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withOwner } from '../../src/db/tenant.ts';
import { createTestContext, type TestContext } from '../support/context.ts';
import { NOVEMBER, NOW, reportFixture } from '../support/reports.ts';

// The reports over a fixed November (test/support/reports.ts), each number worked out by hand
// from the definitions in docs/REPORTS.md: to the cent, at the period's edges, one organization
// at a time, and every bad input refused with its field named.

let t: TestContext;
let f: Awaited<ReturnType<typeof reportFixture>>;
beforeAll(async () => {
  t = await createTestContext({ now: () => NOW });
  f = await reportFixture(t);
});
afterAll(async () => t.close());

const fieldsOf = async (p: Promise<unknown>) => {
  const e = await p.then(() => null, (x: { code: string; details: { field: string }[] }) => x);
  expect(e, 'expected a refusal').not.toBeNull();
  return { code: e!.code, fields: e!.details.map((d) => d.field) };
};

describe('funnel', () => {
  it('counts the leads created in the period that reached each stage or a later one by its end', async () => {
    const r = await t.c.reports.funnel(f.A.actor, NOVEMBER);
    // L1 closed_won, L2 contacted (closed_lost is no stage), L3 qualified (proposal_sent came a second late), L4 proposal_sent, L5 new
    expect(r).toMatchObject({ period: NOVEMBER, cohort: 5, stages_configured: false });
    expect(r.rows).toEqual([
      { stage: 'new', leads: 5, from_previous: null, from_first: 1 },
      { stage: 'contacted', leads: 4, from_previous: 0.8, from_first: 0.8 },
      { stage: 'qualified', leads: 3, from_previous: 0.75, from_first: 0.6 },
      { stage: 'appointment_scheduled', leads: 2, from_previous: 0.6667, from_first: 0.4 },
      { stage: 'proposal_sent', leads: 2, from_previous: 1, from_first: 0.4 },
      { stage: 'closed_won', leads: 1, from_previous: 0.5, from_first: 0.2 },
    ]);
  });

  it("follows the organization's stages, checked against the status set", async () => {
    expect(await t.c.reports.setFunnelStages(f.A.actor, { stages: ['new', 'qualified', 'closed_won'] })).toEqual({ stages: ['new', 'qualified', 'closed_won'], configured: true });
    const r = await t.c.reports.funnel(f.A.actor, NOVEMBER);
    expect(r.rows.map((x) => [x.stage, x.leads, x.from_previous])).toEqual([['new', 5, null], ['qualified', 3, 0.6], ['closed_won', 1, 0.3333]]);
    expect(await fieldsOf(t.c.reports.setFunnelStages(f.A.actor, { stages: ['new', 'won'] }))).toEqual({ code: 'VALIDATION', fields: ['stages.1'] });
    expect(await fieldsOf(t.c.reports.setFunnelStages(f.A.actor, { stages: ['new', 'contacted', 'new'] }))).toEqual({ code: 'VALIDATION', fields: ['stages.2'] });
    expect(await fieldsOf(t.c.reports.setFunnelStages(f.A.actor, { stages: [] }))).toEqual({ code: 'VALIDATION', fields: ['stages'] });
    await expect(t.c.reports.setFunnelStages(f.manager.actor, { stages: ['new'] })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await t.c.reports.setFunnelStages(f.A.actor, { stages: ['new', 'contacted', 'qualified', 'appointment_scheduled', 'proposal_sent', 'closed_won'] });
  });
});

describe('roi and costs', () => {
  it('gives each source its leads, reach, conversions, spend and revenue, to the cent', async () => {
    const r = await t.c.reports.roi(f.manager.actor, NOVEMBER);
    const bySource = Object.fromEntries(r.rows.map((x) => [`${x.source}${x.provider ? `/${x.provider}` : ''}`, x]));
    expect(Object.keys(bySource)).toEqual(['mailers', 'radio', 'referral', 'web', '(unattributed)/batchdata', '(unattributed)/propstream']);
    // 3 leads (L1-L3), 2 reachable (L2's phone is flagged and its email listed), 2 wins (L1, and L7 from October);
    // spend 15 + 15 + 15 (in doubt) + 125,000 entered = 125,045
    expect(bySource.mailers).toEqual({
      source: 'mailers', attributed: true, provider: null, leads: 3, contactable: 2, conversions: 2, ledger_spend_cents: 45, entered_spend_cents: 125_000,
      spend_cents: 125_045, cost_per_lead_cents: 41_682, cost_per_contactable_cents: 62_523, cost_per_conversion_cents: 62_523,
      deals: 2, revenue_cents: 1_500_000, roi: 10.9957,
    });
    // L4 and L5 (unreachable); the void skip trace is no spend, the pending verification and Y's call are: 1 + 150 + 30,000
    expect(bySource.web).toEqual({
      source: 'web', attributed: true, provider: null, leads: 2, contactable: 1, conversions: 0, ledger_spend_cents: 151, entered_spend_cents: 30_000,
      spend_cents: 30_151, cost_per_lead_cents: 15_076, cost_per_contactable_cents: 30_151, cost_per_conversion_cents: null, deals: 0, revenue_cents: 0, roi: null,
    });
    expect(bySource.referral).toMatchObject({ leads: 0, ledger_spend_cents: 15, spend_cents: 15, cost_per_lead_cents: null }); // deleted L8's skip trace
    expect(bySource.radio).toMatchObject({ leads: 0, entered_spend_cents: 10_000, spend_cents: 10_000 });
    expect(bySource['(unattributed)/batchdata']).toMatchObject({ attributed: false, provider: 'batchdata', spend_cents: 250 }); // the pull at 00:00:00 on the 1st
    expect(bySource['(unattributed)/propstream']).toMatchObject({ spend_cents: 100 });
    expect(r.totals).toEqual({
      leads: 5, contactable: 3, conversions: 2, ledger_spend_cents: 561, entered_spend_cents: 165_000, spend_cents: 165_561,
      cost_per_lead_cents: 33_112, cost_per_contactable_cents: 55_187, cost_per_conversion_cents: 82_781, deals: 2, revenue_cents: 1_500_000, roi: 8.0601,
    });
  });

  it('shows the same spend by provider, stage and day, against the budget, and agrees with roi', async () => {
    const c = await t.c.reports.costs(f.A.actor, NOVEMBER);
    const roi = await t.c.reports.roi(f.A.actor, NOVEMBER);
    expect(c.totals).toEqual({ calls: 8, void_calls: 1, entries: 3, spend_cents: 165_561, charged_cents: 545, in_doubt_cents: 15, pending_cents: 1, entered_cents: 165_000 });
    expect(c.totals.spend_cents).toBe(roi.rows.reduce((s, r) => s + r.spend_cents, 0));
    expect(c.totals.spend_cents).toBe(roi.totals.spend_cents);
    expect(c.by_provider.map((p) => [p.provider, p.calls, p.spend_cents])).toEqual([
      ['batchdata', 5, 310], ['entered', 0, 165_000], ['logged', 1, 150], ['propstream', 1, 100], ['trestle', 1, 1],
    ]);
    expect(c.by_provider[0]).toMatchObject({ void_calls: 1, charged_cents: 295, in_doubt_cents: 15 });
    expect(c.by_stage.map((s) => [s.stage, s.spend_cents])).toEqual([['call', 150], ['pull', 350], ['skip_trace', 60], ['source_cost', 165_000], ['verify', 1]]);
    expect(c.by_day.map((d) => [d.day, d.spend_cents])).toEqual([
      ['2026-11-01', 165_250], ['2026-11-02', 15], ['2026-11-03', 15], ['2026-11-05', 15], ['2026-11-10', 1], ['2026-11-11', 150], ['2026-11-15', 15], ['2026-11-20', 100],
    ]);
    expect(c.rows.reduce((s, r) => s + r.spend_cents, 0)).toBe(165_561);
    expect(c.budget).toEqual({ balance_cents: 599_800, deposits_cents: 500_000, debits_cents: 300, refunds_cents: 100, adjustments_cents: 0 });
    expect(c.caps).toEqual([
      { day: '2026-11-02', stage: 'skip_trace', used: 2, cap: 1000 }, { day: '2026-11-03', stage: 'skip_trace', used: 1, cap: 1000 },
      { day: '2026-11-10', stage: 'verify', used: 1, cap: null },
    ]);
  });

  it('agrees with roi over any period, and counts a day that a month starts on with that month', async () => {
    for (const q of [{ from: '2026-11-02', to: '2026-11-10' }, { from: '2026-10-01', to: '2026-12-31' }, { from: '2026-11-01', to: '2026-11-01' }]) {
      const [c, r] = [await t.c.reports.costs(f.A.actor, q), await t.c.reports.roi(f.A.actor, q)];
      expect(c.totals.spend_cents, JSON.stringify(q)).toBe(r.totals.spend_cents);
    }
    // 11-02..11-10: 15 + 15 + 15 + 1 of the ledger, November's 165,000 entered on the period's first day
    expect((await t.c.reports.costs(f.A.actor, { from: '2026-11-02', to: '2026-11-10' })).by_day[0]).toMatchObject({ day: '2026-11-02', spend_cents: 165_015 });
    // October to December: + the October pull 999, December's first-second skip trace 15, October's and December's entries
    expect((await t.c.reports.roi(f.A.actor, { from: '2026-10-01', to: '2026-12-31' })).totals.spend_cents).toBe(165_561 + 999 + 15 + 99_900 + 50_000);
  });
});

describe('quality, usage, team, campaigns', () => {
  it('summarizes the leads created in the period by status and source', async () => {
    const q = await t.c.reports.quality(f.A.actor, NOVEMBER);
    expect(q.thresholds).toEqual({ contactable: 60, enriched: 40 });
    expect(q.rows.map((r) => [r.status, r.source, r.count, r.avg_quality_score, r.contactable_count, r.enriched_count, r.low_quality_count, r.unscored_count, r.reachable_count])).toEqual([
      ['new', 'web', 1, null, 0, 0, 0, 1, 0],
      ['proposal_sent', 'mailers', 1, 65, 1, 0, 0, 0, 1],
      ['proposal_sent', 'web', 1, 30, 0, 0, 1, 0, 1],
      ['closed_won', 'mailers', 1, 80, 1, 0, 0, 0, 1],
      ['closed_lost', 'mailers', 1, 45, 0, 1, 0, 0, 0],
    ]);
    expect(q.totals).toEqual({
      count: 5, avg_quality_score: 55, avg_lead_score: 46.25, contactable_count: 2, enriched_count: 1, low_quality_count: 1, unscored_count: 1,
      hot: 1, warm: 1, cold: 2, reachable_count: 3,
    });
  });

  it('measures usage by month against the plan: a trial over its life, a paid plan by the month', async () => {
    const u = await t.c.reports.usage(f.A.actor); // the clock's month to date: November, whole
    expect(u.period).toEqual({ from: '2026-11-01', to: '2026-11-20' });
    expect(u.rows).toEqual([{
      month: '2026-11', leads_created: 5, billable_leads: 3, billable_leads_to_date: 4, limit: 25, scope: 'trial', counted: 4, remaining: 21, over_limit: false,
      email_messages: 1, sms_messages: 3, sms_segments: 4, calls_placed: 0, voice_minutes: 5, billed_cents: 1654,
    }]);
    const two = await t.c.reports.usage(f.A.actor, { from: '2026-10-01', to: '2026-11-30' });
    expect(two.rows.map((r) => [r.month, r.leads_created, r.billable_leads, r.counted, r.remaining, r.billed_cents])).toEqual([['2026-10', 1, 1, 1, 24, 500], ['2026-11', 5, 3, 4, 21, 1654]]);
    await withOwner(t.c.db, 'test', (trx) => sql`UPDATE organization SET plan = 'professional' WHERE id = ${f.A.org.id}::uuid`.execute(trx));
    const paid = await t.c.reports.usage(f.A.actor, NOVEMBER);
    expect(paid.rows[0]).toMatchObject({ limit: 500, scope: 'month', counted: 3, remaining: 497 });
    await withOwner(t.c.db, 'test', (trx) => sql`UPDATE organization SET plan = 'trial' WHERE id = ${f.A.org.id}::uuid`.execute(trx));
  });

  it("gives each agent their assignments, first touches, wins and median time to a first touch", async () => {
    const team = await t.c.reports.team(f.A.actor, NOVEMBER);
    expect(team.rows.map((r) => r.user_id).sort()).toEqual([f.X.user.id, f.Y.user.id].sort()); // the owner and the manager did nothing
    const of = (id: string) => team.rows.find((r) => r.user_id === id);
    // X: L1 touched 30 minutes after assignment (the text before it does not count), L2 4 hours after; L1 and L7 won while X's
    expect(of(f.X.user.id)).toMatchObject({ assigned: 2, contacted: 2, converted: 2, median_first_touch_seconds: 8100, messages_sent: 3, calls: 0 });
    // Y: L3 in 48 hours, L4 by a call in 27 hours, L1 (reassigned after its win) never; the system's text to L4 is nobody's touch
    expect(of(f.Y.user.id)).toMatchObject({ assigned: 3, contacted: 2, converted: 0, median_first_touch_seconds: 135_000, messages_sent: 1, calls: 1 });
  });

  it('counts campaign and sequence events of the period, each sequence node with its steps', async () => {
    const r = await t.c.reports.campaigns(f.A.actor, NOVEMBER);
    // L2's message went at the first second of December; L3's failed unsent, so its opt-out is not the campaign's; L4 opted out after hers
    expect(r.campaigns).toEqual([{
      campaign_id: f.campaign, name: 'November blast', channel: 'sms', status: 'completed', recipients: 5, skipped: 1,
      sent: 2, delivered: 2, failed: 1, opened: 0, clicked: 0, replied: 1, opted_out: 1, cost_cents: 4,
    }]);
    expect(r.sequences).toHaveLength(1);
    expect(r.sequences[0]).toMatchObject({
      sequence_id: f.sequence, enrolled: 2, completed: 1, converted: 1, stopped: 1, executions: 8, sent: 2, delivered: 2, failed: 0, replied: 1, opted_out: 1,
    });
    expect(r.sequences[0]!.nodes.map((n) => [n.node_key, n.executions, n.succeeded, n.scheduled])).toEqual([['start', 2, 2, 0], ['text', 2, 2, 0], ['pause', 3, 2, 1], ['done', 1, 1, 0]]);
    // October had the third enrollment and nothing of the campaign
    const oct = await t.c.reports.campaigns(f.A.actor, { from: '2026-10-01', to: '2026-10-31' });
    expect([oct.campaigns.length, oct.sequences[0]!.enrolled, oct.sequences[0]!.sent]).toEqual([0, 1, 1]);
  });
});

describe('periods, tenancy and input', () => {
  it('defaults to the month to date by the clock, and refuses bad periods naming the field', async () => {
    expect((await t.c.reports.roi(f.A.actor)).period).toEqual({ from: '2026-11-01', to: '2026-11-20' });
    expect((await t.c.reports.roi(f.A.actor, { to: '2026-10-15' })).period).toEqual({ from: '2026-10-01', to: '2026-10-15' });
    expect(await fieldsOf(t.c.reports.funnel(f.A.actor, { from: '2026-02-30' }))).toEqual({ code: 'VALIDATION', fields: ['from'] });
    expect(await fieldsOf(t.c.reports.costs(f.A.actor, { to: 'yesterday' }))).toEqual({ code: 'VALIDATION', fields: ['to'] });
    expect(await fieldsOf(t.c.reports.costs(f.A.actor, { from: '2026-11-02', to: '2026-11-01' }))).toEqual({ code: 'VALIDATION', fields: ['to'] });
    expect(await fieldsOf(t.c.reports.team(f.A.actor, { from: '2024-11-01', to: '2026-11-01' }))).toEqual({ code: 'VALIDATION', fields: ['to'] });
    expect((await t.c.reports.team(f.A.actor, { from: '2024-11-02', to: '2026-11-01' })).period.from).toBe('2024-11-02'); // two years exactly
    expect(await fieldsOf(t.c.reports.usage(f.A.actor, { from: '2026-11-01', week: 3 }))).toEqual({ code: 'VALIDATION', fields: ['(input)'] });
  });

  it("counts one organization's rows only, and is a manager's", async () => {
    const b = await t.c.reports.roi(f.B.actor, NOVEMBER);
    expect(b.rows.map((r) => [r.source, r.leads, r.conversions, r.spend_cents, r.revenue_cents])).toEqual([['mailers', 1, 1, 50_777, 900_000]]);
    expect((await t.c.reports.costs(f.B.actor, NOVEMBER)).totals.spend_cents).toBe(50_777);
    expect((await t.c.reports.funnel(f.B.actor, NOVEMBER)).cohort).toBe(1);
    expect((await t.c.reports.usage(f.B.actor, NOVEMBER)).rows[0]).toMatchObject({ billable_leads: 1, leads_created: 1, sms_messages: 0 });
    expect((await t.c.reports.campaigns(f.B.actor, NOVEMBER)).campaigns).toEqual([]);
    for (const name of ['funnel', 'roi', 'costs', 'quality', 'usage', 'team', 'campaigns'] as const) {
      await expect(t.c.reports.run(f.X.actor, name, NOVEMBER), name).rejects.toMatchObject({ code: 'FORBIDDEN' });
    }
    await expect(t.c.reports.setSourceCost(f.X.actor, { source: 'web', month: '2026-11', amount_cents: 1 })).rejects.toMatchObject({ code: 'FORBIDDEN' });
  });

  it('upserts source costs and deals by key, and refuses bad amounts, months and leads', async () => {
    const again = await t.c.reports.setSourceCost(f.A.actor, { source: ' radio ', month: '2026-11', amount_cents: 12_345 });
    expect(again).toMatchObject({ source: 'radio', month: '2026-11', amount_cents: 12_345, created: false });
    expect((await t.c.reports.roi(f.A.actor, NOVEMBER)).totals.spend_cents).toBe(165_561 - 10_000 + 12_345);
    await t.c.reports.setSourceCost(f.A.actor, { source: 'radio', month: '2026-11', amount_cents: 10_000 });
    expect((await t.c.reports.listSourceCosts(f.A.actor, NOVEMBER)).data.map((c) => [c.source, c.month, c.amount_cents])).toEqual([['mailers', '2026-11', 125_000], ['radio', '2026-11', 10_000], ['web', '2026-11', 30_000]]);

    expect(await fieldsOf(t.c.reports.setSourceCost(f.A.actor, { source: 'web', month: '2026-11', amount_cents: -1 }))).toEqual({ code: 'VALIDATION', fields: ['amount_cents'] });
    expect(await fieldsOf(t.c.reports.setSourceCost(f.A.actor, { source: 'web', month: '2026-13', amount_cents: 1 }))).toEqual({ code: 'VALIDATION', fields: ['month'] });
    expect(await fieldsOf(t.c.reports.setSourceCost(f.A.actor, { source: 'web', month: '2026-11-01', amount_cents: 1 }))).toEqual({ code: 'VALIDATION', fields: ['month'] });
    expect(await fieldsOf(t.c.reports.setSourceCost(f.A.actor, { source: ' ', month: '2026-11', amount_cents: 1.5 }))).toEqual({ code: 'VALIDATION', fields: ['source', 'amount_cents'] });
    expect(await fieldsOf(t.c.reports.setDeal(f.A.actor, f.leads.L4.id, { revenue_cents: -5 }))).toEqual({ code: 'VALIDATION', fields: ['revenue_cents'] });
    expect(await fieldsOf(t.c.reports.setDeal(f.A.actor, f.leads.L4.id, { revenue_cents: 5, closed_on: '2026-11-31' }))).toEqual({ code: 'VALIDATION', fields: ['closed_on'] });
    await expect(t.c.reports.setDeal(f.A.actor, f.leads.L8.id, { revenue_cents: 5 })).rejects.toMatchObject({ code: 'NOT_FOUND' }); // deleted
    await expect(t.c.reports.setDeal(f.B.actor, f.leads.L4.id, { revenue_cents: 5 })).rejects.toMatchObject({ code: 'NOT_FOUND' }); // another organization's

    // an agent records a deal on their own lead (closed today by the clock), not on someone else's
    const deal = await t.c.reports.setDeal(f.Y.actor, f.leads.L4.id, { revenue_cents: 250_000 });
    expect(deal).toMatchObject({ lead_id: f.leads.L4.id, source: 'web', revenue_cents: 250_000, closed_on: '2026-11-20' });
    await expect(t.c.reports.setDeal(f.Y.actor, f.leads.L2.id, { revenue_cents: 5 })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    const web = (await t.c.reports.roi(f.A.actor, NOVEMBER)).rows.find((r) => r.source === 'web')!;
    expect([web.deals, web.revenue_cents, web.roi]).toEqual([1, 250_000, 7.2916]); // (250,000 - 30,151) / 30,151
  });
});
