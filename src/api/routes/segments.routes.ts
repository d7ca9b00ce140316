import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Container } from '../../app/container.ts';
import { CreateSegmentRequest } from '../../domain/segments/segments.service.ts';
import { IdParams } from './common.ts';

// Saved segments. The filter's own rules (fields, operators, values) are checked by the domain,
// which names what is wrong in a VALIDATION error; here only the envelope is.

export function segmentsRoutes(c: Pick<Container, 'segments'>): FastifyPluginAsyncZod {
  return async (app) => {
    app.get('/v1/segments', {
      schema: { tags: ['segments'], summary: 'Saved segments with their last counts' },
    }, async (req) => ({ data: await c.segments.list(req.actor) }));

    app.post('/v1/segments', {
      schema: {
        tags: ['segments'],
        summary: 'Save a segment and count its leads (managers and up)',
        description: 'The filter language is in docs/SEGMENTS.md; an unknown field or operator is a 400 naming it.',
        body: CreateSegmentRequest,
      },
    }, async (req, reply) => reply.status(201).send(await c.segments.create(req.actor, req.body)));

    app.get('/v1/segments/:id', {
      schema: { tags: ['segments'], summary: 'A segment by id or name', params: IdParams },
    }, (req) => c.segments.show(req.actor, req.params.id));

    app.post('/v1/segments/:id/count', {
      schema: { tags: ['segments'], summary: "Count a segment's leads now and keep the count (managers and up)", params: IdParams },
    }, (req) => c.segments.count(req.actor, req.params.id));

    app.delete('/v1/segments/:id', {
      schema: { tags: ['segments'], summary: 'Delete a segment; its leads are untouched (managers and up)', params: IdParams },
    }, (req) => c.segments.remove(req.actor, req.params.id));
  };
}
