// Kysely's view of the segment and assignment tables (migrations/0010_segments_assignment.sql).
import type { ColumnType, Generated } from 'kysely';

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type CreatedAt = ColumnType<Date, Date | string | undefined, never>;
type Json = ColumnType<unknown, string | undefined, string>;
type Identity = ColumnType<number, never, never>;

export const ASSIGNMENT_STRATEGIES = ['manual', 'round_robin', 'least_loaded', 'territory'] as const;
export type AssignmentStrategy = (typeof ASSIGNMENT_STRATEGIES)[number];

export interface SegmentTable {
  organization_id: string;
  id: Generated<string>;
  name: string;
  description: string | null;
  filter: Json;
  lead_count: number | null;
  counted_at: Timestamp | null;
  created_by: string | null;
  created_at: CreatedAt;
  updated_at: Timestamp;
}

export interface TerritoryTable {
  organization_id: string;
  id: Generated<string>;
  user_id: string;
  kind: 'zip' | 'city';
  value: string;
  state: string | null;
  created_by: string | null;
  created_at: CreatedAt;
}

export interface AssignmentCursorTable {
  organization_id: string;
  last_user_id: string | null;
  dealt: Generated<number>;
  updated_at: Timestamp;
}

/** Written only by the database (trigger on lead.assignee_id). */
export interface LeadAssignmentTable {
  organization_id: string;
  id: Identity;
  lead_id: string;
  from_user_id: string | null;
  to_user_id: string | null;
  strategy: AssignmentStrategy;
  reason: string | null;
  assigned_by: string | null;
  via: string;
  assigned_at: CreatedAt;
}

export interface SegmentAssignmentTables {
  segment: SegmentTable;
  territory: TerritoryTable;
  assignment_cursor: AssignmentCursorTable;
  lead_assignment: LeadAssignmentTable;
}
