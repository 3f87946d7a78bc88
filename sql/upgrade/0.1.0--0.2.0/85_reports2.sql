-- 0.1.0 -> 0.2.0, piece 85_reports2 (issue 13, second pass): the model builder of published
-- reports analyzes its work tables, plans its cells' CTE with their statistics and runs without JIT
-- (a year of 144 workers: 26 s -> 4 s). Body as in sql/install/60_reports.sql; the comment and
-- privileges are kept by CREATE OR REPLACE.

-- Its statements are planned afresh for every period over work tables of a few thousand rows:
-- JIT compilation (on by default) would cost seconds per statement and save nothing (jit = off).
CREATE OR REPLACE FUNCTION rbp.report_build_model() RETURNS void
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, rbp, pg_temp
    SET jit = off
    AS $$
DECLARE
    v_next integer := (SELECT coalesce(max(cell_no), 0) + 1 FROM pg_temp.report_run_cell);
BEGIN
    -- The work tables are filled anew for each period and never analyzed by autovacuum (temporary
    -- tables): without statistics the planner takes each for a few rows and joins them by nested
    -- loops, quadratic in the cells (with a materialized CTE too: c below is NOT MATERIALIZED so
    -- that its filters are estimated from the table's statistics).
    ANALYZE pg_temp.report_run_cell;
    -- derived counts as pseudo-cells (topic aux_*), each with the cells it is the difference of
    -- (report_run_aux: sign +1 for the minuend, -1 for the subtrahends)
    DELETE FROM pg_temp.report_run_aux;
    WITH c AS NOT MATERIALIZED (
        SELECT c.*, concat_ws('|', c.level, c.team_id, c.worker_id, c.period_kind, c.period_start) AS ek
          FROM pg_temp.report_run_cell c WHERE c.topic NOT LIKE 'aux%'
    ), pairs AS (
        -- responded but scored on no instrument (by kind where kinds are broken down)
        SELECT 'aux_unscored' AS topic, r.cell_no AS minuend, NULL::integer AS instrument_id, NULL::integer AS question_id,
               r.respondent_kind, NULL::integer AS theme_id,
               coalesce(array_agg(s.cell_no) FILTER (WHERE s.cell_no IS NOT NULL), '{}') AS subtrahends
          FROM c r LEFT JOIN c s ON s.topic = 'scores' AND s.question_id IS NULL AND s.ek = r.ek
           AND coalesce(s.respondent_kind::text, '*') = coalesce(r.respondent_kind::text, '*')
         WHERE r.topic = 'responses'
         GROUP BY r.cell_no, r.respondent_kind
        UNION ALL
        -- scored but skipped statement q (all kinds)
        SELECT 'aux_skip', a.cell_no, a.instrument_id, q.question_id, NULL, NULL,
               coalesce(array_agg(s.cell_no) FILTER (WHERE s.cell_no IS NOT NULL), '{}')
          FROM c a JOIN rbp.question q ON q.instrument_id = a.instrument_id AND q.kind = 'scale'
          LEFT JOIN c s ON s.topic = 'scores' AND s.question_id = q.question_id AND s.ek = a.ek
         WHERE a.topic = 'scores' AND a.question_id IS NULL AND a.respondent_kind IS NULL
         GROUP BY a.cell_no, a.instrument_id, q.question_id
        UNION ALL
        -- responded but not tagged with theme t
        SELECT 'aux_untagged', r.cell_no, NULL, NULL, NULL, th.theme_id,
               coalesce(array_agg(s.cell_no) FILTER (WHERE s.cell_no IS NOT NULL), '{}')
          FROM c r JOIN (SELECT DISTINCT theme_id FROM c WHERE topic = 'themes') th ON true
          LEFT JOIN c s ON s.topic = 'themes' AND s.theme_id = th.theme_id AND s.ek = r.ek
         WHERE r.topic = 'responses' AND r.respondent_kind IS NULL AND r.level <> 'worker' AND r.level <> 'no_worker'
         GROUP BY r.cell_no, th.theme_id
    ), aux AS (
        SELECT p.*, row_number() OVER (ORDER BY p.minuend, p.topic, p.question_id, p.theme_id) - 1 + v_next AS aux_no
          FROM pairs p
    ), ins AS (
        INSERT INTO pg_temp.report_run_aux (aux_no, cell_no, sign)
        SELECT a.aux_no, a.minuend, 1 FROM aux a
        UNION ALL SELECT a.aux_no, x, -1 FROM aux a CROSS JOIN unnest(a.subtrahends) x
    )
    INSERT INTO pg_temp.report_run_cell (cell_no, topic, level, team_id, worker_id, period_kind, period_start,
                                         instrument_id, question_id, respondent_kind, theme_id, n, frozen, hidden)
    SELECT a.aux_no, a.topic, m.level, m.team_id, m.worker_id, m.period_kind, m.period_start, a.instrument_id,
           a.question_id, a.respondent_kind, a.theme_id,
           m.n - coalesce((SELECT sum(s.n) FROM unnest(a.subtrahends) x JOIN pg_temp.report_run_cell s ON s.cell_no = x), 0),
           true, true
      FROM aux a JOIN pg_temp.report_run_cell m ON m.cell_no = a.minuend;

    INSERT INTO pg_temp.report_run_var (var_no, cell_no, point, value, hidden, frozen, lower, owner, demand)
    SELECT row_number() OVER (ORDER BY v.cell_no, v.point), v.cell_no, v.point, v.value, v.hidden, v.frozen, v.lower, 0,
           v.demand
      FROM (SELECT c.cell_no, 0 AS point, c.n AS value,
                   -- a derived count that is 0 in truth is taken as known
                   CASE WHEN c.topic LIKE 'aux%' THEN c.n > 0 ELSE c.hidden END AS hidden,
                   c.frozen OR c.level IN ('no_team', 'no_worker') AS frozen,
                   CASE WHEN c.level IN ('no_team', 'no_worker') OR c.topic LIKE 'aux%' THEN 0 ELSE 1 END AS lower,
                   c.topic NOT LIKE 'aux%' AS demand
              FROM pg_temp.report_run_cell c
            UNION ALL
            SELECT c.cell_no, p, rbp.point_count(c.summary, p), coalesce(c.points_hidden[p], c.hidden),
                   c.frozen OR c.level IN ('no_team', 'no_worker'), 0, true
              FROM pg_temp.report_run_cell c CROSS JOIN generate_series(1, rbp.points(c.summary)) p
             WHERE c.topic = 'scores' AND c.question_id IS NOT NULL) v;
    ANALYZE pg_temp.report_run_cell, pg_temp.report_run_var, pg_temp.report_run_aux;
    UPDATE pg_temp.report_run_var p SET owner = n.var_no
      FROM pg_temp.report_run_var n WHERE p.point > 0 AND n.cell_no = p.cell_no AND n.point = 0;

    INSERT INTO pg_temp.report_run_term (rel_key, var_no, coef, eq)
    WITH cv AS (
        SELECT v.var_no, v.point, v.value, c.*,
               concat_ws('|', c.topic, c.instrument_id, c.question_id, c.respondent_kind, c.theme_id, v.point) AS dims,
               concat_ws('|', c.level, c.team_id, c.worker_id) AS entity
          FROM pg_temp.report_run_var v JOIN pg_temp.report_run_cell c USING (cell_no)
    ), terms AS (
        -- entities add up: a team = its workers + its anonymous part; an authority = its teams + no team
        SELECT 'team|' || c.period_kind || c.period_start || '|' || c.team_id || '|' || c.dims AS rel_key, c.var_no,
               CASE WHEN c.level = 'team' THEN -1 ELSE 1 END AS coef, 'eq' AS how
          FROM cv c WHERE c.level IN ('team', 'worker', 'no_worker') AND c.respondent_kind IS NULL
           AND c.period_kind = 'quarter'
        UNION ALL
        SELECT 'auth|' || c.period_kind || c.period_start || '|' || c.dims, c.var_no,
               CASE WHEN c.level = 'authority' THEN -1 ELSE 1 END, 'eq'
          FROM cv c WHERE c.level IN ('authority', 'team', 'no_team') AND c.respondent_kind IS NULL
           AND c.period_kind <> 'month'
        UNION ALL
        -- respondent kinds add up (authority level)
        SELECT 'kind|' || c.period_kind || c.period_start || '|' || concat_ws('|', c.topic, c.instrument_id, c.question_id, c.point),
               c.var_no, CASE WHEN c.respondent_kind IS NULL THEN -1 ELSE 1 END, 'eq'
          FROM cv c WHERE c.level = 'authority' AND c.question_id IS NULL
           AND c.topic IN ('responses', 'invitations', 'scores', 'aux_unscored') AND c.period_kind <> 'month'
        UNION ALL
        -- the points of a statement add up to its count
        SELECT 'pts|' || c.cell_no, c.var_no, CASE WHEN c.point = 0 THEN -1 ELSE 1 END, 'eq'
          FROM cv c WHERE c.topic = 'scores' AND c.question_id IS NOT NULL
        UNION ALL
        -- each derived count: minuend - subtrahends - derived = 0
        SELECT 'aux|' || x.aux_no, v.var_no, x.sign, 'eq'
          FROM pg_temp.report_run_aux x JOIN pg_temp.report_run_var v ON v.cell_no = x.cell_no AND v.point = 0
        UNION ALL
        SELECT 'aux|' || x.aux_no, v.var_no, -1, 'eq'
          FROM (SELECT DISTINCT aux_no FROM pg_temp.report_run_aux) x
          JOIN pg_temp.report_run_var v ON v.cell_no = x.aux_no AND v.point = 0
        UNION ALL
        -- the statements' answers are at least the people who scored (the answers beyond one
        -- per person are not a count of people: a plain inequality)
        SELECT 'stm2|' || c.entity || c.period_kind || c.period_start || '|' || c.instrument_id, c.var_no,
               CASE WHEN c.question_id IS NULL THEN -1 ELSE 1 END, 'ge'
          FROM cv c WHERE c.topic = 'scores' AND c.respondent_kind IS NULL AND c.point = 0
        UNION ALL
        -- a period is covered by its parts (months of a quarter, quarters of a year): parts >= whole
        -- (equal when they add up exactly: nobody counted in two parts), and, for people who
        -- responded and invitations, the whole >= each part
        SELECT 'cover|' || w.var_no, x.var_no, x.coef, 'cover'
          FROM cv w JOIN cv p ON p.entity = w.entity AND p.dims = w.dims
           AND p.period_kind = CASE w.period_kind WHEN 'quarter' THEN 'month' ELSE 'quarter' END
           AND p.period_start >= w.period_start
           AND p.period_start < w.period_start + CASE w.period_kind WHEN 'quarter' THEN interval '3 months' ELSE interval '1 year' END
         CROSS JOIN LATERAL (VALUES (p.var_no, 1), (w.var_no, 0)) x(var_no, coef)
         WHERE w.period_kind IN ('quarter', 'year') AND w.topic NOT LIKE 'aux%'
        UNION ALL
        SELECT 'within|' || p.var_no, x.var_no, x.coef, 'ge'
          FROM cv w JOIN cv p ON p.entity = w.entity AND p.dims = w.dims
           AND p.period_kind = CASE w.period_kind WHEN 'quarter' THEN 'month' ELSE 'quarter' END
           AND p.period_start >= w.period_start
           AND p.period_start < w.period_start + CASE w.period_kind WHEN 'quarter' THEN interval '3 months' ELSE interval '1 year' END
         CROSS JOIN LATERAL (VALUES (w.var_no, 1), (p.var_no, -1)) x(var_no, coef)
         WHERE w.period_kind IN ('quarter', 'year') AND w.topic IN ('responses', 'invitations') AND w.point = 0
    )
    SELECT rel_key, var_no, CASE WHEN how = 'cover' AND coef = 0 THEN -1 ELSE coef END,
           how IN ('eq') FROM (SELECT DISTINCT rel_key, var_no, coef, how FROM terms) t;
    ANALYZE pg_temp.report_run_term;

    -- a covering relation whose parts add up exactly becomes an equality
    UPDATE pg_temp.report_run_term t SET eq = true
      FROM (SELECT t.rel_key FROM pg_temp.report_run_term t JOIN pg_temp.report_run_var v USING (var_no)
             WHERE t.rel_key LIKE 'cover|%' GROUP BY t.rel_key HAVING sum(t.coef * v.value) = 0) x
     WHERE t.rel_key = x.rel_key;
    -- relations the true values do not satisfy (feedback changed since a frozen period) are no
    -- relations a reader can use: dropped, as are relations of a single variable
    DELETE FROM pg_temp.report_run_term t
     USING (SELECT t.rel_key FROM pg_temp.report_run_term t JOIN pg_temp.report_run_var v USING (var_no)
             GROUP BY t.rel_key
            HAVING count(*) < 2 OR (bool_and(t.eq) AND sum(t.coef * v.value) <> 0) OR sum(t.coef * v.value) < 0) x
     WHERE t.rel_key = x.rel_key;
END
$$;
