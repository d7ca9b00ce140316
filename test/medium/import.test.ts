import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Actor } from '../../src/db/tenant.ts';
import { withTenant } from '../../src/db/tenant.ts';
import type { ImportLeadsRequest } from '../../src/domain/ingest/ingest.service.ts';
import { createTestContext, type TestContext } from '../support/context.ts';

// Importing owner lists on a real database: identity, merge rules, idempotency and bad input.

const HEADER = 'Property Address,City,State,Zip,APN,Owner First Name,Owner Last Name,Phone 1,Phone 2,Email,Year Built,Notes,Favorite Color';

let ctx: TestContext;
let dir: string;
let n = 0;

async function importText(actor: Actor, text: string | Buffer, req: Partial<ImportLeadsRequest> = {}) {
  const file = path.join(dir, `list-${n++}.csv`);
  fs.writeFileSync(file, text);
  return ctx.c.ingest.importLeads(actor, { path: file, ...req });
}

const q = <T>(actor: Actor, query: string) =>
  withTenant(ctx.c.db, actor, async (trx) => (await sql.raw<T>(query).execute(trx)).rows);

beforeAll(async () => {
  ctx = await createTestContext();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'porchlight-import-'));
});
afterAll(async () => {
  await ctx.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('import leads', () => {
  it('lands one clean record per parcel and owner, merging reformatted repeats and every phone', async () => {
    const { actor } = await ctx.newOrganization();
    const csv = [
      HEADER,
      '123 North Main Street Apt 4,Springfield,Illinois,62701-1234,14-22-301-005,John,Smith,(217) 555-0142,,john@example.com,1950,,spring list',
      '"123 N. Main St., Apartment 4",SPRINGFIELD,IL,62701,,John,Smith,217.555.0199,217-555-0142,,,first call,spring list',
      '9 Elm Ave,Springfield,IL,62702,,Mary,Jones,not a phone,,,18xx,,spring list',
      '123 N Main St #4,Springfield,IL,62701,,Acme Holdings LLC,,,,,,,spring list',
    ].join('\r\n');
    const s = await importText(actor, csv, { source: 'county' });
    expect(s.counts).toMatchObject({ rows_read: 4, rows_rejected: 0, leads_inserted: 3, leads_merged: 1, properties_inserted: 2, persons_inserted: 3 });
    expect(s.counts.contact_points_added).toBe(3); // two of John's phones and his email; Mary's phone is invalid
    expect(s.issues.map((i) => [i.line, i.column, i.severity]).sort()).toEqual([[4, 'Year Built', 'warning'], [4, 'phone#1', 'warning']]);

    const props = await q<{ normalized_line: string; zip: string; apn: string | null; year_built: number | null }>(actor,
      'SELECT normalized_line, zip, apn, year_built FROM property ORDER BY normalized_line');
    expect(props).toHaveLength(2);
    expect(props.find((p) => p.zip === '62701')).toMatchObject({ apn: '1422301005', year_built: 1950 });
    // John's two rows are one lead; the company is a second owner of the same parcel
    const leads = await q<{ owner: string; is_company: boolean; notes: string | null; source: string; raw_data: Record<string, string> }>(actor,
      `SELECT coalesce(pe.full_name, pe.company_name) AS owner, pe.is_company, l.notes, l.source, l.raw_data
       FROM lead l JOIN person pe ON pe.id = l.person_id ORDER BY owner`);
    expect(leads.map((l) => [l.owner, l.is_company])).toEqual([['ACME HOLDINGS LLC', true], ['John Smith', false], ['Mary Jones', false]]);
    expect(leads[1]).toMatchObject({ notes: 'first call', source: 'county', raw_data: { 'Favorite Color': 'spring list' } });
    const phones = await q<{ n: number }>(actor, `SELECT count(*)::int AS n FROM contact_point WHERE kind = 'phone'`);
    expect(phones[0]!.n).toBe(2);

    // the audit log counts what each batch created, against the import, instead of a row per record
    const created = await q<{ entity: string; entity_id: string | null; n: number; import_id: string }>(actor,
      `SELECT entity, entity_id, sum((details->>'count')::int)::int AS n, details->>'import_id' AS import_id
       FROM audit_log WHERE action = 'create' AND entity <> 'app_user' GROUP BY 1, 2, 4 ORDER BY 1`);
    expect(created).toEqual(['contact_point', 'lead', 'person'].map((entity, i) => ({ entity, entity_id: null, n: [3, 3, 3][i], import_id: s.import!.id })));

    // naming an import that is not running (this one has finished) does not switch per-record auditing off
    const person = await withTenant(ctx.c.db, actor, async (trx) => {
      await sql`SELECT set_config('app.batch_id', ${s.import!.id}, true)`.execute(trx);
      return (await sql<{ id: string }>`INSERT INTO person (organization_id, full_name) VALUES (app_org_id(), 'Late Entry') RETURNING id`.execute(trx)).rows[0]!.id;
    });
    expect(await q(actor, `SELECT entity_id FROM audit_log WHERE action = 'create' AND entity = 'person' AND entity_id = '${person}'`)).toHaveLength(1);
  });

  it('fills empty fields, keeps conflicting ones and writes the offered value to the field audit', async () => {
    const { actor } = await ctx.newOrganization();
    await importText(actor, `${HEADER}\n500 Oak Rd,Austin,TX,78701,,Ann,Lee,,,,,call back,`);
    await importText(actor, `${HEADER}\n500 OAK ROAD,AUSTIN,TX,78701,555-777,Ann,Lee,,,,1988,do not call before 9,`);
    const [p] = await q<{ apn: string; year_built: number }>(actor, 'SELECT apn, year_built FROM property');
    expect(p).toMatchObject({ apn: '555777', year_built: 1988 });
    const [l] = await q<{ id: string; notes: string; first_seen_at: Date; last_seen_at: Date }>(actor, 'SELECT id, notes, first_seen_at, last_seen_at FROM lead');
    expect(l!.notes).toBe('call back');
    expect(l!.last_seen_at.getTime()).toBeGreaterThan(l!.first_seen_at.getTime());
    const offers = await q<{ field: string; old_value: string; new_value: string; applied: boolean }>(actor,
      'SELECT field, old_value, new_value, applied FROM lead_field_audit WHERE NOT applied');
    expect(offers).toEqual([{ field: 'notes', old_value: 'call back', new_value: 'do not call before 9', applied: false }]);
  });

  it('records an identity conflict when two keys of a row name two different parcels', async () => {
    const { actor } = await ctx.newOrganization();
    await importText(actor, `${HEADER}\n1 A St,Austin,TX,78701,111,Al,One,,,,,,\n2 B St,Austin,TX,78701,222,Bo,Two,,,,,,`);
    const s = await importText(actor, `${HEADER}\n1 A St,Austin,TX,78701,222,Al,One,,,,,,`);
    expect(s.counts).toMatchObject({ identity_conflicts: 1, leads_merged: 1, leads_inserted: 0 });
    const conflicts = await ctx.c.identity.listConflicts(actor);
    expect(conflicts).toHaveLength(1);
    expect(Object.keys(conflicts[0]!.matches).sort()).toEqual(['addr_hash', 'apn']);
    expect(conflicts[0]!.parcels.map((p) => p.apn).sort()).toEqual(['111', '222']);
  });

  it('accumulates sources on a contact point and never clears a do-not-call flag', async () => {
    const { actor } = await ctx.newOrganization();
    const header = 'Address,City,State,Zip,Owner Name,Phone 1,Phone 1 DNC';
    await importText(actor, `${header}\n7 Pine Ln,Austin,TX,78702,Sam Park,512-555-0110,Y`, { source: 'propstream' });
    const again = await importText(actor, `${header}\n7 Pine Lane,Austin,TX,78702,Sam Park,(512) 555-0110,N`, { source: 'batchleads' });
    expect(again.counts).toMatchObject({ contact_points_added: 0, contact_points_merged: 1, leads_merged: 1 });
    const [cp] = await q<{ sources: string[]; dnc: boolean }>(actor, 'SELECT sources, dnc FROM contact_point');
    expect(cp).toEqual({ sources: ['batchleads', 'propstream'], dnc: true });
  });

  it('returns the earlier import for the same file, and --force changes nothing but last_seen_at', async () => {
    const { actor } = await ctx.newOrganization();
    const csv = `${HEADER}\n10 Birch Ct,Denver,CO,80202,,Kim,Ray,303-555-0100,,kim@example.com,2001,,\n11 Birch Ct,Denver,CO,80202,,Lou,Ray,,,,,,`;
    const first = await importText(actor, csv);
    const snapshot = () => q<Record<string, unknown>>(actor, `
      SELECT 'lead' AS t, to_jsonb(l) - 'last_seen_at' - 'updated_at' AS r FROM lead l UNION ALL
      SELECT 'property', to_jsonb(p) - 'updated_at' FROM property p UNION ALL
      SELECT 'person', to_jsonb(pe) - 'updated_at' FROM person pe UNION ALL
      SELECT 'contact_point', to_jsonb(c) - 'last_seen_at' - 'updated_at' - 'value_enc' FROM contact_point c ORDER BY 1, 2`);
    const before = await snapshot();
    const again = await importText(actor, csv);
    expect(again.reused).toBe(true);
    expect(again.import!.id).toBe(first.import!.id);
    const forced = await importText(actor, csv, { force: true });
    expect(forced.import!.id).not.toBe(first.import!.id);
    expect(forced.counts).toMatchObject({ leads_inserted: 0, leads_merged: 2, contact_points_added: 0 });
    expect(await snapshot()).toEqual(before);
    const audit = await q<{ n: number }>(actor, 'SELECT count(*)::int AS n FROM lead_field_audit');
    expect(audit[0]!.n).toBe(0);
  });

  it('gives the same records whatever the batch size, with repeats inside and across batches', async () => {
    const rows = [HEADER];
    for (let i = 0; i < 30; i++) {
      const k = i % 12; // rows 12.. repeat parcels 0..11 with other spellings
      const street = i < 12 ? `${k + 1} Cedar Street` : `${k + 1} CEDAR ST.`;
      rows.push(`${street},Tampa,FL,33601,,Ola,N${k},813-555-${String(1000 + i).slice(-4)},,,,,`);
    }
    const results = [];
    for (const size of [1000, 3, 1]) {
      const local = await createTestContext();
      const { actor } = await local.newOrganization();
      const file = path.join(dir, `batch-${size}.csv`);
      fs.writeFileSync(file, rows.join('\n'));
      const { createIngestService } = await import('../../src/domain/ingest/ingest.service.ts');
      const ingest = createIngestService({ db: local.c.db, pii: local.c.pii, batchSize: size, spoolDir: dir, failpoint: () => {} });
      const s = await ingest.importLeads(actor, { path: file });
      const state = await withTenant(local.c.db, actor, async (trx) => (await sql<{ a: string; n: number }>`
        SELECT p.normalized_line AS a, count(DISTINCT cp.id)::int AS n FROM lead l JOIN property p ON p.id = l.property_id
        LEFT JOIN contact_point cp ON cp.person_id = l.person_id GROUP BY 1 ORDER BY 1`.execute(trx)).rows);
      results.push({ counts: s.counts, state });
      await local.close();
    }
    expect(results[0]!.counts).toMatchObject({ leads_inserted: 12, leads_merged: 18, contact_points_added: 30 });
    expect(results[1]).toEqual(results[0]);
    expect(results[2]).toEqual(results[0]);
  });

  it('dry run validates and reports without writing', async () => {
    const { actor } = await ctx.newOrganization();
    const s = await importText(actor, `${HEADER}\n1 A St,Austin,TX,78701,,Al,One,,,,,,\n,,,,,Nobody,,,,,,,`, { dryRun: true });
    expect(s).toMatchObject({ dryRun: true, import: null, counts: { rows_read: 2, rows_rejected: 1 } });
    expect(await q(actor, 'SELECT id FROM lead UNION ALL SELECT id FROM import')).toEqual([]);
  });
});

describe('import leads: bad input', () => {
  let actor: Actor;
  beforeAll(async () => {
    actor = (await ctx.newOrganization()).actor;
  });

  it.each([
    ['an empty file', '', /empty/],
    ['a binary file', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0x0d, 1, 2, 3, 0]), /not a text file/],
    ['a file with no address, APN or vendor id column', 'Name,Phone\nAl,512-555-0100', /missing required column/],
  ])('refuses %s with a clear reason', async (_name, content, reason) => {
    await expect(importText(actor, content)).rejects.toThrow(reason);
  });

  it('takes a header-only file as an import of no rows', async () => {
    const s = await importText(actor, `${HEADER}\r\n`);
    expect(s.counts).toMatchObject({ rows_read: 0, leads_inserted: 0 });
  });

  it('rejects bad rows by line and reason while the good rows around them land', async () => {
    const big = 'x'.repeat(10 * 1024 * 1024);
    const csv = [
      HEADER,
      '1 Good St,Austin,TX,78701,,Al,One,,,,,,',
      `2 Big St,Austin,TX,78701,,Bo,Two,,,,,${big},`,
      '3 Short St,Austin,TX',
      '4 Long St,Austin,TX,78701,,Cy,Three,,,,,,,extra,extra',
      ',,,,,No,Address,,,,,,',
      '"=HYPERLINK(""http://evil.example"",""x"")",Austin,TX,78701,,+cmd,@SUM(A1),,,,,"Robert\'); DROP TABLE lead;--",',
      '7 Good St,Austin,TX,78701,,Di,Four,,,,,,',
    ].join('\n');
    const s = await importText(actor, csv);
    expect(s.counts).toMatchObject({ rows_read: 7, rows_rejected: 4, leads_inserted: 3 });
    const errors = s.issues.filter((i) => i.severity === 'error');
    expect(errors.map((e) => e.line)).toEqual([3, 4, 5, 6]);
    expect(errors[0]!.reason).toMatch(/10,485,760/);
    expect(errors[1]!.reason).toMatch(/fields?/);
    expect(errors[3]!.reason).toMatch(/no usable property address/);
    // formula-looking and SQL-looking text is stored verbatim, as text
    const [odd] = await q<{ address_line1: string; notes: string; first_name: string }>(actor,
      `SELECT p.address_line1, l.notes, pe.first_name FROM lead l JOIN property p ON p.id = l.property_id JOIN person pe ON pe.id = l.person_id
       WHERE l.notes LIKE 'Robert%'`);
    expect(odd).toMatchObject({ address_line1: '=HYPERLINK("http://evil.example","x")', notes: "Robert'); DROP TABLE lead;--" });
    // the errors report is a CSV to fix and re-import, with dangerous cells defused
    const report = await ctx.c.ingest.issuesReport(actor, s.import!.id);
    const lines = report.csv.trim().split(/\r?\n/);
    expect(lines[0]).toBe(`line,column,reason,${HEADER}`);
    expect(lines).toHaveLength(5);
  });

  it('reads Windows-1252, semicolons, a BOM and quoted newlines', async () => {
    const latin = Buffer.concat([
      Buffer.from('Address;City;State;Zip;Owner Name;Notes\r\n'),
      Buffer.from('12 Caf'), Buffer.from([0xe9]), Buffer.from(' St;Austin;TX;78701;Jos'), Buffer.from([0xe9]), Buffer.from(' Pe'), Buffer.from([0xf1]), Buffer.from('a;"two\r\nlines"\r\n'),
    ]);
    const s = await importText(actor, latin);
    expect(s.counts).toMatchObject({ rows_read: 1, leads_inserted: 1 });
    const bom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('Address\tCity\tState\tZip\tOwner Name\n88 Tab Rd\tAustin\tTX\t78701\tZoë Tab\n')]);
    expect((await importText(actor, bom)).counts).toMatchObject({ rows_read: 1, leads_inserted: 1 });
    const names = await q<{ full_name: string; notes: string | null }>(actor,
      `SELECT pe.full_name, l.notes FROM lead l JOIN person pe ON pe.id = l.person_id WHERE pe.full_name IN ('José Peña', 'Zoë Tab') ORDER BY 1`);
    expect(names).toEqual([{ full_name: 'José Peña', notes: 'two\r\nlines' }, { full_name: 'Zoë Tab', notes: null }]);
  });
});
