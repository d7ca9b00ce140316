import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withOwner } from '../../src/db/tenant.ts';
import { EXPORT_COLUMNS } from '../../src/domain/leads/export-leads.ts';
import { buildServer } from '../../src/api/server.ts';
import { createTestContext, type TestContext } from '../support/context.ts';

describe('HTTP API', () => {
  let t: TestContext;
  let app: FastifyInstance;
  let A: Awaited<ReturnType<TestContext['newOrganization']>>;
  let B: Awaited<ReturnType<TestContext['newOrganization']>>;
  let keyA: string;
  let keyB: string;
  const leadsA: Awaited<ReturnType<TestContext['newLead']>>[] = [];
  let leadB: Awaited<ReturnType<TestContext['newLead']>>;

  beforeAll(async () => {
    t = await createTestContext();
    app = await buildServer(t.c);
    A = await t.newOrganization('A');
    B = await t.newOrganization('B');
    keyA = await t.newApiKey(A.org.id, A.owner.id);
    keyB = await t.newApiKey(B.org.id, B.owner.id);
    for (let i = 0; i < 7; i++) {
      leadsA.push(await t.newLead(A.org.id, { lead_score: [90, 75, 40, null, 90, 61, 10][i] ?? undefined, tags: i % 2 ? ['absentee'] : [], zip: i < 3 ? '78701' : '78702', status: i === 6 ? 'contacted' : 'new' }));
    }
    leadB = await t.newLead(B.org.id);
  });
  afterAll(async () => {
    await app.close();
    await t.close();
  });

  const get = (url: string, key: string | null = keyA) => app.inject({ method: 'GET', url, headers: key ? { authorization: `Bearer ${key}` } : {} });
  const send = (method: 'POST' | 'PATCH' | 'DELETE', url: string, body?: unknown, key = keyA) =>
    app.inject({ method, url, headers: { authorization: `Bearer ${key}` }, ...(body === undefined ? {} : { payload: body as object }) });

  it('answers health, OpenAPI and docs without a key', async () => {
    expect((await get('/health', null)).json()).toMatchObject({ status: 'ok' });
    const spec = (await get('/openapi.json', null)).json();
    expect(spec.openapi).toBe('3.1.0');
    expect(Object.keys(spec.paths)).toEqual(expect.arrayContaining(['/v1/leads', '/v1/leads/{id}', '/v1/users', '/v1/api-keys']));
    expect(spec.paths['/v1/leads'].get.parameters.map((p: { name: string }) => p.name)).toEqual(expect.arrayContaining(['status', 'tier', 'tag', 'zip', 'min_score', 'cursor']));
    expect((await get('/docs', null)).statusCode).toBeLessThan(400);
  });

  it('requires a key, and refuses wrong, malformed and revoked keys with 401', async () => {
    for (const key of [null, 'pl_wrongwrongwrongwrongwrongwrongwrongwrongwro', 'nonsense']) {
      const r = await get('/v1/leads', key);
      expect(r.statusCode).toBe(401);
      expect(r.json().error.code).toBe('UNAUTHENTICATED');
    }
    expect((await app.inject({ method: 'GET', url: '/v1/leads', headers: { authorization: 'Basic abc' } })).statusCode).toBe(401);
    const temp = await t.newApiKey(A.org.id, A.owner.id);
    expect((await get('/v1/leads', temp)).statusCode).toBe(200);
    expect((await send('DELETE', `/v1/api-keys/${temp.slice(0, 10)}`)).statusCode).toBe(200);
    expect((await get('/v1/leads', temp)).statusCode).toBe(401);
  });

  it('settles who is asking before looking at the input', async () => {
    for (const r of [await get('/v1/leads?limit=abc', null), await app.inject({ method: 'PATCH', url: '/v1/users/x', payload: { role: 'king' } })]) {
      expect(r.statusCode).toBe(401);
      expect(r.json().error.code).toBe('UNAUTHENTICATED');
    }
  });

  it('gives an agent only their own and unassigned leads', async () => {
    const agent = await t.newUser(A.org.id, 'agent');
    const other = await t.newUser(A.org.id, 'agent');
    const mine = await t.newLead(A.org.id, { assignee_id: agent.user.id });
    const theirs = await t.newLead(A.org.id, { assignee_id: other.user.id });
    const key = await t.newApiKey(A.org.id, agent.user.id);
    const ids = (await get('/v1/leads?limit=200', key)).json().data.map((l: { id: string }) => l.id);
    expect(ids).toContain(mine.id);
    expect(ids).not.toContain(theirs.id);
    expect(ids).toHaveLength(leadsA.length + 1); // the fixture's leads are unassigned
    expect((await get(`/v1/leads/${theirs.id}`, key)).statusCode).toBe(404);
    const handOff = await send('PATCH', `/v1/leads/${mine.id}`, { assignee_id: other.user.id }, key);
    expect(handOff.statusCode).toBe(403);
    expect(handOff.json().error.details).toMatchObject([{ field: 'assignee_id' }]);
    await send('DELETE', `/v1/leads/${mine.id}`);
    await send('DELETE', `/v1/leads/${theirs.id}`);
  });

  it("never shows another organization's lead: 404, the same as a missing one", async () => {
    for (const r of [await get(`/v1/leads/${leadB.id}`), await send('PATCH', `/v1/leads/${leadB.id}`, { status: 'contacted' }), await send('DELETE', `/v1/leads/${leadB.id}`)]) {
      expect(r.statusCode).toBe(404);
      expect(r.json().error.code).toBe('NOT_FOUND');
    }
    expect((await get(`/v1/leads/${leadB.id}`, keyB)).statusCode).toBe(200);
    expect((await get('/v1/leads/not-a-uuid')).statusCode).toBe(404);
    expect((await get('/v1/leads', keyB)).json().data.map((l: { id: string }) => l.id)).toEqual([leadB.id]);
  });

  it('names the field in validation errors (400)', async () => {
    const cases: [Promise<{ statusCode: number; json: () => { error: { code: string; details: { field: string }[] } } }>, string][] = [
      [get('/v1/leads?status=bogus'), 'status'],
      [get('/v1/leads?min_score=abc'), 'min_score'],
      [get('/v1/leads?limit=0'), 'limit'],
      [get('/v1/leads?zip=123'), 'zip'],
      [get('/v1/leads?cursor=garbage'), 'cursor'],
      [send('PATCH', `/v1/leads/${leadsA[0]!.id}`, { status: 'sold' }), 'status'],
      [send('PATCH', `/v1/leads/${leadsA[0]!.id}`, { tags: 'not-a-list' }), 'tags'],
      [send('PATCH', `/v1/leads/${leadsA[0]!.id}`, { assignee_id: 'nobody' }), 'assignee_id'],
      [send('PATCH', `/v1/leads/${leadsA[0]!.id}`, { assignee_id: B.owner.id }), 'assignee_id'], // a user, of another organization
      [send('PATCH', `/v1/leads/${leadsA[0]!.id}`, { colour: 'red' }), 'colour'],
      [send('POST', '/v1/users', { email: 'not-an-email', role: 'agent' }), 'email'],
      [send('POST', '/v1/users', { email: 'a@example.com', role: 'king' }), 'role'],
    ];
    for (const [p, field] of cases) {
      const r = await p;
      expect(r.statusCode, field).toBe(400);
      expect(r.json().error.code).toBe('VALIDATION');
      expect(JSON.stringify(r.json().error.details), field).toContain(field);
    }
    const bad = await app.inject({ method: 'PATCH', url: `/v1/leads/${leadsA[0]!.id}`, headers: { authorization: `Bearer ${keyA}`, 'content-type': 'application/json' }, payload: '{"status":' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.code).toBe('VALIDATION');
  });

  it('filters by status, tier, tag, zip and minimum score', async () => {
    const ids = async (q: string) => (await get(`/v1/leads?${q}`)).json().data.map((l: { id: string }) => l.id).sort();
    expect(await ids('status=contacted')).toEqual([leadsA[6]!.id]);
    expect(await ids('tag=absentee')).toEqual([leadsA[1]!.id, leadsA[3]!.id, leadsA[5]!.id].sort());
    expect(await ids('zip=78701&min_score=50')).toEqual([leadsA[0]!.id, leadsA[1]!.id].sort());
    expect(await ids('min_score=89.5')).toEqual([leadsA[0]!.id, leadsA[4]!.id].sort());
    expect(await ids('status=new,contacted&tag=absentee&zip=78702')).toEqual([leadsA[3]!.id, leadsA[5]!.id].sort());
  });

  it('searches owner names and addresses, case-insensitive, wildcards taken literally, other organizations never', async () => {
    const ids = async (q: string) => (await get(`/v1/leads?limit=200&q=${encodeURIComponent(q)}`)).json().data.map((l: { id: string }) => l.id).sort();
    const shown = (await get(`/v1/leads/${leadsA[2]!.id}`)).json();
    expect(await ids(shown.person.last_name.toLowerCase())).toEqual([leadsA[2]!.id]);
    expect(await ids(shown.property.address_line1.split(' ')[2].toLowerCase())).toEqual([leadsA[2]!.id]);
    expect(await ids('austin')).toEqual(leadsA.map((l) => l.id).sort());
    expect(await ids('pat owner')).toEqual(leadsA.map((l) => l.id).sort());
    // two letters are too few for the trigram index: still answered, by a scan
    expect(await ids('pa')).toEqual(leadsA.map((l) => l.id).sort());
    expect(await ids('100%')).toEqual([]);
    expect(await ids('pat_owner')).toEqual([]);
    expect((await get(`/v1/leads?q=${encodeURIComponent(shown.person.last_name)}`, keyB)).json().data).toEqual([]);
  });

  it('pages with a keyset cursor: every lead once, in order, for each sort', async () => {
    for (const sort of ['-lead_score', 'lead_score', '-created_at', 'updated_at']) {
      const seen: { id: string; lead_score: number | null }[] = [];
      let cursor: string | null = null;
      do {
        const r = await get(`/v1/leads?limit=2&sort=${sort}${cursor ? `&cursor=${cursor}` : ''}`);
        expect(r.statusCode).toBe(200);
        const body = r.json();
        seen.push(...body.data);
        cursor = body.next_cursor;
      } while (cursor);
      expect(seen.map((l) => l.id).sort()).toEqual(leadsA.map((l) => l.id).sort());
      if (sort.endsWith('lead_score')) {
        const scores = seen.map((l) => l.lead_score ?? -1);
        expect(scores).toEqual([...scores].sort((a, b) => (sort.startsWith('-') ? b - a : a - b)));
      }
    }
    expect((await get(`/v1/leads?sort=lead_score&cursor=${(await get('/v1/leads?limit=1&sort=-created_at')).json().next_cursor}`)).statusCode).toBe(400);
  });

  it("finds for an agent, by search, only the leads they may see", async () => {
    const [agent, other] = [await t.newUser(A.org.id, 'agent'), await t.newUser(A.org.id, 'agent')];
    const theirs = await t.newLead(A.org.id, { assignee_id: other.user.id });
    const name = (await get(`/v1/leads/${theirs.id}`)).json().person.last_name as string;
    expect((await get(`/v1/leads?q=${name}`)).json().data.map((l: { id: string }) => l.id)).toEqual([theirs.id]);
    expect((await get(`/v1/leads?q=${name}`, await t.newApiKey(A.org.id, agent.user.id))).json().data).toEqual([]);
    expect((await get(`/v1/leads?q=${name}`, await t.newApiKey(A.org.id, other.user.id))).json().data.map((l: { id: string }) => l.id)).toEqual([theirs.id]);
  });

  it('shows a lead with property, person, contact points (opened) and history', async () => {
    const lead = leadsA[0]!;
    const body = (await get(`/v1/leads/${lead.id}`)).json();
    expect(body.property).toMatchObject({ city: 'AUSTIN', state: 'TX', zip: '78701' });
    expect(body.property.addr_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(body.person).toMatchObject({ first_name: 'Pat' });
    expect(body.contact_points.map((c: { value: string }) => c.value).sort()).toEqual([lead.email, lead.phone].sort());
    expect(body.contact_points[0]).not.toHaveProperty('value_enc');
    expect(body.status_history).toMatchObject([{ from_status: null, to_status: 'new' }]);
  });

  it('changes status, tags, assignee and notes, and the history shows it', async () => {
    const lead = leadsA[2]!;
    const agent = await t.newUser(A.org.id, 'agent');
    const r = await send('PATCH', `/v1/leads/${lead.id}`, { status: 'qualified', add_tags: ['motivated', 'motivated'], assignee_id: agent.user.id, notes: 'wants cash offer' });
    expect(r.statusCode).toBe(200);
    expect(r.json()).toMatchObject({ status: 'qualified', tags: ['motivated'], assignee_id: agent.user.id, notes: 'wants cash offer' });
    expect(r.json().status_history.at(-1)).toMatchObject({ from_status: 'new', to_status: 'qualified', trigger_type: 'api', changed_by: A.owner.id });
    const removed = await send('PATCH', `/v1/leads/${lead.id}`, { remove_tags: ['motivated'], assignee_id: null });
    expect(removed.json()).toMatchObject({ tags: [], assignee_id: null });
    expect((await send('PATCH', `/v1/leads/${lead.id}`, {})).statusCode).toBe(400);
    expect((await send('PATCH', `/v1/leads/${lead.id}`, { notes: undefined })).statusCode).toBe(400);
    expect((await send('PATCH', `/v1/leads/${lead.id}`, { add_tags: [] })).statusCode).toBe(400);
    const combined = await send('PATCH', `/v1/leads/${lead.id}`, { tags: ['a', 'b'], add_tags: ['c'], remove_tags: ['a'] });
    expect(combined.json().tags).toEqual(['b', 'c']);
  });

  it('changes many leads at once, says which were not there, and keeps each change in its history', async () => {
    const [a, b] = [await t.newLead(A.org.id), await t.newLead(A.org.id)];
    const missing = '00000000-0000-4000-8000-000000000001';
    const r = await send('POST', '/v1/leads/bulk', { ids: [a.id, b.id, a.id, missing, leadB.id], status: 'contacted', add_tags: ['mailer-2'] });
    expect(r.json()).toEqual({ updated: 2, not_found: [missing, leadB.id] }); // another organization's lead is not there for A
    for (const id of [a.id, b.id]) {
      const shown = (await get(`/v1/leads/${id}`)).json();
      expect(shown).toMatchObject({ status: 'contacted', tags: ['mailer-2'] });
      expect(shown.status_history.at(-1)).toMatchObject({ to_status: 'contacted', trigger_type: 'api' });
    }
    expect((await get(`/v1/leads/${leadB.id}`, keyB)).json().status).toBe('new');
    const bad = await send('POST', '/v1/leads/bulk', { ids: [a.id], status: 'won' });
    expect([bad.statusCode, bad.json().error.details[0].field]).toEqual([400, 'status']);
    expect((await send('POST', '/v1/leads/bulk', { ids: [a.id] })).statusCode).toBe(400);
    expect((await send('POST', '/v1/leads/bulk', { ids: [] })).json().error.details[0].field).toBe('ids');
    const agent = await t.newUser(A.org.id, 'agent');
    const other = await t.newUser(A.org.id, 'agent');
    const refused = await send('POST', '/v1/leads/bulk', { ids: [a.id], assignee_id: other.user.id }, await t.newApiKey(A.org.id, agent.user.id));
    expect(refused.json().error).toMatchObject({ code: 'FORBIDDEN', details: [{ field: 'assignee_id' }] });
  });

  it("lists a saved segment's leads and exports the filtered leads as CSV, recorded in the audit log", async () => {
    expect((await send('POST', '/v1/segments', { name: 'Scored 80+', filter: { lead_score: { min: 80 } } })).statusCode).toBe(201);
    const ids = (await get('/v1/leads?segment=Scored%2080%2B&limit=200')).json().data.map((l: { id: string }) => l.id).sort();
    expect(ids).toEqual([leadsA[0]!.id, leadsA[4]!.id].sort());
    const unknown = await get('/v1/leads?segment=nope');
    expect([unknown.statusCode, unknown.json().error.details[0].field]).toEqual([404, 'segment']);

    const csv = await get('/v1/leads/export?segment=Scored%2080%2B&zip=78701');
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    const lines = csv.body.trim().split(/\r?\n/);
    expect(lines[0]).toBe(EXPORT_COLUMNS.join(','));
    expect(lines.slice(1).map((l) => l.split(',')[0])).toEqual([leadsA[0]!.id]);
    expect(lines[1]).toContain(leadsA[0]!.email);
    const [audit] = await withOwner(t.c.db, 'test', async (trx) => (await sql<{ details: { count: number; filter: { segment: string } } }>`
      SELECT details FROM audit_log WHERE organization_id = ${A.org.id}::uuid AND action = 'export' ORDER BY created_at DESC LIMIT 1`.execute(trx)).rows);
    expect(audit!.details).toMatchObject({ count: 1, filter: { segment: 'Scored 80+', zip: ['78701'] } });
    expect((await get('/v1/leads/export?status=won')).statusCode).toBe(400);
    const agent = await t.newUser(A.org.id, 'agent');
    expect((await get('/v1/leads/export', await t.newApiKey(A.org.id, agent.user.id))).statusCode).toBe(403);
  });

  it('soft-deletes a lead: gone from lists and lookups, kept in the database', async () => {
    const lead = await t.newLead(A.org.id);
    expect((await send('DELETE', `/v1/leads/${lead.id}`)).json()).toEqual({ id: lead.id, deleted: true });
    expect((await get(`/v1/leads/${lead.id}`)).statusCode).toBe(404);
    expect((await send('DELETE', `/v1/leads/${lead.id}`)).statusCode).toBe(404);
  });

  it('lets owners and admins manage users and keys, and no one else', async () => {
    const created = await send('POST', '/v1/users', { email: 'New.Agent@Example.com', role: 'agent', full_name: 'New Agent' });
    expect(created.statusCode).toBe(201);
    expect(created.json()).toMatchObject({ email: 'new.agent@example.com', role: 'agent' });
    expect((await send('POST', '/v1/users', { email: 'new.agent@example.com', role: 'agent' })).json().error).toMatchObject({ code: 'CONFLICT', details: [{ field: 'email' }] });
    const agentKey = await t.newApiKey(A.org.id, created.json().id);
    expect((await get('/v1/me', agentKey)).json()).toMatchObject({ role: 'agent', user: { email: 'new.agent@example.com' } });
    expect((await get('/v1/api-keys', agentKey)).json().data).toHaveLength(1); // their own only
    for (const r of [
      await send('POST', '/v1/users', { email: 'x@example.com', role: 'agent' }, agentKey),
      await send('POST', '/v1/api-keys', { user: A.owner.id }, agentKey),
      await send('PATCH', '/v1/organization', { name: 'Mine' }, agentKey),
    ]) {
      expect(r.statusCode).toBe(403);
      expect(r.json().error.code).toBe('FORBIDDEN');
    }
    const key = await send('POST', '/v1/api-keys', { name: 'zapier' });
    expect(key.statusCode).toBe(201);
    expect(key.json().key).toMatch(/^pl_/);
    const listed = (await get('/v1/api-keys')).json().data;
    expect(listed.find((k: { name: string }) => k.name === 'zapier')).not.toHaveProperty('key');
    expect(JSON.stringify(listed)).not.toContain(key.json().key);
    expect((await send('PATCH', `/v1/users/${created.json().id}`, { is_active: false })).json().is_active).toBe(false);
    expect((await get('/v1/leads', agentKey)).statusCode).toBe(401); // a deactivated user's keys stop working
    expect((await send('PATCH', '/v1/organization', { name: 'Acme Roofing' })).json().name).toBe('Acme Roofing');
  });

  it('answers unknown routes with a NOT_FOUND error document', async () => {
    const r = await get('/v1/nothing-here');
    expect(r.statusCode).toBe(404);
    expect(r.json().error.code).toBe('NOT_FOUND');
  });
});
