import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Actor } from '../../src/db/tenant.ts';
import { createTestContext, type TestContext } from '../support/context.ts';
import { CLIENTS, listing } from '../support/nudges.ts';
import { outreachOrg, TUESDAY_MORNING } from '../support/outreach.ts';

// An agent's own clients: the people behind them (names, phones, e-mails) are the agent's to see
// and change even though no lead of theirs points at them; another agent sees none of it.

let ctx: TestContext;
let agent: Actor;
let other: Actor;
let manager: Actor;

beforeAll(async () => {
  ctx = await createTestContext({ now: () => TUESDAY_MORNING });
  const o = await outreachOrg(ctx);
  manager = o.actor;
  agent = (await ctx.newUser(o.org.id, 'agent')).actor;
  other = (await ctx.newUser(o.org.id, 'agent')).actor;
});
afterAll(() => ctx.close());

describe("an agent's clients", () => {
  it('adds one with an e-mail and a phone, shows it with both, and renames it by adding again', async () => {
    const added = await ctx.c.nudges.clients.add(agent, CLIENTS[2]);
    expect(added).toMatchObject({ name: 'Ola Berg', user_id: agent.userId, created: true, embedded: true });
    expect(added.contacts.map((c) => c.kind)).toEqual(['email', 'phone']);
    const renamed = await ctx.c.nudges.clients.add(agent, { ...CLIENTS[2], name: 'Ola Berg-Lund' });
    expect(renamed).toMatchObject({ id: added.id, name: 'Ola Berg-Lund', created: false });
    expect((await ctx.c.nudges.clients.list(agent)).data.map((c) => c.name)).toEqual(['Ola Berg-Lund']);
  });

  it('imports a CSV of their own, twice, and the second import changes nothing', async () => {
    const csv = 'name,email,phone,notes\nAnn Ray,ann.ray@example.com,512-555-0131,Wants a pool\nTom Fox,,512-555-0177,Condo near the lake\n';
    expect(await ctx.c.nudges.clients.import(agent, Readable.from([csv]))).toMatchObject({ rows: 2, created: 2, rejected: 0 });
    expect(await ctx.c.nudges.clients.import(agent, Readable.from([csv]))).toMatchObject({ created: 0, updated: 0, unchanged: 2 });
    const ann = (await ctx.c.nudges.clients.list(agent, { search: 'Ann' })).data[0]!;
    expect((await ctx.c.nudges.clients.show(agent, ann.id)).contacts.map((c) => c.kind)).toEqual(['email', 'phone']);
  });

  it("keeps them from another agent, while a manager sees everyone's", async () => {
    const mine = (await ctx.c.nudges.clients.list(agent)).data;
    expect(mine).toHaveLength(3);
    expect((await ctx.c.nudges.clients.list(other)).data).toEqual([]);
    await expect(ctx.c.nudges.clients.show(other, mine[0]!.id)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    // the same person kept by a second agent is a client of each, apart
    const theirs = await ctx.c.nudges.clients.add(other, CLIENTS[2]);
    expect(theirs.id).not.toBe(mine.find((c) => c.name === 'Ola Berg-Lund')!.id);
    expect((await ctx.c.nudges.clients.list(agent)).data).toHaveLength(3);
    expect((await ctx.c.nudges.clients.list(manager)).data).toHaveLength(4);
  });

  it("drafts for their clients, and shows and approves the nudge with each client's name and e-mail", async () => {
    await ctx.c.nudges.inbox.settings(agent, { market_focus: ['78704'] });
    await ctx.c.nudges.clients.add(agent, CLIENTS[0]);
    await ctx.c.nudges.mls.importBody(manager, { value: [listing({}, new Date(TUESDAY_MORNING.getTime() - 3_600_000))] }, null);
    expect(await ctx.c.nudges.pipeline.run(manager)).toMatchObject({ status: 'completed', briefings_created: 1 });
    const [nudge] = (await ctx.c.nudges.inbox.list(agent)).data;
    const shown = await ctx.c.nudges.inbox.show(agent, nudge!.id);
    expect(shown.audience.map((a) => [a.name, a.reach])).toEqual([['Maria Lopez', 'email']]);
    expect(shown.preview?.text).toMatch(/^Hi Maria!/);
    expect(await ctx.c.nudges.inbox.approve(agent, nudge!.id)).toMatchObject({ status: 'ACTIVE', scheduled: 1, skipped: [] });
  });
});
