import type { PageProps } from '../router.tsx';
import { Empty } from '../ui.tsx';

export function CampaignsPage(_: PageProps) {
  return <Empty title="Campaigns" />;
}
