import { Readable } from 'node:stream';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withTenant, type Actor } from '../../src/db/tenant.ts';
import { registryFacts } from '../../src/domain/compliance/registry.repository.ts';
import { createDncService, type DncService } from '../../src/domain/routing/dnc.service.ts';
import { createTestContext, type TestContext } from '../support/context.ts';

// The organization's copy of the national registry: loading downloads (bad lines reported, the
// rest landing; an area code's copy replaced; a second load changing nothing), the gate reading
// it, the organization's own list in bulk, and `check`.

let ctx: TestContext;
let dnc: DncService;
const NOW = new Date('2026-03-10T15:00:00Z');
beforeAll(async () => {
  ctx = await createTestContext();
  // the service on a fixed clock: download days are refused in the future and aged against now
  dnc = createDncService({ db: ctx.c.db, pii: ctx.c.pii, now: () => NOW });
});
afterAll(async () => ctx.close());

const file = (...lines: string[]) => Readable.from([lines.join('\r\n') + '\r\n']);
const numbers = (actor: Actor) => withTenant(ctx.c.db, actor, async (trx) =>
  (await sql<{ phone: string }>`SELECT phone::text AS phone FROM dnc_registry_number ORDER BY phone`.execute(trx)).rows.map((r) => r.phone));
const facts = (actor: Actor, phones: string[]) => withTenant(ctx.c.db, actor, (trx) => registryFacts(trx, phones));
const PEWC = { seller_name: 'Acme Roofing', scope: ['sms', 'voice'], type: 'pewc', method: 'web_form', disclosure_text: 'I agree that Acme Roofing may text and call me at this number using automated technology. Consent is not a condition of purchase.' };

describe('national registry copy', () => {
  it('loads the good lines of a download and reports each bad one by line and reason', async () => {
    const { actor } = await ctx.newOrganization();
    const r = await dnc.importNational(actor, { as_of: '2026-03-01', file_name: 'dnc-512.txt' }, file(
      '512,5550100', '512,555010', '123,5550101', '5125550102', '+15125550103', '512,0550104', '', '737,5550105', '512,5550100',
    ));
    expect(r).toMatchObject({
      area_codes: [512, 737], as_of: '2026-03-01', file_name: 'dnc-512.txt', rows_read: 8, rows_loaded: 5, rows_rejected: 3,
      numbers: 4, numbers_added: 4, numbers_removed: 0, stale: false,
    });
    expect(r.issues).toEqual([
      { line: 2, reason: expect.stringContaining('expected AAA,NNNNNNN') },
      { line: 3, reason: 'area code 123 is not a US area code' },
      { line: 6, reason: expect.stringContaining('exchange 055') },
    ]);
    expect(await numbers(actor)).toEqual(['5125550100', '5125550102', '5125550103', '7375550105']);
  });

  it("replaces an area code's copy with a newer download, leaves the others, and changes nothing when loaded again", async () => {
    const { actor } = await ctx.newOrganization();
    await dnc.importNational(actor, { as_of: '2026-02-01' }, file('512,5550100', '512,5550103', '737,5550105'));
    const again = () => dnc.importNational(actor, { as_of: '2026-03-01' }, file('512,5550100', '512,5550199'));
    expect(await again()).toMatchObject({ area_codes: [512], numbers: 2, numbers_added: 1, numbers_removed: 1 });
    expect(await numbers(actor)).toEqual(['5125550100', '5125550199', '7375550105']);
    // the same file once more: the same copy, an import recorded, nothing moved
    expect(await again()).toMatchObject({ numbers: 2, numbers_added: 0, numbers_removed: 0 });
    expect(await numbers(actor)).toEqual(['5125550100', '5125550199', '7375550105']);
    const f = await facts(actor, ['+15125550103', '+15125550199', '+17375550105', '+12145550100', '+442071234567', 'garbage']);
    expect(Object.fromEntries([...f].map(([k, v]) => [k, { national: v.national, asOf: v.registryAsOf?.toISOString().slice(0, 10) ?? null }]))).toEqual({
      '+15125550103': { national: false, asOf: '2026-03-01' },
      '+15125550199': { national: true, asOf: '2026-03-01' },
      '+17375550105': { national: true, asOf: '2026-02-01' },
      '+12145550100': { national: false, asOf: null }, // no copy of 214
      '+442071234567': { national: false, asOf: null },
      garbage: { national: false, asOf: null },
    });
    // another organization has its own subscription: nothing of this copy
    const other = await ctx.newOrganization();
    expect((await facts(other.actor, ['+15125550199'])).get('+15125550199')).toEqual({ national: false, registryAsOf: null });
  });

  it('counts declared area codes as scrubbed even with no number, and refuses lines of others', async () => {
    const { actor } = await ctx.newOrganization();
    const r = await dnc.importNational(actor, { as_of: '2026-03-05', area_codes: '512, 214' }, file('512,5550100', '737,5550105'));
    expect(r).toMatchObject({ area_codes: [214, 512], rows_loaded: 1, rows_rejected: 1, issues: [{ line: 2, reason: expect.stringContaining('area code 737 is not among') }] });
    const f = await facts(actor, ['+12145550100']);
    expect(f.get('+12145550100')).toEqual({ national: false, registryAsOf: new Date('2026-03-05T00:00:00Z') });
    // an empty file for a declared area code empties its copy
    expect(await dnc.importNational(actor, { as_of: '2026-03-06', area_codes: ['512'] }, file())).toMatchObject({ numbers: 0, numbers_removed: 1 });
  });

  it('refuses what is no copy of the registry, a day in the future, and agents', async () => {
    const { org, actor } = await ctx.newOrganization();
    await dnc.importNational(actor, { as_of: '2026-03-01' }, file('512,5550100'));
    const load = (input: object, body: Readable, who = actor) => dnc.importNational(who, input, body);
    await expect(load({ as_of: '2026-03-02' }, file('512,5550100,A,2026-03-01'))).rejects.toMatchObject({ code: 'VALIDATION', message: expect.stringContaining('change-list') });
    await expect(load({ as_of: '2026-03-02', area_codes: '512' }, file('phone', 'nonsense'))).rejects.toMatchObject({ code: 'VALIDATION', message: expect.stringContaining('nothing was loaded') });
    await expect(load({ as_of: '2026-03-02' }, file())).rejects.toMatchObject({ code: 'VALIDATION', message: expect.stringContaining('no area codes') });
    await expect(load({ as_of: '2026-03-02' }, Readable.from([Buffer.from('PK\x03\x04zipped', 'latin1')]))).rejects.toMatchObject({ code: 'VALIDATION', message: expect.stringContaining('zip') });
    await expect(load({ as_of: '2026-03-11' }, file('512,5550100'))).rejects.toMatchObject({ code: 'VALIDATION', message: expect.stringContaining('future') });
    await expect(load({ as_of: '1 March' }, file('512,5550100'))).rejects.toMatchObject({ code: 'VALIDATION', message: expect.stringContaining('as_of') });
    await expect(load({ as_of: '2026-03-02', area_codes: '512,999' }, file('512,5550100'))).rejects.toMatchObject({ code: 'VALIDATION', message: expect.stringContaining('999 is not a US area code') });
    const agent = await ctx.newUser(org.id, 'agent');
    await expect(load({ as_of: '2026-03-02' }, file('512,5550100'), agent.actor)).rejects.toMatchObject({ code: 'FORBIDDEN' });
    // the database says so too, and the record of imports is never rewritten
    await expect(withTenant(ctx.c.db, agent.actor, (trx) => sql`DELETE FROM dnc_registry_number`.execute(trx))).resolves.toMatchObject({ numAffectedRows: 0n });
    await expect(withTenant(ctx.c.db, agent.actor, (trx) => sql`INSERT INTO dnc_registry_number (organization_id, phone, import_id) VALUES (${org.id}, 5125550111, gen_random_uuid())`.execute(trx)))
      .rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(withTenant(ctx.c.db, actor, (trx) => sql`UPDATE dnc_registry_import SET as_of = '2026-03-09'`.execute(trx))).rejects.toMatchObject({ code: 'FORBIDDEN' });
    expect(await numbers(actor)).toEqual(['5125550100']);
  });
});

describe('the gate with the registry copy (GA, Tue 2026-03-10 11:00 ET)', () => {
  const at = '2026-03-10T11:00:00-04:00';
  const check = (actor: Actor, phone: string, channel: string) => ctx.c.compliance.check(actor, { phone, zip: '30303', state: 'GA', channel, at });

  it('denies telemarketing to a registered number without consent, and allows it with written consent', async () => {
    const { actor } = await ctx.newOrganization();
    await dnc.importNational(actor, { as_of: '2026-03-01' }, file('404,5550101'));
    expect(await check(actor, '+14045550101', 'call')).toMatchObject({ decision: 'deny', reason: 'NATIONAL_DNC' });
    expect(await check(actor, '+14045550101', 'sms')).toMatchObject({ decision: 'deny', reason: 'PEWC_REQUIRED:SMS_MARKETING', reasons: expect.arrayContaining(['NATIONAL_DNC']) });
    expect(await check(actor, '+14045550102', 'call')).toMatchObject({ decision: 'allow' }); // scrubbed, not registered
    await ctx.c.compliance.recordConsent(actor, { phone: '+14045550101', ...PEWC, captured_at: '2026-02-01T12:00:00-05:00' });
    expect(await check(actor, '+14045550101', 'call')).toMatchObject({ decision: 'allow' });
    expect(await check(actor, '+14045550101', 'sms')).toMatchObject({ decision: 'allow' });
    // the decision keeps the registry version it used
    const [logged] = await ctx.c.compliance.log(actor, { limit: 1 });
    const stored = await withTenant(ctx.c.db, actor, async (trx) => (await sql<{ facts: { dnc: unknown } }>`SELECT facts FROM compliance_decision WHERE id = ${logged!.id as string}::uuid`.execute(trx)).rows[0]!);
    expect(stored.facts.dnc).toEqual({ national: true, registryAsOf: '2026-03-01T00:00:00.000Z' });
  });

  it('takes a copy 30 days old as a scrub and one 32 days old as none (DNC_DATA_STALE)', async () => {
    const fresh = await ctx.newOrganization();
    await dnc.importNational(fresh.actor, { as_of: '2026-02-08' }, file('404,5550101'));
    expect(await check(fresh.actor, '+14045550113', 'call')).toMatchObject({ decision: 'allow' });
    const stale = await ctx.newOrganization();
    await dnc.importNational(stale.actor, { as_of: '2026-02-06' }, file('404,5550101'));
    expect(await check(stale.actor, '+14045550113', 'call')).toMatchObject({ decision: 'deny', reason: 'DNC_DATA_STALE' });
    // a number of an area code with no copy: no scrub either
    expect(await check(fresh.actor, '+17705550113', 'call')).toMatchObject({ decision: 'deny', reason: 'DNC_DATA_STALE' });
  });
});

describe("the organization's own list in bulk, and check", () => {
  it('puts the good rows on the list in one go, reports the bad ones, and adds nothing twice', async () => {
    const { org, actor } = await ctx.newOrganization();
    const csv = () => Readable.from(['phone,email,reason,source\n(512) 555-0100,,asked not to call,door\n,Pat@Example.com,,\n555,,,\n,,,\n+15125550100,pat@example.com,again,\n']);
    const r = await dnc.importList(actor, {}, csv());
    expect(r).toMatchObject({ rows: 4, rejected: 1, added: 2, already_listed: 0, repeated: 2, issues: [{ line: 4, reason: "phone: '555' is not a phone number" }] });
    const list = await ctx.c.dnc.list(actor);
    expect(list.map((e) => [e.kind, e.reason, e.source]).sort()).toEqual([['email', null, 'import'], ['phone', 'asked not to call', 'door']]);
    // an agent may add; what is on the list stays as it is
    const agent = await ctx.newUser(org.id, 'agent');
    expect(await dnc.importList(agent.actor, { source: 'agent' }, csv())).toMatchObject({ added: 0, already_listed: 2 });
    await expect(dnc.importList(actor, {}, Readable.from(['name,city\nPat,Austin\n']))).rejects.toMatchObject({ code: 'VALIDATION', message: expect.stringContaining('no phone or email column') });
  });

  it('says where a phone stands on both lists and with its consents', async () => {
    const { actor } = await ctx.newOrganization();
    await dnc.importNational(actor, { as_of: '2026-01-20' }, file('512,5550100'));
    await dnc.add(actor, { phone: '512-555-0100', reason: 'asked not to call' });
    await ctx.c.compliance.recordConsent(actor, { phone: '+15125550100', ...PEWC, captured_at: '2026-01-01T12:00:00-06:00' });
    const r = await dnc.check(actor, { phone: '(512) 555-0100' });
    expect(r).toMatchObject({
      contact: '+1512•••0100', kind: 'phone',
      organization_list: { listed: true, reason: 'asked not to call', source: 'manual' },
      national: { area_code: 512, listed: true, as_of: '2026-01-20', age_days: 49, stale: true },
      consents: { live: 1, revoked: 0, written: true, records: [expect.objectContaining({ seller_name: 'Acme Roofing', type: 'pewc' })] },
    });
    expect(await dnc.check(actor, { email: 'nobody@example.com' })).toMatchObject({ organization_list: { listed: false }, national: null, consents: { live: 0 } });
    await expect(dnc.check(actor, {})).rejects.toMatchObject({ code: 'VALIDATION' });
  });
});
