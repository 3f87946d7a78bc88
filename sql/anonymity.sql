-- rbp.anonymity: exact text and binary I/O, order, the one-way rule (doc/anonymity.md).
-- The operators live in schema rbp, like the type.
SET search_path = public, rbp;

-- Input is case-insensitive and ignores surrounding white space; output is canonical lower case.
SELECT 'named'::rbp.anonymity AS a, 'Worker_Only'::rbp.anonymity AS b, '  ANONYMOUS  '::rbp.anonymity AS c;
SELECT v::rbp.anonymity AS level, v::rbp.anonymity::text = lower(btrim(v)) AS canonical
  FROM (VALUES ('NAMED'), (E'\tnamed\n'), ('worker_only'), ('wOrKeR_oNlY'), ('Anonymous')) AS t(v);

-- Anything else is 22P02 and the message lists the accepted values.
SELECT 'anon'::rbp.anonymity;
SELECT 'worker only'::rbp.anonymity;
SELECT 'worker-only'::rbp.anonymity;
SELECT ''::rbp.anonymity;
SELECT 'named anonymous'::rbp.anonymity;
SELECT NULL::rbp.anonymity IS NULL AS null_stays_null;

-- One byte, passed by value.
SELECT typlen, typbyval, typalign, typstorage FROM pg_type WHERE oid = 'rbp.anonymity'::regtype;
SELECT pg_column_size('anonymous'::rbp.anonymity) AS bytes;

-- Order from least to most anonymous.
SELECT 'named'::rbp.anonymity < 'worker_only' AS named_lt_worker_only,
       'worker_only'::rbp.anonymity < 'anonymous' AS worker_only_lt_anonymous,
       'anonymous'::rbp.anonymity > 'named' AS anonymous_gt_named,
       'named'::rbp.anonymity = 'NAMED' AS eq_ignores_case,
       'named'::rbp.anonymity <> 'anonymous' AS ne;
SELECT level FROM (VALUES ('anonymous'::rbp.anonymity), ('named'), ('worker_only'), ('named')) AS t(level)
 ORDER BY level;
SELECT level, count(*) FROM (VALUES ('anonymous'::rbp.anonymity), ('named'), ('worker_only'), ('named')) AS t(level)
 GROUP BY level ORDER BY level DESC;

-- The one-way rule: only to the same or a more anonymous level.
SELECT f.level AS from_level, t.level AS to_level, rbp.anonymity_change_allowed(f.level, t.level) AS allowed
  FROM unnest('{named,worker_only,anonymous}'::rbp.anonymity[]) AS f(level),
       unnest('{named,worker_only,anonymous}'::rbp.anonymity[]) AS t(level)
 ORDER BY f.level, t.level;
SELECT rbp.anonymity_change_allowed(NULL, 'anonymous') IS NULL AS strict;

-- Binary form: one byte, 1 named, 2 worker_only, 3 anonymous.
SELECT rbp.anonymity_send('named') AS named, rbp.anonymity_send('worker_only') AS worker_only,
       rbp.anonymity_send('anonymous') AS anonymous;

-- Binary round trip through COPY, via a file in the (throwaway) cluster's data directory. The
-- error context would show that directory's path, which changes from run to run: hide it.
\set SHOW_CONTEXT never
CREATE FUNCTION pg_temp.copy_binary(tbl regclass, direction text, file text) RETURNS bigint
    LANGUAGE plpgsql AS $$
DECLARE
    copied bigint;
BEGIN
    EXECUTE format('COPY %s %s %L (FORMAT binary)', tbl, direction, current_setting('data_directory') || '/' || file);
    GET DIAGNOSTICS copied = ROW_COUNT;
    RETURN copied;
END $$;
CREATE TABLE anonymity_io (id integer, level rbp.anonymity);
INSERT INTO anonymity_io VALUES (1, 'named'), (2, 'worker_only'), (3, 'anonymous'), (4, NULL);
SELECT pg_temp.copy_binary('anonymity_io', 'TO', 'anonymity_io.bin');
CREATE TABLE anonymity_io_back (LIKE anonymity_io);
SELECT pg_temp.copy_binary('anonymity_io_back', 'FROM', 'anonymity_io.bin');
SELECT * FROM anonymity_io_back ORDER BY id;
SELECT count(*) AS differing
  FROM anonymity_io a FULL JOIN anonymity_io_back b USING (id)
 WHERE a.level IS DISTINCT FROM b.level;

-- A bad byte in binary input is 22P03: a bytea column written in binary has the same field layout.
CREATE TABLE anonymity_bad (id integer, level bytea);
INSERT INTO anonymity_bad VALUES (1, '\x04');
SELECT pg_temp.copy_binary('anonymity_bad', 'TO', 'anonymity_bad.bin');
SELECT pg_temp.copy_binary('anonymity_io_back', 'FROM', 'anonymity_bad.bin');

-- Text COPY uses the same input function.
COPY anonymity_io_back FROM stdin;
5	Worker_Only
\.
COPY anonymity_io_back FROM stdin;
6	nobody
\.
SELECT * FROM anonymity_io_back WHERE id = 5;

DROP TABLE anonymity_io, anonymity_io_back, anonymity_bad;

-- The examples of doc/anonymity.md, exactly as shown there.
SELECT 'Worker_Only'::rbp.anonymity AS level;
SELECT 'hidden'::rbp.anonymity;
SELECT 'named'::rbp.anonymity < 'anonymous'::rbp.anonymity AS less_anonymous;
SELECT rbp.anonymity_change_allowed('named', 'worker_only') AS towards_anonymous,
       rbp.anonymity_change_allowed('anonymous', 'named') AS back_to_named;
CREATE TABLE doc_responses (id integer PRIMARY KEY, level rbp.anonymity NOT NULL);
INSERT INTO doc_responses VALUES (1, 'anonymous'), (2, 'named'), (3, 'worker_only'), (4, 'named');
SELECT level, count(*) FROM doc_responses GROUP BY level ORDER BY level;
SELECT id FROM doc_responses WHERE level >= 'worker_only' ORDER BY id;
SELECT rbp.anonymity_send('worker_only') AS wire;
DROP TABLE doc_responses;
