import type { ReactNode } from 'react';
import { ApiError } from './api.ts';
import type { More } from './load.ts';

// The states every page has besides its data: loading, failed (with the reason and the fields
// the server named, and a way to try again), and empty (with what to do about it); and what
// every list shows the same way: a status as a badge, a time as how long ago or until.

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

/** A paged list's next page on request (none at the end), and why it could not be had. */
export function ShowMore({ list, label = 'Show more', className = 'more' }: { list: More; label?: string; className?: string }) {
  return (
    <>
      {list.moreError ? <ErrorState error={list.moreError} /> : null}
      {list.more ? <button type="button" className={className} onClick={list.more}>{label}</button> : null}
    </>
  );
}

export function Empty({ title, children }: { title: string; children?: ReactNode }) {
  return <div className="state empty"><strong>{title}</strong>{children ? <div>{children}</div> : null}</div>;
}

// one tone per status, whatever case the API writes it in (a nudge's DRAFT, a campaign's draft)
const TONE: Record<string, string> = {
  active: 'good', sending: 'good', sent: 'good', delivered: 'good', succeeded: 'good',
  draft: 'info', scheduled: 'info', queued: 'info', pending: 'info',
  paused: 'warn', completed: 'done', converted: 'done', failed: 'bad', blocked: 'bad',
  cancelled: 'muted', dismissed: 'muted', skipped: 'muted', stopped: 'muted', archived: 'muted',
};

export function Badge({ value }: { value: string }) {
  const word = value.toLowerCase();
  return <span className={`badge ${TONE[word] ?? 'muted'}`}>{word.replaceAll('_', ' ')}</span>;
}

const DAY = 86_400;

/**
 * "3 h ago", "yesterday", "in 2 days", or the date; the title has the exact minute. Behind, whole
 * units count (5 min 50 s is "5 min ago"); ahead, the span is rounded, so a two-day wait seen a
 * moment after it began is still "in 2 days".
 */
export function Ago({ at }: { at: string | null | undefined }) {
  if (!at) return <>—</>;
  const d = new Date(at);
  const s = (Date.now() - d.getTime()) / 1000;
  // within a minute either way is "just now": the server's clock and the browser's differ by seconds
  const text = (s > -60 ? behind(s) : ahead(-s))
    ?? d.toLocaleDateString(undefined, { month: 'short', day: 'numeric', year: Math.abs(s) > 300 * DAY ? 'numeric' : undefined });
  return <time dateTime={at} title={d.toLocaleString()}>{text}</time>;
}

const behind = (s: number) => (s < 60 ? 'just now' : s < 3600 ? `${Math.floor(s / 60)} min ago` : s < DAY ? `${Math.floor(s / 3600)} h ago` : s < 2 * DAY ? 'yesterday' : null);

function ahead(s: number) {
  const min = Math.round(s / 60);
  if (min < 60) return `in ${min} min`;
  const h = Math.round(s / 3600);
  if (h < 24) return `in ${h} h`;
  const days = Math.round(s / DAY);
  return days < 14 ? `in ${days} ${days === 1 ? 'day' : 'days'}` : null;
}

export const dollars = (n: number | null | undefined) => (n == null ? '—' : n.toLocaleString('en-US', { style: 'currency', currency: 'USD', maximumFractionDigits: 0 }));
