import { useId, useState, type ReactNode } from 'react';
import { ApiError, type ErrorDetail } from './api.ts';
import { ErrorState } from './ui.tsx';

// What every form shares: an action with its busy, failed and done states and the line saying
// how it went; fields that show what the API said about them; and typed text turned into what
// the API takes (amounts, numbers, times).

/** One thing a form does: busy while it runs, then the error or what was done. */
export function useAction() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error | null>(null);
  const [done, setDone] = useState<string | null>(null);
  /** Runs `fn`; on success `said` (the line, or the line made from the answer) is what was done. Resolves to the answer, or undefined when it failed. */
  async function run<T>(fn: () => Promise<T>, said?: string | ((r: T) => string)): Promise<T | undefined> {
    setBusy(true);
    setError(null);
    setDone(null);
    try {
      const r = await fn();
      if (said !== undefined) setDone(typeof said === 'string' ? said : said(r));
      return r;
    } catch (e) {
      setError(e instanceof Error ? e : new Error(String(e)));
      return undefined;
    } finally {
      setBusy(false);
    }
  }
  const reset = () => {
    setError(null);
    setDone(null);
  };
  /** Say what happened elsewhere (a form of its own did it). */
  const say = (text: string) => {
    setError(null);
    setDone(text);
  };
  /** Refuse before asking the API (the form can tell the value is wrong), as the API would. */
  const fail = (e: Error) => {
    setDone(null);
    setError(e);
  };
  return { busy, error, done, run, reset, say, fail };
}
export type Action = ReturnType<typeof useAction>;

/** Whether the API's field is `name` or a path inside it (prices.sms in prices, nodes[intro] in nodes). */
const within = (field: string, name: string) => field === name || field.startsWith(`${name}.`) || field.startsWith(`${name}[`);

/** The problems the API named for one of `names` (or a path inside one). */
export function errorsFor(error: Error | null | undefined, ...names: string[]): ErrorDetail[] {
  if (!(error instanceof ApiError)) return [];
  return error.details.filter((d) => names.some((n) => within(d.field, n)));
}

/** What the API said about one field, as one line; null when it named no problem with it. */
export function fieldError(error: Error | null | undefined, ...names: string[]): string | null {
  return errorsFor(error, ...names).map((d) => d.message).join('; ') || null;
}

/** An error whose every problem is about one of `fields`: the form shows each beside its field. */
export function namedOnForm(error: Error | null | undefined, fields: string[]): error is ApiError {
  return error instanceof ApiError && error.details.length > 0 && error.details.every((d) => fields.some((f) => within(d.field, f)));
}

export interface FieldProps { id: string; 'aria-invalid'?: true; 'aria-describedby'?: string }

/**
 * A labelled field; the API's complaint about it is written under it and read out with it.
 * `name` is the field (or fields) the API names; none for a control the API never sees. The
 * ids are made up unless the page links to them (`id` the control's, `errorId` the complaint's).
 */
export function Field({ id, errorId, label, name, error, help, className, children }: {
  id?: string; errorId?: string; label: ReactNode; name?: string | string[]; error?: Error | null; help?: ReactNode; className?: string;
  children: (p: FieldProps) => ReactNode;
}) {
  const made = useId();
  const at = id ?? made;
  const message = name === undefined ? null : fieldError(error, ...[name].flat());
  const said = errorId ?? `${at}-error`;
  const described = [message ? said : null, help ? `${at}-help` : null].filter(Boolean).join(' ');
  return (
    <div className={['field', message ? 'invalid' : '', className ?? ''].filter(Boolean).join(' ')}>
      <label htmlFor={at}>{label}</label>
      {children({ id: at, ...(message ? { 'aria-invalid': true } : {}), ...(described ? { 'aria-describedby': described } : {}) })}
      {help ? <span id={`${at}-help`} className="help">{help}</span> : null}
      {message ? <p id={said} className="field-error">{message}</p> : null}
    </div>
  );
}

/** Problems listed under a control that is not one Field (a group of boxes, the JSON of a sequence), linked to it by `id`. */
export function FieldErrors({ id, errors, showField }: { id: string; errors: ErrorDetail[]; showField?: boolean }) {
  if (!errors.length) return null;
  return (
    <ul className="field-error oc-field-errors" id={id}>
      {errors.map((d) => <li key={d.field + d.message}>{showField ? <><code>{d.field}</code>: </> : null}{d.message}</li>)}
    </ul>
  );
}

/**
 * How an action went: what was done, or why not. A validation error whose fields are all on
 * the form (`fields`: the names its fields show errors for, or their parents) says so briefly,
 * the fields carry the rest; any other error is shown whole.
 */
export function Outcome({ action, fields }: { action: Pick<Action, 'error' | 'done'>; fields?: string[] }) {
  const { error, done } = action;
  if (done) return <p className="done" role="status">{done}</p>;
  if (!error) return null;
  if (fields && namedOnForm(error, fields) && error.status === 400) {
    return <p className="field-error" role="alert">Not saved: {error.details.length === 1 ? 'one field needs' : `${error.details.length} fields need`} changing ({error.details.map((d) => d.field).join(', ')}).</p>;
  }
  return <ErrorState error={error} />;
}

/** Dollars as typed ("25", "25.00", "$1,250.5") to cents; null when it is not an amount. */
export function toCents(text: string): number | null {
  const m = /^\$?\s*(\d{1,3}(?:,\d{3})*|\d+)(?:\.(\d{1,2}))?$/.exec(text.trim());
  if (!m) return null;
  return Number(m[1]!.replace(/,/g, '')) * 100 + Number((m[2] ?? '0').padEnd(2, '0'));
}

/** A number typed in a field, as the API should get it: the number, or the text when it is not one (the API names the field). */
export const numberOrText = (s: string): number | string => (s.trim() !== '' && Number.isFinite(Number(s)) ? Number(s) : s);

/** A datetime-local value (the reader's zone) as an instant with its offset, or undefined when empty. */
export const instant = (local: string) => (local ? new Date(local).toISOString() : undefined);

/** An instant as a datetime-local value in the reader's zone. */
export function localInput(d: Date) {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}

/** An instant's day in UTC (YYYY-MM-DD), as the reports and the cost ledger count days. */
export const utcDay = (d: Date) => d.toISOString().slice(0, 10);
