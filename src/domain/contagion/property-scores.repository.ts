import { sql } from 'kysely';
import type { Trx } from '../../db/tenant.ts';
import type { ScoringSettings } from '../scoring/scoring-settings.ts';
import { inBox, within } from '../../db/geo.ts';
import { analyze } from './contagion.repository.ts';

// Step 4 of a contagion run (contagion.repository.ts has 1-3): every parcel within the radius of
// a clustered permit is scored from the window's roofing permits around it (score_contagion in
// migration 0009). A parcel's row is written only when something in it moved; a parcel no longer
// near a cluster loses its row and its urgency.

export const VERSION = 'contagion-v1';
const r = sql.raw;

export const propertyScoresRepository = {
  async score(c: ScoringSettings['contagion'], trx: Trx) {
    const ft = c.radius_miles * 5280;
    // the parcels in reach, each with the cluster of its nearest clustered permit
    await sql`
      INSERT INTO creach
      SELECT DISTINCT ON (x.property_id) x.property_id, x.cluster_id
      FROM cmember m JOIN cw w ON w.n = m.n
      JOIN ccluster g ON g.label = m.label AND g.cluster_id IS NOT NULL
      -- per clustered permit, the parcels around it, from the index
      CROSS JOIN LATERAL (
        SELECT p.id AS property_id, g.cluster_id, great_circle_ft(w.lat, w.lon, p.latitude, p.longitude) AS d FROM property p
        WHERE p.organization_id = app_org_id() AND ${inBox('w', r('w.lat'), r('w.lon'), r('p.latitude'), r('p.longitude'), ft)}) x
      ORDER BY x.property_id, x.d, x.cluster_id`.execute(trx);
    await analyze('creach', trx);
    const w = JSON.stringify(c);
    const written = await sql<{ n: number }>`
      WITH subdivision AS (SELECT subdivision, count(*)::int AS n FROM cw WHERE subdivision IS NOT NULL GROUP BY subdivision),
      subdivision_age AS (
        SELECT upper(btrim(p.subdivision)) AS subdivision, round(avg(p.year_built))::int AS year_built
        FROM property p WHERE p.organization_id = app_org_id() AND upper(btrim(p.subdivision)) IN (SELECT subdivision FROM subdivision)
        GROUP BY 1),
      cscore AS (
      SELECT p.id AS property_id, rc.cluster_id, a.*, coalesce(sd.n, 0) AS same_subdivision, sa.year_built AS subdivision_avg_year_built,
             p.year_built, p.roof_age_years, p.estimated_value_cents, p.equity_percent, p.equity_cents, p.has_mortgage, p.has_liens,
             p.recent_refinance, p.recent_heloc, p.roof_condition_score, p.roof_damage_indicators,
             abs(p.year_built - a.neighbor_avg_year_built) AS age_difference,
             EXISTS (SELECT 1 FROM cw o WHERE o.property_id = p.id) AS own_reroof
      FROM creach rc
      JOIN property p ON p.organization_id = app_org_id() AND p.id = rc.property_id
      LEFT JOIN subdivision sd ON sd.subdivision = upper(btrim(p.subdivision))
      LEFT JOIN subdivision_age sa ON sa.subdivision = upper(btrim(p.subdivision))
      CROSS JOIN LATERAL (
        SELECT count(*) FILTER (WHERE x.d <= 100)::int AS n100, count(*) FILTER (WHERE x.d <= 500)::int AS n500, count(*)::int AS n_radius,
               round(min(x.d))::int AS nearest_ft, (array_agg(x.address ORDER BY x.d, x.n))[1] AS nearest_address,
               (array_agg(x.permit_date ORDER BY x.d, x.n))[1] AS nearest_date,
               coalesce((array_agg(DISTINCT x.contractor_name) FILTER (WHERE x.contractor_name IS NOT NULL))[1:5], '{}') AS contractors,
               round(avg(x.year_built))::int AS neighbor_avg_year_built
        FROM (SELECT w.*, great_circle_ft(p.latitude, p.longitude, w.lat, w.lon) AS d FROM cw w
              WHERE w.property_id IS DISTINCT FROM p.id AND ${within(r('p.latitude'), r('p.longitude'), r('w.lat'), r('w.lon'), ft)}) x
      ) a),
      s AS (
        SELECT x.*, f.* FROM (SELECT cscore.*, coalesce(equity_percent, round(100.0 * equity_cents / nullif(estimated_value_cents, 0), 2)) AS equity FROM cscore) x
        CROSS JOIN LATERAL score_contagion(x.n100, x.n500, x.n_radius, x.same_subdivision, x.age_difference, x.estimated_value_cents,
          x.equity, x.has_liens, x.has_mortgage,
          x.roof_condition_score, cardinality(x.roof_damage_indicators), x.own_reroof, ${w}::jsonb) f
      ), up AS (
        INSERT INTO property_score AS ps (organization_id, property_id, cluster_id, contagion_score, permits_within_quarter_mile, permits_within_500ft,
          permits_within_100ft, same_subdivision_permits, nearest_permit_distance_ft, nearest_permit_address, nearest_permit_date, neighbor_contractor_names,
          age_match_score, year_built, roof_age_years, matches_neighbor_age, age_difference_years, neighbor_avg_year_built, subdivision_avg_year_built,
          financial_score, home_value_cents, estimated_equity_percent, estimated_equity_cents, has_mortgage, has_liens, recent_refinance, recent_heloc,
          visual_score, has_damage_assessment, damage_indicators, total_urgency_score, urgency_tier, confidence_level, recommended_action, factors,
          scoring_version, data_sources_used)
        SELECT app_org_id(), s.property_id, s.cluster_id, s.contagion, s.n_radius, s.n500, s.n100, s.same_subdivision, s.nearest_ft, s.nearest_address,
          s.nearest_date, s.contractors, coalesce(s.age_match, 0), s.year_built, s.roof_age_years, coalesce(s.age_difference <= ${c.age_match_years}, false),
          s.age_difference, s.neighbor_avg_year_built, s.subdivision_avg_year_built, coalesce(s.financial, 0), s.estimated_value_cents,
          greatest(-1000, least(100, s.equity)), s.equity_cents, s.has_mortgage, s.has_liens, s.recent_refinance, s.recent_heloc, s.visual, s.visual IS NOT NULL,
          s.roof_damage_indicators, s.total, s.tier, s.confidence, s.action, s.factors, ${VERSION},
          ARRAY['building_permits'] || CASE WHEN s.neighbor_avg_year_built IS NOT NULL OR s.year_built IS NOT NULL THEN ARRAY['property_facts'] ELSE '{}' END
            || CASE WHEN s.financial IS NOT NULL THEN ARRAY['financials'] ELSE '{}' END || CASE WHEN s.visual IS NOT NULL THEN ARRAY['damage_assessment'] ELSE '{}' END
        FROM s
        ON CONFLICT (organization_id, property_id) DO UPDATE SET
          cluster_id = EXCLUDED.cluster_id, contagion_score = EXCLUDED.contagion_score, permits_within_quarter_mile = EXCLUDED.permits_within_quarter_mile,
          permits_within_500ft = EXCLUDED.permits_within_500ft, permits_within_100ft = EXCLUDED.permits_within_100ft,
          same_subdivision_permits = EXCLUDED.same_subdivision_permits, nearest_permit_distance_ft = EXCLUDED.nearest_permit_distance_ft,
          nearest_permit_address = EXCLUDED.nearest_permit_address, nearest_permit_date = EXCLUDED.nearest_permit_date,
          neighbor_contractor_names = EXCLUDED.neighbor_contractor_names, age_match_score = EXCLUDED.age_match_score, year_built = EXCLUDED.year_built,
          roof_age_years = EXCLUDED.roof_age_years, matches_neighbor_age = EXCLUDED.matches_neighbor_age, age_difference_years = EXCLUDED.age_difference_years,
          neighbor_avg_year_built = EXCLUDED.neighbor_avg_year_built, subdivision_avg_year_built = EXCLUDED.subdivision_avg_year_built,
          financial_score = EXCLUDED.financial_score, home_value_cents = EXCLUDED.home_value_cents, estimated_equity_percent = EXCLUDED.estimated_equity_percent,
          estimated_equity_cents = EXCLUDED.estimated_equity_cents, has_mortgage = EXCLUDED.has_mortgage, has_liens = EXCLUDED.has_liens,
          recent_refinance = EXCLUDED.recent_refinance, recent_heloc = EXCLUDED.recent_heloc, visual_score = EXCLUDED.visual_score,
          has_damage_assessment = EXCLUDED.has_damage_assessment, damage_indicators = EXCLUDED.damage_indicators,
          total_urgency_score = EXCLUDED.total_urgency_score, urgency_tier = EXCLUDED.urgency_tier, confidence_level = EXCLUDED.confidence_level,
          recommended_action = EXCLUDED.recommended_action, factors = EXCLUDED.factors, scoring_version = EXCLUDED.scoring_version,
          data_sources_used = EXCLUDED.data_sources_used, scored_at = now()
        WHERE (ps.cluster_id, ps.contagion_score, ps.permits_within_quarter_mile, ps.permits_within_500ft, ps.permits_within_100ft, ps.same_subdivision_permits,
               ps.nearest_permit_distance_ft, ps.nearest_permit_address, ps.nearest_permit_date, ps.neighbor_contractor_names, ps.age_match_score,
               ps.year_built, ps.roof_age_years, ps.age_difference_years, ps.neighbor_avg_year_built, ps.subdivision_avg_year_built, ps.financial_score,
               ps.home_value_cents, ps.estimated_equity_percent, ps.estimated_equity_cents, ps.has_mortgage, ps.has_liens, ps.recent_refinance,
               ps.recent_heloc, ps.visual_score, ps.damage_indicators, ps.total_urgency_score,
               ps.urgency_tier, ps.confidence_level, ps.recommended_action, ps.factors, ps.scoring_version, ps.data_sources_used)
          IS DISTINCT FROM (EXCLUDED.cluster_id, EXCLUDED.contagion_score, EXCLUDED.permits_within_quarter_mile, EXCLUDED.permits_within_500ft,
               EXCLUDED.permits_within_100ft, EXCLUDED.same_subdivision_permits, EXCLUDED.nearest_permit_distance_ft, EXCLUDED.nearest_permit_address,
               EXCLUDED.nearest_permit_date, EXCLUDED.neighbor_contractor_names, EXCLUDED.age_match_score, EXCLUDED.year_built, EXCLUDED.roof_age_years,
               EXCLUDED.age_difference_years, EXCLUDED.neighbor_avg_year_built, EXCLUDED.subdivision_avg_year_built, EXCLUDED.financial_score,
               EXCLUDED.home_value_cents, EXCLUDED.estimated_equity_percent, EXCLUDED.estimated_equity_cents, EXCLUDED.has_mortgage, EXCLUDED.has_liens,
               EXCLUDED.recent_refinance, EXCLUDED.recent_heloc, EXCLUDED.visual_score,
               EXCLUDED.damage_indicators, EXCLUDED.total_urgency_score, EXCLUDED.urgency_tier, EXCLUDED.confidence_level, EXCLUDED.recommended_action,
               EXCLUDED.factors, EXCLUDED.scoring_version, EXCLUDED.data_sources_used)
        RETURNING 1
      ) SELECT count(*)::int AS n FROM up`.execute(trx);
    const removed = await sql`
      DELETE FROM property_score ps WHERE ps.organization_id = app_org_id() AND NOT EXISTS (SELECT 1 FROM creach rc WHERE rc.property_id = ps.property_id)`.execute(trx);
    // the parcel's urgency, which the roof and contagion scorers read
    const urgency = await sql`
      UPDATE property p SET contagion_urgency = ps.total_urgency_score
      FROM (SELECT rc.property_id, s.total_urgency_score FROM creach rc
            LEFT JOIN property_score s ON s.organization_id = app_org_id() AND s.property_id = rc.property_id
            UNION ALL
            SELECT p2.id, NULL FROM property p2 WHERE p2.organization_id = app_org_id() AND p2.contagion_urgency IS NOT NULL
              AND NOT EXISTS (SELECT 1 FROM creach rc WHERE rc.property_id = p2.id)) ps
      WHERE p.organization_id = app_org_id() AND p.id = ps.property_id AND p.contagion_urgency IS DISTINCT FROM ps.total_urgency_score`.execute(trx);
    await sql`
      UPDATE contagion_cluster k SET properties_in_cluster = x.n, properties_scored = x.n, hot_leads_generated = x.hot, last_scored_at = now()
      FROM (SELECT k2.id, count(DISTINCT ps.property_id)::int AS n, count(DISTINCT l.id) FILTER (WHERE ps.urgency_tier = 'hot')::int AS hot
            FROM contagion_cluster k2
            LEFT JOIN property_score ps ON ps.organization_id = k2.organization_id AND ps.cluster_id = k2.id
            LEFT JOIN lead l ON l.organization_id = ps.organization_id AND l.property_id = ps.property_id AND l.deleted_at IS NULL
            WHERE k2.organization_id = app_org_id() GROUP BY k2.id) x
      WHERE k.organization_id = app_org_id() AND k.id = x.id
        AND (k.properties_in_cluster, k.properties_scored, k.hot_leads_generated) IS DISTINCT FROM (x.n, x.n, x.hot)`.execute(trx);
    const n = await sql<{ reached: number }>`SELECT count(*)::int AS reached FROM creach`.execute(trx);
    return { reached: n.rows[0]!.reached, written: written.rows[0]!.n, removed: Number(removed.numAffectedRows ?? 0), urgency_changed: Number(urgency.numAffectedRows ?? 0) };
  },
};
