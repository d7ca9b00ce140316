import { AppError, notFound } from '../../app/errors.ts';
import { parseInput } from '../../app/validate.ts';
import type { Database } from '../../db/database.ts';
import { toAppError } from '../../db/sql-errors.ts';
import { withTenant, type Actor } from '../../db/tenant.ts';
import { sql } from 'kysely';
import { CONFIG_TABLES, readConfig, writeConfig, type ConfigKind } from './config.repository.ts';

// Reading and changing a user's voice or AI configuration: a user their own, managers and up
// anyone's (the tables' policies say so too). A change is merged into what is there (or the
// defaults), checked whole, and written whole; a value out of range is a 400 naming the field.

export function createVoiceConfigService(deps: { db: Database }) {
  /** Whose configuration: the one named, else the caller's own (the command line's operator must name one). */
  function whose(actor: Actor, userId: string | undefined): string {
    const id = userId ?? actor.userId;
    if (!id) throw new AppError('VALIDATION', 'name the user whose configuration this is (--user ID)', [{ field: 'user', message: 'required' }]);
    return id;
  }

  async function userExists(id: string, trx: Parameters<Parameters<typeof withTenant>[2]>[0]) {
    const found = (await sql`SELECT 1 FROM app_user WHERE organization_id = app_org_id() AND id = ${id}`.execute(trx)).rows.length;
    if (!found) throw notFound('user', id);
  }

  return {
    async get(actor: Actor, kind: ConfigKind, userId?: string) {
      const id = whose(actor, userId);
      return withTenant(deps.db, actor, async (trx) => {
        await userExists(id, trx);
        return { user_id: id, kind, ...(await readConfig(trx, kind, id)) };
      });
    },

    async set(actor: Actor, kind: ConfigKind, patch: unknown, userId?: string) {
      const id = whose(actor, userId);
      if (id !== actor.userId && actor.role === 'agent') throw new AppError('FORBIDDEN', "an agent changes only their own configuration", []);
      if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) throw new AppError('VALIDATION', 'the change must be an object of fields', [{ field: '(input)', message: 'an object' }]);
      const schema = CONFIG_TABLES[kind].schema;
      const unknown = Object.keys(patch).filter((k) => !(k in schema.shape));
      if (unknown.length) throw new AppError('VALIDATION', `unknown ${kind} configuration field: ${unknown.join(', ')}`, unknown.map((field) => ({ field, message: 'no such field' })));
      try {
        return await withTenant(deps.db, actor, async (trx) => {
          await userExists(id, trx);
          const { saved: _saved, ...current } = await readConfig(trx, kind, id);
          const next = parseInput(schema, { ...current, ...patch }) as Record<string, unknown>;
          await writeConfig(trx, kind, id, next);
          return { user_id: id, kind, ...(await readConfig(trx, kind, id)) };
        });
      } catch (e) {
        throw toAppError(e);
      }
    },
  };
}

export type VoiceConfigService = ReturnType<typeof createVoiceConfigService>;
