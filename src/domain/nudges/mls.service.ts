import fs from 'node:fs';
import path from 'node:path';
import { sql } from 'kysely';
import { AppError, validation, type ErrorDetail } from '../../app/errors.ts';
import type { Database } from '../../db/database.ts';
import { withTenant, type Actor, type Trx } from '../../db/tenant.ts';
import { requireRole } from '../tenancy/tenancy.service.ts';
import { parseMlsRecord, type MlsEventRow } from './mls-records.ts';

// MLS events in: a RESO Web API answer ({ "value": [...] }), a JSON array of Property records,
// or JSON lines, from a file, a directory of them, or a request body. Stored once per (source,
// listing key, event time, event type): a feed delivered twice, or a file imported again after a
// crash, adds nothing. A bad record is reported with its file, position and field; the rest land.

const BATCH = 2000;

export interface MlsImportResult {
  records: number;
  inserted: number;
  duplicates: number;
  rejected: number;
  by_type: Record<string, number>;
  errors: (ErrorDetail & { file?: string })[];
}

/** The records of one file's text: JSON (an array or a RESO answer) or JSON lines. */
export function recordsOf(text: string, file: string): { records: { line: number; value: unknown }[]; errors: (ErrorDetail & { file?: string })[] } {
  const trimmed = text.trimStart();
  if (trimmed.startsWith('[') || (trimmed.startsWith('{') && /^\{\s*"(@odata\.[a-zA-Z]+|value)"/.test(trimmed))) {
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch (e) {
      return { records: [], errors: [{ file, field: '(file)', message: `not valid JSON: ${(e as Error).message}` }] };
    }
    const list = Array.isArray(doc) ? doc : (doc as { value?: unknown }).value;
    if (!Array.isArray(list)) return { records: [], errors: [{ file, field: 'value', message: 'a RESO answer needs a "value" array of records' }] };
    return { records: list.map((value, i) => ({ line: i + 1, value })), errors: [] };
  }
  const records: { line: number; value: unknown }[] = [];
  const errors: (ErrorDetail & { file?: string })[] = [];
  text.split(/\r?\n/).forEach((l, i) => {
    if (!l.trim()) return;
    try {
      records.push({ line: i + 1, value: JSON.parse(l) });
    } catch {
      errors.push({ file, line: i + 1, field: '(record)', message: 'not a JSON object on this line' });
    }
  });
  return { records, errors };
}

export function createMlsService(deps: { db: Database }) {
  async function insert(rows: MlsEventRow[], trx: Trx) {
    const r = await sql<{ event_type: string }>`
      INSERT INTO mls_event (source_id, listing_key, event_type, event_at, standard_status, list_price_cents, previous_price_cents, close_price_cents,
                             beds, baths, living_area_sqft, year_built, property_type, address, city, state, zip, remarks, raw)
      SELECT source_id, listing_key, event_type, event_at, standard_status, list_price_cents, previous_price_cents, close_price_cents,
             beds, baths, living_area_sqft, year_built, property_type, address, city, state, zip, remarks, raw
      FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) AS x(source_id text, listing_key text, event_type text, event_at timestamptz, standard_status text,
        list_price_cents bigint, previous_price_cents bigint, close_price_cents bigint, beds smallint, baths numeric, living_area_sqft integer,
        year_built smallint, property_type text, address text, city text, state text, zip text, remarks text, raw jsonb)
      ON CONFLICT (source_id, listing_key, event_at, event_type) DO NOTHING
      RETURNING event_type`.execute(trx);
    return r.rows;
  }

  async function importRecords(actor: Actor, records: { line: number; value: unknown; file?: string }[], source: string | null, result: MlsImportResult) {
    // every organization's users are nudged from these events: loading the market's feed is a manager's job
    requireRole(actor, 'manager', 'import MLS events');
    const good: MlsEventRow[] = [];
    const seen = new Set<string>();
    for (const rec of records) {
      result.records++;
      const p = parseMlsRecord(rec.value, source);
      if (!p.ok) {
        result.rejected++;
        if (result.errors.length < 1000) result.errors.push({ ...(rec.file ? { file: rec.file } : {}), line: rec.line, field: p.field, message: p.message });
        continue;
      }
      const key = `${p.row.source_id}\u0000${p.row.listing_key}\u0000${p.row.event_at}\u0000${p.row.event_type}`;
      if (seen.has(key)) {
        result.duplicates++;
        continue;
      }
      seen.add(key);
      good.push(p.row);
    }
    for (let i = 0; i < good.length; i += BATCH) {
      const chunk = good.slice(i, i + BATCH);
      const made = await withTenant(deps.db, actor, (trx) => insert(chunk, trx));
      result.inserted += made.length;
      result.duplicates += chunk.length - made.length;
      for (const m of made) result.by_type[m.event_type] = (result.by_type[m.event_type] ?? 0) + 1;
    }
  }

  const empty = (): MlsImportResult => ({ records: 0, inserted: 0, duplicates: 0, rejected: 0, by_type: {}, errors: [] });

  return {
    /** Records from a request body: a RESO answer or an array. */
    async importBody(actor: Actor, body: unknown, source: string | null) {
      const list = Array.isArray(body) ? body : (body as { value?: unknown; records?: unknown } | null)?.value ?? (body as { records?: unknown } | null)?.records;
      if (!Array.isArray(list)) throw validation('value', 'send a RESO answer ({ "value": [records] }) or an array of Property records');
      if (list.length > 10_000) throw validation('value', `at most 10,000 records per request (${list.length} sent)`);
      const result = empty();
      await importRecords(actor, list.map((value, i) => ({ line: i + 1, value })), source, result);
      return result;
    },

    /** A file, or every .json, .jsonl and .ndjson file of a directory in name order. */
    async importPath(actor: Actor, target: string, source: string | null, onFile?: (file: string, result: MlsImportResult) => void) {
      let files: string[];
      try {
        files = fs.statSync(target).isDirectory()
          ? fs.readdirSync(target).filter((f) => /\.(json|jsonl|ndjson)$/i.test(f)).sort().map((f) => path.join(target, f))
          : [target];
      } catch {
        throw new AppError('VALIDATION', `no such file or directory: ${target}`, [{ field: 'path', message: 'not found' }]);
      }
      if (!files.length) throw validation('path', `no .json, .jsonl or .ndjson files in ${target}`);
      const result = empty();
      for (const file of files) {
        const name = path.basename(file);
        const { records, errors } = recordsOf(fs.readFileSync(file, 'utf8'), name);
        result.rejected += errors.length;
        result.errors.push(...errors);
        await importRecords(actor, records.map((r) => ({ ...r, file: name })), source, result);
        onFile?.(name, result);
      }
      return result;
    },
  };
}

export type MlsService = ReturnType<typeof createMlsService>;
