import type { ExecutionStatus, SequenceNodeType } from '../../db/schema-sequences.ts';
import type { TemplateInput } from '../outreach/template.ts';
import { DEFAULT_BRANCHES } from './graph.ts';
import { addWait, nextTimeOfDay, nextWorkingInstant, type WorkingHours } from './working-hours.ts';

// One enrollment's pass through its sequence, decided in process: from its current node, take
// every step that can be taken now (START, messages, CONDITIONs, RESEARCH, END) until a WAIT
// sets the next time, a message falls outside the working hours, or the sequence ends. Nothing
// here reads or writes the database: the engine loads the facts for a whole batch first, walks
// each enrollment, and writes every result with a few set-based statements.

export interface CompiledNode {
  key: string;
  type: SequenceNodeType;
  config: Record<string, unknown>;
  /** Where to go: "next", or a CONDITION's branch names. */
  next: Record<string, string>;
  templateId: string | null;
  /** The template to render (saved or inline), for message nodes. */
  template: TemplateInput | null;
}

export interface CompiledSequence {
  id: string;
  purpose: 'marketing' | 'informational';
  hours: WorkingHours;
  nodes: Map<string, CompiledNode>;
}

/** What a CONDITION may ask about the lead: the latest of each event since it was enrolled. */
export interface LeadFacts {
  status: string | null;
  score: number | null;
  replied: Date | null;
  opened: Date | null;
  clicked: Date | null;
  callOutcome: { outcome: string; at: Date } | null;
}

/** What rendering a message node for this enrollment gave: a message, a skip (no phone) or a failure. */
export type Rendered<M> = { message: M } | { skip: string } | { fail: string };

export interface StepTaken<M> {
  key: string;
  type: SequenceNodeType;
  step: number;
  status: ExecutionStatus;
  branch?: string;
  detail?: Record<string, unknown>;
  error?: string;
  message?: M;
}

export interface WalkResult<M> {
  steps: StepTaken<M>[];
  node: string;
  step: number;
  status: 'active' | 'completed' | 'failed';
  nextRunAt: Date | null;
  converted: boolean;
  error: string | null;
}

/** Steps one pass may take; a longer run of instant steps carries on in the next pass. */
export const MAX_STEPS_PER_PASS = 50;
const MESSAGE_TYPES = new Set<SequenceNodeType>(['EMAIL', 'SMS', 'VOICE_CALL']);

export function walk<M>(seq: CompiledSequence, from: { node: string; step: number }, ctx: {
  now: Date;
  facts: LeadFacts;
  render: (node: CompiledNode, step: number) => Rendered<M>;
}): WalkResult<M> {
  const steps: StepTaken<M>[] = [];
  let key = from.node, step = from.step;
  const result = (over: Partial<WalkResult<M>>): WalkResult<M> =>
    ({ steps, node: key, step, status: 'active', nextRunAt: ctx.now, converted: false, error: null, ...over });
  const take = (n: CompiledNode, status: ExecutionStatus, extra: Partial<StepTaken<M>> = {}) => {
    steps.push({ key: n.key, type: n.type, step: ++step, status, ...extra });
  };

  for (let i = 0; i < MAX_STEPS_PER_PASS; i++) {
    const n = seq.nodes.get(key);
    if (!n) return result({ status: 'failed', nextRunAt: null, error: `the sequence has no node "${key}"` });
    if (MESSAGE_TYPES.has(n.type)) {
      // outside the working hours the enrollment waits at this node; nothing is recorded yet
      const open = nextWorkingInstant(ctx.now, seq.hours);
      if (open > ctx.now) return result({ nextRunAt: open });
      const r = ctx.render(n, step + 1);
      if ('fail' in r) {
        take(n, 'failed', { error: r.fail });
        return result({ status: 'failed', nextRunAt: null, error: `${n.key}: ${r.fail}` });
      }
      if ('skip' in r) take(n, 'skipped', { detail: { reason: r.skip } });
      else take(n, 'scheduled', { message: r.message });
      key = n.next.next!;
      continue;
    }
    switch (n.type) {
      case 'START':
        take(n, 'succeeded');
        key = n.next.next!;
        continue;
      case 'WAIT': {
        const c = n.config as { days?: number; hours?: number; minutes?: number; until_time?: string };
        const until = c.until_time ? nextTimeOfDay(ctx.now, c.until_time, seq.hours.zone) : addWait(ctx.now, c, seq.hours.zone);
        take(n, 'succeeded', { detail: { until: until.toISOString() } });
        key = n.next.next!;
        return result({ nextRunAt: until });
      }
      case 'CONDITION': {
        const c = n.config as unknown as ConditionConfig;
        const [yes, no] = (c.branches ?? DEFAULT_BRANCHES) as readonly [string, string];
        const { holds, value } = evaluate(c, ctx.facts, ctx.now);
        const branch = holds ? yes : no;
        take(n, 'succeeded', { branch, detail: { on: c.on, value } });
        key = n.next[branch]!;
        continue;
      }
      case 'RESEARCH':
        // the run is started after the batch commits (it has its own transaction); see engine.ts
        take(n, 'scheduled', { detail: { stages: (n.config as { stages?: string[] }).stages ?? null } });
        key = n.next.next!;
        continue;
      case 'END': {
        const converted = (n.config as { outcome?: string }).outcome === 'converted';
        take(n, 'succeeded', { detail: { outcome: converted ? 'converted' : 'completed' } });
        return result({ status: 'completed', nextRunAt: null, converted });
      }
    }
  }
  return result({}); // still due: the next pass goes on from here
}

interface ConditionConfig {
  on: 'replied' | 'opened' | 'clicked' | 'call_outcome' | 'score' | 'status';
  op?: 'eq' | 'ne' | 'gt' | 'gte' | 'lt' | 'lte' | 'in';
  value?: number | string | string[];
  within_hours?: number;
  branches?: [string, string];
}

/** Whether a CONDITION holds for these facts, and the value it looked at (kept on the execution). */
export function evaluate(c: ConditionConfig, f: LeadFacts, now: Date): { holds: boolean; value: unknown } {
  const recent = (at: Date | null) => at !== null && (c.within_hours === undefined || now.getTime() - at.getTime() <= c.within_hours * 3_600_000);
  switch (c.on) {
    case 'replied': case 'opened': case 'clicked': {
      const at = f[c.on];
      return { holds: recent(at), value: at?.toISOString() ?? null };
    }
    case 'score': {
      const v = c.value as number;
      const s = f.score;
      if (s === null) return { holds: false, value: null };
      const op = c.op ?? 'gte';
      const holds = op === 'eq' ? s === v : op === 'ne' ? s !== v : op === 'gt' ? s > v : op === 'gte' ? s >= v : op === 'lt' ? s < v : s <= v;
      return { holds, value: s };
    }
    case 'status':
      return { holds: matches(f.status, c), value: f.status };
    case 'call_outcome': {
      const o = f.callOutcome && recent(f.callOutcome.at) ? f.callOutcome.outcome : null;
      return { holds: o !== null && matches(o, c), value: o };
    }
  }
}

function matches(actual: string | null, c: ConditionConfig): boolean {
  const wanted = Array.isArray(c.value) ? c.value : [String(c.value)];
  const hit = actual !== null && wanted.includes(actual);
  return c.op === 'ne' ? !hit : hit;
}
