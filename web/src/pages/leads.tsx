import { useEffect, useMemo, useState } from 'react';
import { flexRender, getCoreRowModel, useReactTable, type ColumnDef } from '@tanstack/react-table';
import { LEAD_STATUSES, TIERS } from '../../../src/db/schema.ts';
import type { LeadsService } from '../../../src/domain/leads/leads.service.ts';
import type { SegmentsService } from '../../../src/domain/segments/segments.service.ts';
import { api, download, query, type Answer } from '../api.ts';
import { Outcome, useAction } from '../form.tsx';
import { useSession } from '../session.tsx';
import { useLoad } from '../load.ts';
import { Link, navigate } from '../router.tsx';
import { Ago, Badge, Empty, ErrorState, Loading } from '../ui.tsx';
import { BulkEnroll, SaveSegment } from './leads-bulk.tsx';

// The leads table: filtered, sorted and paged by the server (a million rows never come to the
// browser). The filters live in the address, so a view can be bookmarked or sent to a colleague;
// pages go by the server's cursor, with the cursors already seen kept for going back.

type Page = Answer<LeadsService['list']>;
type Row = Page['data'][number];
const FILTERS = ['q', 'segment', 'status', 'tier', 'assignee', 'min_score', 'source', 'tag', 'zip', 'sort'] as const;
type Segments = { data: Answer<SegmentsService['list']> };
type Bulk = Answer<LeadsService['bulkUpdate']>;
const SORTABLE: Record<string, string> = { created_at: 'created_at', lead_score: 'lead_score', updated_at: 'updated_at' };

const columns = (picked: Set<string>, pick: (ids: string[], on: boolean) => void, all: string[]): ColumnDef<Row>[] => [
  {
    id: 'pick',
    header: () => <input type="checkbox" aria-label="Select every lead on this page" checked={all.length > 0 && all.every((id) => picked.has(id))}
      onChange={(e) => pick(all, e.target.checked)} />,
    cell: ({ row: { original: l } }) => <input type="checkbox" aria-label={`Select ${l.owner_name ?? l.id}`} checked={picked.has(l.id)} onChange={(e) => pick([l.id], e.target.checked)} />,
  },
  { id: 'owner', header: 'Owner', cell: ({ row: { original: l } }) => <Link to={`/leads/${l.id}`}>{l.owner_name ?? 'Unknown owner'}</Link> },
  { id: 'address', header: 'Property', cell: ({ row: { original: l } }) => [l.address_line1, l.city, l.zip].filter(Boolean).join(', ') || '—' },
  { id: 'status', header: 'Status', cell: ({ row: { original: l } }) => <Badge value={l.status} /> },
  { id: 'tier', header: 'Tier', cell: ({ row: { original: l } }) => l.tier ?? '—' },
  { id: 'lead_score', header: 'Score', cell: ({ row: { original: l } }) => (l.lead_score == null ? '—' : Math.round(Number(l.lead_score))) },
  { id: 'source', header: 'Source', cell: ({ row: { original: l } }) => l.source },
  { id: 'tags', header: 'Tags', cell: ({ row: { original: l } }) => l.tags.join(', ') || '—' },
  { id: 'created_at', header: 'Added', cell: ({ row: { original: l } }) => <Ago at={l.created_at} /> },
];

// typed filters take effect on Enter or on leaving the field, not at every key
const TEXT_FILTERS = [['zip', 'ZIP', '78704, 78745'], ['source', 'Source', 'e.g. probate'], ['tag', 'Tag', 'e.g. pool']] as const;

function TextFilter({ label, hint, value, apply }: { label: string; hint: string; value: string; apply: (v: string) => void }) {
  const [text, setText] = useState(value);
  const commit = () => text.trim() !== value && apply(text.trim());
  return (
    <label>{label} <input className="short" value={text} placeholder={hint} onChange={(e) => setText(e.target.value)} onBlur={commit}
      onKeyDown={(e) => { if (e.key === 'Enter') { e.preventDefault(); commit(); } }} /></label>
  );
}

export function Leads({ params }: { params: URLSearchParams }) {
  const filters = Object.fromEntries(FILTERS.map((f) => [f, params.get(f) ?? ''])) as Record<(typeof FILTERS)[number], string>;
  const sort = filters.sort || '-created_at';
  const key = FILTERS.map((f) => filters[f]).join('|');
  // the cursors belong to one set of filters: new filters start again at page one
  const [pages, setPages] = useState<{ key: string; cursors: (string | null)[] }>({ key, cursors: [null] });
  const cursors = pages.key === key ? pages.cursors : [null];
  const setCursors = (f: (c: (string | null)[]) => (string | null)[]) => setPages({ key, cursors: f(cursors) });
  const cursor = cursors.at(-1) ?? null;
  const page = useLoad(() => api<Page>('GET', `/v1/leads${query({ ...filters, sort, limit: 50, cursor })}`), [key, cursor]);
  const [search, setSearch] = useState(filters.q);
  useEffect(() => setSearch(filters.q), [filters.q]);

  const set = (name: string, value: string) => {
    const next = new URLSearchParams(params);
    if (value) next.set(name, value);
    else next.delete(name);
    navigate(`/leads${next.toString() ? `?${next}` : ''}`);
  };
  // typing searches after a pause, not at each key
  useEffect(() => {
    if (search === filters.q) return;
    const t = setTimeout(() => set('q', search.trim()), 300);
    return () => clearTimeout(t);
  });

  const { me } = useSession();
  const segments = useLoad(() => api<Segments>('GET', '/v1/segments'), []);
  const [picked, setPicked] = useState<Set<string>>(new Set());
  useEffect(() => setPicked(new Set()), [key]);
  const pick = (ids: string[], on: boolean) => setPicked((p) => {
    const next = new Set(p);
    for (const id of ids) if (on) next.add(id); else next.delete(id);
    return next;
  });
  const onPage = (page.data?.data ?? []).map((l) => l.id);
  const [bulkTag, setBulkTag] = useState('');
  const act = useAction();
  async function bulk(change: Record<string, unknown>, what: string) {
    const r = await act.run(() => api<Bulk>('POST', '/v1/leads/bulk', { ids: [...picked], ...change }),
      (r) => `${what}: ${r.updated} ${r.updated === 1 ? 'lead' : 'leads'}${r.not_found.length ? ` (${r.not_found.length} no longer there)` : ''}.`);
    if (!r) return;
    setPicked(new Set());
    page.reload();
  }
  const exportCsv = () => download(`/v1/leads/export${query({ ...filters, sort: undefined })}`, 'leads.csv').catch(act.fail);

  const table = useReactTable({ data: page.data?.data ?? [], columns: columns(picked, pick, onPage), getCoreRowModel: getCoreRowModel(), manualSorting: true, manualPagination: true });
  const sortBy = (id: string) => {
    if (!SORTABLE[id]) return;
    set('sort', sort === `-${id}` ? id : `-${id}`);
  };
  const arrow = (id: string) => (sort === `-${id}` ? ' ↓' : sort === id ? ' ↑' : '');
  const filtered = useMemo(() => FILTERS.some((f) => f !== 'sort' && filters[f]), [key]);

  return (
    <section className="leads" aria-label="Leads">
      <form className="filters" role="search" onSubmit={(e) => { e.preventDefault(); set('q', search.trim()); }}>
        <label>Search <input type="search" value={search} placeholder="owner or address" onChange={(e) => setSearch(e.target.value)} /></label>
        <label>Segment
          <select value={filters.segment} onChange={(e) => set('segment', e.target.value)}>
            <option value="">all leads</option>
            {(segments.data?.data ?? []).map((g) => <option key={g.id} value={g.id}>{g.name}</option>)}
          </select>
        </label>
        <label>Status
          <select value={filters.status} onChange={(e) => set('status', e.target.value)}>
            <option value="">any</option>
            {LEAD_STATUSES.map((s) => <option key={s} value={s}>{s.replaceAll('_', ' ')}</option>)}
          </select>
        </label>
        <label>Tier
          <select value={filters.tier} onChange={(e) => set('tier', e.target.value)}>
            <option value="">any</option>
            {TIERS.map((s) => <option key={s} value={s}>{s}</option>)}
          </select>
        </label>
        <label>Assigned
          <select value={filters.assignee} onChange={(e) => set('assignee', e.target.value)}>
            <option value="">anyone</option><option value="me">me</option><option value="none">nobody</option>
          </select>
        </label>
        <label>Score at least <input type="number" min={0} max={100} value={filters.min_score} onChange={(e) => set('min_score', e.target.value)} /></label>
        {TEXT_FILTERS.map(([name, label, hint]) => <TextFilter key={`${name}-${filters[name]}`} label={label} hint={hint} value={filters[name]} apply={(v) => set(name, v)} />)}
        {filtered ? <button type="button" className="link" onClick={() => navigate('/leads')}>Clear filters</button> : null}
      </form>
      <div className="actions bulk" aria-label="With the selected leads">
        <span>{picked.size ? `${picked.size} selected` : 'Select leads to change them together'}</span>
        {picked.size ? (
          <>
            <select aria-label="Set status" value="" onChange={(e) => e.target.value && void bulk({ status: e.target.value }, `Status set to ${e.target.value.replaceAll('_', ' ')}`)}>
              <option value="">Set status…</option>
              {LEAD_STATUSES.map((s) => <option key={s} value={s}>{s.replaceAll('_', ' ')}</option>)}
            </select>
            <form onSubmit={(e) => { e.preventDefault(); if (bulkTag.trim()) void bulk({ add_tags: [bulkTag.trim()] }, `Tagged ${bulkTag.trim()}`).then(() => setBulkTag('')); }}>
              <input aria-label="Tag to add" placeholder="tag" value={bulkTag} maxLength={50} onChange={(e) => setBulkTag(e.target.value)} />
              <button type="submit" className="secondary">Add tag</button>
            </form>
            {me?.user ? <button type="button" className="secondary" onClick={() => void bulk({ assignee_id: me.user!.id }, 'Assigned to you')}>Assign to me</button> : null}
            <button type="button" className="secondary" onClick={() => void bulk({ assignee_id: null }, 'Unassigned')}>Unassign</button>
            <BulkEnroll ids={[...picked]} failed={act.fail} done={(m) => { act.say(m); setPicked(new Set()); }} />
          </>
        ) : null}
        {me?.role !== 'agent' && filtered ? <SaveSegment filters={filters} me={me?.user?.id ?? null} /> : null}
        {me?.role !== 'agent' ? <button type="button" className="secondary" onClick={() => void exportCsv()}>Export these leads (CSV)</button> : null}
      </div>
      <Outcome action={act} />
      {page.error ? <ErrorState error={page.error} retry={page.reload} />
        : !page.data ? <Loading what="leads" />
          : !page.data.data.length ? (
            <Empty title={filtered ? 'No lead matches these filters' : 'No leads yet'}>
              {filtered ? <button type="button" className="link" onClick={() => navigate('/leads')}>Clear filters</button>
                : <p><Link to="/import">Import an owner list</Link>, or run <code>porchlight import leads FILE --org ORG</code>.</p>}
            </Empty>
          ) : (
            <div className="table-wrap" aria-busy={page.loading}>
              <table>
                <thead>
                  {table.getHeaderGroups().map((g) => (
                    <tr key={g.id}>
                      {g.headers.map((h) => (
                        <th key={h.id} aria-sort={sort === `-${h.id}` ? 'descending' : sort === h.id ? 'ascending' : undefined}>
                          {SORTABLE[h.id] ? <button type="button" className="link sort" onClick={() => sortBy(h.id)}>{flexRender(h.column.columnDef.header, h.getContext())}{arrow(h.id)}</button>
                            : flexRender(h.column.columnDef.header, h.getContext())}
                        </th>
                      ))}
                    </tr>
                  ))}
                </thead>
                <tbody>
                  {table.getRowModel().rows.map((r) => (
                    <tr key={r.id}>{r.getVisibleCells().map((c) => <td key={c.id}>{flexRender(c.column.columnDef.cell, c.getContext())}</td>)}</tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
      <nav className="pager" aria-label="Pages">
        <button type="button" className="secondary" disabled={cursors.length < 2} onClick={() => setCursors((c) => c.slice(0, -1))}>← Previous</button>
        <span>Page {cursors.length}</span>
        <button type="button" className="secondary" disabled={!page.data?.next_cursor} onClick={() => setCursors((c) => [...c, page.data!.next_cursor])}>Next →</button>
      </nav>
    </section>
  );
}
