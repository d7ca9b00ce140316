import type { ReactNode } from 'react';
import { ApiError } from './api.ts';

// The states every page has besides its data: loading, failed (with the reason and the fields
// the server named, and a way to try again), and empty (with what to do about it).

export function Loading({ what }: { what: string }) {
  return <p className="state" role="status" aria-live="polite">Loading {what}…</p>;
}

export function ErrorState({ error, retry }: { error: Error; retry?: () => void }) {
  const e = error instanceof ApiError ? error : null;
  return (
    <div className="state error" role="alert">
      <strong>{e?.status === 404 ? 'Not found' : e?.status === 403 ? 'Not allowed' : 'Something went wrong'}</strong>
      <p>{error.message}</p>
      {e?.details.length ? <ul>{e.details.map((d) => <li key={d.field + d.message}><code>{d.field}</code>: {d.message}</li>)}</ul> : null}
      {retry ? <button type="button" onClick={retry}>Try again</button> : null}
    </div>
  );
}

export function Empty({ title, children }: { title: string; children?: ReactNode }) {
  return <div className="state empty"><strong>{title}</strong>{children ? <div>{children}</div> : null}</div>;
}

const TONE: Record<string, string> = {
  DRAFT: 'info', ACTIVE: 'good', PAUSED: 'warn', COMPLETED: 'done', CANCELLED: 'muted', DISMISSED: 'muted',
  pending: 'info', sent: 'good', delivered: 'good', failed: 'bad', blocked: 'bad', cancelled: 'muted',
};

export function Badge({ value }: { value: string }) {
  return <span className={`badge ${TONE[value] ?? 'muted'}`}>{value.toLowerCase().replaceAll('_', ' ')}</span>;
}

/** "3 hours ago", "yesterday", or the date: when the exact minute matters the title has it. */
export function Ago({ at }: { at: string }) {
  const d = new Date(at);
  const s = (Date.now() - d.getTime()) / 1000;
  const text = s < 60 ? 'just now' : s < 3600 ? `${Math.floor(s / 60)} min ago` : s < 86_400 ? `${Math.floor(s / 3600)} h ago`
    : s < 172_800 ? 'yesterday' : d.toLocaleDateString(undefined, { month: 'short', day: 'numeric', year: s > 300 * 86_400 ? 'numeric' : undefined });
  return <time dateTime={at} title={d.toLocaleString()}>{text}</time>;
}

export const dollars = (n: number | null | undefined) => (n == null ? '—' : n.toLocaleString('en-US', { style: 'currency', currency: 'USD', maximumFractionDigits: 0 }));
