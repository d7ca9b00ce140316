import fs from 'node:fs';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withTenant, type Actor } from '../../src/db/tenant.ts';
import { updateOutreachSettings } from '../../src/domain/outreach/outreach-settings.ts';
import type { Channels } from '../../src/domain/outreach/outbox.ts';
import { createLocalChannel } from '../../src/providers/channels/local.ts';
import type { ChannelAdapter, OutboundMessage } from '../../src/providers/channels/ports.ts';
import { createTestContext, type TestContext } from '../support/context.ts';
import { enqueueFor } from '../support/outreach.ts';

// Nothing leaves without the gate. Two proofs: no code but the outbox can reach a channel
// adapter (the source is read), and every message any engine hands to an adapter carries an
// allowing decision of the gate that was stored before the hand-over (adapters are spied on).

const SRC = path.join(import.meta.dirname, '../../src');
const ADAPTER_MODULES = /providers\/channels\/(local|smtp|twilio|registry)(\.ts)?['"]/;
/** Who may import an adapter module: the container makes them (the outbox is handed them). */
const MAY_IMPORT = new Set(['app/container.ts']);
/** Who may touch the adapters the container made. */
const MAY_USE = new Set(['app/container.ts', 'domain/outreach/outbox.ts']);

function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return sources(p);
    return e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') ? [p] : [];
  });
}

describe('only the outbox reaches a channel adapter', () => {
  const files = sources(SRC).map((f) => ({ rel: path.relative(SRC, f).split(path.sep).join('/'), text: fs.readFileSync(f, 'utf8') }));

  it('imports adapter modules only in the container and the outbox', () => {
    const importers = files.filter((f) => !f.rel.startsWith('providers/channels/') && f.text.split('\n').some((l) => /^\s*import\b/.test(l) && ADAPTER_MODULES.test(l)));
    expect(importers.length).toBeGreaterThan(0);
    expect(importers.map((f) => f.rel).filter((r) => !MAY_IMPORT.has(r))).toEqual([]);
  });

  it("uses the container's adapters only in the outbox", () => {
    // an adapter's methods called, or the container's adapters reached for
    const reach = /\.(email|sms|voice)\s*\.\s*(send|lookup)\s*\(|\bchannels\s*\[[^\]]+\]\s*\.\s*(send|lookup)\b|\badapter\s*\.\s*(send|lookup)\s*\(|\b(c|container)\s*\.\s*channels\b/;
    const users = files.filter((f) => !f.rel.startsWith('providers/channels/') && reach.test(f.text)).map((f) => f.rel);
    expect(users).toContain('domain/outreach/outbox.ts');
    expect(users.filter((r) => !MAY_USE.has(r))).toEqual([]);
  });
});

describe('every message handed over was allowed by the gate first', () => {
  let ctx: TestContext;
  const handed: OutboundMessage[] = [];
  const clock = new Date('2026-03-10T16:00:00Z'); // 11:00 in Austin, a Tuesday
  beforeAll(async () => {
    // spies around the local adapters, made before the container so every engine gets them
    const spy = (inner: () => ChannelAdapter): ChannelAdapter => {
      let made: ChannelAdapter | null = null;
      const get = () => (made ??= inner());
      return { name: 'spy', port: 'sms', send: async (b) => (handed.push(...b), get().send(b)), lookup: (o, k) => get().lookup!(o, k) };
    };
    const later: { db?: TestContext['db'] } = {};
    const channels: Channels = {
      email: spy(() => createLocalChannel(later.db!, 'email')),
      sms: spy(() => createLocalChannel(later.db!, 'sms')),
      voice: spy(() => createLocalChannel(later.db!, 'voice')),
    };
    ctx = await createTestContext({ now: () => clock, channels, env: { PORCHLIGHT_PUBLIC_URL: 'https://porchlight.example.com' } });
    later.db = ctx.db;
  });
  afterAll(async () => ctx.close());

  const rows = <T>(actor: Actor, q: ReturnType<typeof sql>) => withTenant(ctx.c.db, actor, async (trx) => (await q.execute(trx)).rows as T[]);

  it('holds for every message the outbox handled, allowed or not', async () => {
    const { actor, org } = await ctx.newOrganization();
    await withTenant(ctx.c.db, actor, (trx) => updateOutreachSettings({
      sender_name: 'Acme Roofing', from_phone: '+15125550199', from_email: 'hello@acme.example', postal_address: '100 Congress Ave, Austin, TX 78701', email_authenticated: true,
    }, trx));
    const consenting = await ctx.newLead(org.id);
    const cold = await ctx.newLead(org.id);
    await ctx.c.compliance.recordConsent(actor, {
      phone: consenting.phone, seller_name: 'Acme Roofing', scope: ['sms'], type: 'pewc', method: 'web_form', captured_at: '2026-01-01T00:00:00Z', disclosure_text: 'I agree to texts.',
    });
    await enqueueFor(ctx, actor, [
      { lead: consenting.id, channel: 'sms', key: 'a' },
      { lead: cold.id, channel: 'sms', key: 'b' },
      { lead: cold.id, channel: 'email', key: 'c', subject: 'Spring roof check' },
    ]);
    await ctx.c.outbox.dispatch(actor);
    expect(handed.length).toBeGreaterThan(0);
    await expectAllAllowed(actor, handed.filter((h) => h.organizationId === org.id));
    // the cold lead's text was refused and never handed over
    expect(handed.map((h) => h.idempotencyKey)).not.toContain('b');
  });

  it('holds for every engine: a person, a campaign, a sequence, the replies to STOP and HELP, and the FAQ auto-responder', async () => {
    const { actor, org, owner } = await ctx.newOrganization();
    await withTenant(ctx.c.db, actor, (trx) => updateOutreachSettings({
      sender_name: 'Acme Roofing', from_phone: '+15125550199', from_email: 'hello@acme.example', postal_address: '100 Congress Ave, Austin, TX 78701', email_authenticated: true,
    }, trx));
    const leads = [await ctx.newLead(org.id, { assignee_id: owner.id }), await ctx.newLead(org.id, { assignee_id: owner.id }), await ctx.newLead(org.id, { assignee_id: owner.id })];
    for (const l of leads) await rows(actor, sql`UPDATE person SET mailing_zip = '78701', mailing_state = 'TX' WHERE id = ${l.person_id}::uuid`);
    // written consent for the first two; the third gets refusals, which must never reach an adapter
    for (const l of leads.slice(0, 2)) {
      await ctx.c.compliance.recordConsent(actor, { phone: l.phone, seller_name: 'Acme Roofing', scope: ['sms'], type: 'pewc', method: 'web_form', captured_at: '2026-01-01T00:00:00Z', disclosure_text: 'I agree to texts.' });
    }
    const before = handed.length;
    for (const l of leads) await ctx.c.messages.send(actor, { lead_id: l.id, channel: 'sms', body: 'Hi, a quick question about your roof.' });
    await ctx.c.templates.create(actor, { name: 'Spring', channel: 'sms', body: 'Hi {{person.first_name}}, spring roof check?' });
    const segment = await ctx.c.segments.create(actor, { name: 'Everyone', filter: {} });
    const campaign = await ctx.c.campaigns.create(actor, { name: 'Spring', template: 'Spring', segment: segment.id });
    await ctx.c.campaigns.launch(actor, campaign.id);
    const seq = await ctx.c.sequences.create(actor, { name: 'Nurture', steps: [{ delay_days: 0, channel: 'sms', template: { body: 'Welcome, {{person.first_name}}.' } }] });
    for (const l of leads) await ctx.c.sequences.enroll(actor, seq.id, { lead_id: l.id });
    await ctx.c.sequenceEngine.tick(actor);
    await ctx.c.faq.add(actor, { question: 'Do you offer free estimates?', answer: 'Always free.' });
    await ctx.c.inbound.receiveSms(org.id, { MessageSid: 'SM00000000000000000000000000000001', From: leads[0]!.phone, To: '+15125550199', Body: 'do you offer free estimates?', AccountSid: 'AC0' });
    await ctx.c.inbound.receiveSms(org.id, { MessageSid: 'SM00000000000000000000000000000002', From: leads[1]!.phone, To: '+15125550199', Body: 'HELP', AccountSid: 'AC0' });
    await ctx.c.inbound.receiveSms(org.id, { MessageSid: 'SM00000000000000000000000000000003', From: leads[2]!.phone, To: '+15125550199', Body: 'STOP', AccountSid: 'AC0' });
    await ctx.c.outbox.dispatch(actor);

    const mine = handed.slice(before).filter((h) => h.organizationId === org.id);
    await expectAllAllowed(actor, mine);
    // every engine got something out, and the lead without consent got nothing but the opt-out confirmation
    const sources = await rows<{ source: string; purpose: string }>(actor, sql`SELECT DISTINCT source, purpose FROM message WHERE id = ANY(${mine.map((m) => m.messageId)}::uuid[]) ORDER BY 1, 2`);
    expect(sources.map((r) => `${r.source}/${r.purpose}`)).toEqual(expect.arrayContaining(['manual/marketing', 'campaign/marketing', 'sequence/marketing', 'faq/informational', 'system/help_reply', 'system/opt_out_confirmation']));
    const third = await rows<{ purpose: string }>(actor, sql`SELECT purpose FROM message WHERE lead_id = ${leads[2]!.id}::uuid AND id = ANY(${mine.map((m) => m.messageId)}::uuid[])`);
    expect(third.map((r) => r.purpose)).toEqual(['opt_out_confirmation']);
    const refused = await rows<{ n: number }>(actor, sql`SELECT count(*)::int AS n FROM message WHERE status = 'cancelled' AND decision = 'deny'`);
    expect(refused[0]!.n).toBeGreaterThanOrEqual(3);
  });

  async function expectAllAllowed(actor: Actor, messages: OutboundMessage[]) {
    const found = await rows<{ id: string; decision: string; verdict: string; decided_at: Date; handed_at: Date }>(actor, sql`
      SELECT m.id, m.decision, d.decision AS verdict, d.at AS decided_at, m.handed_at
      FROM message m JOIN compliance_decision d ON d.organization_id = m.organization_id AND d.id = m.decision_id
      WHERE m.id = ANY(${messages.map((m) => m.messageId)}::uuid[])`);
    expect(found.length).toBe(messages.length);
    for (const f of found) {
      expect(f).toMatchObject({ decision: 'allow', verdict: 'allow' });
      expect(f.decided_at.getTime()).toBeLessThanOrEqual(f.handed_at.getTime());
    }
  }
});
