import { z } from 'zod';
import { notFound } from '../../app/errors.ts';
import { parseInput } from '../../app/validate.ts';
import type { Database } from '../../db/database.ts';
import { withTenant, type Actor, type Trx } from '../../db/tenant.ts';
import { normalizeEmail } from '../identity/normalize-contact.ts';
import { readUnsubscribeToken } from '../outreach/unsubscribe.ts';
import { maskContact, type Pii } from '../pii/pii.ts';
import { inboundRepository as repo, type ContactKind } from './inbound.repository.ts';
import { bareMessageId, mailgunEvent, twilioStatusEvent, type MailgunEventData, type ProviderEvent } from './provider-events.ts';

// What became of what we sent, as providers report it, each report applied once by its event id
// in the transaction that applies it: delivery and failure of texts and calls (Twilio's status
// callbacks, with price, segments and call length), of emails (Mailgun's events, with opens and
// clicks), and the email addresses that must get no more email: a bounce for good, a spam
// complaint, an unsubscribe through the provider or through our own link (RFC 8058 one-click).

export const TwilioStatus = z.looseObject({
  MessageSid: z.string().max(100).optional(),
  SmsSid: z.string().max(100).optional(),
  MessageStatus: z.string().max(50).optional(),
  SmsStatus: z.string().max(50).optional(),
  CallSid: z.string().max(100).optional(),
  CallStatus: z.string().max(50).optional(),
}).refine((f) => !!(f.MessageSid ?? f.SmsSid ?? f.CallSid), { message: 'MessageSid or CallSid is required' });

export const MailgunWebhook = z.looseObject({
  'event-data': z.looseObject({
    id: z.string().min(1).max(300),
    event: z.string().min(1).max(50),
    timestamp: z.number().optional(),
    recipient: z.string().max(320).optional(),
  }),
});

// What of a callback is kept with its event: the facts it reports, not the addresses it repeats
// (they are sealed or hashed everywhere else, and a log of payloads must not undo that).
const TWILIO_KEPT = ['MessageSid', 'SmsSid', 'MessageStatus', 'SmsStatus', 'CallSid', 'CallStatus', 'ErrorCode', 'ErrorMessage', 'Price', 'PriceUnit',
  'NumSegments', 'CallDuration', 'Duration', 'AccountSid', 'Timestamp', 'SequenceNumber'];

function mailgunKept(e: MailgunEventData, recipient: Recipient | null) {
  const ds = e['delivery-status'];
  return { id: e.id, event: e.event, timestamp: e.timestamp, severity: e.severity, reason: e.reason, recipient: recipient?.display ?? null,
    'message-id': e.message?.headers?.['message-id'] ?? null, 'delivery-status': ds ? { code: ds.code, message: ds.message, description: ds.description } : undefined };
}

export interface DeliveryResult {
  applied: boolean;
  message_id: string | null;
  kind: string | null;
  suppressed: boolean;
}

/** Where a suppression goes when the event matches no message of ours (an address is still an address). */
interface Recipient {
  kind: ContactKind;
  hash: Buffer;
  display: string;
}

export function createDeliveryService(deps: { db: Database; pii: Pii; now?: () => Date }) {
  const now = deps.now ?? (() => new Date());
  const operator = (organizationId: string): Actor => ({ organizationId, userId: null, role: 'owner', via: 'api' });
  const tenant = <T>(organizationId: string, fn: (trx: Trx) => Promise<T>) => withTenant(deps.db, operator(organizationId), fn);

  async function suppressEmail(r: Recipient, reason: string, source: string, trx: Trx) {
    await repo.suppress({ ...r, channels: ['email'], reason, source }, trx);
  }

  /** Claim the event, change the message it is about, suppress the address when it asks to. */
  async function apply(organizationId: string, provider: string, ev: ProviderEvent | null, payload: unknown,
    find: { providers: string[]; ids: string[]; channel?: 'email' }, recipient: Recipient | null): Promise<DeliveryResult> {
    return tenant(organizationId, async (trx) => {
      if (!(await repo.organizationName(trx))) throw notFound('organization', organizationId);
      if (!ev) return { applied: false, message_id: null, kind: null, suppressed: false };
      if (!(await repo.claimEvent({ provider, eventId: ev.eventId, kind: ev.kind, payload }, trx))) return { applied: false, message_id: null, kind: ev.kind, suppressed: false };
      const msg = find.ids.length ? await repo.findSent(find, trx) : null;
      if (msg && ev.change) await repo.applyChange(msg.id, ev.change, trx);
      // Mailgun's signature covers neither the body nor the organization in the path (one signing
      // key for the installation): an event suppresses an address only through a message this
      // organization sent it, so a replayed signature cannot silence another organization's mail
      const target = msg ? { kind: msg.kind, hash: Buffer.from(msg.peer_hash), display: msg.peer_display } : provider === 'mailgun' ? null : recipient;
      const suppress = ev.change?.suppress && target?.kind === 'email' ? target : null;
      if (suppress) await suppressEmail(suppress, ev.change!.suppress!.reason, `${provider}_event`, trx);
      const result = { applied: true, message_id: msg?.id ?? null, kind: ev.kind, suppressed: !!suppress };
      await repo.finishEvent(provider, ev.eventId, msg?.id ?? null, { ...result, matched: !!msg }, trx);
      return result;
    });
  }

  function emailRecipient(address: string | undefined): Recipient | null {
    const email = address ? normalizeEmail(address) : null;
    return email ? { kind: 'email', hash: deps.pii.hash(email), display: maskContact('email', email) } : null;
  }

  return {
    /** A Twilio status callback for a text (MessageStatus) or a call (CallStatus). */
    async twilioStatus(organizationId: string, input: unknown): Promise<DeliveryResult> {
      const f = parseInput(TwilioStatus, input) as Record<string, string>;
      const ev = twilioStatusEvent(f, now());
      const kept = Object.fromEntries(TWILIO_KEPT.filter((k) => f[k] !== undefined).map((k) => [k, f[k]]));
      return apply(organizationId, 'twilio', ev, kept, { providers: ['twilio'], ids: ev?.providerMessageId ? [ev.providerMessageId] : [] }, null);
    },

    /** A Mailgun event webhook (its JSON body); the signature is checked by the caller. */
    async mailgunEvent(organizationId: string, input: unknown): Promise<DeliveryResult> {
      const body = parseInput(MailgunWebhook, input);
      const data = body['event-data'] as MailgunEventData;
      const ev = mailgunEvent(data, now());
      const id = bareMessageId(ev?.providerMessageId);
      // the SMTP adapter keeps the Message-ID in angle brackets, Mailgun reports it bare
      const ids = id ? [id, `<${id}>`] : [];
      const recipient = emailRecipient(data.recipient);
      return apply(organizationId, 'mailgun', ev, mailgunKept(data, recipient), { providers: ['smtp', 'mailgun'], ids, channel: 'email' }, recipient);
    },

    /** Who an unsubscribe link is for, to show on its page; null when the link is not ours. */
    async unsubscribeTarget(token: string): Promise<{ organization: string; contact: string } | null> {
      const t = readUnsubscribeToken(deps.pii, token);
      if (!t) return null;
      return tenant(t.organizationId, async (trx) => {
        const organization = await repo.organizationName(trx);
        return organization ? { organization, contact: (await repo.displayOf('email', t.emailHash, trx)) ?? 'your address' } : null;
      });
    },

    /** The link in every marketing email (CAN-SPAM; RFC 8058 one-click): that address gets no more email, at once. */
    async unsubscribe(token: string): Promise<{ contact: string }> {
      const t = readUnsubscribeToken(deps.pii, token);
      if (!t) throw notFound('unsubscribe link', 'given');
      return tenant(t.organizationId, async (trx) => {
        if (!(await repo.organizationName(trx))) throw notFound('unsubscribe link', 'given');
        const display = (await repo.displayOf('email', t.emailHash, trx)) ?? 'unsubscribed address';
        await suppressEmail({ kind: 'email', hash: t.emailHash, display }, 'unsubscribed by the link in an email', 'unsubscribe', trx);
        return { contact: display };
      });
    },
  };
}

export type DeliveryService = ReturnType<typeof createDeliveryService>;
