// Provider callbacks in Porchlight's words: what a Twilio status callback or a Mailgun event
// does to the message it is about. Pure; the service finds the message and applies the change.

export interface MessageChange {
  /** Only forward: delivered or failed moves a sending/sent message, never a final one back. */
  status?: 'delivered' | 'failed';
  at: Date;
  error?: string | null;
  opened?: boolean;
  clicked?: boolean;
  costCents?: number | null;
  segments?: number | null;
  durationSeconds?: number | null;
  /** The address asked (or the mail system told us) never to send it email again. */
  suppress?: { reason: string };
}

export interface ProviderEvent {
  /** The webhook_event key: the same event delivered twice has the same one. */
  eventId: string;
  kind: string;
  /** The provider's id of the message it is about. */
  providerMessageId: string | null;
  change: MessageChange | null;
}

/** Twilio's Price: a negative decimal string in PriceUnit ("-0.00790"); integer cents, rounded up (no cost is ever under-billed). */
export function priceToCents(price: string | undefined, unit: string | undefined): number | null {
  if (!price || (unit && unit.toUpperCase() !== 'USD')) return null;
  const dollars = Math.abs(Number(price));
  if (!Number.isFinite(dollars)) return null;
  return Math.ceil(Number((dollars * 100).toFixed(6)));
}

const int = (v: string | undefined) => (v && /^\d+$/.test(v) ? Number(v) : null);

/** A Twilio status callback: a message's (MessageSid, MessageStatus) or a call's (CallSid, CallStatus). */
export function twilioStatusEvent(f: Record<string, string>, at: Date): ProviderEvent | null {
  const call = !!f.CallSid && !!f.CallStatus;
  const sid = call ? f.CallSid! : (f.MessageSid ?? f.SmsSid);
  const status = (call ? f.CallStatus : (f.MessageStatus ?? f.SmsStatus))?.toLowerCase();
  if (!sid || !status) return null;
  const base = { eventId: `${sid}:${status}`, kind: call ? `call.${status}` : `sms.${status}`, providerMessageId: sid };
  if (call) {
    const money = { costCents: priceToCents(f.Price, f.PriceUnit), durationSeconds: int(f.CallDuration ?? f.Duration) };
    // answered and completed (which follows an answer) reached someone; busy, no-answer, failed and canceled never did
    if (['in-progress', 'answered', 'completed'].includes(status)) return { ...base, change: { status: 'delivered', at, ...money } };
    if (['busy', 'no-answer', 'failed', 'canceled'].includes(status)) return { ...base, change: { status: 'failed', at, error: `call ${status}`, ...money } };
    return { ...base, change: { at, ...money } };
  }
  const money = { costCents: priceToCents(f.Price, f.PriceUnit), segments: int(f.NumSegments) };
  if (status === 'delivered') return { ...base, change: { status: 'delivered', at, ...money } };
  if (status === 'undelivered' || status === 'failed') {
    const code = f.ErrorCode ? ` (Twilio error ${f.ErrorCode})` : '';
    return { ...base, change: { status: 'failed', at, error: `sms ${status}${code}`, ...money } };
  }
  return { ...base, change: { at, ...money } };
}

export interface MailgunEventData {
  id?: string;
  event?: string;
  timestamp?: number;
  severity?: string;
  reason?: string;
  recipient?: string;
  message?: { headers?: Record<string, string | undefined> };
  'delivery-status'?: { description?: string; message?: string; code?: number | string };
}

/** Mailgun's message-id header comes without the angle brackets our SMTP adapter stores it with. */
export const bareMessageId = (id: string | null | undefined) => (id ? id.trim().replace(/^<|>$/g, '') : null);

/** A Mailgun event (the JSON webhooks' "event-data"). */
export function mailgunEvent(e: MailgunEventData, receivedAt: Date): ProviderEvent | null {
  if (!e.id || !e.event) return null;
  const at = typeof e.timestamp === 'number' ? new Date(e.timestamp * 1000) : receivedAt;
  const base = { eventId: e.id, kind: `email.${e.event}`, providerMessageId: bareMessageId(e.message?.headers?.['message-id']) };
  const ds = e['delivery-status'];
  const why = [ds?.code, ds?.description || ds?.message || e.reason].filter((x) => x !== undefined && x !== '').join(' ');
  switch (e.event) {
    case 'delivered':
      return { ...base, change: { status: 'delivered', at } };
    case 'failed':
    case 'permanent_fail':
    case 'temporary_fail': {
      const permanent = e.event === 'permanent_fail' || (e.event === 'failed' && e.severity === 'permanent');
      // a temporary failure is Mailgun still trying: noted, the message stays where it is
      if (!permanent) return { ...base, change: { at, error: `email deferred: ${why || 'temporary failure'}`.slice(0, 2000) } };
      return { ...base, change: { status: 'failed', at, error: `email bounced: ${why || 'permanent failure'}`.slice(0, 2000), suppress: { reason: `bounced: ${why || 'permanent failure'}` } } };
    }
    case 'complained':
      return { ...base, change: { at, suppress: { reason: 'complained: marked as spam' } } };
    case 'unsubscribed':
      return { ...base, change: { at, suppress: { reason: 'unsubscribed through the provider' } } };
    case 'opened':
      return { ...base, change: { at, opened: true } };
    case 'clicked':
      return { ...base, change: { at, opened: true, clicked: true } };
    default:
      return { ...base, change: null };
  }
}
