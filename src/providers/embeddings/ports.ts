// The embeddings port: text in, vectors out, for semantic matching (the FAQ auto-responder).
// Vectors from two adapters, two models or two sizes live in different spaces and must never be
// compared: `space` names the one an adapter produces, and stored vectors keep it beside them.

export interface EmbeddingsPort {
  /** 'local', 'openai' ... */
  readonly name: string;
  /** Adapter, model and dimension in one string: vectors compare only within one space. */
  readonly space: string;
  /** One vector per text, in order, L2-normalized (so a dot product is the cosine). */
  embed(texts: string[]): Promise<number[][]>;
}

/** Cosine similarity; 0 when either vector is all zeros or the sizes differ. */
export function cosine(a: readonly number[], b: readonly number[]): number {
  if (a.length !== b.length) return 0;
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  return na && nb ? dot / Math.sqrt(na * nb) : 0;
}

export function l2normalize(v: number[]): number[] {
  const n = Math.sqrt(v.reduce((s, x) => s + x * x, 0));
  return n ? v.map((x) => x / n) : v;
}
