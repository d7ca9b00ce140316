import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Container } from '../../app/container.ts';
import { InboxRequest } from '../../domain/inbound/inbound.service.ts';
import { IdParams } from './common.ts';

// The inbox: inbound messages a person must answer (no confident FAQ answer) or read (an unclear opt-out).

export function inboxRoutes(c: Pick<Container, 'inbound'>): FastifyPluginAsyncZod {
  return async (app) => {
    app.get('/v1/inbox', {
      schema: { tags: ['inbox'], summary: 'Inbound messages waiting for a person, newest first', querystring: InboxRequest },
    }, async (req) => ({ data: await c.inbound.inbox(req.actor, req.query) }));

    app.post('/v1/inbox/:id/resolve', {
      schema: { tags: ['inbox'], summary: 'Take a message out of the inbox (answered another way, or read)', params: IdParams },
    }, (req) => c.inbound.resolve(req.actor, req.params.id));
  };
}
