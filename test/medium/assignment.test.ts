import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withOwner, withTenant } from '../../src/db/tenant.ts';
import { createTestContext, type TestContext } from '../support/context.ts';

// Assignment: round robin fair across agents and runs and safe when runs overlap, least loaded by
// open leads, territories with a round-robin fallback, by hand; every change one history row
// written by the database, and a second run changing nothing.

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext();
});
afterAll(async () => ctx.close());

type Agent = { id: string; email: string };

async function team(agents: number) {
  const o = await ctx.newOrganization();
  const users = [];
  for (let i = 0; i < agents; i++) users.push((await ctx.newUser(o.org.id, 'agent')).user);
  users.sort((a, b) => (a.id < b.id ? -1 : 1)); // round robin deals in id order
  return { ...o, agents: users };
}

async function leads(orgId: string, n: number, f: { zip?: string; city?: string; status?: string; score?: (i: number) => number; assignee_id?: string } = {}) {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const l = await ctx.newLead(orgId, { zip: f.zip, status: f.status, lead_score: f.score ? f.score(i) : undefined, assignee_id: f.assignee_id });
    if (f.city) await withOwner(ctx.c.db, 'test', (trx) => trx.updateTable('property').set({ city: f.city }).where('id', '=', l.property_id).execute());
    ids.push(l.id);
  }
  return ids;
}

const owners = (orgId: string) => withOwner(ctx.c.db, 'test', async (trx) => {
  const r = await sql<{ assignee_id: string | null; n: number }>`SELECT assignee_id, count(*)::int AS n FROM lead WHERE organization_id = ${orgId} AND deleted_at IS NULL GROUP BY 1`.execute(trx);
  return Object.fromEntries(r.rows.map((x) => [x.assignee_id ?? 'none', x.n]));
});
const history = (orgId: string) => withOwner(ctx.c.db, 'test', (trx) =>
  trx.selectFrom('lead_assignment').selectAll().where('organization_id', '=', orgId).orderBy('id').execute());
const ownerOf = async (leadId: string) => (await withOwner(ctx.c.db, 'test', (trx) => trx.selectFrom('lead').select('assignee_id').where('id', '=', leadId).executeTakeFirstOrThrow())).assignee_id;

describe('round robin', () => {
  it('deals the best leads first, one agent after another, fair within a run and across runs', async () => {
    const t = await team(3);
    const ids = await leads(t.org.id, 10, { score: (i) => 90 - i });
    const r = await ctx.c.assignment.assign(t.actor, { strategy: 'round_robin' });
    expect(r).toMatchObject({ strategy: 'round_robin', selected: 10, assigned: 10, unchanged: 0 });
    expect(r.agents.map((a) => a.assigned).sort()).toEqual([3, 3, 4]);
    // best lead to the first agent, the next to the second ...
    expect(await ownerOf(ids[0]!)).toBe(t.agents[0]!.id);
    expect(await ownerOf(ids[1]!)).toBe(t.agents[1]!.id);
    expect(await ownerOf(ids[9]!)).toBe(t.agents[0]!.id);
    const h = await history(t.org.id);
    expect(h).toHaveLength(10);
    expect(h.every((x) => x.strategy === 'round_robin' && x.from_user_id === null && x.reason === 'round robin' && x.via === 'test' && x.assigned_by === t.owner.id)).toBe(true);

    // again: nothing to hand out, nothing written
    expect(await ctx.c.assignment.assign(t.actor, { strategy: 'round_robin' })).toMatchObject({ selected: 0, assigned: 0 });
    expect(await history(t.org.id)).toHaveLength(10);

    // five more: the turn goes on from the agent after the last one dealt to
    const more = await leads(t.org.id, 5, { score: () => 50 });
    await ctx.c.assignment.assign(t.actor, { strategy: 'round_robin' });
    expect(await ownerOf(more.sort()[0]!)).toBe(t.agents[1]!.id);
    expect(Object.values(await owners(t.org.id)).sort()).toEqual([5, 5, 5]);
  });

  it('stays fair and hands each lead once when runs overlap', async () => {
    const t = await team(4);
    await leads(t.org.id, 40);
    const runs = await Promise.all([1, 2, 3].map(() => ctx.c.assignment.assign(t.actor, { strategy: 'round_robin', limit: 15 })));
    expect(runs.map((r) => r.assigned).sort((a, b) => a - b)).toEqual([10, 15, 15]);
    const h = await history(t.org.id);
    expect(h).toHaveLength(40);
    expect(new Set(h.map((x) => x.lead_id)).size).toBe(40);
    expect(Object.values(await owners(t.org.id))).toEqual([10, 10, 10, 10]);
    // and a least-loaded run alongside a round-robin one double-assigns nothing either
    await leads(t.org.id, 8);
    await Promise.all([ctx.c.assignment.assign(t.actor, { strategy: 'round_robin' }), ctx.c.assignment.assign(t.actor, { strategy: 'least_loaded' })]);
    expect(await history(t.org.id)).toHaveLength(48);
    expect(Object.values(await owners(t.org.id))).toEqual([12, 12, 12, 12]);
  });

  it('refuses when there is no active agent, and leaves out deactivated agents', async () => {
    const t = await team(0);
    await ctx.newUser(t.org.id, 'manager');
    await leads(t.org.id, 2);
    await expect(ctx.c.assignment.assign(t.actor, { strategy: 'round_robin' })).rejects.toMatchObject({ code: 'VALIDATION', message: expect.stringContaining('no active agents') });
    await expect(ctx.c.assignment.assign(t.actor, { strategy: 'territory' })).rejects.toMatchObject({ code: 'VALIDATION' });
    const gone = await ctx.newUser(t.org.id, 'agent');
    const here = await ctx.newUser(t.org.id, 'agent');
    await ctx.c.tenancy.updateUser(t.actor, gone.user.id, { is_active: false });
    expect(await ctx.c.assignment.assign(t.actor, { strategy: 'least_loaded' })).toMatchObject({ assigned: 2 });
    expect(await owners(t.org.id)).toEqual({ [here.user.id]: 2 });
  });
});

describe('least loaded', () => {
  it('fills the agents with the fewest open leads first (closed leads are no load), ties to the lowest id', async () => {
    const t = await team(3);
    const [a, b, c] = t.agents as unknown as [Agent, Agent, Agent];
    await leads(t.org.id, 3, { assignee_id: c.id });
    await leads(t.org.id, 1, { assignee_id: a.id });
    await leads(t.org.id, 4, { assignee_id: b.id, status: 'closed_won' });
    const fresh = await leads(t.org.id, 7, { score: (i) => 90 - i });
    const r = await ctx.c.assignment.assign(t.actor, { strategy: 'least_loaded' });
    expect(r.assigned).toBe(7);
    // by hand: loads a1 b0 c3 → b, then a/b ties to the lower id ...
    const load: Record<string, number> = { [a.id]: 1, [b.id]: 0, [c.id]: 3 };
    const expected = fresh.map(() => {
      const next = Object.keys(load).sort((x, y) => load[x]! - load[y]! || (x < y ? -1 : 1))[0]!;
      load[next]!++;
      return next;
    });
    for (const [i, id] of fresh.entries()) expect(await ownerOf(id)).toBe(expected[i]);
    expect(Object.fromEntries(r.agents.map((x) => [x.user_id, x.open_leads]))).toEqual({ [a.id]: 4, [b.id]: 4, [c.id]: 3 });
    expect((await history(t.org.id)).filter((h) => h.strategy === 'least_loaded')).toHaveLength(7);
    expect(await ctx.c.assignment.assign(t.actor, { strategy: 'least_loaded' })).toMatchObject({ assigned: 0 });
  });
});

describe('territory', () => {
  it('gives leads to the owner of their ZIP, else of their city, and deals the rest by round robin', async () => {
    const t = await team(3);
    const [a, b, c] = t.agents as unknown as [Agent, Agent, Agent];
    await ctx.c.assignment.setTerritories(t.actor, { user: a.email, zip: ['78701'] });
    await ctx.c.assignment.setTerritories(t.actor, { user: b.id, city: ['Round Rock, tx'] });
    await ctx.c.assignment.setTerritories(t.actor, { user: c.email, zip: ['78664'] });
    const downtown = await leads(t.org.id, 2, { zip: '78701' });
    const roundRock = await leads(t.org.id, 1, { zip: '78665', city: 'ROUND ROCK' });
    const roundRockZip = await leads(t.org.id, 1, { zip: '78664', city: 'ROUND ROCK' });
    const dallas = await leads(t.org.id, 3, { zip: '75201', city: 'DALLAS' });
    const r = await ctx.c.assignment.assign(t.actor, { strategy: 'territory' });
    expect(r.assigned).toBe(7);
    for (const id of downtown) expect(await ownerOf(id)).toBe(a.id);
    expect(await ownerOf(roundRock[0]!)).toBe(b.id);
    expect(await ownerOf(roundRockZip[0]!)).toBe(c.id); // the ZIP beats the city
    expect(new Set(await Promise.all(dallas.map(ownerOf)))).toEqual(new Set([a.id, b.id, c.id]));
    const reasons = Object.fromEntries((await history(t.org.id)).map((h) => [h.lead_id, `${h.strategy}: ${h.reason}`]));
    expect(reasons[downtown[0]!]).toBe('territory: zip 78701');
    expect(reasons[roundRock[0]!]).toBe('territory: city ROUND ROCK, TX');
    expect(reasons[dallas[0]!]).toBe('territory: no territory matched: round robin');

    // reassigning by the same rules moves nobody; a rule of a deactivated owner falls back
    await ctx.c.segments.create(t.actor, { name: 'Ruled', filter: { zip: ['78701', '78664', '78665'] } });
    expect(await ctx.c.assignment.assign(t.actor, { strategy: 'territory', unassigned_only: false, segment: 'Ruled' })).toMatchObject({ selected: 4, assigned: 0, unchanged: 4 });
    await ctx.c.tenancy.updateUser(t.actor, a.id, { is_active: false });
    const orphan = await leads(t.org.id, 1, { zip: '78701' });
    await ctx.c.assignment.assign(t.actor, { strategy: 'territory' });
    expect([b.id, c.id]).toContain(await ownerOf(orphan[0]!));
  });

  it('keeps one owner per territory and names what is wrong', async () => {
    const t = await team(2);
    const [a, b] = t.agents as unknown as [Agent, Agent];
    expect(await ctx.c.assignment.setTerritories(t.actor, { user: a.email, zip: ['78701', '78702'], city: ['St. Louis, MO'] }))
      .toMatchObject({ added: ['zip 78701', 'zip 78702', 'city SAINT LOUIS, MO'], kept: [] });
    expect(await ctx.c.assignment.setTerritories(t.actor, { user: a.email, zip: ['78701'] })).toMatchObject({ added: [], kept: ['zip 78701'] });
    await expect(ctx.c.assignment.setTerritories(t.actor, { user: b.email, zip: ['78703', '78701'] }))
      .rejects.toMatchObject({ code: 'CONFLICT', message: expect.stringContaining(`zip 78701 belongs to ${a.email}`) });
    await expect(ctx.c.assignment.setTerritories(t.actor, { user: b.email, city: ['saint louis, mo'] })).rejects.toMatchObject({ code: 'CONFLICT' });
    expect((await ctx.c.assignment.listTerritories(t.actor, { user: b.email })).data).toEqual([]); // the refused set added nothing
    await expect(ctx.c.assignment.setTerritories(t.actor, { user: 'nobody@example.com', zip: ['78704'] })).rejects.toMatchObject({ code: 'NOT_FOUND', message: expect.stringContaining('nobody@example.com') });
    await expect(ctx.c.assignment.setTerritories(t.actor, { user: a.email, zip: ['7870'] })).rejects.toMatchObject({ code: 'VALIDATION', details: [{ field: 'zip' }] });
    await expect(ctx.c.assignment.setTerritories(t.actor, { user: a.email, city: ['Austin'] })).rejects.toMatchObject({ code: 'VALIDATION', details: [{ field: 'city' }] });
    await expect(ctx.c.assignment.setTerritories(t.actor, { user: a.email })).rejects.toMatchObject({ code: 'VALIDATION' });
    expect((await ctx.c.assignment.listTerritories(t.actor)).data.map((x) => `${x.kind} ${x.value}`)).toEqual(['zip 78701', 'zip 78702', 'city SAINT LOUIS']);
    expect(await ctx.c.assignment.removeTerritories(t.actor, { user: a.id, zip: ['78702'] })).toMatchObject({ removed: ['zip 78702'] });
    await expect(ctx.c.assignment.removeTerritories(t.actor, { user: b.id, zip: ['78701'] })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    const agent = await ctx.newUser(t.org.id, 'agent');
    await expect(ctx.c.assignment.setTerritories(agent.actor, { user: agent.user.id, zip: ['78705'] })).rejects.toMatchObject({ code: 'FORBIDDEN' });
  });
});

describe('selection, by hand, and the history', () => {
  it('assigns only the segment, status and number asked for, open leads by default, and reassigns on request', async () => {
    const t = await team(2);
    const [a, b] = t.agents as unknown as [Agent, Agent];
    const hot = await leads(t.org.id, 3, { zip: '78701', score: (i) => 80 + i });
    await leads(t.org.id, 2, { zip: '75201' });
    const closed = await leads(t.org.id, 1, { zip: '78701', status: 'closed_lost' });
    await ctx.c.segments.create(t.actor, { name: 'Downtown', filter: { zip: ['78701'] } });
    expect(await ctx.c.assignment.assign(t.actor, { strategy: 'round_robin', segment: 'downtown', limit: 2 })).toMatchObject({ assigned: 2 });
    expect(await ownerOf(hot[2]!)).not.toBeNull(); // the best two
    expect(await ownerOf(hot[1]!)).not.toBeNull();
    expect(await ownerOf(hot[0]!)).toBeNull();
    expect(await ctx.c.assignment.assign(t.actor, { strategy: 'round_robin', segment: 'Downtown' })).toMatchObject({ assigned: 1 });
    expect(await ownerOf(closed[0]!)).toBeNull();
    expect(await ctx.c.assignment.assign(t.actor, { strategy: 'round_robin', status: ['contacted'] })).toMatchObject({ selected: 0 });
    await expect(ctx.c.assignment.assign(t.actor, { strategy: 'round_robin', segment: 'Nowhere' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(ctx.c.assignment.assign(t.actor, { strategy: 'fastest' })).rejects.toMatchObject({ code: 'VALIDATION', details: [{ field: 'strategy' }] });

    // reassigning the downtown leads to a territory owner moves them, with from and to
    await ctx.c.assignment.setTerritories(t.actor, { user: b.email, zip: ['78701'] });
    const before = (await history(t.org.id)).length;
    const r = await ctx.c.assignment.assign(t.actor, { strategy: 'territory', segment: 'Downtown', unassigned_only: false });
    expect(r.selected).toBe(3);
    const moved = (await history(t.org.id)).slice(before);
    expect(moved.length).toBe(r.assigned);
    expect(moved.every((h) => h.to_user_id === b.id && h.from_user_id === a.id && h.reason === 'zip 78701')).toBe(true);
    expect(await ctx.c.assignment.assign(t.actor, { strategy: 'territory', segment: 'Downtown', unassigned_only: false })).toMatchObject({ assigned: 0, unchanged: 3 });
  });

  it('assigns one lead by hand, and records every other change of assignee as manual', async () => {
    const t = await team(2);
    const [a, b] = t.agents as unknown as [Agent, Agent];
    const [lead] = await leads(t.org.id, 1);
    expect(await ctx.c.assignment.assignLead(t.actor, { lead_id: lead, to: a.email, reason: 'asked for it' })).toMatchObject({ changed: true, to_user_id: a.id });
    expect(await ctx.c.assignment.assignLead(t.actor, { lead_id: lead, to: a.id })).toMatchObject({ changed: false });
    await ctx.c.leads.update(t.actor, lead!, { assignee_id: b.id });
    expect(await ctx.c.assignment.assignLead(t.actor, { lead_id: lead, to: 'none' })).toMatchObject({ changed: true, to_user_id: null });
    const h = await ctx.c.assignment.history(t.actor, lead!);
    expect(h.data.map((x) => [x.from_email, x.to_email, x.strategy, x.reason])).toEqual([
      [null, a.email, 'manual', 'asked for it'], [a.email, b.email, 'manual', null], [b.email, null, 'manual', null],
    ]);
    await expect(ctx.c.assignment.assignLead(t.actor, { lead_id: lead, to: 'ghost@example.com' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(ctx.c.assignment.assignLead(t.actor, { lead_id: '00000000-0000-4000-8000-000000000000', to: a.email })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(ctx.c.assignment.history(t.actor, 'not-a-lead')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('is written by the database only: agents cannot run assignment nor forge history, and see only their leads\' history', async () => {
    const t = await team(2);
    const agent = await ctx.newUser(t.org.id, 'agent');
    const [mine, theirs] = await leads(t.org.id, 2);
    await ctx.c.assignment.assignLead(t.actor, { lead_id: mine, to: agent.user.id });
    await ctx.c.assignment.assignLead(t.actor, { lead_id: theirs, to: t.agents[0]!.id });
    await expect(ctx.c.assignment.assign(agent.actor, { strategy: 'round_robin' })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(ctx.c.assignment.assignLead(agent.actor, { lead_id: mine, to: 'none' })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    expect((await ctx.c.assignment.history(agent.actor, mine!)).data).toHaveLength(1);
    await expect(ctx.c.assignment.history(agent.actor, theirs!)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(withTenant(ctx.c.db, t.actor, (trx) => trx.insertInto('lead_assignment')
      .values({ organization_id: t.org.id, lead_id: mine!, to_user_id: t.owner.id, strategy: 'manual', via: 'test' } as never).execute()))
      .rejects.toMatchObject({ code: 'FORBIDDEN' });
    // an unknown strategy in the setting fails loudly instead of writing a wrong history
    await expect(withTenant(ctx.c.db, t.actor, async (trx) => {
      await sql`SELECT set_config('porchlight.assign_strategy', 'telepathy', true)`.execute(trx);
      await trx.updateTable('lead').set({ assignee_id: null }).where('id', '=', mine!).execute();
    })).rejects.toMatchObject({ code: 'VALIDATION' });
  });
});

describe('/v1/assignments', () => {
  it('hands leads out, one by hand, and shows the history', async () => {
    const { buildServer } = await import('../../src/api/server.ts');
    const app = await buildServer(ctx.c);
    const t = await team(2);
    const key = await ctx.newApiKey(t.org.id, t.owner.id);
    const call = (method: 'GET' | 'POST' | 'DELETE', url: string, body?: object) =>
      app.inject({ method, url, headers: { authorization: `Bearer ${key}` }, ...(body ? { payload: body } : {}) });
    try {
      const [first] = await leads(t.org.id, 4);
      const r = await call('POST', '/v1/assignments', { strategy: 'round_robin' });
      expect(r.statusCode).toBe(200);
      expect(r.json()).toMatchObject({ strategy: 'round_robin', assigned: 4, agents: [{ assigned: 2 }, { assigned: 2 }] });
      expect((await call('POST', '/v1/assignments', { strategy: 'sideways' })).json().error).toMatchObject({ code: 'VALIDATION', details: [{ field: 'strategy' }] });
      const hand = await call('POST', `/v1/leads/${first}/assignments`, { to: t.agents[1]!.email, reason: 'knows the owner' });
      expect(hand.json()).toMatchObject({ to_user_id: t.agents[1]!.id });
      const h = (await call('GET', `/v1/leads/${first}/assignments`)).json();
      expect(h.data.map((x: { strategy: string }) => x.strategy)).toEqual(['round_robin', 'manual']);
      expect((await call('POST', '/v1/territories', { user: t.agents[0]!.email, zip: ['78701'] })).json()).toMatchObject({ added: ['zip 78701'] });
      expect((await call('POST', '/v1/territories', { user: t.agents[1]!.email, zip: ['78701'] })).statusCode).toBe(409);
      expect((await call('GET', '/v1/territories')).json().data).toHaveLength(1);
      expect((await call('DELETE', '/v1/territories', { user: t.agents[0]!.email, zip: ['78701'] })).json()).toMatchObject({ removed: ['zip 78701'] });
      expect((await call('GET', '/v1/leads/00000000-0000-4000-8000-000000000000/assignments')).statusCode).toBe(404);
    } finally {
      await app.close();
    }
  });
});
