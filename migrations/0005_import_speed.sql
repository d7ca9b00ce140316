-- The history triggers pair each updated row's old and new versions by joining the statement's
-- transition tables. As static PL/pgSQL the join was planned once per session, for the size of
-- the first statement (often one row), and kept: a nested loop, quadratic in the rows a later
-- statement changes; an import merging thousands of records spent seconds there. Run through
-- EXECUTE, each statement is planned for the rows it really has (a hash or merge join).
-- (Statement-level triggers: the few hundred microseconds of building the SQL are per statement.)

CREATE OR REPLACE FUNCTION lead_status_history_write() RETURNS trigger LANGUAGE plpgsql
  SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO lead_status_history (organization_id, lead_id, from_status, to_status, trigger_type, changed_by)
    SELECT n.organization_id, n.id, NULL, n.status, app_via(), app_user_id() FROM new_rows n;
  ELSE
    EXECUTE $q$
      INSERT INTO lead_status_history (organization_id, lead_id, from_status, to_status, trigger_type, changed_by)
      SELECT n.organization_id, n.id, o.status, n.status, app_via(), app_user_id()
      FROM new_rows n JOIN old_rows o ON o.organization_id = n.organization_id AND o.id = n.id
      WHERE n.status IS DISTINCT FROM o.status $q$;
  END IF;
  RETURN NULL;
END $$;

-- The columns whose change is a change of the record, in name order, and SQL over the
-- transition tables (n new, o old) that compares them column by column: far cheaper than
-- turning both versions of every row into JSON to find the few fields that changed (usually
-- none but last_seen_at, when an import meets a record again).
CREATE FUNCTION history_columns(tbl oid) RETURNS text[] LANGUAGE sql STABLE AS $$
  SELECT array_agg(attname::text ORDER BY attname::text) FROM pg_attribute
  WHERE attrelid = tbl AND attnum > 0 AND NOT attisdropped AND attname <> ALL (history_ignored_fields())
$$;
CREATE FUNCTION history_changed_sql(cols text[]) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT format('(%s) IS DISTINCT FROM (%s)',
    (SELECT string_agg(format('n.%I', c), ', ') FROM unnest(cols) c),
    (SELECT string_agg(format('o.%I', c), ', ') FROM unnest(cols) c))
$$;

CREATE OR REPLACE FUNCTION lead_field_audit_write() RETURNS trigger LANGUAGE plpgsql
  SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
  cols text[] := history_columns(TG_RELID);
BEGIN
  EXECUTE format($q$
    INSERT INTO lead_field_audit (organization_id, lead_id, field, old_value, new_value, changed_by, via)
    SELECT n.organization_id, n.id, f.field, f.old_value, f.new_value, app_user_id(), app_via()
    FROM new_rows n JOIN old_rows o ON o.organization_id = n.organization_id AND o.id = n.id
    CROSS JOIN LATERAL (VALUES %s) f(field, old_value, new_value)
    WHERE %s AND f.old_value IS DISTINCT FROM f.new_value $q$,
    (SELECT string_agg(format($v$(%L, coalesce(to_jsonb(o.%I), 'null'), coalesce(to_jsonb(n.%I), 'null'))$v$, c, c, c), ', ') FROM unnest(cols) c),
    history_changed_sql(cols));
  RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION audit_log_write() RETURNS trigger LANGUAGE plpgsql
  SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
  cols text[];
  batch_of uuid;
BEGIN
  IF TG_OP = 'INSERT' THEN
    -- An import's batch: one row per statement, with the count and the import, whose record
    -- says who ran it on which file. Thousands of rows per batch that said no more than that
    -- were a fifth of an import's time and most of its size. Only a running import of this
    -- organization qualifies: the setting alone cannot switch per-record auditing off.
    SELECT i.id INTO batch_of FROM import i
    WHERE i.organization_id = app_org_id() AND i.status = 'running'
      AND i.id = nullif(current_setting('app.import_id', true), '')::uuid;
  END IF;
  IF batch_of IS NOT NULL THEN
    INSERT INTO audit_log (organization_id, actor_user_id, via, action, entity, entity_id, details)
    SELECT n.organization_id, app_user_id(), app_via(), 'create', TG_TABLE_NAME, NULL,
           jsonb_build_object('count', count(*), 'import_id', batch_of)
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

-- Time-ordered ids (UUID version 7, RFC 9562) for the records that arrive in bulk: 48 bits of
-- Unix milliseconds, then random bits. Rows made together get neighbouring ids, so loading
-- appends to the end of the primary-key and foreign-key indexes instead of dirtying a random
-- page of each per row. The importer makes its ids the same way (src/db/uuid7.ts).
CREATE FUNCTION uuid7() RETURNS uuid LANGUAGE sql VOLATILE PARALLEL SAFE AS $$
  SELECT encode(
    set_bit(set_bit(
      overlay(uuid_send(gen_random_uuid())
              PLACING substring(int8send(floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint) FROM 3)
              FROM 1 FOR 6),
      52, 1), 53, 1),
    'hex')::uuid
$$;
ALTER TABLE property ALTER COLUMN id SET DEFAULT uuid7();
ALTER TABLE person ALTER COLUMN id SET DEFAULT uuid7();
ALTER TABLE lead ALTER COLUMN id SET DEFAULT uuid7();
ALTER TABLE contact_point ALTER COLUMN id SET DEFAULT uuid7();
ALTER TABLE identity_conflict ALTER COLUMN id SET DEFAULT uuid7();

-- Organization keys already guaranteed by a composite key to a parent of the same organization
-- (each of these rows must have that parent): the second check per row bought nothing.
ALTER TABLE contact_point DROP CONSTRAINT contact_point_organization_id_fkey;
ALTER TABLE lead_status_history DROP CONSTRAINT lead_status_history_organization_id_fkey;
ALTER TABLE lead_field_audit DROP CONSTRAINT lead_field_audit_organization_id_fkey;
ALTER TABLE lead_score_history DROP CONSTRAINT lead_score_history_organization_id_fkey;

-- The agent policies on owners and their phones and emails: the role test first, inline, so a
-- manager's or operator's statement never calls the look-up function (which cannot be inlined
-- and was called for every phone an import added, to check the row it returns).
ALTER POLICY agent_reads ON person USING (app_user_role() <> 'agent' OR lead_visible_for_person(organization_id, id));
ALTER POLICY agent_updates ON person USING (app_user_role() <> 'agent' OR lead_visible_for_person(organization_id, id));
ALTER POLICY agent_deletes ON person USING (app_user_role() <> 'agent' OR lead_visible_for_person(organization_id, id));
ALTER POLICY agent_reads ON contact_point USING (app_user_role() <> 'agent' OR lead_visible_for_person(organization_id, person_id));
ALTER POLICY agent_updates ON contact_point USING (app_user_role() <> 'agent' OR lead_visible_for_person(organization_id, person_id));
ALTER POLICY agent_deletes ON contact_point USING (app_user_role() <> 'agent' OR lead_visible_for_person(organization_id, person_id));

-- The unique (organization, property, person) key of live leads already serves look-ups by parcel.
DROP INDEX lead_property_idx;
