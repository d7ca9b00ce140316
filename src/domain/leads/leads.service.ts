import { z } from 'zod';
import { AppError, notFound } from '../../app/errors.ts';
import { isUuid, parseInput } from '../../app/validate.ts';
import type { Database } from '../../db/database.ts';
import { LEAD_STATUSES, TIERS } from '../../db/schema.ts';
import { withTenant, type Actor, type Trx } from '../../db/tenant.ts';
import type { Pii } from '../pii/pii.ts';
import { segmentConditionsOf } from '../segments/segments.service.ts';
import { requireRole } from '../tenancy/tenancy.service.ts';
import { leadsRepository as repo, type LeadFilter, type LeadSort } from './leads.repository.ts';

// The pipeline record: list, look at, and work a lead.

const list = <T extends z.ZodType>(item: T) =>
  z.preprocess((v) => (typeof v === 'string' ? v.split(',').map((s) => s.trim()).filter(Boolean) : v), z.array(item).min(1));

const Tag = z.string().trim().min(1).max(50).regex(/^[^,\s][^,]*$/, 'no commas');

export const ListLeadsQuery = z.object({
  status: list(z.enum(LEAD_STATUSES)).optional().describe('one or more statuses, comma-separated'),
  tier: list(z.enum(TIERS)).optional().describe('hot, warm, cold; comma-separated'),
  tag: list(Tag).optional().describe('leads carrying all of these tags'),
  zip: list(z.string().regex(/^\d{5}$/, 'a 5-digit ZIP')).optional(),
  min_score: z.coerce.number().min(0).max(100).optional().describe('lowest lead score'),
  assignee: z.union([z.literal('me'), z.literal('none'), z.uuid()]).optional().describe('me, none or a user id'),
  source: z.string().min(1).max(100).optional(),
  q: z.string().trim().min(1).max(200).optional().describe('search in owner name and address'),
  segment: z.string().trim().min(1).max(200).optional().describe('only the leads of this saved segment (id or name)'),
  sort: z.enum(['created_at', '-created_at', 'updated_at', '-updated_at', 'lead_score', '-lead_score']).default('-created_at')
    .describe('a leading - sorts descending'),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(500).optional().describe('next_cursor of the previous page'),
});
export type ListLeadsQuery = z.input<typeof ListLeadsQuery>;

export const UpdateLeadRequest = z
  .object({
    status: z.enum(LEAD_STATUSES).optional(),
    tags: z.array(Tag).max(100).optional().describe('replaces the tags'),
    add_tags: z.array(Tag).max(100).optional(),
    remove_tags: z.array(Tag).max(100).optional(),
    assignee_id: z.uuid().nullable().optional().describe('a user of the organization, or null to unassign'),
    notes: z.string().max(20_000).nullable().optional(),
    next_follow_up_at: z.coerce.date().nullable().optional(),
  })
  .strict()
  .refine((v) => Object.values(v).some((x) => x !== undefined && !(Array.isArray(x) && x.length === 0 && x !== v.tags)), { message: 'nothing to change' });
export type UpdateLeadRequest = z.input<typeof UpdateLeadRequest>;

export const BulkUpdateRequest = z
  .object({
    ids: z.array(z.uuid()).min(1).max(500).describe('the leads to change, at most 500'),
    status: z.enum(LEAD_STATUSES).optional(),
    add_tags: z.array(Tag).max(100).optional(),
    remove_tags: z.array(Tag).max(100).optional(),
    assignee_id: z.uuid().nullable().optional().describe('a user of the organization, or null to unassign'),
  })
  .strict()
  .refine((v) => v.status !== undefined || v.assignee_id !== undefined || !!v.add_tags?.length || !!v.remove_tags?.length, { message: 'nothing to change' });

/** The list's filter from its parsed query: the same for a page, a count and an export. */
export async function leadFilterOf(q: z.output<typeof ListLeadsQuery>, actor: Actor, trx: Trx): Promise<LeadFilter> {
  return {
    status: q.status, tier: q.tier, tags: q.tag, zip: q.zip, min_score: q.min_score, source: q.source, q: q.q,
    assignee: q.assignee === 'me' ? (actor.userId ?? 'none') : q.assignee,
    where: q.segment ? await segmentConditionsOf(q.segment, trx) : undefined,
  };
}

/** An agent changing an assignment row-level security refuses, said plainly. */
function agentAssignment(actor: Actor) {
  return (e: unknown): never => {
    if (e instanceof AppError && e.code === 'FORBIDDEN' && actor.role === 'agent') {
      throw new AppError('FORBIDDEN', 'agents may assign a lead only to themselves or to nobody', [{ field: 'assignee_id', message: 'not allowed' }]);
    }
    throw e;
  };
}

// A cursor carries the sort it belongs to and the last row's sort key and id.
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?([+-]\d{2}:\d{2}|Z)$/;
const KEY_FORMAT: Record<LeadSort, RegExp> = { created_at: TIMESTAMP, updated_at: TIMESTAMP, lead_score: /^-?\d{1,3}(\.\d{1,2})?$/ };

function encodeCursor(sort: string, key: string, id: string) {
  return Buffer.from(JSON.stringify([sort, key, id])).toString('base64url');
}

function decodeCursor(cursor: string, sort: string): { key: string; id: string } {
  try {
    const [s, key, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [string, string, string];
    const format = KEY_FORMAT[sort.replace(/^-/, '') as LeadSort];
    if (s === sort && typeof key === 'string' && format.test(key) && isUuid(id)) return { key, id };
  } catch {
    // fall through
  }
  throw new AppError('VALIDATION', 'cursor: not a cursor of this listing (the sort must stay the same between pages)', [
    { field: 'cursor', message: 'invalid' },
  ]);
}

const dedupe = (tags: string[] | undefined) => (tags ? [...new Set(tags)].sort() : undefined);

export function createLeadsService(deps: { db: Database; pii: Pii }) {
  const { db, pii } = deps;

  async function loadLead(id: string, trx: Trx) {
    const lead = await repo.findLead(id, trx);
    if (!lead) throw notFound('lead', id);
    const [property, person, status_history, score_history, field_history] = await Promise.all([
      lead.property_id ? repo.findProperty(lead.property_id, trx) : undefined,
      lead.person_id ? repo.findPerson(lead.person_id, trx) : undefined,
      repo.statusHistory(id, trx),
      repo.scoreHistory(id, trx),
      repo.fieldHistory(id, 100, trx),
    ]);
    const points = lead.person_id ? await repo.contactPointsOf(lead.person_id, trx) : [];
    const contact_points = points.map(({ value, value_enc, value_hash: _h, organization_id: _o, ...cp }) => ({
      ...cp,
      value: pii.open({ value, value_enc }),
    }));
    if (contact_points.length > 0) {
      await repo.recordAccess({ action: 'access', entity: 'lead', entity_id: id, details: { contact_points: contact_points.length } }, trx);
    }
    const { organization_id: _o, ...rest } = lead;
    return {
      ...rest,
      property: property ? (({ organization_id: _p, addr_hash, ...p }) => ({ ...p, addr_hash: addr_hash ? Buffer.from(addr_hash).toString('hex') : null }))(property) : null,
      person: person ? (({ organization_id: _p, ...p }) => p)(person) : null,
      contact_points,
      status_history,
      score_history,
      field_history,
    };
  }

  return {
    async list(actor: Actor, query: unknown) {
      const q = parseInput(ListLeadsQuery, query);
      const sort = q.sort.replace(/^-/, '') as LeadSort;
      const page = { sort, direction: q.sort.startsWith('-') ? 'desc' : 'asc', limit: q.limit, after: q.cursor ? decodeCursor(q.cursor, q.sort) : undefined } as const;
      const rows = await withTenant(db, actor, async (trx) => repo.list(await leadFilterOf(q, actor, trx), page, trx));
      const more = rows.length > q.limit;
      const data = rows.slice(0, q.limit).map(({ sort_key: _k, ...r }) => r);
      const last = rows[q.limit - 1];
      return { data, next_cursor: more && last ? encodeCursor(q.sort, last.sort_key, last.id) : null };
    },

    /** A lead with everything about it. Reveals contact values, so it writes an access audit row. */
    async show(actor: Actor, id: string) {
      if (!isUuid(id)) throw notFound('lead', id);
      return withTenant(db, actor, (trx) => loadLead(id, trx));
    },

    /** Change a lead; answers it as show does, read in the same transaction as the change. */
    async update(actor: Actor, id: string, input: unknown) {
      const patch = parseInput(UpdateLeadRequest, input);
      if (!isUuid(id)) throw notFound('lead', id);
      const { add_tags, remove_tags, ...set } = patch;
      return withTenant(db, actor, async (trx) => {
        const [changed] = await repo.updateLeads([id], { ...set, tags: dedupe(set.tags) }, { addTags: add_tags, removeTags: remove_tags }, trx);
        if (!changed) throw notFound('lead', id);
        return loadLead(id, trx);
      }).catch(agentAssignment(actor));
    },

    /** Change many leads in one statement (a selection in the web app): which changed, and which were not there to change. */
    async bulkUpdate(actor: Actor, input: unknown) {
      const { ids, add_tags, remove_tags, ...set } = parseInput(BulkUpdateRequest, input);
      const unique = [...new Set(ids)];
      const changed = await withTenant(db, actor, (trx) => repo.updateLeads(unique, set, { addTags: add_tags, removeTags: remove_tags }, trx)).catch(agentAssignment(actor));
      const done = new Set(changed.map((r) => r.id));
      return { updated: done.size, not_found: unique.filter((id) => !done.has(id)) };
    },

    async remove(actor: Actor, id: string) {
      requireRole(actor, 'manager', 'delete leads');
      if (!isUuid(id)) throw notFound('lead', id);
      const done = await withTenant(db, actor, (trx) => repo.softDelete(id, trx));
      if (!done) throw notFound('lead', id);
      return { id, deleted: true };
    },
  };
}

export type LeadsService = ReturnType<typeof createLeadsService>;
