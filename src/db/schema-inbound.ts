// Kysely's view of the FAQ auto-responder and the inbox (migrations/0016_faq.sql).
import type { ColumnType, Generated } from 'kysely';

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type CreatedAt = ColumnType<Date, Date | string | undefined, never>;

// 0016 adds columns to 0013's message table: declared here, beside the migration that adds
// them, and merged into MessageTable so the table keeps one type.
declare module './schema-outreach.ts' {
  interface MessageTable {
    intent: 'opt_out' | 'opt_in' | 'help' | 'reply' | null;
    needs_reply: Generated<boolean>;
    review: string | null;
    call_duration_seconds: number | null;
  }
}

export interface FaqEntryTable {
  organization_id: string;
  id: Generated<string>;
  user_id: string;
  question: string;
  answer: string;
  embedding: number[];
  embedding_model: string;
  active: Generated<boolean>;
  use_count: Generated<number>;
  last_used_at: Timestamp | null;
  created_at: CreatedAt;
  updated_at: Generated<Date>;
}

export interface FaqMatchTable {
  organization_id: string;
  message_id: string;
  faq_entry_id: string | null;
  score: number | null;
  runner_up: number | null;
  confident: boolean;
  reply_id: string | null;
  embedding_model: string | null;
  created_at: CreatedAt;
}

export interface InboundTables {
  faq_entry: FaqEntryTable;
  faq_match: FaqMatchTable;
}
