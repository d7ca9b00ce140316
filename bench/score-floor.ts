import { sql, type RawBuilder } from 'kysely';
import type { Container } from '../src/app/container.ts';
import { withTenant, type Actor } from '../src/db/tenant.ts';

// The floor under the rescoring benchmark's first run: what a first rescore of every lead must
// do at the least, done again as one set-based statement per step over all the leads, with no
// scoring at all: read the facts the scorers read (each lead's parcel, owner and contact points),
// write every lead's new values once, and write a history row for each score with its factors
// (copied from the run just measured). Under the same constraints, keys, row-level security and
// triggers as the run, in one transaction that is rolled back. No implementation can do less.

export interface FloorStep {
  step: string;
  rows: number;
  ms: number;
}

class RolledBack extends Error {}

export async function rescoreFloor(c: Container, actor: Actor): Promise<FloorStep[]> {
  const steps: FloorStep[] = [];
  const plan: { step: string; query: RawBuilder<unknown> }[] = [
    { step: 'facts read', query: sql`
        SELECT count(*) FILTER (WHERE p.roof_age_years IS NOT NULL OR p.tax_debt_cents > 0 OR pe.age IS NOT NULL OR cp.verified) AS count
        FROM lead l
        LEFT JOIN property p ON p.organization_id = l.organization_id AND p.id = l.property_id
        LEFT JOIN person pe ON pe.organization_id = l.organization_id AND pe.id = l.person_id
        LEFT JOIN LATERAL (SELECT bool_or(c.verified) AS verified FROM contact_point c
                           WHERE c.organization_id = l.organization_id AND c.person_id = l.person_id) cp ON true
        WHERE l.organization_id = app_org_id() AND l.deleted_at IS NULL` },
    { step: 'lead values written', query: sql`
        UPDATE lead SET quality_score = 100 - coalesce(quality_score, 0), motivation_score = 100 - coalesce(motivation_score, 0),
                        lead_score = 100 - coalesce(lead_score, 0)
        WHERE organization_id = app_org_id() AND deleted_at IS NULL` },
    { step: 'history rows written', query: sql`
        INSERT INTO lead_score_history (organization_id, lead_id, scorer, version, score, factors)
        SELECT organization_id, lead_id, scorer, version, score, factors FROM lead_score_history WHERE organization_id = app_org_id()` },
  ];
  try {
    await withTenant(c.db, actor, async (trx) => {
      for (const { step, query } of plan) {
        const t = performance.now();
        const r = await query.execute(trx);
        const rows = step === 'facts read' ? r.rows.length && Number((r.rows[0] as { count: string }).count) : Number(r.numAffectedRows ?? 0);
        steps.push({ step, rows, ms: performance.now() - t });
      }
      throw new RolledBack();
    });
  } catch (e) {
    if (!(e instanceof RolledBack) && steps.length < plan.length) throw e;
  }
  return steps;
}
