import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { AppError } from '../app/errors.ts';
import type { Database } from './database.ts';

// Plain numbered SQL files, applied in order, each in one transaction with its row in
// porchlight_migration. Forward-only: a file changed after it was applied is refused.

export const MIGRATIONS_DIR = fileURLToPath(new URL('../../migrations/', import.meta.url));

export interface MigrationFile {
  version: number;
  name: string;
  checksum: string;
  sql: string;
}

export interface MigrationState {
  version: number;
  name: string;
  state: 'applied' | 'pending' | 'changed' | 'missing';
  applied_at: Date | null;
}

export function readMigrations(dir = MIGRATIONS_DIR): MigrationFile[] {
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.sql')).sort();
  const seen = new Set<number>();
  return files.map((name) => {
    const m = /^(\d{4})_[a-z0-9_]+\.sql$/.exec(name);
    if (!m) throw new AppError('VALIDATION', `migration file name ${name} must look like 0001_name.sql`);
    const version = Number(m[1]);
    if (seen.has(version)) throw new AppError('VALIDATION', `two migrations share number ${m[1]}`);
    seen.add(version);
    const text = fs.readFileSync(path.join(dir, name), 'utf8');
    const checksum = crypto.createHash('sha256').update(text).digest('hex');
    return { version, name, checksum, sql: text };
  });
}

const CREATE_TABLE = `
  CREATE TABLE IF NOT EXISTS porchlight_migration (
    version    integer PRIMARY KEY,
    name       text NOT NULL,
    checksum   text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
  )`;

interface AppliedRow {
  version: number;
  name: string;
  checksum: string;
  applied_at: Date;
}

// Migrators on several processes take turns: the lock is held by each migration's transaction.
const MIGRATION_LOCK = "SELECT pg_advisory_xact_lock(hashtext('porchlight migrations'));";

async function applied(db: Database): Promise<AppliedRow[]> {
  const exists = await sql<{ t: string | null }>`SELECT to_regclass('public.porchlight_migration')::text AS t`.execute(db.kysely);
  if (!exists.rows[0]?.t) await db.execScript(`BEGIN; ${MIGRATION_LOCK} ${CREATE_TABLE}; COMMIT;`);
  const r = await sql<AppliedRow>`SELECT version, name, checksum, applied_at FROM porchlight_migration ORDER BY version`.execute(db.kysely);
  return r.rows;
}

export async function migrationStatus(db: Database, files = readMigrations()): Promise<MigrationState[]> {
  const done = new Map((await applied(db)).map((r) => [r.version, r]));
  const states: MigrationState[] = files.map((f) => {
    const row = done.get(f.version);
    done.delete(f.version);
    if (!row) return { version: f.version, name: f.name, state: 'pending', applied_at: null };
    return { version: f.version, name: f.name, state: row.checksum === f.checksum ? 'applied' : 'changed', applied_at: row.applied_at };
  });
  for (const row of done.values()) states.push({ version: row.version, name: row.name, state: 'missing', applied_at: row.applied_at });
  return states.sort((a, b) => a.version - b.version);
}

function refuseChanged(states: MigrationState[]) {
  const missing = states.filter((s) => s.state === 'missing');
  if (missing.length) {
    throw new AppError('CONFLICT', `the database has migration ${missing.map((m) => m.name).join(', ')} that this version of Porchlight does not know: upgrade Porchlight`);
  }
  const changed = states.filter((s) => s.state === 'changed');
  if (changed.length === 0) return;
  throw new AppError(
    'CONFLICT',
    `migration ${changed.map((c) => c.name).join(', ')} changed after it was applied to this database. ` +
      'Applied migrations are never edited: restore the file and put the change in a new numbered migration.',
    changed.map((c) => ({ field: c.name, message: 'checksum differs from the applied one' })),
  );
}

/** Apply every pending migration in order; returns the names applied (none when up to date). */
export async function migrate(db: Database, files = readMigrations()): Promise<string[]> {
  const states = await migrationStatus(db, files);
  refuseChanged(states);
  const pending = files.filter((f) => states.find((s) => s.version === f.version)?.state === 'pending');
  const done: string[] = [];
  for (const f of pending) {
    // A script of several statements cannot take parameters; the values are safe to inline: the
    // version is a number, the name matched the file-name pattern, the checksum is hex. Recording
    // the version first, under the lock, makes a migrator that lost the race fail on the primary
    // key and roll back instead of applying the same file twice.
    const record = `INSERT INTO porchlight_migration (version, name, checksum) VALUES (${f.version}, '${f.name}', '${f.checksum}');`;
    try {
      await db.execScript(`BEGIN;\n${MIGRATION_LOCK}\n${record}\n${f.sql}\n;COMMIT;`);
      done.push(f.name);
    } catch (e) {
      const again = (await migrationStatus(db, files)).find((s) => s.version === f.version);
      if (again?.state === 'applied') continue; // someone else applied it meanwhile
      throw new AppError('INTERNAL', `migration ${f.name} failed: ${(e as Error).message}`, [], { cause: e });
    }
  }
  return done;
}
