-- The data of the upgrade test: every kind of row, made through the API of release 0.1.0 (a copy of
-- test/fixtures/every_row.sql as it stood for 0.1.0; frozen with that release: never edit it for a
-- later API). test/upgrade/run loads it into CREATE EXTENSION feedback_rbp VERSION '0.1.0', then
-- upgrades, and compares every row before and after.
-- Every table of release 0.1.0 gets at least one row (test/upgrade/run checks it). Dates are fixed.
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
SET search_path = public, rbp;   -- the operators of the extension's types live in rbp
DO $$ BEGIN
    CREATE ROLE dur_qa LOGIN IN ROLE rbp_qa;
EXCEPTION WHEN duplicate_object THEN NULL; END $$;
DO $$ BEGIN
    CREATE ROLE dur_sup LOGIN IN ROLE rbp_staff;
EXCEPTION WHEN duplicate_object THEN NULL; END $$;

SELECT rbp.register_authority('north', 'North Council'), rbp.register_authority('south', 'South Council', 14);
SELECT rbp.register_team('north', 't1', 'Team One'), rbp.register_team('north', 't2', 'Team Two'),
       rbp.register_team('south', 's1', 'South Team');
SELECT rbp.register_staff('north', 'A', 'Worker A', 't1'), rbp.register_staff('north', 'B', 'Worker B', 't2'),
       rbp.register_staff('north', 'S', 'Supervisor', 't1', 'dur_sup'), rbp.register_staff('north', 'M', 'Manager', 't1'),
       rbp.register_staff('north', 'Q', 'QA North', NULL, 'dur_qa', true),
       rbp.register_staff('south', 'W', 'Worker South', 's1');
SELECT rbp.register_supervision('north', 'A', 'S', '2026-01-01'),
       rbp.register_supervision('north', 'B', 'M', '2026-01-01', '2026-03-31');
SELECT rbp.register_team_manager('north', 't1', 'M', '2026-01-01');

-- Families: F1 (parent and young person), F2..F9 one parent each, F10 loaded as history; south SF1.
SELECT rbp.register_respondent('north', 'F1', 'P1', 'parent'), rbp.register_respondent('north', 'F1', 'YP1', 'child_young_person'),
       rbp.register_respondent('south', 'SF1', 'SP1', 'carer');
SELECT count(rbp.register_respondent('north', 'F' || i, 'P' || i, 'parent')) FROM generate_series(2, 10) i;
SELECT count(rbp.open_involvement('north', 'I' || i, 'F' || i, CASE WHEN i % 2 = 0 THEN 't2' ELSE 't1' END, '2026-01-05'))
  FROM generate_series(1, 10) i;
SELECT rbp.open_involvement('south', 'SI1', 'SF1', 's1', '2026-01-05');
SELECT count(rbp.allocate_worker('north', 'I' || i, CASE WHEN i % 2 = 0 THEN 'B' ELSE 'A' END, '2026-01-05'))
  FROM generate_series(1, 10) i;
SELECT rbp.allocate_worker('south', 'SI1', 'W', '2026-01-05');
SELECT rbp.record_stage('north', 'I1', 'assessment', '2026-01-05'), rbp.record_stage('north', 'I1', 'child_in_need', '2026-02-01');

-- Family members' own choices.
SELECT rbp.set_respondent_cadence('north', 'P2', '3 months..4 months'), rbp.set_respondent_channel('north', 'P3', 'email'),
       rbp.opt_out_of_reminders('north', 'P5');

-- Invitations (tokens kept for the submissions below).
CREATE TEMP TABLE dur_tok (who text PRIMARY KEY, token text NOT NULL);
INSERT INTO dur_tok
SELECT 'P' || i, rbp.issue_invitation('north', 'I' || i, 'P' || i, 'link', 3650, '2026-02-02') FROM generate_series(1, 9) i;
INSERT INTO dur_tok VALUES ('YP1', rbp.issue_invitation('north', 'I1', 'YP1', 'text_message', 3650, '2026-02-02')),
                           ('SP1', rbp.issue_invitation('south', 'SI1', 'SP1', 'qr_code', 3650, '2026-02-02'));
SELECT rbp.record_reminder(i.invitation_id, '2026-02-16')
  FROM rbp.invitation i JOIN rbp.respondent r USING (respondent_id) WHERE r.respondent_ref = 'P9';

-- Responses of every level: named (P1, P2), worker-only (P3, SP1), anonymous released in a batch
-- (P4..P8, five parents: a full batch), anonymous still held (YP1, alone on the dials).
SELECT rbp.submit_response((SELECT token FROM dur_tok WHERE who = 'P1'), 'named',
       '{"q2_trust": 4, "q2_works_alongside": 5, "q4_impact": "Things changed for us."}', 'online', false, '2026-02-10');
SELECT rbp.submit_response((SELECT token FROM dur_tok WHERE who = 'P2'), 'named',
       '{"q2_understands_family": 2, "q6_change_one_thing": "Call back."}', 'interview_expert_by_experience', false, '2026-02-11');
SELECT rbp.submit_response((SELECT token FROM dur_tok WHERE who = 'P3'), 'worker_only', '{"q2_trust": 3}', 'online', false, '2026-02-12');
SELECT rbp.submit_response((SELECT token FROM dur_tok WHERE who = 'SP1'), 'worker_only', '{"q2_trust": 5}', 'online', false, '2026-02-12');
SELECT rbp.submit_response((SELECT token FROM dur_tok WHERE who = 'P' || i), 'anonymous',
       format('{"q2_trust": %s, "q7_anything_else": "anonymous %s"}', 1 + i % 5, i)::jsonb, 'online', i % 2 = 0, '2026-02-13')
  FROM generate_series(4, 8) i;
SELECT rbp.submit_response((SELECT token FROM dur_tok WHERE who = 'YP1'), 'anonymous', '{"dial_safe": 8}', 'online', false, '2026-02-14');
SELECT rbp.release_anonymous_responses('2026-02-20');

-- QA: release, hold, themes, actions, "you said, we did", a focus group.
SET ROLE dur_qa;
SELECT rbp.qa_release(r.response_id, '2026-02-15') FROM rbp.response r
  JOIN rbp.respondent p ON p.respondent_id = r.respondent_id WHERE p.respondent_ref = 'P1';
SELECT rbp.qa_hold(r.response_id, 'needs a conversation first', true, '2026-02-15') FROM rbp.response r
  JOIN rbp.respondent p ON p.respondent_id = r.respondent_id WHERE p.respondent_ref = 'P2';
SELECT rbp.qa_release(r.response_id, '2026-02-15') FROM rbp.response r WHERE r.anonymity = 'worker_only' AND r.authority_id =
       (SELECT authority_id FROM rbp.authority WHERE code = 'north');
CREATE TEMP TABLE dur_theme AS SELECT rbp.create_theme('north', 'Calling back', 'Families wait for calls') AS theme_id;
SELECT rbp.tag_response((SELECT theme_id FROM dur_theme), r.response_id) FROM rbp.response r
 WHERE r.anonymity = 'anonymous' AND r.authority_id = (SELECT authority_id FROM rbp.authority WHERE code = 'north');
CREATE TEMP TABLE dur_action AS SELECT rbp.record_action('north', 'Call back within two days', (SELECT theme_id FROM dur_theme), '2026-02-20') AS action_id;
SELECT rbp.set_action_status((SELECT action_id FROM dur_action), 'agreed', '2026-03-01');
SELECT rbp.record_feedback_loop((SELECT action_id FROM dur_action), 'families', 'You said we do not call back; we now call within two days.', '2026-03-15');
SELECT rbp.record_focus_group('north', '2026-03-20', 'parent_advisory_board', 7, 'Calls and letters');
RESET ROLE;

-- The supervisor reviews the released named feedback routed to them.
CREATE TEMP TABLE dur_named AS SELECT r.response_id FROM rbp.response r
  JOIN rbp.respondent p ON p.respondent_id = r.respondent_id WHERE p.respondent_ref = 'P1';
GRANT SELECT ON dur_named TO dur_sup;
SET ROLE dur_sup;
SELECT rbp.record_supervision_review(response_id, true, '{meeting_with_family}', 'Good relationship', '2026-02-25') FROM dur_named;
RESET ROLE;

-- Closure: I9 closes (its schedules move to the follow-up); I10 closes and is followed up (done).
SELECT rbp.close_involvement('north', 'I9', '2026-04-30'), rbp.close_involvement('north', 'I10', '2026-04-30');
SELECT rbp.issue_invitation('north', 'I10', 'P10', 'link', 28, '2026-06-01') IS NOT NULL AS follow_up_issued;
-- Family members who pause or opt out after being invited (a restore must keep their invitations).
SELECT rbp.opt_out_of_invitations('north', 'P6', '2026-05-01'), rbp.pause_invitations('north', 'P4', '2026-09-01');

-- Administrator: support options, the threshold, an authority's rhythm, published reports.
SELECT rbp.add_support_option('north', 'emotional', 'Your allocated social worker', 'The number on your leaflet', true, 1),
       rbp.add_support_option('north', 'practical', 'Family Hub', 'Weekdays 9 to 5', false, 2);
SELECT rbp.set_suppression_threshold(5);
SELECT rbp.set_schedule_policy('south', p_max_reminders => 2);
SELECT rbp.publish_reports('2026-10-01');
RESET client_min_messages;
RESET search_path;
