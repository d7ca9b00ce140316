import { Fragment, type ReactNode } from 'react';
import type { Calls } from '../../../src/domain/voice/calls.service.ts';
import { api, query, type Answer } from '../api.ts';
import { useLoad } from '../load.ts';
import { Link } from '../router.tsx';
import { money } from '../table.tsx';
import { Badge, ErrorState, Loading } from '../ui.tsx';
import { phone, seconds, when, words } from './calls-shared.tsx';

// One call as a manager reviews it: who, when, how long and how it ended; what the gate said;
// what the analysis made of it (interest, objections, next steps); the recording; the
// conversation turn by turn (or the transcript as logged); the booking it made; its events.

type Call = Answer<Calls['show']>;

const mmss = (ms: number) => `${Math.floor(ms / 60_000)}:${String(Math.floor((ms % 60_000) / 1000)).padStart(2, '0')}`;
const ROLE: Record<string, string> = { agent: 'Agent', user: 'Owner', tool: 'Tool' };
const SOURCE: Record<string, string> = { manual: 'placed by hand', sequence: 'by a sequence', logged: 'logged by hand', inbound: 'taken, logged by hand', campaign: 'by a campaign' };

function Facts({ rows }: { rows: [string, ReactNode][] }) {
  const shown = rows.filter(([, v]) => v !== null && v !== undefined && v !== '' && v !== '—');
  return <dl className="facts">{shown.map(([k, v]) => <Fragment key={k}><dt>{k}</dt><dd>{v}</dd></Fragment>)}</dl>;
}

export function CallDetail({ id }: { id: string }) {
  const call = useLoad(() => api<Call>('GET', `/v1/calls/${id}`), [id]);
  if (call.error) return <ErrorState error={call.error} retry={call.reload} />;
  const c = call.data;
  if (!c) return <Loading what="the call" />;
  const analysis = c.ai_summary;
  const summary = c.summary ?? analysis?.summary ?? null;
  const nextSteps = c.next_steps ?? analysis?.next_steps ?? null;
  const objections = c.objections_raised.length ? c.objections_raised : (analysis?.objections ?? []);
  const interest = c.interest_level ?? analysis?.interest_level ?? null;

  return (
    <article className="cc-call">
      <header>
        <h1>{c.direction === 'inbound' ? 'Call from' : 'Call to'} {phone(c.to_number)}</h1>
        <p className="meta">
          <Badge value={c.status} /> {c.outcome ? <strong>{words(c.outcome)}</strong> : null} · <time dateTime={c.initiated_at}>{when(c.initiated_at)}</time> · {seconds(c.duration_seconds)}
          {' '}· {c.agent === 'ai' ? 'AI agent' : 'a person'}{c.user_name ? ` for ${c.user_name}` : ''} · {SOURCE[c.source] ?? c.source}
        </p>
        {c.lead_id ? <p className="meta"><Link to={`/leads/${c.lead_id}`}>Open the lead</Link> · <Link to={`/calls${query({ tab: 'bookings' })}`}>Bookings</Link></p> : null}
      </header>

      {c.blocked_reason || c.gate_decision === 'deny' || c.gate_decision === 'defer' ? (
        <p className="cc-verdict deny" role="note">
          The compliance gate {c.gate_decision === 'defer' ? 'held this call back' : 'refused this call'}: <code>{c.blocked_reason ?? c.gate_reason}</code>
          {c.gate_decision_id ? <> · <Link to={`/compliance/${c.gate_decision_id}`}>See the decision</Link></> : null}
        </p>
      ) : null}

      <section aria-labelledby="call-analysis">
        <h2 id="call-analysis">Analysis</h2>
        {summary || nextSteps || objections.length || interest ? (
          <Facts rows={[
            ['Summary', summary], ['Interest', interest], ['Objections', objections.join(', ')], ['Next steps', nextSteps],
            ['Analysed by', analysis?.analyzed_by ?? (c.source === 'logged' || c.source === 'inbound' ? 'written down by hand' : null)],
          ]} />
        ) : <p className="note">Nothing to analyse: {c.status === 'completed' ? 'no one spoke on this call' : 'the call did not connect'}.</p>}
      </section>

      <section aria-labelledby="call-recording">
        <h2 id="call-recording">Recording</h2>
        {c.recording_url ? <p><a href={c.recording_url} target="_blank" rel="noreferrer">Listen to the recording</a>{c.recording_note ? ` (${c.recording_note})` : ''}</p>
          : <p className="note">{c.recorded ? 'Recorded, but the carrier has not sent the recording yet.' : 'Not recorded.'}{c.recording_note ? ` ${c.recording_note}` : ''}</p>}
      </section>

      <section aria-labelledby="call-transcript">
        <h2 id="call-transcript">Transcript</h2>
        {c.turns.length ? (
          <ol className="cc-turns">
            {c.turns.map((t) => (
              <li key={t.seq} className={`turn ${t.role}`}>
                <span className="who">{ROLE[t.role] ?? t.role} <span className="note">{mmss(t.start_ms)}</span></span>
                {t.role === 'tool' ? <span><code>{t.tool_name}</code> {t.tool_args ? <span className="note">{JSON.stringify(t.tool_args)}</span> : null}</span> : <span>{t.text}</span>}
                {t.barge_in ? <span className="note"> (spoke over the agent)</span> : null}
              </li>
            ))}
          </ol>
        ) : c.transcript ? <pre className="draft">{c.transcript}</pre> : <p className="note">No transcript.</p>}
      </section>

      {c.booking ? (
        <section aria-labelledby="call-booking">
          <h2 id="call-booking">Booking</h2>
          <p>{words(c.booking.booking_type)} {when(c.booking.window_start)} to {new Date(c.booking.window_end).toLocaleTimeString(undefined, { hour: 'numeric', minute: '2-digit' })}
            {' '}<Badge value={c.booking.status} /> · <Link to={`/calls${query({ tab: 'bookings', when: 'all' })}`}>Manage bookings</Link></p>
        </section>
      ) : null}

      <section aria-labelledby="call-facts">
        <h2 id="call-facts">Details</h2>
        <Facts rows={[
          ['From', c.from_number ? phone(c.from_number) : null], ['Goal', c.conversation_goal ? words(c.conversation_goal) : null],
          ['Answered', c.started_at ? when(c.started_at) : null], ['Ended', c.ended_at ? when(c.ended_at) : null],
          ['Cost', money(Number(c.total_cost_cents))], ['Retry', c.retry_attempts ? `attempt ${c.retry_attempts + 1}` : null],
          ['Next retry', c.retry_at ? when(c.retry_at) : null], ['First audio', c.first_audio_latency_ms != null ? `${c.first_audio_latency_ms} ms` : null],
          ['Carrier', c.carrier], ['Last error', c.last_error_code],
        ]} />
      </section>

      <section aria-labelledby="call-events">
        <h2 id="call-events">Events</h2>
        {c.events.length ? (
          <div className="table-wrap">
            <table>
              <caption className="sr-only">What the carrier reported of the call</caption>
              <thead><tr><th>Event</th><th>When</th><th>From</th></tr></thead>
              <tbody>{c.events.map((e) => <tr key={e.provider_event_id}><td>{words(e.event_type)}</td><td>{when(e.occurred_at)}</td><td>{e.provider}</td></tr>)}</tbody>
            </table>
          </div>
        ) : <p className="note">No events: {c.source === 'logged' || c.source === 'inbound' ? 'a logged call has none' : 'the carrier has reported nothing yet'}.</p>}
      </section>
    </article>
  );
}
