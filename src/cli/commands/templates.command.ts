import fs from 'node:fs';
import type { Command } from 'commander';
import { AppError } from '../../app/errors.ts';
import type { TemplatesService } from '../../domain/outreach/templates.service.ts';
import { command, table } from '../run.ts';

type Template = Awaited<ReturnType<TemplatesService['show']>>;

/** The body from --body or --file (one of them), or undefined when neither is given and neither is required. */
function bodyOf(o: { body?: string; file?: string }, required: boolean): string | undefined {
  if (o.body !== undefined && o.file !== undefined) throw new AppError('VALIDATION', 'give --body or --file, not both', [{ field: 'body', message: 'both given' }]);
  if (o.file !== undefined) {
    try {
      return fs.readFileSync(o.file, 'utf8');
    } catch (e) {
      throw new AppError('VALIDATION', `--file: cannot read ${o.file} (${(e as Error).message})`, [{ field: 'file', message: 'unreadable' }]);
    }
  }
  if (o.body === undefined && required) throw new AppError('VALIDATION', 'give the text with --body TEXT or --file FILE', [{ field: 'body', message: 'required' }]);
  return o.body;
}

const smsLine = (t: Template) =>
  t.sms ? `\nsms: ${t.sms.encoding}, ${t.sms.segments} segment(s) with typical values; ${t.sms.first_touch_segments} as a first text (opt-out line added)` : '';

function describe(t: Template) {
  return [
    `${t.name}  (${t.channel}, ${t.id})`,
    ...(t.subject ? [`subject: ${t.subject}`] : []),
    `fields: ${t.fields.length ? t.fields.join(', ') : '(none)'}`,
    '',
    t.body,
  ].join('\n') + smsLine(t);
}

export function registerTemplates(program: Command) {
  const templates = program.command('templates').description('message templates with merge fields, checked when saved');
  const org = (c: Command) => c.requiredOption('--org <org>', 'organization id or slug').option('--json', 'machine-readable output');

  org(templates.command('create').description('save a template (an unknown merge field is refused, naming its line and column)'))
    .requiredOption('--name <name>', 'unique in the organization')
    .requiredOption('--channel <channel>', 'sms, email or call')
    .option('--body <text>', 'the text, e.g. "Hi {{person.first_name | \\"there\\"}}"')
    .option('--file <file>', 'read the text from a file')
    .option('--subject <subject>', 'email subject (merge fields allowed)')
    .option('--html-file <file>', 'email: an HTML part from a file')
    .action(command('templates create', async (ctx, o: { org: string; name: string; channel: string; body?: string; file?: string; subject?: string; htmlFile?: string }) => {
      const html = o.htmlFile ? bodyOf({ file: o.htmlFile }, true) : undefined;
      const t = await ctx.c.templates.create(await ctx.operatorIn(o.org), { name: o.name, channel: o.channel, body: bodyOf(o, true), subject: o.subject, html });
      return { json: t, text: `saved template ${t.name}\n${describe(t)}` };
    }));

  org(templates.command('update').description('change a template; the result is checked as a whole'))
    .argument('<template>', 'name or id')
    .option('--name <name>', 'a new name')
    .option('--body <text>', 'a new text')
    .option('--file <file>', 'a new text from a file')
    .option('--subject <subject>', 'a new email subject')
    .action(command('templates update', async (ctx, ref: string, o: { org: string; name?: string; body?: string; file?: string; subject?: string }) => {
      const t = await ctx.c.templates.update(await ctx.operatorIn(o.org), ref, { name: o.name, body: bodyOf(o, false), subject: o.subject });
      return { json: t, text: `updated template ${t.name}\n${describe(t)}` };
    }));

  org(templates.command('list').description('the templates, with the segment count of each text'))
    .option('--channel <channel>', 'sms, email or call')
    .action(command('templates list', async (ctx, o: { org: string; channel?: string }) => {
      const r = await ctx.c.templates.list(await ctx.operatorIn(o.org), { channel: o.channel });
      const rows = r.data.map((t) => ({ ...t, encoding: t.sms?.encoding, segments: t.sms?.segments }));
      return { json: r, text: table(rows, ['name', 'channel', 'subject', 'encoding', 'segments', 'fields', 'id']) };
    }));

  org(templates.command('show').description('a template: its text, merge fields and segment count'))
    .argument('<template>', 'name or id')
    .action(command('templates show', async (ctx, ref: string, o: { org: string }) => {
      const t = await ctx.c.templates.show(await ctx.operatorIn(o.org), ref);
      return { json: t, text: describe(t) };
    }));

  org(templates.command('delete').description('delete a template (refused while a campaign uses it)'))
    .argument('<template>', 'name or id')
    .action(command('templates delete', async (ctx, ref: string, o: { org: string }) => {
      const r = await ctx.c.templates.remove(await ctx.operatorIn(o.org), ref);
      return { json: r, text: `deleted template ${r.name}` };
    }));

  org(templates.command('preview').description('the template rendered for a lead, as it would go'))
    .argument('<template>', 'name or id')
    .requiredOption('--lead <id>', 'the lead whose facts fill the merge fields')
    .action(command('templates preview', async (ctx, ref: string, o: { org: string; lead: string }) => {
      const p = await ctx.c.templates.preview(await ctx.operatorIn(o.org), ref, { lead_id: o.lead });
      const sms = p.sms
        ? `\n\n${p.sms.encoding}, ${p.sms.characters} characters, ${p.sms.segments} segment(s)` +
          `\nas a first text (${p.sms.first_touch.segments} segment(s)):\n${p.sms.first_touch.body}`
        : '';
      return { json: p, text: `to ${p.to ?? '(no contact for this channel)'}\n${p.subject ? `subject: ${p.subject}\n` : ''}\n${p.body}${sms}` };
    }));
}
