import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Container } from '../../app/container.ts';
import { ReportPeriodQuery } from '../../domain/analytics/period.ts';
import { reportCsv, type Report } from '../../domain/analytics/report-table.ts';
import { DealInput, FunnelStagesInput, REPORT_NAMES, SourceCostInput, SourceCostKey, type ReportName } from '../../domain/analytics/reports.service.ts';
import { IdParams } from './common.ts';

// The reports (managers and up) over a period of UTC days, default this month to date, and what
// people enter for them. Definitions: docs/REPORTS.md. Money is integer cents, ratios are numbers.

const SUMMARIES: Record<ReportName, string> = {
  funnel: 'Leads created in the period and how many reached each stage, with conversion from the previous stage and the first',
  roi: 'Per lead source: leads, contactable, conversions, spend (ledger + entered), cost per lead, contactable lead and conversion, revenue, ROI',
  costs: 'Spend by provider, stage and day, against the budget and the daily caps; its total equals the ROI report\'s',
  quality: 'Leads created in the period by status and source: count, average scores, quality bands, tiers, reachable',
  usage: 'Per month the period touches: billable leads against the plan, leads created, messages by channel, voice minutes',
  team: 'Per user: leads assigned, contacted, converted, median seconds to the first touch after assignment',
  campaigns: 'Campaigns and sequences: recipients, enrolled, sent, delivered, failed, replied, opted out; each sequence node\'s steps',
};

export function reportsRoutes(c: Pick<Container, 'reports'>): FastifyPluginAsyncZod {
  return async (app) => {
    for (const name of REPORT_NAMES) {
      app.get(`/v1/reports/${name}`, {
        schema: { tags: ['reports'], summary: SUMMARIES[name], description: 'Managers and up. A bad date, from after to or a period over two years is VALIDATION.', querystring: ReportPeriodQuery },
      }, (req) => c.reports.run(req.actor, name, req.query));
      app.get(`/v1/reports/${name}.csv`, {
        schema: { tags: ['reports'], summary: `The same as CSV: one table, money in integer cents (${name})`, querystring: ReportPeriodQuery },
      }, async (req, reply) => {
        const r = (await c.reports.run(req.actor, name, req.query)) as Report;
        const { from, to } = r.period as { from: string; to: string };
        return reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="${name}-${from}-to-${to}.csv"`).send(reportCsv(r));
      });
    }

    app.get('/v1/reports/funnel/stages', {
      schema: { tags: ['reports'], summary: "The funnel's stages, in order (the default unless configured)" },
    }, (req) => c.reports.funnelStages(req.actor));
    app.patch('/v1/reports/funnel/stages', {
      schema: { tags: ['reports'], summary: "Set the funnel's stages, in order: lead statuses, each once (owners, admins)", body: FunnelStagesInput },
    }, (req) => c.reports.setFunnelStages(req.actor, req.body));

    app.get('/v1/reports/source-costs', {
      schema: { tags: ['reports'], summary: 'Entered source costs of the months the period touches', querystring: ReportPeriodQuery },
    }, (req) => c.reports.listSourceCosts(req.actor, req.query));
    app.put('/v1/reports/source-costs', {
      schema: { tags: ['reports'], summary: 'What a source cost for a month; the same source and month again replaces the amount (managers and up)', body: SourceCostInput },
    }, (req) => c.reports.setSourceCost(req.actor, req.body));

    app.delete('/v1/reports/source-costs', {
      schema: { tags: ['reports'], summary: 'Remove the cost entered for a source and month (managers and up); 404 when none was', querystring: SourceCostKey },
    }, (req) => c.reports.removeSourceCost(req.actor, req.query));

    app.get('/v1/leads/:id/deal', {
      schema: { tags: ['reports'], summary: "A lead's deal (revenue and the day it closed), or null", params: IdParams },
    }, async (req) => ({ deal: await c.reports.deal(req.actor, req.params.id) }));
    app.delete('/v1/leads/:id/deal', {
      schema: { tags: ['reports'], summary: "Remove a lead's deal (it fell through): its revenue leaves the reports", params: IdParams },
    }, (req) => c.reports.removeDeal(req.actor, req.params.id));

    app.put('/v1/leads/:id/deal', {
      schema: { tags: ['reports'], summary: "A closed lead's revenue and the day it closed; again, it replaces it", params: IdParams, body: DealInput },
    }, (req) => c.reports.setDeal(req.actor, req.params.id, req.body));
  };
}
