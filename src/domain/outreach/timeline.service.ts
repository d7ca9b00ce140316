import { z } from 'zod';
import { notFound } from '../../app/errors.ts';
import { parseInput } from '../../app/validate.ts';
import type { Database } from '../../db/database.ts';
import { withTenant, type Actor } from '../../db/tenant.ts';
import { decodeCursor, page } from './page-cursor.ts';
import { TIMELINE_KINDS, timelineRepository as repo } from './timeline.repository.ts';

// Every lead's timeline (Fish Mouth's lead activities): its touches both ways, what the gate
// refused or held back, status changes, assignments, score moves, enrichment lookups, and the
// sequences and campaigns it entered, newest first. Read from the records themselves, so nothing has to
// remember to write an activity row.

const list = <T extends z.ZodType>(item: T) =>
  z.preprocess((v) => (typeof v === 'string' ? v.split(',').map((s) => s.trim()).filter(Boolean) : v), z.array(item).min(1));

export const TimelineQuery = z.object({
  kind: list(z.enum(TIMELINE_KINDS)).optional().describe(`only these kinds, comma-separated: ${TIMELINE_KINDS.join(', ')}`),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(500).optional().describe('next_cursor of the previous page'),
});
export type TimelineQuery = z.input<typeof TimelineQuery>;

export function createTimelineService(deps: { db: Database }) {
  return {
    async forLead(actor: Actor, leadId: string, query: unknown = {}) {
      const q = parseInput(TimelineQuery, query);
      const after = q.cursor ? decodeCursor('timeline', q.cursor, ['at', 'text', 'text']) : undefined;
      return withTenant(deps.db, actor, async (trx) => {
        // the view's message and decision branches carry no agent policy: the lead's decides
        if (!z.uuid().safeParse(leadId).success || !(await repo.leadVisible(leadId, trx))) throw notFound('lead', leadId);
        const rows = await repo.entries(leadId, { kinds: q.kind, limit: q.limit, after: after && { at: after[0]!, kind: after[1]!, ref: after[2]! } }, trx);
        const p = page(rows, q.limit, 'timeline', (r) => [r.at_key, r.kind, r.ref_id]);
        return { lead_id: leadId, data: p.data.map(({ at_key: _, ...r }) => r), next_cursor: p.next_cursor };
      });
    },
  };
}

export type TimelineService = ReturnType<typeof createTimelineService>;
