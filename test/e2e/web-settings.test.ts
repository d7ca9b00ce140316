/// <reference lib="dom" />
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedLeads } from '../../bench/seed-leads.ts';
import type { Actor } from '../../src/db/tenant.ts';
import { withTenant } from '../../src/db/tenant.ts';
import { moneyRepository } from '../../src/domain/money/money.repository.ts';
import type { Jobs } from '../../src/jobs/jobs.ts';
import { createWorker } from '../../src/jobs/worker.ts';
import { chromiumMissing, newPage, screenshot, startWebApp, type WebApp } from '../support/browser.ts';
import { createTestContext, type TestContext } from '../support/context.ts';

// Settings and enrichment in chromium, every change checked through the API afterwards: a person
// added with the role chosen; an API key shown once that signs in, then revoked and refused; a
// scoring weight stored, and a negative one refused by name with nothing changed; the spend on
// the enrichment page to the cent of the ledger rows seeded, a run estimated and started; an
// agent offered only their own sections; and the pages at phone width.

/** The ledger rows seeded: provider, stage, what was charged (or may have been), in cents. */
const SEEDED: [string, 'append' | 'skip_trace' | 'verify', 'charged' | 'in_doubt', number][] = [
  ['batchdata', 'skip_trace', 'charged', 1250], ['local', 'append', 'charged', 399], ['local', 'verify', 'charged', 7], ['batchdata', 'skip_trace', 'in_doubt', 15],
];
const SEEDED_CENTS = SEEDED.reduce((n, [, , , c]) => n + c, 0); // 1671: $16.71
const TOPUP_CENTS = 5000;

describe.skipIf(chromiumMissing)('web app: settings, enrichment and spend', () => {
  let t: TestContext;
  let w: WebApp;
  let jobs: Jobs;
  let owner: Actor;
  let key: string;
  let agentKey: string;
  let tag: string;

  beforeAll(async () => {
    t = await createTestContext();
    const A = await t.newOrganization('Settings Co');
    owner = A.actor;
    key = await t.newApiKey(A.org.id, A.owner.id);
    const agent = await t.newUser(A.org.id, 'agent');
    agentKey = await t.newApiKey(A.org.id, agent.user.id);
    ({ tag } = await seedLeads(t.c, owner, 3));
    await t.c.money.topup(owner, { amount_cents: TOPUP_CENTS, reference: 'seed' });
    // calls as the waterfall books them: reserved (budget debited), then settled
    await withTenant(t.c.db, owner, async (trx) => {
      for (const [i, [provider, stage, status, cents]] of SEEDED.entries()) {
        await moneyRepository.reserve({ provider, port: stage === 'verify' ? 'phone_verify' : stage, stage, runId: null }, [{ key: `seed:${i}`, leadId: null, costCents: cents }], trx);
        await moneyRepository.settle([{ key: `seed:${i}`, status, costCents: cents }], trx);
      }
    });
    jobs = await createWorker(t.c).start({ pollSeconds: 0.5 });
    w = await startWebApp(t, { jobs });
  }, 180_000);
  afterAll(async () => {
    await w?.close();
    await jobs?.stop();
    await t.close();
  });

  const call = async (path: string, k = key) => {
    const r = await fetch(`${w.url}${path}`, { headers: { authorization: `Bearer ${k}` } });
    return { status: r.status, body: await r.json() as Record<string, unknown> };
  };

  it('adds a person with the role chosen, and makes them a key shown once that signs in until it is revoked', async () => {
    const { page, errors, close } = await newPage(w);
    await page.goto(`/settings#key=${key}`);
    await page.getByRole('heading', { name: 'Add a person' }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/settings');
    await page.getByLabel('E-mail').fill('Dana.Lopez@Example.com');
    await page.getByLabel('Name (optional)').fill('Dana Lopez');
    await page.getByLabel('Role', { exact: true }).selectOption('manager');
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toBe('Added dana.lopez@example.com as manager.');
    await expect.poll(() => page.getByRole('table', { name: 'Users' }).locator('tbody tr').count()).toBe(3);
    const users = (await call('/v1/users')).body.data as { id: string; email: string; role: string; is_active: boolean }[];
    const dana = users.find((u) => u.email === 'dana.lopez@example.com')!;
    expect(dana).toMatchObject({ role: 'manager', is_active: true });
    await screenshot(page, 'settings-users');

    // the same e-mail again is refused with the reason
    await page.getByLabel('E-mail').fill('dana.lopez@example.com');
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    await page.getByRole('alert').waitFor();
    expect((await call('/v1/users')).body.data).toHaveLength(3);

    // a key for her, made by the owner under API keys
    await page.getByRole('link', { name: 'API keys', exact: true }).click();
    await page.getByLabel('Name', { exact: true }).fill('dana laptop');
    await page.getByLabel('For', { exact: true }).selectOption(dana.id);
    await page.getByRole('button', { name: 'Create key' }).click();
    const shown = page.getByRole('region', { name: 'New API key' });
    await shown.waitFor();
    expect(await shown.textContent()).toContain('it will not be shown again');
    const newKey = await page.getByLabel('The new API key').inputValue();
    expect(newKey).toMatch(/^pl_[A-Za-z0-9_-]{43}$/);
    const me = await call('/v1/me', newKey);
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ role: 'manager', user: { email: 'dana.lopez@example.com' } });
    await screenshot(page, 'settings-keys');
    // shown once: a reload shows the list, never the key
    await page.reload();
    const row = page.getByRole('row', { name: /dana laptop/ });
    await row.waitFor();
    expect(await page.getByRole('region', { name: 'New API key' }).count()).toBe(0);
    expect(await page.content()).not.toContain(newKey);

    await row.getByRole('button', { name: /^Revoke dana laptop/ }).click();
    await row.getByRole('button', { name: /^Yes, revoke/ }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toMatch(/^Revoked “dana laptop”/);
    expect((await call('/v1/me', newKey)).status).toBe(401);
    expect((await call('/v1/me')).status).toBe(200); // the owner's own key still works
    expect(errors).toEqual([]);
    await close();
  });

  it('stores a scoring weight, and refuses a negative one by name without changing anything', async () => {
    const { page, errors, close } = await newPage(w);
    await page.goto(`/settings/scoring#key=${key}`);
    const weight = page.getByLabel('Verified email (points)');
    await weight.fill('45');
    await page.getByLabel('Probate (points)').fill('18');
    await page.getByRole('button', { name: 'Save weights' }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toMatch(/^Saved 2 weights/);
    let stored = await t.c.scoring.settings(owner);
    expect(stored.quality.verified_email).toBe(45);
    expect(stored.motivation.probate).toBe(18);

    await weight.fill('-5');
    await page.getByLabel('Roof age (points)').fill('30');
    await page.getByRole('button', { name: 'Save weights' }).click();
    await page.getByRole('alert').waitFor();
    expect(await weight.getAttribute('aria-invalid')).toBe('true');
    const described = await weight.getAttribute('aria-describedby');
    expect(await page.locator(`[id="${described!.split(' ')[0]}"]`).textContent()).toMatch(/>=\s*0/);
    expect(await page.getByRole('alert').textContent()).toContain('quality.verified_email');
    await screenshot(page, 'settings-scoring-error');
    stored = await t.c.scoring.settings(owner);
    expect(stored.quality.verified_email).toBe(45);
    expect(stored.roof.roof_age).toBe(35); // the valid change sent with it was not stored either
    expect(errors).toEqual([]);
    await close();
  });

  it('shows the spend to the cent and the budget left, then estimates and runs an enrichment', async () => {
    const { page, errors, close } = await newPage(w);
    await page.goto(`/enrichment#key=${key}`);
    const total = page.locator('.spend-total strong');
    await total.waitFor();
    expect(await total.textContent()).toBe('$16.71');
    expect(SEEDED_CENTS).toBe(1671);
    expect(await page.getByText(/^Budget remaining/).textContent()).toContain(`$${((TOPUP_CENTS - SEEDED_CENTS) / 100).toFixed(2)}`);
    expect(await page.getByRole('img', { name: /^Spend by day:/ }).count()).toBe(1);
    const batchdata = page.getByRole('table', { name: 'Spend by provider' }).getByRole('row', { name: /batchdata/ });
    expect(await batchdata.locator('td').allTextContents()).toEqual(['batchdata', '2', '0', '$12.65']);
    await screenshot(page, 'enrichment');

    await page.getByRole('link', { name: 'Enrichment runs' }).click();
    await page.getByText('No enrichment runs yet').waitFor();
    await page.getByLabel('Tag', { exact: true }).fill(tag);
    await page.getByRole('button', { name: 'Estimate the cost' }).click();
    const estimate = page.getByRole('region', { name: 'Estimate' });
    await estimate.waitFor();
    expect(await estimate.textContent()).toMatch(/^3 leads: about \$/);
    expect(await estimate.textContent()).toContain('The budget holds $33.29: enough.');
    await page.getByRole('button', { name: /^Start the run/ }).click();
    await expect.poll(() => new URL(page.url()).searchParams.get('id')).toMatch(/^[0-9a-f-]{36}$/);
    const runId = new URL(page.url()).searchParams.get('id')!;
    const run = page.getByRole('article', { name: 'Enrichment run' });
    await expect.poll(() => run.locator('.badge').first().textContent(), { timeout: 30_000 }).toBe('completed');
    await expect.poll(() => run.getByRole('table', { name: 'Run by step' }).locator('tbody tr').count()).toBeGreaterThanOrEqual(2);
    const report = (await call(`/v1/enrichments/${runId}`)).body as { stages: { stage: string; cost_cents: number }[] };
    const runCents = report.stages.reduce((n, s) => n + s.cost_cents, 0);
    expect(await run.getByRole('row', { name: /^Append/ }).locator('td').last().textContent()).toBe(`$${(report.stages.find((s) => s.stage === 'append')!.cost_cents / 100).toFixed(2)}`);
    await screenshot(page, 'enrichment-run');

    // the spend now holds the run's calls too, to the cent
    await page.getByRole('link', { name: 'Spend', exact: true }).click();
    await expect.poll(() => total.textContent()).toBe(`$${((SEEDED_CENTS + runCents) / 100).toFixed(2)}`);
    expect(((await call('/v1/costs')).body.total_cents)).toBe(SEEDED_CENTS + runCents);
    expect(errors).toEqual([]);
    await close();
  });

  it("sets a sequence's working hours and days, and refuses hours that end before they start", async () => {
    const s = await t.c.sequences.create(owner, {
      name: 'Storm follow-up', timezone: 'America/Chicago', nodes: [{ key: 'start', type: 'START' }, { key: 'text', type: 'SMS', config: { template: { body: 'Hi' } } }, { key: 'done', type: 'END' }],
      edges: [{ from: 'start', to: 'text' }, { from: 'text', to: 'done' }],
    });
    const { page, errors, close } = await newPage(w);
    await page.goto(`/settings/hours#key=${key}`);
    const form = page.getByRole('form', { name: 'Working hours of Storm follow-up' });
    await form.getByLabel('Until').fill('07:00');
    await form.getByRole('button', { name: 'Save hours' }).click();
    await form.getByText('working hours end after they start').waitFor();
    expect(await t.c.sequences.show(owner, s.id)).toMatchObject({ working_hours_start: '09:00', working_hours_end: '17:00' });

    await form.getByLabel('From').fill('08:00');
    await form.getByLabel('Until').fill('18:30');
    await form.getByLabel('Sat').check();
    await form.getByRole('button', { name: 'Save hours' }).click();
    await page.getByText('Saved: Storm follow-up works 08:00 to 18:30, Mon, Tue, Wed, Thu, Fri, Sat (America/Chicago).').waitFor();
    expect(await t.c.sequences.show(owner, s.id)).toMatchObject({ working_hours_start: '08:00', working_hours_end: '18:30', working_days: [1, 2, 3, 4, 5, 6] });
    await screenshot(page, 'settings-hours');
    expect(errors).toEqual([]);
    await close();
  });

  it('offers an agent only their own sections, and fits a phone', async () => {
    const a = await newPage(w);
    await a.page.goto(`/settings#key=${agentKey}`);
    const nav = a.page.getByRole('navigation', { name: 'Settings sections' });
    await nav.getByRole('link').first().waitFor();
    expect(await nav.getByRole('link').allTextContents()).toEqual(['Your voice and AI', 'API keys']);
    await a.page.getByLabel('Speaking rate').waitFor();
    await a.page.getByLabel('Speaking rate').fill('1.2');
    await a.page.getByRole('button', { name: 'Save', exact: true }).click();
    await expect.poll(() => a.page.getByRole('status').textContent()).toBe('Saved: speaking rate.');
    const agentId = ((await call('/v1/me', agentKey)).body.user as { id: string }).id;
    expect((await call(`/v1/users/${agentId}/config/voice`, agentKey)).body).toMatchObject({ speaking_rate: 1.2, saved: true });
    await a.page.goto('/settings/budget');
    await a.page.getByText('Not allowed').waitFor();
    expect(await a.page.getByRole('alert').textContent()).toContain('only managers and above may see the budget');
    expect(a.errors).toEqual([]);
    await a.close();

    const { page, errors, close } = await newPage(w, 'phone');
    for (const path of ['/settings/users', '/settings/providers', '/enrichment']) {
      await page.goto(`${path}#key=${key}`);
      await page.getByRole('table').first().waitFor();
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    }
    await screenshot(page, 'enrichment-phone');
    await page.goto('/settings/keys');
    await page.getByRole('button', { name: 'Create key' }).waitFor();
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await screenshot(page, 'settings-phone');
    expect(errors).toEqual([]);
    await close();
  });
});
