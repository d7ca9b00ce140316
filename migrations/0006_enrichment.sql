-- Vendor pulls, area scans, the enrichment waterfall and the money they spend.
-- Seeds: Equity Connect (lead_source_events, source_bookmarks, dlq, the waterfall, daily caps,
-- quality thresholds), Convexa (skip_trace_results with typed phones and emails, api cost
-- entries), Epic 3 (budget transactions with the balance after), Fish Mouth (area_scans).
-- Money is integer cents. Every table is a tenant table.

-- A pull or a scan merges its records through the import path: its own import row carries the
-- counts, rejected records and identity conflicts, like a file's. It has no file content.
ALTER TABLE import DROP CONSTRAINT import_kind_check;
ALTER TABLE import ADD CONSTRAINT import_kind_check CHECK (kind IN ('leads', 'pull'));
ALTER TABLE import ALTER COLUMN content_sha256 DROP NOT NULL;
ALTER TABLE import ADD CONSTRAINT import_content_check CHECK (kind <> 'leads' OR content_sha256 IS NOT NULL);

-- A canonical query's signature: SHA-256 of its canonical JSON (sorted keys, normalized ZIPs).
CREATE TABLE pull_run (
  organization_id uuid NOT NULL REFERENCES organization (id) ON DELETE CASCADE,
  id              uuid NOT NULL DEFAULT uuid7(),
  import_id       uuid NOT NULL,
  source          text NOT NULL CHECK (source ~ '^[a-z0-9_.-]{1,50}$'),
  query           jsonb NOT NULL CHECK (jsonb_typeof(query) = 'object'),
  query_sig       bytea NOT NULL CHECK (length(query_sig) = 32),
  status          text NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'completed', 'failed')),
  -- why it stopped: it met a record an earlier pull of the query had seen, ran out, or hit --max-pages
  stop_reason     text CHECK (stop_reason IN ('known_record', 'end_of_results', 'max_pages')),
  page_size       integer NOT NULL CHECK (page_size BETWEEN 1 AND 1000),
  max_pages       integer CHECK (max_pages >= 1),
  pages_fetched   integer NOT NULL DEFAULT 0 CHECK (pages_fetched >= 0),
  records         integer NOT NULL DEFAULT 0 CHECK (records >= 0),
  new_records     integer NOT NULL DEFAULT 0 CHECK (new_records >= 0),
  known_records   integer NOT NULL DEFAULT 0 CHECK (known_records >= 0),
  total_available integer CHECK (total_available >= 0),
  cost_cents      bigint NOT NULL DEFAULT 0 CHECK (cost_cents >= 0),
  lease_owner     text,
  lease_until     timestamptz,
  error           text,
  created_by      uuid,
  created_at      timestamptz NOT NULL DEFAULT now(),
  finished_at     timestamptz,
  updated_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (organization_id, id),
  FOREIGN KEY (organization_id, import_id) REFERENCES import (organization_id, id),
  CHECK ((status = 'completed') = (stop_reason IS NOT NULL))
);
-- One unfinished pull per query: a second would page over the first (resume it instead).
CREATE UNIQUE INDEX pull_run_open_key ON pull_run (organization_id, source, query_sig) WHERE status <> 'completed';
CREATE INDEX pull_run_created_idx ON pull_run (organization_id, created_at DESC);
SELECT porchlight_tenant_table('pull_run');
CREATE TRIGGER pull_run_updated_at BEFORE UPDATE ON pull_run FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- Where a query's latest pull got to; moved in the same transaction as the page's records.
CREATE TABLE source_bookmark (
  organization_id     uuid NOT NULL REFERENCES organization (id) ON DELETE CASCADE,
  source              text NOT NULL,
  query_sig           bytea NOT NULL CHECK (length(query_sig) = 32),
  query               jsonb NOT NULL,
  pull_run_id         uuid NOT NULL,
  last_page_fetched   integer NOT NULL CHECK (last_page_fetched >= 0),
  last_seen_vendor_id text,
  updated_at          timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (organization_id, source, query_sig),
  FOREIGN KEY (organization_id, pull_run_id) REFERENCES pull_run (organization_id, id)
);
SELECT porchlight_tenant_table('source_bookmark');
CREATE TRIGGER source_bookmark_updated_at BEFORE UPDATE ON source_bookmark FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- Every page a pull took, with the vendor ids on it: the stop-when-known test reads these.
CREATE TABLE lead_source_event (
  organization_id uuid NOT NULL REFERENCES organization (id) ON DELETE CASCADE,
  id              bigint GENERATED ALWAYS AS IDENTITY,
  pull_run_id     uuid NOT NULL,
  source          text NOT NULL,
  query_sig       bytea NOT NULL CHECK (length(query_sig) = 32),
  page_number     integer NOT NULL CHECK (page_number >= 1),
  seen_vendor_ids text[] NOT NULL,
  first_id        text,
  last_id         text,
  records         integer NOT NULL CHECK (records >= 0),
  new_records     integer NOT NULL CHECK (new_records >= 0),
  cost_cents      bigint NOT NULL CHECK (cost_cents >= 0),
  created_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (organization_id, id),
  UNIQUE (organization_id, pull_run_id, page_number),
  FOREIGN KEY (organization_id, pull_run_id) REFERENCES pull_run (organization_id, id) ON DELETE CASCADE
);
CREATE INDEX lead_source_event_query_idx ON lead_source_event (organization_id, source, query_sig);
CREATE INDEX lead_source_event_vendor_ids_idx ON lead_source_event USING gin (seen_vendor_ids);
SELECT porchlight_tenant_table('lead_source_event');

-- Area scans (Fish Mouth): every property of an area, pulled as a job.
CREATE TABLE area_scan (
  organization_id      uuid NOT NULL REFERENCES organization (id) ON DELETE CASCADE,
  id                   uuid NOT NULL DEFAULT uuid7(),
  area_name            text NOT NULL CHECK (length(btrim(area_name)) BETWEEN 1 AND 200),
  scan_type            text NOT NULL DEFAULT 'city' CHECK (scan_type IN ('city', 'zip_code', 'custom_area')),
  status               text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'queued', 'in_progress', 'completed', 'failed')),
  total_properties     integer NOT NULL DEFAULT 0 CHECK (total_properties >= 0),
  processed_properties integer NOT NULL DEFAULT 0 CHECK (processed_properties >= 0),
  qualified_leads      integer NOT NULL DEFAULT 0 CHECK (qualified_leads >= 0),
  progress_percentage  numeric(5,2) NOT NULL DEFAULT 0 CHECK (progress_percentage BETWEEN 0 AND 100),
  scan_parameters      jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(scan_parameters) = 'object'),
  results_summary      jsonb,
  error_message        text,
  pull_run_id          uuid,
  created_by           uuid,
  created_at           timestamptz NOT NULL DEFAULT now(),
  started_at           timestamptz,
  completed_at         timestamptz,
  updated_at           timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (organization_id, id),
  FOREIGN KEY (organization_id, pull_run_id) REFERENCES pull_run (organization_id, id),
  CHECK (status NOT IN ('completed', 'failed') OR completed_at IS NOT NULL)
);
CREATE INDEX area_scan_status_idx ON area_scan (organization_id, status);
CREATE INDEX area_scan_created_idx ON area_scan (organization_id, created_at DESC);
SELECT porchlight_tenant_table('area_scan');
CREATE TRIGGER area_scan_updated_at BEFORE UPDATE ON area_scan FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- A scan's status moves forward only: pending → queued → in_progress → completed | failed
-- (a failed scan may be queued again; a status may be written again unchanged).
CREATE FUNCTION area_scan_status_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.status IS DISTINCT FROM OLD.status AND NOT (
       (OLD.status = 'pending' AND NEW.status IN ('queued', 'failed'))
    OR (OLD.status = 'queued' AND NEW.status IN ('in_progress', 'failed'))
    OR (OLD.status = 'in_progress' AND NEW.status IN ('completed', 'failed'))
    OR (OLD.status = 'failed' AND NEW.status = 'queued')) THEN
    RAISE EXCEPTION 'a scan cannot go from % to %', OLD.status, NEW.status USING ERRCODE = 'check_violation', COLUMN = 'status';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER area_scan_status BEFORE UPDATE ON area_scan FOR EACH ROW EXECUTE FUNCTION area_scan_status_guard();

-- An enrichment run: the waterfall over a selection of leads.
CREATE TABLE enrichment_run (
  organization_id uuid NOT NULL REFERENCES organization (id) ON DELETE CASCADE,
  id              uuid NOT NULL DEFAULT uuid7(),
  status          text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'running', 'waiting', 'completed', 'failed')),
  -- which leads: {segment | lead_id | status}, as asked
  selector        jsonb NOT NULL CHECK (jsonb_typeof(selector) = 'object'),
  -- the organization's waterfall settings as they were when the run began
  settings        jsonb NOT NULL CHECK (jsonb_typeof(settings) = 'object'),
  max_spend_cents bigint CHECK (max_spend_cents >= 0),
  -- buy again what a stage bought before (otherwise a stage never runs twice for a lead)
  refresh         boolean NOT NULL DEFAULT false,
  leads_selected  integer NOT NULL DEFAULT 0 CHECK (leads_selected >= 0),
  -- deferred work (over a daily cap) waits until then
  resume_at       timestamptz,
  -- the process working the run ('host:pid'), until when; another takes over once it lapses or dies
  lease_owner     text,
  lease_until     timestamptz,
  error           text,
  created_by      uuid,
  created_at      timestamptz NOT NULL DEFAULT now(),
  started_at      timestamptz,
  finished_at     timestamptz,
  updated_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (organization_id, id),
  CHECK (status <> 'completed' OR finished_at IS NOT NULL)
);
CREATE INDEX enrichment_run_created_idx ON enrichment_run (organization_id, created_at DESC);
SELECT porchlight_tenant_table('enrichment_run');
CREATE TRIGGER enrichment_run_updated_at BEFORE UPDATE ON enrichment_run FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- One lead in one stage of one run. The (run, stage, lead) key makes a stage take a lead once.
CREATE TABLE enrichment_task (
  organization_id uuid NOT NULL,
  run_id          uuid NOT NULL,
  stage           text NOT NULL CHECK (stage IN ('append', 'skip_trace', 'verify', 'score')),
  lead_id         uuid NOT NULL,
  -- calling: a provider call is (or was, if the process died) under way
  status          text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'calling', 'done', 'skipped', 'deferred', 'failed')),
  reason          text CHECK (reason IN ('good_enough', 'not_worth_it', 'capped', 'over_budget', 'already_done',
                                         'no_owner', 'nothing_to_verify', 'no_match', 'provider_failed')),
  attempt         integer NOT NULL DEFAULT 0 CHECK (attempt >= 0),
  cost_cents      bigint NOT NULL DEFAULT 0 CHECK (cost_cents >= 0),
  phones_found    integer NOT NULL DEFAULT 0 CHECK (phones_found >= 0),
  emails_found    integer NOT NULL DEFAULT 0 CHECK (emails_found >= 0),
  -- the score stage: the lead's quality before and after the run
  quality_before  numeric(5,2),
  quality_after   numeric(5,2),
  not_before      timestamptz,
  updated_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (organization_id, run_id, stage, lead_id),
  FOREIGN KEY (organization_id, run_id) REFERENCES enrichment_run (organization_id, id) ON DELETE CASCADE,
  CHECK (CASE status
    WHEN 'skipped' THEN reason IN ('good_enough', 'not_worth_it', 'over_budget', 'already_done', 'no_owner', 'nothing_to_verify')
    WHEN 'deferred' THEN reason = 'capped' AND not_before IS NOT NULL
    WHEN 'failed' THEN reason = 'provider_failed'
    WHEN 'done' THEN reason IS NULL OR reason = 'no_match'
    ELSE reason IS NULL END)
);
-- what a stage already did for a lead, in any run
CREATE INDEX enrichment_task_done_idx ON enrichment_task (organization_id, lead_id, stage) WHERE status = 'done';
-- the work still to do, in lead order: a run takes its next chunk after the last lead it took
CREATE INDEX enrichment_task_open_idx ON enrichment_task (organization_id, run_id, stage, lead_id) WHERE status IN ('pending', 'calling', 'deferred');
SELECT porchlight_tenant_table('enrichment_task');

-- The cost ledger: one row per provider call (per lead or contact point a call served),
-- written before the call is made and settled after. The idempotency key is unique: a replayed
-- call finds its row and pays nothing. A call cut short by a crash stays 'pending' until the
-- next run settles it 'in_doubt' (counted as spent: the vendor may have billed it).
CREATE TABLE cost_ledger (
  organization_id uuid NOT NULL REFERENCES organization (id) ON DELETE CASCADE,
  id              uuid NOT NULL DEFAULT uuid7(),
  provider        text NOT NULL,
  port            text NOT NULL CHECK (port IN ('property_search', 'skip_trace', 'append', 'phone_verify', 'email_verify')),
  stage           text NOT NULL CHECK (stage IN ('pull', 'scan', 'append', 'skip_trace', 'verify')),
  lead_id         uuid,
  run_id          uuid,
  idempotency_key text NOT NULL CHECK (length(idempotency_key) BETWEEN 1 AND 300),
  units           integer NOT NULL DEFAULT 1 CHECK (units >= 0),
  cost_cents      bigint NOT NULL CHECK (cost_cents >= 0),
  status          text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'charged', 'void', 'in_doubt')),
  error           text,
  created_at      timestamptz NOT NULL DEFAULT now(),
  settled_at      timestamptz,
  PRIMARY KEY (organization_id, id),
  UNIQUE (organization_id, idempotency_key),
  CHECK ((status = 'pending') = (settled_at IS NULL))
);
CREATE INDEX cost_ledger_created_idx ON cost_ledger (organization_id, created_at);
CREATE INDEX cost_ledger_run_idx ON cost_ledger (organization_id, run_id, lead_id);
-- the calls under way: what a chunk settles, and what a dead process left
CREATE INDEX cost_ledger_pending_idx ON cost_ledger (organization_id, run_id) WHERE status = 'pending';
SELECT porchlight_tenant_table('cost_ledger');
-- the ledger is appended and settled, never removed
REVOKE DELETE ON cost_ledger FROM porchlight_app;

-- The budget (Epic 3's budget transactions): an organization with an account spends only what
-- it holds. The balance lives on the account row, whose lock orders concurrent spends; each
-- transaction records the balance after it. The CHECK refuses any spend below zero.
CREATE TABLE budget_account (
  organization_id uuid PRIMARY KEY REFERENCES organization (id) ON DELETE CASCADE,
  balance_cents   bigint NOT NULL DEFAULT 0 CONSTRAINT budget_exceeded CHECK (balance_cents >= 0),
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now()
);
SELECT porchlight_tenant_table('budget_account');
CREATE TRIGGER budget_account_updated_at BEFORE UPDATE ON budget_account FOR EACH ROW EXECUTE FUNCTION set_updated_at();

CREATE TABLE budget_transaction (
  organization_id     uuid NOT NULL,
  id                  uuid NOT NULL DEFAULT uuid7(),
  kind                text NOT NULL CHECK (kind IN ('topup', 'spend', 'refund', 'adjustment')),
  -- signed: top-ups and refunds add, spends take away
  amount_cents        bigint NOT NULL CHECK (CASE kind WHEN 'spend' THEN amount_cents < 0 WHEN 'adjustment' THEN amount_cents <> 0 ELSE amount_cents > 0 END),
  balance_after_cents bigint NOT NULL CONSTRAINT budget_exceeded CHECK (balance_after_cents >= 0),
  -- what the money was for (a run's reservation); unique per kind, so a retried spend debits once
  reference           text,
  note                text CHECK (length(note) <= 500),
  created_by          uuid,
  created_at          timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (organization_id, id),
  FOREIGN KEY (organization_id) REFERENCES budget_account (organization_id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX budget_transaction_reference_key ON budget_transaction (organization_id, kind, reference) WHERE reference IS NOT NULL;
CREATE INDEX budget_transaction_created_idx ON budget_transaction (organization_id, created_at);
SELECT porchlight_tenant_table('budget_transaction');
REVOKE UPDATE, DELETE ON budget_transaction FROM porchlight_app;

-- A transaction records the balance after it (read under the account's row lock, which orders
-- concurrent spends) and, once it is really inserted, moves the account to it: an insert that
-- ON CONFLICT skips (a retried spend, a top-up applied before) moves nothing.
CREATE FUNCTION budget_transaction_balance() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  SELECT balance_cents + NEW.amount_cents INTO NEW.balance_after_cents
  FROM budget_account WHERE organization_id = NEW.organization_id FOR UPDATE;
  IF NOT FOUND AND NEW.organization_id IS DISTINCT FROM app_org_id() THEN
    RAISE EXCEPTION 'not this organization''s budget' USING ERRCODE = 'insufficient_privilege';
  ELSIF NOT FOUND THEN
    RAISE EXCEPTION 'no budget account' USING ERRCODE = 'foreign_key_violation', COLUMN = 'organization_id';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER budget_transaction_balance BEFORE INSERT ON budget_transaction FOR EACH ROW EXECUTE FUNCTION budget_transaction_balance();
CREATE FUNCTION budget_transaction_apply() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE budget_account SET balance_cents = NEW.balance_after_cents WHERE organization_id = NEW.organization_id;
  RETURN NULL;
END $$;
CREATE TRIGGER budget_transaction_apply AFTER INSERT ON budget_transaction FOR EACH ROW EXECUTE FUNCTION budget_transaction_apply();

-- Daily caps per stage (Equity Connect: e.g. 1,000 skip-traces a day), by UTC day. The CHECK
-- holds the cap under concurrency; the row lock orders those who take from it.
CREATE TABLE stage_usage_daily (
  organization_id uuid NOT NULL REFERENCES organization (id) ON DELETE CASCADE,
  stage           text NOT NULL CHECK (stage IN ('pull', 'scan', 'append', 'skip_trace', 'verify')),
  day             date NOT NULL,
  used            integer NOT NULL DEFAULT 0 CHECK (used >= 0),
  cap             integer CHECK (cap >= 0),
  PRIMARY KEY (organization_id, stage, day),
  CONSTRAINT daily_cap_exceeded CHECK (cap IS NULL OR used <= cap)
);
SELECT porchlight_tenant_table('stage_usage_daily');

-- What a person look-up (append or skip-trace) asked and answered (Convexa skip_trace_results).
-- Contact values are kept as contact points keep them: sealed, hashed and masked.
CREATE TABLE skip_trace_result (
  organization_id uuid NOT NULL,
  id              uuid NOT NULL DEFAULT uuid7(),
  run_id          uuid,
  lead_id         uuid NOT NULL,
  person_id       uuid,
  stage           text NOT NULL CHECK (stage IN ('append', 'skip_trace')),
  provider        text NOT NULL,
  ledger_key      text NOT NULL,
  -- the request and the answer, with contact values masked
  request_data    jsonb NOT NULL,
  response_data   jsonb,
  matched         boolean NOT NULL,
  confidence      numeric(5,2) CHECK (confidence BETWEEN 0 AND 100),
  cost_cents      bigint NOT NULL CHECK (cost_cents >= 0),
  created_at      timestamptz NOT NULL DEFAULT now(),
  completed_at    timestamptz,
  PRIMARY KEY (organization_id, id),
  UNIQUE (organization_id, ledger_key),
  FOREIGN KEY (organization_id, lead_id) REFERENCES lead (organization_id, id) ON DELETE CASCADE
);
CREATE INDEX skip_trace_result_lead_idx ON skip_trace_result (organization_id, lead_id);
SELECT porchlight_tenant_table('skip_trace_result');

CREATE TABLE skip_trace_phone (
  organization_id uuid NOT NULL,
  id              uuid NOT NULL DEFAULT uuid7(),
  skip_trace_id   uuid NOT NULL,
  lead_id         uuid NOT NULL,
  value           text,
  value_enc       bytea,
  value_hash      bytea NOT NULL CHECK (length(value_hash) = 32),
  display         text NOT NULL,
  phone_type      text CHECK (phone_type IN ('mobile', 'landline', 'voip')),
  carrier         text,
  is_valid        boolean,
  is_mobile       boolean,
  is_dnc          boolean,
  confidence      numeric(5,2) CHECK (confidence BETWEEN 0 AND 100),
  PRIMARY KEY (organization_id, id),
  FOREIGN KEY (organization_id, skip_trace_id) REFERENCES skip_trace_result (organization_id, id) ON DELETE CASCADE,
  CHECK ((value IS NULL) <> (value_enc IS NULL))
);
CREATE INDEX skip_trace_phone_result_idx ON skip_trace_phone (organization_id, skip_trace_id);
SELECT porchlight_tenant_table('skip_trace_phone');

CREATE TABLE skip_trace_email (
  organization_id uuid NOT NULL,
  id              uuid NOT NULL DEFAULT uuid7(),
  skip_trace_id   uuid NOT NULL,
  lead_id         uuid NOT NULL,
  value           text,
  value_enc       bytea,
  value_hash      bytea NOT NULL CHECK (length(value_hash) = 32),
  display         text NOT NULL,
  email_type      text CHECK (email_type IN ('personal', 'work')),
  is_valid        boolean,
  confidence      numeric(5,2) CHECK (confidence BETWEEN 0 AND 100),
  PRIMARY KEY (organization_id, id),
  FOREIGN KEY (organization_id, skip_trace_id) REFERENCES skip_trace_result (organization_id, id) ON DELETE CASCADE,
  CHECK ((value IS NULL) <> (value_enc IS NULL))
);
CREATE INDEX skip_trace_email_result_idx ON skip_trace_email (organization_id, skip_trace_id);
SELECT porchlight_tenant_table('skip_trace_email');

-- What a verification found, per contact point and call; the contact point keeps the latest.
ALTER TABLE contact_point ADD COLUMN verified_at timestamptz;
ALTER TABLE contact_point ADD COLUMN verification text
  CHECK (verification IN ('valid', 'invalid', 'deliverable', 'undeliverable', 'risky', 'unknown'));
CREATE TABLE contact_verification (
  organization_id  uuid NOT NULL,
  id               uuid NOT NULL DEFAULT uuid7(),
  contact_point_id uuid NOT NULL,
  run_id           uuid,
  provider         text NOT NULL,
  ledger_key       text NOT NULL,
  result           text NOT NULL CHECK (result IN ('valid', 'invalid', 'deliverable', 'undeliverable', 'risky', 'unknown')),
  line_type        text,
  carrier          text,
  dnc              boolean,
  cost_cents       bigint NOT NULL CHECK (cost_cents >= 0),
  created_at       timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (organization_id, id),
  UNIQUE (organization_id, ledger_key),
  FOREIGN KEY (organization_id, contact_point_id) REFERENCES contact_point (organization_id, id) ON DELETE CASCADE
);
CREATE INDEX contact_verification_point_idx ON contact_verification (organization_id, contact_point_id);
SELECT porchlight_tenant_table('contact_verification');

-- The dead-letter queue (Equity Connect's dlq): a failed page, stage call or verification,
-- retried with exponential backoff and parked after too many attempts. One open entry per key.
CREATE TABLE dlq (
  organization_id uuid NOT NULL REFERENCES organization (id) ON DELETE CASCADE,
  id              uuid NOT NULL DEFAULT uuid7(),
  stage           text NOT NULL CHECK (stage IN ('pull', 'scan', 'append', 'skip_trace', 'verify')),
  -- what failed, e.g. 'append:<run>:<lead>'; a second failure of the same work updates the entry
  item_key        text NOT NULL,
  payload         jsonb NOT NULL CHECK (jsonb_typeof(payload) = 'object'),
  error           text NOT NULL,
  attempts        integer NOT NULL DEFAULT 1 CHECK (attempts >= 1),
  status          text NOT NULL DEFAULT 'waiting' CHECK (status IN ('waiting', 'parked', 'done')),
  retry_after     timestamptz,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (organization_id, id),
  CHECK ((status = 'waiting') = (retry_after IS NOT NULL))
);
CREATE UNIQUE INDEX dlq_open_key ON dlq (organization_id, item_key) WHERE status <> 'done';
CREATE INDEX dlq_stage_idx ON dlq (organization_id, stage);
CREATE INDEX dlq_retry_idx ON dlq (organization_id, retry_after) WHERE retry_after IS NOT NULL;
CREATE INDEX dlq_attempts_idx ON dlq (organization_id, attempts);
SELECT porchlight_tenant_table('dlq');
CREATE TRIGGER dlq_updated_at BEFORE UPDATE ON dlq FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- Equity Connect's compute_quality_score, set-based: verified email 40, verified mobile or VoIP
-- phone 30, MAK and APN 10, owner-occupied 10, demographics fit (62+, worth $100k+, equity) 10.
-- `prospective` is the same score counting a found phone or email not yet verified (and not
-- found bad) whose confidence reaches min_confidence: "contactable once verified?". One pass
-- over each owner's contact points (by the (organization, person, ...) key). The leads come in
-- as an array joined by its elements: `id = ANY (array)` as a filter compares every row with
-- every element, which the planner does not see coming.
CREATE FUNCTION lead_quality_factors(org uuid, lead_ids uuid[], min_confidence numeric DEFAULT 101)
  RETURNS TABLE (lead_id uuid, score integer, prospective integer, factors jsonb) LANGUAGE sql STABLE AS $$
  SELECT l.id, f.base + 40 * cp.email::int + 30 * cp.mobile::int,
         f.base + 40 * (cp.email OR cp.email_likely)::int + 30 * (cp.mobile OR cp.mobile_likely)::int,
         jsonb_build_object('verified_email', 40 * cp.email::int, 'verified_mobile', 30 * cp.mobile::int, 'mak_and_apn', f.keys,
                            'owner_occupied', f.occupied, 'demographics_fit', f.fit)
  FROM unnest(lead_ids) AS ids(id)
  JOIN lead l ON l.organization_id = org AND l.id = ids.id
  LEFT JOIN property p ON p.organization_id = l.organization_id AND p.id = l.property_id
  LEFT JOIN person pe ON pe.organization_id = l.organization_id AND pe.id = l.person_id
  CROSS JOIN LATERAL (SELECT
      coalesce(bool_or(c.kind = 'email' AND c.verified), false) AS email,
      coalesce(bool_or(c.kind = 'phone' AND c.verified AND c.type IN ('mobile', 'voip') AND NOT c.dnc), false) AS mobile,
      coalesce(bool_or(c.kind = 'email' AND c.verification IS NULL AND c.score >= min_confidence), false) AS email_likely,
      coalesce(bool_or(c.kind = 'phone' AND c.verification IS NULL AND c.score >= min_confidence AND c.type IN ('mobile', 'voip') AND NOT c.dnc), false) AS mobile_likely
    FROM contact_point c WHERE c.organization_id = l.organization_id AND c.person_id = l.person_id) cp
  CROSS JOIN LATERAL (SELECT
      CASE WHEN p.mak IS NOT NULL AND p.apn IS NOT NULL THEN 10 ELSE 0 END AS keys,
      CASE WHEN p.owner_occupied THEN 10 ELSE 0 END AS occupied,
      CASE WHEN pe.age >= 62 AND p.estimated_value_cents >= 10000000 AND p.equity_cents > 0 THEN 10 ELSE 0 END AS fit) f0
  CROSS JOIN LATERAL (SELECT f0.keys, f0.occupied, f0.fit, f0.keys + f0.occupied + f0.fit AS base) f
$$;

-- Scores have their own history (lead_score_history, with factors) and costs their ledger: the
-- field audit and the audit log leave these derived columns out.
CREATE OR REPLACE FUNCTION history_ignored_fields() RETURNS text[] LANGUAGE sql IMMUTABLE
  AS $$ SELECT ARRAY['updated_at', 'last_seen_at', 'first_seen_at', 'created_at', 'last_used_at',
                     'quality_score', 'enrichment_cost_cents', 'verified_at'] $$;

-- The audit log writes one row per statement for a batch (app.batch_id): a running import's
-- (0005), and now a running enrichment run's, whose record says who started it over which leads.
-- Per-record history (status, fields, scores) is unchanged.
CREATE OR REPLACE FUNCTION audit_log_write() RETURNS trigger LANGUAGE plpgsql
  SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
  cols text[];
  batch uuid := nullif(current_setting('app.batch_id', true), '')::uuid;
  batch_of jsonb;
BEGIN
  IF batch IS NOT NULL AND TG_OP <> 'DELETE' THEN
    SELECT CASE WHEN EXISTS (SELECT 1 FROM import i WHERE i.organization_id = app_org_id() AND i.status = 'running' AND i.id = batch)
                THEN jsonb_build_object('import_id', batch)
                WHEN EXISTS (SELECT 1 FROM enrichment_run r WHERE r.organization_id = app_org_id() AND r.status = 'running' AND r.id = batch)
                THEN jsonb_build_object('enrichment_run_id', batch) END
    INTO batch_of;
  END IF;
  IF batch_of IS NOT NULL AND TG_OP = 'INSERT' THEN
    INSERT INTO audit_log (organization_id, actor_user_id, via, action, entity, entity_id, details)
    SELECT n.organization_id, app_user_id(), app_via(), 'create', TG_TABLE_NAME, NULL, batch_of || jsonb_build_object('count', count(*))
    FROM new_rows n GROUP BY n.organization_id;
  ELSIF batch_of IS NOT NULL THEN
    INSERT INTO audit_log (organization_id, actor_user_id, via, action, entity, entity_id, details)
    SELECT n.organization_id, app_user_id(), app_via(), 'update', TG_TABLE_NAME, NULL, batch_of || jsonb_build_object('count', count(*))
    FROM new_rows n GROUP BY n.organization_id;
  ELSIF TG_OP = 'INSERT' THEN
    INSERT INTO audit_log (organization_id, actor_user_id, via, action, entity, entity_id)
    SELECT n.organization_id, app_user_id(), app_via(), 'create', TG_TABLE_NAME, n.id FROM new_rows n;
  ELSIF TG_OP = 'DELETE' THEN
    INSERT INTO audit_log (organization_id, actor_user_id, via, action, entity, entity_id)
    SELECT o.organization_id, app_user_id(), app_via(), 'delete', TG_TABLE_NAME, o.id FROM old_rows o;
  ELSE
    cols := history_columns(TG_RELID);
    -- a soft delete (deleted_at set) is recorded as a delete
    EXECUTE format($q$
      INSERT INTO audit_log (organization_id, actor_user_id, via, action, entity, entity_id, details)
      SELECT n.organization_id, app_user_id(), app_via(), %s, $1, n.id,
             jsonb_build_object('fields', to_jsonb(array_remove(ARRAY[%s], NULL)))
      FROM new_rows n JOIN old_rows o ON o.organization_id = n.organization_id AND o.id = n.id
      WHERE %s $q$,
      CASE WHEN 'deleted_at' = ANY (cols) THEN $c$CASE WHEN n.deleted_at IS NOT NULL AND n.deleted_at IS DISTINCT FROM o.deleted_at THEN 'delete' ELSE 'update' END$c$
           ELSE $c$'update'$c$ END,
      (SELECT string_agg(format('CASE WHEN n.%I IS DISTINCT FROM o.%I THEN %L END', c, c, c), ', ') FROM unnest(cols) c),
      history_changed_sql(cols))
    USING TG_TABLE_NAME;
  END IF;
  RETURN NULL;
END $$;

-- update_lead_status_from_score: at or above the contactable threshold (60) contactable, at or
-- above the enriched one (40) enriched, below do not contact. Only leads still in the data
-- pipeline move; a lead someone is working keeps its status.
CREATE FUNCTION quality_status(score numeric, current text, contactable numeric, enriched numeric) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE WHEN current NOT IN ('new', 'enriched', 'contactable', 'do_not_contact') THEN current
              WHEN score >= contactable THEN 'contactable' WHEN score >= enriched THEN 'enriched' ELSE 'do_not_contact' END
$$;
