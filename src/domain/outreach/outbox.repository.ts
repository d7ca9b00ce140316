import crypto from 'node:crypto';
import { sql } from 'kysely';
import type { Trx } from '../../db/tenant.ts';
import type { Channel, Purpose } from '../compliance/gate.ts';
import type { SealedValue } from '../pii/pii.ts';
import type { SendResult } from '../../providers/channels/ports.ts';
import { insertDecisions, type DecisionRow } from '../compliance/decisions.repository.ts';

// The message table as the outbox sees it: drafts written once by key, due messages claimed
// with SKIP LOCKED, the gate's answers and the providers' written back, each as one statement
// for the whole batch.

export type MessageSource = 'manual' | 'sequence' | 'campaign' | 'scheduled' | 'faq' | 'nudge' | 'system';

/** A message to go out, from any engine. Its key makes writing it twice write it once. */
export interface Draft {
  key: string;
  source: MessageSource;
  senderType: 'user' | 'ai' | 'system';
  senderUserId?: string | null;
  channel: Channel;
  purpose: Purpose;
  leadId?: string | null;
  personId?: string | null;
  kind: 'phone' | 'email';
  hash: Buffer;
  display: string;
  sealed: SealedValue;
  from?: string | null;
  subject?: string | null;
  body: string;
  html?: string | null;
  templateId?: string | null;
  campaignId?: string | null;
  enrollmentId?: string | null;
  inReplyToId?: string | null;
  /** A nudge's message: sent only while its briefing is active. */
  briefingId?: string | null;
  /** Not before (a schedule); now when absent. */
  at?: Date | null;
}

/** A due message with what the gate needs to know of its recipient. */
export interface DueRow {
  id: string;
  key: string;
  lead_id: string | null;
  person_id: string | null;
  channel: Channel;
  purpose: Purpose;
  source: MessageSource;
  kind: 'phone' | 'email';
  peer_hash: Buffer;
  peer_value: string | null;
  peer_enc: Uint8Array | null;
  from_address: string | null;
  subject: string | null;
  body: string;
  html: string | null;
  headers: Record<string, string>;
  enrollment_id: string | null;
  campaign_id: string | null;
  /** A nudge's message: goes only while this briefing is active. */
  briefing_id: string | null;
  attempts: number;
  mailing_zip: string | null;
  mailing_state: string | null;
  timezone: string | null;
  quiet_start: string | null;
  quiet_end: string | null;
  /** For an opt-out confirmation: when the STOP came, and whether one was already handed over. */
  stop_at: Date | null;
  confirmed: boolean;
  /** A call: its record, whether it is recorded (only ever with a disclosure), its time limit, its caller's consent policy. */
  call_id: string | null;
  record: boolean | null;
  max_duration_seconds: number | null;
  require_consent: boolean | null;
}

export interface Gated {
  id: string;
  decisionId: string;
  decision: 'allow' | 'deny' | 'defer';
  reason: string | null;
  until: Date | null;
  /** The content as it goes (opt-out line, unsubscribe footer and headers added). */
  from: string | null;
  body: string;
  html: string | null;
  headers: Record<string, string>;
  error?: string | null;
}

const hex = (b: Uint8Array | null) => (b ? Buffer.from(b).toString('hex') : null);

export const outboxRepository = {
  /** Write drafts once by key; returns every draft's message id, new or already there. */
  async insert(drafts: Draft[], trx: Trx): Promise<Map<string, { id: string; created: boolean }>> {
    const out = new Map<string, { id: string; created: boolean }>();
    if (!drafts.length) return out;
    const col = <T>(f: (d: Draft) => T) => drafts.map(f);
    const made = await sql<{ id: string; key: string }>`
      INSERT INTO message (organization_id, lead_id, person_id, channel, direction, status, source, sender_type, sender_user_id, purpose,
                           kind, peer_hash, peer_display, peer_value, peer_enc, from_address, subject, body, html, template_id, campaign_id,
                           enrollment_id, in_reply_to_id, idempotency_key, scheduled_for, briefing_id)
      SELECT app_org_id(), u.lead_id, u.person_id, u.channel, 'outbound', 'pending', u.source, u.sender_type, u.sender_user_id, u.purpose,
             u.kind, decode(u.hash, 'hex'), u.display, u.value, decode(u.enc, 'hex'), u.from_address, u.subject, u.body, u.html, u.template_id,
             u.campaign_id, u.enrollment_id, u.in_reply_to_id, u.key, coalesce(u.at, now()), u.briefing_id
      FROM unnest(${col((d) => d.leadId ?? null)}::uuid[], ${col((d) => d.personId ?? null)}::uuid[], ${col((d) => d.channel)}::text[],
                  ${col((d) => d.source)}::text[], ${col((d) => d.senderType)}::text[], ${col((d) => d.senderUserId ?? null)}::uuid[],
                  ${col((d) => d.purpose)}::text[], ${col((d) => d.kind)}::text[], ${col((d) => d.hash.toString('hex'))}::text[],
                  ${col((d) => d.display)}::text[], ${col((d) => d.sealed.value)}::text[], ${col((d) => hex(d.sealed.value_enc))}::text[],
                  ${col((d) => d.from ?? null)}::text[], ${col((d) => d.subject ?? null)}::text[], ${col((d) => d.body)}::text[],
                  ${col((d) => d.html ?? null)}::text[], ${col((d) => d.templateId ?? null)}::uuid[], ${col((d) => d.campaignId ?? null)}::uuid[],
                  ${col((d) => d.enrollmentId ?? null)}::uuid[], ${col((d) => d.inReplyToId ?? null)}::uuid[], ${col((d) => d.key)}::text[],
                  ${col((d) => d.at ?? null)}::timestamptz[], ${col((d) => d.briefingId ?? null)}::uuid[])
        AS u(lead_id, person_id, channel, source, sender_type, sender_user_id, purpose, kind, hash, display, value, enc, from_address,
             subject, body, html, template_id, campaign_id, enrollment_id, in_reply_to_id, key, at, briefing_id)
      ON CONFLICT (organization_id, idempotency_key) DO NOTHING
      RETURNING id, idempotency_key AS key`.execute(trx);
    for (const r of made.rows) out.set(r.key, { id: r.id, created: true });
    const missing = drafts.map((d) => d.key).filter((k) => !out.has(k));
    if (missing.length) {
      const found = await sql<{ id: string; key: string }>`
        SELECT id, idempotency_key AS key FROM message WHERE organization_id = app_org_id() AND idempotency_key = ANY(${missing}::text[])`.execute(trx);
      for (const r of found.rows) out.set(r.key, { id: r.id, created: false });
    }
    return out;
  },

  /** Claim due outbound messages (these ids, or the oldest due): another worker skips them. */
  async claimDue(opts: { ids?: string[]; limit: number; now: Date }, trx: Trx): Promise<DueRow[]> {
    const ids = opts.ids ?? null;
    return (await sql<DueRow>`
      WITH due AS (
        SELECT id FROM message
        WHERE organization_id = app_org_id() AND status = 'pending' AND direction = 'outbound' AND scheduled_for <= ${opts.now}
          AND (${ids}::uuid[] IS NULL OR id = ANY(${ids}::uuid[]))
          -- a nudge's message waits while its briefing is paused (cancelled, it was cancelled with it)
          AND (briefing_id IS NULL OR EXISTS (SELECT 1 FROM briefing b WHERE b.organization_id = message.organization_id AND b.id = message.briefing_id AND b.status = 'ACTIVE'))
        ORDER BY scheduled_for, id LIMIT ${opts.limit}
        FOR UPDATE SKIP LOCKED)
      SELECT m.id, m.idempotency_key AS key, m.lead_id, m.person_id, m.channel, m.purpose, m.source, m.kind, m.peer_hash, m.peer_value, m.peer_enc,
             m.from_address, m.subject, m.body, m.html, m.headers, m.enrollment_id, m.campaign_id, m.briefing_id, m.attempts,
             pe.mailing_zip, pe.mailing_state, l.timezone, to_char(l.quiet_hours_start, 'HH24:MI') AS quiet_start, to_char(l.quiet_hours_end, 'HH24:MI') AS quiet_end,
             r.created_at AS stop_at,
             (m.purpose = 'opt_out_confirmation' AND EXISTS (
                SELECT 1 FROM message c WHERE c.organization_id = m.organization_id AND c.kind = m.kind AND c.peer_hash = m.peer_hash
                  AND c.purpose = 'opt_out_confirmation' AND c.handed_at IS NOT NULL AND c.id <> m.id AND c.created_at >= r.created_at)) AS confirmed,
             vc.id AS call_id, vc.record, vc.max_duration_seconds, coalesce(cfg.require_consent, vc.id IS NOT NULL) AS require_consent
      FROM due JOIN message m ON m.organization_id = app_org_id() AND m.id = due.id
      LEFT JOIN voice_call vc ON vc.organization_id = m.organization_id AND vc.message_id = m.id
      LEFT JOIN voice_configuration cfg ON cfg.organization_id = vc.organization_id AND cfg.user_id = vc.user_id
      LEFT JOIN message r ON r.organization_id = m.organization_id AND r.id = m.in_reply_to_id
      LEFT JOIN lead l ON l.organization_id = m.organization_id AND l.id = m.lead_id
      -- CASE, not coalesce: under row-level security only a leak-proof expression can key an index
      -- scan, and PostgreSQL counts coalesce as leaky (with it, every owner was read for every message)
      LEFT JOIN person pe ON pe.organization_id = m.organization_id AND pe.id = CASE WHEN m.person_id IS NOT NULL THEN m.person_id ELSE l.person_id END
      ORDER BY m.scheduled_for, m.id`.execute(trx)).rows;
  },

  /**
   * Of these briefings, the ones still active, held (FOR SHARE) until the claiming transaction
   * ends. The claim read their status without a lock: a pause committed since then must leave
   * its messages pending, and one that comes now waits until they are handed over, so the
   * database's guard never refuses a hand-over and fails the whole batch.
   */
  async holdActiveBriefings(ids: string[], trx: Trx): Promise<Set<string>> {
    if (!ids.length) return new Set();
    const r = await sql<{ id: string }>`
      SELECT id FROM briefing WHERE organization_id = app_org_id() AND id = ANY(${ids}::uuid[]) AND status = 'ACTIVE'
      ORDER BY id FOR SHARE`.execute(trx);
    return new Set(r.rows.map((x) => x.id));
  },

  /** The gate's decisions, stored with their facts, and the messages moved on by them. */
  async storeGated(rows: Gated[], decisions: DecisionRow[], at: Date, trx: Trx) {
    if (!rows.length) return;
    await insertDecisions(decisions, trx);
    const g = <T>(f: (x: Gated) => T) => rows.map(f);
    await sql`
      UPDATE message m SET decision_id = u.decision_id, decision = u.decision, reason = u.reason, error = u.error,
        status = CASE WHEN u.error IS NOT NULL THEN 'failed' WHEN u.decision = 'allow' THEN 'sending' WHEN u.decision = 'deny' THEN 'cancelled' ELSE 'pending' END,
        failed_at = CASE WHEN u.error IS NOT NULL THEN ${at}::timestamptz END,
        handed_at = CASE WHEN u.decision = 'allow' AND u.error IS NULL THEN ${at}::timestamptz END,
        attempts = m.attempts + (u.decision = 'allow' AND u.error IS NULL)::int,
        scheduled_for = coalesce(u.until, m.scheduled_for),
        from_address = u.from_address, body = u.body, html = u.html, headers = u.headers::jsonb
      FROM unnest(${g((x) => x.id)}::uuid[], ${g((x) => x.decisionId)}::uuid[], ${g((x) => x.decision)}::text[], ${g((x) => x.reason)}::text[],
                  ${g((x) => x.until)}::timestamptz[], ${g((x) => x.from)}::text[], ${g((x) => x.body)}::text[], ${g((x) => x.html)}::text[],
                  ${g((x) => JSON.stringify(x.headers))}::text[], ${g((x) => x.error ?? null)}::text[])
        AS u(id, decision_id, decision, reason, until, from_address, body, html, headers, error)
      WHERE m.organization_id = app_org_id() AND m.id = u.id`.execute(trx);
  },

  /** The providers' answers: sent, failed for good, or back to pending for a later try. */
  async storeResults(results: (SendResult & { provider: string; retryAt?: Date | null })[], at: Date, trx: Trx) {
    if (!results.length) return;
    const r = <T>(f: (x: (typeof results)[number]) => T) => results.map(f);
    await sql`
      UPDATE message m SET provider = u.provider, provider_message_id = coalesce(u.provider_id, m.provider_message_id),
        status = CASE u.outcome WHEN 'sent' THEN 'sent' WHEN 'failed' THEN 'failed' ELSE 'pending' END,
        sent_at = CASE WHEN u.outcome = 'sent' THEN ${at}::timestamptz END,
        failed_at = CASE WHEN u.outcome = 'failed' THEN ${at}::timestamptz END,
        handed_at = CASE WHEN u.outcome = 'retry' THEN NULL ELSE m.handed_at END,
        scheduled_for = coalesce(u.retry_at, m.scheduled_for),
        error = u.error, cost_cents = coalesce(u.cost, m.cost_cents), segments = coalesce(u.segments, m.segments)
      FROM unnest(${r((x) => x.messageId)}::uuid[], ${r((x) => x.provider)}::text[], ${r((x) => x.providerMessageId ?? null)}::text[],
                  ${r((x) => x.outcome)}::text[], ${r((x) => x.error ?? null)}::text[], ${r((x) => x.costCents ?? null)}::bigint[],
                  ${r((x) => x.segments ?? null)}::int[], ${r((x) => x.retryAt ?? null)}::timestamptz[])
        AS u(id, provider, provider_id, outcome, error, cost, segments, retry_at)
      WHERE m.organization_id = app_org_id() AND m.id = u.id AND m.status = 'sending'`.execute(trx);
    // the lead was reached (its history does not record this: it changes with every touch)
    await sql`
      WITH m AS MATERIALIZED (
        SELECT lead_id, max(sent_at) AS sent_at FROM message
        WHERE organization_id = app_org_id() AND id = ANY(${r((x) => x.messageId)}::uuid[]) AND status = 'sent' AND lead_id IS NOT NULL
        GROUP BY lead_id)
      UPDATE lead l SET last_contacted_at = greatest(l.last_contacted_at, m.sent_at)
      FROM m
      -- the leads looked up by id (= ANY): joined freely, the planner merged these few against every
      -- lead of the organization, a cost that grew with the organization
      WHERE l.organization_id = app_org_id() AND l.id = ANY(ARRAY(SELECT lead_id FROM m)) AND l.id = m.lead_id
        AND (l.last_contacted_at IS NULL OR l.last_contacted_at < m.sent_at)`.execute(trx);
  },

  /** Messages handed over longer ago than `before` with no answer recorded: a crash in between. */
  async stranded(before: Date, limit: number, trx: Trx) {
    return (await sql<{ id: string; key: string; channel: Channel }>`
      SELECT id, idempotency_key AS key, channel FROM message
      WHERE organization_id = app_org_id() AND status = 'sending' AND handed_at <= ${before}
      ORDER BY handed_at LIMIT ${limit}`.execute(trx)).rows;
  },

  /** Never got to the provider: pending again, to be gated afresh. */
  async unhand(ids: string[], trx: Trx) {
    if (!ids.length) return;
    await sql`UPDATE message SET status = 'pending', handed_at = NULL WHERE organization_id = app_org_id() AND id = ANY(${ids}::uuid[]) AND status = 'sending'`.execute(trx);
  },
};

export const newId = () => crypto.randomUUID();
