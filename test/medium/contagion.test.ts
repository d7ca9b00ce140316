import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withTenant, type Actor } from '../../src/db/tenant.ts';
import { createTestContext, type TestContext } from '../support/context.ts';

// Permits in (the real Austin files and hand-made bad rows), clusters found, parcels near them
// scored, leads rescored; all of it again changes nothing.

const AUSTIN = path.resolve(import.meta.dirname, '../../../shared/data/permits/austin/data/2015');
const FIXTURES = path.resolve(import.meta.dirname, '../fixtures/permits');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'porchlight-permits-'));

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext();
});
afterAll(async () => ctx.close());

const rows = async <T>(actor: Actor, query: ReturnType<typeof sql>) => withTenant(ctx.c.db, actor, async (trx) => (await query.execute(trx)).rows as T[]);

// points due north of a base: along a meridian the great-circle distance is exact
const FT_PER_DEGREE = (20902231 * Math.PI) / 180;
const BASE = { lat: 30.25, lon: -97.75 };
const north = (ft: number) => ({ lat: BASE.lat + ft / FT_PER_DEGREE, lon: BASE.lon });

function permitsCsv(name: string, permits: { number: string; date: string; type?: string; description: string; ft?: number; at?: { lat: number; lon: number }; subdivision?: string; contractor?: string; value?: number }[]) {
  const file = path.join(tmp, name);
  const lines = ['permit_number,permit_date,permit_type,work_description,permit_value,address,city,state,latitude,longitude,subdivision,contractor_name'];
  for (const p of permits) {
    const at = p.at ?? north(p.ft ?? 0);
    lines.push([p.number, p.date, p.type ?? 'Residential', p.description, p.value ?? 10000, `${p.number} MAIN ST`, 'Austin', 'TX', at.lat, at.lon,
      p.subdivision ?? '', p.contractor ?? 'Lone Star Roofing'].join(','));
  }
  fs.writeFileSync(file, lines.join('\n') + '\n');
  return file;
}

describe('permit import', () => {
  it('imports the real Austin files with their preset: one permit per number, roofing recognized, none lost', async () => {
    const { actor } = await ctx.newOrganization();
    const files = fs.readdirSync(AUSTIN).filter((f) => f.endsWith('.csv')).sort();
    let rowsRead = 0;
    let added = 0;
    for (const f of files) {
      const r = await ctx.c.contagion.importPermits(actor, { file: path.join(AUSTIN, f), preset: 'austin' });
      expect(r.rejected, `${f}: ${JSON.stringify(r.issues.slice(0, 3))}`).toBe(0);
      rowsRead += r.rows;
      added += r.added;
    }
    expect(rowsRead).toBe(2081);
    expect(added).toBe(2024); // the README's distinct permit numbers
    const [t] = await rows<{ n: number; roofing: number; geo: number; austin: number; subdivisions: number }>(actor, sql`
      SELECT count(*)::int AS n, count(*) FILTER (WHERE is_roofing)::int AS roofing, count(*) FILTER (WHERE latitude IS NOT NULL)::int AS geo,
             count(*) FILTER (WHERE city = 'AUSTIN' AND state = 'TX')::int AS austin, count(subdivision)::int AS subdivisions FROM permit`);
    expect(t!.n).toBe(2024);
    expect(t!.austin).toBe(2024);
    expect(t!.geo).toBeGreaterThan(1700);
    expect(t!.geo).toBeLessThan(2024); // the rows without coordinates landed too
    expect(t!.subdivisions).toBeGreaterThan(100);
    // re-roofs and roof repairs are roofing; rooftop units, roof-mounted solar, roof signs and roof framing are not
    const kinds = await rows<{ permit_number: string; is_roofing: boolean }>(actor, sql`
      SELECT DISTINCT permit_number, is_roofing FROM permit WHERE permit_number IN ('2015-023789 BP', '2015-026094 BP', '2015-024469 BP', '2015-024301 EP', '2015-024845 MP', '2015-024652 EP', '2015-000731 MP')`);
    expect(Object.fromEntries(kinds.map((k) => [k.permit_number, k.is_roofing]))).toEqual({
      '2015-023789 BP': true, '2015-026094 BP': true, '2015-024469 BP': true, // re-roof; replace roof; repair existing roof
      '2015-024301 EP': false, '2015-024845 MP': false, '2015-024652 EP': false, '2015-000731 MP': false, // solar; rooftop units; roof sign; roof framing
    });
    expect(t!.roofing).toBeGreaterThanOrEqual(15);
    // the subdivision comes from the legal description, and a description that names none gives none
    const subs = await rows<{ subdivision: string }>(actor, sql`SELECT DISTINCT subdivision FROM permit WHERE subdivision IS NOT NULL`);
    expect(subs.filter((x) => /^(LOT|BLK|BLOCK)\b|SUBDIVISION:/.test(x.subdivision))).toEqual([]);
    expect(subs.map((x) => x.subdivision)).toEqual(expect.arrayContaining(['MANOR ROAD ADDN', 'FAIRVIEW PARK', 'HIGHLANDS THE']));
    // importing again changes nothing
    const again = await ctx.c.contagion.importPermits(actor, { file: path.join(AUSTIN, files[0]!), preset: 'austin' });
    expect(again).toMatchObject({ added: 0, updated: 0, rejected: 0 });
    expect(again.unchanged).toBeGreaterThan(0);
  });

  it('rejects each bad row by line and field, and the good rows around them land', async () => {
    const { actor } = await ctx.newOrganization();
    const r = await ctx.c.contagion.importPermits(actor, { file: path.join(FIXTURES, 'bad-rows.csv') });
    expect(r.issues).toEqual([
      { line: 3, field: 'permit_number', reason: expect.stringContaining('empty') },
      { line: 4, field: 'permit_date', reason: expect.stringContaining("'31/31/2026' is not a date") },
      { line: 5, field: 'permit_value', reason: expect.stringContaining("'lots'") },
      { line: 6, field: 'latitude', reason: expect.stringContaining("'95.0'") },
      { line: 7, field: 'state', reason: expect.stringContaining("'XX'") },
    ]);
    expect(r).toMatchObject({ rows: 9, added: 3, repeated: 1, rejected: 5 });
    const got = await rows<{ permit_number: string; permit_value_cents: string; is_roofing: boolean; latitude: number | null; contractor_name: string }>(actor, sql`
      SELECT permit_number, permit_value_cents::text, is_roofing, latitude, contractor_name FROM permit ORDER BY permit_number`);
    expect(got).toEqual([
      { permit_number: 'P-1', permit_value_cents: '1250000', is_roofing: true, latitude: 30.25, contractor_name: 'Lone Star Roofing' },
      { permit_number: 'P-7', permit_value_cents: '300000', is_roofing: false, latitude: 30.2506, contractor_name: 'Sparky LLC' },
      { permit_number: 'P-8', permit_value_cents: '800000', is_roofing: true, latitude: null, contractor_name: 'Lone Star Roofing' },
    ]);
  });

  it('says what is wrong with the file or the request', async () => {
    const { actor } = await ctx.newOrganization();
    await expect(ctx.c.contagion.importPermits(actor, { file: path.join(FIXTURES, 'bad-rows.csv'), preset: 'chicago' }))
      .rejects.toMatchObject({ code: 'VALIDATION', message: expect.stringContaining("preset: 'chicago' is not a permit preset") });
    await expect(ctx.c.contagion.importPermits(actor, { file: path.join(tmp, 'missing.csv') })).rejects.toMatchObject({ code: 'VALIDATION', message: expect.stringContaining('does not exist') });
    const noNumber = path.join(tmp, 'no-number.csv');
    fs.writeFileSync(noNumber, 'date,description\n2026-01-01,re-roof\n');
    await expect(ctx.c.contagion.importPermits(actor, { file: noNumber })).rejects.toMatchObject({ code: 'VALIDATION', message: expect.stringContaining('permit_number: no column') });
    const { actor: agent } = await ctx.newUser(actor.organizationId, 'agent');
    await expect(ctx.c.contagion.importPermits(agent, { file: path.join(FIXTURES, 'bad-rows.csv') })).rejects.toMatchObject({ code: 'FORBIDDEN' });
  });
});

describe('great-circle distance and radius search', () => {
  it('measures feet along the Earth and answers from the index what a full comparison answers', async () => {
    const { actor } = await ctx.newOrganization();
    for (const f of fs.readdirSync(AUSTIN).filter((x) => x.endsWith('.csv'))) await ctx.c.contagion.importPermits(actor, { file: path.join(AUSTIN, f), preset: 'austin' });
    const [d] = await rows<{ north: number; east: number; sym: boolean }>(actor, sql`
      SELECT round(great_circle_ft(30.25, -97.75, ${north(1320).lat}, -97.75)::numeric, 3)::float8 AS north,
             round(great_circle_ft(30.25, -97.75, 30.25, -97.74)::numeric)::float8 AS east,
             great_circle_ft(30.2, -97.7, 30.3, -97.8) = great_circle_ft(30.3, -97.8, 30.2, -97.7) AS sym`);
    expect(d!.north).toBe(1320);
    expect(d!.east).toBe(3151); // 0.01 degree of longitude at 30.25° N: 364,812 ft × 0.01 × cos 30.25°
    expect(d!.sym).toBe(true);
    // pairs of permits within 500 ft: the banded search equals the brute force
    const [n] = await rows<{ banded: number; brute: number }>(actor, sql`
      SELECT (SELECT count(*) FROM permit a JOIN permit b ON b.organization_id = a.organization_id AND b.id <> a.id
                AND b.latitude BETWEEN a.latitude - 500 / 364000.0 * 1.01 AND a.latitude + 500 / 364000.0 * 1.01
                AND b.longitude BETWEEN a.longitude - 500 / 364000.0 * 1.01 / cos(radians(a.latitude)) AND a.longitude + 500 / 364000.0 * 1.01 / cos(radians(a.latitude))
              WHERE great_circle_ft(a.latitude, a.longitude, b.latitude, b.longitude) <= 500)::int AS banded,
             (SELECT count(*) FROM permit a JOIN permit b ON b.organization_id = a.organization_id AND b.id <> a.id
              WHERE great_circle_ft(a.latitude, a.longitude, b.latitude, b.longitude) <= 500)::int AS brute`);
    expect(n!.banded).toBe(n!.brute);
    expect(n!.brute).toBeGreaterThan(100);
  });
});

describe('contagion run', () => {
  // Four re-roofs 200 ft apart in Travis Heights (a cluster), two five miles east (too few), one
  // too old, one electrical permit; parcels at the re-roofed houses and 80, 1,000 and 2,000 ft south.
  async function scene() {
    const o = await ctx.newOrganization();
    const file = permitsCsv('scene.csv', [
      ...[0, 200, 400, 600].map((ft, i) => ({ number: `R-${i}`, date: `2026-0${i + 1}-15`, description: 'Tear off and re-roof', ft, subdivision: 'Travis Heights', contractor: i % 2 ? 'Hail Pros' : 'Lone Star Roofing', value: 12000 + 1000 * i })),
      ...[0, 300].map((ft, i) => ({ number: `E-${i}`, date: '2026-03-01', description: 're-roof', at: { lat: north(ft).lat, lon: BASE.lon + 0.09 } })),
      { number: 'OLD-1', date: '2023-01-01', description: 're-roof', ft: 100 },
      { number: 'EL-1', date: '2026-02-01', type: 'Electrical', description: 'new panel', ft: 50 },
    ]);
    await ctx.c.contagion.importPermits(o.actor, { file });
    const parcels = await withTenant(ctx.c.db, o.actor, async (trx) => {
      const add = async (name: string, ft: number, facts: Record<string, unknown>) => {
        const at = north(ft);
        const p = await trx.insertInto('property').values({ organization_id: o.org.id, address_line1: name, city: 'AUSTIN', state: 'TX', latitude: at.lat, longitude: at.lon, ...facts } as never)
          .returning('id').executeTakeFirstOrThrow();
        return p.id;
      };
      const own = await add('re-roofed', 0, { year_built: 1998, subdivision: 'Travis Heights' });
      for (const ft of [200, 400, 600]) await add(`re-roofed ${ft}`, ft, { year_built: 1998 });
      const near = await add('80 ft south', -80, {
        year_built: 2000, subdivision: 'travis heights ', estimated_value_cents: 40_000_000, equity_percent: 40, has_liens: false, has_mortgage: true,
      });
      const mid = await add('1000 ft south', -1000, { year_built: 1980 });
      const far = await add('2000 ft south', -2000, { year_built: 2000 });
      return { own, near, mid, far };
    });
    const lead = await withTenant(ctx.c.db, o.actor, async (trx) => (await trx.insertInto('lead').values({ organization_id: o.org.id, property_id: parcels.near } as never)
      .returning('id').executeTakeFirstOrThrow()).id);
    return { ...o, parcels, lead };
  }

  it('finds the cluster, scores the parcels near it as docs/SCORING.md works out, and rescores their leads', async () => {
    const { actor, parcels, lead } = await scene();
    const r = await ctx.c.contagion.run(actor, { as_of: '2026-06-30' });
    expect(r).toMatchObject({ since: '2024-06-30', roofing_permits_in_window: 6, clusters: 1, dissolved: 0, properties_reached: 6 });
    expect(r.permits_matched).toBe(5); // the four re-roofs and the electrical permit 50 ft from the first house; the old one is 100 ft from any
    const [k] = await ctx.c.contagion.clusters(actor, {});
    expect(k).toMatchObject({
      status: 'active', permit_count: 4, date_range_start: '2026-01-15', date_range_end: '2026-04-15', avg_year_built: 1998, subdivision: 'TRAVIS HEIGHTS',
      city: 'AUSTIN', state: 'TX', avg_permit_value_cents: 1_350_000, radius_miles: 0.057, properties_scored: 6, contractors: ['Hail Pros', 'Lone Star Roofing'],
    });
    expect(k!.center_latitude).toBeCloseTo(north(300).lat, 9);
    const s = await ctx.c.contagion.propertyScore(actor, lead); // by the lead's id
    expect(s).toMatchObject({
      property_id: parcels.near, cluster_id: k!.id, permits_within_100ft: 1, permits_within_500ft: 3, permits_within_quarter_mile: 4, same_subdivision_permits: 4,
      nearest_permit_distance_ft: 80, nearest_permit_address: 'R-0 MAIN ST', nearest_permit_date: '2026-01-15', neighbor_contractor_names: ['Hail Pros', 'Lone Star Roofing'],
      contagion_score: 63, neighbor_avg_year_built: 1998, age_difference_years: 2, matches_neighbor_age: true, age_match_score: 100, financial_score: 72,
      visual_score: null, has_damage_assessment: false, factors: { contagion: 33, age_match: 24, financial: 17, visual: 0 },
      total_urgency_score: 74, urgency_tier: 'warm', confidence_level: 'medium', recommended_action: 'add_to_sequence', scoring_version: 'contagion-v1',
      data_sources_used: ['building_permits', 'property_facts', 'financials'],
    });
    expect(await ctx.c.contagion.propertyScore(actor, parcels.own)).toMatchObject({ total_urgency_score: 0, recommended_action: 'recently_reroofed' });
    expect(await ctx.c.contagion.propertyScore(actor, parcels.mid)).toMatchObject({ permits_within_500ft: 0, permits_within_quarter_mile: 2, nearest_permit_distance_ft: 1000, matches_neighbor_age: false });
    await expect(ctx.c.contagion.propertyScore(actor, parcels.far)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    const [l] = await rows<{ contagion_score: number; lead_score: number; urgency: number }>(actor, sql`
      SELECT l.contagion_score::float8 AS contagion_score, l.lead_score::float8 AS lead_score, p.contagion_urgency AS urgency
      FROM lead l JOIN property p ON p.id = l.property_id WHERE l.id = ${lead}::uuid`);
    expect(l).toEqual({ contagion_score: 74, urgency: 74, lead_score: 21 }); // the roof score: contagion 15 × 74% = 11, value 10
    const history = await rows<{ scorer: string; score: number; factors: Record<string, number> }>(actor, sql`
      SELECT scorer, score::float8 AS score, factors FROM lead_score_history WHERE lead_id = ${lead}::uuid ORDER BY scorer`);
    expect(history).toEqual([
      { scorer: 'contagion', score: 74, factors: { contagion: 33, age_match: 24, financial: 17, visual: 0 } },
      { scorer: 'roof', score: 21, factors: expect.objectContaining({ contagion: 11, value: 10 }) },
    ]);
  });

  it('changes nothing when run again, and dissolves what no longer holds', async () => {
    const { actor, parcels, lead } = await scene();
    await ctx.c.contagion.run(actor, { as_of: '2026-06-30' });
    const [before] = await ctx.c.contagion.clusters(actor, {});
    const again = await ctx.c.contagion.run(actor, { as_of: '2026-06-30' });
    expect(again).toMatchObject({ clusters: 1, properties_written: 0, properties_removed: 0, urgency_changed: 0, permits_matched: 0 });
    const [after] = await ctx.c.contagion.clusters(actor, {});
    expect(after).toEqual(before);
    const [h] = await rows<{ n: number }>(actor, sql`SELECT count(*)::int AS n FROM lead_score_history WHERE lead_id = ${lead}::uuid`);
    expect(h!.n).toBe(2);
    // from 2028-06 the window no longer holds the re-roofs: the cluster dissolves, the parcels lose their scores
    const later = await ctx.c.contagion.run(actor, { as_of: '2028-06-30' });
    expect(later).toMatchObject({ roofing_permits_in_window: 0, clusters: 0, dissolved: 1, properties_reached: 0, properties_removed: 6 });
    expect((await ctx.c.contagion.clusters(actor, {}))[0]).toMatchObject({ id: before!.id, status: 'dissolved' });
    await expect(ctx.c.contagion.propertyScore(actor, parcels.near)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    const [l] = await rows<{ contagion_score: number; urgency: number | null }>(actor, sql`
      SELECT l.contagion_score::float8 AS contagion_score, p.contagion_urgency AS urgency FROM lead l JOIN property p ON p.id = l.property_id WHERE l.id = ${lead}::uuid`);
    expect(l).toEqual({ contagion_score: 0, urgency: null });
    // --since narrows the window: from March only two of the four re-roofs count, too few for a cluster
    expect(await ctx.c.contagion.run(actor, { as_of: '2026-06-30', since: '2026-03-01' })).toMatchObject({ roofing_permits_in_window: 4, clusters: 0 });
    await expect(ctx.c.contagion.run(actor, { as_of: '2026-06-30', since: '2026-07-01' })).rejects.toMatchObject({ code: 'VALIDATION', message: expect.stringContaining('since') });
  });

  it('keeps a cluster as the window slides and permits join it, and keeps each permit\'s cluster', async () => {
    const { actor } = await scene();
    await ctx.c.contagion.run(actor, { as_of: '2026-06-30' });
    const [k] = await ctx.c.contagion.clusters(actor, {});
    // a fifth re-roof; from 2028-01-20 the first (2026-01-15) has left the window, the rest hold
    await ctx.c.contagion.importPermits(actor, { file: permitsCsv('fifth.csv', [{ number: 'R-4', date: '2026-05-15', description: 're-roof', ft: 800 }]) });
    const later = await ctx.c.contagion.run(actor, { as_of: '2028-01-20' });
    expect(later).toMatchObject({ clusters: 1, dissolved: 0, roofing_permits_in_window: 6 }); // and the two to the east
    const [k2] = await ctx.c.contagion.clusters(actor, {});
    expect(k2).toMatchObject({ id: k!.id, permit_count: 4, date_range_start: '2026-02-15', date_range_end: '2026-05-15', status: 'cooling' });
    const members = await rows<{ permit_number: string; cluster_id: string | null }>(actor, sql`SELECT permit_number, cluster_id FROM permit WHERE permit_number LIKE 'R-%' ORDER BY 1`);
    expect(members).toEqual([
      { permit_number: 'R-0', cluster_id: null }, { permit_number: 'R-1', cluster_id: k!.id }, { permit_number: 'R-2', cluster_id: k!.id },
      { permit_number: 'R-3', cluster_id: k!.id }, { permit_number: 'R-4', cluster_id: k!.id },
    ]);
  });

  it('takes a permit\'s later facts, matches a moved permit again, and lets agents read but not write', async () => {
    const { actor, parcels } = await scene();
    await ctx.c.contagion.run(actor, { as_of: '2026-06-30' });
    // R-1 was filed at the wrong place: 300 ft further north, with a final status and no value
    const file = path.join(tmp, 'moved.csv');
    fs.writeFileSync(file, `permit_number,permit_date,status,latitude,longitude\nR-1,2026-02-15,Final,,\nR-1,2026-02-15,,${north(5000).lat},${BASE.lon}\n`);
    expect(await ctx.c.contagion.importPermits(actor, { file })).toMatchObject({ updated: 1, repeated: 1 });
    const [p] = await rows<{ status: string; latitude: number; property_id: string | null; permit_value_cents: string }>(actor, sql`
      SELECT status, latitude, property_id, permit_value_cents::text FROM permit WHERE permit_number = 'R-1'`);
    expect(p).toEqual({ status: 'Final', latitude: north(5000).lat, property_id: null, permit_value_cents: '1300000' });
    const again = await ctx.c.contagion.run(actor, { as_of: '2026-06-30' });
    expect(again.permits_matched).toBe(0); // nothing within 60 ft of its new place
    expect(again.roofing_permits_in_window).toBe(6);
    // agents read the clusters and scores, and write none of it
    const { actor: agent } = await ctx.newUser(actor.organizationId, 'agent');
    expect((await ctx.c.contagion.clusters(agent, {})).length).toBe(1);
    expect((await ctx.c.contagion.propertyScore(agent, parcels.near)).property_id).toBe(parcels.near);
    for (const statement of [sql`UPDATE permit SET status = 'x'`, sql`DELETE FROM contagion_cluster`, sql`UPDATE property_score SET total_urgency_score = 100`]) {
      await withTenant(ctx.c.db, agent, (trx) => statement.execute(trx));
    }
    expect((await rows<{ n: number }>(actor, sql`SELECT count(*)::int AS n FROM permit WHERE status = 'x'`))[0]!.n).toBe(0);
    expect((await ctx.c.contagion.clusters(actor, {})).length).toBe(1);
    await expect(withTenant(ctx.c.db, agent, (trx) => sql`INSERT INTO permit (organization_id, permit_number, permit_date, source) VALUES (app_org_id(), 'A-1', '2026-01-01', 'x')`.execute(trx)))
      .rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(ctx.c.contagion.run(agent, {})).rejects.toMatchObject({ code: 'FORBIDDEN' });
  });

  it('follows the organization\'s settings: a cluster of two joins the two permits to the east', async () => {
    const { actor } = await scene();
    await ctx.c.scoring.updateSettings(actor, { contagion: { min_permits: 2 } });
    expect(await ctx.c.contagion.run(actor, { as_of: '2026-06-30' })).toMatchObject({ clusters: 2 });
    await expect(ctx.c.scoring.updateSettings(actor, { contagion: { warm: 90 } })).rejects.toMatchObject({ code: 'VALIDATION', message: expect.stringContaining('contagion.hot') });
  });
});

describe('roofing permits', () => {
  it('are told from their type and description', async () => {
    const { actor } = await ctx.newOrganization();
    const cases: [string | null, string, boolean][] = [
      ['Residential Roofing', 'Tear off', true], ['Re-Roof', '', true], [null, 'Roofing', true], [null, 'Commercial roofing - TPO membrane', true],
      [null, 'Replace 2 windows and roof', true], [null, 'Roof repair after hail', true], [null, 'Tear-off and replace 30 squares of shingles', true],
      ['Solar - Roof Mounted', '', false], ['Roof Top Unit', 'HVAC', false], [null, 'Replace roof-top AC unit', false],
      [null, 'Installing Roof Mounted Solar PV System', false], ['Sign Permit', 'new roof sign', false], [null, 'Remove and replace fire damaged roof framing', false],
      [null, 'Electrical service upgrade', false],
    ];
    const got = await rows<{ r: boolean }>(actor, sql`SELECT is_roofing_permit(t, NULL, d) AS r FROM unnest(${cases.map((c) => c[0])}::text[], ${cases.map((c) => c[1])}::text[]) WITH ORDINALITY AS x(t, d, n) ORDER BY n`);
    expect(got.map((g, i) => [cases[i]![0], cases[i]![1], g.r])).toEqual(cases);
  });
});
