import type { Command } from 'commander';
import { command, table } from '../run.ts';

// porchlight faq: each user's questions and answers for the auto-responder, and a dry run of the matcher.

export function registerFaq(program: Command) {
  const faq = program.command('faq').description('the FAQ auto-responder: questions owners ask and their answers, per user');
  faq.command('add')
    .description('add a question and its answer to a user\'s FAQ')
    .requiredOption('--org <org>', 'organization id or slug')
    .requiredOption('--user <email>', 'whose FAQ (their email)')
    .requiredOption('--question <text>', 'the question as owners ask it')
    .requiredOption('--answer <text>', 'the answer, sent as one text (at most 1,600 characters)')
    .option('--json', 'machine-readable output')
    .action(command('faq add', async (ctx, o: { org: string; user: string; question: string; answer: string }) => {
      const actor = await ctx.operatorIn(o.org);
      const e = await ctx.c.faq.add(actor, { user_email: o.user, question: o.question, answer: o.answer });
      return { json: e, text: `FAQ entry ${e.id} added for ${e.user_email}` };
    }));
  faq.command('list')
    .description('FAQ entries, with how often each was used')
    .requiredOption('--org <org>', 'organization id or slug')
    .option('--user <email>', "one user's entries")
    .option('--json', 'machine-readable output')
    .action(command('faq list', async (ctx, o: { org: string; user?: string }) => {
      const actor = await ctx.operatorIn(o.org);
      const rows = await ctx.c.faq.list(actor, { user_email: o.user });
      return { json: rows, text: rows.length ? table(rows, ['id', 'user_email', 'question', 'answer', 'use_count', 'active']) : 'no FAQ entries yet' };
    }));
  faq.command('remove <id>')
    .description('remove an FAQ entry')
    .requiredOption('--org <org>', 'organization id or slug')
    .option('--json', 'machine-readable output')
    .action(command('faq remove', async (ctx, id: string, o: { org: string }) => {
      const actor = await ctx.operatorIn(o.org);
      const r = await ctx.c.faq.remove(actor, id);
      return { json: r, text: `FAQ entry ${id} removed` };
    }));
  faq.command('test <text>')
    .description('how an inbound text would be matched: the closest entries and whether it would be answered')
    .requiredOption('--org <org>', 'organization id or slug')
    .option('--user <email>', "match against one user's entries (default: the organization's)")
    .option('--json', 'machine-readable output')
    .action(command('faq test', async (ctx, text: string, o: { org: string; user?: string }) => {
      const actor = await ctx.operatorIn(o.org);
      const r = await ctx.c.faq.test(actor, { text, user_email: o.user });
      const verdict = r.confident ? `ANSWERED (score ${r.score!.toFixed(3)}): ${r.answer}`
        : `TO A PERSON: ${r.score === null ? 'no entries to match' : `best score ${r.score.toFixed(3)}${r.runnerUp !== null ? `, runner-up ${r.runnerUp.toFixed(3)}` : ''}`} (threshold ${r.threshold}, margin ${r.margin})`;
      return { json: r, text: `${verdict}${r.enabled ? '' : '\n(the auto-responder is off: nothing would be sent)'}\n\n${table(r.ranked, ['score', 'question', 'id'])}` };
    }));
}
