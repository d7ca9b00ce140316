import { describe, expect, it } from 'vitest';
import { AppError } from '../../app/errors.ts';
import { nextNodes, nurtureToGraph, validateGraph, type GraphErrorCode, type SequenceGraph } from './graph.ts';

type N = { key: string; type: string; config?: unknown };
const start = (key = 'start'): N => ({ key, type: 'START' });
const sms = (key: string, template: unknown = 'intro-sms'): N => ({ key, type: 'SMS', config: { template } });
const email = (key: string, template: unknown = 'intro-email'): N => ({ key, type: 'EMAIL', config: { template } });
const wait = (key: string, config: unknown = { days: 2 }): N => ({ key, type: 'WAIT', config });
const cond = (key: string, config: unknown = { on: 'replied', within_hours: 48 }): N => ({ key, type: 'CONDITION', config });
const end = (key = 'end'): N => ({ key, type: 'END' });
const e = (from: string, to: string, branch?: string) => (branch ? { from, to, branch } : { from, to });
const graph = (nodes: N[], edges: ReturnType<typeof e>[]) => ({ nodes, edges });

/** START → SMS → WAIT → CONDITION(replied): yes → END, no → back to the SMS (a loop through the WAIT). */
const loopThroughWait = () => graph(
  [start(), sms('text'), wait('pause'), cond('replied?'), end('done')],
  [e('start', 'text'), e('text', 'pause'), e('pause', 'replied?'), e('replied?', 'done', 'yes'), e('replied?', 'text', 'no')],
);

const codes = (input: unknown) => validateGraph(input).errors.map((x) => [x.code, x.node] as [GraphErrorCode, string | null]);
const only = (input: unknown, code: GraphErrorCode) => {
  const v = validateGraph(input);
  expect(v.ok).toBe(false);
  expect(v.errors.map((x) => x.code)).toEqual(v.errors.map(() => code));
  return v.errors;
};

describe('validateGraph: valid graphs', () => {
  it('accepts a straight line and returns the parsed graph with defaults filled in', () => {
    const v = validateGraph(graph([start(), email('hello'), wait('w', { hours: 4 }), sms('ping'), end()],
      [e('start', 'hello'), e('hello', 'w'), e('w', 'ping'), e('ping', 'end')]));
    expect(v.errors).toEqual([]);
    expect(v.ok).toBe(true);
    expect(v.graph?.nodes[0]).toEqual({ key: 'start', type: 'START', config: {} });
    expect(v.graph?.nodes.at(-1)).toEqual({ key: 'end', type: 'END', config: {} });
  });

  it('accepts a loop that passes through a WAIT', () => {
    expect(validateGraph(loopThroughWait())).toMatchObject({ ok: true, errors: [] });
  });

  it('accepts named branches, every condition kind, research and end outcomes', () => {
    const v = validateGraph(graph(
      [start(), { key: 'r', type: 'RESEARCH', config: { stages: ['skip_trace', 'verify'] } }, { key: 'call', type: 'VOICE_CALL', config: { template: { body: 'Hi {{person.first_name | "there"}}' } } },
        cond('outcome', { on: 'call_outcome', value: ['scheduled', 'callback'], op: 'in', within_hours: 2, branches: ['booked', 'not_booked'] }),
        cond('hot', { on: 'score', op: 'gte', value: 70 }), cond('status', { on: 'status', value: 'qualified' }),
        { key: 'won', type: 'END', config: { outcome: 'converted' } }, end()],
      [e('start', 'r'), e('r', 'call'), e('call', 'outcome'), e('outcome', 'won', 'booked'), e('outcome', 'hot', 'not_booked'),
        e('hot', 'status', 'yes'), e('hot', 'end', 'no'), e('status', 'won', 'yes'), e('status', 'end', 'no')],
    ));
    expect(v.errors).toEqual([]);
  });

  it('accepts an until_time wait and keeps editor positions', () => {
    const v = validateGraph(graph([start(), { ...wait('morning', { until_time: '09:30' }), position: { x: 1, y: 2 } } as N, sms('t'), end()],
      [e('start', 'morning'), e('morning', 't'), e('t', 'end')]));
    expect(v.ok).toBe(true);
    expect(v.graph?.nodes[1]).toMatchObject({ position: { x: 1, y: 2 } });
  });
});

describe('validateGraph: each rule', () => {
  it('needs exactly one START', () => {
    expect(codes(graph([sms('a'), end()], [e('a', 'end')]))).toEqual([['START_COUNT', null]]);
    const two = only(graph([start('s1'), start('s2'), end()], [e('s1', 'end'), e('s2', 'end')]), 'START_COUNT');
    expect(two[0]).toMatchObject({ node: 's2', nodes: ['s1', 's2'] });
  });

  it('refuses duplicate keys', () => {
    expect(codes(graph([start(), sms('a'), sms('a'), end()], [e('start', 'a'), e('a', 'end')]))).toEqual([['DUPLICATE_KEY', 'a']]);
  });

  it('refuses edges to or from nodes that do not exist', () => {
    const errors = validateGraph(graph([start(), end()], [e('start', 'end'), e('start', 'ghost'), e('nobody', 'end')])).errors;
    expect(errors.filter((x) => x.code === 'EDGE_UNKNOWN_NODE').map((x) => x.node)).toEqual(['ghost', 'nobody']);
    expect(errors[0]!.message).toContain('Edge 1 (start → ghost)');
  });

  it('refuses nodes that cannot be reached from START', () => {
    expect(codes(graph([start(), sms('island'), end()], [e('start', 'end'), e('island', 'end')]))).toEqual([['UNREACHABLE', 'island']]);
  });

  it('refuses a step that leads nowhere, and blames only that step', () => {
    expect(codes(graph([start(), sms('a'), sms('b'), end()], [e('start', 'a'), e('a', 'b')]))).toEqual([['DEAD_END', 'b'], ['UNREACHABLE', 'end']]);
  });

  it('refuses a loop with no way on to an END, even through a WAIT', () => {
    expect(codes(graph([start(), sms('a'), wait('w'), end()], [e('start', 'a'), e('a', 'w'), e('w', 'a')])))
      .toEqual([['UNREACHABLE', 'end'], ['NO_WAY_OUT', 'start']]);
    const stuck = validateGraph(graph([start(), cond('c'), sms('a'), wait('w'), end()],
      [e('start', 'c'), e('c', 'end', 'yes'), e('c', 'a', 'no'), e('a', 'w'), e('w', 'a')])).errors;
    expect(stuck).toEqual([expect.objectContaining({ code: 'NO_WAY_OUT', node: 'a', nodes: ['a', 'w'] })]);
  });

  it('allows one outgoing edge per step, none from an END', () => {
    expect(codes(graph([start(), sms('a'), sms('b'), end()], [e('start', 'a'), e('a', 'b'), e('a', 'end'), e('b', 'end')]))).toEqual([['OUTGOING', 'a']]);
    expect(codes(graph([start(), sms('a'), end()], [e('start', 'a'), e('a', 'end'), e('end', 'a')]))).toEqual([['END_OUTGOING', 'end']]);
  });

  it('gives a CONDITION exactly its two branches', () => {
    const base = [start(), cond('c'), sms('a'), end()];
    expect(codes(graph(base, [e('start', 'c'), e('c', 'a', 'yes'), e('a', 'end')]))).toEqual([['BRANCHES', 'c']]);
    expect(codes(graph(base, [e('start', 'c'), e('c', 'a', 'yes'), e('c', 'end', 'yes'), e('c', 'end', 'no'), e('a', 'end')]))).toEqual([['BRANCHES', 'c']]);
    const wrong = validateGraph(graph(base, [e('start', 'c'), e('c', 'a', 'yes'), e('c', 'end', 'maybe'), e('a', 'end')])).errors;
    expect(wrong.map((x) => x.message)).toEqual([expect.stringContaining('yes or no, not "maybe"'), expect.stringContaining('needs one "no" edge; it has 0')]);
    expect(codes(graph(base, [e('start', 'c'), e('c', 'a'), e('c', 'end', 'no'), e('a', 'end')]))).toEqual([['BRANCHES', 'c'], ['BRANCHES', 'c']]);
    const named = [start(), cond('c', { on: 'opened', branches: ['seen', 'unseen'] }), sms('a'), end()];
    expect(codes(graph(named, [e('start', 'c'), e('c', 'a', 'yes'), e('c', 'end', 'no'), e('a', 'end')])).map((x) => x[0]))
      .toEqual(['BRANCHES', 'BRANCHES', 'BRANCHES', 'BRANCHES']);
  });

  it('keeps branches to CONDITION edges', () => {
    expect(codes(graph([start(), sms('a'), end()], [e('start', 'a'), e('a', 'end', 'yes')]))).toEqual([['BRANCHES', 'a']]);
  });

  it('refuses a loop without a WAIT, naming the nodes in it', () => {
    const v = validateGraph(graph([start(), sms('text'), cond('replied?'), end()],
      [e('start', 'text'), e('text', 'replied?'), e('replied?', 'end', 'yes'), e('replied?', 'text', 'no')]));
    expect(v.errors).toEqual([{
      code: 'CYCLE_WITHOUT_WAIT', node: 'text', nodes: ['text', 'replied?'],
      message: 'text → replied? → text loops without a WAIT: it would repeat at once',
    }]);
  });

  it('finds the loop that skips the WAIT even when another loop through it shares nodes', () => {
    // c1 → c2 → w → c1 waits; c1 → c2 → a → c1 does not, though all four nodes form one component.
    const v = validateGraph(graph([start(), cond('c1'), cond('c2', { on: 'opened' }), wait('w'), sms('a'), end()],
      [e('start', 'c1'), e('c1', 'end', 'yes'), e('c1', 'c2', 'no'), e('c2', 'w', 'yes'), e('c2', 'a', 'no'), e('w', 'c1'), e('a', 'c1')]));
    expect(v.errors.map((x) => [x.code, x.nodes])).toEqual([['CYCLE_WITHOUT_WAIT', ['c1', 'c2', 'a']]]);
  });

  it('refuses an edge back into START', () => {
    const v = validateGraph(graph([start(), wait('w'), cond('c'), end()], [e('start', 'w'), e('w', 'c'), e('c', 'end', 'yes'), e('c', 'start', 'no')]));
    expect(v.errors.map((x) => x.code)).toEqual(['EDGE_INTO_START']); // not also a loop: one error per mistake
  });

  it('reports every problem at once', () => {
    const v = validateGraph(graph([sms('a'), sms('a'), wait('w', { days: 0 }), end()], [e('a', 'ghost'), e('end', 'a')]));
    expect(v.errors.map((x) => [x.code, x.node])).toEqual([
      ['INVALID', 'w'], ['DUPLICATE_KEY', 'a'], ['START_COUNT', null], ['EDGE_UNKNOWN_NODE', 'ghost'], ['END_OUTGOING', 'end'],
      ['DEAD_END', 'a'], ['DEAD_END', 'w'],
    ]);
  });
});

describe('validateGraph: node configs', () => {
  const one = (node: N) => validateGraph(graph([start(), node, end()], [e('start', node.key), e(node.key, 'end')])).errors;

  it.each([
    [wait('w', {}), 'adding up to more than 0'],
    [wait('w', { days: 0, hours: 0 }), 'adding up to more than 0'],
    [wait('w', { days: -1 }), 'config.days'],
    [wait('w', { days: 1.5 }), 'config.days'],
    [wait('w', { days: 400 }), 'at most 366 days'],
    [wait('w', { until_time: '9:00' }), 'HH:MM'],
    [wait('w', { until_time: '24:00' }), 'HH:MM'],
    [wait('w', { hours: 1, until_time: '09:00' }), 'not both'],
    [wait('w', { day: 3 }), 'day'],
    [sms('s', ''), 'config.template'],
    [{ key: 's', type: 'SMS', config: {} }, 'config.template'],
    [{ key: 's', type: 'SMS' }, 'config'],
    [{ key: 'x', type: 'FAX', config: {} }, 'type'],
    [{ key: ' padded', type: 'END' }, 'key'],
    [{ key: '', type: 'END' }, 'key'],
    [{ key: 'r', type: 'RESEARCH', config: { stages: ['pull'] } }, 'config.stages'],
    [{ key: 'r', type: 'RESEARCH', config: { stages: ['verify', 'verify'] } }, 'listed twice'],
    [{ key: 'x', type: 'END', config: { outcome: 'won' } }, 'config.outcome'],
  ])('%j → INVALID (%s)', (node, text) => {
    const errors = one(node as N).filter((x) => x.code === 'INVALID');
    expect(errors.length).toBeGreaterThan(0);
    expect(errors.map((x) => `${x.path} ${x.message}`).join('\n')).toContain(text);
  });

  it.each([
    [{ on: 'replied', value: 1 }, 'no op or value'],
    [{ on: 'bounced' }, 'config.on'],
    [{ on: 'score', value: 170 }, '0 to 100'],
    [{ on: 'score', op: 'in', value: 70 }, 'eq, ne, gt'],
    [{ on: 'score', value: 70, within_hours: 3 }, 'within_hours applies to events'],
    [{ on: 'status', value: 'won' }, 'status needs a value'],
    [{ on: 'status', op: 'gt', value: 'new' }, 'eq, ne or in'],
    [{ on: 'status', op: 'in', value: 'new' }, '"in" needs a list'],
    [{ on: 'call_outcome', value: 'great' }, 'call_outcome needs a value'],
    [{ on: 'opened', branches: ['a', 'a'] }, 'different names'],
  ])('CONDITION %j → INVALID (%s)', (config, text) => {
    const v = validateGraph(graph([start(), cond('c', config), end()], [e('start', 'c'), e('c', 'end', 'yes'), e('c', 'end', 'no')]));
    expect(v.errors.filter((x) => x.code === 'INVALID').map((x) => `${x.path} ${x.message}`).join('\n')).toContain(text);
  });

  it('names the node a config error is about', () => {
    expect(one(wait('pause', { days: 0 }))).toEqual([expect.objectContaining({ code: 'INVALID', node: 'pause', path: 'nodes.1.config' })]);
  });

  it('refuses a malformed document outright', () => {
    for (const bad of [null, [], { nodes: [] , edges: [] }, { nodes: [start()] }, { nodes: [start()], edges: [], name: 'x' }]) {
      expect(validateGraph(bad).errors.every((x) => x.code === 'INVALID')).toBe(true);
    }
  });

  it('validates inline templates against the merge fields and the channel', () => {
    const errors = one(email('mail', { body: 'Hi {{person.nick}}' }));
    expect(errors.map((x) => [x.code, x.node, x.path])).toEqual([
      ['TEMPLATE', 'mail', 'config.template.body'], ['TEMPLATE', 'mail', 'config.template.subject'],
    ]);
    expect(one(sms('t', { subject: 'x', body: 'Hi' }))[0]).toMatchObject({ code: 'TEMPLATE', message: expect.stringContaining('Only an email has a subject') });
  });

  it('checks template names against the saved templates, when given', () => {
    const g = graph([start(), sms('a', 'intro'), email('b', 'intro'), sms('c', 'nope'), end()],
      [e('start', 'a'), e('a', 'b'), e('b', 'c'), e('c', 'end')]);
    expect(validateGraph(g).ok).toBe(true);
    const v = validateGraph(g, { templates: new Map([['intro', 'sms' as const]]) });
    expect(v.errors.map((x) => [x.node, x.message])).toEqual([
      ['b', 'b: "intro" is a sms template, this step sends email'], ['c', 'c: there is no template named "nope"'],
    ]);
  });
});

describe('nextNodes', () => {
  const g = validateGraph(loopThroughWait()).graph as SequenceGraph;

  it('follows the one edge of a step, and a CONDITION by branch', () => {
    expect(nextNodes(g, 'start').map((n) => n.key)).toEqual(['text']);
    expect(nextNodes(g, 'replied?', 'yes').map((n) => n.key)).toEqual(['done']);
    expect(nextNodes(g, 'replied?', 'no').map((n) => n.key)).toEqual(['text']);
    expect(nextNodes(g, 'replied?').map((n) => n.key)).toEqual(['done', 'text']);
    expect(nextNodes(g, 'replied?', 'maybe')).toEqual([]);
    expect(nextNodes(g, 'done')).toEqual([]);
  });

  it('throws NOT_FOUND for a node that is not in the graph', () => {
    expect(() => nextNodes(g, 'gone')).toThrow(AppError);
  });
});

describe('nurtureToGraph', () => {
  it('turns steps into START → WAIT → step … → END, with no WAIT for a 0-day delay', () => {
    const g = nurtureToGraph({ steps: [
      { delay_days: 0, channel: 'sms', template: 'welcome_sms' },
      { delay_days: 3, channel: 'email', template: { subject: 'Hi', body: 'Hello {{person.first_name | "there"}}' } },
      { delay_days: 7, channel: 'call', template: 'call_script' },
    ] });
    expect(g.nodes.map((n) => `${n.key}:${n.type}`)).toEqual(
      ['start:START', 'step-1:SMS', 'wait-2:WAIT', 'step-2:EMAIL', 'wait-3:WAIT', 'step-3:VOICE_CALL', 'end:END']);
    expect(g.nodes[2]).toEqual({ key: 'wait-2', type: 'WAIT', config: { days: 3 } });
    expect(g.edges).toEqual([e('start', 'step-1'), e('step-1', 'wait-2'), e('wait-2', 'step-2'), e('step-2', 'wait-3'),
      e('wait-3', 'step-3'), e('step-3', 'end')]);
    expect(validateGraph(g)).toMatchObject({ ok: true, graph: g });
  });

  it("reads Epic 3's rows as stored: numbered steps and template_id", () => {
    const g = nurtureToGraph({ steps: [
      { step: 2, delay_days: 2, channel: 'email', template_id: 'follow_up' },
      { step: 1, delay_days: 0, channel: 'sms', template_id: 'welcome_sms' },
    ] });
    expect(g.nodes.map((n) => n.key)).toEqual(['start', 'step-1', 'wait-2', 'step-2', 'end']);
    expect(g.nodes[1]).toMatchObject({ type: 'SMS', config: { template: 'welcome_sms' } });
    expect(validateGraph(g).ok).toBe(true);
  });

  it.each([
    [{ steps: [] }],
    [{ steps: [{ delay_days: -1, channel: 'sms', template: 't' }] }],
    [{ steps: [{ delay_days: 1, channel: 'fax', template: 't' }] }],
    [{ steps: [{ delay_days: 1, channel: 'sms' }] }],
    [{ steps: [{ delay_days: 1, channel: 'sms', template: 't', template_id: 'u' }] }],
  ])('refuses %j with a VALIDATION error', (input) => {
    expect(() => nurtureToGraph(input as never)).toThrow(expect.objectContaining({ code: 'VALIDATION' }));
  });
});
