import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Container } from '../../app/container.ts';
import { AssignLeadRequest, AssignRequest, TerritoryRequest } from '../../domain/assignment/assignment.service.ts';
import { IdParams } from './common.ts';

// Handing leads to users, their history, and territories.

export function assignmentsRoutes(c: Pick<Container, 'assignment'>): FastifyPluginAsyncZod {
  return async (app) => {
    app.post('/v1/assignments', {
      schema: {
        tags: ['assignment'],
        summary: 'Hand leads out by a strategy: round_robin, least_loaded or territory (managers and up)',
        description: 'Unassigned open leads only by default (unassigned_only: false hands assigned ones out afresh); best lead score first. The answer counts what moved per user.',
        body: AssignRequest,
      },
    }, (req) => c.assignment.assign(req.actor, req.body));

    app.post('/v1/leads/:id/assignments', {
      schema: {
        tags: ['assignment'],
        summary: 'Hand one lead to a user (id or email), or to none (managers and up)',
        params: IdParams,
        body: AssignLeadRequest.omit({ lead_id: true }),
      },
    }, (req) => c.assignment.assignLead(req.actor, { ...req.body, lead_id: req.params.id }));

    app.get('/v1/leads/:id/assignments', {
      schema: { tags: ['assignment'], summary: "A lead's assignment history: from, to, strategy, rule, when", params: IdParams },
    }, (req) => c.assignment.history(req.actor, req.params.id));

    app.get('/v1/territories', {
      schema: { tags: ['assignment'], summary: "Territories (ZIPs, cities) and their owners", querystring: z.object({ user: z.string().optional().describe('a user id or email') }) },
    }, (req) => c.assignment.listTerritories(req.actor, req.query));

    app.post('/v1/territories', {
      schema: { tags: ['assignment'], summary: 'Give ZIPs and cities to a user; a territory has one owner (managers and up)', body: TerritoryRequest },
    }, (req) => c.assignment.setTerritories(req.actor, req.body));

    app.delete('/v1/territories', {
      schema: { tags: ['assignment'], summary: "Take ZIPs and cities from a user's territory (managers and up)", body: TerritoryRequest },
    }, (req) => c.assignment.removeTerritories(req.actor, req.body));
  };
}
