import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { locateRecipient } from '../../src/domain/compliance/recipient.ts';
import { timing } from '../../src/domain/compliance/timing.ts';
import { playScript } from '../../src/providers/voice/local-script.ts';
import { cliEnv, cliEnvs, CLI_TEST_TIMEOUT, queryCliDatabase as query, runCli } from '../support/cli.ts';

// Calls, bookings, voice configuration and metrics from the command line, as a user runs them,
// on the local voice adapter (a scripted person answers); then kill -9 at the worst moments of
// placing a call, and the next `calls tick` plays it exactly once.
//
// These processes run at the real time, and the gate keeps calls to the owner's calling hours:
// the owners live where it is daytime now (the gate's own timing rules pick the place). No US
// place is inside the federal 8:00-21:00 between 11:00 and 12:00 UTC; then the tests that need a
// call to go through do not run (the gate's hours are tested with a fixed clock in test/medium).

const PLACES = [
  { city: 'New York', state: 'NY', zip: '10001', npa: '212' }, { city: 'Chicago', state: 'IL', zip: '60601', npa: '312' },
  { city: 'Denver', state: 'CO', zip: '80202', npa: '303' }, { city: 'San Francisco', state: 'CA', zip: '94103', npa: '415' },
  { city: 'Honolulu', state: 'HI', zip: '96813', npa: '808' }, { city: 'Hagatna', state: 'GU', zip: '96910', npa: '671' },
  { city: 'San Juan', state: 'PR', zip: '00901', npa: '787' },
];
/** A place where an AI call is within the hours from now for the next 30 minutes (more than the tests take). */
const DAYTIME = PLACES.find((p) => [0, 10, 20, 30].every((min) => timing({
  channel: 'ai_call', ...locateRecipient({ phone: `+1${p.npa}5551000`, mailingZip: p.zip, mailingState: p.state }), at: new Date(Date.now() + min * 60_000), prior: [], hasConsent: true,
}).allowed));
const PLACE = DAYTIME ?? PLACES[0]!;
const phone = (i: number) => `+1${PLACE.npa}555${1000 + i}`;
const OWNER = 'owner@acme-roofing.example';
const DISCLOSURE = 'This call may be recorded for quality and training.';

let dir: string;
let envs: ReturnType<typeof cliEnvs>;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'porchlight-voice-cli-'));
  envs = cliEnvs(dir, { PORCHLIGHT_SECRET_KEY: 'voice-cli-test-secret-voice-cli-test-0123' });
});
afterAll(async () => {
  await envs.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const ok = async (args: string[], env: NodeJS.ProcessEnv) => {
  const r = await runCli(args, env);
  expect(r.code, `${args.join(' ')}\n${r.stderr}`).toBe(0);
  return r;
};

/** An organization with a sender, an owner user, and leads (by first name) whose owners live at PLACE. */
async function prepared(name: string, owners: string[]) {
  const env = await envs.fresh(name);
  await ok(['outreach', 'settings', '--org', 'acme', '--set', 'sender_name=Acme Roofing', '--set', 'from_phone=+15125550199'], env);
  await ok(['user', 'create', '--org', 'acme', '--email', OWNER, '--role', 'owner'], env);
  const csv = path.join(dir, `${name}.csv`);
  fs.writeFileSync(csv, ['Address,City,State,Zip,Owner,Phone,Mailing Address,Mailing City,Mailing State,Mailing Zip',
    ...owners.map((o, i) => `${100 + i} Oak St,Austin,TX,78701,${o} Owner,${phone(i)},${200 + i} Main St,${PLACE.city},${PLACE.state},${PLACE.zip}`)].join('\n') + '\n');
  await ok(['import', 'leads', csv, '--org', 'acme', '--json'], env);
  const leads = await query<{ id: string; first_name: string }>(env, 'SELECT l.id, pe.first_name FROM lead l JOIN person pe ON pe.id = l.person_id');
  expect(leads).toHaveLength(owners.length);
  return { env, lead: Object.fromEntries(leads.map((l) => [l.first_name, l.id])) as Record<string, string>, phoneOf: (o: string) => phone(owners.indexOf(o)) };
}
const consent = (env: NodeJS.ProcessEnv, number: string) => ok(['consent', 'record', '--org', 'acme', '--phone', number, '--seller', 'Acme Roofing', '--scope', 'voice,ai_voice',
  '--type', 'pewc', '--method', 'web_form', '--disclosure', 'I agree that Acme Roofing may call me at this number with an artificial voice.'], env);
const dncOf = (env: NodeJS.ProcessEnv, leadId: string) => query<{ channels: string[] | null; source: string }>(env, `
  SELECT d.channels, d.source FROM dnc_entry d JOIN contact_point c ON c.organization_id = d.organization_id AND c.value_hash = d.value_hash
  JOIN lead l ON l.person_id = c.person_id WHERE l.id = '${leadId}' AND c.kind = 'phone'`);

// one organization for every test of this file: each CLI process costs seconds
let setup: ReturnType<typeof prepared> | undefined;
const shared = () => (setup ??= prepared('voice', ['Ann', 'Bob', 'Cy', 'Dee', 'Eve', 'Fay']));

describe('porchlight calls, bookings and voice (CLI)', { timeout: CLI_TEST_TIMEOUT }, () => {
  let env: NodeJS.ProcessEnv;
  let lead: Record<string, string>;
  let phoneOf: (o: string) => string;
  const run = (...args: string[]) => runCli([...args, '--org', 'acme'], env);

  beforeAll(async () => {
    ({ env, lead, phoneOf } = await shared());
  }, CLI_TEST_TIMEOUT);

  it('places no call without consent for an artificial voice: the call says the gate blocked it, exit 0', async () => {
    const r = await run('calls', 'start', '--lead', lead.Ann!);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^call [0-9a-f-]{36}\s+AI outbound to \+1\d{3}•••\d{4}\s+failed$/m);
    expect(r.stdout).toMatch(/^blocked by the gate: NO_CONSENT_ARTIFICIAL_VOICE \(decision [0-9a-f-]{36}\)$/m);
    expect(r.stdout).toMatch(/^events: none$/m);
    expect(await query(env, `SELECT count(*)::int AS n FROM local_outbox`)).toEqual([{ n: 0 }]);
  });

  it.runIf(DAYTIME)('with consent, plays the call, books the inspection, shows its turns and events; a key places it once', async () => {
    await consent(env, phoneOf('Ann'));
    const r = await run('calls', 'start', '--lead', lead.Ann!, '--scenario', 'scheduled', '--goal', 'schedule', '--key', 'ann-once', '--json');
    expect(r.code, r.stderr).toBe(0);
    const call = r.json();
    expect(call).toMatchObject({ status: 'completed', outcome: 'scheduled', gate_decision: 'allow', conversation_goal: 'schedule', interest_level: 'high' });
    expect(call.booking).toMatchObject({ status: 'confirmed', booking_type: 'inspection', estimator_id: expect.any(String) });
    expect(await query(env, `SELECT u.email FROM voice_booking b JOIN app_user u ON u.id = b.estimator_id WHERE b.call_id = '${call.id}'`)).toEqual([{ email: OWNER }]);

    const shown = await run('calls', 'show', call.id);
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toContain(`call ${call.id}`);
    expect(shown.stdout).toMatch(/completed → scheduled/);
    expect(shown.stdout).toMatch(/^booking: inspection \d{4}-\d\d-\d\d \d\d:\d\d:\d\d \(confirmed\) /m);
    expect(shown.stdout).toMatch(/^seq\s+at\s+who\s+text\s+latency_ms\s+confidence_score\s+barge$/m);
    expect(shown.stdout).toMatch(/^1\s+\d+\.\ds\s+agent\s+Hi Ann, this is an AI assistant calling/m);
    expect(shown.stdout).toMatch(/^\d+\s+\d+\.\ds\s+tool:book_appointment\s+book_appointment/m);
    expect(shown.stdout).toMatch(/^events: call_initiated → call_ringing → call_answered → .* → call_ended/m);

    // the same key again: the same call, placed and played once
    const again = await run('calls', 'start', '--lead', lead.Ann!, '--scenario', 'scheduled', '--goal', 'schedule', '--key', 'ann-once', '--json');
    expect(again.code, again.stderr).toBe(0);
    expect(again.json()).toMatchObject({ id: call.id, outcome: 'scheduled', status: 'completed' });
    expect(await query(env, `SELECT (SELECT count(*) FROM message WHERE idempotency_key = 'call:ann-once')::int AS messages,
        (SELECT count(*) FROM voice_call c JOIN message m ON m.id = c.message_id WHERE m.idempotency_key = 'call:ann-once')::int AS calls,
        (SELECT count(*) FROM local_outbox WHERE idempotency_key = 'call:ann-once')::int AS dialed,
        (SELECT count(*) FROM voice_call_event WHERE call_id = '${call.id}' AND event_type = 'call_ended')::int AS ended`))
      .toEqual([{ messages: 1, calls: 1, dialed: 1, ended: 1 }]);
    const listed = await run('calls', 'list', '--lead', lead.Ann!, '--outcome', 'scheduled', '--json');
    expect(listed.json().map((c: { id: string }) => c.id)).toEqual([call.id]);
  });

  it('logs an inbound call whose opt-out lists the number; refuses bad input naming the field', async () => {
    const r = await run('calls', 'log', '--lead', lead.Cy!, '--direction', 'inbound', '--started-at', '2026-03-10T09:30:00-05:00', '--duration', '125',
      '--outcome', 'opt_out', '--summary', 'asked to be removed', '--json');
    expect(r.code, r.stderr).toBe(0);
    expect(r.json()).toMatchObject({ direction: 'inbound', source: 'inbound', status: 'completed', outcome: 'opt_out', duration_seconds: 125, summary: 'asked to be removed' });
    expect(await dncOf(env, lead.Cy!)).toEqual([{ channels: null, source: 'call_opt_out' }]);
    // the gate knows it at once
    const blocked = await run('calls', 'start', '--lead', lead.Cy!);
    expect(blocked.stdout).toMatch(/^blocked by the gate: (INTERNAL_DNC|OPTED_OUT)/m);

    const bad = await run('calls', 'log', '--lead', lead.Cy!, '--started-at', 'yesterday', '--duration', '-5', '--outcome', 'great');
    expect(bad.code).toBe(3);
    for (const m of [/started_at: an ISO 8601 time/, /duration_seconds: Too small/, /outcome: Invalid option/]) expect(bad.stderr).toMatch(m);
    expect(await query(env, `SELECT count(*)::int AS n FROM voice_call WHERE lead_id = '${lead.Cy}' AND source = 'inbound'`)).toEqual([{ n: 1 }]);
  });

  it('books an estimator once per window (CONFLICT on an overlap), reschedules to revision 2, cancels', async () => {
    const book = (start: string, end: string, ...more: string[]) => run('bookings', 'create', '--lead', lead.Bob!, '--estimator', OWNER, '--start', start, '--end', end, ...more);
    const first = await book('2030-01-15T15:00:00Z', '2030-01-15T16:00:00Z', '--type', 'estimate', '--json');
    expect(first.code, first.stderr).toBe(0);
    const id = first.json().id;
    expect(first.json()).toMatchObject({ status: 'confirmed', revision: 1, booking_type: 'estimate', estimator_name: OWNER });
    const clash = await book('2030-01-15T15:30:00Z', '2030-01-15T16:30:00Z', '--json');
    expect(clash.code).toBe(1);
    expect(clash.stderr).toMatch(/^porchlight bookings create: the estimator already has a booking in this window$/m);
    expect(clash.json().error).toMatchObject({ code: 'CONFLICT', details: [{ field: 'window_start' }] });

    const moved = await run('bookings', 'reschedule', id, '--start', '2030-01-16T15:00:00Z', '--end', '2030-01-16T16:00:00Z');
    expect(moved.code, moved.stderr).toBe(0);
    expect(moved.stdout.trim()).toBe(`booking ${id}: rescheduled, 2030-01-16 15:00:00–2030-01-16 16:00:00 (revision 2)`);

    const cancelled = await run('bookings', 'cancel', id);
    expect(cancelled.code, cancelled.stderr).toBe(0);
    expect(cancelled.stdout.trim()).toBe(`booking ${id}: cancelled, 2030-01-16 15:00:00–2030-01-16 16:00:00 (revision 2)`);
    expect(await query(env, `SELECT status, revision FROM voice_booking WHERE lead_id = '${lead.Bob}' ORDER BY window_start`))
      .toEqual([{ status: 'cancelled', revision: 2 }]);
  });

  it("changes a user's voice and AI configuration within its ranges; do-not-call compliance stays on", async () => {
    const cfg = (...args: string[]) => run('voice', 'config', '--user', OWNER, ...args);
    const refused = await cfg('--set', 'max_retries=9', '--set', 'dnc_compliance=false');
    expect(refused.code).toBe(3);
    expect(refused.stderr).toMatch(/max_retries: Too big: expected number to be <=5/);
    expect(refused.stderr).toMatch(/dnc_compliance: do-not-call compliance cannot be turned off/);

    const set = await cfg('--set', 'max_retries=4', '--set', 'retry_delay_minutes=30');
    expect(set.code, set.stderr).toBe(0);
    expect(set.stdout).toMatch(/^max_retries\s+4$/m);
    expect(set.stdout).toMatch(/^retry_delay_minutes\s+30$/m);
    expect(set.stdout).toMatch(/^dnc_compliance\s+true$/m);
    const ai = await cfg('--ai', '--set', 'voice_speed=1.2');
    expect(ai.code, ai.stderr).toBe(0);
    expect(ai.stdout).toMatch(/^kind\s+ai$/m);
    expect(ai.stdout).toMatch(/^voice_speed\s+1\.2$/m);
    expect(await query(env, `SELECT v.max_retries, v.retry_delay_minutes, v.dnc_compliance, a.voice_speed::float8 AS voice_speed
      FROM voice_configuration v JOIN ai_configuration a USING (organization_id, user_id)`)).toEqual([{ max_retries: 4, retry_delay_minutes: 30, dnc_compliance: true, voice_speed: 1.2 }]);
  });

  it('recomputes the daily metrics into a table and an outcomes chart; recomputing again changes no row', async () => {
    const DAY = '2026-03-12';
    for (const [at, seconds, outcome] of [['10:00', '240', 'scheduled'], ['11:00', '60', 'rejected'], ['12:00', '0', 'no_answer']]) {
      await ok(['calls', 'log', '--org', 'acme', '--lead', lead.Bob!, '--started-at', `${DAY}T${at}:00-04:00`, '--duration', seconds!, '--outcome', outcome!], env);
    }
    const metrics = (...more: string[]) => run('voice', 'metrics', '--from', DAY, '--to', DAY, ...more);
    expect((await metrics()).stdout).toMatch(/^no calls from 2026-03-12 to 2026-03-12 \(add --recompute/m);

    const text = await metrics('--recompute');
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/^day\s+user\s+calls\s+connects\s+bookings\s+booking_rate\s+avg_duration_s/m);
    expect(text.stdout).toMatch(/^2026-03-12\s+\(org agent\)\s+3\s+2\s+0\s+0\.0%\s+150\s/m);
    expect(text.stdout).toContain('3 calls, 2 connected (66.7%), 0 booked (0.0% of connects), 5 minutes, $0.10');
    expect(text.stdout).toMatch(/^outcomes$/m);
    for (const o of ['scheduled', 'rejected', 'no_answer']) expect(text.stdout).toMatch(new RegExp(`^${o}\\s+█{30}\\s+1$`, 'm'));
    for (const o of ['callback', 'voicemail', 'opt_out', 'failed']) expect(text.stdout).toMatch(new RegExp(`^${o}\\s+0$`, 'm'));

    const stored = () => query(env, 'SELECT * FROM voice_metrics_daily ORDER BY day, user_id');
    const before = await stored();
    expect(before).toHaveLength(1);
    const json = await metrics('--recompute', '--json');
    expect(json.code, json.stderr).toBe(0);
    expect(json.json().rows).toEqual([expect.objectContaining({
      day: DAY, user_id: null, calls: 3, connects: 2, bookings: 0, avg_duration_s: 150, talk_minutes: 5, cost_cents: 10,
      outcome_scheduled: 1, outcome_rejected: 1, outcome_no_answer: 1, outcome_opt_out: 0,
    })]);
    expect(json.json().totals).toMatchObject({ calls: 3, connects: 2, bookings: 0, talk_minutes: 5, cost_cents: 10, outcomes: { scheduled: 1, rejected: 1, no_answer: 1, opt_out: 0, callback: 0 } });
    // the same values: not rewritten (updated_at too)
    expect(await stored()).toEqual(before);
  });
});

// ---- kill -9 while placing a call ---------------------------------------------------------

/** The conversation the local adapter plays for a call: the seed is the call's id. */
const scripted = (c: { id: string; first_name: string; record: boolean; max_duration_seconds: number; conversation_goal: 'qualify' }) => playScript({
  providerCallId: 'p', placedAt: new Date(), seed: c.id, goal: c.conversation_goal, ai: true, senderName: 'Acme Roofing', firstName: c.first_name,
  recordingDisclosure: c.record ? DISCLOSURE : null, maxDurationSeconds: c.max_duration_seconds, scenario: 'follow_up',
});

describe.runIf(DAYTIME)('crash safety of placing a call (CLI, kill -9)', { timeout: CLI_TEST_TIMEOUT }, () => {
  let env: NodeJS.ProcessEnv;
  let lead: Record<string, string>;
  const TICK = ['calls', 'tick', '--org', 'acme', '--json'];

  beforeAll(async () => {
    let phoneOf: (o: string) => string;
    ({ env, lead, phoneOf } = await shared());
    for (const o of ['Dee', 'Eve', 'Fay']) await consent(env, phoneOf(o));
  }, CLI_TEST_TIMEOUT);

  const callOf = async (key: string) => (await query<{ id: string; first_name: string; record: boolean; max_duration_seconds: number; conversation_goal: 'qualify'; message: string; provider_call_id: string | null }>(env, `
    SELECT c.id, pe.first_name, c.record, c.max_duration_seconds, c.conversation_goal, m.status AS message, c.provider_call_id
    FROM voice_call c JOIN message m ON m.id = c.message_id JOIN person pe ON pe.id = c.person_id WHERE m.idempotency_key = 'call:${key}'`))[0]!;

  /** A call (answered: the scenario is kept with it) whose process was killed at the failpoint. */
  async function killedCall(failpoint: string, leadId: string) {
    const key = failpoint;
    const killed = await runCli(['calls', 'start', '--org', 'acme', '--lead', leadId, '--key', key, '--scenario', 'follow_up', '--json'], cliEnv({ ...env, PORCHLIGHT_FAILPOINT: failpoint }));
    expect(killed.code, killed.stderr).toBeNull();
    return { key, call: await callOf(key) };
  }

  const outcome = async (key: string, id: string) => ({
    counts: await query(env, `SELECT (SELECT count(*) FROM message WHERE idempotency_key = 'call:${key}')::int AS messages,
        (SELECT count(*) FROM voice_call c JOIN message m ON m.id = c.message_id WHERE m.idempotency_key = 'call:${key}')::int AS calls,
        (SELECT count(*) FROM local_outbox WHERE idempotency_key = 'call:${key}')::int AS dialed,
        (SELECT count(*) FROM voice_call_event WHERE call_id = '${id}' AND event_type = 'call_ended')::int AS ended,
        (SELECT count(*) FROM billing_usage WHERE subject_id = '${id}' AND metric = 'voice_minutes')::int AS billed,
        (SELECT count(*) FROM cost_ledger WHERE idempotency_key = 'voice_call:${id}')::int AS ledger`),
    events: (await query<{ event_type: string }>(env, `SELECT event_type FROM voice_call_event WHERE call_id = '${id}'`)).map((e) => e.event_type).sort(),
    turns: (await query<{ n: number }>(env, `SELECT count(*)::int AS n FROM voice_call_turn WHERE call_id = '${id}'`))[0]!.n,
    call: await query(env, `SELECT c.*, m.status AS message_status, l.cost_cents AS ledger_cents FROM voice_call c JOIN message m ON m.id = c.message_id
      LEFT JOIN cost_ledger l ON l.idempotency_key = 'voice_call:' || c.id WHERE c.id = '${id}'`),
  });

  /** Played once, exactly the scripted conversation, billed once; a second tick changes nothing. */
  async function expectPlayedOnce(key: string, call: Awaited<ReturnType<typeof callOf>>) {
    const script = scripted(call);
    const done = await outcome(key, call.id);
    expect(done.counts).toEqual([{ messages: 1, calls: 1, dialed: 1, ended: 1, billed: 1, ledger: 1 }]);
    expect(done.events).toEqual(script.map((e) => e.type).sort());
    expect(done.turns).toBe(script.filter((e) => e.turn).length);
    expect(done.call[0]).toMatchObject({ status: 'completed', message_status: 'delivered', ledger_cents: (done.call[0] as { total_cost_cents: unknown }).total_cost_cents });
    expect((await ok(TICK, env)).json()).toMatchObject({ played: 0, recovered: 0 });
    expect(await outcome(key, call.id)).toEqual(done);
  }

  it('killed after the carrier took the call, before it played: the next tick plays it once', async () => {
    const { key, call } = await killedCall('voice.placed:1', lead.Dee!);
    expect(call).toMatchObject({ message: 'sent', provider_call_id: expect.stringMatching(/^local-/) });
    expect((await outcome(key, call.id)).events).toEqual([]);
    expect((await ok(TICK, env)).json()).toMatchObject({ played: 1 });
    await expectPlayedOnce(key, call);
  });

  it("killed inside the events' transaction: none of them stays, and the next tick plays the call once", async () => {
    const { key, call } = await killedCall('voice.applied:1', lead.Eve!);
    const left = await outcome(key, call.id);
    expect(left.events).toEqual([]);
    expect(left.turns).toBe(0);
    expect(left.call[0]).toMatchObject({ status: 'initiated', ended_at: null, message_status: 'sent' });
    expect((await ok(TICK, env)).json()).toMatchObject({ played: 1 });
    await expectPlayedOnce(key, call);
  });

  it('killed after the local adapter took the call, before that was recorded: settled after the stranded window, played once', async () => {
    const { key, call } = await killedCall('outbox.handed:1', lead.Fay!);
    expect(call).toMatchObject({ message: 'sending', provider_call_id: null });
    expect((await outcome(key, call.id)).counts[0]).toMatchObject({ dialed: 1, ended: 0 });
    // within the stranded window (300 s by default) it is left alone: the process may still be at it
    expect((await ok(TICK, env)).json()).toMatchObject({ played: 0, recovered: 0 });
    expect((await callOf(key)).message).toBe('sending');
    expect((await ok([...TICK, '--stranded-after', '0'], env)).json()).toMatchObject({ recovered: 1, played: 1 });
    await expectPlayedOnce(key, call);
  });
});
