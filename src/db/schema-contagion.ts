// Kysely's view of the routing, billing, feedback and permit contagion tables (migrations/0009_routing_contagion.sql).
import type { ColumnType, Generated } from 'kysely';

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type CreatedAt = ColumnType<Date, Date | string | undefined, never>;
type Json = ColumnType<unknown, string | undefined, string>;
type Day = ColumnType<string, string, string>;
type Tier = 'hot' | 'warm' | 'cold';

export interface DncEntryTable {
  organization_id: string;
  id: Generated<string>;
  kind: 'phone' | 'email';
  value_hash: Buffer;
  display: string;
  reason: string | null;
  source: Generated<string>;
  created_by: string | null;
  created_at: CreatedAt;
  /** The channels it lists; null: every channel. */
  channels: string[] | null;
}

export interface BillingUsageTable {
  organization_id: string;
  id: Generated<string>;
  metric: string;
  period: Day;
  subject_id: string;
  quantity: Generated<number>;
  cost_cents: Generated<number>;
  user_id: string | null;
  details: Generated<Json>;
  created_at: CreatedAt;
}

export interface ScoreFeedbackTable {
  organization_id: string;
  id: Generated<string>;
  lead_id: string;
  user_id: string | null;
  scorer: 'quality' | 'motivation' | 'roof' | 'contagion';
  verdict: 'good' | 'bad';
  score: number | null;
  label: string | null;
  note: string | null;
  created_at: CreatedAt;
  updated_at: Timestamp;
}

export interface PermitTable {
  organization_id: string;
  id: Generated<string>;
  permit_number: string;
  permit_date: Day;
  permit_type: string | null;
  work_class: string | null;
  status: string | null;
  permit_value_cents: number | null;
  contractor_name: string | null;
  contractor_license: string | null;
  contractor_phone: string | null;
  work_description: string | null;
  subdivision: string | null;
  parcel_id: string | null;
  address: string | null;
  city: string | null;
  state: string | null;
  zip: string | null;
  latitude: number | null;
  longitude: number | null;
  source: string;
  source_url: string | null;
  is_roofing: ColumnType<boolean, never, never>;
  property_id: string | null;
  cluster_id: string | null;
  created_at: CreatedAt;
  updated_at: Timestamp;
}

export interface ContagionClusterTable {
  organization_id: string;
  id: Generated<string>;
  anchor_permit_id: string;
  city: string | null;
  state: string | null;
  subdivision: string | null;
  center_latitude: number;
  center_longitude: number;
  radius_miles: number;
  permit_count: number;
  avg_permit_value_cents: number | null;
  date_range_start: Day;
  date_range_end: Day;
  avg_year_built: number | null;
  cluster_score: number;
  status: 'active' | 'cooling' | 'dissolved';
  properties_in_cluster: Generated<number>;
  properties_scored: Generated<number>;
  hot_leads_generated: Generated<number>;
  contractors: Generated<string[]>;
  metadata: Generated<Json>;
  created_at: CreatedAt;
  last_scored_at: Timestamp | null;
}

export interface PropertyScoreTable {
  organization_id: string;
  property_id: string;
  cluster_id: string | null;
  contagion_score: number;
  permits_within_quarter_mile: number;
  permits_within_500ft: number;
  permits_within_100ft: number;
  same_subdivision_permits: number;
  nearest_permit_distance_ft: number | null;
  nearest_permit_address: string | null;
  nearest_permit_date: Day | null;
  neighbor_contractor_names: Generated<string[]>;
  age_match_score: number;
  year_built: number | null;
  roof_age_years: number | null;
  matches_neighbor_age: Generated<boolean>;
  age_difference_years: number | null;
  neighbor_avg_year_built: number | null;
  subdivision_avg_year_built: number | null;
  financial_score: number;
  home_value_cents: number | null;
  estimated_equity_percent: number | null;
  estimated_equity_cents: number | null;
  has_mortgage: boolean | null;
  has_liens: boolean | null;
  recent_refinance: boolean | null;
  recent_heloc: boolean | null;
  visual_score: number | null;
  has_damage_assessment: Generated<boolean>;
  damage_indicators: Generated<string[]>;
  total_urgency_score: number;
  urgency_tier: Tier;
  confidence_level: 'high' | 'medium' | 'low';
  recommended_action: string;
  factors: Generated<Json>;
  scoring_version: string;
  data_sources_used: Generated<string[]>;
  scored_at: Timestamp;
}

export interface ContagionTables {
  dnc_entry: DncEntryTable;
  billing_usage: BillingUsageTable;
  score_feedback: ScoreFeedbackTable;
  permit: PermitTable;
  contagion_cluster: ContagionClusterTable;
  property_score: PropertyScoreTable;
}
