-- The organization's copy of the National Do Not Call Registry (COMPLIANCE.md §3.1). Each
-- organization pays for its own area codes under its own subscription (SAN), so the copy is a
-- tenant's, not a shared table: what one organization downloaded says nothing about another's
-- scrub. The gate reads it: a number on the copy is refused telemarketing without written
-- consent or a live business relationship, and an area code without a copy, or with one older
-- than 31 days, is no scrub at all (DNC_DATA_STALE).

-- Each file loaded: which area codes it covers (those in the file, or declared, so an area code
-- with no registered number still counts as scrubbed), the day the registry was downloaded
-- (as_of: the version the 31-day rule counts from) and what became of its lines. The TSR wants
-- the registry version used kept with the call records, so these rows are never changed or
-- removed by the application. The latest import of an area code is its copy.
CREATE TABLE dnc_registry_import (
  organization_id uuid NOT NULL REFERENCES organization (id) ON DELETE CASCADE,
  id              uuid NOT NULL DEFAULT gen_random_uuid(),
  area_codes      smallint[] NOT NULL CHECK (cardinality(area_codes) >= 1 AND 200 <= ALL (area_codes) AND 999 >= ALL (area_codes)),
  as_of           date NOT NULL,
  file_name       text CHECK (length(file_name) <= 500),
  rows_read       integer NOT NULL CHECK (rows_read >= 0),
  rows_loaded     integer NOT NULL CHECK (rows_loaded >= 0),
  rows_rejected   integer NOT NULL CHECK (rows_rejected >= 0),
  -- how the copy moved: numbers registered since the area code's previous copy, and dropped
  numbers_added   integer NOT NULL CHECK (numbers_added >= 0),
  numbers_removed integer NOT NULL CHECK (numbers_removed >= 0),
  imported_by     uuid,
  imported_at     timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (organization_id, id)
);
-- the gate looks for the latest import of each area code
CREATE INDEX dnc_registry_import_time_idx ON dnc_registry_import (organization_id, imported_at DESC);
SELECT porchlight_tenant_table('dnc_registry_import');
REVOKE UPDATE, DELETE ON dnc_registry_import FROM porchlight_app;
-- Loading the national copy is a manager's job (agents read it through the gate).
CREATE POLICY manager_inserts ON dnc_registry_import AS RESTRICTIVE FOR INSERT WITH CHECK (app_user_role() <> 'agent');

-- The registered numbers of the copy. Stored as the 10-digit number itself (bigint), not as the
-- keyed hash contact_point.value_hash uses: the registry is the FTC's list of numbers, none of
-- them tied to an owner here, and what the hash protects (our owners' contact values) is not at
-- stake. The number is 8 bytes against 32 (a state's copy runs to tens of millions of rows), needs
-- no HMAC per line at import, survives a change of PORCHLIGHT_SECRET_KEY, and its area code is
-- its first three digits: the numbers of area code 512 are the primary key's range
-- 5120000000..5129999999, so replacing an area code is a range scan and needs no column or index
-- of its own. import_id is the import that put the number on the copy (kept while later copies
-- repeat it). It has no foreign key: the same statement writes the import and its numbers, and a
-- key is checked per row inserted (the organization's took 3.5 s of 8.3 s for a million numbers
-- on the server; that one stays, as on every tenant table, and a refresh inserts only what is new).
CREATE TABLE dnc_registry_number (
  organization_id uuid NOT NULL REFERENCES organization (id) ON DELETE CASCADE,
  phone           bigint NOT NULL CHECK (phone BETWEEN 2002000000 AND 9999999999),
  import_id       uuid NOT NULL,
  PRIMARY KEY (organization_id, phone)
);
SELECT porchlight_tenant_table('dnc_registry_number');
CREATE POLICY manager_inserts ON dnc_registry_number AS RESTRICTIVE FOR INSERT WITH CHECK (app_user_role() <> 'agent');
CREATE POLICY manager_updates ON dnc_registry_number AS RESTRICTIVE FOR UPDATE USING (app_user_role() <> 'agent');
CREATE POLICY manager_deletes ON dnc_registry_number AS RESTRICTIVE FOR DELETE USING (app_user_role() <> 'agent');
