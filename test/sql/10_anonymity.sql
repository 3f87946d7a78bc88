-- rbp.anonymity: operator classes at work (sort, group, distinct, hash join, index scan), the
-- one-way rule, and every error path with its SQLSTATE.
BEGIN;
SET client_min_messages = warning;
CREATE EXTENSION feedback_rbp;
RESET client_min_messages;
SELECT plan(32);
-- The operators live in schema rbp, like the type.
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

-- The type and its operator classes.
SELECT has_type('rbp', 'anonymity', 'type rbp.anonymity exists');
SELECT is((SELECT typlen::integer FROM pg_type WHERE oid = 'rbp.anonymity'::regtype), 1, 'rbp.anonymity is 1 byte');
SELECT ok((SELECT typbyval FROM pg_type WHERE oid = 'rbp.anonymity'::regtype), 'rbp.anonymity is passed by value');
SELECT has_opclass('rbp', 'anonymity_ops', 'operator class rbp.anonymity_ops exists');
SELECT results_eq(
    $$SELECT am.amname::text COLLATE "default", opc.opcname::text COLLATE "default" FROM pg_opclass opc JOIN pg_am am ON am.oid = opc.opcmethod
       WHERE opc.opcintype = 'rbp.anonymity'::regtype AND opc.opcdefault ORDER BY 1$$,
    $$VALUES ('btree', 'anonymity_ops'), ('hash', 'anonymity_ops')$$,
    'anonymity_ops is the default btree and hash operator class of rbp.anonymity');
SELECT is(pg_column_size('worker_only'::rbp.anonymity), 1, 'a stored rbp.anonymity takes one byte');

-- Text I/O.
SELECT is('  Worker_ONLY '::rbp.anonymity::text, 'worker_only', 'input ignores case and surrounding spaces; output is canonical');
SELECT throws_ok($$SELECT 'secret'::rbp.anonymity$$, '22P02',
    'invalid input syntax for type rbp.anonymity: "secret"', 'unknown level is 22P02');
SELECT throws_ok($$SELECT ''::rbp.anonymity$$, '22P02', NULL, 'empty input is 22P02');
SELECT throws_ok($$SELECT 'worker only'::rbp.anonymity$$, '22P02', NULL, 'a space for the underscore is 22P02');

-- The one-way rule, all nine pairs.
SELECT results_eq(
    $$SELECT f::text, t::text, rbp.anonymity_change_allowed(f, t)
        FROM unnest('{named,worker_only,anonymous}'::rbp.anonymity[]) WITH ORDINALITY AS a(f, i),
             unnest('{named,worker_only,anonymous}'::rbp.anonymity[]) WITH ORDINALITY AS b(t, j)
       ORDER BY i, j$$,
    $$VALUES ('named', 'named', true), ('named', 'worker_only', true), ('named', 'anonymous', true),
             ('worker_only', 'named', false), ('worker_only', 'worker_only', true), ('worker_only', 'anonymous', true),
             ('anonymous', 'named', false), ('anonymous', 'worker_only', false), ('anonymous', 'anonymous', true)$$,
    'anonymity_change_allowed: only to the same or a more anonymous level');
SELECT volatility_is('rbp', 'anonymity_change_allowed', ARRAY['anonymity', 'anonymity'], 'immutable',
    'anonymity_change_allowed is immutable');
SELECT is_strict('rbp', 'anonymity_change_allowed', ARRAY['anonymity', 'anonymity'],
    'anonymity_change_allowed is strict');
SELECT is_empty(
    $$SELECT p.oid::regprocedure FROM pg_proc p JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid
       WHERE d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'feedback_rbp') AND d.deptype = 'e'
         AND p.proname LIKE 'anonymity%'
         AND (p.provolatile <> 'i' OR NOT p.proisstrict OR p.proparallel <> 's')$$,
    'every rbp.anonymity function is IMMUTABLE STRICT PARALLEL SAFE');

-- Sorting, grouping, distinct, joining, indexing.
CREATE TABLE responses (id integer, level rbp.anonymity);
INSERT INTO responses
SELECT i, (ARRAY['anonymous', 'named', 'worker_only'])[1 + i % 3]::rbp.anonymity FROM generate_series(1, 3000) AS i;
CREATE TABLE level_names (level rbp.anonymity, shown text);
INSERT INTO level_names VALUES ('named', 'Named'), ('worker_only', 'Worker only'), ('anonymous', 'Anonymous');
ANALYZE responses, level_names;

SELECT results_eq(
    $$SELECT d.level::text AS shown FROM (SELECT DISTINCT level FROM responses) AS d ORDER BY d.level$$,
    ARRAY['named', 'worker_only', 'anonymous'],
    'DISTINCT and ORDER BY go from least to most anonymous');
SELECT results_eq(
    $$SELECT r.level::text AS shown, count(*)::integer FROM responses AS r GROUP BY r.level ORDER BY r.level DESC$$,
    $$VALUES ('anonymous', 1000), ('worker_only', 1000), ('named', 1000)$$,
    'GROUP BY groups equal levels');

SET LOCAL enable_sort = off;
SELECT matches(pg_temp.plan_of('SELECT level, count(*) FROM responses GROUP BY level'), 'HashAggregate',
    'grouping can use the hash operator class');
SELECT results_eq(
    $$SELECT level::text, count(*)::integer FROM responses GROUP BY level ORDER BY 1$$,
    $$VALUES ('anonymous', 1000), ('named', 1000), ('worker_only', 1000)$$,
    'hash aggregation groups equal levels');
RESET enable_sort;

SET LOCAL enable_mergejoin = off;
SET LOCAL enable_nestloop = off;
SELECT matches(pg_temp.plan_of('SELECT * FROM responses r JOIN level_names n ON n.level = r.level'), 'Hash Join',
    'rbp.anonymity can be hash-joined');
SELECT results_eq(
    $$SELECT n.shown, count(*)::integer FROM responses r JOIN level_names n ON n.level = r.level GROUP BY n.shown ORDER BY 1$$,
    $$VALUES ('Anonymous', 1000), ('Named', 1000), ('Worker only', 1000)$$,
    'the hash join matches equal levels');
RESET enable_mergejoin;
SET LOCAL enable_hashjoin = off;
SELECT matches(pg_temp.plan_of('SELECT * FROM responses r JOIN level_names n ON n.level = r.level'), 'Merge Join',
    'rbp.anonymity can be merge-joined');
SELECT results_eq(
    $$SELECT n.shown, count(*)::integer FROM responses r JOIN level_names n ON n.level = r.level GROUP BY n.shown ORDER BY 1$$,
    $$VALUES ('Anonymous', 1000), ('Named', 1000), ('Worker only', 1000)$$,
    'the merge join matches equal levels');
RESET enable_hashjoin;
RESET enable_nestloop;

CREATE INDEX responses_level ON responses (level);
CREATE INDEX responses_level_hash ON responses USING hash (level);
SET LOCAL enable_seqscan = off;
SET LOCAL enable_bitmapscan = off;
SELECT matches(pg_temp.plan_of($$SELECT id FROM responses WHERE level >= 'worker_only'$$),
    'Index Scan using responses_level on responses',
    'a range condition uses the btree index');
SELECT is((SELECT count(*)::integer FROM responses WHERE level >= 'worker_only'), 2000,
    'the btree index scan finds the worker_only and anonymous rows');
DROP INDEX responses_level;
SELECT matches(pg_temp.plan_of($$SELECT id FROM responses WHERE level = 'named'$$),
    'Index Scan using responses_level_hash on responses',
    'an equality condition can use the hash index');
SELECT is((SELECT count(*)::integer FROM responses WHERE level = 'named'), 1000,
    'the hash index scan finds the named rows');
RESET enable_seqscan;
RESET enable_bitmapscan;

-- Binary I/O through COPY: a round trip, and a bad byte (a bytea column has the same field layout).
CREATE FUNCTION pg_temp.copy_binary(tbl regclass, direction text, file text) RETURNS bigint
    LANGUAGE plpgsql AS $$
DECLARE
    copied bigint;
BEGIN
    EXECUTE format('COPY %s %s %L (FORMAT binary)', tbl, direction, current_setting('data_directory') || '/' || file);
    GET DIAGNOSTICS copied = ROW_COUNT;
    RETURN copied;
END $$;
CREATE TABLE responses_back (LIKE responses);
SELECT is(pg_temp.copy_binary('responses', 'TO', 'tap_anonymity.bin'), 3000::bigint, 'binary COPY TO writes every row');
SELECT is(pg_temp.copy_binary('responses_back', 'FROM', 'tap_anonymity.bin'), 3000::bigint, 'binary COPY FROM reads every row');
SELECT is_empty($$SELECT * FROM responses EXCEPT ALL SELECT * FROM responses_back$$,
    'the binary round trip keeps every level');
CREATE TABLE bad_bytes (id integer, level bytea);
INSERT INTO bad_bytes VALUES (1, '\x00');
SELECT is(pg_temp.copy_binary('bad_bytes', 'TO', 'tap_anonymity_bad.bin'), 1::bigint, 'a one-byte field 0x00 is written');
SELECT throws_ok($$SELECT pg_temp.copy_binary('responses_back', 'FROM', 'tap_anonymity_bad.bin')$$, '22P03',
    'invalid binary rbp.anonymity value 0', 'binary input rejects the byte 0 with 22P03');

SELECT is_empty(
    $$SELECT pg_describe_object(d.classid, d.objid, d.objsubid) FROM pg_depend d
       WHERE d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e'
         AND d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'feedback_rbp')
         AND pg_describe_object(d.classid, d.objid, d.objsubid) LIKE '%anonymity%'
         AND obj_description(d.objid, d.classid::regclass::name) IS NULL$$,
    'every extension object of rbp.anonymity (type, functions, operators, classes, families, casts, aggregates) has a comment');

SELECT * FROM finish();
ROLLBACK;
