import { sql } from 'kysely';
import type { Trx } from '../../db/tenant.ts';
import type { Channel } from '../compliance/gate.ts';
import { maskContact, type Pii, type SealedValue } from '../pii/pii.ts';
import type { OutreachSettings } from './outreach-settings.ts';
import type { MergeContext } from './template.ts';

// Who a lead's message goes to and what its template may say, for many leads in one query:
// the owner's best phone (for a text a mobile, never a landline; else verified first, then
// mobile, then score) or email, and the lead,
// owner, property, assignee and organization facts the merge fields read. Every engine that
// writes messages (sequences, campaigns, scheduled and manual messages) reads them here.

export interface Recipient {
  leadId: string;
  personId: string | null;
  assigneeId: string | null;
  /** null when the owner has no phone (or email) to reach: the engine records why it skipped. */
  contact: { kind: 'phone' | 'email'; hash: Buffer; display: string; sealed: SealedValue } | null;
  merge: MergeContext;
}

interface Row {
  lead_id: string; person_id: string | null; assignee_id: string | null;
  last_contacted_at: Date | null; next_follow_up_at: Date | null;
  first_name: string | null; last_name: string | null; full_name: string | null; company_name: string | null; is_company: boolean | null; person_tz: string | null;
  address_line1: string | null; address_line2: string | null; city: string | null; state: string | null; zip: string | null; subdivision: string | null;
  year_built: number | null; roof_age_years: number | null; estimated_value_cents: string | null;
  user_name: string | null; user_email: string | null; org_name: string;
  c_value: string | null; c_value_enc: Uint8Array | null; c_hash: Buffer | null;
}

export const kindOf = (channel: Channel): 'phone' | 'email' => (channel === 'email' ? 'email' : 'phone');

export async function loadRecipients(trx: Trx, pii: Pii, leadIds: string[], channel: Channel, settings: OutreachSettings): Promise<Map<string, Recipient>> {
  const kind = kindOf(channel);
  const rows = (await sql<Row>`
    SELECT l.id AS lead_id, l.person_id, l.assignee_id, l.last_contacted_at, l.next_follow_up_at,
           pe.first_name, pe.last_name, pe.full_name, pe.company_name, pe.is_company, pe.timezone AS person_tz,
           pr.address_line1, pr.address_line2, pr.city, pr.state, pr.zip, pr.subdivision, pr.year_built, pr.roof_age_years,
           pr.estimated_value_cents::text AS estimated_value_cents,
           u.full_name AS user_name, u.email AS user_email, o.name AS org_name,
           c.value AS c_value, c.value_enc AS c_value_enc, c.value_hash AS c_hash
    FROM unnest(${leadIds}::uuid[]) AS x(id)
    JOIN lead l ON l.organization_id = app_org_id() AND l.id = x.id AND l.deleted_at IS NULL
    JOIN organization o ON o.id = l.organization_id
    LEFT JOIN person pe ON pe.organization_id = l.organization_id AND pe.id = l.person_id
    LEFT JOIN property pr ON pr.organization_id = l.organization_id AND pr.id = l.property_id
    LEFT JOIN app_user u ON u.organization_id = l.organization_id AND u.id = l.assignee_id
    LEFT JOIN LATERAL (
      SELECT cp.value, cp.value_enc, cp.value_hash FROM contact_point cp
      WHERE cp.organization_id = l.organization_id AND cp.person_id = l.person_id AND cp.kind = ${kind}
        -- a landline takes no texts
        AND NOT (${channel === 'sms'} AND cp.type IS NOT DISTINCT FROM 'landline')
      -- a text goes to a mobile first; a call or an email to what was verified
      ORDER BY CASE WHEN ${channel === 'sms'} THEN (cp.type = 'mobile') END DESC NULLS LAST, cp.verified DESC,
               (cp.type = 'mobile') DESC NULLS LAST, cp.score DESC NULLS LAST, cp.id LIMIT 1) c ON true`.execute(trx)).rows;
  const out = new Map<string, Recipient>();
  for (const r of rows) {
    let contact: Recipient['contact'] = null;
    if (r.c_hash) {
      const value = pii.open({ value: r.c_value, value_enc: r.c_value_enc });
      contact = { kind, hash: Buffer.from(r.c_hash), display: maskContact(kind, value), sealed: { value: r.c_value, value_enc: r.c_value_enc } };
    }
    out.set(r.lead_id, {
      leadId: r.lead_id, personId: r.person_id, assigneeId: r.assignee_id, contact,
      merge: {
        lead: { last_contacted_at: r.last_contacted_at, next_follow_up_at: r.next_follow_up_at },
        person: { first_name: r.first_name, last_name: r.last_name, full_name: r.full_name, company_name: r.company_name, is_company: r.is_company, timezone: r.person_tz },
        property: {
          address_line1: r.address_line1, address_line2: r.address_line2, city: r.city, state: r.state, zip: r.zip, subdivision: r.subdivision,
          year_built: r.year_built, roof_age_years: r.roof_age_years, estimated_value_cents: r.estimated_value_cents,
        },
        user: { full_name: r.user_name, email: r.user_email, phone: settings.from_phone },
        org: { name: settings.sender_name ?? r.org_name, postal_address: settings.postal_address },
        timeZone: r.person_tz,
      },
    });
  }
  return out;
}
