import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Container } from '../../app/container.ts';
import { IdParams } from './common.ts';
import { Readable } from 'node:stream';
import { csvLines } from '../../domain/ingest/csv-safe.ts';
import { EXPORT_COLUMNS } from '../../domain/leads/export-leads.ts';
import { BulkUpdateRequest, ListLeadsQuery, UpdateLeadRequest } from '../../domain/leads/leads.service.ts';


export function leadsRoutes(c: Pick<Container, 'leads' | 'exportLeads'>): FastifyPluginAsyncZod {
  return async (app) => {
    app.get('/v1/leads', {
      schema: {
        tags: ['leads'],
        summary: 'List leads: filter, sort and page by cursor',
        description: 'Agents see leads assigned to them or to nobody; managers and up see all. Pass next_cursor back as cursor for the next page.',
        querystring: ListLeadsQuery,
      },
    }, (req) => c.leads.list(req.actor, req.query));

    app.get('/v1/leads/export', {
      schema: {
        tags: ['leads'], summary: 'Every lead the filters match, with owner, parcel, phones and e-mails in the clear, as CSV (recorded in the audit log)',
        querystring: ListLeadsQuery.omit({ sort: true, limit: true, cursor: true }),
      },
    }, async (req, reply) => {
      const pages = c.exportLeads(req.actor, req.query, 'csv');
      // the first page is read before answering, so a bad filter is a 400, not a broken download
      const first = await pages.next();
      async function* rows() {
        if (first.done) return;
        for (const row of first.value) yield EXPORT_COLUMNS.map((k) => row[k]);
        for await (const page of pages) for (const row of page) yield EXPORT_COLUMNS.map((k) => row[k]);
      }
      return reply.type('text/csv; charset=utf-8').header('content-disposition', 'attachment; filename="leads.csv"')
        .send(Readable.from(csvLines([...EXPORT_COLUMNS], rows())));
    });

    app.post('/v1/leads/bulk', {
      schema: { tags: ['leads'], summary: 'Change many leads at once: status, tags, assignee (one statement; at most 500)', body: BulkUpdateRequest },
    }, (req) => c.leads.bulkUpdate(req.actor, req.body));

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
