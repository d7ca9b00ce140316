import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Actor } from '../../src/db/tenant.ts';
import type { ChannelAdapter, OutboundMessage } from '../../src/providers/channels/ports.ts';
import { twilioCallEvents } from '../../src/providers/voice/twilio-events.ts';
import { createTestContext, type TestContext } from '../support/context.ts';
import { austinLead, outreachOrg, PEWC, rows, TUESDAY_MORNING } from '../support/outreach.ts';

// A call through a real carrier's shape: the carrier takes it (here a recording stub that answers
// like Twilio's Calls API), its status callbacks move the call, and an AI agent runtime reports the
// turns it spoke and heard through POST /v1/calls/:id/events. What the adapter was handed: the
// call's id, its time limit, whether to record.

const handed: OutboundMessage[] = [];
const carrier: ChannelAdapter = {
  name: 'twilio', port: 'voice',
  async send(batch) {
    handed.push(...batch);
    return batch.map((m, i) => ({ messageId: m.messageId, outcome: 'sent' as const, providerMessageId: `CA${handed.length - batch.length + i + 1}` }));
  },
};

let ctx: TestContext;
let actor: Actor;
beforeAll(async () => {
  ctx = await createTestContext({ now: () => TUESDAY_MORNING, channels: { voice: carrier } });
  actor = (await outreachOrg(ctx)).actor;
});
afterAll(() => ctx.close());

async function placed() {
  const lead = await austinLead(ctx, actor, { consent: false });
  await ctx.c.compliance.recordConsent(actor, { phone: lead.phone, ...PEWC, scope: ['sms', 'voice', 'ai_voice'] });
  const call = await ctx.c.voice.calls.start(actor, { lead_id: lead.id, goal: 'schedule' });
  return { lead, call };
}
const at = (s: number) => new Date(TUESDAY_MORNING.getTime() + s * 1000).toISOString();

describe('a call through a carrier', () => {
  it('hands the carrier the call id, its time limit and the recording flag, and waits for its events', async () => {
    const { call } = await placed();
    expect(call).toMatchObject({ status: 'initiated', carrier: 'twilio', provider_call_id: expect.stringMatching(/^CA/), gate_decision: 'allow' });
    expect(handed.at(-1)).toMatchObject({ callId: call.id, timeLimitSeconds: 300, record: true, channel: 'ai_call' });
  });

  it("moves with the carrier's callbacks and the agent runtime's turns; a spoken opt-out lists the number at once", async () => {
    const { lead, call } = await placed();
    const sid = String(call.provider_call_id);
    await ctx.c.voice.calls.receiveEvents(actor, twilioCallEvents({ CallSid: sid, CallStatus: 'ringing' }, new Date(at(2))));
    await ctx.c.voice.calls.receiveEvents(actor, twilioCallEvents({ CallSid: sid, CallStatus: 'in-progress' }, new Date(at(8))));
    const turns = await ctx.c.voice.calls.agentEvents(actor, String(call.id), { events: [
      { id: 't1', type: 'response_generated', at: at(9), turn: { role: 'agent', text: 'Hi, this is an AI assistant for Acme Roofing. This call may be recorded.', start_ms: 700, end_ms: 4000, tokens_in: 300, tokens_out: 30 } },
      { id: 't2', type: 'transcription_received', at: at(12), turn: { role: 'user', text: 'please take me off your list', start_ms: 4500, end_ms: 6500, confidence: 0.91, reference_text: 'please take me off your list' } },
    ] });
    expect(turns).toMatchObject({ applied: 2, optedOut: 1 });
    const listed = await rows<{ channels: string[] | null }>(ctx, actor, sql`
      SELECT d.channels FROM dnc_entry d JOIN contact_point c ON c.organization_id = d.organization_id AND c.value_hash = d.value_hash WHERE c.person_id = ${lead.person_id}::uuid`);
    expect(listed).toEqual([{ channels: null }]);
    // again: applied once
    expect(await ctx.c.voice.calls.agentEvents(actor, String(call.id), { events: [{ id: 't1', type: 'response_generated', at: at(9), turn: { role: 'agent', text: 'x', start_ms: 0, end_ms: 1 } }] }))
      .toMatchObject({ applied: 0, duplicates: 1 });
    await ctx.c.voice.calls.receiveEvents(actor, twilioCallEvents({ CallSid: sid, CallStatus: 'completed', CallDuration: '75', Price: '-0.04', PriceUnit: 'USD' }, new Date(at(90))));
    const done = await ctx.c.voice.calls.show(actor, String(call.id));
    expect(done).toMatchObject({ status: 'completed', outcome: 'opt_out', duration_seconds: 75, interest_level: 'none', first_audio_latency_ms: 700 });
    expect(Number(done.call_cost_cents)).toBe(4);
    expect(Number(done.ai_cost_cents)).toBe(2 * 12);
    expect(done.turns.map((t) => [t.seq, t.role, t.word_errors])).toEqual([[1, 'agent', null], [2, 'user', 0]]);
    const message = await rows<{ status: string; call_duration_seconds: number }>(ctx, actor, sql`SELECT status, call_duration_seconds FROM message WHERE id = ${done.message_id}::uuid`);
    expect(message).toEqual([{ status: 'delivered', call_duration_seconds: 75 }]);
  });

  it('refuses agent events for an unknown call, or a turn that makes no sense, naming the field', async () => {
    await expect(ctx.c.voice.calls.agentEvents(actor, '00000000-0000-4000-8000-000000000000', { events: [{ id: 'x', type: 'call_ended', at: at(1), hangup: 'completed' }] }))
      .rejects.toMatchObject({ code: 'NOT_FOUND' });
    const { call } = await placed();
    await expect(ctx.c.voice.calls.agentEvents(actor, String(call.id), { events: [{ id: 'x', type: 'response_generated', at: at(1), turn: { role: 'agent', text: 'x', start_ms: 5, end_ms: 1 } }] }))
      .rejects.toMatchObject({ code: 'VALIDATION', details: [expect.objectContaining({ field: 'events.0.turn.end_ms' })] });
    await expect(ctx.c.voice.calls.agentEvents(actor, String(call.id), { events: [{ id: 'x', type: 'tool_called', at: at(1), turn: { role: 'tool', text: 'x', start_ms: 0, end_ms: 1 } }] }))
      .rejects.toMatchObject({ code: 'VALIDATION', details: [expect.objectContaining({ field: 'events.0.turn.tool_name' })] });
  });
});
