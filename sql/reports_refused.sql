-- A period the suppression core cannot protect is refused, and says so: the WARNING (text, HINT)
-- that CALL rbp.publish_reports raises, the refused row, and that nothing of it is shown
-- (doc/reports.md, "Secondary suppression and the audit"). Its quarters are published by the test
-- hook with primary suppression only, which leaves a worker of 3 pinned in the year: every count
-- near it is frozen in an earlier publication.
\set VERBOSITY default
SET client_min_messages = warning;
BEGIN;
INSERT INTO rbp.authority (code, name) VALUES ('refused_la', 'Refused Authority');
INSERT INTO rbp.team (authority_id, code, name) SELECT authority_id, 'rt', 'Refused team' FROM rbp.authority WHERE code = 'refused_la';
INSERT INTO rbp.staff (authority_id, staff_ref, display_name, team_id)
SELECT authority_id, w, 'Refused worker ' || w, team_id FROM rbp.team, unnest(ARRAY['RW1', 'RW2']) w WHERE code = 'rt';
INSERT INTO rbp.response (authority_id, instrument_id, respondent_kind, channel, anonymity, period, team_id, worker_id, qa_status)
SELECT s.authority_id, (SELECT instrument_id FROM rbp.instrument WHERE code = 'parents_carers' AND rbp.is_current(instrument)),
       'parent', 'online', 'worker_only', '2025-02-01', s.team_id, s.staff_id, 'released'
  FROM rbp.staff s CROSS JOIN LATERAL generate_series(1, CASE s.staff_ref WHEN 'RW1' THEN 3 ELSE 10 END) k
 WHERE s.staff_ref IN ('RW1', 'RW2');
SELECT count(*) AS quarters_published_by_the_hook
  FROM (SELECT rbp.report_publish_period(authority_id, 'quarter', q::date, '2026-01-01', false)
          FROM rbp.authority, generate_series('2025-01-01'::date, '2025-10-01', interval '3 months') q
         WHERE code = 'refused_la') x;
COMMIT;
CALL rbp.publish_reports('2026-01-01', 'refused_la');
SELECT p.period_kind, p.period_start, p.status, p.unresolved > 0 AS has_unresolved
  FROM rbp.report_publication p JOIN rbp.authority a USING (authority_id)
 WHERE a.code = 'refused_la' AND p.period_kind = 'year';
SELECT count(*) > 0 AS listed_for_the_administrator
  FROM rbp.report_unprotected u JOIN rbp.authority a USING (authority_id) WHERE a.code = 'refused_la';
SELECT count(*) AS year_cells_shown
  FROM rbp.report_cell c JOIN rbp.authority a USING (authority_id) WHERE a.code = 'refused_la' AND c.period_kind = 'year';
RESET client_min_messages;
