import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliEnv, cliEnvs, CLI_TEST_TIMEOUT, queryCliDatabase as query, runCli } from '../support/cli.ts';

// Kill -9 in the middle of a sequence tick, at the worst moments: inside a batch's transaction
// (nothing of it stays), after the batch committed and before its messages were dispatched (they
// wait, pending), and after the local adapter took them and before that was recorded (they are
// "sending"). The next tick finishes the work and every message goes out exactly once.

const TICK = ['sequences', 'tick', '--org', 'acme', '--batch', '4', '--stranded-after', '0', '--json'];
const LEADS = 12;

describe('crash safety of the sequence engine (CLI, kill -9)', { timeout: CLI_TEST_TIMEOUT }, () => {
  let dir: string;
  let envs: ReturnType<typeof cliEnvs>;

  const ok = async (args: string[], env: NodeJS.ProcessEnv) => {
    const r = await runCli(args, env);
    expect(r.code, r.stderr).toBe(0);
    return r;
  };

  /** An organization with leads to text, a sequence (START → SMS → END, any hour) and every lead enrolled. */
  async function prepared(name: string) {
    const env = await envs.fresh(name);
    const csv = path.join(dir, `${name}.csv`);
    fs.writeFileSync(csv, ['Address,City,State,Zip,Owner,Phone',
      ...Array.from({ length: LEADS }, (_, i) => `${100 + i} Oak St,Austin,TX,78701,Pat Owner${i},+1512555${String(1000 + i)}`)].join('\n') + '\n');
    await ok(['import', 'leads', csv, '--org', 'acme', '--json'], env);
    await query(env, `UPDATE organization SET settings = settings || '{"outreach": {"sender_name": "Acme Roofing", "from_phone": "+15125550199"}}'::jsonb`);
    const def = path.join(dir, `${name}.json`);
    fs.writeFileSync(def, JSON.stringify({
      name: 'Reminder', purpose: 'informational', timezone: 'America/Chicago', working_hours_start: '00:00', working_hours_end: '24:00', working_days: [1, 2, 3, 4, 5, 6, 7],
      nodes: [{ key: 'start', type: 'START' }, { key: 'text', type: 'SMS', config: { template: { body: 'Hi {{person.first_name | "there"}}, your inspection is tomorrow.' } } }, { key: 'end', type: 'END' }],
      edges: [{ from: 'start', to: 'text' }, { from: 'text', to: 'end' }],
    }));
    await ok(['sequences', 'create', def, '--org', 'acme', '--json'], env);
    await ok(['segments', 'create', 'everyone', '--org', 'acme', '--filter', '{"status":["new"]}', '--json'], env);
    const enrolled = await ok(['sequences', 'enroll', 'Reminder', '--segment', 'everyone', '--org', 'acme', '--json'], env);
    expect(enrolled.json()).toMatchObject({ enrolled: LEADS });
    return env;
  }

  const outcome = async (env: NodeJS.ProcessEnv) => ({
    outbox: await query<{ n: number; keys: number }>(env, 'SELECT count(*)::int AS n, count(DISTINCT idempotency_key)::int AS keys FROM local_outbox'),
    messages: await query<{ status: string; n: number }>(env, 'SELECT status, count(*)::int AS n FROM message GROUP BY 1 ORDER BY 1'),
    enrollments: await query<{ status: string; n: number }>(env, 'SELECT status, count(*)::int AS n FROM sequence_enrollment GROUP BY 1 ORDER BY 1'),
    steps: await query<{ n: number; distinct: number }>(env, 'SELECT count(*)::int AS n, count(DISTINCT (enrollment_id, step))::int AS distinct FROM sequence_execution'),
  });
  const DONE = {
    outbox: [{ n: LEADS, keys: LEADS }], messages: [{ status: 'sent', n: LEADS }], enrollments: [{ status: 'completed', n: LEADS }],
    steps: [{ n: 3 * LEADS, distinct: 3 * LEADS }],
  };

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'porchlight-sequences-crash-'));
    envs = cliEnvs(dir, { PORCHLIGHT_SECRET_KEY: 'crash-test-secret-crash-test-secret-0123' });
  });
  afterAll(async () => {
    await envs.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('sends every message once in a tick nobody kills', async () => {
    const env = await prepared('clean');
    const r = await ok(TICK, env);
    expect(r.json()).toMatchObject({ steps: { enrollments: LEADS, batches: 3, messages: LEADS, dispatch: { sent: LEADS } } });
    expect(await outcome(env)).toEqual(DONE);
    // its hours change after the fact, from the command line too; a bad hour is exit 3 naming the option's field
    const bad = await runCli(['sequences', 'update', 'Reminder', '--until', '25:00', '--org', 'acme', '--json'], env);
    expect([bad.code, bad.stderr]).toEqual([3, expect.stringContaining('working_hours_end')]);
    const changed = await ok(['sequences', 'update', 'Reminder', '--from', '08:00', '--until', '18:00', '--days', '1,2,3', '--org', 'acme', '--json'], env);
    expect(changed.json()).toMatchObject({ working_hours_start: '08:00', working_hours_end: '18:00', working_days: [1, 2, 3] });
  });

  it.each(['sequences.batch.written:2', 'sequences.batch.committed:2', 'outbox.handed:2'])('a tick killed at %s is finished by the next, each message sent once', async (failpoint) => {
    const env = await prepared(failpoint.replace(/[^a-z0-9]+/g, '-'));
    const killed = await runCli(TICK, cliEnv({ ...env, PORCHLIGHT_FAILPOINT: failpoint }));
    expect(killed.code, killed.stderr).toBeNull();
    const left = await outcome(env);
    expect(left.outbox[0]!.n).toBeLessThan(LEADS);
    await ok(TICK, env);
    expect(await outcome(env)).toEqual(DONE);
  });
});
