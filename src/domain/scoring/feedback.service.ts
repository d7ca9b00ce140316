import { sql } from 'kysely';
import { z } from 'zod';
import { notFound } from '../../app/errors.ts';
import { parseInput } from '../../app/validate.ts';
import type { Database } from '../../db/database.ts';
import { withTenant, type Actor } from '../../db/tenant.ts';
import { SCORER_NAMES, SCORERS } from './scorers.ts';

// Users' good and bad marks on a lead's score (Convexa's feedback). A mark adjusts nothing: it
// is kept with the score and label it judged, and reported per scorer and label, so whoever
// tunes the weights can see where a scorer is wrong.

const MarkRequest = z.object({
  lead_id: z.uuid(),
  scorer: z.enum(SCORER_NAMES),
  verdict: z.enum(['good', 'bad']),
  note: z.string().trim().max(2000).optional(),
}).strict();

export function createFeedbackService(deps: { db: Database }) {
  const tenant = <T>(actor: Actor, fn: Parameters<typeof withTenant<T>>[2]) => withTenant(deps.db, actor, fn);
  return {
    /** Mark a lead's score good or bad; marking again changes the user's mark. */
    async mark(actor: Actor, input: unknown) {
      const m = parseInput(MarkRequest, input);
      const scorer = SCORERS[m.scorer];
      return tenant(actor, async (trx) => {
        const label = scorer.label ? sql.ref(`l.${scorer.label}`) : sql`NULL::text`;
        const r = await sql<{ id: string; score: number | null; label: string | null; verdict: string }>`
          INSERT INTO score_feedback AS f (organization_id, lead_id, user_id, scorer, verdict, score, label, note)
          SELECT l.organization_id, l.id, app_user_id(), ${m.scorer}, ${m.verdict}, ${sql.ref(`l.${scorer.column}`)}, ${label}, ${m.note ?? null}
          FROM lead l WHERE l.organization_id = app_org_id() AND l.id = ${m.lead_id}::uuid AND l.deleted_at IS NULL
          ON CONFLICT (organization_id, lead_id, user_id, scorer) DO UPDATE
            SET verdict = EXCLUDED.verdict, score = EXCLUDED.score, label = EXCLUDED.label, note = EXCLUDED.note
          RETURNING f.id, f.score::float8 AS score, f.label, f.verdict`.execute(trx);
        if (!r.rows[0]) throw notFound('lead', m.lead_id);
        return { lead_id: m.lead_id, scorer: m.scorer, ...r.rows[0] };
      });
    },

    /** Per scorer and label: how many marks were good and bad, and the share that was good. */
    async report(actor: Actor) {
      return tenant(actor, async (trx) => {
        const r = await sql<{ scorer: string; label: string | null; good: number; bad: number; avg_score: number | null }>`
          SELECT scorer, label, count(*) FILTER (WHERE verdict = 'good')::int AS good, count(*) FILTER (WHERE verdict = 'bad')::int AS bad,
                 round(avg(score), 1)::float8 AS avg_score
          FROM score_feedback WHERE organization_id = app_org_id()
          GROUP BY scorer, label
          ORDER BY array_position(${[...SCORER_NAMES]}::text[], scorer), array_position(ARRAY['hot', 'warm', 'cold', 'dead'], label)`.execute(trx);
        return r.rows.map((x) => ({ ...x, good_share: x.good + x.bad ? Math.round((100 * x.good) / (x.good + x.bad)) : null }));
      });
    },
  };
}

export type FeedbackService = ReturnType<typeof createFeedbackService>;
