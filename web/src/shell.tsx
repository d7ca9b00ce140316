import type { ReactNode } from 'react';
import { Link, useLocation } from './router.tsx';
import { useSession } from './session.tsx';

// The frame around every page: where you are, where else you can go, who you are signed in as.

const NAV = [
  { to: '/leads', label: 'Leads' }, { to: '/import', label: 'Import' }, { to: '/enrichment', label: 'Enrichment' },
  { to: '/sequences', label: 'Sequences' }, { to: '/campaigns', label: 'Campaigns' }, { to: '/nudges', label: 'Nudges' },
  { to: '/calls', label: 'Calls' }, { to: '/compliance', label: 'Compliance' }, { to: '/reports', label: 'Reports' }, { to: '/settings', label: 'Settings' },
];

export function Shell({ children }: { children: ReactNode }) {
  const { me, signOut } = useSession();
  const { path } = useLocation();
  return (
    <div className="shell">
      <header>
        <Link to="/" className="brand">Porchlight</Link>
        <nav aria-label="Main">
          {NAV.map((n) => <Link key={n.to} to={n.to} aria-current={path.startsWith(n.to) ? 'page' : undefined}>{n.label}</Link>)}
        </nav>
        <div className="who">
          <span title={me?.organization.name}>{me?.user?.email ?? 'API key'} · {me?.role}</span>
          <button type="button" className="link" onClick={() => signOut()}>Sign out</button>
        </div>
      </header>
      <main>{children}</main>
    </div>
  );
}
