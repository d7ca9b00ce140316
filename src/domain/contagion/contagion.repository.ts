import { sql } from 'kysely';
import { boxColumns, inBox, within } from '../../db/geo.ts';
import { asSessionRole, type Trx } from '../../db/tenant.ts';
import type { ScoringSettings } from '../scoring/scoring-settings.ts';

// Permit contagion in set-based steps over temporary tables, all in one transaction (a run cut
// short leaves nothing behind; run it again). Every distance is great_circle_ft; every radius
// search narrows by a latitude band and a longitude band on a btree index first, then checks the
// exact distance, so nothing is a cross join.
//
//  1. permits are matched to parcels (the APN, else the nearest parcel within 60 ft);
//  2. the window: roofing permits with coordinates issued between `since` and `asOf`, numbered
//     by date so the earliest permit of a cluster is its key;
//  3. clusters as DBSCAN finds them: a permit with at least min_permits roofing permits within the
//     radius (itself included) is a core; cores within the radius of each other are one cluster
//     (labels spread until none moves); a permit within the radius of a core joins its nearest;
//  4. each parcel within the radius of a clustered permit is scored from everything around it.

type Contagion = ScoringSettings['contagion'];
const r = sql.raw;

/**
 * The run's working tables: temporary, dropped at commit, created by the connection's own role
 * before the transaction takes the application role (which may not create them) and lent to it.
 */
export const CONTAGION_DDL = [
  `CREATE TEMP TABLE cw (n integer PRIMARY KEY, id uuid NOT NULL, lat float8 NOT NULL, lon float8 NOT NULL, permit_date date NOT NULL,
     permit_value_cents bigint, property_id uuid, subdivision text, contractor_name text, address text, city text, state text, year_built integer,
     prev_cluster uuid, lat_lo float8, lat_hi float8, lon_lo float8, lon_hi float8) ON COMMIT DROP`,
  'CREATE INDEX ON cw (lat, lon)',
  // a permit by id (which permits left their cluster) and by parcel (a parcel's own re-roof)
  'CREATE INDEX ON cw (id)',
  'CREATE INDEX ON cw (property_id)',
  'CREATE TEMP TABLE cpair (a integer NOT NULL, b integer NOT NULL, d float8 NOT NULL) ON COMMIT DROP',
  'CREATE TEMP TABLE ccore (n integer PRIMARY KEY, label integer NOT NULL) ON COMMIT DROP',
  'CREATE TEMP TABLE cmember (n integer PRIMARY KEY, label integer NOT NULL) ON COMMIT DROP',
  `CREATE TEMP TABLE ccluster (label integer PRIMARY KEY, cluster_id uuid, anchor uuid NOT NULL, permit_count integer NOT NULL, lat float8, lon float8, avg_value bigint,
     first date, last date, avg_year_built integer, city text, state text, subdivision text, with_subdivision integer, radius float8, contractors text[], score integer) ON COMMIT DROP`,
  'CREATE TEMP TABLE creach (property_id uuid PRIMARY KEY, cluster_id uuid NOT NULL) ON COMMIT DROP',
  'GRANT SELECT, INSERT, UPDATE, DELETE ON cw, cpair, ccore, cmember, ccluster, creach TO porchlight_app',
];

/** ANALYZE a working table once it is filled (the planner otherwise guesses its size); the session's role may, the application role may not. */
export const analyze = (table: string, trx: Trx) => asSessionRole(trx, () => sql`ANALYZE ${sql.table(table)}`.execute(trx));

export const contagionRepository = {
  /** Permits not yet matched to a parcel: by APN, else the nearest parcel within 60 ft. */
  async matchPermits(trx: Trx): Promise<number> {
    const x = await sql`
      WITH w AS MATERIALIZED (
        SELECT w.organization_id, w.id, w.parcel_id, w.latitude, w.longitude, ${boxColumns(r('w.latitude'), r('w.longitude'), 60)}
        FROM permit w WHERE w.organization_id = app_org_id() AND w.property_id IS NULL AND (w.latitude IS NOT NULL OR w.parcel_id IS NOT NULL)
      ), m AS (
        SELECT w.organization_id, w.id, coalesce(
          (SELECT p.id FROM property p WHERE p.organization_id = w.organization_id AND p.apn = w.parcel_id LIMIT 1),
          (SELECT p.id FROM property p WHERE p.organization_id = w.organization_id
             AND ${inBox('w', r('w.latitude'), r('w.longitude'), r('p.latitude'), r('p.longitude'), 60)}
           ORDER BY great_circle_ft(w.latitude, w.longitude, p.latitude, p.longitude), p.id LIMIT 1)) AS property_id
        FROM w
      )
      UPDATE permit w SET property_id = m.property_id FROM m
      -- joined on the whole key: on the id alone the planner may scan every permit for each one
      WHERE w.organization_id = m.organization_id AND w.id = m.id AND m.property_id IS NOT NULL`.execute(trx);
    return Number(x.numAffectedRows ?? 0);
  },

  /** Steps 2 and 3: the window's roofing permits and the clusters among them. Returns the number of label passes. */
  async findClusters(c: Contagion, since: string, asOf: string, trx: Trx): Promise<{ permits: number; passes: number }> {
    const ft = c.radius_miles * 5280;
    await sql`
      INSERT INTO cw
      SELECT row_number() OVER (ORDER BY w.permit_date, w.id)::int AS n, w.id, w.latitude AS lat, w.longitude AS lon, w.permit_date,
             w.permit_value_cents, w.property_id, upper(btrim(w.subdivision)) AS subdivision, w.contractor_name, w.address, w.city, w.state,
             pp.year_built, w.cluster_id, ${boxColumns(r('w.latitude'), r('w.longitude'), ft)}
      FROM permit w LEFT JOIN property pp ON pp.organization_id = w.organization_id AND pp.id = w.property_id
      WHERE w.organization_id = app_org_id() AND w.is_roofing AND w.latitude IS NOT NULL
        AND w.permit_date BETWEEN ${since}::date AND ${asOf}::date`.execute(trx);
    await analyze('cw', trx);
    await sql`
      INSERT INTO cpair
      SELECT a.n, x.n, x.d FROM cw a
      CROSS JOIN LATERAL (SELECT b.n, great_circle_ft(a.lat, a.lon, b.lat, b.lon) AS d FROM cw b
                          WHERE b.n <> a.n AND ${within(r('a.lat'), r('a.lon'), r('b.lat'), r('b.lon'), ft)}) x`.execute(trx);
    await analyze('cpair', trx);
    await sql`
      INSERT INTO ccore
      SELECT a AS n, a AS label FROM cpair GROUP BY a HAVING count(*) + 1 >= ${c.min_permits}`.execute(trx);
    await analyze('ccore', trx);
    // labels spread to the smallest in reach, and jump along labels' labels, until none moves
    let passes = 0;
    for (;;) {
      passes++;
      const spread = await sql`
        UPDATE ccore k SET label = m.label
        FROM (SELECT p.a AS n, min(o.label) AS label FROM cpair p JOIN ccore o ON o.n = p.b GROUP BY p.a) m
        WHERE k.n = m.n AND m.label < k.label`.execute(trx);
      const jump = await sql`
        UPDATE ccore k SET label = o.label FROM ccore o WHERE o.n = k.label AND o.label < k.label`.execute(trx);
      if (Number(spread.numAffectedRows ?? 0) + Number(jump.numAffectedRows ?? 0) === 0) break;
    }
    // members: the cores, and each permit within reach of a core joins its nearest core's cluster
    await sql`
      INSERT INTO cmember
      SELECT n, label FROM ccore
      UNION ALL
      (SELECT DISTINCT ON (p.a) p.a, k.label FROM cpair p JOIN ccore k ON k.n = p.b
       WHERE NOT EXISTS (SELECT 1 FROM ccore x WHERE x.n = p.a)
       ORDER BY p.a, p.d, k.label)`.execute(trx);
    const n = await sql<{ n: number }>`SELECT count(*)::int AS n FROM cw`.execute(trx);
    return { permits: n.rows[0]!.n, passes };
  },

  /**
   * Write the clusters found. A cluster that shares most of its permits with one found before
   * keeps that one's id (each old cluster goes to the new one sharing most with it); the others
   * are new, known by their earliest core permit. Clusters not found again dissolve, and each
   * permit records its cluster.
   */
  async saveClusters(c: Contagion, asOf: string, trx: Trx): Promise<{ clusters: number; dissolved: number }> {
    const windowDays = c.window_months * 30.44;
    await sql`
      INSERT INTO ccluster
      WITH g AS (
        SELECT m.label, (array_agg(w.id ORDER BY w.n) FILTER (WHERE k.n IS NOT NULL))[1] AS anchor, count(*)::int AS permit_count,
               avg(w.lat) AS lat, avg(w.lon) AS lon, round(avg(w.permit_value_cents))::bigint AS avg_value,
               min(w.permit_date) AS first, max(w.permit_date) AS last, round(avg(w.year_built))::int AS avg_year_built,
               mode() WITHIN GROUP (ORDER BY w.city) AS city, mode() WITHIN GROUP (ORDER BY w.state) AS state,
               mode() WITHIN GROUP (ORDER BY w.subdivision) AS subdivision, count(w.subdivision)::int AS with_subdivision
        FROM cmember m JOIN cw w ON w.n = m.n LEFT JOIN ccore k ON k.n = m.n GROUP BY m.label
      )
      SELECT g.label, NULL::uuid, g.anchor, g.permit_count, g.lat, g.lon, g.avg_value, g.first, g.last, g.avg_year_built, g.city, g.state, g.subdivision,
             g.with_subdivision, (SELECT max(great_circle_ft(g.lat, g.lon, w.lat, w.lon)) / 5280 FROM cmember m JOIN cw w ON w.n = m.n WHERE m.label = g.label) AS radius,
             ARRAY(SELECT w.contractor_name FROM cmember m JOIN cw w ON w.n = m.n WHERE m.label = g.label AND w.contractor_name IS NOT NULL
                   GROUP BY w.contractor_name ORDER BY count(*) DESC, w.contractor_name LIMIT 5) AS contractors,
             -- size (50), how recent its newest permit is (30), what its jobs are worth (20)
             round(50 * score_ramp(g.permit_count, 0, 15) + 30 * score_ramp(${windowDays}::numeric - (${asOf}::date - g.last), 0, ${windowDays}::numeric)
                   + 20 * coalesce(score_ramp(g.avg_value, 0, 2000000), 0))::int AS score
      FROM g`.execute(trx);
    // the clusters found before: each new cluster's best match, then each old cluster's best taker
    await sql`
      UPDATE ccluster g SET cluster_id = x.prev
      FROM (SELECT DISTINCT ON (prev) prev, label FROM (
              SELECT DISTINCT ON (m.label) m.label, w.prev_cluster AS prev, count(*) AS shared FROM cmember m JOIN cw w ON w.n = m.n
              WHERE w.prev_cluster IS NOT NULL GROUP BY m.label, w.prev_cluster ORDER BY m.label, count(*) DESC, w.prev_cluster) y
            ORDER BY prev, shared DESC, label) x
      WHERE g.label = x.label`.execute(trx);
    const names = ['city', 'state', 'subdivision', 'center_latitude', 'center_longitude', 'radius_miles', 'permit_count', 'avg_permit_value_cents',
      'date_range_start', 'date_range_end', 'avg_year_built', 'cluster_score', 'status', 'contractors'];
    const columns = sql.join(names.map((x) => sql.ref(x)));
    const of = (t: string) => sql.join(names.map((x) => sql.ref(`${t}.${x}`)));
    const values = sql`g.city, g.state, CASE WHEN 2 * g.with_subdivision >= g.permit_count THEN g.subdivision END, g.lat, g.lon, round(g.radius::numeric, 3),
                       g.permit_count, g.avg_value, g.first, g.last, g.avg_year_built, g.score,
                       CASE WHEN ${asOf}::date - g.last <= ${c.cooling_after_days} THEN 'active' ELSE 'cooling' END, g.contractors`;
    await sql`
      UPDATE contagion_cluster k SET (${columns}) = (SELECT ${values})
      FROM ccluster g
      WHERE k.organization_id = app_org_id() AND k.id = g.cluster_id AND (${of('k')}) IS DISTINCT FROM (${values})`.execute(trx);
    // new clusters (a dissolved one with the same earliest core comes back)
    await sql`
      INSERT INTO contagion_cluster AS k (organization_id, anchor_permit_id, ${columns})
      SELECT app_org_id(), g.anchor, ${values} FROM ccluster g WHERE g.cluster_id IS NULL
      ON CONFLICT (organization_id, anchor_permit_id) DO UPDATE SET (${columns}) = (SELECT ${of('excluded')})
        -- never a cluster this run already kept for other permits
        WHERE NOT EXISTS (SELECT 1 FROM ccluster x WHERE x.cluster_id = k.id)`.execute(trx);
    await sql`
      UPDATE ccluster g SET cluster_id = k.id FROM contagion_cluster k
      WHERE g.cluster_id IS NULL AND k.organization_id = app_org_id() AND k.anchor_permit_id = g.anchor
        AND NOT EXISTS (SELECT 1 FROM ccluster x WHERE x.cluster_id = k.id)`.execute(trx);
    const gone = await sql`
      UPDATE contagion_cluster k SET status = 'dissolved'
      WHERE k.organization_id = app_org_id() AND k.status <> 'dissolved' AND NOT EXISTS (SELECT 1 FROM ccluster c WHERE c.cluster_id = k.id)`.execute(trx);
    // each permit's cluster, written where it moved
    await sql`
      UPDATE permit w SET cluster_id = n.cluster_id
      FROM (SELECT x.id, g.cluster_id FROM cmember m JOIN cw x ON x.n = m.n JOIN ccluster g ON g.label = m.label
            UNION ALL
            SELECT p.id, NULL FROM permit p WHERE p.organization_id = app_org_id() AND p.cluster_id IS NOT NULL
              AND NOT EXISTS (SELECT 1 FROM cmember m JOIN cw x ON x.n = m.n WHERE x.id = p.id)) n
      WHERE w.organization_id = app_org_id() AND w.id = n.id AND w.cluster_id IS DISTINCT FROM n.cluster_id`.execute(trx);
    const n = await sql<{ n: number }>`SELECT count(*)::int AS n FROM ccluster WHERE cluster_id IS NOT NULL`.execute(trx);
    return { clusters: n.rows[0]!.n, dissolved: Number(gone.numAffectedRows ?? 0) };
  },
};
