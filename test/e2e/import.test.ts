import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OWNER_LIST_MAP, writeOwnerList } from '../../bench/owner-list.ts';
import { cliEnv, cliEnvs, CLI_TEST_TIMEOUT, runCli, startServe } from '../support/cli.ts';

// Importing from the command line as a user does, including a crash in the middle: kill -9 at
// a failpoint, start again, and the records come out as if nothing had happened.
const onServer = !!process.env.DATABASE_URL;
const ROWS = 120;
const maps = Object.entries(OWNER_LIST_MAP).flatMap(([col, field]) => ['--map', `${col}=${field}`]);

describe('porchlight import (CLI)', { timeout: CLI_TEST_TIMEOUT }, () => {
  let dir: string;
  let file: string;
  let envs: ReturnType<typeof cliEnvs>;
  const freshEnv = (name: string) => envs.fresh(name);
  const counts = async (env: NodeJS.ProcessEnv) => {
    const r = await runCli(['org', 'list', '--json'], cliEnv({ ...env, PORCHLIGHT_FAILPOINT: undefined }));
    return r.json().data[0].lead_count as number;
  };

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'porchlight-import-cli-'));
    file = path.join(dir, 'owners.csv');
    await writeOwnerList(file, ROWS);
    envs = cliEnvs(dir, { PORCHLIGHT_SECRET_KEY: 'cli-import-secret-cli-import-secret-0123', PORCHLIGHT_IMPORT_BATCH_SIZE: '20' });
  });
  afterAll(async () => {
    await envs.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  let clean: NodeJS.ProcessEnv;
  let expected: Record<string, number>;
  const exportKeys = async (env: NodeJS.ProcessEnv) => {
    const rows = JSON.parse((await runCli(['export', 'leads', '--org', 'acme', '--format', 'json'], env)).stdout) as { address_line1: string; owner_name: string; phones: string }[];
    return rows.map((r) => `${r.address_line1}|${r.owner_name}|${r.phones.split(';').sort().join(';')}`).sort();
  };

  it('imports, reports, keeps the rejected rows for download, and knows the file the second time', async () => {
    const env = (clean = await freshEnv('plain'));
    const r = await runCli(['import', 'leads', file, '--org', 'acme', ...maps, '--json'], env);
    expect(r.code, r.stderr).toBe(0);
    const s = r.json();
    expected = s.counts;
    expect(s.counts.rows_read).toBe(ROWS);
    expect(s.counts.rows_rejected).toBeGreaterThan(0);
    expect(s.counts.leads_merged).toBeGreaterThan(0);
    expect(s.import.status).toBe('completed');

    const errors = await runCli(['import', 'errors', s.import.id, '--org', 'acme'], env);
    expect(errors.stdout.split('\n')[0]).toMatch(/^line,column,reason,Property Address/);
    expect(errors.stdout.trim().split('\n')).toHaveLength(s.counts.rows_rejected + 1);

    const again = await runCli(['import', 'leads', file, '--org', 'acme', ...maps], env);
    expect(again.stdout).toContain('imported before');
    expect(await counts(env)).toBe(s.counts.leads_inserted);

    const status = await runCli(['import', 'status', s.import.id, '--org', 'acme', '--json'], env);
    expect(status.json()).toMatchObject({ status: 'completed', percent: 100 });
    const shown = await runCli(['import', 'status', s.import.id, '--org', 'acme'], env);
    expect(shown.stdout).toMatch(/completed \(100%\)[\s\S]*created \d{4}-\d\d-\d\dT[\d:.]+Z by an operator/);
  });

  it.each(['import.batch.merged:3', 'import.batch.committed:5'])('after kill -9 at %s, running again finishes with nothing lost or doubled', async (failpoint) => {
    const env = await freshEnv(`crash-${failpoint}`);
    const crashed = await runCli(['import', 'leads', file, '--org', 'acme', ...maps, '--json'], cliEnv({ ...env, PORCHLIGHT_FAILPOINT: failpoint }));
    expect(crashed.code).toBeNull(); // killed by the signal
    const resumed = await runCli(['import', 'leads', file, '--org', 'acme', ...maps, '--json'], env);
    expect(resumed.code, resumed.stderr).toBe(0);
    const s = resumed.json();
    expect(s.import.status).toBe('completed');
    expect(s.counts).toEqual(expected);
    expect(await counts(env)).toBe(expected.leads_inserted);
    expect(await exportKeys(env)).toEqual(await exportKeys(clean));
  });

  it('dry run writes nothing; a missing file and a missing column are clear errors', async () => {
    const env = await freshEnv('dry');
    const dry = await runCli(['import', 'leads', file, '--org', 'acme', ...maps, '--dry-run', '--json'], env);
    expect(dry.json()).toMatchObject({ dryRun: true, counts: { rows_read: ROWS } });
    expect(await counts(env)).toBe(0);
    const missing = await runCli(['import', 'leads', path.join(dir, 'nope.csv'), '--org', 'acme'], env);
    expect(missing.code).toBe(3);
    expect(missing.stderr).toContain('no such file');
    const bad = path.join(dir, 'bad.csv');
    fs.writeFileSync(bad, 'Name,Phone\nAl,5125550100\n');
    const noColumn = await runCli(['import', 'leads', bad, '--org', 'acme', '--json'], env);
    expect(noColumn.code).toBe(3);
    expect(noColumn.json().error.message).toContain('missing required column');
  });

  it.skipIf(onServer)('imports through a running serve, which holds the embedded database', async () => {
    const env = await freshEnv('shared');
    const { child } = await startServe([], env);
    try {
      const r = await runCli(['import', 'leads', file, '--org', 'acme', ...maps, '--json'], env);
      expect(r.code, r.stderr).toBe(0);
      expect(r.json().counts.rows_read).toBe(ROWS);
    } finally {
      child.kill('SIGTERM');
      await new Promise((res) => child.once('exit', res));
    }
  });

  it('address normalize shows the parts and the key', async () => {
    const r = await runCli(['address', 'normalize', '123 North Main Street Apt 4, Springfield, Illinois 62701-1234', '--json'], cliEnv({}));
    expect(r.code, r.stderr).toBe(0);
    expect(r.json()).toMatchObject({ number: '123', predirectional: 'N', street_name: 'MAIN', suffix: 'ST', unit_type: 'APT', unit_id: '4', city: 'SPRINGFIELD', state: 'IL', zip5: '62701' });
    const other = await runCli(['address', 'normalize', '123 n main st #4, springfield, il 62701', '--json'], cliEnv({}));
    expect(other.json().addr_hash).toBe(r.json().addr_hash);
  });
});
