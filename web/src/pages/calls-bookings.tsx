import { useMemo, useState, type FormEvent } from 'react';
import type { TenancyService } from '../../../src/domain/tenancy/tenancy.service.ts';
import type { Bookings as BookingsService } from '../../../src/domain/voice/bookings.ts';
import { api, query, type Answer } from '../api.ts';
import { Field, instant, localInput, Outcome, useAction } from '../form.tsx';
import { useLoad } from '../load.ts';
import { Link, navigate } from '../router.tsx';
import { useSession } from '../session.tsx';
import { Badge, Empty, ErrorState, Loading } from '../ui.tsx';
import { LeadPicker, when, words } from './calls-shared.tsx';

// Appointments: the upcoming ones first (or the past, or all), each with its estimator, place and
// whether its confirmation and reminder went; booked here by hand, moved (a new confirmation and
// reminder go), cancelled or marked done. An estimator is never booked twice at once: the server
// answers 409 and says so.

type Booking = Answer<BookingsService['show']>;
type Users = { data: Answer<TenancyService['listUsers']> };
const STATUSES = ['confirmed', 'rescheduled', 'cancelled', 'completed'] as const;
const TYPES = ['inspection', 'consultation', 'estimate'] as const;
const WHEN = { upcoming: 'Upcoming', past: 'Past', all: 'All' } as const;
type When = keyof typeof WHEN;
const HOUR = 3_600_000;

const hours = (start: string, end: string) => `${when(start)} – ${new Date(end).toLocaleTimeString(undefined, { hour: 'numeric', minute: '2-digit' })}`;

export function Bookings({ params }: { params: URLSearchParams }) {
  const span = (params.get('when') ?? 'upcoming') as When;
  const status = params.get('status') ?? '';
  // "now" is fixed per visit of a view: a list that asked for "after 10:02" asks the same again on reload
  const now = useMemo(() => new Date().toISOString(), [span, status]);
  const list = useLoad(() => api<{ data: Booking[] }>('GET', `/v1/bookings${query({
    status, from: span === 'upcoming' ? now : undefined, to: span === 'past' ? now : undefined, limit: 500,
  })}`), [span, status, now]);
  const rows = span === 'past' ? [...(list.data?.data ?? [])].reverse() : (list.data?.data ?? []);
  const [adding, setAdding] = useState(false);
  const [moving, setMoving] = useState<string | null>(null);
  const act = useAction();
  const set = (name: string, value: string) => {
    const next = new URLSearchParams(params);
    next.set('tab', 'bookings');
    if (value) next.set(name, value);
    else next.delete(name);
    navigate(`/calls?${next}`);
  };

  const change = (b: Booking, verb: 'cancel' | 'complete') => act.run(() => api<Booking>('POST', `/v1/bookings/${b.id}/${verb}`),
    () => (verb === 'cancel' ? `Cancelled the ${b.booking_type} of ${when(b.window_start)}; its reminder will not go.` : `Marked the ${b.booking_type} of ${when(b.window_start)} done.`))
    .then(() => list.reload());

  return (
    <div className="cc-panel">
      <div className="cc-head">
        <h1>Bookings</h1>
        <button type="button" aria-expanded={adding} onClick={() => { setAdding((a) => !a); act.reset(); }}>{adding ? 'Close the form' : 'Book an appointment'}</button>
      </div>
      {adding ? <NewBooking onBooked={(b) => { setAdding(false); list.reload(); act.say(`Booked: ${b.booking_type} ${when(b.window_start)}${b.confirmation_message_id ? '; the confirmation is on its way' : ''}.`); }} /> : null}
      <form className="filters" aria-label="Filter the bookings" onSubmit={(e) => e.preventDefault()}>
        <label>When
          <select value={span} onChange={(e) => set('when', e.target.value === 'upcoming' ? '' : e.target.value)}>
            {(Object.keys(WHEN) as When[]).map((w) => <option key={w} value={w}>{WHEN[w]}</option>)}
          </select>
        </label>
        <label>Status
          <select value={status} onChange={(e) => set('status', e.target.value)}>
            <option value="">any</option>
            {STATUSES.map((s) => <option key={s} value={s}>{s}</option>)}
          </select>
        </label>
      </form>
      <Outcome action={act} />
      {list.error ? <ErrorState error={list.error} retry={list.reload} />
        : !list.data ? <Loading what="bookings" />
          : !rows.length ? (
            <Empty title={span === 'upcoming' ? 'Nothing booked ahead' : 'No bookings here'}>
              <p>Bookings are made when the AI agent schedules an appointment on a call, or by hand: <button type="button" className="link" onClick={() => setAdding(true)}>book an appointment</button>.
                {span !== 'all' ? <> Or see <Link to={`/calls${query({ tab: 'bookings', when: 'all', status })}`}>all bookings</Link>.</> : null}</p>
            </Empty>
          ) : (
            <div className="table-wrap" aria-busy={list.loading}>
              <table>
                <caption className="sr-only">Bookings</caption>
                <thead><tr><th>When</th><th>What</th><th>Estimator</th><th>Where</th><th>Status</th><th>Messages</th><th><span className="sr-only">Actions</span></th></tr></thead>
                <tbody>
                  {rows.map((b) => (
                    <tr key={b.id} data-booking={b.id}>
                      <td>{hours(b.window_start, b.window_end)}</td>
                      <td>{words(b.booking_type)}{b.lead_id ? <> · <Link to={`/leads/${b.lead_id}`}>lead</Link></> : null}{b.call_id ? <> · <Link to={`/calls/${b.call_id}`}>call</Link></> : null}</td>
                      <td>{b.estimator_name ?? '—'}</td>
                      <td>{b.location ?? '—'}{b.notes ? <span className="note"> · {b.notes}</span> : null}</td>
                      <td><Badge value={b.status} />{b.revision > 1 ? <span className="note"> (moved {b.revision - 1}×)</span> : null}</td>
                      <td>{b.confirmation_sent ? 'confirmed' : b.confirmation_message_id ? 'confirming' : '—'}{b.reminder_message_id ? (b.reminder_sent ? ' · reminded' : ' · reminder due') : ''}</td>
                      <td>
                        {b.status === 'confirmed' || b.status === 'rescheduled' ? (
                          <div className="cc-row-actions">
                            <button type="button" className="secondary" aria-expanded={moving === b.id} onClick={() => setMoving(moving === b.id ? null : b.id)}>Reschedule</button>
                            <button type="button" className="secondary" disabled={act.busy} onClick={() => void change(b, 'complete')}>Done</button>
                            <button type="button" className="danger" disabled={act.busy} onClick={() => void change(b, 'cancel')}>Cancel booking</button>
                          </div>
                        ) : null}
                        {moving === b.id ? <Reschedule b={b} onMoved={(r) => { setMoving(null); list.reload(); act.say(`Moved to ${when(r.window_start)}; a new confirmation goes.`); }} /> : null}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
    </div>
  );
}

function Reschedule({ b, onMoved }: { b: Booking; onMoved: (b: Booking) => void }) {
  const [start, setStart] = useState(localInput(new Date(b.window_start)));
  const [end, setEnd] = useState(localInput(new Date(b.window_end)));
  const act = useAction();
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void act.run(() => api<Booking>('POST', `/v1/bookings/${b.id}/reschedule`, { window_start: instant(start), window_end: instant(end) })).then((r) => { if (r) onMoved(r); });
  };
  return (
    <form className="cc-inline" aria-label="Reschedule" noValidate onSubmit={submit}>
      <Field id={`move-start-${b.id}`} label="New start" error={act.error} name="window_start">
        {(a) => <input {...a} type="datetime-local" value={start} onChange={(e) => setStart(e.target.value)} />}
      </Field>
      <Field id={`move-end-${b.id}`} label="New end" error={act.error} name="window_end">
        {(a) => <input {...a} type="datetime-local" value={end} onChange={(e) => setEnd(e.target.value)} />}
      </Field>
      <Outcome action={act} />
      <button type="submit" disabled={act.busy}>Move it</button>
    </form>
  );
}

function NewBooking({ onBooked }: { onBooked: (b: Booking) => void }) {
  const { me } = useSession();
  const users = useLoad(() => api<Users>('GET', '/v1/users'), []);
  const [lead, setLead] = useState('');
  const [estimator, setEstimator] = useState(me?.user?.id ?? '');
  const [type, setType] = useState<string>('inspection');
  const [start, setStart] = useState(() => localInput(new Date(Math.ceil(Date.now() / HOUR) * HOUR + 24 * HOUR)));
  const [end, setEnd] = useState('');
  const [location, setLocation] = useState('');
  const [notes, setNotes] = useState('');
  const act = useAction();
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const endAt = end || (start ? localInput(new Date(new Date(start).getTime() + HOUR)) : '');
    void act.run(() => api<Booking>('POST', '/v1/bookings', {
      lead_id: lead || undefined, estimator_id: estimator || undefined, booking_type: type, window_start: instant(start), window_end: instant(endAt),
      location: location.trim() || undefined, notes: notes.trim() || undefined,
    })).then((r) => { if (r) onBooked(r); });
  };
  const err = act.error;
  return (
    <form className="cc-form" aria-label="Book an appointment" noValidate onSubmit={submit}>
      <Outcome action={act} />
      <LeadPicker id="book-lead" value={lead} onChange={setLead} error={err} />
      <div className="cc-row">
        <Field id="book-estimator" label="Estimator" error={err} name="estimator_id">
          {(a) => (
            <select {...a} value={estimator} onChange={(e) => setEstimator(e.target.value)}>
              <option value="">choose…</option>
              {(users.data?.data ?? (me?.user ? [me.user] : [])).map((u) => <option key={u.id} value={u.id}>{u.full_name ?? u.email}</option>)}
            </select>
          )}
        </Field>
        <Field id="book-type" label="Kind" error={err} name="booking_type">
          {(a) => <select {...a} value={type} onChange={(e) => setType(e.target.value)}>{TYPES.map((t) => <option key={t} value={t}>{t}</option>)}</select>}
        </Field>
      </div>
      <div className="cc-row">
        <Field id="book-start" label="Starts" error={err} name="window_start">
          {(a) => <input {...a} type="datetime-local" value={start} onChange={(e) => setStart(e.target.value)} />}
        </Field>
        <Field id="book-end" label="Ends" error={err} name="window_end" help="an hour after the start if left empty">
          {(a) => <input {...a} type="datetime-local" value={end} onChange={(e) => setEnd(e.target.value)} />}
        </Field>
      </div>
      <Field id="book-location" label="Where" error={err} name="location">
        {(a) => <input {...a} value={location} maxLength={500} onChange={(e) => setLocation(e.target.value)} />}
      </Field>
      <Field id="book-notes" label="Notes" error={err} name="notes">
        {(a) => <textarea {...a} rows={2} value={notes} maxLength={5000} onChange={(e) => setNotes(e.target.value)} />}
      </Field>
      <div className="actions"><button type="submit" disabled={act.busy}>Book it</button></div>
    </form>
  );
}
