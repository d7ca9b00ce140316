import { z } from 'zod';
import { AppError } from '../../app/errors.ts';
import { parseInput, isoInstant } from '../../app/validate.ts';
import type { Database } from '../../db/database.ts';
import { CAMPAIGN_STATUSES, RECIPIENT_STATUSES } from '../../db/schema-campaigns.ts';
import { withTenant, type Actor, type Trx } from '../../db/tenant.ts';
import { composeDraft, NO_CONTACT, requireSender, type Content } from '../outreach/compose-draft.ts';
import type { Draft } from '../outreach/outbox.repository.ts';
import type { Outbox } from '../outreach/outbox.ts';
import { readOutreachSettings } from '../outreach/outreach-settings.ts';
import { decodeCursor, page } from '../outreach/page-cursor.ts';
import { loadRecipients } from '../outreach/recipients.repository.ts';
import { findTemplate } from '../outreach/templates.service.ts';
import type { Pii } from '../pii/pii.ts';
import { segmentConditionsOf } from '../segments/segments.service.ts';
import { segmentsRepository } from '../segments/segments.repository.ts';
import { requireRole } from '../tenancy/tenancy.service.ts';
import { campaignsRepository as repo, type CampaignRow, type SnapshotRow } from './campaigns.repository.ts';

// Campaigns (Convexa): one template to a segment's leads. Launching (now, or for a later time)
// takes the segment's leads as they are then, in one statement, and writes every recipient's
// message to the outbox with a slot that keeps to the throttle; the outbox's minute job sends
// each when its slot comes, through the gate. Launching again changes nothing. Pausing holds
// the pending messages, resuming gives them new slots, cancelling cancels them.

export const CreateCampaignRequest = z.strictObject({
  name: z.string().trim().min(1).max(200),
  description: z.string().trim().max(2000).nullish(),
  template: z.string().trim().min(1).max(200).describe('a saved sms or email template, by name or id'),
  segment: z.string().trim().min(1).max(200).describe('a saved segment, by name or id'),
  channel: z.enum(['sms', 'email']).optional().describe("defaults to the template's"),
  purpose: z.enum(['marketing', 'informational']).default('marketing'),
  throttle_per_minute: z.number().int().min(1).max(100_000).nullish().describe('at most this many messages a minute; none: all at once'),
});
export type CreateCampaignRequest = z.input<typeof CreateCampaignRequest>;
export const LaunchCampaignRequest = z.strictObject({ at: isoInstant().optional().describe('a later start (ISO 8601 with an offset); now when absent') });
export const ScheduleCampaignRequest = z.strictObject({ at: isoInstant().describe('when the first message may go, ISO 8601 with an offset') });
export const ListCampaignsQuery = z.object({ status: z.enum(CAMPAIGN_STATUSES).optional() });
export const RecipientsQuery = z.object({
  status: z.enum(RECIPIENT_STATUSES).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  cursor: z.string().max(500).optional(),
});

/** Leads rendered and written per round of a launch: one recipients query and one insert each. */
const CHUNK = 2000;
/** The outbox claims at most this many ids a call. */
const DISPATCH_IDS = 1000;

/** The i-th queued message's slot (0-based): `perMinute` a minute from `start`, all at `start` without a throttle; as the launch's snapshot spreads them. */
export const slotOf = (start: Date, i: number, perMinute: number | null) => new Date(start.getTime() + (perMinute ? Math.floor(i / perMinute) : 0) * 60_000);

const rate = (n: number, of: number) => (of > 0 ? Math.round((n / of) * 10_000) / 10_000 : null);

export function createCampaignsService(deps: { db: Database; pii: Pii; outbox: Pick<Outbox, 'enqueue' | 'dispatch'>; now?: () => Date }) {
  const now = deps.now ?? (() => new Date());
  const tenant = <T>(actor: Actor, fn: (trx: Trx) => Promise<T>) => withTenant(deps.db, actor, fn);

  async function findOrThrow(ref: string, trx: Trx, lock = false): Promise<CampaignRow> {
    const c = await repo.find(ref, trx, { lock });
    if (!c) throw new AppError('NOT_FOUND', `campaign ${ref} was not found (see \`porchlight campaigns list\`)`, [{ field: 'campaign', message: 'not found' }]);
    return c;
  }

  /** Write the messages of the snapshot's queued recipients, a chunk at a time; skip those who cannot get one. */
  async function writeMessages(actor: Actor, c: CampaignRow, content: Content, queued: SnapshotRow[], trx: Trx) {
    const settings = await readOutreachSettings(trx);
    for (let i = 0; i < queued.length; i += CHUNK) {
      const chunk = queued.slice(i, i + CHUNK);
      const recipients = await loadRecipients(trx, deps.pii, chunk.map((r) => r.lead_id), c.channel, settings);
      const drafts: (Draft & { leadId: string })[] = [];
      const skips: { leadId: string; reason: string }[] = [];
      for (const row of chunk) {
        const r = recipients.get(row.lead_id);
        const composed = r
          ? composeDraft(r, content, { key: `campaign:${c.id}:${row.lead_id}`, source: 'campaign', purpose: c.purpose, senderUserId: actor.userId, at: row.scheduled_for, campaignId: c.id })
          : { skip: NO_CONTACT[c.channel] };
        if ('skip' in composed) skips.push({ leadId: row.lead_id, reason: composed.skip });
        else drafts.push({ ...composed.draft, leadId: row.lead_id });
      }
      const ids = await deps.outbox.enqueue(drafts, trx);
      await repo.attachMessages(c.id, drafts.map((d) => ({ leadId: d.leadId, messageId: ids.get(d.key)!.id })), trx);
      await repo.skip(c.id, skips, trx);
    }
  }

  /** Send what is due now after the commit (the minute job would too, a minute later). */
  async function dispatchDue(actor: Actor, ids: string[]) {
    for (let i = 0; i < ids.length; i += DISPATCH_IDS) await deps.outbox.dispatch(actor, { ids: ids.slice(i, i + DISPATCH_IDS) });
  }

  async function show(actor: Actor, ref: string) {
    return tenant(actor, async (trx) => {
      const c = await findOrThrow(ref, trx);
      const [counts, e] = [await repo.recipientCounts(c.id, trx), await repo.engagement(c.id, trx)];
      const { template_name, segment_name, ...campaign } = c;
      return {
        ...campaign,
        template: { id: c.template_id, name: template_name },
        segment: c.segment_id ? { id: c.segment_id, name: segment_name } : null,
        recipients_by_status: Object.fromEntries(RECIPIENT_STATUSES.map((s) => [s, counts[s] ?? 0])) as Record<(typeof RECIPIENT_STATUSES)[number], number>,
        engagement: {
          ...e,
          delivery_rate: rate(e.delivered, e.sent), open_rate: rate(e.opened, e.delivered || e.sent),
          click_rate: rate(e.clicked, e.delivered || e.sent), reply_rate: rate(e.replied, e.delivered || e.sent),
        },
      };
    });
  }

  /** Launch now or for `start`; a campaign past draft is left as it is (`launched: false`). */
  async function launch(actor: Actor, ref: string, start: Date | null) {
    requireRole(actor, 'manager', 'launch campaigns');
    const at = now();
    const first = start && start > at ? start : at;
    const done = await tenant(actor, async (trx) => {
      const c = await findOrThrow(ref, trx, true);
      if (c.status !== 'draft') return { id: c.id, launched: false, due: [] as string[] };
      if (!c.segment_id) throw new AppError('VALIDATION', `campaign ${c.name}: its segment was deleted; create the campaign again with another`, [{ field: 'segment', message: 'deleted' }]);
      requireSender(await readOutreachSettings(trx), c.channel, c.purpose);
      const t = await findTemplate(c.template_id, trx);
      const where = await segmentConditionsOf(c.segment_id, trx);
      const rows = await repo.snapshot(c.id, where, { channel: c.channel, start: first, perMinute: c.throttle_per_minute, noContact: NO_CONTACT[c.channel] }, trx);
      await writeMessages(actor, c, { channel: c.channel, subject: t.subject, body: t.body, html: t.html, templateId: t.id }, rows.filter((r) => !r.skip_reason), trx);
      const queued = await repo.queuedCount(c.id, trx);
      const status = queued === 0 ? 'completed' : first > at ? 'scheduled' : 'sending';
      await repo.update(c.id, {
        status, scheduled_for: first, recipients: rows.length, launched_at: at,
        ...(status === 'sending' ? { started_at: at } : {}), ...(status === 'completed' ? { completed_at: at } : {}),
      }, trx);
      return { id: c.id, launched: true, due: status === 'sending' ? await repo.dueMessageIds(c.id, at, trx) : [] };
    });
    await dispatchDue(actor, done.due);
    return { ...(await show(actor, done.id)), launched: done.launched };
  }

  return {
    /** A draft campaign; the template and segment are checked now, the segment read at launch. */
    async create(actor: Actor, input: unknown) {
      requireRole(actor, 'manager', 'create campaigns');
      const req = parseInput(CreateCampaignRequest, input);
      let id: string;
      try {
        id = await tenant(actor, async (trx) => {
          const t = await findTemplate(req.template, trx);
          if (t.channel === 'call') throw new AppError('VALIDATION', `template ${t.name} is for calls: a campaign sends texts or emails`, [{ field: 'template', message: 'a call template' }]);
          if (req.channel && req.channel !== t.channel) throw new AppError('VALIDATION', `template ${t.name} is for ${t.channel}, not ${req.channel}`, [{ field: 'template', message: `a ${t.channel} template` }]);
          const s = await segmentsRepository.find(req.segment, trx);
          if (!s) throw new AppError('NOT_FOUND', `segment ${req.segment} was not found (see \`porchlight segments list\`)`, [{ field: 'segment', message: 'not found' }]);
          return (await repo.insert(actor.organizationId, {
            name: req.name, description: req.description ?? null, channel: t.channel, template_id: t.id, segment_id: s.id, purpose: req.purpose,
            throttle_per_minute: req.throttle_per_minute ?? null, created_by: actor.userId,
          }, trx)).id;
        });
      } catch (e) {
        if (e instanceof AppError && e.code === 'CONFLICT' && e.details[0]?.field === 'name') {
          throw new AppError('CONFLICT', `a campaign named "${req.name}" already exists`, [{ field: 'name', message: 'already exists' }]);
        }
        throw e;
      }
      return show(actor, id);
    },

    async list(actor: Actor, query: unknown = {}) {
      const q = parseInput(ListCampaignsQuery, query);
      return { data: await tenant(actor, (trx) => repo.list(q.status, trx)) };
    },

    show,

    launch: (actor: Actor, ref: string, input: unknown = {}) => launch(actor, ref, parseInput(LaunchCampaignRequest, input).at ?? null),

    /** Launch for a later time: the recipients are taken now, so they can be reviewed before it goes. */
    async schedule(actor: Actor, ref: string, input: unknown) {
      const { at } = parseInput(ScheduleCampaignRequest, input);
      if (at <= now()) throw new AppError('VALIDATION', 'at: must be in the future (use campaigns launch for now)', [{ field: 'at', message: 'in the past' }]);
      return launch(actor, ref, at);
    },

    async pause(actor: Actor, ref: string) {
      requireRole(actor, 'manager', 'pause campaigns');
      const id = await tenant(actor, async (trx) => {
        const c = await findOrThrow(ref, trx, true);
        if (c.status === 'paused') return c.id;
        if (c.status !== 'sending' && c.status !== 'scheduled') throw new AppError('CONFLICT', `campaign ${c.name} is ${c.status}: only a scheduled or sending campaign can be paused`);
        await repo.update(c.id, { status: 'paused', paused_at: now() }, trx);
        await repo.holdMessages(c.id, trx);
        return c.id;
      });
      return show(actor, id);
    },

    /** Resume: what is still queued gets new slots from now (or the scheduled start), at the throttle. */
    async resume(actor: Actor, ref: string) {
      requireRole(actor, 'manager', 'resume campaigns');
      const at = now();
      const done = await tenant(actor, async (trx) => {
        const c = await findOrThrow(ref, trx, true);
        if (c.status !== 'paused') throw new AppError('CONFLICT', `campaign ${c.name} is ${c.status}: only a paused campaign can be resumed`);
        const first = c.scheduled_for && c.scheduled_for > at ? c.scheduled_for : at;
        const queued = await repo.queuedInOrder(c.id, trx);
        await repo.reslot(c.id, queued.map((q, i) => ({ leadId: q.lead_id, messageId: q.message_id, at: slotOf(first, i, c.throttle_per_minute) })), trx);
        const status = queued.length === 0 ? 'completed' : first > at ? 'scheduled' : 'sending';
        await repo.update(c.id, { status, paused_at: null, ...(status === 'completed' ? { completed_at: at } : {}), ...(status === 'sending' && !c.started_at ? { started_at: at } : {}) }, trx);
        return { id: c.id, due: status === 'sending' ? await repo.dueMessageIds(c.id, at, trx) : [] };
      });
      await dispatchDue(actor, done.due);
      return show(actor, done.id);
    },

    /** Cancel: nothing more goes; messages already handed over stay as they are. */
    async cancel(actor: Actor, ref: string) {
      requireRole(actor, 'manager', 'cancel campaigns');
      const id = await tenant(actor, async (trx) => {
        const c = await findOrThrow(ref, trx, true);
        if (c.status === 'cancelled') return c.id;
        if (c.status === 'completed') throw new AppError('CONFLICT', `campaign ${c.name} is completed: there is nothing left to cancel`);
        // the campaign first: its messages' trigger would otherwise find nothing queued and complete it
        await repo.update(c.id, { status: 'cancelled', cancelled_at: now() }, trx);
        await repo.cancelMessages(c.id, trx);
        return c.id;
      });
      return show(actor, id);
    },

    async recipients(actor: Actor, ref: string, query: unknown = {}) {
      const q = parseInput(RecipientsQuery, query);
      const after = q.cursor ? decodeCursor('recipients', q.cursor, ['id'])[0] : undefined;
      return tenant(actor, async (trx) => {
        const c = await findOrThrow(ref, trx);
        const rows = await repo.recipients(c.id, { status: q.status }, { limit: q.limit, afterLeadId: after }, trx);
        return { campaign: { id: c.id, name: c.name, status: c.status }, ...page(rows, q.limit, 'recipients', (r) => [r.lead_id]) };
      });
    },
  };
}

export type CampaignsService = ReturnType<typeof createCampaignsService>;
