-- Tenancy: organizations, users, API keys, and the row-level security every tenant table shares.
--
-- The application never works as the table owner: each tenant transaction does
-- `SET LOCAL ROLE porchlight_app` and sets `app.org_id` (plus the acting user and role), and the
-- policies below compare against those settings. The owner (the role that runs migrations) is
-- expected to be a superuser or to have BYPASSRLS; it is used only for migrations and for
-- operator commands that span organizations (org create/list).

DO $$
BEGIN
  CREATE ROLE porchlight_app NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
EXCEPTION
  -- The role is cluster-wide: another database on the same server may have created it already,
  -- possibly at the same moment (then the catalog's unique index answers instead).
  WHEN duplicate_object OR unique_violation THEN NULL;
END $$;

DO $$
BEGIN
  -- A non-superuser owner must be a member of the role to SET ROLE to it.
  GRANT porchlight_app TO CURRENT_USER;
EXCEPTION WHEN OTHERS THEN NULL;
END $$;

GRANT USAGE ON SCHEMA public TO porchlight_app;
-- The application role needs no temporary tables, which could shadow real ones by name.
DO $$
BEGIN
  EXECUTE format('REVOKE TEMPORARY ON DATABASE %I FROM PUBLIC', current_database());
EXCEPTION WHEN insufficient_privilege THEN NULL;
END $$;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO porchlight_app;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO porchlight_app;

-- The per-transaction settings, read in one place.
CREATE FUNCTION app_org_id() RETURNS uuid LANGUAGE sql STABLE
  AS $$ SELECT nullif(current_setting('app.org_id', true), '')::uuid $$;
CREATE FUNCTION app_user_id() RETURNS uuid LANGUAGE sql STABLE
  AS $$ SELECT nullif(current_setting('app.user_id', true), '')::uuid $$;
-- Unset means least privilege.
CREATE FUNCTION app_user_role() RETURNS text LANGUAGE sql STABLE
  AS $$ SELECT coalesce(nullif(current_setting('app.user_role', true), ''), 'agent') $$;
-- Which shell or engine made the change: api, cli, web, import, scoring, system ...
CREATE FUNCTION app_via() RETURNS text LANGUAGE sql STABLE
  AS $$ SELECT coalesce(nullif(current_setting('app.via', true), ''), 'system') $$;
-- Roles in order of power; nobody may grant or touch a role above their own.
CREATE FUNCTION role_rank(role text) RETURNS integer LANGUAGE sql IMMUTABLE
  AS $$ SELECT CASE role WHEN 'owner' THEN 3 WHEN 'admin' THEN 2 WHEN 'manager' THEN 1 WHEN 'agent' THEN 0 END $$;
CREATE FUNCTION app_is_admin() RETURNS boolean LANGUAGE sql STABLE
  AS $$ SELECT role_rank(app_user_role()) >= 2 $$;

-- The one rule of tenancy: enable and force RLS and allow only the current organization's rows.
CREATE FUNCTION porchlight_tenant_table(tbl regclass) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE format('ALTER TABLE %s ENABLE ROW LEVEL SECURITY', tbl);
  EXECUTE format('ALTER TABLE %s FORCE ROW LEVEL SECURITY', tbl);
  EXECUTE format(
    'CREATE POLICY tenant_isolation ON %s USING (organization_id = app_org_id()) '
    'WITH CHECK (organization_id = app_org_id())', tbl);
END $$;

CREATE FUNCTION set_updated_at() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.updated_at := now();
  RETURN NEW;
END $$;

CREATE TABLE organization (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  slug        text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9][a-z0-9-]{1,62}$'),
  name        text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 200),
  plan        text NOT NULL DEFAULT 'trial' CHECK (plan IN ('trial', 'professional', 'enterprise')),
  settings    jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(settings) = 'object'),
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now()
);
-- The tenant root: a tenant sees only its own row.
ALTER TABLE organization ENABLE ROW LEVEL SECURITY;
ALTER TABLE organization FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON organization USING (id = app_org_id()) WITH CHECK (id = app_org_id());
-- Tenants rename themselves (owners and admins); creating, deleting and the plan are the operator's.
REVOKE INSERT, UPDATE, DELETE ON organization FROM porchlight_app;
GRANT UPDATE (name, settings, updated_at) ON organization TO porchlight_app;
CREATE POLICY admin_writes ON organization AS RESTRICTIVE FOR UPDATE USING (app_is_admin()) WITH CHECK (app_is_admin());
CREATE TRIGGER organization_updated_at BEFORE UPDATE ON organization
  FOR EACH ROW EXECUTE FUNCTION set_updated_at();

CREATE TABLE app_user (
  organization_id uuid NOT NULL REFERENCES organization (id) ON DELETE CASCADE,
  id              uuid NOT NULL DEFAULT gen_random_uuid(),
  email           text NOT NULL CHECK (email = lower(btrim(email)) AND email ~ '^[^@\s]+@[^@\s]+\.[^@\s]+$'),
  full_name       text CHECK (length(full_name) <= 200),
  role            text NOT NULL CHECK (role IN ('owner', 'admin', 'manager', 'agent')),
  is_active       boolean NOT NULL DEFAULT true,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (organization_id, id),
  UNIQUE (organization_id, email)
);
SELECT porchlight_tenant_table('app_user');
-- Only owners and admins add, change or remove users ...
CREATE POLICY admin_inserts ON app_user AS RESTRICTIVE FOR INSERT WITH CHECK (app_is_admin());
CREATE POLICY admin_updates ON app_user AS RESTRICTIVE FOR UPDATE USING (app_is_admin()) WITH CHECK (app_is_admin());
CREATE POLICY admin_deletes ON app_user AS RESTRICTIVE FOR DELETE USING (app_is_admin());
-- ... and never give or touch a role above their own.
CREATE FUNCTION app_user_rank_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF (TG_OP <> 'DELETE' AND role_rank(NEW.role) > role_rank(app_user_role()))
     OR (TG_OP <> 'INSERT' AND role_rank(OLD.role) > role_rank(app_user_role())) THEN
    RAISE EXCEPTION 'a % may not give, change or remove the role %', app_user_role(),
      CASE WHEN TG_OP = 'DELETE' THEN OLD.role ELSE NEW.role END
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END $$;
CREATE TRIGGER app_user_rank_guard BEFORE INSERT OR UPDATE OR DELETE ON app_user
  FOR EACH ROW EXECUTE FUNCTION app_user_rank_guard();
CREATE TRIGGER app_user_updated_at BEFORE UPDATE ON app_user
  FOR EACH ROW EXECUTE FUNCTION set_updated_at();

CREATE TABLE api_key (
  organization_id uuid NOT NULL REFERENCES organization (id) ON DELETE CASCADE,
  id              uuid NOT NULL DEFAULT gen_random_uuid(),
  user_id         uuid NOT NULL,
  name            text NOT NULL DEFAULT 'default' CHECK (length(btrim(name)) BETWEEN 1 AND 100),
  -- The first characters of the key, shown so people can tell their keys apart.
  prefix          text NOT NULL,
  -- SHA-256 of the whole key; the key itself is shown once and never stored.
  key_hash        bytea NOT NULL CHECK (length(key_hash) = 32),
  created_at      timestamptz NOT NULL DEFAULT now(),
  last_used_at    timestamptz,
  revoked_at      timestamptz,
  PRIMARY KEY (organization_id, id),
  UNIQUE (organization_id, key_hash),
  FOREIGN KEY (organization_id, user_id) REFERENCES app_user (organization_id, id) ON DELETE CASCADE
);
CREATE INDEX api_key_key_hash_idx ON api_key (key_hash);
SELECT porchlight_tenant_table('api_key');
-- Authentication happens before the organization is known: a transaction with no organization
-- that presents a key's hash may read that one row, and nothing else.
CREATE POLICY api_key_lookup ON api_key FOR SELECT
  USING (app_org_id() IS NULL AND key_hash = decode(nullif(current_setting('app.api_key_hash', true), ''), 'hex'));
-- Inside an organization, users see and manage their own keys; owners and admins everyone's
-- (below their own rank: an admin cannot mint or revoke an owner's key and so act as the owner).
CREATE FUNCTION api_key_holder_rank(org uuid, holder uuid) RETURNS integer LANGUAGE sql STABLE
  SET search_path = pg_catalog, public, pg_temp
  AS $$ SELECT role_rank(role) FROM app_user WHERE organization_id = org AND id = holder $$;
CREATE POLICY own_or_admin ON api_key AS RESTRICTIVE
  USING (app_org_id() IS NULL OR user_id = app_user_id()
         OR (app_is_admin() AND api_key_holder_rank(organization_id, user_id) <= role_rank(app_user_role())))
  WITH CHECK (user_id = app_user_id()
         OR (app_is_admin() AND api_key_holder_rank(organization_id, user_id) <= role_rank(app_user_role())));
-- A key is named, used and revoked; a revoked key stays revoked.
REVOKE UPDATE ON api_key FROM porchlight_app;
GRANT UPDATE (name, last_used_at, revoked_at) ON api_key TO porchlight_app;
CREATE FUNCTION api_key_stays_revoked() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF OLD.revoked_at IS NOT NULL AND NEW.revoked_at IS DISTINCT FROM OLD.revoked_at THEN
    RAISE EXCEPTION 'API key % is revoked for good', OLD.prefix USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER api_key_stays_revoked BEFORE UPDATE ON api_key FOR EACH ROW EXECUTE FUNCTION api_key_stays_revoked();
