-- rbp.likert_distribution and its aggregates: SQLSTATEs, catalogue properties, and a parallel plan
-- whose partial aggregates really run in parallel workers and give the serial answer.
BEGIN;
SET client_min_messages = warning;
CREATE EXTENSION feedback_rbp;
RESET client_min_messages;
SELECT plan(22);

-- The type: fixed length, so the aggregate state needs no serialisation.
SELECT is((SELECT typlen::int FROM pg_type WHERE oid = 'rbp.likert_distribution'::regtype), 96,
          'rbp.likert_distribution is fixed-length (96 bytes)');
SELECT ok((SELECT typsend <> 0 AND typreceive <> 0 FROM pg_type WHERE oid = 'rbp.likert_distribution'::regtype),
          'rbp.likert_distribution has binary send and receive');

-- Bad input and mixed scales: SQLSTATEs.
SELECT throws_ok($$SELECT 'garbage'::rbp.likert_distribution$$, '22P02', NULL, 'garbage text is 22P02');
SELECT throws_ok($$SELECT '{points:11,n:1,counts:[1,0,0,0,0,0,0,0,0,0,0]}'::rbp.likert_distribution$$, '22023', NULL,
                 'a scale outside 2..10 is 22023');
SELECT throws_ok($$SELECT '{points:5,n:3,counts:[1,1,0,0,0]}'::rbp.likert_distribution$$, '22023', NULL,
                 'more respondents than answers is 22023');
SELECT throws_ok($$SELECT '{points:5,n:1,counts:[9223372036854775807,1,0,0,0]}'::rbp.likert_distribution$$, '22003', NULL,
                 'counts that overflow are 22003');
SELECT throws_ok($$SELECT rbp.likert_summary(x::rbp.likert) FROM unnest(ARRAY['4', '7/10']) x$$, '22023',
                 'cannot summarise a 5-point and a 10-point rbp.likert together', 'mixed scales in answers are 22023');
SELECT throws_ok($$SELECT rbp.likert_summary(d::rbp.likert_distribution)
                     FROM unnest(ARRAY['{points:5,n:1,counts:[0,0,0,1,0]}', '{points:3,n:1,counts:[0,1,0]}']) d$$,
                 '22023', NULL, 'mixed scales in a roll-up are 22023');
SELECT throws_ok($$SELECT rbp.point_count('{points:5,n:12,counts:[0,1,2,4,5]}', 6)$$, '22023', NULL,
                 'a point beyond the scale is 22023');

-- Catalogue: all three aggregates are parallel safe and have a combine function, and no
-- serial/deserial functions (the state is not internal).
SELECT is((SELECT count(*)::int FROM pg_aggregate a JOIN pg_proc p ON p.oid = a.aggfnoid
            WHERE p.pronamespace = 'rbp'::regnamespace AND p.proname IN ('likert_summary', 'likert_respondent')
              AND p.proparallel = 's' AND a.aggcombinefn <> 0 AND a.aggserialfn = 0
              AND a.aggtranstype = 'rbp.likert_distribution'::regtype), 3,
          'likert_summary(likert), likert_summary(likert_distribution) and likert_respondent are parallel safe with a combine function and a state that is not internal');
SELECT is((SELECT count(*)::int FROM pg_proc
            WHERE pronamespace = 'rbp'::regnamespace AND prorettype = 'rbp.likert_distribution'::regtype
              AND proparallel <> 's'), 0,
          'every function returning a distribution is parallel safe');

-- A parallel plan. The table is created in this transaction; parallel workers share the leader's
-- snapshot and see it (EXPLAIN ANALYZE below shows the workers actually launched).
CREATE TABLE answers_par AS
SELECT i % 10 AS worker, ('{1,2,3,4,5}'::rbp.likert[])[1 + (i * 7919) % 5] AS score
  FROM generate_series(1, 50000) i;
ANALYZE answers_par;
SET LOCAL parallel_setup_cost = 0;
SET LOCAL parallel_tuple_cost = 0;
SET LOCAL min_parallel_table_scan_size = 0;
SET LOCAL max_parallel_workers_per_gather = 2;

-- RETURN QUERY EXECUTE (unlike a FOR loop over a cursor) lets the explained query run in parallel.
CREATE FUNCTION pg_temp.plan_lines(query text) RETURNS SETOF text LANGUAGE plpgsql AS $$
BEGIN
    RETURN QUERY EXECUTE 'EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) ' || query;
END
$$;
CREATE FUNCTION pg_temp.plan_of(query text) RETURNS text LANGUAGE sql AS $$
    SELECT string_agg(line, E'\n') FROM pg_temp.plan_lines(query) line
$$;

CREATE TEMP TABLE par_plan AS
SELECT pg_temp.plan_of('SELECT worker, rbp.likert_summary(score) FROM answers_par GROUP BY worker') AS p;
SELECT matches((SELECT p FROM par_plan), 'Partial (Hash|Group)?Aggregate',
               'the per-worker summary has a Partial Aggregate in its plan');
SELECT matches((SELECT p FROM par_plan), 'Finalize (Hash|Group)?Aggregate',
               'and a Finalize Aggregate combining the partial states');
SELECT matches((SELECT p FROM par_plan), 'Workers Launched: [12]',
               'parallel workers were launched');

CREATE TEMP TABLE par_result AS
SELECT worker, rbp.likert_summary(score)::text AS d FROM answers_par GROUP BY worker;
CREATE TEMP TABLE par_result_roll AS
SELECT rbp.likert_summary(d::rbp.likert_distribution)::text AS d FROM par_result;
CREATE TEMP TABLE par_plan_resp AS
SELECT pg_temp.plan_of('SELECT rbp.likert_summary(s) FROM (SELECT worker, rbp.likert_summary(score) s FROM answers_par GROUP BY worker) w') AS p;
SELECT matches((SELECT p FROM par_plan_resp), 'Partial (Hash|Group)?Aggregate',
               'the roll-up over a per-worker summary also aggregates partially');

SET LOCAL max_parallel_workers_per_gather = 0;
SELECT doesnt_match(pg_temp.plan_of('SELECT worker, rbp.likert_summary(score) FROM answers_par GROUP BY worker'),
              'Partial', 'without workers the plan is serial');
SELECT results_eq(
    $$SELECT worker, d FROM par_result ORDER BY worker$$,
    $$SELECT worker, rbp.likert_summary(score)::text FROM answers_par GROUP BY worker ORDER BY worker$$,
    'the parallel summaries equal the serial ones');
SELECT results_eq(
    $$SELECT worker, d FROM par_result ORDER BY worker$$,
    $$SELECT worker, format('{points:5,n:%s,counts:[%s,%s,%s,%s,%s]}', count(*),
                            count(*) FILTER (WHERE score::text = '1'), count(*) FILTER (WHERE score::text = '2'),
                            count(*) FILTER (WHERE score::text = '3'), count(*) FILTER (WHERE score::text = '4'),
                            count(*) FILTER (WHERE score::text = '5'))
        FROM answers_par GROUP BY worker ORDER BY worker$$,
    'the summaries equal plain counts per point');
SELECT is((SELECT d FROM par_result_roll),
          (SELECT rbp.likert_summary(score)::text FROM answers_par),
          'the roll-up of the worker distributions equals the summary of all answers');

-- Counting respondents, not answers.
CREATE TEMP TABLE three_statements (response int, score rbp.likert);
INSERT INTO three_statements VALUES (1, '5'), (1, '4'), (1, '5'), (2, '2'), (2, NULL), (3, NULL);
SELECT is((SELECT rbp.respondents(rbp.likert_summary(r)) FROM
            (SELECT rbp.likert_respondent(score) r FROM three_statements GROUP BY response) x), 2::bigint,
          'two respondents answered at least one statement (one skipped all)');
SELECT is((SELECT rbp.answers(rbp.likert_summary(r)) FROM
            (SELECT rbp.likert_respondent(score) r FROM three_statements GROUP BY response) x), 4::bigint,
          'and gave four answers between them');
SELECT is((SELECT rbp.mean(rbp.likert_summary(r)) FROM
            (SELECT rbp.likert_respondent(score) r FROM three_statements GROUP BY response) x), 4::float8,
          'the mean is over the answers');

SELECT * FROM finish();
ROLLBACK;
