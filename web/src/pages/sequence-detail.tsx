import { useState } from 'react';
import type { SequencesService } from '../../../src/domain/sequences/sequences.service.ts';
import { api, query, type Answer } from '../api.ts';
import { Outcome, useAction } from '../form.tsx';
import { useLoad } from '../load.ts';
import { Link, navigate } from '../router.tsx';
import { useSession } from '../session.tsx';
import { pct } from '../table.tsx';
import { Badge, ErrorState, Loading } from '../ui.tsx';
import { Confirm, DAYS, Figures } from './campaign-sequence-ui.tsx';
import { Enroll, Enrollments } from './sequence-enrollments.tsx';
import { branchesOf, hasCounts, kindOf, ordered, SequenceGraph, summaryOf, through, type GraphNode } from './sequence-graph.tsx';

// One sequence: its settings and figures, its graph drawn and written out step by step with the
// leads at each step now and those that went through it, the verbs a manager has (pause,
// resume, archive), enrolling leads, and the enrollments. ?status= and ?at= filter the
// enrollments (by status, and by the step they are at).

export type Sequence = Answer<SequencesService['show']>;
const MOVED = { pause: 'Paused: no step runs until you resume it.', resume: 'Resumed: due steps run at the next pass.', archive: 'Archived: its waiting enrollments are stopped.' };

function days(d: number[]) {
  const s = [...d].sort((a, b) => a - b);
  const run = s.length > 2 && s.every((x, i) => i === 0 || x === s[i - 1]! + 1);
  return run ? `${DAYS[s[0]! - 1]}–${DAYS[s.at(-1)! - 1]}` : s.map((x) => DAYS[x - 1]).join(', ');
}

export function SequenceDetail({ id, params }: { id: string; params: URLSearchParams }) {
  const { me } = useSession();
  const seq = useLoad(() => api<Sequence>('GET', `/v1/sequences/${encodeURIComponent(id)}`), [id]);
  const act = useAction();
  const status = params.get('status') ?? '';
  const at = params.get('at') ?? '';
  const filter = (next: { status?: string; at?: string }) => navigate(`/sequences/${id}${query({ status, at, ...next })}`);
  const manager = me?.role !== 'agent';
  const s = seq.data;
  // leads enrolled: the sequence's figures again, and the enrollments list with them
  const [version, setVersion] = useState(0);
  const changed = () => {
    seq.reload();
    setVersion((v) => v + 1);
  };

  const move = (verb: keyof typeof MOVED) => act.run(() => api<Sequence>('POST', `/v1/sequences/${s!.id}/${verb}`), (r) => {
    seq.set(r);
    setVersion((v) => v + 1);
    return MOVED[verb];
  });

  if (seq.error) return <section className="oc-page" aria-label="Sequence"><Link to="/sequences">← All sequences</Link><ErrorState error={seq.error} retry={seq.reload} /></section>;
  if (!s) return <Loading what="the sequence" />;
  const nodes = s.nodes as GraphNode[];
  const m = s.metrics;

  return (
    <article className="oc-page" aria-label="Sequence">
      <Link to="/sequences">← All sequences</Link>
      <header className="oc-head">
        <h1>{s.name}</h1>
        <Badge value={s.status} />
      </header>
      {s.description ? <p>{s.description}</p> : null}
      <p className="note">{s.kind === 'nurture' ? 'Nurture steps' : 'Graph'} · {s.purpose} · steps run {days(s.working_days)} {s.working_hours_start}–{s.working_hours_end} ({s.timezone})</p>

      <Figures label="Enrollments" items={[
        { label: 'Enrolled', value: m.enrolled }, { label: 'Active', value: m.active }, { label: 'Paused', value: m.paused },
        { label: 'Completed', value: m.completed }, { label: 'Converted', value: m.converted, note: pct(m.conversion_rate) },
        { label: 'Stopped', value: m.stopped }, { label: 'Failed', value: m.failed },
      ]} />

      {manager && s.status !== 'archived' ? (
        <div className="actions" aria-label="Sequence actions">
          {s.status === 'active' ? <button type="button" className="secondary" disabled={act.busy} onClick={() => void move('pause')}>Pause sequence</button>
            : <button type="button" disabled={act.busy} onClick={() => void move('resume')}>Resume sequence</button>}
          <Confirm label="Archive sequence" question="Archive for good? Its waiting enrollments are stopped." busy={act.busy} onConfirm={() => void move('archive')} />
        </div>
      ) : null}
      {s.status === 'archived' ? <p className="notice">Archived: nobody can be enrolled and nothing runs. Create a new sequence to change it.</p> : null}
      {s.status === 'paused' ? <p className="notice">Paused: enrollments keep their place, and no step runs until it is resumed.</p> : null}
      <Outcome action={act} />

      <section aria-labelledby="graph-title">
        <h2 id="graph-title">Steps</h2>
        <div className="oc-graph-layout">
          <SequenceGraph nodes={nodes} start={s.start_node} title={`The steps of ${s.name}`} />
          <Steps nodes={nodes} start={s.start_node} at={at} onPick={(k) => filter({ at: k })} />
        </div>
      </section>

      {s.status !== 'archived' ? <Enroll sequence={s} onEnrolled={changed} /> : null}
      <Enrollments sequence={s} version={version} status={status} at={at} onFilter={filter} onChanged={() => seq.reload()} />
    </article>
  );
}

/** The steps written out, in the order a lead meets them: what each does, where it goes, and its figures. */
function Steps({ nodes, start, at, onPick }: { nodes: GraphNode[]; start: string; at: string; onPick: (key: string) => void }) {
  return (
    <ol className="oc-steps" aria-label="Steps in order">
      {ordered(nodes, start).map((n) => {
        const c = n.config as { template?: unknown };
        const t = c.template && typeof c.template === 'object' ? (c.template as { subject?: string; body?: string }) : null;
        return (
          <li key={n.key} data-key={n.key} aria-current={at === n.key ? 'true' : undefined}>
            <p className="oc-step-head"><span className={`oc-kind ${n.type.toLowerCase()}`}>{kindOf(n.type)}</span> <strong>{n.label ?? n.key}</strong>{n.label ? <code> {n.key}</code> : null}</p>
            <p className="oc-step-what">{summaryOf(n)}</p>
            {t ? (
              <details>
                <summary>The message</summary>
                {t.subject ? <p><strong>Subject:</strong> {t.subject}</p> : null}
                <pre className="draft">{t.body}</pre>
              </details>
            ) : null}
            {hasCounts(n) ? (
              <p className="oc-step-counts">
                <span data-count="here"><strong>{n.waiting ?? 0}</strong> here now</span>
                <span data-count="through"><strong>{through(n)}</strong> went through</span>
                {n.skipped ? <span data-count="skipped"><strong>{n.skipped}</strong> skipped</span> : null}
                {n.failed ? <span data-count="failed" className="bad"><strong>{n.failed}</strong> failed</span> : null}
              </p>
            ) : null}
            <p className="oc-step-next">
              {n.type === 'END' ? 'The end.' : branchesOf(n).map((b, i) => (
                <span key={b}>{i ? ' · ' : ''}{n.type === 'CONDITION' ? <>{b} → </> : '→ '}<code>{n.next[b] ?? '?'}</code></span>
              ))}
            </p>
            {n.waiting ? (
              <button type="button" className="link" aria-pressed={at === n.key} onClick={() => onPick(at === n.key ? '' : n.key)}>
                {at === n.key ? 'Show every enrollment' : `Show the ${n.waiting} here`}
              </button>
            ) : null}
          </li>
        );
      })}
    </ol>
  );
}
