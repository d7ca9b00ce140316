import { Option, type Command } from 'commander';
import { AppError } from '../../app/errors.ts';
import { reportCsv, reportTables, type Table } from '../../domain/analytics/report-table.ts';
import { REPORT_NAMES, type ReportName } from '../../domain/analytics/reports.service.ts';
import { formatCents, parseDollars } from '../../domain/money/money.service.ts';
import { command, table } from '../run.ts';

// porchlight report <name>: the numbers as a table to read (default), one JSON document (--json)
// or one CSV table with money in integer cents (--csv); and what people enter for them: the
// funnel's stages, source costs per month, a lead's deal.

const DESCRIPTIONS: Record<ReportName, string> = {
  funnel: 'leads created in the period and how many reached each stage of the funnel',
  roi: 'per lead source: leads, contactable, conversions, spend, cost per lead, contactable lead and conversion, revenue, ROI',
  costs: 'spend by provider, stage and day against the budget and the daily caps',
  quality: 'leads created in the period by status and source: count, scores, quality bands, tiers, reachable',
  usage: 'billable leads, leads created, messages and voice minutes per month against the plan',
  team: 'per user: leads assigned, contacted, converted, median time to first touch',
  campaigns: 'campaigns and sequences: recipients, enrolled, sent, delivered, failed, replied, opted out; steps per node',
};

const RATIOS = new Set(['from_previous', 'from_first', 'roi']);

/** Money in dollars (headed without _cents) and ratios as percentages, for a person; the CSV and JSON keep cents and ratios. */
function readable(t: Table): string {
  const head = (c: string) => c.replace(/_cents$/, '');
  const rows = t.rows.map((r) => Object.fromEntries(t.columns.map((c) => {
    const v = (r as Record<string, unknown>)[c];
    if (typeof v === 'number' && c.endsWith('_cents')) return [head(c), formatCents(v)];
    if (typeof v === 'number' && RATIOS.has(c)) return [c, `${(v * 100).toFixed(1)}%`];
    return [head(c), v];
  })));
  return `${t.title}\n${table(rows, t.columns.map(head))}`;
}

const dollars = (field: string, text: string) => {
  const cents = parseDollars(text);
  if (cents === undefined) throw new AppError('VALIDATION', `--${field}: "${text}" is not an amount of dollars, 0 or more (e.g. 1250.00)`, [{ field, message: 'not an amount' }]);
  return cents;
};

const periodOptions = (c: Command) => c
  .requiredOption('--org <org>', 'organization id or slug')
  .option('--from <date>', 'first day, YYYY-MM-DD (UTC); default: the first of the month')
  .option('--to <date>', 'last day, included, YYYY-MM-DD (UTC); default: today');

export function registerReport(program: Command) {
  const report = program.command('report').description('the numbers: funnel, ROI, costs, quality, usage, team, campaigns (managers and up)');

  for (const name of REPORT_NAMES) {
    periodOptions(report.command(name).description(DESCRIPTIONS[name]))
      .option('--json', 'machine-readable output')
      .addOption(new Option('--csv', 'one CSV table on stdout, money in integer cents').conflicts('json'))
      .action(command(`report ${name}`, async (ctx, o: { org: string; from?: string; to?: string; csv?: boolean }) => {
        const r = await ctx.c.reports.run(await ctx.operatorIn(o.org), name, { from: o.from, to: o.to });
        return { json: r, text: o.csv ? reportCsv(r) : reportTables(r).map(readable).join('\n\n') };
      }));
  }

  const stages = report.command('stages').description("the funnel's stages, in order (organization settings)");
  stages.command('show')
    .requiredOption('--org <org>', 'organization id or slug')
    .option('--json', 'machine-readable output')
    .action(command('report stages show', async (ctx, o: { org: string }) => {
      const s = await ctx.c.reports.funnelStages(await ctx.operatorIn(o.org));
      return { json: s, text: `${s.stages.join(' → ')}${s.configured ? '' : ' (the default)'}` };
    }));
  stages.command('set')
    .argument('<stages...>', 'lead statuses in order, e.g. new contacted qualified closed_won (or comma-separated)')
    .requiredOption('--org <org>', 'organization id or slug')
    .option('--json', 'machine-readable output')
    .action(command('report stages set', async (ctx, list: string[], o: { org: string }) => {
      const s = await ctx.c.reports.setFunnelStages(await ctx.operatorIn(o.org), { stages: list.flatMap((x) => x.split(',')).map((x) => x.trim()).filter(Boolean) });
      return { json: s, text: `funnel stages: ${s.stages.join(' → ')}` };
    }));

  const costs = report.command('source-cost').description('what a lead source cost for a month (entered by hand; counts in roi and costs)');
  costs.command('set')
    .requiredOption('--org <org>', 'organization id or slug')
    .requiredOption('--source <source>', 'the lead source, as on the leads')
    .requiredOption('--month <month>', 'YYYY-MM')
    .requiredOption('--amount <dollars>', 'what it cost that month, e.g. 1250.00; entered again, it replaces the amount')
    .option('--note <text>', 'what it was: an invoice, a list')
    .option('--json', 'machine-readable output')
    .action(command('report source-cost set', async (ctx, o: { org: string; source: string; month: string; amount: string; note?: string }) => {
      const amount = dollars('amount', o.amount);
      const r = await ctx.c.reports.setSourceCost(await ctx.operatorIn(o.org), { source: o.source, month: o.month, amount_cents: amount, note: o.note });
      return { json: r, text: `${r.source} ${r.month}: ${formatCents(r.amount_cents)}${r.created ? '' : ' (replaced the amount entered before)'}` };
    }));
  periodOptions(costs.command('list').description('the source costs of the months the period touches'))
    .option('--json', 'machine-readable output')
    .action(command('report source-cost list', async (ctx, o: { org: string; from?: string; to?: string }) => {
      const r = await ctx.c.reports.listSourceCosts(await ctx.operatorIn(o.org), { from: o.from, to: o.to });
      return { json: r, text: table(r.data.map((x) => ({ ...x, amount: formatCents(x.amount_cents) })), ['month', 'source', 'amount', 'note']) };
    }));

  costs.command('remove')
    .requiredOption('--org <org>', 'organization id or slug')
    .requiredOption('--source <source>', 'the lead source')
    .requiredOption('--month <month>', 'YYYY-MM')
    .option('--json', 'machine-readable output')
    .action(command('report source-cost remove', async (ctx, o: { org: string; source: string; month: string }) => {
      const r = await ctx.c.reports.removeSourceCost(await ctx.operatorIn(o.org), { source: o.source, month: o.month });
      return { json: r, text: `removed the cost of ${r.source} for ${r.month}` };
    }));

  const deal = report.command('deal').description("a closed lead's revenue (counts in roi)");
  deal.command('remove')
    .argument('<lead>', 'lead id')
    .requiredOption('--org <org>', 'organization id or slug')
    .option('--json', 'machine-readable output')
    .action(command('report deal remove', async (ctx, lead: string, o: { org: string }) => {
      const r = await ctx.c.reports.removeDeal(await ctx.operatorIn(o.org), lead);
      return { json: r, text: `removed the deal of lead ${r.lead_id}` };
    }));
  deal.command('set')
    .argument('<lead>', 'lead id')
    .requiredOption('--org <org>', 'organization id or slug')
    .requiredOption('--revenue <dollars>', 'what the deal brought, e.g. 12000.00; entered again, it replaces it')
    .option('--closed-on <date>', 'the day it closed, YYYY-MM-DD (default today, UTC)')
    .option('--note <text>', 'what was sold')
    .option('--json', 'machine-readable output')
    .action(command('report deal set', async (ctx, lead: string, o: { org: string; revenue: string; closedOn?: string; note?: string }) => {
      const revenue = dollars('revenue', o.revenue);
      const d = await ctx.c.reports.setDeal(await ctx.operatorIn(o.org), lead, { revenue_cents: revenue, closed_on: o.closedOn, note: o.note });
      return { json: d, text: `lead ${d.lead_id} (${d.source}): ${formatCents(d.revenue_cents)} closed on ${d.closed_on}` };
    }));
}
