import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Container } from '../../app/container.ts';
import { ListMessagesQuery, OutboxQuery, ScheduleMessageRequest, SendMessageRequest } from '../../domain/outreach/messages.service.ts';
import { z } from 'zod';
import { IdParams } from './common.ts';

// Messages to leads (now or at a set time), the record of every message, the local outbox and
// the outreach settings. A refusal of the gate is not an error: the message comes back
// cancelled with the gate's reason (or pending until the time the gate named).

export function messagesRoutes(c: Pick<Container, 'messages'>): FastifyPluginAsyncZod {
  return async (app) => {
    app.post('/v1/messages', {
      schema: {
        tags: ['outreach'], summary: 'Send a text or email to a lead now, through the compliance gate',
        description: 'Answers 201 with the message: `status` sent, cancelled (`reason` is the gate\'s code, e.g. PEWC_REQUIRED:SMS_MARKETING) or pending (deferred to `scheduled_for`), and `decision`.',
        body: SendMessageRequest,
      },
    }, async (req, reply) => reply.status(201).send(await c.messages.send(req.actor, req.body)));

    app.post('/v1/messages/scheduled', {
      schema: { tags: ['outreach'], summary: 'Schedule a text or email to a lead; the gate decides when it is due', body: ScheduleMessageRequest },
    }, async (req, reply) => reply.status(201).send(await c.messages.schedule(req.actor, req.body)));

    app.get('/v1/messages', {
      schema: { tags: ['outreach'], summary: 'Messages, newest first, by lead, channel, direction, status, source or campaign', querystring: ListMessagesQuery },
    }, (req) => c.messages.list(req.actor, req.query));

    app.get('/v1/messages/:id', {
      schema: { tags: ['outreach'], summary: 'A message with the decision the gate made about it', params: IdParams },
    }, (req) => c.messages.show(req.actor, req.params.id));

    app.post('/v1/messages/:id/cancel', {
      schema: { tags: ['outreach'], summary: 'Cancel a message still pending; 409 once it is handed over', params: IdParams },
    }, (req) => c.messages.cancel(req.actor, req.params.id));

    app.get('/v1/outbox', {
      schema: { tags: ['outreach'], summary: 'What the local channel adapters wrote instead of sending, newest first', querystring: OutboxQuery },
    }, (req) => c.messages.outbox(req.actor, req.query));

    app.get('/v1/outreach/settings', {
      schema: { tags: ['outreach'], summary: 'Sender, numbers, postal address, prices and frequency cap, defaults filled in' },
    }, (req) => c.messages.settings(req.actor));

    app.patch('/v1/outreach/settings', {
      schema: {
        tags: ['outreach'], summary: 'Change some outreach settings (admins and owners); nested ones merge key by key',
        description: 'Keys: sender_name, from_email, from_phone (E.164), postal_address, email_authenticated, sms_sender_registered, prices {sms, email, call, ai_call} in cents, frequency_cap {count, hours} or null. A bad value is a 400 naming it.',
        body: z.record(z.string(), z.unknown()),
      },
    }, (req) => c.messages.updateSettings(req.actor, req.body));
  };
}
