import { sql } from 'kysely';
import type { Trx } from '../../db/tenant.ts';

// What a CONDITION on a call's outcome reads: the outcome of the lead's latest finished call
// since it enrolled (src/domain/voice: scheduled, follow_up, rejected, no_answer, voicemail,
// opt_out, failed). A call the gate blocked never rang and has no outcome here; a lead with no
// finished call takes the condition's "no" branch.

export async function callOutcomes(trx: Trx, rows: { leadId: string; since: Date }[]): Promise<Map<string, { outcome: string; at: Date }>> {
  if (!rows.length) return new Map();
  const found = await sql<{ lead_id: string; outcome: string; at: Date }>`
    SELECT x.lead_id, c.outcome, c.ended_at AS at
    FROM unnest(${rows.map((r) => r.leadId)}::uuid[], ${rows.map((r) => r.since)}::timestamptz[]) AS x(lead_id, since)
    CROSS JOIN LATERAL (
      SELECT c.outcome, c.ended_at FROM voice_call c
      WHERE c.organization_id = app_org_id() AND c.lead_id = x.lead_id AND c.initiated_at >= x.since
        AND c.outcome IS NOT NULL AND c.blocked_reason IS NULL
      ORDER BY c.initiated_at DESC LIMIT 1 OFFSET 0) c`.execute(trx);
  return new Map(found.rows.map((r) => [r.lead_id, { outcome: r.outcome, at: r.at }]));
}
