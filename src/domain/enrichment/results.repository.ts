import { sql } from 'kysely';
import type { VerificationResult } from '../../db/schema-enrichment.ts';
import type { Trx } from '../../db/tenant.ts';
import { CONTACT_POINT_MERGE } from '../ingest/merge-sql.ts';

// What providers found, kept: each look-up's request and answer with its typed phones and
// emails (Convexa's skip_trace_results), merged into the owner's contact points the same way
// an import merges them; each verification, and its verdict on the contact point.

export interface SealedValue {
  value: string | null;
  value_enc: Buffer | null;
  value_hash: Buffer;
  display: string;
}

export interface FoundPhoneRow extends SealedValue {
  type: 'mobile' | 'landline' | 'voip' | null;
  carrier: string | null;
  valid: boolean | null;
  dnc: boolean | null;
  confidence: number | null;
}

export interface FoundEmailRow extends SealedValue {
  type: 'personal' | 'work' | null;
  valid: boolean | null;
  confidence: number | null;
}

export interface LookupRow {
  id: string;
  leadId: string;
  personId: string | null;
  ledgerKey: string;
  request: unknown;
  response: unknown;
  matched: boolean;
  confidence: number | null;
  costCents: number;
  phones: FoundPhoneRow[];
  emails: FoundEmailRow[];
  mak?: string | null;
  age?: number | null;
}

export interface VerdictRow {
  contactPointId: string;
  ledgerKey: string;
  result: VerificationResult;
  lineType: string | null;
  carrier: string | null;
  dnc: boolean | null;
  costCents: number;
}

const col = <T, K>(rows: T[], f: (r: T) => K) => rows.map(f);

export const resultsRepository = {
  async storeLookups(runId: string, stage: 'append' | 'skip_trace', provider: string, rows: LookupRow[], trx: Trx) {
    if (rows.length === 0) return;
    await sql`
      INSERT INTO skip_trace_result (organization_id, id, run_id, lead_id, person_id, stage, provider, ledger_key, request_data, response_data,
                                     matched, confidence, cost_cents, completed_at)
      SELECT app_org_id(), x.id, ${runId}::uuid, x.lead_id, x.person_id, ${stage}, ${provider}, x.key, x.req, x.res, x.matched, x.conf, x.cost, now()
      FROM unnest(${col(rows, (r) => r.id)}::uuid[], ${col(rows, (r) => r.leadId)}::uuid[], ${col(rows, (r) => r.personId)}::uuid[],
                  ${col(rows, (r) => r.ledgerKey)}::text[], ${col(rows, (r) => JSON.stringify(r.request))}::jsonb[],
                  ${col(rows, (r) => JSON.stringify(r.response))}::jsonb[], ${col(rows, (r) => r.matched)}::boolean[],
                  ${col(rows, (r) => r.confidence)}::numeric[], ${col(rows, (r) => r.costCents)}::bigint[])
        AS x(id, lead_id, person_id, key, req, res, matched, conf, cost)`.execute(trx);

    const phones = rows.flatMap((r) => r.phones.map((p) => ({ r, p })));
    const emails = rows.flatMap((r) => r.emails.map((e) => ({ r, e })));
    if (phones.length) {
      await sql`
        INSERT INTO skip_trace_phone (organization_id, skip_trace_id, lead_id, value, value_enc, value_hash, display, phone_type, carrier,
                                      is_valid, is_mobile, is_dnc, confidence)
        SELECT app_org_id(), x.rid, x.lead_id, x.value, x.enc, x.hash, x.display, x.type, x.carrier, x.valid, x.type = 'mobile', x.dnc, x.conf
        FROM unnest(${col(phones, (x) => x.r.id)}::uuid[], ${col(phones, (x) => x.r.leadId)}::uuid[], ${col(phones, (x) => x.p.value)}::text[],
                    ${col(phones, (x) => x.p.value_enc)}::bytea[], ${col(phones, (x) => x.p.value_hash)}::bytea[], ${col(phones, (x) => x.p.display)}::text[],
                    ${col(phones, (x) => x.p.type)}::text[], ${col(phones, (x) => x.p.carrier)}::text[], ${col(phones, (x) => x.p.valid)}::boolean[],
                    ${col(phones, (x) => x.p.dnc)}::boolean[], ${col(phones, (x) => x.p.confidence)}::numeric[])
          AS x(rid, lead_id, value, enc, hash, display, type, carrier, valid, dnc, conf)`.execute(trx);
    }
    if (emails.length) {
      await sql`
        INSERT INTO skip_trace_email (organization_id, skip_trace_id, lead_id, value, value_enc, value_hash, display, email_type, is_valid, confidence)
        SELECT app_org_id(), x.rid, x.lead_id, x.value, x.enc, x.hash, x.display, x.type, x.valid, x.conf
        FROM unnest(${col(emails, (x) => x.r.id)}::uuid[], ${col(emails, (x) => x.r.leadId)}::uuid[], ${col(emails, (x) => x.e.value)}::text[],
                    ${col(emails, (x) => x.e.value_enc)}::bytea[], ${col(emails, (x) => x.e.value_hash)}::bytea[], ${col(emails, (x) => x.e.display)}::text[],
                    ${col(emails, (x) => x.e.type)}::text[], ${col(emails, (x) => x.e.valid)}::boolean[], ${col(emails, (x) => x.e.confidence)}::numeric[])
          AS x(rid, lead_id, value, enc, hash, display, type, valid, conf)`.execute(trx);
    }

    // onto the owners' contact points, merged as an import merges them; a number the vendor
    // already knows to be invalid is kept with the result, not offered as a way to reach anyone
    const points = [
      ...phones.filter((x) => x.p.valid !== false).map((x) => ({ person: x.r.personId, kind: 'phone', s: x.p, type: x.p.type, carrier: x.p.carrier, dnc: !!x.p.dnc, score: x.p.confidence })),
      ...emails.filter((x) => x.e.valid !== false).map((x) => ({ person: x.r.personId, kind: 'email', s: x.e, type: x.e.type, carrier: null, dnc: false, score: x.e.confidence })),
    ].filter((x) => x.person);
    if (points.length) {
      await sql`
        INSERT INTO contact_point (organization_id, id, person_id, kind, value, value_enc, value_hash, display, type, carrier, score, sources, dnc)
        SELECT DISTINCT ON (x.person_id, x.kind, x.hash)
               app_org_id(), uuid7(), x.person_id, x.kind, x.value, x.enc, x.hash, x.display, x.type, x.carrier, round(x.score)::int, ARRAY[${provider}], x.dnc
        FROM unnest(${col(points, (x) => x.person)}::uuid[], ${col(points, (x) => x.kind)}::text[], ${col(points, (x) => x.s.value)}::text[],
                    ${col(points, (x) => x.s.value_enc)}::bytea[], ${col(points, (x) => x.s.value_hash)}::bytea[], ${col(points, (x) => x.s.display)}::text[],
                    ${col(points, (x) => x.type)}::text[], ${col(points, (x) => x.carrier)}::text[], ${col(points, (x) => x.score)}::numeric[],
                    ${col(points, (x) => x.dnc)}::boolean[]) AS x(person_id, kind, value, enc, hash, display, type, carrier, score, dnc)
        ORDER BY x.person_id, x.kind, x.hash, x.score DESC NULLS LAST
        ${sql.raw(CONTACT_POINT_MERGE)}`.execute(trx);
    }

    // an append also settles the parcel's address key (unless another parcel holds it) and the owner's age
    const maks = rows.filter((r) => r.mak);
    if (maks.length) {
      await sql`
        UPDATE property p SET mak = x.mak FROM lead l, unnest(${col(maks, (r) => r.leadId)}::uuid[], ${col(maks, (r) => r.mak)}::text[]) AS x(lead_id, mak)
        WHERE l.organization_id = app_org_id() AND l.id = x.lead_id AND p.organization_id = l.organization_id AND p.id = l.property_id
          AND p.mak IS NULL AND NOT EXISTS (SELECT 1 FROM property o WHERE o.organization_id = app_org_id() AND o.mak = x.mak)`.execute(trx);
    }
    const ages = rows.filter((r) => r.age != null && r.personId);
    if (ages.length) {
      await sql`
        UPDATE person pe SET age = x.age FROM unnest(${col(ages, (r) => r.personId)}::uuid[], ${col(ages, (r) => r.age)}::int[]) AS x(person_id, age)
        WHERE pe.organization_id = app_org_id() AND pe.id = x.person_id AND pe.age IS NULL`.execute(trx);
    }
  },

  async storeVerdicts(runId: string, provider: string, rows: VerdictRow[], trx: Trx) {
    if (rows.length === 0) return;
    await sql`
      WITH x AS (
        SELECT * FROM unnest(${col(rows, (r) => r.contactPointId)}::uuid[], ${col(rows, (r) => r.ledgerKey)}::text[], ${col(rows, (r) => r.result)}::text[],
                             ${col(rows, (r) => r.lineType)}::text[], ${col(rows, (r) => r.carrier)}::text[], ${col(rows, (r) => r.dnc)}::boolean[],
                             ${col(rows, (r) => r.costCents)}::bigint[]) AS x(cp, key, result, line_type, carrier, dnc, cost)
      ), v AS (
        INSERT INTO contact_verification (organization_id, contact_point_id, run_id, provider, ledger_key, result, line_type, carrier, dnc, cost_cents)
        SELECT app_org_id(), x.cp, ${runId}::uuid, ${provider}, x.key, x.result, x.line_type, x.carrier, x.dnc, x.cost FROM x
      )
      UPDATE contact_point c SET verified = x.result IN ('valid', 'deliverable'), verification = x.result, verified_at = now(),
             type = CASE WHEN c.kind = 'phone' AND x.line_type IS NOT NULL THEN x.line_type ELSE c.type END,
             carrier = coalesce(x.carrier, c.carrier), dnc = c.dnc OR coalesce(x.dnc, false)
      FROM x WHERE c.organization_id = app_org_id() AND c.id = x.cp`.execute(trx);
  },
};
