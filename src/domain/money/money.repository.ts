import { sql } from 'kysely';
import type { SpendStage } from '../../db/schema-enrichment.ts';
import type { Trx } from '../../db/tenant.ts';

// The money: the cost ledger (one row per provider call, by idempotency key), the budget
// (an account whose balance every transaction moves, never below zero) and the daily caps.
// A call is reserved before it is made (ledger row pending, budget debited, cap taken) and
// settled after (charged at what the vendor billed, or void, with the difference refunded).

export interface Reservation {
  key: string;
  leadId: string | null;
  costCents: number;
  units?: number;
}

export interface Settlement {
  key: string;
  status: 'charged' | 'void' | 'in_doubt';
  costCents: number;
  error?: string | null;
}

export const moneyRepository = {
  /** The balance, locked until the transaction ends; null when the organization keeps no budget. */
  async lockBalance(trx: Trx): Promise<number | null> {
    const r = await sql<{ b: number }>`SELECT balance_cents AS b FROM budget_account FOR UPDATE`.execute(trx);
    return r.rows[0]?.b ?? null;
  },

  /** Calls left today under a stage's cap (locking the day's row); Infinity without a cap. */
  async lockCapacity(stage: SpendStage, cap: number | null, trx: Trx): Promise<number> {
    if (cap === null) return Infinity;
    const r = await sql<{ used: number }>`
      INSERT INTO stage_usage_daily (organization_id, stage, day, used, cap)
      VALUES (app_org_id(), ${stage}, (now() AT TIME ZONE 'UTC')::date, 0, ${cap})
      ON CONFLICT (organization_id, stage, day) DO UPDATE SET cap = greatest(excluded.cap, stage_usage_daily.used)
      RETURNING used`.execute(trx);
    return Math.max(0, cap - r.rows[0]!.used);
  },

  async useCapacity(stage: SpendStage, calls: number, trx: Trx) {
    if (calls === 0) return;
    await sql`
      INSERT INTO stage_usage_daily (organization_id, stage, day, used) VALUES (app_org_id(), ${stage}, (now() AT TIME ZONE 'UTC')::date, ${calls})
      ON CONFLICT (organization_id, stage, day) DO UPDATE SET used = stage_usage_daily.used + excluded.used`.execute(trx);
  },

  /** What a run has spent or holds reserved (void calls cost nothing). */
  async runSpent(runId: string, trx: Trx): Promise<number> {
    const r = await sql<{ s: number }>`SELECT coalesce(sum(cost_cents), 0)::bigint AS s FROM cost_ledger WHERE run_id = ${runId} AND status <> 'void'`.execute(trx);
    return Number(r.rows[0]!.s);
  },

  /**
   * Write the ledger rows of calls about to be made and debit the budget for them. A key already
   * in the ledger is a replay: it is neither written nor paid again. Returns the keys written.
   */
  async reserve(meta: { provider: string; port: string; stage: SpendStage; runId: string | null }, items: Reservation[], trx: Trx): Promise<Set<string>> {
    if (items.length === 0) return new Set();
    const r = await sql<{ idempotency_key: string; cost_cents: number }>`
      INSERT INTO cost_ledger (organization_id, provider, port, stage, run_id, lead_id, idempotency_key, cost_cents, units)
      SELECT app_org_id(), ${meta.provider}, ${meta.port}, ${meta.stage}, ${meta.runId}::uuid, x.lead_id, x.key, x.cost, x.units
      FROM unnest(${items.map((i) => i.leadId)}::uuid[], ${items.map((i) => i.key)}::text[], ${items.map((i) => i.costCents)}::bigint[],
                  ${items.map((i) => i.units ?? 1)}::int[]) AS x(lead_id, key, cost, units)
      ON CONFLICT (organization_id, idempotency_key) DO NOTHING
      RETURNING idempotency_key, cost_cents`.execute(trx);
    const total = r.rows.reduce((s, x) => s + Number(x.cost_cents), 0);
    if (total > 0) {
      // the CHECK on the balance refuses a spend below zero (BUDGET_EXCEEDED)
      await sql`
        INSERT INTO budget_transaction (organization_id, kind, amount_cents, reference, note)
        SELECT app_org_id(), 'spend', ${-total}, ${`reserve:${items[0]!.key}`}, ${`${r.rows.length} ${meta.stage} call(s) to ${meta.provider}`}
        WHERE EXISTS (SELECT 1 FROM budget_account)
        ON CONFLICT (organization_id, kind, reference) WHERE reference IS NOT NULL DO NOTHING`.execute(trx);
    }
    return new Set(r.rows.map((x) => x.idempotency_key));
  },

  /** Settle reserved calls at what they cost; the budget gets back what was reserved and not spent. */
  async settle(settlements: Settlement[], trx: Trx) {
    if (settlements.length === 0) return;
    const r = await sql<{ refund: number }>`
      WITH s AS (
        SELECT * FROM unnest(${settlements.map((s) => s.key)}::text[], ${settlements.map((s) => s.status)}::text[],
                             ${settlements.map((s) => s.costCents)}::bigint[], ${settlements.map((s) => s.error ?? null)}::text[]) AS x(key, status, cost, error)
      ), old AS (
        -- found by key (= ANY keeps the planner on the unique index, whatever it believes of 'pending')
        SELECT l.idempotency_key, l.cost_cents FROM cost_ledger l
        WHERE l.organization_id = app_org_id() AND l.idempotency_key = ANY (${settlements.map((s) => s.key)}::text[]) AND l.status = 'pending'
        FOR UPDATE
      ), u AS (
        UPDATE cost_ledger l SET status = s.status, cost_cents = CASE WHEN s.status = 'void' THEN 0 ELSE s.cost END,
                                 error = s.error, settled_at = now()
        FROM s, old WHERE l.organization_id = app_org_id() AND l.idempotency_key = s.key AND old.idempotency_key = s.key
        RETURNING old.cost_cents - l.cost_cents AS diff
      )
      SELECT coalesce(sum(diff), 0)::bigint AS refund FROM u`.execute(trx);
    const refund = Number(r.rows[0]!.refund);
    if (refund !== 0) {
      await sql`
        INSERT INTO budget_transaction (organization_id, kind, amount_cents, reference, note)
        SELECT app_org_id(), ${refund > 0 ? 'refund' : 'spend'}, ${refund}, ${`settle:${settlements[0]!.key}`}, 'settled at what the calls cost'
        WHERE EXISTS (SELECT 1 FROM budget_account)
        ON CONFLICT (organization_id, kind, reference) WHERE reference IS NOT NULL DO NOTHING`.execute(trx);
    }
  },

  /** Calls a dead process left under way: the vendor may have billed them, so they stay spent. */
  async markInDoubt(runId: string, trx: Trx): Promise<number> {
    const r = await sql`UPDATE cost_ledger SET status = 'in_doubt', settled_at = now(), error = 'the process stopped while the call was under way'
                        WHERE run_id = ${runId} AND status = 'pending'`.execute(trx);
    return Number(r.numAffectedRows ?? 0);
  },
};
