import type { Command } from 'commander';
import { command, table } from '../run.ts';

// porchlight inbox: inbound messages a person must answer (no confident FAQ answer) or read (an unclear opt-out).

export function registerInbox(program: Command) {
  const inbox = program.command('inbox')
    .description('inbound messages waiting for a person, newest first')
    // not commander-required: it would be demanded of `inbox resolve` too (operatorIn requires it)
    .option('--org <org>', 'organization id or slug (required)')
    .option('--assignee <user-id>', "only the messages of this user's leads")
    .option('--limit <n>', 'how many', '50')
    .option('--json', 'machine-readable output')
    .action(command('inbox', async (ctx, o: { org: string; assignee?: string; limit: string }) => {
      const actor = await ctx.operatorIn(o.org);
      const rows = await ctx.c.inbound.inbox(actor, { assignee_id: o.assignee, limit: o.limit });
      return { json: rows, text: rows.length ? table(rows, ['received_at', 'contact', 'body', 'review', 'assignee', 'id']) : 'nothing waiting' };
    }));
  inbox.command('resolve <id>')
    .description('take a message out of the inbox (answered another way, or read)')
    .requiredOption('--org <org>', 'organization id or slug')
    .option('--json', 'machine-readable output')
    .action(command('inbox resolve', async (ctx, id: string, o: { org: string }) => {
      const actor = await ctx.operatorIn(o.org);
      const r = await ctx.c.inbound.resolve(actor, id);
      return { json: r, text: `message ${id} left the inbox` };
    }));
}
