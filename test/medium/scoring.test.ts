import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withTenant, type Actor } from '../../src/db/tenant.ts';
import { ScoringSettings } from '../../src/domain/scoring/scoring-settings.ts';
import { seedLeads } from '../../bench/seed-leads.ts';
import { createTestContext, type TestContext } from '../support/context.ts';

// The scorers as pure functions of facts (the worked examples of docs/SCORING.md), and the engine
// that applies them in bulk: current values on the lead, history only where a score moved.

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext();
});
afterAll(async () => ctx.close());

const defaults = ScoringSettings.parse({});
const q = async <T>(actor: Actor, query: string) => withTenant(ctx.c.db, actor, async (trx) => (await sql.raw<T>(query).execute(trx)).rows);
const fn = async <T>(query: ReturnType<typeof sql>) => {
  const { actor } = await ctx.newOrganization();
  return withTenant(ctx.c.db, actor, async (trx) => (await query.execute(trx)).rows[0] as T);
};

type Motivation = { score: number; label: string; factors: Record<string, number> };
const motivation = (f: { tax?: number | null; value?: number | null; violations?: number | null; probate?: boolean; vacant?: boolean; dom?: number | null;
  equity?: number | null; condition?: number | null; occupied?: boolean | null }, w: object = defaults.motivation) => fn<Motivation>(sql`
  SELECT * FROM score_motivation(${f.tax ?? null}::bigint, ${f.value ?? null}::bigint, ${f.violations ?? null}::int, ${f.probate ?? null}::boolean,
                                 ${f.vacant ?? null}::boolean, ${f.dom ?? null}::int, ${f.equity ?? null}::numeric, ${f.condition ?? null}::numeric,
                                 ${f.occupied ?? null}::boolean, ${JSON.stringify(w)}::jsonb)`);

type Roof = Motivation & { urgency: string | null };
const roof = (f: { age?: number | null; material?: string | null; condition?: number | null; damage?: string[]; value?: number | null; contagion?: number | null },
  w: object = defaults.roof) => fn<Roof>(sql`
  SELECT * FROM score_roof(${f.age ?? null}::int, ${f.material ?? null}::text, ${f.condition ?? null}::numeric, ${f.damage ?? []}::text[],
                           ${f.value ?? null}::bigint, ${f.contagion ?? null}::numeric, ${JSON.stringify(w)}::jsonb)`);

describe('the motivation scorer', () => {
  it('adds up the distress signals as in SCORING.md: 63, warm', async () => {
    const r = await motivation({ tax: 600_000, value: 20_000_000, violations: 2, probate: true, vacant: false, dom: 90, equity: 60, condition: 40, occupied: false });
    expect(r.factors).toEqual({ tax_debt: 12, violations: 10, probate: 15, vacant: 0, days_on_market: 5, equity: 10, condition: 6, absentee_owner: 5 });
    expect(r.score).toBe(63);
    expect(r.label).toBe('warm');
  });

  it('gives nothing for what is not known, and labels temperature at 70, 45 and 20', async () => {
    expect(await motivation({})).toMatchObject({ score: 0, label: 'dead' });
    // a tax debt on a parcel of unknown value counts half
    expect((await motivation({ tax: 100_000 })).factors.tax_debt).toBe(10);
    expect(await motivation({ tax: 5_000_000, value: 10_000_000, violations: 9, probate: true, vacant: true, dom: 400, equity: 90, condition: 0, occupied: false }))
      .toMatchObject({ score: 100, label: 'hot' });
    expect((await motivation({ probate: true, vacant: true })).label).toBe('cold'); // 30
    expect((await motivation({ probate: true, vacant: true, violations: 3 })).label).toBe('warm'); // 45
  });

  it('follows the organization\'s weights, and holds the score to 100 whatever they are', async () => {
    expect((await motivation({ vacant: true }, { ...defaults.motivation, vacant: 40 })).score).toBe(40);
    expect((await motivation({ probate: true, vacant: true }, { ...defaults.motivation, probate: 80, vacant: 80 })).score).toBe(100);
  });
});

describe('the roof scorer', () => {
  it('weighs roof age against its material, condition, damage, value and contagion as in SCORING.md: 73, warm, immediate', async () => {
    const r = await roof({ age: 18, material: 'Asphalt', condition: 45, damage: ['hail', 'missing_shingles'], value: 25_000_000, contagion: 60 });
    expect(r.factors).toEqual({ roof_age: 32, condition: 14, damage: 10, value: 8, contagion: 9 });
    expect(r).toMatchObject({ score: 73, label: 'warm', urgency: 'immediate' });
  });

  it('knows how long materials last, and says nothing of urgency when nothing is known of the roof', async () => {
    expect(await roof({ age: 30, material: 'metal' })).toMatchObject({ score: 21, label: 'cold', urgency: 'plan_ahead' });
    expect(await roof({ age: 30, material: 'thatch' })).toMatchObject({ score: 35, urgency: 'immediate' }); // 20 years by default
    expect(await roof({ value: 50_000_000 })).toMatchObject({ score: 10, label: 'cold', urgency: null });
    expect(await roof({ age: 5, material: 'tile', condition: 95 })).toMatchObject({ urgency: 'good_condition' });
    expect(await roof({ age: 25, condition: 10, damage: ['hail', 'leak', 'rot', 'sagging'], value: 40_000_000, contagion: 100 }))
      .toMatchObject({ score: 35 + 23 + 15 + 10 + 15, label: 'hot' });
    // materials match whatever their case, spaces or dashes
    expect((await roof({ age: 30, material: ' Wood Shake' })).score).toBe(35);
    expect((await roof({ age: 15, material: 'wood-shake' })).factors.roof_age).toBe(18);
    const longer = { ...defaults.roof, material_life_years: { ...defaults.roof.material_life_years, metal: 60 } };
    expect((await roof({ age: 30, material: 'metal' }, longer)).factors.roof_age).toBe(18);
  });
});

describe('the scoring engine', () => {
  async function parcels(actor: Actor, tag: string) {
    // facts by lead order: every third vacant, every fifth in probate, roofs of all ages
    await q(actor, `
      UPDATE property p SET is_vacant = x.n % 3 = 0, is_probate = x.n % 5 = 0, roof_age_years = x.n % 30, roof_material = 'asphalt',
             roof_condition_score = 100 - x.n % 100, estimated_value_cents = 20000000
      FROM (SELECT l.property_id, row_number() OVER (ORDER BY l.id) AS n FROM lead l WHERE '${tag}' = ANY (l.tags)) x WHERE p.id = x.property_id`);
  }
  const history = async (actor: Actor, scorer: string) => (await q<{ n: number }>(actor, `SELECT count(*)::int AS n FROM lead_score_history WHERE scorer = '${scorer}'`))[0]!.n;

  it('scores every lead, writes history only where a score moved, and a second run changes nothing', async () => {
    const { actor } = await ctx.newOrganization();
    const { tag } = await seedLeads(ctx.c, actor, 60);
    await parcels(actor, tag);
    const first = await ctx.c.scoring.rescore(actor, { scorer: 'all' });
    const by = Object.fromEntries(first.map((r) => [r.scorer, r]));
    expect(by.motivation).toMatchObject({ scored: 60, changed: 60, updated: 60, version: 1 });
    expect(by.roof).toMatchObject({ scored: 60, changed: 60 });
    expect(by.quality!.scored).toBe(60);
    expect(await history(actor, 'motivation')).toBe(60);
    const lead = (await q<{ motivation_score: number; temperature: string; lead_score: number; tier: string; replacement_urgency: string | null }>(actor,
      `SELECT motivation_score::float8, temperature, lead_score::float8, tier, replacement_urgency FROM lead ORDER BY id LIMIT 1`))[0]!;
    // the first lead (n = 1): occupied and not vacant or in probate; a 1-year-old roof at 99
    expect(lead).toMatchObject({ motivation_score: expect.any(Number), temperature: 'dead', tier: 'cold', replacement_urgency: 'good_condition' });
    expect(by.motivation!.standing.reduce((n, s) => n + s.n, 0)).toBe(60);

    const again = await ctx.c.scoring.rescore(actor, {});
    expect(again.map((r) => [r.scorer, r.changed, r.updated])).toEqual([['quality', 0, 0], ['motivation', 0, 0], ['roof', 0, 0], ['contagion', 0, 0]]);
    expect(await history(actor, 'motivation')).toBe(60);

    // one parcel changes: one lead's score moves, one history row more
    await q(actor, `UPDATE property SET tax_debt_cents = 2000000 WHERE id = (SELECT property_id FROM lead ORDER BY id LIMIT 1)`);
    const moved = await ctx.c.scoring.rescore(actor, { scorer: 'motivation' });
    expect(moved[0]).toMatchObject({ scorer: 'motivation', changed: 1, updated: 1 });
    const rows = await q<{ score: number; factors: Record<string, number> }>(actor,
      `SELECT score::float8, factors FROM lead_score_history WHERE scorer = 'motivation' AND lead_id = (SELECT id FROM lead ORDER BY id LIMIT 1) ORDER BY id`);
    expect(rows).toHaveLength(2);
    expect(rows[1]!.factors.tax_debt).toBe(20);
    expect(rows[1]!.score - rows[0]!.score).toBe(20);
  });

  it('scores only the leads selected, in chunks, and leaves a lead without a parcel unscored by the parcel scorers', async () => {
    const { actor } = await ctx.newOrganization();
    const { tag } = await seedLeads(ctx.c, actor, 25);
    const other = await seedLeads(ctx.c, actor, 5);
    await parcels(actor, tag);
    const person = (await q<{ id: string }>(actor, `INSERT INTO person (organization_id, first_name, last_name) VALUES (app_org_id(), 'No', 'Parcel') RETURNING id`))[0]!;
    await q(actor, `INSERT INTO lead (organization_id, person_id, source, tags) VALUES (app_org_id(), '${person.id}', 'manual', ARRAY['${tag}'])`);
    const small = (await import('../../src/domain/scoring/scoring.service.ts')).createScoringService({ db: ctx.c.db, chunkSize: 7 });
    const progress: number[] = [];
    const r = await small.rescore(actor, { scorer: 'motivation', tags: [tag] }, (p) => progress.push(p.done));
    expect(progress).toEqual([7, 14, 21, 26]);
    expect(r[0]).toMatchObject({ scored: 25, changed: 25 });
    const unscored = await q<{ n: number }>(actor, `SELECT count(*)::int AS n FROM lead WHERE motivation_score IS NULL`);
    expect(unscored[0]!.n).toBe(5 + 1); // the other tag's leads, and the lead with no parcel
    expect(other.tag).not.toBe(tag);

    // every scorer in one pass: the lead without a parcel gets its quality score and keeps no other
    const all = await small.rescore(actor, { tags: [tag] });
    expect(Object.fromEntries(all.map((x) => [x.scorer, x.scored]))).toEqual({ quality: 26, motivation: 25, roof: 25, contagion: 0 }); // no parcel near a cluster
    const lone = (await q<{ quality_score: number | null; motivation_score: number | null; lead_score: number | null; tier: string | null }>(actor,
      `SELECT quality_score::float8, motivation_score::float8, lead_score::float8, tier FROM lead WHERE property_id IS NULL`))[0]!;
    expect(lone).toEqual({ quality_score: expect.any(Number), motivation_score: null, lead_score: null, tier: null });
    expect(all.find((x) => x.scorer === 'motivation')).toMatchObject({ changed: 0, updated: 0 });
  });

  it('scores quality with the organization\'s points, the seed\'s by default, in the waterfall as in a rescore', async () => {
    const { actor } = await ctx.newOrganization();
    const lead = await ctx.newLead(actor.organizationId);
    await q(actor, `UPDATE contact_point SET verified = true, type = CASE kind WHEN 'phone' THEN 'mobile' END WHERE person_id = '${lead.person_id}'`);
    await q(actor, `UPDATE property SET owner_occupied = true WHERE id = '${lead.property_id}'`);
    const quality = async () => (await q<{ score: number; factors: Record<string, number> }>(actor,
      `SELECT score, factors FROM lead_quality_factors(app_org_id(), ARRAY['${lead.id}']::uuid[])`))[0]!;
    // nothing set: the database's defaults are the settings' defaults
    expect(await quality()).toEqual({ score: 80, factors: { verified_email: 40, verified_mobile: 30, mak_and_apn: 0, owner_occupied: 10, demographics_fit: 0 } });
    const d = defaults.quality;
    expect([d.verified_email, d.verified_mobile, d.owner_occupied]).toEqual([40, 30, 10]);
    await ctx.c.scoring.updateSettings(actor, { quality: { verified_mobile: 45, owner_occupied: 0 } });
    expect(await quality()).toEqual({ score: 85, factors: { verified_email: 40, verified_mobile: 45, mak_and_apn: 0, owner_occupied: 0, demographics_fit: 0 } });
    const [r] = await ctx.c.scoring.rescore(actor, { scorer: 'quality' });
    expect(r).toMatchObject({ scored: 1, changed: 1 });
    // weights adding up past 100 still give at most 100
    await ctx.c.scoring.updateSettings(actor, { quality: { verified_email: 90 } });
    expect((await quality()).score).toBe(100);
  });

  it('rescoring after the weights change moves the scores; bad weights are refused naming the field', async () => {
    const { actor } = await ctx.newOrganization();
    const { tag } = await seedLeads(ctx.c, actor, 10);
    await parcels(actor, tag);
    await ctx.c.scoring.rescore(actor, { scorer: 'motivation' });
    const before = await q<{ s: number }>(actor, `SELECT sum(motivation_score)::float8 AS s FROM lead`);
    const next = await ctx.c.scoring.updateSettings(actor, { motivation: { vacant: 30 } });
    expect(next.motivation).toMatchObject({ vacant: 30, probate: 15 });
    const r = await ctx.c.scoring.rescore(actor, { scorer: 'motivation' });
    const vacant = (await q<{ n: number }>(actor, `SELECT count(*)::int AS n FROM property WHERE is_vacant`))[0]!.n;
    expect(r[0]!.changed).toBe(vacant);
    const after = await q<{ s: number }>(actor, `SELECT sum(motivation_score)::float8 AS s FROM lead`);
    expect(after[0]!.s - before[0]!.s).toBe(15 * vacant);

    await expect(ctx.c.scoring.updateSettings(actor, { motivation: { warm: 80 } })).rejects.toMatchObject({ code: 'VALIDATION', details: [expect.objectContaining({ field: 'motivation.hot' })] });
    await expect(ctx.c.scoring.updateSettings(actor, { roof: { shiny: 3 } })).rejects.toMatchObject({ code: 'VALIDATION' });
    await expect(ctx.c.scoring.updateSettings(actor, { roof: { material_life_years: { 'Wood Shake': 30 } } })).rejects.toMatchObject({ code: 'VALIDATION' });
    await expect(ctx.c.scoring.updateSettings(actor, { motivation: { vacant: 101 } })).rejects.toMatchObject({ code: 'VALIDATION', details: [expect.objectContaining({ field: 'motivation.vacant' })] });
    await expect(ctx.c.scoring.rescore(actor, { scorer: 'shoe_size' })).rejects.toMatchObject({ code: 'VALIDATION', details: [expect.objectContaining({ field: 'scorer' })] });
    const agent = await ctx.newUser(actor.organizationId, 'agent');
    await expect(ctx.c.scoring.rescore(agent.actor, {})).rejects.toMatchObject({ code: 'FORBIDDEN' });
  });
});
