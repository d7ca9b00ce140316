-- Searching leads by owner or address (the web app's search box, GET /v1/leads?q=): trigram
-- indexes turn a substring search over a million owners into index lookups instead of a scan
-- of every lead, property and person.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE INDEX property_search_idx ON property USING gin ((coalesce(address_line1, '') || ' ' || coalesce(city, '')) gin_trgm_ops);
CREATE INDEX person_search_idx ON person USING gin ((coalesce(full_name, '') || ' ' || coalesce(last_name, '') || ' ' || coalesce(company_name, '')) gin_trgm_ops);

-- The ids of the organization's live leads whose address or owner matches an ILIKE pattern. A
-- function that reads past row-level security: under it, ILIKE (not leakproof) may not run
-- before the policies' own checks, so the planner could not use the indexes above and scanned
-- every owner. It answers only ids of the caller's organization (app_org_id()), and the leads
-- list that asks applies the lead's own policies to them, so an agent still sees only theirs.
-- The expressions are exactly the indexed ones, or the planner cannot use the indexes.
CREATE FUNCTION lead_search_ids(pattern text) RETURNS SETOF uuid LANGUAGE sql STABLE
  SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
  SELECT s.id FROM lead s JOIN property p ON p.organization_id = s.organization_id AND p.id = s.property_id
  WHERE p.organization_id = app_org_id() AND s.deleted_at IS NULL
    AND (coalesce(p.address_line1, '') || ' ' || coalesce(p.city, '')) ILIKE pattern
  UNION
  SELECT s.id FROM lead s JOIN person n ON n.organization_id = s.organization_id AND n.id = s.person_id
  WHERE n.organization_id = app_org_id() AND s.deleted_at IS NULL
    AND (coalesce(n.full_name, '') || ' ' || coalesce(n.last_name, '') || ' ' || coalesce(n.company_name, '')) ILIKE pattern
$$;
