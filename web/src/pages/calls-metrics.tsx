import type { TenancyService } from '../../../src/domain/tenancy/tenancy.service.ts';
import type { VoiceMetrics as MetricsService } from '../../../src/domain/voice/metrics.ts';
import { api, query, type Answer } from '../api.ts';
import { Bars, Columns } from '../charts.tsx';
import { Outcome, useAction } from '../form.tsx';
import { useLoad } from '../load.ts';
import { navigate } from '../router.tsx';
import { DataTable, money, num, pct } from '../table.tsx';
import { Empty, ErrorState, Loading } from '../ui.tsx';

// The daily voice metrics over a period: calls a day as columns, how they ended as bars, and
// every figure in the tables under them (by day, by person). The figures are kept per user and
// day by a job every few minutes; "Recompute" brings the period up to date now.

type Metrics = Answer<MetricsService['list']>;
type Row = Metrics['rows'][number];
type Users = { data: Answer<TenancyService['listUsers']> };

const day = (d: Date) => `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
const daysAgo = (n: number) => day(new Date(Date.now() - n * 86_400_000));
const PRESETS = [{ label: 'Last 7 days', days: 6 }, { label: 'Last 30 days', days: 29 }, { label: 'Last 90 days', days: 89 }];
const OUTCOMES: [string, string][] = [['scheduled', 'scheduled'], ['callback', 'call back'], ['rejected', 'rejected'], ['no_answer', 'no answer'],
  ['voicemail', 'voicemail'], ['opt_out', 'opted out'], ['failed', 'failed']];

/** Every day from..to (at most a year), for a time axis without gaps. */
function daysOf(from: string, to: string) {
  const out: string[] = [];
  for (let d = new Date(`${from}T00:00:00Z`); out.length < 367 && d.toISOString().slice(0, 10) <= to; d = new Date(d.getTime() + 86_400_000)) out.push(d.toISOString().slice(0, 10));
  return out;
}

interface Sum { key: string; calls: number; connects: number; bookings: number; talk_minutes: number; cost_cents: number }
function sums(rows: Row[], keyOf: (r: Row) => string, keys: string[] = []) {
  const m = new Map<string, Sum>(keys.map((k) => [k, { key: k, calls: 0, connects: 0, bookings: 0, talk_minutes: 0, cost_cents: 0 }]));
  for (const r of rows) {
    const k = keyOf(r);
    const s = m.get(k) ?? { key: k, calls: 0, connects: 0, bookings: 0, talk_minutes: 0, cost_cents: 0 };
    s.calls += r.calls;
    s.connects += r.connects;
    s.bookings += r.bookings;
    s.talk_minutes += r.talk_minutes;
    s.cost_cents += r.cost_cents;
    m.set(k, s);
  }
  return [...m.values()];
}

const sumColumns = (first: string) => [
  { label: first, value: (s: Sum) => s.key }, { label: 'Calls', value: (s: Sum) => num(s.calls), numeric: true },
  { label: 'Connected', value: (s: Sum) => num(s.connects), numeric: true }, { label: 'Connect rate', value: (s: Sum) => (s.calls ? pct(s.connects / s.calls) : '—'), numeric: true },
  { label: 'Booked', value: (s: Sum) => num(s.bookings), numeric: true }, { label: 'Talk minutes', value: (s: Sum) => num(s.talk_minutes), numeric: true },
  { label: 'Cost', value: (s: Sum) => money(s.cost_cents), numeric: true },
];

export function VoiceMetrics({ params }: { params: URLSearchParams }) {
  const from = params.get('from') || daysAgo(29);
  const to = params.get('to') || daysAgo(0);
  const user = params.get('user') ?? '';
  const metrics = useLoad(() => api<Metrics>('GET', `/v1/voice/metrics${query({ from, to, user })}`), [from, to, user]);
  const users = useLoad(() => api<Users>('GET', '/v1/users'), []);
  const act = useAction();
  const go = (next: Record<string, string>) => navigate(`/calls${query({ tab: 'metrics', from, to, user, ...next })}`);
  const recompute = () => act.run(() => api<{ rows: number; removed: number }>('POST', '/v1/voice/metrics/recompute', { from, to }),
    (r) => `Recomputed: ${num(r.rows)} ${r.rows === 1 ? 'row' : 'rows'} of a person's day.`).then(() => metrics.reload());

  // the figures of another period are not shown under this one's dates while it loads
  const m = metrics.data && metrics.data.from === from && metrics.data.to === to ? metrics.data : undefined;
  const rows = m?.rows ?? [];
  const t = m?.totals;
  const byDay = m ? sums(rows, (r) => r.day, daysOf(m.from, m.to)) : [];
  const byPerson = sums(rows, (r) => r.user_name ?? 'AI agent (no user)');

  return (
    <div className="cc-panel">
      <h1>Voice metrics</h1>
      <form className="filters" aria-label="Period" onSubmit={(e) => e.preventDefault()}>
        <label>From <input type="date" value={from} onChange={(e) => go({ from: e.target.value })} /></label>
        <label>To <input type="date" value={to} onChange={(e) => go({ to: e.target.value })} /></label>
        <label>Person
          <select value={user} onChange={(e) => go({ user: e.target.value })}>
            <option value="">everyone</option>
            {(users.data?.data ?? []).map((u) => <option key={u.id} value={u.id}>{u.full_name ?? u.email}</option>)}
          </select>
        </label>
        {PRESETS.map((p) => <button key={p.label} type="button" className="secondary" aria-pressed={from === daysAgo(p.days) && to === daysAgo(0)} onClick={() => go({ from: daysAgo(p.days), to: daysAgo(0) })}>{p.label}</button>)}
        <button type="button" className="secondary" disabled={act.busy} onClick={() => void recompute()}>Recompute now</button>
      </form>
      <Outcome action={act} />
      {metrics.error ? <ErrorState error={metrics.error} retry={metrics.reload} />
        : !m ? <Loading what="the metrics" />
          : !t ? (
            <Empty title="No calls in this period">
              <p>Calls placed, taken or logged count here a few minutes after they end. Pick a longer period, or <button type="button" className="link" onClick={() => void recompute()}>recompute it now</button>.</p>
            </Empty>
          ) : (
            <div aria-busy={metrics.loading}>
              <p>{num(t.calls)} {t.calls === 1 ? 'call' : 'calls'} from {m.from} to {m.to}: {num(t.connects)} connected ({pct(t.connect_rate)}), {num(t.bookings)} booked ({pct(t.booking_rate)} of those connected),
                {' '}{num(t.talk_minutes)} talk minutes, {money(t.cost_cents)}.</p>
              <h3>Calls by day</h3>
              <Columns title="Calls by day" points={byDay.map((d) => ({ day: d.key, value: d.calls }))} />
              <h3>How they ended</h3>
              <Bars title="Outcomes" rows={OUTCOMES.map(([k, label]) => ({ label, value: t.outcomes[k] ?? 0, tone: k === 'scheduled' ? 'b' : k === 'opt_out' || k === 'failed' ? 'c' : 'a' }))} />
              <DataTable caption="Outcomes" rows={OUTCOMES} columns={[
                { label: 'Outcome', value: ([, label]) => label }, { label: 'Calls', value: ([k]) => num(t.outcomes[k] ?? 0), numeric: true },
                { label: 'Share', value: ([k]) => pct((t.outcomes[k] ?? 0) / t.calls), numeric: true },
              ]} />
              <h3>By day</h3>
              <DataTable caption="By day" rows={byDay.filter((d) => d.calls)} columns={sumColumns('Day')} />
              <h3>By person</h3>
              <DataTable caption="By person" rows={byPerson} columns={sumColumns('Person')} />
            </div>
          )}
    </div>
  );
}
