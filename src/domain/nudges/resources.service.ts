import { sql } from 'kysely';
import { z } from 'zod';
import { notFound, validation } from '../../app/errors.ts';
import { isUuid, parseInput } from '../../app/validate.ts';
import type { Database } from '../../db/database.ts';
import { withTenant, type Actor, type Trx } from '../../db/tenant.ts';
import { actingFor, userIdByEmail } from '../tenancy/acting-for.ts';

// Content resources (AI Nudge's contentresource): articles, videos and documents a user attaches
// to nudges. Each approval of a nudge that carries one counts a use (the database counts).

export const AddResourceRequest = z.object({
  title: z.string().trim().min(1).max(300),
  url: z.url({ protocol: /^https?$/, error: 'an http(s) URL' }).max(2000),
  description: z.string().trim().max(5000).optional(),
  categories: z.preprocess((v) => (typeof v === 'string' ? v.split(/[,;]/).map((s) => s.trim()).filter(Boolean) : v), z.array(z.string().min(1).max(60)).max(20)).optional(),
  content_type: z.enum(['article', 'video', 'document', 'other']).default('article'),
  user_email: z.string().trim().min(3).optional(),
}).strict();

export interface ResourceRow {
  id: string; user_id: string; user_email: string; title: string; url: string; description: string | null; categories: string[];
  content_type: 'article' | 'video' | 'document' | 'other'; status: 'active' | 'archived'; usage_count: number; created_at: Date;
}

const COLUMNS = sql`r.id, r.user_id, u.email AS user_email, r.title, r.url, r.description, r.categories, r.content_type, r.status, r.usage_count, r.created_at`;

export function createResourcesService(deps: { db: Database }) {
  const tenant = <T>(actor: Actor, fn: (trx: Trx) => Promise<T>) => withTenant(deps.db, actor, fn);
  const one = (id: string, trx: Trx) => sql<ResourceRow>`SELECT ${COLUMNS} FROM content_resource r JOIN app_user u ON u.organization_id = r.organization_id AND u.id = r.user_id
    WHERE r.organization_id = app_org_id() AND r.id = ${id}::uuid`.execute(trx).then((x) => x.rows[0]);
  return {
    /** Adding the same URL again updates what it says; the count of uses stays. */
    async add(actor: Actor, input: unknown) {
      const r = parseInput(AddResourceRequest, input);
      return tenant(actor, async (trx) => {
        const userId = await actingFor(actor, r, trx, 'add', 'resources');
        const made = await sql<{ id: string }>`
          INSERT INTO content_resource (organization_id, user_id, title, url, description, categories, content_type)
          VALUES (app_org_id(), ${userId}::uuid, ${r.title}, ${r.url}, ${r.description ?? null}, ${r.categories ?? []}::text[], ${r.content_type})
          ON CONFLICT (organization_id, user_id, url) DO UPDATE SET title = excluded.title, description = excluded.description,
            categories = excluded.categories, content_type = excluded.content_type, status = 'active'
          RETURNING id`.execute(trx);
        return one(made.rows[0]!.id, trx);
      });
    },

    list: (actor: Actor, q: { user_email?: string; all?: boolean } = {}) => tenant(actor, async (trx) => {
      const userId = q.user_email ? await userIdByEmail(q.user_email, trx) : null;
      if (q.user_email && !userId) throw notFound('user', q.user_email);
      return (await sql<ResourceRow>`SELECT ${COLUMNS} FROM content_resource r JOIN app_user u ON u.organization_id = r.organization_id AND u.id = r.user_id
        WHERE r.organization_id = app_org_id() AND (${userId}::uuid IS NULL OR r.user_id = ${userId}::uuid) AND (${!!q.all} OR r.status = 'active')
        ORDER BY r.usage_count DESC, r.title LIMIT 500`.execute(trx)).rows;
    }),

    async archive(actor: Actor, id: string) {
      if (!isUuid(id)) throw validation('id', `'${id}' is not a resource id`);
      return tenant(actor, async (trx) => {
        const r = await sql`UPDATE content_resource SET status = 'archived' WHERE organization_id = app_org_id() AND id = ${id}::uuid RETURNING id`.execute(trx);
        if (!r.rows.length) throw notFound('resource', id);
        return one(id, trx);
      });
    },
  };
}

export type ResourcesService = ReturnType<typeof createResourcesService>;
