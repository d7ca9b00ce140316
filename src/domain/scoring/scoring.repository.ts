import { sql, type Expression, type RawBuilder, type SqlBool } from 'kysely';
import type { Trx } from '../../db/tenant.ts';
import { filterConditions, type LeadFilter } from '../leads/leads.repository.ts';
import type { Scorer } from './scorers.ts';
import type { ScoringSettings } from './scoring-settings.ts';

// Scoring in bulk: leads taken in id order, a chunk at a time; each chunk scored, written and
// recorded in one statement.

// where: more conditions on l, p, pe (a segment's: segments/compile-segment.ts)
type Selection = LeadFilter & { lead_ids?: string[]; near_contagion?: true; where?: Expression<SqlBool>[] };

/** Leads with their parcels (p) and owners (pe): what the leads list's filters read. */
const SELECTABLE = sql`lead l
  LEFT JOIN property p ON p.organization_id = l.organization_id AND p.id = l.property_id
  LEFT JOIN person pe ON pe.organization_id = l.organization_id AND pe.id = l.person_id`;

/** The leads list's filters, and a list of leads by id. */
function selection(filter: Selection) {
  const where = filterConditions(filter);
  if (filter.lead_ids) where.push(sql`l.id = ANY (${filter.lead_ids}::uuid[])`);
  if (filter.where) where.push(...filter.where);
  if (filter.near_contagion) {
    where.push(sql`(l.contagion_score IS NOT NULL OR EXISTS (SELECT 1 FROM property_score ps WHERE ps.organization_id = l.organization_id AND ps.property_id = l.property_id))`);
  }
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
      SELECT count(*)::int AS n FROM ${SELECTABLE}
      WHERE ${sql.join(selection(filter), sql` AND `)}`.execute(trx);
    return r.rows[0]!.n;
  },

  /** The next leads the filter selects, in id order after `after`. */
  async nextLeads(filter: Selection, after: string | null, size: number, trx: Trx): Promise<string[]> {
    const where = selection(filter);
    if (after) where.push(sql`l.id > ${after}::uuid`);
    const r = await sql<{ id: string }>`
      SELECT l.id FROM ${SELECTABLE}
      WHERE ${sql.join(where, sql` AND `)}
      ORDER BY l.id LIMIT ${size}`.execute(trx);
    return r.rows.map((x) => x.id);
  },

  /**
   * Score the leads with each scorer in one pass: each lead is written once, with every value
   * that moved, and a score that moved (a first score included) gets its history row.
   * A scorer that cannot score a lead (no parcel) leaves its values as they are.
   */
  async applyChunk(scorers: Scorer[], ids: string[], s: ScoringSettings, trx: Trx): Promise<Record<string, ChunkResult>> {
    const f = (i: number) => sql.id(`f${i}`);
    const sets: RawBuilder<unknown>[] = [];
    const moved: RawBuilder<unknown>[] = [];
    scorers.forEach((scorer, i) => {
      // a value is set where the scorer scored the lead, and kept where it did not
      const keep = (column: string, value: RawBuilder<unknown>) =>
        sets.push(sql`${sql.ref(column)} = CASE WHEN ${f(i)}.lead_id IS NULL THEN ${sql.ref(`l.${column}`)} ELSE ${value} END`);
      // compared with the values before the update (in RETURNING, l is the new row)
      const differs = [sql`${sql.ref(`b.${scorer.column}`)} IS DISTINCT FROM ${f(i)}.score::numeric`];
      keep(scorer.column, sql`${f(i)}.score`);
      if (scorer.label) {
        keep(scorer.label, sql`${f(i)}.label`);
        differs.push(sql`${sql.ref(`b.${scorer.label}`)} IS DISTINCT FROM ${f(i)}.label`);
      }
      if (scorer.urgency) {
        keep('replacement_urgency', sql`${f(i)}.urgency`);
        differs.push(sql`b.replacement_urgency IS DISTINCT FROM ${f(i)}.urgency`);
      }
      moved.push(sql`(${f(i)}.lead_id IS NOT NULL AND (${sql.join(differs, sql` OR `)}))`);
    });
    const columns = [...new Set(scorers.flatMap((x) => [x.column, ...(x.label ? [x.label] : []), ...(x.urgency ? ['replacement_urgency'] : [])]))];
    const ctes = scorers.map((scorer, i) => sql`${f(i)} AS MATERIALIZED (${scorer.rows(sql`${ids}::uuid[]`, s)})`);
    const joins = scorers.map((_, i) => sql`LEFT JOIN ${f(i)} ON ${f(i)}.lead_id = i.id`);
    const histories = scorers.map((scorer, i) => sql`
      SELECT ${f(i)}.lead_id, ${scorer.name}::text AS scorer, ${scorer.version}::int AS version, ${f(i)}.score, ${f(i)}.factors
      FROM ${f(i)} JOIN before b ON b.id = ${f(i)}.lead_id WHERE ${sql.ref(`b.${scorer.column}`)} IS DISTINCT FROM ${f(i)}.score::numeric`);
    const r = await sql<{ scorer: string; scored: number; updated: number; changed: number }>`
      WITH ${sql.join(ctes)},
      -- the leads by their ids (= ANY keeps the planner on the primary key)
      before AS (SELECT ${sql.join(['id', ...columns].map((c) => sql.ref(`l.${c}`)))} FROM lead l WHERE l.organization_id = app_org_id() AND l.id = ANY (${ids}::uuid[])),
      u AS (
        UPDATE lead l SET ${sql.join(sets)}
        FROM unnest(${ids}::uuid[]) AS i(id) JOIN before b ON b.id = i.id ${sql.join(joins, sql` `)}
        WHERE l.organization_id = app_org_id() AND l.id = ANY (${ids}::uuid[]) AND l.id = i.id AND (${sql.join(moved, sql` OR `)})
        RETURNING ARRAY[${sql.join(moved)}] AS moved
      ), h AS (
        INSERT INTO lead_score_history (organization_id, lead_id, scorer, version, score, factors)
        SELECT app_org_id(), x.lead_id, x.scorer, x.version, x.score, x.factors FROM (${sql.join(histories, sql` UNION ALL `)}) x
        RETURNING scorer
      )
      SELECT s.scorer,
             (ARRAY[${sql.join(scorers.map((_, i) => sql`(SELECT count(*) FROM ${f(i)})`))}])[s.n]::int AS scored,
             (SELECT count(*) FROM u WHERE u.moved[s.n])::int AS updated,
             (SELECT count(*) FROM h WHERE h.scorer = s.scorer)::int AS changed
      FROM unnest(${scorers.map((x) => x.name)}::text[]) WITH ORDINALITY AS s(scorer, n)`.execute(trx);
    return Object.fromEntries(r.rows.map((x) => [x.scorer, { scored: x.scored, updated: x.updated, changed: x.changed }]));
  },

  /** How the selected leads stand on a scorer now: count per label, and the average score. */
  async standing(scorer: Scorer, filter: Selection, trx: Trx) {
    const where = selection(filter);
    const label = scorer.label ? sql.ref(`l.${scorer.label}`) : sql`NULL::text`;
    const r = await sql<{ label: string | null; n: number; avg: number | null }>`
      SELECT ${label} AS label, count(*)::int AS n, round(avg(${sql.ref(`l.${scorer.column}`)}), 1)::float8 AS avg
      FROM ${SELECTABLE}
      WHERE ${sql.join(where, sql` AND `)} AND ${sql.ref(`l.${scorer.column}`)} IS NOT NULL
      GROUP BY 1 ORDER BY array_position(ARRAY['hot', 'warm', 'cold', 'dead'], ${label})`.execute(trx);
    return r.rows;
  },
};
