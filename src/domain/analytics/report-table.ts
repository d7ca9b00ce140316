import { toCsv } from '../ingest/csv-safe.ts';
import type { ReportName, ReportsService } from './reports.service.ts';

// Each report as tables: the ones a person reads (the CLI's text) and the one a spreadsheet
// takes (--csv: one header and rows of raw values, money in integer cents). Which columns, in
// which order, is decided once here rather than in each shell.

export type Report = Awaited<ReturnType<ReportsService[ReportName]>>;
/** Rows are the report's own objects; `columns` names the fields shown, in order. */
export interface Table { title: string; columns: string[]; rows: object[] }

const totalRow = (label: string, key: string, totals: object) => ({ [key]: label, ...totals });

const ROI_COLUMNS = ['source', 'provider', 'leads', 'contactable', 'conversions', 'spend_cents', 'cost_per_lead_cents', 'cost_per_contactable_cents',
  'cost_per_conversion_cents', 'revenue_cents', 'roi'];
const SPEND_COLUMNS = ['calls', 'void_calls', 'entries', 'spend_cents', 'charged_cents', 'in_doubt_cents', 'pending_cents', 'entered_cents'];
const QUALITY_COLUMNS = ['status', 'source', 'count', 'avg_quality_score', 'avg_lead_score', 'contactable_count', 'enriched_count', 'low_quality_count',
  'unscored_count', 'hot', 'warm', 'cold', 'reachable_count'];
const USAGE_COLUMNS = ['month', 'leads_created', 'billable_leads', 'billable_leads_to_date', 'limit', 'scope', 'counted', 'remaining', 'over_limit',
  'email_messages', 'sms_messages', 'sms_segments', 'calls_placed', 'voice_minutes', 'billed_cents'];
const TEAM_COLUMNS = ['email', 'full_name', 'role', 'assigned', 'contacted', 'converted', 'median_first_touch_seconds', 'messages_sent', 'calls'];
const OUTREACH = ['sent', 'delivered', 'failed', 'opened', 'clicked', 'replied', 'opted_out', 'cost_cents'];
const NODE_COLUMNS = ['executions', 'succeeded', 'failed', 'skipped', 'scheduled'];

/** The tables a person reads, in order. */
export function reportTables(r: Report): Table[] {
  const span = `${r.period.from} to ${r.period.to}`;
  switch (r.report) {
    case 'funnel':
      return [{ title: `funnel: ${r.cohort} lead(s) created ${span}${r.stages_configured ? '' : ' (default stages)'}`, columns: ['stage', 'leads', 'from_previous', 'from_first'], rows: r.rows }];
    case 'roi':
      return [{ title: `ROI by source, ${span}`, columns: ROI_COLUMNS, rows: [...r.rows, totalRow('total', 'source', r.totals)] }];
    case 'costs':
      return [
        { title: `spend by provider, ${span}`, columns: ['provider', ...SPEND_COLUMNS], rows: [...r.by_provider, totalRow('total', 'provider', r.totals)] },
        { title: 'by stage', columns: ['stage', ...SPEND_COLUMNS], rows: r.by_stage },
        { title: 'by day', columns: ['day', 'calls', 'entries', 'spend_cents'], rows: r.by_day },
        { title: 'budget', columns: ['balance_cents', 'deposits_cents', 'debits_cents', 'refunds_cents', 'adjustments_cents'], rows: [r.budget] },
        { title: 'daily caps', columns: ['day', 'stage', 'used', 'cap'], rows: r.caps },
      ];
    case 'quality':
      return [{ title: `lead quality, leads created ${span} (contactable at ${r.thresholds.contactable}, enriched at ${r.thresholds.enriched})`, columns: QUALITY_COLUMNS,
        rows: [...r.rows, totalRow('total', 'status', r.totals)] }];
    case 'usage':
      return [{ title: `usage on the ${r.plan} plan, by month (${span})`, columns: USAGE_COLUMNS, rows: r.rows }];
    case 'team':
      return [{ title: `team, ${span}`, columns: TEAM_COLUMNS, rows: r.rows }];
    case 'campaigns':
      return [
        { title: `campaigns, ${span}`, columns: ['name', 'channel', 'status', 'recipients', 'skipped', ...OUTREACH], rows: r.campaigns },
        { title: 'sequences', columns: ['name', 'status', 'enrolled', 'completed', 'converted', 'stopped', 'executions', ...OUTREACH], rows: r.sequences },
        { title: 'sequence steps', columns: ['sequence', 'node_key', 'type', ...NODE_COLUMNS],
          rows: r.sequences.flatMap((s) => s.nodes.map((n) => ({ sequence: s.name, ...n }))) },
      ];
  }
}

/** The one table --csv writes: every row at its finest grain, with raw values. */
export function csvTable(r: Report): Omit<Table, 'title'> {
  switch (r.report) {
    case 'roi':
      return { columns: ['source', 'attributed', 'provider', 'leads', 'contactable', 'conversions', 'ledger_spend_cents', 'entered_spend_cents', 'spend_cents',
        'cost_per_lead_cents', 'cost_per_contactable_cents', 'cost_per_conversion_cents', 'deals', 'revenue_cents', 'roi'],
      rows: [...r.rows, { ...totalRow('total', 'source', r.totals), attributed: null }] };
    case 'costs':
      return { columns: ['day', 'provider', 'stage', ...SPEND_COLUMNS], rows: r.rows };
    case 'team':
      return { columns: ['user_id', ...TEAM_COLUMNS], rows: r.rows };
    case 'campaigns':
      return {
        // one column per name: `failed` is a campaign's or sequence's failed messages, a node's failed steps
        columns: [...new Set(['kind', 'id', 'name', 'node_key', 'type', 'channel', 'status', 'recipients', 'skipped', 'enrolled', 'completed', 'converted', 'stopped',
          ...OUTREACH, ...NODE_COLUMNS])],
        rows: [
          ...r.campaigns.map(({ campaign_id, ...c }) => ({ kind: 'campaign', id: campaign_id, ...c })),
          ...r.sequences.flatMap(({ sequence_id, nodes, ...s }) => [
            { kind: 'sequence', id: sequence_id, ...s },
            ...nodes.map((n) => ({ kind: 'node', id: sequence_id, name: s.name, ...n })),
          ]),
        ],
      };
    default: {
      const [main] = reportTables(r);
      return { columns: main!.columns, rows: main!.rows };
    }
  }
}

/**
 * The CSV of a report (`report <name> --csv`, `GET /v1/reports/<name>.csv`): csvTable's table,
 * with cells a spreadsheet would take for formulas (a source named `=HYPERLINK(…)`) made text.
 */
export function reportCsv(r: Report): string {
  const t = csvTable(r);
  return toCsv(t.columns, t.rows.map((row) => t.columns.map((c) => (row as Record<string, unknown>)[c])));
}
