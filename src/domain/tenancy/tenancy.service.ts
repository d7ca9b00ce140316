import { z } from 'zod';
import { AppError, notFound } from '../../app/errors.ts';
import { isValidZone, parseInput } from '../../app/validate.ts';
import type { Database } from '../../db/database.ts';
import type { Role } from '../../db/schema.ts';
import { withLookup, withOwner, withTenant, type Actor, type Via } from '../../db/tenant.ts';
import { API_KEY_PATTERN, generateApiKey, hashApiKey } from './api-key.ts';
import { tenancyRepository as repo } from './tenancy.repository.ts';

// Organizations, their users and API keys, and authentication by key.

export const ROLES = ['owner', 'admin', 'manager', 'agent'] as const satisfies readonly Role[];
const RANK: Record<Role, number> = { agent: 0, manager: 1, admin: 2, owner: 3 };

export const atLeast = (actor: Actor, role: Role) => RANK[actor.role] >= RANK[role];

export function requireRole(actor: Actor, role: Role, doing: string) {
  if (!atLeast(actor, role)) throw new AppError('FORBIDDEN', `only ${role}s and above may ${doing}; you are ${actor.role}`);
}

export const CreateOrganizationInput = z.object({
  slug: z.string().regex(/^[a-z0-9][a-z0-9-]{1,62}$/, 'lower-case letters, digits and dashes, 2 to 63 characters'),
  name: z.string().trim().min(1).max(200),
});
export const CreateUserInput = z.object({
  email: z.string().trim().toLowerCase().pipe(z.email()),
  full_name: z.string().trim().max(200).nullish(),
  role: z.enum(ROLES),
});
export const UpdateUserInput = z.object({
  full_name: z.string().trim().max(200).nullable().optional(),
  role: z.enum(ROLES).optional(),
  is_active: z.boolean().optional(),
  /** Where the user works: their days (the daily voice metrics) are days in this zone. */
  timezone: z.string().refine(isValidZone, 'an IANA time zone like America/Chicago').optional(),
});
export const CreateApiKeyInput = z.object({
  user: z.string().min(1).optional(),
  name: z.string().trim().min(1).max(100).default('default'),
});

export function createTenancyService(deps: { db: Database }) {
  const { db } = deps;
  const operator = (organizationId: string, via: Via): Actor => ({ organizationId, userId: null, role: 'owner', via });

  return {
    operator,

    async createOrganization(input: unknown, via: Via = 'cli') {
      const org = parseInput(CreateOrganizationInput, input);
      return withOwner(db, via, (trx) => repo.insertOrganization(org, trx));
    },

    listOrganizations: () => withOwner(db, 'cli', (trx) => repo.listOrganizations(trx)),

    /** The organization named by id or slug (operator commands' --org). */
    async resolveOrganization(idOrSlug: string) {
      const org = await withOwner(db, 'cli', (trx) => repo.findOrganization(idOrSlug, trx));
      if (!org) throw new AppError('NOT_FOUND', `organization ${idOrSlug} was not found (see \`porchlight org list\`)`);
      return org;
    },

    async getOrganization(actor: Actor) {
      const org = await withTenant(db, actor, (trx) => repo.findOrganization(actor.organizationId, trx));
      if (!org) throw notFound('organization', actor.organizationId);
      return org;
    },

    async updateOrganization(actor: Actor, input: unknown) {
      requireRole(actor, 'admin', 'change the organization');
      const patch = parseInput(z.object({ name: z.string().trim().min(1).max(200).optional() }), input);
      const org = await withTenant(db, actor, (trx) => repo.updateOrganization(actor.organizationId, patch, trx));
      if (!org) throw notFound('organization', actor.organizationId);
      return org;
    },

    async createUser(actor: Actor, input: unknown) {
      requireRole(actor, 'admin', 'add users');
      const user = parseInput(CreateUserInput, input);
      if (!atLeast(actor, user.role)) throw new AppError('FORBIDDEN', `an ${actor.role} cannot create an ${user.role}`);
      return withTenant(db, actor, (trx) => repo.insertUser(actor.organizationId, { ...user, full_name: user.full_name ?? null }, trx));
    },

    listUsers: (actor: Actor) => withTenant(db, actor, (trx) => repo.listUsers(trx)),

    /** Who the key stands for: the organization, the user and their role. */
    async whoAmI(actor: Actor) {
      const [organization, user] = await withTenant(db, actor, (trx) => Promise.all([repo.findOrganization(actor.organizationId, trx), actor.userId ? repo.findUser(actor.userId, trx) : undefined]));
      if (!organization) throw notFound('organization', actor.organizationId);
      return { organization, user: user ?? null, role: actor.role };
    },

    async updateUser(actor: Actor, id: string, input: unknown) {
      requireRole(actor, 'admin', 'change users');
      const patch = parseInput(UpdateUserInput, input);
      return withTenant(db, actor, async (trx) => {
        const target = await repo.findUser(id, trx);
        if (!target) throw notFound('user', id);
        if (!atLeast(actor, target.role) || (patch.role && !atLeast(actor, patch.role))) {
          throw new AppError('FORBIDDEN', `an ${actor.role} cannot change an ${patch.role ?? target.role}`);
        }
        return (await repo.updateUser(target.id, patch, trx))!;
      });
    },

    /** A new key for a user (the acting user by default); the key is in the answer and nowhere else. */
    async createApiKey(actor: Actor, input: unknown) {
      const { user, name } = parseInput(CreateApiKeyInput, input);
      return withTenant(db, actor, async (trx) => {
        const owner = user ? await repo.findUser(user, trx) : actor.userId ? await repo.findUser(actor.userId, trx) : await repo.firstOwner(trx);
        if (!owner && user) throw notFound('user', user);
        if (!owner) throw new AppError('VALIDATION', 'user: the organization has no owner to hold the key; name a user', [{ field: 'user', message: 'required' }]);
        if (owner.id !== actor.userId) {
          requireRole(actor, 'admin', 'create keys for other users');
          // a key acts with its holder's role: minting one for a higher role would be a promotion
          if (!atLeast(actor, owner.role)) throw new AppError('FORBIDDEN', `an ${actor.role} cannot create a key for an ${owner.role}`);
        }
        if (!owner.is_active) throw new AppError('VALIDATION', `user: ${owner.email} is deactivated`, [{ field: 'user', message: 'deactivated' }]);
        const generated = generateApiKey();
        const row = await repo.insertApiKey(actor.organizationId, { user_id: owner.id, name, prefix: generated.prefix, key_hash: generated.hash }, trx);
        return { ...row, key: generated.key, user_email: owner.email };
      });
    },

    /** Your own keys; owners and admins also see those of users at or below their rank. */
    listApiKeys: (actor: Actor) => withTenant(db, actor, (trx) => repo.listApiKeys(trx)),

    /** Revoke a key you can see (see listApiKeys). */
    async revokeApiKey(actor: Actor, idOrPrefix: string) {
      const rows = await withTenant(db, actor, (trx) => repo.revokeApiKey(idOrPrefix, trx));
      if (rows.length === 0) throw new AppError('NOT_FOUND', `no active API key ${idOrPrefix}`);
      return rows;
    },

    /** The actor an API key stands for; UNAUTHENTICATED for anything but a live key of an active user. */
    async authenticate(key: string | undefined, via: Via = 'api'): Promise<Actor> {
      if (!key) throw new AppError('UNAUTHENTICATED', 'missing API key: send Authorization: Bearer <key>');
      if (!API_KEY_PATTERN.test(key)) throw new AppError('UNAUTHENTICATED', 'malformed API key');
      const hash = hashApiKey(key);
      // one transaction: find the key by its hash, then step into its organization to read the user
      return withLookup(db, { 'app.api_key_hash': hash.toString('hex') }, async (trx) => {
        const found = await repo.findKeyByHash(hash, trx);
        if (!found || found.revoked_at) throw new AppError('UNAUTHENTICATED', 'unknown or revoked API key');
        await repo.enterOrganization(found.organization_id, found.user_id, trx);
        const user = await repo.findUser(found.user_id, trx);
        if (!user?.is_active) throw new AppError('UNAUTHENTICATED', 'the API key belongs to a deactivated user');
        // one write a minute is enough to tell which keys are in use
        if (!found.last_used_at || Date.now() - new Date(found.last_used_at).getTime() > 60_000) await repo.touchApiKey(found.id, trx);
        return { organizationId: found.organization_id, userId: found.user_id, role: user.role, via } satisfies Actor;
      });
    },
  };
}

export type TenancyService = ReturnType<typeof createTenancyService>;
