import { z } from 'zod';
import { sql, type Expression, type SqlBool } from 'kysely';
import { AppError, notFound } from '../../app/errors.ts';
import { isUuid, isValidZone, parseInput } from '../../app/validate.ts';
import type { Database } from '../../db/database.ts';
import { ENROLLMENT_STATUSES, type EnrollmentStatus } from '../../db/schema-sequences.ts';
import { withTenant, type Actor, type Trx } from '../../db/tenant.ts';
import { filterConditions } from '../leads/leads.repository.ts';
import { segmentConditionsOf } from '../segments/segments.service.ts';
import { requireRole } from '../tenancy/tenancy.service.ts';
import { nurtureToGraph, validateGraph, type SequenceGraph } from './graph.ts';
import { sequencesRepository as repo, type NodeRow } from './sequences.repository.ts';

// Sequences as users manage them: written from JSON (a graph of nodes, or Epic 3's nurture
// steps, which become a graph), checked whole before anything is saved (every problem reported
// with the node it is about), listed and shown with their metrics, paused, resumed, archived;
// leads enrolled one at a time or a segment at once; enrollments paused, resumed, stopped, and
// their paths shown. The engine that walks them is engine.ts.

// the settings a sequence is made with and may change later: one definition for both requests
const Name = z.string().trim().min(1).max(200);
const Description = z.string().trim().max(2000).nullish();
const Zone = z.string().refine(isValidZone, 'an IANA time zone, like America/Chicago');
const Hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'HH:MM, 00:00 to 23:59');
const HhmmEnd = z.string().regex(/^(([01]\d|2[0-3]):[0-5]\d|24:00)$/, 'HH:MM, up to 24:00');
const WorkingDays = z.array(z.number().int().min(1).max(7)).min(1).max(7).refine((d) => new Set(d).size === d.length, 'a day is listed twice');

export const CreateSequenceRequest = z.strictObject({
  name: Name.describe('unique in the organization, whatever its case'),
  description: Description,
  purpose: z.enum(['marketing', 'informational']).default('marketing')
    .describe('what the gate is told: marketing texts need written consent and keep calling hours'),
  timezone: Zone.default('America/New_York'),
  working_hours_start: Hhmm.default('09:00'),
  working_hours_end: HhmmEnd.default('17:00'),
  working_days: WorkingDays.default([1, 2, 3, 4, 5]).describe('ISO days: 1 Monday .. 7 Sunday'),
  nodes: z.array(z.unknown()).optional().describe('a graph: START, EMAIL, SMS, VOICE_CALL, WAIT, CONDITION, RESEARCH, END nodes'),
  edges: z.array(z.unknown()).optional(),
  steps: z.array(z.unknown()).optional().describe("a nurture sequence: steps with delay_days, channel and template (Epic 3)"),
}).superRefine((r, ctx) => {
  if ((r.nodes === undefined) === (r.steps === undefined)) ctx.addIssue({ code: 'custom', message: 'give either nodes and edges (a graph) or steps (a nurture sequence)', path: ['nodes'] });
  if (r.steps !== undefined && r.edges !== undefined) ctx.addIssue({ code: 'custom', message: 'a nurture sequence has steps, not edges', path: ['edges'] });
  if (r.working_hours_start >= r.working_hours_end) ctx.addIssue({ code: 'custom', message: 'working hours end after they start', path: ['working_hours_end'] });
});
export type CreateSequenceRequest = z.input<typeof CreateSequenceRequest>;

/** What may change after a sequence is made: its name and when it works, not its graph (enrollments walk that). */
export const UpdateSequenceRequest = z.strictObject({
  name: Name.optional(),
  description: Description,
  timezone: Zone.optional(),
  working_hours_start: Hhmm.optional(),
  working_hours_end: HhmmEnd.optional(),
  working_days: WorkingDays.optional(),
}).refine((r) => Object.values(r).some((v) => v !== undefined), 'nothing to change');

export const EnrollRequest = z.strictObject({
  lead_id: z.string().optional().describe('one lead'),
  lead_ids: z.array(z.uuid()).min(1).max(500).optional().describe('up to 500 leads, chosen in a list (the ones you cannot see are not enrolled)'),
  segment: z.string().min(1).optional().describe('every lead of a saved segment (id or name)'),
}).refine((r) => [r.lead_id, r.lead_ids, r.segment].filter((v) => v !== undefined).length === 1, 'give lead_id, lead_ids or segment, one of them');
export type EnrollRequest = z.input<typeof EnrollRequest>;

export const EnrollmentsQuery = z.object({
  status: z.enum(ENROLLMENT_STATUSES).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

/** A graph's nodes as stored: where each goes next, and the saved template each names. */
function nodeRows(graph: SequenceGraph, templates: Map<string, { id: string }>): NodeRow[] {
  return graph.nodes.map((n) => {
    const outs = graph.edges.filter((e) => e.from === n.key);
    const next = n.type === 'END' ? {} : n.type === 'CONDITION' ? Object.fromEntries(outs.map((e) => [e.branch!, e.to])) : { next: outs[0]!.to };
    const t = 'template' in n.config ? n.config.template : undefined;
    return { key: n.key, type: n.type, label: n.label ?? null, config: n.config as Record<string, unknown>, template_id: typeof t === 'string' ? templates.get(t)!.id : null, next };
  });
}

const fieldOf = (e: { node: string | null; path?: string }) => e.path ?? (e.node !== null ? `nodes[${e.node}]` : 'graph');

export function createSequencesService(deps: { db: Database; now?: () => Date }) {
  const tenant = <T>(actor: Actor, fn: (trx: Trx) => Promise<T>) => withTenant(deps.db, actor, fn);
  const clock = deps.now ?? (() => new Date());

  async function findOrThrow(ref: string, trx: Trx) {
    const s = await repo.find(ref, trx);
    if (!s) throw new AppError('NOT_FOUND', `sequence ${ref} was not found (see \`porchlight sequences list\`)`, [{ field: 'sequence', message: 'not found' }]);
    return s;
  }

  async function show(ref: string, trx: Trx) {
    const s = await findOrThrow(ref, trx);
    return { ...s, metrics: await repo.metrics(s.id, trx), nodes: await repo.nodes(s.id, trx) };
  }

  async function setStatus(actor: Actor, ref: string, to: 'active' | 'paused' | 'archived') {
    requireRole(actor, 'manager', `${to === 'active' ? 'resume' : to === 'paused' ? 'pause' : 'archive'} sequences`);
    return tenant(actor, async (trx) => {
      const s = await findOrThrow(ref, trx);
      if (s.status === 'archived' && to !== 'archived') throw new AppError('CONFLICT', `sequence ${s.name} is archived: create a new one`);
      await repo.setStatus(s.id, to, trx);
      // archived for good: nobody walks it any more, and what it still had waiting is cancelled
      if (to === 'archived') await repo.moveEnrollments({ sequenceId: s.id }, ['active', 'paused', 'failed'], { status: 'stopped', reason: 'SEQUENCE_ARCHIVED', at: clock() }, trx);
      return show(s.id, trx);
    });
  }

  /** Move one enrollment (pause, resume, stop), or say why it cannot move. */
  async function moveEnrollment(actor: Actor, id: string, from: EnrollmentStatus[], to: EnrollmentStatus, verb: string) {
    return tenant(actor, async (trx) => {
      const [moved] = await repo.moveEnrollments({ ids: isUuid(id) ? [id] : [] }, from, { status: to, reason: 'MANUAL', at: clock() }, trx);
      if (moved) return moved;
      const e = await repo.findEnrollment(id, trx);
      if (!e) throw notFound('enrollment', id);
      throw new AppError('CONFLICT', `enrollment ${id} is ${e.status}: only ${from.join(' or ')} enrollments can be ${verb}`);
    });
  }

  return {
    /** Check the whole definition, then save the sequence and its nodes. */
    async create(actor: Actor, input: unknown) {
      requireRole(actor, 'manager', 'create sequences');
      const req = parseInput(CreateSequenceRequest, input);
      try {
        return await tenant(actor, async (trx) => {
          const templates = await repo.templatesByName(trx);
          const raw = req.steps !== undefined ? nurtureToGraph({ steps: req.steps as never }) : { nodes: req.nodes, edges: req.edges ?? [] };
          const v = validateGraph(raw, { templates: new Map([...templates].map(([name, t]) => [name, t.channel])) });
          if (!v.ok) {
            throw new AppError('VALIDATION', `the sequence is not valid: ${v.errors.map((e) => e.message).join('; ')}`,
              v.errors.map((e) => ({ field: fieldOf(e), message: e.message })));
          }
          const graph = v.graph!;
          const id = await repo.insert({
            name: req.name, description: req.description ?? null, kind: req.steps !== undefined ? 'nurture' : 'graph', purpose: req.purpose,
            timezone: req.timezone, working_hours_start: req.working_hours_start, working_hours_end: req.working_hours_end, working_days: req.working_days,
            start_node: graph.nodes.find((n) => n.type === 'START')!.key,
            definition: req.steps !== undefined ? { steps: req.steps } : { nodes: req.nodes, edges: req.edges ?? [] },
            created_by: actor.userId,
          }, nodeRows(graph, templates), trx);
          return show(id, trx);
        });
      } catch (e) {
        if (e instanceof AppError && e.code === 'CONFLICT' && e.details[0]?.field === 'name') {
          throw new AppError('CONFLICT', `a sequence named "${req.name}" already exists`, [{ field: 'name', message: 'already exists' }]);
        }
        throw e;
      }
    },

    list: (actor: Actor) => tenant(actor, (trx) => repo.list(trx)),

    /** A sequence with its definition, metrics and each node's executions by status. */
    show: (actor: Actor, ref: string) => tenant(actor, (trx) => show(ref, trx)),

    /** Rename it or change when it works; the next step of each enrollment keeps to the new hours. */
    async update(actor: Actor, ref: string, input: unknown) {
      requireRole(actor, 'manager', 'change sequences');
      const req = parseInput(UpdateSequenceRequest, input);
      return tenant(actor, async (trx) => {
        // locked first and read again, so two changes at once (one to the start, one to the end)
        // are checked one after the other, not each against the hours before the other
        await repo.lock((await findOrThrow(ref, trx)).id, trx);
        const s = await findOrThrow(ref, trx);
        const start = req.working_hours_start ?? s.working_hours_start;
        const end = req.working_hours_end ?? s.working_hours_end;
        if (start >= end) {
          const field = req.working_hours_end !== undefined ? 'working_hours_end' : 'working_hours_start';
          throw new AppError('VALIDATION', `${field}: working hours end after they start (${start} to ${end})`, [{ field, message: 'working hours end after they start' }]);
        }
        await repo.update(s.id, req, trx);
        return show(s.id, trx);
      }).catch((e: unknown) => {
        if (e instanceof AppError && e.code === 'CONFLICT' && e.details[0]?.field === 'name') {
          throw new AppError('CONFLICT', `a sequence named "${req.name}" already exists`, [{ field: 'name', message: 'already exists' }]);
        }
        throw e;
      });
    },

    pause: (actor: Actor, ref: string) => setStatus(actor, ref, 'paused'),
    resume: (actor: Actor, ref: string) => setStatus(actor, ref, 'active'),
    archive: (actor: Actor, ref: string) => setStatus(actor, ref, 'archived'),

    /**
     * Enroll one lead (any role, for a lead they can see) or a saved segment (managers), set-based
     * and idempotent: a lead already enrolled is not enrolled again; a do-not-contact lead is not enrolled.
     */
    async enroll(actor: Actor, ref: string, input: unknown) {
      const req = parseInput(EnrollRequest, input);
      if (req.segment) requireRole(actor, 'manager', 'enroll segments');
      return tenant(actor, async (trx) => {
        const s = await findOrThrow(ref, trx);
        if (s.status === 'archived') throw new AppError('CONFLICT', `sequence ${s.name} is archived: nobody can be enrolled`);
        if (req.lead_id !== undefined && !isUuid(req.lead_id)) throw notFound('lead', req.lead_id);
        const where: Expression<SqlBool>[] = [...filterConditions({}),
          ...(req.segment ? await segmentConditionsOf(req.segment, trx)
            : req.lead_ids ? [sql<SqlBool>`l.id = ANY(${sql.val(req.lead_ids)}::uuid[])`]
              : [sql<SqlBool>`l.id = ${req.lead_id!}::uuid`])];
        const r = await repo.enroll({ id: s.id, start: s.start_node }, where, clock(), trx);
        const out = { sequence_id: s.id, matched: r.matched, enrolled: r.enrolled, already_enrolled: r.matched - r.unreachable - r.enrolled, do_not_contact: r.unreachable };
        if (!req.lead_id) return { ...out, enrollment: null };
        if (r.matched === 0) throw notFound('lead', req.lead_id);
        if (r.unreachable) throw new AppError('COMPLIANCE_DENIED', `lead ${req.lead_id} is marked do-not-contact: it cannot be enrolled`);
        return { ...out, enrollment: (await repo.findEnrollmentOf(s.id, req.lead_id, trx)) ?? null };
      });
    },

    async enrollments(actor: Actor, ref: string, query: unknown = {}) {
      const q = parseInput(EnrollmentsQuery, query);
      return tenant(actor, async (trx) => {
        const s = await findOrThrow(ref, trx);
        return repo.enrollments(s.id, q, trx);
      });
    },

    pauseEnrollment: (actor: Actor, id: string) => moveEnrollment(actor, id, ['active'], 'paused', 'paused'),
    resumeEnrollment: (actor: Actor, id: string) => moveEnrollment(actor, id, ['paused', 'failed'], 'active', 'resumed'),
    stopEnrollment: (actor: Actor, id: string) => moveEnrollment(actor, id, ['active', 'paused', 'failed'], 'stopped', 'stopped'),

    /** An enrollment and the steps it took, in order. */
    async path(actor: Actor, id: string) {
      return tenant(actor, async (trx) => {
        const e = await repo.findEnrollment(id, trx);
        if (!e) throw notFound('enrollment', id);
        return { enrollment: e, steps: await repo.path(e.id, trx) };
      });
    },
  };
}

export type SequencesService = ReturnType<typeof createSequencesService>;
