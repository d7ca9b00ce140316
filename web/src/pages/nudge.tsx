import { useEffect, useRef, useState } from 'react';
import type { NudgesService } from '../../../src/domain/nudges/nudges.service.ts';
import type { ResourceRow } from '../../../src/domain/nudges/resources.service.ts';
import { api, ApiError, query, type Answer, type Json } from '../api.ts';
import { useLoad } from '../load.ts';
import { Ago, Badge, dollars, ErrorState, Loading } from '../ui.tsx';

// One nudge as the person approving it needs it: why now, who it goes to and why each of them,
// the draft and exactly what the first client would read; then approve, edit or dismiss it
// (a, e, d on the keyboard), or pause, resume or cancel what is sending.

type Nudge = Answer<NudgesService['show']>;
type Approved = Answer<NudgesService['approve']>;
type Resource = Json<ResourceRow>;
type Channel = '' | 'email' | 'sms';
const MOVED = { pause: 'Paused: nothing more is sent until you resume.', resume: 'Resumed.', cancel: 'Cancelled: the messages not yet sent never will be.' };

export function NudgeDetail({ id, onChanged }: { id: string; onChanged: () => void }) {
  const nudge = useLoad(() => api<Nudge>('GET', `/v1/nudges/${id}`), [id]);
  const [editing, setEditing] = useState(false);
  const [text, setText] = useState('');
  const [channel, setChannel] = useState<Channel>('');
  const [dismissing, setDismissing] = useState(false);
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const draftBox = useRef<HTMLTextAreaElement>(null);
  const n = nudge.data;
  const [resource, setResource] = useState('');
  // the resources its user could attach: only asked for while it is a draft
  const owner = n?.status === 'DRAFT' ? n.user_email : null;
  const library = useLoad(async () => (owner ? (await api<{ data: Resource[] }>('GET', `/v1/resources${query({ user_email: owner })}`)).data : []), [owner]);
  const attachable = (library.data ?? []).filter((r) => !n?.resources.some((a) => a.id === r.id));

  async function act(label: string, call: () => Promise<Nudge | Approved>, after?: (r: Nudge | Approved) => string) {
    setBusy(true);
    setError(null);
    setDone(null);
    try {
      const r = await call();
      nudge.set(r);
      setDone(after ? after(r) : label);
      setEditing(false);
      setDismissing(false);
      onChanged();
    } catch (e) {
      setError(e instanceof Error ? e : new Error(String(e)));
    } finally {
      setBusy(false);
    }
  }

  const approve = () => act('Approved', () => api<Approved>('POST', `/v1/nudges/${id}/approve`, channel ? { channel } : {}), (r) => {
    const a = r as Approved;
    return `Approved: ${a.scheduled} ${a.scheduled === 1 ? 'message' : 'messages'} scheduled at a good local time${a.skipped.length ? `; ${a.skipped.length} skipped (${[...new Set(a.skipped.map((s) => s.reason))].join(', ')})` : ''}.`;
  });
  const save = () => act('Draft saved', () => api<Nudge>('PATCH', `/v1/nudges/${id}`, { draft: text }));
  const dismiss = () => act('Dismissed: alike opportunities stop appearing for these clients.', () => api<Nudge>('POST', `/v1/nudges/${id}/dismiss`, reason.trim() ? { reason: reason.trim() } : {}));
  const drop = (clientId: string, name: string) => act(`${name} removed: alike opportunities stop appearing for them.`, () => api<Nudge>('POST', `/v1/nudges/${id}/dismiss`, { client_id: clientId }));
  const move = (verb: keyof typeof MOVED) => act(MOVED[verb], () => api<Nudge>('POST', `/v1/nudges/${id}/${verb}`),
    // resuming a nudge whose last messages went while it was paused completes it
    (r) => (verb === 'resume' && r.status === 'COMPLETED' ? 'Nothing was left to send: the nudge is complete.' : MOVED[verb]));
  const attach = () => act('Attached: its link goes at the end of every message.', () => api<Nudge>('POST', `/v1/nudges/${id}/resources`, { resource_id: resource }))
    .then(() => setResource(''));
  const startEdit = () => {
    setText(n?.draft ?? '');
    setEditing(true);
    setTimeout(() => draftBox.current?.focus(), 0);
  };

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (!n || n.status !== 'DRAFT' || busy || e.metaKey || e.ctrlKey || e.altKey || (e.target as HTMLElement).closest('input, textarea, select')) return;
      if (e.key === 'a') void approve();
      else if (e.key === 'e') startEdit();
      else if (e.key === 'd') setDismissing(true);
      else return;
      e.preventDefault();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  });

  if (nudge.error) return <ErrorState error={nudge.error} retry={nudge.reload} />;
  if (!n) return <Loading what="the nudge" />;
  const facts = n.key_intel.facts;
  const open = ['DRAFT', 'ACTIVE', 'PAUSED'].includes(n.status);
  const fieldErrors = error instanceof ApiError ? error.details : [];

  return (
    <article className="nudge">
      <header>
        <h1>{n.headline}</h1>
        <p className="meta"><Badge value={n.status} /> for {n.user_email} · <Ago at={n.created_at} /> · {n.audience_size} {n.audience_size === 1 ? 'client' : 'clients'}</p>
      </header>

      <section className="intel" aria-label="Key intel">
        <div><h2>Why now</h2><p>{n.key_intel.why_now}</p></div>
        <div><h2>What changed</h2><p>{n.key_intel.what_changed}</p></div>
        <dl className="facts">
          {facts.address ? <><dt>Address</dt><dd>{[facts.address, facts.city, facts.state, facts.zip].filter(Boolean).join(', ')}</dd></> : null}
          {facts.price != null ? <><dt>Price</dt><dd>{dollars(facts.price)}{facts.previousPrice != null ? ` (was ${dollars(facts.previousPrice)})` : ''}</dd></> : null}
          {facts.closePrice != null ? <><dt>Sold for</dt><dd>{dollars(facts.closePrice)}</dd></> : null}
          {facts.beds != null || facts.baths != null ? <><dt>Beds / baths</dt><dd>{facts.beds ?? '—'} / {facts.baths ?? '—'}</dd></> : null}
          {facts.sqft != null ? <><dt>Size</dt><dd>{facts.sqft.toLocaleString()} sq ft</dd></> : null}
          {n.event ? <><dt>Listing</dt><dd>{n.event.source_id} {n.event.listing_key}</dd></> : null}
        </dl>
      </section>

      <section aria-labelledby="draft-title">
        <h2 id="draft-title">Draft {n.edited_draft ? <span className="note">(edited)</span> : null}</h2>
        {editing ? (
          <form onSubmit={(e) => { e.preventDefault(); void save(); }}>
            <label htmlFor="draft-text" className="sr-only">Draft</label>
            <textarea id="draft-text" ref={draftBox} rows={6} value={text} maxLength={1600} onChange={(e) => setText(e.target.value)}
              onKeyDown={(e) => { if (e.key === 'Escape') setEditing(false); }} aria-invalid={fieldErrors.some((d) => d.field === 'draft') || undefined} />
            <p className="help"><code>{'{first_name}'}</code> becomes each client's first name. {text.length}/1600</p>
            <div className="actions">
              <button type="submit" disabled={busy}>Save draft</button>
              <button type="button" className="secondary" onClick={() => setEditing(false)}>Cancel</button>
            </div>
          </form>
        ) : <pre className="draft">{n.draft}</pre>}
        <p className="note">Written by {n.draft_adapter} ({n.draft_model}), prompt {n.prompt_version}.</p>
        {n.draft_warnings.length ? <ul className="warnings">{n.draft_warnings.map((w) => <li key={w}>{w}</li>)}</ul> : null}
        {n.preview ? (
          <details>
            <summary>What {n.preview.name} will read</summary>
            <pre className="draft">{n.preview.text}</pre>
          </details>
        ) : null}
      </section>

      <section aria-labelledby="resources-title">
        <h2 id="resources-title">Resources</h2>
        {n.resources.length ? <ul>{n.resources.map((r) => <li key={r.id}><a href={r.url} target="_blank" rel="noreferrer">{r.title}</a></li>)}</ul>
          : <p className="note">None attached.</p>}
        {n.status === 'DRAFT' && attachable.length ? (
          <form className="actions" onSubmit={(e) => { e.preventDefault(); if (resource) void attach(); }}>
            <label>Attach{' '}
              <select value={resource} onChange={(e) => setResource(e.target.value)}>
                <option value="">an article or video…</option>
                {attachable.map((r) => <option key={r.id} value={r.id}>{r.title} ({r.content_type}, used {r.usage_count}×)</option>)}
              </select>
            </label>
            <button type="submit" className="secondary" disabled={busy || !resource}>Attach</button>
          </form>
        ) : null}
      </section>

      {done ? <p className="done" role="status">{done}</p> : null}
      {error ? <ErrorState error={error} /> : null}

      {n.status === 'DRAFT' && !editing ? (
        <div className="actions" aria-label="Decide">
          <label>Send by{' '}
            <select value={channel} onChange={(e) => setChannel(e.target.value as Channel)}>
              <option value="">e-mail where they have one, else text</option>
              <option value="email">e-mail only</option>
              <option value="sms">text only</option>
            </select>
          </label>
          <button type="button" disabled={busy} onClick={() => void approve()}>Approve <kbd>a</kbd></button>
          <button type="button" className="secondary" disabled={busy} onClick={startEdit}>Edit <kbd>e</kbd></button>
          <button type="button" className="danger" disabled={busy} onClick={() => setDismissing(true)}>Dismiss <kbd>d</kbd></button>
        </div>
      ) : null}
      {dismissing ? (
        <form className="dismiss" onSubmit={(e) => { e.preventDefault(); void dismiss(); }}>
          <label htmlFor="dismiss-reason">Why is it wrong for them? (optional; it helps you later)</label>
          <input id="dismiss-reason" value={reason} maxLength={500} autoFocus onChange={(e) => setReason(e.target.value)}
            onKeyDown={(e) => { if (e.key === 'Escape') setDismissing(false); }} />
          <div className="actions">
            <button type="submit" className="danger" disabled={busy}>Dismiss for everyone</button>
            <button type="button" className="secondary" onClick={() => setDismissing(false)}>Keep it</button>
          </div>
        </form>
      ) : null}
      {n.status === 'ACTIVE' || n.status === 'PAUSED' ? (
        <div className="actions">
          {n.status === 'ACTIVE' ? <button type="button" className="secondary" disabled={busy} onClick={() => void move('pause')}>Pause sending</button>
            : <button type="button" disabled={busy} onClick={() => void move('resume')}>Resume sending</button>}
          <button type="button" className="danger" disabled={busy} onClick={() => void move('cancel')}>Cancel the rest</button>
        </div>
      ) : null}

      <section aria-labelledby="audience-title">
        <h2 id="audience-title">Audience</h2>
        <div className="table-wrap">
          <table>
            <thead><tr><th>#</th><th>Client</th><th>Why them</th><th>Match</th><th>Reach</th><th>Message</th>{open ? <th><span className="sr-only">Remove</span></th> : null}</tr></thead>
            <tbody>
              {n.audience.map((a) => (
                <tr key={a.client_id} className={a.removed_at ? 'removed' : undefined}>
                  <td>{a.rank}</td>
                  <td>{a.name}{a.removed_at ? <span className="note"> (removed)</span> : null}</td>
                  <td>{[...a.filters_met, ...(a.shared_terms.length ? [`notes share “${a.shared_terms.join(', ')}”`] : [])].join(' · ') || '—'}</td>
                  <td title="similarity of the listing to the client's notes">{Math.round(a.similarity * 100)}%</td>
                  <td>{a.reach === 'email' ? 'e-mail' : a.reach === 'sms' ? 'text' : <span className="note">no contact</span>}</td>
                  <td>{a.message_status ? <Badge value={a.message_status} /> : '—'}</td>
                  {open ? <td>{a.removed_at ? null : <button type="button" className="link" disabled={busy} onClick={() => void drop(a.client_id, a.name)}>Not for them</button>}</td> : null}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>

      <section aria-labelledby="history-title">
        <h2 id="history-title">History</h2>
        <ol className="history">
          {n.history.map((h) => <li key={h.changed_at + h.to_status}><Badge value={h.to_status} /> <Ago at={h.changed_at} /></li>)}
        </ol>
      </section>
    </article>
  );
}
