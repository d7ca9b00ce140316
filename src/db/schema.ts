// Kysely's view of the tables, snake_case as in SQL (no case-mapping plugin anywhere).
// Keep in step with migrations/: test/medium/schema-types.test.ts checks each table has exactly these columns.
import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';
import type { EnrichmentTables } from './schema-enrichment.ts';
import type { SegmentAssignmentTables } from './schema-assignment.ts';
import type { ContagionTables } from './schema-contagion.ts';
import type { ComplianceTables } from './schema-compliance.ts';
import type { OutreachTables } from './schema-outreach.ts';
import type { SequenceTables } from './schema-sequences.ts';
import type { CampaignTables } from './schema-campaigns.ts';
import type { InboundTables } from './schema-inbound.ts';
import type { VoiceTables } from './schema-voice.ts';
import type { NudgesTables } from './schema-nudges.ts';
import type { AnalyticsTables } from './schema-analytics.ts';

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type CreatedAt = ColumnType<Date, Date | string | undefined, never>;
type Bytes = ColumnType<Uint8Array, Uint8Array, Uint8Array>;
type Json = ColumnType<unknown, string | undefined, string>;
type Identity = ColumnType<number, never, never>;

export type Role = 'owner' | 'admin' | 'manager' | 'agent';

export const LEAD_STATUSES = [
  'new', 'contacted', 'qualified', 'nurturing', 'appointment_scheduled', 'proposal_sent',
  'closed_won', 'closed_lost', 'dnc', 'enriched', 'contactable', 'do_not_contact',
] as const;
export type LeadStatus = (typeof LEAD_STATUSES)[number];
export const REPLACEMENT_URGENCIES = ['immediate', 'urgent', 'plan_ahead', 'good_condition'] as const;
export const TIERS = ['hot', 'warm', 'cold'] as const;
export const TEMPERATURES = ['hot', 'warm', 'cold', 'dead'] as const;

export interface OrganizationTable {
  id: Generated<string>;
  slug: string;
  name: string;
  plan: Generated<'trial' | 'professional' | 'enterprise'>;
  settings: Json;
  created_at: CreatedAt;
  updated_at: Timestamp;
}

export interface AppUserTable {
  organization_id: string;
  id: Generated<string>;
  email: string;
  full_name: string | null;
  role: Role;
  is_active: Generated<boolean>;
  created_at: CreatedAt;
  updated_at: Timestamp;
}

export interface ApiKeyTable {
  organization_id: string;
  id: Generated<string>;
  user_id: string;
  name: Generated<string>;
  prefix: string;
  key_hash: Bytes;
  created_at: CreatedAt;
  last_used_at: Timestamp | null;
  revoked_at: Timestamp | null;
}

export interface PropertyTable {
  organization_id: string;
  id: Generated<string>;
  address_line1: string | null;
  address_line2: string | null;
  city: string | null;
  state: string | null;
  zip: string | null;
  zip4: string | null;
  county: string | null;
  normalized_line: string | null;
  addr_hash: Bytes | null;
  apn: string | null;
  mak: string | null;
  latitude: number | null;
  longitude: number | null;
  subdivision: string | null;
  property_type: string | null;
  year_built: number | null;
  bedrooms: number | null;
  bathrooms: number | null;
  living_area_sqft: number | null;
  lot_size_sqft: number | null;
  roof_age_years: number | null;
  roof_material: string | null;
  roof_condition_score: number | null;
  roof_size_sqft: number | null;
  roof_damage_indicators: ColumnType<string[], string[] | undefined, string[]>;
  contagion_urgency: number | null;
  estimated_value_cents: number | null;
  equity_cents: number | null;
  equity_percent: number | null;
  mortgage_balance_cents: number | null;
  has_mortgage: boolean | null;
  has_liens: boolean | null;
  lien_amount_cents: number | null;
  recent_refinance: boolean | null;
  recent_heloc: boolean | null;
  last_sale_date: string | null;
  last_sale_price_cents: number | null;
  tax_debt_cents: Generated<number>;
  violations: Generated<number>;
  is_probate: Generated<boolean>;
  is_vacant: Generated<boolean>;
  owner_occupied: boolean | null;
  days_on_market: number | null;
  condition_score: number | null;
  created_at: CreatedAt;
  updated_at: Timestamp;
}

export interface PersonTable {
  organization_id: string;
  id: Generated<string>;
  first_name: string | null;
  middle_name: string | null;
  last_name: string | null;
  full_name: string | null;
  company_name: string | null;
  is_company: Generated<boolean>;
  age: number | null;
  mailing_line1: string | null;
  mailing_line2: string | null;
  mailing_city: string | null;
  mailing_state: string | null;
  mailing_zip: string | null;
  timezone: string | null;
  demographics: Json;
  notes: string | null;
  created_at: CreatedAt;
  updated_at: Timestamp;
  name_key: string | null;
}

export interface ContactPointTable {
  organization_id: string;
  id: Generated<string>;
  person_id: string;
  kind: 'phone' | 'email';
  value: string | null;
  value_enc: Bytes | null;
  value_hash: Bytes;
  display: string;
  type: string | null;
  carrier: string | null;
  sources: ColumnType<string[], string[] | undefined, string[]>;
  score: number | null;
  verified: Generated<boolean>;
  dnc: Generated<boolean>;
  first_seen_at: Timestamp;
  last_seen_at: Timestamp;
  created_at: CreatedAt;
  updated_at: Timestamp;
  verified_at: Timestamp | null;
  verification: string | null;
}

export interface LeadTable {
  organization_id: string;
  id: Generated<string>;
  person_id: string | null;
  property_id: string | null;
  status: Generated<LeadStatus>;
  quality_score: number | null;
  motivation_score: number | null;
  lead_score: number | null;
  temperature: (typeof TEMPERATURES)[number] | null;
  tier: (typeof TIERS)[number] | null;
  replacement_urgency: (typeof REPLACEMENT_URGENCIES)[number] | null;
  contagion_score: number | null;
  added_to_campaign_at: Timestamp | null;
  timezone: string | null;
  quiet_hours_start: string | null;
  quiet_hours_end: string | null;
  tags: ColumnType<string[], string[] | undefined, string[]>;
  source: Generated<string>;
  vendor_record_id: string | null;
  vendor_list_id: string | null;
  assignee_id: string | null;
  notes: string | null;
  acquisition_cost_cents: Generated<number>;
  enrichment_cost_cents: Generated<number>;
  raw_data: Json | null;
  first_seen_at: Timestamp;
  last_seen_at: Timestamp;
  last_contacted_at: Timestamp | null;
  next_follow_up_at: Timestamp | null;
  created_at: CreatedAt;
  updated_at: Timestamp;
  deleted_at: Timestamp | null;
  merged_into_id: string | null;
}

export interface LeadStatusHistoryTable {
  organization_id: string;
  id: Identity;
  lead_id: string;
  from_status: string | null;
  to_status: string;
  trigger_type: string;
  changed_by: string | null;
  changed_at: CreatedAt;
}

export interface LeadFieldAuditTable {
  organization_id: string;
  id: Identity;
  lead_id: string;
  field: string;
  old_value: unknown;
  new_value: unknown;
  changed_by: string | null;
  via: string;
  changed_at: CreatedAt;
  /** false: a value offered (by an import or merge) and not applied; the record kept its own */
  applied: Generated<boolean>;
}

export interface LeadScoreHistoryTable {
  organization_id: string;
  id: Identity;
  lead_id: string;
  scorer: string;
  version: number;
  score: number;
  factors: Json;
  calculated_at: CreatedAt;
}

export interface AuditLogTable {
  organization_id: string;
  id: Identity;
  actor_user_id: string | null;
  via: string;
  action: 'create' | 'update' | 'delete' | 'export' | 'access';
  entity: string;
  entity_id: string | null;
  details: Json;
  created_at: CreatedAt;
}

export interface DB extends EnrichmentTables, SegmentAssignmentTables, ContagionTables, ComplianceTables, OutreachTables, CampaignTables, SequenceTables, InboundTables, VoiceTables, NudgesTables, AnalyticsTables {
  organization: OrganizationTable;
  app_user: AppUserTable;
  api_key: ApiKeyTable;
  property: PropertyTable;
  person: PersonTable;
  contact_point: ContactPointTable;
  lead: LeadTable;
  lead_status_history: LeadStatusHistoryTable;
  lead_field_audit: LeadFieldAuditTable;
  lead_score_history: LeadScoreHistoryTable;
  audit_log: AuditLogTable;
  import_mapping: ImportMappingTable;
  import: ImportTable;
  import_issue: ImportIssueTable;
  identity_conflict: IdentityConflictTable;
}

export interface ImportMappingTable {
  organization_id: string;
  id: Generated<string>;
  name: string;
  preset: string | null;
  columns: Json;
  created_by: string | null;
  created_at: CreatedAt;
  updated_at: Timestamp;
}

export type ImportStatus = 'pending' | 'running' | 'completed' | 'failed';

export interface ImportTable {
  organization_id: string;
  id: Generated<string>;
  kind: Generated<'leads' | 'pull'>;
  source: string;
  file_name: string;
  file_path: string | null;
  content_sha256: Bytes | null;
  byte_size: number;
  forced: Generated<boolean>;
  status: Generated<ImportStatus>;
  preset: string | null;
  columns: Generated<string[]>;
  mapping: Json;
  encoding: string | null;
  delimiter: string | null;
  batch_size: number;
  batches_done: Generated<number>;
  bytes_done: Generated<number>;
  rows_read: Generated<number>;
  rows_rejected: Generated<number>;
  leads_inserted: Generated<number>;
  leads_merged: Generated<number>;
  properties_inserted: Generated<number>;
  persons_inserted: Generated<number>;
  contact_points_added: Generated<number>;
  contact_points_merged: Generated<number>;
  identity_conflicts: Generated<number>;
  warnings: Generated<number>;
  notes: Json;
  error: string | null;
  created_by: string | null;
  created_at: CreatedAt;
  started_at: Timestamp | null;
  finished_at: Timestamp | null;
  updated_at: Timestamp;
}

export interface ImportIssueTable {
  organization_id: string;
  import_id: string;
  line: number;
  seq: Generated<number>;
  severity: 'error' | 'warning';
  column_name: string | null;
  reason: string;
  raw: string | null;
}

export interface IdentityConflictTable {
  organization_id: string;
  id: Generated<string>;
  import_id: string | null;
  line: number | null;
  property_id: string;
  matches: Json;
  status: Generated<'open' | 'resolved' | 'dismissed'>;
  resolved_by: string | null;
  resolved_at: Timestamp | null;
  created_at: CreatedAt;
}

export type Organization = Selectable<OrganizationTable>;
export type AppUser = Selectable<AppUserTable>;
export type ApiKey = Selectable<ApiKeyTable>;
export type Property = Selectable<PropertyTable>;
export type NewProperty = Insertable<PropertyTable>;
export type Person = Selectable<PersonTable>;
export type NewPerson = Insertable<PersonTable>;
export type ContactPoint = Selectable<ContactPointTable>;
export type NewContactPoint = Insertable<ContactPointTable>;
export type Lead = Selectable<LeadTable>;
export type NewLead = Insertable<LeadTable>;
export type LeadUpdate = Updateable<LeadTable>;
