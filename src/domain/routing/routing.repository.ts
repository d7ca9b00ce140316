import { sql } from 'kysely';
import type { Trx } from '../../db/tenant.ts';

// Routing in one statement per step: every lead the quality score routes (new, enriched,
// contactable, do_not_contact) gets the status its score earns, by routed_status (migration
// 0009), the rule the enrichment waterfall routes by too: a lead whose owner has a phone or email
// on the organization's do-not-contact list is never contactable. Only leads whose status moves
// are written (lead_status_history records each move).

export interface RouteThresholds {
  contactable: number;
  enriched: number;
}

export const routingRepository = {
  /** Route every scored lead; per status it moved to, how many. */
  async route(t: RouteThresholds, trx: Trx) {
    const r = await sql<{ status: string; n: number }>`
      WITH target AS (
        SELECT l.id, routed_status(l.quality_score, l.status, on_dnc_list(l.organization_id, l.person_id), ${t.contactable}, ${t.enriched}) AS status
        FROM lead l
        WHERE l.organization_id = app_org_id() AND l.deleted_at IS NULL AND l.quality_score IS NOT NULL
          AND l.status IN ('new', 'enriched', 'contactable', 'do_not_contact')
      ), moved AS (
        UPDATE lead l SET status = t.status FROM target t
        WHERE l.organization_id = app_org_id() AND l.id = t.id AND l.status <> t.status
        RETURNING l.status
      )
      SELECT status, count(*)::int AS n FROM moved GROUP BY status ORDER BY status`.execute(trx);
    return r.rows;
  },

  /** How the routed leads stand now. */
  async standing(trx: Trx) {
    const r = await sql<{ status: string; n: number; avg_quality: number | null }>`
      SELECT status, count(*)::int AS n, round(avg(quality_score), 1)::float8 AS avg_quality FROM lead
      WHERE organization_id = app_org_id() AND deleted_at IS NULL AND status IN ('new', 'enriched', 'contactable', 'do_not_contact')
      GROUP BY status ORDER BY array_position(ARRAY['contactable', 'enriched', 'do_not_contact', 'new'], status)`.execute(trx);
    return r.rows;
  },

  /**
   * Roof leads at the billable score or above, billed once per lead and month: a row that is
   * there already stays as it is. Returns how many were billed now.
   */
  async billRoofLeads(minScore: number, priceCents: number, period: string, trx: Trx): Promise<number> {
    const r = await sql<{ n: number }>`
      WITH billed AS (
        INSERT INTO billing_usage (organization_id, metric, period, subject_id, quantity, cost_cents, user_id, details)
        SELECT l.organization_id, 'roof_leads', ${period}::date, l.id, 1, ${priceCents}, app_user_id(),
               jsonb_build_object('lead_score', l.lead_score, 'tier', l.tier)
        FROM lead l
        -- a lead the owner asked not to be contacted is not a lead to sell
        WHERE l.organization_id = app_org_id() AND l.deleted_at IS NULL AND l.lead_score >= ${minScore}
          AND l.status <> 'dnc' AND NOT on_dnc_list(l.organization_id, l.person_id)
        ON CONFLICT (organization_id, metric, subject_id, period) DO NOTHING
        RETURNING 1
      ) SELECT count(*)::int AS n FROM billed`.execute(trx);
    return r.rows[0]!.n;
  },

  async usage(from: string, to: string, trx: Trx) {
    const r = await sql<{ period: string; metric: string; quantity: number; cost_cents: number }>`
      SELECT to_char(period, 'YYYY-MM-DD') AS period, metric, sum(quantity)::float8 AS quantity, sum(cost_cents)::int8 AS cost_cents
      FROM billing_usage WHERE organization_id = app_org_id() AND period BETWEEN date_trunc('month', ${from}::date)::date AND ${to}::date
      GROUP BY period, metric ORDER BY period, metric`.execute(trx);
    return r.rows.map((x) => ({ ...x, cost_cents: Number(x.cost_cents) }));
  },

  /** Contactable leads not yet in a campaign, best first (the campaign_ready_lead view). */
  async campaignReady(limit: number, trx: Trx) {
    const r = await sql<Record<string, unknown>>`
      SELECT v.id, v.quality_score::float8 AS quality_score, v.lead_score::float8 AS lead_score, v.tier, v.temperature, v.source,
             p.address_line1, p.city, p.state, p.zip,
             coalesce(pe.full_name, nullif(concat_ws(' ', pe.first_name, pe.last_name), ''), pe.company_name) AS owner_name,
             (SELECT count(*) FROM contact_point c WHERE c.organization_id = v.organization_id AND c.person_id = v.person_id AND c.kind = 'phone' AND c.verified AND NOT c.dnc)::int AS phones,
             (SELECT count(*) FROM contact_point c WHERE c.organization_id = v.organization_id AND c.person_id = v.person_id AND c.kind = 'email' AND c.verified)::int AS emails
      FROM campaign_ready_lead v
      LEFT JOIN property p ON p.organization_id = v.organization_id AND p.id = v.property_id
      LEFT JOIN person pe ON pe.organization_id = v.organization_id AND pe.id = v.person_id
      WHERE v.organization_id = app_org_id()
      ORDER BY v.quality_score DESC NULLS LAST, v.lead_score DESC NULLS LAST, v.first_seen_at, v.id
      LIMIT ${limit}`.execute(trx);
    return r.rows;
  },
};
