import crypto from 'node:crypto';

// Proof that an inbound webhook comes from the provider, before a single field of it is believed:
// a delivery receipt or a STOP reply changes what Porchlight may send next. Pure functions over the
// raw request (the full URL as the provider called it, the form fields, the key); the routes that
// receive webhooks call them first and answer 403 on anything but `ok`. The compute* helpers are
// exported for tests and for the stub servers that play the providers.

export type SignatureCheck = { ok: true } | { ok: false; reason: 'missing' | 'mismatch' | 'stale' };

/** Form fields as a route has them: repeated names carry several values. */
export type FormParams = Record<string, string | readonly string[] | undefined> | URLSearchParams;

function equalSecret(a: string, b: string): boolean {
  // Compare digests, not the strings: timingSafeEqual needs equal lengths, and hashing first keeps
  // the length of the expected value from leaking through an early return.
  const digest = (s: string) => crypto.createHash('sha256').update(s).digest();
  return crypto.timingSafeEqual(digest(a), digest(b));
}

function entriesOf(params: FormParams): [string, string[]][] {
  if (params instanceof URLSearchParams) {
    const m = new Map<string, string[]>();
    for (const [k, v] of params) (m.get(k) ?? m.set(k, []).get(k)!).push(v);
    return [...m];
  }
  return Object.entries(params)
    .filter((e): e is [string, string | readonly string[]] => e[1] !== undefined)
    .map(([k, v]) => [k, typeof v === 'string' ? [v] : [...v]]);
}

/**
 * Twilio's X-Twilio-Signature: base64 HMAC-SHA1, keyed by the account's auth token, of the full
 * URL (query string included) followed by every POST field sorted by name, each name immediately
 * followed by its value; a repeated name contributes its values sorted, as twilio-node does.
 * Byte-wise sort (not locale): Twilio sorts by code point.
 */
export function computeTwilioSignature(authToken: string, url: string, params: FormParams = {}): string {
  const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  let data = url;
  for (const [name, values] of entriesOf(params).sort((a, b) => byName(a[0], b[0]))) {
    for (const v of [...values].sort(byName)) data += name + v;
  }
  return crypto.createHmac('sha1', authToken).update(data, 'utf8').digest('base64');
}

/** The URL with and without its scheme's default port: behind a proxy, Twilio may have signed either. */
function urlVariants(url: string): string[] {
  // On the raw string, not through URL: re-serializing could re-encode the path Twilio signed.
  const m = /^(https?):\/\/([^/?#:]+)(?::(\d+))?(.*)$/is.exec(url);
  if (!m) return [url];
  const [, scheme, host, port, rest] = m;
  const defaultPort = scheme!.toLowerCase() === 'https' ? '443' : '80';
  if (port && port !== defaultPort) return [url];
  return [`${scheme}://${host}${rest}`, `${scheme}://${host}:${defaultPort}${rest}`];
}

export function verifyTwilioSignature(opts: {
  authToken: string;
  /** The URL exactly as Twilio requested it: scheme, host, path and query string. */
  url: string;
  params?: FormParams;
  /** The X-Twilio-Signature header. */
  signature: string | string[] | undefined;
}): SignatureCheck {
  const given = Array.isArray(opts.signature) ? opts.signature[0] : opts.signature;
  if (!given) return { ok: false, reason: 'missing' };
  const matches = urlVariants(opts.url).some((u) => equalSecret(computeTwilioSignature(opts.authToken, u, opts.params), given));
  return matches ? { ok: true } : { ok: false, reason: 'mismatch' };
}

/** The `signature` object of a Mailgun webhook body. */
export interface MailgunSignature {
  timestamp: string | number;
  token: string;
  signature: string;
}

/** Mailgun's webhook signature: hex HMAC-SHA256, keyed by the webhook signing key, of timestamp followed by token. */
export function computeMailgunSignature(signingKey: string, timestamp: string | number, token: string): string {
  return crypto.createHmac('sha256', signingKey).update(`${timestamp}${token}`, 'utf8').digest('hex');
}

/** Mailgun signs a timestamp so an old, captured request cannot be replayed later; 15 minutes as Mailgun advises. */
export const MAILGUN_MAX_AGE_MS = 15 * 60 * 1000;

export function verifyMailgunSignature(opts: {
  signingKey: string;
  signature: Partial<MailgunSignature> | null | undefined;
  /** Milliseconds since the epoch; injectable so tests need no real clock. */
  now?: () => number;
  maxAgeMs?: number;
}): SignatureCheck {
  const s = opts.signature;
  if (!s || s.timestamp == null || !s.token || !s.signature) return { ok: false, reason: 'missing' };
  if (!equalSecret(computeMailgunSignature(opts.signingKey, s.timestamp, s.token), String(s.signature).toLowerCase())) {
    return { ok: false, reason: 'mismatch' };
  }
  // Checked after the MAC, so a forged timestamp is a mismatch, not a hint about the clock. Both
  // directions count: a timestamp far in the future is as replayable as an old one. Within the
  // window a replay still passes; the caller dedupes by the event's id (webhook_event).
  const ageMs = (opts.now ?? Date.now)() - Number(s.timestamp) * 1000;
  const maxAgeMs = opts.maxAgeMs ?? MAILGUN_MAX_AGE_MS;
  if (!Number.isFinite(ageMs) || Math.abs(ageMs) > maxAgeMs) return { ok: false, reason: 'stale' };
  return { ok: true };
}
