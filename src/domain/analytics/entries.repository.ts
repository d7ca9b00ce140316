import { sql } from 'kysely';
import type { Trx } from '../../db/tenant.ts';

// What people enter for the reports: a source's cost for a month and a lead's deal. Both are
// upserts by their key, so entering a number again corrects it rather than adding to it.

export interface SourceCost { source: string; month: string; amount_cents: number; note: string | null; created_at: Date; updated_at: Date }
export interface Deal { lead_id: string; source: string; revenue_cents: number; closed_on: string; note: string | null; created_at: Date; updated_at: Date }

export const entriesRepository = {
  async upsertSourceCost(e: { source: string; month: string; amount_cents: number; note: string | null }, trx: Trx): Promise<SourceCost & { created: boolean }> {
    const r = await sql<SourceCost & { created: boolean }>`
      INSERT INTO lead_source_cost AS s (organization_id, source, month, amount_cents, note, created_by)
      VALUES (app_org_id(), ${e.source}, ${e.month}::date, ${e.amount_cents}, ${e.note}, app_user_id())
      ON CONFLICT (organization_id, source, month) DO UPDATE SET amount_cents = EXCLUDED.amount_cents, note = EXCLUDED.note
      -- xmax is 0 only on a row this statement inserted: tells a new entry from a correction
      RETURNING s.source, to_char(s.month, 'YYYY-MM') AS month, s.amount_cents, s.note, s.created_at, s.updated_at, (s.xmax = 0) AS created`.execute(trx);
    return r.rows[0]!;
  },

  async listSourceCosts(months: string[], trx: Trx): Promise<SourceCost[]> {
    const r = await sql<SourceCost>`
      SELECT source, to_char(month, 'YYYY-MM') AS month, amount_cents, note, created_at, updated_at FROM lead_source_cost
      WHERE organization_id = app_org_id() AND month = ANY (${months}::date[]) ORDER BY month, source`.execute(trx);
    return r.rows;
  },

  /** The lead's deal, written; undefined when the lead is not there (or not this user's to see). */
  async upsertDeal(e: { leadId: string; revenue_cents: number; closed_on: string; note: string | null }, trx: Trx): Promise<Deal | undefined> {
    const r = await sql<Deal>`
      WITH d AS (
        INSERT INTO lead_deal AS d (organization_id, lead_id, revenue_cents, closed_on, note, created_by)
        SELECT l.organization_id, l.id, ${e.revenue_cents}, ${e.closed_on}::date, ${e.note}, app_user_id()
        FROM lead l WHERE l.organization_id = app_org_id() AND l.id = ${e.leadId}::uuid AND l.deleted_at IS NULL
        ON CONFLICT (organization_id, lead_id) DO UPDATE SET revenue_cents = EXCLUDED.revenue_cents, closed_on = EXCLUDED.closed_on, note = EXCLUDED.note
        RETURNING d.*
      )
      SELECT d.lead_id, l.source, d.revenue_cents, to_char(d.closed_on, 'YYYY-MM-DD') AS closed_on, d.note, d.created_at, d.updated_at
      FROM d JOIN lead l ON l.organization_id = d.organization_id AND l.id = d.lead_id`.execute(trx);
    return r.rows[0];
  },

  /** Forget a source's cost for a month; false when none was entered. */
  async deleteSourceCost(source: string, month: string, trx: Trx): Promise<boolean> {
    const r = await sql`DELETE FROM lead_source_cost WHERE organization_id = app_org_id() AND source = ${source} AND month = ${month}::date`.execute(trx);
    return Number(r.numAffectedRows ?? 0) > 0;
  },

  /** Whether the caller can see the lead (row-level security) and it is not deleted: a deal is read and taken back only then, as it is entered. */
  async leadShown(leadId: string, trx: Trx): Promise<boolean> {
    const r = await sql`SELECT 1 FROM lead WHERE organization_id = app_org_id() AND id = ${leadId}::uuid AND deleted_at IS NULL`.execute(trx);
    return r.rows.length > 0;
  },

  async findDeal(leadId: string, trx: Trx): Promise<Deal | undefined> {
    const r = await sql<Deal>`
      SELECT d.lead_id, l.source, d.revenue_cents, to_char(d.closed_on, 'YYYY-MM-DD') AS closed_on, d.note, d.created_at, d.updated_at
      FROM lead_deal d JOIN lead l ON l.organization_id = d.organization_id AND l.id = d.lead_id
      WHERE d.organization_id = app_org_id() AND d.lead_id = ${leadId}::uuid`.execute(trx);
    return r.rows[0];
  },

  async deleteDeal(leadId: string, trx: Trx): Promise<boolean> {
    const r = await sql`DELETE FROM lead_deal WHERE organization_id = app_org_id() AND lead_id = ${leadId}::uuid`.execute(trx);
    return Number(r.numAffectedRows ?? 0) > 0;
  },
};
