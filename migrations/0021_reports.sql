-- Reports (the numbers): what the ledgers cannot know by themselves. Epic 3's lead source costs
-- (what a list, a mailer or a portal cost for a month, entered by a person) and the revenue a
-- closed lead brought, so ROI by source can be computed. Everything else the reports read is
-- already recorded: status history, the cost ledger, the budget, billing usage, messages, calls.

-- What a source cost for a month, entered by hand (Epic 3's lead_source_costs: source, period
-- YYYY-MM, cost). One row per source and month: entering it again replaces it (an upsert by key).
CREATE TABLE lead_source_cost (
  organization_id uuid NOT NULL REFERENCES organization (id) ON DELETE CASCADE,
  -- the same text as lead.source (trimmed, as the services write both)
  source          text NOT NULL CHECK (source = btrim(source) AND length(source) BETWEEN 1 AND 100),
  -- the first day of the month the cost is for (extract, not date_trunc: no session time zone)
  month           date NOT NULL CHECK (extract(day FROM month) = 1),
  amount_cents    bigint NOT NULL CHECK (amount_cents >= 0),
  note            text CHECK (length(note) <= 500),
  created_by      uuid,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (organization_id, source, month)
);
SELECT porchlight_tenant_table('lead_source_cost');
-- Spend is a manager's to see and enter, as the reports built on it are.
CREATE POLICY managers_only ON lead_source_cost AS RESTRICTIVE
  USING (app_user_role() <> 'agent') WITH CHECK (app_user_role() <> 'agent');
CREATE TRIGGER lead_source_cost_updated_at BEFORE UPDATE ON lead_source_cost FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- The deal a lead closed into: what it brought and when (Epic 3's recruited, Fish Mouth's signed
-- job). One per lead; entering it again replaces it. ROI = (revenue - spend) / spend.
CREATE TABLE lead_deal (
  organization_id uuid NOT NULL REFERENCES organization (id) ON DELETE CASCADE,
  lead_id         uuid NOT NULL,
  revenue_cents   bigint NOT NULL CHECK (revenue_cents >= 0),
  -- the day the deal closed: the reports count revenue in the period holding this day
  closed_on       date NOT NULL,
  note            text CHECK (length(note) <= 500),
  created_by      uuid,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (organization_id, lead_id),
  FOREIGN KEY (organization_id, lead_id) REFERENCES lead (organization_id, id) ON DELETE CASCADE
);
-- revenue in a period, by the day deals closed
CREATE INDEX lead_deal_closed_idx ON lead_deal (organization_id, closed_on);
SELECT porchlight_tenant_table('lead_deal');
-- An agent records the deals of the leads they can see (their own and unassigned ones), like
-- the rest of those leads' records.
CREATE POLICY agent_scope ON lead_deal AS RESTRICTIVE
  USING (app_user_role() <> 'agent' OR EXISTS (SELECT 1 FROM lead l WHERE l.organization_id = lead_deal.organization_id AND l.id = lead_deal.lead_id))
  WITH CHECK (app_user_role() <> 'agent' OR EXISTS (SELECT 1 FROM lead l WHERE l.organization_id = lead_deal.organization_id AND l.id = lead_deal.lead_id));
CREATE TRIGGER lead_deal_updated_at BEFORE UPDATE ON lead_deal FOR EACH ROW EXECUTE FUNCTION set_updated_at();
