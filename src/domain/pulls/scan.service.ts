import { sql } from 'kysely';
import { z } from 'zod';
import { AppError } from '../../app/errors.ts';
import { parseInput } from '../../app/validate.ts';
import type { Database } from '../../db/database.ts';
import { withTenant, type Actor, type Trx } from '../../db/tenant.ts';
import { requireRole } from '../tenancy/tenancy.service.ts';
import type { PullService } from './pull.service.ts';

// Area scans (Fish Mouth's area_scans): every property of a city, a ZIP or a custom area,
// pulled through the property-search port as a job, with its progress live on the scan's row
// (pending → queued → in_progress → completed | failed) and a summary at the end. A scan is a
// pull underneath, so scanning an area again pays only for what is new there.

export const ScanRequest = z.object({
  area: z.string().trim().min(1).max(200),
  type: z.enum(['city', 'zip_code', 'custom_area']).default('city'),
  filters: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])).optional(),
  source: z.string().trim().regex(/^[a-z0-9_-]{1,40}$/).default('local'),
  page_size: z.number().int().min(1).max(1000).default(100),
}).strict().refine((r) => r.type !== 'zip_code' || /^\d{5}$/.test(r.area), { message: 'a zip_code scan needs a 5-digit ZIP', path: ['area'] });

/** A qualified lead: an individual owner (not a company) with at least this much equity. */
const QUALIFIED_EQUITY_PERCENT = 20;

export function createScanService(deps: { db: Database; pulls: PullService }) {
  const { db, pulls } = deps;
  const tenant = <T>(actor: Actor, fn: (trx: Trx) => Promise<T>) => withTenant(db, actor, fn);
  const setStatus = (id: string, values: Record<string, unknown>, trx: Trx) => trx.updateTable('area_scan').set(values).where('id', '=', id).execute();

  async function get(actor: Actor, id: string) {
    const scan = await tenant(actor, (trx) => trx.selectFrom('area_scan').selectAll().where('id', '=', id).executeTakeFirst());
    if (!scan) throw new AppError('NOT_FOUND', `no scan ${id}`);
    return scan;
  }

  /** Counts, owner mix and the top leads of what the scan's pull brought in. */
  async function summarize(pullRunId: string, trx: Trx) {
    const r = await sql<{ summary: Record<string, unknown>; qualified: number }>`
      WITH ids AS (SELECT DISTINCT unnest(seen_vendor_ids) AS vendor_id, e.source FROM lead_source_event e WHERE e.pull_run_id = ${pullRunId}::uuid),
      l AS (
        SELECT l.id, p.normalized_line, p.city, p.state, p.zip, p.property_type, p.owner_occupied, p.equity_percent, p.estimated_value_cents,
               pe.is_company, coalesce(pe.full_name, pe.company_name) AS owner,
               pe.id IS NOT NULL AND NOT pe.is_company AND coalesce(p.equity_percent, 0) >= ${QUALIFIED_EQUITY_PERCENT} AS qualified
        FROM ids JOIN lead l ON l.source = ids.source AND l.vendor_record_id = ids.vendor_id AND l.deleted_at IS NULL
        LEFT JOIN property p ON p.organization_id = l.organization_id AND p.id = l.property_id
        LEFT JOIN person pe ON pe.organization_id = l.organization_id AND pe.id = l.person_id
      )
      SELECT count(*) FILTER (WHERE qualified)::int AS qualified, jsonb_build_object(
        'leads', count(*),
        'qualified_leads', count(*) FILTER (WHERE qualified),
        'owner_occupied', count(*) FILTER (WHERE owner_occupied),
        'company_owned', count(*) FILTER (WHERE is_company),
        'by_property_type', coalesce((SELECT jsonb_object_agg(coalesce(t, 'unknown'), n) FROM (SELECT property_type AS t, count(*) AS n FROM l GROUP BY 1) x), '{}'),
        'average_equity_percent', round(avg(equity_percent), 1),
        'top_leads', coalesce((SELECT jsonb_agg(t) FROM (
           SELECT id AS lead_id, normalized_line AS address, city, state, zip, owner, equity_percent, estimated_value_cents
           FROM l WHERE qualified ORDER BY equity_percent DESC NULLS LAST, estimated_value_cents DESC NULLS LAST, id LIMIT 10) t), '[]')
      ) AS summary FROM l`.execute(trx);
    return r.rows[0]!;
  }

  return {
    /** A scan row, pending, then queued for a worker (or worked straight away by the caller). */
    async create(actor: Actor, input: unknown) {
      requireRole(actor, 'manager', 'scan an area');
      const req = parseInput(ScanRequest, input);
      return tenant(actor, (trx) => trx.insertInto('area_scan').values({
        organization_id: actor.organizationId, area_name: req.area, scan_type: req.type, created_by: actor.userId,
        scan_parameters: JSON.stringify({ filters: req.filters ?? {}, source: req.source, page_size: req.page_size }),
      }).returningAll().executeTakeFirstOrThrow());
    },

    async queue(actor: Actor, id: string) {
      await tenant(actor, (trx) => setStatus(id, { status: 'queued' }, trx));
    },

    get,
    list: (actor: Actor, limit = 20) => tenant(actor, (trx) => trx.selectFrom('area_scan').selectAll().orderBy('created_at', 'desc').limit(limit).execute()),

    /** Work a queued scan to its end, updating its progress as pages land. */
    async work(actor: Actor, id: string, onProgress?: (scan: { processed: number; total: number; percent: number }) => void) {
      const scan = await get(actor, id);
      if (scan.status === 'completed') return scan;
      if (scan.status === 'pending' || scan.status === 'failed') await tenant(actor, (trx) => setStatus(id, { status: 'queued' }, trx));
      await tenant(actor, (trx) => setStatus(id, { status: 'in_progress', started_at: scan.started_at ?? new Date(), error_message: null }, trx));
      const params = scan.scan_parameters as { filters: Record<string, unknown>; source: string; page_size: number };
      const query = scan.scan_type === 'zip_code'
        ? { zip_codes: [scan.area_name], filters: params.filters }
        : { area: { type: scan.scan_type, value: scan.area_name }, filters: params.filters };
      try {
        const { run } = await pulls.open(actor, { source: params.source, query, page_size: params.page_size, resume: true });
        await tenant(actor, (trx) => setStatus(id, { pull_run_id: run.id }, trx));
        const done = await pulls.work(actor, run.id, async (p) => {
          const total = Math.max(p.total ?? p.records, p.records);
          const percent = total ? Math.min(100, Math.round((10000 * p.records) / total) / 100) : 0;
          await tenant(actor, (trx) => setStatus(id, { processed_properties: p.records, total_properties: total, progress_percentage: percent }, trx));
          onProgress?.({ processed: p.records, total, percent });
        });
        return await tenant(actor, async (trx) => {
          const { summary, qualified } = await summarize(done.id, trx);
          await setStatus(id, {
            status: 'completed', completed_at: new Date(), progress_percentage: 100, processed_properties: done.records,
            total_properties: Math.max(done.total_available ?? done.records, done.records), qualified_leads: qualified,
            results_summary: JSON.stringify({ ...summary, pages: done.pages_fetched, new_records: done.new_records, known_records: done.known_records, cost_cents: done.cost_cents, stop_reason: done.stop_reason }),
          }, trx);
          return trx.selectFrom('area_scan').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
        });
      } catch (e) {
        await tenant(actor, (trx) => setStatus(id, { status: 'failed', completed_at: new Date(), error_message: e instanceof Error ? e.message : String(e) }, trx)).catch(() => {});
        throw e;
      }
    },
  };
}

export type ScanService = ReturnType<typeof createScanService>;
