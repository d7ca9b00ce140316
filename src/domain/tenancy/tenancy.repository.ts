import { sql } from 'kysely';
import { isUuid } from '../../app/validate.ts';
import type { Trx } from '../../db/tenant.ts';
import type { AppUser, Role } from '../../db/schema.ts';

// Organizations, users and API keys. Methods take the transaction last; the policies decide
// what a transaction may see.

const ORG_COLUMNS = ['id', 'slug', 'name', 'plan', 'settings', 'created_at', 'updated_at'] as const;
const USER_COLUMNS = ['id', 'email', 'full_name', 'role', 'is_active', 'timezone', 'created_at', 'updated_at'] as const;
const KEY_COLUMNS = ['id', 'user_id', 'name', 'prefix', 'created_at', 'last_used_at', 'revoked_at'] as const;

export type UserView = Pick<AppUser, (typeof USER_COLUMNS)[number]>;

export const tenancyRepository = {
  insertOrganization(org: { slug: string; name: string }, trx: Trx) {
    return trx.insertInto('organization').values(org).returning(ORG_COLUMNS).executeTakeFirstOrThrow();
  },
  listOrganizations(trx: Trx) {
    return trx
      .selectFrom('organization as o')
      .select([...ORG_COLUMNS.map((c) => `o.${c}` as const)])
      .select((eb) => eb.selectFrom('lead').whereRef('lead.organization_id', '=', 'o.id').select(eb.fn.countAll<number>().as('n')).as('lead_count'))
      .orderBy('o.created_at')
      .execute();
  },
  findOrganization(idOrSlug: string, trx: Trx) {
    return trx
      .selectFrom('organization')
      .select(ORG_COLUMNS)
      .where(isUuid(idOrSlug) ? 'id' : 'slug', '=', idOrSlug)
      .executeTakeFirst();
  },
  updateOrganization(id: string, patch: { name?: string }, trx: Trx) {
    return trx.updateTable('organization').set(patch).where('id', '=', id).returning(ORG_COLUMNS).executeTakeFirst();
  },

  insertUser(organizationId: string, user: { email: string; full_name: string | null; role: Role }, trx: Trx) {
    return trx
      .insertInto('app_user')
      .values({ organization_id: organizationId, ...user })
      .returning(USER_COLUMNS)
      .executeTakeFirstOrThrow();
  },
  listUsers(trx: Trx) {
    return trx.selectFrom('app_user').select(USER_COLUMNS).orderBy('created_at').orderBy('email').execute();
  },
  findUser(idOrEmail: string, trx: Trx) {
    const byEmail = idOrEmail.includes('@');
    if (!byEmail && !isUuid(idOrEmail)) return Promise.resolve(undefined);
    return trx
      .selectFrom('app_user')
      .select(USER_COLUMNS)
      .where(byEmail ? 'email' : 'id', '=', byEmail ? idOrEmail.toLowerCase() : idOrEmail)
      .executeTakeFirst();
  },
  firstOwner(trx: Trx) {
    return trx.selectFrom('app_user').select(USER_COLUMNS).where('role', '=', 'owner').where('is_active', '=', true).orderBy('created_at').executeTakeFirst();
  },
  updateUser(id: string, patch: { full_name?: string | null; role?: Role; is_active?: boolean; timezone?: string }, trx: Trx) {
    return trx.updateTable('app_user').set(patch).where('id', '=', id).returning(USER_COLUMNS).executeTakeFirst();
  },

  insertApiKey(organizationId: string, key: { user_id: string; name: string; prefix: string; key_hash: Buffer }, trx: Trx) {
    return trx
      .insertInto('api_key')
      .values({ organization_id: organizationId, ...key })
      .returning(KEY_COLUMNS)
      .executeTakeFirstOrThrow();
  },
  listApiKeys(trx: Trx) {
    return trx.selectFrom('api_key').select(KEY_COLUMNS).orderBy('created_at').execute();
  },
  revokeApiKey(idOrPrefix: string, trx: Trx) {
    return trx
      .updateTable('api_key')
      .set({ revoked_at: new Date() })
      .where(isUuid(idOrPrefix) ? 'id' : 'prefix', '=', idOrPrefix)
      .where('revoked_at', 'is', null)
      .returning(KEY_COLUMNS)
      .execute();
  },
  /** Under the api_key_lookup policy this sees only the key whose hash the transaction presents. */
  findKeyByHash(hash: Buffer, trx: Trx) {
    return trx
      .selectFrom('api_key')
      .select(['organization_id', 'id', 'user_id', 'revoked_at', 'last_used_at'])
      .where('key_hash', '=', hash)
      .executeTakeFirst();
  },
  /** Set the organization and user of this transaction (the role stays least: agent). */
  async enterOrganization(organizationId: string, userId: string, trx: Trx) {
    await sql`SELECT set_config('app.org_id', ${organizationId}, true), set_config('app.user_id', ${userId}, true)`.execute(trx);
  },
  touchApiKey(id: string, trx: Trx) {
    return trx.updateTable('api_key').set({ last_used_at: new Date() }).where('id', '=', id).execute();
  },
};
