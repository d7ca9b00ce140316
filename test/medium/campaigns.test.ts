import { sql } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Actor } from '../../src/db/tenant.ts';
import { createTestContext, type TestContext } from '../support/context.ts';
import { austinLead, outreachOrg, PUBLIC_ENV, rows, TUESDAY_MORNING } from '../support/outreach.ts';

// Campaigns: a segment's leads snapshot once into recipients with one message each, throttled
// slots, skips with reasons, a second launch that changes nothing, pause, resume and cancel;
// and the lead timeline that shows every touch.

let ctx: TestContext;
let clock = TUESDAY_MORNING;
beforeAll(async () => {
  ctx = await createTestContext({ now: () => clock, env: PUBLIC_ENV });
});
afterAll(async () => ctx.close());
beforeEach(() => {
  clock = TUESDAY_MORNING;
});

const minutes = (n: number) => new Date(TUESDAY_MORNING.getTime() + n * 60_000);

/** An organization with `n` leads in Austin with written consent, a text template and a segment of all its leads. */
async function world(n: number, opts: { consent?: boolean } = {}) {
  const o = await outreachOrg(ctx);
  const leads = [];
  for (let i = 0; i < n; i++) leads.push(await austinLead(ctx, o.actor, { consent: opts.consent, lead_score: 90 - i * 10 }));
  await ctx.c.templates.create(o.actor, { name: 'Spring', channel: 'sms', body: 'Hi {{person.first_name}}, spring roof check?' });
  await ctx.c.segments.create(o.actor, { name: 'Everyone', filter: {} });
  return { ...o, leads };
}

const messages = (actor: Actor) =>
  rows<{ lead_id: string; idempotency_key: string; status: string; scheduled_for: Date; reason: string | null }>(ctx, actor,
    sql`SELECT lead_id, idempotency_key, status, scheduled_for, reason FROM message ORDER BY scheduled_for, idempotency_key`);

describe('campaigns', () => {
  it('launches once: one recipient and one message per lead, slots at the throttle, skips with reasons', async () => {
    const { actor, leads } = await world(4);
    const phoneless = await austinLead(ctx, actor);
    await rows(ctx, actor, sql`DELETE FROM contact_point WHERE person_id = ${phoneless.person_id}::uuid AND kind = 'phone'`);
    const landline = await austinLead(ctx, actor);
    await rows(ctx, actor, sql`UPDATE contact_point SET type = 'landline' WHERE person_id = ${landline.person_id}::uuid AND kind = 'phone'`);

    const c = await ctx.c.campaigns.create(actor, { name: 'Spring push', template: 'spring', segment: 'everyone', throttle_per_minute: 2 });
    expect(c).toMatchObject({ status: 'draft', channel: 'sms', template: { name: 'Spring' }, segment: { name: 'Everyone' }, recipients: 0 });
    const launched = await ctx.c.campaigns.launch(actor, c.id);
    expect(launched).toMatchObject({ launched: true, status: 'sending', recipients: 6, recipients_by_status: { sent: 2, queued: 2, skipped: 2 } });

    const ms = await messages(actor);
    expect(ms.map((m) => m.idempotency_key).sort()).toEqual(leads.map((l) => `campaign:${c.id}:${l.id}`).sort());
    // best lead score first, two a minute
    expect(ms.map((m) => [m.lead_id, m.scheduled_for.toISOString(), m.status])).toEqual([
      [leads[0]!.id, minutes(0).toISOString(), 'sent'], [leads[1]!.id, minutes(0).toISOString(), 'sent'],
      [leads[2]!.id, minutes(1).toISOString(), 'pending'], [leads[3]!.id, minutes(1).toISOString(), 'pending'],
    ]);
    const skipped = (await ctx.c.campaigns.recipients(actor, c.id, { status: 'skipped' })).data;
    expect(skipped.map((r) => [r.lead_id, r.skip_reason]).sort()).toEqual([[phoneless.id, 'no mobile phone'], [landline.id, 'no mobile phone']].sort());
    const entered = await rows<{ id: string }>(ctx, actor, sql`SELECT id FROM lead WHERE added_to_campaign_at IS NOT NULL`);
    expect(entered.map((l) => l.id).sort()).toEqual(leads.map((l) => l.id).sort());
    expect(await rows(ctx, actor, sql`SELECT count(*)::int AS n FROM campaign_ready_lead`)).toEqual([{ n: 0 }]);

    const again = await ctx.c.campaigns.launch(actor, 'spring push');
    expect(again).toMatchObject({ launched: false, recipients: 6, recipients_by_status: launched.recipients_by_status });
    expect(await messages(actor)).toHaveLength(4);

    clock = minutes(1);
    expect(await ctx.c.outbox.dispatch(actor)).toMatchObject({ sent: 2 });
    const done = await ctx.c.campaigns.show(actor, c.id);
    expect(done).toMatchObject({ status: 'completed', recipients_by_status: { sent: 4, queued: 0, skipped: 2 }, engagement: { messages: 4, sent: 4, failed: 0 } });
    expect(done.completed_at).not.toBeNull();
    expect(await rows(ctx, actor, sql`SELECT count(*)::int AS n FROM billing_usage WHERE metric = 'sms_message'`)).toEqual([{ n: 4 }]);
  });

  it('reaches an owner of several properties once, through their best lead', async () => {
    const { actor, leads } = await world(1);
    const [second] = await rows<{ id: string }>(ctx, actor, sql`
      INSERT INTO lead (organization_id, person_id, lead_score) SELECT organization_id, person_id, 10 FROM lead WHERE id = ${leads[0]!.id}::uuid RETURNING id`);
    const c = await ctx.c.campaigns.create(actor, { name: 'Once', template: 'spring', segment: 'everyone' });
    expect(await ctx.c.campaigns.launch(actor, c.id)).toMatchObject({ recipients: 2, recipients_by_status: { sent: 1, skipped: 1 } });
    const skipped = (await ctx.c.campaigns.recipients(actor, c.id, { status: 'skipped' })).data;
    expect(skipped.map((r) => [r.lead_id, r.skip_reason])).toEqual([[second!.id, 'the owner gets this campaign through another of their leads']]);
    expect(await rows(ctx, actor, sql`SELECT count(*)::int AS n FROM local_outbox`)).toEqual([{ n: 1 }]);
  });

  it('records a refusal of the gate as a skip with its reason', async () => {
    const { actor, leads } = await world(2, { consent: false });
    const c = await ctx.c.campaigns.create(actor, { name: 'No consent', template: 'Spring', segment: 'Everyone' });
    const shown = await ctx.c.campaigns.launch(actor, c.id);
    expect(shown).toMatchObject({ status: 'completed', recipients_by_status: { skipped: 2, sent: 0 } });
    const rs = (await ctx.c.campaigns.recipients(actor, c.id)).data;
    expect(rs.map((r) => r.skip_reason)).toEqual(['PEWC_REQUIRED:SMS_MARKETING', 'PEWC_REQUIRED:SMS_MARKETING']);
    expect(rs.map((r) => r.lead_id).sort()).toEqual(leads.map((l) => l.id).sort());
  });

  it('cancels what is still pending, and only then', async () => {
    const { actor } = await world(3);
    const c = await ctx.c.campaigns.create(actor, { name: 'Slow', template: 'Spring', segment: 'Everyone', throttle_per_minute: 1 });
    await ctx.c.campaigns.launch(actor, c.id);
    const cancelled = await ctx.c.campaigns.cancel(actor, c.id);
    expect(cancelled).toMatchObject({ status: 'cancelled', recipients_by_status: { sent: 1, cancelled: 2, queued: 0 } });
    expect((await messages(actor)).map((m) => [m.status, m.reason])).toEqual([['sent', null], ['cancelled', 'CAMPAIGN_CANCELLED'], ['cancelled', 'CAMPAIGN_CANCELLED']]);
    clock = minutes(10);
    expect(await ctx.c.outbox.dispatch(actor)).toMatchObject({ claimed: 0 });
    expect(await ctx.c.campaigns.cancel(actor, c.id)).toMatchObject({ status: 'cancelled' });
    await expect(ctx.c.campaigns.launch(actor, c.id)).resolves.toMatchObject({ launched: false, status: 'cancelled' });
    await expect(ctx.c.campaigns.pause(actor, c.id)).rejects.toMatchObject({ code: 'CONFLICT' });
  });

  it('holds a paused campaign and spreads what is left from the moment it resumes', async () => {
    const { actor } = await world(3);
    const c = await ctx.c.campaigns.create(actor, { name: 'Paused', template: 'Spring', segment: 'Everyone', throttle_per_minute: 1 });
    await ctx.c.campaigns.launch(actor, c.id);
    expect(await ctx.c.campaigns.pause(actor, c.id)).toMatchObject({ status: 'paused' });
    clock = minutes(30);
    expect(await ctx.c.outbox.dispatch(actor)).toMatchObject({ claimed: 0 });
    expect(await ctx.c.campaigns.resume(actor, c.id)).toMatchObject({ status: 'sending', recipients_by_status: { sent: 2, queued: 1 } });
    const pending = (await messages(actor)).filter((m) => m.status === 'pending');
    expect(pending.map((m) => m.scheduled_for.toISOString())).toEqual([minutes(31).toISOString()]);
    clock = minutes(31);
    await ctx.c.outbox.dispatch(actor);
    expect(await ctx.c.campaigns.show(actor, c.id)).toMatchObject({ status: 'completed', recipients_by_status: { sent: 3 } });
    await expect(ctx.c.campaigns.resume(actor, c.id)).rejects.toMatchObject({ code: 'CONFLICT' });
  });

  it('schedules: recipients taken now, nothing sent before the time, then sent', async () => {
    const { actor } = await world(2);
    const c = await ctx.c.campaigns.create(actor, { name: 'Later', template: 'Spring', segment: 'Everyone' });
    await expect(ctx.c.campaigns.schedule(actor, c.id, { at: minutes(-1).toISOString() })).rejects.toMatchObject({ code: 'VALIDATION' });
    const s = await ctx.c.campaigns.schedule(actor, c.id, { at: minutes(60).toISOString() });
    expect(s).toMatchObject({ status: 'scheduled', recipients_by_status: { queued: 2 } });
    expect(s.scheduled_for?.toISOString()).toBe(minutes(60).toISOString());
    clock = minutes(59);
    expect(await ctx.c.outbox.dispatch(actor)).toMatchObject({ claimed: 0 });
    clock = minutes(60);
    expect(await ctx.c.outbox.dispatch(actor)).toMatchObject({ sent: 2 });
    expect(await ctx.c.campaigns.show(actor, c.id)).toMatchObject({ status: 'completed', started_at: expect.any(Date) });
  });

  it('checks the template and segment when created, and leaves campaigns to managers', async () => {
    const { actor } = await world(1);
    await ctx.c.templates.create(actor, { name: 'Call script', channel: 'call', body: 'Hello {{person.first_name}}' });
    await expect(ctx.c.campaigns.create(actor, { name: 'X', template: 'Call script', segment: 'Everyone' })).rejects.toMatchObject({ code: 'VALIDATION' });
    await expect(ctx.c.campaigns.create(actor, { name: 'X', template: 'Spring', segment: 'Everyone', channel: 'email' })).rejects.toMatchObject({ code: 'VALIDATION' });
    await expect(ctx.c.campaigns.create(actor, { name: 'X', template: 'Spring', segment: 'Nobody' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await ctx.c.campaigns.create(actor, { name: 'X', template: 'Spring', segment: 'Everyone' });
    await expect(ctx.c.campaigns.create(actor, { name: 'x', template: 'Spring', segment: 'Everyone' })).rejects.toMatchObject({ code: 'CONFLICT' });
    const agent = await ctx.newUser(actor.organizationId, 'agent');
    await expect(ctx.c.campaigns.launch(agent.actor, 'X')).rejects.toMatchObject({ code: 'FORBIDDEN' });
    expect((await ctx.c.campaigns.list(agent.actor)).data.map((c) => c.name)).toEqual(['X']);
    await expect(ctx.c.templates.remove(actor, 'Spring')).rejects.toMatchObject({ code: 'CONFLICT' });
  });
});

describe('lead timeline', () => {
  it('shows every touch and change newest first, a page at a time', async () => {
    const { actor, leads } = await world(1);
    const lead = leads[0]!;
    const unconsented = await austinLead(ctx, actor, { consent: false });
    const agent = await ctx.newUser(actor.organizationId, 'agent');
    await ctx.c.leads.update(actor, lead.id, { status: 'contacted' });
    clock = minutes(1);
    await ctx.c.messages.send(actor, { lead_id: lead.id, channel: 'sms', body: 'Hi {{person.first_name}}' });
    await ctx.c.messages.send(actor, { lead_id: unconsented.id, channel: 'sms', body: 'Hi' });
    const c = await ctx.c.campaigns.create(actor, { name: 'Spring', template: 'Spring', segment: 'Everyone' });
    await ctx.c.campaigns.launch(actor, c.id);
    await ctx.c.leads.update(actor, lead.id, { assignee_id: agent.user.id });

    const t = await ctx.c.timeline.forLead(actor, lead.id);
    const kinds = t.data.map((e) => e.kind);
    expect(kinds.slice(0, 1)).toEqual(['assignment']);
    expect(kinds).toEqual(expect.arrayContaining(['message', 'campaign', 'status']));
    expect(t.data.filter((e) => e.kind === 'message').map((e) => e.summary)).toEqual(['SMS sent (campaign)', 'SMS sent (manual)']);
    expect(t.data.find((e) => e.kind === 'campaign')).toMatchObject({ summary: 'Added to campaign Spring', detail: { campaign_id: c.id, status: 'sent' } });
    const ats = t.data.map((e) => e.at.getTime());
    expect([...ats].sort((a, b) => b - a)).toEqual(ats);

    const refused = await ctx.c.timeline.forLead(actor, unconsented.id, { kind: 'compliance,message' });
    expect(refused.data.map((e) => e.summary)).toEqual(expect.arrayContaining([
      expect.stringMatching(/^DENY sms to .+: PEWC_REQUIRED:SMS_MARKETING$/), 'SMS cancelled (manual): PEWC_REQUIRED:SMS_MARKETING',
    ]));

    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const p = await ctx.c.timeline.forLead(actor, lead.id, { limit: 2, cursor });
      seen.push(...p.data.map((e) => `${e.kind}:${e.ref_id}`));
      cursor = p.next_cursor ?? undefined;
    } while (cursor);
    expect(seen).toEqual(t.data.map((e) => `${e.kind}:${e.ref_id}`));

    const other = await ctx.newUser(actor.organizationId, 'agent');
    await expect(ctx.c.timeline.forLead(other.actor, lead.id)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect((await ctx.c.timeline.forLead(agent.actor, lead.id)).data.length).toBe(t.data.length);
  });
});
