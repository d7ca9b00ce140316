import { sql } from 'kysely';
import { AppError, validation } from '../../app/errors.ts';
import type { Trx } from '../../db/tenant.ts';
import { normalizeCity } from '../identity/normalize-address.ts';

// Territories: a ZIP, or a city in a state, owned by one user. Cities are keyed as parcels carry
// them ("St. Louis, MO" is SAINT LOUIS in MO), so a rule matches the parcels it names.

export interface TerritoryKey {
  kind: 'zip' | 'city';
  value: string;
  state: string | null;
}

export const describeTerritory = (t: TerritoryKey) => (t.kind === 'zip' ? `zip ${t.value}` : `city ${t.value}, ${t.state}`);

export function zipTerritory(zip: string): TerritoryKey {
  const z = zip.trim();
  if (!/^\d{5}$/.test(z)) throw validation('zip', `"${zip}" is not a 5-digit ZIP`);
  return { kind: 'zip', value: z, state: null };
}

/** "Austin, TX" → AUSTIN in TX. */
export function cityTerritory(text: string): TerritoryKey {
  const m = /^(.+),\s*([A-Za-z]{2})\s*$/.exec(text.trim());
  const city = m ? normalizeCity(m[1]!) : null;
  if (!m || !city) throw validation('city', `"${text}" is not a city and state, e.g. "Austin, TX"`);
  return { kind: 'city', value: city.toUpperCase(), state: m[2]!.toUpperCase() };
}

export const territoryRepository = {
  /** Add rules for a user; the ones already theirs are left as they are. Returns what each key is now. */
  async add(organizationId: string, userId: string, keys: TerritoryKey[], createdBy: string | null, trx: Trx) {
    const r = await sql<{ kind: string; value: string; state: string | null; user_id: string; email: string; added: boolean }>`
      WITH k AS (SELECT * FROM unnest(${keys.map((k) => k.kind)}::text[], ${keys.map((k) => k.value)}::text[], ${keys.map((k) => k.state)}::text[]) WITH ORDINALITY AS k(kind, value, state, ord)),
      ins AS (
        INSERT INTO territory (organization_id, user_id, kind, value, state, created_by)
        SELECT ${organizationId}::uuid, ${userId}::uuid, k.kind, k.value, k.state, ${createdBy}::uuid FROM k
        ON CONFLICT DO NOTHING
        RETURNING kind, value, state, user_id
      )
      SELECT k.kind, k.value, k.state, coalesce(i.user_id, t.user_id) AS user_id, u.email, i.user_id IS NOT NULL AS added
      FROM k
      LEFT JOIN ins i ON i.kind = k.kind AND i.value = k.value AND i.state IS NOT DISTINCT FROM k.state
      LEFT JOIN territory t ON t.kind = k.kind AND t.value = k.value AND t.state IS NOT DISTINCT FROM k.state
      LEFT JOIN app_user u ON u.id = coalesce(i.user_id, t.user_id)
      ORDER BY k.ord`.execute(trx);
    return r.rows;
  },

  async remove(userId: string, key: TerritoryKey, trx: Trx) {
    const r = await trx.deleteFrom('territory')
      .where('user_id', '=', userId).where('kind', '=', key.kind).where('value', '=', key.value)
      .where(sql<boolean>`state IS NOT DISTINCT FROM ${key.state}`)
      .returning('id').executeTakeFirst();
    return !!r;
  },

  list(userId: string | null, trx: Trx) {
    let q = trx.selectFrom('territory as t')
      .innerJoin('app_user as u', (j) => j.onRef('u.organization_id', '=', 't.organization_id').onRef('u.id', '=', 't.user_id'))
      .select(['t.id', 't.user_id', 'u.email', 'u.is_active', 't.kind', 't.value', 't.state', 't.created_at'])
      .orderBy('u.email').orderBy('t.kind', 'desc').orderBy('t.state').orderBy('t.value');
    if (userId) q = q.where('t.user_id', '=', userId);
    return q.execute();
  },
};

export function ownedElsewhere(rows: { kind: string; value: string; state: string | null; user_id: string; email: string }[], userId: string) {
  const taken = rows.filter((r) => r.user_id !== userId);
  if (taken.length === 0) return;
  const list = taken.map((t) => `${describeTerritory(t as TerritoryKey)} belongs to ${t.email}`);
  throw new AppError('CONFLICT', `a territory has one owner: ${list.join('; ')} (remove it there first)`,
    taken.map((t) => ({ field: t.kind, message: `owned by ${t.email}` })));
}
