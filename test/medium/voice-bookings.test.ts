import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Actor } from '../../src/db/tenant.ts';
import { AiConfig, VoiceConfig } from '../../src/domain/voice/config.repository.ts';
import { createTestContext, type TestContext } from '../support/context.ts';
import { austinLead, outreachOrg, PEWC, rows, TUESDAY_MORNING } from '../support/outreach.ts';

// Bookings (no double-booking of an estimator, confirmation and reminder through the outbox,
// reschedule and cancel), each user's voice and AI configuration, and a sequence's AI call step.

let clock = TUESDAY_MORNING;
let ctx: TestContext;
let actor: Actor;
let orgId: string;
let estimator: string;

beforeAll(async () => {
  ctx = await createTestContext({ now: () => clock });
  const o = await outreachOrg(ctx);
  actor = o.actor;
  orgId = o.org.id;
  estimator = (await ctx.newUser(orgId, 'agent')).user.id;
});
afterAll(() => ctx.close());

const at = (h: number) => new Date(Date.UTC(2026, 2, 12, h)).toISOString();
const messages = (ids: (string | null)[]) => rows<{ id: string; status: string; scheduled_for: Date; purpose: string; body: string }>(ctx, actor, sql`
  SELECT id, status, scheduled_for, purpose, body FROM message WHERE id = ANY(${ids.filter(Boolean)}::uuid[]) ORDER BY scheduled_for`);

describe('bookings', () => {
  it('confirms at once and reminds a day before, through the outbox', async () => {
    const lead = await austinLead(ctx, actor);
    const b = await ctx.c.voice.bookings.create(actor, { lead_id: lead.id, estimator_id: estimator, window_start: at(19), window_end: at(20), location: '100 Oak St' });
    expect(b).toMatchObject({ status: 'confirmed', revision: 1, booking_type: 'inspection', confirmation_sent: true });
    const [confirm, remind] = await messages([b.confirmation_message_id, b.reminder_message_id]);
    expect(confirm).toMatchObject({ status: 'sent', purpose: 'informational' });
    expect(confirm!.body).toContain('inspection is confirmed for Thu, Mar 12');
    expect(remind).toMatchObject({ status: 'pending', scheduled_for: new Date(Date.parse(at(19)) - 86_400_000) });
  });

  it("never double-books an estimator's window; another estimator, or the next hour, is fine", async () => {
    const lead = await austinLead(ctx, actor);
    await ctx.c.voice.bookings.create(actor, { lead_id: lead.id, estimator_id: estimator, window_start: at(14), window_end: at(15) });
    await expect(ctx.c.voice.bookings.create(actor, { lead_id: lead.id, estimator_id: estimator, window_start: new Date(Date.parse(at(14)) + 1_800_000).toISOString(), window_end: at(16) }))
      .rejects.toMatchObject({ code: 'CONFLICT', details: [expect.objectContaining({ field: 'window_start' })] });
    await ctx.c.voice.bookings.create(actor, { lead_id: lead.id, estimator_id: actor.userId!, window_start: at(14), window_end: at(15) });
    await ctx.c.voice.bookings.create(actor, { lead_id: lead.id, estimator_id: estimator, window_start: at(15), window_end: at(16) });
  });

  it('reschedules with a new confirmation and reminder, withdrawing the old reminder; a cancelled window is free again', async () => {
    const lead = await austinLead(ctx, actor);
    const b = await ctx.c.voice.bookings.create(actor, { lead_id: lead.id, estimator_id: estimator, window_start: at(21), window_end: at(22) });
    const moved = await ctx.c.voice.bookings.reschedule(actor, b.id, { window_start: at(22), window_end: at(23) });
    expect(moved).toMatchObject({ status: 'rescheduled', revision: 2 });
    expect(moved.reminder_message_id).not.toBe(b.reminder_message_id);
    const [old] = await messages([b.reminder_message_id]);
    expect(old).toMatchObject({ status: 'cancelled' });
    const cancelled = await ctx.c.voice.bookings.setStatus(actor, b.id, 'cancelled');
    expect(cancelled.status).toBe('cancelled');
    expect((await messages([moved.reminder_message_id]))[0]).toMatchObject({ status: 'cancelled' });
    await expect(ctx.c.voice.bookings.reschedule(actor, b.id, { window_start: at(22), window_end: at(23) })).rejects.toMatchObject({ code: 'CONFLICT' });
    await ctx.c.voice.bookings.create(actor, { lead_id: lead.id, estimator_id: estimator, window_start: at(22), window_end: at(23) });
    expect((await ctx.c.voice.bookings.list(actor, { estimator, from: at(0), to: at(23) })).map((x) => x.status)).toContain('cancelled');
  });

  it('refuses bad input, naming the field', async () => {
    const lead = await austinLead(ctx, actor);
    await expect(ctx.c.voice.bookings.create(actor, { lead_id: lead.id, estimator_id: estimator, window_start: at(10), window_end: at(9) }))
      .rejects.toMatchObject({ code: 'VALIDATION', details: [expect.objectContaining({ field: 'window_end' })] });
    await expect(ctx.c.voice.bookings.create(actor, { lead_id: lead.id, estimator_id: estimator, window_start: at(1), window_end: at(20) }))
      .rejects.toMatchObject({ code: 'VALIDATION' });
    await expect(ctx.c.voice.bookings.create(actor, { lead_id: lead.id, estimator_id: estimator, window_start: at(5), window_end: at(6), booking_type: 'party' }))
      .rejects.toMatchObject({ code: 'VALIDATION', details: [expect.objectContaining({ field: 'booking_type' })] });
    await expect(ctx.c.voice.bookings.create(actor, { lead_id: lead.id, estimator_id: '00000000-0000-4000-8000-000000000000', window_start: at(5), window_end: at(6) }))
      .rejects.toMatchObject({ code: 'VALIDATION', details: [expect.objectContaining({ field: 'estimator_id' })] });
  });
});

describe('voice and AI configuration', () => {
  it("has the seed's defaults, the same in the code as in the tables", async () => {
    const cfg = await ctx.c.voice.config.get(actor, 'voice', estimator);
    expect(cfg).toMatchObject({ saved: false, tts_vendor: 'elevenlabs', asr_vendor: 'deepgram', llm_model: 'gpt-4o-mini', max_tokens: 150, max_call_duration_minutes: 15, jurisdiction: 'US', require_consent: true });
    for (const [table, schema] of [['voice_configuration', VoiceConfig], ['ai_configuration', AiConfig]] as const) {
      await rows(ctx, actor, sql`INSERT INTO ${sql.table(table)} (organization_id, user_id) VALUES (app_org_id(), ${estimator}) ON CONFLICT DO NOTHING`);
      const kind = table === 'voice_configuration' ? 'voice' : 'ai';
      const { saved, user_id: _u, kind: _k, ...stored } = await ctx.c.voice.config.get(actor, kind, estimator);
      expect(saved).toBe(true);
      expect(stored).toEqual(schema.parse({}));
    }
  });

  it('validates ranges, naming the field, and keeps DNC compliance on', async () => {
    await expect(ctx.c.voice.config.set(actor, 'voice', { max_retries: 9 }, estimator)).rejects.toMatchObject({ code: 'VALIDATION', details: [expect.objectContaining({ field: 'max_retries' })] });
    await expect(ctx.c.voice.config.set(actor, 'voice', { temperature: 3 }, estimator)).rejects.toMatchObject({ details: [expect.objectContaining({ field: 'temperature' })] });
    await expect(ctx.c.voice.config.set(actor, 'voice', { dnc_compliance: false }, estimator)).rejects.toMatchObject({ details: [expect.objectContaining({ field: 'dnc_compliance' })] });
    await expect(ctx.c.voice.config.set(actor, 'ai', { ai_creativity: 1.5 }, estimator)).rejects.toMatchObject({ details: [expect.objectContaining({ field: 'ai_creativity' })] });
    await expect(ctx.c.voice.config.set(actor, 'ai', { colour: 'red' }, estimator)).rejects.toMatchObject({ details: [expect.objectContaining({ field: 'colour' })] });
    // the table refuses what the code would have let through
    await expect(rows(ctx, actor, sql`UPDATE voice_configuration SET speaking_rate = 5 WHERE user_id = ${estimator}`)).rejects.toThrow(/speaking_rate/);
    const set = await ctx.c.voice.config.set(actor, 'ai', { voice_speed: 1.2, common_objections: ['price'] }, estimator);
    expect(set).toMatchObject({ voice_speed: 1.2, common_objections: ['price'], max_objections: 3 });
  });

  it('is each user\'s own: an agent changes theirs, not a colleague\'s', async () => {
    const agent = await ctx.newUser(orgId, 'agent');
    await ctx.c.voice.config.set(agent.actor, 'voice', { voice_style: 'friendly' });
    await expect(ctx.c.voice.config.set(agent.actor, 'voice', { voice_style: 'casual' }, estimator)).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(rows(ctx, agent.actor, sql`INSERT INTO voice_configuration (organization_id, user_id) VALUES (app_org_id(), ${actor.userId})`)).rejects.toThrow(/not allowed|row-level security/);
  });

  it('refuses calls under a jurisdiction the gate does not know, and AI calls when AI voice is off', async () => {
    const lead = await austinLead(ctx, actor);
    await ctx.c.voice.config.set(actor, 'voice', { jurisdiction: 'EU' });
    await expect(ctx.c.voice.calls.start(actor, { lead_id: lead.id })).rejects.toMatchObject({ code: 'VALIDATION', details: [expect.objectContaining({ field: 'jurisdiction' })] });
    await ctx.c.voice.config.set(actor, 'voice', { jurisdiction: 'US' });
    await ctx.c.voice.config.set(actor, 'ai', { voice_enabled: false });
    await expect(ctx.c.voice.calls.start(actor, { lead_id: lead.id })).rejects.toMatchObject({ code: 'VALIDATION', details: [expect.objectContaining({ field: 'agent' })] });
    await ctx.c.voice.config.set(actor, 'ai', { voice_enabled: true });
  });

  it('asks for consent before a live call when the caller requires it (the default), not when they do not', async () => {
    const lead = await austinLead(ctx, actor, { consent: false });
    const denied = await ctx.c.voice.calls.start(actor, { lead_id: lead.id, agent: 'human', scenario: 'no_answer' });
    expect(denied).toMatchObject({ blocked_reason: 'NO_CONSENT_CALLER_POLICY' });
    await ctx.c.voice.config.set(actor, 'voice', { require_consent: false });
    // without the caller's rule the law's remain: a live marketing call without written consent needs a fresh registry scrub
    const placed = await ctx.c.voice.calls.start(actor, { lead_id: lead.id, agent: 'human', scenario: 'no_answer' });
    expect(placed).toMatchObject({ blocked_reason: 'DNC_DATA_STALE' });
    await ctx.c.voice.config.set(actor, 'voice', { require_consent: true });
  });
});

describe("a sequence's AI call step", () => {
  it('places an AI call through the gate, and its outcome steers the next branch', async () => {
    const lead = await austinLead(ctx, actor, { consent: false });
    await ctx.c.compliance.recordConsent(actor, { phone: lead.phone, ...PEWC, scope: ['sms', 'voice', 'ai_voice'] });
    const n = (key: string, type: string, config?: unknown) => ({ key, type, ...(config ? { config } : {}) });
    const s = await ctx.c.sequences.create(actor, {
      name: 'AI call', timezone: 'America/Chicago', working_hours_start: '09:00', working_hours_end: '17:00', working_days: [1, 2, 3, 4, 5],
      nodes: [n('start', 'START'), n('call', 'VOICE_CALL', { template: { body: 'Ask about a roof inspection' }, agent: 'ai' }), n('wait', 'WAIT', { hours: 1 }),
        n('booked?', 'CONDITION', { on: 'call_outcome', value: ['scheduled', 'follow_up', 'rejected', 'voicemail', 'no_answer', 'opt_out', 'failed'] }),
        n('thanks', 'SMS', { template: { body: 'Thanks for talking with us!' } }), n('done', 'END')],
      edges: [{ from: 'start', to: 'call' }, { from: 'call', to: 'wait' }, { from: 'wait', to: 'booked?' }, { from: 'booked?', to: 'thanks', branch: 'yes' }, { from: 'booked?', to: 'done', branch: 'no' }, { from: 'thanks', to: 'done' }],
    });
    await ctx.c.sequences.enroll(actor, s.id, { lead_id: lead.id });
    await ctx.c.sequenceEngine.tick(actor);
    expect(await ctx.c.voice.calls.tick(actor)).toMatchObject({ played: 1 });
    const [call] = await rows<{ agent: string; source: string; status: string; outcome: string; enrollment_id: string }>(ctx, actor, sql`
      SELECT agent, source, status, outcome, enrollment_id FROM voice_call WHERE lead_id = ${lead.id}`);
    expect(call).toMatchObject({ agent: 'ai', source: 'sequence' });
    expect(call!.outcome).not.toBeNull();
    clock = new Date(clock.getTime() + 2 * 3_600_000);
    await ctx.c.sequenceEngine.tick(actor);
    const sent = await rows<{ channel: string }>(ctx, actor, sql`SELECT channel FROM message WHERE lead_id = ${lead.id} AND source = 'sequence' ORDER BY created_at`);
    // an opt-out on the call stops the sequence before its text
    expect(sent.map((m) => m.channel)).toEqual(call!.outcome === 'opt_out' ? ['ai_call'] : ['ai_call', 'sms']);
    clock = TUESDAY_MORNING;
  });
});
