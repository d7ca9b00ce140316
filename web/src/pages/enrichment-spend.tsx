import type { MoneyService } from '../../../src/domain/money/money.service.ts';
import { api, query, type Answer } from '../api.ts';
import { Bars, Columns } from '../charts.tsx';
import { utcDay as day } from '../form.tsx';
import { useLoad } from '../load.ts';
import { Link, navigate } from '../router.tsx';
import { DataTable, money, num } from '../table.tsx';
import { Empty, ErrorState, Loading } from '../ui.tsx';
import type { Budget } from './settings-money.tsx';

// What providers cost, from the cost ledger (GET /v1/costs): the total for a period with what is
// charged, in doubt or still reserved, spend by day as a chart and a table, by provider and by
// stage; and what is left of the budget (GET /v1/budget). Money is cents, shown as dollars.

type Costs = Answer<MoneyService['costs']>;
type Row = Costs['rows'][number];
const spent = (r: Row) => r.charged_cents + r.in_doubt_cents + r.pending_cents;

function presets(today = new Date()) {
  return [
    { label: 'All time', from: '', to: '' },
    { label: 'Last 30 days', from: day(new Date(today.getTime() - 29 * 86_400_000)), to: day(today) },
    { label: 'This month', from: `${day(today).slice(0, 8)}01`, to: day(today) },
  ];
}

/** Every day from the first to the last, the days without spend at zero (at most a year and a bit). */
function everyDay(rows: Row[], from: string, to: string) {
  const by = new Map(rows.map((r) => [r.key, spent(r)]));
  const first = from || rows[0]?.key;
  const last = to || rows.at(-1)?.key;
  if (!first || !last) return [];
  const out: { day: string; value: number }[] = [];
  for (let t = Date.parse(`${first}T00:00:00Z`); t <= Date.parse(`${last}T00:00:00Z`) && out.length < 400; t += 86_400_000) {
    const d = day(new Date(t));
    out.push({ day: d, value: by.get(d) ?? 0 });
  }
  return out;
}

export function SpendView({ params }: { params: URLSearchParams }) {
  const from = params.get('from') ?? '';
  const to = params.get('to') ?? '';
  const costs = useLoad(async () => {
    const [d, p, s] = await Promise.all((['day', 'provider', 'stage'] as const).map((by) => api<Costs>('GET', `/v1/costs${query({ by, from, to })}`)));
    return { day: d!, provider: p!, stage: s! };
  }, [from, to]);
  const budget = useLoad(() => api<Budget>('GET', '/v1/budget'), []);
  const go = (f: string, t: string) => navigate(`/enrichment${query({ from: f, to: t })}`);

  const c = costs.data;
  const sum = (k: 'charged_cents' | 'in_doubt_cents' | 'pending_cents') => (c ? c.day.rows.reduce((n, r) => n + r[k], 0) : 0);
  return (
    <>
      <div className="budget-line" aria-live="polite">
        {budget.error ? <ErrorState error={budget.error} retry={budget.reload} />
          : !budget.data ? <Loading what="the budget" />
            : budget.data.enforced ? <p className="balance">Budget remaining <strong>{money(budget.data.balance_cents)}</strong> <Link to="/settings/budget">Add money</Link></p>
              : <p className="note">No budget is kept: spend is not capped by money. <Link to="/settings/budget">Start one with a top-up</Link>.</p>}
      </div>
      <form className="filters" onSubmit={(e) => e.preventDefault()} aria-label="Period">
        <label>From <input type="date" value={from} onChange={(e) => go(e.target.value, to)} /></label>
        <label>To <input type="date" value={to} onChange={(e) => go(from, e.target.value)} /></label>
        {presets().map((p) => <button key={p.label} type="button" className="secondary" aria-pressed={p.from === from && p.to === to} onClick={() => go(p.from, p.to)}>{p.label}</button>)}
      </form>
      {costs.error ? <ErrorState error={costs.error} retry={costs.reload} />
        : !c ? <Loading what="the costs" />
          : !c.day.rows.length ? (
            <Empty title={from || to ? 'Nothing spent in this period' : 'Nothing spent yet'}>
              <p>Providers cost money when an <Link to="/enrichment/runs">enrichment run</Link> looks up owners’ phones and e-mails or a <Link to="/enrichment/pulls">vendor pull</Link> brings in a list. Start one, and what each call cost shows here.</p>
            </Empty>
          ) : (
            <div aria-busy={costs.loading}>
              <p className="spend-total">Spent <strong>{money(c.day.total_cents)}</strong>{from || to ? ` from ${from || 'the start'} to ${to || 'today'}` : ' in all'}: {money(sum('charged_cents'))} charged, {money(sum('in_doubt_cents'))} in doubt
                {' '}(a call cut short that the vendor may have billed), {money(sum('pending_cents'))} reserved for calls under way; {num(c.day.rows.reduce((n, r) => n + r.calls, 0))} calls.</p>
              <h2>Spend by day</h2>
              <Columns title="Spend by day" unit="cents" points={everyDay(c.day.rows, from, to)} />
              <DataTable caption="Spend by day" rows={[...c.day.rows].reverse()} columns={[
                { label: 'Day', value: (r) => r.key }, { label: 'Calls', value: (r) => num(r.calls), numeric: true },
                { label: 'Charged', value: (r) => money(r.charged_cents), numeric: true }, { label: 'In doubt', value: (r) => money(r.in_doubt_cents), numeric: true },
                { label: 'Reserved', value: (r) => money(r.pending_cents), numeric: true }, { label: 'Spent', value: (r) => money(spent(r)), numeric: true },
              ]} />
              <h2>By provider</h2>
              <Bars title="Spend by provider" unit="cents" rows={c.provider.rows.map((r) => ({ label: r.key, value: spent(r), note: `${num(r.calls)} calls` }))} />
              <DataTable caption="Spend by provider" rows={c.provider.rows} columns={[
                { label: 'Provider', value: (r) => r.key }, { label: 'Calls', value: (r) => num(r.calls), numeric: true },
                { label: 'Void (not billed)', value: (r) => num(r.void_calls), numeric: true }, { label: 'Spent', value: (r) => money(spent(r)), numeric: true },
              ]} />
              <h2>By step</h2>
              <DataTable caption="Spend by step" rows={c.stage.rows} columns={[
                { label: 'Step', value: (r) => r.key.replaceAll('_', ' ') }, { label: 'Calls', value: (r) => num(r.calls), numeric: true },
                { label: 'Charged', value: (r) => money(r.charged_cents), numeric: true }, { label: 'Spent', value: (r) => money(spent(r)), numeric: true },
              ]} />
            </div>
          )}
    </>
  );
}
