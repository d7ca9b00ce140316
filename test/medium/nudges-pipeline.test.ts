import { Readable } from 'node:stream';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Actor } from '../../src/db/tenant.ts';
import { createLocalEmbeddings } from '../../src/providers/embeddings/local.ts';
import { unsupportedClaims } from '../../src/domain/nudges/drafts.ts';
import { matchingRepository } from '../../src/domain/nudges/matching.repository.ts';
import { detectVectorOps, vectorOps } from '../../src/domain/nudges/vectors.ts';
import { withTenant } from '../../src/db/tenant.ts';
import { createTestContext, type TestContext } from '../support/context.ts';
import { CLIENTS, listing, nudgeAgent } from '../support/nudges.ts';
import { outreachOrg, rows, TUESDAY_MORNING } from '../support/outreach.ts';

// Clients, MLS events and the pipeline: fan-out by market focus, matching by preferences and
// note similarity, drafts that state only the event's facts, and nothing twice.

let ctx: TestContext;
let actor: Actor;
let clients: Awaited<ReturnType<typeof nudgeAgent>>;
const byName = (name: string) => clients.find((c) => c.name === name)!.id;

beforeAll(async () => {
  ctx = await createTestContext({ now: () => TUESDAY_MORNING });
  actor = (await outreachOrg(ctx)).actor;
  clients = await nudgeAgent(ctx, actor);
});
afterAll(() => ctx.close());

const briefings = () => rows<{ id: string; market_event_id: string; campaign_type: string; original_draft: string; headline: string; key_intel: { facts: never }; draft_warnings: string[] }>(
  ctx, actor, sql`SELECT id, market_event_id, campaign_type, original_draft, headline, key_intel, draft_warnings FROM briefing ORDER BY created_at, id`);

describe('clients', () => {
  it('adds a client with a person, contact points and an embedded note; adding again changes nothing', async () => {
    const maria = clients[0]!;
    expect(maria).toMatchObject({ name: 'Maria Lopez', price_min: 350000, price_max: 500000, beds: 3, areas: ['78704'], embedded: true, created: true });
    expect(maria.contacts).toEqual([{ kind: 'email', display: expect.stringContaining('@example.com') }]);
    // "Wants a big backyard for the dogs, near good schools and parks."
    expect(maria.ai_tags).toEqual(['outdoor_space', 'pets', 'schools']);
    expect((await ctx.c.nudges.clients.list(actor, { tag: 'pets' })).data.map((c) => c.name)).toEqual(['Maria Lopez']);
    const again = await ctx.c.nudges.clients.add(actor, CLIENTS[0]);
    expect(again).toMatchObject({ id: maria.id, created: false });
  });

  it('imports a CSV: bad lines named with their field, good ones around them land, a second import changes nothing', async () => {
    const csv = [
      'name,email,phone,notes,tags,price_max,beds,areas,timeline',
      'Ann Ray,ann.ray@example.com,,Wants a pool,buyer;vip,400000,3,78704;78745,3_months',
      'No Contact,,,just notes,,,,,',
      'Bad Price,bad.price@example.com,,,,lots,,,',
      'Tom Fox,,512-555-0177,Condo near the lake,,,,austin,now',
    ].join('\n');
    const first = await ctx.c.nudges.clients.import(actor, Readable.from([csv]));
    expect(first).toMatchObject({ rows: 4, created: 2, rejected: 2, embedded: 2 });
    expect(first.errors).toEqual([
      { line: 3, field: 'email', message: 'a client needs an e-mail or a phone to be reached' },
      { line: 4, field: 'prefs.price_max', message: expect.stringMatching(/number/i) },
    ]);
    const second = await ctx.c.nudges.clients.import(actor, Readable.from([csv]));
    expect(second).toMatchObject({ created: 0, updated: 0, unchanged: 2, embedded: 0 });
    const list = await ctx.c.nudges.clients.list(actor, { tag: 'vip' });
    expect(list.data.map((c) => c.name)).toEqual(['Ann Ray']);
  });

  it('refuses a client with no way to reach them, or prices the wrong way round, naming the field', async () => {
    await expect(ctx.c.nudges.clients.add(actor, { name: 'X' })).rejects.toMatchObject({ code: 'VALIDATION', details: [{ field: 'email' }] });
    await expect(ctx.c.nudges.clients.add(actor, { name: 'X', email: 'x@example.com', prefs: { price_min: 5, price_max: 1 } }))
      .rejects.toMatchObject({ code: 'VALIDATION', details: [{ field: 'prefs.price_min' }] });
    await expect(ctx.c.nudges.clients.add(actor, { name: 'X', email: 'not-an-email' })).rejects.toMatchObject({ details: [{ field: 'email' }] });
  });
});

describe('MLS events', () => {
  it('stores each event once per (source, listing key, time, type), derives the type, and names bad records', async () => {
    const price = listing({ PreviousListPrice: 475000, PriceChangeTimestamp: '2026-03-09T18:00:00Z' });
    const body = { value: [listing(), price, listing({ StandardStatus: 'Closed', ClosePrice: 440000, CloseDate: '2026-03-08' }), { StandardStatus: 'Active' },
      listing({ StandardStatus: 'Hold' }), listing({ ListPrice: 'cheap' })] };
    const r = await ctx.c.nudges.mls.importBody(actor, body, null);
    expect(r).toMatchObject({ records: 6, inserted: 3, rejected: 3, by_type: { new_listing: 1, price_change: 1, sold: 1 } });
    expect(r.errors.map((e) => [e.line, e.field])).toEqual([[4, 'ListingKey'], [5, 'StandardStatus'], [6, 'ListPrice']]);
    const again = await ctx.c.nudges.mls.importBody(actor, { value: body.value.slice(0, 3) }, null);
    expect(again).toMatchObject({ inserted: 0, duplicates: 3 });
  });
});

describe('the pipeline', () => {
  it('fans events out to the users whose market covers them, matches clients with reasons, and drafts only the facts', async () => {
    const other = await ctx.newUser(actor.organizationId, 'agent');
    await ctx.c.nudges.inbox.settings(other.actor, { market_focus: ['78745'] });
    const run = await ctx.c.nudges.pipeline.run(actor);
    expect(run).toMatchObject({ status: 'completed', market_events_created: 3, events_processed: 3, errors: 0, user_count: 1 });
    const made = await briefings();
    expect(made.map((b) => b.campaign_type).sort()).toEqual(['new_listing', 'price_change', 'sold']);
    for (const b of made) {
      expect(b.draft_warnings).toEqual([]);
      expect(unsupportedClaims(b.original_draft, b.key_intel.facts)).toEqual([]);
      expect(b.original_draft).toContain('{first_name}');
    }
    const newListing = made.find((b) => b.campaign_type === 'new_listing')!;
    expect(newListing.headline).toMatch(/^New listing: \d+ Bouldin Ave, Austin · 3 bd \/ 2 ba · \$450,000$/);
    const shown = await ctx.c.nudges.inbox.show(actor, newListing.id);
    const names = shown.audience.map((a) => a.name);
    // Maria meets price, beds and area; Jo and Lee have no price bounds: Lee's area matches, Jo's notes are alike;
    // Sam wants condos, Ola's budget is too small, Ann wants 78704 under 400k
    expect(names.slice(0, 1)).toEqual(['Maria Lopez']);
    expect(names).toEqual(expect.arrayContaining(['Maria Lopez', 'Jo Park', 'Lee Wu']));
    expect(names).not.toContain('Sam Chen');
    expect(names).not.toContain('Ola Berg');
    const maria = shown.audience[0]!;
    expect(maria.filters_met).toEqual(['price', 'beds', 'area']);
    // the client's own words, as the person approving reads them, not the vector's tokens
    expect(maria.shared_terms).toEqual(expect.arrayContaining(['backyard', 'schools', 'parks']));
    const jo = shown.audience.find((a) => a.name === 'Jo Park')!;
    expect(jo.filters_met).toEqual([]);
    expect(jo.similarity).toBeGreaterThanOrEqual(0.2);
    // a sale nearby goes to the clients whose areas hold it (its ZIP, or Austin), not to every buyer
    const sold = await ctx.c.nudges.inbox.show(actor, made.find((b) => b.campaign_type === 'sold')!.id);
    expect(sold.audience.map((a) => a.name).sort()).toEqual(['Ann Ray', 'Lee Wu', 'Maria Lopez', 'Sam Chen', 'Tom Fox']);
    expect(sold.audience.every((a) => a.filters_met.join() === 'area')).toBe(true);
    expect(sold.original_draft).toMatch(/just sold for \$440,000/);
  });

  it('runs again with nothing new: no market event, briefing or recipient twice', async () => {
    const count = async () => (await rows<{ m: number; b: number; r: number }>(ctx, actor, sql`SELECT (SELECT count(*)::int FROM market_event) AS m,
      (SELECT count(*)::int FROM briefing) AS b, (SELECT count(*)::int FROM briefing_recipient) AS r`))[0];
    const before = await count();
    const run = await ctx.c.nudges.pipeline.run(actor);
    expect(run).toMatchObject({ status: 'completed', market_events_created: 0, events_processed: 0, briefings_created: 0 });
    expect(await count()).toEqual(before);
    const runs = await ctx.c.nudges.pipeline.runs(actor);
    expect(runs.map((r) => r.status)).toEqual(['completed', 'completed']);
  });

  it('leaves out a client who opted out, and one who dismissed something alike', async () => {
    await ctx.c.dnc.add(actor, { email: 'lee.wu@example.com', reason: 'asked' });
    const first = (await briefings()).find((b) => b.campaign_type === 'new_listing')!;
    await ctx.c.nudges.inbox.dismiss(actor, first.id, { client_id: byName('Jo Park'), reason: 'not for her' });
    await ctx.c.nudges.mls.importBody(actor, { value: [listing({ ListPrice: 425000 })] }, null);
    await ctx.c.nudges.pipeline.run(actor);
    const latest = (await briefings()).at(-1)!;
    const names = (await ctx.c.nudges.inbox.show(actor, latest.id)).audience.map((a) => a.name);
    expect(names).toContain('Maria Lopez');
    expect(names).not.toContain('Lee Wu');
    expect(names).not.toContain('Jo Park');
    const jo = await ctx.c.nudges.clients.show(actor, byName('Jo Park'));
    expect(jo).toMatchObject({ dismissed: 1, nudges: expect.arrayContaining([expect.objectContaining({ briefing_id: first.id, removed: true, status: 'DRAFT' })]) });
  });

  it('refuses a second run while one is in progress, and takes over one whose heartbeat stopped', async () => {
    await rows(ctx, actor, sql`INSERT INTO pipeline_run (organization_id, heartbeat_at) VALUES (app_org_id(), now())`);
    await expect(ctx.c.nudges.pipeline.run(actor)).rejects.toMatchObject({ code: 'CONFLICT' });
    await rows(ctx, actor, sql`UPDATE pipeline_run SET heartbeat_at = now() - interval '5 minutes' WHERE status = 'running'`);
    expect(await ctx.c.nudges.pipeline.run(actor)).toMatchObject({ status: 'completed' });
    expect((await ctx.c.nudges.pipeline.runs(actor)).find((r) => r.status === 'failed')!.error_details).toEqual([expect.objectContaining({ error: expect.stringMatching(/taken over/) })]);
  });
});

describe('similarity search', () => {
  it('ranks clients the same by the exact scan and, where pgvector is installed, by its index', async () => {
    const [q] = await createLocalEmbeddings().embed(['backyard near good schools and parks']);
    const exact = await withTenant(ctx.c.db, actor, (trx) => matchingRepository.nearest(q!, 5, vectorOps('exact'), 'local:hash-v1:256', trx));
    expect(exact.map((r) => r.client_id).slice(0, 2).sort()).toEqual([byName('Jo Park'), byName('Maria Lopez')].sort());
    const ops = await detectVectorOps(ctx.c.db);
    if (ctx.c.db.engine === 'pglite') expect(ops.mode).toBe('pgvector');
    const indexed = await withTenant(ctx.c.db, actor, (trx) => matchingRepository.nearest(q!, 5, ops, 'local:hash-v1:256', trx));
    expect(indexed.map((r) => r.client_id)).toEqual(exact.map((r) => r.client_id));
    indexed.forEach((r, i) => expect(r.similarity).toBeCloseTo(exact[i]!.similarity, 5));
  });
});

describe('drafting with an OpenAI-compatible model', () => {
  it('records the adapter, model and prompt version, and flags a number the event does not hold', async () => {
    const http = await import('node:http');
    const server = http.createServer((req, res) => {
      req.resume().on('end', () => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ choices: [{ index: 0, message: { role: 'assistant', content: '{first_name}, $20,000 under market at 3 beds! Tour?' } }] }));
      });
    });
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    const url = `http://127.0.0.1:${(server.address() as import('node:net').AddressInfo).port}`;
    const t = await createTestContext({ now: () => TUESDAY_MORNING, env: { PORCHLIGHT_LLM_ADAPTER: 'openai', OPENAI_BASE_URL: url, PORCHLIGHT_LLM_MODEL: 'gpt-4o-mini' } });
    try {
      const a = (await outreachOrg(t)).actor;
      await nudgeAgent(t, a);
      await t.c.nudges.mls.importBody(a, { value: [listing()] }, null);
      await t.c.nudges.pipeline.run(a);
      const [b] = await rows<{ draft_adapter: string; draft_model: string; prompt_version: string; draft_warnings: string[]; original_draft: string }>(t, a,
        sql`SELECT draft_adapter, draft_model, prompt_version, draft_warnings, original_draft FROM briefing`);
      expect(b).toEqual({ draft_adapter: 'openai', draft_model: 'gpt-4o-mini', prompt_version: 'nudge-draft-v1', draft_warnings: ['$20,000'], original_draft: '{first_name}, $20,000 under market at 3 beds! Tour?' });
    } finally {
      await t.close();
      server.close();
    }
  });
});
