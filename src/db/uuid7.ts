import crypto from 'node:crypto';

// Time-ordered ids (UUID version 7, RFC 9562): 48 bits of Unix milliseconds, then random bits.
// Records made together get neighbouring ids, so a bulk load appends to the end of each primary
// key and foreign-key index instead of writing to a random page of it per row; on a large table
// that is the difference between an index that stays in memory and one that is read and
// rewritten page by page. Within one millisecond a counter keeps the ids increasing.

let lastMs = 0;
let counter = 0;
let pool = Buffer.alloc(0);
let at = 0;

function randomBytes(n: number) {
  if (at + n > pool.length) {
    pool = crypto.randomBytes(4096);
    at = 0;
  }
  at += n;
  return pool.subarray(at - n, at);
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

export function uuid7(now = Date.now()): string {
  if (now > lastMs) {
    lastMs = now;
    counter = randomBytes(2).readUInt16BE(0) & 0x07ff; // start low so the 12-bit counter rarely overflows
  } else if (++counter > 0x0fff) {
    lastMs += 1; // borrowed from the next millisecond: still unique and increasing
    counter = 0;
  }
  const r = randomBytes(8);
  const ms = lastMs.toString(16).padStart(12, '0');
  const variant = HEX[(r[0]! & 0x3f) | 0x80]!; // the RFC 4122 variant
  let tail = '';
  for (let i = 2; i < 8; i++) tail += HEX[r[i]!]!;
  return `${ms.slice(0, 8)}-${ms.slice(8)}-${HEX[0x70 | (counter >> 8)]}${HEX[counter & 0xff]}-${variant}${HEX[r[1]!]}-${tail}`;
}
