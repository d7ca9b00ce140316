import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Container } from '../../app/container.ts';
import { validation } from '../../app/errors.ts';
import { DncListQuery } from '../../domain/routing/dnc.service.ts';
import { requireRole } from '../../domain/tenancy/tenancy.service.ts';
import { IdParams } from './common.ts';

// Scores and what follows from them: rescoring, weights, marks on scores, routing, the
// campaign-ready list, billable usage, and permit contagion.

const Body = z.record(z.string(), z.unknown());
const PermitQuery = z.object({
  preset: z.string().optional().describe('austin or blds; without one, Porchlight\'s or BLDS column names'),
  source: z.string().optional().describe('where the permits came from'),
});

export function scoringRoutes(c: Pick<Container, 'scoring' | 'feedback' | 'routing' | 'contagion' | 'dnc'>): FastifyPluginAsyncZod {
  return async (app) => {
    app.addContentTypeParser(['text/csv', 'application/octet-stream', 'text/plain'], (_req, payload, done) => done(null, payload));

    app.post('/v1/scoring/rescore', {
      schema: { tags: ['scoring'], summary: 'Rescore leads (scorer: quality, motivation, roof, contagion, a comma list or all; filters as the leads list)', body: Body },
    }, async (req) => ({ data: await c.scoring.rescore(req.actor, req.body) }));
    app.get('/v1/scoring/settings', { schema: { tags: ['scoring'], summary: 'Scoring weights and thresholds, defaults filled in' } },
      async (req) => c.scoring.settings(req.actor));
    app.put('/v1/scoring/settings', { schema: { tags: ['scoring'], summary: 'Change scoring weights (a partial update); admins', body: Body } },
      async (req) => c.scoring.updateSettings(req.actor, req.body));
    app.post('/v1/leads/:id/feedback', {
      schema: { tags: ['scoring'], summary: "Mark a lead's score good or bad (scorer, verdict, note)", params: IdParams, body: Body },
    }, async (req) => c.feedback.mark(req.actor, { ...req.body, lead_id: req.params.id }));
    app.get('/v1/scoring/feedback', { schema: { tags: ['scoring'], summary: 'Marks on scores per scorer and label' } },
      async (req) => ({ data: await c.feedback.report(req.actor) }));

    app.post('/v1/routing', { schema: { tags: ['routing'], summary: 'Route scored leads by quality and bill roof leads at 60+' } },
      async (req) => c.routing.route(req.actor));
    app.get('/v1/routing/campaign-ready', {
      schema: { tags: ['routing'], summary: 'Contactable leads not yet in a campaign, best first', querystring: z.object({ limit: z.string().optional() }) },
    }, async (req) => ({ data: await c.routing.campaignReady(req.actor, req.query) }));
    app.get('/v1/billing/usage', {
      schema: { tags: ['routing'], summary: 'Billable usage per period and metric', querystring: z.object({ from: z.string().optional(), to: z.string().optional() }) },
    }, async (req) => ({ data: await c.routing.usage(req.actor, req.query) }));

    app.get('/v1/dnc', {
      schema: { tags: ['routing'], summary: 'The do-not-contact list, newest first, a page at a time (values masked; q searches them, the reason and the source)', querystring: DncListQuery },
    }, (req) => c.dnc.page(req.actor, req.query));
    app.post('/v1/dnc', { schema: { tags: ['routing'], summary: 'Put a phone or email on the do-not-contact list (phone or email, reason)', body: Body } },
      async (req, reply) => {
        const r = await c.dnc.add(req.actor, req.body);
        return reply.status(r.added ? 201 : 200).send(r);
      });
    app.delete('/v1/dnc', { schema: { tags: ['routing'], summary: 'Take a phone or email off the list (managers and up)', body: Body } },
      async (req) => c.dnc.remove(req.actor, req.body));

    app.post('/v1/permits', {
      bodyLimit: 512 * 1024 * 1024,
      schema: { tags: ['contagion'], summary: 'Import building permits (the request body is the CSV file); answers with the rows added and rejected', querystring: PermitQuery },
    }, async (req) => {
      // refused before the body is written anywhere
      requireRole(req.actor, 'manager', 'import permits');
      if (!(req.body instanceof Readable)) throw validation('body', 'send the CSV file as the body, with Content-Type text/csv');
      const dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'porchlight-permits-'));
      const file = path.join(dir, 'permits.csv');
      try {
        await pipeline(req.body, fs.createWriteStream(file));
        return await c.contagion.importPermits(req.actor, { file, preset: req.query.preset, source: req.query.source });
      } finally {
        await fs.promises.rm(dir, { recursive: true, force: true });
      }
    });
    app.post('/v1/contagion/runs', {
      schema: { tags: ['contagion'], summary: 'Find clusters and score the parcels near them (since, as_of: YYYY-MM-DD)', body: Body.optional() },
    }, async (req) => c.contagion.run(req.actor, req.body ?? {}));
    app.get('/v1/contagion/clusters', {
      schema: { tags: ['contagion'], summary: 'Clusters of roofing permits, best first', querystring: z.object({ status: z.string().optional(), limit: z.string().optional() }) },
    }, async (req) => ({ data: await c.contagion.clusters(req.actor, req.query) }));
    app.get('/v1/contagion/properties/:id', {
      schema: { tags: ['contagion'], summary: "A parcel's contagion scoring, by the parcel's id or one of its leads'", params: IdParams },
    }, async (req) => c.contagion.propertyScore(req.actor, req.params.id));
  };
}
