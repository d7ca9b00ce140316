import { useEffect, useState, type FormEvent } from 'react';
import { IMPORT_FIELDS } from '../../../src/domain/ingest/import-fields.ts';
import { PRESETS } from '../../../src/domain/ingest/presets.ts';
import type { IngestService, ImportSummary } from '../../../src/domain/ingest/ingest.service.ts';
import { api, download, query, upload, type Answer, type Json } from '../api.ts';
import { useAction } from '../form.tsx';
import { useLoad } from '../load.ts';
import { Link } from '../router.tsx';
import { Ago, Badge, ErrorState } from '../ui.tsx';
import { DataTable, num } from '../table.tsx';

// Importing an owner list: pick the file and where it came from, check how its columns map
// (a vendor's preset is recognised by its headers; any column can be pointed elsewhere) and what
// would be refused, then import it and watch it run. Refused rows come back as a CSV to fix.

type Summary = Json<ImportSummary>;
type Imported = Answer<IngestService['getImport']> & { percent: number; reused?: boolean };
const DONE = ['completed', 'failed'];
const TARGETS = IMPORT_FIELDS.flatMap((f) => (f.repeatable ? [1, 2, 3, 4, 5].map((n) => `${f.name}#${n}`) : [f.name]));

export function ImportPage() {
  const [file, setFile] = useState<File | null>(null);
  const [source, setSource] = useState('');
  const [preset, setPreset] = useState('');
  const [overrides, setOverrides] = useState<Record<string, string>>({});
  const [preview, setPreview] = useState<Summary | null>(null);
  const [running, setRunning] = useState<Imported | null>(null);
  const { busy, error, run, fail } = useAction();
  const recent = useLoad(() => api<{ data: Imported[] }>('GET', '/v1/imports'), []);

  const params = (dry: boolean) => query({ source: source.trim() || undefined, preset: preset || undefined, file_name: file?.name, dry_run: dry ? 'true' : undefined })
    + Object.entries(overrides).map(([h, t]) => `&map=${encodeURIComponent(`${h}=${t}`)}`).join('');

  const check = (e?: FormEvent) => {
    e?.preventDefault();
    if (file) void run(async () => setPreview(await upload<Summary>(`/v1/imports${params(true)}`, file)));
  };
  const start = () => file && void run(async () => setRunning(await upload<Imported>(`/v1/imports${params(false)}`, file)));

  // live progress: ask again until it ends
  useEffect(() => {
    if (!running || DONE.includes(running.status)) {
      if (running) recent.reload();
      return;
    }
    const t = setTimeout(() => void api<Imported>('GET', `/v1/imports/${running.id}`).then(setRunning, fail), 400);
    return () => clearTimeout(t);
  }, [running]);

  return (
    <section className="import" aria-label="Import">
      <h1>Import an owner list</h1>
      <form className="filters" onSubmit={check}>
        <label>CSV file <input type="file" accept=".csv,.tsv,.txt,text/csv" onChange={(e) => { setFile(e.target.files?.[0] ?? null); setPreview(null); setRunning(null); setOverrides({}); }} /></label>
        <label>Source <input value={source} placeholder="county-list, probate…" maxLength={100} onChange={(e) => setSource(e.target.value)} /></label>
        <label>Layout
          <select value={preset} onChange={(e) => { setPreset(e.target.value); setPreview(null); }}>
            <option value="">recognise it</option>
            {Object.entries(PRESETS).map(([k, p]) => <option key={k} value={k}>{p.label}</option>)}
          </select>
        </label>
        <button type="submit" disabled={!file || busy}>Check the file</button>
      </form>
      {error ? <ErrorState error={error} /> : null}

      {preview && !running ? (
        <section aria-label="Preview">
          <p>{num(preview.counts.rows_read)} rows; {num(preview.counts.rows_rejected)} would be refused, {num(preview.counts.warnings)} warnings. Nothing is written until you import.</p>
          <DataTable caption="Column mapping" rows={preview.mapping} columns={[
            { label: 'Column in the file', value: (c) => c.header },
            { label: 'Goes to', value: (c) => (
              <select aria-label={`Field for ${c.header}`} value={overrides[c.header] ?? c.target ?? ''}
                onChange={(e) => setOverrides((o) => ({ ...o, [c.header]: e.target.value }))}>
                <option value="">kept in the lead's raw data</option>
                {TARGETS.map((t) => <option key={t} value={t}>{t}</option>)}
              </select>) },
            { label: 'How', value: (c) => (c.header in overrides ? 'chosen here' : c.how) },
          ]} />
          {Object.keys(overrides).length ? <button type="button" className="secondary" disabled={busy} onClick={() => check()}>Check again with these columns</button> : null}
          <DataTable caption="Refused rows" rows={preview.issues} empty="Every row can be imported." columns={[
            { label: 'Line', value: (i) => i.line, numeric: true }, { label: 'Column', value: (i) => i.column ?? '—' },
            { label: 'Reason', value: (i) => i.reason }, { label: 'Severity', value: (i) => i.severity },
          ]} />
          <div className="actions"><button type="button" disabled={busy} onClick={start}>Import {num(preview.counts.rows_read - preview.counts.rows_rejected)} rows</button></div>
        </section>
      ) : null}

      {running ? (
        <section aria-label="Progress">
          <p><Badge value={running.status} /> {running.reused ? 'This file was imported before: here is that import.' : ''}</p>
          <div className="meter"><div className="track" role="progressbar" aria-label="Import progress" aria-valuemin={0} aria-valuemax={100} aria-valuenow={running.percent}>
            <div className={`fill ${running.status === 'failed' ? 'bad' : ''}`} style={{ width: `${running.percent}%` }} /></div>
            <span>{running.percent}% · {num(running.rows_read)} rows read</span></div>
          {DONE.includes(running.status) ? (
            <>
              <p>{num(running.leads_inserted)} new leads, {num(running.leads_merged)} merged into ones you had, {num(running.rows_rejected)} rows refused, {num(running.warnings)} warnings.
                {' '}<Link to={`/leads${query({ source: running.source })}`}>See the leads</Link></p>
              {running.rows_rejected ? <button type="button" className="secondary" onClick={() => void download(`/v1/imports/${running.id}/errors`, `import-${running.id}-errors.csv`).catch(fail)}>Download the refused rows</button> : null}
              {running.error ? <p className="field-error">{running.error}</p> : null}
            </>
          ) : null}
        </section>
      ) : null}

      <h2>Recent imports</h2>
      {recent.error ? <ErrorState error={recent.error} retry={recent.reload} /> : (
        <DataTable caption="Recent imports" rows={recent.data?.data ?? []} empty="No imports yet." columns={[
          { label: 'File', value: (r) => r.file_name }, { label: 'Source', value: (r) => r.source }, { label: 'Status', value: (r) => <Badge value={r.status} /> },
          { label: 'Rows', value: (r) => num(r.rows_read), numeric: true }, { label: 'New leads', value: (r) => num(r.leads_inserted), numeric: true },
          { label: 'Refused', value: (r) => num(r.rows_rejected), numeric: true }, { label: 'When', value: (r) => <Ago at={r.created_at} /> },
        ]} />
      )}
    </section>
  );
}
