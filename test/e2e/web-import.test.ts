/// <reference lib="dom" />
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Actor } from '../../src/db/tenant.ts';
import { chromiumMissing, newPage, screenshot, startWebApp, type WebApp } from '../support/browser.ts';
import { createTestContext, type TestContext } from '../support/context.ts';
import { rows } from '../support/outreach.ts';

// Importing an owner list in chromium: choose the file, check how its columns map and which rows
// would be refused, point a column elsewhere, import, watch it finish, download the refused rows
// and find the new leads in the table.

describe.skipIf(chromiumMissing)('web app: import', () => {
  let t: TestContext;
  let w: WebApp;
  let actor: Actor;
  let key: string;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'porchlight-web-import-'));
  const file = path.join(dir, 'county-owners.csv');

  beforeAll(async () => {
    t = await createTestContext();
    const o = await t.newOrganization();
    actor = o.actor;
    key = await t.newApiKey(o.org.id, o.owner.id);
    const lines = ['Address,City,State,Zip,Owner Name,Phone 1,Mailing Note'];
    for (let i = 1; i <= 40; i++) lines.push(`${100 + i} Cedar Ln,Austin,TX,78704,Owner Number${i},512-555-${String(1000 + i)},note ${i}`);
    lines.splice(7, 0, ',,,,Nobody Home,,'); // line 8 of the file: no address, no parcel number: refused
    fs.writeFileSync(file, `${lines.join('\n')}\n`);
    w = await startWebApp(t);
  }, 180_000);
  afterAll(async () => {
    await w?.close();
    await t.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('checks the mapping, imports with progress to the end, and hands back the refused rows', async () => {
    const { page, errors, close } = await newPage(w);
    await page.goto(`/import#key=${key}`);
    await page.getByLabel('CSV file').setInputFiles(file);
    await page.getByLabel('Source').fill('county-list');
    await page.getByRole('button', { name: 'Check the file' }).click();
    const preview = page.getByRole('region', { name: 'Preview' });
    await preview.getByText('41 rows; 1 would be refused').waitFor();
    expect(await preview.getByLabel('Field for Owner Name').inputValue()).toBe('owner_full_name');
    expect(await preview.getByLabel('Field for Mailing Note').inputValue()).toBe('');
    expect(await preview.locator('table').nth(1).locator('tbody tr').first().locator('td').first().textContent()).toBe('8');
    // a column pointed elsewhere is checked again with it
    await preview.getByLabel('Field for Mailing Note').selectOption('notes');
    await preview.getByRole('button', { name: 'Check again with these columns' }).click();
    await expect.poll(() => preview.locator('tr', { hasText: 'Mailing Note' }).locator('td').nth(2).textContent()).toBe('chosen here');
    await screenshot(page, 'import-preview');

    await preview.getByRole('button', { name: 'Import 40 rows' }).click();
    const progress = page.getByRole('region', { name: 'Progress' });
    await progress.getByText('completed').waitFor();
    expect(await progress.getByRole('progressbar').getAttribute('aria-valuenow')).toBe('100');
    await progress.getByText('40 new leads').waitFor();
    await screenshot(page, 'import-done');

    const [saved] = await Promise.all([page.waitForEvent('download'), progress.getByRole('button', { name: 'Download the refused rows' }).click()]);
    const report = fs.readFileSync((await saved.path())!, 'utf8').split(/\r?\n/);
    expect(report[0]).toBe('line,column,reason,Address,City,State,Zip,Owner Name,Phone 1,Mailing Note');
    expect(report[1]).toMatch(/^8,/);

    await progress.getByRole('link', { name: 'See the leads' }).click();
    await page.getByRole('region', { name: 'Leads' }).locator('tbody tr').first().waitFor();
    expect(new URL(page.url()).searchParams.get('source')).toBe('county-list');
    await expect.poll(() => page.getByRole('region', { name: 'Leads' }).locator('tbody tr').count()).toBe(40);
    const [n] = await rows<{ n: number; noted: number }>(t, actor, sql`SELECT count(*)::int AS n, count(*) FILTER (WHERE notes LIKE 'note %')::int AS noted FROM lead WHERE source = 'county-list'`);
    expect(n).toEqual({ n: 40, noted: 40 });
    expect(errors).toEqual([]);
    await close();
  });
});
