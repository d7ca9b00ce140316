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
    .option('--segment <name>', 'leads of this saved segment (name or id; see `porchlight segments list`)')
    .option('--json', 'machine-readable output')
    .action(command('score', async (ctx, o: Record<string, string | string[] | boolean | undefined>) => {
      const actor = await ctx.operatorIn(o.org as string);
      const progress = stepProgress(!o.json, 'leads');
      const rows = await ctx.c.scoring.rescore(actor, {
        scorer: o.scorer, lead_ids: o.lead, status: o.status, tier: o.tier, tags: o.tag, zip: o.zip, source: o.source, segment: o.segment,
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
  score.command('mark')
    .description("mark a lead's score good or bad: kept and reported per scorer, it adjusts nothing")
    .argument('<lead>', 'lead id')
    .requiredOption('--org <org>', 'organization id or slug')
    .requiredOption('--scorer <name>', 'quality, motivation, roof or contagion')
    .requiredOption('--verdict <verdict>', 'good or bad')
    .option('--note <text>', 'why')
    .option('--json', 'machine-readable output')
    .action(command('score mark', async (ctx, lead: string, o: { org: string; scorer: string; verdict: string; note?: string }) => {
      const actor = await ctx.operatorIn(o.org);
      const m = await ctx.c.feedback.mark(actor, { lead_id: lead, scorer: o.scorer, verdict: o.verdict, note: o.note });
      return { json: m, text: `${m.scorer} ${m.score ?? '-'}${m.label ? ` (${m.label})` : ''} marked ${m.verdict}` };
    }));
  score.command('feedback')
    .description('the marks on scores, per scorer and label')
    .requiredOption('--org <org>', 'organization id or slug')
    .option('--json', 'machine-readable output')
    .action(command('score feedback', async (ctx, o: { org: string }) => {
      const actor = await ctx.operatorIn(o.org);
      const rows = await ctx.c.feedback.report(actor);
      return { json: rows, text: rows.length ? table(rows.map((r) => ({ ...r, label: r.label ?? '-', good_share: r.good_share === null ? '-' : `${r.good_share}%` })), ['scorer', 'label', 'good', 'bad', 'good_share', 'avg_score']) : 'no marks yet' };
    }));
}
