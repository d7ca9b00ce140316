import type { Command } from 'commander';
import { AppError } from '../../app/errors.ts';
import type { AssignResult } from '../../domain/assignment/assignment.service.ts';
import { bars, command, table } from '../run.ts';

// Repeatable, and each may hold a comma-separated list.
const collect = (v: string, prev: string[] = []) => [...prev, ...v.split(',').map((s) => s.trim()).filter(Boolean)];

/** Per user: leads given this run, open leads now, and the load as a chart. */
export function describeAssignment(r: AssignResult) {
  const head = `${r.strategy}: ${r.assigned} lead(s) assigned, ${r.unchanged} unchanged, of ${r.selected} selected`;
  const max = Math.max(0, ...r.agents.map((a) => a.open_leads));
  const chart = r.agents.length ? bars(r.agents.map((a) => ({ label: a.email, value: a.open_leads, note: a.assigned ? `+${a.assigned}` : undefined })), max) : '';
  return [head, '', table(r.agents as never, ['email', 'role', 'assigned', 'open_leads']), '', 'open leads per user (+ this run):', chart].join('\n');
}

export function registerAssign(program: Command) {
  program.command('assign')
    .description('hand leads to users: in bulk by --strategy, or one --lead --to a user')
    .option('--org <org>', 'organization id or slug (required)')
    .option('--strategy <name>', 'round_robin, least_loaded or territory')
    .option('--segment <name>', 'only the leads of this saved segment')
    .option('--status <status>', 'only leads in these statuses (repeatable or comma-separated; default every open status)', collect)
    .option('--unassigned-only', 'hand out only unassigned leads (the default)')
    .option('--reassign', 'hand out assigned leads afresh too')
    .option('--limit <n>', 'at most this many leads, best lead score first')
    .option('--lead <id>', 'one lead, by hand (with --to)')
    .option('--to <user>', 'the user (email or id) for --lead, or none to unassign')
    .option('--reason <text>', 'why, for the history of a --lead assignment')
    .option('--json', 'machine-readable output')
    .action(command('assign', async (ctx, o: Record<string, string | string[] | boolean | undefined>) => {
      const actor = await ctx.operatorIn(o.org as string | undefined);
      if (o.lead !== undefined || o.to !== undefined) {
        if (o.lead === undefined || o.to === undefined) throw new AppError('VALIDATION', '--lead and --to go together', [{ field: o.lead ? 'to' : 'lead', message: 'required' }]);
        const r = await ctx.c.assignment.assignLead(actor, { lead_id: o.lead, to: o.to, reason: o.reason });
        return { json: r, text: r.changed ? `lead ${r.lead_id} assigned to ${r.to_email ?? 'nobody'}` : `lead ${r.lead_id} already with ${r.to_email ?? 'nobody'}` };
      }
      if (o.reassign && o.unassignedOnly) throw new AppError('VALIDATION', '--reassign and --unassigned-only: choose one', [{ field: 'reassign', message: 'conflicts with --unassigned-only' }]);
      if (o.limit !== undefined && !/^\d+$/.test(o.limit as string)) throw new AppError('VALIDATION', '--limit: a whole number', [{ field: 'limit', message: 'not a whole number' }]);
      const r = await ctx.c.assignment.assign(actor, {
        strategy: o.strategy ?? '(missing: round_robin, least_loaded or territory)', segment: o.segment, status: o.status,
        unassigned_only: !o.reassign, limit: o.limit === undefined ? undefined : Number(o.limit),
      });
      return { json: r, text: describeAssignment(r) };
    }));

  const territories = program.command('territories').description("users' ZIPs and cities, for `assign --strategy territory`");
  const keys = (c: Command) => c
    .requiredOption('--org <org>', 'organization id or slug')
    .requiredOption('--user <user>', 'email or id')
    .option('--zip <zip>', 'a 5-digit ZIP (repeatable or comma-separated)', collect)
    .option('--city <city>', 'a city and state, "Austin, TX" (repeatable)', (v: string, prev: string[] = []) => [...prev, v])
    .option('--json', 'machine-readable output');
  keys(territories.command('set').description('give ZIPs and cities to a user (a territory has one owner)'))
    .action(command('territories set', async (ctx, o: { org: string; user: string; zip?: string[]; city?: string[] }) => {
      const r = await ctx.c.assignment.setTerritories(await ctx.operatorIn(o.org), { user: o.user, zip: o.zip, city: o.city });
      return { json: r, text: `${r.email}: ${[...r.added.map((t) => `added ${t}`), ...r.kept.map((t) => `already had ${t}`)].join('; ')}` };
    }));
  keys(territories.command('remove').description("take ZIPs and cities from a user's territory"))
    .action(command('territories remove', async (ctx, o: { org: string; user: string; zip?: string[]; city?: string[] }) => {
      const r = await ctx.c.assignment.removeTerritories(await ctx.operatorIn(o.org), { user: o.user, zip: o.zip, city: o.city });
      return { json: r, text: `${r.email}: removed ${r.removed.join(', ')}` };
    }));
  territories.command('list')
    .description('territories and their owners')
    .requiredOption('--org <org>', 'organization id or slug')
    .option('--user <user>', "only this user's (email or id)")
    .option('--json', 'machine-readable output')
    .action(command('territories list', async (ctx, o: { org: string; user?: string }) => {
      const r = await ctx.c.assignment.listTerritories(await ctx.operatorIn(o.org), { user: o.user });
      return { json: r, text: table(r.data, ['email', 'kind', 'value', 'state', 'is_active']) };
    }));
}
