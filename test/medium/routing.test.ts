import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withTenant, type Actor } from '../../src/db/tenant.ts';
import { createRoutingService } from '../../src/domain/routing/routing.service.ts';
import { createTestContext, type TestContext } from '../support/context.ts';
import { seedLeads } from '../../bench/seed-leads.ts';

// Routing by quality, the do-not-contact list, the campaign-ready view, billable roof leads, and
// users' marks on scores.

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext();
});
afterAll(async () => ctx.close());

const exec = async <T>(actor: Actor, query: ReturnType<typeof sql>) => withTenant(ctx.c.db, actor, async (trx) => (await query.execute(trx)).rows as T[]);
const set = (actor: Actor, id: string, values: Record<string, unknown>) =>
  withTenant(ctx.c.db, actor, (trx) => trx.updateTable('lead').set(values as never).where('id', '=', id).execute());
const statusOf = async (actor: Actor, id: string) => (await exec<{ status: string }>(actor, sql`SELECT status FROM lead WHERE id = ${id}::uuid`))[0]!.status;

describe('routing', () => {
  it('routes by quality at 60 and 40, never makes a lead on the do-not-contact list contactable, and writes only what moves', async () => {
    const { actor } = await ctx.newOrganization();
    const leads = [];
    for (let i = 0; i < 6; i++) leads.push(await ctx.newLead(actor.organizationId)); // one by one: each with its own phone
    const [good, middling, poor, unscored, working, listed] = leads;
    expect(new Set(leads.map((l) => l.phone)).size).toBe(6);
    await set(actor, good!.id, { quality_score: 75 });
    await set(actor, middling!.id, { quality_score: 50, status: 'contactable' });
    await set(actor, poor!.id, { quality_score: 20 });
    await set(actor, working!.id, { quality_score: 90, status: 'contacted' });
    await set(actor, listed!.id, { quality_score: 95 });
    // the owner's phone is on the organization's list
    await withTenant(ctx.c.db, actor, (trx) => trx.insertInto('dnc_entry' as never).values({
      organization_id: actor.organizationId, kind: 'phone', value_hash: ctx.c.pii.hash(listed!.phone), display: '+1512•••', reason: 'asked not to be called',
    } as never).execute());
    const r = await ctx.c.routing.route(actor);
    expect(r.moved).toEqual([{ status: 'contactable', n: 1 }, { status: 'do_not_contact', n: 2 }, { status: 'enriched', n: 1 }]);
    expect(await statusOf(actor, good!.id)).toBe('contactable');
    expect(await statusOf(actor, middling!.id)).toBe('enriched');
    expect(await statusOf(actor, poor!.id)).toBe('do_not_contact');
    expect(await statusOf(actor, unscored!.id)).toBe('new'); // no quality score yet: not routed
    expect(await statusOf(actor, working!.id)).toBe('contacted'); // in the pipeline: left alone
    expect(await statusOf(actor, listed!.id)).toBe('do_not_contact');
    expect(r.standing.find((s) => s.status === 'contactable')).toMatchObject({ n: 1, avg_quality: 75 });
    const history = await exec<{ n: number }>(actor, sql`SELECT count(*)::int AS n FROM lead_status_history WHERE lead_id = ${listed!.id}::uuid AND to_status = 'do_not_contact'`);
    expect(history[0]!.n).toBe(1);
    // again: nothing moves
    expect((await ctx.c.routing.route(actor)).moved).toEqual([]);
    // thresholds are the organization's (the enrichment settings route by the same numbers)
    await ctx.c.enrichment.updateSettings(actor, { contactable_threshold: 45, enriched_threshold: 30 });
    expect((await ctx.c.routing.route(actor)).moved).toEqual([{ status: 'contactable', n: 1 }]);
    expect(await statusOf(actor, middling!.id)).toBe('contactable');
  });

  it('lists contactable leads not yet in a campaign, best first, and an agent sees only theirs', async () => {
    const { actor } = await ctx.newOrganization();
    const { user: agentUser, actor: agent } = await ctx.newUser(actor.organizationId, 'agent');
    const leads = await Promise.all([70, 95, 80, 85].map(async (q) => ({ q, ...(await ctx.newLead(actor.organizationId)) })));
    for (const l of leads) await set(actor, l.id, { quality_score: l.q, status: 'contactable' });
    await set(actor, leads[1]!.id, { added_to_campaign_at: new Date() });
    await set(actor, leads[3]!.id, { assignee_id: agentUser.id });
    const ready = await ctx.c.routing.campaignReady(actor, { limit: 10 });
    expect(ready.map((x) => x.quality_score)).toEqual([85, 80, 70]);
    expect(ready[0]).toMatchObject({ phones: 0, emails: 0, city: 'AUSTIN' }); // the test phone and email are not verified
    expect((await ctx.c.routing.campaignReady(actor, { limit: 1 })).length).toBe(1);
    // an agent sees unassigned leads and their own, never another agent's
    const other = await ctx.newUser(actor.organizationId, 'agent');
    await set(actor, leads[2]!.id, { assignee_id: other.user.id });
    expect((await ctx.c.routing.campaignReady(agent, {})).map((x) => x.quality_score)).toEqual([85, 70]);
    await expect(ctx.c.routing.campaignReady(actor, { limit: 0 })).rejects.toMatchObject({ code: 'VALIDATION', message: expect.stringContaining('limit') });
    await expect(ctx.c.routing.route(agent)).rejects.toMatchObject({ code: 'FORBIDDEN' });
  });

  it('bills each roof lead at 60+ once a month', async () => {
    const { actor } = await ctx.newOrganization();
    await ctx.c.scoring.updateSettings(actor, { roof: { billable_price_cents: 250 } });
    const leads = [];
    for (const score of [59, 60, 92]) leads.push({ score, ...(await ctx.newLead(actor.organizationId, { lead_score: score })) });
    let now = new Date('2026-11-10T12:00:00Z');
    const routing = createRoutingService({ db: ctx.c.db, now: () => now });
    expect(await routing.route(actor)).toMatchObject({ billed: 2, period: '2026-11-01' });
    expect(await routing.route(actor)).toMatchObject({ billed: 0 });
    now = new Date('2026-12-01T00:00:00Z');
    expect(await routing.route(actor)).toMatchObject({ billed: 2, period: '2026-12-01' });
    expect(await routing.usage(actor, { from: '2026-11-01' })).toEqual([
      { period: '2026-11-01', metric: 'roof_leads', quantity: 2, cost_cents: 500 },
      { period: '2026-12-01', metric: 'roof_leads', quantity: 2, cost_cents: 500 },
    ]);
    expect(await routing.usage(actor, { from: '2026-11-15', to: '2026-11-30' })).toEqual([{ period: '2026-11-01', metric: 'roof_leads', quantity: 2, cost_cents: 500 }]);
    // a lead on the list is not a lead to sell
    const listed = await ctx.newLead(actor.organizationId, { lead_score: 95 });
    await ctx.c.dnc.add(actor, { phone: listed.phone });
    expect(await routing.route(actor)).toMatchObject({ billed: 0 });
    const billed = await exec<{ subject_id: string }>(actor, sql`SELECT DISTINCT subject_id FROM billing_usage`);
    expect(billed.map((b) => b.subject_id).sort()).toEqual([leads[1]!.id, leads[2]!.id].sort());
    // the database refuses a second row for a lead and month, whatever the path
    await expect(exec(actor, sql`INSERT INTO billing_usage (organization_id, metric, period, subject_id) VALUES (app_org_id(), 'roof_leads', '2026-12-01', ${leads[1]!.id}::uuid)`))
      .rejects.toMatchObject({ code: 'CONFLICT' });
    // and an agent may not write usage at all
    const { actor: agent } = await ctx.newUser(actor.organizationId, 'agent');
    await expect(exec(agent, sql`INSERT INTO billing_usage (organization_id, metric, period, subject_id) VALUES (app_org_id(), 'roof_leads', '2027-01-01', ${leads[1]!.id}::uuid)`))
      .rejects.toMatchObject({ code: 'FORBIDDEN' });
  });
});

describe('the do-not-contact list', () => {
  it('takes phones and emails in any form, once; anyone adds, managers take off; the waterfall routes by it as route does', async () => {
    const { actor } = await ctx.newOrganization();
    const { actor: agent } = await ctx.newUser(actor.organizationId, 'agent');
    expect(await ctx.c.dnc.add(agent, { phone: '(512) 555-0199', reason: 'asked not to be called' })).toMatchObject({ kind: 'phone', added: true, display: expect.stringContaining('•') });
    expect(await ctx.c.dnc.add(actor, { phone: '+1 512 555 0199' })).toMatchObject({ added: false });
    await ctx.c.dnc.add(actor, { email: ' Owner@Example.COM ' });
    expect((await ctx.c.dnc.list(actor)).map((e) => e.kind).sort()).toEqual(['email', 'phone']);
    await expect(ctx.c.dnc.add(actor, { phone: '555' })).rejects.toMatchObject({ code: 'VALIDATION', message: expect.stringContaining("phone: '555' is not a phone number") });
    await expect(ctx.c.dnc.add(actor, { email: 'nobody' })).rejects.toMatchObject({ code: 'VALIDATION', message: expect.stringContaining('email') });
    await expect(ctx.c.dnc.add(actor, { phone: '5125550199', email: 'a@b.co' })).rejects.toMatchObject({ code: 'VALIDATION' });
    await expect(ctx.c.dnc.add(actor, {})).rejects.toMatchObject({ code: 'VALIDATION' });
    await expect(ctx.c.dnc.remove(agent, { phone: '5125550199' })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    // the database says so too: an agent's delete removes nothing
    await exec(agent, sql`DELETE FROM dnc_entry`);
    expect((await ctx.c.dnc.list(actor)).length).toBe(2);
    expect(await ctx.c.dnc.remove(actor, { email: 'owner@example.com' })).toMatchObject({ removed: true });
    await expect(ctx.c.dnc.remove(actor, { email: 'owner@example.com' })).rejects.toMatchObject({ code: 'NOT_FOUND' });

    // the waterfall: a contactable lead whose owner's email goes on the list is do_not_contact after the next run
    const { tag } = await seedLeads(ctx.c, actor, 40);
    await ctx.c.money.topup(actor, { amount_cents: 100_000 });
    const enrich = async (req: Record<string, unknown>) => {
      const { run } = await ctx.c.enrichment.start(actor, req);
      await ctx.c.enrichment.work(actor, run!.id);
    };
    await enrich({ tag });
    const [l] = await exec<{ id: string; person_id: string }>(actor, sql`SELECT id, person_id FROM lead WHERE status = 'contactable' ORDER BY id LIMIT 1`);
    await exec(actor, sql`INSERT INTO dnc_entry (organization_id, kind, value_hash, display)
      SELECT organization_id, kind, value_hash, display FROM contact_point WHERE person_id = ${l!.person_id}::uuid LIMIT 1`);
    await enrich({ lead_ids: [l!.id], refresh: true });
    expect(await statusOf(actor, l!.id)).toBe('do_not_contact');
    // and route agrees: nothing to move
    expect((await ctx.c.routing.route(actor)).moved.find((m) => m.status === 'contactable')).toBeUndefined();
  });
});

describe('feedback on scores', () => {
  it('keeps one mark per user, lead and scorer, with the score it judged, and reports them per scorer and label', async () => {
    const { actor } = await ctx.newOrganization();
    const { actor: manager } = await ctx.newUser(actor.organizationId, 'manager');
    const a = await ctx.newLead(actor.organizationId);
    const b = await ctx.newLead(actor.organizationId);
    await set(actor, a.id, { lead_score: 85, tier: 'hot' });
    await set(actor, b.id, { lead_score: 65, tier: 'warm' });
    expect(await ctx.c.feedback.mark(actor, { lead_id: a.id, scorer: 'roof', verdict: 'bad', note: 'roof replaced last year' }))
      .toMatchObject({ score: 85, label: 'hot', verdict: 'bad' });
    await ctx.c.feedback.mark(actor, { lead_id: a.id, scorer: 'roof', verdict: 'good' }); // changed their mind
    await ctx.c.feedback.mark(manager, { lead_id: a.id, scorer: 'roof', verdict: 'bad' });
    await ctx.c.feedback.mark(manager, { lead_id: b.id, scorer: 'roof', verdict: 'good' });
    expect(await ctx.c.feedback.report(actor)).toEqual([
      { scorer: 'roof', label: 'hot', good: 1, bad: 1, avg_score: 85, good_share: 50 },
      { scorer: 'roof', label: 'warm', good: 1, bad: 0, avg_score: 65, good_share: 100 },
    ]);
    // a mark adjusts nothing
    expect((await exec<{ s: number }>(actor, sql`SELECT lead_score::float8 AS s FROM lead WHERE id = ${a.id}::uuid`))[0]!.s).toBe(85);
    await expect(ctx.c.feedback.mark(actor, { lead_id: a.id, scorer: 'roof', verdict: 'meh' })).rejects.toMatchObject({ code: 'VALIDATION', message: expect.stringContaining('verdict') });
    await expect(ctx.c.feedback.mark(actor, { lead_id: a.id, scorer: 'luck', verdict: 'good' })).rejects.toMatchObject({ code: 'VALIDATION', message: expect.stringContaining('scorer') });
    await expect(ctx.c.feedback.mark(actor, { lead_id: '00000000-0000-4000-8000-000000000000', scorer: 'roof', verdict: 'good' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    // an agent sees the marks on the leads they can see, and changes only their own
    const { user: agentUser, actor: agent } = await ctx.newUser(actor.organizationId, 'agent');
    const other = await ctx.newUser(actor.organizationId, 'agent');
    await set(actor, a.id, { assignee_id: other.user.id });
    await set(actor, b.id, { assignee_id: agentUser.id });
    expect((await ctx.c.feedback.report(agent)).map((r) => r.label)).toEqual(['warm']);
    await exec(agent, sql`UPDATE score_feedback SET verdict = 'bad'`);
    expect((await ctx.c.feedback.report(actor)).find((r) => r.label === 'warm')).toMatchObject({ good: 1, bad: 0 });
  });
});
