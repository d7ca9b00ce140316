import { useState } from 'react';
import type { SegmentsService } from '../../../src/domain/segments/segments.service.ts';
import type { SequencesService } from '../../../src/domain/sequences/sequences.service.ts';
import { api, type Answer } from '../api.ts';
import { useLoad } from '../load.ts';
import { navigate } from '../router.tsx';

// Two things the leads table does with what is on screen: enroll the chosen leads in a sequence,
// and keep the current filters as a saved segment that campaigns, sequences and assignment use.

type Sequences = { data: Answer<SequencesService['list']> };
type Enrolled = Answer<SequencesService['enroll']>;
type Segment = Answer<SegmentsService['show']>;

/** Enroll the chosen leads in one call; says how many went in and why the others did not. */
export function BulkEnroll({ ids, done, failed }: { ids: string[]; done: (message: string) => void; failed: (e: Error) => void }) {
  const sequences = useLoad(() => api<Sequences>('GET', '/v1/sequences'), []);
  const open = (sequences.data?.data ?? []).filter((s) => s.status === 'active');
  async function enroll(id: string) {
    const name = open.find((s) => s.id === id)?.name ?? 'the sequence';
    try {
      const r = await api<Enrolled>('POST', `/v1/sequences/${id}/enroll`, { lead_ids: ids });
      const others = [r.already_enrolled ? `${r.already_enrolled} already in it` : '', r.do_not_contact ? `${r.do_not_contact} do-not-contact` : '',
        ids.length > r.matched ? `${ids.length - r.matched} no longer there` : ''].filter(Boolean);
      done(`Enrolled ${r.enrolled} in ${name}${others.length ? ` (${others.join(', ')})` : ''}.`);
    } catch (e) {
      failed(e instanceof Error ? e : new Error(String(e)));
    }
  }
  return (
    <select aria-label="Enroll in a sequence" value="" disabled={!open.length} title={open.length ? undefined : 'No active sequence'}
      onChange={(e) => e.target.value && void enroll(e.target.value)}>
      <option value="">{open.length ? 'Enroll in…' : 'No active sequence'}</option>
      {open.map((s) => <option key={s.id} value={s.id}>{s.name}</option>)}
    </select>
  );
}

/**
 * The table's filters in the segment language of docs/SEGMENTS.md. A chosen segment is kept as
 * one more condition (its own filter), so the saved one narrows it the same way the table does.
 * A search box text has no counterpart there, so a search cannot be saved.
 */
export async function segmentFilterOf(f: Record<string, string>, me: string | null): Promise<Record<string, unknown>> {
  const list = (v: string) => v.split(',').map((x) => x.trim()).filter(Boolean);
  const out: Record<string, unknown> = {};
  if (f.status) out.status = list(f.status);
  if (f.tier) out.tier = list(f.tier);
  if (f.zip) out.zip = list(f.zip);
  if (f.source) out.source = [f.source];
  if (f.tag) out.tags = { all: list(f.tag) };
  if (f.min_score) out.lead_score = { min: Number(f.min_score) };
  if (f.assignee) out.assignee = f.assignee === 'me' ? (me ?? 'none') : f.assignee;
  if (!f.segment) return out;
  const base = await api<Segment>('GET', `/v1/segments/${encodeURIComponent(f.segment)}`);
  return Object.keys(out).length ? { all: [base.filter, out] } : base.filter;
}

export function SaveSegment({ filters, me }: { filters: Record<string, string>; me: string | null }) {
  const [open, setOpen] = useState(false);
  const [name, setName] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  if (filters.q) return <span className="note">A search is not saved in a segment: clear it to save these filters.</span>;
  if (!open) return <button type="button" className="secondary" onClick={() => setOpen(true)}>Save as segment</button>;
  async function save() {
    setSaving(true);
    setError(null);
    try {
      const s = await api<Segment>('POST', '/v1/segments', { name: name.trim(), filter: await segmentFilterOf(filters, me) });
      setOpen(false);
      setName('');
      navigate(`/leads?segment=${s.id}${filters.sort ? `&sort=${filters.sort}` : ''}`);
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setSaving(false);
    }
  }
  return (
    <form className="save-segment" onSubmit={(e) => { e.preventDefault(); void save(); }}>
      <input aria-label="Segment name" placeholder="segment name" required maxLength={100} value={name} autoFocus onChange={(e) => setName(e.target.value)} />
      <button type="submit" disabled={saving || !name.trim()}>{saving ? 'Saving…' : 'Save'}</button>
      <button type="button" className="link" onClick={() => setOpen(false)}>Cancel</button>
      {error ? <p className="field-error" role="alert">{error}</p> : null}
    </form>
  );
}
