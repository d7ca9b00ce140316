import { sql } from 'kysely';
import { z } from 'zod';
import { parseInput } from '../../app/validate.ts';
import type { Database } from '../../db/database.ts';
import { withTenant, type Actor } from '../../db/tenant.ts';
import { requireRole } from '../tenancy/tenancy.service.ts';

// The budget (top up, show, its transactions) and the cost ledger by provider, stage or day.

export const TopupInput = z.object({
  amount_cents: z.number().int().positive().max(100_000_000_00),
  note: z.string().trim().max(500).optional(),
  /** A top-up retried with the same reference is applied once. */
  reference: z.string().trim().min(1).max(200).optional(),
}).strict();

export const CostsInput = z.object({
  by: z.enum(['provider', 'stage', 'day']).default('provider'),
  from: z.iso.date().optional(),
  to: z.iso.date().optional(),
}).strict();

/** Dollars as typed ("25", "25.00", "$1,250.5") to cents, or undefined when it is not an amount. */
export function parseDollars(text: string): number | undefined {
  const m = /^\$?\s*(\d{1,3}(?:,\d{3})*|\d+)(?:\.(\d{1,2}))?$/.exec(text.trim());
  if (!m) return undefined;
  return Number(m[1]!.replace(/,/g, '')) * 100 + Number((m[2] ?? '0').padEnd(2, '0'));
}

export const formatCents = (c: number) => `${c < 0 ? '-' : ''}$${(Math.abs(c) / 100).toFixed(2)}`;

export function createMoneyService(deps: { db: Database }) {
  const { db } = deps;
  return {
    async topup(actor: Actor, input: unknown) {
      requireRole(actor, 'admin', 'top up the budget');
      const req = parseInput(TopupInput, input);
      return withTenant(db, actor, async (trx) => {
        await sql`INSERT INTO budget_account (organization_id) VALUES (app_org_id()) ON CONFLICT DO NOTHING`.execute(trx);
        const row = await trx.insertInto('budget_transaction').values({
          organization_id: actor.organizationId, kind: 'topup', amount_cents: req.amount_cents, reference: req.reference ?? null,
          note: req.note ?? null, created_by: actor.userId,
        }).onConflict((oc) => oc.columns(['organization_id', 'kind', 'reference']).where('reference', 'is not', null).doNothing())
          .returningAll().executeTakeFirst();
        const account = await trx.selectFrom('budget_account').selectAll().executeTakeFirstOrThrow();
        return { applied: !!row, transaction: row ?? null, balance_cents: account.balance_cents };
      });
    },

    async show(actor: Actor, limit = 20) {
      return withTenant(db, actor, async (trx) => {
        const account = await trx.selectFrom('budget_account').selectAll().executeTakeFirst();
        const transactions = await trx.selectFrom('budget_transaction').selectAll().orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit).execute();
        const today = await sql<{ stage: string; used: number; cap: number | null }>`
          SELECT stage, used, cap FROM stage_usage_daily WHERE day = (now() AT TIME ZONE 'UTC')::date ORDER BY stage`.execute(trx);
        return { enforced: !!account, balance_cents: account?.balance_cents ?? null, transactions, caps_today: today.rows };
      });
    },

    /** Spend from the ledger: what was billed or may have been (in doubt), and what is reserved now. */
    async costs(actor: Actor, input: unknown) {
      const req = parseInput(CostsInput, input);
      const key = { provider: sql`provider`, stage: sql`stage`, day: sql`to_char((created_at AT TIME ZONE 'UTC')::date, 'YYYY-MM-DD')` }[req.by];
      return withTenant(db, actor, async (trx) => {
        const r = await sql<{ key: string; calls: number; charged_cents: number; in_doubt_cents: number; pending_cents: number; void_calls: number }>`
          SELECT ${key} AS key, count(*)::int AS calls,
                 coalesce(sum(cost_cents) FILTER (WHERE status = 'charged'), 0)::bigint AS charged_cents,
                 coalesce(sum(cost_cents) FILTER (WHERE status = 'in_doubt'), 0)::bigint AS in_doubt_cents,
                 coalesce(sum(cost_cents) FILTER (WHERE status = 'pending'), 0)::bigint AS pending_cents,
                 count(*) FILTER (WHERE status = 'void')::int AS void_calls
          FROM cost_ledger
          WHERE (${req.from ?? null}::date IS NULL OR created_at >= ${req.from ?? null}::date)
            AND (${req.to ?? null}::date IS NULL OR created_at < ${req.to ?? null}::date + 1)
          GROUP BY 1 ORDER BY 1`.execute(trx);
        const rows = r.rows.map((x) => ({ ...x, charged_cents: Number(x.charged_cents), in_doubt_cents: Number(x.in_doubt_cents), pending_cents: Number(x.pending_cents) }));
        const total = rows.reduce((n, x) => n + x.charged_cents + x.in_doubt_cents + x.pending_cents, 0);
        return { by: req.by, rows, total_cents: total };
      });
    },
  };
}

export type MoneyService = ReturnType<typeof createMoneyService>;
