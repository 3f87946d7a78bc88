-- Reports for report writers (guarantee G3): per-authority, per-team and per-worker counts by
-- quarter, per-authority by month and reporting year, with small numbers suppressed so
-- that nothing a reader can solve from the whole publication recovers a suppressed value.
-- doc/reports.md explains the rules to report writers; this file implements them.
--
-- How it works:
--  * Reports are *published*, not computed on the fly: rbp.publish_reports publishes each closed
--    quarter of each authority (with its three months at authority level) once, then each
--    reporting year (the authority's year_start_month: 1 calendar, 4 April financial year) once its
--    four quarters are. A published cell never changes afterwards.
--  * Counts are of people: within a cell a named respondent counts once (their latest response of
--    the period counts, with its answers); worker-only and anonymous responses cannot be linked to
--    one another and count once each (doc/reports.md says what that means).
--  * Every number a reader sees is a variable of one linear model per authority and year (the
--    year, its quarters, their months): a cell's people; each statement's answers at each point;
--    the parts that are never published (responses without a worker or a team). The relations a
--    reader knows are written down once, in rbp.report_build_model: entities add up, points add up
--    to their statement, a statement's count bounds the all-statements count, kinds add up, people
--    who scored or were tagged are among those who responded, a period is covered by its parts
--    (and equals their sum whenever it does). Means, medians and shares are shown only where every
--    count they are computed from is shown, so their rounding tells nothing more.
--  * The suppression core (src/suppress.c) audits that model by interval propagation and hides
--    more, cheapest first, until every suppressed variable's interval holds at least three integers;
--    a period it cannot protect is refused (recorded, WARNING) rather than published.

ALTER TABLE rbp.authority ADD COLUMN year_start_month integer NOT NULL DEFAULT 1
    CHECK (year_start_month IN (1, 4, 7, 10));
COMMENT ON COLUMN rbp.authority.year_start_month IS
    'First month of the authority''s reporting year (1 calendar year, 4 April financial year, 7, 10): published years and financial-year labels follow it';

CREATE TABLE rbp.report_publication (
    authority_id    integer NOT NULL REFERENCES rbp.authority,
    period_kind     text NOT NULL CHECK (period_kind IN ('quarter', 'year')),
    period_start    date NOT NULL,
    published_on    date NOT NULL,
    threshold       integer NOT NULL,
    unresolved      integer NOT NULL DEFAULT 0,
    PRIMARY KEY (authority_id, period_kind, period_start),
    CONSTRAINT report_publication_check CHECK (period_start = date_trunc('month', period_start)::date),
    published_at    timestamptz NOT NULL DEFAULT now(),
    status          text NOT NULL DEFAULT 'published' CHECK (status IN ('published', 'refused')),
    cells           integer,
    hidden_cells    integer,
    method          smallint NOT NULL DEFAULT 2
);
COMMENT ON TABLE rbp.report_publication IS
    'Which quarters and years of which authority have been published or refused, when, with which threshold and how much was hidden; readable by the administrator and QA (no feedback values)';
COMMENT ON COLUMN rbp.report_publication.unresolved IS
    'Suppressed counts that could not be protected (interval narrower than three values): the period is then refused, see rbp.report_unprotected';
COMMENT ON COLUMN rbp.report_publication.status IS 'published, or refused (nothing of the period is shown: see rbp.report_unprotected)';
COMMENT ON COLUMN rbp.report_publication.cells IS 'Cells published (rows of the report views, all topics)';
COMMENT ON COLUMN rbp.report_publication.hidden_cells IS 'Of those, cells whose count is suppressed (c)';
COMMENT ON COLUMN rbp.report_publication.method IS
    '1: published by 0.1.0 (groups checked one at a time); 2: the whole model audited by rbp.report_protect';
REVOKE ALL ON rbp.report_publication FROM PUBLIC;
GRANT SELECT ON rbp.report_publication TO rbp_admin, rbp_qa;
-- Each QA login reads the records of the authorities it is mapped to; the administrator all.
ALTER TABLE rbp.report_publication ENABLE ROW LEVEL SECURITY;
CREATE POLICY report_publication_admin ON rbp.report_publication FOR SELECT TO rbp_admin USING (true);
COMMENT ON POLICY report_publication_admin ON rbp.report_publication IS 'The administrator reads what was published for every authority';
CREATE POLICY report_publication_qa ON rbp.report_publication FOR SELECT TO rbp_qa
    USING (authority_id = ANY ((SELECT rbp.current_qa_authorities())::integer[]));
COMMENT ON POLICY report_publication_qa ON rbp.report_publication IS 'QA reads what was published for its own authorities';

CREATE TABLE rbp.report_unprotected (
    authority_id    integer NOT NULL REFERENCES rbp.authority,
    period_kind     text NOT NULL,
    period_start    date NOT NULL,
    cell            text NOT NULL,
    recorded_at     timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE rbp.report_unprotected IS
    'The suppressed counts publish_reports could not protect (the period was refused): which cell, never its value; readable by the administrator and QA';
COMMENT ON COLUMN rbp.report_unprotected.cell IS 'The cell: topic, level, team, worker, period, instrument, statement, point';
REVOKE ALL ON rbp.report_unprotected FROM PUBLIC;
GRANT SELECT ON rbp.report_unprotected TO rbp_admin, rbp_qa;
-- Each QA login reads the records of the authorities it is mapped to; the administrator all.
ALTER TABLE rbp.report_unprotected ENABLE ROW LEVEL SECURITY;
CREATE POLICY report_unprotected_admin ON rbp.report_unprotected FOR SELECT TO rbp_admin USING (true);
COMMENT ON POLICY report_unprotected_admin ON rbp.report_unprotected IS 'The administrator reads which cells could not be protected, for every authority';
CREATE POLICY report_unprotected_qa ON rbp.report_unprotected FOR SELECT TO rbp_qa
    USING (authority_id = ANY ((SELECT rbp.current_qa_authorities())::integer[]));
COMMENT ON POLICY report_unprotected_qa ON rbp.report_unprotected IS 'QA reads which cells could not be protected, for its own authorities';

CREATE TABLE rbp.report_cell (
    cell_id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    authority_id    integer NOT NULL REFERENCES rbp.authority,
    topic           text NOT NULL CHECK (topic IN ('scores', 'responses', 'invitations', 'themes', 'unscored')),
    level           text NOT NULL CHECK (level IN ('authority', 'team', 'worker', 'no_team', 'no_worker')),
    team_id         integer,
    worker_id       integer,
    period_kind     text NOT NULL CHECK (period_kind IN ('month', 'quarter', 'year')),
    period_start    date NOT NULL,
    instrument_id   integer,
    question_id     integer,
    respondent_kind rbp.respondent_kind,
    theme_id        integer,
    n               bigint NOT NULL CHECK (n > 0),
    summary         rbp.likert_distribution,
    answers         bigint NOT NULL DEFAULT 0,
    agreeing        bigint NOT NULL DEFAULT 0,
    hidden          boolean NOT NULL DEFAULT false,
    share_hidden    boolean NOT NULL DEFAULT false,
    published_on    date NOT NULL,
    points_hidden   boolean[],
    method          smallint NOT NULL DEFAULT 2
);
COMMENT ON TABLE rbp.report_cell IS
    'Internal: the published report cells with their suppression flags; read by no role, only through the report views';
COMMENT ON COLUMN rbp.report_cell.level IS
    'authority, team, worker (method 1 also stored here the never-published parts no_team and no_worker, now in rbp.report_unpublished)';
COMMENT ON COLUMN rbp.report_cell.n IS
    'scores: respondents (people); responses: people who responded; invitations: invitations issued; themes: people whose response was tagged';
COMMENT ON COLUMN rbp.report_cell.question_id IS 'scores: the statement or dial; NULL: all statements of the instrument';
COMMENT ON COLUMN rbp.report_cell.respondent_kind IS 'NULL: all kinds';
COMMENT ON COLUMN rbp.report_cell.hidden IS 'Suppressed (primary or secondary): the count is shown as c, and nothing computed from it';
COMMENT ON COLUMN rbp.report_cell.share_hidden IS
    'Mean, median and share agreeing not shown: the count or one of the point counts they are computed from is suppressed';
COMMENT ON COLUMN rbp.report_cell.points_hidden IS 'Per point of a statement''s scale: that point''s count (and share) is suppressed';
COMMENT ON COLUMN rbp.report_cell.method IS '1: published by 0.1.0; 2: audited as one model (rbp.report_protect)';
REVOKE ALL ON rbp.report_cell FROM PUBLIC;
CREATE INDEX report_cell_period ON rbp.report_cell (authority_id, period_kind, period_start);

CREATE TABLE rbp.report_unpublished (
    authority_id    integer NOT NULL REFERENCES rbp.authority,
    topic           text NOT NULL,
    level           text NOT NULL CHECK (level IN ('no_team', 'no_worker')),
    team_id         integer,
    period_kind     text NOT NULL,
    period_start    date NOT NULL,
    instrument_id   integer,
    question_id     integer,
    theme_id        integer,
    n               bigint NOT NULL CHECK (n > 0),
    summary         rbp.likert_distribution
);
COMMENT ON TABLE rbp.report_unpublished IS
    'Internal: the parts of published totals that are never published (responses without a team; within a team, anonymous ones), kept so that later audits include them; read by no role and by no view';
REVOKE ALL ON rbp.report_unpublished FROM PUBLIC;
CREATE INDEX report_unpublished_period ON rbp.report_unpublished (authority_id, period_kind, period_start);

-- ---------------------------------------------------------------------------------------------
-- Periods and their labels: one rule each.

CREATE FUNCTION rbp.report_year_start(p_day date, p_year_start_month integer) RETURNS date
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    RETURN (date_trunc('year', p_day - make_interval(months => p_year_start_month - 1))
            + make_interval(months => p_year_start_month - 1))::date;
COMMENT ON FUNCTION rbp.report_year_start(date, integer) IS
    'First day of the reporting year (starting in month p_year_start_month) that contains p_day';

-- The two labels are single expressions of immutable built-ins (extract on a date, lpad; no
-- to_char, which is only stable; not STRICT: they return NULL for a NULL argument themselves), so
-- that the planner inlines them into the report views: called as SQL functions they cost tens of
-- microseconds a row, more for a report writer than for a superuser (issue 18). Checked equal to
-- the to_char forms they replace for every kind, month of year start and day from 1900 to 2100.
CREATE FUNCTION rbp.report_period_label(p_kind text, p_start date, p_year_start_month integer) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN CASE WHEN p_start IS NULL OR p_year_start_month IS NULL THEN NULL
                WHEN p_kind = 'month'
                THEN lpad(extract(year FROM p_start)::integer::text, greatest(4, length(extract(year FROM p_start)::integer::text)), '0')
                     || '-' || lpad(extract(month FROM p_start)::integer::text, 2, '0')
                WHEN p_kind = 'quarter'
                THEN lpad(extract(year FROM p_start)::integer::text, greatest(4, length(extract(year FROM p_start)::integer::text)), '0')
                     || '-Q' || extract(quarter FROM p_start)::integer::text
                WHEN p_kind = 'year'
                THEN lpad(extract(year FROM p_start)::integer::text, greatest(4, length(extract(year FROM p_start)::integer::text)), '0')
                     || CASE WHEN p_year_start_month = 1 THEN ''
                             ELSE '-' || lpad(((extract(year FROM p_start)::integer + 1) % 100)::text, 2, '0') END
           END;
COMMENT ON FUNCTION rbp.report_period_label(text, date, integer) IS
    'Calendar label of a published period: 2026-04, 2026-Q2, 2026 (a year starting in another month: 2026-27)';

CREATE FUNCTION rbp.report_fy_label(p_kind text, p_start date, p_year_start_month integer) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN CASE WHEN p_kind IS NULL OR p_start IS NULL OR p_year_start_month IS NULL THEN NULL
           ELSE lpad(extract(year FROM rbp.report_year_start(p_start, p_year_start_month))::integer::text,
                     greatest(4, length(extract(year FROM rbp.report_year_start(p_start, p_year_start_month))::integer::text)), '0')
                || CASE WHEN p_year_start_month = 1 THEN ''
                        ELSE '-' || lpad(((extract(year FROM rbp.report_year_start(p_start, p_year_start_month))::integer + 1) % 100)::text, 2, '0') END
                || CASE p_kind
                     WHEN 'month' THEN ' M' || lpad(((extract(year FROM p_start) - extract(year FROM rbp.report_year_start(p_start, p_year_start_month))) * 12
                                                     + extract(month FROM p_start) - extract(month FROM rbp.report_year_start(p_start, p_year_start_month)) + 1)::integer::text, 2, '0')
                     WHEN 'quarter' THEN ' Q' || (((extract(year FROM p_start) - extract(year FROM rbp.report_year_start(p_start, p_year_start_month))) * 12
                                                    + extract(month FROM p_start) - extract(month FROM rbp.report_year_start(p_start, p_year_start_month)))::integer / 3 + 1)::text
                     ELSE '' END
           END;
COMMENT ON FUNCTION rbp.report_fy_label(text, date, integer) IS
    'Reporting-year label of a published period for an authority whose year starts in p_year_start_month: 2026-27 Q1, 2026-27 M01, 2026-27 (calendar years: 2026 Q2)';

-- The administrator sets an authority's reporting year, before its first year is published.
CREATE FUNCTION rbp.set_year_start_month(p_authority text, p_month integer) RETURNS void
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    v_id integer;
BEGIN
    SELECT authority_id INTO v_id FROM rbp.authority WHERE code = p_authority FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no authority with code %', p_authority USING ERRCODE = '22023';
    END IF;
    IF p_month IS NULL OR p_month NOT IN (1, 4, 7, 10) THEN
        RAISE EXCEPTION 'a reporting year starts in month 1, 4, 7 or 10, not %', coalesce(p_month::text, 'NULL')
              USING ERRCODE = '22023', HINT = 'Years are made of published quarters: 4 is the April financial year.';
    END IF;
    IF EXISTS (SELECT FROM rbp.report_publication WHERE authority_id = v_id AND period_kind = 'year') THEN
        RAISE EXCEPTION 'the reporting year of % cannot change: years are already published', p_authority
              USING ERRCODE = '55000',
                    HINT = 'Two kinds of year side by side would publish the difference of two quarters nobody protected.';
    END IF;
    UPDATE rbp.authority SET year_start_month = p_month WHERE authority_id = v_id;
END
$$;
COMMENT ON FUNCTION rbp.set_year_start_month(text, integer) IS
    'Set the first month (1, 4, 7 or 10) of an authority''s reporting year, before any of its years is published (22023 bad input, 55000 years already published)';
REVOKE ALL ON FUNCTION rbp.set_year_start_month(text, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION rbp.set_year_start_month(text, integer) TO rbp_admin;

-- ---------------------------------------------------------------------------------------------
-- Late feedback: a response whose month lies in an already published quarter counts in the first
-- month not yet published (the period it arrives in), never silently nowhere.

CREATE FUNCTION rbp.report_late_response() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
BEGIN
    IF EXISTS (SELECT FROM rbp.report_publication
                WHERE authority_id = NEW.authority_id AND period_kind = 'quarter'
                  AND period_start = date_trunc('quarter', NEW.period)::date) THEN
        NEW.period := (SELECT (max(period_start) + interval '3 months')::date FROM rbp.report_publication
                        WHERE authority_id = NEW.authority_id AND period_kind = 'quarter');
    END IF;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION rbp.report_late_response() IS
    'Trigger: a response counting in an already published quarter counts in the first month after the last published quarter instead';
REVOKE ALL ON FUNCTION rbp.report_late_response() FROM PUBLIC;
CREATE TRIGGER response_late_for_reports BEFORE INSERT OR UPDATE OF period ON rbp.response
    FOR EACH ROW EXECUTE FUNCTION rbp.report_late_response();

-- ---------------------------------------------------------------------------------------------
-- The suppression core (src/suppress.c).

CREATE FUNCTION rbp.report_protect(p_value bigint[], p_hidden boolean[], p_frozen boolean[], p_lower bigint[],
                                   p_owner integer[], p_term_rel integer[], p_term_var integer[],
                                   p_term_coef integer[], p_rel_eq boolean[], p_demand boolean[],
                                   p_min_width integer, p_secondary boolean)
    RETURNS smallint[]
    AS 'MODULE_PATHNAME', 'report_protect' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION rbp.report_protect(bigint[], boolean[], boolean[], bigint[], integer[], integer[], integer[], integer[], boolean[], boolean[], integer, boolean) IS
    'Internal (publish_reports): secondary suppression of one publication model (p_demand: the variables that must keep min_width possible values when suppressed); per variable 0 shown, 1 suppressed, 2 suppressed but not protectable';
REVOKE ALL ON FUNCTION rbp.report_protect(bigint[], boolean[], boolean[], bigint[], integer[], integer[], integer[], integer[], boolean[], boolean[], integer, boolean) FROM PUBLIC;

CREATE FUNCTION rbp.report_bounds(p_value bigint[], p_hidden boolean[], p_frozen boolean[], p_lower bigint[],
                                  p_owner integer[], p_term_rel integer[], p_term_var integer[],
                                  p_term_coef integer[], p_rel_eq boolean[])
    RETURNS bigint[]
    AS 'MODULE_PATHNAME', 'report_bounds' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION rbp.report_bounds(bigint[], boolean[], boolean[], bigint[], integer[], integer[], integer[], integer[], boolean[]) IS
    'Internal (tests, audits): the interval [lower, upper] the product''s audit derives for each variable of a publication model (equality relations added together, then interval propagation; upper NULL: unbounded)';
REVOKE ALL ON FUNCTION rbp.report_bounds(bigint[], boolean[], boolean[], bigint[], integer[], integer[], integer[], integer[], boolean[]) FROM PUBLIC;

-- ---------------------------------------------------------------------------------------------
-- The work tables of one run: created once per session (never once per period), emptied at
-- commit and at the start of each run.

CREATE FUNCTION rbp.report_work_tables() RETURNS void
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, rbp, pg_temp
    SET client_min_messages = warning
    AS $$
BEGIN
    CREATE TEMP TABLE IF NOT EXISTS report_run_cell (
        cell_no integer PRIMARY KEY, topic text, level text, team_id integer, worker_id integer,
        period_kind text, period_start date, instrument_id integer, question_id integer,
        respondent_kind rbp.respondent_kind, theme_id integer, n bigint, summary rbp.likert_distribution,
        frozen boolean, hidden boolean, points_hidden boolean[], share_hidden boolean DEFAULT false
    ) ON COMMIT DELETE ROWS;
    CREATE TEMP TABLE IF NOT EXISTS report_run_var (
        var_no integer PRIMARY KEY, cell_no integer, point integer, value bigint, hidden boolean,
        frozen boolean, lower bigint, owner integer, status smallint, demand boolean
    ) ON COMMIT DELETE ROWS;
    CREATE TEMP TABLE IF NOT EXISTS report_run_term (
        rel_key text, var_no integer, coef integer, eq boolean
    ) ON COMMIT DELETE ROWS;
    DELETE FROM pg_temp.report_run_cell;
    DELETE FROM pg_temp.report_run_var;
    DELETE FROM pg_temp.report_run_term;
    CREATE TEMP TABLE IF NOT EXISTS report_run_aux (aux_no integer, cell_no integer, sign integer) ON COMMIT DELETE ROWS;
    DELETE FROM pg_temp.report_run_aux;
END
$$;
COMMENT ON FUNCTION rbp.report_work_tables() IS
    'Internal (publish_reports): the session''s work tables of a publication run, created once per session and emptied';
REVOKE ALL ON FUNCTION rbp.report_work_tables() FROM PUBLIC;

-- The cells of one period of one authority as the feedback stands now, into pg_temp.report_run_cell
-- (not frozen), numbered from p_first: for a quarter also its months at authority level.
CREATE FUNCTION rbp.report_compute_cells(p_authority_id integer, p_kind text, p_start date, p_first integer,
                                         p_threshold integer)
    RETURNS integer
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    v_end date := (p_start + CASE p_kind WHEN 'quarter' THEN interval '3 months' ELSE interval '1 year' END)::date;
    v_rows integer;
BEGIN
    WITH r AS (
        -- the responses of the period; a worker only for named and worker-only ones
        SELECT r.response_id, r.team_id,
               CASE WHEN r.anonymity <> 'anonymous' THEN r.worker_id END AS worker_id,
               r.period AS month, r.respondent_kind AS kind, r.instrument_id,
               CASE WHEN r.anonymity = 'named' AND r.respondent_id IS NOT NULL THEN 'r' || r.respondent_id
                    ELSE 'x' || r.response_id END AS unit,
               r.submitted_on
          FROM rbp.response r
         WHERE r.authority_id = p_authority_id AND r.period >= p_start AND r.period < v_end
    ), chosen AS (
        -- per period and person, the one response that counts: their latest
        SELECT DISTINCT ON (p.pkind, p.pstart, r.unit) r.*, p.pkind, p.pstart
          FROM r CROSS JOIN LATERAL (SELECT p_kind, p_start UNION ALL SELECT 'month', r.month WHERE p_kind = 'quarter') p(pkind, pstart)
         ORDER BY p.pkind, p.pstart, r.unit, r.submitted_on DESC NULLS LAST, r.response_id
    ), ent AS (
        -- the entities it counts in, and the respondent kinds (broken down at authority level)
        SELECT c.response_id, c.pkind, c.pstart, c.instrument_id, e.level, e.team_id, e.worker_id, k.kind
          FROM chosen c
         CROSS JOIN LATERAL (
            SELECT 'authority' AS level, NULL::integer AS team_id, NULL::integer AS worker_id
            UNION ALL
            SELECT CASE WHEN c.team_id IS NULL THEN 'no_team' ELSE 'team' END, c.team_id, NULL WHERE c.pkind = 'quarter'
            UNION ALL
            SELECT CASE WHEN c.worker_id IS NULL THEN 'no_worker' ELSE 'worker' END, c.team_id, c.worker_id
             WHERE c.team_id IS NOT NULL AND c.pkind = 'quarter'
         ) e
         CROSS JOIN LATERAL (SELECT NULL::rbp.respondent_kind UNION ALL SELECT c.kind WHERE e.level = 'authority' AND c.pkind = p_kind) k(kind)
    ), per_response AS (
        -- scores of each response: all statements (one respondent) and each statement
        SELECT a.response_id, NULL::integer AS question_id, rbp.likert_respondent(a.score) AS d
          FROM rbp.answer a WHERE a.response_id IN (SELECT response_id FROM chosen) AND a.score IS NOT NULL
         GROUP BY a.response_id
        UNION ALL
        SELECT a.response_id, a.question_id, rbp.likert_summary(a.score)
          FROM rbp.answer a WHERE a.response_id IN (SELECT response_id FROM chosen) AND a.score IS NOT NULL
         GROUP BY a.response_id, a.question_id
    ), cells AS (
        SELECT 'responses' AS topic, e.level, e.team_id, e.worker_id, e.pkind, e.pstart, NULL::integer AS instrument_id,
               NULL::integer AS question_id, e.kind, NULL::integer AS theme_id, count(*) AS n, NULL::rbp.likert_distribution AS summary
          FROM ent e GROUP BY e.level, e.team_id, e.worker_id, e.pkind, e.pstart, e.kind
        UNION ALL
        SELECT 'scores', e.level, e.team_id, e.worker_id, e.pkind, e.pstart, e.instrument_id, s.question_id, e.kind, NULL,
               rbp.respondents(rbp.likert_summary(s.d)), rbp.likert_summary(s.d)
          FROM ent e JOIN per_response s USING (response_id)
         WHERE (e.kind IS NULL OR s.question_id IS NULL) AND (s.question_id IS NULL OR e.pkind <> 'month')
         GROUP BY e.level, e.team_id, e.worker_id, e.pkind, e.pstart, e.instrument_id, s.question_id, e.kind
        UNION ALL
        SELECT 'themes', e.level, e.team_id, NULL, e.pkind, e.pstart, NULL, NULL, NULL, rt.theme_id, count(*), NULL
          FROM ent e JOIN rbp.response_theme rt USING (response_id)
         WHERE e.kind IS NULL AND e.level IN ('authority', 'team', 'no_team')
         GROUP BY e.level, e.team_id, e.pkind, e.pstart, rt.theme_id
        UNION ALL
        SELECT 'invitations', e.level, e.team_id, e.worker_id, p.pkind, p.pstart, NULL, NULL, e.kind, NULL, count(*), NULL
          FROM (SELECT date_trunc('month', i.issued_on)::date AS month, v.team_id,
                       rbp.worker_on(i.involvement_id, i.issued_on) AS worker_id, rs.kind
                  FROM rbp.invitation i
                  JOIN rbp.involvement v USING (involvement_id)
                  JOIN rbp.respondent rs ON rs.respondent_id = i.respondent_id
                 WHERE i.authority_id = p_authority_id AND i.issued_on >= p_start AND i.issued_on < v_end) i
         CROSS JOIN LATERAL (SELECT p_kind, p_start UNION ALL SELECT 'month', i.month WHERE p_kind = 'quarter') p(pkind, pstart)
         CROSS JOIN LATERAL (
            SELECT 'authority' AS level, NULL::integer AS team_id, NULL::integer AS worker_id, NULL::rbp.respondent_kind AS kind
            UNION ALL SELECT 'authority', NULL, NULL, i.kind WHERE p.pkind = p_kind
            UNION ALL SELECT 'team', i.team_id, NULL, NULL WHERE p.pkind = 'quarter'
            UNION ALL SELECT CASE WHEN i.worker_id IS NULL THEN 'no_worker' ELSE 'worker' END, i.team_id, i.worker_id, NULL
                       WHERE p.pkind = 'quarter'
         ) e(level, team_id, worker_id, kind)
         GROUP BY e.level, e.team_id, e.worker_id, p.pkind, p.pstart, e.kind
    )
    INSERT INTO pg_temp.report_run_cell (cell_no, topic, level, team_id, worker_id, period_kind, period_start,
                                         instrument_id, question_id, respondent_kind, theme_id, n, summary,
                                         frozen, hidden, points_hidden)
    SELECT p_first + row_number() OVER (ORDER BY c.pkind, c.pstart, c.topic, c.level, c.team_id, c.worker_id,
                                                 c.instrument_id, c.question_id, c.kind, c.theme_id) - 1,
           c.topic, c.level, c.team_id, c.worker_id, c.pkind, c.pstart, c.instrument_id, c.question_id, c.kind,
           c.theme_id, c.n, c.summary, false,
           -- primary suppression: 1..threshold; the parts never published are always hidden
           c.n <= p_threshold OR c.level IN ('no_team', 'no_worker'),
           CASE WHEN c.question_id IS NOT NULL THEN
               ARRAY(SELECT rbp.point_count(c.summary, p) BETWEEN 1 AND p_threshold OR c.n <= p_threshold
                            OR c.level IN ('no_team', 'no_worker')
                       FROM generate_series(1, rbp.points(c.summary)) p) END
      FROM cells c
     WHERE c.n > 0;
    GET DIAGNOSTICS v_rows = ROW_COUNT;
    RETURN v_rows;
END
$$;
COMMENT ON FUNCTION rbp.report_compute_cells(integer, text, date, integer, integer) IS
    'Internal (publish_reports): computes the cells of one quarter (with its months at authority level) or year of an authority, with primary suppression, into the run''s work table';
REVOKE ALL ON FUNCTION rbp.report_compute_cells(integer, text, date, integer, integer) FROM PUBLIC;

-- The stored cells of the published periods of an authority in [p_from, p_to), published and
-- never published, into pg_temp.report_run_cell as frozen, numbered from p_first.
CREATE FUNCTION rbp.report_load_cells(p_authority_id integer, p_from date, p_to date, p_kinds text[], p_first integer)
    RETURNS integer
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    v_rows integer;
BEGIN
    INSERT INTO pg_temp.report_run_cell (cell_no, topic, level, team_id, worker_id, period_kind, period_start,
                                         instrument_id, question_id, respondent_kind, theme_id, n, summary,
                                         frozen, hidden, points_hidden, share_hidden)
    SELECT p_first + row_number() OVER (ORDER BY s.src, s.id) - 1, s.topic, s.level, s.team_id, s.worker_id,
           s.period_kind, s.period_start, s.instrument_id, s.question_id, s.respondent_kind, s.theme_id, s.n,
           s.summary, true, s.hidden, s.points_hidden, s.share_hidden
      FROM (SELECT 1 AS src, c.cell_id AS id, c.topic, c.level, c.team_id, c.worker_id, c.period_kind, c.period_start,
                   c.instrument_id, c.question_id, c.respondent_kind, c.theme_id, c.n, c.summary, c.hidden,
                   c.points_hidden, c.share_hidden
              FROM rbp.report_cell c
             WHERE c.authority_id = p_authority_id AND c.method = 2 AND c.period_kind = ANY (p_kinds)
               AND c.period_start >= p_from AND c.period_start < p_to
            UNION ALL
            SELECT 2, row_number() OVER (), u.topic, u.level, u.team_id, NULL, u.period_kind, u.period_start,
                   u.instrument_id, u.question_id, NULL, u.theme_id, u.n, u.summary, true,
                   CASE WHEN u.question_id IS NOT NULL THEN array_fill(true, ARRAY[rbp.points(u.summary)]) END, true
              FROM rbp.report_unpublished u
             WHERE u.authority_id = p_authority_id AND u.period_kind = ANY (p_kinds)
               AND u.period_start >= p_from AND u.period_start < p_to) s;
    GET DIAGNOSTICS v_rows = ROW_COUNT;
    RETURN v_rows;
END
$$;
COMMENT ON FUNCTION rbp.report_load_cells(integer, date, date, text[], integer) IS
    'Internal (publish_reports, audits): loads the stored cells of published periods into the run''s work table, frozen';
REVOKE ALL ON FUNCTION rbp.report_load_cells(integer, date, date, text[], integer) FROM PUBLIC;

-- The linear model of the cells in pg_temp.report_run_cell: every relation a reader knows, written
-- once. Variables: each cell's count (point 0) and, for a statement, its count at each point; and
-- the derived counts a reader can form but that are never published (aux_*): people who responded
-- but scored nothing, who scored but skipped a statement, the answers beyond one per person, people
-- who responded but were not tagged with a theme, people counted in more than one part of a period.
-- Each derived count is the difference of two published ones, is >= 0, and adds up over entities
-- like any count: writing them down lets interval propagation follow a difference through the
-- entities as a solver would. Relations ("sum of coef * var = 0") are kept only where the true
-- values satisfy them; a derived count that is 0 in truth is taken as known (a reader may assume
-- nobody answered twice, or everybody answered everything).
-- Its statements are planned afresh for every period over work tables of a few thousand rows:
-- JIT compilation (on by default) would cost seconds per statement and save nothing (jit = off).
CREATE FUNCTION rbp.report_build_model() RETURNS void
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
COMMENT ON FUNCTION rbp.report_build_model() IS
    'Internal (publish_reports, audits): the variables (published counts and the derived counts a reader can form) and relations a reader knows among the cells of the run''s work table — every relation, written once';
REVOKE ALL ON FUNCTION rbp.report_build_model() FROM PUBLIC;

-- Runs the suppression core on the model of the work tables; sets report_run_var.status and the
-- cells' flags; returns the number of variables it could not protect.
CREATE FUNCTION rbp.report_run_protect(p_secondary boolean) RETURNS integer
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    v_status smallint[];
BEGIN
    WITH rel AS (
        SELECT rel_key, dense_rank() OVER (ORDER BY rel_key)::integer AS rel_no, bool_and(eq) OVER (PARTITION BY rel_key) AS eq,
               var_no, coef
          FROM pg_temp.report_run_term
    ), v AS (
        SELECT array_agg(value ORDER BY var_no) AS value, array_agg(hidden ORDER BY var_no) AS hidden,
               array_agg(frozen ORDER BY var_no) AS frozen, array_agg(lower ORDER BY var_no) AS lower,
               array_agg(owner ORDER BY var_no) AS owner, array_agg(demand ORDER BY var_no) AS demand
          FROM pg_temp.report_run_var
    ), t AS (
        SELECT array_agg(rel_no ORDER BY rel_no, var_no) AS rel, array_agg(var_no ORDER BY rel_no, var_no) AS var,
               array_agg(coef ORDER BY rel_no, var_no) AS coef
          FROM rel
    ), r AS (
        SELECT array_agg(eq ORDER BY rel_no) AS eq FROM (SELECT DISTINCT rel_no, eq FROM rel) x
    )
    SELECT rbp.report_protect(coalesce(v.value, '{}'), coalesce(v.hidden, '{}'), coalesce(v.frozen, '{}'),
                              coalesce(v.lower, '{}'), coalesce(v.owner, '{}'), coalesce(t.rel, '{}'),
                              coalesce(t.var, '{}'), coalesce(t.coef, '{}'), coalesce(r.eq, '{}'), coalesce(v.demand, '{}'),
                              3, p_secondary)
      INTO v_status FROM v, t, r;

    UPDATE pg_temp.report_run_var v SET status = v_status[v.var_no], hidden = v_status[v.var_no] > 0;
    UPDATE pg_temp.report_run_cell c
       SET hidden = x.hidden, points_hidden = x.points_hidden
      FROM (SELECT cell_no, bool_or(hidden) FILTER (WHERE point = 0) AS hidden,
                   array_agg(hidden ORDER BY point) FILTER (WHERE point > 0) AS points_hidden
              FROM pg_temp.report_run_var GROUP BY cell_no) x
     WHERE c.cell_no = x.cell_no AND NOT c.frozen AND c.topic NOT LIKE 'aux%';
    -- means, medians and shares only where every count they are computed from is shown: a
    -- statement's points; for all statements, the points of every statement of the same cell
    -- (there are none by respondent kind, so never by kind)
    UPDATE pg_temp.report_run_cell c
       SET share_hidden = c.hidden OR c.respondent_kind IS NOT NULL OR coalesce(true = ANY (c.points_hidden), false)
     WHERE NOT c.frozen;
    UPDATE pg_temp.report_run_cell a SET share_hidden = true
      FROM (SELECT level, team_id, worker_id, period_kind, period_start, instrument_id
              FROM pg_temp.report_run_cell
             WHERE topic = 'scores' AND question_id IS NOT NULL AND share_hidden
             GROUP BY 1, 2, 3, 4, 5, 6) s
     WHERE NOT a.frozen AND a.topic = 'scores' AND a.question_id IS NULL AND NOT a.share_hidden
       AND s.level = a.level AND coalesce(s.team_id, -1) = coalesce(a.team_id, -1)
       AND coalesce(s.worker_id, -1) = coalesce(a.worker_id, -1) AND s.period_kind = a.period_kind
       AND s.period_start = a.period_start AND s.instrument_id = a.instrument_id;
    RETURN (SELECT count(*) FROM pg_temp.report_run_var WHERE status = 2);
END
$$;
COMMENT ON FUNCTION rbp.report_run_protect(boolean) IS
    'Internal (publish_reports): secondary suppression of the run''s model by rbp.report_protect; returns the counts it could not protect';
REVOKE ALL ON FUNCTION rbp.report_run_protect(boolean) FROM PUBLIC;

-- Loads the model of one period of an authority: a quarter's own cells (computed, or stored when
-- p_stored), or a year's cells with those of its four published quarters and their months.
CREATE FUNCTION rbp.report_load_model(p_authority_id integer, p_kind text, p_start date, p_stored boolean,
                                      p_threshold integer)
    RETURNS void
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    v_n integer := 1;
    v_end date := (p_start + CASE p_kind WHEN 'quarter' THEN interval '3 months' ELSE interval '1 year' END)::date;
BEGIN
    PERFORM rbp.report_work_tables();
    IF p_kind = 'year' THEN
        v_n := v_n + rbp.report_load_cells(p_authority_id, p_start, v_end, ARRAY['month', 'quarter'], v_n);
    END IF;
    IF p_stored THEN
        PERFORM rbp.report_load_cells(p_authority_id, p_start, v_end,
                                      CASE p_kind WHEN 'year' THEN ARRAY['year'] ELSE ARRAY['month', 'quarter'] END, v_n);
    ELSE
        PERFORM rbp.report_compute_cells(p_authority_id, p_kind, p_start, v_n, p_threshold);
    END IF;
    PERFORM rbp.report_build_model();
END
$$;
COMMENT ON FUNCTION rbp.report_load_model(integer, text, date, boolean, integer) IS
    'Internal (publish_reports, audits): fills the session''s work tables with the cells and the model of one period (p_stored: as published)';
REVOKE ALL ON FUNCTION rbp.report_load_model(integer, text, date, boolean, integer) FROM PUBLIC;

-- Publishes one period of one authority: computes, suppresses, audits and stores its cells, or
-- refuses it (nothing shown) when some suppressed count cannot be protected.
CREATE FUNCTION rbp.report_publish_period(p_authority_id integer, p_kind text, p_start date, p_on date,
                                          p_secondary boolean DEFAULT true)
    RETURNS rbp.report_publication
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, rbp, pg_temp
    SET client_min_messages = warning
    AS $$
DECLARE
    v_threshold integer := rbp.suppression_threshold();
    v_unresolved integer;
    v_row rbp.report_publication;
BEGIN
    PERFORM rbp.report_load_model(p_authority_id, p_kind, p_start, false, v_threshold);
    v_unresolved := rbp.report_run_protect(p_secondary);
    IF v_unresolved > 0 THEN
        INSERT INTO rbp.report_unprotected (authority_id, period_kind, period_start, cell)
        SELECT p_authority_id, p_kind, p_start,
               concat_ws(' ', c.topic, c.level, 'team ' || c.team_id, 'worker ' || c.worker_id,
                         c.period_kind || ' ' || c.period_start, 'instrument ' || c.instrument_id,
                         'statement ' || c.question_id, c.respondent_kind, 'theme ' || c.theme_id,
                         CASE WHEN v.point > 0 THEN 'point ' || v.point END)
          FROM pg_temp.report_run_var v JOIN pg_temp.report_run_cell c USING (cell_no)
         WHERE v.status = 2;
    ELSE
        INSERT INTO rbp.report_cell (authority_id, topic, level, team_id, worker_id, period_kind, period_start,
                                     instrument_id, question_id, respondent_kind, theme_id, n, summary, answers,
                                     agreeing, hidden, share_hidden, published_on, points_hidden)
        SELECT p_authority_id, topic, level, team_id, worker_id, period_kind, period_start,
               instrument_id, question_id, respondent_kind, theme_id, n, summary,
               coalesce(rbp.answers(summary), 0), coalesce(rbp.agreeing(summary), 0), hidden, share_hidden, p_on,
               points_hidden
          FROM pg_temp.report_run_cell WHERE NOT frozen AND level IN ('authority', 'team', 'worker');
        INSERT INTO rbp.report_unpublished (authority_id, topic, level, team_id, period_kind, period_start,
                                            instrument_id, question_id, theme_id, n, summary)
        SELECT p_authority_id, topic, level, team_id, period_kind, period_start, instrument_id, question_id,
               theme_id, n, summary
          FROM pg_temp.report_run_cell WHERE NOT frozen AND level IN ('no_team', 'no_worker');
    END IF;
    INSERT INTO rbp.report_publication (authority_id, period_kind, period_start, published_on, threshold, unresolved,
                                        status, cells, hidden_cells)
    SELECT p_authority_id, p_kind, p_start, p_on, v_threshold, v_unresolved,
           CASE WHEN v_unresolved > 0 THEN 'refused' ELSE 'published' END,
           count(*) FILTER (WHERE level IN ('authority', 'team', 'worker')),
           count(*) FILTER (WHERE level IN ('authority', 'team', 'worker') AND hidden)
      FROM pg_temp.report_run_cell WHERE NOT frozen
    RETURNING * INTO v_row;
    DELETE FROM pg_temp.report_run_cell;
    DELETE FROM pg_temp.report_run_var;
    DELETE FROM pg_temp.report_run_term;
    DELETE FROM pg_temp.report_run_aux;
    RETURN v_row;
END
$$;
COMMENT ON FUNCTION rbp.report_publish_period(integer, text, date, date, boolean) IS
    'Internal (publish_reports): computes, suppresses, audits and stores one quarter (with its months) or year of an authority, or refuses it';
REVOKE ALL ON FUNCTION rbp.report_publish_period(integer, text, date, date, boolean) FROM PUBLIC;

-- The periods due: every closed quarter not yet published (from the first quarter of the first
-- reporting year with data), then every reporting year whose four quarters are published.
CREATE FUNCTION rbp.report_due_quarters(p_as_of date, p_authority_id integer)
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
REVOKE ALL ON FUNCTION rbp.report_due_quarters(date, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION rbp.report_due_quarters(date, integer) TO rbp_admin, rbp_qa;

CREATE FUNCTION rbp.report_due_years(p_authority_id integer)
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
REVOKE ALL ON FUNCTION rbp.report_due_years(integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION rbp.report_due_years(integer) TO rbp_admin, rbp_qa;

-- Checks the arguments of both entry points: one rule.
CREATE FUNCTION rbp.report_check_publish(p_as_of date, p_authority text) RETURNS integer
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
        IF v_id IS NULL AND rbp.acting_scope('qa') IS NULL THEN    -- an administrator: every code is known to it
            RAISE EXCEPTION 'no authority with code %', p_authority USING ERRCODE = '22023',
                  HINT = 'Pass the authority''s code (rbp.authority.code), or NULL for every authority.';
        END IF;
        -- who may act for an authority: QA the authorities an administrator mapped it to; an unknown
        -- code gets the same error as another authority's, so that a QA login learns no codes
        IF v_id IS NULL OR NOT rbp.may_act_for(v_id, 'qa') THEN
            RAISE EXCEPTION 'only QA of authority % (or an administrator) publishes its reports', p_authority
                  USING ERRCODE = 'insufficient_privilege';
        END IF;
    END IF;
    RETURN v_id;
END
$$;
COMMENT ON FUNCTION rbp.report_check_publish(date, text) IS
    'Internal (publish_reports): refuses a future as-of day (22023), an authority the QA login does not serve, known or not (42501), an administrator''s unknown code (22023); the authority''s id';
REVOKE ALL ON FUNCTION rbp.report_check_publish(date, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION rbp.report_check_publish(date, text) TO rbp_admin, rbp_qa;

-- Publishes one due period and says so (NOTICE; WARNING when refused); NULL when another run
-- published it meanwhile. One publisher at a time: the lock ends with the period's transaction.
CREATE FUNCTION rbp.report_publish_due(p_authority_id integer, p_kind text, p_start date, p_as_of date)
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
REVOKE ALL ON FUNCTION rbp.report_publish_due(integer, text, date, date) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION rbp.report_publish_due(integer, text, date, date) TO rbp_admin, rbp_qa;

-- The entry points. The procedure holds no SECURITY DEFINER or SET clause (PostgreSQL allows
-- COMMIT only without them): each of its steps is a function that does.
CREATE PROCEDURE rbp.publish_reports(p_as_of date DEFAULT CURRENT_DATE, p_authority text DEFAULT NULL,
                                     INOUT periods_published integer DEFAULT NULL)
    LANGUAGE plpgsql
    AS $$
DECLARE
    v_authority_id integer := rbp.report_check_publish(p_as_of, p_authority);
    v_due record;
    v_row rbp.report_publication;
BEGIN
    periods_published := 0;
    FOR v_due IN SELECT * FROM rbp.report_due_quarters(p_as_of, v_authority_id) LOOP
        v_row := rbp.report_publish_due(v_due.authority_id, v_due.period_kind, v_due.period_start, p_as_of);
        periods_published := periods_published + CASE WHEN v_row.status = 'published' THEN 1 ELSE 0 END;
        COMMIT;
    END LOOP;
    FOR v_due IN SELECT * FROM rbp.report_due_years(v_authority_id) LOOP
        v_row := rbp.report_publish_due(v_due.authority_id, v_due.period_kind, v_due.period_start, p_as_of);
        periods_published := periods_published + CASE WHEN v_row.status = 'published' THEN 1 ELSE 0 END;
        COMMIT;
    END LOOP;
END
$$;
COMMENT ON PROCEDURE rbp.publish_reports(date, text, integer) IS
    'Publish every closed quarter (with its months) not yet published, then every reporting year whose quarters are, for every authority or one (its code); commits after each period with a NOTICE (WARNING when refused), one row per period in rbp.report_publication; returns how many were published (not those refused). Refuses a future as-of day (22023). Published figures never change';
REVOKE ALL ON PROCEDURE rbp.publish_reports(date, text, integer) FROM PUBLIC;
GRANT EXECUTE ON PROCEDURE rbp.publish_reports(date, text, integer) TO rbp_admin, rbp_qa;

CREATE FUNCTION rbp.publish_reports_rows(p_as_of date DEFAULT CURRENT_DATE, p_authority text DEFAULT NULL)
    RETURNS SETOF rbp.report_publication
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    v_authority_id integer := rbp.report_check_publish(p_as_of, p_authority);
    v_due record;
    v_row rbp.report_publication;
BEGIN
    FOR v_due IN SELECT * FROM rbp.report_due_quarters(p_as_of, v_authority_id) LOOP
        v_row := rbp.report_publish_due(v_due.authority_id, v_due.period_kind, v_due.period_start, p_as_of);
        IF v_row IS NOT NULL THEN RETURN NEXT v_row; END IF;
    END LOOP;
    FOR v_due IN SELECT * FROM rbp.report_due_years(v_authority_id) LOOP
        v_row := rbp.report_publish_due(v_due.authority_id, v_due.period_kind, v_due.period_start, p_as_of);
        IF v_row IS NOT NULL THEN RETURN NEXT v_row; END IF;
    END LOOP;
END
$$;
COMMENT ON FUNCTION rbp.publish_reports_rows(date, text) IS
    'As CALL rbp.publish_reports, in the caller''s transaction (no commit per period): one row per period published or refused. For small databases and tests; the procedure is for scheduled runs';
REVOKE ALL ON FUNCTION rbp.publish_reports_rows(date, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION rbp.publish_reports_rows(date, text) TO rbp_admin, rbp_qa;
