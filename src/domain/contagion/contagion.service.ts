import fs from 'node:fs';
import { sql, type Selectable } from 'kysely';
import type { ContagionClusterTable } from '../../db/schema-contagion.ts';
import { z } from 'zod';
import { notFound, validation } from '../../app/errors.ts';
import type { Failpoint } from '../../app/failpoints.ts';
import { isUuid, parseInput } from '../../app/validate.ts';
import type { Database } from '../../db/database.ts';
import { withTenant, type Actor } from '../../db/tenant.ts';
import { fileError } from '../ingest/ingest.service.ts';
import { isRowError, openCsv } from '../ingest/read-csv.ts';
import { readScoringSettings } from '../scoring/scoring-settings.ts';
import { requireRole } from '../tenancy/tenancy.service.ts';
import { CONTAGION_DDL, contagionRepository as repo } from './contagion.repository.ts';
import { isPermitIssue, mapPermitColumns, parsePermitRow, PERMIT_PRESETS, type PermitIssue, type PermitRow } from './permit-rows.ts';
import { permitsRepository as permits } from './permits.repository.ts';
import { propertyScoresRepository as scores } from './property-scores.repository.ts';

// Permit contagion: permits in, clusters found, every parcel near a cluster scored, and the
// leads on those parcels rescored (their roof score reads the parcel's urgency).

const ImportRequest = z.object({
  file: z.string().min(1),
  preset: z.string().optional(),
  source: z.string().trim().min(1).max(100).optional(),
}).strict();

const RunRequest = z.object({
  since: z.iso.date().optional(),
  as_of: z.iso.date().optional(),
}).strict();

const ClustersRequest = z.object({
  status: z.enum(['active', 'cooling', 'dissolved']).optional(),
  limit: z.coerce.number().int().min(1).max(10_000).default(50),
}).strict();

export interface PermitImportSummary {
  rows: number;
  added: number;
  updated: number;
  unchanged: number;
  /** Rows whose permit number appeared earlier in the file. */
  repeated: number;
  rejected: number;
  issues: PermitIssue[];
  totals: Awaited<ReturnType<typeof permits.summary>>;
}

export interface ContagionRunSummary {
  since: string;
  as_of: string;
  permits_matched: number;
  roofing_permits_in_window: number;
  clusters: number;
  dissolved: number;
  properties_reached: number;
  properties_written: number;
  properties_removed: number;
  urgency_changed: number;
  tiers: { tier: string; n: number }[];
  /** Seconds per step: matching permits to parcels, finding and saving clusters, scoring parcels, rescoring leads. */
  steps: Record<string, number>;
  seconds: number;
}

export type ClusterRow = Omit<Selectable<ContagionClusterTable>, 'organization_id' | 'anchor_permit_id' | 'metadata' | 'created_at'>;

const BATCH = 5_000;

export function createContagionService(deps: { db: Database; now?: () => Date; failpoint?: Failpoint; afterRun?: (actor: Actor) => Promise<unknown> }) {
  const failpoint = deps.failpoint ?? (() => {});
  const tenant = <T>(actor: Actor, fn: Parameters<typeof withTenant<T>>[2]) => withTenant(deps.db, actor, fn);
  const today = () => (deps.now?.() ?? new Date()).toISOString().slice(0, 10);

  return {
    /** Import a file of building permits: the good rows land (one per permit number), each bad row is reported by line and field. */
    async importPermits(actor: Actor, input: unknown): Promise<PermitImportSummary> {
      requireRole(actor, 'manager', 'import permits');
      const req = parseInput(ImportRequest, input);
      if (req.preset && !PERMIT_PRESETS[req.preset]) throw validation('preset', `'${req.preset}' is not a permit preset (${Object.keys(PERMIT_PRESETS).join(', ')})`);
      if (!fs.existsSync(req.file)) throw validation('file', `${req.file} does not exist`);
      const csv = await openCsv(fs.createReadStream(req.file)).catch((e: unknown) => Promise.reject(fileError(e)));
      const map = mapPermitColumns(csv.header.columns, req.preset);
      for (const f of ['permit_number', 'permit_date'] as const) {
        if (map.index[f] === undefined) throw validation(f, `no column for ${f} in the file (columns: ${csv.header.columns.slice(0, 12).join(', ')}${req.preset ? '' : '; try --preset'})`);
      }
      const source = req.source ?? req.preset ?? 'permits';
      const issues: PermitIssue[] = [];
      let rows = 0;
      let staged = 0;
      return withTenant(deps.db, actor, async (trx) => {
        let batch: PermitRow[] = [];
        for await (const item of csv.rows) {
          rows++;
          if (isRowError(item)) {
            issues.push({ line: item.line, field: item.column, reason: item.reason });
            continue;
          }
          const parsed = parsePermitRow(item.line, item.values, map);
          if (isPermitIssue(parsed)) issues.push(parsed);
          else {
            batch.push(parsed);
            staged++;
          }
          if (batch.length >= BATCH) {
            await permits.stage(batch, trx);
            batch = [];
          }
        }
        await permits.stage(batch, trx);
        failpoint('permits.staged');
        const m = await permits.merge(source, trx);
        return {
          rows, added: m.added, updated: m.updated, unchanged: m.distinct - m.added - m.updated, repeated: staged - m.distinct,
          rejected: issues.length, issues, totals: await permits.summary(trx),
        };
      }, (trx) => permits.prepare(trx));
    },

    /** Find the clusters and score every parcel near them; then rescore the leads on those parcels. */
    async run(actor: Actor, input: unknown): Promise<ContagionRunSummary> {
      requireRole(actor, 'manager', 'run contagion');
      const req = parseInput(RunRequest, input ?? {});
      const started = performance.now();
      const asOf = req.as_of ?? today();
      const out = await withTenant(deps.db, actor, async (trx) => {
        const c = (await readScoringSettings(trx)).contagion;
        const since = req.since ?? (await sql<{ d: string }>`SELECT to_char(${asOf}::date - make_interval(months => ${c.window_months}), 'YYYY-MM-DD') AS d`.execute(trx)).rows[0]!.d;
        if (since > asOf) throw validation('since', `${since} is after the day the run looks from (${asOf})`);
        const steps: Record<string, number> = {};
        const step = async <T>(name: string, fn: () => Promise<T>) => {
          const t = performance.now();
          const r = await fn();
          steps[name] = Math.round(performance.now() - t) / 1000;
          return r;
        };
        const matched = await step('match_permits', () => repo.matchPermits(trx));
        const found = await step('find_clusters', () => repo.findClusters(c, since, asOf, trx));
        const saved = await step('save_clusters', () => repo.saveClusters(c, asOf, trx));
        const s = await step('score_parcels', () => scores.score(c, trx));
        failpoint('contagion.scored'); // everything written, nothing committed
        const tiers = await sql<{ tier: string; n: number }>`
          SELECT urgency_tier AS tier, count(*)::int AS n FROM property_score WHERE organization_id = app_org_id()
          GROUP BY 1 ORDER BY array_position(ARRAY['hot', 'warm', 'cold'], urgency_tier)`.execute(trx);
        return {
          since, as_of: asOf, permits_matched: matched, roofing_permits_in_window: found.permits, clusters: saved.clusters, dissolved: saved.dissolved,
          properties_reached: s.reached, properties_written: s.written, properties_removed: s.removed, urgency_changed: s.urgency_changed, tiers: tiers.rows,
          steps,
        };
      }, async (trx) => {
        for (const statement of CONTAGION_DDL) await sql.raw(statement).execute(trx);
      });
      failpoint('contagion.committed'); // the parcels scored, their leads not yet rescored
      const t = performance.now();
      await deps.afterRun?.(actor);
      out.steps.rescore_leads = Math.round(performance.now() - t) / 1000;
      return { ...out, seconds: (performance.now() - started) / 1000 };
    },

    /** The clusters, best first. */
    async clusters(actor: Actor, input: unknown) {
      const q = parseInput(ClustersRequest, input ?? {});
      return tenant(actor, async (trx) => {
        const r = await sql<ClusterRow>`
          SELECT k.id, k.status, k.cluster_score, k.permit_count, k.city, k.state, k.subdivision, k.center_latitude, k.center_longitude,
                 k.radius_miles::float8 AS radius_miles, k.avg_permit_value_cents::int8 AS avg_permit_value_cents,
                 to_char(k.date_range_start, 'YYYY-MM-DD') AS date_range_start, to_char(k.date_range_end, 'YYYY-MM-DD') AS date_range_end,
                 k.avg_year_built, k.properties_in_cluster, k.properties_scored, k.hot_leads_generated, k.contractors, k.last_scored_at
          FROM contagion_cluster k WHERE k.organization_id = app_org_id() AND (${q.status ?? null}::text IS NULL OR k.status = ${q.status ?? null})
          ORDER BY k.status = 'dissolved', k.cluster_score DESC, k.permit_count DESC, k.id LIMIT ${q.limit}`.execute(trx);
        return r.rows.map((x): ClusterRow => ({ ...x, avg_permit_value_cents: x.avg_permit_value_cents === null ? null : Number(x.avg_permit_value_cents) }));
      });
    },

    /** A parcel's contagion scoring, by the parcel's id or one of its leads'. */
    async propertyScore(actor: Actor, id: string) {
      if (!isUuid(id)) throw validation('id', `'${id}' is not a lead or parcel id`);
      return tenant(actor, async (trx) => {
        const r = await sql<Record<string, unknown>>`
          SELECT ps.*, to_char(ps.nearest_permit_date, 'YYYY-MM-DD') AS nearest_permit_date FROM property_score ps
          WHERE ps.organization_id = app_org_id()
            AND ps.property_id = coalesce((SELECT l.property_id FROM lead l WHERE l.organization_id = app_org_id() AND l.id = ${id}::uuid), ${id}::uuid)`.execute(trx);
        if (!r.rows[0]) throw notFound('a contagion score for the lead or parcel', id);
        return r.rows[0];
      });
    },
  };
}

export type ContagionService = ReturnType<typeof createContagionService>;
