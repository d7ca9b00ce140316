import type { Command } from 'commander';
import { createWorker } from '../../jobs/worker.ts';
import { command, table } from '../run.ts';

export function registerWorker(program: Command) {
  program.command('worker')
    .description('run the job handlers (enrichment, pulls, scans, dead-letter retries) until stopped')
    .option('--until-idle', 'work what is waiting now (and what a stopped process left), then exit')
    .option('--json', 'machine-readable output')
    .action(command('worker', async (ctx, o: { untilIdle?: boolean }) => {
      const worker = createWorker(ctx.c);
      if (o.untilIdle) {
        const done = await worker.runUntilIdle((l) => ctx.io.err(l));
        return { json: done, text: `worked ${done.enrichments} enrichment run(s), ${done.pulls} pull(s), ${done.scans} scan(s); retried ${done.dead_letters_retried} dead letter(s)` };
      }
      const jobs = await worker.start();
      ctx.io.err('worker running; Ctrl-C to stop');
      await new Promise<void>((resolve) => {
        for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => resolve());
      });
      await jobs.stop();
    }, { keepOpen: false }));
  program.command('providers')
    .description('the data-vendor ports and their adapters')
    .command('list')
    .option('--json', 'machine-readable output')
    .action(command('providers list', async (ctx) => {
      const rows = ctx.c.providers.list();
      return {
        json: rows,
        text: table(rows.map((r) => ({ ...r, selected: `${r.selected}${r.selected_configured ? '' : ' (NOT CONFIGURED)'}`, available: r.adapters.map((a) => `${a.name}${a.configured ? '' : '*'}`).join(', ') })) as never, ['port', 'selected', 'available'])
          + '\n(* needs its API key: docs/PROVIDERS.md)',
      };
    }));
}
