-- Voice (Fish Mouth's voice system, Convexa's call logs): every call with its lifecycle, turns,
-- events, outcome, booking, cost and latency; the per-user voice and AI configuration; and the
-- daily metrics a manager judges an agent by. An outbound call is placed only as a message
-- through the outbox and its gate: the call record points at that message.

-- an estimator's bookings may not overlap: an exclusion constraint over (organization, estimator, window)
CREATE EXTENSION IF NOT EXISTS btree_gist;

-- a user's days (the daily metrics) are days where the user works
ALTER TABLE app_user ADD COLUMN timezone text NOT NULL DEFAULT 'America/New_York' CHECK (timezone ~ '^[A-Za-z_]+(/[A-Za-z0-9_+-]+)*$');

-- A user's own configuration is theirs to change; managers and up change anyone's.
CREATE FUNCTION porchlight_own_or_manager(tbl regclass) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE format('CREATE POLICY own_or_manager_inserts ON %s AS RESTRICTIVE FOR INSERT WITH CHECK (user_id = app_user_id() OR app_user_role() <> ''agent'')', tbl);
  EXECUTE format('CREATE POLICY own_or_manager_updates ON %s AS RESTRICTIVE FOR UPDATE USING (user_id = app_user_id() OR app_user_role() <> ''agent'')', tbl);
  EXECUTE format('CREATE POLICY own_or_manager_deletes ON %s AS RESTRICTIVE FOR DELETE USING (user_id = app_user_id() OR app_user_role() <> ''agent'')', tbl);
END $$;

-- Fish Mouth's voice_configurations, one per user, with its defaults; the ranges are the product's.
CREATE TABLE voice_configuration (
  organization_id uuid NOT NULL REFERENCES organization (id) ON DELETE CASCADE,
  user_id         uuid NOT NULL,
  default_voice_id text NOT NULL DEFAULT 'default' CHECK (length(btrim(default_voice_id)) BETWEEN 1 AND 100),
  tts_vendor      text NOT NULL DEFAULT 'elevenlabs' CHECK (tts_vendor IN ('elevenlabs', 'cartesia')),
  voice_style     text NOT NULL DEFAULT 'professional' CHECK (voice_style IN ('professional', 'friendly', 'casual', 'empathetic', 'energetic')),
  speaking_rate   numeric(3,2) NOT NULL DEFAULT 1.0 CHECK (speaking_rate BETWEEN 0.5 AND 2.0),
  -- semitones
  pitch_adjustment numeric(4,2) NOT NULL DEFAULT 0.0 CHECK (pitch_adjustment BETWEEN -12 AND 12),
  asr_vendor      text NOT NULL DEFAULT 'deepgram' CHECK (asr_vendor IN ('deepgram', 'whisper')),
  asr_language    text NOT NULL DEFAULT 'en-US' CHECK (asr_language ~ '^[a-z]{2}-[A-Z]{2}$'),
  enable_punctuation boolean NOT NULL DEFAULT true,
  confidence_threshold numeric(3,2) NOT NULL DEFAULT 0.7 CHECK (confidence_threshold BETWEEN 0 AND 1),
  llm_vendor      text NOT NULL DEFAULT 'openai' CHECK (llm_vendor IN ('openai', 'anthropic')),
  llm_model       text NOT NULL DEFAULT 'gpt-4o-mini' CHECK (length(btrim(llm_model)) BETWEEN 1 AND 100),
  system_prompt_template text CHECK (length(system_prompt_template) <= 20000),
  max_tokens      integer NOT NULL DEFAULT 150 CHECK (max_tokens BETWEEN 1 AND 4096),
  temperature     numeric(3,2) NOT NULL DEFAULT 0.7 CHECK (temperature BETWEEN 0 AND 2),
  max_call_duration_minutes integer NOT NULL DEFAULT 15 CHECK (max_call_duration_minutes BETWEEN 1 AND 60),
  enable_barge_in boolean NOT NULL DEFAULT true,
  silence_timeout_seconds integer NOT NULL DEFAULT 10 CHECK (silence_timeout_seconds BETWEEN 1 AND 60),
  require_consent boolean NOT NULL DEFAULT true,
  enable_recording boolean NOT NULL DEFAULT true,
  -- what the call says first when it is recorded; with none, a call is not recorded (COMPLIANCE.md §7)
  recording_disclosure text DEFAULT 'This call may be recorded for quality and training.' CHECK (length(recording_disclosure) <= 500),
  -- the gate applies the do-not-call rules to every call: this cannot be turned off
  dnc_compliance  boolean NOT NULL DEFAULT true CHECK (dnc_compliance),
  jurisdiction    text NOT NULL DEFAULT 'US' CHECK (jurisdiction IN ('US', 'CA', 'EU')),
  -- another attempt after no answer, busy or a carrier failure
  max_retries     integer NOT NULL DEFAULT 2 CHECK (max_retries BETWEEN 0 AND 5),
  retry_delay_minutes integer NOT NULL DEFAULT 60 CHECK (retry_delay_minutes BETWEEN 5 AND 10080),
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (organization_id, user_id),
  FOREIGN KEY (organization_id, user_id) REFERENCES app_user (organization_id, id) ON DELETE CASCADE
);
SELECT porchlight_tenant_table('voice_configuration');
SELECT porchlight_own_or_manager('voice_configuration');
CREATE TRIGGER voice_configuration_updated_at BEFORE UPDATE ON voice_configuration FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- Fish Mouth's ai_configurations, one per user.
CREATE TABLE ai_configuration (
  organization_id uuid NOT NULL REFERENCES organization (id) ON DELETE CASCADE,
  user_id         uuid NOT NULL,
  voice_enabled   boolean NOT NULL DEFAULT true,
  voice_id        text NOT NULL DEFAULT 'rachel' CHECK (length(btrim(voice_id)) BETWEEN 1 AND 100),
  voice_tone      text NOT NULL DEFAULT 'professional' CHECK (voice_tone IN ('professional', 'friendly', 'casual', 'empathetic', 'energetic')),
  voice_speed     numeric(3,2) NOT NULL DEFAULT 1.0 CHECK (voice_speed BETWEEN 0.5 AND 2.0),
  -- seconds
  max_call_duration integer NOT NULL DEFAULT 300 CHECK (max_call_duration BETWEEN 30 AND 3600),
  max_objections  integer NOT NULL DEFAULT 3 CHECK (max_objections BETWEEN 0 AND 10),
  email_tone      text NOT NULL DEFAULT 'professional' CHECK (email_tone IN ('professional', 'friendly', 'casual', 'empathetic', 'energetic')),
  email_length    text NOT NULL DEFAULT 'medium' CHECK (email_length IN ('short', 'medium', 'long')),
  email_personalization text NOT NULL DEFAULT 'high' CHECK (email_personalization IN ('low', 'medium', 'high')),
  sms_tone        text NOT NULL DEFAULT 'friendly' CHECK (sms_tone IN ('professional', 'friendly', 'casual', 'empathetic', 'energetic')),
  sms_emoji_enabled boolean NOT NULL DEFAULT false,
  company_voice_description text CHECK (length(company_voice_description) <= 5000),
  key_differentiators jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(key_differentiators) = 'array'),
  value_propositions jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(value_propositions) = 'array'),
  common_objections jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(common_objections) = 'array'),
  voice_opening_prompt text CHECK (length(voice_opening_prompt) <= 5000),
  voice_objection_prompts jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(voice_objection_prompts) = 'object'),
  voice_closing_prompt text CHECK (length(voice_closing_prompt) <= 5000),
  email_generation_prompt text CHECK (length(email_generation_prompt) <= 5000),
  sms_generation_prompt text CHECK (length(sms_generation_prompt) <= 5000),
  ai_creativity   numeric(3,2) NOT NULL DEFAULT 0.7 CHECK (ai_creativity BETWEEN 0 AND 1),
  ai_formality    numeric(3,2) NOT NULL DEFAULT 0.6 CHECK (ai_formality BETWEEN 0 AND 1),
  urgency_level   numeric(3,2) NOT NULL DEFAULT 0.5 CHECK (urgency_level BETWEEN 0 AND 1),
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (organization_id, user_id),
  FOREIGN KEY (organization_id, user_id) REFERENCES app_user (organization_id, id) ON DELETE CASCADE
);
SELECT porchlight_tenant_table('ai_configuration');
SELECT porchlight_own_or_manager('ai_configuration');
CREATE TRIGGER ai_configuration_updated_at BEFORE UPDATE ON ai_configuration FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- One row per call attempt (a call detail record): placed through the outbox (message_id), or
-- logged by hand, or inbound. A retry is a new attempt pointing at the one before.
CREATE TABLE voice_call (
  organization_id uuid NOT NULL REFERENCES organization (id) ON DELETE CASCADE,
  id              uuid NOT NULL DEFAULT uuid7(),
  user_id         uuid,
  lead_id         uuid,
  person_id       uuid,
  enrollment_id   uuid,
  message_id      uuid,
  retry_of        uuid,
  retry_attempts  integer NOT NULL DEFAULT 0 CHECK (retry_attempts BETWEEN 0 AND 5),
  agent           text NOT NULL CHECK (agent IN ('ai', 'human')),
  direction       text NOT NULL DEFAULT 'outbound' CHECK (direction IN ('outbound', 'inbound')),
  source          text NOT NULL CHECK (source IN ('manual', 'sequence', 'campaign', 'logged', 'inbound')),
  carrier         text NOT NULL DEFAULT 'local' CHECK (length(carrier) BETWEEN 1 AND 50),
  provider_call_id text CHECK (length(provider_call_id) <= 200),
  from_number     text,
  to_display      text NOT NULL,
  peer_hash       bytea CHECK (length(peer_hash) = 32),
  status          text NOT NULL DEFAULT 'initiated' CHECK (status IN ('initiated', 'ringing', 'in_progress', 'completed', 'failed', 'no_answer')),
  duration_seconds integer NOT NULL DEFAULT 0 CHECK (duration_seconds >= 0),
  max_duration_seconds integer NOT NULL DEFAULT 900 CHECK (max_duration_seconds BETWEEN 30 AND 3600),
  last_error_code text CHECK (length(last_error_code) <= 200),
  last_error_at   timestamptz,
  conversation_goal text CHECK (conversation_goal IN ('qualify', 'schedule', 'follow_up')),
  ai_voice_id     text,
  ai_instructions text CHECK (length(ai_instructions) <= 20000),
  asr_model       text,
  tts_model       text,
  llm_model       text,
  -- recorded only with a disclosure at the start (or not at all): why not, when not
  record          boolean NOT NULL DEFAULT false,
  recording_note  text,
  recording_url   text,
  transcript      text,
  transcript_json jsonb,
  ai_summary      jsonb,
  outcome         text CHECK (outcome IN ('scheduled', 'follow_up', 'rejected', 'no_answer', 'voicemail', 'opt_out', 'failed')),
  interest_level  text CHECK (interest_level IN ('high', 'medium', 'low', 'none')),
  objections_raised text[] NOT NULL DEFAULT '{}',
  next_steps      text,
  summary         text,
  conversation_state text NOT NULL DEFAULT 'greeting' CHECK (conversation_state IN ('greeting', 'qualification', 'offer', 'objection', 'scheduling', 'closing', 'ended')),
  -- integer cents: the carrier's minutes, the AI's tokens and speech
  call_cost_cents bigint NOT NULL DEFAULT 0 CHECK (call_cost_cents >= 0),
  ai_cost_cents   bigint NOT NULL DEFAULT 0 CHECK (ai_cost_cents >= 0),
  total_cost_cents bigint GENERATED ALWAYS AS (call_cost_cents + ai_cost_cents) STORED,
  first_audio_latency_ms integer CHECK (first_audio_latency_ms >= 0),
  p95_latency_ms  integer CHECK (p95_latency_ms >= 0),
  barge_in_count  integer NOT NULL DEFAULT 0 CHECK (barge_in_count >= 0),
  tool_calls_made integer NOT NULL DEFAULT 0 CHECK (tool_calls_made >= 0),
  avg_confidence  numeric(4,3) CHECK (avg_confidence BETWEEN 0 AND 1),
  silence_periods jsonb,
  initiated_at    timestamptz NOT NULL DEFAULT now(),
  ringing_at      timestamptz,
  started_at      timestamptz,
  ended_at        timestamptz,
  -- the next attempt, when the retry policy gives one
  retry_at        timestamptz,
  created_by      uuid,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (organization_id, id),
  UNIQUE (organization_id, message_id),
  FOREIGN KEY (organization_id, user_id) REFERENCES app_user (organization_id, id) ON DELETE SET NULL (user_id),
  FOREIGN KEY (organization_id, lead_id) REFERENCES lead (organization_id, id) ON DELETE SET NULL (lead_id),
  FOREIGN KEY (organization_id, message_id) REFERENCES message (organization_id, id),
  FOREIGN KEY (organization_id, retry_of) REFERENCES voice_call (organization_id, id),
  CHECK ((status IN ('completed', 'failed', 'no_answer')) = (ended_at IS NOT NULL)),
  CHECK (outcome IS NULL OR ended_at IS NOT NULL),
  CHECK (ended_at IS NULL OR ended_at >= initiated_at),
  CHECK (started_at IS NULL OR started_at >= initiated_at),
  -- an outbound call that Porchlight placed went through the gate as a message
  CHECK (direction = 'inbound' OR source = 'logged' OR message_id IS NOT NULL),
  CHECK ((retry_of IS NULL) = (retry_attempts = 0))
);
CREATE UNIQUE INDEX voice_call_provider_key ON voice_call (organization_id, carrier, provider_call_id) WHERE provider_call_id IS NOT NULL;
CREATE INDEX voice_call_user_day_idx ON voice_call (organization_id, initiated_at, user_id);
CREATE INDEX voice_call_lead_idx ON voice_call (organization_id, lead_id, initiated_at DESC) WHERE lead_id IS NOT NULL;
CREATE INDEX voice_call_status_idx ON voice_call (organization_id, status) WHERE ended_at IS NULL;
CREATE INDEX voice_call_retry_idx ON voice_call (organization_id, retry_at) WHERE retry_at IS NOT NULL;
SELECT porchlight_tenant_table('voice_call');
CREATE TRIGGER voice_call_updated_at BEFORE UPDATE ON voice_call FOR EACH ROW EXECUTE FUNCTION set_updated_at();
-- a call detail record is kept (FTC TSR): never erased by the application
REVOKE DELETE ON voice_call FROM porchlight_app;

CREATE TABLE voice_call_turn (
  organization_id uuid NOT NULL REFERENCES organization (id) ON DELETE CASCADE,
  call_id         uuid NOT NULL,
  seq             integer NOT NULL CHECK (seq >= 1),
  role            text NOT NULL CHECK (role IN ('user', 'agent', 'tool')),
  text            text NOT NULL DEFAULT '' CHECK (length(text) <= 20000),
  -- from the answer, in milliseconds
  start_ms        integer NOT NULL CHECK (start_ms >= 0),
  end_ms          integer NOT NULL,
  barge_in        boolean NOT NULL DEFAULT false,
  tool_name       text CHECK (length(tool_name) <= 100),
  tool_args       jsonb,
  tokens_in       integer CHECK (tokens_in >= 0),
  tokens_out      integer CHECK (tokens_out >= 0),
  confidence_score numeric(4,3) CHECK (confidence_score BETWEEN 0 AND 1),
  audio_url       text,
  -- an agent turn: how long after the caller stopped talking it started (the latency heard)
  latency_ms      integer CHECK (latency_ms >= 0),
  -- a user turn with a known reference transcript: the recognizer's word errors against it
  reference_text  text,
  word_errors     integer CHECK (word_errors >= 0),
  reference_words integer CHECK (reference_words >= 0),
  created_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (organization_id, call_id, seq),
  FOREIGN KEY (organization_id, call_id) REFERENCES voice_call (organization_id, id) ON DELETE CASCADE,
  CHECK (end_ms >= start_ms),
  CHECK ((role = 'tool') = (tool_name IS NOT NULL)),
  CHECK ((word_errors IS NULL) = (reference_words IS NULL))
);
SELECT porchlight_tenant_table('voice_call_turn');

CREATE TABLE voice_call_event (
  organization_id uuid NOT NULL REFERENCES organization (id) ON DELETE CASCADE,
  id              uuid NOT NULL DEFAULT uuid7(),
  call_id         uuid NOT NULL,
  provider        text NOT NULL,
  provider_event_id text NOT NULL CHECK (length(provider_event_id) BETWEEN 1 AND 300),
  event_type      text NOT NULL CHECK (event_type ~ '^[a-z][a-z_]{1,49}$'),
  payload         jsonb NOT NULL DEFAULT '{}',
  occurred_at     timestamptz NOT NULL,
  created_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (organization_id, id),
  -- a webhook delivered twice is one event
  UNIQUE (organization_id, provider, provider_event_id),
  FOREIGN KEY (organization_id, call_id) REFERENCES voice_call (organization_id, id) ON DELETE CASCADE
);
CREATE INDEX voice_call_event_call_idx ON voice_call_event (organization_id, call_id, occurred_at);
SELECT porchlight_tenant_table('voice_call_event');

-- Appointments from calls. Two live bookings of one estimator never overlap: the database refuses it.
CREATE TABLE voice_booking (
  organization_id uuid NOT NULL REFERENCES organization (id) ON DELETE CASCADE,
  id              uuid NOT NULL DEFAULT uuid7(),
  lead_id         uuid,
  call_id         uuid,
  window_start    timestamptz NOT NULL,
  window_end      timestamptz NOT NULL,
  estimator_id    uuid NOT NULL,
  location        text CHECK (length(location) <= 500),
  notes           text CHECK (length(notes) <= 5000),
  booking_type    text NOT NULL DEFAULT 'inspection' CHECK (booking_type IN ('inspection', 'consultation', 'estimate')),
  status          text NOT NULL DEFAULT 'confirmed' CHECK (status IN ('confirmed', 'rescheduled', 'cancelled', 'completed')),
  -- each change of window is a revision; its confirmation and reminder are keyed by it
  revision        integer NOT NULL DEFAULT 1 CHECK (revision >= 1),
  confirmation_message_id uuid,
  reminder_message_id uuid,
  created_by      uuid,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (organization_id, id),
  FOREIGN KEY (organization_id, lead_id) REFERENCES lead (organization_id, id) ON DELETE SET NULL (lead_id),
  FOREIGN KEY (organization_id, call_id) REFERENCES voice_call (organization_id, id),
  FOREIGN KEY (organization_id, estimator_id) REFERENCES app_user (organization_id, id),
  FOREIGN KEY (organization_id, confirmation_message_id) REFERENCES message (organization_id, id),
  FOREIGN KEY (organization_id, reminder_message_id) REFERENCES message (organization_id, id),
  CHECK (window_end > window_start AND window_end - window_start <= interval '12 hours'),
  CONSTRAINT voice_booking_no_double_booking EXCLUDE USING gist (
    organization_id WITH =, estimator_id WITH =, tstzrange(window_start, window_end) WITH &&)
    WHERE (status IN ('confirmed', 'rescheduled'))
);
-- one booking per call
CREATE UNIQUE INDEX voice_booking_call_key ON voice_booking (organization_id, call_id) WHERE call_id IS NOT NULL;
CREATE INDEX voice_booking_lead_idx ON voice_booking (organization_id, lead_id);
CREATE INDEX voice_booking_window_idx ON voice_booking (organization_id, window_start);
SELECT porchlight_tenant_table('voice_booking');
CREATE TRIGGER voice_booking_updated_at BEFORE UPDATE ON voice_booking FOR EACH ROW EXECUTE FUNCTION set_updated_at();
SELECT porchlight_audited_table('voice_booking');

-- Fish Mouth's voice_metrics_daily: per organization, user (none: calls of the organization's
-- own agent) and day in the user's zone. Recomputed from calls, turns and bookings by a job.
CREATE TABLE voice_metrics_daily (
  organization_id uuid NOT NULL REFERENCES organization (id) ON DELETE CASCADE,
  id              uuid NOT NULL DEFAULT uuid7(),
  user_id         uuid,
  day             date NOT NULL,
  calls           integer NOT NULL DEFAULT 0,
  connects        integer NOT NULL DEFAULT 0,
  avg_duration_s  integer NOT NULL DEFAULT 0,
  talk_minutes    integer NOT NULL DEFAULT 0,
  bookings        integer NOT NULL DEFAULT 0,
  booking_rate    double precision NOT NULL DEFAULT 0,
  first_minute_latency_ms integer NOT NULL DEFAULT 0,
  avg_first_audio_latency_ms integer NOT NULL DEFAULT 0,
  p95_latency_ms  integer NOT NULL DEFAULT 0,
  -- null: no turn of the day had a reference transcript
  asr_wer         double precision,
  avg_confidence_score double precision NOT NULL DEFAULT 0,
  barge_in_rate   double precision NOT NULL DEFAULT 0,
  outcome_scheduled integer NOT NULL DEFAULT 0,
  outcome_callback integer NOT NULL DEFAULT 0,
  outcome_rejected integer NOT NULL DEFAULT 0,
  outcome_no_answer integer NOT NULL DEFAULT 0,
  outcome_voicemail integer NOT NULL DEFAULT 0,
  outcome_opt_out integer NOT NULL DEFAULT 0,
  outcome_failed  integer NOT NULL DEFAULT 0,
  cost_cents      bigint NOT NULL DEFAULT 0,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (organization_id, id),
  FOREIGN KEY (organization_id, user_id) REFERENCES app_user (organization_id, id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX voice_metrics_daily_key ON voice_metrics_daily (organization_id, user_id, day) NULLS NOT DISTINCT;
CREATE INDEX voice_metrics_daily_day_idx ON voice_metrics_daily (organization_id, day);
SELECT porchlight_tenant_table('voice_metrics_daily');

-- The voice port in the cost ledger: a call's minutes and AI are spent money like a skip trace.
ALTER TABLE cost_ledger DROP CONSTRAINT cost_ledger_port_check;
ALTER TABLE cost_ledger ADD CONSTRAINT cost_ledger_port_check CHECK (port IN ('property_search', 'skip_trace', 'append', 'phone_verify', 'email_verify', 'voice'));
ALTER TABLE cost_ledger DROP CONSTRAINT cost_ledger_stage_check;
ALTER TABLE cost_ledger ADD CONSTRAINT cost_ledger_stage_check CHECK (stage IN ('pull', 'scan', 'append', 'skip_trace', 'verify', 'call'));

-- Billing for a call once it ended (Fish Mouth's voice_minutes): one billing_usage row per call
-- and one cost ledger row, whoever placed it (SECURITY DEFINER, like message_bill); a price the
-- carrier reports later replaces the amount.
CREATE FUNCTION voice_call_bill() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
  INSERT INTO billing_usage AS b (organization_id, metric, period, subject_id, quantity, cost_cents, user_id, details)
  SELECT n.organization_id, 'voice_minutes', date_trunc('month', n.ended_at AT TIME ZONE 'UTC')::date, n.id,
         ceil(n.duration_seconds / 60.0), n.total_cost_cents, n.user_id,
         jsonb_build_object('agent', n.agent, 'carrier', n.carrier, 'seconds', n.duration_seconds,
                            'call_cost_cents', n.call_cost_cents, 'ai_cost_cents', n.ai_cost_cents)
  FROM new_rows n
  WHERE n.ended_at IS NOT NULL AND n.duration_seconds > 0
  ON CONFLICT (organization_id, metric, subject_id, period) DO UPDATE
    SET cost_cents = EXCLUDED.cost_cents, quantity = EXCLUDED.quantity, details = EXCLUDED.details
    WHERE b.cost_cents <> EXCLUDED.cost_cents OR b.quantity <> EXCLUDED.quantity;
  INSERT INTO cost_ledger AS c (organization_id, provider, port, stage, lead_id, run_id, idempotency_key, units, cost_cents, status, settled_at)
  SELECT n.organization_id, n.carrier, 'voice', 'call', n.lead_id, n.id, 'voice_call:' || n.id::text,
         ceil(n.duration_seconds / 60.0)::int, n.total_cost_cents, 'charged', n.ended_at
  FROM new_rows n
  WHERE n.ended_at IS NOT NULL AND n.duration_seconds > 0
  ON CONFLICT (organization_id, idempotency_key) DO UPDATE
    SET cost_cents = EXCLUDED.cost_cents, units = EXCLUDED.units
    WHERE c.cost_cents <> EXCLUDED.cost_cents OR c.units <> EXCLUDED.units;
  RETURN NULL;
END $$;
CREATE TRIGGER voice_call_bill_insert AFTER INSERT ON voice_call REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION voice_call_bill();
CREATE TRIGGER voice_call_bill_update AFTER UPDATE ON voice_call REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION voice_call_bill();

-- The lead's timeline shows its calls with their outcome and its bookings.
DO $$
BEGIN
  EXECUTE 'CREATE OR REPLACE VIEW lead_timeline WITH (security_invoker = true) AS '
    || rtrim(btrim(pg_get_viewdef('lead_timeline'::regclass)), ';') || $v$
  UNION ALL
  SELECT c.organization_id, c.lead_id, coalesce(c.ended_at, c.initiated_at), 'call', c.id::text,
         CASE c.agent WHEN 'ai' THEN 'AI call ' ELSE 'Call ' END || c.direction || ' ' || c.status
           || coalesce(': ' || replace(c.outcome, '_', ' '), '') || CASE WHEN c.duration_seconds > 0 THEN ' (' || c.duration_seconds || ' s)' ELSE '' END,
         jsonb_build_object('call_id', c.id, 'status', c.status, 'outcome', c.outcome, 'interest_level', c.interest_level,
                            'duration_seconds', c.duration_seconds, 'summary', c.summary, 'message_id', c.message_id)
  FROM voice_call c WHERE c.lead_id IS NOT NULL
  UNION ALL
  SELECT b.organization_id, b.lead_id, b.created_at, 'booking', b.id::text,
         initcap(b.booking_type) || ' ' || b.status || ' for ' || to_char(b.window_start AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI "UTC"'),
         jsonb_build_object('booking_id', b.id, 'status', b.status, 'window_start', b.window_start, 'window_end', b.window_end,
                            'estimator_id', b.estimator_id, 'call_id', b.call_id)
  FROM voice_booking b WHERE b.lead_id IS NOT NULL $v$;
END $$;

-- Every outbound call message has its call record, whichever engine wrote it (a call started by
-- hand, a sequence's VOICE_CALL, a campaign): made with the message, from the caller's voice
-- configuration (its defaults when there is none). Recorded only when the call will say so.
ALTER TABLE voice_call ADD COLUMN blocked_reason text CHECK (length(blocked_reason) <= 200);
-- the local voice adapter only: how its scripted person answers, when a demo asked for one
ALTER TABLE voice_call ADD COLUMN local_scenario text CHECK (local_scenario IN ('no_answer', 'busy', 'voicemail', 'scheduled', 'follow_up', 'rejected', 'opt_out', 'long_talk'));
CREATE FUNCTION voice_call_for_messages() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO voice_call (organization_id, user_id, lead_id, person_id, enrollment_id, message_id, agent, source, to_display, peer_hash,
                          max_duration_seconds, record, recording_note, conversation_goal, initiated_at, created_by)
  SELECT n.organization_id, n.sender_user_id, n.lead_id, n.person_id, n.enrollment_id, n.id,
         CASE n.channel WHEN 'ai_call' THEN 'ai' ELSE 'human' END,
         CASE n.source WHEN 'sequence' THEN 'sequence' WHEN 'campaign' THEN 'campaign' ELSE 'manual' END,
         n.peer_display, n.peer_hash,
         CASE WHEN n.channel = 'ai_call' THEN least(coalesce(v.max_call_duration_minutes, 15) * 60, coalesce(a.max_call_duration, 300))
              ELSE coalesce(v.max_call_duration_minutes, 15) * 60 END,
         coalesce(v.enable_recording, true) AND length(btrim(coalesce(v.recording_disclosure, CASE WHEN v.user_id IS NULL THEN 'default' END, ''))) > 0,
         CASE WHEN coalesce(v.enable_recording, true) AND length(btrim(coalesce(v.recording_disclosure, CASE WHEN v.user_id IS NULL THEN 'default' END, ''))) = 0
              THEN 'not recorded: no recording disclosure is configured, and a call is recorded only when it announces it' END,
         CASE WHEN n.source = 'sequence' THEN 'follow_up' END,
         n.scheduled_for, n.sender_user_id
  FROM new_rows n
  LEFT JOIN voice_configuration v ON v.organization_id = n.organization_id AND v.user_id = n.sender_user_id
  LEFT JOIN ai_configuration a ON a.organization_id = n.organization_id AND a.user_id = n.sender_user_id
  WHERE n.channel IN ('call', 'ai_call') AND n.direction = 'outbound'
  ON CONFLICT DO NOTHING;
  RETURN NULL;
END $$;
CREATE TRIGGER voice_call_for_messages AFTER INSERT ON message REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION voice_call_for_messages();

-- The message's fate is the call's until the carrier speaks: the gate denied it (blocked, never
-- dialed), the carrier refused it (failed), or it took it (its call id, to match its events).
CREATE FUNCTION voice_call_follow_messages() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE voice_call c SET
    carrier = coalesce(n.provider, c.carrier),
    provider_call_id = coalesce(c.provider_call_id, n.provider_message_id),
    from_number = coalesce(c.from_number, n.from_address),
    -- placed when it was handed to the carrier (a deferred call waited for its hour)
    initiated_at = CASE WHEN c.provider_call_id IS NULL AND n.handed_at IS NOT NULL THEN n.handed_at ELSE c.initiated_at END,
    status = CASE WHEN n.status IN ('cancelled', 'failed') THEN 'failed' ELSE c.status END,
    blocked_reason = CASE WHEN n.status = 'cancelled' THEN coalesce(n.reason, 'cancelled') ELSE c.blocked_reason END,
    last_error_code = CASE WHEN n.status = 'failed' THEN left(coalesce(n.error, 'failed'), 200) ELSE c.last_error_code END,
    last_error_at = CASE WHEN n.status IN ('cancelled', 'failed') THEN coalesce(n.failed_at, now()) ELSE c.last_error_at END,
    outcome = CASE WHEN n.status = 'failed' THEN 'failed' ELSE c.outcome END,
    conversation_state = CASE WHEN n.status IN ('cancelled', 'failed') THEN 'ended' ELSE c.conversation_state END,
    ended_at = CASE WHEN n.status IN ('cancelled', 'failed') THEN greatest(coalesce(n.failed_at, now()), c.initiated_at) ELSE c.ended_at END
  FROM new_rows n
  WHERE c.organization_id = n.organization_id AND c.message_id = n.id AND c.ended_at IS NULL
    AND n.channel IN ('call', 'ai_call') AND n.direction = 'outbound'
    AND (n.status IN ('cancelled', 'failed') OR (n.provider_message_id IS NOT NULL AND c.provider_call_id IS NULL));
  RETURN NULL;
END $$;
CREATE TRIGGER voice_call_follow_messages AFTER UPDATE ON message REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION voice_call_follow_messages();
