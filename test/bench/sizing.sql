-- test/bench/sizing.sql — item 8 of test/bench/run: what a DBA sizing a server needs to know that
-- the ratio items do not say: the disk the extension's data takes per response and per scored
-- answer (tables, indexes and TOAST, after VACUUM), the tables that take most of it, and the held
-- area per held submission. The WAL written per submission is measured by test/bench/run itself
-- (pg_current_wal_lsn around pgbench runs) and recorded with rbp_bench.record.

CREATE OR REPLACE FUNCTION rbp_bench.sizing() RETURNS void
    LANGUAGE plpgsql
    AS $$
DECLARE
    v_responses bigint := (SELECT count(*) FROM rbp.response);
    v_answers bigint := (SELECT count(*) FROM rbp.answer WHERE score IS NOT NULL);
    v_involvements bigint := (SELECT count(*) FROM rbp.involvement);
    v_total bigint;
    v_top text;
    v_held bigint := (SELECT count(*) FROM rbp.anonymous_holding);
BEGIN
    SELECT sum(pg_total_relation_size(c.oid)) INTO v_total
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = 'rbp' AND c.relkind IN ('r', 'm', 'p');
    SELECT string_agg(format('%s %s MB', relname, round(bytes / 1048576.0)), ', ' ORDER BY bytes DESC) INTO v_top
      FROM (SELECT c.relname, pg_total_relation_size(c.oid) AS bytes
              FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE n.nspname = 'rbp' AND c.relkind IN ('r', 'm', 'p')
             ORDER BY 2 DESC LIMIT 6) t;
    PERFORM rbp_bench.record('8', 'disk: schema rbp in all', ARRAY[v_total::float8 / 1048576], 'MB',
        format('tables, indexes and TOAST after VACUUM: %s responses, %s scored answers, %s involvements; largest: %s',
               v_responses, v_answers, v_involvements, v_top));
    PERFORM rbp_bench.record('8', 'disk: per response, everything', ARRAY[v_total::float8 / greatest(v_responses, 1)], 'B',
        'all of schema rbp divided by the responses (families, schedules and invitations included)');
    PERFORM rbp_bench.record('8', 'disk: per response, feedback only', ARRAY[
        (pg_total_relation_size('rbp.response') + pg_total_relation_size('rbp.answer')
         + pg_total_relation_size('rbp.route'))::float8 / greatest(v_responses, 1)], 'B',
        'rbp.response, rbp.answer and rbp.route with their indexes and TOAST');
    PERFORM rbp_bench.record('8', 'disk: held area per held submission', ARRAY[
        CASE WHEN v_held > 0 THEN pg_total_relation_size('rbp.anonymous_holding')::float8 / v_held END], 'B',
        format('rbp.anonymous_holding with its TOAST and indexes, %s submissions held now', v_held));
END
$$;
COMMENT ON FUNCTION rbp_bench.sizing() IS 'Benchmark only: item 8, the disk the extension''s data takes per response (recorded in rbp_bench.result)';
