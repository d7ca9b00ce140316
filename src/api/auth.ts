import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Actor } from '../db/tenant.ts';
import type { TenancyService } from '../domain/tenancy/tenancy.service.ts';

declare module 'fastify' {
  interface FastifyRequest {
    actor: Actor;
  }
}

/** The onRequest hook of every /v1 route: the bearer key decides organization, user and role. */
export function authenticate(tenancy: TenancyService) {
  return async (request: FastifyRequest, _reply: FastifyReply) => {
    const header = request.headers.authorization;
    const key = header?.match(/^Bearer\s+(\S+)\s*$/i)?.[1];
    request.actor = await tenancy.authenticate(header && !key ? 'malformed' : key, 'api');
  };
}
