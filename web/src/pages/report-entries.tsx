import { useState, type FormEvent } from 'react';
import type { ReportsService } from '../../../src/domain/analytics/reports.service.ts';
import { api, query, type Answer } from '../api.ts';
import { Field, Outcome, toCents, useAction } from '../form.tsx';
import { useLoad } from '../load.ts';
import { DataTable, money } from '../table.tsx';
import { ErrorState, Loading } from '../ui.tsx';

// What people enter for the ROI report: what a lead source cost each month (a mailing list, a
// billboard, a vendor's invoice), and what a closed lead's deal brought. Both replace what was
// entered before for the same key, and both can be taken back.

type SourceCosts = Answer<ReportsService['listSourceCosts']>;
type Deal = { deal: Answer<ReportsService['deal']> };

/** The source costs of the months the period touches, with a form to enter or correct one. */
export function SourceCosts({ from, to, sources, changed }: { from: string; to: string; sources: string[]; changed: () => void }) {
  const list = useLoad(() => api<SourceCosts>('GET', `/v1/reports/source-costs${query({ from, to })}`), [from, to]);
  const [source, setSource] = useState('');
  const [month, setMonth] = useState(to.slice(0, 7));
  const [amount, setAmount] = useState('');
  const [note, setNote] = useState('');
  const save = useAction();
  const remove = useAction();
  const after = () => {
    list.reload();
    changed();
  };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const cents = toCents(amount);
    void save.run(() => api<SourceCosts['data'][number] & { created: boolean }>('PUT', '/v1/reports/source-costs',
      { source: source.trim(), month, amount_cents: cents ?? amount, note: note.trim() || undefined }), (r) => {
      after();
      setAmount('');
      setNote('');
      return `${r.source} cost ${money(r.amount_cents)} in ${r.month}${r.created ? '' : ' (replaced what was entered before)'}.`;
    });
  };
  const drop = (s: string, m: string) => void remove.run(() => api('DELETE', `/v1/reports/source-costs${query({ source: s, month: m })}`), () => {
    after();
    return `Removed the cost of ${s} for ${m}.`;
  });
  return (
    <section aria-labelledby="source-costs-title" className="entries">
      <h3 id="source-costs-title">Source costs entered</h3>
      <p className="note">What a list, a mailing or a vendor cost in a month, beyond what Porchlight spent itself; ROI and spend count it.</p>
      {list.error ? <ErrorState error={list.error} retry={list.reload} /> : !list.data ? <Loading what="the source costs" /> : (
        <DataTable caption="Source costs entered" rows={list.data.data} empty="No source cost is entered for these months." columns={[
          { label: 'Month', value: (x) => x.month }, { label: 'Source', value: (x) => x.source },
          { label: 'Amount', value: (x) => money(x.amount_cents), numeric: true }, { label: 'Note', value: (x) => x.note ?? '' },
          { label: '', value: (x) => <button type="button" className="link" disabled={remove.busy} aria-label={`Remove ${x.source} ${x.month}`} onClick={() => drop(x.source, x.month)}>Remove</button> },
        ]} />
      )}
      <Outcome action={remove} />
      <form className="settings-form" aria-label="Enter a source cost" onSubmit={submit}>
        <fieldset className="row" disabled={save.busy}>
          <legend className="sr-only">Enter a source cost</legend>
          <Field label="Source" name="source" error={save.error}>{(p) => <input {...p} required list="report-sources" maxLength={100} value={source} onChange={(e) => setSource(e.target.value)} />}</Field>
          <Field label="Month" name="month" error={save.error}>{(p) => <input {...p} type="month" required value={month} onChange={(e) => setMonth(e.target.value)} />}</Field>
          <Field label="Amount ($)" name="amount_cents" error={save.error}>{(p) => <input {...p} required inputMode="decimal" placeholder="1250.00" value={amount} onChange={(e) => setAmount(e.target.value)} />}</Field>
          <Field label="Note" name="note" error={save.error}>{(p) => <input {...p} maxLength={500} value={note} onChange={(e) => setNote(e.target.value)} />}</Field>
        </fieldset>
        <datalist id="report-sources">{sources.map((s) => <option key={s} value={s} />)}</datalist>
        <div className="actions"><button type="submit" disabled={save.busy}>{save.busy ? 'Saving…' : 'Save cost'}</button></div>
        <Outcome action={save} fields={['source', 'month', 'amount_cents', 'note']} />
      </form>
    </section>
  );
}

/** A lead's deal: what it brought and the day it closed, entered once it is won. */
export function DealEntry({ leadId, won }: { leadId: string; won: boolean }) {
  const current = useLoad(() => api<Deal>('GET', `/v1/leads/${leadId}/deal`), [leadId]);
  const [revenue, setRevenue] = useState('');
  const [closedOn, setClosedOn] = useState('');
  const save = useAction();
  const d = current.data?.deal ?? null;
  if (current.error) return <ErrorState error={current.error} retry={current.reload} />;
  if (!current.data || (!d && !won)) return null;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const cents = toCents(revenue);
    void save.run(() => api<NonNullable<Deal['deal']>>('PUT', `/v1/leads/${leadId}/deal`, { revenue_cents: cents ?? revenue, closed_on: closedOn || undefined }), (r) => {
      current.set({ deal: r });
      setRevenue('');
      return `Deal recorded: ${money(r.revenue_cents)}, closed on ${r.closed_on}.`;
    });
  };
  const drop = () => void save.run(() => api('DELETE', `/v1/leads/${leadId}/deal`), () => {
    current.set({ deal: null });
    return 'Deal removed: its revenue leaves the reports.';
  });
  return (
    <section aria-labelledby="deal-title">
      <h2 id="deal-title">Deal</h2>
      {d ? <p>{money(d.revenue_cents)}, closed on {d.closed_on}{d.note ? ` · ${d.note}` : ''} <button type="button" className="link" onClick={drop}>Remove</button></p>
        : <p className="note">Won: record what the deal brought, and ROI by source counts it.</p>}
      <form className="settings-form" aria-label="Record the deal" onSubmit={submit}>
        <fieldset className="row" disabled={save.busy}>
          <legend className="sr-only">Record the deal</legend>
          <Field label="Revenue ($)" name="revenue_cents" error={save.error}>{(p) => <input {...p} required inputMode="decimal" placeholder="12000.00" value={revenue} onChange={(e) => setRevenue(e.target.value)} />}</Field>
          <Field label="Closed on" name="closed_on" error={save.error} help="today if left empty">{(p) => <input {...p} type="date" value={closedOn} onChange={(e) => setClosedOn(e.target.value)} />}</Field>
        </fieldset>
        <div className="actions"><button type="submit" disabled={save.busy}>{d ? 'Replace the deal' : 'Record the deal'}</button></div>
        <Outcome action={save} fields={['revenue_cents', 'closed_on']} />
      </form>
    </section>
  );
}
