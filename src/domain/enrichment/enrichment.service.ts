import { z } from 'zod';
import { AppError } from '../../app/errors.ts';
import type { Failpoint } from '../../app/failpoints.ts';
import { parseInput } from '../../app/validate.ts';
import type { Database } from '../../db/database.ts';
import type { EnrichStage } from '../../db/schema-enrichment.ts';
import { withOwner, withTenant, type Actor, type Trx } from '../../db/tenant.ts';
import type { ProviderRegistry } from '../../providers/registry.ts';
import { dlqRepository as dlq } from '../dlq/dlq.repository.ts';
import { moneyRepository as money, type Settlement } from '../money/money.repository.ts';
import type { Pii } from '../pii/pii.ts';
import { storedSettings } from '../tenancy/org-settings.ts';
import { requireRole } from '../tenancy/tenancy.service.ts';
import { enrichmentRepository as repo, PROVIDER_STAGES, STAGES, type ChunkLead, type PointToVerify, type ProviderStage, type Selector } from './enrichment.repository.ts';
import { dropLease, takeLease } from './lease.ts';
import { resultsRepository as results, type LookupRow, type VerdictRow } from './results.repository.ts';
import { mergeSettings, readSettings, writeSettings, type EnrichmentSettings } from './settings.ts';
import { allocate, callGroups, inBatches, keepPoints, ledgerKey, lookupOf, lookupRow, nextUtcDay, onePerContactPoint, type Candidate } from './waterfall.ts';
import { estimateRun, stageSummary, type StageSummary } from './report.ts';

// The enrichment waterfall (Equity Connect): append, then skip-trace only for leads still short
// of contactable, then verification of what was found, then the quality score and the status it
// routes to. A run works chunk by chunk; for each chunk a stage gates, reserves (ledger rows,
// budget, cap) in one transaction, calls its provider, and stores what came back in another.
// Killed anywhere, the run resumes: calls under way are settled in doubt and made again under
// a new key, and a stored result is never bought again.

export const EnrichRequest = z.object({
  lead_ids: z.array(z.uuid()).min(1).max(10_000).optional(),
  status: z.array(z.string().min(1)).optional(),
  source: z.string().min(1).max(100).optional(),
  tag: z.string().min(1).max(100).optional(),
  limit: z.number().int().min(1).optional(),
  max_spend_cents: z.number().int().min(0).optional(),
  refresh: z.boolean().default(false),
  dry_run: z.boolean().default(false),
}).strict();
export type EnrichRequest = z.input<typeof EnrichRequest>;

/** Chunks of a stage in flight at once (see `chunk` for how the ledger stays exact). */
const LANES = 2;

/** A lock: resolves to its release, in the order asked. */
function createSlot() {
  let tail: Promise<void> = Promise.resolve();
  return async () => {
    const previous = tail;
    let release!: () => void;
    tail = new Promise<void>((r) => (release = r));
    await previous;
    return release;
  };
}

export interface RunProgress {
  stage: EnrichStage;
  done: number;
  total: number;
}

export function createEnrichmentService(deps: { db: Database; pii: Pii; providers: ProviderRegistry; chunkSize: number; failpoint: Failpoint }) {
  const { db, pii, providers, failpoint } = deps;
  const tenant = <T>(actor: Actor, fn: (trx: Trx) => Promise<T>) => withTenant(db, actor, fn);

  function selectorOf(req: z.output<typeof EnrichRequest>): Selector {
    if (!req.lead_ids && !req.status && !req.source && !req.tag) {
      throw new AppError('VALIDATION', 'say which leads to enrich: --lead, --status, --source or --tag', [{ field: 'selector', message: 'required' }]);
    }
    return { lead_ids: req.lead_ids, status: req.status, source: req.source, tag: req.tag, limit: req.limit };
  }

  async function stagePort(stage: ProviderStage, s: EnrichmentSettings) {
    const st = s.stages[stage];
    if (stage === 'verify') return { phone: providers.get('phone_verify', st.provider, st.price_cents), email: providers.get('email_verify', st.email_provider, st.price_cents) };
    return { lookup: providers.get(stage, st.provider, st.price_cents) };
  }

  /**
   * One chunk of a provider stage. Two chunks are in flight at once: while one holds the call
   * slot (reserve, call, store), the next is gated. The slot is held for one group of calls at a
   * time, one request per port (`callGroups`), and only its holder ever has calls reserved and
   * not settled: a crash books in doubt that group's calls, and no others. (A verification
   * group reserves its phone and email requests together: a crash during the first leaves the
   * second, not yet sent, in doubt too.)
   * (Letting go of the slot once the vendor has answered, so that one chunk stores while the next
   * calls, was a fifth faster on the server; but a crash as the first stored its answers could
   * then find the next one's calls reserved and not yet made, and book them in doubt.)
   */
  async function chunk(actor: Actor, run: RunRow, stage: ProviderStage, ids: string[], slot: () => Promise<() => void>) {
    // the lease is renewed with the gates, in a transaction of their own: held in the call's, the
    // run's row lock would make the chunks in flight wait for each other. What the gates let
    // through is read there too: no other chunk touches these tasks.
    const wanted = await tenant(actor, async (trx) => {
      await takeLease('enrichment_run', run.id, trx);
      await repo.gate(run.id, stage, ids, run.settings, run.refresh, trx);
      if (stage !== 'verify') return { leads: await repo.lookupsFor(run.id, stage, ids, trx), points: [] };
      // an owner with several leads has one set of contact points: verified once, under the first
      const { points, emptied } = onePerContactPoint(await repo.pointsFor(run.id, ids, trx));
      await repo.setTasks(run.id, stage, emptied, { status: 'skipped', reason: 'nothing_to_verify' }, trx);
      return { leads: [], points };
    });
    const ports = await stagePort(stage, run.settings);
    const max = { lookup: ports.lookup?.maxBatch ?? 1, phone: ports.phone?.maxBatch ?? 1, email: ports.email?.maxBatch ?? 1 };
    for (const group of callGroups(wanted.leads, wanted.points, max)) {
      const release = await slot();
      try {
        await chunkCalls(actor, run, stage, ports, group);
      } finally {
        release();
      }
    }
  }

  async function chunkCalls(actor: Actor, run: RunRow, stage: ProviderStage, ports: Awaited<ReturnType<typeof stagePort>>,
    group: { leads: ChunkLead[]; points: PointToVerify[] }) {
    const { leads } = group;
    let { points } = group;
    const s = run.settings;
    const st = s.stages[stage];
    const provider = stage === 'verify' ? `${ports.phone!.provider}/${ports.email!.provider}` : ports.lookup!.provider;
    const reserved = await tenant(actor, async (trx) => {
      if (points.length) {
        // read before the slot: a chunk that held it since may have verified an owner's points
        // under another of the owner's leads
        const open = await repo.unverified(points.map((p) => p.contact_point_id), trx);
        const left = keepPoints(points, (p) => open.has(p.contact_point_id));
        await repo.setTasks(run.id, stage, left.emptied, { status: 'skipped', reason: 'nothing_to_verify' }, trx);
        points = left.points;
      }
      const byLead = new Map<string, Candidate>();
      for (const l of leads) byLead.set(l.lead_id, { leadId: l.lead_id, calls: 1, costCents: st.price_cents });
      for (const p of points) {
        const c = byLead.get(p.lead_id) ?? { leadId: p.lead_id, calls: 0, costCents: 0 };
        c.calls += 1;
        c.costCents += st.price_cents;
        byLead.set(p.lead_id, c);
      }
      const callsLeft = await money.lockCapacity(stage, st.daily_cap, trx);
      const balance = await money.lockBalance(trx);
      const runLeft = run.max_spend_cents === null ? Infinity : run.max_spend_cents - (await money.runSpent(run.id, trx));
      const plan = allocate([...byLead.values()], callsLeft, Math.min(balance ?? Infinity, runLeft));
      await repo.setTasks(run.id, stage, plan.capped.map((c) => c.leadId), { status: 'deferred', reason: 'capped', notBefore: nextUtcDay() }, trx);
      await repo.setTasks(run.id, stage, plan.overBudget.map((c) => c.leadId), { status: 'skipped', reason: 'over_budget' }, trx);
      const take = new Set(plan.reserve.map((c) => c.leadId));
      await repo.setTasks(run.id, stage, [...take], { status: 'calling' }, trx);
      // the attempt was read before the update above; the call is made under the next one
      const keyOf = (item: string, attempt: number) => ledgerKey(stage, run.id, item, attempt + 1);
      const portName = stage === 'verify' ? 'phone_verify' : stage;
      const mine = leads.filter((l) => take.has(l.lead_id));
      const myPoints = points.filter((p) => take.has(p.lead_id));
      // a verification's item is the lead's contact point: another lead of the owner may verify
      // it in the same run after this one failed
      const pointKey = (p: PointToVerify) => keyOf(`${p.lead_id}/${p.contact_point_id}`, p.attempt);
      /** Reserve, and refuse to call without a ledger row of the call's own. */
      const reserve = async (meta: Parameters<typeof money.reserve>[0], items: { key: string; leadId: string; costCents: number }[]) => {
        const written = await money.reserve(meta, items, trx);
        const taken = items.find((i) => !written.has(i.key));
        if (taken) throw new Error(`the ledger already holds ${taken.key}: not calling ${meta.provider} without a ledger row`);
      };
      if (stage === 'verify') {
        for (const kind of ['phone', 'email'] as const) {
          const pts = myPoints.filter((p) => p.kind === kind);
          await reserve({ provider: kind === 'phone' ? ports.phone!.provider : ports.email!.provider, port: `${kind}_verify`, stage, runId: run.id },
            pts.map((p) => ({ key: pointKey(p), leadId: p.lead_id, costCents: st.price_cents })));
        }
      } else {
        await reserve({ provider, port: portName, stage, runId: run.id }, mine.map((l) => ({ key: keyOf(l.lead_id, l.attempt), leadId: l.lead_id, costCents: st.price_cents })));
      }
      await money.useCapacity(stage, plan.reserve.reduce((n, c) => n + c.calls, 0), trx);
      return { leads: mine.map((l) => ({ ...l, key: keyOf(l.lead_id, l.attempt) })), points: myPoints.map((p) => ({ ...p, key: pointKey(p) })) };
    });
    failpoint('enrich.reserved');

    const settlements: Settlement[] = [];
    const done = new Map<string, { leadId: string; matched: boolean; costCents: number; phones: number; emails: number }>();
    const failed = new Map<string, string>();
    const lookups: LookupRow[] = [];
    const verdicts: VerdictRow[] = [];
    if (stage !== 'verify') {
      const port = ports.lookup!;
      for (const { batch, outcome } of await inBatches(reserved.leads, port.maxBatch, (b) => port.lookup(b.map(lookupOf)))) {
        if (!outcome.ok) {
          for (const l of batch) {
            failed.set(l.lead_id, outcome.error.message);
            settlements.push({ key: l.key, status: outcome.error.charged ? 'in_doubt' : 'void', costCents: st.price_cents, error: outcome.error.message });
          }
          continue;
        }
        const byKey = new Map(outcome.items.map((m) => [m.key, m]));
        for (const l of batch) {
          const row = lookupRow(pii, port, l, l.key, byKey.get(l.lead_id));
          lookups.push(row);
          settlements.push({ key: l.key, status: 'charged', costCents: row.costCents });
          done.set(l.lead_id, { leadId: l.lead_id, matched: row.matched, costCents: row.costCents, phones: row.phones.length, emails: row.emails.length });
        }
      }
    } else {
      const open = reserved.points.map((p) => ({ ...p, plain: pii.open({ value: p.value, value_enc: p.value_enc }) }));
      const verdictOf = async (kind: 'phone' | 'email') => {
        const pts = open.filter((p) => p.kind === kind);
        const port = kind === 'phone' ? ports.phone! : ports.email!;
        type Verdict = Omit<VerdictRow, 'contactPointId' | 'ledgerKey'>;
        const call = async (b: typeof pts): Promise<Verdict[]> => (kind === 'phone'
          ? (await ports.phone!.verify(b.map((p) => p.plain))).map((v) => ({ result: v.valid ? 'valid' : 'invalid', lineType: v.lineType, carrier: v.carrier, dnc: v.dnc, costCents: v.costCents }) as Verdict)
          : (await ports.email!.verify(b.map((p) => p.plain))).map((v) => ({ result: v.status, lineType: null, carrier: null, dnc: null, costCents: v.costCents })));
        for (const { batch, outcome } of await inBatches(pts, port.maxBatch, call)) {
          for (const [i, p] of batch.entries()) {
            if (!outcome.ok) {
              failed.set(p.lead_id, outcome.error.message);
              settlements.push({ key: p.key, status: outcome.error.charged ? 'in_doubt' : 'void', costCents: st.price_cents, error: outcome.error.message });
              continue;
            }
            const v = outcome.items[i];
            if (!v) throw new Error(`${port.provider} answered ${outcome.items.length} verdicts for ${batch.length} values`);
            verdicts.push({ ...v, contactPointId: p.contact_point_id, ledgerKey: p.key });
            settlements.push({ key: p.key, status: 'charged', costCents: v.costCents });
            const result = v.result;
            const d = done.get(p.lead_id) ?? { leadId: p.lead_id, matched: true, costCents: 0, phones: 0, emails: 0 };
            d.costCents += v.costCents;
            if (result === 'valid' || result === 'deliverable') d[kind === 'phone' ? 'phones' : 'emails'] += 1;
            done.set(p.lead_id, d);
          }
        }
      };
      await verdictOf('phone');
      await verdictOf('email');
    }
    failpoint('enrich.provider.answered');

    await tenant(actor, async (trx) => {
      await repo.beginBatch(run.id, trx);
      if (stage === 'verify') await results.storeVerdicts(run.id, provider, verdicts, trx);
      else await results.storeLookups(run.id, stage, provider, lookups, trx);
      for (const id of failed.keys()) done.delete(id); // a lead with any failed call is retried whole
      await repo.finishTasks(run.id, stage, [...done.values()], trx);
      await repo.setTasks(run.id, stage, [...failed.keys()], { status: 'failed', reason: 'provider_failed' }, trx);
      await money.settle(settlements, trx);
      await dlq.add([...failed].map(([leadId, error]) => ({
        stage, itemKey: `${stage}:${run.id}:${leadId}`, payload: { run_id: run.id, stage, lead_id: leadId }, error,
      })), s.dlq_max_attempts, trx);
      // only a lead called before can have a dead letter to settle
      const retried = new Set([...reserved.leads, ...reserved.points].filter((x) => x.attempt > 0).map((x) => x.lead_id));
      await dlq.resolve([...done.keys()].filter((id) => retried.has(id)).map((leadId) => `${stage}:${run.id}:${leadId}`), trx);
    });
    failpoint('enrich.result.stored');
  }

  type RunRow = { id: string; settings: EnrichmentSettings; refresh: boolean; max_spend_cents: number | null; leads_selected: number };

  async function loadRun(actor: Actor, id: string) {
    const row = await tenant(actor, (trx) => trx.selectFrom('enrichment_run').selectAll().where('id', '=', id).executeTakeFirst());
    if (!row) throw new AppError('NOT_FOUND', `no enrichment run ${id}`);
    return { ...row, settings: row.settings as EnrichmentSettings };
  }

  /** Work a run until nothing is left that can be done now. */
  async function work(actor: Actor, id: string, onProgress?: (p: RunProgress) => void) {
    const run = await loadRun(actor, id);
    await tenant(actor, async (trx) => {
      await takeLease('enrichment_run', id, trx);
      await money.markInDoubt(id, trx); // calls a killed process left under way
      await repo.reopenCalling(id, trx);
      await repo.wakeDeferred(id, trx);
      await trx.updateTable('enrichment_run').set({ status: 'running', started_at: run.started_at ?? new Date(), error: null, resume_at: null }).where('id', '=', id).execute();
    });
    try {
      for (const stage of STAGES) {
        if (stage !== 'score' && !run.settings.stages[stage].enabled) continue;
        if (stage !== 'score') await tenant(actor, (trx) => repo.ensureStageTasks(id, stage, trx));
        let doneCount = 0;
        const callSlot = createSlot();
        onProgress?.({ stage, done: 0, total: run.leads_selected });
        const step = async (ids: string[]) => {
          if (stage === 'score') {
            await tenant(actor, (trx) => takeLease('enrichment_run', id, trx));
            await tenant(actor, async (trx) => {
              await repo.beginBatch(id, trx);
              await repo.scoreChunk(id, ids, run.settings, trx);
            });
          } else await chunk(actor, run, stage, ids, callSlot);
          doneCount += ids.length;
          onProgress?.({ stage, done: doneCount, total: run.leads_selected });
        };
        // The stage's first chunk alone, then fresh statistics (the first run over an
        // organization's leads starts with no contact points at all), then the rest. Chunks
        // follow the lead order, so each starts after the last one taken.
        let after: string | null = null;
        let taking: Promise<string[]> = Promise.resolve([]);
        // one taker at a time: each reads where the last one stopped
        const next = () => (taking = taking.then(async () => {
          const ids = await tenant(actor, (trx) => repo.nextChunk(id, stage, deps.chunkSize, after, trx));
          if (ids.length) after = ids.at(-1)!;
          return ids;
        }));
        const first = await next();
        if (first.length) {
          await step(first);
          await withOwner(db, 'system', (trx) => repo.refreshStatistics(trx));
        }
        const lane = async () => {
          for (let ids = await next(); ids.length; ids = await next()) await step(ids);
        };
        await Promise.all(Array.from({ length: LANES }, lane));
      }
      return await tenant(actor, async (trx) => {
        const resumeAt = await repo.earliestDeferred(id, trx);
        await trx.updateTable('enrichment_run').set(resumeAt
          ? { status: 'waiting', resume_at: resumeAt }
          : { status: 'completed', finished_at: new Date() }).where('id', '=', id).execute();
        await dropLease('enrichment_run', id, trx);
        return resumeAt;
      });
    } catch (e) {
      await tenant(actor, async (trx) => {
        // calls this failure cut short may have been billed; `enrich resume` makes them again
        await money.markInDoubt(id, trx);
        await trx.updateTable('enrichment_run').set({ status: 'failed', error: e instanceof Error ? e.message : String(e) }).where('id', '=', id).execute();
        await dropLease('enrichment_run', id, trx);
      }).catch(() => {});
      throw e;
    }
  }

  return {
    /** Create a run over the selected leads (or, dry, only estimate it). */
    async start(actor: Actor, input: unknown) {
      requireRole(actor, 'manager', 'enrich leads');
      const req = parseInput(EnrichRequest, input);
      const selector = selectorOf(req);
      pii.hash('+15125550100'); // found phones and emails are kept hashed: without the key, fail before buying any
      return tenant(actor, async (trx) => {
        const settings = await readSettings(trx);
        const estimate = await estimateRun(selector, settings, req.refresh, trx);
        if (req.dry_run) return { run: null, estimate };
        const balance = await money.lockBalance(trx);
        const cheapest = Math.min(...PROVIDER_STAGES.filter((s) => settings.stages[s].enabled).map((s) => settings.stages[s].price_cents));
        if (balance !== null && estimate.expected_cents > 0 && balance < cheapest) {
          throw new AppError('BUDGET_EXCEEDED', `the budget holds ${balance} cents: not enough for one call (top up with \`porchlight budget topup\`)`);
        }
        const run = await repo.createRun({ selector, settings, maxSpendCents: req.max_spend_cents ?? null, refresh: req.refresh, userId: actor.userId }, trx);
        const n = await repo.selectLeads(run.id, selector, trx);
        return { run: { ...run, leads_selected: n }, estimate };
      });
    },

    work,

    async report(actor: Actor, id: string) {
      const run = await loadRun(actor, id);
      const rows = await tenant(actor, (trx) => repo.stageReport(id, run.settings.contactable_threshold, trx));
      const { settings, ...rest } = run;
      return { run: { ...rest, settings }, stages: stageSummary(rows) as StageSummary[] };
    },

    async list(actor: Actor, limit = 20) {
      return tenant(actor, (trx) => trx.selectFrom('enrichment_run').select(['id', 'status', 'leads_selected', 'max_spend_cents', 'created_at', 'finished_at', 'resume_at', 'error'])
        .orderBy('created_at', 'desc').limit(limit).execute());
    },

    /** Runs that can move: queued, cut short, or waiting for a cap that has opened again. */
    async resumable(actor: Actor) {
      return tenant(actor, (trx) => trx.selectFrom('enrichment_run').select(['id', 'status'])
        .where((eb) => eb.or([eb('status', 'in', ['queued', 'running', 'failed']), eb.and([eb('status', '=', 'waiting'), eb('resume_at', '<=', new Date())])]))
        .orderBy('created_at').execute());
    },

    /**
     * A dead-letter retry: the failed task goes back to pending, and so do the lead's later
     * stages in the run (what the retry finds must still be verified and scored).
     */
    async reopen(actor: Actor, runId: string, stage: EnrichStage, leadId: string) {
      const later = STAGES.slice(STAGES.indexOf(stage) + 1);
      await tenant(actor, async (trx) => {
        const r = await trx.updateTable('enrichment_task').set({ status: 'pending', reason: null, updated_at: new Date() })
          .where('run_id', '=', runId).where('stage', '=', stage).where('lead_id', '=', leadId).where('status', '=', 'failed').executeTakeFirst();
        if (Number(r.numUpdatedRows) === 0 || later.length === 0) return;
        await trx.updateTable('enrichment_task').set({ status: 'pending', reason: null, not_before: null, updated_at: new Date() })
          .where('run_id', '=', runId).where('stage', 'in', later).where('lead_id', '=', leadId).where('status', 'in', ['done', 'skipped']).execute();
      });
    },

    settings: (actor: Actor) => tenant(actor, (trx) => readSettings(trx)),

    async updateSettings(actor: Actor, patch: unknown) {
      requireRole(actor, 'admin', 'change the enrichment settings');
      return tenant(actor, async (trx) => {
        const next = mergeSettings(await storedSettings('enrichment', trx), patch);
        for (const stage of PROVIDER_STAGES) {
          await stagePort(stage, next); // refuses an unknown or unconfigured adapter
        }
        await writeSettings(next, trx);
        return next;
      });
    },
  };
}

export type EnrichmentService = ReturnType<typeof createEnrichmentService>;
