import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Actor } from '../../src/db/tenant.ts';
import { createPipeline } from '../../src/domain/nudges/pipeline.service.ts';
import { createLocalEmbeddings } from '../../src/providers/embeddings/local.ts';
import { localDraft } from '../../src/providers/llm/local.ts';
import type { LlmPort } from '../../src/providers/llm/ports.ts';
import { createTestContext, type TestContext } from '../support/context.ts';
import { listing, nudgeAgent } from '../support/nudges.ts';
import { outreachOrg, rows, TUESDAY_MORNING } from '../support/outreach.ts';

// The pipeline when the model fails or the run is slow: a draft that failed is tried again by a
// later run once its wait is over (each wait twice the one before) and, after the fifth failure,
// stays an error that `pipeline runs` shows; a run beats while it drafts, and one that was taken
// over stops instead of drafting what its successor drafts.

let clock = TUESDAY_MORNING;
let ctx: TestContext;
let actor: Actor;
const model = { down: false, calls: 0, onCall: async () => {} };
const llm: LlmPort = {
  name: 'flaky', model: 'flaky-1',
  draft: async (req) => {
    model.calls++;
    await model.onCall();
    if (model.down) throw new Error('503 Service Unavailable: the model is overloaded');
    return localDraft(req);
  },
};
let pipeline: ReturnType<typeof createPipeline>;

beforeAll(async () => {
  ctx = await createTestContext({ now: () => clock });
  actor = (await outreachOrg(ctx)).actor;
  await nudgeAgent(ctx, actor);
  pipeline = createPipeline({
    db: ctx.c.db, embeddings: createLocalEmbeddings(), llm, clients: ctx.c.nudges.clients, vectors: ctx.c.nudges.vectors, failpoint: () => {}, now: () => clock,
  });
});
afterAll(() => ctx.close());

const minutes = (n: number) => (clock = new Date(clock.getTime() + n * 60_000));
const event = async (mlsKey: string) => (await rows<{ status: string; attempts: number; retry_at: Date | null; error: string | null }>(ctx, actor,
  sql`SELECT me.status, me.attempts, me.retry_at, me.error FROM market_event me JOIN mls_event e ON e.id = me.mls_event_id WHERE e.listing_key = ${mlsKey}`))[0]!;
async function newListing() {
  const l = listing({}, new Date(clock.getTime() - 3_600_000));
  await ctx.c.nudges.mls.importBody(actor, { value: [l] }, null);
  return l.ListingKey;
}

describe('a draft the model failed', () => {
  it('is tried again once its wait is over, and drafted when the model is back', async () => {
    const key = await newListing();
    model.down = true;
    const failed = await pipeline.run(actor);
    expect(failed).toMatchObject({ status: 'completed', events_processed: 1, briefings_created: 0, errors: 1 });
    expect(failed.error_details).toEqual([{ market_event_id: expect.any(String), error: expect.stringContaining('503'), attempt: 1, retry_at: new Date(clock.getTime() + 5 * 60_000).toISOString() }]);
    expect(await event(key)).toMatchObject({ status: 'error', attempts: 1, retry_at: new Date(clock.getTime() + 5 * 60_000) });

    // not before its time
    model.down = false;
    expect(await pipeline.run(actor)).toMatchObject({ events_processed: 0, briefings_created: 0 });
    minutes(5);
    expect(await pipeline.run(actor)).toMatchObject({ events_processed: 1, briefings_created: 1, errors: 0 });
    expect(await event(key)).toEqual({ status: 'processed', attempts: 2, retry_at: null, error: null });
    expect(await pipeline.run(actor)).toMatchObject({ events_processed: 0 });
  });

  it('stays an error after the fifth try, with its error in the runs', async () => {
    const key = await newListing();
    model.down = true;
    const waits: number[] = [];
    for (let attempt = 1; attempt <= 5; attempt++) {
      const run = await pipeline.run(actor);
      expect(run).toMatchObject({ events_processed: 1, errors: 1 });
      const e = await event(key);
      expect(e).toMatchObject({ status: 'error', attempts: attempt, error: expect.stringContaining('503') });
      if (e.retry_at) {
        waits.push((e.retry_at.getTime() - clock.getTime()) / 60_000);
        clock = e.retry_at;
      }
    }
    expect(waits).toEqual([5, 10, 20, 40]);
    expect(await event(key)).toMatchObject({ retry_at: null });
    const [last] = await pipeline.runs(actor, 1);
    expect(last!.error_details).toEqual([expect.objectContaining({ error: expect.stringContaining('503'), attempt: 5, gave_up: true })]);
    // the model back, a day later: given up is given up
    model.down = false;
    minutes(24 * 60);
    expect(await pipeline.run(actor)).toMatchObject({ events_processed: 0 });
    expect(await event(key)).toMatchObject({ status: 'error', attempts: 5 });
  });
});

describe('a slow run', () => {
  it('beats between drafts, and stops once it finds it was taken over, leaving the rest to its successor', async () => {
    const keys = [await newListing(), await newListing(), await newListing()];
    model.calls = 0;
    // while the first draft is written the run is declared dead (its heartbeat was late) and another starts
    model.onCall = async () => {
      if (model.calls === 1) await rows(ctx, actor, sql`UPDATE pipeline_run SET status = 'failed', completed_at = now() WHERE status = 'running'`);
    };
    await expect(pipeline.run(actor, { heartbeatMs: 0 })).rejects.toMatchObject({ code: 'CONFLICT', message: expect.stringMatching(/taken over/) });
    model.onCall = async () => {};
    expect(model.calls).toBe(1);
    expect((await Promise.all(keys.map(event))).map((e) => e.status)).toEqual(['unprocessed', 'unprocessed', 'unprocessed']);
    expect(await pipeline.run(actor)).toMatchObject({ status: 'completed', events_processed: 3, briefings_created: 3 });
  });
});
