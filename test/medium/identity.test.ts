import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withTenant, type Actor } from '../../src/db/tenant.ts';
import { createTestContext, type TestContext } from '../support/context.ts';

// Merging leads by hand, and exporting them.

let ctx: TestContext;
let dir: string;
beforeAll(async () => {
  ctx = await createTestContext();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'porchlight-identity-'));
});
afterAll(async () => {
  await ctx.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const q = <T>(actor: Actor, query: string) => withTenant(ctx.c.db, actor, async (trx) => (await sql.raw<T>(query).execute(trx)).rows);

describe('leads merge', () => {
  it('moves phones and emails, fills empty fields, retires the loser and audits it all', async () => {
    const { org, actor } = await ctx.newOrganization();
    const a = await ctx.newLead(org.id, { tags: ['a'] });
    const b = await ctx.newLead(org.id, { tags: ['b'], lead_score: 70 });
    const r = await ctx.c.identity.mergeLeads(actor, a.id, b.id);
    expect(r).toEqual({ survivor_id: a.id, merged_id: b.id, contact_points_moved: 2 });
    const [survivor] = await q<{ tags: string[]; lead_score: number; deleted_at: Date | null }>(actor, `SELECT tags, lead_score, deleted_at FROM lead WHERE id = '${a.id}'`);
    expect(survivor).toEqual({ tags: ['a', 'b'], lead_score: 70, deleted_at: null });
    const [loser] = await q<{ merged_into_id: string; deleted: boolean }>(actor, `SELECT merged_into_id, deleted_at IS NOT NULL AS deleted FROM lead WHERE id = '${b.id}'`);
    expect(loser).toEqual({ merged_into_id: a.id, deleted: true });
    const points = await q<{ n: number }>(actor, `SELECT count(*)::int AS n FROM contact_point WHERE person_id = '${a.person_id}'`);
    expect(points[0]!.n).toBe(4);
    // the loser's other property is an offer on the survivor's, not a silent overwrite
    const offers = await q<{ field: string }>(actor, `SELECT field FROM lead_field_audit WHERE lead_id = '${a.id}' AND NOT applied ORDER BY field`);
    expect(offers.map((o) => o.field)).toEqual(['person_id', 'property_id']);
    const audit = await q<{ action: string; entity_id: string }>(actor, `SELECT action, entity_id FROM audit_log WHERE entity = 'lead' AND action IN ('update', 'delete') ORDER BY id`);
    expect(audit).toEqual(expect.arrayContaining([{ action: 'delete', entity_id: b.id }, { action: 'update', entity_id: a.id }]));
  });

  it('refuses to merge a lead into itself, an unknown lead, or as an agent', async () => {
    const { org, actor } = await ctx.newOrganization();
    const a = await ctx.newLead(org.id);
    await expect(ctx.c.identity.mergeLeads(actor, a.id, a.id)).rejects.toThrow(/itself/);
    await expect(ctx.c.identity.mergeLeads(actor, a.id, '00000000-0000-4000-8000-000000000000')).rejects.toThrow(/no lead/);
    const agent = await ctx.newUser(org.id, 'agent');
    const b = await ctx.newLead(org.id);
    await expect(ctx.c.identity.mergeLeads(agent.actor, a.id, b.id)).rejects.toThrow(/managers/);
  });
});

describe('export leads', () => {
  it('writes every matching lead with its contact values, and records the export in the audit log', async () => {
    const { actor } = await ctx.newOrganization();
    const file = path.join(dir, 'export-source.csv');
    fs.writeFileSync(file, 'Address,City,State,Zip,Owner Name,Phone 1,Email\n1 A St,Austin,TX,78701,=cmd|calc,512-555-0100,a@example.com\n2 B St,Austin,TX,78701,Bo Two,,\n');
    await ctx.c.ingest.importLeads(actor, { path: file });
    const rows = [];
    for await (const page of ctx.c.exportLeads(actor, { source: 'import' }, 'csv')) rows.push(...page);
    expect(rows).toHaveLength(2);
    expect(rows.find((r) => r.address_line1 === '1 A St')).toMatchObject({ phones: '+15125550100', emails: 'a@example.com' });
    const [audit] = await q<{ action: string; details: { count: number; format: string } }>(actor, `SELECT action, details FROM audit_log WHERE action = 'export'`);
    expect(audit).toMatchObject({ action: 'export', details: { count: 2, format: 'csv' } });
  });
});
