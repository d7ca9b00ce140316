import type { Command } from 'commander';
import type { SegmentsService } from '../../domain/segments/segments.service.ts';
import { command, parseJsonOption, table } from '../run.ts';

type Segment = Awaited<ReturnType<SegmentsService['show']>>;

function describeSegment(s: Segment) {
  return [
    `${s.name}  (${s.id})`,
    ...(s.description ? [s.description] : []),
    `leads: ${s.lead_count ?? '-'}${s.counted_at ? ` as of ${s.counted_at.toISOString().slice(0, 16).replace('T', ' ')}` : ''}`,
    `filter: ${JSON.stringify(s.filter)}`,
  ].join('\n');
}

export function registerSegments(program: Command) {
  const segments = program.command('segments').description('saved filters of leads (docs/SEGMENTS.md); use them with --segment');
  segments.command('create')
    .description('save a segment and count its leads')
    .argument('<name>', 'a name, unique in the organization')
    .requiredOption('--org <org>', 'organization id or slug')
    .requiredOption('--filter <json>', 'the filter, e.g. \'{"tier":["hot"],"lead_score":{"min":70},"zip":["78701"]}\'')
    .option('--description <text>', 'what the segment is for')
    .option('--json', 'machine-readable output')
    .action(command('segments create', async (ctx, name: string, o: { org: string; filter: string; description?: string }) => {
      const s = await ctx.c.segments.create(await ctx.operatorIn(o.org), { name, description: o.description, filter: parseJsonOption('filter', o.filter) });
      return { json: s, text: `created segment ${s.name}: ${s.lead_count} lead(s)\n${describeSegment(s)}` };
    }));
  segments.command('list')
    .description('the saved segments with their last counts')
    .requiredOption('--org <org>', 'organization id or slug')
    .option('--json', 'machine-readable output')
    .action(command('segments list', async (ctx, o: { org: string }) => {
      const data = await ctx.c.segments.list(await ctx.operatorIn(o.org));
      return { json: { data }, text: table(data, ['name', 'lead_count', 'counted_at', 'description', 'id']) };
    }));
  segments.command('show')
    .description('a segment: its filter and last count')
    .argument('<segment>', 'name or id')
    .requiredOption('--org <org>', 'organization id or slug')
    .option('--json', 'machine-readable output')
    .action(command('segments show', async (ctx, ref: string, o: { org: string }) => {
      const s = await ctx.c.segments.show(await ctx.operatorIn(o.org), ref);
      return { json: s, text: describeSegment(s) };
    }));
  segments.command('count')
    .description("count a segment's leads now and keep the count")
    .argument('<segment>', 'name or id')
    .requiredOption('--org <org>', 'organization id or slug')
    .option('--json', 'machine-readable output')
    .action(command('segments count', async (ctx, ref: string, o: { org: string }) => {
      const s = await ctx.c.segments.count(await ctx.operatorIn(o.org), ref);
      return { json: s, text: `${s.name}: ${s.lead_count} lead(s)` };
    }));
  segments.command('delete')
    .description('delete a segment (its leads are untouched)')
    .argument('<segment>', 'name or id')
    .requiredOption('--org <org>', 'organization id or slug')
    .option('--json', 'machine-readable output')
    .action(command('segments delete', async (ctx, ref: string, o: { org: string }) => {
      const r = await ctx.c.segments.remove(await ctx.operatorIn(o.org), ref);
      return { json: r, text: `deleted segment ${r.name}` };
    }));
}
