import { sql, type Expression, type SqlBool } from 'kysely';
import type { LeadStatus } from '../../db/schema.ts';
import type { Trx } from '../../db/tenant.ts';

// Reading and changing leads. Visibility (tenant, agent scope) is the policies' job, not ours.

export type LeadSort = 'created_at' | 'updated_at' | 'lead_score';

export interface LeadFilter {
  status?: LeadStatus[];
  tier?: string[];
  tags?: string[];
  zip?: string[];
  min_score?: number;
  assignee?: string | 'none';
  source?: string;
  q?: string;
  /** More conditions over l, p and pe, ANDed: a saved segment's */
  where?: Expression<SqlBool>[];
}

export interface Page {
  sort: LeadSort;
  direction: 'asc' | 'desc';
  limit: number;
  /** The sort key and id of the last row of the previous page. */
  after?: { key: string; id: string };
}

// The sort keys as SQL: never null, and compared in SQL so no precision is lost on the way.
const SORT_KEY = {
  created_at: { expr: sql`l.created_at`, cast: sql`timestamptz` },
  updated_at: { expr: sql`l.updated_at`, cast: sql`timestamptz` },
  lead_score: { expr: sql`coalesce(l.lead_score, -1)`, cast: sql`numeric` },
} as const;

const LIST_COLUMNS = [
  'l.id', 'l.status', 'l.lead_score', 'l.quality_score', 'l.motivation_score', 'l.temperature', 'l.tier',
  'l.tags', 'l.source', 'l.assignee_id', 'l.person_id', 'l.property_id', 'l.last_contacted_at',
  'l.next_follow_up_at', 'l.created_at', 'l.updated_at',
] as const;


/** The list's filters as SQL conditions on l (lead), p (property) and pe (person): one place for list, count and export. */
export function filterConditions(filter: LeadFilter): Expression<SqlBool>[] {
  const c: Expression<SqlBool>[] = [sql<SqlBool>`l.deleted_at IS NULL`, ...(filter.where ?? [])];
  if (filter.status?.length) c.push(sql<SqlBool>`l.status = ANY(${sql.val(filter.status)}::text[])`);
  if (filter.tier?.length) c.push(sql<SqlBool>`l.tier = ANY(${sql.val(filter.tier)}::text[])`);
  if (filter.tags?.length) c.push(sql<SqlBool>`l.tags @> ${sql.val(filter.tags)}::text[]`);
  if (filter.zip?.length) c.push(sql<SqlBool>`p.zip = ANY(${sql.val(filter.zip)}::text[])`);
  if (filter.min_score !== undefined) c.push(sql<SqlBool>`l.lead_score >= ${filter.min_score}`);
  if (filter.source) c.push(sql<SqlBool>`l.source = ${filter.source}`);
  if (filter.assignee === 'none') c.push(sql<SqlBool>`l.assignee_id IS NULL`);
  else if (filter.assignee) c.push(sql<SqlBool>`l.assignee_id = ${filter.assignee}::uuid`);
  if (filter.q) {
    const like = `%${filter.q.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`;
    // the leads whose property or owner matches, through the trigram indexes (a function of
    // migrations/0022_lead_search.sql, which says why); the lead's own policies still apply here
    c.push(sql<SqlBool>`l.id IN (SELECT lead_search_ids(${like}))`);
  }
  return c;
}

export const leadsRepository = {
  async list(filter: LeadFilter, page: Page, trx: Trx) {
    const key = SORT_KEY[page.sort];
    const desc = page.direction === 'desc';
    let q = trx
      .selectFrom('lead as l')
      .leftJoin('property as p', (j) => j.onRef('p.organization_id', '=', 'l.organization_id').onRef('p.id', '=', 'l.property_id'))
      .leftJoin('person as pe', (j) => j.onRef('pe.organization_id', '=', 'l.organization_id').onRef('pe.id', '=', 'l.person_id'))
      .select(LIST_COLUMNS)
      .select([
        'p.address_line1', 'p.city', 'p.state', 'p.zip',
        sql<string | null>`coalesce(pe.full_name, nullif(concat_ws(' ', pe.first_name, pe.last_name), ''), pe.company_name)`.as('owner_name'),
        'pe.is_company',
        // JSON's text of a timestamp is ISO 8601 whatever the server's DateStyle
        sql<string>`to_json(${key.expr}) #>> '{}'`.as('sort_key'),
      ]);
    q = q.where((eb) => eb.and(filterConditions(filter)));
    if (page.after) {
      const after: Expression<SqlBool> = desc
        ? sql<SqlBool>`(${key.expr}, l.id) < (${page.after.key}::${key.cast}, ${page.after.id}::uuid)`
        : sql<SqlBool>`(${key.expr}, l.id) > (${page.after.key}::${key.cast}, ${page.after.id}::uuid)`;
      q = q.where(after);
    }
    const dir = desc ? sql`DESC` : sql`ASC`;
    return q
      .orderBy(sql`${key.expr} ${dir}`)
      .orderBy(sql`l.id ${dir}`)
      .limit(page.limit + 1)
      .execute();
  },

  async count(filter: LeadFilter, trx: Trx) {
    const q = trx
      .selectFrom('lead as l')
      .leftJoin('property as p', (j) => j.onRef('p.organization_id', '=', 'l.organization_id').onRef('p.id', '=', 'l.property_id'))
      .leftJoin('person as pe', (j) => j.onRef('pe.organization_id', '=', 'l.organization_id').onRef('pe.id', '=', 'l.person_id'))
      .select(sql<number>`count(*)::int`.as('n'))
      .where((eb) => eb.and(filterConditions(filter)));
    return (await q.executeTakeFirstOrThrow()).n;
  },

  findLead(id: string, trx: Trx) {
    return trx.selectFrom('lead').selectAll().where('id', '=', id).where('deleted_at', 'is', null).executeTakeFirst();
  },
  findProperty(id: string, trx: Trx) {
    return trx.selectFrom('property').selectAll().where('id', '=', id).executeTakeFirst();
  },
  findPerson(id: string, trx: Trx) {
    return trx.selectFrom('person').selectAll().where('id', '=', id).executeTakeFirst();
  },
  contactPointsOf(personId: string, trx: Trx) {
    return trx
      .selectFrom('contact_point')
      .selectAll()
      .where('person_id', '=', personId)
      .orderBy('kind')
      .orderBy(sql`score DESC NULLS LAST`)
      .orderBy('first_seen_at')
      .execute();
  },
  contactPointsOfMany(personIds: string[], trx: Trx) {
    if (personIds.length === 0) return Promise.resolve([]);
    return trx
      .selectFrom('contact_point')
      .select(['person_id', 'kind', 'value', 'value_enc', 'type', 'dnc', 'verified', 'score'])
      .where('person_id', 'in', personIds)
      .orderBy('person_id')
      .orderBy('kind')
      .orderBy(sql`score DESC NULLS LAST`)
      .orderBy('first_seen_at')
      .orderBy('value_hash') // the same order every time, for exports that are compared
      .execute();
  },
  statusHistory(leadId: string, trx: Trx) {
    return trx
      .selectFrom('lead_status_history')
      .select(['from_status', 'to_status', 'trigger_type', 'changed_by', 'changed_at'])
      .where('lead_id', '=', leadId)
      .orderBy('changed_at')
      .orderBy('id')
      .execute();
  },
  scoreHistory(leadId: string, trx: Trx) {
    return trx
      .selectFrom('lead_score_history')
      .select(['scorer', 'version', 'score', 'factors', 'calculated_at'])
      .where('lead_id', '=', leadId)
      .orderBy('calculated_at')
      .orderBy('id')
      .execute();
  },
  fieldHistory(leadId: string, limit: number, trx: Trx) {
    return trx
      .selectFrom('lead_field_audit')
      .select(['field', 'old_value', 'new_value', 'changed_by', 'via', 'changed_at'])
      .where('lead_id', '=', leadId)
      .orderBy('changed_at', 'desc')
      .orderBy('id', 'desc')
      .limit(limit)
      .execute();
  },
  /** Change one lead or several in one statement; the ids changed (a deleted or unseen lead is not among them). */
  updateLeads(
    ids: string[],
    patch: { status?: LeadStatus; tags?: string[]; assignee_id?: string | null; notes?: string | null; next_follow_up_at?: Date | null },
    edit: { addTags?: string[]; removeTags?: string[] },
    trx: Trx,
  ) {
    const { tags, ...rest } = patch;
    let q = trx.updateTable('lead').set(rest);
    if (edit.addTags?.length || edit.removeTags?.length) {
      // set arithmetic on tags in SQL, so concurrent edits of different tags both stand
      const base = tags ? sql`${sql.val(tags)}::text[]` : sql.ref('tags');
      q = q.set({
        tags: sql`ARRAY(SELECT DISTINCT t FROM unnest(array_cat(${base}, ${sql.val(edit.addTags ?? [])}::text[])) t
                 WHERE t <> ALL (${sql.val(edit.removeTags ?? [])}::text[]) ORDER BY t)`,
      });
    } else if (tags) {
      q = q.set({ tags });
    }
    return q.where('id', '=', sql<string>`ANY(${sql.val(ids)}::uuid[])`).where('deleted_at', 'is', null).returning(['id']).execute();
  },
  softDelete(id: string, trx: Trx) {
    return trx.updateTable('lead').set({ deleted_at: new Date() }).where('id', '=', id).where('deleted_at', 'is', null).returning(['id']).executeTakeFirst();
  },
  /** An access or export row in audit_log, written by the database for the current actor. */
  async recordAccess(entry: { action: 'access' | 'export'; entity: string; entity_id: string | null; details: object }, trx: Trx) {
    await sql`SELECT audit_record(${entry.action}, ${entry.entity}, ${entry.entity_id}::uuid, ${JSON.stringify(entry.details)}::jsonb)`.execute(trx);
  },
};
