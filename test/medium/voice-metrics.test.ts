import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Actor } from '../../src/db/tenant.ts';
import { createTestContext, type TestContext } from '../support/context.ts';
import { rows } from '../support/outreach.ts';

// The daily voice metrics: per user and day in the user's own zone, from calls, turns and
// bookings, by one statement; recomputing gives the same rows; a day whose calls moved loses its row.

let ctx: TestContext;
let actor: Actor;
let west: string;
let east: string;

beforeAll(async () => {
  ctx = await createTestContext();
  const o = await ctx.newOrganization();
  actor = o.actor;
  west = (await ctx.newUser(o.org.id, 'agent')).user.id;
  east = (await ctx.newUser(o.org.id, 'agent')).user.id;
  await ctx.c.tenancy.updateUser(actor, west, { timezone: 'America/Los_Angeles' });
  await ctx.c.tenancy.updateUser(actor, east, { timezone: 'America/New_York' });
});
afterAll(() => ctx.close());

/** A finished call with its turns: [role, start, end, latency, confidence, barge, errors/words]. */
async function call(user: string | null, at: string, f: { outcome: string; seconds: number; firstAudio?: number; cost?: number; turns?: [string, number, number, number | null, number | null, boolean, [number, number] | null][] }) {
  const answered = !['no_answer', 'failed'].includes(f.outcome);
  const [c] = await rows<{ id: string }>(ctx, actor, sql`
    INSERT INTO voice_call (organization_id, user_id, agent, source, carrier, to_display, status, duration_seconds, outcome, first_audio_latency_ms,
                            call_cost_cents, initiated_at, started_at, ended_at)
    VALUES (app_org_id(), ${user}, 'ai', 'logged', 'logged', '+1512•••0100', ${answered ? 'completed' : f.outcome === 'failed' ? 'failed' : 'no_answer'}, ${f.seconds},
            ${f.outcome}, ${f.firstAudio ?? null}, ${f.cost ?? 0}, ${at}::timestamptz, ${answered ? at : null}::timestamptz, ${at}::timestamptz + make_interval(secs => ${f.seconds}))
    RETURNING id`);
  for (const [i, [role, start, end, latency, conf, barge, we]] of (f.turns ?? []).entries()) {
    await rows(ctx, actor, sql`
      INSERT INTO voice_call_turn (organization_id, call_id, seq, role, text, start_ms, end_ms, latency_ms, confidence_score, barge_in, word_errors, reference_words, tool_name)
      VALUES (app_org_id(), ${c!.id}, ${i + 1}, ${role}, 'x', ${start}, ${end}, ${latency}, ${conf}, ${barge}, ${we?.[0] ?? null}, ${we?.[1] ?? null}, ${role === 'tool' ? 'book_appointment' : null})`);
  }
  return c!.id;
}

const metrics = (from: string, to: string) => ctx.c.voice.metrics.list(actor, { from, to });

describe('daily voice metrics', () => {
  it('are computed per user and local day, with latencies, quality, bookings and outcomes', async () => {
    // 06:30 UTC on the 11th is the 10th in Los Angeles and the 11th in New York
    const a = await call(west, '2026-03-11T06:30:00Z', {
      outcome: 'scheduled', seconds: 130, firstAudio: 800, cost: 20,
      turns: [['agent', 800, 3000, null, null, false, null], ['user', 3200, 5000, null, 0.9, false, [1, 10]], ['agent', 5600, 8000, 600, null, false, null],
        ['user', 8100, 9000, null, 0.7, true, [0, 5]], ['agent', 70_000, 71_000, 1400, null, false, null]],
    });
    await call(west, '2026-03-10T18:00:00Z', { outcome: 'no_answer', seconds: 0 });
    await call(west, '2026-03-10T19:00:00Z', { outcome: 'voicemail', seconds: 20, firstAudio: 1000 });
    await call(east, '2026-03-11T06:30:00Z', { outcome: 'opt_out', seconds: 40, firstAudio: 1200, turns: [['agent', 1200, 2000, null, null, false, null], ['user', 2500, 4000, null, 0.8, false, null]] });
    await call(null, '2026-03-10T15:00:00Z', { outcome: 'follow_up', seconds: 61 });
    await rows(ctx, actor, sql`INSERT INTO voice_booking (organization_id, call_id, window_start, window_end, estimator_id)
      VALUES (app_org_id(), ${a}, '2026-03-12T20:00:00Z', '2026-03-12T21:00:00Z', ${west})`);

    expect(await ctx.c.voice.metrics.recompute(actor, { from: '2026-03-10', to: '2026-03-11' })).toEqual({ rows: 3, removed: 0 });
    const m = await metrics('2026-03-10', '2026-03-11');
    const westDay = m.rows.find((r) => r.user_id === west)!;
    expect(westDay).toMatchObject({
      day: '2026-03-10', calls: 3, connects: 1, bookings: 1, booking_rate: 1, avg_duration_s: 130, talk_minutes: 4,
      avg_first_audio_latency_ms: 900, outcome_scheduled: 1, outcome_no_answer: 1, outcome_voicemail: 1, cost_cents: 20,
      // agent turns in the first minute: only the one at 5.6 s has a latency (600); p95 of 600 and 1400 by nearest rank
      first_minute_latency_ms: 600, p95_latency_ms: 1400, avg_confidence_score: 0.8, barge_in_rate: 0.5,
    });
    expect(westDay.asr_wer).toBeCloseTo(1 / 15, 6);
    expect(m.rows.find((r) => r.user_id === east)).toMatchObject({ day: '2026-03-11', calls: 1, connects: 1, outcome_opt_out: 1, asr_wer: null, booking_rate: 0 });
    expect(m.rows.find((r) => r.user_id === null)).toMatchObject({ day: '2026-03-10', calls: 1, outcome_callback: 1, talk_minutes: 2 });
    expect(m.totals).toMatchObject({ calls: 5, connects: 3, bookings: 1, outcomes: expect.objectContaining({ scheduled: 1, opt_out: 1, no_answer: 1 }) });
  });

  it('gives the same rows when recomputed, and drops a day whose calls moved away', async () => {
    const before = await rows(ctx, actor, sql`SELECT * FROM voice_metrics_daily ORDER BY day, user_id`);
    await ctx.c.voice.metrics.recompute(actor, { from: '2026-03-10', to: '2026-03-11' });
    expect(await rows(ctx, actor, sql`SELECT * FROM voice_metrics_daily ORDER BY day, user_id`)).toEqual(before);

    // the east user's only call belongs to someone else now: that user-day row goes
    await rows(ctx, actor, sql`UPDATE voice_call SET user_id = ${west} WHERE user_id = ${east}`);
    expect(await ctx.c.voice.metrics.recompute(actor, { from: '2026-03-10', to: '2026-03-11' })).toMatchObject({ removed: 1 });
    const m = await metrics('2026-03-10', '2026-03-11');
    expect(m.rows.some((r) => r.user_id === east)).toBe(false);
    expect(m.rows.filter((r) => r.user_id === west).map((r) => r.day)).toEqual(['2026-03-10']);
  });

  it('refuses a bad range, naming the field', async () => {
    await expect(metrics('2026-03-11', '2026-03-10')).rejects.toMatchObject({ code: 'VALIDATION', details: [expect.objectContaining({ field: 'to' })] });
    await expect(metrics('March 10', '2026-03-10')).rejects.toMatchObject({ code: 'VALIDATION', details: expect.arrayContaining([expect.objectContaining({ field: 'from' })]) });
    await expect(ctx.c.voice.metrics.recompute(actor, { from: '2025-01-01', to: '2026-03-10' })).rejects.toMatchObject({ code: 'VALIDATION' });
  });

  it('are the job\'s work too: yesterday and today in every organization with calls', async () => {
    const other = await createTestContext({ now: () => new Date('2026-03-11T12:00:00Z') });
    try {
      const o = await other.newOrganization();
      await rows(other, o.actor, sql`
        INSERT INTO voice_call (organization_id, agent, source, carrier, to_display, status, outcome, initiated_at, ended_at)
        VALUES (app_org_id(), 'human', 'logged', 'logged', 'x', 'no_answer', 'no_answer', '2026-03-11T11:00:00Z', '2026-03-11T11:01:00Z')`);
      const done = await other.c.voice.metrics.recomputeRecent();
      expect(done.find((d) => d.organizationId === o.org.id)).toMatchObject({ rows: 1 });
      const m = await other.c.voice.metrics.list(o.actor, { from: '2026-03-11', to: '2026-03-11' });
      expect(m.rows).toEqual([expect.objectContaining({ day: '2026-03-11', calls: 1, outcome_no_answer: 1 })]);
    } finally {
      await other.close();
    }
  });
});
