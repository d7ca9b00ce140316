import { sql } from 'kysely';
import { withTenant, type Actor } from '../src/db/tenant.ts';
import type { Container } from '../src/app/container.ts';

// A large, varied book of leads for the API benchmark: statuses, tiers and scores, 20 ZIP
// codes, five sources, tags, a third assigned among the given agents, created over two years.
// Set-based SQL in chunks (a parcel, an owner and a lead per row); the history triggers run as
// they would for an import.

export const ZIPS = Array.from({ length: 20 }, (_, i) => String(78701 + i));
export const SOURCES = ['county-list', 'probate', 'batchdata', 'driving-for-dollars', 'referral'];
// surnames from three of 16 syllables: 4,096 of them, about 250 owners each in a million, so a
// search for one is like a search for a common real name
export const SYLLABLES = ['bar', 'kel', 'mon', 'tri', 'vos', 'lin', 'dra', 'pel', 'sor', 'gan', 'fen', 'rud', 'hal', 'wick', 'ost', 'mer'];
const FIRST = ['Ana', 'Ben', 'Cara', 'Dev', 'Eli', 'Fay', 'Gus', 'Hana', 'Ivan', 'June', 'Kai', 'Lena', 'Milo', 'Nora', 'Omar', 'Pia'];
const STATUSES = ['new', 'new', 'new', 'contacted', 'contacted', 'qualified', 'nurturing', 'appointment_scheduled', 'proposal_sent', 'closed_won', 'closed_lost', 'contactable'];

export async function seedBook(c: Container, actor: Actor, n: number, agents: string[], onChunk: (done: number) => void, chunk = 100_000) {
  for (let start = 0; start < n; start += chunk) {
    const end = Math.min(n, start + chunk);
    await withTenant(c.db, actor, (trx) => sql`
      WITH g AS (
        SELECT i, uuid7() AS property_id, uuid7() AS person_id, abs(hashint4(i)) AS h FROM generate_series(${start + 1}::int, ${end}::int) i
      ), p AS (
        INSERT INTO property (organization_id, id, address_line1, normalized_line, city, state, zip)
        SELECT app_org_id(), property_id, line, line, 'AUSTIN', 'TX', (${ZIPS}::text[])[1 + h % 20]
        FROM (SELECT *, (h % 9000 + 100)::text || ' ' || (ARRAY['OAK','ELM','PINE','CEDAR','MAPLE','RIVER','HILL','LAKE'])[1 + i % 8] || ' ' ||
                        (ARRAY['ST','AVE','DR','LN','CT'])[1 + h % 5] || ' UNIT ' || i AS line FROM g) x
      ), pe AS (
        INSERT INTO person (organization_id, id, first_name, last_name, full_name)
        SELECT app_org_id(), person_id, f, ln, f || ' ' || ln
        FROM (SELECT *, (${FIRST}::text[])[1 + h % 16] AS f,
                        initcap((${SYLLABLES}::text[])[1 + (h / 16) % 16] || (${SYLLABLES}::text[])[1 + (h / 256) % 16] || (${SYLLABLES}::text[])[1 + (h / 4096) % 16]) AS ln
              FROM g) x
      )
      INSERT INTO lead (organization_id, person_id, property_id, source, status, lead_score, tier, tags, assignee_id, created_at, updated_at)
      SELECT app_org_id(), person_id, property_id, (${SOURCES}::text[])[1 + h % 5], (${STATUSES}::text[])[1 + (h / 7) % 12],
             score, CASE WHEN score >= 80 THEN 'hot' WHEN score >= 50 THEN 'warm' WHEN score IS NOT NULL THEN 'cold' END,
             CASE WHEN h % 10 = 0 THEN ARRAY['absentee'] WHEN h % 20 = 1 THEN ARRAY['pool', 'absentee'] ELSE '{}' END,
             CASE WHEN h % 3 = 0 THEN (${agents}::uuid[])[1 + (h / 3) % ${agents.length}] END,
             at, at
      FROM (SELECT *, CASE WHEN h % 5 = 0 THEN NULL ELSE (h / 11) % 101 END AS score,
                      now() - make_interval(secs => (h % (730 * 86400))) AS at FROM g) x`.execute(trx));
    onChunk(end);
  }
}
