import { useState, type FormEvent } from 'react';
import type { ComplianceService } from '../../../src/domain/compliance/compliance.service.ts';
import { api, query, type Answer } from '../api.ts';
import { Field, fieldError, instant, Outcome, useAction } from '../form.tsx';
import { DataTable } from '../table.tsx';
import { Empty } from '../ui.tsx';
import { contact, when, words } from './calls-shared.tsx';

// Consents as the law wants them kept: a phone's or e-mail's consents looked up (revoked ones
// too), a new one recorded as it was given (never changed afterwards), and a revocation by any
// means, which ends every consent of the contact and puts it on the do-not-contact list.

type Consent = Answer<ComplianceService['consents']>[number];
type Revoked = Answer<ComplianceService['revokeConsent']>;
const SCOPES = [['sms', 'texts'], ['voice', 'calls'], ['ai_voice', 'AI or recorded voice'], ['email', 'e-mail']] as const;
const METHODS = ['web_form', 'sms_keyword', 'voice_recording', 'key_press', 'email', 'paper'] as const;
const which = (value: string) => (value.includes('@') ? { email: value.trim() || undefined } : { phone: value.trim() || undefined });

export function Consents() {
  const [value, setValue] = useState('');
  const [looked, setLooked] = useState<string | null>(null);
  const [rows, setRows] = useState<Consent[] | null>(null);
  const act = useAction();
  const lookUp = (e?: FormEvent, of = value) => {
    e?.preventDefault();
    void act.run(() => api<{ data: Consent[] }>('GET', `/v1/consents${query(which(of))}`)).then((r) => {
      if (!r) return;
      setRows(r.data);
      setLooked(of.trim());
    });
  };
  const field = value.includes('@') ? 'email' : 'phone';
  return (
    <div className="cc-panel">
      <h1>Consents</h1>
      <form className="cc-form cc-lookup" aria-label="Look up consents" noValidate onSubmit={lookUp}>
        <Field id="consent-lookup" label="Phone or e-mail" error={act.error} name={field}>
          {(a) => <input {...a} value={value} autoComplete="off" onChange={(e) => setValue(e.target.value)} />}
        </Field>
        <button type="submit" disabled={act.busy || !value.trim()}>Look up</button>
      </form>
      <Outcome action={act} />
      {rows && looked ? (
        rows.length ? (
          <DataTable caption={`Consents of ${looked}`} rows={rows} columns={[
            { label: 'Contact', value: (c) => contact(c.display) }, { label: 'Seller', value: (c) => c.seller_name },
            { label: 'For', value: (c) => c.scope.map((s) => SCOPES.find(([k]) => k === s)?.[1] ?? s).join(', ') },
            { label: 'Kind', value: (c) => (c.type === 'pewc' ? 'written (PEWC)' : 'express (PEC)') }, { label: 'How', value: (c) => words(c.method) },
            { label: 'Given', value: (c) => when(c.captured_at) },
            { label: 'Evidence', value: (c) => (c.evidence_uri ? (/^https?:/.test(c.evidence_uri) ? <a href={c.evidence_uri} target="_blank" rel="noreferrer">open</a> : c.evidence_uri) : '—') },
            { label: 'Status', value: (c) => (c.revoked_at ? <><span className="badge bad">revoked</span> {when(c.revoked_at)} by {c.revoke_channel}{c.revoke_text ? `: “${c.revoke_text}”` : ''}</> : <span className="badge good">live</span>) },
          ]} />
        ) : <Empty title={`No consent for ${looked}`}><p>Record one below when the owner gives it: the gate needs written consent for marketing texts and AI calls.</p></Empty>
      ) : <p className="note">Look up a phone or e-mail to see every consent it gave, revoked ones included.</p>}
      <div className="cc-grid">
        <RecordConsent onRecorded={(of) => { setValue(of); lookUp(undefined, of); }} />
        <RevokeConsent onRevoked={(of) => { setValue(of); lookUp(undefined, of); }} />
      </div>
    </div>
  );
}

function RecordConsent({ onRecorded }: { onRecorded: (contact: string) => void }) {
  const [value, setValue] = useState('');
  const [seller, setSeller] = useState('');
  const [scope, setScope] = useState<string[]>([]);
  const [type, setType] = useState('pewc');
  const [method, setMethod] = useState('web_form');
  const [captured, setCaptured] = useState('');
  const [disclosure, setDisclosure] = useState('');
  const [evidence, setEvidence] = useState('');
  const act = useAction();
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void act.run(() => api<{ id: string }>('POST', '/v1/consents', {
      ...which(value), seller_name: seller.trim(), scope, type, method, captured_at: instant(captured),
      disclosure_text: disclosure.trim() || undefined, evidence_uri: evidence.trim() || undefined,
    }), () => 'Consent recorded: it is kept as given and cannot be changed.').then((r) => { if (r) onRecorded(value); });
  };
  const err = act.error;
  const scopeError = fieldError(err, 'scope');
  return (
    <form className="cc-form" aria-label="Record a consent" noValidate onSubmit={submit}>
      <h2>Record a consent</h2>
      <Field id="consent-contact" label="Phone or e-mail" error={err} name={value.includes('@') ? 'email' : 'phone'}>
        {(a) => <input {...a} value={value} autoComplete="off" onChange={(e) => setValue(e.target.value)} />}
      </Field>
      <Field id="consent-seller" label="Seller it names" error={err} name="seller_name">
        {(a) => <input {...a} value={seller} maxLength={200} onChange={(e) => setSeller(e.target.value)} />}
      </Field>
      <fieldset className="cc-checks" aria-describedby={scopeError ? 'consent-scope-error' : undefined}>
        <legend>It allows</legend>
        {SCOPES.map(([k, label]) => <label key={k}><input type="checkbox" checked={scope.includes(k)} onChange={(e) => setScope((s) => (e.target.checked ? [...s, k] : s.filter((x) => x !== k)))} /> {label}</label>)}
        {scopeError ? <p className="field-error" id="consent-scope-error">{scopeError}</p> : null}
      </fieldset>
      <div className="cc-row">
        <Field id="consent-type" label="Kind" error={err} name="type">
          {(a) => <select {...a} value={type} onChange={(e) => setType(e.target.value)}><option value="pewc">written (PEWC)</option><option value="pec">express (PEC)</option></select>}
        </Field>
        <Field id="consent-method" label="How it was given" error={err} name="method">
          {(a) => <select {...a} value={method} onChange={(e) => setMethod(e.target.value)}>{METHODS.map((m) => <option key={m} value={m}>{words(m)}</option>)}</select>}
        </Field>
        <Field id="consent-captured" label="When" error={err} name="captured_at" help="now if left empty">
          {(a) => <input {...a} type="datetime-local" value={captured} onChange={(e) => setCaptured(e.target.value)} />}
        </Field>
      </div>
      <Field id="consent-disclosure" label="Disclosure exactly as shown" error={err} name="disclosure_text" help="written consent needs it, or the evidence">
        {(a) => <textarea {...a} rows={3} value={disclosure} onChange={(e) => setDisclosure(e.target.value)} />}
      </Field>
      <Field id="consent-evidence" label="Evidence" error={err} name="evidence_uri" help="where the recording or signed form is">
        {(a) => <input {...a} value={evidence} maxLength={2000} onChange={(e) => setEvidence(e.target.value)} />}
      </Field>
      <div className="actions"><button type="submit" disabled={act.busy}>Record it</button></div>
      <Outcome action={act} />
    </form>
  );
}

function RevokeConsent({ onRevoked }: { onRevoked: (contact: string) => void }) {
  const [value, setValue] = useState('');
  const [channel, setChannel] = useState('sms');
  const [text, setText] = useState('');
  const act = useAction();
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void act.run(() => api<Revoked>('POST', '/v1/consents/revoke', { ...which(value), channel, text: text.trim() || undefined }),
      (r) => `${contact(r.contact)}: ${r.consents_revoked} ${r.consents_revoked === 1 ? 'consent' : 'consents'} ended, and it is on your do-not-contact list.`)
      .then((r) => { if (r) onRevoked(value); });
  };
  return (
    <form className="cc-form" aria-label="Revoke consent" noValidate onSubmit={submit}>
      <h2>Revoke consent</h2>
      <p className="note">Any reasonable way of saying no counts: every consent of the contact ends, and nothing more goes to it.</p>
      <Field id="revoke-contact" label="Phone or e-mail" error={act.error} name={value.includes('@') ? 'email' : 'phone'}>
        {(a) => <input {...a} value={value} autoComplete="off" onChange={(e) => setValue(e.target.value)} />}
      </Field>
      <Field id="revoke-channel" label="Said by" error={act.error} name="channel">
        {(a) => <select {...a} value={channel} onChange={(e) => setChannel(e.target.value)}><option value="sms">text</option><option value="call">call</option><option value="email">e-mail</option><option value="web">web</option></select>}
      </Field>
      <Field id="revoke-text" label="What they said" error={act.error} name="text" help="optional: “STOP”, “don't call again”">
        {(a) => <input {...a} value={text} maxLength={2000} onChange={(e) => setText(e.target.value)} />}
      </Field>
      <div className="actions"><button type="submit" className="danger" disabled={act.busy}>Revoke</button></div>
      <Outcome action={act} />
    </form>
  );
}
