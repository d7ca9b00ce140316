import { sql, type Expression, type RawBuilder, type SqlBool } from 'kysely';
import type { AssignmentStrategy } from '../../db/schema-assignment.ts';
import type { Trx } from '../../db/tenant.ts';
import { SELECTABLE_LEADS } from '../segments/segments.repository.ts';

// Assignment in bulk: one statement plans a run (ranks the selected leads, best score first,
// and picks an owner for each); the plan is applied by id, 10,000 leads a statement, and the
// round-robin cursor moved. The lead_assignment rows are written by the database's trigger.
// The plan comes back as ids rather than feeding the update in the same statement: inside one
// statement the planner cannot know how many leads a CTE holds, guessed few, and joined the
// leads to the plan by nested loop (5,000 leads took 6 s); ids as a parameter keep the update
// on the primary key, as the scorers' chunks do.

/** Statuses of leads nobody works any more: they count toward no agent's load. */
export const CLOSED_STATUSES = ['closed_won', 'closed_lost', 'dnc', 'do_not_contact'] as const;
const OPEN_EXCLUDED = sql`${sql.val([...CLOSED_STATUSES])}::text[]`;
const CHUNK = 10_000;

export interface RunSelection {
  where: Expression<SqlBool>[];
  unassignedOnly: boolean;
  limit: number | null;
}

/** Active agents numbered 0..k-1 by id: the order round robin deals in. */
const AGENTS = sql`SELECT u.id, (row_number() OVER (ORDER BY u.id) - 1)::int AS i, (count(*) OVER ())::int AS k
  FROM app_user u WHERE u.role = 'agent' AND u.is_active`;

/** The selected leads ranked best first (n from 1), with the parcel fields territories match on. */
function picked(sel: RunSelection) {
  const where = [...sel.where];
  if (sel.unassignedOnly) where.push(sql<SqlBool>`l.assignee_id IS NULL`);
  return sql`SELECT l.id, l.assignee_id, l.status, p.zip, p.city, p.state, row_number() OVER (ORDER BY coalesce(l.lead_score, -1) DESC, l.id) AS n
    FROM ${SELECTABLE_LEADS}
    WHERE ${sql.join(where, sql` AND `)}
    ORDER BY coalesce(l.lead_score, -1) DESC, l.id
    ${sel.limit === null ? sql`` : sql`LIMIT ${sel.limit}`}`;
}

/** Where round robin starts: the agent after the last one dealt to (by id), else the first. */
const START = sql`SELECT coalesce((SELECT min(a.i) FROM agents a WHERE a.id > c.last_user_id), 0) AS s
  FROM assignment_cursor c WHERE c.organization_id = app_org_id()`;

/** The active owner of a rule, looked up by the territory key's index for each lead. */
const ruleOwner = (kind: RawBuilder<unknown>, value: RawBuilder<unknown>, state: RawBuilder<unknown>) => sql`
  SELECT t.user_id FROM territory t JOIN app_user u ON u.organization_id = t.organization_id AND u.id = t.user_id AND u.is_active
  WHERE t.organization_id = app_org_id() AND t.kind = ${kind} AND t.value = ${value} AND t.state IS NOT DISTINCT FROM ${state}`;

// Each plan yields (lead_id, user_id, rr): rr numbers the leads dealt by round robin, in order.
const PLANS: Record<Exclude<AssignmentStrategy, 'manual'>, RawBuilder<unknown>> = {
  round_robin: sql`plan AS (
    SELECT pk.id AS lead_id, a.id AS user_id, pk.n AS rr
    FROM picked pk CROSS JOIN start s JOIN agents a ON a.i = (s.s + pk.n - 1) % a.k)`,

  // Water-filling: each agent offers a slot at every load level from its current open leads up
  // to the level all would reach if the leads were spread evenly; the slots ordered by (level,
  // agent id) are exactly the choices of "give the next lead to the least loaded agent, ties to
  // the lowest id", and the best lead takes the first slot. The leads being dealt count toward
  // nobody's load (with --reassign they are dealt afresh).
  least_loaded: sql`loads AS (
    SELECT a.id,
      (SELECT count(*) FROM lead l WHERE l.organization_id = app_org_id() AND l.assignee_id = a.id AND l.deleted_at IS NULL
         AND l.status <> ALL(${OPEN_EXCLUDED}))
      - (SELECT count(*) FROM picked pk WHERE pk.assignee_id = a.id AND pk.status <> ALL(${OPEN_EXCLUDED})) AS load
    FROM agents a
  ), level AS (
    SELECT ceil((sum(load) + (SELECT count(*) FROM picked))::numeric / count(*))::bigint AS w FROM loads
  ), slots AS (
    SELECT ld.id AS user_id, row_number() OVER (ORDER BY g.lvl, ld.id) AS n
    FROM loads ld CROSS JOIN level CROSS JOIN generate_series(ld.load, level.w - 1) AS g(lvl)
  ), plan AS (
    -- the n-th lead takes the n-th slot: paired by grouping on n, not by a join of two CTEs,
    -- whose sizes the planner cannot know (a nested loop over both was quadratic)
    SELECT (array_agg(x.lead_id) FILTER (WHERE x.lead_id IS NOT NULL))[1] AS lead_id,
           (array_agg(x.user_id) FILTER (WHERE x.user_id IS NOT NULL))[1] AS user_id, NULL::bigint AS rr
    FROM (SELECT pk.n, pk.id AS lead_id, NULL::uuid AS user_id FROM picked pk
          UNION ALL SELECT sl.n, NULL, sl.user_id FROM slots sl) x
    GROUP BY x.n
    HAVING count(x.lead_id) > 0)`,

  // A ZIP rule beats a city rule; rules of deactivated users do not count. The leads no rule
  // matches are dealt by round robin, in rank order.
  territory: sql`matched AS (
    SELECT pk.id, pk.n, coalesce(z.user_id, c.user_id) AS owner FROM picked pk
    LEFT JOIN LATERAL (${ruleOwner(sql`'zip'`, sql`pk.zip`, sql`NULL`)}) z ON true
    LEFT JOIN LATERAL (${ruleOwner(sql`'city'`, sql`upper(pk.city)`, sql`pk.state`)}) c ON true
  ), rest AS (
    SELECT m.id, row_number() OVER (ORDER BY m.n) AS rr FROM matched m WHERE m.owner IS NULL
  ), plan AS (
    SELECT m.id AS lead_id, m.owner AS user_id, NULL::bigint AS rr FROM matched m WHERE m.owner IS NOT NULL
    UNION ALL
    SELECT r.id, a.id, r.rr FROM rest r CROSS JOIN start s JOIN agents a ON a.i = (s.s + r.rr - 1) % a.k)`,
};

export const assignmentRepository = {
  /**
   * Take the organization's assignment lock for the rest of the transaction: the cursor row,
   * created on first use. A second run waits here until the first commits, then sees its work.
   */
  async lockCursor(trx: Trx) {
    await sql`INSERT INTO assignment_cursor (organization_id) VALUES (app_org_id()) ON CONFLICT DO NOTHING`.execute(trx);
    const r = await sql<{ last_user_id: string | null }>`
      SELECT last_user_id FROM assignment_cursor WHERE organization_id = app_org_id() FOR UPDATE`.execute(trx);
    return r.rows[0]!;
  },

  /** The strategy and reason the history trigger records for this transaction's next changes. */
  async announce(strategy: AssignmentStrategy, reason: string | null, trx: Trx) {
    await sql`SELECT set_config('porchlight.assign_strategy', ${strategy}, true), set_config('porchlight.assign_reason', ${reason ?? ''}, true)`.execute(trx);
  },

  async activeAgentCount(trx: Trx): Promise<number> {
    const r = await sql<{ n: number }>`SELECT count(*)::int AS n FROM app_user WHERE role = 'agent' AND is_active`.execute(trx);
    return r.rows[0]!.n;
  },

  /** Plan one run: an owner for each selected lead, in rank order (rr numbers the leads dealt by round robin). */
  async plan(strategy: Exclude<AssignmentStrategy, 'manual'>, sel: RunSelection, trx: Trx) {
    const r = await sql<{ lead_id: string; user_id: string; rr: number | null }>`
      WITH agents AS (${AGENTS}),
      picked AS MATERIALIZED (${picked(sel)}),
      start AS (${START}),
      ${PLANS[strategy]}
      SELECT lead_id, user_id, rr FROM plan`.execute(trx);
    return r.rows;
  },

  /** Apply a plan: each lead whose owner changes gets the new one; per user, how many. */
  async apply(plan: { lead_id: string; user_id: string }[], unassignedOnly: boolean, trx: Trx) {
    const assigned = new Map<string, number>();
    for (let i = 0; i < plan.length; i += CHUNK) {
      const part = plan.slice(i, i + CHUNK);
      const ids = part.map((x) => x.lead_id);
      const r = await sql<{ user_id: string; n: number }>`
        WITH u AS (
          UPDATE lead l SET assignee_id = x.user_id
          FROM unnest(${ids}::uuid[], ${part.map((x) => x.user_id)}::uuid[]) AS x(lead_id, user_id)
          -- = ANY keeps the planner on the primary key
          WHERE l.organization_id = app_org_id() AND l.id = ANY(${ids}::uuid[]) AND l.id = x.lead_id AND l.deleted_at IS NULL
            AND l.assignee_id IS DISTINCT FROM x.user_id ${unassignedOnly ? sql`AND l.assignee_id IS NULL` : sql``}
          RETURNING l.assignee_id
        )
        SELECT assignee_id AS user_id, count(*)::int AS n FROM u GROUP BY 1`.execute(trx);
      for (const row of r.rows) assigned.set(row.user_id, (assigned.get(row.user_id) ?? 0) + row.n);
    }
    return assigned;
  },

  /** Round robin's turn goes on after the last agent dealt to. */
  async moveCursor(lastUserId: string, dealt: number, trx: Trx) {
    await sql`UPDATE assignment_cursor SET last_user_id = ${lastUserId}::uuid, dealt = dealt + ${dealt}
      WHERE organization_id = app_org_id()`.execute(trx);
  },

  /** Active agents and anyone named, with their open leads now. */
  async loads(userIds: string[], trx: Trx) {
    const r = await sql<{ user_id: string; email: string; role: string; open_leads: number }>`
      SELECT u.id AS user_id, u.email, u.role,
             (SELECT count(*) FROM lead l WHERE l.organization_id = u.organization_id AND l.assignee_id = u.id AND l.deleted_at IS NULL
                AND l.status <> ALL(${OPEN_EXCLUDED}))::int AS open_leads
      FROM app_user u
      WHERE (u.role = 'agent' AND u.is_active) OR u.id = ANY(${sql.val(userIds)}::uuid[])
      ORDER BY u.email`.execute(trx);
    return r.rows;
  },

  /** Hand one lead to a user (or to nobody); undefined when the lead is not there. */
  async assignOne(leadId: string, userId: string | null, trx: Trx) {
    const lead = await trx.selectFrom('lead').select(['id', 'assignee_id']).where('id', '=', leadId).where('deleted_at', 'is', null).forUpdate().executeTakeFirst();
    if (!lead) return undefined;
    if (lead.assignee_id === userId) return { from: lead.assignee_id, to: userId, changed: false };
    await trx.updateTable('lead').set({ assignee_id: userId }).where('id', '=', leadId).execute();
    return { from: lead.assignee_id, to: userId, changed: true };
  },

  history(leadId: string, trx: Trx) {
    return trx.selectFrom('lead_assignment as a')
      .leftJoin('app_user as f', (j) => j.onRef('f.organization_id', '=', 'a.organization_id').onRef('f.id', '=', 'a.from_user_id'))
      .leftJoin('app_user as t', (j) => j.onRef('t.organization_id', '=', 'a.organization_id').onRef('t.id', '=', 'a.to_user_id'))
      .select(['a.id', 'a.from_user_id', 'f.email as from_email', 'a.to_user_id', 't.email as to_email', 'a.strategy', 'a.reason', 'a.assigned_by', 'a.via', 'a.assigned_at'])
      .where('a.lead_id', '=', leadId)
      .orderBy('a.assigned_at')
      .orderBy('a.id')
      .execute();
  },
};
