import crypto from 'node:crypto';
import type { Hangup, VoiceEvent, VoiceTurn } from './events.ts';

// The local voice adapter's other half: the person at the other end. For a call the local
// adapter took, it plays a scripted conversation and reports it as a carrier would, as events
// (ringing, answered, each turn with its timings, tool calls, hangup), deterministic from the
// call's seed: the same call plays the same way every time, so all of voice works offline and
// in tests. Scenarios, words and timings are drawn like real outbound calls to owners: many are
// not answered, some reach voicemail, a few end in a booking, an objection or an opt-out.

export interface ScriptedCall {
  providerCallId: string;
  /** Where the clock starts: when the call was placed. */
  placedAt: Date;
  /** Any string: the same seed, the same conversation. */
  seed: string;
  goal: 'qualify' | 'schedule' | 'follow_up' | null;
  ai: boolean;
  senderName: string;
  firstName: string | null;
  /** Said first when the call is recorded; null: not recorded. */
  recordingDisclosure: string | null;
  maxDurationSeconds: number;
  /** Force a scenario (a demo, a test); otherwise drawn from the seed. */
  scenario?: Scenario;
}

export const SCENARIOS = ['no_answer', 'busy', 'voicemail', 'scheduled', 'follow_up', 'rejected', 'opt_out', 'long_talk'] as const;
export type Scenario = (typeof SCENARIOS)[number];
// weights: how outbound calls to owners go
const WEIGHTS: [Scenario, number][] = [['no_answer', 26], ['busy', 4], ['voicemail', 14], ['scheduled', 18], ['follow_up', 16], ['rejected', 15], ['opt_out', 5], ['long_talk', 2]];

/** A small seeded generator (mulberry32 over the seed's hash). */
function rng(seed: string) {
  let a = crypto.createHash('sha256').update(seed).digest().readUInt32LE(0);
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const USER_LINES: Record<Exclude<Scenario, 'no_answer' | 'busy' | 'voicemail'>, string[]> = {
  scheduled: ['Hello, who is this', 'Oh yeah we did have some hail last month', 'Sure that sounds good', 'Thursday afternoon works for me', 'Yes two o clock is fine', 'Great thank you'],
  follow_up: ['Hello', 'I might be interested but it is not a good time', 'Can you call me back next week', 'Maybe send me some information by text', 'Okay bye'],
  rejected: ['Yeah who is this', 'We already have a roofer we use', 'I am not interested thanks', 'No thank you'],
  opt_out: ['Hello', 'How did you get my number', 'Please take me off your list and stop calling me'],
  long_talk: ['Hello', 'Tell me more about that', 'What would that cost me', 'And how long does it take', 'What about insurance', 'Hmm I have to talk to my wife', 'Go on', 'What else', 'Okay keep going', 'Tell me more about that', 'What about the warranty', 'Hmm interesting'],
};
// what the agent says after each of the person's lines (none: the person had the last word)
const AGENT_LINES: Record<keyof typeof USER_LINES, string[]> = {
  scheduled: ['We are in your area this week offering free roof inspections after the storm.', 'Many of your neighbors had damage. Would you like us to take a look?',
    'Great. Which day works best for you?', 'Let me check the calendar. Is two o clock good?', 'Perfect, you are all set for Thursday at two. You will get a text to confirm.', 'Thank you, have a great day.'],
  follow_up: ['I am calling about a free roof inspection in your area.', 'No problem at all.', 'Sure, I will call you back next week.', 'I will text you the details. Thanks for your time.'],
  rejected: ['I am calling about a free roof inspection in your area.', 'That is great. We could give you a second opinion at no cost.', 'Understood. Thanks for your time.'],
  opt_out: ['I am calling about your property.', 'Your number came from public property records.'],
  long_talk: ['We offer free roof inspections.', 'It depends on the roof, the inspection is free.', 'Usually a day or two.', 'We work with every major insurer.', 'Of course, take your time.',
    'We also offer financing.', 'We have a lifetime warranty on workmanship.', 'There is more I can share.', 'We have done over a thousand roofs here.', 'Happy to explain.', 'A full warranty on materials too.', 'Any other questions?'],
};
const ASR_SLIPS: Record<string, string> = { hail: 'mail', roofer: 'roof', two: 'to', wife: 'why', number: 'member', thursday: 'thirsty', information: 'formation', interested: 'interest' };

export function playScript(c: ScriptedCall): VoiceEvent[] {
  const r = rng(c.seed);
  const between = (lo: number, hi: number) => Math.round(lo + r() * (hi - lo));
  const scenario = c.scenario ?? pick(r());
  const events: VoiceEvent[] = [];
  const t0 = c.placedAt.getTime();
  let n = 0;
  const emit = (type: VoiceEvent['type'], atMs: number, extra: Partial<VoiceEvent> = {}) =>
    events.push({ provider: 'local', eventId: `${c.providerCallId}:${++n}`, providerCallId: c.providerCallId, type, occurredAt: new Date(t0 + atMs), ...extra, payload: { scenario } });

  emit('call_initiated', 0);
  emit('call_ringing', between(800, 2500));
  if (scenario === 'no_answer' || scenario === 'busy') {
    const end = scenario === 'busy' ? between(3000, 6000) : between(25_000, 35_000);
    emit('call_ended', end, { hangup: scenario === 'busy' ? 'busy' : 'no_answer', errorCode: scenario === 'busy' ? 'user_busy' : 'timeout', durationSeconds: 0 });
    return events;
  }
  const answeredAt = between(6_000, 18_000);
  emit('call_answered', answeredAt);
  if (scenario === 'voicemail') {
    emit('machine_detected', answeredAt + between(2500, 4000), { machine: true });
    const msg = `Hi${c.firstName ? ` ${c.firstName}` : ''}, this is ${c.senderName}. Sorry we missed you, we will try again another time.`;
    const endAt = answeredAt + between(9000, 14_000);
    emit('response_generated', endAt - 6000, { turn: { role: 'agent', text: msg, startMs: endAt - 6000 - answeredAt, endMs: endAt - answeredAt - 500 } });
    emit('call_ended', endAt, { hangup: 'completed', errorCode: 'normal_clearing', durationSeconds: Math.round((endAt - answeredAt) / 1000) });
    return events;
  }
  emit('machine_detected', answeredAt + between(1200, 2500), { machine: false });
  if (c.recordingDisclosure) emit('audio_stream_started', answeredAt + 50);

  // the conversation: the agent opens (who it is, the recording, how to stop), then turns alternate
  const opening = [
    `Hi${c.firstName ? ` ${c.firstName}` : ''}, this is ${c.ai ? `an AI assistant calling for ${c.senderName}` : c.senderName}.`,
    c.recordingDisclosure,
    c.ai ? 'You can say stop at any time and we will not call again.' : null,
    c.goal === 'schedule' ? 'I am calling to set up a free roof inspection.' : 'I am calling about your property.',
  ].filter(Boolean).join(' ');
  const replies = AGENT_LINES[scenario];
  const limitMs = c.maxDurationSeconds * 1000;
  let clock = between(300, 900);
  let endReason: Hangup = 'completed';
  const say = (turn: Omit<VoiceTurn, 'startMs' | 'endMs'>, words: number, gap: number) => {
    const start = clock + gap;
    const end = start + words * between(280, 420);
    if (end > limitMs) return false;
    emit(turn.role === 'user' ? 'transcription_received' : turn.role === 'tool' ? 'tool_called' : 'response_generated', answeredAt + end, { turn: { ...turn, startMs: start, endMs: end } });
    clock = end;
    return true;
  };
  const agent = (text: string, tokensIn: number) => say({ role: 'agent', text, bargeIn: false, tokensIn, tokensOut: Math.ceil(text.length / 4) }, text.split(' ').length, between(350, 1400));
  let ok = agent(opening, 420);
  const lines = USER_LINES[scenario];
  for (let i = 0; ok && i < lines.length; i++) {
    const reference = lines[i]!;
    const heard = reference.split(' ').map((w) => (ASR_SLIPS[w.toLowerCase()] && r() < 0.35 ? ASR_SLIPS[w.toLowerCase()]! : w)).join(' ');
    // now and then the person talks over the agent's last words
    const bargeIn = r() < 0.12;
    ok = say({ role: 'user', text: heard, referenceText: reference, confidence: Number((0.72 + r() * 0.26).toFixed(3)), bargeIn }, reference.split(' ').length, bargeIn ? 0 : between(200, 900));
    if (!ok) break;
    if (scenario === 'opt_out' && i === lines.length - 1) {
      ok = agent('Understood. I have removed your number and you will not be called again. Goodbye.', 600);
      break;
    }
    if (scenario === 'scheduled' && i === 4) {
      const day = new Date(t0 + 2 * 86_400_000);
      day.setUTCHours(20, 0, 0, 0);
      ok = say({ role: 'tool', text: 'book_appointment', toolName: 'book_appointment', toolArgs: { window_start: day.toISOString(), window_end: new Date(day.getTime() + 3_600_000).toISOString(), booking_type: 'inspection' } }, 1, between(150, 400));
      if (!ok) break;
    }
    if (replies[i]) ok = agent(replies[i]!, 500 + 120 * i);
  }
  if (!ok) endReason = 'time_limit';
  const endMs = Math.min(clock + between(500, 1500), limitMs);
  if (c.recordingDisclosure) {
    emit('audio_stream_ended', answeredAt + endMs);
    emit('recording_saved', answeredAt + endMs + 2000, { recordingUrl: `local://recordings/${c.providerCallId}.mp3` });
  }
  emit('call_ended', answeredAt + endMs + 100, { hangup: endReason, errorCode: endReason === 'time_limit' ? 'time_limit' : 'normal_clearing', durationSeconds: Math.ceil(endMs / 1000) });
  return events.sort((a, b) => a.occurredAt.getTime() - b.occurredAt.getTime());
}

function pick(x: number): Scenario {
  const total = WEIGHTS.reduce((s, [, w]) => s + w, 0);
  let at = x * total;
  for (const [s, w] of WEIGHTS) if ((at -= w) < 0) return s;
  return 'rejected';
}
