import type { Command } from 'commander';
import { AppError } from '../../app/errors.ts';
import type { MessageView } from '../../domain/outreach/messages.repository.ts';
import { command, table } from '../run.ts';

// Messages to leads, the record of messages, the local outbox, and the outreach settings.

const collect = (v: string, prev: string[]) => [...prev, v];
const iso = (d: Date | null | undefined) => (d ? d.toISOString().slice(0, 16).replace('T', ' ') + 'Z' : '');

function verdict(m: MessageView) {
  if (m.status === 'cancelled' && m.decision?.decision === 'deny') return `NOT SENT: the gate refused it (${m.reason})`;
  if (m.status === 'pending' && m.decision?.decision === 'defer') return `DEFERRED until ${iso(m.scheduled_for)}: ${m.reason}`;
  if (m.status === 'pending') return `scheduled for ${iso(m.scheduled_for)}`;
  return `${m.status.toUpperCase()}${m.reason ? `: ${m.reason}` : ''}${m.error ? ` (${m.error})` : ''}`;
}

function describe(m: MessageView) {
  return [
    `${m.channel} ${m.direction} to ${m.to}: ${verdict(m)}`,
    `message ${m.id} (${m.source}, ${m.purpose})${m.lead_id ? `, lead ${m.lead_id}` : ''}`,
    ...(m.decision ? [`gate: ${m.decision.decision}${m.decision.obligations?.length ? ` with ${m.decision.obligations.join(', ')}` : ''}, decision ${m.decision.id}`] : []),
    ...(m.subject ? [`subject: ${m.subject}`] : []),
    '',
    m.body,
  ].join('\n');
}

/** `--set a=b --set prices.sms=2`: values as JSON when they parse (numbers, true, null), else text. */
export function parseSets(sets: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const s of sets) {
    const eq = s.indexOf('=');
    if (eq <= 0) throw new AppError('VALIDATION', `--set ${s}: expected key=value`, [{ field: 'set', message: s }]);
    const path = s.slice(0, eq).trim().split('.');
    const raw = s.slice(eq + 1);
    let value: unknown = raw;
    try {
      value = JSON.parse(raw);
    } catch {
      // plain text: a name, an address
    }
    let node = out;
    for (const k of path.slice(0, -1)) node = (node[k] ??= {}) as Record<string, unknown>;
    node[path.at(-1)!] = value;
  }
  return out;
}

export function registerMessages(program: Command) {
  const messages = program.command('messages').description('texts and emails to leads, through the compliance gate');
  const org = (c: Command) => c.requiredOption('--org <org>', 'organization id or slug').option('--json', 'machine-readable output');
  const what = (c: Command) => org(c)
    .requiredOption('--lead <id>', 'the lead')
    .requiredOption('--channel <channel>', 'sms or email')
    .option('--template <name>', 'a saved template')
    .option('--body <text>', 'the text instead of a template (merge fields allowed)')
    .option('--subject <subject>', 'with --body, for an email')
    .option('--purpose <purpose>', 'marketing or informational', 'marketing')
    .option('--key <key>', 'an idempotency key: the same key sends once');
  type What = { org: string; lead: string; channel: string; template?: string; body?: string; subject?: string; purpose: string; key?: string; at?: string };
  const request = (o: What) => ({ lead_id: o.lead, channel: o.channel, template: o.template, body: o.body, subject: o.subject, purpose: o.purpose, idempotency_key: o.key, ...(o.at === undefined ? {} : { at: o.at }) });

  what(messages.command('send').description('send now: the answer says whether the gate let it go, and why not'))
    .action(command('messages send', async (ctx, o: What) => {
      const m = await ctx.c.messages.send(await ctx.operatorIn(o.org), request(o));
      return { json: m, text: describe(m) };
    }));

  what(messages.command('schedule').description('send at a set time (the worker sends it when due, through the gate)'))
    .requiredOption('--at <iso>', 'when, ISO 8601 with an offset')
    .action(command('messages schedule', async (ctx, o: What) => {
      const m = await ctx.c.messages.schedule(await ctx.operatorIn(o.org), request(o));
      return { json: m, text: describe(m) };
    }));

  org(messages.command('cancel').description('cancel a message still pending'))
    .argument('<id>', 'message id')
    .action(command('messages cancel', async (ctx, id: string, o: { org: string }) => {
      const m = await ctx.c.messages.cancel(await ctx.operatorIn(o.org), id);
      return { json: m, text: `cancelled message ${m.id}` };
    }));

  org(messages.command('list').description('messages, newest first'))
    .option('--lead <id>', 'of one lead').option('--channel <channel>', 'sms, email, call or ai_call')
    .option('--direction <d>', 'outbound or inbound').option('--status <status>', 'pending, sent, cancelled ...')
    .option('--source <source>', 'manual, scheduled, campaign, sequence ...').option('--campaign <id>', 'of one campaign')
    .option('--limit <n>', 'how many', '50').option('--cursor <cursor>', 'next_cursor of the previous page')
    .action(command('messages list', async (ctx, o: Record<string, string | undefined>) => {
      const r = await ctx.c.messages.list(await ctx.operatorIn(o.org), {
        lead: o.lead, channel: o.channel, direction: o.direction, status: o.status, source: o.source, campaign: o.campaign, limit: o.limit, cursor: o.cursor,
      });
      const more = r.next_cursor ? `\nmore: --cursor ${r.next_cursor}` : '';
      return { json: r, text: table(r.data, ['created_at', 'channel', 'direction', 'status', 'source', 'to', 'reason', 'preview', 'id']) + more };
    }));

  org(messages.command('show').description('a message with the decision the gate made about it'))
    .argument('<id>', 'message id')
    .action(command('messages show', async (ctx, id: string, o: { org: string }) => {
      const m = await ctx.c.messages.show(await ctx.operatorIn(o.org), id);
      return { json: m, text: describe(m) };
    }));

  org(messages.command('outbox').description('what the local channel adapters wrote instead of sending'))
    .option('--channel <channel>', 'sms, email, call or ai_call').option('--limit <n>', 'how many', '20').option('--cursor <cursor>', 'next page')
    .action(command('messages outbox', async (ctx, o: { org: string; channel?: string; limit: string; cursor?: string }) => {
      const r = await ctx.c.messages.outbox(await ctx.operatorIn(o.org), { channel: o.channel, limit: o.limit, cursor: o.cursor });
      const text = r.data.length
        ? r.data.map((m) => `--- ${iso(m.created_at)} ${m.channel} to ${m.to} from ${m.from ?? ''}${m.subject ? `\nsubject: ${m.subject}` : ''}\n${m.body}`).join('\n\n')
        : 'the outbox is empty';
      return { json: r, text };
    }));
}

export function registerOutreach(program: Command) {
  const outreach = program.command('outreach').description("the organization's outreach settings");
  outreach.command('settings')
    .description('show the settings, or change some: --set sender_name="Acme Roofing" --set prices.sms=2 (admins and owners)')
    .requiredOption('--org <org>', 'organization id or slug')
    .option('--set <key=value>', 'a setting to change; repeat for more', collect, [] as string[])
    .option('--json', 'machine-readable output')
    .action(command('outreach settings', async (ctx, o: { org: string; set: string[] }) => {
      const actor = await ctx.operatorIn(o.org);
      const s = o.set.length ? await ctx.c.messages.updateSettings(actor, parseSets(o.set)) : await ctx.c.messages.settings(actor);
      const text = Object.entries(s).map(([k, v]) => `${k}: ${v !== null && typeof v === 'object' ? JSON.stringify(v) : (v ?? '-')}`).join('\n');
      return { json: s, text };
    }));
}
