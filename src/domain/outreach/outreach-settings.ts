import { z } from 'zod';
import { parseInput } from '../../app/validate.ts';
import type { Trx } from '../../db/tenant.ts';
import { readOrgSettings, writeOrgSettings } from '../tenancy/org-settings.ts';

// An organization's outreach settings, under "outreach" in its settings: who its messages come
// from, what the law asks every marketing email to carry, what each channel costs, and its own
// limits beyond the law's. Whatever is not set takes the defaults below.

const cents = z.number().int().min(0).max(100_000);

export const OutreachSettings = z.object({
  /** The business name messages identify the sender by (the first SMS, calls' opening line). */
  sender_name: z.string().trim().min(1).max(200).nullable().default(null),
  /** An address, optionally with a display name: "Acme Roofing <hello@acme.example>". */
  from_email: z.string().trim().max(320).regex(/^(?:[^<>@]*<\s*)?[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+\s*>?$/, 'an email address, optionally "Name <address>"').nullable().default(null),
  from_phone: z.string().regex(/^\+[1-9]\d{6,14}$/, 'E.164, like +15125550100').nullable().default(null),
  /** CAN-SPAM: a valid physical postal address in every commercial email. */
  postal_address: z.string().trim().min(5).max(500).nullable().default(null),
  /** The from domain publishes SPF, DKIM and an aligned DMARC (declared by the organization). */
  email_authenticated: z.boolean().default(false),
  /** The from number is on an approved 10DLC campaign, toll-free verified or a short code. */
  sms_sender_registered: z.boolean().default(true),
  /**
   * Price per unit when the provider does not say: per SMS segment, email, call placed; and per
   * started minute of a call (the carrier's) and of an AI call's agent (speech and language models).
   */
  prices: z.object({
    sms: cents.default(1), email: cents.default(0), call: cents.default(2), ai_call: cents.default(10),
    call_minute: cents.default(2), ai_call_minute: cents.default(12),
  }).strict().prefault({}),
  /** At most this many calls and marketing texts to one number in a window, on top of the states' caps. */
  frequency_cap: z.object({ count: z.number().int().min(1).max(100), hours: z.number().int().min(1).max(24 * 31) }).strict().nullable().default(null),
}).strict();
export type OutreachSettings = z.output<typeof OutreachSettings>;

export const readOutreachSettings = (trx: Trx) => readOrgSettings('outreach', OutreachSettings, trx);

export async function updateOutreachSettings(patch: unknown, trx: Trx): Promise<OutreachSettings> {
  const current = await readOutreachSettings(trx);
  const next = parseInput(OutreachSettings, { ...current, ...(patch as object) });
  await writeOrgSettings('outreach', next, trx);
  return next;
}
