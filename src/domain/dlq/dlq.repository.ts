import { sql } from 'kysely';
import type { SpendStage } from '../../db/schema-enrichment.ts';
import type { Trx } from '../../db/tenant.ts';

// The dead-letter queue: work that failed (a page, a stage's call, a verification), kept with
// its payload and error until a retry succeeds. Each failure doubles the wait, from 1 minute
// up to 24 hours, with jitter (equal jitter: half the wait fixed, half random) so retries of a
// failed batch do not all hit the vendor at once. Past the organization's attempt limit an
// entry is parked: it waits for a person (`dlq retry`), not for the clock.

export interface DeadLetter {
  stage: SpendStage;
  itemKey: string;
  payload: Record<string, unknown>;
  error: string;
}

/** The wait before retry number `attempts` (1 = after the first failure), in SQL. */
const BACKOFF = (attempts: string) =>
  `least(interval '24 hours', interval '1 minute' * power(2, least(${attempts} - 1, 20))) * (0.5 + random() / 2)`;

export const dlqRepository = {
  /** Add failures, or count another attempt on entries already open for the same work. */
  async add(items: DeadLetter[], maxAttempts: number, trx: Trx) {
    if (items.length === 0) return;
    await sql`
      INSERT INTO dlq (organization_id, stage, item_key, payload, error, attempts, status, retry_after)
      SELECT app_org_id(), x.stage, x.key, x.payload, x.error, 1,
             CASE WHEN 1 >= ${maxAttempts} THEN 'parked' ELSE 'waiting' END,
             CASE WHEN 1 >= ${maxAttempts} THEN NULL ELSE now() + ${sql.raw(BACKOFF('1'))} END
      FROM unnest(${items.map((i) => i.stage)}::text[], ${items.map((i) => i.itemKey)}::text[],
                  ${items.map((i) => JSON.stringify(i.payload))}::jsonb[], ${items.map((i) => i.error.slice(0, 2000))}::text[]) AS x(stage, key, payload, error)
      ON CONFLICT (organization_id, item_key) WHERE status <> 'done' DO UPDATE SET
        attempts = dlq.attempts + 1, error = excluded.error, payload = excluded.payload,
        status = CASE WHEN dlq.attempts + 1 >= ${maxAttempts} THEN 'parked' ELSE 'waiting' END,
        retry_after = CASE WHEN dlq.attempts + 1 >= ${maxAttempts} THEN NULL ELSE now() + ${sql.raw(BACKOFF('(dlq.attempts + 1)'))} END`.execute(trx);
  },

  /** The work succeeded: its open entries are done. */
  async resolve(itemKeys: string[], trx: Trx) {
    if (itemKeys.length === 0) return;
    await sql`UPDATE dlq d SET status = 'done', retry_after = NULL FROM unnest(${itemKeys}::text[]) AS k(key)
              WHERE d.organization_id = app_org_id() AND d.item_key = k.key AND d.status <> 'done'`.execute(trx);
  },

  /** Entries due for a retry, oldest first, claimed by pushing their time out while they run. */
  async claimDue(limit: number, trx: Trx) {
    const r = await sql<{ id: string; stage: SpendStage; item_key: string; payload: Record<string, unknown>; attempts: number }>`
      WITH due AS (
        SELECT id FROM dlq WHERE status = 'waiting' AND retry_after <= now() ORDER BY retry_after LIMIT ${limit} FOR UPDATE SKIP LOCKED
      )
      UPDATE dlq d SET retry_after = now() + interval '10 minutes' FROM due WHERE d.id = due.id
      RETURNING d.id, d.stage, d.item_key, d.payload, d.attempts`.execute(trx);
    return r.rows;
  },

  /** Make entries due now (parked ones too): `dlq retry`. */
  async makeDue(filter: { id?: string; stage?: SpendStage }, trx: Trx) {
    const r = await sql`
      UPDATE dlq SET status = 'waiting', retry_after = now()
      WHERE status <> 'done' ${filter.id ? sql`AND id = ${filter.id}::uuid` : sql``} ${filter.stage ? sql`AND stage = ${filter.stage}` : sql``}`.execute(trx);
    return Number(r.numAffectedRows ?? 0);
  },

  async list(filter: { status?: string; stage?: SpendStage; limit: number }, trx: Trx) {
    let q = trx.selectFrom('dlq').selectAll();
    if (filter.status) q = q.where('status', '=', filter.status as never);
    if (filter.stage) q = q.where('stage', '=', filter.stage);
    return q.orderBy('created_at', 'desc').limit(filter.limit).execute();
  },

  async purge(filter: { status: 'done' | 'parked' | 'all' }, trx: Trx) {
    let q = trx.deleteFrom('dlq');
    if (filter.status !== 'all') q = q.where('status', '=', filter.status);
    return Number((await q.executeTakeFirst()).numDeletedRows);
  },
};
