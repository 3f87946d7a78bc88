-- The documentation's promises that no example of the page shows (issue 17, second review): each
-- assertion names the page and the sentence it checks. The error tables of doc/scheduling.md and
-- doc/qa.md are checked against the code by test/doc/errors; the rows below make the codes that
-- only a trigger or a state raises observable there.
-- Mutations seen failing: without the NULL-day guard of rbp.schedule_status, test 2 (a NULL day
-- read as "overdue"); without that of rbp.next_focus_group, test 3.
BEGIN;
SET client_min_messages = warning;
CREATE EXTENSION feedback_rbp;
RESET client_min_messages;
SELECT plan(49);
\ir ../helpers/pgtap_roles.sql
\ir ../helpers/two_authorities.sql

-- ---- doc/scheduling.md -------------------------------------------------------------------
SET LOCAL ROLE t_case_n;
-- A reminder row carries the channel of the invitation it reminds of, is always "due", and its
-- overdue_on is the invitation's expiry (the columns' table of scheduling.md).
SELECT rbp.set_respondent_channel('north', 'P1', 'email') \g /dev/null
SELECT results_eq($$ SELECT channel::text, status::text, overdue_on FROM rbp.due_invitations('2026-06-20', 'north')
                      WHERE respondent_ref = 'P1' AND purpose = 'reminder' $$,
                  $$ VALUES ('link', 'due', '2036-01-30'::date) $$,
                  'scheduling.md: a reminder row: the invitation''s channel (link, though email was chosen since), always due, overdue_on = expires_on');
SELECT results_eq($$ SELECT channel::text FROM rbp.due_invitations('2026-06-20', 'north') WHERE respondent_ref = 'P1' AND purpose <> 'reminder' $$,
                  $$ VALUES ('email') $$, 'scheduling.md: an invitation row: the family member''s chosen channel');
SELECT rbp.set_respondent_channel('north', 'P1', NULL) \g /dev/null
SELECT is((SELECT status::text FROM rbp.schedule_status('north', 'I1', 'P1', '2026-02-02')), 'not_due',
    'scheduling.md: schedule_status on a day gives the window''s status');
SELECT throws_ok($$ SELECT * FROM rbp.schedule_status('north', 'I1', 'P1', NULL) $$, '22004', 'a schedule status needs a date',
    'scheduling.md, Errors: schedule_status without a date is 22004 (0.1.0 answered "overdue")');
SELECT throws_ok($$ SELECT * FROM rbp.next_focus_group('north', NULL) $$, '22004', 'the next focus group needs a date',
    'scheduling.md, Errors: next_focus_group without a date is 22004');
SELECT throws_ok($$ SELECT * FROM rbp.due_invitations(NULL) $$, '22023', 'the daily question needs a date',
    'scheduling.md, Errors: due_invitations(NULL) is 22023');
SELECT throws_ok($$ SELECT rbp.record_reminder(NULL, '2026-02-20') $$, '22004', NULL,
    'scheduling.md, Errors: a reminder without an invitation is 22004');
SELECT throws_ok($$ SELECT rbp.record_reminder(999999999, '2026-02-20') $$, '23503', NULL,
    'scheduling.md, Errors: an unknown invitation is 23503');
SELECT throws_ok($$ SELECT rbp.set_respondent_channel('north', 'P1', 'pigeon') $$, '22P02', NULL,
    'scheduling.md, Errors: a channel that is not one is 22P02');
SELECT throws_ok($$ SELECT rbp.set_respondent_cadence('north', 'nobody', '2 months..3 months') $$, '23503', NULL,
    'scheduling.md, Errors: an unknown family member is 23503');
SELECT throws_ok($$ SELECT * FROM rbp.schedule_status('north', 'I1', 'nobody', '2026-02-02') $$, 'P0002', NULL,
    'scheduling.md, Errors: no schedule for that family member is P0002');
SELECT throws_ok($$ SELECT * FROM rbp.next_focus_group('south', '2026-02-02') $$, '42501', NULL,
    'scheduling.md, Errors: an authority the login does not serve is 42501');
RESET ROLE;
-- The reminder bound is kept by the trigger on the invitations table (23514).
SELECT rbp.set_schedule_policy('north', p_max_reminders => 1) \g /dev/null
CREATE TEMP TABLE inv_p2 AS SELECT invitation_id FROM rbp.invitation i JOIN rbp.respondent r USING (respondent_id)
 WHERE r.respondent_ref = 'P2';
GRANT SELECT ON inv_p2 TO PUBLIC;
SET LOCAL ROLE t_case_n;
SELECT is(rbp.record_reminder((SELECT invitation_id FROM inv_p2), '2026-02-20'), 1, 'scheduling.md: a first reminder is recorded');
SELECT throws_ok($$ SELECT rbp.record_reminder((SELECT invitation_id FROM inv_p2), '2026-03-06') $$, '23514', NULL,
    'scheduling.md, Errors: a reminder beyond max_reminders is 23514');
-- A NULL choice keeps its documented meaning.
SELECT rbp.set_respondent_channel('north', 'P3', 'email') \g /dev/null
SELECT rbp.set_respondent_channel('north', 'P3', NULL) \g /dev/null
SELECT rbp.opt_out_of_reminders('north', 'P3', NULL) \g /dev/null
RESET ROLE;
SELECT is((SELECT channel::text FROM rbp.respondent_preference p JOIN rbp.respondent r USING (respondent_id) WHERE r.respondent_ref = 'P3'),
          NULL, 'scheduling.md: set_respondent_channel(..., NULL) returns to the authority''s default channel');
SELECT is((SELECT reminders_opted_out FROM rbp.respondent_preference p JOIN rbp.respondent r USING (respondent_id) WHERE r.respondent_ref = 'P3'),
          true, 'scheduling.md: opt_out_of_reminders(..., NULL) opts out (only false opts back in)');

-- ---- doc/qa.md -------------------------------------------------------------------------
SELECT rbp.submit_response((SELECT token FROM tok WHERE who = 'P1'), 'named', '{"q2_trust": 4}', 'online', false, '2026-03-02') \g /dev/null
CREATE TEMP TABLE named AS SELECT response_id FROM rbp.response WHERE anonymity = 'named';
GRANT SELECT ON named TO PUBLIC;
SET LOCAL ROLE t_qa_s;
SELECT throws_ok($$ SELECT rbp.qa_release((SELECT response_id FROM named), '2026-03-03') $$, 'P0002', 'no such response in your authority',
    'qa.md: an item of another authority gives P0002, as one that does not exist');
SELECT throws_ok($$ SELECT rbp.create_theme('north', 'Listening') $$, '42501', NULL,
    'qa.md: QA of one authority cannot theme for another (42501)');
RESET ROLE;
SET LOCAL ROLE t_qa_n;
SELECT throws_ok($$ SELECT rbp.qa_release(gen_random_uuid(), '2026-03-03') $$, 'P0002', 'no such response in your authority',
    'qa.md: an item that does not exist gives the same P0002');
SELECT throws_ok($$ SELECT rbp.qa_release((SELECT response_id FROM named), current_date + 1) $$, '22023', NULL,
    'qa.md: qa_release refuses a day after today (22023)');
SELECT throws_ok($$ SELECT rbp.qa_hold((SELECT response_id FROM named), NULL) $$, '22004', 'holding feedback needs a reason',
    'qa.md, Errors: a hold without a reason is 22004');
SELECT lives_ok($$ SELECT rbp.qa_release((SELECT response_id FROM named), '2026-03-03') $$, 'qa.md: QA releases the item');
SELECT throws_ok($$ SELECT rbp.qa_release((SELECT response_id FROM named), '2026-03-03') $$, '22023', 'this response is not awaiting release',
    'qa.md, Errors: releasing an item already released is 22023');
SELECT throws_ok($$ SELECT rbp.qa_hold((SELECT response_id FROM named), 'later') $$, '22023', 'only feedback awaiting QA can be held',
    'qa.md, Errors: holding a released item is 22023');
CREATE TEMP TABLE act AS SELECT rbp.record_action('north', 'Call families back', NULL, '2026-03-03') AS action_id;
SELECT rbp.set_action_status((SELECT action_id FROM act), 'done', '2026-03-03') \g /dev/null
SELECT throws_ok($$ SELECT rbp.set_action_status((SELECT action_id FROM act), 'agreed', '2026-03-04') $$, '22023', NULL,
    'qa.md: an action moves forward only (22023)');
SELECT throws_ok($$ SELECT rbp.set_safety_rule('north', 'dial_safe', 10) $$, '22003', NULL,
    'qa.md, Errors: a safety level beyond the dial is 22003');
SELECT throws_ok($$ SELECT rbp.set_safety_rule('north', 'q2_trust', 3) $$, '22023', NULL,
    'qa.md, Errors: a question that is not a children''s dial is 22023');
-- withdraw_identity deletes the response: its old id names nothing afterwards.
SELECT lives_ok($$ SELECT rbp.withdraw_identity((SELECT response_id FROM named), 'worker_only') $$,
    'qa.md: a family withdraws its name (named -> worker_only)');
SELECT throws_ok($$ SELECT rbp.withdraw_identity((SELECT response_id FROM named), 'anonymous') $$, 'P0002', NULL,
    'qa.md: after a withdrawal the old id names nothing (P0002): the response was deleted, not edited');
RESET ROLE;
SELECT is((SELECT count(*)::integer FROM rbp.response r JOIN named USING (response_id)), 0,
    'qa.md: the named response is gone from rbp.response');
SELECT is((SELECT count(*)::integer FROM rbp.anonymous_holding WHERE seen), 1,
    'qa.md / threat-model.md: its answers are held, marked seen, for a later batch');
SET LOCAL ROLE t_qa_n;
SELECT throws_ok($$ SELECT rbp.withdraw_identity(gen_random_uuid(), 'named') $$, 'P0002', NULL,
    'qa.md: withdraw_identity on an unknown id is P0002');
RESET ROLE;

-- ---- doc/data-protection.md: no function removes the free text of a released anonymous row ------
-- (an anonymous row as the release writes it; inserted directly to keep the suite small)
CREATE TEMP TABLE anon AS SELECT gen_random_uuid() AS response_id;
GRANT SELECT ON anon TO PUBLIC;
INSERT INTO rbp.response (response_id, authority_id, instrument_id, respondent_kind, anonymity, period, qa_status)
SELECT (SELECT response_id FROM anon), a.authority_id, i.instrument_id, 'parent', 'anonymous', '2026-03-01', 'released'
  FROM rbp.authority a, rbp.instrument i WHERE a.code = 'north' AND i.code = 'parents_carers' AND i.version = 1;
SET LOCAL ROLE t_qa_n;
SELECT throws_ok($$ SELECT rbp.qa_hold((SELECT response_id FROM anon), 'names a child') $$, '22023', NULL,
    'data-protection.md: QA cannot hold a released anonymous response');
SELECT rbp.withdraw_identity((SELECT response_id FROM anon), 'anonymous') \g /dev/null
RESET ROLE;
SELECT is((SELECT count(*)::integer FROM rbp.response JOIN anon USING (response_id)), 1,
    'data-protection.md: withdrawing it to anonymous changes nothing (it is anonymous already)');

-- ---- doc/fhir.md: only a named response is read back with a date (red-team finding F5) ------------
CREATE TEMP TABLE wo AS SELECT gen_random_uuid() AS response_id;
GRANT SELECT ON wo TO PUBLIC;
INSERT INTO rbp.response (response_id, authority_id, instrument_id, respondent_kind, anonymity, period, qa_status, qa_status_on)
SELECT (SELECT response_id FROM wo), a.authority_id, i.instrument_id, 'parent', 'worker_only', '2026-03-01', 'awaiting_qa', '2026-03-31'
  FROM rbp.authority a, rbp.instrument i WHERE a.code = 'north' AND i.code = 'parents_carers' AND i.version = 1;
SELECT rbp.submit_response((SELECT token FROM tok WHERE who = 'YP1'), 'named', '{"dial_safe": 9}', 'online', false, '2026-03-02') \g /dev/null
SET LOCAL ROLE t_qa_n;
SELECT ok(NOT (rbp.response_as_fhir((SELECT response_id FROM wo)) ? 'authored'),
    'fhir.md: a worker-only response is read back without authored');
SELECT is(rbp.response_as_fhir((SELECT response_id FROM rbp.response WHERE anonymity = 'named' AND respondent_kind = 'child_young_person')) ->> 'authored',
    '2026-03-02', 'fhir.md: a named response carries its submission date as authored');
RESET ROLE;

-- ---- doc/survey-intake.md: the size of an answer set ------------------------------------------
CREATE FUNCTION pg_temp.six_answers(c text, n integer) RETURNS jsonb LANGUAGE sql AS $$
    SELECT jsonb_build_object('q1_situation', repeat(c, n), 'q3_rights_explained', repeat(c, n), 'q4_impact', repeat(c, n),
                              'q5_other_contacts', repeat(c, n), 'q6_change_one_thing', repeat(c, n),
                              'q7_anything_else', repeat(c, n), 'q2_trust', 4) $$;
GRANT EXECUTE ON FUNCTION pg_temp.six_answers(text, integer) TO PUBLIC;
SET LOCAL ROLE t_intake;
SELECT throws_ok(format('SELECT rbp.submit_response(%L, %L, pg_temp.six_answers(%L, 1360), %L, false, %L)',
                        (SELECT token FROM tok WHERE who = 'SP1'), 'anonymous', 'é', 'online', '2026-03-02'),
                 '22001', NULL, 'survey-intake.md: six answers of 1,360 two-byte characters are refused (22001)');
SELECT lives_ok(format('SELECT rbp.submit_response(%L, %L, pg_temp.six_answers(%L, 2000), %L, false, %L)',
                       (SELECT token FROM tok WHERE who = 'SP1'), 'anonymous', 'x', 'online', '2026-03-02'),
                'survey-intake.md: six answers of 2000 ASCII characters fit');
RESET ROLE;

-- ---- doc/survey-intake.md: "today" is the session's TimeZone's --------------------------------
-- In Pago Pago (UTC-11) the date in Kiritimati (UTC+14) is always a day or two later: a form whose
-- session is behind the family's time zone is refused the family's correct date.
SET LOCAL TimeZone = 'Pacific/Pago_Pago';
SET LOCAL ROLE t_intake;
SELECT throws_ok(format('SELECT rbp.submit_response(%L, %L, %L, %L, false, %L)', (SELECT token FROM tok WHERE who = 'P3'),
                        'named', '{"q2_trust": 3}', 'online', (now() AT TIME ZONE 'Pacific/Kiritimati')::date),
                 '22023', NULL, 'survey-intake.md: a date after the session''s today is refused (22023), whatever the family''s time zone');
SELECT lives_ok(format('SELECT rbp.submit_response(%L, %L, %L, %L, false, %L)', (SELECT token FROM tok WHERE who = 'P3'),
                       'named', '{"q2_trust": 3}', 'online', current_date),
                'survey-intake.md: the session''s own today is accepted');
RESET ROLE;
RESET TimeZone;

-- ---- doc/reports.md, doc/dba.md ---------------------------------------------------------
SET LOCAL ROLE t_qa_n;
SELECT throws_ok($$ SELECT * FROM rbp.publish_reports_rows('2026-04-01', 'nowhere') $$, '42501', NULL,
    'reports.md: a QA login gets 42501 for a code that does not exist ...');
SELECT throws_ok($$ SELECT * FROM rbp.publish_reports_rows('2026-04-01', 'south') $$, '42501', NULL,
    '... and the same for an authority it does not serve: it learns no codes');
SELECT throws_ok($$ SELECT * FROM rbp.publish_reports_rows(NULL) $$, '22023', NULL, 'reports.md: publishing as of no day is 22023');
RESET ROLE;
SET LOCAL ROLE t_admin;
SELECT throws_ok($$ SELECT * FROM rbp.publish_reports_rows('2026-04-01', 'nowhere') $$, '22023', NULL,
    'reports.md: an administrator gets 22023 for an unknown code');
SELECT throws_ok($$ SELECT rbp.set_year_start_month('north', 5) $$, '22023', NULL, 'reports.md: a year starts in month 1, 4, 7 or 10');
SELECT throws_ok($$ SELECT rbp.register_authority('x', 'X', -1) $$, '23514', NULL, 'dba.md: a negative auto-release is 23514');
SELECT throws_ok($$ SELECT rbp.map_login('no_such_login_anywhere', 'qa', 'north') $$, '42704', NULL, 'dba.md: a login that does not exist is 42704');
SELECT throws_ok($$ SELECT rbp.map_login('t_worker_a', 'qa', 'north') $$, '22023', NULL, 'dba.md: a login outside the kind''s group role is 22023');
SELECT rbp.register_authority('north', 'North Council', 14) \g /dev/null
SELECT rbp.register_authority('north', 'North Council') \g /dev/null
RESET ROLE;
SELECT is((SELECT auto_release_after_days FROM rbp.authority WHERE code = 'north'), NULL,
    'dba.md: registering a code again without auto_release_after_days sets it back to NULL');

SELECT * FROM finish();
ROLLBACK;
