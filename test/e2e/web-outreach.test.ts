/// <reference lib="dom" />
import fs from 'node:fs';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Actor } from '../../src/db/tenant.ts';
import { chromiumMissing, newPage, screenshot, startWebApp, type WebApp } from '../support/browser.ts';
import { createTestContext, type TestContext } from '../support/context.ts';
import { austinLead, outreachOrg, PUBLIC_ENV, rows, TUESDAY_MORNING } from '../support/outreach.ts';

// Sequences and campaigns in chromium: the roofing example with four leads enrolled and three of
// them walked on, so each step's figures are known; enrolling by name and by segment, pausing an
// enrollment and the sequence; a new sequence whose problems are shown beside their fields; a
// campaign created, launched, paused and cancelled, another scheduled; and a phone's width.
// Every change is checked in the database as well as on the page.

const EXAMPLE = JSON.parse(fs.readFileSync(path.resolve(import.meta.dirname, '../../examples/sequences/roofing-follow-up.json'), 'utf8'));

describe.skipIf(chromiumMissing)('web app: sequences and campaigns', () => {
  let t: TestContext;
  let w: WebApp;
  let actor: Actor;
  let key: string;
  let leads: Awaited<ReturnType<typeof austinLead>>[];
  let sequenceId: string;
  let segmentId: string;
  let laterId: string;

  beforeAll(async () => {
    t = await createTestContext({ now: () => TUESDAY_MORNING, env: PUBLIC_ENV });
    const o = await outreachOrg(t);
    actor = o.actor;
    key = await t.newApiKey(o.org.id, o.owner.id);
    leads = [];
    for (let i = 0; i < 6; i++) leads.push(await austinLead(t, actor, { lead_score: 90 - i * 10 }));
    await t.c.templates.create(actor, { name: 'Spring', channel: 'sms', body: 'Hi {{person.first_name}}, spring roof check?' });
    segmentId = (await t.c.segments.create(actor, { name: 'Everyone', filter: {} })).id;
    sequenceId = (await t.c.sequences.create(actor, EXAMPLE)).id;
    // three walk on (start, the text, the wait: they wait at "replied?"), a fourth waits at the start
    for (const l of leads.slice(0, 3)) await t.c.sequences.enroll(actor, sequenceId, { lead_id: l.id });
    await t.c.sequenceEngine.runDue(actor);
    await t.c.sequences.enroll(actor, sequenceId, { lead_id: leads[3]!.id });
    laterId = (await t.c.campaigns.create(actor, { name: 'Later', template: 'Spring', segment: 'Everyone' })).id;
    w = await startWebApp(t);
  }, 180_000);
  afterAll(async () => {
    await w?.close();
    await t.close();
  });

  const enrollments = () => rows<{ id: string; lead_id: string; status: string }>(t, actor,
    sql`SELECT id, lead_id, status FROM sequence_enrollment WHERE sequence_id = ${sequenceId}::uuid ORDER BY lead_id`);
  const one = async <T>(q: ReturnType<typeof sql>) => (await rows<T>(t, actor, q))[0]!;

  it('draws the graph with each step\'s figures, enrolls by name and by segment, pauses an enrollment and the sequence', async () => {
    const { page, errors, close } = await newPage(w);
    await page.goto(`/sequences#key=${key}`);
    const list = page.locator('table.oc-list tbody tr');
    await expect.poll(() => list.count()).toBe(1);
    expect(await list.first().locator('td').allTextContents()).toEqual(['Roofing follow-up', 'active', '4', '4', '0', '0', '0', '0', '0', '0.0%']);
    await page.getByRole('link', { name: 'Roofing follow-up' }).click();

    const graph = page.getByRole('img', { name: /^The steps of Roofing follow-up:/ });
    await graph.waitFor();
    expect(await graph.getAttribute('aria-label')).toContain('Start start (1 here · 3 through); Text intro-text (0 here · 3 through); Wait wait-2-days (0 here · 3 through); If replied? (3 here · 0 through)');
    expect(await page.locator('.oc-graph .node').count()).toBe(10);
    expect(await page.locator('.oc-graph .loop').count()).toBe(1); // nudge-text → wait-2-days
    const figure = (k: string, what: 'here' | 'through') => page.locator(`.oc-steps li[data-key="${k}"] [data-count="${what}"] strong`).textContent();
    // what the page shows is what the API says, and what was seeded
    const shown = await t.c.sequences.show(actor, sequenceId);
    for (const n of shown.nodes) {
      expect([n.key, await figure(n.key, 'here'), await figure(n.key, 'through')]).toEqual([n.key, String(n.waiting), String(n.executions - n.failed)]);
    }
    expect([await figure('start', 'here'), await figure('start', 'through'), await figure('intro-text', 'through'), await figure('replied?', 'here'), await figure('call', 'through')])
      .toEqual(['1', '3', '3', '3', '0']);
    const table = page.locator('table.oc-enrollments > tbody > tr[data-enrollment]');
    await expect.poll(() => table.count()).toBe(4);
    // the leads at one step: a button on the step filters the enrollments
    await page.locator('.oc-steps li[data-key="replied?"]').getByRole('button', { name: 'Show the 3 here' }).click();
    await expect.poll(() => table.count()).toBe(3);
    expect(new URL(page.url()).searchParams.get('at')).toBe('replied?');
    await screenshot(page, 'sequences-graph');
    await page.getByRole('button', { name: 'Show every step' }).click();
    await expect.poll(() => table.count()).toBe(4);

    // one lead found by its owner's name
    const { full_name: name } = await one<{ full_name: string }>(sql`SELECT full_name FROM person WHERE id = ${leads[4]!.person_id}::uuid`);
    await page.getByLabel('Find a lead by owner or address').fill(name);
    await page.getByRole('button', { name: `Add ${name}` }).click();
    await page.getByRole('button', { name: 'Enroll 1 lead' }).click();
    await page.getByText('Enrolled 1 lead.').waitFor();
    expect((await enrollments()).map((e) => e.lead_id)).toContain(leads[4]!.id);
    await expect.poll(() => table.count()).toBe(5);

    // then the whole segment: only the one lead left is new
    await page.getByLabel('Or every lead of a saved segment').selectOption(segmentId);
    await page.getByRole('button', { name: 'Enroll the segment' }).click();
    await page.getByText('The segment matched 6 leads: 1 enrolled, 5 already enrolled, 0 do-not-contact left out.').waitFor();
    expect((await enrollments()).map((e) => e.lead_id).sort()).toEqual(leads.map((l) => l.id).sort());
    await expect.poll(() => table.count()).toBe(6);
    await expect.poll(() => page.locator('[data-figure="Enrolled"] dd').textContent()).toBe('6');
    await expect.poll(() => figure('start', 'here')).toBe('3');

    // an enrollment paused from its row, and the steps it took
    const first = (await enrollments()).find((e) => e.lead_id === leads[0]!.id)!;
    const row = page.locator(`tr[data-enrollment="${first.id}"]`);
    await row.getByRole('button', { name: 'Pause', exact: true }).click();
    await page.getByText(/: paused\.$/).waitFor();
    expect((await enrollments()).find((e) => e.id === first.id)!.status).toBe('paused');
    await row.getByRole('button', { name: 'Path' }).click();
    const steps = page.locator(`#path-${first.id} .oc-path li`);
    await expect.poll(() => steps.count()).toBe(3);
    expect((await steps.allTextContents()).map((s) => s.split(' ')[1])).toEqual(['start', 'intro-text', 'wait-2-days']);

    // the sequence paused and resumed
    await page.getByRole('button', { name: 'Pause sequence' }).click();
    await page.getByText('Paused: no step runs until you resume it.').waitFor();
    expect((await one<{ status: string }>(sql`SELECT status FROM sequence WHERE id = ${sequenceId}::uuid`)).status).toBe('paused');
    await page.getByRole('button', { name: 'Resume sequence' }).focus();
    await page.keyboard.press('Enter');
    await page.getByText('Resumed: due steps run at the next pass.').waitFor();
    expect((await one<{ status: string }>(sql`SELECT status FROM sequence WHERE id = ${sequenceId}::uuid`)).status).toBe('active');
    expect(errors).toEqual([]);
    await close();
  });

  it('creates a sequence from JSON, showing each problem beside what it is about', async () => {
    const { page, errors, close } = await newPage(w);
    await page.goto(`/sequences?new=1#key=${key}`);
    const form = page.getByRole('form', { name: 'New sequence' });
    await form.getByLabel('Name', { exact: true }).fill('Quick loop');
    await form.getByLabel('Time zone of the working hours').fill('Mars/Olympus');
    const graph = (loop: boolean) => JSON.stringify({
      nodes: [{ key: 'start', type: 'START' }, { key: 'text', type: 'SMS', config: { template: 'Spring' } }, { key: 'end', type: 'END' }],
      edges: [{ from: 'start', to: 'text' }, { from: 'text', to: loop ? 'text' : 'end' }],
    }, null, 2);
    await form.getByLabel('Steps (JSON)').fill(graph(true));
    await form.getByRole('button', { name: 'Create sequence' }).click();
    await form.locator('#timezone-errors').waitFor();
    expect(await form.locator('#timezone-errors').textContent()).toContain('an IANA time zone');
    expect(await form.getByLabel('Time zone of the working hours').getAttribute('aria-invalid')).toBe('true');

    // the zone fixed, the graph's own problems: each node named, and marked in the drawing
    await form.getByLabel('Time zone of the working hours').fill('America/Chicago');
    await form.getByRole('button', { name: 'Create sequence' }).click();
    await form.locator('#definition-errors').waitFor();
    const problems = await form.locator('#definition-errors li').allTextContents();
    expect(problems.some((p) => p.startsWith('nodes[text]') && p.includes('loops without a WAIT'))).toBe(true);
    expect(problems.some((p) => p.startsWith('nodes[end]'))).toBe(true);
    expect(await form.getByRole('alert').textContent()).toMatch(/^Not created/);
    expect(await page.locator('.oc-graph .node.faulty[data-key="text"]').count()).toBe(1);
    await screenshot(page, 'sequences-create-errors');
    expect(await rows(t, actor, sql`SELECT id FROM sequence WHERE name = 'Quick loop'`)).toEqual([]);

    await form.getByLabel('Steps (JSON)').fill(graph(false));
    await form.getByRole('button', { name: 'Create sequence' }).click();
    await page.waitForURL(/\/sequences\/[0-9a-f-]{36}$/);
    await page.getByRole('heading', { name: 'Quick loop' }).waitFor();
    const made = await one<{ id: string; timezone: string; nodes: number }>(sql`
      SELECT s.id, s.timezone, (SELECT count(*)::int FROM sequence_node n WHERE n.sequence_id = s.id) AS nodes FROM sequence s WHERE s.name = 'Quick loop'`);
    expect(new URL(page.url()).pathname).toBe(`/sequences/${made.id}`);
    expect(made).toMatchObject({ timezone: 'America/Chicago', nodes: 3 });
    expect(errors).toEqual([]);
    await close();
  });

  it('creates a campaign, launches, pauses and cancels it, and schedules another; each is seen in the database', async () => {
    const { page, errors, close } = await newPage(w);
    await page.goto(`/campaigns#key=${key}`);
    const list = page.locator('table.oc-list tbody tr');
    await expect.poll(() => list.count()).toBe(1);
    expect(await list.first().locator('td').nth(1).textContent()).toBe('draft');
    await page.getByRole('link', { name: 'New campaign' }).click();
    const form = page.getByRole('form', { name: 'New campaign' });
    await form.getByLabel('Name').fill('Spring push');
    await form.getByRole('button', { name: 'Create draft' }).click();
    await form.locator('#campaign-template-errors').waitFor();
    expect(await form.getByLabel('Template').getAttribute('aria-invalid')).toBe('true');
    await form.getByLabel('Template').selectOption({ label: 'Spring (text, 1 segment)' });
    await form.getByLabel('Segment').selectOption(segmentId);
    await form.getByLabel('At most, a minute (empty: all at once)').fill('2');
    await form.getByRole('button', { name: 'Create draft' }).click();
    await page.waitForURL(/\/campaigns\/[0-9a-f-]{36}$/);
    const id = new URL(page.url()).pathname.split('/')[2]!;
    const campaign = () => one<{ status: string; recipients: number; throttle_per_minute: number }>(sql`SELECT status, recipients, throttle_per_minute FROM campaign WHERE id = ${id}::uuid`);
    expect(await campaign()).toEqual({ status: 'draft', recipients: 0, throttle_per_minute: 2 });

    await page.getByRole('button', { name: 'Launch now' }).click();
    await page.getByRole('button', { name: 'Yes, launch now' }).click();
    await page.getByText('Launched: 6 recipients taken from the segment, 0 skipped; 2 sent so far.').waitFor();
    expect(await campaign()).toMatchObject({ status: 'sending', recipients: 6 });
    const messages = await rows<{ status: string; n: number }>(t, actor, sql`SELECT status, count(*)::int AS n FROM message WHERE campaign_id = ${id}::uuid GROUP BY status ORDER BY status`);
    expect(messages).toEqual([{ status: 'pending', n: 4 }, { status: 'sent', n: 2 }]);
    expect(await page.locator('[data-figure="Sent"] dd').textContent()).toBe('2');
    expect(await page.locator('[data-figure="Recipients"] dd').textContent()).toBe('6');
    expect(await page.getByRole('img', { name: /^Recipients by status:/ }).getAttribute('aria-label')).toBe('Recipients by status: queued 4, sent 2, delivered 0, failed 0, skipped 0, cancelled 0');
    const recipients = page.locator('table.oc-recipients tbody tr');
    await expect.poll(() => recipients.count()).toBe(6);
    await page.getByRole('group', { name: 'Recipient status' }).getByRole('button', { name: /^queued/ }).click();
    await expect.poll(() => recipients.count()).toBe(4);
    expect(new URL(page.url()).searchParams.get('status')).toBe('queued');
    await screenshot(page, 'campaign-sending');

    await page.getByRole('button', { name: 'Pause', exact: true }).click();
    await page.getByText('Paused: the messages not yet handed over').waitFor();
    expect((await campaign()).status).toBe('paused');
    await page.getByRole('button', { name: 'Cancel campaign' }).click();
    await page.getByRole('button', { name: 'Yes, cancel campaign' }).click();
    await page.getByText('Cancelled: the messages not yet sent never will be.').waitFor();
    expect((await campaign()).status).toBe('cancelled');
    expect(await rows(t, actor, sql`SELECT count(*)::int AS n FROM message WHERE campaign_id = ${id}::uuid AND status = 'cancelled'`)).toEqual([{ n: 4 }]);
    await expect.poll(() => recipients.count()).toBe(0);

    // the draft made beforehand, scheduled for Thursday 9:00 in the browser's zone (Chicago)
    await page.goto(`/campaigns/${laterId}`);
    await page.getByLabel('or start at').fill('2026-03-12T09:00');
    await page.getByRole('button', { name: 'Schedule' }).click();
    await page.getByText(/^Scheduled: 6 recipients taken/).waitFor();
    expect(await one(sql`SELECT status, scheduled_for FROM campaign WHERE id = ${laterId}::uuid`)).toEqual({ status: 'scheduled', scheduled_for: new Date('2026-03-12T14:00:00Z') });
    expect(errors).toEqual([]);
    await close();
  });

  it('fits a phone: the sequence and the campaign pages need no sideways scrolling', async () => {
    const { page, errors, close } = await newPage(w, 'phone');
    const fits = () => page.evaluate(() => document.documentElement.scrollWidth);
    await page.goto(`/sequences/${sequenceId}#key=${key}`);
    await page.getByRole('img', { name: /^The steps of Roofing follow-up:/ }).waitFor();
    await expect.poll(() => page.locator('table.oc-enrollments > tbody > tr[data-enrollment]').count()).toBe(6);
    expect(await fits()).toBeLessThanOrEqual(390);
    await screenshot(page, 'sequences-phone');

    await page.goto(`/campaigns/${laterId}`);
    await expect.poll(() => page.locator('table.oc-recipients tbody tr').count()).toBe(6);
    expect(await page.getByRole('heading', { name: 'Later' }).isVisible()).toBe(true);
    expect(await fits()).toBeLessThanOrEqual(390);
    await screenshot(page, 'campaign-phone');

    await page.goto('/sequences?new=1');
    await page.getByRole('form', { name: 'New sequence' }).waitFor();
    expect(await page.locator('.oc-graph').count()).toBe(1); // the example, drawn as it is typed
    expect(await fits()).toBeLessThanOrEqual(390);
    await screenshot(page, 'sequences-create-phone');
    expect(errors).toEqual([]);
    await close();
  });
});
