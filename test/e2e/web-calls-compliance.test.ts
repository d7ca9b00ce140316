/// <reference lib="dom" />
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Actor } from '../../src/db/tenant.ts';
import { chromiumMissing, newPage, screenshot, startWebApp, type WebApp } from '../support/browser.ts';
import { createTestContext, type TestContext } from '../support/context.ts';
import { austinLead, outreachOrg, PEWC, rows, TUESDAY_MORNING } from '../support/outreach.ts';

// Calls, bookings and compliance in chromium: the calls list with a call's transcript and
// events, a call logged by hand (refused first, naming its fields), the voice metrics; a booking
// made and one cancelled; the gate's log with a blocked decision's reasons; the do-not-contact
// list (a bad number refused, a good one added, a file with a bad line), a consent kept and revoked,
// and the gate asked before sending; and the pages at phone width. Each step is checked in the database or through the API.

const AI_PEWC = { ...PEWC, scope: ['sms', 'voice', 'ai_voice'], disclosure_text: 'I agree that Acme Roofing may call me at this number with an artificial voice.' };
const DAY = '2026-03-10'; // TUESDAY_MORNING in New York

describe.skipIf(chromiumMissing)('web app: calls, bookings and compliance', () => {
  let t: TestContext;
  let w: WebApp;
  let actor: Actor;
  let key: string;
  let lead: Awaited<ReturnType<typeof austinLead>>;
  let placed: { id: string; booking: { id: string } | null };
  let blocked: { id: string };

  beforeAll(async () => {
    t = await createTestContext({ now: () => TUESDAY_MORNING });
    const o = await outreachOrg(t);
    actor = o.actor;
    key = await t.newApiKey(o.org.id, o.owner.id);
    lead = await austinLead(t, actor, { consent: false });
    // refused by the gate (no consent for an AI voice), then placed with consent: played, booked
    blocked = await t.c.voice.calls.start(actor, { lead_id: lead.id, scenario: 'scheduled' });
    await t.c.compliance.recordConsent(actor, { phone: lead.phone, ...AI_PEWC });
    placed = await t.c.voice.calls.start(actor, { lead_id: lead.id, goal: 'schedule', scenario: 'scheduled' }) as typeof placed;
    await t.c.voice.metrics.recompute(actor, { from: DAY, to: DAY });
    // a number on the organization's own list, and the gate asked about it: blocked
    await t.c.dnc.add(actor, { phone: '+14045550142', reason: 'asked on the phone' });
    await t.c.compliance.check(actor, { phone: '+14045550142', zip: '30303', state: 'GA', channel: 'call', at: '2026-03-10T11:00:00-04:00' });
    w = await startWebApp(t);
  }, 180_000);
  afterAll(async () => {
    await w?.close();
    await t.close();
  });

  const callsOfLead = async () => rows<{ id: string; duration_seconds: number; outcome: string; summary: string | null }>(t, actor,
    sql`SELECT id, duration_seconds, outcome, summary FROM voice_call WHERE lead_id = ${lead.id}::uuid ORDER BY initiated_at`);

  it('lists the calls, opens one with its transcript and events, logs a call by hand, and draws the metrics', async () => {
    const { page, errors, close } = await newPage(w);
    await page.goto(`/calls#key=${key}`);
    const list = page.getByRole('region', { name: 'Calls', exact: true });
    await expect.poll(() => list.locator('.items li').count()).toBe(2);
    expect(await list.locator('.items li', { hasText: 'blocked: NO_CONSENT_ARTIFICIAL_VOICE' }).count()).toBe(1);

    // the outcome filter is in the address and narrows the list
    await list.getByLabel('Outcome').selectOption('scheduled');
    await expect.poll(() => list.locator('.items li').count()).toBe(1);
    expect(new URL(page.url()).searchParams.get('outcome')).toBe('scheduled');
    await list.locator('.items li a').first().click();
    const detail = page.getByRole('region', { name: 'Call', exact: true });
    await detail.getByRole('heading', { name: 'Transcript' }).waitFor();
    expect(new URL(page.url()).pathname).toBe(`/calls/${placed.id}`);
    expect(await detail.locator('.cc-turns li').count()).toBeGreaterThan(2);
    expect(await detail.getByRole('table').textContent()).toContain('call ended');
    expect(await detail.getByRole('heading', { name: 'Booking' }).isVisible()).toBe(true);
    expect(await detail.locator('header').textContent()).toMatch(/Call to \(512\) •••-\d{4}/);
    await screenshot(page, 'calls');

    // the refused call says why, and leads to the gate's decision
    await page.goto(`/calls/${blocked.id}`);
    await detail.getByText('The compliance gate refused this call').waitFor();
    expect(await detail.locator('.cc-verdict').textContent()).toContain('NO_CONSENT_ARTIFICIAL_VOICE');

    // logging a call: refused with the fields named and nothing written, then logged and shown
    await list.getByRole('link', { name: 'Log a call' }).click();
    const form = page.getByRole('form', { name: 'Log a call' });
    await form.getByLabel('Duration').fill('a while');
    await form.getByRole('button', { name: 'Log the call' }).click();
    await form.getByRole('alert').waitFor();
    expect(await form.locator('#log-lead-error').textContent()).toBeTruthy();
    expect(await form.locator('#log-duration-error').textContent()).toBeTruthy();
    expect(await form.locator('#log-outcome-error').textContent()).toBeTruthy();
    expect(await form.getByLabel('Duration').getAttribute('aria-invalid')).toBe('true');
    expect(await callsOfLead()).toHaveLength(2);

    await form.getByLabel('Find the lead').fill('Owner');
    await expect.poll(() => form.getByLabel('Lead', { exact: true }).locator('option').count()).toBe(2);
    await form.getByLabel('Lead', { exact: true }).selectOption({ index: 1 });
    await form.getByLabel('Duration').fill('3:05');
    await form.getByLabel('Outcome').selectOption('follow_up');
    await form.getByLabel('Summary').fill('Wants a quote in the spring.');
    await form.getByRole('button', { name: 'Log the call' }).click();
    await detail.getByText('Wants a quote in the spring.').waitFor();
    const logged = (await callsOfLead()).find((c) => c.summary === 'Wants a quote in the spring.');
    expect(logged).toMatchObject({ duration_seconds: 185, outcome: 'follow_up' });
    expect(new URL(page.url()).pathname).toBe(`/calls/${logged!.id}`);
    await expect.poll(() => list.locator('.items li').count()).toBe(3);

    // the metrics of March: a chart of calls by day, the outcomes drawn and written out
    await page.getByRole('navigation', { name: 'Calls and bookings' }).getByRole('link', { name: 'Voice metrics' }).click();
    await page.getByLabel('From').fill('2026-03-01');
    await page.getByLabel('To').fill('2026-03-31');
    const chart = page.getByRole('img', { name: /^Calls by day:/ });
    await expect.poll(() => chart.getAttribute('aria-label')).toBe('Calls by day: 31 days, highest 1');
    expect(new URL(page.url()).search).toBe('?tab=metrics&from=2026-03-01&to=2026-03-31');
    expect(await page.getByText(/^1 call from 2026-03-01 to 2026-03-31/).textContent()).toContain('1 connected (100.0%), 1 booked');
    expect(await page.getByRole('img', { name: /^Outcomes:/ }).getAttribute('aria-label')).toContain('scheduled 1');
    expect(await page.locator('table', { has: page.locator('caption', { hasText: 'Outcomes' }) }).locator('tr', { hasText: 'scheduled' }).locator('td').allTextContents())
      .toEqual(['scheduled', '1', '100.0%']);
    await screenshot(page, 'voice-metrics');
    expect(errors).toEqual([]);
    await close();
  });

  it('books an appointment and cancels the one the call made', async () => {
    const { page, errors, close } = await newPage(w);
    await page.goto(`/calls?tab=bookings&when=all#key=${key}`);
    const table = page.locator('.cc-panel table');
    await expect.poll(() => table.locator('tbody tr').count()).toBe(1);
    const made = table.locator(`tr[data-booking="${placed.booking!.id}"]`);
    expect(await made.textContent()).toContain('confirmed');
    await made.getByRole('button', { name: 'Cancel booking' }).click();
    await page.getByRole('status').filter({ hasText: /^Cancelled the / }).waitFor();
    expect(await t.c.voice.bookings.show(actor, placed.booking!.id)).toMatchObject({ status: 'cancelled' });
    await expect.poll(() => made.textContent()).toContain('cancelled');
    expect(await made.getByRole('button', { name: 'Cancel booking' }).count()).toBe(0);

    await page.getByRole('button', { name: 'Book an appointment' }).click();
    const form = page.getByRole('form', { name: 'Book an appointment' });
    await form.getByLabel('Find the lead').fill('Owner');
    await expect.poll(() => form.getByLabel('Lead', { exact: true }).locator('option').count()).toBe(2);
    await form.getByLabel('Lead', { exact: true }).selectOption({ index: 1 });
    await form.getByLabel('Where').fill('100 Congress Ave');
    await form.getByRole('button', { name: 'Book it' }).click();
    await page.getByRole('status').filter({ hasText: /^Booked: inspection/ }).waitFor();
    const booked = await t.c.voice.bookings.list(actor, { lead: lead.id, status: 'confirmed' });
    expect(booked).toEqual([expect.objectContaining({ location: '100 Congress Ave', booking_type: 'inspection' })]);
    expect(new Date(booked[0]!.window_end).getTime() - new Date(booked[0]!.window_start).getTime()).toBe(3_600_000);
    await expect.poll(() => table.locator('tbody tr').count()).toBe(2);
    expect(errors).toEqual([]);
    await close();
  });

  it("shows a blocked decision's reasons, keeps the do-not-contact list and consents, and asks the gate before sending", async () => {
    const { page, errors, close } = await newPage(w);
    await page.goto(`/compliance?decision=deny#key=${key}`);
    const list = page.getByRole('region', { name: 'Decisions' });
    const denied = await t.c.compliance.log(actor, { decision: 'deny' });
    expect(denied.map((d) => d.reason)).toEqual(expect.arrayContaining(['INTERNAL_DNC', 'NO_CONSENT_ARTIFICIAL_VOICE']));
    await expect.poll(() => list.locator('.items li').count()).toBe(denied.length);
    expect(new Set(await list.locator('.items li .badge').allTextContents())).toEqual(new Set(['blocked']));
    await list.locator('.items li', { hasText: 'INTERNAL_DNC' }).getByRole('link').click();
    const detail = page.getByRole('region', { name: 'Decision' });
    await detail.getByRole('heading', { name: 'What the gate knew' }).waitFor();
    expect(await detail.locator('h1').textContent()).toBe('blocked call to (404) •••-0142');
    expect(await detail.locator('.cc-codes').first().textContent()).toContain('INTERNAL_DNC (the reason) · the number is on your own do-not-contact list');
    expect(await detail.locator('.facts').textContent()).toContain('On your do-not-contact listyes');
    await screenshot(page, 'compliance-log');

    await page.getByRole('navigation', { name: 'Compliance' }).getByRole('link', { name: 'Do not contact' }).click();
    const entries = page.locator('table', { has: page.locator('caption', { hasText: 'Your do-not-contact list' }) }).locator('tbody tr');
    await expect.poll(() => entries.count()).toBe(1);
    // a bad number: the field is named, nothing is added
    const add = page.getByRole('form', { name: 'Add to the list' });
    await add.getByLabel('Phone or e-mail to add').fill('555-12');
    await add.getByRole('button', { name: 'Add' }).click();
    await add.locator('#dnc-add-error').waitFor();
    expect(await add.locator('#dnc-add-error').textContent()).toBe("'555-12' is not a phone number");
    expect(await t.c.dnc.list(actor)).toHaveLength(1);
    // a good one: on the list, as the API says
    await add.getByLabel('Phone or e-mail to add').fill('(512) 555-0177');
    await add.getByLabel('Reason').fill('asked twice');
    await add.getByRole('button', { name: 'Add' }).click();
    await add.getByText('(512) •••-0177 is on your list.').waitFor();
    expect(await t.c.dnc.check(actor, { phone: '+15125550177' })).toMatchObject({ organization_list: { listed: true, reason: 'asked twice', source: 'manual' } });
    await expect.poll(() => entries.count()).toBe(2);
    const check = page.getByRole('form', { name: 'Check a number' });
    await check.getByLabel('Phone or e-mail').fill('512.555.0177');
    await check.getByRole('button', { name: 'Check' }).click();
    expect(await check.getByRole('status', { name: 'Where it stands' }).locator('.badge').first().textContent()).toBe('on your list');
    // a file with a bad line: the good line lands, the bad one is reported by number
    await page.getByText('Load a file').click();
    const load = page.getByRole('form', { name: 'Load a file' });
    await load.getByLabel('File', { exact: true }).setInputFiles({ name: 'dnc.csv', mimeType: 'text/csv', buffer: Buffer.from('phone,reason\n512-555-0188,moved away\nnot-a-phone,typo\n') });
    await load.getByRole('button', { name: 'Load it' }).click();
    await load.getByText('2 rows read: 1 added, 0 already listed, 1 refused.').waitFor();
    expect(await load.locator('tbody tr').allTextContents()).toEqual(["3phone: 'not-a-phone' is not a phone number"]);
    expect((await t.c.dnc.check(actor, { phone: '5125550188' })).organization_list.listed).toBe(true);
    await expect.poll(() => entries.count()).toBe(3);
    await screenshot(page, 'dnc');
    // the server searches the list: the reason, or the last digits as the list shows them
    const search = page.getByRole('search', { name: /Your list/ }).getByLabel('Search');
    await search.fill('moved');
    await expect.poll(() => entries.count()).toBe(1);
    expect(await entries.first().locator('td').first().textContent()).toBe('(512) •••-0188');
    expect(new URL(page.url()).searchParams.get('q')).toBe('moved');
    await search.fill('0177');
    await expect.poll(() => entries.first().locator('td').first().textContent()).toBe('(512) •••-0177');
    await expect.poll(() => entries.count()).toBe(1);
    await search.fill('');
    await expect.poll(() => entries.count()).toBe(3);

    // a consent: written consent without its disclosure is refused by name; kept, then revoked
    await page.getByRole('navigation', { name: 'Compliance' }).getByRole('link', { name: 'Consents' }).click();
    const record = page.getByRole('form', { name: 'Record a consent' });
    await record.getByLabel('Phone or e-mail').fill('404-555-0199');
    await record.getByLabel('Seller it names').fill('Acme Roofing');
    await record.getByLabel('texts').check();
    await record.getByRole('button', { name: 'Record it' }).click();
    await record.locator('#consent-disclosure-error').waitFor();
    expect(await record.locator('#consent-disclosure-error').textContent()).toContain('written consent (pewc) needs the disclosure');
    expect(await t.c.compliance.consents(actor, { phone: '+14045550199' })).toEqual([]);
    await record.getByLabel('Disclosure exactly as shown').fill('I agree that Acme Roofing may text me at this number using automated technology.');
    await record.getByRole('button', { name: 'Record it' }).click();
    const kept = page.locator('table', { has: page.locator('caption', { hasText: 'Consents of' }) }).locator('tbody tr');
    await expect.poll(() => kept.count()).toBe(1);
    expect(await kept.textContent()).toContain('live');
    expect(await t.c.compliance.consents(actor, { phone: '+14045550199' })).toEqual([expect.objectContaining({ seller_name: 'Acme Roofing', scope: ['sms'], type: 'pewc', revoked_at: null })]);
    const revoke = page.getByRole('form', { name: 'Revoke consent' });
    await revoke.getByLabel('Phone or e-mail').fill('+14045550199');
    await revoke.getByLabel('What they said').fill('STOP');
    await revoke.getByRole('button', { name: 'Revoke' }).click();
    await revoke.getByText('(404) •••-0199: 1 consent ended, and it is on your do-not-contact list.').waitFor();
    await expect.poll(() => kept.textContent()).toContain('revoked');
    expect((await t.c.dnc.check(actor, { phone: '+14045550199' })).organization_list).toMatchObject({ listed: true, source: 'revocation' });

    // the gate, asked before sending to the number just listed: blocked, with every reason
    await page.getByRole('link', { name: 'Check before you send' }).click();
    const ask = page.getByRole('form', { name: 'Check before you send' });
    await ask.getByRole('textbox', { name: 'Phone or e-mail' }).fill('512-555-0177');
    await ask.getByLabel('ZIP').fill('78701');
    await ask.getByLabel('State').fill('TX');
    await ask.getByRole('button', { name: 'Ask the gate' }).click();
    const verdict = page.getByRole('status', { name: "The gate's answer" });
    await verdict.waitFor();
    expect(await verdict.locator('h2').textContent()).toBe('blocked (512) •••-0177');
    expect(await verdict.textContent()).toContain('It may not go: the number is on your own do-not-contact list.');
    expect(await verdict.locator('.cc-codes li').first().textContent()).toMatch(/^INTERNAL_DNC \(the reason\)/);
    const last = (await t.c.compliance.log(actor, { limit: 1 }))[0]!;
    expect(last).toMatchObject({ decision: 'deny', reason: 'INTERNAL_DNC', contact: '+1512•••0177' });
    await verdict.getByRole('link', { name: 'See it in the decisions log' }).click();
    expect(new URL(page.url()).pathname).toBe(`/compliance/${last.id}`);
    expect(errors).toEqual([]);
    await close();
  });

  it('fits a phone: no sideways scroll on the calls, bookings, log and list', async () => {
    const { page, errors, close } = await newPage(w, 'phone');
    const wide = () => page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    await page.goto(`/calls#key=${key}`);
    await expect.poll(() => page.locator('.items li').count()).toBeGreaterThan(1);
    expect(await wide()).toBe(0);
    await page.locator('.items li a').first().click();
    await page.getByRole('heading', { name: 'Transcript' }).waitFor();
    expect(await page.getByRole('region', { name: 'Calls', exact: true }).isVisible()).toBe(false);
    expect(await wide()).toBe(0);
    await page.goto('/calls?tab=bookings&when=all');
    await page.locator('.cc-panel table').waitFor();
    expect(await wide()).toBe(0);
    await page.goto('/compliance');
    await expect.poll(() => page.locator('.items li').count()).toBeGreaterThan(1);
    expect(await wide()).toBe(0);
    await page.goto('/compliance?tab=dnc');
    await page.locator('.cc-panel table').waitFor();
    expect(await wide()).toBe(0);
    await screenshot(page, 'dnc-phone');
    expect(errors).toEqual([]);
    await close();
  });
});
