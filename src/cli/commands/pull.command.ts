import type { Command } from 'commander';
import cliProgress from 'cli-progress';
import { AppError } from '../../app/errors.ts';
import type { PullRun } from '../../domain/pulls/pull.repository.ts';
import { formatCents } from '../../domain/money/money.service.ts';
import { command, parseJsonOption, table } from '../run.ts';

const hexSig = (r: PullRun) => ({ ...r, query_sig: Buffer.from(r.query_sig).toString('hex') });

export function describePull(r: PullRun, resumed = false) {
  const stop = { known_record: 'stopped at a record an earlier pull of this query had seen', end_of_results: 'reached the end of the results', max_pages: 'stopped at --max-pages' };
  return [
    `pull ${r.id} (${r.source})${resumed ? ', resumed' : ''}: ${r.status}${r.stop_reason ? `, ${stop[r.stop_reason]}` : ''}`,
    `pages ${r.pages_fetched}  records ${r.records} (${r.new_records} new, ${r.known_records} known)${r.total_available !== null ? ` of ${r.total_available} available` : ''}  cost ${formatCents(r.cost_cents)}`,
    r.error ? `error: ${r.error}` : '',
  ].filter(Boolean).join('\n');
}

export function registerPull(program: Command) {
  const pull = program.command('pull')
    .description("page through a vendor's property search, merging every record, until it meets a record it has seen")
    .enablePositionalOptions()
    .argument('[source]', 'the property-search adapter: local, batchdata (see `porchlight providers list`)')
    .option('--org <org>', 'organization id or slug (required)')
    .option('--query <json>', 'e.g. \'{"zip_codes":["90028"],"filters":{"owner_occupied":true}}\'')
    .option('--page-size <n>', 'records per page (default 100)')
    .option('--max-pages <n>', 'stop after this many pages')
    .option('--resume', 'continue an unfinished pull of the same query from its bookmark')
    .option('--json', 'machine-readable output')
    .action(command('pull', async (ctx, source: string | undefined, o: Record<string, string | boolean | undefined>) => {
      if (!source) throw new AppError('VALIDATION', 'SOURCE: required (e.g. `porchlight pull local --org ORG --query ...`)', [{ field: 'source', message: 'required' }]);
      const actor = await ctx.operatorIn(o.org as string);
      const bar = process.stderr.isTTY && !o.json
        ? new cliProgress.SingleBar({ format: 'pulling [{bar}] page {page} | {value}/{total} records | {fresh} new | {cost}', hideCursor: true }, cliProgress.Presets.shades_classic)
        : undefined;
      let started = false;
      const { run, resumed } = await ctx.c.pulls.pull(actor, {
        source, query: parseJsonOption('query', o.query as string | undefined) ?? {},
        page_size: o.pageSize === undefined ? undefined : Number(o.pageSize), max_pages: o.maxPages === undefined ? undefined : Number(o.maxPages), resume: !!o.resume,
      }, (p) => {
        if (!bar) return;
        if (!started) bar.start(p.total ?? p.records, 0, {});
        started = true;
        bar.setTotal(Math.max(p.total ?? p.records, p.records));
        bar.update(p.records, { page: p.page, fresh: p.newRecords, cost: formatCents(p.costCents) });
      });
      bar?.stop();
      return { json: { ...hexSig(run), resumed }, text: describePull(run, resumed) };
    }));
  pull.command('status')
    .argument('<id>', 'pull id')
    .requiredOption('--org <org>', 'organization id or slug')
    .option('--json', 'machine-readable output')
    .action(command('pull status', async (ctx, id: string, o: { org: string }) => {
      const run = await ctx.c.pulls.get(await ctx.operatorIn(o.org), id);
      return { json: hexSig(run), text: describePull(run) };
    }));
  pull.command('list')
    .requiredOption('--org <org>', 'organization id or slug')
    .option('--json', 'machine-readable output')
    .action(command('pull list', async (ctx, o: { org: string }) => {
      const rows = await ctx.c.pulls.list(await ctx.operatorIn(o.org));
      return { json: rows.map(hexSig), text: table(rows.map((r) => ({ ...r, cost: formatCents(r.cost_cents) })) as never, ['id', 'created_at', 'source', 'status', 'stop_reason', 'pages_fetched', 'records', 'new_records', 'cost']) };
    }));
}
