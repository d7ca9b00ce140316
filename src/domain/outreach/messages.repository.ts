import { sql, type Expression, type SqlBool } from 'kysely';
import type { Trx } from '../../db/tenant.ts';

// Reading the message record (lists, one message with the gate's decision, the local outbox)
// and the one change made to it outside the outbox: cancelling a message still pending.
//
// message has no agent policy of its own (the outbox and webhooks work on every lead's
// messages), so an agent's reads here carry the lead's policy: a message about a lead the agent
// cannot see is not theirs to read.

const agentScope = sql<SqlBool>`(app_user_role() <> 'agent' OR m.lead_id IS NULL
  OR EXISTS (SELECT 1 FROM lead l WHERE l.organization_id = m.organization_id AND l.id = m.lead_id))`;

export interface MessageFilter {
  lead_id?: string;
  channel?: string;
  direction?: string;
  status?: string;
  source?: string;
  campaign_id?: string;
}

const LIST_COLUMNS = [
  'm.id', 'm.lead_id', 'm.channel', 'm.direction', 'm.status', 'm.source', 'm.sender_type', 'm.purpose', 'm.peer_display as to', 'm.subject',
  'm.campaign_id', 'm.enrollment_id', 'm.decision', 'm.reason', 'm.scheduled_for', 'm.segments', 'm.cost_cents', 'm.sent_at', 'm.delivered_at',
  'm.created_at',
] as const;

export const messagesRepository = {
  /** Newest first (ids are time-ordered), after the cursor's id. */
  list(filter: MessageFilter, pageOpts: { limit: number; afterId?: string }, trx: Trx) {
    const where: Expression<SqlBool>[] = [agentScope];
    if (filter.lead_id) where.push(sql<SqlBool>`m.lead_id = ${filter.lead_id}::uuid`);
    if (filter.channel) where.push(sql<SqlBool>`m.channel = ${filter.channel}`);
    if (filter.direction) where.push(sql<SqlBool>`m.direction = ${filter.direction}`);
    if (filter.status) where.push(sql<SqlBool>`m.status = ${filter.status}`);
    if (filter.source) where.push(sql<SqlBool>`m.source = ${filter.source}`);
    if (filter.campaign_id) where.push(sql<SqlBool>`m.campaign_id = ${filter.campaign_id}::uuid`);
    if (pageOpts.afterId) where.push(sql<SqlBool>`m.id < ${pageOpts.afterId}::uuid`);
    return trx.selectFrom('message as m').select(LIST_COLUMNS)
      .select(sql<string>`left(regexp_replace(m.body, '[[:space:]]+', ' ', 'g'), 80)`.as('preview'))
      .where((eb) => eb.and(where))
      .orderBy('m.id', 'desc').limit(pageOpts.limit + 1).execute();
  },

  /** One message with the decision the gate stored for it (the latest, when it was deferred first). */
  async find(id: string, trx: Trx) {
    const row = await trx.selectFrom('message as m')
      .leftJoin('compliance_decision as d', (j) => j.onRef('d.organization_id', '=', 'm.organization_id').onRef('d.id', '=', 'm.decision_id'))
      .select([
        'm.id', 'm.lead_id', 'm.person_id', 'm.channel', 'm.direction', 'm.status', 'm.source', 'm.sender_type', 'm.sender_user_id', 'm.purpose',
        'm.peer_display as to', 'm.from_address', 'm.subject', 'm.body', 'm.html', 'm.headers', 'm.template_id', 'm.campaign_id', 'm.enrollment_id',
        'm.in_reply_to_id', 'm.idempotency_key', 'm.reason', 'm.scheduled_for', 'm.attempts', 'm.provider', 'm.provider_message_id', 'm.segments',
        'm.cost_cents', 'm.error', 'm.handed_at', 'm.sent_at', 'm.delivered_at', 'm.failed_at', 'm.opened_at', 'm.clicked_at', 'm.replied_at',
        'm.created_at', 'm.updated_at',
        'd.id as decision_id', 'd.decision', 'd.reasons as decision_reasons', 'd.obligations as decision_obligations', 'd.defer_until', 'd.decided_at',
      ])
      .where('m.id', '=', id).where(agentScope)
      .executeTakeFirst();
    if (!row) return undefined;
    const { decision_id, decision, decision_reasons, decision_obligations, defer_until, decided_at, ...message } = row;
    return {
      ...message,
      decision: decision_id
        ? { id: decision_id, decision, reason: message.reason, reasons: decision_reasons, obligations: decision_obligations, defer_until, decided_at }
        : null,
    };
  },

  /** Cancel an outbound message nobody has handed over yet; undefined when it is not pending (or not there). */
  cancelPending(id: string, reason: string, trx: Trx) {
    return trx.updateTable('message as m').set({ status: 'cancelled', reason })
      .where('m.id', '=', id).where('m.status', '=', 'pending').where('m.direction', '=', 'outbound').where(agentScope)
      .returning(['m.id', 'm.status']).executeTakeFirst();
  },

  /** What the local adapters "sent", newest first. */
  outbox(filter: { channel?: string }, pageOpts: { limit: number; afterId?: string }, trx: Trx) {
    const where: Expression<SqlBool>[] = [agentScope];
    if (filter.channel) where.push(sql<SqlBool>`o.channel = ${filter.channel}`);
    if (pageOpts.afterId) where.push(sql<SqlBool>`o.id < ${pageOpts.afterId}::uuid`);
    return trx.selectFrom('local_outbox as o')
      .leftJoin('message as m', (j) => j.onRef('m.organization_id', '=', 'o.organization_id').onRef('m.id', '=', 'o.message_id'))
      .select(['o.id', 'o.message_id', 'm.lead_id', 'o.channel', 'o.to_display as to', 'o.from_address as from', 'o.subject', 'o.body', 'o.headers', 'o.segments', 'o.idempotency_key', 'o.created_at'])
      .where((eb) => eb.and(where))
      .orderBy('o.id', 'desc').limit(pageOpts.limit + 1).execute();
  },
};

export type MessageView = NonNullable<Awaited<ReturnType<typeof messagesRepository.find>>>;
