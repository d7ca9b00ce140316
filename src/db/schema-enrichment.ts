// Kysely's view of the pull, scan, enrichment and money tables (migrations/0006_enrichment.sql).
import type { ColumnType, Generated } from 'kysely';

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type CreatedAt = ColumnType<Date, Date | string | undefined, never>;
type Bytes = ColumnType<Uint8Array, Uint8Array, Uint8Array>;
type Json = ColumnType<unknown, string | undefined, string>;
type Identity = ColumnType<number, never, never>;

export type EnrichStage = 'append' | 'skip_trace' | 'verify' | 'score';
export type SpendStage = 'pull' | 'scan' | 'append' | 'skip_trace' | 'verify';
export type TaskStatus = 'pending' | 'calling' | 'done' | 'skipped' | 'deferred' | 'failed';
export type SkipReason = 'good_enough' | 'not_worth_it' | 'capped' | 'over_budget' | 'already_done' | 'no_owner' | 'nothing_to_verify' | 'no_match' | 'provider_failed';
export type ScanStatus = 'pending' | 'queued' | 'in_progress' | 'completed' | 'failed';
export type LedgerStatus = 'pending' | 'charged' | 'void' | 'in_doubt';

export interface PullRunTable {
  organization_id: string;
  id: Generated<string>;
  import_id: string;
  source: string;
  query: Json;
  query_sig: Bytes;
  status: Generated<'running' | 'completed' | 'failed'>;
  stop_reason: 'known_record' | 'end_of_results' | 'max_pages' | null;
  page_size: number;
  max_pages: number | null;
  pages_fetched: Generated<number>;
  records: Generated<number>;
  new_records: Generated<number>;
  known_records: Generated<number>;
  total_available: number | null;
  cost_cents: Generated<number>;
  lease_owner: string | null;
  lease_until: Timestamp | null;
  error: string | null;
  created_by: string | null;
  created_at: CreatedAt;
  finished_at: Timestamp | null;
  updated_at: Timestamp;
}

export interface SourceBookmarkTable {
  organization_id: string;
  source: string;
  query_sig: Bytes;
  query: Json;
  pull_run_id: string;
  last_page_fetched: number;
  last_seen_vendor_id: string | null;
  updated_at: Timestamp;
}

export interface LeadSourceEventTable {
  organization_id: string;
  id: Identity;
  pull_run_id: string;
  source: string;
  query_sig: Bytes;
  page_number: number;
  seen_vendor_ids: string[];
  first_id: string | null;
  last_id: string | null;
  records: number;
  new_records: number;
  cost_cents: number;
  created_at: CreatedAt;
}

export interface AreaScanTable {
  organization_id: string;
  id: Generated<string>;
  area_name: string;
  scan_type: Generated<'city' | 'zip_code' | 'custom_area'>;
  status: Generated<ScanStatus>;
  total_properties: Generated<number>;
  processed_properties: Generated<number>;
  qualified_leads: Generated<number>;
  progress_percentage: Generated<number>;
  scan_parameters: Json;
  results_summary: Json | null;
  error_message: string | null;
  pull_run_id: string | null;
  created_by: string | null;
  created_at: CreatedAt;
  started_at: Timestamp | null;
  completed_at: Timestamp | null;
  updated_at: Timestamp;
}

export interface EnrichmentRunTable {
  organization_id: string;
  id: Generated<string>;
  status: Generated<'queued' | 'running' | 'waiting' | 'completed' | 'failed'>;
  selector: Json;
  settings: Json;
  max_spend_cents: number | null;
  refresh: Generated<boolean>;
  leads_selected: Generated<number>;
  resume_at: Timestamp | null;
  lease_owner: string | null;
  lease_until: Timestamp | null;
  error: string | null;
  created_by: string | null;
  created_at: CreatedAt;
  started_at: Timestamp | null;
  finished_at: Timestamp | null;
  updated_at: Timestamp;
}

export interface EnrichmentTaskTable {
  organization_id: string;
  run_id: string;
  stage: EnrichStage;
  lead_id: string;
  status: Generated<TaskStatus>;
  reason: SkipReason | null;
  attempt: Generated<number>;
  cost_cents: Generated<number>;
  phones_found: Generated<number>;
  emails_found: Generated<number>;
  quality_before: number | null;
  quality_after: number | null;
  not_before: Timestamp | null;
  updated_at: Timestamp;
}

export interface CostLedgerTable {
  organization_id: string;
  id: Generated<string>;
  provider: string;
  port: string;
  stage: SpendStage;
  lead_id: string | null;
  run_id: string | null;
  idempotency_key: string;
  units: Generated<number>;
  cost_cents: number;
  status: Generated<LedgerStatus>;
  error: string | null;
  created_at: CreatedAt;
  settled_at: Timestamp | null;
}

export interface BudgetAccountTable {
  organization_id: string;
  balance_cents: Generated<number>;
  created_at: CreatedAt;
  updated_at: Timestamp;
}

export interface BudgetTransactionTable {
  organization_id: string;
  id: Generated<string>;
  kind: 'topup' | 'spend' | 'refund' | 'adjustment';
  amount_cents: number;
  balance_after_cents: Generated<number>;
  reference: string | null;
  note: string | null;
  created_by: string | null;
  created_at: CreatedAt;
}

export interface StageUsageDailyTable {
  organization_id: string;
  stage: SpendStage;
  day: string;
  used: Generated<number>;
  cap: number | null;
}

export interface SkipTraceResultTable {
  organization_id: string;
  id: Generated<string>;
  run_id: string | null;
  lead_id: string;
  person_id: string | null;
  stage: 'append' | 'skip_trace';
  provider: string;
  ledger_key: string;
  request_data: Json;
  response_data: Json | null;
  matched: boolean;
  confidence: number | null;
  cost_cents: number;
  created_at: CreatedAt;
  completed_at: Timestamp | null;
}

export interface SkipTracePhoneTable {
  organization_id: string;
  id: Generated<string>;
  skip_trace_id: string;
  lead_id: string;
  value: string | null;
  value_enc: Bytes | null;
  value_hash: Bytes;
  display: string;
  phone_type: 'mobile' | 'landline' | 'voip' | null;
  carrier: string | null;
  is_valid: boolean | null;
  is_mobile: boolean | null;
  is_dnc: boolean | null;
  confidence: number | null;
}

export interface SkipTraceEmailTable {
  organization_id: string;
  id: Generated<string>;
  skip_trace_id: string;
  lead_id: string;
  value: string | null;
  value_enc: Bytes | null;
  value_hash: Bytes;
  display: string;
  email_type: 'personal' | 'work' | null;
  is_valid: boolean | null;
  confidence: number | null;
}

export type VerificationResult = 'valid' | 'invalid' | 'deliverable' | 'undeliverable' | 'risky' | 'unknown';

export interface ContactVerificationTable {
  organization_id: string;
  id: Generated<string>;
  contact_point_id: string;
  run_id: string | null;
  provider: string;
  ledger_key: string;
  result: VerificationResult;
  line_type: string | null;
  carrier: string | null;
  dnc: boolean | null;
  cost_cents: number;
  created_at: CreatedAt;
}

export interface DlqTable {
  organization_id: string;
  id: Generated<string>;
  stage: SpendStage;
  item_key: string;
  payload: Json;
  error: string;
  attempts: Generated<number>;
  status: Generated<'waiting' | 'parked' | 'done'>;
  retry_after: Timestamp | null;
  created_at: CreatedAt;
  updated_at: Timestamp;
}

export interface EnrichmentTables {
  pull_run: PullRunTable;
  source_bookmark: SourceBookmarkTable;
  lead_source_event: LeadSourceEventTable;
  area_scan: AreaScanTable;
  enrichment_run: EnrichmentRunTable;
  enrichment_task: EnrichmentTaskTable;
  cost_ledger: CostLedgerTable;
  budget_account: BudgetAccountTable;
  budget_transaction: BudgetTransactionTable;
  stage_usage_daily: StageUsageDailyTable;
  skip_trace_result: SkipTraceResultTable;
  skip_trace_phone: SkipTracePhoneTable;
  skip_trace_email: SkipTraceEmailTable;
  contact_verification: ContactVerificationTable;
  dlq: DlqTable;
}
