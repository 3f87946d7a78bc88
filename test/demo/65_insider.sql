-- make demo, chapter 65: anonymity that holds against an insider (issue 10, doc/threat-model.md).
-- QA tries the attacks of issue 10 with documented calls; worker-only feedback reaches Jo only
-- once Jo's caseload hides it; a batch that could be combined with others shows less; the DBA
-- closes the channels rbp.harden() can close. Builds on
-- chapters 20, 40 and 60 (Brighton & Hove).
\set ON_ERROR_STOP 1
\pset border 2
SET client_min_messages = warning;
SET search_path = public, rbp;

\echo
\echo '== 65. An insider tries: QA withdraws names it has read to fill a batch =='
\echo 'Sixteen more families of Sam and Jo; QA reads four named answers, then withdraws all four to anonymous,'
\echo 'hoping that with one genuinely anonymous answer the batch completes and the one row it never read is theirs:'
SET ROLE demo_case_system;
SELECT count(rbp.register_respondent('brighton_hove', format('FAMX%s', i), format('PX%s', i), 'parent')) AS parents,
       count(rbp.open_involvement('brighton_hove', format('INVX%s', i), format('FAMX%s', i), 'fst_north', '2026-10-01')) AS involvements,
       count(rbp.allocate_worker('brighton_hove', format('INVX%s', i), CASE WHEN i % 2 = 1 THEN 'SW001' ELSE 'SW002' END, '2026-10-01')) AS allocations
  FROM generate_series(1, 16) AS i;
CREATE TEMP TABLE demo_x_token (i integer PRIMARY KEY, token text NOT NULL);
GRANT ALL ON demo_x_token TO PUBLIC;
INSERT INTO demo_x_token
SELECT i, rbp.issue_invitation('brighton_hove', format('INVX%s', i), format('PX%s', i), 'link', 60, '2026-10-01') FROM generate_series(1, 16) AS i;
RESET ROLE;
SET ROLE demo_survey;
SELECT count(rbp.submit_response(token, 'named', format('{"q2_trust": 4, "q7_anything_else": "named family %s"}', i)::jsonb,
                                  'online', false, '2026-10-06')) AS named_answers
  FROM demo_x_token WHERE i <= 4;
SELECT rbp.submit_response(token, 'anonymous', '{"q2_trust": 1, "q7_anything_else": "the family that chose anonymity"}',
                           'online', false, '2026-10-07') FROM demo_x_token WHERE i = 5;
RESET ROLE;
SET ROLE demo_qa_bh;
SELECT count(rbp.withdraw_identity(r.response_id, 'anonymous')) AS withdrawn_by_qa
  FROM rbp.response r JOIN rbp.answer a USING (response_id) WHERE a.free_text LIKE 'named family %';
RESET ROLE;
SET ROLE demo_case_system;
SELECT setseed(0.42);
SELECT rbp.release_held_feedback('2026-10-08') AS nightly_release;
RESET ROLE;
SET ROLE demo_qa_bh;
SELECT count(*) AS anonymous_rows_released_in_october FROM rbp.response WHERE anonymity = 'anonymous' AND period = '2026-10-01';
\echo 'Nothing: answers QA has read never count towards the five. The batch waits for unseen answers.'
RESET ROLE;

\echo
\echo '== Worker-only: held until Jo''s caseload hides it =='
\echo 'Jo''s worker-only answer of March (chapter 20) went out in June with Jo''s batch. Now one more family of Jo'
\echo 'answers worker-only; in November ten more families of Sam and Jo answer anonymously or worker-only:'
SET ROLE demo_survey;
SELECT rbp.submit_response(token, 'worker_only', '{"q2_trust": 2, "q6_change_one_thing": "Please come on time."}',
                           'interview_practitioner', false, '2026-10-14') FROM demo_x_token WHERE i = 6;
RESET ROLE;
SET ROLE demo_case_system;
SELECT rbp.release_held_feedback('2026-10-15') AS nightly_release;
RESET ROLE;
SET ROLE demo_qa_bh;
SELECT count(*) AS worker_only_rows_of_october FROM rbp.response WHERE anonymity = 'worker_only' AND period = '2026-10-01';
\echo 'Held: since Jo''s last batch (June) it would be the only used invitation of Jo''s that no named answer explains.'
RESET ROLE;
SET ROLE demo_survey;
SELECT count(rbp.submit_response(token, CASE WHEN i % 4 = 0 THEN 'worker_only' ELSE 'anonymous' END::rbp.anonymity,
                                 format('{"q2_trust": %s, "q7_anything_else": "autumn %s"}', 1 + i % 5, i)::jsonb,
                                 'online', false, '2026-11-03')) AS more_answers
  FROM demo_x_token WHERE i >= 7;
RESET ROLE;
SET ROLE demo_case_system;
SELECT rbp.release_held_feedback('2026-11-04') AS nightly_release;
RESET ROLE;
SET ROLE demo_qa_bh;
\echo 'Now released to QA, under a fresh id: Jo and the month of the batch, no date, no channel, no family:'
SELECT r.anonymity, w.display_name AS worker, r.respondent_kind, r.channel, r.period, r.submitted_on, r.qa_status,
       (SELECT string_agg(a.free_text, ' ') FROM rbp.answer a WHERE a.response_id = r.response_id) AS words
  FROM rbp.response r JOIN rbp.staff w ON w.staff_id = r.worker_id
 WHERE r.anonymity = 'worker_only' AND r.period = '2026-11-01' ORDER BY words;
\echo 'QA tries to join it to an invitation by xmin: no used invitation shares a transaction with a released row.'
SELECT count(*) AS invitations_sharing_an_xmin_with_released_rows
  FROM rbp.invitation i JOIN rbp.response r ON r.xmin = i.xmin WHERE r.anonymity <> 'named';
\echo 'The anonymous batch went out too, with the four withdrawn answers QA had read, and the one withdrawn in'
\echo 'chapter 40 (they join, never count towards the five):'
SELECT count(*) FILTER (WHERE a.free_text LIKE 'named family %') AS withdrawn_in_this_chapter,
       count(*) FILTER (WHERE a.free_text NOT LIKE 'named family %') AS other_rows
  FROM rbp.response r JOIN rbp.answer a USING (response_id)
 WHERE r.anonymity = 'anonymous' AND r.period = '2026-11-01' AND a.free_text IS NOT NULL;
RESET ROLE;

\echo
\echo '== A reader who combines every release =='
\echo 'Jo''s worker-only answers shared the November anonymous batch''s window. Had that batch shown its channel'
\echo '(all five were given online), QA could pin it to the online invitations and so prove the others worker-only,'
\echo 'narrowing Jo''s worker-only rows when combined with every other batch. So it shows neither channel nor team'
\echo '(doc/threat-model.md, "Joint inference"; test/sql/45_adversary_model.sql solves all releases together):'
SET ROLE demo_qa_bh;
SELECT count(*) AS anonymous_rows_of_november, count(channel) AS showing_a_channel, count(team_id) AS showing_a_team
  FROM rbp.response WHERE anonymity = 'anonymous' AND period = '2026-11-01';
RESET ROLE;

\echo
\echo '== The case system learns no counts: the nightly jobs return nothing =='
SET ROLE demo_case_system;
SELECT rbp.release_held_feedback('2026-11-05') AS release, rbp.reroute_open_feedback('2026-01-02') AS reroute,
       rbp.release_due_feedback('2026-11-05') AS due_release;
RESET ROLE;

\echo
\echo '== Size: every held submission takes the same bytes; longer free text is refused =='
SET ROLE demo_case_system;
SELECT rbp.issue_invitation('brighton_hove', 'INVX1', 'PX1', 'link', 60, '2026-11-10') AS long_token \gset
RESET ROLE;
SET ROLE demo_survey;
\set ON_ERROR_STOP 0
SELECT rbp.submit_response(:'long_token', 'anonymous', jsonb_build_object('q7_anything_else', repeat('x', 2001)),
                           p_submitted_on => '2026-11-11');
\set ON_ERROR_STOP 1
RESET ROLE;

\echo
\echo '== The DBA closes what rbp.harden() can close; privacy_check never calls the rest ok =='
SET ROLE demo_admin;
SELECT channel, count(*) AS revocations_listed FROM rbp.harden() GROUP BY channel ORDER BY channel;
RESET ROLE;
SELECT count(*) AS revocations_applied FROM rbp.harden(p_apply => true);
SET ROLE demo_admin;
SELECT risk, status FROM rbp.privacy_check()
 WHERE risk IN ('table_activity_counters', 'function_call_counters', 'commit_timestamps', 'lock_view', 'relation_sizes',
                'catalog_row_estimates')
 ORDER BY risk;
RESET ROLE;
