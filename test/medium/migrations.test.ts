import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../src/db/database.ts';
import { MIGRATIONS_DIR, migrate, migrationStatus, readMigrations } from '../../src/db/migrate.ts';
import { newTestDatabase } from '../support/test-db.ts';

describe('migrations', () => {
  let db: Database | undefined;
  afterEach(async () => db?.close());

  it('apply from empty in order, record each, and re-apply as a no-op', async () => {
    db = await newTestDatabase({ empty: true });
    const files = readMigrations();
    expect(files.map((f) => f.version)).toEqual([...files.map((f) => f.version)].sort((a, b) => a - b));
    const applied = await migrate(db);
    expect(applied).toEqual(files.map((f) => f.name));
    expect(await migrate(db)).toEqual([]);
    const states = await migrationStatus(db);
    expect(states.every((s) => s.state === 'applied')).toBe(true);
    const tables = await sql<{ n: number }>`SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = 'public' AND tablename = 'lead'`.execute(db.kysely);
    expect(tables.rows[0]!.n).toBe(1);
  });

  it('apply once when two migrators race on the same database', async () => {
    db = await newTestDatabase({ empty: true });
    const url = (db as { url?: string }).url;
    const other = url ? await openDatabase({ databaseUrl: url, dataDir: 'memory://', command: 'test' }) : db;
    try {
      const [a, b] = await Promise.all([migrate(db), migrate(other)]);
      expect([...a, ...b].sort()).toEqual(readMigrations().map((f) => f.name).sort()); // each file applied by exactly one
      expect((await migrationStatus(db)).every((s) => s.state === 'applied')).toBe(true);
    } finally {
      if (other !== db) await other.close();
    }
  });

  it('refuse a migration changed after it was applied, naming it', async () => {
    db = await newTestDatabase({ empty: true });
    await migrate(db);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'porchlight-mig-'));
    for (const f of fs.readdirSync(MIGRATIONS_DIR)) fs.copyFileSync(path.join(MIGRATIONS_DIR, f), path.join(dir, f));
    fs.appendFileSync(path.join(dir, '0002_core.sql'), '\n-- an innocent-looking edit\n');
    const tampered = readMigrations(dir);
    expect((await migrationStatus(db, tampered)).find((s) => s.name === '0002_core.sql')?.state).toBe('changed');
    await expect(migrate(db, tampered)).rejects.toMatchObject({ code: 'CONFLICT', message: expect.stringContaining('0002_core.sql changed after it was applied') });
    fs.rmSync(dir, { recursive: true });
  });

  it('roll back a failing migration whole, leaving it pending', async () => {
    db = await newTestDatabase({ empty: true });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'porchlight-mig-'));
    fs.writeFileSync(path.join(dir, '0001_ok.sql'), 'CREATE TABLE mig_ok (id int);');
    fs.writeFileSync(path.join(dir, '0002_bad.sql'), 'CREATE TABLE mig_half (id int);\nSELECT * FROM no_such_table;');
    await expect(migrate(db, readMigrations(dir))).rejects.toMatchObject({ message: expect.stringContaining('0002_bad.sql failed') });
    const states = await migrationStatus(db, readMigrations(dir));
    expect(states.map((s) => s.state)).toEqual(['applied', 'pending']);
    const half = await sql<{ t: string | null }>`SELECT to_regclass('mig_half')::text AS t`.execute(db.kysely);
    expect(half.rows[0]!.t).toBeNull();
    fs.rmSync(dir, { recursive: true });
  });

  it('refuse a database that has a migration this code does not know', async () => {
    db = await newTestDatabase({ empty: true });
    await migrate(db);
    await sql`INSERT INTO porchlight_migration (version, name, checksum) VALUES (9999, '9999_future.sql', 'x')`.execute(db.kysely);
    await expect(migrate(db)).rejects.toMatchObject({ code: 'CONFLICT', message: expect.stringContaining('9999_future.sql') });
  });
});
