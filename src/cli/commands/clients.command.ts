import fs from 'node:fs';
import type { Command } from 'commander';
import { bars, command, count, parseJsonOption, stepProgress, table } from '../run.ts';

// porchlight clients | mls | pipeline: the people nudges are for, the market's listing events,
// and the run that turns events into drafted nudges.

const list = (v: string | undefined) => v?.split(',').map((s) => s.trim()).filter(Boolean);

export function registerClients(program: Command) {
  const clients = program.command('clients').description("clients: people with a relationship to a user, with notes and what they're looking for");
  clients.command('add')
    .description('add a client (again with the same e-mail or phone: updates them)')
    .requiredOption('--org <org>', 'organization id or slug')
    .requiredOption('--name <name>', 'full name')
    .option('--user <email>', 'whose client (default: the organization owner acting)')
    .option('--email <email>').option('--phone <phone>')
    .option('--notes <text>', 'what you know: they are matched to listings by meaning')
    .option('--tags <a,b>', 'your tags, comma-separated')
    .option('--prefs <json>', 'what they want: {"price_min":350000,"price_max":500000,"beds":3,"baths":2,"areas":["78704","austin"],"property_types":["condo"],"timeline":"3_months"}')
    .option('--timezone <zone>', 'IANA zone, like America/Chicago (default: their user\'s)')
    .option('--json', 'machine-readable output')
    .action(command('clients add', async (ctx, o: { org: string; user?: string; name: string; email?: string; phone?: string; notes?: string; tags?: string; prefs?: string; timezone?: string }) => {
      const actor = await ctx.operatorIn(o.org);
      const c = await ctx.c.nudges.clients.add(actor, {
        name: o.name, email: o.email, phone: o.phone, notes: o.notes, tags: list(o.tags), prefs: parseJsonOption('prefs', o.prefs), timezone: o.timezone, user_email: o.user,
      });
      return { json: c, text: `client ${c.id} ${c.created ? 'added' : 'updated'}: ${c.name} (${c.user_email})` };
    }));
  clients.command('import <file>')
    .description('import clients from CSV: name (or first_name, last_name), email, phone, notes, tags, price_min, price_max, beds, baths, areas, property_types, timeline, timezone, user_email')
    .requiredOption('--org <org>', 'organization id or slug')
    .option('--user <email>', 'whose clients, for lines without a user_email')
    .option('--json', 'machine-readable output')
    .action(command('clients import', async (ctx, file: string, o: { org: string; user?: string; json?: boolean }) => {
      const actor = await ctx.operatorIn(o.org);
      const progress = stepProgress(!o.json, 'rows');
      const size = fs.statSync(file).size;
      const r = await ctx.c.nudges.clients.import(actor, fs.createReadStream(file), {
        user_email: o.user, onProgress: (rows) => progress.update('importing', rows, Math.max(rows, Math.round(size / 120))),
      });
      progress.stop();
      const lines = [`${r.rows} rows: ${r.created} added, ${r.updated} updated, ${r.unchanged} unchanged, ${r.rejected} rejected; ${r.embedded} notes embedded`];
      for (const e of r.errors.slice(0, 20)) lines.push(`  line ${e.line}: ${e.field}: ${e.message}`);
      if (r.rejected) process.exitCode = 3;
      return { json: r, text: lines.join('\n') };
    }));
  clients.command('list')
    .description('clients, newest first')
    .requiredOption('--org <org>', 'organization id or slug')
    .option('--user <email>', "one user's clients").option('--tag <tag>').option('--search <text>', 'in names and notes')
    .option('--limit <n>', 'how many', '50').option('--cursor <c>', 'the next page (next_cursor of the last)')
    .option('--json', 'machine-readable output')
    .action(command('clients list', async (ctx, o: { org: string; user?: string; tag?: string; search?: string; limit: string; cursor?: string }) => {
      const actor = await ctx.operatorIn(o.org);
      const r = await ctx.c.nudges.clients.list(actor, { user_email: o.user, tag: o.tag, search: o.search, limit: count('limit', o.limit), cursor: o.cursor });
      const rows = r.data.map((c) => ({ ...c, tags: c.tags.join(','), areas: c.areas.join(','), price: c.price_min || c.price_max ? `${c.price_min ?? ''}-${c.price_max ?? ''}` : '' }));
      return { json: r, text: rows.length ? `${table(rows, ['id', 'name', 'user_email', 'tags', 'areas', 'price', 'beds', 'timeline', 'notes_preview'])}${r.next_cursor ? `\nmore: --cursor ${r.next_cursor}` : ''}` : 'no clients' };
    }));
  clients.command('show <id>')
    .description('one client: contacts, preferences, notes')
    .requiredOption('--org <org>', 'organization id or slug')
    .option('--json', 'machine-readable output')
    .action(command('clients show', async (ctx, id: string, o: { org: string }) => {
      const c = await ctx.c.nudges.clients.show(await ctx.operatorIn(o.org), id);
      const text = [
        `${c.name} (${c.id}), client of ${c.user_email}`,
        `contacts: ${c.contacts.map((x) => `${x.kind} ${x.display}`).join(', ') || 'none'}`,
        `wants: price ${c.price_min ?? 'any'}-${c.price_max ?? 'any'}, beds ${c.beds ?? 'any'}+, baths ${c.baths ?? 'any'}+, areas ${c.areas.join(', ') || 'any'}, types ${c.property_types.join(', ') || 'any'}, timeline ${c.timeline ?? '-'}`,
        `tags: ${c.tags.join(', ') || '-'}; AI tags: ${c.ai_tags.join(', ') || '-'}`, `notes: ${c.notes ?? '-'}`, `notes embedded: ${c.embedded ? c.embedding_space : 'no'}`,
        `nudges (${c.nudges.length}${c.dismissed ? `; ${c.dismissed} dismissed` : ''}):`,
        ...c.nudges.map((n) => `  ${n.status.padEnd(9)} ${n.headline}${n.removed ? ' (removed)' : ''}${n.message_status ? ` [message ${n.message_status}]` : ''}`),
      ];
      return { json: c, text: text.join('\n') };
    }));

  program.command('mls').description("the market's listing events (RESO Data Dictionary)")
    .command('import <path>')
    .description('import RESO Property records: a RESO Web API answer ({"value": [...]}), a JSON array or JSON lines; a file or a directory of them')
    .requiredOption('--org <org>', 'organization id or slug')
    .option('--source <name>', 'the feed, for records without SourceSystemID')
    .option('--json', 'machine-readable output')
    .action(command('mls import', async (ctx, target: string, o: { org: string; source?: string; json?: boolean }) => {
      const actor = await ctx.operatorIn(o.org);
      const r = await ctx.c.nudges.mls.importPath(actor, target, o.source ?? null, (file, so) => {
        if (!o.json) process.stderr.write(`${file}: ${so.records} records so far\n`);
      });
      const lines = [`${r.records} records: ${r.inserted} new events, ${r.duplicates} already known, ${r.rejected} rejected`];
      if (Object.keys(r.by_type).length) lines.push(bars(Object.entries(r.by_type).map(([label, value]) => ({ label, value })), Math.max(...Object.values(r.by_type))));
      for (const e of r.errors.slice(0, 20)) lines.push(`  ${e.file ?? ''}${e.line ? `:${e.line}` : ''}: ${e.field}: ${e.message}`);
      if (r.rejected) process.exitCode = 3;
      return { json: r, text: lines.join('\n') };
    }));

  const pipeline = program.command('pipeline').description('the nudge pipeline: MLS events to drafted nudges');
  pipeline.command('run')
    .description('embed new notes and events, fan events out to users by market, match clients and draft nudges (again: nothing twice)')
    .requiredOption('--org <org>', 'organization id or slug')
    .option('--lookback-days <n>', 'how old an MLS event may be and still be news', '30')
    .option('--take-over', 'the run in progress was killed: take over now (otherwise after two minutes without its heartbeat)')
    .option('--json', 'machine-readable output')
    .action(command('pipeline run', async (ctx, o: { org: string; lookbackDays: string; takeOver?: boolean; json?: boolean }) => {
      const actor = await ctx.operatorIn(o.org);
      const progress = stepProgress(!o.json, 'events');
      const r = await ctx.c.nudges.pipeline.run(actor, {
        lookbackDays: count('lookback-days', o.lookbackDays), takeOver: o.takeOver,
        onProgress: (p) => progress.update(p.stage, p.done, p.total ?? p.done),
      });
      progress.stop();
      return { json: r, text: `run ${r.id}: ${r.events_processed} market events processed (${r.market_events_created} new for ${r.user_count} user${r.user_count === 1 ? "" : "s"}), ${r.briefings_created} nudges drafted, ${r.clients_embedded} notes embedded, ${r.errors} errors, ${r.duration_ms} ms` };
    }));
  pipeline.command('runs')
    .description('what each run did: processed, created, errors, how long')
    .requiredOption('--org <org>', 'organization id or slug')
    .option('--json', 'machine-readable output')
    .action(command('pipeline runs', async (ctx, o: { org: string }) => {
      const runs = await ctx.c.nudges.pipeline.runs(await ctx.operatorIn(o.org));
      return { json: runs, text: runs.length ? table(runs as unknown as Record<string, unknown>[], ['id', 'status', 'started_at', 'events_processed', 'market_events_created', 'briefings_created', 'errors', 'duration_ms']) : 'no runs yet' };
    }));
}
