import { sql } from 'kysely';
import type { Database } from '../../src/db/database.ts';

// What the catalog says about the public schema: the tests of tenancy walk it instead of a list.

// reference tables: the MLS's listing events are the market's, shared by every organization
export const GLOBAL_TABLES = ['mls_event', 'organization', 'porchlight_migration'];

export async function publicTables(db: Database) {
  const r = await sql<{ table: string; has_org: boolean; rls: boolean; forced: boolean }>`
    SELECT c.relname AS table,
           EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'organization_id' AND NOT a.attisdropped) AS has_org,
           c.relrowsecurity AS rls, c.relforcerowsecurity AS forced
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') ORDER BY 1`.execute(db.kysely);
  return r.rows;
}

export async function tenantTables(db: Database) {
  return (await publicTables(db)).filter((t) => t.has_org).map((t) => t.table);
}

/** Columns an INSERT may name (identity-always and generated columns left out). */
export async function insertableColumns(db: Database, table: string) {
  const r = await sql<{ name: string }>`
    SELECT a.attname AS name FROM pg_attribute a
    WHERE a.attrelid = ${table}::regclass AND a.attnum > 0 AND NOT a.attisdropped
      AND a.attidentity <> 'a' AND a.attgenerated = ''
    ORDER BY a.attnum`.execute(db.kysely);
  return r.rows.map((x) => x.name);
}

/** Every unique index and foreign key of a table with its first column(s). */
export async function keysOf(db: Database, table: string) {
  // pg_get_indexdef(index, 1, ...) is the first key column, or the first expression
  const idx = await sql<{ name: string; primary: boolean; first: string }>`
    SELECT i.indexrelid::regclass::text AS name, i.indisprimary AS primary, pg_get_indexdef(i.indexrelid, 1, true) AS first
    FROM pg_index i WHERE i.indrelid = ${table}::regclass AND i.indisunique`.execute(db.kysely);
  const fks = await sql<{ name: string; ref: string; first: string; ref_first: string }>`
    SELECT con.conname AS name, con.confrelid::regclass::text AS ref,
           (SELECT attname FROM pg_attribute WHERE attrelid = con.conrelid AND attnum = con.conkey[1]) AS first,
           (SELECT attname FROM pg_attribute WHERE attrelid = con.confrelid AND attnum = con.confkey[1]) AS ref_first
    FROM pg_constraint con WHERE con.conrelid = ${table}::regclass AND con.contype = 'f'`.execute(db.kysely);
  return { indexes: idx.rows, foreignKeys: fks.rows };
}

/** The row-level security policies of a table, with their expressions. */
export async function policiesOf(db: Database, table: string) {
  const r = await sql<{ name: string; permissive: boolean; cmd: string; using: string | null; check: string | null }>`
    SELECT polname AS name, polpermissive AS permissive, polcmd::text AS cmd,
           pg_get_expr(polqual, polrelid) AS using, pg_get_expr(polwithcheck, polrelid) AS check
    FROM pg_policy WHERE polrelid = ${table}::regclass`.execute(db.kysely);
  return r.rows;
}
