import { cosine } from '../../providers/embeddings/ports.ts';

// Which FAQ entry an inbound question asks, by cosine similarity over all of the candidates (an
// exact scan: a user has tens of entries, not millions), and whether the match is confident.

export interface Candidate {
  id: string;
  embedding: readonly number[];
}

export interface FaqMatch {
  /** The closest entry, confident or not; null when there is none to compare. */
  entryId: string | null;
  score: number | null;
  /** The second closest entry's score (null with fewer than two). */
  runnerUp: number | null;
  confident: boolean;
}

/** Every candidate with its similarity to the query, best first (ties by id, so the order is stable). */
export function rankFaq(query: readonly number[], candidates: Candidate[]): { id: string; score: number }[] {
  return candidates.map((c) => ({ id: c.id, score: cosine(query, c.embedding) })).sort((a, b) => b.score - a.score || a.id.localeCompare(b.id));
}

export function matchFaq(ranked: { id: string; score: number }[], opts: { threshold: number; margin: number }): FaqMatch {
  const [best, second] = ranked;
  if (!best) return { entryId: null, score: null, runnerUp: null, confident: false };
  const runnerUp = second?.score ?? null;
  const confident = best.score >= opts.threshold && (runnerUp === null || best.score - runnerUp >= opts.margin);
  return { entryId: best.id, score: best.score, runnerUp, confident };
}
