import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withOwner, withTenant } from '../../src/db/tenant.ts';
import { insertableColumns, tenantTables } from '../support/catalog.ts';
import { createTestContext, type TestContext } from '../support/context.ts';
import { CLIENTS, listing } from '../support/nudges.ts';

// With two organizations holding rows in every tenant table, org A's transactions cannot read,
// change, delete or create org B's rows, in any table the catalog lists.
describe('tenant isolation, table by table', () => {
  let t: TestContext;
  let A: Awaited<ReturnType<TestContext['newOrganization']>>;
  let B: Awaited<ReturnType<TestContext['newOrganization']>>;

  beforeAll(async () => {
    t = await createTestContext();
    A = await t.newOrganization('A');
    B = await t.newOrganization('B');
    for (const org of [A, B]) {
      const lead = await t.newLead(org.org.id, { lead_score: 50 });
      await t.c.leads.update(org.actor, lead.id, { status: 'contacted', add_tags: ['x'] });
      await t.newApiKey(org.org.id, org.owner.id);
      await withTenant(t.c.db, org.actor, (trx) =>
        trx.insertInto('lead_score_history').values({ organization_id: org.org.id, lead_id: lead.id, scorer: 'test', version: 1, score: 50, factors: '{}' }).execute(),
      );
      // an import with a rejected row, an identity conflict and a saved mapping
      const file = path.join(os.tmpdir(), `walls-${org.org.id}.csv`);
      fs.writeFileSync(file, 'Address,City,State,Zip,APN,Owner\n1 A St,Austin,TX,78701,1,Al\n2 B St,Austin,TX,78701,2,Bo\n1 A St,Austin,TX,78701,2,Al\n,,,,,Nobody\n');
      await t.c.ingest.importLeads(org.actor, { path: file, saveMappingAs: 'walls' });
      fs.rmSync(file);
      // a scan (a pull underneath), a budget, an enrichment run with what it found, a dead letter
      await t.c.money.topup(org.actor, { amount_cents: 100_000 });
      const scan = await t.c.scans.create(org.actor, { area: 'Walls, TX', page_size: 1000 });
      await t.c.scans.work(org.actor, scan.id);
      const { run } = await t.c.enrichment.start(org.actor, { source: 'local', limit: 40 });
      await t.c.enrichment.work(org.actor, run!.id);
      await withTenant(t.c.db, org.actor, (trx) => trx.insertInto('dlq').values({
        organization_id: org.org.id, stage: 'pull', item_key: 'walls', payload: '{}', error: 'test', retry_after: new Date(),
      }).execute());
      // a segment, an agent with a territory, and a run: the round-robin cursor and assignment history
      await t.c.segments.create(org.actor, { name: 'walls', filter: { status: ['new'] } });
      const agent = await t.newUser(org.org.id, 'agent');
      await t.c.assignment.setTerritories(org.actor, { user: agent.user.id, zip: ['78701'] });
      await t.c.assignment.assign(org.actor, { strategy: 'round_robin' });
      // a do-not-contact entry, a mark on a score, a billed roof lead (scored 50: at 40 it bills)
      await withTenant(t.c.db, org.actor, (trx) => trx.insertInto('dnc_entry').values({
        organization_id: org.org.id, kind: 'phone', value_hash: t.c.pii.hash('+15125550000'), display: '+1512•••0000',
      }).execute());
      await t.c.feedback.mark(org.actor, { lead_id: lead.id, scorer: 'roof', verdict: 'good' });
      await t.c.scoring.updateSettings(org.actor, { roof: { billable_at: 40 } });
      await t.c.routing.route(org.actor);
      // permits near the lead's parcel: a cluster and the parcel's contagion score
      await withTenant(t.c.db, org.actor, (trx) => trx.updateTable('property').set({ latitude: 30.25, longitude: -97.75 }).where('id', '=', lead.property_id).execute());
      const permits = path.join(os.tmpdir(), `walls-permits-${org.org.id}.csv`);
      fs.writeFileSync(permits, 'permit_number,permit_date,work_description,latitude,longitude\nW-1,2026-01-01,re-roof,30.2501,-97.75\nW-2,2026-02-01,re-roof,30.2502,-97.75\nW-3,2026-03-01,re-roof,30.2503,-97.75\n');
      await t.c.contagion.importPermits(org.actor, { file: permits });
      fs.rmSync(permits);
      await t.c.contagion.run(org.actor, { as_of: '2026-06-30' });
      // a consent and a decision of the gate
      await t.c.compliance.recordConsent(org.actor, { phone: lead.phone, seller_name: 'Walls', scope: ['sms'], type: 'pec', method: 'sms_keyword' });
      await t.c.compliance.check(org.actor, { lead_id: lead.id, channel: 'sms' });
      // a copy of the national registry
      await t.c.dnc.importNational(org.actor, { as_of: '2026-03-01' }, Readable.from(['512,5550100\n']));
      // an FAQ entry and a text it answers: the message, its webhook event and the match
      await t.c.faq.add(org.actor, { question: 'Do you offer free estimates?', answer: 'Yes, always.' });
      await t.c.inbound.receiveSms(org.org.id, { MessageSid: `SM-walls-${org.org.id}`, From: lead.phone, Body: 'are estimates free?' });
      // a sequence, an enrollment and the steps it took
      const walk = await t.c.sequences.create(org.actor, { name: 'walls', nodes: [{ key: 'start', type: 'START' }, { key: 'end', type: 'END' }], edges: [{ from: 'start', to: 'end' }] });
      await t.c.sequences.enroll(org.actor, walk.id, { lead_id: lead.id });
      await t.c.sequenceEngine.runDue(org.actor);
      // a template and a campaign to the segment: its recipients and their messages
      await t.c.messages.updateSettings(org.actor, { sender_name: 'Walls', from_phone: '+15125550199' });
      await t.c.templates.create(org.actor, { name: 'walls', channel: 'sms', body: 'Hi {{person.first_name | "there"}}' });
      await t.c.segments.create(org.actor, { name: 'everyone', filter: {} });
      await t.c.campaigns.create(org.actor, { name: 'walls', template: 'walls', segment: 'everyone', purpose: 'informational' });
      await t.c.campaigns.launch(org.actor, 'walls');
      // voice: each configuration, a logged call with a turn and an event, a booking from it, the day's metrics
      await t.c.voice.config.set(org.actor, 'voice', { voice_style: 'friendly' });
      await t.c.voice.config.set(org.actor, 'ai', { voice_speed: 1.1 });
      const call = await t.c.voice.calls.log(org.actor, { lead_id: lead.id, started_at: '2026-03-10T10:00:00-05:00', duration_seconds: 60, outcome: 'scheduled' });
      await withTenant(t.c.db, org.actor, async (trx) => {
        await sql`INSERT INTO voice_call_turn (organization_id, call_id, seq, role, text, start_ms, end_ms) VALUES (app_org_id(), ${call.id}, 1, 'agent', 'Hi', 0, 500)`.execute(trx);
        await sql`INSERT INTO voice_call_event (organization_id, call_id, provider, provider_event_id, event_type, occurred_at) VALUES (app_org_id(), ${call.id}, 'logged', 'walls', 'call_ended', now())`.execute(trx);
      });
      await t.c.voice.bookings.create(org.actor, { lead_id: lead.id, call_id: call.id, estimator_id: org.owner.id, window_start: '2026-03-12T15:00:00Z', window_end: '2026-03-12T16:00:00Z' });
      await t.c.voice.metrics.recompute(org.actor, { from: '2026-03-10', to: '2026-03-10' });
      // nudges: the agent's market and a client; a listing (the MLS's, shared by all) the pipeline turns into a
      // market event and a drafted briefing with its audience and history; a resource attached to it; then
      // dismissed, which leaves a negative preference
      await t.c.nudges.inbox.settings(org.actor, { market_focus: ['78704'] });
      await t.c.nudges.clients.add(org.actor, CLIENTS[0]);
      await t.c.nudges.mls.importBody(org.actor, { value: [listing({}, new Date(Date.now() - 86_400_000))] }, null);
      await t.c.nudges.pipeline.run(org.actor);
      const [nudge] = (await t.c.nudges.inbox.list(org.actor, { status: 'DRAFT' })).data;
      const resource = await t.c.nudges.resources.add(org.actor, { title: 'Walls guide', url: `https://example.com/walls/${org.org.id}` }) as { id: string };
      await t.c.nudges.inbox.attach(org.actor, nudge!.id, resource.id);
      await t.c.nudges.inbox.dismiss(org.actor, nudge!.id, { reason: 'walls' });
      // reports: a source's cost for a month and a lead's deal
      await t.c.reports.setSourceCost(org.actor, { source: 'walls', month: '2026-03', amount_cents: 100 });
      await t.c.reports.setDeal(org.actor, lead.id, { revenue_cents: 100, closed_on: '2026-03-10' });
    }
  });
  afterAll(async () => t.close());

  const countFor = (table: string, org: string) =>
    withOwner(t.c.db, 'test', async (trx) => (await sql<{ n: number }>`SELECT count(*)::int AS n FROM ${sql.table(table)} WHERE organization_id = ${org}`.execute(trx)).rows[0]!.n);

  it('the fixture has rows of both organizations in every tenant table', async () => {
    const tables = await tenantTables(t.c.db);
    expect(tables.length).toBeGreaterThan(8);
    for (const table of tables) {
      expect(await countFor(table, A.org.id), `${table} rows of A`).toBeGreaterThan(0);
      expect(await countFor(table, B.org.id), `${table} rows of B`).toBeGreaterThan(0);
    }
  });

  it("org A selects, updates and deletes none of org B's rows, and cannot insert rows for B", async () => {
    for (const table of await tenantTables(t.c.db)) {
      const before = await countFor(table, B.org.id);
      const touched = await withTenant(t.c.db, A.actor, async (trx) => {
        const seen = (await sql<{ n: number }>`SELECT count(*)::int AS n FROM ${sql.table(table)} WHERE organization_id = ${B.org.id}`.execute(trx)).rows[0]!.n;
        const all = (await sql<{ n: number }>`SELECT count(*)::int AS n FROM ${sql.table(table)} WHERE organization_id <> ${A.org.id}`.execute(trx)).rows[0]!.n;
        return seen + all;
      });
      expect(touched, `${table}: rows of B visible to A`).toBe(0);
      for (const stmt of [
        sql`UPDATE ${sql.table(table)} SET organization_id = organization_id WHERE organization_id = ${B.org.id}`,
        sql`DELETE FROM ${sql.table(table)} WHERE organization_id = ${B.org.id}`,
      ]) {
        const affected = await withTenant(t.c.db, A.actor, async (trx) => Number((await stmt.execute(trx)).numAffectedRows ?? 0)).catch((e: { code?: string }) => {
          expect(e.code, `${table}: only a privilege refusal may stop the statement`).toBe('FORBIDDEN'); // append-only history
          return 0;
        });
        expect(affected, `${table}: rows of B changed by A`).toBe(0);
      }
      const cols = await insertableColumns(t.c.db, table);
      const list = sql.join(cols.map((c) => sql.ref(c)));
      const insert = withTenant(t.c.db, A.actor, (trx) =>
        sql`INSERT INTO ${sql.table(table)} (${list})
            SELECT ${list} FROM jsonb_populate_record(NULL::${sql.table(table)},
              (SELECT to_jsonb(x) || jsonb_build_object('organization_id', ${B.org.id}::uuid) FROM ${sql.table(table)} x LIMIT 1))`.execute(trx),
      );
      await expect(insert, `${table}: A inserting a row for B`).rejects.toMatchObject({ code: 'FORBIDDEN' });
      expect(await countFor(table, B.org.id), `${table}: B's rows after A's attempts`).toBe(before);
    }
  });

  it('the organization root: A sees only itself and cannot create or rename another', async () => {
    const seen = await withTenant(t.c.db, A.actor, (trx) => trx.selectFrom('organization').select('id').execute());
    expect(seen.map((o) => o.id)).toEqual([A.org.id]);
    const renamed = await withTenant(t.c.db, A.actor, (trx) => trx.updateTable('organization').set({ name: 'pwned' }).where('id', '=', B.org.id).execute());
    expect(Number(renamed[0]!.numUpdatedRows)).toBe(0);
    await expect(withTenant(t.c.db, A.actor, (trx) => trx.insertInto('organization').values({ slug: 'sneaky-org', name: 'Sneaky' }).execute())).rejects.toMatchObject({ code: 'FORBIDDEN' });
  });

  it('a transaction without an organization sees no tenant rows at all', async () => {
    const none = await withTenant(t.c.db, { ...A.actor, organizationId: '00000000-0000-0000-0000-000000000000' }, (trx) => trx.selectFrom('lead').select('id').execute());
    expect(none).toEqual([]);
  });
});

describe('roles', () => {
  let t: TestContext;
  beforeAll(async () => {
    t = await createTestContext();
  });
  afterAll(async () => t.close());

  it('an agent sees and edits only leads assigned to them or to nobody; a manager sees all', async () => {
    const { org } = await t.newOrganization();
    const one = await t.newUser(org.id, 'agent');
    const two = await t.newUser(org.id, 'agent');
    const manager = await t.newUser(org.id, 'manager');
    const mine = await t.newLead(org.id, { assignee_id: one.user.id });
    const theirs = await t.newLead(org.id, { assignee_id: two.user.id });
    const open = await t.newLead(org.id);

    const seen = (await t.c.leads.list(one.actor, {})).data.map((l) => l.id).sort();
    expect(seen).toEqual([mine.id, open.id].sort());
    expect((await t.c.leads.list(manager.actor, {})).data).toHaveLength(3);
    await expect(t.c.leads.show(one.actor, theirs.id)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(t.c.leads.update(one.actor, theirs.id, { status: 'contacted' })).rejects.toMatchObject({ code: 'NOT_FOUND' });

    // taking an open lead is fine; handing one to somebody else is not
    expect((await t.c.leads.update(one.actor, open.id, { assignee_id: one.user.id })).assignee_id).toBe(one.user.id);
    await expect(t.c.leads.update(one.actor, mine.id, { assignee_id: two.user.id })).rejects.toMatchObject({ code: 'FORBIDDEN', details: [{ field: 'assignee_id' }] });
    expect((await t.c.leads.show(manager.actor, mine.id)).assignee_id).toBe(one.user.id);
    expect((await t.c.leads.update(manager.actor, mine.id, { assignee_id: two.user.id })).assignee_id).toBe(two.user.id);
    await expect(t.c.leads.remove(one.actor, open.id)).rejects.toMatchObject({ code: 'FORBIDDEN' });
  });

  it('only owners and admins manage users and keys, and nobody grants more than they have', async () => {
    const { org } = await t.newOrganization();
    const admin = await t.newUser(org.id, 'admin');
    const manager = await t.newUser(org.id, 'manager');
    await expect(t.c.tenancy.createUser(manager.actor, { email: 'x@example.com', role: 'agent' })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(t.c.tenancy.createUser(admin.actor, { email: 'y@example.com', role: 'owner' })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    expect((await t.c.tenancy.createUser(admin.actor, { email: 'Z@Example.com ', role: 'agent' })).email).toBe('z@example.com');
    const own = await t.c.tenancy.createApiKey(manager.actor, {});
    expect(own.user_email).toBe(manager.user.email);
    await t.c.tenancy.createApiKey(admin.actor, {});
    expect((await t.c.tenancy.listApiKeys(manager.actor)).map((k) => k.id)).toEqual([own.id]); // only their own
    expect((await t.c.tenancy.listApiKeys(admin.actor)).length).toBe(2);
    await expect(t.c.tenancy.createApiKey(manager.actor, { user: admin.user.id })).rejects.toMatchObject({ code: 'FORBIDDEN' });
  });

  it('an admin cannot become an owner: not by a key for the owner, not by SQL', async () => {
    const { org, owner, actor: ownerActor } = await t.newOrganization();
    const admin = await t.newUser(org.id, 'admin');
    const agent = await t.newUser(org.id, 'agent');
    await expect(t.c.tenancy.createApiKey(admin.actor, { user: owner.id })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    const ownerKey = await t.c.tenancy.createApiKey(ownerActor, {});
    await expect(t.c.tenancy.revokeApiKey(admin.actor, ownerKey.id)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    // straight SQL, as if the service had a bug: the database refuses
    const asAdmin = (stmt: ReturnType<typeof sql>) => withTenant(t.c.db, admin.actor, (trx) => stmt.execute(trx));
    await expect(asAdmin(sql`UPDATE app_user SET role = 'owner' WHERE id = ${admin.user.id}`)).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(asAdmin(sql`UPDATE app_user SET role = 'agent' WHERE id = ${owner.id}`)).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(asAdmin(sql`INSERT INTO api_key (organization_id, user_id, prefix, key_hash) VALUES (${org.id}, ${owner.id}, 'pl_x', decode(repeat('ab', 32), 'hex'))`))
      .rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(asAdmin(sql`UPDATE organization SET plan = 'enterprise'`)).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(asAdmin(sql`DELETE FROM organization`)).rejects.toMatchObject({ code: 'FORBIDDEN' });
    // an agent changes no user at all
    const changed = await withTenant(t.c.db, agent.actor, (trx) => sql`UPDATE app_user SET role = 'owner' WHERE id = ${agent.user.id}`.execute(trx));
    expect(Number(changed.numAffectedRows)).toBe(0);
    expect((await t.c.tenancy.listUsers(ownerActor)).find((u) => u.id === agent.user.id)?.role).toBe('agent');
  });

  it('the database refuses what no role may do: remove a higher role, revive a revoked key, hard-delete a lead, score as an agent', async () => {
    const { org, owner, actor: ownerActor } = await t.newOrganization();
    const admin = await t.newUser(org.id, 'admin');
    const agent = await t.newUser(org.id, 'agent');
    const lead = await t.newLead(org.id, { assignee_id: agent.user.id });
    const run = (actor: typeof admin.actor, stmt: ReturnType<typeof sql>) => withTenant(t.c.db, actor, (trx) => stmt.execute(trx));
    await expect(run(admin.actor, sql`DELETE FROM app_user WHERE id = ${owner.id}`)).rejects.toMatchObject({ code: 'FORBIDDEN' });
    const key = await t.c.tenancy.createApiKey(agent.actor, {});
    await t.c.tenancy.revokeApiKey(agent.actor, key.id);
    await expect(run(agent.actor, sql`UPDATE api_key SET revoked_at = NULL WHERE id = ${key.id}`)).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(run(agent.actor, sql`UPDATE api_key SET key_hash = decode(repeat('cd', 32), 'hex') WHERE id = ${key.id}`)).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(run(ownerActor, sql`DELETE FROM lead WHERE id = ${lead.id}`)).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(run(agent.actor, sql`INSERT INTO lead_score_history (organization_id, lead_id, scorer, version, score) VALUES (${org.id}, ${lead.id}, 'x', 1, 99)`))
      .rejects.toMatchObject({ code: 'FORBIDDEN' });
    expect((await t.c.leads.show(ownerActor, lead.id)).score_history).toEqual([]);
  });

  it("an agent's transaction sees no history, owner or contact point of leads hidden from it, and cannot forge history", async () => {
    const { org, actor: ownerActor } = await t.newOrganization();
    const one = await t.newUser(org.id, 'agent');
    const two = await t.newUser(org.id, 'agent');
    const hidden = await t.newLead(org.id, { assignee_id: two.user.id });
    const mine = await t.newLead(org.id, { assignee_id: one.user.id });
    await t.c.leads.update(ownerActor, hidden.id, { status: 'contacted' });
    const count = (table: string, column: string, id: string) =>
      withTenant(t.c.db, one.actor, async (trx) => (await sql<{ n: number }>`SELECT count(*)::int AS n FROM ${sql.table(table)} WHERE ${sql.ref(column)} = ${id}`.execute(trx)).rows[0]!.n);
    for (const table of ['lead_status_history', 'lead_field_audit']) expect(await count(table, 'lead_id', hidden.id), table).toBe(0);
    expect(await count('person', 'id', hidden.person_id)).toBe(0);
    expect(await count('contact_point', 'person_id', hidden.person_id)).toBe(0);
    expect(await count('lead_status_history', 'lead_id', mine.id)).toBe(1);
    // nor change or remove them blindly
    const blind = await withTenant(t.c.db, one.actor, async (trx) => [
      Number((await sql`UPDATE contact_point SET dnc = false`.execute(trx)).numAffectedRows),
      Number((await sql`DELETE FROM person WHERE id = ${hidden.person_id}`.execute(trx)).numAffectedRows),
    ]);
    expect(blind).toEqual([2, 0]); // only their own lead's two contact points
    expect((await t.c.leads.show(ownerActor, hidden.id)).contact_points).toHaveLength(2);
    expect(await count('contact_point', 'person_id', mine.person_id)).toBe(2);
    await expect(withTenant(t.c.db, one.actor, (trx) =>
      sql`INSERT INTO lead_status_history (organization_id, lead_id, to_status, trigger_type) VALUES (${org.id}, ${mine.id}, 'closed_won', 'api')`.execute(trx),
    )).rejects.toMatchObject({ code: 'FORBIDDEN' });
  });
});
