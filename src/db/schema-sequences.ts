// Kysely's view of the sequence tables (migrations/0014_sequences.sql). The metrics views are
// read with plain SQL in the sequences repository.
import type { ColumnType, Generated } from 'kysely';

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type CreatedAt = ColumnType<Date, Date | string | undefined, never>;
type Json = ColumnType<unknown, string | undefined, string>;

export const SEQUENCE_NODE_TYPES = ['START', 'EMAIL', 'SMS', 'VOICE_CALL', 'WAIT', 'CONDITION', 'RESEARCH', 'END'] as const;
export type SequenceNodeType = (typeof SEQUENCE_NODE_TYPES)[number];
export const ENROLLMENT_STATUSES = ['active', 'paused', 'completed', 'failed', 'stopped'] as const;
export type EnrollmentStatus = (typeof ENROLLMENT_STATUSES)[number];
export type ExecutionStatus = 'succeeded' | 'failed' | 'skipped' | 'scheduled';

export interface SequenceTable {
  organization_id: string;
  id: Generated<string>;
  name: string;
  description: string | null;
  kind: 'graph' | 'nurture';
  status: Generated<'active' | 'paused' | 'archived'>;
  purpose: Generated<'marketing' | 'informational'>;
  timezone: Generated<string>;
  /** HH:MM:SS as PostgreSQL prints a time. */
  working_hours_start: Generated<string>;
  working_hours_end: Generated<string>;
  working_days: Generated<number[]>;
  start_node: string;
  definition: Json;
  created_by: string | null;
  created_at: CreatedAt;
  updated_at: Timestamp;
}

export interface SequenceNodeTable {
  organization_id: string;
  sequence_id: string;
  key: string;
  type: SequenceNodeType;
  label: string | null;
  config: Json;
  template_id: string | null;
  next: Json;
}

export interface SequenceEnrollmentTable {
  organization_id: string;
  id: Generated<string>;
  sequence_id: string;
  lead_id: string | null;
  status: Generated<EnrollmentStatus>;
  current_node: string;
  next_run_at: Timestamp | null;
  step: Generated<number>;
  enrolled_by: string | null;
  enrolled_at: Timestamp;
  last_run_at: Timestamp | null;
  completed_at: Timestamp | null;
  converted_at: Timestamp | null;
  stopped_at: Timestamp | null;
  stop_reason: string | null;
  last_error: string | null;
  updated_at: Timestamp;
}

export interface SequenceExecutionTable {
  organization_id: string;
  id: Generated<string>;
  enrollment_id: string;
  sequence_id: string;
  node_key: string;
  node_type: SequenceNodeType;
  step: number;
  status: ExecutionStatus;
  branch: string | null;
  message_id: string | null;
  enrichment_run_id: string | null;
  detail: Json;
  error: string | null;
  started_at: Timestamp;
  finished_at: Timestamp | null;
}

export interface SequenceTables {
  sequence: SequenceTable;
  sequence_node: SequenceNodeTable;
  sequence_enrollment: SequenceEnrollmentTable;
  sequence_execution: SequenceExecutionTable;
}
