import type { Command } from 'commander';
import { command, table } from '../run.ts';

export function registerOrg(program: Command) {
  const org = program.command('org').description('organizations (tenants)');
  org.command('create')
    .description('create an organization, optionally with its owner')
    .requiredOption('--slug <slug>', 'short name used in commands: lower-case letters, digits, dashes')
    .requiredOption('--name <name>', 'display name')
    .option('--owner-email <email>', 'create this user as its owner')
    .option('--owner-name <name>', "the owner's full name")
    .option('--json', 'machine-readable output')
    .action(command('org create', async ({ c }, o: { slug: string; name: string; ownerEmail?: string; ownerName?: string }) => {
      const created = await c.tenancy.createOrganization({ slug: o.slug, name: o.name });
      const owner = o.ownerEmail
        ? await c.tenancy.createUser(c.tenancy.operator(created.id, 'cli'), { email: o.ownerEmail, full_name: o.ownerName, role: 'owner' })
        : null;
      return { json: { ...created, owner }, text: `created organization ${created.slug} (${created.id})${owner ? ` with owner ${owner.email}` : ''}` };
    }));
  org.command('list')
    .description('all organizations')
    .option('--json', 'machine-readable output')
    .action(command('org list', async ({ c }) => {
      const orgs = await c.tenancy.listOrganizations();
      return { json: { data: orgs }, text: table(orgs, ['slug', 'name', 'plan', 'lead_count', 'id', 'created_at']) };
    }));
}
