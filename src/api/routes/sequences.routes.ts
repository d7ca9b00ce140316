import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Container } from '../../app/container.ts';
import { CreateSequenceRequest, EnrollmentsQuery, EnrollRequest, UpdateSequenceRequest } from '../../domain/sequences/sequences.service.ts';
import { IdParams } from './common.ts';

// Sequences and their enrollments. The graph's own rules (one START, every node reachable, loops
// only through a WAIT, templates that exist and fit their channel) are checked by the domain,
// which names each node at fault in a VALIDATION error; here only the envelope is.

export function sequencesRoutes(c: Pick<Container, 'sequences'>): FastifyPluginAsyncZod {
  return async (app) => {
    const s = c.sequences;
    app.post('/v1/sequences', {
      schema: {
        tags: ['sequences'], summary: 'Create a sequence from a graph of nodes, or from nurture steps (managers and up)',
        description: 'See examples/sequences/ and docs/ARCHITECTURE.md#sequences. Every graph error is reported at once, each with its node.',
        body: CreateSequenceRequest,
      },
    }, async (req, reply) => reply.status(201).send(await s.create(req.actor, req.body)));

    app.get('/v1/sequences', { schema: { tags: ['sequences'], summary: 'Sequences with their metrics' } }, async (req) => ({ data: await s.list(req.actor) }));

    app.get('/v1/sequences/:id', {
      schema: { tags: ['sequences'], summary: 'A sequence by id or name: settings, definition, metrics, and each node with its executions by status', params: IdParams },
    }, (req) => s.show(req.actor, req.params.id));

    app.patch('/v1/sequences/:id', {
      schema: {
        tags: ['sequences'], summary: 'Rename a sequence or change its working hours, days and time zone (managers and up); the graph stays as it is',
        params: IdParams, body: UpdateSequenceRequest,
      },
    }, (req) => s.update(req.actor, req.params.id, req.body));

    app.post('/v1/sequences/:id/enroll', {
      schema: { tags: ['sequences'], summary: 'Enroll a lead, or every lead of a segment (managers), once each', params: IdParams, body: EnrollRequest },
    }, (req) => s.enroll(req.actor, req.params.id, req.body));

    for (const verb of ['pause', 'resume', 'archive'] as const) {
      app.post(`/v1/sequences/:id/${verb}`, {
        schema: { tags: ['sequences'], summary: `${verb[0]!.toUpperCase()}${verb.slice(1)} a sequence (managers and up)`, params: IdParams },
      }, (req) => s[verb](req.actor, req.params.id));
    }

    app.get('/v1/sequences/:id/enrollments', {
      schema: { tags: ['sequences'], summary: "A sequence's enrollments, newest first", params: IdParams, querystring: EnrollmentsQuery },
    }, async (req) => ({ data: await s.enrollments(req.actor, req.params.id, req.query) }));

    const moves = { pause: s.pauseEnrollment, resume: s.resumeEnrollment, stop: s.stopEnrollment };
    for (const verb of ['pause', 'resume', 'stop'] as const) {
      app.post(`/v1/enrollments/:id/${verb}`, {
        schema: { tags: ['sequences'], summary: `${verb[0]!.toUpperCase()}${verb.slice(1)} an enrollment`, params: IdParams },
      }, (req) => moves[verb](req.actor, req.params.id));
    }

    app.get('/v1/enrollments/:id/path', {
      schema: { tags: ['sequences'], summary: 'An enrollment and the steps it took, in order, with the message each sent', params: IdParams },
    }, (req) => s.path(req.actor, req.params.id));
  };
}
