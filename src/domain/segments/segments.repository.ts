import { sql, type Expression, type SqlBool } from 'kysely';
import { isUuid } from '../../app/validate.ts';
import type { Trx } from '../../db/tenant.ts';
import { filterConditions } from '../leads/leads.repository.ts';

// Saved segments, and the count of the leads a segment's conditions select.

const COLUMNS = ['id', 'name', 'description', 'filter', 'lead_count', 'counted_at', 'created_by', 'created_at', 'updated_at'] as const;

/** Leads with their parcels (p) and owners (pe), as the leads list reads them. */
export const SELECTABLE_LEADS = sql`lead l
  LEFT JOIN property p ON p.organization_id = l.organization_id AND p.id = l.property_id
  LEFT JOIN person pe ON pe.organization_id = l.organization_id AND pe.id = l.person_id`;

export const segmentsRepository = {
  insert(organizationId: string, s: { name: string; description: string | null; filter: object; created_by: string | null }, trx: Trx) {
    return trx.insertInto('segment')
      .values({ organization_id: organizationId, ...s, filter: JSON.stringify(s.filter) })
      .returning(COLUMNS)
      .executeTakeFirstOrThrow();
  },

  list(trx: Trx) {
    return trx.selectFrom('segment').select(COLUMNS).orderBy(sql`lower(name)`).execute();
  },

  /** By id, or by name whatever its case. */
  find(ref: string, trx: Trx) {
    return trx.selectFrom('segment').select(COLUMNS)
      .where((eb) => (isUuid(ref) ? eb.or([eb('id', '=', ref), eb(sql`lower(name)`, '=', ref.toLowerCase())]) : eb(sql`lower(name)`, '=', ref.toLowerCase())))
      // an id wins over a segment whose name happens to look like one
      .orderBy(sql`(id::text = ${ref.toLowerCase()})`, 'desc')
      .limit(1)
      .executeTakeFirst();
  },

  saveCount(id: string, count: number, trx: Trx) {
    return trx.updateTable('segment').set({ lead_count: count, counted_at: sql`now()` })
      .where('id', '=', id).returning(COLUMNS).executeTakeFirstOrThrow();
  },

  remove(id: string, trx: Trx) {
    return trx.deleteFrom('segment').where('id', '=', id).returning('id').executeTakeFirst();
  },

  /** Live leads the conditions select (over l, p, pe). */
  async countLeads(where: Expression<SqlBool>[], trx: Trx): Promise<number> {
    const r = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM ${SELECTABLE_LEADS}
      WHERE ${sql.join([...filterConditions({}), ...where], sql` AND `)}`.execute(trx);
    return r.rows[0]!.n;
  },
};
