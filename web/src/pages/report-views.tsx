import type { ReportsService } from '../../../src/domain/analytics/reports.service.ts';
import type { Answer } from '../api.ts';
import { Bars, Columns, Meter } from '../charts.tsx';
import { DataTable, money, num, pct } from '../table.tsx';

// What each report shows: a chart where a picture says it faster, and every figure in a table.

export type Reports = { [K in 'funnel' | 'roi' | 'costs' | 'quality' | 'usage' | 'team' | 'campaigns']: Answer<ReportsService[K]> };

const stage = (s: string) => s.replaceAll('_', ' ');
const duration = (s: number | null) => (s == null ? '—' : s < 3600 ? `${Math.round(s / 60)} min` : s < 172_800 ? `${(s / 3600).toFixed(1)} h` : `${(s / 86_400).toFixed(1)} days`);

export function FunnelView({ r }: { r: Reports['funnel'] }) {
  return (
    <>
      <p>{num(r.cohort)} leads created in the period{r.stages_configured ? '' : ' (the default stages)'}; each stage counts those that reached it or a later one.</p>
      <Bars title="Funnel" rows={r.rows.map((x, i) => ({ label: stage(x.stage), value: x.leads, note: i ? `${pct(x.from_previous)} of the stage before` : undefined }))} />
      <DataTable caption="Funnel" rows={r.rows} columns={[
        { label: 'Stage', value: (x) => stage(x.stage) }, { label: 'Leads', value: (x) => num(x.leads), numeric: true },
        { label: 'From the stage before', value: (x) => pct(x.from_previous), numeric: true }, { label: 'From the first', value: (x) => pct(x.from_first), numeric: true },
      ]} />
    </>
  );
}

export function RoiView({ r }: { r: Reports['roi'] }) {
  const name = (x: Reports['roi']['rows'][number]) => (x.attributed ? x.source : `${x.source} ${x.provider ?? ''}`.trim());
  return (
    <>
      <p>Spent {money(r.totals.spend_cents)} for {num(r.totals.leads)} leads ({money(r.totals.cost_per_lead_cents)} a lead), {num(r.totals.conversions)} won
        {r.totals.cost_per_conversion_cents != null ? ` (${money(r.totals.cost_per_conversion_cents)} each)` : ''}; revenue {money(r.totals.revenue_cents)}
        {r.totals.roi != null ? `, return ${pct(r.totals.roi)}` : ''}.</p>
      <h3>Spend by source</h3>
      <Bars title="Spend by source" unit="cents" rows={r.rows.map((x) => ({ label: name(x), value: x.spend_cents, note: x.conversions ? `${num(x.conversions)} won` : undefined }))} />
      <h3>Revenue by source</h3>
      <Bars title="Revenue by source" unit="cents" rows={r.rows.filter((x) => x.attributed).map((x) => ({ label: x.source, value: x.revenue_cents, tone: 'b', note: x.roi != null ? `return ${pct(x.roi)}` : undefined }))} />
      <DataTable caption="ROI by source" rows={r.rows} columns={[
        { label: 'Source', value: name }, { label: 'Leads', value: (x) => num(x.leads), numeric: true }, { label: 'Contactable', value: (x) => num(x.contactable), numeric: true },
        { label: 'Won', value: (x) => num(x.conversions), numeric: true }, { label: 'Spend', value: (x) => money(x.spend_cents), numeric: true },
        { label: 'Per lead', value: (x) => money(x.cost_per_lead_cents), numeric: true }, { label: 'Per contactable', value: (x) => money(x.cost_per_contactable_cents), numeric: true },
        { label: 'Per win', value: (x) => money(x.cost_per_conversion_cents), numeric: true }, { label: 'Revenue', value: (x) => money(x.revenue_cents), numeric: true },
        { label: 'Return', value: (x) => pct(x.roi), numeric: true },
      ]} />
    </>
  );
}

export function CostsView({ r }: { r: Reports['costs'] }) {
  return (
    <>
      <p>Spent {money(r.totals.spend_cents)} ({money(r.totals.charged_cents)} charged, {money(r.totals.pending_cents)} pending, {money(r.totals.in_doubt_cents)} in doubt,
        {' '}{money(r.totals.entered_cents)} entered by hand). Budget balance {money(r.budget.balance_cents)}; added in the period {money(r.budget.deposits_cents)}.</p>
      <h3>Spend by day</h3>
      <Columns title="Spend by day" unit="cents" points={r.by_day.map((d) => ({ day: d.day, value: d.spend_cents }))} />
      <h3>By provider</h3>
      <Bars title="Spend by provider" unit="cents" rows={r.by_provider.map((x) => ({ label: x.provider, value: x.spend_cents, note: `${num(x.calls)} calls` }))} />
      <h3>By stage</h3>
      <DataTable caption="Spend by stage" rows={r.by_stage} columns={[
        { label: 'Stage', value: (x) => x.stage }, { label: 'Calls', value: (x) => num(x.calls), numeric: true }, { label: 'Spend', value: (x) => money(x.spend_cents), numeric: true },
        { label: 'Charged', value: (x) => money(x.charged_cents), numeric: true }, { label: 'Pending', value: (x) => money(x.pending_cents), numeric: true },
      ]} />
    </>
  );
}

export function QualityView({ r }: { r: Reports['quality'] }) {
  const t = r.totals;
  return (
    <>
      <p>{num(t.count)} leads created in the period: average quality {t.avg_quality_score ?? '—'}, average lead score {t.avg_lead_score ?? '—'}.</p>
      <Bars title="Tiers" rows={[{ label: 'hot', value: t.hot, tone: 'c' }, { label: 'warm', value: t.warm, tone: 'b' }, { label: 'cold', value: t.cold }]} />
      <DataTable caption="Quality by status and source" rows={r.rows} columns={[
        { label: 'Status', value: (x) => stage(x.status ?? '—') }, { label: 'Source', value: (x) => x.source ?? '—' }, { label: 'Leads', value: (x) => num(x.count), numeric: true },
        { label: 'Avg quality', value: (x) => x.avg_quality_score ?? '—', numeric: true }, { label: 'Avg score', value: (x) => x.avg_lead_score ?? '—', numeric: true },
        { label: `Quality ≥ ${r.thresholds.contactable}`, value: (x) => num(x.contactable_count), numeric: true }, { label: 'Reachable', value: (x) => num(x.reachable_count), numeric: true },
        { label: 'Hot / warm / cold', value: (x) => `${x.hot} / ${x.warm} / ${x.cold}`, numeric: true },
      ]} />
    </>
  );
}

export function UsageView({ r }: { r: Reports['usage'] }) {
  return (
    <>
      <p>Plan: <strong>{r.plan}</strong>.</p>
      {r.rows.map((m) => <Meter key={m.month} label={`Billable leads, ${m.month}${m.scope === 'trial' ? ' (trial, to date)' : ''}`} used={m.counted} limit={m.limit} />)}
      <DataTable caption="Usage by month" rows={r.rows} columns={[
        { label: 'Month', value: (x) => x.month }, { label: 'Leads created', value: (x) => num(x.leads_created), numeric: true },
        { label: 'Billable leads', value: (x) => num(x.billable_leads), numeric: true }, { label: 'Left', value: (x) => (x.remaining == null ? 'no limit' : num(x.remaining)), numeric: true },
        { label: 'E-mails', value: (x) => num(x.email_messages), numeric: true }, { label: 'Texts', value: (x) => num(x.sms_messages), numeric: true },
        { label: 'Calls', value: (x) => num(x.calls_placed), numeric: true }, { label: 'Voice minutes', value: (x) => num(x.voice_minutes), numeric: true },
        { label: 'Billed', value: (x) => money(x.billed_cents), numeric: true },
      ]} />
    </>
  );
}

export function TeamView({ r }: { r: Reports['team'] }) {
  return (
    <DataTable caption="Team" rows={r.rows} columns={[
      { label: 'Person', value: (x) => x.full_name ?? x.email }, { label: 'Role', value: (x) => x.role }, { label: 'Assigned', value: (x) => num(x.assigned), numeric: true },
      { label: 'Contacted', value: (x) => num(x.contacted), numeric: true }, { label: 'Won', value: (x) => num(x.converted), numeric: true },
      { label: 'Median first touch', value: (x) => duration(x.median_first_touch_seconds), numeric: true },
      { label: 'Messages', value: (x) => num(x.messages_sent), numeric: true }, { label: 'Calls', value: (x) => num(x.calls), numeric: true },
    ]} />
  );
}

export function CampaignsView({ r }: { r: Reports['campaigns'] }) {
  const outreach = <T extends { sent: number; delivered: number; replied: number; opted_out: number; failed: number; cost_cents: number }>() => [
    { label: 'Sent', value: (x: T) => num(x.sent), numeric: true }, { label: 'Delivered', value: (x: T) => num(x.delivered), numeric: true },
    { label: 'Replied', value: (x: T) => num(x.replied), numeric: true }, { label: 'Opted out', value: (x: T) => num(x.opted_out), numeric: true },
    { label: 'Failed', value: (x: T) => num(x.failed), numeric: true }, { label: 'Cost', value: (x: T) => money(x.cost_cents), numeric: true },
  ];
  return (
    <>
      <h3>Campaigns</h3>
      <DataTable caption="Campaigns" rows={r.campaigns} empty="No campaign sent anything in this period." columns={[
        { label: 'Campaign', value: (x) => x.name }, { label: 'Channel', value: (x) => x.channel }, { label: 'Recipients', value: (x) => num(x.recipients), numeric: true },
        ...outreach<Reports['campaigns']['campaigns'][number]>()]} />
      <h3>Sequences</h3>
      <DataTable caption="Sequences" rows={r.sequences} empty="No sequence ran in this period." columns={[
        { label: 'Sequence', value: (x) => x.name }, { label: 'Enrolled', value: (x) => num(x.enrolled), numeric: true }, { label: 'Completed', value: (x) => num(x.completed), numeric: true },
        { label: 'Won', value: (x) => num(x.converted), numeric: true }, ...outreach<Reports['campaigns']['sequences'][number]>()]} />
    </>
  );
}
