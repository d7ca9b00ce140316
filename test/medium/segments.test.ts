import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withOwner, withTenant, type Actor } from '../../src/db/tenant.ts';
import { filterConditions } from '../../src/domain/leads/leads.repository.ts';
import { segmentConditions } from '../../src/domain/segments/compile-segment.ts';
import { parseSegmentFilter } from '../../src/domain/segments/segment-filter.ts';
import { SELECTABLE_LEADS } from '../../src/domain/segments/segments.repository.ts';
import { createTestContext, type TestContext } from '../support/context.ts';

// Segments: the filter language validated (unknown fields and operators named), compiled to
// parameterized SQL that selects what it says, saved with a refreshed count, and reused by
// `score --segment`.

let ctx: TestContext;
let org: Awaited<ReturnType<TestContext['newOrganization']>>;
let agent: Awaited<ReturnType<TestContext['newUser']>>;
const L: Record<string, string> = {};

beforeAll(async () => {
  ctx = await createTestContext();
  org = await ctx.newOrganization();
  agent = await ctx.newUser(org.org.id, 'agent');
  const make = async (name: string, f: Parameters<TestContext['newLead']>[1], property: Record<string, unknown>, lead: Record<string, unknown> = {}) => {
    const l = await ctx.newLead(org.org.id, f);
    L[name] = l.id;
    await withOwner(ctx.c.db, 'test', async (trx) => {
      if (Object.keys(property).length) await trx.updateTable('property').set(property as never).where('id', '=', l.property_id).execute();
      if (Object.keys(lead).length) await trx.updateTable('lead').set(lead as never).where('id', '=', l.id).execute();
    });
    return l;
  };
  // Austin downtown, hot, verified phone
  const a = await make('hotAustin', { status: 'new', lead_score: 85, tags: ['probate', 'absentee'], zip: '78701' },
    { latitude: 30.2672, longitude: -97.7431, year_built: 1975, is_vacant: true, estimated_value_cents: 30_000_000, equity_percent: 60, roof_age_years: 22, property_type: 'Single Family' },
    { tier: 'hot', temperature: 'hot', source: 'csv', quality_score: 70, created_at: new Date('2024-03-01T12:00:00Z') });
  await withOwner(ctx.c.db, 'test', (trx) => trx.updateTable('contact_point').set({ verified: true }).where('person_id', '=', a.person_id).where('kind', '=', 'phone').execute());
  // Round Rock, ~18 miles north: warm, assigned to the agent, verified email on the DNC list
  const b = await make('warmRoundRock', { status: 'contacted', lead_score: 65, tags: ['absentee'], zip: '78664', assignee_id: agent.user.id },
    { latitude: 30.5083, longitude: -97.6789, city: 'ROUND ROCK', year_built: 2005, is_vacant: false, owner_occupied: true, property_type: 'condo' },
    { tier: 'warm', temperature: 'warm', source: 'vendor', created_at: new Date('2024-06-15T12:00:00Z'), last_contacted_at: new Date() });
  await withOwner(ctx.c.db, 'test', (trx) => trx.updateTable('contact_point').set({ verified: true, dnc: true }).where('person_id', '=', b.person_id).execute());
  // Dallas, cold, no score, no coordinates
  await make('coldDallas', { status: 'closed_lost', tags: [], zip: '75201' },
    { city: 'DALLAS', is_probate: true, owner_occupied: false },
    { tier: 'cold', source: 'csv', created_at: new Date('2023-01-10T12:00:00Z') });
  // a deleted lead that matches everything loose: never selected
  await make('deleted', { lead_score: 90, zip: '78701' }, {}, { deleted_at: new Date() });
});
afterAll(async () => ctx.close());

const selected = async (filter: unknown, actor: Actor = org.actor) => {
  const where = [...filterConditions({}), ...segmentConditions(parseSegmentFilter(filter))];
  const r = await withTenant(ctx.c.db, actor, (trx) => sql<{ id: string }>`SELECT l.id FROM ${SELECTABLE_LEADS} WHERE ${sql.join(where, sql` AND `)}`.execute(trx));
  const names = Object.fromEntries(Object.entries(L).map(([k, v]) => [v, k]));
  return r.rows.map((x) => names[x.id] ?? x.id).sort();
};

describe('the filter language', () => {
  it('selects by status, tier, temperature, source and score ranges', async () => {
    expect(await selected({})).toEqual(['coldDallas', 'hotAustin', 'warmRoundRock']);
    expect(await selected({ status: ['new', 'contacted'] })).toEqual(['hotAustin', 'warmRoundRock']);
    expect(await selected({ status: 'closed_lost' })).toEqual(['coldDallas']);
    expect(await selected({ tier: { not_in: ['hot'] } })).toEqual(['coldDallas', 'warmRoundRock']);
    expect(await selected({ temperature: { not_in: ['hot'] } })).toEqual(['coldDallas', 'warmRoundRock']); // no temperature is "not hot"
    expect(await selected({ source: ['csv'] })).toEqual(['coldDallas', 'hotAustin']);
    expect(await selected({ lead_score: { min: 65, max: 85 } })).toEqual(['hotAustin', 'warmRoundRock']);
    expect(await selected({ lead_score: { min: 66 } })).toEqual(['hotAustin']);
    expect(await selected({ lead_score: { known: false } })).toEqual(['coldDallas']);
    expect(await selected({ quality_score: { min: 50 } })).toEqual(['hotAustin']);
  });

  it('selects by tags (any, all, none), place (ZIP, city whatever its case, state) and assignee', async () => {
    expect(await selected({ tags: { any: ['probate', 'nothing'] } })).toEqual(['hotAustin']);
    expect(await selected({ tags: { all: ['probate', 'absentee'] } })).toEqual(['hotAustin']);
    expect(await selected({ tags: { all: ['absentee'] } })).toEqual(['hotAustin', 'warmRoundRock']);
    expect(await selected({ tags: { none: ['probate'] } })).toEqual(['coldDallas', 'warmRoundRock']);
    expect(await selected({ zip: ['78701', '75201'] })).toEqual(['coldDallas', 'hotAustin']);
    expect(await selected({ city: ['austin', 'Round Rock'] })).toEqual(['hotAustin', 'warmRoundRock']);
    expect(await selected({ city: ['  round   rock '] })).toEqual(['warmRoundRock']); // as parcels keep it
    expect(await selected({ state: ['tx'] })).toEqual(['coldDallas', 'hotAustin', 'warmRoundRock']);
    expect(await selected({ assignee: 'none' })).toEqual(['coldDallas', 'hotAustin']);
    expect(await selected({ assignee: 'any' })).toEqual(['warmRoundRock']);
    expect(await selected({ assignee: agent.user.id })).toEqual(['warmRoundRock']);
    expect(await selected({ assignee: { in: [agent.user.id, 'none'] } })).toHaveLength(3);
  });

  it('selects by dates, property facts, verified contact points and distance', async () => {
    expect(await selected({ created_at: { after: '2024-01-01' } })).toEqual(['hotAustin', 'warmRoundRock']);
    expect(await selected({ created_at: { after: '2024-01-01', before: '2024-03-01T12:00:00Z' } })).toEqual([]);
    expect(await selected({ created_at: { before: '2024-03-01T12:00:01Z' } })).toEqual(['coldDallas', 'hotAustin']);
    expect(await selected({ last_contacted_at: { within_days: 7 } })).toEqual(['warmRoundRock']);
    expect(await selected({ last_contacted_at: { known: false } })).toEqual(['coldDallas', 'hotAustin']);
    expect(await selected({ year_built: { max: 1990 }, is_vacant: true, estimated_value_cents: { min: 25_000_000 }, equity_percent: { min: 50 } })).toEqual(['hotAustin']);
    expect(await selected({ roof_age_years: { min: 20 } })).toEqual(['hotAustin']);
    expect(await selected({ is_probate: true })).toEqual(['coldDallas']);
    expect(await selected({ owner_occupied: false })).toEqual(['coldDallas']); // unknown is neither
    expect(await selected({ property_type: ['single family', 'CONDO'] })).toEqual(['hotAustin', 'warmRoundRock']);
    // verified and callable: the Round Rock owner's verified points are on the DNC list
    expect(await selected({ has_verified_phone: true })).toEqual(['hotAustin']);
    expect(await selected({ has_verified_email: true })).toEqual([]);
    expect(await selected({ has_verified_phone: false })).toEqual(['coldDallas', 'warmRoundRock']);
    // Round Rock is ~17 miles from downtown Austin; Dallas has no coordinates
    expect(await selected({ near: { lat: 30.2672, lon: -97.7431, miles: 5 } })).toEqual(['hotAustin']);
    expect(await selected({ near: { lat: 30.2672, lon: -97.7431, miles: 20 } })).toEqual(['hotAustin', 'warmRoundRock']);
    expect(await selected({ near: { lat: 30.2672, lon: -97.7431, miles: 16 } })).toEqual(['hotAustin']);
  });

  it('combines filters with all, any and not, nested', async () => {
    expect(await selected({ any: [{ zip: ['75201'] }, { tier: ['hot'] }] })).toEqual(['coldDallas', 'hotAustin']);
    expect(await selected({ all: [{ tags: { any: ['absentee'] } }, { any: [{ lead_score: { min: 80 } }, { assignee: 'any' }] }] })).toEqual(['hotAustin', 'warmRoundRock']);
    expect(await selected({ not: { zip: ['78701'] } })).toEqual(['coldDallas', 'warmRoundRock']);
    expect(await selected({ source: ['csv'], any: [{ lead_score: { known: false } }, { status: ['new'] }] })).toEqual(['coldDallas', 'hotAustin']);
  });

  it('names an unknown field, an unknown operator and a wrong value type in a VALIDATION error', async () => {
    const bad = (f: unknown) => { try { parseSegmentFilter(f); } catch (e) { return e as { code: string; message: string; details: { field: string; message: string }[] }; } throw new Error('accepted'); };
    expect(bad({ colour: ['red'] })).toMatchObject({ code: 'VALIDATION', details: [{ field: 'filter.colour', message: expect.stringContaining('unknown field "colour"') }] });
    expect(bad({ lead_score: { gte: 5 } })).toMatchObject({ code: 'VALIDATION', details: [{ field: 'filter.lead_score.gte', message: expect.stringMatching(/unknown operator "gte" for lead_score.*min, max/) }] });
    expect(bad({ tags: { some: ['x'] } }).message).toContain('unknown operator "some" for tags');
    expect(bad({ any: [{ zip: ['78701'] }, { zipcode: ['78701'] }] }).details[0]!.field).toBe('filter.any.1.zipcode');
    expect(bad({ not: { flavour: 1 } }).message).toContain('unknown field "flavour"');
    expect(bad({ lead_score: { min: 'high' } }).details[0]).toMatchObject({ field: 'filter.lead_score.min', message: expect.stringContaining('number') });
    expect(bad({ is_vacant: 'yes' }).details[0]!.field).toBe('filter.is_vacant');
    expect(bad({ status: ['bogus'] }).details[0]!.field).toBe('filter.status.in.0');
    expect(bad({ zip: ['787'] }).message).toContain('5-digit ZIP');
    expect(bad({ created_at: { after: 'last tuesday' } }).message).toContain('ISO date');
    expect(bad({ created_at: { after: '2024-02-30' } }).message).toContain('ISO date'); // no such day
    expect(bad({ created_at: { after: '2024-03-01', before: '2024-01-01' } }).message).toContain('after is later than before');
    expect(bad({ lead_score: { min: 90, max: 10 } }).message).toContain('min is above max');
    expect(bad({ near: { lat: 30, lon: -97 } }).details[0]!.field).toBe('filter.near.miles');
    expect(bad({ assignee: 'somebody' }).details[0]!.field).toMatch(/^filter\.assignee/);
    expect(bad({ lead_score: {} }).message).toContain('at least one of min, max, known');
    expect(bad(['status']).message).toContain('a JSON object');
    expect(bad({ all: [{ all: [{ all: [{ all: [{ all: [{ status: 'new' }] }] }] }] }] }).message).toContain('levels deep');
  });

  it('keeps values out of the SQL text: a hostile value is a parameter and matches nothing', async () => {
    const evil = "x'; DROP TABLE lead; --";
    const filter = parseSegmentFilter({ source: [evil], city: [evil], tags: { any: [evil] }, subdivision: { not_in: [evil] } });
    const compiled = sql.join(segmentConditions(filter), sql` AND `).compile(ctx.c.db.kysely);
    expect(compiled.sql).not.toContain('DROP');
    expect(compiled.parameters.flat()).toContain(evil);
    expect(await selected({ source: [evil] })).toEqual([]);
    const s = await ctx.c.segments.create(org.actor, { name: evil, filter: { city: [evil] } });
    expect(s).toMatchObject({ name: evil, lead_count: 0 });
    expect(await selected({})).toHaveLength(3); // the lead table is still there
  });
});

describe('saved segments', () => {
  it('are created with a count, listed, shown by name or id, recounted and deleted', async () => {
    const s = await ctx.c.segments.create(org.actor, { name: 'Hot Austin', description: 'call first', filter: { city: 'Austin', lead_score: { min: 70 } } });
    expect(s).toMatchObject({ name: 'Hot Austin', description: 'call first', lead_count: 1, filter: { city: { in: ['AUSTIN'] }, lead_score: { min: 70 } } });
    expect(s.counted_at).toBeInstanceOf(Date);
    expect((await ctx.c.segments.show(org.actor, 'hot austin')).id).toBe(s.id);
    expect((await ctx.c.segments.show(org.actor, s.id)).name).toBe('Hot Austin');
    expect((await ctx.c.segments.list(org.actor)).map((x) => x.name)).toContain('Hot Austin');

    // a new lead in the segment shows up when it is counted again
    const more = await ctx.newLead(org.org.id, { lead_score: 75, zip: '78702' });
    expect((await ctx.c.segments.show(org.actor, s.id)).lead_count).toBe(1);
    expect((await ctx.c.segments.count(org.actor, 'Hot Austin')).lead_count).toBe(2);
    await withOwner(ctx.c.db, 'test', (trx) => trx.updateTable('lead').set({ deleted_at: new Date() }).where('id', '=', more.id).execute());

    expect(await ctx.c.segments.remove(org.actor, 'HOT AUSTIN')).toMatchObject({ id: s.id, deleted: true });
    await expect(ctx.c.segments.show(org.actor, 'Hot Austin')).rejects.toMatchObject({ code: 'NOT_FOUND', message: expect.stringContaining('segment Hot Austin was not found') });
  });

  it('refuse a duplicate name whatever its case, a bad filter, a missing segment and an agent defining one', async () => {
    await ctx.c.segments.create(org.actor, { name: 'Probate', filter: { is_probate: true } });
    await expect(ctx.c.segments.create(org.actor, { name: 'PROBATE', filter: {} })).rejects.toMatchObject({ code: 'CONFLICT', message: 'a segment named "PROBATE" already exists' });
    await expect(ctx.c.segments.create(org.actor, { name: 'Bad', filter: { colour: 'red' } })).rejects.toMatchObject({ code: 'VALIDATION', details: [{ field: 'filter.colour' }] });
    await expect(ctx.c.segments.create(org.actor, { name: '', filter: {} })).rejects.toMatchObject({ code: 'VALIDATION', details: [{ field: 'name' }] });
    await expect(ctx.c.segments.count(org.actor, 'No Such Segment')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(ctx.c.segments.remove(org.actor, '00000000-0000-4000-8000-000000000000')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(ctx.c.segments.create(agent.actor, { name: 'Mine', filter: {} })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(ctx.c.segments.count(agent.actor, 'Probate')).rejects.toMatchObject({ code: 'FORBIDDEN' });
    expect((await ctx.c.segments.list(agent.actor)).map((x) => x.name)).toContain('Probate');
    // the database agrees: an agent cannot write a segment even past the service
    await expect(withTenant(ctx.c.db, agent.actor, (trx) => trx.insertInto('segment').values({ organization_id: org.org.id, name: 'sneaky', filter: '{}' }).execute()))
      .rejects.toMatchObject({ code: 'FORBIDDEN' });
  });

  it('are seen only by their own organization', async () => {
    const other = await ctx.newOrganization('Other');
    await expect(ctx.c.segments.show(other.actor, 'Probate')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await ctx.c.segments.create(other.actor, { name: 'Probate', filter: {} }); // the same name in another organization
  });

  it('select the leads `score --segment` rescores', async () => {
    await ctx.c.segments.create(org.actor, { name: 'Austin absentee', filter: { tags: { all: ['absentee'] }, city: ['austin'] } });
    const [m] = await ctx.c.scoring.rescore(org.actor, { scorer: 'motivation', segment: 'austin absentee' });
    expect(m).toMatchObject({ scorer: 'motivation', scored: 1 });
    const all = await ctx.c.scoring.rescore(org.actor, { scorer: 'motivation' });
    expect(all[0]!.scored).toBe(3);
    await expect(ctx.c.scoring.rescore(org.actor, { scorer: 'motivation', segment: 'nope' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});

describe('/v1/segments', () => {
  it('creates, lists, shows, counts and deletes, with the error shapes of the API', async () => {
    const { buildServer } = await import('../../src/api/server.ts');
    const app = await buildServer(ctx.c);
    const key = await ctx.newApiKey(org.org.id, org.owner.id);
    const agentKey = await ctx.newApiKey(org.org.id, agent.user.id);
    const call = (method: 'GET' | 'POST' | 'DELETE', url: string, body?: object, k = key) =>
      app.inject({ method, url, headers: { authorization: `Bearer ${k}` }, ...(body ? { payload: body } : {}) });
    try {
      const created = await call('POST', '/v1/segments', { name: 'API hot', filter: { tier: ['hot'] } });
      expect(created.statusCode).toBe(201);
      const s = created.json();
      expect(s).toMatchObject({ name: 'API hot', lead_count: 1, filter: { tier: { in: ['hot'] } } });
      expect((await call('GET', '/v1/segments')).json().data.map((x: { name: string }) => x.name)).toContain('API hot');
      expect((await call('GET', `/v1/segments/${s.id}`)).json().name).toBe('API hot');
      expect((await call('GET', '/v1/segments/api%20hot')).json().id).toBe(s.id);
      expect((await call('POST', `/v1/segments/${s.id}/count`)).json()).toMatchObject({ lead_count: 1 });

      const unknown = await call('POST', '/v1/segments', { name: 'x', filter: { lead_score: { above: 3 } } });
      expect(unknown.statusCode).toBe(400);
      expect(unknown.json().error).toMatchObject({ code: 'VALIDATION', details: [{ field: 'filter.lead_score.above', message: expect.stringContaining('unknown operator') }] });
      expect((await call('POST', '/v1/segments', { name: 'x' })).json().error.code).toBe('VALIDATION');
      expect((await call('POST', '/v1/segments', { name: 'api HOT', filter: {} })).statusCode).toBe(409);
      expect((await call('POST', '/v1/segments', { name: 'y', filter: {} }, agentKey)).statusCode).toBe(403);
      expect((await call('GET', '/v1/segments/nope')).statusCode).toBe(404);
      expect((await call('DELETE', `/v1/segments/${s.id}`)).json()).toMatchObject({ id: s.id, deleted: true });
      expect((await call('DELETE', `/v1/segments/${s.id}`)).statusCode).toBe(404);
    } finally {
      await app.close();
    }
  });
});
