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

export async function withTenant<T>(db: Database, actor: Actor, fn: (trx: Trx) => Promise<T>): Promise<T> {
  try {
    return await db.kysely.transaction().execute(async (trx) => {
      await sql`SELECT set_config('role', ${APP_ROLE}, true),
                       set_config('app.org_id', ${actor.organizationId}, true),
                       set_config('app.user_id', ${actor.userId ?? ''}, true),
                       set_config('app.user_role', ${actor.role}, true),
                       set_config('app.via', ${actor.via}, true)`.execute(trx);
      return fn(trx);
    });
  } catch (e) {
    throw toAppError(e);
  }
}

/**
 * Work that spans organizations or precedes one (creating an organization, listing them,
 * looking up an API key): runs as the application role too, with no organization set, plus
 * whatever extra settings the caller's policies need. Only operator paths use the owner.
 */
export async function withLookup<T>(db: Database, settings: Record<string, string>, fn: (trx: Trx) => Promise<T>): Promise<T> {
  try {
    return await db.kysely.transaction().execute(async (trx) => {
      await sql`SELECT set_config('role', ${APP_ROLE}, true)`.execute(trx);
      for (const [k, v] of Object.entries(settings)) await sql`SELECT set_config(${k}, ${v}, true)`.execute(trx);
      return fn(trx);
    });
  } catch (e) {
    throw toAppError(e);
  }
}

/** Operator work across organizations, as the owner (migrations, org create/list, demo set-up). */
export async function withOwner<T>(db: Database, via: Via, fn: (trx: Trx) => Promise<T>): Promise<T> {
  try {
    return await db.kysely.transaction().execute(async (trx) => {
      await sql`SELECT set_config('app.via', ${via}, true)`.execute(trx);
      return fn(trx);
    });
  } catch (e) {
    throw toAppError(e);
  }
}
