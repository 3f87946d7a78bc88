-- test/bench/access.sql — item 7 of make bench: the reads each role is documented to make, timed
-- as the role (through the extension's reading functions, under its access rules) and as the
-- hand-written query a DBA would run as superuser for the same rows. Run by test/bench/run after
-- the data is generated; doc/benchmarks.md, item 7.

SET search_path = public, rbp;   -- the operators of the extension's types live in rbp

-- Logins for one worker, one supervisor and one QA officer of the first authority: the worker and
-- the supervisor with the most released feedback, QA mapped to that authority.
DO $$
DECLARE
    r text;
BEGIN
    FOREACH r IN ARRAY ARRAY['rbp_bench_worker', 'rbp_bench_supervisor', 'rbp_bench_qa'] LOOP
        IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = r) THEN
            EXECUTE format('CREATE ROLE %I LOGIN', r);
        END IF;
    END LOOP;
END
$$;
GRANT rbp_staff TO rbp_bench_worker, rbp_bench_supervisor;
GRANT rbp_qa TO rbp_bench_qa;
GRANT USAGE ON SCHEMA rbp_bench TO rbp_bench_worker, rbp_bench_supervisor, rbp_bench_qa;
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
DELETE FROM rbp.login_authority WHERE login = 'rbp_bench_qa'::regrole;
INSERT INTO rbp.login_authority (login, kind, authority_id)
SELECT 'rbp_bench_qa'::regrole, 'qa', authority_id FROM rbp_bench.access_subject WHERE who = 'qa';

-- Time a query p_runs + 1 times as a role (SET ROLE for the statement only), discard the first run,
-- record the median of the server's own execution time (EXPLAIN ANALYZE, TIMING OFF).
CREATE OR REPLACE FUNCTION rbp_bench.time_as(p_item text, p_label text, p_role text, p_query text, p_runs integer)
    RETURNS float8
    LANGUAGE plpgsql
    SET search_path = public, rbp
    AS $$
DECLARE
    v_plan json;
    v_times float8[] := '{}';
    v_rows bigint;
BEGIN
    FOR i IN 0 .. p_runs LOOP
        IF p_role IS NOT NULL THEN
            PERFORM set_config('role', p_role, true);
        END IF;
        EXECUTE 'EXPLAIN (ANALYZE, TIMING OFF, FORMAT JSON) ' || p_query INTO v_plan;
        PERFORM set_config('role', 'none', true);
        IF i > 0 THEN
            v_times := v_times || ((v_plan -> 0 ->> 'Execution Time')::float8);
        END IF;
    END LOOP;
    v_rows := (v_plan -> 0 -> 'Plan' ->> 'Actual Rows')::bigint;
    INSERT INTO rbp_bench.result
    SELECT p_item, p_label, p_runs, percentile_cont(0.5) WITHIN GROUP (ORDER BY t), min(t), max(t), 'ms',
           concat_ws(', ', v_rows || ' rows', rbp_bench.plan_note(v_plan::jsonb)), v_plan::jsonb
      FROM unnest(v_times) t;
    RETURN v_rows;
END
$$;
COMMENT ON FUNCTION rbp_bench.time_as(text, text, text, text, integer) IS
    'Benchmark only: median execution time of a query run as a role (NULL: as the superuser), recorded in rbp_bench.result';

-- The reads: as the role, then the hand-written equivalent (same rows), in the same run.
CREATE OR REPLACE FUNCTION rbp_bench.time_access(p_runs integer) RETURNS void
    LANGUAGE plpgsql
    SET search_path = public, rbp
    AS $$
DECLARE
    w integer := (SELECT staff_id FROM rbp_bench.access_subject WHERE who = 'worker');
    s integer := (SELECT staff_id FROM rbp_bench.access_subject WHERE who = 'supervisor');
    a integer := (SELECT authority_id FROM rbp_bench.access_subject WHERE who = 'qa');
    n_role bigint;
    n_hand bigint;
    v_role text[];
    v_hand text[];
    q record;
BEGIN
    FOR q IN SELECT * FROM (VALUES
        ('worker''s own released feedback', 'rbp_bench_worker', 'SELECT * FROM rbp.my_feedback()',
         format($q$SELECT r.response_id, r.anonymity, r.respondent_kind, r.channel, r.instrument_id, r.period, r.team_id, r.worker_id,
                          CASE WHEN r.anonymity = 'named' THEN r.submitted_on END, CASE WHEN r.anonymity = 'named' THEN r.qa_status_on END,
                          v.reviewed_on, v.celebrated, v.support_offered
                     FROM rbp.response r LEFT JOIN rbp.supervision_review v ON v.response_id = r.response_id
                    WHERE r.worker_id = %s AND r.qa_status = 'released' AND r.anonymity <> 'anonymous'$q$, w)),
        ('supervisor''s inbox', 'rbp_bench_supervisor', 'SELECT * FROM rbp.my_inbox()',
         format($q$SELECT r.response_id, r.anonymity, r.respondent_kind, r.channel, r.instrument_id, r.period, r.team_id, r.worker_id,
                          CASE WHEN r.anonymity = 'named' THEN r.submitted_on END, CASE WHEN r.anonymity = 'named' THEN r.qa_status_on END,
                          rt.route_id, CASE WHEN r.anonymity = 'named' THEN rt.routed_on END, rt.recipient_kind,
                          v.reviewed_on, v.celebrated, v.support_offered
                     FROM rbp.route rt JOIN rbp.response r ON r.response_id = rt.response_id
                     LEFT JOIN rbp.supervision_review v ON v.response_id = r.response_id
                    WHERE rt.recipient_id = %s AND rt.superseded_on IS NULL
                      AND r.qa_status = 'released' AND r.anonymity <> 'anonymous'$q$, s)),
        ('QA''s list of its authority''s feedback', 'rbp_bench_qa', 'SELECT * FROM rbp.qa_feedback()',
         format($q$SELECT r.response_id, r.authority_id, r.anonymity, r.respondent_kind, r.channel, r.instrument_id, r.period,
                          r.team_id, r.worker_id, r.respondent_id, r.submitted_on, r.qa_status, r.qa_status_on, r.qa_note,
                          r.escalated, rt.recipient_kind, rt.recipient_id, v.reviewed_on
                     FROM rbp.response r
                     LEFT JOIN rbp.route rt ON rt.response_id = r.response_id AND rt.superseded_on IS NULL
                     LEFT JOIN rbp.supervision_review v ON v.response_id = r.response_id
                    WHERE r.authority_id = %s$q$, a)),
        ('QA''s per-worker summary (count, mean)', 'rbp_bench_qa', 'SELECT * FROM rbp.qa_worker_summary()',
         format($q$SELECT r.authority_id, r.worker_id, count(DISTINCT r.response_id), count(a.score), round(avg(rbp.likert_value(a.score)), 2)
                     FROM rbp.response r LEFT JOIN rbp.answer a ON a.response_id = r.response_id
                    WHERE r.authority_id = %s AND r.worker_id IS NOT NULL
                    GROUP BY r.authority_id, r.worker_id$q$, a)),
        ('QA''s per-worker summary, plain SQL on the tables (row-level security)', 'rbp_bench_qa',
         $q$SELECT r.authority_id, r.worker_id, count(DISTINCT r.response_id), count(a.score), round(avg(rbp.likert_value(a.score)), 2)
              FROM rbp.response r LEFT JOIN rbp.answer a ON a.response_id = r.response_id
             WHERE r.worker_id IS NOT NULL GROUP BY r.authority_id, r.worker_id$q$,
         format($q$SELECT r.authority_id, r.worker_id, count(DISTINCT r.response_id), count(a.score), round(avg(rbp.likert_value(a.score)), 2)
                     FROM rbp.response r LEFT JOIN rbp.answer a ON a.response_id = r.response_id
                    WHERE r.authority_id = %s AND r.worker_id IS NOT NULL
                    GROUP BY r.authority_id, r.worker_id$q$, a))
        ) v(what, role, as_role, hand)
    LOOP
        n_role := rbp_bench.time_as('7', q.what || ': as the role', q.role, q.as_role, p_runs);
        n_hand := rbp_bench.time_as('7', q.what || ': hand-written', NULL, q.hand, p_runs);
        -- the same rows, or the times mean nothing
        PERFORM set_config('role', q.role, true);
        EXECUTE format('SELECT array_agg(t::text ORDER BY t::text) FROM (%s) t', q.as_role) INTO v_role;
        PERFORM set_config('role', 'none', true);
        EXECUTE format('SELECT array_agg(t::text ORDER BY t::text) FROM (%s) t', q.hand) INTO v_hand;
        IF v_role IS DISTINCT FROM v_hand OR n_role = 0 THEN
            RAISE EXCEPTION 'bench item 7: "%" as the role and by hand differ (or are empty)', q.what;
        END IF;
    END LOOP;
END
$$;
COMMENT ON FUNCTION rbp_bench.time_access(integer) IS
    'Benchmark only: item 7, each documented read as the role and hand-written as superuser (same rows checked)';
