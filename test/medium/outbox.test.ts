import { sql } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { withTenant, type Actor } from '../../src/db/tenant.ts';
import type { Draft } from '../../src/domain/outreach/outbox.repository.ts';
import { readOutreachSettings, updateOutreachSettings } from '../../src/domain/outreach/outreach-settings.ts';
import { loadRecipients } from '../../src/domain/outreach/recipients.repository.ts';
import { createOutbox } from '../../src/domain/outreach/outbox.ts';
import type { ChannelAdapter } from '../../src/providers/channels/ports.ts';
import { createTestContext, type TestContext } from '../support/context.ts';
import { draftsFor, type DraftSpec } from '../support/outreach.ts';

// The outbox: a message leaves only with the gate's allow, is written once by its key, and a
// crash after the hand-over sends it at most once.

let ctx: TestContext;
const TUESDAY_MORNING = new Date('2026-03-10T15:00:00Z'); // 10:00 in Austin
let clock = TUESDAY_MORNING;
const PUBLIC = 'https://porchlight.example.com';
beforeAll(async () => {
  ctx = await createTestContext({ now: () => clock, env: { PORCHLIGHT_PUBLIC_URL: PUBLIC } });
});
afterAll(async () => ctx.close());
beforeEach(() => {
  clock = TUESDAY_MORNING;
});

const rows = async <T>(actor: Actor, q: ReturnType<typeof sql>) => withTenant(ctx.c.db, actor, async (trx) => (await q.execute(trx)).rows as T[]);
const PEWC = { seller_name: 'Acme Roofing', scope: ['sms', 'voice'], type: 'pewc', method: 'web_form', captured_at: '2026-01-01T12:00:00Z', disclosure_text: 'I agree that Acme Roofing may text me at this number using automated technology.' };

async function setup(settings: Record<string, unknown> = {}) {
  const o = await ctx.newOrganization();
  await withTenant(ctx.c.db, o.actor, (trx) => updateOutreachSettings({ sender_name: 'Acme Roofing', from_phone: '+15125550199', from_email: 'hello@acme-roofing.example', ...settings }, trx));
  const lead = await ctx.newLead(o.org.id);
  await rows(o.actor, sql`UPDATE person SET mailing_zip = '78701', mailing_state = 'TX' WHERE id = ${lead.person_id}::uuid`);
  return { ...o, lead };
}

const draft = async (actor: Actor, leadId: string, over: Partial<DraftSpec> & { key: string }) => (await draftsFor(ctx, actor, [{ lead: leadId, ...over }]))[0]!;

const enqueue = (actor: Actor, drafts: Draft[]) => withTenant(ctx.c.db, actor, (trx) => ctx.c.outbox.enqueue(drafts, trx));

describe('outbox', () => {
  it('sends an allowed text once by key, with the opt-out line on the first text only, and bills it', async () => {
    const { actor, lead } = await setup();
    await ctx.c.compliance.recordConsent(actor, { phone: lead.phone, ...PEWC });
    const first = await draft(actor, lead.id, { key: 'k1' });
    const ids = await enqueue(actor, [first, first]);
    expect(ids.get('k1')).toMatchObject({ created: true });
    expect((await enqueue(actor, [first])).get('k1')).toEqual({ id: ids.get('k1')!.id, created: false });
    expect(await ctx.c.outbox.dispatch(actor)).toMatchObject({ claimed: 1, allowed: 1, sent: 1 });
    expect(await ctx.c.outbox.dispatch(actor)).toMatchObject({ claimed: 0, sent: 0 });
    await enqueue(actor, [await draft(actor, lead.id, { key: 'k2', body: 'Still thinking about that roof?' })]);
    expect(await ctx.c.outbox.dispatch(actor)).toMatchObject({ sent: 1 });

    const out = await rows<{ body: string; idempotency_key: string; segments: number }>(actor, sql`SELECT body, idempotency_key, segments FROM local_outbox ORDER BY created_at`);
    expect(out.map((o) => o.idempotency_key)).toEqual(['k1', 'k2']);
    expect(out[0]!.body).toMatch(/STOP/);
    expect(out[1]!.body).toBe('Still thinking about that roof?');
    const msgs = await rows<{ status: string; decision: string; provider: string; handed_at: Date | null; sent_at: Date | null }>(actor, sql`SELECT status, decision, provider, handed_at, sent_at FROM message ORDER BY created_at`);
    expect(msgs).toEqual([
      expect.objectContaining({ status: 'sent', decision: 'allow', provider: 'local', sent_at: expect.any(Date) }),
      expect.objectContaining({ status: 'sent', decision: 'allow' }),
    ]);
    const billed = await rows<{ metric: string; quantity: string; cost_cents: string }>(actor, sql`SELECT metric, quantity::text, cost_cents::text FROM billing_usage ORDER BY created_at`);
    expect(billed).toEqual([{ metric: 'sms_message', quantity: '1.000', cost_cents: '1' }, { metric: 'sms_message', quantity: '1.000', cost_cents: '1' }]);
    const [touched] = await rows<{ last_contacted_at: Date | null }>(actor, sql`SELECT last_contacted_at FROM lead WHERE id = ${lead.id}::uuid`);
    expect(touched!.last_contacted_at).not.toBeNull();
  });

  it('cancels what the gate denies, holds what it defers until the allowed minute, and stores every decision', async () => {
    const { actor, lead } = await setup();
    await enqueue(actor, [await draft(actor, lead.id, { key: 'no-consent' })]);
    expect(await ctx.c.outbox.dispatch(actor)).toMatchObject({ denied: 1, sent: 0 });
    expect(await rows(actor, sql`SELECT status, reason FROM message WHERE idempotency_key = 'no-consent'`)).toEqual([{ status: 'cancelled', reason: 'PEWC_REQUIRED:SMS_MARKETING' }]);

    await ctx.c.compliance.recordConsent(actor, { phone: lead.phone, ...PEWC });
    clock = new Date('2026-03-11T03:30:00Z'); // 22:30 in Austin
    await enqueue(actor, [await draft(actor, lead.id, { key: 'night' })]);
    expect(await ctx.c.outbox.dispatch(actor)).toMatchObject({ deferred: 1, sent: 0 });
    const [held] = await rows<{ status: string; scheduled_for: Date; reason: string }>(actor, sql`SELECT status, scheduled_for, reason FROM message WHERE idempotency_key = 'night'`);
    expect(held).toMatchObject({ status: 'pending', reason: 'QUIET_HOURS_STATE:TX' });
    // Texas: marketing texts from 9:00 on weekdays (SB 140)
    expect(held!.scheduled_for.toISOString()).toBe('2026-03-11T14:00:00.000Z');
    clock = new Date('2026-03-11T13:59:00Z');
    expect(await ctx.c.outbox.dispatch(actor)).toMatchObject({ claimed: 0 });
    clock = new Date('2026-03-11T14:00:00Z');
    expect(await ctx.c.outbox.dispatch(actor)).toMatchObject({ claimed: 1, sent: 1 });
    const decisions = await rows<{ decision: string }>(actor, sql`SELECT decision FROM compliance_decision ORDER BY decided_at`);
    expect(decisions.map((d) => d.decision)).toEqual(['deny', 'defer', 'allow']);
  });

  it('refuses a marketing email without a postal address, and sends one with the unsubscribe link and one-click headers', async () => {
    const bare = await setup();
    await enqueue(bare.actor, [await draft(bare.actor, bare.lead.id, { key: 'e1', channel: 'email', subject: 'Your roof' })]);
    await ctx.c.outbox.dispatch(bare.actor);
    expect(await rows(bare.actor, sql`SELECT status, reason FROM message`)).toEqual([{ status: 'cancelled', reason: 'EMAIL_POSTAL_ADDRESS_MISSING' }]);

    const { actor, lead } = await setup({ postal_address: '100 Congress Ave, Austin, TX 78701', email_authenticated: true });
    await enqueue(actor, [await draft(actor, lead.id, { key: 'e2', channel: 'email', subject: 'Your roof' })]);
    expect(await ctx.c.outbox.dispatch(actor)).toMatchObject({ sent: 1 });
    const [sent] = await rows<{ body: string; headers: Record<string, string> }>(actor, sql`SELECT body, headers FROM local_outbox`);
    expect(sent!.body).toContain('100 Congress Ave, Austin, TX 78701');
    expect(sent!.body).toContain(`${PUBLIC}/v1/unsubscribe/`);
    expect(sent!.headers).toMatchObject({ 'List-Unsubscribe': expect.stringMatching(/^<https:\/\/porchlight\.example\.com\/v1\/unsubscribe\/.+>$/), 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' });
  });

  it('will not let a message be marked sent without an allowing decision, nor be deleted', async () => {
    const { actor, lead } = await setup();
    await enqueue(actor, [await draft(actor, lead.id, { key: 'guard' })]);
    await expect(rows(actor, sql`UPDATE message SET status = 'sent', handed_at = now()`)).rejects.toThrow();
    const [denied] = await rows<{ id: string }>(actor, sql`SELECT id FROM compliance_decision LIMIT 0`);
    expect(denied).toBeUndefined();
    await ctx.c.outbox.dispatch(actor); // denied: no consent
    const [d] = await rows<{ decision_id: string }>(actor, sql`SELECT decision_id FROM message`);
    // pointing at the deny decision while claiming it allowed breaks the foreign key
    await expect(rows(actor, sql`UPDATE message SET decision = 'allow', status = 'sent', handed_at = now() WHERE decision_id = ${d!.decision_id}::uuid`)).rejects.toThrow();
    await expect(rows(actor, sql`DELETE FROM message`)).rejects.toMatchObject({ code: 'FORBIDDEN' });
  });
});

describe('one batch', () => {
  it('counts what it already let through: caps hold inside a batch and only the first text carries the opt-out line', async () => {
    const { actor, lead } = await setup({ frequency_cap: { count: 2, hours: 24 } });
    await ctx.c.compliance.recordConsent(actor, { phone: lead.phone, ...PEWC });
    await enqueue(actor, await draftsFor(ctx, actor, ['b1', 'b2', 'b3'].map((key) => ({ lead: lead.id, key }))));
    expect(await ctx.c.outbox.dispatch(actor)).toMatchObject({ claimed: 3, allowed: 2, deferred: 1, sent: 2 });
    expect(await rows(actor, sql`SELECT reason FROM message WHERE status = 'pending'`)).toEqual([{ reason: 'FREQ_CAP_ORG' }]);
    const bodies = await rows<{ body: string }>(actor, sql`SELECT body FROM local_outbox ORDER BY created_at, idempotency_key`);
    expect(bodies.filter((b) => /STOP/.test(b.body)).length).toBe(1);
  });

  it('sends nothing on a decision older than a minute: what a slow provider did not take in time is decided again', async () => {
    const { actor, lead } = await setup();
    const slow: ChannelAdapter = {
      name: 'slow', port: 'sms',
      send: async (b) => {
        clock = new Date(clock.getTime() + 61_000); // the provider takes its time
        return b.map((m) => ({ messageId: m.messageId, outcome: 'sent' as const }));
      },
    };
    const box = createOutbox({ db: ctx.c.db, pii: ctx.c.pii, channels: { ...channelsOf(ctx), sms: slow }, now: () => clock });
    await enqueue(actor, await draftsFor(ctx, actor, Array.from({ length: 150 }, (_, i) => ({ lead: lead.id, key: `s${i}`, purpose: 'informational' as const }))));
    expect(await box.dispatch(actor, { max: 150 })).toMatchObject({ claimed: 150, allowed: 150, sent: 100, requeued: 50 });
    expect(await rows(actor, sql`SELECT status, count(*)::int AS n FROM message GROUP BY status ORDER BY status`)).toEqual([{ status: 'pending', n: 50 }, { status: 'sent', n: 100 }]);
    // the next round decides them again with fresh facts
    expect(await box.dispatch(actor, { max: 50 })).toMatchObject({ claimed: 50, allowed: 50, sent: 50 });
    expect(await rows(actor, sql`SELECT count(*)::int AS n FROM compliance_decision`)).toEqual([{ n: 200 }]);
  });
});

describe('recipients', () => {
  it('texts a mobile and never a landline, and calls the verified number', async () => {
    const { actor, lead } = await setup();
    const landline = '+15125550142';
    await withTenant(ctx.c.db, actor, async (trx) => {
      await sql`UPDATE contact_point SET type = 'mobile', verified = false WHERE person_id = ${lead.person_id}::uuid AND kind = 'phone'`.execute(trx);
      await trx.insertInto('contact_point').values({
        organization_id: actor.organizationId, person_id: lead.person_id, kind: 'phone', ...ctx.c.pii.seal(landline), value_hash: ctx.c.pii.hash(landline),
        display: 'landline', type: 'landline', verified: true, sources: ['test'],
      }).execute();
    });
    const pick = (channel: 'sms' | 'call') => withTenant(ctx.c.db, actor, async (trx) =>
      (await loadRecipients(trx, ctx.c.pii, [lead.id], channel, await readOutreachSettings(trx))).get(lead.id)!.contact!.hash.equals(ctx.c.pii.hash(landline)));
    expect(await pick('sms')).toBe(false);
    expect(await pick('call')).toBe(true);
    await rows(actor, sql`DELETE FROM contact_point WHERE person_id = ${lead.person_id}::uuid AND type = 'mobile'`);
    const none = await withTenant(ctx.c.db, actor, async (trx) => (await loadRecipients(trx, ctx.c.pii, [lead.id], 'sms', await readOutreachSettings(trx))).get(lead.id)!.contact);
    expect(none).toBeNull();
  });
});

describe('outbox after a crash', () => {
  // The process dies right after the adapter took the batch: the failpoint throws where a real
  // crash test would SIGKILL, leaving the same rows behind ("sending", nothing recorded).
  const crashAfterHandOver = (name: string) => {
    if (name === 'outbox.handed') throw new Error('crash');
  };

  it('confirms with the local outbox what it got, so a restart sends nothing twice', async () => {
    const { actor, lead } = await setup();
    await ctx.c.compliance.recordConsent(actor, { phone: lead.phone, ...PEWC });
    const crashing = createOutbox({ db: ctx.c.db, pii: ctx.c.pii, channels: channelsOf(ctx), failpoint: crashAfterHandOver, now: () => clock });
    await enqueue(actor, [await draft(actor, lead.id, { key: 'c1' })]);
    await expect(crashing.dispatch(actor)).rejects.toThrow('crash');
    expect(await rows(actor, sql`SELECT status FROM message`)).toEqual([{ status: 'sending' }]);
    expect(await ctx.c.outbox.dispatch(actor)).toMatchObject({ claimed: 0 });
    expect(await ctx.c.outbox.recover(actor, { olderThanMs: 0 })).toMatchObject({ stranded: 1, confirmed: 1 });
    expect(await rows(actor, sql`SELECT status FROM message`)).toEqual([{ status: 'sent' }]);
    expect(await rows(actor, sql`SELECT count(*)::int AS n FROM local_outbox`)).toEqual([{ n: 1 }]);
  });

  it('marks a message failed rather than risk a second send when the provider cannot say', async () => {
    const { actor, lead } = await setup();
    await ctx.c.compliance.recordConsent(actor, { phone: lead.phone, ...PEWC });
    const handed: string[] = [];
    const blind: ChannelAdapter = { name: 'blind', port: 'sms', send: async (b) => b.map((m) => (handed.push(m.idempotencyKey), { messageId: m.messageId, outcome: 'sent' })) };
    const channels = { ...channelsOf(ctx), sms: blind };
    const crashing = createOutbox({ db: ctx.c.db, pii: ctx.c.pii, channels, failpoint: crashAfterHandOver, now: () => clock });
    await enqueue(actor, [await draft(actor, lead.id, { key: 'c2' })]);
    await expect(crashing.dispatch(actor)).rejects.toThrow('crash');
    const restarted = createOutbox({ db: ctx.c.db, pii: ctx.c.pii, channels, now: () => clock });
    expect(await restarted.recover(actor, { olderThanMs: 0 })).toMatchObject({ unknown: 1 });
    expect(await restarted.dispatch(actor)).toMatchObject({ claimed: 0 });
    expect(handed).toEqual(['c2']);
    expect(await rows(actor, sql`SELECT status, error FROM message`)).toEqual([{ status: 'failed', error: expect.stringContaining('outcome unknown') }]);
  });

  it('tries a provider outage again later and gives up after the last attempt', async () => {
    const { actor, lead } = await setup();
    await ctx.c.compliance.recordConsent(actor, { phone: lead.phone, ...PEWC });
    const down: ChannelAdapter = { name: 'down', port: 'sms', send: async () => { throw new Error('503 Service Unavailable'); } };
    const box = createOutbox({ db: ctx.c.db, pii: ctx.c.pii, channels: { ...channelsOf(ctx), sms: down }, now: () => clock });
    await enqueue(actor, [await draft(actor, lead.id, { key: 'c3' })]);
    const start = clock;
    expect(await box.dispatch(actor)).toMatchObject({ retried: 1 });
    const [m] = await rows<{ status: string; scheduled_for: Date; attempts: number }>(actor, sql`SELECT status, scheduled_for, attempts FROM message`);
    expect(m).toMatchObject({ status: 'pending', attempts: 1 });
    expect(m!.scheduled_for.getTime()).toBe(start.getTime() + 2 * 60_000);
    for (let i = 0; i < 4; i++) {
      clock = new Date(clock.getTime() + 60 * 60_000);
      await box.dispatch(actor);
    }
    expect(await rows(actor, sql`SELECT status, attempts, error FROM message`)).toEqual([{ status: 'failed', attempts: 5, error: expect.stringContaining('gave up after 5 attempts') }]);
  });
});

const channelsOf = (t: TestContext) => t.c.channels;
