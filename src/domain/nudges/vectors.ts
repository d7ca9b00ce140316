import { sql, type RawBuilder } from 'kysely';
import type { Database } from '../../db/database.ts';
import { withOwner, type Trx } from '../../db/tenant.ts';

// Similarity in SQL, on either engine. Vectors are stored as real[] of unit length. Where pgvector
// is installed (always on the embedded engine) similarity is 1 - cosine distance over a cast to
// vector(dim), which an HNSW index can answer; where it is not, porchlight_dot scans exactly. Both
// give the cosine of unit vectors, so both rank alike (tested).

export type VectorSearch = 'pgvector' | 'exact';

export interface VectorOps {
  readonly mode: VectorSearch;
  /**
   * The cosine distance (1 - similarity) of two real[] expressions of `dim` elements. Ordered
   * ascending with a LIMIT over client notes, pgvector's form is what the HNSW index answers.
   */
  distance(a: Sql, b: Sql, dim: number): RawBuilder<number>;
  /**
   * The cosine similarity of a real[] column to a query vector given whole and as its nonzero
   * entries (positions and values, from sparseOf). The exact scan multiplies only those: the
   * local adapter's vectors have some 30 nonzeros of 256, so a pair costs a fifth of a full scan.
   */
  similarity(a: Sql, q: { vector: Sql; idx: Sql; val: Sql }, dim: number): RawBuilder<number>;
}

type Sql = RawBuilder<unknown> | ReturnType<typeof sql.ref>;

export function vectorOps(mode: VectorSearch): VectorOps {
  return {
    mode,
    distance: (a, b, dim) => {
      const d = sql.lit(Math.trunc(dim));
      return mode === 'pgvector'
        ? sql<number>`((${a})::vector(${d}) <=> (${b})::vector(${d}))`
        : sql<number>`(1 - porchlight_dot(${a}, ${b}))`;
    },
    similarity: (a, q, dim) => {
      const d = sql.lit(Math.trunc(dim));
      return mode === 'pgvector'
        ? sql<number>`(1 - ((${a})::vector(${d}) <=> (${q.vector})::vector(${d})))`
        : sql<number>`coalesce((SELECT sum(q.v::float8 * (${a})[q.i]) FROM unnest(${q.idx}, ${q.val}) AS q(i, v)), 0)`;
    },
  };
}

/** What this database offers: pgvector's HNSW when the extension is installed, else the exact scan; `exact` forces the scan. */
export async function detectVectorOps(db: Database, prefer: 'auto' | 'exact' = 'auto'): Promise<VectorOps> {
  if (prefer === 'exact') return vectorOps('exact');
  const r = await sql<{ on: boolean }>`SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'vector') AS on`.execute(db.kysely);
  return vectorOps(r.rows[0]!.on ? 'pgvector' : 'exact');
}

/** Make the HNSW index for this dimension where pgvector is installed (once; a no-op after). */
export async function ensureVectorIndexes(db: Database, ops: VectorOps, dim: number): Promise<void> {
  if (ops.mode !== 'pgvector') return;
  await withOwner(db, 'system', async (trx: Trx) => {
    await sql`SELECT porchlight_vector_indexes(${dim}::int)`.execute(trx);
  });
}

/** A real[] expression's nonzero entries: their positions and their values, in order. */
export const sparseOf = (v: Sql) => ({
  idx: sql`ARRAY(SELECT i FROM generate_subscripts(${v}, 1) AS i WHERE (${v})[i] <> 0 ORDER BY i)`,
  val: sql`ARRAY(SELECT x FROM unnest(${v}) WITH ORDINALITY AS u(x, i) WHERE x <> 0 ORDER BY i)`,
});

/** A vector as a real[] parameter, with its nonzero entries for the exact scan. */
export function queryVector(v: readonly number[]) {
  const nz = v.map((x, i) => [i + 1, x] as const).filter(([, x]) => x !== 0);
  return { vector: sql`${`{${v.join(',')}}`}::real[]`, idx: sql`${nz.map(([i]) => i)}::int[]`, val: sql`${`{${nz.map(([, x]) => x).join(',')}}`}::real[]` };
}
