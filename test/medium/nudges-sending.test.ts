import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { withTenant, type Actor } from '../../src/db/tenant.ts';
import { createOutbox } from '../../src/domain/outreach/outbox.ts';
import { outboxRepository } from '../../src/domain/outreach/outbox.repository.ts';
import type { ChannelAdapter } from '../../src/providers/channels/ports.ts';
import { createTestContext, type TestContext } from '../support/context.ts';
import { briefingFor, nudgeAgent } from '../support/nudges.ts';
import { outreachOrg, PUBLIC_ENV, rows, TUESDAY_MORNING } from '../support/outreach.ts';

// An approved nudge's messages against the moves a person makes meanwhile: a pause that comes
// between the outbox's claim and its hand-over holds that nudge's messages and nothing else; a
// nudge whose last messages went while it was paused completes when resumed; and two
// transactions finishing its last two messages at once complete it (on the server, where they
// can run at once).

let clock = TUESDAY_MORNING;
let ctx: TestContext;
let actor: Actor;

beforeAll(async () => {
  ctx = await createTestContext({ now: () => clock, env: PUBLIC_ENV });
  actor = (await outreachOrg(ctx)).actor;
  await nudgeAgent(ctx, actor);
});
afterAll(() => ctx.close());

/** A new listing through the pipeline, its nudge approved by e-mail; the clock past the messages' time. */
async function approvedNudge(over: Record<string, unknown>) {
  const id = await briefingFor(ctx, actor, over, clock);
  const approved = await ctx.c.nudges.inbox.approve(actor, id!, { channel: 'email' });
  clock = new Date(clock.getTime() + 15 * 60_000);
  return approved;
}
const statuses = async (briefingId: string) =>
  (await rows<{ status: string }>(ctx, actor, sql`SELECT status FROM message WHERE briefing_id = ${briefingId}::uuid ORDER BY id`)).map((m) => m.status);
const statusOf = async (briefingId: string) => (await ctx.c.nudges.inbox.show(actor, briefingId)).status;

describe('a nudge paused while the outbox works', () => {
  it('holds its messages when the pause comes between the claim and the hand-over; the rest of the batch goes', async () => {
    const paused = await approvedNudge({ ListPrice: 410000, PublicRemarks: 'Huge backyard, near parks and good schools.' });
    const other = await approvedNudge({ ListPrice: 420000 });
    const claimDue = outboxRepository.claimDue.bind(outboxRepository);
    const spy = vi.spyOn(outboxRepository, 'claimDue').mockImplementationOnce(async (opts, trx) => {
      const claimed = await claimDue(opts, trx);
      expect(claimed.filter((m) => m.briefing_id === paused.id)).toHaveLength(paused.scheduled);
      // the person pauses now: on the server from another connection, committed while the claim
      // is open; the embedded engine runs one transaction at a time, so there inside the claim's
      if (ctx.c.db.engine === 'postgres') await ctx.c.nudges.inbox.pause(actor, paused.id);
      else await sql`UPDATE briefing SET status = 'PAUSED' WHERE organization_id = app_org_id() AND id = ${paused.id}::uuid`.execute(trx);
      return claimed;
    });
    try {
      expect(await ctx.c.outbox.dispatch(actor)).toMatchObject({ claimed: other.scheduled, sent: other.scheduled, failed: 0 });
    } finally {
      spy.mockRestore();
    }
    expect(await statuses(paused.id)).toEqual(paused.audience.map(() => 'pending'));
    expect(await statuses(other.id)).toEqual(other.audience.map(() => 'sent'));
    expect(await statusOf(other.id)).toBe('COMPLETED');
    // nothing was decided for the held messages: they are gated afresh when they go
    expect(await rows(ctx, actor, sql`SELECT count(*)::int AS n FROM message WHERE briefing_id = ${paused.id}::uuid AND decision_id IS NOT NULL`)).toEqual([{ n: 0 }]);

    expect(await statusOf(paused.id)).toBe('PAUSED');
    await ctx.c.nudges.inbox.resume(actor, paused.id);
    expect(await ctx.c.outbox.dispatch(actor)).toMatchObject({ sent: paused.scheduled });
    expect(await statuses(paused.id)).toEqual(paused.audience.map(() => 'sent'));
    expect(await statusOf(paused.id)).toBe('COMPLETED');
  });

  it('completes a nudge resumed after its last messages went while it was paused', async () => {
    const b = await approvedNudge({ ListPrice: 430000 });
    const email = ctx.c.channels.email;
    // the person pauses while the provider has the messages: they are on their way, and go
    const pausing: ChannelAdapter = {
      name: email.name, port: 'email',
      send: async (batch) => {
        await ctx.c.nudges.inbox.pause(actor, b.id);
        return email.send(batch);
      },
    };
    const box = createOutbox({ db: ctx.c.db, pii: ctx.c.pii, channels: { ...ctx.c.channels, email: pausing }, publicUrl: PUBLIC_ENV.PORCHLIGHT_PUBLIC_URL, now: () => clock });
    expect(await box.dispatch(actor)).toMatchObject({ sent: b.scheduled });
    expect(await statusOf(b.id)).toBe('PAUSED');
    const resumed = await ctx.c.nudges.inbox.resume(actor, b.id);
    expect(resumed.status).toBe('COMPLETED');
    expect(resumed.history.map((h) => h.to_status)).toEqual(['DRAFT', 'ACTIVE', 'PAUSED', 'ACTIVE', 'COMPLETED']);
  });

  it('resumed with every recipient removed while it was paused, it is complete too', async () => {
    const b = await approvedNudge({ ListPrice: 440000, PublicRemarks: 'Single-level home on a quiet street with a garden.' });
    await ctx.c.nudges.inbox.pause(actor, b.id);
    for (const a of b.audience) await ctx.c.nudges.inbox.dismiss(actor, b.id, { client_id: a.client_id });
    expect(await statuses(b.id)).toEqual(b.audience.map(() => 'cancelled'));
    expect((await ctx.c.nudges.inbox.resume(actor, b.id)).status).toBe('COMPLETED');
  });
});

describe('the last two messages of a nudge', () => {
  it.runIf(!!process.env.DATABASE_URL)('completes it when two transactions finish one each at the same time', async () => {
    const b = await approvedNudge({ ListPrice: 415000, PublicRemarks: 'Backyard, parks, good schools.' });
    expect(b.scheduled).toBeGreaterThanOrEqual(2);
    // handed over, no answer recorded yet (the process stops right after the gate's commit)
    const stopping = createOutbox({
      db: ctx.c.db, pii: ctx.c.pii, channels: ctx.c.channels, publicUrl: PUBLIC_ENV.PORCHLIGHT_PUBLIC_URL, now: () => clock,
      failpoint: (name) => {
        if (name === 'outbox.gated') throw new Error('stopped');
      },
    });
    await expect(stopping.dispatch(actor)).rejects.toThrow('stopped');
    const ids = (await rows<{ id: string }>(ctx, actor, sql`SELECT id FROM message WHERE briefing_id = ${b.id}::uuid AND status = 'sending' ORDER BY id`)).map((m) => m.id);
    expect(ids).toHaveLength(b.scheduled);
    const sent = (id: string) => [{ messageId: id, outcome: 'sent' as const, provider: 'local' }];
    await withTenant(ctx.c.db, actor, (trx) => outboxRepository.storeResults(ids.slice(2).flatMap(sent), clock, trx));
    // the first transaction records one answer and stays open; the second records the other meanwhile
    let stored!: () => void;
    let commit!: () => void;
    const first = withTenant(ctx.c.db, actor, async (trx) => {
      await outboxRepository.storeResults(sent(ids[0]!), clock, trx);
      stored();
      await new Promise<void>((ok) => (commit = ok));
    });
    await new Promise<void>((ok) => (stored = ok));
    const second = withTenant(ctx.c.db, actor, (trx) => outboxRepository.storeResults(sent(ids[1]!), clock, trx));
    await new Promise((ok) => setTimeout(ok, 300));
    commit();
    await Promise.all([first, second]);
    expect(await statuses(b.id)).toEqual(ids.map(() => 'sent'));
    expect(await statusOf(b.id)).toBe('COMPLETED');
  });
});
