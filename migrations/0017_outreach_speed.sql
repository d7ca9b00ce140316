-- Indexes the outreach benchmark (bench/outreach.ts: 100,000 due sequence steps gated, recorded
-- and handed over) showed were missing: without them a cost grew with every batch sent.

-- The gate asks, for every message, whether the recipient revoked a consent (facts.repository.ts).
-- Revocations are rare: without this index each batch read every consent of the organization to
-- find none.
CREATE INDEX consent_revoked_idx ON consent (organization_id, kind, value_hash) WHERE revoked_at IS NOT NULL;

-- Sequence steps waiting for the gate's verdict on their message (the outbox's onGated hook
-- settles them by enrollment and message): few at any time, so the hook's look-up stays small
-- however many executions there are. Without it the look-up scanned every execution.
CREATE INDEX sequence_execution_scheduled_idx ON sequence_execution (organization_id, enrollment_id, message_id) WHERE status = 'scheduled';
