-- The chart's cells from the published reports (doc/chart.md): rbp.report_points (per-point
-- counts of each published cell, 61_report_views.sql) turned into the cells rbp.report_chart_svg
-- draws. It runs with the caller's rights, so it reads exactly what the caller may read of the
-- report views and nothing else. A cell is drawn as suppressed when its count is suppressed or any
-- of its points is; otherwise its shares are its published point counts over their sum.
CREATE FUNCTION rbp.report_chart_cells(p_authority text, p_question text, p_period_label text,
                                       p_levels text[] DEFAULT ARRAY['authority', 'team', 'worker'])
    RETURNS jsonb
    LANGUAGE sql STABLE
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
    WITH cell AS (
        SELECT p.level, p.team, p.worker, coalesce(p.worker_name, p.team_name, p.authority) AS label, p.period, p.period_start,
               p.instrument, p.question,
               max(p.point) AS points,
               bool_or(p.suppressed) AS point_suppressed,
               array_agg(p.answers_n ORDER BY p.point) AS counts,
               sum(p.answers_n) AS total
          FROM rbp.report_points p
         WHERE p.authority = p_authority AND p.question = p_question AND p.period_label = p_period_label
           AND p.level = ANY (p_levels)
         GROUP BY p.level, p.team, p.worker, coalesce(p.worker_name, p.team_name, p.authority), p.period, p.period_start,
                  p.instrument, p.question
    )
    SELECT coalesce(jsonb_agg(jsonb_build_object(
               'label', c.label,
               'points', c.points,
               'shares', CASE WHEN NOT c.point_suppressed AND NOT coalesce(s.suppressed, true) AND c.total > 0 THEN
                             (SELECT jsonb_agg(round(n::numeric / c.total, 4) ORDER BY i) FROM unnest(c.counts) WITH ORDINALITY AS u(n, i)) END,
               'respondents', coalesce(s.respondents, 'c'),
               'suppressed', c.point_suppressed OR coalesce(s.suppressed, true))
             ORDER BY array_position(p_levels, c.level), c.label), '[]')
      FROM cell c
      LEFT JOIN rbp.report_scores s
        ON s.authority = p_authority AND s.level = c.level AND s.team IS NOT DISTINCT FROM c.team
       AND s.worker IS NOT DISTINCT FROM c.worker AND s.period = c.period AND s.period_start = c.period_start
       AND s.instrument = c.instrument AND s.question = c.question AND s.respondent_kind IS NULL
$$;
COMMENT ON FUNCTION rbp.report_chart_cells(text, text, text, text[]) IS
    'Report writer: the published cells of a statement in a period (authority, team, worker) as the cells of rbp.report_chart_svg, suppressed ones marked';
REVOKE ALL ON FUNCTION rbp.report_chart_cells(text, text, text, text[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION rbp.report_chart_cells(text, text, text, text[]) TO rbp_report_writer;
