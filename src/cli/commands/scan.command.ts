import type { Command } from 'commander';
import cliProgress from 'cli-progress';
import { AppError } from '../../app/errors.ts';
import type { AreaScanTable } from '../../db/schema-enrichment.ts';
import { createJobs, QUEUE } from '../../jobs/jobs.ts';
import { command, parseJsonOption, table } from '../run.ts';
import type { Selectable } from 'kysely';

type Scan = Selectable<AreaScanTable>;

export function describeScan(s: Scan) {
  const summary = (s.results_summary ?? null) as { leads?: number; top_leads?: { address: string; city: string | null; owner: string | null; equity_percent: number | null }[] } | null;
  const lines = [
    `scan ${s.id}: ${s.area_name} (${s.scan_type}) ${s.status} ${Number(s.progress_percentage).toFixed(0)}%`,
    `properties ${s.processed_properties} of ${s.total_properties}; qualified leads ${s.qualified_leads}`,
  ];
  if (summary?.top_leads?.length) {
    lines.push('top leads:', table(summary.top_leads as never, ['address', 'city', 'owner', 'equity_percent']));
  }
  if (s.error_message) lines.push(`error: ${s.error_message}`);
  return lines.join('\n');
}

export function registerScan(program: Command) {
  const scan = program.command('scan')
    .description('pull every property of an area (a city, a ZIP or a custom area) as a job, with live progress')
    .enablePositionalOptions()
    .argument('[area]', '"Austin, TX", "78701", or a custom area name')
    .option('--org <org>', 'organization id or slug (required)')
    .option('--type <type>', 'city, zip_code or custom_area', 'city')
    .option('--filters <json>', 'e.g. \'{"property_type":"single_family"}\'')
    .option('--source <name>', 'the property-search adapter', 'local')
    .option('--no-wait', 'queue the scan for the worker and return')
    .option('--json', 'machine-readable output')
    .action(command('scan', async (ctx, area: string | undefined, o: Record<string, string | boolean | undefined>) => {
      if (!area) throw new AppError('VALIDATION', 'AREA: required (e.g. `porchlight scan "Austin, TX" --org ORG`)', [{ field: 'area', message: 'required' }]);
      const actor = await ctx.operatorIn(o.org as string);
      const s = await ctx.c.scans.create(actor, { area, type: o.type, filters: parseJsonOption('filters', o.filters as string | undefined), source: o.source });
      if (o.wait === false) {
        const jobs = await createJobs(ctx.c.db);
        await ctx.c.scans.queue(actor, s.id);
        await jobs.send(QUEUE.scan, { runId: s.id, actor });
        await jobs.stop();
        const queued = await ctx.c.scans.get(actor, s.id);
        return { json: queued, text: `${describeScan(queued)}\nfollow it with: porchlight scan status ${s.id} --org ${o.org}` };
      }
      const bar = process.stderr.isTTY && !o.json
        ? new cliProgress.SingleBar({ format: 'scanning [{bar}] {percentage}% | {value}/{total} properties', hideCursor: true }, cliProgress.Presets.shades_classic)
        : undefined;
      let started = false;
      const done = await ctx.c.scans.work(actor, s.id, (p) => {
        if (!bar) return;
        if (!started) bar.start(p.total, 0);
        started = true;
        bar.setTotal(p.total);
        bar.update(p.processed);
      });
      bar?.stop();
      return { json: done, text: describeScan(done) };
    }));
  scan.command('status')
    .argument('<id>', 'scan id')
    .requiredOption('--org <org>', 'organization id or slug')
    .option('--json', 'machine-readable output')
    .action(command('scan status', async (ctx, id: string, o: { org: string }) => {
      const s = await ctx.c.scans.get(await ctx.operatorIn(o.org), id);
      return { json: s, text: describeScan(s) };
    }));
  scan.command('list')
    .requiredOption('--org <org>', 'organization id or slug')
    .option('--json', 'machine-readable output')
    .action(command('scan list', async (ctx, o: { org: string }) => {
      const rows = await ctx.c.scans.list(await ctx.operatorIn(o.org));
      return { json: rows, text: table(rows as never, ['id', 'created_at', 'area_name', 'scan_type', 'status', 'progress_percentage', 'processed_properties', 'qualified_leads']) };
    }));
}
