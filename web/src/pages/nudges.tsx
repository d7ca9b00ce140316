import { useEffect } from 'react';
import type { NudgesService } from '../../../src/domain/nudges/nudges.service.ts';
import { api, query, type Answer } from '../api.ts';
import { usePaged } from '../load.ts';
import { Link, navigate } from '../router.tsx';
import { useSession } from '../session.tsx';
import { Ago, Badge, Empty, ErrorState, Loading, ShowMore } from '../ui.tsx';
import { NudgeDetail } from './nudge.tsx';

// The nudge inbox: drafts first, newest first; pick one to read its audience and draft, then
// approve, edit or dismiss it. j/k (or the arrow keys) move through the list without the mouse.

type Page = Answer<NudgesService['list']>;
export type NudgeItem = Page['data'][number];

const TABS = [
  { status: 'DRAFT', label: 'To review' }, { status: 'ACTIVE', label: 'Sending' }, { status: 'PAUSED', label: 'Paused' },
  { status: 'COMPLETED', label: 'Sent' }, { status: 'DISMISSED', label: 'Dismissed' }, { status: 'CANCELLED', label: 'Cancelled' }, { status: '', label: 'All' },
] as const;

const href = (id: string | null, status: string) => `/nudges${id ? `/${id}` : ''}${query({ status: status || 'all' })}`;

export function Nudges({ id, status: raw }: { id: string | null; status: string | null }) {
  const status = raw === 'all' ? '' : (raw ?? 'DRAFT');
  const { me } = useSession();
  const list = usePaged((cursor) => api<Page>('GET', `/v1/nudges${query({ status, limit: 50, cursor })}`), [status]);
  const items = list.items;

  // j/k and the arrows move the selection; typing in a field is left alone
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.metaKey || e.ctrlKey || e.altKey || (e.target as HTMLElement).closest('input, textarea, select')) return;
      const step = e.key === 'j' || e.key === 'ArrowDown' ? 1 : e.key === 'k' || e.key === 'ArrowUp' ? -1 : 0;
      if (!step || !items.length) return;
      e.preventDefault();
      const at = items.findIndex((n) => n.id === id);
      const next = items[Math.min(items.length - 1, Math.max(0, at < 0 ? 0 : at + step))]!;
      navigate(href(next.id, status), true);
      document.getElementById(`nudge-${next.id}`)?.scrollIntoView({ block: 'nearest' });
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [items, id, status]);

  return (
    <div className={`inbox ${id ? 'has-detail' : ''}`}>
      <section className="inbox-list" aria-label="Nudges">
        <div className="tabs" role="tablist" aria-label="Status">
          {TABS.map((t) => (
            <Link key={t.label} role="tab" aria-selected={status === t.status} to={href(null, t.status)}>{t.label}</Link>
          ))}
        </div>
        {list.error ? <ErrorState error={list.error} retry={list.reload} />
          : list.loading && !list.data ? <Loading what="nudges" />
            : !items.length ? (
              <Empty title={status === 'DRAFT' ? 'Nothing to review' : 'No nudges here'}>
                {status === 'DRAFT'
                  ? <p>New nudges appear when a listing event matches your clients. Add clients and MLS events, then run the pipeline (<code>porchlight pipeline run</code>; it also runs every 15 minutes).</p>
                  : <p>Nudges you {status === 'DISMISSED' ? 'dismiss' : 'approve'} show up here.</p>}
              </Empty>
            ) : (
              <ol className="items">
                {items.map((n) => (
                  <li key={n.id} id={`nudge-${n.id}`} aria-current={n.id === id ? 'true' : undefined}>
                    <Link to={href(n.id, status)}>
                      <span className="headline">{n.headline}</span>
                      <span className="meta">
                        <Badge value={n.status} /> {n.audience_size} {n.audience_size === 1 ? 'client' : 'clients'} · <Ago at={n.created_at} />
                        {me?.role !== 'agent' ? <> · {n.user_email}</> : null}
                      </span>
                    </Link>
                  </li>
                ))}
              </ol>
            )}
        <ShowMore list={list} />
        <p className="keys" aria-hidden="true"><kbd>j</kbd>/<kbd>k</kbd> move · <kbd>a</kbd> approve · <kbd>e</kbd> edit · <kbd>d</kbd> dismiss</p>
      </section>
      <section className="inbox-detail" aria-label="Nudge">
        {id ? (
          <>
            <Link className="back" to={href(null, status)}>← All nudges</Link>
            <NudgeDetail key={id} id={id} onChanged={list.reload} />
          </>
        ) : <Empty title="Pick a nudge">Its audience, the reason for each client and the draft appear here.</Empty>}
      </section>
    </div>
  );
}
