import fs from 'node:fs';
import type { Command } from 'commander';
import { csvLines } from '../../domain/ingest/csv-safe.ts';
import { EXPORT_COLUMNS } from '../../domain/leads/export-leads.ts';
import { command, table } from '../run.ts';

export function registerIdentity(program: Command) {
  const leads = program.commands.find((c) => c.name() === 'leads')!;
  leads.command('merge')
    .description('merge lead B into lead A: A keeps its values and takes B\'s empty-field values, phones, emails and tags; B is deleted softly')
    .argument('<a>', 'the lead that stays')
    .argument('<b>', 'the lead merged into it')
    .requiredOption('--org <org>', 'organization id or slug')
    .option('--json', 'machine-readable output')
    .action(command('leads merge', async (ctx, a: string, b: string, o: { org: string }) => {
      const r = await ctx.c.identity.mergeLeads(await ctx.operatorIn(o.org), a, b);
      return { json: r, text: `merged ${r.merged_id} into ${r.survivor_id} (${r.contact_points_moved} phones/emails moved)` };
    }));

  const identity = program.command('identity').description('records that are, or may be, the same parcel');
  identity.command('conflicts')
    .description('rows whose keys (address, APN, MAK, vendor id) named two different existing parcels')
    .requiredOption('--org <org>', 'organization id or slug')
    .option('--limit <n>', 'at most this many', '100')
    .option('--json', 'machine-readable output')
    .action(command('identity conflicts', async (ctx, o: { org: string; limit: string }) => {
      const rows = await ctx.c.identity.listConflicts(await ctx.operatorIn(o.org), Number(o.limit));
      const text = rows.length === 0 ? 'no open identity conflicts' : rows.map((r) => [
        `conflict ${r.id}${r.import_id ? ` (import ${r.import_id}, line ${r.line})` : ''}: landed on ${r.property_id}`,
        ...Object.entries(r.matches).map(([key, pid]) => {
          const parcel = r.parcels?.find((p) => p.id === pid);
          const leads = parcel?.leads.map((l) => `${l.id} ${l.owner ?? ''}`.trim()).join('; ') || 'no leads';
          return `  ${key.padEnd(16)} → ${pid}  ${parcel?.address ?? ''}  [${leads}]`;
        }),
      ].join('\n')).join('\n\n') + '\n\nmerge two leads: porchlight leads merge A B --org ORG; or dismiss: porchlight identity dismiss ID --org ORG';
      return { json: rows, text };
    }));
  identity.command('dismiss')
    .description('close a conflict without merging (the records are different parcels)')
    .argument('<id>', 'conflict id')
    .requiredOption('--org <org>', 'organization id or slug')
    .option('--json', 'machine-readable output')
    .action(command('identity dismiss', async (ctx, id: string, o: { org: string }) => {
      const r = await ctx.c.identity.dismissConflict(await ctx.operatorIn(o.org), id);
      return { json: r, text: `conflict ${id} dismissed` };
    }));

  const exp = program.command('export').description('take data out (every export is recorded in the audit log)');
  exp.command('leads')
    .description('leads with owner, parcel, phones and emails, as CSV or JSON')
    .requiredOption('--org <org>', 'organization id or slug')
    .option('--status <statuses>', 'comma-separated statuses')
    .option('--tier <tiers>', 'hot, warm, cold (comma-separated)')
    .option('--tag <tags>', 'leads with all of these tags')
    .option('--zip <zips>', 'comma-separated ZIPs')
    .option('--source <source>', 'where the leads came from')
    .option('--format <format>', 'csv or json', 'csv')
    .option('--out <file>', 'write here instead of standard output')
    .option('--json', 'print the summary as JSON (the data goes to --out or standard output as --format says)')
    .action(command('export leads', async (ctx, o: Record<string, string | undefined>) => {
      const { org, format = 'csv', out, json: _j, ...filter } = o;
      if (format !== 'csv' && format !== 'json') throw new (await import('../../app/errors.ts')).AppError('VALIDATION', '--format: csv or json', [{ field: 'format', message: 'csv or json' }]);
      const sink = out ? fs.createWriteStream(out) : process.stdout;
      const write = (s: string) => new Promise<void>((res, rej) => (sink.write(s, (e) => (e ? rej(e) : res()))));
      let count = 0;
      const pages = ctx.c.exportLeads(await ctx.operatorIn(org), filter, format);
      if (format === 'json') {
        await write('[');
        for await (const page of pages) for (const row of page) await write(`${count++ ? ',' : ''}\n${JSON.stringify(row)}`);
        await write('\n]\n');
      } else {
        async function* rows() {
          for await (const page of pages) for (const row of page) { count++; yield EXPORT_COLUMNS.map((c) => row[c]); }
        }
        for await (const line of csvLines([...EXPORT_COLUMNS], rows())) await write(line);
      }
      if (out) await new Promise<void>((res) => (sink as fs.WriteStream).end(res));
      const summary = { exported: count, format, out: out ?? null };
      if (!out) { process.stderr.write(`exported ${count} leads\n`); return; }
      return { json: summary, text: `exported ${count} leads to ${out}` };
    }));
}
