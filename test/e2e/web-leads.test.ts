/// <reference lib="dom" />
import fs from 'node:fs';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Actor } from '../../src/db/tenant.ts';
import { chromiumMissing, newPage, screenshot, startWebApp, type WebApp } from '../support/browser.ts';
import { createTestContext, type TestContext } from '../support/context.ts';
import { rows } from '../support/outreach.ts';

// The leads table and a lead's page in chromium: server-side filters kept in the address, sort
// by a header, cursor pages forward and back, search, the empty state; then one lead: its
// contacts with their DNC mark, a status change and a tag, both written to its history.

describe.skipIf(chromiumMissing)('web app: leads', () => {
  let t: TestContext;
  let w: WebApp;
  let actor: Actor;
  let key: string;
  const leads: Awaited<ReturnType<TestContext['newLead']>>[] = [];

  beforeAll(async () => {
    t = await createTestContext();
    const o = await t.newOrganization();
    actor = o.actor;
    key = await t.newApiKey(o.org.id, o.owner.id);
    for (let i = 0; i < 60; i++) leads.push(await t.newLead(o.org.id, { status: i % 3 === 0 ? 'qualified' : 'new', lead_score: i, tags: i === 7 ? ['pool'] : [] }));
    await rows(t, actor, sql`UPDATE contact_point SET dnc = true WHERE person_id = ${leads[7]!.person_id}::uuid AND kind = 'phone'`);
    await t.c.segments.create(actor, { name: 'Scored 50 to 59', filter: { lead_score: { min: 50, max: 59 } } });
    await t.c.sequences.create(actor, {
      name: 'Nurture', nodes: [{ key: 'start', type: 'START' }, { key: 'text', type: 'SMS', config: { template: { body: 'Hi {{person.first_name | "there"}}' } } },
        { key: 'pause', type: 'WAIT', config: { days: 2 } }, { key: 'done', type: 'END' }],
      edges: [{ from: 'start', to: 'text' }, { from: 'text', to: 'pause' }, { from: 'pause', to: 'done' }],
    });
    w = await startWebApp(t);
  }, 180_000);
  afterAll(async () => {
    await w?.close();
    await t.close();
  });

  it('pages, filters and sorts on the server, with the filters in the address', async () => {
    const { page, errors, close } = await newPage(w);
    await page.goto(`/leads#key=${key}`);
    const body = page.getByRole('region', { name: 'Leads' }).locator('tbody tr');
    await body.first().waitFor();
    await expect.poll(() => body.count()).toBe(50);
    await screenshot(page, 'leads');
    await page.getByRole('button', { name: 'Next →' }).click();
    await expect.poll(() => body.count()).toBe(10);
    expect(await page.getByRole('button', { name: 'Next →' }).isDisabled()).toBe(true);
    await page.getByRole('button', { name: '← Previous' }).click();
    await expect.poll(() => body.count()).toBe(50);

    await page.getByLabel('Status').selectOption('qualified');
    await expect.poll(() => body.count()).toBe(20);
    expect(new URL(page.url()).searchParams.get('status')).toBe('qualified');
    await page.getByRole('button', { name: /^Score/ }).click();
    await expect.poll(() => page.locator('th[aria-sort="descending"]').textContent()).toContain('Score');
    await expect.poll(() => body.first().locator('td').nth(5).textContent()).toBe('57');
    // a reload keeps the view: the filters are the address
    await page.reload();
    await expect.poll(() => body.first().locator('td').nth(5).textContent()).toBe('57');
    await expect.poll(() => body.count()).toBe(20);

    await page.getByLabel('Search').fill('nobody-by-this-name');
    await page.getByText('No lead matches these filters').waitFor();
    await page.getByRole('button', { name: 'Clear filters' }).first().click();
    await expect.poll(() => body.count()).toBe(50);

    // typed filters apply on Enter, and land in the address like the others
    await page.getByLabel('Tag', { exact: true }).fill('pool');
    await page.getByLabel('Tag', { exact: true }).press('Enter');
    await expect.poll(() => body.count()).toBe(1);
    expect(new URL(page.url()).searchParams.get('tag')).toBe('pool');
    await page.getByLabel('ZIP', { exact: true }).fill('78799');
    await page.getByLabel('ZIP', { exact: true }).press('Enter');
    await page.getByText('No lead matches these filters').waitFor();
    expect(new URL(page.url()).searchParams.get('zip')).toBe('78799');
    await page.getByRole('button', { name: 'Clear filters' }).first().click();
    await expect.poll(() => body.count()).toBe(50);
    expect(await page.getByLabel('ZIP', { exact: true }).inputValue()).toBe('');
    expect(errors).toEqual([]);
    await close();
  });

  it('opens a lead: contacts with their DNC mark, a status change and a tag land in its history', async () => {
    const { page, errors, close } = await newPage(w);
    const [target] = await rows<{ full_name: string }>(t, actor, sql`SELECT full_name FROM person WHERE id = ${leads[7]!.person_id}::uuid`);
    await page.goto(`/leads#key=${key}`);
    await page.getByLabel('Search').fill(target!.full_name);
    await page.getByRole('link', { name: target!.full_name }).click();
    await page.getByRole('heading', { name: target!.full_name }).waitFor();
    const contacts = page.getByRole('region', { name: 'Phones and e-mails' });
    await expect.poll(() => contacts.getByText('DNC').count()).toBe(1);
    await expect.poll(() => contacts.getByText(leads[7]!.email).count()).toBe(1);
    await page.getByRole('combobox', { name: 'Status' }).selectOption('contacted');
    await page.getByRole('region', { name: 'Status history' }).getByText('contacted').waitFor();
    await page.getByLabel('Add tag').fill('called-once');
    await page.getByLabel('Add tag').press('Enter');
    await page.getByRole('button', { name: 'called-once ×' }).waitFor();
    await screenshot(page, 'lead');
    const [l] = await rows<{ status: string; tags: string[]; changes: number }>(t, actor, sql`SELECT status, tags,
      (SELECT count(*)::int FROM lead_status_history h WHERE h.lead_id = l.id AND h.to_status = 'contacted') AS changes FROM lead l WHERE id = ${leads[7]!.id}::uuid`);
    expect(l).toEqual({ status: 'contacted', tags: ['called-once', 'pool'], changes: 1 });
    expect(errors).toEqual([]);
    await close();
  });

  it('picks a saved segment, changes the selected leads together, and exports what the filters match', async () => {
    const { page, errors, close } = await newPage(w);
    await page.goto(`/leads#key=${key}`);
    const body = page.getByRole('region', { name: 'Leads' }).locator('tbody tr');
    await body.first().waitFor();
    await page.getByLabel('Segment').selectOption({ label: 'Scored 50 to 59' });
    await expect.poll(() => body.count()).toBe(10);
    await page.getByLabel('Select every lead on this page').check();
    await page.getByText('10 selected').waitFor();
    await page.getByLabel('Tag to add').fill('mailer-3');
    await page.getByRole('button', { name: 'Add tag' }).click();
    await page.getByText('Tagged mailer-3: 10 leads.').waitFor();
    await page.getByLabel('Select every lead on this page').check();
    await page.getByLabel('Set status').selectOption('proposal_sent');
    await page.getByText('Status set to proposal sent: 10 leads.').waitFor();
    const [n] = await rows<{ tagged: number; moved: number }>(t, actor, sql`SELECT count(*) FILTER (WHERE 'mailer-3' = ANY(tags))::int AS tagged,
      count(*) FILTER (WHERE status = 'proposal_sent')::int AS moved FROM lead WHERE lead_score BETWEEN 50 AND 59`);
    expect(n).toEqual({ tagged: 10, moved: 10 });
    await screenshot(page, 'leads-bulk');

    const [saved] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export these leads (CSV)' }).click()]);
    const lines = fs.readFileSync((await saved.path())!, 'utf8').trim().split(/\r?\n/);
    expect(lines).toHaveLength(11);
    expect(lines.slice(1).every((l) => l.includes('mailer-3'))).toBe(true);
    expect(errors).toEqual([]);
    await close();
  });

  it('saves the filters as a segment, then enrolls the chosen leads in a sequence once each', async () => {
    const { page, errors, close } = await newPage(w);
    await page.goto(`/leads?status=qualified&min_score=30#key=${key}`);
    const body = page.getByRole('region', { name: 'Leads' }).locator('tbody tr');
    await body.first().waitFor();
    const [matching] = await rows<{ n: number }>(t, actor, sql`SELECT count(*)::int AS n FROM lead WHERE status = 'qualified' AND lead_score >= 30 AND deleted_at IS NULL`);
    const expected = matching!.n;
    await expect.poll(() => body.count()).toBe(expected);
    await page.getByRole('button', { name: 'Save as segment' }).click();
    await page.getByLabel('Segment name').fill('Qualified, 30 and up');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await expect.poll(() => new URL(page.url()).searchParams.get('segment')).toMatch(/^[0-9a-f-]{36}$/);
    const id = new URL(page.url()).searchParams.get('segment')!;
    const segment = await t.c.segments.show(actor, id);
    expect(segment).toMatchObject({ name: 'Qualified, 30 and up', filter: { status: { in: ['qualified'] }, lead_score: { min: 30 } }, lead_count: expected });
    await expect.poll(() => body.count()).toBe(expected);
    // the same name again is refused with the reason, and nothing is saved twice
    await page.getByRole('button', { name: 'Save as segment' }).click();
    await page.getByLabel('Segment name').fill('Qualified, 30 and up');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByRole('alert').filter({ hasText: /already/ }).waitFor();
    expect((await t.c.segments.list(actor)).filter((g) => g.name === 'Qualified, 30 and up')).toHaveLength(1);
    await page.getByRole('button', { name: 'Cancel' }).click();

    await page.getByLabel('Select every lead on this page').check();
    await page.getByLabel('Enroll in a sequence').selectOption({ label: 'Nurture' });
    await page.getByText(`Enrolled ${expected} in Nurture.`).waitFor();
    await page.getByLabel('Select every lead on this page').check();
    await page.getByLabel('Enroll in a sequence').selectOption({ label: 'Nurture' });
    await page.getByText(`Enrolled 0 in Nurture (${expected} already in it).`).waitFor();
    const [e] = await rows<{ n: number; leads: number }>(t, actor, sql`SELECT count(*)::int AS n, count(DISTINCT lead_id)::int AS leads FROM sequence_enrollment`);
    expect(e).toEqual({ n: expected, leads: expected });
    await screenshot(page, 'leads-segment-enroll');
    expect(errors).toEqual([]);
    await close();
  });

  it("shows a lead's score factors and its compliance decisions, hands it to a colleague and lists the change", async () => {
    const { page, errors, close } = await newPage(w);
    const lead = leads[12]!;
    const { user: colleague } = await t.newUser(actor.organizationId, 'agent');
    await rows(t, actor, sql`INSERT INTO lead_score_history (organization_id, lead_id, scorer, version, score, factors)
      VALUES (${actor.organizationId}::uuid, ${lead.id}::uuid, 'quality', 1, 45, '{"verified_phone": 30, "owner_occupied": 15, "vacant": 0}')`);
    const decision = await t.c.compliance.check(actor, { lead_id: lead.id, channel: 'sms', at: '2026-11-22T03:00:00Z' }); // 9 at night in Austin
    expect(decision.decision).not.toBe('allow');
    await page.goto(`/leads/${lead.id}#key=${key}`);
    const scores = page.getByRole('region', { name: 'Scores' });
    await expect.poll(() => scores.getByRole('img', { name: /^Quality score factors:/ }).getAttribute('aria-label'))
      .toBe('Quality score factors: verified phone 30, owner occupied 15, vacant 0');
    const timeline = page.getByRole('region', { name: 'Timeline' });
    await timeline.getByLabel('Show').selectOption('compliance');
    await expect.poll(() => timeline.locator('li').count()).toBe(1);
    expect(await timeline.locator('li').first().textContent()).toContain('compliance');

    await page.getByLabel('Assigned to').selectOption({ value: colleague.id });
    await expect.poll(async () => (await rows<{ assignee_id: string }>(t, actor, sql`SELECT assignee_id FROM lead WHERE id = ${lead.id}::uuid`))[0]!.assignee_id).toBe(colleague.id);
    await page.getByRole('region', { name: 'Changes' }).locator('tr', { hasText: 'assignee id' }).getByText(colleague.email).waitFor();
    await timeline.getByLabel('Show').selectOption('assignment');
    await expect.poll(() => timeline.locator('li').count()).toBe(1);
    await screenshot(page, 'lead-scores-timeline');
    expect(errors).toEqual([]);
    await close();
  });

  it('fits a phone: the table scrolls in its box, the page does not', async () => {
    const { page, close } = await newPage(w, 'phone');
    await page.goto(`/leads#key=${key}`);
    await page.getByRole('region', { name: 'Leads' }).locator('tbody tr').first().waitFor();
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await screenshot(page, 'leads-phone');
    await close();
  });
});
