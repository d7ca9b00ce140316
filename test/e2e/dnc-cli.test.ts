import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliTestEnv, CLI_TEST_TIMEOUT, runCli } from '../support/cli.ts';

// `porchlight dnc import` (the national registry copy and the organization's own list) and
// `dnc check`, as a user runs them, on the engine of this run.

describe('porchlight dnc import and check', { timeout: CLI_TEST_TIMEOUT }, () => {
  let t: Awaited<ReturnType<typeof cliTestEnv>>;
  let env: NodeJS.ProcessEnv;
  // a download of three days ago: fresh for the checks below, whatever day the suite runs
  const asOf = new Date(Date.now() - 3 * 86_400_000).toISOString().slice(0, 10);
  beforeAll(async () => {
    t = await cliTestEnv('dnc-cli');
    env = { ...t.env, PORCHLIGHT_SECRET_KEY: 'dnc-cli-secret-dnc-cli-secret-0123456789' };
    const migrated = await runCli(['db', 'migrate'], env); // an empty database on the server
    expect(migrated.code, migrated.stderr).toBe(0);
    const org = await runCli(['org', 'create', '--slug', 'acme', '--name', 'Acme'], env);
    expect(org.code, org.stderr).toBe(0);
  });
  afterAll(async () => t.close());

  const write = (name: string, text: string) => {
    const file = path.join(t.dir, name);
    fs.writeFileSync(file, text);
    return file;
  };

  it('loads a registry download, reports its bad lines, and the gate and check read the copy', async () => {
    const file = write('dnc-404.txt', '404,5550101\r\n404,55501\r\n4045550102\r\n404,5550101\r\n');
    const r = await runCli(['dnc', 'import', '--org', 'acme', '--national', file, '--as-of', asOf, '--area-codes', '404,770', '--json'], env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json()).toMatchObject({ area_codes: [404, 770], as_of: asOf, file_name: 'dnc-404.txt', rows_read: 4, rows_loaded: 3, rows_rejected: 1, numbers: 2, stale: false, issues: [{ line: 2 }] });
    const text = await runCli(['dnc', 'import', '--org', 'acme', '--national', file, '--as-of', asOf, '--area-codes', '404,770'], env);
    expect(text.stdout).toContain('2 number(s) on the copy, 0 added, 0 removed');
    expect(text.stdout).toMatch(/line 2: not a number/);

    const call = await runCli(['compliance', 'check', '--org', 'acme', '--phone', '+14045550101', '--zip', '30303', '--state', 'GA', '--channel', 'call', '--json'], env);
    expect(call.json()).toMatchObject({ decision: 'deny', reason: 'NATIONAL_DNC' });

    const check = await runCli(['dnc', 'check', '--org', 'acme', '--phone', '404-555-0101'], env);
    expect(check.code, check.stderr).toBe(0);
    expect(check.stdout).toContain("not on the organization's do-not-contact list");
    expect(check.stdout).toContain(`national registry: ON the copy for area code 404 as of ${asOf} (3 day(s) old)`);
    expect(check.stdout).toContain('consents: 0 in force, 0 revoked');
    const none = await runCli(['dnc', 'check', '--org', 'acme', '--phone', '+12145550101', '--json'], env);
    expect(none.json()).toMatchObject({ national: { area_code: 214, listed: false, as_of: null, stale: true } });
  });

  it("loads the organization's own list from a CSV and refuses what is not a load", async () => {
    const csv = write('own.csv', 'phone,email,reason\n404-555-0120,,asked not to call\nnot a phone,,\n,owner@example.com,unsubscribed\n');
    const r = await runCli(['dnc', 'import', csv, '--org', 'acme', '--json'], env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json()).toMatchObject({ rows: 3, added: 2, rejected: 1, issues: [{ line: 3 }] });
    const check = await runCli(['dnc', 'check', '--org', 'acme', '--email', 'Owner@Example.com'], env);
    expect(check.stdout).toContain("on the organization's do-not-contact list (source import, reason: unsubscribed)");

    for (const args of [['dnc', 'import', '--org', 'acme'], ['dnc', 'import', csv, '--org', 'acme', '--as-of', asOf], ['dnc', 'import', '--org', 'acme', '--national', csv]]) {
      const bad = await runCli(args, env);
      expect(bad.code, args.join(' ')).toBe(3);
    }
    const missing = await runCli(['dnc', 'import', '--org', 'acme', '--national', path.join(t.dir, 'nope.txt'), '--as-of', asOf], env);
    expect(missing.stderr).toContain('does not exist');
  });
});
