import { sql, type Expression, type SqlBool } from 'kysely';
import { isUuid } from '../../app/validate.ts';
import type { Trx } from '../../db/tenant.ts';
import type { CampaignStatus, RecipientStatus } from '../../db/schema-campaigns.ts';
import { filterConditions } from '../leads/leads.repository.ts';
import { SELECTABLE_LEADS } from '../segments/segments.repository.ts';

// Campaigns and their recipients. The launch's snapshot is one statement: the segment's leads
// in, each with its throttled slot or the reason it is skipped, and the leads marked as in a
// campaign. A recipient's later status follows its message by trigger (0015_campaigns.sql).

const COLUMNS = [
  'c.id', 'c.name', 'c.description', 'c.channel', 'c.template_id', 'c.segment_id', 'c.purpose', 'c.status', 'c.scheduled_for',
  'c.throttle_per_minute', 'c.recipients', 'c.created_by', 'c.created_at', 'c.updated_at', 'c.launched_at', 'c.started_at', 'c.paused_at',
  'c.completed_at', 'c.cancelled_at',
] as const;

/** Held: a paused campaign's pending messages are not due until it resumes and spreads them again. */
const HELD = sql`'infinity'::timestamptz`;

export interface SnapshotRow { lead_id: string; skip_reason: string | null; scheduled_for: Date | null }

export const campaignsRepository = {
  insert(organizationId: string, c: {
    name: string; description: string | null; channel: 'sms' | 'email'; template_id: string; segment_id: string;
    purpose: 'marketing' | 'informational'; throttle_per_minute: number | null; created_by: string | null;
  }, trx: Trx) {
    return trx.insertInto('campaign').values({ organization_id: organizationId, ...c }).returning('id').executeTakeFirstOrThrow();
  },

  list(status: CampaignStatus | undefined, trx: Trx) {
    let q = trx.selectFrom('campaign as c')
      .leftJoin('message_template as t', (j) => j.onRef('t.organization_id', '=', 'c.organization_id').onRef('t.id', '=', 'c.template_id'))
      .leftJoin('segment as s', (j) => j.onRef('s.organization_id', '=', 'c.organization_id').onRef('s.id', '=', 'c.segment_id'))
      .select(COLUMNS).select(['t.name as template_name', 's.name as segment_name']);
    if (status) q = q.where('c.status', '=', status);
    return q.orderBy('c.created_at', 'desc').orderBy('c.id', 'desc').execute();
  },

  /** By id, or by name whatever its case; `lock` holds the row until the transaction ends (launches take turns). */
  find(ref: string, trx: Trx, opts: { lock?: boolean } = {}) {
    let q = trx.selectFrom('campaign as c')
      .leftJoin('message_template as t', (j) => j.onRef('t.organization_id', '=', 'c.organization_id').onRef('t.id', '=', 'c.template_id'))
      .leftJoin('segment as s', (j) => j.onRef('s.organization_id', '=', 'c.organization_id').onRef('s.id', '=', 'c.segment_id'))
      .select(COLUMNS).select(['t.name as template_name', 's.name as segment_name'])
      .where((eb) => (isUuid(ref) ? eb.or([eb('c.id', '=', ref), eb(sql`lower(c.name)`, '=', ref.toLowerCase())]) : eb(sql`lower(c.name)`, '=', ref.toLowerCase())))
      .orderBy(sql`(c.id::text = ${ref.toLowerCase()})`, 'desc').limit(1);
    if (opts.lock) q = q.forUpdate('c');
    return q.executeTakeFirst();
  },

  update(id: string, patch: {
    status?: CampaignStatus; scheduled_for?: Date | null; recipients?: number; launched_at?: Date; started_at?: Date | null;
    paused_at?: Date | null; completed_at?: Date; cancelled_at?: Date;
  }, trx: Trx) {
    return trx.updateTable('campaign').set(patch).where('id', '=', id).execute();
  },

  /**
   * The segment's live leads into the campaign, in one statement: queued ones get slots from
   * `start`, `perMinute` a minute (best lead score first; all at `start` without a throttle),
   * skipped ones their reason; the queued leads are marked as in a campaign. A lead already a
   * recipient is left as it is, so a second run adds nothing.
   */
  async snapshot(campaignId: string, where: Expression<SqlBool>[], opts: { channel: 'sms' | 'email'; start: Date; perMinute: number | null; noContact: string }, trx: Trx) {
    const kind = opts.channel === 'email' ? 'email' : 'phone';
    return (await sql<SnapshotRow>`
      WITH selected AS MATERIALIZED (
        SELECT l.id AS lead_id, l.lead_score, l.person_id, l.status
        FROM ${SELECTABLE_LEADS}
        WHERE ${sql.join([...filterConditions({}), ...where], sql` AND `)}),
      -- as a join, not a test per lead: the planner hashes it whatever it guesses of the sizes
      reachable AS MATERIALIZED (
        SELECT DISTINCT cp.person_id FROM contact_point cp JOIN selected s ON s.person_id = cp.person_id
        WHERE cp.organization_id = app_org_id() AND cp.kind = ${kind}
          -- a text needs a phone that is not a known landline
          AND (${kind} = 'email' OR cp.type IS DISTINCT FROM 'landline')),
      picked AS MATERIALIZED (
        SELECT s.lead_id, s.lead_score,
          CASE WHEN s.person_id IS NULL THEN 'no owner on record'
               WHEN s.status IN ('dnc', 'do_not_contact') THEN 'do not contact (lead status ' || s.status || ')'
               WHEN r.person_id IS NULL THEN ${opts.noContact}
               -- an owner of several properties hears once per campaign, through their best lead
               WHEN row_number() OVER (PARTITION BY s.person_id ORDER BY s.lead_score DESC NULLS LAST, s.lead_id) > 1
                 THEN 'the owner gets this campaign through another of their leads'
          END AS skip_reason
        FROM selected s LEFT JOIN reachable r ON r.person_id = s.person_id),
      ranked AS (
        SELECT lead_id, skip_reason,
          CASE WHEN skip_reason IS NULL THEN ${opts.start}::timestamptz + coalesce(
            (row_number() OVER (PARTITION BY skip_reason IS NULL ORDER BY lead_score DESC NULLS LAST, lead_id) - 1) / ${opts.perMinute}::int, 0) * interval '1 minute'
          END AS scheduled_for
        FROM picked),
      ins AS (
        INSERT INTO campaign_recipient (organization_id, campaign_id, lead_id, status, skip_reason, scheduled_for)
        SELECT app_org_id(), ${campaignId}::uuid, lead_id, CASE WHEN skip_reason IS NULL THEN 'queued' ELSE 'skipped' END, skip_reason, scheduled_for
        FROM ranked
        ON CONFLICT DO NOTHING
        RETURNING lead_id, skip_reason, scheduled_for),
      entered AS (
        UPDATE lead l SET added_to_campaign_at = now()
        FROM ins WHERE ins.skip_reason IS NULL AND l.organization_id = app_org_id() AND l.id = ins.lead_id AND l.added_to_campaign_at IS NULL
        RETURNING l.id)
      SELECT lead_id, skip_reason, scheduled_for FROM ins ORDER BY scheduled_for NULLS LAST, lead_id`.execute(trx)).rows;
  },

  /** Recipients whose message was written: the message ids, one statement. */
  async attachMessages(campaignId: string, rows: { leadId: string; messageId: string }[], trx: Trx) {
    if (!rows.length) return;
    await sql`
      UPDATE campaign_recipient r SET message_id = u.message_id
      FROM unnest(${rows.map((x) => x.leadId)}::uuid[], ${rows.map((x) => x.messageId)}::uuid[]) AS u(lead_id, message_id)
      WHERE r.organization_id = app_org_id() AND r.campaign_id = ${campaignId}::uuid AND r.lead_id = u.lead_id`.execute(trx);
  },

  /** Recipients found unable to receive it when their message was composed. */
  async skip(campaignId: string, rows: { leadId: string; reason: string }[], trx: Trx) {
    if (!rows.length) return;
    await sql`
      UPDATE campaign_recipient r SET status = 'skipped', skip_reason = u.reason, scheduled_for = NULL
      FROM unnest(${rows.map((x) => x.leadId)}::uuid[], ${rows.map((x) => x.reason)}::text[]) AS u(lead_id, reason)
      WHERE r.organization_id = app_org_id() AND r.campaign_id = ${campaignId}::uuid AND r.lead_id = u.lead_id AND r.status = 'queued'`.execute(trx);
  },

  /** The pending messages of a campaign due by `at`: the first slots of a launch, sent at once. */
  /** The first due messages of a launch or resume (at most 500), sent at once. */
  async dueMessageIds(campaignId: string, at: Date, trx: Trx): Promise<string[]> {
    return (await sql<{ id: string }>`
      SELECT id FROM message WHERE organization_id = app_org_id() AND campaign_id = ${campaignId}::uuid AND status = 'pending' AND scheduled_for <= ${at}
      -- what the request itself sends; the rest goes with the minute's worker, not while a person waits
      ORDER BY scheduled_for, id LIMIT 500`.execute(trx)).rows.map((r) => r.id);
  },

  /** Pause: the campaign's pending messages wait with no time set. */
  async holdMessages(campaignId: string, trx: Trx) {
    await sql`UPDATE message SET scheduled_for = ${HELD}
      WHERE organization_id = app_org_id() AND campaign_id = ${campaignId}::uuid AND status = 'pending'`.execute(trx);
  },

  /** The queued recipients with a message, in the order of their slots. */
  async queuedInOrder(campaignId: string, trx: Trx) {
    return (await sql<{ lead_id: string; message_id: string }>`
      SELECT lead_id, message_id FROM campaign_recipient
      WHERE organization_id = app_org_id() AND campaign_id = ${campaignId}::uuid AND status = 'queued' AND message_id IS NOT NULL
      ORDER BY scheduled_for NULLS LAST, lead_id`.execute(trx)).rows;
  },

  /**
   * New slots for recipients and their pending messages, by id lists: a join against the
   * recipients in SQL was planned on statistics that a launch had just made stale (PGlite has
   * no autovacuum) and turned into a nested loop over both tables.
   */
  async reslot(campaignId: string, slots: { leadId: string; messageId: string; at: Date }[], trx: Trx) {
    if (!slots.length) return;
    const ats = slots.map((x) => x.at);
    await sql`
      UPDATE campaign_recipient r SET scheduled_for = u.at
      FROM unnest(${slots.map((x) => x.leadId)}::uuid[], ${ats}::timestamptz[]) AS u(lead_id, at)
      WHERE r.organization_id = app_org_id() AND r.campaign_id = ${campaignId}::uuid AND r.lead_id = u.lead_id`.execute(trx);
    await sql`
      UPDATE message m SET scheduled_for = u.at
      FROM unnest(${slots.map((x) => x.messageId)}::uuid[], ${ats}::timestamptz[]) AS u(id, at)
      WHERE m.organization_id = app_org_id() AND m.id = u.id AND m.status = 'pending'`.execute(trx);
  },

  /** Cancel: every message still pending ends cancelled (their recipients follow by trigger). */
  async cancelMessages(campaignId: string, trx: Trx) {
    await sql`UPDATE message SET status = 'cancelled', reason = 'CAMPAIGN_CANCELLED'
      WHERE organization_id = app_org_id() AND campaign_id = ${campaignId}::uuid AND status = 'pending'`.execute(trx);
  },

  async queuedCount(campaignId: string, trx: Trx): Promise<number> {
    return (await sql<{ n: number }>`SELECT count(*)::int AS n FROM campaign_recipient
      WHERE organization_id = app_org_id() AND campaign_id = ${campaignId}::uuid AND status = 'queued'`.execute(trx)).rows[0]!.n;
  },

  async recipientCounts(campaignId: string, trx: Trx): Promise<Partial<Record<RecipientStatus, number>>> {
    const rows = (await sql<{ status: RecipientStatus; n: number }>`SELECT status, count(*)::int AS n FROM campaign_recipient
      WHERE organization_id = app_org_id() AND campaign_id = ${campaignId}::uuid GROUP BY status`.execute(trx)).rows;
    return Object.fromEntries(rows.map((r) => [r.status, r.n]));
  },

  /** What its messages did, from the message rows (a provider's webhooks set the times). */
  async engagement(campaignId: string, trx: Trx) {
    return (await sql<{ messages: number; sent: number; delivered: number; opened: number; clicked: number; replied: number; failed: number; cost_cents: string }>`
      SELECT count(*)::int AS messages,
             count(*) FILTER (WHERE sent_at IS NOT NULL)::int AS sent,
             count(*) FILTER (WHERE delivered_at IS NOT NULL OR status = 'delivered')::int AS delivered,
             count(*) FILTER (WHERE opened_at IS NOT NULL)::int AS opened,
             count(*) FILTER (WHERE clicked_at IS NOT NULL)::int AS clicked,
             count(*) FILTER (WHERE replied_at IS NOT NULL)::int AS replied,
             count(*) FILTER (WHERE status = 'failed')::int AS failed,
             coalesce(sum(cost_cents), 0)::text AS cost_cents
      FROM message WHERE organization_id = app_org_id() AND campaign_id = ${campaignId}::uuid`.execute(trx)).rows[0]!;
  },

  /** Recipients by lead id, with their message's progress and the owner's name. */
  recipients(campaignId: string, filter: { status?: RecipientStatus }, pageOpts: { limit: number; afterLeadId?: string }, trx: Trx) {
    let q = trx.selectFrom('campaign_recipient as r')
      .leftJoin('message as m', (j) => j.onRef('m.organization_id', '=', 'r.organization_id').onRef('m.id', '=', 'r.message_id'))
      .leftJoin('lead as l', (j) => j.onRef('l.organization_id', '=', 'r.organization_id').onRef('l.id', '=', 'r.lead_id'))
      .leftJoin('person as pe', (j) => j.onRef('pe.organization_id', '=', 'l.organization_id').onRef('pe.id', '=', 'l.person_id'))
      .select([
        'r.lead_id', 'r.status', 'r.skip_reason', 'r.message_id', 'r.scheduled_for', 'r.added_at', 'm.peer_display as to', 'm.status as message_status',
        'm.reason as message_reason', 'm.sent_at', 'm.delivered_at', 'm.opened_at', 'm.clicked_at', 'm.replied_at',
        sql<string | null>`coalesce(pe.full_name, nullif(concat_ws(' ', pe.first_name, pe.last_name), ''), pe.company_name)`.as('owner_name'),
      ])
      .where('r.campaign_id', '=', campaignId);
    if (filter.status) q = q.where('r.status', '=', filter.status);
    if (pageOpts.afterLeadId) q = q.where('r.lead_id', '>', pageOpts.afterLeadId);
    return q.orderBy('r.lead_id').limit(pageOpts.limit + 1).execute();
  },
};

export type CampaignRow = NonNullable<Awaited<ReturnType<typeof campaignsRepository.find>>>;
