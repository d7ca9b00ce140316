// npm run bench:outreach -- [--part gate|steps|all] [--decisions N] [--enrollments N] [--slice N]
//                           [--batch N] [--engine pglite|pg] [--explain MS] [--json]
// (sizes also from BENCH_DECISIONS, BENCH_ENROLLMENTS, BENCH_SLICE, BENCH_BATCH; the engine is
// the server when DATABASE_URL is set)
//
// Outreach (issue 7), two parts:
// - gate: the compliance gate's decision alone, in process, on a mix of touches that real sending
//   sees (calls and marketing texts to owners across the country, every hour of a week, some with
//   consent, some on the registry, a few with prior attempts). The baseline is the same loop
//   building the facts without deciding.
// - steps: 100,000 active enrollments with an SMS step due, worked by the sequence engine: gate,
//   render, record and hand every message to the local adapter (bench/outreach-steps.ts), against
//   the same engine one enrollment at a time on a slice.
import fs from 'node:fs';
import os from 'node:os';
import { decide, type GateFacts } from '../src/domain/compliance/gate.ts';
import { recordBenchmark } from './report.ts';
import { benchSequenceSteps } from './outreach-steps.ts';

const args = process.argv.slice(2);
const opt = (name: string, dflt: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1]! : dflt;
};
const n = Number(opt('decisions', process.env.BENCH_DECISIONS ?? '200000'));
const json = args.includes('--json');
const part = opt('part', 'all') as 'gate' | 'steps' | 'all';
const engine = opt('engine', process.env.DATABASE_URL ? 'pg' : 'pglite') as 'pglite' | 'pg';
const say = (line: string) => !json && process.stderr.write(line + '\n');

// owners in states with and without their own rules, their area codes and ZIPs
const PLACES = [
  ['+1305', 'FL', '33101'], ['+1405', 'OK', '73102'], ['+1214', 'TX', '75201'], ['+1401', 'RI', '02903'], ['+1801', 'UT', '84101'],
  ['+1205', 'AL', '35203'], ['+1404', 'GA', '30303'], ['+1206', 'WA', '98101'], ['+1601', 'MS', '39201'], ['+1850', 'FL', null],
  ['+1415', 'CA', '94103'], ['+1212', 'NY', '10001'], ['+1555', null, null],
] as const;
const CHANNELS = ['call', 'sms', 'ai_call'] as const;
const week = Date.UTC(2026, 2, 9, 4); // Monday 2026-03-09, midnight Eastern

function facts(i: number): GateFacts {
  const [prefix, state, zip] = PLACES[i % PLACES.length]!;
  const at = new Date(week + ((i * 7919) % (7 * 24 * 60)) * 60_000);
  return {
    channel: CHANNELS[i % 3]!, purpose: 'marketing', at, phone: `${prefix}555${String(100 + (i % 9000)).padStart(4, '0')}`,
    mailingState: state, mailingZip: zip, consent: i % 4 === 0 ? 'none' : 'pewc',
    dnc: { national: i % 10 === 0, registryAsOf: new Date(week - 5 * 86_400_000) },
    prior: i % 7 === 0 ? [new Date(at.getTime() - 3_600_000), new Date(at.getTime() - 7_200_000), new Date(at.getTime() - 10_800_000)] : [],
  };
}

function benchGate() {
  let sink = 0;
  let t = performance.now();
  for (let i = 0; i < n; i++) sink += facts(i).at.getTime() & 1;
  const baseline = (performance.now() - t) / 1000;
  const tally: Record<string, number> = {};
  t = performance.now();
  for (let i = 0; i < n; i++) {
    const d = decide(facts(i));
    tally[d.decision] = (tally[d.decision] ?? 0) + 1;
  }
  const seconds = (performance.now() - t) / 1000;
  const rate = Math.round(n / (seconds - baseline));
  const hwm = Number(/VmHWM:\s+(\d+)/.exec(fs.readFileSync('/proc/self/status', 'utf8'))?.[1] ?? 0) / 1024;
  recordBenchmark('outreach-gate', 'Outreach: compliance gate decisions, in process', [
    `${n.toLocaleString()} decisions on a mix of calls, AI calls and marketing texts to owners in 12 states and one unplaceable number, at every minute of a week (${Object.entries(tally).map(([k, v]) => `${v.toLocaleString()} ${k}`).join(', ')}).`,
    '',
    `- **${rate.toLocaleString()} decisions/s** on one core (target 20,000: ${rate >= 20_000 ? 'met' : 'NOT met'}); building the facts alone took ${baseline.toFixed(2)} s of the ${seconds.toFixed(2)} s`,
    `- peak RSS ${Math.round(hwm)} MB; ${os.cpus()[0]?.model ?? 'cpu'}`,
  ].join('\n'));
  return { decisions: n, seconds, baseline_seconds: baseline, decisions_per_second: rate, tally, sink };
}

async function benchSteps() {
  const enrollments = Number(opt('enrollments', process.env.BENCH_ENROLLMENTS ?? '100000'));
  const r = await benchSequenceSteps({
    engine, enrollments, slice: Math.min(Number(opt('slice', process.env.BENCH_SLICE ?? '500')), enrollments),
    batch: Number(opt('batch', process.env.BENCH_BATCH ?? '2000')), explainMs: args.includes('--explain') ? Number(opt('explain', '100')) : null, say,
  });
  const target = 2_000;
  const name = engine === 'pg' ? 'PostgreSQL 15 server' : 'PGlite (file-backed, in-process)';
  const d = r.bulk.report.dispatch;
  recordBenchmark(`outreach-steps-${engine}`, `Outreach: due sequence steps through the worker, ${name}`, [
    `${r.enrollments.toLocaleString()} active enrollments, each at an SMS step due (owners with a mobile phone and written consent, ${r.batch.toLocaleString()} enrollments a batch), worked as the \`sequence-tick\` job works them: claimed with SKIP LOCKED, rendered, messages, executions and enrollments written, committed, then gated, recorded and handed to the local adapter.`,
    '',
    `- **${r.bulk.steps_per_second.toLocaleString()} steps/s** (${r.bulk.enrollments.toLocaleString()} steps in ${r.bulk.seconds.toFixed(1)} s${engine === 'pg' ? `; target ${target.toLocaleString()}: ${r.bulk.steps_per_second >= target ? 'met' : 'NOT met'}` : ''}): ${r.bulk.report.steps.toLocaleString()} executions written (the SMS and the WAIT after it), ${d.allowed.toLocaleString()} allowed by the gate, ${d.sent.toLocaleString()} handed to the local adapter, ${(d.denied + d.deferred + d.failed).toLocaleString()} denied, deferred or failed`,
    `- one enrollment at a time (batch 1) on ${r.baseline.enrollments.toLocaleString()} of them: ${r.baseline.steps_per_second.toLocaleString()} steps/s; in batches **${(r.bulk.steps_per_second / r.baseline.steps_per_second).toFixed(0)}× faster**`,
    `- every enrollment's text in the local outbox once: ${r.sent.toLocaleString()} rows; seeding took ${r.seed_seconds.toFixed(1)} s`,
    `- peak RSS ${r.peak_rss_mb} MB${engine === 'pglite' ? ' (the database included)' : ''}`,
  ].join('\n'));
  return r;
}

const result: Record<string, unknown> = {};
if (part !== 'steps') result.gate = benchGate();
if (part !== 'gate') result.steps = await benchSteps();
const text = JSON.stringify(result, null, 2) + '\n';
if (json) process.stdout.write(text);
else process.stderr.write(text);
process.exit(0);
