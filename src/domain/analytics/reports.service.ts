import { z } from 'zod';
import { AppError, notFound } from '../../app/errors.ts';
import { isUuid, parseInput } from '../../app/validate.ts';
import type { Database } from '../../db/database.ts';
import { LEAD_STATUSES } from '../../db/schema.ts';
import { withTenant, type Actor, type Trx } from '../../db/tenant.ts';
import { readSettings as readEnrichmentSettings } from '../enrichment/settings.ts';
import { requireRole } from '../tenancy/tenancy.service.ts';
import { entriesRepository as entries } from './entries.repository.ts';
import { MonthInput, resolvePeriod, type Period } from './period.ts';
import { PLAN_LIMITS, type Plan } from './plan-limits.ts';
import { costsBreakdown, funnelRows, roiReport, usageMonths } from './report-shapes.ts';
import { reportsRepository as repo } from './reports.repository.ts';

// The numbers (issue 10): funnel, ROI by source, costs against the budget, lead quality, usage
// against the plan, the team, campaigns and sequences. Each report covers one period of UTC days
// (default: this month to date by the service's clock) and is a manager's: it shows the whole
// organization's spend and everyone's work, which an agent's role does not see. What people enter
// for them (source costs, deals, the funnel's stages) is validated here. Definitions: docs/REPORTS.md.

export const REPORT_NAMES = ['funnel', 'roi', 'costs', 'quality', 'usage', 'team', 'campaigns'] as const;
export type ReportName = (typeof REPORT_NAMES)[number];

/** The pipeline a person works a lead through, in order (docs/LEAD-STATUS.md). */
export const DEFAULT_FUNNEL_STAGES = ['new', 'contacted', 'qualified', 'appointment_scheduled', 'proposal_sent', 'closed_won'] as const;

/** Cents a single entry may hold: a billion dollars is a typo, not a cost. */
const MAX_CENTS = 100_000_000_000;

export const FunnelStagesInput = z.object({
  stages: z.array(z.enum(LEAD_STATUSES, { error: `not a lead status (one of ${LEAD_STATUSES.join(', ')})` })).min(1).max(LEAD_STATUSES.length),
}).strict().superRefine((v, ctx) => {
  v.stages.forEach((s, i) => {
    if (v.stages.indexOf(s) !== i) ctx.addIssue({ code: 'custom', path: ['stages', i], message: `${s} is listed twice` });
  });
});

export const SourceCostInput = z.object({
  source: z.string().trim().min(1).max(100).describe("the lead source, as on the leads (lead.source)"),
  month: MonthInput.describe('the month the cost is for, YYYY-MM'),
  amount_cents: z.number().int().min(0).max(MAX_CENTS).describe('what the source cost that month, in cents'),
  note: z.string().trim().max(500).optional(),
}).strict();

export const SourceCostKey = z.object({
  source: z.string().trim().min(1).max(100).describe('the lead source'),
  month: MonthInput.describe('the month, YYYY-MM'),
}).strict();

export const DealInput = z.object({
  revenue_cents: z.number().int().min(0).max(MAX_CENTS).describe('what the deal brought, in cents'),
  closed_on: z.iso.date({ error: 'a date as YYYY-MM-DD' }).optional().describe('the day it closed (UTC); default today'),
  note: z.string().trim().max(500).optional(),
}).strict();

const periodOf = (p: Period) => ({ from: p.from, to: p.to });

async function stagesOf(trx: Trx): Promise<{ stages: string[]; configured: boolean }> {
  const stored = await repo.funnelStages(trx);
  // a stored list that no longer parses (a status renamed by a migration) falls back to the default
  const parsed = FunnelStagesInput.safeParse({ stages: stored });
  return parsed.success ? { stages: parsed.data.stages, configured: true } : { stages: [...DEFAULT_FUNNEL_STAGES], configured: false };
}

export function createReportsService(deps: { db: Database; now?: () => Date }) {
  const { db } = deps;
  const now = deps.now ?? (() => new Date());
  /** A report: a manager's, over the period asked for, in one transaction (one snapshot of the data). */
  const report = async <T>(actor: Actor, query: unknown, fn: (p: Period, trx: Trx) => Promise<T>) => {
    requireRole(actor, 'manager', 'see reports');
    const p = resolvePeriod(query, now());
    return withTenant(db, actor, (trx) => fn(p, trx));
  };

  const reports = {
    funnel: (actor: Actor, query?: unknown) => report(actor, query, async (p, trx) => {
      const { stages, configured } = await stagesOf(trx);
      const counts = await repo.funnel(stages, p, trx);
      return { report: 'funnel' as const, period: periodOf(p), stages_configured: configured, cohort: counts[0]?.cohort ?? 0, rows: funnelRows(counts) };
    }),

    roi: (actor: Actor, query?: unknown) => report(actor, query, async (p, trx) => ({ report: 'roi' as const, period: periodOf(p), ...roiReport(await repo.roi(p, trx)) })),

    costs: (actor: Actor, query?: unknown) => report(actor, query, async (p, trx) => {
      const { caps, ...budget } = await repo.budget(p, trx);
      return { report: 'costs' as const, period: periodOf(p), ...costsBreakdown(await repo.costs(p, trx)), budget, caps };
    }),

    quality: (actor: Actor, query?: unknown) => report(actor, query, async (p, trx) => {
      const e = await readEnrichmentSettings(trx);
      const thresholds = { contactable: e.contactable_threshold, enriched: e.enriched_threshold };
      const all = await repo.quality(p, thresholds, trx);
      const strip = ({ total: _t, ...r }: (typeof all)[number]) => r;
      const totals = all.find((r) => r.total);
      const { status: _s, source: _o, ...sum } = totals ? strip(totals) : strip({ ...EMPTY_QUALITY });
      return { report: 'quality' as const, period: periodOf(p), thresholds, rows: all.filter((r) => !r.total).map(strip), totals: sum };
    }),

    usage: (actor: Actor, query?: unknown) => report(actor, query, async (p, trx) => {
      const u = await repo.usage(p, trx);
      const plan = u.plan as Plan;
      return { report: 'usage' as const, period: periodOf(p), plan, limits: PLAN_LIMITS[plan], rows: usageMonths(plan, u.metrics, u.months) };
    }),

    team: (actor: Actor, query?: unknown) => report(actor, query, async (p, trx) => ({ report: 'team' as const, period: periodOf(p), rows: await repo.team(p, trx) })),

    campaigns: (actor: Actor, query?: unknown) => report(actor, query, async (p, trx) => {
      const campaigns = await repo.campaigns(p, trx);
      const sequences = await repo.sequences(p, trx);
      const nodes = await repo.sequenceNodes(sequences.map((s) => s.sequence_id), p, trx);
      return {
        report: 'campaigns' as const, period: periodOf(p), campaigns,
        sequences: sequences.map((s) => ({ ...s, nodes: nodes.filter((n) => n.sequence_id === s.sequence_id).map(({ sequence_id: _id, ...n }) => n) })),
      };
    }),
  };

  return {
    ...reports,

    /** Any report by name (the CLI's and the API's one entry). */
    run(actor: Actor, name: ReportName, query?: unknown) {
      return reports[name](actor, query);
    },

    async funnelStages(actor: Actor) {
      requireRole(actor, 'manager', 'see reports');
      return withTenant(db, actor, stagesOf);
    },

    /** The funnel's stages, in order; organization settings, so owners' and admins' to change. */
    async setFunnelStages(actor: Actor, input: unknown) {
      requireRole(actor, 'admin', "change the funnel's stages");
      const { stages } = parseInput(FunnelStagesInput, input);
      return withTenant(db, actor, async (trx) => {
        if (!(await repo.setFunnelStages(stages, trx))) throw new AppError('FORBIDDEN', "the funnel's stages were not changed");
        return { stages, configured: true };
      });
    },

    /** What a source cost for a month: entered again, it replaces the amount (managers and up). */
    async setSourceCost(actor: Actor, input: unknown) {
      requireRole(actor, 'manager', 'enter source costs');
      const e = parseInput(SourceCostInput, input);
      return withTenant(db, actor, (trx) => entries.upsertSourceCost({ source: e.source, month: `${e.month}-01`, amount_cents: e.amount_cents, note: e.note ?? null }, trx));
    },

    /** The source costs of the months the period touches. */
    async listSourceCosts(actor: Actor, query?: unknown) {
      requireRole(actor, 'manager', 'see source costs');
      const p = resolvePeriod(query, now());
      return withTenant(db, actor, async (trx) => ({ period: periodOf(p), data: await entries.listSourceCosts(p.months, trx) }));
    },

    /** Take back a source cost entered by mistake: the reports no longer count it. */
    async removeSourceCost(actor: Actor, input: unknown) {
      requireRole(actor, 'manager', 'remove source costs');
      const k = parseInput(SourceCostKey, input);
      const gone = await withTenant(db, actor, (trx) => entries.deleteSourceCost(k.source, `${k.month}-01`, trx));
      if (!gone) throw new AppError('NOT_FOUND', `no cost is entered for ${k.source} in ${k.month}`, [{ field: 'source', message: 'nothing entered this month' }, { field: 'month', message: 'nothing entered for this source' }]);
      return { source: k.source, month: k.month, removed: true };
    },

    /** A lead's deal, or null when none is entered. */
    async deal(actor: Actor, leadId: string) {
      if (!isUuid(leadId)) throw notFound('lead', leadId);
      return withTenant(db, actor, async (trx) => {
        if (!(await entries.leadShown(leadId, trx))) throw notFound('lead', leadId);
        return (await entries.findDeal(leadId, trx)) ?? null;
      });
    },

    /** Take back a lead's deal (it fell through): its revenue leaves the reports. */
    async removeDeal(actor: Actor, leadId: string) {
      if (!isUuid(leadId)) throw notFound('lead', leadId);
      const gone = await withTenant(db, actor, async (trx) => {
        if (!(await entries.leadShown(leadId, trx))) throw notFound('lead', leadId);
        return entries.deleteDeal(leadId, trx);
      });
      if (!gone) throw new AppError('NOT_FOUND', `lead ${leadId} has no deal entered`, [{ field: 'lead', message: 'no deal' }]);
      return { lead_id: leadId, removed: true };
    },

    /** What a lead's deal brought; entered again, it replaces it. Anyone who can see the lead. */
    async setDeal(actor: Actor, leadId: string, input: unknown) {
      const e = parseInput(DealInput, input);
      if (!isUuid(leadId)) throw notFound('lead', leadId);
      const closedOn = e.closed_on ?? now().toISOString().slice(0, 10);
      const deal = await withTenant(db, actor, (trx) => entries.upsertDeal({ leadId, revenue_cents: e.revenue_cents, closed_on: closedOn, note: e.note ?? null }, trx));
      if (!deal) throw notFound('lead', leadId);
      return deal;
    },
  };
}

const EMPTY_QUALITY = {
  total: true, status: null, source: null, count: 0, avg_quality_score: null, avg_lead_score: null, contactable_count: 0, enriched_count: 0,
  low_quality_count: 0, unscored_count: 0, hot: 0, warm: 0, cold: 0, reachable_count: 0,
};

export type ReportsService = ReturnType<typeof createReportsService>;
