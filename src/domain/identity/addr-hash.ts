import crypto from 'node:crypto';

// A parcel's address key (Equity Connect's compute_addr_hash): SHA-256 over the normalized
// line 1 (unit included), city, state and ZIP5. Callers pass parts already normalized.
export function computeAddrHash(line1: string, city: string, state: string, zip5: string): Buffer {
  return crypto.createHash('sha256').update([line1, city, state, zip5].map((s) => s.trim().toUpperCase()).join('|'), 'utf8').digest();
}
