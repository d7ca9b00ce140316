-- The ledger updates each row in place once, from pending to charged, void or in doubt. An
-- update that changes no indexed column and finds room on its page is a HOT update: it writes
-- no index entries. The partial index on pending rows made every settlement a full update (an
-- index on status, even only in its predicate, is an index on status); a chunk's settlement
-- now finds its rows by key, and a dead process's calls under way are found through the run's
-- index. Each ledger page starts with room for its rows' settlements.
DROP INDEX cost_ledger_pending_idx;
ALTER TABLE cost_ledger SET (fillfactor = 60);

-- Work still to do is found through the primary key (run, stage, lead): a run takes chunks in
-- lead order after the last lead it took, so the rows it passes over are few. The index of open
-- tasks only cost an entry per task written.
DROP INDEX enrichment_task_open_idx;
