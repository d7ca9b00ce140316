import { useEffect, useState, type FormEvent } from 'react';
import type { DncService } from '../../../src/domain/routing/dnc.service.ts';
import { api, query, upload, type Answer } from '../api.ts';
import { Field, Outcome, useAction } from '../form.tsx';
import { useLoad, usePaged } from '../load.ts';
import { navigate } from '../router.tsx';
import { useSession } from '../session.tsx';
import { DataTable, num } from '../table.tsx';
import { Ago, Empty, ErrorState, Loading, ShowMore } from '../ui.tsx';
import { contact, when } from './calls-shared.tsx';

// The do-not-contact list: who is on it and why (the values masked, as the server keeps only
// their keyed hash), searched and paged by the server; a number checked against it, the national
// registry copy and its consents; added by anyone, taken off by managers; and files loaded
// (your own list as CSV, or a registry download), with every refused line and why.

type Listing = Answer<DncService['page']>;
type Checked = Answer<DncService['check']>;
type Added = Answer<DncService['add']>;
type OwnImport = Answer<DncService['importList']>;
type NationalImport = Answer<DncService['importNational']>;
const CHANNELS = [['call', 'calls'], ['ai_call', 'AI calls'], ['sms', 'texts'], ['email', 'e-mails']] as const;
const PER_PAGE = 50;

/** { phone } or { email }, by what was typed. */
const which = (value: string) => (value.includes('@') ? { email: value.trim() } : { phone: value.trim() });

export function DncList({ params }: { params: URLSearchParams }) {
  const q = params.get('q') ?? '';
  const list = usePaged((cursor) => api<Listing>('GET', `/v1/dnc${query({ q, limit: PER_PAGE, cursor })}`), [q]);
  const [typed, setTyped] = useState(q);
  useEffect(() => setTyped(q), [q]);
  const go = (next: string) => navigate(`/compliance${query({ tab: 'dnc', q: next })}`, true);
  useEffect(() => {
    if (typed === q) return;
    const t = setTimeout(() => go(typed.trim()), 300);
    return () => clearTimeout(t);
  });
  const total = list.data?.total ?? 0;

  return (
    <div className="cc-panel">
      <h1>Do not contact</h1>
      <div className="cc-grid">
        <CheckNumber onChanged={list.reload} />
        <AddEntry onAdded={list.reload} />
      </div>
      <ImportFile onLoaded={list.reload} />

      <h2 id="dnc-list-title">Your list{list.data && !q ? ` (${num(total)})` : ''}</h2>
      <form className="filters" role="search" aria-labelledby="dnc-list-title" onSubmit={(e) => { e.preventDefault(); go(typed.trim()); }}>
        <label>Search <input type="search" value={typed} placeholder="last digits, domain, reason" onChange={(e) => setTyped(e.target.value)} /></label>
      </form>
      {list.error ? <ErrorState error={list.error} retry={list.reload} />
        : !list.data ? <Loading what="the list" />
          : !list.items.length && !q ? <Empty title="Nobody on your list yet"><p>Add a number above when an owner asks not to be contacted, or load your list as a CSV file. Opt-outs (STOP, “don't call me”) land here by themselves.</p></Empty>
            : !list.items.length ? <Empty title="No entry matches"><button type="button" className="link" onClick={() => go('')}>Clear the search</button></Empty>
              : (
                <>
                  <DataTable caption="Your do-not-contact list" rows={list.items} columns={[
                    { label: 'Contact', value: (e) => contact(e.display) }, { label: 'For', value: (e) => (e.channels ? e.channels.map((c) => CHANNELS.find(([k]) => k === c)?.[1] ?? c).join(', ') : 'everything') },
                    { label: 'Reason', value: (e) => e.reason ?? '—' }, { label: 'Source', value: (e) => e.source }, { label: 'Added', value: (e) => <Ago at={e.created_at} /> },
                  ]} />
                  <p className="note">Showing {num(list.items.length)} of {num(total)} {total === 1 ? 'entry' : 'entries'}{q ? ' that match' : ''}, newest first.</p>
                  <ShowMore list={list} />
                </>
              )}
    </div>
  );
}

function CheckNumber({ onChanged }: { onChanged: () => void }) {
  const { me } = useSession();
  const [value, setValue] = useState('');
  const [answer, setAnswer] = useState<Checked | null>(null);
  const act = useAction();
  const check = (e?: FormEvent) => {
    e?.preventDefault();
    setAnswer(null);
    void act.run(() => api<Checked>('GET', `/v1/dnc/check${query(which(value))}`)).then((r) => r && setAnswer(r));
  };
  const remove = () => act.run(() => api<{ removed: boolean }>('DELETE', '/v1/dnc', which(value)), () => `${contact(answer?.contact)} is off your list.`)
    .then((r) => { if (r) { setAnswer(null); onChanged(); } });
  const field = value.includes('@') ? 'email' : 'phone';
  return (
    <form className="cc-form" aria-label="Check a number" noValidate onSubmit={check}>
      <h2>Check a number</h2>
      <Field id="dnc-check" label="Phone or e-mail" error={act.error} name={field} help="the full number: the list keeps only a fingerprint of it">
        {(a) => <input {...a} value={value} autoComplete="off" onChange={(e) => { setValue(e.target.value); setAnswer(null); }} />}
      </Field>
      <div className="actions"><button type="submit" disabled={act.busy || !value.trim()}>Check</button></div>
      <Outcome action={act} />
      {answer ? (
        <div className="cc-answer" role="status" aria-label="Where it stands">
          <p><strong>{contact(answer.contact)}</strong>{' '}
            {answer.organization_list.listed ? <span className="badge bad">on your list</span> : <span className="badge good">not on your list</span>}
            {answer.national ? (answer.national.listed ? <> <span className="badge bad">on the national registry</span></>
              : answer.national.as_of ? <> <span className="badge good">not on the national registry</span></> : <> <span className="badge warn">no registry copy for its area code</span></>) : null}</p>
          <ul>
            {answer.organization_list.listed ? <li>Listed {answer.organization_list.created_at ? when(answer.organization_list.created_at) : ''} ({answer.organization_list.source}){answer.organization_list.reason ? `: ${answer.organization_list.reason}` : ''}.</li> : null}
            {answer.national ? (
              <li>National registry, area code {answer.national.area_code ?? '—'}: {answer.national.as_of ? `your copy is of ${answer.national.as_of} (${answer.national.age_days} days old)` : 'you have no copy'}
                {answer.national.stale ? <strong className="warnings"> — too old to rely on (31 days at most): load a fresh download</strong> : null}.</li>
            ) : null}
            <li>Consents: {answer.consents.live} live{answer.consents.written ? ' (written)' : ''}, {answer.consents.revoked} revoked.</li>
          </ul>
          {answer.organization_list.listed && me?.role !== 'agent' ? <button type="button" className="danger" disabled={act.busy} onClick={() => void remove()}>Take it off your list</button> : null}
          {answer.organization_list.listed && me?.role === 'agent' ? <p className="note">A manager can take it off the list.</p> : null}
        </div>
      ) : null}
    </form>
  );
}

function AddEntry({ onAdded }: { onAdded: () => void }) {
  const [value, setValue] = useState('');
  const [reason, setReason] = useState('');
  const [only, setOnly] = useState<string[]>([]);
  const act = useAction();
  const add = (e: FormEvent) => {
    e.preventDefault();
    void act.run(() => api<Added>('POST', '/v1/dnc', { ...which(value), reason: reason.trim() || undefined, channels: only.length ? only : undefined }),
      (r) => (r.added ? `${contact(r.display)} is on your list${r.channels ? ` for ${r.channels.join(', ')}` : ''}.` : `${contact(r.display)} was already on your list.`))
      .then((r) => { if (r) { setValue(''); setReason(''); setOnly([]); onAdded(); } });
  };
  const field = value.includes('@') ? 'email' : 'phone';
  return (
    <form className="cc-form" aria-label="Add to the list" noValidate onSubmit={add}>
      <h2>Add to the list</h2>
      <Field id="dnc-add" label="Phone or e-mail to add" error={act.error} name={field}>
        {(a) => <input {...a} value={value} autoComplete="off" onChange={(e) => setValue(e.target.value)} />}
      </Field>
      <Field id="dnc-reason" label="Reason" error={act.error} name="reason" help="optional: “asked not to be called”">
        {(a) => <input {...a} value={reason} maxLength={500} onChange={(e) => setReason(e.target.value)} />}
      </Field>
      <fieldset className="cc-checks">
        <legend>Only for (none ticked: everything)</legend>
        {CHANNELS.map(([k, label]) => (
          <label key={k}><input type="checkbox" checked={only.includes(k)} onChange={(e) => setOnly((o) => (e.target.checked ? [...o, k] : o.filter((x) => x !== k)))} /> {label}</label>
        ))}
      </fieldset>
      <div className="actions"><button type="submit" disabled={act.busy}>Add</button></div>
      <Outcome action={act} />
    </form>
  );
}

function ImportFile({ onLoaded }: { onLoaded: () => void }) {
  const { me } = useSession();
  const [file, setFile] = useState<File | null>(null);
  const [kind, setKind] = useState<'own' | 'national'>('own');
  const [asOf, setAsOf] = useState('');
  const [codes, setCodes] = useState('');
  const [own, setOwn] = useState<OwnImport | null>(null);
  const [national, setNational] = useState<NationalImport | null>(null);
  const act = useAction();
  const load = (e: FormEvent) => {
    e.preventDefault();
    if (!file) return;
    setOwn(null);
    setNational(null);
    void act.run(async () => {
      if (kind === 'own') setOwn(await upload<OwnImport>(`/v1/dnc/import${query({ source: 'import' })}`, file, 'text/csv'));
      else setNational(await upload<NationalImport>(`/v1/dnc/import${query({ as_of: asOf, area_codes: codes.trim(), file_name: file.name })}`, file, 'text/plain'));
    }).then(onLoaded);
  };
  const issues = own?.issues ?? national?.issues ?? [];
  return (
    <details className="cc-import">
      <summary>Load a file</summary>
      <form className="cc-form" aria-label="Load a file" noValidate onSubmit={load}>
        <div className="cc-row">
          <Field id="dnc-kind" label="What it is">
            {(a) => (
              <select {...a} value={kind} onChange={(e) => setKind(e.target.value as 'own' | 'national')}>
                <option value="own">your own list (CSV: phone and/or email, reason, source)</option>
                {me?.role !== 'agent' ? <option value="national">a National DNC Registry download (AAA,NNNNNNN a line)</option> : null}
              </select>
            )}
          </Field>
          <Field id="dnc-file" label="File" error={act.error} name="file">
            {(a) => <input {...a} type="file" accept=".csv,.txt,text/csv,text/plain" onChange={(e) => setFile(e.target.files?.[0] ?? null)} />}
          </Field>
        </div>
        {kind === 'national' ? (
          <div className="cc-row">
            <Field id="dnc-asof" label="Downloaded on" error={act.error} name="as_of">
              {(a) => <input {...a} type="date" value={asOf} onChange={(e) => setAsOf(e.target.value)} />}
            </Field>
            <Field id="dnc-codes" label="Area codes it covers" error={act.error} name="area_codes" help="optional, like 512,737: those in the file otherwise">
              {(a) => <input {...a} value={codes} onChange={(e) => setCodes(e.target.value)} />}
            </Field>
          </div>
        ) : null}
        <div className="actions"><button type="submit" disabled={act.busy || !file}>Load it</button></div>
        <Outcome action={act} />
        {own ? <p className="done" role="status">{num(own.rows)} rows read: {num(own.added)} added, {num(own.already_listed)} already listed, {num(own.rejected)} refused.</p> : null}
        {national ? <p className="done" role="status">Area codes {national.area_codes.join(', ')} as of {national.as_of}: {num(national.numbers_added)} numbers added, {num(national.numbers_removed)} removed, {num(national.rows_rejected)} lines refused.{national.stale ? ' This download is already too old to rely on.' : ''}</p> : null}
        {issues.length ? <DataTable caption="Refused lines" rows={issues} columns={[{ label: 'Line', value: (i) => i.line, numeric: true }, { label: 'Why', value: (i) => i.reason }]} /> : null}
      </form>
    </details>
  );
}
