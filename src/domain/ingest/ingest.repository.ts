import { CompiledQuery, sql, type Kysely } from 'kysely';
import { copyRows, type Cell } from '../../db/bulk.ts';
import { asSessionRole, type Trx } from '../../db/tenant.ts';
import * as merge from './merge-sql.ts';
import type { BatchIssue } from './normalize-batch.ts';
import { CONTACT_STAGE_COLUMNS, STAGE_COLUMNS, STAGE_DDL } from './stage.ts';

// Imports, their rejected rows, saved mappings and the staged merge. The only place with SQL
// for ingest; the merge statements themselves are generated in merge-sql.ts.

export type ImportRecord = Awaited<ReturnType<typeof ingestRepository.getImport>>;

export interface NewImport {
  source: string;
  file_name: string;
  file_path: string | null;
  content_sha256: Buffer;
  byte_size: number;
  forced: boolean;
  preset: string | null;
  mapping: Record<string, string>;
  columns: string[];
  encoding: string;
  delimiter: string;
  batch_size: number;
  notes: string[];
  created_by: string | null;
}

export interface BatchCounts {
  rows_read: number;
  rows_rejected: number;
  leads_inserted: number;
  leads_merged: number;
  properties_inserted: number;
  persons_inserted: number;
  contact_points_added: number;
  contact_points_merged: number;
  identity_conflicts: number;
  warnings: number;
}

export const COUNT_FIELDS: (keyof BatchCounts)[] = [
  'rows_read', 'rows_rejected', 'leads_inserted', 'leads_merged', 'properties_inserted', 'persons_inserted',
  'contact_points_added', 'contact_points_merged', 'identity_conflicts', 'warnings',
];

/** The staging columns plans depend on (statistics on all seventy cost more than the rest of a round). */
const ANALYZED_STAGE_COLUMNS = 'line, property_id, property_new, person_id, person_new, lead_id, lead_new, name_key, vendor_record_id';

const run = (trx: Kysely<any>, statement: string, params: unknown[] = []) =>
  trx.executeQuery<Record<string, number>>(CompiledQuery.raw(statement, params));

export const ingestRepository = {
  /** Insert the import unless one of the same content exists (unforced): then undefined. */
  async createImport(org: string, values: NewImport, trx: Trx) {
    return trx
      .insertInto('import')
      .values({ organization_id: org, ...values, mapping: JSON.stringify(values.mapping), notes: JSON.stringify(values.notes) })
      .onConflict((oc) => oc.columns(['organization_id', 'kind', 'content_sha256']).where('forced', '=', false).doNothing())
      .returningAll()
      .executeTakeFirst();
  },

  async findByContent(sha: Buffer, trx: Trx) {
    return trx.selectFrom('import').selectAll().where('kind', '=', 'leads').where('content_sha256', '=', sha).where('forced', '=', false).executeTakeFirst();
  },

  async getImport(id: string, trx: Trx) {
    return trx.selectFrom('import').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  },

  async findImport(id: string, trx: Trx) {
    return trx.selectFrom('import').selectAll().where('id', '=', id).executeTakeFirst();
  },

  async listImports(limit: number, trx: Trx) {
    return trx.selectFrom('import').selectAll().orderBy('created_at', 'desc').orderBy('id').limit(limit).execute();
  },

  async markRunning(id: string, trx: Trx) {
    await trx.updateTable('import').set({ status: 'running', started_at: sql`coalesce(started_at, now())`, error: null }).where('id', '=', id).execute();
  },

  async finish(id: string, status: 'completed' | 'failed', error: string | null, trx: Trx) {
    await trx.updateTable('import').set({ status, error, finished_at: sql`now()` }).where('id', '=', id).execute();
  },

  /** Add a committed batch's counts and move the checkpoint, in the batch's transaction. */
  async checkpoint(id: string, batch: number, bytesDone: number, counts: BatchCounts, trx: Trx) {
    const result = await trx
      .updateTable('import')
      .set((eb) => ({
        batches_done: batch,
        bytes_done: bytesDone,
        ...Object.fromEntries(COUNT_FIELDS.map((f) => [f, eb(f, '+', counts[f])])),
      }))
      .where('id', '=', id)
      .where('batches_done', '=', batch - 1) // a second runner of the same import fails here
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) !== 1) throw new Error(`import ${id}: batch ${batch} was already committed by another run`);
  },

  /** Mark the transaction as this import's batch: the audit log then counts what it creates. */
  async beginBatch(importId: string, trx: Trx) {
    await run(trx, `SELECT set_config('app.batch_id', $1, true)`, [importId]);
  },

  async recordIssues(importId: string, issues: BatchIssue[], trx: Trx) {
    if (issues.length === 0) return;
    const seq = new Map<number, number>();
    const seqs = issues.map((i) => {
      const n = seq.get(i.line) ?? 0;
      seq.set(i.line, n + 1);
      return n;
    });
    await sql`
      INSERT INTO import_issue (organization_id, import_id, line, seq, severity, column_name, reason, raw)
      SELECT app_org_id(), ${importId}::uuid, x.line, x.seq, x.severity, x.column_name, x.reason, x.raw
      FROM unnest(${issues.map((i) => i.line)}::int[], ${seqs}::smallint[], ${issues.map((i) => i.severity)}::text[],
                  ${issues.map((i) => i.column)}::text[], ${issues.map((i) => i.reason)}::text[], ${issues.map((i) => i.raw)}::text[])
        AS x(line, seq, severity, column_name, reason, raw)
      ON CONFLICT DO NOTHING`.execute(trx);
  },

  async listIssues(importId: string, severity: 'error' | 'warning' | null, trx: Trx) {
    let q = trx.selectFrom('import_issue').select(['line', 'seq', 'severity', 'column_name', 'reason', 'raw']).where('import_id', '=', importId);
    if (severity) q = q.where('severity', '=', severity);
    return q.orderBy('line').orderBy('seq').execute();
  },

  /** A batch's session settings and the session's staging tables; run before the transaction takes the application role. */
  async prepareStage(trx: Trx) {
    // JIT compiling pays off for long analytic queries, not for a batch's short statements
    // (it cost up to 200 ms each). A batch's commit need not wait for its WAL to reach disk:
    // a batch lost to a server crash takes its checkpoint with it, and the resume redoes it.
    await run(trx, 'SET LOCAL jit = off');
    await run(trx, 'SET LOCAL synchronous_commit = off');
    // once per connection: DDL on every batch would rewrite the catalog and void cached plans
    const ready = await run(trx, `SELECT to_regclass('pg_temp.import_stage') IS NOT NULL AS ready`);
    if (ready.rows[0]!.ready) return;
    for (const statement of STAGE_DDL) await run(trx, statement);
  },

  /**
   * Merge one round of staged rows (no two sharing a key). Returns the lines deferred to the
   * next round, because they reached a parcel another row of this round also reached.
   */
  async mergeRound(importId: string, rows: Cell[][], contacts: Cell[][], opts: { analyze: boolean }, trx: Trx) {
    await run(trx, 'DELETE FROM import_stage');
    await run(trx, 'DELETE FROM import_stage_contact');
    await asSessionRole(trx, async () => {
      await copyRows(trx, 'import_stage', STAGE_COLUMNS.map((c) => c.name), rows);
      await copyRows(trx, 'import_stage_contact', CONTACT_STAGE_COLUMNS.map((c) => c.name), contacts);
    });
    await run(trx, merge.RESOLVE_PROPERTIES);
    const deferred = (await run(trx, merge.DEFER_SHARED_PARCELS)).rows.map((r) => Number(r.line));
    const conflicts = Number((await run(trx, merge.RECORD_CONFLICTS, [importId])).numAffectedRows ?? 0);
    await run(trx, merge.INSERT_PROPERTIES);
    await run(trx, merge.FILL_PROPERTIES);
    for (const statement of merge.RESOLVE_LEADS) await run(trx, statement);
    // A temporary table has no statistics until analyzed; without them, or with ones taken
    // before the resolution above filled its ids, the joins below are planned blind. A batch's
    // later rounds (the few rows deferred from the first) plan well on the first round's.
    if (opts.analyze) {
      await asSessionRole(trx, async () => {
        await run(trx, `ANALYZE import_stage (${ANALYZED_STAGE_COLUMNS})`);
        await run(trx, 'ANALYZE import_stage_contact (line)');
      });
    }
    await run(trx, merge.INSERT_PERSONS);
    await run(trx, merge.FILL_PERSONS);
    await run(trx, merge.INSERT_LEADS);
    await run(trx, merge.FILL_LEADS);
    const points = (await run(trx, merge.MERGE_CONTACT_POINTS)).rows[0]!;
    await run(trx, merge.RECORD_OFFERS);
    const counts = (await run(trx, merge.ROUND_COUNTS)).rows[0]!;
    return {
      deferred,
      counts: {
        leads_inserted: counts.leads_inserted!, leads_merged: counts.leads_merged!,
        properties_inserted: counts.properties_inserted!, persons_inserted: counts.persons_inserted!,
        contact_points_added: points.added!, contact_points_merged: points.merged!, identity_conflicts: conflicts,
      },
    };
  },

  /**
   * Fresh planner statistics for the tables an import grows. PGlite has no autovacuum, and on
   * the server it lags behind a bulk load; plans made on a table believed empty scan it whole.
   */
  async refreshStatistics(trx: Trx) {
    await run(trx, 'ANALYZE property, person, lead, contact_point');
  },

  async saveMapping(org: string, name: string, preset: string | null, columns: Record<string, string>, userId: string | null, trx: Trx) {
    return trx
      .insertInto('import_mapping')
      .values({ organization_id: org, name, preset, columns: JSON.stringify(columns), created_by: userId })
      .onConflict((oc) => oc.columns(['organization_id', 'name']).doUpdateSet({ preset, columns: JSON.stringify(columns) }))
      .returningAll()
      .executeTakeFirstOrThrow();
  },

  async findMapping(name: string, trx: Trx) {
    return trx.selectFrom('import_mapping').selectAll().where('name', '=', name).executeTakeFirst();
  },

  async listMappings(trx: Trx) {
    return trx.selectFrom('import_mapping').selectAll().orderBy('name').execute();
  },
};
