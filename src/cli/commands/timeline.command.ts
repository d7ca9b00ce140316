import type { Command } from 'commander';
import { command } from '../run.ts';

// `porchlight leads timeline ID`: added to the leads command (registered before this one).

export function registerLeadTimeline(program: Command) {
  const leads = program.commands.find((c) => c.name() === 'leads') ?? program.command('leads');
  leads.command('timeline')
    .description("a lead's timeline, newest first: messages, the gate's refusals, status, assignment, scores, enrichment, sequences, campaigns")
    .argument('<id>', 'lead id')
    .requiredOption('--org <org>', 'organization id or slug')
    .option('--kind <kinds>', 'only these kinds, comma-separated: message, compliance, status, assignment, score, enrichment, campaign, sequence')
    .option('--limit <n>', 'how many', '50')
    .option('--cursor <cursor>', 'next_cursor of the previous page')
    .option('--json', 'machine-readable output')
    .action(command('leads timeline', async (ctx, id: string, o: { org: string; kind?: string; limit: string; cursor?: string }) => {
      const t = await ctx.c.timeline.forLead(await ctx.operatorIn(o.org), id, { kind: o.kind, limit: o.limit, cursor: o.cursor });
      const lines = t.data.map((e) => `${e.at.toISOString().slice(0, 19).replace('T', ' ')}Z  ${e.kind.padEnd(10)}  ${e.summary}`);
      const more = t.next_cursor ? `\nmore: --cursor ${t.next_cursor}` : '';
      return { json: t, text: (lines.length ? lines.join('\n') : 'nothing has happened to this lead yet') + more };
    }));
}
