import fs from 'node:fs';
import os from 'node:os';
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { openDatabase } from '../../src/db/database.ts';
import { withOwner } from '../../src/db/tenant.ts';
import { newTestDatabase } from './test-db.ts';

// The CLI as a user runs it: a separate process, its output and its exit code.

export const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/porchlight.js');

/**
 * Each CLI test starts several processes, and each opens the database; on a busy two-core
 * machine with two test files at once that alone can pass a minute.
 */
export const CLI_TEST_TIMEOUT = 180_000;

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
  json: <T = any>() => T; // eslint-disable-line @typescript-eslint/no-explicit-any
}

export function cliEnv(extra: Record<string, string | undefined>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: 'warn', ...extra };
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete env[k];
  return env;
}

export function runCli(args: string[], env: NodeJS.ProcessEnv): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr, json: () => JSON.parse(stdout) }));
  });
}

/** Start `porchlight serve`; resolves once it prints its start-up JSON. */
export function startServe(args: string[], env: NodeJS.ProcessEnv): Promise<{ child: ChildProcess; info: { url: string; web_app: boolean; demo: { api_key: string; sign_in_url: string | null } | null } }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, 'serve', '--json', '--port', '0', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    const timer = setTimeout(() => reject(new Error(`serve did not start: ${err}`)), 90_000);
    child.stderr.on('data', (d) => (err += d));
    child.stdout.on('data', (d) => {
      out += d;
      try {
        const info = JSON.parse(out);
        clearTimeout(timer);
        resolve({ child, info });
      } catch {
        // not complete yet
      }
    });
    child.on('close', (code) => reject(new Error(`serve exited with ${code}: ${err}`)));
  });
}

/**
 * Fresh environments for CLI tests, each with a migrated database holding the organization
 * `acme`. On PGlite the first one is kept as a template and later ones are copies of its data
 * directory (initdb and migrations take seconds per directory); on the server each gets its own
 * database copied from the run's migrated template.
 */
export function cliEnvs(dir: string, base: Record<string, string>) {
  const onServer = !!process.env.DATABASE_URL;
  const closers: (() => Promise<void>)[] = [];
  let template: string | undefined;

  async function create(name: string) {
    let url: string | undefined;
    if (onServer) {
      const db = await newTestDatabase();
      url = db.url;
      closers.push(() => db.close());
      await db.kysely.destroy();
    }
    const env = cliEnv({ ...base, PORCHLIGHT_DATA_DIR: path.join(dir, name), DATABASE_URL: url });
    const org = await runCli(['org', 'create', '--slug', 'acme', '--name', 'Acme', '--json'], env);
    if (org.code !== 0) throw new Error(`org create failed: ${org.stderr}`);
    return env;
  }

  return {
    async fresh(name: string): Promise<NodeJS.ProcessEnv> {
      if (onServer) return create(name);
      if (!template) {
        await create('template');
        template = path.join(dir, 'template');
      }
      fs.cpSync(template, path.join(dir, name), { recursive: true });
      return cliEnv({ ...base, PORCHLIGHT_DATA_DIR: path.join(dir, name) });
    },
    async close() {
      for (const close of closers.splice(0)) await close();
    },
  };
}

/** Read the database a CLI run wrote (as the owner, across organizations). */
export async function queryCliDatabase<T>(env: NodeJS.ProcessEnv, text: string): Promise<T[]> {
  const db = await openDatabase({ databaseUrl: env.DATABASE_URL, dataDir: env.PORCHLIGHT_DATA_DIR!, command: 'test' });
  try {
    return await withOwner(db, 'test', async (trx) => (await sql.raw<T>(text).execute(trx)).rows);
  } finally {
    await db.close();
  }
}

/**
 * A CLI test's own place on the engine of this run: a data directory for PGlite, or a fresh
 * database on the server (DATABASE_URL); `demo` loads the demo organization first.
 */
export async function cliTestEnv(name: string, opts: { demo?: boolean } = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `porchlight-${name}-`));
  let url: string | undefined;
  let closeDb = async () => {};
  if (process.env.DATABASE_URL) {
    const db = await newTestDatabase({ empty: true });
    url = db.url;
    closeDb = () => db.close();
    await db.kysely.destroy();
  }
  const env = cliEnv({ PORCHLIGHT_DATA_DIR: path.join(dir, 'data'), DATABASE_URL: url, PORCHLIGHT_SECRET_KEY: undefined });
  if (opts.demo) {
    const demo = await runCli(['demo', '--json'], env);
    if (demo.code !== 0) throw new Error(`demo failed: ${demo.stderr}`);
  }
  return {
    dir, env,
    async close() {
      await closeDb();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
