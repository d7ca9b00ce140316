import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliEnv, cliEnvs, CLI_TEST_TIMEOUT, queryCliDatabase, runCli } from '../support/cli.ts';

// Kill -9 in a permit import before its merge, and in a contagion run before it commits and after
// it committed but before its leads were rescored. Run again, everything ends as a run never
// killed: the same permits, clusters, parcel scores and lead scores, and no score history twice.

const FT_PER_DEGREE = (20902231 * Math.PI) / 180;
const north = (ft: number) => (30.25 + ft / FT_PER_DEGREE).toFixed(9);

describe('crash safety of permits and contagion (CLI, kill -9)', { timeout: CLI_TEST_TIMEOUT }, () => {
  let dir: string;
  let envs: ReturnType<typeof cliEnvs>;
  let permits: string;
  let leads: string;

  const query = queryCliDatabase;
  const state = async (env: NodeJS.ProcessEnv) => ({
    permits: await query(env, 'SELECT permit_number, is_roofing, property_id IS NOT NULL AS matched FROM permit ORDER BY 1'),
    clusters: await query(env, 'SELECT permit_count, cluster_score, status, properties_scored FROM contagion_cluster ORDER BY 1, 2'),
    parcels: await query(env, 'SELECT p.address_line1, s.total_urgency_score, s.urgency_tier, p.contagion_urgency FROM property_score s JOIN property p ON p.id = s.property_id ORDER BY 1'),
    leads: await query(env, 'SELECT p.address_line1, l.contagion_score::float8 AS contagion, l.lead_score::float8 AS roof FROM lead l JOIN property p ON p.id = l.property_id ORDER BY 1'),
    history: await query(env, 'SELECT scorer, count(*)::int AS n FROM lead_score_history GROUP BY 1 ORDER BY 1'),
  });
  const load = async (env: NodeJS.ProcessEnv) => {
    const r = await runCli(['import', 'leads', leads, '--org', 'acme', '--json'], env);
    expect(r.code, r.stderr).toBe(0);
  };
  const RUN = ['contagion', 'run', '--org', 'acme', '--as-of', '2026-06-30', '--json'];
  let clean: Awaited<ReturnType<typeof state>>;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'porchlight-contagion-crash-'));
    envs = cliEnvs(dir, { PORCHLIGHT_SECRET_KEY: 'crash-test-secret-crash-test-secret-0123' });
    permits = path.join(dir, 'permits.csv');
    fs.writeFileSync(permits, ['permit_number,permit_date,permit_type,work_description,latitude,longitude',
      ...[0, 200, 400, 600].map((ft, i) => `R-${i},2026-0${i + 1}-10,Residential Roofing,re-roof,${north(ft)},-97.75`)].join('\n') + '\n');
    leads = path.join(dir, 'leads.csv');
    fs.writeFileSync(leads, ['property_address,property_city,property_state,property_zip,latitude,longitude,year_built,owner_full_name',
      ...[-80, -300, -900, 200].map((ft, i) => `${1000 + i} Elm St,Austin,TX,78704,${north(ft)},-97.75,${1995 + i},Owner ${i}`)].join('\n') + '\n');
    const env = await envs.fresh('clean');
    await load(env);
    expect((await runCli(['import', 'permits', permits, '--org', 'acme'], env)).code).toBe(0);
    const r = await runCli(RUN, env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json()).toMatchObject({ clusters: 1, properties_reached: 4 });
    clean = await state(env);
    expect(clean.leads.length).toBe(4);
  });
  afterAll(async () => {
    await envs.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('a permit import killed before its merge leaves nothing, and imports in full when run again', async () => {
    const env = await envs.fresh('permits');
    await load(env);
    const killed = await runCli(['import', 'permits', permits, '--org', 'acme'], cliEnv({ ...env, PORCHLIGHT_FAILPOINT: 'permits.staged:1' }));
    expect(killed.code).toBeNull();
    expect(await query(env, 'SELECT * FROM permit')).toEqual([]);
    expect((await runCli(['import', 'permits', permits, '--org', 'acme'], env)).code).toBe(0);
    expect((await runCli(RUN, env)).code).toBe(0);
    expect(await state(env)).toEqual(clean);
  });

  it.each(['contagion.scored:1', 'contagion.committed:1'])('a contagion run killed at %s ends as a clean run when run again', async (failpoint) => {
    const env = await envs.fresh(`run-${failpoint}`);
    await load(env);
    expect((await runCli(['import', 'permits', permits, '--org', 'acme'], env)).code).toBe(0);
    const killed = await runCli(RUN, cliEnv({ ...env, PORCHLIGHT_FAILPOINT: failpoint }));
    expect(killed.code).toBeNull();
    const between = await state(env);
    if (failpoint.startsWith('contagion.scored')) expect(between.clusters).toEqual([]); // nothing committed
    else expect(between.leads.every((l) => (l as { contagion: number | null }).contagion === null)).toBe(true); // scored, leads not yet
    const again = await runCli(RUN, env);
    expect(again.code, again.stderr).toBe(0);
    expect(await state(env)).toEqual(clean);
  });
});
