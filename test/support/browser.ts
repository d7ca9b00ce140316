import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { chromium, type Browser, type Page } from 'playwright-core';
import { build } from 'vite';
import { buildServer, type ServerOptions } from '../../src/api/server.ts';
import type { TestContext } from './context.ts';

// The web app in a real browser: the app built by Vite into a folder of this test file's own,
// served by the real server on a free port, driven by playwright-core in Debian's headless
// chromium. Without chromium the browser tests are skipped on a workstation and fail in CI
// (.ci/run installs it).

const CHROMIUM = process.env.PORCHLIGHT_CHROMIUM ?? '/usr/bin/chromium';
export const chromiumMissing = !fs.existsSync(CHROMIUM) && !process.env.CI;
export const SCREENSHOTS = path.resolve(import.meta.dirname, '../../test-results');

// no network: the flags that keep chromium from calling home, which this machine refuses
const FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update',
  '--disable-sync', '--disable-default-apps', '--disable-dev-shm-usage', '--metrics-recording-only', '--no-default-browser-check'];

export interface WebApp { url: string; browser: Browser; app: FastifyInstance; close(): Promise<void> }

/** opts.jobs: a queue for the routes that start jobs (pulls, enrichment, money): without one the server leaves them out. */
export async function startWebApp(t: TestContext, opts: Pick<ServerOptions, 'jobs'> = {}): Promise<WebApp> {
  const webDir = fs.mkdtempSync(path.join(os.tmpdir(), 'porchlight-web-'));
  // under vitest NODE_ENV is 'test': React's development build, larger and stricter (its warnings
  // reach the console, which the tests read), so the size warning is not for this build
  await build({
    configFile: path.resolve(import.meta.dirname, '../../web/vite.config.ts'), logLevel: 'warn',
    build: { outDir: webDir, emptyOutDir: true, sourcemap: false, chunkSizeWarningLimit: 4096 },
  });
  const app = await buildServer(t.c, { webDir, jobs: opts.jobs });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const addr = app.server.address();
  const url = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: FLAGS });
  return {
    url, browser, app,
    async close() {
      await browser.close();
      await app.close();
      fs.rmSync(webDir, { recursive: true, force: true });
    },
  };
}

/** A page at a width: a laptop by default, or a phone. Errors the page logs fail the test that reads `errors`. */
export async function newPage(w: WebApp, size: 'laptop' | 'phone' = 'laptop') {
  const viewport = size === 'phone' ? { width: 390, height: 844 } : { width: 1366, height: 860 };
  const context = await w.browser.newContext({ viewport, baseURL: w.url, locale: 'en-US', timezoneId: 'America/Chicago' });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => {
    // a failed request is the server's answer the test asked for; anything else the app logs is a bug
    if (m.type() === 'error' && !m.text().includes('Failed to load resource')) errors.push(m.text());
  });
  return { page, errors, close: () => context.close() };
}

export async function screenshot(page: Page, name: string) {
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
}
