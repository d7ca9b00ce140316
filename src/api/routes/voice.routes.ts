import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Container } from '../../app/container.ts';
import { CreateBookingRequest, ListBookingsQuery, RescheduleRequest } from '../../domain/voice/bookings.ts';
import { AgentEventsRequest, ListCallsQuery, LogCallRequest, StartCallRequest } from '../../domain/voice/calls.service.ts';
import { MetricsQuery } from '../../domain/voice/metrics.ts';
import { IdParams } from './common.ts';

// Voice over HTTP: calls (placed through the gate, logged, reviewed), bookings, each user's
// voice and AI configuration, and the daily metrics. Every route calls one service method.

const ConfigParams = z.object({ id: z.uuid().describe('the user'), kind: z.enum(['voice', 'ai']).describe('voice: speech, models, limits, compliance; ai: the agent\'s voice, tone and prompts') });

export function voiceRoutes(c: Pick<Container, 'voice'>): FastifyPluginAsyncZod {
  const v = c.voice;
  return async (app) => {
    app.post('/v1/calls', {
      schema: { tags: ['voice'], summary: 'Place a call to a lead: through the compliance gate; with the local adapter it plays a scripted conversation', body: StartCallRequest },
    }, async (req, reply) => reply.status(201).send(await v.calls.start(req.actor, req.body)));

    app.post('/v1/calls/log', {
      schema: { tags: ['voice'], summary: 'Write down a call made or taken outside Porchlight (a desk phone, an inbound call)', body: LogCallRequest },
    }, async (req, reply) => reply.status(201).send(await v.calls.log(req.actor, req.body)));

    app.get('/v1/calls', { schema: { tags: ['voice'], summary: 'Calls, newest first, a page at a time (next_cursor)', querystring: ListCallsQuery } },
      (req) => v.calls.page(req.actor, req.query));

    app.get('/v1/calls/:id', {
      schema: { tags: ['voice'], summary: 'A call: status, outcome, analysis, turns, events, booking, costs and latencies', params: IdParams },
    }, (req) => v.calls.show(req.actor, req.params.id));

    app.post('/v1/calls/:id/events', {
      schema: { tags: ['voice'], summary: 'For an AI agent runtime: the turns, tool calls and end of a call it speaks on, each applied once by its id', params: IdParams, body: AgentEventsRequest },
    }, (req) => v.calls.agentEvents(req.actor, req.params.id, req.body));

    app.get('/v1/bookings', { schema: { tags: ['voice'], summary: 'Bookings in a window', querystring: ListBookingsQuery } },
      async (req) => ({ data: await v.bookings.list(req.actor, req.query) }));
    app.post('/v1/bookings', {
      schema: { tags: ['voice'], summary: "Book an appointment: 409 when it overlaps the estimator's other bookings", body: CreateBookingRequest },
    }, async (req, reply) => reply.status(201).send(await v.bookings.create(req.actor, req.body)));
    app.get('/v1/bookings/:id', { schema: { tags: ['voice'], summary: 'A booking', params: IdParams } }, (req) => v.bookings.show(req.actor, req.params.id));
    app.post('/v1/bookings/:id/reschedule', {
      schema: { tags: ['voice'], summary: 'Move a booking: a new confirmation and reminder, the old reminder withdrawn', params: IdParams, body: RescheduleRequest },
    }, (req) => v.bookings.reschedule(req.actor, req.params.id, req.body));
    app.post('/v1/bookings/:id/cancel', { schema: { tags: ['voice'], summary: 'Cancel a booking', params: IdParams } },
      (req) => v.bookings.setStatus(req.actor, req.params.id, 'cancelled'));
    app.post('/v1/bookings/:id/complete', { schema: { tags: ['voice'], summary: 'Mark a booking done', params: IdParams } },
      (req) => v.bookings.setStatus(req.actor, req.params.id, 'completed'));

    app.get('/v1/users/:id/config/:kind', {
      schema: { tags: ['voice'], summary: "A user's voice or AI configuration (the defaults where nothing was set)", params: ConfigParams },
    }, (req) => v.config.get(req.actor, req.params.kind, req.params.id));
    app.patch('/v1/users/:id/config/:kind', {
      schema: { tags: ['voice'], summary: "Change a user's voice or AI configuration (their own; anyone's for managers and up); a value out of range is a 400 naming it",
        params: ConfigParams, body: z.record(z.string(), z.unknown()) },
    }, (req) => v.config.set(req.actor, req.params.kind, req.body, req.params.id));

    app.get('/v1/voice/metrics', {
      schema: { tags: ['voice'], summary: 'Daily voice metrics per user (days in each user\'s zone) and their totals', querystring: MetricsQuery },
    }, (req) => v.metrics.list(req.actor, req.query));
    app.post('/v1/voice/metrics/recompute', {
      schema: { tags: ['voice'], summary: 'Recompute the daily metrics of a range now (the job does yesterday and today every few minutes)', body: MetricsQuery },
    }, (req) => v.metrics.recompute(req.actor, req.body));
  };
}
