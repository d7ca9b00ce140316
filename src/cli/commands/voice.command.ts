import type { Command } from 'commander';
import { actorAs, bars, command, count, table, type CommandContext } from '../run.ts';
import { parseSets } from './messages.command.ts';

// porchlight calls | bookings | voice: calls placed through the gate (with the local adapter, a
// scripted conversation), logged calls, bookings, each user's voice and AI configuration, and
// the daily metrics a manager judges an agent by.

const ORG = ['--org <org>', 'organization id or slug'] as const;
const JSON_OPT = ['--json', 'machine-readable output'] as const;

const cents = (v: unknown) => `$${(Number(v ?? 0) / 100).toFixed(2)}`;
const when = (d: unknown) => (d instanceof Date ? d.toISOString().slice(0, 19).replace('T', ' ') : d ? String(d) : '');

function callText(call: Awaited<ReturnType<CommandContext['c']['voice']['calls']['show']>>): string {
  const head = [
    `call ${call.id}  ${call.agent === 'ai' ? 'AI' : 'human'} ${call.direction} to ${call.to_number}  ${call.status}${call.outcome ? ` → ${call.outcome}` : ''}`,
    call.blocked_reason ? `blocked by the gate: ${call.blocked_reason} (decision ${call.gate_decision_id})` : null,
    `initiated ${when(call.initiated_at)}  answered ${when(call.started_at) || '-'}  ended ${when(call.ended_at) || '-'}  ${call.duration_seconds} s (max ${call.max_duration_seconds} s)`,
    call.retry_attempts ? `attempt ${Number(call.retry_attempts) + 1} (retry of ${call.retry_of})` : null,
    call.retry_at ? `next attempt at ${when(call.retry_at)}` : null,
    call.summary ? `summary: ${call.summary}` : null,
    call.interest_level ? `interest: ${call.interest_level}   objections: ${call.objections_raised.join(', ') || 'none'}` : null,
    call.next_steps ? `next steps: ${call.next_steps}` : null,
    `cost: carrier ${cents(call.call_cost_cents)} + AI ${cents(call.ai_cost_cents)} = ${cents(call.total_cost_cents)}`,
    call.first_audio_latency_ms !== null ? `latency: first audio ${call.first_audio_latency_ms} ms, p95 ${call.p95_latency_ms ?? '-'} ms; barge-ins ${call.barge_in_count}; tool calls ${call.tool_calls_made}; confidence ${call.avg_confidence ?? '-'}` : null,
    call.blocked_reason ? null : call.recorded ? `recording: ${call.recording_url ?? '(not yet)'}` : `not recorded${call.recording_note ? `: ${call.recording_note}` : ''}`,
    call.booking ? `booking: ${(call.booking as { booking_type: string }).booking_type} ${when((call.booking as { window_start: Date }).window_start)} (${(call.booking as { status: string }).status}) ${(call.booking as { id: string }).id}` : null,
  ].filter(Boolean).join('\n');
  const turns = call.turns.map((t) => ({ ...t, at: `${(t.start_ms / 1000).toFixed(1)}s`, who: t.role === 'tool' ? `tool:${t.tool_name}` : t.role, text: t.text.slice(0, 80), barge: t.barge_in ? 'yes' : '' }));
  return `${head}\n\n${table(turns, ['seq', 'at', 'who', 'text', 'latency_ms', 'confidence_score', 'barge'])}\n\nevents: ${call.events.map((e) => e.event_type).join(' → ') || 'none'}`;
}

export function registerVoice(program: Command) {
  const calls = program.command('calls').description('voice calls: place one through the compliance gate, log one, review them');
  calls.command('start')
    .description('call a lead (AI agent by default); with the local voice adapter the call plays a scripted conversation')
    .requiredOption(...ORG).requiredOption('--lead <id>', 'the lead to call')
    .option('--goal <goal>', 'qualify, schedule or follow_up', 'qualify')
    .option('--agent <agent>', 'ai (the AI voice agent) or human', 'ai')
    .option('--user <email>', "whose call it is: their voice and AI configuration, their metrics")
    .option('--instructions <text>', 'for the AI agent: what this call is for')
    .option('--scenario <name>', 'local adapter only: no_answer, busy, voicemail, scheduled, follow_up, rejected, opt_out, long_talk')
    .option('--key <key>', 'idempotency key: the same key places the call once')
    .option(...JSON_OPT)
    .action(command('calls start', async (ctx, o: { org: string; lead: string; goal: string; agent: string; user?: string; instructions?: string; scenario?: string; key?: string }) => {
      const actor = await actorAs(ctx, o.org, o.user);
      const call = await ctx.c.voice.calls.start(actor, { lead_id: o.lead, goal: o.goal, agent: o.agent, instructions: o.instructions, scenario: o.scenario, idempotency_key: o.key });
      return { json: call, text: callText(call) };
    }));
  calls.command('show <id>')
    .description('a call: status, outcome, analysis, costs, latencies, every turn and event')
    .requiredOption(...ORG).option(...JSON_OPT)
    .action(command('calls show', async (ctx, id: string, o: { org: string }) => {
      const call = await ctx.c.voice.calls.show(await ctx.operatorIn(o.org), id);
      return { json: call, text: callText(call) };
    }));
  calls.command('list')
    .description('calls, newest first')
    .requiredOption(...ORG)
    .option('--lead <id>').option('--user <email>').option('--status <status>').option('--outcome <outcome>')
    .option('--from <iso>', 'initiated at or after').option('--to <iso>', 'initiated before').option('--limit <n>', 'at most', '50')
    .option(...JSON_OPT)
    .action(command('calls list', async (ctx, o: { org: string; lead?: string; user?: string; status?: string; outcome?: string; from?: string; to?: string; limit: string }) => {
      const actor = await ctx.operatorIn(o.org);
      const user = o.user ? (await actorAs(ctx, o.org, o.user)).userId! : undefined;
      const rows = await ctx.c.voice.calls.list(actor, { lead: o.lead, user, status: o.status, outcome: o.outcome, from: o.from, to: o.to, limit: o.limit });
      return { json: rows, text: table(rows, ['id', 'initiated_at', 'agent', 'direction', 'to_number', 'status', 'outcome', 'duration_seconds', 'total_cost_cents', 'blocked_reason']) };
    }));
  calls.command('log')
    .description('write down a call made or taken outside Porchlight (a desk phone, an inbound call)')
    .requiredOption(...ORG).requiredOption('--lead <id>')
    .requiredOption('--started-at <iso>', 'when it started, ISO 8601 with an offset')
    .requiredOption('--duration <seconds>', 'how long it lasted')
    .requiredOption('--outcome <outcome>', 'scheduled, follow_up, rejected, no_answer, voicemail, opt_out or failed')
    .option('--direction <d>', 'outbound or inbound', 'outbound').option('--user <email>', 'who took or made it')
    .option('--summary <text>').option('--objections <list>', 'comma-separated').option('--next-steps <text>').option('--interest <level>', 'high, medium, low or none')
    .option(...JSON_OPT)
    .action(command('calls log', async (ctx, o: { org: string; lead: string; startedAt: string; duration: string; outcome: string; direction: string; user?: string; summary?: string; objections?: string; nextSteps?: string; interest?: string }) => {
      const actor = await actorAs(ctx, o.org, o.user);
      const call = await ctx.c.voice.calls.log(actor, {
        lead_id: o.lead, started_at: o.startedAt, duration_seconds: Number(o.duration), outcome: o.outcome, direction: o.direction, summary: o.summary,
        objections: o.objections ? o.objections.split(',').map((s) => s.trim()).filter(Boolean) : [], next_steps: o.nextSteps, interest_level: o.interest,
      });
      return { json: call, text: callText(call) };
    }));

  calls.command('tick')
    .description('place the retries that are due and play the local adapter\'s calls (the worker does this every minute)')
    .requiredOption(...ORG).option('--stranded-after <seconds>', 'settle calls handed over this long ago with no answer recorded (a crash)', '300').option(...JSON_OPT)
    .action(command('calls tick', async (ctx, o: { org: string; strandedAfter: string }) => {
      const r = await ctx.c.voice.calls.tick(await ctx.operatorIn(o.org), { strandedAfterMs: count('stranded-after', o.strandedAfter) * 1000 });
      return { json: r, text: `${r.retried} retries placed, ${r.played} local calls played, ${r.recovered} stranded calls settled` };
    }));

  const bookings = program.command('bookings').description("appointments from calls: an estimator's window, never double-booked");
  bookings.command('create')
    .requiredOption(...ORG).requiredOption('--lead <id>').requiredOption('--estimator <email>', 'the user who goes')
    .requiredOption('--start <iso>').requiredOption('--end <iso>')
    .option('--type <type>', 'inspection, consultation or estimate', 'inspection').option('--location <text>').option('--notes <text>').option('--call <id>', 'the call it came from')
    .option(...JSON_OPT)
    .action(command('bookings create', async (ctx, o: { org: string; lead: string; estimator: string; start: string; end: string; type: string; location?: string; notes?: string; call?: string }) => {
      const actor = await ctx.operatorIn(o.org);
      const estimator = (await actorAs(ctx, o.org, o.estimator)).userId!;
      const b = await ctx.c.voice.bookings.create(actor, { lead_id: o.lead, estimator_id: estimator, window_start: o.start, window_end: o.end, booking_type: o.type, location: o.location, notes: o.notes, call_id: o.call });
      return { json: b, text: `booking ${b.id}: ${b.booking_type} ${when(b.window_start)}–${when(b.window_end)} with ${b.estimator_name} (${b.status}); confirmation ${b.confirmation_sent ? 'sent' : b.confirmation_message_id ? 'queued' : 'not possible (no phone or email)'}` };
    }));
  bookings.command('list')
    .requiredOption(...ORG).option('--from <iso>').option('--to <iso>').option('--estimator <email>').option('--lead <id>').option('--status <s>')
    .option(...JSON_OPT)
    .action(command('bookings list', async (ctx, o: { org: string; from?: string; to?: string; estimator?: string; lead?: string; status?: string }) => {
      const actor = await ctx.operatorIn(o.org);
      const estimator = o.estimator ? (await actorAs(ctx, o.org, o.estimator)).userId! : undefined;
      const rows = await ctx.c.voice.bookings.list(actor, { from: o.from, to: o.to, estimator, lead: o.lead, status: o.status });
      return { json: rows, text: table(rows as unknown as Record<string, unknown>[], ['id', 'window_start', 'window_end', 'estimator_name', 'booking_type', 'status', 'confirmation_sent', 'reminder_sent']) };
    }));
  for (const [name, doing] of [['reschedule', 'move a booking (a new confirmation and reminder)'], ['cancel', 'cancel a booking'], ['complete', 'mark a booking done']] as const) {
    const cmd = bookings.command(`${name} <id>`).description(doing).requiredOption(...ORG).option(...JSON_OPT);
    if (name === 'reschedule') cmd.requiredOption('--start <iso>').requiredOption('--end <iso>').option('--estimator <email>');
    cmd.action(command(`bookings ${name}`, async (ctx, id: string, o: { org: string; start?: string; end?: string; estimator?: string }) => {
      const actor = await ctx.operatorIn(o.org);
      const b = name === 'reschedule'
        ? await ctx.c.voice.bookings.reschedule(actor, id, { window_start: o.start, window_end: o.end, estimator_id: o.estimator ? (await actorAs(ctx, o.org, o.estimator)).userId! : undefined })
        : await ctx.c.voice.bookings.setStatus(actor, id, name === 'cancel' ? 'cancelled' : 'completed');
      return { json: b, text: `booking ${b.id}: ${b.status}, ${when(b.window_start)}–${when(b.window_end)} (revision ${b.revision})` };
    }));
  }

  const voice = program.command('voice').description("voice agents: each user's configuration and the daily metrics");
  voice.command('config')
    .description("a user's voice configuration (or --ai: AI configuration); --set field=value to change it")
    .requiredOption(...ORG).requiredOption('--user <email>', 'whose').option('--ai', 'the AI configuration instead')
    .option('--set <field=value>', 'a change (repeatable)', (v: string, all: string[]) => [...all, v], [] as string[])
    .option(...JSON_OPT)
    .action(command('voice config', async (ctx, o: { org: string; user: string; ai?: boolean; set: string[] }) => {
      const actor = await ctx.operatorIn(o.org);
      const user = (await actorAs(ctx, o.org, o.user)).userId!;
      const kind = o.ai ? 'ai' : 'voice';
      const cfg = o.set.length ? await ctx.c.voice.config.set(actor, kind, parseSets(o.set), user) : await ctx.c.voice.config.get(actor, kind, user);
      return { json: cfg, text: Object.entries(cfg).map(([k, v]) => `${k.padEnd(28)} ${typeof v === 'object' ? JSON.stringify(v) : String(v)}`).join('\n') };
    }));
  voice.command('metrics')
    .description('daily metrics per user (days in each user\'s zone): calls, connects, bookings, latencies, quality, outcomes')
    .requiredOption(...ORG).requiredOption('--from <day>', 'YYYY-MM-DD').requiredOption('--to <day>', 'YYYY-MM-DD')
    .option('--user <email>', 'one user').option('--recompute', 'recompute the range first (the job does yesterday and today)')
    .option(...JSON_OPT)
    .action(command('voice metrics', async (ctx, o: { org: string; from: string; to: string; user?: string; recompute?: boolean }) => {
      const actor = await ctx.operatorIn(o.org);
      const user = o.user ? (await actorAs(ctx, o.org, o.user)).userId! : undefined;
      if (o.recompute) await ctx.c.voice.metrics.recompute(actor, { from: o.from, to: o.to });
      const m = await ctx.c.voice.metrics.list(actor, { from: o.from, to: o.to, user });
      if (!m.totals) return { json: m, text: `no calls from ${o.from} to ${o.to}${o.recompute ? '' : ' (add --recompute to compute the range now)'}` };
      const rows = m.rows.map((r) => ({ ...r, user: r.user_name ?? '(org agent)', avg_confidence_score: Number(r.avg_confidence_score).toFixed(3), booking_rate: pct(r.booking_rate), barge_in_rate: pct(r.barge_in_rate), asr_wer: r.asr_wer === null ? '' : pct(r.asr_wer) }));
      const outcomes = Object.entries(m.totals.outcomes).map(([label, value]) => ({ label, value: Number(value) }));
      const t = m.totals;
      return {
        json: m,
        text: [
          table(rows, ['day', 'user', 'calls', 'connects', 'bookings', 'booking_rate', 'avg_duration_s', 'avg_first_audio_latency_ms', 'p95_latency_ms', 'asr_wer', 'avg_confidence_score', 'barge_in_rate']),
          '', `${t.calls} calls, ${t.connects} connected (${pct(t.connect_rate)}), ${t.bookings} booked (${pct(t.booking_rate)} of connects), ${t.talk_minutes} minutes, ${cents(t.cost_cents)}`,
          '', 'outcomes', bars(outcomes, Math.max(...outcomes.map((x) => x.value))),
        ].join('\n'),
      };
    }));
}

const pct = (v: unknown) => `${(Number(v ?? 0) * 100).toFixed(1)}%`;
