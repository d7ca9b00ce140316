import type { Command } from 'commander';
import { createWorker } from '../../jobs/worker.ts';
import { command, table } from '../run.ts';

export function registerDlq(program: Command) {
  const dlq = program.command('dlq').description('the dead-letter queue: failed pages, stage calls and verifications waiting for a retry');
  dlq.command('list')
    .requiredOption('--org <org>', 'organization id or slug')
    .option('--status <status>', 'waiting, parked or done')
    .option('--stage <stage>', 'pull, scan, append, skip_trace or verify')
    .option('--json', 'machine-readable output')
    .action(command('dlq list', async (ctx, o: { org: string; status?: string; stage?: string }) => {
      const rows = await ctx.c.dlq.list(await ctx.operatorIn(o.org), { status: o.status, stage: o.stage });
      return { json: rows, text: table(rows as never, ['id', 'stage', 'status', 'attempts', 'retry_after', 'item_key', 'error']) };
    }));
  dlq.command('retry')
    .description('make entries due now (parked ones too); `dlq drain` or the worker then retries them')
    .argument('[id]', 'one entry')
    .requiredOption('--org <org>', 'organization id or slug')
    .option('--stage <stage>', 'every open entry of a stage')
    .option('--all', 'every open entry')
    .option('--json', 'machine-readable output')
    .action(command('dlq retry', async (ctx, id: string | undefined, o: { org: string; stage?: string; all?: boolean }) => {
      const n = await ctx.c.dlq.retry(await ctx.operatorIn(o.org), { id, stage: o.stage, all: o.all });
      return { json: { due_now: n }, text: `${n} entr${n === 1 ? 'y' : 'ies'} due now; run \`porchlight dlq drain\` (or let the worker) to retry` };
    }));
  dlq.command('drain')
    .description('retry every entry that is due, now, in this process')
    .requiredOption('--org <org>', 'organization id or slug')
    .option('--json', 'machine-readable output')
    .action(command('dlq drain', async (ctx, o: { org: string }) => {
      const actor = await ctx.operatorIn(o.org);
      const tried = await createWorker(ctx.c).drainOrganization(actor, 1000);
      const left = await ctx.c.dlq.list(actor, { status: 'waiting' });
      return { json: { tried, still_waiting: left.length }, text: `retried ${tried}; ${left.length} still waiting` };
    }));
  dlq.command('purge')
    .description('delete settled entries (done), parked ones, or all')
    .requiredOption('--org <org>', 'organization id or slug')
    .option('--status <status>', 'done, parked or all', 'done')
    .option('--json', 'machine-readable output')
    .action(command('dlq purge', async (ctx, o: { org: string; status: string }) => {
      const n = await ctx.c.dlq.purge(await ctx.operatorIn(o.org), { status: o.status });
      return { json: { deleted: n }, text: `deleted ${n}` };
    }));
}
