-- Scheduling by time (doc/scheduling.md): first invitation, cadence across month ends and leap
-- years, pause and opt-outs, closure follow-up, process stages that never move a date, bounded
-- reminders, focus groups, and who may ask the daily question.
BEGIN;
SET client_min_messages = warning;
CREATE EXTENSION feedback_rbp;
RESET client_min_messages;
SELECT plan(94);
\ir ../helpers/pgtap_roles.sql

CREATE ROLE t50_case LOGIN IN ROLE rbp_case_system;
CREATE ROLE t50_admin LOGIN IN ROLE rbp_admin;
CREATE ROLE t50_staff LOGIN IN ROLE rbp_staff;
CREATE ROLE t50_report LOGIN IN ROLE rbp_report_writer;
CREATE ROLE t50_intake LOGIN IN ROLE rbp_survey_intake;
CREATE ROLE t50_qa LOGIN IN ROLE rbp_qa;
CREATE ROLE t50_qa_other LOGIN IN ROLE rbp_qa;

SELECT rbp.register_authority('ta', 'Test Authority'), rbp.register_authority('tb', 'Other Authority') \g /dev/null
SELECT rbp.register_team('ta', 't1', 'Team 1'), rbp.register_team('ta', 't2', 'Team 2') \g /dev/null
SELECT rbp.register_staff('ta', 'QA1', 'QA officer', NULL, 't50_qa', true),
       rbp.register_staff('tb', 'QB1', 'QA officer of the other authority', NULL, 't50_qa_other', true) \g /dev/null
SELECT rbp.map_login('t50_qa', 'qa', 'ta'), rbp.map_login('t50_qa_other', 'qa', 'tb'),
       rbp.map_login('t50_case', 'case_system', 'ta'), rbp.map_login('t50_case', 'case_system', 'tb') \g /dev/null

-- A schedule's state, by references.
CREATE FUNCTION pg_temp.sched(p_inv text, p_resp text, p_on date DEFAULT '2024-01-01')
    RETURNS TABLE (status rbp.schedule_status, phase rbp.schedule_phase, due_on date, overdue_on date)
    LANGUAGE sql AS $$ SELECT status, phase, due_on, overdue_on FROM rbp.schedule_status('ta', p_inv, p_resp, p_on) $$;
CREATE FUNCTION pg_temp.status(p_inv text, p_resp text, p_on date) RETURNS rbp.schedule_status
    LANGUAGE sql AS $$ SELECT status FROM rbp.schedule_status('ta', p_inv, p_resp, p_on) $$;
CREATE FUNCTION pg_temp.listed(p_resp text, p_on date, p_purpose text DEFAULT NULL) RETURNS boolean
    LANGUAGE sql AS $$ SELECT EXISTS (SELECT FROM rbp.due_invitations(p_on, 'ta')
                                       WHERE respondent_ref = p_resp AND (p_purpose IS NULL OR purpose = p_purpose)) $$;
CREATE FUNCTION pg_temp.last_invitation(p_resp text) RETURNS bigint
    LANGUAGE sql AS $$ SELECT max(invitation_id) FROM rbp.invitation i JOIN rbp.respondent r USING (respondent_id)
                        WHERE r.respondent_ref = p_resp $$;

-- 1. The authority's policy: the framework's defaults, created with the authority.
SELECT results_eq(
    $$SELECT invitation_cadence::text, first_invitation_within_days, closure_follow_up::text, max_reminders,
             reminder_after_days, focus_group_cadence::text
        FROM rbp.schedule_policy JOIN rbp.authority USING (authority_id) WHERE code = 'ta'$$,
    $$VALUES ('2 months..3 months', 14, '1 month..2 months', 1, 14, '6 months..12 months')$$,
    'a new authority gets the default policy: every 2-3 months, first within 14 days, follow-up 1-2 months after closure, 1 reminder');

-- 2. First invitation: due from the first day of involvement, within a configurable number of days.
SELECT rbp.register_respondent('ta', 'FAM1', 'P1', 'parent'), rbp.register_respondent('ta', 'FAM1', 'C1', 'child_young_person') \g /dev/null
SELECT rbp.open_involvement('ta', 'INV1', 'FAM1', 't1', '2024-01-31') \g /dev/null
SELECT results_eq($$SELECT * FROM pg_temp.sched('INV1', 'P1', '2024-01-31')$$,
    $$VALUES ('due'::rbp.schedule_status, 'first'::rbp.schedule_phase, '2024-01-31'::date, '2024-02-14'::date)$$,
    'first invitation due on the first day of involvement, overdue 14 days later');
SELECT is(pg_temp.status('INV1', 'C1', '2024-02-14'), 'overdue', 'every family member has a schedule: the child''s first invitation is overdue on day 14');
SELECT results_eq($$SELECT respondent_ref, purpose, status::text FROM rbp.due_invitations('2024-02-01', 'ta') ORDER BY respondent_ref$$,
    $$VALUES ('C1', 'first_invitation', 'due'), ('P1', 'first_invitation', 'due')$$,
    'the daily question lists both family members for a first invitation');
SELECT rbp.set_schedule_policy('ta', p_first_invitation_within_days => 7) \g /dev/null
SELECT is((SELECT overdue_on FROM pg_temp.sched('INV1', 'P1')), '2024-02-07'::date,
    'the number of days for the first invitation is configurable, and existing schedules follow');
SELECT is((SELECT count(*)::integer FROM rbp.due_invitations('2024-01-30', 'ta')), 0, 'nothing is due before the involvement starts');
SELECT rbp.register_respondent('ta', 'FAM1', 'G1', 'extended_family') \g /dev/null
SELECT results_eq($$SELECT phase, due_on FROM pg_temp.sched('INV1', 'G1')$$,
    $$VALUES ('first'::rbp.schedule_phase, '2024-01-31'::date)$$,
    'a family member registered during the involvement gets a first invitation due from its start');

-- 3. Month ends and leap years. Issuing moves the schedule on: the next window counts from the issue date.
SELECT ok(rbp.issue_invitation('ta', 'INV1', 'P1', 'link', 28, '2024-01-31') IS NOT NULL, 'invitation issued on 31 January 2024');
SELECT results_eq($$SELECT phase, due_on, overdue_on FROM pg_temp.sched('INV1', 'P1')$$,
    $$VALUES ('regular'::rbp.schedule_phase, '2024-03-31'::date, '2024-04-30'::date)$$,
    '31 January + 2 months = 31 March, + 3 months = 30 April');
SELECT is(pg_temp.status('INV1', 'P1', '2024-03-30'), 'not_due', 'not due on 30 March');
SELECT is(pg_temp.status('INV1', 'P1', '2024-03-31'), 'due', 'due on 31 March');
SELECT is(pg_temp.status('INV1', 'P1', '2024-04-29'), 'due', 'still due on 29 April');
SELECT is(pg_temp.status('INV1', 'P1', '2024-04-30'), 'overdue', 'overdue on 30 April');
SELECT ok(NOT pg_temp.listed('P1', '2024-03-30') AND pg_temp.listed('P1', '2024-03-31', 'invitation'),
    'the daily question lists P1 from 31 March, not before');

SELECT rbp.register_respondent('ta', 'FAM2', 'P2', 'parent') \g /dev/null
SELECT rbp.open_involvement('ta', 'INV2', 'FAM2', 't1', '2023-12-01') \g /dev/null
SELECT ok(rbp.issue_invitation('ta', 'INV2', 'P2', 'email', 28, '2023-12-31') IS NOT NULL, 'invitation issued on 31 December 2023');
SELECT results_eq($$SELECT due_on, overdue_on FROM pg_temp.sched('INV2', 'P2')$$,
    $$VALUES ('2024-02-29'::date, '2024-03-31'::date)$$,
    '31 December 2023 + 2 months = 29 February 2024 (leap year)');

SELECT rbp.register_respondent('ta', 'FAM3', 'P3', 'carer') \g /dev/null
SELECT rbp.open_involvement('ta', 'INV3', 'FAM3', 't1', '2022-12-01') \g /dev/null
SELECT ok(rbp.issue_invitation('ta', 'INV3', 'P3', 'link', 28, '2022-12-31') IS NOT NULL, 'invitation issued on 31 December 2022');
SELECT results_eq($$SELECT due_on, overdue_on FROM pg_temp.sched('INV3', 'P3')$$,
    $$VALUES ('2023-02-28'::date, '2023-03-31'::date)$$,
    '31 December 2022 + 2 months = 28 February 2023 (not a leap year)');

SELECT rbp.register_respondent('ta', 'FAM4', 'P4', 'parent') \g /dev/null
SELECT rbp.set_respondent_cadence('ta', 'P4', '12 months..13 months') \g /dev/null
SELECT rbp.open_involvement('ta', 'INV4', 'FAM4', 't2', '2024-02-01') \g /dev/null
SELECT ok(rbp.issue_invitation('ta', 'INV4', 'P4', 'link', 28, '2024-02-29') IS NOT NULL, 'invitation issued on 29 February 2024');
SELECT results_eq($$SELECT due_on, overdue_on FROM pg_temp.sched('INV4', 'P4')$$,
    $$VALUES ('2025-02-28'::date, '2025-03-29'::date)$$,
    'a family member''s own yearly cadence: 29 February 2024 + 1 year = 28 February 2025');
SELECT rbp.set_respondent_cadence('ta', 'P4', NULL) \g /dev/null
SELECT results_eq($$SELECT due_on, overdue_on FROM pg_temp.sched('INV4', 'P4')$$,
    $$VALUES ('2024-04-29'::date, '2024-05-29'::date)$$,
    'back to the authority''s cadence: 29 February + 2 months = 29 April');
SELECT throws_ok($$SELECT rbp.set_respondent_cadence('ta', 'P4', '3 months..2 months')$$, '22023', NULL,
    'an inconsistent cadence is refused (22023)');
SELECT throws_ok($$SELECT rbp.set_respondent_cadence('ta', 'P4', 'every now and then')$$, '22P02', NULL,
    'a malformed cadence is refused (22P02)');

SELECT ok(rbp.issue_invitation('ta', 'INV1', 'P1', 'link', 28, '2024-04-02') IS NOT NULL, 'second invitation issued on 2 April');
SELECT results_eq($$SELECT s.phase, s.due_on, s.invitations_issued FROM rbp.schedule_status('ta', 'INV1', 'P1', '2024-04-02') s$$,
    $$VALUES ('regular'::rbp.schedule_phase, '2024-06-02'::date, 2)$$,
    'issuing moves the schedule on: next due 2 months after the last invitation');
SELECT ok(NOT pg_temp.listed('P1', '2024-04-02', 'invitation'), 'once issued, P1 leaves the day''s list');

-- 4. A change of process stage never moves a due date.
CREATE TEMP TABLE before_stages AS
SELECT s.*, v.day, (SELECT array_agg(row(d.*)::text ORDER BY d::text) FROM rbp.due_invitations(day, 'ta') d) AS due_list
  FROM rbp.invitation_schedule s, (VALUES ('2024-02-14'::date), ('2024-04-16'), ('2024-06-02'), ('2024-07-01')) AS v(day);
SELECT rbp.record_stage('ta', 'INV1', 'assessment', '2024-01-31') \g /dev/null
SELECT rbp.record_stage('ta', 'INV1', 'child_in_need', '2024-02-20') \g /dev/null
SELECT rbp.record_stage('ta', 'INV1', 'child_protection', '2024-03-15') \g /dev/null
SELECT rbp.record_stage('ta', 'INV1', 'looked_after', '2024-05-01') \g /dev/null
SELECT rbp.record_stage('ta', 'INV2', 'child_protection', '2024-01-10') \g /dev/null
-- the case moves to another team:
SELECT rbp.open_involvement('ta', 'INV1', 'FAM1', 't2', '2024-01-31') \g /dev/null
SELECT is((SELECT count(*)::integer FROM rbp.involvement_stage), 5, 'five stage changes recorded');
SELECT results_eq(
    $$SELECT s.*, v.day, (SELECT array_agg(row(d.*)::text ORDER BY d::text) FROM rbp.due_invitations(day, 'ta') d)
        FROM rbp.invitation_schedule s, (VALUES ('2024-02-14'::date), ('2024-04-16'), ('2024-06-02'), ('2024-07-01')) AS v(day)
       ORDER BY schedule_id, day$$,
    $$SELECT * FROM before_stages ORDER BY schedule_id, day$$,
    'stage changes and a change of team leave every schedule and every day''s due list exactly as they were');
SELECT throws_ok($$SELECT rbp.record_stage('ta', 'INV1', 'adopted', '2024-06-01')$$, '22P02', NULL,
    'an unknown stage is refused');

-- 5. Pause: no invitation before the date; a window due in the pause starts again at its end.
SELECT rbp.pause_invitations('ta', 'P2', '2024-04-15') \g /dev/null
SELECT results_eq($$SELECT * FROM pg_temp.sched('INV2', 'P2', '2024-03-01')$$,
    $$VALUES ('paused'::rbp.schedule_status, 'regular'::rbp.schedule_phase, '2024-04-15'::date, '2024-05-16'::date)$$,
    'paused on 1 March; due from 15 April, overdue 46 days later as before (16 May)');
SELECT ok(NOT pg_temp.listed('P2', '2024-04-14'), 'not listed during the pause');
SELECT ok(pg_temp.listed('P2', '2024-04-15', 'invitation'), 'listed again on the day the pause ends');
SELECT throws_ok($$SELECT rbp.issue_invitation('ta', 'INV2', 'P2', 'email', 28, '2024-03-05')$$, '55000', NULL,
    'issuing an invitation during a pause is refused');
SELECT rbp.pause_invitations('ta', 'P2', '2024-02-01') \g /dev/null
SELECT is((SELECT due_on FROM pg_temp.sched('INV2', 'P2')), '2024-02-29'::date, 'a pause that ended before the window does not move it');
SELECT rbp.pause_invitations('ta', 'P2', NULL) \g /dev/null
SELECT results_eq($$SELECT * FROM pg_temp.sched('INV2', 'P2', '2024-03-01')$$,
    $$VALUES ('due'::rbp.schedule_status, 'regular'::rbp.schedule_phase, '2024-02-29'::date, '2024-03-31'::date)$$,
    'ending the pause restores the window');

-- 6. Reminders: one by default, 14 days after the invitation, none after opt-out.
SELECT ok(pg_temp.listed('P1', '2024-04-16', 'reminder'), 'a reminder of the 2 April invitation is due on 16 April');
SELECT ok(NOT pg_temp.listed('P1', '2024-04-15', 'reminder'), 'not before');
SELECT rbp.opt_out_of_reminders('ta', 'P1') \g /dev/null
SELECT ok(NOT pg_temp.listed('P1', '2024-04-16', 'reminder'), 'after opting out of reminders, none is listed');
SELECT throws_ok(format('SELECT rbp.record_reminder(%s, %L)', pg_temp.last_invitation('P1'), '2024-04-16'), '55000', NULL,
    'recording a reminder after an opt-out is refused');
SELECT ok(pg_temp.listed('P1', '2024-06-02', 'invitation'), 'opting out of reminders still leaves the invitations');
SELECT rbp.opt_out_of_reminders('ta', 'P1', false) \g /dev/null
SELECT ok(pg_temp.listed('P1', '2024-04-16', 'reminder'), 'reminders wanted again: listed again');
SELECT is(rbp.record_reminder(pg_temp.last_invitation('P1'), '2024-04-16'), 1, 'first reminder recorded');
SELECT ok(NOT pg_temp.listed('P1', '2024-05-30', 'reminder'), 'the limit reached, no further reminder is listed');
SELECT throws_ok(format('SELECT rbp.record_reminder(%s, %L)', pg_temp.last_invitation('P1'), '2024-04-30'), '23514', NULL,
    'a second reminder is refused under the default limit of one');
SELECT throws_ok(format('UPDATE rbp.invitation SET reminders_sent = 2 WHERE invitation_id = %s', pg_temp.last_invitation('P1')),
    '23514', NULL, 'the limit holds for any writer, not only the API (table trigger)');
SELECT rbp.set_schedule_policy('ta', p_max_reminders => 2) \g /dev/null
SELECT ok(pg_temp.listed('P1', '2024-04-30', 'reminder') AND NOT pg_temp.listed('P1', '2024-04-29', 'reminder'),
    'with a limit of two, the second reminder is due 14 days after the first');
SELECT is(rbp.record_reminder(pg_temp.last_invitation('P1'), '2024-04-30'), 2, 'second reminder recorded');
SELECT throws_ok(format('SELECT rbp.record_reminder(%s, %L)', pg_temp.last_invitation('P1'), '2024-04-30'), '23514', NULL,
    'a third reminder is refused');
SELECT rbp.set_schedule_policy('ta', p_max_reminders => 1) \g /dev/null

-- A used invitation gets no reminder.
SELECT rbp.issue_invitation('ta', 'INV3', 'P3', 'link', 3650, '2023-03-01') AS p3_token \gset
SELECT ok(pg_temp.listed('P3', '2023-03-15', 'reminder'), 'P3''s invitation of 1 March has a reminder due on 15 March');
SELECT lives_ok(format($$SELECT rbp.submit_response(%L, 'named', '{"q2_trust": 4}', 'online', false, '2023-03-10')$$, :'p3_token'),
    'P3 answers on 10 March');
SELECT ok(NOT pg_temp.listed('P3', '2023-03-15', 'reminder'), 'no reminder for an invitation already used');
SELECT throws_ok(format('SELECT rbp.record_reminder(%s, %L)', pg_temp.last_invitation('P3'), '2023-03-15'), '55000', NULL,
    'recording a reminder of a used invitation is refused');

-- 7. Opting out of invitations altogether.
SELECT rbp.opt_out_of_invitations('ta', 'P3', '2023-04-01') \g /dev/null
SELECT is(pg_temp.status('INV3', 'P3', '2023-06-01'), 'opted_out', 'status opted_out after opting out');
SELECT ok(NOT pg_temp.listed('P3', '2023-06-01') AND NOT pg_temp.listed('P3', '2030-01-01'), 'never listed after opting out');
SELECT throws_ok($$SELECT rbp.issue_invitation('ta', 'INV3', 'P3', 'link', 28, '2023-06-01')$$, '55000', NULL,
    'issuing an invitation to a family member who opted out is refused');
SELECT rbp.opt_in_to_invitations('ta', 'P3') \g /dev/null
SELECT ok(pg_temp.listed('P3', '2023-06-01', 'invitation'), 'opting in again puts them back on the list');

-- 8. Closure: one follow-up (1 month after closure by default), then nothing.
SELECT rbp.close_involvement('ta', 'INV1', '2024-05-31') \g /dev/null
SELECT results_eq($$SELECT * FROM pg_temp.sched('INV1', 'P1', '2024-06-29')$$,
    $$VALUES ('not_due'::rbp.schedule_status, 'follow_up'::rbp.schedule_phase, '2024-06-30'::date, '2024-07-31'::date)$$,
    'closed on 31 May: follow-up due from 30 June (month end), overdue from 31 July; the regular 2 June date is gone');
SELECT ok(NOT pg_temp.listed('P1', '2024-06-02', 'invitation'), 'no regular invitation after closure');
SELECT ok(pg_temp.listed('P1', '2024-06-30', 'follow_up'), 'the follow-up is listed from 30 June');
SELECT ok(rbp.issue_invitation('ta', 'INV1', 'P1', 'link', 28, '2024-07-01') IS NOT NULL, 'follow-up issued');
SELECT results_eq($$SELECT status, phase FROM pg_temp.sched('INV1', 'P1', '2025-01-01')$$,
    $$VALUES ('closed'::rbp.schedule_status, 'done'::rbp.schedule_phase)$$, 'after the follow-up the schedule is closed');
SELECT ok(NOT pg_temp.listed('P1', '2024-09-01', 'invitation') AND NOT pg_temp.listed('P1', '2024-09-01', 'follow_up')
          AND NOT pg_temp.listed('P1', '2030-01-01', 'follow_up'),
    'nothing more is ever due for P1 after the follow-up');
SELECT rbp.set_schedule_policy('ta', p_closure_follow_up => '2 weeks..4 weeks') \g /dev/null
SELECT results_eq($$SELECT phase, due_on, overdue_on FROM pg_temp.sched('INV1', 'C1')$$,
    $$VALUES ('follow_up'::rbp.schedule_phase, '2024-06-14'::date, '2024-06-28'::date)$$,
    'the follow-up is configurable: 2 to 4 weeks after closure for the child, who was never invited during the involvement');
SELECT ok(rbp.issue_invitation('ta', 'INV1', 'C1', 'text_message', 28, '2024-06-20') IS NOT NULL, 'child''s follow-up issued');
SELECT ok(NOT pg_temp.listed('C1', '2030-01-01'), 'nothing after the child''s follow-up either');
SELECT ok(pg_temp.listed('C1', '2024-07-04', 'reminder'), 'the follow-up invitation still gets its one reminder');

-- 9. Focus groups: the authority's cadence (6-12 months) from the last session.
SELECT rbp.set_schedule_policy('ta', p_focus_groups_from => '2024-01-31') \g /dev/null
SELECT results_eq($$SELECT * FROM rbp.next_focus_group('ta', '2024-05-01')$$,
    $$VALUES (NULL::date, '2024-07-31'::date, '2025-01-31'::date, 'not_due'::rbp.schedule_status)$$,
    'no session yet: first focus group due 6 months after the start date, overdue after 12');
SET ROLE t50_qa;
SELECT rbp.record_focus_group('ta', '2024-08-31', 'families', 8) \g /dev/null
RESET ROLE;
SELECT results_eq($$SELECT * FROM rbp.next_focus_group('ta', '2025-03-01')$$,
    $$VALUES ('2024-08-31'::date, '2025-02-28'::date, '2025-08-31'::date, 'due'::rbp.schedule_status)$$,
    'after a session on 31 August 2024 the next is due from 28 February 2025, overdue from 31 August 2025');
SELECT is((SELECT status FROM rbp.next_focus_group('ta', '2025-08-31')), 'overdue', 'overdue 12 months after the last session');
SELECT rbp.set_schedule_policy('ta', p_focus_group_cadence => '9 months..12 months') \g /dev/null
SELECT is((SELECT due_from FROM rbp.next_focus_group('ta', '2025-03-01')), '2025-05-31'::date, 'the focus-group cadence is the authority''s to set');
SELECT results_eq($$SELECT * FROM rbp.next_focus_group('ta', '2024-08-30')$$,
    $$VALUES (NULL::date, '2024-10-31'::date, '2025-01-31'::date, 'not_due'::rbp.schedule_status)$$,
    'asked about a date before the session, the schedule counts from what was held by then (here: the start date)');
SELECT throws_ok($$SELECT rbp.set_schedule_policy('ta', p_max_reminders => 11)$$, '22023', NULL,
    'a policy out of range is refused (22023)');

-- 9b. A load with the triggers off (session_replication_role = replica, as a restore runs) derives
-- nothing: a restore brings the schedules with it; after a bulk load the administrator creates what
-- is missing. (Without replica mode a COPY fires the triggers like any INSERT.)
SET LOCAL session_replication_role = replica;
COPY rbp.involvement (authority_id, involvement_ref, family_id, team_id, started_on) FROM stdin;
1	INV9	1	1	2024-03-01
\.
SET LOCAL session_replication_role = origin;
SELECT is((SELECT count(*)::integer FROM rbp.invitation_schedule s JOIN rbp.involvement v USING (involvement_id)
            WHERE v.involvement_ref = 'INV9'), 0, 'an involvement loaded with the triggers off gets no schedule');
SET ROLE t50_admin;
SELECT is(rbp.refresh_all_schedules(), 3::bigint, 'refresh_all_schedules creates the missing schedules (the three members of FAM1)');
RESET ROLE;
SELECT results_eq($$SELECT * FROM pg_temp.sched('INV9', 'P1', '2024-03-01')$$,
    $$VALUES ('due'::rbp.schedule_status, 'first'::rbp.schedule_phase, '2024-03-01'::date, '2024-03-08'::date)$$,
    'and computes their dates like any other');
SELECT is((SELECT count(*)::integer FROM rbp.due_invitations('2024-03-01', 'ta') WHERE involvement_ref = 'INV9'), 3,
    'the daily question lists them');

-- 10. Who may do what.
SELECT ok((SELECT prosecdef AND proconfig = '{"search_path=pg_catalog, rbp, pg_temp"}' FROM pg_proc
            WHERE oid = 'rbp.due_invitations(date, text)'::regprocedure),
    'due_invitations is SECURITY DEFINER with a fixed search_path');
SELECT ok(NOT has_function_privilege('public', 'rbp.due_invitations(date, text)', 'EXECUTE'), 'PUBLIC cannot call due_invitations');
SET ROLE t50_case;
SELECT ok((SELECT count(*) FROM rbp.due_invitations('2024-04-15', 'ta')) > 0, 'the case system asks the daily question');
SELECT throws_ok($$SELECT * FROM rbp.invitation_schedule$$, '42501', NULL, 'the case system cannot read the schedules table');
SELECT throws_ok($$SELECT rbp.set_schedule_policy('ta', p_max_reminders => 5)$$, '42501', NULL, 'the case system cannot change the policy');
SELECT lives_ok($$SELECT rbp.pause_invitations('ta', 'P4', '2024-06-01')$$, 'the case system records a family''s pause');
RESET ROLE;
SET ROLE t50_staff;
SELECT throws_ok($$SELECT * FROM rbp.due_invitations('2024-04-15')$$, '42501', NULL, 'a social worker cannot call due_invitations');
SELECT throws_ok($$SELECT rbp.pause_invitations('ta', 'P4', NULL)$$, '42501', NULL, 'a social worker cannot pause a family''s invitations');
RESET ROLE;
SET ROLE t50_report;
SELECT throws_ok($$SELECT * FROM rbp.due_invitations('2024-04-15')$$, '42501', NULL, 'a report writer cannot call due_invitations');
SELECT throws_ok($$SELECT * FROM rbp.invitation_schedule$$, '42501', NULL, 'a report writer cannot read schedules');
RESET ROLE;
SET ROLE t50_intake;
SELECT throws_ok($$SELECT * FROM rbp.due_invitations('2024-04-15')$$, '42501', NULL, 'survey intake cannot call due_invitations');
RESET ROLE;
SET ROLE t50_admin;
SELECT lives_ok($$SELECT rbp.set_schedule_policy('ta', p_reminder_after_days => 10)$$, 'the administrator sets the policy');
SELECT throws_ok($$SELECT * FROM rbp.due_invitations('2024-04-15')$$, '42501', NULL, 'the administrator does not get the family list');
RESET ROLE;
SET ROLE t50_qa;
SELECT ok((SELECT count(*) FROM rbp.invitation_schedule) > 0, 'QA reads the schedules of its own authority');
RESET ROLE;
SET ROLE t50_qa_other;
SELECT is_empty($$SELECT * FROM rbp.invitation_schedule$$, 'QA of another authority sees none of them');
SELECT is_empty($$SELECT * FROM rbp.respondent_preference$$, 'nor their preferences');
RESET ROLE;
SELECT throws_ok($$SELECT * FROM rbp.due_invitations(NULL)$$, '22023', NULL, 'the daily question needs a date');
SELECT throws_ok($$SELECT * FROM rbp.due_invitations('2024-04-15', 'nowhere')$$, '23503', NULL, 'an unknown authority is an error');

SELECT * FROM finish();
ROLLBACK;
