import { sql } from 'kysely';
import { withTenant, type Actor } from '../../src/db/tenant.ts';
import { readOutreachSettings, updateOutreachSettings } from '../../src/domain/outreach/outreach-settings.ts';
import type { Channel, Purpose } from '../../src/domain/compliance/gate.ts';
import type { Draft } from '../../src/domain/outreach/outbox.repository.ts';
import { loadRecipients } from '../../src/domain/outreach/recipients.repository.ts';
import type { TestContext } from './context.ts';

// An organization ready to send: sender, numbers and postal address set, leads whose owners
// live in Austin (so the gate knows their hours), and written consent where a test wants it.

/** Where the unsubscribe links of marketing emails point (the gate refuses an email without one). */
export const PUBLIC_ENV = { PORCHLIGHT_PUBLIC_URL: 'https://porchlight.example.com' };

/** Tuesday 10:00 in Austin: inside every calling and texting window. */
export const TUESDAY_MORNING = new Date('2026-03-10T15:00:00Z');

export const PEWC = {
  seller_name: 'Acme Roofing', scope: ['sms', 'voice'], type: 'pewc', method: 'web_form', captured_at: '2026-01-01T12:00:00Z',
  disclosure_text: 'I agree that Acme Roofing may text me at this number using automated technology.',
};

export const SETTINGS = {
  sender_name: 'Acme Roofing', from_phone: '+15125550199', from_email: 'hello@acme-roofing.example',
  postal_address: '100 Congress Ave, Austin, TX 78701', email_authenticated: true,
};

export const rows = async <T>(ctx: TestContext, actor: Actor, q: ReturnType<typeof sql>) =>
  withTenant(ctx.c.db, actor, async (trx) => (await q.execute(trx)).rows as T[]);

export async function outreachOrg(ctx: TestContext, settings: Record<string, unknown> = SETTINGS) {
  const o = await ctx.newOrganization();
  await withTenant(ctx.c.db, o.actor, (trx) => updateOutreachSettings(settings, trx));
  return o;
}

/** A lead whose owner's mailing address is in Austin; with PEWC for its phone unless `consent: false`. */
export async function austinLead(ctx: TestContext, actor: Actor, opts: { consent?: boolean; lead_score?: number } = {}) {
  const lead = await ctx.newLead(actor.organizationId, { lead_score: opts.lead_score });
  await rows(ctx, actor, sql`UPDATE person SET mailing_zip = '78701', mailing_state = 'TX' WHERE id = ${lead.person_id}::uuid`);
  if (opts.consent !== false) await ctx.c.compliance.recordConsent(actor, { phone: lead.phone, ...PEWC });
  return lead;
}

// Drafts to a lead's owner as an engine writes them, for tests of the outbox and the gate.

export interface DraftSpec {
  lead: string;
  key: string;
  channel?: Channel;
  purpose?: Purpose;
  subject?: string;
  body?: string;
  at?: Date;
}

export async function draftsFor(ctx: TestContext, actor: Actor, specs: DraftSpec[]): Promise<Draft[]> {
  return withTenant(ctx.c.db, actor, async (trx) => {
    const settings = await readOutreachSettings(trx);
    const out: Draft[] = [];
    for (const s of specs) {
      const channel = s.channel ?? 'sms';
      const r = (await loadRecipients(trx, ctx.c.pii, [s.lead], channel, settings)).get(s.lead)!;
      out.push({
        key: s.key, source: 'manual', senderType: 'user', channel, purpose: s.purpose ?? 'marketing', leadId: s.lead, personId: r.personId,
        kind: r.contact!.kind, hash: r.contact!.hash, display: r.contact!.display, sealed: r.contact!.sealed,
        subject: s.subject ?? null, body: s.body ?? 'Hi Pat, is your roof ready for spring?', at: s.at ?? null,
      });
    }
    return out;
  });
}

export async function enqueueFor(ctx: TestContext, actor: Actor, specs: DraftSpec[]) {
  const drafts = await draftsFor(ctx, actor, specs);
  return withTenant(ctx.c.db, actor, (trx) => ctx.c.outbox.enqueue(drafts, trx));
}
