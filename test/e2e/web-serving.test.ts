import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer } from '../../src/api/server.ts';
import { createTestContext, type TestContext } from '../support/context.ts';

// How the server hands out the web app: its files, index.html for any page address a browser
// asks for, and the API's own JSON 404s untouched; without a built app, a page that says how to
// build it.

describe('serving the web app', () => {
  let t: TestContext;
  let app: FastifyInstance;
  let bare: FastifyInstance;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'porchlight-webdir-'));
  const html = { accept: 'text/html,application/xhtml+xml' };

  beforeAll(async () => {
    fs.mkdirSync(path.join(dir, 'assets'));
    fs.writeFileSync(path.join(dir, 'index.html'), '<!doctype html><div id="root"></div><script src="/assets/app.js"></script>');
    fs.writeFileSync(path.join(dir, 'assets', 'app.js'), 'console.log(1)');
    t = await createTestContext();
    app = await buildServer(t.c, { webDir: dir });
    bare = await buildServer(t.c, { webDir: path.join(dir, 'missing') });
  });
  afterAll(async () => {
    await app.close();
    await bare.close();
    await t.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('serves the app at / and at every page address, and its assets', async () => {
    for (const url of ['/', '/nudges', '/nudges/0b6c8d3e-5d1a-4c1e-9f57-1a2b3c4d5e6f?status=all']) {
      const r = await app.inject({ url, headers: html });
      expect(r.statusCode, url).toBe(200);
      expect(r.headers['content-type']).toMatch(/text\/html/);
      expect(r.body).toContain('<div id="root">');
    }
    const js = await app.inject({ url: '/assets/app.js' });
    expect(js.statusCode).toBe(200);
    expect(js.headers['content-type']).toMatch(/javascript/);
  });

  it('leaves the API, its docs and missing files to their own answers', async () => {
    const api = await app.inject({ url: '/v1/nothing-here', headers: html });
    expect(api.statusCode).toBe(404);
    expect(api.json()).toMatchObject({ error: { code: 'NOT_FOUND' } });
    expect((await app.inject({ url: '/v1/leads', headers: html })).statusCode).toBe(401);
    expect((await app.inject({ url: '/health' })).json()).toMatchObject({ status: 'ok' });
    // a script asking for a missing file, or a POST, is not handed a page
    expect((await app.inject({ url: '/assets/missing.js' })).json()).toMatchObject({ error: { code: 'NOT_FOUND' } });
    expect((await app.inject({ method: 'POST', url: '/nudges', headers: html })).statusCode).toBe(404);
  });

  it('without a built app, / says how to build it', async () => {
    const r = await bare.inject({ url: '/', headers: html });
    expect(r.statusCode).toBe(200);
    expect(r.body).toContain('npm run build:web');
    expect((await bare.inject({ url: '/nudges', headers: html })).statusCode).toBe(404);
  });
});
