import { l2normalize, type EmbeddingsPort } from './ports.ts';

// The local embeddings adapter: deterministic, offline, no model to download. A text becomes
// its meaning-bearing words (lower-cased, accents folded, stop words dropped, lightly stemmed,
// common synonyms folded onto one word), weighted like TF-IDF without a corpus (sub-linear term
// frequency times a fixed specificity: filler words a reply is full of count half), plus the
// bigrams of neighbouring words for phrasing, all hashed into a fixed number of dimensions
// (the "hashing trick", with a sign bit so collisions cancel rather than add up) and
// L2-normalized. Two texts that share words that carry meaning score close; texts that share
// none score near zero. Good enough to tell "do you give free estimates?" from "when can you
// come by?"; a model behind the OpenAI-compatible adapter does paraphrases better.

const STOP = new Set(`a about above after again against all am an and any are as at be because been before being below between both but by
can could did do does doing down during each few for from further had has have having he her here hers herself him himself his how i if in
into is it its itself just let me more most my myself no nor not of off on once only or other our ours ourselves out over own same she should
so some such than that the their theirs them themselves then there these they this those through to too under until up very was we were what
when where which while who whom why will with would you your yours yourself yourselves im ive id youre dont doesnt didnt cant wont isnt
arent wasnt hi hello hey thanks thank ok okay yes yeah yep sure please much many`.split(/\s+/));

// Frequent in any reply and weak evidence of what it is about: weighted half (the corpus-free IDF).
const COMMON = new Set('get go know want need like make time day thing good well really also still one would tell let ask question call text message send give take come see look offer provide work help'.split(' '));

// A few synonyms of what owners ask sellers about (price, estimates, visits, money, the house),
// each folded onto its first word so "cost" and "price" are the same dimension.
const SYNONYMS = [
  'price cost fee charge expensive cheap afford pricing',
  'estimate quote bid assessment',
  'schedule appointment book visit available availability',
  'insurance insurer claim adjuster',
  'finance financing loan credit installment',
  'warranty guarantee',
  'sell sale selling sold',
  'buy purchase',
  'house home property residence',
  'repair fix patch',
  'fast quick soon asap quickly',
];

/** A light suffix stripper (a few of Porter's steps): "estimates", "estimated" and "estimating" meet at "estimat". */
export function stem(word: string): string {
  let w = word;
  if (w.length <= 3) return w;
  if (w.endsWith('ies') && w.length > 4) w = `${w.slice(0, -3)}y`;
  else if (w.endsWith('sses')) w = w.slice(0, -2);
  else if (w.endsWith('s') && !/(ss|us|is)$/.test(w)) w = w.slice(0, -1);
  for (const suffix of ['ing', 'ed']) {
    if (w.endsWith(suffix) && w.length - suffix.length >= 3) {
      w = w.slice(0, -suffix.length);
      if (/([^aeiouls])\1$/.test(w)) w = w.slice(0, -1); // running -> run
      break;
    }
  }
  if (w.endsWith('ly') && w.length > 5) w = w.slice(0, -2);
  if (w.endsWith('er') && w.length > 5) w = w.slice(0, -2); // roofer -> roof
  if (w.endsWith('ion') && w.length > 6) w = w.slice(0, -3); // inspection -> inspect
  if (w.endsWith('e') && w.length > 4) w = w.slice(0, -1);
  return w;
}

const CANONICAL = new Map<string, string>();
for (const group of SYNONYMS) {
  const words = group.split(' ');
  for (const w of words) CANONICAL.set(stem(w), stem(words[0]!));
}

/** The words of a text beside the token the vector sees for each. Stop words only when nothing else is left ("who is this?"). */
export function terms(text: string): { word: string; token: string }[] {
  const words = text.normalize('NFKD').replace(/[\u0300-\u036f]/g, '').toLowerCase().replace(/['\u2019]/g, '').split(/[^a-z0-9]+/).filter(Boolean);
  const content = words.filter((w) => !STOP.has(w));
  return (content.length ? content : words).map((word) => {
    const s = stem(word);
    return { word, token: CANONICAL.get(s) ?? s };
  });
}

/** The words of a text as the vector sees them. */
export const tokens = (text: string): string[] => terms(text).map((t) => t.token);

/** FNV-1a, 32 bits: stable across processes and versions, which the stored vectors depend on. */
function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export function embedText(text: string, dim: number): number[] {
  // each term's count, and what one occurrence weighs: a bigram or a common word half a word
  const terms = new Map<string, { count: number; weight: number }>();
  const add = (term: string, weight: number) => {
    const t = terms.get(term);
    if (t) t.count++;
    else terms.set(term, { count: 1, weight });
  };
  const words = tokens(text);
  words.forEach((w, i) => {
    add(`u:${w}`, COMMON.has(w) ? 0.5 : 1);
    // neighbours in either order: "free estimates" and "estimates free" are one phrase
    if (i > 0) add(`b:${[words[i - 1], w].sort().join('_')}`, 0.5);
  });
  const v = new Array<number>(dim).fill(0);
  for (const [term, { count, weight }] of terms) {
    const sign = fnv1a(`sign:${term}`) & 1 ? -1 : 1;
    // repeated words count less than in proportion: "roof roof roof" is about a roof, not three
    v[fnv1a(term) % dim]! += sign * weight * (1 + Math.log(count));
  }
  return l2normalize(v);
}

export function createLocalEmbeddings(opts: { dim?: number } = {}): EmbeddingsPort {
  const dim = opts.dim ?? 256;
  return {
    name: 'local',
    space: `local:hash-v1:${dim}`,
    embed: async (texts) => texts.map((t) => embedText(t, dim)),
  };
}
