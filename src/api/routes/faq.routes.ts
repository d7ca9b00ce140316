import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Container } from '../../app/container.ts';
import { FaqSettings } from '../../domain/faq/faq-settings.ts';
import { AddFaqRequest, ListFaqRequest, TestFaqRequest } from '../../domain/faq/faq.service.ts';
import { IdParams } from './common.ts';

// The FAQ auto-responder over HTTP: each user's questions and answers, a dry run of the matcher,
// and its settings. Everyone keeps their own entries; managers and up anyone's.

export function faqRoutes(c: Pick<Container, 'faq'>): FastifyPluginAsyncZod {
  return async (app) => {
    app.get('/v1/faq', {
      schema: { tags: ['faq'], summary: "FAQ entries (one user's with user_id or user_email)", querystring: ListFaqRequest },
    }, async (req) => ({ data: await c.faq.list(req.actor, req.query) }));

    app.post('/v1/faq', {
      schema: { tags: ['faq'], summary: "Add a question and its answer (the caller's, or another user's for managers and up)", body: AddFaqRequest },
    }, async (req, reply) => reply.status(201).send(await c.faq.add(req.actor, req.body)));

    app.delete('/v1/faq/:id', {
      schema: { tags: ['faq'], summary: 'Remove an FAQ entry', params: IdParams },
    }, (req) => c.faq.remove(req.actor, req.params.id));

    app.post('/v1/faq/test', {
      schema: { tags: ['faq'], summary: 'How a text would be matched: the closest entries with their scores, and whether it would be answered', body: TestFaqRequest },
    }, (req) => c.faq.test(req.actor, req.body));

    app.get('/v1/faq/settings', { schema: { tags: ['faq'], summary: "The auto-responder's settings" } }, (req) => c.faq.settings(req.actor));

    app.patch('/v1/faq/settings', {
      schema: { tags: ['faq'], summary: 'Change the auto-responder: enabled, threshold, margin (managers and up)', body: FaqSettings.partial() },
    }, (req) => c.faq.updateSettings(req.actor, req.body));
  };
}
