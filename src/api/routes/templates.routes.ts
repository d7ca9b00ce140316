import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Container } from '../../app/container.ts';
import { CreateTemplateRequest, ListTemplatesQuery, PreviewTemplateRequest, UpdateTemplateRequest } from '../../domain/outreach/templates.service.ts';
import { IdParams } from './common.ts';

// Message templates. The merge fields are checked by the domain when a template is saved: an
// unknown one is a 422 TEMPLATE_INVALID whose details name the part, line and column.

const invalid = 'A merge field that does not exist, or an email without a subject, is a 422 `TEMPLATE_INVALID` naming the part, line and column.';

export function templatesRoutes(c: Pick<Container, 'templates'>): FastifyPluginAsyncZod {
  return async (app) => {
    app.get('/v1/templates', {
      schema: { tags: ['outreach'], summary: 'Message templates, with the SMS encoding and segment count of each text', querystring: ListTemplatesQuery },
    }, (req) => c.templates.list(req.actor, req.query));

    app.post('/v1/templates', {
      schema: { tags: ['outreach'], summary: 'Save a template (managers and up)', description: invalid, body: CreateTemplateRequest },
    }, async (req, reply) => reply.status(201).send(await c.templates.create(req.actor, req.body)));

    app.get('/v1/templates/:id', {
      schema: { tags: ['outreach'], summary: 'A template by id or name', params: IdParams },
    }, (req) => c.templates.show(req.actor, req.params.id));

    app.patch('/v1/templates/:id', {
      schema: { tags: ['outreach'], summary: 'Change a template (managers and up); checked again as a whole', description: invalid, params: IdParams, body: UpdateTemplateRequest },
    }, (req) => c.templates.update(req.actor, req.params.id, req.body));

    app.delete('/v1/templates/:id', {
      schema: { tags: ['outreach'], summary: 'Delete a template (managers and up); 409 while a campaign uses it', params: IdParams },
    }, (req) => c.templates.remove(req.actor, req.params.id));

    app.post('/v1/templates/:id/preview', {
      schema: {
        tags: ['outreach'], summary: 'The template rendered for a lead, with its segment count and the first-text opt-out line',
        description: 'A merge field with no value for this lead and no fallback is a 400 naming the field.', params: IdParams, body: PreviewTemplateRequest,
      },
    }, (req) => c.templates.preview(req.actor, req.params.id, req.body));
  };
}
