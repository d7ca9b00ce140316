import { z } from 'zod';
import { AppError } from './errors.ts';

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
  enrichChunk: number;
  worker: boolean;
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

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const blank = Object.fromEntries(Object.entries(env).map(([k, v]) => [k, v === '' ? undefined : v]));
  const parsed = EnvSchema.safeParse(blank);
  if (!parsed.success) {
    const details = parsed.error.issues.map((i) => ({ field: i.path.join('.'), message: i.message }));
    throw new AppError('VALIDATION', `bad environment: ${details.map((d) => `${d.field} ${d.message}`).join('; ')}`, details);
  }
  const e = parsed.data;
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
    enrichChunk: e.PORCHLIGHT_ENRICH_CHUNK,
    worker: e.PORCHLIGHT_WORKER === 'on',
  };
}
