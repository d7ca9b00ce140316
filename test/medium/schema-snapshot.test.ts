import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database.ts';
import { schemaSnapshot } from '../../src/db/schema-snapshot.ts';
import { newTestDatabase } from '../support/test-db.ts';

describe('schema.sql', () => {
  let db: Database;
  beforeAll(async () => {
    db = await newTestDatabase();
  });
  afterAll(async () => db.close());

  it('is what the migrations build (run `npm run sync:schema` after adding a migration)', async () => {
    const committed = fs.readFileSync(new URL('../../schema.sql', import.meta.url), 'utf8');
    expect(await schemaSnapshot(db)).toBe(committed);
  });
});
