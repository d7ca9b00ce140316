-- AI nudges (AI Nudge's clients, globalmlsevent, marketevent, pipelinerun, campaignbriefing,
-- scheduledmessage, contentresource and negativepreference): raw MLS events fanned out to the
-- users whose market covers them, matched to each user's clients, drafted, and sent only once a
-- person approves, through the outbox and its gate.

-- Vectors are real[] on every engine. Where pgvector is installed (always on the embedded engine;
-- on a server that has it) the search indexes are HNSW expression indexes over a cast to
-- vector(dim), made by porchlight_vector_indexes(dim) once the dimension in use is known; where it
-- is not, the same rankings come from an exact scan with porchlight_dot (vectors are unit length,
-- so the dot product is the cosine).
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'vector') THEN
    CREATE EXTENSION IF NOT EXISTS vector;
  END IF;
END $$;

CREATE FUNCTION porchlight_dot(a real[], b real[]) RETURNS double precision
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT sum(x::float8 * y) FROM unnest(a, b) AS t(x, y) $$;

-- Each user's nudge settings (AI Nudge's user.market_focus and ai_style_guide): the ZIPs and
-- cities (lower-case) whose events are theirs, the voice of their drafts, and how wide their
-- audiences are. A user changes their own; managers and up anyone's.
CREATE TABLE nudge_settings (
  organization_id uuid NOT NULL REFERENCES organization (id) ON DELETE CASCADE,
  user_id         uuid NOT NULL,
  market_focus    text[] NOT NULL DEFAULT '{}' CHECK (cardinality(market_focus) <= 200),
  tone            text NOT NULL DEFAULT 'warm' CHECK (tone IN ('warm', 'professional', 'brief')),
  signoff         text CHECK (length(btrim(signoff)) BETWEEN 1 AND 100),
  -- the most clients one nudge goes to, the least note similarity that counts without a
  -- preference met, and how close to a dismissed opportunity an event may come
  audience_max    smallint NOT NULL DEFAULT 25 CHECK (audience_max BETWEEN 1 AND 500),
  min_similarity  real NOT NULL DEFAULT 0.2 CHECK (min_similarity BETWEEN 0 AND 1),
  negative_threshold real NOT NULL DEFAULT 0.8 CHECK (negative_threshold BETWEEN 0 AND 1),
  updated_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (organization_id, user_id),
  FOREIGN KEY (organization_id, user_id) REFERENCES app_user (organization_id, id) ON DELETE CASCADE
);
SELECT porchlight_tenant_table('nudge_settings');
SELECT porchlight_own_or_manager('nudge_settings');
CREATE TRIGGER nudge_settings_updated_at BEFORE UPDATE ON nudge_settings FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- A client: a person with a relationship to one user (a past buyer, a seller, a refinance). The
-- person holds the name and, as contact points, the phone and e-mail; the client holds what the
-- user knows: notes (and their vector), tags, what they are looking for. contact_hash is the
-- keyed hash of the e-mail, else the phone: an import run twice finds the same client.
CREATE TABLE client (
  organization_id uuid NOT NULL REFERENCES organization (id) ON DELETE CASCADE,
  id              uuid NOT NULL DEFAULT uuid7(),
  user_id         uuid NOT NULL,
  person_id       uuid NOT NULL,
  contact_hash    bytea NOT NULL CHECK (length(contact_hash) = 32),
  notes           text CHECK (length(notes) <= 20000),
  notes_embedding real[] CHECK (cardinality(notes_embedding) BETWEEN 1 AND 8192),
  embedding_space text CHECK (length(embedding_space) <= 200),
  user_tags       text[] NOT NULL DEFAULT '{}' CHECK (cardinality(user_tags) <= 50),
  ai_tags         text[] NOT NULL DEFAULT '{}' CHECK (cardinality(ai_tags) <= 50),
  -- preferences: each bound optional; areas are ZIPs or lower-case city names
  price_min_cents bigint CHECK (price_min_cents >= 0),
  price_max_cents bigint CHECK (price_max_cents >= 0),
  beds_min        smallint CHECK (beds_min BETWEEN 0 AND 50),
  baths_min       numeric(3,1) CHECK (baths_min BETWEEN 0 AND 50),
  areas           text[] NOT NULL DEFAULT '{}' CHECK (cardinality(areas) <= 50),
  property_types  text[] NOT NULL DEFAULT '{}' CHECK (property_types <@ ARRAY['single_family', 'condo', 'townhouse', 'multi_family', 'land', 'manufactured']),
  timeline        text CHECK (timeline IN ('now', '3_months', '6_months', '12_months', 'someday')),
  timezone        text CHECK (timezone ~ '^[A-Za-z_]+(/[A-Za-z0-9_+-]+)*$'),
  source          text NOT NULL DEFAULT 'manual' CHECK (length(btrim(source)) BETWEEN 1 AND 100),
  last_interaction_at timestamptz,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (organization_id, id),
  UNIQUE (organization_id, user_id, contact_hash),
  FOREIGN KEY (organization_id, user_id) REFERENCES app_user (organization_id, id) ON DELETE CASCADE,
  FOREIGN KEY (organization_id, person_id) REFERENCES person (organization_id, id) ON DELETE CASCADE,
  CHECK (price_min_cents IS NULL OR price_max_cents IS NULL OR price_min_cents <= price_max_cents),
  CHECK ((notes_embedding IS NULL) = (embedding_space IS NULL))
);
CREATE INDEX client_person_idx ON client (organization_id, person_id);
SELECT porchlight_tenant_table('client');
SELECT porchlight_own_or_manager('client');
CREATE TRIGGER client_updated_at BEFORE UPDATE ON client FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- Raw listing events in the RESO Data Dictionary's terms, once per (source, listing key, event
-- time, event type), shared by every organization (listing data is the market's, not a tenant's):
-- a reference table. The facts matching reads are columns; the record as it came is raw.
CREATE TABLE mls_event (
  id              uuid PRIMARY KEY DEFAULT uuid7(),
  source_id       text NOT NULL CHECK (length(btrim(source_id)) BETWEEN 1 AND 100),
  listing_key     text NOT NULL CHECK (length(btrim(listing_key)) BETWEEN 1 AND 200),
  event_type      text NOT NULL CHECK (event_type IN ('new_listing', 'price_change', 'back_on_market', 'pending', 'sold', 'expired')),
  event_at        timestamptz NOT NULL,
  standard_status text NOT NULL,
  list_price_cents bigint CHECK (list_price_cents >= 0),
  previous_price_cents bigint CHECK (previous_price_cents >= 0),
  close_price_cents bigint CHECK (close_price_cents >= 0),
  beds            smallint CHECK (beds BETWEEN 0 AND 200),
  baths           numeric(4,1) CHECK (baths BETWEEN 0 AND 200),
  living_area_sqft integer CHECK (living_area_sqft BETWEEN 0 AND 10000000),
  year_built      smallint CHECK (year_built BETWEEN 1600 AND 2200),
  property_type   text CHECK (property_type IN ('single_family', 'condo', 'townhouse', 'multi_family', 'land', 'manufactured', 'other')),
  address         text CHECK (length(address) <= 300),
  city            text CHECK (length(city) <= 100),
  state           text CHECK (state ~ '^[A-Z]{2}$'),
  zip             text CHECK (zip ~ '^[0-9]{5}$'),
  remarks         text CHECK (length(remarks) <= 20000),
  raw             jsonb NOT NULL CHECK (jsonb_typeof(raw) = 'object'),
  embedding       real[] CHECK (cardinality(embedding) BETWEEN 1 AND 8192),
  embedding_space text CHECK (length(embedding_space) <= 200),
  created_at      timestamptz NOT NULL DEFAULT now(),
  UNIQUE (source_id, listing_key, event_at, event_type),
  CHECK ((embedding IS NULL) = (embedding_space IS NULL))
);
CREATE INDEX mls_event_area_idx ON mls_event (zip, event_at);
CREATE INDEX mls_event_city_idx ON mls_event (lower(city), event_at);
CREATE INDEX mls_event_created_idx ON mls_event (created_at);
-- every organization reads and adds; nobody rewrites the market's record (the embedding aside)
REVOKE UPDATE, DELETE ON mls_event FROM porchlight_app;
GRANT UPDATE (embedding, embedding_space) ON mls_event TO porchlight_app;

-- An MLS event as one user's opportunity: the user's market covers it. Once per user and event.
CREATE TABLE market_event (
  organization_id uuid NOT NULL REFERENCES organization (id) ON DELETE CASCADE,
  id              uuid NOT NULL DEFAULT uuid7(),
  user_id         uuid NOT NULL,
  mls_event_id    uuid NOT NULL REFERENCES mls_event (id),
  event_type      text NOT NULL,
  market_area     text NOT NULL,
  status          text NOT NULL DEFAULT 'unprocessed' CHECK (status IN ('unprocessed', 'processed', 'error')),
  error           text CHECK (length(error) <= 2000),
  pipeline_run_id uuid,
  created_at      timestamptz NOT NULL DEFAULT now(),
  processed_at    timestamptz,
  PRIMARY KEY (organization_id, id),
  UNIQUE (organization_id, user_id, mls_event_id),
  FOREIGN KEY (organization_id, user_id) REFERENCES app_user (organization_id, id) ON DELETE CASCADE,
  CHECK ((status = 'unprocessed') = (processed_at IS NULL))
);
CREATE INDEX market_event_unprocessed_idx ON market_event (organization_id, id) WHERE status = 'unprocessed';
CREATE INDEX market_event_mls_idx ON market_event (organization_id, mls_event_id);
SELECT porchlight_tenant_table('market_event');

-- What each run of the pipeline did (AI Nudge's pipelinerun).
CREATE TABLE pipeline_run (
  organization_id uuid NOT NULL REFERENCES organization (id) ON DELETE CASCADE,
  id              uuid NOT NULL DEFAULT uuid7(),
  pipeline_type   text NOT NULL DEFAULT 'nudges' CHECK (pipeline_type IN ('nudges')),
  status          text NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'completed', 'failed')),
  started_at      timestamptz NOT NULL DEFAULT now(),
  completed_at    timestamptz,
  events_processed integer NOT NULL DEFAULT 0 CHECK (events_processed >= 0),
  market_events_created integer NOT NULL DEFAULT 0 CHECK (market_events_created >= 0),
  briefings_created integer NOT NULL DEFAULT 0 CHECK (briefings_created >= 0),
  clients_embedded integer NOT NULL DEFAULT 0 CHECK (clients_embedded >= 0),
  errors          integer NOT NULL DEFAULT 0 CHECK (errors >= 0),
  error_details   jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(error_details) = 'array'),
  duration_ms     integer CHECK (duration_ms >= 0),
  -- a run that stops beating (killed) is taken over by the next after two minutes
  heartbeat_at    timestamptz NOT NULL DEFAULT now(),
  user_count      integer NOT NULL DEFAULT 0 CHECK (user_count >= 0),
  started_by      uuid,
  PRIMARY KEY (organization_id, id),
  CHECK ((status = 'running') = (completed_at IS NULL))
);
CREATE INDEX pipeline_run_started_idx ON pipeline_run (organization_id, started_at DESC);
SELECT porchlight_tenant_table('pipeline_run');
-- one run at a time per organization: a second waits its turn instead of matching twice
CREATE UNIQUE INDEX pipeline_run_one_running ON pipeline_run (organization_id) WHERE status = 'running';

-- Articles, videos and documents a user attaches to nudges (AI Nudge's contentresource).
CREATE TABLE content_resource (
  organization_id uuid NOT NULL REFERENCES organization (id) ON DELETE CASCADE,
  id              uuid NOT NULL DEFAULT uuid7(),
  user_id         uuid NOT NULL,
  title           text NOT NULL CHECK (length(btrim(title)) BETWEEN 1 AND 300),
  url             text NOT NULL CHECK (url ~ '^https?://[^\s]+$' AND length(url) <= 2000),
  description     text CHECK (length(description) <= 5000),
  categories      text[] NOT NULL DEFAULT '{}' CHECK (cardinality(categories) <= 20),
  content_type    text NOT NULL DEFAULT 'article' CHECK (content_type IN ('article', 'video', 'document', 'other')),
  status          text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'archived')),
  usage_count     integer NOT NULL DEFAULT 0 CHECK (usage_count >= 0),
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (organization_id, id),
  UNIQUE (organization_id, user_id, url),
  FOREIGN KEY (organization_id, user_id) REFERENCES app_user (organization_id, id) ON DELETE CASCADE
);
SELECT porchlight_tenant_table('content_resource');
SELECT porchlight_own_or_manager('content_resource');
CREATE TRIGGER content_resource_updated_at BEFORE UPDATE ON content_resource FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- A drafted nudge (AI Nudge's campaignbriefing): one per market event that found an audience.
CREATE TABLE briefing (
  organization_id uuid NOT NULL REFERENCES organization (id) ON DELETE CASCADE,
  id              uuid NOT NULL DEFAULT uuid7(),
  user_id         uuid NOT NULL,
  market_event_id uuid NOT NULL,
  campaign_type   text NOT NULL,
  headline        text NOT NULL CHECK (length(btrim(headline)) BETWEEN 1 AND 300),
  -- why now, what changed, and the facts the draft may use
  key_intel       jsonb NOT NULL CHECK (jsonb_typeof(key_intel) = 'object'),
  original_draft  text NOT NULL CHECK (length(btrim(original_draft)) BETWEEN 1 AND 1600),
  edited_draft    text CHECK (length(btrim(edited_draft)) BETWEEN 1 AND 1600),
  -- which adapter, model and prompt produced the draft
  draft_adapter   text NOT NULL,
  draft_model     text NOT NULL,
  prompt_version  text NOT NULL,
  -- facts a remote model stated that the event and client records do not hold
  draft_warnings  text[] NOT NULL DEFAULT '{}',
  status          text NOT NULL DEFAULT 'DRAFT' CHECK (status IN ('DRAFT', 'ACTIVE', 'PAUSED', 'COMPLETED', 'CANCELLED', 'DISMISSED')),
  channel         text CHECK (channel IN ('sms', 'email')),
  approved_by     uuid,
  approved_at     timestamptz,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (organization_id, id),
  UNIQUE (organization_id, market_event_id),
  FOREIGN KEY (organization_id, user_id) REFERENCES app_user (organization_id, id) ON DELETE CASCADE,
  FOREIGN KEY (organization_id, market_event_id) REFERENCES market_event (organization_id, id),
  CHECK (status IN ('DRAFT', 'DISMISSED') OR (status = 'CANCELLED' AND approved_at IS NULL) OR approved_at IS NOT NULL)
);
CREATE INDEX briefing_inbox_idx ON briefing (organization_id, user_id, status, created_at DESC);
SELECT porchlight_tenant_table('briefing');
SELECT porchlight_own_or_manager('briefing');
CREATE TRIGGER briefing_updated_at BEFORE UPDATE ON briefing FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- Who a briefing goes to, and why: the filters met and the similarity, ranked.
CREATE TABLE briefing_recipient (
  organization_id uuid NOT NULL REFERENCES organization (id) ON DELETE CASCADE,
  briefing_id     uuid NOT NULL,
  client_id       uuid NOT NULL,
  rank            smallint NOT NULL CHECK (rank >= 1),
  similarity      real NOT NULL,
  filters_met     text[] NOT NULL DEFAULT '{}',
  shared_terms    text[] NOT NULL DEFAULT '{}',
  removed_at      timestamptz,
  message_id      uuid,
  PRIMARY KEY (organization_id, briefing_id, client_id),
  FOREIGN KEY (organization_id, briefing_id) REFERENCES briefing (organization_id, id) ON DELETE CASCADE,
  FOREIGN KEY (organization_id, client_id) REFERENCES client (organization_id, id) ON DELETE CASCADE,
  FOREIGN KEY (organization_id, message_id) REFERENCES message (organization_id, id)
);
CREATE INDEX briefing_recipient_client_idx ON briefing_recipient (organization_id, client_id);
SELECT porchlight_tenant_table('briefing_recipient');

CREATE TABLE briefing_resource (
  organization_id uuid NOT NULL REFERENCES organization (id) ON DELETE CASCADE,
  briefing_id     uuid NOT NULL,
  resource_id     uuid NOT NULL,
  PRIMARY KEY (organization_id, briefing_id, resource_id),
  FOREIGN KEY (organization_id, briefing_id) REFERENCES briefing (organization_id, id) ON DELETE CASCADE,
  FOREIGN KEY (organization_id, resource_id) REFERENCES content_resource (organization_id, id) ON DELETE CASCADE
);
SELECT porchlight_tenant_table('briefing_resource');

-- What a dismissal taught: similar opportunities stop appearing for that client.
CREATE TABLE negative_preference (
  organization_id uuid NOT NULL REFERENCES organization (id) ON DELETE CASCADE,
  id              uuid NOT NULL DEFAULT uuid7(),
  client_id       uuid NOT NULL,
  source_briefing_id uuid NOT NULL,
  dismissed_embedding real[] NOT NULL CHECK (cardinality(dismissed_embedding) BETWEEN 1 AND 8192),
  embedding_space text NOT NULL,
  reason          text CHECK (length(reason) <= 500),
  created_by      uuid,
  created_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (organization_id, id),
  UNIQUE (organization_id, client_id, source_briefing_id),
  FOREIGN KEY (organization_id, client_id) REFERENCES client (organization_id, id) ON DELETE CASCADE,
  FOREIGN KEY (organization_id, source_briefing_id) REFERENCES briefing (organization_id, id) ON DELETE CASCADE
);
SELECT porchlight_tenant_table('negative_preference');

-- Every status a briefing passes through, written by the database.
CREATE TABLE briefing_status_history (
  organization_id uuid NOT NULL REFERENCES organization (id) ON DELETE CASCADE,
  id              uuid NOT NULL DEFAULT uuid7(),
  briefing_id     uuid NOT NULL,
  from_status     text,
  to_status       text NOT NULL,
  changed_by      uuid,
  changed_at      timestamptz NOT NULL DEFAULT clock_timestamp(),
  PRIMARY KEY (organization_id, id),
  FOREIGN KEY (organization_id, briefing_id) REFERENCES briefing (organization_id, id) ON DELETE CASCADE
);
CREATE INDEX briefing_status_history_idx ON briefing_status_history (organization_id, briefing_id, changed_at);
SELECT porchlight_tenant_table('briefing_status_history');
REVOKE INSERT, UPDATE, DELETE ON briefing_status_history FROM porchlight_app;

-- The moves a briefing may make; anything else is refused, whoever asks.
CREATE FUNCTION briefing_status_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.status IS DISTINCT FROM OLD.status AND NOT (
       (OLD.status = 'DRAFT' AND NEW.status IN ('ACTIVE', 'DISMISSED', 'CANCELLED'))
    OR (OLD.status = 'ACTIVE' AND NEW.status IN ('PAUSED', 'COMPLETED', 'CANCELLED'))
    OR (OLD.status = 'PAUSED' AND NEW.status IN ('ACTIVE', 'CANCELLED'))) THEN
    RAISE EXCEPTION 'a briefing cannot move from % to %', OLD.status, NEW.status USING ERRCODE = 'check_violation', CONSTRAINT = 'briefing_status_move';
  END IF;
  IF OLD.status <> 'DRAFT' AND (NEW.edited_draft IS DISTINCT FROM OLD.edited_draft OR NEW.original_draft IS DISTINCT FROM OLD.original_draft) THEN
    RAISE EXCEPTION 'a briefing''s draft is edited only before it is approved' USING ERRCODE = 'check_violation', CONSTRAINT = 'briefing_draft_frozen';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER briefing_status_guard BEFORE UPDATE ON briefing FOR EACH ROW EXECUTE FUNCTION briefing_status_guard();

-- History, and what a move means for the messages: cancelled or dismissed, nothing pending goes;
-- approved, the attached resources count one more use.
CREATE FUNCTION briefing_status_follow() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
BEGIN
  INSERT INTO briefing_status_history (organization_id, briefing_id, from_status, to_status, changed_by)
  SELECT n.organization_id, n.id, o.status, n.status, app_user_id()
  FROM new_rows n LEFT JOIN old_rows o ON o.organization_id = n.organization_id AND o.id = n.id
  WHERE o.status IS DISTINCT FROM n.status;
  -- statement triggers fire for no rows too: each step only when a row made its move, so this
  -- trigger and message's briefing_complete never set each other off without end
  IF EXISTS (SELECT 1 FROM new_rows n JOIN old_rows o ON o.organization_id = n.organization_id AND o.id = n.id
             WHERE n.status IN ('CANCELLED', 'DISMISSED') AND o.status <> n.status) THEN
    UPDATE message m SET status = 'cancelled', reason = 'BRIEFING_' || n.status
    FROM new_rows n
    WHERE n.status IN ('CANCELLED', 'DISMISSED') AND m.organization_id = n.organization_id AND m.briefing_id = n.id AND m.status = 'pending';
  END IF;
  UPDATE content_resource r SET usage_count = r.usage_count + 1
  FROM briefing_resource br JOIN new_rows n ON n.organization_id = br.organization_id AND n.id = br.briefing_id
  JOIN old_rows o ON o.organization_id = n.organization_id AND o.id = n.id
  WHERE n.status = 'ACTIVE' AND o.status = 'DRAFT'
    AND r.organization_id = br.organization_id AND r.id = br.resource_id;
  RETURN NULL;
END $$;
CREATE FUNCTION briefing_status_first() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
BEGIN
  INSERT INTO briefing_status_history (organization_id, briefing_id, from_status, to_status, changed_by)
  SELECT n.organization_id, n.id, NULL, n.status, app_user_id() FROM new_rows n;
  RETURN NULL;
END $$;
CREATE TRIGGER briefing_status_insert AFTER INSERT ON briefing REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION briefing_status_first();
CREATE TRIGGER briefing_status_update AFTER UPDATE ON briefing REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION briefing_status_follow();

-- A nudge's messages: scheduled at approval, one per recipient, sent only while the briefing is
-- active. The outbox claims none of a paused one; the database refuses to hand one over otherwise.
ALTER TABLE message ADD COLUMN briefing_id uuid,
  ADD CONSTRAINT message_briefing_fk FOREIGN KEY (organization_id, briefing_id) REFERENCES briefing (organization_id, id);
CREATE INDEX message_briefing_idx ON message (organization_id, briefing_id) WHERE briefing_id IS NOT NULL;

CREATE FUNCTION message_briefing_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM briefing b WHERE b.organization_id = NEW.organization_id AND b.id = NEW.briefing_id AND b.status = 'ACTIVE') THEN
    RAISE EXCEPTION 'message % belongs to a briefing that is not active', NEW.id USING ERRCODE = 'check_violation', CONSTRAINT = 'message_briefing_active';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER message_briefing_guard BEFORE UPDATE OF status ON message FOR EACH ROW
  WHEN (NEW.briefing_id IS NOT NULL AND NEW.status = 'sending' AND OLD.status = 'pending') EXECUTE FUNCTION message_briefing_guard();

-- An active briefing whose messages have all gone (or been refused) is complete.
CREATE FUNCTION briefing_complete() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM new_rows n WHERE n.briefing_id IS NOT NULL) THEN
    RETURN NULL;
  END IF;
  UPDATE briefing b SET status = 'COMPLETED'
  WHERE b.status = 'ACTIVE'
    AND (b.organization_id, b.id) IN (SELECT DISTINCT n.organization_id, n.briefing_id FROM new_rows n WHERE n.briefing_id IS NOT NULL)
    AND NOT EXISTS (SELECT 1 FROM message m WHERE m.organization_id = b.organization_id AND m.briefing_id = b.id AND m.status IN ('pending', 'sending'));
  RETURN NULL;
END $$;
CREATE TRIGGER briefing_complete AFTER UPDATE ON message REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION briefing_complete();

-- The HNSW index of client notes for one dimension, where pgvector is installed: partial on the
-- dimension, so vectors of another size are left to the exact scan. Returns whether it exists.
CREATE FUNCTION porchlight_vector_indexes(dim integer) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'vector') THEN
    RETURN false;
  END IF;
  EXECUTE format('CREATE INDEX IF NOT EXISTS client_notes_hnsw_%s ON client USING hnsw ((notes_embedding::vector(%s)) vector_cosine_ops) WHERE cardinality(notes_embedding) = %s', dim, dim, dim);
  RETURN true;
END $$;
