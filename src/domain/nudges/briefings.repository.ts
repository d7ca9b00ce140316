import { sql } from 'kysely';
import { AppError } from '../../app/errors.ts';
import type { Trx } from '../../db/tenant.ts';
import type { KeyIntel } from './drafts.ts';

// Briefings and their audiences in sets, and the reads of the inbox.

export interface NewBriefing {
  userId: string;
  marketEventId: string;
  campaignType: string;
  headline: string;
  keyIntel: object;
  draft: string;
  adapter: string;
  model: string;
  promptVersion: string;
  warnings: string[];
  recipients: { clientId: string; rank: number; similarity: number; filters_met: string[]; shared_terms: string[] }[];
}

export interface BriefingRow {
  id: string; user_id: string; user_email: string; market_event_id: string; mls_event_id: string; campaign_type: string; headline: string;
  key_intel: KeyIntel; original_draft: string; edited_draft: string | null; draft_adapter: string; draft_model: string;
  prompt_version: string; draft_warnings: string[]; status: string; channel: string | null; approved_at: Date | null; created_at: Date; updated_at: Date;
  audience_size: number;
}

const COLUMNS = sql`b.id, b.user_id, u.email AS user_email, b.market_event_id, me.mls_event_id, b.campaign_type, b.headline, b.key_intel, b.original_draft,
  b.edited_draft, b.draft_adapter, b.draft_model, b.prompt_version, b.draft_warnings, b.status, b.channel, b.approved_at, b.created_at, b.updated_at,
  (SELECT count(*)::int FROM briefing_recipient r WHERE r.organization_id = b.organization_id AND r.briefing_id = b.id AND r.removed_at IS NULL) AS audience_size`;
const FROM = sql`briefing b JOIN app_user u ON u.organization_id = b.organization_id AND u.id = b.user_id
  JOIN market_event me ON me.organization_id = b.organization_id AND me.id = b.market_event_id`;

export const briefingsRepository = {
  /** Briefings once per market event, with their audiences; returns how many were new. */
  async insert(list: NewBriefing[], trx: Trx): Promise<number> {
    if (!list.length) return 0;
    const c = <T>(f: (b: NewBriefing) => T) => list.map(f);
    const made = await sql<{ id: string; market_event_id: string }>`
      INSERT INTO briefing (organization_id, user_id, market_event_id, campaign_type, headline, key_intel, original_draft, draft_adapter, draft_model,
                            prompt_version, draft_warnings)
      SELECT app_org_id(), u.user_id, u.me, u.type, u.headline, u.intel::jsonb, u.draft, u.adapter, u.model, u.prompt,
             ARRAY(SELECT jsonb_array_elements_text(u.warnings::jsonb))
      FROM unnest(${c((b) => b.userId)}::uuid[], ${c((b) => b.marketEventId)}::uuid[], ${c((b) => b.campaignType)}::text[], ${c((b) => b.headline)}::text[],
                  ${c((b) => JSON.stringify(b.keyIntel))}::text[], ${c((b) => b.draft)}::text[], ${c((b) => b.adapter)}::text[], ${c((b) => b.model)}::text[],
                  ${c((b) => b.promptVersion)}::text[], ${c((b) => JSON.stringify(b.warnings))}::text[])
        AS u(user_id, me, type, headline, intel, draft, adapter, model, prompt, warnings)
      ON CONFLICT (organization_id, market_event_id) DO NOTHING
      RETURNING id, market_event_id`.execute(trx);
    if (!made.rows.length) return 0;
    const idOf = new Map(made.rows.map((r) => [r.market_event_id, r.id]));
    const recipients = list.filter((b) => idOf.has(b.marketEventId)).flatMap((b) => b.recipients.map((r) => ({ briefing: idOf.get(b.marketEventId)!, ...r })));
    const r = <T>(f: (x: (typeof recipients)[number]) => T) => recipients.map(f);
    await sql`
      INSERT INTO briefing_recipient (organization_id, briefing_id, client_id, rank, similarity, filters_met, shared_terms)
      SELECT app_org_id(), u.b, u.c, u.rank, u.sim, string_to_array(u.f, ' '), string_to_array(u.t, ' ')
      FROM unnest(${r((x) => x.briefing)}::uuid[], ${r((x) => x.clientId)}::uuid[], ${r((x) => x.rank)}::int[], ${r((x) => x.similarity)}::real[],
                  ${r((x) => x.filters_met.join(' '))}::text[], ${r((x) => x.shared_terms.join(' '))}::text[]) AS u(b, c, rank, sim, f, t)`.execute(trx);
    return made.rows.length;
  },

  list(filter: { userId: string | null; status: string | null; limit: number; afterId?: string }, trx: Trx) {
    return sql<BriefingRow>`
      SELECT ${COLUMNS} FROM ${FROM}
      WHERE b.organization_id = app_org_id() AND (${filter.userId}::uuid IS NULL OR b.user_id = ${filter.userId}::uuid)
        AND (${filter.status}::text IS NULL OR b.status = ${filter.status}::text) AND (${filter.afterId ?? null}::uuid IS NULL OR b.id < ${filter.afterId ?? null}::uuid)
      ORDER BY b.id DESC LIMIT ${filter.limit + 1}`.execute(trx).then((r) => r.rows);
  },

  async find(id: string, trx: Trx, lock = false) {
    const r = await sql<BriefingRow>`SELECT ${COLUMNS} FROM ${FROM} WHERE b.organization_id = app_org_id() AND b.id = ${id}::uuid ${lock ? sql`FOR UPDATE OF b` : sql``}`.execute(trx);
    return r.rows[0];
  },

  /** The audience, ranked, with what a person needs to judge each one. */
  audience(id: string, trx: Trx) {
    return sql<{ client_id: string; name: string; first_name: string | null; rank: number; similarity: number; filters_met: string[]; shared_terms: string[];
      removed_at: Date | null; message_id: string | null; message_status: string | null; person_id: string; timezone: string | null }>`
      SELECT r.client_id, p.full_name AS name, p.first_name, r.rank, r.similarity::float8 AS similarity, r.filters_met, r.shared_terms, r.removed_at,
             r.message_id, m.status AS message_status, c.person_id, coalesce(c.timezone, p.timezone) AS timezone
      FROM briefing_recipient r JOIN client c ON c.organization_id = r.organization_id AND c.id = r.client_id
      JOIN person p ON p.organization_id = c.organization_id AND p.id = c.person_id
      LEFT JOIN message m ON m.organization_id = r.organization_id AND m.id = r.message_id
      WHERE r.organization_id = app_org_id() AND r.briefing_id = ${id}::uuid ORDER BY r.rank`.execute(trx).then((x) => x.rows);
  },

  /** The content resources attached, by title. */
  resources(id: string, trx: Trx) {
    return sql<{ id: string; title: string; url: string }>`
      SELECT r.id, r.title, r.url FROM briefing_resource br JOIN content_resource r ON r.organization_id = br.organization_id AND r.id = br.resource_id
      WHERE br.organization_id = app_org_id() AND br.briefing_id = ${id}::uuid ORDER BY r.title`.execute(trx).then((r) => r.rows);
  },

  history(id: string, trx: Trx) {
    return sql<{ from_status: string | null; to_status: string; changed_by: string | null; changed_at: Date }>`
      SELECT from_status, to_status, changed_by, changed_at FROM briefing_status_history
      WHERE organization_id = app_org_id() AND briefing_id = ${id}::uuid ORDER BY changed_at, id`.execute(trx).then((r) => r.rows);
  },

  /** Move a briefing; an agent moving another user's is refused (row-level security leaves their row out). */
  async setStatus(id: string, status: string, trx: Trx, extra: { approvedBy?: string | null; channel?: string } = {}) {
    const r = await sql`UPDATE briefing SET status = ${status},
        approved_by = CASE WHEN ${status} = 'ACTIVE' AND approved_at IS NULL THEN ${extra.approvedBy ?? null}::uuid ELSE approved_by END,
        approved_at = CASE WHEN ${status} = 'ACTIVE' AND approved_at IS NULL THEN now() ELSE approved_at END,
        channel = coalesce(${extra.channel ?? null}::text, channel)
      WHERE organization_id = app_org_id() AND id = ${id}::uuid`.execute(trx);
    if (!Number(r.numAffectedRows ?? 0)) throw new AppError('FORBIDDEN', `nudge ${id} is another user's: only they, or a manager, may change it`);
  },
};
