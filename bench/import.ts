// npm run bench:import -- [--rows N] [--engine pglite|pg] [--json]
//
// The full owner-list import (read, normalize, identity, property, person, lead, contact points)
// on a deterministic list (bench/owner-list.ts), against three baselines measured in the same
// run on the same rows and engine:
//   raw COPY       the rows' cells COPY'd into an unindexed table: the physical limit
//   COPY + merge   the simplest set-based load: the rows read and address-hashed, COPY'd into a
//                  staging table and merged into one table with four unique indexes
//   row by row     INSERT ... ON CONFLICT per row, on a 20,000-row slice: a naive ORM import
// Peak RSS is the importing process's (on PGlite it includes the database, which runs inside it).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import pg from 'pg';
import { loadConfig } from '../src/app/config.ts';
import { createContainer } from '../src/app/container.ts';
import { copyRows } from '../src/db/bulk.ts';
import type { Database } from '../src/db/database.ts';
import { normalizeAddress } from '../src/domain/identity/normalize-address.ts';
import { normalizeApn } from '../src/domain/identity/normalize-apn.ts';
import { normalizePhone } from '../src/domain/identity/normalize-contact.ts';
import type { BatchCounts } from '../src/domain/ingest/ingest.repository.ts';
import { isRowError, openCsv } from '../src/domain/ingest/read-csv.ts';
import { OWNER_LIST_MAP, writeOwnerList } from './owner-list.ts';
import { recordBenchmark } from './report.ts';

const args = process.argv.slice(2);
const opt = (name: string, dflt: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1]! : dflt;
};
const engine = opt('engine', 'pglite') as 'pglite' | 'pg';
const rows = Number(opt('rows', '1000000'));
const json = args.includes('--json');
const SLICE = Math.min(20_000, rows);
const BATCH = 5000;
const say = (s: string) => !json && process.stderr.write(s + '\n');

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'porchlight-bench-import-'));
const file = path.join(work, 'owners.csv');
say(`writing ${rows.toLocaleString()} rows ...`);
const bytes = await writeOwnerList(file, rows);

const serverUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const benchDb = 'porchlight_bench_import';
const onServer = async (statement: string) => {
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(statement);
  await admin.end();
};
let databaseUrl: string | undefined;
if (engine === 'pg') {
  await onServer(`DROP DATABASE IF EXISTS ${benchDb} WITH (FORCE)`);
  await onServer(`CREATE DATABASE ${benchDb}`);
  const u = new URL(serverUrl);
  u.pathname = `/${benchDb}`;
  databaseUrl = u.toString();
}
const config = loadConfig({ PORCHLIGHT_DATA_DIR: path.join(work, 'data'), DATABASE_URL: databaseUrl, LOG_LEVEL: 'silent', PORCHLIGHT_IMPORT_BATCH_SIZE: String(BATCH) });
const c = await createContainer(config, { command: 'bench', generateSecret: true, migrate: true });
await c.tenancy.createOrganization({ slug: 'bench', name: 'Bench' });

// --- the full import, as a user runs it: the CLI in a process of its own ------------------------
// Peak RSS is that process's high-water mark (VmHWM), read while it runs.
say('full import ...');
await c.close(); // an embedded database has one owner at a time: the CLI's, while it imports
const bin = fileURLToPath(new URL('../bin/porchlight.js', import.meta.url));
const maps = Object.entries(OWNER_LIST_MAP).flatMap(([col, field]) => ['--map', `${col}=${field}`]);
const env = { ...process.env, PORCHLIGHT_DATA_DIR: config.dataDir, DATABASE_URL: databaseUrl, PORCHLIGHT_IMPORT_BATCH_SIZE: String(BATCH), LOG_LEVEL: 'silent' };
if (!databaseUrl) delete env.DATABASE_URL;
const t = performance.now();
const child = spawn(bin, ['import', 'leads', file, '--org', 'bench', '--source', 'bench', '--json', ...maps], { env, stdio: ['ignore', 'pipe', 'inherit'] });
let out = '';
child.stdout.on('data', (d) => (out += d));
let peakRss = 0;
const sampler = setInterval(() => {
  try {
    const hwm = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${child.pid}/status`, 'utf8'));
    if (hwm) peakRss = Math.max(peakRss, Number(hwm[1]) * 1024);
  } catch {
    // gone
  }
}, 200);
const [code] = (await once(child, 'exit')) as [number | null];
clearInterval(sampler);
const fullSecs = (performance.now() - t) / 1000;
if (code !== 0) throw new Error(`the import exited with ${code}: ${out}`);
const summary = JSON.parse(out) as { counts: BatchCounts };
const c2 = await createContainer(config, { command: 'bench' });

// --- baselines ---------------------------------------------------------------------------------
const RAW_COLS = Array.from({ length: 22 }, (_, i) => `c${i}`);
await c2.db.execScript(`
  CREATE SCHEMA bench;
  CREATE TABLE bench.raw (${RAW_COLS.map((x) => `${x} text`).join(', ')});
  CREATE TABLE bench.stage (addr_hash bytea, apn text, vendor_record_id text, mak text, line1 text, city text, state text, zip text, owner text, phone text);
  CREATE TABLE bench.lead (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, addr_hash bytea, apn text, mak text, source text NOT NULL,
    vendor_record_id text, line1 text, city text, state text, zip text, owner text, phone text,
    first_seen_at timestamptz NOT NULL DEFAULT now(), last_seen_at timestamptz NOT NULL DEFAULT now());
  CREATE UNIQUE INDEX ON bench.lead (addr_hash) WHERE addr_hash IS NOT NULL;
  CREATE UNIQUE INDEX ON bench.lead (apn) WHERE apn IS NOT NULL;
  CREATE UNIQUE INDEX ON bench.lead (mak) WHERE mak IS NOT NULL;
  CREATE UNIQUE INDEX ON bench.lead (source, vendor_record_id) WHERE vendor_record_id IS NOT NULL;
  CREATE TABLE bench.lead_rbr (LIKE bench.lead INCLUDING ALL);
`);

async function* batches(limit = Infinity) {
  const csv = await openCsv(fs.createReadStream(file));
  let batch: string[][] = [];
  let n = 0;
  for await (const item of csv.rows) {
    if (n++ >= limit) break;
    if (isRowError(item)) continue;
    batch.push(item.values);
    if (batch.length === BATCH) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length) yield batch;
}

const hex = (b: Buffer | null) => (b ? '\\x' + b.toString('hex') : null);
function simple(v: string[]) {
  const a = normalizeAddress({ line1: v[0], city: v[1], state: v[2], zip: v[3] });
  return [hex(a.addrHash), normalizeApn(v[4] ?? '') , null, null, a.line1, a.city, a.state, a.zip5, `${v[5]} ${v[6]}`, normalizePhone(v[17] ?? '')];
}

async function timed(name: string, fn: () => Promise<number>) {
  say(`${name} ...`);
  const start = performance.now();
  const n = await fn();
  const secs = (performance.now() - start) / 1000;
  return { name, rows: n, seconds: secs, rowsPerSecond: n / secs };
}

const db: Database = c2.db;
const rawCopy = await timed('raw COPY', async () => {
  let n = 0;
  for await (const b of batches()) {
    await db.kysely.transaction().execute((trx) => copyRows(trx, 'bench.raw', RAW_COLS, b.map((v) => RAW_COLS.map((_, i) => v[i] ?? null))));
    n += b.length;
  }
  return n;
});
const copyMerge = await timed('COPY + merge', async () => {
  let n = 0;
  for await (const b of batches()) {
    await db.kysely.transaction().execute(async (trx) => {
      await sql`TRUNCATE bench.stage`.execute(trx);
      await copyRows(trx, 'bench.stage', ['addr_hash', 'apn', 'vendor_record_id', 'mak', 'line1', 'city', 'state', 'zip', 'owner', 'phone'], b.map(simple));
      await sql`UPDATE bench.lead l SET last_seen_at = now() FROM bench.stage s WHERE l.addr_hash = s.addr_hash`.execute(trx);
      await sql`INSERT INTO bench.lead (addr_hash, apn, mak, source, vendor_record_id, line1, city, state, zip, owner, phone)
        SELECT DISTINCT ON (s.addr_hash) s.addr_hash, s.apn, s.mak, 'bench', s.vendor_record_id, s.line1, s.city, s.state, s.zip, s.owner, s.phone
        FROM bench.stage s WHERE s.addr_hash IS NOT NULL AND NOT EXISTS (SELECT 1 FROM bench.lead l WHERE l.addr_hash = s.addr_hash)
        ON CONFLICT DO NOTHING`.execute(trx);
    });
    n += b.length;
  }
  return n;
});
const rowByRow = await timed('row by row', async () => {
  let n = 0;
  for await (const b of batches(SLICE)) {
    for (const v of b) {
      const [h, apn, , , line1, city, state, zip, owner, phone] = simple(v);
      await sql`INSERT INTO bench.lead_rbr (addr_hash, apn, source, line1, city, state, zip, owner, phone)
        VALUES (${h ? Buffer.from(h.slice(2), 'hex') : null}, ${apn}, 'bench', ${line1}, ${city}, ${state}, ${zip}, ${owner}, ${phone})
        ON CONFLICT (addr_hash) WHERE addr_hash IS NOT NULL DO UPDATE SET last_seen_at = now()`.execute(db.kysely).catch(() => {});
      n++;
    }
  }
  return n;
});

const full = { name: 'full import', rows: summary.counts.rows_read, seconds: fullSecs, rowsPerSecond: summary.counts.rows_read / fullSecs };
const ratio = (a: number, b: number) => Math.round((100 * a) / b) / 100;
const result = {
  engine, rows, file_mb: Math.round(bytes / 2 ** 20), batch_size: BATCH,
  full: { ...full, counts: summary.counts },
  baselines: { raw_copy: rawCopy, copy_merge: copyMerge, row_by_row: rowByRow },
  ratios: {
    full_vs_copy_merge: ratio(full.rowsPerSecond, copyMerge.rowsPerSecond),
    full_vs_row_by_row: ratio(full.rowsPerSecond, rowByRow.rowsPerSecond),
    full_vs_raw_copy: ratio(full.rowsPerSecond, rawCopy.rowsPerSecond),
  },
  peak_rss_mb: Math.round(peakRss / 2 ** 20),
  targets: {
    copy_merge: engine === 'pg' ? 0.5 : 0.4,
    row_by_row: 10,
    rss_mb: engine === 'pg' ? 500 : null,
  },
};
await c2.close();
if (engine === 'pg') await onServer(`DROP DATABASE IF EXISTS ${benchDb} WITH (FORCE)`);
fs.rmSync(work, { recursive: true, force: true });

const f = (x: number) => Math.round(x).toLocaleString('en-US');
const pass = (ok: boolean) => (ok ? 'met' : '**missed**');
const body = [
  `${rows.toLocaleString('en-US')} rows (${result.file_mb} MB), batches of ${BATCH}, engine ${engine === 'pg' ? 'PostgreSQL 15 server' : 'PGlite (in process)'}.`,
  '',
  '| load | rows | seconds | rows/s | full import ÷ this |',
  '|---|---:|---:|---:|---:|',
  ...[full, rawCopy, copyMerge, rowByRow].map((r) => `| ${r.name} | ${f(r.rows)} | ${r.seconds.toFixed(1)} | ${f(r.rowsPerSecond)} | ${ratio(full.rowsPerSecond, r.rowsPerSecond)} |`),
  '',
  `Full import: ${f(summary.counts.leads_inserted)} leads inserted, ${f(summary.counts.leads_merged)} merged, ${f(summary.counts.contact_points_added)} contact points added, ${f(summary.counts.rows_rejected)} rows rejected, ${f(summary.counts.warnings)} warnings.`,
  `Peak RSS of the importing process (\`porchlight import leads\`): ${result.peak_rss_mb} MB${engine === 'pglite' ? ' (includes the in-process database)' : ''}.`,
  '',
  `Targets: full ≥ ${result.targets.copy_merge} × COPY + merge: ${pass(result.ratios.full_vs_copy_merge >= result.targets.copy_merge)} (${result.ratios.full_vs_copy_merge}); ` +
    `≥ 10 × row by row: ${pass(result.ratios.full_vs_row_by_row >= 10)} (${result.ratios.full_vs_row_by_row})` +
    (engine === 'pg' ? `; peak RSS < 500 MB: ${pass(result.peak_rss_mb < 500)}.` : '.'),
].join('\n');
recordBenchmark(`import-${engine}`, `Import (${engine === 'pg' ? 'PostgreSQL server' : 'PGlite'})`, body);
if (json) process.stdout.write(JSON.stringify(result, null, 2) + '\n');
else process.stdout.write(body + '\n');
