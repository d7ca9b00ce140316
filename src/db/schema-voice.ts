// Kysely's view of voice (migrations/0018_voice.sql): calls with their turns and events,
// bookings, each user's voice and AI configuration, and the daily metrics.
import type { ColumnType, Generated, GeneratedAlways } from 'kysely';

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type CreatedAt = ColumnType<Date, Date | string | undefined, never>;

// 0018 gives users a time zone: declared here, beside the migration that adds it.
declare module './schema.ts' {
  interface AppUserTable {
    timezone: Generated<string>;
  }
}

export interface VoiceConfigurationTable {
  organization_id: string;
  user_id: string;
  default_voice_id: Generated<string>;
  tts_vendor: Generated<string>;
  voice_style: Generated<string>;
  speaking_rate: Generated<string>;
  pitch_adjustment: Generated<string>;
  asr_vendor: Generated<string>;
  asr_language: Generated<string>;
  enable_punctuation: Generated<boolean>;
  confidence_threshold: Generated<string>;
  llm_vendor: Generated<string>;
  llm_model: Generated<string>;
  system_prompt_template: string | null;
  max_tokens: Generated<number>;
  temperature: Generated<string>;
  max_call_duration_minutes: Generated<number>;
  enable_barge_in: Generated<boolean>;
  silence_timeout_seconds: Generated<number>;
  require_consent: Generated<boolean>;
  enable_recording: Generated<boolean>;
  recording_disclosure: string | null;
  dnc_compliance: Generated<boolean>;
  jurisdiction: Generated<string>;
  max_retries: Generated<number>;
  retry_delay_minutes: Generated<number>;
  created_at: CreatedAt;
  updated_at: Generated<Date>;
}

export interface AiConfigurationTable {
  organization_id: string;
  user_id: string;
  voice_enabled: Generated<boolean>;
  voice_id: Generated<string>;
  voice_tone: Generated<string>;
  voice_speed: Generated<string>;
  max_call_duration: Generated<number>;
  max_objections: Generated<number>;
  email_tone: Generated<string>;
  email_length: Generated<string>;
  email_personalization: Generated<string>;
  sms_tone: Generated<string>;
  sms_emoji_enabled: Generated<boolean>;
  company_voice_description: string | null;
  key_differentiators: Generated<unknown>;
  value_propositions: Generated<unknown>;
  common_objections: Generated<unknown>;
  voice_opening_prompt: string | null;
  voice_objection_prompts: Generated<unknown>;
  voice_closing_prompt: string | null;
  email_generation_prompt: string | null;
  sms_generation_prompt: string | null;
  ai_creativity: Generated<string>;
  ai_formality: Generated<string>;
  urgency_level: Generated<string>;
  created_at: CreatedAt;
  updated_at: Generated<Date>;
}

export interface VoiceCallTable {
  organization_id: string;
  id: Generated<string>;
  user_id: string | null;
  lead_id: string | null;
  person_id: string | null;
  enrollment_id: string | null;
  message_id: string | null;
  retry_of: string | null;
  retry_attempts: Generated<number>;
  agent: string;
  direction: Generated<string>;
  source: string;
  carrier: Generated<string>;
  provider_call_id: string | null;
  from_number: string | null;
  to_display: string;
  peer_hash: Buffer | null;
  status: Generated<string>;
  duration_seconds: Generated<number>;
  max_duration_seconds: Generated<number>;
  last_error_code: string | null;
  last_error_at: Timestamp | null;
  conversation_goal: string | null;
  ai_voice_id: string | null;
  ai_instructions: string | null;
  asr_model: string | null;
  tts_model: string | null;
  llm_model: string | null;
  record: Generated<boolean>;
  recording_note: string | null;
  recording_url: string | null;
  transcript: string | null;
  transcript_json: unknown | null;
  ai_summary: unknown | null;
  outcome: string | null;
  interest_level: string | null;
  objections_raised: Generated<string[]>;
  next_steps: string | null;
  summary: string | null;
  conversation_state: Generated<string>;
  call_cost_cents: Generated<string>;
  ai_cost_cents: Generated<string>;
  total_cost_cents: GeneratedAlways<string>;
  first_audio_latency_ms: number | null;
  p95_latency_ms: number | null;
  barge_in_count: Generated<number>;
  tool_calls_made: Generated<number>;
  avg_confidence: string | null;
  silence_periods: unknown | null;
  initiated_at: Generated<Date>;
  ringing_at: Timestamp | null;
  started_at: Timestamp | null;
  ended_at: Timestamp | null;
  retry_at: Timestamp | null;
  created_by: string | null;
  created_at: CreatedAt;
  updated_at: Generated<Date>;
  blocked_reason: string | null;
  local_scenario: string | null;
}

export interface VoiceCallTurnTable {
  organization_id: string;
  call_id: string;
  seq: number;
  role: string;
  text: Generated<string>;
  start_ms: number;
  end_ms: number;
  barge_in: Generated<boolean>;
  tool_name: string | null;
  tool_args: unknown | null;
  tokens_in: number | null;
  tokens_out: number | null;
  confidence_score: string | null;
  audio_url: string | null;
  latency_ms: number | null;
  reference_text: string | null;
  word_errors: number | null;
  reference_words: number | null;
  created_at: CreatedAt;
}

export interface VoiceCallEventTable {
  organization_id: string;
  id: Generated<string>;
  call_id: string;
  provider: string;
  provider_event_id: string;
  event_type: string;
  payload: Generated<unknown>;
  occurred_at: Timestamp;
  created_at: CreatedAt;
}

export interface VoiceBookingTable {
  organization_id: string;
  id: Generated<string>;
  lead_id: string | null;
  call_id: string | null;
  window_start: Timestamp;
  window_end: Timestamp;
  estimator_id: string;
  location: string | null;
  notes: string | null;
  booking_type: Generated<string>;
  status: Generated<string>;
  revision: Generated<number>;
  confirmation_message_id: string | null;
  reminder_message_id: string | null;
  created_by: string | null;
  created_at: CreatedAt;
  updated_at: Generated<Date>;
}

export interface VoiceMetricsDailyTable {
  organization_id: string;
  id: Generated<string>;
  user_id: string | null;
  day: string;
  calls: Generated<number>;
  connects: Generated<number>;
  avg_duration_s: Generated<number>;
  talk_minutes: Generated<number>;
  bookings: Generated<number>;
  booking_rate: Generated<number>;
  first_minute_latency_ms: Generated<number>;
  avg_first_audio_latency_ms: Generated<number>;
  p95_latency_ms: Generated<number>;
  asr_wer: number | null;
  avg_confidence_score: Generated<number>;
  barge_in_rate: Generated<number>;
  outcome_scheduled: Generated<number>;
  outcome_callback: Generated<number>;
  outcome_rejected: Generated<number>;
  outcome_no_answer: Generated<number>;
  outcome_voicemail: Generated<number>;
  outcome_opt_out: Generated<number>;
  outcome_failed: Generated<number>;
  cost_cents: Generated<string>;
  created_at: CreatedAt;
  updated_at: Generated<Date>;
}

export interface VoiceTables {
  voice_configuration: VoiceConfigurationTable;
  ai_configuration: AiConfigurationTable;
  voice_call: VoiceCallTable;
  voice_call_turn: VoiceCallTurnTable;
  voice_call_event: VoiceCallEventTable;
  voice_booking: VoiceBookingTable;
  voice_metrics_daily: VoiceMetricsDailyTable;
}
