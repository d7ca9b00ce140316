-- The core records: property (a parcel), person (an owner or client), contact point (a phone or an
-- email of a person) and lead (an organization's pipeline record for a person and/or property).
-- Field lists come from the seeds: Fish Mouth (roof, property), Convexa (distress facts, scores,
-- temperature), Equity Connect (dedup keys, contact points, quality, first/last seen) and Epic 3
-- (tags, soft delete). Money is integer cents.

CREATE TABLE property (
  organization_id        uuid NOT NULL REFERENCES organization (id) ON DELETE CASCADE,
  id                     uuid NOT NULL DEFAULT gen_random_uuid(),
  -- address as given, then its parts as normalized
  address_line1          text,
  address_line2          text,
  city                   text,
  state                  text CHECK (state ~ '^[A-Z]{2}$'),
  zip                    text CHECK (zip ~ '^[0-9]{5}$'),
  zip4                   text CHECK (zip4 ~ '^[0-9]{4}$'),
  county                 text,
  normalized_line        text,
  addr_hash              bytea CHECK (length(addr_hash) = 32),
  apn                    text CHECK (apn <> ''),
  mak                    text CHECK (mak <> ''),
  latitude               double precision CHECK (latitude BETWEEN -90 AND 90),
  longitude              double precision CHECK (longitude BETWEEN -180 AND 180),
  subdivision            text,
  property_type          text,
  year_built             integer CHECK (year_built BETWEEN 1600 AND 2100),
  bedrooms               integer CHECK (bedrooms >= 0),
  bathrooms              numeric(4,1) CHECK (bathrooms >= 0),
  living_area_sqft       integer CHECK (living_area_sqft >= 0),
  lot_size_sqft          integer CHECK (lot_size_sqft >= 0),
  -- roof
  roof_age_years         integer CHECK (roof_age_years BETWEEN 0 AND 200),
  roof_material          text,
  roof_condition_score   numeric(5,2) CHECK (roof_condition_score BETWEEN 0 AND 100),
  roof_size_sqft         integer CHECK (roof_size_sqft >= 0),
  -- money
  estimated_value_cents  bigint CHECK (estimated_value_cents >= 0),
  equity_cents           bigint,
  equity_percent         numeric(6,2) CHECK (equity_percent BETWEEN -1000 AND 100),
  mortgage_balance_cents bigint CHECK (mortgage_balance_cents >= 0),
  has_mortgage           boolean,
  has_liens              boolean,
  lien_amount_cents      bigint CHECK (lien_amount_cents >= 0),
  recent_refinance       boolean,
  recent_heloc           boolean,
  last_sale_date         date,
  last_sale_price_cents  bigint CHECK (last_sale_price_cents >= 0),
  -- distress
  tax_debt_cents         bigint NOT NULL DEFAULT 0 CHECK (tax_debt_cents >= 0),
  violations             integer NOT NULL DEFAULT 0 CHECK (violations >= 0),
  is_probate             boolean NOT NULL DEFAULT false,
  is_vacant              boolean NOT NULL DEFAULT false,
  owner_occupied         boolean,
  days_on_market         integer CHECK (days_on_market >= 0),
  condition_score        integer CHECK (condition_score BETWEEN 0 AND 100),
  created_at             timestamptz NOT NULL DEFAULT now(),
  updated_at             timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (organization_id, id)
);
-- Identity keys of a parcel (Equity Connect's dedup indexes, per organization).
CREATE UNIQUE INDEX property_addr_hash_key ON property (organization_id, addr_hash) WHERE addr_hash IS NOT NULL;
CREATE UNIQUE INDEX property_apn_key ON property (organization_id, apn) WHERE apn IS NOT NULL;
CREATE UNIQUE INDEX property_mak_key ON property (organization_id, mak) WHERE mak IS NOT NULL;
CREATE INDEX property_zip_idx ON property (organization_id, zip);
SELECT porchlight_tenant_table('property');
CREATE TRIGGER property_updated_at BEFORE UPDATE ON property FOR EACH ROW EXECUTE FUNCTION set_updated_at();

CREATE TABLE person (
  organization_id uuid NOT NULL REFERENCES organization (id) ON DELETE CASCADE,
  id              uuid NOT NULL DEFAULT gen_random_uuid(),
  first_name      text,
  middle_name     text,
  last_name       text,
  full_name       text,
  company_name    text,
  -- an LLC, trust, estate, bank ...: not a person you can call at home
  is_company      boolean NOT NULL DEFAULT false,
  age             integer CHECK (age BETWEEN 0 AND 130),
  mailing_line1   text,
  mailing_line2   text,
  mailing_city    text,
  mailing_state   text CHECK (mailing_state ~ '^[A-Z]{2}$'),
  mailing_zip     text CHECK (mailing_zip ~ '^[0-9]{5}$'),
  timezone        text,
  demographics    jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(demographics) = 'object'),
  notes           text,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (organization_id, id),
  CHECK (coalesce(full_name, first_name, last_name, company_name) IS NOT NULL)
);
SELECT porchlight_tenant_table('person');
CREATE TRIGGER person_updated_at BEFORE UPDATE ON person FOR EACH ROW EXECUTE FUNCTION set_updated_at();

CREATE TABLE contact_point (
  organization_id uuid NOT NULL REFERENCES organization (id) ON DELETE CASCADE,
  id              uuid NOT NULL DEFAULT gen_random_uuid(),
  person_id       uuid NOT NULL,
  kind            text NOT NULL CHECK (kind IN ('phone', 'email')),
  -- The normalized value (E.164 phone, lower-case email) in the clear, or NULL when it is stored
  -- encrypted in value_enc (AES-256-GCM: 12-byte IV, 16-byte tag, ciphertext).
  value           text,
  value_enc       bytea,
  -- HMAC-SHA256 of the normalized value under PORCHLIGHT_SECRET_KEY: what matching and uniqueness use.
  value_hash      bytea NOT NULL CHECK (length(value_hash) = 32),
  -- A masked form for lists that need no access to the value: +1512•••4831, j•••@example.com.
  display         text NOT NULL,
  type            text CHECK (type IN ('mobile', 'landline', 'voip', 'toll_free', 'personal', 'work', 'unknown')),
  carrier         text,
  sources         text[] NOT NULL DEFAULT '{}',
  score           integer CHECK (score BETWEEN 0 AND 100),
  verified        boolean NOT NULL DEFAULT false,
  dnc             boolean NOT NULL DEFAULT false,
  first_seen_at   timestamptz NOT NULL DEFAULT now(),
  last_seen_at    timestamptz NOT NULL DEFAULT now(),
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (organization_id, id),
  -- one row per organization, person, kind and value
  UNIQUE (organization_id, person_id, kind, value_hash),
  FOREIGN KEY (organization_id, person_id) REFERENCES person (organization_id, id) ON DELETE CASCADE,
  CHECK ((value IS NULL) <> (value_enc IS NULL)),
  CHECK (value IS NULL
    OR (kind = 'phone' AND value ~ '^\+[1-9][0-9]{6,14}$')
    OR (kind = 'email' AND value = lower(value) AND value ~ '^[^@\s]+@[^@\s]+$')),
  CHECK (last_seen_at >= first_seen_at)
);
CREATE INDEX contact_point_value_hash_idx ON contact_point (organization_id, kind, value_hash);
SELECT porchlight_tenant_table('contact_point');
CREATE TRIGGER contact_point_updated_at BEFORE UPDATE ON contact_point FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- One status set for every vertical (docs/LEAD-STATUS.md maps each seed's statuses onto it).
CREATE FUNCTION lead_statuses() RETURNS text[] LANGUAGE sql IMMUTABLE AS $$
  SELECT ARRAY['new', 'contacted', 'qualified', 'nurturing', 'appointment_scheduled', 'proposal_sent',
               'closed_won', 'closed_lost', 'dnc', 'enriched', 'contactable', 'do_not_contact']
$$;

CREATE TABLE lead (
  organization_id        uuid NOT NULL REFERENCES organization (id) ON DELETE CASCADE,
  id                     uuid NOT NULL DEFAULT gen_random_uuid(),
  person_id              uuid,
  property_id            uuid,
  status                 text NOT NULL DEFAULT 'new' CHECK (status = ANY (lead_statuses())),
  quality_score          numeric(5,2) CHECK (quality_score BETWEEN 0 AND 100),
  motivation_score       numeric(5,2) CHECK (motivation_score BETWEEN 0 AND 100),
  lead_score             numeric(5,2) CHECK (lead_score BETWEEN 0 AND 100),
  -- temperature follows motivation (Convexa), tier follows the lead score (Fish Mouth HOT/WARM/COLD)
  temperature            text CHECK (temperature IN ('hot', 'warm', 'cold', 'dead')),
  tier                   text CHECK (tier IN ('hot', 'warm', 'cold')),
  tags                   text[] NOT NULL DEFAULT '{}' CHECK (cardinality(tags) <= 100),
  source                 text NOT NULL DEFAULT 'manual' CHECK (length(btrim(source)) BETWEEN 1 AND 100),
  vendor_record_id       text,
  vendor_list_id         text,
  assignee_id            uuid,
  notes                  text,
  acquisition_cost_cents bigint NOT NULL DEFAULT 0 CHECK (acquisition_cost_cents >= 0),
  enrichment_cost_cents  bigint NOT NULL DEFAULT 0 CHECK (enrichment_cost_cents >= 0),
  raw_data               jsonb,
  first_seen_at          timestamptz NOT NULL DEFAULT now(),
  last_seen_at           timestamptz NOT NULL DEFAULT now(),
  last_contacted_at      timestamptz,
  next_follow_up_at      timestamptz,
  created_at             timestamptz NOT NULL DEFAULT now(),
  updated_at             timestamptz NOT NULL DEFAULT now(),
  deleted_at             timestamptz,
  PRIMARY KEY (organization_id, id),
  FOREIGN KEY (organization_id, person_id) REFERENCES person (organization_id, id),
  FOREIGN KEY (organization_id, property_id) REFERENCES property (organization_id, id),
  FOREIGN KEY (organization_id, assignee_id) REFERENCES app_user (organization_id, id) ON DELETE SET NULL (assignee_id),
  CHECK (person_id IS NOT NULL OR property_id IS NOT NULL),
  CHECK (last_seen_at >= first_seen_at)
);
-- The same person on the same parcel is one lead; a vendor's record is one lead. A deleted lead
-- frees its keys, so the owner can come back in a later list.
CREATE UNIQUE INDEX lead_person_property_key ON lead (organization_id, property_id, person_id) NULLS NOT DISTINCT WHERE deleted_at IS NULL;
CREATE UNIQUE INDEX lead_vendor_key ON lead (organization_id, source, vendor_record_id) WHERE vendor_record_id IS NOT NULL AND deleted_at IS NULL;
CREATE INDEX lead_created_idx ON lead (organization_id, created_at, id) WHERE deleted_at IS NULL;
-- lists sort by score (unscored leads rank below every score) and page by (key, id)
CREATE INDEX lead_score_idx ON lead (organization_id, (coalesce(lead_score, -1)), id) WHERE deleted_at IS NULL;
CREATE INDEX lead_updated_idx ON lead (organization_id, updated_at, id) WHERE deleted_at IS NULL;
CREATE INDEX lead_status_idx ON lead (organization_id, status) WHERE deleted_at IS NULL;
CREATE INDEX lead_assignee_idx ON lead (organization_id, assignee_id) WHERE deleted_at IS NULL;
CREATE INDEX lead_person_idx ON lead (organization_id, person_id);
CREATE INDEX lead_tags_idx ON lead USING gin (tags);
SELECT porchlight_tenant_table('lead');
-- Agents see and edit only the leads assigned to them or to nobody; managers and up see all.
-- A restrictive policy narrows the tenant policy; WITH CHECK stops an agent handing a lead away.
CREATE POLICY lead_agent_scope ON lead AS RESTRICTIVE
  USING (app_user_role() <> 'agent' OR assignee_id IS NULL OR assignee_id = app_user_id())
  WITH CHECK (app_user_role() <> 'agent' OR assignee_id IS NULL OR assignee_id = app_user_id());
CREATE TRIGGER lead_updated_at BEFORE UPDATE ON lead FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- Agents see, change and remove only the owners, and their phones and emails, of the leads they
-- can see (adding is open: a person is created before its lead).
CREATE FUNCTION lead_visible_for_person(org uuid, person uuid) RETURNS boolean LANGUAGE sql STABLE
  AS $$ SELECT app_user_role() <> 'agent' OR EXISTS (SELECT 1 FROM lead l WHERE l.organization_id = org AND l.person_id = person) $$;
CREATE POLICY agent_reads ON person AS RESTRICTIVE FOR SELECT USING (lead_visible_for_person(organization_id, id));
CREATE POLICY agent_updates ON person AS RESTRICTIVE FOR UPDATE USING (lead_visible_for_person(organization_id, id));
CREATE POLICY agent_deletes ON person AS RESTRICTIVE FOR DELETE USING (lead_visible_for_person(organization_id, id));
CREATE POLICY agent_reads ON contact_point AS RESTRICTIVE FOR SELECT USING (lead_visible_for_person(organization_id, person_id));
CREATE POLICY agent_updates ON contact_point AS RESTRICTIVE FOR UPDATE USING (lead_visible_for_person(organization_id, person_id));
CREATE POLICY agent_deletes ON contact_point AS RESTRICTIVE FOR DELETE USING (lead_visible_for_person(organization_id, person_id));
-- Leads are deleted softly (deleted_at) by the application; a hard delete, which would take the
-- lead's history with it, is for the operator only.
REVOKE DELETE ON lead FROM porchlight_app;
