-- Reports and small-number suppression (guarantee G3), attacked as the report writer: every
-- differencing attempt of the issue is made on the published views and must not recover a
-- suppressed value; the threshold and the base tables are out of the report writer's reach.
BEGIN;
SET client_min_messages = warning;
CREATE EXTENSION feedback_rbp;
RESET client_min_messages;
SELECT plan(49);

\ir ../fixtures/reports_fixture.sql
ANALYZE rbp.response, rbp.answer, rbp.invitation, rbp.report_cell;

CREATE ROLE test_report_writer IN ROLE rbp_report_writer;
CREATE ROLE test_admin IN ROLE rbp_admin;

-- A second authority whose feedback starts in May: its year is published too.
INSERT INTO rbp.authority (code, name) VALUES ('late_la', 'Late Authority');
INSERT INTO rbp.team (authority_id, code, name) SELECT authority_id, 'lt', 'Late team' FROM rbp.authority WHERE code = 'late_la';
INSERT INTO rbp.staff (authority_id, staff_ref, display_name, team_id)
SELECT authority_id, 'LW1', 'Late worker', team_id FROM rbp.team WHERE code = 'lt';
INSERT INTO rbp.response (authority_id, instrument_id, respondent_kind, channel, anonymity, period, team_id, worker_id,
                          submitted_on, qa_status)
SELECT s.authority_id, (SELECT instrument_id FROM rbp.instrument WHERE code = 'parents_carers' AND rbp.is_current(instrument)),
       'parent', 'online', 'worker_only', '2026-05-01', s.team_id, s.staff_id, NULL, 'released'
  FROM rbp.staff s, generate_series(1, 7) WHERE s.staff_ref = 'LW1';

SELECT is(rbp.publish_reports('2027-01-01'), 10,
          'for each authority, the four quarters of 2026 and the year 2026 are published');
SELECT set_eq($$SELECT period_label, responses FROM rbp.report_responses
                 WHERE authority = 'late_la' AND level = 'authority' AND respondent_kind IS NULL
                   AND period IN ('quarter', 'year')$$,
              $$VALUES ('2026-Q2', '7'), ('2026', '7')$$,
              'an authority whose feedback starts in May has its quarter and its year published');
SELECT is((SELECT sum(unresolved)::int FROM rbp.report_publication), 0, 'every group could be protected');

-- What is true (read by the test, as the superuser, before taking the report writer's seat).
-- Keys: topic, level, team, worker, period, period start, instrument, question, kind, theme.
CREATE TEMP TABLE truth AS
SELECT c.topic, c.level, coalesce(t.code, '-') AS team, coalesce(w.staff_ref, '-') AS worker,
       c.period_kind AS period, c.period_start AS pstart,
       coalesce(q.code, th.name, '*') AS q, coalesce(c.respondent_kind::text, '*') AS k,
       c.n, c.answers, c.agreeing, c.hidden, c.share_hidden
  FROM rbp.report_cell c
  LEFT JOIN rbp.team t ON t.team_id = c.team_id
  LEFT JOIN rbp.staff w ON w.staff_id = c.worker_id
  LEFT JOIN rbp.question q ON q.question_id = c.question_id
  LEFT JOIN rbp.theme th ON th.theme_id = c.theme_id
 WHERE c.level IN ('authority', 'team', 'worker')
   AND c.authority_id = (SELECT authority_id FROM rbp.authority WHERE code = 'test_la');
-- Worker-attributed responses as they were given (for the anonymity check).
CREATE TEMP TABLE truth_worker_quarter AS
SELECT w.staff_ref AS worker, date_trunc('quarter', r.period)::date AS pstart, count(*)::text AS responses
  FROM rbp.response r JOIN rbp.staff w ON w.staff_id = r.worker_id
 WHERE r.anonymity::text <> 'anonymous'
 GROUP BY 1, 2;
-- The evidence that secondary suppression was needed: teams (shown) where primary suppression
-- alone would have left one worker's count, or a small sum of workers' counts, to subtraction.
CREATE TEMP TABLE primary_only_exposed AS
SELECT p.topic, p.team, p.period, p.pstart, p.q, p.k
  FROM truth p JOIN truth tot ON tot.topic = p.topic AND tot.level = 'team' AND tot.team = p.team
   AND tot.period = p.period AND tot.pstart = p.pstart AND tot.q = p.q AND tot.k = p.k
 WHERE p.level = 'worker' AND tot.n > 5
 GROUP BY p.topic, p.team, p.period, p.pstart, p.q, p.k
HAVING count(*) FILTER (WHERE p.n <= 5) = 1 OR sum(p.n) FILTER (WHERE p.n <= 5) <= 5;
CREATE TEMP TABLE attack (gtype text, gid text, role text, topic text, level text, team text, worker text,
                          period text, pstart date, q text, k text, val text, hidden boolean);
\ir ../helpers/pgtap_roles.sql

SET ROLE test_report_writer;

-- Everything published, as the report writer sees it, in one shape.
CREATE TEMP TABLE pub AS
SELECT 'scores' AS topic, level, coalesce(team, '-') AS team, coalesce(worker, '-') AS worker, period,
       period_start AS pstart, coalesce(question, '*') AS q, coalesce(respondent_kind::text, '*') AS k,
       respondents AS val, suppressed AS hidden
  FROM rbp.report_scores WHERE authority = 'test_la'
UNION ALL
SELECT 'responses', level, coalesce(team, '-'), coalesce(worker, '-'), period, period_start, '*',
       coalesce(respondent_kind::text, '*'), responses, responses_suppressed
  FROM rbp.report_responses WHERE authority = 'test_la'
UNION ALL
SELECT 'invitations', level, coalesce(team, '-'), coalesce(worker, '-'), period, period_start, '*',
       coalesce(respondent_kind::text, '*'), invitations, invitations_suppressed
  FROM rbp.report_responses WHERE authority = 'test_la'
UNION ALL
SELECT 'themes', level, coalesce(team, '-'), '-', period, period_start, theme, '*', responses, suppressed
  FROM rbp.report_themes WHERE authority = 'test_la';

SELECT isnt_empty($$SELECT FROM pub WHERE hidden$$, 'the report writer sees suppressed cells');
SELECT is_empty($$SELECT FROM pub WHERE hidden <> (val = 'c')$$, 'a suppressed count reads c, and only a suppressed one');
SELECT is_empty($$SELECT FROM pub WHERE NOT hidden AND val::bigint BETWEEN 1 AND 5$$,
                'no count of 1 to 5 is shown');
SELECT is_empty($$SELECT FROM rbp.report_scores WHERE suppressed AND (mean IS NOT NULL OR pct_agreeing IS NOT NULL OR median IS NOT NULL)$$,
                'a suppressed cell shows no mean, median or share');

-- The groups a differencer would use: a total and its parts.
INSERT INTO attack
SELECT 'team minus workers', concat_ws('|', topic, team, period, pstart, q, k),
       CASE level WHEN 'team' THEN 'total' ELSE 'part' END, pub.*
  FROM pub WHERE level IN ('team', 'worker') AND topic <> 'themes'
UNION ALL
SELECT 'authority minus teams', concat_ws('|', topic, period, pstart, q, k),
       CASE level WHEN 'authority' THEN 'total' ELSE 'part' END, pub.*
  FROM pub WHERE level IN ('authority', 'team')
UNION ALL
SELECT 'quarter minus months', concat_ws('|', topic, level, team, worker, date_trunc('quarter', pstart)::date, q, k),
       CASE period WHEN 'quarter' THEN 'total' ELSE 'part' END, pub.*
  FROM pub WHERE period = 'month' OR period = 'quarter'
UNION ALL
SELECT 'year minus quarters', concat_ws('|', topic, level, team, worker, date_trunc('year', pstart)::date, q, k),
       CASE period WHEN 'year' THEN 'total' ELSE 'part' END, pub.*
  FROM pub WHERE period = 'quarter' OR period = 'year'
UNION ALL
SELECT 'all kinds minus kinds', concat_ws('|', topic, level, team, worker, period, pstart, q),
       CASE k WHEN '*' THEN 'total' ELSE 'part' END, pub.*
  FROM pub WHERE topic <> 'themes' AND q = '*';

CREATE TEMP VIEW attack_result AS
WITH g AS (
    SELECT gtype, gid,
           max(val) FILTER (WHERE role = 'total' AND NOT hidden)::bigint AS total,
           bool_or(hidden) FILTER (WHERE role = 'total') AS total_hidden,
           coalesce(sum(val::bigint) FILTER (WHERE role = 'part' AND NOT hidden), 0) AS visible_parts,
           count(*) FILTER (WHERE role = 'part' AND hidden) AS hidden_parts
      FROM attack GROUP BY gtype, gid
)
SELECT g.*, g.total - g.visible_parts AS recovered FROM g
 WHERE g.hidden_parts > 0 AND NOT g.total_hidden;

SELECT ok((SELECT count(DISTINCT gtype) FROM attack_result) = 5,
          'each kind of differencing has groups to attack (total shown, some part suppressed)');
SELECT is_empty($$SELECT gtype, gid, recovered FROM attack_result WHERE recovered BETWEEN 1 AND 5$$,
                'total minus visible parts is never a small number (1 to 5) for the suppressed parts together');

-- A single suppressed part would be recovered exactly; check that no subtraction hits the truth.
SELECT isnt_empty($$SELECT FROM primary_only_exposed$$,
                  'primary suppression alone would have exposed some worker (so secondary suppression was needed)');
SELECT is_empty($$
    SELECT r.gtype, r.gid, a.topic, a.level, a.team, a.worker, a.period, a.pstart, a.q, a.k, r.recovered
      FROM attack_result r JOIN attack a USING (gtype, gid)
      JOIN truth t ON t.topic = a.topic AND t.level = a.level AND t.team = a.team AND t.worker = a.worker
       AND t.period = a.period AND t.pstart = a.pstart AND t.q = a.q AND t.k = a.k
     WHERE a.role = 'part' AND a.hidden AND r.hidden_parts = 1 AND r.recovered = t.n$$,
    'total minus visible siblings never equals a suppressed value (team minus workers, authority minus teams, quarter minus months, year minus quarters, all kinds minus kinds)');
SELECT is_empty($$SELECT gtype, gid FROM attack_result WHERE hidden_parts = 1
                   AND gtype NOT IN ('team minus workers', 'authority minus teams')$$,
                'where a part is suppressed, at least two are (periods and kinds have no unpublished remainder)');

-- A suppressed total must not be recoverable as the sum of visible parts.
SELECT is_empty($$
    SELECT gtype, gid FROM attack
     GROUP BY gtype, gid
    HAVING bool_or(hidden) FILTER (WHERE role = 'total')
       AND NOT bool_or(hidden) FILTER (WHERE role = 'part')
       AND gtype IN ('quarter minus months', 'year minus quarters', 'all kinds minus kinds')$$,
    'a suppressed total always has a suppressed part (it cannot be summed up from visible parts)');

-- Overall minus per-question: "all statements" is additive in answers, which are not published;
-- a statement is never the only one suppressed under a visible "all statements".
SELECT is_empty($$
    SELECT level, team, worker, period, pstart FROM pub
     WHERE topic = 'scores' AND k = '*'
     GROUP BY level, team, worker, period, pstart
    HAVING NOT bool_or(hidden) FILTER (WHERE q = '*')
       AND count(*) FILTER (WHERE q <> '*' AND hidden) = 1$$,
    'overall minus per-question: never exactly one statement suppressed under a visible overall');
SELECT ok(NOT EXISTS (SELECT FROM information_schema.columns
                       WHERE table_schema = 'rbp' AND table_name LIKE 'report\_%' AND column_name IN ('answers', 'total', 'sum')),
          'the views publish no answer counts or score sums to subtract');

-- Team against the sum of workers, for means: a mean is shown only with its count, so the
-- suppressed workers'' sum of scores can only be recovered together, for more than 5 people.
SELECT is_empty($$SELECT FROM rbp.report_scores WHERE mean IS NOT NULL AND suppressed$$,
                'no mean without its count');

-- Shares: pct agreeing times n must not give 1 to 5 agreeing or not agreeing (per statement,
-- where answers are respondents).
SELECT is_empty($$
    SELECT level, team, worker, period, period_start, question, respondents, pct_agreeing
      FROM rbp.report_scores
     WHERE question IS NOT NULL AND pct_agreeing IS NOT NULL
       AND (round(pct_agreeing * respondents::int / 100.0) BETWEEN 1 AND 5
            OR respondents::int - round(pct_agreeing * respondents::int / 100.0) BETWEEN 1 AND 5)$$,
    'a shown share never reveals 1 to 5 agreeing or not agreeing');
SELECT is_empty($$
    SELECT t.topic FROM truth t
     WHERE t.topic = 'scores' AND NOT t.share_hidden
       AND (t.agreeing BETWEEN 1 AND 5 OR t.answers - t.agreeing BETWEEN 1 AND 5)$$,
    'and in truth no visible share rests on 1 to 5 answers either way');

-- Team against workers for shares: a shown percentage of a shown count bounds the agreeing count
-- (exactly, for small counts); where shares are suppressed, the total's bounds minus the visible
-- parts' must not pin the suppressed agreeing (or not agreeing) count to 1..5, nor to its value.
CREATE TEMP VIEW share_attack AS
WITH c AS (
    SELECT level, coalesce(team, '-') AS team, coalesce(worker, '-') AS worker, period, period_start AS pstart,
           question AS q, share_suppressed AS hidden, respondents,
           CASE WHEN NOT share_suppressed
                THEN greatest(0, ceil((pct_agreeing - 0.5) * respondents::int / 100.0)) END AS agree_lo,
           CASE WHEN NOT share_suppressed
                THEN least(respondents::int, floor((pct_agreeing + 0.5) * respondents::int / 100.0)) END AS agree_hi,
           CASE WHEN NOT share_suppressed THEN respondents::int END AS n
      FROM rbp.report_scores WHERE authority = 'test_la' AND question IS NOT NULL AND respondent_kind IS NULL
), m AS (
    SELECT 'team minus workers' AS gtype, concat_ws('|', team, period, pstart, q) AS gid, level = 'team' AS is_total, c.*
      FROM c WHERE level IN ('team', 'worker')
    UNION ALL
    SELECT 'authority minus teams', concat_ws('|', period, pstart, q), level = 'authority', c.* FROM c WHERE level IN ('authority', 'team')
    UNION ALL
    SELECT 'quarter minus months', concat_ws('|', level, team, worker, date_trunc('quarter', pstart)::date, q), period = 'quarter', c.*
      FROM c WHERE period IN ('month', 'quarter')
    UNION ALL
    SELECT 'year minus quarters', concat_ws('|', level, team, worker, date_trunc('year', pstart)::date, q), period = 'year', c.*
      FROM c WHERE period IN ('quarter', 'year')
), g AS (
    SELECT gtype, gid,
           max(agree_lo) FILTER (WHERE is_total) - coalesce(sum(agree_hi) FILTER (WHERE NOT is_total AND NOT hidden), 0) AS agree_lo,
           max(agree_hi) FILTER (WHERE is_total) - coalesce(sum(agree_lo) FILTER (WHERE NOT is_total AND NOT hidden), 0) AS agree_hi,
           -- not agreeing = n - agreeing, where the suppressed parts' n is known only when the counts are shown
           max(n - agree_hi) FILTER (WHERE is_total)
               - coalesce(sum(n - agree_lo) FILTER (WHERE NOT is_total AND NOT hidden), 0) AS disagree_lo,
           max(n - agree_lo) FILTER (WHERE is_total)
               - coalesce(sum(n - agree_hi) FILTER (WHERE NOT is_total AND NOT hidden), 0) AS disagree_hi,
           count(*) FILTER (WHERE NOT is_total AND hidden) AS hidden_parts,
           (array_agg(concat_ws('|', level, team, worker, period, pstart, q)) FILTER (WHERE NOT is_total AND hidden))[1] AS hidden_key
      FROM m GROUP BY gtype, gid
    HAVING NOT bool_or(hidden) FILTER (WHERE is_total) AND count(*) FILTER (WHERE NOT is_total AND hidden) > 0
)
SELECT * FROM g;

SELECT isnt_empty($$SELECT FROM share_attack$$, 'there are suppressed shares under visible totals to attack');
SELECT is_empty($$SELECT gtype, gid, agree_lo, agree_hi, disagree_lo, disagree_hi FROM share_attack
                   WHERE (agree_lo >= 1 AND agree_hi <= 5) OR (disagree_lo >= 1 AND disagree_hi <= 5)$$,
                'total share minus visible shares never pins 1 to 5 agreeing or not agreeing among the suppressed');
SELECT is_empty($$
    SELECT a.gtype, a.gid FROM share_attack a
      JOIN truth t ON concat_ws('|', t.level, t.team, t.worker, t.period, t.pstart, t.q) = a.hidden_key
       AND t.topic = 'scores' AND t.k = '*'
     WHERE a.hidden_parts = 1 AND a.agree_lo = a.agree_hi AND a.agree_lo = t.agreeing
       AND a.disagree_lo = a.disagree_hi AND a.disagree_lo = t.answers - t.agreeing$$,
    'total share minus visible shares never recovers a single suppressed share (agreeing and not agreeing)');

-- Counts against counts: the response count must not stand in for a suppressed number of
-- respondents (in this data everyone scored at least one statement), nor a theme count for a
-- suppressed response count.
SELECT is_empty($$
    SELECT s.level, s.team, s.worker, s.period, s.period_start, s.respondent_kind, r.responses
      FROM rbp.report_scores s
      JOIN rbp.report_responses r ON r.authority = s.authority AND r.level = s.level
       AND coalesce(r.team, '-') = coalesce(s.team, '-') AND coalesce(r.worker, '-') = coalesce(s.worker, '-')
       AND r.period = s.period AND r.period_start = s.period_start
       AND coalesce(r.respondent_kind::text, '*') = coalesce(s.respondent_kind::text, '*')
      JOIN truth t ON t.topic = 'scores' AND t.level = s.level AND t.team = coalesce(s.team, '-')
       AND t.worker = coalesce(s.worker, '-') AND t.period = s.period AND t.pstart = s.period_start
       AND t.q = '*' AND t.k = coalesce(s.respondent_kind::text, '*')
     WHERE s.authority = 'test_la' AND s.question IS NULL AND s.suppressed AND NOT r.responses_suppressed
       AND r.responses::bigint = t.n$$,
    'a visible response count never equals a suppressed number of respondents');
SELECT is_empty($$
    SELECT th.level, th.team, th.period, th.period_start FROM rbp.report_themes th
      JOIN rbp.report_responses r ON r.authority = th.authority AND r.level = th.level
       AND coalesce(r.team, '-') = coalesce(th.team, '-') AND r.period = th.period AND r.period_start = th.period_start
       AND r.respondent_kind IS NULL
     WHERE NOT th.suppressed AND r.responses_suppressed$$,
    'no theme count where the response count it could stand in for is suppressed');

-- Counts against rates.
SELECT is_empty($$SELECT FROM rbp.report_responses
                   WHERE response_rate_pct IS NOT NULL AND (responses_suppressed OR invitations_suppressed)$$,
                'no response rate where either count is suppressed (rate times invitations cannot give a suppressed count)');
SELECT isnt_empty($$SELECT FROM rbp.report_responses WHERE response_rate_pct IS NOT NULL$$,
                  'response rates are published where both counts are shown');

-- Anonymous responses never at worker level.
SELECT results_eq(
    $$SELECT worker, period_start, responses FROM rbp.report_responses
       WHERE authority = 'test_la' AND level = 'worker' AND period = 'quarter' AND respondent_kind IS NULL
         AND NOT responses_suppressed AND responses <> '0' ORDER BY 1, 2$$,
    $$SELECT t.worker, t.pstart, t.responses FROM truth_worker_quarter t
       WHERE EXISTS (SELECT FROM rbp.report_responses r WHERE r.authority = 'test_la' AND r.level = 'worker'
                        AND r.period = 'quarter' AND r.respondent_kind IS NULL AND NOT r.responses_suppressed
                        AND r.worker = t.worker AND r.period_start = t.pstart)
       ORDER BY 1, 2$$,
    'worker-level response counts are the named and worker-only responses only');
SELECT ok((SELECT sum(responses::int) FROM rbp.report_responses WHERE authority = 'test_la' AND level = 'team'
            AND team = 't1' AND period = 'year' AND respondent_kind IS NULL) >
          (SELECT sum(responses::int) FROM rbp.report_responses WHERE authority = 'test_la' AND level = 'worker'
            AND team = 't1' AND period = 'year' AND respondent_kind IS NULL AND NOT responses_suppressed),
          'anonymous responses do count at team level');
SELECT is_empty($$SELECT FROM rbp.report_themes WHERE level NOT IN ('authority', 'team')$$,
                'QA themes are never reported per worker');

-- Cells that are never published stay unpublished.
SELECT is_empty($$SELECT level FROM rbp.report_scores WHERE level NOT IN ('authority', 'team', 'worker')
                  UNION ALL SELECT level FROM rbp.report_responses WHERE level NOT IN ('authority', 'team', 'worker')
                  UNION ALL SELECT level FROM rbp.report_themes WHERE level NOT IN ('authority', 'team')$$,
                'responses without a worker or a team are never shown as cells of their own');

-- Only fixed, nested periods.
SELECT is_empty($$SELECT FROM pub WHERE pstart <> date_trunc(period, pstart)::date
                   OR period NOT IN ('month', 'quarter', 'year')$$,
                'only calendar months, quarters and years are published');

-- The threshold: not the report writer's.
SELECT throws_ok($$SELECT rbp.set_suppression_threshold(1)$$, '42501', NULL,
                 'the report writer cannot change the threshold');
SELECT throws_ok($$UPDATE rbp.setting SET value = 1$$, '42501', NULL, 'nor write the settings table');
SELECT throws_ok($$INSERT INTO rbp.setting VALUES ('suppression_threshold', 1)$$, '42501', NULL,
                 'nor insert a setting');
SET rbp.suppression_threshold = '1';
SELECT is(rbp.suppression_threshold(), 5, 'a session SET of a look-alike parameter changes nothing');
RESET rbp.suppression_threshold;
SELECT throws_ok($$SELECT rbp.publish_reports('2030-01-01')$$, '42501', NULL,
                 'the report writer cannot publish (or republish) reports');

-- No base tables, no statistics of base columns, no functions returning rows.
SELECT throws_ok($$SELECT count(*) FROM rbp.response$$, '42501', NULL, 'responses are refused');
SELECT throws_ok($$SELECT count(*) FROM rbp.answer$$, '42501', NULL, 'answers are refused');
SELECT throws_ok($$SELECT count(*) FROM rbp.invitation$$, '42501', NULL, 'invitations are refused');
SELECT throws_ok($$SELECT count(*) FROM rbp.report_cell$$, '42501', NULL, 'the unsuppressed report cells are refused');
SELECT throws_ok($$SELECT count(*) FROM rbp.report_publication$$, '42501', NULL, 'the publication log is refused');
SELECT is((SELECT count(*)::int FROM pg_stats WHERE schemaname = 'rbp'), 0,
          'pg_stats shows the report writer no column of the extension');
SELECT throws_ok($$SELECT count(*) FROM pg_statistic$$, '42501', NULL, 'pg_statistic is refused');
SELECT is_empty($$
    SELECT p.oid::regprocedure FROM pg_proc p JOIN pg_type t ON t.oid = p.prorettype
     WHERE p.pronamespace = 'rbp'::regnamespace
       AND (p.proretset OR t.typtype = 'c' OR p.prokind = 'p')
       -- an IMMUTABLE function reads no table (date arithmetic such as rbp.cadence_windows)
       AND p.provolatile <> 'i'
       AND has_function_privilege(p.oid, 'EXECUTE')$$,
    'the report writer can execute no function of the extension that returns rows');
SELECT is((SELECT array_agg(c.relname::text ORDER BY c.relname) FROM pg_class c
            WHERE c.relnamespace = 'rbp'::regnamespace AND has_table_privilege(c.oid, 'SELECT')),
          ARRAY['report_responses', 'report_scores', 'report_themes'],
          'the report views are all the report writer can read');
RESET ROLE;

-- The administrator: below the documented minimum is refused with 22023.
SET ROLE test_admin;
SELECT throws_ok($$SELECT rbp.set_suppression_threshold(4)$$, '22023', NULL,
                 'the administrator cannot set a threshold below the documented minimum of 5');
SELECT lives_ok($$SELECT rbp.set_suppression_threshold(7)$$, 'the administrator can raise it');
RESET ROLE;
SELECT is(rbp.suppression_threshold(), 7, 'and it is raised for everyone');

-- Published figures never change: a family withdrawing its name (its response leaves the
-- worker's figures and comes back later as anonymous) does not alter a published quarter.
CREATE TEMP TABLE before AS SELECT * FROM rbp.report_scores WHERE period_start = '2026-01-01';
DELETE FROM rbp.response WHERE response_id IN (SELECT response_id FROM fixture_response WHERE w = 1 AND m = 1 LIMIT 1);
SELECT is(rbp.publish_reports('2027-01-01'), 0, 'nothing is published twice');
SELECT results_eq($$SELECT * FROM rbp.report_scores WHERE period_start = '2026-01-01' ORDER BY 1,2,3,5,7,8,10,11,12$$,
                  $$SELECT * FROM before ORDER BY 1,2,3,5,7,8,10,11,12$$,
                  'a published quarter is not recomputed after a response leaves it');

SELECT * FROM finish();
ROLLBACK;
