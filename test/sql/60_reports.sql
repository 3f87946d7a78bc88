-- Reports and small-number suppression (guarantee G3), attacked as the report writer. The whole
-- publication of each authority and year is audited again here by interval propagation over every
-- relation a reader knows (rbp.report_bounds on the stored model); test/report_lp_audit.sh audits
-- it exactly with GLPK. Mutation checks made while writing this suite: with secondary suppression
-- off (report_protect(..., false)) test "primary suppression alone leaves ..." below shows narrow
-- counts and the whole-publication audit fails; with people counted per response instead of once,
-- the named-family test fails; without the late-feedback trigger, the late-feedback test fails.
BEGIN;
SET client_min_messages = warning;
CREATE EXTENSION feedback_rbp;
RESET client_min_messages;
SELECT plan(66);

\ir ../fixtures/reports_fixture.sql
\ir ../fixtures/reports_hard_fixture.sql

CREATE ROLE test_report_writer LOGIN IN ROLE rbp_report_writer;
CREATE ROLE test_admin IN ROLE rbp_admin;

-- A second authority whose feedback starts in May: its quarters and its year are published too.
INSERT INTO rbp.authority (code, name) VALUES ('late_la', 'Late Authority');
INSERT INTO rbp.team (authority_id, code, name) SELECT authority_id, 'lt', 'Late team' FROM rbp.authority WHERE code = 'late_la';
INSERT INTO rbp.staff (authority_id, staff_ref, display_name, team_id)
SELECT authority_id, 'LW1', 'Late worker', team_id FROM rbp.team WHERE code = 'lt';
INSERT INTO rbp.response (authority_id, instrument_id, respondent_kind, channel, anonymity, period, team_id, worker_id,
                          submitted_on, qa_status)
SELECT s.authority_id, (SELECT instrument_id FROM rbp.instrument WHERE code = 'parents_carers' AND rbp.is_current(instrument)),
       'parent', 'online', 'worker_only', '2025-05-01', s.team_id, s.staff_id, NULL, 'released'
  FROM rbp.staff s, generate_series(1, 7) WHERE s.staff_ref = 'LW1';
-- The report writer serves every authority of the suite (an administrator's mapping; unmapped, it reads nothing).
SELECT rbp.map_login('test_report_writer', 'report_writer', code) FROM rbp.authority \g /dev/null

-- The suppression core on a model small enough to read: team = a + b, shown 10, a = 3 suppressed.
SELECT is(rbp.report_bounds('{10,3,7}', '{f,t,f}', '{f,f,f}', '{1,1,1}', '{0,0,0}', '{1,1,1}', '{1,2,3}', '{-1,1,1}', '{t}'),
          '{{10,10},{3,3},{7,7}}'::bigint[], 'interval propagation: team minus b pins a at 3');
SELECT is(rbp.report_protect('{10,3,7}', '{f,t,f}', '{f,f,f}', '{1,1,1}', '{0,0,0}', '{1,1,1}', '{1,2,3}', '{-1,1,1}', '{t}',
                             '{t,t,t}', 3, true),
          '{0,1,1}'::smallint[], 'secondary suppression hides the smaller of b and the team');
SELECT is(rbp.report_protect('{10,3,7}', '{f,t,f}', '{t,f,t}', '{1,1,1}', '{0,0,0}', '{1,1,1}', '{1,2,3}', '{-1,1,1}', '{t}',
                             '{t,t,t}', 3, true),
          '{0,2,0}'::smallint[], 'with team and b published earlier (frozen), a is reported as unprotectable');
SELECT throws_ok($$SELECT rbp.report_protect('{1}', '{t}', '{f}', '{1}', '{0}', '{1}', '{1}', '{2}', '{t}', '{t}', 3, true)$$,
                 '22023', NULL, 'a malformed model is refused');
-- Two relations added together (found by the GLPK audit on random fixtures, seed 0.0936): the
-- authority A = 30 = team 1 + team 2 + no team, and the same two teams S = 29 = team 1 + team 2 in
-- another table. No single relation pins "no team" (propagation alone gives [0, 28]); their
-- difference does: no team = 30 - 29 = 1. With linear_fixed removed from src/suppress.c (checked
-- by hand) both tests below fail.
SELECT is(rbp.report_bounds('{30,13,16,1,29}', '{f,t,t,t,f}', '{f,f,f,f,f}', '{1,1,1,0,1}', '{0,0,0,0,0}',
                            '{1,1,1,1,2,2,2}', '{1,2,3,4,5,2,3}', '{-1,1,1,1,-1,1,1}', '{t,t}'),
          '{{30,30},{1,28},{1,28},{1,1},{29,29}}'::bigint[],
          'the audit adds relations together: authority minus the two teams'' other total pins "no team" at 1');
SELECT is(rbp.report_protect('{30,13,16,1,29}', '{f,t,t,t,f}', '{f,f,f,f,f}', '{1,1,1,0,1}', '{0,0,0,0,0}',
                             '{1,1,1,1,2,2,2}', '{1,2,3,4,5,2,3}', '{-1,1,1,1,-1,1,1}', '{t,t}', '{t,t,t,t,t}', 3, true),
          '{1,1,1,1,0}'::smallint[], 'so secondary suppression hides the authority''s count for it');
-- A sum that only relations added together give (found by the GLPK audit, seed 0.6666 with 5
-- random authorities, as a sum of 12 relations): A 12 = t1 + g + h, and g + h = t2 + s with s 9
-- shown; so t1 + t2 = 3 and each of them (at least 1) is 1 or 2, while propagation over the two
-- relations alone leaves t1 up to 11. The pairs of linear_audit and the rows of its reduced form
-- each find it: with both off in src/suppress.c (checked by hand) both tests fail. The three-term
-- sum after them is found only by the reduced form's rows (with those off, checked by hand, it
-- fails); a pair the reduced form misses was the case of seed 0.5656 with 5 authorities (the exact
-- audit fails on it with the pairs off).
SELECT is(rbp.report_bounds('{12,1,5,6,9,2}', '{f,t,t,t,f,t}', '{f,f,f,f,f,f}', '{1,1,0,0,1,1}', '{0,0,0,0,0,0}',
                            '{1,1,1,1,2,2,2,2}', '{1,2,3,4,3,4,6,5}', '{-1,1,1,1,1,1,-1,-1}', '{t,t}'),
          '{{12,12},{1,2},{0,11},{0,11},{9,9},{1,2}}'::bigint[],
          'the audit derives t1 + t2 = 3 from two relations: each is 1 or 2');
SELECT is(rbp.report_protect('{12,1,5,6,9,2}', '{f,t,t,t,f,t}', '{f,f,f,f,f,f}', '{1,1,0,0,1,1}', '{0,0,0,0,0,0}',
                             '{1,1,1,1,2,2,2,2}', '{1,2,3,4,3,4,6,5}', '{-1,1,1,1,1,1,-1,-1}', '{t,t}', '{t,t,t,t,t,t}', 3, true),
          '{1,1,1,1,1,1}'::smallint[], 'so secondary suppression hides both totals for them');
SELECT is(rbp.report_bounds('{13,1,1,5,6,9,2}', '{f,t,t,t,t,f,t}', '{f,f,f,f,f,f,f}', '{1,1,1,0,0,1,1}', '{0,0,0,0,0,0,0}',
                            '{1,1,1,1,1,2,2,2,2}', '{1,2,3,4,5,4,5,7,6}', '{-1,1,1,1,1,1,1,-1,-1}', '{t,t}'),
          '{{13,13},{1,2},{1,2},{0,11},{0,11},{9,9},{1,2}}'::bigint[],
          'the audit derives t1 + t2 + t3 = 4 (A 13 = t1 + t2 + g + h, g + h = t3 + 9): each is 1 or 2');
-- An inequality added to an equality (found by the GLPK audit, seed 0.0101 with 5 authorities:
-- "the year's people are at least the quarter's" with "the kinds add up"): A 12 = t1 + g + h and
-- g + h >= t2 + 9 give t1 + t2 <= 3. read_model writes the inequality with a slack of its own, so
-- the linear algebra sees it; with the slacks off in src/suppress.c (checked by hand) this fails.
SELECT is(rbp.report_bounds('{12,1,5,6,9,2}', '{f,t,t,t,f,t}', '{f,f,f,f,f,f}', '{1,1,0,0,1,1}', '{0,0,0,0,0,0}',
                            '{1,1,1,1,2,2,2,2}', '{1,2,3,4,3,4,6,5}', '{-1,1,1,1,1,1,-1,-1}', '{t,f}'),
          '{{12,12},{1,2},{0,11},{0,11},{9,9},{1,2}}'::bigint[],
          'the audit adds an inequality to an equality: t1 + t2 <= 3, each is 1 or 2');
-- An inequality alone: a year's people (2, shown) are at least those of one of its quarters (c, so
-- 1 or 2). With the inequalities ignored by propagation (checked by hand) the quarter is unbounded
-- and this test fails.
SELECT is(rbp.report_bounds('{2,1,2}', '{f,t,f}', '{f,f,f}', '{1,1,1}', '{0,0,0}', '{1,1}', '{1,2}', '{1,-1}', '{f}'),
          '{{2,2},{1,2},{2,2}}'::bigint[], 'interval propagation uses inequalities: the year''s 2 people bound its quarter to 1 or 2');

-- Arguments refused before anything is published.
SELECT throws_ok($$SELECT * FROM rbp.publish_reports_rows(current_date + 1)$$, '22023', NULL,
                 'a future as-of day is refused (it would freeze an open quarter)');
SELECT throws_ok($$SELECT * FROM rbp.publish_reports_rows('2026-01-01', 'nowhere')$$, '22023', NULL,
                 'an unknown authority is refused');
SELECT throws_ok($$SELECT rbp.report_publish_due((SELECT authority_id FROM rbp.authority WHERE code = 'test_la'), 'quarter', '2025-02-01', '2026-01-01')$$,
                 '22023', NULL, 'a period that is not a quarter is refused');

-- The reporting year: the administrator's, before any year is published.
SET ROLE test_admin;
SELECT throws_ok($$SELECT rbp.set_year_start_month('late_la', 3)$$, '22023', NULL, 'a year starts in month 1, 4, 7 or 10');
SELECT lives_ok($$SELECT rbp.set_year_start_month('late_la', 1)$$, 'the administrator sets the reporting year');
RESET ROLE;
SET client_min_messages = warning;

-- One authority at a time, then all: a row per period.
SELECT is((SELECT count(*)::int FROM rbp.publish_reports_rows('2026-01-01', 'late_la')), 5,
          'late_la alone: its four quarters of 2025 and the year, one row each');
CREATE TEMP TABLE run AS SELECT * FROM rbp.publish_reports_rows('2026-01-01');
SELECT is((SELECT count(*)::int FROM run WHERE authority_id = (SELECT authority_id FROM rbp.authority WHERE code = 'test_la')), 5,
          'test_la: four quarters and the year 2025');
SELECT set_eq($$SELECT period_kind, period_start FROM run WHERE authority_id = (SELECT authority_id FROM rbp.authority WHERE code = 'hard_la')
                 AND period_start < '2025-04-01'$$,
              $$VALUES ('quarter', '2024-04-01'::date), ('quarter', '2024-07-01'), ('quarter', '2024-10-01'),
                       ('quarter', '2025-01-01'), ('year', '2024-04-01')$$,
              'hard_la, whose year starts in April: its financial-year quarters and the year 2024-25');
SELECT is((SELECT count(*)::int FROM rbp.report_publication WHERE status <> 'published' OR unresolved <> 0), 0,
          'every period could be protected: none refused');
SELECT is((SELECT count(*)::int FROM rbp.publish_reports_rows('2026-01-01')), 0, 'nothing is published twice');

-- The whole publication, audited again over the stored cells of each year (with its quarters and
-- months), every relation at once: every suppressed count keeps at least three possible values.
CREATE FUNCTION pg_temp.narrow_counts(p_authority_id integer, p_kind text, p_start date, p_stored boolean,
                                      p_secondary boolean DEFAULT true)
    RETURNS TABLE (what text, value bigint, lo bigint, hi bigint) LANGUAGE plpgsql AS $f$
BEGIN
    PERFORM rbp.report_load_model(p_authority_id, p_kind, p_start, p_stored, 5);
    IF NOT p_stored THEN
        PERFORM rbp.report_run_protect(p_secondary);
    END IF;
    RETURN QUERY
    WITH rel AS (SELECT rel_key, dense_rank() OVER (ORDER BY rel_key)::int AS rel_no, bool_and(eq) OVER (PARTITION BY rel_key) AS eq,
                        var_no, coef FROM pg_temp.report_run_term),
         v AS (SELECT array_agg(x.value ORDER BY var_no) AS value, array_agg(hidden ORDER BY var_no) AS hidden,
                      array_agg(frozen ORDER BY var_no) AS frozen, array_agg(lower ORDER BY var_no) AS lower,
                      array_agg(owner ORDER BY var_no) AS owner FROM pg_temp.report_run_var x),
         t AS (SELECT array_agg(rel_no ORDER BY rel_no, var_no) AS rel, array_agg(var_no ORDER BY rel_no, var_no) AS var,
                      array_agg(coef ORDER BY rel_no, var_no) AS coef FROM rel),
         r AS (SELECT array_agg(y.eq ORDER BY rel_no) AS eq FROM (SELECT DISTINCT rel_no, rel.eq FROM rel) y),
         b AS (SELECT rbp.report_bounds(v.value, v.hidden, v.frozen, v.lower, v.owner, t.rel, t.var, t.coef, r.eq) AS b FROM v, t, r)
    SELECT concat_ws('/', c.topic, c.level, c.team_id, c.worker_id, c.period_kind, c.period_start, c.question_id, 'point ' || x.point),
           x.value, b.b[x.var_no][1], b.b[x.var_no][2]
      FROM pg_temp.report_run_var x JOIN pg_temp.report_run_cell c USING (cell_no), b
     WHERE x.hidden AND x.demand AND b.b[x.var_no][2] - b.b[x.var_no][1] < 2;
    DELETE FROM pg_temp.report_run_cell; DELETE FROM pg_temp.report_run_var;
    DELETE FROM pg_temp.report_run_term; DELETE FROM pg_temp.report_run_aux;
END
$f$;
SELECT is_empty($$SELECT n.* FROM rbp.report_publication p,
                   LATERAL pg_temp.narrow_counts(p.authority_id, p.period_kind, p.period_start, true) n
                  WHERE p.period_kind = 'year'$$,
                'the whole publication of each authority and year (year, quarters, months, every topic): no suppressed count narrower than three values');
SELECT isnt_empty($$SELECT n.* FROM pg_temp.narrow_counts((SELECT authority_id FROM rbp.authority WHERE code = 'hard_la'),
                                                     'quarter', '2024-04-01', false, false) n$$,
                  'primary suppression alone leaves counts a reader can narrow to fewer than three values (the audit can fail)');

-- What the report writer reads.
CREATE TEMP TABLE writer_ids AS
SELECT DISTINCT authority_id FROM rbp.login_authority WHERE login = 'test_report_writer'::regrole AND kind = 'report_writer';
GRANT SELECT ON writer_ids TO PUBLIC;
SET ROLE test_report_writer;
CREATE TEMP TABLE pub AS
SELECT 'scores' AS topic, authority, level, period, period_start, respondents AS val, respondents_n AS n, suppressed
  FROM rbp.report_scores
UNION ALL SELECT 'responses', authority, level, period, period_start, responses, responses_n, responses_suppressed FROM rbp.report_responses
UNION ALL SELECT 'invitations', authority, level, period, period_start, invitations, invitations_n, invitations_suppressed FROM rbp.report_responses
UNION ALL SELECT 'themes', authority, level, period, period_start, responses, responses_n, suppressed FROM rbp.report_themes
UNION ALL SELECT 'points', authority, level, period, period_start, answers, answers_n, suppressed FROM rbp.report_points;
SELECT isnt_empty($$SELECT FROM pub WHERE suppressed$$, 'the report writer sees suppressed cells');
SELECT is_empty($$SELECT FROM pub WHERE suppressed <> (val = 'c')$$, 'a suppressed count reads c, and only a suppressed one');
SELECT is_empty($$SELECT FROM pub WHERE (n IS NULL) <> suppressed OR n::text <> val$$,
                'the integer column is the count where shown and NULL where suppressed');
SELECT is_empty($$SELECT FROM pub WHERE topic <> 'points' AND NOT suppressed AND n BETWEEN 1 AND 5$$,
                'no count of people from 1 to 5 is shown');
SELECT is_empty($$SELECT FROM rbp.report_points p WHERE NOT suppressed AND answers_n BETWEEN 1 AND 5$$,
                'no count of 1 to 5 at a point is shown either');
SELECT is_empty($$SELECT FROM rbp.report_scores WHERE (mean IS NOT NULL OR median IS NOT NULL OR pct_agreeing IS NOT NULL)
                    AND (suppressed OR share_suppressed)$$,
                'means, medians and shares only where nothing they are computed from is suppressed');
SELECT is_empty($$
    SELECT s.authority, s.level, s.team, s.worker, s.period, s.period_start, s.question
      FROM rbp.report_scores s
      JOIN rbp.report_points p USING (authority, level, period, period_start, instrument, question)
     WHERE s.mean IS NOT NULL AND p.team IS NOT DISTINCT FROM s.team AND p.worker IS NOT DISTINCT FROM s.worker
     GROUP BY 1, 2, 3, 4, 5, 6, 7, s.respondents_n, s.mean
    HAVING bool_or(p.suppressed) OR sum(p.answers_n) <> s.respondents_n
        OR round(sum(p.point * p.answers_n)::numeric / sum(p.answers_n), 1) <> s.mean$$,
    'a statement''s mean is exactly what its shown points give (its rounding adds nothing)');
SELECT isnt_empty($$SELECT FROM rbp.report_scores WHERE question IS NOT NULL AND mean IS NOT NULL$$,
                  'means are published where the points are');
SELECT is_empty($$SELECT FROM rbp.report_points WHERE share_pct IS NOT NULL AND suppressed$$,
                'no share of a suppressed point');
SELECT is_empty($$SELECT FROM rbp.report_scores WHERE level = 'worker' AND period <> 'quarter'
                  UNION ALL SELECT FROM rbp.report_scores WHERE period IN ('month', 'year') AND level <> 'authority'
                  UNION ALL SELECT FROM rbp.report_responses WHERE period IN ('month', 'year') AND level <> 'authority'
                  UNION ALL SELECT FROM rbp.report_themes WHERE period IN ('month', 'year') AND level <> 'authority'
                  UNION ALL SELECT FROM rbp.report_scores WHERE respondent_kind IS NOT NULL AND level <> 'authority'$$,
                'teams and workers by quarter only; months, years and respondent kinds at authority level only');
SELECT is_empty($$SELECT FROM rbp.report_themes WHERE level NOT IN ('authority', 'team')$$, 'QA themes are never reported per worker');

-- Unanimity: the unanimous team answered 5 to everything; under its visible total, no worker's
-- distribution is shown unless it has more than 5 people at 5 and is known anyway.
SELECT is_empty($$SELECT FROM rbp.report_points WHERE authority = 'hard_la' AND worker IN ('H4', 'H5')
                    AND NOT suppressed AND point = 5 AND answers_n BETWEEN 1 AND 5$$,
                'no unanimous small worker shows their answers');

-- Labels for the financial year.
SELECT set_eq($$SELECT DISTINCT period, period_label, fy_label FROM rbp.report_responses
                 WHERE authority = 'hard_la' AND period_start BETWEEN '2024-04-01' AND '2024-05-01'$$,
              $$VALUES ('quarter', '2024-Q2', '2024-25 Q1'), ('year', '2024-25', '2024-25'),
                       ('month', '2024-04', '2024-25 M01'), ('month', '2024-05', '2024-25 M02')$$,
              'an April year: 2024-Q2 is 2024-25 Q1, the year is 2024-25');
SELECT set_eq($$SELECT DISTINCT period_label, fy_label FROM rbp.report_responses WHERE authority = 'test_la' AND period <> 'month'$$,
              $$VALUES ('2025-Q1', '2025 Q1'), ('2025-Q2', '2025 Q2'), ('2025-Q3', '2025 Q3'), ('2025-Q4', '2025 Q4'), ('2025', '2025')$$,
              'a calendar year: the same quarters under both labels');

SELECT is_empty($$SELECT FROM rbp.report_responses WHERE response_rate_pct IS NOT NULL AND (responses_suppressed OR invitations_suppressed)$$,
                'no response rate where either count is suppressed');

-- Privileges: the views, nothing else.
SELECT is((SELECT array_agg(c.relname::text ORDER BY c.relname) FROM pg_class c
            WHERE c.relnamespace = 'rbp'::regnamespace AND has_table_privilege(c.oid, 'SELECT')),
          ARRAY['report_points', 'report_responses', 'report_scores', 'report_statements', 'report_themes'],
          'the report views are all the report writer can read');
SELECT throws_ok($$SELECT count(*) FROM rbp.report_cell$$, '42501', NULL, 'the unsuppressed report cells are refused');
SELECT throws_ok($$SELECT count(*) FROM rbp.report_unpublished$$, '42501', NULL, 'the never-published parts are refused');
SELECT throws_ok($$SELECT count(*) FROM rbp.report_publication$$, '42501', NULL, 'the publication log is refused');
SELECT throws_ok($$SELECT * FROM rbp.publish_reports_rows('2026-01-01')$$, '42501', NULL, 'the report writer cannot publish');
-- One exception, which returns no data: the ids of the authorities the login is mapped to, as a set
-- (the report views join it; issue 18). It returns exactly those.
SELECT is_empty($$
    SELECT p.oid::regprocedure FROM pg_proc p JOIN pg_type t ON t.oid = p.prorettype
     WHERE p.pronamespace = 'rbp'::regnamespace
       AND (p.proretset OR t.typtype = 'c' OR p.prokind = 'p')
       AND p.provolatile <> 'i'
       AND p.oid <> 'rbp.report_authority_ids()'::regprocedure
       AND has_function_privilege(p.oid, 'EXECUTE')$$,
    'the report writer can execute no function of the extension that returns rows but rbp.report_authority_ids()');
SELECT bag_eq($$SELECT * FROM rbp.report_authority_ids()$$,
              $$SELECT authority_id FROM writer_ids$$,
              'which returns the ids of the authorities the login is mapped to as report writer, each once');
SELECT throws_ok($$SELECT rbp.set_suppression_threshold(1)$$, '42501', NULL, 'the report writer cannot change the threshold');
SELECT is((SELECT count(*)::int FROM pg_stats WHERE schemaname = 'rbp'), 0, 'pg_stats shows the report writer no column of the extension');
-- EXPLAIN ANALYZE counts rows: what it reads for a view are published cells only.
CREATE TEMP TABLE plan_json (view text, p jsonb);
DO $$
DECLARE v text; j json;
BEGIN
    FOREACH v IN ARRAY ARRAY['report_scores', 'report_points', 'report_responses', 'report_themes'] LOOP
        EXECUTE format('EXPLAIN (ANALYZE, FORMAT JSON) SELECT * FROM rbp.%I', v) INTO j;
        INSERT INTO plan_json VALUES (v, j::jsonb);
    END LOOP;
END
$$;
RESET ROLE;

-- No plan lets a report writer count another authority's cells (red-team review of issue 18): the
-- views join the reader's authorities for the planner's sake, and a join condition is checked above
-- the scan of the cells, where the reader's own leakproof conditions are pushed down; with nested
-- loops and index scans off, EXPLAIN ANALYZE showed every authority's matching cells leaving the scan.
-- The filter each view keeps on the scan stops that. Checked as a writer of one authority, under the
-- default plan and two forced ones: no scan of rbp.report_cell returns more rows than that
-- authority has cells (seen failing with the scan filter removed from the views).
CREATE ROLE t_rw_one LOGIN IN ROLE rbp_report_writer;
SELECT rbp.map_login('t_rw_one', 'report_writer', 'test_la') \g /dev/null
CREATE FUNCTION pg_temp.cells_scanned(p_view text, p_settings text[]) RETURNS numeric LANGUAGE plpgsql AS $$
DECLARE
    v_plan jsonb;
    v_setting text;
BEGIN
    FOREACH v_setting IN ARRAY p_settings LOOP
        PERFORM set_config(v_setting, 'off', true);
    END LOOP;
    PERFORM set_config('role', 't_rw_one', true);
    EXECUTE format('EXPLAIN (ANALYZE, TIMING OFF, FORMAT JSON) SELECT * FROM %s', p_view) INTO v_plan;
    PERFORM set_config('role', 'none', true);
    FOREACH v_setting IN ARRAY p_settings LOOP
        PERFORM set_config(v_setting, 'on', true);
    END LOOP;
    RETURN (SELECT coalesce(sum((n ->> 'Actual Rows')::numeric * (n ->> 'Actual Loops')::numeric), 0)
              FROM jsonb_path_query(v_plan, 'strict $.** ? (@."Relation Name" == "report_cell")') n);
END
$$;
SELECT is_empty($q$
    SELECT v.view, s FROM (VALUES ('rbp.report_scores', '{scores}'::text[]), ('rbp.report_points', '{scores}'),
                                  ('rbp.report_responses', '{responses,invitations}'), ('rbp.report_themes', '{themes}')) v(view, topics),
           unnest(ARRAY['{}', '{enable_nestloop}', '{enable_nestloop,enable_indexscan,enable_bitmapscan}']::text[]) s
     WHERE pg_temp.cells_scanned(v.view, s::text[])
           > (SELECT count(*) FROM rbp.report_cell c JOIN rbp.authority a USING (authority_id)
               WHERE a.code = 'test_la' AND c.topic = ANY (v.topics)) $q$,
    'under any plan, no scan of the cells under a report view returns another authority''s cells to a writer of one authority');
SELECT cmp_ok((SELECT count(*) FROM rbp.report_cell WHERE authority_id <> (SELECT authority_id FROM rbp.authority WHERE code = 'test_la')),
              '>', 0::bigint, 'and other authorities have published cells to leak');

-- The administrator reads the record of what was published (no feedback values).
SET ROLE test_admin;
SELECT is((SELECT count(*)::int FROM rbp.report_publication WHERE status = 'published'), 18,
          'the administrator reads the publication log: one row per period');
SELECT is((SELECT count(*)::int FROM rbp.report_unprotected), 0, 'and the record of what could not be protected (empty)');
SELECT throws_ok($$SELECT rbp.set_suppression_threshold(4)$$, '22023', NULL,
                 'the administrator cannot set a threshold below the documented minimum of 5');
SELECT throws_ok($$SELECT rbp.set_year_start_month('hard_la', 1)$$, '55000', NULL,
                 'nor change a reporting year once years are published');
RESET ROLE;

-- The statements as reports name them.
SELECT results_eq($$SELECT question, wording IS NOT NULL, scale_points, point_labels[1], point_labels[5]
                      FROM rbp.report_statements WHERE instrument = 'parents_carers' AND is_current ORDER BY position$$,
                  $$SELECT code, true, 5, 'strongly disagree', 'strongly agree' FROM rbp.question
                     WHERE kind = 'scale' AND instrument_id = (SELECT instrument_id FROM rbp.instrument WHERE code = 'parents_carers' AND rbp.is_current(instrument))
                     ORDER BY position$$,
                  'report_statements: every scored statement with its wording and point labels');
-- Never-published parts are not in the table the views read (so no plan counts them).
SELECT is_empty($$
    SELECT j.view FROM plan_json j, jsonb_path_query(j.p, 'strict $.**?(exists(@."Relation Name"))') n
     GROUP BY j.view
    HAVING bool_or(n ->> 'Relation Name' = 'report_unpublished')
        OR sum(CASE WHEN n ->> 'Relation Name' = 'report_cell'
                    THEN ((n ->> 'Actual Rows')::bigint + coalesce((n ->> 'Rows Removed by Filter')::bigint, 0))
                         * (n ->> 'Actual Loops')::bigint END) > (SELECT count(*) FROM rbp.report_cell)$$,
    'EXPLAIN ANALYZE of each view, as the report writer, reads published cells only');
SELECT is((SELECT count(*)::int FROM rbp.report_cell WHERE level NOT IN ('authority', 'team', 'worker')), 0,
          'report_cell holds published cells only');
SELECT isnt_empty($$SELECT FROM rbp.report_unpublished$$, 'the unpublished parts are kept apart, for later audits');

-- People, not responses: the named family answered twice in May 2024 (for workers H1 and H2).
SELECT is((SELECT n FROM rbp.report_cell c JOIN rbp.authority a USING (authority_id)
            WHERE a.code = 'hard_la' AND c.topic = 'responses' AND c.level = 'authority' AND c.period_kind = 'quarter'
              AND c.period_start = '2024-04-01' AND c.respondent_kind IS NULL),
          (SELECT count(*) FILTER (WHERE anonymity::text <> 'named') + count(DISTINCT respondent_id)
             FROM rbp.response WHERE authority_id = (SELECT authority_id FROM rbp.authority WHERE code = 'hard_la')
              AND period >= '2024-04-01' AND period < '2024-07-01'),
          'a named respondent answering twice in a quarter counts once; every worker-only and anonymous response once (they cannot be linked)');
SELECT is((SELECT sum(n)::int FROM rbp.report_cell c JOIN rbp.staff s ON s.staff_id = c.worker_id
            WHERE s.staff_ref IN ('H1', 'H2') AND c.topic = 'responses' AND c.period_kind = 'quarter'
              AND c.period_start = '2024-04-01'),
          (SELECT count(*)::int FROM rbp.response r JOIN rbp.staff s ON s.staff_id = r.worker_id
            WHERE s.staff_ref IN ('H1', 'H2') AND r.period >= '2024-04-01' AND r.period < '2024-07-01') - 1,
          '... where they last answered (so workers still add up to their team)');

-- Late feedback counts in the first period not yet published.
INSERT INTO rbp.response (authority_id, instrument_id, respondent_kind, channel, anonymity, period, team_id, worker_id,
                          submitted_on, qa_status)
SELECT s.authority_id, (SELECT instrument_id FROM rbp.instrument WHERE code = 'parents_carers' AND rbp.is_current(instrument)),
       'parent', 'interview_practitioner', 'worker_only', '2025-02-01', s.team_id, s.staff_id, NULL, 'released'
  FROM rbp.staff s WHERE s.staff_ref = 'W1';
SELECT is((SELECT period FROM rbp.response r JOIN rbp.staff s ON s.staff_id = r.worker_id
            WHERE s.staff_ref = 'W1' AND r.channel::text = 'interview_practitioner'), '2026-01-01'::date,
          'a response for an already published quarter counts in the first month after it');

-- The threshold and published figures.
SET rbp.suppression_threshold = '1';
SELECT is(rbp.suppression_threshold(), 5, 'a session SET of a look-alike parameter changes nothing');
RESET rbp.suppression_threshold;
CREATE TEMP TABLE before AS SELECT * FROM rbp.report_scores WHERE period_start = '2025-01-01';
DELETE FROM rbp.response WHERE response_id IN (SELECT response_id FROM fixture_response WHERE w = 1 AND m = 1 LIMIT 1);
SELECT is((SELECT count(*)::int FROM rbp.publish_reports_rows('2026-01-01')), 0, 'nothing is republished after a change');
SELECT results_eq($$SELECT * FROM rbp.report_scores WHERE period_start = '2025-01-01' ORDER BY 1,2,3,5,7,8,11,12,13$$,
                  $$SELECT * FROM before ORDER BY 1,2,3,5,7,8,11,12,13$$,
                  'a published quarter is not recomputed after a response leaves it');

-- A period that cannot be protected is refused: quarters published (by a test hook) with primary
-- suppression only leave a small worker pinned, which nothing in their year can unpin.
INSERT INTO rbp.authority (code, name) VALUES ('ref_la', 'Refused Authority');
INSERT INTO rbp.team (authority_id, code, name) SELECT authority_id, 'rt', 'Refused team' FROM rbp.authority WHERE code = 'ref_la';
INSERT INTO rbp.staff (authority_id, staff_ref, display_name, team_id)
SELECT authority_id, w, 'Refused worker ' || w, team_id FROM rbp.team, unnest(ARRAY['RW1', 'RW2']) w WHERE code = 'rt';
INSERT INTO rbp.response (authority_id, instrument_id, respondent_kind, channel, anonymity, period, team_id, worker_id, qa_status)
SELECT s.authority_id, (SELECT instrument_id FROM rbp.instrument WHERE code = 'parents_carers' AND rbp.is_current(instrument)),
       'parent', 'online', 'worker_only', '2025-02-01', s.team_id, s.staff_id, 'released'
  FROM rbp.staff s CROSS JOIN LATERAL generate_series(1, CASE s.staff_ref WHEN 'RW1' THEN 3 ELSE 10 END) k
 WHERE s.staff_ref IN ('RW1', 'RW2');
SELECT rbp.report_publish_period(authority_id, 'quarter', q::date, '2026-01-01', false)
  FROM rbp.authority, generate_series('2025-01-01'::date, '2025-10-01', interval '3 months') q WHERE code = 'ref_la';
SELECT results_eq($$SELECT period_kind, status FROM rbp.publish_reports_rows('2026-01-01', 'ref_la')$$,
                  $$VALUES ('year', 'refused')$$,
                  'the year over quarters that leave a count pinned is refused (with a WARNING), not published');
SELECT isnt_empty($$SELECT FROM rbp.report_unprotected u JOIN rbp.authority a USING (authority_id) WHERE a.code = 'ref_la'$$,
                  'and the counts it could not protect are recorded for the administrator');
SELECT is_empty($$SELECT FROM rbp.report_cell c JOIN rbp.authority a USING (authority_id) WHERE a.code = 'ref_la' AND c.period_kind = 'year'$$,
                'nothing of the refused year is shown');

SELECT * FROM finish();
ROLLBACK;
