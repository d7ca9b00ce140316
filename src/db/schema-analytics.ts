// Kysely's view of the reports' own tables (migrations/0021_reports.sql): what a source cost for
// a month, entered by hand, and the revenue of a closed lead. The reports read everything else
// from the ledgers and history tables declared beside their own migrations.
import type { ColumnType } from 'kysely';

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type CreatedAt = ColumnType<Date, Date | string | undefined, never>;
/** A date column: 'YYYY-MM-DD' both ways (src/db/database.ts parses dates as text). */
type Day = ColumnType<string, string, string>;

export interface LeadSourceCostTable {
  organization_id: string;
  source: string;
  /** The first day of the month. */
  month: Day;
  amount_cents: number;
  note: string | null;
  created_by: string | null;
  created_at: CreatedAt;
  updated_at: Timestamp;
}

export interface LeadDealTable {
  organization_id: string;
  lead_id: string;
  revenue_cents: number;
  closed_on: Day;
  note: string | null;
  created_by: string | null;
  created_at: CreatedAt;
  updated_at: Timestamp;
}

export interface AnalyticsTables {
  lead_source_cost: LeadSourceCostTable;
  lead_deal: LeadDealTable;
}
