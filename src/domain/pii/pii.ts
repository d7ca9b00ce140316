import crypto from 'node:crypto';
import { AppError } from '../../app/errors.ts';

// Contact values at rest: matched by a keyed hash (HMAC-SHA256), stored either in the clear or
// sealed with AES-256-GCM. Both keys derive from PORCHLIGHT_SECRET_KEY by HKDF, so one secret
// serves both purposes without the same key being used twice. Losing the secret loses every
// sealed value and breaks matching: back it up with the database.

export interface SealedValue {
  value: string | null;
  value_enc: Uint8Array | null;
}

export interface Pii {
  /** The keyed hash of a normalized value: what uniqueness and look-ups use. */
  hash(normalized: string): Buffer;
  /** The columns to store for a normalized value. */
  seal(normalized: string): SealedValue;
  /** The value back from its stored columns. */
  open(stored: SealedValue): string;
}

const IV_BYTES = 12;
const TAG_BYTES = 16;

function derive(secret: string, info: string): crypto.KeyObject {
  // a KeyObject, made once: passing raw key bytes to every cipher and HMAC re-imports the key each time
  return crypto.createSecretKey(Buffer.from(crypto.hkdfSync('sha256', Buffer.from(secret, 'utf8'), Buffer.alloc(0), info, 32)));
}

/** Random IVs drawn from a pooled buffer: one call to the system's generator per 4,096 values. */
function ivSource() {
  let pool = Buffer.alloc(0);
  let at = 0;
  return () => {
    if (at + IV_BYTES > pool.length) {
      pool = crypto.randomBytes(IV_BYTES * 4096);
      at = 0;
    }
    at += IV_BYTES;
    return pool.subarray(at - IV_BYTES, at);
  };
}

export function createPii(opts: { secretKey: string | undefined; encrypt: boolean }): Pii {
  const need = (): string => {
    if (!opts.secretKey) {
      throw new AppError('VALIDATION', 'PORCHLIGHT_SECRET_KEY is not set: contact values cannot be hashed or encrypted without it', [
        { field: 'PORCHLIGHT_SECRET_KEY', message: 'required' },
      ]);
    }
    return opts.secretKey;
  };
  let macKey: crypto.KeyObject | undefined;
  let encKey: crypto.KeyObject | undefined;
  const nextIv = ivSource();
  const mac = () => (macKey ??= derive(need(), 'porchlight contact hash v1'));
  const enc = () => (encKey ??= derive(need(), 'porchlight contact encryption v1'));

  return {
    hash: (normalized) => crypto.createHmac('sha256', mac()).update(normalized, 'utf8').digest(),
    seal(normalized) {
      if (!opts.encrypt) return { value: normalized, value_enc: null };
      const iv = nextIv();
      const cipher = crypto.createCipheriv('aes-256-gcm', enc(), iv);
      const body = Buffer.concat([cipher.update(normalized, 'utf8'), cipher.final()]);
      return { value: null, value_enc: Buffer.concat([iv, cipher.getAuthTag(), body]) };
    },
    open(stored) {
      if (stored.value !== null) return stored.value;
      if (!stored.value_enc) throw new AppError('INTERNAL', 'contact value has neither a clear nor a sealed form');
      const buf = Buffer.from(stored.value_enc);
      const decipher = crypto.createDecipheriv('aes-256-gcm', enc(), buf.subarray(0, IV_BYTES));
      decipher.setAuthTag(buf.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
      try {
        return Buffer.concat([decipher.update(buf.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
      } catch (e) {
        throw new AppError('INTERNAL', 'a sealed contact value does not open with this PORCHLIGHT_SECRET_KEY', [], { cause: e });
      }
    },
  };
}

/** A masked form safe to show in lists: +1512•••4831, j•••@example.com. */
export function maskContact(kind: 'phone' | 'email', normalized: string): string {
  if (kind === 'phone') return `${normalized.slice(0, 5)}•••${normalized.slice(-4)}`;
  const [local = '', domain = ''] = normalized.split('@');
  return `${local.slice(0, 1)}•••@${domain}`;
}
