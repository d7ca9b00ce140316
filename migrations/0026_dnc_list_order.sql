-- The do-not-contact list is read newest first a page at a time (GET /v1/dnc, the web app's
-- Compliance page): this index gives each page as a range, however long the list.
CREATE INDEX dnc_entry_created_idx ON dnc_entry (organization_id, created_at DESC, id DESC);
