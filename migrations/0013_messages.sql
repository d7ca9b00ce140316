-- Every touch in any direction (AI Nudge's messages, Convexa's campaign logs, Fish Mouth's lead
-- activities), the templates they are written from, the local outbox the default adapters write
-- to, and the provider events already applied. The rule that nothing leaves without the gate is
-- kept here too: a message can only be handed over with an allowing decision of the gate.

-- Lead-level preferences the gate honours beyond the law (Convexa: timezone and quiet hours on
-- the lead): a window in which nobody reaches this lead, in the lead's own zone.
ALTER TABLE lead
  ADD COLUMN timezone text CHECK (timezone ~ '^[A-Za-z_]+(/[A-Za-z0-9_+-]+)*$'),
  ADD COLUMN quiet_hours_start time,
  ADD COLUMN quiet_hours_end time,
  ADD CONSTRAINT lead_quiet_hours_check CHECK ((quiet_hours_start IS NULL) = (quiet_hours_end IS NULL) AND (quiet_hours_start IS NULL OR quiet_hours_start <> quiet_hours_end));

-- A lead's last touch moves with every message: not a change worth a history row.
CREATE OR REPLACE FUNCTION history_ignored_fields() RETURNS text[] LANGUAGE sql IMMUTABLE
  AS $$ SELECT ARRAY['updated_at', 'last_seen_at', 'first_seen_at', 'created_at', 'last_used_at',
                     'quality_score', 'enrichment_cost_cents', 'verified_at',
                     'motivation_score', 'temperature', 'lead_score', 'tier', 'replacement_urgency', 'contagion_score',
                     'last_contacted_at'] $$;

-- An opt-out may cover some channels only (Fish Mouth's voice opt-out: "no more calls", texts
-- still welcome). NULL is every channel, as every entry before this migration was.
ALTER TABLE dnc_entry
  ADD COLUMN channels text[] CHECK (channels IS NULL OR (cardinality(channels) >= 1 AND channels <@ ARRAY['sms', 'call', 'ai_call', 'email'])),
  -- an email's channel is email; a phone's are texts and calls
  ADD CONSTRAINT dnc_entry_channels_kind_check CHECK (channels IS NULL OR (kind = 'email') = (channels <@ ARRAY['email']));
-- routing keeps a lead contactable while some channel is still open to it
CREATE OR REPLACE FUNCTION on_dnc_list(org uuid, person uuid) RETURNS boolean LANGUAGE sql STABLE AS $$
  SELECT EXISTS (SELECT 1 FROM contact_point c
                 JOIN dnc_entry d ON d.organization_id = c.organization_id AND d.kind = c.kind AND d.value_hash = c.value_hash
                 WHERE c.organization_id = org AND c.person_id = person AND d.channels IS NULL)
$$;

-- A decision is referenced with its verdict, so a message can point only at what the gate said.
ALTER TABLE compliance_decision ADD CONSTRAINT compliance_decision_verdict_key UNIQUE (organization_id, id, decision);

CREATE TABLE message_template (
  organization_id uuid NOT NULL REFERENCES organization (id) ON DELETE CASCADE,
  id              uuid NOT NULL DEFAULT uuid7(),
  name            text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 200),
  channel         text NOT NULL CHECK (channel IN ('email', 'sms', 'call')),
  subject         text CHECK (length(subject) <= 500),
  body            text NOT NULL CHECK (length(body) BETWEEN 1 AND 100000),
  html            text CHECK (length(html) <= 500000),
  -- the merge fields it uses, validated when it was saved
  fields          text[] NOT NULL DEFAULT '{}',
  created_by      uuid,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (organization_id, id),
  UNIQUE (organization_id, name),
  CHECK (channel <> 'email' OR subject IS NOT NULL)
);
SELECT porchlight_tenant_table('message_template');
CREATE TRIGGER message_template_updated_at BEFORE UPDATE ON message_template FOR EACH ROW EXECUTE FUNCTION set_updated_at();

CREATE TABLE message (
  organization_id uuid NOT NULL REFERENCES organization (id) ON DELETE CASCADE,
  id              uuid NOT NULL DEFAULT uuid7(),
  lead_id         uuid,
  person_id       uuid,
  channel         text NOT NULL CHECK (channel IN ('email', 'sms', 'call', 'ai_call')),
  direction       text NOT NULL CHECK (direction IN ('outbound', 'inbound')),
  -- sending: handed to the provider, its answer not yet recorded (a crash leaves it here)
  status          text NOT NULL CHECK (status IN ('pending', 'sending', 'sent', 'delivered', 'failed', 'cancelled', 'received')),
  source          text NOT NULL CHECK (source IN ('manual', 'sequence', 'campaign', 'scheduled', 'faq', 'nudge', 'inbound', 'system')),
  sender_type     text NOT NULL CHECK (sender_type IN ('user', 'ai', 'system', 'contact')),
  sender_user_id  uuid,
  purpose         text NOT NULL DEFAULT 'marketing' CHECK (purpose IN ('marketing', 'informational', 'opt_out_confirmation', 'help_reply')),
  -- the other party: the same keyed hash as contact_point, masked for display, and the address
  -- itself (clear or sealed like contact_point) so the outbox can send it after a restart
  kind            text NOT NULL CHECK (kind IN ('phone', 'email')),
  peer_hash       bytea NOT NULL CHECK (length(peer_hash) = 32),
  peer_display    text NOT NULL,
  peer_value      text,
  peer_enc        bytea,
  from_address    text,
  subject         text CHECK (length(subject) <= 500),
  body            text NOT NULL CHECK (length(body) <= 100000),
  html            text,
  headers         jsonb NOT NULL DEFAULT '{}',
  template_id     uuid,
  campaign_id     uuid,
  enrollment_id   uuid,
  in_reply_to_id  uuid,
  -- one message per key: a retry, a second worker or a restart finds it instead of writing another
  idempotency_key text NOT NULL CHECK (length(idempotency_key) BETWEEN 1 AND 300),
  decision_id     uuid,
  decision        text CHECK (decision IN ('allow', 'deny', 'defer')),
  reason          text,
  -- not before: a scheduled message, a deferral, a retry
  scheduled_for   timestamptz NOT NULL DEFAULT now(),
  attempts        integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  provider        text,
  provider_message_id text,
  segments        integer CHECK (segments >= 0),
  cost_cents      bigint NOT NULL DEFAULT 0 CHECK (cost_cents >= 0),
  error           text CHECK (length(error) <= 2000),
  handed_at       timestamptz,
  sent_at         timestamptz,
  delivered_at    timestamptz,
  failed_at       timestamptz,
  opened_at       timestamptz,
  clicked_at      timestamptz,
  replied_at      timestamptz,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (organization_id, id),
  UNIQUE (organization_id, idempotency_key),
  FOREIGN KEY (organization_id, lead_id) REFERENCES lead (organization_id, id) ON DELETE SET NULL (lead_id),
  FOREIGN KEY (organization_id, person_id) REFERENCES person (organization_id, id) ON DELETE SET NULL (person_id),
  FOREIGN KEY (organization_id, template_id) REFERENCES message_template (organization_id, id) ON DELETE SET NULL (template_id),
  FOREIGN KEY (organization_id, in_reply_to_id) REFERENCES message (organization_id, id) ON DELETE SET NULL (in_reply_to_id),
  FOREIGN KEY (organization_id, decision_id, decision) REFERENCES compliance_decision (organization_id, id, decision),
  CHECK ((direction = 'inbound') = (status = 'received')),
  CHECK ((direction = 'inbound') = (sender_type = 'contact')),
  -- nothing is handed over without the gate's allow
  CHECK (status NOT IN ('sending', 'sent', 'delivered') OR decision = 'allow'),
  CHECK (status <> 'sending' OR handed_at IS NOT NULL),
  -- a verdict always has its decision behind it (the foreign key checks only a full pair)
  CHECK ((decision IS NULL) = (decision_id IS NULL)),
  CHECK (direction = 'inbound' OR peer_value IS NOT NULL OR peer_enc IS NOT NULL),
  CHECK (peer_value IS NULL OR peer_enc IS NULL),
  CHECK (channel = 'email' OR kind = 'phone'),
  CHECK (channel <> 'email' OR kind = 'email')
);
CREATE UNIQUE INDEX message_provider_id_key ON message (organization_id, provider, provider_message_id) WHERE provider_message_id IS NOT NULL;
CREATE INDEX message_due_idx ON message (organization_id, scheduled_for) WHERE status = 'pending';
CREATE INDEX message_sending_idx ON message (organization_id, handed_at) WHERE status = 'sending';
CREATE INDEX message_lead_idx ON message (organization_id, lead_id, created_at DESC) WHERE lead_id IS NOT NULL;
-- prior touches of a contact (frequency caps, the first-touch opt-out line)
CREATE INDEX message_peer_idx ON message (organization_id, kind, peer_hash, created_at DESC);
CREATE INDEX message_campaign_idx ON message (organization_id, campaign_id) WHERE campaign_id IS NOT NULL;
CREATE INDEX message_enrollment_idx ON message (organization_id, enrollment_id) WHERE enrollment_id IS NOT NULL;
SELECT porchlight_tenant_table('message');
CREATE TRIGGER message_updated_at BEFORE UPDATE ON message FOR EACH ROW EXECUTE FUNCTION set_updated_at();
-- the record of a touch stays: the application may move its status on, never erase it
REVOKE DELETE ON message FROM porchlight_app;

-- What the local adapters "sent": visible in `porchlight messages outbox` and /v1/outbox, never
-- delivered anywhere. Keyed like the provider would be, so a repeat hand-over is a no-op.
CREATE TABLE local_outbox (
  organization_id uuid NOT NULL REFERENCES organization (id) ON DELETE CASCADE,
  id              uuid NOT NULL DEFAULT uuid7(),
  message_id      uuid NOT NULL,
  idempotency_key text NOT NULL,
  channel         text NOT NULL,
  to_display      text NOT NULL,
  from_address    text,
  subject         text,
  body            text NOT NULL,
  headers         jsonb NOT NULL DEFAULT '{}',
  segments        integer,
  created_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (organization_id, id),
  UNIQUE (organization_id, idempotency_key)
);
SELECT porchlight_tenant_table('local_outbox');

-- Provider events (webhooks) applied once each: a provider's retry finds its id here.
CREATE TABLE webhook_event (
  organization_id uuid NOT NULL REFERENCES organization (id) ON DELETE CASCADE,
  provider        text NOT NULL CHECK (length(provider) BETWEEN 1 AND 50),
  event_id        text NOT NULL CHECK (length(event_id) BETWEEN 1 AND 300),
  kind            text NOT NULL,
  message_id      uuid,
  payload         jsonb NOT NULL,
  result          jsonb,
  received_at     timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (organization_id, provider, event_id)
);
SELECT porchlight_tenant_table('webhook_event');

-- Billing usage for every message a provider took (Fish Mouth's billing_usage): one row per
-- message, whoever sent it (an agent's manual text too, whom billing_usage's policies would not
-- let write), so it runs as the migration's owner. The cost is the provider's when it said,
-- else the organization's price per unit (settings.outreach.prices, integer cents).
CREATE FUNCTION message_bill() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
  INSERT INTO billing_usage (organization_id, metric, period, subject_id, quantity, cost_cents, user_id, details)
  SELECT n.organization_id,
         CASE n.channel WHEN 'email' THEN 'email_message' WHEN 'sms' THEN 'sms_message' ELSE 'call_placed' END,
         date_trunc('month', n.sent_at AT TIME ZONE 'UTC')::date, n.id,
         coalesce(n.segments, 1),
         CASE WHEN n.cost_cents > 0 THEN n.cost_cents
              ELSE coalesce(n.segments, 1) * coalesce((o.settings -> 'outreach' -> 'prices' ->> n.channel)::bigint, 0) END,
         n.sender_user_id,
         jsonb_build_object('channel', n.channel, 'source', n.source, 'provider', n.provider)
  FROM new_rows n
  JOIN organization o ON o.id = n.organization_id
  -- sent before this statement: billed then. A hashed NOT IN stays linear whatever plan the
  -- session's first (one-row) statement left cached; a join of the two transition tables was
  -- cached as a nested loop and went quadratic with the batch
  WHERE n.status = 'sent' AND n.direction = 'outbound' AND n.id NOT IN (SELECT id FROM old_rows WHERE status = 'sent')
  ON CONFLICT (organization_id, metric, subject_id, period) DO NOTHING;
  -- the provider's price often comes later, with its status callback: it replaces the estimate
  UPDATE billing_usage b SET cost_cents = n.cost_cents
  FROM new_rows n JOIN old_rows o0 ON o0.organization_id = n.organization_id AND o0.id = n.id
  WHERE n.cost_cents > 0 AND n.cost_cents <> o0.cost_cents AND n.sent_at IS NOT NULL
    AND b.organization_id = n.organization_id AND b.subject_id = n.id
    AND b.metric = CASE n.channel WHEN 'email' THEN 'email_message' WHEN 'sms' THEN 'sms_message' ELSE 'call_placed' END;
  RETURN NULL;
END $$;
CREATE TRIGGER message_bill AFTER UPDATE ON message REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION message_bill();
