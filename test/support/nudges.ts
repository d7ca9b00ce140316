import { sql } from 'kysely';
import type { Actor } from '../../src/db/tenant.ts';
import type { TestContext } from './context.ts';
import { rows } from './outreach.ts';

// RESO Property records and clients for the nudge tests: a few Austin listings and the people
// an agent keeps, each with what they said they want.

let seq = 0;

/** A RESO Data Dictionary Property record; `at` is the event's time. */
export function listing(over: Record<string, unknown> = {}, at = new Date('2026-03-09T15:00:00Z')) {
  seq++;
  return {
    ListingKey: `ACT-${seq}-${Math.random().toString(36).slice(2, 8)}`, SourceSystemID: 'actris', StandardStatus: 'Active',
    ListPrice: 450000, BedroomsTotal: 3, BathroomsTotalInteger: 2, LivingArea: 1850, YearBuilt: 1998,
    PropertyType: 'Residential', PropertySubType: 'Single Family Residence',
    UnparsedAddress: `${1200 + seq} Bouldin Ave, Austin, TX 78704`, City: 'Austin', StateOrProvince: 'TX', PostalCode: '78704',
    PublicRemarks: 'Big fenced backyard with mature oaks, walk to Zilker Park and good schools. Updated kitchen.',
    OnMarketDate: at.toISOString().slice(0, 10), ModificationTimestamp: at.toISOString(),
    ...over,
  };
}

export const CLIENTS = [
  { name: 'Maria Lopez', email: 'maria.lopez@example.com', notes: 'Wants a big backyard for the dogs, near good schools and parks.', prefs: { price_min: 350000, price_max: 500000, beds: 3, areas: ['78704'] } },
  { name: 'Sam Chen', email: 'sam.chen@example.com', notes: 'Downtown condo, walkable, no yard work, likes nightlife.', prefs: { price_max: 600000, property_types: ['condo'], areas: ['austin'] } },
  { name: 'Ola Berg', email: 'ola.berg@example.com', phone: '+15125550142', notes: 'Investor. Cash buyer, fixer-uppers only, likes backyard space for an ADU.', prefs: { price_max: 300000 } },
  { name: 'Jo Park', email: 'jo.park@example.com', notes: 'Growing family: backyard, good schools, near parks. Kitchen matters.', prefs: {} },
  { name: 'Lee Wu', email: 'lee.wu@example.com', notes: 'Retired, single-level home, quiet street, garden.', prefs: { areas: ['78704'] } },
] as const;

/** The organization's agent with a market and the clients above. */
export async function nudgeAgent(ctx: TestContext, actor: Actor, market = ['78704', 'austin']) {
  await ctx.c.nudges.inbox.settings(actor, { market_focus: market, tone: 'warm', signoff: 'Dana at Acme' });
  const clients = [];
  for (const c of CLIENTS) clients.push(await ctx.c.nudges.clients.add(actor, c));
  return clients;
}

/** A new listing a day before `now`, through a pipeline run: the id of the briefing it made, if any. */
export async function briefingFor(ctx: TestContext, actor: Actor, over: Record<string, unknown>, now: Date): Promise<string | undefined> {
  await ctx.c.nudges.mls.importBody(actor, { value: [listing(over, new Date(now.getTime() - 86_400_000))] }, null);
  const run = await ctx.c.nudges.pipeline.run(actor);
  const [made] = await rows<{ id: string }>(ctx, actor, sql`SELECT b.id FROM briefing b JOIN market_event me ON me.organization_id = b.organization_id AND me.id = b.market_event_id
    WHERE me.pipeline_run_id = ${run.id}::uuid`);
  return made?.id;
}
