/// <reference lib="dom" />
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Actor } from '../../src/db/tenant.ts';
import { chromiumMissing, newPage, screenshot, startWebApp, type WebApp } from '../support/browser.ts';
import { createTestContext, type TestContext } from '../support/context.ts';
import { listing, nudgeAgent } from '../support/nudges.ts';
import { outreachOrg, PUBLIC_ENV, rows, TUESDAY_MORNING } from '../support/outreach.ts';

// The web app in chromium: sign in with an API key, work the nudge inbox (open, edit, approve,
// dismiss, pause) with the mouse and the keyboard, at laptop and phone widths; every step is
// checked in the database too, and screenshots land in test-results/.

describe.skipIf(chromiumMissing)('web app: sign-in and the nudge inbox', () => {
  let t: TestContext;
  let w: WebApp;
  let actor: Actor;
  let key: string;

  beforeAll(async () => {
    t = await createTestContext({ now: () => TUESDAY_MORNING, env: PUBLIC_ENV });
    const o = await outreachOrg(t);
    actor = o.actor;
    key = await t.newApiKey(o.org.id, o.owner.id);
    await nudgeAgent(t, actor);
    const day = new Date(TUESDAY_MORNING.getTime() - 86_400_000);
    await t.c.nudges.mls.importBody(actor, { value: [
      listing({ ListPrice: 410000, PublicRemarks: 'Huge fenced backyard, near parks and good schools.', UnparsedAddress: '1401 Bouldin Ave, Austin, TX 78704' }, day),
      listing({ ListPrice: 445000, PublicRemarks: 'Backyard garden on a quiet street near good schools.', UnparsedAddress: '1502 Bouldin Ave, Austin, TX 78704' }, day),
      listing({ ListPrice: 399000, PublicRemarks: 'Backyard with room for a pool, near parks.', UnparsedAddress: '1603 Bouldin Ave, Austin, TX 78704' }, day),
    ] }, null);
    expect((await t.c.nudges.pipeline.run(actor)).briefings_created).toBe(3);
    await t.c.nudges.resources.add(actor, { title: 'Zilker Park guide', url: 'https://example.com/zilker-guide', content_type: 'article' });
    w = await startWebApp(t);
  }, 180_000);
  afterAll(async () => {
    await w?.close();
    await t.close();
  });

  const status = async (headlineLike: string) => (await rows<{ id: string; status: string }>(t, actor,
    sql`SELECT id, status FROM briefing WHERE headline LIKE ${`%${headlineLike}%`}`))[0]!;

  it('refuses a wrong key with the reason, then signs in and lands in the inbox', async () => {
    const { page, errors, close } = await newPage(w);
    await page.goto('/');
    await page.getByLabel('API key').fill('pl_not-a-real-key');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('malformed API key');
    await screenshot(page, 'sign-in-refused');
    await page.getByLabel('API key').fill(key);
    await page.getByRole('button', { name: 'Sign in' }).click();
    // signed in, the app opens on the leads; the nudge inbox is one click away
    await page.getByRole('region', { name: 'Leads' }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/leads');
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Nudges' }).click();
    await page.getByRole('tab', { name: 'To review' }).waitFor();
    await expect.poll(() => page.locator('.items li').count()).toBe(3);
    await screenshot(page, 'inbox');
    // the key is kept: a reload stays signed in; signing out forgets it
    await page.reload();
    await page.getByRole('tab', { name: 'To review' }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/nudges');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('API key').waitFor();
    expect(await page.evaluate(() => localStorage.getItem('porchlight.apiKey'))).toBeNull();
    expect(errors).toEqual([]);
    await close();
  });

  it('opens a nudge, edits the draft, approves it by e-mail; the messages are scheduled', async () => {
    const { page, errors, close } = await newPage(w);
    await page.goto(`/nudges#key=${key}`);
    await page.getByText('1401 Bouldin Ave').first().click();
    const detail = page.getByRole('region', { name: 'Nudge' });
    await detail.getByRole('heading', { name: 'Audience' }).waitFor();
    expect(await detail.getByText('Why now').isVisible()).toBe(true);
    expect(await detail.locator('tbody tr').first().textContent()).toContain('Maria Lopez');
    await screenshot(page, 'nudge');

    // e edits, the draft keeps {first_name}; the preview is what Maria reads
    await page.keyboard.press('e');
    const box = detail.getByRole('textbox', { name: 'Draft' });
    await box.fill('Hi {first_name}, a fenced yard near the park just listed. Want a tour this weekend?');
    await detail.getByRole('button', { name: 'Save draft' }).click();
    await detail.getByText('Draft saved').waitFor();
    // a resource attached goes at the end of every message
    await detail.getByLabel('Attach').selectOption({ label: 'Zilker Park guide (article, used 0×)' });
    await detail.getByRole('button', { name: 'Attach', exact: true }).click();
    await detail.getByText('Attached: its link goes').waitFor();
    await detail.getByText('What Maria Lopez will read').click();
    expect(await detail.locator('details pre').textContent()).toBe('Hi Maria, a fenced yard near the park just listed. Want a tour this weekend?\nZilker Park guide: https://example.com/zilker-guide');

    await detail.getByLabel('Send by').selectOption('email');
    await detail.getByRole('button', { name: /^Approve/ }).click();
    await detail.getByText(/Approved: \d+ messages? scheduled/).waitFor();
    await screenshot(page, 'nudge-approved');
    const b = await status('1401 Bouldin');
    expect(b.status).toBe('ACTIVE');
    const msgs = await rows<{ channel: string; body: string; status: string }>(t, actor, sql`SELECT channel, body, status FROM message WHERE briefing_id = ${b.id}::uuid`);
    expect(msgs.length).toBeGreaterThan(0);
    expect(msgs.every((m) => m.channel === 'email' && m.status === 'pending' && m.body.includes('a fenced yard near the park') && m.body.endsWith('https://example.com/zilker-guide'))).toBe(true);
    expect((await rows<{ usage_count: number }>(t, actor, sql`SELECT usage_count FROM content_resource`))[0]!.usage_count).toBe(1);
    // the approved one left "To review"; pausing and resuming work from its page
    await expect.poll(() => page.locator('.items li').count()).toBe(2);
    await detail.getByRole('button', { name: 'Pause sending' }).click();
    await detail.getByText('Paused: nothing more is sent').waitFor();
    expect((await status('1401 Bouldin')).status).toBe('PAUSED');
    expect(errors).toEqual([]);
    await close();
  });

  it('works from the keyboard: j/k move, d dismisses with a reason that becomes a negative preference', async () => {
    const { page, errors, close } = await newPage(w);
    await page.goto(`/nudges#key=${key}`);
    await page.locator('.items li').first().waitFor();
    await page.keyboard.press('j');
    await page.waitForURL(/\/nudges\/[0-9a-f-]{36}/);
    const first = page.url();
    await page.keyboard.press('j');
    await page.waitForURL((u) => u.toString() !== first);
    await page.keyboard.press('k');
    await page.waitForURL(first);
    const id = new URL(first).pathname.split('/').pop()!;
    await page.getByRole('region', { name: 'Nudge' }).getByRole('heading', { name: 'Audience' }).waitFor();
    await page.keyboard.press('d');
    await page.getByLabel(/Why is it wrong for them/).fill('they all bought already');
    await page.getByRole('button', { name: 'Dismiss for everyone' }).click();
    await page.getByText('Dismissed: alike opportunities').waitFor();
    const [b] = await rows<{ status: string; prefs: number }>(t, actor, sql`SELECT status, (SELECT count(*)::int FROM negative_preference n WHERE n.source_briefing_id = b.id AND n.reason = 'they all bought already') AS prefs FROM briefing b WHERE id = ${id}::uuid`);
    expect(b!.status).toBe('DISMISSED');
    expect(b!.prefs).toBeGreaterThan(0);
    // the Dismissed tab has it
    await page.getByRole('tab', { name: 'Dismissed' }).click();
    await page.locator('.items li').first().waitFor();
    await expect.poll(() => page.locator('.items li').count()).toBe(1);
    expect(errors).toEqual([]);
    await close();
  });

  it('at phone width shows the list, then the nudge with a way back; a pasted link opens the same page; unknown pages say so', async () => {
    const { page, errors, close } = await newPage(w, 'phone');
    await page.goto(`/nudges#key=${key}`);
    await page.locator('.items li').first().waitFor();
    await screenshot(page, 'inbox-phone');
    await page.locator('.items li a').first().click();
    await page.getByRole('link', { name: '← All nudges' }).waitFor();
    expect(await page.locator('.inbox-list').isVisible()).toBe(false);
    // nothing wider than the phone: the audience table scrolls inside its box
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await screenshot(page, 'nudge-phone');
    // a deep link: the server answers with the app, the app draws the same nudge
    const deep = page.url();
    await page.goto(deep);
    await page.getByRole('heading', { name: 'Audience' }).waitFor();
    await page.getByRole('link', { name: '← All nudges' }).click();
    await page.locator('.items li').first().waitFor();
    await page.goto('/no/such/page');
    await page.getByText('No such page').waitFor();
    // the API keeps its own answers: JSON, never the app
    const missing = await page.goto('/v1/nothing');
    expect(missing?.status()).toBe(404);
    expect(await missing?.json()).toMatchObject({ error: { code: 'NOT_FOUND' } });
    expect(errors).toEqual([]);
    await close();
  });

  it('shows an error with a way to retry when a nudge is not there', async () => {
    const { page, close } = await newPage(w);
    await page.goto(`/nudges/00000000-0000-4000-8000-000000000000#key=${key}`);
    await page.getByText('Not found', { exact: true }).waitFor();
    expect(await page.getByRole('button', { name: 'Try again' }).isVisible()).toBe(true);
    await screenshot(page, 'nudge-not-found');
    await close();
  });
});
