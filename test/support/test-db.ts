import fs from 'node:fs';
import crypto from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
import { openDatabase, type Database } from '../../src/db/database.ts';
import { withDatabase } from './global-setup.ts';

// A fresh, migrated database for one test file: a copy of the run's template on either engine.

export async function newTestDatabase(opts: { empty?: boolean } = {}): Promise<Database & { url?: string }> {
  const url = process.env.DATABASE_URL;
  if (!url) {
    const file = inject('pgliteTemplate');
    const loadDataDir = opts.empty ? undefined : new Blob([fs.readFileSync(file!)]);
    return openDatabase({ dataDir: 'memory://', command: 'test', loadDataDir });
  }
  const template = inject('pgTemplate')!;
  // The global setup runs in the main process; the name carries its pid so teardown finds leftovers.
  const name = `porchlight_t_${template.split('_').pop()}_${crypto.randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  for (let attempt = 0; ; attempt++) {
    try {
      await admin.query(`CREATE DATABASE ${name} TEMPLATE ${opts.empty ? 'template0' : template}`);
      break;
    } catch (e) {
      // two files copying the template at the same instant: wait and try again
      if (attempt > 20 || !(e as Error).message.includes('being accessed by other users')) throw e;
      await new Promise((r) => setTimeout(r, 100 + Math.random() * 200));
    }
  }
  const dbUrl = withDatabase(url, name);
  const db = await openDatabase({ databaseUrl: dbUrl, dataDir: 'memory://', command: 'test', poolSize: 4 });
  return {
    ...db,
    url: dbUrl,
    async close() {
      await db.close();
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    },
  };
}
