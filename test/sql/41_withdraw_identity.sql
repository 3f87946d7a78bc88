-- Guarantee G2, one-way anonymity: named -> worker_only -> anonymous removes the identifying data
-- for real (nothing left that points at the family), re-keys the response (held, released in a later
-- batch under a fresh id, never counted towards that batch's k), and can never be reversed.
BEGIN;
SET client_min_messages = warning;
CREATE EXTENSION feedback_rbp;
RESET client_min_messages;
SET search_path = public, rbp;
SELECT plan(29);
\ir ../helpers/pgtap_roles.sql
\ir ../helpers/anonymity_fixture.sql

-- A named response, released by QA, reviewed (routed to the QA team: no supervisor) and themed;
-- a worker-only one, held until its worker's batch goes out.
SET ROLE t_intake;
SELECT pg_temp.submit('P1', 'named', '{"q2_trust": 2, "q6_change_one_thing": "Please ring back, said family one"}', 'online', false, '2026-03-10');
SELECT pg_temp.submit('P2', 'worker_only', '{"q2_trust": 4, "q7_anything_else": "worker-only words of family two"}', 'interview_practitioner', false, '2026-03-11');
RESET ROLE;
SET ROLE t_qa;
SELECT response_id AS named_id FROM rbp.response WHERE anonymity = 'named' \gset
SELECT rbp.qa_release(:'named_id', '2026-03-12');
SELECT rbp.record_supervision_review(:'named_id', false, '{meeting_with_family}', 'Discussed', '2026-03-20');
SELECT rbp.create_theme('a1', 'Returning calls') AS theme_id \gset
SELECT rbp.tag_response(:theme_id, :'named_id');
RESET ROLE;
SELECT respondent_id AS p1_respondent FROM rbp.respondent WHERE respondent_ref = 'P1' \gset
SELECT involvement_id AS inv1 FROM rbp.involvement WHERE involvement_ref = 'INV1' \gset

-- named -> worker_only: re-keyed. The row goes; its answers are held as worker-only ("seen": they
-- never count towards a batch's k) and come back in the worker's next batch under a fresh id.
SET ROLE t_qa;
SELECT lives_ok(format('SELECT rbp.withdraw_identity(%L, ''worker_only'')', :'named_id'), 'QA withdraws the family''s name: named -> worker_only');
SELECT is_empty(format('SELECT FROM rbp.response WHERE response_id = %L', :'named_id'), 'the named row is gone');
SELECT throws_ok(format('SELECT rbp.withdraw_identity(%L, ''named'')', :'named_id'), 'P0002', NULL,
                 'its old id names nothing: the name cannot be put back');
RESET ROLE;
SELECT is_empty(format('SELECT FROM rbp.response WHERE respondent_id = %s OR involvement_id = %s', :p1_respondent, :inv1),
                'superuser view: no response row points at the family''s respondent or involvement any more');
SELECT is_empty(format('SELECT FROM rbp.supervision_review WHERE response_id = %L', :'named_id'), 'its supervision review is gone');
SELECT is_empty(format('SELECT FROM rbp.response_theme WHERE response_id = %L', :'named_id'), 'its theme tag is gone');
SELECT is((SELECT count(*)::integer FROM rbp.anonymous_holding WHERE anonymity = 'worker_only' AND seen), 1,
          'superuser view: its answers are held as worker-only, marked seen');
-- SW1's and SW2's windows are filled (other families' unexplained invitations), then the scheduled release.
\set wo_worker SW1
\set wo_on 2026-03-20
\ir ../helpers/release_worker_only.sql
\set wo_worker SW2
\ir ../helpers/release_worker_only.sql
SET ROLE t_qa;
SELECT response_id AS wo1_id FROM rbp.response r JOIN rbp.answer a USING (response_id) WHERE a.free_text LIKE '%family one%' \gset
SELECT response_id AS worker_only_id FROM rbp.response r JOIN rbp.answer a USING (response_id) WHERE a.free_text LIKE '%family two%' \gset
SELECT results_eq(format('SELECT anonymity::text, respondent_id, involvement_id, worker_id IS NOT NULL, submitted_on, period, channel FROM rbp.response WHERE response_id = %L', :'wo1_id'),
                  $$VALUES ('worker_only', NULL::integer, NULL::integer, true, NULL::date, '2026-03-01'::date, NULL::rbp.response_channel)$$,
                  'worker_only comes back in the worker''s batch: the worker and the batch''s month, no family, date or channel');
SELECT isnt(:'wo1_id'::uuid, :'named_id'::uuid, 'under a fresh id');
SELECT throws_ok(format('SELECT rbp.withdraw_identity(%L, ''named'')', :'wo1_id'), '22023', NULL,
                 'worker_only -> named is refused (22023)');
RESET ROLE;

-- worker_only -> anonymous
SET ROLE t_qa;
SELECT lives_ok(format('SELECT rbp.withdraw_identity(%L, ''anonymous'')', :'wo1_id'), 'worker_only -> anonymous');
RESET ROLE;
SELECT is_empty(format('SELECT FROM rbp.response WHERE response_id = %L', :'wo1_id'), 'superuser view: the response row is gone');
SELECT is_empty(format('SELECT FROM rbp.answer WHERE response_id = %L', :'wo1_id'), 'its answers are gone');
SELECT is_empty(format('SELECT FROM rbp.route WHERE response_id = %L', :'wo1_id'), 'its routes are gone');
SELECT is_empty($$SELECT FROM rbp.answer WHERE free_text LIKE '%family one%'$$, 'its words are nowhere among released answers');
SELECT is((SELECT count(*)::integer FROM rbp.anonymous_holding), 1, 'they wait in the holding area');

-- worker_only (as submitted) -> anonymous
SET ROLE t_qa;
SELECT lives_ok(format('SELECT rbp.withdraw_identity(%L, ''anonymous'')', :'worker_only_id'), 'a worker-only response goes anonymous too');
SELECT is_empty($$SELECT FROM rbp.response WHERE anonymity = 'anonymous'$$, 'QA sees no anonymous response: two are held, not released alone');
SELECT throws_ok(format('SELECT rbp.withdraw_identity(%L, ''anonymous'')', :'wo1_id'), 'P0002', 'no such response in your authority',
                 'the old id names nothing any more');
RESET ROLE;

-- Withdrawn answers were seen under a name: they never count towards k. Three anonymous
-- submissions plus the two withdrawn do not make a batch; five unseen ones do.
SET ROLE t_intake;
SELECT pg_temp.submit('P' || i, 'anonymous', '{"q2_trust": 3}', 'online', false, '2026-04-02') FROM generate_series(3, 5) AS i;
RESET ROLE;
SELECT pg_temp.release('2026-04-02');
SET ROLE t_qa;
SELECT is_empty($$SELECT FROM rbp.response WHERE anonymity = 'anonymous'$$, 'three unseen and two withdrawn answers are not released: the seen ones never count');
RESET ROLE;
SET ROLE t_intake;
SELECT pg_temp.submit('P' || i, 'anonymous', '{"q2_trust": 3}', 'online', false, '2026-04-02') FROM generate_series(6, 7) AS i;
RESET ROLE;
SELECT pg_temp.release('2026-04-02');
SET ROLE t_qa;
SELECT is((SELECT count(*)::integer FROM rbp.response WHERE anonymity = 'anonymous'), 7, 'five unseen answers of two workers release the batch, with the two withdrawn');
SELECT results_eq($$SELECT r.anonymity::text, r.worker_id, r.team_id, r.submitted_on, r.respondent_id, r.involvement_id, r.channel::text, r.period
                      FROM rbp.response r JOIN rbp.answer a USING (response_id) WHERE a.free_text LIKE '%family one%'$$,
                  $$VALUES ('anonymous', NULL::integer, NULL::integer, NULL::date, NULL::integer, NULL::integer, NULL::text, '2026-04-01'::date)$$,
                  'the withdrawn answers come back only inside the batch: no worker, team, date, family or channel; the batch''s month');
SELECT isnt((SELECT response_id FROM rbp.response r JOIN rbp.answer a USING (response_id) WHERE a.free_text LIKE '%family one%'),
            :'wo1_id'::uuid, 'under a fresh id');
SELECT response_id AS anon_id FROM rbp.response r JOIN rbp.answer a USING (response_id) WHERE a.free_text LIKE '%family one%' \gset
SELECT is_empty(format('SELECT FROM rbp.route WHERE response_id = %L UNION ALL SELECT FROM rbp.response_theme WHERE response_id = %L',
                       :'anon_id', :'anon_id'), 'not routed to anyone, not themed');
SELECT is(rbp.likert_label((SELECT a.score FROM rbp.answer a JOIN rbp.question q USING (question_id)
                             WHERE a.response_id = :'anon_id' AND q.code = 'q2_trust')), 'disagree', 'the score survived intact');

-- Never reversible.
SELECT throws_ok(format('SELECT rbp.withdraw_identity(%L, ''named'')', :'anon_id'), '22023', NULL, 'anonymous -> named is refused (22023)');
SELECT throws_ok(format('SELECT rbp.withdraw_identity(%L, ''worker_only'')', :'anon_id'), '22023', NULL, 'anonymous -> worker_only is refused (22023)');
SELECT throws_ok(format('UPDATE rbp.response SET anonymity = ''named'' WHERE response_id = %L', :'anon_id'), '42501', NULL,
                 'QA cannot update a response directly');
RESET ROLE;
SET ROLE t_staff;
SELECT throws_ok(format('SELECT rbp.withdraw_identity(%L, ''anonymous'')', :'anon_id'), '42501', NULL, 'a worker cannot withdraw identities');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;
