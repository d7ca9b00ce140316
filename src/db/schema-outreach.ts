// Kysely's view of the message tables (migrations/0013_messages.sql).
import type { ColumnType, Generated } from 'kysely';

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type CreatedAt = ColumnType<Date, Date | string | undefined, never>;
type Json = ColumnType<unknown, string | undefined, string>;

export interface MessageTemplateTable {
  organization_id: string;
  id: Generated<string>;
  name: string;
  channel: 'email' | 'sms' | 'call';
  subject: string | null;
  body: string;
  html: string | null;
  fields: Generated<string[]>;
  created_by: string | null;
  created_at: CreatedAt;
  updated_at: Generated<Date>;
}

export interface MessageTable {
  organization_id: string;
  id: Generated<string>;
  lead_id: string | null;
  person_id: string | null;
  channel: 'email' | 'sms' | 'call' | 'ai_call';
  direction: 'outbound' | 'inbound';
  status: 'pending' | 'sending' | 'sent' | 'delivered' | 'failed' | 'cancelled' | 'received';
  source: 'manual' | 'sequence' | 'campaign' | 'scheduled' | 'faq' | 'nudge' | 'inbound' | 'system';
  sender_type: 'user' | 'ai' | 'system' | 'contact';
  sender_user_id: string | null;
  purpose: Generated<'marketing' | 'informational' | 'opt_out_confirmation' | 'help_reply'>;
  kind: 'phone' | 'email';
  peer_hash: Buffer;
  peer_display: string;
  peer_value: string | null;
  peer_enc: Buffer | null;
  from_address: string | null;
  subject: string | null;
  body: string;
  html: string | null;
  headers: Generated<Json>;
  template_id: string | null;
  campaign_id: string | null;
  enrollment_id: string | null;
  in_reply_to_id: string | null;
  idempotency_key: string;
  decision_id: string | null;
  decision: 'allow' | 'deny' | 'defer' | null;
  reason: string | null;
  scheduled_for: Generated<Date>;
  attempts: Generated<number>;
  provider: string | null;
  provider_message_id: string | null;
  segments: number | null;
  cost_cents: Generated<string>;
  error: string | null;
  handed_at: Timestamp | null;
  sent_at: Timestamp | null;
  delivered_at: Timestamp | null;
  failed_at: Timestamp | null;
  opened_at: Timestamp | null;
  clicked_at: Timestamp | null;
  replied_at: Timestamp | null;
  created_at: CreatedAt;
  updated_at: Generated<Date>;
}

export interface LocalOutboxTable {
  organization_id: string;
  id: Generated<string>;
  message_id: string;
  idempotency_key: string;
  channel: string;
  to_display: string;
  from_address: string | null;
  subject: string | null;
  body: string;
  headers: Generated<Json>;
  segments: number | null;
  created_at: CreatedAt;
}

export interface WebhookEventTable {
  organization_id: string;
  provider: string;
  event_id: string;
  kind: string;
  message_id: string | null;
  payload: Json;
  result: Json | null;
  received_at: CreatedAt;
}

export interface OutreachTables {
  message_template: MessageTemplateTable;
  message: MessageTable;
  local_outbox: LocalOutboxTable;
  webhook_event: WebhookEventTable;
}
