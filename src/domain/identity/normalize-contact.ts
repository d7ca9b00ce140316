import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js';

// Contact values in their one stored form: phones in E.164, emails trimmed and lower-cased.
// A value that cannot be normalized returns null; callers report it against its field or line.

export function normalizePhone(raw: string, defaultCountry: CountryCode = 'US'): string | null {
  const parsed = parsePhoneNumberFromString(raw.trim(), defaultCountry);
  return parsed?.isValid() ? parsed.number : null;
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export function normalizeEmail(raw: string): string | null {
  const v = raw.trim().toLowerCase();
  return v.length <= 254 && EMAIL.test(v) ? v : null;
}
