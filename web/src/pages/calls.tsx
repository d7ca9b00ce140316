import type { PageProps } from '../router.tsx';
import { Empty } from '../ui.tsx';

export function CallsPage(_: PageProps) {
  return <Empty title="Calls and bookings" />;
}
