import type { Failpoint } from '../../app/failpoints.ts';
import type { Database } from '../../db/database.ts';
import { withTenant, type Actor, type Trx } from '../../db/tenant.ts';
import type { ChannelAdapter, ChannelPort, OutboundMessage, SendResult } from '../../providers/channels/ports.ts';
import { gatherFacts, type Touch } from '../compliance/facts.repository.ts';
import { decide, type Channel, type GateDecision } from '../compliance/gate.ts';
import { registryFacts } from '../compliance/registry.repository.ts';
import { locateRecipient } from '../compliance/recipient.ts';
import { maskContact, type Pii } from '../pii/pii.ts';
import type { DecisionRow } from '../compliance/decisions.repository.ts';
import { newId, outboxRepository as repo, type Draft, type DueRow, type Gated } from './outbox.repository.ts';
import { readOutreachSettings, type OutreachSettings } from './outreach-settings.ts';
import { withOptOut } from './template.ts';
import { unsubscribeToken, unsubscribeUrl } from './unsubscribe.ts';
import { channelWebhookUrls } from '../../providers/channels/webhook-paths.ts';

// The outbox: the one way a message leaves Porchlight. Engines (sequences, campaigns, scheduled
// and manual messages, auto-replies) write drafts, once each by key. dispatch() then, for the
// due ones: claims them (SKIP LOCKED), asks the gate with fresh facts, stores every decision,
// marks the allowed "sending" and commits; only then hands them to the channel adapter, and
// records its answers. A crash before the hand-over leaves them pending (gated again later);
// one after it leaves them "sending", and recover() asks the provider by key or, when it cannot
// say, marks them failed: a message is sent at most once.
//
// This module holds the channel adapters and nothing else does (test/medium/gate-only.test.ts).

export interface Channels {
  email: ChannelAdapter;
  sms: ChannelAdapter;
  voice: ChannelAdapter;
}

export interface GatedHook {
  (trx: Trx, gated: (Gated & { enrollmentId: string | null; campaignId: string | null; leadId: string | null })[]): Promise<void>;
}

export interface DispatchReport {
  claimed: number;
  allowed: number;
  deferred: number;
  denied: number;
  sent: number;
  failed: number;
  retried: number;
  /** Allowed, but not handed over within STALE_MS of the decision: pending again, to be decided afresh. */
  requeued: number;
}

const PORT: Record<Channel, ChannelPort> = { email: 'email', sms: 'sms', call: 'voice', ai_call: 'voice' };
const MAX_ATTEMPTS = 5;
/** Messages handed to an adapter at once; real providers take a few a second. */
const HAND_CHUNK = 100;
/** How long an allowing decision stays good for the hand-over (a STOP or 9 pm may come meanwhile). */
const STALE_MS = 60_000;

export function createOutbox(deps: { db: Database; pii: Pii; channels: Channels; publicUrl?: string | null; failpoint?: Failpoint; now?: () => Date }) {
  const now = deps.now ?? (() => new Date());
  const failpoint = deps.failpoint ?? (() => {});
  const hooks: GatedHook[] = [];

  /** The content as it must go: the first text's opt-out line; a marketing email's unsubscribe link, one-click headers and postal address. */
  function finalContent(row: DueRow, settings: OutreachSettings, firstText: boolean, organizationId: string) {
    const headers: Record<string, string> = { ...row.headers };
    let { body, html } = row;
    const marketing = row.purpose === 'marketing';
    if (row.channel === 'sms' && marketing) body = withOptOut(body, { firstTouch: firstText, orgName: settings.sender_name ?? '' });
    if (row.channel !== 'email' || !marketing) return { body, html, headers, email: undefined };
    const url = deps.publicUrl ? unsubscribeUrl(deps.publicUrl, unsubscribeToken(deps.pii, organizationId, row.peer_hash)) : null;
    const footer = [settings.sender_name, settings.postal_address, url && `Unsubscribe: ${url}`].filter(Boolean).join('\n');
    if (footer) body = `${body}\n\n--\n${footer}`;
    if (html && footer) html = `${html}<hr><p style="font-size:12px;color:#666">${footer.split('\n').map(escapeHtml).join('<br>')}</p>`;
    if (url) {
      headers['List-Unsubscribe'] = `<${url}>`;
      headers['List-Unsubscribe-Post'] = 'List-Unsubscribe=One-Click';
    }
    return {
      body, html, headers,
      email: { unsubscribeLink: !!url, oneClick: !!url && url.startsWith('https://'), bulk: true, postalAddress: !!settings.postal_address, authenticated: settings.email_authenticated },
    };
  }

  /** Gate claimed rows in the claiming transaction; returns the allowed, ready to hand over. */
  async function gate(actor: Actor, rows: DueRow[], trx: Trx): Promise<{ gated: Gated[]; out: OutboundMessage[]; report: Pick<DispatchReport, 'allowed' | 'deferred' | 'denied' | 'failed'> }> {
    const settings = await readOutreachSettings(trx);
    const at = now();
    const values = rows.map((r) => deps.pii.open({ value: r.peer_value, value_enc: r.peer_enc }));
    const touches: Touch[] = rows.map((r, i) => ({
      leadId: r.lead_id, personId: r.person_id, kind: r.kind, value: values[i]!, hash: Buffer.from(r.peer_hash), zip: r.mailing_zip, state: r.mailing_state,
      // the lead's quiet hours are in its own zone, else where the recipient most likely is
      quietHours: r.quiet_start && r.quiet_end ? {
        start: r.quiet_start, end: r.quiet_end,
        zone: r.timezone ?? locateRecipient({ phone: r.kind === 'phone' ? values[i] : null, mailingZip: r.mailing_zip, mailingState: r.mailing_state }).primaryZone ?? 'America/New_York',
      } : null,
      channel: r.channel, purpose: r.purpose, at, confirmation: r.stop_at ? { stopAt: r.stop_at, alreadySent: r.confirmed } : undefined,
    }));
    const facts = await gatherFacts(trx, touches, { registry: registryFacts, smsSenderRegistered: settings.sms_sender_registered, orgCap: settings.frequency_cap });
    const gated: Gated[] = [];
    const decisions: DecisionRow[] = [];
    const out: OutboundMessage[] = [];
    const report = { allowed: 0, deferred: 0, denied: 0, failed: 0 };
    // what this batch already let through counts as well: two texts to one number in one batch
    // see each other for the caps, and only the first carries the opt-out line
    const earlier = new Map<string, Date[]>();
    rows.forEach((r, i) => {
      const peer = Buffer.from(r.peer_hash).toString('hex');
      const before = earlier.get(peer) ?? [];
      const f = { ...facts[i]!, prior: [...(facts[i]!.prior ?? []), ...before], firstText: facts[i]!.firstText && !before.length };
      const from = r.from_address ?? (r.channel === 'email' ? settings.from_email : settings.from_phone);
      // a marketing text names its sender (§5): without a name there is nothing lawful to send
      const unnamed = r.channel === 'sms' && r.purpose === 'marketing' && !settings.sender_name;
      const content = unnamed ? { body: r.body, html: r.html, headers: r.headers, email: undefined } : finalContent(r, settings, f.firstText, actor.organizationId);
      // a call is recorded only when it opens with the disclosure (voice_call.record says both)
      const call = r.call_id ? { record: !!r.record, recordingDisclosure: !!r.record, callerRequiresConsent: !!r.require_consent } : {};
      const d: GateDecision = decide({ ...f, ...call, email: f.email ? { ...f.email, content: content.email } : undefined });
      const decisionId = newId();
      const verdict = d.decision.toLowerCase() as Gated['decision'];
      const error = verdict !== 'allow' ? null
        : !from ? `no sender: set ${r.channel === 'email' ? 'from_email' : 'from_phone'} in the outreach settings`
        : unnamed ? 'no sender name: set sender_name in the outreach settings' : null;
      gated.push({
        id: r.id, decisionId, decision: verdict, reason: d.decision === 'ALLOW' ? null : d.reason, until: d.decision === 'DEFER' ? d.until : null,
        from, body: content.body, html: content.html, headers: content.headers, error,
      });
      decisions.push({
        id: decisionId, leadId: r.lead_id, kind: r.kind, hash: Buffer.from(r.peer_hash).toString('hex'), display: maskContact(r.kind, values[i]!),
        channel: r.channel, purpose: r.purpose, decision: verdict, reason: d.decision === 'ALLOW' ? null : d.reason,
        reasons: d.decision === 'ALLOW' ? [] : d.reasons, obligations: d.decision === 'ALLOW' ? d.obligations : [], until: d.decision === 'DEFER' ? d.until : null,
        at, facts: { ...f, firstText: undefined, at: at.toISOString(), phone: f.phone ? maskContact('phone', f.phone) : undefined, message_id: r.id, source: r.source },
      });
      if (error) report.failed++;
      else if (verdict === 'allow') {
        report.allowed++;
        if (r.channel !== 'email') earlier.set(peer, [...before, at]);
        out.push({
          organizationId: actor.organizationId, messageId: r.id, idempotencyKey: r.key, channel: r.channel, to: values[i]!, from: from!,
          subject: r.subject, body: content.body, html: content.html, headers: content.headers,
          statusCallbackUrl: deps.publicUrl && r.channel !== 'email' ? callbackUrl(deps.publicUrl, actor.organizationId, r.channel, deps.channels.voice.name) : null,
          ...(r.call_id ? { callId: r.call_id, record: !!r.record, timeLimitSeconds: r.max_duration_seconds } : {}),
        });
      } else if (verdict === 'defer') report.deferred++;
      else report.denied++;
    });
    await repo.storeGated(gated, decisions, at, trx);
    const byId = new Map(rows.map((r) => [r.id, r]));
    for (const h of hooks) await h(trx, gated.map((g) => ({ ...g, enrollmentId: byId.get(g.id)!.enrollment_id, campaignId: byId.get(g.id)!.campaign_id, leadId: byId.get(g.id)!.lead_id })));
    return { gated, out, report };
  }

  /** Hand allowed messages to their adapters; a thrown adapter error is a retry for its batch. */
  async function handOver(out: OutboundMessage[]): Promise<(SendResult & { provider: string })[]> {
    const results: (SendResult & { provider: string })[] = [];
    for (const port of ['email', 'sms', 'voice'] as const) {
      const batch = out.filter((m) => PORT[m.channel] === port);
      if (!batch.length) continue;
      const adapter = deps.channels[port];
      let answers: SendResult[];
      try {
        answers = await adapter.send(batch);
      } catch (e) {
        answers = batch.map((m) => ({ messageId: m.messageId, outcome: 'retry', error: (e as Error).message }));
      }
      for (const a of answers) results.push({ ...a, provider: adapter.name });
    }
    return results;
  }

  /** A retry waits 2, 4, 8 ... minutes; after the last attempt it is a failure. */
  function withRetries(results: (SendResult & { provider: string })[], attempts: Map<string, number>) {
    return results.map((r) => {
      if (r.outcome !== 'retry') return r;
      const n = attempts.get(r.messageId) ?? 1;
      if (n >= MAX_ATTEMPTS) return { ...r, outcome: 'failed' as const, error: `gave up after ${n} attempts: ${r.error ?? 'provider unavailable'}` };
      return { ...r, retryAt: new Date(now().getTime() + 2 ** n * 60_000) };
    });
  }

  return {
    /** Write drafts (once each by key) in the caller's transaction; dispatch() sends them after it commits. */
    enqueue: (drafts: Draft[], trx: Trx) => repo.insert(drafts.map((d) => (d.at ? d : { ...d, at: now() })), trx),

    /** Called with every batch the gate decided, in its transaction (sequences stop on an opt-out ...). */
    onGated(hook: GatedHook) {
      hooks.push(hook);
    },

    /** Gate and send due messages (these ids, or every due one), a batch at a time. */
    async dispatch(actor: Actor, opts: { ids?: string[]; batch?: number; max?: number } = {}): Promise<DispatchReport> {
      const total: DispatchReport = { claimed: 0, allowed: 0, deferred: 0, denied: 0, sent: 0, failed: 0, retried: 0, requeued: 0 };
      const batch = opts.batch ?? 1000;
      const max = opts.max ?? Infinity;
      while (total.claimed < max) {
        const round = await withTenant(deps.db, actor, async (trx) => {
          const claimed = await repo.claimDue({ ids: opts.ids, limit: Math.min(batch, max - total.claimed), now: now() }, trx);
          if (!claimed.length) return null;
          // a nudge paused since the claim read it: its messages stay pending, untouched, and go when it is resumed
          const active = await repo.holdActiveBriefings([...new Set(claimed.flatMap((r) => (r.briefing_id ? [r.briefing_id] : [])))], trx);
          const rows = claimed.filter((r) => !r.briefing_id || active.has(r.briefing_id));
          if (!rows.length) return { rows, at: now(), gated: [], out: [], report: { allowed: 0, deferred: 0, denied: 0, failed: 0 } };
          return { rows, at: now(), ...(await gate(actor, rows, trx)) };
        });
        // nothing claimed, or all of it held back (the next tick finds them again if they may go)
        if (!round?.rows.length) break;
        failpoint('outbox.gated');
        const attempts = new Map(round.rows.map((r) => [r.id, r.attempts + 1]));
        // handed over a chunk at a time, each chunk's answers recorded at once (a status callback
        // finds its message); what would go out long after the gate decided goes back to be decided again
        for (let k = 0; k < round.out.length; k += HAND_CHUNK) {
          if (now().getTime() - round.at.getTime() > STALE_MS) {
            await withTenant(deps.db, actor, (trx) => repo.unhand(round.out.slice(k).map((m) => m.messageId), trx));
            total.requeued += round.out.length - k;
            break;
          }
          const results = withRetries(await handOver(round.out.slice(k, k + HAND_CHUNK)), attempts);
          failpoint('outbox.handed');
          await withTenant(deps.db, actor, (trx) => repo.storeResults(results, now(), trx));
          for (const r of results) {
            if (r.outcome === 'sent') total.sent++;
            else if (r.outcome === 'failed') total.failed++;
            else total.retried++;
          }
        }
        total.claimed += round.rows.length;
        for (const k of ['allowed', 'deferred', 'denied', 'failed'] as const) total[k] += round.report[k];
        if (opts.ids) break;
      }
      return total;
    },

    /**
     * Messages a crash left "sending" (handed over, no answer recorded): the provider says
     * whether it has them; those it certainly lacks go back to pending, those it cannot vouch
     * for are marked failed rather than risk a second send.
     */
    async recover(actor: Actor, opts: { olderThanMs?: number } = {}) {
      const before = new Date(now().getTime() - (opts.olderThanMs ?? 5 * 60_000));
      // asked outside a transaction: the provider may be slow, and the local outbox is the same database
      const stranded = await withTenant(deps.db, actor, (trx) => repo.stranded(before, 10_000, trx));
      const results: (SendResult & { provider: string })[] = [];
      const absent: string[] = [];
      for (const port of ['email', 'sms', 'voice'] as const) {
        const rows = stranded.filter((s) => PORT[s.channel] === port);
        if (!rows.length) continue;
        const adapter = deps.channels[port];
        const known = adapter.lookup ? await adapter.lookup(actor.organizationId, rows.map((r) => r.key)) : new Map();
        for (const r of rows) {
          const k = known.get(r.key);
          if (k === 'absent') absent.push(r.id);
          else if (k) results.push({ ...k, messageId: r.id, provider: adapter.name });
          else results.push({ messageId: r.id, outcome: 'failed', provider: adapter.name, error: 'outcome unknown: the process stopped after handing it over; not sent again' });
        }
      }
      // both only move messages still "sending": a second recover at the same time changes nothing
      await withTenant(deps.db, actor, async (trx) => {
        await repo.storeResults(results, now(), trx);
        await repo.unhand(absent, trx);
      });
      return { stranded: stranded.length, confirmed: results.filter((r) => r.outcome === 'sent').length, requeued: absent.length, unknown: results.filter((r) => r.outcome === 'failed').length };
    },
  };
}

export type Outbox = ReturnType<typeof createOutbox>;

/** Where the provider posts this message's events: a Telnyx call its call-control webhooks, the rest Twilio's status callback. */
function callbackUrl(publicUrl: string, organizationId: string, channel: Channel, voiceProvider: string) {
  const urls = channelWebhookUrls(publicUrl, organizationId);
  return channel !== 'sms' && voiceProvider === 'telnyx' ? urls.telnyxVoice : urls.twilioStatus;
}

function escapeHtml(s: string) {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}
