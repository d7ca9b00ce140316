import { sql } from 'kysely';
import type { Trx } from '../../db/tenant.ts';
import { filterConditions, type LeadFilter } from '../leads/leads.repository.ts';
import type { Scorer } from './scorers.ts';
import type { ScoringSettings } from './scoring-settings.ts';

// Scoring in bulk: leads taken in id order, a chunk at a time; each chunk scored, written and
// recorded in one statement.

type Selection = LeadFilter & { lead_ids?: string[] };

/** The leads list's filters, and a list of leads by id. */
function selection(filter: Selection) {
  const where = filterConditions(filter);
  if (filter.lead_ids) where.push(sql`l.id = ANY (${filter.lead_ids}::uuid[])`);
  return where;
}

export interface ChunkResult {
  scored: number;
  updated: number;
  changed: number;
}

export const scoringRepository = {
  /** How many leads the filter selects. */
  async count(filter: Selection, trx: Trx): Promise<number> {
    const r = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM lead l
      LEFT JOIN property p ON p.organization_id = l.organization_id AND p.id = l.property_id
      LEFT JOIN person pe ON pe.organization_id = l.organization_id AND pe.id = l.person_id
      WHERE ${sql.join(selection(filter), sql` AND `)}`.execute(trx);
    return r.rows[0]!.n;
  },

  /** The next leads the filter selects, in id order after `after`. */
  async nextLeads(filter: Selection, after: string | null, size: number, trx: Trx): Promise<string[]> {
    const where = selection(filter);
    if (after) where.push(sql`l.id > ${after}::uuid`);
    const r = await sql<{ id: string }>`
      SELECT l.id FROM lead l
      LEFT JOIN property p ON p.organization_id = l.organization_id AND p.id = l.property_id
      LEFT JOIN person pe ON pe.organization_id = l.organization_id AND pe.id = l.person_id
      WHERE ${sql.join(where, sql` AND `)}
      ORDER BY l.id LIMIT ${size}`.execute(trx);
    return r.rows.map((x) => x.id);
  },

  /**
   * Score the leads, set what changed on them, and add a history row for each score that moved
   * (a lead scored for the first time included).
   */
  async applyChunk(scorer: Scorer, ids: string[], s: ScoringSettings, trx: Trx): Promise<ChunkResult> {
    const col = sql.ref(`l.${scorer.column}`);
    const set = [sql`${sql.ref(scorer.column)} = f.score`];
    const differs = [sql`${col} IS DISTINCT FROM f.score::numeric`];
    if (scorer.label) {
      set.push(sql`${sql.ref(scorer.label)} = f.label`);
      differs.push(sql`${sql.ref(`l.${scorer.label}`)} IS DISTINCT FROM f.label`);
    }
    if (scorer.urgency) {
      set.push(sql`replacement_urgency = f.urgency`);
      differs.push(sql`l.replacement_urgency IS DISTINCT FROM f.urgency`);
    }
    const r = await sql<ChunkResult>`
      WITH f AS MATERIALIZED (${scorer.rows(sql`${ids}::uuid[]`, s)}),
      -- the leads by their ids (= ANY keeps the planner on the primary key)
      before AS (SELECT l.id, ${col} AS score FROM lead l WHERE l.organization_id = app_org_id() AND l.id = ANY (${ids}::uuid[])),
      u AS (
        UPDATE lead l SET ${sql.join(set)}
        FROM f WHERE l.organization_id = app_org_id() AND l.id = ANY (${ids}::uuid[]) AND l.id = f.lead_id AND (${sql.join(differs, sql` OR `)})
        RETURNING l.id
      ), h AS (
        INSERT INTO lead_score_history (organization_id, lead_id, scorer, version, score, factors)
        SELECT app_org_id(), f.lead_id, ${scorer.name}, ${scorer.version}, f.score, f.factors
        FROM f JOIN before b ON b.id = f.lead_id WHERE b.score IS DISTINCT FROM f.score::numeric
        RETURNING 1
      )
      SELECT (SELECT count(*) FROM f)::int AS scored, (SELECT count(*) FROM u)::int AS updated, (SELECT count(*) FROM h)::int AS changed`.execute(trx);
    return r.rows[0]!;
  },

  /** How the selected leads stand on a scorer now: count per label, and the average score. */
  async standing(scorer: Scorer, filter: Selection, trx: Trx) {
    const where = selection(filter);
    const label = scorer.label ? sql.ref(`l.${scorer.label}`) : sql`NULL::text`;
    const r = await sql<{ label: string | null; n: number; avg: number | null }>`
      SELECT ${label} AS label, count(*)::int AS n, round(avg(${sql.ref(`l.${scorer.column}`)}), 1)::float8 AS avg
      FROM lead l
      LEFT JOIN property p ON p.organization_id = l.organization_id AND p.id = l.property_id
      LEFT JOIN person pe ON pe.organization_id = l.organization_id AND pe.id = l.person_id
      WHERE ${sql.join(where, sql` AND `)} AND ${sql.ref(`l.${scorer.column}`)} IS NOT NULL
      GROUP BY 1 ORDER BY array_position(ARRAY['hot', 'warm', 'cold', 'dead'], ${label})`.execute(trx);
    return r.rows;
  },
};
