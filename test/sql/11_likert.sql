-- rbp.likert: operator classes at work (sort, group, distinct, hash join, index scan, parallel
-- min/max), casts, type modifiers, and every error path with its SQLSTATE — mixing scales above all.
BEGIN;
SET client_min_messages = warning;
CREATE EXTENSION feedback_rbp;
RESET client_min_messages;
SELECT plan(101);
-- The operators and aggregates live in schema rbp, like the type.
SET LOCAL search_path = public, rbp;

-- Plan text of a query, to assert which executor node does the work.
CREATE FUNCTION pg_temp.plan_of(query text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    line text;
    plan text := '';
BEGIN
    FOR line IN EXECUTE 'EXPLAIN (COSTS OFF) ' || query LOOP
        plan := plan || line || E'\n';
    END LOOP;
    RETURN plan;
END $$;

-- COPY through a file in the cluster's data directory (binary or text).
CREATE FUNCTION pg_temp.copy_file(tbl text, direction text, file text, options text DEFAULT '(FORMAT binary)')
    RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    copied bigint;
BEGIN
    EXECUTE format('COPY %s %s %L %s', tbl, direction, current_setting('data_directory') || '/' || file, options);
    GET DIAGNOSTICS copied = ROW_COUNT;
    RETURN copied;
END $$;

-- The type, its operator classes, casts and aggregates.
SELECT has_type('rbp', 'likert', 'type rbp.likert exists');
SELECT is(pg_column_size('4'::likert), 1, 'pg_column_size of a rbp.likert is 1');
SELECT ok((SELECT typbyval AND typlen = 1 FROM pg_type WHERE oid = 'likert'::regtype), 'rbp.likert is 1 byte passed by value');
SELECT has_opclass('rbp', 'likert_ops', 'operator class rbp.likert_ops exists');
SELECT results_eq(
    $$SELECT am.amname::text COLLATE "default", opc.opcname::text COLLATE "default" FROM pg_opclass opc JOIN pg_am am ON am.oid = opc.opcmethod
       WHERE opc.opcintype = 'likert'::regtype AND opc.opcdefault ORDER BY 1$$,
    $$VALUES ('btree', 'likert_ops'), ('hash', 'likert_ops')$$,
    'likert_ops is the default btree and hash operator class of rbp.likert');
SELECT has_cast('integer', 'likert', 'rbp', 'likert', 'cast integer -> rbp.likert exists');
SELECT cast_context_is('integer', 'likert', 'explicit', 'cast integer -> rbp.likert is explicit');
SELECT has_cast('likert', 'integer', 'rbp', 'likert_value', 'cast rbp.likert -> integer exists');
SELECT cast_context_is('likert', 'integer', 'explicit', 'cast rbp.likert -> integer is explicit');
SELECT has_cast('likert', 'likert', 'rbp', 'likert', 'length-coercion cast rbp.likert -> rbp.likert(N) exists');
SELECT is_aggregate('rbp', 'min', ARRAY['likert'], 'rbp.min(rbp.likert) is an aggregate');
SELECT is_aggregate('rbp', 'max', ARRAY['likert'], 'rbp.max(rbp.likert) is an aggregate');
SELECT results_eq(
    $$SELECT a.aggfnoid::regprocedure::text COLLATE "default", a.aggtransfn::text COLLATE "default",
             a.aggcombinefn::text COLLATE "default", p.proparallel::text COLLATE "default"
        FROM pg_aggregate a JOIN pg_proc p ON p.oid = a.aggfnoid
       WHERE a.aggfnoid IN ('rbp.min(rbp.likert)'::regprocedure, 'rbp.max(rbp.likert)'::regprocedure) ORDER BY 1$$,
    $$VALUES ('max(likert)', 'likert_larger', 'likert_larger', 's'), ('min(likert)', 'likert_smaller', 'likert_smaller', 's')$$,
    'min/max combine with their own transition function and are parallel safe');
SELECT is_empty(
    $$SELECT p.oid::regprocedure FROM pg_proc p JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid
       WHERE d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'feedback_rbp') AND d.deptype = 'e'
         AND p.prokind = 'f' AND p.proargtypes::oid[] && ARRAY['likert'::regtype::oid]
         AND (p.provolatile <> 'i' OR NOT p.proisstrict OR p.proparallel <> 's')$$,
    'every rbp.likert function is IMMUTABLE STRICT PARALLEL SAFE');

-- Text input and output.
SELECT results_eq(
    $$SELECT v::likert::text FROM unnest(ARRAY['1', ' 2 ', 'neither agree nor disagree', '  Agree', 'STRONGLY   agree',
                                              E'strongly\tdisagree', '4/5', '7/10', ' 6 / 7 ', '2/2']) WITH ORDINALITY AS t(v, i)
       ORDER BY i$$,
    ARRAY['1', '2', '3', '4', '5', '1', '4', '7/10', '6/7', '2/2'],
    'numbers, labels (any case and spacing) and v/N read; output is v for 5 points, v/N otherwise');
SELECT is((SELECT count(*)::integer FROM generate_series(2, 10) AS n, generate_series(1, n) AS v
            WHERE ((v || '/' || n)::likert::text)::likert::text <> (v || '/' || n)::likert::text
               OR rbp.likert_points((v || '/' || n)::likert) <> n OR (v || '/' || n)::likert::integer <> v), 0,
    'all 54 values of scales 2..10 round-trip through text, keeping value and scale');
SELECT throws_ok($$SELECT 'lots'::likert$$, '22P02', 'invalid input syntax for type rbp.likert: "lots"', 'garbage is 22P02');
SELECT throws_ok($$SELECT '4.5'::likert$$, '22P02', NULL, 'a decimal is 22P02');
SELECT throws_ok($$SELECT '4/'::likert$$, '22P02', NULL, 'a missing scale is 22P02');
SELECT throws_ok($$SELECT ''::likert$$, '22P02', NULL, 'empty input is 22P02');
SELECT throws_ok($$SELECT '6'::likert$$, '22003', 'rbp.likert value "6" is out of range', 'a bare 6 (5-point) is 22003');
SELECT throws_ok($$SELECT '0'::likert$$, '22003', NULL, 'a bare 0 is 22003');
SELECT throws_ok($$SELECT '-2/7'::likert$$, '22003', NULL, 'a negative value is 22003');
SELECT throws_ok($$SELECT '11/10'::likert$$, '22003', NULL, 'value above the scale is 22003');
SELECT throws_ok($$SELECT '123456789012/10'::likert$$, '22003', NULL, 'a huge value is 22003, not an overflow');
SELECT throws_ok($$SELECT '1/1'::likert$$, '22023', 'number of points out of range in rbp.likert value "1/1"', 'a 1-point scale is 22023');
SELECT throws_ok($$SELECT '3/11'::likert$$, '22023', NULL, 'an 11-point scale is 22023');

-- Type modifiers.
SELECT is(format_type('likert'::regtype, 7), 'likert(7)', 'format_type shows rbp.likert(N)');
SELECT is('6/7'::likert(7)::text, '6/7', '''6/7''::rbp.likert(7) is 6 of 7');
SELECT throws_ok($$SELECT '6'::likert(7)$$, '22003', NULL, '''6''::rbp.likert(7): the literal is read on 5 points first, 22003');
SELECT throws_ok($$SELECT '4'::likert(7)$$, '22023',
    'rbp.likert value 4/5 is on a 5-point scale, but rbp.likert(7) holds 7-point values',
    '''4''::rbp.likert(7): a 5-point value is not 7-point, 22023 naming both scales');
SELECT throws_ok($$SELECT '7/10'::likert::likert(5)$$, '22023', NULL, 'the length-coercion cast rejects another scale');
SELECT throws_ok($$SELECT NULL::likert(1)$$, '22023', 'invalid type modifier for rbp.likert: 1', 'typmod 1 is 22023');
SELECT throws_ok($$SELECT NULL::likert(11)$$, '22023', NULL, 'typmod 11 is 22023');
SELECT throws_ok($$SELECT NULL::likert(5, 5)$$, '22023', NULL, 'two typmods are 22023');
SELECT throws_ok($$CREATE TABLE bad_typmod (v likert(0))$$, '22023', NULL, 'a column of rbp.likert(0) is 22023');
SELECT throws_ok($$SELECT rbp.likert_in('4', 0, 12)$$, '22023', NULL, 'the input function rejects a bad typmod it is given');
SELECT is(rbp.likert_in('6', 0, 7)::text, '6/7', 'the input function reads a bare number on the scale of the typmod it is given');

CREATE TABLE dials (id integer, v likert(7));
SELECT is((SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = 'dials'::regclass AND attname = 'v'),
    'likert(7)', 'a rbp.likert(7) column keeps its type modifier');
SELECT lives_ok($$INSERT INTO dials VALUES (1, '6/7'), (2, (3)::likert(7))$$, 'a rbp.likert(7) column takes 7-point values');
SELECT throws_ok($$INSERT INTO dials VALUES (3, '3/5')$$, '22023', NULL, 'a rbp.likert(7) column rejects a 5-point value');
SELECT throws_ok($$INSERT INTO dials VALUES (3, '7/10'::likert)$$, '22023', NULL, 'a rbp.likert(7) column rejects a 10-point value');
SELECT throws_ok($$UPDATE dials SET v = 'agree' WHERE id = 1$$, '22023', NULL, 'UPDATE cannot put a label (5-point) into rbp.likert(7)');

-- COPY hands the column's typmod to the input function: bare numbers are read on the column's scale.
CREATE TABLE dial_text (id integer, v text);
INSERT INTO dial_text VALUES (10, '6'), (11, '7'), (12, '1/7');
SELECT is(pg_temp.copy_file('dial_text', 'TO', 'tap_dials.txt', ''), 3::bigint, 'text file of dials written');
SELECT is(pg_temp.copy_file('dials', 'FROM', 'tap_dials.txt', ''), 3::bigint, 'text COPY into rbp.likert(7) reads bare numbers');
SELECT results_eq($$SELECT v::text FROM dials WHERE id >= 10 ORDER BY id$$, ARRAY['6/7', '7/7', '1/7'],
    'COPY read 6 as 6/7 in a rbp.likert(7) column');
INSERT INTO dial_text VALUES (13, '8');
SELECT is(pg_temp.copy_file('dial_text', 'TO', 'tap_dials_bad.txt', ''), 4::bigint, 'text file with an 8 written');
SELECT throws_ok($$SELECT pg_temp.copy_file('dials', 'FROM', 'tap_dials_bad.txt', '')$$, '22003', NULL,
    'text COPY of 8 into rbp.likert(7) is 22003');

-- Casts with integers.
SELECT is((6)::likert(7)::text, '6/7', '(6)::rbp.likert(7) is 6 of 7');
SELECT is((4)::likert::text, '4', '(4)::rbp.likert is 4 of 5');
SELECT throws_ok($$SELECT (6)::likert$$, '22003', 'integer 6 is out of range for a 5-point rbp.likert', '(6)::rbp.likert is 22003');
SELECT throws_ok($$SELECT (0)::likert(7)$$, '22003', NULL, '(0)::rbp.likert(7) is 22003');
SELECT throws_ok($$SELECT (8)::likert(7)$$, '22003', NULL, '(8)::rbp.likert(7) is 22003');
SELECT is('6/7'::likert::integer, 6, 'rbp.likert -> integer is the value');
SELECT is(rbp.likert_points('6/7'), 7, 'likert_points is the scale');
SELECT is(rbp.likert_label('neither agree nor disagree'), 'neither agree nor disagree', '5-point label');
SELECT is(rbp.likert_label('3/4'), 'agree', '4-point label');
SELECT is(rbp.likert_label('8/10'), '8 of 10', 'labels of longer scales are "v of N"');

-- Comparison within a scale, and mixing scales (22023 from every operator and aggregate).
SELECT ok('2/7'::likert < '6/7' AND '6/7'::likert > '2/7' AND '6/7'::likert = '6/7' AND '6/7'::likert <> '5/7'
          AND '6/7'::likert <= '6/7' AND '6/7'::likert >= '6/7', 'operators compare values of one scale');
SELECT throws_ok($$SELECT '4'::likert = '4/7'$$, '22023',
    'cannot compare rbp.likert values on different scales: a 5-point and a 7-point value', '= across scales is 22023');
SELECT throws_ok($$SELECT '4'::likert <> '4/7'$$, '22023', NULL, '<> across scales is 22023');
SELECT throws_ok($$SELECT '4'::likert < '4/7'$$, '22023', NULL, '< across scales is 22023');
SELECT throws_ok($$SELECT '4'::likert <= '4/7'$$, '22023', NULL, '<= across scales is 22023');
SELECT throws_ok($$SELECT '4'::likert > '4/7'$$, '22023', NULL, '> across scales is 22023');
SELECT throws_ok($$SELECT '4'::likert >= '4/7'$$, '22023', NULL, '>= across scales is 22023');
SELECT throws_ok($$SELECT rbp.likert_cmp('4', '4/7')$$, '22023', NULL, 'btree support across scales is 22023');
SELECT throws_ok($$SELECT rbp.min(v) FROM unnest('{2,6/7}'::likert[]) AS v$$, '22023', NULL, 'rbp.min across scales is 22023');
SELECT throws_ok($$SELECT rbp.max(v) FROM unnest('{2,6/7}'::likert[]) AS v$$, '22023', NULL, 'rbp.max across scales is 22023');
SELECT throws_ok($$SELECT v FROM unnest('{2,6/7}'::likert[]) AS v ORDER BY v$$, '22023', NULL, 'ORDER BY across scales is 22023');

-- Sorting, grouping, distinct, joining, indexing, parallel min/max on one scale.
CREATE TABLE answers (id integer, score likert(5));
INSERT INTO answers SELECT i, (1 + i % 5)::likert FROM generate_series(1, 20000) AS i;
CREATE TABLE score_names (score likert, shown text);
INSERT INTO score_names SELECT v::likert, rbp.likert_label(v::likert) FROM generate_series(1, 5) AS v;
ANALYZE answers, score_names;
SELECT results_eq($$SELECT d.score::text AS shown FROM (SELECT DISTINCT score FROM answers) AS d ORDER BY d.score DESC$$,
    ARRAY['5', '4', '3', '2', '1'], 'DISTINCT and ORDER BY DESC');
SELECT results_eq($$SELECT a.score::text AS shown, count(*)::integer FROM answers AS a GROUP BY a.score ORDER BY a.score$$,
    $$VALUES ('1', 4000), ('2', 4000), ('3', 4000), ('4', 4000), ('5', 4000)$$, 'GROUP BY');
SET LOCAL enable_sort = off;
SELECT matches(pg_temp.plan_of('SELECT score, count(*) FROM answers GROUP BY score'), 'HashAggregate',
    'grouping can use the hash operator class');
SELECT results_eq($$SELECT a.score::text AS shown, count(*)::integer FROM answers AS a GROUP BY a.score ORDER BY 1$$,
    $$VALUES ('1', 4000), ('2', 4000), ('3', 4000), ('4', 4000), ('5', 4000)$$, 'hash aggregation groups equal values');
SELECT matches(pg_temp.plan_of($$SELECT v, count(*) FROM unnest('{2,3,2/7,3}'::likert[]) AS v GROUP BY v$$), 'HashAggregate',
    'grouping mixed scales is planned as a hash aggregate');
SELECT throws_ok($$SELECT v, count(*) FROM unnest('{2,3,2/7,3}'::likert[]) AS v GROUP BY v$$, '22023', NULL,
    'hash aggregation over mixed scales is 22023 (same numbers meet in one bucket)');
RESET enable_sort;
SET LOCAL enable_mergejoin = off;
SET LOCAL enable_nestloop = off;
SELECT matches(pg_temp.plan_of('SELECT * FROM answers a JOIN score_names s ON s.score = a.score'), 'Hash Join',
    'rbp.likert can be hash-joined');
SELECT results_eq(
    $$SELECT s.shown, count(*)::integer FROM answers a JOIN score_names s ON s.score = a.score GROUP BY s.shown ORDER BY 1$$,
    $$VALUES ('agree', 4000), ('disagree', 4000), ('neither agree nor disagree', 4000), ('strongly agree', 4000), ('strongly disagree', 4000)$$,
    'the hash join matches equal values');
CREATE TABLE dial_names (score likert, shown text);
INSERT INTO dial_names SELECT (v || '/7')::likert, rbp.likert_label((v || '/7')::likert) FROM generate_series(1, 7) AS v;
ANALYZE dial_names;
SELECT matches(pg_temp.plan_of('SELECT * FROM answers a JOIN dial_names s ON s.score = a.score'), 'Hash Join',
    'a join of 5-point with 7-point values is planned as a hash join');
SELECT throws_ok($$SELECT count(*) FROM answers a JOIN dial_names s ON s.score = a.score$$, '22023', NULL,
    'the hash join of 5-point with 7-point values is 22023, not an empty answer');
RESET enable_mergejoin;
RESET enable_nestloop;

CREATE INDEX answers_score ON answers (score);
SET LOCAL enable_seqscan = off;
SET LOCAL enable_bitmapscan = off;
SELECT matches(pg_temp.plan_of($$SELECT id FROM answers WHERE score >= 'agree'$$), 'Index (Only )?Scan using answers_score',
    'a range condition uses the btree index');
SELECT is((SELECT count(*)::integer FROM answers WHERE score >= 'agree'), 8000, 'the index scan finds agree and strongly agree');
SELECT matches(pg_temp.plan_of($$SELECT rbp.max(score) FROM answers$$), 'Index Only Scan Backward using answers_score',
    'rbp.max uses the index through its sort operator');
SELECT is((SELECT rbp.max(score)::text FROM answers), '5', 'rbp.max from the index');
SELECT throws_ok($$SELECT id FROM answers WHERE score = '3/7'$$, '22023', NULL,
    'an index scan for a value of another scale is 22023');
RESET enable_seqscan;
RESET enable_bitmapscan;
DROP INDEX answers_score;

SET LOCAL parallel_setup_cost = 0;
SET LOCAL parallel_tuple_cost = 0;
SET LOCAL min_parallel_table_scan_size = 0;
SET LOCAL max_parallel_workers_per_gather = 2;
SELECT matches(pg_temp.plan_of('SELECT rbp.min(score), rbp.max(score) FROM answers'), 'Partial Aggregate',
    'rbp.min and rbp.max run as parallel partial aggregates');
SELECT results_eq($$SELECT rbp.min(score)::text, rbp.max(score)::text FROM answers$$, $$VALUES ('1', '5')$$,
    'parallel min/max are right');
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;

-- ANALYZE must not fail on a column that mixes scales (autovacuum would retry it forever).
CREATE TABLE mixed_answers (question integer, score likert, dial likert(7));
INSERT INTO mixed_answers
SELECT i % 2, CASE WHEN i % 2 = 0 THEN (1 + i % 5)::likert ELSE (1 + i % 7)::likert(7) END, (1 + i % 7)::likert(7)
  FROM generate_series(1, 2000) AS i;
SELECT lives_ok('ANALYZE mixed_answers', 'ANALYZE succeeds on a rbp.likert column mixing 5- and 7-point values');
SELECT results_eq(
    $$SELECT attname::text COLLATE "default", n_distinct, most_common_vals IS NULL, histogram_bounds IS NULL
        FROM pg_stats WHERE tablename = 'mixed_answers' AND attname IN ('score', 'dial') ORDER BY attname$$,
    $$VALUES ('dial', 7::real, false, true), ('score', 12::real, true, true)$$,
    'the mixed column gets a distinct count and no value lists; the rbp.likert(7) column gets most common values');
SELECT matches(pg_temp.plan_of($$SELECT * FROM mixed_answers WHERE question = 0 AND score = '4'$$), 'Seq Scan',
    'planning a condition on the mixed column compares nothing');
SELECT is((SELECT count(*)::integer FROM mixed_answers WHERE question = 0 AND score = '4'), 200,
    'a condition that only meets 5-point rows runs on the mixed column');

-- Binary I/O through COPY: round trip, typmod, bad bytes (a bytea column has the same field layout).
CREATE TABLE all_values (id integer, v likert);
INSERT INTO all_values SELECT row_number() OVER (), (v || '/' || n)::likert FROM generate_series(2, 10) AS n, generate_series(1, n) AS v;
CREATE TABLE all_values_back (LIKE all_values);
SELECT is(pg_temp.copy_file('all_values', 'TO', 'tap_likert.bin'), 54::bigint, 'binary COPY TO writes all 54 values');
SELECT is(pg_temp.copy_file('all_values_back', 'FROM', 'tap_likert.bin'), 54::bigint, 'binary COPY FROM reads them');
SELECT is_empty($$SELECT id, v::text FROM all_values EXCEPT ALL SELECT id, v::text FROM all_values_back$$,
    'the binary round trip keeps every value and scale');
SELECT throws_ok($$SELECT pg_temp.copy_file('dials', 'FROM', 'tap_likert.bin')$$, '22023', NULL,
    'binary input into rbp.likert(7) rejects values of other scales');
CREATE TABLE bad_bytes (id integer, v bytea);
INSERT INTO bad_bytes VALUES (1, '\x00');
SELECT is(pg_temp.copy_file('bad_bytes', 'TO', 'tap_likert_00.bin'), 1::bigint, 'a field 0x00 is written');
SELECT throws_ok($$SELECT pg_temp.copy_file('all_values_back', 'FROM', 'tap_likert_00.bin')$$, '22P03',
    'invalid binary rbp.likert byte 0x00', 'binary input rejects 0x00 with 22P03');
UPDATE bad_bytes SET v = '\x56';
SELECT is(pg_temp.copy_file('bad_bytes', 'TO', 'tap_likert_56.bin'), 1::bigint, 'a field 0x56 (6 of 5) is written');
SELECT throws_ok($$SELECT pg_temp.copy_file('all_values_back', 'FROM', 'tap_likert_56.bin')$$, '22P03', NULL,
    'binary input rejects 6 of 5 with 22P03');
UPDATE bad_bytes SET v = '\xb1';
SELECT is(pg_temp.copy_file('bad_bytes', 'TO', 'tap_likert_b1.bin'), 1::bigint, 'a field 0xb1 (1 of 11) is written');
SELECT throws_ok($$SELECT pg_temp.copy_file('all_values_back', 'FROM', 'tap_likert_b1.bin')$$, '22P03', NULL,
    'binary input rejects an 11-point scale with 22P03');

SELECT is_empty(
    $$SELECT pg_describe_object(d.classid, d.objid, d.objsubid) FROM pg_depend d
       WHERE d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e'
         AND d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'feedback_rbp')
         AND pg_describe_object(d.classid, d.objid, d.objsubid) LIKE '%likert%'
         AND obj_description(d.objid, d.classid::regclass::name) IS NULL$$,
    'every extension object of rbp.likert (type, functions, operators, classes, families, casts, aggregates) has a comment');

SELECT * FROM finish();
ROLLBACK;
