import { sql, type RawBuilder } from 'kysely';
import { withOwner } from '../../src/db/tenant.ts';
import { maskContact } from '../../src/domain/pii/pii.ts';
import type { TestContext } from './context.ts';

// A fixed November 2026 for the reports, every row at a known instant, written as the owner (the
// history tables and ledgers are the database's to write; here they are set by hand so each
// number in test/medium/reports.test.ts can be worked out on paper). docs/REPORTS.md holds the
// definitions; the comments say what each row is there to prove.

/** The service clock: the default period is 2026-11-01 to 2026-11-20. */
export const NOW = new Date('2026-11-20T12:00:00Z');
export const NOVEMBER = { from: '2026-11-01', to: '2026-11-30' };

type Lead = Awaited<ReturnType<TestContext['newLead']>>;
type Org = Awaited<ReturnType<TestContext['newOrganization']>>;

const own = (t: TestContext, q: RawBuilder<unknown>) => withOwner(t.c.db, 'test', async (trx) => (await q.execute(trx)).rows as Record<string, unknown>[]);

/** A lead with its source, creation, scores, final status and status history exactly as given. */
async function lead(t: TestContext, org: string, f: { source: string; created: string; history: [string, string][]; quality?: number; score?: number; tier?: string; deleted?: string }) {
  const final = f.history.at(-1)![0];
  const l = await t.newLead(org, { status: final });
  await own(t, sql`UPDATE lead SET source = ${f.source}, created_at = ${f.created}::timestamptz, quality_score = ${f.quality ?? null}, lead_score = ${f.score ?? null},
    tier = ${f.tier ?? null}, deleted_at = ${f.deleted ?? null}::timestamptz WHERE id = ${l.id}::uuid`);
  await own(t, sql`DELETE FROM lead_status_history WHERE lead_id = ${l.id}::uuid`);
  let from: string | null = null;
  for (const [to, at] of f.history) {
    await own(t, sql`INSERT INTO lead_status_history (organization_id, lead_id, from_status, to_status, trigger_type, changed_at)
      VALUES (${org}::uuid, ${l.id}::uuid, ${from}, ${to}, 'test', ${at}::timestamptz)`);
    from = to;
  }
  return l;
}

/** Assignments as the history records them; the lead's assignee is the last one. */
async function assign(t: TestContext, org: string, l: Lead, steps: [string, string][]) {
  await own(t, sql`UPDATE lead SET assignee_id = ${steps.at(-1)![0]}::uuid WHERE id = ${l.id}::uuid`);
  await own(t, sql`DELETE FROM lead_assignment WHERE lead_id = ${l.id}::uuid`);
  let from: string | null = null;
  for (const [to, at] of steps) {
    await own(t, sql`INSERT INTO lead_assignment (organization_id, lead_id, from_user_id, to_user_id, strategy, via, assigned_at)
      VALUES (${org}::uuid, ${l.id}::uuid, ${from}::uuid, ${to}::uuid, 'manual', 'test', ${at}::timestamptz)`);
    from = to;
  }
}

async function ledger(t: TestContext, org: string, rows: [provider: string, port: string, stage: string, lead: string | null, at: string, status: string, cents: number][]) {
  for (const [i, [provider, port, stage, leadId, at, status, cents]] of rows.entries()) {
    await own(t, sql`INSERT INTO cost_ledger (organization_id, provider, port, stage, lead_id, idempotency_key, cost_cents, status, created_at, settled_at)
      VALUES (${org}::uuid, ${provider}, ${port}, ${stage}, ${leadId}::uuid, ${`fixture:${i}`}, ${cents}, ${status}, ${at}::timestamptz,
              ${status === 'pending' ? null : at}::timestamptz)`);
  }
}

interface Msg { lead: Lead; channel?: 'sms' | 'email'; sender?: string; campaign?: string; enrollment?: string; status?: string; created?: string; sent?: string; delivered?: string; failed?: string; replied?: string; cost?: number }

async function message(t: TestContext, org: string, decision: string, key: string, m: Msg): Promise<string> {
  const channel = m.channel ?? 'sms';
  const value = channel === 'sms' ? m.lead.phone : m.lead.email;
  const kind = channel === 'sms' ? 'phone' : 'email';
  const [row] = await own(t, sql`
    INSERT INTO message (organization_id, lead_id, person_id, channel, direction, status, source, sender_type, sender_user_id, kind, peer_hash, peer_display,
                         peer_value, subject, body, campaign_id, enrollment_id, idempotency_key, decision_id, decision, cost_cents, sent_at, delivered_at, failed_at,
                         replied_at, created_at, scheduled_for)
    VALUES (${org}::uuid, ${m.lead.id}::uuid, ${m.lead.person_id}::uuid, ${channel}, 'outbound', ${m.status ?? (m.delivered ? 'delivered' : 'sent')},
            ${m.campaign ? 'campaign' : m.enrollment ? 'sequence' : 'manual'}, ${m.sender ? 'user' : 'system'}, ${m.sender ?? null}::uuid, ${kind},
            ${t.c.pii.hash(value)}, ${maskContact(kind, value)}, ${value}, ${channel === 'email' ? 'Your roof' : null}, 'Hi Pat', ${m.campaign ?? null}::uuid,
            ${m.enrollment ?? null}::uuid, ${key}, ${decision}::uuid, 'allow', ${m.cost ?? 0}, ${m.sent ?? null}::timestamptz, ${m.delivered ?? null}::timestamptz,
            ${m.failed ?? null}::timestamptz, ${m.replied ?? null}::timestamptz, ${m.created ?? m.sent ?? m.failed}::timestamptz, ${m.created ?? m.sent ?? m.failed}::timestamptz)
    RETURNING id`);
  return row!.id as string;
}

async function optOut(t: TestContext, org: string, kind: 'phone' | 'email', value: string, channels: string[] | null, at: string) {
  await own(t, sql`INSERT INTO dnc_entry (organization_id, kind, value_hash, display, channels, created_at)
    VALUES (${org}::uuid, ${kind}, ${t.c.pii.hash(value)}, ${maskContact(kind, value)}, ${channels}::text[], ${at}::timestamptz)`);
}

async function billing(t: TestContext, org: string, rows: [metric: string, period: string, subject: string, quantity: number, cents: number][]) {
  for (const [metric, period, subject, quantity, cents] of rows) {
    await own(t, sql`INSERT INTO billing_usage (organization_id, metric, period, subject_id, quantity, cost_cents) VALUES (${org}::uuid, ${metric}, ${period}::date, ${subject}::uuid, ${quantity}, ${cents})`);
  }
}

/** Organization A with the November data set, and B with rows of its own in the same month. */
export async function reportFixture(t: TestContext) {
  const A = await t.newOrganization('Reports A');
  const B = await t.newOrganization('Reports B');
  const org = A.org.id;
  const manager = await t.newUser(org, 'manager');
  const X = await t.newUser(org, 'agent');
  const Y = await t.newUser(org, 'agent');
  const x = X.user.id;
  const y = Y.user.id;

  const L1 = await lead(t, org, { source: 'mailers', created: '2026-11-02T10:00:00Z', quality: 80, score: 70, tier: 'hot',
    history: [['new', '2026-11-02T10:00:00Z'], ['contacted', '2026-11-03T10:00:00Z'], ['qualified', '2026-11-04T10:00:00Z'], ['appointment_scheduled', '2026-11-06T10:00:00Z'], ['closed_won', '2026-11-12T10:00:00Z']] });
  const L2 = await lead(t, org, { source: 'mailers', created: '2026-11-03T09:00:00Z', quality: 45, score: 40, tier: 'cold',
    history: [['new', '2026-11-03T09:00:00Z'], ['contacted', '2026-11-05T10:00:00Z'], ['closed_lost', '2026-11-08T10:00:00Z']] });
  // proposal_sent at the first instant of December: the funnel sees it reach qualified only
  const L3 = await lead(t, org, { source: 'mailers', created: '2026-11-05T08:00:00Z', quality: 65, score: 55, tier: 'warm',
    history: [['new', '2026-11-05T08:00:00Z'], ['contacted', '2026-11-07T10:00:00Z'], ['qualified', '2026-11-09T10:00:00Z'], ['proposal_sent', '2026-12-01T00:00:00Z']] });
  // skips appointment_scheduled: reaching a later stage counts for it too
  const L4 = await lead(t, org, { source: 'web', created: '2026-11-10T12:00:00Z', quality: 30, score: 20, tier: 'cold',
    history: [['new', '2026-11-10T12:00:00Z'], ['contacted', '2026-11-11T10:00:00Z'], ['qualified', '2026-11-12T10:00:00Z'], ['proposal_sent', '2026-11-20T10:00:00Z']] });
  // the last second of November: in
  const L5 = await lead(t, org, { source: 'web', created: '2026-11-30T23:59:59Z', history: [['new', '2026-11-30T23:59:59Z']] });
  // the first second of December: out, with its spend
  const L6 = await lead(t, org, { source: 'web', created: '2026-12-01T00:00:00Z', history: [['new', '2026-12-01T00:00:00Z']] });
  // the last second of October: not a November lead, but won in November
  const L7 = await lead(t, org, { source: 'mailers', created: '2026-10-31T23:59:59Z', history: [['new', '2026-10-31T23:59:59Z'], ['closed_won', '2026-11-15T10:00:00Z']] });
  // deleted: counted as no lead, but its spend stays with its source
  const L8 = await lead(t, org, { source: 'referral', created: '2026-11-15T00:00:00Z', deleted: '2026-11-16T00:00:00Z', history: [['new', '2026-11-15T00:00:00Z']] });

  // who can be reached: L2's phone is flagged and its email is on the list for every channel;
  // L5's phone and email are both flagged. Opt-outs of texts only (L3, L4) leave calls and email open.
  await own(t, sql`UPDATE contact_point SET dnc = true WHERE (person_id = ${L2.person_id}::uuid AND kind = 'phone') OR person_id = ${L5.person_id}::uuid`);
  await optOut(t, org, 'email', L2.email, null, '2026-11-09T10:00:00Z');
  await optOut(t, org, 'phone', L4.phone, ['sms'], '2026-11-06T09:00:00Z');
  await optOut(t, org, 'phone', L3.phone, ['sms'], '2026-11-08T12:00:00Z');

  // L1 goes to Y after it was won: the win stays X's
  await assign(t, org, L1, [[x, '2026-11-02T10:30:00Z'], [y, '2026-11-20T09:00:00Z']]);
  await assign(t, org, L2, [[x, '2026-11-03T09:30:00Z']]);
  await assign(t, org, L3, [[y, '2026-11-05T08:00:00Z']]);
  await assign(t, org, L4, [[y, '2026-11-10T12:00:00Z']]);
  await assign(t, org, L7, [[x, '2026-10-31T23:59:59Z']]);

  await ledger(t, org, [
    ['batchdata', 'skip_trace', 'skip_trace', L1.id, '2026-11-02T11:00:00Z', 'charged', 15],
    ['batchdata', 'skip_trace', 'skip_trace', L2.id, '2026-11-03T10:00:00Z', 'charged', 15],
    ['batchdata', 'skip_trace', 'skip_trace', L3.id, '2026-11-05T09:00:00Z', 'in_doubt', 15],
    ['batchdata', 'skip_trace', 'skip_trace', L4.id, '2026-11-10T13:00:00Z', 'void', 15],
    ['trestle', 'phone_verify', 'verify', L4.id, '2026-11-10T13:05:00Z', 'pending', 1],
    ['batchdata', 'property_search', 'pull', null, '2026-11-01T00:00:00Z', 'charged', 250],
    ['batchdata', 'property_search', 'pull', null, '2026-10-31T23:59:59Z', 'charged', 999],
    ['batchdata', 'skip_trace', 'skip_trace', L6.id, '2026-12-01T00:00:00Z', 'charged', 15],
    ['batchdata', 'skip_trace', 'skip_trace', L8.id, '2026-11-15T12:00:00Z', 'charged', 15],
    ['propstream', 'property_search', 'pull', null, '2026-11-20T08:00:00Z', 'charged', 100],
  ]);
  // Y's call to L4: the database bills it (a ledger row and five voice minutes) when it ends
  await own(t, sql`INSERT INTO voice_call (organization_id, user_id, lead_id, agent, source, carrier, to_display, status, duration_seconds, outcome, call_cost_cents, initiated_at, started_at, ended_at)
    VALUES (${org}::uuid, ${y}::uuid, ${L4.id}::uuid, 'human', 'logged', 'logged', '+1512•••0100', 'completed', 300, 'follow_up', 150,
            '2026-11-11T15:00:00Z', '2026-11-11T15:00:00Z', '2026-11-11T15:05:00Z')`);
  await own(t, sql`UPDATE cost_ledger SET created_at = '2026-11-11T15:05:00Z' WHERE organization_id = ${org}::uuid AND port = 'voice'`);

  // entered source costs: November's count whole, October's and December's do not
  await t.c.reports.setSourceCost(A.actor, { source: 'mailers', month: '2026-11', amount_cents: 125_000, note: 'postcards' });
  await t.c.reports.setSourceCost(A.actor, { source: 'web', month: '2026-11', amount_cents: 30_000 });
  await t.c.reports.setSourceCost(A.actor, { source: 'radio', month: '2026-11', amount_cents: 10_000 });
  await t.c.reports.setSourceCost(A.actor, { source: 'mailers', month: '2026-10', amount_cents: 99_900 });
  await t.c.reports.setSourceCost(A.actor, { source: 'mailers', month: '2026-12', amount_cents: 50_000 });
  await t.c.reports.setDeal(A.actor, L1.id, { revenue_cents: 1_200_000, closed_on: '2026-11-12' });
  await t.c.reports.setDeal(A.actor, L7.id, { revenue_cents: 300_000, closed_on: '2026-11-15' });
  await t.c.reports.setDeal(A.actor, L3.id, { revenue_cents: 50_000, closed_on: '2026-12-01' });

  // the budget: a top-up in October and one in November, a spend and a refund in November
  await t.c.money.topup(A.actor, { amount_cents: 100_000, reference: 'oct' });
  await t.c.money.topup(A.actor, { amount_cents: 500_000, reference: 'nov' });
  // one statement each: a row's balance is read before the statement's earlier rows have moved it
  await own(t, sql`INSERT INTO budget_transaction (organization_id, kind, amount_cents, reference, created_at) VALUES (${org}::uuid, 'spend', -300, 'fixture-spend', '2026-11-02T11:00:00Z')`);
  await own(t, sql`INSERT INTO budget_transaction (organization_id, kind, amount_cents, reference, created_at) VALUES (${org}::uuid, 'refund', 100, 'fixture-refund', '2026-11-03T10:00:00Z')`);
  await own(t, sql`UPDATE budget_transaction SET created_at = CASE reference WHEN 'oct' THEN '2026-10-15T09:00:00Z'::timestamptz ELSE '2026-11-01T09:00:00Z'::timestamptz END
    WHERE organization_id = ${org}::uuid AND kind = 'topup'`);
  await own(t, sql`INSERT INTO stage_usage_daily (organization_id, stage, day, used, cap) VALUES
    (${org}::uuid, 'skip_trace', '2026-11-02', 2, 1000), (${org}::uuid, 'skip_trace', '2026-11-03', 1, 1000),
    (${org}::uuid, 'skip_trace', '2026-10-31', 5, 1000), (${org}::uuid, 'verify', '2026-11-10', 1, NULL)`);

  // messages: the gate allowed them all (one decision stands for every one)
  const [d] = await own(t, sql`INSERT INTO compliance_decision (organization_id, channel, purpose, decision, at, facts) VALUES (${org}::uuid, 'sms', 'marketing', 'allow', now(), '{}') RETURNING id`);
  const send = (key: string, m: Msg) => message(t, org, d!.id as string, key, m);
  await send('x-early', { lead: L1, sender: x, sent: '2026-11-02T10:00:00Z' }); // before X had the lead: not a first touch
  const mX1 = await send('x-1', { lead: L1, sender: x, sent: '2026-11-02T11:00:00Z', delivered: '2026-11-02T11:01:00Z', cost: 1 });
  const mX2 = await send('x-2', { lead: L2, channel: 'email', sender: x, sent: '2026-11-03T13:30:00Z' });
  await send('y-3', { lead: L3, sender: y, sent: '2026-11-07T08:00:00Z' });
  await send('system-4', { lead: L4, sent: '2026-11-10T13:00:00Z' }); // nobody's touch

  const template = await t.c.templates.create(A.actor, { name: 'november', channel: 'sms', body: 'Hi {{person.first_name | "there"}}' }) as { id: string };
  const [k] = await own(t, sql`INSERT INTO campaign (organization_id, name, channel, template_id, status, launched_at, completed_at, recipients)
    VALUES (${org}::uuid, 'November blast', 'sms', ${template.id}::uuid, 'completed', '2026-11-05T14:00:00Z', '2026-12-01T00:00:00Z', 5) RETURNING id`);
  const K = k!.id as string;
  const mK1 = await send('k-1', { lead: L1, campaign: K, sent: '2026-11-05T15:00:00Z', delivered: '2026-11-05T15:01:00Z', replied: '2026-11-05T16:00:00Z', cost: 2 });
  const mK3 = await send('k-3', { lead: L3, campaign: K, status: 'failed', failed: '2026-11-05T15:00:00Z' }); // never sent: its opt-out is no campaign's
  const mK4 = await send('k-4', { lead: L4, campaign: K, sent: '2026-11-05T15:00:00Z', delivered: '2026-11-05T15:02:00Z', cost: 2 });
  const mK2 = await send('k-2', { lead: L2, campaign: K, created: '2026-11-30T23:00:00Z', sent: '2026-12-01T00:00:00Z', cost: 2 });
  await own(t, sql`INSERT INTO campaign_recipient (organization_id, campaign_id, lead_id, status, skip_reason, message_id, added_at) VALUES
    (${org}::uuid, ${K}::uuid, ${L1.id}::uuid, 'delivered', NULL, ${mK1}::uuid, '2026-11-05T14:00:00Z'),
    (${org}::uuid, ${K}::uuid, ${L2.id}::uuid, 'sent', NULL, ${mK2}::uuid, '2026-11-05T14:00:00Z'),
    (${org}::uuid, ${K}::uuid, ${L3.id}::uuid, 'failed', NULL, ${mK3}::uuid, '2026-11-05T14:00:00Z'),
    (${org}::uuid, ${K}::uuid, ${L4.id}::uuid, 'delivered', NULL, ${mK4}::uuid, '2026-11-05T14:00:00Z'),
    (${org}::uuid, ${K}::uuid, ${L5.id}::uuid, 'skipped', 'NO_PHONE', NULL, '2026-11-05T14:00:00Z')`);

  const S = await t.c.sequences.create(A.actor, {
    name: 'Nurture', nodes: [{ key: 'start', type: 'START' }, { key: 'text', type: 'SMS', config: { template: { body: 'Hi {{person.first_name | "there"}}' } } },
      { key: 'pause', type: 'WAIT', config: { days: 2 } }, { key: 'done', type: 'END' }],
    edges: [{ from: 'start', to: 'text' }, { from: 'text', to: 'pause' }, { from: 'pause', to: 'done' }],
  });
  const enroll = async (l: Lead, f: string) => (await own(t, sql.raw(`INSERT INTO sequence_enrollment (organization_id, sequence_id, lead_id, ${f.split('|')[0]})
    VALUES ('${org}', '${S.id}', '${l.id}', ${f.split('|')[1]}) RETURNING id`)))[0]!.id as string;
  const E1 = await enroll(L1, `status, current_node, step, enrolled_at, completed_at, converted_at|'completed', 'done', 4, '2026-11-02T12:00:00Z', '2026-11-12T10:00:00Z', '2026-11-12T10:00:00Z'`);
  const E2 = await enroll(L3, `status, current_node, step, enrolled_at, stopped_at, stop_reason|'stopped', 'pause', 3, '2026-11-06T12:00:00Z', '2026-11-08T12:00:00Z', 'OPTED_OUT'`);
  const E3 = await enroll(L4, `status, current_node, step, enrolled_at, next_run_at|'active', 'done', 3, '2026-10-30T12:00:00Z', '2026-12-05T00:00:00Z'`);
  const mE1 = await send('s-1', { lead: L1, enrollment: E1, sent: '2026-11-02T12:00:00Z', delivered: '2026-11-02T12:01:00Z', replied: '2026-11-03T09:00:00Z' });
  const mE2 = await send('s-2', { lead: L3, enrollment: E2, sent: '2026-11-06T12:00:00Z', delivered: '2026-11-06T12:01:00Z' });
  const mE3 = await send('s-3', { lead: L4, channel: 'email', enrollment: E3, sent: '2026-10-30T12:00:00Z', delivered: '2026-10-30T12:01:00Z' });
  const steps: [string, number, string, string, string, string | null, string | null][] = [
    [E1, 1, 'start', 'START', 'succeeded', null, '2026-11-02T12:00:00Z'], [E1, 2, 'text', 'SMS', 'succeeded', mE1, '2026-11-02T12:00:00Z'],
    [E1, 3, 'pause', 'WAIT', 'succeeded', null, '2026-11-04T12:00:00Z'], [E1, 4, 'done', 'END', 'succeeded', null, '2026-11-12T10:00:00Z'],
    [E2, 1, 'start', 'START', 'succeeded', null, '2026-11-06T12:00:00Z'], [E2, 2, 'text', 'SMS', 'succeeded', mE2, '2026-11-06T12:00:00Z'],
    [E2, 3, 'pause', 'WAIT', 'scheduled', null, '2026-11-06T12:00:00Z'],
    [E3, 1, 'start', 'START', 'succeeded', null, '2026-10-30T12:00:00Z'], [E3, 2, 'text', 'SMS', 'succeeded', mE3, '2026-10-30T12:00:00Z'],
    [E3, 3, 'pause', 'WAIT', 'succeeded', null, '2026-11-01T00:00:00Z'], // the first instant of November: in
  ];
  for (const [e, step, key, type, status, msg, at] of steps) {
    await own(t, sql`INSERT INTO sequence_execution (organization_id, enrollment_id, sequence_id, node_key, node_type, step, status, message_id, started_at, finished_at)
      VALUES (${org}::uuid, ${e}::uuid, ${S.id}::uuid, ${key}, ${type}, ${step}, ${status}, ${msg}::uuid, ${at}::timestamptz, ${status === 'scheduled' ? null : at}::timestamptz)`);
  }

  await billing(t, org, [
    ['roof_leads', '2026-11-01', L1.id, 1, 500], ['roof_leads', '2026-11-01', L3.id, 1, 500], ['roof_leads', '2026-11-01', L4.id, 1, 500],
    ['roof_leads', '2026-10-01', L7.id, 1, 500],
    ['sms_message', '2026-11-01', mX1, 1, 1], ['sms_message', '2026-11-01', mK1, 2, 2], ['sms_message', '2026-11-01', mK4, 1, 1],
    ['email_message', '2026-11-01', mX2, 1, 0],
  ]);

  // B: a lead, a win, spend, a source cost and billing of its own in the same month
  const b = B.org.id;
  const BL = await lead(t, b, { source: 'mailers', created: '2026-11-02T10:00:00Z', quality: 90, history: [['new', '2026-11-02T10:00:00Z'], ['closed_won', '2026-11-03T10:00:00Z']] });
  await ledger(t, b, [['batchdata', 'skip_trace', 'skip_trace', BL.id, '2026-11-02T11:00:00Z', 'charged', 777]]);
  await t.c.reports.setSourceCost(B.actor, { source: 'mailers', month: '2026-11', amount_cents: 50_000 });
  await t.c.reports.setDeal(B.actor, BL.id, { revenue_cents: 900_000, closed_on: '2026-11-03' });
  await billing(t, b, [['roof_leads', '2026-11-01', BL.id, 1, 500]]);

  return { A, B: B as Org, manager, X, Y, leads: { L1, L2, L3, L4, L5, L6, L7, L8 }, campaign: K, sequence: S.id };
}
