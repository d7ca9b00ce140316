import type { Command } from 'commander';
import { AppError } from '../../app/errors.ts';
import { formatCents, parseDollars } from '../../domain/money/money.service.ts';
import { command, table } from '../run.ts';

export function registerMoney(program: Command) {
  const budget = program.command('budget').description("the organization's budget: what providers may still be paid");
  budget.command('show')
    .requiredOption('--org <org>', 'organization id or slug')
    .option('--json', 'machine-readable output')
    .action(command('budget show', async (ctx, o: { org: string }) => {
      const b = await ctx.c.money.show(await ctx.operatorIn(o.org));
      const head = b.enforced ? `balance ${formatCents(b.balance_cents!)}` : 'no budget set: spending is not limited (set one with `porchlight budget topup`)';
      const tx = b.transactions.map((t) => ({ ...t, amount: formatCents(t.amount_cents), balance_after: formatCents(t.balance_after_cents) }));
      return {
        json: b,
        text: [head, table(tx as never, ['created_at', 'kind', 'amount', 'balance_after', 'note']),
          b.caps_today.length ? `today: ${b.caps_today.map((c) => `${c.stage} ${c.used}${c.cap === null ? '' : `/${c.cap}`}`).join(', ')}` : ''].filter(Boolean).join('\n'),
      };
    }));
  budget.command('topup')
    .argument('<dollars>', 'the amount, e.g. 250.00')
    .requiredOption('--org <org>', 'organization id or slug')
    .option('--note <text>', 'what it is for')
    .option('--reference <ref>', 'an invoice or payment id: a top-up with the same reference is applied once')
    .option('--json', 'machine-readable output')
    .action(command('budget topup', async (ctx, dollars: string, o: { org: string; note?: string; reference?: string }) => {
      const cents = parseDollars(dollars);
      if (!cents) throw new AppError('VALIDATION', `DOLLARS: "${dollars}" is not a positive amount (e.g. 250.00)`, [{ field: 'dollars', message: 'not an amount' }]);
      const r = await ctx.c.money.topup(await ctx.operatorIn(o.org), { amount_cents: cents, note: o.note, reference: o.reference });
      return { json: r, text: r.applied ? `added ${formatCents(cents)}; balance ${formatCents(r.balance_cents)}` : `reference ${o.reference} was applied before; balance ${formatCents(r.balance_cents)}` };
    }));
  program.command('costs')
    .description('what providers cost, from the ledger: by provider, stage or day')
    .requiredOption('--org <org>', 'organization id or slug')
    .option('--by <what>', 'provider, stage or day', 'provider')
    .option('--from <date>', 'YYYY-MM-DD')
    .option('--to <date>', 'YYYY-MM-DD (inclusive)')
    .option('--json', 'machine-readable output')
    .action(command('costs', async (ctx, o: { org: string; by: string; from?: string; to?: string }) => {
      const r = await ctx.c.money.costs(await ctx.operatorIn(o.org), { by: o.by, from: o.from, to: o.to });
      const rows = r.rows.map((x) => ({ ...x, charged: formatCents(x.charged_cents), in_doubt: formatCents(x.in_doubt_cents), reserved: formatCents(x.pending_cents) }));
      return { json: r, text: `${table(rows as never, ['key', 'calls', 'charged', 'in_doubt', 'reserved', 'void_calls'])}\ntotal ${formatCents(r.total_cents)}` };
    }));
}
