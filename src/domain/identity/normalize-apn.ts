// Assessor's parcel numbers in one comparable form. Counties print the same APN as
// "012-345-678", "012 345 678", "012.345.678" or "012345678"; all become "012345678".
//
// Leading zeros are KEPT. They are significant in many counties (Los Angeles "0123-045-006" and
// "123-045-006" are different books), and an APN is an identifier, not a number. A spreadsheet
// that stripped them produces a different key; we do not guess the width back, because widths
// differ by county and even by book. Import APN columns as text.
//
// null means "no usable APN": empty after stripping, all zeros (a common placeholder), longer than
// any real APN, or mangled by a spreadsheet into scientific notation ("1.23457E+11": digits lost).

const SEPARATORS = /[^0-9A-Z]+/g; // spaces, dashes, dots, slashes, any punctuation
const ALL_ZEROS = /^0+$/;
const SCIENTIFIC = /^\s*\d(?:\.\d+)?E\+\d+\s*$/i;
const MAX_APN = 40;

export function normalizeApn(raw: string): string | null {
  if (typeof raw !== 'string' || raw.length > 200 || SCIENTIFIC.test(raw)) return null;
  const apn = raw.toUpperCase().replace(SEPARATORS, '');
  if (apn === '' || apn.length > MAX_APN || ALL_ZEROS.test(apn)) return null;
  return apn;
}
