import crypto from 'node:crypto';
import nodemailer from 'nodemailer';
import type { ChannelAdapter, OutboundMessage, SendResult } from './ports.ts';

// Email through any SMTP relay (a mail provider's SMTP endpoint, Postfix, Mailgun's SMTP) with
// nodemailer's pooled transport: a batch shares a few open connections instead of one handshake
// (and one AUTH) per message.
//
// The answer of the relay decides the outcome: 250 after DATA is 'sent'; a permanent refusal of
// the recipient or the message (5xx) is 'failed' with the server's own words; a 4xx, a dropped
// connection or a timeout is 'retry'. A retry may, rarely, send twice (the server took the message
// but its 250 was lost), so every message carries a Message-ID derived from its idempotency key:
// a resend has the same id, and mail systems and mail clients recognize the duplicate.

export interface SmtpAdapterOptions {
  /** smtp://user:pass@host:port, or smtps:// for TLS from the first byte (port 465). */
  url: string;
  /** The sender when a message names none: an address, display name allowed. */
  from?: string | null;
  /** Connections the pool keeps open. Default 2. */
  maxConnections?: number;
  /** Messages per second over the whole pool; unlimited when not set. */
  ratePerSecond?: number;
  /** Connection, greeting and socket inactivity timeout. Default 30 000. */
  timeoutMs?: number;
  /** Further nodemailer transport options (tests: tls settings for a local server). */
  transport?: Record<string, unknown>;
}

/** The part of a nodemailer error we read. */
interface SmtpError extends Error {
  code?: string;
  /** The SMTP command that failed (nodemailer): CONN, EHLO, AUTH ..., MAIL FROM, RCPT TO, DATA, or the message's end. */
  command?: string;
  responseCode?: number;
  response?: string;
  /** Set by nodemailer from the reply class: 5xx except 503. */
  permanent?: boolean;
}

// Failures of the session rather than of the message: a refused login or a broken configuration
// fails every message the same way, and no message should be failed for good because of it.
const SESSION_FAILURES = new Set(['EAUTH', 'ENOAUTH', 'EOAUTH2', 'ECONFIG', 'ETLS', 'EREQUIRETLS']);

/** The domain of a sender ("Acme <hi@acme.example>" → "acme.example"), lowercased. */
function senderDomain(from: string): string | null {
  const m = /@([A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?)\s*>?\s*$/.exec(from.trim());
  return m ? m[1]!.toLowerCase() : null;
}

/**
 * `<{key}.{organization}@{sender's domain}>`, the same for every attempt at one message. The key
 * is escaped to RFC 5322 atext (anything else, the dot and % included, becomes %XX, so distinct
 * keys stay distinct); a key that would make the id longer than a header line should be is
 * replaced by its SHA-256. The organization is part of it because keys are unique per organization only.
 */
export function smtpMessageId(organizationId: string, idempotencyKey: string, from: string): string {
  const domain = senderDomain(from) ?? 'porchlight.local';
  let left = Buffer.from(idempotencyKey, 'utf8').toString('latin1')
    .replace(/[^A-Za-z0-9!#$&'*+\-/=?^_`{|}~]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
  if (left.length > 200) left = `sha256-${crypto.createHash('sha256').update(idempotencyKey).digest('hex')}`;
  return `<${left}.${organizationId}@${domain}>`;
}

function describe(err: SmtpError): string {
  const reply = err.response?.replace(/\s+/g, ' ').trim();
  return `smtp: ${reply || `${err.code ?? 'error'}: ${err.message}`}`.slice(0, 500);
}

export function createSmtpAdapter(opts: SmtpAdapterOptions): ChannelAdapter {
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const transport = nodemailer.createTransport({
    ...opts.transport,
    url: opts.url,
    pool: true,
    maxConnections: opts.maxConnections ?? 2,
    ...(opts.ratePerSecond ? { rateLimit: Math.max(1, Math.floor(opts.ratePerSecond)), rateDelta: 1000 } : {}),
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: timeoutMs,
    // Message content comes from templates that users write: it must never make the server read
    // a local file or fetch a URL into an email.
    disableFileAccess: true,
    disableUrlAccess: true,
  });

  async function sendOne(m: OutboundMessage): Promise<SendResult> {
    const from = m.from || opts.from;
    if (!from) return { messageId: m.messageId, outcome: 'failed', error: 'smtp: no sender: set PORCHLIGHT_EMAIL_FROM or the outreach settings from_email' };
    const messageId = smtpMessageId(m.organizationId, m.idempotencyKey, from);
    // Our Message-ID is the one that makes a resend recognizable; a header of the same name would fight it.
    const headers = Object.fromEntries(Object.entries(m.headers ?? {}).filter(([k]) => k.toLowerCase() !== 'message-id'));
    try {
      const info = await transport.sendMail({
        from,
        to: m.to,
        subject: m.subject ?? '',
        text: m.body,
        ...(m.html ? { html: m.html } : {}),
        headers,
        messageId,
      });
      if (info.accepted.length === 0) {
        return { messageId: m.messageId, outcome: 'failed', error: `smtp: recipient refused: ${info.response}` };
      }
      return { messageId: m.messageId, outcome: 'sent', providerMessageId: messageId, costCents: null };
    } catch (e) {
      const err = e as SmtpError;
      const permanent = err.permanent ?? (err.responseCode !== undefined && err.responseCode >= 500 && err.responseCode !== 503);
      // the server answered a code: it did not take the message (4xx: later; 5xx: never)
      if (err.responseCode !== undefined) {
        const outcome = permanent && !SESSION_FAILURES.has(err.code ?? '') ? 'failed' : 'retry';
        return { messageId: m.messageId, outcome, error: describe(err) };
      }
      // no answer: a connection never made, or one that failed in the greeting, sent nothing, so
      // later is safe; any other drop (nodemailer does not always say at which command) may come
      // after the server took the message, and sending again could deliver it twice (at most once)
      const neverConnected = /ECONNREFUSED|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH/.test(`${err.code} ${err.message}`);
      if (neverConnected || (err.command && /^(EHLO|HELO|LHLO|STARTTLS|AUTH)/i.test(err.command))) return { messageId: m.messageId, outcome: 'retry', error: describe(err) };
      return { messageId: m.messageId, outcome: 'failed', error: `outcome unknown: the connection dropped${err.command ? ` during ${err.command}` : ''}; not sent again (${describe(err)})` };
    }
  }

  return {
    name: 'smtp',
    port: 'email',
    // All at once: the pool queues them over its connections, in order, within its rate.
    send: (batch) => Promise.all(batch.map(sendOne)),
    // No lookup: SMTP has no way to ask a server whether it took a message, so after a crash the
    // dispatcher marks the messages in doubt failed ("outcome unknown"), never sends them again.
    async close() {
      transport.close();
    },
  };
}
