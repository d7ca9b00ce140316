import { sql } from 'kysely';
import type { Trx } from '../../db/tenant.ts';
import type { FaqMatch } from './match-faq.ts';

// The FAQ entries and the record of every match, as the auto-responder reads and writes them.

// a type, not an interface: rows print through table(), which takes any record
export type FaqEntryRow = {
  id: string;
  user_id: string;
  user_email: string;
  question: string;
  answer: string;
  active: boolean;
  use_count: number;
  last_used_at: Date | null;
  created_at: Date;
};

export interface FaqCandidate {
  id: string;
  user_id: string;
  question: string;
  answer: string;
  embedding: number[];
}

const COLUMNS = sql`f.id, f.user_id, u.email AS user_email, f.question, f.answer, f.active, f.use_count, f.last_used_at, f.created_at`;

export const faqRepository = {
  async insert(e: { userId: string; question: string; answer: string; embedding: number[]; space: string }, trx: Trx): Promise<FaqEntryRow> {
    const { id } = (await sql<{ id: string }>`
      INSERT INTO faq_entry (organization_id, user_id, question, answer, embedding, embedding_model)
      VALUES (app_org_id(), ${e.userId}::uuid, ${e.question}, ${e.answer}, ${e.embedding}::real[], ${e.space}) RETURNING id`.execute(trx)).rows[0]!;
    return (await faqRepository.list({ id }, trx))[0]!;
  },

  async list(f: { id?: string; userId?: string | null }, trx: Trx): Promise<FaqEntryRow[]> {
    return (await sql<FaqEntryRow>`
      SELECT ${COLUMNS} FROM faq_entry f JOIN app_user u ON u.organization_id = f.organization_id AND u.id = f.user_id
      WHERE f.organization_id = app_org_id() AND (${f.id ?? null}::uuid IS NULL OR f.id = ${f.id ?? null}::uuid)
        AND (${f.userId ?? null}::uuid IS NULL OR f.user_id = ${f.userId ?? null}::uuid)
      ORDER BY u.email, f.created_at, f.id`.execute(trx)).rows;
  },

  async remove(id: string, trx: Trx): Promise<{ user_id: string } | null> {
    return (await sql<{ user_id: string }>`DELETE FROM faq_entry WHERE organization_id = app_org_id() AND id = ${id}::uuid RETURNING user_id`.execute(trx)).rows[0] ?? null;
  },

  /** Active entries whose vector is from another space (the adapter or model changed since). */
  async stale(space: string, trx: Trx): Promise<{ id: string; question: string }[]> {
    return (await sql<{ id: string; question: string }>`
      SELECT id, question FROM faq_entry WHERE organization_id = app_org_id() AND active AND embedding_model <> ${space} ORDER BY id`.execute(trx)).rows;
  },

  async storeEmbeddings(rows: { id: string; embedding: number[] }[], space: string, trx: Trx) {
    if (!rows.length) return;
    await sql`UPDATE faq_entry f SET embedding = u.embedding, embedding_model = ${space}
      FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) AS u(id uuid, embedding real[])
      WHERE f.organization_id = app_org_id() AND f.id = u.id`.execute(trx);
  },

  /** The entries a question is matched against: the user's own when the lead has one, else the organization's. */
  async candidates(space: string, userId: string | null, trx: Trx): Promise<FaqCandidate[]> {
    return (await sql<FaqCandidate>`
      SELECT id, user_id, question, answer, embedding FROM faq_entry
      WHERE organization_id = app_org_id() AND active AND embedding_model = ${space}
        AND (${userId}::uuid IS NULL OR user_id = ${userId}::uuid)
      ORDER BY id`.execute(trx)).rows;
  },

  async recordMatch(r: { messageId: string; match: FaqMatch; replyId: string | null; space: string }, trx: Trx) {
    await sql`
      INSERT INTO faq_match (organization_id, message_id, faq_entry_id, score, runner_up, confident, reply_id, embedding_model)
      VALUES (app_org_id(), ${r.messageId}::uuid, ${r.match.entryId}::uuid, ${r.match.score}, ${r.match.runnerUp}, ${r.match.confident}, ${r.replyId}::uuid, ${r.space})
      ON CONFLICT (organization_id, message_id) DO NOTHING`.execute(trx);
    if (r.match.confident && r.match.entryId) {
      await sql`UPDATE faq_entry SET use_count = use_count + 1, last_used_at = now() WHERE organization_id = app_org_id() AND id = ${r.match.entryId}::uuid`.execute(trx);
    }
  },
};
