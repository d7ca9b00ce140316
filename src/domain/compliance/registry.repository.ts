import { sql } from 'kysely';
import { copyRows } from '../../db/bulk.ts';
import { asSessionRole, type Trx } from '../../db/tenant.ts';
import { asOfInstant, registryNumberOf } from './registry-file.ts';

// The organization's copy of the national registry (migrations/0012): loading a file as one
// set-based replacement of the area codes it covers, and the gate's question, for a whole batch
// of phones at once: is the number on the copy, and how old is the copy of its area code.

export interface RegistryFact {
  national: boolean;
  /** The day the copy of the number's area code was downloaded; null: no copy, no scrub. */
  registryAsOf: Date | null;
}

export interface RegistryImport {
  id: string;
  area_codes: number[];
  as_of: string;
  file_name: string | null;
  rows_read: number;
  rows_loaded: number;
  rows_rejected: number;
  numbers_added: number;
  numbers_removed: number;
  imported_at: Date;
}

const AREA = 10_000_000; // a 10-digit number's area code is its value divided by this

/** The latest import of each of these area codes: the copy the gate reads for its numbers. */
const latestCopies = (codes: number[]) => sql`
  SELECT DISTINCT ON (ac) ac::int AS area_code, i.id, i.as_of
  FROM dnc_registry_import i CROSS JOIN LATERAL unnest(i.area_codes) AS ac
  WHERE i.organization_id = app_org_id() AND ac = ANY (${codes}::int[])
  ORDER BY ac, i.imported_at DESC, i.id DESC`;

/**
 * For each phone (E.164), whether it is on the copy and the as-of day of its area code's copy,
 * in one query whatever the batch size: the area codes' latest imports, then a primary-key probe
 * per distinct number. A phone outside the US registry (another country, a malformed value) has
 * no copy: the gate then has no scrub for it.
 */
export async function registryFacts(trx: Trx, phones: string[]): Promise<Map<string, RegistryFact>> {
  const numbers = new Map(phones.map((p) => [p, registryNumberOf(p)]));
  const distinct = [...new Set([...numbers.values()].filter((n): n is number => n !== null))];
  const found = new Map<string, { listed: boolean; as_of: string | null }>();
  if (distinct.length) {
    const codes = [...new Set(distinct.map((n) => Math.floor(n / AREA)))];
    const r = await sql<{ phone: string; listed: boolean; as_of: string | null }>`
      WITH p AS (SELECT unnest(${distinct}::bigint[]) AS phone), latest AS (${latestCopies(codes)})
      SELECT p.phone::text AS phone, to_char(l.as_of, 'YYYY-MM-DD') AS as_of, x.phone IS NOT NULL AS listed
      FROM p LEFT JOIN latest l ON l.area_code = p.phone / ${AREA}
      -- a probe of the primary key per number, whatever the planner guesses of the copy's size:
      -- a batch is thousands of numbers, a copy tens of millions
      LEFT JOIN LATERAL (SELECT n.phone FROM dnc_registry_number n WHERE n.organization_id = app_org_id() AND n.phone = p.phone LIMIT 1) x ON true`.execute(trx);
    for (const row of r.rows) found.set(row.phone, row);
  }
  const out = new Map<string, RegistryFact>();
  for (const [phone, n] of numbers) {
    const f = n === null ? undefined : found.get(String(n));
    out.set(phone, { national: f?.listed ?? false, registryAsOf: f?.as_of ? asOfInstant(f.as_of) : null });
  }
  return out;
}

/** The copies of these area codes: the latest import of each and its download day. */
export async function registryCopies(trx: Trx, codes: number[]) {
  if (!codes.length) return [];
  const r = await sql<{ area_code: number; import_id: string; as_of: string }>`
    SELECT l.area_code, l.id AS import_id, to_char(l.as_of, 'YYYY-MM-DD') AS as_of FROM (${latestCopies(codes)}) l ORDER BY l.area_code`.execute(trx);
  return r.rows;
}

/**
 * The staging table of a load: created by the connection's own role before the transaction takes
 * the application role (withTenant's `before`), and lent to it.
 */
export async function prepareRegistryStage(trx: Trx) {
  await sql`CREATE TEMP TABLE dnc_registry_stage (line integer NOT NULL, phone bigint NOT NULL) ON COMMIT DROP`.execute(trx);
  await sql`GRANT SELECT, INSERT ON dnc_registry_stage TO porchlight_app`.execute(trx);
}

/** Lines read so far, by COPY (the connection's own role may COPY from a PGlite blob; the rows go to the staging table only). */
export async function stageRegistryNumbers(trx: Trx, rows: { line: number; phone: number }[]) {
  if (rows.length) await asSessionRole(trx, () => copyRows(trx, 'dnc_registry_stage', ['line', 'phone'], rows.map((r) => [r.line, r.phone])));
}

/**
 * The staged numbers become the copy of `areaCodes` in one statement: numbers of those area
 * codes the file does not hold leave the copy, numbers it holds that the copy lacks join it,
 * the rest stay untouched (so loading a file again writes nothing but its import row), and the
 * import is recorded with what moved. Every staged number is of one of `areaCodes`.
 */
export async function replaceRegistryAreaCodes(trx: Trx, imp: {
  id: string; areaCodes: number[]; asOf: string; fileName: string | null; rowsRead: number; rowsLoaded: number; rowsRejected: number;
}): Promise<RegistryImport & { numbers: number }> {
  // an organization's loads take turns: a second load of an area code merges against the first's
  // copy, not against what both saw before either wrote
  await sql`SELECT pg_advisory_xact_lock(hashtextextended('dnc registry ' || app_org_id()::text, 0))`.execute(trx);
  // statistics for the anti-join below: without them a staged million rows is planned as a few
  await asSessionRole(trx, () => sql`ANALYZE dnc_registry_stage`.execute(trx));
  const r = await sql<RegistryImport & { numbers: number }>`
    WITH codes AS (SELECT unnest(${imp.areaCodes}::int[])::bigint * ${AREA} AS low),
    gone AS (
      DELETE FROM dnc_registry_number n USING codes c
      WHERE n.organization_id = app_org_id() AND n.phone >= c.low AND n.phone < c.low + ${AREA}
        AND NOT EXISTS (SELECT 1 FROM dnc_registry_stage s WHERE s.phone = n.phone)
      RETURNING 1),
    added AS (
      -- only what the copy lacks: an anti-join costs a fraction of a million inserts that each
      -- find their number (a month's refresh mostly repeats the last), and in key order the index
      -- grows at its end. A number twice in the file is inserted once: DO NOTHING skips the repeat.
      INSERT INTO dnc_registry_number (organization_id, phone, import_id)
      SELECT app_org_id(), s.phone, ${imp.id}::uuid FROM dnc_registry_stage s
      WHERE NOT EXISTS (SELECT 1 FROM dnc_registry_number n WHERE n.organization_id = app_org_id() AND n.phone = s.phone)
      ORDER BY s.phone
      ON CONFLICT (organization_id, phone) DO NOTHING
      RETURNING 1)
    INSERT INTO dnc_registry_import (organization_id, id, area_codes, as_of, file_name, rows_read, rows_loaded, rows_rejected, numbers_added, numbers_removed, imported_by)
    VALUES (app_org_id(), ${imp.id}::uuid, ${imp.areaCodes}::smallint[], ${imp.asOf}::date, ${imp.fileName}, ${imp.rowsRead}, ${imp.rowsLoaded}, ${imp.rowsRejected},
            (SELECT count(*) FROM added), (SELECT count(*) FROM gone), app_user_id())
    RETURNING id, area_codes, to_char(as_of, 'YYYY-MM-DD') AS as_of, file_name, rows_read, rows_loaded, rows_rejected, numbers_added, numbers_removed, imported_at,
              (SELECT count(DISTINCT phone)::int FROM dnc_registry_stage) AS numbers`.execute(trx);
  return r.rows[0]!;
}
