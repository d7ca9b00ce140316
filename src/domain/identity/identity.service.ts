import { AppError } from '../../app/errors.ts';
import type { Database } from '../../db/database.ts';
import { withTenant, type Actor } from '../../db/tenant.ts';
import { isUuid } from '../../app/validate.ts';
import { requireRole } from '../tenancy/tenancy.service.ts';
import { identityRepository as repo } from './identity.repository.ts';

// Identity by hand: merging two records a person knows are one, and reviewing the rows whose
// keys pointed at two different parcels.

export function createIdentityService(deps: { db: Database }) {
  const { db } = deps;
  return {
    /**
     * Merge lead `loserId` into `survivorId`: the survivor keeps its values, fills its empty
     * fields from the loser, takes its phones, emails, tags and costs; the loser is deleted
     * softly with a pointer to the survivor. Every change lands in the field audit and audit log.
     */
    async mergeLeads(actor: Actor, survivorId: string, loserId: string) {
      requireRole(actor, 'manager', 'merge leads');
      for (const [field, id] of [['A', survivorId], ['B', loserId]] as const) {
        if (!isUuid(id)) throw new AppError('VALIDATION', `${field}: not a lead id: ${id}`, [{ field, message: 'not a uuid' }]);
      }
      if (survivorId === loserId) throw new AppError('VALIDATION', 'a lead cannot be merged into itself', [{ field: 'B', message: 'same as A' }]);
      return withTenant(db, actor, async (trx) => {
        const leads = await repo.lockLeads([survivorId, loserId], trx);
        const survivor = leads.find((l) => l.id === survivorId);
        const loser = leads.find((l) => l.id === loserId);
        if (!survivor) throw new AppError('NOT_FOUND', `no lead ${survivorId}`);
        if (!loser) throw new AppError('NOT_FOUND', `no lead ${loserId}`);
        let moved = 0;
        if (loser.person_id && survivor.person_id && loser.person_id !== survivor.person_id) {
          moved = await repo.moveContactPoints(loser.person_id, survivor.person_id, trx);
        }
        await repo.retire(loserId, survivorId, trx);
        await repo.absorb(survivorId, loserId, trx);
        if (survivor.property_id && loser.property_id && survivor.property_id !== loser.property_id) {
          await repo.resolveConflictsBetween(survivor.property_id, loser.property_id, actor.userId, trx);
        }
        return { survivor_id: survivorId, merged_id: loserId, contact_points_moved: moved };
      });
    },

    async listConflicts(actor: Actor, limit = 100) {
      requireRole(actor, 'manager', 'review identity conflicts');
      return withTenant(db, actor, (trx) => repo.listConflicts(limit, trx));
    },

    async dismissConflict(actor: Actor, id: string) {
      requireRole(actor, 'manager', 'review identity conflicts');
      if (!isUuid(id)) throw new AppError('VALIDATION', `not a conflict id: ${id}`, [{ field: 'id', message: 'not a uuid' }]);
      const done = await withTenant(db, actor, (trx) => repo.dismissConflict(id, actor.userId, trx));
      if (!done) throw new AppError('NOT_FOUND', `no open conflict ${id}`);
      return { id, status: 'dismissed' };
    },
  };
}

export type IdentityService = ReturnType<typeof createIdentityService>;
