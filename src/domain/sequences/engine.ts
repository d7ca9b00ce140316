import { AppError } from '../../app/errors.ts';
import type { Failpoint } from '../../app/failpoints.ts';
import type { Database } from '../../db/database.ts';
import { withOwner, withTenant, type Actor, type Trx } from '../../db/tenant.ts';
import type { EnrichmentService } from '../enrichment/enrichment.service.ts';
import type { DispatchReport, Outbox } from '../outreach/outbox.ts';
import type { Draft } from '../outreach/outbox.repository.ts';
import { readOutreachSettings } from '../outreach/outreach-settings.ts';
import { kindOf, loadRecipients, type Recipient } from '../outreach/recipients.repository.ts';
import { renderMessage, type Channel } from '../outreach/template.ts';
import type { Channel as GateChannel } from '../compliance/gate.ts';
import type { Pii } from '../pii/pii.ts';
import { engineRepository as repo, type DueEnrollment, type EnrollmentAdvance, type ExecutionInsert, type SequenceDefinitionRow } from './engine.repository.ts';
import { walk, type CompiledNode, type CompiledSequence, type LeadFacts, type Rendered } from './walk.ts';

// The sequence engine. runDue() takes due enrollments a batch at a time: claims them (SKIP
// LOCKED: another worker takes others), loads everything the batch needs in a few queries
// (definitions, recipients, the events CONDITIONs ask about), walks each enrollment in process,
// and writes the batch back (messages into the outbox by key, executions, enrollments) in the
// claiming transaction. Only after that commits are the messages dispatched (the gate decides
// then) and RESEARCH runs started. A crash before the commit leaves the batch due, untouched;
// one after it leaves messages pending, which the next tick dispatches: each is sent once.

/** Gate denials that end an enrollment: the person said stop, or is on the organization's list. */
export const STOP_REASONS = ['OPTED_OUT', 'CONSENT_REVOKED', 'INTERNAL_DNC', 'EMAIL_UNSUBSCRIBED'] as const;
const CHANNEL_OF = { EMAIL: 'email', SMS: 'sms', VOICE_CALL: 'call' } as const;
const MAX_BATCH = 5000;
/** A RESEARCH step claimed this long ago and still not started: its process stopped. */
const RESEARCH_STALE_MS = 10 * 60_000;

/** A lead replied: its active and paused enrollments stop (the inbound webhook calls this in its transaction). */
export const stopOnReply = (trx: Trx, leadIds: string[]) => repo.stopForLeads(leadIds, 'REPLIED', trx);

export interface RunReport {
  batches: number;
  enrollments: number;
  steps: number;
  messages: number;
  completed: number;
  converted: number;
  failed: number;
  stopped: number;
  research_runs: string[];
  dispatch: DispatchReport;
}

export interface SequenceEngineDeps {
  db: Database;
  pii: Pii;
  outbox: Pick<Outbox, 'enqueue' | 'dispatch' | 'recover' | 'onGated'>;
  enrichment: Pick<EnrichmentService, 'start'>;
  failpoint?: Failpoint;
  now?: () => Date;
  /** Each lead's latest call outcome since a time, for CONDITIONs on call_outcome (the voice engine's). */
  callOutcomes?: (trx: Trx, rows: { leadId: string; since: Date }[]) => Promise<Map<string, { outcome: string; at: Date }>>;
}

const emptyDispatch = (): DispatchReport => ({ claimed: 0, allowed: 0, deferred: 0, denied: 0, sent: 0, failed: 0, retried: 0, requeued: 0 });
const addDispatch = (a: DispatchReport, b: DispatchReport) => {
  for (const k of Object.keys(a) as (keyof DispatchReport)[]) a[k] += b[k];
};

function compile(rows: SequenceDefinitionRow[]): Map<string, CompiledSequence> {
  const out = new Map<string, CompiledSequence>();
  for (const r of rows) {
    let s = out.get(r.id);
    if (!s) out.set(r.id, (s = { id: r.id, purpose: r.purpose, hours: { zone: r.timezone, start: r.start, end: r.end, days: r.days }, nodes: new Map() }));
    const inline = r.config.template && typeof r.config.template === 'object' ? (r.config.template as { subject?: string; body: string; html?: string }) : null;
    const channel = r.type in CHANNEL_OF ? CHANNEL_OF[r.type as keyof typeof CHANNEL_OF] : null;
    const template = r.t_body !== null ? { channel: r.t_channel!, subject: r.t_subject, body: r.t_body, html: r.t_html }
      : inline && channel ? { channel, ...inline } : null;
    s.nodes.set(r.key, { key: r.key, type: r.type, config: r.config, next: r.next, templateId: r.template_id, template });
  }
  return out;
}

const needs = (seq: CompiledSequence, on: string[]) =>
  [...seq.nodes.values()].some((n) => n.type === 'CONDITION' && on.includes((n.config as { on: string }).on));

export function createSequenceEngine(deps: SequenceEngineDeps) {
  const clock = deps.now ?? (() => new Date());
  const failpoint = deps.failpoint ?? (() => {});

  // the gate's verdict on a sequence message settles its step; an opt-out ends the enrollment
  deps.outbox.onGated(async (trx, gated) => {
    const rows = gated.filter((g) => g.enrollmentId).map((g) => ({
      enrollmentId: g.enrollmentId!, messageId: g.id, decision: g.decision, reason: g.reason, error: g.error ?? null,
    }));
    if (rows.length) await repo.gated(rows, STOP_REASONS, clock(), trx);
  });

  /** The batch's recipients, one query per kind of contact its message steps need. */
  async function recipientsFor(trx: Trx, due: DueEnrollment[], seqs: Map<string, CompiledSequence>) {
    const settings = await readOutreachSettings(trx);
    const byKind = new Map<'phone' | 'email', Map<string, Recipient>>();
    for (const kind of ['phone', 'email'] as const) {
      const leads = [...new Set(due.filter((e) => e.lead_id && [...seqs.get(e.sequence_id)!.nodes.values()]
        .some((n) => n.type in CHANNEL_OF && kindOf(CHANNEL_OF[n.type as keyof typeof CHANNEL_OF]) === kind)).map((e) => e.lead_id!))];
      if (leads.length) byKind.set(kind, await loadRecipients(trx, deps.pii, leads, kind === 'email' ? 'email' : 'sms', settings));
    }
    return byKind;
  }

  /** The facts CONDITIONs read, for the enrollments whose sequences ask. */
  async function factsFor(trx: Trx, due: DueEnrollment[], seqs: Map<string, CompiledSequence>) {
    const ask = (on: string[]) => due.filter((e) => e.lead_id && needs(seqs.get(e.sequence_id)!, on)).map((e) => ({ leadId: e.lead_id!, since: e.enrolled_at }));
    const events = await repo.events(ask(['replied', 'opened', 'clicked']), trx);
    const calls = deps.callOutcomes ? await deps.callOutcomes(trx, ask(['call_outcome'])) : new Map();
    return (e: DueEnrollment): LeadFacts => {
      const ev = e.lead_id ? events.get(e.lead_id) : undefined;
      return {
        status: e.lead_status, score: e.lead_score, replied: ev?.replied ?? null, opened: ev?.opened ?? null, clicked: ev?.clicked ?? null,
        callOutcome: (e.lead_id && calls.get(e.lead_id)) || null,
      };
    };
  }

  function renderer(seq: CompiledSequence, e: DueEnrollment, recipients: Map<'phone' | 'email', Map<string, Recipient>>) {
    return (node: CompiledNode, step: number): Rendered<Draft> => {
      const base: Channel = CHANNEL_OF[node.type as keyof typeof CHANNEL_OF];
      const ai = node.type === 'VOICE_CALL' && (node.config as { agent?: string }).agent === 'ai';
      const channel: GateChannel = ai ? 'ai_call' : base;
      const r = recipients.get(kindOf(channel))?.get(e.lead_id!);
      if (!r) return { skip: 'LEAD_NOT_FOUND' };
      if (!r.contact) return { skip: channel === 'email' ? 'NO_EMAIL' : 'NO_PHONE' };
      if (!node.template) return { fail: 'the step has no template' };
      if (node.template.channel !== base) return { fail: `its template is now a ${node.template.channel} template; this step sends ${base}` };
      let content: ReturnType<typeof renderMessage>;
      try {
        content = renderMessage(node.template, r.merge);
      } catch (err) {
        if (err instanceof AppError) return { fail: err.message };
        throw err;
      }
      return {
        message: {
          key: `sequence:${e.id}:${step}`, source: 'sequence', senderType: ai ? 'ai' : 'system', senderUserId: r.assigneeId, channel, purpose: seq.purpose,
          leadId: e.lead_id, personId: r.personId, kind: r.contact.kind, hash: r.contact.hash, display: r.contact.display, sealed: r.contact.sealed,
          subject: content.subject, body: content.body, html: content.html, templateId: node.templateId, enrollmentId: e.id,
        },
      };
    };
  }

  /** One batch in one transaction: returns what to do once it has committed. */
  async function runBatch(actor: Actor, now: Date, limit: number, report: RunReport) {
    return withTenant(deps.db, actor, async (trx) => {
      const due = await repo.claimDue(now, limit, trx);
      if (!due.length) return null;
      const seqs = compile(await repo.definitions([...new Set(due.map((e) => e.sequence_id))], trx));
      const [recipients, factsOf] = [await recipientsFor(trx, due, seqs), await factsFor(trx, due, seqs)];
      const drafts: Draft[] = [], executions: ExecutionInsert[] = [], advances: EnrollmentAdvance[] = [], research: string[] = [];
      for (const e of due) {
        const gone = e.lead_gone ? 'LEAD_DELETED' : e.lead_status === 'do_not_contact' || e.lead_status === 'dnc' ? 'DO_NOT_CONTACT' : null;
        if (gone) {
          advances.push({ id: e.id, node: e.current_node, step: e.step, status: 'stopped', nextRunAt: null, converted: false, stopReason: gone, error: null });
          report.stopped++;
          continue;
        }
        const seq = seqs.get(e.sequence_id)!;
        const w = walk(seq, { node: e.current_node, step: e.step }, { now, facts: factsOf(e), render: renderer(seq, e, recipients) });
        for (const s of w.steps) {
          if (s.message) drafts.push(s.message);
          if (s.type === 'RESEARCH') research.push(e.id);
          executions.push({
            enrollmentId: e.id, sequenceId: e.sequence_id, key: s.key, type: s.type, step: s.step, status: s.status, branch: s.branch ?? null,
            messageId: s.message?.key ?? null, detail: s.detail ?? {}, error: s.error ?? null,
          });
        }
        advances.push({ id: e.id, node: w.node, step: w.step, status: w.status, nextRunAt: w.nextRunAt, converted: w.converted, stopReason: null, error: w.error });
        if (w.status === 'completed') report.completed++;
        if (w.converted) report.converted++;
        if (w.status === 'failed') report.failed++;
      }
      const ids = await deps.outbox.enqueue(drafts, trx);
      for (const x of executions) if (x.messageId) x.messageId = ids.get(x.messageId)!.id; // the key, swapped for the message's id
      await repo.insertExecutions(executions, now, trx);
      await repo.advance(advances, now, trx);
      failpoint('sequences.batch.written');
      report.batches++;
      report.enrollments += due.length;
      report.steps += executions.length;
      report.messages += drafts.length;
      const fresh = [...ids.values()].filter((m) => m.created).map((m) => m.id);
      return { claimed: due.length, messages: fresh, research };
    });
  }

  /** Start the enrichment runs of RESEARCH steps (one run for all their leads); returns the run ids. */
  async function startResearch(actor: Actor, which: { enrollmentIds: string[] } | { staleBefore: Date }): Promise<string[]> {
    const steps = await withTenant(deps.db, actor, (trx) => repo.claimResearch({ ...which, now: clock() }, trx));
    const runs: string[] = [];
    for (let i = 0; i < steps.length; i += 10_000) { // the enrichment request's limit
      const chunk = steps.slice(i, i + 10_000);
      let outcome: { runId: string } | { error: string };
      try {
        const { run } = await deps.enrichment.start(actor, { lead_ids: [...new Set(chunk.map((s) => s.lead_id))] });
        outcome = { runId: run!.id };
        runs.push(run!.id);
      } catch (e) {
        if (!(e instanceof AppError)) throw e;
        outcome = { error: `${e.code}: ${e.message}` };
      }
      await withTenant(deps.db, actor, (trx) => repo.settleResearch(chunk.map((s) => s.id), outcome, clock(), trx));
    }
    return runs;
  }

  /** Run every due step of this organization, `batch` enrollments at a time, and dispatch their messages. */
  async function runDue(actor: Actor, opts: { batch?: number; now?: Date; max?: number } = {}): Promise<RunReport> {
    const batch = Math.max(1, Math.min(opts.batch ?? 1000, MAX_BATCH));
    const report: RunReport = { batches: 0, enrollments: 0, steps: 0, messages: 0, completed: 0, converted: 0, failed: 0, stopped: 0, research_runs: [], dispatch: emptyDispatch() };
    // A batch's messages are dispatched while the next batch is walked: on a server the two
    // transactions run side by side (they touch different enrollments and messages); dispatches
    // still go one after another, in order, so each sees the touches of the one before.
    let inflight: Promise<void> = Promise.resolve();
    let failure: unknown = null;
    const afterCommit = async (round: { messages: string[]; research: string[] }) => {
      if (round.research.length) report.research_runs.push(...(await startResearch(actor, { enrollmentIds: round.research })));
      if (round.messages.length) addDispatch(report.dispatch, await deps.outbox.dispatch(actor, { ids: round.messages, batch: round.messages.length }));
    };
    try {
      while (report.enrollments < (opts.max ?? Infinity) && failure === null) {
        const round = await runBatch(actor, opts.now ?? clock(), Math.min(batch, (opts.max ?? Infinity) - report.enrollments), report);
        if (!round) break;
        failpoint('sequences.batch.committed');
        await inflight;
        inflight = afterCommit(round).catch((e) => void (failure = e));
      }
    } finally {
      await inflight;
    }
    if (failure !== null) throw failure;
    return report;
  }

  /**
   * One pass of the worker for one organization: due steps, RESEARCH steps a stopped process
   * never started, messages a crash left "sending", then every due message (deferred by the
   * gate, scheduled, retried, or put back by the recovery).
   */
  async function tick(actor: Actor, opts: { batch?: number; strandedAfterMs?: number } = {}) {
    const steps = await runDue(actor, { batch: opts.batch });
    const research = await startResearch(actor, { staleBefore: new Date(clock().getTime() - RESEARCH_STALE_MS) });
    steps.research_runs.push(...research);
    // what a crash left "sending" first: what never reached the adapter is pending again, and goes now
    const recovered = await deps.outbox.recover(actor, { olderThanMs: opts.strandedAfterMs });
    const dispatched = await deps.outbox.dispatch(actor, { batch: opts.batch });
    return { steps, dispatched, recovered };
  }

  return {
    runDue,
    tick,

    /** The scheduled tick: every organization with due steps, due messages or stranded ones. */
    async tickAll(opts: { strandedAfterMs?: number } = {}) {
      const now = clock();
      const orgs = await withOwner(deps.db, 'system', (trx) =>
        repo.organizationsWithWork(now, new Date(now.getTime() - (opts.strandedAfterMs ?? 5 * 60_000)), trx));
      const results: { organizationId: string; research_runs: string[]; error?: string }[] = [];
      for (const o of orgs) {
        const actor: Actor = { organizationId: o.id, userId: null, role: 'owner', via: 'system' };
        try {
          const r = await tick(actor, opts);
          results.push({ organizationId: o.id, research_runs: r.steps.research_runs });
        } catch (e) {
          // one organization's failure (its data, its provider) must not hold up the others
          results.push({ organizationId: o.id, research_runs: [], error: (e as Error).message });
        }
      }
      return results;
    },
  };
}

export type SequenceEngine = ReturnType<typeof createSequenceEngine>;
