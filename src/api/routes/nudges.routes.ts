import { Readable } from 'node:stream';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Container } from '../../app/container.ts';
import { validation } from '../../app/errors.ts';
import { ClientInput } from '../../domain/nudges/client-rows.ts';
import { ListClientsQuery } from '../../domain/nudges/clients.service.ts';
import { ApproveRequest, DismissRequest, EditRequest, ListNudgesQuery, NudgeSettingsRequest } from '../../domain/nudges/nudges.service.ts';
import { AddResourceRequest } from '../../domain/nudges/resources.service.ts';
import { IdParams } from './common.ts';

// Clients, MLS events, the nudge pipeline and the inbox over HTTP: the same services as the CLI.

export function nudgesRoutes(c: Pick<Container, 'nudges'>): FastifyPluginAsyncZod {
  const n = c.nudges;
  return async (app) => {
    app.addContentTypeParser(['text/csv', 'text/plain'], (_req, payload, done) => done(null, payload));

    app.get('/v1/clients', { schema: { tags: ['nudges'], summary: 'Clients, newest first (user_email, tag, search; cursor paging)', querystring: ListClientsQuery } },
      (req) => n.clients.list(req.actor, req.query));
    app.post('/v1/clients', { schema: { tags: ['nudges'], summary: "Add a client (the caller's, or another user's for managers); the same e-mail or phone again updates them", body: ClientInput } },
      async (req, reply) => {
        const client = await n.clients.add(req.actor, req.body);
        return reply.status(client.created ? 201 : 200).send(client);
      });
    app.get('/v1/clients/:id', { schema: { tags: ['nudges'], summary: 'One client: contacts, preferences, notes', params: IdParams } },
      (req) => n.clients.show(req.actor, req.params.id));
    app.post('/v1/clients/import', {
      bodyLimit: 64 * 1024 * 1024,
      schema: {
        tags: ['nudges'], summary: 'Import clients: the body is the CSV file (Content-Type text/csv); bad lines are reported with their number and field',
        querystring: z.object({ user_email: z.string().optional() }),
      },
    }, async (req) => {
      if (!(req.body instanceof Readable)) throw validation('body', 'send the CSV file as the body, with Content-Type text/csv');
      return n.clients.import(req.actor, req.body, { user_email: req.query.user_email });
    });

    app.post('/v1/mls/events', {
      bodyLimit: 64 * 1024 * 1024,
      schema: {
        tags: ['nudges'], summary: 'Add MLS events: a RESO Web API answer ({"value": [Property records]}) or an array; stored once per source, listing key, time and type',
        querystring: z.object({ source: z.string().min(1).max(100).optional() }), body: z.unknown(),
      },
    }, (req) => n.mls.importBody(req.actor, req.body, req.query.source ?? null));

    app.post('/v1/pipeline/runs', {
      schema: { tags: ['nudges'], summary: 'Run the nudge pipeline now: embed, fan out by market, match and draft (again: nothing twice)', body: z.object({ lookback_days: z.number().int().min(1).max(365).optional() }).optional() },
    }, async (req, reply) => reply.status(201).send(await n.pipeline.run(req.actor, { lookbackDays: req.body?.lookback_days })));
    app.get('/v1/pipeline/runs', { schema: { tags: ['nudges'], summary: 'What each run did: processed, created, errors, duration' } },
      async (req) => ({ data: await n.pipeline.runs(req.actor) }));

    app.get('/v1/nudges', { schema: { tags: ['nudges'], summary: 'The nudge inbox, newest first (status, user_email; cursor paging)', querystring: ListNudgesQuery } },
      (req) => n.inbox.list(req.actor, req.query));
    app.get('/v1/nudges/settings', { schema: { tags: ['nudges'], summary: "A user's market focus, tone, sign-off and audience settings", querystring: z.object({ user_email: z.string().optional() }) } },
      (req) => n.inbox.settings(req.actor, req.query.user_email ? { user_email: req.query.user_email } : {}));
    app.patch('/v1/nudges/settings', { schema: { tags: ['nudges'], summary: "Change a user's nudge settings (their own; managers anyone's)", body: NudgeSettingsRequest } },
      (req) => n.inbox.settings(req.actor, req.body));
    app.get('/v1/nudges/:id', { schema: { tags: ['nudges'], summary: 'A nudge: headline, key intel, draft, audience with reasons, history', params: IdParams } },
      (req) => n.inbox.show(req.actor, req.params.id));
    app.post('/v1/nudges/:id/approve', { schema: { tags: ['nudges'], summary: 'Approve: one message per recipient at a good local time, through the gate', params: IdParams, body: ApproveRequest.optional() } },
      (req) => n.inbox.approve(req.actor, req.params.id, req.body ?? {}));
    app.patch('/v1/nudges/:id', { schema: { tags: ['nudges'], summary: 'Edit the draft before approving', params: IdParams, body: EditRequest } },
      (req) => n.inbox.edit(req.actor, req.params.id, req.body));
    app.post('/v1/nudges/:id/dismiss', { schema: { tags: ['nudges'], summary: 'Dismiss for everyone, or for one client_id: alike opportunities stop appearing for them', params: IdParams, body: DismissRequest.optional() } },
      (req) => n.inbox.dismiss(req.actor, req.params.id, req.body ?? {}));
    for (const verb of ['pause', 'resume', 'cancel'] as const) {
      app.post(`/v1/nudges/:id/${verb}`, { schema: { tags: ['nudges'], summary: `${verb[0]!.toUpperCase()}${verb.slice(1)} a nudge's messages`, params: IdParams } },
        (req) => n.inbox[verb](req.actor, req.params.id));
    }
    app.post('/v1/nudges/:id/resources', { schema: { tags: ['nudges'], summary: 'Attach a content resource before approving', params: IdParams, body: z.object({ resource_id: z.string() }) } },
      (req) => n.inbox.attach(req.actor, req.params.id, req.body.resource_id));

    app.get('/v1/resources', { schema: { tags: ['nudges'], summary: 'Content resources, most used first', querystring: z.object({ user_email: z.string().optional(), all: z.coerce.boolean().optional() }) } },
      async (req) => ({ data: await n.resources.list(req.actor, req.query) }));
    app.post('/v1/resources', { schema: { tags: ['nudges'], summary: 'Add a content resource (the same URL again: updated)', body: AddResourceRequest } },
      async (req, reply) => reply.status(201).send(await n.resources.add(req.actor, req.body)));
    app.post('/v1/resources/:id/archive', { schema: { tags: ['nudges'], summary: 'Archive a content resource', params: IdParams } },
      (req) => n.resources.archive(req.actor, req.params.id));
  };
}
