import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliEnv, cliEnvs, CLI_TEST_TIMEOUT, queryCliDatabase, runCli } from '../support/cli.ts';

// Kill -9 in the middle of a pull or an enrichment run, at the worst moments: after the vendor
// answered and before the answer was stored, and after it was stored and before the run moved
// on. Started again, the work completes with exactly one ledger row per call actually made,
// no lead bought twice by a stage, and the same records as a run that was never killed.
const PULL = ['pull', 'local', '--org', 'acme', '--query', '{"zip_codes":["90028"]}', '--page-size', '40', '--max-pages', '3', '--json'];

describe('crash safety of pulls and enrichment (CLI, kill -9)', { timeout: CLI_TEST_TIMEOUT }, () => {
  let dir: string;
  let envs: ReturnType<typeof cliEnvs>;
  const freshEnv = (name: string) => envs.fresh(name);

  /** Read the database the CLI wrote (as the owner, across the organization). */
  const query = queryCliDatabase;
  const outcome = (env: NodeJS.ProcessEnv) => query<{ vendor: string; status: string; quality: number; cost: number }>(env, `
    SELECT l.vendor_record_id AS vendor, l.status, l.quality_score AS quality, l.enrichment_cost_cents AS cost FROM lead l ORDER BY 1`);
  const ledger = (env: NodeJS.ProcessEnv) => query<{ stage: string; status: string; n: number }>(env,
    `SELECT stage, status, count(*)::int AS n FROM cost_ledger GROUP BY 1, 2 ORDER BY 1, 2`);
  /** No lead bought twice by one stage: one stored result per (lead, stage), one verification per contact point and run. */
  const twice = (env: NodeJS.ProcessEnv) => query<{ n: number }>(env, `SELECT count(*)::int AS n FROM (
      SELECT lead_id, stage FROM skip_trace_result GROUP BY 1, 2 HAVING count(*) > 1
      UNION ALL SELECT contact_point_id, run_id::text FROM contact_verification GROUP BY 1, 2 HAVING count(*) > 1) x`);

  let clean: { leads: Awaited<ReturnType<typeof outcome>>; ledger: Awaited<ReturnType<typeof ledger>> };

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'porchlight-crash-'));
    envs = cliEnvs(dir, { PORCHLIGHT_SECRET_KEY: 'crash-test-secret-crash-test-secret-0123', PORCHLIGHT_ENRICH_CHUNK: '25' });
    const env = await freshEnv('clean');
    expect((await runCli(PULL, env)).code).toBe(0);
    const e = await runCli(['enrich', '--org', 'acme', '--source', 'local', '--json'], env);
    expect(e.code, e.stderr).toBe(0);
    clean = { leads: await outcome(env), ledger: await ledger(env) };
    expect(clean.leads).toHaveLength(120);
  });
  afterAll(async () => {
    await envs.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it.each(['pull.page.fetched:2', 'pull.page.committed:2'])('a pull killed at %s resumes from its bookmark', async (failpoint) => {
    const env = await freshEnv(`pull-${failpoint}`);
    const killed = await runCli(PULL, cliEnv({ ...env, PORCHLIGHT_FAILPOINT: failpoint }));
    expect(killed.code).toBeNull();
    const plain = await runCli(PULL, env);
    expect(plain.code).toBe(1);
    expect(plain.stderr).toContain('--resume');
    const resumed = await runCli([...PULL, '--resume'], env);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.json()).toMatchObject({ status: 'completed', pages_fetched: 3, records: 120, new_records: 120, resumed: true });
    const leads = await query<{ n: number; vendors: number }>(env, `SELECT count(*)::int AS n, count(DISTINCT vendor_record_id)::int AS vendors FROM lead`);
    expect(leads[0]).toEqual({ n: 120, vendors: 120 });
    // killed after the vendor answered page 2: that call is in doubt and page 2 was asked again
    const rows = await query<{ key: string; status: string }>(env, `SELECT split_part(idempotency_key, ':', 3) || ':' || split_part(idempotency_key, ':', 4) AS key, status FROM cost_ledger ORDER BY created_at`);
    expect(rows).toEqual(failpoint.startsWith('pull.page.fetched')
      ? [{ key: '1:1', status: 'charged' }, { key: '2:1', status: 'in_doubt' }, { key: '2:2', status: 'charged' }, { key: '3:1', status: 'charged' }]
      : [{ key: '1:1', status: 'charged' }, { key: '2:1', status: 'charged' }, { key: '3:1', status: 'charged' }]);
  });

  it.each(['enrich.provider.answered:3', 'enrich.result.stored:3'])('an enrichment killed at %s completes when the worker starts again', async (failpoint) => {
    const env = await freshEnv(`enrich-${failpoint}`);
    expect((await runCli(PULL, env)).code).toBe(0);
    const killed = await runCli(['enrich', '--org', 'acme', '--source', 'local', '--json'], cliEnv({ ...env, PORCHLIGHT_FAILPOINT: failpoint }));
    expect(killed.code).toBeNull();
    const worker = await runCli(['worker', '--until-idle', '--json'], env);
    expect(worker.code, worker.stderr).toBe(0);
    expect(worker.json()).toMatchObject({ enrichments: 1 });

    const leads = await outcome(env);
    const strip = (ls: typeof leads) => ls.map(({ cost: _, ...l }) => l);
    expect(strip(leads)).toEqual(strip(clean.leads));
    expect((await twice(env))[0]!.n).toBe(0);
    const rows = await ledger(env);
    // what a lead cost includes a call in doubt: the vendor may have billed it
    const extra = failpoint.startsWith('enrich.provider.answered') ? 25 * 5 : 0;
    expect(leads.reduce((n, l) => n + l.cost, 0)).toBe(clean.leads.reduce((n, l) => n + l.cost, 0) + extra);
    if (failpoint.startsWith('enrich.result.stored')) {
      expect(rows).toEqual(clean.ledger); // nothing was asked twice
    } else {
      // the chunk whose answer was lost: its 25 calls stay in the ledger, in doubt, beside the
      // 25 made again; every other number is the clean run's
      const inDoubt = rows.filter((r) => r.status === 'in_doubt');
      expect(inDoubt).toEqual([{ stage: 'append', status: 'in_doubt', n: 25 }]);
      expect(rows.filter((r) => r.status !== 'in_doubt')).toEqual(clean.ledger);
    }
    const pending = await query<{ n: number }>(env, `SELECT count(*)::int AS n FROM cost_ledger WHERE status = 'pending'`);
    expect(pending[0]!.n).toBe(0);
  });
});
