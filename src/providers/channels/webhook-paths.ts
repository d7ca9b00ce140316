// Where providers post their events (docs/PROVIDERS.md): what they are told, by the outbox with
// every message, and the routes that listen (src/api/routes/webhooks.routes.ts).

/**
 * Where each provider must post its webhooks, under PORCHLIGHT_PUBLIC_URL (docs/PROVIDERS.md).
 * The organization's id is in the path: a provider's event names no tenant, and the signature
 * is checked before the path is believed.
 */
export const CHANNEL_WEBHOOK_PATHS = {
  /** Twilio StatusCallback of texts and calls: queued, sent, delivered, undelivered, failed; initiated ... completed. */
  twilioStatus: '/v1/webhooks/twilio/{org}/status',
  /** The phone number's "A message comes in" webhook: replies, STOP and START. */
  twilioInbound: '/v1/webhooks/twilio/{org}/sms',
  /** Mailgun's event webhooks: delivered, permanent_fail, temporary_fail, complained, unsubscribed, opened, clicked. */
  mailgunEvents: '/v1/webhooks/mailgun/{org}',
  /** Telnyx Call Control's webhooks of a call: initiated, answered, hangup, machine detection, recording, transcription. */
  telnyxVoice: '/v1/webhooks/telnyx/{org}/voice',
} as const;

export function channelWebhookUrls(publicUrl: string, organizationId: string): Record<keyof typeof CHANNEL_WEBHOOK_PATHS, string> {
  const base = publicUrl.replace(/\/+$/, '');
  return Object.fromEntries(Object.entries(CHANNEL_WEBHOOK_PATHS).map(([k, p]) => [k, base + p.replace('{org}', organizationId)])) as Record<keyof typeof CHANNEL_WEBHOOK_PATHS, string>;
}
