-- Upgrade 0.1.0 -> 0.2.0, access control for reports (issue 11), after 40_reports.sql: report
-- writers read the authorities they are mapped to (rbp.report_authorities, once per query); QA
-- publishes the authorities it is mapped to.
CREATE OR REPLACE FUNCTION rbp.report_authorities() RETURNS integer[]
    LANGUAGE plpgsql STABLE SECURITY DEFINER PARALLEL SAFE
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$ BEGIN
    RETURN coalesce(rbp.acting_scope('report_writer'), ARRAY(SELECT authority_id FROM rbp.authority));
END $$;
COMMENT ON FUNCTION rbp.report_authorities() IS
    'The authorities whose published reports the caller may see: those its login is mapped to as report writer (every authority for administrators)';

REVOKE ALL ON FUNCTION rbp.report_authorities() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION rbp.report_authorities() TO rbp_report_writer;

CREATE OR REPLACE FUNCTION rbp.report_authority_visible(p_authority_id integer) RETURNS boolean
    LANGUAGE sql STABLE PARALLEL SAFE
    RETURN coalesce(p_authority_id = ANY (rbp.report_authorities()), false);
COMMENT ON FUNCTION rbp.report_authority_visible(integer) IS
    'Whether the current reader may see the published reports of this authority (rbp.report_authorities(); the views use that list directly, once per query)';

CREATE OR REPLACE FUNCTION rbp.report_due_quarters(p_as_of date, p_authority_id integer)
    RETURNS TABLE (authority_id integer, period_kind text, period_start date)
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
    SELECT a.authority_id, 'quarter', q::date
      FROM rbp.authority a
     CROSS JOIN LATERAL (SELECT rbp.report_year_start(least(
                            (SELECT min(r.period) FROM rbp.response r WHERE r.authority_id = a.authority_id),
                            (SELECT min(i.issued_on) FROM rbp.invitation i WHERE i.authority_id = a.authority_id)),
                            a.year_start_month) AS first) f
     CROSS JOIN LATERAL generate_series(f.first, p_as_of - interval '3 months', interval '3 months') q
     WHERE (p_authority_id IS NULL OR a.authority_id = p_authority_id)
       AND rbp.may_act_for(a.authority_id, 'qa')
       AND NOT EXISTS (SELECT FROM rbp.report_publication p
                        WHERE p.authority_id = a.authority_id AND p.period_kind = 'quarter' AND p.period_start = q::date)
     ORDER BY a.authority_id, q
$$;
COMMENT ON FUNCTION rbp.report_due_quarters(date, integer) IS
    'Internal (publish_reports): the closed quarters not yet published, oldest first';

CREATE OR REPLACE FUNCTION rbp.report_due_years(p_authority_id integer)
    RETURNS TABLE (authority_id integer, period_kind text, period_start date)
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
    SELECT q.authority_id, 'year', q.year_start
      FROM (SELECT p.authority_id, rbp.report_year_start(p.period_start, a.year_start_month) AS year_start
              FROM rbp.report_publication p JOIN rbp.authority a USING (authority_id)
             WHERE p.period_kind = 'quarter' AND p.status = 'published'
               AND (p_authority_id IS NULL OR p.authority_id = p_authority_id)
               AND rbp.may_act_for(p.authority_id, 'qa')) q
     WHERE NOT EXISTS (SELECT FROM rbp.report_publication y
                        WHERE y.authority_id = q.authority_id AND y.period_kind = 'year' AND y.period_start = q.year_start)
     GROUP BY q.authority_id, q.year_start
    HAVING count(*) = 4
     ORDER BY 1, 3
$$;
COMMENT ON FUNCTION rbp.report_due_years(integer) IS
    'Internal (publish_reports): the reporting years whose four quarters are published and which are not yet published';

CREATE OR REPLACE FUNCTION rbp.report_check_publish(p_as_of date, p_authority text) RETURNS integer
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    v_id integer;
BEGIN
    IF p_as_of IS NULL OR p_as_of > current_date THEN
        RAISE EXCEPTION 'cannot publish reports as of %: that day has not come', coalesce(p_as_of::text, 'NULL')
              USING ERRCODE = '22023',
                    HINT = 'A quarter is published once it has closed; publishing as of a future day would freeze a quarter that is still open.';
    END IF;
    IF p_authority IS NOT NULL THEN
        SELECT authority_id INTO v_id FROM rbp.authority WHERE code = p_authority;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'no authority with code %', p_authority USING ERRCODE = '22023',
                  HINT = 'Pass the authority''s code (rbp.authority.code), or NULL for every authority.';
        END IF;
        -- who may act for an authority: QA the authorities an administrator mapped it to
        IF NOT rbp.may_act_for(v_id, 'qa') THEN
            RAISE EXCEPTION 'only QA of authority % (or an administrator) publishes its reports', p_authority
                  USING ERRCODE = 'insufficient_privilege';
        END IF;
    END IF;
    RETURN v_id;
END
$$;
COMMENT ON FUNCTION rbp.report_check_publish(date, text) IS
    'Internal (publish_reports): refuses a future as-of day or an unknown authority (22023); the authority''s id';

CREATE OR REPLACE FUNCTION rbp.report_publish_due(p_authority_id integer, p_kind text, p_start date, p_as_of date)
    RETURNS rbp.report_publication
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    v_row rbp.report_publication;
    v_code text;
    v_ysm integer;
BEGIN
    SELECT code, year_start_month INTO v_code, v_ysm FROM rbp.authority WHERE authority_id = p_authority_id;
    PERFORM rbp.report_check_publish(p_as_of, v_code);
    IF v_code IS NULL THEN
        RAISE EXCEPTION 'no authority %', p_authority_id USING ERRCODE = '22023';
    END IF;
    IF p_kind NOT IN ('quarter', 'year') OR p_start IS NULL OR v_code IS NULL
       OR p_start <> (CASE p_kind WHEN 'year' THEN rbp.report_year_start(p_start, v_ysm) ELSE date_trunc('quarter', p_start)::date END)
       OR (p_start + (CASE p_kind WHEN 'year' THEN interval '1 year' ELSE interval '3 months' END))::date > p_as_of THEN
        RAISE EXCEPTION 'not a closed quarter or reporting year: % %', p_kind, p_start USING ERRCODE = '22023';
    END IF;
    PERFORM pg_advisory_xact_lock(hashtext('rbp.publish_reports'));
    IF EXISTS (SELECT FROM rbp.report_publication p WHERE p.authority_id = p_authority_id
                  AND p.period_kind = p_kind AND p.period_start = p_start) THEN
        RETURN NULL;
    END IF;
    IF p_kind = 'year' AND (SELECT count(*) FROM rbp.report_publication p
                             WHERE p.authority_id = p_authority_id AND p.period_kind = 'quarter' AND p.status = 'published'
                               AND p.period_start >= p_start AND p.period_start < p_start + interval '1 year') < 4 THEN
        RAISE EXCEPTION 'the year % of % cannot be published before its four quarters', p_start, v_code
              USING ERRCODE = '22023';
    END IF;
    v_row := rbp.report_publish_period(p_authority_id, p_kind, p_start, p_as_of);
    IF v_row.status = 'refused' THEN
        RAISE WARNING 'reports of % for % refused: % suppressed counts could not be protected',
                      v_code, rbp.report_period_label(p_kind, p_start, v_ysm), v_row.unresolved
              USING HINT = 'Nothing of this period is shown. The cells are listed in rbp.report_unprotected.';
    ELSE
        RAISE NOTICE 'reports of % for % published: % cells, % suppressed',
                     v_code, rbp.report_period_label(p_kind, p_start, v_ysm), v_row.cells, v_row.hidden_cells;
    END IF;
    RETURN v_row;
END
$$;
COMMENT ON FUNCTION rbp.report_publish_due(integer, text, date, date) IS
    'Step of rbp.publish_reports: publishes one closed period of an authority (NOTICE; WARNING when refused); NULL when already published';

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
  JOIN rbp.authority a USING (authority_id)
  JOIN rbp.instrument i USING (instrument_id)
  LEFT JOIN rbp.question q USING (question_id)
  LEFT JOIN rbp.team t ON t.team_id = c.team_id
  LEFT JOIN rbp.staff w ON w.staff_id = c.worker_id
  CROSS JOIN LATERAL (SELECT NOT c.hidden AND (c.method = 1 OR NOT c.share_hidden) AS shown) s
 WHERE c.topic = 'scores' AND c.authority_id = ANY ((SELECT rbp.report_authorities())::integer[]);

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
  JOIN rbp.authority a USING (authority_id)
  JOIN rbp.instrument i USING (instrument_id)
  JOIN rbp.question q USING (question_id)
  LEFT JOIN rbp.team t ON t.team_id = c.team_id
  LEFT JOIN rbp.staff w ON w.staff_id = c.worker_id
  CROSS JOIN LATERAL (SELECT u.hidden, u.point::integer AS point FROM unnest(c.points_hidden) WITH ORDINALITY u(hidden, point)) p
 WHERE c.topic = 'scores' AND c.method = 2 AND c.points_hidden IS NOT NULL
   AND c.authority_id = ANY ((SELECT rbp.report_authorities())::integer[]);

CREATE OR REPLACE VIEW rbp.report_statements AS
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
  FROM (SELECT authority_id, level, team_id, worker_id, period_kind, period_start, respondent_kind,
               coalesce(sum(n) FILTER (WHERE topic = 'responses'), 0) AS responses,
               coalesce(bool_or(hidden) FILTER (WHERE topic = 'responses'), false) AS responses_hidden,
               coalesce(sum(n) FILTER (WHERE topic = 'invitations'), 0) AS invitations,
               coalesce(bool_or(hidden) FILTER (WHERE topic = 'invitations'), false) AS invitations_hidden
          FROM rbp.report_cell
         WHERE topic IN ('responses', 'invitations') AND level IN ('authority', 'team', 'worker')
         GROUP BY authority_id, level, team_id, worker_id, period_kind, period_start, respondent_kind) k
  JOIN rbp.authority a ON a.authority_id = k.authority_id
  LEFT JOIN rbp.team t ON t.team_id = k.team_id
  LEFT JOIN rbp.staff w ON w.staff_id = k.worker_id
 WHERE k.authority_id = ANY ((SELECT rbp.report_authorities())::integer[]);

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
  JOIN rbp.authority a USING (authority_id)
  JOIN rbp.theme th USING (theme_id)
  LEFT JOIN rbp.team t ON t.team_id = c.team_id
 WHERE c.topic = 'themes' AND c.level IN ('authority', 'team') AND c.authority_id = ANY ((SELECT rbp.report_authorities())::integer[]);

