import type { Command } from 'commander';
import type { CampaignsService } from '../../domain/campaigns/campaigns.service.ts';
import { command, table } from '../run.ts';

// Campaigns: one template to a segment, throttled; per-recipient status and engagement.

type Campaign = Awaited<ReturnType<CampaignsService['show']>>;

const when = (d: Date | null | undefined) => (d ? d.toISOString().slice(0, 16).replace('T', ' ') + 'Z' : '-');
const pct = (r: number | null) => (r === null ? '-' : `${(r * 100).toFixed(1)}%`);

function describe(c: Campaign) {
  const r = c.recipients_by_status;
  const e = c.engagement;
  return [
    `${c.name}  (${c.id})  ${c.status.toUpperCase()}`,
    `${c.channel} from template ${c.template.name ?? c.template.id} to segment ${c.segment?.name ?? '(deleted)'}, ${c.purpose}` +
      `${c.throttle_per_minute ? `, ${c.throttle_per_minute}/min` : ''}`,
    `start ${when(c.scheduled_for)}; launched ${when(c.launched_at)}; completed ${when(c.completed_at)}${c.cancelled_at ? `; cancelled ${when(c.cancelled_at)}` : ''}`,
    `recipients ${c.recipients}: queued ${r.queued}, sent ${r.sent}, delivered ${r.delivered}, failed ${r.failed}, skipped ${r.skipped}, cancelled ${r.cancelled}`,
    `engagement: sent ${e.sent}, delivered ${e.delivered} (${pct(e.delivery_rate)}), opened ${e.opened} (${pct(e.open_rate)}), ` +
      `clicked ${e.clicked} (${pct(e.click_rate)}), replied ${e.replied} (${pct(e.reply_rate)})`,
  ].join('\n');
}

export function registerCampaigns(program: Command) {
  const campaigns = program.command('campaigns').description('one message template to a segment, throttled, with per-recipient status');
  const org = (c: Command) => c.requiredOption('--org <org>', 'organization id or slug').option('--json', 'machine-readable output');
  const shown = (name: string, fn: (ctx: Parameters<Parameters<typeof command>[1]>[0], ref: string, o: Record<string, string>) => Promise<Campaign>, lead = '') =>
    command(`campaigns ${name}`, async (ctx, ref: string, o: Record<string, string>) => {
      const c = await fn(ctx, ref, o);
      return { json: c, text: `${lead}${describe(c)}` };
    });

  org(campaigns.command('create').description('a draft campaign from a saved template and segment'))
    .argument('<name>', 'unique in the organization')
    .requiredOption('--template <template>', 'a saved sms or email template')
    .requiredOption('--segment <segment>', 'a saved segment (read when the campaign is launched)')
    .option('--throttle <n>', 'at most n messages a minute')
    .option('--purpose <purpose>', 'marketing or informational', 'marketing')
    .option('--description <text>', 'what it is for')
    .action(command('campaigns create', async (ctx, name: string, o: Record<string, string | undefined>) => {
      const c = await ctx.c.campaigns.create(await ctx.operatorIn(o.org), {
        name, template: o.template, segment: o.segment, purpose: o.purpose, description: o.description, throttle_per_minute: o.throttle === undefined ? undefined : Number(o.throttle),
      });
      return { json: c, text: `created campaign ${c.name} (draft)\n${describe(c)}` };
    }));

  org(campaigns.command('list').description('campaigns, newest first'))
    .option('--status <status>', 'draft, scheduled, sending, paused, completed or cancelled')
    .action(command('campaigns list', async (ctx, o: { org: string; status?: string }) => {
      const r = await ctx.c.campaigns.list(await ctx.operatorIn(o.org), { status: o.status });
      return { json: r, text: table(r.data, ['name', 'status', 'channel', 'template_name', 'segment_name', 'recipients', 'scheduled_for', 'id']) };
    }));

  org(campaigns.command('show').description('a campaign: recipients by status and engagement')).argument('<campaign>', 'name or id')
    .action(shown('show', async (ctx, ref, o) => ctx.c.campaigns.show(await ctx.operatorIn(o.org!), ref)));

  org(campaigns.command('launch').description("take the segment's leads now and start sending (again: changes nothing)")).argument('<campaign>', 'name or id')
    .action(command('campaigns launch', async (ctx, ref: string, o: { org: string }) => {
      const c = await ctx.c.campaigns.launch(await ctx.operatorIn(o.org), ref);
      return { json: c, text: `${c.launched ? 'launched' : `not launched: it is ${c.status}`}\n${describe(c)}` };
    }));

  org(campaigns.command('schedule').description("take the segment's leads now; the first message goes at --at")).argument('<campaign>', 'name or id')
    .requiredOption('--at <iso>', 'ISO 8601 with an offset')
    .action(command('campaigns schedule', async (ctx, ref: string, o: { org: string; at: string }) => {
      const c = await ctx.c.campaigns.schedule(await ctx.operatorIn(o.org), ref, { at: o.at });
      return { json: c, text: `${c.launched ? 'scheduled' : `not scheduled: it is ${c.status}`}\n${describe(c)}` };
    }));

  for (const [verb, about] of [['pause', 'hold the messages not yet sent'], ['resume', 'send what is left, at the throttle from now'], ['cancel', 'cancel every message not yet sent']] as const) {
    org(campaigns.command(verb).description(about)).argument('<campaign>', 'name or id')
      .action(shown(verb, async (ctx, ref, o) => ctx.c.campaigns[verb](await ctx.operatorIn(o.org!), ref)));
  }

  org(campaigns.command('recipients').description("recipients with their status, skip reason and message's progress")).argument('<campaign>', 'name or id')
    .option('--status <status>', 'queued, sent, delivered, failed, skipped or cancelled')
    .option('--limit <n>', 'how many', '100').option('--cursor <cursor>', 'next_cursor of the previous page')
    .action(command('campaigns recipients', async (ctx, ref: string, o: { org: string; status?: string; limit: string; cursor?: string }) => {
      const r = await ctx.c.campaigns.recipients(await ctx.operatorIn(o.org), ref, { status: o.status, limit: o.limit, cursor: o.cursor });
      const more = r.next_cursor ? `\nmore: --cursor ${r.next_cursor}` : '';
      return { json: r, text: table(r.data, ['lead_id', 'owner_name', 'to', 'status', 'skip_reason', 'scheduled_for', 'sent_at', 'replied_at']) + more };
    }));
}
