import { Fragment, useState } from 'react';
import { LEAD_STATUSES } from '../../../src/db/schema.ts';
import type { LeadsService } from '../../../src/domain/leads/leads.service.ts';
import { api, type Answer } from '../api.ts';
import { useLoad } from '../load.ts';
import { Link } from '../router.tsx';
import { Ago, Badge, dollars, ErrorState, Loading } from '../ui.tsx';
import { Assignee, FieldChanges, Scores, TimelineSection } from './lead-parts.tsx';
import { BulkEnroll } from './leads-bulk.tsx';
import { DealEntry } from './report-entries.tsx';

// One lead: the property and its owner, every phone and e-mail with its verified and DNC marks,
// the scores with what made them, and the timeline of touches, calls and changes. Status and
// tags change here; every change lands in the lead's history.

type Lead = Answer<LeadsService['show']>;
const cents = (c: string | number | null) => (c == null ? null : dollars(Number(c) / 100));

function Facts({ rows }: { rows: [string, unknown][] }) {
  const shown = rows.filter(([, v]) => v !== null && v !== undefined && v !== '');
  return shown.length ? <dl className="facts">{shown.map(([k, v]) => <Fragment key={k}><dt>{k}</dt><dd>{String(v)}</dd></Fragment>)}</dl> : <p className="note">Nothing known yet.</p>;
}

export function LeadPage({ id }: { id: string }) {
  const lead = useLoad(() => api<Lead>('GET', `/v1/leads/${id}`), [id]);
  // a change reloads the timeline, which shows it
  const [version, setVersion] = useState(0);
  const [done, setDone] = useState<string | null>(null);
  const [tag, setTag] = useState('');
  const [error, setError] = useState<Error | null>(null);

  async function change(patch: Record<string, unknown>) {
    setError(null);
    try {
      lead.set(await api<Lead>('PATCH', `/v1/leads/${id}`, patch));
      setVersion((v) => v + 1);
    } catch (e) {
      setError(e instanceof Error ? e : new Error(String(e)));
    }
  }

  if (lead.error) return <ErrorState error={lead.error} retry={lead.reload} />;
  const l = lead.data;
  if (!l) return <Loading what="the lead" />;
  const p = l.property;
  const o = l.person;
  return (
    <article className="lead">
      <Link className="back" to="/leads">← Leads</Link>
      <header>
        <h1>{o?.full_name ?? o?.company_name ?? 'Unknown owner'}</h1>
        <p className="meta">{p ? [p.address_line1, p.city, p.state, p.zip].filter(Boolean).join(', ') : 'No property'} · source {l.source} · added <Ago at={l.created_at} /></p>
      </header>
      {error ? <ErrorState error={error} /> : null}
      {done ? <p className="done" role="status">{done}</p> : null}
      <div className="actions">
        <label>Status{' '}
          <select value={l.status} onChange={(e) => void change({ status: e.target.value })}>
            {LEAD_STATUSES.map((s) => <option key={s} value={s}>{s.replaceAll('_', ' ')}</option>)}
          </select>
        </label>
        <span className="tags">
          {l.tags.map((t) => <button key={t} type="button" className="tag" title="remove this tag" onClick={() => void change({ remove_tags: [t] })}>{t} ×</button>)}
        </span>
        <form onSubmit={(e) => { e.preventDefault(); if (tag.trim()) void change({ add_tags: [tag.trim()] }).then(() => setTag('')); }}>
          <label>Add tag <input value={tag} maxLength={50} onChange={(e) => setTag(e.target.value)} /></label>
        </form>
        <Assignee l={l} change={change} />
        <BulkEnroll ids={[id]} failed={setError} done={(m) => { setError(null); setDone(m); setVersion((v) => v + 1); }} />
      </div>

      <div className="columns">
        <section aria-labelledby="property-title">
          <h2 id="property-title">Property</h2>
          <Facts rows={p ? [['Address', [p.address_line1, p.city, p.state, p.zip].filter(Boolean).join(', ')], ['APN', p.apn], ['County', p.county],
            ['Type', p.property_type], ['Beds / baths', p.bedrooms != null ? `${p.bedrooms} / ${p.bathrooms ?? '—'}` : null], ['Living area', p.living_area_sqft != null ? `${p.living_area_sqft} sq ft` : null],
            ['Year built', p.year_built], ['Roof age', p.roof_age_years != null ? `${p.roof_age_years} years` : null], ['Estimated value', cents(p.estimated_value_cents)],
            ['Equity', cents(p.equity_cents)], ['Last sale', p.last_sale_date ? `${p.last_sale_date.slice(0, 10)} for ${cents(p.last_sale_price_cents) ?? '—'}` : null]] : []} />
        </section>
        <section aria-labelledby="owner-title">
          <h2 id="owner-title">Owner</h2>
          <Facts rows={o ? [['Name', o.full_name], ['Company', o.is_company ? o.company_name : null],
            ['Mailing', [o.mailing_line1, o.mailing_city, o.mailing_state, o.mailing_zip].filter(Boolean).join(', ')]] : []} />
        </section>
      </div>

      <section aria-labelledby="contacts-title">
        <h2 id="contacts-title">Phones and e-mails</h2>
        {l.contact_points.length ? (
          <div className="table-wrap"><table>
            <thead><tr><th>Contact</th><th>Kind</th><th>Type</th><th>Checks</th></tr></thead>
            <tbody>{l.contact_points.map((c) => (
              <tr key={c.id}>
                <td>{c.value ?? c.display}</td><td>{c.kind}</td><td>{c.type ?? '—'}</td>
                <td>{c.verified ? <span className="badge good">verified</span> : null} {c.dnc ? <span className="badge bad">DNC</span> : null}</td>
              </tr>))}
            </tbody>
          </table></div>
        ) : <p className="note">No phone or e-mail yet: enrichment finds them.</p>}
      </section>

      <DealEntry leadId={id} won={l.status === 'closed_won'} />
      <Scores l={l} />
      <TimelineSection id={id} version={version} />
      <section aria-labelledby="status-title">
        <h2 id="status-title">Status history</h2>
        <ol className="history">{l.status_history.map((h, i) => <li key={i}><Badge value={h.to_status} /> by {h.trigger_type} <Ago at={h.changed_at} /></li>)}</ol>
      </section>
      <FieldChanges l={l} />
    </article>
  );
}
