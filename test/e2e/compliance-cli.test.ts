import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliTestEnv, CLI_TEST_TIMEOUT, runCli } from '../support/cli.ts';

// The gate and consents from the command line, on the engine of this run.

describe('porchlight compliance and consent', { timeout: CLI_TEST_TIMEOUT }, () => {
  let t: Awaited<ReturnType<typeof cliTestEnv>>;
  let env: NodeJS.ProcessEnv;
  beforeAll(async () => {
    t = await cliTestEnv('compliance-cli', { demo: true });
    ({ env } = t);
  });
  afterAll(async () => t.close());

  it('checks, keeps consent, defers at night with the time in the recipient\'s zone, and logs every answer', async () => {
    const check = (...extra: string[]) => runCli(['compliance', 'check', '--org', 'demo', '--phone', '+13055550101', '--zip', '33101', '--state', 'FL', '--channel', 'sms', ...extra], env);
    const cold = await check('--at', '2026-03-10T19:30:00-04:00');
    expect(cold.code, cold.stderr).toBe(0);
    expect(cold.stdout).toMatch(/^DENY: PEWC_REQUIRED:SMS_MARKETING/);
    const kept = await runCli(['consent', 'record', '--org', 'demo', '--phone', '305-555-0101', '--seller', 'Demo Realty', '--scope', 'sms,voice', '--type', 'pewc',
      '--method', 'web_form', '--captured-at', '2026-02-01T12:00:00-05:00', '--disclosure', 'I agree to automated texts and calls from Demo Realty; not a condition of purchase.', '--json'], env);
    expect(kept.code, kept.stderr).toBe(0);
    const night = await check('--at', '2026-03-10T20:15:00-04:00', '--json');
    expect(night.json()).toMatchObject({ decision: 'defer', reason: 'QUIET_HOURS_STATE:FL', until: '2026-03-11T08:00:00-04:00' });
    expect((await check('--at', '2026-03-10T19:30:00-04:00')).stdout).toMatch(/^ALLOW/);
    const log = await runCli(['compliance', 'log', '--org', 'demo', '--json'], env);
    expect((log.json() as { decision: string }[]).map((r) => r.decision)).toEqual(['allow', 'defer', 'deny']);
    const revoked = await runCli(['consent', 'revoke', '--org', 'demo', '--phone', '+13055550101', '--channel', 'sms', '--text', 'STOP'], env);
    expect(revoked.stdout).toContain('1 consent(s) revoked');
    expect((await check()).stdout).toMatch(/^DENY: OPTED_OUT/); // now, after the STOP
    const bad = await runCli(['compliance', 'check', '--org', 'demo', '--channel', 'sms'], env);
    expect(bad.code).toBe(3);
    expect(bad.stderr).toContain('one of lead_id, phone or email');
  });
});
