-- Routing (G4): every named or worker-only response has exactly one responsible reviewer at any
-- time: the worker's supervisor in post on the date, else the team manager, else QA; open items
-- follow supervision changes, reviewed ones stay; the history is kept.
BEGIN;
SET client_min_messages = warning;
CREATE EXTENSION feedback_rbp;
RESET client_min_messages;
SELECT plan(17);
\ir ../helpers/pgtap_roles.sql
\ir ../helpers/two_authorities.sql

-- A's supervision: S1 until 2026-03-31 (inclusive), S2 from 2026-04-01.
CREATE TEMP VIEW current_route AS
SELECT r.submitted_on, w.staff_ref AS worker, rt.recipient_kind::text AS kind, s.staff_ref AS reviewer
  FROM rbp.response r JOIN rbp.route rt ON rt.response_id = r.response_id AND rt.superseded_on IS NULL
  LEFT JOIN rbp.staff w ON w.staff_id = r.worker_id LEFT JOIN rbp.staff s ON s.staff_id = rt.recipient_id;

-- Submissions on both sides of the boundary.
SELECT rbp.submit_response((SELECT token FROM tok WHERE who = 'P1'), 'named', '{"q2_trust": 4}', 'online', false, '2026-03-31');
-- (P3's is named: worker-only feedback is held and released later in a batch, test/sql/44_worker_only.sql)
SELECT rbp.submit_response((SELECT token FROM tok WHERE who = 'P3'), 'named', '{"q2_trust": 2}', 'online', false, '2026-04-01');
SELECT rbp.submit_response((SELECT token FROM tok WHERE who = 'P2'), 'named', '{"q2_trust": 5}', 'online', false, '2026-04-01');
SELECT rbp.submit_response((SELECT token FROM tok WHERE who = 'SP1'), 'named', '{"q2_trust": 3}', 'online', false, '2026-04-01');

SELECT results_eq($$ SELECT worker, kind, reviewer FROM current_route WHERE submitted_on = '2026-03-31' $$,
                  $$ VALUES ('A', 'supervisor', 'S1') $$, 'on the last day of a supervision, feedback goes to that supervisor');
SELECT results_eq($$ SELECT worker, kind, reviewer FROM current_route WHERE worker = 'A' AND submitted_on = '2026-04-01' $$,
                  $$ VALUES ('A', 'supervisor', 'S2') $$, 'on the first day of the next supervision, to the new supervisor');
SELECT results_eq($$ SELECT worker, kind, reviewer FROM current_route WHERE worker = 'B' $$,
                  $$ VALUES ('B', 'team_manager', 'M') $$, 'a worker without a supervisor: to the team''s manager');
SELECT results_eq($$ SELECT worker, kind, reviewer FROM current_route WHERE worker = 'W' $$,
                  $$ VALUES ('W', 'qa_team', NULL::text) $$, 'no supervisor and no manager: to the authority''s QA team');
SELECT is((SELECT count(*)::integer FROM rbp.response r WHERE r.anonymity <> 'anonymous'
            AND (SELECT count(*) FROM rbp.route rt WHERE rt.response_id = r.response_id AND rt.superseded_on IS NULL) <> 1),
          0, 'every named and worker-only response has exactly one current route');

-- A reroute as of a date before the change moves nothing; on the boundary the open item follows.
-- (reroute_open_feedback returns nothing: a count per worker would tell the case system how much
-- feedback a worker has; the routes themselves are counted here)
SELECT rbp.reroute_open_feedback('2026-03-31');
SELECT is((SELECT count(*)::integer FROM rbp.route), 4, 'rerouting as of 2026-03-31 moves nothing');
SELECT rbp.reroute_open_feedback('2026-04-01');
SELECT is((SELECT count(*)::integer FROM rbp.route), 5, 'rerouting as of 2026-04-01 moves the open item of 2026-03-31');
SELECT results_eq($$ SELECT worker, kind, reviewer FROM current_route WHERE submitted_on = '2026-03-31' $$,
                  $$ VALUES ('A', 'supervisor', 'S2') $$, 'it now rests with S2');
SELECT results_eq($$ SELECT s.staff_ref, rt.routed_on, rt.reason, rt.superseded_on FROM rbp.route rt
                       JOIN rbp.response r USING (response_id) JOIN rbp.staff s ON s.staff_id = rt.recipient_id
                      WHERE r.submitted_on = '2026-03-31' ORDER BY rt.routed_on $$,
                  $$ VALUES ('S1', '2026-03-31'::date, 'submission', '2026-04-01'::date),
                            ('S2', '2026-04-01'::date, 'supervision_change', NULL::date) $$,
                  'the routing history is kept');

-- A reviewed item stays with its reviewer when supervision changes again.
CREATE TEMP TABLE rid AS
SELECT r.response_id, r.submitted_on, r.anonymity::text AS anonymity, w.staff_ref AS worker
  FROM rbp.response r JOIN rbp.staff w ON w.staff_id = r.worker_id;
GRANT SELECT ON rid TO PUBLIC;
SET LOCAL ROLE t_qa_n;
SELECT rbp.qa_release(response_id, '2026-05-01') FROM rbp.response WHERE authority_id = (SELECT authority_id FROM rbp.authority WHERE code = 'north');
RESET ROLE;
SET LOCAL ROLE t_sup2;
SELECT throws_ok($$ SELECT rbp.record_supervision_review(response_id, true, '{training}', 'Backdated', '2026-04-30')
                     FROM rid WHERE worker = 'A' AND submitted_on = '2026-04-01' $$,
                 '22023', 'a review cannot be dated 2026-04-30, before QA released the feedback on 2026-05-01',
                 'a review dated before QA released the item is refused (red-team F15; seen failing without the check)');
SELECT lives_ok($$ SELECT rbp.record_supervision_review(response_id, true, '{training}', 'Good work', '2026-05-02')
                     FROM rid WHERE worker = 'A' AND submitted_on = '2026-04-01' $$,
                'S2 records the review of an item routed to them');
SELECT throws_ok($$ SELECT rbp.record_supervision_review(response_id, true) FROM rid WHERE worker = 'B' $$,
                 'P0002', NULL, 'S2 cannot review an item routed to someone else');
RESET ROLE;
-- Registering supervision reroutes open items as of today (the fixture's dates are all past).
SELECT rbp.end_supervision('north', 'A', '2026-05-31');
SELECT rbp.register_supervision('north', 'A', 'S1', '2026-06-01');
SELECT results_eq($$ SELECT submitted_on, reviewer FROM current_route WHERE worker = 'A' ORDER BY submitted_on $$,
                  $$ VALUES ('2026-03-31'::date, 'S1'), ('2026-04-01'::date, 'S2') $$,
                  'the open item follows A to S1 as soon as the supervision is registered; the reviewed one stays with S2');
CREATE TEMP TABLE routes_before AS SELECT * FROM rbp.route;
SELECT rbp.reroute_open_feedback('2026-06-01');
SELECT is((SELECT count(*)::integer FROM (SELECT * FROM rbp.route EXCEPT SELECT * FROM routes_before) AS changed), 0,
          'a later reroute as of an earlier date changes nothing (routing never goes back in time)');

-- Team manager changes reroute items of workers without a supervisor.
SELECT rbp.register_staff('north', 'M2', 'Manager Two', 'team1');
UPDATE rbp.team_manager SET during = daterange(lower(during), '2026-06-30', '[]');
SELECT rbp.register_team_manager('north', 'team1', 'M2', '2026-07-01');
SELECT results_eq($$ SELECT kind, reviewer FROM current_route WHERE worker = 'B' $$,
                  $$ VALUES ('team_manager', 'M2') $$, 'a new team manager takes over open items of unsupervised workers');
SELECT is((SELECT count(*)::integer FROM rbp.route WHERE superseded_on IS NULL AND recipient_id = (SELECT staff_id FROM rbp.staff WHERE staff_ref = 'M')),
          0, 'the old manager keeps no current route');

-- Supervision by a supervisor with no login still routes: nothing is ever unrouted.
SELECT is((SELECT count(*)::integer FROM rbp.route WHERE superseded_on IS NULL), 4, 'four items, four current routes');

SELECT * FROM finish();
ROLLBACK;
