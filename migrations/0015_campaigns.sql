-- Campaigns (Convexa's campaigns and campaign logs): one template to a segment's leads,
-- throttled, with a row per recipient whose status follows its message; and every lead's
-- timeline of touches and changes (Fish Mouth's lead activities) as a view over the records
-- that already hold them.

CREATE TABLE campaign (
  organization_id     uuid NOT NULL REFERENCES organization (id) ON DELETE CASCADE,
  id                  uuid NOT NULL DEFAULT uuid7(),
  name                text NOT NULL CHECK (name = btrim(name) AND length(name) BETWEEN 1 AND 200),
  description         text CHECK (length(description) <= 2000),
  -- calls go through sequences and the voice engine, not a bulk send
  channel             text NOT NULL CHECK (channel IN ('sms', 'email')),
  template_id         uuid NOT NULL,
  -- the segment is read once, at launch (or scheduling): its leads then are the recipients
  segment_id          uuid,
  purpose             text NOT NULL DEFAULT 'marketing' CHECK (purpose IN ('marketing', 'informational')),
  status              text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'scheduled', 'sending', 'paused', 'completed', 'cancelled')),
  -- when the first message may go; the rest follow at throttle_per_minute
  scheduled_for       timestamptz,
  throttle_per_minute integer CHECK (throttle_per_minute BETWEEN 1 AND 100000),
  recipients          integer NOT NULL DEFAULT 0 CHECK (recipients >= 0),
  created_by          uuid,
  created_at          timestamptz NOT NULL DEFAULT now(),
  updated_at          timestamptz NOT NULL DEFAULT now(),
  launched_at         timestamptz,
  started_at          timestamptz,
  paused_at           timestamptz,
  completed_at        timestamptz,
  cancelled_at        timestamptz,
  PRIMARY KEY (organization_id, id),
  FOREIGN KEY (organization_id, template_id) REFERENCES message_template (organization_id, id),
  FOREIGN KEY (organization_id, segment_id) REFERENCES segment (organization_id, id) ON DELETE SET NULL (segment_id),
  FOREIGN KEY (organization_id, created_by) REFERENCES app_user (organization_id, id) ON DELETE SET NULL (created_by),
  CHECK (status IN ('draft', 'cancelled') OR launched_at IS NOT NULL),
  CHECK (status <> 'scheduled' OR scheduled_for IS NOT NULL),
  CHECK (status <> 'completed' OR completed_at IS NOT NULL),
  CHECK (status <> 'cancelled' OR cancelled_at IS NOT NULL)
);
CREATE UNIQUE INDEX campaign_name_key ON campaign (organization_id, lower(name));
CREATE INDEX campaign_created_idx ON campaign (organization_id, created_at DESC);
SELECT porchlight_tenant_table('campaign');
-- Agents see campaigns and their results but neither create nor remove them. Updates stay open
-- to every role: the status follows the messages (campaign_follow_messages below), and an
-- agent's action can move a campaign's message; the service checks who may pause or cancel.
CREATE POLICY managers_insert ON campaign AS RESTRICTIVE FOR INSERT WITH CHECK (app_user_role() <> 'agent');
CREATE POLICY managers_delete ON campaign AS RESTRICTIVE FOR DELETE USING (app_user_role() <> 'agent');
CREATE TRIGGER campaign_updated_at BEFORE UPDATE ON campaign FOR EACH ROW EXECUTE FUNCTION set_updated_at();
SELECT porchlight_audited_table('campaign');

CREATE TABLE campaign_recipient (
  organization_id uuid NOT NULL,
  campaign_id     uuid NOT NULL,
  lead_id         uuid NOT NULL,
  -- queued: its message is pending or being handed over; the rest mirror the message, except
  -- that a message the gate refused makes a skipped recipient with the gate's reason
  status          text NOT NULL CHECK (status IN ('queued', 'sent', 'delivered', 'failed', 'skipped', 'cancelled')),
  skip_reason     text CHECK (length(skip_reason) <= 500),
  message_id      uuid,
  -- the throttled slot this recipient was given
  scheduled_for   timestamptz,
  added_at        timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (organization_id, campaign_id, lead_id),
  FOREIGN KEY (organization_id, campaign_id) REFERENCES campaign (organization_id, id) ON DELETE CASCADE,
  FOREIGN KEY (organization_id, lead_id) REFERENCES lead (organization_id, id) ON DELETE CASCADE,
  FOREIGN KEY (organization_id, message_id) REFERENCES message (organization_id, id),
  CHECK ((status = 'skipped') = (skip_reason IS NOT NULL)),
  CHECK (status IN ('queued', 'skipped', 'cancelled') OR message_id IS NOT NULL)
);
-- the lead's timeline, and "is anything still to go" for the completion check
CREATE INDEX campaign_recipient_lead_idx ON campaign_recipient (organization_id, lead_id);
CREATE INDEX campaign_recipient_queued_idx ON campaign_recipient (organization_id, campaign_id) WHERE status = 'queued';
SELECT porchlight_tenant_table('campaign_recipient');
CREATE POLICY agent_scope ON campaign_recipient AS RESTRICTIVE FOR SELECT
  USING (app_user_role() <> 'agent' OR EXISTS (SELECT 1 FROM lead l WHERE l.organization_id = campaign_recipient.organization_id AND l.id = campaign_recipient.lead_id));
CREATE TRIGGER campaign_recipient_updated_at BEFORE UPDATE ON campaign_recipient FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- A campaign's messages belong to it (0013 could not say so: the table did not exist yet).
ALTER TABLE message ADD CONSTRAINT message_campaign_fkey
  FOREIGN KEY (organization_id, campaign_id) REFERENCES campaign (organization_id, id) ON DELETE SET NULL (campaign_id);

-- Entering a campaign is recorded by campaign_recipient (and shown on the timeline): a history
-- row per lead as well would double a large launch's writes for nothing.
CREATE OR REPLACE FUNCTION history_ignored_fields() RETURNS text[] LANGUAGE sql IMMUTABLE
  AS $$ SELECT ARRAY['updated_at', 'last_seen_at', 'first_seen_at', 'created_at', 'last_used_at',
                     'quality_score', 'enrichment_cost_cents', 'verified_at',
                     'motivation_score', 'temperature', 'lead_score', 'tier', 'replacement_urgency', 'contagion_score',
                     'last_contacted_at', 'added_to_campaign_at'] $$;

-- A recipient's status follows its message whatever moved it (the outbox, a provider's
-- webhook, a cancel), and a campaign with nothing left to go is completed. Like message_bill,
-- it runs as the migration's owner: an agent's action may move a campaign's message.
CREATE FUNCTION campaign_follow_messages() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM new_rows WHERE campaign_id IS NOT NULL) THEN RETURN NULL; END IF;
  UPDATE campaign_recipient r SET
    status = CASE n.status WHEN 'pending' THEN 'queued' WHEN 'sending' THEN 'queued'
                           WHEN 'cancelled' THEN CASE WHEN n.decision = 'deny' THEN 'skipped' ELSE 'cancelled' END
                           ELSE n.status END,
    skip_reason = CASE WHEN n.status = 'cancelled' AND n.decision = 'deny' THEN coalesce(n.reason, 'refused by the compliance gate') END
  FROM new_rows n JOIN old_rows o ON o.organization_id = n.organization_id AND o.id = n.id
  WHERE n.campaign_id IS NOT NULL AND n.lead_id IS NOT NULL AND n.status IS DISTINCT FROM o.status
    AND r.organization_id = n.organization_id AND r.campaign_id = n.campaign_id AND r.lead_id = n.lead_id AND r.message_id = n.id;
  UPDATE campaign c SET status = 'sending', started_at = coalesce(c.started_at, now())
  WHERE c.status = 'scheduled' AND (c.organization_id, c.id) IN (
    SELECT n.organization_id, n.campaign_id FROM new_rows n WHERE n.campaign_id IS NOT NULL AND n.status IN ('sending', 'sent', 'delivered'));
  UPDATE campaign c SET status = 'completed', completed_at = now()
  WHERE c.status IN ('sending', 'scheduled')
    AND (c.organization_id, c.id) IN (SELECT DISTINCT n.organization_id, n.campaign_id FROM new_rows n WHERE n.campaign_id IS NOT NULL)
    AND NOT EXISTS (SELECT 1 FROM campaign_recipient r WHERE r.organization_id = c.organization_id AND r.campaign_id = c.id AND r.status = 'queued');
  RETURN NULL;
END $$;
CREATE TRIGGER message_campaign_follow AFTER UPDATE ON message REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION campaign_follow_messages();

-- Everything that happened to a lead, newest first when read by (at DESC, kind, ref_id):
-- messages both ways, the gate's refusals and deferrals, status changes, assignments, score
-- moves, enrichment lookups, sequences enrolled in and campaigns entered. security_invoker:
-- the reader's row-level security applies.
CREATE VIEW lead_timeline WITH (security_invoker = true) AS
  SELECT m.organization_id, m.lead_id, coalesce(m.sent_at, m.failed_at, m.created_at) AS at, 'message'::text AS kind, m.id::text AS ref_id,
         CASE m.channel WHEN 'sms' THEN 'SMS' WHEN 'email' THEN 'Email' WHEN 'call' THEN 'Call' ELSE 'AI call' END
           || CASE WHEN m.direction = 'inbound' THEN ' received' ELSE ' ' || m.status || ' (' || m.source || ')' END
           || CASE WHEN m.status = 'pending' THEN ' for ' || to_char(m.scheduled_for AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI "UTC"') ELSE '' END
           || coalesce(': ' || m.reason, '') AS summary,
         jsonb_build_object('message_id', m.id, 'channel', m.channel, 'direction', m.direction, 'status', m.status, 'source', m.source,
                            'to', m.peer_display, 'subject', m.subject, 'preview', left(m.body, 160), 'campaign_id', m.campaign_id,
                            'enrollment_id', m.enrollment_id, 'decision_id', m.decision_id, 'reason', m.reason) AS detail
  FROM message m WHERE m.lead_id IS NOT NULL
  UNION ALL
  SELECT d.organization_id, d.lead_id, d.decided_at, 'compliance', d.id::text,
         upper(d.decision) || ' ' || d.channel || ' to ' || coalesce(d.display, '?') || ': ' || d.reason
           || coalesce(' until ' || to_char(d.defer_until AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI "UTC"'), ''),
         jsonb_build_object('decision_id', d.id, 'decision', d.decision, 'reason', d.reason, 'reasons', d.reasons, 'channel', d.channel,
                            'purpose', d.purpose, 'defer_until', d.defer_until, 'message_id', d.facts ->> 'message_id')
  FROM compliance_decision d WHERE d.lead_id IS NOT NULL AND d.decision <> 'allow'
  UNION ALL
  SELECT h.organization_id, h.lead_id, h.changed_at, 'status', h.id::text,
         'Status ' || coalesce(h.from_status || ' → ', '') || h.to_status || ' (' || h.trigger_type || ')',
         jsonb_build_object('from', h.from_status, 'to', h.to_status, 'trigger', h.trigger_type, 'changed_by', h.changed_by)
  FROM lead_status_history h
  UNION ALL
  SELECT a.organization_id, a.lead_id, a.assigned_at, 'assignment', a.id::text,
         CASE WHEN a.to_user_id IS NULL THEN 'Unassigned' ELSE 'Assigned to ' || coalesce(u.full_name, u.email, a.to_user_id::text) END || ' (' || a.strategy || ')',
         jsonb_build_object('from_user_id', a.from_user_id, 'to_user_id', a.to_user_id, 'strategy', a.strategy, 'reason', a.reason, 'assigned_by', a.assigned_by)
  FROM lead_assignment a LEFT JOIN app_user u ON u.organization_id = a.organization_id AND u.id = a.to_user_id
  UNION ALL
  SELECT s.organization_id, s.lead_id, s.calculated_at, 'score', s.id::text,
         initcap(s.scorer) || ' score ' || s.score::text,
         jsonb_build_object('scorer', s.scorer, 'version', s.version, 'score', s.score)
  FROM lead_score_history s
  UNION ALL
  SELECT t.organization_id, t.lead_id, coalesce(t.completed_at, t.created_at), 'enrichment', t.id::text,
         replace(t.stage, '_', ' ') || ' by ' || t.provider || CASE WHEN t.matched THEN ': matched' ELSE ': no match' END,
         jsonb_build_object('result_id', t.id, 'stage', t.stage, 'provider', t.provider, 'matched', t.matched, 'confidence', t.confidence, 'cost_cents', t.cost_cents)
  FROM skip_trace_result t
  UNION ALL
  SELECT r.organization_id, r.lead_id, r.added_at, 'campaign', r.campaign_id::text,
         'Added to campaign ' || c.name || CASE WHEN r.status = 'skipped' THEN ' (skipped: ' || r.skip_reason || ')' ELSE '' END,
         jsonb_build_object('campaign_id', r.campaign_id, 'status', r.status, 'skip_reason', r.skip_reason, 'message_id', r.message_id)
  FROM campaign_recipient r JOIN campaign c ON c.organization_id = r.organization_id AND c.id = r.campaign_id
  UNION ALL
  SELECT e.organization_id, e.lead_id, e.enrolled_at, 'sequence', e.id::text,
         'Enrolled in sequence ' || q.name || ' (' || e.status || coalesce(': ' || e.stop_reason, '') || ')',
         jsonb_build_object('enrollment_id', e.id, 'sequence_id', e.sequence_id, 'status', e.status, 'current_node', e.current_node,
                            'stop_reason', e.stop_reason, 'completed_at', e.completed_at, 'converted_at', e.converted_at)
  FROM sequence_enrollment e JOIN sequence q ON q.organization_id = e.organization_id AND q.id = e.sequence_id
  WHERE e.lead_id IS NOT NULL;
