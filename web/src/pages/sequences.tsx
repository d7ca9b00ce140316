import type { PageProps } from '../router.tsx';
import { Empty } from '../ui.tsx';

export function SequencesPage(_: PageProps) {
  return <Empty title="Sequences" />;
}
