import { sql, type RawBuilder } from 'kysely';
import type { EnrichStage, SkipReason } from '../../db/schema-enrichment.ts';
import type { Trx } from '../../db/tenant.ts';
import type { EnrichmentSettings } from './settings.ts';

// The waterfall's SQL: runs, their tasks (one per lead per stage), the gates that skip a lead
// before anything is bought, and the look-ups a stage sends to its provider. Set-based: each
// statement covers a chunk of leads.

export type ProviderStage = Exclude<EnrichStage, 'score'>;
export const PROVIDER_STAGES: ProviderStage[] = ['append', 'skip_trace', 'verify'];
export const STAGES: EnrichStage[] = [...PROVIDER_STAGES, 'score'];

export interface Selector {
  lead_ids?: string[];
  status?: string[];
  source?: string;
  tag?: string;
  import_id?: string;
  limit?: number;
}

/** The live leads a selector names. */
export function selectorWhere(s: Selector): RawBuilder<unknown> {
  const parts: RawBuilder<unknown>[] = [sql`l.deleted_at IS NULL`];
  if (s.lead_ids?.length) parts.push(sql`l.id = ANY (${s.lead_ids}::uuid[])`);
  if (s.status?.length) parts.push(sql`l.status = ANY (${s.status}::text[])`);
  if (s.source) parts.push(sql`l.source = ${s.source}`);
  if (s.tag) parts.push(sql`${s.tag} = ANY (l.tags)`);
  return sql.join(parts, sql` AND `);
}

export interface ChunkLead {
  lead_id: string;
  person_id: string | null;
  first_name: string | null;
  last_name: string | null;
  full_name: string | null;
  address_line1: string | null;
  city: string | null;
  state: string | null;
  zip: string | null;
  mailing_line1: string | null;
  mailing_city: string | null;
  mailing_state: string | null;
  mailing_zip: string | null;
  attempt: number;
}

export interface PointToVerify {
  lead_id: string;
  contact_point_id: string;
  kind: 'phone' | 'email';
  value: string | null;
  value_enc: Uint8Array | null;
  attempt: number;
}

export const enrichmentRepository = {
  async createRun(values: { selector: Selector; settings: EnrichmentSettings; maxSpendCents: number | null; refresh: boolean; userId: string | null }, trx: Trx) {
    return trx.insertInto('enrichment_run').values({
      organization_id: sql`app_org_id()` as never, selector: JSON.stringify(values.selector), settings: JSON.stringify(values.settings),
      max_spend_cents: values.maxSpendCents, refresh: values.refresh, created_by: values.userId,
    }).returningAll().executeTakeFirstOrThrow();
  },

  /** The run's selection, fixed once as its score-stage tasks (every stage takes its leads from there). */
  async selectLeads(runId: string, selector: Selector, trx: Trx): Promise<number> {
    const r = await sql`
      INSERT INTO enrichment_task (organization_id, run_id, stage, lead_id)
      SELECT app_org_id(), ${runId}::uuid, 'score', l.id FROM lead l WHERE ${selectorWhere(selector)}
      ORDER BY l.id ${selector.limit ? sql`LIMIT ${selector.limit}` : sql``}
      ON CONFLICT DO NOTHING`.execute(trx);
    const n = Number(r.numAffectedRows ?? 0);
    await trx.updateTable('enrichment_run').set({ leads_selected: n }).where('id', '=', runId).execute();
    return n;
  },

  async countSelection(selector: Selector, trx: Trx): Promise<number> {
    const r = await sql<{ n: number }>`SELECT count(*)::int AS n FROM (SELECT 1 FROM lead l WHERE ${selectorWhere(selector)} ${selector.limit ? sql`LIMIT ${selector.limit}` : sql``}) x`.execute(trx);
    return r.rows[0]!.n;
  },

  async ensureStageTasks(runId: string, stage: ProviderStage, trx: Trx) {
    await sql`
      INSERT INTO enrichment_task (organization_id, run_id, stage, lead_id)
      SELECT organization_id, run_id, ${stage}, lead_id FROM enrichment_task WHERE run_id = ${runId} AND stage = 'score'
      ON CONFLICT DO NOTHING`.execute(trx);
  },

  /** After a crash: calls that were under way go back to pending (their ledger rows are settled in doubt). */
  async reopenCalling(runId: string, trx: Trx) {
    await sql`UPDATE enrichment_task SET status = 'pending', updated_at = now() WHERE run_id = ${runId} AND status = 'calling'`.execute(trx);
  },

  /** Deferred work whose day has come is pending again. */
  async wakeDeferred(runId: string, trx: Trx) {
    await sql`UPDATE enrichment_task SET status = 'pending', reason = NULL, not_before = NULL, updated_at = now()
              WHERE run_id = ${runId} AND status = 'deferred' AND not_before <= now()`.execute(trx);
  },

  /** The next pending leads of a stage, in lead order, after the last one already taken (if any). */
  async nextChunk(runId: string, stage: EnrichStage, size: number, after: string | null, trx: Trx): Promise<string[]> {
    const r = await sql<{ lead_id: string }>`
      SELECT lead_id FROM enrichment_task WHERE run_id = ${runId} AND stage = ${stage} AND status = 'pending'
        AND (${after}::uuid IS NULL OR lead_id > ${after}::uuid)
      ORDER BY lead_id LIMIT ${size}`.execute(trx);
    return r.rows.map((x) => x.lead_id);
  },

  /**
   * The gates, for one chunk, before anything is bought: a lead the stage already bought for
   * (in any run), without an owner to look up, already good enough, with nothing to verify,
   * or not worth the price is skipped with its reason.
   */
  async gate(runId: string, stage: ProviderStage, ids: string[], s: EnrichmentSettings, refresh: boolean, trx: Trx) {
    const price = s.stages[stage].price_cents;
    const r = await sql<{ reason: SkipReason; n: number }>`
      WITH q AS MATERIALIZED (SELECT * FROM lead_quality_factors(app_org_id(), ${ids}::uuid[], ${s.min_confidence})),
      -- materialized: each gate is worked out once per lead, not once per task row it is joined to
      g AS MATERIALIZED (
        SELECT l.id, CASE
          WHEN l.deleted_at IS NOT NULL OR l.status IN ('closed_won', 'closed_lost', 'dnc') THEN 'not_worth_it'
          WHEN NOT ${refresh} AND done.any THEN 'already_done'
          WHEN ${stage} <> 'verify' AND l.person_id IS NULL THEN 'no_owner'
          WHEN q.score >= ${s.contactable_threshold} THEN 'good_enough'
          WHEN ${stage} = 'skip_trace' AND q.prospective >= ${s.contactable_threshold} THEN 'good_enough'
          WHEN ${stage} = 'verify' AND v.points = 0 THEN 'nothing_to_verify'
          -- expected value: the organization's value per conversion × its conversion rate, moved by
          -- the lead's own score (50 = an average lead)
          WHEN ${s.value_per_conversion_cents}::numeric * ${s.conversion_rate}
               * coalesce(coalesce(l.motivation_score, l.lead_score) / 50.0, 1)
               < ${price}::numeric * ${s.pay_factor} * greatest(v.points, 1) THEN 'not_worth_it'
        END AS reason
        FROM q JOIN lead l ON l.organization_id = app_org_id() AND l.id = q.lead_id
        -- a lateral probe of the lead's few tasks (as EXISTS, the planner may scan every task once)
        CROSS JOIN LATERAL (SELECT count(*) > 0 AS any FROM (SELECT 1 FROM enrichment_task d WHERE d.organization_id = l.organization_id
                              AND d.lead_id = l.id AND d.stage = ${stage} AND d.status = 'done' AND d.run_id <> ${runId}::uuid LIMIT 1) d) done
        CROSS JOIN LATERAL (SELECT count(*)::int AS points FROM contact_point c
                            WHERE ${stage} = 'verify' AND c.organization_id = l.organization_id AND c.person_id = l.person_id
                              AND c.verification IS NULL) v
      ), u AS (
        UPDATE enrichment_task t SET status = 'skipped', reason = g.reason, updated_at = now()
        FROM g WHERE t.run_id = ${runId} AND t.stage = ${stage} AND t.lead_id = g.id AND g.reason IS NOT NULL AND t.status = 'pending'
        RETURNING t.reason
      )
      SELECT reason, count(*)::int AS n FROM u GROUP BY reason`.execute(trx);
    return r.rows;
  },

  /** The owners and parcels of the chunk's leads still pending, for a person look-up. */
  async lookupsFor(runId: string, stage: ProviderStage, ids: string[], trx: Trx): Promise<ChunkLead[]> {
    const r = await sql<ChunkLead>`
      SELECT t.lead_id, l.person_id, pe.first_name, pe.last_name, coalesce(pe.full_name, pe.company_name) AS full_name,
             coalesce(p.normalized_line, p.address_line1) AS address_line1, p.city, p.state, p.zip,
             pe.mailing_line1, pe.mailing_city, pe.mailing_state, pe.mailing_zip, t.attempt
      FROM unnest(${ids}::uuid[]) AS ids(id)
      JOIN enrichment_task t ON t.organization_id = app_org_id() AND t.run_id = ${runId} AND t.stage = ${stage} AND t.lead_id = ids.id
      JOIN lead l ON l.organization_id = t.organization_id AND l.id = t.lead_id
      LEFT JOIN person pe ON pe.organization_id = l.organization_id AND pe.id = l.person_id
      LEFT JOIN property p ON p.organization_id = l.organization_id AND p.id = l.property_id
      WHERE t.status = 'pending'
      ORDER BY t.lead_id`.execute(trx);
    return r.rows;
  },

  /** The unverified phones and emails of the chunk's leads still pending verification. */
  async pointsFor(runId: string, ids: string[], trx: Trx): Promise<PointToVerify[]> {
    const r = await sql<PointToVerify>`
      SELECT t.lead_id, c.id AS contact_point_id, c.kind, c.value, c.value_enc, t.attempt
      FROM unnest(${ids}::uuid[]) AS ids(id)
      JOIN enrichment_task t ON t.organization_id = app_org_id() AND t.run_id = ${runId} AND t.stage = 'verify' AND t.lead_id = ids.id
      JOIN lead l ON l.organization_id = t.organization_id AND l.id = t.lead_id
      JOIN contact_point c ON c.organization_id = l.organization_id AND c.person_id = l.person_id AND c.verification IS NULL
      WHERE t.status = 'pending'
      ORDER BY t.lead_id, c.id`.execute(trx);
    return r.rows;
  },

  /** Which of these contact points are still unverified. */
  async unverified(ids: string[], trx: Trx): Promise<Set<string>> {
    const r = await sql<{ id: string }>`SELECT id FROM contact_point WHERE organization_id = app_org_id() AND id = ANY (${ids}::uuid[]) AND verification IS NULL`.execute(trx);
    return new Set(r.rows.map((x) => x.id));
  },

  /** Planner statistics for the tables a run grows (PGlite has no autovacuum; the server's lags). */
  async refreshStatistics(trx: Trx) {
    await sql`ANALYZE lead, contact_point, enrichment_task, cost_ledger`.execute(trx);
  },

  /** Mark the transaction as the run's: the audit log then counts what it changes per statement. */
  async beginBatch(runId: string, trx: Trx) {
    await sql`SELECT set_config('app.batch_id', ${runId}, true)`.execute(trx);
  },

  /** Mark tasks as one outcome (reserved → calling with the next attempt; capped → deferred; ...). */
  async setTasks(runId: string, stage: EnrichStage, ids: string[], to: { status: 'calling' | 'deferred' | 'skipped' | 'failed'; reason?: SkipReason; notBefore?: Date }, trx: Trx) {
    if (ids.length === 0) return;
    await sql`
      UPDATE enrichment_task t SET status = ${to.status}, reason = ${to.reason ?? null}, not_before = ${to.notBefore ?? null},
             attempt = attempt + ${to.status === 'calling' ? 1 : 0}, updated_at = now()
      FROM unnest(${ids}::uuid[]) AS ids(id)
      WHERE t.organization_id = app_org_id() AND t.run_id = ${runId} AND t.stage = ${stage} AND t.lead_id = ids.id`.execute(trx);
  },

  /** A stage's results onto its tasks. */
  async finishTasks(runId: string, stage: EnrichStage, rows: { leadId: string; matched: boolean; costCents: number; phones: number; emails: number }[], trx: Trx) {
    if (rows.length === 0) return;
    await sql`
      UPDATE enrichment_task t SET status = 'done', reason = CASE WHEN x.matched THEN NULL ELSE 'no_match' END,
             cost_cents = x.cost, phones_found = x.phones, emails_found = x.emails, updated_at = now()
      FROM unnest(${rows.map((r) => r.leadId)}::uuid[], ${rows.map((r) => r.matched)}::boolean[], ${rows.map((r) => r.costCents)}::bigint[],
                  ${rows.map((r) => r.phones)}::int[], ${rows.map((r) => r.emails)}::int[]) AS x(lead_id, matched, cost, phones, emails)
      WHERE t.run_id = ${runId} AND t.stage = ${stage} AND t.lead_id = x.lead_id`.execute(trx);
  },

  /**
   * Stage 4: the seed's quality score for the chunk, the status it routes to, the score's history
   * with its factors, and what the run spent on each lead.
   */
  async scoreChunk(runId: string, ids: string[], s: EnrichmentSettings, trx: Trx) {
    await sql`
      WITH f AS MATERIALIZED (SELECT * FROM lead_quality_factors(app_org_id(), ${ids}::uuid[])),
      -- per lead, a probe of the run's index (joined, the planner may hash the whole ledger)
      spent AS (SELECT f.lead_id, s.cents FROM f CROSS JOIN LATERAL (SELECT sum(c.cost_cents)::bigint AS cents FROM cost_ledger c
                  WHERE c.organization_id = app_org_id() AND c.run_id = ${runId}::uuid AND c.lead_id = f.lead_id
                    AND c.status IN ('charged', 'in_doubt')) s),
      -- the leads by their ids (= ANY keeps the planner on the primary key: joined only to f, it
      -- may hash the whole table)
      before AS (SELECT l.id, l.quality_score FROM lead l WHERE l.organization_id = app_org_id() AND l.id = ANY (${ids}::uuid[])),
      u AS (
        UPDATE lead l SET quality_score = f.score,
               status = routed_status(f.score, l.status, on_dnc_list(l.organization_id, l.person_id), ${s.contactable_threshold}, ${s.enriched_threshold}),
               enrichment_cost_cents = l.enrichment_cost_cents + coalesce(spent.cents, 0)
        FROM f LEFT JOIN spent ON spent.lead_id = f.lead_id
        WHERE l.organization_id = app_org_id() AND l.id = ANY (${ids}::uuid[]) AND l.id = f.lead_id
          AND (l.quality_score IS DISTINCT FROM f.score::numeric
               OR l.status IS DISTINCT FROM routed_status(f.score, l.status, on_dnc_list(l.organization_id, l.person_id), ${s.contactable_threshold}, ${s.enriched_threshold})
               OR coalesce(spent.cents, 0) <> 0)
        RETURNING l.id
      ), h AS (
        INSERT INTO lead_score_history (organization_id, lead_id, scorer, version, score, factors)
        SELECT app_org_id(), f.lead_id, 'quality', 1, f.score, f.factors FROM f JOIN before b ON b.id = f.lead_id
        WHERE b.quality_score IS DISTINCT FROM f.score::numeric
      )
      UPDATE enrichment_task t SET status = 'done', quality_before = b.quality_score, quality_after = f.score, updated_at = now()
      FROM f JOIN before b ON b.id = f.lead_id
      WHERE t.organization_id = app_org_id() AND t.run_id = ${runId} AND t.stage = 'score' AND t.lead_id = ANY (${ids}::uuid[])
        AND t.lead_id = f.lead_id`.execute(trx);
  },

  /** Per stage: how many leads went which way, what was found and what it cost. */
  async stageReport(runId: string, contactable: number, trx: Trx) {
    const r = await sql<{ stage: EnrichStage; status: string; reason: string | null; n: number; cost: number; phones: number; emails: number; became: number }>`
      SELECT stage, status, reason, count(*)::int AS n, coalesce(sum(cost_cents), 0)::bigint AS cost,
             coalesce(sum(phones_found), 0)::int AS phones, coalesce(sum(emails_found), 0)::int AS emails,
             count(*) FILTER (WHERE quality_after >= ${contactable} AND coalesce(quality_before, 0) < ${contactable})::int AS became
      FROM enrichment_task WHERE run_id = ${runId} GROUP BY stage, status, reason`.execute(trx);
    return r.rows;
  },

  async earliestDeferred(runId: string, trx: Trx): Promise<Date | null> {
    const r = await sql<{ t: Date | null }>`SELECT min(not_before) AS t FROM enrichment_task WHERE run_id = ${runId} AND status = 'deferred'`.execute(trx);
    return r.rows[0]!.t;
  },
};
