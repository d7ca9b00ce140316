import type { PageProps } from '../router.tsx';
import { Empty } from '../ui.tsx';

export function CompliancePage(_: PageProps) {
  return <Empty title="Compliance" />;
}
