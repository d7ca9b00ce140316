import { sql } from 'kysely';
import type { Trx } from '../../db/tenant.ts';
import type { EventColumns } from './drafts.ts';
import { queryVector, sparseOf, type VectorOps } from './vectors.ts';

// Who an opportunity is for, for many market events in one statement. A client qualifies when
//   - the event passes every preference they set (a buyer's event: price range, beds, baths,
//     areas, property types; a sale or contract nearby: their areas), and either met at least one
//     preference or their notes are at least min_similarity alike the event's description;
//   - no reachable contact of theirs is on the organization's do-not-contact list (opt-outs land there);
//   - nothing they dismissed is negative_threshold alike this event.
// Ranked by preferences met, then similarity; the user's audience_max best are kept.

export const BUYER_EVENTS = ['new_listing', 'price_change', 'back_on_market'];
export const OWNER_EVENTS = ['pending', 'sold'];

export interface PendingEvent extends EventColumns {
  market_event_id: string;
  user_id: string;
  mls_event_id: string;
  /** Runs that took it up before (one or more: a retry after a failed draft). */
  attempts: number;
}

/** A market event (`me`) to match and draft at `now`: never processed, or its draft failed and another try is due. */
export const pendingAt = (now: Date) => sql`(me.status = 'unprocessed' OR (me.status = 'error' AND me.retry_at <= ${now}))`;

export interface MatchRow {
  market_event_id: string;
  client_id: string;
  similarity: number;
  filters_met: string[];
  notes: string | null;
  price_min_cents: string | null;
  price_max_cents: string | null;
  beds_min: number | null;
  baths_min: string | null;
  areas: string[];
  property_types: string[];
}

export const matchingRepository = {
  /**
   * Market events to draft now, oldest first, with their MLS facts: unprocessed ones, and failed
   * ones whose retry is due. Rows a run taken over is still settling are skipped, not waited for
   * (SKIP LOCKED): once it commits they are settled, and it is no use drafting them again.
   */
  pending(limit: number, now: Date, trx: Trx) {
    return sql<PendingEvent>`
      SELECT me.id AS market_event_id, me.user_id, me.attempts, e.id AS mls_event_id, e.event_type, e.event_at, e.address, e.city, e.state, e.zip,
             e.list_price_cents, e.previous_price_cents, e.close_price_cents, e.beds, e.baths, e.living_area_sqft, e.year_built, e.property_type, e.remarks
      FROM market_event me JOIN mls_event e ON e.id = me.mls_event_id
      WHERE me.organization_id = app_org_id() AND ${pendingAt(now)}
      ORDER BY me.id LIMIT ${limit}
      FOR UPDATE OF me SKIP LOCKED`.execute(trx).then((r) => r.rows);
  },

  async match(ids: string[], ops: VectorOps, dim: number, space: string, trx: Trx): Promise<MatchRow[]> {
    const d = sql.lit(Math.trunc(dim));
    const sim = sql`CASE WHEN cardinality(c.notes_embedding) = ${d} AND c.embedding_space = ${space}
                         THEN ${ops.similarity(sql.ref('c.notes_embedding'), { vector: sql.ref('me.embedding'), idx: sql.ref('me.q_idx'), val: sql.ref('me.q_val') }, dim)} ELSE 0 END`;
    const q = sparseOf(sql.ref('e.embedding'));
    return (await sql<MatchRow>`
      WITH me AS (
        SELECT me.id, me.user_id, e.event_type, e.list_price_cents, e.beds, e.baths, e.zip, lower(e.city) AS city, e.property_type, e.embedding,
               ${q.idx} AS q_idx, ${q.val} AS q_val,
               coalesce(s.audience_max, 25) AS audience_max, coalesce(s.min_similarity, 0.2) AS min_similarity,
               coalesce(s.negative_threshold, 0.8) AS negative_threshold
        FROM market_event me JOIN mls_event e ON e.id = me.mls_event_id
        LEFT JOIN nudge_settings s ON s.organization_id = me.organization_id AND s.user_id = me.user_id
        WHERE me.organization_id = app_org_id() AND me.id = ANY(${ids}::uuid[]) AND e.embedding_space = ${space}
          AND e.event_type = ANY(${[...BUYER_EVENTS, ...OWNER_EVENTS]}::text[])
        OFFSET 0)
      SELECT me.id AS market_event_id, m.client_id, m.similarity::float8 AS similarity, m.filters_met, m.notes,
             m.price_min_cents, m.price_max_cents, m.beds_min, m.baths_min, m.areas, m.property_types
      FROM me CROSS JOIN LATERAL (
        SELECT c.id AS client_id, c.notes, c.price_min_cents, c.price_max_cents, c.beds_min, c.baths_min, c.areas, c.property_types, f.filters_met, s.similarity
        FROM client c
        CROSS JOIN LATERAL (SELECT CASE WHEN me.event_type = ANY(${BUYER_EVENTS}::text[]) THEN array_remove(ARRAY[
            CASE WHEN c.price_min_cents IS NOT NULL OR c.price_max_cents IS NOT NULL THEN 'price' END,
            CASE WHEN c.beds_min IS NOT NULL THEN 'beds' END,
            CASE WHEN c.baths_min IS NOT NULL THEN 'baths' END,
            CASE WHEN cardinality(c.areas) > 0 THEN 'area' END,
            CASE WHEN cardinality(c.property_types) > 0 THEN 'property_type' END], NULL) ELSE ARRAY['area'] END AS filters_met) f
        CROSS JOIN LATERAL (SELECT ${sim} AS similarity) s
        WHERE c.organization_id = app_org_id() AND c.user_id = me.user_id
          AND CASE WHEN me.event_type = ANY(${BUYER_EVENTS}::text[]) THEN
                    (c.price_min_cents IS NULL OR me.list_price_cents >= c.price_min_cents)
                AND (c.price_max_cents IS NULL OR me.list_price_cents <= c.price_max_cents)
                AND (c.beds_min IS NULL OR me.beds >= c.beds_min)
                AND (c.baths_min IS NULL OR me.baths >= c.baths_min)
                AND (cardinality(c.areas) = 0 OR me.zip = ANY(c.areas) OR me.city = ANY(c.areas))
                AND (cardinality(c.property_types) = 0 OR me.property_type = ANY(c.property_types))
              ELSE cardinality(c.areas) > 0 AND (me.zip = ANY(c.areas) OR me.city = ANY(c.areas)) END
          AND (cardinality(f.filters_met) > 0 OR s.similarity >= me.min_similarity)
          AND NOT EXISTS (SELECT 1 FROM contact_point cp JOIN dnc_entry dn ON dn.organization_id = cp.organization_id AND dn.kind = cp.kind AND dn.value_hash = cp.value_hash
                          WHERE cp.organization_id = c.organization_id AND cp.person_id = c.person_id)
          AND NOT EXISTS (SELECT 1 FROM negative_preference np
                          WHERE np.organization_id = c.organization_id AND np.client_id = c.id AND np.embedding_space = ${space}
                            AND porchlight_dot(np.dismissed_embedding, me.embedding) >= me.negative_threshold)
        ORDER BY cardinality(f.filters_met) DESC, s.similarity DESC, c.id
        LIMIT me.audience_max) m`.execute(trx)).rows;
  },

  /** The clients of the organization whose notes are most alike a text's vector: what the HNSW index answers. */
  async nearest(vector: number[], k: number, ops: VectorOps, space: string, trx: Trx) {
    const q = queryVector(vector);
    // the index answers an ORDER BY of pgvector's distance; the exact scan ranks by similarity, the same order
    const order = ops.mode === 'pgvector' ? ops.distance(sql.ref('c.notes_embedding'), q.vector, vector.length)
      : sql`${ops.similarity(sql.ref('c.notes_embedding'), q, vector.length)} DESC`;
    // the index's candidate list: wider than k for recall (pgvector's default is 40)
    if (ops.mode === 'pgvector') await sql`SELECT set_config('hnsw.ef_search', ${String(Math.max(200, k * 4))}, true)`.execute(trx);
    return (await sql<{ client_id: string; similarity: number }>`
      SELECT c.id AS client_id, ${ops.similarity(sql.ref('c.notes_embedding'), q, vector.length)}::float8 AS similarity FROM client c
      WHERE c.organization_id = app_org_id() AND cardinality(c.notes_embedding) = ${sql.lit(vector.length)} AND c.embedding_space = ${space}
      ORDER BY ${order} LIMIT ${k}`.execute(trx)).rows;
  },
};
