import { sql, type Expression, type SqlBool } from 'kysely';
import type { Trx } from '../../db/tenant.ts';

// A lead's timeline, read from the lead_timeline view (0015_campaigns.sql): every branch is
// filtered by the lead through its own lead index, then merged newest first. `at` travels as
// text with its microseconds, so a page boundary between two entries of the same millisecond
// neither repeats nor drops one.

export const TIMELINE_KINDS = ['message', 'compliance', 'status', 'assignment', 'score', 'enrichment', 'campaign', 'sequence', 'call', 'booking'] as const;
export type TimelineKind = (typeof TIMELINE_KINDS)[number];

export interface TimelineRow {
  at: Date;
  at_key: string;
  kind: TimelineKind;
  ref_id: string;
  summary: string;
  detail: Record<string, unknown>;
}

export const timelineRepository = {
  /** Whether the reader may see the lead (an agent sees theirs and the unassigned). */
  async leadVisible(leadId: string, trx: Trx): Promise<boolean> {
    const r = await trx.selectFrom('lead').select('id').where('id', '=', leadId).where('deleted_at', 'is', null).executeTakeFirst();
    return !!r;
  },

  async entries(leadId: string, opts: { kinds?: TimelineKind[]; limit: number; after?: { at: string; kind: string; ref: string } }, trx: Trx) {
    const where: Expression<SqlBool>[] = [sql<SqlBool>`t.organization_id = app_org_id()`, sql<SqlBool>`t.lead_id = ${leadId}::uuid`];
    if (opts.kinds?.length) where.push(sql<SqlBool>`t.kind = ANY(${opts.kinds}::text[])`);
    if (opts.after) where.push(sql<SqlBool>`(t.at, t.kind, t.ref_id) < (${opts.after.at}::timestamptz, ${opts.after.kind}, ${opts.after.ref})`);
    return (await sql<TimelineRow>`
      SELECT t.at, to_char(t.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS at_key, t.kind, t.ref_id, t.summary, t.detail
      FROM lead_timeline t
      WHERE ${sql.join(where, sql` AND `)}
      ORDER BY t.at DESC, t.kind DESC, t.ref_id DESC
      LIMIT ${opts.limit + 1}`.execute(trx)).rows;
  },
};
