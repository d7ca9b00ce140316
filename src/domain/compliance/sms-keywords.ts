// What an inbound text says about consent (COMPLIANCE.md §5, §9.4): an opt-out (revocation,
// by the carriers' keywords or, under the FCC's "reasonable person" rule, a phrase that means it),
// a request for help, or an opt-in again (texts only). A text that may mean opt-out but is not
// plainly one is treated as an opt-out and flagged for a person to look at: wrongly honouring a
// STOP costs a lead, wrongly ignoring one costs $500-$1,500.

export type SmsClass = 'OPT_OUT' | 'HELP' | 'OPT_IN' | 'NONE';

export interface SmsClassification {
  class: SmsClass;
  /** A person should read it: the class is the careful guess, not a certainty. */
  review: boolean;
  /** What decided it: the keyword or phrase found. */
  matched: string | null;
}

const OPT_OUT = ['STOP', 'STOPALL', 'STOP ALL', 'UNSUBSCRIBE', 'CANCEL', 'END', 'QUIT', 'REVOKE', 'OPTOUT', 'OPT OUT', 'OPT-OUT', 'REMOVE', 'ARRET'];
const PHRASES = ["DON'T TEXT", 'DO NOT TEXT', 'STOP TEXTING', 'STOP CALLING', "DON'T CALL", 'DO NOT CALL', 'LEAVE ME ALONE', 'TAKE ME OFF', 'REMOVE ME',
  'WRONG NUMBER', 'NO MAS'];
const HELP = ['HELP', 'INFO'];
const OPT_IN = ['START', 'UNSTOP', 'YES'];

/** Upper case, accents and curly quotes folded, spaces collapsed, trailing punctuation dropped. */
function normalize(text: string): string {
  return text.normalize('NFD').replace(/[\u0300-\u036f]/g, '').replace(/[\u2018\u2019]/g, "'")
    .toUpperCase().replace(/\s+/g, ' ').trim().replace(/[\s.!?,;:]+$/, '');
}

const startsWithWord = (text: string, word: string) => text === word || (text.startsWith(word) && /^[^A-Z0-9'-]/.test(text.slice(word.length)));
const hasWord = (text: string, word: string) => new RegExp(`(^|[^A-Z0-9'-])${word.replace(/[-']/g, (c) => `\\${c}`)}($|[^A-Z0-9'-])`).test(text);

export function classifySms(text: string): SmsClassification {
  const t = normalize(text);
  const exact = (list: string[], cls: SmsClass): SmsClassification | null => (list.includes(t) ? { class: cls, review: false, matched: t } : null);
  const plain = exact(OPT_OUT, 'OPT_OUT') ?? exact(HELP, 'HELP') ?? exact(OPT_IN, 'OPT_IN');
  if (plain) return plain;
  const lead = OPT_OUT.find((k) => startsWithWord(t, k));
  if (lead) return { class: 'OPT_OUT', review: false, matched: lead };
  const phrase = PHRASES.find((p) => t.includes(p));
  if (phrase) return { class: 'OPT_OUT', review: false, matched: phrase };
  // an opt-out word later in the text ("please stop"): most likely an opt-out; treated as one
  const inside = OPT_OUT.find((k) => hasWord(t, k));
  if (inside) return { class: 'OPT_OUT', review: true, matched: inside };
  // a word that only begins like one ("stopping by"): not an opt-out, but worth a look
  const near = /\b(STOP|UNSUBSCRIB|CANCEL|QUIT|REMOV)[A-Z]+/.exec(t);
  return { class: 'NONE', review: !!near, matched: near ? near[0] : null };
}
