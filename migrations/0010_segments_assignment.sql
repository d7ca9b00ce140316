-- Saved segments and lead assignment (Epic 3's segments and lead_assignments, Fish Mouth's and
-- Convexa's hand-out of leads to agents).
--
-- A segment is a saved filter: the validated JSON definition (docs/SEGMENTS.md) and the count of
-- leads it selected when last counted. The SQL is compiled from the definition by the
-- application each time, with every value a parameter; the database keeps only the definition.
--
-- Assignment hands leads to users by a strategy (round robin, least loaded, territory) or by
-- hand. Whatever path changes lead.assignee_id, the database writes the lead_assignment row, so no
-- path can forget it; the strategy and the rule that matched arrive as transaction-local settings.

CREATE TABLE segment (
  organization_id uuid NOT NULL REFERENCES organization (id) ON DELETE CASCADE,
  id              uuid NOT NULL DEFAULT gen_random_uuid(),
  name            text NOT NULL CHECK (name = btrim(name) AND length(name) BETWEEN 1 AND 100),
  description     text CHECK (length(description) <= 2000),
  -- the definition as validated (its canonical form: shorthands spelled out)
  filter          jsonb NOT NULL CHECK (jsonb_typeof(filter) = 'object'),
  -- leads selected when last counted (on create and by `segments count`); a count, not a list
  lead_count      integer CHECK (lead_count >= 0),
  counted_at      timestamptz,
  created_by      uuid,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (organization_id, id),
  FOREIGN KEY (organization_id, created_by) REFERENCES app_user (organization_id, id) ON DELETE SET NULL (created_by),
  CHECK ((lead_count IS NULL) = (counted_at IS NULL))
);
-- One name per organization whatever its case: `--segment "Hot Austin"` must name one segment.
CREATE UNIQUE INDEX segment_name_key ON segment (organization_id, lower(name));
SELECT porchlight_tenant_table('segment');
-- Everyone reads segments; managers and up define, count and delete them (an agent's count would
-- be of the leads the agent can see, not of the organization's).
CREATE POLICY managers_insert ON segment AS RESTRICTIVE FOR INSERT WITH CHECK (app_user_role() <> 'agent');
CREATE POLICY managers_update ON segment AS RESTRICTIVE FOR UPDATE USING (app_user_role() <> 'agent') WITH CHECK (app_user_role() <> 'agent');
CREATE POLICY managers_delete ON segment AS RESTRICTIVE FOR DELETE USING (app_user_role() <> 'agent');
CREATE TRIGGER segment_updated_at BEFORE UPDATE ON segment FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- Territories: a ZIP, or a city in a state, belongs to one user. One owner per territory (the
-- unique key), so a lead's territory owner is never a coin toss; a lead whose parcel matches a
-- ZIP rule and a city rule goes to the ZIP's owner (the narrower rule).
CREATE TABLE territory (
  organization_id uuid NOT NULL REFERENCES organization (id) ON DELETE CASCADE,
  id              uuid NOT NULL DEFAULT gen_random_uuid(),
  user_id         uuid NOT NULL,
  kind            text NOT NULL CHECK (kind IN ('zip', 'city')),
  -- a 5-digit ZIP, or a city name in upper case as parcels carry it ('AUSTIN')
  value           text NOT NULL,
  -- the city's state; none for a ZIP
  state           text,
  created_by      uuid,
  created_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (organization_id, id),
  FOREIGN KEY (organization_id, user_id) REFERENCES app_user (organization_id, id) ON DELETE CASCADE,
  CHECK ((kind = 'zip' AND value ~ '^[0-9]{5}$' AND state IS NULL)
      OR (kind = 'city' AND value = upper(btrim(value)) AND length(value) BETWEEN 1 AND 100 AND state ~ '^[A-Z]{2}$'))
);
CREATE UNIQUE INDEX territory_key ON territory (organization_id, kind, value, state) NULLS NOT DISTINCT;
CREATE INDEX territory_user_idx ON territory (organization_id, user_id);
SELECT porchlight_tenant_table('territory');
CREATE POLICY managers_write ON territory AS RESTRICTIVE FOR INSERT WITH CHECK (app_user_role() <> 'agent');
CREATE POLICY managers_delete ON territory AS RESTRICTIVE FOR DELETE USING (app_user_role() <> 'agent');
REVOKE UPDATE ON territory FROM porchlight_app;

-- Round robin's place per organization: the agent who got the last lead. The next run starts
-- with the next agent by id, so runs are fair across each other, and an agent added or removed
-- between runs does not reshuffle the turn. Assignment runs lock this row (FOR UPDATE) for their
-- whole transaction, so two runs at once take turns instead of handing the same leads twice.
CREATE TABLE assignment_cursor (
  organization_id uuid NOT NULL REFERENCES organization (id) ON DELETE CASCADE,
  last_user_id    uuid,
  -- leads handed out by round robin so far (for the record; the turn follows last_user_id)
  dealt           bigint NOT NULL DEFAULT 0 CHECK (dealt >= 0),
  updated_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (organization_id)
);
SELECT porchlight_tenant_table('assignment_cursor');
CREATE POLICY managers_insert ON assignment_cursor AS RESTRICTIVE FOR INSERT WITH CHECK (app_user_role() <> 'agent');
CREATE POLICY managers_update ON assignment_cursor AS RESTRICTIVE FOR UPDATE USING (app_user_role() <> 'agent') WITH CHECK (app_user_role() <> 'agent');
REVOKE DELETE ON assignment_cursor FROM porchlight_app;
CREATE TRIGGER assignment_cursor_updated_at BEFORE UPDATE ON assignment_cursor FOR EACH ROW EXECUTE FUNCTION set_updated_at();

CREATE FUNCTION assignment_strategies() RETURNS text[] LANGUAGE sql IMMUTABLE
  AS $$ SELECT ARRAY['manual', 'round_robin', 'least_loaded', 'territory'] $$;

-- Every change of a lead's assignee: from whom, to whom, by which strategy and rule, by whom.
-- The users are plain ids, not foreign keys: the history outlives a removed user.
CREATE TABLE lead_assignment (
  organization_id uuid NOT NULL REFERENCES organization (id) ON DELETE CASCADE,
  id              bigint GENERATED ALWAYS AS IDENTITY,
  lead_id         uuid NOT NULL,
  from_user_id    uuid,
  to_user_id      uuid,
  strategy        text NOT NULL CHECK (strategy = ANY (assignment_strategies())),
  -- the rule that matched: 'zip 78701', 'city AUSTIN, TX', 'round robin', 'fewest open leads', a note
  reason          text CHECK (length(reason) <= 500),
  assigned_by     uuid,
  via             text NOT NULL,
  assigned_at     timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (organization_id, id),
  FOREIGN KEY (organization_id, lead_id) REFERENCES lead (organization_id, id) ON DELETE CASCADE,
  CHECK (from_user_id IS DISTINCT FROM to_user_id)
);
CREATE INDEX lead_assignment_lead_idx ON lead_assignment (organization_id, lead_id, assigned_at);
CREATE INDEX lead_assignment_to_idx ON lead_assignment (organization_id, to_user_id, assigned_at);
SELECT porchlight_tenant_table('lead_assignment');
-- Written only by the trigger below (as the owner): the application cannot forge it.
REVOKE INSERT, UPDATE, DELETE ON lead_assignment FROM porchlight_app;
CREATE POLICY agent_scope ON lead_assignment AS RESTRICTIVE FOR SELECT
  USING (app_user_role() <> 'agent' OR EXISTS (SELECT 1 FROM lead l WHERE l.organization_id = lead_assignment.organization_id AND l.id = lead_assignment.lead_id));

-- The strategy of the statement that changed the assignee: set_config('porchlight.assign_strategy',
-- ..., true) in the assigning transaction; a change made any other way (leads update, a removed
-- user's leads let go) is manual. An unknown strategy fails the CHECK above, loudly.
CREATE FUNCTION app_assign_strategy() RETURNS text LANGUAGE sql STABLE
  AS $$ SELECT coalesce(nullif(current_setting('porchlight.assign_strategy', true), ''), 'manual') $$;
CREATE FUNCTION app_assign_reason() RETURNS text LANGUAGE sql STABLE
  AS $$ SELECT nullif(current_setting('porchlight.assign_reason', true), '') $$;

-- The rule that gave a lead to its owner, for a territory run's history: the owner's ZIP rule
-- for the parcel, else their city rule; none when the lead fell through to round robin.
CREATE FUNCTION territory_rule_of(org uuid, property uuid, owner uuid) RETURNS text LANGUAGE sql STABLE
  SET search_path = pg_catalog, public, pg_temp AS $$
  SELECT CASE t.kind WHEN 'zip' THEN 'zip ' || t.value ELSE 'city ' || t.value || ', ' || t.state END
  FROM property p
  JOIN territory t ON t.organization_id = p.organization_id AND t.user_id = owner
   AND ((t.kind = 'zip' AND t.value = p.zip) OR (t.kind = 'city' AND t.value = upper(p.city) AND t.state = p.state))
  WHERE p.organization_id = org AND p.id = property
  ORDER BY t.kind = 'zip' DESC
  LIMIT 1
$$;

-- Statement-level over transition tables, as the other history: a bulk assignment writes its
-- history in one insert. Strategy and reason are per statement, except that a territory run
-- names each lead's rule (a run is one statement: matched leads and the round-robin rest).
-- The old/new pairing runs through EXECUTE, as 0005 does for the other history: planned for the
-- rows each statement really has, not for the first statement of the session.
CREATE FUNCTION lead_assignment_write() RETURNS trigger LANGUAGE plpgsql
  SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO lead_assignment (organization_id, lead_id, from_user_id, to_user_id, strategy, reason, assigned_by, via)
    SELECT n.organization_id, n.id, NULL, n.assignee_id, app_assign_strategy(), app_assign_reason(), app_user_id(), app_via()
    FROM new_rows n WHERE n.assignee_id IS NOT NULL;
  ELSE
    EXECUTE $q$
      INSERT INTO lead_assignment (organization_id, lead_id, from_user_id, to_user_id, strategy, reason, assigned_by, via)
      SELECT n.organization_id, n.id, o.assignee_id, n.assignee_id, $1,
             CASE WHEN $1 = 'territory' AND n.assignee_id IS NOT NULL
                  THEN coalesce(territory_rule_of(n.organization_id, n.property_id, n.assignee_id), 'no territory matched: round robin')
                  ELSE $2 END,
             app_user_id(), app_via()
      FROM new_rows n JOIN old_rows o ON o.organization_id = n.organization_id AND o.id = n.id
      WHERE n.assignee_id IS DISTINCT FROM o.assignee_id $q$
    USING app_assign_strategy(), app_assign_reason();
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER lead_assignment_insert AFTER INSERT ON lead
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION lead_assignment_write();
CREATE TRIGGER lead_assignment_update AFTER UPDATE ON lead
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION lead_assignment_write();
