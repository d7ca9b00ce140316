import { sql } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { withTenant, type Actor } from '../../src/db/tenant.ts';
import type { Draft } from '../../src/domain/outreach/outbox.repository.ts';
import { readOutreachSettings, updateOutreachSettings } from '../../src/domain/outreach/outreach-settings.ts';
import { loadRecipients } from '../../src/domain/outreach/recipients.repository.ts';
import { createTestContext, type TestContext } from '../support/context.ts';

// Inbound texts on the real database, the local outbox and the real gate: a STOP opts the number
// out at once and is confirmed once, HELP is answered, START gives texts back (texts only), a
// reply stops the lead's sequences and gets an FAQ answer when one fits, else waits in the inbox.

let ctx: TestContext;
const TUESDAY_MORNING = new Date('2026-03-10T15:00:00Z'); // 10:00 in Austin
let clock = TUESDAY_MORNING;
beforeAll(async () => {
  ctx = await createTestContext({ now: () => clock });
});
afterAll(async () => ctx.close());
beforeEach(() => {
  clock = TUESDAY_MORNING;
});

const rows = async <T = Record<string, unknown>>(actor: Actor, q: ReturnType<typeof sql>) => withTenant(ctx.c.db, actor, async (trx) => (await q.execute(trx)).rows as T[]);
const PEWC = { seller_name: 'Acme Roofing', scope: ['sms', 'voice'], type: 'pewc', method: 'web_form', captured_at: '2026-01-01T12:00:00Z', disclosure_text: 'I agree that Acme Roofing may text and call me at this number using automated technology.' };
const OUR_NUMBER = '+15125550199';

async function setup() {
  const o = await ctx.newOrganization('Acme Roofing LLC');
  await withTenant(ctx.c.db, o.actor, (trx) => updateOutreachSettings({ sender_name: 'Acme Roofing', from_phone: OUR_NUMBER, from_email: 'hello@acme-roofing.example' }, trx));
  const lead = await ctx.newLead(o.org.id);
  await rows(o.actor, sql`UPDATE person SET mailing_zip = '78701', mailing_state = 'TX' WHERE id = ${lead.person_id}::uuid`);
  await ctx.c.compliance.recordConsent(o.actor, { phone: lead.phone, ...PEWC });
  return { ...o, lead };
}

let sid = 0;
const text = (org: string, from: string, body: string, messageSid = `SM${String(++sid).padStart(32, '0')}`) =>
  ctx.c.inbound.receiveSms(org, { MessageSid: messageSid, From: from, To: OUR_NUMBER, Body: body, AccountSid: 'AC0' });

/** A marketing text to the lead, written and dispatched like an engine's (or a person's, `by` user). */
async function marketingText(actor: Actor, leadId: string, key: string, by: 'system' | 'user' = 'system') {
  const draft = await withTenant(ctx.c.db, actor, async (trx): Promise<Draft> => {
    const r = (await loadRecipients(trx, ctx.c.pii, [leadId], 'sms', await readOutreachSettings(trx))).get(leadId)!;
    return { key, source: by === 'user' ? 'manual' : 'campaign', senderType: by, channel: 'sms', purpose: 'marketing', leadId, personId: r.personId, kind: 'phone', hash: r.contact!.hash,
      display: r.contact!.display, sealed: r.contact!.sealed, body: 'Is your roof ready for spring?' };
  });
  await withTenant(ctx.c.db, actor, (trx) => ctx.c.outbox.enqueue([draft], trx));
  await ctx.c.outbox.dispatch(actor);
  return (await rows<{ id: string; status: string; reason: string | null; replied_at: Date | null }>(actor, sql`SELECT id, status, reason, replied_at FROM message WHERE idempotency_key = ${key}`))[0]!;
}

const sent = (actor: Actor) => rows<{ purpose: string; status: string; reason: string | null; body: string; in_reply_to_id: string | null }>(actor,
  sql`SELECT purpose, status, reason, body, in_reply_to_id FROM message WHERE direction = 'outbound' AND purpose <> 'marketing' ORDER BY created_at, id`);

describe('STOP', () => {
  it('opts the number out at once: consents end, it is listed for every channel, and the next marketing text is cancelled', async () => {
    const { org, actor, lead } = await setup();
    expect(await marketingText(actor, lead.id, 'before')).toMatchObject({ status: 'sent' });
    const r = await text(org.id, lead.phone, 'STOP');
    expect(r).toMatchObject({ applied: true, intent: 'opt_out', review: null, replies: [{ purpose: 'opt_out_confirmation' }] });

    const [consent] = await rows(actor, sql`SELECT revoked_at, revoke_channel, revoke_text FROM consent`);
    expect(consent).toMatchObject({ revoked_at: TUESDAY_MORNING, revoke_channel: 'sms', revoke_text: 'STOP' });
    expect(await rows(actor, sql`SELECT channels FROM dnc_entry`)).toEqual([{ channels: null }]);
    const [inbound] = await rows(actor, sql`SELECT lead_id, person_id, status, source, sender_type, intent, in_reply_to_id FROM message WHERE direction = 'inbound'`);
    const before = (await rows<{ id: string }>(actor, sql`SELECT id FROM message WHERE idempotency_key = 'before'`))[0]!;
    expect(inbound).toEqual({ lead_id: lead.id, person_id: lead.person_id, status: 'received', source: 'inbound', sender_type: 'contact', intent: 'opt_out', in_reply_to_id: before.id });

    // the confirmation went out through the gate, once, naming the sender and no marketing
    expect(await sent(actor)).toEqual([expect.objectContaining({ purpose: 'opt_out_confirmation', status: 'sent', body: expect.stringMatching(/^Acme Roofing: You are unsubscribed/) })]);
    clock = new Date(TUESDAY_MORNING.getTime() + 60_000);
    expect(await marketingText(actor, lead.id, 'after')).toMatchObject({ status: 'cancelled', reason: 'OPTED_OUT' });
    expect(await rows(actor, sql`SELECT replied_at IS NOT NULL AS replied FROM message WHERE idempotency_key = 'before'`)).toEqual([{ replied: true }]);
  });

  it('confirms once: the same webhook twice, STOP again, "stop please" after it', async () => {
    const { org, actor, lead } = await setup();
    const first = await text(org.id, lead.phone, 'STOP', 'SMrepeat');
    expect(await text(org.id, lead.phone, 'STOP', 'SMrepeat')).toMatchObject({ applied: false });
    expect(await text(org.id, lead.phone, 'stop')).toMatchObject({ applied: true, intent: 'opt_out', replies: [] });
    expect(await text(org.id, lead.phone, 'stop please')).toMatchObject({ applied: true, intent: 'opt_out', replies: [] });
    expect(first.replies).toHaveLength(1);
    expect((await sent(actor)).map((m) => m.purpose)).toEqual(['opt_out_confirmation']);
    expect(await rows(actor, sql`SELECT count(*)::int AS n FROM message WHERE direction = 'inbound'`)).toEqual([{ n: 3 }]);
    expect(await rows(actor, sql`SELECT count(*)::int AS n FROM webhook_event`)).toEqual([{ n: 3 }]);
  });

  it('honours an unclear opt-out and shows it to a person; a stray "stopping by" is only shown', async () => {
    const { org, actor, lead } = await setup();
    const unclear = await text(org.id, lead.phone, 'please stop');
    expect(unclear).toMatchObject({ intent: 'opt_out', review: expect.stringContaining('unclear opt-out') });
    expect(await rows(actor, sql`SELECT count(*)::int AS n FROM dnc_entry`)).toEqual([{ n: 1 }]);

    const other = await setup();
    const maybe = await text(other.org.id, other.lead.phone, 'stopping by at 5?');
    expect(maybe).toMatchObject({ intent: 'reply', review: expect.stringContaining('may be an opt-out'), replies: [] });
    expect(await rows(other.actor, sql`SELECT count(*)::int AS n FROM dnc_entry`)).toEqual([{ n: 0 }]);
    expect((await ctx.c.inbound.inbox(actor)).map((m) => m.review)).toEqual([expect.stringContaining('unclear opt-out')]);
  });

  it('opts out a number nobody here knows, and confirms to it', async () => {
    const { org, actor } = await setup();
    const r = await text(org.id, '(512) 555-0987', 'UNSUBSCRIBE');
    expect(r).toMatchObject({ intent: 'opt_out', replies: [{ purpose: 'opt_out_confirmation' }] });
    expect(await rows(actor, sql`SELECT display, channels, source FROM dnc_entry`)).toEqual([{ display: expect.stringContaining('0987'), channels: null, source: 'revocation' }]);
    expect(await sent(actor)).toEqual([expect.objectContaining({ status: 'sent' })]);
  });
});

describe('HELP and START', () => {
  it('answers HELP with the program, a contact, frequency, rates and how to stop, even at night', async () => {
    const { org, actor, lead } = await setup();
    clock = new Date('2026-03-11T04:30:00Z'); // 23:30 in Austin: required replies keep no quiet hours
    expect(await text(org.id, lead.phone, 'help')).toMatchObject({ intent: 'help', replies: [{ purpose: 'help_reply' }] });
    const [help] = await sent(actor);
    expect(help).toMatchObject({ status: 'sent' });
    expect(help!.body).toBe('Acme Roofing: Help at hello@acme-roofing.example. Msg frequency varies. Msg & data rates may apply. Reply STOP to opt out.');
    const [out] = await rows(actor, sql`SELECT from_address FROM local_outbox`);
    expect(out).toEqual({ from_address: OUR_NUMBER });
  });

  it('START gives texts back and nothing else: the entry a STOP made is narrowed to calls', async () => {
    const { org, actor, lead } = await setup();
    await text(org.id, lead.phone, 'STOP');
    clock = new Date(TUESDAY_MORNING.getTime() + 3_600_000);
    expect(await text(org.id, lead.phone, 'START')).toMatchObject({ intent: 'opt_in', replies: [] });
    expect(await rows(actor, sql`SELECT channels FROM dnc_entry`)).toEqual([{ channels: ['call', 'ai_call'] }]);
    expect(await rows(actor, sql`SELECT scope, type, method FROM consent WHERE revoked_at IS NULL`)).toEqual([{ scope: ['sms'], type: 'pec', method: 'sms_keyword' }]);
    const call = await ctx.c.compliance.check(actor, { phone: lead.phone, zip: '78701', channel: 'call', at: clock.toISOString() });
    expect(call).toMatchObject({ decision: 'deny' });
    // texts are back: an informational text goes; a marketing one needs written consent, not an opt-in keyword
    const info = await ctx.c.compliance.check(actor, { phone: lead.phone, zip: '78701', channel: 'sms', purpose: 'informational', at: clock.toISOString() });
    expect(info).toMatchObject({ decision: 'allow' });
    const promo = await ctx.c.compliance.check(actor, { phone: lead.phone, zip: '78701', channel: 'sms', at: clock.toISOString() });
    expect(promo).toMatchObject({ decision: 'deny', reason: 'PEWC_REQUIRED:SMS_MARKETING' });
    // "yes" from a number that is not opted out is a reply, not an opt-in
    expect(await text(org.id, lead.phone, 'YES')).toMatchObject({ intent: 'reply' });
    // a STOP after the START stops texts again, and is confirmed again
    expect(await text(org.id, lead.phone, 'STOP')).toMatchObject({ intent: 'opt_out', replies: [{ purpose: 'opt_out_confirmation' }] });
    expect(await rows(actor, sql`SELECT channels FROM dnc_entry`)).toEqual([{ channels: null }]);
  });

  it('leaves an entry the organization added by hand where it is', async () => {
    const { org, actor, lead } = await setup();
    await ctx.c.dnc.add(actor, { phone: lead.phone, reason: 'asked on the phone' });
    await text(org.id, lead.phone, 'START');
    expect(await rows(actor, sql`SELECT channels, source FROM dnc_entry`)).toEqual([{ channels: null, source: expect.not.stringMatching(/revocation|sms_stop/) }]);
  });
});

describe('replies', () => {
  it('stop the lead\'s sequences, mark the touch replied, and wait in the inbox without an FAQ answer', async () => {
    const { org, actor, lead } = await setup();
    const s = await ctx.c.sequences.create(actor, { name: 'Nurture', steps: [{ delay_days: 0, channel: 'sms', template: { body: 'Hi there' } }, { delay_days: 3, channel: 'sms', template: { body: 'Still there?' } }] });
    await ctx.c.sequences.enroll(actor, s.id, { lead_id: lead.id });
    const touch = await marketingText(actor, lead.id, 'touch');
    const r = await text(org.id, lead.phone, 'Not sure yet, my husband decides');
    // no entries to match: recorded as a miss, and a person answers
    expect(r).toMatchObject({ intent: 'reply', needs_reply: true, replies: [], faq: { entry_id: null, confident: false } });
    expect(await rows(actor, sql`SELECT status, stop_reason FROM sequence_enrollment`)).toEqual([{ status: 'stopped', stop_reason: 'REPLIED' }]);
    expect(await rows(actor, sql`SELECT replied_at FROM message WHERE id = ${touch.id}::uuid`)).toEqual([{ replied_at: TUESDAY_MORNING }]);
    const inbox = await ctx.c.inbound.inbox(actor);
    expect(inbox).toEqual([expect.objectContaining({ id: r.message_id, body: 'Not sure yet, my husband decides', contact: expect.any(String), lead_id: lead.id })]);
    await ctx.c.inbound.resolve(actor, r.message_id!);
    expect(await ctx.c.inbound.inbox(actor)).toEqual([]);
  });

  it('get the FAQ answer through the gate when one fits confidently; a question it does not know goes to a person', async () => {
    const { org, actor, lead } = await setup();
    await ctx.c.faq.add(actor, { user_email: undefined, user_id: (await ctx.newUser(org.id, 'agent')).user.id, question: 'Do you offer free estimates?', answer: 'Yes, estimates are always free. Reply with a good time to come by.' });
    await ctx.c.faq.add(actor, { user_id: (await ctx.newUser(org.id, 'agent')).user.id, question: 'Do you work with insurance claims?', answer: 'We do: we meet your adjuster on site.' });
    const asked = await text(org.id, lead.phone, 'are your estimates free?');
    expect(asked).toMatchObject({ needs_reply: false, replies: [{ purpose: 'informational' }], faq: { confident: true, score: expect.any(Number) } });
    const [reply] = await rows(actor, sql`SELECT source, sender_type, status, decision, body, idempotency_key FROM message WHERE purpose = 'informational' AND direction = 'outbound'`);
    expect(reply).toEqual({ source: 'faq', sender_type: 'ai', status: 'sent', decision: 'allow', body: 'Yes, estimates are always free. Reply with a good time to come by.', idempotency_key: `faq:${asked.message_id}` });
    expect(await rows(actor, sql`SELECT confident, reply_id IS NOT NULL AS replied FROM faq_match WHERE message_id = ${asked.message_id}::uuid`)).toEqual([{ confident: true, replied: true }]);
    expect((await ctx.c.faq.list(actor)).map((e) => e.use_count).sort()).toEqual([0, 1]);

    const unknown = await text(org.id, lead.phone, 'Can you also paint the fence?');
    expect(unknown).toMatchObject({ needs_reply: true, replies: [], faq: { confident: false } });
    expect((await ctx.c.inbound.inbox(actor)).map((m) => m.id)).toEqual([unknown.message_id]);
    // a person's answer takes it out of the inbox
    await marketingText(actor, lead.id, 'answer', 'user');
    expect(await ctx.c.inbound.inbox(actor)).toEqual([]);
  });

  it("answer from the lead's user's own entries when the lead has one", async () => {
    const { org, actor } = await setup();
    const agent = await ctx.newUser(org.id, 'agent');
    const other = await ctx.newUser(org.id, 'agent');
    const lead = await ctx.newLead(org.id, { assignee_id: agent.user.id });
    await ctx.c.compliance.recordConsent(actor, { phone: lead.phone, ...PEWC });
    await ctx.c.faq.add(other.actor, { question: 'Do you offer free estimates?', answer: 'Not my lead.' });
    expect(await text(org.id, lead.phone, 'are estimates free')).toMatchObject({ needs_reply: true, faq: { entry_id: null, confident: false } });
    await ctx.c.faq.add(agent.actor, { question: 'Do you offer free estimates?', answer: 'Always free.' });
    expect(await text(org.id, lead.phone, 'are estimates free')).toMatchObject({ needs_reply: false, faq: { confident: true } });
  });

  it('a text for an organization that does not exist is refused and recorded nowhere', async () => {
    await expect(text('00000000-0000-4000-8000-000000000000', '+15125550100', 'hi')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});
