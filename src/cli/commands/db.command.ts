import type { Command } from 'commander';
import { migrate, migrationStatus } from '../../db/migrate.ts';
import { command, table } from '../run.ts';

export function registerDb(program: Command) {
  const db = program.command('db').description('the database: migrations and status');
  db.command('migrate')
    .description('apply pending migrations')
    .option('--json', 'machine-readable output')
    .action(command('db migrate', async ({ c }) => {
      const applied = await migrate(c.db);
      return { json: { applied, engine: c.db.engine, location: c.db.location }, text: applied.length ? `applied ${applied.join(', ')}` : 'up to date' };
    }, { skipMigrationCheck: true }));
  db.command('status')
    .description('which migrations are applied, pending or changed')
    .option('--json', 'machine-readable output')
    .action(command('db status', async ({ c }) => {
      const states = await migrationStatus(c.db);
      return {
        json: { engine: c.db.engine, location: c.db.location, migrations: states },
        text: `${c.db.engine} at ${c.db.location}\n${table(states as never, ['version', 'name', 'state', 'applied_at'])}`,
      };
    }, { skipMigrationCheck: true }));
}
