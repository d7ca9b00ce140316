import { useEffect, useState, type FormEvent } from 'react';
import type { ScoringService } from '../../../src/domain/scoring/scoring.service.ts';
import { api, type Answer } from '../api.ts';
import { Field, numberOrText, Outcome, useAction } from '../form.tsx';
import { useLoad } from '../load.ts';
import { type PageProps } from '../router.tsx';
import { DataTable, money, num } from '../table.tsx';
import { ErrorState, Loading } from '../ui.tsx';
import { atLeast, words, type Role } from './settings-form.tsx';

// The scoring weights and thresholds of each scorer (docs/SCORING.md explains each), defaults
// filled in. Admins change them (only what changed is sent; the API checks the whole and names a
// value out of range, and then nothing is stored); managers rescore the leads with them.

type Settings = Answer<ScoringService['settings']>;
type Outcomes = { data: Answer<ScoringService['rescore']> };
type Group = keyof Settings;
const GROUPS: Record<Group, string> = {
  quality: 'Quality (contactability)', motivation: 'Motivation to sell', roof: 'Roof replacement', contagion: 'Permit contagion',
};
const SCORERS = ['all', 'quality', 'motivation', 'roof', 'contagion'] as const;

/** Every number of the settings by its path (quality.verified_email, roof.material_life_years.slate). */
function flatten(s: Settings): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [g, fields] of Object.entries(s)) {
    for (const [k, v] of Object.entries(fields as Record<string, unknown>)) {
      if (typeof v === 'number') out[`${g}.${k}`] = String(v);
      else if (v && typeof v === 'object') for (const [m, n] of Object.entries(v)) out[`${g}.${k}.${m}`] = String(n);
    }
  }
  return out;
}

function unit(k: string) {
  if (k.endsWith('_cents')) return 'cents';
  if (k.endsWith('_years') || k === 'material_life_years') return 'years';
  if (k.endsWith('_months')) return 'months';
  if (k.endsWith('_days') || k === 'days_on_market_full') return 'days';
  if (k.endsWith('_miles')) return 'miles';
  if (k.endsWith('_ratio')) return 'share of value';
  if (k.endsWith('_percent')) return '%';
  if (k === 'fit_min_age') return 'age';
  if (k === 'violations_full' || k === 'min_permits') return 'count';
  return 'points';
}

export function ScoringSection({ role }: PageProps & { role: Role }) {
  const settings = useLoad(() => api<Settings>('GET', '/v1/scoring/settings'), []);
  const [form, setForm] = useState<Record<string, string>>({});
  useEffect(() => {
    if (settings.data) setForm(flatten(settings.data));
  }, [settings.data]);
  const save = useAction();
  const rescore = useAction();
  const [scorer, setScorer] = useState<(typeof SCORERS)[number]>('all');
  const [outcomes, setOutcomes] = useState<Outcomes['data'] | null>(null);
  const admin = atLeast(role, 'admin');
  if (settings.error) return <ErrorState error={settings.error} retry={settings.reload} />;
  if (!settings.data || !Object.keys(form).length) return <Loading what="the scoring weights" />;
  const was = flatten(settings.data);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const patch: Record<string, Record<string, unknown>> = {};
    for (const [path, value] of Object.entries(form)) {
      if (value === was[path]) continue;
      const [g, k, m] = path.split('.') as [string, string, string | undefined];
      const group = (patch[g] ??= {});
      if (m) group[k] = { ...(group[k] as object), [m]: numberOrText(value) };
      else group[k] = numberOrText(value);
    }
    if (!Object.keys(patch).length) return void save.run(async () => null, 'Nothing changed.');
    const changed = Object.values(patch).reduce((n, g) => n + Object.keys(g).length, 0);
    void save.run(() => api<Settings>('PUT', '/v1/scoring/settings', patch), (r) => {
      settings.set(r);
      return `Saved ${changed} ${changed === 1 ? 'weight' : 'weights'}. Scores move when the leads are rescored (below).`;
    });
  };
  const doRescore = () => void rescore.run(() => api<Outcomes>('POST', '/v1/scoring/rescore', { scorer }), (r) => {
    setOutcomes(r.data);
    return `Rescored: ${r.data.map((o) => `${o.scorer} ${num(o.changed)} changed`).join(', ')}.`;
  });

  return (
    <>
      <form className="settings-form" onSubmit={submit} aria-label="Scoring weights">
        <p className="note">Points a lead earns for each factor; a score is held to 0–100 whatever the weights. Hot, warm and cold are the score a lead needs for each tier.</p>
        {(Object.keys(GROUPS) as Group[]).map((g) => (
          <fieldset key={g} disabled={!admin || save.busy} className="grid">
            <legend>{GROUPS[g]}</legend>
            {Object.keys(form).filter((p) => p.startsWith(`${g}.`)).map((path) => {
              const [, k, m] = path.split('.') as [string, string, string | undefined];
              const u = unit(k);
              // the unit goes in brackets, not twice: "Window (months)", not "Window months (months)"
              const label = m ? `${words(m)} roof life` : words(k.replace(/_(cents|years|months|days|miles|percent)$/, ''));
              return (
                <Field key={path} label={`${label} (${u})`} name={path} error={save.error} help={u === 'cents' ? money(Number(form[path]) || 0) : undefined}>
                  {(p) => <input {...p} type="number" step="any" value={form[path]} onChange={(e) => setForm((f) => ({ ...f, [path]: e.target.value }))} />}
                </Field>
              );
            })}
          </fieldset>
        ))}
        {admin ? <div className="actions"><button type="submit" disabled={save.busy}>{save.busy ? 'Saving…' : 'Save weights'}</button>
          <button type="button" className="secondary" disabled={save.busy} onClick={() => { setForm(was); save.reset(); }}>Undo changes</button></div>
          : <p className="note">Only admins and owners change the weights.</p>}
        <Outcome action={save} fields={Object.keys(GROUPS)} />
      </form>

      <h2>Rescore</h2>
      <div className="actions">
        <label>Scorer{' '}
          <select value={scorer} onChange={(e) => setScorer(e.target.value as typeof scorer)}>{SCORERS.map((s) => <option key={s} value={s}>{s === 'all' ? 'every scorer' : s}</option>)}</select>
        </label>
        <button type="button" className="secondary" disabled={rescore.busy} onClick={doRescore}>{rescore.busy ? 'Rescoring…' : 'Rescore every lead'}</button>
      </div>
      <Outcome action={rescore} />
      {outcomes ? (
        <DataTable caption="Rescore" rows={outcomes} columns={[
          { label: 'Scorer', value: (o) => o.scorer }, { label: 'Scored', value: (o) => num(o.scored), numeric: true }, { label: 'Score moved', value: (o) => num(o.changed), numeric: true },
          { label: 'Leads updated', value: (o) => num(o.updated), numeric: true }, { label: 'Seconds', value: (o) => o.seconds.toFixed(1), numeric: true },
          { label: 'Standing', value: (o) => o.standing.map((s) => `${s.label ?? 'unlabelled'} ${num(s.n)}`).join(', ') || '—' },
        ]} />
      ) : null}
    </>
  );
}
