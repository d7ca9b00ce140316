import crypto from 'node:crypto';
import type { Pii } from '../pii/pii.ts';

// The unsubscribe link of a marketing email (CAN-SPAM; RFC 8058 one-click): an opaque token
// naming the organization and the address (by its keyed hash, never the address itself), with
// a MAC so nobody can unsubscribe someone else. It keeps working for as long as the key does,
// well beyond the 30 days the law asks.

const b64 = (b: Buffer) => b.toString('base64url');

function mac(pii: Pii, organizationId: string, hashHex: string) {
  return b64(pii.hash(`unsubscribe:${organizationId}:${hashHex}`).subarray(0, 16));
}

export function unsubscribeToken(pii: Pii, organizationId: string, emailHash: Buffer): string {
  const h = emailHash.toString('hex');
  return `${organizationId}.${b64(emailHash)}.${mac(pii, organizationId, h)}`;
}

/** The organization and the address's hash a token names, or null when it is not one of ours. */
export function readUnsubscribeToken(pii: Pii, token: string): { organizationId: string; emailHash: Buffer } | null {
  const [org, hash, sig] = token.split('.');
  if (!org || !hash || !sig || !/^[0-9a-f-]{36}$/.test(org)) return null;
  const emailHash = Buffer.from(hash, 'base64url');
  if (emailHash.length !== 32) return null;
  const want = Buffer.from(mac(pii, org, emailHash.toString('hex')));
  const got = Buffer.from(sig);
  return want.length === got.length && crypto.timingSafeEqual(want, got) ? { organizationId: org, emailHash } : null;
}

export const unsubscribeUrl = (publicUrl: string, token: string) => `${publicUrl.replace(/\/+$/, '')}/v1/unsubscribe/${token}`;
