import { StrictMode, useEffect, type ReactNode } from 'react';
import { createRoot } from 'react-dom/client';
import './app.css';
import { Boundary } from './boundary.tsx';
import { CallsPage } from './pages/calls.tsx';
import { CampaignsPage } from './pages/campaigns.tsx';
import { CompliancePage } from './pages/compliance.tsx';
import { EnrichmentPage } from './pages/enrichment.tsx';
import { ImportPage } from './pages/import.tsx';
import { LeadPage } from './pages/lead.tsx';
import { Leads } from './pages/leads.tsx';
import { Nudges } from './pages/nudges.tsx';
import { isReport, ReportsPage } from './pages/reports.tsx';
import { SequencesPage } from './pages/sequences.tsx';
import { SettingsPage } from './pages/settings.tsx';
import { SignIn } from './pages/sign-in.tsx';
import { Link, match, navigate, useLocation, type PageProps } from './router.tsx';
import { SessionProvider, useSession } from './session.tsx';
import { Shell } from './shell.tsx';
import { Empty, Loading } from './ui.tsx';

// The app: sign in, then the page the address names.

const SECTIONS: [string, (p: PageProps) => ReactNode][] = [
  ['/enrichment', EnrichmentPage], ['/sequences', SequencesPage], ['/campaigns', CampaignsPage],
  ['/calls', CallsPage], ['/compliance', CompliancePage], ['/settings', SettingsPage],
];

function Pages() {
  const { path, params } = useLocation();
  useEffect(() => {
    if (path === '/' || path === '') navigate('/leads', true);
  }, [path]);
  const report = match('/reports/:name', path);
  if (report && isReport(report.name!)) return <ReportsPage name={report.name} params={params} />;
  if (match('/reports', path)) return <ReportsPage name="funnel" params={params} />;
  if (match('/import', path)) return <ImportPage />;
  const lead = match('/leads/:id', path);
  if (lead) return <LeadPage id={lead.id!} />;
  if (match('/leads', path)) return <Leads params={params} />;
  const nudge = match('/nudges/:id', path);
  if (nudge || match('/nudges', path)) return <Nudges id={nudge?.id ?? null} status={params.get('status')} />;
  for (const [base, Page] of SECTIONS) {
    const one = match(`${base}/:id`, path);
    if (one || match(base, path)) return <Page id={one?.id ?? null} params={params} />;
  }
  if (path === '/' || path === '') return <Loading what="your leads" />;
  return <Empty title="No such page"><p>There is nothing at {path}. <Link to="/leads">Go to your leads</Link>.</p></Empty>;
}

/** Each address gets a fresh error boundary: a page that failed does not stay failed elsewhere. */
function Routed() {
  const { path, params } = useLocation();
  return <Boundary at={`${path}?${params}`}><Pages /></Boundary>;
}

function App() {
  const { me, checking } = useSession();
  if (checking) return <Loading what="your session" />;
  if (!me) return <SignIn />;
  return <Shell><Routed /></Shell>;
}

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <SessionProvider><App /></SessionProvider>
  </StrictMode>,
);
