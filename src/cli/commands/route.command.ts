import type { Command } from 'commander';
import type { RouteOutcome } from '../../domain/routing/routing.service.ts';
import { formatCents } from '../../domain/money/money.service.ts';
import { bars, command, table } from '../run.ts';

/** What moved, then how the routed leads stand, as a chart. */
export function describeRouting(r: RouteOutcome) {
  const total = r.standing.reduce((s, x) => s + x.n, 0);
  const moved = r.moved.reduce((s, x) => s + x.n, 0);
  return [
    `${moved.toLocaleString('en-US')} lead(s) moved: ${r.moved.map((m) => `${m.n} to ${m.status}`).join(', ') || 'none'}`,
    `(contactable at quality ${r.thresholds.contactable}, enriched at ${r.thresholds.enriched}; a lead on the do-not-contact list is never contactable)`,
    '',
    bars(r.standing.map((s) => ({ label: s.status, value: s.n, note: s.avg_quality === null ? undefined : `average quality ${s.avg_quality}` })), total),
    '',
    `${r.billed.toLocaleString('en-US')} roof lead(s) at ${r.thresholds.billable_at}+ billed for ${r.period.slice(0, 7)} (each lead once a month)`,
  ].join('\n');
}

export function registerRoute(program: Command) {
  const route = program.command('route')
    .description('route scored leads by quality (contactable, enriched, do_not_contact) and bill roof leads at 60+')
    .enablePositionalOptions()
    .option('--org <org>', 'organization id or slug (required)')
    .option('--json', 'machine-readable output')
    .action(command('route', async (ctx, o: { org: string }) => {
      const actor = await ctx.operatorIn(o.org);
      const r = await ctx.c.routing.route(actor);
      return { json: r, text: describeRouting(r) };
    }));
  route.command('ready')
    .description('contactable leads not yet in a campaign, best first')
    .requiredOption('--org <org>', 'organization id or slug')
    .option('--limit <n>', 'how many', '250')
    .option('--json', 'machine-readable output')
    .action(command('route ready', async (ctx, o: { org: string; limit: string }) => {
      const actor = await ctx.operatorIn(o.org);
      const rows = await ctx.c.routing.campaignReady(actor, { limit: o.limit });
      return { json: rows, text: rows.length ? table(rows, ['id', 'quality_score', 'lead_score', 'owner_name', 'address_line1', 'city', 'state', 'phones', 'emails']) : 'no contactable lead is waiting for a campaign' };
    }));
  route.command('usage')
    .description('billable usage (roof leads) per month')
    .requiredOption('--org <org>', 'organization id or slug')
    .option('--from <date>', 'first day (default: this month)')
    .option('--to <date>', 'last day')
    .option('--json', 'machine-readable output')
    .action(command('route usage', async (ctx, o: { org: string; from?: string; to?: string }) => {
      const actor = await ctx.operatorIn(o.org);
      const rows = await ctx.c.routing.usage(actor, { from: o.from, to: o.to });
      return { json: rows, text: rows.length ? table(rows.map((r) => ({ ...r, cost: formatCents(r.cost_cents) })), ['period', 'metric', 'quantity', 'cost']) : 'no billable usage in the period' };
    }));
}

export function registerDnc(program: Command) {
  const dnc = program.command('dnc').description("the organization's do-not-contact list: a lead whose owner is on it is never routed contactable");
  const contact = (c: Command) => c.requiredOption('--org <org>', 'organization id or slug').option('--phone <phone>', 'a phone number').option('--email <email>', 'an email address');
  contact(dnc.command('add').description('put a phone or email on the list'))
    .option('--reason <text>', 'why (asked not to be called, ...)')
    .option('--json', 'machine-readable output')
    .action(command('dnc add', async (ctx, o: { org: string; phone?: string; email?: string; reason?: string }) => {
      const actor = await ctx.operatorIn(o.org);
      const r = await ctx.c.dnc.add(actor, { phone: o.phone, email: o.email, reason: o.reason });
      return { json: r, text: `${r.display} ${r.added ? 'added to' : 'is already on'} the do-not-contact list (run porchlight route to reroute its leads)` };
    }));
  contact(dnc.command('remove').description('take a phone or email off the list (managers and up)'))
    .option('--json', 'machine-readable output')
    .action(command('dnc remove', async (ctx, o: { org: string; phone?: string; email?: string }) => {
      const actor = await ctx.operatorIn(o.org);
      const r = await ctx.c.dnc.remove(actor, { phone: o.phone, email: o.email });
      return { json: r, text: `removed from the do-not-contact list` };
    }));
  dnc.command('list').description('the list, newest first (values masked)')
    .requiredOption('--org <org>', 'organization id or slug')
    .option('--json', 'machine-readable output')
    .action(command('dnc list', async (ctx, o: { org: string }) => {
      const actor = await ctx.operatorIn(o.org);
      const rows = await ctx.c.dnc.list(actor);
      return { json: rows, text: rows.length ? table(rows, ['kind', 'display', 'reason', 'source', 'created_at']) : 'the do-not-contact list is empty' };
    }));
}
