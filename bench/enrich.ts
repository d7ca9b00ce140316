// npm run bench:enrich -- [--leads N] [--engine pglite|pg] [--chunk N] [--json]
//
// The enrichment waterfall end to end, as a user starts it: a run over N owner-list leads
// (parcel and owner, no phones or emails) queued as a job and worked by the job worker
// (pg-boss) through all four stages with the local adapters. Figures:
//   leads/s end to end      from queuing the run to its completion
//   per stage               wall time, time inside the adapters, and Porchlight's overhead
//                           (gates, ledger, budget, caps, results, merge) per 1,000 leads
//   baseline                the same look-ups and verifications through the local adapters
//                           alone, no database: what a vendor-bound run could never beat
//   peak RSS                the process's high-water mark (on PGlite it includes the database)
//   floor                   the rows the run had to write, written again as one statement per
//                           table with nothing else running (enrich-floor.ts), and the ceiling
//                           it puts on any run on this machine
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { loadConfig } from '../src/app/config.ts';
import { createContainer } from '../src/app/container.ts';
import { QUEUE } from '../src/jobs/jobs.ts';
import { createWorker } from '../src/jobs/worker.ts';
import { createLocalAppend, createLocalEmailVerify, createLocalPhoneVerify, createLocalSkipTrace } from '../src/providers/local.ts';
import type { PersonLookupPort, PhoneVerifyPort, EmailVerifyPort } from '../src/providers/ports.ts';
import { createProviderRegistry } from '../src/providers/registry.ts';
import { requiredWritesFloor } from './enrich-floor.ts';
import { recordBenchmark } from './report.ts';
import { seedLeads } from './seed-leads.ts';

const args = process.argv.slice(2);
const opt = (name: string, dflt: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1]! : dflt;
};
const engine = opt('engine', 'pglite') as 'pglite' | 'pg';
const leads = Number(opt('leads', '100000'));
const json = args.includes('--json');
const say = (s: string) => !json && process.stderr.write(s + '\n');
// CPU seconds of this process, and of the server's processes (Linux /proc; the server must be local)
const serverCpu = () => {
  if (engine !== 'pg' || !fs.existsSync('/proc/self/stat')) return 0;
  let ticks = 0;
  for (const pid of fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      if (!stat.includes('(postgres)')) continue;
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(f[11]) + Number(f[12]);
    } catch { /* gone meanwhile */ }
  }
  return ticks / 100; // USER_HZ
};
const hwm = () => Number(/VmHWM:\s+(\d+)/.exec(fs.readFileSync('/proc/self/status', 'utf8'))?.[1] ?? 0) * 1024;

// --- the database ---------------------------------------------------------------------------
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'porchlight-bench-enrich-'));
const serverUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
let databaseUrl: string | undefined;
if (engine === 'pg') {
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query('DROP DATABASE IF EXISTS porchlight_bench_enrich WITH (FORCE)');
  await admin.query('CREATE DATABASE porchlight_bench_enrich');
  // --log: every statement's duration in the server's log, to see where the time goes
  if (args.includes('--log')) await admin.query('ALTER DATABASE porchlight_bench_enrich SET log_min_duration_statement = 0');
  // --explain MS: the plans of statements slower than MS, with their timings, in the server's log
  if (args.includes('--explain')) {
    for (const setting of [`session_preload_libraries = 'auto_explain'`, `auto_explain.log_min_duration = ${opt('explain', '100')}`,
      'auto_explain.log_analyze = on', 'auto_explain.log_nested_statements = on', 'auto_explain.log_triggers = on']) {
      await admin.query(`ALTER DATABASE porchlight_bench_enrich SET ${setting}`);
    }
  }
  await admin.end();
  const u = new URL(serverUrl);
  u.pathname = '/porchlight_bench_enrich';
  databaseUrl = u.toString();
}

// --- adapters timed: the local ones, with the time spent inside them counted per port ---------
const inside: Record<string, number> = { append: 0, skip_trace: 0, phone_verify: 0, email_verify: 0 };
const timed = async <T>(port: string, fn: () => Promise<T>) => {
  const t = performance.now();
  try {
    return await fn();
  } finally {
    inside[port]! += performance.now() - t;
  }
};
const lookup = (p: PersonLookupPort): PersonLookupPort => ({ ...p, lookup: (r) => timed(p.port, () => p.lookup(r)) });
const phones = (p: PhoneVerifyPort): PhoneVerifyPort => ({ ...p, verify: (n) => timed('phone_verify', () => p.verify(n)) });
const emails = (p: EmailVerifyPort): EmailVerifyPort => ({ ...p, verify: (n) => timed('email_verify', () => p.verify(n)) });

const config = loadConfig({ PORCHLIGHT_DATA_DIR: path.join(work, 'data'), DATABASE_URL: databaseUrl, LOG_LEVEL: 'silent', PORCHLIGHT_ENRICH_CHUNK: opt('chunk', '2500') });
const providers = createProviderRegistry(config.providers, {
  append: { local: { configured: () => true, factory: (_c, price) => lookup(createLocalAppend({ priceCents: price })) } },
  skip_trace: { local: { configured: () => true, factory: (_c, price) => lookup(createLocalSkipTrace({ priceCents: price })) } },
  phone_verify: { local: { configured: () => true, factory: (_c, price) => phones(createLocalPhoneVerify({ priceCents: price })) } },
  email_verify: { local: { configured: () => true, factory: (_c, price) => emails(createLocalEmailVerify({ priceCents: price })) } },
});
const c = await createContainer(config, { command: 'bench', generateSecret: true, migrate: true, providers });
const org = await c.tenancy.createOrganization({ slug: 'bench', name: 'Bench' });
const actor = c.tenancy.operator(org.id, 'cli');
say(`seeding ${leads.toLocaleString()} leads ...`);
for (let done = 0; done < leads; done += 50_000) await seedLeads(c, actor, Math.min(50_000, leads - done), { tag: 'bench', source: 'bench', start: done });
await c.db.execScript('VACUUM ANALYZE');
// no daily cap: the benchmark measures throughput, not tomorrow
await c.enrichment.updateSettings(actor, { stages: { skip_trace: { daily_cap: null } } });

// --- the run, as a job ----------------------------------------------------------------------
say('enriching ...');
const stageStart = new Map<string, number>();
const stageEnd = new Map<string, number>();
const worker = createWorker(c);
const jobs = await worker.start({ pollSeconds: 0.5 });
const started = performance.now();
const cpuAtStart = { node: process.cpuUsage(), server: serverCpu() };
const { run } = await c.enrichment.start(actor, { tag: 'bench' });
const queued = performance.now();
// the stage boundaries, from the tasks' progress
const original = c.enrichment.work;
c.enrichment.work = (a, id, onProgress) => original(a, id, (p) => {
  if (!stageStart.has(p.stage)) stageStart.set(p.stage, performance.now());
  stageEnd.set(p.stage, performance.now());
  onProgress?.(p);
});
await jobs.send(QUEUE.enrich, { runId: run!.id, actor });
let peak = hwm();
// the run's status only (the report's per-stage counts are a query of their own)
const status = async () => (await c.enrichment.list(actor, 1))[0]!.status;
for (;;) {
  peak = Math.max(peak, hwm());
  const s = await status();
  if (s !== 'queued' && s !== 'running') break;
  await new Promise((res) => setTimeout(res, 1000));
}
const finished = performance.now();
const used = process.cpuUsage(cpuAtStart.node);
const cpu = { node: (used.user + used.system) / 1e6, server: serverCpu() - cpuAtStart.server };
await jobs.stop();
const report = await c.enrichment.report(actor, run!.id);
if (report.run.status !== 'completed') throw new Error(`the run ended ${report.run.status}: ${report.run.error}`);
const seconds = (finished - started) / 1000;
const firstStage = Math.min(...stageStart.values());

// --- the baseline: the same adapter calls with no database -----------------------------------
const calls = Object.fromEntries(report.stages.map((s) => [s.stage, s.called]));
const baseline = (() => {
  const t = performance.now();
  const a = createLocalAppend();
  const s = createLocalSkipTrace();
  const people = Array.from({ length: leads }, (_, i) => ({ key: String(i), firstName: 'Ana', lastName: `Owner${i}`, address: { line1: `${i} OAK ST`, city: 'AUSTIN', state: 'TX', zip: '78701' } }));
  return Promise.all([a.lookup(people), s.lookup(people.slice(0, calls.skip_trace ?? 0)),
    createLocalPhoneVerify().verify(people.slice(0, calls.verify ?? 0).map((_, i) => `+1512555${String(i % 10000).padStart(4, '0')}`))])
    .then(() => (performance.now() - t) / 1000);
})();
const adapterOnly = await baseline;

const rows = report.stages.map((s) => {
  const wall = (stageEnd.get(s.stage)! - stageStart.get(s.stage)!) / 1000;
  const inAdapters = (s.stage === 'verify' ? inside.phone_verify! + inside.email_verify! : inside[s.stage] ?? 0) / 1000;
  return { stage: s.stage, leads: s.leads, called: s.called, wall, inAdapters, overheadPer1000: ((wall - inAdapters) * 1_000_000) / Math.max(1, s.leads) };
});
say('writing the run\'s rows again, one statement per table (the floor) ...');
const floor = await requiredWritesFloor(c, actor, run!.id);
const floorSeconds = floor.reduce((s, f) => s + f.ms, 0) / 1000;
// the database's writes and the adapters' work, each core busy every moment: PGlite's database
// runs on the worker's own thread, a server's backends beside it on every core
const cores = engine === 'pg' ? os.availableParallelism() : 1;
const ceiling = Math.round((cores * leads) / (floorSeconds + adapterOnly));
const cpuMsPerLead = ((cpu.node + cpu.server) * 1000) / leads;
const result = {
  engine, leads, seconds, leads_per_second: Math.round(leads / seconds), job_start_ms: Math.round(firstStage - queued),
  adapter_only_seconds: adapterOnly, ratio_to_adapters: adapterOnly / seconds, peak_rss_mb: Math.round(peak / 2 ** 20), stages: rows,
  floor_seconds: floorSeconds, floor_ms_per_lead: (floorSeconds * 1000) / leads, ceiling_leads_per_second: ceiling, floor,
  cpu_seconds: cpu, cpu_ms_per_lead: cpuMsPerLead, cores_busy: (cpu.node + cpu.server) / seconds,
};
await c.close();
fs.rmSync(work, { recursive: true, force: true });

const target = engine === 'pg' ? 2000 : 500;
const name = engine === 'pg' ? 'PostgreSQL 15 server' : 'PGlite (file-backed, in-process)';
const table = [
  '| stage | leads | provider calls | wall time | inside the adapters | Porchlight overhead per 1,000 leads |',
  '|---|---:|---:|---:|---:|---:|',
  ...rows.map((r) => `| ${r.stage} | ${r.leads.toLocaleString()} | ${r.called.toLocaleString()} | ${r.wall.toFixed(1)} s | ${r.inAdapters.toFixed(1)} s | ${r.overheadPer1000.toFixed(0)} ms |`),
].join('\n');
// a profiling run (statement log, plans) is slowed by its own logging: its figures are not recorded
const profiling = args.includes('--log') || args.includes('--explain');
if (!profiling) recordBenchmark(`enrich-${engine}`, `Enrichment waterfall, ${name}`, [
  `${leads.toLocaleString()} leads through append, skip-trace, verification and scoring with the local adapters, queued as one job.`,
  '',
  `- **${result.leads_per_second.toLocaleString()} leads/s end to end** (${seconds.toFixed(1)} s; target ${target.toLocaleString()} leads/s: ${result.leads_per_second >= target ? 'met' : 'NOT met'})`,
  `- the same adapter calls alone, no database: ${adapterOnly.toFixed(1)} s (the run takes ${(seconds / adapterOnly).toFixed(1)}× as long)`,
  `- job start (queued → first stage working): ${result.job_start_ms} ms; peak RSS ${result.peak_rss_mb} MB`,
  `- the rows the run had to write, written again as one statement per table with nothing else running: ${floorSeconds.toFixed(1)} s, ${result.floor_ms_per_lead.toFixed(2)} ms of database time per lead; with the adapters' ${adapterOnly.toFixed(1)} s, a ceiling of **${ceiling.toLocaleString()} leads/s** on ${cores} core${cores > 1 ? 's' : ''} busy every moment (the run reaches ${Math.round((100 * result.leads_per_second) / ceiling)}% of it)`,
  `- CPU used by the run: ${cpuMsPerLead.toFixed(2)} ms per lead (${engine === 'pg' ? `worker ${cpu.node.toFixed(1)} s, server ${cpu.server.toFixed(1)} s` : `${cpu.node.toFixed(1)} s, database included`}), ${((cpu.node + cpu.server) / seconds).toFixed(2)} of ${cores} core${cores > 1 ? 's' : ''} busy on average`,
  '',
  table,
  '',
  '| required writes (floor) | rows | time |',
  '|---|---:|---:|',
  ...floor.map((f) => `| ${f.step} | ${f.rows.toLocaleString()} | ${(f.ms / 1000).toFixed(1)} s |`),
].join('\n'));
if (json) process.stdout.write(JSON.stringify(result, null, 2) + '\n');
else say(JSON.stringify(result, null, 2));
process.exit(0);
