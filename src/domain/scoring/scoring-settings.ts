import { z } from 'zod';
import { parseInput } from '../../app/validate.ts';
import type { Trx } from '../../db/tenant.ts';
import { readOrgSettings, writeOrgSettings } from '../tenancy/org-settings.ts';

// An organization's scoring weights and thresholds, stored in its settings under "scoring";
// whatever is not set takes the defaults below (docs/SCORING.md explains each). The points of a
// scorer's factors add up to at most 100 with the defaults; a score is held to 0-100 whatever
// the weights.

const points = (n: number) => z.number().min(0).max(100).default(n);

/**
 * Equity Connect's quality points. The database reads them itself (lead_quality_factors in
 * migration 0009), with these defaults written there too: test/medium/scoring.test.ts checks
 * that the two agree.
 */
export const QualityWeights = z.object({
  verified_email: points(40),
  verified_mobile: points(30),
  mak_and_apn: points(10),
  owner_occupied: points(10),
  demographics_fit: points(10),
  fit_min_age: z.number().int().min(18).max(120).default(62),
  fit_min_value_cents: z.number().int().min(0).default(10_000_000),
}).strict();

export const MotivationWeights = z.object({
  tax_debt: points(20),
  /** Tax owed as a share of value that earns the full tax-debt points. */
  tax_debt_full_ratio: z.number().positive().max(1).default(0.05),
  violations: points(15),
  violations_full: z.number().int().min(1).max(100).default(3),
  probate: points(15),
  vacant: points(15),
  days_on_market: points(10),
  days_on_market_full: z.number().int().min(1).max(3650).default(180),
  equity: points(10),
  equity_full_percent: z.number().positive().max(100).default(50),
  condition: points(10),
  absentee_owner: points(5),
  hot: points(70),
  warm: points(45),
  cold: points(20),
}).strict();

export const RoofWeights = z.object({
  roof_age: points(35),
  condition: points(25),
  damage: points(15),
  damage_each: points(5),
  value: points(10),
  value_floor_cents: z.number().int().min(0).default(10_000_000),
  value_full_cents: z.number().int().min(1).default(30_000_000),
  contagion: points(15),
  /**
   * Years a roof of each material lasts, by name in lower case with underscores (a parcel's
   * 'Wood Shake' is wood_shake); a material not listed lasts `default_life_years`.
   */
  material_life_years: z.record(z.string().regex(/^[a-z]+(_[a-z]+)*$/, 'lower case words joined by underscores, e.g. wood_shake').max(40), z.number().int().min(1).max(200)).default({
    asphalt: 20, composition: 20, asphalt_shingle: 20, architectural_shingle: 30, wood_shake: 30, flat: 20, tpo: 20,
    metal: 50, tile: 50, clay_tile: 50, concrete_tile: 50, slate: 75,
  }),
  default_life_years: z.number().int().min(1).max(200).default(20),
  hot: points(80),
  warm: points(60),
  /** Roof leads at this score or above are billable (Fish Mouth: 60), once per lead and month. */
  billable_at: points(60),
  billable_price_cents: z.number().int().min(0).max(100_000).default(0),
}).strict();

/** Permit contagion: how clusters are found and how a parcel near one is scored (docs/SCORING.md). */
export const ContagionWeights = z.object({
  /** Roofing permits this close to each other link into a cluster; parcels this close to a cluster's permit are scored. */
  radius_miles: z.number().positive().max(5).default(0.25),
  window_months: z.number().int().min(1).max(240).default(24),
  min_permits: z.number().int().min(2).max(1000).default(3),
  /** A cluster whose newest permit is older than this is cooling. */
  cooling_after_days: z.number().int().min(1).max(3650).default(180),
  /** Built within this many years of the neighbours that re-roofed: the same age of roof. */
  age_match_years: z.number().int().min(0).max(50).default(3),
  age_match_zero_years: z.number().int().min(1).max(100).default(15),
  contagion: points(45),
  age_match: points(20),
  financial: points(20),
  visual: points(15),
  hot: points(80),
  warm: points(60),
}).strict();

export const ScoringSettings = z.object({
  quality: QualityWeights.prefault({}),
  motivation: MotivationWeights.prefault({}),
  roof: RoofWeights.prefault({}),
  contagion: ContagionWeights.prefault({}),
}).strict().superRefine((s, ctx) => {
  const order = (path: string[], hi: number, lo: number) => {
    if (hi <= lo) ctx.addIssue({ code: 'custom', path, message: `must be above ${lo}` });
  };
  order(['motivation', 'hot'], s.motivation.hot, s.motivation.warm);
  order(['motivation', 'warm'], s.motivation.warm, s.motivation.cold);
  order(['roof', 'hot'], s.roof.hot, s.roof.warm);
  order(['contagion', 'hot'], s.contagion.hot, s.contagion.warm);
  order(['contagion', 'age_match_zero_years'], s.contagion.age_match_zero_years, s.contagion.age_match_years);
  order(['roof', 'value_full_cents'], s.roof.value_full_cents, s.roof.value_floor_cents);
});
export type ScoringSettings = z.infer<typeof ScoringSettings>;

/** A partial update merged over what is stored, scorer by scorer. */
export function mergeScoringSettings(stored: unknown, patch: unknown): ScoringSettings {
  const base = ScoringSettings.parse(stored ?? {});
  const p = (patch ?? {}) as Record<string, Record<string, unknown> | undefined>;
  const merged: Record<string, unknown> = { ...p };
  for (const k of Object.keys(base) as (keyof ScoringSettings)[]) merged[k] = { ...base[k], ...p[k] };
  // materials are added or changed one at a time, not replaced as a whole
  const lives = p.roof?.material_life_years;
  if (lives && typeof lives === 'object') merged.roof = { ...(merged.roof as object), material_life_years: { ...base.roof.material_life_years, ...lives } };
  return parseInput(ScoringSettings, merged);
}

export const readScoringSettings = (trx: Trx): Promise<ScoringSettings> => readOrgSettings('scoring', ScoringSettings, trx);
export const writeScoringSettings = (settings: ScoringSettings, trx: Trx) => writeOrgSettings('scoring', settings, trx);
