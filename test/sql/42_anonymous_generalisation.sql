-- The generalisation of a release batch (rbp.generalise_anonymous_batch): every combination of
-- released channel and team occurs at least k times among the answers of two workers or more,
-- released values are true ones, and values are kept where that is possible. Worked examples, then a randomised property check.
BEGIN;
SET client_min_messages = warning;
CREATE EXTENSION feedback_rbp;
RESET client_min_messages;
SET search_path = public, rbp;
SELECT plan(13);

-- slots from (channel, team) pairs, and workers (default: alternately 1 and 2)
CREATE FUNCTION pg_temp.batch(p_channels text[], p_teams integer[] DEFAULT '{}', p_workers integer[] DEFAULT '{}') RETURNS rbp.release_slot[] LANGUAGE sql AS $$
    SELECT array_agg(ROW(o::integer, p_channels[o]::rbp.response_channel, p_teams[o], NULL, NULL,
                         coalesce(p_workers[o], 1 + o % 2))::rbp.release_slot ORDER BY o)
      FROM generate_series(1, cardinality(p_channels)) AS o
$$;
CREATE FUNCTION pg_temp.classes(p_slots rbp.release_slot[]) RETURNS TABLE (channel text, team integer, n integer) LANGUAGE sql AS $$
    SELECT shown_channel::text, shown_team, count(*)::integer FROM unnest(p_slots) GROUP BY 1, 2 ORDER BY 1 NULLS LAST, 2 NULLS LAST
$$;

SELECT results_eq($$SELECT * FROM pg_temp.classes(rbp.generalise_anonymous_batch(
                      pg_temp.batch(array_fill('online'::text, ARRAY[10])), 5))$$,
                  $$VALUES ('online', NULL::integer, 10)$$, 'ten online answers without a team: the channel is kept');
SELECT results_eq($$SELECT * FROM pg_temp.classes(rbp.generalise_anonymous_batch(
                      pg_temp.batch(array_fill('online'::text, ARRAY[5]), ARRAY[1,1,1,1,1]), 5))$$,
                  $$VALUES ('online', 1, 5)$$, 'five online answers that all gave team 1: channel and team are kept');
SELECT results_eq($$SELECT * FROM pg_temp.classes(rbp.generalise_anonymous_batch(
                      pg_temp.batch(ARRAY['online','online','online','online','interview_practitioner']), 5))$$,
                  $$VALUES (NULL::text, NULL::integer, 5)$$, 'four online and one interview: the channel is withheld for all five');
SELECT results_eq($$SELECT * FROM pg_temp.classes(rbp.generalise_anonymous_batch(
                      pg_temp.batch(array_fill('online'::text, ARRAY[10]) || ARRAY['interview_practitioner'], '{}',
                                    ARRAY[1,2,1,2,1,2,1,2,1,2,9]), 5))$$,
                  $$VALUES ('online', NULL::integer, 6), (NULL::text, NULL::integer, 5)$$,
                  'ten online and one interview (each of its own worker): the interview''s channel is withheld together with four random online ones, so the withheld are five too');
SELECT results_eq($$SELECT * FROM pg_temp.classes(rbp.generalise_anonymous_batch(
                      pg_temp.batch(array_fill('online'::text, ARRAY[10]), ARRAY[1,1,1,1,1,1,1,NULL,NULL,NULL]), 5))$$,
                  $$VALUES ('online', 1, 5), ('online', NULL::integer, 5)$$,
                  'seven gave team 1, three no team: two random team-1 answers lose their team so that no class is below five');
SELECT results_eq($$SELECT * FROM pg_temp.classes(rbp.generalise_anonymous_batch(
                      pg_temp.batch(array_fill('online'::text, ARRAY[6]), ARRAY[1,1,1,1,1,NULL]), 5))$$,
                  $$VALUES ('online', NULL::integer, 6)$$,
                  'five gave team 1, one did not: without spare answers the team is withheld for all six (the one would otherwise stand out), the channel kept');
SELECT results_eq($$SELECT * FROM pg_temp.classes(rbp.generalise_anonymous_batch(
                      pg_temp.batch(ARRAY['online','online','online','interview_practitioner','interview_practitioner','interview_expert_by_experience','online'],
                                    ARRAY[1,1,1,1,1,1,2]), 5))$$,
                  $$VALUES (NULL::text, NULL::integer, 7)$$,
                  'six of team 1 across three channels and one of team 2: no channel class reaches five, team 1 alone would single out the team-2 answer');
-- Break "one-worker batches and teams" (issue 10): a team whose answers all come from one worker
-- would attribute them to that worker; it is withheld, and the batch shows nothing that narrows.
SELECT results_eq($$SELECT * FROM pg_temp.classes(rbp.generalise_anonymous_batch(
                      pg_temp.batch(array_fill('online'::text, ARRAY[10]), ARRAY[1,1,1,1,1], ARRAY[7,7,7,7,7,7,8,7,8,7]), 5))$$,
                  $$VALUES (NULL::text, NULL::integer, 10)$$,
                  'one-worker team: five gave team 1, all allocated to one worker: the team is not kept (nor anything else)');
SELECT throws_ok($$SELECT rbp.generalise_anonymous_batch(pg_temp.batch(array_fill('online'::text, ARRAY[4])), 5)$$,
                 'XX000', 'a release batch needs at least 5 responses, got 4', 'a batch smaller than k is refused');

-- Randomised: 400 batches of 5 to 40 answers, k from 5 to 8, skewed channels, teams given or not,
-- workers skewed (60 % one worker; every batch has two).
CREATE TEMP TABLE trial AS
SELECT t, k, rbp.generalise_anonymous_batch(slots, k) AS result, slots
  FROM (SELECT t, 5 + (random() * 3)::integer AS k, n FROM generate_series(1, 400) AS t,
               LATERAL (SELECT 8 + (random() * 32)::integer + t * 0 AS n) AS size) AS p,
       LATERAL (SELECT array_agg(ROW(o, CASE WHEN r1 < 0.7 THEN 'online' WHEN r1 < 0.9 THEN 'interview_practitioner'
                                            ELSE 'interview_expert_by_experience' END::rbp.response_channel,
                                     CASE WHEN r2 < 0.4 THEN NULL WHEN r2 < 0.8 THEN 1 WHEN r2 < 0.95 THEN 2 ELSE 3 END,
                                     NULL, NULL,
                                     CASE WHEN o <= 2 THEN o WHEN r3 < 0.6 THEN 1 ELSE 2 + (r3 * 4)::integer END)::rbp.release_slot ORDER BY o) AS slots
                  FROM (SELECT o, random() + p.t * 0 AS r1, random() + p.t * 0 AS r2, random() + p.t * 0 AS r3
                          FROM generate_series(1, greatest(p.n, p.k)) AS o) AS g) AS s;
SELECT is_empty($$SELECT t FROM trial, unnest(result) AS x GROUP BY t, x.shown_channel, x.shown_team HAVING count(*) < min(k)$$,
                'randomised: in every batch every released (channel, team) class has at least k answers');
SELECT is_empty($$SELECT t FROM trial, unnest(result) AS x GROUP BY t, x.shown_channel, x.shown_team HAVING count(DISTINCT x.worker_id) < 2$$,
                'randomised: in every batch every released (channel, team) class spans two workers or more');
SELECT is_empty($$SELECT t FROM trial, unnest(result) AS x
                   WHERE (x.shown_channel IS NOT NULL AND x.shown_channel <> x.channel)
                      OR (x.shown_team IS NOT NULL AND x.shown_team IS DISTINCT FROM x.team_id)$$,
                'randomised: a released value is always the true one (only withheld, never changed)');
SELECT is_empty($$SELECT t FROM trial
                   WHERE cardinality(result) <> cardinality(slots)
                      OR (SELECT array_agg((x.slot, x.channel, x.team_id) ORDER BY x.slot) FROM unnest(result) x)
                         <> (SELECT array_agg((x.slot, x.channel, x.team_id) ORDER BY x.slot) FROM unnest(slots) x)$$,
                'randomised: every answer of the batch is released exactly once');

SELECT * FROM finish();
ROLLBACK;
