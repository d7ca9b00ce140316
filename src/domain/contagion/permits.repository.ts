import { sql } from 'kysely';
import { copyRows, type Cell } from '../../db/bulk.ts';
import { asSessionRole, type Trx } from '../../db/tenant.ts';
import type { PermitRow } from './permit-rows.ts';

// Permits land the way leads do: COPY into a staging table, then one merge keyed by permit
// number. A permit seen again fills what it lacked and takes what changed; one that is the same
// is not written, so importing a file twice changes nothing the second time.

/** The permit columns the import writes, with their staging types: one list for the table, the COPY and the merge. */
const COLUMNS: [keyof PermitRow, string][] = [
  ['permit_number', 'text'], ['permit_date', 'date'], ['permit_type', 'text'], ['work_class', 'text'], ['status', 'text'],
  ['permit_value_cents', 'bigint'], ['contractor_name', 'text'], ['contractor_license', 'text'], ['contractor_phone', 'text'],
  ['work_description', 'text'], ['subdivision', 'text'], ['parcel_id', 'text'], ['address', 'text'], ['city', 'text'],
  ['state', 'text'], ['zip', 'text'], ['latitude', 'double precision'], ['longitude', 'double precision'], ['source_url', 'text'],
];
const NAMES = COLUMNS.map(([c]) => c);

export const permitsRepository = {
  /** The staging table: created by the connection's own role before the transaction takes the application role, and lent to it. */
  async prepare(trx: Trx) {
    await sql`CREATE TEMP TABLE permit_stage (line integer, ${sql.raw(COLUMNS.map(([c, t]) => `${c} ${t}`).join(', '))}) ON COMMIT DROP`.execute(trx);
    await sql`GRANT SELECT, INSERT ON permit_stage TO porchlight_app`.execute(trx);
  },

  async stage(rows: PermitRow[], trx: Trx) {
    // COPY from a PGlite blob needs the connection's own role; the rows go to the session's staging table only
    await asSessionRole(trx, () => copyRows(trx, 'permit_stage', ['line', ...NAMES], rows.map((r) => [r.line, ...NAMES.map((c) => r[c] as Cell)])));
  },

  /**
   * Merge the staged permits: a permit number that repeats in the file counts once, each of its
   * fields from the last row that has one. Returns how many were added and how many changed. A
   * permit whose place changed (coordinates, parcel id) is matched to its parcel again.
   */
  async merge(source: string, trx: Trx): Promise<{ added: number; updated: number; distinct: number }> {
    const cols = sql.join(NAMES.map((c) => sql.ref(c)));
    const keep = (c: string) => sql`coalesce(EXCLUDED.${sql.ref(c)}, permit.${sql.ref(c)})`;
    const last = (c: string) => sql`(array_agg(s.${sql.ref(c)} ORDER BY s.line DESC) FILTER (WHERE s.${sql.ref(c)} IS NOT NULL))[1]`;
    const place = ['latitude', 'longitude', 'parcel_id'];
    const r = await sql<{ added: number; updated: number; distinct: number }>`
      WITH merged AS (
        INSERT INTO permit (organization_id, source, ${cols})
        SELECT app_org_id(), ${source}, s.permit_number, ${sql.join(NAMES.filter((c) => c !== 'permit_number').map(last))}
        FROM permit_stage s GROUP BY s.permit_number
        ON CONFLICT (organization_id, permit_number) DO UPDATE
          SET ${sql.join(NAMES.filter((c) => c !== 'permit_number').map((c) => sql`${sql.ref(c)} = ${keep(c)}`))},
              property_id = CASE WHEN (${sql.join(place.map(keep))}) IS DISTINCT FROM (${sql.join(place.map((c) => sql.ref(`permit.${c}`)))})
                                 THEN NULL ELSE permit.property_id END
          WHERE (${sql.join(NAMES.map((c) => keep(c)))}) IS DISTINCT FROM (${sql.join(NAMES.map((c) => sql.ref(`permit.${c}`)))})
        RETURNING (xmax = 0) AS added
      )
      SELECT count(*) FILTER (WHERE added)::int AS added, count(*) FILTER (WHERE NOT added)::int AS updated,
             (SELECT count(DISTINCT permit_number) FROM permit_stage)::int AS distinct
      FROM merged`.execute(trx);
    return r.rows[0]!;
  },

  /** What the organization's permits hold: all, roofing, with coordinates, and their dates. */
  async summary(trx: Trx) {
    const r = await sql<{ permits: number; roofing: number; with_coordinates: number; first_date: string | null; last_date: string | null }>`
      SELECT count(*)::int AS permits, count(*) FILTER (WHERE is_roofing)::int AS roofing,
             count(*) FILTER (WHERE latitude IS NOT NULL)::int AS with_coordinates,
             to_char(min(permit_date), 'YYYY-MM-DD') AS first_date, to_char(max(permit_date), 'YYYY-MM-DD') AS last_date
      FROM permit WHERE organization_id = app_org_id()`.execute(trx);
    return r.rows[0]!;
  },
};
