import { sql } from 'kysely';
import { z } from 'zod';
import type { Trx } from '../../db/tenant.ts';

// Each user's voice configuration and AI configuration (Fish Mouth's voice_configurations and
// ai_configurations): the fields, defaults and ranges below, the same as the tables' (a test
// holds the two together). A user with no row has the defaults.

const tone = z.enum(['professional', 'friendly', 'casual', 'empathetic', 'energetic']);
const text = (max: number) => z.string().max(max).nullable();
const unit = z.number().min(0).max(1);

export const VoiceConfig = z.strictObject({
  default_voice_id: z.string().trim().min(1).max(100).default('default'),
  tts_vendor: z.enum(['elevenlabs', 'cartesia']).default('elevenlabs'),
  voice_style: tone.default('professional'),
  speaking_rate: z.number().min(0.5).max(2).default(1),
  pitch_adjustment: z.number().min(-12).max(12).default(0).describe('semitones'),
  asr_vendor: z.enum(['deepgram', 'whisper']).default('deepgram'),
  asr_language: z.string().regex(/^[a-z]{2}-[A-Z]{2}$/, 'a language tag like en-US').default('en-US'),
  enable_punctuation: z.boolean().default(true),
  confidence_threshold: unit.default(0.7),
  llm_vendor: z.enum(['openai', 'anthropic']).default('openai'),
  llm_model: z.string().trim().min(1).max(100).default('gpt-4o-mini'),
  system_prompt_template: text(20_000).default(null),
  max_tokens: z.number().int().min(1).max(4096).default(150),
  temperature: z.number().min(0).max(2).default(0.7),
  max_call_duration_minutes: z.number().int().min(1).max(60).default(15),
  enable_barge_in: z.boolean().default(true),
  silence_timeout_seconds: z.number().int().min(1).max(60).default(10),
  require_consent: z.boolean().default(true).describe('a live call also needs consent on file (the law asks it of AI calls already)'),
  enable_recording: z.boolean().default(true),
  recording_disclosure: text(500).default('This call may be recorded for quality and training.')
    .describe('said first on a recorded call; empty: calls are not recorded'),
  dnc_compliance: z.literal(true, { error: 'do-not-call compliance cannot be turned off' }).default(true),
  jurisdiction: z.enum(['US', 'CA', 'EU']).default('US'),
  max_retries: z.number().int().min(0).max(5).default(2).describe('more attempts after no answer, busy or a carrier failure'),
  retry_delay_minutes: z.number().int().min(5).max(10_080).default(60),
});
export type VoiceConfig = z.output<typeof VoiceConfig>;

export const AiConfig = z.strictObject({
  voice_enabled: z.boolean().default(true),
  voice_id: z.string().trim().min(1).max(100).default('rachel'),
  voice_tone: tone.default('professional'),
  voice_speed: z.number().min(0.5).max(2).default(1),
  max_call_duration: z.number().int().min(30).max(3600).default(300).describe('seconds'),
  max_objections: z.number().int().min(0).max(10).default(3),
  email_tone: tone.default('professional'),
  email_length: z.enum(['short', 'medium', 'long']).default('medium'),
  email_personalization: z.enum(['low', 'medium', 'high']).default('high'),
  sms_tone: tone.default('friendly'),
  sms_emoji_enabled: z.boolean().default(false),
  company_voice_description: text(5000).default(null),
  key_differentiators: z.array(z.string().max(500)).max(50).default([]),
  value_propositions: z.array(z.string().max(500)).max(50).default([]),
  common_objections: z.array(z.string().max(500)).max(50).default([]),
  voice_opening_prompt: text(5000).default(null),
  voice_objection_prompts: z.record(z.string().max(100), z.string().max(2000)).default({}),
  voice_closing_prompt: text(5000).default(null),
  email_generation_prompt: text(5000).default(null),
  sms_generation_prompt: text(5000).default(null),
  ai_creativity: unit.default(0.7),
  ai_formality: unit.default(0.6),
  urgency_level: unit.default(0.5),
});
export type AiConfig = z.output<typeof AiConfig>;

export const CONFIG_TABLES = { voice: { table: 'voice_configuration', schema: VoiceConfig }, ai: { table: 'ai_configuration', schema: AiConfig } } as const;
export type ConfigKind = keyof typeof CONFIG_TABLES;

const JSON_FIELDS = new Set(['key_differentiators', 'value_propositions', 'common_objections', 'voice_objection_prompts']);

/** A user's configuration of this kind: its row, or the defaults; null user: the defaults. */
export async function readConfig<K extends ConfigKind>(trx: Trx, kind: K, userId: string | null): Promise<z.output<(typeof CONFIG_TABLES)[K]['schema']> & { saved: boolean }> {
  const { table, schema } = CONFIG_TABLES[kind];
  const row = userId ? (await sql<Record<string, unknown>>`SELECT * FROM ${sql.table(table)} WHERE organization_id = app_org_id() AND user_id = ${userId}`.execute(trx)).rows[0] : undefined;
  // numeric columns come back as text: typed as their defaults are
  const defaults = schema.parse({}) as Record<string, unknown>;
  const values = Object.fromEntries(Object.keys(schema.shape).filter((k) => row && k in row && row[k] !== undefined)
    .map((k) => [k, typeof defaults[k] === 'number' && row![k] !== null ? Number(row![k]) : row![k]]));
  return { ...(schema.parse(values) as z.output<(typeof CONFIG_TABLES)[K]['schema']>), saved: !!row };
}

export const readVoiceConfig = (trx: Trx, userId: string | null) => readConfig(trx, 'voice', userId);

/** Write a user's configuration whole (the caller merged and validated it). */
export async function writeConfig(trx: Trx, kind: ConfigKind, userId: string, values: Record<string, unknown>) {
  const { table } = CONFIG_TABLES[kind];
  const cols = Object.keys(values);
  const vals = cols.map((k) => (JSON_FIELDS.has(k) ? sql`${JSON.stringify(values[k])}::jsonb` : sql`${values[k]}`));
  await sql`INSERT INTO ${sql.table(table)} (organization_id, user_id, ${sql.join(cols.map((c) => sql.ref(c)))})
    VALUES (app_org_id(), ${userId}, ${sql.join(vals)})
    ON CONFLICT (organization_id, user_id) DO UPDATE SET ${sql.join(cols.map((c) => sql`${sql.ref(c)} = EXCLUDED.${sql.ref(c)}`))}`.execute(trx);
}
