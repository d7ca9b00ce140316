// The arithmetic of the reports, in one place so every report rounds alike. Money stays integer
// cents: a cost per lead is the spend divided by the leads, rounded half up to a whole cent
// (BigInt, so no float ever touches a cent); nothing to divide by is null, never 0 or Infinity.

/** cents / n rounded half up to whole cents; null when n is 0. Cents and n are never negative here. */
export function perUnitCents(cents: number, n: number): number | null {
  if (n === 0) return null;
  if (!Number.isSafeInteger(cents) || !Number.isSafeInteger(n) || cents < 0 || n < 0) throw new RangeError(`perUnitCents(${cents}, ${n})`);
  const c = BigInt(cents);
  const d = BigInt(n);
  return Number((2n * c + d) / (2n * d));
}

/** a / b as a ratio to 4 decimals (0.6667), rounded half up; null when b is 0. */
export function ratio(a: number, b: number): number | null {
  if (b === 0) return null;
  // through integers: 2/3 * 10000 = 6666.67 rounds to 6667, without 0.1 + 0.2 surprises
  const scaled = Number((2n * 10_000n * BigInt(a) + BigInt(b)) / (2n * BigInt(b)));
  return scaled / 10_000;
}

/** Return on spend, (revenue - spend) / spend, to 4 decimals; null when nothing was spent. */
export function returnOnSpend(revenueCents: number, spendCents: number): number | null {
  if (spendCents === 0) return null;
  const diff = revenueCents - spendCents;
  // half up on the magnitude keeps a loss the mirror of the same gain
  const r = ratio(Math.abs(diff), spendCents)!;
  return diff < 0 ? -r : r;
}

/** A bigint or numeric the driver gave as a number (or a string), checked to be exact. */
export function cents(v: unknown): number {
  const n = typeof v === 'number' ? v : Number(v ?? 0);
  if (!Number.isSafeInteger(n)) throw new RangeError(`not a whole number of cents: ${String(v)}`);
  return n;
}
