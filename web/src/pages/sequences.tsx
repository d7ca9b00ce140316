import type { SequencesService } from '../../../src/domain/sequences/sequences.service.ts';
import { api, type Answer } from '../api.ts';
import { useLoad } from '../load.ts';
import { Link, navigate, type PageProps } from '../router.tsx';
import { useSession } from '../session.tsx';
import { Badge, Empty, ErrorState, Loading } from '../ui.tsx';
import { SequenceCreate } from './sequence-create.tsx';
import { SequenceDetail } from './sequence-detail.tsx';
import { pct } from '../table.tsx';

// Sequences: the list with each one's enrollments by status, a new one written as JSON
// (/sequences?new=1), and one sequence's page (/sequences/<id>): its graph with the leads at
// and through each step, its enrollments, enrolling leads, and pausing or archiving it.

type List = { data: Answer<SequencesService['list']> };

export function SequencesPage({ id, params }: PageProps) {
  if (id) return <SequenceDetail key={id} id={id} params={params} />;
  return <SequenceList creating={params.get('new') === '1'} />;
}

function SequenceList({ creating }: { creating: boolean }) {
  const { me } = useSession();
  const list = useLoad(() => api<List>('GET', '/v1/sequences'), []);
  const manager = me?.role !== 'agent';
  const rows = list.data?.data ?? [];

  return (
    <section className="oc-page" aria-label="Sequences">
      <div className="oc-head">
        <h1>Sequences</h1>
        {manager && !creating ? <Link className="oc-button" to="/sequences?new=1">New sequence</Link> : null}
      </div>
      <p className="note">Steps that run by themselves for each enrolled lead: texts, e-mails, calls, waits and branches, within the working hours.</p>
      {creating ? <SequenceCreate onCreated={(s) => { list.reload(); navigate(`/sequences/${s.id}`); }} onCancel={() => navigate('/sequences')} /> : null}
      {list.error ? <ErrorState error={list.error} retry={list.reload} />
        : !list.data ? <Loading what="sequences" />
          : !rows.length ? (
            <Empty title="No sequences yet">
              {manager ? <p><Link to="/sequences?new=1">Write one as JSON</Link> (an example is filled in), or run <code>porchlight sequences create examples/sequences/roofing-follow-up.json</code>. Then enroll leads from its page.</p>
                : <p>A manager writes sequences; you can then enroll your leads in them here.</p>}
            </Empty>
          ) : (
            <div className="table-wrap" aria-busy={list.loading}>
              <table className="oc-list">
                <caption className="sr-only">Sequences and their enrollments</caption>
                <thead>
                  <tr>
                    <th>Sequence</th><th>Status</th><th className="num">Enrolled</th><th className="num">Active</th><th className="num">Paused</th>
                    <th className="num">Completed</th><th className="num">Converted</th><th className="num">Stopped</th><th className="num">Failed</th><th className="num">Conversion</th>
                  </tr>
                </thead>
                <tbody>
                  {rows.map((s) => (
                    <tr key={s.id} data-id={s.id}>
                      <td><Link to={`/sequences/${s.id}`}>{s.name}</Link>{s.kind === 'nurture' ? <span className="note"> nurture</span> : null}</td>
                      <td><Badge value={s.status} /></td>
                      <td className="num">{s.enrolled}</td><td className="num">{s.active}</td><td className="num">{s.paused}</td>
                      <td className="num">{s.completed}</td><td className="num">{s.converted}</td><td className="num">{s.stopped}</td>
                      <td className="num">{s.failed}</td><td className="num">{pct(s.conversion_rate)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
    </section>
  );
}
