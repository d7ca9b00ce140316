import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliTestEnv, CLI_TEST_TIMEOUT, runCli } from '../support/cli.ts';

// Permits, contagion and routing as a user runs them, on the engine of this run.
const AUSTIN = path.resolve(import.meta.dirname, '../../../shared/data/permits/austin/data/2015');

describe('porchlight permits, contagion and route', { timeout: CLI_TEST_TIMEOUT }, () => {
  let t: Awaited<ReturnType<typeof cliTestEnv>>;
  let env: NodeJS.ProcessEnv;
  let dir: string;

  beforeAll(async () => {
    t = await cliTestEnv('contagion-cli', { demo: true });
    ({ env, dir } = t);
  });
  afterAll(async () => t.close());

  it('imports a directory of Austin permits, again without change, and names what is wrong', async () => {
    const first = await runCli(['import', 'permits', AUSTIN, '--org', 'demo', '--preset', 'austin', '--json'], env);
    expect(first.code, first.stderr).toBe(0);
    const files = first.json() as { file: string; added: number; rejected: number }[];
    expect(files.length).toBe(12);
    expect(files.reduce((n, f) => n + f.added, 0)).toBe(2024);
    const again = await runCli(['import', 'permits', AUSTIN, '--org', 'demo', '--preset', 'austin'], env);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/2015-03-13\.csv\s+\d+\s+0\s+0\s+\d+/); // added 0, updated 0
    expect(again.stdout).toContain('the organization now has 2,024 permit(s)');
    const missing = await runCli(['import', 'permits', path.join(dir, 'nope.csv'), '--org', 'demo'], env);
    expect(missing.code).toBe(3);
    expect(missing.stderr).toContain('does not exist');
    const preset = await runCli(['import', 'permits', AUSTIN, '--org', 'demo', '--preset', 'nyc'], env);
    expect(preset.code).toBe(3);
    expect(preset.stderr).toContain("'nyc' is not a permit preset");
  });

  it('runs contagion, lists clusters, routes and shows the campaign-ready leads and usage', async () => {
    const run = await runCli(['contagion', 'run', '--org', 'demo', '--as-of', '2015-12-31'], env);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/window 2013-12-31 to 2015-12-31: \d+ roofing permit\(s\)/);
    const clusters = await runCli(['contagion', 'clusters', '--org', 'demo', '--json'], env);
    expect(clusters.code, clusters.stderr).toBe(0);
    expect(Array.isArray(clusters.json())).toBe(true);
    const bad = await runCli(['contagion', 'run', '--org', 'demo', '--since', '2015-13-01'], env);
    expect(bad.code).toBe(3);
    expect(bad.stderr).toContain('since');

    const score = await runCli(['score', '--org', 'demo', '--scorer', 'quality,roof', '--json'], env);
    expect(score.code, score.stderr).toBe(0);
    const route = await runCli(['route', '--org', 'demo'], env);
    expect(route.code, route.stderr).toBe(0);
    expect(route.stdout).toMatch(/contactable at quality 60, enriched at 40/);
    expect(route.stdout).toMatch(/(contactable|enriched|do_not_contact|new)\s+[▏▎▍▌▋▊▉█]/); // a chart
    expect(route.stdout).toMatch(/\d+ roof lead\(s\) at 60\+ billed for \d{4}-\d{2}/);
    const again = await runCli(['route', '--org', 'demo', '--json'], env);
    expect(again.json()).toMatchObject({ moved: [], billed: 0 });
    const ready = await runCli(['route', 'ready', '--org', 'demo', '--limit', '5', '--json'], env);
    expect(ready.code, ready.stderr).toBe(0);
    const rows = ready.json() as { quality_score: number }[];
    expect(rows.length).toBeLessThanOrEqual(5);
    expect(rows.map((r) => r.quality_score)).toEqual([...rows.map((r) => r.quality_score)].sort((a, b) => b - a));
    const [first] = (await runCli(['leads', 'list', '--org', 'demo', '--limit', '1', '--json'], env)).json().data as { id: string }[];
    const mark = await runCli(['score', 'mark', first!.id, '--org', 'demo', '--scorer', 'roof', '--verdict', 'bad', '--note', 'new roof in 2024'], env);
    expect(mark.code, mark.stderr).toBe(0);
    expect(mark.stdout).toMatch(/^roof \d+ \((hot|warm|cold)\) marked bad/);
    const feedback = await runCli(['score', 'feedback', '--org', 'demo'], env);
    expect(feedback.stdout).toMatch(/roof\s+(hot|warm|cold)\s+0\s+1\s+0%/);
    const wrong = await runCli(['score', 'mark', first!.id, '--org', 'demo', '--scorer', 'roof', '--verdict', 'maybe'], env);
    expect(wrong.code).toBe(3);
    expect(wrong.stderr).toContain('verdict');
    const usage = await runCli(['route', 'usage', '--org', 'demo', '--json'], env);
    expect(usage.code, usage.stderr).toBe(0);
    expect((usage.json() as { metric: string; quantity: number }[]).every((u) => u.metric === 'roof_leads' && u.quantity > 0)).toBe(true);
  });
});
