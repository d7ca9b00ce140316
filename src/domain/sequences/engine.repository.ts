import { sql } from 'kysely';
import type { EnrollmentStatus, ExecutionStatus, SequenceNodeType } from '../../db/schema-sequences.ts';
import type { Trx } from '../../db/tenant.ts';
import type { Channel } from '../outreach/template.ts';

// The engine's statements: each takes a whole batch (arrays through unnest), so a batch of a
// thousand enrollments costs the same handful of statements as a batch of one.

export interface DueEnrollment {
  id: string;
  sequence_id: string;
  lead_id: string | null;
  current_node: string;
  step: number;
  enrolled_at: Date;
  lead_status: string | null;
  lead_score: number | null;
  lead_gone: boolean;
}

export interface SequenceDefinitionRow {
  id: string; purpose: 'marketing' | 'informational'; timezone: string; start: string; end: string; days: number[];
  key: string; type: SequenceNodeType; config: Record<string, unknown>; next: Record<string, string>; template_id: string | null;
  t_channel: Channel | null; t_subject: string | null; t_body: string | null; t_html: string | null;
}

export interface ExecutionInsert {
  enrollmentId: string; sequenceId: string; key: string; type: SequenceNodeType; step: number; status: ExecutionStatus;
  branch: string | null; messageId: string | null; detail: Record<string, unknown>; error: string | null;
}

export interface EnrollmentAdvance {
  id: string; node: string; step: number; status: EnrollmentStatus; nextRunAt: Date | null; converted: boolean;
  stopReason: string | null; error: string | null;
}

export const engineRepository = {
  /**
   * Claim due active enrollments of active sequences, oldest first: locked until the batch
   * commits, and skipped by any other worker meanwhile, so no two run the same step.
   */
  async claimDue(now: Date, limit: number, trx: Trx): Promise<DueEnrollment[]> {
    return (await sql<DueEnrollment>`
      WITH due AS (
        SELECT e.id FROM sequence_enrollment e
        WHERE e.organization_id = app_org_id() AND e.status = 'active' AND e.next_run_at <= ${now}
          AND EXISTS (SELECT 1 FROM sequence s WHERE s.organization_id = e.organization_id AND s.id = e.sequence_id AND s.status = 'active')
        ORDER BY e.next_run_at, e.id LIMIT ${limit}
        FOR UPDATE OF e SKIP LOCKED)
      SELECT e.id, e.sequence_id, e.lead_id, e.current_node, e.step, e.enrolled_at, l.status AS lead_status, l.lead_score,
             (l.id IS NULL OR l.deleted_at IS NOT NULL) AS lead_gone
      FROM due JOIN sequence_enrollment e ON e.organization_id = app_org_id() AND e.id = due.id
      LEFT JOIN lead l ON l.organization_id = e.organization_id AND l.id = e.lead_id`.execute(trx)).rows;
  },

  /** These sequences' settings and nodes, with each node's saved template as it is now. */
  async definitions(ids: string[], trx: Trx): Promise<SequenceDefinitionRow[]> {
    return (await sql<SequenceDefinitionRow>`
      SELECT s.id, s.purpose, s.timezone, to_char(s.working_hours_start, 'HH24:MI') AS start, to_char(s.working_hours_end, 'HH24:MI') AS end,
             s.working_days AS days, n.key, n.type, n.config, n.next, n.template_id,
             t.channel AS t_channel, t.subject AS t_subject, t.body AS t_body, t.html AS t_html
      FROM sequence s
      JOIN sequence_node n ON n.organization_id = s.organization_id AND n.sequence_id = s.id
      LEFT JOIN message_template t ON t.organization_id = n.organization_id AND t.id = n.template_id
      WHERE s.organization_id = app_org_id() AND s.id = ANY(${ids}::uuid[])`.execute(trx)).rows;
  },

  /**
   * What a CONDITION asks of each lead since its enrollment: the last reply (an inbound message,
   * or a reply recorded on one of ours), open and click.
   */
  async events(rows: { leadId: string; since: Date }[], trx: Trx) {
    if (!rows.length) return new Map<string, { replied: Date | null; opened: Date | null; clicked: Date | null }>();
    const r = await sql<{ lead_id: string; replied: Date | null; opened: Date | null; clicked: Date | null }>`
      SELECT x.lead_id, greatest(f.inbound_at, f.replied_at) AS replied, f.opened_at AS opened, f.clicked_at AS clicked
      FROM unnest(${rows.map((x) => x.leadId)}::uuid[], ${rows.map((x) => x.since)}::timestamptz[]) AS x(lead_id, since)
      CROSS JOIN LATERAL (
        SELECT max(m.created_at) FILTER (WHERE m.direction = 'inbound') AS inbound_at, max(m.replied_at) AS replied_at,
               max(m.opened_at) AS opened_at, max(m.clicked_at) AS clicked_at
        FROM message m WHERE m.organization_id = app_org_id() AND m.lead_id = x.lead_id AND m.created_at >= x.since) f`.execute(trx);
    return new Map(r.rows.map((x) => [x.lead_id, x]));
  },

  async insertExecutions(rows: ExecutionInsert[], now: Date, trx: Trx) {
    if (!rows.length) return;
    const c = <T>(f: (x: ExecutionInsert) => T) => rows.map(f);
    await sql`
      INSERT INTO sequence_execution (organization_id, enrollment_id, sequence_id, node_key, node_type, step, status, branch, message_id, detail, error, started_at, finished_at)
      SELECT app_org_id(), u.enrollment_id, u.sequence_id, u.key, u.type, u.step, u.status, u.branch, u.message_id, u.detail::jsonb, u.error,
             ${now}::timestamptz, CASE WHEN u.status <> 'scheduled' THEN ${now}::timestamptz END
      FROM unnest(${c((x) => x.enrollmentId)}::uuid[], ${c((x) => x.sequenceId)}::uuid[], ${c((x) => x.key)}::text[], ${c((x) => x.type)}::text[],
                  ${c((x) => x.step)}::int[], ${c((x) => x.status)}::text[], ${c((x) => x.branch)}::text[], ${c((x) => x.messageId)}::uuid[],
                  ${c((x) => JSON.stringify(x.detail))}::text[], ${c((x) => x.error)}::text[])
        AS u(enrollment_id, sequence_id, key, type, step, status, branch, message_id, detail, error)`.execute(trx);
  },

  /** Where each enrollment of the batch stands after its pass: one statement for the batch. */
  async advance(rows: EnrollmentAdvance[], now: Date, trx: Trx) {
    if (!rows.length) return;
    const c = <T>(f: (x: EnrollmentAdvance) => T) => rows.map(f);
    await sql`
      UPDATE sequence_enrollment e SET current_node = u.node, step = u.step, status = u.status, next_run_at = u.next_run_at, last_run_at = ${now}::timestamptz,
        completed_at = CASE WHEN u.status = 'completed' THEN ${now}::timestamptz END,
        converted_at = CASE WHEN u.converted THEN ${now}::timestamptz END,
        stopped_at = CASE WHEN u.status = 'stopped' THEN ${now}::timestamptz END,
        stop_reason = u.stop_reason, last_error = u.error
      FROM unnest(${c((x) => x.id)}::uuid[], ${c((x) => x.node)}::text[], ${c((x) => x.step)}::int[], ${c((x) => x.status)}::text[],
                  ${c((x) => x.nextRunAt)}::timestamptz[], ${c((x) => x.converted)}::boolean[], ${c((x) => x.stopReason)}::text[], ${c((x) => x.error)}::text[])
        AS u(id, node, step, status, next_run_at, converted, stop_reason, error)
      WHERE e.organization_id = app_org_id() AND e.id = u.id`.execute(trx);
  },

  /**
   * RESEARCH steps still waiting for their run: those of these enrollments (the batch just
   * committed), or ones a stopped process left (`staleBefore`). Claimed by moving their start
   * time on, so two workers do not both start them.
   */
  async claimResearch(opts: { enrollmentIds?: string[]; staleBefore?: Date; now: Date }, trx: Trx) {
    return (await sql<{ id: string; lead_id: string }>`
      UPDATE sequence_execution x SET started_at = ${opts.now}::timestamptz
      FROM sequence_enrollment e
      WHERE x.organization_id = app_org_id() AND x.node_type = 'RESEARCH' AND x.status = 'scheduled'
        ${opts.enrollmentIds ? sql`AND x.enrollment_id = ANY(${opts.enrollmentIds}::uuid[])` : sql`AND x.started_at < ${opts.staleBefore!}::timestamptz`}
        AND e.organization_id = x.organization_id AND e.id = x.enrollment_id AND e.lead_id IS NOT NULL
      RETURNING x.id, e.lead_id`.execute(trx)).rows;
  },

  async settleResearch(ids: string[], outcome: { runId: string } | { error: string }, now: Date, trx: Trx) {
    if (!ids.length) return;
    const ok = 'runId' in outcome;
    await sql`
      UPDATE sequence_execution SET status = ${ok ? 'succeeded' : 'failed'}, finished_at = ${now}::timestamptz,
        enrichment_run_id = ${ok ? outcome.runId : null}::uuid, error = ${ok ? null : outcome.error}
      WHERE organization_id = app_org_id() AND id = ANY(${ids}::uuid[]) AND status = 'scheduled'`.execute(trx);
  },

  /** The gate's verdicts on sequence messages: their steps settled, and enrollments stopped by an opt-out. */
  async gated(rows: { enrollmentId: string; messageId: string; decision: 'allow' | 'deny' | 'defer'; reason: string | null; error: string | null }[],
    stopFor: readonly string[], now: Date, trx: Trx) {
    const c = <T>(f: (x: (typeof rows)[number]) => T) => rows.map(f);
    await sql`
      UPDATE sequence_execution x SET
        status = CASE WHEN u.error IS NOT NULL OR u.decision = 'deny' THEN 'failed' WHEN u.decision = 'allow' THEN 'succeeded' ELSE x.status END,
        finished_at = CASE WHEN u.decision = 'defer' AND u.error IS NULL THEN x.finished_at ELSE ${now}::timestamptz END,
        error = coalesce(u.error, CASE WHEN u.decision = 'deny' THEN u.reason END),
        detail = CASE WHEN u.decision = 'defer' THEN x.detail || jsonb_build_object('deferred', u.reason) ELSE x.detail END
      FROM unnest(${c((x) => x.enrollmentId)}::uuid[], ${c((x) => x.messageId)}::uuid[], ${c((x) => x.decision)}::text[],
                  ${c((x) => x.reason)}::text[], ${c((x) => x.error)}::text[]) AS u(enrollment_id, message_id, decision, reason, error)
      WHERE x.organization_id = app_org_id() AND x.enrollment_id = u.enrollment_id AND x.message_id = u.message_id AND x.status = 'scheduled'`.execute(trx);
    const stops = rows.filter((r) => r.decision === 'deny' && r.reason && stopFor.includes(r.reason));
    if (stops.length) await engineRepository.stop(stops.map((s) => s.enrollmentId), stops.map((s) => s.reason!), now, trx);
  },

  /** Stop these enrollments (each with its reason) if they are still running. */
  async stop(ids: string[], reasons: string[], now: Date, trx: Trx): Promise<number> {
    const r = await sql`
      UPDATE sequence_enrollment e SET status = 'stopped', stopped_at = ${now}::timestamptz, stop_reason = u.reason
      FROM (SELECT DISTINCT ON (id) id, reason FROM unnest(${ids}::uuid[], ${reasons}::text[]) AS v(id, reason) ORDER BY id) u
      WHERE e.organization_id = app_org_id() AND e.id = u.id AND e.status IN ('active', 'paused')`.execute(trx);
    return Number(r.numAffectedRows ?? 0);
  },

  /** A lead replied: its running enrollments stop (the inbound webhook calls this). */
  async stopForLeads(leadIds: string[], reason: string, trx: Trx): Promise<number> {
    if (!leadIds.length) return 0;
    const r = await sql`
      UPDATE sequence_enrollment SET status = 'stopped', stopped_at = now(), stop_reason = ${reason}
      WHERE organization_id = app_org_id() AND lead_id = ANY(${leadIds}::uuid[]) AND status IN ('active', 'paused')`.execute(trx);
    return Number(r.numAffectedRows ?? 0);
  },

  /** Organizations with work for the tick: due enrollments, due messages, or messages stranded in "sending". */
  async organizationsWithWork(now: Date, strandedBefore: Date, trx: Trx) {
    return (await sql<{ id: string; enrollments: boolean; messages: boolean; stranded: boolean }>`
      SELECT o.id,
        EXISTS (SELECT 1 FROM sequence_enrollment e WHERE e.organization_id = o.id AND e.status = 'active' AND e.next_run_at <= ${now}) AS enrollments,
        EXISTS (SELECT 1 FROM message m WHERE m.organization_id = o.id AND m.status = 'pending' AND m.scheduled_for <= ${now}) AS messages,
        EXISTS (SELECT 1 FROM message m WHERE m.organization_id = o.id AND m.status = 'sending' AND m.handed_at <= ${strandedBefore}) AS stranded
      FROM organization o`.execute(trx)).rows.filter((r) => r.enrollments || r.messages || r.stranded);
  },
};
