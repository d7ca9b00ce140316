-- Searching leads by owner or address (the web app's search box, GET /v1/leads?q=): trigram
-- indexes turn a substring search over a million owners into index lookups instead of a scan
-- of every lead, property and person. The indexed expressions are exactly the ones the leads
-- list searches (leads.repository.ts), or the planner cannot use them.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE INDEX property_search_idx ON property USING gin ((coalesce(address_line1, '') || ' ' || coalesce(city, '')) gin_trgm_ops);
CREATE INDEX person_search_idx ON person USING gin ((coalesce(full_name, '') || ' ' || coalesce(last_name, '') || ' ' || coalesce(company_name, '')) gin_trgm_ops);
