import { sql } from 'kysely';
import { z } from 'zod';
import { AppError, notFound, validation } from '../../app/errors.ts';
import { isUuid, parseInput } from '../../app/validate.ts';
import type { Database } from '../../db/database.ts';
import { withTenant, type Actor, type Trx } from '../../db/tenant.ts';
import type { Outbox } from '../outreach/outbox.ts';
import type { Draft } from '../outreach/outbox.repository.ts';
import { decodeCursor, page } from '../outreach/page-cursor.ts';
import type { SealedValue } from '../pii/pii.ts';
import { actingFor, userIdByEmail } from '../tenancy/acting-for.ts';
import { requireRole } from '../tenancy/tenancy.service.ts';
import { briefingsRepository as repo } from './briefings.repository.ts';
import { personalize } from './drafts.ts';
import { goodLocalTime } from './schedule.ts';

// The nudge inbox: briefings a person approves (each recipient gets one message at a good local
// time, through the outbox and its gate), edits before approving, dismisses (for everyone or one
// client: what was dismissed becomes a negative preference, so alike opportunities stop
// appearing for them), pauses, resumes or cancels. The database guards the moves and writes
// their history; a cancelled briefing's pending messages are cancelled with it.

const STATUSES = ['DRAFT', 'ACTIVE', 'PAUSED', 'COMPLETED', 'CANCELLED', 'DISMISSED'] as const;

export const ListNudgesQuery = z.object({
  status: z.enum(STATUSES).optional(),
  user_email: z.string().trim().min(3).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().optional(),
}).strict();
export const ApproveRequest = z.object({
  channel: z.enum(['sms', 'email']).optional().describe('default: an e-mail where the client has one, else a text'),
}).strict();
export const EditRequest = z.object({ draft: z.string().trim().min(1).max(1600) }).strict();
export const DismissRequest = z.object({ client_id: z.uuid().optional().describe('only this client'), reason: z.string().trim().max(500).optional() }).strict();
export const NudgeSettingsRequest = z.object({
  user_email: z.string().trim().min(3).optional(),
  market_focus: z.preprocess((v) => (typeof v === 'string' ? v.split(/[,;]/) : v), z.array(z.string().trim().min(2).max(100).transform((s) => s.toLowerCase())).max(200)).optional(),
  tone: z.enum(['warm', 'professional', 'brief']).optional(),
  signoff: z.string().trim().min(1).max(100).nullable().optional(),
  audience_max: z.coerce.number().int().min(1).max(500).optional(),
  min_similarity: z.coerce.number().min(0).max(1).optional(),
  negative_threshold: z.coerce.number().min(0).max(1).optional(),
}).strict();

/** One recipient's message: the draft in their name, then each attached resource's title and link. */
const bodyFor = (draft: string, firstName: string | null, links: { title: string; url: string }[]) =>
  [personalize(draft, firstName), ...links.map((l) => `${l.title}: ${l.url}`)].join('\n');

interface Contact { client_id: string; kind: 'phone' | 'email'; value: string | null; value_enc: Uint8Array | null; value_hash: Buffer; display: string }

export function createNudgesService(deps: { db: Database; outbox: Pick<Outbox, 'enqueue'>; now?: () => Date }) {
  const now = deps.now ?? (() => new Date());
  const tenant = <T>(actor: Actor, fn: (trx: Trx) => Promise<T>) => withTenant(deps.db, actor, fn);

  async function load(actor: Actor, id: string, trx: Trx, lock = false) {
    if (!isUuid(id)) throw validation('id', `'${id}' is not a nudge id`);
    const b = await repo.find(id, trx, lock);
    // an agent's inbox is their own: another user's nudge is not there for them
    if (!b || (actor.role === 'agent' && b.user_id !== actor.userId)) throw notFound('nudge', id);
    return b;
  }

  /**
   * Each recipient's best contact for the channel: a mobile for a text, never a landline; verified
   * first. Without a channel, an e-mail first: a marketing text needs written consent most clients
   * never gave, and the gate would refuse it.
   */
  async function contacts(briefingId: string, channel: 'sms' | 'email' | null, trx: Trx) {
    return (await sql<Contact>`
      SELECT r.client_id, cp.kind, cp.value, cp.value_enc, cp.value_hash, cp.display
      FROM briefing_recipient r JOIN client c ON c.organization_id = r.organization_id AND c.id = r.client_id
      CROSS JOIN LATERAL (SELECT cp.* FROM contact_point cp
        WHERE cp.organization_id = c.organization_id AND cp.person_id = c.person_id
          AND (${channel}::text IS NULL OR cp.kind = CASE ${channel}::text WHEN 'sms' THEN 'phone' ELSE 'email' END)
          AND cp.type IS DISTINCT FROM 'landline'
        ORDER BY (cp.kind = 'email') DESC, cp.verified DESC, (cp.type = 'mobile') DESC NULLS LAST, cp.id LIMIT 1) cp
      WHERE r.organization_id = app_org_id() AND r.briefing_id = ${briefingId}::uuid AND r.removed_at IS NULL`.execute(trx)).rows;
  }

  async function show(actor: Actor, id: string) {
    return tenant(actor, async (trx) => {
      const b = await load(actor, id, trx);
      const [audience, history, resources, reach, event] = await Promise.all([
        repo.audience(id, trx), repo.history(id, trx), repo.resources(id, trx), contacts(id, null, trx),
        sql<{ source_id: string; listing_key: string; event_type: string; event_at: Date; remarks: string | null }>`
          SELECT source_id, listing_key, event_type, event_at, remarks FROM mls_event WHERE id = ${b.mls_event_id}::uuid`.execute(trx).then((r) => r.rows[0]),
      ]);
      const draft = b.edited_draft ?? b.original_draft;
      const kindOf = new Map(reach.map((c) => [c.client_id, c.kind === 'phone' ? 'sms' : 'email']));
      // exactly what the first recipient would get: the person approving reads the message, not a template
      const first = audience.find((a) => !a.removed_at);
      return {
        ...b, draft, event, resources, history,
        preview: first ? { client_id: first.client_id, name: first.name, text: bodyFor(draft, first.first_name, resources) } : null,
        audience: audience.map(({ person_id: _p, first_name: _f, ...a }) => ({ ...a, reach: kindOf.get(a.client_id) ?? null })),
      };
    });
  }

  /** Move a briefing; the database refuses a move it does not allow, and this names it plainly. */
  async function move(actor: Actor, id: string, to: (typeof STATUSES)[number], from: readonly string[]) {
    await tenant(actor, async (trx) => {
      const b = await load(actor, id, trx, true);
      if (b.status === to) return;
      if (!from.includes(b.status)) throw new AppError('CONFLICT', `nudge ${id} is ${b.status}: it cannot be made ${to}`);
      await repo.setStatus(id, to, trx);
    });
    return show(actor, id);
  }

  return {
    show,

    async list(actor: Actor, query: unknown = {}) {
      const q = parseInput(ListNudgesQuery, query);
      const afterId = q.cursor ? decodeCursor('nudges', q.cursor, ['id'])[0] : undefined;
      return tenant(actor, async (trx) => {
        const userId = actor.role === 'agent' ? actor.userId : q.user_email ? await userIdByEmail(q.user_email, trx) : null;
        if (q.user_email && !userId) throw notFound('user', q.user_email);
        const rows = await repo.list({ userId, status: q.status ?? null, limit: q.limit, afterId }, trx);
        return page(rows, q.limit, 'nudges', (r) => [r.id]);
      });
    },

    /** Approve: one message per recipient at a good local time for them, through the gate. Approving again changes nothing. */
    async approve(actor: Actor, id: string, input: unknown = {}) {
      const r = parseInput(ApproveRequest, input);
      const result = await tenant(actor, async (trx) => {
        const b = await load(actor, id, trx, true);
        if (b.status !== 'DRAFT') {
          if (['ACTIVE', 'PAUSED', 'COMPLETED'].includes(b.status)) return { scheduled: 0, skipped: [] as { client_id: string; reason: string }[] };
          throw new AppError('CONFLICT', `nudge ${id} is ${b.status}: it can no longer be approved`);
        }
        const audience = await repo.audience(id, trx);
        const reach = new Map((await contacts(id, r.channel ?? null, trx)).map((c) => [c.client_id, c]));
        const links = await repo.resources(id, trx);
        const userTz = (await sql<{ timezone: string }>`SELECT timezone FROM app_user WHERE organization_id = app_org_id() AND id = ${b.user_id}::uuid`.execute(trx)).rows[0]?.timezone ?? 'America/New_York';
        const text = b.edited_draft ?? b.original_draft;
        const drafts: Draft[] = [];
        const skipped: { client_id: string; reason: string }[] = [];
        for (const a of audience.filter((x) => !x.removed_at)) {
          const c = reach.get(a.client_id);
          if (!c) {
            skipped.push({ client_id: a.client_id, reason: r.channel ? `no ${r.channel === 'sms' ? 'phone that takes texts' : 'e-mail'}` : 'no phone or e-mail' });
            continue;
          }
          const body = bodyFor(text, a.first_name, links);
          drafts.push({
            key: `nudge:${id}:${a.client_id}`, source: 'nudge', senderType: 'user', senderUserId: b.user_id, purpose: 'marketing',
            channel: c.kind === 'phone' ? 'sms' : 'email', personId: a.person_id, kind: c.kind, hash: Buffer.from(c.value_hash), display: c.display,
            sealed: { value: c.value, value_enc: c.value_enc } as SealedValue, subject: c.kind === 'email' ? b.headline : null, body,
            briefingId: id, at: goodLocalTime(now(), a.timezone ?? userTz),
          });
        }
        if (!drafts.length) throw new AppError('VALIDATION', `nudge ${id} has nobody to send to: ${skipped.map((s) => s.reason).join(', ') || 'every client was removed'}`);
        // active first: the messages may only be written for a briefing that may send them
        await repo.setStatus(id, 'ACTIVE', trx, { approvedBy: actor.userId, channel: r.channel });
        const made = await deps.outbox.enqueue(drafts, trx);
        const ids = drafts.map((d) => made.get(d.key)!.id);
        await sql`UPDATE briefing_recipient br SET message_id = u.m FROM unnest(${drafts.map((d) => d.key.split(':')[2]!)}::uuid[], ${ids}::uuid[]) AS u(c, m)
                  WHERE br.organization_id = app_org_id() AND br.briefing_id = ${id}::uuid AND br.client_id = u.c`.execute(trx);
        return { scheduled: drafts.length, skipped };
      });
      return { ...(await show(actor, id)), ...result };
    },

    async edit(actor: Actor, id: string, input: unknown) {
      const r = parseInput(EditRequest, input);
      await tenant(actor, async (trx) => {
        const b = await load(actor, id, trx, true);
        if (b.status !== 'DRAFT') throw new AppError('CONFLICT', `nudge ${id} is ${b.status}: only a draft can be edited`);
        await sql`UPDATE briefing SET edited_draft = ${r.draft} WHERE organization_id = app_org_id() AND id = ${id}::uuid`.execute(trx);
      });
      return show(actor, id);
    },

    /** Dismiss for everyone (the briefing), or for one client (they leave its audience). Either way they learn: a negative preference each. */
    async dismiss(actor: Actor, id: string, input: unknown = {}) {
      const r = parseInput(DismissRequest, input);
      await tenant(actor, async (trx) => {
        const b = await load(actor, id, trx, true);
        const whole = !r.client_id;
        if (whole && b.status !== 'DRAFT') throw new AppError('CONFLICT', `nudge ${id} is ${b.status}: only a draft can be dismissed (pause or cancel it instead)`);
        if (!whole && ['COMPLETED', 'CANCELLED', 'DISMISSED'].includes(b.status)) throw new AppError('CONFLICT', `nudge ${id} is ${b.status}`);
        const client = r.client_id ?? null;
        const hit = await sql<{ client_id: string }>`
          INSERT INTO negative_preference (organization_id, client_id, source_briefing_id, dismissed_embedding, embedding_space, reason, created_by)
          SELECT app_org_id(), br.client_id, br.briefing_id, e.embedding, e.embedding_space, ${r.reason ?? null}, ${actor.userId}::uuid
          FROM briefing_recipient br JOIN mls_event e ON e.id = ${b.mls_event_id}::uuid
          WHERE br.organization_id = app_org_id() AND br.briefing_id = ${id}::uuid AND br.removed_at IS NULL
            AND (${client}::uuid IS NULL OR br.client_id = ${client}::uuid) AND e.embedding IS NOT NULL
          ON CONFLICT (organization_id, client_id, source_briefing_id) DO NOTHING RETURNING client_id`.execute(trx);
        if (whole) return void (await repo.setStatus(id, 'DISMISSED', trx));
        const removed = await sql<{ message_id: string | null }>`
          UPDATE briefing_recipient SET removed_at = now() WHERE organization_id = app_org_id() AND briefing_id = ${id}::uuid AND client_id = ${client}::uuid AND removed_at IS NULL
          RETURNING message_id`.execute(trx);
        if (!removed.rows.length && !hit.rows.length) throw notFound(`client of nudge ${id}`, client!);
        const msg = removed.rows[0]?.message_id ?? null;
        if (msg) await sql`UPDATE message SET status = 'cancelled', reason = 'BRIEFING_CLIENT_REMOVED' WHERE organization_id = app_org_id() AND id = ${msg}::uuid AND status = 'pending'`.execute(trx);
        // nobody left: a draft is dismissed
        const left = await sql<{ n: number }>`SELECT count(*)::int AS n FROM briefing_recipient WHERE organization_id = app_org_id() AND briefing_id = ${id}::uuid AND removed_at IS NULL`.execute(trx);
        if (left.rows[0]!.n === 0 && b.status === 'DRAFT') await repo.setStatus(id, 'DISMISSED', trx);
      });
      return show(actor, id);
    },

    pause: (actor: Actor, id: string) => move(actor, id, 'PAUSED', ['ACTIVE']),
    resume: (actor: Actor, id: string) => move(actor, id, 'ACTIVE', ['PAUSED']),
    cancel: (actor: Actor, id: string) => move(actor, id, 'CANCELLED', ['DRAFT', 'ACTIVE', 'PAUSED']),

    async attach(actor: Actor, id: string, resourceId: string) {
      if (!isUuid(resourceId)) throw validation('resource_id', `'${resourceId}' is not a resource id`);
      await tenant(actor, async (trx) => {
        const b = await load(actor, id, trx, true);
        if (b.status !== 'DRAFT') throw new AppError('CONFLICT', `nudge ${id} is ${b.status}: resources are attached before approval`);
        const ok = await sql`INSERT INTO briefing_resource (organization_id, briefing_id, resource_id)
          SELECT app_org_id(), ${id}::uuid, r.id FROM content_resource r WHERE r.organization_id = app_org_id() AND r.id = ${resourceId}::uuid AND r.status = 'active'
          ON CONFLICT DO NOTHING`.execute(trx);
        if (!ok.numAffectedRows && !(await sql`SELECT 1 FROM briefing_resource WHERE organization_id = app_org_id() AND briefing_id = ${id}::uuid AND resource_id = ${resourceId}::uuid`.execute(trx)).rows.length) {
          throw notFound('active resource', resourceId);
        }
      });
      return show(actor, id);
    },

    async settings(actor: Actor, input: unknown = {}) {
      const r = parseInput(NudgeSettingsRequest, input);
      const { user_email, ...patch } = r;
      return tenant(actor, async (trx) => {
        const userId = await actingFor(actor, { user_email }, trx, 'change', 'nudge settings');
        if (Object.keys(patch).length) {
          if (patch.market_focus && actor.role === 'agent' && userId !== actor.userId) requireRole(actor, 'manager', "change another user's market");
          const cols = Object.keys(patch);
          await sql`INSERT INTO nudge_settings (organization_id, user_id, ${sql.join(cols.map((c) => sql.ref(c)))})
            VALUES (app_org_id(), ${userId}::uuid, ${sql.join(cols.map((c) => (c === 'market_focus' ? sql`${patch.market_focus}::text[]` : sql`${(patch as Record<string, unknown>)[c]}`)))})
            ON CONFLICT (organization_id, user_id) DO UPDATE SET ${sql.join(cols.map((c) => sql`${sql.ref(c)} = excluded.${sql.ref(c)}`))}`.execute(trx);
        }
        const s = await sql`SELECT s.*, u.email AS user_email FROM app_user u LEFT JOIN nudge_settings s ON s.organization_id = u.organization_id AND s.user_id = u.id
          WHERE u.organization_id = app_org_id() AND u.id = ${userId}::uuid`.execute(trx);
        const row = s.rows[0] as Record<string, unknown>;
        return { user_id: userId, user_email: row.user_email, market_focus: row.market_focus ?? [], tone: row.tone ?? 'warm', signoff: row.signoff ?? null,
          audience_max: row.audience_max ?? 25, min_similarity: row.min_similarity ?? 0.2, negative_threshold: row.negative_threshold ?? 0.8 };
      });
    },
  };
}

export type NudgesService = ReturnType<typeof createNudgesService>;
