-- The compliance gate's records (COMPLIANCE.md §4, §0): consents as the law wants them kept, and
-- every decision the gate makes with the facts it used. The gate itself is code
-- (src/domain/compliance); these are what it reads and what it leaves behind.

-- Consent records (FTC TSR, kept 5 years): who agreed, to which seller, for which channels, of
-- which kind, when, how, and the disclosure as it was shown. Append-only: a record is never
-- changed or removed, except that its revocation is written once.
CREATE TABLE consent (
  organization_id uuid NOT NULL REFERENCES organization (id) ON DELETE CASCADE,
  id              uuid NOT NULL DEFAULT gen_random_uuid(),
  person_id       uuid,
  kind            text NOT NULL CHECK (kind IN ('phone', 'email')),
  -- the phone or email by the same keyed hash as contact_point.value_hash, and masked
  value_hash      bytea NOT NULL CHECK (length(value_hash) = 32),
  display         text NOT NULL,
  seller_name     text NOT NULL CHECK (length(btrim(seller_name)) BETWEEN 1 AND 200),
  scope           text[] NOT NULL CHECK (cardinality(scope) >= 1 AND scope <@ ARRAY['sms', 'voice', 'ai_voice', 'email']),
  type            text NOT NULL CHECK (type IN ('pec', 'pewc')),
  disclosure_text text CHECK (length(disclosure_text) <= 20000),
  disclosure_hash bytea,
  captured_at     timestamptz NOT NULL,
  method          text NOT NULL CHECK (method IN ('web_form', 'sms_keyword', 'voice_recording', 'key_press', 'email', 'paper')),
  evidence_uri    text,
  ip              text,
  user_agent      text,
  revoked_at      timestamptz,
  revoke_channel  text CHECK (revoke_channel IN ('sms', 'email', 'call', 'web')),
  revoke_text     text CHECK (length(revoke_text) <= 2000),
  created_by      uuid,
  created_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (organization_id, id),
  FOREIGN KEY (organization_id, person_id) REFERENCES person (organization_id, id) ON DELETE SET NULL (person_id),
  CHECK ((revoked_at IS NULL) = (revoke_channel IS NULL)),
  -- written consent for artificial voice or texts is a signed agreement: it names how it was given
  CHECK (type <> 'pewc' OR disclosure_text IS NOT NULL OR evidence_uri IS NOT NULL)
);
CREATE INDEX consent_value_idx ON consent (organization_id, kind, value_hash);
SELECT porchlight_tenant_table('consent');

CREATE FUNCTION consent_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  -- what a foreign key does (the organization deleted, the person's link cleared) is not an edit
  IF pg_trigger_depth() > 1 THEN
    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
  END IF;
  IF TG_OP = 'DELETE' THEN
    RAISE EXCEPTION 'a consent record is kept, never deleted' USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF OLD.revoked_at IS NOT NULL OR NEW.revoked_at IS NULL
     OR (NEW.organization_id, NEW.id, NEW.person_id, NEW.kind, NEW.value_hash, NEW.display, NEW.seller_name, NEW.scope, NEW.type, NEW.disclosure_text,
         NEW.disclosure_hash, NEW.captured_at, NEW.method, NEW.evidence_uri, NEW.ip, NEW.user_agent, NEW.created_by, NEW.created_at)
        IS DISTINCT FROM
        (OLD.organization_id, OLD.id, OLD.person_id, OLD.kind, OLD.value_hash, OLD.display, OLD.seller_name, OLD.scope, OLD.type, OLD.disclosure_text,
         OLD.disclosure_hash, OLD.captured_at, OLD.method, OLD.evidence_uri, OLD.ip, OLD.user_agent, OLD.created_by, OLD.created_at) THEN
    RAISE EXCEPTION 'a consent record is kept as given; only its revocation is written, once' USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER consent_append_only BEFORE UPDATE OR DELETE ON consent FOR EACH ROW EXECUTE FUNCTION consent_append_only();

-- Every decision of the gate, with the facts it used: allow, deny (reason) or defer (until).
CREATE TABLE compliance_decision (
  organization_id uuid NOT NULL REFERENCES organization (id) ON DELETE CASCADE,
  id              uuid NOT NULL DEFAULT gen_random_uuid(),
  lead_id         uuid,
  kind            text CHECK (kind IN ('phone', 'email')),
  value_hash      bytea CHECK (length(value_hash) = 32),
  display         text,
  channel         text NOT NULL CHECK (channel IN ('call', 'ai_call', 'sms', 'email')),
  purpose         text NOT NULL CHECK (purpose IN ('marketing', 'informational', 'opt_out_confirmation', 'help_reply')),
  decision        text NOT NULL CHECK (decision IN ('allow', 'deny', 'defer')),
  reason          text,
  reasons         text[] NOT NULL DEFAULT '{}',
  obligations     text[] NOT NULL DEFAULT '{}',
  defer_until     timestamptz,
  at              timestamptz NOT NULL,
  facts           jsonb NOT NULL,
  decided_by      uuid,
  via             text,
  decided_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (organization_id, id),
  CHECK ((decision = 'defer') = (defer_until IS NOT NULL)),
  CHECK ((decision = 'allow') = (reason IS NULL))
);
CREATE INDEX compliance_decision_time_idx ON compliance_decision (organization_id, decided_at DESC);
CREATE INDEX compliance_decision_lead_idx ON compliance_decision (organization_id, lead_id) WHERE lead_id IS NOT NULL;
SELECT porchlight_tenant_table('compliance_decision');
-- the record of what was decided cannot be rewritten by the application
REVOKE UPDATE, DELETE ON compliance_decision FROM porchlight_app;
