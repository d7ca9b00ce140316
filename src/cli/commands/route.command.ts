import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import cliProgress from 'cli-progress';
import { AppError } from '../../app/errors.ts';
import type { RouteOutcome } from '../../domain/routing/routing.service.ts';
import type { DncService, ImportProgress } from '../../domain/routing/dnc.service.ts';
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
    .option('--channels <list>', 'only these channels, comma-separated: sms,call,ai_call (a voice opt-out: call,ai_call); every channel when absent')
    .option('--json', 'machine-readable output')
    .action(command('dnc add', async (ctx, o: { org: string; phone?: string; email?: string; reason?: string; channels?: string }) => {
      const actor = await ctx.operatorIn(o.org);
      const r = await ctx.c.dnc.add(actor, { phone: o.phone, email: o.email, reason: o.reason, channels: o.channels?.split(',').map((x) => x.trim()).filter(Boolean) });
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
  dnc.command('import')
    .description("load the organization's own list (a CSV: phone and/or email, reason, source), or with --national a download of the national registry (managers and up)")
    .argument('[file]', 'the CSV of the own list')
    .requiredOption('--org <org>', 'organization id or slug')
    .option('--national <file>', "the registry's flat text file (AAA,NNNNNNN per line; 10 digits or E.164 also taken)")
    .option('--as-of <date>', 'with --national: the day the file was downloaded, YYYY-MM-DD (the 31 days of the scrub run from it)')
    .option('--area-codes <list>', 'with --national: the area codes the file covers, e.g. 512,737 (default: those in it)')
    .option('--source <name>', 'for the own list: where it came from (default: import)')
    .option('--json', 'machine-readable output')
    .action(command('dnc import', async (ctx, file: string | undefined, o: { org: string; national?: string; asOf?: string; areaCodes?: string; source?: string; json?: boolean }) => {
      const actor = await ctx.operatorIn(o.org);
      const name = o.national ?? file;
      if (!name || (o.national && file)) throw new AppError('VALIDATION', 'give the own list as FILE or the registry download as --national FILE (one of them)', [{ field: 'file', message: 'one of FILE or --national' }]);
      if (!o.national && (o.asOf || o.areaCodes)) throw new AppError('VALIDATION', '--as-of and --area-codes go with --national', [{ field: 'as-of', message: 'only with --national' }]);
      if (o.national && o.source) throw new AppError('VALIDATION', '--source goes with the own list, not --national', [{ field: 'source', message: 'not with --national' }]);
      return withFileProgress(name, !o.json, async (body, progress) => {
        if (!o.national) {
          const r = await ctx.c.dnc.importList(actor, { source: o.source }, body, progress);
          return { json: r, text: describeImport(`${r.rows} row(s) read: ${r.added} added to the do-not-contact list, ${r.already_listed} already on it${r.repeated ? `, ${r.repeated} repeated` : ''}`, r.rejected, r.issues) };
        }
        const r = await ctx.c.dnc.importNational(actor, { as_of: o.asOf, area_codes: o.areaCodes, file_name: path.basename(name) }, body, progress);
        return { json: r, text: describeRegistryImport(r) };
      });
    }));
  contact(dnc.command('check').description("where a phone or email stands: the organization's list, the national registry copy, its consents"))
    .option('--json', 'machine-readable output')
    .action(command('dnc check', async (ctx, o: { org: string; phone?: string; email?: string }) => {
      const actor = await ctx.operatorIn(o.org);
      const r = await ctx.c.dnc.check(actor, { phone: o.phone, email: o.email });
      return { json: r, text: describeCheck(r) };
    }));
}

/** Open the file for a load, with a progress bar by bytes on stderr (a terminal, no --json). */
async function withFileProgress<T>(file: string, show: boolean, fn: (body: fs.ReadStream, progress: ImportProgress) => Promise<T>): Promise<T> {
  const size = await fs.promises.stat(file).then((s) => s.size, () => {
    throw new AppError('VALIDATION', `${file} does not exist`, [{ field: 'file', message: 'not found' }]);
  });
  const bar = show && process.stderr.isTTY
    ? new cliProgress.SingleBar({ format: 'loading [{bar}] {percentage}% | {lines} lines | ETA {eta_formatted}', hideCursor: true }, cliProgress.Presets.shades_classic)
    : undefined;
  bar?.start(size, 0, { lines: 0 });
  try {
    return await fn(fs.createReadStream(file), (p) => bar?.update(p.bytes, { lines: p.lines.toLocaleString('en-US') }));
  } finally {
    bar?.stop();
  }
}

function describeImport(head: string, rejected: number, issues: { line: number; reason: string }[]) {
  const lines = [head, `${rejected} line(s) rejected`];
  for (const i of issues.slice(0, 20)) lines.push(`  line ${i.line}: ${i.reason}`);
  if (rejected > 20) lines.push(`  ... and ${rejected - 20} more (--json lists up to ${issues.length})`);
  return lines.join('\n');
}

function describeRegistryImport(r: Awaited<ReturnType<DncService['importNational']>>) {
  const head = [
    `national registry copy as of ${r.as_of} for area code(s) ${r.area_codes.join(', ')} (import ${r.id})`,
    `${r.rows_loaded} of ${r.rows_read} line(s) loaded: ${r.numbers} number(s) on the copy, ${r.numbers_added} added, ${r.numbers_removed} removed since the previous copy`,
  ];
  if (r.stale) head.push('warning: this copy is more than 31 days old; telemarketing to these area codes stays refused (DNC_DATA_STALE) until a fresh one is loaded');
  return describeImport(head.join('\n'), r.rows_rejected, r.issues);
}

function describeCheck(r: Awaited<ReturnType<DncService['check']>>) {
  const own = r.organization_list.listed
    ? `on the organization's do-not-contact list (source ${r.organization_list.source}${r.organization_list.reason ? `, reason: ${r.organization_list.reason}` : ''})`
    : "not on the organization's do-not-contact list";
  const out = [r.contact, own];
  const n = r.national;
  if (n) {
    if (n.area_code === null) out.push('national registry: not a US number, no copy applies (telemarketing is refused: DNC_DATA_STALE)');
    else if (!n.as_of) out.push(`national registry: no copy loaded for area code ${n.area_code} (telemarketing is refused: DNC_DATA_STALE)`);
    else out.push(`national registry: ${n.listed ? 'ON' : 'not on'} the copy for area code ${n.area_code} as of ${n.as_of} (${n.age_days} day(s) old${n.stale ? ', STALE: older than 31 days' : ''})`);
  }
  const c = r.consents;
  out.push(`consents: ${c.live} in force${c.written ? ' (written consent among them)' : ''}, ${c.revoked} revoked`);
  for (const x of c.records) out.push(`  ${x.type} for ${x.scope.join(',')} from ${x.seller_name}, given ${x.captured_at.toISOString().slice(0, 10)}${x.revoked_at ? `, revoked ${x.revoked_at.toISOString().slice(0, 10)} by ${x.revoke_channel}` : ''}`);
  return out.join('\n');
}
