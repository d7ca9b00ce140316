import { sql } from 'kysely';
import type { Trx } from '../../db/tenant.ts';
import type { Channel, Purpose } from './gate.ts';

// Every decision of the gate is stored with the facts it used, by `compliance check` and the
// outbox alike: one statement for a batch.

export interface DecisionRow {
  id: string;
  leadId: string | null;
  kind: 'phone' | 'email';
  /** The contact's keyed hash, hex. */
  hash: string;
  display: string;
  channel: Channel;
  purpose: Purpose;
  decision: 'allow' | 'deny' | 'defer';
  reason: string | null;
  reasons: string[];
  obligations: string[];
  until: Date | null;
  at: Date;
  facts: Record<string, unknown>;
}

export async function insertDecisions(decisions: DecisionRow[], trx: Trx) {
  if (!decisions.length) return;
  const d = <T>(f: (x: DecisionRow) => T) => decisions.map(f);
  await sql`
    INSERT INTO compliance_decision (organization_id, id, lead_id, kind, value_hash, display, channel, purpose, decision, reason, reasons, obligations,
                                     defer_until, at, facts, decided_by, via)
    SELECT app_org_id(), u.id, u.lead_id, u.kind, decode(u.hash, 'hex'), u.display, u.channel, u.purpose, u.decision, u.reason,
           ARRAY(SELECT jsonb_array_elements_text(u.reasons::jsonb)), ARRAY(SELECT jsonb_array_elements_text(u.obligations::jsonb)),
           u.until, u.at, u.facts::jsonb, app_user_id(), app_via()
    FROM unnest(${d((x) => x.id)}::uuid[], ${d((x) => x.leadId)}::uuid[], ${d((x) => x.kind)}::text[], ${d((x) => x.hash)}::text[],
                ${d((x) => x.display)}::text[], ${d((x) => x.channel)}::text[], ${d((x) => x.purpose)}::text[], ${d((x) => x.decision)}::text[],
                ${d((x) => x.reason)}::text[], ${d((x) => JSON.stringify(x.reasons))}::text[], ${d((x) => JSON.stringify(x.obligations))}::text[],
                ${d((x) => x.until)}::timestamptz[], ${d((x) => x.at)}::timestamptz[], ${d((x) => JSON.stringify(x.facts))}::text[])
      AS u(id, lead_id, kind, hash, display, channel, purpose, decision, reason, reasons, obligations, until, at, facts)`.execute(trx);
}
