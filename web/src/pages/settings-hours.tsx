import { useState, type FormEvent } from 'react';
import type { SequencesService } from '../../../src/domain/sequences/sequences.service.ts';
import { api, type Answer } from '../api.ts';
import { Field, Outcome, useAction } from '../form.tsx';
import { useLoad } from '../load.ts';
import { Link, type PageProps } from '../router.tsx';
import { Empty, ErrorState, Loading } from '../ui.tsx';
import { DAYS } from './campaign-sequence-ui.tsx';
import { type Role } from './settings-form.tsx';

// Working hours: when each sequence's steps may send, in its own time zone and on its days. The
// law's calling hours and each lead's quiet hours apply on top (the compliance gate keeps them);
// these are the office's own, so texts and calls go out when someone is there for the replies.

type Sequences = { data: Answer<SequencesService['list']> };
type Sequence = Sequences['data'][number];
type Props = PageProps & { role: Role };
const FIELDS = ['timezone', 'working_hours_start', 'working_hours_end', 'working_days'];

function HoursForm({ s, saved }: { s: Sequence; saved: () => void }) {
  const [timezone, setTimezone] = useState(s.timezone);
  const [start, setStart] = useState(s.working_hours_start);
  const [end, setEnd] = useState(s.working_hours_end);
  const [days, setDays] = useState<number[]>(s.working_days);
  const save = useAction();
  const changed = timezone !== s.timezone || start !== s.working_hours_start || end !== s.working_hours_end || days.join() !== s.working_days.join();
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void save.run(() => api('PATCH', `/v1/sequences/${s.id}`, { timezone, working_hours_start: start, working_hours_end: end, working_days: days }), () => {
      saved();
      return `Saved: ${s.name} works ${start} to ${end}, ${days.map((d) => DAYS[d - 1]).join(', ')} (${timezone}).`;
    });
  };
  return (
    <form className="settings-form hours" aria-label={`Working hours of ${s.name}`} onSubmit={submit}>
      <h3><Link to={`/sequences/${s.id}`}>{s.name}</Link> <span className="note">{s.status}</span></h3>
      <fieldset disabled={save.busy || s.status === 'archived'} className="row">
        <legend className="sr-only">Hours of {s.name}</legend>
        <Field label="Time zone" name="timezone" error={save.error}>{(p) => <input {...p} value={timezone} onChange={(e) => setTimezone(e.target.value)} />}</Field>
        <Field label="From" name="working_hours_start" error={save.error}>{(p) => <input {...p} type="time" required value={start} onChange={(e) => setStart(e.target.value)} />}</Field>
        <Field label="Until" name="working_hours_end" error={save.error}>{(p) => <input {...p} type="time" required value={end} onChange={(e) => setEnd(e.target.value)} />}</Field>
        <Field label="Days" name="working_days" error={save.error}>{(p) => (
          <span className="days" id={p.id} role="group" aria-invalid={p['aria-invalid']}>
            {DAYS.map((d, i) => (
              <label key={d}><input type="checkbox" checked={days.includes(i + 1)}
                onChange={(e) => setDays((now) => (e.target.checked ? [...now, i + 1].sort() : now.filter((x) => x !== i + 1)))} />{d}</label>
            ))}
          </span>
        )}</Field>
      </fieldset>
      <div className="actions"><button type="submit" disabled={!changed || save.busy}>{save.busy ? 'Saving…' : 'Save hours'}</button></div>
      <Outcome action={save} fields={FIELDS} />
    </form>
  );
}

export function HoursSection(_: Props) {
  const list = useLoad(() => api<Sequences>('GET', '/v1/sequences'), []);
  if (list.error) return <ErrorState error={list.error} retry={list.reload} />;
  if (!list.data) return <Loading what="the sequences" />;
  const open = list.data.data.filter((s) => s.status !== 'archived');
  if (!open.length) return <Empty title="No sequence yet"><p>Working hours belong to sequences: <Link to="/sequences?new=1">make one</Link> and set its hours here.</p></Empty>;
  return (
    <>
      <p className="note">Steps that send keep to these hours and days, in the sequence's time zone; a step due outside them waits for the next opening. The calling hours the law sets and each lead's own quiet hours apply as well.</p>
      {open.map((s) => <HoursForm key={s.id} s={s} saved={list.reload} />)}
    </>
  );
}
