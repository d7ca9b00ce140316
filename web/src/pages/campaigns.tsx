import { useState, type FormEvent } from 'react';
import type { CampaignsService } from '../../../src/domain/campaigns/campaigns.service.ts';
import type { TemplatesService } from '../../../src/domain/outreach/templates.service.ts';
import type { SegmentsService } from '../../../src/domain/segments/segments.service.ts';
import { api, ApiError, query, type Answer } from '../api.ts';
import { useLoad } from '../load.ts';
import { Link, navigate, type PageProps } from '../router.tsx';
import { useSession } from '../session.tsx';
import { Ago, Empty, ErrorState, Loading } from '../ui.tsx';
import { errorsFor, FieldErrors, Status, When } from './campaign-sequence-ui.tsx';
import { CampaignDetail, type Campaign } from './campaign-detail.tsx';

// Campaigns: one saved template to a saved segment's leads, throttled. The list by status
// (?status=), a new draft (?new=1) from a template and a segment, and one campaign's page
// (/campaigns/<id>) to launch, schedule, pause, resume or cancel it and follow its recipients.

type List = Answer<CampaignsService['list']>;
type Templates = Answer<TemplatesService['list']>;
type Segments = { data: Answer<SegmentsService['list']> };
const TABS = ['', 'draft', 'scheduled', 'sending', 'paused', 'completed', 'cancelled'] as const;

export function CampaignsPage({ id, params }: PageProps) {
  if (id) return <CampaignDetail key={id} id={id} params={params} />;
  return <CampaignList status={params.get('status') ?? ''} creating={params.get('new') === '1'} />;
}

function CampaignList({ status, creating }: { status: string; creating: boolean }) {
  const { me } = useSession();
  const manager = me?.role !== 'agent';
  const list = useLoad(() => api<List>('GET', `/v1/campaigns${query({ status })}`), [status]);
  const rows = list.data?.data ?? [];
  return (
    <section className="oc-page" aria-label="Campaigns">
      <div className="oc-head">
        <h1>Campaigns</h1>
        {manager && !creating ? <Link className="oc-button" to="/campaigns?new=1">New campaign</Link> : null}
      </div>
      <p className="note">One saved template to every lead of a saved segment, at most so many a minute, each message through the compliance gate.</p>
      {creating ? <CampaignCreate onCancel={() => navigate('/campaigns')} /> : null}
      <nav className="tabs oc-tabs" aria-label="Status">
        {TABS.map((t) => <Link key={t || 'all'} to={`/campaigns${query({ status: t })}`} aria-current={status === t ? 'page' : undefined}>{t || 'all'}</Link>)}
      </nav>
      {list.error ? <ErrorState error={list.error} retry={list.reload} />
        : !list.data ? <Loading what="campaigns" />
          : !rows.length ? (
            <Empty title={status ? `No ${status} campaign` : 'No campaigns yet'}>
              {status ? <p><Link to="/campaigns">See every campaign</Link>.</p>
                : manager ? <p><Link to="/campaigns?new=1">Create one</Link> from a saved template and a saved segment, then launch it now or schedule it.</p>
                  : <p>A manager creates and launches campaigns; you can follow them here.</p>}
            </Empty>
          ) : (
            <div className="table-wrap" aria-busy={list.loading}>
              <table className="oc-list">
                <caption className="sr-only">Campaigns</caption>
                <thead><tr><th>Campaign</th><th>Status</th><th>Channel</th><th>Template</th><th>Segment</th><th className="num">Recipients</th><th>Starts</th><th>Created</th></tr></thead>
                <tbody>
                  {rows.map((c) => (
                    <tr key={c.id} data-id={c.id}>
                      <td><Link to={`/campaigns/${c.id}`}>{c.name}</Link></td>
                      <td><Status value={c.status} /></td>
                      <td>{c.channel === 'sms' ? 'text' : 'e-mail'}</td>
                      <td>{c.template_name ?? '—'}</td>
                      <td>{c.segment_name ?? <span className="note">deleted</span>}</td>
                      <td className="num">{c.recipients}</td>
                      <td><When at={c.scheduled_for} /></td>
                      <td><Ago at={c.created_at} /></td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
    </section>
  );
}

function CampaignCreate({ onCancel }: { onCancel: () => void }) {
  const templates = useLoad(() => api<Templates>('GET', '/v1/templates'), []);
  const segments = useLoad(() => api<Segments>('GET', '/v1/segments'), []);
  const [form, setForm] = useState({ name: '', description: '', template: '', segment: '', purpose: 'marketing', throttle: '' });
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error | null>(null);
  const set = (k: keyof typeof form) => (e: { target: { value: string } }) => setForm((f) => ({ ...f, [k]: e.target.value }));
  const usable = (templates.data?.data ?? []).filter((t) => t.channel !== 'call');

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const c = await api<Campaign>('POST', '/v1/campaigns', {
        name: form.name, description: form.description.trim() || null, template: form.template, segment: form.segment, purpose: form.purpose,
        throttle_per_minute: form.throttle ? Number(form.throttle) : null,
      });
      navigate(`/campaigns/${c.id}`);
    } catch (err) {
      setError(err instanceof Error ? err : new Error(String(err)));
    } finally {
      setBusy(false);
    }
  }

  const field = (name: string, input: string) => {
    const errors = errorsFor(error, name);
    return { id: input, ...(errors.length ? { 'aria-invalid': true as const, 'aria-describedby': `${input}-errors` } : {}) };
  };
  const errs = (name: string, input: string) => <FieldErrors id={`${input}-errors`} errors={errorsFor(error, name)} />;
  const named = ['name', 'description', 'template', 'segment', 'purpose', 'throttle_per_minute', 'channel'];
  const beside = error instanceof ApiError && error.details.length && error.details.every((d) => named.some((n) => errorsFor(error, n).includes(d)));

  if (templates.error) return <ErrorState error={templates.error} retry={templates.reload} />;
  if (segments.error) return <ErrorState error={segments.error} retry={segments.reload} />;
  if (!templates.data || !segments.data) return <Loading what="templates and segments" />;
  if (!usable.length || !segments.data.data.length) {
    return (
      <Empty title="A campaign needs a saved template and a saved segment">
        <p>{!usable.length ? <>Save a text or e-mail template first (<code>porchlight templates create</code> or <code>POST /v1/templates</code>). </> : null}
          {!segments.data.data.length ? <>Save a segment of leads (<code>porchlight segments create</code> or <code>POST /v1/segments</code>).</> : null}</p>
        <button type="button" className="secondary" onClick={onCancel}>Close</button>
      </Empty>
    );
  }

  return (
    <form className="oc-form" aria-label="New campaign" onSubmit={(e) => void submit(e)} noValidate>
      <h2>New campaign</h2>
      <div className="oc-fields">
        <div className="oc-field"><label htmlFor="campaign-name">Name</label><input {...field('name', 'campaign-name')} value={form.name} maxLength={200} onChange={set('name')} />{errs('name', 'campaign-name')}</div>
        <div className="oc-field">
          <label htmlFor="campaign-template">Template</label>
          <select {...field('template', 'campaign-template')} value={form.template} onChange={set('template')}>
            <option value="">Pick a template…</option>
            {usable.map((t) => <option key={t.id} value={t.id}>{t.name} ({t.channel === 'sms' ? `text${t.sms ? `, ${t.sms.segments} segment${t.sms.segments === 1 ? '' : 's'}` : ''}` : 'e-mail'})</option>)}
          </select>
          {errs('template', 'campaign-template')}{errs('channel', 'campaign-template')}
        </div>
        <div className="oc-field">
          <label htmlFor="campaign-segment">Segment</label>
          <select {...field('segment', 'campaign-segment')} value={form.segment} onChange={set('segment')}>
            <option value="">Pick a segment…</option>
            {segments.data.data.map((g) => <option key={g.id} value={g.id}>{g.name}{g.lead_count != null ? ` (${g.lead_count} leads when counted)` : ''}</option>)}
          </select>
          {errs('segment', 'campaign-segment')}
        </div>
        <div className="oc-field">
          <label htmlFor="campaign-purpose">Purpose</label>
          <select {...field('purpose', 'campaign-purpose')} value={form.purpose} onChange={set('purpose')}>
            <option value="marketing">marketing</option>
            <option value="informational">informational</option>
          </select>
        </div>
        <div className="oc-field">
          <label htmlFor="campaign-throttle">At most, a minute (empty: all at once)</label>
          <input {...field('throttle_per_minute', 'campaign-throttle')} type="number" min={1} max={100000} inputMode="numeric" value={form.throttle} onChange={set('throttle')} />
          {errs('throttle_per_minute', 'campaign-throttle')}
        </div>
        <div className="oc-field oc-wide"><label htmlFor="campaign-description">Description (optional)</label><input {...field('description', 'campaign-description')} value={form.description} maxLength={2000} onChange={set('description')} />{errs('description', 'campaign-description')}</div>
      </div>
      {beside ? <p className="field-error" role="alert">Not created: {error.message}</p> : error ? <ErrorState error={error} /> : null}
      <p className="note">It is saved as a draft: nothing is sent until you launch or schedule it from its page.</p>
      <div className="actions">
        <button type="submit" disabled={busy}>Create draft</button>
        <button type="button" className="secondary" onClick={onCancel}>Cancel</button>
      </div>
    </form>
  );
}
