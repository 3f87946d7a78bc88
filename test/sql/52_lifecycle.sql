-- The lifecycle of people and cases through the case system's API (doc/case-system.md): what a
-- routed item is about, idempotent re-sends, handover, ending a manager, cancel and reissue,
-- reminder dates, reopening, moving and merging family members, staff leavers.
-- Mutations seen failing: without the release check in rbp.routed_item, test 1; with
-- rbp.case_system_serves always true, test 5; without the "same fact" look-up in
-- rbp.register_supervision, the suite aborts at test 9 (23P01); without the pause check in
-- rbp.record_reminder, test 29; without the schedule trigger on rbp.respondent, tests 32-35.
BEGIN;
SET client_min_messages = warning;
CREATE EXTENSION feedback_rbp;
RESET client_min_messages;
SELECT plan(52);
\ir ../helpers/pgtap_roles.sql
\ir ../helpers/two_authorities.sql

CREATE TEMP VIEW current_route AS
SELECT r.response_id, w.staff_ref AS worker, rt.route_id, rt.recipient_kind::text AS kind, s.staff_ref AS reviewer
  FROM rbp.response r JOIN rbp.route rt ON rt.response_id = r.response_id AND rt.superseded_on IS NULL
  LEFT JOIN rbp.staff w ON w.staff_id = r.worker_id LEFT JOIN rbp.staff s ON s.staff_id = rt.recipient_id;
GRANT SELECT ON current_route TO PUBLIC;

-- ---- routed_item --------------------------------------------------------------------------
SELECT rbp.submit_response((SELECT token FROM tok WHERE who = 'P1'), 'named', '{"q2_trust": 4, "q7_anything_else": "secret words"}',
                           'online', false, '2026-04-02') \g /dev/null
SELECT rbp.submit_response((SELECT token FROM tok WHERE who = 'P2'), 'named', '{"q2_trust": 2}', 'online', false, '2026-04-02') \g /dev/null
CREATE TEMP TABLE r AS SELECT worker, route_id, response_id FROM current_route;
GRANT SELECT ON r TO PUBLIC;

SET LOCAL ROLE t_case;
SELECT throws_ok(format('SELECT * FROM rbp.routed_item(%L)', (SELECT route_id FROM r WHERE worker = 'A')), 'P0002', NULL,
    'before QA releases it, the case system learns nothing of an item (same error as an unknown id)');
RESET ROLE;
SET LOCAL ROLE t_qa_n;
SELECT rbp.qa_release(response_id) FROM r \g /dev/null
RESET ROLE;
SET LOCAL ROLE t_case;
SELECT results_eq(format('SELECT authority, worker_ref, recipient_kind::text, recipient_ref, state FROM rbp.routed_item(%L)',
                         (SELECT route_id FROM r WHERE worker = 'A')),
                  $$ VALUES ('north', 'A', 'supervisor', 'S2', 'open') $$,
                  'once released, the case system learns whom to alert: authority, worker, recipient, state');
SELECT results_eq(format('SELECT worker_ref, recipient_kind::text, recipient_ref FROM rbp.routed_item(%L::text)',
                         (SELECT route_id FROM r WHERE worker = 'B')),
                  $$ VALUES ('B', 'team_manager', 'M') $$, 'the route id may be passed as a string (JDBC setString)');
SELECT throws_ok($$ SELECT * FROM rbp.routed_item('00000000-0000-0000-0000-000000000000') $$, 'P0002', NULL,
    'an unknown route id: P0002');
RESET ROLE;
-- Only for authorities the login serves (rbp.case_system_serves: the administrator's mapping).
SELECT rbp.submit_response((SELECT token FROM tok WHERE who = 'SP1'), 'named', '{"q2_trust": 3}', 'online', false, '2026-04-02') \g /dev/null
CREATE TEMP TABLE rs AS SELECT rt.route_id, rt.response_id FROM rbp.route rt JOIN rbp.response x USING (response_id)
 WHERE x.respondent_id = (SELECT respondent_id FROM rbp.respondent WHERE respondent_ref = 'SP1');
GRANT SELECT ON rs TO PUBLIC;
SET LOCAL ROLE t_qa_s;
SELECT rbp.qa_release(response_id) FROM rs \g /dev/null
RESET ROLE;
SET LOCAL ROLE t_case_n;
SELECT throws_ok(format('SELECT * FROM rbp.routed_item(%L)', (SELECT route_id FROM rs)), 'P0002', NULL,
    'a case-system login mapped to north learns nothing of a released item of south');
SELECT is((SELECT worker_ref FROM rbp.routed_item((SELECT route_id FROM r WHERE worker = 'A'))), 'A',
    'and does learn whom to alert for north''s item');
RESET ROLE;
SELECT is((SELECT proallargtypes::regtype[] FROM pg_proc WHERE oid = 'rbp.routed_item(uuid)'::regprocedure),
          ARRAY['uuid', 'uuid', 'text', 'text', 'rbp.recipient_kind', 'text', 'text']::regtype[], 'its columns are ids, references, a kind and a state: nothing of the content');
SELECT ok(NOT has_function_privilege('t_intake', 'rbp.routed_item(uuid)', 'EXECUTE')
          AND NOT has_function_privilege('t_worker_a', 'rbp.routed_item(uuid)', 'EXECUTE')
          AND NOT has_function_privilege('t_report', 'rbp.routed_item(uuid)', 'EXECUTE'),
          'only the case system may call routed_item');

-- ---- the same fact sent again is a no-op --------------------------------------------------
SELECT is(rbp.register_supervision('north', 'A', 'S2', '2026-04-01'), (SELECT supervision_id FROM rbp.supervision s JOIN rbp.staff w ON w.staff_id = s.worker_id WHERE w.staff_ref = 'A' AND lower(s.during) = '2026-04-01'),
          'sending the same supervision again returns the same id (no 23P01)');
SELECT is(rbp.allocate_worker('north', 'I1', 'A', '2026-01-05'), rbp.allocate_worker('north', 'I1', 'A', '2026-01-05'),
          'sending the same allocation again returns the same id');
SELECT is(rbp.register_team_manager('north', 'team1', 'M', '2026-01-01'), rbp.register_team_manager('north', 'team1', 'M', '2026-01-01'),
          'sending the same team management again returns the same id');
SELECT throws_ok($$ SELECT rbp.register_supervision('north', 'A', 'S1', '2026-05-01') $$, '23P01', NULL,
    'a different supervision that overlaps is still refused');

-- ---- supervision handover and team management --------------------------------------------
SELECT lives_ok($$ SELECT rbp.hand_over_supervision('north', 'A', 'S1', '2026-06-01') $$, 'handover in one call');
SELECT is((SELECT string_agg(sv.staff_ref || ' ' || s.during::text, ', ' ORDER BY lower(s.during)) FROM rbp.supervision s
             JOIN rbp.staff w ON w.staff_id = s.worker_id JOIN rbp.staff sv ON sv.staff_id = s.supervisor_id WHERE w.staff_ref = 'A'),
          'S1 [2026-01-01,2026-04-01), S2 [2026-04-01,2026-06-01), S1 [2026-06-01,)',
          'the open-ended earlier supervision ended the day before');
SELECT lives_ok($$ SELECT rbp.hand_over_supervision('north', 'A', 'S1', '2026-06-01') $$, 'sending the handover again changes nothing');
SELECT is((SELECT reviewer FROM current_route WHERE response_id = (SELECT response_id FROM r WHERE worker = 'A')), 'S1', 'the open item followed the new supervisor');
SELECT throws_ok($$ SELECT rbp.end_team_manager('north', 'team1', '2025-12-31') $$, 'P0002', NULL,
    'ending a management on a day it does not cover: P0002');
SELECT lives_ok($$ SELECT rbp.end_team_manager('north', 'team1', '2026-06-30') $$, 'end a team manager');
SELECT lives_ok($$ SELECT rbp.end_team_manager('north', 'team1', '2026-06-30') $$, 'sending it again changes nothing');
SELECT lives_ok($$ SELECT rbp.register_team_manager('north', 'team1', 'S1', '2026-07-01') $$,
    'a new manager can then be registered (no 23P01)');

-- ---- cancel and reissue ------------------------------------------------------------------
SELECT is(rbp.cancel_invitation('north', 'I3', 'P3', '2026-02-10'), 1, 'cancel the open invitation of P3');
SELECT is(rbp.cancel_invitation('north', 'I3', 'P3', '2026-02-10'), 0, 'cancelling again: nothing more to cancel');
SET LOCAL ROLE t_intake;
SELECT throws_ok(format('SELECT * FROM rbp.survey_questions(%L)', (SELECT token FROM tok WHERE who = 'P3')), '22023', NULL,
    'a cancelled token shows no questions');
SELECT throws_ok(format('SELECT rbp.submit_response(%L, ''named'', ''{}'')', (SELECT token FROM tok WHERE who = 'P3')), '22023', NULL,
    'a cancelled token takes no response');
RESET ROLE;
INSERT INTO tok VALUES ('P3new', rbp.reissue_invitation('north', 'I3', 'P3', NULL, 3650, '2026-02-10'));
SELECT is((SELECT channel::text FROM rbp.invitation WHERE token_hash = rbp.token_hash((SELECT token FROM tok WHERE who = 'P3new'))),
          'qr_code', 'the reissued invitation keeps the channel of the one it replaces');
SET LOCAL ROLE t_intake;
SELECT lives_ok(format('SELECT rbp.submit_response(%L, ''named'', ''{"q2_trust": 3}'', ''online'', false, ''2026-02-11'')',
                       (SELECT token FROM tok WHERE who = 'P3new')), 'the new token works');
RESET ROLE;

-- ---- record_reminder: dates and state ----------------------------------------------------
CREATE TEMP TABLE inv AS
SELECT r.respondent_ref, i.invitation_id FROM rbp.invitation i JOIN rbp.respondent r USING (respondent_id) WHERE i.used_on IS NULL AND i.cancelled_on IS NULL;
SELECT throws_ok(format('SELECT rbp.record_reminder(%s, %L)', (SELECT invitation_id FROM inv WHERE respondent_ref = 'YP1'), '2026-01-31'),
    '22023', NULL, 'a reminder dated before the invitation was issued is refused');
SELECT throws_ok(format('SELECT rbp.record_reminder(%s, %L)', (SELECT invitation_id FROM inv WHERE respondent_ref = 'YP1'), '2036-02-01'),
    '22023', NULL, 'a reminder dated after the invitation expired is refused');
SELECT rbp.pause_invitations('north', 'YP1', '2026-03-01') \g /dev/null
SELECT throws_ok(format('SELECT rbp.record_reminder(%s, %L)', (SELECT invitation_id FROM inv WHERE respondent_ref = 'YP1'), '2026-02-20'),
    '55000', NULL, 'a reminder during a pause is refused');
SELECT is(rbp.record_reminder((SELECT invitation_id FROM inv WHERE respondent_ref = 'YP1'), '2026-03-01'), 1,
    'on the day the pause ends it is recorded');
SELECT throws_ok(format('SELECT rbp.record_reminder(%s, %L)',
                        (SELECT invitation_id FROM rbp.invitation WHERE cancelled_on IS NOT NULL LIMIT 1), '2026-02-20'),
    '55000', NULL, 'a reminder of a cancelled invitation is refused');

-- ---- moving a family member: schedules follow --------------------------------------------
SELECT rbp.move_family_member('north', 'P3', 'F1') \g /dev/null
SELECT ok(NOT EXISTS (SELECT FROM rbp.due_invitations('2026-12-31', 'north') WHERE respondent_ref = 'P3' AND involvement_ref = 'I3'),
    'after a move, the old family''s involvement no longer lists the member');
SELECT ok(EXISTS (SELECT FROM rbp.due_invitations('2026-12-31', 'north') WHERE respondent_ref = 'P3' AND involvement_ref = 'I1'),
    'the new family''s open involvement lists them');
SELECT lives_ok($$ SELECT rbp.issue_invitation(authority, involvement_ref, respondent_ref, channel, 28, '2026-12-01')
                     FROM rbp.due_invitations('2026-12-31', 'north') WHERE purpose <> 'reminder' $$,
    'the daily loop issues every listed invitation without an error');
SELECT rbp.register_respondent('north', 'F3', 'P3', 'carer') \g /dev/null
SELECT ok(EXISTS (SELECT FROM rbp.invitation_schedule s JOIN rbp.involvement v USING (involvement_id) JOIN rbp.respondent r USING (respondent_id)
                   WHERE r.respondent_ref = 'P3' AND v.involvement_ref = 'I3' AND s.phase <> 'done')
          AND EXISTS (SELECT FROM rbp.invitation_schedule s JOIN rbp.involvement v USING (involvement_id) JOIN rbp.respondent r USING (respondent_id)
                   WHERE r.respondent_ref = 'P3' AND v.involvement_ref = 'I1' AND s.phase = 'done'),
    'moving back through register_respondent: the schedules follow too');
SELECT is(rbp.move_family_member('north', 'P3', 'F3'), (SELECT family_id FROM rbp.family WHERE family_ref = 'F3'),
    'moving to the family they are in changes nothing');

-- ---- reopening ---------------------------------------------------------------------------
SELECT rbp.close_involvement('north', 'I2', '2026-05-31') \g /dev/null
SELECT rbp.register_respondent('north', 'F2', 'P2b', 'carer') \g /dev/null
SELECT is(rbp.reopen_involvement('north', 'I2', '2026-07-01'), (SELECT involvement_id FROM rbp.involvement WHERE involvement_ref = 'I2'),
    'reopen a closed involvement');
SELECT is((SELECT closed_on FROM rbp.involvement WHERE involvement_ref = 'I2'), NULL, 'it is open again');
SELECT results_eq($$ SELECT r.respondent_ref, s.phase::text FROM rbp.invitation_schedule s JOIN rbp.respondent r USING (respondent_id)
                      JOIN rbp.involvement v USING (involvement_id) WHERE v.involvement_ref = 'I2' ORDER BY 1 $$,
                  $$ VALUES ('P2', 'regular'), ('P2b', 'first') $$,
                  'schedules return to their cadence; a member who joined while it was closed is due');
SELECT lives_ok($$ SELECT rbp.reopen_involvement('north', 'I2') $$, 'reopening an open involvement changes nothing');
SELECT lives_ok($$ SELECT rbp.allocate_worker('north', 'I2', 'B', '2026-07-01') $$, 'a worker can be allocated again');

-- ---- staff leaver ------------------------------------------------------------------------
SELECT rbp.record_leaver('north', 'S1', current_date - 1) \g /dev/null
SELECT is((SELECT db_role FROM rbp.staff WHERE staff_ref = 'S1'), NULL, 'the leaver''s login is unmapped');
SELECT is((SELECT count(*)::integer FROM rbp.supervision s JOIN rbp.staff sv ON sv.staff_id = s.supervisor_id
            WHERE sv.staff_ref = 'S1' AND (upper_inf(s.during) OR upper(s.during) > current_date)), 0,
          'their supervision ends on their last day');
SELECT isnt((SELECT reviewer FROM current_route WHERE response_id = (SELECT response_id FROM r WHERE worker = 'A')), 'S1', 'open items routed to them moved on');
SELECT is((SELECT kind FROM current_route WHERE response_id = (SELECT response_id FROM r WHERE worker = 'A')), 'qa_team',
    'to whoever is responsible now (no supervisor, the manager left too: QA)');
SELECT lives_ok($$ SELECT rbp.record_leaver('north', 'S1', current_date - 1) $$, 'sending the leaver again changes nothing');
SET LOCAL ROLE t_sup1;
SELECT is((SELECT count(*)::integer FROM rbp.my_inbox()) + (SELECT count(*)::integer FROM rbp.my_feedback()), 0,
          'the leaver''s login reads nothing any more');
RESET ROLE;

-- ---- merging duplicates ------------------------------------------------------------------
SELECT rbp.register_respondent('north', 'F1dup', 'P1dup', 'parent') \g /dev/null
SELECT rbp.opt_out_of_invitations('north', 'P1dup', '2026-03-01') \g /dev/null
SELECT is(rbp.merge_families('north', 'F1', 'F1dup'), (SELECT family_id FROM rbp.family WHERE family_ref = 'F1'), 'merge the duplicate family');
SELECT is((SELECT count(*)::integer FROM rbp.family WHERE family_ref = 'F1dup'), 0, 'the duplicate family is gone');
SELECT is(rbp.merge_family_members('north', 'P1', 'P1dup'), (SELECT respondent_id FROM rbp.respondent WHERE respondent_ref = 'P1'),
    'merge the duplicate family member');
SELECT is((SELECT opted_out_on FROM rbp.respondent_preference JOIN rbp.respondent USING (respondent_id) WHERE respondent_ref = 'P1'),
          '2026-03-01'::date, 'an opt-out given under the duplicate record is kept');
SELECT lives_ok($$ SELECT rbp.merge_family_members('north', 'P1', 'P1dup'), rbp.merge_families('north', 'F1', 'F1dup') $$,
    'merging again changes nothing');

SELECT * FROM finish();
ROLLBACK;
