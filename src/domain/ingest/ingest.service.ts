import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import { parse } from 'csv-parse/sync';
import { z } from 'zod';
import { AppError } from '../../app/errors.ts';
import type { Failpoint } from '../../app/failpoints.ts';
import type { Database } from '../../db/database.ts';
import { withOwner, withTenant, type Actor, type Trx } from '../../db/tenant.ts';
import type { Pii } from '../pii/pii.ts';
import { requireRole } from '../tenancy/tenancy.service.ts';
import { COUNT_FIELDS, ingestRepository as repo, type BatchCounts, type ImportRecord } from './ingest.repository.ts';
import { toCsv } from './csv-safe.ts';
import { detectPreset, resolveMapping, type ColumnMapping, type ResolvedMapping } from './map-columns.ts';
import { normalizeItems, type BatchIssue } from './normalize-batch.ts';
import { createRowNormalizer, type RowIssue, type StagedRow } from './normalize-row.ts';
import { CsvFileError, openCsv, type CsvRow, type CsvRowError } from './read-csv.ts';

// Importing an owner list: read the file as a stream, normalize each row in the application,
// and merge it batch by batch with COPY and set-based SQL. Each batch is one transaction that
// also moves the import's checkpoint, so an import killed at any point resumes after the last
// batch the database kept, with nothing lost and nothing doubled.

export const ImportLeadsRequest = z.object({
  path: z.string().min(1),
  fileName: z.string().min(1).max(500).optional(),
  source: z.string().trim().min(1).max(100).optional(),
  preset: z.string().min(1).optional(),
  mappingName: z.string().trim().min(1).max(100).optional(),
  map: z.record(z.string(), z.string()).optional(),
  saveMappingAs: z.string().trim().min(1).max(100).optional(),
  dryRun: z.boolean().optional(),
  force: z.boolean().optional(),
});
export type ImportLeadsRequest = z.infer<typeof ImportLeadsRequest>;

export interface ImportProgress {
  rowsRead: number;
  bytesDone: number;
  byteSize: number;
}

export interface ImportSummary {
  import: ImportRecord | null;
  /** The same file was imported before: this is that import, unchanged. */
  reused: boolean;
  dryRun: boolean;
  counts: BatchCounts;
  mapping: ResolvedMapping['columns'];
  /** The first rejected rows and warnings (all of them: `import errors`). */
  issues: RowIssue[];
  durationMs: number;
}

const REQUIRED = ['property_address', 'apn', 'mak', 'vendor_record_id'];
const MAX_ISSUES_SHOWN = 100;
const zero = (): BatchCounts => Object.fromEntries(COUNT_FIELDS.map((f) => [f, 0])) as unknown as BatchCounts;
const addTo = (into: BatchCounts, from: Partial<BatchCounts>) => {
  for (const f of COUNT_FIELDS) into[f] += from[f] ?? 0;
};

/** A stored row back into its cells (a row the reader could not split stays one cell). */
function splitRaw(raw: string | null, delimiter: string): string[] {
  if (!raw) return [];
  try {
    return (parse(raw, { delimiter, relax_quotes: true, relax_column_count: true }) as string[][])[0] ?? [raw];
  } catch {
    return [raw];
  }
}

/** A file that cannot be read as a list at all (empty, binary, a quote never closed) is bad input. */
export function fileError(e: unknown): unknown {
  if (!(e instanceof CsvFileError)) return e;
  return new AppError('VALIDATION', `the file: ${e.message}`, [{ field: e.line ? `line ${e.line}` : 'file', message: e.message }], { cause: e });
}

/** The file's header only; the stream is closed straight after. */
async function readHeader(file: string) {
  const stream = fs.createReadStream(file);
  try {
    return (await openCsv(stream)).header;
  } catch (e) {
    throw fileError(e);
  } finally {
    stream.destroy();
  }
}

async function sha256File(file: string): Promise<{ sha: Buffer; size: number }> {
  const hash = crypto.createHash('sha256');
  let size = 0;
  for await (const chunk of fs.createReadStream(file)) {
    hash.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  return { sha: hash.digest(), size };
}

export function createIngestService(deps: { db: Database; pii: Pii; batchSize: number; spoolDir: string; failpoint: Failpoint }) {
  const { db, pii, failpoint } = deps;

  async function resolveFor(actor: Actor, headers: string[], req: ImportLeadsRequest) {
    let explicit: ColumnMapping = {};
    let preset = req.preset;
    if (req.mappingName) {
      const saved = await withTenant(db, actor, (trx) => repo.findMapping(req.mappingName!, trx));
      if (!saved) throw new AppError('NOT_FOUND', `no saved mapping named "${req.mappingName}"`, [{ field: '--mapping', message: 'unknown' }]);
      // a mapping saved from another export of the same layout: columns this file lacks are skipped
      explicit = Object.fromEntries(Object.entries(saved.columns as ColumnMapping).filter(([h]) => headers.includes(h)));
      preset ??= saved.preset ?? undefined;
    }
    preset ??= detectPreset(headers) ?? undefined;
    const mapping = resolveMapping(headers, { preset, explicit: { ...explicit, ...req.map } });
    const targets = new Set(mapping.columns.map((c) => c.target));
    if (!REQUIRED.some((r) => targets.has(r))) {
      throw new AppError('VALIDATION', `missing required column: no column is a property address, APN, MAK or vendor id (columns: ${headers.join(', ')}); map one with --map "COLUMN=property_address"`, [
        { field: 'property_address', message: 'required column missing' },
      ]);
    }
    return { mapping, preset: preset ?? null };
  }

  /** Read and normalize the file batch by batch, calling `visit` for each batch past `skip`. */
  async function readBatches(
    file: string, mappingFor: (headers: string[]) => ResolvedMapping, source: string, batchSize: number, skip: number,
    visit: (batch: number, staged: StagedRow[], issues: BatchIssue[], rowsRead: number, bytes: number) => Promise<void>,
  ) {
    const csv = await openCsv(fs.createReadStream(file)).catch((e: unknown) => Promise.reject(fileError(e)));
    const normalize = createRowNormalizer({ mapping: mappingFor(csv.header.columns), source, pii });
    let items: (CsvRow | CsvRowError)[] = [];
    let batch = 0;
    // One batch is merged while the next is read and normalized.
    let merging: Promise<void> = Promise.resolve();
    const flush = async () => {
      batch += 1;
      if (batch > skip) {
        const { staged, issues } = await normalizeItems(normalize, items, csv.header.delimiter);
        const [b, read, bytes] = [batch, items.length, csv.bytesRead()];
        await merging;
        merging = visit(b, staged, issues, read, bytes);
        merging.catch(() => {}); // awaited at the next batch or the end; not unhandled meanwhile
      }
      items = [];
    };
    try {
      for await (const item of csv.rows) {
        items.push(item);
        if (items.length === batchSize) await flush();
      }
      if (items.length) await flush();
    } catch (e) {
      await merging.catch(() => {});
      throw fileError(e);
    }
    await merging;
    return csv.header;
  }

  /** Merge one batch in rounds: a round never holds two rows sharing a key, so rows apply in file order. */
  async function mergeBatch(actor: Actor, rec: NonNullable<ImportRecord>, batch: number, staged: StagedRow[],
    issues: BatchIssue[], rowsRead: number, bytes: number, within?: (trx: Trx, counts: BatchCounts) => Promise<void>): Promise<BatchCounts> {
    const counts = zero();
    counts.rows_read = rowsRead;
    counts.rows_rejected = new Set(issues.filter((i) => i.severity === 'error').map((i) => i.line)).size;
    counts.warnings = issues.filter((i) => i.severity === 'warning').length;
    await withTenant(db, actor, async (trx) => {
      await repo.beginBatch(rec.id, trx);
      let pending = staged;
      while (pending.length) {
        const taken = new Set<string>();
        const round: StagedRow[] = [];
        const later: StagedRow[] = [];
        for (const row of pending) {
          (row.keys.some((k) => taken.has(k)) ? later : round).push(row);
          for (const k of row.keys) taken.add(k);
        }
        const result = await repo.mergeRound(rec.id, round.map((r) => r.cells), round.flatMap((r) => r.contacts), { analyze: pending === staged }, trx);
        addTo(counts, result.counts);
        const deferred = new Set(result.deferred);
        pending = [...round.filter((r) => deferred.has(r.line)), ...later].sort((a, b) => a.line - b.line);
      }
      await repo.recordIssues(rec.id, issues, trx);
      await repo.checkpoint(rec.id, batch, bytes, counts, trx);
      if (within) await within(trx, counts);
      failpoint('import.batch.merged'); // killed here, the batch rolls back and runs again
    }, (trx) => repo.prepareStage(trx));
    failpoint('import.batch.committed');
    return counts;
  }

  async function run(actor: Actor, rec: NonNullable<ImportRecord>, onProgress?: (p: ImportProgress) => void) {
    await withTenant(db, actor, (trx) => repo.markRunning(rec.id, trx));
    const mappingFor = (headers: string[]) => resolveMapping(headers, { explicit: rec.mapping as ColumnMapping });
    let rowsRead = rec.rows_read;
    try {
      await readBatches(rec.file_path!, mappingFor, rec.source, rec.batch_size, rec.batches_done, async (batch, staged, issues, read, bytes) => {
        await mergeBatch(actor, rec, batch, staged, issues, read, bytes);
        // statistics after batches 1, 2, 4, 8 and 16, while the tables' shape is still changing;
        // past that, plans are index probes whatever the size (and ANALYZE of large tables is not free)
        if (batch <= 16 && (batch & (batch - 1)) === 0) await withOwner(db, 'import', (trx) => repo.refreshStatistics(trx));
        rowsRead += read;
        onProgress?.({ rowsRead, bytesDone: bytes, byteSize: rec.byte_size });
      });
      await withOwner(db, 'import', (trx) => repo.refreshStatistics(trx));
      await withTenant(db, actor, (trx) => repo.finish(rec.id, 'completed', null, trx));
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      await withTenant(db, actor, (trx) => repo.finish(rec.id, 'failed', message, trx)).catch(() => {});
      throw e;
    }
    return withTenant(db, actor, (trx) => repo.getImport(rec.id, trx));
  }

  /** Create the import (or find the earlier one of the same content) without running it. */
  async function prepare(actor: Actor, req: ImportLeadsRequest, filePath: string) {
    requireRole(actor, 'manager', 'import leads');
    const { sha, size } = await sha256File(filePath);
    const header = await readHeader(filePath);
    const { mapping, preset } = await resolveFor(actor, header.columns, req);
    // the mapping as stored: every header with its target ('' = raw data only)
    const stored = Object.fromEntries(mapping.columns.map((c) => [c.header, c.target ?? '']));
    return withTenant(db, actor, async (trx) => {
      if (req.saveMappingAs) await repo.saveMapping(actor.organizationId, req.saveMappingAs, preset, stored, actor.userId, trx);
      const values = {
        source: req.source ?? preset ?? 'import', file_name: req.fileName ?? path.basename(req.path), file_path: filePath,
        content_sha256: sha, byte_size: size, forced: false, preset, mapping: stored, columns: header.columns,
        encoding: header.encoding, delimiter: header.delimiter, batch_size: deps.batchSize,
        notes: [...header.warnings, ...mapping.warnings], created_by: actor.userId,
      };
      if (req.force) return { rec: (await repo.createImport(actor.organizationId, { ...values, forced: true }, trx))!, earlier: false, mapping };
      const created = await repo.createImport(actor.organizationId, values, trx);
      if (created) return { rec: created, earlier: false, mapping };
      return { rec: (await repo.findByContent(sha, trx))!, earlier: true, mapping };
    });
  }

  async function dryRun(actor: Actor, req: ImportLeadsRequest, started: number): Promise<ImportSummary> {
    const { mapping } = await resolveFor(actor, (await readHeader(req.path)).columns, req);
    const counts = zero();
    const shown: RowIssue[] = [];
    await readBatches(req.path, () => mapping, req.source ?? 'import', deps.batchSize, 0, async (_b, staged, issues, read) => {
      counts.rows_read += read;
      counts.rows_rejected += new Set(issues.filter((i) => i.severity === 'error').map((i) => i.line)).size;
      counts.warnings += issues.filter((i) => i.severity === 'warning').length;
      void staged;
      for (const i of issues) if (shown.length < MAX_ISSUES_SHOWN) shown.push(i);
    });
    return { import: null, reused: false, dryRun: true, counts, mapping: mapping.columns, issues: shown, durationMs: Date.now() - started };
  }

  async function summarize(actor: Actor, rec: NonNullable<ImportRecord>, reused: boolean, mapping: ResolvedMapping, started: number): Promise<ImportSummary> {
    return withTenant(db, actor, async (trx) => {
      const issues = (await repo.listIssues(rec.id, null, trx)).slice(0, MAX_ISSUES_SHOWN)
        .map((i) => ({ line: i.line, severity: i.severity as RowIssue['severity'], column: i.column_name, reason: i.reason }));
      const counts = Object.fromEntries(COUNT_FIELDS.map((f) => [f, rec[f]])) as unknown as BatchCounts;
      return { import: rec, reused, dryRun: false, counts, mapping: mapping.columns, issues, durationMs: Date.now() - started };
    });
  }

  return {
    /**
     * Records from a vendor (a pull's page) through the same normalizing and merge as a file's
     * batch: fields named as import fields, one transaction that also runs `within` (the pull's
     * bookmark) so the page and its bookkeeping commit together.
     */
    async mergeRecords(actor: Actor, importId: string, batch: number, records: Record<string, string>[],
      within: (trx: Trx, counts: BatchCounts) => Promise<void>) {
      const rec = await withTenant(db, actor, (trx) => repo.getImport(importId, trx));
      const headers = [...new Set(records.flatMap((r) => Object.keys(r)))];
      const mapping: ResolvedMapping = { columns: headers.map((h, index) => ({ header: h, index, target: h, how: 'explicit' })), warnings: [] };
      const normalize = createRowNormalizer({ mapping, source: rec.source, pii });
      const items = records.map((r, i) => ({ line: (batch - 1) * 100_000 + i + 1, values: headers.map((h) => r[h] ?? '') }));
      const { staged, issues } = await normalizeItems(normalize, items, ',');
      return mergeBatch(actor, rec, batch, staged, issues, records.length, 0, within);
    },

    /** Import a file on disk, to the end; resumes an earlier unfinished import of the same content. */
    async importLeads(actor: Actor, input: ImportLeadsRequest, onProgress?: (p: ImportProgress) => void): Promise<ImportSummary> {
      const req = ImportLeadsRequest.parse(input);
      const started = Date.now();
      if (!fs.existsSync(req.path)) throw new AppError('VALIDATION', `no such file: ${req.path}`, [{ field: 'FILE', message: 'not found' }]);
      if (req.dryRun) return dryRun(actor, req, started);
      const { rec, earlier, mapping } = await prepare(actor, req, req.path);
      if (earlier && rec.status === 'completed') return summarize(actor, rec, true, mapping, started);
      // an unfinished earlier import resumes from its own file, which is this one (same content)
      const done = await run(actor, { ...rec, file_path: req.path }, onProgress);
      return summarize(actor, done, false, mapping, started);
    },

    /** An upload: spooled to disk (hashing as it goes), then imported in the background. */
    async acceptUpload(actor: Actor, body: Readable, input: Omit<ImportLeadsRequest, 'path'>) {
      requireRole(actor, 'manager', 'import leads');
      fs.mkdirSync(deps.spoolDir, { recursive: true, mode: 0o700 });
      const spool = path.join(deps.spoolDir, `${crypto.randomUUID()}.csv`);
      await pipeline(body, fs.createWriteStream(spool, { mode: 0o600 }));
      try {
        const req = ImportLeadsRequest.parse({ ...input, path: spool, fileName: input.fileName ?? 'upload.csv' });
        if (req.dryRun) return { summary: await dryRun(actor, req, Date.now()), done: Promise.resolve() };
        const { rec, earlier } = await prepare(actor, req, spool);
        if (earlier && rec.status === 'completed') {
          fs.rmSync(spool, { force: true });
          return { import: rec, reused: true, done: Promise.resolve() };
        }
        const target = earlier ? { ...rec, file_path: spool } : rec;
        const done = run(actor, target).then(() => fs.rmSync(spool, { force: true }), () => {});
        return { import: target, reused: false, done };
      } catch (e) {
        fs.rmSync(spool, { force: true });
        throw e;
      }
    },

    async getImport(actor: Actor, id: string) {
      const rec = await withTenant(db, actor, (trx) => repo.findImport(id, trx));
      if (!rec) throw new AppError('NOT_FOUND', `no import ${id}`);
      return rec;
    },

    async listImports(actor: Actor, limit = 50) {
      return withTenant(db, actor, (trx) => repo.listImports(limit, trx));
    },

    /** Rejected rows (or warnings) as a CSV to fix and import again: line, column and reason, then the row as read. */
    async issuesReport(actor: Actor, id: string, severity: 'error' | 'warning' = 'error') {
      const { rec, issues } = await withTenant(db, actor, async (trx) => {
        const found = await repo.findImport(id, trx);
        if (!found) throw new AppError('NOT_FOUND', `no import ${id}`);
        return { rec: found, issues: await repo.listIssues(id, severity, trx) };
      });
      const rows = issues.map((i) => [i.line, i.column_name, i.reason, ...splitRaw(i.raw, rec.delimiter ?? ',')]);
      return { issues, csv: toCsv(['line', 'column', 'reason', ...rec.columns], rows) };
    },

    async saveMapping(actor: Actor, name: string, columns: ColumnMapping, preset: string | null) {
      requireRole(actor, 'manager', 'save import mappings');
      return withTenant(db, actor, (trx) => repo.saveMapping(actor.organizationId, name, preset, columns, actor.userId, trx));
    },

    async listMappings(actor: Actor) {
      return withTenant(db, actor, (trx) => repo.listMappings(trx));
    },
  };
}

export type IngestService = ReturnType<typeof createIngestService>;
