import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliTestEnv, CLI_TEST_TIMEOUT, queryCliDatabase, runCli } from '../support/cli.ts';

// Templates, messages, outreach settings, campaigns and the lead timeline from the command
// line, on the demo organization. Whether the gate lets a demo text go depends on the hour and
// the owner's consents; the commands' answers say which, and that is what is checked.

describe('porchlight templates, messages, campaigns and leads timeline (CLI)', { timeout: CLI_TEST_TIMEOUT * 2 }, () => {
  let t: Awaited<ReturnType<typeof cliTestEnv>>;
  let env: NodeJS.ProcessEnv;
  const run = (...args: string[]) => runCli([...args, '--org', 'demo'], env);

  beforeAll(async () => {
    t = await cliTestEnv('outreach-cli', { demo: true });
    ({ env } = t);
  });
  afterAll(async () => t.close());

  it('checks templates, sends, schedules and cancels, launches a campaign once and shows the timeline', async () => {
    const set = await run('outreach', 'settings', '--set', 'sender_name=Demo Roofing', '--set', 'from_phone=+15125550199', '--set', 'prices.sms=2', '--json');
    expect(set.code, set.stderr).toBe(0);
    expect(set.json()).toMatchObject({ sender_name: 'Demo Roofing', prices: { sms: 2, email: 0 } });

    const bad = await run('templates', 'create', '--name', 'Bad', '--channel', 'sms', '--body', 'Hi {{person.frist_name}}');
    expect(bad.code).toBe(3);
    expect(bad.stderr).toMatch(/person\.frist_name.*line 1, column 6/);
    const file = path.join(t.dir, 'spring.txt');
    fs.writeFileSync(file, 'Hi {{person.first_name | "there"}}, is your roof ready for spring?');
    const created = await run('templates', 'create', '--name', 'Spring', '--channel', 'sms', '--file', file);
    expect(created.code, created.stderr).toBe(0);
    expect(created.stdout).toMatch(/sms: GSM-7, 1 segment/);

    // a lead whose owner can take a text (a demo owner whose only phone is a landline cannot)
    const [textable] = await queryCliDatabase<{ id: string }>(env, `SELECT l.id FROM lead l JOIN contact_point c ON c.person_id = l.person_id
      WHERE c.kind = 'phone' AND c.type IS DISTINCT FROM 'landline' ORDER BY l.created_at, l.id LIMIT 1`);
    const leadId = textable!.id;
    const preview = await run('templates', 'preview', 'Spring', '--lead', leadId);
    expect(preview.code, preview.stderr).toBe(0);
    expect(preview.stdout).toMatch(/Demo Roofing: Reply STOP to opt out/);

    const sent = await run('messages', 'send', '--lead', leadId, '--channel', 'sms', '--template', 'Spring', '--json');
    expect(sent.code, sent.stderr).toBe(0);
    expect(['sent', 'cancelled', 'pending']).toContain(sent.json().status);
    expect(sent.json().decision).toMatchObject({ decision: expect.stringMatching(/^(allow|deny|defer)$/) });

    const later = await run('messages', 'schedule', '--lead', leadId, '--channel', 'sms', '--body', 'See you soon', '--at', '2099-01-05T16:00:00Z', '--json');
    expect(later.json()).toMatchObject({ status: 'pending', source: 'scheduled' });
    const cancel = await run('messages', 'cancel', later.json().id);
    expect(cancel.code, cancel.stderr).toBe(0);
    expect((await run('messages', 'cancel', later.json().id)).code).toBe(1);

    expect((await run('segments', 'create', 'Hot', '--filter', '{"tier":["hot"]}')).code).toBe(0);
    const campaign = await run('campaigns', 'create', 'Spring push', '--template', 'Spring', '--segment', 'Hot', '--throttle', '50', '--json');
    expect(campaign.code, campaign.stderr).toBe(0);
    const launched = await run('campaigns', 'launch', 'Spring push', '--json');
    expect(launched.code, launched.stderr).toBe(0);
    expect(launched.json()).toMatchObject({ launched: true });
    expect(launched.json().recipients).toBeGreaterThan(0);
    const again = await run('campaigns', 'launch', 'spring push');
    expect(again.stdout).toMatch(/^not launched: it is /);
    expect(again.stdout).toContain(`recipients ${launched.json().recipients}:`);

    const timeline = await run('leads', 'timeline', leadId);
    expect(timeline.code, timeline.stderr).toBe(0);
    expect(timeline.stdout).toMatch(/message\s+SMS cancelled \(scheduled\): CANCELLED_BY_USER/);
  });
});
