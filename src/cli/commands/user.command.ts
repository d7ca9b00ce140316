import type { Command } from 'commander';
import { command, table } from '../run.ts';

export function registerUser(program: Command) {
  const user = program.command('user').description('users of an organization');
  user.command('create')
    .description('add a user')
    .requiredOption('--org <org>', 'organization id or slug')
    .requiredOption('--email <email>', 'e-mail address (unique in the organization)')
    .requiredOption('--role <role>', 'owner, admin, manager or agent')
    .option('--name <name>', 'full name')
    .option('--json', 'machine-readable output')
    .action(command('user create', async (ctx, o: { org: string; email: string; role: string; name?: string }) => {
      const u = await ctx.c.tenancy.createUser(await ctx.operatorIn(o.org), { email: o.email, role: o.role, full_name: o.name });
      return { json: u, text: `created ${u.role} ${u.email} (${u.id})` };
    }));
  user.command('list')
    .description('list users')
    .requiredOption('--org <org>', 'organization id or slug')
    .option('--json', 'machine-readable output')
    .action(command('user list', async (ctx, o: { org: string }) => {
      const users = await ctx.c.tenancy.listUsers(await ctx.operatorIn(o.org));
      return { json: { data: users }, text: table(users, ['email', 'full_name', 'role', 'is_active', 'id']) };
    }));
}
