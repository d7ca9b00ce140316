import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Container } from '../../app/container.ts';
import {
  CreateCampaignRequest, LaunchCampaignRequest, ListCampaignsQuery, RecipientsQuery, ScheduleCampaignRequest,
} from '../../domain/campaigns/campaigns.service.ts';
import { IdParams } from './common.ts';

// Campaigns: one template to a segment, throttled, with per-recipient status and engagement.
// Every answer but the recipients list is the campaign as `GET /v1/campaigns/:id` shows it.

export function campaignsRoutes(c: Pick<Container, 'campaigns'>): FastifyPluginAsyncZod {
  return async (app) => {
    const verb = (name: 'pause' | 'resume' | 'cancel', summary: string) =>
      app.post(`/v1/campaigns/:id/${name}`, { schema: { tags: ['campaigns'], summary, params: IdParams } }, (req) => c.campaigns[name](req.actor, req.params.id));

    app.get('/v1/campaigns', {
      schema: { tags: ['campaigns'], summary: 'Campaigns, newest first', querystring: ListCampaignsQuery },
    }, (req) => c.campaigns.list(req.actor, req.query));

    app.post('/v1/campaigns', {
      schema: { tags: ['campaigns'], summary: 'Create a draft campaign from a saved template and segment (managers and up)', body: CreateCampaignRequest },
    }, async (req, reply) => reply.status(201).send(await c.campaigns.create(req.actor, req.body)));

    app.get('/v1/campaigns/:id', {
      schema: { tags: ['campaigns'], summary: 'A campaign (id or name) with recipients by status and engagement from its messages', params: IdParams },
    }, (req) => c.campaigns.show(req.actor, req.params.id));

    app.post('/v1/campaigns/:id/launch', {
      schema: {
        tags: ['campaigns'], summary: "Take the segment's leads and write their messages, now or from `at` (managers and up)",
        description: 'Launching a campaign that is no longer a draft changes nothing and answers `launched: false`.', params: IdParams, body: LaunchCampaignRequest.nullish(),
      },
    }, (req) => c.campaigns.launch(req.actor, req.params.id, req.body ?? {}));

    app.post('/v1/campaigns/:id/schedule', {
      schema: { tags: ['campaigns'], summary: 'Launch for a later start: the recipients are fixed now (managers and up)', params: IdParams, body: ScheduleCampaignRequest },
    }, (req) => c.campaigns.schedule(req.actor, req.params.id, req.body));

    verb('pause', 'Hold the messages not yet handed over (managers and up)');
    verb('resume', 'Give what is still queued new slots from now, at the throttle (managers and up)');
    verb('cancel', 'Cancel every message not yet handed over (managers and up)');

    app.get('/v1/campaigns/:id/recipients', {
      schema: { tags: ['campaigns'], summary: "Recipients with their status, skip reason and message's progress, a page at a time", params: IdParams, querystring: RecipientsQuery },
    }, (req) => c.campaigns.recipients(req.actor, req.params.id, req.query));
  };
}
