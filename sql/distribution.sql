-- rbp.likert_distribution: text and binary I/O, the aggregates, the accessors (doc/distribution.md).
SET extra_float_digits = 0;

-- Text form round-trips; spaces are allowed between tokens.
SELECT '{points:5,n:12,counts:[0,1,2,4,5]}'::rbp.likert_distribution;
SELECT ' { points : 10 , n : 3 , counts : [ 0,0,0,0,0,0,0,1,1,1 ] } '::rbp.likert_distribution;
SELECT '{points:2,n:0,counts:[0,0]}'::rbp.likert_distribution;
SELECT '{points:5,n:9223372036854775807,counts:[0,0,0,0,9223372036854775807]}'::rbp.likert_distribution;
SELECT d::text::rbp.likert_distribution OPERATOR(rbp.=) d AS round_trip
  FROM (VALUES ('{points:7,n:4,counts:[1,0,2,0,0,3,1]}'::rbp.likert_distribution)) v(d);
SELECT pg_column_size('{points:5,n:12,counts:[0,1,2,4,5]}'::rbp.likert_distribution);
-- {} is the empty distribution before any answer fixed a scale (the aggregates' initial state).
SELECT '{}'::rbp.likert_distribution AS empty, ' { } '::rbp.likert_distribution AS spaced,
       rbp.points('{}'), rbp.respondents('{}'), rbp.answers('{}'), rbp.counts('{}'),
       rbp.mean('{}'), rbp.median('{}'), rbp.share_agreeing('{}'), rbp.agreeing('{}');
SELECT rbp.likert_summary_combine('{}', '{points:3,n:1,counts:[0,1,0]}') AS empty_takes_scale,
       rbp.likert_summary_combine('{points:3,n:1,counts:[0,1,0]}', '{}') AS empty_adds_nothing;
SELECT rbp.point_count('{}', 1);
SELECT '{} x'::rbp.likert_distribution;

-- Bad text: syntax (22P02), scale (22023), counts that do not fit the scale or n (22023), overflow.
SELECT 'garbage'::rbp.likert_distribution;
SELECT '{points:5,n:1,counts:[1,0,0,0,0]} extra'::rbp.likert_distribution;
SELECT '{points:5,n:-1,counts:[1,0,0,0,0]}'::rbp.likert_distribution;
SELECT '{points:1,n:1,counts:[1]}'::rbp.likert_distribution;
SELECT '{points:11,n:1,counts:[1,0,0,0,0,0,0,0,0,0,0]}'::rbp.likert_distribution;
SELECT '{points:5,n:1,counts:[1,0,0,0]}'::rbp.likert_distribution;
SELECT '{points:3,n:1,counts:[1,0,0,0]}'::rbp.likert_distribution;
SELECT '{points:5,n:3,counts:[1,1,0,0,0]}'::rbp.likert_distribution;
SELECT '{points:5,n:0,counts:[1,0,0,0,0]}'::rbp.likert_distribution;
SELECT '{points:5,n:1,counts:[9223372036854775808,0,0,0,0]}'::rbp.likert_distribution;
SELECT '{points:5,n:1,counts:[9223372036854775807,1,0,0,0]}'::rbp.likert_distribution;

-- Binary form: send shows the layout; COPY BINARY (through psql, into results/) round-trips (receive checks like input does).
SELECT rbp.likert_distribution_send('{points:3,n:2,counts:[1,0,2]}');
CREATE TABLE distribution_io (d rbp.likert_distribution);
INSERT INTO distribution_io VALUES ('{points:5,n:12,counts:[0,1,2,4,5]}'), ('{points:10,n:1,counts:[0,0,0,0,0,0,0,0,0,1]}'), (NULL);
\copy distribution_io TO 'results/distribution.bin' WITH (FORMAT binary)
CREATE TABLE distribution_io2 (LIKE distribution_io);
\copy distribution_io2 FROM 'results/distribution.bin' WITH (FORMAT binary)
SELECT * FROM distribution_io2;
SELECT count(*) AS same FROM distribution_io a JOIN distribution_io2 b ON a.d OPERATOR(rbp.=) b.d;

-- Answers of five respondents to one statement, with a skipped answer (NULL).
CREATE TABLE answer (response int, question text, score rbp.likert);
INSERT INTO answer VALUES
    (1, 'understands', '4'), (1, 'trust', '5'), (1, 'alongside', '5'),
    (2, 'understands', '2'), (2, 'trust', NULL), (2, 'alongside', '3'),
    (3, 'understands', '5'), (3, 'trust', '4'),
    (4, 'understands', '4'), (4, 'trust', '4'), (4, 'alongside', '1'),
    (5, 'understands', NULL), (5, 'trust', NULL);

-- One question: one respondent per non-NULL answer.
SELECT question, rbp.likert_summary(score) AS summary
  FROM answer GROUP BY question ORDER BY question;
-- No answers at all: NULL, as sum() gives.
SELECT rbp.likert_summary(score) FROM answer WHERE false;
SELECT rbp.likert_summary(score) FROM answer WHERE response = 5;

-- Several questions: rbp.likert_respondent per response, then the roll-up. Respondent 5 skipped
-- everything and is not a respondent; four respondents, ten answers.
SELECT response, rbp.likert_respondent(score) FROM answer GROUP BY response ORDER BY response;
SELECT rbp.likert_summary(r) AS all_statements
  FROM (SELECT rbp.likert_respondent(score) AS r FROM answer GROUP BY response) per_response;
-- Summarising the answers directly would count answers as respondents:
SELECT rbp.respondents(rbp.likert_summary(score)) AS answers_not_respondents FROM answer;

-- Roll-up of disjoint groups equals the summary of their union.
SELECT rbp.likert_summary(s) OPERATOR(rbp.=) (SELECT rbp.likert_summary(score) FROM answer WHERE question = 'understands') AS rollup_equals_direct
  FROM (SELECT rbp.likert_summary(score) AS s FROM answer WHERE question = 'understands' GROUP BY response % 2) halves;

-- Mixed scales are refused (22023), in the answers and in the roll-up.
SELECT rbp.likert_summary(x::rbp.likert) FROM unnest(ARRAY['4', '7/10']) x;
SELECT rbp.likert_summary(d::rbp.likert_distribution)
  FROM unnest(ARRAY['{points:5,n:1,counts:[0,0,0,1,0]}', '{points:10,n:1,counts:[0,0,0,0,0,0,1,0,0,0]}']) d;

-- Other scales: a ten-point dial.
SELECT rbp.likert_summary(x::rbp.likert) FROM unnest(ARRAY['7/10', '10/10', '9/10', '3/10']) x;

-- Accessors.
SELECT rbp.points(d), rbp.respondents(d), rbp.answers(d), rbp.counts(d),
       rbp.point_count(d, 1) AS p1, rbp.point_count(d, 5) AS p5,
       rbp.mean(d), rbp.median(d), rbp.agreeing(d), rbp.share_agreeing(d)
  FROM (VALUES ('{points:5,n:12,counts:[0,1,2,4,5]}'::rbp.likert_distribution),
               ('{points:5,n:4,counts:[1,1,0,1,1]}'),
               ('{points:5,n:3,counts:[0,2,0,0,8]}'),
               ('{points:5,n:0,counts:[0,0,0,0,0]}')) v(d);
SELECT rbp.share_agreeing('{points:10,n:4,counts:[0,0,0,0,0,0,1,1,1,1]}') AS dial_top_two,
       rbp.share_agreeing('{points:3,n:4,counts:[1,1,2]}') AS three_point_top_one,
       rbp.share_agreeing('{points:4,n:4,counts:[1,1,1,1]}') AS four_point_top_two;
SELECT rbp.point_count('{points:5,n:12,counts:[0,1,2,4,5]}', 0);
SELECT rbp.point_count('{points:5,n:12,counts:[0,1,2,4,5]}', 6);

-- The accessors agree with plain SQL over the same answers.
CREATE TABLE many AS
SELECT i % 7 AS grp, ((i * 7919) % 5 + 1) AS v FROM generate_series(1, 2000) i
 WHERE (i * 31) % 11 <> 0;
SELECT count(*) AS groups,
       count(*) FILTER (WHERE rbp.respondents(d) = n) AS n_agrees,
       count(*) FILTER (WHERE abs(rbp.mean(d) - mean) < 1e-12) AS mean_agrees,
       count(*) FILTER (WHERE rbp.median(d) = median) AS median_agrees,
       count(*) FILTER (WHERE abs(rbp.share_agreeing(d) - share) < 1e-12) AS share_agrees
  FROM (SELECT grp, rbp.likert_summary(v::text::rbp.likert) AS d, count(*) AS n,
               avg(v)::float8 AS mean, percentile_cont(0.5) WITHIN GROUP (ORDER BY v) AS median,
               avg((v >= 4)::int)::float8 AS share
          FROM many GROUP BY grp) g;

-- As a window aggregate the state is not disturbed by being read row by row.
SELECT x, rbp.likert_summary(x::rbp.likert) OVER (ORDER BY x ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
  FROM unnest(ARRAY['1', '2', '5', '4']) x;

-- Called directly (not as an aggregate) the transition function leaves its input alone.
SELECT d, rbp.likert_summary_trans(d, '5') AS added, rbp.likert_summary_combine(d, d) AS doubled, d AS unchanged
  FROM (VALUES ('{points:5,n:1,counts:[1,0,0,0,0]}'::rbp.likert_distribution)) v(d);

DROP TABLE distribution_io, distribution_io2, answer, many;
-- The median of 2^63-1 answers, all at point 2, is 2: the rank of the middle answer is computed
-- without overflowing (it was 1.5 in 0.1.0).
SELECT rbp.median('{points:5,n:9223372036854775807,counts:[0,9223372036854775807,0,0,0]}') AS median_at_int64_max;
-- The roll-up of only empty distributions, like that of no rows, is NULL: nothing was summarised.
SELECT rbp.likert_summary(d) IS NULL AS only_empty_is_null,
       (SELECT rbp.likert_summary(d) IS NULL FROM (VALUES ('{}'::rbp.likert_distribution)) w(d) WHERE false) AS no_rows_is_null
  FROM (VALUES ('{}'::rbp.likert_distribution), ('{}')) v(d);
SELECT rbp.likert_summary(d) FROM (VALUES ('{}'::rbp.likert_distribution), ('{points:5,n:1,counts:[0,0,0,1,0]}')) v(d);
