import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database.ts';
import { GLOBAL_TABLES, keysOf, policiesOf, publicTables, tenantTables } from '../support/catalog.ts';
import { newTestDatabase } from '../support/test-db.ts';

// The schema distributes by tenant (Citus) and walls tenants off, table by table, from the catalog.
describe('tenant tables in the catalog', () => {
  let db: Database;
  beforeAll(async () => {
    db = await newTestDatabase();
  });
  afterAll(async () => db.close());

  it('every table is a tenant table unless it is a known global table', async () => {
    const tables = await publicTables(db);
    expect(tables.length).toBeGreaterThan(8);
    expect(tables.filter((t) => !t.has_org).map((t) => t.table).sort()).toEqual([...GLOBAL_TABLES].sort());
  });

  it('every tenant table (and the organization root) has row-level security enabled and forced', async () => {
    const tables = await publicTables(db);
    const walled = tables.filter((t) => t.has_org || t.table === 'organization');
    expect(walled.length).toBeGreaterThan(8);
    for (const t of walled) expect({ table: t.table, rls: t.rls, forced: t.forced }).toEqual({ table: t.table, rls: true, forced: true });
  });

  it('every tenant table has the tenant policy on organization_id, and no other policy that widens it', async () => {
    for (const table of await tenantTables(db)) {
      const policies = await policiesOf(db, table);
      const tenant = policies.find((p) => p.name === 'tenant_isolation');
      expect(tenant, `${table} has tenant_isolation`).toMatchObject({ permissive: true, cmd: '*', using: '(organization_id = app_org_id())', check: '(organization_id = app_org_id())' });
      // permissive policies are OR-ed: any other must be narrower than the tenant's (api_key_lookup
      // applies only when no organization is set and shows one key by its hash)
      const widening = policies.filter((p) => p.permissive && p.name !== 'tenant_isolation').map((p) => `${table}.${p.name}`);
      expect(widening).toEqual(table === 'api_key' ? ['api_key.api_key_lookup'] : []);
    }
    const [lookup] = (await policiesOf(db, 'api_key')).filter((p) => p.name === 'api_key_lookup');
    expect(lookup).toMatchObject({ cmd: 'r', using: expect.stringContaining('app_org_id() IS NULL') });
  });

  it('organization_id leads every primary key, unique key and tenant foreign key', async () => {
    const tables = await tenantTables(db);
    let checked = 0;
    for (const table of tables) {
      const { indexes, foreignKeys } = await keysOf(db, table);
      expect(indexes.some((i) => i.primary), `${table} has a primary key`).toBe(true);
      for (const i of indexes) {
        expect(i.first, `${table}: index ${i.name}`).toBe('organization_id');
        checked++;
      }
      for (const fk of foreignKeys) {
        // a key into a reference table (shared by every tenant, copied to every node) is the exception
        if (GLOBAL_TABLES.includes(fk.ref)) continue;
        expect(fk.first, `${table}: foreign key ${fk.name}`).toBe('organization_id');
        if (fk.ref !== 'organization') expect(fk.ref_first, `${table}: foreign key ${fk.name} references ${fk.ref}`).toBe('organization_id');
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(20);
  });
});
