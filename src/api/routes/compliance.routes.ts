import { Readable } from 'node:stream';
import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Container } from '../../app/container.ts';
import { validation } from '../../app/errors.ts';
import { CheckRequest, ConsentRequest, LogRequest, RevokeRequest } from '../../domain/compliance/compliance.service.ts';
import { requireRole } from '../../domain/tenancy/tenancy.service.ts';
import { multipartFile } from '../multipart.ts';
import { IdParams } from './common.ts';

// The compliance gate over HTTP: loading the do-not-call lists (the organization's own and its
// copy of the national registry) and where a contact stands on them, consents, the gate's
// answer and its record. /v1/dnc's list, add and remove are with routing (scoring.routes.ts).
// Anyone may add to a list, record a consent or ask the gate; managers load the national copy.

const ContactQuery = z.object({
  phone: z.string().optional().describe('a phone number, any common form'),
  email: z.string().optional().describe('an email address'),
});

const DncImportQuery = z.object({
  as_of: z.string().optional().describe('national copy: the day the file was downloaded, YYYY-MM-DD'),
  area_codes: z.string().optional().describe('national copy: the area codes the file covers, e.g. 512,737 (default: those in it)'),
  source: z.string().optional().describe("own list: where it came from (default: import)"),
  file_name: z.string().optional().describe('national copy: the name of the file, kept with the import'),
});

export function complianceRoutes(c: Pick<Container, 'dnc' | 'compliance'>): FastifyPluginAsyncZod {
  return async (app) => {
    // the body is the file itself, streamed to the load as it arrives
    app.addContentTypeParser(['text/csv', 'text/plain', 'multipart/form-data'], (_req, payload, done) => done(null, payload));

    app.post('/v1/dnc/import', {
      bodyLimit: Number.MAX_SAFE_INTEGER,
      schema: {
        tags: ['routing'],
        summary: "Load a do-not-call list: the organization's own (text/csv) or a national registry download (text/plain or multipart/form-data; managers and up)",
        description: 'Own list: a CSV with columns phone and/or email, and optional reason and source; added by anyone, an entry already listed is kept. '
          + 'National copy: the FTC flat file (AAA,NNNNNNN per line; 10 digits or E.164 also taken) with as_of (query or form field), the download day, '
          + 'and optionally area_codes; it replaces the copy of the area codes it covers. Bad lines are reported by number and the others land.',
        querystring: DncImportQuery,
      },
    }, async (req) => {
      const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
      if (!(req.body instanceof Readable)) throw validation('body', 'send the national registry file as text/plain or multipart/form-data, or the own list as text/csv');
      const q = req.query;
      if (type === 'text/csv') {
        if (q.as_of || q.area_codes) throw validation('as_of', 'as_of and area_codes go with a national registry file (text/plain or multipart/form-data); text/csv is the own list');
        return c.dnc.importList(req.actor, { source: q.source }, req.body);
      }
      // refused before the body is read
      requireRole(req.actor, 'manager', 'load the national registry copy');
      const upload = type === 'multipart/form-data' ? await multipartFile(req.body, req.headers['content-type']!) : { fields: {} as Record<string, string>, fileName: null, file: req.body };
      return c.dnc.importNational(req.actor, {
        as_of: q.as_of ?? upload.fields.as_of, area_codes: q.area_codes ?? upload.fields.area_codes, file_name: q.file_name ?? upload.fileName ?? undefined,
      }, upload.file);
    });

    app.get('/v1/dnc/check', {
      schema: { tags: ['routing'], summary: "Where a phone or email stands: the organization's list, the national registry copy (phones), its consents", querystring: ContactQuery },
    }, (req) => c.dnc.check(req.actor, req.query));

    app.post('/v1/consents', {
      schema: { tags: ['compliance'], summary: 'Keep a consent as it was given (it can never be changed or deleted)', body: ConsentRequest },
    }, async (req, reply) => reply.status(201).send(await c.compliance.recordConsent(req.actor, req.body)));

    app.get('/v1/consents', {
      schema: { tags: ['compliance'], summary: "A phone's or email's consents, revoked ones included", querystring: ContactQuery },
    }, async (req) => ({ data: await c.compliance.consents(req.actor, req.query) }));

    app.post('/v1/consents/revoke', {
      schema: { tags: ['compliance'], summary: 'A revocation by any means: every consent of the phone or email ends, and it goes on the do-not-contact list', body: RevokeRequest },
    }, (req) => c.compliance.revokeConsent(req.actor, req.body));

    app.post('/v1/compliance/check', {
      schema: {
        tags: ['compliance'],
        summary: 'May this call, text or e-mail go: allow (with obligations), deny with a reason, or defer until a time; the answer is stored',
        body: CheckRequest,
      },
    }, (req) => c.compliance.check(req.actor, req.body));

    app.get('/v1/compliance/decisions', {
      schema: { tags: ['compliance'], summary: "The gate's answers, newest first, a page at a time (next_cursor); by verdict, channel, reason or lead", querystring: LogRequest },
    }, (req) => c.compliance.decisions(req.actor, req.query));

    app.get('/v1/compliance/decisions/:id', {
      schema: { tags: ['compliance'], summary: 'One answer of the gate with every fact it used (consent, lists, place, time) and who asked', params: IdParams },
    }, (req) => c.compliance.decision(req.actor, req.params.id));
  };
}
