import { useState, type FormEvent } from 'react';
import type { ComplianceService } from '../../../src/domain/compliance/compliance.service.ts';
import { api, type Answer } from '../api.ts';
import { Field, instant, Outcome, useAction } from '../form.tsx';
import { Link } from '../router.tsx';
import { contact, LeadPicker, when } from './calls-shared.tsx';
import { Codes, explain, GateFacts, OBLIGATIONS, Verdict } from './compliance-shared.tsx';

// Asking the gate before sending: a lead (its owner's best phone or e-mail and mailing place) or
// a phone or e-mail with where it is, a channel, a purpose and when. The answer is the one the
// outbox would get: allowed with what the sender must do, blocked with every reason, or held
// back until a time. It is kept in the decisions log like every other.

type Checked = Answer<ComplianceService['check']>;
const CHANNELS = [['call', 'a call by a person'], ['ai_call', 'a call by the AI agent'], ['sms', 'a text'], ['email', 'an e-mail']] as const;

export function CheckForm() {
  const [who, setWho] = useState<'contact' | 'lead'>('contact');
  const [lead, setLead] = useState('');
  const [value, setValue] = useState('');
  const [zip, setZip] = useState('');
  const [state, setState] = useState('');
  const [channel, setChannel] = useState('call');
  const [purpose, setPurpose] = useState('marketing');
  const [at, setAt] = useState('');
  const [record, setRecord] = useState(false);
  const [disclosed, setDisclosed] = useState(false);
  const [answer, setAnswer] = useState<Checked | null>(null);
  const act = useAction();
  const phoneChannel = channel !== 'email';

  const submit = (e: FormEvent) => {
    e.preventDefault();
    setAnswer(null);
    const target = who === 'lead' ? { lead_id: lead || undefined }
      : { ...(value.includes('@') ? { email: value.trim() || undefined } : { phone: value.trim() || undefined }), zip: zip.trim() || undefined, state: state.trim() || undefined };
    void act.run(() => api<Checked>('POST', '/v1/compliance/check', {
      ...target, channel, purpose, at: instant(at), ...(phoneChannel && record ? { record: true, recording_disclosure: disclosed } : {}),
    })).then((r) => r && setAnswer(r));
  };
  const err = act.error;

  return (
    <div className="cc-panel">
      <h1>Check before you send</h1>
      <p className="note">The gate answers as it would for a real message, from your lists, the consents on file, the registry copy, the place and the hour. The answer is kept in the decisions log.</p>
      <form className="cc-form" aria-label="Check before you send" noValidate onSubmit={submit}>
        <fieldset className="cc-checks">
          <legend>Who</legend>
          <label><input type="radio" name="check-who" checked={who === 'contact'} onChange={() => setWho('contact')} /> a phone or e-mail</label>
          <label><input type="radio" name="check-who" checked={who === 'lead'} onChange={() => setWho('lead')} /> a lead</label>
        </fieldset>
        {who === 'lead' ? <LeadPicker id="check-lead" value={lead} onChange={setLead} error={err} />
          : (
            <div className="cc-row">
              <Field id="check-contact" label="Phone or e-mail" error={err} name={value.includes('@') ? 'email' : 'phone'}>
                {(a) => <input {...a} value={value} autoComplete="off" onChange={(e) => setValue(e.target.value)} />}
              </Field>
              <Field id="check-zip" label="ZIP" error={err} name="zip" help="where they live, if known">
                {(a) => <input {...a} value={zip} inputMode="numeric" maxLength={5} onChange={(e) => setZip(e.target.value)} />}
              </Field>
              <Field id="check-state" label="State" error={err} name="state" help="2 letters">
                {(a) => <input {...a} value={state} maxLength={2} onChange={(e) => setState(e.target.value)} />}
              </Field>
            </div>
          )}
        <div className="cc-row">
          <Field id="check-channel" label="What" error={err} name="channel">
            {(a) => <select {...a} value={channel} onChange={(e) => setChannel(e.target.value)}>{CHANNELS.map(([k, l]) => <option key={k} value={k}>{l}</option>)}</select>}
          </Field>
          <Field id="check-purpose" label="Purpose" error={err} name="purpose">
            {(a) => <select {...a} value={purpose} onChange={(e) => setPurpose(e.target.value)}><option value="marketing">marketing</option><option value="informational">informational</option></select>}
          </Field>
          <Field id="check-at" label="When" error={err} name="at" help="now if left empty">
            {(a) => <input {...a} type="datetime-local" value={at} onChange={(e) => setAt(e.target.value)} />}
          </Field>
        </div>
        {phoneChannel ? (
          <fieldset className="cc-checks">
            <legend>Recording</legend>
            <label><input type="checkbox" checked={record} onChange={(e) => setRecord(e.target.checked)} /> the call is recorded</label>
            {record ? <label><input type="checkbox" checked={disclosed} onChange={(e) => setDisclosed(e.target.checked)} /> and says so at the start</label> : null}
          </fieldset>
        ) : null}
        <div className="actions"><button type="submit" disabled={act.busy}>Ask the gate</button></div>
      </form>
      <Outcome action={act} />
      {answer ? (
        <section className={`cc-verdict ${answer.decision}`} aria-label="The gate's answer" role="status">
          <h2><Verdict value={answer.decision} /> {contact(answer.contact)}</h2>
          {answer.decision === 'allow' ? <p>It may go{answer.obligations.length ? ', and the sender must:' : '.'}</p>
            : answer.decision === 'defer' ? <p>Not now: it may go from <strong>{when(answer.until)}</strong> ({answer.until}), because {explain(answer.reason!) ?? answer.reason}.</p>
              : <p>It may not go: {explain(answer.reason!) ?? answer.reason}.</p>}
          {answer.obligations.length ? <Codes codes={answer.obligations} table={OBLIGATIONS} /> : null}
          {answer.reasons.length ? <><h3>Every reason</h3><Codes codes={answer.reasons} first={answer.reason} /></> : null}
          <p><Link to={`/compliance/${answer.id}`}>See it in the decisions log</Link></p>
          <details><summary>What the gate knew</summary><GateFacts facts={answer.facts} /></details>
        </section>
      ) : null}
    </div>
  );
}
