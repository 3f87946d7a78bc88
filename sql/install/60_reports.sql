-- Reports for report writers (guarantee G3): per-worker, per-team and per-authority summaries by
-- month, quarter and year, with small numbers suppressed so that differencing cannot undo it.
-- doc/reports.md explains the rules to report writers; this file implements them.
--
-- How it works:
--  * Reports are *published*, not computed on the fly: rbp.publish_reports() computes the cells of
--    every closed calendar quarter (and its three months) once, applies primary and secondary
--    suppression, and stores them; a year is published once its four quarters are, as the roll-up
--    of the stored quarters. A published cell never changes afterwards, so that a later change
--    (a family withdrawing its name moves its response out of the worker's figures and into a
--    later anonymous batch) cannot be found by comparing two versions of the same report.
--  * Only fixed, nested periods are published: months within quarters within calendar years.
--    Arbitrary or overlapping ranges are not: the difference of two overlapping ranges is a small
--    range nobody checked.
--  * Every published number is a cell of one or more additive groups (total = sum of parts):
--      workers (and the responses attributed to no worker) within a team,
--      teams (and the responses without a team) within the authority,
--      months within a quarter, quarters within a year,
--      the statements within "all statements" of an instrument (additive in answers),
--      respondent kinds within all kinds.
--    Primary suppression hides a cell whose count is 1..threshold. Secondary suppression then
--    hides further cells, smallest first, until in every group either nothing is hidden or at
--    least two cells are hidden and the hidden cells together hold more than threshold people —
--    and a hidden total always has a hidden part. The parts that are never published (responses
--    without a worker, i.e. anonymous ones, and without a team) take part as cells, so that "team
--    minus the sum of its workers" is protected like any other difference.
--  * Means and medians are shown only where the count is; the share agreeing has its own layer
--    (agreeing and not agreeing counts, each suppressed when 1..threshold, with the same secondary
--    rule), so that "share times n" cannot recover a small number either.

CREATE TABLE rbp.report_publication (
    authority_id    integer NOT NULL REFERENCES rbp.authority,
    period_kind     text NOT NULL CHECK (period_kind IN ('quarter', 'year')),
    period_start    date NOT NULL,
    published_on    date NOT NULL,
    threshold       integer NOT NULL,
    unresolved      integer NOT NULL DEFAULT 0,
    PRIMARY KEY (authority_id, period_kind, period_start),
    CHECK (period_start = date_trunc(period_kind, period_start)::date)
);
COMMENT ON TABLE rbp.report_publication IS
    'Internal: which quarters and years of which authority have been published (and with which threshold); read by no role';
COMMENT ON COLUMN rbp.report_publication.unresolved IS
    'Groups that secondary suppression could not protect (should be 0; a year whose protection would need a cell of an already published quarter)';
REVOKE ALL ON rbp.report_publication FROM PUBLIC;

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
    published_on    date NOT NULL
);
COMMENT ON TABLE rbp.report_cell IS
    'Internal: the published report cells with their suppression flags, and the never-published cells (level no_team, no_worker) that take part in secondary suppression; read by no role, only through the report views';
COMMENT ON COLUMN rbp.report_cell.level IS
    'authority, team, worker: published; no_team (responses without a team, within the authority) and no_worker (within a team: anonymous responses): never published';
COMMENT ON COLUMN rbp.report_cell.n IS
    'scores: respondents; responses: responses; invitations: invitations issued; themes: responses tagged with the theme; unscored (never published): responses that answered no statement';
COMMENT ON COLUMN rbp.report_cell.question_id IS 'scores: the statement or dial; NULL: all statements of the instrument';
COMMENT ON COLUMN rbp.report_cell.respondent_kind IS 'NULL: all kinds';
COMMENT ON COLUMN rbp.report_cell.hidden IS 'Suppressed (primary or secondary): the count, mean, median and share are shown as c';
COMMENT ON COLUMN rbp.report_cell.share_hidden IS 'The share agreeing (and median) suppressed, though the count may be shown';
REVOKE ALL ON rbp.report_cell FROM PUBLIC;
CREATE INDEX report_cell_period ON rbp.report_cell (authority_id, period_kind, period_start);

-- Secondary suppression over the cells of one publication run (not frozen) and the frozen cells
-- of earlier runs that share a group with them (the quarters of a year). p_layer 'n' decides
-- report_cell.hidden from the counts, 'share' decides share_hidden from agreeing / not agreeing.
-- Returns the number of groups it could not protect.
CREATE FUNCTION rbp.report_suppress(p_layer text, p_threshold integer) RETURNS integer
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, rbp, pg_temp
    SET client_min_messages = warning
    AS $$
DECLARE
    v_changed integer;
    v_cycle_changed boolean;
    v_kind text;
    v_unresolved integer;
BEGIN
    -- Kinds of group one after the other, each to a fixed point, until a whole cycle changes
    -- nothing: resolving all groups at once would hide a cell in each of two overlapping groups
    -- where one suffices. Responses-against-respondents first, since its preferred complement (the
    -- response count) also settles the groups of respondent kinds.
    LOOP
        v_cycle_changed := false;
        FOREACH v_kind IN ARRAY ARRAY['topic', 'kind', 'question', 'team', 'authority', 'period', '']
        LOOP
            LOOP
                PERFORM rbp.report_find_violations(p_layer, p_threshold, v_kind);
                EXIT WHEN NOT EXISTS (SELECT FROM pg_temp.report_violation);

                -- In each such group hide one more cell: the smallest visible part that can still
                -- change (not frozen, not a total already determined by visible frozen parts), else
                -- the total; between responses and respondents the response count gives way first
                -- (it is the lesser figure; respondents are what the score reports stand on).
                WITH pick AS (
                    SELECT DISTINCT ON (gm.group_id) gm.cell_id
                      FROM pg_temp.report_violation v
                      JOIN pg_temp.report_group_member gm USING (group_id)
                      JOIN pg_temp.report_run_cell c USING (cell_id)
                     WHERE NOT c.frozen AND NOT CASE p_layer WHEN 'n' THEN c.determined ELSE c.share_determined END
                       AND NOT CASE p_layer WHEN 'n' THEN c.hidden ELSE c.share_hidden END
                       AND (p_layer = 'n' OR c.topic = 'scores')
                     ORDER BY gm.group_id,
                              CASE WHEN gm.group_id LIKE 'topic|%' THEN NOT gm.is_total ELSE gm.is_total END,
                              CASE p_layer WHEN 'n' THEN gm.weight ELSE c.answers END, c.cell_id
                )
                UPDATE pg_temp.report_run_cell c
                   SET hidden = CASE p_layer WHEN 'n' THEN true ELSE c.hidden END,
                       share_hidden = true
                  FROM pick WHERE c.cell_id = pick.cell_id;
                GET DIAGNOSTICS v_changed = ROW_COUNT;
                EXIT WHEN v_changed = 0;
                v_cycle_changed := true;
            END LOOP;
        END LOOP;
        EXIT WHEN NOT v_cycle_changed;
    END LOOP;
    -- what could not be protected (no cell left to hide)
    PERFORM rbp.report_find_violations(p_layer, p_threshold, '');
    SELECT count(*) INTO v_unresolved FROM pg_temp.report_violation;
    RETURN v_unresolved;
END
$$;
COMMENT ON FUNCTION rbp.report_suppress(text, integer) IS
    'Internal (rbp.publish_reports): secondary suppression to a fixed point over the groups of one publication run; returns the groups it could not protect';
REVOKE ALL ON FUNCTION rbp.report_suppress(text, integer) FROM PUBLIC;

-- The groups of one kind ('' for all) that do not protect their hidden cells, into
-- pg_temp.report_violation: a visible total with exactly one hidden part, or with hidden parts
-- that together hold 1..threshold (in the share layer: agreeing or not agreeing); or a hidden
-- total whose parts are all visible.
CREATE FUNCTION rbp.report_find_violations(p_layer text, p_threshold integer, p_kind text) RETURNS void
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, rbp, pg_temp
    SET client_min_messages = warning
    AS $$
BEGIN
    DROP TABLE IF EXISTS pg_temp.report_violation;
    CREATE TEMP TABLE report_violation AS
    WITH m AS (
        SELECT gm.group_id, gm.is_total, c.cell_id,
               CASE p_layer WHEN 'n' THEN c.hidden ELSE c.share_hidden END AS h,
               CASE p_layer WHEN 'n' THEN gm.weight ELSE c.agreeing END AS a,
               CASE p_layer WHEN 'n' THEN 0 ELSE c.answers - c.agreeing END AS b
          FROM pg_temp.report_group_member gm JOIN pg_temp.report_run_cell c USING (cell_id)
         WHERE (p_layer = 'n' OR c.topic = 'scores') AND gm.group_id LIKE p_kind || '%'
    ), g AS (
        SELECT group_id,
               bool_or(h) FILTER (WHERE is_total) AS total_hidden,
               count(*) FILTER (WHERE h AND NOT is_total) AS hidden_parts,
               coalesce(sum(a) FILTER (WHERE h AND NOT is_total), 0) AS hidden_a,
               coalesce(sum(b) FILTER (WHERE h AND NOT is_total), 0) AS hidden_b,
               count(*) FILTER (WHERE NOT is_total AND (a > 0 OR b > 0)) AS nonzero_parts
          FROM m GROUP BY group_id
    )
    SELECT group_id FROM g
     WHERE (NOT total_hidden AND hidden_parts > 0
            AND (hidden_parts = 1 OR hidden_a BETWEEN 1 AND p_threshold OR hidden_b BETWEEN 1 AND p_threshold))
        OR (total_hidden AND hidden_parts = 0 AND nonzero_parts > 0);
END
$$;
COMMENT ON FUNCTION rbp.report_find_violations(text, integer, text) IS
    'Internal (rbp.publish_reports): lists the groups of one kind whose suppressed cells are not protected';
REVOKE ALL ON FUNCTION rbp.report_find_violations(text, integer, text) FROM PUBLIC;

-- The count layer with one rule across topics: a theme count is shown only where the response
-- count of its team (or authority) and period is (a theme may have been given to every response,
-- so its count could stand in for a suppressed response count). Repeats until nothing changes.
CREATE FUNCTION rbp.report_suppress_counts(p_threshold integer) RETURNS integer
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, rbp, pg_temp
    SET client_min_messages = warning
    AS $$
DECLARE
    v_unresolved integer;
    v_changed integer;
BEGIN
    LOOP
        v_unresolved := rbp.report_suppress('n', p_threshold);
        UPDATE pg_temp.report_run_cell th SET hidden = true, share_hidden = true
          FROM pg_temp.report_run_cell r
         WHERE th.topic = 'themes' AND NOT th.hidden AND NOT th.frozen
           AND r.topic = 'responses' AND r.hidden AND r.respondent_kind IS NULL
           AND r.level = th.level AND coalesce(r.team_id, 0) = coalesce(th.team_id, 0)
           AND r.period_kind = th.period_kind AND r.period_start = th.period_start;
        GET DIAGNOSTICS v_changed = ROW_COUNT;
        EXIT WHEN v_changed = 0;
    END LOOP;
    RETURN v_unresolved;
END
$$;
COMMENT ON FUNCTION rbp.report_suppress_counts(integer) IS
    'Internal (rbp.publish_reports): secondary suppression of the counts, with theme counts suppressed wherever their response count is';
REVOKE ALL ON FUNCTION rbp.report_suppress_counts(integer) FROM PUBLIC;

-- The additive groups among the cells of pg_temp.report_run_cell, into pg_temp.report_group_member.
CREATE FUNCTION rbp.report_build_groups() RETURNS void
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, rbp, pg_temp
    SET client_min_messages = warning
    AS $$
BEGIN
    DROP TABLE IF EXISTS pg_temp.report_group_member;
    CREATE TEMP TABLE report_group_member (group_id text, cell_id bigint, is_total boolean, weight bigint);

    -- Entities: a team's workers and its responses without a worker; an authority's teams and its
    -- responses without a team. Other dimensions equal.
    INSERT INTO pg_temp.report_group_member
    SELECT format('team|%s|%s|%s|%s|%s|%s|%s|%s', c.topic, c.team_id, c.period_kind, c.period_start,
                  c.instrument_id, c.question_id, c.respondent_kind, c.theme_id),
           c.cell_id, c.level = 'team', c.n
      FROM pg_temp.report_run_cell c WHERE c.level IN ('team', 'worker', 'no_worker') AND c.topic <> 'unscored';
    INSERT INTO pg_temp.report_group_member
    SELECT format('authority|%s|%s|%s|%s|%s|%s|%s', c.topic, c.period_kind, c.period_start,
                  c.instrument_id, c.question_id, c.respondent_kind, c.theme_id),
           c.cell_id, c.level = 'authority', c.n
      FROM pg_temp.report_run_cell c WHERE c.level IN ('authority', 'team', 'no_team') AND c.topic <> 'unscored';

    -- Periods: months within their quarter, quarters within their year.
    INSERT INTO pg_temp.report_group_member
    SELECT format('period|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s', CASE c.period_kind WHEN 'month' THEN 'quarter' ELSE 'year' END,
                  c.topic, c.level, c.team_id, c.worker_id,
                  date_trunc(CASE c.period_kind WHEN 'month' THEN 'quarter' ELSE 'year' END, c.period_start)::date,
                  c.instrument_id, c.question_id, c.respondent_kind, c.theme_id),
           c.cell_id, false, c.n
      FROM pg_temp.report_run_cell c WHERE c.period_kind IN ('month', 'quarter') AND c.topic <> 'unscored';
    INSERT INTO pg_temp.report_group_member
    SELECT format('period|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s', c.period_kind, c.topic, c.level, c.team_id, c.worker_id,
                  c.period_start, c.instrument_id, c.question_id, c.respondent_kind, c.theme_id),
           c.cell_id, true, c.n
      FROM pg_temp.report_run_cell c WHERE c.period_kind IN ('quarter', 'year') AND c.topic <> 'unscored';

    -- Statements within all statements of an instrument (all kinds): additive in answers.
    INSERT INTO pg_temp.report_group_member
    SELECT format('question|%s|%s|%s|%s|%s|%s', c.level, c.team_id, c.worker_id, c.period_kind, c.period_start,
                  c.instrument_id),
           c.cell_id, c.question_id IS NULL, c.answers
      FROM pg_temp.report_run_cell c WHERE c.topic = 'scores' AND c.respondent_kind IS NULL;

    -- Respondent kinds within all kinds (all statements for scores).
    INSERT INTO pg_temp.report_group_member
    SELECT format('kind|%s|%s|%s|%s|%s|%s|%s', c.topic, c.level, c.team_id, c.worker_id, c.period_kind,
                  c.period_start, c.instrument_id),
           c.cell_id, c.respondent_kind IS NULL, c.n
      FROM pg_temp.report_run_cell c
     WHERE c.topic IN ('scores', 'responses', 'invitations') AND c.question_id IS NULL AND c.theme_id IS NULL;

    -- Responses and respondents: the responses of a cell are its respondents on each instrument
    -- (all statements) plus the responses that answered no statement (never published), so that
    -- "responses" cannot stand in for a suppressed number of respondents.
    INSERT INTO pg_temp.report_group_member
    SELECT format('topic|%s|%s|%s|%s|%s|%s', c.level, c.team_id, c.worker_id, c.period_kind, c.period_start,
                  c.respondent_kind),
           c.cell_id, c.topic = 'responses', c.n
      FROM pg_temp.report_run_cell c
     WHERE c.topic = 'responses' OR c.topic = 'unscored' OR (c.topic = 'scores' AND c.question_id IS NULL);

    -- A period group's total cell may belong to another run (a quarter's months are in the
    -- quarter's run, a year's quarters are frozen); groups without their total are dropped.
    DELETE FROM pg_temp.report_group_member gm
     WHERE NOT EXISTS (SELECT FROM pg_temp.report_group_member t WHERE t.group_id = gm.group_id AND t.is_total);
END
$$;
COMMENT ON FUNCTION rbp.report_build_groups() IS
    'Internal (rbp.publish_reports): lists the additive groups (entities, periods, statements, respondent kinds) among the cells of one publication run';
REVOKE ALL ON FUNCTION rbp.report_build_groups() FROM PUBLIC;

-- Publishes one closed quarter of one authority: its cells and those of its three months.
CREATE FUNCTION rbp.report_publish_quarter(p_authority_id integer, p_quarter date, p_on date, p_threshold integer)
    RETURNS void
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, rbp, pg_temp
    SET client_min_messages = warning
    AS $$
DECLARE
    v_end date := (p_quarter + interval '3 months')::date;
    v_unresolved integer;
BEGIN
    DROP TABLE IF EXISTS pg_temp.report_run_cell;
    CREATE TEMP TABLE report_run_cell (LIKE rbp.report_cell INCLUDING DEFAULTS,
                                       frozen boolean NOT NULL DEFAULT false,
                                       determined boolean NOT NULL DEFAULT false,
                                       share_determined boolean NOT NULL DEFAULT false);
    CREATE TEMP SEQUENCE IF NOT EXISTS report_run_cell_seq;
    ALTER TABLE pg_temp.report_run_cell ALTER COLUMN cell_id SET DEFAULT nextval('pg_temp.report_run_cell_seq');

    -- The responses of the quarter, each with the entities it counts in. A worker only for named
    -- and worker-only responses (anonymous ones have no worker, and are checked again here).
    CREATE TEMP TABLE report_resp ON COMMIT DROP AS
    SELECT r.response_id, r.team_id,
           CASE WHEN r.anonymity <> 'anonymous' THEN r.worker_id END AS worker_id,
           r.period AS month, r.respondent_kind, r.instrument_id
      FROM rbp.response r
     WHERE r.authority_id = p_authority_id AND r.period >= p_quarter AND r.period < v_end;

    CREATE TEMP TABLE report_entity ON COMMIT DROP AS
    SELECT x.response_id, e.level, e.team_id, e.worker_id
      FROM report_resp x
     CROSS JOIN LATERAL (
        SELECT 'authority' AS level, NULL::integer AS team_id, NULL::integer AS worker_id
        UNION ALL
        SELECT CASE WHEN x.team_id IS NULL THEN 'no_team' ELSE 'team' END, x.team_id, NULL
        UNION ALL
        SELECT CASE WHEN x.worker_id IS NULL THEN 'no_worker' ELSE 'worker' END, x.team_id, x.worker_id
         WHERE x.team_id IS NOT NULL
     ) e;

    -- Scores: per response, all statements of its instrument (one respondent) and each statement.
    CREATE TEMP TABLE report_score ON COMMIT DROP AS
    SELECT x.response_id, x.instrument_id, NULL::integer AS question_id, rbp.likert_respondent(a.score) AS d
      FROM report_resp x JOIN rbp.answer a USING (response_id)
     WHERE a.score IS NOT NULL
     GROUP BY x.response_id, x.instrument_id
    UNION ALL
    SELECT x.response_id, x.instrument_id, a.question_id, rbp.likert_summary(a.score)
      FROM report_resp x JOIN rbp.answer a USING (response_id)
     WHERE a.score IS NOT NULL
     GROUP BY x.response_id, x.instrument_id, a.question_id;

    INSERT INTO pg_temp.report_run_cell (authority_id, topic, level, team_id, worker_id, period_kind, period_start,
                                         instrument_id, question_id, respondent_kind, n, summary, published_on)
    SELECT p_authority_id, 'scores', e.level, e.team_id, e.worker_id, p.kind, p.start,
           s.instrument_id, s.question_id, k.kind, rbp.respondents(rbp.likert_summary(s.d)), rbp.likert_summary(s.d), p_on
      FROM report_score s JOIN report_resp x USING (response_id) JOIN report_entity e USING (response_id)
     CROSS JOIN LATERAL (VALUES ('month', x.month), ('quarter', p_quarter)) p(kind, start)
     CROSS JOIN LATERAL (SELECT NULL::rbp.respondent_kind UNION ALL SELECT x.respondent_kind WHERE s.question_id IS NULL) k(kind)
     GROUP BY e.level, e.team_id, e.worker_id, p.kind, p.start, s.instrument_id, s.question_id, k.kind;
    UPDATE pg_temp.report_run_cell
       SET answers = rbp.answers(summary),
           agreeing = rbp.agreeing(summary)
     WHERE topic = 'scores';

    -- Responses (whatever they answered), by respondent kind and all kinds.
    INSERT INTO pg_temp.report_run_cell (authority_id, topic, level, team_id, worker_id, period_kind, period_start,
                                         respondent_kind, n, published_on)
    SELECT p_authority_id, 'responses', e.level, e.team_id, e.worker_id, p.kind, p.start, k.kind, count(*), p_on
      FROM report_resp x JOIN report_entity e USING (response_id)
     CROSS JOIN LATERAL (VALUES ('month', x.month), ('quarter', p_quarter)) p(kind, start)
     CROSS JOIN LATERAL (VALUES (NULL::rbp.respondent_kind), (x.respondent_kind)) k(kind)
     GROUP BY e.level, e.team_id, e.worker_id, p.kind, p.start, k.kind;

    -- Responses that answered no statement (never published): responses minus respondents.
    INSERT INTO pg_temp.report_run_cell (authority_id, topic, level, team_id, worker_id, period_kind, period_start,
                                         respondent_kind, n, published_on)
    SELECT r.authority_id, 'unscored', r.level, r.team_id, r.worker_id, r.period_kind, r.period_start,
           r.respondent_kind, r.n - coalesce(sum(s.n), 0), p_on
      FROM pg_temp.report_run_cell r
      LEFT JOIN pg_temp.report_run_cell s
        ON s.topic = 'scores' AND s.question_id IS NULL AND s.level = r.level
       AND coalesce(s.team_id, 0) = coalesce(r.team_id, 0) AND coalesce(s.worker_id, 0) = coalesce(r.worker_id, 0)
       AND s.period_kind = r.period_kind AND s.period_start = r.period_start
       AND coalesce(s.respondent_kind::text, '') = coalesce(r.respondent_kind::text, '')
     WHERE r.topic = 'responses'
     GROUP BY r.cell_id, r.authority_id, r.level, r.team_id, r.worker_id, r.period_kind, r.period_start,
              r.respondent_kind, r.n
    HAVING r.n - coalesce(sum(s.n), 0) > 0;

    -- Invitations issued in the quarter, to the team of the involvement and the worker allocated
    -- on the day of issue (the denominator of response rates).
    INSERT INTO pg_temp.report_run_cell (authority_id, topic, level, team_id, worker_id, period_kind, period_start,
                                         respondent_kind, n, published_on)
    SELECT p_authority_id, 'invitations', e.level, e.team_id, e.worker_id, p.kind, p.start, k.kind, count(*), p_on
      FROM (SELECT date_trunc('month', i.issued_on)::date AS month, v.team_id,
                   rbp.worker_on(i.involvement_id, i.issued_on) AS worker_id, rs.kind
              FROM rbp.invitation i
              JOIN rbp.involvement v USING (involvement_id)
              JOIN rbp.respondent rs ON rs.respondent_id = i.respondent_id
             WHERE i.authority_id = p_authority_id AND i.issued_on >= p_quarter AND i.issued_on < v_end) i
     CROSS JOIN LATERAL (
        SELECT 'authority' AS level, NULL::integer AS team_id, NULL::integer AS worker_id
        UNION ALL SELECT 'team', i.team_id, NULL
        UNION ALL SELECT CASE WHEN i.worker_id IS NULL THEN 'no_worker' ELSE 'worker' END, i.team_id, i.worker_id
     ) e
     CROSS JOIN LATERAL (VALUES ('month', i.month), ('quarter', p_quarter)) p(kind, start)
     CROSS JOIN LATERAL (VALUES (NULL::rbp.respondent_kind), (i.kind)) k(kind)
     GROUP BY e.level, e.team_id, e.worker_id, p.kind, p.start, k.kind;

    -- QA themes: responses tagged, per team and authority (never per worker).
    INSERT INTO pg_temp.report_run_cell (authority_id, topic, level, team_id, worker_id, period_kind, period_start,
                                         theme_id, n, published_on)
    SELECT p_authority_id, 'themes', e.level, e.team_id, NULL, p.kind, p.start, rt.theme_id, count(*), p_on
      FROM report_resp x JOIN report_entity e USING (response_id)
      JOIN rbp.response_theme rt USING (response_id)
     CROSS JOIN LATERAL (VALUES ('month', x.month), ('quarter', p_quarter)) p(kind, start)
     WHERE e.level IN ('authority', 'team', 'no_team')
     GROUP BY e.level, e.team_id, p.kind, p.start, rt.theme_id;

    -- Primary suppression, then secondary to a fixed point.
    UPDATE pg_temp.report_run_cell
       SET hidden = n BETWEEN 1 AND p_threshold,
           share_hidden = n BETWEEN 1 AND p_threshold
                          OR agreeing BETWEEN 1 AND p_threshold
                          OR answers - agreeing BETWEEN 1 AND p_threshold;
    PERFORM rbp.report_build_groups();
    v_unresolved := rbp.report_suppress_counts(p_threshold);
    UPDATE pg_temp.report_run_cell SET share_hidden = true WHERE hidden;
    v_unresolved := v_unresolved + rbp.report_suppress('share', p_threshold);

    INSERT INTO rbp.report_cell (authority_id, topic, level, team_id, worker_id, period_kind, period_start,
                                 instrument_id, question_id, respondent_kind, theme_id, n, summary, answers,
                                 agreeing, hidden, share_hidden, published_on)
    SELECT authority_id, topic, level, team_id, worker_id, period_kind, period_start,
           instrument_id, question_id, respondent_kind, theme_id, n, summary, answers,
           agreeing, hidden, share_hidden, published_on
      FROM pg_temp.report_run_cell;
    INSERT INTO rbp.report_publication VALUES (p_authority_id, 'quarter', p_quarter, p_on, p_threshold, v_unresolved);
    DROP TABLE IF EXISTS pg_temp.report_run_cell, pg_temp.report_group_member, pg_temp.report_violation;
    DROP TABLE report_resp, report_entity, report_score;
END
$$;
COMMENT ON FUNCTION rbp.report_publish_quarter(integer, date, date, integer) IS
    'Internal (rbp.publish_reports): computes, suppresses and stores the cells of one closed quarter and its months';
REVOKE ALL ON FUNCTION rbp.report_publish_quarter(integer, date, date, integer) FROM PUBLIC;

-- Publishes one year of one authority whose four quarters are published: the roll-up of the stored
-- quarter cells (never of the answers as they are now), suppressed with the quarters frozen.
CREATE FUNCTION rbp.report_publish_year(p_authority_id integer, p_year date, p_on date, p_threshold integer)
    RETURNS void
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, rbp, pg_temp
    SET client_min_messages = warning
    AS $$
DECLARE
    v_unresolved integer;
BEGIN
    DROP TABLE IF EXISTS pg_temp.report_run_cell;
    CREATE TEMP TABLE report_run_cell (LIKE rbp.report_cell INCLUDING DEFAULTS,
                                       frozen boolean NOT NULL DEFAULT false,
                                       determined boolean NOT NULL DEFAULT false,
                                       share_determined boolean NOT NULL DEFAULT false);

    -- The frozen quarters, with their own ids.
    INSERT INTO pg_temp.report_run_cell
    SELECT c.*, true, false, false FROM rbp.report_cell c
     WHERE c.authority_id = p_authority_id AND c.period_kind = 'quarter'
       AND c.period_start >= p_year AND c.period_start < (p_year + interval '1 year')::date;

    -- The year cells, with ids beyond them.
    INSERT INTO pg_temp.report_run_cell (cell_id, authority_id, topic, level, team_id, worker_id, period_kind,
                                         period_start, instrument_id, question_id, respondent_kind, theme_id, n,
                                         summary, answers, agreeing, published_on, determined, share_determined)
    SELECT -row_number() OVER (), authority_id, topic, level, team_id, worker_id, 'year', p_year,
           instrument_id, question_id, respondent_kind, theme_id, sum(n), rbp.likert_summary(summary),
           sum(answers), sum(agreeing), p_on,
           -- a year whose quarters are all shown is known from them: it cannot hide anything
           NOT bool_or(hidden), NOT bool_or(share_hidden)
      FROM pg_temp.report_run_cell
     WHERE frozen
     GROUP BY authority_id, topic, level, team_id, worker_id, instrument_id, question_id, respondent_kind, theme_id;

    UPDATE pg_temp.report_run_cell
       SET hidden = n BETWEEN 1 AND p_threshold,
           share_hidden = n BETWEEN 1 AND p_threshold
                          OR agreeing BETWEEN 1 AND p_threshold
                          OR answers - agreeing BETWEEN 1 AND p_threshold
     WHERE NOT frozen;
    PERFORM rbp.report_build_groups();
    v_unresolved := rbp.report_suppress_counts(p_threshold);
    UPDATE pg_temp.report_run_cell SET share_hidden = true WHERE hidden AND NOT frozen;
    v_unresolved := v_unresolved + rbp.report_suppress('share', p_threshold);

    INSERT INTO rbp.report_cell (authority_id, topic, level, team_id, worker_id, period_kind, period_start,
                                 instrument_id, question_id, respondent_kind, theme_id, n, summary, answers,
                                 agreeing, hidden, share_hidden, published_on)
    SELECT authority_id, topic, level, team_id, worker_id, period_kind, period_start,
           instrument_id, question_id, respondent_kind, theme_id, n, summary, answers,
           agreeing, hidden, share_hidden, published_on
      FROM pg_temp.report_run_cell WHERE NOT frozen;
    INSERT INTO rbp.report_publication VALUES (p_authority_id, 'year', p_year, p_on, p_threshold, v_unresolved);
    DROP TABLE IF EXISTS pg_temp.report_run_cell, pg_temp.report_group_member, pg_temp.report_violation;
END
$$;
COMMENT ON FUNCTION rbp.report_publish_year(integer, date, date, integer) IS
    'Internal (rbp.publish_reports): rolls up, suppresses and stores the cells of one year from its four published quarters';
REVOKE ALL ON FUNCTION rbp.report_publish_year(integer, date, date, integer) FROM PUBLIC;

CREATE FUNCTION rbp.publish_reports(p_as_of date DEFAULT current_date) RETURNS integer
    LANGUAGE plpgsql VOLATILE STRICT SECURITY DEFINER
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    v_threshold integer := rbp.suppression_threshold();
    v_authority integer;
    v_first date;
    v_quarter date;
    v_year date;
    v_count integer := 0;
    v_scope integer[] := rbp.acting_scope('qa');
BEGIN
    -- a day that has come: a later one would publish (and freeze) periods still open
    PERFORM rbp.require_not_future(p_as_of, 'p_as_of');
    -- one publisher at a time: a period is published once
    PERFORM pg_advisory_xact_lock(hashtext('rbp.publish_reports'));
    -- administrators publish every authority, QA the authorities an administrator mapped them to
    FOR v_authority IN SELECT authority_id FROM rbp.authority
                        WHERE v_scope IS NULL OR authority_id = ANY (v_scope) ORDER BY authority_id LOOP
        -- from the first quarter of the first year with data, so that every year has four quarters
        SELECT date_trunc('year', least(
                   (SELECT min(period) FROM rbp.response WHERE authority_id = v_authority),
                   (SELECT min(issued_on) FROM rbp.invitation WHERE authority_id = v_authority)))::date
          INTO v_first;
        CONTINUE WHEN v_first IS NULL;
        -- every closed quarter not yet published, oldest first
        v_quarter := v_first;
        WHILE (v_quarter + interval '3 months')::date <= p_as_of LOOP
            IF NOT EXISTS (SELECT FROM rbp.report_publication
                            WHERE authority_id = v_authority AND period_kind = 'quarter' AND period_start = v_quarter) THEN
                PERFORM rbp.report_publish_quarter(v_authority, v_quarter, p_as_of, v_threshold);
                v_count := v_count + 1;
            END IF;
            v_quarter := (v_quarter + interval '3 months')::date;
        END LOOP;
        -- every year whose four quarters are published
        FOR v_year IN
            SELECT date_trunc('year', period_start)::date FROM rbp.report_publication
             WHERE authority_id = v_authority AND period_kind = 'quarter'
             GROUP BY 1 HAVING count(*) = 4
            EXCEPT
            SELECT period_start FROM rbp.report_publication WHERE authority_id = v_authority AND period_kind = 'year'
            ORDER BY 1
        LOOP
            PERFORM rbp.report_publish_year(v_authority, v_year, p_as_of, v_threshold);
            v_count := v_count + 1;
        END LOOP;
    END LOOP;
    RETURN v_count;
END
$$;
COMMENT ON FUNCTION rbp.publish_reports(date) IS
    'Publish the reports of every closed calendar quarter (with its months) not yet published, and of every year whose quarters are all published, with the current suppression threshold; returns the number of periods published. Published figures never change';
REVOKE ALL ON FUNCTION rbp.publish_reports(date) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION rbp.publish_reports(date) TO rbp_admin, rbp_qa;
