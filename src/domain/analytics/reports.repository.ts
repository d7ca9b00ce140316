import { sql } from 'kysely';
import type { Trx } from '../../db/tenant.ts';
import type { Period } from './period.ts';

// Every report is set-based SQL over the records that already hold the facts: status history,
// the cost ledger, entered source costs and deals, the budget, billing usage, assignments,
// messages, calls, campaigns and sequences. Each query reads one period [start, end) of UTC
// instants (or its days and months) and is written out here, so a reviewer sees what each number is.
//
// Shared rules (docs/REPORTS.md):
// - spend is a cost ledger row that is not void (charged, in doubt or still reserved), as the
//   `costs` command and the budget count it, plus entered source costs of the months the period
//   touches, whole;
// - lead counts leave deleted leads out; money (spend, revenue) stays with its source whatever
//   became of the lead.

/** A lead that can be reached now: not marked dnc, no contact of its owner on the organization's
 *  list for every channel (the routing rule, on_dnc_list), and a phone or email not flagged dnc. */
const REACHABLE = sql`(l.status <> 'dnc' AND l.person_id IS NOT NULL AND NOT on_dnc_list(l.organization_id, l.person_id)
  AND EXISTS (SELECT 1 FROM contact_point c WHERE c.organization_id = l.organization_id AND c.person_id = l.person_id AND NOT c.dnc))`;

const inPeriod = (col: string, p: Period) => sql`(${sql.ref(col)} >= ${p.start}::timestamptz AND ${sql.ref(col)} < ${p.end}::timestamptz)`;
/** The organization's do-not-contact list took this message's address after it was sent, within the period. */
const optedOutAfter = (p: Period) => sql`(m.sent_at IS NOT NULL AND EXISTS (SELECT 1 FROM dnc_entry d
  WHERE d.organization_id = m.organization_id AND d.kind = m.kind AND d.value_hash = m.peer_hash AND d.created_at >= m.sent_at AND ${inPeriod('d.created_at', p)}))`;

export interface RoiRow { source: string | null; provider: string | null; leads: number; contactable: number; conversions: number; ledger_cents: number; entered_cents: number; revenue_cents: number; deals: number }
export interface CostRow { g: number; day: string | null; provider: string | null; stage: string | null; calls: number; void_calls: number; entries: number; spend_cents: number; charged_cents: number; in_doubt_cents: number; pending_cents: number; entered_cents: number }
export interface QualityRow { total: boolean; status: string | null; source: string | null; count: number; avg_quality_score: number | null; avg_lead_score: number | null; contactable_count: number; enriched_count: number; low_quality_count: number; unscored_count: number; hot: number; warm: number; cold: number; reachable_count: number }
export interface TeamRow { user_id: string; email: string; full_name: string | null; role: string; assigned: number; contacted: number; converted: number; median_first_touch_seconds: number | null; messages_sent: number; calls: number }
export interface Outreach { sent: number; delivered: number; failed: number; opened: number; clicked: number; replied: number; opted_out: number; cost_cents: number }
export type CampaignRow = Outreach & { campaign_id: string; name: string; channel: string; status: string; recipients: number; skipped: number };
export type SequenceRow = Outreach & { sequence_id: string; name: string; status: string; enrolled: number; completed: number; converted: number; stopped: number; executions: number };
export interface NodeRow { sequence_id: string; node_key: string; type: string; executions: number; succeeded: number; failed: number; skipped: number; scheduled: number }

/** Message counts of a period: each by the time of its own event. */
const outreachCounts = (p: Period) => sql`
  count(*) FILTER (WHERE ${inPeriod('m.sent_at', p)})::int AS sent,
  count(*) FILTER (WHERE ${inPeriod('m.delivered_at', p)})::int AS delivered,
  count(*) FILTER (WHERE m.status = 'failed' AND ${inPeriod('m.failed_at', p)})::int AS failed,
  count(*) FILTER (WHERE ${inPeriod('m.opened_at', p)})::int AS opened,
  count(*) FILTER (WHERE ${inPeriod('m.clicked_at', p)})::int AS clicked,
  count(*) FILTER (WHERE ${inPeriod('m.replied_at', p)})::int AS replied,
  coalesce(sum(m.cost_cents) FILTER (WHERE ${inPeriod('m.sent_at', p)}), 0)::bigint AS cost_cents`;

export const reportsRepository = {
  async funnelStages(trx: Trx): Promise<unknown> {
    return (await sql<{ s: unknown }>`SELECT settings -> 'funnel_stages' AS s FROM organization WHERE id = app_org_id()`.execute(trx)).rows[0]?.s ?? null;
  },

  async setFunnelStages(stages: string[], trx: Trx): Promise<boolean> {
    const r = await sql`UPDATE organization SET settings = jsonb_set(settings, '{funnel_stages}', ${JSON.stringify(stages)}::jsonb) WHERE id = app_org_id()`.execute(trx);
    return Number(r.numAffectedRows ?? 0) === 1;
  },

  /** Leads created in the period, and how many reached each stage or a later one by its end. */
  async funnel(stages: string[], p: Period, trx: Trx) {
    const r = await sql<{ stage: string; leads: number; cohort: number }>`
      WITH stage AS (SELECT s.stage, s.ord FROM unnest(${stages}::text[]) WITH ORDINALITY AS s(stage, ord)),
      cohort AS (
        SELECT l.id FROM lead l
        WHERE l.organization_id = app_org_id() AND l.deleted_at IS NULL AND ${inPeriod('l.created_at', p)}
      ), furthest AS (
        -- the furthest stage each lead's history reached before the period ended (statuses
        -- outside the stages, such as nurturing or closed_lost, move no one along)
        SELECT c.id, max(s.ord) AS ord
        FROM cohort c
        JOIN lead_status_history h ON h.organization_id = app_org_id() AND h.lead_id = c.id AND h.changed_at < ${p.end}::timestamptz
        JOIN stage s ON s.stage = h.to_status
        GROUP BY c.id
      )
      SELECT s.stage, count(f.id) FILTER (WHERE f.ord >= s.ord)::int AS leads, (SELECT count(*) FROM cohort)::int AS cohort
      FROM stage s LEFT JOIN furthest f ON true
      GROUP BY s.stage, s.ord ORDER BY s.ord`.execute(trx);
    return r.rows;
  },

  /** Per source (and per provider for spend no lead carries): leads, reach, conversions, spend, revenue. */
  async roi(p: Period, trx: Trx) {
    const r = await sql<RoiRow>`
      WITH cohort AS (
        SELECT l.source, count(*)::int AS leads, count(*) FILTER (WHERE ${REACHABLE})::int AS contactable
        FROM lead l WHERE l.organization_id = app_org_id() AND l.deleted_at IS NULL AND ${inPeriod('l.created_at', p)}
        GROUP BY l.source
      ), won AS (
        SELECT l.source, count(DISTINCT l.id)::int AS conversions
        FROM lead_status_history h JOIN lead l ON l.organization_id = h.organization_id AND l.id = h.lead_id AND l.deleted_at IS NULL
        WHERE h.organization_id = app_org_id() AND h.to_status = 'closed_won' AND ${inPeriod('h.changed_at', p)}
        GROUP BY l.source
      ), ledger AS (
        -- a call with no lead (a pull, an area scan) or whose lead is gone is nobody's source: its provider's row
        SELECT l.source, CASE WHEN l.id IS NULL THEN c.provider END AS provider, sum(c.cost_cents)::bigint AS cents
        FROM cost_ledger c LEFT JOIN lead l ON l.organization_id = c.organization_id AND l.id = c.lead_id
        WHERE c.organization_id = app_org_id() AND c.status <> 'void' AND ${inPeriod('c.created_at', p)}
        GROUP BY 1, 2
      ), entered AS (
        SELECT source, sum(amount_cents)::bigint AS cents FROM lead_source_cost
        WHERE organization_id = app_org_id() AND month = ANY (${p.months}::date[]) GROUP BY source
      ), deals AS (
        SELECT l.source, count(*)::int AS deals, sum(d.revenue_cents)::bigint AS revenue
        FROM lead_deal d JOIN lead l ON l.organization_id = d.organization_id AND l.id = d.lead_id
        WHERE d.organization_id = app_org_id() AND d.closed_on BETWEEN ${p.from}::date AND ${p.to}::date
        GROUP BY l.source
      ), keys AS (
        SELECT source, NULL::text AS provider FROM cohort UNION SELECT source, NULL FROM won UNION SELECT source, provider FROM ledger
        UNION SELECT source, NULL FROM entered UNION SELECT source, NULL FROM deals
      )
      SELECT k.source, k.provider, coalesce(co.leads, 0) AS leads, coalesce(co.contactable, 0) AS contactable, coalesce(w.conversions, 0) AS conversions,
             coalesce(lg.cents, 0) AS ledger_cents, coalesce(e.cents, 0) AS entered_cents, coalesce(d.revenue, 0) AS revenue_cents, coalesce(d.deals, 0) AS deals
      FROM keys k
      LEFT JOIN cohort co ON k.provider IS NULL AND co.source = k.source
      LEFT JOIN won w ON k.provider IS NULL AND w.source = k.source
      LEFT JOIN ledger lg ON lg.source IS NOT DISTINCT FROM k.source AND lg.provider IS NOT DISTINCT FROM k.provider
      LEFT JOIN entered e ON k.provider IS NULL AND e.source = k.source
      LEFT JOIN deals d ON k.provider IS NULL AND d.source = k.source
      ORDER BY k.source IS NULL, k.source, k.provider`.execute(trx);
    return r.rows;
  },

  /**
   * Spend by day, provider and stage (g = 0), and by provider (5), stage (6), day (3) and in all (7):
   * GROUPING's bits for (day, provider, stage). Entered source costs are the provider 'entered'
   * at stage 'source_cost', on the first day of their month inside the period.
   */
  async costs(p: Period, trx: Trx) {
    const r = await sql<CostRow>`
      WITH spend AS (
        SELECT to_char((c.created_at AT TIME ZONE 'UTC')::date, 'YYYY-MM-DD') AS day, c.provider, c.stage, c.status,
               CASE WHEN c.status = 'void' THEN 0 ELSE c.cost_cents END AS cents
        FROM cost_ledger c WHERE c.organization_id = app_org_id() AND ${inPeriod('c.created_at', p)}
        UNION ALL
        SELECT to_char(greatest(s.month, ${p.from}::date), 'YYYY-MM-DD'), 'entered', 'source_cost', 'entered', s.amount_cents
        FROM lead_source_cost s WHERE s.organization_id = app_org_id() AND s.month = ANY (${p.months}::date[])
      )
      SELECT GROUPING(day, provider, stage) AS g, day, provider, stage,
             count(*) FILTER (WHERE status IN ('charged', 'in_doubt', 'pending'))::int AS calls,
             count(*) FILTER (WHERE status = 'void')::int AS void_calls,
             count(*) FILTER (WHERE status = 'entered')::int AS entries,
             coalesce(sum(cents), 0)::bigint AS spend_cents,
             coalesce(sum(cents) FILTER (WHERE status = 'charged'), 0)::bigint AS charged_cents,
             coalesce(sum(cents) FILTER (WHERE status = 'in_doubt'), 0)::bigint AS in_doubt_cents,
             coalesce(sum(cents) FILTER (WHERE status = 'pending'), 0)::bigint AS pending_cents,
             coalesce(sum(cents) FILTER (WHERE status = 'entered'), 0)::bigint AS entered_cents
      FROM spend
      GROUP BY GROUPING SETS ((day, provider, stage), (provider), (stage), (day), ())
      ORDER BY g, day, provider, stage`.execute(trx);
    return r.rows;
  },

  /** The budget now, what moved it in the period, and each stage's daily caps. */
  async budget(p: Period, trx: Trx) {
    const b = await sql<{ balance_cents: number | null; deposits_cents: number; debits_cents: number; refunds_cents: number; adjustments_cents: number }>`
      SELECT (SELECT balance_cents FROM budget_account WHERE organization_id = app_org_id()) AS balance_cents,
             coalesce(sum(amount_cents) FILTER (WHERE kind = 'topup'), 0)::bigint AS deposits_cents,
             coalesce(-sum(amount_cents) FILTER (WHERE kind = 'spend'), 0)::bigint AS debits_cents,
             coalesce(sum(amount_cents) FILTER (WHERE kind = 'refund'), 0)::bigint AS refunds_cents,
             coalesce(sum(amount_cents) FILTER (WHERE kind = 'adjustment'), 0)::bigint AS adjustments_cents
      FROM budget_transaction WHERE organization_id = app_org_id() AND ${inPeriod('created_at', p)}`.execute(trx);
    const caps = await sql<{ day: string; stage: string; used: number; cap: number | null }>`
      SELECT to_char(day, 'YYYY-MM-DD') AS day, stage, used, cap FROM stage_usage_daily
      WHERE organization_id = app_org_id() AND day BETWEEN ${p.from}::date AND ${p.to}::date ORDER BY day, stage`.execute(trx);
    return { ...b.rows[0]!, caps: caps.rows };
  },

  /** Leads created in the period by status and source as they stand now, with a total row. */
  async quality(p: Period, t: { contactable: number; enriched: number }, trx: Trx) {
    const r = await sql<QualityRow>`
      SELECT GROUPING(l.status, l.source) = 3 AS total, l.status, l.source, count(*)::int AS count,
             round(avg(l.quality_score), 2)::float8 AS avg_quality_score, round(avg(l.lead_score), 2)::float8 AS avg_lead_score,
             count(*) FILTER (WHERE l.quality_score >= ${t.contactable})::int AS contactable_count,
             count(*) FILTER (WHERE l.quality_score >= ${t.enriched} AND l.quality_score < ${t.contactable})::int AS enriched_count,
             count(*) FILTER (WHERE l.quality_score < ${t.enriched})::int AS low_quality_count,
             count(*) FILTER (WHERE l.quality_score IS NULL)::int AS unscored_count,
             count(*) FILTER (WHERE l.tier = 'hot')::int AS hot, count(*) FILTER (WHERE l.tier = 'warm')::int AS warm,
             count(*) FILTER (WHERE l.tier = 'cold')::int AS cold,
             count(*) FILTER (WHERE ${REACHABLE})::int AS reachable_count
      FROM lead l WHERE l.organization_id = app_org_id() AND l.deleted_at IS NULL AND ${inPeriod('l.created_at', p)}
      GROUP BY GROUPING SETS ((l.status, l.source), ())
      ORDER BY total, array_position(lead_statuses(), l.status), l.source`.execute(trx);
    return r.rows;
  },

  /** Billing usage per month and metric, billable leads to each month's end, leads created per month, the plan. */
  async usage(p: Period, trx: Trx) {
    const metrics = await sql<{ month: string; metric: string; n: number; quantity: number; cost_cents: number }>`
      SELECT to_char(period, 'YYYY-MM-DD') AS month, metric, count(*)::int AS n, sum(quantity)::float8 AS quantity, sum(cost_cents)::bigint AS cost_cents
      FROM billing_usage WHERE organization_id = app_org_id() AND period = ANY (${p.months}::date[])
      GROUP BY period, metric ORDER BY period, metric`.execute(trx);
    const months = await sql<{ month: string; leads_created: number; billable_leads_to_date: number }>`
      SELECT to_char(m.month, 'YYYY-MM-DD') AS month,
             (SELECT count(*) FROM lead l WHERE l.organization_id = app_org_id() AND l.deleted_at IS NULL
                AND l.created_at >= (m.month::timestamp AT TIME ZONE 'UTC') AND l.created_at < ((m.month + interval '1 month') AT TIME ZONE 'UTC'))::int AS leads_created,
             (SELECT count(*) FROM billing_usage b WHERE b.organization_id = app_org_id() AND b.metric = 'roof_leads' AND b.period <= m.month)::int AS billable_leads_to_date
      FROM unnest(${p.months}::date[]) AS m(month) ORDER BY m.month`.execute(trx);
    const plan = (await sql<{ plan: string }>`SELECT plan FROM organization WHERE id = app_org_id()`.execute(trx)).rows[0]!.plan;
    return { plan, metrics: metrics.rows, months: months.rows };
  },

  /** Per user: leads assigned in the period, first touches after assignment, conversions credited, touches made. */
  async team(p: Period, trx: Trx) {
    const r = await sql<TeamRow>`
      WITH asg AS (
        SELECT a.to_user_id AS user_id, a.lead_id, a.assigned_at
        FROM lead_assignment a JOIN lead l ON l.organization_id = a.organization_id AND l.id = a.lead_id AND l.deleted_at IS NULL
        WHERE a.organization_id = app_org_id() AND a.to_user_id IS NOT NULL AND ${inPeriod('a.assigned_at', p)}
      ), touch AS (
        -- a person's own touches: texts and emails they sent, calls they placed (a sequence's or campaign's are no one's)
        SELECT m.sender_user_id AS user_id, m.lead_id, m.sent_at AS at, 'message' AS kind FROM message m
        WHERE m.organization_id = app_org_id() AND m.direction = 'outbound' AND m.channel IN ('sms', 'email') AND m.sender_user_id IS NOT NULL
          AND m.lead_id IS NOT NULL AND ${inPeriod('m.sent_at', p)}
        UNION ALL
        SELECT v.user_id, v.lead_id, v.initiated_at, 'call' FROM voice_call v
        WHERE v.organization_id = app_org_id() AND v.direction = 'outbound' AND v.user_id IS NOT NULL AND v.lead_id IS NOT NULL AND ${inPeriod('v.initiated_at', p)}
      ), first_touch AS (
        SELECT a.user_id, a.lead_id, a.assigned_at, min(t.at) AS touched_at
        FROM asg a LEFT JOIN touch t ON t.user_id = a.user_id AND t.lead_id = a.lead_id AND t.at >= a.assigned_at
        GROUP BY a.user_id, a.lead_id, a.assigned_at
      ), per_assigned AS (
        SELECT user_id, count(DISTINCT lead_id)::int AS assigned, count(DISTINCT lead_id) FILTER (WHERE touched_at IS NOT NULL)::int AS contacted,
               round(percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM touched_at - assigned_at))::numeric)::bigint AS median_s
        FROM first_touch GROUP BY user_id
      ), won AS (
        -- a conversion is credited to whoever the lead was assigned to when it was won
        SELECT h.lead_id, (SELECT a.to_user_id FROM lead_assignment a WHERE a.organization_id = h.organization_id AND a.lead_id = h.lead_id
                           AND a.assigned_at <= h.changed_at ORDER BY a.assigned_at DESC, a.id DESC LIMIT 1) AS user_id
        FROM lead_status_history h JOIN lead l ON l.organization_id = h.organization_id AND l.id = h.lead_id AND l.deleted_at IS NULL
        WHERE h.organization_id = app_org_id() AND h.to_status = 'closed_won' AND ${inPeriod('h.changed_at', p)}
      ), per_won AS (
        SELECT user_id, count(DISTINCT lead_id)::int AS converted FROM won WHERE user_id IS NOT NULL GROUP BY user_id
      ), per_touch AS (
        SELECT user_id, count(*) FILTER (WHERE kind = 'message')::int AS messages_sent, count(*) FILTER (WHERE kind = 'call')::int AS calls
        FROM touch GROUP BY user_id
      )
      SELECT u.id AS user_id, u.email, u.full_name, u.role, coalesce(pa.assigned, 0) AS assigned, coalesce(pa.contacted, 0) AS contacted,
             coalesce(pw.converted, 0) AS converted, pa.median_s AS median_first_touch_seconds,
             coalesce(pt.messages_sent, 0) AS messages_sent, coalesce(pt.calls, 0) AS calls
      FROM app_user u
      LEFT JOIN per_assigned pa ON pa.user_id = u.id LEFT JOIN per_won pw ON pw.user_id = u.id LEFT JOIN per_touch pt ON pt.user_id = u.id
      WHERE u.organization_id = app_org_id()
        AND ((u.is_active AND u.role = 'agent') OR pa.user_id IS NOT NULL OR pw.user_id IS NOT NULL OR pt.user_id IS NOT NULL)
      ORDER BY coalesce(u.full_name, u.email), u.id`.execute(trx);
    return r.rows;
  },

  /** Campaigns with anything in the period: recipients added, and their messages' events. */
  async campaigns(p: Period, trx: Trx) {
    const r = await sql<CampaignRow>`
      WITH rcpt AS (
        SELECT campaign_id, count(*)::int AS recipients, count(*) FILTER (WHERE status = 'skipped')::int AS skipped
        FROM campaign_recipient WHERE organization_id = app_org_id() AND ${inPeriod('added_at', p)} GROUP BY campaign_id
      ), msg AS (
        SELECT m.campaign_id, ${outreachCounts(p)}, count(*) FILTER (WHERE ${optedOutAfter(p)})::int AS opted_out
        FROM message m WHERE m.organization_id = app_org_id() AND m.campaign_id IS NOT NULL AND m.direction = 'outbound' AND m.created_at < ${p.end}::timestamptz
        GROUP BY m.campaign_id
      )
      SELECT c.id AS campaign_id, c.name, c.channel, c.status, coalesce(r.recipients, 0) AS recipients, coalesce(r.skipped, 0) AS skipped,
             coalesce(m.sent, 0) AS sent, coalesce(m.delivered, 0) AS delivered, coalesce(m.failed, 0) AS failed, coalesce(m.opened, 0) AS opened,
             coalesce(m.clicked, 0) AS clicked, coalesce(m.replied, 0) AS replied, coalesce(m.opted_out, 0) AS opted_out, coalesce(m.cost_cents, 0) AS cost_cents
      FROM campaign c LEFT JOIN rcpt r ON r.campaign_id = c.id LEFT JOIN msg m ON m.campaign_id = c.id
      WHERE c.organization_id = app_org_id()
        AND (r.campaign_id IS NOT NULL OR m.sent + m.delivered + m.failed + m.opened + m.clicked + m.replied + m.opted_out > 0)
      ORDER BY lower(c.name), c.id`.execute(trx);
    return r.rows;
  },

  /** Sequences with anything in the period: enrollments made and ended, steps taken, their messages' events. */
  async sequences(p: Period, trx: Trx) {
    const r = await sql<SequenceRow>`
      WITH enr AS (
        SELECT sequence_id, count(*) FILTER (WHERE ${inPeriod('enrolled_at', p)})::int AS enrolled,
               count(*) FILTER (WHERE ${inPeriod('completed_at', p)})::int AS completed,
               count(*) FILTER (WHERE ${inPeriod('converted_at', p)})::int AS converted,
               count(*) FILTER (WHERE ${inPeriod('stopped_at', p)})::int AS stopped
        FROM sequence_enrollment WHERE organization_id = app_org_id() AND enrolled_at < ${p.end}::timestamptz GROUP BY sequence_id
      ), exe AS (
        SELECT sequence_id, count(*)::int AS executions FROM sequence_execution
        WHERE organization_id = app_org_id() AND ${inPeriod('started_at', p)} GROUP BY sequence_id
      ), msg AS (
        SELECT e.sequence_id, ${outreachCounts(p)}, count(DISTINCT e.id) FILTER (WHERE ${optedOutAfter(p)})::int AS opted_out
        FROM message m JOIN sequence_enrollment e ON e.organization_id = m.organization_id AND e.id = m.enrollment_id
        WHERE m.organization_id = app_org_id() AND m.enrollment_id IS NOT NULL AND m.direction = 'outbound' AND m.created_at < ${p.end}::timestamptz
        GROUP BY e.sequence_id
      )
      SELECT s.id AS sequence_id, s.name, s.status, coalesce(n.enrolled, 0) AS enrolled, coalesce(n.completed, 0) AS completed,
             coalesce(n.converted, 0) AS converted, coalesce(n.stopped, 0) AS stopped, coalesce(x.executions, 0) AS executions,
             coalesce(m.sent, 0) AS sent, coalesce(m.delivered, 0) AS delivered, coalesce(m.failed, 0) AS failed, coalesce(m.opened, 0) AS opened,
             coalesce(m.clicked, 0) AS clicked, coalesce(m.replied, 0) AS replied, coalesce(m.opted_out, 0) AS opted_out, coalesce(m.cost_cents, 0) AS cost_cents
      FROM sequence s LEFT JOIN enr n ON n.sequence_id = s.id LEFT JOIN exe x ON x.sequence_id = s.id LEFT JOIN msg m ON m.sequence_id = s.id
      WHERE s.organization_id = app_org_id()
        AND (n.enrolled + n.completed + n.stopped > 0 OR x.executions > 0 OR m.sent + m.delivered + m.failed + m.opened + m.clicked + m.replied + m.opted_out > 0)
      ORDER BY lower(s.name), s.id`.execute(trx);
    return r.rows;
  },

  /** Each node of these sequences, in the order the definition lists them, with its steps taken in the period by status. */
  async sequenceNodes(ids: string[], p: Period, trx: Trx) {
    if (ids.length === 0) return [];
    const r = await sql<NodeRow>`
      SELECT n.sequence_id, n.key AS node_key, n.type, count(x.id)::int AS executions,
             count(*) FILTER (WHERE x.status = 'succeeded')::int AS succeeded, count(*) FILTER (WHERE x.status = 'failed')::int AS failed,
             count(*) FILTER (WHERE x.status = 'skipped')::int AS skipped, count(*) FILTER (WHERE x.status = 'scheduled')::int AS scheduled
      FROM sequence_node n
      JOIN sequence s ON s.organization_id = n.organization_id AND s.id = n.sequence_id
      LEFT JOIN sequence_execution x ON x.organization_id = n.organization_id AND x.sequence_id = n.sequence_id AND x.node_key = n.key AND ${inPeriod('x.started_at', p)}
      WHERE n.organization_id = app_org_id() AND n.sequence_id = ANY (${ids}::uuid[])
      GROUP BY n.organization_id, n.sequence_id, n.key, n.type, s.organization_id, s.id
      ORDER BY n.sequence_id, (SELECT o.ord FROM jsonb_array_elements(CASE WHEN jsonb_typeof(s.definition -> 'nodes') = 'array' THEN s.definition -> 'nodes' ELSE '[]' END)
                               WITH ORDINALITY AS o(v, ord) WHERE o.v ->> 'key' = n.key LIMIT 1), n.key`.execute(trx);
    return r.rows;
  },
};
