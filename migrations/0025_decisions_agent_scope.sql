-- An agent reads the gate's decisions only about leads they can see (their own and unassigned
-- ones), and decisions about no lead (a number checked by hand), as with the rest of those
-- leads' records: a decision keeps the facts the gate used (the owner's mailing area, consent,
-- opt-outs, earlier attempts), which are the lead's. Inserting is unchanged: nothing reads back.
CREATE POLICY agent_reads ON compliance_decision AS RESTRICTIVE FOR SELECT
  USING (app_user_role() <> 'agent' OR lead_id IS NULL
         OR EXISTS (SELECT 1 FROM lead l WHERE l.organization_id = compliance_decision.organization_id AND l.id = compliance_decision.lead_id));
