import type { Calls } from '../../../src/domain/voice/calls.service.ts';
import { api, query, type Answer } from '../api.ts';
import { usePaged } from '../load.ts';
import { Link, navigate, type PageProps } from '../router.tsx';
import { Ago, Badge, Empty, ErrorState, Loading, ShowMore } from '../ui.tsx';
import { Bookings } from './calls-bookings.tsx';
import { CallDetail } from './calls-detail.tsx';
import { LogCall } from './calls-log.tsx';
import { VoiceMetrics } from './calls-metrics.tsx';
import { OUTCOMES, phone, seconds, SectionTabs, STATUSES, words } from './calls-shared.tsx';

// Calls and bookings: every call placed, taken or logged, newest first and filtered in the
// address; one call's transcript, analysis and events; a call made outside Porchlight written
// down (/calls/new); the appointments the calls made; and the daily voice metrics.

type Page = Answer<Calls['page']>;
export type CallItem = Page['data'][number];

const FILTERS = ['status', 'outcome', 'direction', 'from', 'to'] as const;
const TABS = [{ tab: 'calls', label: 'Calls' }, { tab: 'bookings', label: 'Bookings' }, { tab: 'metrics', label: 'Voice metrics' }];

/** A day (YYYY-MM-DD, the reader's zone) as the instant it starts; `next` for the day after's. */
const dayStart = (day: string, next = false) => {
  if (!day) return undefined;
  const d = new Date(`${day}T00:00`);
  if (next) d.setDate(d.getDate() + 1);
  return d.toISOString();
};

export function CallsPage({ id, params }: PageProps) {
  const tab = id ? 'calls' : (params.get('tab') ?? 'calls');
  return (
    <section className="cc" aria-label="Calls and bookings">
      <SectionTabs label="Calls and bookings" base="/calls" tabs={TABS} current={tab} />
      {tab === 'bookings' ? <Bookings params={params} />
        : tab === 'metrics' ? <VoiceMetrics params={params} />
          : <CallsInbox id={id} params={params} />}
    </section>
  );
}

function CallsInbox({ id, params }: { id: string | null; params: URLSearchParams }) {
  const f = Object.fromEntries(FILTERS.map((k) => [k, params.get(k) ?? ''])) as Record<(typeof FILTERS)[number], string>;
  const key = FILTERS.map((k) => f[k]).join('|');
  const search = query(f);
  const href = (callId: string | null) => `/calls${callId ? `/${callId}` : ''}${search}`;
  const list = usePaged((cursor) => api<Page>('GET', `/v1/calls${query({
    status: f.status, outcome: f.outcome, direction: f.direction, from: dayStart(f.from), to: dayStart(f.to, true), limit: 50, cursor,
  })}`), [key]);
  const items = list.items;
  const filtered = FILTERS.some((k) => f[k]);

  const set = (name: string, value: string) => {
    const next = new URLSearchParams(search);
    if (value) next.set(name, value);
    else next.delete(name);
    navigate(`/calls${id && id !== 'new' ? `/${id}` : ''}${next.toString() ? `?${next}` : ''}`);
  };

  return (
    <div className={`inbox ${id ? 'has-detail' : ''}`}>
      <section className="inbox-list" aria-label="Calls">
        <form className="filters cc-filters" aria-label="Filter the calls" onSubmit={(e) => e.preventDefault()}>
          <label>Status
            <select value={f.status} onChange={(e) => set('status', e.target.value)}>
              <option value="">any</option>
              {STATUSES.map((s) => <option key={s} value={s}>{words(s)}</option>)}
            </select>
          </label>
          <label>Outcome
            <select value={f.outcome} onChange={(e) => set('outcome', e.target.value)}>
              <option value="">any</option>
              {OUTCOMES.map((s) => <option key={s} value={s}>{words(s)}</option>)}
            </select>
          </label>
          <label>Direction
            <select value={f.direction} onChange={(e) => set('direction', e.target.value)}>
              <option value="">both</option><option value="outbound">outbound</option><option value="inbound">inbound</option>
            </select>
          </label>
          <label>From <input type="date" value={f.from} onChange={(e) => set('from', e.target.value)} /></label>
          <label>To <input type="date" value={f.to} onChange={(e) => set('to', e.target.value)} /></label>
          {filtered ? <button type="button" className="link" onClick={() => navigate(`/calls${id ? `/${id}` : ''}`)}>Clear filters</button> : null}
        </form>
        <div className="actions cc-list-actions">
          <Link to={href('new')} className="cc-button" aria-current={id === 'new' ? 'page' : undefined}>Log a call</Link>
        </div>
        {list.error ? <ErrorState error={list.error} retry={list.reload} />
          : list.loading && !list.data ? <Loading what="calls" />
            : !items.length ? (
              <Empty title={filtered ? 'No call matches these filters' : 'No calls yet'}>
                {filtered ? <button type="button" className="link" onClick={() => navigate('/calls')}>Clear filters</button>
                  : <p>Calls appear here when a sequence calls a lead, when you place one (<code>porchlight calls start</code> or POST /v1/calls), or when you <Link to="/calls/new">log a call</Link> made from another phone.</p>}
              </Empty>
            ) : (
              <ol className="items" aria-busy={list.loading}>
                {items.map((c) => (
                  <li key={c.id} aria-current={c.id === id ? 'true' : undefined}>
                    <Link to={href(c.id)}>
                      <span className="headline">{c.lead_name ?? phone(c.to_number)}</span>
                      <span className="meta">
                        <Badge value={c.status} /> {c.outcome ? <>{words(c.outcome)} · </> : null}{c.direction === 'inbound' ? 'inbound' : 'outbound'}
                        {' '}{c.agent === 'ai' ? 'AI' : 'person'} · {seconds(c.duration_seconds)} · <Ago at={c.initiated_at} />
                        {c.blocked_reason ? <> · <span className="cc-blocked">blocked: {c.blocked_reason}</span></> : null}
                      </span>
                    </Link>
                  </li>
                ))}
              </ol>
            )}
        <ShowMore list={list} />
      </section>
      <section className="inbox-detail" aria-label={id === 'new' ? 'Log a call' : 'Call'}>
        {id ? <Link className="back" to={href(null)}>← All calls</Link> : null}
        {id === 'new' ? <LogCall params={params} onLogged={(callId) => { list.reload(); navigate(href(callId)); }} />
          : id ? <CallDetail key={id} id={id} />
            : <Empty title="Pick a call">Its transcript, what the analysis made of it, its recording and events appear here. <Link to="/calls/new">Log a call</Link> made outside Porchlight.</Empty>}
      </section>
    </div>
  );
}
