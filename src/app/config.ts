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
  };
}
