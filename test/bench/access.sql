-- test/bench/access.sql — item 7 of make bench: every read a role is documented to make, timed as
-- the role (through the extension's reading functions and views, under its access rules) and as
-- the hand-written query a DBA would run as superuser for the same rows (same WHERE, the indexes
-- the tables have), in the same run. Run by test/bench/run after the data is generated (and the
-- first authority's reports published); doc/benchmarks.md, item 7.
--
-- For each read, before anything is timed: the two results are compared row for row (as text,
-- sorted), and the identity lookups the role's read makes are counted (pg_stat_xact_user_functions
-- with track_functions = all): access is decided once per query, so the count may not grow with
-- the rows. Then the two are timed alternately (EXPLAIN ANALYZE, TIMING OFF: the server's own
-- planning and execution time), the first round discarded, and rbp_bench.time_access() returns one line per
-- read with its ratio.

SET search_path = public, rbp;   -- the operators of the extension's types live in rbp

-- Logins for one worker, one supervisor, one QA officer and one report writer of the first
-- authority: the worker and the supervisor with the most released feedback, QA and the report
-- writer mapped to that authority.
DO $$
DECLARE
    r text;
BEGIN
    FOREACH r IN ARRAY ARRAY['rbp_bench_worker', 'rbp_bench_supervisor', 'rbp_bench_qa', 'rbp_bench_reports'] LOOP
        IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = r) THEN
            EXECUTE format('CREATE ROLE %I LOGIN', r);
        END IF;
    END LOOP;
END
$$;
GRANT rbp_staff TO rbp_bench_worker, rbp_bench_supervisor;
GRANT rbp_qa TO rbp_bench_qa;
GRANT rbp_report_writer TO rbp_bench_reports;
GRANT USAGE ON SCHEMA rbp_bench TO rbp_bench_worker, rbp_bench_supervisor, rbp_bench_qa, rbp_bench_reports;
UPDATE rbp.staff SET db_role = NULL WHERE db_role IN ('rbp_bench_worker'::regrole, 'rbp_bench_supervisor'::regrole, 'rbp_bench_qa'::regrole);
CREATE TABLE IF NOT EXISTS rbp_bench.access_subject (who text PRIMARY KEY, staff_id integer, authority_id integer);
TRUNCATE rbp_bench.access_subject;
INSERT INTO rbp_bench.access_subject
SELECT 'worker', worker_id, authority_id FROM rbp.response
 WHERE qa_status = 'released' AND anonymity <> 'anonymous' AND authority_id = (SELECT min(authority_id) FROM rbp.authority WHERE code LIKE 'bench_%')
 GROUP BY 2, 3 ORDER BY count(*) DESC, 2 LIMIT 1;
INSERT INTO rbp_bench.access_subject
SELECT 'supervisor', rt.recipient_id, rt.authority_id FROM rbp.route rt JOIN rbp.response r USING (response_id)
 WHERE rt.superseded_on IS NULL AND rt.recipient_id IS NOT NULL AND r.qa_status = 'released'
   AND rt.authority_id = (SELECT min(authority_id) FROM rbp.authority WHERE code LIKE 'bench_%')
 GROUP BY 2, 3 ORDER BY count(*) DESC, 2 LIMIT 1;
INSERT INTO rbp_bench.access_subject
SELECT 'qa', NULL, min(authority_id) FROM rbp.authority WHERE code LIKE 'bench_%';
UPDATE rbp.staff SET db_role = 'rbp_bench_worker'::regrole WHERE staff_id = (SELECT staff_id FROM rbp_bench.access_subject WHERE who = 'worker');
UPDATE rbp.staff SET db_role = 'rbp_bench_supervisor'::regrole WHERE staff_id = (SELECT staff_id FROM rbp_bench.access_subject WHERE who = 'supervisor');
DELETE FROM rbp.login_authority WHERE login IN ('rbp_bench_qa'::regrole, 'rbp_bench_reports'::regrole);
INSERT INTO rbp.login_authority (login, kind, authority_id)
SELECT 'rbp_bench_qa'::regrole, 'qa'::rbp.login_kind, authority_id FROM rbp_bench.access_subject WHERE who = 'qa'
UNION ALL
SELECT 'rbp_bench_reports'::regrole, 'report_writer'::rbp.login_kind, authority_id FROM rbp_bench.access_subject WHERE who = 'qa';

-- Supervision reviews, so that the reads that join them have some: the generator records none.
-- Every third released item routed to a person, reviewed by its recipient a month after its period.
INSERT INTO rbp.supervision_review (response_id, reviewer_id, reviewed_on, celebrated, support_offered)
SELECT rt.response_id, rt.recipient_id, least(r.period + 40, current_date), get_byte(uuid_send(r.response_id), 1) % 2 = 0, '{}'
  FROM rbp.route rt JOIN rbp.response r ON r.response_id = rt.response_id
 WHERE rt.superseded_on IS NULL AND rt.recipient_id IS NOT NULL AND r.qa_status = 'released'
   AND get_byte(uuid_send(r.response_id), 0) % 3 = 0
ON CONFLICT DO NOTHING;

-- One run of a query as a role (NULL: as the superuser; SET ROLE for the statement only): the
-- server's planning and execution time in ms (EXPLAIN ANALYZE, TIMING OFF) and the plan.
CREATE OR REPLACE FUNCTION rbp_bench.run_as(p_role text, p_query text, OUT ms float8, OUT plan jsonb)
    LANGUAGE plpgsql
    SET search_path = public, rbp
    AS $$
BEGIN
    IF p_role IS NOT NULL THEN
        PERFORM set_config('role', p_role, true);
    END IF;
    EXECUTE 'EXPLAIN (ANALYZE, TIMING OFF, FORMAT JSON) ' || p_query INTO plan;
    PERFORM set_config('role', 'none', true);
    -- planning and execution: a reading function plans its query while it executes, so the
    -- hand-written query's planning counts too
    ms := (plan -> 0 ->> 'Planning Time')::float8 + (plan -> 0 ->> 'Execution Time')::float8;
END
$$;
COMMENT ON FUNCTION rbp_bench.run_as(text, text) IS
    'Benchmark only: planning + execution time (ms) and plan of one run of a query as a role (NULL: as the superuser)';

-- The rows of a query as a role, as sorted text, and how many calls of the identity functions
-- (who is asking, what they may act for) it made.
CREATE OR REPLACE FUNCTION rbp_bench.rows_as(p_role text, p_query text, OUT rows_text text[], OUT identity_calls bigint)
    LANGUAGE plpgsql
    SET search_path = public, rbp
    SET track_functions = 'all'
    AS $$
DECLARE
    v_before bigint;
    v_identity constant text[] := ARRAY['current_staff_id', 'current_qa_authorities', 'acting_authorities', 'acting_scope',
                                        'report_authorities', 'report_authority_ids', 'directory_authorities', 'may_act_for',
                                        'readable_response'];
BEGIN
    SELECT coalesce(sum(calls), 0) INTO v_before FROM pg_stat_xact_user_functions
     WHERE schemaname = 'rbp' AND funcname = ANY (v_identity);
    IF p_role IS NOT NULL THEN
        PERFORM set_config('role', p_role, true);
    END IF;
    EXECUTE format('SELECT array_agg(t::text ORDER BY t::text) FROM (%s) t', p_query) INTO rows_text;
    PERFORM set_config('role', 'none', true);
    SELECT coalesce(sum(calls), 0) - v_before INTO identity_calls FROM pg_stat_xact_user_functions
     WHERE schemaname = 'rbp' AND funcname = ANY (v_identity);
END
$$;
COMMENT ON FUNCTION rbp_bench.rows_as(text, text) IS
    'Benchmark only: the rows of a query run as a role, as sorted text, and the number of identity-function calls it made';

-- The hand-written form of a report view for one authority: the view's own query without its join
-- to the caller's authorities (rbp.report_authority_ids(), once per query) and without the same
-- list as a filter on the scan, the authority written as a constant in its WHERE instead.
CREATE OR REPLACE FUNCTION rbp_bench.report_view_by_hand(p_view regclass, p_authority integer) RETURNS text
    LANGUAGE plpgsql
    SET search_path = public, rbp
    AS $$
DECLARE
    v_def text := rtrim(pg_get_viewdef(p_view), ';');
    v_hand text;
BEGIN
    v_hand := regexp_replace(v_def, '\s*JOIN (rbp\.)?report_authority_ids\(\) v\(visible_authority_id\) ON \(\(v\.visible_authority_id = c\.authority_id\)\)', '');
    IF v_hand <> v_def THEN
        -- "(report_cell c JOIN ...)" is now "(report_cell c)", which SQL does not allow: drop the parentheses
        v_hand := regexp_replace(v_hand, '\(((rbp\.)?report_cell c)\)', '\1');
        -- and the guard on the scan, the same list again (the constant below replaces both)
        v_hand := regexp_replace(v_hand, ' AND \(c\.authority_id = ANY \(\(\s*SELECT (rbp\.)?report_authorities\(\) AS report_authorities\)::integer\[\]\)\)', '');
        v_hand := regexp_replace(v_hand, '\n(\s*)WHERE ', E'\n\\1WHERE c.authority_id = ' || p_authority || ' AND ');
    END IF;
    IF v_hand ~ 'report_authorit' OR (v_hand = v_def AND v_def ~ 'report_cell') THEN
        RAISE EXCEPTION 'bench item 7: the authority filter of % has changed shape; update rbp_bench.report_view_by_hand', p_view;
    END IF;
    RETURN v_hand;
END
$$;
COMMENT ON FUNCTION rbp_bench.report_view_by_hand(regclass, integer) IS
    'Benchmark only: a report view''s query with the reader''s authorities replaced by one authority id (the hand-written baseline)';

-- The reads: as the role, then the hand-written equivalent (same rows), in the same run.
DROP FUNCTION IF EXISTS rbp_bench.time_access(integer);
CREATE OR REPLACE FUNCTION rbp_bench.time_access(p_runs integer)
    RETURNS TABLE (read text, rows_returned bigint, identity_calls bigint, as_role_ms numeric, hand_written_ms numeric, ratio numeric)
    LANGUAGE plpgsql
    SET search_path = public, rbp
    AS $$
DECLARE
    w integer := (SELECT staff_id FROM rbp_bench.access_subject s WHERE s.who = 'worker');
    s integer := (SELECT staff_id FROM rbp_bench.access_subject s WHERE s.who = 'supervisor');
    a integer := (SELECT authority_id FROM rbp_bench.access_subject s WHERE s.who = 'qa');
    q_from date := (date_trunc('quarter', current_date) - interval '6 months')::date;
    q_to date := (date_trunc('quarter', current_date) - interval '3 months' - interval '1 day')::date;
    v_role record;
    v_hand record;
    r record;
    t_role float8[];
    t_hand float8[];
    p_role jsonb;
    p_hand jsonb;
    m_role float8;
    m_hand float8;
    q record;
    -- The hand-written staff reads: what a DBA writes for "released named and worker-only feedback
    -- about staff member %1$s" and "... currently routed to %1$s".
    about_me constant text := $q$SELECT r.response_id FROM rbp.response r
                                WHERE r.worker_id = %1$s AND r.qa_status = 'released' AND r.anonymity <> 'anonymous'$q$;
    routed_to_me constant text := $q$SELECT rt.response_id FROM rbp.route rt JOIN rbp.response r ON r.response_id = rt.response_id
                                    WHERE rt.recipient_id = %1$s AND rt.superseded_on IS NULL
                                      AND r.qa_status = 'released' AND r.anonymity <> 'anonymous'$q$;
    answers_of constant text := $q$SELECT a.response_id, a.question_id, q.code, a.score, a.free_text
                                     FROM rbp.answer a JOIN rbp.question q ON q.question_id = a.question_id
                                    WHERE a.response_id IN (%s UNION %s)$q$;
    qa_list constant text := $q$SELECT r.response_id, r.authority_id, r.anonymity, r.respondent_kind, r.channel, r.instrument_id, r.period,
                                       r.team_id, r.worker_id, r.respondent_id, r.submitted_on, r.qa_status, r.qa_status_on, r.qa_note,
                                       r.escalated, rt.recipient_kind, rt.recipient_id, v.reviewed_on
                                  FROM rbp.response r
                                  LEFT JOIN rbp.route rt ON rt.response_id = r.response_id AND rt.superseded_on IS NULL
                                  LEFT JOIN rbp.supervision_review v ON v.response_id = r.response_id$q$;
    qa_summary constant text := $q$SELECT r.authority_id, r.worker_id, count(DISTINCT r.response_id), count(a.score),
                                          round(avg(rbp.likert_value(a.score)), 2)
                                     FROM rbp.response r LEFT JOIN rbp.answer a ON a.response_id = r.response_id
                                    WHERE r.worker_id IS NOT NULL %s
                                    GROUP BY r.authority_id, r.worker_id$q$;
BEGIN
    FOR q IN SELECT * FROM (VALUES
        ('worker''s own released feedback (rbp.my_feedback())', 'rbp_bench_worker', 'SELECT * FROM rbp.my_feedback()',
         format($q$SELECT r.response_id, r.anonymity, r.respondent_kind, r.channel, r.instrument_id, r.period, r.team_id, r.worker_id,
                          CASE WHEN r.anonymity = 'named' THEN r.submitted_on END, CASE WHEN r.anonymity = 'named' THEN r.qa_status_on END,
                          v.reviewed_on, v.celebrated, v.support_offered
                     FROM rbp.response r LEFT JOIN rbp.supervision_review v ON v.response_id = r.response_id
                    WHERE r.worker_id = %s AND r.qa_status = 'released' AND r.anonymity <> 'anonymous'$q$, w), false),
        ('worker''s answers (rbp.my_answers())', 'rbp_bench_worker', 'SELECT * FROM rbp.my_answers()',
         format(answers_of, format(about_me, w), format(routed_to_me, w)), false),
        ('supervisor''s inbox (rbp.my_inbox())', 'rbp_bench_supervisor', 'SELECT * FROM rbp.my_inbox()',
         format($q$SELECT r.response_id, r.anonymity, r.respondent_kind, r.channel, r.instrument_id, r.period, r.team_id, r.worker_id,
                          CASE WHEN r.anonymity = 'named' THEN r.submitted_on END, CASE WHEN r.anonymity = 'named' THEN r.qa_status_on END,
                          rt.route_id, CASE WHEN r.anonymity = 'named' THEN rt.routed_on END, rt.recipient_kind,
                          v.reviewed_on, v.celebrated, v.support_offered
                     FROM rbp.route rt JOIN rbp.response r ON r.response_id = rt.response_id
                     LEFT JOIN rbp.supervision_review v ON v.response_id = r.response_id
                    WHERE rt.recipient_id = %s AND rt.superseded_on IS NULL
                      AND r.qa_status = 'released' AND r.anonymity <> 'anonymous'$q$, s), false),
        ('supervisor''s answers (rbp.my_answers())', 'rbp_bench_supervisor', 'SELECT * FROM rbp.my_answers()',
         format(answers_of, format(about_me, s), format(routed_to_me, s)), false),
        ('QA''s list of its authority''s feedback (rbp.qa_feedback())', 'rbp_bench_qa', 'SELECT * FROM rbp.qa_feedback()',
         qa_list || format(' WHERE r.authority_id = %s', a), false),
        ('QA''s list, plain SQL on the tables (row-level security)', 'rbp_bench_qa', qa_list,
         qa_list || format(' WHERE r.authority_id = %s', a), false),
        ('QA''s per-worker summary (rbp.qa_worker_summary())', 'rbp_bench_qa', 'SELECT * FROM rbp.qa_worker_summary()',
         format(qa_summary, format('AND r.authority_id = %s', a)), false),
        -- after seven calls of the same function for all periods, in the same session, on purpose:
        -- a plan cached from those (PL/pgSQL's generic plan) must not serve the quarter (issue 18)
        ('QA''s per-worker summary of one quarter (rbp.qa_worker_summary(from, to))', 'rbp_bench_qa',
         format('SELECT * FROM rbp.qa_worker_summary(%L, %L)', q_from, q_to),
         format(qa_summary, format('AND r.authority_id = %s AND r.period BETWEEN %L AND %L', a, q_from, q_to)), false),
        ('QA''s per-worker summary, plain SQL on the tables (row-level security)', 'rbp_bench_qa',
         format(qa_summary, ''), format(qa_summary, format('AND r.authority_id = %s', a)), false),
        ('report writer: rbp.report_scores', 'rbp_bench_reports', 'SELECT * FROM rbp.report_scores',
         rbp_bench.report_view_by_hand('rbp.report_scores', a), false),
        ('report writer: rbp.report_points', 'rbp_bench_reports', 'SELECT * FROM rbp.report_points',
         rbp_bench.report_view_by_hand('rbp.report_points', a), false),
        ('report writer: rbp.report_responses', 'rbp_bench_reports', 'SELECT * FROM rbp.report_responses',
         rbp_bench.report_view_by_hand('rbp.report_responses', a), false),
        ('report writer: rbp.report_themes', 'rbp_bench_reports', 'SELECT * FROM rbp.report_themes',
         rbp_bench.report_view_by_hand('rbp.report_themes', a), false),
        ('report writer: rbp.report_statements', 'rbp_bench_reports', 'SELECT * FROM rbp.report_statements',
         rbp_bench.report_view_by_hand('rbp.report_statements', a), false)
        ) v(what, role, as_role, hand, may_be_empty)
    LOOP
        -- the same rows, or the times mean nothing; and access decided once per query
        SELECT * INTO v_role FROM rbp_bench.rows_as(q.role, q.as_role);
        SELECT * INTO v_hand FROM rbp_bench.rows_as(NULL, q.hand);
        IF v_role.rows_text IS DISTINCT FROM v_hand.rows_text
           OR (coalesce(cardinality(v_role.rows_text), 0) = 0 AND NOT q.may_be_empty) THEN
            RAISE EXCEPTION 'bench item 7: "%" as the role (% rows) and by hand (% rows) differ (or are empty)',
                q.what, coalesce(cardinality(v_role.rows_text), 0), coalesce(cardinality(v_hand.rows_text), 0);
        END IF;
        IF v_role.identity_calls > 10 THEN   -- a few per table read, never one per row
            RAISE EXCEPTION 'bench item 7: "%" called the identity functions % times for % rows (access must be decided once per query)',
                q.what, v_role.identity_calls, coalesce(cardinality(v_role.rows_text), 0);
        END IF;
        -- alternately, the first round discarded
        t_role := '{}';
        t_hand := '{}';
        FOR i IN 0 .. p_runs LOOP
            SELECT * INTO r FROM rbp_bench.run_as(q.role, q.as_role);
            p_role := r.plan;
            IF i > 0 THEN t_role := t_role || r.ms; END IF;
            SELECT * INTO r FROM rbp_bench.run_as(NULL, q.hand);
            p_hand := r.plan;
            IF i > 0 THEN t_hand := t_hand || r.ms; END IF;
        END LOOP;
        INSERT INTO rbp_bench.result
        SELECT '7', q.what || ': as the role', p_runs, percentile_cont(0.5) WITHIN GROUP (ORDER BY t), min(t), max(t), 'ms',
               concat_ws(', ', coalesce(cardinality(v_role.rows_text), 0) || ' rows',
                         v_role.identity_calls || ' identity calls', nullif(rbp_bench.plan_note(p_role), '')), p_role
          FROM unnest(t_role) t
        RETURNING median INTO m_role;
        INSERT INTO rbp_bench.result
        SELECT '7', q.what || ': hand-written', p_runs, percentile_cont(0.5) WITHIN GROUP (ORDER BY t), min(t), max(t), 'ms',
               concat_ws(', ', coalesce(cardinality(v_hand.rows_text), 0) || ' rows', nullif(rbp_bench.plan_note(p_hand), '')), p_hand
          FROM unnest(t_hand) t
        RETURNING median INTO m_hand;
        read := q.what;
        rows_returned := coalesce(cardinality(v_role.rows_text), 0);
        identity_calls := v_role.identity_calls;
        as_role_ms := round(m_role::numeric, 3);
        hand_written_ms := round(m_hand::numeric, 3);
        ratio := round((m_role / nullif(m_hand, 0))::numeric, 2);
        RETURN NEXT;
    END LOOP;
END
$$;
COMMENT ON FUNCTION rbp_bench.time_access(integer) IS
    'Benchmark only: item 7, each documented read as the role and hand-written as superuser (same rows checked first, identity calls counted), one line per read with its ratio';
