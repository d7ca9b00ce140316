import { z } from 'zod';
import { notFound } from '../../app/errors.ts';
import { parseInput } from '../../app/validate.ts';
import { LEAD_STATUSES } from '../../db/schema.ts';
import { validateTemplate, type Channel } from '../outreach/template.ts';

// A sequence is a graph of steps (Fish Mouth's sequence nodes): START, messages (EMAIL, SMS,
// VOICE_CALL), WAITs, CONDITIONs that branch, RESEARCH (enrichment) and END. Users write it as
// JSON; SequenceGraphSchema checks each node's config and validateGraph the shape, reporting
// every problem at once with the node it is about, so an editor can mark them all.
// The shape rules exist so an enrollment can never get stuck or run away: one START; every node
// reachable; from every node an END reachable; each step one way on, a CONDITION exactly its two
// branches; and a loop only through a WAIT, because a loop without one would send the same
// message again at machine speed.

export const NODE_TYPES = ['START', 'EMAIL', 'SMS', 'VOICE_CALL', 'WAIT', 'CONDITION', 'RESEARCH', 'END'] as const;
export type NodeType = (typeof NODE_TYPES)[number];
const CHANNEL_OF = { EMAIL: 'email', SMS: 'sms', VOICE_CALL: 'call' } as const satisfies Partial<Record<NodeType, Channel>>;
export const MAX_NODES = 500;
export const MAX_EDGES = 2000;
/** Enrichment stages a RESEARCH step may run (EnrichStage in db/schema-enrichment.ts). */
export const RESEARCH_STAGES = ['append', 'skip_trace', 'verify', 'score'] as const;
/** Voice call outcomes (Fish Mouth's voice_calls.outcome and daily metrics). */
export const CALL_OUTCOMES = ['scheduled', 'callback', 'follow_up', 'rejected', 'no_answer', 'voicemail', 'opt_out', 'failed'] as const;
export const DEFAULT_BRANCHES = ['yes', 'no'] as const;

// Keys are the editor's node ids (React Flow's are free text), so anything printable goes.
const Key = z.string().regex(/^\S(?:\P{Cc}{0,98}\S)?$/u, 'a key is 1 to 100 characters, without control characters or spaces at either end');
const Name = z.string().regex(/^[a-z0-9_-]{1,32}$/, 'a branch is 1 to 32 lower-case letters, digits, _ or -');

/** A saved template by name, or one written into the node. */
export const TemplateRef = z.union([
  z.string().trim().min(1).max(200),
  z.strictObject({ subject: z.string().optional(), body: z.string(), html: z.string().optional() }),
]);
export type TemplateRef = z.infer<typeof TemplateRef>;

const MessageConfig = z.strictObject({ template: TemplateRef });
// a call step: a person calls, or the AI voice agent does (an artificial voice: the gate asks for its consent)
const CallConfig = MessageConfig.extend({ agent: z.enum(['human', 'ai']).optional().describe('human (the default) or ai') });

const YEAR_MINUTES = 366 * 24 * 60; // longer is a typo (days: 3000), not a plan
const WaitConfig = z.strictObject({
  days: z.number().int().min(0).optional(),
  hours: z.number().int().min(0).optional(),
  minutes: z.number().int().min(0).optional(),
  /** The next time of day it is HH:MM for the recipient. */
  until_time: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'until_time is HH:MM, 00:00 to 23:59').optional(),
}).superRefine((c, ctx) => {
  const minutes = waitMinutes(c);
  const duration = c.days !== undefined || c.hours !== undefined || c.minutes !== undefined;
  if (c.until_time !== undefined && duration) ctx.addIssue({ code: 'custom', message: 'a WAIT is a duration or until_time, not both' });
  else if (c.until_time === undefined && minutes <= 0) ctx.addIssue({ code: 'custom', message: 'a WAIT needs days, hours or minutes adding up to more than 0, or until_time' });
  else if (minutes > YEAR_MINUTES) ctx.addIssue({ code: 'custom', message: 'a WAIT is at most 366 days' });
});

/** A WAIT's duration in minutes (0 for an until_time wait). */
export const waitMinutes = (c: { days?: number; hours?: number; minutes?: number }) => (c.days ?? 0) * 1440 + (c.hours ?? 0) * 60 + (c.minutes ?? 0);

const EVENTS = ['replied', 'opened', 'clicked'] as const;
const Statuses = z.union([z.enum(LEAD_STATUSES), z.array(z.enum(LEAD_STATUSES)).min(1)]);
const Outcomes = z.union([z.enum(CALL_OUTCOMES), z.array(z.enum(CALL_OUTCOMES)).min(1)]);
const ConditionConfig = z.strictObject({
  on: z.enum([...EVENTS, 'call_outcome', 'score', 'status']),
  op: z.enum(['eq', 'ne', 'gt', 'gte', 'lt', 'lte', 'in']).optional(),
  value: z.union([z.number(), z.string(), z.array(z.string())]).optional(),
  /** Events only: it counts if it happened within this many hours. */
  within_hours: z.number().positive().max(366 * 24).optional(),
  /** [taken when true, taken when false]; default yes/no. */
  branches: z.tuple([Name, Name]).refine(([a, b]) => a !== b, 'the two branches need different names').optional(),
}).superRefine((c, ctx) => {
  const issue = (message: string, path: string) => ctx.addIssue({ code: 'custom', message, path: [path] });
  if ((EVENTS as readonly string[]).includes(c.on)) {
    if (c.op !== undefined || c.value !== undefined) issue(`"${c.on}" is true when it happened: no op or value`, c.op !== undefined ? 'op' : 'value');
    return;
  }
  if (c.within_hours !== undefined && c.on !== 'call_outcome') issue(`within_hours applies to events, not to ${c.on}`, 'within_hours');
  if (c.on === 'score') {
    if (typeof c.value !== 'number' || c.value < 0 || c.value > 100) issue('a score condition needs a value from 0 to 100', 'value');
    if (c.op === 'in') issue('a score compares with eq, ne, gt, gte, lt or lte', 'op');
    return;
  }
  const values = c.on === 'status' ? Statuses : Outcomes;
  const r = values.safeParse(c.value);
  if (!r.success) issue(`${c.on} needs a value, or a list, from: ${(c.on === 'status' ? LEAD_STATUSES : CALL_OUTCOMES).join(', ')}`, 'value');
  if (c.op !== undefined && !['eq', 'ne', 'in'].includes(c.op)) issue(`${c.on} compares with eq, ne or in`, 'op');
  if (c.op === 'in' && !Array.isArray(c.value)) issue('"in" needs a list', 'value');
});

const ResearchConfig = z.strictObject({
  stages: z.array(z.enum(RESEARCH_STAGES)).min(1).refine((s) => new Set(s).size === s.length, 'a stage is listed twice').optional(),
});
const EndConfig = z.strictObject({ outcome: z.enum(['completed', 'converted']).optional() });

const nodeOf = <T extends NodeType, C extends z.ZodType>(type: T, config: C) => z.strictObject({
  key: Key,
  type: z.literal(type),
  config,
  label: z.string().max(200).optional(),
  /** Where the editor draws it; kept, never read. */
  position: z.object({ x: z.number(), y: z.number() }).optional(),
});

export const SequenceNodeSchema = z.discriminatedUnion('type', [
  nodeOf('START', z.strictObject({}).default({})),
  nodeOf('EMAIL', MessageConfig),
  nodeOf('SMS', MessageConfig),
  nodeOf('VOICE_CALL', CallConfig),
  nodeOf('WAIT', WaitConfig),
  nodeOf('CONDITION', ConditionConfig),
  nodeOf('RESEARCH', ResearchConfig.default({})),
  nodeOf('END', EndConfig.default({})),
]);
export const SequenceEdgeSchema = z.strictObject({ from: Key, to: Key, branch: Name.optional() });
export const SequenceGraphSchema = z.strictObject({
  nodes: z.array(SequenceNodeSchema).min(1).max(MAX_NODES),
  edges: z.array(SequenceEdgeSchema).max(MAX_EDGES),
});
export type SequenceNode = z.infer<typeof SequenceNodeSchema>;
export type SequenceEdge = z.infer<typeof SequenceEdgeSchema>;
export type SequenceGraph = z.infer<typeof SequenceGraphSchema>;

export type GraphErrorCode =
  | 'INVALID' | 'START_COUNT' | 'DUPLICATE_KEY' | 'EDGE_UNKNOWN_NODE' | 'EDGE_INTO_START' | 'OUTGOING' | 'DEAD_END'
  | 'END_OUTGOING' | 'BRANCHES' | 'UNREACHABLE' | 'NO_WAY_OUT' | 'CYCLE_WITHOUT_WAIT' | 'TEMPLATE';
export interface GraphError {
  code: GraphErrorCode;
  message: string;
  /** The node it is about (null for the graph as a whole). */
  node: string | null;
  /** Every node involved, for errors about several (a loop, two STARTs). */
  nodes?: string[];
  /** Where in the JSON, for a schema error: "nodes.3.config.days". */
  path?: string;
}
export interface GraphValidation { ok: boolean; errors: GraphError[]; graph: SequenceGraph | null }

export interface ValidateGraphOptions {
  /** The organization's saved templates by name, with their channel: a node's name must be one, of its channel. */
  templates?: ReadonlyMap<string, Channel>;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
/** What the shape checks read from a node, leniently, so a bad config elsewhere hides no shape error. */
interface Loose { key: string; type: NodeType | null; config: unknown }

export function validateGraph(input: unknown, options: ValidateGraphOptions = {}): GraphValidation {
  const errors: GraphError[] = [];
  const top = z.strictObject({ nodes: z.array(z.unknown()).min(1).max(MAX_NODES), edges: z.array(z.unknown()).max(MAX_EDGES) }).safeParse(input);
  if (!top.success) return { ok: false, errors: issuesOf(top.error, [], null), graph: null };
  const rawNodes = top.data.nodes, rawEdges = top.data.edges;
  const nodes: SequenceNode[] = [], edges: SequenceEdge[] = [];
  rawNodes.forEach((raw, i) => {
    const key = isObj(raw) && typeof raw.key === 'string' ? raw.key : null;
    const r = SequenceNodeSchema.safeParse(raw);
    if (r.success) nodes.push(r.data); else errors.push(...issuesOf(r.error, ['nodes', i], key));
  });
  rawEdges.forEach((raw, i) => {
    const r = SequenceEdgeSchema.safeParse(raw);
    if (r.success) edges.push(r.data); else errors.push(...issuesOf(r.error, ['edges', i], isObj(raw) && typeof raw.from === 'string' ? raw.from : null));
  });
  const loose: Loose[] = rawNodes.filter(isObj).filter((n) => typeof n.key === 'string')
    .map((n) => ({ key: n.key as string, type: (NODE_TYPES as readonly unknown[]).includes(n.type) ? (n.type as NodeType) : null, config: n.config }));
  const looseEdges = rawEdges.filter(isObj).filter((e) => typeof e.from === 'string' && typeof e.to === 'string')
    .map((e) => ({ from: e.from as string, to: e.to as string, branch: typeof e.branch === 'string' ? e.branch : undefined }));
  errors.push(...shapeErrors(loose, looseEdges), ...templateErrors(nodes, options));
  return { ok: errors.length === 0, errors, graph: errors.length === 0 ? { nodes, edges } : null };
}

function issuesOf(error: z.ZodError, at: (string | number)[], node: string | null): GraphError[] {
  return error.issues.map((i) => {
    const path = [...at, ...i.path].join('.');
    return { code: 'INVALID', node, path, message: `${node ? `${node}: ` : ''}${path ? `${path}: ` : ''}${i.message}` };
  });
}

const branchesOf = (n: Loose): readonly string[] => {
  const b = isObj(n.config) ? n.config.branches : undefined;
  return Array.isArray(b) && b.length === 2 && b.every((x) => typeof x === 'string') ? (b as string[]) : DEFAULT_BRANCHES;
};

function shapeErrors(nodes: Loose[], edges: { from: string; to: string; branch?: string | undefined }[]): GraphError[] {
  const errors: GraphError[] = [];
  const err = (code: GraphErrorCode, node: string | null, message: string, nodes?: string[]) => errors.push({ code, node, message, ...(nodes ? { nodes } : {}) });
  const byKey = new Map<string, Loose>();
  for (const n of nodes) {
    if (!byKey.has(n.key)) { byKey.set(n.key, n); continue; }
    if (!errors.some((e) => e.code === 'DUPLICATE_KEY' && e.node === n.key)) err('DUPLICATE_KEY', n.key, `Two nodes have the key "${n.key}"`);
  }
  const starts = [...byKey.values()].filter((n) => n.type === 'START').map((n) => n.key);
  if (starts.length === 0) err('START_COUNT', null, 'A sequence needs a START node');
  if (starts.length > 1) err('START_COUNT', starts[1]!, `A sequence has one START; this one has ${starts.length}: ${starts.join(', ')}`, starts);

  // An edge already reported (to an unknown node, out of an END, back into START) is not walked
  // below, so its error is not echoed as a loop or a dead end elsewhere.
  const out = new Map<string, typeof edges>([...byKey.keys()].map((k) => [k, []]));
  const endOuts = new Map<string, number>();
  edges.forEach((e, i) => {
    const missing = [e.from, e.to].filter((k) => !byKey.has(k));
    for (const k of new Set(missing)) err('EDGE_UNKNOWN_NODE', k, `Edge ${i} (${e.from} → ${e.to}) refers to "${k}", which is no node`);
    if (missing.length) return;
    if (byKey.get(e.to)!.type === 'START') err('EDGE_INTO_START', e.to, `Edge ${i} (${e.from} → ${e.to}) leads back into START: loop to the first step instead`);
    if (byKey.get(e.from)!.type === 'END') endOuts.set(e.from, (endOuts.get(e.from) ?? 0) + 1);
    else out.get(e.from)!.push(e); // counted for its node's branches and edges, even when it leads into START
  });
  for (const [k, count] of endOuts) err('END_OUTGOING', k, `END "${k}" has ${count} outgoing edge(s): an END is the last step`);

  // Nodes whose way on is broken: reported here, and then not blamed again for "no way out".
  const broken = new Set<string>();
  for (const n of byKey.values()) {
    const outs = out.get(n.key)!;
    if (n.type === null) { broken.add(n.key); continue; }
    if (n.type === 'END') continue;
    if (n.type === 'CONDITION') {
      const names = branchesOf(n);
      for (const e of outs.filter((e) => e.branch === undefined || !names.includes(e.branch))) {
        err('BRANCHES', n.key, `The edge ${n.key} → ${e.to} needs a branch of ${n.key}: ${names.join(' or ')}${e.branch ? `, not "${e.branch}"` : ''}`);
      }
      for (const b of names) {
        const count = outs.filter((e) => e.branch === b).length;
        if (count !== 1) { err('BRANCHES', n.key, `CONDITION "${n.key}" needs one "${b}" edge; it has ${count}`); if (count === 0) broken.add(n.key); }
      }
      continue;
    }
    for (const e of outs.filter((e) => e.branch !== undefined)) err('BRANCHES', n.key, `The edge ${n.key} → ${e.to} has a branch, but only a CONDITION branches`);
    if (outs.length === 0) { err('DEAD_END', n.key, `${n.type} "${n.key}" leads nowhere: connect it to the next step or an END`); broken.add(n.key); }
    if (outs.length > 1) err('OUTGOING', n.key, `${n.type} "${n.key}" has ${outs.length} outgoing edges: only a CONDITION branches`);
  }

  const next = (k: string) => out.get(k)!.map((e) => e.to).filter((t) => byKey.get(t)!.type !== 'START');
  const reached = starts.length ? reach(starts, next) : new Set(byKey.keys()); // two STARTs: one error is enough
  for (const k of byKey.keys()) if (!reached.has(k)) err('UNREACHABLE', k, `"${k}" cannot be reached from START`);

  // From every reachable node an END must be reachable. A node that cannot even reach a broken
  // node (whose error already explains it) is stuck in a loop with no way out.
  const into = new Map<string, string[]>([...byKey.keys()].map((k) => [k, []]));
  for (const from of byKey.keys()) for (const to of next(from)) into.get(to)!.push(from);
  const sinks = [...byKey.values()].filter((n) => n.type === 'END' || broken.has(n.key)).map((n) => n.key);
  const canFinish = reach(sinks, (k) => into.get(k)!);
  const stuck = [...reached].filter((k) => !canFinish.has(k));
  if (stuck.length) err('NO_WAY_OUT', stuck[0]!, `No END can be reached from ${stuck.join(', ')}: a loop with no way out`, stuck);

  // A loop is allowed only through a WAIT: any cycle left once the WAITs are taken out is an error.
  const noWait = (k: string) => next(k).filter((t) => byKey.get(t)!.type !== 'WAIT');
  for (const cycle of cyclesIn([...byKey.keys()].filter((k) => byKey.get(k)!.type !== 'WAIT'), noWait)) {
    err('CYCLE_WITHOUT_WAIT', cycle[0]!, `${[...cycle, cycle[0]].join(' → ')} loops without a WAIT: it would repeat at once`, cycle);
  }
  return errors;
}

function reach(from: string[], next: (k: string) => string[]): Set<string> {
  const seen = new Set(from), queue = [...from];
  while (queue.length) for (const t of next(queue.shift()!)) if (!seen.has(t)) { seen.add(t); queue.push(t); }
  return seen;
}

/** One concrete cycle per strongly connected component that has one (Tarjan's algorithm). */
function cyclesIn(keys: string[], next: (k: string) => string[]): string[][] {
  const index = new Map<string, number>(), low = new Map<string, number>(), stack: string[] = [], onStack = new Set<string>();
  const cycles: string[][] = [];
  const visit = (v: string) => { // recursion depth ≤ MAX_NODES
    index.set(v, index.size); low.set(v, index.get(v)!); stack.push(v); onStack.add(v);
    for (const w of next(v)) {
      if (!index.has(w)) { visit(w); low.set(v, Math.min(low.get(v)!, low.get(w)!)); }
      else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) !== index.get(v)) return;
    const scc = new Set<string>();
    let w: string;
    do { w = stack.pop()!; onStack.delete(w); scc.add(w); } while (w !== v);
    if (scc.size > 1 || next(v).includes(v)) cycles.push(cycleThrough(v, scc, next));
  };
  for (const k of keys) if (!index.has(k)) visit(k);
  return cycles;
}

/** The shortest path from `start` back to itself inside its component. */
function cycleThrough(start: string, scc: Set<string>, next: (k: string) => string[]): string[] {
  const parent = new Map<string, string>(), queue = [start];
  while (queue.length) {
    const v = queue.shift()!;
    for (const w of next(v).filter((x) => scc.has(x))) {
      if (w === start) { const path = [v]; while (path[0] !== start) path.unshift(parent.get(path[0]!)!); return path; }
      if (!parent.has(w)) { parent.set(w, v); queue.push(w); }
    }
  }
  return [start];
}

function templateErrors(nodes: SequenceNode[], options: ValidateGraphOptions): GraphError[] {
  const errors: GraphError[] = [];
  for (const n of nodes) {
    if (n.type !== 'EMAIL' && n.type !== 'SMS' && n.type !== 'VOICE_CALL') continue;
    const channel = CHANNEL_OF[n.type], t = n.config.template;
    if (typeof t === 'string') {
      const saved = options.templates?.get(t);
      if (options.templates && !saved) errors.push({ code: 'TEMPLATE', node: n.key, message: `${n.key}: there is no template named "${t}"` });
      else if (saved && saved !== channel) errors.push({ code: 'TEMPLATE', node: n.key, message: `${n.key}: "${t}" is a ${saved} template, this step sends ${channel}` });
      continue;
    }
    for (const e of validateTemplate({ channel, ...t }).errors) {
      errors.push({ code: 'TEMPLATE', node: n.key, path: `config.template.${e.field}`, message: `${n.key}: template ${e.field} at ${e.index}: ${e.message}` });
    }
  }
  return errors;
}

/** The nodes an enrollment moves to from `key`; for a CONDITION, `branch` picks the edge (all without it). */
export function nextNodes(graph: SequenceGraph, key: string, branch?: string): SequenceNode[] {
  const byKey = new Map(graph.nodes.map((n) => [n.key, n]));
  if (!byKey.has(key)) throw notFound('sequence node', key);
  return graph.edges
    .filter((e) => e.from === key && (branch === undefined || e.branch === undefined || e.branch === branch))
    .flatMap((e) => byKey.get(e.to) ?? []);
}

// ---- Epic 3's nurture sequences: a list of steps, each some days after the one before ----

const NurtureStep = z.object({
  /** Epic 3 numbers its steps; when every step has one they are taken in that order. */
  step: z.number().int().optional(),
  delay_days: z.number().int().min(0).max(366),
  channel: z.enum(['email', 'sms', 'call']),
  template: TemplateRef.optional(),
  /** Epic 3's spelling of `template`. */
  template_id: z.string().trim().min(1).max(200).optional(),
}).refine((s) => (s.template === undefined) !== (s.template_id === undefined), 'a step needs a template (or template_id), one of them');
export const NurtureSequenceSchema = z.object({ steps: z.array(NurtureStep).min(1).max(100) });
export type NurtureSequence = z.input<typeof NurtureSequenceSchema>;

const NODE_OF_CHANNEL = { email: 'EMAIL', sms: 'SMS', call: 'VOICE_CALL' } as const;

/** START → [WAIT delay] → step → … → END; a 0-day delay adds no WAIT. Keys: start, wait-N, step-N, end. */
export function nurtureToGraph(sequence: NurtureSequence): SequenceGraph {
  const { steps } = parseInput(NurtureSequenceSchema, sequence);
  const ordered = steps.every((s) => s.step !== undefined) ? [...steps].sort((a, b) => a.step! - b.step!) : steps;
  const nodes: SequenceNode[] = [{ key: 'start', type: 'START', config: {} }];
  ordered.forEach((s, i) => {
    if (s.delay_days > 0) nodes.push({ key: `wait-${i + 1}`, type: 'WAIT', config: { days: s.delay_days } });
    nodes.push({ key: `step-${i + 1}`, type: NODE_OF_CHANNEL[s.channel], config: { template: (s.template ?? s.template_id)! } });
  });
  nodes.push({ key: 'end', type: 'END', config: { outcome: 'completed' } });
  const edges = nodes.slice(1).map((n, i) => ({ from: nodes[i]!.key, to: n.key }));
  return { nodes, edges };
}
