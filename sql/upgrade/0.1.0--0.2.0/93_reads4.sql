-- 0.1.0 -> 0.2.0, piece 93_reads4 (issue 18, fourth round): the report views join the reader's
-- authorities as a set declared ROWS 1 (rbp.report_authority_ids()), so each is planned like a
-- query for one authority, an index scan of its cells, instead of reading every authority's cells
-- (sql/install/61_report_views.sql says why). Columns and rows are unchanged.
-- The same list as a set, which each view joins to the cells (issue 18). It is declared ROWS 1, so
-- the planner plans a view as a DBA's query for one authority is planned: for each listed authority,
-- an index scan of its cells (report_cell_period). With the list as "authority_id = ANY (array known
-- only at run time)" the planner assumed an array of ten ids matching 1 - (3/4)^10 = 94 % of the
-- cells of four authorities, and read every authority's cells sequentially: 1.87x and 2.87x the
-- hand-written query at full size once all four had published. PL/pgSQL, so never inlined (which
-- would drop the estimate), with the list in a variable, so that planning its query does not call
-- rbp.report_authorities() again: one call of each identity function per query, as a function scan.
-- The join alone is not the guard. It is a join condition, checked above the scan of rbp.report_cell,
-- and a reader's own leakproof conditions on the view's columns are pushed down into that scan: with
-- nested loops and index scans switched off, EXPLAIN ANALYZE counted other authorities' cells that
-- matched them (the scan's actual rows, Rows Removed by Join Filter), i.e. read their shown counts
-- one probe at a time (red-team review of issue 18). So each view also keeps the filter on the scan
-- itself, authority_id = ANY ((SELECT rbp.report_authorities())::integer[]), evaluated once per query
-- (an InitPlan): whatever the plan, no row of another authority leaves the scan.
CREATE FUNCTION rbp.report_authority_ids() RETURNS SETOF integer
    LANGUAGE plpgsql STABLE PARALLEL SAFE ROWS 1
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    v_ids integer[] := rbp.report_authorities();
BEGIN
    RETURN QUERY SELECT DISTINCT pg_catalog.unnest(v_ids);
END
$$;
COMMENT ON FUNCTION rbp.report_authority_ids() IS
    'rbp.report_authorities() as a set of ids, each once, which the report views join to their cells; declared ROWS 1 so that a view is planned like a query for one authority (an index scan of its cells)';
REVOKE ALL ON FUNCTION rbp.report_authority_ids() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION rbp.report_authority_ids() TO rbp_report_writer;

COMMENT ON FUNCTION rbp.report_authority_visible(integer) IS
    'Whether the current reader may see the published reports of this authority (rbp.report_authorities(); the views join that list, rbp.report_authority_ids(), once per query)';

CREATE OR REPLACE VIEW rbp.report_scores WITH (security_barrier) AS
SELECT a.code AS authority,
       c.level,
       t.code AS team,
       t.name AS team_name,
       w.staff_ref AS worker,
       w.display_name AS worker_name,
       c.period_kind AS period,
       c.period_start,
       rbp.report_period_label(c.period_kind, c.period_start, a.year_start_month) AS period_label,
       rbp.report_fy_label(c.period_kind, c.period_start, a.year_start_month) AS fy_label,
       i.code AS instrument,
       q.code AS question,
       c.respondent_kind,
       CASE WHEN c.hidden THEN 'c' ELSE c.n::text END AS respondents,
       CASE WHEN NOT c.hidden THEN c.n END AS respondents_n,
       CASE WHEN s.shown THEN round(rbp.mean(c.summary)::numeric, 1) END AS mean,
       CASE WHEN s.shown THEN rbp.median(c.summary)::numeric END AS median,
       CASE WHEN s.shown THEN round(100 * rbp.share_agreeing(c.summary)::numeric) END AS pct_agreeing,
       c.hidden AS suppressed,
       NOT s.shown AS share_suppressed
  FROM rbp.report_cell c
  JOIN rbp.report_authority_ids() v(visible_authority_id) ON v.visible_authority_id = c.authority_id
  JOIN rbp.authority a USING (authority_id)
  JOIN rbp.instrument i USING (instrument_id)
  LEFT JOIN rbp.question q USING (question_id)
  LEFT JOIN rbp.team t ON t.team_id = c.team_id
  LEFT JOIN rbp.staff w ON w.staff_id = c.worker_id
  CROSS JOIN LATERAL (SELECT NOT c.hidden AND (c.method = 1 OR NOT c.share_hidden) AS shown) s
 WHERE c.topic = 'scores'
  AND c.authority_id = ANY ((SELECT rbp.report_authorities())::integer[]);

CREATE OR REPLACE VIEW rbp.report_points WITH (security_barrier) AS
SELECT a.code AS authority,
       c.level,
       t.code AS team,
       t.name AS team_name,
       w.staff_ref AS worker,
       w.display_name AS worker_name,
       c.period_kind AS period,
       c.period_start,
       rbp.report_period_label(c.period_kind, c.period_start, a.year_start_month) AS period_label,
       rbp.report_fy_label(c.period_kind, c.period_start, a.year_start_month) AS fy_label,
       i.code AS instrument,
       q.code AS question,
       p.point,
       rbp.likert_label((p.point || '/' || q.scale_points)::rbp.likert) AS point_label,
       CASE WHEN p.hidden THEN 'c' ELSE rbp.point_count(c.summary, p.point)::text END AS answers,
       CASE WHEN NOT p.hidden THEN rbp.point_count(c.summary, p.point) END AS answers_n,
       CASE WHEN NOT p.hidden AND NOT c.hidden
            THEN round(100.0 * rbp.point_count(c.summary, p.point) / c.n, 1) END AS share_pct,
       p.hidden AS suppressed
  FROM rbp.report_cell c
  JOIN rbp.report_authority_ids() v(visible_authority_id) ON v.visible_authority_id = c.authority_id
  JOIN rbp.authority a USING (authority_id)
  JOIN rbp.instrument i USING (instrument_id)
  JOIN rbp.question q USING (question_id)
  LEFT JOIN rbp.team t ON t.team_id = c.team_id
  LEFT JOIN rbp.staff w ON w.staff_id = c.worker_id
  CROSS JOIN LATERAL (SELECT u.hidden, u.point::integer AS point FROM unnest(c.points_hidden) WITH ORDINALITY u(hidden, point)) p
 WHERE c.topic = 'scores' AND c.method = 2 AND c.points_hidden IS NOT NULL
  AND c.authority_id = ANY ((SELECT rbp.report_authorities())::integer[]);

CREATE OR REPLACE VIEW rbp.report_responses WITH (security_barrier) AS
SELECT a.code AS authority,
       k.level,
       t.code AS team,
       t.name AS team_name,
       w.staff_ref AS worker,
       w.display_name AS worker_name,
       k.period_kind AS period,
       k.period_start,
       rbp.report_period_label(k.period_kind, k.period_start, a.year_start_month) AS period_label,
       rbp.report_fy_label(k.period_kind, k.period_start, a.year_start_month) AS fy_label,
       k.respondent_kind,
       CASE WHEN k.responses_hidden THEN 'c' ELSE k.responses::text END AS responses,
       CASE WHEN NOT k.responses_hidden THEN k.responses END AS responses_n,
       CASE WHEN k.invitations_hidden THEN 'c' ELSE k.invitations::text END AS invitations,
       CASE WHEN NOT k.invitations_hidden THEN k.invitations END AS invitations_n,
       CASE WHEN NOT k.responses_hidden AND NOT k.invitations_hidden AND k.invitations > 0
            THEN round(100.0 * k.responses / k.invitations) END AS response_rate_pct,
       k.responses_hidden AS responses_suppressed,
       k.invitations_hidden AS invitations_suppressed
  FROM (SELECT c.authority_id, c.level, c.team_id, c.worker_id, c.period_kind, c.period_start, c.respondent_kind,
               coalesce(sum(c.n) FILTER (WHERE c.topic = 'responses'), 0) AS responses,
               coalesce(bool_or(c.hidden) FILTER (WHERE c.topic = 'responses'), false) AS responses_hidden,
               coalesce(sum(c.n) FILTER (WHERE c.topic = 'invitations'), 0) AS invitations,
               coalesce(bool_or(c.hidden) FILTER (WHERE c.topic = 'invitations'), false) AS invitations_hidden
          FROM rbp.report_cell c
          JOIN rbp.report_authority_ids() v(visible_authority_id) ON v.visible_authority_id = c.authority_id
         WHERE c.topic IN ('responses', 'invitations') AND c.level IN ('authority', 'team', 'worker')
         AND c.authority_id = ANY ((SELECT rbp.report_authorities())::integer[])
         GROUP BY c.authority_id, c.level, c.team_id, c.worker_id, c.period_kind, c.period_start, c.respondent_kind) k
  JOIN rbp.authority a ON a.authority_id = k.authority_id
  LEFT JOIN rbp.team t ON t.team_id = k.team_id
  LEFT JOIN rbp.staff w ON w.staff_id = k.worker_id;

CREATE OR REPLACE VIEW rbp.report_themes WITH (security_barrier) AS
SELECT a.code AS authority,
       c.level,
       t.code AS team,
       t.name AS team_name,
       c.period_kind AS period,
       c.period_start,
       rbp.report_period_label(c.period_kind, c.period_start, a.year_start_month) AS period_label,
       rbp.report_fy_label(c.period_kind, c.period_start, a.year_start_month) AS fy_label,
       th.name AS theme,
       CASE WHEN c.hidden THEN 'c' ELSE c.n::text END AS responses,
       CASE WHEN NOT c.hidden THEN c.n END AS responses_n,
       c.hidden AS suppressed
  FROM rbp.report_cell c
  JOIN rbp.report_authority_ids() v(visible_authority_id) ON v.visible_authority_id = c.authority_id
  JOIN rbp.authority a USING (authority_id)
  JOIN rbp.theme th USING (theme_id)
  LEFT JOIN rbp.team t ON t.team_id = c.team_id
 WHERE c.topic = 'themes' AND c.level IN ('authority', 'team')
  AND c.authority_id = ANY ((SELECT rbp.report_authorities())::integer[]);
