-- What report writers read (doc/reports.md): five views over the published, suppressed cells.
-- They run with the rights of their owner, so rbp_report_writer needs (and has) no privilege on any
-- table; they call only built-in functions, the distribution accessors and the label helpers, none
-- of which returns rows. Suppressed counts read 'c' in the text column and NULL in the integer
-- column beside it (for BI tools that sum); means, medians and shares are NULL unless every count
-- they are computed from is shown. The parts never published are in another table
-- (rbp.report_unpublished) that no view reads, so no plan counts them. security_barrier keeps a
-- caller's own functions in WHERE from running before the views' filters.

-- Which authorities' reports the current reader may see: the one place the views filter by
-- authority. A report writer sees the authorities an administrator mapped its login to
-- (rbp.map_login(login, 'report_writer', authority)); an administrator every authority (the rule
-- "who may act for an authority", rbp.acting_scope). The views read it as a set,
-- rbp.report_authority_ids() below, once per query, never once per row.
CREATE FUNCTION rbp.report_authorities() RETURNS integer[]
    LANGUAGE plpgsql STABLE SECURITY DEFINER PARALLEL SAFE
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$ BEGIN
    RETURN coalesce(rbp.acting_scope('report_writer'), ARRAY(SELECT authority_id FROM rbp.authority));
END $$;
COMMENT ON FUNCTION rbp.report_authorities() IS
    'The authorities whose published reports the caller may see: those its login is mapped to as report writer (every authority for administrators)';
REVOKE ALL ON FUNCTION rbp.report_authorities() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION rbp.report_authorities() TO rbp_report_writer;

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

CREATE FUNCTION rbp.report_authority_visible(p_authority_id integer) RETURNS boolean
    LANGUAGE sql STABLE PARALLEL SAFE
    RETURN coalesce(p_authority_id = ANY (rbp.report_authorities()), false);
COMMENT ON FUNCTION rbp.report_authority_visible(integer) IS
    'Whether the current reader may see the published reports of this authority (rbp.report_authorities(); the views join that list, rbp.report_authority_ids(), once per query)';
GRANT EXECUTE ON FUNCTION rbp.report_authority_visible(integer) TO rbp_report_writer;

CREATE VIEW rbp.report_scores WITH (security_barrier) AS
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
COMMENT ON VIEW rbp.report_scores IS
    'Published scores by authority, team and worker and quarter (months and reporting years: authority only), per statement (question NULL: all statements of the instrument) and respondent kind (NULL: all; kinds at authority level only); respondents ''c'' and NULL figures where suppressed';
COMMENT ON COLUMN rbp.report_scores.level IS 'authority, team or worker (anonymous responses count at team and authority level only)';
COMMENT ON COLUMN rbp.report_scores.period_label IS 'Calendar label: 2026-04, 2026-Q2, 2026 (a year starting in April: 2026-27)';
COMMENT ON COLUMN rbp.report_scores.fy_label IS 'Label in the authority''s reporting year: 2026-27 Q1, 2026-27 M01, 2026-27';
COMMENT ON COLUMN rbp.report_scores.question IS 'The statement or dial; NULL for all statements of the instrument together (respondents who answered at least one)';
COMMENT ON COLUMN rbp.report_scores.respondent_kind IS 'NULL: all kinds of respondent';
COMMENT ON COLUMN rbp.report_scores.respondents IS 'People who answered, or c when suppressed (1 to threshold, or to protect another suppressed count)';
COMMENT ON COLUMN rbp.report_scores.respondents_n IS 'The same count as an integer, NULL when suppressed (for BI tools that sum)';
COMMENT ON COLUMN rbp.report_scores.mean IS 'Mean score over the answers, one decimal; NULL unless the count and every point count it is computed from are shown';
COMMENT ON COLUMN rbp.report_scores.median IS 'Median score over the answers; NULL like the mean';
COMMENT ON COLUMN rbp.report_scores.pct_agreeing IS 'Percentage of answers at the top two points (agree, strongly agree); NULL like the mean';
COMMENT ON COLUMN rbp.report_scores.suppressed IS 'The count of this cell is suppressed';
COMMENT ON COLUMN rbp.report_scores.share_suppressed IS 'Mean, median and share agreeing are not shown (the count or a point count is suppressed)';

CREATE VIEW rbp.report_points WITH (security_barrier) AS
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
COMMENT ON VIEW rbp.report_points IS
    'Published answers of each statement at each point of its scale, by authority, team, worker and period, with their share of the statement''s respondents: the data of a diverging stacked bar chart; c and NULL where suppressed';
COMMENT ON COLUMN rbp.report_points.point IS 'The point of the scale, 1 (strongly disagree) to the number of points';
COMMENT ON COLUMN rbp.report_points.point_label IS 'The questionnaire''s label of the point';
COMMENT ON COLUMN rbp.report_points.answers IS 'People who answered the statement at this point, or c when suppressed (a suppressed point may be 0)';
COMMENT ON COLUMN rbp.report_points.answers_n IS 'The same count as an integer, NULL when suppressed';
COMMENT ON COLUMN rbp.report_points.share_pct IS 'Percentage of the statement''s respondents at this point, one decimal; NULL when suppressed';
COMMENT ON COLUMN rbp.report_points.suppressed IS 'The count at this point is suppressed';

CREATE VIEW rbp.report_statements AS
SELECT i.code AS instrument,
       i.version,
       i.title,
       rbp.is_current(i) AS is_current,
       i.respondent_kinds,
       q.code AS question,
       q.position,
       q.prompt AS wording,
       q.scale_points,
       ARRAY(SELECT rbp.likert_label((p || '/' || q.scale_points)::rbp.likert)
               FROM generate_series(1, q.scale_points) p ORDER BY p) AS point_labels
  FROM rbp.instrument i
  JOIN rbp.question q USING (instrument_id)
 WHERE q.kind = 'scale';
COMMENT ON VIEW rbp.report_statements IS
    'The instruments and their scored statements (or dials) as the reports name them: wording, number of points and the label of each point';
COMMENT ON COLUMN rbp.report_statements.question IS 'The code the report views use in their question column';
COMMENT ON COLUMN rbp.report_statements.wording IS 'The statement as families read it';
COMMENT ON COLUMN rbp.report_statements.point_labels IS 'Label of each point, from 1 up';

CREATE VIEW rbp.report_responses WITH (security_barrier) AS
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
COMMENT ON VIEW rbp.report_responses IS
    'Published counts of people who responded, invitations issued and response rates by authority, team and worker and quarter (months and reporting years: authority only), and respondent kind (NULL: all; kinds at authority level only); c where suppressed';
COMMENT ON COLUMN rbp.report_responses.period_label IS 'Calendar label: 2026-04, 2026-Q2, 2026 (a year starting in April: 2026-27)';
COMMENT ON COLUMN rbp.report_responses.fy_label IS 'Label in the authority''s reporting year: 2026-27 Q1, 2026-27 M01, 2026-27';
COMMENT ON COLUMN rbp.report_responses.responses IS
    'People who responded in the period (a named respondent once; at worker level named and worker-only responses only: anonymous responses are never attributed to a worker), or c';
COMMENT ON COLUMN rbp.report_responses.responses_n IS 'The same count as an integer, NULL when suppressed';
COMMENT ON COLUMN rbp.report_responses.invitations IS 'Invitations issued in the period (to the worker allocated on the day of issue), or c';
COMMENT ON COLUMN rbp.report_responses.invitations_n IS 'The same count as an integer, NULL when suppressed';
COMMENT ON COLUMN rbp.report_responses.response_rate_pct IS
    'People who responded per 100 invitations issued in the same period; NULL when either count is suppressed';
COMMENT ON COLUMN rbp.report_responses.responses_suppressed IS 'The response count is suppressed';
COMMENT ON COLUMN rbp.report_responses.invitations_suppressed IS 'The invitation count is suppressed';

CREATE VIEW rbp.report_themes WITH (security_barrier) AS
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
COMMENT ON VIEW rbp.report_themes IS
    'Published counts of people whose response QA tagged with each theme, by authority and team (never by worker) and quarter (months and reporting years: authority only); c where suppressed';
COMMENT ON COLUMN rbp.report_themes.period_label IS 'Calendar label: 2026-04, 2026-Q2, 2026 (a year starting in April: 2026-27)';
COMMENT ON COLUMN rbp.report_themes.fy_label IS 'Label in the authority''s reporting year: 2026-27 Q1, 2026-27 M01, 2026-27';
COMMENT ON COLUMN rbp.report_themes.responses IS 'People whose response was tagged with the theme, or c when suppressed';
COMMENT ON COLUMN rbp.report_themes.responses_n IS 'The same count as an integer, NULL when suppressed';
COMMENT ON COLUMN rbp.report_themes.suppressed IS 'The count is suppressed';

GRANT SELECT ON rbp.report_scores, rbp.report_points, rbp.report_statements, rbp.report_responses, rbp.report_themes
    TO rbp_report_writer;
