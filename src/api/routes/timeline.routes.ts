import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Container } from '../../app/container.ts';
import { TimelineQuery } from '../../domain/outreach/timeline.service.ts';
import { IdParams } from './common.ts';

export function timelineRoutes(c: Pick<Container, 'timeline'>): FastifyPluginAsyncZod {
  return async (app) => {
    app.get('/v1/leads/:id/timeline', {
      schema: {
        tags: ['leads'], summary: "A lead's timeline, newest first: messages, the gate's refusals and deferrals, status, assignment, scores, enrichment, sequences, campaigns",
        description: 'Each entry: `kind`, `at`, `summary`, `ref_id` and `detail` with the ids involved. Pass next_cursor back as cursor for the next page.',
        params: IdParams, querystring: TimelineQuery,
      },
    }, (req) => c.timeline.forLead(req.actor, req.params.id, req.query));
  };
}
