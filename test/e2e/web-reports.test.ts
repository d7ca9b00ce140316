/// <reference lib="dom" />
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumMissing, newPage, screenshot, startWebApp, type WebApp } from '../support/browser.ts';
import { createTestContext, type TestContext } from '../support/context.ts';
import { NOW, reportFixture } from '../support/reports.ts';

// The reports in chromium, on the fixed November of test/support/reports.ts (its figures are
// worked out by hand in test/medium/reports.test.ts): the funnel and ROI charts with their tables,
// spend that agrees between ROI and costs, a period from the presets, and an agent refused.

describe.skipIf(chromiumMissing)('web app: reports', () => {
  let t: TestContext;
  let w: WebApp;
  let manager: string;
  let agent: string;
  let f: Awaited<ReturnType<typeof reportFixture>>;

  beforeAll(async () => {
    t = await createTestContext({ now: () => NOW });
    f = await reportFixture(t);
    manager = await t.newApiKey(f.A.org.id, f.manager.user.id);
    agent = await t.newApiKey(f.A.org.id, f.Y.user.id);
    w = await startWebApp(t);
  }, 180_000);
  afterAll(async () => {
    await w?.close();
    await t.close();
  });

  it('draws the funnel and ROI by source, and spend agrees between ROI and costs', async () => {
    const { page, errors, close } = await newPage(w);
    await page.goto(`/reports/funnel?from=2026-11-01&to=2026-11-30#key=${manager}`);
    const chart = page.getByRole('img', { name: /^Funnel:/ });
    await chart.waitFor();
    expect(await chart.getAttribute('aria-label')).toBe('Funnel: new 5, contacted 4, qualified 3, appointment scheduled 2, proposal sent 2, closed won 1');
    const rows = page.locator('table tbody tr');
    expect(await rows.nth(3).locator('td').allTextContents()).toEqual(['appointment scheduled', '2', '66.7%', '40.0%']);
    await screenshot(page, 'report-funnel');

    await page.getByRole('link', { name: 'ROI by source' }).click();
    await page.getByRole('img', { name: /^Spend by source:/ }).waitFor();
    expect(await page.getByText(/^Spent/).textContent()).toBe('Spent $1,655.61 for 5 leads ($331.12 a lead), 2 won ($827.81 each); revenue $15,000.00, return 806.0%.');
    const mailers = page.getByRole('table', { name: 'ROI by source' }).locator('tr', { hasText: 'mailers' });
    expect(await mailers.locator('td').allTextContents()).toEqual(['mailers', '3', '2', '2', '$1,250.45', '$416.82', '$625.23', '$625.23', '$15,000.00', '1099.6%']);
    expect(new URL(page.url()).search).toBe('?from=2026-11-01&to=2026-11-30');
    await screenshot(page, 'report-roi');
    const [file] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download CSV' }).click()]);
    expect(file.suggestedFilename()).toBe('roi-2026-11-01-to-2026-11-30.csv');
    const csv = fs.readFileSync((await file.path())!, 'utf8').trim().split(/\r?\n/);
    expect(csv[0]).toMatch(/^source,attributed,provider,leads,/);
    expect(csv.at(-1)).toMatch(/^total,.*,165561,/);

    await page.getByRole('link', { name: 'Spend' }).click();
    await page.getByRole('img', { name: /^Spend by day:/ }).waitFor();
    expect(await page.getByText(/^Spent/).textContent()).toMatch(/^Spent \$1,655\.61 /);
    await screenshot(page, 'report-costs');
    expect(errors).toEqual([]);
    await close();
  });

  it('takes a period from the presets and refuses an agent with the reason', async () => {
    const { page, close } = await newPage(w);
    await page.goto(`/reports/usage#key=${manager}`);
    await page.getByRole('button', { name: 'Last month' }).click();
    await page.getByRole('heading', { name: /Usage/ }).getByText(/ to /).waitFor();
    const url = new URL(page.url());
    expect(url.searchParams.get('from')).toMatch(/^\d{4}-\d{2}-01$/);
    expect(await page.getByRole('button', { name: 'Last month' }).getAttribute('aria-pressed')).toBe('true');
    await close();

    const a = await newPage(w);
    await a.page.goto(`/reports/roi#key=${agent}`);
    await a.page.getByText('Not allowed').waitFor();
    expect(await a.page.getByRole('alert').textContent()).toMatch(/manager/);
    await a.close();
  });

  it('enters a source cost on the ROI page and takes it back; records a won lead\'s deal on its page', async () => {
    const { page, errors, close } = await newPage(w);
    await page.goto(`/reports/roi?from=2026-11-01&to=2026-11-30#key=${manager}`);
    const spent = page.getByText(/^Spent/);
    await expect.poll(() => spent.textContent()).toMatch(/^Spent \$1,655\.61 /);
    const form = page.getByRole('form', { name: 'Enter a source cost' });
    await form.getByLabel('Source').fill('billboard');
    await form.getByLabel('Month').fill('2026-11');
    await form.getByLabel('Amount ($)').fill('a lot');
    await form.getByRole('button', { name: 'Save cost' }).click();
    await form.locator('.field.invalid').filter({ hasText: 'Amount' }).waitFor();
    expect((await t.c.reports.listSourceCosts(f.manager.actor, { from: '2026-11-01', to: '2026-11-30' })).data.map((c) => c.source)).not.toContain('billboard');
    await form.getByLabel('Amount ($)').fill('100.00');
    await form.getByRole('button', { name: 'Save cost' }).click();
    await expect.poll(() => spent.textContent()).toMatch(/^Spent \$1,755\.61 /);
    await screenshot(page, 'report-roi-source-cost');
    await page.getByRole('button', { name: 'Remove billboard 2026-11' }).click();
    await expect.poll(() => spent.textContent()).toMatch(/^Spent \$1,655\.61 /);

    await page.goto(`/leads/${f.leads.L7.id}`);
    const deal = page.getByRole('region', { name: 'Deal' });
    await deal.getByText('$3,000.00, closed on 2026-11-15').waitFor();
    await deal.getByLabel('Revenue ($)').fill('3,250.50');
    await deal.getByLabel('Closed on').fill('2026-11-16');
    await deal.getByRole('button', { name: 'Replace the deal' }).click();
    await deal.getByRole('status').getByText('Deal recorded: $3,250.50, closed on 2026-11-16.').waitFor();
    expect(await t.c.reports.deal(f.manager.actor, f.leads.L7.id)).toMatchObject({ revenue_cents: 325_050, closed_on: '2026-11-16' });
    expect(errors).toEqual([]);
    await close();
  });
});
