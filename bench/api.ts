// npm run bench:api -- [--engine pglite|pg] [--seconds N] [--connections N] [--json]
//
// HTTP latency and throughput of the foundation's endpoints, as `porchlight serve --demo` runs
// them (on PGlite: through the shared socket), each against GET /health measured in the same
// run: the cost of HTTP plus one trivial query. Writes its figures to docs/BENCHMARKS.md.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import pg from 'pg';
import { buildServer } from '../src/api/server.ts';
import { loadConfig } from '../src/app/config.ts';
import { createContainer } from '../src/app/container.ts';
import { demoKeyStore } from '../src/app/secrets.ts';
import { recordBenchmark } from './report.ts';

const args = process.argv.slice(2);
const opt = (name: string, dflt: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1]! : dflt;
};
const engine = opt('engine', 'pglite') as 'pglite' | 'pg';
const seconds = Number(opt('seconds', '8'));
const connections = Number(opt('connections', '8'));
const json = args.includes('--json');

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'porchlight-bench-'));
let databaseUrl: string | undefined;
const serverUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const onServer = async (statement: string) => {
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(statement);
  await admin.end();
};
if (engine === 'pg') {
  await onServer('DROP DATABASE IF EXISTS porchlight_bench WITH (FORCE)');
  await onServer('CREATE DATABASE porchlight_bench');
  const u = new URL(serverUrl);
  u.pathname = '/porchlight_bench';
  databaseUrl = u.toString();
}

const config = loadConfig({ PORCHLIGHT_DATA_DIR: dataDir, DATABASE_URL: databaseUrl, LOG_LEVEL: 'silent' });
const c = await createContainer(config, { command: 'bench', share: true, generateSecret: true, migrate: true });
const { api_key: key } = await c.demo.ensureDemo(demoKeyStore(config));
const app = await buildServer(c);
await app.listen({ port: 0, host: '127.0.0.1' });
const base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
const auth = { authorization: `Bearer ${key}` };
const first = (await (await fetch(`${base}/v1/leads?limit=1`, { headers: auth })).json()) as { data: { id: string }[] };
const leadId = first.data[0]!.id;

const cases: { name: string; method?: 'GET' | 'PATCH'; path: string; body?: string }[] = [
  { name: 'GET /health (baseline)', path: '/health' },
  { name: 'GET /v1/leads?limit=50', path: '/v1/leads?limit=50' },
  { name: 'GET /v1/leads?tier=hot&sort=-lead_score', path: '/v1/leads?tier=hot&sort=-lead_score&limit=50' },
  { name: 'GET /v1/leads/:id', path: `/v1/leads/${leadId}` },
  { name: 'PATCH /v1/leads/:id (tags)', method: 'PATCH', path: `/v1/leads/${leadId}`, body: JSON.stringify({ add_tags: ['bench'] }) },
];

const results: { name: string; rps: number; p50: number; p99: number; ratio: number; errors: number }[] = [];
for (const cs of cases) {
  const r = await autocannon({
    url: `${base}${cs.path}`, method: cs.method ?? 'GET', connections, duration: seconds,
    headers: { ...auth, ...(cs.body ? { 'content-type': 'application/json' } : {}) }, body: cs.body,
  });
  const rps = r.requests.average;
  results.push({ name: cs.name, rps, p50: r.latency.p50, p99: r.latency.p99, ratio: results.length ? rps / results[0]!.rps : 1, errors: r.errors + r.non2xx });
  if (!json) process.stderr.write(`${cs.name}: ${rps.toFixed(0)} req/s, p50 ${r.latency.p50} ms, p99 ${r.latency.p99} ms\n`);
}
await app.close();
await c.close();
fs.rmSync(dataDir, { recursive: true, force: true });
if (engine === 'pg') await onServer('DROP DATABASE IF EXISTS porchlight_bench WITH (FORCE)');

const label = engine === 'pg' ? 'PostgreSQL 15 server' : 'PGlite (through the shared socket)';
const table = [
  '| request | req/s | p50 ms | p99 ms | vs. /health | errors |',
  '|---|---:|---:|---:|---:|---:|',
  ...results.map((r) => `| ${r.name} | ${r.rps.toFixed(0)} | ${r.p50} | ${r.p99} | ${r.ratio.toFixed(2)} | ${r.errors} |`),
].join('\n');
recordBenchmark(`api-${engine}`, `API on ${label}: ${connections} connections, ${seconds} s per request, 200 demo leads`, table);
if (json) process.stdout.write(`${JSON.stringify({ engine, connections, seconds, results }, null, 2)}\n`);
else process.stdout.write(`${table}\n`);
