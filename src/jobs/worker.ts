import { sql } from 'kysely';
import { AppError } from '../app/errors.ts';
import type { Container } from '../app/container.ts';
import { withOwner, withTenant, type Actor } from '../db/tenant.ts';
import type { EnrichStage, SpendStage } from '../db/schema-enrichment.ts';
import { dlqRepository as dlq } from '../domain/dlq/dlq.repository.ts';
import { createJobs, QUEUE, type JobHandlers, type Jobs } from './jobs.ts';

// The job handlers, the dead-letter drain and the recovery of runs a stopped process left
// behind: what `porchlight worker` runs, and `porchlight serve` in-process.

const system = (organizationId: string): Actor => ({ organizationId, userId: null, role: 'owner', via: 'system' });

export function createWorker(c: Container) {
  /** Retry what is due in one organization's dead-letter queue; returns how many entries were tried. */
  async function drainOrganization(actor: Actor, limit = 100) {
    const due = await withTenant(c.db, actor, (trx) => dlq.claimDue(limit, trx));
    const runs = new Map<string, 'enrich' | 'pull'>();
    for (const item of due) {
      const p = item.payload as { run_id?: string; pull_run_id?: string; stage?: EnrichStage; lead_id?: string };
      if (isEnrichStage(item.stage) && p.run_id && p.lead_id) {
        await c.enrichment.reopen(actor, p.run_id, item.stage, p.lead_id);
        runs.set(p.run_id, 'enrich');
      } else if (p.pull_run_id) runs.set(p.pull_run_id, 'pull');
    }
    for (const [id, kind] of runs) {
      try {
        if (kind === 'enrich') await c.enrichment.work(actor, id);
        else await c.pulls.work(actor, id);
      } catch (e) {
        // the failure is recorded on its entries (attempts, next retry) by the run itself
        if (!(e instanceof AppError)) throw e;
      }
    }
    return due.length;
  }

  async function organizationsWith(query: string) {
    return withOwner(c.db, 'system', async (trx) => (await sql.raw<{ organization_id: string; id: string }>(query).execute(trx)).rows);
  }

  const handlers: JobHandlers = {
    [QUEUE.enrich]: async ({ runId, actor }) => ({ resumeAt: await c.enrichment.work(actor, runId) }),
    [QUEUE.pull]: async ({ runId, actor }) => c.pulls.work(actor, runId),
    [QUEUE.scan]: async ({ runId, actor }) => c.scans.work(actor, runId),
    [QUEUE.drain]: async () => {
      let n = 0;
      for (const { organization_id } of await organizationsWith(`SELECT DISTINCT organization_id, NULL AS id FROM dlq WHERE status = 'waiting' AND retry_after <= now()`)) {
        n += await drainOrganization(system(organization_id));
      }
      return n;
    },
    // PGlite has no autovacuum: keep its statistics and free space in step with the data
    [QUEUE.housekeeping]: async () => (c.db.engine === 'pglite' ? c.db.execScript('VACUUM ANALYZE') : undefined),
    [QUEUE.sequenceTick]: async () => {
      const orgs = await c.sequenceEngine.tickAll();
      return { research: orgs.flatMap((o) => o.research_runs.map((runId) => ({ runId, actor: system(o.organizationId) }))) };
    },
    [QUEUE.voiceTick]: () => voiceTick(),
    [QUEUE.voiceMetrics]: () => c.voice.metrics.recomputeRecent(),
    [QUEUE.nudgePipeline]: () => nudgePipelines(),
  };

  /** The nudge pipeline of each organization whose users have a market; one still running elsewhere is left to finish, one failing does not stop the others. */
  async function nudgePipelines(log: (line: string) => void = (line) => process.stderr.write(`${line}\n`)) {
    const orgs = await organizationsWith(`SELECT DISTINCT organization_id, NULL AS id FROM nudge_settings WHERE cardinality(market_focus) > 0`);
    let ran = 0;
    for (const { organization_id } of orgs) {
      try {
        await c.nudges.pipeline.run(system(organization_id));
        ran++;
      } catch (e) {
        if (!(e instanceof AppError && e.code === 'CONFLICT')) log(`nudge pipeline of ${organization_id}: ${(e as Error).message}`);
      }
    }
    return ran;
  }

  /** Due call retries and the local adapter's calls to play, in every organization that has some. */
  async function voiceTick(log: (line: string) => void = () => {}) {
    const orgs = await organizationsWith(`SELECT DISTINCT organization_id, NULL AS id FROM voice_call
      WHERE retry_at <= now() OR (carrier = 'local' AND provider_call_id IS NOT NULL AND ended_at IS NULL)`);
    for (const { organization_id } of orgs) {
      await c.voice.calls.tick(system(organization_id)).catch((e) => log(`calls of ${organization_id}: ${(e as Error).message}`));
    }
    return orgs.length;
  }

  /** Runs to pick up again: queued, cut short by a stopped process, or waiting for a cap that opened. */
  async function recoverable() {
    return {
      enrich: await organizationsWith(`SELECT organization_id, id FROM enrichment_run
        WHERE status IN ('queued', 'running') OR (status = 'waiting' AND resume_at <= now()) ORDER BY created_at`),
      pull: await organizationsWith(`SELECT organization_id, id FROM pull_run WHERE status = 'running' ORDER BY created_at`),
      scan: await organizationsWith(`SELECT organization_id, id FROM area_scan WHERE status IN ('queued', 'in_progress') ORDER BY created_at`),
    };
  }

  return {
    handlers,
    drainOrganization,
    recoverable,

    /** Work everything recoverable now, in this process, then return (`porchlight worker --until-idle`). */
    async runUntilIdle(log: (line: string) => void = () => {}) {
      // due sequence steps first: the enrichment runs their RESEARCH steps start are worked below
      const sequences = await c.sequenceEngine.tickAll();
      for (const o of sequences) if (o.error) log(`sequences of ${o.organizationId}: ${o.error}`);
      const r = await recoverable();
      for (const { organization_id, id } of r.scan) {
        log(`scan ${id}`);
        await c.scans.work(system(organization_id), id).catch((e) => log(`scan ${id}: ${(e as Error).message}`));
      }
      for (const { organization_id, id } of r.pull) {
        log(`pull ${id}`);
        await c.pulls.work(system(organization_id), id).catch((e) => log(`pull ${id}: ${(e as Error).message}`));
      }
      for (const { organization_id, id } of r.enrich) {
        log(`enrichment ${id}`);
        await c.enrichment.work(system(organization_id), id).catch((e) => log(`enrichment ${id}: ${(e as Error).message}`));
      }
      const drained = await handlers[QUEUE.drain]();
      // after the sequences: the calls their VOICE_CALL steps placed
      const voice = await voiceTick(log);
      return { voice_organizations: voice, sequence_organizations: sequences.length, scans: r.scan.length, pulls: r.pull.length, enrichments: r.enrich.length, dead_letters_retried: drained as number };
    },

    /** Handle jobs until stopped; what a stopped process left behind is queued again first. */
    async start(opts: { pollSeconds?: number } = {}): Promise<Jobs> {
      const jobs = await createJobs(c.db, { schedule: true });
      const r = await recoverable();
      for (const x of r.enrich) await jobs.send(QUEUE.enrich, { runId: x.id, actor: system(x.organization_id) });
      for (const x of r.pull) await jobs.send(QUEUE.pull, { runId: x.id, actor: system(x.organization_id) });
      for (const x of r.scan) await jobs.send(QUEUE.scan, { runId: x.id, actor: system(x.organization_id) });
      await jobs.work(handlers, opts);
      return jobs;
    },
  };
}

const isEnrichStage = (s: SpendStage): s is Exclude<EnrichStage, 'score'> => s === 'append' || s === 'skip_trace' || s === 'verify';
