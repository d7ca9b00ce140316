import { useEffect, useState, type FormEvent } from 'react';
import type { ComplianceService } from '../../../src/domain/compliance/compliance.service.ts';
import { api, query, type Answer } from '../api.ts';
import { useLoad, usePaged } from '../load.ts';
import { Link, navigate } from '../router.tsx';
import { Ago, Empty, ErrorState, Loading, ShowMore } from '../ui.tsx';
import { contact, when, words } from './calls-shared.tsx';
import { Codes, GateFacts, OBLIGATIONS, REASONS, Verdict } from './compliance-shared.tsx';

// The gate's decisions, newest first: allowed, blocked or held back, on which channel, to whom,
// and every reason; filtered in the address by verdict, channel, reason or lead. One decision
// shows the facts it used: the consent on file, the lists, the place and the hour.

type Page = Answer<ComplianceService['decisions']>;
type Decision = Answer<ComplianceService['decision']>;
const FILTERS = ['decision', 'channel', 'reason', 'lead'] as const;
const CHANNELS = { call: 'call', ai_call: 'AI call', sms: 'text', email: 'e-mail' } as const;

export function Decisions({ id, params }: { id: string | null; params: URLSearchParams }) {
  const f = Object.fromEntries(FILTERS.map((k) => [k, params.get(k) ?? ''])) as Record<(typeof FILTERS)[number], string>;
  const key = FILTERS.map((k) => f[k]).join('|');
  const search = query(f);
  const href = (decisionId: string | null) => `/compliance${decisionId ? `/${decisionId}` : ''}${search}`;
  const list = usePaged((cursor) => api<Page>('GET', `/v1/compliance/decisions${query({ ...f, limit: 50, cursor })}`), [key]);
  const items = list.items;
  const filtered = FILTERS.some((k) => f[k]);
  const [reason, setReason] = useState(f.reason);
  useEffect(() => setReason(f.reason), [f.reason]);

  const set = (name: string, value: string) => {
    const next = new URLSearchParams(search);
    if (value) next.set(name, value);
    else next.delete(name);
    navigate(`/compliance${id ? `/${id}` : ''}${next.toString() ? `?${next}` : ''}`);
  };
  const setReasonFilter = (e: FormEvent) => {
    e.preventDefault();
    set('reason', reason.trim().toUpperCase());
  };

  return (
    <div className={`inbox ${id ? 'has-detail' : ''}`}>
      <section className="inbox-list" aria-label="Decisions">
        <form className="filters cc-filters" aria-label="Filter the decisions" onSubmit={setReasonFilter}>
          <label>Verdict
            <select value={f.decision} onChange={(e) => set('decision', e.target.value)}>
              <option value="">any</option><option value="allow">allowed</option><option value="deny">blocked</option><option value="defer">held back</option>
            </select>
          </label>
          <label>Channel
            <select value={f.channel} onChange={(e) => set('channel', e.target.value)}>
              <option value="">any</option>
              {Object.entries(CHANNELS).map(([k, v]) => <option key={k} value={k}>{v}</option>)}
            </select>
          </label>
          <label>Reason
            <input list="reason-codes" value={reason} placeholder="any, like NATIONAL_DNC" onChange={(e) => setReason(e.target.value)} onBlur={() => reason.trim().toUpperCase() !== f.reason && set('reason', reason.trim().toUpperCase())} />
          </label>
          <datalist id="reason-codes">{Object.keys(REASONS).map((r) => <option key={r} value={r} />)}</datalist>
          {f.lead ? <span className="cc-chip">one lead <button type="button" className="link" aria-label="Show every lead's decisions" onClick={() => set('lead', '')}>×</button></span> : null}
          {filtered ? <button type="button" className="link" onClick={() => navigate(`/compliance${id ? `/${id}` : ''}`)}>Clear filters</button> : null}
        </form>
        {list.error ? <ErrorState error={list.error} retry={list.reload} />
          : list.loading && !list.data ? <Loading what="decisions" />
            : !items.length ? (
              <Empty title={filtered ? 'No decision matches these filters' : 'No decisions yet'}>
                {filtered ? <button type="button" className="link" onClick={() => navigate('/compliance')}>Clear filters</button>
                  : <p>Every call, text and e-mail asks the gate first, and each answer is kept here with its reasons. <Link to="/compliance?tab=check">Check a number before you send</Link> to see one.</p>}
              </Empty>
            ) : (
              <ol className="items" aria-busy={list.loading}>
                {items.map((d) => (
                  <li key={d.id} aria-current={d.id === id ? 'true' : undefined}>
                    <Link to={href(d.id)}>
                      <span className="headline"><Verdict value={d.decision} /> {d.reason ? <code>{d.reason}</code> : d.obligations.length ? `with ${d.obligations.length} ${d.obligations.length === 1 ? 'obligation' : 'obligations'}` : 'nothing to add'}</span>
                      <span className="meta">{CHANNELS[d.channel]} to {contact(d.contact)} · {words(d.purpose)} · <Ago at={d.decided_at} />
                        {d.reasons.length > 1 ? <> · also {d.reasons.slice(1).join(', ')}</> : null}</span>
                    </Link>
                  </li>
                ))}
              </ol>
            )}
        <ShowMore list={list} />
      </section>
      <section className="inbox-detail" aria-label="Decision">
        {id ? (
          <>
            <Link className="back" to={href(null)}>← All decisions</Link>
            <DecisionDetail key={id} id={id} onLead={(lead) => set('lead', lead)} />
          </>
        ) : <Empty title="Pick a decision">Every reason it gave, what it obliges the sender to do, and the facts it decided on appear here.</Empty>}
      </section>
    </div>
  );
}

function DecisionDetail({ id, onLead }: { id: string; onLead: (lead: string) => void }) {
  const d = useLoad(() => api<Decision>('GET', `/v1/compliance/decisions/${id}`), [id]);
  if (d.error) return <ErrorState error={d.error} retry={d.reload} />;
  const x = d.data;
  if (!x) return <Loading what="the decision" />;
  return (
    <article className="cc-decision">
      <h1><Verdict value={x.decision} /> {CHANNELS[x.channel]} to {contact(x.contact)}</h1>
      <p className="meta">{words(x.purpose)} · for {when(x.at)} · decided {when(x.decided_at)}{x.decided_by_name ? ` for ${x.decided_by_name}` : ''}{x.via ? ` (${x.via})` : ''}</p>
      {x.defer_until ? <p>Held back until <strong>{when(x.defer_until)}</strong>.</p> : null}
      {x.lead_id ? <p className="meta"><Link to={`/leads/${x.lead_id}`}>Open the lead</Link> · <button type="button" className="link" onClick={() => onLead(x.lead_id!)}>Only this lead's decisions</button></p> : null}
      <h2>Reasons</h2>
      {x.reasons.length ? <Codes codes={x.reasons} first={x.reason} /> : <p className="note">None: every rule that applies let it go.</p>}
      <h2>Obligations</h2>
      {x.obligations.length ? <Codes codes={x.obligations} table={OBLIGATIONS} /> : <p className="note">{x.decision === 'allow' ? 'None.' : 'None: nothing may go.'}</p>}
      <h2>What the gate knew</h2>
      <GateFacts facts={x.facts} />
    </article>
  );
}
