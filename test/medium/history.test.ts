import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withOwner, withTenant } from '../../src/db/tenant.ts';
import { createTestContext, type TestContext } from '../support/context.ts';

// The database writes history, whoever changes the row: the service, a raw statement, a bulk update.
describe('history written by the database', () => {
  let t: TestContext;
  let org: Awaited<ReturnType<TestContext['newOrganization']>>;
  beforeAll(async () => {
    t = await createTestContext();
    org = await t.newOrganization();
  });
  afterAll(async () => t.close());

  const history = (leadId: string) =>
    withOwner(t.c.db, 'test', (trx) => trx.selectFrom('lead_status_history').selectAll().where('lead_id', '=', leadId).orderBy('id').execute());
  const fields = (leadId: string) =>
    withOwner(t.c.db, 'test', (trx) => trx.selectFrom('lead_field_audit').selectAll().where('lead_id', '=', leadId).orderBy('id').execute());

  it('records creation and each status change with from, to, trigger type, who and when', async () => {
    const lead = await t.newLead(org.org.id);
    await t.c.leads.update(org.actor, lead.id, { status: 'contacted' });
    await t.c.leads.update(org.actor, lead.id, { notes: 'left a voicemail' }); // no status change, no status row
    await t.c.leads.update({ ...org.actor, via: 'api' }, lead.id, { status: 'qualified' });
    const rows = await history(lead.id);
    expect(rows.map((r) => [r.from_status, r.to_status, r.trigger_type])).toEqual([
      [null, 'new', 'test'],
      ['new', 'contacted', 'test'],
      ['contacted', 'qualified', 'api'],
    ]);
    expect(rows[1]!.changed_by).toBe(org.owner.id);
    expect(rows[1]!.changed_at).toBeInstanceOf(Date);
  });

  it('records a raw SQL bulk change too, one row per lead, with the acting user', async () => {
    const a = await t.newLead(org.org.id);
    const b = await t.newLead(org.org.id);
    await withTenant(t.c.db, { ...org.actor, via: 'import' }, (trx) =>
      sql`UPDATE lead SET status = 'nurturing', tags = ARRAY['bulk'] WHERE id IN (${a.id}, ${b.id})`.execute(trx),
    );
    for (const id of [a.id, b.id]) {
      expect((await history(id)).at(-1)).toMatchObject({ from_status: 'new', to_status: 'nurturing', trigger_type: 'import', changed_by: org.owner.id });
      const f = await fields(id);
      expect(f.map((r) => [r.field, r.old_value, r.new_value, r.via]).sort()).toEqual([
        ['status', 'new', 'nurturing', 'import'],
        ['tags', [], ['bulk'], 'import'],
      ]);
    }
  });

  it('records a change made as the owner, outside any tenant transaction, too', async () => {
    const lead = await t.newLead(org.org.id);
    await withOwner(t.c.db, 'system', (trx) => sql`UPDATE lead SET status = 'closed_lost' WHERE id = ${lead.id}`.execute(trx));
    expect((await history(lead.id)).at(-1)).toMatchObject({ from_status: 'new', to_status: 'closed_lost', trigger_type: 'system', changed_by: null });
    expect((await fields(lead.id)).map((f) => f.field)).toEqual(['status']);
  });

  it('audits every changed field with old and new values, but not bookkeeping fields', async () => {
    const lead = await t.newLead(org.org.id);
    const before = (await t.c.leads.show(org.actor, lead.id)).updated_at;
    await new Promise((r) => setTimeout(r, 5));
    const after = await t.c.leads.update(org.actor, lead.id, { notes: 'call after 5pm', add_tags: ['hot-seller'] });
    expect(after.updated_at.getTime()).toBeGreaterThan(before.getTime()); // kept by the database
    expect(after.field_history.map((f) => [f.field, f.old_value, f.new_value]).sort()).toEqual([
      ['notes', null, 'call after 5pm'],
      ['tags', [], ['hot-seller']],
    ]);
    await withTenant(t.c.db, org.actor, (trx) => trx.updateTable('lead').set({ last_seen_at: new Date() }).where('id', '=', lead.id).execute());
    expect(await fields(lead.id)).toHaveLength(2);
  });

  it('writes audit_log rows for created, changed and deleted sensitive records, without values', async () => {
    const lead = await t.newLead(org.org.id);
    await t.c.leads.remove(org.actor, lead.id);
    // moving the deletion time of a deleted lead is still a delete
    await withTenant(t.c.db, org.actor, (trx) => sql`UPDATE lead SET deleted_at = deleted_at + interval '1 day' WHERE id = ${lead.id}`.execute(trx));
    const shown = await t.c.leads.show(org.actor, (await t.newLead(org.org.id)).id);
    const log = await withOwner(t.c.db, 'test', (trx) =>
      trx.selectFrom('audit_log').select(['action', 'entity', 'entity_id', 'details', 'actor_user_id']).where('organization_id', '=', org.org.id).orderBy('id').execute(),
    );
    const about = (entity: string, id: string) => log.filter((l) => l.entity === entity && l.entity_id === id).map((l) => l.action);
    expect(about('lead', lead.id)).toEqual(['create', 'delete', 'delete']); // a soft delete is a delete
    expect(log.filter((l) => l.entity === 'contact_point' && l.action === 'create').length).toBeGreaterThanOrEqual(4);
    expect(about('person', lead.person_id)).toEqual(['create']);
    expect(log.find((l) => l.action === 'access' && l.entity_id === shown.id)).toMatchObject({ entity: 'lead', actor_user_id: org.owner.id, details: { contact_points: 2 } });
    expect(JSON.stringify(log)).not.toContain(lead.email); // names of fields, never values
  });

  it('keeps history append-only for the application', async () => {
    const lead = await t.newLead(org.org.id);
    for (const table of ['lead_status_history', 'lead_field_audit', 'audit_log'] as const) {
      await expect(withTenant(t.c.db, org.actor, (trx) => sql`DELETE FROM ${sql.table(table)}`.execute(trx))).rejects.toMatchObject({ code: 'FORBIDDEN' });
      await expect(withTenant(t.c.db, org.actor, (trx) => sql`UPDATE ${sql.table(table)} SET organization_id = organization_id`.execute(trx))).rejects.toMatchObject({ code: 'FORBIDDEN' });
    }
    expect(await history(lead.id)).toHaveLength(1);
  });

  it('has a score history table with factors for the scorers', async () => {
    const lead = await t.newLead(org.org.id);
    await withTenant(t.c.db, org.actor, (trx) =>
      trx.insertInto('lead_score_history').values({ organization_id: org.org.id, lead_id: lead.id, scorer: 'quality', version: 1, score: 70, factors: JSON.stringify({ verified_email: 40, verified_mobile: 30 }) }).execute(),
    );
    const shown = await t.c.leads.show(org.actor, lead.id);
    expect(shown.score_history).toMatchObject([{ scorer: 'quality', version: 1, score: 70, factors: { verified_email: 40, verified_mobile: 30 } }]);
    await expect(withTenant(t.c.db, org.actor, (trx) =>
      trx.insertInto('lead_score_history').values({ organization_id: org.org.id, lead_id: lead.id, scorer: 'quality', version: 1, score: 101, factors: '{}' }).execute(),
    )).rejects.toMatchObject({ code: 'VALIDATION', details: [{ field: 'score' }] });
  });
});
