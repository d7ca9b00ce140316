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

-- The quality factors of a chunk of leads, found by their ids (= ANY keeps the planner on the
-- primary key; joined to the unnested ids it would sometimes hash the whole lead table).
CREATE OR REPLACE FUNCTION lead_quality_factors(org uuid, lead_ids uuid[], min_confidence numeric DEFAULT 101)
  RETURNS TABLE (lead_id uuid, score integer, prospective integer, factors jsonb) LANGUAGE sql STABLE AS $$
  SELECT l.id, f.base + 40 * cp.email::int + 30 * cp.mobile::int,
         f.base + 40 * (cp.email OR cp.email_likely)::int + 30 * (cp.mobile OR cp.mobile_likely)::int,
         jsonb_build_object('verified_email', 40 * cp.email::int, 'verified_mobile', 30 * cp.mobile::int, 'mak_and_apn', f.keys,
                            'owner_occupied', f.occupied, 'demographics_fit', f.fit)
  FROM lead l
  LEFT JOIN property p ON p.organization_id = l.organization_id AND p.id = l.property_id
  LEFT JOIN person pe ON pe.organization_id = l.organization_id AND pe.id = l.person_id
  CROSS JOIN LATERAL (SELECT
      coalesce(bool_or(c.kind = 'email' AND c.verified), false) AS email,
      coalesce(bool_or(c.kind = 'phone' AND c.verified AND c.type IN ('mobile', 'voip') AND NOT c.dnc), false) AS mobile,
      coalesce(bool_or(c.kind = 'email' AND c.verification IS NULL AND c.score >= min_confidence), false) AS email_likely,
      coalesce(bool_or(c.kind = 'phone' AND c.verification IS NULL AND c.score >= min_confidence AND c.type IN ('mobile', 'voip') AND NOT c.dnc), false) AS mobile_likely
    FROM contact_point c WHERE c.organization_id = l.organization_id AND c.person_id = l.person_id) cp
  CROSS JOIN LATERAL (SELECT
      CASE WHEN p.mak IS NOT NULL AND p.apn IS NOT NULL THEN 10 ELSE 0 END AS keys,
      CASE WHEN p.owner_occupied THEN 10 ELSE 0 END AS occupied,
      CASE WHEN pe.age >= 62 AND p.estimated_value_cents >= 10000000 AND p.equity_cents > 0 THEN 10 ELSE 0 END AS fit) f0
  CROSS JOIN LATERAL (SELECT f0.keys, f0.occupied, f0.fit, f0.keys + f0.occupied + f0.fit AS base) f
  WHERE l.organization_id = org AND l.id = ANY (lead_ids)
$$;
