import type { CostRow, RoiRow } from './reports.repository.ts';
import { allowanceFor, type Allowance, type Plan } from './plan-limits.ts';
import { cents, perUnitCents, ratio, returnOnSpend } from './ratios.ts';

// The numbers derived from what SQL summed: ratios, costs per unit, totals, pivots. Pure, so
// every report derives them one way, and the arithmetic is tested without a database.

/** The row of spend no lead carries (pulls, area scans), one per provider. */
export const UNATTRIBUTED = '(unattributed)';

export interface FunnelStageRow { stage: string; leads: number; from_previous: number | null; from_first: number | null }

/** Conversion into each stage from the one before it and from the first, as ratios. */
export function funnelRows(counts: { stage: string; leads: number }[]): FunnelStageRow[] {
  const first = counts[0]?.leads ?? 0;
  return counts.map((c, i) => ({
    stage: c.stage, leads: c.leads,
    from_previous: i === 0 ? null : ratio(c.leads, counts[i - 1]!.leads),
    from_first: ratio(c.leads, first),
  }));
}

export interface RoiFigures {
  leads: number; contactable: number; conversions: number;
  ledger_spend_cents: number; entered_spend_cents: number; spend_cents: number;
  cost_per_lead_cents: number | null; cost_per_contactable_cents: number | null; cost_per_conversion_cents: number | null;
  deals: number; revenue_cents: number;
  /** (revenue - spend) / spend; null when nothing was spent or no deal was entered. */
  roi: number | null;
}
export type RoiReportRow = RoiFigures & { source: string; attributed: boolean; provider: string | null };

function figures(x: { leads: number; contactable: number; conversions: number; ledger: number; entered: number; revenue: number; deals: number }): RoiFigures {
  const spend = x.ledger + x.entered;
  return {
    leads: x.leads, contactable: x.contactable, conversions: x.conversions,
    ledger_spend_cents: x.ledger, entered_spend_cents: x.entered, spend_cents: spend,
    cost_per_lead_cents: perUnitCents(spend, x.leads), cost_per_contactable_cents: perUnitCents(spend, x.contactable),
    cost_per_conversion_cents: perUnitCents(spend, x.conversions),
    deals: x.deals, revenue_cents: x.revenue, roi: x.deals === 0 ? null : returnOnSpend(x.revenue, spend),
  };
}

export function roiReport(raw: RoiRow[]): { rows: RoiReportRow[]; totals: RoiFigures } {
  const sum = { leads: 0, contactable: 0, conversions: 0, ledger: 0, entered: 0, revenue: 0, deals: 0 };
  const rows = raw.map((r) => {
    const x = { leads: r.leads, contactable: r.contactable, conversions: r.conversions, ledger: cents(r.ledger_cents), entered: cents(r.entered_cents), revenue: cents(r.revenue_cents), deals: r.deals };
    for (const k of Object.keys(sum) as (keyof typeof sum)[]) sum[k] += x[k];
    return { source: r.source ?? UNATTRIBUTED, attributed: r.source !== null, provider: r.provider, ...figures(x) };
  });
  return { rows, totals: figures(sum) };
}

export interface SpendFigures { calls: number; void_calls: number; entries: number; spend_cents: number; charged_cents: number; in_doubt_cents: number; pending_cents: number; entered_cents: number }

/** Split the GROUPING SETS rows of the costs query into the grain, the three groupings and the total. */
export function costsBreakdown(raw: CostRow[]) {
  const fig = (r: CostRow): SpendFigures => ({
    calls: r.calls, void_calls: r.void_calls, entries: r.entries, spend_cents: cents(r.spend_cents), charged_cents: cents(r.charged_cents),
    in_doubt_cents: cents(r.in_doubt_cents), pending_cents: cents(r.pending_cents), entered_cents: cents(r.entered_cents),
  });
  const of = (g: number) => raw.filter((r) => Number(r.g) === g);
  const total = of(7)[0];
  return {
    totals: total ? fig(total) : fig({ calls: 0, void_calls: 0, entries: 0, spend_cents: 0, charged_cents: 0, in_doubt_cents: 0, pending_cents: 0, entered_cents: 0 } as CostRow),
    by_provider: of(5).map((r) => ({ provider: r.provider!, ...fig(r) })),
    by_stage: of(6).map((r) => ({ stage: r.stage!, ...fig(r) })),
    by_day: of(3).map((r) => ({ day: r.day!, ...fig(r) })),
    rows: of(0).map((r) => ({ day: r.day!, provider: r.provider!, stage: r.stage!, ...fig(r) })),
  };
}

export type UsageMonth = Allowance & {
  month: string; leads_created: number; billable_leads: number; billable_leads_to_date: number;
  email_messages: number; sms_messages: number; sms_segments: number; calls_placed: number; voice_minutes: number; billed_cents: number;
};

/** One row per month: billing usage pivoted by metric, with the plan's allowance for billable leads. */
export function usageMonths(plan: Plan, metrics: { month: string; metric: string; n: number; quantity: number; cost_cents: number }[],
  months: { month: string; leads_created: number; billable_leads_to_date: number }[]): UsageMonth[] {
  return months.map((m) => {
    const of = (metric: string) => metrics.find((x) => x.month === m.month && x.metric === metric);
    const billable = of('roof_leads')?.n ?? 0;
    return {
      month: m.month.slice(0, 7), leads_created: m.leads_created, billable_leads: billable, billable_leads_to_date: m.billable_leads_to_date,
      ...allowanceFor(plan, billable, m.billable_leads_to_date),
      email_messages: of('email_message')?.n ?? 0, sms_messages: of('sms_message')?.n ?? 0, sms_segments: of('sms_message')?.quantity ?? 0,
      calls_placed: of('call_placed')?.n ?? 0, voice_minutes: of('voice_minutes')?.quantity ?? 0,
      billed_cents: metrics.filter((x) => x.month === m.month).reduce((s, x) => s + cents(x.cost_cents), 0),
    };
  });
}
