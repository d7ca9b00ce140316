import { z } from 'zod';
import type { Expression, SqlBool } from 'kysely';
import { AppError, notFound } from '../../app/errors.ts';
import { parseInput } from '../../app/validate.ts';
import type { Database } from '../../db/database.ts';
import { withTenant, type Actor, type Trx } from '../../db/tenant.ts';
import { requireRole } from '../tenancy/tenancy.service.ts';
import { segmentConditions } from './compile-segment.ts';
import { parseSegmentFilter, type SegmentFilter } from './segment-filter.ts';
import { segmentsRepository as repo } from './segments.repository.ts';

// Saved segments: a named, validated filter of leads and the count it selected when last counted.
// Any command that takes --segment reads the conditions through segmentConditionsOf.

export const CreateSegmentRequest = z.strictObject({
  name: z.string().trim().min(1).max(100).describe('unique in the organization, whatever its case'),
  description: z.string().trim().max(2000).nullish(),
  filter: z.record(z.string(), z.unknown()).describe('the filter language of docs/SEGMENTS.md'),
});
export type CreateSegmentRequest = z.input<typeof CreateSegmentRequest>;

type SegmentRow = Awaited<ReturnType<typeof repo.list>>[number];

async function findOrThrow(ref: string, trx: Trx) {
  const s = await repo.find(ref, trx);
  if (!s) throw new AppError('NOT_FOUND', `segment ${ref} was not found (see \`porchlight segments list\`)`, [{ field: 'segment', message: 'not found' }]);
  return s;
}

/**
 * The SQL conditions (over l, p, pe) of the segment named by id or name, inside the caller's
 * transaction; NOT_FOUND when there is none. The stored definition is validated again, so a
 * definition the language no longer accepts fails loudly instead of selecting something else.
 */
export async function segmentConditionsOf(ref: string, trx: Trx): Promise<Expression<SqlBool>[]> {
  const s = await findOrThrow(ref, trx);
  return segmentConditions(parseSegmentFilter(s.filter));
}

const shown = (s: SegmentRow) => ({ ...s, filter: s.filter as SegmentFilter });

export function createSegmentsService(deps: { db: Database }) {
  const tenant = <T>(actor: Actor, fn: (trx: Trx) => Promise<T>) => withTenant(deps.db, actor, fn);

  return {
    /** Save a segment and count it. */
    async create(actor: Actor, input: unknown) {
      requireRole(actor, 'manager', 'define segments');
      const req = parseInput(CreateSegmentRequest, input);
      const filter = parseSegmentFilter(req.filter);
      const where = segmentConditions(filter);
      try {
        return await tenant(actor, async (trx) => {
          const row = await repo.insert(actor.organizationId, { name: req.name, description: req.description ?? null, filter, created_by: actor.userId }, trx);
          return shown(await repo.saveCount(row.id, await repo.countLeads(where, trx), trx));
        });
      } catch (e) {
        if (e instanceof AppError && e.code === 'CONFLICT' && e.details[0]?.field === 'name') {
          throw new AppError('CONFLICT', `a segment named "${req.name}" already exists`, [{ field: 'name', message: 'already exists' }]);
        }
        throw e;
      }
    },

    list: async (actor: Actor) => (await tenant(actor, (trx) => repo.list(trx))).map(shown),

    show: (actor: Actor, ref: string) => tenant(actor, async (trx) => shown(await findOrThrow(ref, trx))),

    /** Count the segment's leads now, and keep the count. */
    async count(actor: Actor, ref: string) {
      requireRole(actor, 'manager', 'count segments');
      return tenant(actor, async (trx) => {
        const s = await findOrThrow(ref, trx);
        const n = await repo.countLeads(segmentConditions(parseSegmentFilter(s.filter)), trx);
        return shown(await repo.saveCount(s.id, n, trx));
      });
    },

    async remove(actor: Actor, ref: string) {
      requireRole(actor, 'manager', 'delete segments');
      return tenant(actor, async (trx) => {
        const s = await findOrThrow(ref, trx);
        if (!(await repo.remove(s.id, trx))) throw notFound('segment', ref);
        return { id: s.id, name: s.name, deleted: true };
      });
    },
  };
}

export type SegmentsService = ReturnType<typeof createSegmentsService>;
