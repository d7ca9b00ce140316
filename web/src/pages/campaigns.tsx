import { useState, type FormEvent } from 'react';
import type { CampaignsService } from '../../../src/domain/campaigns/campaigns.service.ts';
import type { TemplatesService } from '../../../src/domain/outreach/templates.service.ts';
import type { SegmentsService } from '../../../src/domain/segments/segments.service.ts';
import { api, query, type Answer } from '../api.ts';
import { Field, namedOnForm, useAction } from '../form.tsx';
import { useLoad } from '../load.ts';
import { Link, navigate, type PageProps } from '../router.tsx';
import { useSession } from '../session.tsx';
import { Ago, Badge, Empty, ErrorState, Loading } from '../ui.tsx';
import { CampaignDetail, type Campaign } from './campaign-detail.tsx';

// Campaigns: one saved template to a saved segment's leads, throttled. The list by status
// (?status=), a new draft (?new=1) from a template and a segment, and one campaign's page
// (/campaigns/<id>) to launch, schedule, pause, resume or cancel it and follow its recipients.

type List = Answer<CampaignsService['list']>;
type Templates = Answer<TemplatesService['list']>;
type Segments = { data: Answer<SegmentsService['list']> };
const TABS = ['', 'draft', 'scheduled', 'sending', 'paused', 'completed', 'cancelled'] as const;
// the fields of a new campaign the API may name: a problem with one is shown beside it
const NAMED = ['name', 'description', 'template', 'segment', 'purpose', 'throttle_per_minute', 'channel'];

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
                      <td><Badge value={c.status} /></td>
                      <td>{c.channel === 'sms' ? 'text' : 'e-mail'}</td>
                      <td>{c.template_name ?? '—'}</td>
                      <td>{c.segment_name ?? <span className="note">deleted</span>}</td>
                      <td className="num">{c.recipients}</td>
                      <td><Ago at={c.scheduled_for} /></td>
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
  const act = useAction();
  const set = (k: keyof typeof form) => (e: { target: { value: string } }) => setForm((f) => ({ ...f, [k]: e.target.value }));
  const usable = (templates.data?.data ?? []).filter((t) => t.channel !== 'call');

  const submit = (e: FormEvent) => {
    e.preventDefault();
    void act.run(() => api<Campaign>('POST', '/v1/campaigns', {
      name: form.name, description: form.description.trim() || null, template: form.template, segment: form.segment, purpose: form.purpose,
      throttle_per_minute: form.throttle ? Number(form.throttle) : null,
    })).then((c) => c && navigate(`/campaigns/${c.id}`));
  };
  const { error } = act;
  // each input's id and its errors' (campaign-template, campaign-template-errors)
  const ids = (input: string) => ({ id: `campaign-${input}`, errorId: `campaign-${input}-errors` });

  if (templates.error) return <ErrorState error={templates.error} retry={templates.reload} />;
  if (segments.error) return <ErrorState error={segments.error} retry={segments.reload} />;
  if (!templates.data || !segments.data) return <Loading what="templates and segments" />;
  const saved = segments.data.data;
  if (!usable.length || !saved.length) {
    return (
      <Empty title="A campaign needs a saved template and a saved segment">
        <p>{!usable.length ? <>Save a text or e-mail template first (<code>porchlight templates create</code> or <code>POST /v1/templates</code>). </> : null}
          {!saved.length ? <>Save a segment of leads (<code>porchlight segments create</code> or <code>POST /v1/segments</code>).</> : null}</p>
        <button type="button" className="secondary" onClick={onCancel}>Close</button>
      </Empty>
    );
  }

  return (
    <form className="oc-form" aria-label="New campaign" onSubmit={submit} noValidate>
      <h2>New campaign</h2>
      <div className="oc-fields">
        <Field {...ids('name')} label="Name" name="name" error={error}>{(a) => <input {...a} value={form.name} maxLength={200} onChange={set('name')} />}</Field>
        <Field {...ids('template')} label="Template" name={['template', 'channel']} error={error}>
          {(a) => (
            <select {...a} value={form.template} onChange={set('template')}>
              <option value="">Pick a template…</option>
              {usable.map((t) => <option key={t.id} value={t.id}>{t.name} ({t.channel === 'sms' ? `text${t.sms ? `, ${t.sms.segments} segment${t.sms.segments === 1 ? '' : 's'}` : ''}` : 'e-mail'})</option>)}
            </select>
          )}
        </Field>
        <Field {...ids('segment')} label="Segment" name="segment" error={error}>
          {(a) => (
            <select {...a} value={form.segment} onChange={set('segment')}>
              <option value="">Pick a segment…</option>
              {saved.map((g) => <option key={g.id} value={g.id}>{g.name}{g.lead_count != null ? ` (${g.lead_count} leads when counted)` : ''}</option>)}
            </select>
          )}
        </Field>
        <Field {...ids('purpose')} label="Purpose" name="purpose" error={error}>
          {(a) => (
            <select {...a} value={form.purpose} onChange={set('purpose')}>
              <option value="marketing">marketing</option>
              <option value="informational">informational</option>
            </select>
          )}
        </Field>
        <Field {...ids('throttle')} label="At most, a minute (empty: all at once)" name="throttle_per_minute" error={error}>
          {(a) => <input {...a} type="number" min={1} max={100000} inputMode="numeric" value={form.throttle} onChange={set('throttle')} />}
        </Field>
        <Field {...ids('description')} label="Description (optional)" name="description" error={error} className="oc-wide">
          {(a) => <input {...a} value={form.description} maxLength={2000} onChange={set('description')} />}
        </Field>
      </div>
      {namedOnForm(error, NAMED) ? <p className="field-error" role="alert">Not created: {error.message}</p> : error ? <ErrorState error={error} /> : null}
      <p className="note">It is saved as a draft: nothing is sent until you launch or schedule it from its page.</p>
      <div className="actions">
        <button type="submit" disabled={act.busy}>Create draft</button>
        <button type="button" className="secondary" onClick={onCancel}>Cancel</button>
      </div>
    </form>
  );
}
