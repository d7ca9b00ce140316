import { useMemo, useState, type FormEvent, type ReactNode } from 'react';
import { api, ApiError } from '../api.ts';
import { errorsFor, Field, FieldErrors, useAction, type FieldProps } from '../form.tsx';
import { ErrorState } from '../ui.tsx';
import { DAYS } from './campaign-sequence-ui.tsx';
import type { Sequence } from './sequence-detail.tsx';
import { SequenceGraph, type GraphNode } from './sequence-graph.tsx';

// A new sequence: its settings in fields and its steps as JSON (a graph of nodes and edges, or
// nurture steps), drawn as it is typed. The server checks the whole of it and names every
// problem; each is shown beside the field it is about, and the nodes at fault are marked.

const EXAMPLES = {
  graph: {
    nodes: [
      { key: 'start', type: 'START' },
      { key: 'intro-text', type: 'SMS', config: { template: { body: 'Hi {{person.first_name | "there"}}, this is {{org.name}}. Thinking about selling {{property.address_line1}}?' } } },
      { key: 'wait-2-days', type: 'WAIT', config: { days: 2 } },
      { key: 'replied?', type: 'CONDITION', config: { on: 'replied' } },
      { key: 'booked', type: 'END', config: { outcome: 'converted' } },
      { key: 'call', type: 'VOICE_CALL', config: { template: { body: 'Call {{person.first_name | "the owner"}} about {{property.address}}.' } } },
      { key: 'done', type: 'END' },
    ],
    edges: [
      { from: 'start', to: 'intro-text' }, { from: 'intro-text', to: 'wait-2-days' }, { from: 'wait-2-days', to: 'replied?' },
      { from: 'replied?', to: 'booked', branch: 'yes' }, { from: 'replied?', to: 'call', branch: 'no' }, { from: 'call', to: 'done' },
    ],
  },
  steps: {
    steps: [
      { delay_days: 0, channel: 'sms', template: { body: 'Hi {{person.first_name | "there"}}, it\'s {{org.name}}. Any plans for {{property.address_line1}}?' } },
      { delay_days: 3, channel: 'email', template: { subject: 'About {{property.address_line1}}', body: 'Hello {{person.full_name | "there"}},\n\nWe would like to make an offer.\n\n{{org.name}}' } },
    ],
  },
};
const ZONES = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : [];
const FIELDS = ['name', 'description', 'purpose', 'timezone', 'working_hours_start', 'working_hours_end', 'working_days'];
const DEFINITION = ['nodes', 'edges', 'steps', 'graph', 'definition', '(input)'];

/** The JSON as typed: the object, or where it stops being JSON. */
function parse(text: string): { value: Record<string, unknown> } | { problem: string } {
  try {
    const v: unknown = JSON.parse(text);
    if (!v || typeof v !== 'object' || Array.isArray(v)) return { problem: 'it should be an object: { "nodes": [...], "edges": [...] } or { "steps": [...] }' };
    return { value: v as Record<string, unknown> };
  } catch (e) {
    return { problem: e instanceof Error ? e.message : String(e) };
  }
}

/** Nodes and edges as typed, in the shape the drawing reads (as the server stores them). */
function previewOf(v: Record<string, unknown>): { nodes: GraphNode[]; start: string } | null {
  if (!Array.isArray(v.nodes)) return null;
  const raw = v.nodes.filter((n): n is Record<string, unknown> => !!n && typeof n === 'object' && typeof (n as { key?: unknown }).key === 'string');
  const edges = Array.isArray(v.edges) ? v.edges.filter((e): e is { from: string; to: string; branch?: string } => !!e && typeof e === 'object' && typeof e.from === 'string' && typeof e.to === 'string') : [];
  const nodes = raw.map((n) => ({
    key: n.key as string, type: String(n.type ?? '?'), label: typeof n.label === 'string' ? n.label : null,
    config: n.config && typeof n.config === 'object' ? (n.config as Record<string, unknown>) : {},
    next: Object.fromEntries(edges.filter((e) => e.from === n.key).map((e, i) => [e.branch ?? (i ? `next${i + 1}` : 'next'), e.to])),
  }));
  return { nodes, start: nodes.find((n) => n.type === 'START')?.key ?? nodes[0]?.key ?? '' };
}

/** A field of the new sequence: its input is sequence-<name>, its errors <name>-errors. */
function SequenceField({ name, ...rest }: { name: string; label: string; error: Error | null; className?: string; children: (a: FieldProps) => ReactNode }) {
  return <Field id={`sequence-${name}`} errorId={`${name}-errors`} name={name} {...rest} />;
}

export function SequenceCreate({ onCreated, onCancel }: { onCreated: (s: Sequence) => void; onCancel: () => void }) {
  const [form, setForm] = useState({ name: '', description: '', purpose: 'marketing', timezone: 'America/New_York', working_hours_start: '09:00', working_hours_end: '17:00' });
  const [days, setDays] = useState([1, 2, 3, 4, 5]);
  const [text, setText] = useState(JSON.stringify(EXAMPLES.graph, null, 2));
  const act = useAction();
  const { error } = act;
  const parsed = useMemo(() => parse(text), [text]);
  const preview = 'value' in parsed ? previewOf(parsed.value) : null;
  const set = (k: keyof typeof form) => (e: { target: { value: string } }) => setForm((f) => ({ ...f, [k]: e.target.value }));

  // the server's problems: those about a field go beside it, the rest (the graph's) under the JSON
  const details = error instanceof ApiError ? error.details : [];
  const beside = errorsFor(error, ...FIELDS);
  const definitionErrors = details.filter((d) => !beside.includes(d) || errorsFor(error, ...DEFINITION).includes(d));
  const faulty = new Set(details.flatMap((d) => {
    const m = d.field.match(/^nodes\[(.+)\]$/) ?? d.message.match(/^([^:]+):/);
    return m ? [m[1]!] : [];
  }));

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!('value' in parsed)) return act.fail(new ApiError(400, 'VALIDATION', 'The steps are not valid JSON', [{ field: 'definition', message: parsed.problem }]));
    const body = { ...parsed.value, ...form, description: form.description.trim() || null, working_days: days };
    void act.run(() => api<Sequence>('POST', '/v1/sequences', body)).then((s) => s && onCreated(s));
  };

  const validation = error instanceof ApiError && error.details.length > 0;
  return (
    <form className="oc-form" aria-label="New sequence" onSubmit={submit} noValidate>
      <h2>New sequence</h2>
      <div className="oc-fields">
        <SequenceField name="name" label="Name" error={error}>
          {(a) => <input {...a} value={form.name} required maxLength={200} onChange={set('name')} />}
        </SequenceField>
        <SequenceField name="purpose" label="Purpose" error={error}>
          {(a) => (
            <select {...a} value={form.purpose} onChange={set('purpose')}>
              <option value="marketing">marketing</option>
              <option value="informational">informational</option>
            </select>
          )}
        </SequenceField>
        <SequenceField name="description" label="Description (optional)" error={error} className="oc-wide">
          {(a) => <input {...a} value={form.description} maxLength={2000} onChange={set('description')} />}
        </SequenceField>
        <SequenceField name="timezone" label="Time zone of the working hours" error={error}>
          {(a) => (
            <>
              <input {...a} value={form.timezone} list="sequence-zones" autoComplete="off" onChange={set('timezone')} />
              <datalist id="sequence-zones">{ZONES.map((z) => <option key={z} value={z} />)}</datalist>
            </>
          )}
        </SequenceField>
        <SequenceField name="working_hours_start" label="Steps run from" error={error}>
          {(a) => <input {...a} type="time" value={form.working_hours_start} onChange={set('working_hours_start')} />}
        </SequenceField>
        <SequenceField name="working_hours_end" label="until" error={error}>
          {(a) => <input {...a} type="time" value={form.working_hours_end} onChange={set('working_hours_end')} />}
        </SequenceField>
        <fieldset className="oc-days oc-wide" aria-describedby={errorsFor(error, 'working_days').length ? 'working_days-errors' : undefined}>
          <legend>On</legend>
          {DAYS.map((d, i) => (
            <label key={d}><input type="checkbox" checked={days.includes(i + 1)}
              onChange={(e) => setDays((ds) => (e.target.checked ? [...ds, i + 1].sort((a, b) => a - b) : ds.filter((x) => x !== i + 1)))} /> {d}</label>
          ))}
          <FieldErrors id="working_days-errors" errors={errorsFor(error, 'working_days')} />
        </fieldset>
      </div>

      <label htmlFor="sequence-definition">Steps (JSON)</label>
      <p className="help">Either <code>{'{ "nodes": [...], "edges": [...] }'}</code>, a graph of START, SMS, EMAIL, VOICE_CALL, WAIT, CONDITION, RESEARCH and END nodes,
        or <code>{'{ "steps": [...] }'}</code>, nurture steps each some days after the one before. A template is a saved template's name or written in place.{' '}
        <button type="button" className="link" onClick={() => setText(JSON.stringify(EXAMPLES.graph, null, 2))}>Use the graph example</button>{' · '}
        <button type="button" className="link" onClick={() => setText(JSON.stringify(EXAMPLES.steps, null, 2))}>Use the nurture example</button>
      </p>
      <textarea id="sequence-definition" className="oc-json" rows={16} spellCheck={false} value={text} onChange={(e) => setText(e.target.value)}
        aria-invalid={definitionErrors.length > 0 || !('value' in parsed) || undefined} aria-describedby="definition-state definition-errors" />
      <p id="definition-state" className={'value' in parsed ? 'note' : 'field-error'} aria-live="polite">
        {'value' in parsed ? (preview ? `Drawn below: ${preview.nodes.length} nodes.` : 'JSON: the server turns the steps into a graph.') : `Not JSON yet: ${parsed.problem}`}
      </p>
      <FieldErrors id="definition-errors" errors={definitionErrors} showField />
      {preview && preview.nodes.length ? <SequenceGraph nodes={preview.nodes} start={preview.start} title="The steps as written" faulty={faulty} /> : null}

      {validation ? <p className="field-error" role="alert">Not created: {error.message.length > 160 ? `${details.length} problems` : error.message}. Each is marked beside its field.</p>
        : error ? <ErrorState error={error} /> : null}
      <div className="actions">
        <button type="submit" disabled={act.busy}>Create sequence</button>
        <button type="button" className="secondary" onClick={onCancel}>Cancel</button>
      </div>
    </form>
  );
}
