import { z } from 'zod';
import { notFound, validation } from '../../app/errors.ts';
import { parseInput } from '../../app/validate.ts';
import type { Database } from '../../db/database.ts';
import { withTenant, type Actor, type Trx } from '../../db/tenant.ts';
import type { ComplianceService } from '../compliance/compliance.service.ts';
import { classifySms, type SmsClassification } from '../compliance/sms-keywords.ts';
import type { FaqQuery, FaqService } from '../faq/faq.service.ts';
import { normalizePhone } from '../identity/normalize-contact.ts';
import type { Outbox } from '../outreach/outbox.ts';
import type { Draft } from '../outreach/outbox.repository.ts';
import { readOutreachSettings } from '../outreach/outreach-settings.ts';
import { maskContact, type Pii } from '../pii/pii.ts';
import { inboundRepository as repo, type Intent, type Owner } from './inbound.repository.ts';
import { helpReply, optOutConfirmation } from './sms-replies.ts';

// An inbound text, applied once by its provider id, in this order:
//  1. what it means (COMPLIANCE.md §5, §9.4): an opt-out, an opt-in again, a request for help,
//     or a reply; an unclear opt-out is an opt-out and is shown to a person as well;
//  2. an opt-out is honoured at once, before anything that could fail: consents end and the
//     number goes on the list for every channel (a STOP stops calls too, §3.3);
//  3. in one transaction with the event's record: the message, linked to the owner of the number
//     and to the touch it answers; one opt-out confirmation per opt-out, a HELP answer, the
//     lead's sequences stopped, an FAQ answer when one fits confidently, else the inbox;
//  4. after the commit, the replies it wrote go out through the outbox (the gate decides).

export const InboundSms = z.looseObject({
  MessageSid: z.string().trim().min(1).max(100),
  From: z.string().trim().min(1).max(50),
  To: z.string().trim().max(50).optional(),
  Body: z.string().max(20_000).default(''),
  NumSegments: z.string().regex(/^\d+$/).optional(),
});

export const InboxRequest = z.object({
  assignee_id: z.uuid().optional().describe("only the messages of this user's leads"),
  limit: z.coerce.number().int().min(1).max(500).default(50),
}).strict();

export interface InboundDeps {
  db: Database;
  pii: Pii;
  compliance: Pick<ComplianceService, 'revokeConsent'>;
  outbox: Pick<Outbox, 'enqueue' | 'dispatch'>;
  faq: Pick<FaqService, 'prepare' | 'match' | 'record'>;
  /** Stops the leads' active sequence enrollments (src/domain/sequences), in the caller's transaction. */
  stopOnReply?: (trx: Trx, leadIds: string[]) => Promise<unknown>;
  publicUrl?: string | null;
  now?: () => Date;
}

export interface InboundResult {
  applied: boolean;
  message_id: string | null;
  intent: Intent | null;
  review: string | null;
  needs_reply: boolean;
  replies: { id: string; purpose: string }[];
  faq: { entry_id: string | null; score: number | null; confident: boolean } | null;
  dispatch_error?: string;
}

const PROVIDER = 'twilio';

/** The class decides, except that a START from a number that never stopped is only a reply ("yes"). */
function intentOf(c: SmsClassification, optedOut: boolean): Intent {
  if (c.class === 'OPT_OUT') return 'opt_out';
  if (c.class === 'HELP') return 'help';
  if (c.class === 'OPT_IN' && optedOut) return 'opt_in';
  return 'reply';
}

function reviewOf(c: SmsClassification): string | null {
  if (!c.review) return null;
  return c.class === 'OPT_OUT'
    ? `unclear opt-out ("${c.matched}"): honoured as one; check that it was meant`
    : `may be an opt-out ("${c.matched}"): not honoured; read it and decide`;
}

export function createInboundService(deps: InboundDeps) {
  const now = deps.now ?? (() => new Date());
  const operator = (organizationId: string): Actor => ({ organizationId, userId: null, role: 'owner', via: 'api' });
  const tenant = <T>(actor: Actor, fn: (trx: Trx) => Promise<T>) => withTenant(deps.db, actor, fn);
  const ignored = (intent: Intent | null = null): InboundResult => ({ applied: false, message_id: null, intent, review: null, needs_reply: false, replies: [], faq: null });

  return {
    /** A text from an owner (Twilio's inbound webhook fields). A provider's retry of the same MessageSid changes nothing. */
    async receiveSms(organizationId: string, input: unknown): Promise<InboundResult> {
      const f = parseInput(InboundSms, input);
      const phone = normalizePhone(f.From);
      if (!phone) throw validation('From', `'${f.From}' is not a phone number`);
      const actor = operator(organizationId);
      const at = now();
      const hash = deps.pii.hash(phone);
      const display = maskContact('phone', phone);
      const cls = classifySms(f.Body);

      const pre = await tenant(actor, async (trx) => ({
        org: await repo.organizationName(trx), applied: await repo.eventApplied(PROVIDER, f.MessageSid, trx), optedOut: await repo.smsOptedOut(hash, trx),
      }));
      if (!pre.org) throw notFound('organization', organizationId);
      if (pre.applied) return ignored();
      const intent = intentOf(cls, pre.optedOut);
      const review = reviewOf(cls);
      // Honoured first and on its own: idempotent, so if what follows fails the retry does it again harmlessly.
      if (intent === 'opt_out') await deps.compliance.revokeConsent(actor, { phone, channel: 'sms', text: f.Body.slice(0, 2000), at: at.toISOString() });
      // A question is embedded outside the transaction: a remote embeddings adapter must not hold it open.
      const query = intent === 'reply' && !review && f.Body.trim() ? await deps.faq.prepare(actor, f.Body) : null;

      const result = await tenant(actor, async (trx): Promise<InboundResult> => {
        // the payload keeps the number masked: it is sealed everywhere else
        const payload = { MessageSid: f.MessageSid, From: display, To: f.To, Body: f.Body, NumSegments: f.NumSegments };
        if (!(await repo.claimEvent({ provider: PROVIDER, eventId: f.MessageSid, kind: `sms.${intent}`, payload }, trx))) return ignored(intent);
        await repo.lockPeer('phone', hash, trx);
        const owner = await repo.ownerOf('phone', hash, trx);
        const id = await repo.insertInbound({
          key: `inbound:${PROVIDER}:${f.MessageSid}`, provider: PROVIDER, providerMessageId: f.MessageSid, owner, hash, display, sealed: deps.pii.seal(phone),
          to: f.To ?? null, body: f.Body, segments: f.NumSegments ? Number(f.NumSegments) : null, intent, review, at,
        }, trx);
        if (!id) return ignored(intent);
        await repo.markReplied(id, 'phone', hash, owner.lead_id, at, trx);

        const { drafts, faq, needsReply } = await respond(trx, { id, intent, owner, phone, hash, display, body: f.Body, to: f.To ?? null, at, org: pre.org!, query });
        const ids = await deps.outbox.enqueue(drafts, trx);
        const replies = drafts.map((d) => ({ id: ids.get(d.key)!.id, purpose: d.purpose }));
        if (faq) await deps.faq.record(trx, { messageId: id, match: faq.match, replyId: faq.entry ? ids.get(`faq:${id}`)!.id : null, space: query!.space });
        await repo.route(id, { needsReply, review }, trx);
        const out: InboundResult = {
          applied: true, message_id: id, intent, review, needs_reply: needsReply, replies,
          faq: faq && { entry_id: faq.match.entryId, score: faq.match.score, confident: faq.match.confident },
        };
        await repo.finishEvent(PROVIDER, f.MessageSid, id, out, trx);
        return out;
      });

      if (result.replies.length) {
        try {
          await deps.outbox.dispatch(actor, { ids: result.replies.map((r) => r.id) });
        } catch (e) {
          // the replies stay pending: the worker's dispatch sends them (the confirmation within its five minutes, or never)
          result.dispatch_error = (e as Error).message;
        }
      }
      return result;
    },

    /** Inbound messages a person must answer or read. */
    async inbox(actor: Actor, input: unknown = {}) {
      const r = parseInput(InboxRequest, input);
      return tenant(actor, (trx) => repo.inbox({ assigneeId: r.assignee_id ?? null, limit: r.limit }, trx));
    },

    /** A person answered it some other way (a call), or read the flagged text: it leaves the inbox. */
    async resolve(actor: Actor, id: string) {
      if (!z.uuid().safeParse(id).success) throw validation('id', `'${id}' is not a message id`);
      const done = await tenant(actor, (trx) => repo.resolve(id, trx));
      if (!done) throw notFound('inbound message', id);
      return { id, resolved: true };
    },
  };

  async function stopSequences(trx: Trx, owner: Owner) {
    if (owner.lead_id && deps.stopOnReply) await deps.stopOnReply(trx, [owner.lead_id]);
  }

  /** What a text makes us do, in its event's transaction: the list changed, replies written, or a person to answer. */
  async function respond(trx: Trx, t: InboundText): Promise<{ drafts: Draft[]; faq: FaqAnswer | null; needsReply: boolean }> {
    const settings = await readOutreachSettings(trx);
    // every reply answers the text from the number it was sent to, and points at it
    const reply = (key: string, purpose: Draft['purpose'], body: string, by: Pick<Draft, 'source' | 'senderType'> = { source: 'system', senderType: 'system' }): Draft => ({
      key: `${key}:${t.id}`, ...by, channel: 'sms', purpose, leadId: t.owner.lead_id, personId: t.owner.person_id, kind: 'phone', hash: t.hash,
      display: t.display, sealed: deps.pii.seal(t.phone), from: t.to, body, inReplyToId: t.id,
    });
    switch (t.intent) {
      case 'opt_out': {
        // widens an entry a START narrowed to calls: texts are stopped again
        await repo.suppress({ kind: 'phone', hash: t.hash, display: t.display, channels: null, reason: `STOP by text: ${t.body}`, source: 'sms_stop' }, trx);
        await stopSequences(trx, t.owner);
        const confirmed = await repo.confirmedSinceOptIn(t.hash, trx);
        return { drafts: confirmed ? [] : [reply('optout-confirm', 'opt_out_confirmation', optOutConfirmation(settings, t.org))], faq: null, needsReply: false };
      }
      case 'opt_in':
        await repo.reenableSms(t.hash, trx);
        await repo.recordSmsOptIn({ personId: t.owner.person_id, hash: t.hash, display: t.display, seller: settings.sender_name ?? t.org, at: t.at, messageId: t.id }, trx);
        return { drafts: [], faq: null, needsReply: false };
      case 'help':
        return { drafts: [reply('help', 'help_reply', helpReply(settings, t.org, deps.publicUrl))], faq: null, needsReply: false };
      case 'reply': {
        await stopSequences(trx, t.owner);
        // the lead's user's entries answer (the organization's when nobody has the lead)
        const faq = t.query ? await deps.faq.match(trx, t.query, t.owner.assignee_id) : null;
        return { drafts: faq?.entry ? [reply('faq', 'informational', faq.entry.answer, { source: 'faq', senderType: 'ai' })] : [], faq, needsReply: !faq?.entry };
      }
    }
  }
}

interface InboundText {
  id: string;
  intent: Intent;
  owner: Owner;
  phone: string;
  hash: Buffer;
  display: string;
  body: string;
  /** Our number it was sent to. */
  to: string | null;
  at: Date;
  org: string;
  query: FaqQuery | null;
}

type FaqAnswer = Awaited<ReturnType<FaqService['match']>>;

export type InboundService = ReturnType<typeof createInboundService>;
