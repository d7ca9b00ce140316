import crypto from 'node:crypto';

// Proof that a Call Control webhook comes from Telnyx, before a field of it is believed: a forged
// call.hangup or call.machine.detection.ended would change what Porchlight does next with a lead.
// Telnyx signs with Ed25519, not a shared secret: the account's public key (Mission Control →
// Keys & Credentials → Public Key, base64 of the 32 raw key bytes) verifies, and nothing stored
// here could sign. Pure function over the raw request, like webhook-signature.ts for Twilio and
// Mailgun; the route answers 403 on anything but `ok`.
//
//   telnyx-signature-ed25519: base64 signature of `${telnyx-timestamp}|${raw body}`
//   telnyx-timestamp:         unix seconds when Telnyx sent it

export type TelnyxSignatureCheck = { ok: true } | { ok: false; reason: 'missing' | 'bad_key' | 'mismatch' | 'stale' };

/** Telnyx's documented replay window: a timestamp more than 5 minutes from now is refused. */
export const TELNYX_MAX_AGE_MS = 300 * 1000;

// An Ed25519 SubjectPublicKeyInfo is this fixed 12-byte header followed by the 32 raw key bytes
// (RFC 8410): SEQUENCE { SEQUENCE { OID 1.3.101.112 }, BIT STRING (32 bytes) }.
const SPKI_ED25519_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

/** The account's public key (base64 of the 32 raw bytes) as a KeyObject, or null when it is not one. */
export function telnyxPublicKey(publicKeyBase64: string): crypto.KeyObject | null {
  const raw = Buffer.from(publicKeyBase64.trim(), 'base64');
  if (raw.length !== 32) return null;
  try {
    return crypto.createPublicKey({ key: Buffer.concat([SPKI_ED25519_PREFIX, raw]), format: 'der', type: 'spki' });
  } catch {
    return null;
  }
}

/** What Telnyx sends in telnyx-signature-ed25519; for tests and the stub servers that play Telnyx. */
export function signTelnyxWebhook(privateKey: crypto.KeyObject, timestamp: string | number, rawBody: string): string {
  return crypto.sign(null, Buffer.from(`${timestamp}|${rawBody}`, 'utf8'), privateKey).toString('base64');
}

const first = (h: string | string[] | undefined) => (Array.isArray(h) ? h[0] : h);

export function verifyTelnyxSignature(opts: {
  /** TELNYX_PUBLIC_KEY: base64 of the 32 raw Ed25519 key bytes. */
  publicKey: string;
  /** The telnyx-timestamp header. */
  timestamp: string | string[] | undefined;
  /** The telnyx-signature-ed25519 header. */
  signature: string | string[] | undefined;
  /** The body exactly as it arrived: re-serialized JSON would not verify. */
  rawBody: string | Buffer;
  /** Milliseconds since the epoch; injectable so tests need no real clock. */
  now?: () => number;
  maxAgeMs?: number;
}): TelnyxSignatureCheck {
  const timestamp = first(opts.timestamp)?.trim();
  const signature = first(opts.signature)?.trim();
  if (!timestamp || !signature) return { ok: false, reason: 'missing' };
  const key = telnyxPublicKey(opts.publicKey);
  if (!key) return { ok: false, reason: 'bad_key' };
  const sig = Buffer.from(signature, 'base64');
  const body = typeof opts.rawBody === 'string' ? Buffer.from(opts.rawBody, 'utf8') : opts.rawBody;
  const message = Buffer.concat([Buffer.from(`${timestamp}|`, 'utf8'), body]);
  let valid = false;
  try {
    // An Ed25519 signature is 64 bytes; verify() throws rather than answering false on some malformed ones.
    valid = sig.length === 64 && crypto.verify(null, message, key, sig);
  } catch {
    valid = false;
  }
  if (!valid) return { ok: false, reason: 'mismatch' };
  // Checked after the signature, as for Mailgun, so a forged timestamp is a mismatch rather than a
  // hint about our clock. Both directions count. Within the window a replay still passes; the voice
  // domain applies each event once by (provider, eventId).
  const ageMs = (opts.now ?? Date.now)() - Number(timestamp) * 1000;
  if (!/^\d+$/.test(timestamp) || Math.abs(ageMs) > (opts.maxAgeMs ?? TELNYX_MAX_AGE_MS)) return { ok: false, reason: 'stale' };
  return { ok: true };
}
