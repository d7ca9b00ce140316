-- Scoring: one engine, several scorers. A scorer is a pure function from a lead's facts and the
-- organization's weights to a score 0-100, a label and the factors behind the score (each factor
-- is whole points, and they add up to the score). The engine (src/domain/scoring) applies a
-- scorer to leads in bulk and writes the lead's current values, and a lead_score_history row only
-- where the score changed. docs/SCORING.md explains every formula with a worked example.
-- The weights arrive as the organization's settings (jsonb), defaults filled in by the engine.

-- The roof facts Fish Mouth keeps on its leads, and the urgency the contagion system works out for
-- a parcel from its neighbours' new roofs (set by `porchlight contagion run`).
ALTER TABLE property
  ADD COLUMN roof_damage_indicators text[] NOT NULL DEFAULT '{}' CHECK (cardinality(roof_damage_indicators) <= 50),
  ADD COLUMN contagion_urgency smallint CHECK (contagion_urgency BETWEEN 0 AND 100);

-- Fish Mouth: how soon the roof wants replacing, beside the lead score and its tier.
ALTER TABLE lead
  ADD COLUMN replacement_urgency text CHECK (replacement_urgency IN ('immediate', 'urgent', 'plan_ahead', 'good_condition'));

CREATE FUNCTION score_weight(w jsonb, k text) RETURNS numeric LANGUAGE sql IMMUTABLE AS $$
  SELECT (w ->> k)::numeric
$$;

-- A share of the way from `low` to `high`, held to 0..1; null when x is unknown (greatest and
-- least skip nulls: without the CASE an unknown would count in full).
CREATE FUNCTION score_ramp(x numeric, low numeric, high numeric) RETURNS numeric LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE WHEN x IS NULL THEN NULL WHEN high <= low THEN (x >= high)::int ELSE greatest(0, least(1, (x - low) / (high - low))) END
$$;

-- Motivation (Convexa's distress signals): how likely the owner is to sell at a discount.
-- Unknown facts add nothing. Temperature from the score: hot, warm, cold, dead.
CREATE FUNCTION score_motivation(tax_debt_cents bigint, value_cents bigint, violations integer, probate boolean, vacant boolean,
                                 days_on_market integer, equity_percent numeric, condition_score numeric, owner_occupied boolean, w jsonb)
  RETURNS TABLE (score integer, label text, factors jsonb) LANGUAGE sql IMMUTABLE AS $$
  SELECT t.total,
         CASE WHEN t.total >= score_weight(w, 'hot') THEN 'hot' WHEN t.total >= score_weight(w, 'warm') THEN 'warm'
              WHEN t.total >= score_weight(w, 'cold') THEN 'cold' ELSE 'dead' END,
         jsonb_build_object('tax_debt', f.tax_debt, 'violations', f.violations, 'probate', f.probate, 'vacant', f.vacant,
                            'days_on_market', f.days_on_market, 'equity', f.equity, 'condition', f.condition, 'absentee_owner', f.absentee)
  FROM (SELECT
      -- owed tax as a share of value; a debt on a parcel of unknown value counts half
      round(score_weight(w, 'tax_debt') * CASE WHEN coalesce(tax_debt_cents, 0) <= 0 THEN 0
                                               WHEN coalesce(value_cents, 0) <= 0 THEN 0.5
                                               ELSE score_ramp(tax_debt_cents::numeric / value_cents, 0, score_weight(w, 'tax_debt_full_ratio')) END)::int AS tax_debt,
      round(score_weight(w, 'violations') * coalesce(score_ramp(violations, 0, score_weight(w, 'violations_full')), 0))::int AS violations,
      CASE WHEN probate THEN score_weight(w, 'probate') ELSE 0 END::int AS probate,
      CASE WHEN vacant THEN score_weight(w, 'vacant') ELSE 0 END::int AS vacant,
      round(score_weight(w, 'days_on_market') * coalesce(score_ramp(days_on_market, 0, score_weight(w, 'days_on_market_full')), 0))::int AS days_on_market,
      round(score_weight(w, 'equity') * coalesce(score_ramp(equity_percent, 0, score_weight(w, 'equity_full_percent')), 0))::int AS equity,
      -- condition 0 (derelict) to 100 (perfect); unknown adds nothing
      round(score_weight(w, 'condition') * coalesce(score_ramp(100 - condition_score, 0, 100), 0))::int AS condition,
      CASE WHEN owner_occupied = false THEN score_weight(w, 'absentee_owner') ELSE 0 END::int AS absentee) f
  CROSS JOIN LATERAL (SELECT least(100, f.tax_debt + f.violations + f.probate + f.vacant + f.days_on_market + f.equity + f.condition + f.absentee) AS total) t
$$;

-- The roof lead score (Fish Mouth's weighted 0-100): roof age against its material's life,
-- condition, damage, the parcel's value and the neighbours' new roofs (contagion). Priority hot
-- at 80, warm at 60, cold below; replacement urgency from the roof itself (null when nothing is
-- known of it).
CREATE FUNCTION score_roof(roof_age_years integer, roof_material text, roof_condition numeric, damage text[], value_cents bigint,
                           contagion numeric, w jsonb)
  RETURNS TABLE (score integer, label text, urgency text, factors jsonb) LANGUAGE sql IMMUTABLE AS $$
  SELECT t.total,
         CASE WHEN t.total >= score_weight(w, 'hot') THEN 'hot' WHEN t.total >= score_weight(w, 'warm') THEN 'warm' ELSE 'cold' END,
         CASE WHEN roof_age_years IS NULL AND roof_condition IS NULL AND coalesce(cardinality(score_roof.damage), 0) = 0 THEN NULL
              WHEN a.ratio >= 1 OR roof_condition < 30 OR cardinality(score_roof.damage) >= 2 THEN 'immediate'
              WHEN a.ratio >= 0.8 OR roof_condition < 50 OR cardinality(score_roof.damage) = 1 THEN 'urgent'
              WHEN a.ratio >= 0.6 OR roof_condition < 70 THEN 'plan_ahead'
              ELSE 'good_condition' END,
         jsonb_build_object('roof_age', f.age, 'condition', f.condition, 'damage', f.damage, 'value', f.value, 'contagion', f.contagion)
  -- 'Wood Shake', 'wood-shake' and 'wood_shake' are one material
  FROM (SELECT coalesce(score_weight(w -> 'material_life_years', regexp_replace(lower(btrim(roof_material)), '[^a-z]+', '_', 'g')),
                        score_weight(w, 'default_life_years')) AS life) l
  CROSS JOIN LATERAL (SELECT l.life, roof_age_years / l.life AS ratio) a
  CROSS JOIN LATERAL (SELECT
      round(score_weight(w, 'roof_age') * coalesce(score_ramp(a.ratio, 0, 1), 0))::int AS age,
      round(score_weight(w, 'condition') * coalesce(score_ramp(100 - roof_condition, 0, 100), 0))::int AS condition,
      least(score_weight(w, 'damage'), score_weight(w, 'damage_each') * coalesce(cardinality(damage), 0))::int AS damage,
      round(score_weight(w, 'value') * coalesce(score_ramp(value_cents, score_weight(w, 'value_floor_cents'), score_weight(w, 'value_full_cents')), 0))::int AS value,
      round(score_weight(w, 'contagion') * coalesce(contagion, 0) / 100)::int AS contagion) f
  CROSS JOIN LATERAL (SELECT least(100, f.age + f.condition + f.damage + f.value + f.contagion) AS total) t
$$;

-- Scores have their own history (lead_score_history, with factors): the field audit and the
-- audit log leave out every score and the labels that follow from them, as they do the quality
-- score since 0006.
CREATE OR REPLACE FUNCTION history_ignored_fields() RETURNS text[] LANGUAGE sql IMMUTABLE
  AS $$ SELECT ARRAY['updated_at', 'last_seen_at', 'first_seen_at', 'created_at', 'last_used_at',
                     'quality_score', 'enrichment_cost_cents', 'verified_at',
                     'motivation_score', 'temperature', 'lead_score', 'tier', 'replacement_urgency'] $$;
