-- The access rules of issue 11, each attacked where it used to break: who may review an item (a
-- NULL recipient never passes), visible once released, QA-only fields, no self-review, a person's
-- login (by OID; no group, superuser or BYPASSRLS; re-sends keep stored values), who may act for an
-- authority, days after today, the threshold's floor, and plans that show nothing of other rows.
-- Every assertion here was seen failing with its guard removed (make mutate, doc/development.md).
BEGIN;
SET client_min_messages = warning;
CREATE EXTENSION feedback_rbp;
RESET client_min_messages;
SELECT plan(54);
\ir ../helpers/pgtap_roles.sql
\ir ../helpers/two_authorities.sql

-- The manager M of team1 also works with a family (F4, involvement I4): their own feedback.
SELECT rbp.register_respondent('north', 'F4', 'P4', 'parent'), rbp.open_involvement('north', 'I4', 'F4', 'team1', '2026-01-05'),
       rbp.allocate_worker('north', 'I4', 'M', '2026-01-05') \g /dev/null
INSERT INTO tok VALUES ('P4', rbp.issue_invitation('north', 'I4', 'P4', 'link', 3650, '2026-02-01'));
SELECT rbp.submit_response((SELECT token FROM tok WHERE who = 'P1'), 'named', '{"q2_trust": 4}', 'online', false, '2026-03-10') \g /dev/null
SELECT rbp.submit_response((SELECT token FROM tok WHERE who = 'P2'), 'named', '{"q2_trust": 2}', 'online', false, '2026-03-11') \g /dev/null
SELECT rbp.submit_response((SELECT token FROM tok WHERE who = 'SP1'), 'named', '{"q2_trust": 3}', 'online', false, '2026-03-12') \g /dev/null
SELECT rbp.submit_response((SELECT token FROM tok WHERE who = 'P4'), 'named', '{"q2_trust": 5}', 'online', false, '2026-03-13') \g /dev/null
CREATE TEMP TABLE rid AS
SELECT r.response_id, w.staff_ref AS worker FROM rbp.response r JOIN rbp.staff w ON w.staff_id = r.worker_id;
GRANT SELECT ON rid TO PUBLIC;

-- No self-review ------------------------------------------------------------------------------
SELECT results_eq($$ SELECT rt.recipient_kind::text FROM rbp.route rt JOIN rid USING (response_id) WHERE worker = 'M' AND superseded_on IS NULL $$,
                  $$ VALUES ('qa_team') $$, 'the team manager''s own feedback goes to the next responsible (QA), never to themselves');
SELECT results_eq($$ SELECT rt.recipient_kind::text FROM rbp.route rt JOIN rid USING (response_id) WHERE worker = 'B' AND superseded_on IS NULL $$,
                  $$ VALUES ('team_manager') $$, 'control: B''s feedback still goes to the manager');

-- Visible to staff once released ---------------------------------------------------------------
SET LOCAL ROLE t_manager;
SELECT is_empty('SELECT * FROM rbp.my_inbox()', 'before release the manager sees nothing routed to them');
SELECT throws_ok('SELECT count(*) FROM rbp.route', '42501', NULL, 'and cannot count routes on the table');
SELECT throws_ok($$ SELECT rbp.record_supervision_review(response_id, true) FROM rid WHERE worker = 'B' $$, 'P0002', NULL,
                 'nor review an item not yet released');
RESET ROLE;
SET LOCAL ROLE t_qa_n;
SELECT rbp.qa_release(response_id) FROM rid WHERE worker IN ('A', 'B', 'M') \g /dev/null
RESET ROLE;
SET LOCAL ROLE t_qa_s;
SELECT rbp.qa_release(response_id) FROM rid WHERE worker = 'W' \g /dev/null
RESET ROLE;
SET LOCAL ROLE t_manager;
SELECT is((SELECT count(*)::integer FROM rbp.my_inbox()), 1, 'after release the manager sees B''s item');
SELECT is((SELECT count(*)::integer FROM rbp.my_inbox() WHERE worker_id = (SELECT staff_id FROM rbp.staff WHERE staff_ref = 'M')), 0,
          'but never their own feedback in their inbox');
SELECT is((SELECT count(*)::integer FROM rbp.my_feedback()), 1, 'their own feedback is in my_feedback');
SELECT throws_ok($$ SELECT rbp.record_supervision_review(response_id, true) FROM rid WHERE worker = 'M' $$, 'P0002', NULL,
                 'the manager cannot review their own feedback');
RESET ROLE;

-- Who may review an item routed to a QA team (recipient NULL) ------------------------------------
SET LOCAL ROLE t_qa_n;
SELECT throws_ok($$ SELECT rbp.record_supervision_review(response_id, true) FROM rid WHERE worker = 'W' $$, 'P0002', NULL,
                 'QA of another authority cannot close south''s QA-team review');
RESET ROLE;
SET LOCAL ROLE t_worker_s;
SELECT throws_ok($$ SELECT rbp.record_supervision_review(response_id, true) FROM rid WHERE worker = 'W' $$, 'P0002', NULL,
                 'the worker the feedback is about cannot close it');
RESET ROLE;
SET LOCAL ROLE t_worker_a;
SELECT throws_ok($$ SELECT rbp.record_supervision_review(response_id, true) FROM rid WHERE worker = 'W' $$, 'P0002', NULL,
                 'a worker of another authority cannot close it');
RESET ROLE;
CREATE ROLE t_qa_s_nobody LOGIN IN ROLE rbp_qa;
SELECT rbp.map_login('t_qa_s_nobody', 'qa', 'south') \g /dev/null
SET LOCAL ROLE t_qa_s_nobody;
SELECT throws_ok($$ SELECT rbp.record_supervision_review(response_id, true) FROM rid WHERE worker = 'W' $$, 'P0002', NULL,
                 'a QA login registered as nobody (no member of staff) cannot review: the reviewer must be a person');
RESET ROLE;
-- F12 (red-team): a QA login mapped to south whose staff record is north's (north's case system
-- registered it) must not review south's QA-team item under north's record.
CREATE ROLE t_qa_s_elsewhere LOGIN IN ROLE rbp_qa;
SELECT rbp.map_login('t_qa_s_elsewhere', 'qa', 'south'),
       rbp.register_staff('north', 'QX', 'QA of south, staff of north', NULL, 't_qa_s_elsewhere', true) \g /dev/null
SET LOCAL ROLE t_qa_s_elsewhere;
SELECT throws_ok($$ SELECT rbp.record_supervision_review(response_id, true) FROM rid WHERE worker = 'W' $$, 'P0002', NULL,
                 'F12: QA of south registered as staff of north only cannot review south''s QA-team item under north''s record');
RESET ROLE;
-- And the other way round: staff of south (registered by south's case system), QA of north only.
CREATE ROLE t_qa_n_staff_s LOGIN IN ROLE rbp_qa;
SELECT rbp.map_login('t_qa_n_staff_s', 'qa', 'north'),
       rbp.register_staff('south', 'QY', 'QA of north, staff of south', NULL, 't_qa_n_staff_s', true) \g /dev/null
SET LOCAL ROLE t_qa_n_staff_s;
SELECT throws_ok($$ SELECT rbp.record_supervision_review(response_id, true) FROM rid WHERE worker = 'W' $$, 'P0002', NULL,
                 'a staff record of south is not enough: a QA login not mapped to south cannot review its QA-team item');
RESET ROLE;
SELECT is((SELECT count(*)::integer FROM rbp.supervision_review), 0, 'after the six refusals no review exists');
SET LOCAL ROLE t_qa_s;
SELECT lives_ok($$ SELECT rbp.record_supervision_review(response_id, true) FROM rid WHERE worker = 'W' $$,
                'QA of south reviews its QA-team item');
SELECT throws_ok($$ SELECT rbp.record_supervision_review(response_id, true) FROM rid WHERE worker = 'W' $$, 'P0002', NULL,
                 'once: a second review of the same item is refused');
RESET ROLE;

-- QA-only fields never reach staff -------------------------------------------------------------
SELECT is_empty($$ SELECT p.proname, n FROM pg_proc p, unnest(p.proargnames) n
                    WHERE p.pronamespace = 'rbp'::regnamespace AND p.proname IN ('my_feedback', 'my_inbox', 'my_answers')
                      AND n IN ('qa_note', 'escalated', 'qa_status', 'respondent_id', 'involvement_id') $$,
                'the staff functions return no QA note, escalation flag, QA status or family');
-- (worker-only feedback shows its month, never a day: test/sql/32_rls.sql)

-- Plans and counters say nothing about other rows ----------------------------------------------
CREATE FUNCTION pg_temp.explain_json(q text) RETURNS json LANGUAGE plpgsql AS $$
DECLARE p json; BEGIN EXECUTE 'EXPLAIN (ANALYZE, FORMAT JSON) ' || q INTO p; RETURN p; END $$;
SET LOCAL ROLE t_worker_a;
SELECT ok(NOT EXISTS (SELECT FROM (SELECT jsonb_path_query(p::jsonb, 'strict $.**."Node Type"') #>> '{}' AS node
                                     FROM (SELECT pg_temp.explain_json('SELECT * FROM rbp.my_feedback()') AS p) e) n
                       WHERE node <> 'Function Scan'),
          'a worker''s EXPLAIN ANALYZE of my_feedback() shows one Function Scan, no scan of the table');
SELECT ok(NOT EXISTS (SELECT FROM (SELECT pg_temp.explain_json('SELECT * FROM rbp.my_inbox()') AS p) e
                       WHERE p::text ~ 'Rows Removed|Relation Name'),
          'nor of my_inbox(): no relation, no rows removed');
RESET ROLE;

-- A person's login --------------------------------------------------------------------------------
CREATE ROLE t_super LOGIN SUPERUSER;
CREATE ROLE t_bypass LOGIN BYPASSRLS IN ROLE rbp_staff;
CREATE ROLE t_nologin NOLOGIN IN ROLE rbp_staff;
CREATE ROLE t_groupish LOGIN IN ROLE rbp_staff;
CREATE ROLE t_member LOGIN IN ROLE t_groupish;
SELECT throws_ok($$ SELECT rbp.register_staff('north', 'X1', 'X', 'team1', 'rbp_qa') $$, '22023', NULL, 'a group role (rbp_qa) is refused as a person''s login');
SELECT throws_ok($$ SELECT rbp.register_staff('north', 'X1', 'X', 'team1', 't_groupish') $$, '22023', NULL, 'so is a login other roles are members of');
SELECT throws_ok($$ SELECT rbp.register_staff('north', 'X1', 'X', 'team1', 't_nologin') $$, '22023', NULL, 'and a NOLOGIN role');
SELECT throws_ok($$ SELECT rbp.register_staff('north', 'X1', 'X', 'team1', 't_super') $$, '22023', NULL, 'a superuser');
SELECT throws_ok($$ SELECT rbp.register_staff('north', 'X1', 'X', 'team1', 't_bypass') $$, '22023', NULL, 'a BYPASSRLS role');
SELECT throws_ok($$ SELECT rbp.register_staff('north', 'X1', 'X', 'team1', 't_nobody') $$, '42704', NULL, 'a login that does not exist');
SELECT throws_ok($$ SELECT rbp.map_login('t_super', 'qa', 'north') $$, '22023', NULL, 'the same rule applies to mapped logins');
SELECT throws_ok($$ SELECT rbp.map_login('t_worker_a', 'qa', 'north') $$, '22023', NULL, 'a login is mapped only for the work of its group role');
SELECT throws_ok($$ SELECT rbp.register_staff('north', 'X1', 'X', 'team1', 't_worker_a') $$, '23505', NULL, 'one login is one person');
SELECT rbp.register_staff('north', 'QN', 'QA North (renamed)') \g /dev/null
SELECT results_eq($$ SELECT db_role::text, is_qa FROM rbp.staff WHERE staff_ref = 'QN' $$, $$ VALUES ('t_qa_n', true) $$,
                  're-sending a person''s details without login or QA flag keeps both');
SELECT rbp.register_staff('north', 'B', 'Worker B', NULL) \g /dev/null
SELECT results_eq($$ SELECT db_role::text, t.code FROM rbp.staff s JOIN rbp.team t USING (team_id) WHERE staff_ref = 'B' $$,
                  $$ VALUES ('t_worker_b', 'team1') $$, 'and without a team keeps the team');
-- A leaver's login is dropped; a new login takes the same name.
SELECT rbp.unmap_staff_login('north', 'B') \g /dev/null
SELECT is((SELECT db_role FROM rbp.staff WHERE staff_ref = 'B'), NULL, 'unmap_staff_login removes a login on purpose');
SELECT rbp.register_staff('north', 'B', 'Worker B', NULL, 't_worker_b') \g /dev/null
DROP ROLE t_worker_b;
CREATE ROLE t_worker_b LOGIN IN ROLE rbp_staff;
SET LOCAL ROLE t_worker_b;
SELECT is_empty('SELECT * FROM rbp.my_feedback()', 'a new login re-using a leaver''s name inherits none of their feedback (logins by OID)');
RESET ROLE;

-- Who may act for an authority ------------------------------------------------------------------
CREATE ROLE t_case_unmapped LOGIN IN ROLE rbp_case_system;
SET LOCAL ROLE t_case_unmapped;
SELECT throws_ok($$ SELECT rbp.register_team('north', 'x', 'X') $$, '42501', NULL, 'an unmapped case-system login registers nothing');
SELECT throws_ok($$ SELECT rbp.register_team('nowhere', 'x', 'X') $$, '42501', NULL, 'and learns nothing about which authorities exist');
RESET ROLE;
SET LOCAL ROLE t_case_n;
SELECT throws_ok($$ SELECT rbp.register_staff('south', 'X2', 'X', 'steam') $$, '42501', NULL, 'north''s case system cannot register staff of south');
SELECT throws_ok($$ SELECT rbp.issue_invitation('south', 'SI1', 'SP1', 'link') $$, '42501', NULL, 'nor issue south''s invitations');
SELECT lives_ok($$ SELECT rbp.register_team('north', 'team2', 'Team Two') $$, 'but registers north''s teams');
RESET ROLE;
CREATE ROLE t_admin_qa LOGIN IN ROLE rbp_admin, rbp_qa;
SET LOCAL ROLE t_admin_qa;
SELECT throws_ok($$ SELECT rbp.create_theme('north', 'By an administrator') $$, '42501', NULL,
                 'an administrator who is also in rbp_qa still needs a QA mapping to act as QA');
RESET ROLE;
SET LOCAL ROLE t_qa_n;
SELECT is((SELECT count(*)::integer FROM rbp.staff WHERE authority_id <> (SELECT authority_id FROM rbp.authority WHERE code = 'north')), 0,
          'QA of north reads no staff of south');
RESET ROLE;
-- F6 (red-team): a QA login that a case system registered as staff (p_is_qa) reads no directory of
-- an authority no administrator mapped it to, whether it is mapped to nothing or to another one.
CREATE ROLE t_qa_registered LOGIN IN ROLE rbp_qa;
SELECT rbp.register_staff('north', 'QR', 'QA registered, not mapped', NULL, 't_qa_registered', true) \g /dev/null
SET LOCAL ROLE t_qa_registered;
SELECT is((SELECT count(*)::integer FROM rbp.staff) + (SELECT count(*)::integer FROM rbp.team)
          + (SELECT count(*)::integer FROM rbp.supervision) + (SELECT count(*)::integer FROM rbp.team_manager), 0,
          'F6: an unmapped QA login registered as staff of north reads no staff, team, supervision or manager row');
RESET ROLE;
SELECT rbp.map_login('t_qa_registered', 'qa', 'south') \g /dev/null
SET LOCAL ROLE t_qa_registered;
SELECT results_eq('SELECT DISTINCT a.code FROM rbp.staff s JOIN rbp.authority a USING (authority_id)', $$ VALUES ('south') $$,
                  'F6: mapped to south as QA, it reads south''s directory and not north''s, where it is registered');
RESET ROLE;
SET LOCAL ROLE t_worker_s;
SELECT results_eq('SELECT DISTINCT a.code FROM rbp.staff s JOIN rbp.authority a USING (authority_id)', $$ VALUES ('south') $$,
                  'a worker reads the staff directory of their own authority only');
SELECT is_empty('SELECT * FROM rbp.supervision', 'and no supervision of another authority');
RESET ROLE;

-- Days after today --------------------------------------------------------------------------------
SELECT throws_ok($$ SELECT rbp.release_due_feedback(current_date + 12) $$, '22023', NULL, 'release_due_feedback as of a later day: 22023');
SELECT throws_ok($$ SELECT * FROM rbp.publish_reports_rows(current_date + 1) $$, '22023', NULL, 'publishing reports as of a later day: 22023');
SELECT throws_ok($$ SELECT rbp.reroute_open_feedback(current_date + 1) $$, '22023', NULL, 'reroute_open_feedback as of a later day: 22023');
SET LOCAL ROLE t_sup1;
SELECT throws_ok($$ SELECT rbp.record_supervision_review(response_id, true, '{}', NULL, current_date + 1) FROM rbp.my_inbox() $$, '22023', NULL,
                 'a review dated after today: 22023');
RESET ROLE;

-- Scheduled and QA functions act for the caller's authorities only -------------------------------------
UPDATE rbp.authority SET auto_release_after_days = 0;
SELECT rbp.submit_response((SELECT token FROM tok WHERE who = 'P3'), 'named', '{"q2_trust": 4}', 'online', false, '2026-03-14') \g /dev/null
SELECT rbp.submit_response((SELECT token FROM tok WHERE who = 'YP1'), 'named', '{"dial_safe": 7}', 'online', false, '2026-03-14') \g /dev/null
SELECT rbp.register_respondent('south', 'SF1', 'SP2', 'parent') \g /dev/null
SELECT rbp.submit_response(rbp.issue_invitation('south', 'SI1', 'SP2', 'link', 3650, '2026-02-01'), 'named', '{"q2_trust": 4}', 'online', false, '2026-03-14') \g /dev/null
SET LOCAL ROLE t_case_n;
SELECT rbp.release_due_feedback(current_date) \g /dev/null
RESET ROLE;
SELECT results_eq($$ SELECT a.code, r.qa_status::text, count(*)::integer FROM rbp.response r JOIN rbp.authority a USING (authority_id)
                      WHERE r.submitted_on = '2026-03-14' GROUP BY 1, 2 ORDER BY 1 $$,
                  $$ VALUES ('north', 'released', 2), ('south', 'awaiting_qa', 1) $$,
                  'north''s case system releases the due items of north, and nothing of south''s, due as well');
SET LOCAL ROLE t_qa_n;
SELECT cmp_ok((SELECT count(*)::integer FROM rbp.publish_reports_rows(current_date)), '>', 0, 'QA of north publishes north''s closed periods');
SELECT throws_ok($$ SELECT * FROM rbp.publish_reports_rows(current_date, 'south') $$, '42501', NULL, 'but not south''s');
RESET ROLE;
SELECT is((SELECT count(*)::integer FROM rbp.report_publication p JOIN rbp.authority a USING (authority_id) WHERE a.code = 'south'), 0,
          'and nothing of south''s');

-- The threshold's floor -----------------------------------------------------------------------------
INSERT INTO rbp.setting VALUES ('suppression_threshold', 2) ON CONFLICT (name) DO UPDATE SET value = 2;
SELECT is(rbp.suppression_threshold(), 5, 'a threshold stored below the minimum (by a superuser''s hand) still reads as the minimum');

SELECT * FROM finish();
ROLLBACK;
