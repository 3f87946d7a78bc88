-- make demo, chapter 40: anonymous feedback held and released in batches that cannot name anyone,
-- a name withdrawn for good, and the DBA's privacy check. Builds on chapter 20's authority.
\set ON_ERROR_STOP 1
\pset border 2
SET client_min_messages = warning;
SET search_path = public, rbp;

\echo
\echo '== 40. Anonymous feedback: held until it cannot name anyone =='
\echo 'In chapter 20 five parents and one young person answered anonymously. QA sees the parents'' batch;'
\echo 'the young person''s dial answers would name them beside five parents'' questionnaires, so they are held:'
SET ROLE demo_qa_bh;
SELECT respondent_kind, channel, team_id, period, count(*) AS released
  FROM rbp.response WHERE anonymity = 'anonymous' GROUP BY 1, 2, 3, 4 ORDER BY 1;
\echo 'Nobody reads the holding area, QA and the administrator included:'
\set ON_ERROR_STOP 0
SELECT * FROM rbp.anonymous_holding;
RESET ROLE;
SET ROLE demo_admin;
SELECT count(*) FROM rbp.anonymous_holding;
\set ON_ERROR_STOP 1
\echo 'The nightly release (scheduler or operator) releases only full batches and returns nothing (no count to'
\echo 'learn from): the young person stays held, carried over.'
SELECT rbp.release_held_feedback('2026-04-30') AS released_at_end_of_april;
RESET ROLE;

\echo
\echo '== Four more young people answer in May; the nightly release after the fifth lets the batch out =='
SET ROLE demo_case_system;
SELECT count(rbp.register_respondent('brighton_hove', format('FAM%s', i), format('YP%s', i), 'child_young_person')) AS young_people_registered
  FROM generate_series(2, 5) AS i;
CREATE TEMP TABLE demo_yp_token (respondent text PRIMARY KEY, token text NOT NULL);
GRANT ALL ON demo_yp_token TO PUBLIC;
INSERT INTO demo_yp_token
SELECT format('YP%s', i), rbp.issue_invitation('brighton_hove', format('INV%s', i), format('YP%s', i),
                                               (CASE WHEN i = 3 THEN 'interview' ELSE 'text_message' END)::rbp.invitation_channel, 60, '2026-05-01')
  FROM generate_series(2, 5) AS i;
RESET ROLE;
SET ROLE demo_survey;
SELECT rbp.submit_response((SELECT token FROM demo_yp_token WHERE respondent = 'YP2'), 'anonymous',
       '{"dial_respected": 6, "dial_listened_to": 7}', 'online', false, '2026-05-04');
SELECT rbp.submit_response((SELECT token FROM demo_yp_token WHERE respondent = 'YP3'), 'anonymous',
       '{"dial_safe": 4, "dial_empowered": 5}', 'interview_practitioner', true, '2026-05-06');
SELECT rbp.submit_response((SELECT token FROM demo_yp_token WHERE respondent = 'YP4'), 'anonymous',
       '{"dial_respected": 9, "dial_mutual_trust": 8}', 'online', true, '2026-05-11');
RESET ROLE;
SET ROLE demo_qa_bh;
SELECT count(*) AS young_people_visible_after_four FROM rbp.response WHERE respondent_kind = 'child_young_person';
RESET ROLE;
SET ROLE demo_survey;
SELECT rbp.submit_response((SELECT token FROM demo_yp_token WHERE respondent = 'YP5'), 'anonymous',
       '{"dial_listened_to": 10, "dial_safe": 9}', 'online', false, '2026-05-19');
RESET ROLE;
SET ROLE demo_case_system;
SELECT rbp.release_held_feedback('2026-05-19') AS nightly_release;
RESET ROLE;
\echo 'Released together, one period (May, the batch''s month; YP1 answered in March), in random order under fresh ids.'
\echo 'Channels and teams differed (one interview, two gave their team), so both are withheld for the whole batch:'
SET ROLE demo_qa_bh;
SELECT left(r.response_id::text, 8) || '…' AS fresh_id, r.respondent_kind, r.channel, r.team_id, r.period, r.submitted_on,
       string_agg(q.code || '=' || a.score::text, ', ' ORDER BY q.position) AS dials
  FROM rbp.response r JOIN rbp.answer a USING (response_id) JOIN rbp.question q USING (question_id)
 WHERE r.respondent_kind = 'child_young_person'
 GROUP BY r.response_id, r.ctid ORDER BY r.ctid;

\echo 'QA tries to re-link: each released row against each used young person''s invitation (kind, instrument, team, month):'
SELECT p.respondent_ref AS invitation_of, i.channel AS invited_by, i.used_on,
       count(r.response_id) FILTER (WHERE r.instrument_id = i.instrument_id AND r.respondent_kind = p.kind
                                      AND (r.team_id IS NULL OR r.team_id = v.team_id)
                                      AND r.period >= date_trunc('month', i.used_on)) AS consistent_released_rows,
       count(r.response_id) FILTER (WHERE r.row_xmin = i.xmin) AS rows_sharing_its_xmin
  FROM rbp.invitation i JOIN rbp.respondent p USING (respondent_id) JOIN rbp.involvement v USING (involvement_id)
  CROSS JOIN (SELECT xmin AS row_xmin, * FROM rbp.response WHERE respondent_kind = 'child_young_person') r
 WHERE p.kind = 'child_young_person' AND i.used_on IS NOT NULL
 GROUP BY p.respondent_ref, i.channel, i.used_on ORDER BY i.used_on;
\echo 'Every row fits every invitation; xmin points at the later transaction that released the whole batch, which no'
\echo 'invitation shares.'
RESET ROLE;

\echo
\echo '== A family withdraws its name completely: named -> anonymous =='
SET ROLE demo_qa_bh;
SELECT rbp.withdraw_identity(response_id, 'anonymous') FROM rbp.response WHERE anonymity = 'named' AND submitted_on = '2026-03-10';
SELECT anonymity, count(*) AS responses FROM rbp.response GROUP BY anonymity ORDER BY anonymity;
\echo 'The row, its answers, route, review and theme tag are gone; the answers wait in the holding area for the next'
\echo 'parents'' batch. QA read them under a name, so they join that batch but never count towards its five.'
\echo 'And there is no way back:'
\set ON_ERROR_STOP 0
SELECT rbp.withdraw_identity((SELECT response_id FROM rbp.response WHERE respondent_kind = 'child_young_person' LIMIT 1), 'named');
\set ON_ERROR_STOP 1
RESET ROLE;

\echo
\echo '== What the database cannot protect by itself: rbp.privacy_check() for the administrator =='
SET ROLE demo_admin;
SELECT risk, status, severity, left(detail, 90) AS detail FROM rbp.privacy_check() WHERE status <> 'ok';
RESET ROLE;
\echo 'The DBA follows the advice for the survey intake login (doc/threat-model.md):'
ALTER ROLE demo_survey SET log_min_error_statement = panic;
ALTER ROLE demo_survey SET track_activities = off;
SET ROLE demo_admin;
SELECT risk, status, severity, left(detail, 90) AS detail FROM rbp.privacy_check() WHERE status <> 'ok';
SELECT advice FROM rbp.privacy_check() WHERE risk = 'wal_and_backups';
RESET ROLE;
