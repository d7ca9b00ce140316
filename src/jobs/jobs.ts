import { PgBoss } from 'pg-boss';
import { AppError } from '../app/errors.ts';
import type { Database } from '../db/database.ts';
import type { Actor } from '../db/tenant.ts';

// Durable jobs on the same database (pg-boss): long work the API starts (pulls, scans,
// enrichment runs), enrichment that waits for tomorrow's cap, the dead-letter drain and the
// embedded database's housekeeping. A job carries only the run it works and who asked; the
// run's state is in Porchlight's own tables, so a job delivered twice, or again after a crash,
// finds the work where the last one left it (and a lease keeps two from working one run).

export const QUEUE = {
  enrich: 'enrich-run',
  pull: 'pull-run',
  scan: 'scan-run',
  drain: 'dlq-drain',
  housekeeping: 'housekeeping',
  // every minute: due sequence steps, due and stranded messages, in every organization
  sequenceTick: 'sequence-tick',
  // every minute: due call retries, and the local voice adapter's calls to play
  voiceTick: 'voice-tick',
  // every ten minutes: yesterday's and today's daily voice metrics
  voiceMetrics: 'voice-metrics',
  // every fifteen minutes: the nudge pipeline of every organization whose users have a market
  nudgePipeline: 'nudge-pipeline',
} as const;
export type QueueName = (typeof QUEUE)[keyof typeof QUEUE];

export interface RunJob {
  runId: string;
  actor: Actor;
}

export interface JobHandlers {
  [QUEUE.enrich]: (job: RunJob) => Promise<{ resumeAt: Date | null }>;
  [QUEUE.pull]: (job: RunJob) => Promise<unknown>;
  [QUEUE.scan]: (job: RunJob) => Promise<unknown>;
  [QUEUE.drain]: () => Promise<unknown>;
  [QUEUE.housekeeping]: () => Promise<unknown>;
  /** Returns the enrichment runs its RESEARCH steps started, to be queued. */
  [QUEUE.sequenceTick]: () => Promise<{ research: RunJob[] }>;
  [QUEUE.voiceTick]: () => Promise<unknown>;
  [QUEUE.voiceMetrics]: () => Promise<unknown>;
  [QUEUE.nudgePipeline]: () => Promise<unknown>;
}

export interface Jobs {
  /** Queue a run's work; a run already queued is not queued twice. */
  send(queue: typeof QUEUE.enrich | typeof QUEUE.pull | typeof QUEUE.scan, job: RunJob, startAfter?: Date): Promise<void>;
  /** Start handling jobs in this process. */
  work(handlers: JobHandlers, opts?: { pollSeconds?: number }): Promise<void>;
  stop(): Promise<void>;
}

export async function createJobs(db: Database, opts: { schedule?: boolean } = {}): Promise<Jobs> {
  const boss = new PgBoss({
    db: { executeSql: (text, values) => db.rawQuery(text, values) },
    backend: db.engine === 'pglite' ? 'pglite' : 'postgres',
    schedule: opts.schedule ?? false,
    supervise: true,
  });
  boss.on('error', () => {}); // a failed poll is retried by the next; handlers report their own failures
  await boss.start();
  for (const name of Object.values(QUEUE)) {
    // one queued and one active job per run (stately); a crashed worker's job comes back once
    // its heartbeat lapses
    await boss.createQueue(name, { policy: 'stately', retryLimit: 5, retryDelay: 30, retryBackoff: true, heartbeatSeconds: 30, expireInSeconds: 24 * 3600 });
  }
  return {
    async send(queue, job, startAfter) {
      await boss.send(queue, job as unknown as object, { singletonKey: job.runId, ...(startAfter ? { startAfter } : {}) });
    },
    async work(handlers, w = {}) {
      const pollingIntervalSeconds = w.pollSeconds ?? 2;
      const run = async <T>(fn: () => Promise<T>) => {
        try {
          return await fn();
        } catch (e) {
          // another process holds the run's lease: it is being worked, nothing to retry
          if (e instanceof AppError && e.code === 'CONFLICT') return null;
          throw e;
        }
      };
      await boss.work<RunJob>(QUEUE.enrich, { pollingIntervalSeconds }, async ([job]) => {
        const out = await run(() => handlers[QUEUE.enrich](job!.data));
        if (out?.resumeAt) await boss.send(QUEUE.enrich, job!.data as unknown as object, { singletonKey: job!.data.runId, startAfter: out.resumeAt });
      });
      await boss.work<RunJob>(QUEUE.pull, { pollingIntervalSeconds }, async ([job]) => run(() => handlers[QUEUE.pull](job!.data)));
      await boss.work<RunJob>(QUEUE.scan, { pollingIntervalSeconds }, async ([job]) => run(() => handlers[QUEUE.scan](job!.data)));
      await boss.work(QUEUE.drain, { pollingIntervalSeconds }, async () => handlers[QUEUE.drain]());
      await boss.work(QUEUE.housekeeping, { pollingIntervalSeconds }, async () => handlers[QUEUE.housekeeping]());
      await boss.work(QUEUE.sequenceTick, { pollingIntervalSeconds }, async () => {
        const { research } = await handlers[QUEUE.sequenceTick]();
        for (const job of research) await boss.send(QUEUE.enrich, job as unknown as object, { singletonKey: job.runId });
      });
      await boss.work(QUEUE.voiceTick, { pollingIntervalSeconds }, async () => handlers[QUEUE.voiceTick]());
      await boss.work(QUEUE.voiceMetrics, { pollingIntervalSeconds }, async () => handlers[QUEUE.voiceMetrics]());
      await boss.work(QUEUE.nudgePipeline, { pollingIntervalSeconds }, async () => handlers[QUEUE.nudgePipeline]());
      if (opts.schedule) {
        await boss.schedule(QUEUE.drain, '* * * * *');
        await boss.schedule(QUEUE.housekeeping, '*/15 * * * *');
        await boss.schedule(QUEUE.sequenceTick, '* * * * *');
        await boss.schedule(QUEUE.voiceTick, '* * * * *');
        await boss.schedule(QUEUE.voiceMetrics, '*/10 * * * *');
        await boss.schedule(QUEUE.nudgePipeline, '*/15 * * * *');
      }
    },
    async stop() {
      await boss.stop({ graceful: true, timeout: 10_000 });
    },
  };
}
