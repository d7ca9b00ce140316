import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliTestEnv, CLI_TEST_TIMEOUT, runCli } from '../support/cli.ts';

// `porchlight report` as a user runs it: a source cost entered, then the reports as a table, one
// JSON document and one CSV, and bad input refused with exit 3 naming the option. Kept to a few
// processes (each opens the database); the numbers are test/medium/reports.test.ts's.

describe('porchlight report', { timeout: CLI_TEST_TIMEOUT }, () => {
  let t: Awaited<ReturnType<typeof cliTestEnv>>;
  let env: NodeJS.ProcessEnv;
  // the real clock: the default period is this month to date
  const month = new Date().toISOString().slice(0, 7);
  beforeAll(async () => {
    t = await cliTestEnv('reports-cli');
    env = { ...t.env, PORCHLIGHT_SECRET_KEY: 'reports-cli-secret-reports-cli-secret-0123' };
    const migrated = await runCli(['db', 'migrate'], env); // an empty database on the server
    expect(migrated.code, migrated.stderr).toBe(0);
    const org = await runCli(['org', 'create', '--slug', 'acme', '--name', 'Acme'], env);
    expect(org.code, org.stderr).toBe(0);
  });
  afterAll(async () => t.close());

  it('enters a source cost and shows it in roi (--json) and costs (--csv and text)', async () => {
    const set = await runCli(['report', 'source-cost', 'set', '--org', 'acme', '--source', 'mailers', '--month', month, '--amount', '1,250.45', '--json'], env);
    expect(set.code, set.stderr).toBe(0);
    expect(set.json()).toMatchObject({ source: 'mailers', month, amount_cents: 125_045, created: true });

    const roi = await runCli(['report', 'roi', '--org', 'acme', '--json'], env);
    expect(roi.code, roi.stderr).toBe(0);
    expect(roi.json()).toMatchObject({
      report: 'roi', period: { from: `${month}-01` },
      rows: [{ source: 'mailers', leads: 0, entered_spend_cents: 125_045, spend_cents: 125_045, cost_per_lead_cents: null }],
      totals: { spend_cents: 125_045 },
    });

    const csv = await runCli(['report', 'costs', '--org', 'acme', '--csv'], env);
    expect(csv.code, csv.stderr).toBe(0);
    const rows = parse(csv.stdout, { columns: true }) as Record<string, string>[];
    expect(rows).toEqual([expect.objectContaining({ day: `${month}-01`, provider: 'entered', stage: 'source_cost', entries: '1', spend_cents: '125045', entered_cents: '125045' })]);
    expect(csv.stdout.split(/\r?\n/)[0]).toBe('day,provider,stage,calls,void_calls,entries,spend_cents,charged_cents,in_doubt_cents,pending_cents,entered_cents');

    const text = await runCli(['report', 'costs', '--org', 'acme'], env);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/spend by provider/);
    expect(text.stdout).toMatch(/entered\s+0\s+0\s+1\s+\$1250\.45/);
  });

  it('refuses bad input with exit 3, naming the option or field', async () => {
    const amount = await runCli(['report', 'source-cost', 'set', '--org', 'acme', '--source', 'mailers', '--month', month, '--amount', '-5'], env);
    expect([amount.code, amount.stderr]).toEqual([3, expect.stringContaining('--amount')]);
    const period = await runCli(['report', 'funnel', '--org', 'acme', '--from', '2026-11-02', '--to', '2026-11-01', '--json'], env);
    expect(period.code).toBe(3);
    expect(period.json()).toMatchObject({ error: { code: 'VALIDATION', details: [{ field: 'to' }] } });
  });
});
