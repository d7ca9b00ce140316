import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Container } from '../../app/container.ts';
import { EnrichRequest } from '../../domain/enrichment/enrichment.service.ts';
import { CostsInput, TopupInput } from '../../domain/money/money.service.ts';
import { PullRequest } from '../../domain/pulls/pull.service.ts';
import type { PullRun } from '../../domain/pulls/pull.repository.ts';
import { ScanRequest } from '../../domain/pulls/scan.service.ts';
import { QUEUE, type Jobs } from '../../jobs/jobs.ts';
import { IdParams } from './common.ts';

// Pulls, scans and enrichment runs start as jobs (202 with the record to follow), plus the
// money (budget, costs), the providers and the dead-letter queue.

const hexSig = (r: PullRun) => ({ ...r, query_sig: Buffer.from(r.query_sig).toString('hex') });
const Stage = z.enum(['pull', 'scan', 'append', 'skip_trace', 'verify']);

export function enrichmentRoutes(c: Container, jobs: Pick<Jobs, 'send'>): FastifyPluginAsyncZod {
  return async (app) => {
    app.post('/v1/pulls', {
      schema: { tags: ['pulls'], summary: "Pull a vendor's property search as a job (stops at the first record seen before)", body: PullRequest },
    }, async (req, reply) => {
      const { run, resumed } = await c.pulls.open(req.actor, req.body);
      await jobs.send(QUEUE.pull, { runId: run.id, actor: req.actor });
      return reply.status(202).send({ ...hexSig(run), resumed });
    });
    app.get('/v1/pulls', { schema: { tags: ['pulls'], summary: 'Recent pulls' } }, async (req) => ({ data: (await c.pulls.list(req.actor)).map(hexSig) }));
    app.get('/v1/pulls/:id', { schema: { tags: ['pulls'], summary: 'A pull: pages, records new and known, cost', params: IdParams } },
      async (req) => hexSig(await c.pulls.get(req.actor, req.params.id)));

    app.post('/v1/scans', { schema: { tags: ['scans'], summary: 'Scan an area as a job', body: ScanRequest } }, async (req, reply) => {
      const scan = await c.scans.create(req.actor, req.body);
      await c.scans.queue(req.actor, scan.id);
      await jobs.send(QUEUE.scan, { runId: scan.id, actor: req.actor });
      return reply.status(202).send(await c.scans.get(req.actor, scan.id));
    });
    app.get('/v1/scans', { schema: { tags: ['scans'], summary: 'Recent scans' } }, async (req) => ({ data: await c.scans.list(req.actor) }));
    app.get('/v1/scans/:id', { schema: { tags: ['scans'], summary: 'A scan, live: status, progress, counts, results summary', params: IdParams } },
      async (req) => c.scans.get(req.actor, req.params.id));

    app.post('/v1/enrichments', {
      schema: { tags: ['enrichment'], summary: 'Run the enrichment waterfall over leads as a job (dry_run: the expected spend only)', body: EnrichRequest },
    }, async (req, reply) => {
      const { run, estimate } = await c.enrichment.start(req.actor, req.body);
      if (!run) return { dry_run: true, estimate };
      await jobs.send(QUEUE.enrich, { runId: run.id, actor: req.actor });
      return reply.status(202).send({ run, estimate });
    });
    app.get('/v1/enrichments', { schema: { tags: ['enrichment'], summary: 'Recent enrichment runs' } }, async (req) => ({ data: await c.enrichment.list(req.actor) }));
    app.get('/v1/enrichments/settings', { schema: { tags: ['enrichment'], summary: "The organization's waterfall settings" } }, async (req) => c.enrichment.settings(req.actor));
    app.put('/v1/enrichments/settings', {
      schema: { tags: ['enrichment'], summary: 'Change the waterfall settings (a partial update)', body: z.record(z.string(), z.unknown()) },
    }, async (req) => c.enrichment.updateSettings(req.actor, req.body));
    app.get('/v1/enrichments/:id', { schema: { tags: ['enrichment'], summary: 'A run, per stage: called, found, cost, skipped by reason', params: IdParams } },
      async (req) => c.enrichment.report(req.actor, req.params.id));

    app.get('/v1/providers', { schema: { tags: ['providers'], summary: "Each port's adapter" } }, async () => ({ data: c.providers.list() }));

    app.get('/v1/budget', { schema: { tags: ['money'], summary: 'The budget: balance, transactions with the balance after, caps used today' } }, async (req) => c.money.show(req.actor));
    app.post('/v1/budget/topups', { schema: { tags: ['money'], summary: 'Add money to the budget', body: TopupInput } }, async (req, reply) => {
      const r = await c.money.topup(req.actor, req.body);
      return reply.status(r.applied ? 201 : 200).send(r);
    });
    app.get('/v1/costs', { schema: { tags: ['money'], summary: 'Provider costs from the ledger, by provider, stage or day', querystring: CostsInput } },
      async (req) => c.money.costs(req.actor, req.query));

    app.get('/v1/dlq', {
      schema: { tags: ['dlq'], summary: 'The dead-letter queue', querystring: z.object({ status: z.enum(['waiting', 'parked', 'done']).optional(), stage: Stage.optional() }) },
    }, async (req) => ({ data: await c.dlq.list(req.actor, req.query) }));
    app.post('/v1/dlq/retry', {
      schema: { tags: ['dlq'], summary: 'Make entries due now; the worker retries them', body: z.object({ id: z.string().optional(), stage: Stage.optional(), all: z.boolean().optional() }) },
    }, async (req) => ({ due_now: await c.dlq.retry(req.actor, req.body) }));
    app.delete('/v1/dlq', {
      schema: { tags: ['dlq'], summary: 'Delete settled (done), parked or all entries', querystring: z.object({ status: z.enum(['done', 'parked', 'all']).default('done') }) },
    }, async (req) => ({ deleted: await c.dlq.purge(req.actor, req.query) }));
  };
}
