import type { Command } from 'commander';
import type { ScorerOutcome } from '../../domain/scoring/scoring.service.ts';
import { bars, command, parseJsonOption, stepProgress, table } from '../run.ts';

const collect = (v: string, prev: string[] = []) => [...prev, v];

/** Per scorer: how many leads it scored and moved, then how they stand now, as a chart. */
export function describeScoring(rows: ScorerOutcome[]) {
  const charts = rows.map((r) => {
    const n = r.standing.reduce((s, x) => s + x.n, 0);
    const chart = r.standing.some((x) => x.label !== null)
      ? bars(r.standing.map((x) => ({ label: x.label ?? '(none)', value: x.n, note: x.avg === null ? undefined : `average ${x.avg}` })), n)
      : `average ${r.standing[0]?.avg ?? '-'} over ${n} lead(s)`;
    return `${r.scorer} v${r.version}\n${chart}`;
  });
  return [
    table(rows.map((r) => ({ ...r, seconds: r.seconds.toFixed(1) })) as never, ['scorer', 'version', 'scored', 'changed', 'updated', 'seconds']),
    ...charts.map((c) => `\n${c}`),
  ].join('\n');
}

export function registerScore(program: Command) {
  const score = program.command('score')
    .description('rescore leads in bulk (quality, motivation, roof) and keep each score\'s history')
    .enablePositionalOptions()
    .option('--org <org>', 'organization id or slug (required)')
    .option('--scorer <name>', 'quality, motivation, roof or all', 'all')
    .option('--lead <id>', 'a lead (repeatable)', collect)
    .option('--status <status>', 'leads in this status (repeatable)', collect)
    .option('--tier <tier>', 'leads in this tier (repeatable)', collect)
    .option('--tag <tag>', 'leads with this tag (repeatable: all of them)', collect)
    .option('--zip <zip>', 'leads whose parcel is in this ZIP (repeatable)', collect)
    .option('--source <name>', 'leads from this source')
    .option('--json', 'machine-readable output')
    .action(command('score', async (ctx, o: Record<string, string | string[] | boolean | undefined>) => {
      const actor = await ctx.operatorIn(o.org as string);
      const progress = stepProgress(!o.json, 'leads');
      const rows = await ctx.c.scoring.rescore(actor, {
        scorer: o.scorer, lead_ids: o.lead, status: o.status, tier: o.tier, tags: o.tag, zip: o.zip, source: o.source,
      }, (p) => progress.update(p.scorer, p.done, p.total));
      progress.stop();
      return { json: rows, text: describeScoring(rows) };
    }));
  score.command('settings')
    .description("the organization's scoring weights and thresholds (--set to change; docs/SCORING.md)")
    .requiredOption('--org <org>', 'organization id or slug')
    .option('--set <json>', 'a partial update, e.g. \'{"motivation":{"vacant":20},"roof":{"hot":85}}\'')
    .option('--json', 'machine-readable output')
    .action(command('score settings', async (ctx, o: { org: string; set?: string }) => {
      const actor = await ctx.operatorIn(o.org);
      const patch = parseJsonOption('set', o.set);
      const s = patch === undefined ? await ctx.c.scoring.settings(actor) : await ctx.c.scoring.updateSettings(actor, patch);
      const rows = Object.entries(s).flatMap(([scorer, w]) => Object.entries(w).map(([weight, v]) => ({ scorer, weight, value: typeof v === 'object' ? JSON.stringify(v) : v })));
      return { json: s, text: table(rows as never, ['scorer', 'weight', 'value']) };
    }));
}
