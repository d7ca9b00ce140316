import { sql } from 'kysely';
import type { Trx } from '../../db/tenant.ts';
import { CONTACT_POINT_MERGE } from '../ingest/merge-sql.ts';

// Hand merges and identity conflicts. A merge runs as set-based SQL like an import, so its
// contact points merge by the same rule (merge_contact_point) and its changes reach the same
// history triggers.

/** Lead fields a merge fills on the survivor when empty; conflicting values become offers. */
const FILLED = ['person_id', 'property_id', 'vendor_list_id', 'notes', 'assignee_id', 'quality_score', 'motivation_score', 'lead_score', 'temperature', 'tier', 'next_follow_up_at', 'last_contacted_at'] as const;

export const identityRepository = {
  lockLeads(ids: string[], trx: Trx) {
    return trx.selectFrom('lead').selectAll().where('id', 'in', ids).where('deleted_at', 'is', null).forUpdate().execute();
  },

  /** The loser's phones and emails onto the survivor's owner, merged as an import would. */
  async moveContactPoints(fromPerson: string, toPerson: string, trx: Trx) {
    const r = await sql<{ n: number }>`
      WITH m AS (
        INSERT INTO contact_point (organization_id, person_id, kind, value, value_enc, value_hash, display, type, carrier, sources, score, verified, dnc, first_seen_at, last_seen_at)
        SELECT organization_id, ${toPerson}::uuid, kind, value, value_enc, value_hash, display, type, carrier, sources, score, verified, dnc, first_seen_at, last_seen_at
        FROM contact_point WHERE person_id = ${fromPerson}::uuid
        ${sql.raw(CONTACT_POINT_MERGE)}
        RETURNING 1
      ) SELECT count(*)::int AS n FROM m`.execute(trx);
    return r.rows[0]!.n;
  },

  /** Retire the loser first: its vendor id and (property, person) key become free for the survivor. */
  retire(loser: string, survivor: string, trx: Trx) {
    return trx.updateTable('lead').set({ deleted_at: sql`now()`, merged_into_id: survivor }).where('id', '=', loser).executeTakeFirstOrThrow();
  },

  /** Fill the survivor's empty fields from the loser; offer the loser's conflicting values to the field audit. */
  async absorb(survivor: string, loser: string, trx: Trx) {
    const fill = FILLED.map((f) => sql`${sql.ref(f)} = coalesce(s.${sql.ref(f)}, l.${sql.ref(f)})`);
    await sql`
      UPDATE lead s SET ${sql.join(fill)},
        vendor_record_id = CASE WHEN s.vendor_record_id IS NULL AND l.source = s.source THEN l.vendor_record_id ELSE s.vendor_record_id END,
        tags = ARRAY(SELECT DISTINCT t FROM unnest(s.tags || l.tags) t ORDER BY t),
        raw_data = CASE WHEN l.raw_data IS NULL THEN s.raw_data ELSE l.raw_data || coalesce(s.raw_data, '{}') END,
        acquisition_cost_cents = s.acquisition_cost_cents + l.acquisition_cost_cents,
        enrichment_cost_cents = s.enrichment_cost_cents + l.enrichment_cost_cents,
        first_seen_at = least(s.first_seen_at, l.first_seen_at),
        last_seen_at = greatest(s.last_seen_at, l.last_seen_at)
      FROM lead l WHERE s.id = ${survivor}::uuid AND l.id = ${loser}::uuid`.execute(trx);
    const offers = FILLED.map((f) => sql`(${f}, to_jsonb(s.${sql.ref(f)}), to_jsonb(l.${sql.ref(f)}))`);
    await sql`
      SELECT lead_field_audit_offer(array_agg(${survivor}::uuid), array_agg(x.f), array_agg(x.o), array_agg(x.n))
      FROM lead s, lead l, LATERAL (VALUES ${sql.join(offers)}) AS x(f, o, n)
      WHERE s.id = ${survivor}::uuid AND l.id = ${loser}::uuid AND x.o IS NOT NULL AND x.n IS NOT NULL AND x.o <> x.n`.execute(trx);
  },

  /** Open conflicts with the parcels each key named and the live leads on them. */
  async listConflicts(limit: number, trx: Trx) {
    const r = await sql<{
      id: string; import_id: string | null; line: number | null; created_at: Date; property_id: string;
      matches: Record<string, string>; parcels: { id: string; address: string | null; apn: string | null; leads: { id: string; owner: string | null }[] }[];
    }>`
      SELECT c.id, c.import_id, c.line, c.created_at, c.property_id, c.matches,
        (SELECT jsonb_agg(jsonb_build_object('id', p.id, 'address', concat_ws(', ', p.normalized_line, p.city, p.state || ' ' || p.zip), 'apn', p.apn,
                  'leads', (SELECT coalesce(jsonb_agg(jsonb_build_object('id', l.id,
                              'owner', coalesce(pe.full_name, pe.company_name)) ORDER BY l.created_at), '[]')
                            FROM lead l LEFT JOIN person pe ON pe.organization_id = l.organization_id AND pe.id = l.person_id
                            WHERE l.organization_id = p.organization_id AND l.property_id = p.id AND l.deleted_at IS NULL)) ORDER BY p.id)
         FROM property p
         WHERE p.organization_id = c.organization_id
           AND p.id IN (SELECT value::uuid FROM jsonb_each_text(c.matches))) AS parcels
      FROM identity_conflict c
      WHERE c.status = 'open'
      ORDER BY c.created_at, c.id
      LIMIT ${limit}`.execute(trx);
    return r.rows;
  },

  /** Conflicts that named both parcels of a merge are settled by it. */
  resolveConflictsBetween(a: string, b: string, userId: string | null, trx: Trx) {
    return trx.updateTable('identity_conflict')
      .set({ status: 'resolved', resolved_at: sql`now()`, resolved_by: userId })
      .where('status', '=', 'open')
      .where(sql<boolean>`matches @? ${`$.* ? (@ == "${a}")`}::jsonpath AND matches @? ${`$.* ? (@ == "${b}")`}::jsonpath`)
      .execute();
  },

  dismissConflict(id: string, userId: string | null, trx: Trx) {
    return trx.updateTable('identity_conflict').set({ status: 'dismissed', resolved_at: sql`now()`, resolved_by: userId })
      .where('id', '=', id).where('status', '=', 'open').returning(['id']).executeTakeFirst();
  },
};
