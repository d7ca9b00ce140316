import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withTenant, type Actor } from '../../src/db/tenant.ts';
import { playScript } from '../../src/providers/voice/local-script.ts';
import { createTestContext, type TestContext } from '../support/context.ts';
import { austinLead, outreachOrg, PEWC, rows, TUESDAY_MORNING } from '../support/outreach.ts';

// Calls end to end on the local voice adapter: placed through the gate, played as a scripted
// conversation, analyzed, priced, billed once, retried by policy; a spoken opt-out; recording
// only with a disclosure; the maximum duration; carrier events applied once and in any order.

const AI_PEWC = { ...PEWC, scope: ['sms', 'voice', 'ai_voice'], disclosure_text: 'I agree that Acme Roofing may call me at this number with an artificial voice.' };
let clock = TUESDAY_MORNING;
let ctx: TestContext;
let actor: Actor;
let ownerId: string;

beforeAll(async () => {
  ctx = await createTestContext({ now: () => clock });
  const o = await outreachOrg(ctx);
  actor = o.actor;
  ownerId = o.owner.id;
});
afterAll(() => ctx.close());

async function aiLead(opts: { consent?: boolean; state?: { zip: string; state: string } } = {}) {
  const lead = await austinLead(ctx, actor, { consent: false });
  if (opts.state) await rows(ctx, actor, sql`UPDATE person SET mailing_zip = ${opts.state.zip}, mailing_state = ${opts.state.state} WHERE id = ${lead.person_id}::uuid`);
  if (opts.consent !== false) await ctx.c.compliance.recordConsent(actor, { phone: lead.phone, ...AI_PEWC });
  return lead;
}
const callRow = async (id: string) => (await rows<Record<string, unknown>>(ctx, actor, sql`SELECT * FROM voice_call WHERE id = ${id}::uuid`))[0]!;

describe('a call placed with the local voice adapter', () => {
  it('goes through the gate, plays a conversation, books the inspection and bills once', async () => {
    const lead = await aiLead();
    const call = await ctx.c.voice.calls.start(actor, { lead_id: lead.id, goal: 'schedule', scenario: 'scheduled' });
    expect(call.gate_decision).toBe('allow');
    expect(call.status).toBe('completed');
    expect(call.outcome).toBe('scheduled');
    expect(call.interest_level).toBe('high');
    expect(call.turns.map((t) => t.role)).toContain('tool');
    expect(call.turns[0]).toMatchObject({ role: 'agent', seq: 1 });
    expect(call.turns[0]!.text).toContain('AI assistant');
    expect(call.turns[0]!.text).toContain('recorded');
    expect(call.recorded).toBe(true);
    expect(call.recording_url).toMatch(/^local:\/\/recordings\//);
    expect(call.events.map((e) => e.event_type)).toEqual(expect.arrayContaining(['call_initiated', 'call_ringing', 'call_answered', 'call_ended']));
    expect(call.duration_seconds).toBeGreaterThan(0);
    expect(call.first_audio_latency_ms).toBeGreaterThan(0);
    expect(call.p95_latency_ms).toBeGreaterThan(0);
    expect(Number(call.total_cost_cents)).toBe(Number(call.call_cost_cents) + Number(call.ai_cost_cents));
    expect(Number(call.ai_cost_cents)).toBe(Math.ceil(Number(call.duration_seconds) / 60) * 12);
    expect(call.booking).toMatchObject({ status: 'confirmed', booking_type: 'inspection', estimator_id: ownerId });
    const booking = await ctx.c.voice.bookings.show(actor, String((call.booking as { id: string }).id));
    expect(booking.confirmation_message_id).not.toBeNull();
    // the lead's timeline shows the call with its outcome, and the booking
    const timeline = await ctx.c.timeline.forLead(actor, lead.id, { kind: 'call,booking' });
    expect(timeline.data.map((e) => e.summary)).toEqual(expect.arrayContaining([expect.stringMatching(/^AI call outbound completed: scheduled \(\d+ s\)$/), expect.stringMatching(/^Inspection confirmed for 2026-03-12/)]));

    const billed = async () => rows<{ metric: string; n: number }>(ctx, actor, sql`
      SELECT metric, count(*)::int AS n FROM billing_usage WHERE subject_id IN (${call.id}::uuid, ${call.message_id}::uuid) GROUP BY metric ORDER BY metric`);
    const ledger = async () => rows<{ n: number; cents: string }>(ctx, actor, sql`SELECT count(*)::int AS n, sum(cost_cents)::text AS cents FROM cost_ledger WHERE idempotency_key = ${`voice_call:${call.id}`}`);
    expect(await billed()).toEqual([{ metric: 'call_placed', n: 1 }, { metric: 'voice_minutes', n: 1 }]);
    expect(await ledger()).toEqual([{ n: 1, cents: String(call.total_cost_cents) }]);

    // the carrier delivers every event again: nothing changes
    const before = await callRow(String(call.id));
    const replay = playScript({
      providerCallId: String(call.provider_call_id), placedAt: new Date(), seed: String(call.id), goal: 'schedule', ai: true, senderName: 'Acme Roofing',
      firstName: 'Pat', recordingDisclosure: 'x', maxDurationSeconds: 300, scenario: 'scheduled',
    });
    const report = await ctx.c.voice.calls.receiveEvents(actor, replay);
    expect(report).toMatchObject({ applied: 0, duplicates: replay.length });
    expect(await callRow(String(call.id))).toEqual(before);
    expect(await billed()).toEqual([{ metric: 'call_placed', n: 1 }, { metric: 'voice_minutes', n: 1 }]);
    expect(await ledger()).toEqual([{ n: 1, cents: String(call.total_cost_cents) }]);
  });

  it('is blocked by the gate without consent for an artificial voice, and never rings', async () => {
    const lead = await aiLead({ consent: false });
    const call = await ctx.c.voice.calls.start(actor, { lead_id: lead.id });
    expect(call).toMatchObject({ status: 'failed', blocked_reason: 'NO_CONSENT_ARTIFICIAL_VOICE', gate_decision: 'deny', outcome: null });
    expect(call.events).toEqual([]);
  });

  it('puts the number on the list the moment the owner says to stop calling', async () => {
    const lead = await aiLead();
    const call = await ctx.c.voice.calls.start(actor, { lead_id: lead.id, scenario: 'opt_out' });
    expect(call.outcome).toBe('opt_out');
    const listed = await rows<{ channels: string[] | null; source: string }>(ctx, actor, sql`
      SELECT d.channels, d.source FROM dnc_entry d JOIN contact_point c ON c.organization_id = d.organization_id AND c.value_hash = d.value_hash
      WHERE c.person_id = ${lead.person_id}::uuid AND c.kind = 'phone'`);
    expect(listed).toEqual([{ channels: null, source: 'call_opt_out' }]);
    const again = await ctx.c.voice.calls.start(actor, { lead_id: lead.id });
    expect(again).toMatchObject({ status: 'failed', gate_decision: 'deny' });
    expect(String(again.blocked_reason)).toMatch(/INTERNAL_DNC|OPTED_OUT|CONSENT_REVOKED/);
  });

  it('records a call only when it opens with the disclosure (all-party California)', async () => {
    const lead = await aiLead({ state: { zip: '94103', state: 'CA' } });
    clock = new Date('2026-03-10T18:00:00Z'); // 11:00 in San Francisco
    const recorded = await ctx.c.voice.calls.start(actor, { lead_id: lead.id, scenario: 'follow_up' });
    expect(recorded.recorded).toBe(true);
    expect(recorded.turns[0]!.text).toContain('This call may be recorded');
    const decision = await rows<{ obligations: string[] }>(ctx, actor, sql`SELECT obligations FROM compliance_decision WHERE id = ${recorded.gate_decision_id}::uuid`);
    expect(decision[0]!.obligations).toContain('PLAY_RECORDING_DISCLOSURE');

    await ctx.c.voice.config.set(actor, 'voice', { recording_disclosure: null });
    const silent = await ctx.c.voice.calls.start(actor, { lead_id: lead.id, scenario: 'follow_up' });
    expect(silent).toMatchObject({ recorded: false, recording_url: null, gate_decision: 'allow' });
    expect(String(silent.recording_note)).toMatch(/not recorded/);
    expect(silent.turns[0]!.text).not.toContain('recorded');
    await ctx.c.voice.config.set(actor, 'voice', { recording_disclosure: 'This call may be recorded for quality and training.' });
    clock = TUESDAY_MORNING;
  });

  it('ends at the maximum duration', async () => {
    await ctx.c.voice.config.set(actor, 'ai', { max_call_duration: 30 });
    const lead = await aiLead();
    const call = await ctx.c.voice.calls.start(actor, { lead_id: lead.id, scenario: 'long_talk' });
    expect(call.max_duration_seconds).toBe(30);
    expect(Number(call.duration_seconds)).toBeLessThanOrEqual(30);
    expect(call.last_error_code).toBe(null);
    expect(call.events.find((e) => e.event_type === 'call_ended')!.read).toMatchObject({ hangup: 'time_limit' });
    await ctx.c.voice.config.set(actor, 'ai', { max_call_duration: 300 });
  });

  it('retries an unanswered call by the policy, through the gate each time, then stops', async () => {
    await ctx.c.voice.config.set(actor, 'voice', { max_retries: 1, retry_delay_minutes: 30 });
    const lead = await aiLead();
    const first = await ctx.c.voice.calls.start(actor, { lead_id: lead.id, scenario: 'no_answer' });
    expect(first).toMatchObject({ status: 'no_answer', outcome: 'no_answer', retry_attempts: 0 });
    expect(first.retry_at).not.toBeNull();
    expect(await ctx.c.voice.calls.tick(actor)).toMatchObject({ retried: 0 });
    clock = new Date(TUESDAY_MORNING.getTime() + 31 * 60_000);
    const t = await ctx.c.voice.calls.tick(actor);
    expect(t.retried).toBe(1);
    expect(await ctx.c.voice.calls.tick(actor)).toMatchObject({ retried: 0, played: 0 });
    const attempts = await rows<{ retry_attempts: number; retry_of: string | null; retry_at: Date | null; decision: string }>(ctx, actor, sql`
      SELECT c.retry_attempts, c.retry_of, c.retry_at, m.decision FROM voice_call c JOIN message m ON m.id = c.message_id
      WHERE c.lead_id = ${lead.id}::uuid ORDER BY c.retry_attempts`);
    expect(attempts).toHaveLength(2);
    expect(attempts[1]).toMatchObject({ retry_attempts: 1, retry_of: first.id, decision: 'allow' });
    // the second attempt is the last the policy allows, whatever became of it
    expect(attempts.every((a) => a.retry_at === null)).toBe(true);
    clock = TUESDAY_MORNING;
    await ctx.c.voice.config.set(actor, 'voice', { max_retries: 2, retry_delay_minutes: 60 });
  });

  it('applies events that arrive out of order: status only moves forward', async () => {
    const lead = await aiLead();
    const call = await ctx.c.voice.calls.start(actor, { lead_id: lead.id, scenario: 'no_answer' });
    const late = [{ provider: 'local', eventId: `${call.provider_call_id}:late`, providerCallId: String(call.provider_call_id), type: 'call_ringing' as const, occurredAt: new Date(), payload: {} }];
    expect(await ctx.c.voice.calls.receiveEvents(actor, late)).toMatchObject({ applied: 1 });
    expect((await callRow(String(call.id))).status).toBe('no_answer');
    const unknown = await ctx.c.voice.calls.receiveEvents(actor, [{ ...late[0]!, eventId: 'x', providerCallId: 'nobody' }]);
    expect(unknown.unknown).toEqual(['x']);
  });
});

describe('a call logged by hand', () => {
  it('is a call record with its billing, and an opt-out said on it puts the number on the list', async () => {
    const lead = await aiLead({ consent: false });
    const logged = await ctx.c.voice.calls.log(actor, {
      lead_id: lead.id, direction: 'inbound', started_at: '2026-03-10T09:30:00-05:00', duration_seconds: 125, outcome: 'opt_out', summary: 'asked to be removed',
    });
    expect(logged).toMatchObject({ direction: 'inbound', source: 'inbound', status: 'completed', outcome: 'opt_out', duration_seconds: 125 });
    expect(Number(logged.call_cost_cents)).toBe(6);
    const billed = await rows<{ quantity: string }>(ctx, actor, sql`SELECT quantity::text FROM billing_usage WHERE subject_id = ${logged.id}::uuid AND metric = 'voice_minutes'`);
    expect(billed).toEqual([{ quantity: '3.000' }]);
    const listed = await withTenant(ctx.c.db, actor, async (trx) => (await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM dnc_entry d JOIN contact_point c ON c.value_hash = d.value_hash WHERE c.person_id = ${lead.person_id}::uuid`.execute(trx)).rows[0]!.n);
    expect(listed).toBe(1);
  });

  it('refuses bad input, naming the field', async () => {
    const lead = await aiLead();
    await expect(ctx.c.voice.calls.log(actor, { lead_id: lead.id, started_at: 'yesterday', duration_seconds: 10, outcome: 'scheduled' }))
      .rejects.toMatchObject({ code: 'VALIDATION', details: [expect.objectContaining({ field: 'started_at' })] });
    await expect(ctx.c.voice.calls.log(actor, { lead_id: lead.id, started_at: '2026-03-10T09:30:00-05:00', duration_seconds: -1, outcome: 'scheduled' }))
      .rejects.toMatchObject({ code: 'VALIDATION', details: [expect.objectContaining({ field: 'duration_seconds' })] });
    await expect(ctx.c.voice.calls.log(actor, { lead_id: lead.id, started_at: '2026-03-10T09:30:00-05:00', duration_seconds: 10, outcome: 'great' }))
      .rejects.toMatchObject({ code: 'VALIDATION', details: [expect.objectContaining({ field: 'outcome' })] });
    await expect(ctx.c.voice.calls.start(actor, { lead_id: lead.id, goal: 'sell' })).rejects.toMatchObject({ code: 'VALIDATION', details: [expect.objectContaining({ field: 'goal' })] });
    await expect(ctx.c.voice.calls.start(actor, { lead_id: '00000000-0000-4000-8000-000000000000' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});
