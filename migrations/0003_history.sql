-- History written by the database, whoever changes a row: status history (the funnel), field
-- audit, score history (filled by the scorers), and the audit log of sensitive records.
-- Triggers are statement-level over transition tables, so a bulk update writes its history in
-- one set-based insert instead of one per row.

CREATE TABLE lead_status_history (
  organization_id uuid NOT NULL REFERENCES organization (id) ON DELETE CASCADE,
  id              bigint GENERATED ALWAYS AS IDENTITY,
  lead_id         uuid NOT NULL,
  from_status     text,
  to_status       text NOT NULL,
  -- what made the change: api, cli, web, import, scoring, system ...
  trigger_type    text NOT NULL,
  changed_by      uuid,
  changed_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (organization_id, id),
  FOREIGN KEY (organization_id, lead_id) REFERENCES lead (organization_id, id) ON DELETE CASCADE
);
CREATE INDEX lead_status_history_lead_idx ON lead_status_history (organization_id, lead_id, changed_at);
CREATE INDEX lead_status_history_changed_idx ON lead_status_history (organization_id, changed_at);
SELECT porchlight_tenant_table('lead_status_history');

CREATE TABLE lead_field_audit (
  organization_id uuid NOT NULL REFERENCES organization (id) ON DELETE CASCADE,
  id              bigint GENERATED ALWAYS AS IDENTITY,
  lead_id         uuid NOT NULL,
  field           text NOT NULL,
  old_value       jsonb,
  new_value       jsonb,
  changed_by      uuid,
  via             text NOT NULL,
  changed_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (organization_id, id),
  FOREIGN KEY (organization_id, lead_id) REFERENCES lead (organization_id, id) ON DELETE CASCADE
);
CREATE INDEX lead_field_audit_lead_idx ON lead_field_audit (organization_id, lead_id, changed_at);
SELECT porchlight_tenant_table('lead_field_audit');

CREATE TABLE lead_score_history (
  organization_id uuid NOT NULL REFERENCES organization (id) ON DELETE CASCADE,
  id              bigint GENERATED ALWAYS AS IDENTITY,
  lead_id         uuid NOT NULL,
  scorer          text NOT NULL,
  version         integer NOT NULL CHECK (version >= 1),
  score           numeric(5,2) NOT NULL CHECK (score BETWEEN 0 AND 100),
  factors         jsonb NOT NULL DEFAULT '{}',
  calculated_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (organization_id, id),
  FOREIGN KEY (organization_id, lead_id) REFERENCES lead (organization_id, id) ON DELETE CASCADE
);
CREATE INDEX lead_score_history_lead_idx ON lead_score_history (organization_id, lead_id, scorer, calculated_at);
SELECT porchlight_tenant_table('lead_score_history');

CREATE TABLE audit_log (
  organization_id uuid NOT NULL REFERENCES organization (id) ON DELETE CASCADE,
  id              bigint GENERATED ALWAYS AS IDENTITY,
  actor_user_id   uuid,
  via             text NOT NULL,
  action          text NOT NULL CHECK (action IN ('create', 'update', 'delete', 'export', 'access')),
  entity          text NOT NULL,
  entity_id       uuid,
  -- never values: for an update, the names of the fields that changed; for an export, the filter and count
  details         jsonb NOT NULL DEFAULT '{}',
  created_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (organization_id, id)
);
CREATE INDEX audit_log_entity_idx ON audit_log (organization_id, entity, entity_id);
CREATE INDEX audit_log_created_idx ON audit_log (organization_id, created_at);
SELECT porchlight_tenant_table('audit_log');

-- History is append-only for the application, and written only by the database (the triggers
-- and audit_record below run as the owner): the application cannot forge it. Scorers write
-- their own score history.
REVOKE INSERT, UPDATE, DELETE ON lead_status_history, lead_field_audit, audit_log FROM porchlight_app;
REVOKE UPDATE, DELETE ON lead_score_history FROM porchlight_app;

-- Agents see the history of the leads they can see, and their own audit trail.
CREATE POLICY agent_scope ON lead_status_history AS RESTRICTIVE FOR SELECT
  USING (app_user_role() <> 'agent' OR EXISTS (SELECT 1 FROM lead l WHERE l.organization_id = lead_status_history.organization_id AND l.id = lead_status_history.lead_id));
CREATE POLICY agent_scope ON lead_field_audit AS RESTRICTIVE FOR SELECT
  USING (app_user_role() <> 'agent' OR EXISTS (SELECT 1 FROM lead l WHERE l.organization_id = lead_field_audit.organization_id AND l.id = lead_field_audit.lead_id));
CREATE POLICY agent_scope ON lead_score_history AS RESTRICTIVE FOR SELECT
  USING (app_user_role() <> 'agent' OR EXISTS (SELECT 1 FROM lead l WHERE l.organization_id = lead_score_history.organization_id AND l.id = lead_score_history.lead_id));
CREATE POLICY agent_scope ON audit_log AS RESTRICTIVE FOR SELECT
  USING (app_user_role() <> 'agent' OR actor_user_id = app_user_id());
-- Scores are written by the scoring engine (operator or manager and up), never by an agent.
CREATE POLICY scorers_write ON lead_score_history AS RESTRICTIVE FOR INSERT WITH CHECK (app_user_role() <> 'agent');

-- Fields whose change is bookkeeping, not a change of the record.
CREATE FUNCTION history_ignored_fields() RETURNS text[] LANGUAGE sql IMMUTABLE
  AS $$ SELECT ARRAY['updated_at', 'last_seen_at', 'first_seen_at', 'created_at', 'last_used_at'] $$;

CREATE FUNCTION lead_status_history_write() RETURNS trigger LANGUAGE plpgsql
  SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO lead_status_history (organization_id, lead_id, from_status, to_status, trigger_type, changed_by)
    SELECT n.organization_id, n.id, NULL, n.status, app_via(), app_user_id() FROM new_rows n;
  ELSE
    INSERT INTO lead_status_history (organization_id, lead_id, from_status, to_status, trigger_type, changed_by)
    SELECT n.organization_id, n.id, o.status, n.status, app_via(), app_user_id()
    FROM new_rows n JOIN old_rows o ON o.organization_id = n.organization_id AND o.id = n.id
    WHERE n.status IS DISTINCT FROM o.status;
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER lead_status_history_insert AFTER INSERT ON lead
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION lead_status_history_write();
CREATE TRIGGER lead_status_history_update AFTER UPDATE ON lead
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION lead_status_history_write();

CREATE FUNCTION lead_field_audit_write() RETURNS trigger LANGUAGE plpgsql
  SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
  INSERT INTO lead_field_audit (organization_id, lead_id, field, old_value, new_value, changed_by, via)
  SELECT n.organization_id, n.id, f.key, f.old_value, f.new_value, app_user_id(), app_via()
  FROM new_rows n
  JOIN old_rows o ON o.organization_id = n.organization_id AND o.id = n.id
  CROSS JOIN LATERAL (
    SELECT kv.key, to_jsonb(o) -> kv.key AS old_value, kv.value AS new_value
    FROM jsonb_each(to_jsonb(n)) kv
    WHERE kv.key <> ALL (history_ignored_fields())
      AND kv.value IS DISTINCT FROM to_jsonb(o) -> kv.key
  ) f;
  RETURN NULL;
END $$;
CREATE TRIGGER lead_field_audit_update AFTER UPDATE ON lead
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION lead_field_audit_write();

-- One audit row per created, changed or deleted record of a sensitive table (names of changed
-- fields only, never their values).
CREATE FUNCTION audit_log_write() RETURNS trigger LANGUAGE plpgsql
  SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO audit_log (organization_id, actor_user_id, via, action, entity, entity_id)
    SELECT n.organization_id, app_user_id(), app_via(), 'create', TG_TABLE_NAME, n.id FROM new_rows n;
  ELSIF TG_OP = 'DELETE' THEN
    INSERT INTO audit_log (organization_id, actor_user_id, via, action, entity, entity_id)
    SELECT o.organization_id, app_user_id(), app_via(), 'delete', TG_TABLE_NAME, o.id FROM old_rows o;
  ELSE
    INSERT INTO audit_log (organization_id, actor_user_id, via, action, entity, entity_id, details)
    SELECT n.organization_id, app_user_id(), app_via(),
           CASE WHEN (to_jsonb(n) -> 'deleted_at') IS DISTINCT FROM (to_jsonb(o) -> 'deleted_at')
                 AND to_jsonb(n) ->> 'deleted_at' IS NOT NULL THEN 'delete' ELSE 'update' END,
           TG_TABLE_NAME, n.id, jsonb_build_object('fields', c.fields)
    FROM new_rows n
    JOIN old_rows o ON o.organization_id = n.organization_id AND o.id = n.id
    CROSS JOIN LATERAL (
      SELECT jsonb_agg(kv.key ORDER BY kv.key) AS fields
      FROM jsonb_each(to_jsonb(n)) kv
      WHERE kv.key <> ALL (history_ignored_fields()) AND kv.value IS DISTINCT FROM to_jsonb(o) -> kv.key
    ) c
    WHERE c.fields IS NOT NULL;
  END IF;
  RETURN NULL;
END $$;

-- What the application records itself: a person looked at contact values, or exported data.
-- Always for the current organization, user and shell.
CREATE FUNCTION audit_record(action text, entity text, entity_id uuid, details jsonb) RETURNS void LANGUAGE plpgsql
  SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
  IF action NOT IN ('access', 'export') THEN
    RAISE EXCEPTION 'audit_record takes access or export, not %', action USING ERRCODE = 'check_violation';
  END IF;
  IF app_org_id() IS NULL THEN
    RAISE EXCEPTION 'audit_record needs an organization' USING ERRCODE = 'insufficient_privilege';
  END IF;
  INSERT INTO audit_log (organization_id, actor_user_id, via, action, entity, entity_id, details)
  VALUES (app_org_id(), app_user_id(), app_via(), action, entity, entity_id, coalesce(details, '{}'));
END $$;

-- Attach the audit triggers to a sensitive table.
CREATE FUNCTION porchlight_audited_table(tbl regclass) RETURNS void LANGUAGE plpgsql AS $$
DECLARE name text := (SELECT relname FROM pg_class WHERE oid = tbl);
BEGIN
  EXECUTE format('CREATE TRIGGER %I AFTER INSERT ON %s REFERENCING NEW TABLE AS new_rows '
                 'FOR EACH STATEMENT EXECUTE FUNCTION audit_log_write()', name || '_audit_insert', tbl);
  EXECUTE format('CREATE TRIGGER %I AFTER UPDATE ON %s REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows '
                 'FOR EACH STATEMENT EXECUTE FUNCTION audit_log_write()', name || '_audit_update', tbl);
  EXECUTE format('CREATE TRIGGER %I AFTER DELETE ON %s REFERENCING OLD TABLE AS old_rows '
                 'FOR EACH STATEMENT EXECUTE FUNCTION audit_log_write()', name || '_audit_delete', tbl);
END $$;

SELECT porchlight_audited_table('app_user');
SELECT porchlight_audited_table('api_key');
SELECT porchlight_audited_table('person');
SELECT porchlight_audited_table('contact_point');
SELECT porchlight_audited_table('lead');
