import { describe, expect, it } from 'vitest';
import { computeMailgunSignature, computeTwilioSignature, verifyMailgunSignature, verifyTwilioSignature } from './webhook-signature.ts';

// Twilio's documented example (webhook security page), recomputed independently with
// `openssl dgst -sha1 -hmac 12345 -binary | base64` over URL + sorted name/value pairs.
const TWILIO = {
  authToken: '12345',
  url: 'https://mycompany.com/myapp.php?foo=1&bar=2',
  params: { CallSid: 'CA1234567890ABCDE', Caller: '+12349013030', Digits: '1234', From: '+12349013030', To: '+18005551212' },
  signature: '0/KCTR6DLpKmkAf8muzZqo1nDgQ=',
};

describe('Twilio X-Twilio-Signature', () => {
  it('computes the documented vector', () => {
    expect(computeTwilioSignature(TWILIO.authToken, TWILIO.url, TWILIO.params)).toBe(TWILIO.signature);
  });

  it('sorts by name whatever the order the fields came in, from an object or URLSearchParams', () => {
    const shuffled = new URLSearchParams([['To', '+18005551212'], ['Digits', '1234'], ['From', '+12349013030'], ['CallSid', 'CA1234567890ABCDE'], ['Caller', '+12349013030']]);
    expect(verifyTwilioSignature({ ...TWILIO, params: shuffled })).toEqual({ ok: true });
  });

  it('accepts the URL with or without the default port, which a proxy may add or strip', () => {
    expect(verifyTwilioSignature({ ...TWILIO, url: 'https://mycompany.com:443/myapp.php?foo=1&bar=2' })).toEqual({ ok: true });
    const signedWithPort = computeTwilioSignature('12345', 'https://mycompany.com:443/hook', {});
    expect(verifyTwilioSignature({ authToken: '12345', url: 'https://mycompany.com/hook', signature: signedWithPort })).toEqual({ ok: true });
    // another port is another URL
    expect(verifyTwilioSignature({ ...TWILIO, url: 'https://mycompany.com:8443/myapp.php?foo=1&bar=2' }).ok).toBe(false);
  });

  it('signs a repeated field with each of its values, sorted', () => {
    const a = computeTwilioSignature('t', 'https://x.example/h', { Event: ['ringing', 'initiated'] });
    expect(a).toBe(computeTwilioSignature('t', 'https://x.example/h', { Event: ['initiated', 'ringing'] }));
    expect(verifyTwilioSignature({ authToken: 't', url: 'https://x.example/h', params: new URLSearchParams('Event=ringing&Event=initiated'), signature: a })).toEqual({ ok: true });
  });

  it.each([
    ['a changed value', { params: { ...TWILIO.params, Digits: '1235' } }],
    ['an added field', { params: { ...TWILIO.params, Extra: '' } }],
    ['a dropped field', { params: { CallSid: 'CA1234567890ABCDE', Caller: '+12349013030', Digits: '1234', From: '+12349013030' } }],
    ['another query string', { url: 'https://mycompany.com/myapp.php?foo=1&bar=3' }],
    ['http instead of https', { url: 'http://mycompany.com/myapp.php?foo=1&bar=2' }],
    ['another auth token', { authToken: '12346' }],
    ['a truncated signature', { signature: TWILIO.signature.slice(0, -2) }],
  ])('refuses %s', (_name, change) => {
    expect(verifyTwilioSignature({ ...TWILIO, ...change })).toEqual({ ok: false, reason: 'mismatch' });
  });

  it('refuses a request without the header', () => {
    expect(verifyTwilioSignature({ ...TWILIO, signature: undefined })).toEqual({ ok: false, reason: 'missing' });
    expect(verifyTwilioSignature({ ...TWILIO, signature: '' })).toEqual({ ok: false, reason: 'missing' });
  });
});

describe('Mailgun webhook signature', () => {
  // Recomputed with `openssl dgst -sha256 -hmac <key>` over timestamp followed by token.
  const key = 'key-3ax6xnjp29jd6fds4gc373sgvjxteol0';
  const sig = { timestamp: '1700000000', token: 'c0ffee0123456789abcdef0123456789abcdef0123456789', signature: 'ed5f3b2198789947747b749afa51b4af43065d36910ed0cb5e297540922af594' };
  const at = (seconds: number) => () => seconds * 1000;

  it('computes the vector', () => {
    expect(computeMailgunSignature(key, sig.timestamp, sig.token)).toBe(sig.signature);
  });

  it('accepts a fresh, correctly signed event, the timestamp as a string or a number', () => {
    expect(verifyMailgunSignature({ signingKey: key, signature: sig, now: at(1700000000 + 60) })).toEqual({ ok: true });
    expect(verifyMailgunSignature({ signingKey: key, signature: { ...sig, timestamp: 1700000000 }, now: at(1700000000) })).toEqual({ ok: true });
  });

  it('refuses an event older than 15 minutes, or as far in the future', () => {
    expect(verifyMailgunSignature({ signingKey: key, signature: sig, now: at(1700000000 + 15 * 60) }).ok).toBe(true);
    expect(verifyMailgunSignature({ signingKey: key, signature: sig, now: at(1700000000 + 15 * 60 + 1) })).toEqual({ ok: false, reason: 'stale' });
    expect(verifyMailgunSignature({ signingKey: key, signature: sig, now: at(1700000000 - 15 * 60 - 1) })).toEqual({ ok: false, reason: 'stale' });
    expect(verifyMailgunSignature({ signingKey: key, signature: sig, now: at(1700000000 + 120), maxAgeMs: 60_000 })).toEqual({ ok: false, reason: 'stale' });
  });

  it.each([
    ['another token', { token: sig.token.replace('c0ffee', 'decade') }],
    ['a moved timestamp (replay with a fresh time)', { timestamp: '1700000900' }],
    ['a flipped signature digit', { signature: `${sig.signature.slice(0, -1)}5` }],
  ])('refuses %s', (_name, change) => {
    expect(verifyMailgunSignature({ signingKey: key, signature: { ...sig, ...change }, now: at(1700000900) })).toEqual({ ok: false, reason: 'mismatch' });
  });

  it('refuses another key, and a missing signature object or field', () => {
    expect(verifyMailgunSignature({ signingKey: 'key-other', signature: sig, now: at(1700000000) })).toEqual({ ok: false, reason: 'mismatch' });
    expect(verifyMailgunSignature({ signingKey: key, signature: undefined, now: at(1700000000) })).toEqual({ ok: false, reason: 'missing' });
    expect(verifyMailgunSignature({ signingKey: key, signature: { timestamp: sig.timestamp, token: sig.token }, now: at(1700000000) })).toEqual({ ok: false, reason: 'missing' });
  });

  it('accepts an upper-case hex signature', () => {
    expect(verifyMailgunSignature({ signingKey: key, signature: { ...sig, signature: sig.signature.toUpperCase() }, now: at(1700000000) }).ok).toBe(true);
  });
});
