import { AppError } from '../../app/errors.ts';
import type { Purpose } from '../compliance/gate.ts';
import type { Draft, MessageSource } from './outbox.repository.ts';
import type { OutreachSettings } from './outreach-settings.ts';
import type { Recipient } from './recipients.repository.ts';
import { renderMessage, validateTemplate, type TemplateValidation } from './template.ts';

// From a recipient and what to say to the draft the outbox writes, for manual, scheduled and
// campaign messages alike. A recipient who cannot get it (no phone for a text, a merge field
// with no value and no fallback) is a skip with its reason: a campaign records it and goes on,
// a single message turns it into an error.

export type SendChannel = 'sms' | 'email';

export interface Content {
  channel: SendChannel;
  subject: string | null;
  body: string;
  html: string | null;
  templateId: string | null;
}

export interface DraftMeta {
  key: string;
  source: MessageSource;
  purpose: Purpose;
  senderUserId: string | null;
  at: Date | null;
  campaignId?: string | null;
}

export const NO_CONTACT: Record<SendChannel, string> = { sms: 'no mobile phone', email: 'no email address' };

export function composeDraft(r: Recipient, content: Content, meta: DraftMeta): { draft: Draft } | { skip: string } {
  if (!r.contact) return { skip: NO_CONTACT[content.channel] };
  let rendered: ReturnType<typeof renderMessage>;
  try {
    rendered = renderMessage(content, r.merge);
  } catch (e) {
    if (e instanceof AppError && e.code === 'VALIDATION') return { skip: `missing merge field: ${e.details.map((d) => d.field).join(', ')}` };
    throw e;
  }
  return {
    draft: {
      key: meta.key, source: meta.source, senderType: 'user', senderUserId: meta.senderUserId, channel: content.channel, purpose: meta.purpose,
      leadId: r.leadId, personId: r.personId, kind: r.contact.kind, hash: r.contact.hash, display: r.contact.display, sealed: r.contact.sealed,
      subject: rendered.subject, body: rendered.body, html: rendered.html, templateId: content.templateId, campaignId: meta.campaignId ?? null, at: meta.at,
    },
  };
}

/**
 * What the outbox would otherwise fail on at send time, refused before anything is written: a
 * channel with no sending address, a first marketing text that cannot name its sender.
 */
export function requireSender(settings: OutreachSettings, channel: SendChannel, purpose: Purpose) {
  const missing = channel === 'email' ? (settings.from_email ? null : 'from_email') : settings.from_phone ? null : 'from_phone';
  if (missing) throw new AppError('VALIDATION', `outreach settings: set ${missing} before sending ${channel === 'email' ? 'emails' : 'texts'} (porchlight outreach settings --set ${missing}=...)`, [{ field: missing, message: 'not set' }]);
  if (channel === 'sms' && purpose === 'marketing' && !settings.sender_name) {
    throw new AppError('VALIDATION', 'outreach settings: set sender_name: a first marketing text must name its sender', [{ field: 'sender_name', message: 'not set' }]);
  }
}

/** TEMPLATE_INVALID naming each part and position (line and column of the text as typed). */
export function templateInvalid(v: TemplateValidation, text: Partial<Record<'subject' | 'body' | 'html', string | null | undefined>>): AppError {
  const details = v.errors.map((e) => {
    const before = (text[e.field] ?? '').slice(0, e.index);
    const line = before.split('\n').length;
    const column = e.index - before.lastIndexOf('\n');
    return { field: e.field, line, message: `${e.message} (line ${line}, column ${column})` };
  });
  return new AppError('TEMPLATE_INVALID', details.map((d) => `${d.field}: ${d.message}`).join('; '), details);
}

/** Inline text given instead of a saved template is held to the same rules. */
export function inlineContent(channel: SendChannel, body: string, subject: string | null): Content {
  const v = validateTemplate({ channel, body, subject });
  if (!v.ok) throw templateInvalid(v, { body, subject });
  return { channel, subject, body, html: null, templateId: null };
}
