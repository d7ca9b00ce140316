import type { PageProps } from '../router.tsx';
import { Empty } from '../ui.tsx';

export function SettingsPage(_: PageProps) {
  return <Empty title="Settings" />;
}
