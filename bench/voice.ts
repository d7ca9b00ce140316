// npm run bench:voice -- [--calls N] [--users N] [--slice N] [--engine pglite|pg] [--timeout S] [--explain] [--json]
// (sizes also from BENCH_CALLS, BENCH_SLICE; the engine is the server when DATABASE_URL is set)
//
// Voice metrics (issue 8): "200,000 calls with 10 turns each across 100 users and 90 days:
// recompute all daily metrics on both engines, and compare with a per-call loop on a slice in the
// same run. Target: under 20 s on the server and under 90 s on PGlite." Figures:
//   first recompute      the set-based statement (recomputeMetrics) over the 90 days, table empty
//   second recompute     the same again: every row stays as it is (no row rewritten, same content)
//   per call (baseline)  the naive job on a slice of calls: per call, a query for the call, one
//                        for its turns, one for its booking, the figures summed in JS, then one
//                        upsert per (user, day) into a temporary table; its (user, day) rows
//                        wholly inside the slice are checked against the set-based rows
//   peak RSS             the process's high-water mark (on PGlite it includes the database)
// The per-call loop runs first, so its figures stand even when the recompute does not finish:
// --timeout S (by default 5 × the target) stops the first recompute there (statement_timeout on the
// server; on PGlite, whose statements cannot be cancelled, a watchdog thread records the run as not
// finished and ends the process). --explain prints the recompute's plan before the timed run, and
// its EXPLAIN ANALYZE (rolled back) after it.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { sql } from 'kysely';
import { loadConfig } from '../src/app/config.ts';
import { createContainer, type Container } from '../src/app/container.ts';
import { withTenant, type Actor, type Trx } from '../src/db/tenant.ts';
import { COLUMNS, recomputeMetrics } from '../src/domain/voice/metrics.ts';
import { freshServerDatabase, recordBenchmark } from './report.ts';
import { DAYS, FIRST_DAY, LAST_DAY, OUTCOME_MIX, TURNS, seedCalls, seedUsers, type BenchUser } from './voice-seed.ts';

const args = process.argv.slice(2);
const opt = (name: string, dflt: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1]! : dflt;
};
const calls = Number(opt('calls', process.env.BENCH_CALLS ?? '200000'));
const userCount = Number(opt('users', '100'));
const slice = Math.min(Number(opt('slice', process.env.BENCH_SLICE ?? '2000')), calls);
const engine = opt('engine', process.env.DATABASE_URL ? 'pg' : 'pglite') as 'pglite' | 'pg';
const json = args.includes('--json');
const explain = args.includes('--explain');
const CHUNK = 20_000;
const say = (line: string) => !json && process.stderr.write(line + '\n');
const hwm = () => Number(/VmHWM:\s+(\d+)/.exec(fs.readFileSync('/proc/self/status', 'utf8'))?.[1] ?? 0) * 1024;

const database = async () => (engine === 'pg' ? freshServerDatabase('porchlight_bench_voice') : undefined);

const count = async (trx: Trx, table: string) => Number((await sql<{ n: number }>`SELECT count(*)::int AS n FROM ${sql.table(table)}`.execute(trx)).rows[0]!.n);

/** The metrics table as it stands: rows, the last write, and a digest of the figures (not updated_at). */
async function snapshot(c: Container, actor: Actor) {
  return withTenant(c.db, actor, async (trx) => (await sql<{ rows: number; last: string | null; digest: string | null }>`
    SELECT count(*)::int AS rows, max(updated_at)::text AS last,
           md5(string_agg(row(user_id, day, ${sql.raw(COLUMNS.join(', '))})::text, '|' ORDER BY user_id, day)) AS digest
    FROM voice_metrics_daily`.execute(trx)).rows[0]!);
}

/** recomputeMetrics over the 90 days in its own transaction, stopped after `limit` seconds on the server. */
async function recompute(c: Container, actor: Actor, limit: number) {
  const t = performance.now();
  const r = await withTenant(c.db, actor, async (trx) => {
    await sql`SELECT set_config('statement_timeout', ${`${limit}s`}, true)`.execute(trx);
    return recomputeMetrics(trx, FIRST_DAY, LAST_DAY);
  });
  return { seconds: (performance.now() - t) / 1000, ...r };
}

/** The plan of the first recompute, the table emptied and all rolled back: estimates only, or EXPLAIN ANALYZE. */
async function explainRecompute(c: Container, actor: Actor, analyze: boolean) {
  const plan: string[] = [];
  const explaining = (trx: Trx): Trx => new Proxy(trx, {
    get(target, prop) {
      if (prop === 'getExecutor') {
        return () => new Proxy(target.getExecutor(), {
          get(ex, p) {
            if (p === 'executeQuery') {
              return async (q: { sql: string }, o: unknown) => {
                const r = await ex.executeQuery({ ...q, sql: `EXPLAIN ${analyze ? '(ANALYZE, BUFFERS) ' : ''}${q.sql}` } as never, o as never);
                plan.push(...r.rows.map((x) => (x as Record<string, string>)['QUERY PLAN']!));
                return { rows: [{ rows: 0, removed: 0 }] };
              };
            }
            const v = Reflect.get(ex, p);
            return typeof v === 'function' ? v.bind(ex) : v;
          },
        });
      }
      const v = Reflect.get(target, prop);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
  try {
    await withTenant(c.db, actor, async (trx) => {
      await sql`DELETE FROM voice_metrics_daily`.execute(trx);
      await recomputeMetrics(explaining(trx), FIRST_DAY, LAST_DAY);
      throw new Error('rollback');
    });
  } catch (e) {
    if (!plan.length) throw e;
  }
  return plan;
}

type Row = Record<(typeof COLUMNS)[number], number | null>;
const FLOATS = new Set(['booking_rate', 'asr_wer', 'avg_confidence_score', 'barge_in_rate']);
const TYPES: Record<string, string> = { cost_cents: 'bigint NOT NULL', asr_wer: 'double precision' };
const typeOf = (col: string) => TYPES[col] ?? (FLOATS.has(col) ? 'double precision NOT NULL' : 'integer NOT NULL');
const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));

/**
 * The naive job on a slice of calls (the first `slice` calls of the users in order, each user's in
 * time order, so every (user, day) but the last is whole): per call three queries, the figures
 * summed in JS, one upsert per (user, day); in one transaction, into a temporary table, whose rows
 * come back for the cross-check. The user's zones are read once (100 users), not per call.
 */
async function perCallLoop(c: Container, actor: Actor, users: BenchUser[]) {
  const zone = new Map(users.map((u) => [u.id, new Intl.DateTimeFormat('en-CA', { timeZone: u.timezone, year: 'numeric', month: '2-digit', day: '2-digit' })]));
  return withTenant(c.db, actor, async (trx) => {
    const ids = (await sql<{ id: string }>`
      SELECT c.id FROM voice_call c JOIN app_user u ON u.organization_id = c.organization_id AND u.id = c.user_id
      WHERE c.organization_id = app_org_id() ORDER BY u.email, c.initiated_at LIMIT ${slice}`.execute(trx)).rows.map((r) => r.id);

    const t = performance.now();
    interface Acc { user_id: string | null; day: string; calls: number; connects: number; dur: number; talk: number; fal: number; falN: number; bookings: number;
      out: Record<string, number>; cost: number; lat: number[]; fm: number; fmN: number; conf: number; confN: number; we: number; rw: number; barge: number; userTurns: number }
    const acc = new Map<string, Acc>();
    for (const id of ids) {
      const call = (await sql<{ user_id: string | null; initiated_at: Date; started_at: Date | null; outcome: string | null; duration_seconds: number;
        first_audio_latency_ms: number | null; total_cost_cents: string | number; blocked_reason: string | null }>`
        SELECT user_id, initiated_at, started_at, outcome, duration_seconds, first_audio_latency_ms, total_cost_cents, blocked_reason
        FROM voice_call WHERE organization_id = app_org_id() AND id = ${id}`.execute(trx)).rows[0]!;
      const turns = (await sql<{ role: string; start_ms: number; latency_ms: number | null; confidence_score: string | null; barge_in: boolean; word_errors: number | null; reference_words: number | null }>`
        SELECT role, start_ms, latency_ms, confidence_score, barge_in, word_errors, reference_words
        FROM voice_call_turn WHERE organization_id = app_org_id() AND call_id = ${id} ORDER BY seq`.execute(trx)).rows;
      const booking = (await sql<{ status: string }>`SELECT status FROM voice_booking WHERE organization_id = app_org_id() AND call_id = ${id}`.execute(trx)).rows[0];
      if (call.blocked_reason !== null || !call.user_id) continue; // the bench's calls all have a user
      const day = zone.get(call.user_id)!.format(call.initiated_at);
      const key = `${call.user_id}|${day}`;
      let a = acc.get(key);
      if (!a) {
        a = { user_id: call.user_id, day, calls: 0, connects: 0, dur: 0, talk: 0, fal: 0, falN: 0, bookings: 0, out: {}, cost: 0, lat: [], fm: 0, fmN: 0, conf: 0, confN: 0, we: 0, rw: 0, barge: 0, userTurns: 0 };
        acc.set(key, a);
      }
      const connected = call.started_at !== null && call.outcome !== 'voicemail';
      a.calls++;
      if (connected) { a.connects++; a.dur += call.duration_seconds; }
      a.talk += Math.ceil(call.duration_seconds / 60);
      if (call.first_audio_latency_ms !== null) { a.fal += call.first_audio_latency_ms; a.falN++; }
      if (call.outcome) a.out[call.outcome] = (a.out[call.outcome] ?? 0) + 1;
      a.cost += Number(call.total_cost_cents);
      if (booking && booking.status !== 'cancelled') a.bookings++;
      for (const x of turns) {
        if (x.latency_ms !== null) {
          a.lat.push(x.latency_ms);
          if (x.role === 'agent' && x.start_ms < 60_000) { a.fm += x.latency_ms; a.fmN++; }
        }
        if (x.confidence_score !== null) { a.conf += Number(x.confidence_score); a.confN++; }
        if (x.reference_words !== null) { a.we += x.word_errors!; a.rw += x.reference_words; }
        if (x.barge_in) a.barge++;
        if (x.role === 'user') a.userTurns++;
      }
    }
    for (const a of acc.values()) {
      const lat = a.lat.sort((x, y) => x - y);
      const r: Row = {
        calls: a.calls, connects: a.connects, avg_duration_s: a.connects ? Math.round(a.dur / a.connects) : 0, talk_minutes: a.talk, bookings: a.bookings,
        booking_rate: a.connects ? a.bookings / a.connects : 0, first_minute_latency_ms: a.fmN ? Math.round(a.fm / a.fmN) : 0,
        avg_first_audio_latency_ms: a.falN ? Math.round(a.fal / a.falN) : 0, p95_latency_ms: lat.length ? lat[Math.max(1, Math.ceil(0.95 * lat.length)) - 1]! : 0,
        asr_wer: a.rw ? a.we / a.rw : null, avg_confidence_score: a.confN ? a.conf / a.confN : 0, barge_in_rate: a.userTurns ? a.barge / a.userTurns : 0,
        outcome_scheduled: a.out.scheduled ?? 0, outcome_callback: a.out.follow_up ?? 0, outcome_rejected: a.out.rejected ?? 0, outcome_no_answer: a.out.no_answer ?? 0,
        outcome_voicemail: a.out.voicemail ?? 0, outcome_opt_out: a.out.opt_out ?? 0, outcome_failed: a.out.failed ?? 0, cost_cents: a.cost,
      };
      await sql`
        INSERT INTO voice_metrics_loop (user_id, day, ${sql.raw(COLUMNS.join(', '))})
        VALUES (${a.user_id}::uuid, ${a.day}::date, ${sql.join(COLUMNS.map((col) => sql`${r[col]}`))})
        ON CONFLICT (user_id, day) DO UPDATE SET ${sql.raw(COLUMNS.map((col) => `${col} = EXCLUDED.${col}`).join(', '))}, updated_at = now()`.execute(trx);
    }
    const seconds = (performance.now() - t) / 1000;
    const rows = (await sql<Record<string, unknown>>`SELECT user_id, day::text AS day, ${sql.raw(COLUMNS.join(', '))} FROM voice_metrics_loop ORDER BY day`.execute(trx)).rows
      .map((r) => ({ user_id: r.user_id as string, day: r.day as string, figures: Object.fromEntries(COLUMNS.map((col) => [col, num(r[col])])) as Row }));
    return { calls: ids.length, queries: ids.length * 3 + acc.size, user_days: acc.size, seconds, calls_per_second: Math.round(ids.length / seconds), rows };
  }, async (trx) => {
    // made by the connection's own role before the transaction takes the application role, and lent to it
    await sql`CREATE TEMP TABLE voice_metrics_loop (user_id uuid, day date NOT NULL, ${sql.raw(COLUMNS.map((col) => `${col} ${typeOf(col)}`).join(', '))},
      updated_at timestamptz NOT NULL DEFAULT now(), UNIQUE NULLS NOT DISTINCT (user_id, day)) ON COMMIT DROP`.execute(trx);
    await sql`GRANT SELECT, INSERT, UPDATE ON voice_metrics_loop TO porchlight_app`.execute(trx);
  });
}

/** Each of the loop's (user, day) rows whose calls all fell in the slice, against the set-based row, figure by figure. */
async function crossCheck(c: Container, actor: Actor, users: BenchUser[], loopRows: { user_id: string; day: string; figures: Row }[]) {
  const set = await withTenant(c.db, actor, async (trx) => (await sql<Record<string, unknown>>`
    SELECT user_id, day::text AS day, ${sql.raw(COLUMNS.join(', '))} FROM voice_metrics_daily
    WHERE user_id = ANY (${[...new Set(loopRows.map((r) => r.user_id))]}::uuid[])`.execute(trx)).rows);
  const byKey = new Map(set.map((r) => [`${r.user_id}|${r.day}`, Object.fromEntries(COLUMNS.map((col) => [col, num(r[col])])) as Row]));
  const same = (col: string, x: number | null, y: number | null) =>
    x === null || y === null ? x === y : FLOATS.has(col) ? Math.abs(x - y) <= 1e-9 * Math.max(1, Math.abs(x), Math.abs(y)) : x === y;
  const whole = loopRows.filter((r) => byKey.get(`${r.user_id}|${r.day}`)?.calls === r.figures.calls);
  const mismatches: { user_id: string; day: string; column: string; loop: number | null; set_based: number | null }[] = [];
  for (const r of whole) {
    const m = byKey.get(`${r.user_id}|${r.day}`)!;
    for (const col of COLUMNS) if (!same(col, r.figures[col], m[col])) mismatches.push({ user_id: r.user_id, day: r.day, column: col, loop: r.figures[col], set_based: m[col] });
  }
  const ex = whole[0];
  const user = ex && users.find((u) => u.id === ex.user_id);
  return {
    user_days_whole: whole.length, user_days_partial: loopRows.length - whole.length, columns: COLUMNS.length, mismatches: mismatches.length, first_mismatches: mismatches.slice(0, 10),
    example: ex && { user: user?.email, zone: user?.timezone, day: ex.day, loop: ex.figures, set_based: byKey.get(`${ex.user_id}|${ex.day}`) },
  };
}

/**
 * On PGlite a statement cannot be cancelled and blocks the event loop: a thread of its own writes
 * the section as not finished when the time is up, prints the figures so far and ends the process.
 */
function watchdog(ms: number, record: { id: string; title: string; body: string }, text: string, cleanup: string) {
  const w = new Worker(`
    const { workerData: d } = require('node:worker_threads');
    const fs = require('node:fs');
    setTimeout(async () => {
      const rss = String(Math.round(Number(/VmHWM:\\s+(\\d+)/.exec(fs.readFileSync('/proc/self/status', 'utf8'))?.[1] ?? 0) / 1024));
      const { recordBenchmark } = await import(d.report);
      recordBenchmark(d.record.id, d.record.title, d.record.body.replaceAll('{rss}', rss));
      fs.writeSync(d.json ? 1 : 2, d.text.replaceAll('"{rss}"', rss));
      fs.rmSync(d.cleanup, { recursive: true, force: true });
      process.kill(process.pid, 'SIGKILL'); // not SIGTERM: tsx's handler for it would wait for the blocked thread
    }, d.ms);`, { eval: true, workerData: { ms, record, text, cleanup, json, report: new URL('./report.ts', import.meta.url).href } });
  w.unref();
  return () => w.terminate();
}

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'porchlight-bench-voice-'));
const databaseUrl = await database();
const c = await createContainer(loadConfig({ PORCHLIGHT_DATA_DIR: path.join(work, 'data'), DATABASE_URL: databaseUrl, LOG_LEVEL: 'silent' }),
  { command: 'bench', generateSecret: true, migrate: true });
try {
  const org = await c.tenancy.createOrganization({ slug: 'bench-voice', name: 'Bench Roofing' });
  const actor = c.tenancy.operator(org.id, 'cli');

  say(`seeding ${userCount} users and ${calls.toLocaleString()} calls with ${TURNS} turns each over ${DAYS} days (${FIRST_DAY} to ${LAST_DAY}), ${CHUNK.toLocaleString()} calls a statement ...`);
  let t = performance.now();
  const users = await seedUsers(c, actor, userCount);
  for (let done = 0; done < calls; done += CHUNK) {
    await seedCalls(c, actor, users, done, Math.min(CHUNK, calls - done));
    say(`  ${Math.min(done + CHUNK, calls).toLocaleString()} calls (${((performance.now() - t) / 1000).toFixed(1)} s)`);
  }
  say('  VACUUM ANALYZE ...');
  await c.db.execScript('VACUUM ANALYZE');
  const seedSeconds = (performance.now() - t) / 1000;
  const seeded = await withTenant(c.db, actor, async (trx) => ({
    calls: await count(trx, 'voice_call'), turns: await count(trx, 'voice_call_turn'), bookings: await count(trx, 'voice_booking'),
    live_bookings: Number((await sql<{ n: number }>`SELECT count(*)::int AS n FROM voice_booking WHERE status <> 'cancelled'`.execute(trx)).rows[0]!.n),
    billing_usage: await count(trx, 'billing_usage'), cost_ledger: await count(trx, 'cost_ledger'),
    outcomes: Object.fromEntries((await sql<{ outcome: string | null; n: number }>`SELECT outcome, count(*)::int AS n FROM voice_call GROUP BY 1 ORDER BY 2 DESC`.execute(trx)).rows.map((r) => [r.outcome ?? 'none', r.n])),
  }));
  say(`  seeded in ${seedSeconds.toFixed(1)} s: ${seeded.calls.toLocaleString()} calls, ${seeded.turns.toLocaleString()} turns, ${seeded.bookings.toLocaleString()} bookings; `
    + `the billing trigger wrote ${seeded.billing_usage.toLocaleString()} billing_usage and ${seeded.cost_ledger.toLocaleString()} cost_ledger rows`);

  say(`per call, on ${slice.toLocaleString()} calls (3 queries a call, one upsert per user and day) ...`);
  const loop = await perCallLoop(c, actor, users);
  say(`  ${loop.seconds.toFixed(2)} s, ${loop.calls_per_second.toLocaleString()} calls/s, ${loop.user_days} (user, day) rows`);

  let plan: string[] | undefined;
  if (explain) {
    say('EXPLAIN of the first recompute (the planner\'s estimates) ...');
    plan = await explainRecompute(c, actor, false);
    say(plan.join('\n'));
  }

  const target = engine === 'pg' ? 20 : 90;
  const limit = Number(opt('timeout', String(5 * target)));
  const name = engine === 'pg' ? 'PostgreSQL 15 server' : 'PGlite (file-backed, in-process)';
  const base = { engine, calls: seeded.calls, turns: seeded.turns, users: userCount, days: DAYS, from: FIRST_DAY, to: LAST_DAY, seed_seconds: seedSeconds, seeded, target_seconds: target };
  const perCall = { calls: loop.calls, queries: loop.queries, user_days: loop.user_days, seconds: loop.seconds, calls_per_second: loop.calls_per_second, estimated_seconds_all_calls: calls / loop.calls_per_second };
  const mix = OUTCOME_MIX.map(([o, p]) => `${p}% ${o.replace('_', ' ')}`).join(', ');
  const lines = (first: string, rest: string[], rss: string) => [
    `${seeded.calls.toLocaleString()} calls with ${TURNS} turns each (${seeded.turns.toLocaleString()} turns; every call has its 10, unanswered ones included, the issue's size) across ${userCount} users in four US zones and ${DAYS} days (${FIRST_DAY} to ${LAST_DAY}, across the switch to daylight time); `
      + `outcomes as outbound calling has them (${mix}); ${seeded.live_bookings.toLocaleString()} live bookings and ${(seeded.bookings - seeded.live_bookings).toLocaleString()} cancelled. `
      + `Seeded by set-based SQL in ${seedSeconds.toFixed(1)} s, through the billing trigger on voice_call (${seeded.billing_usage.toLocaleString()} billing_usage and ${seeded.cost_ledger.toLocaleString()} cost_ledger rows), then VACUUM ANALYZE.`,
    '',
    first,
    ...rest,
    `- the naive job, per call (a query for the call, its turns, its booking; one upsert per user and day, one transaction) on ${loop.calls.toLocaleString()} calls: ${loop.seconds.toFixed(2)} s, **${loop.calls_per_second.toLocaleString()} calls/s** `
      + `(about ${Math.round(calls / loop.calls_per_second).toLocaleString()} s for all ${calls.toLocaleString()} calls)`,
    `- peak RSS ${rss} MB${engine === 'pglite' ? ' (the database included)' : ''}`,
  ].join('\n');
  const notFinished = (s: number) => `- **recompute of the ${DAYS} days: did not finish in ${s.toFixed(0)} s** (target under ${target} s: NOT met); stopped there${engine === 'pg' ? ' by statement_timeout' : ' by the bench\'s watchdog'}, so no rows, no second run and no cross-check; the per-call loop below would have done all ${calls.toLocaleString()} calls in about ${Math.round(calls / loop.calls_per_second).toLocaleString()} s`;

  say(`first recompute, ${DAYS} days, table empty (stopped after ${limit} s) ...`);
  const disarm = engine === 'pglite'
    ? watchdog(limit * 1000, { id: `voice-${engine}`, title: `Voice metrics: daily metrics recomputed, ${name}`, body: lines(notFinished(limit), [], '{rss}') },
      JSON.stringify({ ...base, first: { finished: false, seconds: limit }, target_met: false, per_call: perCall, peak_rss_mb: '{rss}', plan }, null, 2) + '\n', work)
    : () => undefined;
  let first: Awaited<ReturnType<typeof recompute>> | null = null;
  try {
    first = await recompute(c, actor, limit);
  } catch (e) {
    if ((e as { code?: string }).code !== '57014' && !/statement timeout/.test(String((e as Error).message))) throw e;
    say(`  did not finish in ${limit} s (statement_timeout)`);
  } finally {
    await disarm();
  }

  let peak = hwm();
  let result: Record<string, unknown>;
  if (first) {
    const afterFirst = await snapshot(c, actor);
    say(`  ${first.seconds.toFixed(2)} s, ${first.rows.toLocaleString()} rows`);
    say('second recompute, nothing moved ...');
    const second = await recompute(c, actor, limit);
    const afterSecond = await snapshot(c, actor);
    const rewritten = await withTenant(c.db, actor, async (trx) => Number((await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM voice_metrics_daily WHERE updated_at > ${afterFirst.last}::timestamptz`.execute(trx)).rows[0]!.n));
    const unchanged = afterSecond.digest === afterFirst.digest && afterSecond.rows === afterFirst.rows;
    say(`  ${second.seconds.toFixed(2)} s, ${rewritten} rows rewritten, figures ${unchanged ? 'the same' : 'CHANGED'}`);
    const check = await crossCheck(c, actor, users, loop.rows);
    say(`cross-check: ${check.user_days_whole} (user, day) rows wholly in the slice, ${check.mismatches} figures differ from the set-based rows`);
    if (explain) {
      say('EXPLAIN ANALYZE of the first recompute (rolled back) ...');
      plan = await explainRecompute(c, actor, true);
      say(plan.join('\n'));
    }
    peak = Math.max(peak, hwm());
    const rate = Math.round(calls / first.seconds);
    const ratio = rate / loop.calls_per_second;
    const met = first.seconds < target;
    result = {
      ...base,
      first: { finished: true, seconds: first.seconds, calls_per_second: rate, rows: first.rows, removed: first.removed, table_rows: afterFirst.rows },
      second: { seconds: second.seconds, rows: second.rows, removed: second.removed, rows_rewritten: rewritten, figures_unchanged: unchanged },
      target_met: met, per_call: { ...perCall, check }, ratio, peak_rss_mb: Math.round(peak / 2 ** 20), plan,
    };
    recordBenchmark(`voice-${engine}`, `Voice metrics: daily metrics recomputed, ${name}`, lines(
      `- **recompute of the ${DAYS} days: ${first.seconds.toFixed(1)} s** (${rate.toLocaleString()} calls/s; target under ${target} s: ${met ? 'met' : 'NOT met'}): ${first.rows.toLocaleString()} (user, day) rows, one statement; set-based **${ratio.toFixed(0)}× faster** than the per-call loop below`,
      [`- run again, nothing moved: ${second.seconds.toFixed(1)} s, ${rewritten} rows rewritten, ${second.removed} removed, figures ${unchanged ? 'identical' : 'CHANGED'}`,
        `- cross-check: the loop's ${check.user_days_whole} (user, day) rows whose calls were all in the slice equal the set-based rows in all ${COLUMNS.length} figures: ${check.mismatches === 0 ? 'yes' : `NO, ${check.mismatches} figures differ`}`],
      String(result.peak_rss_mb)));
  } else {
    result = { ...base, first: { finished: false, seconds: limit }, target_met: false, per_call: perCall, peak_rss_mb: Math.round(peak / 2 ** 20), plan };
    recordBenchmark(`voice-${engine}`, `Voice metrics: daily metrics recomputed, ${name}`, lines(notFinished(limit), [], String(result.peak_rss_mb)));
  }
  const text = JSON.stringify(result, null, 2) + '\n';
  if (json) process.stdout.write(text);
  else process.stderr.write(text);
} finally {
  await c.close();
  fs.rmSync(work, { recursive: true, force: true });
}
process.exit(0);
