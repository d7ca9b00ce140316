import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoRecords } from '../../src/domain/demo/demo-data.ts';
import { BIN, cliEnv, CLI_TEST_TIMEOUT, runCli, startServe } from '../support/cli.ts';
import { newTestDatabase } from '../support/test-db.ts';

// The CLI end to end, on the engine of this run: a data directory for PGlite, a fresh database
// on the server.
const onServer = !!process.env.DATABASE_URL;

describe('porchlight CLI', { timeout: CLI_TEST_TIMEOUT }, () => {
  let dir: string;
  let env: NodeJS.ProcessEnv;
  let close = async () => {};

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'porchlight-cli-'));
    let url: string | undefined;
    if (onServer) {
      const db = await newTestDatabase({ empty: true });
      url = db.url;
      close = () => db.close();
      await db.kysely.destroy();
    }
    env = cliEnv({ PORCHLIGHT_DATA_DIR: path.join(dir, 'data'), DATABASE_URL: url, PORCHLIGHT_SECRET_KEY: undefined });
  });
  afterAll(async () => {
    await close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('demo loads once, prints the same working key again, and leads can be listed and shown', async () => {
    const first = await runCli(['demo', '--json'], env);
    expect(first.code, first.stderr).toBe(0);
    expect(first.json()).toMatchObject({ slug: 'demo', created: true, leads_added: 200 });
    expect(fs.readFileSync(path.join(dir, 'data', 'secret.key'), 'utf8').trim().length).toBeGreaterThanOrEqual(32);
    const again = await runCli(['demo', '--json'], env);
    expect(again.json()).toMatchObject({ slug: 'demo', created: false, leads_added: 0, api_key: first.json().api_key });

    const hot = await runCli(['leads', 'list', '--org', 'demo', '--tier', 'hot', '--min-score', '85', '--limit', '200', '--json'], env);
    expect(hot.code, hot.stderr).toBe(0);
    const rows = hot.json().data as { id: string; tier: string; lead_score: number }[];
    expect(rows.length).toBeGreaterThan(5);
    expect(rows.every((r) => r.tier === 'hot' && r.lead_score >= 85)).toBe(true);

    const shown = await runCli(['leads', 'show', rows[0]!.id, '--org', 'demo', '--json'], env);
    expect(shown.json()).toMatchObject({ id: rows[0]!.id, property: { city: 'AUSTIN' } });
    expect(shown.json().status_history.length).toBeGreaterThan(0);
    const text = await runCli(['leads', 'show', rows[0]!.id, '--org', 'demo'], env);
    expect(text.stdout).toContain('status history:');

    const orgs = await runCli(['org', 'list', '--json'], env);
    expect(orgs.json().data).toMatchObject([{ slug: 'demo', lead_count: 200 }]);
  });

  it('rescores the demo leads with a progress-free --json, writes nothing the second time, and refuses bad scorers and weights', async () => {
    const first = await runCli(['score', '--org', 'demo', '--scorer', 'motivation', '--json'], env);
    expect(first.code, first.stderr).toBe(0);
    const [m] = first.json() as { scorer: string; scored: number; changed: number; standing: { label: string; n: number }[] }[];
    expect(m).toMatchObject({ scorer: 'motivation', scored: 200 });
    expect(m!.standing.reduce((n, s) => n + s.n, 0)).toBe(200);
    const again = await runCli(['score', '--org', 'demo', '--scorer', 'motivation'], env);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/motivation\s+1\s+200\s+0\s+0/);
    expect(again.stdout).toMatch(/motivation v1\n(hot|warm|cold|dead)\s+[▏▎▍▌▋▊▉█]/); // a chart, hottest first

    const bad = await runCli(['score', '--org', 'demo', '--scorer', 'shoe_size'], env);
    expect(bad.code).toBe(3);
    expect(bad.stderr).toContain('scorer');
    const notJson = await runCli(['score', 'settings', '--org', 'demo', '--set', '{"motivation":'], env);
    expect(notJson.code).toBe(3);
    expect(notJson.stderr).toContain('--set: not JSON');
    const upside = await runCli(['score', 'settings', '--org', 'demo', '--set', '{"motivation":{"hot":10}}'], env);
    expect(upside.code).toBe(3);
    expect(upside.stderr).toContain('motivation.hot');
    const set = await runCli(['score', 'settings', '--org', 'demo', '--set', '{"roof":{"material_life_years":{"metal":60}}}', '--json'], env);
    expect(set.code, set.stderr).toBe(0);
    expect(set.json().roof.material_life_years).toMatchObject({ metal: 60, asphalt: 20 });
  });

  it('creates organizations, users and keys, and a revoked key is listed as such', async () => {
    const org = await runCli(['org', 'create', '--slug', 'acme', '--name', 'Acme Roofing', '--owner-email', 'boss@acme.example.com', '--json'], env);
    expect(org.code, org.stderr).toBe(0);
    const user = await runCli(['user', 'create', '--org', 'acme', '--email', 'rep@acme.example.com', '--role', 'agent', '--json'], env);
    expect(user.json()).toMatchObject({ role: 'agent' });
    const key = await runCli(['apikey', 'create', '--org', 'acme', '--user', 'rep@acme.example.com', '--json'], env);
    expect(key.json().key).toMatch(/^pl_/);
    const revoked = await runCli(['apikey', 'revoke', key.json().prefix, '--org', 'acme', '--json'], env);
    expect(revoked.code, revoked.stderr).toBe(0);
    const list = await runCli(['apikey', 'list', '--org', 'acme', '--json'], env);
    expect(list.json().data[0].revoked_at).not.toBeNull();
    const leads = await runCli(['leads', 'list', '--org', 'acme', '--json'], env);
    expect(leads.json()).toEqual({ data: [], next_cursor: null }); // the demo's leads stay in the demo
  });

  it('exits 2 on usage errors, 3 on bad input naming the field, 1 on other failures', async () => {
    expect((await runCli(['frobnicate'], env)).code).toBe(2);
    expect((await runCli(['leads', 'list'], env)).code).toBe(2); // --org missing
    const bad = await runCli(['leads', 'list', '--org', 'demo', '--status', 'sold', '--json'], env);
    expect(bad.code).toBe(3);
    expect(bad.json().error).toMatchObject({ code: 'VALIDATION' });
    expect(bad.stderr).toContain('status');
    const slug = await runCli(['org', 'create', '--slug', 'Bad Slug!', '--name', 'x'], env);
    expect(slug.code).toBe(3);
    expect(slug.stderr).toContain('slug');
    const missing = await runCli(['leads', 'show', '00000000-0000-4000-8000-000000000000', '--org', 'demo', '--json'], env);
    expect(missing.code).toBe(1);
    expect(missing.json().error.code).toBe('NOT_FOUND');
    expect((await runCli(['leads', 'list', '--org', 'nope'], env)).stderr).toContain('organization nope was not found');
    expect((await runCli(['--help'], env)).code).toBe(0);
  });

  it.skipIf(onServer)('shares the embedded database while serve runs, and refuses a second server, naming the holder', async () => {
    const { child, info } = await startServe(['--demo'], env);
    try {
      const health = (await fetch(`${info.url}/health`).then((r) => r.json())) as { status: string };
      expect(health).toMatchObject({ status: 'ok', engine: 'pglite' });
      // a browser at / gets the web app when it is built, else a page saying how to build it
      const home = await fetch(info.url, { headers: { accept: 'text/html' } }).then((r) => r.text());
      expect(home).toMatch(info.web_app ? /<div id="root">/ : /npm run build:web/);
      if (info.web_app) expect(info.demo!.sign_in_url).toBe(`${info.url}/#key=${info.demo!.api_key}`);
      const viaApi = (await fetch(`${info.url}/v1/leads?limit=1`, { headers: { authorization: `Bearer ${info.demo!.api_key}` } }).then((r) => r.json())) as { data: unknown[] };
      expect(viaApi.data).toHaveLength(1);
      // a command while serve holds the directory goes through serve's socket
      const listed = await runCli(['leads', 'list', '--org', 'demo', '--limit', '3', '--json'], env);
      expect(listed.code, listed.stderr).toBe(0);
      expect(listed.json().data).toHaveLength(3);
      const upd = await runCli(['leads', 'update', listed.json().data[0].id, '--org', 'demo', '--add-tag', 'via-socket', '--json'], env);
      expect(upd.json().tags).toContain('via-socket');
      const second = await runCli(['serve', '--port', '0'], env);
      expect(second.code).toBe(1);
      expect(second.stderr).toMatch(/in use by `porchlight serve` \(pid \d+/);
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('close', r));
    }
    expect(fs.existsSync(path.join(dir, 'data', 'porchlight.lock'))).toBe(false);
  });

  it.skipIf(onServer)('refuses to open a data directory held by a command that does not share it', async () => {
    // this test process plays a long-running import that holds the directory
    const lockFile = path.join(dir, 'data', 'porchlight.lock');
    fs.writeFileSync(lockFile, JSON.stringify({ pid: process.pid, command: 'import leads', started_at: new Date().toISOString() }));
    try {
      const r = await runCli(['leads', 'list', '--org', 'demo'], env);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(new RegExp(`in use by \`porchlight import leads\` \\(pid ${process.pid}`));
    } finally {
      fs.rmSync(lockFile);
    }
  });

  it.skipIf(onServer)('recovers after serve is killed with -9: the stale lock is taken over and no data is lost', async () => {
    const { child } = await startServe([], env);
    const before = (await fetchCount(env));
    child.kill('SIGKILL');
    await new Promise((r) => child.once('close', r));
    expect(fs.existsSync(path.join(dir, 'data', 'porchlight.lock'))).toBe(true);
    expect(await fetchCount(env)).toBe(before);
    const tagged = await runCli(['leads', 'list', '--org', 'demo', '--tag', 'via-socket', '--json'], env);
    expect(tagged.json().data).toHaveLength(1); // the change made through serve's socket survived
  });
});

async function fetchCount(env: NodeJS.ProcessEnv) {
  const r = await runCli(['org', 'list', '--json'], env);
  expect(r.code, r.stderr).toBe(0);
  return r.json().data.find((o: { slug: string }) => o.slug === 'demo').lead_count as number;
}

describe('porchlight demo after kill -9', { timeout: CLI_TEST_TIMEOUT }, () => {
  it('finishes the load with nothing twice and nothing missing, wherever it was killed', { timeout: 180_000 }, async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'porchlight-crash-'));
    let url: string | undefined;
    let close = async () => {};
    if (onServer) {
      const db = await newTestDatabase({ empty: true });
      url = db.url;
      close = () => db.close();
      await db.kysely.destroy();
    }
    const env = cliEnv({ PORCHLIGHT_DATA_DIR: path.join(dir, 'data'), DATABASE_URL: url, PORCHLIGHT_SECRET_KEY: undefined });
    try {
      // moments inside start-up, initdb (embedded), migrations, the organization and the data load
      for (const after of onServer ? [1500, 2500, 3500] : [3000, 6000, 8000]) {
        const child = spawn(process.execPath, [BIN, 'demo', '--json'], { env, stdio: 'ignore' });
        const exited = new Promise((r) => child.once('close', r));
        await Promise.race([exited, new Promise((r) => setTimeout(r, after))]);
        child.kill('SIGKILL'); // a no-op when it finished first
        await exited;
      }
      const done = await runCli(['demo', '--json'], env);
      expect(done.code, done.stderr).toBe(0);
      const { api_key } = done.json();
      const again = await runCli(['demo', '--json'], env);
      expect(again.json()).toMatchObject({ created: false, leads_added: 0, api_key });

      const expected = demoRecords(200);
      const orgs = await runCli(['org', 'list', '--json'], env);
      expect(orgs.json().data).toMatchObject([{ slug: 'demo', lead_count: 200 }]);
      expect((await runCli(['user', 'list', '--org', 'demo', '--json'], env)).json().data).toHaveLength(4);
      const all = await runCli(['leads', 'list', '--org', 'demo', '--limit', '200', '--json'], env);
      const ids = all.json().data.map((l: { id: string }) => l.id);
      expect(new Set(ids).size).toBe(200);
      // every lead's contact points are there exactly once
      const sample = all.json().data.slice(0, 2) as { id: string; owner_name: string }[];
      for (const lead of sample) {
        const shown = (await runCli(['leads', 'show', lead.id, '--org', 'demo', '--json'], env)).json();
        const n = Number(shown.vendor_record_id.replace('demo-', ''));
        const rec = expected[n - 1]!;
        expect(shown.contact_points.map((c: { value: string }) => c.value).sort()).toEqual([...rec.phones.map((p) => p.value), ...rec.emails.map((e) => e.value)].sort());
      }
    } finally {
      await close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
