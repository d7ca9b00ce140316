import { z } from 'zod';
import { parseInput } from '../../app/validate.ts';
import type { Trx } from '../../db/tenant.ts';
import { readOrgSettings, writeOrgSettings } from '../tenancy/org-settings.ts';

// The auto-responder's settings, under "faq" in the organization's settings. A reply goes out
// only when the best entry is both close enough (threshold) and clearly ahead of the next one
// (margin): two entries that fit a question about equally well mean nobody knows which answer
// was asked for, and a person should answer.

export const FaqSettings = z.object({
  /** Answer matching questions without a person (AI Nudge's faq_auto_responder_enabled). */
  enabled: z.boolean().default(true),
  /** The least cosine similarity that counts as a match. */
  threshold: z.number().min(0).max(1).default(0.75),
  /** How far the best entry must be ahead of the runner-up. */
  margin: z.number().min(0).max(1).default(0.05),
}).strict();
export type FaqSettings = z.output<typeof FaqSettings>;

export const readFaqSettings = (trx: Trx) => readOrgSettings('faq', FaqSettings, trx);

export async function updateFaqSettings(patch: unknown, trx: Trx): Promise<FaqSettings> {
  const next = parseInput(FaqSettings, { ...(await readFaqSettings(trx)), ...(patch as object) });
  await writeOrgSettings('faq', next, trx);
  return next;
}
