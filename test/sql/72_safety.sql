-- The safety signal (doc/qa.md): a named response of a child or young person at or below the
-- authority's level on a watched dial gives QA of that authority one work-queue row; worker-only and
-- anonymous responses never do (also not when anonymous answers are released in a batch), parents
-- never do. Checked on a randomised sequence of submissions against a model, then by hand for the
-- rules, the queue's readers and recording the action. (The NOTIFY itself needs a committed
-- transaction: test/safety_notify_check.sh.)
--
-- Mutations seen failing: dropping `r.anonymity = 'named'` from rbp.raise_safety_signals() fails the
-- randomised model tests; `<=` changed to `<` fails "both watched dials raise a signal at their
-- level"; the queue's policy reduced to USING (true) fails "QA of south sees its open signal".
BEGIN;
SET client_min_messages = warning;
CREATE EXTENSION feedback_rbp;
RESET client_min_messages;
SELECT plan(27);
\ir ../helpers/pgtap_roles.sql
\ir ../helpers/two_authorities.sql

-- Randomised: 60 submissions by children and parents of north, random anonymity and scores ------
SELECT setseed(0.16);
CREATE TEMP TABLE sent (n integer, kind text, anonymity text, safe integer, listened integer);
DO $$
DECLARE
    i integer;
    v_kind text;
    v_anon text;
    v_safe integer;
    v_listened integer;
    v_token text;
BEGIN
    FOR i IN 1 .. 60 LOOP
        v_kind := CASE WHEN random() < 0.7 THEN 'child_young_person' ELSE 'parent' END;
        v_anon := (ARRAY['named', 'worker_only', 'anonymous'])[1 + floor(random() * 3)::integer];
        v_safe := CASE WHEN random() < 0.15 THEN NULL ELSE 1 + floor(random() * 10)::integer END;
        v_listened := 1 + floor(random() * 10)::integer;
        -- families of two workers (F1: A, F2: B): an anonymous batch must span two workers
        PERFORM rbp.register_respondent('north', CASE WHEN i % 2 = 0 THEN 'F1' ELSE 'F2' END, 'R' || i, v_kind::rbp.respondent_kind);
        v_token := rbp.issue_invitation('north', CASE WHEN i % 2 = 0 THEN 'I1' ELSE 'I2' END, 'R' || i, 'link', 3650, '2026-02-01');
        PERFORM rbp.submit_response(v_token, v_anon::rbp.anonymity,
                    CASE WHEN v_kind = 'parent' THEN jsonb_build_object('q2_trust', 1 + v_safe % 5)
                         ELSE jsonb_build_object('dial_safe', v_safe, 'dial_listened_to', v_listened) END,
                    'online', false, '2026-03-02');
        INSERT INTO sent VALUES (i, v_kind, v_anon, v_safe, v_listened);
    END LOOP;
END
$$;
-- Anonymous and worker-only answers are held; the nightly release (a later transaction) lets them out.
SELECT rbp.release_held_feedback('2026-03-02');
SELECT cmp_ok((SELECT count(*) FROM sent WHERE kind = 'child_young_person' AND anonymity <> 'named' AND safe <= 3), '>', 3::bigint,
              'the random sequence has low scores in worker-only and anonymous children''s responses');
SELECT cmp_ok((SELECT count(*) FROM rbp.response WHERE anonymity = 'anonymous'), '>', 0::bigint,
              'anonymous answers were released in a batch after the sequence (the trigger saw them)');
SELECT is((SELECT count(*) FROM rbp.safety_signal),
          (SELECT count(*) FROM sent WHERE kind = 'child_young_person' AND anonymity = 'named' AND safe <= 3),
          'one signal per named child response at or below 3 on dial_safe, none for any other');
SELECT is_empty($$ SELECT FROM rbp.safety_signal s JOIN rbp.response r USING (response_id)
                    WHERE r.anonymity <> 'named' OR r.respondent_kind <> 'child_young_person' OR s.question_code <> 'dial_safe' $$,
                'every signal points at a named child response and the watched dial');
SELECT is((SELECT array_agg(rbp.likert_value(a.score) ORDER BY rbp.likert_value(a.score))
             FROM rbp.safety_signal s JOIN rbp.answer a USING (response_id) JOIN rbp.question q USING (question_id)
            WHERE q.code = 'dial_safe'),
          (SELECT array_agg(safe ORDER BY safe) FROM sent WHERE kind = 'child_young_person' AND anonymity = 'named' AND safe <= 3),
          'the signals carry exactly the low scores sent');

-- The authority's rules ----------------------------------------------------------------------------
SET ROLE t_qa_n;
SELECT lives_ok($$ SELECT rbp.set_safety_rule('north', 'dial_listened_to', 2) $$, 'QA of north watches another dial');
SELECT throws_ok($$ SELECT rbp.set_safety_rule('south', 'dial_safe', 5) $$, '42501', NULL, 'QA of north cannot set south''s rules');
SELECT throws_ok($$ SELECT rbp.set_safety_rule('north', 'dial_safe', 10) $$, '22003', NULL, 'a level must leave the top of the dial');
SELECT throws_ok($$ SELECT rbp.set_safety_rule('north', 'q2_trust', 2) $$, '22023', NULL, 'only a dial of a children''s instrument can be watched');
RESET ROLE;
SET ROLE t_worker_a;
SELECT throws_ok($$ SELECT rbp.set_safety_rule('north', 'dial_safe', 0) $$, '42501', NULL, 'a worker cannot change the rules');
RESET ROLE;
SELECT results_eq($$ SELECT question_code, at_or_below FROM rbp.safety_rules((SELECT authority_id FROM rbp.authority WHERE code = 'north')) ORDER BY 1 $$,
                  $$ VALUES ('dial_listened_to', 2), ('dial_safe', 3) $$,
                  'watching another dial keeps the default on dial_safe');
DELETE FROM rbp.safety_signal;
SET ROLE t_intake;
SELECT rbp.submit_response((SELECT token FROM tok WHERE who = 'YP1'), 'named', '{"dial_safe": 3, "dial_listened_to": 2}', 'online', false, '2026-03-03');
RESET ROLE;
SELECT is((SELECT array_agg(question_code ORDER BY question_code) FROM rbp.safety_signal),
          ARRAY['dial_listened_to', 'dial_safe'], 'both watched dials raise a signal at their level');
SET ROLE t_admin;
SELECT lives_ok($$ SELECT rbp.set_safety_rule('north', 'dial_safe', 0) $$, 'the administrator switches dial_safe off for north');
RESET ROLE;
SELECT results_eq($$ SELECT question_code FROM rbp.safety_rules((SELECT authority_id FROM rbp.authority WHERE code = 'north')) $$,
                  $$ VALUES ('dial_listened_to') $$, 'a level of 0 switches a dial off');

-- The form says so before the family chooses -------------------------------------------------------
SET ROLE t_intake;
SELECT is(jsonb_array_length(rbp.survey_form((SELECT token FROM tok WHERE who = 'P3')) -> 'safety_notices'), 0,
          'a parent''s form has no safety notice');
RESET ROLE;
SELECT rbp.register_respondent('south', 'SF1', 'SYP', 'child_young_person') \g /dev/null
INSERT INTO tok VALUES ('SYP', rbp.issue_invitation('south', 'SI1', 'SYP', 'link', 3650, '2026-02-01'));
SET ROLE t_intake;
SELECT matches(rbp.survey_form((SELECT token FROM tok WHERE who = 'SYP')) #>> '{safety_notices,0}',
               '"It makes me feel safe" to 3 or lower.*If you do not give your name, nobody is told',
               'a child''s form names the dial and the level, and says that nobody is told without a name');

-- The work queue: QA of the authority only ------------------------------------------------------------
SELECT rbp.submit_response((SELECT token FROM tok WHERE who = 'SYP'), 'named', '{"dial_safe": 1}', 'online', false, '2026-03-03');
RESET ROLE;
SET ROLE t_qa_s;
SELECT is((SELECT count(*)::integer FROM rbp.safety_queue WHERE open), 1, 'QA of south sees its open signal in the queue');
SELECT is((SELECT respondent_ref || ' ' || score || ' ' || overdue FROM rbp.safety_queue), 'SYP 1 false',
          '... with the respondent and the score, not overdue on the day it was raised');
SELECT signal_id AS south_signal FROM rbp.safety_queue \gset
RESET ROLE;
UPDATE rbp.safety_signal SET raised_at = raised_at - interval '2 days' WHERE signal_id = :'south_signal';
SET ROLE t_qa_s;
SELECT is((SELECT overdue FROM rbp.safety_queue), true, 'a signal still open after the day it was raised is overdue');
RESET ROLE;
UPDATE rbp.safety_signal SET raised_at = raised_at + interval '2 days' WHERE signal_id = :'south_signal';
SET ROLE t_qa_n;
SELECT is((SELECT count(*)::integer FROM rbp.safety_queue WHERE authority = 'south'), 0, 'QA of another authority sees none of it');
SELECT throws_ok(format($$ SELECT rbp.act_on_safety_signal(%L, 'Called') $$, :'south_signal'), 'P0002', NULL,
                 'QA of another authority cannot act on it');
RESET ROLE;
SET ROLE t_worker_s;
SELECT throws_ok($$ SELECT count(*) FROM rbp.safety_signal $$, '42501', NULL, 'the worker cannot read the queue');
RESET ROLE;
SET ROLE t_qa_s;
SELECT throws_ok(format($$ SELECT rbp.act_on_safety_signal(%L, '  ') $$, :'south_signal'), '22004', NULL, 'acting needs a record of what was done');
SELECT lives_ok(format($$ SELECT rbp.act_on_safety_signal(%L, 'Duty social worker visited the same afternoon') $$, :'south_signal'),
                'QA records what it did');
SELECT is((SELECT acted_by || ': ' || action_taken FROM rbp.safety_queue), 'QA South: Duty social worker visited the same afternoon',
          'the queue shows who acted and how');
SELECT throws_ok(format($$ SELECT rbp.act_on_safety_signal(%L, 'Again') $$, :'south_signal'), '22023', NULL, 'a signal is acted on once');
SELECT response_id AS south_response FROM rbp.safety_queue \gset
SELECT rbp.withdraw_identity(:'south_response', 'anonymous');
SELECT is((SELECT (response_id IS NULL)::text || ' ' || action_taken FROM rbp.safety_signal),
          'true Duty social worker visited the same afternoon',
          'after the family withdraws its name, the record of the action stays and points at nothing');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;
