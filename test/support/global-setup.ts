import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { openDatabase } from '../../src/db/database.ts';
import { migrate } from '../../src/db/migrate.ts';
import { buildCli } from '../../scripts/build-cli.mjs';

// Migrate once per run: a dumped PGlite data directory, or a template database on the server.

export default async function setup(project: TestProject) {
  // the CLI tests start `porchlight` hundreds of times: from one bundled file, each start loads
  // in a third of the time it takes through tsx (bin/porchlight.js falls back to the sources
  // whenever one is newer than the bundle, so an edit made during a run is still what runs)
  await buildCli();
  const url = process.env.DATABASE_URL;
  if (!url) {
    const db = await openDatabase({ dataDir: 'memory://', command: 'test' });
    await migrate(db);
    const dump = await db.pglite!.dumpDataDir('none');
    await db.close();
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'porchlight-test-')), 'template.tar');
    fs.writeFileSync(file, Buffer.from(await dump.arrayBuffer()));
    project.provide('pgliteTemplate', file);
    return () => fs.rmSync(path.dirname(file), { recursive: true, force: true });
  }
  const template = `porchlight_tpl_${process.pid}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${template}`);
  await admin.query(`CREATE DATABASE ${template} TEMPLATE template0`);
  const db = await openDatabase({ databaseUrl: withDatabase(url, template), dataDir: 'memory://', command: 'test' });
  await migrate(db);
  await db.close();
  project.provide('pgTemplate', template);
  return async () => {
    const left = await admin.query<{ datname: string }>(`SELECT datname FROM pg_database WHERE datname LIKE 'porchlight_t_${process.pid}_%' OR datname = $1`, [template]);
    for (const { datname } of left.rows) await admin.query(`DROP DATABASE IF EXISTS ${datname} WITH (FORCE)`);
    await admin.end();
  };
}

export function withDatabase(url: string, name: string) {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

declare module 'vitest' {
  export interface ProvidedContext {
    pgliteTemplate?: string;
    pgTemplate?: string;
  }
}
