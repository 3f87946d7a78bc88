-- make demo, chapter 20: an example authority driven through the API the way a case system, a
-- survey form, QA and a supervisor would, with row-level security shown from each seat.
\set ON_ERROR_STOP 1
\pset border 2
SET client_min_messages = warning;
-- The types' operators live in schema rbp: report writers and demos put it on their search_path.
SET search_path = public, rbp;

\echo
\echo '== 20. Two authorities share the database; the administrator registers them =='
-- Logins of the people in this story (a DBA maps each login to one of the group roles).
CREATE ROLE demo_admin LOGIN IN ROLE rbp_admin;
CREATE ROLE demo_case_system LOGIN IN ROLE rbp_case_system;
CREATE ROLE demo_survey LOGIN IN ROLE rbp_survey_intake;
CREATE ROLE demo_qa_bh LOGIN IN ROLE rbp_qa;
CREATE ROLE demo_sam LOGIN IN ROLE rbp_staff;     -- social worker
CREATE ROLE demo_priya LOGIN IN ROLE rbp_staff;   -- supervisor
CREATE ROLE demo_olu LOGIN IN ROLE rbp_staff;     -- supervisor from June
CREATE ROLE demo_jo LOGIN IN ROLE rbp_staff;      -- another social worker

SET ROLE demo_admin;
SELECT rbp.register_authority('brighton_hove', 'Brighton & Hove City Council') AS brighton_hove,
       rbp.register_authority('east_sussex', 'East Sussex County Council', 14) AS east_sussex;
SELECT rbp.add_support_option('brighton_hove', 'emotional', 'Your allocated social worker', 'Through the number on your leaflet', true, 1),
       rbp.add_support_option('brighton_hove', 'practical', 'Family Hub drop-in', 'Any weekday, 9am to 5pm', false, 2),
       rbp.add_support_option('brighton_hove', 'emotional', 'Parent peer support line', '0800 000 000, evenings', false, 3);
-- The administrator maps the case system, QA and report-writer logins to the authorities they serve
-- (chapter 25 shows what an unmapped or wrongly mapped login can do: nothing).
SELECT rbp.map_login('demo_case_system', 'case_system', 'brighton_hove'),
       rbp.map_login('demo_case_system', 'case_system', 'east_sussex'),
       rbp.map_login('demo_qa_bh', 'qa', 'brighton_hove');
RESET ROLE;

\echo
\echo '== The case system registers teams, staff, supervision and families =='
SET ROLE demo_case_system;
SELECT rbp.register_team('brighton_hove', 'fst_north', 'Family Support Team North');
SELECT rbp.register_team('east_sussex', 'cin_hastings', 'Child in Need, Hastings');
SELECT rbp.register_staff('brighton_hove', 'SW001', 'Sam Carter', 'fst_north', 'demo_sam'),
       rbp.register_staff('brighton_hove', 'SW002', 'Jo Lee', 'fst_north', 'demo_jo'),
       rbp.register_staff('brighton_hove', 'SUP01', 'Priya Shah', 'fst_north', 'demo_priya'),
       rbp.register_staff('brighton_hove', 'SUP02', 'Olu Adeyemi', 'fst_north', 'demo_olu'),
       rbp.register_staff('brighton_hove', 'QA01', 'Quality Assurance (B&H)', NULL, 'demo_qa_bh', true),
       rbp.register_staff('east_sussex', 'ES-SW9', 'Alex Morgan', 'cin_hastings');
-- Priya supervises Sam until the end of May; Olu from 1 June.
SELECT rbp.register_supervision('brighton_hove', 'SW001', 'SUP01', '2026-01-01', '2026-05-31');
SELECT rbp.register_supervision('brighton_hove', 'SW002', 'SUP01', '2026-01-01');
\echo 'An overlapping supervision is refused by an exclusion constraint:'
\set ON_ERROR_STOP 0
SELECT rbp.register_supervision('brighton_hove', 'SW001', 'SUP02', '2026-05-01');
\set ON_ERROR_STOP 1

-- Twelve families, each with a parent (and a young person in the first), an involvement and Sam or Jo allocated.
SELECT count(rbp.register_respondent('brighton_hove', format('FAM%s', i), format('P%s', i), 'parent')) AS parents_registered
  FROM generate_series(1, 12) AS i;
SELECT rbp.register_respondent('brighton_hove', 'FAM1', 'YP1', 'child_young_person');
SELECT count(rbp.open_involvement('brighton_hove', format('INV%s', i), format('FAM%s', i), 'fst_north', '2026-01-05')) AS involvements_opened
  FROM generate_series(1, 12) AS i;
SELECT count(rbp.allocate_worker('brighton_hove', format('INV%s', i), CASE WHEN i % 2 = 1 THEN 'SW001' ELSE 'SW002' END, '2026-01-05'))
       AS allocations FROM generate_series(1, 12) AS i;
\echo 'An allocation outside its involvement is refused:'
\set ON_ERROR_STOP 0
SELECT rbp.allocate_worker('brighton_hove', 'INV1', 'SW002', '2025-12-01');
\set ON_ERROR_STOP 1

\echo
\echo '== Invitations: the case system gets a token for the leaflet''s link or QR code =='
CREATE TEMP TABLE demo_token (respondent text PRIMARY KEY, token text NOT NULL);
GRANT ALL ON demo_token TO PUBLIC;
INSERT INTO demo_token
SELECT format('P%s', i), rbp.issue_invitation('brighton_hove', format('INV%s', i), format('P%s', i), 'qr_code', 3650, '2026-03-02')
  FROM generate_series(1, 12) AS i;
INSERT INTO demo_token VALUES ('YP1', rbp.issue_invitation('brighton_hove', 'INV1', 'YP1', 'text_message', 3650, '2026-03-02'));
SELECT respondent, length(token) AS token_length, left(token, 6) || '…' AS token FROM demo_token ORDER BY respondent LIMIT 3;
RESET ROLE;

\echo
\echo '== The survey form: questions, hover definitions and support options =='
SET ROLE demo_survey;
SELECT question_position AS "#", question_code, kind, scale_points AS points, left(prompt, 60) AS prompt
  FROM rbp.survey_questions((SELECT token FROM demo_token WHERE respondent = 'P1'));
SELECT term, left(definition, 70) || '…' AS definition FROM rbp.glossary() WHERE term IN ('trust', 'works alongside me');
SELECT * FROM rbp.support_options('brighton_hove');

\echo
\echo '== Families answer, each choosing how identifiable they are =='
SELECT rbp.submit_response((SELECT token FROM demo_token WHERE respondent = 'P1'), 'named',
       '{"q2_understands_family": 5, "q2_builds_relationships": "strongly agree", "q2_trust": 4, "q2_works_alongside": 5,
         "q4_impact": "Sam listened and things changed for us."}', 'online', false, '2026-03-10');
SELECT rbp.submit_response((SELECT token FROM demo_token WHERE respondent = 'P2'), 'worker_only',
       '{"q2_understands_family": 2, "q2_trust": "disagree", "q6_change_one_thing": "Call back when you say you will."}',
       'interview_expert_by_experience', false, '2026-03-11');
SELECT rbp.submit_response((SELECT token FROM demo_token WHERE respondent = 'P3'), 'named',
       '{"q2_understands_family": 4, "q2_sensitive_professional": 4}', 'online', false, '2026-04-20');
\echo 'Bad input is refused with a clear error and nothing is stored:'
\set ON_ERROR_STOP 0
SELECT rbp.submit_response((SELECT token FROM demo_token WHERE respondent = 'P4'), 'named', '{"q2_trust": 6}');
SELECT rbp.submit_response((SELECT token FROM demo_token WHERE respondent = 'P4'), 'named', '{"q9_favourite_colour": "blue"}');
SELECT rbp.submit_response((SELECT token FROM demo_token WHERE respondent = 'P1'), 'named', '{}');
SELECT rbp.submit_response('not-a-real-token', 'anonymous', '{}');
\set ON_ERROR_STOP 1
\echo 'Six families answer anonymously (the young person on the dials). Their answers are held; a later transaction,'
\echo 'the nightly release, lets a batch out once five unseen answers from two workers'' families are held (chapter 40):'
SELECT rbp.submit_response((SELECT token FROM demo_token WHERE respondent = 'YP1'), 'anonymous',
       '{"dial_respected": 8, "dial_mutual_trust": "7", "dial_safe": 9}', 'online', false, '2026-03-12');
SELECT rbp.submit_response((SELECT token FROM demo_token WHERE respondent = format('P%s', i)), 'anonymous',
       format('{"q2_trust": %s, "q2_works_alongside": %s}', 1 + i % 5, 1 + (i * 3) % 5)::jsonb, 'online', false, '2026-03-12')
  FROM generate_series(5, 9) AS i;
RESET ROLE;
SET ROLE demo_case_system;
SELECT rbp.release_held_feedback('2026-03-12') AS nightly_release;
RESET ROLE;

\echo
\echo '== QA of Brighton & Hove sees everything of its own authority first, anonymous included =='
SET ROLE demo_qa_bh;
SELECT anonymity, respondent_kind, channel, period, submitted_on, qa_status,
       (SELECT display_name FROM rbp.staff s WHERE s.staff_id = r.worker_id) AS worker,
       (SELECT count(*) FROM rbp.answer a WHERE a.response_id = r.response_id) AS answers
  FROM rbp.response r ORDER BY anonymity, submitted_on, respondent_kind;
\echo '(P2''s worker-only answers are held too, until Jo''s caseload makes them one of five: chapter 45.)'
\echo 'Sam sees nothing yet: QA has not released it.'
RESET ROLE;
SET ROLE demo_sam;
SELECT count(*) AS feedback_visible_to_sam FROM rbp.my_feedback();
RESET ROLE;
SET ROLE demo_qa_bh;
SELECT rbp.qa_release(response_id, '2026-03-16') FROM rbp.response WHERE anonymity <> 'anonymous' AND submitted_on < '2026-04-01';
RESET ROLE;

\echo
\echo '== Routing: to the worker''s supervisor in post on the submission date =='
SET ROLE demo_qa_bh;
SELECT r.anonymity, r.submitted_on, w.display_name AS worker, rt.recipient_kind, s.display_name AS reviewer, rt.routed_on, rt.reason
  FROM rbp.response r JOIN rbp.route rt USING (response_id)
  JOIN rbp.staff w ON w.staff_id = r.worker_id LEFT JOIN rbp.staff s ON s.staff_id = rt.recipient_id
 WHERE rt.superseded_on IS NULL ORDER BY r.submitted_on;
RESET ROLE;
\echo 'What Sam (the worker) and Priya (the supervisor) each see now:'
\echo '(staff read through rbp.my_feedback(), rbp.my_inbox() and rbp.my_answers(); worker-only feedback shows its month, never its day)'
SET ROLE demo_sam;
SELECT 'Sam' AS seat, anonymity, period, submitted_on, (SELECT count(*) FROM rbp.my_answers() a WHERE a.response_id = f.response_id) AS answers
  FROM rbp.my_feedback() f ORDER BY period;
RESET ROLE;
SET ROLE demo_priya;
SELECT 'Priya' AS seat, i.anonymity, i.period, i.submitted_on, a.question, a.score, rbp.likert_label(a.score) AS label
  FROM rbp.my_inbox() i JOIN rbp.my_answers() a USING (response_id)
 WHERE a.score IS NOT NULL ORDER BY i.period, a.question;
RESET ROLE;

\echo
\echo '== Supervision changes on 1 June: open items follow Sam to Olu (from today, when it is recorded), with the history kept =='
SET ROLE demo_case_system;
SELECT rbp.register_supervision('brighton_hove', 'SW001', 'SUP02', '2026-06-01');
RESET ROLE;
SET ROLE demo_qa_bh;
SELECT r.submitted_on, s.display_name AS reviewer, rt.routed_on, rt.reason, rt.superseded_on
  FROM rbp.response r JOIN rbp.route rt USING (response_id) LEFT JOIN rbp.staff s ON s.staff_id = rt.recipient_id
 ORDER BY r.submitted_on, rt.routed_on;
RESET ROLE;

\echo
\echo '== Olu records the supervision review: good practice celebrated =='
SET ROLE demo_olu;
SELECT rbp.record_supervision_review(response_id, true, '{}', 'Shared with the team meeting.', '2026-06-10')
  FROM rbp.my_inbox() WHERE anonymity = 'named' AND submitted_on = '2026-03-10';
SELECT submitted_on, reviewed_on, celebrated, support_offered FROM rbp.my_inbox() ORDER BY period;
RESET ROLE;

\echo
\echo '== QA themes the free text, records an action and tells families what changed =='
SET ROLE demo_qa_bh;
SELECT rbp.create_theme('brighton_hove', 'Returning calls', 'Families want calls returned when promised') AS theme_id \gset
SELECT rbp.tag_response(:theme_id, response_id) FROM rbp.response r
 WHERE EXISTS (SELECT FROM rbp.answer a WHERE a.response_id = r.response_id AND a.free_text ILIKE '%call%');
SELECT rbp.record_action('brighton_hove', 'Duty worker returns calls within one working day', :theme_id, '2026-07-01') AS action_id \gset
SELECT rbp.set_action_status(:action_id, 'done', '2026-09-01');
SELECT rbp.record_feedback_loop(:action_id, 'families', 'You said calls were not returned; we now return every call within one working day.', '2026-09-15');
SELECT t.name AS theme, a.description AS action, a.status, l.audience, l.message
  FROM rbp.action a JOIN rbp.theme t USING (theme_id) JOIN rbp.feedback_loop l USING (action_id);
RESET ROLE;

\echo
\echo '== A family withdraws its name: named -> worker_only, never back =='
SET ROLE demo_qa_bh;
SELECT response_id AS p3_id FROM rbp.response WHERE anonymity = 'named' AND submitted_on = '2026-04-20' \gset
SELECT rbp.withdraw_identity(:'p3_id', 'worker_only');
\echo 'The named row is gone: its answers are held and come back in Sam''s next worker-only batch under a fresh id'
\echo '(re-keyed, chapter 45). The old id names nothing, so the name cannot be put back:'
\set ON_ERROR_STOP 0
SELECT rbp.withdraw_identity(:'p3_id', 'named');
\set ON_ERROR_STOP 1
SELECT anonymity, count(*) AS responses FROM rbp.response GROUP BY anonymity ORDER BY anonymity;
RESET ROLE;
