import type { ReactNode } from 'react';
import { useState } from 'react';
import { api, download, query } from '../api.ts';
import { utcDay as day } from '../form.tsx';
import { useLoad } from '../load.ts';
import { Link, navigate } from '../router.tsx';
import { ErrorState, Loading } from '../ui.tsx';
import { SourceCosts } from './report-entries.tsx';
import { CampaignsView, CostsView, FunnelView, QualityView, RoiView, TeamView, UsageView, type Reports } from './report-views.tsx';

// The numbers: one report at a time over a period (the current month to date unless chosen),
// each from /v1/reports/<name>, the same document `porchlight report <name> --json` prints.

const NAMES = { funnel: 'Funnel', roi: 'ROI by source', costs: 'Spend', quality: 'Quality', usage: 'Usage', team: 'Team', campaigns: 'Campaigns' } as const;
type Name = keyof typeof NAMES;
export const isReport = (n: string): n is Name => n in NAMES;

function presets(today = new Date()) {
  const y = today.getUTCFullYear();
  const m = today.getUTCMonth();
  return [
    { label: 'This month', from: day(new Date(Date.UTC(y, m, 1))), to: day(today) },
    { label: 'Last month', from: day(new Date(Date.UTC(y, m - 1, 1))), to: day(new Date(Date.UTC(y, m, 0))) },
    { label: 'Last 90 days', from: day(new Date(today.getTime() - 89 * 86_400_000)), to: day(today) },
    { label: 'This year', from: `${y}-01-01`, to: day(today) },
  ];
}

function View<N extends Name>({ name, data }: { name: N; data: Reports[N] }): ReactNode {
  const r = data as never;
  switch (name) {
    case 'funnel': return <FunnelView r={r} />;
    case 'roi': return <RoiView r={r} />;
    case 'costs': return <CostsView r={r} />;
    case 'quality': return <QualityView r={r} />;
    case 'usage': return <UsageView r={r} />;
    case 'team': return <TeamView r={r} />;
    default: return <CampaignsView r={r} />;
  }
}

export function ReportsPage({ name, params }: { name: Name; params: URLSearchParams }) {
  const from = params.get('from') ?? '';
  const to = params.get('to') ?? '';
  const report = useLoad(() => api<Reports[Name]>('GET', `/v1/reports/${name}${query({ from, to })}`), [name, from, to]);
  const go = (n: Name, f: string, t: string) => navigate(`/reports/${n}${query({ from: f, to: t })}`);
  const period = report.data?.period as { from: string; to: string } | undefined;
  const [csvError, setCsvError] = useState<Error | null>(null);
  const csv = () => {
    setCsvError(null);
    const f = from || period?.from || '';
    const t = to || period?.to || '';
    download(`/v1/reports/${name}.csv${query({ from: f, to: t })}`, `${name}-${f}-to-${t}.csv`).catch((e: unknown) => setCsvError(e instanceof Error ? e : new Error(String(e))));
  };

  return (
    <section className="reports" aria-label="Reports">
      <nav className="tabs" aria-label="Report">
        {(Object.keys(NAMES) as Name[]).map((n) => <Link key={n} to={`/reports/${n}${query({ from, to })}`} aria-current={n === name ? 'page' : undefined}>{NAMES[n]}</Link>)}
      </nav>
      <form className="filters" onSubmit={(e) => e.preventDefault()} aria-label="Period">
        <label>From <input type="date" value={from || period?.from || ''} onChange={(e) => go(name, e.target.value, to)} /></label>
        <label>To <input type="date" value={to || period?.to || ''} onChange={(e) => go(name, from, e.target.value)} /></label>
        {presets().map((p) => <button key={p.label} type="button" className="secondary" aria-pressed={p.from === (from || period?.from) && p.to === (to || period?.to)}
          onClick={() => go(name, p.from, p.to)}>{p.label}</button>)}
        <button type="button" className="secondary" onClick={csv} disabled={!period}>Download CSV</button>
      </form>
      {csvError ? <ErrorState error={csvError} /> : null}
      <h1>{NAMES[name]}{period ? <span className="note"> {period.from} to {period.to}</span> : null}</h1>
      {report.error ? <ErrorState error={report.error} retry={report.reload} />
        // the last report stays on screen while the next loads, but only under its own name
        : report.data?.report !== name ? <Loading what="the report" />
          : <div aria-busy={report.loading}><View name={name} data={report.data as Reports[Name]} /></div>}
      {name === 'roi' && period && report.data?.report === 'roi'
        ? <SourceCosts from={period.from} to={period.to} changed={report.reload}
          sources={[...new Set((report.data as Reports['roi']).rows.map((r) => r.source))]} /> : null}
    </section>
  );
}
