import crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signTelnyxWebhook, telnyxPublicKey, verifyTelnyxSignature } from './telnyx-signature.ts';

// A key pair made here plays the Telnyx account: the private half signs as Telnyx would, the
// public half is exported as TELNYX_PUBLIC_KEY is given (base64 of the 32 raw bytes).
const { publicKey, privateKey } = crypto.generateKeyPairSync('ed25519');
const rawPublic = (key: crypto.KeyObject) => Buffer.from(key.export({ format: 'jwk' }).x!, 'base64url').toString('base64');
const PUBLIC_KEY = rawPublic(publicKey);

const NOW = Date.UTC(2025, 5, 3, 15, 0, 0);
const TS = String(NOW / 1000);
const BODY = JSON.stringify({
  data: {
    event_type: 'call.answered', id: '0ccc7b54-4df3-4bca-a65a-3da1ecc777f0', occurred_at: '2025-06-03T15:00:00.000000Z', record_type: 'event',
    payload: { call_control_id: 'v3:MdI91X4lWFEs7IgbBEOT9M4AigoY08M0WWZFISt1Yw2axZ_IiE4pqg', client_state: 'eyJjYWxsX2lkIjoiYyJ9', from: '+15125550100', to: '+15125550199' },
  },
  meta: { attempt: 1, delivered_to: 'https://porch.example/v1/webhooks/telnyx/org/voice' },
});
const check = (over: Partial<Parameters<typeof verifyTelnyxSignature>[0]> = {}) =>
  verifyTelnyxSignature({ publicKey: PUBLIC_KEY, timestamp: TS, signature: signTelnyxWebhook(privateKey, TS, BODY), rawBody: BODY, now: () => NOW, ...over });

describe('verifyTelnyxSignature', () => {
  it('accepts what the account key signed over "timestamp|body", as a string or the raw bytes', () => {
    expect(check()).toEqual({ ok: true });
    expect(check({ rawBody: Buffer.from(BODY, 'utf8'), signature: [signTelnyxWebhook(privateKey, TS, BODY)] })).toEqual({ ok: true });
    // the signature is Ed25519 over exactly those bytes, as node's verify sees it
    const sig = Buffer.from(signTelnyxWebhook(privateKey, TS, BODY), 'base64');
    expect(crypto.verify(null, Buffer.from(`${TS}|${BODY}`), publicKey, sig)).toBe(true);
  });

  it('refuses a tampered body, a body signed under another timestamp, and the JSON re-serialized', () => {
    expect(check({ rawBody: BODY.replace('call.answered', 'call.hangup') })).toEqual({ ok: false, reason: 'mismatch' });
    expect(check({ timestamp: String(NOW / 1000 + 1) })).toEqual({ ok: false, reason: 'mismatch' });
    expect(check({ rawBody: JSON.stringify(JSON.parse(BODY), null, 2) })).toEqual({ ok: false, reason: 'mismatch' });
  });

  it('refuses a timestamp more than 300 s from now, in either direction', () => {
    const at = (ts: number) => check({ timestamp: String(ts), signature: signTelnyxWebhook(privateKey, ts, BODY) });
    expect(at(NOW / 1000 - 300)).toEqual({ ok: true });
    expect(at(NOW / 1000 - 301)).toEqual({ ok: false, reason: 'stale' });
    expect(at(NOW / 1000 + 301)).toEqual({ ok: false, reason: 'stale' });
  });

  it("refuses another account's signature, and a key that is not 32 bytes of base64", () => {
    const other = crypto.generateKeyPairSync('ed25519');
    expect(check({ signature: signTelnyxWebhook(other.privateKey, TS, BODY) })).toEqual({ ok: false, reason: 'mismatch' });
    expect(check({ publicKey: rawPublic(other.publicKey) })).toEqual({ ok: false, reason: 'mismatch' });
    expect(check({ publicKey: 'not-a-key' })).toEqual({ ok: false, reason: 'bad_key' });
    expect(check({ publicKey: Buffer.alloc(33).toString('base64') })).toEqual({ ok: false, reason: 'bad_key' });
    expect(telnyxPublicKey(PUBLIC_KEY)?.asymmetricKeyType).toBe('ed25519');
  });

  it('refuses missing headers and a signature that is not 64 bytes', () => {
    expect(check({ signature: undefined })).toEqual({ ok: false, reason: 'missing' });
    expect(check({ timestamp: '' })).toEqual({ ok: false, reason: 'missing' });
    expect(check({ signature: 'AAAA' })).toEqual({ ok: false, reason: 'mismatch' });
  });
});
