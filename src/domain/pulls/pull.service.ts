import { z } from 'zod';
import { AppError } from '../../app/errors.ts';
import type { Failpoint } from '../../app/failpoints.ts';
import { parseInput } from '../../app/validate.ts';
import type { Database } from '../../db/database.ts';
import { withTenant, type Actor, type Trx } from '../../db/tenant.ts';
import { ProviderError, type PropertyQuery } from '../../providers/ports.ts';
import type { ProviderRegistry } from '../../providers/registry.ts';
import { dlqRepository as dlq } from '../dlq/dlq.repository.ts';
import { dropLease, takeLease } from '../enrichment/lease.ts';
import { readSettings } from '../enrichment/settings.ts';
import type { IngestService } from '../ingest/ingest.service.ts';
import { moneyRepository as money } from '../money/money.repository.ts';
import { requireRole } from '../tenancy/tenancy.service.ts';
import { pullRepository as repo, type PullRun } from './pull.repository.ts';
import { canonicalQuery, PropertyQuerySchema, querySignature, toImportRecord } from './query.ts';

// Pulling a vendor's list (Equity Connect's idempotent pull flow): page through the search,
// merge each page's records through the import path, and stop at the first page holding a
// vendor id an earlier pull of the same query saw. Each page is one transaction with its
// source event, the bookmark and the run's counts; its ledger row is written before the call.
// Killed anywhere, `--resume` continues after the last page committed.

export const PullRequest = z.object({
  source: z.string().trim().regex(/^[a-z0-9_-]{1,40}$/, 'a provider name, e.g. local or batchdata'),
  query: PropertyQuerySchema,
  page_size: z.number().int().min(1).max(1000).default(100),
  max_pages: z.number().int().min(1).max(100_000).optional(),
  resume: z.boolean().default(false),
}).strict();
export type PullRequest = z.input<typeof PullRequest>;

export interface PullProgress {
  page: number;
  records: number;
  newRecords: number;
  knownRecords: number;
  costCents: number;
  total: number | null;
}

export function createPullService(deps: { db: Database; providers: ProviderRegistry; ingest: IngestService; failpoint: Failpoint }) {
  const { db, providers, ingest, failpoint } = deps;
  const tenant = <T>(actor: Actor, fn: (trx: Trx) => Promise<T>) => withTenant(db, actor, fn);

  /** Find the run to work: a new one, or (with resume) the unfinished one of the same query. */
  async function open(actor: Actor, input: unknown) {
    requireRole(actor, 'manager', 'pull leads from a vendor');
    const req = parseInput(PullRequest, input);
    const query = canonicalQuery(req.query);
    const sig = querySignature(query);
    return tenant(actor, async (trx) => {
      const earlier = await repo.findOpen(req.source, sig, trx);
      if (earlier && !req.resume) {
        throw new AppError('CONFLICT', `an earlier pull of this query stopped after page ${earlier.pages_fetched} (run ${earlier.id}): continue it with --resume`,
          [{ field: 'resume', message: 'an unfinished pull of this query exists' }]);
      }
      if (earlier) return { run: earlier, resumed: true };
      const settings = await readSettings(trx);
      providers.get('property_search', req.source, settings.pull.price_cents); // an unknown source fails here, before a run exists
      const run = await repo.create({ source: req.source, query, sig, pageSize: req.page_size, maxPages: req.max_pages ?? null, userId: actor.userId }, trx);
      return { run, resumed: false };
    });
  }

  async function work(actor: Actor, runId: string, onProgress?: (p: PullProgress) => void) {
    let run = await tenant(actor, async (trx) => {
      await takeLease('pull_run', runId, trx);
      await money.markInDoubt(runId, trx);
      const r = await repo.get(runId, trx);
      if (r.status !== 'completed') await repo.markRunning(r, trx);
      return r;
    });
    const settings = await tenant(actor, (trx) => readSettings(trx));
    const port = providers.get('property_search', run.source, settings.pull.price_cents);
    const query = run.query as PropertyQuery;
    try {
      while (run.status !== 'completed') {
        const page = run.pages_fetched + 1;
        if (run.max_pages && page > run.max_pages) {
          await tenant(actor, (trx) => repo.finish(run, 'max_pages', trx));
          break;
        }
        // the call's ledger row first, under the page's next attempt, with the budget and cap
        const key = await tenant(actor, async (trx) => {
          await takeLease('pull_run', run.id, trx);
          const attempt = await repo.nextAttempt(run.id, page, trx);
          const k = `pull:${run.id}:${page}:${attempt}`;
          if ((await money.lockCapacity('pull', settings.pull.daily_cap, trx)) < 1) {
            throw new AppError('BUDGET_EXCEEDED', `today's cap of ${settings.pull.daily_cap} pull pages is used up; --resume tomorrow`);
          }
          await money.reserve({ provider: port.provider, port: 'property_search', stage: 'pull', runId: run.id },
            [{ key: k, leadId: null, costCents: run.page_size * settings.pull.price_cents, units: run.page_size }], trx);
          await money.useCapacity('pull', 1, trx);
          return k;
        });
        let result;
        try {
          result = await port.search(query, page, run.page_size);
        } catch (e) {
          if (!(e instanceof ProviderError)) throw e;
          await tenant(actor, async (trx) => {
            await money.settle([{ key, status: e.charged ? 'in_doubt' : 'void', costCents: run.page_size * settings.pull.price_cents, error: e.message }], trx);
            await dlq.add([{ stage: 'pull', itemKey: `pull:${run.id}`, payload: { pull_run_id: run.id, page }, error: e.message }], settings.dlq_max_attempts, trx);
          });
          throw new AppError('PROVIDER_FAILED', `${e.message} (page ${page}; it waits in the dead-letter queue, or continue with --resume)`, [], { cause: e });
        }
        failpoint('pull.page.fetched');
        const ids = [...new Set(result.records.map((r) => r.vendorId))];
        // read before the page merges: after it, every record of the page is a lead
        const { seen, known } = await tenant(actor, async (trx) => ({
          seen: await repo.seenBefore(run.id, run.source, run.query_sig, ids, trx),
          known: await repo.countKnown(run.source, ids, trx),
        }));
        await ingest.mergeRecords(actor, run.import_id, page, result.records.map(toImportRecord), async (trx) => {
          await repo.recordPage(run, { number: page, ids, known, costCents: result.costCents, total: result.total }, trx);
          await money.settle([{ key, status: 'charged', costCents: result.costCents }], trx);
          await dlq.resolve([`pull:${run.id}`], trx);
          const stop = seen ? 'known_record' : !result.hasMore || result.records.length === 0 ? 'end_of_results' : null;
          if (stop) await repo.finish(run, stop, trx);
        });
        failpoint('pull.page.committed');
        run = await tenant(actor, (trx) => repo.get(run.id, trx));
        onProgress?.({ page, records: run.records, newRecords: run.new_records, knownRecords: run.known_records, costCents: run.cost_cents, total: run.total_available });
      }
    } catch (e) {
      await tenant(actor, (trx) => repo.fail(run.id, e instanceof Error ? e.message : String(e), trx)).catch(() => {});
      throw e;
    } finally {
      await tenant(actor, (trx) => dropLease('pull_run', run.id, trx)).catch(() => {});
    }
    return tenant(actor, (trx) => repo.get(run.id, trx));
  }

  return {
    /** Pull to the end (or the first known record); with resume, continue an unfinished pull of the same query. */
    async pull(actor: Actor, input: unknown, onProgress?: (p: PullProgress) => void) {
      const { run, resumed } = await open(actor, input);
      return { run: await work(actor, run.id, onProgress), resumed };
    },
    open,
    work,
    async get(actor: Actor, id: string) {
      const run = await tenant(actor, (trx) => repo.find(id, trx));
      if (!run) throw new AppError('NOT_FOUND', `no pull ${id}`);
      return run;
    },
    list: (actor: Actor, limit = 20) => tenant(actor, (trx) => repo.list(limit, trx)),
  };
}

export type PullService = ReturnType<typeof createPullService>;
export type { PullRun };
