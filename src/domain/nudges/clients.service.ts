import type { Readable } from 'node:stream';
import { z } from 'zod';
import { AppError, notFound, validation, type ErrorDetail } from '../../app/errors.ts';
import { isUuid, parseInput } from '../../app/validate.ts';
import type { Database } from '../../db/database.ts';
import { withTenant, type Actor, type Trx } from '../../db/tenant.ts';
import type { EmbeddingsPort } from '../../providers/embeddings/ports.ts';
import { openCsv, isRowError } from '../ingest/read-csv.ts';
import type { Pii } from '../pii/pii.ts';
import { actingFor, userIdByEmail } from '../tenancy/acting-for.ts';
import { aiTagsOf } from './ai-tags.ts';
import { clientFromCsv, ClientInput, normalizeClient, type ClientRow } from './client-rows.ts';
import { clientsRepository as repo } from './clients.repository.ts';
import { decodeCursor, page } from '../outreach/page-cursor.ts';

// Clients (AI Nudge's client): people with a relationship to a user, whom nudges are for. Added
// one at a time or imported from CSV through the ingest path's reader (any encoding, delimiter and
// line ending it reads; a bad line is reported with its number and field and the good ones
// land); found again by the user and their e-mail (else phone), so an import run twice changes
// nothing. Notes are embedded outside the transaction (a remote adapter must not hold it open),
// and their AI tags read with them.

const IMPORT_BATCH = 1000;
const EMBED_BATCH = 500;

export const ListClientsQuery = z.object({
  user_email: z.string().trim().min(3).optional(),
  tag: z.string().trim().min(1).max(60).optional(),
  search: z.string().trim().min(1).max(100).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().optional(),
}).strict();

export interface ClientImportResult {
  rows: number;
  created: number;
  updated: number;
  unchanged: number;
  rejected: number;
  errors: ErrorDetail[];
  embedded: number;
}

export function createClientsService(deps: { db: Database; pii: Pii; embeddings: EmbeddingsPort }) {
  const tenant = <T>(actor: Actor, fn: (trx: Trx) => Promise<T>) => withTenant(deps.db, actor, fn);

  /** Notes without a vector in the adapter's space get one, in batches; returns how many. */
  async function embedStale(actor: Actor, onProgress?: (done: number) => void): Promise<number> {
    let done = 0;
    for (;;) {
      const stale = await tenant(actor, (trx) => repo.stale(deps.embeddings.space, EMBED_BATCH, trx));
      if (!stale.length) return done;
      const vectors = await deps.embeddings.embed(stale.map((s) => s.notes));
      await tenant(actor, (trx) => repo.storeEmbeddings(stale.map((s, i) => ({ id: s.id, embedding: vectors[i]!, aiTags: aiTagsOf(s.notes) })), deps.embeddings.space, trx));
      done += stale.length;
      onProgress?.(done);
    }
  }

  async function write(actor: Actor, rows: ClientRow[]) {
    return tenant(actor, (trx) => repo.upsert(rows, trx));
  }

  return {
    embedStale,

    async add(actor: Actor, input: unknown) {
      const r = parseInput(ClientInput, input);
      const userId = await tenant(actor, (trx) => actingFor(actor, r, trx, 'add', 'client'));
      const row = normalizeClient(r, userId, deps.pii, 'manual');
      if ('field' in row) throw validation(row.field, row.message);
      const [out] = await write(actor, [row]);
      await embedStale(actor);
      return { ...(await this.show(actor, out!.id)), created: out!.created };
    },

    /** A CSV of clients: name (or first_name, last_name), email, phone, notes, tags, price_min, price_max, beds, baths, areas, property_types, timeline, timezone, user_email. */
    async import(actor: Actor, input: Readable, opts: { user_email?: string; onProgress?: (rows: number) => void } = {}): Promise<ClientImportResult> {
      const defaultUser = await tenant(actor, (trx) => actingFor(actor, { user_email: opts.user_email }, trx, 'import', 'clients').catch((e) => {
        // an operator with no user may still import a file whose lines each name their user
        if (e instanceof AppError && e.code === 'VALIDATION' && !opts.user_email) return null;
        throw e;
      }));
      const { header, rows } = await openCsv(input);
      const columns = header.columns.map((c) => c.trim().toLowerCase().replace(/[\s-]+/g, '_'));
      const result: ClientImportResult = { rows: 0, created: 0, updated: 0, unchanged: 0, rejected: 0, errors: [], embedded: 0 };
      const users = new Map<string, string | null>();
      let batch: ClientRow[] = [];
      const keys = new Map<string, number>();
      const flush = async () => {
        if (!batch.length) return;
        for (const o of await write(actor, batch)) result[o.created ? 'created' : o.changed ? 'updated' : 'unchanged']++;
        batch = [];
        keys.clear();
        opts.onProgress?.(result.rows);
      };
      const reject = (line: number, field: string, message: string) => {
        result.rejected++;
        if (result.errors.length < 1000) result.errors.push({ line, field, message });
      };
      for await (const row of rows) {
        result.rows++;
        if (isRowError(row)) {
          reject(row.line, row.column ?? '(row)', row.reason);
          continue;
        }
        const parsed = ClientInput.safeParse(clientFromCsv(Object.fromEntries(columns.map((c, i) => [c, row.values[i] ?? '']))));
        if (!parsed.success) {
          const issue = parsed.error.issues[0]!;
          reject(row.line, issue.path.join('.') || '(row)', issue.message);
          continue;
        }
        let userId = defaultUser;
        if (parsed.data.user_email) {
          const email = parsed.data.user_email.toLowerCase();
          if (!users.has(email)) users.set(email, await tenant(actor, (trx) => userIdByEmail(email, trx)));
          userId = users.get(email)!;
          if (!userId) {
            reject(row.line, 'user_email', `no user ${email} in this organization`);
            continue;
          }
          if (userId !== actor.userId && actor.role === 'agent') {
            reject(row.line, 'user_email', "only managers and above may import another user's clients");
            continue;
          }
        }
        if (!userId) {
          reject(row.line, 'user_email', 'whose client: add a user_email column or pass --user');
          continue;
        }
        const client = normalizeClient(parsed.data, userId, deps.pii, 'import');
        if ('field' in client) {
          reject(row.line, client.field, client.message);
          continue;
        }
        // the same client twice in one batch: the later line wins, as it would in a later import
        const key = `${userId}:${client.contactHash.toString('hex')}`;
        const at = keys.get(key);
        if (at != null) batch[at] = client;
        else {
          keys.set(key, batch.length);
          batch.push(client);
        }
        if (batch.length >= IMPORT_BATCH) await flush();
      }
      await flush();
      result.embedded = await embedStale(actor);
      return result;
    },

    async list(actor: Actor, query: unknown = {}) {
      const q = parseInput(ListClientsQuery, query);
      const afterId = q.cursor ? decodeCursor('clients', q.cursor, ['id'])[0] : undefined;
      return tenant(actor, async (trx) => {
        // an agent's clients are their own: another user's are not there for them (as their inbox)
        const userId = actor.role === 'agent' ? actor.userId : q.user_email ? await userIdByEmail(q.user_email, trx) : null;
        if (q.user_email && !userId) throw notFound('user', q.user_email);
        const rows = await repo.list({ userId, tag: q.tag, search: q.search, limit: q.limit, afterId }, trx);
        return page(rows, q.limit, 'clients', (r) => [r.id]);
      });
    },

    async show(actor: Actor, id: string) {
      if (!isUuid(id)) throw validation('id', `'${id}' is not a client id`);
      const c = await tenant(actor, (trx) => repo.find(id, trx));
      if (!c || (actor.role === 'agent' && c.user_id !== actor.userId)) throw notFound('client', id);
      return c;
    },
  };
}

export type ClientsService = ReturnType<typeof createClientsService>;
