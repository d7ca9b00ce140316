import type { Channels } from '../../src/domain/outreach/outbox.ts';
import crypto from 'node:crypto';
import { loadConfig } from '../../src/app/config.ts';
import { createContainer, type Container } from '../../src/app/container.ts';
import type { Role } from '../../src/db/schema.ts';
import { withTenant, type Actor } from '../../src/db/tenant.ts';
import { computeAddrHash } from '../../src/domain/identity/addr-hash.ts';
import { maskContact } from '../../src/domain/pii/pii.ts';
import { newTestDatabase } from './test-db.ts';
import { createProviderRegistry, type FactoryTable } from '../../src/providers/registry.ts';

// A container on a fresh test database, and factories for the records tests need.

export const TEST_SECRET = 'test-secret-key-test-secret-key-0123456789';

export async function createTestContext(opts: { encryptPii?: boolean; providers?: Partial<FactoryTable>; channels?: Partial<Channels>; now?: () => Date; env?: Record<string, string> } = {}) {
  const db = await newTestDatabase();
  const config = loadConfig({ PORCHLIGHT_DATA_DIR: 'memory://', PORCHLIGHT_SECRET_KEY: TEST_SECRET, PORCHLIGHT_ENCRYPT_PII: opts.encryptPii === false ? 'off' : 'on', ...opts.env });
  const providers = opts.providers ? createProviderRegistry(config.providers, opts.providers) : undefined;
  const c: Container = await createContainer(config, { command: 'test', database: db, providers, channels: opts.channels, now: opts.now });
  let n = 0;
  const unique = () => `${Date.now().toString(36)}${(n++).toString(36)}${crypto.randomBytes(2).toString('hex')}`;

  const ctx = {
    c,
    db,
    url: (db as { url?: string }).url,
    async newOrganization(name = 'Acme') {
      const org = await c.tenancy.createOrganization({ slug: `org-${unique()}`, name }, 'test');
      const owner = await c.tenancy.createUser(c.tenancy.operator(org.id, 'test'), { email: `owner-${unique()}@example.com`, role: 'owner' });
      return { org, owner, actor: ctx.actorFor(org.id, owner.id, 'owner') };
    },
    actorFor: (organizationId: string, userId: string | null, role: Role): Actor => ({ organizationId, userId, role, via: 'test' }),
    async newUser(organizationId: string, role: Role) {
      const user = await c.tenancy.createUser(c.tenancy.operator(organizationId, 'test'), { email: `${role}-${unique()}@example.com`, role });
      return { user, actor: ctx.actorFor(organizationId, user.id, role) };
    },
    async newApiKey(organizationId: string, userId: string) {
      return (await c.tenancy.createApiKey(c.tenancy.operator(organizationId, 'test'), { user: userId })).key;
    },
    /** A lead with a property, a person and a phone and an email. */
    async newLead(organizationId: string, fields: { status?: string; lead_score?: number; tags?: string[]; assignee_id?: string | null; zip?: string } = {}) {
      const id = unique();
      return withTenant(c.db, c.tenancy.operator(organizationId, 'test'), async (trx) => {
        const line = `${100 + n} TEST ${id.toUpperCase()} ST`;
        const zip = fields.zip ?? '78701';
        const property = await trx.insertInto('property').values({
          organization_id: organizationId, address_line1: line, normalized_line: line, city: 'AUSTIN', state: 'TX', zip,
          addr_hash: computeAddrHash(line, 'AUSTIN', 'TX', zip),
        }).returning('id').executeTakeFirstOrThrow();
        const person = await trx.insertInto('person').values({ organization_id: organizationId, first_name: 'Pat', last_name: `Owner${id}`, full_name: `Pat Owner${id}` })
          .returning('id').executeTakeFirstOrThrow();
        const phone = `+1512555${String(100 + (n % 100)).padStart(4, '0')}`;
        const email = `pat.${id}@example.com`;
        for (const [kind, value] of [['phone', phone], ['email', email]] as const) {
          await trx.insertInto('contact_point').values({
            organization_id: organizationId, person_id: person.id, kind, ...c.pii.seal(value), value_hash: c.pii.hash(value),
            display: maskContact(kind, value), sources: ['test'], first_seen_at: new Date(), last_seen_at: new Date(),
          }).execute();
        }
        const lead = await trx.insertInto('lead').values({
          organization_id: organizationId, person_id: person.id, property_id: property.id, status: (fields.status ?? 'new') as never,
          lead_score: fields.lead_score ?? null, tags: fields.tags ?? [], assignee_id: fields.assignee_id ?? null,
          first_seen_at: new Date(), last_seen_at: new Date(),
        }).returning('id').executeTakeFirstOrThrow();
        return { id: lead.id, property_id: property.id, person_id: person.id, phone, email };
      });
    },
    close: () => c.close(),
  };
  return ctx;
}

export type TestContext = Awaited<ReturnType<typeof createTestContext>>;
