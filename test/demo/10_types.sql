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
