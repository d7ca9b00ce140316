import type { PageProps } from '../router.tsx';
import { Empty } from '../ui.tsx';

export function EnrichmentPage(_: PageProps) {
  return <Empty title="Enrichment and spend" />;
}
