-- QA's collation and follow-up: automatic release, holds, withdrawal of names (G2 at the row level),
-- themes, forward-only actions, the feedback loop; versioned instruments.
BEGIN;
SET client_min_messages = warning;
CREATE EXTENSION feedback_rbp;
RESET client_min_messages;
SELECT plan(25);
\ir ../helpers/pgtap_roles.sql
\ir ../helpers/two_authorities.sql

-- north releases by hand; south automatically after 7 days.
SELECT rbp.register_authority('south', 'South Council', 7);
SELECT rbp.submit_response((SELECT token FROM tok WHERE who = 'P1'), 'named', '{"q2_trust": 4, "q6_change_one_thing": "Return my calls"}', 'online', false, '2026-03-10');
SELECT rbp.submit_response((SELECT token FROM tok WHERE who = 'P2'), 'named', '{"q2_trust": 2}', 'online', false, '2026-03-10');
SELECT rbp.submit_response((SELECT token FROM tok WHERE who = 'SP1'), 'named', '{"q2_trust": 3}', 'online', false, '2026-03-10');
CREATE TEMP TABLE rid AS SELECT r.response_id, a.code AS authority, s.staff_ref AS worker
  FROM rbp.response r JOIN rbp.authority a USING (authority_id) JOIN rbp.staff s ON s.staff_id = r.worker_id;
GRANT SELECT ON rid TO PUBLIC;

-- (release_due_feedback returns nothing: the case system learns no count of feedback)
SELECT rbp.release_due_feedback('2026-03-16');
SELECT is((SELECT count(*)::integer FROM rbp.response WHERE qa_status = 'released'), 0,
          'six days after submission nothing is released automatically');
SELECT rbp.release_due_feedback('2026-03-17');
SELECT results_eq($$ SELECT rid.authority FROM rbp.response r JOIN rid USING (response_id) WHERE r.qa_status = 'released' $$,
                  $$ VALUES ('south') $$, 'after seven days south''s item is released; north''s waits for QA');
SELECT is((SELECT qa_status::text FROM rbp.response r JOIN rid USING (response_id) WHERE rid.authority = 'north' AND rid.worker = 'A'),
          'awaiting_qa', 'north''s item still awaits QA');

SET LOCAL ROLE t_qa_n;
SELECT lives_ok($$ SELECT rbp.qa_hold(response_id, 'Safeguarding: mentions a risk at home', true) FROM rid WHERE worker = 'B' $$,
                'QA holds and escalates an item');
SELECT throws_ok($$ SELECT rbp.qa_hold(response_id, '') FROM rid WHERE worker = 'A' $$, '22004', NULL, 'a hold needs a reason');
SELECT results_eq($$ SELECT qa_status::text, escalated, qa_note FROM rbp.response JOIN rid USING (response_id) WHERE worker = 'B' $$,
                  $$ VALUES ('held', true, 'Safeguarding: mentions a risk at home') $$, 'the hold is recorded');
RESET ROLE;
UPDATE rbp.authority SET auto_release_after_days = 0 WHERE code = 'north';
SELECT rbp.release_due_feedback(current_date);
SELECT is((SELECT qa_status::text FROM rbp.response JOIN rid USING (response_id) WHERE worker = 'B'), 'held',
          'automatic release never releases a held item');
SELECT throws_ok($$ SELECT rbp.release_due_feedback(current_date + 1) $$, '22023', NULL,
                 'automatic release as of a day after today is refused (22023)');
SET LOCAL ROLE t_worker_b;
SELECT is_empty('SELECT * FROM rbp.my_feedback()', 'the worker does not see the held item');
RESET ROLE;

-- Withdrawing a name: the response is re-keyed (held, released in a later batch under a fresh id).
SET LOCAL ROLE t_qa_n;
SELECT lives_ok($$ SELECT rbp.withdraw_identity(response_id, 'worker_only') FROM rid WHERE worker = 'A' $$, 'named -> worker_only');
SELECT is_empty($$ SELECT * FROM rbp.response JOIN rid USING (response_id) WHERE worker = 'A' $$,
                'the named row is gone: its answers are held, to come back in a later batch under a fresh id');
SELECT throws_ok($$ SELECT rbp.withdraw_identity(response_id, 'named') FROM rid WHERE worker = 'A' $$, 'P0002', NULL,
                 'the old id names nothing');
RESET ROLE;
\set wo_worker A
\set wo_on 2026-03-20
\ir ../helpers/release_worker_only.sql
CREATE TEMP TABLE rid2 AS SELECT r.response_id FROM rbp.response r JOIN rbp.staff s ON s.staff_id = r.worker_id WHERE s.staff_ref = 'A';
GRANT SELECT ON rid2 TO PUBLIC;
SET LOCAL ROLE t_qa_n;
SELECT results_eq($$ SELECT anonymity::text, respondent_id, involvement_id, submitted_on, period FROM rbp.response JOIN rid2 USING (response_id) $$,
                  $$ VALUES ('worker_only', NULL::integer, NULL::integer, NULL::date, '2026-03-01'::date) $$,
                  'it comes back in A''s next worker-only batch: no family, no date, a fresh id');
SELECT throws_ok($$ SELECT rbp.withdraw_identity(response_id, 'named') FROM rid2 $$, '22023', NULL,
                 'and cannot be put back');
SELECT lives_ok($$ SELECT rbp.withdraw_identity(response_id, 'anonymous') FROM rid2 $$, 'worker_only -> anonymous');
SELECT is_empty($$ SELECT * FROM rbp.response JOIN rid2 USING (response_id) $$, 'the response row is gone');
SELECT is_empty($$ SELECT * FROM rbp.answer JOIN rid2 USING (response_id) $$, 'and its answers');
SELECT is_empty($$ SELECT * FROM rbp.route JOIN rid2 USING (response_id) $$, 'and its routes');
RESET ROLE;

-- Themes, actions, the feedback loop.
SET LOCAL ROLE t_qa_n;
SELECT rbp.create_theme('north', 'Returning calls') AS theme_id \gset
SELECT lives_ok(format($$ SELECT rbp.tag_response(%s, response_id) FROM rid WHERE worker = 'B' $$, :theme_id), 'QA tags a response with a theme');
SELECT throws_ok(format($$ SELECT rbp.tag_response(%s, response_id) FROM rid WHERE authority = 'south' $$, :theme_id), 'P0002', NULL,
                 'a response of another authority cannot be tagged');
SELECT rbp.record_action('north', 'Return calls within a day', :theme_id, '2026-04-01') AS action_id \gset
SELECT lives_ok(format($$ SELECT rbp.set_action_status(%s, 'done', '2026-06-01') $$, :action_id), 'an action is done');
SELECT throws_ok(format($$ SELECT rbp.set_action_status(%s, 'recommended') $$, :action_id), '22023', NULL, 'actions only move forward');
SELECT results_eq(format($$ SELECT status::text, agreed_on, done_on FROM rbp.action WHERE action_id = %s $$, :action_id),
                  $$ VALUES ('done', '2026-06-01'::date, '2026-06-01'::date) $$, 'agreeing is implied by doing');
SELECT lives_ok(format($$ SELECT rbp.record_feedback_loop(%s, 'families', 'You said we did not call back; now we do.', '2026-06-15') $$, :action_id),
                'QA records what families were told');
RESET ROLE;

-- A new version of a questionnaire.
SET LOCAL ROLE t_admin;
SELECT rbp.publish_instrument_version('parents_carers', 'Your relationship with your social worker (v2)', 'Shorter.',
       '{parent,carer,extended_family,important_friend}', '[{"code": "q2_trust", "kind": "scale", "prompt": "I can trust my social worker", "scale_points": 5}]') AS v2 \gset
RESET ROLE;
SELECT rbp.issue_invitation('north', 'I1', 'P1', 'email') AS new_token \gset
SELECT results_eq(format($$ SELECT i.version FROM rbp.invitation v JOIN rbp.instrument i USING (instrument_id)
                      WHERE v.token_hash = rbp.token_hash(%L) $$, :'new_token'),
                  $$ VALUES (2) $$, 'new invitations use the newly published version; answered versions stay as they were');

SELECT * FROM finish();
ROLLBACK;
