import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer } from '../../src/api/server.ts';
import { createTestContext, type TestContext } from '../support/context.ts';

// Imports over HTTP: the file is the request body; the import runs in the background.
describe('HTTP API: imports', () => {
  let t: TestContext;
  let app: FastifyInstance;
  let key: string;
  let agentKey: string;
  const csv = 'Address,City,State,Zip,Owner Name,Phone 1\n1 Oak St,Austin,TX,78701,Al One,512-555-0101\n,,,,Nobody,\n2 Oak St,Austin,TX,78701,=SUM(A1),bad\n';

  beforeAll(async () => {
    t = await createTestContext();
    app = await buildServer(t.c);
    const A = await t.newOrganization('A');
    key = await t.newApiKey(A.org.id, A.owner.id);
    const agent = await t.newUser(A.org.id, 'agent');
    agentKey = await t.newApiKey(A.org.id, agent.user.id);
  });
  afterAll(async () => {
    await app.close();
    await t.close();
  });

  const upload = (body: string, query = '', k = key) =>
    app.inject({ method: 'POST', url: `/v1/imports${query}`, headers: { authorization: `Bearer ${k}`, 'content-type': 'text/csv' }, payload: body });
  const get = (url: string) => app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${key}` } });
  async function finished(id: string) {
    for (let i = 0; i < 200; i++) {
      const r = (await get(`/v1/imports/${id}`)).json();
      if (r.status === 'completed' || r.status === 'failed') return r;
      await new Promise((res) => setTimeout(res, 50));
    }
    throw new Error('import did not finish');
  }

  it('accepts an upload, runs it, and reports status, counts and the rejected rows as CSV', async () => {
    const r = await upload(csv, '?source=web');
    expect(r.statusCode, r.body).toBe(202);
    const done = await finished(r.json().id);
    expect(done).toMatchObject({ status: 'completed', percent: 100, rows_read: 3, rows_rejected: 1, leads_inserted: 2, source: 'web', warnings: 1 });
    const errors = await get(`/v1/imports/${done.id}/errors`);
    expect(errors.headers['content-type']).toContain('text/csv');
    expect(errors.body.split(/\r?\n/)[0]).toBe('line,column,reason,Address,City,State,Zip,Owner Name,Phone 1');
    expect(errors.body).toContain('no usable property address');
    const warnings = await get(`/v1/imports/${done.id}/errors?severity=warning`);
    // the formula-looking owner name goes out defused
    expect(warnings.body).toContain("'=SUM(A1)");
    expect((await get('/v1/imports')).json().data.map((i: { id: string }) => i.id)).toContain(done.id);
  });

  it('returns the earlier import for the same file, and dry_run writes nothing', async () => {
    const again = await upload(csv);
    expect(again.statusCode).toBe(200);
    expect(again.json()).toMatchObject({ reused: true, status: 'completed' });
    const dry = await upload('Address,City,State,Zip\n9 Elm St,Austin,TX,78701\n', '?dry_run=true');
    expect(dry.statusCode).toBe(200);
    expect(dry.json()).toMatchObject({ dryRun: true, counts: { rows_read: 1 } });
  });

  it('refuses bad files and agents with clear errors', async () => {
    const empty = await upload('');
    expect(empty.statusCode).toBe(400);
    expect(empty.json().error.message).toMatch(/empty/);
    const noColumn = await upload('Name\nAl\n');
    expect(noColumn.statusCode).toBe(400);
    expect(noColumn.json().error.message).toMatch(/missing required column/);
    expect((await upload(csv, '', agentKey)).statusCode).toBe(403);
    expect((await get('/v1/imports/00000000-0000-4000-8000-000000000000')).statusCode).toBe(404);
  });
});
