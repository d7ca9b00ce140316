import { Fragment, useEffect, useState } from 'react';
import type { LeadsService } from '../../../src/domain/leads/leads.service.ts';
import type { SegmentsService } from '../../../src/domain/segments/segments.service.ts';
import type { SequencesService } from '../../../src/domain/sequences/sequences.service.ts';
import { api, query, type Answer } from '../api.ts';
import { Outcome, useAction } from '../form.tsx';
import { useLoad } from '../load.ts';
import { Link } from '../router.tsx';
import { useSession } from '../session.tsx';
import { Ago, Badge, Empty, ErrorState, Loading } from '../ui.tsx';
import { plural } from './campaign-sequence-ui.tsx';
import { kindOf } from './sequence-graph.tsx';
import type { Sequence } from './sequence-detail.tsx';

// Enrolling leads in a sequence (some leads found by name or pasted as ids, all in one request,
// or a whole saved segment at once) and its enrollments: filtered by status and by the step
// they are at, each paused, resumed or stopped, and its path (the steps it took) opened in place.

type Enrolled = Answer<SequencesService['enroll']>;
type Enrollment = Answer<SequencesService['enrollments']>[number];
type Path = Answer<SequencesService['path']>;
type Leads = Answer<LeadsService['list']>;
type Segments = { data: Answer<SegmentsService['list']> };
type Lead = { id: string; name: string };

const STATUSES = ['', 'active', 'paused', 'completed', 'failed', 'stopped'] as const;
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;

export function Enroll({ sequence, onEnrolled }: { sequence: Sequence; onEnrolled: () => void }) {
  const { me } = useSession();
  const [search, setSearch] = useState('');
  const [q, setQ] = useState('');
  const [picked, setPicked] = useState<Lead[]>([]);
  const [pasted, setPasted] = useState('');
  const [segment, setSegment] = useState('');
  const act = useAction();
  const manager = me?.role !== 'agent';
  useEffect(() => {
    const t = setTimeout(() => setQ(search.trim()), 300);
    return () => clearTimeout(t);
  }, [search]);
  const found = useLoad(async () => (q ? (await api<Leads>('GET', `/v1/leads${query({ q, limit: 8 })}`)).data : []), [q]);
  const segments = useLoad(async () => (manager ? (await api<Segments>('GET', '/v1/segments')).data : []), [manager]);
  const ids = [...new Set([...picked.map((l) => l.id), ...(pasted.match(UUID) ?? []).map((x) => x.toLowerCase())])];

  async function enrollLeads() {
    // one request for all of them (up to 500): the API enrolls each once, and says how many it could not
    const r = await act.run(() => api<Enrolled>('POST', `/v1/sequences/${sequence.id}/enroll`, { lead_ids: ids }),
      (x) => [`Enrolled ${plural(x.enrolled, 'lead')}`, x.already_enrolled ? `${x.already_enrolled} already enrolled` : '',
        x.do_not_contact ? `${x.do_not_contact} do-not-contact left out` : '', ids.length > x.matched ? `${ids.length - x.matched} not found` : '']
        .filter(Boolean).join('; ') + '.');
    if (!r) return;
    setPicked([]);
    setPasted('');
    onEnrolled();
  }

  async function enrollSegment() {
    const r = await act.run(() => api<Enrolled>('POST', `/v1/sequences/${sequence.id}/enroll`, { segment }),
      (x) => `The segment matched ${plural(x.matched, 'lead')}: ${x.enrolled} enrolled, ${x.already_enrolled} already enrolled, ${x.do_not_contact} do-not-contact left out.`);
    if (r) onEnrolled();
  }

  const shown = (found.data ?? []).filter((l) => !picked.some((p) => p.id === l.id));
  return (
    <section aria-labelledby="enroll-title" className="oc-enroll">
      <h2 id="enroll-title">Enroll leads</h2>
      <p className="note">Each lead is enrolled once: enrolling again changes nothing. Do-not-contact leads are left out.{sequence.status === 'paused' ? ' The sequence is paused: they wait at the start until it resumes.' : ''}</p>
      <div className="oc-columns">
        <form onSubmit={(e) => { e.preventDefault(); if (ids.length) void enrollLeads(); }}>
          <label htmlFor="enroll-search">Find a lead by owner or address</label>
          <input id="enroll-search" type="search" value={search} autoComplete="off" placeholder="e.g. Lopez or 12 Oak St" onChange={(e) => setSearch(e.target.value)} />
          {found.error ? <ErrorState error={found.error} /> : shown.length ? (
            <ul className="oc-found" aria-label="Leads found">
              {shown.map((l) => {
                const name = l.owner_name ?? 'Unknown owner';
                return (
                  <li key={l.id}>
                    <span>{name}<span className="note"> {[l.address_line1, l.city].filter(Boolean).join(', ')}</span></span>
                    <button type="button" className="secondary" aria-label={`Add ${name}`} onClick={() => setPicked((p) => [...p, { id: l.id, name }])}>Add</button>
                  </li>
                );
              })}
            </ul>
          ) : q && !found.loading ? <p className="note">No lead matches “{q}”.</p> : null}
          {picked.length ? (
            <ul className="tags oc-picked" aria-label="Leads to enroll">
              {picked.map((l) => (
                <li key={l.id}><button type="button" className="tag" aria-label={`Remove ${l.name}`} onClick={() => setPicked((p) => p.filter((x) => x.id !== l.id))}>{l.name} ✕</button></li>
              ))}
            </ul>
          ) : null}
          <details>
            <summary>Or paste lead ids</summary>
            <label htmlFor="enroll-ids" className="sr-only">Lead ids</label>
            <textarea id="enroll-ids" rows={3} value={pasted} placeholder="one or more lead ids, separated by spaces or lines" onChange={(e) => setPasted(e.target.value)} />
          </details>
          <button type="submit" disabled={act.busy || !ids.length}>{ids.length ? `Enroll ${plural(ids.length, 'lead')}` : 'Enroll leads'}</button>
        </form>
        {manager ? (
          <form onSubmit={(e) => { e.preventDefault(); if (segment) void enrollSegment(); }}>
            <label htmlFor="enroll-segment">Or every lead of a saved segment</label>
            {segments.error ? <ErrorState error={segments.error} /> : (
              <select id="enroll-segment" value={segment} onChange={(e) => setSegment(e.target.value)}>
                <option value="">{segments.data?.length ? 'Pick a segment…' : 'No saved segments yet'}</option>
                {(segments.data ?? []).map((g) => <option key={g.id} value={g.id}>{g.name}{g.lead_count != null ? ` (${g.lead_count} leads when counted)` : ''}</option>)}
              </select>
            )}
            {segments.data && !segments.data.length ? <p className="note">Save one with <code>porchlight segments create</code> or <code>POST /v1/segments</code>.</p> : null}
            <button type="submit" disabled={act.busy || !segment}>Enroll the segment</button>
          </form>
        ) : null}
      </div>
      <Outcome action={act} />
    </section>
  );
}

export function Enrollments({ sequence, version, status, at, onFilter, onChanged }: {
  sequence: Sequence; version: number; status: string; at: string; onFilter: (f: { status?: string; at?: string }) => void; onChanged: () => void;
}) {
  const list = useLoad(() => api<{ data: Enrollment[] }>('GET', `/v1/sequences/${sequence.id}/enrollments${query({ status, limit: 500 })}`), [sequence.id, status, version]);
  const [open, setOpen] = useState<string | null>(null);
  const act = useAction();
  const rows = (list.data?.data ?? []).filter((e) => !at || e.current_node === at);
  const typeOf = new Map(sequence.nodes.map((n) => [n.key, n.type]));

  const move = async (e: Enrollment, verb: 'pause' | 'resume' | 'stop') => {
    const r = await act.run(() => api<Enrollment>('POST', `/v1/enrollments/${e.id}/${verb}`),
      (x) => `${e.lead_name ?? 'The enrollment'}: ${x.status}.`);
    if (r) {
      list.reload();
      onChanged();
    }
  };

  return (
    <section aria-labelledby="enrollments-title">
      <h2 id="enrollments-title">Enrollments</h2>
      <div className="tabs oc-tabs" role="group" aria-label="Enrollment status">
        {STATUSES.map((s) => <button key={s || 'all'} type="button" className="link" aria-pressed={status === s} onClick={() => onFilter({ status: s })}>{s || 'all'}</button>)}
      </div>
      {at ? <p className="notice">At step <code>{at}</code> only. <button type="button" className="link" onClick={() => onFilter({ at: '' })}>Show every step</button></p> : null}
      <Outcome action={act} />
      {list.error ? <ErrorState error={list.error} retry={list.reload} />
        : !list.data ? <Loading what="enrollments" />
          : !rows.length ? (
            <Empty title={status || at ? 'No enrollment here' : 'Nobody is enrolled yet'}>
              {status || at ? <p>Try another status or step.</p> : <p>Enroll leads above: find them by name, paste their ids, or take a saved segment.</p>}
            </Empty>
          ) : (
            <div className="table-wrap" aria-busy={list.loading}>
              <table className="oc-enrollments">
                <caption className="sr-only">Enrollments of {sequence.name}</caption>
                <thead><tr><th>Lead</th><th>Status</th><th>At step</th><th>Next step</th><th>Enrolled</th><th><span className="sr-only">Actions</span></th></tr></thead>
                <tbody>
                  {rows.map((e) => (
                    <Fragment key={e.id}>
                      <tr data-enrollment={e.id}>
                        <td>{e.lead_id ? <Link to={`/leads/${e.lead_id}`}>{e.lead_name ?? 'Unknown owner'}</Link> : <span className="note">lead deleted</span>}</td>
                        <td><Badge value={e.status} />{e.converted_at ? <> <Badge value="converted" /></> : null}
                          {e.stop_reason ? <span className="note"> {e.stop_reason.toLowerCase().replaceAll('_', ' ')}</span> : null}
                          {e.last_error ? <p className="field-error">{e.last_error}</p> : null}</td>
                        <td><code>{e.current_node}</code> <span className="note">{kindOf(typeOf.get(e.current_node) ?? '')}</span></td>
                        <td>{e.status === 'active' ? <Ago at={e.next_run_at} /> : '—'}</td>
                        <td><Ago at={e.enrolled_at} /></td>
                        <td className="oc-row-actions">
                          {e.status === 'active' ? <button type="button" className="secondary" disabled={act.busy} onClick={() => void move(e, 'pause')}>Pause</button> : null}
                          {e.status === 'paused' || e.status === 'failed' ? <button type="button" className="secondary" disabled={act.busy} onClick={() => void move(e, 'resume')}>Resume</button> : null}
                          {['active', 'paused', 'failed'].includes(e.status) ? <button type="button" className="danger" disabled={act.busy} onClick={() => void move(e, 'stop')}>Stop</button> : null}
                          <button type="button" className="link" aria-expanded={open === e.id} aria-controls={`path-${e.id}`} onClick={() => setOpen(open === e.id ? null : e.id)}>
                            {open === e.id ? 'Hide path' : 'Path'}
                          </button>
                        </td>
                      </tr>
                      {open === e.id ? <tr id={`path-${e.id}`} className="oc-path-row"><td colSpan={6}><EnrollmentPath id={e.id} /></td></tr> : null}
                    </Fragment>
                  ))}
                </tbody>
              </table>
            </div>
          )}
      {list.data && list.data.data.length >= 500 ? <p className="note">The newest 500 are shown.</p> : null}
    </section>
  );
}

/** The steps one enrollment took, in order, with the message each sent. */
function EnrollmentPath({ id }: { id: string }) {
  const path = useLoad(() => api<Path>('GET', `/v1/enrollments/${id}/path`), [id]);
  if (path.error) return <ErrorState error={path.error} retry={path.reload} />;
  if (!path.data) return <Loading what="the path" />;
  if (!path.data.steps.length) return <p className="note">No step has run yet: it starts at the next pass of the worker (every minute), within the working hours.</p>;
  return (
    <ol className="oc-path" aria-label="Steps taken">
      {path.data.steps.map((x) => (
        <li key={x.step}>
          <span className="note">{x.step}.</span> <code>{x.node_key}</code> {kindOf(x.node_type)} <Badge value={x.status} />
          {x.branch ? <> took <strong>{x.branch}</strong></> : null}
          {x.message_status ? <> · message <Badge value={x.message_status} />{x.message_reason ? <span className="note"> {x.message_reason}</span> : null}</> : null}
          {x.status === 'skipped' && typeof x.detail.reason === 'string' ? <span className="note"> {x.detail.reason}</span> : null}
          {x.error ? <span className="field-error"> {x.error}</span> : null}
          {' '}<Ago at={x.started_at} />
        </li>
      ))}
    </ol>
  );
}
