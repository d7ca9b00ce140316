import { z } from 'zod';
import { AppError, type ErrorDetail } from './errors.ts';

// The environment, parsed once. Nothing else reads process.env.
const EnvSchema = z.object({
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL')
    .optional(),
  PORCHLIGHT_DATA_DIR: z.string().min(1).default('.porchlight'),
  PORCHLIGHT_SECRET_KEY: z.string().min(32, 'must be at least 32 characters').optional(),
  PORCHLIGHT_ENCRYPT_PII: z.enum(['on', 'off']).default('on'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().default('localhost'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  // rows per import checkpoint: each batch is one COPY and one merge transaction
  PORCHLIGHT_IMPORT_BATCH_SIZE: z.coerce.number().int().min(1).max(1_000_000).default(5000),
  // crash testing: `name:n` kills the process (SIGKILL) the n-th time it passes failpoint `name`
  PORCHLIGHT_FAILPOINT: z.string().regex(/^[a-z.]+:[1-9][0-9]*$/, 'must be name:count').optional(),
  // the adapter each provider port uses (docs/PROVIDERS.md)
  PORCHLIGHT_PROPERTY_SEARCH_PROVIDER: z.enum(['local', 'batchdata']).default('local'),
  PORCHLIGHT_SKIPTRACE_PROVIDER: z.enum(['local', 'batchdata']).default('local'),
  PORCHLIGHT_APPEND_PROVIDER: z.enum(['local', 'melissa']).default('local'),
  PORCHLIGHT_PHONE_VERIFY_PROVIDER: z.enum(['local', 'batchdata']).default('local'),
  PORCHLIGHT_EMAIL_VERIFY_PROVIDER: z.enum(['local', 'melissa']).default('local'),
  BATCHDATA_API_KEY: z.string().min(1).optional(),
  BATCHDATA_BASE_URL: z.url().default('https://api.batchdata.com'),
  MELISSA_LICENSE_KEY: z.string().min(1).optional(),
  MELISSA_PERSONATOR_URL: z.url().default('https://personator.melissadata.net/v3/WEB/ContactVerify/doContactVerify'),
  MELISSA_GLOBAL_EMAIL_URL: z.url().default('https://globalemail.melissadata.net/v4/WEB/GlobalEmail/doGlobalEmail'),
  PORCHLIGHT_PROVIDER_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(30_000),
  PORCHLIGHT_PROVIDER_RATE: z.coerce.number().min(0.1).max(10_000).default(5),
  // leads per enrichment chunk: one reservation, one round of provider calls, one store
  PORCHLIGHT_ENRICH_CHUNK: z.coerce.number().int().min(1).max(100_000).default(2500),
  // run job handlers inside `porchlight serve` (off: run `porchlight worker` beside it)
  PORCHLIGHT_WORKER: z.enum(['on', 'off']).default('on'),
  // the adapter each outbound channel uses, and their settings (docs/PROVIDERS.md, "Channels")
  PORCHLIGHT_EMAIL_ADAPTER: z.enum(['local', 'smtp']).default('local'),
  PORCHLIGHT_SMS_ADAPTER: z.enum(['local', 'twilio']).default('local'),
  PORCHLIGHT_VOICE_ADAPTER: z.enum(['local', 'twilio', 'telnyx']).default('local'),
  SMTP_URL: z.string().regex(/^smtps?:\/\/[^/]+/, 'must be an smtp://user:pass@host:port URL').optional(),
  PORCHLIGHT_EMAIL_FROM: z.string().regex(/@[^@\s>]+>?\s*$/, 'must be an email address, display name allowed').optional(),
  TWILIO_ACCOUNT_SID: z.string().regex(/^AC[0-9a-fA-F]{32}$/, 'must be AC followed by 32 hex digits').optional(),
  TWILIO_AUTH_TOKEN: z.string().min(1).optional(),
  TWILIO_FROM_NUMBER: z.string().regex(/^\+[1-9][0-9]{6,14}$/, 'must be a phone number in E.164 (+15125550100)').optional(),
  TWILIO_MESSAGING_SERVICE_SID: z.string().regex(/^MG[0-9a-fA-F]{32}$/, 'must be MG followed by 32 hex digits').optional(),
  TWILIO_BASE_URL: z.url().default('https://api.twilio.com'),
  // Telnyx Call Control (voice only): the API key, the Call Control Application that places calls,
  // and the account's Ed25519 public key that verifies its webhooks
  TELNYX_API_KEY: z.string().min(1).optional(),
  TELNYX_CONNECTION_ID: z.string().min(1).optional(),
  TELNYX_PUBLIC_KEY: z.string().refine((k) => Buffer.from(k.trim(), 'base64').length === 32, 'must be the base64 of a 32-byte Ed25519 public key').optional(),
  TELNYX_FROM_NUMBER: z.string().regex(/^\+[1-9][0-9]{6,14}$/, 'must be a phone number in E.164 (+15125550100)').optional(),
  TELNYX_BASE_URL: z.url().default('https://api.telnyx.com'),
  MAILGUN_WEBHOOK_SIGNING_KEY: z.string().min(1).optional(),
  // the base URL at which providers reach this server (webhooks, unsubscribe links)
  PORCHLIGHT_PUBLIC_URL: z.url().optional(),
  // the embeddings port (FAQ matching): local hashing vectors, or an OpenAI-compatible /v1/embeddings
  PORCHLIGHT_EMBEDDINGS_ADAPTER: z.enum(['local', 'openai']).default('local'),
  OPENAI_BASE_URL: z.url().default('https://api.openai.com'),
  OPENAI_API_KEY: z.string().min(1).optional(),
  PORCHLIGHT_EMBEDDINGS_MODEL: z.string().min(1).max(200).default('text-embedding-3-small'),
  PORCHLIGHT_EMBEDDINGS_DIM: z.coerce.number().int().min(16).max(8192).default(256),
  // the LLM port (nudge drafts): local templates, or an OpenAI-compatible /v1/chat/completions
  PORCHLIGHT_LLM_ADAPTER: z.enum(['local', 'openai']).default('local'),
  PORCHLIGHT_LLM_MODEL: z.string().min(1).max(200).default('gpt-4o-mini'),
  // similarity search: pgvector's HNSW where installed (auto), or always the exact scan
  PORCHLIGHT_VECTOR_SEARCH: z.enum(['auto', 'exact']).default('auto'),
});

export interface Config {
  databaseUrl: string | undefined;
  dataDir: string;
  secretKey: string | undefined;
  encryptPii: boolean;
  port: number;
  host: string;
  logLevel: z.infer<typeof EnvSchema>['LOG_LEVEL'];
  importBatchSize: number;
  failpoint: string | undefined;
  providers: ProviderConfig;
  channels: ChannelConfig;
  enrichChunk: number;
  worker: boolean;
  embeddings: EmbeddingsConfig;
  llm: LlmConfig;
  vectorSearch: 'auto' | 'exact';
}

export interface LlmConfig {
  adapter: 'local' | 'openai';
  /** OpenAI-compatible server; the adapter posts to {baseUrl}/v1/chat/completions. */
  baseUrl: string;
  apiKey: string | undefined;
  model: string;
  timeoutMs: number;
  ratePerSecond: number;
}

export interface EmbeddingsConfig {
  adapter: 'local' | 'openai';
  /** OpenAI-compatible server; the adapter posts to {baseUrl}/v1/embeddings. */
  baseUrl: string;
  apiKey: string | undefined;
  /** The remote model (the local adapter has its own, named by its dimension). */
  model: string;
  /** The local adapter's vector size. */
  dim: number;
  timeoutMs: number;
  ratePerSecond: number;
}

export interface ProviderConfig {
  propertySearch: 'local' | 'batchdata';
  skipTrace: 'local' | 'batchdata';
  append: 'local' | 'melissa';
  phoneVerify: 'local' | 'batchdata';
  emailVerify: 'local' | 'melissa';
  batchdata: { apiKey: string | undefined; baseUrl: string };
  melissa: { licenseKey: string | undefined; personatorUrl: string; globalEmailUrl: string };
  timeoutMs: number;
  ratePerSecond: number;
}

export interface ChannelConfig {
  email: 'local' | 'smtp';
  sms: 'local' | 'twilio';
  voice: 'local' | 'twilio' | 'telnyx';
  smtp: { url: string | undefined; from: string | undefined };
  twilio: {
    accountSid: string | undefined;
    authToken: string | undefined;
    fromNumber: string | undefined;
    messagingServiceSid: string | undefined;
    baseUrl: string;
  };
  telnyx: {
    apiKey: string | undefined;
    connectionId: string | undefined;
    /** Base64 of the account's 32-byte Ed25519 public key: verifies Telnyx's webhooks. */
    publicKey: string | undefined;
    fromNumber: string | undefined;
    baseUrl: string;
  };
  mailgunSigningKey: string | undefined;
  /** Base URL of this server as providers reach it; webhook URLs are made from it. */
  publicUrl: string | undefined;
  timeoutMs: number;
  ratePerSecond: number;
}

/** The settings the selected channel adapters lack, each named by its variable; empty when complete. */
export function missingChannelSettings(c: ChannelConfig): ErrorDetail[] {
  const missing: ErrorDetail[] = [];
  const need = (field: string, present: unknown, why: string) => void (present || missing.push({ field, message: `is required when ${why}` }));
  if (c.email === 'smtp') {
    need('SMTP_URL', c.smtp.url, 'PORCHLIGHT_EMAIL_ADAPTER=smtp');
    need('PORCHLIGHT_EMAIL_FROM', c.smtp.from, 'PORCHLIGHT_EMAIL_ADAPTER=smtp');
  }
  const twilioBy = [c.sms === 'twilio' && 'PORCHLIGHT_SMS_ADAPTER=twilio', c.voice === 'twilio' && 'PORCHLIGHT_VOICE_ADAPTER=twilio'].filter(Boolean).join(' or ');
  if (twilioBy) {
    need('TWILIO_ACCOUNT_SID', c.twilio.accountSid, twilioBy);
    need('TWILIO_AUTH_TOKEN', c.twilio.authToken, twilioBy);
  }
  // A text can go out through a Messaging Service's pool instead; a call always needs a caller id.
  if (c.sms === 'twilio' && !c.twilio.messagingServiceSid) need('TWILIO_FROM_NUMBER', c.twilio.fromNumber, 'PORCHLIGHT_SMS_ADAPTER=twilio and TWILIO_MESSAGING_SERVICE_SID is not set');
  if (c.voice === 'twilio') need('TWILIO_FROM_NUMBER', c.twilio.fromNumber, 'PORCHLIGHT_VOICE_ADAPTER=twilio');
  if (c.voice === 'telnyx') {
    const why = 'PORCHLIGHT_VOICE_ADAPTER=telnyx';
    need('TELNYX_API_KEY', c.telnyx.apiKey, why);
    need('TELNYX_CONNECTION_ID', c.telnyx.connectionId, why);
    need('TELNYX_FROM_NUMBER', c.telnyx.fromNumber, why);
    // Without it no call event could be believed: calls would go out and never be heard of again.
    need('TELNYX_PUBLIC_KEY', c.telnyx.publicKey, why);
  }
  return missing.filter((d, i) => missing.findIndex((o) => o.field === d.field) === i);
}

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const blank = Object.fromEntries(Object.entries(env).map(([k, v]) => [k, v === '' ? undefined : v]));
  const parsed = EnvSchema.safeParse(blank);
  if (!parsed.success) {
    const details = parsed.error.issues.map((i) => ({ field: i.path.join('.'), message: i.message }));
    throw new AppError('VALIDATION', `bad environment: ${details.map((d) => `${d.field} ${d.message}`).join('; ')}`, details);
  }
  const e = parsed.data;
  const channels: ChannelConfig = {
    email: e.PORCHLIGHT_EMAIL_ADAPTER,
    sms: e.PORCHLIGHT_SMS_ADAPTER,
    voice: e.PORCHLIGHT_VOICE_ADAPTER,
    smtp: { url: e.SMTP_URL, from: e.PORCHLIGHT_EMAIL_FROM },
    twilio: {
      accountSid: e.TWILIO_ACCOUNT_SID,
      authToken: e.TWILIO_AUTH_TOKEN,
      fromNumber: e.TWILIO_FROM_NUMBER,
      messagingServiceSid: e.TWILIO_MESSAGING_SERVICE_SID,
      baseUrl: e.TWILIO_BASE_URL,
    },
    telnyx: {
      apiKey: e.TELNYX_API_KEY,
      connectionId: e.TELNYX_CONNECTION_ID,
      publicKey: e.TELNYX_PUBLIC_KEY,
      fromNumber: e.TELNYX_FROM_NUMBER,
      baseUrl: e.TELNYX_BASE_URL,
    },
    mailgunSigningKey: e.MAILGUN_WEBHOOK_SIGNING_KEY,
    publicUrl: e.PORCHLIGHT_PUBLIC_URL,
    timeoutMs: e.PORCHLIGHT_PROVIDER_TIMEOUT_MS,
    ratePerSecond: e.PORCHLIGHT_PROVIDER_RATE,
  };
  // Selecting a real channel without its settings fails at start, naming what is missing, rather
  // than at the first send.
  const missing = missingChannelSettings(channels);
  if (missing.length) {
    throw new AppError('VALIDATION', `bad environment: ${missing.map((d) => `${d.field} ${d.message}`).join('; ')}`, missing);
  }
  return {
    databaseUrl: e.DATABASE_URL,
    dataDir: e.PORCHLIGHT_DATA_DIR,
    secretKey: e.PORCHLIGHT_SECRET_KEY,
    encryptPii: e.PORCHLIGHT_ENCRYPT_PII === 'on',
    port: e.PORT,
    host: e.HOST,
    logLevel: e.LOG_LEVEL,
    importBatchSize: e.PORCHLIGHT_IMPORT_BATCH_SIZE,
    failpoint: e.PORCHLIGHT_FAILPOINT,
    providers: {
      propertySearch: e.PORCHLIGHT_PROPERTY_SEARCH_PROVIDER,
      skipTrace: e.PORCHLIGHT_SKIPTRACE_PROVIDER,
      append: e.PORCHLIGHT_APPEND_PROVIDER,
      phoneVerify: e.PORCHLIGHT_PHONE_VERIFY_PROVIDER,
      emailVerify: e.PORCHLIGHT_EMAIL_VERIFY_PROVIDER,
      batchdata: { apiKey: e.BATCHDATA_API_KEY, baseUrl: e.BATCHDATA_BASE_URL },
      melissa: { licenseKey: e.MELISSA_LICENSE_KEY, personatorUrl: e.MELISSA_PERSONATOR_URL, globalEmailUrl: e.MELISSA_GLOBAL_EMAIL_URL },
      timeoutMs: e.PORCHLIGHT_PROVIDER_TIMEOUT_MS,
      ratePerSecond: e.PORCHLIGHT_PROVIDER_RATE,
    },
    channels,
    enrichChunk: e.PORCHLIGHT_ENRICH_CHUNK,
    worker: e.PORCHLIGHT_WORKER === 'on',
    embeddings: {
      adapter: e.PORCHLIGHT_EMBEDDINGS_ADAPTER, baseUrl: e.OPENAI_BASE_URL, apiKey: e.OPENAI_API_KEY, model: e.PORCHLIGHT_EMBEDDINGS_MODEL,
      dim: e.PORCHLIGHT_EMBEDDINGS_DIM, timeoutMs: e.PORCHLIGHT_PROVIDER_TIMEOUT_MS, ratePerSecond: e.PORCHLIGHT_PROVIDER_RATE,
    },
    llm: {
      adapter: e.PORCHLIGHT_LLM_ADAPTER, baseUrl: e.OPENAI_BASE_URL, apiKey: e.OPENAI_API_KEY, model: e.PORCHLIGHT_LLM_MODEL,
      timeoutMs: e.PORCHLIGHT_PROVIDER_TIMEOUT_MS, ratePerSecond: e.PORCHLIGHT_PROVIDER_RATE,
    },
    vectorSearch: e.PORCHLIGHT_VECTOR_SEARCH,
  };
}
