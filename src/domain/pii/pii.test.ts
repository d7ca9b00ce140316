import { describe, expect, it } from 'vitest';
import { createPii, maskContact } from './pii.ts';

const secretKey = 'a-test-secret-that-is-long-enough-123456';

describe('pii', () => {
  it('seals with AES-256-GCM and opens again; each seal is different', () => {
    const pii = createPii({ secretKey, encrypt: true });
    const a = pii.seal('+15125550123');
    const b = pii.seal('+15125550123');
    expect(a.value).toBeNull();
    expect(Buffer.from(a.value_enc!).equals(Buffer.from(b.value_enc!))).toBe(false);
    expect(Buffer.from(a.value_enc!).toString('latin1')).not.toContain('5125550123');
    expect(pii.open(a)).toBe('+15125550123');
  });

  it('refuses a tampered or foreign ciphertext', () => {
    const pii = createPii({ secretKey, encrypt: true });
    const sealed = pii.seal('pat@example.com');
    const bytes = Buffer.from(sealed.value_enc!);
    bytes[bytes.length - 1]! ^= 1;
    expect(() => pii.open({ value: null, value_enc: bytes })).toThrow(/does not open/);
    const other = createPii({ secretKey: `${secretKey}-other`, encrypt: true });
    expect(() => other.open(sealed)).toThrow(/does not open/);
  });

  it('stores in the clear when encryption is off, and opens either form', () => {
    const plain = createPii({ secretKey, encrypt: false });
    expect(plain.seal('pat@example.com')).toEqual({ value: 'pat@example.com', value_enc: null });
    const sealed = createPii({ secretKey, encrypt: true }).seal('pat@example.com');
    expect(plain.open(sealed)).toBe('pat@example.com');
  });

  it('hashes with a key: stable for one key, different for another, never the plain SHA-256', () => {
    const pii = createPii({ secretKey, encrypt: true });
    expect(pii.hash('x').equals(pii.hash('x'))).toBe(true);
    expect(pii.hash('x')).toHaveLength(32);
    expect(pii.hash('x').equals(createPii({ secretKey: `${secretKey}!`, encrypt: true }).hash('x'))).toBe(false);
  });

  it('names the missing key instead of failing obscurely', () => {
    const pii = createPii({ secretKey: undefined, encrypt: true });
    expect(() => pii.hash('x')).toThrow(/PORCHLIGHT_SECRET_KEY is not set/);
  });

  it('masks values for lists', () => {
    expect(maskContact('phone', '+15125550123')).toBe('+1512•••0123');
    expect(maskContact('email', 'pat@example.com')).toBe('p•••@example.com');
  });
});
