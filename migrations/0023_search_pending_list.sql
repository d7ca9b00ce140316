-- The search indexes of 0022 are GIN, which queues new rows in a pending list and merges them
-- into the index later (at VACUUM, or when the list outgrows its limit). Every search reads the
-- whole list, so after an import its default 4 MB made a surname search about three times
-- slower (18 ms against 5 ms at a million owners) until autovacuum came by. A smaller list is
-- merged more often, a little at a time, and keeps a search near its settled speed.
ALTER INDEX property_search_idx SET (gin_pending_list_limit = 512);
ALTER INDEX person_search_idx SET (gin_pending_list_limit = 512);
