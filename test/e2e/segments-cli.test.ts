import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliTestEnv, CLI_TEST_TIMEOUT, runCli } from '../support/cli.ts';

// Segments and assignment from the command line, on the demo organization (two agents, 200 leads).

describe('porchlight segments and assign (CLI)', { timeout: CLI_TEST_TIMEOUT }, () => {
  let t: Awaited<ReturnType<typeof cliTestEnv>>;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    t = await cliTestEnv('segments-cli', { demo: true });
    ({ env } = t);
  });
  afterAll(async () => t.close());

  it('creates, lists, shows, counts and deletes segments, names bad fields, and scores a segment', async () => {
    const filter = JSON.stringify({ tier: ['hot'], lead_score: { min: 85 } });
    const created = await runCli(['segments', 'create', 'Hot 85', '--org', 'demo', '--filter', filter, '--description', 'call today', '--json'], env);
    expect(created.code, created.stderr).toBe(0);
    const s = created.json();
    expect(s).toMatchObject({ name: 'Hot 85', description: 'call today', filter: { tier: { in: ['hot'] }, lead_score: { min: 85 } } });
    expect(s.lead_count).toBeGreaterThan(0);

    const list = await runCli(['segments', 'list', '--org', 'demo'], env);
    expect(list.stdout).toMatch(new RegExp(`Hot 85\\s+${s.lead_count}\\s`));
    const shown = await runCli(['segments', 'show', 'hot 85', '--org', 'demo'], env);
    expect(shown.stdout).toContain(`leads: ${s.lead_count}`);
    const counted = await runCli(['segments', 'count', s.id, '--org', 'demo', '--json'], env);
    expect(counted.json()).toMatchObject({ id: s.id, lead_count: s.lead_count });

    const unknown = await runCli(['segments', 'create', 'Bad', '--org', 'demo', '--filter', '{"colour":"red","lead_score":{"gte":1}}', '--json'], env);
    expect(unknown.code).toBe(3);
    expect(unknown.json().error.details.map((d: { field: string }) => d.field).sort()).toEqual(['filter.colour', 'filter.lead_score.gte']);
    expect(unknown.stderr).toContain('unknown operator "gte" for lead_score');
    const notJson = await runCli(['segments', 'create', 'Bad', '--org', 'demo', '--filter', '{tier:'], env);
    expect(notJson.code).toBe(3);
    const dup = await runCli(['segments', 'create', 'HOT 85', '--org', 'demo', '--filter', '{}'], env);
    expect(dup.code).toBe(1);
    expect(dup.stderr).toContain('already exists');
    const missing = await runCli(['segments', 'show', 'Nope', '--org', 'demo'], env);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('segment Nope was not found');

    const scored = await runCli(['score', '--org', 'demo', '--scorer', 'motivation', '--segment', 'Hot 85', '--json'], env);
    expect(scored.code, scored.stderr).toBe(0);
    expect(scored.json()[0]).toMatchObject({ scorer: 'motivation', scored: s.lead_count });

    const deleted = await runCli(['segments', 'delete', 'Hot 85', '--org', 'demo', '--json'], env);
    expect(deleted.json()).toMatchObject({ id: s.id, deleted: true });
  });

  it('assigns by strategy with a summary and a chart, changes nothing the second time, and sets territories', async () => {
    await runCli(['segments', 'create', 'Warm', '--org', 'demo', '--filter', '{"tier":["warm"]}'], env);
    const first = await runCli(['assign', '--org', 'demo', '--strategy', 'round_robin', '--segment', 'Warm', '--json'], env);
    expect(first.code, first.stderr).toBe(0);
    const r = first.json();
    expect(r.strategy).toBe('round_robin');
    expect(r.agents.map((a: { email: string }) => a.email)).toEqual(['agent.one@demo.example.com', 'agent.two@demo.example.com']);
    const [one, two] = r.agents.map((a: { assigned: number }) => a.assigned);
    expect(Math.abs(one - two)).toBeLessThanOrEqual(1);
    expect(one + two).toBe(r.assigned);

    const again = await runCli(['assign', '--org', 'demo', '--strategy', 'round_robin', '--segment', 'Warm'], env);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain('round_robin: 0 lead(s) assigned');
    expect(again.stdout).toMatch(/agent\.one@demo\.example\.com\s+[▏▎▍▌▋▊▉█]+/);

    const set = await runCli(['territories', 'set', '--org', 'demo', '--user', 'agent.one@demo.example.com', '--zip', '78701', '--city', 'Austin, TX'], env);
    expect(set.code, set.stderr).toBe(0);
    expect(set.stdout).toContain('added zip 78701; added city AUSTIN, TX');
    const taken = await runCli(['territories', 'set', '--org', 'demo', '--user', 'agent.two@demo.example.com', '--zip', '78701'], env);
    expect(taken.code).toBe(1);
    expect(taken.stderr).toContain('zip 78701 belongs to agent.one@demo.example.com');
    const ghost = await runCli(['territories', 'set', '--org', 'demo', '--user', 'ghost@demo.example.com', '--zip', '78702'], env);
    expect(ghost.code).toBe(1);
    expect(ghost.stderr).toContain('user ghost@demo.example.com was not found');
    const list = await runCli(['territories', 'list', '--org', 'demo', '--json'], env);
    expect(list.json().data).toHaveLength(2);

    // the demo's leads are all in Austin: a territory run gives agent one every unassigned open lead
    const territory = await runCli(['assign', '--org', 'demo', '--strategy', 'territory', '--json'], env);
    expect(territory.code, territory.stderr).toBe(0);
    const t = territory.json();
    expect(t.agents.find((a: { email: string }) => a.email === 'agent.two@demo.example.com').assigned).toBe(0);

    const twoId = r.agents.find((a: { email: string }) => a.email === 'agent.two@demo.example.com').user_id;
    const rows = (await runCli(['leads', 'list', '--org', 'demo', '--limit', '20', '--json'], env)).json().data as { id: string; assignee_id: string | null }[];
    const lead = rows.find((x) => x.assignee_id !== twoId)!.id;
    const hand = await runCli(['assign', '--org', 'demo', '--lead', lead, '--to', 'agent.two@demo.example.com', '--reason', 'speaks Spanish'], env);
    expect(hand.code, hand.stderr).toBe(0);
    expect(hand.stdout).toContain('assigned to agent.two@demo.example.com');
    const half = await runCli(['assign', '--org', 'demo', '--lead', lead], env);
    expect(half.code).toBe(3);

    const none = await runCli(['org', 'create', '--slug', 'empty', '--name', 'Empty'], env);
    expect(none.code, none.stderr).toBe(0);
    const noAgents = await runCli(['assign', '--org', 'empty', '--strategy', 'least_loaded'], env);
    expect(noAgents.code).toBe(3);
    expect(noAgents.stderr).toContain('no active agents');
  });
});
