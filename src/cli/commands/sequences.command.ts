import fs from 'node:fs';
import type { Command } from 'commander';
import { AppError } from '../../app/errors.ts';
import type { SequencesService } from '../../domain/sequences/sequences.service.ts';
import { count, command, table } from '../run.ts';

type Shown = Awaited<ReturnType<SequencesService['show']>>;

function describeSequence(s: Shown) {
  const m = s.metrics;
  return [
    `${s.name}  (${s.id})  ${s.kind}, ${s.status}, ${s.purpose}`,
    ...(s.description ? [s.description] : []),
    `sends ${s.working_hours_start}-${s.working_hours_end} ${s.timezone}, days ${s.working_days.join(',')} (1 = Monday)`,
    `enrolled ${m.enrolled}: active ${m.active}, paused ${m.paused}, completed ${m.completed}, converted ${m.converted} (${(m.conversion_rate * 100).toFixed(1)}%), stopped ${m.stopped}, failed ${m.failed}`,
    '',
    table(s.nodes.map((n) => ({ ...n, next: Object.entries(n.next).map(([b, k]) => (b === 'next' ? k : `${b}→${k}`)).join(' ') })),
      ['key', 'type', 'next', 'waiting', 'executions', 'succeeded', 'failed', 'skipped', 'scheduled']),
  ].join('\n');
}

function readDefinition(file: string): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new AppError('VALIDATION', `${file}: cannot read it (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, [{ field: 'file', message: 'unreadable' }]);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new AppError('VALIDATION', `${file}: not JSON (${(e as Error).message})`, [{ field: 'file', message: 'not JSON' }]);
  }
}


export function registerSequences(program: Command) {
  const seq = program.command('sequences').description('outreach sequences: graphs of steps, or nurture steps, that leads are enrolled in');
  const org = (c: Command) => c.requiredOption('--org <org>', 'organization id or slug').option('--json', 'machine-readable output');

  org(seq.command('create').description('create a sequence from a JSON file (examples/sequences/)').argument('<file>', 'the definition'))
    .action(command('sequences create', async (ctx, file: string, o: { org: string }) => {
      const s = await ctx.c.sequences.create(await ctx.operatorIn(o.org), readDefinition(file));
      return { json: s, text: `created sequence ${s.name}\n${describeSequence(s)}` };
    }));

  org(seq.command('list').description('the sequences with their metrics'))
    .action(command('sequences list', async (ctx, o: { org: string }) => {
      const data = await ctx.c.sequences.list(await ctx.operatorIn(o.org));
      return { json: { data }, text: table(data, ['name', 'kind', 'status', 'enrolled', 'active', 'completed', 'converted', 'conversion_rate', 'id']) };
    }));

  org(seq.command('show').description('a sequence: settings, metrics, and each node with its executions').argument('<sequence>', 'id or name'))
    .action(command('sequences show', async (ctx, ref: string, o: { org: string }) => {
      const s = await ctx.c.sequences.show(await ctx.operatorIn(o.org), ref);
      return { json: s, text: describeSequence(s) };
    }));

  for (const verb of ['pause', 'resume', 'archive'] as const) {
    const what = { pause: 'hold every enrollment where it is', resume: 'let its enrollments run again', archive: 'retire it: its enrollments stop, nobody can be enrolled' }[verb];
    org(seq.command(verb).description(`${verb} a sequence (${what})`).argument('<sequence>', 'id or name'))
      .action(command(`sequences ${verb}`, async (ctx, ref: string, o: { org: string }) => {
        const s = await ctx.c.sequences[verb](await ctx.operatorIn(o.org), ref);
        return { json: s, text: `sequence ${s.name} is ${s.status}` };
      }));
  }

  org(seq.command('update').description('rename a sequence or change when it works (its graph stays as it is)').argument('<sequence>', 'id or name'))
    .option('--name <name>', 'a new name')
    .option('--timezone <zone>', 'an IANA time zone, like America/Chicago')
    .option('--from <HH:MM>', 'working hours start')
    .option('--until <HH:MM>', 'working hours end')
    .option('--days <days>', 'ISO days, comma-separated: 1 Monday .. 7 Sunday')
    .action(command('sequences update', async (ctx, ref: string, o: { org: string; name?: string; timezone?: string; from?: string; until?: string; days?: string }) => {
      // a day that is not a number reaches the validation as text, which names the field
      const days = o.days?.split(',').map((d) => (/^\s*\d+\s*$/.test(d) ? Number(d) : d));
      const s = await ctx.c.sequences.update(await ctx.operatorIn(o.org), ref, {
        name: o.name, timezone: o.timezone, working_hours_start: o.from, working_hours_end: o.until, working_days: days,
      });
      return { json: s, text: `updated sequence ${s.name}\n${describeSequence(s)}` };
    }));

  org(seq.command('enroll').description('enroll a lead or every lead of a segment (once each)').argument('<sequence>', 'id or name'))
    .option('--lead <id>', 'one lead, or several ids comma-separated (up to 500)')
    .option('--segment <segment>', 'a saved segment, by id or name')
    .action(command('sequences enroll', async (ctx, ref: string, o: { org: string; lead?: string; segment?: string }) => {
      const ids = o.lead?.split(',').map((x) => x.trim()).filter(Boolean);
      const leads = ids && ids.length > 1 ? { lead_ids: ids } : { lead_id: o.lead };
      const r = await ctx.c.sequences.enroll(await ctx.operatorIn(o.org), ref, { ...leads, segment: o.segment });
      return { json: r, text: `enrolled ${r.enrolled} of ${r.matched} lead(s) (${r.already_enrolled} already enrolled, ${r.do_not_contact} do-not-contact)` };
    }));

  org(seq.command('enrollments').description("a sequence's enrollments, newest first").argument('<sequence>', 'id or name'))
    .option('--status <status>', 'active, paused, completed, failed or stopped')
    .option('--limit <n>', 'at most this many', '100')
    .action(command('sequences enrollments', async (ctx, ref: string, o: { org: string; status?: string; limit: string }) => {
      const data = await ctx.c.sequences.enrollments(await ctx.operatorIn(o.org), ref, { status: o.status, limit: o.limit });
      return { json: { data }, text: table(data, ['id', 'lead_name', 'status', 'current_node', 'step', 'next_run_at', 'stop_reason', 'last_error']) };
    }));

  org(seq.command('path').description('the steps an enrollment took, in order').argument('<enrollment>', 'enrollment id'))
    .action(command('sequences path', async (ctx, id: string, o: { org: string }) => {
      const p = await ctx.c.sequences.path(await ctx.operatorIn(o.org), id);
      const e = p.enrollment;
      const head = `enrollment ${e.id}: ${e.status}${e.stop_reason ? ` (${e.stop_reason})` : ''} at ${e.current_node}${e.next_run_at && e.status === 'active' ? `, next step ${e.next_run_at.toISOString()}` : ''}`;
      return { json: p, text: `${head}\n${table(p.steps.map((s) => ({
        ...s, message: s.message_status ? `${s.message_status}${s.message_reason ? ` ${s.message_reason}` : ''}` : '',
        note: s.error ?? (s.detail.reason as string | undefined) ?? (s.detail.until ? `until ${s.detail.until}` : ''),
      })), ['step', 'node_key', 'node_type', 'status', 'branch', 'message', 'note', 'started_at'])}` };
    }));

  for (const verb of ['pause', 'resume', 'stop'] as const) {
    org(seq.command(`${verb}-enrollment`).description(`${verb} one enrollment`).argument('<enrollment>', 'enrollment id'))
      .action(command(`sequences ${verb}-enrollment`, async (ctx, id: string, o: { org: string }) => {
        const fn = { pause: ctx.c.sequences.pauseEnrollment, resume: ctx.c.sequences.resumeEnrollment, stop: ctx.c.sequences.stopEnrollment }[verb];
        const e = await fn(await ctx.operatorIn(o.org), id);
        return { json: e, text: `enrollment ${e.id} is ${e.status}` };
      }));
  }

  org(seq.command('tick').description("one pass of the worker by hand: due steps, due messages, messages a crash left 'sending'"))
    .option('--batch <n>', 'enrollments per transaction', '1000')
    .option('--stranded-after <seconds>', "a message 'sending' this long is asked after at its provider", '300')
    .action(command('sequences tick', async (ctx, o: { org: string; batch: string; strandedAfter: string }) => {
      const r = await ctx.c.sequenceEngine.tick(await ctx.operatorIn(o.org), { batch: count('batch', o.batch), strandedAfterMs: count('stranded-after', o.strandedAfter) * 1000 });
      const s = r.steps;
      return {
        json: r,
        text: [`${s.enrollments} enrollment(s) in ${s.batches} batch(es): ${s.steps} step(s), ${s.messages} message(s); ${s.completed} completed, ${s.stopped} stopped, ${s.failed} failed`,
          `messages: ${s.dispatch.sent + r.dispatched.sent} sent, ${s.dispatch.deferred + r.dispatched.deferred} deferred, ${s.dispatch.denied + r.dispatched.denied} denied; ${r.recovered.stranded} stranded`,
          ...(s.research_runs.length ? [`enrichment runs started: ${s.research_runs.join(', ')} (run \`porchlight worker --until-idle\`)`] : [])].join('\n'),
      };
    }));
}
