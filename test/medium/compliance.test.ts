import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withTenant, type Actor } from '../../src/db/tenant.ts';
import { createTestContext, type TestContext } from '../support/context.ts';

// The gate with its facts from the database: consents kept as given, revocations, the
// do-not-contact list, and every decision stored with the facts it used.

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext();
});
afterAll(async () => ctx.close());

const exec = async <T>(actor: Actor, query: ReturnType<typeof sql>) => withTenant(ctx.c.db, actor, async (trx) => (await query.execute(trx)).rows as T[]);
const PEWC = { seller_name: 'Acme Roofing', scope: ['sms', 'voice'], type: 'pewc', method: 'web_form', disclosure_text: 'I agree that Acme Roofing may text and call me at this number using automated technology. Consent is not a condition of purchase.' };

describe('compliance check', () => {
  it('allows a texted offer with written consent in the hours, defers it at night, and denies it without consent', async () => {
    const { actor } = await ctx.newOrganization();
    const phone = '+13055550101';
    const cold = await ctx.c.compliance.check(actor, { phone, zip: '33101', state: 'FL', channel: 'sms', at: '2026-03-10T19:30:00-04:00' });
    expect(cold).toMatchObject({ decision: 'deny', reason: 'PEWC_REQUIRED:SMS_MARKETING', contact: expect.stringContaining('•') });
    await ctx.c.compliance.recordConsent(actor, { phone: '(305) 555-0101', ...PEWC, captured_at: '2026-02-01T12:00:00-05:00' });
    expect(await ctx.c.compliance.check(actor, { phone, zip: '33101', state: 'FL', channel: 'sms', at: '2026-03-10T19:30:00-04:00' }))
      .toMatchObject({ decision: 'allow', reason: null });
    expect(await ctx.c.compliance.check(actor, { phone, zip: '33101', state: 'FL', channel: 'sms', at: '2026-03-10T20:15:00-04:00' }))
      .toMatchObject({ decision: 'defer', reason: 'QUIET_HOURS_STATE:FL', until: '2026-03-11T08:00:00-04:00' });
    // the consent covers texts and calls, not an artificial voice
    expect(await ctx.c.compliance.check(actor, { phone, channel: 'ai_call', at: '2026-03-10T11:00:00-04:00' })).toMatchObject({ decision: 'deny', reason: 'NO_CONSENT_ARTIFICIAL_VOICE' });
    // every answer is kept, newest first, with the facts it used
    const log = await ctx.c.compliance.log(actor);
    expect(log.map((r) => r.decision)).toEqual(['deny', 'defer', 'allow', 'deny']);
    const [stored] = await exec<{ facts: Record<string, unknown>; defer_until: Date | null }>(actor, sql`SELECT facts, defer_until FROM compliance_decision WHERE decision = 'defer'`);
    expect(stored!.facts).toMatchObject({ channel: 'sms', consent: 'pewc', mailingZip: '33101', phone: expect.stringContaining('•') });
    expect(stored!.defer_until!.toISOString()).toBe('2026-03-11T12:00:00.000Z');
  });

  it('denies after a revocation by any channel, and the record of consent and decision cannot be rewritten', async () => {
    const { actor } = await ctx.newOrganization();
    const phone = '+14045550113';
    await ctx.c.compliance.recordConsent(actor, { phone, ...PEWC, captured_at: '2026-01-01T12:00:00-05:00' });
    expect(await ctx.c.compliance.revokeConsent(actor, { phone, channel: 'email', text: 'stop calling me', at: '2026-03-05T12:00:00-05:00' }))
      .toMatchObject({ consents_revoked: 1 });
    expect(await ctx.c.compliance.check(actor, { phone, zip: '30303', state: 'GA', channel: 'call', at: '2026-03-10T11:00:00-04:00' }))
      .toMatchObject({ decision: 'deny', reason: 'CONSENT_REVOKED' });
    expect(await ctx.c.compliance.check(actor, { phone, channel: 'sms', at: '2026-03-10T11:00:00-04:00' })).toMatchObject({ decision: 'deny' });
    expect((await ctx.c.dnc.list(actor))[0]).toMatchObject({ kind: 'phone', source: 'revocation' });
    const shown = await ctx.c.compliance.consents(actor, { phone });
    expect(shown).toEqual([expect.objectContaining({ seller_name: 'Acme Roofing', revoke_channel: 'email' })]);
    // kept as given: no change, no second revocation, no delete; the decisions neither
    await expect(exec(actor, sql`UPDATE consent SET seller_name = 'Someone else'`)).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(exec(actor, sql`UPDATE consent SET revoked_at = now()`)).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(exec(actor, sql`DELETE FROM consent`)).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(exec(actor, sql`UPDATE compliance_decision SET decision = 'allow'`)).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(exec(actor, sql`DELETE FROM compliance_decision`)).rejects.toMatchObject({ code: 'FORBIDDEN' });
  });

  it("checks a lead through its owner's mailing place and best phone, and names what is wrong with a request", async () => {
    const { actor } = await ctx.newOrganization();
    const lead = await ctx.newLead(actor.organizationId);
    await exec(actor, sql`UPDATE person SET mailing_zip = '78701', mailing_state = 'TX' WHERE id = ${lead.person_id}::uuid`);
    await ctx.c.compliance.recordConsent(actor, { phone: lead.phone, ...PEWC, captured_at: '2026-01-01T12:00:00-06:00' });
    // Sunday 10:30 in Austin: Texas allows noon to nine
    expect(await ctx.c.compliance.check(actor, { lead_id: lead.id, channel: 'call', at: '2026-03-15T10:30:00-05:00' }))
      .toMatchObject({ decision: 'defer', reason: 'SUNDAY_HOURS:TX', until: '2026-03-15T12:00:00-05:00' });
    // an email to the lead: no consent needed for e-mail, on the list it is unsubscribed
    expect(await ctx.c.compliance.check(actor, { lead_id: lead.id, channel: 'email', at: '2026-03-15T03:00:00-05:00' })).toMatchObject({ decision: 'allow' });
    await ctx.c.dnc.add(actor, { email: lead.email });
    expect(await ctx.c.compliance.check(actor, { lead_id: lead.id, channel: 'email' })).toMatchObject({ decision: 'deny', reason: 'EMAIL_UNSUBSCRIBED' });
    const bad = (input: object) => ctx.c.compliance.check(actor, input);
    await expect(bad({ channel: 'sms' })).rejects.toMatchObject({ code: 'VALIDATION', message: expect.stringContaining('one of lead_id, phone or email') });
    await expect(bad({ phone: '555', channel: 'sms' })).rejects.toMatchObject({ code: 'VALIDATION', message: expect.stringContaining("phone: '555'") });
    await expect(bad({ phone: '+13055550101', channel: 'fax' })).rejects.toMatchObject({ code: 'VALIDATION', message: expect.stringContaining('channel') });
    await expect(bad({ phone: '+13055550101', channel: 'email' })).rejects.toMatchObject({ code: 'VALIDATION', message: expect.stringContaining('channel') });
    await expect(bad({ phone: '+13055550101', channel: 'sms', at: 'tomorrow' })).rejects.toMatchObject({ code: 'VALIDATION', message: expect.stringContaining('at') });
    await expect(bad({ lead_id: '00000000-0000-4000-8000-000000000000', channel: 'sms' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(ctx.c.compliance.recordConsent(actor, { phone: lead.phone, ...PEWC, disclosure_text: undefined })).rejects.toMatchObject({ code: 'VALIDATION', message: expect.stringContaining('pewc') });
    await expect(ctx.c.compliance.recordConsent(actor, { phone: lead.phone, ...PEWC, scope: ['fax'] })).rejects.toMatchObject({ code: 'VALIDATION', message: expect.stringContaining('scope') });
    await expect(ctx.c.compliance.log(actor, { limit: 'abc' })).rejects.toMatchObject({ code: 'VALIDATION', message: expect.stringContaining('limit') });
    await expect(ctx.c.compliance.log(actor, { decision: 'maybe' })).rejects.toMatchObject({ code: 'VALIDATION', message: expect.stringContaining('decision') });
  });

  it("stops every channel to an owner who said stop on one, and counts a consent only from when it was given", async () => {
    const { actor } = await ctx.newOrganization();
    const lead = await ctx.newLead(actor.organizationId);
    await ctx.c.compliance.recordConsent(actor, { phone: lead.phone, ...PEWC, scope: ['sms'], captured_at: '2026-03-01T12:00:00-05:00' });
    expect(await ctx.c.compliance.check(actor, { lead_id: lead.id, channel: 'sms', at: '2026-02-20T13:00:00-05:00' }))
      .toMatchObject({ decision: 'deny', reason: 'PEWC_REQUIRED:SMS_MARKETING' }); // before it was given
    await ctx.c.compliance.revokeConsent(actor, { phone: lead.phone, channel: 'sms', text: 'STOP', at: '2026-03-05T12:00:00-05:00' });
    // the owner's e-mail: no marketing after a STOP on their phone
    expect(await ctx.c.compliance.check(actor, { lead_id: lead.id, channel: 'email', at: '2026-03-10T11:00:00-04:00' }))
      .toMatchObject({ decision: 'deny', reason: 'CONSENT_REVOKED' });
    // a person who is removed takes nothing with them: the consent stays, its link cleared
    await exec(actor, sql`UPDATE lead SET person_id = NULL WHERE id = ${lead.id}::uuid`);
    await exec(actor, sql`DELETE FROM contact_point WHERE person_id = ${lead.person_id}::uuid`);
    await exec(actor, sql`DELETE FROM person WHERE id = ${lead.person_id}::uuid`);
    expect((await ctx.c.compliance.consents(actor, { phone: lead.phone })).length).toBe(1);
  });
});

describe('opt-outs per channel', () => {
  it('a voice opt-out stops calls but not texts, and keeps the lead contactable; a later full opt-out stops everything', async () => {
    const { actor } = await ctx.newOrganization();
    const lead = await ctx.newLead(actor.organizationId);
    await ctx.c.compliance.recordConsent(actor, { phone: lead.phone, ...PEWC, captured_at: '2026-01-01T12:00:00-06:00' });
    const at = '2026-03-10T11:00:00-05:00';
    expect(await ctx.c.dnc.add(actor, { phone: lead.phone, reason: 'no more calls', source: 'voice_opt_out', channels: ['ai_call', 'call'] })).toMatchObject({ added: true, channels: ['ai_call', 'call'] });
    expect(await ctx.c.compliance.check(actor, { lead_id: lead.id, channel: 'call', at })).toMatchObject({ decision: 'deny', reason: 'INTERNAL_DNC' });
    expect(await ctx.c.compliance.check(actor, { lead_id: lead.id, channel: 'sms', at })).toMatchObject({ decision: 'allow' });
    const [listed] = await exec<{ listed: boolean }>(actor, sql`SELECT on_dnc_list(app_org_id(), ${lead.person_id}::uuid) AS listed`);
    expect(listed!.listed).toBe(false);
    // listed again for every channel: the wider entry holds
    expect(await ctx.c.dnc.add(actor, { phone: lead.phone, reason: 'STOP' })).toMatchObject({ added: false, channels: null });
    expect(await ctx.c.compliance.check(actor, { lead_id: lead.id, channel: 'sms', at })).toMatchObject({ decision: 'deny', reason: 'INTERNAL_DNC' });
    // an email's only channel is email
    await expect(ctx.c.dnc.add(actor, { email: lead.email, channels: ['call'] })).rejects.toMatchObject({ code: 'VALIDATION' });
  });
});

describe('revocations reach the owner', () => {
  it("a STOP from a number with no consent on file stops marketing to the owner's other numbers", async () => {
    const { actor } = await ctx.newOrganization();
    const lead = await ctx.newLead(actor.organizationId);
    const other = '+15125550177';
    // verified: the number a check on the lead uses
    await exec(actor, sql`INSERT INTO contact_point (organization_id, person_id, kind, value, value_hash, display, sources, verified)
      VALUES (app_org_id(), ${lead.person_id}::uuid, 'phone', ${other}, ${ctx.c.pii.hash(other)}, 'other', '{test}', true)`);
    await ctx.c.compliance.recordConsent(actor, { phone: other, ...PEWC, captured_at: '2026-01-01T12:00:00-06:00' });
    const at = '2026-03-10T11:00:00-05:00';
    expect(await ctx.c.compliance.check(actor, { phone: other, zip: '78701', channel: 'sms', at })).toMatchObject({ decision: 'allow' });
    // the lead's first phone never consented; its owner texts STOP to it
    await ctx.c.compliance.revokeConsent(actor, { phone: lead.phone, channel: 'sms', text: 'STOP', at: '2026-03-09T12:00:00-05:00' });
    // the lead is reached at the other number, which did consent: closed too, to texts and, as a revocation, to calls
    expect(await ctx.c.compliance.check(actor, { lead_id: lead.id, channel: 'sms', at })).toMatchObject({ decision: 'deny', reason: 'OPTED_OUT' });
    expect(await ctx.c.compliance.check(actor, { lead_id: lead.id, channel: 'call', at })).toMatchObject({ decision: 'deny', reason: 'CONSENT_REVOKED' });
  });
});
