import { sql } from 'kysely';
import type { Database } from '../../db/database.ts';
import { withTenant } from '../../db/tenant.ts';
import { maskContact } from '../../domain/pii/pii.ts';
import { smsSegments } from '../../domain/outreach/sms-segments.ts';
import type { ChannelAdapter, ChannelPort, OutboundMessage, SendResult } from './ports.ts';

// The local adapter of every channel, the default: it "sends" by writing the message to the
// local_outbox table (porchlight messages outbox, GET /v1/outbox), and never reaches anyone.
// Keyed by the idempotency key like a provider would be, so handing a message over twice
// writes it once, and after a crash `lookup` can tell whether it got there.

export function createLocalChannel(db: Database, port: ChannelPort): ChannelAdapter {
  const system = (organizationId: string) => ({ organizationId, userId: null, role: 'owner' as const, via: 'system' as const });
  const byOrg = (batch: OutboundMessage[]) => {
    const m = new Map<string, OutboundMessage[]>();
    for (const b of batch) (m.get(b.organizationId) ?? m.set(b.organizationId, []).get(b.organizationId)!).push(b);
    return m;
  };
  return {
    name: 'local',
    port,
    async send(batch) {
      const out: SendResult[] = [];
      for (const [org, msgs] of byOrg(batch)) {
        const segments = msgs.map((m) => (m.channel === 'sms' ? smsSegments(m.body).segments : null));
        await withTenant(db, system(org), (trx) => sql`
          INSERT INTO local_outbox (organization_id, message_id, idempotency_key, channel, to_display, from_address, subject, body, headers, segments)
          SELECT app_org_id(), u.message_id, u.key, u.channel, u.to_display, u.from_address, u.subject, u.body, u.headers::jsonb, u.segments
          FROM unnest(${msgs.map((m) => m.messageId)}::uuid[], ${msgs.map((m) => m.idempotencyKey)}::text[], ${msgs.map((m) => m.channel)}::text[],
                      ${msgs.map((m) => maskContact(m.channel === 'email' ? 'email' : 'phone', m.to))}::text[], ${msgs.map((m) => m.from)}::text[],
                      ${msgs.map((m) => m.subject ?? null)}::text[], ${msgs.map((m) => m.body)}::text[], ${msgs.map((m) => JSON.stringify(m.headers ?? {}))}::text[],
                      ${segments}::int[])
            AS u(message_id, key, channel, to_display, from_address, subject, body, headers, segments)
          ON CONFLICT (organization_id, idempotency_key) DO NOTHING`.execute(trx));
        msgs.forEach((m, i) => out.push({ messageId: m.messageId, outcome: 'sent', providerMessageId: `local-${m.messageId}`, costCents: null, segments: segments[i] }));
      }
      return out;
    },
    async lookup(organizationId, keys) {
      const rows = await withTenant(db, system(organizationId), async (trx) => (await sql<{ key: string; message_id: string; segments: number | null }>`
        SELECT idempotency_key AS key, message_id, segments FROM local_outbox
        WHERE organization_id = app_org_id() AND idempotency_key = ANY(${keys}::text[])`.execute(trx)).rows);
      const found = new Map(rows.map((r) => [r.key, r]));
      // not in the outbox: it never got there, so handing it over again sends it once
      return new Map(keys.map((k) => {
        const r = found.get(k);
        return [k, r ? { messageId: r.message_id, outcome: 'sent' as const, providerMessageId: `local-${r.message_id}`, segments: r.segments } : 'absent' as const];
      }));
    },
  };
}
