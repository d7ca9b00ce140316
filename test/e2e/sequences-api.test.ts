import fs from 'node:fs';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer } from '../../src/api/server.ts';
import { createTestContext, type TestContext } from '../support/context.ts';

// The sequence endpoints through Fastify's inject: the example files create, a broken graph is a
// 400 naming its nodes, and an enrollment is made, run and shown.

const EXAMPLES = path.resolve(import.meta.dirname, '../../examples/sequences');
const example = (name: string) => JSON.parse(fs.readFileSync(path.join(EXAMPLES, name), 'utf8'));

describe('sequences API', () => {
  let t: TestContext;
  let app: FastifyInstance;
  let key: string;
  let otherKey: string;
  let a: Awaited<ReturnType<TestContext['newOrganization']>>;

  beforeAll(async () => {
    t = await createTestContext({ now: () => new Date('2026-03-10T15:00:00Z') });
    app = await buildServer(t.c);
    a = await t.newOrganization('A');
    const b = await t.newOrganization('B');
    key = await t.newApiKey(a.org.id, a.owner.id);
    otherKey = await t.newApiKey(b.org.id, b.owner.id);
  });
  afterAll(async () => {
    await app.close();
    await t.close();
  });

  const call = (method: 'GET' | 'POST' | 'PATCH', url: string, body?: unknown, k = key) =>
    app.inject({ method, url, headers: { authorization: `Bearer ${k}` }, ...(body === undefined ? {} : { payload: body as object }) });

  it('creates both examples, lists and shows them; another organization sees neither', async () => {
    const graph = await call('POST', '/v1/sequences', example('roofing-follow-up.json'));
    expect(graph.statusCode, graph.body).toBe(201);
    expect(graph.json()).toMatchObject({ kind: 'graph', status: 'active', metrics: { enrolled: 0 } });
    const nurture = await call('POST', '/v1/sequences', example('five-step-nurture.json'));
    expect(nurture.statusCode, nurture.body).toBe(201);
    expect(nurture.json().nodes.map((n: { key: string }) => n.key)).toEqual(['start', 'step-1', 'step-2', 'step-3', 'step-4', 'step-5', 'wait-2', 'wait-3', 'wait-4', 'wait-5', 'end']);
    expect((await call('GET', '/v1/sequences')).json().data).toHaveLength(2);
    expect((await call('GET', `/v1/sequences/${graph.json().id}`)).json()).toMatchObject({ name: 'Roofing follow-up' });
    expect((await call('GET', '/v1/sequences', undefined, otherKey)).json().data).toEqual([]);
    expect((await call('GET', `/v1/sequences/${graph.json().id}`, undefined, otherKey)).statusCode).toBe(404);
  });

  it('answers a broken graph with a 400 naming each node at fault', async () => {
    const r = await call('POST', '/v1/sequences', {
      name: 'Loop', nodes: [{ key: 'start', type: 'START' }, { key: 'a', type: 'SMS', config: { template: { body: 'Hi {{persn.first_name}}' } } }, { key: 'end', type: 'END' }],
      edges: [{ from: 'start', to: 'a' }, { from: 'a', to: 'a' }],
    });
    expect(r.statusCode).toBe(400);
    const err = r.json().error;
    expect(err.code).toBe('VALIDATION');
    expect(err.details.map((d: { field: string }) => d.field)).toEqual(expect.arrayContaining(['nodes[a]', 'nodes[end]']));
    expect(err.message).toMatch(/a → a loops without a WAIT/);
  });

  it('enrolls a lead, pauses and resumes it, and shows its path', async () => {
    const lead = await t.newLead(a.org.id);
    const s = (await call('GET', '/v1/sequences')).json().data.find((x: { name: string }) => x.name === 'Roofing follow-up');
    const enrolled = await call('POST', `/v1/sequences/${s.id}/enroll`, { lead_id: lead.id });
    expect(enrolled.statusCode, enrolled.body).toBe(200);
    const id = enrolled.json().enrollment.id;
    expect((await call('POST', `/v1/enrollments/${id}/pause`)).json()).toMatchObject({ status: 'paused' });
    expect((await call('POST', `/v1/enrollments/${id}/pause`)).statusCode).toBe(409);
    expect((await call('POST', `/v1/enrollments/${id}/resume`)).json()).toMatchObject({ status: 'active' });
    await t.c.sequenceEngine.runDue(a.actor);
    const p = (await call('GET', `/v1/enrollments/${id}/path`)).json();
    expect(p.steps.map((x: { node_key: string }) => x.node_key)).toEqual(['start', 'intro-text', 'wait-2-days']);
    expect((await call('GET', `/v1/sequences/${s.id}/enrollments?status=active`)).json().data).toHaveLength(1);
    expect((await call('POST', `/v1/sequences/${s.id}/pause`)).json()).toMatchObject({ status: 'paused' });
    expect((await call('POST', `/v1/enrollments/${id}/stop`)).json()).toMatchObject({ status: 'stopped', stop_reason: 'MANUAL' });
  });

  it('enrolls leads chosen in a list in one call, once each, and refuses two ways of choosing', async () => {
    const [one, two] = [await t.newLead(a.org.id), await t.newLead(a.org.id)];
    const s = (await call('GET', '/v1/sequences')).json().data.find((x: { name: string }) => x.name === 'Roofing follow-up');
    const ids = [one.id, two.id, '00000000-0000-4000-8000-000000000001'];
    const first = await call('POST', `/v1/sequences/${s.id}/enroll`, { lead_ids: ids });
    expect(first.json()).toMatchObject({ matched: 2, enrolled: 2, already_enrolled: 0, enrollment: null });
    expect((await call('POST', `/v1/sequences/${s.id}/enroll`, { lead_ids: ids })).json()).toMatchObject({ matched: 2, enrolled: 0, already_enrolled: 2 });
    const both = await call('POST', `/v1/sequences/${s.id}/enroll`, { lead_id: one.id, lead_ids: [two.id] });
    expect(both.statusCode).toBe(400);
    expect(both.json().error.message).toMatch(/one of them/);
    expect((await call('POST', `/v1/sequences/${s.id}/enroll`, { lead_ids: ['not-a-uuid'] })).json().error.details[0].field).toBe('lead_ids.0');
  });

  it('changes working hours, days and name; refuses hours that end before they start, a taken name and agents', async () => {
    const s = (await call('GET', '/v1/sequences')).json().data.find((x: { name: string }) => x.name === 'Roofing follow-up');
    const changed = await call('PATCH', `/v1/sequences/${s.id}`, { working_hours_start: '08:30', working_hours_end: '18:00', working_days: [1, 2, 3, 4, 5, 6], timezone: 'America/Chicago' });
    expect(changed.statusCode, changed.body).toBe(200);
    expect(changed.json()).toMatchObject({ working_hours_start: '08:30', working_hours_end: '18:00', working_days: [1, 2, 3, 4, 5, 6], timezone: 'America/Chicago', nodes: expect.any(Array) });
    const backwards = await call('PATCH', `/v1/sequences/${s.id}`, { working_hours_end: '08:00' });
    expect([backwards.statusCode, backwards.json().error.details[0].field]).toEqual([400, 'working_hours_end']);
    for (const timezone of ['Mars/Olympus', 'EST5EDT', 'UTC+5']) { // the last two luxon knows, the database's check does not
      const zone = await call('PATCH', `/v1/sequences/${s.id}`, { timezone });
      expect([zone.statusCode, zone.json().error.details[0].field, zone.json().error.message]).toEqual([400, 'timezone', expect.stringContaining('an IANA time zone')]);
    }
    expect((await call('PATCH', `/v1/sequences/${s.id}`, {})).statusCode).toBe(400);
    const taken = (await call('GET', '/v1/sequences')).json().data.find((x: { name: string }) => x.name !== 'Roofing follow-up').name;
    const clash = await call('PATCH', `/v1/sequences/${s.id}`, { name: taken });
    expect([clash.statusCode, clash.json().error.details[0].field]).toEqual([409, 'name']);
    const agent = await t.newUser(a.org.id, 'agent');
    expect((await call('PATCH', `/v1/sequences/${s.id}`, { working_days: [1] }, await t.newApiKey(a.org.id, agent.user.id))).statusCode).toBe(403);
    // nothing of the refused changes landed
    expect((await call('GET', `/v1/sequences/${s.id}`)).json()).toMatchObject({ name: 'Roofing follow-up', working_hours_end: '18:00', working_days: [1, 2, 3, 4, 5, 6] });
  });

  it('tags the endpoints in the OpenAPI document', async () => {
    const doc = (await app.inject({ method: 'GET', url: '/openapi.json' })).json();
    expect(doc.paths['/v1/sequences'].post.tags).toEqual(['sequences']);
    expect(doc.paths['/v1/enrollments/{id}/path'].get.tags).toEqual(['sequences']);
  });
});
