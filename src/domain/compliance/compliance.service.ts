import crypto from 'node:crypto';
import { DateTime } from 'luxon';
import { sql } from 'kysely';
import { z } from 'zod';
import { notFound, validation } from '../../app/errors.ts';
import { parseInput } from '../../app/validate.ts';
import type { Database } from '../../db/database.ts';
import { withTenant, type Actor, type Trx } from '../../db/tenant.ts';
import { normalizeEmail, normalizePhone } from '../identity/normalize-contact.ts';
import { maskContact, type Pii } from '../pii/pii.ts';
import { decide, type Channel } from './gate.ts';
import { gatherFacts } from './facts.repository.ts';
import { insertDecisions } from './decisions.repository.ts';
import { readOutreachSettings } from '../outreach/outreach-settings.ts';
import { locateRecipient } from './recipient.ts';
import { registryFacts } from './registry.repository.ts';
import { decodeCursor, page } from '../outreach/page-cursor.ts';

// The gate with its facts from the database: who the touch is for, their consents, revocations
// and the organization's do-not-contact list, decided by decide() (gate.ts) and stored with every
// fact it used. Consents are recorded here too, as the law wants them kept.

const Contact = {
  phone: z.string().trim().min(1).optional(),
  email: z.string().trim().min(1).optional(),
};

export const CheckRequest = z.object({
  lead_id: z.uuid().optional(),
  ...Contact,
  zip: z.string().regex(/^\d{5}$/, 'a 5-digit ZIP').optional(),
  state: z.string().regex(/^[A-Za-z]{2}$/, 'a 2-letter state').transform((s) => s.toUpperCase()).optional(),
  channel: z.enum(['call', 'ai_call', 'sms', 'email']),
  purpose: z.enum(['marketing', 'informational']).default('marketing'),
  at: z.iso.datetime({ offset: true }).optional(),
  record: z.boolean().optional(),
  recording_disclosure: z.boolean().optional(),
}).strict().refine((r) => [r.lead_id, r.phone, r.email].filter(Boolean).length === 1, { message: 'give one of lead_id, phone or email' });

export const ConsentRequest = z.object({
  ...Contact,
  person_id: z.uuid().optional(),
  seller_name: z.string().trim().min(1).max(200),
  scope: z.array(z.enum(['sms', 'voice', 'ai_voice', 'email'])).min(1),
  type: z.enum(['pec', 'pewc']),
  method: z.enum(['web_form', 'sms_keyword', 'voice_recording', 'key_press', 'email', 'paper']),
  captured_at: z.iso.datetime({ offset: true }).optional(),
  disclosure_text: z.string().max(20_000).optional(),
  evidence_uri: z.string().max(2000).optional(),
  ip: z.string().max(100).optional(),
  user_agent: z.string().max(1000).optional(),
}).strict().refine((r) => !!r.phone !== !!r.email, { message: 'give a phone or an email (one of them)' })
  .refine((r) => r.type !== 'pewc' || !!r.disclosure_text || !!r.evidence_uri, { message: 'written consent (pewc) needs the disclosure as shown or the evidence', path: ['disclosure_text'] });

export const RevokeRequest = z.object({
  ...Contact,
  channel: z.enum(['sms', 'email', 'call', 'web']),
  text: z.string().max(2000).optional(),
  at: z.iso.datetime({ offset: true }).optional(),
}).strict().refine((r) => !!r.phone !== !!r.email, { message: 'give a phone or an email (one of them)' });

export const LogRequest = z.object({
  decision: z.enum(['allow', 'deny', 'defer']).optional(),
  channel: z.enum(['call', 'ai_call', 'sms', 'email']).optional(),
  reason: z.string().trim().regex(/^[A-Z0-9_:]{2,100}$/, 'a reason code like NATIONAL_DNC or QUIET_HOURS_STATE:FL').optional()
    .describe('decisions with this reason among their reasons; a code without its suffix (QUIET_HOURS_STATE) takes every suffix'),
  lead: z.uuid().optional().describe("one lead's decisions"),
  limit: z.coerce.number().int().min(1).max(1000).default(50),
  cursor: z.string().max(500).optional().describe('next_cursor of the previous page'),
}).strict();

/** A decision in the log: what was asked, the answer and every reason; the facts it used are in the one decision. */
export interface DecisionLogRow {
  id: string; decided_at: Date; at: Date; channel: Channel; purpose: string; contact: string | null; lead_id: string | null;
  decision: 'allow' | 'deny' | 'defer'; reason: string | null; reasons: string[]; obligations: string[]; defer_until: Date | null;
}

/** A consent as it was kept. */
export interface ConsentRow {
  id: string; display: string; seller_name: string; scope: string[]; type: 'pec' | 'pewc'; method: string; captured_at: Date; evidence_uri: string | null;
  revoked_at: Date | null; revoke_channel: string | null; revoke_text: string | null;
}

function contactOf(r: { phone?: string; email?: string }): { kind: 'phone' | 'email'; value: string } {
  if (r.phone) {
    const value = normalizePhone(r.phone);
    if (!value) throw validation('phone', `'${r.phone}' is not a phone number`);
    return { kind: 'phone', value };
  }
  const value = normalizeEmail(r.email!);
  if (!value) throw validation('email', `'${r.email}' is not an email address`);
  return { kind: 'email', value };
}

export interface CheckAnswer {
  id: string;
  decision: 'allow' | 'deny' | 'defer';
  reason: string | null;
  reasons: string[];
  obligations: string[];
  /** For a deferral: the instant, in the recipient's zone (ISO 8601 with its offset). */
  until: string | null;
  contact: string | null;
  facts: Record<string, unknown>;
}

export function createComplianceService(deps: { db: Database; pii: Pii; now?: () => Date }) {
  const tenant = <T>(actor: Actor, fn: Parameters<typeof withTenant<T>>[2]) => withTenant(deps.db, actor, fn);
  const now = deps.now ?? (() => new Date());

  /** The lead's owner's mailing place, and the contact the channel uses (a verified mobile first). */
  async function leadContact(leadId: string, channel: Channel, trx: Trx) {
    const l = await sql<{ person_id: string | null; mailing_zip: string | null; mailing_state: string | null; timezone: string | null; quiet_start: string | null; quiet_end: string | null }>`
      SELECT l.person_id, pe.mailing_zip, pe.mailing_state, l.timezone, to_char(l.quiet_hours_start, 'HH24:MI') AS quiet_start, to_char(l.quiet_hours_end, 'HH24:MI') AS quiet_end
      FROM lead l LEFT JOIN person pe ON pe.organization_id = l.organization_id AND pe.id = l.person_id
      WHERE l.organization_id = app_org_id() AND l.id = ${leadId}::uuid AND l.deleted_at IS NULL`.execute(trx);
    if (!l.rows[0]) throw notFound('lead', leadId);
    const kind = channel === 'email' ? 'email' : 'phone';
    const c = await sql<{ value: string | null; value_enc: Uint8Array | null }>`
      SELECT value, value_enc FROM contact_point WHERE organization_id = app_org_id() AND person_id = ${l.rows[0].person_id}::uuid AND kind = ${kind}
      ORDER BY verified DESC, (type = 'mobile') DESC NULLS LAST, score DESC NULLS LAST, id LIMIT 1`.execute(trx);
    if (!c.rows[0]) throw validation('lead_id', `the lead's owner has no ${kind} to reach`);
    const q = l.rows[0];
    return {
      kind: kind as 'phone' | 'email', value: deps.pii.open(c.rows[0]), zip: q.mailing_zip, state: q.mailing_state, personId: q.person_id,
      quietHours: q.quiet_start && q.quiet_end ? { start: q.quiet_start, end: q.quiet_end, zone: q.timezone ?? 'America/New_York' } : null,
    };
  }

  async function decisions(actor: Actor, input: unknown = {}) {
    const f = parseInput(LogRequest, input);
    const after = f.cursor ? decodeCursor('decisions', f.cursor, ['at', 'id']) : null;
    const rows = await tenant(actor, async (trx) => (await sql<DecisionLogRow & { at_key: string }>`
      SELECT id, decided_at, at, channel, purpose, display AS contact, lead_id, decision, reason, reasons, obligations, defer_until,
             to_char(decided_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS at_key
      FROM compliance_decision
      WHERE organization_id = app_org_id()
        AND (${f.decision ?? null}::text IS NULL OR decision = ${f.decision ?? null})
        AND (${f.channel ?? null}::text IS NULL OR channel = ${f.channel ?? null})
        AND (${f.lead ?? null}::uuid IS NULL OR lead_id = ${f.lead ?? null}::uuid)
        AND (${f.reason ?? null}::text IS NULL
             OR EXISTS (SELECT 1 FROM unnest(reasons) r WHERE r = ${f.reason ?? null} OR starts_with(r, ${f.reason ?? null} || ':')))
        -- newest first, then by id, both descending: the next page is what sorts after the
        -- cursor's row, a row comparison the (organization_id, decided_at DESC) index answers
        -- as a range instead of reading every newer row again
        AND (${after?.[0] ?? null}::timestamptz IS NULL OR (decided_at, id) < (${after?.[0] ?? null}::timestamptz, ${after?.[1] ?? null}::uuid))
      ORDER BY decided_at DESC, id DESC LIMIT ${f.limit + 1}`.execute(trx)).rows);
    const p = page(rows, f.limit, 'decisions', (r) => [r.at_key, r.id]);
    return { data: p.data.map(({ at_key: _, ...r }) => r), next_cursor: p.next_cursor };
  }

  return {
    /** Decide a touch and store the decision with the facts it used. */
    async check(actor: Actor, input: unknown): Promise<CheckAnswer> {
      const r = parseInput(CheckRequest, input);
      const at = r.at ? new Date(r.at) : now();
      return tenant(actor, async (trx) => {
        const who = r.lead_id ? await leadContact(r.lead_id, r.channel, trx) : { ...contactOf(r), zip: r.zip ?? null, state: r.state ?? null, personId: null };
        if ((r.channel === 'email') !== (who.kind === 'email')) throw validation('channel', `a ${r.channel} goes to a ${r.channel === 'email' ? 'an email address' : 'phone'}`);
        const hash = deps.pii.hash(who.value);
        const settings = await readOutreachSettings(trx);
        const { firstText: _, ...facts } = (await gatherFacts(trx, [{
          leadId: r.lead_id ?? null, personId: who.personId, kind: who.kind, value: who.value, hash, zip: who.zip, state: who.state,
          quietHours: 'quietHours' in who ? who.quietHours : null, channel: r.channel, purpose: r.purpose, at, record: r.record, recordingDisclosure: r.recording_disclosure,
        }], { registry: registryFacts, smsSenderRegistered: settings.sms_sender_registered, orgCap: settings.frequency_cap }))[0]!;
        const d = decide(facts);
        const zone = locateRecipient({ phone: facts.phone, mailingZip: who.zip, mailingState: who.state }).primaryZone ?? 'America/New_York';
        const until = d.decision === 'DEFER' ? DateTime.fromJSDate(d.until).setZone(zone).toISO({ suppressMilliseconds: true }) : null;
        const stored = { ...facts, at: at.toISOString(), phone: facts.phone ? maskContact('phone', facts.phone) : undefined };
        const id = crypto.randomUUID();
        await insertDecisions([{
          id, leadId: r.lead_id ?? null, kind: who.kind, hash: hash.toString('hex'), display: maskContact(who.kind, who.value), channel: r.channel, purpose: r.purpose,
          decision: d.decision.toLowerCase() as CheckAnswer['decision'], reason: d.decision === 'ALLOW' ? null : d.reason, reasons: d.decision === 'ALLOW' ? [] : d.reasons,
          obligations: d.decision === 'ALLOW' ? d.obligations : [], until: d.decision === 'DEFER' ? d.until : null, at, facts: stored,
        }], trx);
        return {
          id, decision: d.decision.toLowerCase() as CheckAnswer['decision'], reason: d.decision === 'ALLOW' ? null : d.reason,
          reasons: d.decision === 'ALLOW' ? [] : d.reasons, obligations: d.decision === 'ALLOW' ? d.obligations : [], until,
          contact: maskContact(who.kind, who.value), facts: stored,
        };
      });
    },

    /** The gate's decisions, newest first: one page, without the cursor (the CLI's log). */
    log: async (actor: Actor, input: unknown = {}) => (await decisions(actor, input)).data,

    /** The gate's decisions, newest first, a page at a time: the next page's cursor is null on the last. */
    decisions,

    /** One decision with the facts the gate used and who asked. */
    async decision(actor: Actor, id: string) {
      if (!z.uuid().safeParse(id).success) throw notFound('decision', id);
      return tenant(actor, async (trx) => {
        const row = (await sql<DecisionLogRow & { facts: Record<string, unknown>; decided_by: string | null; decided_by_name: string | null; via: string | null; kind: 'phone' | 'email' | null }>`
          SELECT d.id, d.decided_at, d.at, d.channel, d.purpose, d.kind, d.display AS contact, d.lead_id, d.decision, d.reason, d.reasons, d.obligations, d.defer_until,
                 d.facts, d.decided_by, coalesce(u.full_name, u.email) AS decided_by_name, d.via
          FROM compliance_decision d LEFT JOIN app_user u ON u.organization_id = d.organization_id AND u.id = d.decided_by
          WHERE d.organization_id = app_org_id() AND d.id = ${id}::uuid`.execute(trx)).rows[0];
        if (!row) throw notFound('decision', id);
        return row;
      });
    },

    /** Keep a consent as given. */
    async recordConsent(actor: Actor, input: unknown) {
      const r = parseInput(ConsentRequest, input);
      const { kind, value } = contactOf(r);
      return tenant(actor, async (trx) => (await sql<{ id: string }>`
        INSERT INTO consent (organization_id, person_id, kind, value_hash, display, seller_name, scope, type, disclosure_text, disclosure_hash,
                             captured_at, method, evidence_uri, ip, user_agent, created_by)
        VALUES (app_org_id(), ${r.person_id ?? null}, ${kind}, ${deps.pii.hash(value)}, ${maskContact(kind, value)}, ${r.seller_name}, ${r.scope}::text[], ${r.type},
                ${r.disclosure_text ?? null}, ${r.disclosure_text ? crypto.createHash('sha256').update(r.disclosure_text).digest() : null},
                ${r.captured_at ? new Date(r.captured_at) : now()}, ${r.method}, ${r.evidence_uri ?? null}, ${r.ip ?? null}, ${r.user_agent ?? null}, app_user_id())
        RETURNING id`.execute(trx)).rows[0]!);
    },

    /** A revocation by any reasonable means: every consent of the phone or email ends, and it goes on the do-not-contact list. */
    async revokeConsent(actor: Actor, input: unknown) {
      const r = parseInput(RevokeRequest, input);
      const { kind, value } = contactOf(r);
      const at = r.at ? new Date(r.at) : now();
      return tenant(actor, async (trx) => {
        const hash = deps.pii.hash(value);
        const ended = await sql`UPDATE consent SET revoked_at = ${at}, revoke_channel = ${r.channel}, revoke_text = ${r.text ?? null}
          WHERE organization_id = app_org_id() AND kind = ${kind} AND value_hash = ${hash} AND revoked_at IS NULL`.execute(trx);
        await sql`INSERT INTO dnc_entry (organization_id, kind, value_hash, display, reason, source, created_by, created_at)
          VALUES (app_org_id(), ${kind}, ${hash}, ${maskContact(kind, value)}, ${`revoked by ${r.channel}${r.text ? `: ${r.text}` : ''}`.slice(0, 500)}, 'revocation', app_user_id(), ${at})
          ON CONFLICT (organization_id, kind, value_hash) DO NOTHING`.execute(trx);
        return { contact: maskContact(kind, value), consents_revoked: Number(ended.numAffectedRows ?? 0) };
      });
    },

    /** A phone's or email's consents, revoked ones included. */
    async consents(actor: Actor, input: unknown) {
      const { kind, value } = contactOf(parseInput(z.object(Contact).strict(), input));
      return tenant(actor, async (trx) => (await sql<ConsentRow>`
        SELECT id, display, seller_name, scope, type, method, captured_at, evidence_uri, revoked_at, revoke_channel, revoke_text
        FROM consent WHERE organization_id = app_org_id() AND kind = ${kind} AND value_hash = ${deps.pii.hash(value)} ORDER BY captured_at DESC, id`.execute(trx)).rows);
    },
  };
}

export type ComplianceService = ReturnType<typeof createComplianceService>;
