// Kysely's view of the campaign tables (migrations/0015_campaigns.sql).
import type { ColumnType, Generated } from 'kysely';

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type CreatedAt = ColumnType<Date, Date | string | undefined, never>;

export const CAMPAIGN_STATUSES = ['draft', 'scheduled', 'sending', 'paused', 'completed', 'cancelled'] as const;
export type CampaignStatus = (typeof CAMPAIGN_STATUSES)[number];
export const RECIPIENT_STATUSES = ['queued', 'sent', 'delivered', 'failed', 'skipped', 'cancelled'] as const;
export type RecipientStatus = (typeof RECIPIENT_STATUSES)[number];

export interface CampaignTable {
  organization_id: string;
  id: Generated<string>;
  name: string;
  description: string | null;
  channel: 'sms' | 'email';
  template_id: string;
  segment_id: string | null;
  purpose: Generated<'marketing' | 'informational'>;
  status: Generated<CampaignStatus>;
  scheduled_for: Timestamp | null;
  throttle_per_minute: number | null;
  recipients: Generated<number>;
  created_by: string | null;
  created_at: CreatedAt;
  updated_at: Generated<Date>;
  launched_at: Timestamp | null;
  started_at: Timestamp | null;
  paused_at: Timestamp | null;
  completed_at: Timestamp | null;
  cancelled_at: Timestamp | null;
}

export interface CampaignRecipientTable {
  organization_id: string;
  campaign_id: string;
  lead_id: string;
  status: RecipientStatus;
  skip_reason: string | null;
  message_id: string | null;
  scheduled_for: Timestamp | null;
  added_at: CreatedAt;
  updated_at: Generated<Date>;
}

export interface CampaignTables {
  campaign: CampaignTable;
  campaign_recipient: CampaignRecipientTable;
}
