import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { AppError, httpStatusOf } from '../app/errors.ts';
import { toAppError } from '../db/sql-errors.ts';

// Every failure leaves the API as { error: { code, message, details } }.

function toApiError(err: unknown): AppError {
  const mapped = toAppError(err);
  if (mapped instanceof AppError) return mapped;
  if (hasZodFastifySchemaValidationErrors(mapped)) {
    const where = (mapped as { validationContext?: string }).validationContext;
    const details = mapped.validation.map((v) => {
      const path = v.instancePath.replace(/^\//, '').replaceAll('/', '.');
      return { field: path || where || '(input)', message: v.message ?? 'invalid' };
    });
    return new AppError('VALIDATION', details.map((d) => `${d.field}: ${d.message}`).join('; '), details);
  }
  const fe = mapped as FastifyError;
  if (fe.statusCode === 404) return new AppError('NOT_FOUND', fe.message);
  if (fe.statusCode && fe.statusCode >= 400 && fe.statusCode < 500) {
    // malformed JSON, wrong content type, body too large ...
    return new AppError('VALIDATION', fe.message, [{ field: 'body', message: fe.message }]);
  }
  return new AppError('INTERNAL', 'internal error', [], { cause: err });
}

/** fallback: a page for a browser (the web app's client-side routes); true when it answered */
export function installErrorHandler(app: FastifyInstance, fallback?: (request: FastifyRequest, reply: FastifyReply) => boolean) {
  app.setErrorHandler((err, request, reply) => {
    const e = toApiError(err);
    if (e.code === 'INTERNAL') request.log.error({ err }, 'request failed');
    void reply.status(httpStatusOf[e.code]).send({ error: e.toJSON() });
  });
  app.setNotFoundHandler((request, reply) => {
    if (fallback?.(request, reply)) return;
    void reply.status(404).send({ error: new AppError('NOT_FOUND', `no route ${request.method} ${request.url.split('?')[0]}`).toJSON() });
  });
}
