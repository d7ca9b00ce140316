// Kysely's view of AI nudges (migrations/0019_nudges.sql): each user's nudge settings, clients,
// the MLS's listing events (a reference table shared by every organization) and each user's
// market events, the pipeline's runs, content resources, drafted briefings with their recipients,
// resources and status history, and what dismissals taught.
import type { ColumnType, Generated } from 'kysely';

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type CreatedAt = ColumnType<Date, Date | string | undefined, never>;

// 0019 ties a nudge's messages to their briefing: declared here, beside the migration that adds it.
declare module './schema-outreach.ts' {
  interface MessageTable {
    briefing_id: string | null;
  }
}

export type BriefingStatus = 'DRAFT' | 'ACTIVE' | 'PAUSED' | 'COMPLETED' | 'CANCELLED' | 'DISMISSED';
export type NudgePropertyType = 'single_family' | 'condo' | 'townhouse' | 'multi_family' | 'land' | 'manufactured';

export interface NudgeSettingsTable {
  organization_id: string;
  user_id: string;
  market_focus: Generated<string[]>;
  tone: Generated<'warm' | 'professional' | 'brief'>;
  signoff: string | null;
  audience_max: Generated<number>;
  min_similarity: Generated<number>;
  negative_threshold: Generated<number>;
  updated_at: Generated<Date>;
}

export interface ClientTable {
  organization_id: string;
  id: Generated<string>;
  user_id: string;
  person_id: string;
  contact_hash: Buffer;
  notes: string | null;
  notes_embedding: number[] | null;
  embedding_space: string | null;
  user_tags: Generated<string[]>;
  ai_tags: Generated<string[]>;
  price_min_cents: number | null;
  price_max_cents: number | null;
  beds_min: number | null;
  baths_min: number | null;
  areas: Generated<string[]>;
  property_types: Generated<NudgePropertyType[]>;
  timeline: 'now' | '3_months' | '6_months' | '12_months' | 'someday' | null;
  timezone: string | null;
  source: Generated<string>;
  last_interaction_at: Timestamp | null;
  created_at: CreatedAt;
  updated_at: Generated<Date>;
}

/** Global: no organization_id; every organization reads and adds, nobody rewrites (the embedding aside). */
export interface MlsEventTable {
  id: Generated<string>;
  source_id: string;
  listing_key: string;
  event_type: 'new_listing' | 'price_change' | 'back_on_market' | 'pending' | 'sold' | 'expired';
  event_at: Timestamp;
  standard_status: string;
  list_price_cents: number | null;
  previous_price_cents: number | null;
  close_price_cents: number | null;
  beds: number | null;
  baths: number | null;
  living_area_sqft: number | null;
  year_built: number | null;
  property_type: NudgePropertyType | 'other' | null;
  address: string | null;
  city: string | null;
  state: string | null;
  zip: string | null;
  remarks: string | null;
  raw: unknown;
  embedding: number[] | null;
  embedding_space: string | null;
  created_at: CreatedAt;
}

export interface MarketEventTable {
  organization_id: string;
  id: Generated<string>;
  user_id: string;
  mls_event_id: string;
  event_type: string;
  market_area: string;
  status: Generated<'unprocessed' | 'processed' | 'error'>;
  error: string | null;
  pipeline_run_id: string | null;
  created_at: CreatedAt;
  processed_at: Timestamp | null;
  /** Runs that took it up; a failed draft is tried again at retry_at, until the fifth. */
  attempts: Generated<number>;
  retry_at: Timestamp | null;
}

export interface PipelineRunTable {
  organization_id: string;
  id: Generated<string>;
  pipeline_type: Generated<'nudges'>;
  status: Generated<'running' | 'completed' | 'failed'>;
  started_at: Generated<Date>;
  completed_at: Timestamp | null;
  events_processed: Generated<number>;
  market_events_created: Generated<number>;
  briefings_created: Generated<number>;
  clients_embedded: Generated<number>;
  errors: Generated<number>;
  error_details: Generated<unknown>;
  duration_ms: number | null;
  heartbeat_at: Generated<Date>;
  user_count: Generated<number>;
  started_by: string | null;
}

export interface ContentResourceTable {
  organization_id: string;
  id: Generated<string>;
  user_id: string;
  title: string;
  url: string;
  description: string | null;
  categories: Generated<string[]>;
  content_type: Generated<'article' | 'video' | 'document' | 'other'>;
  status: Generated<'active' | 'archived'>;
  usage_count: Generated<number>;
  created_at: CreatedAt;
  updated_at: Generated<Date>;
}

export interface BriefingTable {
  organization_id: string;
  id: Generated<string>;
  user_id: string;
  market_event_id: string;
  campaign_type: string;
  headline: string;
  key_intel: unknown;
  original_draft: string;
  edited_draft: string | null;
  draft_adapter: string;
  draft_model: string;
  prompt_version: string;
  draft_warnings: Generated<string[]>;
  status: Generated<BriefingStatus>;
  channel: 'sms' | 'email' | null;
  approved_by: string | null;
  approved_at: Timestamp | null;
  created_at: CreatedAt;
  updated_at: Generated<Date>;
}

export interface BriefingRecipientTable {
  organization_id: string;
  briefing_id: string;
  client_id: string;
  rank: number;
  similarity: number;
  filters_met: Generated<string[]>;
  shared_terms: Generated<string[]>;
  removed_at: Timestamp | null;
  message_id: string | null;
}

export interface BriefingResourceTable {
  organization_id: string;
  briefing_id: string;
  resource_id: string;
}

export interface NegativePreferenceTable {
  organization_id: string;
  id: Generated<string>;
  client_id: string;
  source_briefing_id: string;
  dismissed_embedding: number[];
  embedding_space: string;
  reason: string | null;
  created_by: string | null;
  created_at: CreatedAt;
}

/** Written by the database (briefing's status triggers); the application role only reads it. */
export interface BriefingStatusHistoryTable {
  organization_id: string;
  id: Generated<string>;
  briefing_id: string;
  from_status: BriefingStatus | null;
  to_status: BriefingStatus;
  changed_by: string | null;
  changed_at: CreatedAt;
}

export interface NudgesTables {
  nudge_settings: NudgeSettingsTable;
  client: ClientTable;
  mls_event: MlsEventTable;
  market_event: MarketEventTable;
  pipeline_run: PipelineRunTable;
  content_resource: ContentResourceTable;
  briefing: BriefingTable;
  briefing_recipient: BriefingRecipientTable;
  briefing_resource: BriefingResourceTable;
  negative_preference: NegativePreferenceTable;
  briefing_status_history: BriefingStatusHistoryTable;
}
