import { sql } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../support/context.ts';
import { austinLead, outreachOrg, PUBLIC_ENV, rows, TUESDAY_MORNING } from '../support/outreach.ts';

// Templates checked when saved, manual and scheduled messages through the gate, cancelling, the
// record of messages and the outreach settings.

let ctx: TestContext;
let clock = TUESDAY_MORNING;
beforeAll(async () => {
  ctx = await createTestContext({ now: () => clock, env: PUBLIC_ENV });
});
afterAll(async () => ctx.close());
beforeEach(() => {
  clock = TUESDAY_MORNING;
});

describe('templates', () => {
  it('refuses an unknown merge field naming the part and position, and an email without a subject', async () => {
    const { actor } = await outreachOrg(ctx);
    const bad = ctx.c.templates.create(actor, { name: 'Typo', channel: 'sms', body: 'Hello there,\nHi {{persn.first_name}}!' });
    await expect(bad).rejects.toMatchObject({
      code: 'TEMPLATE_INVALID',
      details: [{ field: 'body', line: 2, message: expect.stringMatching(/Unknown scope "persn".*\(line 2, column 6\)/) }],
    });
    await expect(ctx.c.templates.create(actor, { name: 'No subject', channel: 'email', body: 'Hi {{person.first_name | "there"}}' }))
      .rejects.toMatchObject({ code: 'TEMPLATE_INVALID', details: [{ field: 'subject', message: expect.stringContaining('An email needs a subject') }] });
    expect(await ctx.c.templates.list(actor)).toEqual({ data: [] });
  });

  it('saves a text with its merge fields and segment count, previews it for a lead, and keeps names unique', async () => {
    const { actor } = await outreachOrg(ctx);
    const lead = await austinLead(ctx, actor);
    const t = await ctx.c.templates.create(actor, { name: 'Spring check', channel: 'sms', body: 'Hi {{person.first_name}}, is the roof at {{property.address_line1}} ready for spring?' });
    expect(t).toMatchObject({ name: 'Spring check', fields: ['person.first_name', 'property.address_line1'], sms: { encoding: 'GSM-7', segments: 1 } });
    const emoji = await ctx.c.templates.create(actor, { name: 'Sunny', channel: 'sms', body: 'Sunny days ☀️ ahead, {{person.first_name | "neighbor"}}' });
    expect(emoji.sms).toMatchObject({ encoding: 'UCS-2' });
    await expect(ctx.c.templates.create(actor, { name: 'Spring check', channel: 'sms', body: 'again' })).rejects.toMatchObject({ code: 'CONFLICT' });

    const p = await ctx.c.templates.preview(actor, 'spring check', { lead_id: lead.id });
    expect(p.body).toMatch(/^Hi Pat, is the roof at \d+ Test \w+ St ready for spring\?$/);
    expect(p.sms).toMatchObject({ encoding: 'GSM-7', segments: 1, first_touch: { body: expect.stringContaining('Acme Roofing: Reply STOP to opt out') } });

    const updated = await ctx.c.templates.update(actor, t.id, { body: 'Hi {{person.first_name}}!' });
    expect(updated).toMatchObject({ id: t.id, fields: ['person.first_name'] });
    await expect(ctx.c.templates.update(actor, t.id, { body: '{{nope}}' })).rejects.toMatchObject({ code: 'TEMPLATE_INVALID' });
    const agent = await ctx.newUser(actor.organizationId, 'agent');
    await expect(ctx.c.templates.create(agent.actor, { name: 'Mine', channel: 'sms', body: 'hi' })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    expect((await ctx.c.templates.list(agent.actor)).data.map((x) => x.name)).toEqual(['Spring check', 'Sunny']);
    expect(await ctx.c.templates.remove(actor, 'Sunny')).toMatchObject({ deleted: true });
  });
});

describe('messages', () => {
  it('sends a text to a lead with written consent through the local outbox, the opt-out line on the first only, and bills each', async () => {
    const { actor } = await outreachOrg(ctx);
    const lead = await austinLead(ctx, actor);
    await ctx.c.templates.create(actor, { name: 'Hello', channel: 'sms', body: 'Hi {{person.first_name}}, free roof check this week?' });
    const first = await ctx.c.messages.send(actor, { lead_id: lead.id, channel: 'sms', template: 'Hello' });
    expect(first).toMatchObject({ status: 'sent', source: 'manual', channel: 'sms', decision: { decision: 'allow', reason: null }, segments: 1 });
    const second = await ctx.c.messages.send(actor, { lead_id: lead.id, channel: 'sms', body: 'Following up, {{person.first_name}}.' });
    expect(second).toMatchObject({ status: 'sent', body: 'Following up, Pat.' });

    const out = (await ctx.c.messages.outbox(actor)).data;
    expect(out.map((o) => o.message_id)).toEqual([second.id, first.id]);
    expect(out[1]!.body).toBe('Hi Pat, free roof check this week?\nAcme Roofing: Reply STOP to opt out');
    expect(out[0]!.body).toBe('Following up, Pat.');
    const billed = await rows<{ metric: string; subject_id: string }>(ctx, actor, sql`SELECT metric, subject_id FROM billing_usage ORDER BY created_at`);
    expect(billed).toEqual([{ metric: 'sms_message', subject_id: first.id }, { metric: 'sms_message', subject_id: second.id }]);

    const email = await ctx.c.messages.send(actor, { lead_id: lead.id, channel: 'email', subject: 'Your roof, {{person.first_name}}', body: 'A quick question about your roof.' });
    expect(email).toMatchObject({ status: 'sent', subject: 'Your roof, Pat' });
    expect(await rows(ctx, actor, sql`SELECT metric FROM billing_usage WHERE subject_id = ${email.id}::uuid`)).toEqual([{ metric: 'email_message' }]);
  });

  it('cancels a text without written consent with the reason, and sends the same key once', async () => {
    const { actor } = await outreachOrg(ctx);
    const lead = await austinLead(ctx, actor, { consent: false });
    const m = await ctx.c.messages.send(actor, { lead_id: lead.id, channel: 'sms', body: 'Hi there', idempotency_key: 'k-1' });
    expect(m).toMatchObject({ status: 'cancelled', reason: 'PEWC_REQUIRED:SMS_MARKETING', decision: { decision: 'deny', reason: 'PEWC_REQUIRED:SMS_MARKETING' } });
    const again = await ctx.c.messages.send(actor, { lead_id: lead.id, channel: 'sms', body: 'Hi there', idempotency_key: 'k-1' });
    expect(again.id).toBe(m.id);
    expect(await rows(ctx, actor, sql`SELECT count(*)::int AS n FROM message`)).toEqual([{ n: 1 }]);
    expect(await rows(ctx, actor, sql`SELECT count(*)::int AS n FROM local_outbox`)).toEqual([{ n: 0 }]);
    expect(await rows(ctx, actor, sql`SELECT count(*)::int AS n FROM billing_usage`)).toEqual([{ n: 0 }]);
  });

  it('refuses what cannot be sent before writing anything', async () => {
    const bare = await outreachOrg(ctx, {});
    const lead = await austinLead(ctx, bare.actor);
    await expect(ctx.c.messages.send(bare.actor, { lead_id: lead.id, channel: 'sms', body: 'hi' })).rejects.toMatchObject({ code: 'VALIDATION', details: [{ field: 'from_phone' }] });
    const { actor } = await outreachOrg(ctx);
    const other = await austinLead(ctx, actor);
    await expect(ctx.c.messages.send(actor, { lead_id: other.id, channel: 'sms', body: 'Hi {{person.nickname}}' })).rejects.toMatchObject({ code: 'TEMPLATE_INVALID' });
    await expect(ctx.c.messages.send(actor, { lead_id: other.id, channel: 'sms', template: 'Nope' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(ctx.c.messages.send(actor, { lead_id: other.id, channel: 'sms' })).rejects.toMatchObject({ code: 'VALIDATION' });
    await expect(ctx.c.messages.send(actor, { lead_id: crypto.randomUUID(), channel: 'sms', body: 'hi' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await rows(ctx, actor, sql`DELETE FROM contact_point WHERE person_id = ${other.person_id}::uuid AND kind = 'phone'`);
    await expect(ctx.c.messages.send(actor, { lead_id: other.id, channel: 'sms', body: 'hi' })).rejects.toMatchObject({ code: 'VALIDATION', message: expect.stringContaining('no mobile phone') });
    expect(await rows(ctx, actor, sql`SELECT count(*)::int AS n FROM message`)).toEqual([{ n: 0 }]);
  });

  it('holds a scheduled message until its time, and cancels only while it is pending', async () => {
    const { actor } = await outreachOrg(ctx);
    const lead = await austinLead(ctx, actor);
    const at = new Date(TUESDAY_MORNING.getTime() + 2 * 3600_000);
    // a time without its offset would be read in the server's zone: refused, naming the field
    await expect(ctx.c.messages.schedule(actor, { lead_id: lead.id, channel: 'sms', body: 'Later', at: '2026-03-11T12:00:00' }))
      .rejects.toMatchObject({ code: 'VALIDATION', details: [expect.objectContaining({ field: 'at' })] });
    await expect(ctx.c.messages.schedule(actor, { lead_id: lead.id, channel: 'sms', body: 'Later', at: new Date(TUESDAY_MORNING.getTime() - 60_000).toISOString() }))
      .rejects.toMatchObject({ code: 'VALIDATION', details: [{ field: 'at' }] });
    const m = await ctx.c.messages.schedule(actor, { lead_id: lead.id, channel: 'sms', body: 'See you at noon', at: at.toISOString() });
    expect(m).toMatchObject({ status: 'pending', source: 'scheduled', decision: null });
    expect(m.scheduled_for.toISOString()).toBe(at.toISOString());

    clock = new Date(at.getTime() - 60_000);
    expect(await ctx.c.outbox.dispatch(actor)).toMatchObject({ claimed: 0 });
    clock = at;
    expect(await ctx.c.outbox.dispatch(actor)).toMatchObject({ claimed: 1, sent: 1 });
    expect(await ctx.c.messages.show(actor, m.id)).toMatchObject({ status: 'sent', decision: { decision: 'allow' } });
    await expect(ctx.c.messages.cancel(actor, m.id)).rejects.toMatchObject({ code: 'CONFLICT', message: expect.stringContaining('is sent') });

    const later = await ctx.c.messages.schedule(actor, { lead_id: lead.id, channel: 'sms', body: 'Tomorrow then', at: new Date(at.getTime() + 86_400_000).toISOString() });
    expect(await ctx.c.messages.cancel(actor, later.id)).toMatchObject({ status: 'cancelled', reason: 'CANCELLED_BY_USER' });
    await expect(ctx.c.messages.cancel(actor, later.id)).rejects.toMatchObject({ code: 'CONFLICT' });
    clock = new Date(at.getTime() + 2 * 86_400_000);
    expect(await ctx.c.outbox.dispatch(actor)).toMatchObject({ claimed: 0 });
    await expect(ctx.c.messages.cancel(actor, crypto.randomUUID())).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('lists messages by filter a page at a time, and keeps agents to their own leads', async () => {
    const { actor } = await outreachOrg(ctx);
    const agent = await ctx.newUser(actor.organizationId, 'agent');
    const mine = await austinLead(ctx, actor);
    const theirs = await austinLead(ctx, actor);
    await rows(ctx, actor, sql`UPDATE lead SET assignee_id = ${agent.user.id}::uuid WHERE id = ${theirs.id}::uuid`);
    const other = await ctx.newUser(actor.organizationId, 'agent');
    await rows(ctx, actor, sql`UPDATE lead SET assignee_id = ${other.user.id}::uuid WHERE id = ${mine.id}::uuid`);
    for (const l of [mine, theirs, mine]) await ctx.c.messages.send(actor, { lead_id: l.id, channel: 'sms', body: 'Hello' });
    // an agent may text a lead, but not label the text informational to step around the marketing rules
    await expect(ctx.c.messages.send(agent.actor, { lead_id: theirs.id, channel: 'sms', body: 'Your inspection is at 3', purpose: 'informational' }))
      .rejects.toMatchObject({ code: 'FORBIDDEN' });
    await ctx.c.messages.schedule(actor, { lead_id: mine.id, channel: 'sms', body: 'Later', at: '2026-03-11T15:00:00Z' });

    const p1 = await ctx.c.messages.list(actor, { lead: mine.id, limit: 2 });
    expect(p1.data).toHaveLength(2);
    const p2 = await ctx.c.messages.list(actor, { lead: mine.id, limit: 2, cursor: p1.next_cursor! });
    expect(p2).toMatchObject({ next_cursor: null });
    expect(new Set([...p1.data, ...p2.data].map((m) => m.id)).size).toBe(3);
    expect((await ctx.c.messages.list(actor, { status: 'pending' })).data.map((m) => m.source)).toEqual(['scheduled']);
    expect((await ctx.c.messages.list(actor, { source: 'manual', lead: theirs.id })).data).toHaveLength(1);
    await expect(ctx.c.messages.list(actor, { cursor: 'garbage' })).rejects.toMatchObject({ code: 'VALIDATION' });

    expect((await ctx.c.messages.list(agent.actor)).data.map((m) => m.lead_id)).toEqual([theirs.id]);
    const hidden = p1.data[0]!.id;
    await expect(ctx.c.messages.show(agent.actor, hidden)).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('changes the outreach settings for admins only, merging nested ones', async () => {
    const { actor } = await outreachOrg(ctx);
    const manager = await ctx.newUser(actor.organizationId, 'manager');
    await expect(ctx.c.messages.updateSettings(manager.actor, { sender_name: 'X' })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await ctx.c.messages.updateSettings(actor, { prices: { sms: 3 } });
    const s = await ctx.c.messages.updateSettings(actor, { prices: { email: 1 } });
    expect(s.prices).toEqual({ sms: 3, email: 1, call: 2, ai_call: 10, call_minute: 2, ai_call_minute: 12 });
    expect(s.sender_name).toBe('Acme Roofing');
    await expect(ctx.c.messages.updateSettings(actor, { from_phone: '555' })).rejects.toMatchObject({ code: 'VALIDATION', details: [{ field: 'from_phone' }] });
    expect(await ctx.c.messages.settings(manager.actor)).toMatchObject({ prices: { sms: 3 } });
  });
});
