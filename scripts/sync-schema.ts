// npm run sync:schema: write schema.sql from a freshly migrated embedded database.
import fs from 'node:fs';
import { openDatabase } from '../src/db/database.ts';
import { migrate } from '../src/db/migrate.ts';
import { schemaSnapshot } from '../src/db/schema-snapshot.ts';

const db = await openDatabase({ dataDir: 'memory://', command: 'sync:schema' });
await migrate(db);
fs.writeFileSync(new URL('../schema.sql', import.meta.url), await schemaSnapshot(db));
await db.close();
console.log('wrote schema.sql');
