import { useEffect, useState } from 'react';
import type { z } from 'zod';
import type { LeadsService } from '../../../src/domain/leads/leads.service.ts';
import type { ListCallsQuery } from '../../../src/domain/voice/calls.service.ts';
import { api, query, type Answer } from '../api.ts';
import { Field } from '../form.tsx';
import { useLoad } from '../load.ts';
import { Link } from '../router.tsx';

// What the calls and compliance pages share: phone numbers as people read them, times and
// durations, section tabs in the address, and picking a lead by name.

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
      <Field id={`${id}-q`} label="Find the lead" help="owner name or address, at least 2 letters">
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
