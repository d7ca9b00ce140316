import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Container } from '../../app/container.ts';
import { IdParams } from './common.ts';
import { CreateApiKeyInput, CreateUserInput, UpdateUserInput } from '../../domain/tenancy/tenancy.service.ts';


export function organizationRoutes(c: Pick<Container, 'tenancy'>): FastifyPluginAsyncZod {
  return async (app) => {
    app.get('/v1/me', { schema: { tags: ['organization'], summary: 'Who the API key stands for' } }, (req) => c.tenancy.whoAmI(req.actor));

    app.get('/v1/organization', { schema: { tags: ['organization'], summary: 'This organization' } }, (req) => c.tenancy.getOrganization(req.actor));
    app.patch('/v1/organization', {
      schema: { tags: ['organization'], summary: 'Rename the organization (owners, admins)', body: z.object({ name: z.string().trim().min(1).max(200) }).strict() },
    }, (req) => c.tenancy.updateOrganization(req.actor, req.body));

    app.get('/v1/users', { schema: { tags: ['users'], summary: 'Users of the organization' } }, async (req) => ({ data: await c.tenancy.listUsers(req.actor) }));
    app.post('/v1/users', {
      schema: { tags: ['users'], summary: 'Add a user (owners, admins)', body: CreateUserInput.strict() },
    }, async (req, reply) => reply.status(201).send(await c.tenancy.createUser(req.actor, req.body)));
    app.patch('/v1/users/:id', {
      schema: { tags: ['users'], summary: 'Change a user: name, role, active (owners, admins)', params: IdParams, body: UpdateUserInput.strict() },
    }, (req) => c.tenancy.updateUser(req.actor, req.params.id, req.body));

    app.get('/v1/api-keys', { schema: { tags: ['api keys'], summary: 'Your API keys (owners, admins: also those of users up to their rank); never the keys themselves' } }, async (req) => ({
      data: await c.tenancy.listApiKeys(req.actor),
    }));
    app.post('/v1/api-keys', {
      schema: { tags: ['api keys'], summary: 'Create a key; the answer is the only time the key is shown', body: CreateApiKeyInput.strict() },
    }, async (req, reply) => reply.status(201).send(await c.tenancy.createApiKey(req.actor, req.body)));
    app.delete('/v1/api-keys/:id', {
      schema: { tags: ['api keys'], summary: 'Revoke a key by id or prefix: your own, or (owners, admins) one of a user up to your rank', params: IdParams },
    }, async (req) => ({ data: await c.tenancy.revokeApiKey(req.actor, req.params.id) }));
  };
}
