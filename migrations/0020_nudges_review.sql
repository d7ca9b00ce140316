-- Nudges, after review: an agent's own clients are theirs to see; a briefing completes exactly
-- once its last message has gone, however the updates interleave, and also when it is resumed
-- with nothing left to send; a failed draft is tried again later instead of never.

-- An agent sees, changes and removes the owners (and their phones and e-mails) of the leads they
-- can see, and now also the people they keep as clients: a client is a person with no lead, and
-- without this an agent could neither read back the client they just added nor add another.
CREATE OR REPLACE FUNCTION lead_visible_for_person(org uuid, person uuid) RETURNS boolean LANGUAGE sql STABLE
  AS $$ SELECT app_user_role() <> 'agent'
            OR EXISTS (SELECT 1 FROM lead l WHERE l.organization_id = org AND l.person_id = person)
            OR EXISTS (SELECT 1 FROM client c WHERE c.organization_id = org AND c.person_id = person AND c.user_id = app_user_id()) $$;

-- Who decides that a briefing is complete first takes the advisory lock keyed by this, so two transactions that each
-- finish one of its last messages cannot both see the other's message still pending and leave
-- the briefing ACTIVE forever. A transaction-scoped advisory lock rather than the briefing's row:
-- the outbox holds its briefings FOR SHARE while it gates their messages, and two outboxes
-- upgrading shared row locks at once would deadlock; this lock is taken in key order, so two
-- holders of several cannot deadlock on each other.
CREATE FUNCTION briefing_lock_key(org uuid, briefing uuid) RETURNS bigint LANGUAGE sql IMMUTABLE
  AS $$ SELECT hashtextextended('briefing complete ' || org::text || ' ' || briefing::text, 0) $$;

-- An active briefing whose messages have all gone (or been refused) is complete: decided under
-- the lock, on what is committed once it is held (each statement here sees a fresh snapshot).
-- Only a message that left pending or sending can complete its briefing: the outbox moving
-- messages on to "sending" takes no lock at all.
CREATE OR REPLACE FUNCTION briefing_complete() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
DECLARE
  k bigint;
BEGIN
  IF NOT EXISTS (SELECT 1 FROM new_rows n WHERE n.briefing_id IS NOT NULL AND n.status NOT IN ('pending', 'sending')) THEN
    RETURN NULL;
  END IF;
  FOR k IN SELECT DISTINCT briefing_lock_key(n.organization_id, n.briefing_id) FROM new_rows n
           WHERE n.briefing_id IS NOT NULL AND n.status NOT IN ('pending', 'sending') ORDER BY 1 LOOP
    PERFORM pg_advisory_xact_lock(k);
  END LOOP;
  UPDATE briefing b SET status = 'COMPLETED'
  WHERE b.status = 'ACTIVE'
    AND (b.organization_id, b.id) IN (SELECT DISTINCT n.organization_id, n.briefing_id FROM new_rows n WHERE n.briefing_id IS NOT NULL AND n.status NOT IN ('pending', 'sending'))
    AND NOT EXISTS (SELECT 1 FROM message m WHERE m.organization_id = b.organization_id AND m.briefing_id = b.id AND m.status IN ('pending', 'sending'));
  RETURN NULL;
END $$;

-- History, and what a move means for the messages (as in 0019), and now: a paused briefing
-- resumed with nothing left to send (its last messages went, or were cancelled, while it was
-- paused) is complete at once, not active forever with nothing to make it complete. Decided
-- under the same lock as briefing_complete, so a message finishing while it resumes is seen by
-- one or the other.
CREATE OR REPLACE FUNCTION briefing_status_follow() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
DECLARE
  k bigint;
BEGIN
  INSERT INTO briefing_status_history (organization_id, briefing_id, from_status, to_status, changed_by)
  SELECT n.organization_id, n.id, o.status, n.status, app_user_id()
  FROM new_rows n LEFT JOIN old_rows o ON o.organization_id = n.organization_id AND o.id = n.id
  WHERE o.status IS DISTINCT FROM n.status;
  -- statement triggers fire for no rows too: each step only when a row made its move, so this
  -- trigger and message's briefing_complete never set each other off without end
  IF EXISTS (SELECT 1 FROM new_rows n JOIN old_rows o ON o.organization_id = n.organization_id AND o.id = n.id
             WHERE n.status IN ('CANCELLED', 'DISMISSED') AND o.status <> n.status) THEN
    UPDATE message m SET status = 'cancelled', reason = 'BRIEFING_' || n.status
    FROM new_rows n
    WHERE n.status IN ('CANCELLED', 'DISMISSED') AND m.organization_id = n.organization_id AND m.briefing_id = n.id AND m.status = 'pending';
  END IF;
  UPDATE content_resource r SET usage_count = r.usage_count + 1
  FROM briefing_resource br JOIN new_rows n ON n.organization_id = br.organization_id AND n.id = br.briefing_id
  JOIN old_rows o ON o.organization_id = n.organization_id AND o.id = n.id
  WHERE n.status = 'ACTIVE' AND o.status = 'DRAFT'
    AND r.organization_id = br.organization_id AND r.id = br.resource_id;
  -- resumed: complete when nothing is left (the nested update moves ACTIVE to COMPLETED, which
  -- this trigger then only records)
  IF EXISTS (SELECT 1 FROM new_rows n JOIN old_rows o ON o.organization_id = n.organization_id AND o.id = n.id
             WHERE n.status = 'ACTIVE' AND o.status = 'PAUSED') THEN
    FOR k IN SELECT DISTINCT briefing_lock_key(n.organization_id, n.id) FROM new_rows n
             JOIN old_rows o ON o.organization_id = n.organization_id AND o.id = n.id
             WHERE n.status = 'ACTIVE' AND o.status = 'PAUSED' ORDER BY 1 LOOP
      PERFORM pg_advisory_xact_lock(k);
    END LOOP;
    UPDATE briefing b SET status = 'COMPLETED'
    FROM new_rows n JOIN old_rows o ON o.organization_id = n.organization_id AND o.id = n.id
    WHERE n.status = 'ACTIVE' AND o.status = 'PAUSED' AND b.organization_id = n.organization_id AND b.id = n.id AND b.status = 'ACTIVE'
      AND NOT EXISTS (SELECT 1 FROM message m WHERE m.organization_id = b.organization_id AND m.briefing_id = b.id AND m.status IN ('pending', 'sending'));
  END IF;
  RETURN NULL;
END $$;

-- A market event whose draft failed (the LLM down, a timeout) is tried again by later runs, each
-- wait twice the one before; after the last attempt retry_at is empty and it stays 'error' with
-- its error. attempts counts the runs that took it up.
ALTER TABLE market_event
  ADD COLUMN attempts integer NOT NULL DEFAULT 0 CHECK (attempts BETWEEN 0 AND 100),
  ADD COLUMN retry_at timestamptz,
  ADD CONSTRAINT market_event_retry_only_error CHECK (retry_at IS NULL OR status = 'error');
CREATE INDEX market_event_retry_idx ON market_event (organization_id, retry_at) WHERE status = 'error' AND retry_at IS NOT NULL;
-- the events that failed before this could retry them get their second chance now (where the
-- migrating role is subject to row-level security it sees no rows, and they stay as they were)
UPDATE market_event SET attempts = 1, retry_at = now() WHERE status = 'error';
