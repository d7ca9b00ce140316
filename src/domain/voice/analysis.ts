import type { Hangup, VoiceTurn } from '../../providers/voice/events.ts';

// What a finished call amounts to, read from its turns (Convexa's "AI analysis" of a call log,
// Fish Mouth's outcome, interest level, objections and next steps): deterministic rules over what
// the person said, so a manager can see why a call got its outcome. A carrier or an AI runtime
// that reports its own analysis is not overridden; this is the reading when none came.

export type Outcome = 'scheduled' | 'follow_up' | 'rejected' | 'no_answer' | 'voicemail' | 'opt_out' | 'failed';
export type Interest = 'high' | 'medium' | 'low' | 'none';

/**
 * An "opt out" said on a call (COMPLIANCE.md §5's revocation words, and the ways people say
 * them on the phone). Any one in a turn of the called party opts the number out at once.
 */
const OPT_OUT = [
  /\b(stop|quit) (calling|contacting|bothering)\b/,
  /\b(do not|don'?t|never) (call|contact|text)( me| us|\b)/,
  /\b(take|remove|delete) (me|my (name|number)|us)( off| from)\b/,
  /\bput (me|my number|us) on (your|the) (do not call|dnc|no call)/,
  /\b(opt me out|opt out|unsubscribe|revoke)\b/,
  /\bno more calls\b/,
  /\blose my number\b/,
];

export function saysOptOut(text: string): boolean {
  const t = normalize(text).join(' ');
  return OPT_OUT.some((re) => re.test(t));
}

/** Objections by kind, as a sales manager groups them. */
const OBJECTIONS: [string, RegExp][] = [
  ['price', /\b(expensive|afford|cost too|too much|price|cheaper)\b/],
  ['timing', /\b(not a good time|bad time|busy right now|in a meeting|driving)\b/],
  // "interested" is often heard as "interest"
  ['not_interested', /\b(not interest(ed)?|no thank(s| you))\b/],
  ['already_has_provider', /\b(already (have|got|use|hired)|another (company|roofer|agent)|my (guy|roofer|agent|brother in law))\b/],
  ['not_selling', /\b(not selling|not for sale|never sell|staying put)\b/],
  ['trust', /\b(scam|how did you get (my|this) number|who gave you)\b/],
  ['decision_maker', /\b(talk to|ask|check with) (my )?(wife|husband|spouse|partner)\b/],
  ['insurance', /\b(insurance|deductible|claim)\b/],
];
const CALL_BACK = /\b(call (me )?back|later|next week|tomorrow|send (me )?(some )?(info|information|details)|email me|text me|maybe)\b/;
const POSITIVE = /\b(yes|yeah|sure|sounds good|interested|that works|okay|ok|great|perfect)\b/;

export interface CallFacts {
  goal: 'qualify' | 'schedule' | 'follow_up' | null;
  answered: boolean;
  hangup: Hangup | null;
  /** An answering machine took it. */
  machine: boolean;
  turns: Pick<VoiceTurn, 'role' | 'text' | 'toolName'>[];
  /** A booking came of it. */
  booked: boolean;
}

export interface Analysis {
  outcome: Outcome;
  interestLevel: Interest;
  objections: string[];
  nextSteps: string;
  summary: string;
  conversationState: 'ended';
}

export function analyzeCall(f: CallFacts): Analysis {
  const said = f.turns.filter((t) => t.role === 'user').map((t) => normalize(t.text).join(' '));
  const objections = OBJECTIONS.filter(([, re]) => said.some((s) => re.test(s))).map(([k]) => k);
  const optOut = f.turns.some((t) => t.role === 'user' && saysOptOut(t.text));
  const callBack = said.some((s) => CALL_BACK.test(s));
  const positive = said.filter((s) => POSITIVE.test(s)).length;
  const outcome: Outcome = optOut ? 'opt_out'
    : f.booked ? 'scheduled'
    : f.machine ? 'voicemail'
    : !f.answered ? (f.hangup === 'failed' ? 'failed' : 'no_answer')
    : callBack || (positive > 0 && !objections.includes('not_interested')) ? 'follow_up'
    : 'rejected';
  const interestLevel: Interest = outcome === 'scheduled' ? 'high'
    : outcome === 'follow_up' ? (positive >= 2 && objections.length <= 1 ? 'medium' : 'low')
    : outcome === 'rejected' && objections.length && !objections.includes('not_interested') && !objections.includes('not_selling') ? 'low'
    : 'none';
  const nextSteps = {
    scheduled: 'Confirm the appointment and send the reminder; prepare for the visit.',
    follow_up: objections.length ? `Follow up and address: ${objections.join(', ').replaceAll('_', ' ')}.` : 'Follow up as asked.',
    rejected: 'No further calls on this campaign; keep in long-term nurture if allowed.',
    no_answer: 'Try again by the retry policy.',
    voicemail: 'Try again later, or follow up by text where allowed.',
    opt_out: 'The number is on the do-not-contact list: no further calls or texts.',
    failed: 'Check the number; the carrier could not complete the call.',
  }[outcome];
  const turns = f.turns.filter((t) => t.role !== 'tool').length;
  const summary = !f.answered ? `Not answered (${f.hangup ?? 'no answer'}).`
    : f.machine ? 'Reached voicemail.'
    : `${turns} turns${f.goal ? ` toward ${f.goal.replace('_', ' ')}` : ''}; outcome ${outcome.replace('_', ' ')}` +
      (objections.length ? `; objections: ${objections.join(', ').replaceAll('_', ' ')}` : '') + '.';
  return { outcome, interestLevel, objections, nextSteps, summary, conversationState: 'ended' };
}

/** Lower-case words without punctuation: what word error rates and phrase rules compare. */
export function normalize(text: string): string[] {
  return text.toLowerCase().replace(/[’']/g, "'").replace(/[^a-z0-9' ]+/g, ' ').split(/\s+/).filter(Boolean);
}

/** Word-level edit distance of a recognized text to its reference (substitutions, insertions, deletions). */
export function wordErrors(reference: string, hypothesis: string): { errors: number; words: number } {
  const r = normalize(reference);
  const h = normalize(hypothesis);
  let prev = Array.from({ length: h.length + 1 }, (_, j) => j);
  for (let i = 1; i <= r.length; i++) {
    const cur = [i];
    for (let j = 1; j <= h.length; j++) cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (r[i - 1] === h[j - 1] ? 0 : 1));
    prev = cur;
  }
  return { errors: prev[h.length]!, words: r.length };
}

/** The nearest-rank percentile (p in 0..1) of some values; null for none. */
export function percentile(values: number[], p: number): number | null {
  if (!values.length) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)]!;
}
