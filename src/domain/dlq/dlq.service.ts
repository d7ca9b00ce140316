import { z } from 'zod';
import { parseInput } from '../../app/validate.ts';
import type { Database } from '../../db/database.ts';
import { withTenant, type Actor } from '../../db/tenant.ts';
import { requireRole } from '../tenancy/tenancy.service.ts';
import { dlqRepository as repo } from './dlq.repository.ts';

// The dead-letter queue for people: what failed and why, retry now, clear what is settled.
// (Draining, which does the retries, is the worker's: src/jobs/worker.ts.)

const STAGES = ['pull', 'scan', 'append', 'skip_trace', 'verify'] as const;
const ListInput = z.object({
  status: z.enum(['waiting', 'parked', 'done']).optional(),
  stage: z.enum(STAGES).optional(),
  limit: z.number().int().min(1).max(1000).default(100),
}).strict();
const RetryInput = z.object({ id: z.uuid().optional(), stage: z.enum(STAGES).optional(), all: z.boolean().optional() }).strict()
  .refine((r) => r.id || r.stage || r.all, { message: 'say which: an entry id, --stage or --all', path: ['id'] });
const PurgeInput = z.object({ status: z.enum(['done', 'parked', 'all']).default('done') }).strict();

export function createDlqService(deps: { db: Database }) {
  const { db } = deps;
  return {
    list: (actor: Actor, input: unknown = {}) => withTenant(db, actor, (trx) => repo.list(parseInput(ListInput, input), trx)),
    /** Make entries due now, parked ones included; the next drain retries them. */
    async retry(actor: Actor, input: unknown) {
      requireRole(actor, 'manager', 'retry dead letters');
      const req = parseInput(RetryInput, input);
      return withTenant(db, actor, (trx) => repo.makeDue({ id: req.id, stage: req.stage }, trx));
    },
    async purge(actor: Actor, input: unknown = {}) {
      requireRole(actor, 'admin', 'purge dead letters');
      return withTenant(db, actor, (trx) => repo.purge(parseInput(PurgeInput, input), trx));
    },
  };
}
