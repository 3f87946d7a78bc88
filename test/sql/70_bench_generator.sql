-- Smoke test of the benchmark's data generator (test/bench/generate.sql) at a tiny size: the
-- counts it promises, consistent keys (it loads without per-row foreign-key checks), routing and
-- anonymity as the data model requires. Timings belong to `make bench`, never to this suite.
BEGIN;
SET client_min_messages = warning;
CREATE EXTENSION feedback_rbp;
\ir ../bench/generate.sql
RESET client_min_messages;
SELECT plan(24);
SET LOCAL search_path = public, rbp;   -- the operators of rbp.anonymity and rbp.likert

-- 2 authorities x 2 teams x (3 workers + 2 supervisors + 1 manager), 20 families, 30
-- involvements, 70 responses.
CREATE TEMP TABLE generated AS SELECT * FROM rbp_bench.generate(2, 2, 3, 20, 30, 70);
CREATE TEMP VIEW bench_response AS
    SELECT r.* FROM rbp.response r JOIN rbp.authority a USING (authority_id) WHERE a.code LIKE 'bench\_%';

SELECT is((SELECT count(*) FROM rbp.authority WHERE code LIKE 'bench\_%'), 2::bigint, 'two authorities');
SELECT is((SELECT count(*) FROM rbp.team t JOIN rbp.authority a USING (authority_id) WHERE a.code LIKE 'bench\_%'),
          4::bigint, 'two teams each');
SELECT is((SELECT count(*) FROM rbp.staff s JOIN rbp.authority a USING (authority_id) WHERE a.code LIKE 'bench\_%'),
          24::bigint, 'six staff per team: three workers, two supervisors, a manager');
SELECT is((SELECT count(*) FROM rbp.supervision), 12::bigint, 'every worker has a supervisor');
SELECT is((SELECT count(*) FROM rbp.family), 20::bigint, 'twenty families');
SELECT is((SELECT count(*) FROM rbp.respondent), 28::bigint, 'a parent or carer in each, a child in two families of five');
SELECT is((SELECT count(*) FROM rbp.involvement), 30::bigint, 'thirty involvements');
SELECT is((SELECT count(*) FROM rbp.allocation), 30::bigint, 'one allocation per involvement');
SELECT is((SELECT count(*) FROM bench_response), 70::bigint, 'seventy responses');
SELECT is((SELECT count(*) FROM rbp.invitation WHERE used_on IS NOT NULL), 70::bigint, 'each came through a used invitation');
SELECT is((SELECT count(*) FROM rbp.answer WHERE score IS NOT NULL), (5 * 70 - 70 / 7)::bigint,
          'five scored answers per response, every seventh skipping one');
SELECT results_eq($$ SELECT what, how_many FROM generated WHERE what IN ('responses', 'scored answers', 'involvements') ORDER BY what $$,
                  $$ VALUES ('involvements', 30::bigint), ('responses', 70::bigint), ('scored answers', 340::bigint) $$,
                  'the generator reports what it loaded');
SELECT is((SELECT count(*) FROM bench_response WHERE anonymity = 'anonymous'), 14::bigint, 'two in ten are anonymous');
SELECT is(ARRAY[(SELECT count(*) FROM rbp.response_theme),
                (SELECT count(DISTINCT rt.response_id) FROM rbp.response_theme rt JOIN rbp.theme th USING (theme_id) JOIN bench_response r USING (response_id)
                  WHERE th.authority_id = r.authority_id
                    AND EXISTS (SELECT FROM rbp.answer a WHERE a.response_id = r.response_id AND a.free_text IS NOT NULL))],
          (SELECT ARRAY[n, n] FROM (SELECT count(DISTINCT response_id) FROM rbp.answer WHERE free_text IS NOT NULL) f(n)),
          'every response with a free-text answer is tagged with one theme of its own authority, and no other');
SELECT is((SELECT count(DISTINCT worker_id) FROM rbp.allocation), 12::bigint,
          'every worker of every team has involvements allocated');

-- Keys and rules the foreign keys and the API would have enforced.
SELECT is_empty($$ SELECT 1 FROM rbp.answer a LEFT JOIN rbp.response r USING (response_id)
                    LEFT JOIN rbp.question q ON q.question_id = a.question_id AND q.instrument_id = r.instrument_id
                   WHERE r.response_id IS NULL OR q.question_id IS NULL $$,
                'every answer belongs to a response and to a question of its instrument');
SELECT is_empty($$ SELECT 1 FROM rbp.answer a JOIN rbp.question q USING (question_id)
                   WHERE a.score IS NOT NULL AND (q.kind <> 'scale' OR rbp.likert_points(a.score) <> q.scale_points) $$,
                'every score is on its question''s scale');
SELECT is_empty($$ SELECT 1 FROM rbp.invitation i JOIN rbp.respondent p USING (respondent_id)
                    JOIN rbp.involvement v USING (involvement_id)
                   WHERE p.family_id <> v.family_id OR i.authority_id <> v.authority_id
                      OR i.used_on NOT BETWEEN i.issued_on AND i.expires_on $$,
                'invitations go to a member of the involvement''s family and were used while valid');
SELECT is_empty($$ SELECT 1 FROM bench_response r
                   WHERE r.anonymity <> 'anonymous'
                     AND (r.worker_id IS DISTINCT FROM (SELECT al.worker_id FROM rbp.allocation al JOIN rbp.involvement v USING (involvement_id)
                                                         WHERE v.team_id = r.team_id AND al.worker_id = r.worker_id LIMIT 1)
                          OR r.period <> date_trunc('month', r.submitted_on)) $$,
                'named and worker-only responses name a worker allocated in their team, in the month submitted');
SELECT is_empty($$ SELECT 1 FROM bench_response r JOIN rbp.involvement v USING (involvement_id)
                   WHERE r.anonymity = 'named'
                     AND r.worker_id <> (SELECT al.worker_id FROM rbp.allocation al WHERE al.involvement_id = v.involvement_id) $$,
                'a named response names the worker allocated to its involvement');
SELECT is_empty($$ SELECT 1 FROM bench_response r
                   WHERE r.anonymity <> 'anonymous'
                     AND (SELECT count(*) FROM rbp.route rt WHERE rt.response_id = r.response_id AND rt.superseded_on IS NULL) <> 1 $$,
                'every named and worker-only response has exactly one current route');
SELECT is_empty($$ SELECT 1 FROM rbp.route rt JOIN rbp.response r USING (response_id)
                   WHERE NOT EXISTS (SELECT FROM rbp.supervision s WHERE s.worker_id = r.worker_id
                                        AND s.supervisor_id = rt.recipient_id AND s.during @> rt.routed_on) $$,
                'routes go to the worker''s supervisor on the day');
SELECT is_empty($$ SELECT 1 FROM rbp.route rt JOIN rbp.response r USING (response_id) WHERE r.anonymity = 'anonymous' $$,
                'anonymous responses are never routed');

SELECT throws_ok($$ SELECT * FROM rbp_bench.generate(1, 1, 1, 1, 1, 1) $$, '23505', NULL,
                 'the generator refuses to run twice into one database');

SELECT * FROM finish();
ROLLBACK;
