import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer } from '../../src/api/server.ts';
import { createTestContext, type TestContext } from '../support/context.ts';
import { listing } from '../support/nudges.ts';
import { outreachOrg, PUBLIC_ENV, TUESDAY_MORNING } from '../support/outreach.ts';

// Nudges over HTTP, as a script or the web inbox would use them: settings, clients (one, and a
// CSV), MLS events, a pipeline run, then the inbox: show, edit, approve; errors name the field.

describe('nudges API', () => {
  let t: TestContext;
  let app: FastifyInstance;
  let key: string;
  let agentKey: string;
  let secondAgentKey: string;
  let otherKey: string;
  const call = (method: string, url: string, body?: unknown, k = key, type?: string) => app.inject({
    method: method as 'GET', url, headers: { authorization: `Bearer ${k}`, ...(type ? { 'content-type': type } : {}) },
    ...(body === undefined ? {} : type ? { payload: body as string } : { payload: body as object }),
  });

  beforeAll(async () => {
    t = await createTestContext({ now: () => TUESDAY_MORNING, env: PUBLIC_ENV });
    app = await buildServer(t.c);
    const A = await outreachOrg(t);
    key = await t.newApiKey(A.org.id, A.owner.id);
    agentKey = await t.newApiKey(A.org.id, (await t.newUser(A.org.id, 'agent')).user.id);
    secondAgentKey = await t.newApiKey(A.org.id, (await t.newUser(A.org.id, 'agent')).user.id);
    const B = await t.newOrganization('Other');
    otherKey = await t.newApiKey(B.org.id, B.owner.id);
  });
  afterAll(async () => {
    await app.close();
    await t.close();
  });

  it('takes settings, clients and events, runs the pipeline, and serves the inbox', async () => {
    expect((await call('PATCH', '/v1/nudges/settings', { market_focus: ['78704'], tone: 'professional' })).json()).toMatchObject({ market_focus: ['78704'], tone: 'professional' });
    const add = await call('POST', '/v1/clients', { name: 'Maria Lopez', email: 'maria@example.com', notes: 'backyard near good schools', prefs: { price_max: 500000, areas: ['78704'] } });
    expect(add.statusCode).toBe(201);
    expect((await call('POST', '/v1/clients', { name: 'Maria Lopez', email: 'maria@example.com', notes: 'backyard near good schools', prefs: { price_max: 500000, areas: ['78704'] } })).statusCode).toBe(200);
    const csv = 'name,email,notes,areas\nJo Park,jo@example.com,backyard and good schools,78704\nNo One,,,\n';
    const imp = await call('POST', '/v1/clients/import', csv, key, 'text/csv');
    expect(imp.json()).toMatchObject({ rows: 2, created: 1, rejected: 1, errors: [{ line: 3, field: 'email' }] });
    const events = await call('POST', '/v1/mls/events', { value: [listing({}, new Date(TUESDAY_MORNING.getTime() - 3_600_000)), { ListingKey: 'x' }] });
    expect(events.json()).toMatchObject({ inserted: 1, rejected: 1, errors: [{ line: 2, field: 'SourceSystemID' }] });

    const run = await call('POST', '/v1/pipeline/runs', {});
    expect(run.statusCode).toBe(201);
    expect(run.json()).toMatchObject({ status: 'completed', briefings_created: 1 });
    expect((await call('GET', '/v1/pipeline/runs')).json().data).toHaveLength(1);

    const inbox = (await call('GET', '/v1/nudges?status=DRAFT')).json();
    expect(inbox.data).toHaveLength(1);
    const id = inbox.data[0].id;
    const shown = (await call('GET', `/v1/nudges/${id}`)).json();
    expect(shown.audience.map((a: { name: string }) => a.name)).toEqual(['Maria Lopez', 'Jo Park']);
    expect(shown.draft).toMatch(/^Hello \{first_name\},/);
    expect((await call('PATCH', `/v1/nudges/${id}`, { draft: 'Hello {first_name}, a yard at last. Tour?' })).json().edited_draft).toContain('a yard at last');
    const approved = await call('POST', `/v1/nudges/${id}/approve`, { channel: 'email' });
    expect(approved.json()).toMatchObject({ status: 'ACTIVE', scheduled: 2 });
    expect((await call('POST', `/v1/nudges/${id}/pause`)).json().status).toBe('PAUSED');
    expect((await call('POST', `/v1/nudges/${id}/resume`)).json().status).toBe('ACTIVE');
  });

  it('answers bad input with the field, another organization with 404, and an agent only with their own', async () => {
    expect((await call('POST', '/v1/clients', { name: 'X', prefs: { beds: 'many' } })).json().error).toMatchObject({ code: 'VALIDATION', details: [expect.objectContaining({ field: expect.stringContaining('beds') })] });
    expect((await call('POST', '/v1/mls/events', { nope: true })).json().error).toMatchObject({ code: 'VALIDATION', details: [{ field: 'value' }] });
    const id = (await call('GET', '/v1/nudges')).json().data[0].id;
    expect((await call('GET', `/v1/nudges/${id}`, undefined, otherKey)).statusCode).toBe(404);
    expect((await call('GET', '/v1/nudges', undefined, agentKey)).json().data).toEqual([]);
    expect((await call('GET', '/v1/nudges?user_email=' + encodeURIComponent((await call('GET', `/v1/nudges/${id}`)).json().user_email), undefined, agentKey)).json().data).toEqual([]);
    expect((await call('GET', `/v1/nudges/${id}`, undefined, agentKey)).statusCode).toBe(404);
    expect((await call('POST', '/v1/pipeline/runs', {}, agentKey)).statusCode).toBe(403);
    expect((await call('POST', '/v1/mls/events', { value: [] }, agentKey)).statusCode).toBe(403);
    // an agent cannot move or edit another user's nudge: row-level security leaves it out of what they may change
    expect((await call('POST', `/v1/nudges/${id}/pause`, undefined, agentKey)).statusCode).toBe(404);
    expect((await call('PATCH', `/v1/nudges/${id}`, { draft: 'mine now' }, agentKey)).statusCode).toBe(404);
    expect((await call('GET', `/v1/nudges/${id}`)).json().status).toBe('ACTIVE');
    expect((await call('POST', `/v1/nudges/${id}/approve`, { channel: 'fax' })).json().error.details[0].field).toBe('channel');
    expect((await call('GET', '/openapi.json')).json().paths['/v1/nudges/{id}/approve']).toBeDefined();
  });

  it("lets an agent add, list and show their own client with the client's e-mail and phone, and keeps it from another agent", async () => {
    const body = { name: 'Ola Berg', email: 'ola.berg@example.com', phone: '+1 512 555 0142', notes: 'Cash buyer, fixer-uppers' };
    const add = await call('POST', '/v1/clients', body, agentKey);
    expect(add.statusCode).toBe(201);
    const id = add.json().id;
    expect(add.json().contacts.map((c: { kind: string }) => c.kind)).toEqual(['email', 'phone']);
    expect((await call('POST', '/v1/clients', { ...body, name: 'Ola Berg-Lund' }, agentKey)).json()).toMatchObject({ id, name: 'Ola Berg-Lund', created: false });
    expect((await call('GET', '/v1/clients', undefined, agentKey)).json().data.map((c: { id: string }) => c.id)).toEqual([id]);
    const shown = (await call('GET', `/v1/clients/${id}`, undefined, agentKey)).json();
    expect(shown).toMatchObject({ id, name: 'Ola Berg-Lund', contacts: [{ kind: 'email', display: expect.stringContaining('@example.com') }, { kind: 'phone', display: expect.stringContaining('+1512') }] });
    const csv = 'name,email,phone\nAnn Ray,ann.ray@example.com,512-555-0131\n';
    expect((await call('POST', '/v1/clients/import', csv, agentKey, 'text/csv')).json()).toMatchObject({ rows: 1, created: 1, rejected: 0 });
    // another agent: not in their list, not found by id; the owner sees every user's
    expect((await call('GET', '/v1/clients', undefined, secondAgentKey)).json().data).toEqual([]);
    expect((await call('GET', `/v1/clients/${id}`, undefined, secondAgentKey)).statusCode).toBe(404);
    expect((await call('GET', `/v1/clients/${id}`)).json()).toMatchObject({ id, contacts: [{ kind: 'email' }, { kind: 'phone' }] });
  });
});
