// The contagion part of `npm run bench:score` (also alone: tsx bench/contagion.ts [--engine pglite|pg]
// [--properties N] [--permits N] [--slice N]).
//
// A metro area 25 miles across: N parcels (100,000) spread over it, and M building permits
// (50,000) issued over the last two years, 40% of them re-roofs: most of those where storms hit
// (300 neighbourhoods, a few hundred feet across), the rest anywhere. The permits are imported
// from a CSV file as `porchlight import permits` does, then `porchlight contagion run` finds the
// clusters and scores every parcel near one. Figures:
//   import          the permits file in, one merge
//   first run       every cluster and parcel score new
//   second run      nothing moved: nothing written
//   per parcel      the baseline: a naive implementation, one parcel at a time, comparing the
//                   parcel with every roofing permit (no index), on a slice of parcels near a
//                   cluster; its time per parcel times the parcels the run scored
import fs from 'node:fs';
import path from 'node:path';
import { sql } from 'kysely';
import type { Container } from '../src/app/container.ts';
import { copyRows } from '../src/db/bulk.ts';
import { asSessionRole, withTenant, type Actor } from '../src/db/tenant.ts';

/** A seeded generator: the same area every run. */
function random(seed: number) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const LAT = [30.1, 30.46];
const LON = [-97.95, -97.53];
const FT_LAT = 364_000;
const FT_LON = FT_LAT * Math.cos((30.28 * Math.PI) / 180);

export interface ContagionBench {
  properties: number;
  permits: number;
  import_seconds: number;
  first: { seconds: number; clusters: number; reached: number; tiers: { tier: string; n: number }[]; steps: Record<string, number> };
  second: { seconds: number; written: number };
  naive: { slice: number; seconds_per_parcel: number; estimated_seconds: number };
}

export async function benchContagion(c: Container, actor: Actor, opts: { properties: number; permits: number; slice: number; work: string; say: (s: string) => void }): Promise<ContagionBench> {
  const rnd = random(42);
  const uniform = () => ({ lat: LAT[0]! + rnd() * (LAT[1]! - LAT[0]!), lon: LON[0]! + rnd() * (LON[1]! - LON[0]!) });
  opts.say(`seeding ${opts.properties.toLocaleString()} parcels ...`);
  const props: (string | number | boolean | null)[][] = [];
  for (let i = 0; i < opts.properties; i++) {
    const at = uniform();
    props.push([actor.organizationId, `${i} BENCH ST`, 'AUSTIN', 'TX', at.lat, at.lon, 1960 + Math.floor(rnd() * 60), 15_000_000 + Math.floor(rnd() * 60_000_000),
      Math.round(rnd() * 80), rnd() < 0.1, rnd() < 0.7, `SUBDIVISION ${Math.floor(rnd() * 2000)}`]);
  }
  await withTenant(c.db, actor, (trx) => asSessionRole(trx, () => copyRows(trx, 'property',
    ['organization_id', 'address_line1', 'city', 'state', 'latitude', 'longitude', 'year_built', 'estimated_value_cents', 'equity_percent', 'has_liens', 'has_mortgage', 'subdivision'], props)));

  const storms = Array.from({ length: 300 }, uniform);
  const lines = ['permit_number,permit_date,permit_type,work_description,permit_value,address,latitude,longitude,subdivision,contractor_name'];
  const day = (n: number) => new Date(Date.UTC(2026, 10, 1) - n * 86_400_000).toISOString().slice(0, 10);
  for (let i = 0; i < opts.permits; i++) {
    const roofing = rnd() < 0.4;
    let at = uniform();
    if (roofing && rnd() < 0.7) {
      const s = storms[Math.floor(rnd() * storms.length)]!;
      at = { lat: s.lat + ((rnd() - 0.5) * 1500) / FT_LAT, lon: s.lon + ((rnd() - 0.5) * 1500) / FT_LON };
    }
    lines.push([`B-${i}`, day(Math.floor(rnd() * 720)), roofing ? 'Residential Roofing' : 'Electrical', roofing ? 'Tear off and re-roof' : 'New panel',
      roofing ? 8000 + Math.floor(rnd() * 20000) : 2000, `${i} PERMIT ST`, at.lat.toFixed(7), at.lon.toFixed(7), `SUBDIVISION ${Math.floor(rnd() * 2000)}`,
      `Roofer ${Math.floor(rnd() * 40)}`].join(','));
  }
  const file = path.join(opts.work, 'permits.csv');
  fs.writeFileSync(file, lines.join('\n') + '\n');
  await c.db.execScript('VACUUM ANALYZE');

  opts.say('importing the permits ...');
  let t = performance.now();
  const imported = await c.contagion.importPermits(actor, { file });
  const importSeconds = (performance.now() - t) / 1000;
  if (imported.added !== opts.permits) throw new Error(`imported ${imported.added} of ${opts.permits} permits`);
  await c.db.execScript('VACUUM ANALYZE');

  opts.say('contagion run (first) ...');
  t = performance.now();
  const first = await c.contagion.run(actor, { as_of: '2026-11-01' });
  const firstSeconds = (performance.now() - t) / 1000;
  opts.say(`  ${first.clusters} clusters, ${first.properties_reached} parcels in ${firstSeconds.toFixed(1)} s; again (nothing moved) ...`);
  t = performance.now();
  const second = await c.contagion.run(actor, { as_of: '2026-11-01' });
  const secondSeconds = (performance.now() - t) / 1000;

  // the naive baseline: per parcel near a cluster, every roofing permit compared, no index
  opts.say(`naive, one parcel at a time, on ${opts.slice} parcels ...`);
  const ids = (await withTenant(c.db, actor, (trx) => sql<{ id: string }>`SELECT property_id AS id FROM property_score ORDER BY property_id LIMIT ${opts.slice}`.execute(trx))).rows.map((r) => r.id);
  t = performance.now();
  for (const id of ids) {
    await withTenant(c.db, actor, (trx) => sql`
      SELECT count(*) FILTER (WHERE d <= 100), count(*) FILTER (WHERE d <= 500), count(*) FILTER (WHERE d <= 1320), min(d)
      FROM (SELECT great_circle_ft(p.latitude, p.longitude, w.latitude, w.longitude) AS d
            FROM property p CROSS JOIN permit w
            WHERE p.id = ${id}::uuid AND w.is_roofing AND w.latitude IS NOT NULL AND w.permit_date >= '2024-11-01') x`.execute(trx));
  }
  const perParcel = ids.length ? (performance.now() - t) / 1000 / ids.length : 0;
  return {
    properties: opts.properties, permits: opts.permits, import_seconds: importSeconds,
    first: { seconds: firstSeconds, clusters: first.clusters, reached: first.properties_reached, tiers: first.tiers, steps: first.steps },
    second: { seconds: secondSeconds, written: second.properties_written },
    naive: { slice: ids.length, seconds_per_parcel: perParcel, estimated_seconds: perParcel * first.properties_reached },
  };
}
