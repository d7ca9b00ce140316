-- A sequence's working hours, days and time zone may change after it is made (Settings, and
-- PATCH /v1/sequences/:id): the next step of each enrollment keeps to the new hours. The graph
-- itself stays as it was written, since enrollments are walking it.
GRANT UPDATE (timezone, working_hours_start, working_hours_end, working_days) ON sequence TO porchlight_app;
