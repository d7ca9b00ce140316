import { sql, type Selectable } from 'kysely';
import type { PullRunTable } from '../../db/schema-enrichment.ts';
import type { PropertyQuery } from '../../providers/ports.ts';
import type { Trx } from '../../db/tenant.ts';

// Pull runs, their pages (lead source events) and the bookmark of each query.

export type PullRun = Selectable<PullRunTable>;

export const pullRepository = {
  async findOpen(source: string, sig: Buffer, trx: Trx) {
    return trx.selectFrom('pull_run').selectAll().where('source', '=', source).where('query_sig', '=', sig).where('status', '<>', 'completed').executeTakeFirst();
  },

  async get(id: string, trx: Trx) {
    return trx.selectFrom('pull_run').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  },

  async find(id: string, trx: Trx) {
    return trx.selectFrom('pull_run').selectAll().where('id', '=', id).executeTakeFirst();
  },

  async list(limit: number, trx: Trx) {
    return trx.selectFrom('pull_run').selectAll().orderBy('created_at', 'desc').limit(limit).execute();
  },

  /** A new run with its import row (which carries the merge's counts, rejected records and conflicts). */
  async create(v: { source: string; query: PropertyQuery; sig: Buffer; pageSize: number; maxPages: number | null; userId: string | null }, trx: Trx) {
    const imp = await trx.insertInto('import').values({
      organization_id: sql`app_org_id()` as never, kind: 'pull', source: v.source, file_name: `${v.source} pull`, file_path: null, content_sha256: null,
      byte_size: 0, status: 'running', batch_size: v.pageSize, mapping: '{}', notes: '[]', created_by: v.userId, started_at: new Date(),
    }).returning('id').executeTakeFirstOrThrow();
    return trx.insertInto('pull_run').values({
      organization_id: sql`app_org_id()` as never, import_id: imp.id, source: v.source, query: JSON.stringify(v.query), query_sig: v.sig,
      page_size: v.pageSize, max_pages: v.maxPages, created_by: v.userId,
    }).returningAll().executeTakeFirstOrThrow();
  },

  /** Was any of these vendor ids seen by an earlier pull of the same query? (stop-when-known) */
  async seenBefore(runId: string, source: string, sig: Uint8Array, ids: string[], trx: Trx): Promise<boolean> {
    if (ids.length === 0) return false;
    const r = await sql<{ seen: boolean }>`
      SELECT EXISTS (SELECT 1 FROM lead_source_event WHERE source = ${source} AND query_sig = ${sig}
                     AND seen_vendor_ids && ${ids}::text[] AND pull_run_id <> ${runId}::uuid) AS seen`.execute(trx);
    return r.rows[0]!.seen;
  },

  /** How many of these vendor ids are already leads of this source (before the page merges). */
  async countKnown(source: string, ids: string[], trx: Trx): Promise<number> {
    if (ids.length === 0) return 0;
    const r = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM lead WHERE source = ${source} AND vendor_record_id = ANY (${ids}::text[]) AND deleted_at IS NULL`.execute(trx);
    return r.rows[0]!.n;
  },

  /** The page is in: record it, move the bookmark and the run's counts (in the page's transaction). */
  async recordPage(run: PullRun, page: { number: number; ids: string[]; known: number; costCents: number; total: number | null }, trx: Trx) {
    // the page was paid for: its commit must not be lost to a crash, or the resume pays again
    // (the import path commits asynchronously, which costs a file's batch only a redo)
    await sql`SET LOCAL synchronous_commit = on`.execute(trx);
    await trx.insertInto('lead_source_event').values({
      organization_id: run.organization_id, pull_run_id: run.id, source: run.source, query_sig: run.query_sig, page_number: page.number,
      seen_vendor_ids: page.ids, first_id: page.ids[0] ?? null, last_id: page.ids.at(-1) ?? null, records: page.ids.length,
      new_records: page.ids.length - page.known, cost_cents: page.costCents,
    }).execute();
    await sql`
      INSERT INTO source_bookmark (organization_id, source, query_sig, query, pull_run_id, last_page_fetched, last_seen_vendor_id)
      VALUES (app_org_id(), ${run.source}, ${run.query_sig}, ${JSON.stringify(run.query)}::jsonb, ${run.id}::uuid, ${page.number}, ${page.ids.at(-1) ?? null})
      ON CONFLICT (organization_id, source, query_sig) DO UPDATE SET pull_run_id = excluded.pull_run_id,
        last_page_fetched = excluded.last_page_fetched, last_seen_vendor_id = coalesce(excluded.last_seen_vendor_id, source_bookmark.last_seen_vendor_id)`.execute(trx);
    await trx.updateTable('pull_run').set((eb) => ({
      pages_fetched: page.number, records: eb('records', '+', page.ids.length), known_records: eb('known_records', '+', page.known),
      new_records: eb('new_records', '+', page.ids.length - page.known), cost_cents: eb('cost_cents', '+', page.costCents),
      total_available: page.total ?? run.total_available,
    })).where('id', '=', run.id).where('pages_fetched', '=', page.number - 1).execute();
  },

  async finish(run: PullRun, stop: 'known_record' | 'end_of_results' | 'max_pages', trx: Trx) {
    await trx.updateTable('pull_run').set({ status: 'completed', stop_reason: stop, finished_at: new Date(), error: null }).where('id', '=', run.id).execute();
    await trx.updateTable('import').set({ status: 'completed', finished_at: new Date() }).where('id', '=', run.import_id).execute();
  },

  async fail(runId: string, error: string, trx: Trx) {
    await trx.updateTable('pull_run').set({ status: 'failed', error }).where('id', '=', runId).where('status', '<>', 'completed').execute();
  },

  async markRunning(run: PullRun, trx: Trx) {
    await trx.updateTable('pull_run').set({ status: 'running', error: null }).where('id', '=', run.id).execute();
    await trx.updateTable('import').set({ status: 'running', error: null }).where('id', '=', run.import_id).execute();
  },

  /** Ledger attempts already made for a page (a crash mid-call leaves one): the next call's number. */
  async nextAttempt(runId: string, page: number, trx: Trx): Promise<number> {
    const r = await sql<{ n: number }>`SELECT count(*)::int AS n FROM cost_ledger WHERE run_id = ${runId}::uuid AND idempotency_key LIKE ${`pull:${runId}:${page}:%`}`.execute(trx);
    return r.rows[0]!.n + 1;
  },
};
