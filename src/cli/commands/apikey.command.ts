import type { Command } from 'commander';
import { command, table } from '../run.ts';

export function registerApiKey(program: Command) {
  const key = program.command('apikey').description('API keys (only their hashes are stored)');
  key.command('create')
    .description('create a key; it is printed once')
    .requiredOption('--org <org>', 'organization id or slug')
    .option('--user <user>', "the key's user, by e-mail or id (default: the first owner)")
    .option('--name <name>', 'a label to tell keys apart', 'default')
    .option('--json', 'machine-readable output')
    .action(command('apikey create', async (ctx, o: { org: string; user?: string; name: string }) => {
      const k = await ctx.c.tenancy.createApiKey(await ctx.operatorIn(o.org), { user: o.user, name: o.name });
      return { json: k, text: `${k.key}\n(for ${k.user_email}; store it now: it is not shown again)` };
    }));
  key.command('revoke')
    .description('revoke a key by id or prefix')
    .argument('<key>', 'key id or prefix (pl_…)')
    .requiredOption('--org <org>', 'organization id or slug')
    .option('--json', 'machine-readable output')
    .action(command('apikey revoke', async (ctx, id: string, o: { org: string }) => {
      const revoked = await ctx.c.tenancy.revokeApiKey(await ctx.operatorIn(o.org), id);
      return { json: { data: revoked }, text: `revoked ${revoked.map((k) => `${k.prefix}… (${k.name})`).join(', ')}` };
    }));
  key.command('list')
    .description('list keys')
    .requiredOption('--org <org>', 'organization id or slug')
    .option('--json', 'machine-readable output')
    .action(command('apikey list', async (ctx, o: { org: string }) => {
      const keys = await ctx.c.tenancy.listApiKeys(await ctx.operatorIn(o.org));
      return { json: { data: keys }, text: table(keys, ['prefix', 'name', 'created_at', 'last_used_at', 'revoked_at', 'id']) };
    }));
}
