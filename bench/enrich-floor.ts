import { sql, type RawBuilder } from 'kysely';
import type { Container } from '../src/app/container.ts';
import { withTenant, type Actor } from '../src/db/tenant.ts';

// The floor under the enrichment benchmark: the rows a run must write (its tasks, a ledger row
// per call reserved and settled, each look-up's result with its phones and emails, the merged
// contact points, each verification and its verdict, the score, its history and the run's
// spend on the lead), written again for the run just measured as one set-based statement per
// table over all of its leads, with nothing else running: no gates, no reads, no provider, no
// call slot, no job queue, one transaction. Under the same constraints, keys, row-level security
// and triggers as the run. It is rolled back, and not committed: what a commit costs is left out too.
// No implementation of the rules can write less; the run cannot be faster than this.

export interface FloorStep {
  step: string;
  rows: number;
  ms: number;
}

class RolledBack extends Error {}

export async function requiredWritesFloor(c: Container, actor: Actor, runId: string): Promise<FloorStep[]> {
  const steps: FloorStep[] = [];
  const copy = '01000000-0000-7000-8000-000000000000'; // the copied run's id (rolled back)
  const q = (step: string, query: RawBuilder<unknown>) => ({ step, query });
  const plan = [
    // a run of its own, running, so that the audit log counts per statement as it does for a run
    q('run', sql`INSERT INTO enrichment_run (organization_id, id, status, selector, settings, max_spend_cents, refresh, leads_selected, created_by, started_at)
                 SELECT organization_id, ${copy}::uuid, 'running', selector, settings, max_spend_cents, refresh, leads_selected, created_by, now()
                 FROM enrichment_run WHERE id = ${runId}::uuid`),
    q('tasks: created', sql`INSERT INTO enrichment_task (organization_id, run_id, stage, lead_id)
                            SELECT organization_id, ${copy}::uuid, stage, lead_id FROM enrichment_task WHERE run_id = ${runId}::uuid`),
    q('ledger: reserved', sql`INSERT INTO cost_ledger (organization_id, provider, port, stage, run_id, lead_id, idempotency_key, cost_cents, units)
                              SELECT app_org_id(), provider, port, stage, ${copy}::uuid, lead_id, idempotency_key || ':floor', cost_cents, units
                              FROM cost_ledger WHERE run_id = ${runId}::uuid
                              ON CONFLICT (organization_id, idempotency_key) DO NOTHING`),
    q('ledger: settled', sql`UPDATE cost_ledger SET status = 'charged', settled_at = now() WHERE run_id = ${copy}::uuid AND status = 'pending'`),
    q('look-up results', sql`INSERT INTO skip_trace_result (organization_id, id, run_id, lead_id, person_id, stage, provider, ledger_key, request_data,
                                                            response_data, matched, confidence, cost_cents, completed_at)
                             SELECT organization_id, uuid7(), ${copy}::uuid, lead_id, person_id, stage, provider, ledger_key || ':floor', request_data,
                                    response_data, matched, confidence, cost_cents, now()
                             FROM skip_trace_result WHERE run_id = ${runId}::uuid`),
    q('found phones', sql`INSERT INTO skip_trace_phone (organization_id, skip_trace_id, lead_id, value, value_enc, value_hash, display, phone_type, carrier,
                                                        is_valid, is_mobile, is_dnc, confidence)
                          SELECT f.organization_id, f.skip_trace_id, f.lead_id, f.value, f.value_enc, f.value_hash, f.display, f.phone_type, f.carrier,
                                 f.is_valid, f.is_mobile, f.is_dnc, f.confidence
                          FROM skip_trace_phone f JOIN skip_trace_result r ON r.organization_id = f.organization_id AND r.id = f.skip_trace_id
                          WHERE r.run_id = ${runId}::uuid`),
    q('found emails', sql`INSERT INTO skip_trace_email (organization_id, skip_trace_id, lead_id, value, value_enc, value_hash, display, email_type, is_valid, confidence)
                          SELECT f.organization_id, f.skip_trace_id, f.lead_id, f.value, f.value_enc, f.value_hash, f.display, f.email_type, f.is_valid, f.confidence
                          FROM skip_trace_email f JOIN skip_trace_result r ON r.organization_id = f.organization_id AND r.id = f.skip_trace_id
                          WHERE r.run_id = ${runId}::uuid`),
    // the points the run verified, again under another hash (the copies are told apart by now())
    q('contact points', sql`INSERT INTO contact_point (organization_id, id, person_id, kind, value, value_enc, value_hash, display, type, carrier, score, sources, dnc)
                            SELECT c.organization_id, uuid7(), c.person_id, c.kind, c.value, c.value_enc, sha256(c.value_hash), c.display, c.type, c.carrier,
                                   c.score, c.sources, c.dnc
                            FROM contact_point c JOIN contact_verification v ON v.organization_id = c.organization_id AND v.contact_point_id = c.id
                            WHERE v.run_id = ${runId}::uuid`),
    q('verifications', sql`INSERT INTO contact_verification (organization_id, contact_point_id, run_id, provider, ledger_key, result, line_type, carrier, dnc, cost_cents)
                           SELECT organization_id, id, ${copy}::uuid, 'floor', 'floor:' || id, 'valid', 'mobile', NULL, false, 1
                           FROM contact_point WHERE created_at = now()`),
    q('verdicts on points', sql`UPDATE contact_point SET verified = true, verification = 'valid', verified_at = now(), type = 'mobile'
                                WHERE created_at = now() AND verification IS NULL`),
    q('tasks: done', sql`UPDATE enrichment_task SET status = 'done', cost_cents = 5, phones_found = 1, emails_found = 1, updated_at = now()
                         WHERE run_id = ${copy}::uuid`),
    q('scores', sql`UPDATE lead l SET quality_score = 100 - coalesce(l.quality_score, 0), enrichment_cost_cents = l.enrichment_cost_cents + 1
                    FROM enrichment_task t WHERE t.organization_id = l.organization_id AND t.run_id = ${runId}::uuid AND t.stage = 'score' AND t.lead_id = l.id`),
    q('score history', sql`INSERT INTO lead_score_history (organization_id, lead_id, scorer, version, score, factors)
                           SELECT t.organization_id, t.lead_id, 'quality', 1, t.quality_after, jsonb_build_object('verified_email', 40, 'verified_mobile', 30)
                           FROM enrichment_task t WHERE t.run_id = ${runId}::uuid AND t.stage = 'score'`),
  ];
  try {
    await withTenant(c.db, actor, async (trx) => {
      await sql`SELECT set_config('app.batch_id', ${copy}, true)`.execute(trx);
      for (const { step, query } of plan) {
        const t = performance.now();
        const r = await query.execute(trx);
        if (step !== 'run') steps.push({ step, rows: Number(r.numAffectedRows ?? 0), ms: performance.now() - t });
      }
      throw new RolledBack();
    });
  } catch (e) {
    if (!steps.length || steps.length < plan.length - 1) throw e;
  }
  return steps;
}
