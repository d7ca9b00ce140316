import crypto from 'node:crypto';
import type { Readable } from 'node:stream';
import { sql } from 'kysely';
import { z } from 'zod';
import { notFound, validation } from '../../app/errors.ts';
import { parseInput } from '../../app/validate.ts';
import type { Database } from '../../db/database.ts';
import { withTenant, type Actor } from '../../db/tenant.ts';
import { asOfInstant, isRegistryStale, isUsAreaCode, parseRegistryLine, readLines, registryNumberOf, RegistryFileError } from '../compliance/registry-file.ts';
import { prepareRegistryStage, registryCopies, registryFacts, replaceRegistryAreaCodes, stageRegistryNumbers } from '../compliance/registry.repository.ts';
import { normalizeEmail, normalizePhone } from '../identity/normalize-contact.ts';
import { fileError } from '../ingest/ingest.service.ts';
import { isRowError, openCsv } from '../ingest/read-csv.ts';
import { decodeCursor, page } from '../outreach/page-cursor.ts';
import { maskContact, type Pii } from '../pii/pii.ts';
import { requireRole } from '../tenancy/tenancy.service.ts';
import { consentsOf, findListEntry, mergeListRows, prepareListStage, stageListRows, type ListRow } from './dnc.repository.ts';

// The organization's own do-not-contact list: phones and emails kept by their keyed hash (the
// value itself is not stored), so routing can match them against any owner's contact points.
// Anyone may add (an owner asked an agent not to call again); taking off needs a manager (the
// table's policies say so too). Here too: the organization's copy of the national registry
// (compliance/registry.repository.ts), loaded by managers, and `check`, which says where a phone
// or email stands on both lists and with its consents.

const Entry = z.object({
  phone: z.string().trim().min(1).optional(),
  email: z.string().trim().min(1).optional(),
  reason: z.string().trim().max(500).optional(),
  source: z.string().trim().min(1).max(100).optional(),
  /** Only these channels (a voice opt-out: call, ai_call); every channel when absent. */
  channels: z.array(z.enum(['sms', 'call', 'ai_call', 'email'])).min(1).optional(),
}).strict().refine((e) => !!e.phone !== !!e.email, { message: 'give a phone or an email (one of them)' });

function contactOf(e: z.output<typeof Entry>): { kind: 'phone' | 'email'; value: string } {
  if (e.phone) {
    const value = normalizePhone(e.phone);
    if (!value) throw validation('phone', `'${e.phone}' is not a phone number`);
    return { kind: 'phone', value };
  }
  const value = normalizeEmail(e.email!);
  if (!value) throw validation('email', `'${e.email}' is not an email address`);
  return { kind: 'email', value };
}

const CheckInput = z.object({ phone: z.string().trim().min(1).optional(), email: z.string().trim().min(1).optional() }).strict()
  .refine((e) => !!e.phone !== !!e.email, { message: 'give a phone or an email (one of them)' });

export const DncListQuery = z.object({
  q: z.string().trim().min(1).max(100).optional().describe('in the masked value (its last digits, an e-mail domain), the reason or the source'),
  kind: z.enum(['phone', 'email']).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  cursor: z.string().max(500).optional().describe('next_cursor of the previous page'),
}).strict();

const ListImport = z.object({ source: z.string().trim().min(1).max(100).optional() }).strict();

// "512,737", 512 or ["512", 737]: the area codes a registry file covers, whatever it holds
const AreaCodes = z.union([z.string(), z.number(), z.array(z.union([z.string(), z.number()]))])
  .transform((v) => (Array.isArray(v) ? v : String(v).split(',')).map((x) => String(x).trim()).filter(Boolean))
  .pipe(z.array(z.string().refine((a) => /^\d{3}$/.test(a) && isUsAreaCode(Number(a)), { error: (i) => `${String(i.input)} is not a US area code` }))
    .min(1, 'at least one area code'))
  .transform((a) => a.map(Number));

const NationalImport = z.object({
  as_of: z.iso.date('the day the file was downloaded, YYYY-MM-DD'),
  area_codes: AreaCodes.optional(),
  file_name: z.string().max(500).optional(),
}).strict();

interface DncRow { id: string; kind: string; display: string; reason: string | null; source: string; channels: string[] | null; created_at: Date }

export interface LineIssue {
  line: number;
  reason: string;
}
export type ImportProgress = (p: { bytes: number; lines: number }) => void;

// rows staged per COPY: on PGlite each COPY costs about as much as tens of thousands of rows, so
// a million-number download staged 10,000 at a time took 15 s to stage and 100,000 at a time 4 s
const BATCH = 100_000;
/** Bad lines reported in an answer; the count covers all of them. */
const MAX_ISSUES = 1_000;

function issueList() {
  const issues: LineIssue[] = [];
  let count = 0;
  return {
    issues,
    count: () => count,
    add(line: number, reason: string) {
      count++;
      if (issues.length < MAX_ISSUES) issues.push({ line, reason });
    },
  };
}

export function createDncService(deps: { db: Database; pii: Pii; now?: () => Date }) {
  const tenant = <T>(actor: Actor, fn: Parameters<typeof withTenant<T>>[2]) => withTenant(deps.db, actor, fn);
  const now = deps.now ?? (() => new Date());

  /** A row of the organization's own list: its phone and email entries, or why it is refused (a row lands whole or not at all). */
  function listRow(line: number, values: string[], cols: Record<'phone' | 'email' | 'reason' | 'source', number>, source: string): ListRow[] | string {
    const cell = (i: number) => (i >= 0 ? (values[i] ?? '').trim() : '');
    const reason = cell(cols.reason) || null;
    const from = cell(cols.source) || source;
    if (reason && reason.length > 500) return 'reason: longer than 500 characters';
    if (from.length > 100) return 'source: longer than 100 characters';
    const out: ListRow[] = [];
    for (const kind of ['phone', 'email'] as const) {
      const raw = cell(cols[kind]);
      if (!raw) continue;
      const value = kind === 'phone' ? normalizePhone(raw) : normalizeEmail(raw);
      if (!value) return `${kind}: '${raw.slice(0, 60)}' is not ${kind === 'phone' ? 'a phone number' : 'an email address'}`;
      out.push({ line, kind, hash: deps.pii.hash(value), display: maskContact(kind, value), reason, source: from });
    }
    return out.length ? out : 'no phone or email';
  }

  return {
    /** Put a phone or email on the list; adding it again changes nothing. */
    async add(actor: Actor, input: unknown) {
      const e = parseInput(Entry, input);
      const { kind, value } = contactOf(e);
      return tenant(actor, async (trx) => {
        const r = await sql<{ id: string; display: string; channels: string[] | null; added: boolean }>`
          INSERT INTO dnc_entry (organization_id, kind, value_hash, display, reason, source, created_by, channels)
          VALUES (app_org_id(), ${kind}, ${deps.pii.hash(value)}, ${maskContact(kind, value)}, ${e.reason ?? null}, ${e.source ?? 'manual'}, app_user_id(),
                  ${e.channels ? [...new Set(e.channels)].sort() : null}::text[])
          -- listed again: the wider of the two holds (every channel wins over some)
          ON CONFLICT (organization_id, kind, value_hash) DO UPDATE SET reason = coalesce(dnc_entry.reason, EXCLUDED.reason),
            channels = CASE WHEN dnc_entry.channels IS NULL OR EXCLUDED.channels IS NULL THEN NULL
                            ELSE ARRAY(SELECT DISTINCT c FROM unnest(dnc_entry.channels || EXCLUDED.channels) AS c ORDER BY c) END
          RETURNING id, display, channels, (xmax = 0) AS added`.execute(trx);
        return { kind, ...r.rows[0]! };
      });
    },

    /** Take a phone or email off the list. */
    async remove(actor: Actor, input: unknown) {
      requireRole(actor, 'manager', 'take a phone or email off the do-not-contact list');
      const { kind, value } = contactOf(parseInput(Entry, input));
      return tenant(actor, async (trx) => {
        const r = await sql<{ id: string }>`
          DELETE FROM dnc_entry WHERE organization_id = app_org_id() AND kind = ${kind} AND value_hash = ${deps.pii.hash(value)} RETURNING id`.execute(trx);
        if (!r.rows[0]) throw notFound(`${kind} on the do-not-contact list`, maskContact(kind, value));
        return { kind, id: r.rows[0].id, removed: true };
      });
    },

    list: (actor: Actor) => tenant(actor, async (trx) => (await sql<DncRow>`
      SELECT id, kind, display, reason, source, channels, created_at FROM dnc_entry WHERE organization_id = app_org_id() ORDER BY created_at DESC, id`.execute(trx)).rows),

    /**
     * The list a page at a time, newest first, searched in what it shows: the masked value
     * (punctuation aside, so "(512)" finds +1512…), the reason and the source; with how many match.
     */
    async page(actor: Actor, query: unknown = {}) {
      const q = parseInput(DncListQuery, query);
      const after = q.cursor ? decodeCursor('dnc', q.cursor, ['at', 'id']) : null;
      const text = q.q?.replace(/[\s()-]/g, '');
      const like = text ? `%${text.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%` : null;
      const words = q.q ? `%${q.q.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%` : null;
      return tenant(actor, async (trx) => {
        const match = sql`organization_id = app_org_id() AND (${q.kind ?? null}::text IS NULL OR kind = ${q.kind ?? null})
          AND (${words}::text IS NULL OR regexp_replace(display, '[[:space:]()-]', '', 'g') ILIKE ${like} OR reason ILIKE ${words} OR source ILIKE ${words})`;
        const rows = (await sql<DncRow & { at_key: string }>`
          SELECT id, kind, display, reason, source, channels, created_at, to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS at_key
          FROM dnc_entry WHERE ${match}
            AND (${after?.[0] ?? null}::timestamptz IS NULL OR (created_at, id) < (${after?.[0] ?? null}::timestamptz, ${after?.[1] ?? null}::uuid))
          ORDER BY created_at DESC, id DESC LIMIT ${q.limit + 1}`.execute(trx)).rows;
        const [{ n }] = (await sql<{ n: number }>`SELECT count(*)::int AS n FROM dnc_entry WHERE ${match}`.execute(trx)).rows as [{ n: number }];
        const p = page(rows, q.limit, 'dnc', (r) => [r.at_key, r.id]);
        return { data: p.data.map(({ at_key: _, ...r }) => r), next_cursor: p.next_cursor, total: n };
      });
    },

    /**
     * Put a CSV of phones and emails (columns phone and/or email, optional reason and source) on
     * the list in one statement; a bad row is reported by line and the rows around it land.
     */
    async importList(actor: Actor, input: unknown, body: Readable, onProgress?: ImportProgress) {
      const req = parseInput(ListImport, input ?? {});
      const csv = await openCsv(body).catch((e: unknown) => Promise.reject(fileError(e)));
      const at = (name: string) => csv.header.columns.findIndex((c) => c.trim().toLowerCase() === name);
      const cols = { phone: at('phone'), email: at('email'), reason: at('reason'), source: at('source') };
      if (cols.phone < 0 && cols.email < 0) throw validation('file', `no phone or email column (columns: ${csv.header.columns.slice(0, 12).join(', ')})`);
      const bad = issueList();
      let rows = 0;
      let staged = 0;
      return withTenant(deps.db, actor, async (trx) => {
        let batch: ListRow[] = [];
        try {
          for await (const item of csv.rows) {
            rows++;
            const entries = isRowError(item) ? item.reason : listRow(item.line, item.values, cols, req.source ?? 'import');
            if (typeof entries === 'string') bad.add(item.line, entries);
            else batch.push(...entries);
            if (rows % 5_000 === 0) onProgress?.({ bytes: csv.bytesRead(), lines: rows });
            if (batch.length >= BATCH) {
              await stageListRows(trx, batch);
              staged += batch.length;
              batch = [];
            }
          }
        } catch (e) {
          throw fileError(e);
        }
        await stageListRows(trx, batch);
        staged += batch.length;
        const m = await mergeListRows(trx);
        return { rows, rejected: bad.count(), added: m.added, already_listed: m.distinct_values - m.added, repeated: staged - m.distinct_values, issues: bad.issues };
      }, prepareListStage);
    },

    /**
     * Load a download of the national registry (managers and up) as the organization's copy of
     * the area codes it covers: those of its numbers, or `area_codes` when given (then a number
     * of another area code is a bad line, and an area code with no number is still scrubbed).
     * The copy of each covered area code becomes the file's numbers in one statement. A file of
     * nothing but bad lines loads nothing: it is no copy of the registry.
     */
    async importNational(actor: Actor, input: unknown, body: Readable, onProgress?: ImportProgress) {
      requireRole(actor, 'manager', 'load the national registry copy');
      const req = parseInput(NationalImport, input);
      if (req.as_of > now().toISOString().slice(0, 10)) throw validation('as_of', `${req.as_of} is in the future: give the day the file was downloaded`);
      const declared = req.area_codes ? new Set(req.area_codes) : null;
      const codes = new Set(declared);
      const bad = issueList();
      let read = 0;
      let loaded = 0;
      return withTenant(deps.db, actor, async (trx) => {
        let batch: { line: number; phone: number }[] = [];
        try {
          for await (const { line, text } of readLines(body, (bytes) => onProgress?.({ bytes, lines: read }))) {
            if (!text.trim()) continue;
            read++;
            const p = parseRegistryLine(text, line);
            if (p.kind === 'change') throw validation('file', `line ${line} is a change-list record (several fields): load the full list of the area codes, which replaces their copy`);
            if (p.kind === 'bad') bad.add(line, p.reason);
            else if (declared && !declared.has(p.areaCode)) bad.add(line, `area code ${p.areaCode} is not among the area codes given (${[...declared].join(', ')})`);
            else {
              codes.add(p.areaCode);
              loaded++;
              batch.push({ line, phone: p.phone });
              if (batch.length >= BATCH) {
                await stageRegistryNumbers(trx, batch);
                batch = [];
              }
            }
          }
        } catch (e) {
          throw e instanceof RegistryFileError ? validation('file', e.message) : e;
        }
        await stageRegistryNumbers(trx, batch);
        if (!loaded && bad.count()) throw validation('file', `none of its ${read} line(s) is a number (line ${bad.issues[0]!.line}: ${bad.issues[0]!.reason}); nothing was loaded`);
        if (!codes.size) throw validation('file', 'it holds no number and no area codes were given: nothing to load');
        const imp = await replaceRegistryAreaCodes(trx, {
          id: crypto.randomUUID(), areaCodes: [...codes].sort((a, b) => a - b), asOf: req.as_of, fileName: req.file_name ?? null,
          rowsRead: read, rowsLoaded: loaded, rowsRejected: bad.count(),
        });
        return { ...imp, stale: isRegistryStale(asOfInstant(imp.as_of), now()), issues: bad.issues };
      }, prepareRegistryStage);
    },

    /** Where a phone or email stands: the organization's list, the national copy (phones) and its consents. */
    async check(actor: Actor, input: unknown) {
      const { kind, value } = contactOf(parseInput(CheckInput, input));
      const hash = deps.pii.hash(value);
      const at = now();
      return tenant(actor, async (trx) => {
        const entry = await findListEntry(trx, kind, hash);
        let national = null;
        if (kind === 'phone') {
          const fact = (await registryFacts(trx, [value])).get(value)!;
          const n = registryNumberOf(value);
          const areaCode = n === null ? null : Math.floor(n / 10_000_000);
          const [copy] = areaCode === null ? [] : await registryCopies(trx, [areaCode]);
          national = {
            area_code: areaCode, listed: fact.national, as_of: copy?.as_of ?? null, import_id: copy?.import_id ?? null,
            age_days: fact.registryAsOf ? Math.floor((at.getTime() - fact.registryAsOf.getTime()) / 86_400_000) : null,
            stale: isRegistryStale(fact.registryAsOf, at),
          };
        }
        const records = await consentsOf(trx, kind, hash);
        const live = records.filter((c) => c.captured_at <= at && (!c.revoked_at || c.revoked_at > at));
        return {
          contact: maskContact(kind, value), kind,
          organization_list: entry ? { listed: true, ...entry } : { listed: false, reason: null, source: null, created_at: null },
          national,
          consents: { live: live.length, revoked: records.filter((c) => c.revoked_at && c.revoked_at <= at).length, written: live.some((c) => c.type === 'pewc'), records },
        };
      });
    },
  };
}

export type DncService = ReturnType<typeof createDncService>;
