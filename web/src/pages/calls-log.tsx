import { useState, type FormEvent } from 'react';
import type { Calls } from '../../../src/domain/voice/calls.service.ts';
import { api, type Answer } from '../api.ts';
import { Field, instant, localInput, Outcome, useAction } from '../form.tsx';
import { LeadPicker, OUTCOMES, words } from './calls-shared.tsx';

// Writing down a call made or taken outside Porchlight (a desk phone, an inbound call): the
// lead, when, how long, how it ended and what was said. The server checks every field and names
// the ones it refuses; an opt-out puts the number on the do-not-contact list.

type Logged = Answer<Calls['log']>;

/** "3:05" or "185" as seconds; anything else goes as typed, for the server to refuse by name. */
function duration(text: string): number | string | undefined {
  const t = text.trim();
  if (!t) return undefined;
  const mmss = t.match(/^(\d+):([0-5]\d)$/);
  if (mmss) return Number(mmss[1]) * 60 + Number(mmss[2]);
  return /^\d+$/.test(t) ? Number(t) : t;
}

export function LogCall({ params, onLogged }: { params: URLSearchParams; onLogged: (callId: string) => void }) {
  const [lead, setLead] = useState(params.get('lead') ?? '');
  const [direction, setDirection] = useState('outbound');
  const [startedAt, setStartedAt] = useState(() => localInput(new Date()));
  const [length, setLength] = useState('');
  const [outcome, setOutcome] = useState('');
  const [interest, setInterest] = useState('');
  const [objections, setObjections] = useState('');
  const [nextSteps, setNextSteps] = useState('');
  const [summary, setSummary] = useState('');
  const [transcript, setTranscript] = useState('');
  const [recording, setRecording] = useState('');
  const act = useAction();

  const submit = (e: FormEvent) => {
    e.preventDefault();
    void act.run(() => api<Logged>('POST', '/v1/calls/log', {
      lead_id: lead || undefined, direction, started_at: instant(startedAt), duration_seconds: duration(length), outcome: outcome || undefined,
      interest_level: interest || undefined, objections: objections.split(',').map((o) => o.trim()).filter(Boolean),
      next_steps: nextSteps.trim() || undefined, summary: summary.trim() || undefined, transcript: transcript.trim() || undefined, recording_url: recording.trim() || undefined,
    })).then((r) => { if (r) onLogged(r.id); });
  };
  const err = act.error;

  return (
    <form className="cc-form" aria-label="Log a call" noValidate onSubmit={submit}>
      <h1>Log a call</h1>
      <p className="note">A call made from another phone, or one you took: it joins the lead's timeline and the metrics. Saying “stop calling” (outcome opt out) puts the number on your do-not-contact list.</p>
      <Outcome action={act} />
      <LeadPicker id="log-lead" value={lead} onChange={setLead} error={err} />
      <div className="cc-row">
        <Field id="log-direction" label="Direction" error={err} name="direction">
          {(a) => <select {...a} value={direction} onChange={(e) => setDirection(e.target.value)}><option value="outbound">we called them</option><option value="inbound">they called us</option></select>}
        </Field>
        <Field id="log-started" label="Started" error={err} name="started_at">
          {(a) => <input {...a} type="datetime-local" value={startedAt} onChange={(e) => setStartedAt(e.target.value)} />}
        </Field>
        <Field id="log-duration" label="Duration" error={err} name="duration_seconds" help="minutes:seconds (3:05) or seconds">
          {(a) => <input {...a} inputMode="numeric" value={length} onChange={(e) => setLength(e.target.value)} />}
        </Field>
      </div>
      <div className="cc-row">
        <Field id="log-outcome" label="Outcome" error={err} name="outcome">
          {(a) => (
            <select {...a} value={outcome} onChange={(e) => setOutcome(e.target.value)}>
              <option value="">choose…</option>
              {OUTCOMES.map((o) => <option key={o} value={o}>{words(o)}</option>)}
            </select>
          )}
        </Field>
        <Field id="log-interest" label="Interest" error={err} name="interest_level">
          {(a) => (
            <select {...a} value={interest} onChange={(e) => setInterest(e.target.value)}>
              <option value="">not said</option><option value="high">high</option><option value="medium">medium</option><option value="low">low</option><option value="none">none</option>
            </select>
          )}
        </Field>
      </div>
      <Field id="log-objections" label="Objections" error={err} name="objections" help="comma-separated: price, timing">
        {(a) => <input {...a} value={objections} onChange={(e) => setObjections(e.target.value)} />}
      </Field>
      <Field id="log-next" label="Next steps" error={err} name="next_steps">
        {(a) => <input {...a} value={nextSteps} maxLength={2000} onChange={(e) => setNextSteps(e.target.value)} />}
      </Field>
      <Field id="log-summary" label="Summary" error={err} name="summary">
        {(a) => <textarea {...a} rows={3} value={summary} maxLength={5000} onChange={(e) => setSummary(e.target.value)} />}
      </Field>
      <details>
        <summary>Transcript and recording</summary>
        <Field id="log-transcript" label="Transcript" error={err} name="transcript">
          {(a) => <textarea {...a} rows={5} value={transcript} onChange={(e) => setTranscript(e.target.value)} />}
        </Field>
        <Field id="log-recording" label="Recording link" error={err} name="recording_url" help="https://…">
          {(a) => <input {...a} type="url" value={recording} onChange={(e) => setRecording(e.target.value)} />}
        </Field>
      </details>
      <div className="actions"><button type="submit" disabled={act.busy}>Log the call</button></div>
    </form>
  );
}
