import { sql } from 'kysely';
import type { EnrichStage } from '../../db/schema-enrichment.ts';
import type { Trx } from '../../db/tenant.ts';
import { PROVIDER_STAGES, selectorWhere, type Selector } from './enrichment.repository.ts';
import type { EnrichmentSettings } from './settings.ts';

// What a run will cost before it runs (the dry run), and what it did per stage after.

export interface StageEstimate {
  stage: string;
  enabled: boolean;
  /** Leads the stage would consider (after the gates known before the run starts). */
  candidates: number;
  expected_calls: number;
  expected_cents: number;
  /** Every candidate bought, every found contact point verified. */
  max_cents: number;
  /** Calls left today under the stage's cap (null: no cap). */
  cap_left_today: number | null;
}

/**
 * Estimated from the organization's own history where it has one (how often stage 1 left a lead
 * short of contactable, how many phones and emails a lead yields), or from typical vendor rates.
 */
export async function estimateRun(selector: Selector, s: EnrichmentSettings, refresh: boolean, trx: Trx) {
  const r = await sql<Record<string, number>>`
    WITH sel AS (SELECT l.id, l.person_id, l.status FROM lead l WHERE ${selectorWhere(selector)} ORDER BY l.id ${selector.limit ? sql`LIMIT ${selector.limit}` : sql``}),
    q AS (SELECT * FROM lead_quality_factors(app_org_id(), ARRAY(SELECT id FROM sel))),
    x AS (
      SELECT sel.*, q.score,
             sel.status NOT IN ('closed_won', 'closed_lost', 'dnc') AND q.score < ${s.contactable_threshold} AS open,
             EXISTS (SELECT 1 FROM enrichment_task d WHERE d.organization_id = app_org_id() AND d.lead_id = sel.id AND d.stage = 'append' AND d.status = 'done') AS appended,
             EXISTS (SELECT 1 FROM enrichment_task d WHERE d.organization_id = app_org_id() AND d.lead_id = sel.id AND d.stage = 'skip_trace' AND d.status = 'done') AS traced,
             (SELECT count(*) FROM contact_point c WHERE c.organization_id = app_org_id() AND c.person_id = sel.person_id AND c.verification IS NULL)::int AS unverified
      FROM sel JOIN q ON q.lead_id = sel.id
    ), hist AS (
      -- of the leads that reached stage 2 (and were not held back by money or a cap), the share it called
      SELECT count(*) FILTER (WHERE stage = 'skip_trace' AND status IN ('done', 'failed'))::float8
               / nullif(count(*) FILTER (WHERE stage = 'skip_trace' AND (status IN ('done', 'failed') OR reason = 'good_enough')), 0) AS trace_rate,
             sum(phones_found + emails_found) FILTER (WHERE stage IN ('append', 'skip_trace') AND status = 'done')::float8
               / nullif(count(DISTINCT lead_id) FILTER (WHERE stage IN ('append', 'skip_trace') AND status = 'done'), 0) AS yield
      FROM enrichment_task WHERE organization_id = app_org_id()
    )
    SELECT (SELECT count(*) FROM x)::int AS selected,
           (SELECT count(*) FROM x WHERE open AND person_id IS NOT NULL AND (${refresh} OR NOT appended))::int AS append,
           (SELECT count(*) FROM x WHERE open AND person_id IS NOT NULL AND (${refresh} OR NOT traced))::int AS skip_trace,
           (SELECT coalesce(sum(unverified), 0) FROM x WHERE open)::int AS unverified,
           coalesce((SELECT trace_rate FROM hist), 0.9) AS trace_rate,
           coalesce((SELECT yield FROM hist), 1.6) AS yield`.execute(trx);
  const x = r.rows[0]!;
  const usage = await sql<{ stage: string; used: number }>`
    SELECT stage, used FROM stage_usage_daily WHERE day = (now() AT TIME ZONE 'UTC')::date`.execute(trx);
  const usedToday = new Map(usage.rows.map((u) => [u.stage, u.used]));
  const enabled = (st: (typeof PROVIDER_STAGES)[number]) => s.stages[st].enabled;
  const traced = enabled('skip_trace') ? Math.round(x.skip_trace! * (enabled('append') ? x.trace_rate! : 1)) : 0;
  const looked = (enabled('append') ? x.append! : 0) + traced;
  const calls = { append: enabled('append') ? x.append! : 0, skip_trace: traced, verify: enabled('verify') ? Math.round(x.unverified! + looked * x.yield! * 0.6) : 0 };
  const maxCalls = { append: x.append!, skip_trace: x.skip_trace!, verify: x.unverified! + (x.append! + x.skip_trace!) * 3 };
  const stages: StageEstimate[] = PROVIDER_STAGES.map((stage) => {
    const st = s.stages[stage];
    const capLeft = st.daily_cap === null ? null : Math.max(0, st.daily_cap - (usedToday.get(stage) ?? 0));
    const expected = capLeft === null ? calls[stage] : Math.min(calls[stage], capLeft);
    return {
      stage, enabled: st.enabled, candidates: stage === 'verify' ? x.unverified! : x[stage]!, expected_calls: expected,
      expected_cents: expected * st.price_cents, max_cents: st.enabled ? maxCalls[stage] * st.price_cents : 0, cap_left_today: capLeft,
    };
  });
  return {
    leads_selected: x.selected!,
    stages,
    expected_cents: stages.reduce((n, st) => n + st.expected_cents, 0),
    max_cents: stages.reduce((n, st) => n + st.max_cents, 0),
  };
}

export interface StageSummary {
  stage: EnrichStage;
  leads: number;
  called: number;
  matched: number;
  phones_found: number;
  emails_found: number;
  cost_cents: number;
  failed: number;
  deferred: number;
  pending: number;
  skipped: Record<string, number>;
  became_contactable?: number;
}

export function stageSummary(rows: { stage: EnrichStage; status: string; reason: string | null; n: number; cost: number; phones: number; emails: number; became: number }[]): StageSummary[] {
  const out = new Map<EnrichStage, StageSummary>();
  for (const r of rows) {
    const s = out.get(r.stage) ?? { stage: r.stage, leads: 0, called: 0, matched: 0, phones_found: 0, emails_found: 0, cost_cents: 0, failed: 0, deferred: 0, pending: 0, skipped: {} };
    s.leads += r.n;
    s.cost_cents += Number(r.cost);
    s.phones_found += r.phones;
    s.emails_found += r.emails;
    if (r.status === 'done' || r.status === 'failed') s.called += r.n;
    if (r.status === 'done' && r.reason !== 'no_match') s.matched += r.n;
    if (r.status === 'failed') s.failed += r.n;
    if (r.status === 'deferred') s.deferred += r.n;
    if (r.status === 'pending' || r.status === 'calling') s.pending += r.n;
    if (r.status === 'skipped' && r.reason) s.skipped[r.reason] = (s.skipped[r.reason] ?? 0) + r.n;
    if (r.stage === 'score') s.became_contactable = (s.became_contactable ?? 0) + r.became;
    out.set(r.stage, s);
  }
  const order: EnrichStage[] = ['append', 'skip_trace', 'verify', 'score'];
  return order.filter((st) => out.has(st)).map((st) => out.get(st)!);
}
