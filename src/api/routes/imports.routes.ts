import type { Readable } from 'node:stream';
import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Container } from '../../app/container.ts';
import { parseMapArgs } from '../../domain/ingest/map-columns.ts';
import { IdParams } from './common.ts';

const ImportQuery = z.object({
  source: z.string().optional().describe('where the list came from'),
  preset: z.string().optional().describe('generic, propstream, batchleads or dealmachine (detected when omitted)'),
  mapping: z.string().optional().describe('a saved column mapping by name'),
  map: z.union([z.string(), z.array(z.string())]).optional().describe('"CSV column=field", repeatable'),
  save_mapping: z.string().optional().describe('save the mapping used under this name'),
  file_name: z.string().optional(),
  dry_run: z.enum(['true', 'false']).optional(),
  force: z.enum(['true', 'false']).optional(),
});

const IssuesQuery = z.object({ severity: z.enum(['error', 'warning']).default('error') });

const withPercent = <T extends { content_sha256: Uint8Array | null; bytes_done: number; byte_size: number }>(r: T) => ({
  ...r, content_sha256: r.content_sha256 && Buffer.from(r.content_sha256).toString('hex'), percent: r.byte_size ? Math.round((100 * r.bytes_done) / r.byte_size) : 100,
});

export function importsRoutes(c: Pick<Container, 'ingest'>): FastifyPluginAsyncZod {
  return async (app) => {
    // The body is the file itself, streamed to a spool file as it arrives: no size limit here,
    // no buffering in memory.
    app.addContentTypeParser(['text/csv', 'text/tab-separated-values', 'application/octet-stream', 'text/plain'], (_req, payload, done) => done(null, payload));

    app.post('/v1/imports', {
      bodyLimit: Number.MAX_SAFE_INTEGER,
      schema: {
        tags: ['imports'],
        summary: 'Import an owner list (the request body is the CSV file)',
        description: 'Send the file as the body (Content-Type text/csv). Answers 202 with the import, which runs in the background; '
          + 'follow it with GET /v1/imports/{id}. The same file sent again returns the earlier import (200) unless force=true. '
          + 'dry_run=true validates and answers with the report, writing nothing.',
        querystring: ImportQuery,
      },
    }, async (req, reply) => {
      const q = req.query;
      const result = await c.ingest.acceptUpload(req.actor, req.body as Readable, {
        source: q.source, preset: q.preset, mappingName: q.mapping, saveMappingAs: q.save_mapping, fileName: q.file_name,
        map: q.map ? parseMapArgs(Array.isArray(q.map) ? q.map : [q.map]) : undefined,
        dryRun: q.dry_run === 'true', force: q.force === 'true',
      });
      if ('summary' in result) return result.summary;
      return reply.status(result.reused ? 200 : 202).send({ ...withPercent(result.import), reused: result.reused });
    });

    app.get('/v1/imports', { schema: { tags: ['imports'], summary: 'Recent imports' } },
      async (req) => ({ data: (await c.ingest.listImports(req.actor)).map(withPercent) }));

    app.get('/v1/imports/:id', { schema: { tags: ['imports'], summary: 'An import: status, progress and counts', params: IdParams } },
      async (req) => withPercent(await c.ingest.getImport(req.actor, req.params.id)));

    app.get('/v1/imports/:id/errors', {
      schema: {
        tags: ['imports'], summary: 'The rejected rows as CSV: line, column, reason, then the row as read', params: IdParams, querystring: IssuesQuery,
      },
    }, async (req, reply) => {
      const { csv } = await c.ingest.issuesReport(req.actor, req.params.id, req.query.severity);
      return reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="import-${req.params.id}-${req.query.severity}s.csv"`).send(csv);
    });
  };
}
