import { useEffect } from 'react';
import type { EnrichmentService } from '../../../src/domain/enrichment/enrichment.service.ts';
import { api, query, type Answer } from '../api.ts';
import { Bars } from '../charts.tsx';
import { useLoad } from '../load.ts';
import { Link } from '../router.tsx';
import { useSession } from '../session.tsx';
import { DataTable, money, num } from '../table.tsx';
import { Ago, Badge, Empty, ErrorState, Loading } from '../ui.tsx';
import { StartRun } from './enrichment-start.tsx';
import { atLeast } from './settings-form.tsx';

// Enrichment runs: the recent ones, one run step by step (called, found, missed, skipped and
// why, what it cost), followed live while it works; and, for managers, starting one.

type Run = Answer<EnrichmentService['list']>[number];
type Report = Answer<EnrichmentService['report']>;
type Stage = Report['stages'][number];
const LIVE = ['queued', 'running'];
const STEP: Record<string, string> = { append: 'Append', skip_trace: 'Skip trace', verify: 'Verification', score: 'Score' };

export function RunsView({ params }: { params: URLSearchParams }) {
  const { me } = useSession();
  const id = params.get('id');
  const runs = useLoad(() => api<{ data: Run[] }>('GET', '/v1/enrichments'), []);
  const manager = atLeast(me?.role, 'manager');
  return (
    <>
      {id ? <RunDetail key={id} id={id} onChanged={runs.reload} /> : null}
      {manager ? <StartRun onStarted={runs.reload} /> : <p className="note">Managers and above start enrichment runs.</p>}
      <h2>Recent runs</h2>
      {runs.error ? <ErrorState error={runs.error} retry={runs.reload} />
        : !runs.data ? <Loading what="the runs" />
          : !runs.data.data.length ? (
            <Empty title="No enrichment runs yet">
              {manager ? 'Pick the leads above, check what it would cost, and start a run: it finds owners’ phones and e-mails, verifies them and scores the leads.'
                : 'A manager starts runs; they show here with what each step found and cost.'}
            </Empty>
          ) : (
            <DataTable caption="Enrichment runs" rows={runs.data.data} columns={[
              { label: 'Started', value: (r) => <Link to={`/enrichment/runs${query({ id: r.id })}`} aria-current={r.id === id ? 'true' : undefined}><Ago at={r.created_at} /></Link> },
              { label: 'Status', value: (r) => <Badge value={r.status} /> }, { label: 'Leads', value: (r) => num(r.leads_selected), numeric: true },
              { label: 'Spend limit', value: (r) => (r.max_spend_cents === null ? 'none' : money(r.max_spend_cents)), numeric: true },
              { label: 'Finished', value: (r) => (r.finished_at ? <Ago at={r.finished_at} /> : r.resume_at ? <>waits until <Ago at={r.resume_at} /></> : '—') },
              { label: 'Error', value: (r) => r.error ?? '—' },
            ]} />
          )}
    </>
  );
}

const skipped = (s: Stage) => Object.entries(s.skipped).map(([why, n]) => `${why.replaceAll('_', ' ')} ${num(n)}`).join(', ') || '—';

function RunDetail({ id, onChanged }: { id: string; onChanged: () => void }) {
  const report = useLoad(() => api<Report>('GET', `/v1/enrichments/${id}`), [id]);
  const status = report.data?.run.status;
  // followed while it works
  useEffect(() => {
    if (!status || !LIVE.includes(status)) return;
    const t = setTimeout(() => {
      report.reload();
      onChanged();
    }, 1000);
    return () => clearTimeout(t);
  }, [report.data]);
  if (report.error) return <ErrorState error={report.error} retry={report.reload} />;
  if (!report.data) return <Loading what="the run" />;
  const { run, stages } = report.data;
  const paid = stages.filter((s) => s.stage !== 'score');
  const cost = paid.reduce((n, s) => n + s.cost_cents, 0);
  const score = stages.find((s) => s.stage === 'score');
  return (
    <article className="settings-detail" aria-label="Enrichment run">
      <h2>Run of <Ago at={run.created_at} /> <Badge value={run.status} /></h2>
      <p>{num(run.leads_selected)} leads; spent {money(cost)}{run.max_spend_cents !== null ? ` of at most ${money(run.max_spend_cents)}` : ''}
        {score?.became_contactable != null ? `; ${num(score.became_contactable)} became contactable` : ''}.
        {LIVE.includes(run.status) ? ' Working: this page follows it.' : ''}
        {run.status === 'waiting' && run.resume_at ? <> A daily cap was reached: it carries on <Ago at={run.resume_at} />.</> : null}</p>
      {run.error ? <p className="field-error">{run.error}</p> : null}
      {paid.length ? <Bars title="Found by step" rows={paid.map((s) => ({ label: STEP[s.stage] ?? s.stage, value: s.matched, tone: 'b', note: `of ${num(s.called)} called · ${money(s.cost_cents)}` }))} /> : null}
      <DataTable caption="Run by step" rows={stages} empty="No step has started yet." columns={[
        { label: 'Step', value: (s) => STEP[s.stage] ?? s.stage }, { label: 'Leads', value: (s) => num(s.leads), numeric: true },
        { label: 'Called', value: (s) => num(s.called), numeric: true }, { label: 'Found', value: (s) => num(s.matched), numeric: true },
        { label: 'Missed', value: (s) => num(Math.max(0, s.called - s.matched - s.failed)), numeric: true }, { label: 'Failed', value: (s) => num(s.failed), numeric: true },
        { label: 'Phones', value: (s) => num(s.phones_found), numeric: true }, { label: 'E-mails', value: (s) => num(s.emails_found), numeric: true },
        { label: 'Waiting', value: (s) => num(s.deferred + s.pending), numeric: true }, { label: 'Skipped', value: skipped },
        { label: 'Cost', value: (s) => money(s.cost_cents), numeric: true },
      ]} />
      <details>
        <summary>Prices and caps this run used</summary>
        <DataTable caption="Run settings" rows={Object.entries(run.settings.stages)} columns={[
          { label: 'Step', value: ([k]) => STEP[k] ?? k }, { label: 'On', value: ([, s]) => (s.enabled ? 'yes' : 'no') },
          { label: 'Adapter', value: ([, s]) => s.provider ?? 'the environment’s' }, { label: 'Price', value: ([, s]) => money(s.price_cents), numeric: true },
          { label: 'Calls a day', value: ([, s]) => (s.daily_cap === null ? 'no cap' : num(s.daily_cap)), numeric: true },
        ]} />
      </details>
      <Link to="/enrichment/runs">Close</Link>
    </article>
  );
}
