import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import type { ContagionRunSummary, PermitImportSummary } from '../../domain/contagion/contagion.service.ts';
import { PERMIT_PRESETS } from '../../domain/contagion/permit-rows.ts';
import { formatCents } from '../../domain/money/money.service.ts';
import { bars, command, table } from '../run.ts';

/** The files given: each file, and the .csv files in each directory, in name order. */
function filesOf(args: string[]) {
  return args.flatMap((a) => (fs.existsSync(a) && fs.statSync(a).isDirectory()
    ? fs.readdirSync(a).filter((f) => f.toLowerCase().endsWith('.csv')).sort().map((f) => path.join(a, f))
    : [a]));
}

export function describePermitImport(results: (PermitImportSummary & { file: string })[]) {
  const last = results.at(-1)!;
  const issues = results.flatMap((r) => r.issues.map((i) => ({ file: path.basename(r.file), ...i })));
  const lines = [
    table(results.map((r) => ({ ...r, file: path.basename(r.file) })), ['file', 'rows', 'added', 'updated', 'unchanged', 'repeated', 'rejected']),
    '',
    `the organization now has ${last.totals.permits.toLocaleString('en-US')} permit(s): ${last.totals.roofing.toLocaleString('en-US')} roofing, `
      + `${last.totals.with_coordinates.toLocaleString('en-US')} with coordinates, issued ${last.totals.first_date ?? '-'} to ${last.totals.last_date ?? '-'}`,
  ];
  if (issues.length) {
    lines.push('', `${issues.length} row(s) rejected (the rows around them landed):`);
    lines.push(...issues.slice(0, 20).map((i) => `  ${i.file} line ${i.line}: ${i.field ? `${i.field} ` : ''}${i.reason}`));
    if (issues.length > 20) lines.push(`  ... and ${issues.length - 20} more (--json lists them all)`);
  }
  return lines.join('\n');
}

export function describeRun(r: ContagionRunSummary) {
  const total = r.tiers.reduce((s, t) => s + t.n, 0);
  return [
    `window ${r.since} to ${r.as_of}: ${r.roofing_permits_in_window.toLocaleString('en-US')} roofing permit(s) with coordinates`
      + (r.permits_matched ? `; ${r.permits_matched.toLocaleString('en-US')} permit(s) matched to parcels` : ''),
    `${r.clusters.toLocaleString('en-US')} cluster(s)${r.dissolved ? `, ${r.dissolved} dissolved` : ''}; ${r.properties_reached.toLocaleString('en-US')} parcel(s) near them scored `
      + `(${r.properties_written.toLocaleString('en-US')} written, ${r.properties_removed.toLocaleString('en-US')} no longer near one) in ${r.seconds.toFixed(1)} s`,
    '',
    total ? bars(r.tiers.map((t) => ({ label: t.tier, value: t.n })), total) : 'no parcel is near a cluster',
  ].join('\n');
}

export function registerPermitImport(imp: Command) {
  imp.command('permits')
    .description('import building permits (deduplicated by permit number; roofing permits recognized from type and description)')
    .argument('<files...>', 'CSV files, or directories of them')
    .requiredOption('--org <org>', 'organization id or slug')
    .option('--preset <name>', `column layout: ${Object.entries(PERMIT_PRESETS).map(([k, p]) => `${k} (${p.label})`).join(', ')}; without one, Porchlight's or BLDS column names`)
    .option('--source <name>', 'where the permits came from (default: the preset, or "permits")')
    .option('--json', 'machine-readable output')
    .action(command('import permits', async (ctx, args: string[], o: { org: string; preset?: string; source?: string }) => {
      const actor = await ctx.operatorIn(o.org);
      const results: (PermitImportSummary & { file: string })[] = [];
      for (const file of filesOf(args)) results.push({ file, ...(await ctx.c.contagion.importPermits(actor, { file, preset: o.preset, source: o.source })) });
      return { json: results.length === 1 ? results[0] : results, text: results.length ? describePermitImport(results) : 'no CSV file found' };
    }));
}

export function registerContagion(program: Command) {
  const c = program.command('contagion').description('permit contagion: owners re-roof when the houses around them do');
  c.command('run')
    .description('find clusters of roofing permits and score every parcel near them; the leads on those parcels are rescored')
    .requiredOption('--org <org>', 'organization id or slug')
    .option('--since <date>', 'permits issued on or after this day (default: the window, 24 months)')
    .option('--as-of <date>', 'the day to look from (default: today)')
    .option('--json', 'machine-readable output')
    .action(command('contagion run', async (ctx, o: { org: string; since?: string; asOf?: string }) => {
      const actor = await ctx.operatorIn(o.org);
      const r = await ctx.c.contagion.run(actor, { since: o.since, as_of: o.asOf });
      return { json: r, text: describeRun(r) };
    }));
  c.command('clusters')
    .description('the clusters with their metrics, best first')
    .requiredOption('--org <org>', 'organization id or slug')
    .option('--status <status>', 'active, cooling or dissolved')
    .option('--limit <n>', 'how many', '50')
    .option('--json', 'machine-readable output')
    .action(command('contagion clusters', async (ctx, o: { org: string; status?: string; limit: string }) => {
      const actor = await ctx.operatorIn(o.org);
      const rows = await ctx.c.contagion.clusters(actor, { status: o.status, limit: o.limit });
      const text = rows.map((k) => ({
        ...k, where: [k.subdivision, k.city, k.state].filter(Boolean).join(', '), dates: `${k.date_range_start} to ${k.date_range_end}`,
        avg_value: k.avg_permit_value_cents === null ? '-' : formatCents(k.avg_permit_value_cents),
        center: `${k.center_latitude.toFixed(5)},${k.center_longitude.toFixed(5)}`,
      }));
      return {
        json: rows,
        text: rows.length
          ? table(text, ['cluster_score', 'status', 'permit_count', 'where', 'dates', 'avg_value', 'radius_miles', 'properties_scored', 'hot_leads_generated', 'center', 'id'])
          : 'no clusters yet: import permits, then porchlight contagion run',
      };
    }));
  c.command('show')
    .description("a parcel's contagion scoring, by its id or one of its leads'")
    .argument('<id>', 'lead or parcel id')
    .requiredOption('--org <org>', 'organization id or slug')
    .option('--json', 'machine-readable output')
    .action(command('contagion show', async (ctx, id: string, o: { org: string }) => {
      const actor = await ctx.operatorIn(o.org);
      const s = await ctx.c.contagion.propertyScore(actor, id);
      const f = s.factors as Record<string, number>;
      return {
        json: s,
        text: [
          `urgency ${s.total_urgency_score} (${s.urgency_tier}, confidence ${s.confidence_level}): ${s.recommended_action}`,
          `  contagion ${s.contagion_score}/100 = ${f.contagion} point(s): ${s.permits_within_100ft} roofing permit(s) within 100 ft, ${s.permits_within_500ft} within 500 ft, `
            + `${s.permits_within_quarter_mile} within the radius, ${s.same_subdivision_permits} in the subdivision`,
          `  nearest: ${s.nearest_permit_distance_ft} ft, ${s.nearest_permit_address ?? '(no address)'}, ${s.nearest_permit_date}`,
          `  age match ${s.age_match_score}/100 = ${f.age_match} point(s): built ${s.year_built ?? '?'}, neighbours that re-roofed ${s.neighbor_avg_year_built ?? '?'}`,
          `  financial ${s.financial_score}/100 = ${f.financial} point(s); visual ${s.visual_score ?? 'no assessment'} = ${f.visual} point(s)`,
          `  contractors nearby: ${(s.neighbor_contractor_names as string[]).join('; ') || '-'}`,
          `  ${s.scoring_version}, from ${(s.data_sources_used as string[]).join(', ')}`,
        ].join('\n'),
      };
    }));
}
