import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Container } from '../../app/container.ts';
import { IdParams } from './common.ts';
import { ListLeadsQuery, UpdateLeadRequest } from '../../domain/leads/leads.service.ts';


export function leadsRoutes(c: Pick<Container, 'leads'>): FastifyPluginAsyncZod {
  return async (app) => {
    app.get('/v1/leads', {
      schema: {
        tags: ['leads'],
        summary: 'List leads: filter, sort and page by cursor',
        description: 'Agents see leads assigned to them or to nobody; managers and up see all. Pass next_cursor back as cursor for the next page.',
        querystring: ListLeadsQuery,
      },
    }, (req) => c.leads.list(req.actor, req.query));

    app.get('/v1/leads/:id', {
      schema: { tags: ['leads'], summary: 'A lead with its property, person, contact points and history', params: IdParams },
    }, (req) => c.leads.show(req.actor, req.params.id));

    app.patch('/v1/leads/:id', {
      schema: { tags: ['leads'], summary: 'Change status, tags, assignee, notes or follow-up date', params: IdParams, body: UpdateLeadRequest },
    }, (req) => c.leads.update(req.actor, req.params.id, req.body));

    app.delete('/v1/leads/:id', {
      schema: { tags: ['leads'], summary: 'Delete a lead (soft: kept with its history, hidden from lists); managers and up', params: IdParams },
    }, (req) => c.leads.remove(req.actor, req.params.id));
  };
}
