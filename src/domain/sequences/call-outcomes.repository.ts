import { sql } from 'kysely';
import type { Trx } from '../../db/tenant.ts';

// What a CONDITION on a call's outcome reads until calls keep their own records (the voice
// engine's outcomes: scheduled, follow_up, rejected, voicemail ...): the carrier's word on the
// lead's latest call since it enrolled. A call nobody answered (busy, no answer, canceled) is
// no_answer, one that failed is failed; an answered call has no outcome here yet, so a condition
// on it takes its "no" branch.

export async function callOutcomesFromMessages(trx: Trx, rows: { leadId: string; since: Date }[]): Promise<Map<string, { outcome: string; at: Date }>> {
  if (!rows.length) return new Map();
  const found = await sql<{ lead_id: string; outcome: string; at: Date }>`
    SELECT x.lead_id, CASE WHEN m.error = 'call failed' THEN 'failed' ELSE 'no_answer' END AS outcome, m.failed_at AS at
    FROM unnest(${rows.map((r) => r.leadId)}::uuid[], ${rows.map((r) => r.since)}::timestamptz[]) AS x(lead_id, since)
    CROSS JOIN LATERAL (
      SELECT m.error, m.failed_at FROM message m
      WHERE m.organization_id = app_org_id() AND m.lead_id = x.lead_id AND m.direction = 'outbound' AND m.channel IN ('call', 'ai_call')
        AND m.created_at >= x.since
      ORDER BY m.created_at DESC LIMIT 1) m
    WHERE m.error IN ('call busy', 'call no-answer', 'call canceled', 'call failed')`.execute(trx);
  return new Map(found.rows.map((r) => [r.lead_id, { outcome: r.outcome, at: r.at }]));
}
