-- Outreach sequences (Fish Mouth's sequences, sequence_nodes, sequence_enrollments and
-- sequence_executions; Epic 3's nurture sequences are the same engine, written as a graph).
-- A sequence is a graph of nodes fixed when it is created; an enrollment walks one lead through
-- it; every step the engine takes is one execution row, numbered, so a step is taken once.

CREATE TABLE sequence (
  organization_id uuid NOT NULL REFERENCES organization (id) ON DELETE CASCADE,
  id              uuid NOT NULL DEFAULT uuid7(),
  name            text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 200),
  description     text CHECK (length(description) <= 2000),
  -- graph: written as nodes and edges; nurture: Epic 3's list of steps, turned into a graph
  kind            text NOT NULL CHECK (kind IN ('graph', 'nurture')),
  status          text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'paused', 'archived')),
  -- what the gate is told its messages are (marketing texts need written consent and keep hours)
  purpose         text NOT NULL DEFAULT 'marketing' CHECK (purpose IN ('marketing', 'informational')),
  -- steps that send run only in these hours and days of this zone (ISO days: 1 Monday .. 7 Sunday)
  timezone        text NOT NULL DEFAULT 'America/New_York' CHECK (timezone ~ '^[A-Za-z_]+(/[A-Za-z0-9_+-]+)*$'),
  working_hours_start time NOT NULL DEFAULT '09:00',
  working_hours_end   time NOT NULL DEFAULT '17:00',
  working_days    smallint[] NOT NULL DEFAULT '{1,2,3,4,5}'
                  CHECK (cardinality(working_days) BETWEEN 1 AND 7 AND working_days <@ '{1,2,3,4,5,6,7}'::smallint[]),
  start_node      text NOT NULL,
  -- the graph (or the nurture steps) as the user wrote it, editor positions and labels included
  definition      jsonb NOT NULL CHECK (jsonb_typeof(definition) = 'object'),
  created_by      uuid,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (organization_id, id),
  CHECK (working_hours_start < working_hours_end)
);
-- one name per organization, whatever its case
CREATE UNIQUE INDEX sequence_name_key ON sequence (organization_id, lower(name));
SELECT porchlight_tenant_table('sequence');
CREATE TRIGGER sequence_updated_at BEFORE UPDATE ON sequence FOR EACH ROW EXECUTE FUNCTION set_updated_at();
-- the graph is fixed once enrollments walk it: only the name, description and status change
REVOKE UPDATE ON sequence FROM porchlight_app;
GRANT UPDATE (name, description, status) ON sequence TO porchlight_app;

CREATE TABLE sequence_node (
  organization_id uuid NOT NULL REFERENCES organization (id) ON DELETE CASCADE,
  sequence_id     uuid NOT NULL,
  key             text NOT NULL CHECK (length(key) BETWEEN 1 AND 100),
  type            text NOT NULL CHECK (type IN ('START', 'EMAIL', 'SMS', 'VOICE_CALL', 'WAIT', 'CONDITION', 'RESEARCH', 'END')),
  label           text CHECK (length(label) <= 200),
  config          jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(config) = 'object'),
  -- a saved template named by the node (an inline one stays in config.template)
  template_id     uuid,
  -- where an enrollment goes next: {"next": key}, a CONDITION's {"yes": key, "no": key}, an END's {}
  next            jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(next) = 'object'),
  PRIMARY KEY (organization_id, sequence_id, key),
  FOREIGN KEY (organization_id, sequence_id) REFERENCES sequence (organization_id, id) ON DELETE CASCADE,
  -- a template a sequence sends cannot be deleted from under it
  FOREIGN KEY (organization_id, template_id) REFERENCES message_template (organization_id, id),
  CHECK (template_id IS NULL OR type IN ('EMAIL', 'SMS', 'VOICE_CALL')),
  CHECK ((type = 'END') = (next = '{}'::jsonb))
);
SELECT porchlight_tenant_table('sequence_node');
REVOKE UPDATE ON sequence_node FROM porchlight_app;
-- the START node exists once the sequence's transaction ends (nodes are written after it)
ALTER TABLE sequence ADD CONSTRAINT sequence_start_node_fkey FOREIGN KEY (organization_id, id, start_node)
  REFERENCES sequence_node (organization_id, sequence_id, key) DEFERRABLE INITIALLY DEFERRED;

CREATE TABLE sequence_enrollment (
  organization_id uuid NOT NULL REFERENCES organization (id) ON DELETE CASCADE,
  id              uuid NOT NULL DEFAULT uuid7(),
  sequence_id     uuid NOT NULL,
  -- NULL once the lead is deleted (the enrollment is stopped and kept with its executions)
  lead_id         uuid,
  -- failed: a step could not be taken (a template missing a value); resuming takes it again
  status          text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'paused', 'completed', 'failed', 'stopped')),
  -- the node the enrollment takes next, when next_run_at comes
  current_node    text NOT NULL,
  next_run_at     timestamptz,
  -- steps taken so far: the next execution is step + 1
  step            integer NOT NULL DEFAULT 0 CHECK (step >= 0),
  enrolled_by     uuid,
  enrolled_at     timestamptz NOT NULL DEFAULT now(),
  last_run_at     timestamptz,
  completed_at    timestamptz,
  converted_at    timestamptz,
  stopped_at      timestamptz,
  -- REPLIED, OPTED_OUT, CONSENT_REVOKED, INTERNAL_DNC, EMAIL_UNSUBSCRIBED, DO_NOT_CONTACT, LEAD_DELETED, MANUAL, SEQUENCE_ARCHIVED
  stop_reason     text CHECK (length(stop_reason) <= 200),
  last_error      text CHECK (length(last_error) <= 2000),
  updated_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (organization_id, id),
  -- a lead walks a sequence once: enrolling it again (or a segment again) changes nothing
  UNIQUE (organization_id, sequence_id, lead_id),
  FOREIGN KEY (organization_id, sequence_id) REFERENCES sequence (organization_id, id) ON DELETE CASCADE,
  FOREIGN KEY (organization_id, sequence_id, current_node) REFERENCES sequence_node (organization_id, sequence_id, key),
  FOREIGN KEY (organization_id, lead_id) REFERENCES lead (organization_id, id) ON DELETE SET NULL (lead_id),
  CHECK (status <> 'active' OR next_run_at IS NOT NULL),
  CHECK (status NOT IN ('active', 'paused') OR lead_id IS NOT NULL),
  CHECK ((status = 'completed') = (completed_at IS NOT NULL)),
  CHECK (converted_at IS NULL OR status = 'completed'),
  CHECK ((status = 'stopped') = (stopped_at IS NOT NULL)),
  CHECK (status <> 'stopped' OR stop_reason IS NOT NULL),
  CHECK (status <> 'failed' OR last_error IS NOT NULL)
);
-- the engine's question: which active enrollments are due, oldest first
CREATE INDEX sequence_enrollment_due_idx ON sequence_enrollment (organization_id, next_run_at) WHERE status = 'active';
-- a reply, an opt-out or a deleted lead stops the lead's enrollments
CREATE INDEX sequence_enrollment_lead_idx ON sequence_enrollment (organization_id, lead_id);
SELECT porchlight_tenant_table('sequence_enrollment');
CREATE TRIGGER sequence_enrollment_updated_at BEFORE UPDATE ON sequence_enrollment FOR EACH ROW EXECUTE FUNCTION set_updated_at();

CREATE TABLE sequence_execution (
  organization_id uuid NOT NULL REFERENCES organization (id) ON DELETE CASCADE,
  id              uuid NOT NULL DEFAULT uuid7(),
  enrollment_id   uuid NOT NULL,
  sequence_id     uuid NOT NULL,
  node_key        text NOT NULL,
  node_type       text NOT NULL CHECK (node_type IN ('START', 'EMAIL', 'SMS', 'VOICE_CALL', 'WAIT', 'CONDITION', 'RESEARCH', 'END')),
  step            integer NOT NULL CHECK (step >= 1),
  -- scheduled: handed on and not settled yet (a message not yet through the gate, research not yet started)
  status          text NOT NULL CHECK (status IN ('succeeded', 'failed', 'skipped', 'scheduled')),
  branch          text,
  message_id      uuid,
  enrichment_run_id uuid,
  -- what the step decided: a WAIT's until, a CONDITION's value, a skip's reason
  detail          jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(detail) = 'object'),
  error           text CHECK (length(error) <= 2000),
  started_at      timestamptz NOT NULL DEFAULT now(),
  finished_at     timestamptz,
  PRIMARY KEY (organization_id, id),
  -- an enrollment's step runs once, whoever runs it
  UNIQUE (organization_id, enrollment_id, step),
  FOREIGN KEY (organization_id, enrollment_id) REFERENCES sequence_enrollment (organization_id, id) ON DELETE CASCADE,
  FOREIGN KEY (organization_id, sequence_id, node_key) REFERENCES sequence_node (organization_id, sequence_id, key),
  FOREIGN KEY (organization_id, message_id) REFERENCES message (organization_id, id),
  FOREIGN KEY (organization_id, enrichment_run_id) REFERENCES enrichment_run (organization_id, id) ON DELETE SET NULL (enrichment_run_id),
  CHECK ((status = 'scheduled') = (finished_at IS NULL)),
  CHECK (status <> 'failed' OR error IS NOT NULL),
  CHECK (branch IS NULL OR node_type = 'CONDITION'),
  CHECK (message_id IS NULL OR node_type IN ('EMAIL', 'SMS', 'VOICE_CALL')),
  CHECK (enrichment_run_id IS NULL OR node_type = 'RESEARCH')
);
-- per-node counts, and the node foreign key
CREATE INDEX sequence_execution_node_idx ON sequence_execution (organization_id, sequence_id, node_key, status);
-- RESEARCH steps whose run was never started (the process stopped in between)
CREATE INDEX sequence_execution_research_idx ON sequence_execution (organization_id, started_at)
  WHERE node_type = 'RESEARCH' AND status = 'scheduled';
SELECT porchlight_tenant_table('sequence_execution');

-- A stopped enrollment sends nothing more: its messages still waiting (deferred to the morning,
-- scheduled) are cancelled and their steps skipped, whichever way it was stopped.
CREATE FUNCTION sequence_enrollment_stopped() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  WITH cancelled AS (
    UPDATE message m SET status = 'cancelled', reason = 'ENROLLMENT_STOPPED:' || NEW.stop_reason
    WHERE m.organization_id = NEW.organization_id AND m.enrollment_id = NEW.id AND m.status = 'pending' AND m.direction = 'outbound'
    RETURNING m.id)
  UPDATE sequence_execution x SET status = 'skipped', finished_at = now(), error = 'ENROLLMENT_STOPPED:' || NEW.stop_reason
  FROM cancelled c
  WHERE x.organization_id = NEW.organization_id AND x.enrollment_id = NEW.id AND x.message_id = c.id AND x.status = 'scheduled';
  RETURN NULL;
END $$;
CREATE TRIGGER sequence_enrollment_stopped AFTER UPDATE OF status ON sequence_enrollment
  FOR EACH ROW WHEN (NEW.status = 'stopped' AND OLD.status <> 'stopped') EXECUTE FUNCTION sequence_enrollment_stopped();

-- A deleted lead (its row gone: the foreign key cleared lead_id) stops its enrollments.
CREATE FUNCTION sequence_enrollment_lead_gone() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.status IN ('active', 'paused') THEN
    NEW.status := 'stopped';
    NEW.stopped_at := now();
    NEW.stop_reason := 'LEAD_DELETED';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER sequence_enrollment_lead_gone BEFORE UPDATE OF lead_id ON sequence_enrollment
  FOR EACH ROW WHEN (NEW.lead_id IS NULL AND OLD.lead_id IS NOT NULL) EXECUTE FUNCTION sequence_enrollment_lead_gone();

-- A lead marked do-not-contact, or deleted softly, stops its enrollments at once (the engine
-- also checks at each step). Fires only on those transitions: bulk scoring and routing of
-- other statuses pay one WHEN test per row.
CREATE FUNCTION lead_stops_enrollments() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE sequence_enrollment SET status = 'stopped', stopped_at = now(),
    stop_reason = CASE WHEN NEW.deleted_at IS NOT NULL THEN 'LEAD_DELETED' ELSE 'DO_NOT_CONTACT' END
  WHERE organization_id = NEW.organization_id AND lead_id = NEW.id AND status IN ('active', 'paused');
  RETURN NULL;
END $$;
CREATE TRIGGER lead_stops_enrollments AFTER UPDATE OF status, deleted_at ON lead
  FOR EACH ROW WHEN ((NEW.status IN ('do_not_contact', 'dnc') AND OLD.status NOT IN ('do_not_contact', 'dnc'))
                     OR (NEW.deleted_at IS NOT NULL AND OLD.deleted_at IS NULL))
  EXECUTE FUNCTION lead_stops_enrollments();

-- Fish Mouth's sequence metrics, counted rather than kept: enrolled, where they stand, converted
-- and the conversion rate. security_invoker: the reader's row-level security applies.
CREATE VIEW sequence_metrics WITH (security_invoker = true) AS
  SELECT s.organization_id, s.id AS sequence_id,
         count(e.id)::int AS enrolled,
         (count(*) FILTER (WHERE e.status = 'active'))::int AS active,
         (count(*) FILTER (WHERE e.status = 'paused'))::int AS paused,
         (count(*) FILTER (WHERE e.status = 'completed'))::int AS completed,
         (count(*) FILTER (WHERE e.converted_at IS NOT NULL))::int AS converted,
         (count(*) FILTER (WHERE e.status = 'stopped'))::int AS stopped,
         (count(*) FILTER (WHERE e.status = 'failed'))::int AS failed,
         round(coalesce((count(*) FILTER (WHERE e.converted_at IS NOT NULL))::numeric / nullif(count(e.id), 0), 0), 4)::float8 AS conversion_rate
  FROM sequence s
  LEFT JOIN sequence_enrollment e ON e.organization_id = s.organization_id AND e.sequence_id = s.id
  GROUP BY s.organization_id, s.id;

-- Each node's executions by status (Fish Mouth's execution, success and failure counts) and the
-- enrollments waiting at it.
CREATE VIEW sequence_node_metrics WITH (security_invoker = true) AS
  SELECT n.organization_id, n.sequence_id, n.key AS node_key, n.type,
         coalesce(x.executions, 0) AS executions, coalesce(x.succeeded, 0) AS succeeded, coalesce(x.failed, 0) AS failed,
         coalesce(x.skipped, 0) AS skipped, coalesce(x.scheduled, 0) AS scheduled,
         (SELECT count(*)::int FROM sequence_enrollment e
          WHERE e.organization_id = n.organization_id AND e.sequence_id = n.sequence_id AND e.current_node = n.key
            AND e.status IN ('active', 'paused', 'failed')) AS waiting
  FROM sequence_node n
  LEFT JOIN (
    SELECT organization_id, sequence_id, node_key, count(*)::int AS executions,
           (count(*) FILTER (WHERE status = 'succeeded'))::int AS succeeded, (count(*) FILTER (WHERE status = 'failed'))::int AS failed,
           (count(*) FILTER (WHERE status = 'skipped'))::int AS skipped, (count(*) FILTER (WHERE status = 'scheduled'))::int AS scheduled
    FROM sequence_execution GROUP BY organization_id, sequence_id, node_key
  ) x ON x.organization_id = n.organization_id AND x.sequence_id = n.sequence_id AND x.node_key = n.key;
