import { uuid7 } from '../../db/uuid7.ts';
import { normalizeEmail, normalizePhone } from '../identity/normalize-contact.ts';
import { maskContact, type Pii } from '../pii/pii.ts';
import { ProviderError, type PersonLookup, type PersonLookupPort, type PersonMatch } from '../../providers/ports.ts';
import type { ChunkLead } from './enrichment.repository.ts';
import type { FoundEmailRow, FoundPhoneRow, LookupRow } from './results.repository.ts';

// The pure parts of the waterfall: who gets bought for within a cap and a budget, what a
// look-up asks, and a vendor's answer turned into rows to keep (contact values sealed).

export interface Candidate {
  leadId: string;
  /** Provider calls this lead takes (1, or its contact points for verification). */
  calls: number;
  costCents: number;
}

export interface Allocation {
  reserve: Candidate[];
  capped: Candidate[];
  overBudget: Candidate[];
}

/**
 * In order, take leads while the day's cap and the money last. Over the cap, the rest waits
 * for tomorrow (deferred, not dropped); over the money, a lead is skipped, but a cheaper one
 * after it may still fit.
 */
export function allocate(candidates: Candidate[], callsLeft: number, centsLeft: number): Allocation {
  const out: Allocation = { reserve: [], capped: [], overBudget: [] };
  let calls = 0;
  let cents = 0;
  for (const c of candidates) {
    if (out.capped.length || calls + c.calls > callsLeft) out.capped.push(c);
    else if (cents + c.costCents > centsLeft) out.overBudget.push(c);
    else {
      out.reserve.push(c);
      calls += c.calls;
      cents += c.costCents;
    }
  }
  return out;
}

/**
 * A chunk's calls in groups that each go to the provider as one request per port, a lead's
 * contact points kept together. Each group is reserved, called and stored before the next is
 * reserved, so a crash finds at most one request's calls reserved and not answered: only those
 * are booked in doubt, not the rest of the chunk, never sent.
 */
export function callGroups<L extends { lead_id: string }, P extends { lead_id: string; kind: 'phone' | 'email' }>(
  leads: L[], points: P[], max: { lookup: number; phone: number; email: number },
): { leads: L[]; points: P[] }[] {
  const groups: { leads: L[]; points: P[] }[] = [];
  const step = Math.max(1, max.lookup);
  for (let i = 0; i < leads.length; i += step) groups.push({ leads: leads.slice(i, i + step), points: [] });
  let group: P[] = [];
  let phones = 0;
  let emails = 0;
  for (let i = 0; i < points.length;) {
    // the next lead's points (pointsFor orders them by lead)
    let j = i;
    while (j < points.length && points[j]!.lead_id === points[i]!.lead_id) j++;
    const lead = points.slice(i, j);
    const p = lead.filter((x) => x.kind === 'phone').length;
    const e = lead.length - p;
    if (group.length && (phones + p > max.phone || emails + e > max.email)) {
      groups.push({ leads: [], points: group });
      group = [];
      phones = 0;
      emails = 0;
    }
    group.push(...lead);
    phones += p;
    emails += e;
    i = j;
  }
  if (group.length) groups.push({ leads: [], points: group });
  return groups;
}

/**
 * The points to verify that pass `keep`, and the leads left with none (their tasks have
 * nothing to verify).
 */
export function keepPoints<P extends { lead_id: string }>(points: P[], keep: (p: P) => boolean): { points: P[]; emptied: string[] } {
  const kept = points.filter(keep);
  const keptLeads = new Set(kept.map((p) => p.lead_id));
  return { points: kept, emptied: [...new Set(points.map((p) => p.lead_id))].filter((id) => !keptLeads.has(id)) };
}

/**
 * Points to verify, each once: an owner with several leads in the chunk has its points listed
 * under each; they go with the first lead, and the others have nothing left to verify.
 */
export function onePerContactPoint<P extends { lead_id: string; contact_point_id: string }>(points: P[]) {
  const seen = new Set<string>();
  return keepPoints(points, (p) => !seen.has(p.contact_point_id) && !!seen.add(p.contact_point_id));
}

/** The next UTC midnight: when a day's cap opens again. */
export const nextUtcDay = (now = new Date()) => new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1));

export const lookupOf = (l: ChunkLead): PersonLookup => ({
  key: l.lead_id,
  firstName: l.first_name,
  lastName: l.last_name,
  fullName: l.full_name,
  address: { line1: l.address_line1 ?? '', city: l.city, state: l.state, zip: l.zip },
  mailing: l.mailing_line1 ? { line1: l.mailing_line1, city: l.mailing_city, state: l.mailing_state, zip: l.mailing_zip } : null,
});

export const ledgerKey = (stage: string, runId: string, item: string, attempt: number) => `${stage}:${runId}:${item}:${attempt}`;

export type BatchOutcome<T> = { ok: true; items: T[] } | { ok: false; error: ProviderError };

/** Call a port over a list in batches of its size; a batch's failure stays with that batch. */
export async function inBatches<I, T>(items: I[], size: number, call: (batch: I[]) => Promise<T[]>): Promise<{ batch: I[]; outcome: BatchOutcome<T> }[]> {
  const out: { batch: I[]; outcome: BatchOutcome<T> }[] = [];
  for (let i = 0; i < items.length; i += size) {
    const batch = items.slice(i, i + size);
    try {
      out.push({ batch, outcome: { ok: true, items: await call(batch) } });
    } catch (e) {
      if (!(e instanceof ProviderError)) throw e;
      out.push({ batch, outcome: { ok: false, error: e } });
    }
  }
  return out;
}

/** A look-up's answer as rows to keep: phones and emails normalized (unusable ones dropped), sealed and masked. */
export function lookupRow(pii: Pii, port: PersonLookupPort, lead: ChunkLead, key: string, match: PersonMatch | undefined): LookupRow {
  const phones: FoundPhoneRow[] = [];
  const emails: FoundEmailRow[] = [];
  const seen = new Set<string>();
  for (const p of match?.phones ?? []) {
    const number = normalizePhone(p.number);
    if (!number || seen.has(number)) continue;
    seen.add(number);
    phones.push({ ...seal(pii, 'phone', number), type: p.type, carrier: p.carrier, valid: p.valid, dnc: p.dnc, confidence: clamp(p.confidence) });
  }
  for (const e of match?.emails ?? []) {
    const address = normalizeEmail(e.address);
    if (!address || seen.has(address)) continue;
    seen.add(address);
    emails.push({ ...seal(pii, 'email', address), type: e.type, valid: e.valid, confidence: clamp(e.confidence) });
  }
  const matched = !!match?.matched;
  return {
    id: uuid7(),
    leadId: lead.lead_id,
    personId: lead.person_id,
    ledgerKey: key,
    request: { provider: port.provider, name: lead.full_name ?? [lead.first_name, lead.last_name].filter(Boolean).join(' '), address: lookupOf(lead).address },
    response: {
      matched, confidence: match?.confidence ?? null, mak: match?.mak ?? null, owner_verified: match?.ownerVerified ?? null, age: match?.age ?? null,
      phones: phones.map((p) => ({ phone: p.display, type: p.type, carrier: p.carrier, valid: p.valid, dnc: p.dnc, confidence: p.confidence })),
      emails: emails.map((e) => ({ email: e.display, type: e.type, valid: e.valid, confidence: e.confidence })),
    },
    matched,
    confidence: clamp(match?.confidence ?? null),
    costCents: match?.costCents ?? 0,
    phones,
    emails,
    mak: match?.mak ?? null,
    age: match?.age ?? null,
  };
}

const clamp = (n: number | null) => (n == null || !Number.isFinite(n) ? null : Math.max(0, Math.min(100, n)));

function seal(pii: Pii, kind: 'phone' | 'email', value: string) {
  const s = pii.seal(value);
  return { value: s.value, value_enc: s.value_enc ? Buffer.from(s.value_enc) : null, value_hash: pii.hash(value), display: maskContact(kind, value) };
}
