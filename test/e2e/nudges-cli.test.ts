import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI_TEST_TIMEOUT, cliTestEnv, queryCliDatabase, runCli } from '../support/cli.ts';
import { TEST_SECRET } from '../support/context.ts';
import { listing } from '../support/nudges.ts';

// Nudges as a user runs them from a terminal: settings, a CSV of clients, a directory of MLS
// feeds, the pipeline killed with -9 inside its transaction and run again (nothing twice), then
// the inbox. Each step is a process of its own, with its exit code.

let t: Awaited<ReturnType<typeof cliTestEnv>>;
const ORG = ['--org', 'acme'];
const ok = async (args: string[], env = t.env) => {
  const r = await runCli([...args, '--json'], env);
  if (r.code !== 0) throw new Error(`${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return r;
};

beforeAll(async () => {
  t = await cliTestEnv('nudges');
  // contact values are hashed and sealed with the deployment's secret
  t.env.PORCHLIGHT_SECRET_KEY = TEST_SECRET;
  await ok(['db', 'migrate']);
  await ok(['org', 'create', '--slug', 'acme', '--name', 'Acme', '--owner-email', 'dana@acme.example', '--owner-name', 'Dana Reyes']);
}, CLI_TEST_TIMEOUT);
afterAll(() => t?.close());

describe('porchlight clients, mls, pipeline and nudges', () => {
  it('imports, runs (killed with -9, then again: nothing twice) and approves from the inbox', async () => {
    await ok(['nudges', 'settings', ...ORG, '--user', 'dana@acme.example', '--market', '78704,austin', '--tone', 'brief']);
    const csv = path.join(t.dir, 'clients.csv');
    fs.writeFileSync(csv, 'name,email,notes,price_max,beds,areas\nMaria Lopez,maria@example.com,backyard near good schools,500000,3,78704\nNo Way,,,,,\nJo Park,jo@example.com,"family: backyard, parks, schools",,,\n');
    const imported = await runCli(['clients', 'import', csv, ...ORG, '--user', 'dana@acme.example', '--json'], t.env);
    expect(imported.code).toBe(3);
    expect(imported.json()).toMatchObject({ rows: 3, created: 2, rejected: 1, embedded: 2, errors: [{ line: 3, field: 'email' }] });

    const feeds = path.join(t.dir, 'feeds');
    fs.mkdirSync(feeds);
    const at = new Date(Date.now() - 86_400_000);
    fs.writeFileSync(path.join(feeds, 'a.json'), JSON.stringify({ '@odata.context': '$metadata#Property', value: [listing({}, at), listing({ ListPrice: 430000 }, at)] }));
    fs.writeFileSync(path.join(feeds, 'b.jsonl'), [listing({ StandardStatus: 'Closed', ClosePrice: 440000, CloseDate: at.toISOString().slice(0, 10) }, at)].map((r) => JSON.stringify(r)).join('\n'));
    expect((await ok(['mls', 'import', feeds, ...ORG])).json()).toMatchObject({ records: 3, inserted: 3, by_type: { new_listing: 2, sold: 1 } });

    const killed = await runCli(['pipeline', 'run', ...ORG, '--json'], { ...t.env, PORCHLIGHT_FAILPOINT: 'nudges.stored:1' });
    expect(killed.code).toBeNull();
    const counts = () => queryCliDatabase<{ runs: string; briefings: number; recipients: number; market: number }>(t.env,
      `SELECT string_agg(status, ',' ORDER BY started_at) AS runs, (SELECT count(*)::int FROM briefing) AS briefings,
              (SELECT count(*)::int FROM briefing_recipient) AS recipients, (SELECT count(*)::int FROM market_event) AS market FROM pipeline_run`);
    expect(await counts()).toEqual([{ runs: 'running', briefings: 0, recipients: 0, market: 3 }]);
    // the killed run is still "running": a second run says so, unless told it is dead
    const busy = await runCli(['pipeline', 'run', ...ORG, '--json'], t.env);
    expect(busy.code).toBe(1);
    expect(busy.json()).toMatchObject({ error: { code: 'CONFLICT', message: expect.stringContaining('--take-over') } });
    expect((await ok(['pipeline', 'run', ...ORG, '--take-over'])).json()).toMatchObject({ status: 'completed', briefings_created: 3, events_processed: 3 });
    expect((await ok(['pipeline', 'run', ...ORG])).json()).toMatchObject({ status: 'completed', briefings_created: 0, market_events_created: 0 });
    const after = (await counts())[0]!;
    expect(after).toMatchObject({ runs: 'failed,completed,completed', briefings: 3, market: 3 });

    const inbox = (await ok(['nudges', 'list', ...ORG, '--status', 'draft'])).json<{ data: { id: string; headline: string }[] }>();
    expect(inbox.data).toHaveLength(3);
    const sold = inbox.data.find((b) => b.headline.startsWith('Sold'))!;
    const shown = await runCli(['nudges', 'show', sold.id, ...ORG], t.env);
    expect(shown.stdout).toMatch(/audience \(1\):/);
    expect(shown.stdout).toContain('Maria Lopez');
    const approved = (await ok(['nudges', 'approve', sold.id, ...ORG, '--channel', 'email'])).json();
    expect(approved).toMatchObject({ status: 'ACTIVE', scheduled: 1 });
    const bad = await runCli(['nudges', 'approve', 'not-an-id', ...ORG], t.env);
    expect(bad.code).toBe(3);
    expect(bad.stderr).toMatch(/id: 'not-an-id' is not a nudge id|not a nudge id/);
  }, CLI_TEST_TIMEOUT);
});
