import { describe, expect, it } from 'vitest';
import { bareMessageId, mailgunEvent, priceToCents, twilioStatusEvent } from './provider-events.ts';

const AT = new Date('2026-03-10T15:00:00Z');

describe('priceToCents', () => {
  it("turns Twilio's negative dollars into whole cents, rounding up", () => {
    expect(priceToCents('-0.00790', 'USD')).toBe(1);
    expect(priceToCents('-0.0237', 'usd')).toBe(3);
    expect(priceToCents('-0.02', 'USD')).toBe(2);
    expect(priceToCents('0', 'USD')).toBe(0);
    expect(priceToCents(undefined, 'USD')).toBeNull();
    expect(priceToCents('-0.05', 'EUR')).toBeNull();
    expect(priceToCents('n/a', 'USD')).toBeNull();
  });
});

describe('twilioStatusEvent', () => {
  it('keys each status of a message or call once, and says what it does to the message', () => {
    expect(twilioStatusEvent({ MessageSid: 'SM1', MessageStatus: 'delivered', NumSegments: '2' }, AT))
      .toEqual({ eventId: 'SM1:delivered', kind: 'sms.delivered', providerMessageId: 'SM1', change: { status: 'delivered', at: AT, costCents: null, segments: 2 } });
    expect(twilioStatusEvent({ MessageSid: 'SM1', MessageStatus: 'failed', ErrorCode: '30007' }, AT)!.change).toMatchObject({ status: 'failed', error: 'sms failed (Twilio error 30007)' });
    expect(twilioStatusEvent({ MessageSid: 'SM1', MessageStatus: 'sent' }, AT)!.change!.status).toBeUndefined();
    expect(twilioStatusEvent({ CallSid: 'CA1', CallStatus: 'completed', CallDuration: '61', Price: '-0.0130', PriceUnit: 'USD' }, AT))
      .toMatchObject({ eventId: 'CA1:completed', kind: 'call.completed', change: { status: 'delivered', durationSeconds: 61, costCents: 2 } });
    expect(twilioStatusEvent({ CallSid: 'CA1', CallStatus: 'busy' }, AT)!.change).toMatchObject({ status: 'failed', error: 'call busy' });
    expect(twilioStatusEvent({ CallSid: 'CA1', CallStatus: 'ringing' }, AT)!.change!.status).toBeUndefined();
    expect(twilioStatusEvent({ AccountSid: 'AC1' }, AT)).toBeNull();
  });
});

describe('mailgunEvent', () => {
  const base = { id: 'ev1', timestamp: 1773154800, recipient: 'pat@example.com', message: { headers: { 'message-id': 'k1.org@acme.example' } } };

  it('finds the message by its Message-ID and says what happened', () => {
    expect(mailgunEvent({ ...base, event: 'delivered' }, AT)).toEqual({
      eventId: 'ev1', kind: 'email.delivered', providerMessageId: 'k1.org@acme.example', change: { status: 'delivered', at: new Date(1773154800 * 1000) },
    });
    expect(mailgunEvent({ ...base, event: 'clicked' }, AT)!.change).toMatchObject({ opened: true, clicked: true });
    expect(mailgunEvent({ ...base, event: 'accepted' }, AT)!.change).toBeNull();
    expect(mailgunEvent({ event: 'delivered' }, AT)).toBeNull();
  });

  it('suppresses on a permanent failure, a complaint or an unsubscribe, not on a temporary failure', () => {
    const perm = mailgunEvent({ ...base, event: 'failed', severity: 'permanent', 'delivery-status': { code: 550, message: 'mailbox unavailable' } }, AT)!;
    expect(perm.change).toMatchObject({ status: 'failed', error: 'email bounced: 550 mailbox unavailable', suppress: { reason: 'bounced: 550 mailbox unavailable' } });
    expect(mailgunEvent({ ...base, event: 'failed', severity: 'temporary' }, AT)!.change).toEqual({ at: new Date(1773154800 * 1000), error: 'email deferred: temporary failure' });
    expect(mailgunEvent({ ...base, event: 'complained' }, AT)!.change!.suppress).toBeDefined();
    expect(mailgunEvent({ ...base, event: 'unsubscribed' }, AT)!.change!.suppress).toBeDefined();
  });

  it('reads Message-IDs with or without their angle brackets', () => {
    expect(bareMessageId('<a.b@c>')).toBe('a.b@c');
    expect(bareMessageId(' a.b@c ')).toBe('a.b@c');
    expect(bareMessageId(undefined)).toBeNull();
  });
});
