import { sql, type RawBuilder } from 'kysely';
import type { ScoringSettings } from './scoring-settings.ts';

// The scorers the engine knows: each a pure SQL function of a lead's facts and the
// organization's weights (migrations 0006 and 0008), the lead columns it keeps current, and a
// version that goes up whenever its formula changes (the history says which version scored).

export const SCORER_NAMES = ['quality', 'motivation', 'roof', 'contagion'] as const;
export type ScorerName = (typeof SCORER_NAMES)[number];

export interface Scorer {
  name: ScorerName;
  version: number;
  /** The lead's column for the score, and for its label (tier, temperature) where it has one. */
  column: 'quality_score' | 'motivation_score' | 'lead_score' | 'contagion_score';
  label: 'temperature' | 'tier' | null;
  /** Whether it also sets the roof's replacement urgency. */
  urgency: boolean;
  /** For the leads `ids`: rows of (lead_id, score, label, urgency, factors). */
  rows(ids: RawBuilder<unknown>, s: ScoringSettings): RawBuilder<unknown>;
}

const onParcel = (ids: RawBuilder<unknown>) => sql`
  unnest(${ids}) AS i(id)
  JOIN lead l ON l.organization_id = app_org_id() AND l.id = i.id
  JOIN property p ON p.organization_id = l.organization_id AND p.id = l.property_id`;

export const SCORERS: Record<ScorerName, Scorer> = {
  // Equity Connect's compute_quality_score: the one the enrichment waterfall routes by
  quality: {
    name: 'quality', version: 1, column: 'quality_score', label: null, urgency: false,
    rows: (ids) => sql`SELECT q.lead_id, q.score, NULL::text AS label, NULL::text AS urgency, q.factors FROM lead_quality_factors(app_org_id(), ${ids}) q`,
  },
  // Convexa's distress signals; a lead without a parcel has none to score
  motivation: {
    name: 'motivation', version: 1, column: 'motivation_score', label: 'temperature', urgency: false,
    rows: (ids, s) => sql`
      SELECT l.id AS lead_id, m.score, m.label, NULL::text AS urgency, m.factors
      FROM ${onParcel(ids)}
      CROSS JOIN LATERAL score_motivation(p.tax_debt_cents, p.estimated_value_cents, p.violations, p.is_probate, p.is_vacant, p.days_on_market,
                                          coalesce(p.equity_percent, 100.0 * p.equity_cents / nullif(p.estimated_value_cents, 0)),
                                          p.condition_score, p.owner_occupied, ${JSON.stringify(s.motivation)}::jsonb) m`,
  },
  // Fish Mouth's roof lead score, with the parcel's contagion urgency
  roof: {
    name: 'roof', version: 1, column: 'lead_score', label: 'tier', urgency: true,
    rows: (ids, s) => sql`
      SELECT l.id AS lead_id, r.score, r.label, r.urgency, r.factors
      FROM ${onParcel(ids)}
      CROSS JOIN LATERAL score_roof(p.roof_age_years, p.roof_material, p.roof_condition_score, p.roof_damage_indicators, p.estimated_value_cents,
                                    p.contagion_urgency, ${JSON.stringify(s.roof)}::jsonb) r`,
  },
  // the parcel's urgency from its neighbours' new roofs (porchlight contagion run); a lead whose
  // parcel is no longer near a cluster goes to 0, one never near a cluster is not scored
  contagion: {
    name: 'contagion', version: 1, column: 'contagion_score', label: null, urgency: false,
    rows: (ids) => sql`
      SELECT l.id AS lead_id, coalesce(ps.total_urgency_score, 0) AS score, NULL::text AS label, NULL::text AS urgency,
             coalesce(ps.factors, '{}') AS factors
      FROM ${onParcel(ids)}
      LEFT JOIN property_score ps ON ps.organization_id = p.organization_id AND ps.property_id = p.id
      WHERE ps.property_id IS NOT NULL OR l.contagion_score IS NOT NULL`,
  },
};
