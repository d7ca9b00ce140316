import type { Command } from 'commander';
import cliProgress from 'cli-progress';
import type { ImportSummary } from '../../domain/ingest/ingest.service.ts';
import { parseMapArgs } from '../../domain/ingest/map-columns.ts';
import { command, table } from '../run.ts';
import { registerPermitImport } from './contagion.command.ts';

const collect = (v: string, prev: string[] = []) => [...prev, v];
const n = (x: number) => x.toLocaleString('en-US');

function describeSummary(s: ImportSummary): string {
  const c = s.counts;
  const secs = s.durationMs / 1000;
  const head = s.dryRun
    ? 'dry run: nothing was written'
    : s.reused
      ? `this file was imported before (import ${s.import!.id}, ${s.import!.status}); nothing changed. Use --force to import it again.`
      : `import ${s.import!.id} ${s.import!.status}`;
  const lines = [
    head,
    `rows read            ${n(c.rows_read)}${secs > 0 && !s.reused ? `  (${n(Math.round(c.rows_read / secs))} rows/s)` : ''}`,
    `rows rejected        ${n(c.rows_rejected)}`,
  ];
  if (!s.dryRun) {
    lines.push(
      `leads inserted       ${n(c.leads_inserted)}`,
      `leads merged         ${n(c.leads_merged)}  (into existing records)`,
      `properties inserted  ${n(c.properties_inserted)}`,
      `owners inserted      ${n(c.persons_inserted)}`,
      `contact points added ${n(c.contact_points_added)}  (${n(c.contact_points_merged)} merged into existing)`,
      `identity conflicts   ${n(c.identity_conflicts)}${c.identity_conflicts ? '  (see `porchlight identity conflicts`)' : ''}`,
    );
  }
  lines.push(`warnings             ${n(c.warnings)}`, `time                 ${secs.toFixed(1)} s`);
  if (s.issues.length) {
    const shown = s.issues.slice(0, 20);
    const all = s.import ? ` (all of them: porchlight import errors ${s.import.id} [--warnings])` : '';
    lines.push('', `first ${shown.length} rejected rows and warnings${all}:`);
    for (const i of shown) lines.push(`  line ${i.line}  ${i.severity}  ${i.column ?? ''}: ${i.reason}`);
  }
  return lines.join('\n');
}

export function registerImport(program: Command) {
  const imp = program.command('import').description('bring owner lists and building permits in');
  registerPermitImport(imp);
  imp.command('leads')
    .description('import a CSV of owners and parcels: one clean record per parcel and owner, phones and emails merged')
    .argument('<file>', 'CSV, TSV, semicolon- or pipe-separated; UTF-8 or Windows-1252')
    .requiredOption('--org <org>', 'organization id or slug')
    .option('--source <name>', 'where the list came from (default: the preset, or "import")')
    .option('--preset <name>', 'column layout: generic, propstream, batchleads, dealmachine (detected when omitted)')
    .option('--mapping <name>', 'a saved column mapping')
    .option('--map <col=field>', 'map a CSV column to a field, e.g. "Owner Name=owner_full_name" (repeatable)', collect)
    .option('--save-mapping <name>', 'save the mapping used under this name')
    .option('--dry-run', 'validate and report without writing')
    .option('--force', 'import again a file that was imported before')
    .option('--json', 'machine-readable output')
    .action(command('import leads', async (ctx, file: string, o: Record<string, unknown>) => {
      const actor = await ctx.operatorIn(o.org as string);
      const bar = process.stderr.isTTY && !o.json
        ? new cliProgress.SingleBar({ format: 'importing [{bar}] {percentage}% | {rows} rows | {rate} rows/s | ETA {eta_formatted}', hideCursor: true }, cliProgress.Presets.shades_classic)
        : undefined;
      const started = Date.now();
      let barStarted = false;
      const summary = await ctx.c.ingest.importLeads(actor, {
        path: file, source: o.source as string | undefined, preset: o.preset as string | undefined,
        mappingName: o.mapping as string | undefined, map: o.map ? parseMapArgs(o.map as string[]) : undefined,
        saveMappingAs: o.saveMapping as string | undefined, dryRun: !!o.dryRun, force: !!o.force,
      }, (p) => {
        if (!bar) return;
        if (!barStarted) {
          bar.start(p.byteSize, 0, { rows: 0, rate: 0 });
          barStarted = true;
        }
        const rate = Math.round(p.rowsRead / Math.max(0.001, (Date.now() - started) / 1000));
        bar.update(p.bytesDone, { rows: n(p.rowsRead), rate: n(rate) });
      });
      bar?.stop();
      return { json: summary, text: describeSummary(summary) };
    }));
  imp.command('status')
    .description('an import: status, progress and counts')
    .argument('<id>', 'import id')
    .requiredOption('--org <org>', 'organization id or slug')
    .option('--json', 'machine-readable output')
    .action(command('import status', async (ctx, id: string, o: { org: string }) => {
      const rec = await ctx.c.ingest.getImport(await ctx.operatorIn(o.org), id);
      const pct = rec.byte_size ? Math.round((100 * rec.bytes_done) / rec.byte_size) : 100;
      const text = [
        `import ${rec.id}: ${rec.status} (${pct}%)  ${rec.file_name}  source ${rec.source}`,
        `created ${new Date(rec.created_at).toISOString()} by ${rec.created_by ? `user ${rec.created_by}` : 'an operator'}`,
        table([rec as never], ['rows_read', 'rows_rejected', 'leads_inserted', 'leads_merged', 'contact_points_added', 'identity_conflicts', 'warnings']),
        rec.error ? `error: ${rec.error}` : '',
      ].filter(Boolean).join('\n');
      return { json: { ...rec, content_sha256: rec.content_sha256 && Buffer.from(rec.content_sha256).toString('hex'), percent: pct }, text };
    }));
  imp.command('list')
    .description('recent imports')
    .requiredOption('--org <org>', 'organization id or slug')
    .option('--json', 'machine-readable output')
    .action(command('import list', async (ctx, o: { org: string }) => {
      const rows = await ctx.c.ingest.listImports(await ctx.operatorIn(o.org));
      const json = rows.map((r) => ({ ...r, content_sha256: r.content_sha256 && Buffer.from(r.content_sha256).toString('hex') }));
      return { json, text: table(rows as never, ['id', 'created_at', 'status', 'file_name', 'source', 'rows_read', 'rows_rejected', 'leads_inserted', 'leads_merged']) };
    }));
  imp.command('errors')
    .description('the rejected rows of an import as CSV, with line and reason, to fix and import again')
    .argument('<id>', 'import id')
    .requiredOption('--org <org>', 'organization id or slug')
    .option('--warnings', 'the rows taken with a warning instead')
    .option('--json', 'machine-readable output')
    .action(command('import errors', async (ctx, id: string, o: { org: string; warnings?: boolean }) => {
      const actor = await ctx.operatorIn(o.org);
      const { issues, csv } = await ctx.c.ingest.issuesReport(actor, id, o.warnings ? 'warning' : 'error');
      return { json: issues, text: csv };
    }));
  imp.command('mappings')
    .description('saved column mappings')
    .requiredOption('--org <org>', 'organization id or slug')
    .option('--json', 'machine-readable output')
    .action(command('import mappings', async (ctx, o: { org: string }) => {
      const rows = await ctx.c.ingest.listMappings(await ctx.operatorIn(o.org));
      return { json: rows, text: table(rows.map((r) => ({ ...r, columns: Object.entries(r.columns as object).filter(([, t]) => t).map(([h, t]) => `${h}=${t}`).join('; ') })) as never, ['name', 'preset', 'columns']) };
    }));
}
