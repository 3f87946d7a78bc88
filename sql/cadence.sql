-- rbp.cadence: text forms, canonical output, validation, binary I/O, equality and date arithmetic
-- at month ends and in leap years. doc/cadence.md quotes these examples.
SET search_path = rbp, public;
SET datestyle = ISO, YMD;

-- Text forms: any mix of days, weeks, months, years; case and spaces do not matter.
SELECT c::text AS input, c::rbp.cadence AS canonical
  FROM unnest(ARRAY['2 months..3 months', '6 weeks..10 weeks', '1 month..1 month',
                    '1 day..1 day', '14 days..21 days', '10 days..3 weeks',
                    '6 months..12 months', '6 months..1 year', '1 year..2 years',
                    '  2 MONTHS .. 3 Months  ', '1 month 2 weeks..2 months',
                    '1 month 1 day..1 month 8 days', '1 week..1 month', '4 weeks..1 month',
                    '6 weeks..2 months', '2 months..9 weeks']) AS c;

-- Malformed text: 22P02.
\set VERBOSITY default
SELECT '2 months'::rbp.cadence;
SELECT ''::rbp.cadence;
SELECT '..3 months'::rbp.cadence;
SELECT '2 months..'::rbp.cadence;
SELECT '2..3 months'::rbp.cadence;
SELECT 'two months..3 months'::rbp.cadence;
SELECT '2 fortnights..3 months'::rbp.cadence;
SELECT '2 months..3 months..4 months'::rbp.cadence;
SELECT '1 month 1 month..3 months'::rbp.cadence;
SELECT '2.5 months..3 months'::rbp.cadence;

-- Well formed but inconsistent: 22023.
SELECT '3 months..2 months'::rbp.cadence;
SELECT '0 days..1 month'::rbp.cadence;
SELECT '0 months..0 days'::rbp.cadence;
SELECT '-2 months..3 months'::rbp.cadence;
SELECT '5 weeks..1 month'::rbp.cadence;
SELECT '2 months..8 weeks 6 days'::rbp.cadence AS boundary_accepted;
SELECT '2 months..8 weeks 5 days'::rbp.cadence;
SELECT '1 month..1201 months'::rbp.cadence;
-- 100 years is a limit on the whole bound, not on each unit (0.1.0 accepted the next one):
SELECT '1 month..1200 months 36525 days'::rbp.cadence;
SELECT '1 month..1200 months 1 day'::rbp.cadence;
SELECT '1 month..1199 months 30 days'::rbp.cadence AS just_under_100_years,
       '1 month..1200 months'::rbp.cadence AS months_limit, '1 day..36525 days'::rbp.cadence AS days_limit;
SELECT '1 month..99999999999 days'::rbp.cadence;

-- The SQLSTATEs themselves.
\set VERBOSITY sqlstate
SELECT '2 months'::rbp.cadence;
SELECT '3 months..2 months'::rbp.cadence;
SELECT '0 days..1 month'::rbp.cadence;
\set VERBOSITY default

-- From intervals (whole days and months only) and back.
SELECT rbp.cadence('2 months', '3 months') AS from_intervals,
       rbp.cadence('1 year', '18 months') AS years_as_months,
       rbp.cadence_lower('1 month 2 weeks..2 months') AS lower,
       rbp.cadence_upper('1 month 2 weeks..2 months') AS upper;
SELECT rbp.cadence('1 day 2 hours', '3 days');
SELECT rbp.cadence('1 month -3 days', '3 months');

-- Equality is by stored lengths; hashing agrees with it.
SELECT '4 weeks..8 weeks'::rbp.cadence = '28 days..56 days' AS weeks_are_days,
       '12 months..24 months'::rbp.cadence = '1 year..2 years' AS years_are_months,
       '1 month..2 months'::rbp.cadence = '30 days..60 days' AS month_is_not_30_days,
       '1 month..2 months'::rbp.cadence <> '1 month..3 months' AS differ,
       rbp.cadence_hash('4 weeks..8 weeks') = rbp.cadence_hash('28 days..56 days') AS same_hash;
SELECT c, count(*) FROM unnest(ARRAY['2 months..3 months', '4 weeks..8 weeks', '28 days..56 days',
                                     '2 months..3 months']::rbp.cadence[]) AS c
 GROUP BY c ORDER BY count(*), c::text;

-- Binary I/O: a round trip through COPY BINARY, then a forged file whose bounds are reversed.
CREATE TEMP TABLE cadence_io (c rbp.cadence);
INSERT INTO cadence_io VALUES ('2 months..3 months'), ('6 weeks..10 weeks'), ('1 month 3 days..1 year');
COPY cadence_io TO '/tmp/feedback_rbp_cadence_regress.bin' (FORMAT binary);
CREATE TEMP TABLE cadence_io2 (c rbp.cadence);
COPY cadence_io2 FROM '/tmp/feedback_rbp_cadence_regress.bin' (FORMAT binary);
SELECT c, rbp.cadence_send(c) FROM cadence_io2;
SELECT (SELECT array_agg(c::text) FROM cadence_io) = (SELECT array_agg(c::text) FROM cadence_io2) AS round_trip;
-- A forged file: header, one tuple of one 16-byte field, trailer. First lower 3 months and upper
-- 2 months (reversed), then a negative day count: both refused by the receive function (22023).
SELECT lo_from_bytea(0, '\x5047434f50590aff0d0a00'::bytea || '\x0000000000000000'::bytea
    || '\x0001' || '\x00000010' || '\x00000003000000000000000200000000' || '\xffff') AS lo \gset
SELECT lo_export(:lo, '/tmp/feedback_rbp_cadence_regress.bin'), lo_unlink(:lo);
COPY cadence_io2 FROM '/tmp/feedback_rbp_cadence_regress.bin' (FORMAT binary);
SELECT lo_from_bytea(0, '\x5047434f50590aff0d0a00'::bytea || '\x0000000000000000'::bytea
    || '\x0001' || '\x00000010' || '\x00000002ffffffff0000000300000000' || '\xffff') AS lo \gset
SELECT lo_export(:lo, '/tmp/feedback_rbp_cadence_regress.bin'), lo_unlink(:lo);
COPY cadence_io2 FROM '/tmp/feedback_rbp_cadence_regress.bin' (FORMAT binary);
-- and a well-formed forged value is accepted: 1 month..6 weeks
SELECT lo_from_bytea(0, '\x5047434f50590aff0d0a00'::bytea || '\x0000000000000000'::bytea
    || '\x0001' || '\x00000010' || '\x0000000100000000000000000000002a' || '\xffff') AS lo \gset
SELECT lo_export(:lo, '/tmp/feedback_rbp_cadence_regress.bin'), lo_unlink(:lo);
COPY cadence_io2 FROM '/tmp/feedback_rbp_cadence_regress.bin' (FORMAT binary);
SELECT c FROM cadence_io2 EXCEPT SELECT c FROM cadence_io;
SELECT count(*) AS three_plus_one FROM cadence_io2;

-- The month rule: the day of the month is kept, clamped to the target month; days come after.
SELECT anchor, months, days, rbp.add_months_days(anchor, months, days) AS result,
       (anchor + make_interval(months => months, days => days))::date AS postgres_says
  FROM (VALUES ('2023-01-31'::date, 1, 0), ('2024-01-31', 1, 0), ('2024-02-29', 12, 0),
               ('2024-02-29', 48, 0), ('2023-12-31', 2, 0), ('2024-03-31', -1, 0),
               ('2024-01-30', 1, 1), ('2024-05-31', 1, 0), ('2023-11-30', 3, 0),
               ('2024-08-31', 6, 0), ('2024-12-31', 0, 1)) AS v(anchor, months, days);

-- The next window after an anchor, at month ends and in leap years.
SELECT anchor, rbp.next_window('2 months..3 months', anchor) AS two_to_three_months,
       rbp.next_window('1 month..6 weeks', anchor) AS month_to_six_weeks,
       rbp.next_window('1 year..13 months', anchor) AS yearly
  FROM unnest('{2024-01-31,2023-12-31,2023-11-30,2024-02-29,2023-02-28,2024-06-15}'::date[]) AS anchor;
SELECT (rbp.next_window('2 months..3 months', '2024-01-31')).due_from;

-- Status on a date: not_due before due_from, due from it, overdue from overdue_from.
SELECT d, rbp.cadence_status('2 months..3 months', '2023-12-31', d)
  FROM unnest('{2024-02-28,2024-02-29,2024-03-30,2024-03-31}'::date[]) AS d;

-- The windows between two dates: counted from the anchor, so the 31st returns where it can.
SELECT * FROM rbp.cadence_windows('1 month..2 months', '2024-01-31', '2024-08-01');
SELECT * FROM rbp.cadence_windows('2 months..3 months', '2024-02-29', '2025-03-01');
SELECT * FROM rbp.cadence_windows('6 weeks..10 weeks', '2024-12-20', '2025-06-01');
SELECT count(*) AS none_before_first FROM rbp.cadence_windows('2 months..3 months', '2024-01-01', '2024-02-29');
SELECT count(*) AS daily_for_a_leap_year FROM rbp.cadence_windows('1 day..2 days', '2024-01-01', '2024-12-31');
SELECT * FROM rbp.cadence_windows('2 months..3 months', '2024-01-01', 'infinity');

-- Infinite anchors stay infinite; leaving the range of date is an error.
SELECT rbp.due_from('2 months..3 months', 'infinity'), rbp.overdue_from('2 months..3 months', '-infinity');
SELECT rbp.due_from('1 year..2 years', '5874897-06-01');
