// npm run bench:outreach -- [--decisions N] [--json]
//
// Outreach (issue 7). Built so far: the compliance gate's decision alone, in process, on a mix of
// touches that real sending sees (calls and marketing texts to owners across the country, every
// hour of a week, some with consent, some on the registry, a few with prior attempts). The
// baseline is the same loop building the facts without deciding. Not measured yet: the worker
// gating, rendering, recording and handing 100,000 due enrollment steps to the local adapter
// (the sequence engine is not built).
import fs from 'node:fs';
import os from 'node:os';
import { decide, type GateFacts } from '../src/domain/compliance/gate.ts';
import { recordBenchmark } from './report.ts';

const args = process.argv.slice(2);
const opt = (name: string, dflt: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1]! : dflt;
};
const n = Number(opt('decisions', '200000'));
const json = args.includes('--json');

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
  '- not measured yet: 100,000 due enrollment steps through the worker (the sequence engine is not built)',
].join('\n'));
const out = { decisions: n, seconds, baseline_seconds: baseline, decisions_per_second: rate, tally, sink };
if (json) process.stdout.write(JSON.stringify(out, null, 2) + '\n');
else process.stderr.write(JSON.stringify(out, null, 2) + '\n');
