-- test/bench/measure.sql — how the benchmark measures (not part of the extension).
--
-- Every timed query runs under EXPLAIN (ANALYZE, TIMING OFF, FORMAT JSON): the server executes
-- the whole plan and reports its own "Execution Time" (no client, network or result transfer in
-- the number; TIMING OFF keeps the per-node clock calls out). One warm-up run is discarded, then
-- the median of the remaining runs is kept, together with the plan of the last run, so that the
-- table can say which plan produced the number (Partial Aggregate, workers launched, index used).

CREATE SCHEMA IF NOT EXISTS rbp_bench;

CREATE TABLE IF NOT EXISTS rbp_bench.result (
    item        text NOT NULL,
    label       text NOT NULL,
    runs        integer NOT NULL,
    median      float8 NOT NULL,
    low         float8 NOT NULL,
    high        float8 NOT NULL,
    unit        text NOT NULL,
    plan_note   text,
    plan        jsonb
);
COMMENT ON TABLE rbp_bench.result IS 'Benchmark only: one row per measured variant (median of the runs)';

-- The plan features the report mentions, from an EXPLAIN (FORMAT JSON) document.
CREATE OR REPLACE FUNCTION rbp_bench.plan_note(p_plan jsonb) RETURNS text
    LANGUAGE sql IMMUTABLE
    AS $$
    SELECT concat_ws(', ',
        CASE WHEN jsonb_path_exists(p_plan, 'strict $.**?(@."Partial Mode" == "Partial")') THEN 'Partial Aggregate' END,
        (SELECT 'workers launched ' || sum(w::text::integer)
           FROM jsonb_path_query(p_plan, 'strict $.**."Workers Launched"') w HAVING count(*) > 0),
        (SELECT string_agg(DISTINCT (n ->> 'Node Type') || ' on ' || (n ->> 'Index Name'), ', ')
           FROM jsonb_path_query(p_plan, 'strict $.**?(exists(@."Index Name"))') n),
        (SELECT string_agg(DISTINCT 'Seq Scan on ' || (n ->> 'Relation Name'), ', ')
           FROM jsonb_path_query(p_plan, 'strict $.**?(@."Node Type" == "Seq Scan")') n))
$$;
COMMENT ON FUNCTION rbp_bench.plan_note(jsonb) IS 'Benchmark only: partial aggregation, parallel workers and scans of a JSON plan';

-- Run a statement p_runs + 1 times under EXPLAIN ANALYZE with the given settings (local to the
-- transaction), discard the first run, record the median execution time in milliseconds.
CREATE OR REPLACE FUNCTION rbp_bench.time_query(p_item text, p_label text, p_query text, p_runs integer,
                                                p_settings text[] DEFAULT '{}')
    RETURNS rbp_bench.result
    LANGUAGE plpgsql
    AS $$
DECLARE
    v_setting text;
    v_plan json;
    v_times float8[] := '{}';
    v_result rbp_bench.result;
BEGIN
    FOREACH v_setting IN ARRAY p_settings LOOP
        PERFORM set_config(split_part(v_setting, '=', 1), split_part(v_setting, '=', 2), true);
    END LOOP;
    FOR i IN 0 .. p_runs LOOP
        EXECUTE 'EXPLAIN (ANALYZE, TIMING OFF, FORMAT JSON) ' || p_query INTO v_plan;
        IF i > 0 THEN
            v_times := v_times || ((v_plan -> 0 ->> 'Execution Time')::float8);
        END IF;
    END LOOP;
    SELECT p_item, p_label, p_runs,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY t), min(t), max(t), 'ms',
           rbp_bench.plan_note(v_plan::jsonb), v_plan::jsonb
      INTO v_result FROM unnest(v_times) t;
    INSERT INTO rbp_bench.result SELECT v_result.*;
    RETURN v_result;
END
$$;
COMMENT ON FUNCTION rbp_bench.time_query(text, text, text, integer, text[]) IS
    'Benchmark only: median execution time (ms) of a query over p_runs runs after one warm-up, with local settings';

-- Record a value measured outside the database (pgbench).
CREATE OR REPLACE FUNCTION rbp_bench.record(p_item text, p_label text, p_values float8[], p_unit text, p_note text DEFAULT NULL)
    RETURNS void
    LANGUAGE sql
    AS $$
    INSERT INTO rbp_bench.result
    SELECT p_item, p_label, cardinality(p_values), percentile_cont(0.5) WITHIN GROUP (ORDER BY v), min(v), max(v), p_unit, p_note, NULL
      FROM unnest(p_values) v
$$;
COMMENT ON FUNCTION rbp_bench.record(text, text, float8[], text, text) IS 'Benchmark only: record the median of values measured by the run script';

-- Item 1: the same scored answers stored three ways. Two shapes: one row per answer (as
-- rbp.answer) and one row per response with its five scores (where the width of the score type is
-- not hidden by alignment padding).
CREATE TYPE rbp_bench.score_enum AS ENUM ('1', '2', '3', '4', '5', '6', '7', '8', '9', '10');
COMMENT ON TYPE rbp_bench.score_enum IS 'Benchmark only: a score as a SQL enum (4 bytes)';

CREATE OR REPLACE FUNCTION rbp_bench.storage(p_copy boolean DEFAULT true) RETURNS void
    LANGUAGE plpgsql
    AS $$
DECLARE
    v_type text;
    v_col text;
    v_answers bigint;
    v_responses bigint;
BEGIN
    FOREACH v_type IN ARRAY ARRAY['likert', 'smallint', 'enum'] LOOP
        v_col := CASE v_type WHEN 'likert' THEN 'a.score'
                             WHEN 'smallint' THEN 'rbp.likert_value(a.score)::smallint'
                             ELSE 'rbp.likert_value(a.score)::text::rbp_bench.score_enum' END;
        EXECUTE format('DROP TABLE IF EXISTS rbp_bench.answer_%1$s, rbp_bench.wide_%1$s', v_type);
        EXECUTE format('CREATE TABLE rbp_bench.answer_%s (response_id uuid NOT NULL, question_id integer NOT NULL, score %s NOT NULL)',
                       v_type, CASE v_type WHEN 'likert' THEN 'rbp.likert' WHEN 'smallint' THEN 'smallint' ELSE 'rbp_bench.score_enum' END);
        EXECUTE format('INSERT INTO rbp_bench.answer_%s SELECT a.response_id, a.question_id, %s FROM rbp.answer a WHERE a.score IS NOT NULL AND $1 ORDER BY a.response_id, a.question_id',
                       v_type, v_col) USING p_copy;
        EXECUTE format('ALTER TABLE rbp_bench.answer_%1$s ADD PRIMARY KEY (response_id, question_id)', v_type);
        EXECUTE format('CREATE INDEX ON rbp_bench.answer_%1$s (question_id, score)', v_type);
        -- One row per response: the five scores as columns (responses that answered all five).
        EXECUTE format('CREATE TABLE rbp_bench.wide_%1$s AS SELECT response_id, s[1] AS s1, s[2] AS s2, s[3] AS s3, s[4] AS s4, s[5] AS s5 '
                       'FROM (SELECT response_id, array_agg(score ORDER BY question_id) AS s FROM rbp_bench.answer_%1$s GROUP BY response_id HAVING count(*) = 5) x',
                       v_type);
    END LOOP;
    -- What if the btree operator family of rbp.likert declared that equal values are bitwise
    -- equal (support function 4, btequalimage), so that B-tree deduplication may be used? The
    -- same index again with it (benchmark database only; the declaration is removed afterwards).
    IF p_copy AND NOT EXISTS (SELECT FROM pg_amproc p JOIN pg_opfamily f ON f.oid = p.amprocfamily JOIN pg_am am ON am.oid = f.opfmethod
                    WHERE f.opfname = 'likert_ops' AND am.amname = 'btree' AND p.amprocnum = 4) THEN
        ALTER OPERATOR FAMILY rbp.likert_ops USING btree ADD FUNCTION 4 (rbp.likert, rbp.likert) btequalimage(oid);
        CREATE INDEX bench_whatif_dedup ON rbp_bench.answer_likert (question_id, score);
        INSERT INTO rbp_bench.result (item, label, runs, median, low, high, unit, plan_note)
        SELECT '1', 'what-if: (question_id, score) index of rbp.likert with deduplication', 1, v, v, v, 'B', NULL
          FROM (SELECT pg_relation_size('rbp_bench.bench_whatif_dedup')::float8 / count(*) AS v FROM rbp_bench.answer_likert) x;
        DROP INDEX rbp_bench.bench_whatif_dedup;
        ALTER OPERATOR FAMILY rbp.likert_ops USING btree DROP FUNCTION 4 (rbp.likert, rbp.likert);
    END IF;
END
$$;
COMMENT ON FUNCTION rbp_bench.storage(boolean) IS 'Benchmark only: copy the scored answers into side tables typed rbp.likert, smallint and an enum (p_copy false: the tables empty, when item 1 is not run)';

-- Item 5: put p_count anonymous responses of the first synthetic authority into the holding area
-- (as rbp.submit_response would), and the same answers into a staging table for the bare INSERT.
CREATE OR REPLACE FUNCTION rbp_bench.fill_holding(p_count integer) RETURNS void
    LANGUAGE plpgsql
    AS $$
DECLARE
    v_authority integer := (SELECT min(authority_id) FROM rbp.authority WHERE code LIKE 'bench\_%');
    v_instrument integer := (SELECT instrument_id FROM rbp.instrument WHERE code = 'parents_carers' AND rbp.is_current(instrument));
BEGIN
    DROP TABLE IF EXISTS rbp_bench.held;
    CREATE UNLOGGED TABLE rbp_bench.held AS
    SELECT v_authority AS authority_id, v_instrument AS instrument_id, 'parent'::rbp.respondent_kind AS respondent_kind,
           'online'::rbp.response_channel AS channel, NULL::integer AS team_id,
           date_trunc('month', current_date)::date AS submitted_in,
           (SELECT array_agg(ROW(q.question_id, (1 + (i + q.position) % 5)::rbp.likert, NULL)::rbp.answer_input ORDER BY q.position)
              FROM rbp.question q WHERE q.instrument_id = v_instrument AND q.kind = 'scale') AS answers
      FROM generate_series(1, p_count) i;
    -- held as rbp.hold_response() holds (answers padded to rbp.held_payload_bytes(), two workers)
    INSERT INTO rbp.anonymous_holding (authority_id, instrument_id, respondent_kind, channel, submitted_in,
                                       anonymity, worker_id, seen, team_id, payload)
    SELECT authority_id, instrument_id, respondent_kind, channel, submitted_in,
           'anonymous', 1 + row_number() OVER () % 2, false, coalesce(team_id, 0), rbp.held_payload(answers)
      FROM rbp_bench.held;
END
$$;
COMMENT ON FUNCTION rbp_bench.fill_holding(integer) IS 'Benchmark only: hold p_count anonymous responses for one batch release';

-- Item 5: p_runs rounds of: hold p_count anonymous responses, release them in one batch; then
-- the same rows inserted bare into rbp.response and rbp.answer. Times in ms per round.
CREATE OR REPLACE FUNCTION rbp_bench.time_release(p_count integer, p_runs integer) RETURNS void
    LANGUAGE plpgsql
    AS $$
DECLARE
    v_plan json;
    v_release float8[] := '{}';
    v_bare float8[] := '{}';
    v_release_plan json;
    v_held_before bigint;
BEGIN
    FOR i IN 0 .. p_runs LOOP
        -- responses still held from item 3's anonymous submissions (a batch not yet complete) may
        -- stay held; every row this run adds must be released
        v_held_before := (SELECT count(*) FROM rbp.anonymous_holding);
        PERFORM rbp_bench.fill_holding(p_count);
        EXECUTE 'EXPLAIN (ANALYZE, TIMING OFF, FORMAT JSON) SELECT rbp.release_anonymous_responses()' INTO v_plan;
        IF (SELECT count(*) FROM rbp.anonymous_holding) > v_held_before THEN
            RAISE EXCEPTION 'bench: rbp.release_anonymous_responses() left responses held';
        END IF;
        v_release_plan := v_plan;
        IF i > 0 THEN v_release := v_release || ((v_plan -> 0 ->> 'Execution Time')::float8); END IF;
        EXECUTE $q$EXPLAIN (ANALYZE, TIMING OFF, FORMAT JSON)
            WITH s AS MATERIALIZED (SELECT gen_random_uuid() AS response_id, h.* FROM rbp_bench.held h),
            r AS (INSERT INTO rbp.response (response_id, authority_id, instrument_id, respondent_kind, channel,
                                            anonymity, period, team_id, qa_status)
                  SELECT response_id, authority_id, instrument_id, respondent_kind, channel,
                         'anonymous', date_trunc('month', current_date)::date, team_id, 'released' FROM s
                  RETURNING response_id)
            -- Read r first, so that each response exists before its answers (an unreferenced
            -- data-modifying CTE runs after the main query, and the answers' trigger copies the
            -- response's authority).
            INSERT INTO rbp.answer (response_id, question_id, score, free_text)
            SELECT s.response_id, a.question_id, a.score, a.free_text FROM r JOIN s USING (response_id), unnest(s.answers) a$q$ INTO v_plan;
        IF i > 0 THEN v_bare := v_bare || ((v_plan -> 0 ->> 'Execution Time')::float8); END IF;
    END LOOP;
    PERFORM rbp_bench.record('5', 'release_anonymous_responses(), per released response',
                             (SELECT array_agg(t * 1000 / p_count) FROM unnest(v_release) t), 'µs',
                             format('batches of %s', p_count));
    PERFORM rbp_bench.record('5', 'bare INSERT of the same rows, per response',
                             (SELECT array_agg(t * 1000 / p_count) FROM unnest(v_bare) t), 'µs',
                             format('batches of %s', p_count));
END
$$;
COMMENT ON FUNCTION rbp_bench.time_release(integer, integer) IS 'Benchmark only: cost of the anonymous batch release against a bare INSERT of the same rows';

-- Item 3: p_count invitations issued through the API to parents of open involvements, with the
-- answers a family would send, and the rows a bare INSERT of the same response would write.
CREATE OR REPLACE FUNCTION rbp_bench.prepare_submissions(p_count integer) RETURNS void
    LANGUAGE plpgsql
    AS $$
-- Makes sure rbp_bench.submission holds at least p_count rows, each with its own freshly issued
-- token: called before every measured pgbench run with the number that run will consume, so the
-- tokens never run out whatever the machine's speed (runs are bounded by count, not by time).
-- Rows already there are kept (their tokens may have been used by earlier runs); new rows continue
-- the same walk over the open involvements.
DECLARE
    v0 integer := (SELECT min(involvement_id) FROM rbp.involvement);
    v_n integer := (SELECT count(*) FROM rbp.involvement);
    v_have integer;
    v_last bigint;
    v_instrument integer := (SELECT i.instrument_id FROM rbp.instrument i WHERE i.code = 'parents_carers' AND rbp.is_current(i));
BEGIN
    IF to_regclass('rbp_bench.submission') IS NULL THEN
        CREATE TABLE rbp_bench.submission (
            id integer PRIMARY KEY, k bigint NOT NULL, authority_code text, involvement_ref text, respondent_ref text,
            authority_id integer, team_id integer, involvement_id integer, respondent_id integer,
            kind rbp.respondent_kind, worker_id integer, token text, answers jsonb,
            instrument_id integer, answer_rows rbp.answer_input[]);
    END IF;
    SELECT count(*), coalesce(max(k), 0) INTO v_have, v_last FROM rbp_bench.submission;
    IF v_have >= p_count THEN
        RETURN;
    END IF;
    INSERT INTO rbp_bench.submission
    SELECT v_have + row_number() OVER (ORDER BY x.k)::integer AS id, x.k, x.authority_code, x.involvement_ref, x.respondent_ref,
           x.authority_id, x.team_id, x.involvement_id, x.respondent_id, x.kind, x.worker_id,
           rbp.issue_invitation(x.authority_code, x.involvement_ref, x.respondent_ref, 'link', 28, current_date - 1),
           jsonb_build_object('q2_understands_family', 1 + x.k % 5, 'q2_builds_relationships', 1 + (x.k + 1) % 5,
                              'q2_trust', 1 + (x.k + 2) % 5, 'q2_sensitive_professional', 1 + (x.k + 3) % 5,
                              'q2_works_alongside', 1 + (x.k + 4) % 5,
                              'q7_anything_else', 'Synthetic comment ' || x.k),
           v_instrument, NULL
      FROM (SELECT a.code AS authority_code, v.involvement_ref, r.respondent_ref, k,
                   v.authority_id, v.team_id, v.involvement_id, r.respondent_id, r.kind, al.worker_id
              FROM generate_series(v_last + 1, v_last + 4 * (p_count - v_have)) k
              JOIN rbp.involvement v ON v.involvement_id = v0 + ((k * 7919) % v_n)::integer
              JOIN rbp.allocation al ON al.involvement_id = v.involvement_id AND upper_inf(al.during)
              JOIN rbp.authority a ON a.authority_id = v.authority_id
              JOIN rbp.respondent r ON r.family_id = v.family_id AND r.kind IN ('parent', 'carer')
             WHERE v.closed_on IS NULL
             ORDER BY k LIMIT p_count - v_have) x;
    IF (SELECT count(*) FROM rbp_bench.submission) < p_count THEN
        RAISE EXCEPTION 'bench: only % open involvements found for % submissions', (SELECT count(*) FROM rbp_bench.submission), p_count;
    END IF;
    UPDATE rbp_bench.submission s SET answer_rows = rbp.validate_answers(s.instrument_id, s.answers)
     WHERE s.answer_rows IS NULL;
    ANALYZE rbp_bench.submission;
END
$$;
COMMENT ON FUNCTION rbp_bench.prepare_submissions(integer) IS 'Benchmark only: make sure at least N submissions with freshly issued tokens exist (item 3); called before each run with what it will consume';
