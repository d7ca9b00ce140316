import Fastify, { type FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { jsonSchemaTransform, serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { sql } from 'kysely';
import type { Container } from '../app/container.ts';
import { authenticate } from './auth.ts';
import { installErrorHandler } from './error-handler.ts';
import { importsRoutes } from './routes/imports.routes.ts';
import { leadsRoutes } from './routes/leads.routes.ts';
import { organizationRoutes } from './routes/organization.routes.ts';
import { enrichmentRoutes } from './routes/enrichment.routes.ts';
import { segmentsRoutes } from './routes/segments.routes.ts';
import { assignmentsRoutes } from './routes/assignments.routes.ts';
import { scoringRoutes } from './routes/scoring.routes.ts';
import { sequencesRoutes } from './routes/sequences.routes.ts';
import { templatesRoutes } from './routes/templates.routes.ts';
import { messagesRoutes } from './routes/messages.routes.ts';
import { campaignsRoutes } from './routes/campaigns.routes.ts';
import { timelineRoutes } from './routes/timeline.routes.ts';
import { complianceRoutes } from './routes/compliance.routes.ts';
import { webhooksRoutes } from './routes/webhooks.routes.ts';
import { faqRoutes } from './routes/faq.routes.ts';
import { nudgesRoutes } from './routes/nudges.routes.ts';
import { inboxRoutes } from './routes/inbox.routes.ts';
import { voiceRoutes } from './routes/voice.routes.ts';
import { reportsRoutes } from './routes/reports.routes.ts';
import type { Jobs } from '../jobs/jobs.ts';
import { LANDING_PAGE } from './landing.ts';
import { DEFAULT_WEB_DIR, registerWebApp, webAppBuilt } from './web.ts';

export const VERSION = '0.1.0';

export interface ServerOptions {
  logger?: boolean | object;
  jobs?: Pick<Jobs, 'send'>;
  /** the built web app (default web/dist); without one, / shows where to go next */
  webDir?: string;
}

export async function buildServer(c: Container, opts: ServerOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({ logger: opts.logger ?? false, genReqId: () => crypto.randomUUID(), bodyLimit: 1024 * 1024 }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  const webDir = opts.webDir ?? DEFAULT_WEB_DIR;
  const web = webAppBuilt(webDir) ? await registerWebApp(app, webDir) : undefined;
  installErrorHandler(app, web);

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'Porchlight API', version: VERSION, description: 'Leads, owners and parcels for people who sell to property owners.' },
      components: { securitySchemes: { apiKey: { type: 'http', scheme: 'bearer', description: 'an API key: porchlight apikey create' } } },
      security: [{ apiKey: [] }],
    },
    transform: jsonSchemaTransform,
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  if (!web) app.get('/', { schema: { hide: true } }, (_req, reply) => reply.type('text/html').send(LANDING_PAGE));
  app.get('/openapi.json', { schema: { hide: true } }, () => app.swagger());
  app.get('/health', { schema: { summary: 'Liveness and database reachability', tags: ['system'], security: [] } }, async (_req, reply) => {
    const started = performance.now();
    try {
      await sql`SELECT 1`.execute(c.db.kysely);
      return { status: 'ok', version: VERSION, engine: c.db.engine, database_ms: Math.round(performance.now() - started) };
    } catch {
      return reply.status(503).send({ status: 'unavailable', version: VERSION, engine: c.db.engine });
    }
  });

  // providers and email recipients: signature-checked (or a MAC'd token), never an API key
  await app.register(webhooksRoutes(c));

  await app.register(async (v1) => {
    // onRequest: who is asking is settled before their input is parsed, so an anonymous caller
    // learns nothing from validation errors
    v1.addHook('onRequest', authenticate(c.tenancy));
    await v1.register(leadsRoutes(c));
    await v1.register(importsRoutes(c));
    await v1.register(organizationRoutes(c));
    await v1.register(segmentsRoutes(c));
    await v1.register(assignmentsRoutes(c));
    await v1.register(scoringRoutes(c));
    await v1.register(sequencesRoutes(c));
    await v1.register(templatesRoutes(c));
    await v1.register(messagesRoutes(c));
    await v1.register(campaignsRoutes(c));
    await v1.register(timelineRoutes(c));
    await v1.register(complianceRoutes(c));
    await v1.register(faqRoutes(c));
    await v1.register(nudgesRoutes(c));
    await v1.register(inboxRoutes(c));
    await v1.register(voiceRoutes(c));
    await v1.register(reportsRoutes(c));
    if (opts.jobs) await v1.register(enrichmentRoutes(c, opts.jobs));
  });
  return app;
}
