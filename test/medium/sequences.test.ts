import { sql } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { withTenant, type Actor } from '../../src/db/tenant.ts';
import { updateOutreachSettings } from '../../src/domain/outreach/outreach-settings.ts';
import { stopOnReply } from '../../src/domain/sequences/engine.ts';
import { engineRepository } from '../../src/domain/sequences/engine.repository.ts';
import { createTestContext, type TestContext } from '../support/context.ts';
import { QUEUE } from '../../src/jobs/jobs.ts';
import { createWorker } from '../../src/jobs/worker.ts';

// The sequence engine on the real database and the local outbox: a sequence runs end to end,
// keeps its working hours across a daylight-saving change, branches on a reply, stops on an
// opt-out or a reply, and two workers never take one step twice.

let ctx: TestContext;
const TUESDAY_MORNING = new Date('2026-03-10T15:00:00Z'); // 10:00 in Austin (CDT)
let clock = TUESDAY_MORNING;
beforeAll(async () => {
  ctx = await createTestContext({ now: () => clock });
});
afterAll(async () => ctx.close());
beforeEach(() => {
  clock = TUESDAY_MORNING;
});

const rows = async <T>(actor: Actor, q: ReturnType<typeof sql>) => withTenant(ctx.c.db, actor, async (trx) => (await q.execute(trx)).rows as T[]);
const PEWC = { seller_name: 'Acme Roofing', scope: ['sms', 'voice'], type: 'pewc', method: 'web_form', captured_at: '2026-01-01T12:00:00Z', disclosure_text: 'I agree that Acme Roofing may text and call me at this number using automated technology.' };
const DAY = 86_400_000;

async function setup(leads = 1) {
  const o = await ctx.newOrganization();
  await withTenant(ctx.c.db, o.actor, (trx) => updateOutreachSettings({ sender_name: 'Acme Roofing', from_phone: '+15125550199', from_email: 'hello@acme-roofing.example' }, trx));
  const made = [];
  for (let i = 0; i < leads; i++) {
    const lead = await ctx.newLead(o.org.id);
    await rows(o.actor, sql`UPDATE person SET mailing_zip = '78701', mailing_state = 'TX' WHERE id = ${lead.person_id}::uuid`);
    await ctx.c.compliance.recordConsent(o.actor, { phone: lead.phone, ...PEWC });
    made.push(lead);
  }
  return { ...o, leads: made };
}

const hours = { timezone: 'America/Chicago', working_hours_start: '09:00', working_hours_end: '17:00', working_days: [1, 2, 3, 4, 5] };
const n = (key: string, type: string, config?: unknown) => ({ key, type, ...(config ? { config } : {}) });
const e = (from: string, to: string, branch?: string) => ({ from, to, ...(branch ? { branch } : {}) });
const text = (body: string) => ({ template: { body } });

/** START → SMS → WAIT 2 days → CONDITION replied: yes → END converted; no → call → END. */
const followUp = (name = 'Roof follow-up') => ({
  name, ...hours,
  nodes: [n('start', 'START'), n('text', 'SMS', text('Hi {{person.first_name}}, about your roof at {{property.address_line1}}?')), n('pause', 'WAIT', { days: 2 }),
    n('replied?', 'CONDITION', { on: 'replied' }), n('won', 'END', { outcome: 'converted' }), n('call', 'VOICE_CALL', text('Call {{person.first_name}} about the roof')), n('done', 'END')],
  edges: [e('start', 'text'), e('text', 'pause'), e('pause', 'replied?'), e('replied?', 'won', 'yes'), e('replied?', 'call', 'no'), e('call', 'done')],
});

const outbox = (actor: Actor) => rows<{ channel: string; body: string; idempotency_key: string }>(actor, sql`SELECT channel, body, idempotency_key FROM local_outbox ORDER BY created_at, idempotency_key`);
const enrollment = async (actor: Actor, id: string) => (await rows<Record<string, unknown>>(actor, sql`SELECT * FROM sequence_enrollment WHERE id = ${id}::uuid`))[0]!;

describe('a condition on a call', () => {
  it("branches on the call's outcome: a call nobody answered gets a text", async () => {
    const { actor, leads } = await setup(1);
    const s = await ctx.c.sequences.create(actor, {
      name: 'Call then text', ...hours,
      nodes: [n('start', 'START'), n('call', 'VOICE_CALL', text('Calling about your roof')), n('wait', 'WAIT', { hours: 1 }),
        n('missed?', 'CONDITION', { on: 'call_outcome', value: 'no_answer' }), n('sorry', 'SMS', text('Sorry we missed you, {{person.first_name}}.')), n('done', 'END')],
      edges: [e('start', 'call'), e('call', 'wait'), e('wait', 'missed?'), e('missed?', 'sorry', 'yes'), e('missed?', 'done', 'no'), e('sorry', 'done')],
    });
    await ctx.c.sequences.enroll(actor, s.id, { lead_id: leads[0]!.id });
    await ctx.c.sequenceEngine.tick(actor);
    expect((await outbox(actor)).map((o) => o.channel)).toEqual(['call']);
    // the carrier reports the call: nobody answered
    const [call] = await rows<{ provider_call_id: string; carrier: string }>(actor, sql`SELECT provider_call_id, carrier FROM voice_call`);
    await ctx.c.voice.calls.receiveEvents(actor, [{ provider: call!.carrier, eventId: 'e1', providerCallId: call!.provider_call_id, type: 'call_ended', hangup: 'no_answer', occurredAt: new Date(clock.getTime() + 30_000), payload: {} }]);
    clock = new Date(clock.getTime() + 2 * 3_600_000);
    await ctx.c.sequenceEngine.tick(actor);
    expect((await outbox(actor)).map((o) => o.channel)).toEqual(['call', 'sms']);
    expect(await rows(actor, sql`SELECT status FROM sequence_enrollment`)).toEqual([{ status: 'completed' }]);
  });
});

describe('creating sequences', () => {
  it('reports every graph error with the node it is about, and saves nothing', async () => {
    const { actor } = await setup(0);
    const bad = { name: 'Broken', nodes: [n('start', 'START'), n('text', 'SMS', { template: 'no-such-template' }), n('orphan', 'END')], edges: [e('start', 'text')] };
    const err = await ctx.c.sequences.create(actor, bad).catch((x) => x);
    expect(err).toMatchObject({ code: 'VALIDATION' });
    const fields = err.details.map((d: { field: string }) => d.field);
    expect(fields).toEqual(expect.arrayContaining(['nodes[text]', 'nodes[orphan]']));
    expect(err.message).toContain('no template named "no-such-template"');
    expect(await ctx.c.sequences.list(actor)).toEqual([]);
    await expect(ctx.c.sequences.create(actor, { ...followUp(), working_hours_start: '18:00' })).rejects.toMatchObject({ code: 'VALIDATION' });
    await expect(ctx.c.sequences.create(actor, { ...followUp(), timezone: 'Mars/Olympus' })).rejects.toMatchObject({ code: 'VALIDATION' });
  });

  it('takes a nurture sequence with saved templates by name, and refuses a second one of the same name', async () => {
    const { actor, org } = await setup(0);
    await rows(actor, sql`INSERT INTO message_template (organization_id, name, channel, body) VALUES (${org.id}::uuid, 'welcome_sms', 'sms', 'Hi {{person.first_name | "there"}}!')`);
    const s = await ctx.c.sequences.create(actor, { name: 'Nurture', steps: [{ step: 1, delay_days: 0, channel: 'sms', template_id: 'welcome_sms' }, { step: 2, delay_days: 3, channel: 'sms', template: { body: 'Still there?' } }] });
    expect(s).toMatchObject({ kind: 'nurture', start_node: 'start', working_days: [1, 2, 3, 4, 5], working_hours_start: '09:00' });
    expect(s.nodes.map((x) => x.key)).toEqual(['start', 'step-1', 'step-2', 'wait-2', 'end']);
    expect(s.nodes.find((x) => x.key === 'step-1')!.template_id).not.toBeNull();
    await expect(ctx.c.sequences.create(actor, { name: 'NURTURE', steps: [{ delay_days: 0, channel: 'sms', template_id: 'welcome_sms' }] })).rejects.toMatchObject({ code: 'CONFLICT' });
    await expect(ctx.c.sequences.create(actor, { name: 'Wrong channel', steps: [{ delay_days: 0, channel: 'email', template_id: 'welcome_sms' }] }))
      .rejects.toMatchObject({ code: 'VALIDATION', details: [expect.objectContaining({ field: 'nodes[step-1]' })] });
  });
});

describe('running sequences', () => {
  it('runs a sequence end to end on the local outbox, with its path and metrics', async () => {
    const { actor, leads: [a, b] } = await setup(2);
    const s = await ctx.c.sequences.create(actor, followUp());
    expect(await ctx.c.sequences.enroll(actor, s.id, { lead_id: a!.id })).toMatchObject({ enrolled: 1, enrollment: { status: 'active', current_node: 'start' } });
    const second = await ctx.c.sequences.enroll(actor, s.id, { lead_id: b!.id });
    expect(await ctx.c.sequences.enroll(actor, s.id, { lead_id: a!.id })).toMatchObject({ enrolled: 0, already_enrolled: 1 });

    const first = await ctx.c.sequenceEngine.runDue(actor);
    expect(first).toMatchObject({ enrollments: 2, steps: 6, messages: 2, dispatch: { sent: 2 } });
    expect((await outbox(actor)).map((m) => m.channel)).toEqual(['sms', 'sms']);
    expect((await outbox(actor))[0]!.body).toMatch(/^Hi Pat, about your roof at \d+ Test .+ St\?\nAcme Roofing: Reply STOP to opt out$/);
    expect(await ctx.c.sequenceEngine.runDue(actor)).toMatchObject({ enrollments: 0 });

    // a replies; two days on, a converts and b gets a call
    await rows(actor, sql`UPDATE message SET replied_at = ${new Date(clock.getTime() + DAY)} WHERE lead_id = ${a!.id}::uuid`);
    clock = new Date(clock.getTime() + 2 * DAY);
    expect(await ctx.c.sequenceEngine.runDue(actor)).toMatchObject({ enrollments: 2, completed: 2, converted: 1, messages: 1, dispatch: { sent: 1 } });
    expect((await outbox(actor)).map((m) => m.channel)).toEqual(['sms', 'sms', 'call']);

    const path = await ctx.c.sequences.path(actor, second.enrollment!.id);
    expect(path.enrollment).toMatchObject({ status: 'completed', current_node: 'done', step: 6, converted_at: null });
    expect(path.steps.map((x) => [x.step, x.node_key, x.status, x.branch, x.message_status])).toEqual([
      [1, 'start', 'succeeded', null, null], [2, 'text', 'succeeded', null, 'sent'], [3, 'pause', 'succeeded', null, null],
      [4, 'replied?', 'succeeded', 'no', null], [5, 'call', 'succeeded', null, 'sent'], [6, 'done', 'succeeded', null, null],
    ]);
    const shown = await ctx.c.sequences.show(actor, 'roof FOLLOW-up');
    expect(shown.metrics).toEqual({ enrolled: 2, active: 0, paused: 0, completed: 2, converted: 1, stopped: 0, failed: 0, conversion_rate: 0.5 });
    const byNode = Object.fromEntries(shown.nodes.map((x) => [x.key, [x.executions, x.succeeded, x.failed]]));
    expect(byNode).toEqual({ start: [2, 2, 0], text: [2, 2, 0], pause: [2, 2, 0], 'replied?': [2, 2, 0], won: [1, 1, 0], call: [1, 1, 0], done: [1, 1, 0] });
  });

  it('holds a step due at 22:00 until the working hours open, across a daylight-saving change', async () => {
    const { actor, leads: [a] } = await setup(1);
    const s = await ctx.c.sequences.create(actor, followUp());
    clock = new Date('2026-03-07T04:00:00Z'); // Friday 22:00 in Chicago (CST); clocks go forward on Sunday
    const { enrollment: en } = await ctx.c.sequences.enroll(actor, s.id, { lead_id: a!.id });
    expect(await ctx.c.sequenceEngine.runDue(actor)).toMatchObject({ steps: 1, messages: 0 });
    // Monday 09:00 CDT is 14:00 UTC (it was 15:00 before the change)
    expect(await enrollment(actor, en!.id)).toMatchObject({ current_node: 'text', step: 1, next_run_at: new Date('2026-03-09T14:00:00Z') });
    clock = new Date('2026-03-09T13:59:00Z');
    expect(await ctx.c.sequenceEngine.runDue(actor)).toMatchObject({ enrollments: 0 });
    clock = new Date('2026-03-09T14:00:00Z');
    // the gate then keeps Texas's own hours for marketing texts: 9:00 local, so it is sent
    expect(await ctx.c.sequenceEngine.runDue(actor)).toMatchObject({ enrollments: 1, messages: 1, dispatch: { sent: 1 } });
  });

  it('leaves the recipient\'s legal hours to the gate: the message waits, the enrollment moves on', async () => {
    const { actor, leads: [a] } = await setup(1);
    // working hours run late, past Texas's 21:00 for marketing texts
    const s = await ctx.c.sequences.create(actor, { ...followUp(), working_hours_end: '24:00' });
    clock = new Date('2026-03-11T03:30:00Z'); // Tuesday 22:30 in Austin
    const { enrollment: en } = await ctx.c.sequences.enroll(actor, s.id, { lead_id: a!.id });
    expect(await ctx.c.sequenceEngine.runDue(actor)).toMatchObject({ messages: 1, dispatch: { deferred: 1, sent: 0 } });
    expect(await enrollment(actor, en!.id)).toMatchObject({ current_node: 'replied?', status: 'active' });
    clock = new Date('2026-03-11T14:00:00Z');
    expect(await ctx.c.sequenceEngine.tick(actor)).toMatchObject({ dispatched: { sent: 1 } });
    const path = await ctx.c.sequences.path(actor, en!.id);
    expect(path.steps[1]).toMatchObject({ node_key: 'text', status: 'succeeded', message_status: 'sent', detail: { deferred: 'QUIET_HOURS_STATE:TX' } });
  });

  it('stops an enrollment when its text is refused for an opt-out, and on a reply, cancelling what it had waiting', async () => {
    const { actor, leads: [a, b] } = await setup(2);
    const s = await ctx.c.sequences.create(actor, followUp());
    await ctx.c.compliance.revokeConsent(actor, { phone: a!.phone, channel: 'sms', text: 'STOP', at: '2026-03-01T12:00:00Z' });
    const { enrollment: ea } = await ctx.c.sequences.enroll(actor, s.id, { lead_id: a!.id });
    expect(await ctx.c.sequenceEngine.runDue(actor)).toMatchObject({ dispatch: { denied: 1, sent: 0 } });
    expect(await enrollment(actor, ea!.id)).toMatchObject({ status: 'stopped', stop_reason: 'OPTED_OUT' });
    expect((await ctx.c.sequences.path(actor, ea!.id)).steps[1]).toMatchObject({ status: 'failed', error: 'OPTED_OUT', message_status: 'cancelled' });

    // b's text is deferred to the morning; b replies that night: the enrollment stops and the text is never sent
    clock = new Date('2026-03-11T03:30:00Z');
    const { enrollment: eb } = await ctx.c.sequences.enroll(actor, s.id, { lead_id: b!.id });
    await ctx.c.sequences.create(actor, { ...followUp('Late'), working_hours_end: '24:00' });
    await ctx.c.sequences.enroll(actor, 'Late', { lead_id: b!.id });
    expect(await ctx.c.sequenceEngine.runDue(actor)).toMatchObject({ dispatch: { deferred: 1 } });
    expect(await withTenant(ctx.c.db, actor, (trx) => stopOnReply(trx, [b!.id]))).toBe(2);
    expect(await enrollment(actor, eb!.id)).toMatchObject({ status: 'stopped', stop_reason: 'REPLIED' });
    const late = await rows<{ status: string; reason: string }>(actor, sql`SELECT status, reason FROM message WHERE lead_id = ${b!.id}::uuid`);
    expect(late).toEqual([{ status: 'cancelled', reason: 'ENROLLMENT_STOPPED:REPLIED' }]);
    clock = new Date('2026-03-11T15:00:00Z');
    expect(await ctx.c.sequenceEngine.tick(actor)).toMatchObject({ dispatched: { claimed: 0 } });
  });

  it('stops the enrollments of a lead marked do-not-contact, and does not enroll it again', async () => {
    const { actor, leads: [a] } = await setup(1);
    const s = await ctx.c.sequences.create(actor, followUp());
    const { enrollment: en } = await ctx.c.sequences.enroll(actor, s.id, { lead_id: a!.id });
    await ctx.c.leads.update(actor, a!.id, { status: 'do_not_contact' });
    expect(await enrollment(actor, en!.id)).toMatchObject({ status: 'stopped', stop_reason: 'DO_NOT_CONTACT' });
    const other = await ctx.c.sequences.create(actor, followUp('Other'));
    await expect(ctx.c.sequences.enroll(actor, other.id, { lead_id: a!.id })).rejects.toMatchObject({ code: 'COMPLIANCE_DENIED' });
  });

  it('enrolls a segment once, however often asked, and pauses, resumes and stops enrollments', async () => {
    const { actor, leads } = await setup(3);
    await ctx.c.segments.create(actor, { name: 'all new', filter: { status: ['new'] } });
    const s = await ctx.c.sequences.create(actor, followUp());
    expect(await ctx.c.sequences.enroll(actor, s.id, { segment: 'all new' })).toMatchObject({ matched: 3, enrolled: 3 });
    expect(await ctx.c.sequences.enroll(actor, s.id, { segment: 'all new' })).toMatchObject({ matched: 3, enrolled: 0, already_enrolled: 3 });
    const list = await ctx.c.sequences.enrollments(actor, s.id);
    expect(list).toHaveLength(3);
    const [x, y] = list;
    await ctx.c.sequences.pauseEnrollment(actor, x!.id);
    await ctx.c.sequences.stopEnrollment(actor, y!.id);
    await expect(ctx.c.sequences.resumeEnrollment(actor, y!.id)).rejects.toMatchObject({ code: 'CONFLICT' });
    expect(await ctx.c.sequenceEngine.runDue(actor)).toMatchObject({ enrollments: 1 });
    await ctx.c.sequences.resumeEnrollment(actor, x!.id);
    await ctx.c.sequences.pause(actor, s.id);
    expect(await ctx.c.sequenceEngine.runDue(actor)).toMatchObject({ enrollments: 0 });
    await ctx.c.sequences.resume(actor, s.id);
    expect(await ctx.c.sequenceEngine.runDue(actor)).toMatchObject({ enrollments: 1 });
    const archived = await ctx.c.sequences.archive(actor, s.id);
    expect(archived.metrics).toMatchObject({ enrolled: 3, stopped: 3 });
    expect(leads).toHaveLength(3);
  });

  it('starts an enrichment run for a RESEARCH step and records it', async () => {
    const { actor, leads: [a] } = await setup(1);
    const s = await ctx.c.sequences.create(actor, {
      name: 'Research first', ...hours,
      nodes: [n('start', 'START'), n('look', 'RESEARCH'), n('end', 'END')], edges: [e('start', 'look'), e('look', 'end')],
    });
    const { enrollment: en } = await ctx.c.sequences.enroll(actor, s.id, { lead_id: a!.id });
    const r = await ctx.c.sequenceEngine.runDue(actor);
    expect(r.research_runs).toHaveLength(1);
    const path = await ctx.c.sequences.path(actor, en!.id);
    expect(path.steps[1]).toMatchObject({ node_key: 'look', status: 'succeeded', enrichment_run_id: r.research_runs[0] });
  });

  it('fails an enrollment whose template lacks a value, and takes the step again when resumed', async () => {
    const { actor, leads: [a] } = await setup(1);
    const s = await ctx.c.sequences.create(actor, {
      name: 'Needs a company', ...hours,
      nodes: [n('start', 'START'), n('text', 'SMS', text('Hello {{person.company_name}}')), n('end', 'END')], edges: [e('start', 'text'), e('text', 'end')],
    });
    const { enrollment: en } = await ctx.c.sequences.enroll(actor, s.id, { lead_id: a!.id });
    expect(await ctx.c.sequenceEngine.runDue(actor)).toMatchObject({ failed: 1, messages: 0 });
    expect(await enrollment(actor, en!.id)).toMatchObject({ status: 'failed', current_node: 'text', last_error: expect.stringContaining('person.company_name') });
    await rows(actor, sql`UPDATE person SET company_name = 'Pat Holdings LLC' WHERE id = ${a!.person_id}::uuid`);
    await ctx.c.sequences.resumeEnrollment(actor, en!.id);
    expect(await ctx.c.sequenceEngine.runDue(actor)).toMatchObject({ completed: 1, messages: 1 });
    expect((await ctx.c.sequences.path(actor, en!.id)).steps.map((x) => x.status)).toEqual(['succeeded', 'failed', 'succeeded', 'succeeded']);
  });
});

describe('the sequence-tick job', () => {
  it('runs every organization\'s due steps and hands back the enrichment runs to queue', async () => {
    const one = await setup(1), two = await setup(1);
    const research = { name: 'Tick', ...hours, nodes: [n('start', 'START'), n('look', 'RESEARCH'), n('text', 'SMS', text('Hi {{person.first_name}}')), n('end', 'END')],
      edges: [e('start', 'look'), e('look', 'text'), e('text', 'end')] };
    for (const o of [one, two]) {
      const s = await ctx.c.sequences.create(o.actor, research);
      await ctx.c.sequences.enroll(o.actor, s.id, { lead_id: o.leads[0]!.id });
    }
    const { research: runs } = await createWorker(ctx.c).handlers[QUEUE.sequenceTick]();
    expect(runs.map((r) => r.actor.organizationId).sort()).toEqual([one.org.id, two.org.id].sort());
    for (const o of [one, two]) expect(await outbox(o.actor)).toHaveLength(1);
    expect((await createWorker(ctx.c).handlers[QUEUE.sequenceTick]()).research).toEqual([]);
  });
});

describe('two workers at once', () => {
  it('never take one step twice: one execution per step, one message per key', async () => {
    const { actor, leads } = await setup(30);
    const s = await ctx.c.sequences.create(actor, followUp());
    for (const l of leads) await ctx.c.sequences.enroll(actor, s.id, { lead_id: l.id });
    const [r1, r2] = await Promise.all([ctx.c.sequenceEngine.runDue(actor, { batch: 4 }), ctx.c.sequenceEngine.runDue(actor, { batch: 4 })]);
    expect(r1.enrollments + r2.enrollments).toBe(30);
    const [x] = await rows<{ n: number; steps: number; messages: number; keys: number; sent: number }>(actor, sql`
      SELECT count(*)::int AS n, count(DISTINCT (enrollment_id, step))::int AS steps,
             (SELECT count(*)::int FROM message) AS messages, (SELECT count(DISTINCT idempotency_key)::int FROM message) AS keys,
             (SELECT count(*)::int FROM local_outbox) AS sent
      FROM sequence_execution`);
    expect(x).toEqual({ n: 90, steps: 90, messages: 30, keys: 30, sent: 30 });
  });

  // a server has connections to spare: one transaction holds ten enrollments while another worker runs
  it.skipIf(!process.env.DATABASE_URL)('skip the enrollments another worker holds, and take them once it lets go', async () => {
    const { actor, leads } = await setup(30);
    const s = await ctx.c.sequences.create(actor, followUp());
    for (const l of leads) await ctx.c.sequences.enroll(actor, s.id, { lead_id: l.id });
    const held = await withTenant(ctx.c.db, actor, async (trx) => {
      const mine = await engineRepository.claimDue(clock, 10, trx);
      const other = await ctx.c.sequenceEngine.runDue(actor, { batch: 7 });
      return { mine: mine.length, other: other.enrollments };
    }); // commits without having changed anything: the ten are still due
    expect(held).toEqual({ mine: 10, other: 20 });
    expect(await ctx.c.sequenceEngine.runDue(actor)).toMatchObject({ enrollments: 10, messages: 10 });
    expect(await rows(actor, sql`SELECT count(*)::int AS n, count(DISTINCT enrollment_id)::int AS e FROM sequence_execution`)).toEqual([{ n: 90, e: 30 }]);
  });
});
