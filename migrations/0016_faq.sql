-- The FAQ auto-responder (AI Nudge's faq and faq_auto_responder_enabled) and the inbox: what an
-- inbound text meant, whether a person still has to answer it, and the questions a user has
-- answered once so that the same question is answered again without them.

-- What an inbound message was taken to be, whether a person must answer it, and why a person
-- should read it at all (an unclear opt-out is honoured and still shown to someone). Calls keep
-- how long they lasted from the provider's status callback.
ALTER TABLE message
  ADD COLUMN intent text CHECK (intent IN ('opt_out', 'opt_in', 'help', 'reply')),
  ADD COLUMN needs_reply boolean NOT NULL DEFAULT false,
  ADD COLUMN review text CHECK (length(review) <= 500),
  ADD COLUMN call_duration_seconds integer CHECK (call_duration_seconds >= 0),
  ADD CONSTRAINT message_inbound_only_check CHECK (direction = 'inbound' OR (intent IS NULL AND NOT needs_reply AND review IS NULL));
-- the inbox: inbound messages a person still has to answer or read, newest first
CREATE INDEX message_inbox_idx ON message (organization_id, created_at DESC) WHERE needs_reply OR review IS NOT NULL;

-- A user's questions and answers. The question's vector is stored with the space it was made in
-- (adapter, model, dimension): vectors of two spaces cannot be compared, so an entry from another
-- space is embedded again before it is matched.
CREATE TABLE faq_entry (
  organization_id uuid NOT NULL REFERENCES organization (id) ON DELETE CASCADE,
  id              uuid NOT NULL DEFAULT uuid7(),
  user_id         uuid NOT NULL,
  question        text NOT NULL CHECK (length(btrim(question)) BETWEEN 1 AND 1000),
  -- an answer goes out as one text: Twilio takes at most 1,600 characters
  answer          text NOT NULL CHECK (length(btrim(answer)) BETWEEN 1 AND 1600),
  embedding       real[] NOT NULL CHECK (cardinality(embedding) BETWEEN 1 AND 8192),
  embedding_model text NOT NULL CHECK (length(embedding_model) BETWEEN 1 AND 200),
  active          boolean NOT NULL DEFAULT true,
  use_count       integer NOT NULL DEFAULT 0 CHECK (use_count >= 0),
  last_used_at    timestamptz,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (organization_id, id),
  FOREIGN KEY (organization_id, user_id) REFERENCES app_user (organization_id, id) ON DELETE CASCADE
);
CREATE INDEX faq_entry_user_idx ON faq_entry (organization_id, user_id) WHERE active;
SELECT porchlight_tenant_table('faq_entry');
CREATE TRIGGER faq_entry_updated_at BEFORE UPDATE ON faq_entry FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- How each inbound question was matched: the best entry, its score and the runner-up's, and the
-- auto-reply when it was confident. Kept for the misses too: they show which questions to add
-- and whether the threshold is right.
CREATE TABLE faq_match (
  organization_id uuid NOT NULL REFERENCES organization (id) ON DELETE CASCADE,
  message_id      uuid NOT NULL,
  faq_entry_id    uuid,
  score           real,
  runner_up       real,
  confident       boolean NOT NULL,
  reply_id        uuid,
  embedding_model text,
  created_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (organization_id, message_id),
  FOREIGN KEY (organization_id, message_id) REFERENCES message (organization_id, id),
  FOREIGN KEY (organization_id, faq_entry_id) REFERENCES faq_entry (organization_id, id) ON DELETE SET NULL (faq_entry_id),
  FOREIGN KEY (organization_id, reply_id) REFERENCES message (organization_id, id),
  CHECK (NOT confident OR reply_id IS NOT NULL)
);
SELECT porchlight_tenant_table('faq_match');
