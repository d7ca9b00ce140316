// Kysely's view of the compliance gate's tables (migrations/0011_compliance.sql, 0012_dnc_registry.sql).
import type { ColumnType, Generated } from 'kysely';

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type CreatedAt = ColumnType<Date, Date | string | undefined, never>;
type Json = ColumnType<unknown, string | undefined, string>;

export interface ConsentTable {
  organization_id: string;
  id: Generated<string>;
  person_id: string | null;
  kind: 'phone' | 'email';
  value_hash: Buffer;
  display: string;
  seller_name: string;
  scope: string[];
  type: 'pec' | 'pewc';
  disclosure_text: string | null;
  disclosure_hash: Buffer | null;
  captured_at: Timestamp;
  method: string;
  evidence_uri: string | null;
  ip: string | null;
  user_agent: string | null;
  revoked_at: Timestamp | null;
  revoke_channel: string | null;
  revoke_text: string | null;
  created_by: string | null;
  created_at: CreatedAt;
}

export interface ComplianceDecisionTable {
  organization_id: string;
  id: Generated<string>;
  lead_id: string | null;
  kind: 'phone' | 'email' | null;
  value_hash: Buffer | null;
  display: string | null;
  channel: string;
  purpose: string;
  decision: 'allow' | 'deny' | 'defer';
  reason: string | null;
  reasons: Generated<string[]>;
  obligations: Generated<string[]>;
  defer_until: Timestamp | null;
  at: Timestamp;
  facts: Json;
  decided_by: string | null;
  via: string | null;
  decided_at: CreatedAt;
}

export interface DncRegistryImportTable {
  organization_id: string;
  id: Generated<string>;
  area_codes: number[];
  /** The day the registry was downloaded ('YYYY-MM-DD' when selected with to_char). */
  as_of: ColumnType<Date, Date | string, Date | string>;
  file_name: string | null;
  rows_read: number;
  rows_loaded: number;
  rows_rejected: number;
  numbers_added: number;
  numbers_removed: number;
  imported_by: string | null;
  imported_at: CreatedAt;
}

export interface DncRegistryNumberTable {
  organization_id: string;
  /** The 10-digit number; bigint, read back as a string. */
  phone: ColumnType<string, string | number, string | number>;
  import_id: string;
}

export interface ComplianceTables {
  consent: ConsentTable;
  compliance_decision: ComplianceDecisionTable;
  dnc_registry_import: DncRegistryImportTable;
  dnc_registry_number: DncRegistryNumberTable;
}
