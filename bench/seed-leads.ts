import { sql } from 'kysely';
import { withTenant, type Actor } from '../src/db/tenant.ts';
import type { Container } from '../src/app/container.ts';

// Many leads at once for waterfall tests and benchmarks: a parcel, an owner and a lead each,
// with no phones or emails (what an owner list usually brings), made by set-based SQL.

export async function seedLeads(c: Container, actor: Actor, n: number, opts: { source?: string; tag?: string; withOwner?: boolean; start?: number } = {}) {
  const source = opts.source ?? 'seed';
  const tag = opts.tag ?? `seed-${Date.now().toString(36)}`;
  await withTenant(c.db, actor, async (trx) => {
    await sql`
      WITH g AS (
        SELECT i, uuid7() AS property_id, uuid7() AS person_id, uuid7() AS lead_id,
               (i * 7 % 9000 + 100)::text || ' ' || (ARRAY['OAK','ELM','PINE','CEDAR','MAPLE'])[1 + i % 5] || ' ST ' || ${tag} AS line
        FROM generate_series(${(opts.start ?? 0) + 1}::int, ${(opts.start ?? 0) + n}::int) i
      ), p AS (
        INSERT INTO property (organization_id, id, address_line1, normalized_line, city, state, zip, apn, estimated_value_cents, equity_cents, owner_occupied)
        SELECT app_org_id(), property_id, line, line, 'AUSTIN', 'TX', '78701', ${tag} || '-' || i, (150000 + i % 50 * 10000) * 100, (50000 + i % 30 * 1000) * 100, i % 3 <> 0
        FROM g
      ), pe AS (
        INSERT INTO person (organization_id, id, first_name, last_name, full_name, age)
        SELECT app_org_id(), person_id, (ARRAY['Ana','Ben','Cara','Dev','Eli','Fay'])[1 + i % 6], 'Owner' || i, (ARRAY['Ana','Ben','Cara','Dev','Eli','Fay'])[1 + i % 6] || ' Owner' || i,
               CASE WHEN i % 4 = 0 THEN 65 ELSE NULL END
        FROM g WHERE ${opts.withOwner ?? true}
      )
      INSERT INTO lead (organization_id, id, person_id, property_id, source, tags)
      SELECT app_org_id(), lead_id, CASE WHEN ${opts.withOwner ?? true} THEN person_id END, property_id, ${source}, ARRAY[${tag}] FROM g`.execute(trx);
  });
  return { tag, source };
}
