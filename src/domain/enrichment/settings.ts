import { z } from 'zod';
import { parseInput } from '../../app/validate.ts';
import type { Trx } from '../../db/tenant.ts';
import { readOrgSettings, writeOrgSettings } from '../tenancy/org-settings.ts';

// An organization's waterfall: which provider each stage uses, what it pays, how much a day,
// and when a lead is good enough or not worth buying for. Stored in the organization's
// settings under "enrichment"; whatever is not set takes the defaults below, which are the
// seed's (Equity Connect: $0.05 append, $0.15 skip-trace, $0.01 per verification, 1,000
// skip-traces a day, contactable at 60, enriched at 40).

const Stage = (price: number, cap: number | null) => z.object({
  enabled: z.boolean().default(true),
  /** An adapter name from `porchlight providers list`; unset means the one the environment selects. */
  provider: z.string().regex(/^[a-z0-9_-]{1,40}$/).nullable().default(null),
  /** Verification only: the email verifier (`provider` is then the phone verifier). */
  email_provider: z.string().regex(/^[a-z0-9_-]{1,40}$/).nullable().default(null),
  /** What one call (one lead, or one contact point for verification) costs, in cents. */
  price_cents: z.number().int().min(0).max(100_000).default(price),
  /** Calls a day (UTC), or null for no cap. */
  daily_cap: z.number().int().min(0).nullable().default(cap),
}).strict();

export const EnrichmentSettings = z.object({
  stages: z.object({
    append: Stage(5, null).prefault({}),
    skip_trace: Stage(15, 1000).prefault({}),
    verify: Stage(1, null).prefault({}),
  }).strict().prefault({}),
  pull: Stage(1, null).prefault({}),
  contactable_threshold: z.number().min(0).max(100).default(60),
  enriched_threshold: z.number().min(0).max(100).default(40),
  /** A found phone or email counts toward "good enough" before it is verified at this confidence. */
  min_confidence: z.number().min(0).max(100).default(70),
  /** What a converted lead is worth to the organization, in cents. */
  value_per_conversion_cents: z.number().int().min(0).default(500_000),
  /** The share of average leads that convert; a lead's score moves it up or down (50 = average). */
  conversion_rate: z.number().min(0).max(1).default(0.02),
  /** Buy only where expected value ≥ price × this factor. */
  pay_factor: z.number().min(0).max(1000).default(3),
  /** Dead-letter attempts before an item is parked for a person to look at. */
  dlq_max_attempts: z.number().int().min(1).max(50).default(6),
}).strict();
export type EnrichmentSettings = z.infer<typeof EnrichmentSettings>;
export type StageSettings = EnrichmentSettings['stages']['append'];

/** A partial update merged over what is stored, stage by stage. */
export function mergeSettings(stored: unknown, patch: unknown): EnrichmentSettings {
  const base = EnrichmentSettings.parse(stored ?? {});
  const p = (patch ?? {}) as Record<string, unknown>;
  const stages = (p.stages ?? {}) as Record<string, unknown>;
  const merged = {
    ...base, ...p,
    stages: Object.fromEntries(Object.entries(base.stages).map(([k, v]) => [k, { ...v, ...(stages[k] as object) }])),
    pull: { ...base.pull, ...(p.pull as object) },
  };
  for (const k of Object.keys(stages)) if (!(k in base.stages)) (merged.stages as Record<string, unknown>)[k] = stages[k];
  return parseInput(EnrichmentSettings, merged);
}

export const readSettings = (trx: Trx): Promise<EnrichmentSettings> => readOrgSettings('enrichment', EnrichmentSettings, trx);
export const writeSettings = (settings: EnrichmentSettings, trx: Trx) => writeOrgSettings('enrichment', settings, trx);
