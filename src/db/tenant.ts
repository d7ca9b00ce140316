import { sql, type Transaction } from 'kysely';
import type { Database } from './database.ts';
import type { DB, Role } from './schema.ts';
import { toAppError } from './sql-errors.ts';

// Every piece of tenant work runs through withTenant: one transaction, as the non-owner
// application role, with the organization, user and role set for the row-level security
// policies and the history triggers. Nothing reaches a tenant table another way.

export type Via = 'api' | 'cli' | 'web' | 'import' | 'demo' | 'system' | 'test';

export interface Actor {
  organizationId: string;
  /** The acting user; null for operator commands (CLI, system jobs). */
  userId: string | null;
  role: Role;
  via: Via;
}

export type Trx = Transaction<DB>;

export const APP_ROLE = 'porchlight_app';

/** One transaction with these settings made local to it (set_config(..., true)). */
async function inTransaction<T>(db: Database, settings: Record<string, string>, fn: (trx: Trx) => Promise<T>, before?: (trx: Trx) => Promise<void>): Promise<T> {
  try {
    return await db.kysely.transaction().execute(async (trx) => {
      if (before) await before(trx);
      const calls = Object.entries(settings).map(([k, v]) => sql`set_config(${k}, ${v}, true)`);
      if (calls.length) await sql`SELECT ${sql.join(calls)}`.execute(trx);
      return fn(trx);
    });
  } catch (e) {
    throw toAppError(e);
  }
}

/**
 * `before` runs first, as the connection's own role: for session housekeeping the application
 * role may not do (the import's temporary staging tables), never for tenant data.
 */
export const withTenant = <T>(db: Database, actor: Actor, fn: (trx: Trx) => Promise<T>, before?: (trx: Trx) => Promise<void>) =>
  inTransaction(db, {
    // The server's JIT compiles any statement its estimates call expensive, which costs most
    // of a second each time: a price for long analytic scans, not for a tenant's work.
    jit: 'off',
    // The tables a tenant works on are in memory or on SSD, where a row fetched through an
    // index costs about what a row read in sequence does; at the default of 4, a chunk of a few
    // thousand leads looked up by id would be hashed against a scan of the whole table.
    random_page_cost: '1.1',
    role: APP_ROLE,
    'app.org_id': actor.organizationId,
    'app.user_id': actor.userId ?? '',
    'app.user_role': actor.role,
    'app.via': actor.via,
  }, fn, before);

/**
 * Work before an organization is known (looking up an API key): the application role with no
 * organization, plus the settings the look-up's policy reads.
 */
export const withLookup = <T>(db: Database, settings: Record<string, string>, fn: (trx: Trx) => Promise<T>) =>
  inTransaction(db, { role: APP_ROLE, ...settings }, fn);

/** Operator work across organizations, as the owner (org create/list, resolving --org). */
export const withOwner = <T>(db: Database, via: Via, fn: (trx: Trx) => Promise<T>) => inTransaction(db, { 'app.via': via }, fn);

/**
 * Inside a tenant transaction, step out to the connection's own role for housekeeping the
 * application role may not do on the session's temporary tables (COPY from a PGlite blob,
 * ANALYZE), then step back in. Never for tenant tables: they stay behind the application role.
 */
export async function asSessionRole<T>(trx: Trx, fn: () => Promise<T>): Promise<T> {
  const role = (await sql<{ r: string }>`SELECT current_user AS r`.execute(trx)).rows[0]!.r;
  await sql`SET LOCAL ROLE NONE`.execute(trx);
  const result = await fn(); // on failure the transaction is over: no way back to restore, nor need
  await sql`SELECT set_config('role', ${role}, true)`.execute(trx);
  return result;
}
