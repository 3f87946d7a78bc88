-- make demo, chapter 10: the two scale types, rbp.anonymity and rbp.likert (doc/anonymity.md,
-- doc/likert.md). Runs after 00_setup.sql in the demo database; leaves nothing behind.
\pset border 2
SET search_path = public, rbp;

\echo
\echo '== rbp.anonymity: how identifiable a family chooses to be =='
\echo 'Three levels, from least to most anonymous; input in any case, output canonical.'
SELECT level, level::text AS canonical, pg_column_size(level) AS bytes
  FROM unnest(ARRAY['NAMED', ' Worker_Only ', 'anonymous']::rbp.anonymity[]) AS level
 ORDER BY level;

\echo 'A response may only become more anonymous (the family withdraws its name), never less:'
SELECT f.level AS from_level,
       string_agg(t.level::text, ', ' ORDER BY t.level) FILTER (WHERE rbp.anonymity_change_allowed(f.level, t.level)) AS may_move_to
  FROM unnest('{named,worker_only,anonymous}'::rbp.anonymity[]) AS f(level),
       unnest('{named,worker_only,anonymous}'::rbp.anonymity[]) AS t(level)
 GROUP BY f.level ORDER BY f.level;

\echo 'A misspelt level is refused, and the message lists the accepted ones:'
\set ON_ERROR_STOP off
SELECT 'secret'::rbp.anonymity;
\set ON_ERROR_STOP on

\echo
\echo '== rbp.likert: answers on agreement scales, one byte each, scale included =='
\echo 'The parents'' questionnaire (5 points) takes numbers or its labels; other scales are written v/N.'
SELECT input, input::rbp.likert AS stored, rbp.likert_points(input::rbp.likert) AS points,
       rbp.likert_label(input::rbp.likert) AS label, pg_column_size(input::rbp.likert) AS bytes
  FROM unnest(ARRAY['4', 'Strongly  Agree', 'neither agree nor disagree', '3/4', '6/7', '7/10']) AS input;

\echo 'A table of answers: the parents'' Q2 statements on 5 points, a child''s dial on 7 points.'
CREATE TEMP TABLE demo_answers (family integer, statement text, score rbp.likert(5));
INSERT INTO demo_answers VALUES
    (1, 'understands my family', 'agree'), (1, 'works alongside me', 'strongly agree'),
    (2, 'understands my family', '3'), (2, 'works alongside me', '2'),
    (3, 'understands my family', 'strongly agree'), (3, 'works alongside me', '4');
CREATE TEMP TABLE demo_dials (child integer, dial text, score rbp.likert(7));
INSERT INTO demo_dials VALUES (1, 'makes me feel safe', '6/7'), (2, 'makes me feel safe', (5)::rbp.likert(7)),
                              (3, 'makes me feel safe', '7/7');

\echo 'Ordering, grouping and min/max work within one scale:'
SELECT statement, rbp.min(score) AS lowest, rbp.max(score) AS highest, count(*) AS answers
  FROM demo_answers GROUP BY statement ORDER BY statement;
SELECT dial, rbp.min(score) AS lowest, rbp.max(score) AS highest FROM demo_dials GROUP BY dial;

\echo 'A 5-point column does not take a 7-point value, and a bare 6 in SQL is a 5-point value:'
\set ON_ERROR_STOP off
INSERT INTO demo_answers VALUES (4, 'understands my family', '6/7');
SELECT '6'::rbp.likert(7);
\echo 'Comparing a 5-point answer with a 7-point dial is an error, not a silent answer:'
SELECT a.family, d.child FROM demo_answers a JOIN demo_dials d ON d.score = a.score;
\set ON_ERROR_STOP on

\echo 'The integer cast gives the bare value when a report needs it (here: per family, 5-point only):'
SELECT family, string_agg(score::integer::text, ' ' ORDER BY statement) AS scores FROM demo_answers GROUP BY family ORDER BY family;

DROP TABLE demo_answers, demo_dials;

\echo
\echo '== What 0.2.0 corrected in the types (doc/likert.md, doc/cadence.md, doc/distribution.md) =='
\set SHOW_CONTEXT never
\set ON_ERROR_STOP off
\echo 'A binary value that is too short is bad data (22P03), not a broken connection (0.1.0: 08P01):'
CREATE TEMP TABLE demo_binary (level rbp.anonymity);
\copy demo_binary FROM PROGRAM 'printf "PGCOPY\\n\\377\\r\\n\\0\\0\\0\\0\\0\\0\\0\\0\\0\\0\\1\\0\\0\\0\\0\\377\\377"' (FORMAT binary)
\echo 'A cadence bound is at most 100 years as a whole, not per unit:'
SELECT '1 month..1200 months 36525 days'::rbp.cadence;
\set ON_ERROR_STOP on
\echo 'The median of 2^63-1 answers all at point 2 is 2; the roll-up of nothing but empty distributions is NULL:'
SELECT rbp.median('{points:5,n:9223372036854775807,counts:[0,9223372036854775807,0,0,0]}') AS median,
       (SELECT rbp.likert_summary(d) IS NULL FROM (VALUES ('{}'::rbp.likert_distribution), ('{}')) v(d)) AS rollup_of_empty_is_null;
DROP TABLE demo_binary;
