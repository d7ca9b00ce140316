import crypto from 'node:crypto';
import { z } from 'zod';
import { AppError, notFound } from '../../app/errors.ts';
import { parseInput, isoInstant } from '../../app/validate.ts';
import type { Database } from '../../db/database.ts';
import { withTenant, type Actor, type Trx } from '../../db/tenant.ts';
import type { Pii } from '../pii/pii.ts';
import { requireRole } from '../tenancy/tenancy.service.ts';
import { composeDraft, inlineContent, requireSender, type Content } from './compose-draft.ts';
import { messagesRepository as repo } from './messages.repository.ts';
import type { Outbox } from './outbox.ts';
import { readOutreachSettings, updateOutreachSettings, type OutreachSettings } from './outreach-settings.ts';
import { decodeCursor, page } from './page-cursor.ts';
import { loadRecipients } from './recipients.repository.ts';
import { findTemplate } from './templates.service.ts';

// One message to one lead, now (manual) or at a set time (scheduled): written to the outbox
// under its key and, for "now", dispatched at once so the answer carries the gate's decision.
// Plus the record of messages, the local outbox and the organization's outreach settings.

const MessageFields = {
  lead_id: z.uuid(),
  channel: z.enum(['sms', 'email']),
  template: z.string().trim().min(1).max(200).optional().describe('a saved template, by name or id'),
  body: z.string().min(1).max(100_000).optional().describe('the text instead of a template; merge fields allowed'),
  subject: z.string().max(500).optional().describe('with body, for an email'),
  purpose: z.enum(['marketing', 'informational']).default('marketing')
    .describe('informational: a transactional message (an appointment, an answer); the gate holds marketing to stricter rules'),
  idempotency_key: z.string().trim().min(1).max(200).optional().describe('sending again with the same key returns the first message'),
};
const oneSource = (v: { template?: string; body?: string }) => (v.template === undefined) !== (v.body === undefined);
const oneSourceIssue = { message: 'give either template or body', path: ['template'] };
export const SendMessageRequest = z.strictObject(MessageFields).refine(oneSource, oneSourceIssue);
export type SendMessageRequest = z.input<typeof SendMessageRequest>;
export const ScheduleMessageRequest = z.strictObject({ ...MessageFields, at: isoInstant().describe('when it may go, ISO 8601 with an offset') })
  .refine(oneSource, oneSourceIssue);
export type ScheduleMessageRequest = z.input<typeof ScheduleMessageRequest>;

export const ListMessagesQuery = z.object({
  lead: z.uuid().optional(),
  channel: z.enum(['sms', 'email', 'call', 'ai_call']).optional(),
  direction: z.enum(['outbound', 'inbound']).optional(),
  status: z.enum(['pending', 'sending', 'sent', 'delivered', 'failed', 'cancelled', 'received']).optional(),
  source: z.enum(['manual', 'sequence', 'campaign', 'scheduled', 'faq', 'nudge', 'inbound', 'system']).optional(),
  campaign: z.uuid().optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(500).optional().describe('next_cursor of the previous page'),
});
export const OutboxQuery = z.object({
  channel: z.enum(['sms', 'email', 'call', 'ai_call']).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(500).optional(),
});

type Req = z.output<typeof SendMessageRequest>;

export function createMessagesService(deps: { db: Database; pii: Pii; outbox: Pick<Outbox, 'enqueue' | 'dispatch'>; now?: () => Date }) {
  const now = deps.now ?? (() => new Date());
  const tenant = <T>(actor: Actor, fn: (trx: Trx) => Promise<T>) => withTenant(deps.db, actor, fn);

  async function contentOf(req: Req, trx: Trx): Promise<Content> {
    if (req.body !== undefined) return inlineContent(req.channel, req.body, req.subject ?? null);
    const t = await findTemplate(req.template!, trx);
    if (t.channel !== req.channel) throw new AppError('VALIDATION', `template ${t.name} is for ${t.channel}, not ${req.channel}`, [{ field: 'template', message: `a ${t.channel} template` }]);
    return { channel: req.channel, subject: t.subject, body: t.body, html: t.html, templateId: t.id };
  }

  /** Write the message once by its key; its id, new or already there. */
  async function write(actor: Actor, req: Req, source: 'manual' | 'scheduled', at: Date | null): Promise<string> {
    // "informational" sets aside the rules for marketing (written consent, the registry, quiet
    // texting hours): a label a manager answers for, not one any agent may put on a text
    if (req.purpose === 'informational') requireRole(actor, 'manager', 'send a message as informational rather than marketing');
    return tenant(actor, async (trx) => {
      const settings = await readOutreachSettings(trx);
      requireSender(settings, req.channel, req.purpose);
      const content = await contentOf(req, trx);
      const r = (await loadRecipients(trx, deps.pii, [req.lead_id], req.channel, settings)).get(req.lead_id);
      if (!r) throw notFound('lead', req.lead_id);
      const key = `${source}:${req.idempotency_key ?? crypto.randomUUID()}`;
      const composed = composeDraft(r, content, { key, source, purpose: req.purpose, senderUserId: actor.userId, at });
      if ('skip' in composed) throw new AppError('VALIDATION', `lead_id: this lead cannot get it (${composed.skip})`, [{ field: 'lead_id', message: composed.skip }]);
      return (await deps.outbox.enqueue([composed.draft], trx)).get(key)!.id;
    });
  }

  const show = async (actor: Actor, id: string) => {
    const m = await tenant(actor, (trx) => repo.find(id, trx));
    if (!m) throw notFound('message', id);
    return m;
  };

  return {
    /** Send now: the answer is the message after the gate (sent, cancelled with its reason, or pending until the deferral). */
    async send(actor: Actor, input: unknown) {
      const req = parseInput(SendMessageRequest, input);
      const id = await write(actor, req, 'manual', null);
      await deps.outbox.dispatch(actor, { ids: [id] });
      return show(actor, id);
    },

    /** Send at a set time; the outbox's minute job gates and sends it when it is due. */
    async schedule(actor: Actor, input: unknown) {
      const req = parseInput(ScheduleMessageRequest, input);
      if (req.at.getTime() <= now().getTime()) throw new AppError('VALIDATION', 'at: must be in the future (use messages send for now)', [{ field: 'at', message: 'in the past' }]);
      return show(actor, await write(actor, req, 'scheduled', req.at));
    },

    /** Cancel a message nobody has handed over yet. */
    async cancel(actor: Actor, id: string) {
      return tenant(actor, async (trx) => {
        const done = await repo.cancelPending(id, 'CANCELLED_BY_USER', trx);
        if (done) return (await repo.find(id, trx))!;
        const m = await repo.find(id, trx);
        if (!m) throw notFound('message', id);
        throw new AppError('CONFLICT', `message ${id} is ${m.status}: only a pending message can be cancelled`, [{ field: 'status', message: m.status }]);
      });
    },

    async list(actor: Actor, query: unknown = {}) {
      const q = parseInput(ListMessagesQuery, query);
      const afterId = q.cursor ? decodeCursor('messages', q.cursor, ['id'])[0] : undefined;
      const rows = await tenant(actor, (trx) => repo.list(
        { lead_id: q.lead, channel: q.channel, direction: q.direction, status: q.status, source: q.source, campaign_id: q.campaign },
        { limit: q.limit, afterId }, trx));
      return page(rows, q.limit, 'messages', (r) => [r.id]);
    },

    show,

    /** What the local adapters wrote instead of sending. */
    async outbox(actor: Actor, query: unknown = {}) {
      const q = parseInput(OutboxQuery, query);
      const afterId = q.cursor ? decodeCursor('outbox', q.cursor, ['id'])[0] : undefined;
      const rows = await tenant(actor, (trx) => repo.outbox({ channel: q.channel }, { limit: q.limit, afterId }, trx));
      return page(rows, q.limit, 'outbox', (r) => [r.id]);
    },

    settings: (actor: Actor): Promise<OutreachSettings> => tenant(actor, (trx) => readOutreachSettings(trx)),

    /**
     * Change some settings; a nested one (prices, frequency_cap) is merged key by key. Admins
     * and owners only: the organization row, where settings live, is theirs to change (its
     * row-level security says so).
     */
    async updateSettings(actor: Actor, patch: unknown) {
      requireRole(actor, 'admin', 'change the outreach settings');
      if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) throw new AppError('VALIDATION', 'settings: an object of settings to change', [{ field: '(input)', message: 'not an object' }]);
      return tenant(actor, async (trx) => {
        const current = await readOutreachSettings(trx);
        const merged: Record<string, unknown> = { ...patch };
        for (const [k, v] of Object.entries(patch)) {
          const was = (current as Record<string, unknown>)[k];
          if (v && typeof v === 'object' && !Array.isArray(v) && was && typeof was === 'object') merged[k] = { ...was, ...v };
        }
        return updateOutreachSettings(merged, trx);
      });
    },
  };
}

export type MessagesService = ReturnType<typeof createMessagesService>;
