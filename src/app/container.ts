import { AppError } from './errors.ts';
import type { Config } from './config.ts';
import { resolveSecretKey } from './secrets.ts';
import { openDatabase, type Database } from '../db/database.ts';
import { migrate, migrationStatus } from '../db/migrate.ts';
import os from 'node:os';
import path from 'node:path';
import { createFailpoint } from './failpoints.ts';
import { createIngestService } from '../domain/ingest/ingest.service.ts';
import { createIdentityService } from '../domain/identity/identity.service.ts';
import { createLeadExport } from '../domain/leads/export-leads.ts';
import { createDemoService } from '../domain/demo/demo.service.ts';
import { createLeadsService } from '../domain/leads/leads.service.ts';
import { createPii } from '../domain/pii/pii.ts';
import { createTenancyService } from '../domain/tenancy/tenancy.service.ts';
import { createEnrichmentService } from '../domain/enrichment/enrichment.service.ts';
import { createScoringService } from '../domain/scoring/scoring.service.ts';
import { createFeedbackService } from '../domain/scoring/feedback.service.ts';
import { createRoutingService } from '../domain/routing/routing.service.ts';
import { createDncService } from '../domain/routing/dnc.service.ts';
import { createComplianceService } from '../domain/compliance/compliance.service.ts';
import { createContagionService } from '../domain/contagion/contagion.service.ts';
import { createMoneyService } from '../domain/money/money.service.ts';
import { createPullService } from '../domain/pulls/pull.service.ts';
import { createScanService } from '../domain/pulls/scan.service.ts';
import { createDlqService } from '../domain/dlq/dlq.service.ts';
import { createSegmentsService } from '../domain/segments/segments.service.ts';
import { createAssignmentService } from '../domain/assignment/assignment.service.ts';
import { createProviderRegistry, type ProviderRegistry } from '../providers/registry.ts';
import { createLocalChannel } from '../providers/channels/local.ts';
import { createChannelAdapters } from '../providers/channels/registry.ts';
import { createOutbox, type Channels } from '../domain/outreach/outbox.ts';
import { createSequencesService } from '../domain/sequences/sequences.service.ts';
import { createSequenceEngine } from '../domain/sequences/engine.ts';
import { callOutcomes } from '../domain/sequences/call-outcomes.repository.ts';
import { engineRepository } from '../domain/sequences/engine.repository.ts';
import { createBookings } from '../domain/voice/bookings.ts';
import { createCalls } from '../domain/voice/calls.service.ts';
import { createVoiceConfigService } from '../domain/voice/config.service.ts';
import { createVoiceMetrics } from '../domain/voice/metrics.ts';
import { playScript } from '../providers/voice/local-script.ts';
import { createTemplatesService } from '../domain/outreach/templates.service.ts';
import { createMessagesService } from '../domain/outreach/messages.service.ts';
import { createTimelineService } from '../domain/outreach/timeline.service.ts';
import { createCampaignsService } from '../domain/campaigns/campaigns.service.ts';
import { stopOnReply } from '../domain/sequences/engine.ts';
import { createEmbeddings } from '../providers/embeddings/registry.ts';
import { createFaqService } from '../domain/faq/faq.service.ts';
import { createLlm } from '../providers/llm/registry.ts';
import { createClientsService } from '../domain/nudges/clients.service.ts';
import { createMlsService } from '../domain/nudges/mls.service.ts';
import { createPipeline } from '../domain/nudges/pipeline.service.ts';
import { createNudgesService } from '../domain/nudges/nudges.service.ts';
import { createResourcesService } from '../domain/nudges/resources.service.ts';
import { detectVectorOps, type VectorOps } from '../domain/nudges/vectors.ts';
import { createInboundService } from '../domain/inbound/inbound.service.ts';
import { createDeliveryService } from '../domain/inbound/delivery.service.ts';
import { createReportsService } from '../domain/analytics/reports.service.ts';

// The one place that wires the application: configuration in, services out.

export interface ContainerOptions {
  /** What this process is, for the data-directory lock: 'serve', 'leads list' ... */
  command: string;
  /** Share the embedded database with other commands (porchlight serve). */
  share?: boolean;
  /** Create PORCHLIGHT_SECRET_KEY's file in the data directory when there is none (the demo). */
  generateSecret?: boolean;
  /** Apply pending migrations (otherwise only the embedded database is migrated on its own). */
  migrate?: boolean;
  /** Skip the migration check entirely (db status, db migrate do their own). */
  skipMigrationCheck?: boolean;
  loadDataDir?: Blob;
  database?: Database;
  /** Adapters to use instead of the environment's (tests point HTTP adapters at stub servers). */
  providers?: ProviderRegistry;
  /** Channel adapters to use instead of the environment's (tests point them at stub servers). */
  channels?: Partial<Channels>;
  /** The outreach engines' clock (tests set the hour the gate sees). */
  now?: () => Date;
}

export async function createContainer(config: Config, opts: ContainerOptions) {
  const db = opts.database ?? (await openDatabase({
    databaseUrl: config.databaseUrl, dataDir: config.dataDir, command: opts.command, share: opts.share, loadDataDir: opts.loadDataDir,
  }));
  try {
    if (!opts.skipMigrationCheck) await ensureMigrated(db, opts.migrate || !config.databaseUrl);
  } catch (e) {
    await db.close();
    throw e;
  }
  const pii = createPii({ secretKey: resolveSecretKey(config, { generate: !!opts.generateSecret }), encrypt: config.encryptPii });
  const tenancy = createTenancyService({ db });
  const leads = createLeadsService({ db, pii });
  const demo = createDemoService({ db, pii, tenancy });
  const ingest = createIngestService({
    db, pii, batchSize: config.importBatchSize, spoolDir: spoolDirOf(config.dataDir), failpoint: createFailpoint(config.failpoint),
  });
  const identity = createIdentityService({ db });
  const exportLeads = createLeadExport({ db, pii });
  const providers = opts.providers ?? createProviderRegistry(config.providers);
  const failpoint = createFailpoint(config.failpoint);
  const enrichment = createEnrichmentService({ db, pii, providers, chunkSize: config.enrichChunk, failpoint });
  const money = createMoneyService({ db });
  const pulls = createPullService({ db, providers, ingest, failpoint });
  const scans = createScanService({ db, pulls });
  const scoring = createScoringService({ db });
  // a contagion run moves parcels' urgency: the leads on them get their roof and contagion scores again
  const contagion = createContagionService({ db, failpoint, afterRun: (actor) => scoring.rescore(actor, { scorer: 'roof,contagion', near_contagion: true }) });
  const configured = createChannelAdapters(config.channels, { email: createLocalChannel(db, 'email'), sms: createLocalChannel(db, 'sms'), voice: createLocalChannel(db, 'voice') });
  const channels: Channels = { ...configured, ...opts.channels };
  const outbox = createOutbox({ db, pii, channels, publicUrl: config.channels.publicUrl ?? null, failpoint, now: opts.now });
  const outreach = { outbox, db, pii, now: opts.now };
  const sequences = createSequencesService({ db, now: opts.now });
  const sequenceEngine = createSequenceEngine({ db, pii, outbox, enrichment, failpoint, now: opts.now, callOutcomes });
  const [templates, messages, campaigns] = [createTemplatesService(outreach), createMessagesService(outreach), createCampaignsService(outreach)];
  const compliance = createComplianceService({ db, pii });
  const embeddings = createEmbeddings(config.embeddings);
  const faq = createFaqService({ db, embeddings });
  // webhooks: inbound texts (opt-outs, HELP, replies, FAQ answers) and what providers report of what we sent
  const inbound = createInboundService({ db, pii, compliance, outbox, faq, stopOnReply, publicUrl: config.channels.publicUrl ?? null, now: opts.now });
  const delivery = createDeliveryService({ db, pii, now: opts.now });
  // voice: calls through the outbox, bookings with their confirmations, configurations, daily metrics
  const bookings = createBookings(outreach);
  const calls = createCalls({ ...outreach, bookings, script: playScript, failpoint, stopSequences: (trx, ids) => engineRepository.stopForLeads(ids, 'OPTED_OUT', trx) });
  const voice = { calls, bookings, config: createVoiceConfigService({ db }), metrics: createVoiceMetrics({ db, now: opts.now }) };
  // nudges: clients, MLS events, the pipeline that matches and drafts, the inbox a person approves in
  const clients = createClientsService({ db, pii, embeddings });
  let vectorOps: Promise<VectorOps> | undefined;
  const vectors = () => (vectorOps ??= detectVectorOps(db, config.vectorSearch));
  const nudges = {
    clients, mls: createMlsService({ db }), resources: createResourcesService({ db }), inbox: createNudgesService({ db, outbox, now: opts.now }),
    pipeline: createPipeline({ db, embeddings, llm: createLlm(config.llm), clients, vectors, failpoint, now: opts.now }), vectors,
  };
  return { config, db, pii, channels, outbox, faq, nudges, inbound, delivery, voice, sequences, sequenceEngine, templates, messages, campaigns, timeline: createTimelineService({ db }), tenancy, leads, demo, ingest, identity, exportLeads, providers, enrichment, money, pulls, scans, scoring, contagion, routing: createRoutingService({ db }), dnc: createDncService({ db, pii }), compliance, feedback: createFeedbackService({ db }), dlq: createDlqService({ db }),
    segments: createSegmentsService({ db }), assignment: createAssignmentService({ db }), reports: createReportsService({ db, now: opts.now }), close: async () => {
      await channels.email.close?.();
      await db.close();
    } };
}

/** Uploads wait here while they import: in the data directory, or the temp dir for a memory database. */
function spoolDirOf(dataDir: string) {
  return dataDir.startsWith('memory://') ? path.join(os.tmpdir(), 'porchlight-imports') : path.join(dataDir, 'imports');
}

export type Container = Awaited<ReturnType<typeof createContainer>>;

async function ensureMigrated(db: Database, auto: boolean) {
  const states = await migrationStatus(db);
  if (!states.some((s) => s.state !== 'applied')) return;
  if (auto || states.some((s) => s.state === 'changed')) {
    await migrate(db); // refuses changed migrations with a clear error
    return;
  }
  const pending = states.filter((s) => s.state === 'pending').map((s) => s.name);
  if (pending.length) throw new AppError('CONFLICT', `the database needs migrations (${pending.join(', ')}): run \`porchlight db migrate\``);
}
