import { sql } from 'kysely';
import type { Trx } from '../../db/tenant.ts';
import type { SealedValue } from '../pii/pii.ts';
import type { MessageChange } from './provider-events.ts';

// What arrives from outside, as the database keeps it: provider events applied once each
// (webhook_event), inbound messages and the leads they belong to, the do-not-contact entries
// they add or lift, the delivery facts providers report, and the inbox a person works from.

export type Intent = 'opt_out' | 'opt_in' | 'help' | 'reply';
export type ContactKind = 'phone' | 'email';

export interface Owner {
  person_id: string | null;
  lead_id: string | null;
  assignee_id: string | null;
}

export interface SentMessage {
  id: string;
  kind: ContactKind;
  peer_hash: Buffer;
  peer_display: string;
}

export const inboundRepository = {
  async organizationName(trx: Trx): Promise<string | null> {
    return (await sql<{ name: string }>`SELECT name FROM organization WHERE id = app_org_id()`.execute(trx)).rows[0]?.name ?? null;
  },

  async eventApplied(provider: string, eventId: string, trx: Trx): Promise<boolean> {
    return (await sql`SELECT 1 FROM webhook_event WHERE organization_id = app_org_id() AND provider = ${provider} AND event_id = ${eventId}`.execute(trx)).rows.length > 0;
  },

  /** Claim an event for this transaction; false when it was applied before (a provider's retry). */
  async claimEvent(e: { provider: string; eventId: string; kind: string; payload: unknown }, trx: Trx): Promise<boolean> {
    return (await sql`
      INSERT INTO webhook_event (organization_id, provider, event_id, kind, payload)
      VALUES (app_org_id(), ${e.provider}, ${e.eventId}, ${e.kind}, ${JSON.stringify(e.payload)}::jsonb)
      ON CONFLICT (organization_id, provider, event_id) DO NOTHING RETURNING event_id`.execute(trx)).rows.length > 0;
  },

  async finishEvent(provider: string, eventId: string, messageId: string | null, result: unknown, trx: Trx) {
    await sql`UPDATE webhook_event SET message_id = ${messageId}::uuid, result = ${JSON.stringify(result)}::jsonb
      WHERE organization_id = app_org_id() AND provider = ${provider} AND event_id = ${eventId}`.execute(trx);
  },

  /** One inbound conversation step at a time per contact: two STOPs at once still confirm once. */
  async lockPeer(kind: ContactKind, hash: Buffer, trx: Trx) {
    await sql`SELECT pg_advisory_xact_lock(hashtextextended(app_org_id()::text || ${kind} || encode(${hash}, 'hex'), 0))`.execute(trx);
  },

  /** Whose phone or email it is (the contact point seen last), and that person's newest lead. */
  async ownerOf(kind: ContactKind, hash: Buffer, trx: Trx): Promise<Owner> {
    const row = (await sql<Owner>`
      SELECT cp.person_id, l.id AS lead_id, l.assignee_id FROM contact_point cp
      LEFT JOIN LATERAL (SELECT id, assignee_id FROM lead WHERE organization_id = cp.organization_id AND person_id = cp.person_id AND deleted_at IS NULL
                         ORDER BY created_at DESC, id DESC LIMIT 1) l ON true
      WHERE cp.organization_id = app_org_id() AND cp.kind = ${kind} AND cp.value_hash = ${hash}
      ORDER BY (l.id IS NOT NULL) DESC, cp.last_seen_at DESC, cp.id LIMIT 1`.execute(trx)).rows[0];
    return row ?? { person_id: null, lead_id: null, assignee_id: null };
  },

  async insertInbound(m: {
    key: string; provider: string; providerMessageId: string; owner: Owner; hash: Buffer; display: string; sealed: SealedValue;
    to: string | null; body: string; segments: number | null; intent: Intent; review: string | null; at: Date;
  }, trx: Trx): Promise<string | null> {
    return (await sql<{ id: string }>`
      INSERT INTO message (organization_id, lead_id, person_id, channel, direction, status, source, sender_type, purpose, kind, peer_hash, peer_display,
                           peer_value, peer_enc, from_address, body, idempotency_key, provider, provider_message_id, segments, intent, review,
                           scheduled_for, created_at)
      VALUES (app_org_id(), ${m.owner.lead_id}::uuid, ${m.owner.person_id}::uuid, 'sms', 'inbound', 'received', 'inbound', 'contact', 'informational', 'phone',
              ${m.hash}, ${m.display}, ${m.sealed.value}, ${m.sealed.value_enc}, ${m.to}, ${m.body}, ${m.key}, ${m.provider}, ${m.providerMessageId},
              ${m.segments}, ${m.intent}, ${m.review}, ${m.at}, ${m.at})
      ON CONFLICT (organization_id, idempotency_key) DO NOTHING RETURNING id`.execute(trx)).rows[0]?.id ?? null;
  },

  /**
   * The touch this inbound message answers: the last one handed to the same contact (else the
   * lead's last) gets replied_at, and the inbound message points at it. Required replies (an
   * opt-out confirmation, a HELP answer) are not touches anyone waits on a reply to.
   */
  async markReplied(inboundId: string, kind: ContactKind, hash: Buffer, leadId: string | null, at: Date, trx: Trx): Promise<string | null> {
    const id = (await sql<{ id: string }>`
      WITH target AS (
        SELECT id FROM message
        WHERE organization_id = app_org_id() AND direction = 'outbound' AND handed_at IS NOT NULL AND purpose IN ('marketing', 'informational')
          AND ((kind = ${kind} AND peer_hash = ${hash}) OR (${leadId}::uuid IS NOT NULL AND lead_id = ${leadId}::uuid))
        ORDER BY (kind = ${kind} AND peer_hash = ${hash}) DESC, handed_at DESC, id DESC LIMIT 1)
      UPDATE message m SET replied_at = coalesce(m.replied_at, ${at}) FROM target
      WHERE m.organization_id = app_org_id() AND m.id = target.id RETURNING m.id`.execute(trx)).rows[0]?.id ?? null;
    if (id) await sql`UPDATE message SET in_reply_to_id = ${id}::uuid WHERE organization_id = app_org_id() AND id = ${inboundId}::uuid`.execute(trx);
    return id;
  },

  /**
   * Whether texts to this phone are stopped: an entry of the list covering SMS, or a revocation
   * later than the last opt-in by keyword (a START whose lifting the gate honours).
   */
  async smsOptedOut(hash: Buffer, trx: Trx): Promise<boolean> {
    return (await sql<{ out: boolean }>`
      SELECT EXISTS (SELECT 1 FROM dnc_entry WHERE organization_id = app_org_id() AND kind = 'phone' AND value_hash = ${hash} AND (channels IS NULL OR 'sms' = ANY(channels)))
          OR coalesce((SELECT max(revoked_at) FROM consent WHERE organization_id = app_org_id() AND kind = 'phone' AND value_hash = ${hash}), '-infinity')
             > coalesce((SELECT max(captured_at) FROM consent WHERE organization_id = app_org_id() AND kind = 'phone' AND value_hash = ${hash}
                           AND method = 'sms_keyword' AND revoked_at IS NULL), '-infinity') AS out`.execute(trx)).rows[0]!.out;
  },

  /**
   * An opt-out confirmation to this phone is on its way or sent, answering a STOP since its last
   * opt-in: a repeated STOP gets no second one. (Ordered by the STOPs' own times, which the
   * inbound messages carry, not by when the confirmations were written.)
   */
  async confirmedSinceOptIn(hash: Buffer, trx: Trx): Promise<boolean> {
    return (await sql`
      SELECT 1 FROM message c JOIN message stop ON stop.organization_id = c.organization_id AND stop.id = c.in_reply_to_id
      WHERE c.organization_id = app_org_id() AND c.kind = 'phone' AND c.peer_hash = ${hash} AND c.purpose = 'opt_out_confirmation'
        AND c.status NOT IN ('cancelled', 'failed')
        AND stop.created_at > coalesce((SELECT max(i.created_at) FROM message i WHERE i.organization_id = app_org_id() AND i.kind = 'phone'
                                     AND i.peer_hash = ${hash} AND i.direction = 'inbound' AND i.intent = 'opt_in'), '-infinity')
      LIMIT 1`.execute(trx)).rows.length > 0;
  },

  /**
   * Put a phone or email on the organization's list for these channels (null: every channel). An
   * entry already there is widened, never narrowed: a STOP after a START blocks texts again.
   */
  async suppress(s: { kind: ContactKind; hash: Buffer; display: string; channels: string[] | null; reason: string; source: string }, trx: Trx) {
    await sql`
      INSERT INTO dnc_entry (organization_id, kind, value_hash, display, reason, source, channels, created_by)
      VALUES (app_org_id(), ${s.kind}, ${s.hash}, ${s.display}, ${s.reason.slice(0, 500)}, ${s.source}, ${s.channels}::text[], app_user_id())
      ON CONFLICT (organization_id, kind, value_hash) DO UPDATE
        SET channels = CASE WHEN EXCLUDED.channels IS NULL THEN NULL
                            ELSE ARRAY(SELECT DISTINCT c FROM unnest(dnc_entry.channels || EXCLUDED.channels) AS c ORDER BY c) END
        WHERE dnc_entry.channels IS NOT NULL AND (EXCLUDED.channels IS NULL OR NOT EXCLUDED.channels <@ dnc_entry.channels)`.execute(trx);
  },

  /**
   * START again (COMPLIANCE.md §5): texts only. An entry that a revocation put there is narrowed
   * to the channels it still covers (calls stay stopped), or removed when it covered texts alone;
   * an entry the organization added by hand stays: it is the organization's decision, not the owner's.
   */
  async reenableSms(hash: Buffer, trx: Trx): Promise<'narrowed' | 'removed' | 'kept' | 'none'> {
    const r = (await sql<{ narrowed: number; removed: number; kept: number }>`
      WITH e AS (
        SELECT id, source, array_remove(coalesce(channels, ARRAY['sms', 'call', 'ai_call']), 'sms') AS rest FROM dnc_entry
        WHERE organization_id = app_org_id() AND kind = 'phone' AND value_hash = ${hash} AND (channels IS NULL OR 'sms' = ANY(channels))),
      narrowed AS (UPDATE dnc_entry d SET channels = e.rest FROM e
                   WHERE d.organization_id = app_org_id() AND d.id = e.id AND e.source IN ('revocation', 'sms_stop') AND cardinality(e.rest) > 0 RETURNING d.id),
      removed AS (DELETE FROM dnc_entry d USING e
                  WHERE d.organization_id = app_org_id() AND d.id = e.id AND e.source IN ('revocation', 'sms_stop') AND cardinality(e.rest) = 0 RETURNING d.id)
      SELECT (SELECT count(*) FROM narrowed)::int AS narrowed, (SELECT count(*) FROM removed)::int AS removed,
             (SELECT count(*) FROM e WHERE source NOT IN ('revocation', 'sms_stop'))::int AS kept`.execute(trx)).rows[0]!;
    return r.kept ? 'kept' : r.narrowed ? 'narrowed' : r.removed ? 'removed' : 'none';
  },

  /** The keyword opt-in kept as the consent record it is: texts only, prior express consent, pointing at the message. */
  async recordSmsOptIn(c: { personId: string | null; hash: Buffer; display: string; seller: string; at: Date; messageId: string }, trx: Trx) {
    await sql`
      INSERT INTO consent (organization_id, person_id, kind, value_hash, display, seller_name, scope, type, captured_at, method, evidence_uri, created_by)
      VALUES (app_org_id(), ${c.personId}::uuid, 'phone', ${c.hash}, ${c.display}, ${c.seller}, ARRAY['sms'], 'pec', ${c.at}, 'sms_keyword',
              ${`porchlight:message/${c.messageId}`}, app_user_id())`.execute(trx);
  },

  /** A person has to answer it (no confident FAQ answer), or read it (an unclear opt-out). */
  async route(id: string, r: { needsReply: boolean; review: string | null }, trx: Trx) {
    if (!r.needsReply && !r.review) return;
    await sql`UPDATE message SET needs_reply = ${r.needsReply}, review = ${r.review} WHERE organization_id = app_org_id() AND id = ${id}::uuid`.execute(trx);
  },

  /** An outbound message by the provider's id for it. */
  async findSent(q: { providers: string[]; ids: string[]; channel?: 'email' }, trx: Trx): Promise<SentMessage | null> {
    return (await sql<SentMessage>`
      SELECT id, kind, peer_hash, peer_display FROM message
      WHERE organization_id = app_org_id() AND provider = ANY(${q.providers}::text[]) AND provider_message_id = ANY(${q.ids}::text[])
        AND direction = 'outbound' AND (${q.channel ?? null}::text IS NULL OR channel = ${q.channel ?? null})
      ORDER BY created_at DESC LIMIT 1`.execute(trx)).rows[0] ?? null;
  },

  /** A provider's report on a message: statuses only move forward (callbacks arrive out of order), first times stay. */
  async applyChange(id: string, c: MessageChange, trx: Trx) {
    const open = sql`status IN ('sending', 'sent')`;
    await sql`
      UPDATE message SET
        status = CASE WHEN ${c.status ?? null}::text IS NOT NULL AND ${open} THEN ${c.status ?? null}::text ELSE status END,
        delivered_at = CASE WHEN ${c.status ?? null}::text = 'delivered' THEN coalesce(delivered_at, ${c.at}) ELSE delivered_at END,
        failed_at = CASE WHEN ${c.status ?? null}::text = 'failed' AND ${open} THEN ${c.at} ELSE failed_at END,
        error = CASE WHEN ${open} THEN coalesce(${c.error ?? null}, error) ELSE error END,
        opened_at = CASE WHEN ${!!c.opened} THEN coalesce(opened_at, ${c.at}) ELSE opened_at END,
        clicked_at = CASE WHEN ${!!c.clicked} THEN coalesce(clicked_at, ${c.at}) ELSE clicked_at END,
        cost_cents = coalesce(${c.costCents ?? null}::bigint, cost_cents),
        segments = coalesce(${c.segments ?? null}::int, segments),
        call_duration_seconds = coalesce(${c.durationSeconds ?? null}::int, call_duration_seconds)
      WHERE organization_id = app_org_id() AND id = ${id}::uuid`.execute(trx);
  },

  /** How a contact known only by its hash is shown (the unsubscribe link carries no address). */
  async displayOf(kind: ContactKind, hash: Buffer, trx: Trx): Promise<string | null> {
    return (await sql<{ d: string }>`
      SELECT d FROM (SELECT display AS d, 1 AS o FROM contact_point WHERE organization_id = app_org_id() AND kind = ${kind} AND value_hash = ${hash}
                     UNION ALL SELECT peer_display, 2 FROM message WHERE organization_id = app_org_id() AND kind = ${kind} AND peer_hash = ${hash}) x
      ORDER BY o LIMIT 1`.execute(trx)).rows[0]?.d ?? null;
  },

  /** Inbound messages a person must answer or read, newest first; one answered by a person since drops out. */
  async inbox(q: { assigneeId: string | null; limit: number }, trx: Trx) {
    return (await sql<Record<string, unknown>>`
      SELECT m.id, m.created_at AS received_at, m.channel, m.peer_display AS contact, m.body, m.intent, m.needs_reply, m.review,
             m.lead_id, l.assignee_id, u.email AS assignee
      FROM message m
      LEFT JOIN lead l ON l.organization_id = m.organization_id AND l.id = m.lead_id
      LEFT JOIN app_user u ON u.organization_id = l.organization_id AND u.id = l.assignee_id
      WHERE m.organization_id = app_org_id() AND m.direction = 'inbound' AND (m.needs_reply OR m.review IS NOT NULL)
        AND (${q.assigneeId}::uuid IS NULL OR l.assignee_id = ${q.assigneeId}::uuid)
        AND (m.review IS NOT NULL OR NOT EXISTS (
              SELECT 1 FROM message r WHERE r.organization_id = m.organization_id AND r.kind = m.kind AND r.peer_hash = m.peer_hash
                AND r.direction = 'outbound' AND r.sender_type = 'user' AND r.created_at > m.created_at AND r.status NOT IN ('cancelled', 'failed')))
      ORDER BY m.created_at DESC, m.id DESC LIMIT ${q.limit}`.execute(trx)).rows;
  },

  async resolve(id: string, trx: Trx): Promise<boolean> {
    return (await sql`UPDATE message SET needs_reply = false, review = NULL
      WHERE organization_id = app_org_id() AND id = ${id}::uuid AND direction = 'inbound' RETURNING id`.execute(trx)).rows.length > 0;
  },
};
