-- What follows from the scores: routing (Equity Connect's update_lead_status_from_score and its
-- campaign-ready view), billable roof leads (Fish Mouth's billing_usage), users' marks on scores
-- (Convexa's feedback), and permit contagion (Fish Mouth's building_permits, contagion_clusters
-- and property_scores): owners re-roof when the houses around them do.

-- The contagion scorer's value on the lead (the parcel's total urgency), and when a lead joined
-- a campaign (set by the outreach engine; the campaign-ready view lists the leads without one).
ALTER TABLE lead
  ADD COLUMN contagion_score numeric(5,2) CHECK (contagion_score BETWEEN 0 AND 100),
  ADD COLUMN added_to_campaign_at timestamptz;

CREATE OR REPLACE FUNCTION history_ignored_fields() RETURNS text[] LANGUAGE sql IMMUTABLE
  AS $$ SELECT ARRAY['updated_at', 'last_seen_at', 'first_seen_at', 'created_at', 'last_used_at',
                     'quality_score', 'enrichment_cost_cents', 'verified_at',
                     'motivation_score', 'temperature', 'lead_score', 'tier', 'replacement_urgency', 'contagion_score'] $$;

-- The organization's own do-not-contact list: phones and emails (by the same keyed hash as
-- contact_point.value_hash) that must never be reached. A lead whose owner has one of them is
-- never routed contactable.
CREATE TABLE dnc_entry (
  organization_id uuid NOT NULL REFERENCES organization (id) ON DELETE CASCADE,
  id              uuid NOT NULL DEFAULT gen_random_uuid(),
  kind            text NOT NULL CHECK (kind IN ('phone', 'email')),
  value_hash      bytea NOT NULL CHECK (length(value_hash) = 32),
  display         text NOT NULL,
  reason          text CHECK (length(reason) <= 500),
  source          text NOT NULL DEFAULT 'manual' CHECK (length(btrim(source)) BETWEEN 1 AND 100),
  created_by      uuid,
  created_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (organization_id, id),
  UNIQUE (organization_id, kind, value_hash)
);
SELECT porchlight_tenant_table('dnc_entry');
-- Anyone may add to the list (an owner asked an agent not to call); only managers and up take off.
CREATE POLICY manager_deletes ON dnc_entry AS RESTRICTIVE FOR DELETE USING (app_user_role() <> 'agent');
CREATE POLICY manager_updates ON dnc_entry AS RESTRICTIVE FOR UPDATE USING (app_user_role() <> 'agent');

-- Whether an owner has a phone or email on the organization's list.
CREATE FUNCTION on_dnc_list(org uuid, person uuid) RETURNS boolean LANGUAGE sql STABLE AS $$
  SELECT EXISTS (SELECT 1 FROM contact_point c
                 JOIN dnc_entry d ON d.organization_id = c.organization_id AND d.kind = c.kind AND d.value_hash = c.value_hash
                 WHERE c.organization_id = org AND c.person_id = person)
$$;

-- The routing rule, for the waterfall and `porchlight route` alike: the status the quality earns
-- (quality_status, 0006), except that a lead on the list is never contactable.
CREATE FUNCTION routed_status(score numeric, current text, listed boolean, contactable numeric, enriched numeric) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE WHEN listed AND current IN ('new', 'enriched', 'contactable', 'do_not_contact') THEN 'do_not_contact'
              ELSE quality_status(score, current, contactable, enriched) END
$$;

-- Billable usage (Fish Mouth's billing_usage): one row per metric, subject and period, so
-- counting a billable thing twice is impossible (a roof lead at 60+ is billed once a month).
CREATE TABLE billing_usage (
  organization_id uuid NOT NULL REFERENCES organization (id) ON DELETE CASCADE,
  id              uuid NOT NULL DEFAULT gen_random_uuid(),
  metric          text NOT NULL CHECK (metric ~ '^[a-z][a-z_]{1,49}$'),
  -- the first day of the period billed (a month for roof leads)
  period          date NOT NULL,
  subject_id      uuid NOT NULL,
  quantity        numeric(12,3) NOT NULL DEFAULT 1 CHECK (quantity >= 0),
  cost_cents      bigint NOT NULL DEFAULT 0 CHECK (cost_cents >= 0),
  user_id         uuid,
  details         jsonb NOT NULL DEFAULT '{}',
  created_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (organization_id, id),
  UNIQUE (organization_id, metric, subject_id, period)
);
CREATE INDEX billing_usage_period_idx ON billing_usage (organization_id, period, metric);
SELECT porchlight_tenant_table('billing_usage');
CREATE POLICY manager_writes ON billing_usage AS RESTRICTIVE FOR INSERT WITH CHECK (app_user_role() <> 'agent');
CREATE POLICY manager_updates ON billing_usage AS RESTRICTIVE FOR UPDATE USING (app_user_role() <> 'agent');
CREATE POLICY manager_deletes ON billing_usage AS RESTRICTIVE FOR DELETE USING (app_user_role() <> 'agent');

-- Users' marks on a lead's score (Convexa's feedback_good/bad): one mark per user, lead and
-- scorer, which a user may change (the command line's operator, who is no user, has one mark of
-- their own). Nothing is adjusted from them silently; they are reported.
CREATE TABLE score_feedback (
  organization_id uuid NOT NULL REFERENCES organization (id) ON DELETE CASCADE,
  id              uuid NOT NULL DEFAULT gen_random_uuid(),
  lead_id         uuid NOT NULL,
  user_id         uuid,
  scorer          text NOT NULL CHECK (scorer IN ('quality', 'motivation', 'roof', 'contagion')),
  verdict         text NOT NULL CHECK (verdict IN ('good', 'bad')),
  -- the score and label the user judged, as they stood then
  score           numeric(5,2),
  label           text,
  note            text CHECK (length(note) <= 2000),
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (organization_id, id),
  UNIQUE NULLS NOT DISTINCT (organization_id, lead_id, user_id, scorer),
  FOREIGN KEY (organization_id, lead_id) REFERENCES lead (organization_id, id) ON DELETE CASCADE,
  FOREIGN KEY (organization_id, user_id) REFERENCES app_user (organization_id, id) ON DELETE CASCADE
);
SELECT porchlight_tenant_table('score_feedback');
CREATE POLICY agent_scope ON score_feedback AS RESTRICTIVE FOR SELECT
  USING (app_user_role() <> 'agent' OR EXISTS (SELECT 1 FROM lead l WHERE l.organization_id = score_feedback.organization_id AND l.id = score_feedback.lead_id));
CREATE POLICY own_mark ON score_feedback AS RESTRICTIVE FOR INSERT WITH CHECK (user_id IS NOT DISTINCT FROM app_user_id());
CREATE POLICY own_mark_updates ON score_feedback AS RESTRICTIVE FOR UPDATE USING (user_id IS NOT DISTINCT FROM app_user_id());
CREATE POLICY own_mark_deletes ON score_feedback AS RESTRICTIVE FOR DELETE USING (user_id IS NOT DISTINCT FROM app_user_id() OR app_user_role() <> 'agent');
CREATE TRIGGER score_feedback_updated_at BEFORE UPDATE ON score_feedback FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- Contactable leads not yet in a campaign, best first (Equity Connect's vw_campaign_ready_leads).
-- security_invoker: the reader's row-level security applies, so an agent sees only their leads.
CREATE VIEW campaign_ready_lead WITH (security_invoker = true) AS
  SELECT l.organization_id, l.id, l.quality_score, l.lead_score, l.tier, l.temperature, l.assignee_id, l.person_id, l.property_id,
         l.source, l.first_seen_at
  FROM lead l
  WHERE l.deleted_at IS NULL AND l.status = 'contactable' AND l.added_to_campaign_at IS NULL;

-- Great-circle distance in feet (haversine on a sphere of the Earth's mean radius, 20,902,231 ft):
-- within a foot of the ellipsoid at these ranges, and the same answer on both engines.
CREATE FUNCTION great_circle_ft(lat1 double precision, lon1 double precision, lat2 double precision, lon2 double precision)
  RETURNS double precision LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT 2 * 20902231.0 * asin(least(1, sqrt(
    power(sin(radians(lat2 - lat1) / 2), 2) + cos(radians(lat1)) * cos(radians(lat2)) * power(sin(radians(lon2 - lon1) / 2), 2))))
$$;

-- A roofing permit, from its type and description: a re-roof, a roof replaced or repaired,
-- shingles; not rooftop equipment, roof-mounted solar, roof signs or roof framing of a remodel.
CREATE FUNCTION is_roofing_permit(permit_type text, work_class text, description text) RETURNS boolean LANGUAGE sql IMMUTABLE AS $$
  SELECT coalesce(
    (lower(concat_ws(' ', permit_type, work_class)) ~ '\m(re-?roof\w*|roofing|roof)\M'
      AND lower(concat_ws(' ', permit_type, work_class)) !~ '\m(sign|solar)|roof[\s-]*top|roof[\s-]*mounted')
    OR lower(description) ~ '\mre-?roof'
    OR lower(description) ~ '\mshingles?\M'
    OR lower(description) ~ '\mroof(ing)?\s+(repair|replac|tear)'
    OR ((lower(description) ~ '\m(replac\w*|new|repair\w*|renovat\w*|tear\s*-?\s*off)\s+([a-z0-9/&-]+,?\s+){0,4}roof(ing)?\M(?![\s-]*(framing|top|mounted|sign|unit))'
         OR lower(description) ~ '^\W*(residential |commercial )?roofing\M')
        AND lower(description) !~ '\m(roof[\s-]*top|roof[\s-]*mounted|solar)'),
    false)
$$;

-- Permits, clusters and parcel scores are the organization's shared knowledge: agents read them,
-- managers and up (imports, contagion runs) write them.
CREATE FUNCTION porchlight_manager_writes(tbl regclass) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE format('CREATE POLICY manager_inserts ON %s AS RESTRICTIVE FOR INSERT WITH CHECK (app_user_role() <> %L)', tbl, 'agent');
  EXECUTE format('CREATE POLICY manager_updates ON %s AS RESTRICTIVE FOR UPDATE USING (app_user_role() <> %L)', tbl, 'agent');
  EXECUTE format('CREATE POLICY manager_deletes ON %s AS RESTRICTIVE FOR DELETE USING (app_user_role() <> %L)', tbl, 'agent');
END $$;

-- Building permits (Fish Mouth's building_permits), one per permit number in an organization.
CREATE TABLE permit (
  organization_id     uuid NOT NULL REFERENCES organization (id) ON DELETE CASCADE,
  id                  uuid NOT NULL DEFAULT gen_random_uuid(),
  permit_number       text NOT NULL CHECK (length(btrim(permit_number)) BETWEEN 1 AND 100),
  permit_date         date NOT NULL CHECK (permit_date BETWEEN '1900-01-01' AND '2100-01-01'),
  permit_type         text,
  work_class          text,
  status              text,
  permit_value_cents  bigint CHECK (permit_value_cents >= 0),
  contractor_name     text,
  contractor_license  text,
  contractor_phone    text,
  work_description    text,
  subdivision         text,
  parcel_id           text,
  address             text,
  city                text,
  state               text CHECK (state ~ '^[A-Z]{2}$'),
  zip                 text CHECK (zip ~ '^[0-9]{5}$'),
  latitude            double precision CHECK (latitude BETWEEN -90 AND 90),
  longitude           double precision CHECK (longitude BETWEEN -180 AND 180),
  source              text NOT NULL CHECK (length(btrim(source)) BETWEEN 1 AND 100),
  source_url          text,
  is_roofing          boolean NOT NULL GENERATED ALWAYS AS (is_roofing_permit(permit_type, work_class, work_description)) STORED,
  -- the parcel the permit is for, matched by `contagion run` (the nearest parcel within 60 ft, or the APN)
  property_id         uuid,
  -- the cluster the last contagion run put it in
  cluster_id          uuid,
  created_at          timestamptz NOT NULL DEFAULT now(),
  updated_at          timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (organization_id, id),
  UNIQUE (organization_id, permit_number),
  FOREIGN KEY (organization_id, property_id) REFERENCES property (organization_id, id) ON DELETE SET NULL (property_id),
  CHECK ((latitude IS NULL) = (longitude IS NULL))
);
-- Radius search: a latitude band first (btree), longitude and the exact distance after; both
-- engines answer it from the index (DESIGN.md's measured facts).
CREATE INDEX permit_roofing_geo_idx ON permit (organization_id, latitude, longitude) WHERE is_roofing AND latitude IS NOT NULL;
CREATE INDEX permit_date_idx ON permit (organization_id, permit_date);
SELECT porchlight_tenant_table('permit');
SELECT porchlight_manager_writes('permit');
CREATE TRIGGER permit_updated_at BEFORE UPDATE ON permit FOR EACH ROW EXECUTE FUNCTION set_updated_at();

CREATE INDEX property_geo_idx ON property (organization_id, latitude, longitude) WHERE latitude IS NOT NULL;

-- A cluster of roofing permits (Fish Mouth's contagion_clusters). A run again keeps a cluster
-- that shares most of its permits with one found before (permit.cluster_id), so a cluster keeps
-- its id as permits join it and old ones leave the window; a new one is known by its earliest
-- core permit (anchor).
CREATE TABLE contagion_cluster (
  organization_id       uuid NOT NULL REFERENCES organization (id) ON DELETE CASCADE,
  id                    uuid NOT NULL DEFAULT gen_random_uuid(),
  anchor_permit_id      uuid NOT NULL,
  city                  text,
  state                 text,
  subdivision           text,
  center_latitude       double precision NOT NULL CHECK (center_latitude BETWEEN -90 AND 90),
  center_longitude      double precision NOT NULL CHECK (center_longitude BETWEEN -180 AND 180),
  radius_miles          numeric(6,3) NOT NULL CHECK (radius_miles >= 0),
  permit_count          integer NOT NULL CHECK (permit_count >= 1),
  avg_permit_value_cents bigint,
  date_range_start      date NOT NULL,
  date_range_end        date NOT NULL CHECK (date_range_end >= date_range_start),
  avg_year_built        integer,
  cluster_score         integer NOT NULL CHECK (cluster_score BETWEEN 0 AND 100),
  status                text NOT NULL CHECK (status IN ('active', 'cooling', 'dissolved')),
  properties_in_cluster integer NOT NULL DEFAULT 0 CHECK (properties_in_cluster >= 0),
  properties_scored     integer NOT NULL DEFAULT 0 CHECK (properties_scored >= 0),
  hot_leads_generated   integer NOT NULL DEFAULT 0 CHECK (hot_leads_generated >= 0),
  contractors           text[] NOT NULL DEFAULT '{}',
  metadata              jsonb NOT NULL DEFAULT '{}',
  created_at            timestamptz NOT NULL DEFAULT now(),
  last_scored_at        timestamptz,
  PRIMARY KEY (organization_id, id),
  UNIQUE (organization_id, anchor_permit_id),
  FOREIGN KEY (organization_id, anchor_permit_id) REFERENCES permit (organization_id, id) ON DELETE CASCADE
);
CREATE INDEX contagion_cluster_score_idx ON contagion_cluster (organization_id, status, cluster_score DESC);
SELECT porchlight_tenant_table('contagion_cluster');
SELECT porchlight_manager_writes('contagion_cluster');
ALTER TABLE permit ADD FOREIGN KEY (organization_id, cluster_id) REFERENCES contagion_cluster (organization_id, id) ON DELETE SET NULL (cluster_id);

-- A parcel's contagion scoring (Fish Mouth's property_scores): one current row per parcel.
CREATE TABLE property_score (
  organization_id              uuid NOT NULL REFERENCES organization (id) ON DELETE CASCADE,
  property_id                  uuid NOT NULL,
  cluster_id                   uuid,
  contagion_score              integer NOT NULL CHECK (contagion_score BETWEEN 0 AND 100),
  permits_within_quarter_mile  integer NOT NULL CHECK (permits_within_quarter_mile >= 0),
  permits_within_500ft         integer NOT NULL CHECK (permits_within_500ft >= 0),
  permits_within_100ft         integer NOT NULL CHECK (permits_within_100ft >= 0),
  same_subdivision_permits     integer NOT NULL CHECK (same_subdivision_permits >= 0),
  nearest_permit_distance_ft   integer CHECK (nearest_permit_distance_ft >= 0),
  nearest_permit_address       text,
  nearest_permit_date          date,
  neighbor_contractor_names    text[] NOT NULL DEFAULT '{}',
  age_match_score              integer NOT NULL CHECK (age_match_score BETWEEN 0 AND 100),
  year_built                   integer,
  roof_age_years               integer,
  matches_neighbor_age         boolean NOT NULL DEFAULT false,
  age_difference_years         integer,
  neighbor_avg_year_built      integer,
  subdivision_avg_year_built   integer,
  financial_score              integer NOT NULL CHECK (financial_score BETWEEN 0 AND 100),
  home_value_cents             bigint,
  estimated_equity_percent     numeric(6,2),
  estimated_equity_cents       bigint,
  has_mortgage                 boolean,
  has_liens                    boolean,
  recent_refinance             boolean,
  recent_heloc                 boolean,
  visual_score                 integer CHECK (visual_score BETWEEN 0 AND 100),
  has_damage_assessment        boolean NOT NULL DEFAULT false,
  damage_indicators            text[] NOT NULL DEFAULT '{}',
  total_urgency_score          integer NOT NULL CHECK (total_urgency_score BETWEEN 0 AND 100),
  urgency_tier                 text NOT NULL CHECK (urgency_tier IN ('hot', 'warm', 'cold')),
  confidence_level             text NOT NULL CHECK (confidence_level IN ('high', 'medium', 'low')),
  recommended_action           text NOT NULL,
  factors                      jsonb NOT NULL DEFAULT '{}',
  scoring_version              text NOT NULL,
  data_sources_used            text[] NOT NULL DEFAULT '{}',
  scored_at                    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (organization_id, property_id),
  FOREIGN KEY (organization_id, property_id) REFERENCES property (organization_id, id) ON DELETE CASCADE,
  FOREIGN KEY (organization_id, cluster_id) REFERENCES contagion_cluster (organization_id, id) ON DELETE SET NULL (cluster_id)
);
CREATE INDEX property_score_urgency_idx ON property_score (organization_id, total_urgency_score DESC);
SELECT porchlight_tenant_table('property_score');
SELECT porchlight_manager_writes('property_score');

-- A parcel's contagion urgency from what is around it (Fish Mouth's property_scores), with the
-- organization's weights (docs/SCORING.md). Four parts, each 0-100:
--   contagion: roofing permits within 100 ft, 500 ft and the radius, and in the same subdivision;
--   age match: built within age_match_years of the neighbours that re-roofed (zero at age_match_zero_years);
--   financial: value, equity, no liens, no mortgage;
--   visual: the roof's assessed condition and damage, when an assessment exists.
-- The total weighs the parts that are known (an unknown part is left out, not counted as zero),
-- and confidence says how many were known. A parcel that re-roofed itself in the window is not a lead.
CREATE FUNCTION score_contagion(n100 integer, n500 integer, n_radius integer, same_subdivision integer, age_difference integer,
                                value_cents bigint, equity_percent numeric, has_liens boolean, has_mortgage boolean,
                                roof_condition numeric, damage_count integer, own_reroof boolean, w jsonb)
  RETURNS TABLE (contagion integer, age_match integer, financial integer, visual integer, total integer, tier text,
                 confidence text, action text, factors jsonb) LANGUAGE sql IMMUTABLE AS $$
  SELECT c.contagion, c.age_match, c.financial, c.visual, t.total,
         CASE WHEN t.total >= score_weight(w, 'hot') THEN 'hot' WHEN t.total >= score_weight(w, 'warm') THEN 'warm' ELSE 'cold' END,
         CASE WHEN t.known = 4 THEN 'high' WHEN t.known = 3 THEN 'medium' ELSE 'low' END,
         CASE WHEN own_reroof THEN 'recently_reroofed'
              WHEN t.total >= score_weight(w, 'hot') THEN 'call_now'
              WHEN t.total >= score_weight(w, 'warm') THEN 'add_to_sequence'
              ELSE 'monitor' END,
         jsonb_build_object('contagion', t.p_contagion, 'age_match', t.p_age, 'financial', t.p_financial, 'visual', t.p_visual)
  FROM (SELECT
      round(40 * score_ramp(n100, 0, 2) + 30 * score_ramp(n500, 0, 4) + 20 * score_ramp(n_radius, 0, 8) + 10 * score_ramp(same_subdivision, 0, 3))::int AS contagion,
      round(100 * score_ramp(score_weight(w, 'age_match_zero_years') - age_difference, 0,
                             score_weight(w, 'age_match_zero_years') - score_weight(w, 'age_match_years')))::int AS age_match,
      CASE WHEN value_cents IS NULL AND equity_percent IS NULL AND has_liens IS NULL AND has_mortgage IS NULL THEN NULL ELSE
        round(40 * coalesce(score_ramp(value_cents, 10000000, 50000000), 0) + 40 * coalesce(score_ramp(equity_percent, 0, 50), 0)
              + 10 * (has_liens = false)::int + 10 * (has_mortgage = false)::int)::int END AS financial,
      CASE WHEN roof_condition IS NULL AND coalesce(damage_count, 0) = 0 THEN NULL ELSE
        greatest(round(100 - coalesce(roof_condition, 100)), least(100, 25 * coalesce(damage_count, 0)))::int END AS visual) c
  -- each known part's points: its weight's share of the known weights (whole points that add up to the total)
  CROSS JOIN LATERAL (SELECT
      score_weight(w, 'contagion') AS wc, CASE WHEN c.age_match IS NULL THEN 0 ELSE score_weight(w, 'age_match') END AS wa,
      CASE WHEN c.financial IS NULL THEN 0 ELSE score_weight(w, 'financial') END AS wf,
      CASE WHEN c.visual IS NULL THEN 0 ELSE score_weight(w, 'visual') END AS wv) k
  CROSS JOIN LATERAL (SELECT
      CASE WHEN own_reroof THEN 0 ELSE round(c.contagion * k.wc / nullif(k.wc + k.wa + k.wf + k.wv, 0))::int END AS p_contagion,
      CASE WHEN own_reroof OR c.age_match IS NULL THEN 0 ELSE round(c.age_match * k.wa / nullif(k.wc + k.wa + k.wf + k.wv, 0))::int END AS p_age,
      CASE WHEN own_reroof OR c.financial IS NULL THEN 0 ELSE round(c.financial * k.wf / nullif(k.wc + k.wa + k.wf + k.wv, 0))::int END AS p_financial,
      CASE WHEN own_reroof OR c.visual IS NULL THEN 0 ELSE round(c.visual * k.wv / nullif(k.wc + k.wa + k.wf + k.wv, 0))::int END AS p_visual,
      1 + (c.age_match IS NOT NULL)::int + (c.financial IS NOT NULL)::int + (c.visual IS NOT NULL)::int AS known) p
  CROSS JOIN LATERAL (SELECT least(100, coalesce(p.p_contagion, 0) + p.p_age + p.p_financial + p.p_visual) AS total, p.known,
                             coalesce(p.p_contagion, 0) AS p_contagion, p.p_age, p.p_financial, p.p_visual) t
$$;

-- The quality score's points are the organization's (settings scoring.quality; the seed's values
-- when not set: verified email 40, verified mobile or VoIP 30, MAK and APN 10, owner-occupied 10,
-- demographics fit 10 at 62+ and $100,000+ with equity). Read here, once per call, so the
-- waterfall and the rescoring engine always score alike.
CREATE OR REPLACE FUNCTION lead_quality_factors(org uuid, lead_ids uuid[], min_confidence numeric DEFAULT 101)
  RETURNS TABLE (lead_id uuid, score integer, prospective integer, factors jsonb) LANGUAGE sql STABLE AS $$
  WITH w AS MATERIALIZED (
    SELECT coalesce(score_weight(s, 'verified_email'), 40) AS email, coalesce(score_weight(s, 'verified_mobile'), 30) AS mobile,
           coalesce(score_weight(s, 'mak_and_apn'), 10) AS keys, coalesce(score_weight(s, 'owner_occupied'), 10) AS occupied,
           coalesce(score_weight(s, 'demographics_fit'), 10) AS fit, coalesce(score_weight(s, 'fit_min_age'), 62) AS fit_age,
           coalesce(score_weight(s, 'fit_min_value_cents'), 10000000) AS fit_value
    FROM (SELECT (SELECT o.settings #> '{scoring,quality}' FROM organization o WHERE o.id = org) AS s) x)
  SELECT l.id, least(100, f.base + w.email * cp.email::int + w.mobile * cp.mobile::int)::int,
         least(100, f.base + w.email * (cp.email OR cp.email_likely)::int + w.mobile * (cp.mobile OR cp.mobile_likely)::int)::int,
         jsonb_build_object('verified_email', w.email * cp.email::int, 'verified_mobile', w.mobile * cp.mobile::int, 'mak_and_apn', f.keys,
                            'owner_occupied', f.occupied, 'demographics_fit', f.fit)
  FROM w CROSS JOIN unnest(lead_ids) AS ids(id)
  JOIN lead l ON l.organization_id = org AND l.id = ids.id
  LEFT JOIN property p ON p.organization_id = l.organization_id AND p.id = l.property_id
  LEFT JOIN person pe ON pe.organization_id = l.organization_id AND pe.id = l.person_id
  CROSS JOIN LATERAL (SELECT
      coalesce(bool_or(c.kind = 'email' AND c.verified), false) AS email,
      coalesce(bool_or(c.kind = 'phone' AND c.verified AND c.type IN ('mobile', 'voip') AND NOT c.dnc), false) AS mobile,
      coalesce(bool_or(c.kind = 'email' AND c.verification IS NULL AND c.score >= min_confidence), false) AS email_likely,
      coalesce(bool_or(c.kind = 'phone' AND c.verification IS NULL AND c.score >= min_confidence AND c.type IN ('mobile', 'voip') AND NOT c.dnc), false) AS mobile_likely
    FROM contact_point c WHERE c.organization_id = l.organization_id AND c.person_id = l.person_id) cp
  CROSS JOIN LATERAL (SELECT
      CASE WHEN p.mak IS NOT NULL AND p.apn IS NOT NULL THEN w.keys ELSE 0 END AS keys,
      CASE WHEN p.owner_occupied THEN w.occupied ELSE 0 END AS occupied,
      CASE WHEN pe.age >= w.fit_age AND p.estimated_value_cents >= w.fit_value AND p.equity_cents > 0 THEN w.fit ELSE 0 END AS fit) f0
  CROSS JOIN LATERAL (SELECT f0.keys, f0.occupied, f0.fit, f0.keys + f0.occupied + f0.fit AS base) f
$$;
