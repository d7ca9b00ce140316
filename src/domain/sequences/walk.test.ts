import { describe, expect, it } from 'vitest';
import { evaluate, walk, type CompiledNode, type CompiledSequence, type LeadFacts } from './walk.ts';

// One enrollment's pass, with fakes for rendering: where it stops, what it records.

const node = (key: string, type: CompiledNode['type'], next: Record<string, string>, config: Record<string, unknown> = {}): CompiledNode =>
  ({ key, type, next, config, templateId: null, template: type === 'SMS' ? { channel: 'sms', body: 'hi' } : null });
const seq = (...nodes: CompiledNode[]): CompiledSequence => ({
  id: 's', purpose: 'marketing', hours: { zone: 'America/Chicago', start: '09:00', end: '17:00', days: [1, 2, 3, 4, 5] }, nodes: new Map(nodes.map((n) => [n.key, n])),
});
const facts: LeadFacts = { status: 'new', score: 72, replied: null, opened: null, clicked: null, callOutcome: null };
const TUESDAY_10 = new Date('2026-01-13T16:00:00Z');
const send = () => ({ message: 'm' as const });

describe('walk', () => {
  const line = seq(node('start', 'START', { next: 'text' }), node('text', 'SMS', { next: 'wait' }), node('wait', 'WAIT', { next: 'end' }, { days: 1 }), node('end', 'END', {}, { outcome: 'converted' }));

  it('takes every step it can now and stops at a WAIT with the time to go on', () => {
    const r = walk(line, { node: 'start', step: 0 }, { now: TUESDAY_10, facts, render: send });
    expect(r.steps.map((s) => [s.step, s.key, s.status])).toEqual([[1, 'start', 'succeeded'], [2, 'text', 'scheduled'], [3, 'wait', 'succeeded']]);
    expect(r).toMatchObject({ node: 'end', step: 3, status: 'active', nextRunAt: new Date('2026-01-14T16:00:00Z') });
    expect(walk(line, { node: 'end', step: 3 }, { now: TUESDAY_10, facts, render: send })).toMatchObject({ status: 'completed', converted: true, nextRunAt: null });
  });

  it('waits at a message outside the working hours without recording it, skips a lead with no phone, and fails on a render error', () => {
    const evening = new Date('2026-01-14T00:30:00Z'); // Tuesday 18:30 in Chicago
    expect(walk(line, { node: 'text', step: 1 }, { now: evening, facts, render: send })).toMatchObject({ steps: [], node: 'text', nextRunAt: new Date('2026-01-14T15:00:00Z') });
    expect(walk(line, { node: 'text', step: 1 }, { now: TUESDAY_10, facts, render: () => ({ skip: 'NO_PHONE' }) }).steps[0]).toMatchObject({ status: 'skipped', detail: { reason: 'NO_PHONE' } });
    expect(walk(line, { node: 'text', step: 1 }, { now: TUESDAY_10, facts, render: () => ({ fail: 'No value for person.first_name' }) }))
      .toMatchObject({ status: 'failed', node: 'text', step: 2, error: 'text: No value for person.first_name' });
  });

  it('branches on a condition and records the branch', () => {
    const branchy = seq(node('start', 'START', { next: 'hot?' }), node('hot?', 'CONDITION', { hot: 'a', cold: 'b' }, { on: 'score', op: 'gte', value: 70, branches: ['hot', 'cold'] }),
      node('a', 'END', {}), node('b', 'END', {}));
    expect(walk(branchy, { node: 'start', step: 0 }, { now: TUESDAY_10, facts, render: send }).steps[1]).toMatchObject({ key: 'hot?', branch: 'hot', detail: { on: 'score', value: 72 } });
    expect(walk(branchy, { node: 'start', step: 0 }, { now: TUESDAY_10, facts: { ...facts, score: null }, render: send }).node).toBe('b');
  });
});

describe('evaluate', () => {
  const now = new Date('2026-01-13T16:00:00Z');
  it('counts an event within its window only', () => {
    const replied = { ...facts, replied: new Date(now.getTime() - 30 * 3_600_000) };
    expect(evaluate({ on: 'replied' }, replied, now).holds).toBe(true);
    expect(evaluate({ on: 'replied', within_hours: 24 }, replied, now).holds).toBe(false);
    expect(evaluate({ on: 'opened' }, replied, now).holds).toBe(false);
  });
  it('compares status and call outcomes by eq, ne and in', () => {
    expect(evaluate({ on: 'status', value: ['new', 'contacted'], op: 'in' }, facts, now).holds).toBe(true);
    expect(evaluate({ on: 'status', value: 'new', op: 'ne' }, facts, now).holds).toBe(false);
    const called = { ...facts, callOutcome: { outcome: 'voicemail', at: now } };
    expect(evaluate({ on: 'call_outcome', value: 'voicemail' }, called, now).holds).toBe(true);
    expect(evaluate({ on: 'call_outcome', value: 'voicemail' }, facts, now).holds).toBe(false);
  });
});
