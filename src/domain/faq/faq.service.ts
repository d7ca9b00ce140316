import { z } from 'zod';
import { notFound, validation } from '../../app/errors.ts';
import { parseInput } from '../../app/validate.ts';
import type { Database } from '../../db/database.ts';
import { withTenant, type Actor, type Trx } from '../../db/tenant.ts';
import type { EmbeddingsPort } from '../../providers/embeddings/ports.ts';
import { ProviderError } from '../../providers/ports.ts';
import { requireRole } from '../tenancy/tenancy.service.ts';
import { actingFor, userIdByEmail } from '../tenancy/acting-for.ts';
import { readFaqSettings, updateFaqSettings } from './faq-settings.ts';
import { faqRepository as repo, type FaqCandidate } from './faq.repository.ts';
import { matchFaq, rankFaq, type FaqMatch } from './match-faq.ts';

// The FAQ auto-responder (AI Nudge's faq): each user keeps the questions owners ask and their
// answers; an inbound question is embedded and compared with the lead's user's entries, and a
// confident match is answered by the inbound service through the outbox (so the gate decides).
// Everyone keeps their own entries; managers and up keep anyone's.

const Owner = {
  user_id: z.uuid().optional().describe("whose entry (default: the caller's own)"),
  user_email: z.string().trim().min(3).optional().describe('whose entry, by email'),
};

export const AddFaqRequest = z.object({
  question: z.string().trim().min(1).max(1000),
  answer: z.string().trim().min(1).max(1600),
  ...Owner,
}).strict();

export const ListFaqRequest = z.object(Owner).strict();

export const TestFaqRequest = z.object({ text: z.string().trim().min(1).max(2000), ...Owner }).strict();

/** An inbound text embedded in the space the stored entries are compared in. */
export interface FaqQuery {
  vector: number[];
  space: string;
}

export function createFaqService(deps: { db: Database; embeddings: EmbeddingsPort }) {
  const { embeddings } = deps;
  const tenant = <T>(actor: Actor, fn: (trx: Trx) => Promise<T>) => withTenant(deps.db, actor, fn);

  const ownerOf = (actor: Actor, r: { user_id?: string; user_email?: string }, trx: Trx, doing: string) => actingFor(actor, r, trx, doing, 'FAQ');

  /** Entries whose vectors are from another space are embedded again, outside any transaction that waits on it. */
  async function refreshStale(actor: Actor) {
    const stale = await tenant(actor, (trx) => repo.stale(embeddings.space, trx));
    if (!stale.length) return;
    const vectors = await embeddings.embed(stale.map((s) => s.question));
    await tenant(actor, (trx) => repo.storeEmbeddings(stale.map((s, i) => ({ id: s.id, embedding: vectors[i]! })), embeddings.space, trx));
  }

  async function embedQuery(actor: Actor, text: string): Promise<FaqQuery> {
    await refreshStale(actor);
    const [vector] = await embeddings.embed([text]);
    return { vector: vector!, space: embeddings.space };
  }

  return {
    async add(actor: Actor, input: unknown) {
      const r = parseInput(AddFaqRequest, input);
      // the vector is made before the transaction: a remote adapter must not hold a connection open
      const [embedding] = await embeddings.embed([r.question]);
      return tenant(actor, async (trx) => {
        const userId = await ownerOf(actor, r, trx, 'add to');
        return repo.insert({ userId, question: r.question, answer: r.answer, embedding: embedding!, space: embeddings.space }, trx);
      });
    },

    async list(actor: Actor, input: unknown = {}) {
      const r = parseInput(ListFaqRequest, input);
      return tenant(actor, async (trx) => {
        const userId = r.user_id ?? (r.user_email ? await userIdByEmail(r.user_email, trx) : null);
        if (r.user_email && !userId) throw notFound('user', r.user_email);
        return repo.list({ userId }, trx);
      });
    },

    async remove(actor: Actor, id: string) {
      if (!z.uuid().safeParse(id).success) throw validation('id', `'${id}' is not an FAQ entry id`);
      return tenant(actor, async (trx) => {
        const [entry] = await repo.list({ id }, trx);
        if (!entry) throw notFound('FAQ entry', id);
        if (entry.user_id !== actor.userId) requireRole(actor, 'manager', "remove another user's FAQ entries");
        await repo.remove(id, trx);
        return { id, removed: true };
      });
    },

    /** How a text would be matched: every entry's score, best first, and whether it would be answered. */
    async test(actor: Actor, input: unknown) {
      const r = parseInput(TestFaqRequest, input);
      const query = await embedQuery(actor, r.text);
      return tenant(actor, async (trx) => {
        const userId = r.user_id || r.user_email ? await ownerOf(actor, r, trx, 'test') : null;
        const settings = await readFaqSettings(trx);
        const candidates = await repo.candidates(query.space, userId, trx);
        const ranked = rankFaq(query.vector, candidates);
        const match = matchFaq(ranked, settings);
        const byId = new Map(candidates.map((c) => [c.id, c]));
        return {
          ...match, threshold: settings.threshold, margin: settings.margin, enabled: settings.enabled, space: query.space,
          answer: match.confident ? byId.get(match.entryId!)!.answer : null,
          ranked: ranked.slice(0, 5).map((x) => ({ id: x.id, score: Number(x.score.toFixed(4)), question: byId.get(x.id)!.question })),
        };
      });
    },

    settings: (actor: Actor) => tenant(actor, (trx) => readFaqSettings(trx)),

    async updateSettings(actor: Actor, patch: unknown) {
      requireRole(actor, 'manager', 'change the FAQ auto-responder settings');
      return tenant(actor, (trx) => updateFaqSettings(patch, trx));
    },

    // ---- for the inbound service ----

    /** The question's vector when the auto-responder is on; null when off or the adapter fails (a person answers). */
    async prepare(actor: Actor, text: string): Promise<FaqQuery | null> {
      const enabled = await tenant(actor, async (trx) => (await readFaqSettings(trx)).enabled);
      if (!enabled) return null;
      try {
        return await embedQuery(actor, text);
      } catch (e) {
        // an embeddings outage must not lose the message: it goes to a person instead
        if (e instanceof ProviderError) return null;
        throw e;
      }
    },

    /** In the inbound transaction: the entry a prepared question matches, among the user's (or the organization's). */
    async match(trx: Trx, query: FaqQuery, userId: string | null): Promise<{ match: FaqMatch; entry: FaqCandidate | null }> {
      const settings = await readFaqSettings(trx);
      const candidates = await repo.candidates(query.space, userId, trx);
      const match = matchFaq(rankFaq(query.vector, candidates), settings);
      return { match, entry: match.confident ? candidates.find((c) => c.id === match.entryId) ?? null : null };
    },

    record: (trx: Trx, r: { messageId: string; match: FaqMatch; replyId: string | null; space: string }) => repo.recordMatch(r, trx),
  };
}

export type FaqService = ReturnType<typeof createFaqService>;
