import { sql } from 'kysely';
import type { Trx } from '../../db/tenant.ts';
import type { Channel, GateFacts, Purpose } from './gate.ts';

// The facts of many touches at once, for the gate: consents, revocations, the organization's
// list, the national registry copy and prior attempts, each read with one set-based query for
// the whole batch. A reply is not taken as an inquiry that starts a business relationship: a
// "who is this?" is no request about the seller's goods, and counsel should decide otherwise. The one
// place facts are gathered: `compliance check`, the outbox and every engine on it use it.

export interface Touch {
  leadId: string | null;
  personId: string | null;
  kind: 'phone' | 'email';
  /** Normalized: E.164 or a lower-case address. */
  value: string;
  hash: Buffer;
  zip: string | null;
  state: string | null;
  quietHours?: { start: string; end: string; zone: string } | null;
  channel: Channel;
  purpose: Purpose;
  at: Date;
  record?: boolean;
  recordingDisclosure?: boolean;
  confirmation?: { stopAt: Date; alreadySent: boolean };
}

export interface FactsContext {
  registry: (trx: Trx, phones: string[]) => Promise<Map<string, { national: boolean; registryAsOf: Date | null }>>;
  smsSenderRegistered: boolean;
  orgCap: { count: number; hours: number } | null;
}

export interface GatheredFacts extends GateFacts {
  /** No text was ever handed to this number: the first one carries the opt-out line (COMPLIANCE.md §5). */
  firstText: boolean;
}

const CHANNEL_SCOPE: Record<Channel, string> = { sms: 'sms', call: 'voice', ai_call: 'ai_voice', email: 'email' };

export async function gatherFacts(trx: Trx, touches: Touch[], ctx: FactsContext): Promise<GatheredFacts[]> {
  if (!touches.length) return [];
  const idx = touches.map((_, i) => i);
  const kinds = touches.map((t) => t.kind);
  const hashes = touches.map((t) => t.hash.toString('hex'));
  const persons = touches.map((t) => t.personId);
  const since = new Date(Math.min(...touches.map((t) => t.at.getTime())) - Math.max(24, ctx.orgCap?.hours ?? 0) * 3_600_000);
  const t = sql`unnest(${idx}::int[], ${kinds}::text[], ${hashes}::text[], ${persons}::uuid[]) AS t(i, kind, hash, person)`;
  // the hashes decoded once, fenced (OFFSET 0) so the probes below compare bytea with bytea: under
  // row-level security a comparison with decode() in it may not key an index (decode is not leakproof)
  const probes = sql`(SELECT u.i, u.kind, decode(u.hash, 'hex') AS hash FROM unnest(${idx}::int[], ${kinds}::text[], ${hashes}::text[]) AS u(i, kind, hash) OFFSET 0) t`;

  // One after another: a transaction is one connection. The look-ups by contact are LATERAL
  // probes (OFFSET 0 keeps each one a probe of its index): joined whole, a batch of a few
  // thousand touches was hashed or merged against every consent and every message of the
  // organization, a cost that grew with each batch sent.
  const consents = await sql<{ i: number; type: 'pec' | 'pewc'; scope: string[]; captured_at: Date; revoked_at: Date | null }>`
      SELECT t.i, c.type, c.scope, c.captured_at, c.revoked_at FROM ${probes}
      CROSS JOIN LATERAL (SELECT c.type, c.scope, c.captured_at, c.revoked_at FROM consent c
                          WHERE c.organization_id = app_org_id() AND c.kind = t.kind AND c.value_hash = t.hash OFFSET 0) c`.execute(trx);
  // a revocation of any of the owner's phones or emails stops all marketing (§3.3)
  const revocations = await sql<{ i: number; revoked_at: Date; revoke_channel: 'sms' }>`
      SELECT DISTINCT t.i, c.revoked_at, c.revoke_channel FROM ${t}
      JOIN consent c ON c.organization_id = app_org_id() AND c.revoked_at IS NOT NULL
       AND ((c.kind = t.kind AND c.value_hash = decode(t.hash, 'hex'))
            OR (t.person IS NOT NULL AND (c.kind, c.value_hash) IN (SELECT cp.kind, cp.value_hash FROM contact_point cp
                                                                    WHERE cp.organization_id = app_org_id() AND cp.person_id = t.person)))
      UNION
      -- an opt-out from a contact with no consent on file (a STOP to an informational text) is a
      -- revocation all the same: it lists the contact for every channel, and reaches the owner's others
      SELECT t.i, d.created_at, CASE d.kind WHEN 'email' THEN 'email' ELSE 'sms' END FROM ${t}
      JOIN contact_point cp ON cp.organization_id = app_org_id() AND cp.person_id = t.person
      JOIN dnc_entry d ON d.organization_id = cp.organization_id AND d.kind = cp.kind AND d.value_hash = cp.value_hash
       AND d.source = 'revocation' AND d.channels IS NULL`.execute(trx);
  const listed = await sql<{ i: number; channels: string[] | null }>`
      SELECT t.i, d.channels FROM ${probes}
      CROSS JOIN LATERAL (SELECT d.channels FROM dnc_entry d
                          WHERE d.organization_id = app_org_id() AND d.kind = t.kind AND d.value_hash = t.hash OFFSET 0) d`.execute(trx);
  const history = await sql<{ i: number; prior: Date[] | null; texted: boolean }>`
      SELECT t.i, h.prior, h.texted FROM ${probes}
      CROSS JOIN LATERAL (
        SELECT array_agg(m.handed_at) FILTER (WHERE m.direction = 'outbound' AND m.channel <> 'email' AND m.handed_at > ${since}) AS prior,
               coalesce(bool_or(m.direction = 'outbound' AND m.channel = 'sms' AND m.handed_at IS NOT NULL), false) AS texted
        FROM message m WHERE m.organization_id = app_org_id() AND m.kind = t.kind AND m.peer_hash = t.hash) h`.execute(trx);
  const phones = [...new Set(touches.filter((x) => x.kind === 'phone').map((x) => x.value))];
  const registry = phones.length ? await ctx.registry(trx, phones) : new Map();

  const by = <R extends { i: number }>(rows: R[]) => {
    const m = new Map<number, R[]>();
    for (const r of rows) (m.get(r.i) ?? m.set(r.i, []).get(r.i)!).push(r);
    return m;
  };
  const [cBy, rBy, dBy, hBy] = [by(consents.rows), by(revocations.rows), by(listed.rows), by(history.rows)];

  return touches.map((x, i) => {
    const live = (cBy.get(i) ?? []).filter((c) => c.captured_at <= x.at && (!c.revoked_at || c.revoked_at > x.at) && c.scope.includes(CHANNEL_SCOPE[x.channel]));
    // consent given again for this channel after a revocation (START re-enables texts, §5) sets
    // that revocation aside for this channel only
    const renewed = (after: Date) => live.some((c) => c.captured_at > after);
    const revocation = (rBy.get(i) ?? []).filter((r) => r.revoked_at <= x.at && !renewed(r.revoked_at)).sort((a, b) => b.revoked_at.getTime() - a.revoked_at.getTime())[0];
    // an entry for some channels only (a voice opt-out) lists the number for those alone
    const onList = (dBy.get(i) ?? []).some((d) => !d.channels || d.channels.includes(x.channel));
    const h = hBy.get(i)?.[0];
    const reg = x.kind === 'phone' ? registry.get(x.value) : undefined;
    return {
      channel: x.channel, purpose: x.purpose, at: x.at,
      consent: live.some((c) => c.type === 'pewc') ? 'pewc' : live.length ? 'pec' : 'none',
      ...(x.kind === 'phone' ? { phone: x.value } : {}), mailingZip: x.zip, mailingState: x.state,
      revoked: revocation ? { channel: revocation.revoke_channel, at: revocation.revoked_at } : null,
      internalDnc: x.kind === 'phone' && onList,
      dnc: { national: reg?.national ?? false, registryAsOf: reg?.registryAsOf ?? null },
      record: x.record, recordingDisclosure: x.recordingDisclosure,
      smsSenderRegistered: x.channel === 'sms' ? ctx.smsSenderRegistered : undefined,
      confirmation: x.confirmation,
      email: x.kind === 'email' ? { unsubscribed: onList } : undefined,
      prior: (h?.prior ?? []).map((p) => new Date(p)).filter((p) => p <= x.at),
      quietHours: x.quietHours ?? null,
      orgCap: x.purpose === 'marketing' ? ctx.orgCap : null,
      firstText: !(h?.texted ?? false),
    } satisfies GatheredFacts;
  });
}
