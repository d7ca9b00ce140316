import type { Command } from 'commander';
import { actorAs, command, count, table, type CommandContext } from '../run.ts';

// porchlight nudges | resources: the inbox of drafted nudges a person approves, edits or
// dismisses, each user's nudge settings, and the articles and videos nudges can carry.

type Shown = Awaited<ReturnType<CommandContext['c']['nudges']['inbox']['show']>>;

function describe(b: Shown): string {
  const intel = b.key_intel as { why_now?: string; what_changed?: string };
  return [
    `${b.headline}  [${b.status}]  (${b.id})`,
    `for ${b.user_email}; why now: ${intel.why_now ?? '-'}; what changed: ${intel.what_changed ?? '-'}`,
    `draft (${b.draft_adapter} ${b.draft_model}, ${b.prompt_version})${b.edited_draft ? ', edited' : ''}:`,
    ...b.draft.split('\n').map((l) => `  ${l}`),
    ...(b.draft_warnings.length ? [`  ! states what the event does not hold: ${b.draft_warnings.join(', ')}`] : []),
    `audience (${b.audience.filter((a) => !a.removed_at).length}):`,
    table(b.audience.map((a) => ({ ...a, reach: a.reach ?? 'none', similarity: a.similarity.toFixed(3), filters_met: a.filters_met.join(','), shared_terms: a.shared_terms.join(','), removed: a.removed_at ? 'removed' : '' })),
      ['rank', 'name', 'reach', 'filters_met', 'similarity', 'shared_terms', 'message_status', 'removed']),
    ...(b.preview ? [`${b.preview.name} would get:`, ...b.preview.text.split('\n').map((l) => `  | ${l}`)] : []),
    ...(b.resources.length ? [`resources: ${b.resources.map((r) => `${r.title} <${r.url}>`).join(', ')}`] : []),
    `history: ${b.history.map((h) => `${h.to_status} ${h.changed_at.toISOString().slice(0, 16)}`).join(' -> ')}`,
  ].join('\n');
}

export function registerNudges(program: Command) {
  const nudges = program.command('nudges').description('AI nudges: drafted messages about market events, for a person to approve, edit or dismiss');
  nudges.command('list')
    .description('the inbox, newest first')
    .requiredOption('--org <org>', 'organization id or slug')
    .option('--status <s>', 'DRAFT, ACTIVE, PAUSED, COMPLETED, CANCELLED or DISMISSED').option('--user <email>', "one user's nudges")
    .option('--limit <n>', 'how many', '50').option('--cursor <c>', 'the next page')
    .option('--json', 'machine-readable output')
    .action(command('nudges list', async (ctx, o: { org: string; status?: string; user?: string; limit: string; cursor?: string }) => {
      const r = await ctx.c.nudges.inbox.list(await ctx.operatorIn(o.org), { status: o.status?.toUpperCase(), user_email: o.user, limit: count('limit', o.limit), cursor: o.cursor });
      return { json: r, text: r.data.length ? `${table(r.data as unknown as Record<string, unknown>[], ['id', 'status', 'headline', 'audience_size', 'user_email', 'created_at'])}${r.next_cursor ? `\nmore: --cursor ${r.next_cursor}` : ''}` : 'no nudges' };
    }));
  const show = (ctx: CommandContext, o: { org: string; user?: string }) => actorAs(ctx, o.org, o.user);
  nudges.command('show <id>').description('a nudge: headline, key intel, draft, audience with reasons, history')
    .requiredOption('--org <org>', 'organization id or slug').option('--json', 'machine-readable output')
    .action(command('nudges show', async (ctx, id: string, o: { org: string }) => {
      const b = await ctx.c.nudges.inbox.show(await ctx.operatorIn(o.org), id);
      return { json: b, text: describe(b) };
    }));
  nudges.command('approve <id>').description('approve: one message per recipient at a good local time, through the compliance gate')
    .requiredOption('--org <org>', 'organization id or slug').option('--user <email>', 'who approves (recorded)')
    .option('--channel <c>', 'sms or email (default: an e-mail where the client has one, else a text)').option('--json', 'machine-readable output')
    .action(command('nudges approve', async (ctx, id: string, o: { org: string; user?: string; channel?: string }) => {
      const b = await ctx.c.nudges.inbox.approve(await show(ctx, o), id, { channel: o.channel });
      const skipped = b.skipped.map((s) => `  skipped ${s.client_id}: ${s.reason}`);
      return { json: b, text: [`${b.scheduled} messages scheduled`, ...skipped, '', describe(b)].join('\n') };
    }));
  nudges.command('edit <id>').description("replace the draft's text before approving ({first_name} becomes each client's name)")
    .requiredOption('--org <org>', 'organization id or slug').requiredOption('--draft <text>').option('--json', 'machine-readable output')
    .action(command('nudges edit', async (ctx, id: string, o: { org: string; draft: string }) => {
      const b = await ctx.c.nudges.inbox.edit(await ctx.operatorIn(o.org), id, { draft: o.draft });
      return { json: b, text: describe(b) };
    }));
  nudges.command('dismiss <id>').description('dismiss for everyone, or --client for one: alike opportunities stop appearing for them')
    .requiredOption('--org <org>', 'organization id or slug').option('--client <id>').option('--reason <text>').option('--user <email>', 'who dismisses (recorded)')
    .option('--json', 'machine-readable output')
    .action(command('nudges dismiss', async (ctx, id: string, o: { org: string; client?: string; reason?: string; user?: string }) => {
      const b = await ctx.c.nudges.inbox.dismiss(await show(ctx, o), id, { client_id: o.client, reason: o.reason });
      return { json: b, text: describe(b) };
    }));
  for (const [verb, what] of [['pause', 'hold its pending messages'], ['resume', 'let its pending messages go again'], ['cancel', 'its pending messages are never sent']] as const) {
    nudges.command(`${verb} <id>`).description(`${verb} a nudge: ${what}`)
      .requiredOption('--org <org>', 'organization id or slug').option('--json', 'machine-readable output')
      .action(command(`nudges ${verb}`, async (ctx, id: string, o: { org: string }) => {
        const b = await ctx.c.nudges.inbox[verb](await ctx.operatorIn(o.org), id);
        return { json: b, text: describe(b) };
      }));
  }
  nudges.command('attach <id>').description('attach a content resource (its link goes with each message)')
    .requiredOption('--org <org>', 'organization id or slug').requiredOption('--resource <id>').option('--json', 'machine-readable output')
    .action(command('nudges attach', async (ctx, id: string, o: { org: string; resource: string }) => {
      const b = await ctx.c.nudges.inbox.attach(await ctx.operatorIn(o.org), id, o.resource);
      return { json: b, text: describe(b) };
    }));
  nudges.command('settings').description("a user's market (ZIPs, cities), the tone and sign-off of their drafts, and how wide their audiences are")
    .requiredOption('--org <org>', 'organization id or slug').requiredOption('--user <email>')
    .option('--market <list>', 'ZIPs and cities, comma-separated: 78704,78745,austin').option('--tone <t>', 'warm, professional or brief')
    .option('--signoff <text>').option('--audience-max <n>').option('--min-similarity <x>').option('--negative-threshold <x>')
    .option('--json', 'machine-readable output')
    .action(command('nudges settings', async (ctx, o: { org: string; user: string; market?: string; tone?: string; signoff?: string; audienceMax?: string; minSimilarity?: string; negativeThreshold?: string }) => {
      const s = await ctx.c.nudges.inbox.settings(await ctx.operatorIn(o.org), Object.fromEntries(Object.entries({
        user_email: o.user, market_focus: o.market, tone: o.tone, signoff: o.signoff, audience_max: o.audienceMax, min_similarity: o.minSimilarity, negative_threshold: o.negativeThreshold,
      }).filter(([, v]) => v !== undefined)));
      return { json: s, text: Object.entries(s).map(([k, v]) => `${k}: ${Array.isArray(v) ? v.join(', ') || '-' : v ?? '-'}`).join('\n') };
    }));

  const resources = program.command('resources').description('articles, videos and documents to attach to nudges, with how often each was used');
  resources.command('add').description('add a resource (the same URL again: updated)')
    .requiredOption('--org <org>', 'organization id or slug').requiredOption('--user <email>').requiredOption('--title <t>').requiredOption('--url <url>')
    .option('--type <t>', 'article, video, document or other', 'article').option('--description <text>').option('--categories <a,b>')
    .option('--json', 'machine-readable output')
    .action(command('resources add', async (ctx, o: { org: string; user: string; title: string; url: string; type: string; description?: string; categories?: string }) => {
      const r = await ctx.c.nudges.resources.add(await ctx.operatorIn(o.org), { user_email: o.user, title: o.title, url: o.url, content_type: o.type, description: o.description, categories: o.categories });
      return { json: r, text: `resource ${(r as { id: string }).id}: ${o.title}` };
    }));
  resources.command('list').description('resources, most used first')
    .requiredOption('--org <org>', 'organization id or slug').option('--user <email>').option('--all', 'archived ones too').option('--json', 'machine-readable output')
    .action(command('resources list', async (ctx, o: { org: string; user?: string; all?: boolean }) => {
      const rows = await ctx.c.nudges.resources.list(await ctx.operatorIn(o.org), { user_email: o.user, all: o.all });
      return { json: rows, text: rows.length ? table(rows, ['id', 'title', 'content_type', 'usage_count', 'status', 'url']) : 'no resources' };
    }));
  resources.command('archive <id>').description('archive a resource: it can no longer be attached')
    .requiredOption('--org <org>', 'organization id or slug').option('--json', 'machine-readable output')
    .action(command('resources archive', async (ctx, id: string, o: { org: string }) => {
      const r = await ctx.c.nudges.resources.archive(await ctx.operatorIn(o.org), id);
      return { json: r, text: `resource ${id} archived` };
    }));
}
