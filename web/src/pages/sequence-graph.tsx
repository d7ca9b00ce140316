import type { ReactNode } from 'react';

// A sequence drawn: its nodes in rows from START down (each row one step further on), the
// edges between them with their branch names, and loops back up the right-hand side. Every
// figure drawn is also written out in the list of steps beside it, so nothing is only in the
// picture; at a phone's width the drawing shrinks and the list carries the detail.

export interface GraphNode {
  key: string; type: string; label: string | null; config: Record<string, unknown>; next: Record<string, string>;
  waiting?: number; executions?: number; succeeded?: number; failed?: number; skipped?: number; scheduled?: number;
}

const W = 172;
const H = 70;
const GAP_X = 26;
const GAP_Y = 46;
const PAD = 12;

const KIND: Record<string, string> = { START: 'Start', EMAIL: 'E-mail', SMS: 'Text', VOICE_CALL: 'Call', WAIT: 'Wait', CONDITION: 'If', RESEARCH: 'Research', END: 'End' };
const FAMILY: Record<string, string> = { START: 'edge', END: 'edge', EMAIL: 'message', SMS: 'message', VOICE_CALL: 'message', WAIT: 'wait', CONDITION: 'condition', RESEARCH: 'research' };
export const kindOf = (type: string) => KIND[type] ?? type;

const OPS: Record<string, string> = { eq: '=', ne: '≠', gt: '>', gte: '≥', lt: '<', lte: '≤', in: 'in' };

/** The branch names of a node, in the order they are drawn: a CONDITION's [true, false], otherwise its one way on. */
export function branchesOf(n: GraphNode): string[] {
  if (n.type === 'CONDITION') {
    const b = n.config.branches;
    const names = Array.isArray(b) && b.length === 2 ? (b as string[]) : ['yes', 'no'];
    return [...names, ...Object.keys(n.next).filter((k) => !names.includes(k))];
  }
  return Object.keys(n.next);
}

const clip = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

function templateOf(config: Record<string, unknown>): string {
  const t = config.template;
  if (typeof t === 'string') return `template “${t}”`;
  if (t && typeof t === 'object') {
    const o = t as { subject?: string; body?: string };
    return `“${(o.subject ?? o.body ?? '').replace(/\s+/g, ' ').trim()}”`;
  }
  return 'no template';
}

/** What a node does, in a few words: its template, its wait, its test. */
export function summaryOf(n: GraphNode): string {
  const c = n.config ?? {};
  switch (n.type) {
    case 'START': return 'enrolled leads begin here';
    case 'EMAIL': case 'SMS': return templateOf(c);
    case 'VOICE_CALL': return `${c.agent === 'ai' ? 'AI agent' : 'a person'} calls: ${templateOf(c)}`;
    case 'WAIT': {
      if (typeof c.until_time === 'string') return `until ${c.until_time}, their time`;
      const parts = [[c.days, 'day'], [c.hours, 'hour'], [c.minutes, 'minute']].filter(([v]) => typeof v === 'number' && v > 0)
        .map(([v, u]) => `${v as number} ${u as string}${v === 1 ? '' : 's'}`);
      return parts.join(' ') || 'no time';
    }
    case 'CONDITION': {
      const on = String(c.on ?? '?');
      if (['replied', 'opened', 'clicked'].includes(on)) return `${on}${typeof c.within_hours === 'number' ? ` within ${c.within_hours} h` : ''}?`;
      const v = Array.isArray(c.value) ? c.value.join(', ') : String(c.value ?? '?');
      return `${on.replaceAll('_', ' ')} ${OPS[String(c.op ?? (Array.isArray(c.value) ? 'in' : 'eq'))] ?? c.op} ${v}?`;
    }
    case 'RESEARCH': return Array.isArray(c.stages) ? `enrich: ${c.stages.join(', ')}` : 'enrich: every stage';
    case 'END': return c.outcome === 'converted' ? 'ends as converted' : 'ends as completed';
    default: return '';
  }
}

/** How many went through a node: what it ran, less what failed there. */
export const through = (n: GraphNode) => Math.max(0, (n.executions ?? 0) - (n.failed ?? 0));
export const hasCounts = (n: GraphNode) => n.executions !== undefined;

/** The nodes in the order a lead meets them: breadth first from START, the unreachable last. */
export function ordered(nodes: GraphNode[], start: string): GraphNode[] {
  const byKey = new Map(nodes.map((n) => [n.key, n]));
  const seen = new Set<string>();
  const out: GraphNode[] = [];
  const queue = byKey.has(start) ? [start] : [];
  seen.add(start);
  while (queue.length) {
    const n = byKey.get(queue.shift()!)!;
    out.push(n);
    for (const b of branchesOf(n)) {
      const to = n.next[b];
      if (to && byKey.has(to) && !seen.has(to)) { seen.add(to); queue.push(to); }
    }
  }
  return [...out, ...nodes.filter((n) => !seen.has(n.key))];
}

interface Edge { from: string; to: string; branch: string | null; back: boolean }

/** Rows by the longest way from START (loops left out), each row ordered under its parents. */
export function layout(nodes: GraphNode[], start: string) {
  const order = ordered(nodes, start);
  const byKey = new Map(order.map((n) => [n.key, n]));
  const rank = new Map(order.map((n, i) => [n.key, i]));
  const edges: Edge[] = [];
  // a depth-first walk marks the edges that go back to a node still being walked: the loops
  const state = new Map<string, 1 | 2>();
  const visit = (k: string) => {
    state.set(k, 1);
    const n = byKey.get(k)!;
    for (const b of branchesOf(n)) {
      const to = n.next[b];
      if (!to || !byKey.has(to)) continue;
      const back = state.get(to) === 1;
      edges.push({ from: k, to, branch: n.type === 'CONDITION' ? b : null, back });
      if (!state.has(to)) visit(to);
    }
    state.set(k, 2);
  };
  for (const n of order) if (!state.has(n.key)) visit(n.key);

  const row = new Map(order.map((n) => [n.key, 0]));
  // longest path over the forward edges: relax in order until nothing moves (at most n rounds)
  for (let round = 0, moved = true; moved && round <= order.length; round++) {
    moved = false;
    for (const e of edges) {
      if (e.back) continue;
      if (row.get(e.to)! < row.get(e.from)! + 1) { row.set(e.to, row.get(e.from)! + 1); moved = true; }
    }
  }
  const rows: string[][] = [];
  for (const n of order) (rows[row.get(n.key)!] ??= []).push(n.key);
  const dense = rows.filter(Boolean);
  const col = new Map<string, number>();
  for (const keys of dense) {
    const parentCol = (k: string) => {
      const ps = edges.filter((e) => e.to === k && !e.back && col.has(e.from)).map((e) => col.get(e.from)!);
      return ps.length ? ps.reduce((a, b) => a + b, 0) / ps.length : rank.get(k)!;
    };
    keys.sort((a, b) => parentCol(a) - parentCol(b) || rank.get(a)! - rank.get(b)!);
    keys.forEach((k, i) => col.set(k, i - (keys.length - 1) / 2));
  }
  const widest = Math.max(1, ...dense.map((r) => r.length));
  const loops = edges.filter((e) => e.back).length;
  const inner = widest * W + (widest - 1) * GAP_X;
  const width = PAD * 2 + inner + (loops ? 22 + loops * 10 : 0);
  const height = PAD * 2 + dense.length * H + (dense.length - 1) * GAP_Y + (loops ? 14 + loops * 6 : 0);
  const pos = new Map<string, { x: number; y: number }>();
  dense.forEach((keys, r) => keys.forEach((k) => pos.set(k, { x: PAD + inner / 2 + col.get(k)! * (W + GAP_X) - W / 2, y: PAD + r * (H + GAP_Y) })));
  return { order, edges, pos, width, height, inner };
}

function countsLine(n: GraphNode): string {
  if (!hasCounts(n)) return '';
  const parts = [`${n.waiting ?? 0} here`, `${through(n)} through`];
  if (n.failed) parts.push(`${n.failed} failed`);
  return parts.join(' · ');
}

/** The graph as an SVG picture; `faulty` nodes (named in a validation error) are marked. */
export function SequenceGraph({ nodes, start, title, faulty }: { nodes: GraphNode[]; start: string; title: string; faulty?: Set<string> }) {
  if (!nodes.length) return null;
  const { order, edges, pos, width, height, inner } = layout(nodes, start);
  const described = order.map((n) => `${kindOf(n.type)} ${n.key}${hasCounts(n) ? ` (${countsLine(n)})` : ''}`).join('; ');
  let loop = 0;
  const lines: ReactNode[] = edges.map((e, i) => {
    const a = pos.get(e.from)!;
    const b = pos.get(e.to)!;
    if (e.back) {
      // under its row, out to the right margin, up, and into the top of the step it returns to
      const n = loop++;
      const x = PAD + inner + 16 + n * 10;
      const top = Math.max(2, b.y - 14 - n * 6);
      const d = `M ${a.x + W * 0.75} ${a.y + H} V ${a.y + H + 14 + n * 6} H ${x} V ${top} H ${b.x + W * 0.75} V ${b.y - 2}`;
      return <g key={i} className="loop"><path d={d} markerEnd="url(#oc-arrow)" /><text x={x - 4} y={top - 3} textAnchor="end" className="branch">{e.branch ? `${e.branch}, loop` : 'loop'}</text></g>;
    }
    const x1 = a.x + W / 2;
    const y1 = a.y + H;
    const x2 = b.x + W / 2;
    const y2 = b.y;
    const mid = (y1 + y2) / 2;
    return (
      <g key={i}>
        <path d={`M ${x1} ${y1} C ${x1} ${mid}, ${x2} ${mid}, ${x2} ${y2 - 2}`} markerEnd="url(#oc-arrow)" />
        {e.branch ? <text x={(x1 + x2) / 2} y={mid + 4} textAnchor="middle" className="branch">{e.branch}</text> : null}
      </g>
    );
  });
  return (
    <div className="oc-graph-wrap">
      <svg className="oc-graph" role="img" aria-label={`${title}: ${described}`} viewBox={`0 0 ${width} ${height}`}
        style={{ maxWidth: width, minWidth: Math.min(width, 300) }}>
        <title>{title}</title>
        <defs>
          <marker id="oc-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
            <path d="M 0 0 L 10 5 L 0 10 z" />
          </marker>
        </defs>
        <g className="edges">{lines}</g>
        {order.map((n) => {
          const p = pos.get(n.key)!;
          return (
            <g key={n.key} transform={`translate(${p.x} ${p.y})`} className={`node ${FAMILY[n.type] ?? 'other'}${faulty?.has(n.key) ? ' faulty' : ''}`} data-key={n.key}>
              <title>{`${kindOf(n.type)} ${n.key}${n.label ? ` (${n.label})` : ''}: ${summaryOf(n)}${hasCounts(n) ? `. ${countsLine(n)}` : ''}`}</title>
              <rect width={W} height={H} rx={8} />
              <text x={10} y={19} className="kind">{kindOf(n.type).toUpperCase()}<tspan className="key" dx={6}>{clip(n.label ?? n.key, 17)}</tspan></text>
              <text x={10} y={38} className="what">{clip(summaryOf(n), 27)}</text>
              {hasCounts(n) ? <text x={10} y={58} className="counts">{countsLine(n)}</text> : null}
            </g>
          );
        })}
      </svg>
    </div>
  );
}
