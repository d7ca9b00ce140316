import { useId, useState, type ReactNode } from 'react';
import type { Role } from '../../../src/db/schema.ts';
import { ApiError } from '../api.ts';
import { ErrorState } from '../ui.tsx';

// What the settings and enrichment forms share: an action with its busy, failed and done states,
// fields that show what the API said about them, and the roles that may use a section.

export type { Role };
const RANK: Record<Role, number> = { agent: 0, manager: 1, admin: 2, owner: 3 };
export const ROLES: Role[] = ['owner', 'admin', 'manager', 'agent'];
export const atLeast = (role: string | undefined, min: Role) => RANK[(role ?? 'agent') as Role] >= RANK[min];

/** The refusal the API would give, for a section this role is not offered. */
export const notAllowed = (min: Role, doing: string, role: string | undefined) =>
  new ApiError(403, 'FORBIDDEN', `only ${min}s and above may ${doing}; you are ${role ?? 'signed in without a role'}`);

/** One thing a form does: busy while it runs, then the error or what was done. */
export function useAction() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error | null>(null);
  const [done, setDone] = useState<string | null>(null);
  async function run<T>(fn: () => Promise<T>, ok: string | ((r: T) => string)): Promise<T | undefined> {
    setBusy(true);
    setError(null);
    setDone(null);
    try {
      const r = await fn();
      setDone(typeof ok === 'string' ? ok : ok(r));
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
  return { busy, error, done, run, reset, fail: setError };
}
export type Action = ReturnType<typeof useAction>;

/** What the API said about one field (or a field under it: prices.sms under prices). */
export function fieldError(error: Error | null, name: string): string | null {
  if (!(error instanceof ApiError)) return null;
  const d = error.details.find((x) => x.field === name || x.field.startsWith(`${name}.`));
  return d ? d.message : null;
}

export interface FieldProps { id: string; 'aria-invalid'?: true; 'aria-describedby'?: string }

/** A labelled field; the API's complaint about it is written under it and read out with it. */
export function Field({ label, name, error, help, children }: {
  label: ReactNode; name: string; error: Error | null; help?: ReactNode; children: (p: FieldProps) => ReactNode;
}) {
  const id = useId();
  const message = fieldError(error, name);
  const described = [message ? `${id}-error` : null, help ? `${id}-help` : null].filter(Boolean).join(' ');
  return (
    <div className={`field${message ? ' invalid' : ''}`}>
      <label htmlFor={id}>{label}</label>
      {children({ id, ...(message ? { 'aria-invalid': true } : {}), ...(described ? { 'aria-describedby': described } : {}) })}
      {help ? <span id={`${id}-help`} className="help">{help}</span> : null}
      {message ? <p id={`${id}-error`} className="field-error">{message}</p> : null}
    </div>
  );
}

/**
 * The outcome of a form: what was done, or why not. A validation error whose fields are all on
 * the form (`fields`: the names its fields show errors for, or their parents) says so briefly,
 * the fields carry the rest; any other error is shown whole.
 */
export function Outcome({ action, fields }: { action: Pick<Action, 'error' | 'done'>; fields?: string[] }) {
  const { error, done } = action;
  if (done) return <p className="done" role="status">{done}</p>;
  if (!error) return null;
  if (error instanceof ApiError && error.status === 400 && error.details.length && fields
    && error.details.every((d) => fields.some((f) => d.field === f || d.field.startsWith(`${f}.`)))) {
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

const ACRONYMS = new Set(['ai', 'apn', 'asr', 'dlq', 'dnc', 'id', 'llm', 'mak', 'sms', 'tpo', 'tts']);
/** snake_case to words: "max_call_duration_minutes" → "Max call duration minutes", "tts_vendor" → "TTS vendor". */
export const words = (k: string) => {
  const s = k.split('_').map((w) => (ACRONYMS.has(w) ? w.toUpperCase() : w)).join(' ');
  return s.charAt(0).toUpperCase() + s.slice(1);
};
