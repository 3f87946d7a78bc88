-- The case system's and survey intake's API: registration, invitations, submission, and every kind
-- of bad input refused with its SQLSTATE, leaving nothing half-written.
BEGIN;
SET client_min_messages = warning;
CREATE EXTENSION feedback_rbp;
RESET client_min_messages;
SELECT plan(40);
\ir ../helpers/pgtap_roles.sql
\ir ../helpers/two_authorities.sql

-- Registration -----------------------------------------------------------------------------------
SELECT is((SELECT count(*)::integer FROM rbp.staff), 8, 'eight members of staff registered');
SELECT is(rbp.register_team('north', 'team1', 'Team One (renamed)'), (SELECT team_id FROM rbp.team WHERE code = 'team1'),
          'registering a team again updates it and returns the same id');
SELECT throws_ok($$ SELECT rbp.register_team('nowhere', 't', 'T') $$, '23503', 'unknown authority "nowhere"',
                 'an unknown authority is refused');
SELECT throws_ok($$ SELECT rbp.register_supervision('north', 'A', 'S2', '2026-03-15', '2026-04-15') $$, '23P01', NULL,
                 'overlapping supervision of one worker is refused by the exclusion constraint');
SELECT throws_ok($$ SELECT rbp.register_supervision('north', 'B', 'B', '2026-01-01') $$, '23514', NULL,
                 'a worker cannot supervise themselves');
SELECT throws_ok($$ SELECT rbp.register_supervision('north', 'B', 'S1', '2026-05-01', '2026-04-01') $$, '22023', NULL,
                 'a supervision ending before it starts is refused');
SELECT throws_ok($$ INSERT INTO rbp.supervision (authority_id, worker_id, supervisor_id, during)
                    SELECT authority_id, (SELECT staff_id FROM rbp.staff WHERE staff_ref = 'A'),
                           (SELECT staff_id FROM rbp.staff WHERE staff_ref = 'M'), '[2026-02-01,2026-02-02]'
                      FROM rbp.authority WHERE code = 'north' $$, '23P01', NULL,
                 'the exclusion constraint holds even for a direct insert by the owner');
SELECT throws_ok($$ SELECT rbp.allocate_worker('north', 'I2', 'A', '2025-12-01') $$, '23514', NULL,
                 'an allocation starting before its involvement is refused');
SELECT lives_ok($$ SELECT rbp.close_involvement('north', 'I3', '2026-09-30') $$, 'an involvement closes');
SELECT is((SELECT upper(during) - 1 FROM rbp.allocation a JOIN rbp.involvement i USING (involvement_id) WHERE i.involvement_ref = 'I3'),
          '2026-09-30'::date, 'closing an involvement ends its open allocation the same day');
SELECT throws_ok($$ SELECT rbp.allocate_worker('north', 'I3', 'B', '2026-09-01', '2026-10-15') $$, '23514', NULL,
                 'an allocation running past the involvement''s closure is refused');
SELECT lives_ok($$ SELECT rbp.allocate_worker('north', 'I2', 'A', '2026-06-01') $$, 're-allocating an involvement to another worker');
SELECT results_eq($$ SELECT s.staff_ref, a.during FROM rbp.allocation a JOIN rbp.involvement i USING (involvement_id)
                      JOIN rbp.staff s ON s.staff_id = a.worker_id WHERE i.involvement_ref = 'I2' ORDER BY lower(a.during) $$,
                  $$ VALUES ('B', '[2026-01-05,2026-06-01)'::daterange), ('A', '[2026-06-01,)'::daterange) $$,
                  're-allocation ends the earlier allocation the day before');

-- Invitations ------------------------------------------------------------------------------------
SELECT is(length((SELECT token FROM tok WHERE who = 'P1')), 32, 'a token is 32 characters');
SELECT is((SELECT count(DISTINCT token)::integer FROM tok), 5, 'tokens are all different');
SELECT is_empty($$ SELECT FROM rbp.invitation i JOIN tok ON i.token_hash = convert_to(tok.token, 'UTF8') $$,
                'the token itself is not stored');
SELECT is((SELECT i.instrument_id FROM rbp.invitation i JOIN tok ON i.token_hash = rbp.token_hash(tok.token) WHERE tok.who = 'YP1'),
          (SELECT instrument_id FROM rbp.instrument WHERE code = 'children_young_people'),
          'a young person is invited with the children''s dials');
SELECT throws_ok($$ SELECT rbp.issue_invitation('north', 'I1', 'P1', 'link', 28, '2026-02-01', 'children_young_people') $$,
                 '22023', 'instrument "children_young_people" is not for respondent kind parent',
                 'the wrong instrument for the respondent kind is refused');
SELECT throws_ok($$ SELECT rbp.issue_invitation('north', 'I2', 'P1', 'link') $$, '22023', NULL,
                 'a respondent cannot be invited on another family''s involvement');

-- Submission: bad input leaves nothing behind -----------------------------------------------------
SELECT throws_ok($$ SELECT rbp.submit_response('no-such-token', 'named', '{}') $$, '22023', 'invitation token not recognised',
                 'an unknown token is refused');
SELECT throws_ok($$ SELECT rbp.submit_response((SELECT token FROM tok WHERE who = 'P1'), 'named', '{"q2_trust": 6}', 'online', false, '2026-03-10') $$,
                 '22003', NULL, 'a score above the scale is refused');
SELECT throws_ok($$ SELECT rbp.submit_response((SELECT token FROM tok WHERE who = 'P1'), 'named', '{"q2_trust": 0}', 'online', false, '2026-03-10') $$,
                 '22003', NULL, 'a score of 0 is refused');
SELECT throws_ok($$ SELECT rbp.submit_response((SELECT token FROM tok WHERE who = 'P1'), 'named', '{"q2_trust": 3.5}', 'online', false, '2026-03-10') $$,
                 '22003', NULL, 'a fractional score is refused');
SELECT throws_ok($$ SELECT rbp.submit_response((SELECT token FROM tok WHERE who = 'YP1'), 'named', '{"dial_safe": 11}', 'online', false, '2026-03-10') $$,
                 '22003', NULL, 'a dial above 10 is refused');
SELECT throws_ok($$ SELECT rbp.submit_response((SELECT token FROM tok WHERE who = 'P1'), 'named', '{"q2_trust": 4, "q9_colour": "blue"}', 'online', false, '2026-03-10') $$,
                 '22023', 'unknown question "q9_colour" for this questionnaire', 'an unknown question is refused');
SELECT throws_ok($$ SELECT rbp.submit_response((SELECT token FROM tok WHERE who = 'P1'), 'named', '{"dial_safe": 4}', 'online', false, '2026-03-10') $$,
                 '22023', NULL, 'a question of another instrument is refused');
SELECT throws_ok($$ SELECT rbp.submit_response((SELECT token FROM tok WHERE who = 'P1'), 'named', '[4, 5]', 'online', false, '2026-03-10') $$,
                 '22023', NULL, 'answers that are not a JSON object are refused');
SELECT throws_ok($$ SELECT rbp.submit_response((SELECT token FROM tok WHERE who = 'P1'), 'named', '{}', 'online', false, '2026-01-15') $$,
                 '22023', NULL, 'a response dated before its invitation is refused');
-- (No check of "nothing stored" here: each refused call ran in throws_ok's savepoint, which
-- PostgreSQL rolls back whatever the function did, so such a check could not fail. The refused
-- token is shown to stay usable below: P1 submits with it.)

-- Submission that works ---------------------------------------------------------------------------
SELECT lives_ok($$ SELECT rbp.submit_response((SELECT token FROM tok WHERE who = 'P1'), 'named',
       '{"q2_understands_family": 5, "q2_trust": "Strongly  Agree", "q2_works_alongside": null, "q2_builds_relationships": "",
         "q4_impact": "  It helped.  ", "q7_anything_else": ""}', 'online', false, '2026-03-10') $$,
    'a named response with labels, skipped and empty answers is accepted');
SELECT results_eq($$ SELECT q.code, a.score::text, a.free_text FROM rbp.answer a JOIN rbp.question q USING (question_id) ORDER BY q.position $$,
                  $$ VALUES ('q2_understands_family', '5', NULL), ('q2_trust', '5', NULL), ('q4_impact', NULL, 'It helped.') $$,
                  'scores and text are stored; skipped, null and empty answers leave no row');
SELECT results_eq($$ SELECT r.anonymity::text, s.staff_ref, r.period, r.submitted_on, (r.respondent_id IS NOT NULL), (r.involvement_id IS NOT NULL), r.qa_status::text
                       FROM rbp.response r JOIN rbp.staff s ON s.staff_id = r.worker_id $$,
                  $$ VALUES ('named', 'A', '2026-03-01'::date, '2026-03-10'::date, true, true, 'awaiting_qa') $$,
                  'a named response is linked to the family and to the worker allocated on that date, awaiting QA');
SELECT is((SELECT used_on FROM rbp.invitation i JOIN tok ON i.token_hash = rbp.token_hash(tok.token) WHERE tok.who = 'P1'),
          '2026-03-10'::date, 'the invitation records the date it was used');
SELECT throws_ok($$ SELECT rbp.submit_response((SELECT token FROM tok WHERE who = 'P1'), 'anonymous', '{}') $$, '23505',
                 'this invitation has already been used', 'one response per invitation');
SELECT lives_ok($$ SELECT rbp.submit_response((SELECT token FROM tok WHERE who = 'YP1'), 'worker_only',
                   '{"dial_respected": 7, "dial_safe": "9/10", "anything_else": "ok"}', 'interview_practitioner', false, '2026-03-11') $$,
                'a worker-only response on the dials');
SELECT is_empty($$ SELECT FROM rbp.response r WHERE r.anonymity = 'worker_only' $$,
                'a worker-only response is held, not stored as a response: a later batch releases it (test/sql/44_worker_only.sql)');
SELECT results_eq($$ SELECT a.score::text
                       FROM unnest(rbp.held_answers(rbp.held_payload(rbp.validate_answers(
                                (SELECT instrument_id FROM rbp.instrument WHERE 'child_young_person' = ANY (respondent_kinds) AND rbp.is_current(instrument)),
                                '{"dial_respected": 7, "dial_safe": "9/10", "anything_else": "ok"}')))) a
                      WHERE a.score IS NOT NULL ORDER BY 1 $$,
                  $$ VALUES ('7/10'), ('9/10') $$, 'dial answers are held as 10-point likert values');

-- Feedback after the involvement closed goes to the last allocated worker.
SELECT lives_ok($$ SELECT rbp.submit_response((SELECT token FROM tok WHERE who = 'P3'), 'named', '{"q2_trust": 3}', 'online', false, '2026-10-20') $$,
                'feedback after the involvement closed is accepted');
SELECT is((SELECT s.staff_ref FROM rbp.response r JOIN rbp.staff s ON s.staff_id = r.worker_id WHERE r.submitted_on = '2026-10-20'),
          'A', 'and is attributed to the last allocated worker');

-- Withdrawing a name only ever moves towards anonymity (a worker-only response as a release batch
-- leaves it: no date, no family).
INSERT INTO rbp.response (authority_id, instrument_id, respondent_kind, channel, anonymity, period, team_id, worker_id, qa_status)
SELECT r.authority_id, r.instrument_id, r.respondent_kind, NULL, 'worker_only', '2026-03-01', r.team_id, r.worker_id, 'awaiting_qa'
  FROM rbp.response r WHERE r.anonymity = 'named' LIMIT 1;
SELECT throws_ok($$ SELECT rbp.withdraw_identity((SELECT response_id FROM rbp.response WHERE anonymity = 'worker_only'), 'named') $$,
                 'P0002', NULL, 'only QA of the authority can withdraw a name (the owner is not a QA officer)');
SET LOCAL ROLE t_qa_n;
SELECT throws_ok($$ SELECT rbp.withdraw_identity((SELECT response_id FROM rbp.response WHERE anonymity = 'worker_only'), 'named') $$,
                 '22023', NULL, 'worker_only -> named is refused');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;
