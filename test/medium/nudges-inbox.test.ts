import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Actor } from '../../src/db/tenant.ts';
import { createTestContext, type TestContext } from '../support/context.ts';
import { briefingFor, nudgeAgent } from '../support/nudges.ts';
import { outreachOrg, PUBLIC_ENV, rows, TUESDAY_MORNING } from '../support/outreach.ts';

// The inbox: a person edits, approves, pauses, resumes, cancels or dismisses a drafted nudge;
// approved ones go once per recipient at a good local time through the outbox and its gate.

let clock = TUESDAY_MORNING;
let ctx: TestContext;
let actor: Actor;
let clients: Awaited<ReturnType<typeof nudgeAgent>>;
const byName = (name: string) => clients.find((c) => c.name === name)!.id;

beforeAll(async () => {
  ctx = await createTestContext({ now: () => clock, env: PUBLIC_ENV });
  actor = (await outreachOrg(ctx)).actor;
  clients = await nudgeAgent(ctx, actor);
});
afterAll(() => ctx.close());

/** A new listing through the pipeline; its briefing. */
async function nudgeFor(over: Record<string, unknown>) {
  const id = await briefingFor(ctx, actor, over, clock);
  return id ? (await ctx.c.nudges.inbox.list(actor, { status: 'DRAFT' })).data.find((b) => b.id === id)! : undefined!;
}
const messagesOf = (briefingId: string) => rows<{ id: string; status: string; channel: string; body: string; subject: string | null; scheduled_for: Date; reason: string | null; source: string }>(
  ctx, actor, sql`SELECT id, status, channel, body, subject, scheduled_for, reason, source FROM message WHERE briefing_id = ${briefingId}::uuid ORDER BY id`);

describe('approving a nudge', () => {
  it('edits the draft, then schedules one message per recipient, each with their name, at a good local time', async () => {
    const b = await nudgeFor({ ListPrice: 410000, PublicRemarks: 'Huge backyard, near parks and good schools.' });
    const edited = await ctx.c.nudges.inbox.edit(actor, b.id, { draft: 'Hi {first_name}, this one has the yard you wanted. Tour Saturday?' });
    expect(edited).toMatchObject({ edited_draft: expect.stringContaining('the yard you wanted'), draft: expect.stringContaining('the yard you wanted') });
    expect(edited.original_draft).not.toBe(edited.edited_draft);
    // what the first recipient would get, word for word, and how each can be reached
    expect(edited.preview).toEqual({ client_id: edited.audience[0]!.client_id, name: edited.audience[0]!.name,
      text: `Hi ${edited.audience[0]!.name.split(' ')[0]}, this one has the yard you wanted. Tour Saturday?` });
    // by default an e-mail where there is one: Ola has a phone and an e-mail
    expect(edited.audience.find((a) => a.name === 'Ola Berg')?.reach ?? 'email').toBe('email');
    expect(edited.audience.find((a) => a.name === 'Maria Lopez')!.reach).toBe('email');
    await expect(ctx.c.nudges.inbox.edit(actor, b.id, { draft: 'x'.repeat(1601) })).rejects.toMatchObject({ code: 'VALIDATION', details: [{ field: 'draft' }] });

    const approved = await ctx.c.nudges.inbox.approve(actor, b.id, { channel: 'email' });
    expect(approved).toMatchObject({ status: 'ACTIVE', scheduled: approved.audience.length, skipped: [] });
    const sent = await messagesOf(b.id);
    expect(sent).toHaveLength(approved.audience.length);
    const maria = sent.find((m) => m.body.startsWith('Hi Maria,'))!;
    expect(maria).toMatchObject({ status: 'pending', channel: 'email', source: 'nudge', subject: b.headline });
    // 11:00 in New York (the agent's zone; the clients have none): ten minutes to think again
    expect(maria.scheduled_for).toEqual(new Date(clock.getTime() + 10 * 60_000));
    expect(approved.history.map((h) => h.to_status)).toEqual(['DRAFT', 'ACTIVE']);

    // approving again schedules nothing more; the draft is frozen
    expect(await ctx.c.nudges.inbox.approve(actor, b.id)).toMatchObject({ scheduled: 0 });
    expect(await messagesOf(b.id)).toHaveLength(sent.length);
    await expect(ctx.c.nudges.inbox.edit(actor, b.id, { draft: 'later' })).rejects.toMatchObject({ code: 'CONFLICT' });
  });

  it('holds messages while paused, sends them when resumed, and completes once all have gone', async () => {
    const b = (await ctx.c.nudges.inbox.list(actor, { status: 'ACTIVE' })).data[0]!;
    await ctx.c.nudges.inbox.pause(actor, b.id);
    clock = new Date(clock.getTime() + 15 * 60_000);
    await ctx.c.outbox.dispatch(actor);
    expect((await messagesOf(b.id)).every((m) => m.status === 'pending')).toBe(true);
    // the database refuses to hand over a paused nudge's message, whoever asks
    await expect(rows(ctx, actor, sql`UPDATE message SET status = 'sending', handed_at = now(), decision = 'allow' WHERE briefing_id = ${b.id}::uuid`))
      .rejects.toThrow();
    await ctx.c.nudges.inbox.resume(actor, b.id);
    await ctx.c.outbox.dispatch(actor);
    const after = await messagesOf(b.id);
    expect(after.every((m) => m.status === 'sent')).toBe(true);
    const shown = await ctx.c.nudges.inbox.show(actor, b.id);
    expect(shown.status).toBe('COMPLETED');
    expect(shown.history.map((h) => h.to_status)).toEqual(['DRAFT', 'ACTIVE', 'PAUSED', 'ACTIVE', 'COMPLETED']);
    expect(shown.audience.every((a) => a.message_status === 'sent')).toBe(true);
  });

  it('cancels: the pending messages never go; a finished or cancelled nudge cannot move back', async () => {
    const b = await nudgeFor({ ListPrice: 420000 });
    await ctx.c.nudges.inbox.approve(actor, b.id, { channel: 'email' });
    const cancelled = await ctx.c.nudges.inbox.cancel(actor, b.id);
    expect(cancelled.status).toBe('CANCELLED');
    clock = new Date(clock.getTime() + 15 * 60_000);
    await ctx.c.outbox.dispatch(actor);
    expect((await messagesOf(b.id)).map((m) => [m.status, m.reason])).toEqual(cancelled.audience.map(() => ['cancelled', 'BRIEFING_CANCELLED']));
    await expect(ctx.c.nudges.inbox.resume(actor, b.id)).rejects.toMatchObject({ code: 'CONFLICT' });
    await expect(rows(ctx, actor, sql`UPDATE briefing SET status = 'ACTIVE' WHERE id = ${b.id}::uuid`)).rejects.toThrow(/cannot move from CANCELLED to ACTIVE/);
  });

  it('sends a text only where the gate allows it: without consent the gate refuses and says why', async () => {
    const b = await nudgeFor({ ListPrice: 290000, PublicRemarks: 'Fixer-upper, cash only, big backyard space for an ADU.' });
    const shown = await ctx.c.nudges.inbox.approve(actor, b.id, { channel: 'sms' });
    expect(shown.audience.map((a) => a.name)).toContain('Ola Berg');
    expect(shown.skipped.map((x) => x.reason)).toEqual(shown.audience.filter((a) => a.name !== 'Ola Berg').map(() => 'no phone that takes texts'));
    clock = new Date(clock.getTime() + 15 * 60_000);
    await ctx.c.outbox.dispatch(actor);
    const ola = (await messagesOf(b.id)).find((m) => m.body.includes('Ola'))!;
    expect(ola).toMatchObject({ channel: 'sms', status: 'cancelled', reason: 'PEWC_REQUIRED:SMS_MARKETING' });
    expect((await messagesOf(b.id)).filter((m) => m.channel === 'email')).toEqual([]);
  });

  it('attaches a resource: its link goes with each message and the approval counts a use', async () => {
    const res = await ctx.c.nudges.resources.add(actor, { title: 'Buying in 78704', url: 'https://acme.example/78704-guide', content_type: 'article', categories: 'buyers,78704' });
    expect(res).toMatchObject({ usage_count: 0, categories: ['buyers', '78704'] });
    const b = await nudgeFor({ ListPrice: 430000 });
    await ctx.c.nudges.inbox.attach(actor, b.id, (res as { id: string }).id);
    await ctx.c.nudges.inbox.approve(actor, b.id, { channel: 'email' });
    expect((await messagesOf(b.id))[0]!.body).toContain('Buying in 78704: https://acme.example/78704-guide');
    expect((await ctx.c.nudges.resources.list(actor))[0]).toMatchObject({ usage_count: 1 });
    await expect(ctx.c.nudges.inbox.attach(actor, b.id, (res as { id: string }).id)).rejects.toMatchObject({ code: 'CONFLICT' });
    await expect(ctx.c.nudges.resources.add(actor, { title: 'x', url: 'ftp://nope' })).rejects.toMatchObject({ details: [{ field: 'url' }] });
  });
});

describe('dismissing', () => {
  it('dismisses for one client (they leave the audience) or for all: each learns, and alike events stop reaching them', async () => {
    const b = await nudgeFor({ ListPrice: 440000, PublicRemarks: 'Backyard with a pool, near parks and good schools.' });
    const one = await ctx.c.nudges.inbox.dismiss(actor, b.id, { client_id: byName('Maria Lopez') });
    expect(one.status).toBe('DRAFT');
    expect(one.audience.find((a) => a.name === 'Maria Lopez')!.removed_at).not.toBeNull();
    const all = await ctx.c.nudges.inbox.dismiss(actor, b.id, { reason: 'pools are a no' });
    expect(all.status).toBe('DISMISSED');
    const prefs = await rows<{ client_id: string }>(ctx, actor, sql`SELECT client_id FROM negative_preference WHERE source_briefing_id = ${b.id}::uuid`);
    expect(prefs).toHaveLength(all.audience.length);
    await expect(ctx.c.nudges.inbox.approve(actor, b.id)).rejects.toMatchObject({ code: 'CONFLICT' });
    // the same listing text again: nobody it was dismissed for sees it (here: nobody at all, so no nudge)
    const again = await nudgeFor({ ListPrice: 445000, PublicRemarks: 'Backyard with a pool, near parks and good schools.' });
    const names = again ? (await ctx.c.nudges.inbox.show(actor, again.id)).audience.map((a) => a.name) : [];
    for (const a of [...all.audience.map((x) => x.name), 'Maria Lopez']) expect(names).not.toContain(a);
  });

  it('names what is wrong: an unknown nudge, a bad id, a client not in the audience', async () => {
    await expect(ctx.c.nudges.inbox.show(actor, 'nope')).rejects.toMatchObject({ code: 'VALIDATION', details: [{ field: 'id' }] });
    await expect(ctx.c.nudges.inbox.show(actor, '018f0000-0000-7000-8000-000000000000')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    const b = await nudgeFor({ ListPrice: 415000, PropertySubType: 'Condominium', PublicRemarks: 'Downtown condo, walk to nightlife, no yard work.' });
    await expect(ctx.c.nudges.inbox.dismiss(actor, b.id, { client_id: '018f0000-0000-7000-8000-000000000000' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(ctx.c.nudges.inbox.list(actor, { status: 'LOST' })).rejects.toMatchObject({ details: [{ field: 'status' }] });
  });
});
