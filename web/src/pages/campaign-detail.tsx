import { useState } from 'react';
import type { ReportsService } from '../../../src/domain/analytics/reports.service.ts';
import type { CampaignsService } from '../../../src/domain/campaigns/campaigns.service.ts';
import { api, query, type Answer } from '../api.ts';
import { Bars } from '../charts.tsx';
import { errorsFor, FieldErrors, instant, localInput, Outcome, useAction } from '../form.tsx';
import { useLoad } from '../load.ts';
import { Link, navigate } from '../router.tsx';
import { useSession } from '../session.tsx';
import { money, num, pct } from '../table.tsx';
import { Ago, Badge, ErrorState, Loading } from '../ui.tsx';
import { CampaignRecipients } from './campaign-recipients.tsx';
import { Confirm, Figures, plural } from './campaign-sequence-ui.tsx';

// One campaign: what it sends to whom, its verbs for its status (a draft is launched now or
// scheduled; a scheduled or sending one paused or cancelled; a paused one resumed or
// cancelled), its recipients by status and what its messages did, and the recipients one by one.

export type Campaign = Answer<CampaignsService['show']>;
type Launched = Answer<CampaignsService['launch']>;
type Report = Answer<ReportsService['campaigns']>;

/** The next whole hour after this one, as a datetime-local value: where a schedule starts. */
const inAnHour = () => {
  const d = new Date(Date.now() + 3_600_000);
  d.setMinutes(0, 0, 0);
  return localInput(d);
};

export function CampaignDetail({ id, params }: { id: string; params: URLSearchParams }) {
  const { me } = useSession();
  const manager = me?.role !== 'agent';
  const campaign = useLoad(() => api<Campaign>('GET', `/v1/campaigns/${encodeURIComponent(id)}`), [id]);
  const act = useAction();
  const [at, setAt] = useState(inAnHour);
  const [version, setVersion] = useState(0);
  const status = params.get('status') ?? '';
  const c = campaign.data;
  // opt-outs come from the campaigns report (a manager's), over the days since it was created
  const since = c?.created_at.slice(0, 10);
  const report = useLoad(async () => (manager && c && since
    ? (await api<Report>('GET', `/v1/reports/campaigns${query({ from: since })}`)).campaigns.find((x) => x.campaign_id === c.id) ?? null : null), [c?.id, since, manager, version]);

  const verb = (path: string, body: unknown, said: (r: Launched | Campaign) => string) => act.run(() => api<Launched | Campaign>('POST', `/v1/campaigns/${c!.id}/${path}`, body), (r) => {
    campaign.set(r);
    setVersion((v) => v + 1);
    return said(r);
  });
  const launched = (r: Launched | Campaign) => ('launched' in r && !r.launched ? `Nothing changed: the campaign is already ${r.status}.`
    : `${r.status === 'scheduled' ? 'Scheduled' : 'Launched'}: ${plural(r.recipients, 'recipient')} taken from the segment, ${r.recipients_by_status.skipped} skipped; ${r.status === 'scheduled' ? 'the first message goes at the time set' : `${r.recipients_by_status.sent} sent so far`}.`);

  if (campaign.error) return <section className="oc-page" aria-label="Campaign"><Link to="/campaigns">← All campaigns</Link><ErrorState error={campaign.error} retry={campaign.reload} /></section>;
  if (!c) return <Loading what="the campaign" />;
  const r = c.recipients_by_status;
  const e = c.engagement;
  // a refused time is said beside the time, not again under the buttons
  const atErrors = errorsFor(act.error, 'at');
  const refresh = () => {
    campaign.reload();
    setVersion((v) => v + 1);
  };

  return (
    <article className="oc-page" aria-label="Campaign">
      <Link to="/campaigns">← All campaigns</Link>
      <header className="oc-head">
        <h1>{c.name}</h1>
        <Badge value={c.status} />
        <button type="button" className="link" onClick={refresh} disabled={campaign.loading}>Refresh</button>
      </header>
      {c.description ? <p>{c.description}</p> : null}
      <dl className="facts oc-facts">
        <dt>Sends</dt><dd>{c.channel === 'sms' ? 'a text' : 'an e-mail'}, template <strong>{c.template.name ?? c.template.id}</strong> ({c.purpose})</dd>
        <dt>To</dt><dd>{c.segment ? <>every lead of segment <strong>{c.segment.name}</strong></> : 'its segment was deleted'}</dd>
        <dt>Pace</dt><dd>{c.throttle_per_minute ? `at most ${plural(c.throttle_per_minute, 'message')} a minute` : 'all at once'}</dd>
        {c.scheduled_for ? <><dt>First message</dt><dd><Ago at={c.scheduled_for} /></dd></> : null}
        {c.launched_at ? <><dt>Launched</dt><dd><Ago at={c.launched_at} /></dd></> : null}
        {c.paused_at ? <><dt>Paused</dt><dd><Ago at={c.paused_at} /></dd></> : null}
        {c.completed_at ? <><dt>Completed</dt><dd><Ago at={c.completed_at} /></dd></> : null}
        {c.cancelled_at ? <><dt>Cancelled</dt><dd><Ago at={c.cancelled_at} /></dd></> : null}
      </dl>

      {manager ? (
        <div className="actions" aria-label="Campaign actions">
          {c.status === 'draft' ? (
            <>
              <Confirm label="Launch now" question={`Take the segment's leads and start sending${c.throttle_per_minute ? ` (${c.throttle_per_minute} a minute)` : ''}?`} busy={act.busy}
                onConfirm={() => void verb('launch', {}, launched)} />
              <form className="oc-schedule" onSubmit={(ev) => { ev.preventDefault(); void verb('schedule', { at: instant(at) }, launched); }}>
                <label htmlFor="campaign-at">or start at</label>
                <input id="campaign-at" type="datetime-local" value={at} required onChange={(ev) => setAt(ev.target.value)}
                  aria-invalid={atErrors.length > 0 || undefined} aria-describedby={atErrors.length ? 'campaign-at-errors' : undefined} />
                <button type="submit" className="secondary" disabled={act.busy || !at}>Schedule</button>
                <FieldErrors id="campaign-at-errors" errors={atErrors} />
              </form>
            </>
          ) : null}
          {c.status === 'sending' || c.status === 'scheduled' ? <button type="button" className="secondary" disabled={act.busy}
            onClick={() => void verb('pause', undefined, () => 'Paused: the messages not yet handed over wait until you resume.')}>Pause</button> : null}
          {c.status === 'paused' ? <button type="button" disabled={act.busy}
            onClick={() => void verb('resume', undefined, (x) => (x.status === 'completed' ? 'Nothing was left to send: the campaign is complete.' : 'Resumed: what is still queued gets new slots from now.'))}>Resume</button> : null}
          {['scheduled', 'sending', 'paused'].includes(c.status) ? <Confirm label="Cancel campaign" question="Cancel every message not yet handed over?" busy={act.busy}
            onConfirm={() => void verb('cancel', undefined, () => 'Cancelled: the messages not yet sent never will be.')} /> : null}
          {c.status === 'draft' ? <span className="note">Draft: nothing is sent until it is launched.</span> : null}
        </div>
      ) : null}
      <Outcome action={atErrors.length ? { done: act.done, error: null } : act} />

      <section aria-labelledby="performance-title">
        <h2 id="performance-title">Performance</h2>
        <Figures label="Messages" items={[
          { label: 'Recipients', value: num(c.recipients) }, { label: 'Sent', value: num(e.sent) },
          { label: 'Delivered', value: num(e.delivered), note: pct(e.delivery_rate) }, { label: 'Opened', value: num(e.opened), note: pct(e.open_rate) },
          { label: 'Clicked', value: num(e.clicked), note: pct(e.click_rate) }, { label: 'Replied', value: num(e.replied), note: pct(e.reply_rate) },
          ...(manager ? [{ label: 'Opted out', value: report.data ? num(report.data.opted_out) : report.data === null ? '0' : '—' }] : []),
          { label: 'Failed', value: num(e.failed) }, { label: 'Cost', value: money(Number(e.cost_cents)) },
        ]} />
        {c.recipients ? (
          <>
            <h3 className="oc-sub">Recipients by status</h3>
            <Bars title="Recipients by status" rows={[
              { label: 'queued', value: r.queued }, { label: 'sent', value: r.sent, tone: 'b' }, { label: 'delivered', value: r.delivered, tone: 'b' },
              { label: 'failed', value: r.failed, tone: 'c' }, { label: 'skipped', value: r.skipped, tone: 'c' }, { label: 'cancelled', value: r.cancelled, tone: 'c' },
            ]} />
          </>
        ) : <p className="note">{c.status === 'draft' ? 'The recipients are taken from the segment when it is launched or scheduled.' : 'The segment had no leads when it was launched.'}</p>}
        <p className="note">Opened and clicked come from the e-mail provider's webhooks, delivered and replied from the text provider's. Opted out counts recipients who asked to hear no more after their message; each reply and opt-out is on the lead's timeline.{manager ? <> More in the <Link to="/reports/campaigns">campaigns report</Link>.</> : null}</p>
      </section>

      <CampaignRecipients campaign={c} version={version} status={status} onStatus={(s) => navigate(`/campaigns/${c.id}${s ? `?status=${s}` : ''}`)} />
    </article>
  );
}
