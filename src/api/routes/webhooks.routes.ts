import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Container } from '../../app/container.ts';
import { AppError } from '../../app/errors.ts';
import { CHANNEL_WEBHOOK_PATHS } from '../../providers/channels/webhook-paths.ts';
import { verifyMailgunSignature, verifyTwilioSignature, type MailgunSignature, type SignatureCheck } from '../../providers/channels/webhook-signature.ts';
import { parseTelnyxWebhook } from '../../providers/voice/telnyx.ts';
import { twilioCallEvents } from '../../providers/voice/twilio-events.ts';
import { verifyTelnyxSignature } from '../../providers/voice/telnyx-signature.ts';

// What providers and recipients post to us, outside API-key authentication: Twilio's inbound
// texts and status callbacks, Mailgun's email events, and the unsubscribe link of every
// marketing email. A provider's request is believed only with a valid signature over
// PORCHLIGHT_PUBLIC_URL + the path it called (403 otherwise, and nothing changes); the
// unsubscribe link carries its own MAC in the token. Every route calls one service method.

/** The routes of CHANNEL_WEBHOOK_PATHS (what providers are told), with :org for the organization's id. */
const route = (p: string) => p.replace('{org}', ':org');
export const WEBHOOK_PATHS = {
  twilioInbound: route(CHANNEL_WEBHOOK_PATHS.twilioInbound),
  twilioStatus: route(CHANNEL_WEBHOOK_PATHS.twilioStatus),
  mailgun: route(CHANNEL_WEBHOOK_PATHS.mailgunEvents),
  telnyxVoice: route(CHANNEL_WEBHOOK_PATHS.telnyxVoice),
  // a wildcard, not :token: a token (org id, hash, MAC) is longer than a path parameter may be
  unsubscribe: '/v1/unsubscribe/*',
} as const;

const OrgParams = z.object({ org: z.uuid().describe('the organization id') });
const TokenParams = z.object({ '*': z.string().min(1).max(500).describe('the token from the email') });
const doc = (summary: string, description?: string) => ({ tags: ['webhooks'], summary, description, security: [] });

/** Twilio's empty TwiML answer: we reply through the outbox (and the gate), never in the webhook's answer. */
const EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>';

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
const page = (title: string, body: string) => `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="robots" content="noindex"><title>${escapeHtml(title)}</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem;color:#222}button{font:inherit;padding:.5rem 1.25rem;cursor:pointer}</style>
</head><body>${body}</body></html>`;

export function webhooksRoutes(c: Pick<Container, 'config' | 'inbound' | 'delivery' | 'voice'>): FastifyPluginAsyncZod {
  const { publicUrl, twilio, mailgunSigningKey, telnyx } = c.config.channels;

  function refuse(check: SignatureCheck | { ok: false; reason: string }): void {
    if (!check.ok) throw new AppError('FORBIDDEN', `webhook refused: signature ${check.reason}`);
  }

  /** Twilio signs the URL it called (ours: the public base + the path and query) and every form field. */
  function verifyTwilio(req: FastifyRequest) {
    if (!twilio.authToken || !publicUrl) return refuse({ ok: false, reason: 'unverifiable: set TWILIO_AUTH_TOKEN and PORCHLIGHT_PUBLIC_URL' });
    const params = req.body instanceof URLSearchParams ? req.body : new URLSearchParams();
    refuse(verifyTwilioSignature({ authToken: twilio.authToken, url: publicUrl.replace(/\/+$/, '') + req.url, params, signature: req.headers['x-twilio-signature'] }));
    return Object.fromEntries(params);
  }

  return async (app) => {
    // Twilio posts forms; a one-click unsubscribe posts "List-Unsubscribe=One-Click" as a form or multipart
    app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 256 * 1024 }, (_req, body, done) => done(null, new URLSearchParams(body as string)));
    app.addContentTypeParser('multipart/form-data', { parseAs: 'string', bodyLimit: 64 * 1024 }, (_req, body, done) => done(null, body));
    // Telnyx signs the exact bytes it sent: the raw body is kept beside the parsed one
    app.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit: 1024 * 1024 }, (req, body, done) => {
      (req as FastifyRequest & { rawBody?: string }).rawBody = body as string;
      try {
        done(null, JSON.parse(body as string));
      } catch {
        done(new AppError('VALIDATION', 'the body is not JSON'), undefined);
      }
    });

    app.post(WEBHOOK_PATHS.telnyxVoice, {
      schema: { ...doc('Telnyx Call Control: the events of a call (initiated, answered, hangup, machine detection, recording, transcription)',
        'Each event is applied once by its id; 404 when a call is not known here (yet): Telnyx delivers it again.'), params: OrgParams },
    }, async (req, reply) => {
      if (!telnyx.publicKey) refuse({ ok: false, reason: 'unverifiable: set TELNYX_PUBLIC_KEY' });
      refuse(verifyTelnyxSignature({
        publicKey: telnyx.publicKey!, timestamp: req.headers['telnyx-timestamp'], signature: req.headers['telnyx-signature-ed25519'],
        rawBody: (req as FastifyRequest & { rawBody?: string }).rawBody ?? '',
      }) as SignatureCheck);
      const parsed = parseTelnyxWebhook(req.body);
      const report = await c.voice.calls.receiveEvents({ organizationId: req.params.org, userId: null, role: 'owner', via: 'system' }, parsed.events, parsed.callIds);
      const out = { ...report, ignored: parsed.ignored };
      return report.unknown.length ? reply.status(404).send({ error: { code: 'NOT_FOUND', message: `call not known: ${report.unknown.length} event(s)` }, ...out }) : out;
    });

    app.post(WEBHOOK_PATHS.twilioInbound, {
      schema: { ...doc("Twilio: a text to one of the organization's numbers", 'STOP-family replies opt the number out at once and are confirmed once; HELP is answered; replies stop sequences and may get an FAQ answer.'), params: OrgParams },
    }, async (req, reply) => {
      const fields = verifyTwilio(req);
      await c.inbound.receiveSms(req.params.org, fields);
      return reply.type('text/xml').send(EMPTY_TWIML);
    });

    app.post(WEBHOOK_PATHS.twilioStatus, {
      schema: { ...doc('Twilio: status callback of a text (MessageStatus) or a call (CallStatus)'), params: OrgParams },
    }, async (req) => {
      const fields = verifyTwilio(req);
      const result = await c.delivery.twilioStatus(req.params.org, fields);
      // a call's callback moves its call record too (ringing, answered, ended with how)
      const events = twilioCallEvents(fields as Record<string, string>, new Date());
      if (events.length) await c.voice.calls.receiveEvents({ organizationId: req.params.org, userId: null, role: 'owner', via: 'system' }, events);
      return result;
    });

    app.post(WEBHOOK_PATHS.mailgun, {
      schema: { ...doc('Mailgun: an email event (delivered, failed, complained, unsubscribed, opened, clicked)'), params: OrgParams },
    }, async (req) => {
      const body = (req.body ?? {}) as { signature?: Partial<MailgunSignature> };
      if (!mailgunSigningKey) refuse({ ok: false, reason: 'unverifiable: set MAILGUN_WEBHOOK_SIGNING_KEY' });
      refuse(verifyMailgunSignature({ signingKey: mailgunSigningKey!, signature: body.signature }));
      return c.delivery.mailgunEvent(req.params.org, body);
    });

    // A GET only shows the question: mail scanners follow links, and a link followed must not unsubscribe anyone.
    app.get(WEBHOOK_PATHS.unsubscribe, { schema: { ...doc('The unsubscribe page of a marketing email'), params: TokenParams } }, async (req, reply) => {
      const target = await c.delivery.unsubscribeTarget(req.params['*']);
      if (!target) return reply.status(404).type('text/html').send(page('Link not recognized', '<h1>This unsubscribe link is not recognized</h1><p>Reply to the email and ask to be removed; we will do it.</p>'));
      return reply.type('text/html').send(page('Unsubscribe', `<h1>Unsubscribe</h1><p>Stop all emails from ${escapeHtml(target.organization)} to ${escapeHtml(target.contact)}?</p>
<form method="post"><input type="hidden" name="List-Unsubscribe" value="One-Click"><button type="submit">Unsubscribe</button></form>`));
    });

    // RFC 8058 one-click: no cookies, no auth, no confirmation step; 200 when done.
    app.post(WEBHOOK_PATHS.unsubscribe, { schema: { ...doc('Unsubscribe (RFC 8058 one-click: body List-Unsubscribe=One-Click)'), params: TokenParams } }, async (req, reply) => {
      await c.delivery.unsubscribe(req.params['*']);
      return reply.type('text/html').send(page('Unsubscribed', '<h1>You are unsubscribed</h1><p>You will receive no more emails from us.</p>'));
    });
  };
}
