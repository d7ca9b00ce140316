import { useEffect, useState, type FormEvent } from 'react';
import type { PullRun } from '../../../src/domain/pulls/pull.service.ts';
import { api, query, type Json } from '../api.ts';
import { Field, fieldError, Outcome, useAction } from '../form.tsx';
import { useLoad } from '../load.ts';
import { Link, navigate } from '../router.tsx';
import { useSession } from '../session.tsx';
import { DataTable, money, num } from '../table.tsx';
import { Ago, Badge, Empty, ErrorState, Loading } from '../ui.tsx';
import { atLeast } from './settings-form.tsx';
import type { Providers } from './settings-money.tsx';

// Vendor pulls: a property search paged through a vendor, each page merged into the leads as an
// import would, stopping at the first record an earlier pull of the same search saw. The recent
// pulls, one followed live, and (managers) starting one.

type Pull = Omit<Json<PullRun>, 'query_sig'> & { query_sig: string; resumed?: boolean };
interface Query { zip_codes?: string[]; area?: { type: string; value: string } }
const STOP: Record<string, string> = { known_record: 'reached records seen before', end_of_results: 'end of the results', max_pages: 'page limit' };
const where = (q: unknown) => {
  const x = q as Query;
  return x.zip_codes?.length ? `ZIP ${x.zip_codes.join(', ')}` : x.area ? `${x.area.type.replace('_', ' ')} ${x.area.value}` : '—';
};

export function PullsView({ params }: { params: URLSearchParams }) {
  const { me } = useSession();
  const id = params.get('id');
  const pulls = useLoad(() => api<{ data: Pull[] }>('GET', '/v1/pulls'), []);
  const manager = atLeast(me?.role, 'manager');
  return (
    <>
      {id ? <PullDetail key={id} id={id} onChanged={pulls.reload} /> : null}
      {manager ? <StartPull onStarted={pulls.reload} /> : <p className="note">Managers and above start pulls.</p>}
      <h2>Recent pulls</h2>
      {pulls.error ? <ErrorState error={pulls.error} retry={pulls.reload} />
        : !pulls.data ? <Loading what="the pulls" />
          : !pulls.data.data.length ? (
            <Empty title="No pulls yet">{manager ? 'Name the ZIP codes or the area above and pull: new owners arrive as leads, and a pull of the same search later brings only what is new.' : 'A manager starts pulls; they show here.'}</Empty>
          ) : (
            <DataTable caption="Vendor pulls" rows={pulls.data.data} columns={[
              { label: 'Started', value: (p) => <Link to={`/enrichment/pulls${query({ id: p.id })}`} aria-current={p.id === id ? 'true' : undefined}><Ago at={p.created_at} /></Link> },
              { label: 'Vendor', value: (p) => p.source }, { label: 'Search', value: (p) => where(p.query) }, { label: 'Status', value: (p) => <Badge value={p.status} /> },
              { label: 'Pages', value: (p) => num(p.pages_fetched), numeric: true }, { label: 'Records', value: (p) => num(p.records), numeric: true },
              { label: 'New', value: (p) => num(p.new_records), numeric: true }, { label: 'Cost', value: (p) => money(p.cost_cents), numeric: true },
            ]} />
          )}
    </>
  );
}

function PullDetail({ id, onChanged }: { id: string; onChanged: () => void }) {
  const pull = useLoad(() => api<Pull>('GET', `/v1/pulls/${id}`), [id]);
  useEffect(() => {
    if (pull.data?.status !== 'running') return;
    const t = setTimeout(() => {
      pull.reload();
      onChanged();
    }, 1000);
    return () => clearTimeout(t);
  }, [pull.data]);
  if (pull.error) return <ErrorState error={pull.error} retry={pull.reload} />;
  if (!pull.data) return <Loading what="the pull" />;
  const p = pull.data;
  return (
    <article className="settings-detail" aria-label="Vendor pull">
      <h2>Pull from {p.source}, <Ago at={p.created_at} /> <Badge value={p.status} /></h2>
      <dl className="facts">
        <dt>Search</dt><dd>{where(p.query)}</dd>
        <dt>Pages</dt><dd>{num(p.pages_fetched)}{p.max_pages ? ` of at most ${num(p.max_pages)}` : ''}, {num(p.page_size)} records a page</dd>
        <dt>Records</dt><dd>{num(p.records)}: {num(p.new_records)} new, {num(p.known_records)} known{p.total_available != null ? ` (the vendor has ${num(p.total_available)})` : ''}</dd>
        <dt>Cost</dt><dd>{money(p.cost_cents)}</dd>
        <dt>Stopped</dt><dd>{p.stop_reason ? STOP[p.stop_reason] ?? p.stop_reason : p.status === 'running' ? 'still pulling: this page follows it' : '—'}</dd>
      </dl>
      {p.error ? <p className="field-error">{p.error}</p> : null}
      <p><Link to={`/leads${query({ source: p.source })}`}>See the leads from {p.source}</Link> · <Link to="/enrichment/pulls">Close</Link></p>
    </article>
  );
}

function StartPull({ onStarted }: { onStarted: () => void }) {
  const providers = useLoad(() => api<Providers>('GET', '/v1/providers'), []);
  const search = providers.data?.data.find((p) => p.port === 'property_search');
  const [f, setF] = useState({ source: '', zips: '', areaType: 'city', area: '', pageSize: '100', maxPages: '', resume: false });
  const set = (k: keyof typeof f, v: string | boolean) => setF((x) => ({ ...x, [k]: v }));
  const start = useAction();
  const source = f.source || search?.selected || 'local';
  const resumeError = fieldError(start.error, 'resume');
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const zips = f.zips.split(/[\s,]+/).filter(Boolean);
    const q = zips.length ? { zip_codes: zips } : f.area.trim() ? { area: { type: f.areaType, value: f.area.trim() } } : {};
    const n = (s: string) => (Number.isFinite(Number(s)) ? Number(s) : s);
    void start.run(() => api<Pull>('POST', '/v1/pulls', {
      source, query: q, page_size: n(f.pageSize), ...(f.maxPages.trim() ? { max_pages: n(f.maxPages) } : {}), ...(f.resume ? { resume: true } : {}),
    }), (p) => {
      onStarted();
      navigate(`/enrichment/pulls${query({ id: p.id })}`);
      return p.resumed ? 'Carrying on with the earlier pull of this search.' : 'Pulling: new owners arrive as leads as each page comes in.';
    });
  };
  return (
    <form className="settings-form" onSubmit={submit} aria-labelledby="start-pull-title">
      <h2 id="start-pull-title">Pull a vendor’s list</h2>
      <fieldset className="grid" disabled={start.busy}>
        <legend className="sr-only">The search</legend>
        <Field label="Vendor" name="source" error={start.error}>
          {(p) => <select {...p} value={source} onChange={(e) => set('source', e.target.value)}>
            {(search?.adapters ?? [{ name: 'local', configured: true }]).map((a) => <option key={a.name} value={a.name} disabled={!a.configured}>{a.name}{a.configured ? '' : ' (needs its API key)'}</option>)}
          </select>}
        </Field>
        <Field label="ZIP codes" name="query.zip_codes" error={start.error} help="separated by commas or spaces">{(p) => <input {...p} value={f.zips} placeholder="78701, 78704" onChange={(e) => set('zips', e.target.value)} />}</Field>
        <Field label="Or an area" name="query.area" error={start.error}>
          {(p) => <span className="pair">
            <select aria-label="Kind of area" value={f.areaType} onChange={(e) => set('areaType', e.target.value)}><option value="city">city</option><option value="zip_code">ZIP code</option><option value="custom_area">custom area</option></select>
            <input {...p} value={f.area} placeholder="Round Rock, TX" onChange={(e) => set('area', e.target.value)} />
          </span>}
        </Field>
        <Field label="Records a page" name="page_size" error={start.error}>{(p) => <input {...p} type="number" min={1} max={1000} value={f.pageSize} onChange={(e) => set('pageSize', e.target.value)} />}</Field>
        <Field label="At most this many pages" name="max_pages" error={start.error} help="empty: until records seen before">{(p) => <input {...p} type="number" min={1} value={f.maxPages} onChange={(e) => set('maxPages', e.target.value)} />}</Field>
        <div className="field">
          <label className="check"><input type="checkbox" checked={f.resume} aria-describedby={resumeError ? 'pull-resume-error' : undefined} aria-invalid={resumeError ? true : undefined}
            onChange={(e) => set('resume', e.target.checked)} /> Carry on an unfinished pull of this search</label>
          {resumeError ? <p id="pull-resume-error" className="field-error">{resumeError}</p> : null}
        </div>
      </fieldset>
      <div className="actions"><button type="submit" disabled={start.busy}>{start.busy ? 'Starting…' : 'Pull'}</button></div>
      <Outcome action={start} fields={['source', 'query.zip_codes', 'query.area', 'page_size', 'max_pages', 'resume']} />
    </form>
  );
}
