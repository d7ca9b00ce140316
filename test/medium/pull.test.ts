import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withTenant, type Actor } from '../../src/db/tenant.ts';
import { canonicalQuery, PropertyQuerySchema, querySignature } from '../../src/domain/pulls/query.ts';
import { createLocalPropertySearch } from '../../src/providers/local.ts';
import { ProviderError, type PropertySearchPort } from '../../src/providers/ports.ts';
import { createTestContext, type TestContext } from '../support/context.ts';

// Pulling a vendor's list: every record upserted through the import path, a stop at the first
// known record, a bookmark that moves only with committed pages, and resume after a failure.

let ctx: TestContext;
// the vendor's list grows between pulls; a page can be made to fail once
let size = 230;
let failOnPage: number | null = null;
let calls = 0;
const search: PropertySearchPort = {
  port: 'property_search',
  provider: 'local',
  async search(query, page, pageSize) {
    calls += 1;
    if (page === failOnPage) {
      failOnPage = null;
      throw new ProviderError('local', 'server', 'HTTP 500', { status: 500 });
    }
    return createLocalPropertySearch({ recordsPerArea: size, pricePerRecordCents: 1 }).search(query, page, pageSize);
  },
};

beforeAll(async () => {
  ctx = await createTestContext({ providers: { property_search: { local: { configured: () => true, factory: () => search } } } });
});
afterAll(async () => ctx.close());

const q = async <T>(actor: Actor, query: string) => withTenant(ctx.c.db, actor, async (trx) => (await sql.raw<T>(query).execute(trx)).rows);
const one = async <T>(actor: Actor, query: string) => (await q<T>(actor, query))[0]!;

describe('vendor pulls', () => {
  it('pages through the search, lands every record once, and stops at the first page with a record seen before', async () => {
    const { actor } = await ctx.newOrganization();
    size = 230;
    const query = { zip_codes: ['90028'] };
    const first = await ctx.c.pulls.pull(actor, { source: 'local', query, page_size: 50 });
    expect(first.run).toMatchObject({ status: 'completed', stop_reason: 'end_of_results', pages_fetched: 5, records: 230, new_records: 230, known_records: 0, cost_cents: 230 });
    const leads = await one<{ n: number; vendor: number }>(actor, `SELECT count(*)::int AS n, count(DISTINCT vendor_record_id)::int AS vendor FROM lead WHERE source = 'local'`);
    expect(leads).toEqual({ n: 230, vendor: 230 });
    const ledger = await q<{ status: string; cost_cents: number }>(actor, `SELECT status, cost_cents FROM cost_ledger WHERE stage = 'pull' ORDER BY created_at`);
    expect(ledger.map((l) => l.status)).toEqual(['charged', 'charged', 'charged', 'charged', 'charged']);
    expect(ledger.reduce((n, l) => n + l.cost_cents, 0)).toBe(230);
    const bookmark = await one<{ last_page_fetched: number }>(actor, `SELECT last_page_fetched FROM source_bookmark`);
    expect(bookmark.last_page_fetched).toBe(5);

    // the list grows by 15 newest-first records: the next pull takes page 1 and stops there
    size = 245;
    const second = await ctx.c.pulls.pull(actor, { source: 'local', query: { zip_codes: ['90028-1234'], sort: 'created_desc' }, page_size: 50 });
    expect(second.run).toMatchObject({ status: 'completed', stop_reason: 'known_record', pages_fetched: 1, records: 50, new_records: 15, known_records: 35 });
    expect((await one<{ n: number }>(actor, `SELECT count(*)::int AS n FROM lead WHERE source = 'local'`)).n).toBe(245);
    const events = await one<{ n: number }>(actor, `SELECT count(*)::int AS n FROM lead_source_event`);
    expect(events.n).toBe(6);
    // the merge is the import's: one parcel and one owner per record, with its facts
    const facts = await one<{ props: number; with_value: number }>(actor,
      `SELECT count(*)::int AS props, count(*) FILTER (WHERE estimated_value_cents > 0)::int AS with_value FROM property`);
    expect(facts).toEqual({ props: 245, with_value: 245 });
  });

  it('names the same query written another way with the same signature', () => {
    const sig = (x: unknown) => querySignature(canonicalQuery(PropertyQuerySchema.parse(x))).toString('hex');
    const a = sig({ zip_codes: ['90038', '90028'], filters: { owner_occupied: true, property_type: 'single_family' } });
    const b = sig({ filters: { property_type: 'single_family', owner_occupied: true }, zip_codes: [' 90028-0001', '90038', '90028'], sort: 'created_desc' });
    expect(a).toBe(b);
    expect(sig({ zip_codes: ['90028'], sort: 'price_asc' })).not.toBe(sig({ zip_codes: ['90028'] }));
  });

  it('after a failed page: the page waits in the dead-letter queue, a plain pull refuses, --resume continues from the bookmark', async () => {
    const { actor } = await ctx.newOrganization();
    size = 120;
    failOnPage = 3;
    const query = { zip_codes: ['73301'] };
    await expect(ctx.c.pulls.pull(actor, { source: 'local', query, page_size: 25 })).rejects.toMatchObject({ code: 'PROVIDER_FAILED' });
    const failed = await one<{ status: string; pages_fetched: number }>(actor, `SELECT status, pages_fetched FROM pull_run`);
    expect(failed).toEqual({ status: 'failed', pages_fetched: 2 });
    const dead = await one<{ stage: string; attempts: number; status: string; wait: number }>(actor,
      `SELECT stage, attempts, status, extract(epoch FROM retry_after - now())::int AS wait FROM dlq`);
    expect(dead).toMatchObject({ stage: 'pull', attempts: 1, status: 'waiting' });
    expect(dead.wait).toBeGreaterThanOrEqual(25); // 1 minute, half of it jitter
    expect(dead.wait).toBeLessThanOrEqual(60);
    expect((await one<{ bookmark: number }>(actor, `SELECT last_page_fetched AS bookmark FROM source_bookmark`)).bookmark).toBe(2);

    await expect(ctx.c.pulls.pull(actor, { source: 'local', query, page_size: 25 })).rejects.toMatchObject({ code: 'CONFLICT', message: expect.stringContaining('--resume') });
    const resumed = await ctx.c.pulls.pull(actor, { source: 'local', query, page_size: 25, resume: true });
    expect(resumed.resumed).toBe(true);
    expect(resumed.run).toMatchObject({ status: 'completed', pages_fetched: 5, records: 120, new_records: 120 });
    expect((await one<{ n: number }>(actor, `SELECT count(*)::int AS n FROM lead`)).n).toBe(120);
    // one ledger row per call made: the failed call is void (not billed), the retry charged
    const page3 = await q<{ status: string; cost_cents: number }>(actor, `SELECT status, cost_cents FROM cost_ledger WHERE idempotency_key LIKE 'pull:%:3:%' ORDER BY idempotency_key`);
    expect(page3).toEqual([{ status: 'void', cost_cents: 0 }, { status: 'charged', cost_cents: 25 }]);
    expect((await one<{ status: string }>(actor, `SELECT status FROM dlq`)).status).toBe('done');
  });

  it('refuses bad queries and unknown sources with the field named', async () => {
    const { actor } = await ctx.newOrganization();
    await expect(ctx.c.pulls.pull(actor, { source: 'local', query: {} })).rejects.toMatchObject({ code: 'VALIDATION', message: expect.stringContaining('zip_codes or an area') });
    await expect(ctx.c.pulls.pull(actor, { source: 'local', query: { zip_codes: ['9002'] } })).rejects.toMatchObject({ code: 'VALIDATION', message: expect.stringContaining('query.zip_codes.0') });
    await expect(ctx.c.pulls.pull(actor, { source: 'nosuch', query: { zip_codes: ['90028'] } })).rejects.toMatchObject({ code: 'VALIDATION', message: expect.stringContaining('no property_search adapter named "nosuch"') });
    await expect(ctx.c.pulls.pull(actor, { source: 'local', query: { zip_codes: ['90028'], colour: 'red' } })).rejects.toMatchObject({ code: 'VALIDATION' });
    expect((await one<{ n: number }>(actor, `SELECT count(*)::int AS n FROM pull_run`)).n).toBe(0);
  });
});
