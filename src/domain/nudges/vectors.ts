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
  };
}

/**
 * What this database offers: pgvector's HNSW when the extension is installed, else the exact
 * scan. `prefer: 'exact'` forces the scan (tests compare the two; operators may distrust an index).
 */
export async function detectVectorOps(db: Database, prefer: VectorSearch | 'auto' = 'auto'): Promise<VectorOps> {
  if (prefer === 'exact') return vectorOps('exact');
  const r = await sql<{ on: boolean }>`SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'vector') AS on`.execute(db.kysely);
  if (prefer === 'pgvector' && !r.rows[0]!.on) throw new Error('pgvector is not installed in this database');
  return vectorOps(r.rows[0]!.on ? 'pgvector' : 'exact');
}

/** Make the HNSW index for this dimension where pgvector is installed (once; a no-op after). */
export async function ensureVectorIndexes(db: Database, ops: VectorOps, dim: number): Promise<void> {
  if (ops.mode !== 'pgvector') return;
  await withOwner(db, 'system', async (trx: Trx) => {
    await sql`SELECT porchlight_vector_indexes(${dim}::int)`.execute(trx);
  });
}

/** A vector as a real[] parameter. */
export const realArray = (v: readonly number[]) => sql`${`{${v.join(',')}}`}::real[]`;
