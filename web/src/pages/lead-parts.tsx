import { useState } from 'react';
import type { LeadsService } from '../../../src/domain/leads/leads.service.ts';
import type { TimelineService } from '../../../src/domain/outreach/timeline.service.ts';
import type { TenancyService } from '../../../src/domain/tenancy/tenancy.service.ts';
import { api, query, type Answer } from '../api.ts';
import { Bars } from '../charts.tsx';
import { useLoad, usePaged } from '../load.ts';
import { useSession } from '../session.tsx';
import { Ago, ErrorState, Loading, ShowMore } from '../ui.tsx';

// The parts of a lead's page that have more to them than a list of facts: the scores with the
// points behind them, the timeline with a filter by kind and older pages, and the field changes.

type Lead = Answer<LeadsService['show']>;
type Timeline = Answer<TimelineService['forLead']>;
type Users = { data: Answer<TenancyService['listUsers']> };

const KINDS = [['', 'Everything'], ['message', 'Messages'], ['call', 'Calls'], ['booking', 'Bookings'], ['compliance', 'Compliance decisions'],
  ['status', 'Status'], ['assignment', 'Assignment'], ['score', 'Scores'], ['enrichment', 'Enrichment'], ['sequence', 'Sequences'], ['campaign', 'Campaigns']] as const;

const SCORER_NAMES: Record<string, string> = { quality: 'Quality', motivation: 'Motivation', roof: 'Roof', contagion: 'Neighbours’ roofs' };

/** Each scorer's latest score and the whole points that made it, largest first; older scores under it. */
export function Scores({ l }: { l: Lead }) {
  const latest = new Map<string, Lead['score_history'][number]>();
  for (const s of l.score_history) latest.set(s.scorer, s); // oldest first: the last one stays
  return (
    <section aria-labelledby="scores-title">
      <h2 id="scores-title">Scores</h2>
      <p>Lead {l.lead_score ?? '—'} · quality {l.quality_score ?? '—'} · motivation {l.motivation_score ?? '—'} · tier {l.tier ?? '—'}</p>
      {!latest.size ? <p className="note">Not scored yet: <code>porchlight score</code> or a rescore in Settings scores it.</p> : null}
      <div className="columns">
        {[...latest.values()].map((s) => {
          const factors = Object.entries((s.factors ?? {}) as Record<string, unknown>)
            .filter((e): e is [string, number] => typeof e[1] === 'number')
            .sort((a, b) => b[1] - a[1]);
          const earlier = l.score_history.filter((h) => h.scorer === s.scorer).slice(0, -1).slice(-5).reverse();
          return (
            <div key={s.scorer} className="score-card">
              <h3>{SCORER_NAMES[s.scorer] ?? s.scorer} {String(s.score)} <span className="note">v{s.version}, <Ago at={s.calculated_at} /></span></h3>
              {factors.length ? <Bars title={`${SCORER_NAMES[s.scorer] ?? s.scorer} score factors`} rows={factors.map(([k, v]) => ({ label: k.replaceAll('_', ' '), value: v }))} />
                : <p className="note">No factor added points.</p>}
              {earlier.length ? <p className="note">Before: {earlier.map((h, i) => <span key={i}>{String(h.score)} (<Ago at={h.calculated_at} />){i < earlier.length - 1 ? ', ' : ''}</span>)}</p> : null}
            </div>
          );
        })}
      </div>
    </section>
  );
}

/** The timeline, newest first, one kind or all, with older entries on request. */
export function TimelineSection({ id, version }: { id: string; version: number }) {
  const [kind, setKind] = useState('');
  const timeline = usePaged((cursor) => api<Timeline>('GET', `/v1/leads/${id}/timeline${query({ limit: 30, kind, cursor })}`), [id, kind, version]);
  const entries = timeline.items;
  return (
    <section aria-labelledby="timeline-title">
      <h2 id="timeline-title">Timeline</h2>
      <label className="inline">Show <select value={kind} onChange={(e) => setKind(e.target.value)}>
        {KINDS.map(([k, label]) => <option key={k} value={k}>{label}</option>)}
      </select></label>
      {timeline.error ? <ErrorState error={timeline.error} retry={timeline.reload} />
        : !timeline.data ? <Loading what="the timeline" />
          : !entries.length ? <p className="note">{kind ? 'Nothing of this kind yet.' : 'Nothing has happened yet.'}</p>
            : (
              <ol className="timeline">{entries.map((e, i) => (
                <li key={`${e.kind}-${e.ref_id}-${i}`}><Ago at={e.at} /> <strong>{e.kind.replaceAll('_', ' ')}</strong> {e.summary}</li>
              ))}</ol>
            )}
      <ShowMore list={timeline} className="secondary" label="Older entries" />
    </section>
  );
}

/** The organization's users, for managers (agents may not list them): names for ids. */
function useUsers() {
  const { me } = useSession();
  const manager = me?.role !== 'agent';
  const users = useLoad(() => (manager ? api<Users>('GET', '/v1/users') : Promise.resolve({ data: [] } as Users)), [manager]);
  return { manager, mine: me?.user?.id, users: users.data?.data ?? [] };
}

/** Who changed which field from what to what: the lead's field audit, newest first. */
export function FieldChanges({ l }: { l: Lead }) {
  const { users } = useUsers();
  if (!l.field_history.length) return null;
  const names = new Map(users.map((u) => [u.id, u.full_name ?? u.email]));
  const text = (v: unknown) => (v == null || v === '' ? '—' : typeof v === 'object' ? JSON.stringify(v) : names.get(String(v)) ?? String(v));
  return (
    <section aria-labelledby="changes-title">
      <h2 id="changes-title">Changes</h2>
      <div className="table-wrap"><table>
        <thead><tr><th>When</th><th>Field</th><th>From</th><th>To</th><th>How</th></tr></thead>
        <tbody>{l.field_history.map((h, i) => (
          <tr key={i}><td><Ago at={h.changed_at} /></td><td>{h.field.replaceAll('_', ' ')}</td><td>{text(h.old_value)}</td><td>{text(h.new_value)}</td><td>{h.via ?? '—'}</td></tr>
        ))}</tbody>
      </table></div>
    </section>
  );
}

/** Who works the lead: anyone may take it or let it go; managers may give it to a colleague. */
export function Assignee({ l, change }: { l: Lead; change: (patch: Record<string, unknown>) => Promise<void> }) {
  const { manager, mine, users } = useUsers();
  const people = users.filter((u) => u.is_active);
  if (!manager) {
    return l.assignee_id === mine
      ? <button type="button" className="secondary" onClick={() => void change({ assignee_id: null })}>Let go of this lead</button>
      : <button type="button" className="secondary" disabled={!mine} onClick={() => void change({ assignee_id: mine })}>Assign to me</button>;
  }
  return (
    <label>Assigned to{' '}
      <select value={l.assignee_id ?? ''} onChange={(e) => void change({ assignee_id: e.target.value || null })}>
        <option value="">nobody</option>
        {people.map((u) => <option key={u.id} value={u.id}>{u.full_name ?? u.email} ({u.role})</option>)}
        {l.assignee_id && !people.some((u) => u.id === l.assignee_id) ? <option value={l.assignee_id}>someone else</option> : null}
      </select>
    </label>
  );
}
