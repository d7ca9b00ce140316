import { describe, expect, it } from 'vitest';
import { playScript, SCENARIOS, type Scenario } from '../../providers/voice/local-script.ts';
import { analyzeCall, percentile, saysOptOut, wordErrors } from './analysis.ts';

describe('reading a call', () => {
  it('hears an opt-out however it is said, and not where none was said', () => {
    for (const s of ['Please take me off your list', "don't call me again", 'STOP CALLING', 'put me on your do not call list', 'I want to opt out', 'no more calls please', 'remove my number from your list']) {
      expect(saysOptOut(s), s).toBe(true);
    }
    for (const s of ['Call me back tomorrow', 'I stopped by the store', 'do not worry about it', 'the list price is high']) expect(saysOptOut(s), s).toBe(false);
  });

  it('counts word errors against the reference, ignoring case and punctuation', () => {
    expect(wordErrors('Yes, two o clock is fine.', 'yes to o clock is fine')).toEqual({ errors: 1, words: 6 });
    expect(wordErrors('we had hail', 'we had some mail')).toEqual({ errors: 2, words: 3 });
    expect(wordErrors('', 'anything')).toEqual({ errors: 1, words: 0 });
  });

  it('takes the nearest-rank percentile', () => {
    expect(percentile([], 0.95)).toBeNull();
    expect(percentile([100, 900, 300], 0.95)).toBe(900);
    expect(percentile(Array.from({ length: 100 }, (_, i) => i + 1), 0.95)).toBe(95);
  });

  it("gives every scripted conversation the outcome it was scripted for, whatever the recognizer misheard", () => {
    const expected: Record<Scenario, string> = { no_answer: 'no_answer', busy: 'no_answer', voicemail: 'voicemail', scheduled: 'scheduled', follow_up: 'follow_up', rejected: 'rejected', opt_out: 'opt_out', long_talk: 'follow_up' };
    for (const scenario of SCENARIOS) {
      for (let i = 0; i < 150; i++) {
        const events = playScript({ providerCallId: 'c', placedAt: new Date(0), seed: `${scenario}-${i}`, goal: 'schedule', ai: true, senderName: 'Acme', firstName: 'Pat', recordingDisclosure: null, maxDurationSeconds: 900, scenario });
        const turns = events.filter((e) => e.turn).map((e) => e.turn!);
        const ended = events.find((e) => e.type === 'call_ended')!;
        const a = analyzeCall({
          goal: 'schedule', answered: events.some((e) => e.type === 'call_answered'), hangup: ended.hangup ?? null, machine: events.some((e) => e.type === 'machine_detected' && e.machine),
          turns: turns.map((t) => ({ role: t.role, text: t.text, toolName: t.toolName })), booked: turns.some((t) => t.toolName === 'book_appointment'),
        });
        expect(a.outcome, `${scenario}-${i}: ${turns.filter((t) => t.role === 'user').map((t) => t.text).join(' / ')}`).toBe(expected[scenario]);
      }
    }
  });

  it('plays the same call the same way, and ends it at the maximum duration', () => {
    const call = { providerCallId: 'c', placedAt: new Date(0), seed: 'same', goal: 'qualify' as const, ai: true, senderName: 'Acme', firstName: null, recordingDisclosure: 'Recorded.', maxDurationSeconds: 900 };
    expect(playScript(call)).toEqual(playScript(call));
    const cut = playScript({ ...call, scenario: 'long_talk', maxDurationSeconds: 30 });
    const end = cut.find((e) => e.type === 'call_ended')!;
    expect(end).toMatchObject({ hangup: 'time_limit' });
    expect(end.durationSeconds).toBeLessThanOrEqual(30);
    expect(cut.filter((e) => e.turn).every((e) => e.turn!.endMs <= 30_000)).toBe(true);
  });
});
