-- make demo, chapter 60: reports with small numbers suppressed, as a report writer sees them.
-- Builds on chapter 20 (Brighton & Hove, team fst_north, Sam and Jo).
\set ON_ERROR_STOP 1
\pset border 2
SET client_min_messages = warning;
SET search_path = public, rbp;

\echo
\echo '== 60. Reports: twenty more families (of Sam, Jo and Kim, new in the team) give feedback between April and June =='
CREATE ROLE demo_reporter LOGIN IN ROLE rbp_report_writer;
SET ROLE demo_case_system;
-- A third worker, Kim, joins the team in April and works with three of the families.
SELECT rbp.register_staff('brighton_hove', 'SW003', 'Kim Novak', 'fst_north');
SELECT rbp.register_supervision('brighton_hove', 'SW003', 'SUP01', '2026-04-01');
SELECT count(rbp.register_respondent('brighton_hove', format('FAMQ2_%s', i), format('PQ2_%s', i), 'parent')) AS parents_registered,
       count(rbp.open_involvement('brighton_hove', format('INVQ2_%s', i), format('FAMQ2_%s', i), 'fst_north', '2026-04-01')) AS involvements,
       count(rbp.allocate_worker('brighton_hove', format('INVQ2_%s', i), CASE WHEN i > 17 THEN 'SW003' WHEN i % 2 = 1 THEN 'SW001' ELSE 'SW002' END, '2026-04-01')) AS allocations
  FROM generate_series(1, 20) AS i;
CREATE TEMP TABLE demo_q2_token (i integer PRIMARY KEY, token text NOT NULL);
GRANT ALL ON demo_q2_token TO PUBLIC;
INSERT INTO demo_q2_token
SELECT i, rbp.issue_invitation('brighton_hove', format('INVQ2_%s', i), format('PQ2_%s', i), 'text_message', 3650, '2026-04-06')
  FROM generate_series(1, 20) AS i;
RESET ROLE;

-- Scores mostly 3 to 5, a 2 now and then; statement j skipped by family i when (i + j) % 5 = 0.
SET ROLE demo_survey;
SELECT count(*) AS responses_submitted FROM (
    SELECT rbp.submit_response(t.token, CASE WHEN t.i % 3 = 0 THEN 'named' ELSE 'worker_only' END::rbp.anonymity,
                               jsonb_strip_nulls(jsonb_build_object(
                                   'q2_understands_family',     CASE WHEN (t.i + 1) % 5 <> 0 THEN CASE WHEN (t.i * 1) % 7 = 0 THEN 2 ELSE 3 + (t.i + 1) % 3 END END,
                                   'q2_builds_relationships',   CASE WHEN (t.i + 2) % 5 <> 0 THEN CASE WHEN (t.i * 2) % 7 = 0 THEN 2 ELSE 3 + (t.i + 2) % 3 END END,
                                   'q2_trust',                  CASE WHEN (t.i + 3) % 5 <> 0 THEN CASE WHEN (t.i * 3) % 7 = 0 THEN 2 ELSE 3 + (t.i + 3) % 3 END END,
                                   'q2_sensitive_professional', CASE WHEN (t.i + 4) % 5 <> 0 THEN CASE WHEN (t.i * 4) % 7 = 0 THEN 2 ELSE 3 + (t.i + 4) % 3 END END,
                                   'q2_works_alongside',        CASE WHEN (t.i + 5) % 5 <> 0 THEN CASE WHEN (t.i * 5) % 7 = 0 THEN 2 ELSE 3 + (t.i + 5) % 3 END END)),
                               'online', false, make_date(2026, 4 + t.i % 3, 10 + t.i))
      FROM demo_q2_token t) s;
RESET ROLE;
\echo 'Worker-only answers are held; the nightly release at the end of June lets out those of Sam and Jo, whose'
\echo 'families used five or more invitations that no named response explains. Kim''s two stay held: among three'
\echo 'families (one named) they could not hide (doc/threat-model.md).'
SET ROLE demo_case_system;
SELECT rbp.release_held_feedback('2026-06-30') AS nightly_release;
RESET ROLE;

\echo
\echo '== The administrator publishes the closed quarters (here: as of 1 July 2026), one commit per period =='
SET ROLE demo_admin;
-- Brighton & Hove reports by the April financial year (set before any year is published).
SELECT rbp.set_year_start_month('brighton_hove', 4);
SELECT rbp.suppression_threshold() AS threshold;
SET client_min_messages = notice;
CALL rbp.publish_reports('2026-07-01', 'brighton_hove');
SET client_min_messages = warning;
\echo 'The record of what was published (one row per period; readable by the administrator and QA):'
SELECT a.code AS authority, p.period_kind, p.period_start, p.status, p.cells, p.hidden_cells, p.unresolved
  FROM rbp.report_publication p JOIN rbp.authority a USING (authority_id) ORDER BY 1, 3;
RESET ROLE;
\echo 'The audit re-run on what was published for Q2 (every relation a reader knows, all at once):'
BEGIN;
SELECT rbp.report_load_model(authority_id, 'quarter', '2026-04-01', true, rbp.suppression_threshold()) AS model_loaded
  FROM rbp.authority WHERE code = 'brighton_hove';
WITH rel AS (SELECT rel_key, dense_rank() OVER (ORDER BY rel_key)::int AS rel_no, bool_and(eq) OVER (PARTITION BY rel_key) AS eq,
                    var_no, coef FROM pg_temp.report_run_term),
     v AS (SELECT array_agg(value ORDER BY var_no) AS value, array_agg(hidden ORDER BY var_no) AS hidden,
                  array_agg(frozen ORDER BY var_no) AS frozen, array_agg(lower ORDER BY var_no) AS lower,
                  array_agg(owner ORDER BY var_no) AS owner FROM pg_temp.report_run_var),
     t AS (SELECT array_agg(rel_no ORDER BY rel_no, var_no) AS rel, array_agg(var_no ORDER BY rel_no, var_no) AS var,
                  array_agg(coef ORDER BY rel_no, var_no) AS coef FROM rel),
     r AS (SELECT array_agg(y.eq ORDER BY rel_no) AS eq FROM (SELECT DISTINCT rel_no, eq FROM rel) y),
     b AS (SELECT rbp.report_bounds(v.value, v.hidden, v.frozen, v.lower, v.owner, t.rel, t.var, t.coef, r.eq) AS b FROM v, t, r)
SELECT count(*) FILTER (WHERE x.hidden AND x.demand) AS suppressed_counts,
       (SELECT count(*) FROM pg_temp.report_run_term) AS relation_terms,
       min(coalesce(b.b[x.var_no][2], 1000000) - b.b[x.var_no][1] + 1) FILTER (WHERE x.hidden AND x.demand)
           AS fewest_values_a_reader_can_narrow_one_to
  FROM pg_temp.report_run_var x, b;
COMMIT;
SET ROLE demo_admin;
\echo 'A future day is refused:'
\set ON_ERROR_STOP 0
CALL rbp.publish_reports(current_date + 1);
\set ON_ERROR_STOP 1
-- The report writer serves Brighton & Hove only: an administrator maps it (unmapped, it reads nothing).
SELECT rbp.map_login('demo_reporter', 'report_writer', 'brighton_hove');
RESET ROLE;

\echo
\echo '== The report writer: all five statements together, by quarter (c = suppressed) =='
SET ROLE demo_reporter;
SELECT period_label AS quarter, fy_label, level, coalesce(worker_name, team_name, authority) AS who,
       respondents, respondents_n, mean, median, pct_agreeing AS "% agree", suppressed
  FROM rbp.report_scores
 WHERE authority = 'brighton_hove' AND period = 'quarter' AND instrument = 'parents_carers'
   AND question IS NULL AND respondent_kind IS NULL
 ORDER BY period_start, CASE level WHEN 'authority' THEN 1 WHEN 'team' THEN 2 ELSE 3 END, who;

\echo 'Per point of each statement in Q2, team level (the data of a diverging stacked bar chart; c = suppressed):'
SELECT question, point, point_label, answers, answers_n, share_pct
  FROM rbp.report_points
 WHERE authority = 'brighton_hove' AND period = 'quarter' AND period_start = '2026-04-01' AND level = 'team'
 ORDER BY question, point;

\echo 'The statements as the reports name them:'
SELECT question, left(wording, 50) AS wording, scale_points, point_labels FROM rbp.report_statements
 WHERE instrument = 'parents_carers' AND is_current ORDER BY position;

\echo 'Q2 statement by statement, per worker: a statement with 1 to 5 respondents is c, and so is the next smallest:'
SELECT coalesce(worker_name, team_name) AS who, question, respondents, mean, pct_agreeing AS "% agree", suppressed
  FROM rbp.report_scores
 WHERE authority = 'brighton_hove' AND period = 'quarter' AND period_start = '2026-04-01'
   AND question IS NOT NULL AND respondent_kind IS NULL AND level IN ('team', 'worker')
 ORDER BY question, level, who;

\echo 'Response counts and response rates (invitations issued in the same period):'
SELECT period_label AS period, level, coalesce(worker_name, team_name, authority) AS who,
       invitations, responses, response_rate_pct AS "rate %"
  FROM rbp.report_responses
 WHERE authority = 'brighton_hove' AND respondent_kind IS NULL AND period IN ('month', 'quarter')
   AND period_start >= '2026-04-01'
 ORDER BY period_start, period DESC, CASE level WHEN 'authority' THEN 1 WHEN 'team' THEN 2 ELSE 3 END, who;

\echo 'Differencing attempt: the team minus the visible workers, per statement in Q2 (never a suppressed value on its own):'
SELECT t.question, t.respondents AS team,
       string_agg(w.worker_name || '=' || w.respondents, ', ' ORDER BY w.worker_name) AS workers,
       CASE WHEN bool_or(w.suppressed) AND NOT t.suppressed
            THEN (t.respondents::int - coalesce(sum(w.respondents::int) FILTER (WHERE NOT w.suppressed), 0))::text END
            AS "team minus visible workers"
  FROM rbp.report_scores t
  JOIN rbp.report_scores w ON w.level = 'worker' AND w.team = t.team AND w.period = t.period
   AND w.period_start = t.period_start AND w.question = t.question AND w.respondent_kind IS NULL
 WHERE t.authority = 'brighton_hove' AND t.level = 'team' AND t.period = 'quarter' AND t.period_start = '2026-04-01'
   AND t.question IS NOT NULL AND t.respondent_kind IS NULL
 GROUP BY t.question, t.respondents, t.suppressed
 ORDER BY t.question;

\echo 'What the report writer cannot do:'
\set ON_ERROR_STOP 0
SELECT rbp.set_suppression_threshold(1);
SELECT count(*) FROM rbp.response;
SELECT count(*) FROM rbp.report_cell;
CALL rbp.publish_reports();
\set ON_ERROR_STOP 1
RESET ROLE;

\echo 'The audit adds relations together (src/suppress.c, doc/reports.md): authority 12 = t1 + g + h and g + h = t2 + 9.'
\echo 'No single relation narrows t1 or t2; together they give t1 + t2 = 3, so each c cell is 1 or 2 - and more is suppressed:'
SELECT v.name, b.bounds[v.i][1] AS lowest, b.bounds[v.i][2] AS highest,
       CASE p.status[v.i] WHEN 0 THEN 'shown' ELSE 'suppressed' END AS after_secondary_suppression
  FROM (SELECT rbp.report_bounds('{12,1,5,6,9,2}', '{f,t,t,t,f,t}', '{f,f,f,f,f,f}', '{1,1,0,0,1,1}', '{0,0,0,0,0,0}',
                                 '{1,1,1,1,2,2,2,2}', '{1,2,3,4,3,4,6,5}', '{-1,1,1,1,1,1,-1,-1}', '{t,t}') AS bounds) b,
       (SELECT rbp.report_protect('{12,1,5,6,9,2}', '{f,t,t,t,f,t}', '{f,f,f,f,f,f}', '{1,1,0,0,1,1}', '{0,0,0,0,0,0}',
                                  '{1,1,1,1,2,2,2,2}', '{1,2,3,4,3,4,6,5}', '{-1,1,1,1,1,1,-1,-1}', '{t,t}',
                                  '{t,t,t,t,t,t}', 3, true) AS status) p,
       unnest(ARRAY['authority', 't1', 'g', 'h', 's (9)', 't2']) WITH ORDINALITY AS v(name, i);
