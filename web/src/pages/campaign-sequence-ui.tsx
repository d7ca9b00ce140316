import { useState, type ReactNode } from 'react';
import { ApiError, type ErrorDetail } from '../api.ts';
import { ErrorState } from '../ui.tsx';

// What the sequences and campaigns pages share: a badge for their lower-case statuses, a time
// that may be ahead as well as behind, a verb run with its outcome said, the figures row, and
// the API's field errors put beside the inputs they name.

const TONES: Record<string, string> = {
  active: 'good', sending: 'good', sent: 'good', delivered: 'good', succeeded: 'good',
  draft: 'info', scheduled: 'info', queued: 'info', pending: 'info',
  paused: 'warn', completed: 'done', converted: 'done',
  failed: 'bad', blocked: 'bad', skipped: 'muted', stopped: 'muted', archived: 'muted', cancelled: 'muted',
};

export function Status({ value }: { value: string }) {
  return <span className={`badge ${TONES[value] ?? 'muted'}`}>{value.replaceAll('_', ' ')}</span>;
}

/** "in 2 days", "5 min ago", or the date: for times that may be ahead (a next step, a slot) as well as behind. */
export function When({ at }: { at: string | null | undefined }) {
  if (!at) return <>—</>;
  const d = new Date(at);
  const s = (d.getTime() - Date.now()) / 1000;
  const a = Math.abs(s);
  const span = a < 60 ? null : a < 3600 ? `${Math.round(a / 60)} min` : a < 86_400 ? `${Math.round(a / 3600)} h` : a < 14 * 86_400 ? `${Math.round(a / 86_400)} days` : null;
  const text = a < 60 ? 'now' : span ? (s > 0 ? `in ${span}` : `${span} ago`)
    : d.toLocaleDateString(undefined, { month: 'short', day: 'numeric', year: a > 300 * 86_400 ? 'numeric' : undefined });
  return <time dateTime={at} title={d.toLocaleString()}>{text}</time>;
}

/** A verb the page runs: busy while it runs, then a line saying what it did, or the API's error. */
export function useAction() {
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState<string | null>(null);
  const [error, setError] = useState<Error | null>(null);
  async function run<T>(call: () => Promise<T>, said: (r: T) => string): Promise<T | undefined> {
    setBusy(true);
    setDone(null);
    setError(null);
    try {
      const r = await call();
      setDone(said(r));
      return r;
    } catch (e) {
      setError(e instanceof Error ? e : new Error(String(e)));
      return undefined;
    } finally {
      setBusy(false);
    }
  }
  const clear = () => {
    setDone(null);
    setError(null);
  };
  return { busy, done, error, run, clear };
}

/** What happened: the line saying what a verb did, or its error. */
export function Outcome({ done, error }: { done: string | null; error: Error | null }) {
  return (
    <>
      {done ? <p className="done" role="status">{done}</p> : null}
      {error ? <ErrorState error={error} /> : null}
    </>
  );
}

/** The errors the API named for one of `fields` (or a path inside one: nodes.3.config, nodes[intro]). */
export function errorsFor(error: Error | null, ...fields: string[]): ErrorDetail[] {
  if (!(error instanceof ApiError)) return [];
  return error.details.filter((d) => fields.some((f) => d.field === f || d.field.startsWith(`${f}.`) || d.field.startsWith(`${f}[`)));
}

/** The messages under an input, linked to it by `id` (aria-describedby). */
export function FieldErrors({ id, errors, showField }: { id: string; errors: ErrorDetail[]; showField?: boolean }) {
  if (!errors.length) return null;
  return (
    <ul className="field-error oc-field-errors" id={id}>
      {errors.map((d) => <li key={d.field + d.message}>{showField ? <><code>{d.field}</code>: </> : null}{d.message}</li>)}
    </ul>
  );
}

/** A row of figures: each a label and a number, readable at any width. */
export function Figures({ label, items }: { label: string; items: { label: string; value: ReactNode; note?: string }[] }) {
  return (
    <dl className="oc-figures" aria-label={label}>
      {items.map((i) => (
        <div key={i.label} data-figure={i.label}>
          <dt>{i.label}</dt>
          <dd>{i.value}{i.note ? <span className="note"> {i.note}</span> : null}</dd>
        </div>
      ))}
    </dl>
  );
}

/** Two steps for what cannot be undone: the button, then a question with the real button. */
export function Confirm({ label, question, busy, onConfirm }: { label: string; question: string; busy: boolean; onConfirm: () => void }) {
  const [asking, setAsking] = useState(false);
  if (!asking) return <button type="button" className="danger" disabled={busy} onClick={() => setAsking(true)}>{label}</button>;
  return (
    <span className="oc-confirm" role="group" aria-label={label}>
      <span>{question}</span>
      <button type="button" className="danger" disabled={busy} autoFocus onClick={() => { setAsking(false); onConfirm(); }}>Yes, {label.toLowerCase()}</button>
      <button type="button" className="secondary" onClick={() => setAsking(false)}>Keep it</button>
    </span>
  );
}

export const plural = (n: number, one: string, many = `${one}s`) => `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;
