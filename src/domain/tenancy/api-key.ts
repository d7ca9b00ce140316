import crypto from 'node:crypto';

// API keys: "pl_" and 32 random bytes in base64url. Only the SHA-256 of the key is stored; a key
// this long needs no slow hash. The prefix tells keys apart in lists.

export const API_KEY_PATTERN = /^pl_[A-Za-z0-9_-]{43}$/;

export function generateApiKey(): { key: string; prefix: string; hash: Buffer } {
  const key = `pl_${crypto.randomBytes(32).toString('base64url')}`;
  return { key, prefix: key.slice(0, 10), hash: hashApiKey(key) };
}

export const hashApiKey = (key: string): Buffer => crypto.createHash('sha256').update(key, 'utf8').digest();
