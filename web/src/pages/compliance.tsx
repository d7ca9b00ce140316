import type { PageProps } from '../router.tsx';
import { SectionTabs } from './calls-shared.tsx';
import { CheckForm } from './compliance-check.tsx';
import { Consents } from './compliance-consents.tsx';
import { Decisions } from './compliance-decisions.tsx';
import { DncList } from './compliance-dnc.tsx';

// Compliance: the gate's decisions with every reason (/compliance/<decision> for the facts one
// used), the do-not-contact list and the national registry copy, consents as they were given and
// revoked, and asking the gate before you send.

const TABS = [
  { tab: 'decisions', label: 'Decisions' }, { tab: 'dnc', label: 'Do not contact' },
  { tab: 'consents', label: 'Consents' }, { tab: 'check', label: 'Check before you send' },
];

export function CompliancePage({ id, params }: PageProps) {
  const tab = id ? 'decisions' : (params.get('tab') ?? 'decisions');
  return (
    <section className="cc" aria-label="Compliance">
      <SectionTabs label="Compliance" base="/compliance" tabs={TABS} current={tab} />
      {tab === 'dnc' ? <DncList params={params} />
        : tab === 'consents' ? <Consents />
          : tab === 'check' ? <CheckForm />
            : <Decisions id={id} params={params} />}
    </section>
  );
}
