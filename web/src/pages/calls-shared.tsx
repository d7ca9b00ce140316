import { useEffect, useState, type ReactNode } from 'react';
import type { z } from 'zod';
import type { LeadsService } from '../../../src/domain/leads/leads.service.ts';
import type { ListCallsQuery } from '../../../src/domain/voice/calls.service.ts';
import { api, ApiError, query, type Answer } from '../api.ts';
import { useLoad } from '../load.ts';
import { Link } from '../router.tsx';

// What the calls and compliance pages share: phone numbers as people read them, a form's busy,
// error and done states, a field with the error the server named for it, section tabs in the
// address, times for the inputs, and picking a lead by name.

type CallFilters = z.input<typeof ListCallsQuery>;
export const STATUSES = ['initiated', 'ringing', 'in_progress', 'completed', 'failed', 'no_answer'] as const satisfies readonly NonNullable<CallFilters['status']>[];
export const OUTCOMES = ['scheduled', 'follow_up', 'rejected', 'no_answer', 'voicemail', 'opt_out', 'failed'] as const satisfies readonly NonNullable<CallFilters['outcome']>[];

/** +15125550134 as (512) 555-0134, and the API's masked +1512•••0134 as (512) •••-0134; anything else as it came. */
export function phone(value: string | null | undefined): string {
  if (!value) return '—';
  const full = value.match(/^\+1(\d{3})(\d{3})(\d{4})$/);
  if (full) return `(${full[1]}) ${full[2]}-${full[3]}`;
  const masked = value.match(/^\+1(\d{3})(•+)(\d{4})$/);
  if (masked) return `(${masked[1]}) ${masked[2]}-${masked[3]}`;
  return value;
}

/** A contact the API shows: a phone formatted, an e-mail as it is. */
export const contact = (value: string | null | undefined) => (value && value.includes('@') ? value : phone(value));

export const words = (code: string) => code.toLowerCase().replaceAll('_', ' ');

/** A date and time in the reader's zone, to the minute. */
export function when(at: string | null | undefined) {
  if (!at) return '—';
  return new Date(at).toLocaleString(undefined, { month: 'short', day: 'numeric', year: 'numeric', hour: 'numeric', minute: '2-digit' });
}

/** 0 s, 45 s, 3 min 05 s, 1 h 02 min. */
export function seconds(s: number | null | undefined) {
  if (s == null) return '—';
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min`;
}

/** A datetime-local value (the reader's zone) as an instant with its offset, or undefined when empty. */
export const instant = (local: string) => (local ? new Date(local).toISOString() : undefined);

/** An instant as a datetime-local value in the reader's zone. */
export function localInput(d: Date) {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}

/** A form's call to the API: busy while it runs, its error (with the fields the server named) or what it did. */
export function useAction() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error | null>(null);
  const [done, setDone] = useState<string | null>(null);
  async function run<T>(fn: () => Promise<T>, said?: (r: T) => string): Promise<T | undefined> {
    setBusy(true);
    setError(null);
    setDone(null);
    try {
      const r = await fn();
      if (said) setDone(said(r));
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
  return { busy, error, done, run, reset, say };
}

/** The server's message for this field, if it named it. */
export function fieldError(error: Error | null, name: string) {
  if (!(error instanceof ApiError)) return null;
  return error.details.find((d) => d.field === name || d.field.startsWith(`${name}.`))?.message ?? null;
}

/** A labelled control with its hint and the error the server named for it (read out with the control). */
export function Field({ id, label, error, name, hint, children }: { id: string; label: string; error: Error | null; name: string; hint?: ReactNode; children: (a: { id: string; 'aria-invalid'?: true; 'aria-describedby'?: string }) => ReactNode }) {
  const message = fieldError(error, name);
  const described = [hint ? `${id}-hint` : null, message ? `${id}-error` : null].filter(Boolean).join(' ') || undefined;
  return (
    <div className="cc-field">
      <label htmlFor={id}>{label}</label>
      {children({ id, ...(message ? { 'aria-invalid': true as const } : {}), ...(described ? { 'aria-describedby': described } : {}) })}
      {hint ? <span className="help" id={`${id}-hint`}>{hint}</span> : null}
      {message ? <p className="field-error" id={`${id}-error`}>{message}</p> : null}
    </div>
  );
}

/** Sections of a page as links that keep the choice in the address (?tab=...). */
export function SectionTabs({ label, base, tabs, current }: { label: string; base: string; tabs: { tab: string; label: string }[]; current: string }) {
  return (
    <nav className="tabs cc-tabs" aria-label={label}>
      {tabs.map((t, i) => <Link key={t.tab} to={`${base}${i === 0 ? '' : query({ tab: t.tab })}`} aria-current={t.tab === current ? 'page' : undefined}>{t.label}</Link>)}
    </nav>
  );
}

type Leads = Answer<LeadsService['list']>;

/** Pick a lead by its owner's name or address: the matches come from /v1/leads?q=. */
export function LeadPicker({ id, value, onChange, error, name = 'lead_id', initial }: {
  id: string; value: string; onChange: (leadId: string) => void; error: Error | null; name?: string; initial?: string;
}) {
  const [q, setQ] = useState(initial ?? '');
  const [typed, setTyped] = useState(initial ?? '');
  // searching after a pause in the typing, not at each key
  useEffect(() => {
    const t = setTimeout(() => setQ(typed.trim()), 300);
    return () => clearTimeout(t);
  }, [typed]);
  const leads = useLoad(() => (q.length >= 2 ? api<Leads>('GET', `/v1/leads${query({ q, limit: 20 })}`) : Promise.resolve(null)), [q]);
  const found = leads.data?.data ?? [];
  return (
    <div className="cc-lead">
      <Field id={`${id}-q`} label="Find the lead" error={null} name="" hint="owner name or address, at least 2 letters">
        {(a) => (
          <input {...a} type="search" value={typed} autoComplete="off" onChange={(e) => setTyped(e.target.value)}
            onKeyDown={(e) => { if (e.key === 'Enter') { e.preventDefault(); setQ(typed.trim()); } }} />
        )}
      </Field>
      <Field id={id} label="Lead" error={error} name={name}>
        {(a) => (
          <select {...a} value={value} onChange={(e) => onChange(e.target.value)}>
            <option value="">{q.length < 2 ? 'search first…' : leads.loading ? 'searching…' : found.length ? `${found.length} found: pick one` : 'no lead matches'}</option>
            {value && !found.some((l) => l.id === value) ? <option value={value}>the lead chosen before</option> : null}
            {found.map((l) => <option key={l.id} value={l.id}>{l.owner_name ?? 'Unknown owner'}, {[l.address_line1, l.city].filter(Boolean).join(', ') || 'no address'}</option>)}
          </select>
        )}
      </Field>
    </div>
  );
}
