// The sequence worker under load (bench:outreach's second part): N active enrollments each with
// an SMS step due (owners with mobile phones and written consent, so every text is allowed),
// worked by the engine as the scheduled tick works them: claim a batch, render, write messages,
// executions and enrollments, commit, then gate, record and hand the batch to the local adapter.
// The baseline is the same engine one enrollment at a time (batch 1) on a slice, in the same run.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { sql } from 'kysely';
import { loadConfig } from '../src/app/config.ts';
import { createContainer, type Container } from '../src/app/container.ts';
import { withTenant, type Actor } from '../src/db/tenant.ts';
import { updateOutreachSettings } from '../src/domain/outreach/outreach-settings.ts';
import { maskContact } from '../src/domain/pii/pii.ts';
import type { RunReport } from '../src/domain/sequences/engine.ts';
import { seedLeads } from './seed-leads.ts';

export interface StepsBench {
  engine: 'pglite' | 'pg';
  enrollments: number;
  batch: number;
  seed_seconds: number;
  bulk: { enrollments: number; seconds: number; steps_per_second: number; report: RunReport };
  baseline: { enrollments: number; seconds: number; steps_per_second: number };
  sent: number;
  peak_rss_mb: number;
}

// Tuesday 10 March 2026, 11:00 in Austin (CDT): inside the sequence's hours and Texas's for texts
const CLOCK = new Date('2026-03-10T16:00:00Z');
const hwm = () => Number(/VmHWM:\s+(\d+)/.exec(fs.readFileSync('/proc/self/status', 'utf8'))?.[1] ?? 0) * 1024;

async function database(engine: 'pglite' | 'pg', explainMs: number | null) {
  if (engine !== 'pg') return undefined;
  const serverUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query('DROP DATABASE IF EXISTS porchlight_bench_outreach WITH (FORCE)');
  await admin.query('CREATE DATABASE porchlight_bench_outreach');
  // --explain MS: the plans of statements slower than MS, with their timings, in the server's log
  if (explainMs !== null) {
    for (const setting of [`session_preload_libraries = 'auto_explain'`, `auto_explain.log_min_duration = ${explainMs}`,
      'auto_explain.log_analyze = on', 'auto_explain.log_nested_statements = on', 'auto_explain.log_triggers = on']) {
      await admin.query(`ALTER DATABASE porchlight_bench_outreach SET ${setting}`);
    }
  }
  await admin.end();
  const u = new URL(serverUrl);
  u.pathname = '/porchlight_bench_outreach';
  return u.toString();
}

/** Owners with a mobile phone each (+1 512 area code, Austin ZIP) and written consent to texts. */
async function seedRecipients(c: Container, actor: Actor, n: number) {
  for (let done = 0; done < n; done += 20_000) {
    const size = Math.min(20_000, n - done);
    await seedLeads(c, actor, size, { tag: 'bench', source: 'bench', start: done });
  }
  await withTenant(c.db, actor, async (trx) => {
    await sql`UPDATE person SET mailing_zip = '78701', mailing_state = 'TX'`.execute(trx);
    const people = (await sql<{ id: string }>`SELECT id FROM person ORDER BY id`.execute(trx)).rows;
    for (let i = 0; i < people.length; i += 10_000) {
      const chunk = people.slice(i, i + 10_000);
      const phones = chunk.map((_, j) => `+1512${String(2_000_000 + i + j).padStart(7, '0')}`);
      const sealed = phones.map((p) => c.pii.seal(p));
      await sql`
        INSERT INTO contact_point (organization_id, person_id, kind, value, value_enc, value_hash, display, type, sources, verified, first_seen_at, last_seen_at)
        SELECT app_org_id(), u.person, 'phone', u.value, decode(u.enc, 'hex'), decode(u.hash, 'hex'), u.display, 'mobile', ARRAY['bench'], true, now(), now()
        FROM unnest(${chunk.map((p) => p.id)}::uuid[], ${sealed.map((s) => s.value)}::text[],
                    ${sealed.map((s) => (s.value_enc ? Buffer.from(s.value_enc).toString('hex') : null))}::text[],
                    ${phones.map((p) => c.pii.hash(p).toString('hex'))}::text[], ${phones.map((p) => maskContact('phone', p))}::text[])
          AS u(person, value, enc, hash, display)`.execute(trx);
    }
    await sql`
      INSERT INTO consent (organization_id, person_id, kind, value_hash, display, seller_name, scope, type, disclosure_text, captured_at, method)
      SELECT app_org_id(), person_id, 'phone', value_hash, display, 'Bench Roofing', ARRAY['sms', 'voice'], 'pewc',
             'I agree that Bench Roofing may text me at this number using automated technology.', '2026-01-01T12:00:00Z', 'web_form'
      FROM contact_point`.execute(trx);
  });
}

/** A START → SMS → WAIT → END sequence with every lead enrolled and already at its SMS step, due. */
async function seedEnrollments(c: Container, actor: Actor) {
  const s = await c.sequences.create(actor, {
    name: 'Bench follow-up', timezone: 'America/Chicago', working_hours_start: '08:00', working_hours_end: '20:00', working_days: [1, 2, 3, 4, 5, 6],
    nodes: [{ key: 'start', type: 'START' }, { key: 'text', type: 'SMS', config: { template: { body: 'Hi {{person.first_name | "there"}}, this is {{org.name}}: free roof checks near {{property.address_line1}} this week. Want one?' } } },
      { key: 'wait', type: 'WAIT', config: { days: 3 } }, { key: 'end', type: 'END' }],
    edges: [{ from: 'start', to: 'text' }, { from: 'text', to: 'wait' }, { from: 'wait', to: 'end' }],
  });
  await withTenant(c.db, actor, (trx) => sql`
    INSERT INTO sequence_enrollment (organization_id, sequence_id, lead_id, current_node, next_run_at, step, enrolled_at)
    SELECT app_org_id(), ${s.id}::uuid, l.id, 'text', ${new Date(CLOCK.getTime() - 60_000)}::timestamptz, 1, ${new Date(CLOCK.getTime() - 3_600_000)}::timestamptz
    FROM lead l ORDER BY l.id`.execute(trx));
}

export async function benchSequenceSteps(opts: { engine: 'pglite' | 'pg'; enrollments: number; slice: number; batch: number; explainMs: number | null; say: (s: string) => void }): Promise<StepsBench> {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'porchlight-bench-outreach-'));
  const databaseUrl = await database(opts.engine, opts.explainMs);
  const c = await createContainer(loadConfig({ PORCHLIGHT_DATA_DIR: path.join(work, 'data'), DATABASE_URL: databaseUrl, LOG_LEVEL: 'silent' }),
    { command: 'bench', generateSecret: true, migrate: true, now: () => CLOCK });
  try {
    const org = await c.tenancy.createOrganization({ slug: 'bench-outreach', name: 'Bench Roofing' });
    const actor = c.tenancy.operator(org.id, 'cli');
    await withTenant(c.db, actor, (trx) => updateOutreachSettings({ sender_name: 'Bench Roofing', from_phone: '+15125550199' }, trx));
    opts.say(`seeding ${opts.enrollments.toLocaleString()} owners with mobile phones and consent, enrolled with an SMS step due ...`);
    let t = performance.now();
    await seedRecipients(c, actor, opts.enrollments);
    await seedEnrollments(c, actor);
    await c.db.execScript('VACUUM ANALYZE');
    const seedSeconds = (performance.now() - t) / 1000;

    opts.say(`one enrollment at a time, on ${opts.slice.toLocaleString()} of them ...`);
    t = performance.now();
    const one = await c.sequenceEngine.runDue(actor, { batch: 1, max: opts.slice });
    const baselineSeconds = (performance.now() - t) / 1000;
    // what autovacuum (the server) or the housekeeping job (PGlite) does once the outreach tables
    // have rows: the plans cached while they were empty (foreign-key checks) are made again
    await c.db.execScript('ANALYZE');

    opts.say(`the rest, ${opts.batch.toLocaleString()} enrollments a batch ...`);
    t = performance.now();
    const bulk = await c.sequenceEngine.runDue(actor, { batch: opts.batch });
    const bulkSeconds = (performance.now() - t) / 1000;

    const [sent] = await withTenant(c.db, actor, async (trx) => (await sql<{ n: number }>`SELECT count(*)::int AS n FROM local_outbox`.execute(trx)).rows);
    return {
      engine: opts.engine, enrollments: opts.enrollments, batch: opts.batch, seed_seconds: seedSeconds,
      bulk: { enrollments: bulk.enrollments, seconds: bulkSeconds, steps_per_second: Math.round(bulk.enrollments / bulkSeconds), report: bulk },
      baseline: { enrollments: one.enrollments, seconds: baselineSeconds, steps_per_second: Math.round(one.enrollments / baselineSeconds) },
      sent: sent!.n, peak_rss_mb: Math.round(hwm() / 2 ** 20),
    };
  } finally {
    await c.close();
    fs.rmSync(work, { recursive: true, force: true });
  }
}
