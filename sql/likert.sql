-- rbp.likert: exact text and binary I/O, type modifiers, casts, labels, comparison (doc/likert.md).
-- Type names are shown schema-qualified while rbp is not on the search path.
SELECT format_type('rbp.likert'::regtype, -1) AS plain, format_type('rbp.likert'::regtype, 7) AS seven_points;

-- The operators and aggregates live in schema rbp, like the type.
SET search_path = public, rbp;

-- One byte, passed by value, and the byte is the encoding of likert.h.
SELECT typlen, typbyval, typalign, typstorage FROM pg_type WHERE oid = 'rbp.likert'::regtype;
SELECT pg_column_size('4'::rbp.likert) AS bytes, pg_column_size('7/10'::rbp.likert) AS bytes_10;

-- 5-point values (the default scale): a number or the questionnaire's label.
SELECT v AS input, v::rbp.likert AS value
  FROM (VALUES ('1'), ('2'), ('3'), ('4'), ('5'), (' 4 '), ('+3'), ('04'), ('4/5'),
               ('strongly disagree'), ('disagree'), ('neither agree nor disagree'), ('agree'),
               ('strongly agree'), ('Strongly Agree'), ('  NEITHER   agree nor	DISAGREE '),
               (E'strongly\tdisagree')) AS t(v);

-- Other scales are written v/N, and so is their output.
SELECT v AS input, v::rbp.likert AS value, rbp.likert_points(v::rbp.likert) AS points,
       rbp.likert_value(v::rbp.likert) AS val
  FROM (VALUES ('1/2'), ('2/2'), ('3/3'), ('4/4'), ('6/7'), ('7/10'), ('10/10'), (' 7 / 10 '),
               ('07/10')) AS t(v);

-- Every value of every scale round-trips through text.
SELECT count(*) AS values_checked,
       count(*) FILTER (WHERE (v::text)::rbp.likert::text = v::text
                          AND rbp.likert_value(v) = val AND rbp.likert_points(v) = n) AS round_trips
  FROM generate_series(2, 10) AS n, generate_series(1, n) AS val,
       LATERAL (SELECT (val || '/' || n)::rbp.likert) AS x(v);

-- Garbage is 22P02.
SELECT 'x'::rbp.likert;
SELECT ''::rbp.likert;
SELECT '4.5'::rbp.likert;
SELECT '4/'::rbp.likert;
SELECT '/5'::rbp.likert;
SELECT '4/5/6'::rbp.likert;
SELECT '4 5'::rbp.likert;
SELECT 'strongly_agree'::rbp.likert;
SELECT 'agreed'::rbp.likert;

-- A value outside 1..N is 22003.
SELECT '0'::rbp.likert;
SELECT '6'::rbp.likert;
SELECT '-1'::rbp.likert;
SELECT '99999999999999999999'::rbp.likert;
SELECT '0/7'::rbp.likert;
SELECT '11/10'::rbp.likert;

-- A scale outside 2..10 is 22023.
SELECT '1/1'::rbp.likert;
SELECT '1/11'::rbp.likert;
SELECT '3/0'::rbp.likert;

-- The type modifier rbp.likert(N): the literal is read first (a bare number on the 5-point scale),
-- then its scale must be N.
SELECT '6/7'::rbp.likert(7) AS six_of_seven, 'agree'::rbp.likert(5) AS agree, '4/5'::rbp.likert(5) AS four;
SELECT '6'::rbp.likert(7);
SELECT '4'::rbp.likert(7);
SELECT '7/10'::rbp.likert(5);
SELECT '7/10'::rbp.likert::rbp.likert(10) AS relaxed_then_constrained;

-- Bad type modifiers are 22023.
SELECT NULL::rbp.likert(1);
SELECT NULL::rbp.likert(11);
SELECT NULL::rbp.likert(0);
SELECT NULL::rbp.likert(5, 3);

-- Columns.
CREATE TABLE likert_scores (id integer PRIMARY KEY, q rbp.likert, dial rbp.likert(7));
SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute
 WHERE attrelid = 'likert_scores'::regclass AND attnum > 0 ORDER BY attnum;
INSERT INTO likert_scores VALUES (1, '4', '6/7'), (2, 'strongly agree', '1/7'), (3, '7/10', NULL);
INSERT INTO likert_scores VALUES (4, '2', '6');
INSERT INTO likert_scores VALUES (4, '2', '3/5');
INSERT INTO likert_scores VALUES (4, '2', '8/7');
UPDATE likert_scores SET dial = '7/10' WHERE id = 1;
SELECT * FROM likert_scores ORDER BY id;
ALTER TABLE likert_scores ALTER COLUMN q TYPE rbp.likert(5);
SELECT id, q::text AS q, pg_column_size(q) AS q_bytes, pg_column_size(dial) AS dial_bytes FROM likert_scores ORDER BY id;

-- COPY passes the column's type modifier to the input function: a bare number is read on the
-- column's scale there.
COPY likert_scores (id, dial) FROM stdin;
10	6
11	2/7
\.
COPY likert_scores (id, dial) FROM stdin;
12	8
\.
COPY likert_scores (id, dial) FROM stdin;
13	4/5
\.
SELECT id, dial FROM likert_scores WHERE id >= 10 ORDER BY id;

-- Casts from and to integer. The integer cast honours the type modifier (5 points without one).
SELECT (6)::rbp.likert(7) AS six_of_seven, (3)::rbp.likert AS three, CAST(10 AS rbp.likert(10)) AS ten_of_ten,
       (2)::rbp.likert(2) AS two_of_two;
SELECT (6)::rbp.likert;
SELECT (0)::rbp.likert(7);
SELECT (-3)::rbp.likert;
SELECT '6/7'::rbp.likert::integer AS six, CAST('agree'::rbp.likert AS integer) AS four;
SELECT (q::integer) AS q_value FROM likert_scores WHERE id = 1;
SELECT castsource::regtype, casttarget::regtype, castfunc::regprocedure, castcontext
  FROM pg_cast WHERE castsource = 'rbp.likert'::regtype OR casttarget = 'rbp.likert'::regtype
 ORDER BY castsource::regtype::text, casttarget::regtype::text;

-- Labels.
SELECT n AS points, v AS value, rbp.likert_label((v || '/' || n)::rbp.likert) AS label
  FROM generate_series(2, 5) AS n, generate_series(1, n) AS v ORDER BY n, v;
SELECT rbp.likert_label('6/7') AS seven, rbp.likert_label('10/10') AS ten, rbp.likert_label('1/6') AS six;

-- Comparison within one scale.
SELECT '2'::rbp.likert < '4' AS lt, '4'::rbp.likert <= '4' AS le, 'agree'::rbp.likert = '4' AS eq,
       '5'::rbp.likert > 'agree' AS gt, '3/7'::rbp.likert >= '3/7' AS ge, '1/2'::rbp.likert <> '2/2' AS ne;
SELECT v FROM unnest('{5,disagree,4,1,neither agree nor disagree}'::rbp.likert[]) AS v ORDER BY v;
SELECT rbp.min(v), rbp.max(v) FROM unnest('{2/7,6/7,5/7}'::rbp.likert[]) AS v;
SELECT rbp.min(v) IS NULL AS min_of_nothing FROM unnest('{}'::rbp.likert[]) AS v;

-- Mixing scales raises 22023 instead of answering.
SELECT '4'::rbp.likert = '4/7';
SELECT '4'::rbp.likert < '7/10';
SELECT '2/3'::rbp.likert >= '3/4';
SELECT v FROM unnest('{4,6/7}'::rbp.likert[]) AS v ORDER BY v;
SELECT rbp.max(v) FROM unnest('{4,6/7}'::rbp.likert[]) AS v;
SELECT rbp.min(q) FROM likert_scores;

-- ANALYZE: a column without type modifier may mix scales, so its statistics need no comparison
-- (null fraction, width, distinct count; no value lists); a rbp.likert(N) column gets the standard
-- ones. The standard statistics would sort the sample and fail on the mixed column.
CREATE TABLE likert_stats (mixed rbp.likert, dial rbp.likert(7));
INSERT INTO likert_stats
SELECT CASE WHEN i % 2 = 0 THEN (1 + i % 5)::rbp.likert ELSE (1 + i % 7)::rbp.likert(7) END,
       CASE WHEN i % 10 = 0 THEN NULL ELSE (1 + i % 7)::rbp.likert(7) END
  FROM generate_series(1, 1000) AS i;
ANALYZE likert_stats;
SELECT attname, null_frac, avg_width, n_distinct, most_common_vals IS NOT NULL AS has_mcv,
       cardinality(most_common_vals::text::text[]) AS mcv_count, correlation IS NOT NULL AS has_correlation
  FROM pg_stats WHERE tablename = 'likert_stats' ORDER BY attname;
-- Planning compares nothing with stored values; executing compares and meets the 7-point rows.
EXPLAIN (COSTS OFF) SELECT * FROM likert_stats WHERE mixed = '4';
SELECT count(*) FROM likert_stats WHERE mixed = '4';
DROP TABLE likert_stats;

-- Binary form: the byte of likert.h (points in the high four bits, value in the low four).
SELECT rbp.likert_send('4') AS four, rbp.likert_send('7/10') AS seven_of_ten, rbp.likert_send('1/2') AS one_of_two;

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
CREATE TABLE likert_io (id integer, v rbp.likert);
INSERT INTO likert_io
SELECT row_number() OVER (ORDER BY n, val), (val || '/' || n)::rbp.likert
  FROM generate_series(2, 10) AS n, generate_series(1, n) AS val;
INSERT INTO likert_io VALUES (1000, NULL);
SELECT pg_temp.copy_binary('likert_io', 'TO', 'likert_io.bin');
CREATE TABLE likert_io_back (LIKE likert_io);
SELECT pg_temp.copy_binary('likert_io_back', 'FROM', 'likert_io.bin');
SELECT count(*) AS differing
  FROM likert_io a FULL JOIN likert_io_back b USING (id)
 WHERE a.v::text IS DISTINCT FROM b.v::text;
SELECT * FROM likert_io_back WHERE id IN (1, 2, 14, 54, 1000) ORDER BY id;

-- Binary input honours the type modifier: 7-point values go into rbp.likert(7), 5-point ones do not.
CREATE TABLE likert_io7 (id integer, v rbp.likert(7));
INSERT INTO likert_io7 VALUES (1, '6/7'), (2, '1/7');
SELECT pg_temp.copy_binary('likert_io7', 'TO', 'likert_io7.bin');
SELECT pg_temp.copy_binary('likert_io7', 'FROM', 'likert_io7.bin');
SELECT * FROM likert_io7 ORDER BY id, v;
SELECT pg_temp.copy_binary('likert_io7', 'FROM', 'likert_io.bin');

-- A bad byte is 22P03: a bytea column written in binary has the same field layout.
CREATE TABLE likert_bad (id integer, v bytea);
INSERT INTO likert_bad VALUES (1, '\x00');
SELECT pg_temp.copy_binary('likert_bad', 'TO', 'likert_bad00.bin');
SELECT pg_temp.copy_binary('likert_io_back', 'FROM', 'likert_bad00.bin');
UPDATE likert_bad SET v = '\x56';
SELECT pg_temp.copy_binary('likert_bad', 'TO', 'likert_bad56.bin');
SELECT pg_temp.copy_binary('likert_io_back', 'FROM', 'likert_bad56.bin');
UPDATE likert_bad SET v = '\xb1';
SELECT pg_temp.copy_binary('likert_bad', 'TO', 'likert_badb1.bin');
SELECT pg_temp.copy_binary('likert_io_back', 'FROM', 'likert_badb1.bin');
UPDATE likert_bad SET v = '\x1a';
SELECT pg_temp.copy_binary('likert_bad', 'TO', 'likert_bad1a.bin');
SELECT pg_temp.copy_binary('likert_io_back', 'FROM', 'likert_bad1a.bin');
UPDATE likert_bad SET v = '\x5454';
SELECT pg_temp.copy_binary('likert_bad', 'TO', 'likert_bad5454.bin');
SELECT pg_temp.copy_binary('likert_io_back', 'FROM', 'likert_bad5454.bin');
UPDATE likert_bad SET v = '\x54';
SELECT pg_temp.copy_binary('likert_bad', 'TO', 'likert_good54.bin');
SELECT pg_temp.copy_binary('likert_io_back', 'FROM', 'likert_good54.bin');
SELECT v::text FROM likert_io_back WHERE id = 1 ORDER BY 1;

DROP TABLE likert_scores, likert_io, likert_io_back, likert_io7, likert_bad;

-- The examples of doc/likert.md, exactly as shown there.
SELECT '4'::rbp.likert AS a, 'Strongly  Agree'::rbp.likert AS b, '7/10'::rbp.likert AS c, '4/5'::rbp.likert AS d;
SELECT 'quite agree'::rbp.likert;
SELECT '6'::rbp.likert;
SELECT '3/12'::rbp.likert;
SELECT '6/7'::rbp.likert(7) AS dial, (6)::rbp.likert(7) AS dial_from_integer;
SELECT '6'::rbp.likert(7);
SELECT '4'::rbp.likert(7);
SELECT (6)::rbp.likert;
SELECT '6/7'::rbp.likert::integer AS value, rbp.likert_points('6/7') AS points;
SELECT rbp.likert_label('4') AS five, rbp.likert_label('3/4') AS four, rbp.likert_label('2/3') AS three,
       rbp.likert_label('1/2') AS two, rbp.likert_label('8/10') AS ten;
SELECT '4'::rbp.likert = '4/7'::rbp.likert;
CREATE TABLE doc_dials (family integer, respected rbp.likert(7));
COPY doc_dials FROM stdin;
1	6
2	3/7
\.
SELECT family, respected, rbp.likert_label(respected) AS label FROM doc_dials ORDER BY family;
SELECT rbp.min(respected), rbp.max(respected) FROM doc_dials;
SELECT rbp.likert_send('4') AS five_point, rbp.likert_send('7/10') AS ten_point;
SELECT pg_column_size('4'::rbp.likert) AS bytes;
DROP TABLE doc_dials;
