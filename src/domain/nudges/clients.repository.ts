import crypto from 'node:crypto';
import { sql } from 'kysely';
import type { Trx } from '../../db/tenant.ts';
import type { ClientRow } from './client-rows.ts';

// Clients in sets: an import of thousands is five statements, not thousands. A client is found
// again by (user, contact hash); its person gets the new name, its contact points are merged, and
// notes, tags and preferences are written only where they changed (a second import writes
// nothing). Changed notes lose their vector until the next embedding.

const hex = (b: Uint8Array | null) => (b ? Buffer.from(b).toString('hex') : null);

export const clientsRepository = {
  async upsert(rows: ClientRow[], trx: Trx): Promise<{ id: string; created: boolean; changed: boolean }[]> {
    if (!rows.length) return [];
    const col = <T>(f: (r: ClientRow) => T) => rows.map(f);
    const idx = rows.map((_, i) => i);
    const found = await sql<{ i: number; id: string; person_id: string }>`
      SELECT u.i, c.id, c.person_id FROM unnest(${idx}::int[], ${col((r) => r.userId)}::uuid[], ${col((r) => r.contactHash.toString('hex'))}::text[]) AS u(i, user_id, hash)
      JOIN client c ON c.organization_id = app_org_id() AND c.user_id = u.user_id AND c.contact_hash = decode(u.hash, 'hex')`.execute(trx);
    const known = new Map(found.rows.map((r) => [r.i, r]));
    const personIds = rows.map((_, i) => known.get(i)?.person_id ?? crypto.randomUUID());
    // the person: new ones inserted, known ones renamed only if the name changed. Two statements,
    // not one upsert: an upsert must be able to read the row it inserts, and an agent cannot read
    // a person before the client that makes them theirs exists (row-level security refuses it)
    const fresh = idx.filter((i) => !known.has(i));
    const f = <T>(g: (r: ClientRow) => T) => fresh.map((i) => g(rows[i]!));
    if (fresh.length) {
      await sql`
        INSERT INTO person (organization_id, id, full_name, first_name, last_name, timezone)
        SELECT app_org_id(), u.id, u.full_name, u.first_name, u.last_name, u.tz
        FROM unnest(${fresh.map((i) => personIds[i]!)}::uuid[], ${f((r) => r.fullName)}::text[], ${f((r) => r.firstName)}::text[], ${f((r) => r.lastName)}::text[],
                    ${f((r) => r.timezone)}::text[]) AS u(id, full_name, first_name, last_name, tz)`.execute(trx);
    }
    const seen = idx.filter((i) => known.has(i));
    const k = <T>(g: (r: ClientRow) => T) => seen.map((i) => g(rows[i]!));
    if (seen.length) {
      await sql`
        UPDATE person SET full_name = u.full_name, first_name = u.first_name, last_name = u.last_name, timezone = coalesce(u.tz, person.timezone)
        FROM unnest(${seen.map((i) => personIds[i]!)}::uuid[], ${k((r) => r.fullName)}::text[], ${k((r) => r.firstName)}::text[], ${k((r) => r.lastName)}::text[],
                    ${k((r) => r.timezone)}::text[]) AS u(id, full_name, first_name, last_name, tz)
        WHERE person.organization_id = app_org_id() AND person.id = u.id
          AND ((person.full_name, person.first_name, person.last_name) IS DISTINCT FROM (u.full_name, u.first_name, u.last_name)
               OR (u.tz IS NOT NULL AND u.tz IS DISTINCT FROM person.timezone))`.execute(trx);
    }
    const p = (r: ClientRow) => r.prefs;
    const out = await sql<{ id: string; created: boolean; person_id: string }>`
      INSERT INTO client AS c (organization_id, user_id, person_id, contact_hash, notes, user_tags, price_min_cents, price_max_cents, beds_min, baths_min,
                          areas, property_types, timeline, timezone, source)
      SELECT app_org_id(), u.user_id, u.person_id, decode(u.hash, 'hex'), u.notes, ARRAY(SELECT jsonb_array_elements_text(u.tags::jsonb)),
             u.price_min * 100, u.price_max * 100, u.beds, u.baths, ARRAY(SELECT jsonb_array_elements_text(u.areas::jsonb)),
             ARRAY(SELECT jsonb_array_elements_text(u.types::jsonb)), u.timeline, u.tz, u.source
      FROM unnest(${idx}::int[], ${col((r) => r.userId)}::uuid[], ${personIds}::uuid[], ${col((r) => r.contactHash.toString('hex'))}::text[], ${col((r) => r.notes)}::text[],
                  ${col((r) => JSON.stringify(r.tags))}::text[], ${col((r) => p(r).price_min ?? null)}::bigint[], ${col((r) => p(r).price_max ?? null)}::bigint[],
                  ${col((r) => p(r).beds ?? null)}::int[], ${col((r) => p(r).baths ?? null)}::numeric[], ${col((r) => JSON.stringify(p(r).areas ?? []))}::text[],
                  ${col((r) => JSON.stringify(p(r).property_types ?? []))}::text[], ${col((r) => p(r).timeline ?? null)}::text[], ${col((r) => r.timezone)}::text[],
                  ${col((r) => r.source)}::text[])
        AS u(i, user_id, person_id, hash, notes, tags, price_min, price_max, beds, baths, areas, types, timeline, tz, source)
      ON CONFLICT (organization_id, user_id, contact_hash) DO UPDATE SET
        notes = excluded.notes, user_tags = excluded.user_tags, price_min_cents = excluded.price_min_cents, price_max_cents = excluded.price_max_cents,
        beds_min = excluded.beds_min, baths_min = excluded.baths_min, areas = excluded.areas, property_types = excluded.property_types,
        timeline = excluded.timeline, timezone = coalesce(excluded.timezone, c.timezone),
        notes_embedding = CASE WHEN c.notes IS DISTINCT FROM excluded.notes THEN NULL ELSE c.notes_embedding END,
        embedding_space = CASE WHEN c.notes IS DISTINCT FROM excluded.notes THEN NULL ELSE c.embedding_space END
      WHERE (c.notes, c.user_tags, c.price_min_cents, c.price_max_cents, c.beds_min, c.baths_min, c.areas, c.property_types, c.timeline)
            IS DISTINCT FROM (excluded.notes, excluded.user_tags, excluded.price_min_cents, excluded.price_max_cents, excluded.beds_min, excluded.baths_min,
                              excluded.areas, excluded.property_types, excluded.timeline)
         OR (excluded.timezone IS NOT NULL AND excluded.timezone IS DISTINCT FROM c.timezone)
      RETURNING c.id, (xmax = 0) AS created, c.person_id`.execute(trx);
    // the contact points once the client exists: the upsert reads the rows it would conflict with,
    // and an agent can read a person's only once they are the agent's client
    const cps = rows.flatMap((r, i) => r.contacts.map((c) => ({ person: personIds[i]!, ...c })));
    const cp = <T>(f: (c: (typeof cps)[number]) => T) => cps.map(f);
    await sql`
      INSERT INTO contact_point (organization_id, person_id, kind, value, value_enc, value_hash, display, sources, type)
      SELECT app_org_id(), u.person, u.kind, u.value, decode(u.enc, 'hex'), decode(u.hash, 'hex'), u.display, ARRAY['client'],
             CASE WHEN u.kind = 'email' THEN 'personal' END
      FROM unnest(${cp((c) => c.person)}::uuid[], ${cp((c) => c.kind)}::text[], ${cp((c) => c.sealed.value)}::text[], ${cp((c) => hex(c.sealed.value_enc))}::text[],
                  ${cp((c) => c.hash.toString('hex'))}::text[], ${cp((c) => c.display)}::text[]) AS u(person, kind, value, enc, hash, display)
      ON CONFLICT (organization_id, person_id, kind, value_hash) DO NOTHING`.execute(trx);
    const byPerson = new Map(out.rows.map((r) => [r.person_id, r]));
    return rows.map((_, i) => {
      const hit = byPerson.get(personIds[i]!);
      return { id: hit?.id ?? known.get(i)!.id, created: hit?.created ?? false, changed: !!hit };
    });
  },

  /** Clients whose notes have no vector in this space yet (new, edited, or embedded by another adapter). */
  stale(space: string, limit: number, trx: Trx) {
    return sql<{ id: string; notes: string }>`
      SELECT id, notes FROM client WHERE organization_id = app_org_id() AND notes IS NOT NULL AND embedding_space IS DISTINCT FROM ${space}
        -- an agent stores vectors only for their own clients (row-level security): they embed only those
        AND (app_user_role() <> 'agent' OR user_id = app_user_id())
      ORDER BY id LIMIT ${limit}`.execute(trx).then((r) => r.rows);
  },

  /** The notes' vectors, and the AI tags read from the same notes. */
  async storeEmbeddings(rows: { id: string; embedding: number[]; aiTags: string[] }[], space: string, trx: Trx) {
    if (!rows.length) return;
    await sql`
      UPDATE client c SET notes_embedding = u.e::real[], embedding_space = ${space}, ai_tags = string_to_array(u.tags, ' ')
      FROM unnest(${rows.map((r) => r.id)}::uuid[], ${rows.map((r) => `{${r.embedding.join(',')}}`)}::text[], ${rows.map((r) => r.aiTags.join(' '))}::text[]) AS u(id, e, tags)
      WHERE c.organization_id = app_org_id() AND c.id = u.id`.execute(trx);
  },

  list(filter: { userId?: string | null; search?: string; tag?: string; limit: number; afterId?: string }, trx: Trx) {
    return sql<ClientSummary>`
      SELECT c.id, c.user_id, u.email AS user_email, p.full_name AS name, c.user_tags AS tags, c.ai_tags, c.areas, c.timeline,
             (c.price_min_cents / 100)::float8 AS price_min, (c.price_max_cents / 100)::float8 AS price_max, c.beds_min AS beds, c.baths_min::float8 AS baths,
             left(c.notes, 80) AS notes_preview, (c.notes_embedding IS NOT NULL) AS embedded, c.created_at
      FROM client c JOIN person p ON p.organization_id = c.organization_id AND p.id = c.person_id
      JOIN app_user u ON u.organization_id = c.organization_id AND u.id = c.user_id
      WHERE c.organization_id = app_org_id()
        AND (${filter.userId ?? null}::uuid IS NULL OR c.user_id = ${filter.userId ?? null}::uuid)
        AND (${filter.tag ?? null}::text IS NULL OR ${filter.tag ?? null}::text = ANY(c.user_tags) OR ${filter.tag ?? null}::text = ANY(c.ai_tags))
        AND (${filter.search ?? null}::text IS NULL OR p.full_name ILIKE '%' || ${filter.search ?? null}::text || '%' OR c.notes ILIKE '%' || ${filter.search ?? null}::text || '%')
        AND (${filter.afterId ?? null}::uuid IS NULL OR c.id < ${filter.afterId ?? null}::uuid)
      ORDER BY c.id DESC LIMIT ${filter.limit + 1}`.execute(trx).then((r) => r.rows);
  },

  async find(id: string, trx: Trx) {
    const r = await sql<ClientSummary & { notes: string | null; timezone: string | null; property_types: string[]; person_id: string; contacts: { kind: string; display: string }[];
      last_interaction_at: Date | null; embedding_space: string | null;
      nudges: { briefing_id: string; headline: string; status: string; removed: boolean; message_status: string | null }[]; dismissed: number }>`
      SELECT c.id, c.user_id, u.email AS user_email, p.full_name AS name, c.user_tags AS tags, c.ai_tags, c.areas, c.timeline, c.property_types,
             (c.price_min_cents / 100)::float8 AS price_min, (c.price_max_cents / 100)::float8 AS price_max, c.beds_min AS beds, c.baths_min::float8 AS baths,
             c.notes, c.timezone, c.person_id, c.last_interaction_at, c.embedding_space, (c.notes_embedding IS NOT NULL) AS embedded, c.created_at,
             coalesce((SELECT jsonb_agg(jsonb_build_object('kind', cp.kind, 'display', cp.display) ORDER BY cp.kind) FROM contact_point cp
                       WHERE cp.organization_id = c.organization_id AND cp.person_id = c.person_id), '[]') AS contacts,
             -- the nudges they were in, newest first, and how many opportunities they dismissed
             coalesce((SELECT jsonb_agg(x ORDER BY x.briefing_id DESC) FROM (
                 SELECT r.briefing_id, b.headline, b.status, r.removed_at IS NOT NULL AS removed, m.status AS message_status
                 FROM briefing_recipient r JOIN briefing b ON b.organization_id = r.organization_id AND b.id = r.briefing_id
                 LEFT JOIN message m ON m.organization_id = r.organization_id AND m.id = r.message_id
                 WHERE r.organization_id = c.organization_id AND r.client_id = c.id ORDER BY r.briefing_id DESC LIMIT 10) x), '[]') AS nudges,
             (SELECT count(*)::int FROM negative_preference np WHERE np.organization_id = c.organization_id AND np.client_id = c.id) AS dismissed
      FROM client c JOIN person p ON p.organization_id = c.organization_id AND p.id = c.person_id
      JOIN app_user u ON u.organization_id = c.organization_id AND u.id = c.user_id
      WHERE c.organization_id = app_org_id() AND c.id = ${id}::uuid`.execute(trx);
    return r.rows[0];
  },
};

export interface ClientSummary {
  id: string; user_id: string; user_email: string; name: string; tags: string[]; ai_tags: string[]; areas: string[]; timeline: string | null;
  price_min: number | null; price_max: number | null; beds: number | null; baths: number | null; notes_preview?: string | null; embedded: boolean; created_at: Date;
}
