import { useEffect, useState, type FormEvent } from 'react';
import type { MessagesService } from '../../../src/domain/outreach/messages.service.ts';
import type { TenancyService } from '../../../src/domain/tenancy/tenancy.service.ts';
import { api, type Answer } from '../api.ts';
import { Field, numberOrText, Outcome, useAction } from '../form.tsx';
import { useLoad } from '../load.ts';
import { Link, type PageProps } from '../router.tsx';
import { money } from '../table.tsx';
import { Ago, ErrorState, Loading } from '../ui.tsx';
import { atLeast, words, type Role } from './settings-form.tsx';

// The organization (its name; what else it holds is shown with where to change it) and how its
// outreach identifies itself: sender, addresses, what each channel costs, its own frequency cap.

type Org = Answer<TenancyService['getOrganization']>;
type Outreach = Answer<MessagesService['settings']>;
type Props = PageProps & { role: Role };
const WHERE: Record<string, [string, string]> = {
  scoring: ['/settings/scoring', 'Scoring weights'], enrichment: ['/settings/providers', 'Providers'], outreach: ['/settings/outreach', 'Outreach'],
};

export function OrganizationSection({ role }: Props) {
  const org = useLoad(() => api<Org>('GET', '/v1/organization'), []);
  const [name, setName] = useState('');
  useEffect(() => setName(org.data?.name ?? ''), [org.data]);
  const save = useAction();
  const admin = atLeast(role, 'admin');
  if (org.error) return <ErrorState error={org.error} retry={org.reload} />;
  if (!org.data) return <Loading what="the organization" />;
  const o = org.data;
  const sections = Object.keys((o.settings ?? {}) as object);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void save.run(() => api<Org>('PATCH', '/v1/organization', { name }), (r) => {
      org.set(r);
      return `Renamed to ${r.name}.`;
    });
  };
  return (
    <>
      <form className="settings-form" onSubmit={submit}>
        <fieldset disabled={!admin || save.busy} className="row">
          <legend className="sr-only">Organization</legend>
          <Field label="Name" name="name" error={save.error}>{(p) => <input {...p} required maxLength={200} value={name} onChange={(e) => setName(e.target.value)} />}</Field>
        </fieldset>
        {admin ? <div className="actions"><button type="submit" disabled={save.busy || name.trim() === o.name}>{save.busy ? 'Saving…' : 'Save'}</button></div>
          : <p className="note">Only admins and owners rename the organization.</p>}
        <Outcome action={save} fields={['name']} />
      </form>
      <dl className="facts">
        <dt>Short name</dt><dd><code>{o.slug}</code> (the command line's <code>--org</code>)</dd>
        <dt>Plan</dt><dd>{o.plan}</dd>
        <dt>Created</dt><dd><Ago at={o.created_at} /></dd>
        <dt>Id</dt><dd><code>{o.id}</code></dd>
        <dt>Changed from the defaults</dt>
        <dd>{sections.length ? sections.map((s, i) => <span key={s}>{i ? ', ' : ''}{WHERE[s] ? <Link to={WHERE[s][0]}>{WHERE[s][1]}</Link> : words(s)}</span>) : 'nothing yet: every setting has its default'}</dd>
      </dl>
      <p className="note">Time zones belong to people (under <Link to="/settings/users">Users</Link>) and to leads: messages and calls keep to each lead's local hours and the quiet hours the law and the lead set.</p>
    </>
  );
}

const PRICES = ['sms', 'email', 'call', 'ai_call', 'call_minute', 'ai_call_minute'] as const;
const PRICE_LABEL: Record<(typeof PRICES)[number], string> = {
  sms: 'A text (per segment)', email: 'An e-mail', call: 'A call placed', ai_call: 'An AI call placed', call_minute: 'A call minute', ai_call_minute: 'An AI call minute',
};
const TEXTS = [
  ['sender_name', 'Sender name', 'the business name messages and calls identify you by'],
  ['from_email', 'From e-mail', 'an address, or "Name <address>"'],
  ['from_phone', 'From phone', 'E.164, like +15125550100'],
  ['postal_address', 'Postal address', 'every marketing e-mail carries it (CAN-SPAM)'],
] as const;

type Form = Record<string, string | boolean>;
function toForm(s: Outreach): Form {
  return {
    ...Object.fromEntries(TEXTS.map(([k]) => [k, s[k] ?? ''])),
    email_authenticated: s.email_authenticated, sms_sender_registered: s.sms_sender_registered,
    ...Object.fromEntries(PRICES.map((k) => [`prices.${k}`, String(s.prices[k])])),
    cap_on: s.frequency_cap !== null, 'frequency_cap.count': String(s.frequency_cap?.count ?? 3), 'frequency_cap.hours': String(s.frequency_cap?.hours ?? 24),
  };
}

export function OutreachSection({ role }: Props) {
  const settings = useLoad(() => api<Outreach>('GET', '/v1/outreach/settings'), []);
  const [form, setForm] = useState<Form>({});
  useEffect(() => {
    if (settings.data) setForm(toForm(settings.data));
  }, [settings.data]);
  const save = useAction();
  const admin = atLeast(role, 'admin');
  if (settings.error) return <ErrorState error={settings.error} retry={settings.reload} />;
  if (!settings.data || !('sender_name' in form)) return <Loading what="the outreach settings" />;
  const s = settings.data;
  const set = (k: string, v: string | boolean) => setForm((f) => ({ ...f, [k]: v }));
  const text = (k: string) => String(form[k] ?? '');

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const patch: Record<string, unknown> = {};
    for (const [k] of TEXTS) if (text(k).trim() !== (s[k] ?? '')) patch[k] = text(k).trim() || null;
    for (const k of ['email_authenticated', 'sms_sender_registered'] as const) if (form[k] !== s[k]) patch[k] = form[k];
    const prices = Object.fromEntries(PRICES.filter((k) => text(`prices.${k}`) !== String(s.prices[k])).map((k) => [k, numberOrText(text(`prices.${k}`))]));
    if (Object.keys(prices).length) patch.prices = prices;
    const cap = form.cap_on ? { count: numberOrText(text('frequency_cap.count')), hours: numberOrText(text('frequency_cap.hours')) } : null;
    if (JSON.stringify(cap) !== JSON.stringify(s.frequency_cap)) patch.frequency_cap = cap;
    if (!Object.keys(patch).length) return void save.run(async () => null, 'Nothing changed.');
    void save.run(() => api<Outreach>('PATCH', '/v1/outreach/settings', patch), (r) => {
      settings.set(r);
      return `Saved: ${Object.keys(patch).map(words).join(', ').toLowerCase()}.`;
    });
  };
  const fields = [...TEXTS.map(([k]) => k), 'email_authenticated', 'sms_sender_registered', 'prices', 'frequency_cap'];

  return (
    <form className="settings-form" onSubmit={submit}>
      <fieldset disabled={!admin || save.busy} className="grid">
        <legend>Who messages come from</legend>
        {TEXTS.map(([k, label, help]) => (
          <Field key={k} label={label} name={k} error={save.error} help={help}>
            {(p) => (k === 'postal_address' ? <textarea {...p} rows={2} value={text(k)} onChange={(e) => set(k, e.target.value)} />
              : <input {...p} type={k === 'from_phone' ? 'tel' : 'text'} value={text(k)} onChange={(e) => set(k, e.target.value)} />)}
          </Field>
        ))}
        <label className="check wide"><input type="checkbox" checked={form.email_authenticated === true} onChange={(e) => set('email_authenticated', e.target.checked)} /> The from domain publishes SPF, DKIM and DMARC</label>
        <label className="check wide"><input type="checkbox" checked={form.sms_sender_registered === true} onChange={(e) => set('sms_sender_registered', e.target.checked)} /> The from number is registered (10DLC, toll-free verified or a short code)</label>
      </fieldset>
      <fieldset disabled={!admin || save.busy} className="grid">
        <legend>Prices when the provider does not say (cents)</legend>
        {PRICES.map((k) => (
          <Field key={k} label={PRICE_LABEL[k]} name={`prices.${k}`} error={save.error} help={money(Number(text(`prices.${k}`)) || 0)}>
            {(p) => <input {...p} type="number" min={0} step={1} value={text(`prices.${k}`)} onChange={(e) => set(`prices.${k}`, e.target.value)} />}
          </Field>
        ))}
      </fieldset>
      <fieldset disabled={!admin || save.busy} className="grid">
        <legend>Frequency cap</legend>
        <label className="check wide"><input type="checkbox" checked={form.cap_on === true} onChange={(e) => set('cap_on', e.target.checked)} /> Limit calls and marketing texts to one number, beyond the states' own caps</label>
        {form.cap_on ? (
          <>
            <Field label="At most" name="frequency_cap.count" error={save.error}>{(p) => <input {...p} type="number" min={1} max={100} value={text('frequency_cap.count')} onChange={(e) => set('frequency_cap.count', e.target.value)} />}</Field>
            <Field label="In hours" name="frequency_cap.hours" error={save.error}>{(p) => <input {...p} type="number" min={1} value={text('frequency_cap.hours')} onChange={(e) => set('frequency_cap.hours', e.target.value)} />}</Field>
          </>
        ) : null}
      </fieldset>
      {admin ? <div className="actions"><button type="submit" disabled={save.busy}>{save.busy ? 'Saving…' : 'Save'}</button></div>
        : <p className="note">Only admins and owners change the outreach settings.</p>}
      <Outcome action={save} fields={fields} />
      <p className="note">Sending hours follow each lead: messages wait for the lead's local daytime and their quiet hours (see <Link to="/compliance">Compliance</Link>).</p>
    </form>
  );
}
