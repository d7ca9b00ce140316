import type { ReactNode } from 'react';
import { Link, type PageProps } from '../router.tsx';
import { useSession } from '../session.tsx';
import { Empty, ErrorState } from '../ui.tsx';
import { atLeast, notAllowed, type Role } from './settings-form.tsx';
import { HoursSection } from './settings-hours.tsx';
import { ApiKeysSection } from './settings-keys.tsx';
import { BudgetSection, ProvidersSection } from './settings-money.tsx';
import { OrganizationSection, OutreachSection } from './settings-org.tsx';
import { ProfileSection, UsersSection } from './settings-people.tsx';
import { ScoringSection } from './settings-scoring.tsx';

// Settings, a section at a time (/settings/<section>): the people and their keys, the
// organization, how leads are scored, which providers enrich them and the money they may spend,
// how outreach identifies itself, and the hours its sequences work. Each section is offered
// only to the roles that may use it; within one, what only admins may change is shown to
// managers without the controls to change it.

interface Section { id: string; label: string; min: Role; doing: string; render: (p: PageProps & { role: Role }) => ReactNode }

const SECTIONS: Section[] = [
  { id: 'users', label: 'Users', min: 'manager', doing: 'see the users', render: (p) => <UsersSection {...p} /> },
  { id: 'profile', label: 'Your voice and AI', min: 'agent', doing: 'change their voice settings', render: (p) => <ProfileSection {...p} /> },
  { id: 'keys', label: 'API keys', min: 'agent', doing: 'manage API keys', render: (p) => <ApiKeysSection {...p} /> },
  { id: 'organization', label: 'Organization', min: 'manager', doing: 'see the organization settings', render: (p) => <OrganizationSection {...p} /> },
  { id: 'scoring', label: 'Scoring weights', min: 'manager', doing: 'see the scoring weights', render: (p) => <ScoringSection {...p} /> },
  { id: 'providers', label: 'Providers', min: 'manager', doing: 'see the providers', render: (p) => <ProvidersSection {...p} /> },
  { id: 'budget', label: 'Budget', min: 'manager', doing: 'see the budget', render: (p) => <BudgetSection {...p} /> },
  { id: 'outreach', label: 'Outreach', min: 'manager', doing: 'see the outreach settings', render: (p) => <OutreachSection {...p} /> },
  { id: 'hours', label: 'Working hours', min: 'manager', doing: 'change working hours', render: (p) => <HoursSection {...p} /> },
];

export function SettingsPage({ id, params }: PageProps) {
  const { me } = useSession();
  const role = (me?.role ?? 'agent') as Role;
  const offered = SECTIONS.filter((s) => atLeast(role, s.min));
  const section = id ? SECTIONS.find((s) => s.id === id) : offered[0];
  return (
    <section className="settings" aria-label="Settings">
      <h1>Settings</h1>
      <nav className="tabs" aria-label="Settings sections">
        {offered.map((s) => <Link key={s.id} to={`/settings/${s.id}`} aria-current={s.id === section?.id ? 'page' : undefined}>{s.label}</Link>)}
      </nav>
      {!section ? (
        <Empty title="No such settings section">
          <p>There is no section “{id}”. Pick one above, or <Link to="/settings">start with the first</Link>.</p>
        </Empty>
      ) : !atLeast(role, section.min) ? <ErrorState error={notAllowed(section.min, section.doing, me?.role)} />
        : <div key={section.id}>{section.render({ id: section.id, params, role })}</div>}
    </section>
  );
}
