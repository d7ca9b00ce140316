import { useState, type FormEvent } from 'react';
import { LEAD_STATUSES } from '../../../src/db/schema.ts';
import type { EnrichmentService } from '../../../src/domain/enrichment/enrichment.service.ts';
import type { LeadsService } from '../../../src/domain/leads/leads.service.ts';
import type { SegmentsService } from '../../../src/domain/segments/segments.service.ts';
import { api, ApiError, query, type Answer } from '../api.ts';
import { Field, fieldError, Outcome, toCents, useAction } from '../form.tsx';
import { useLoad } from '../load.ts';
import { Link, navigate } from '../router.tsx';
import { DataTable, money, num } from '../table.tsx';
import type { Budget } from './settings-money.tsx';

// Starting an enrichment run: pick the leads (by status, source or tag, a saved segment, or a
// list of ids), check what it should cost against the budget (the API's dry run), then start it.
// A segment's leads are sent by id, as many as one run takes (10,000).

type Started = Answer<EnrichmentService['start']>;
type Estimate = Started['estimate'];
type Segments = { data: Answer<SegmentsService['list']> };
type LeadPage = Answer<LeadsService['list']>;
type Mode = 'filter' | 'segment' | 'ids';
const MAX_IDS = 10_000;
const STEP: Record<string, string> = { append: 'Append', skip_trace: 'Skip trace', verify: 'Verification' };
const FIELDS = ['selector', 'lead_ids', 'status', 'source', 'tag', 'limit', 'max_spend_cents'];

async function segmentLeads(segment: string): Promise<string[]> {
  const ids: string[] = [];
  for (let cursor: string | null = null; ;) {
    const page: LeadPage = await api<LeadPage>('GET', `/v1/leads${query({ segment, limit: 200, cursor })}`);
    ids.push(...page.data.map((l) => l.id));
    if (ids.length > MAX_IDS) throw new ApiError(400, 'VALIDATION', `the segment holds more than ${num(MAX_IDS)} leads: a run takes at most that many; narrow it`, [{ field: 'segment', message: `more than ${num(MAX_IDS)} leads` }]);
    if (!page.next_cursor) return ids;
    cursor = page.next_cursor;
  }
}

export function StartRun({ onStarted }: { onStarted: () => void }) {
  const segments = useLoad(() => api<Segments>('GET', '/v1/segments'), []);
  const budget = useLoad(() => api<Budget>('GET', '/v1/budget'), []);
  const [mode, setMode] = useState<Mode>('filter');
  const [f, setF] = useState({ status: '', source: '', tag: '', segment: '', ids: '', limit: '', max: '', refresh: false });
  const [estimate, setEstimate] = useState<{ key: string; body: Record<string, unknown>; e: Estimate } | null>(null);
  const check = useAction();
  const start = useAction();
  const key = JSON.stringify([mode, f]);
  const current = estimate?.key === key ? estimate : null;
  const set = (k: keyof typeof f, v: string | boolean) => setF((x) => ({ ...x, [k]: v }));

  async function body(): Promise<Record<string, unknown>> {
    const b: Record<string, unknown> = {};
    if (mode === 'filter') {
      if (f.status) b.status = [f.status];
      if (f.source.trim()) b.source = f.source.trim();
      if (f.tag.trim()) b.tag = f.tag.trim();
    } else if (mode === 'segment') {
      if (!f.segment) throw new ApiError(400, 'VALIDATION', 'pick a segment', [{ field: 'segment', message: 'pick a segment' }]);
      const ids = await segmentLeads(f.segment);
      if (!ids.length) throw new ApiError(400, 'VALIDATION', 'the segment has no leads now', [{ field: 'segment', message: 'no leads' }]);
      b.lead_ids = ids;
    } else b.lead_ids = f.ids.split(/[\s,]+/).filter(Boolean);
    if (f.limit.trim()) b.limit = Number.isFinite(Number(f.limit)) ? Number(f.limit) : f.limit;
    if (f.max.trim()) {
      const cents = toCents(f.max);
      if (cents === null) throw new ApiError(400, 'VALIDATION', 'the spend limit is dollars and cents, like 50 or 49.99', [{ field: 'max_spend_cents', message: 'dollars and cents, like 50 or 49.99' }]);
      b.max_spend_cents = cents;
    }
    if (f.refresh) b.refresh = true;
    return b;
  }
  const dry = (e: FormEvent) => {
    e.preventDefault();
    void check.run(async () => {
      const b = await body();
      const r = await api<Started>('POST', '/v1/enrichments', { ...b, dry_run: true });
      setEstimate({ key, body: b, e: r.estimate });
      return r.estimate;
    }, (r) => `${num(r.leads_selected)} leads selected.`);
  };
  const go = () => current && void start.run(() => api<Started>('POST', '/v1/enrichments', current.body), (r) => {
    setEstimate(null); // started: another click would start another run
    onStarted();
    if (r.run) navigate(`/enrichment/runs${query({ id: r.run.id })}`);
    return `Started a run over ${num(r.run?.leads_selected ?? 0)} leads.`;
  });

  const b = budget.data;
  const e = current?.e;
  const short = e && b?.enforced && b.balance_cents !== null && b.balance_cents < e.expected_cents;
  const err = check.error ?? start.error;
  return (
    <form className="settings-form" onSubmit={dry} aria-labelledby="start-run-title">
      <h2 id="start-run-title">Start a run</h2>
      <fieldset className="grid" disabled={check.busy || start.busy}>
        <legend>Which leads</legend>
        <div className="choices" role="radiogroup" aria-label="Pick leads by">
          {([['filter', 'by status, source or tag'], ['segment', 'a saved segment'], ['ids', 'these lead ids']] as const).map(([m, label]) => (
            <label key={m} className="check"><input type="radio" name="pick" value={m} checked={mode === m} onChange={() => setMode(m)} /> {label}</label>
          ))}
        </div>
        {mode === 'filter' ? (
          <>
            <Field label="Status" name="status" error={err}>
              {(p) => <select {...p} value={f.status} onChange={(x) => set('status', x.target.value)}><option value="">any</option>{LEAD_STATUSES.map((s) => <option key={s} value={s}>{s.replaceAll('_', ' ')}</option>)}</select>}
            </Field>
            <Field label="Source" name="source" error={err}>{(p) => <input {...p} value={f.source} maxLength={100} placeholder="county-list" onChange={(x) => set('source', x.target.value)} />}</Field>
            <Field label="Tag" name="tag" error={err}>{(p) => <input {...p} value={f.tag} maxLength={100} onChange={(x) => set('tag', x.target.value)} />}</Field>
          </>
        ) : mode === 'segment' ? (
          <Field label="Segment" name="segment" error={err} help={segments.data && !segments.data.data.length ? <>No segments yet: save one from <Link to="/leads">the leads</Link>.</> : undefined}>
            {(p) => <select {...p} value={f.segment} onChange={(x) => set('segment', x.target.value)}><option value="">pick one…</option>
              {(segments.data?.data ?? []).map((s) => <option key={s.id} value={s.id}>{s.name}{s.lead_count != null ? ` (${num(s.lead_count)})` : ''}</option>)}</select>}
          </Field>
        ) : (
          <Field label="Lead ids" name="lead_ids" error={err} help="one a line, or separated by commas">
            {(p) => <textarea {...p} rows={3} value={f.ids} onChange={(x) => set('ids', x.target.value)} />}
          </Field>
        )}
        {fieldError(err, 'selector') ? <p className="field-error">{fieldError(err, 'selector')}</p> : null}
        <Field label="At most this many leads" name="limit" error={err}>{(p) => <input {...p} type="number" min={1} value={f.limit} onChange={(x) => set('limit', x.target.value)} />}</Field>
        <Field label="Spend limit (dollars)" name="max_spend_cents" error={err} help="empty: only the budget limits it">
          {(p) => <input {...p} inputMode="decimal" value={f.max} onChange={(x) => set('max', x.target.value)} />}
        </Field>
        <label className="check"><input type="checkbox" checked={f.refresh} onChange={(x) => set('refresh', x.target.checked)} /> Look up again leads already enriched</label>
      </fieldset>
      <div className="actions">
        <button type="submit" className={current ? 'secondary' : undefined} disabled={check.busy || start.busy}>{check.busy ? 'Estimating…' : 'Estimate the cost'}</button>
        {current ? <button type="button" disabled={start.busy || !current.e.leads_selected} onClick={go}>{start.busy ? 'Starting…' : `Start the run (about ${money(current.e.expected_cents)})`}</button> : null}
      </div>
      {start.error || start.done ? <Outcome action={start} fields={FIELDS} /> : <Outcome action={{ ...check, done: null }} fields={[...FIELDS, 'segment']} />}
      {e ? (
        <div className="estimate" role="region" aria-label="Estimate">
          <p>{num(e.leads_selected)} leads: about <strong>{money(e.expected_cents)}</strong>, at most {money(e.max_cents)} if every lead is bought and every contact found is verified.
            {' '}{b?.enforced ? <>The budget holds {money(b.balance_cents)}{short ? <strong className="warnings">: not enough for the expected spend; the run buys until it runs out.</strong> : ': enough.'}</> : 'No budget is kept: nothing stops it but the spend limit.'}</p>
          <DataTable caption="Estimate by step" rows={e.stages} columns={[
            { label: 'Step', value: (s) => STEP[s.stage] ?? s.stage }, { label: 'On', value: (s) => (s.enabled ? 'yes' : 'no') },
            { label: 'Candidates', value: (s) => num(s.candidates), numeric: true }, { label: 'Expected calls', value: (s) => num(s.expected_calls), numeric: true },
            { label: 'Expected', value: (s) => money(s.expected_cents), numeric: true }, { label: 'At most', value: (s) => money(s.max_cents), numeric: true },
            { label: 'Calls left today', value: (s) => (s.cap_left_today === null ? 'no cap' : num(s.cap_left_today)), numeric: true },
          ]} />
        </div>
      ) : null}
    </form>
  );
}
