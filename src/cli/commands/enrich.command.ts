import type { Command } from 'commander';
import { AppError } from '../../app/errors.ts';
import type { StageEstimate, StageSummary } from '../../domain/enrichment/report.ts';
import { formatCents, parseDollars } from '../../domain/money/money.service.ts';
import { createJobs, QUEUE } from '../../jobs/jobs.ts';
import { bars, command, parseJsonOption, stepProgress, table, type CommandContext } from '../run.ts';

const collect = (v: string, prev: string[] = []) => [...prev, v];

export function describeEstimate(e: { leads_selected: number; stages: StageEstimate[]; expected_cents: number; max_cents: number }) {
  return [
    `expected spend ${formatCents(e.expected_cents)} (at most ${formatCents(e.max_cents)}) for ${e.leads_selected} lead(s):`,
    table(e.stages.map((s) => ({ ...s, expected: formatCents(s.expected_cents), at_most: formatCents(s.max_cents), cap_left_today: s.cap_left_today ?? 'no cap' })) as never,
      ['stage', 'enabled', 'candidates', 'expected_calls', 'expected', 'at_most', 'cap_left_today']),
  ].join('\n');
}

export function describeReport(r: { run: { id: string; status: string; leads_selected: number; resume_at: Date | null; error: string | null }; stages: StageSummary[] }) {
  const rows = r.stages.map((s) => ({
    stage: s.stage, leads: s.leads, called: s.called, matched: s.matched, phones: s.phones_found, emails: s.emails_found, cost: formatCents(s.cost_cents),
    failed: s.failed, deferred: s.deferred, skipped: Object.entries(s.skipped).map(([k, v]) => `${k} ${v}`).join(', '),
  }));
  const score = r.stages.find((s) => s.stage === 'score');
  const total = r.stages.reduce((n, s) => n + s.cost_cents, 0);
  // the funnel: of the leads selected, how many each stage paid for, and how many can be reached now
  const funnel = bars([
    { label: 'selected', value: r.run.leads_selected },
    ...r.stages.filter((s) => s.stage !== 'score').map((s) => ({ label: s.stage, value: s.called, note: `called, ${formatCents(s.cost_cents)}` })),
    { label: 'contactable', value: score?.became_contactable ?? 0, note: 'became contactable' },
  ], r.run.leads_selected);
  return [
    `enrichment run ${r.run.id}: ${r.run.status} (${r.run.leads_selected} leads)`,
    table(rows as never, ['stage', 'leads', 'called', 'matched', 'phones', 'emails', 'cost', 'failed', 'deferred', 'skipped']),
    `\n${funnel}\n`,
    `spent ${formatCents(total)}; ${score?.became_contactable ?? 0} lead(s) became contactable`,
    r.run.status === 'waiting' ? `work over a daily cap resumes at ${new Date(r.run.resume_at!).toISOString()} (the worker picks it up)` : '',
    r.run.error ? `error: ${r.run.error}` : '',
  ].filter(Boolean).join('\n');
}

async function workWithProgress(ctx: CommandContext, actor: Parameters<CommandContext['c']['enrichment']['work']>[0], id: string, json: boolean) {
  const progress = stepProgress(!json, 'leads');
  await ctx.c.enrichment.work(actor, id, (p) => progress.update(p.stage, p.done, p.total));
  progress.stop();
}

export function registerEnrich(program: Command) {
  const enrich = program.command('enrich')
    .description('buy phones and emails where they pay: append, skip-trace, verify, then score and route')
    .enablePositionalOptions()
    .option('--org <org>', 'organization id or slug (required)')
    .option('--lead <id>', 'a lead (repeatable)', collect)
    .option('--status <status>', 'leads in this status (repeatable)', collect)
    .option('--source <name>', 'leads from this source')
    .option('--tag <tag>', 'leads with this tag')
    .option('--limit <n>', 'at most this many leads')
    .option('--max-spend <dollars>', 'stop buying once this run has spent this much, e.g. 25.00')
    .option('--refresh', 'buy again what a stage bought before for a lead')
    .option('--dry-run', 'print the expected spend and stop')
    .option('--no-wait', 'queue the run for the worker and return')
    .option('--json', 'machine-readable output')
    .action(command('enrich', async (ctx, o: Record<string, unknown>) => {
      const actor = await ctx.operatorIn(o.org as string);
      const maxSpend = o.maxSpend === undefined ? undefined : parseDollars(String(o.maxSpend));
      if (o.maxSpend !== undefined && maxSpend === undefined) throw new AppError('VALIDATION', `--max-spend: "${o.maxSpend}" is not an amount in dollars (e.g. 25.00)`, [{ field: 'max-spend', message: 'not an amount' }]);
      const limit = o.limit === undefined ? undefined : Number(o.limit);
      const { run, estimate } = await ctx.c.enrichment.start(actor, {
        lead_ids: o.lead, status: o.status, source: o.source, tag: o.tag, limit, max_spend_cents: maxSpend, refresh: !!o.refresh, dry_run: !!o.dryRun,
      });
      if (!run) return { json: { dry_run: true, estimate }, text: `dry run: nothing was bought\n${describeEstimate(estimate)}` };
      if (!o.json) ctx.io.err(describeEstimate(estimate));
      if (o.wait === false) {
        const jobs = await createJobs(ctx.c.db);
        await jobs.send(QUEUE.enrich, { runId: run.id, actor });
        await jobs.stop();
        return { json: { run, estimate, queued: true }, text: `enrichment run ${run.id} queued for the worker (${run.leads_selected} leads)` };
      }
      await workWithProgress(ctx, actor, run.id, !!o.json);
      const report = await ctx.c.enrichment.report(actor, run.id);
      return { json: { ...report, estimate }, text: describeReport(report) };
    }));
  enrich.command('status')
    .description('a run: per stage, leads called, found, cost and skipped by reason')
    .argument('<id>', 'run id')
    .requiredOption('--org <org>', 'organization id or slug')
    .option('--json', 'machine-readable output')
    .action(command('enrich status', async (ctx, id: string, o: { org: string }) => {
      const report = await ctx.c.enrichment.report(await ctx.operatorIn(o.org), id);
      return { json: report, text: describeReport(report) };
    }));
  enrich.command('resume')
    .description('work a run again: after a stopped process, or when a capped day has passed')
    .argument('<id>', 'run id')
    .requiredOption('--org <org>', 'organization id or slug')
    .option('--json', 'machine-readable output')
    .action(command('enrich resume', async (ctx, id: string, o: { org: string; json?: boolean }) => {
      const actor = await ctx.operatorIn(o.org);
      await workWithProgress(ctx, actor, id, !!o.json);
      const report = await ctx.c.enrichment.report(actor, id);
      return { json: report, text: describeReport(report) };
    }));
  enrich.command('list')
    .description('recent enrichment runs')
    .requiredOption('--org <org>', 'organization id or slug')
    .option('--json', 'machine-readable output')
    .action(command('enrich list', async (ctx, o: { org: string }) => {
      const rows = await ctx.c.enrichment.list(await ctx.operatorIn(o.org));
      return { json: rows, text: table(rows as never, ['id', 'created_at', 'status', 'leads_selected', 'finished_at', 'resume_at']) };
    }));
  enrich.command('settings')
    .description("the organization's waterfall: providers, prices, daily caps, thresholds (--set to change)")
    .requiredOption('--org <org>', 'organization id or slug')
    .option('--set <json>', 'a partial update, e.g. \'{"stages":{"skip_trace":{"daily_cap":500}}}\'')
    .option('--json', 'machine-readable output')
    .action(command('enrich settings', async (ctx, o: { org: string; set?: string }) => {
      const actor = await ctx.operatorIn(o.org);
      const patch = parseJsonOption('set', o.set);
      const s = patch === undefined ? await ctx.c.enrichment.settings(actor) : await ctx.c.enrichment.updateSettings(actor, patch);
      const stages = Object.entries({ ...s.stages, pull: s.pull }).map(([stage, st]) => ({ stage, ...st, price: formatCents(st.price_cents), provider: st.provider ?? '(environment)' }));
      return {
        json: s,
        text: [table(stages as never, ['stage', 'enabled', 'provider', 'price', 'daily_cap']),
          `contactable at ${s.contactable_threshold}, enriched at ${s.enriched_threshold}; value per conversion ${formatCents(s.value_per_conversion_cents)}, conversion rate ${s.conversion_rate}, pay factor ${s.pay_factor}; dead letters parked after ${s.dlq_max_attempts} attempts`].join('\n'),
      };
    }));
}
