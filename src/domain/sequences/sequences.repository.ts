import { sql, type Expression, type SqlBool } from 'kysely';
import type { EnrollmentStatus, SequenceNodeType } from '../../db/schema-sequences.ts';
import type { Trx } from '../../db/tenant.ts';
import { isUuid } from '../../app/validate.ts';
import { SELECTABLE_LEADS } from '../segments/segments.repository.ts';
import type { Channel } from '../outreach/template.ts';

// Sequences as their owners see them: written once with their nodes, listed and shown with the
// metrics views, paused and archived; enrollments made set-based (a whole segment in one
// INSERT ... SELECT, once per lead by the unique key), listed, paused, resumed and stopped; and
// an enrollment's path, its executions in order.

const SEQUENCE_COLUMNS = sql`s.id, s.name, s.description, s.kind, s.status, s.purpose, s.timezone,
  to_char(s.working_hours_start, 'HH24:MI') AS working_hours_start,
  to_char(s.working_hours_end, 'HH24:MI') AS working_hours_end,
  s.working_days, s.start_node, s.created_by, s.created_at, s.updated_at`;
const METRIC_COLUMNS = sql`m.enrolled, m.active, m.paused, m.completed, m.converted, m.stopped, m.failed, m.conversion_rate`;

export type SequenceRow = {
  id: string; name: string; description: string | null; kind: 'graph' | 'nurture'; status: 'active' | 'paused' | 'archived';
  purpose: 'marketing' | 'informational'; timezone: string; working_hours_start: string; working_hours_end: string; working_days: number[];
  start_node: string; created_by: string | null; created_at: Date; updated_at: Date;
};
export type SequenceMetrics = { enrolled: number; active: number; paused: number; completed: number; converted: number; stopped: number; failed: number; conversion_rate: number };
export type NodeRow = { key: string; type: SequenceNodeType; label: string | null; config: Record<string, unknown>; template_id: string | null; next: Record<string, string> };

const ENROLLMENT_COLUMNS = sql`e.id, e.sequence_id, e.lead_id, e.status, e.current_node, e.next_run_at, e.step, e.enrolled_by, e.enrolled_at,
  e.last_run_at, e.completed_at, e.converted_at, e.stopped_at, e.stop_reason, e.last_error`;
export type EnrollmentRow = {
  id: string; sequence_id: string; lead_id: string | null; status: EnrollmentStatus; current_node: string; next_run_at: Date | null; step: number;
  enrolled_by: string | null; enrolled_at: Date; last_run_at: Date | null; completed_at: Date | null; converted_at: Date | null;
  stopped_at: Date | null; stop_reason: string | null; last_error: string | null;
};

/** Leads the engine may not touch: enrolling them would only be stopped at the first step. */
const UNREACHABLE = sql<SqlBool>`l.status IN ('do_not_contact', 'dnc')`;

export const sequencesRepository = {
  /** The organization's saved templates by name (a node names one). */
  async templatesByName(trx: Trx): Promise<Map<string, { id: string; channel: Channel }>> {
    const rows = await trx.selectFrom('message_template').select(['id', 'name', 'channel']).execute();
    return new Map(rows.map((r) => [r.name, { id: r.id, channel: r.channel }]));
  },

  async insert(s: {
    name: string; description: string | null; kind: 'graph' | 'nurture'; purpose: string; timezone: string; working_hours_start: string;
    working_hours_end: string; working_days: number[]; start_node: string; definition: unknown; created_by: string | null;
  }, nodes: NodeRow[], trx: Trx): Promise<string> {
    const { id } = await trx.insertInto('sequence').values({
      organization_id: sql`app_org_id()` as never, ...s, purpose: s.purpose as never, definition: JSON.stringify(s.definition),
    }).returning('id').executeTakeFirstOrThrow();
    await trx.insertInto('sequence_node').values(nodes.map((n) => ({
      organization_id: sql`app_org_id()` as never, sequence_id: id, key: n.key, type: n.type, label: n.label,
      config: JSON.stringify(n.config), template_id: n.template_id, next: JSON.stringify(n.next),
    }))).execute();
    return id;
  },

  async list(trx: Trx): Promise<(SequenceRow & SequenceMetrics)[]> {
    return (await sql<SequenceRow & SequenceMetrics>`
      SELECT ${SEQUENCE_COLUMNS}, ${METRIC_COLUMNS}
      FROM sequence s JOIN sequence_metrics m ON m.organization_id = s.organization_id AND m.sequence_id = s.id
      WHERE s.organization_id = app_org_id() ORDER BY s.created_at DESC, s.id`.execute(trx)).rows;
  },

  /** By id or by name (whatever its case). */
  async find(ref: string, trx: Trx): Promise<(SequenceRow & { definition: unknown }) | undefined> {
    return (await sql<SequenceRow & { definition: unknown }>`
      SELECT ${SEQUENCE_COLUMNS}, s.definition FROM sequence s
      WHERE s.organization_id = app_org_id() AND ${isUuid(ref) ? sql`s.id = ${ref}::uuid` : sql`lower(s.name) = lower(${ref})`}`.execute(trx)).rows[0];
  },

  async metrics(id: string, trx: Trx): Promise<SequenceMetrics> {
    return (await sql<SequenceMetrics>`SELECT ${METRIC_COLUMNS} FROM sequence_metrics m WHERE m.organization_id = app_org_id() AND m.sequence_id = ${id}::uuid`
      .execute(trx)).rows[0]!;
  },

  /** Each node with its executions by status and the enrollments waiting at it, in the order written. */
  async nodes(id: string, trx: Trx) {
    return (await sql<NodeRow & { executions: number; succeeded: number; failed: number; skipped: number; scheduled: number; waiting: number }>`
      SELECT n.key, n.type, n.label, n.config, n.template_id, n.next,
             m.executions, m.succeeded, m.failed, m.skipped, m.scheduled, m.waiting
      FROM sequence_node n JOIN sequence_node_metrics m ON m.organization_id = n.organization_id AND m.sequence_id = n.sequence_id AND m.node_key = n.key
      WHERE n.organization_id = app_org_id() AND n.sequence_id = ${id}::uuid
      ORDER BY (n.type = 'START') DESC, (n.type = 'END'), n.key`.execute(trx)).rows;
  },

  async lock(id: string, trx: Trx) {
    await sql`SELECT 1 FROM sequence WHERE id = ${id}::uuid FOR UPDATE`.execute(trx);
  },

  async update(id: string, set: { name?: string; description?: string | null; timezone?: string; working_hours_start?: string; working_hours_end?: string; working_days?: number[] }, trx: Trx) {
    await trx.updateTable('sequence').set(set).where('id', '=', id).execute();
  },

  async setStatus(id: string, status: 'active' | 'paused' | 'archived', trx: Trx) {
    await trx.updateTable('sequence').set({ status }).where('id', '=', id).execute();
  },

  /**
   * Enroll the selected leads (one, or a segment's) at the START node, due at `at`: one
   * statement, once per lead (enrolling again changes nothing). Leads marked do-not-contact
   * are counted, not enrolled.
   */
  async enroll(seq: { id: string; start: string }, where: Expression<SqlBool>[], at: Date, trx: Trx) {
    const r = await sql<{ matched: number; unreachable: number; enrolled: number }>`
      WITH picked AS (
        SELECT l.id, ${UNREACHABLE} AS unreachable FROM ${SELECTABLE_LEADS} WHERE ${sql.join(where, sql` AND `)}
      ), made AS (
        INSERT INTO sequence_enrollment (organization_id, sequence_id, lead_id, current_node, next_run_at, enrolled_by, enrolled_at)
        SELECT app_org_id(), ${seq.id}::uuid, p.id, ${seq.start}, ${at}::timestamptz, app_user_id(), ${at}::timestamptz
        FROM picked p WHERE NOT p.unreachable
        ON CONFLICT (organization_id, sequence_id, lead_id) DO NOTHING
        RETURNING 1)
      SELECT (SELECT count(*)::int FROM picked) AS matched, (SELECT count(*)::int FROM picked WHERE unreachable) AS unreachable,
             (SELECT count(*)::int FROM made) AS enrolled`.execute(trx);
    return r.rows[0]!;
  },

  async findEnrollment(id: string, trx: Trx): Promise<EnrollmentRow | undefined> {
    if (!isUuid(id)) return undefined;
    return (await sql<EnrollmentRow>`SELECT ${ENROLLMENT_COLUMNS} FROM sequence_enrollment e WHERE e.organization_id = app_org_id() AND e.id = ${id}::uuid`
      .execute(trx)).rows[0];
  },

  async findEnrollmentOf(sequenceId: string, leadId: string, trx: Trx): Promise<EnrollmentRow | undefined> {
    return (await sql<EnrollmentRow>`SELECT ${ENROLLMENT_COLUMNS} FROM sequence_enrollment e
      WHERE e.organization_id = app_org_id() AND e.sequence_id = ${sequenceId}::uuid AND e.lead_id = ${leadId}::uuid`.execute(trx)).rows[0];
  },

  async enrollments(sequenceId: string, opts: { status?: EnrollmentStatus; limit: number }, trx: Trx) {
    return (await sql<EnrollmentRow & { lead_name: string | null }>`
      SELECT ${ENROLLMENT_COLUMNS}, pe.full_name AS lead_name
      FROM sequence_enrollment e
      LEFT JOIN lead l ON l.organization_id = e.organization_id AND l.id = e.lead_id
      LEFT JOIN person pe ON pe.organization_id = l.organization_id AND pe.id = l.person_id
      WHERE e.organization_id = app_org_id() AND e.sequence_id = ${sequenceId}::uuid ${opts.status ? sql`AND e.status = ${opts.status}` : sql``}
      ORDER BY e.enrolled_at DESC, e.id LIMIT ${opts.limit}`.execute(trx)).rows;
  },

  /**
   * Move enrollments from one of `from` to `to` (pause, resume, stop): the ones whose lead the
   * actor can see (an agent, only their own leads' enrollments). Returns the rows changed.
   */
  async moveEnrollments(where: { ids?: string[]; sequenceId?: string }, from: EnrollmentStatus[], to: {
    status: EnrollmentStatus; reason?: string; at: Date;
  }, trx: Trx): Promise<EnrollmentRow[]> {
    return (await sql<EnrollmentRow>`
      UPDATE sequence_enrollment e SET status = ${to.status},
        stopped_at = CASE WHEN ${to.status} = 'stopped' THEN ${to.at}::timestamptz END,
        stop_reason = CASE WHEN ${to.status} = 'stopped' THEN ${to.reason ?? 'MANUAL'}::text END,
        -- resumed: due now if its time passed while it was held (a failed one takes its step again)
        next_run_at = CASE WHEN ${to.status} = 'active' THEN greatest(coalesce(e.next_run_at, ${to.at}::timestamptz), ${to.at}::timestamptz) ELSE e.next_run_at END,
        last_error = CASE WHEN ${to.status} = 'active' THEN NULL ELSE e.last_error END
      WHERE e.organization_id = app_org_id() AND e.status = ANY(${from}::text[])
        ${where.ids ? sql`AND e.id = ANY(${where.ids}::uuid[])` : sql``}
        ${where.sequenceId ? sql`AND e.sequence_id = ${where.sequenceId}::uuid` : sql``}
        AND (e.lead_id IS NULL OR EXISTS (SELECT 1 FROM lead l WHERE l.organization_id = e.organization_id AND l.id = e.lead_id))
      RETURNING ${ENROLLMENT_COLUMNS}`.execute(trx)).rows;
  },

  /** The steps an enrollment took, in order, with the message each sent and where it stands. */
  async path(enrollmentId: string, trx: Trx) {
    return (await sql<{
      step: number; node_key: string; node_type: SequenceNodeType; status: string; branch: string | null; detail: Record<string, unknown>;
      error: string | null; message_id: string | null; message_status: string | null; message_reason: string | null; enrichment_run_id: string | null;
      started_at: Date; finished_at: Date | null;
    }>`
      SELECT x.step, x.node_key, x.node_type, x.status, x.branch, x.detail, x.error, x.message_id, m.status AS message_status,
             m.reason AS message_reason, x.enrichment_run_id, x.started_at, x.finished_at
      FROM sequence_execution x
      LEFT JOIN message m ON m.organization_id = x.organization_id AND m.id = x.message_id
      WHERE x.organization_id = app_org_id() AND x.enrollment_id = ${enrollmentId}::uuid
      ORDER BY x.step`.execute(trx)).rows;
  },
};
