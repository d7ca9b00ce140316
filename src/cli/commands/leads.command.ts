import type { Command } from 'commander';
import { command, table } from '../run.ts';

type Shown = Awaited<ReturnType<import('../../domain/leads/leads.service.ts').LeadsService['show']>>;

function describeLead(l: Shown): string {
  const p = l.property as Record<string, unknown> | null;
  const who = l.person ? (l.person.full_name ?? [l.person.first_name, l.person.last_name].filter(Boolean).join(' ')) : '(no person)';
  const out = [
    `${who}${p ? ` — ${p.address_line1}, ${p.city}, ${p.state} ${p.zip}` : ''}`,
    `id ${l.id}   status ${l.status}   tier ${l.tier ?? '-'}   temperature ${l.temperature ?? '-'}`,
    `scores: lead ${l.lead_score ?? '-'}${l.replacement_urgency ? ` (roof: ${l.replacement_urgency.replace('_', ' ')})` : ''}  quality ${l.quality_score ?? '-'}  motivation ${l.motivation_score ?? '-'}  contagion ${l.contagion_score ?? '-'}`,
    `tags: ${l.tags.join(', ') || '-'}   source: ${l.source}   assignee: ${l.assignee_id ?? 'unassigned'}`,
  ];
  if (l.notes) out.push(`notes: ${l.notes}`);
  out.push('', 'contact points:', table(l.contact_points as never, ['kind', 'value', 'type', 'score', 'verified', 'dnc', 'sources']));
  out.push('', 'status history:', table(l.status_history as never, ['changed_at', 'from_status', 'to_status', 'trigger_type']));
  if (l.score_history.length) {
    // each scorer's factors as of the last time its score moved (history is kept only then)
    const latest = new Map(l.score_history.map((h) => [h.scorer, h]));
    const why = [...latest.values()].map((h) => `${h.scorer} ${h.score}: ${Object.entries(h.factors as Record<string, unknown>).map(([k, v]) => `${k} ${v}`).join(', ')}`);
    out.push('', 'why (as each score last moved):', ...why.map((w) => `  ${w}`));
    out.push('', 'score history:', table(l.score_history as never, ['calculated_at', 'scorer', 'version', 'score']));
  }
  return out.join('\n');
}

export function registerLeads(program: Command) {
  const leads = program.command('leads').description('the pipeline: list, show and work leads');
  leads.command('list')
    .description('list leads, newest first')
    .requiredOption('--org <org>', 'organization id or slug')
    .option('--status <statuses>', 'comma-separated statuses')
    .option('--tier <tiers>', 'hot, warm, cold (comma-separated)')
    .option('--tag <tags>', 'leads with all of these tags (comma-separated)')
    .option('--zip <zips>', 'comma-separated 5-digit ZIPs')
    .option('--min-score <n>', 'lowest lead score')
    .option('--assignee <who>', 'none or a user id')
    .option('--source <source>', 'where the leads came from')
    .option('--q <text>', 'search owner name and address')
    .option('--sort <key>', 'created_at, updated_at or lead_score; a leading - sorts descending', '-created_at')
    .option('--limit <n>', 'rows per page (1-200)', '50')
    .option('--cursor <cursor>', 'next_cursor of the previous page')
    .option('--json', 'machine-readable output')
    .action(command('leads list', async (ctx, o: Record<string, string | boolean | undefined>) => {
      const { org, json: _j, minScore, ...rest } = o;
      const page = await ctx.c.leads.list(await ctx.operatorIn(org as string), { ...rest, min_score: minScore });
      const rows = page.data.map((l) => ({ ...l, address: l.address_line1 ? `${l.address_line1}, ${l.zip}` : '' }));
      const more = page.next_cursor ? `\nmore: --cursor ${page.next_cursor}` : '';
      return { json: page, text: `${table(rows, ['id', 'owner_name', 'address', 'status', 'lead_score', 'tier', 'tags'])}${more}` };
    }));
  leads.command('show')
    .description('a lead with its property, person, contact points and history')
    .argument('<id>', 'lead id')
    .requiredOption('--org <org>', 'organization id or slug')
    .option('--json', 'machine-readable output')
    .action(command('leads show', async (ctx, id: string, o: { org: string }) => {
      const lead = await ctx.c.leads.show(await ctx.operatorIn(o.org), id);
      return { json: lead, text: describeLead(lead) };
    }));
  leads.command('update')
    .description('change status, tags, assignee or notes')
    .argument('<id>', 'lead id')
    .requiredOption('--org <org>', 'organization id or slug')
    .option('--status <status>', 'new status')
    .option('--add-tag <tags>', 'tags to add (comma-separated)')
    .option('--remove-tag <tags>', 'tags to remove (comma-separated)')
    .option('--assignee <user>', 'a user id, or none')
    .option('--notes <text>', 'replace the notes')
    .option('--json', 'machine-readable output')
    .action(command('leads update', async (ctx, id: string, o: Record<string, string | undefined>) => {
      const split = (s?: string) => s?.split(',').map((t) => t.trim()).filter(Boolean);
      const lead = await ctx.c.leads.update(await ctx.operatorIn(o.org), id, {
        status: o.status, add_tags: split(o.addTag), remove_tags: split(o.removeTag), notes: o.notes,
        assignee_id: o.assignee === 'none' ? null : o.assignee,
      });
      return { json: lead, text: describeLead(lead) };
    }));
}
