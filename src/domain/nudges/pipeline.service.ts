import { sql } from 'kysely';
import { AppError } from '../../app/errors.ts';
import type { Failpoint } from '../../app/failpoints.ts';
import type { Database } from '../../db/database.ts';
import { withTenant, type Actor, type Trx } from '../../db/tenant.ts';
import type { EmbeddingsPort } from '../../providers/embeddings/ports.ts';
import { terms, tokens } from '../../providers/embeddings/local.ts';
import type { LlmPort, Tone } from '../../providers/llm/ports.ts';
import type { ClientsService } from './clients.service.ts';
import { describeEvent, factsOf, headline, keyIntel, PROMPT_VERSION, unsupportedClaims } from './drafts.ts';
import { matchingRepository as match, pendingAt, type MatchRow, type PendingEvent } from './matching.repository.ts';
import { ensureVectorIndexes, type VectorOps } from './vectors.ts';
import { requireRole } from '../tenancy/tenancy.service.ts';
import { briefingsRepository, type NewBriefing } from './briefings.repository.ts';

// The nudge pipeline (AI Nudge's main opportunity pipeline), one organization per run:
//   1. clients' notes and the MLS events get vectors in the embeddings adapter's space;
//   2. recent MLS events fan out to the users whose market focus covers them (market events);
//   3. chunk by chunk, each market event is matched to its user's clients, drafted by the LLM
//      port, and stored as a DRAFT briefing with its ranked audience, in one transaction with
//      the market events it settles.
// Every step is keyed (a market event per user and MLS event, a briefing per market event), so a
// run again, or after a kill, creates nothing twice; a run killed mid-way is taken over once its
// heartbeat is two minutes old, and a run that was taken over stops at its next beat. A draft that
// fails (the model down, a timeout) is tried again by later runs, each waiting twice as long, up
// to five times. What a run did, and each error, is kept in pipeline_run.

const CHUNK = 200;
const EVENT_EMBED_BATCH = 500;
const STALE_RUN = "interval '2 minutes'";
/** Tries at drafting one market event, and the wait before the second (then twice as long each time). */
const DRAFT_ATTEMPTS = 5;
const RETRY_BASE_MS = 5 * 60_000;

export interface PipelineOptions {
  /** How far back MLS events are still news (default 30 days). */
  lookbackDays?: number;
  /** The run in progress is known dead (killed): take over at once instead of after its heartbeat stops for two minutes. */
  takeOver?: boolean;
  onProgress?: (p: { stage: 'embed' | 'fanout' | 'match'; done: number; total?: number }) => void;
  /** The least time between two heartbeats while drafting (default 10 s; a beat is one small transaction). */
  heartbeatMs?: number;
}

export function createPipeline(deps: {
  db: Database; embeddings: EmbeddingsPort; llm: LlmPort; clients: ClientsService; vectors: () => Promise<VectorOps>; failpoint: Failpoint; now?: () => Date;
}) {
  const now = deps.now ?? (() => new Date());
  const tenant = <T>(actor: Actor, fn: (trx: Trx) => Promise<T>) => withTenant(deps.db, actor, fn);
  const space = deps.embeddings.space;

  async function start(actor: Actor, takeOver: boolean): Promise<string> {
    return tenant(actor, async (trx) => {
      await sql`UPDATE pipeline_run SET status = 'failed', completed_at = now(), errors = errors + 1,
                  error_details = error_details || '[{"error": "stopped without finishing (killed?): taken over by the next run"}]'::jsonb
                WHERE organization_id = app_org_id() AND status = 'running' AND (${takeOver} OR heartbeat_at < now() - ${sql.raw(STALE_RUN)})`.execute(trx);
      const r = await sql<{ id: string }>`
        INSERT INTO pipeline_run (organization_id, started_by) VALUES (app_org_id(), ${actor.userId}::uuid)
        ON CONFLICT (organization_id) WHERE status = 'running' DO NOTHING RETURNING id`.execute(trx);
      if (!r.rows[0]) throw new AppError('CONFLICT', 'a pipeline run is already in progress for this organization; try again when it finishes (or, if it was killed, with --take-over)');
      return r.rows[0].id;
    });
  }

  /** MLS events this organization's market events need that have no vector in this space yet. */
  async function embedEvents(actor: Actor, onProgress: PipelineOptions['onProgress']): Promise<number> {
    let done = 0;
    for (;;) {
      const rows = await tenant(actor, (trx) => sql<PendingEvent & { id: string }>`
        SELECT e.id, e.event_type, e.event_at, e.address, e.city, e.state, e.zip, e.list_price_cents, e.previous_price_cents, e.close_price_cents,
               e.beds, e.baths, e.living_area_sqft, e.year_built, e.property_type, e.remarks
        FROM mls_event e WHERE e.embedding_space IS DISTINCT FROM ${space}
          AND e.id IN (SELECT me.mls_event_id FROM market_event me WHERE me.organization_id = app_org_id() AND ${pendingAt(now())})
        LIMIT ${EVENT_EMBED_BATCH}`.execute(trx).then((r) => r.rows));
      if (!rows.length) return done;
      const vectors = await deps.embeddings.embed(rows.map(describeEvent));
      await tenant(actor, (trx) => sql`
        UPDATE mls_event e SET embedding = u.v::real[], embedding_space = ${space}
        FROM unnest(${rows.map((r) => r.id)}::uuid[], ${vectors.map((v) => `{${v.join(',')}}`)}::text[]) AS u(id, v) WHERE e.id = u.id`.execute(trx));
      done += rows.length;
      onProgress?.({ stage: 'embed', done });
    }
  }

  async function fanOut(actor: Actor, runId: string, since: Date) {
    return tenant(actor, async (trx) => {
      const r = await sql<{ user_id: string }>`
        INSERT INTO market_event (organization_id, user_id, mls_event_id, event_type, market_area, pipeline_run_id)
        SELECT app_org_id(), s.user_id, e.id, e.event_type, CASE WHEN e.zip = ANY(s.market_focus) THEN e.zip ELSE lower(e.city) END, ${runId}::uuid
        FROM nudge_settings s JOIN app_user u ON u.organization_id = s.organization_id AND u.id = s.user_id AND u.is_active
        JOIN mls_event e ON (e.zip = ANY(s.market_focus) OR lower(e.city) = ANY(s.market_focus)) AND e.event_at >= ${since}
        WHERE s.organization_id = app_org_id() AND cardinality(s.market_focus) > 0
        ON CONFLICT (organization_id, user_id, mls_event_id) DO NOTHING
        RETURNING user_id`.execute(trx);
      return r.rows;
    });
  }

  /** What each user's drafts sound like, and how they sign. */
  async function styles(actor: Actor) {
    const rows = await tenant(actor, (trx) => sql<{ user_id: string; tone: Tone | null; signoff: string | null; full_name: string | null }>`
      SELECT u.id AS user_id, s.tone, s.signoff, u.full_name FROM app_user u
      LEFT JOIN nudge_settings s ON s.organization_id = u.organization_id AND s.user_id = u.id
      WHERE u.organization_id = app_org_id()`.execute(trx));
    return new Map(rows.rows.map((r) => [r.user_id, { tone: r.tone ?? 'warm', signoff: r.signoff ?? r.full_name }]));
  }

  /**
   * The run is alive: drafting a chunk takes as long as the model does, so the run beats between
   * drafts (at most every `everyMs`), not only between chunks, and is not taken over while it
   * works. A run that finds it was taken over (declared dead, another run started) stops.
   */
  function heartbeat(actor: Actor, runId: string, everyMs: number) {
    let last = Date.now();
    return async () => {
      if (Date.now() - last < everyMs) return;
      const alive = await tenant(actor, (trx) => sql`UPDATE pipeline_run SET heartbeat_at = now()
        WHERE organization_id = app_org_id() AND id = ${runId}::uuid AND status = 'running' RETURNING id`.execute(trx));
      if (!alive.rows.length) throw new AppError('CONFLICT', `pipeline run ${runId} was taken over by a later run: it stops here`);
      last = Date.now();
    };
  }

  /** A client's note words beside their tokens, once per run (a client is in many audiences). */
  const noteTerms = new Map<string, { word: string; token: string }[]>();
  function reasonsOf(m: MatchRow, e: PendingEvent, eventTerms: Set<string>) {
    let words = noteTerms.get(m.client_id);
    if (!words) noteTerms.set(m.client_id, (words = m.notes ? terms(m.notes) : []));
    // the client's own words ("family", not the token "fami"): the person approving reads them
    const seen = new Set<string>();
    const shared = words.filter((w) => eventTerms.has(w.token) && !seen.has(w.token) && seen.add(w.token)).map((w) => w.word).slice(0, 10);
    return { similarity: Math.round(m.similarity * 10000) / 10000, filters_met: m.filters_met, shared_terms: shared, market_event_id: e.market_event_id };
  }

  /** One chunk: match, draft (outside any transaction), store, settle. Returns briefings made and errors. */
  async function chunk(actor: Actor, runId: string, events: PendingEvent[], ops: VectorOps, dim: number, style: Awaited<ReturnType<typeof styles>>, beat: () => Promise<void>) {
    const matches = await tenant(actor, (trx) => match.match(events.map((e) => e.market_event_id), ops, dim, space, trx));
    const byEvent = new Map<string, MatchRow[]>();
    for (const m of matches) byEvent.set(m.market_event_id, [...(byEvent.get(m.market_event_id) ?? []), m]);
    const briefings: NewBriefing[] = [];
    const errors: { market_event_id: string; error: string; attempt: number; retry_at: Date | null }[] = [];
    for (const e of events) {
      const audience = byEvent.get(e.market_event_id);
      if (!audience?.length) continue;
      const facts = factsOf(e);
      const s = style.get(e.user_id) ?? { tone: 'warm' as Tone, signoff: null };
      try {
        const draft = await deps.llm.draft({ promptVersion: PROMPT_VERSION, tone: s.tone, signoff: s.signoff, facts });
        const eventTerms = new Set(tokens(describeEvent(e)));
        briefings.push({
          userId: e.user_id, marketEventId: e.market_event_id, campaignType: e.event_type, headline: headline(facts),
          keyIntel: keyIntel(facts, new Date(e.event_at), now()), draft: draft.slice(0, 1600), adapter: deps.llm.name, model: deps.llm.model,
          promptVersion: PROMPT_VERSION, warnings: unsupportedClaims(s.signoff ? draft.replaceAll(s.signoff, '') : draft, facts),
          recipients: audience.map((m, i) => ({ clientId: m.client_id, rank: i + 1, ...reasonsOf(m, e, eventTerms) })),
        });
      } catch (err) {
        // tried again later, each wait twice the one before; after the last try it stays an error
        const attempt = e.attempts + 1;
        const retryAt = attempt < DRAFT_ATTEMPTS ? new Date(now().getTime() + RETRY_BASE_MS * 2 ** (attempt - 1)) : null;
        errors.push({ market_event_id: e.market_event_id, error: (err as Error).message.slice(0, 500), attempt, retry_at: retryAt });
      }
      await beat();
    }
    const made = await tenant(actor, async (trx) => {
      const n = await briefingsRepository.insert(briefings, trx);
      await deps.failpoint('nudges.stored');
      await sql`
        UPDATE market_event me SET status = CASE WHEN u.error IS NULL THEN 'processed' ELSE 'error' END, error = u.error, retry_at = u.retry_at,
          attempts = me.attempts + 1, processed_at = now(), pipeline_run_id = ${runId}::uuid
        FROM (SELECT x.id, err.error, err.retry_at FROM unnest(${events.map((e) => e.market_event_id)}::uuid[]) AS x(id)
              LEFT JOIN unnest(${errors.map((x) => x.market_event_id)}::uuid[], ${errors.map((x) => x.error)}::text[], ${errors.map((x) => x.retry_at)}::timestamptz[])
                AS err(id, error, retry_at) ON err.id = x.id) u
        WHERE me.organization_id = app_org_id() AND me.id = u.id AND ${pendingAt(now())}`.execute(trx);
      // each error as `pipeline runs` shows it: which try it was, and when the next is (none: it stays an error)
      const details = errors.slice(0, 50).map((x) => ({ market_event_id: x.market_event_id, error: x.error, attempt: x.attempt,
        ...(x.retry_at ? { retry_at: x.retry_at.toISOString() } : { gave_up: true }) }));
      await sql`UPDATE pipeline_run SET heartbeat_at = now(), events_processed = events_processed + ${events.length}, briefings_created = briefings_created + ${n},
                  errors = errors + ${errors.length}, error_details = error_details || ${JSON.stringify(details)}::jsonb
                WHERE organization_id = app_org_id() AND id = ${runId}::uuid`.execute(trx);
      return n;
    });
    return { made, errors: errors.length };
  }

  return {
    async run(actor: Actor, opts: PipelineOptions = {}) {
      // it drafts for every user of the organization
      requireRole(actor, 'manager', 'run the nudge pipeline');
      const started = Date.now();
      const runId = await start(actor, !!opts.takeOver);
      try {
        const embedded = await deps.clients.embedStale(actor, (done) => opts.onProgress?.({ stage: 'embed', done }));
        const since = new Date(now().getTime() - (opts.lookbackDays ?? 30) * 86_400_000);
        const created = await fanOut(actor, runId, since);
        opts.onProgress?.({ stage: 'fanout', done: created.length });
        await tenant(actor, (trx) => sql`UPDATE pipeline_run SET market_events_created = ${created.length}, clients_embedded = ${embedded},
            user_count = ${new Set(created.map((c) => c.user_id)).size}, heartbeat_at = now() WHERE organization_id = app_org_id() AND id = ${runId}::uuid`.execute(trx));
        await embedEvents(actor, opts.onProgress);
        const ops = await deps.vectors();
        // the dimension in use: the adapter's vectors, as the events just got them
        const dim = await tenant(actor, (trx) => sql<{ d: number }>`SELECT cardinality(embedding) AS d FROM mls_event WHERE embedding_space = ${space} LIMIT 1`
          .execute(trx)).then((r) => r.rows[0]?.d ?? 0);
        if (dim) await ensureVectorIndexes(deps.db, ops, dim);
        const style = await styles(actor);
        const total = await tenant(actor, (trx) => sql<{ n: number }>`SELECT count(*)::int AS n FROM market_event me
          WHERE me.organization_id = app_org_id() AND ${pendingAt(now())}`.execute(trx)).then((r) => r.rows[0]!.n);
        const beat = heartbeat(actor, runId, opts.heartbeatMs ?? 10_000);
        let done = 0;
        for (;;) {
          const events = await tenant(actor, (trx) => match.pending(CHUNK, now(), trx));
          if (!events.length) break;
          await chunk(actor, runId, events, ops, dim, style, beat);
          done += events.length;
          opts.onProgress?.({ stage: 'match', done, total });
        }
        return await tenant(actor, async (trx) => (await sql<PipelineRun>`
          UPDATE pipeline_run SET status = 'completed', completed_at = now(), duration_ms = ${Date.now() - started}
          WHERE organization_id = app_org_id() AND id = ${runId}::uuid RETURNING *`.execute(trx)).rows[0]!);
      } catch (e) {
        await tenant(actor, (trx) => sql`UPDATE pipeline_run SET status = 'failed', completed_at = now(), duration_ms = ${Date.now() - started}, errors = errors + 1,
            error_details = error_details || ${JSON.stringify([{ error: (e as Error).message.slice(0, 500) }])}::jsonb
            WHERE organization_id = app_org_id() AND id = ${runId}::uuid AND status = 'running'`.execute(trx)).catch(() => undefined);
        throw e;
      }
    },

    runs: (actor: Actor, limit = 20) => tenant(actor, (trx) => sql<PipelineRun>`
      SELECT * FROM pipeline_run WHERE organization_id = app_org_id() ORDER BY started_at DESC LIMIT ${limit}`.execute(trx).then((r) => r.rows)),
  };
}

export interface PipelineRun {
  id: string; status: string; started_at: Date; completed_at: Date | null; events_processed: number; market_events_created: number;
  briefings_created: number; clients_embedded: number; errors: number; error_details: unknown[]; duration_ms: number | null; user_count: number;
}

export type Pipeline = ReturnType<typeof createPipeline>;
