import { Link, type PageProps } from '../router.tsx';
import { Empty } from '../ui.tsx';
import { PullsView } from './enrichment-pulls.tsx';
import { RunsView } from './enrichment-runs.tsx';
import { SpendView } from './enrichment-spend.tsx';

// Enrichment and spend: what was spent on providers and what is left of the budget
// (/enrichment), the enrichment runs with what each step found and cost (/enrichment/runs), and
// the vendor pulls that bring in new leads (/enrichment/pulls). A run or pull opens with ?id=.

const TABS = { spend: 'Spend', runs: 'Enrichment runs', pulls: 'Vendor pulls' } as const;
type Tab = keyof typeof TABS;

export function EnrichmentPage({ id, params }: PageProps) {
  const tab = (id ?? 'spend') as Tab;
  return (
    <section className="enrichment" aria-label="Enrichment and spend">
      <h1>Enrichment and spend</h1>
      <nav className="tabs" aria-label="Enrichment sections">
        {(Object.keys(TABS) as Tab[]).map((t) => <Link key={t} to={t === 'spend' ? '/enrichment' : `/enrichment/${t}`} aria-current={t === tab ? 'page' : undefined}>{TABS[t]}</Link>)}
      </nav>
      {tab === 'spend' ? <SpendView params={params} />
        : tab === 'runs' ? <RunsView params={params} />
          : tab === 'pulls' ? <PullsView params={params} />
            : <Empty title="No such page"><p>There is nothing at /enrichment/{id}. <Link to="/enrichment">See the spend</Link>.</p></Empty>}
    </section>
  );
}
