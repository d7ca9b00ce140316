-- Ingest and identity: imports of owner lists with their checkpoints and rejected rows, saved
-- column mappings, identity conflicts for review, hand merges, and the field audit of values an
-- import offered but did not apply (Equity Connect's upsert_lead and merge_contact_point).

-- Who an owner is on a parcel: the upper-case comparison form of the name ("JOHN SMITH", or the
-- company). The same name on the same parcel is the same person.
ALTER TABLE person ADD COLUMN name_key text CHECK (name_key <> '');
-- A lead merged by hand into another keeps a pointer to the survivor.
ALTER TABLE lead ADD COLUMN merged_into_id uuid;
ALTER TABLE lead ADD FOREIGN KEY (organization_id, merged_into_id) REFERENCES lead (organization_id, id);
ALTER TABLE lead ADD CHECK (merged_into_id IS NULL OR (deleted_at IS NOT NULL AND merged_into_id <> id));
-- Finding the owners of a parcel: the leads on a property.
CREATE INDEX lead_property_idx ON lead (organization_id, property_id) WHERE deleted_at IS NULL;

-- A value an import (or merge) offered for a field that already held another: the record keeps
-- its value and the offer is written here with applied = false, so nothing offered is lost.
ALTER TABLE lead_field_audit ADD COLUMN applied boolean NOT NULL DEFAULT true;

CREATE FUNCTION lead_field_audit_offer(lead_ids uuid[], fields text[], old_values jsonb[], new_values jsonb[]) RETURNS integer
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE n integer;
BEGIN
  IF app_org_id() IS NULL THEN
    RAISE EXCEPTION 'lead_field_audit_offer needs an organization' USING ERRCODE = 'insufficient_privilege';
  END IF;
  -- the foreign key (organization, lead) keeps every offer inside the current organization
  INSERT INTO lead_field_audit (organization_id, lead_id, field, old_value, new_value, changed_by, via, applied)
  SELECT app_org_id(), x.lead_id, x.field, x.old_value, x.new_value, app_user_id(), app_via(), false
  FROM unnest(lead_ids, fields, old_values, new_values) AS x(lead_id, field, old_value, new_value);
  GET DIAGNOSTICS n = ROW_COUNT;
  RETURN n;
END $$;

CREATE TABLE import_mapping (
  organization_id uuid NOT NULL REFERENCES organization (id) ON DELETE CASCADE,
  id              uuid NOT NULL DEFAULT gen_random_uuid(),
  name            text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 100),
  preset          text,
  -- { "csv header": "target field" }; '' keeps the column in raw data only
  columns         jsonb NOT NULL CHECK (jsonb_typeof(columns) = 'object'),
  created_by      uuid,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (organization_id, id),
  UNIQUE (organization_id, name)
);
SELECT porchlight_tenant_table('import_mapping');
CREATE TRIGGER import_mapping_updated_at BEFORE UPDATE ON import_mapping FOR EACH ROW EXECUTE FUNCTION set_updated_at();

CREATE TABLE import (
  organization_id       uuid NOT NULL REFERENCES organization (id) ON DELETE CASCADE,
  id                    uuid NOT NULL DEFAULT gen_random_uuid(),
  kind                  text NOT NULL DEFAULT 'leads' CHECK (kind IN ('leads')),
  source                text NOT NULL CHECK (length(btrim(source)) BETWEEN 1 AND 100),
  file_name             text NOT NULL,
  -- where the bytes are while the import runs (the user's file, or the upload's spool file)
  file_path             text,
  content_sha256        bytea NOT NULL CHECK (length(content_sha256) = 32),
  byte_size             bigint NOT NULL CHECK (byte_size >= 0),
  -- a forced re-import of content already imported; the first import of a content is unique
  forced                boolean NOT NULL DEFAULT false,
  status                text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'running', 'completed', 'failed')),
  preset                text,
  -- the file's header as read, in order, and where each column went ('' = raw data only)
  columns               text[] NOT NULL DEFAULT '{}',
  mapping               jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(mapping) = 'object'),
  encoding              text,
  delimiter             text,
  -- rows per checkpoint: a restarted import skips the batches already committed
  batch_size            integer NOT NULL CHECK (batch_size BETWEEN 1 AND 1000000),
  batches_done          integer NOT NULL DEFAULT 0 CHECK (batches_done >= 0),
  bytes_done            bigint NOT NULL DEFAULT 0 CHECK (bytes_done >= 0),
  rows_read             integer NOT NULL DEFAULT 0 CHECK (rows_read >= 0),
  rows_rejected         integer NOT NULL DEFAULT 0 CHECK (rows_rejected >= 0),
  leads_inserted        integer NOT NULL DEFAULT 0 CHECK (leads_inserted >= 0),
  leads_merged          integer NOT NULL DEFAULT 0 CHECK (leads_merged >= 0),
  properties_inserted   integer NOT NULL DEFAULT 0 CHECK (properties_inserted >= 0),
  persons_inserted      integer NOT NULL DEFAULT 0 CHECK (persons_inserted >= 0),
  contact_points_added  integer NOT NULL DEFAULT 0 CHECK (contact_points_added >= 0),
  contact_points_merged integer NOT NULL DEFAULT 0 CHECK (contact_points_merged >= 0),
  identity_conflicts    integer NOT NULL DEFAULT 0 CHECK (identity_conflicts >= 0),
  warnings              integer NOT NULL DEFAULT 0 CHECK (warnings >= 0),
  -- the header's warnings, and why a failed import stopped
  notes                 jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(notes) = 'array'),
  error                 text,
  created_by            uuid,
  created_at            timestamptz NOT NULL DEFAULT now(),
  started_at            timestamptz,
  finished_at           timestamptz,
  updated_at            timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (organization_id, id),
  CHECK (status <> 'completed' OR finished_at IS NOT NULL)
);
-- The same file imported twice into one organization is one import, unless forced.
CREATE UNIQUE INDEX import_content_key ON import (organization_id, kind, content_sha256) WHERE NOT forced;
CREATE INDEX import_created_idx ON import (organization_id, created_at DESC);
SELECT porchlight_tenant_table('import');
CREATE TRIGGER import_updated_at BEFORE UPDATE ON import FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- Rows an import rejected, and rows it took with a warning (a dropped phone), by line.
CREATE TABLE import_issue (
  organization_id uuid NOT NULL,
  import_id       uuid NOT NULL,
  line            integer NOT NULL CHECK (line >= 1),
  seq             smallint NOT NULL DEFAULT 0,
  severity        text NOT NULL CHECK (severity IN ('error', 'warning')),
  column_name     text,
  reason          text NOT NULL,
  -- the row as read, for fixing and re-importing (capped)
  raw             text CHECK (length(raw) <= 20000),
  PRIMARY KEY (organization_id, import_id, line, seq),
  FOREIGN KEY (organization_id, import_id) REFERENCES import (organization_id, id) ON DELETE CASCADE
);
SELECT porchlight_tenant_table('import_issue');

-- A row whose keys point at two different existing parcels: it landed on the first match (the
-- keys in the order addr_hash, apn, mak, vendor id) and waits here for a person to decide.
CREATE TABLE identity_conflict (
  organization_id uuid NOT NULL REFERENCES organization (id) ON DELETE CASCADE,
  id              uuid NOT NULL DEFAULT gen_random_uuid(),
  import_id       uuid,
  line            integer,
  -- the property the row landed on, and each key with the property it points at
  property_id     uuid NOT NULL,
  matches         jsonb NOT NULL CHECK (jsonb_typeof(matches) = 'object'),
  status          text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'resolved', 'dismissed')),
  resolved_by     uuid,
  resolved_at     timestamptz,
  created_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (organization_id, id),
  FOREIGN KEY (organization_id, import_id) REFERENCES import (organization_id, id) ON DELETE CASCADE,
  FOREIGN KEY (organization_id, property_id) REFERENCES property (organization_id, id) ON DELETE CASCADE,
  CHECK ((status = 'open') = (resolved_at IS NULL))
);
-- a restarted import records each conflict once
CREATE UNIQUE INDEX identity_conflict_line_key ON identity_conflict (organization_id, import_id, line) WHERE import_id IS NOT NULL;
CREATE INDEX identity_conflict_open_idx ON identity_conflict (organization_id, created_at) WHERE status = 'open';
SELECT porchlight_tenant_table('identity_conflict');

-- The change-history triggers, rewritten to turn each row into JSON once rather than once per
-- field: an import merging thousands of records spent most of its time here.
CREATE OR REPLACE FUNCTION lead_field_audit_write() RETURNS trigger LANGUAGE plpgsql
  SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
  INSERT INTO lead_field_audit (organization_id, lead_id, field, old_value, new_value, changed_by, via)
  SELECT j.organization_id, j.id, kv.key, j.oj -> kv.key, kv.value, app_user_id(), app_via()
  FROM (
    SELECT n.organization_id, n.id, to_jsonb(n) AS nj, to_jsonb(o) AS oj
    FROM new_rows n JOIN old_rows o ON o.organization_id = n.organization_id AND o.id = n.id
  ) j
  CROSS JOIN LATERAL jsonb_each(j.nj) kv
  WHERE kv.key <> ALL (history_ignored_fields()) AND kv.value IS DISTINCT FROM j.oj -> kv.key;
  RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION audit_log_write() RETURNS trigger LANGUAGE plpgsql
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
    SELECT j.organization_id, app_user_id(), app_via(),
           CASE WHEN (j.nj -> 'deleted_at') IS DISTINCT FROM (j.oj -> 'deleted_at')
                 AND j.nj ->> 'deleted_at' IS NOT NULL THEN 'delete' ELSE 'update' END,
           TG_TABLE_NAME, j.id, jsonb_build_object('fields', c.fields)
    FROM (
      SELECT n.organization_id, n.id, to_jsonb(n) AS nj, to_jsonb(o) AS oj
      FROM new_rows n JOIN old_rows o ON o.organization_id = n.organization_id AND o.id = n.id
    ) j
    CROSS JOIN LATERAL (
      SELECT jsonb_agg(kv.key ORDER BY kv.key) AS fields
      FROM jsonb_each(j.nj) kv
      WHERE kv.key <> ALL (history_ignored_fields()) AND kv.value IS DISTINCT FROM j.oj -> kv.key
    ) c
    WHERE c.fields IS NOT NULL;
  END IF;
  RETURN NULL;
END $$;
