-- NOTIFY attack on guarantee G1, and concurrent submissions and releases. Notifications are
-- delivered only when a transaction commits, and concurrency needs several sessions, so this suite
-- cannot run inside one transaction like the others: it builds a scratch database
-- (rbp_notify_test), drives it through two extra connections (dblink) — one listening on every
-- channel the extension's functions notify on, one working in autocommit — and removes the scratch
-- database, the dblink extension and its role at the end.
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
DROP DATABASE IF EXISTS rbp_notify_test;
CREATE DATABASE rbp_notify_test;
CREATE EXTENSION IF NOT EXISTS dblink;
DROP ROLE IF EXISTS rbp_nt_qa;
CREATE ROLE rbp_nt_qa LOGIN;
RESET client_min_messages;
SET search_path = public;
SELECT plan(16);

SELECT format('dbname=rbp_notify_test host=%s port=%s user=%s',
              split_part(current_setting('unix_socket_directories'), ',', 1), current_setting('port'), current_user) AS conn \gset
SELECT dblink_connect('work', :'conn') AS work_connected, dblink_connect('listener', :'conn') AS listener_connected \gset

SELECT dblink_exec('work', $$SET client_min_messages = warning$$) AS x \gset
SELECT dblink_exec('work', $$CREATE EXTENSION feedback_rbp$$) AS x \gset
SELECT dblink_exec('work', $$SET search_path = public, rbp$$) AS x \gset
SELECT dblink_exec('work', $$GRANT rbp_qa TO rbp_nt_qa$$) AS x \gset
SELECT dblink_exec('work', $setup$
    DO $do$ BEGIN
        PERFORM rbp.register_authority('a1', 'Authority One');
        PERFORM rbp.register_team('a1', 'north', 'North');
        PERFORM rbp.register_staff('a1', 'SW1', 'Worker One', 'north');
        PERFORM rbp.register_staff('a1', 'SW2', 'Worker Two', 'north');
        PERFORM rbp.register_staff('a1', 'QA1', 'Quality Assurance', NULL, 'rbp_nt_qa', true);
        PERFORM rbp.map_login('rbp_nt_qa', 'qa', 'a1');
        PERFORM rbp.register_respondent('a1', 'F' || i, 'P' || i, 'parent'), rbp.open_involvement('a1', 'INV' || i, 'F' || i, 'north', '2026-01-05'),
                rbp.allocate_worker('a1', 'INV' || i, CASE WHEN i % 2 = 1 THEN 'SW1' ELSE 'SW2' END, '2026-01-05')
           FROM generate_series(1, 18) AS i;
    END $do$;
    CREATE TABLE public.tok AS SELECT 'P' || i AS respondent, rbp.issue_invitation('a1', 'INV' || i, 'P' || i, 'qr_code', 3650, '2026-03-02') AS token
      FROM generate_series(1, 18) AS i;
$setup$) AS x \gset

-- Every channel the extension notifies on, taken from its functions' bodies; and no function
-- notifies on a channel computed at run time (which this listing could not see).
CREATE TEMP TABLE channel AS
SELECT name FROM dblink('work', $$
    SELECT DISTINCT m[1] FROM pg_proc p JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid
                                   JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'feedback_rbp',
           regexp_matches(p.prosrc, '(?:pg_notify\(\s*''|NOTIFY\s+)([A-Za-z_][A-Za-z0-9_]*)', 'gi') AS m$$) AS t(name text);
SELECT ok((SELECT count(*) FROM channel) >= 1, 'the extension''s notification channels were found: ' || (SELECT string_agg(name, ', ') FROM channel));
SELECT is_empty($$SELECT * FROM dblink('work', $q$
    SELECT p.proname::text FROM pg_proc p JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid
                           JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'feedback_rbp'
     WHERE p.prosrc ~* 'pg_notify\(\s*[^''\s]' OR p.prosrc ~* 'EXECUTE[^;]*NOTIFY'$q$) AS t(proname text)$$,
    'no function notifies on a channel name computed at run time');
SELECT count(dblink_exec('listener', format('LISTEN %I', name))) AS listening FROM channel \gset

-- Five anonymous submissions (each its own committed transaction), the scheduled release of the
-- batch, and a withdrawal to anonymous: no notification at all.
SELECT count(*) AS submitted FROM generate_series(1, 5) AS i,
       dblink('work', format($$SELECT rbp.submit_response((SELECT token FROM public.tok WHERE respondent = 'P%s'), 'anonymous', '{"q2_trust": 3}')::text$$, i)) AS t(x text) \gset
SELECT x AS released FROM dblink('work', $$SELECT rbp.release_held_feedback()::text$$) AS t(x text) \gset
SELECT is((SELECT n FROM dblink('work', $$SELECT count(*) FROM rbp.response WHERE anonymity = 'anonymous'$$) AS t(n bigint)), 5::bigint,
          'control: the five anonymous responses were committed and released');
SELECT pg_sleep(0.5) AS slept \gset
SELECT is_empty($$SELECT * FROM dblink_get_notify('listener')$$,
                'listening on every channel: no notification for anonymous submissions, their release or a scheduled release');

SELECT x FROM dblink('work', $$SELECT rbp.submit_response((SELECT token FROM public.tok WHERE respondent = 'P6'), 'named', '{"q2_trust": 4}')::text$$) AS t(x text) \gset
SELECT dblink_exec('work', $$SET ROLE rbp_nt_qa$$) AS x \gset
SELECT x FROM dblink('work', $$SELECT rbp.qa_release(response_id)::text FROM rbp.response WHERE anonymity = 'named'$$) AS t(x text) \gset
SELECT pg_sleep(0.5) AS slept \gset
CREATE TEMP TABLE named_notes AS SELECT * FROM dblink_get_notify('listener');
SELECT is((SELECT count(*)::integer FROM named_notes), 1, 'control: releasing named feedback does notify, so the listener works');
SELECT is((SELECT extra ~ '^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-' FROM named_notes), true,
          'and its payload is only a random route id');

SELECT x FROM dblink('work', $$SELECT rbp.withdraw_identity(response_id, 'anonymous')::text FROM rbp.response WHERE anonymity = 'named'$$) AS t(x text) \gset
SELECT dblink_exec('work', $$RESET ROLE$$) AS x \gset
SELECT count(*) AS submitted FROM generate_series(7, 8) AS i,
       dblink('work', format($$SELECT rbp.submit_response((SELECT token FROM public.tok WHERE respondent = 'P%s'), 'anonymous', '{"q2_trust": 2}')::text$$, i)) AS t(x text) \gset
SELECT pg_sleep(0.5) AS slept \gset
SELECT is_empty($$SELECT * FROM dblink_get_notify('listener')$$, 'no notification when a name is withdrawn to anonymous or for later anonymous submissions');
SELECT is((SELECT n FROM dblink('work', $$SELECT count(*) FROM rbp.anonymous_holding$$) AS t(n bigint)), 3::bigint,
          'control: the withdrawn response and two submissions were held');

-- Concurrency, which only committed transactions show. Submissions never release (a later
-- transaction does); the withdrawn answer never counts, so a sixth is needed. And two releases
-- racing for the same batch cannot split it or release it twice: the second waits for the first's
-- row locks and then finds nothing to release.
SELECT dblink_connect('a', :'conn') AS a_connected, dblink_connect('b', :'conn') AS b_connected \gset
CREATE TEMP TABLE disconnected AS
SELECT pid FROM dblink('a', 'SELECT pg_backend_pid()') AS a(pid integer)
UNION ALL SELECT pid FROM dblink('b', 'SELECT pg_backend_pid()') AS b(pid integer);
SELECT dblink_exec('a', 'SET search_path = public, rbp') AS x, dblink_exec('b', 'SET search_path = public, rbp') AS y \gset
SELECT dblink_exec('a', 'BEGIN') AS x, dblink_exec('b', 'BEGIN') AS y \gset
SELECT x FROM dblink('a', $$SELECT rbp.submit_response((SELECT token FROM public.tok WHERE respondent = 'P9'), 'anonymous', '{"q2_trust": 5}')::text$$) AS t(x text) \gset
SELECT x FROM dblink('b', $$SELECT rbp.submit_response((SELECT token FROM public.tok WHERE respondent = 'P10'), 'anonymous', '{"q2_trust": 1}')::text$$) AS t(x text) \gset
SELECT dblink_exec('a', 'COMMIT') AS x, dblink_exec('b', 'COMMIT') AS y \gset
SELECT results_eq($$SELECT * FROM dblink('work', $q$SELECT (SELECT count(*) FROM rbp.anonymous_holding), (SELECT count(*) FROM rbp.response WHERE anonymity = 'anonymous')$q$) AS t(held bigint, released bigint)$$,
                  $$VALUES (5::bigint, 5::bigint)$$, 'two concurrent submissions released nothing: five held');
SELECT x AS released FROM dblink('work', $$SELECT rbp.release_held_feedback()::text$$) AS t(x text) \gset
SELECT is((SELECT n FROM dblink('work', $$SELECT count(*) FROM rbp.anonymous_holding$$) AS t(n bigint)), 5::bigint,
          'the scheduled release keeps them held: four unseen answers and a withdrawn one (which never counts) are no batch');
SELECT x FROM dblink('work', $$SELECT rbp.submit_response((SELECT token FROM public.tok WHERE respondent = 'P11'), 'anonymous', '{"q2_trust": 4}')::text$$) AS t(x text) \gset
SELECT x AS released FROM dblink('work', $$SELECT rbp.release_held_feedback()::text$$) AS t(x text) \gset
SELECT is((SELECT n FROM dblink('work', $$SELECT count(*) FROM rbp.response WHERE anonymity = 'anonymous'$$) AS t(n bigint)), 11::bigint,
          'a fifth unseen answer: the scheduled release releases all six');
SELECT count(*) AS submitted FROM generate_series(12, 13) AS i,
       dblink('work', format($$SELECT rbp.submit_response((SELECT token FROM public.tok WHERE respondent = 'P%s'), 'anonymous', '{"q2_trust": 4}')::text$$, i)) AS t(x text) \gset
SELECT dblink_exec('a', 'BEGIN') AS x, dblink_exec('b', 'BEGIN') AS y \gset
SELECT x FROM dblink('a', $$SELECT rbp.submit_response((SELECT token FROM public.tok WHERE respondent = 'P14'), 'anonymous', '{"q2_trust": 5}')::text$$) AS t(x text) \gset
SELECT x FROM dblink('b', $$SELECT rbp.submit_response((SELECT token FROM public.tok WHERE respondent = 'P15'), 'anonymous', '{"q2_trust": 1}')::text$$) AS t(x text) \gset
SELECT dblink_exec('a', 'COMMIT') AS x, dblink_exec('b', 'COMMIT') AS y \gset
SELECT x FROM dblink('work', $$SELECT rbp.submit_response((SELECT token FROM public.tok WHERE respondent = 'P16'), 'anonymous', '{"q2_trust": 4}')::text$$) AS t(x text) \gset
SELECT dblink_exec('a', 'BEGIN') AS x \gset
SELECT x AS a_released FROM dblink('a', $$SELECT rbp.release_held_feedback()::text$$) AS t(x text) \gset
SELECT is((SELECT n FROM dblink('a', $$SELECT count(*) FROM rbp.response WHERE anonymity = 'anonymous'$$) AS t(n bigint)), 16::bigint,
          'a first release takes the full batch (its transaction still open)');
SELECT dblink_send_query('b', $$SELECT rbp.release_held_feedback()::text$$) AS sent \gset
SELECT pg_sleep(0.5) AS slept \gset
SELECT is(dblink_is_busy('b'), 1, 'a second release waits for the first one''s locks on the batch');
SELECT dblink_exec('a', 'COMMIT') AS x \gset
SELECT is((SELECT count(*)::integer FROM dblink_get_result('b') AS t(x text)), 1, 'and then finds nothing left to release (no error)');
SELECT is((SELECT n FROM dblink('work', $$SELECT count(*) FROM rbp.response WHERE anonymity = 'anonymous'$$) AS t(n bigint)), 16::bigint,
          'the batch was released exactly once, whole');
-- Sessions a and b flush their statistics before they go (a backend that exits flushes them
-- after the disconnect returns, which raced with the counters read below).
SELECT x FROM dblink('a', $$SELECT pg_stat_force_next_flush()::text$$) AS t(x text) \gset
SELECT count(*) AS drained FROM dblink_get_result('b') AS t(n integer) \gset
SELECT x FROM dblink('b', $$SELECT pg_stat_force_next_flush()::text$$) AS t(x text) \gset
SELECT x FROM dblink('work', $$SELECT pg_stat_force_next_flush()::text$$) AS t(x text) \gset
SELECT dblink_disconnect('a') AS x, dblink_disconnect('b') AS y \gset
-- A backend flushes its pending statistics when it exits, before it leaves pg_stat_activity, and
-- exiting is asynchronous to the disconnect: wait (bounded) until both are gone, so that their
-- counters are in before the ones below are read.
DO $$
BEGIN
    FOR i IN 1 .. 200 LOOP
        EXIT WHEN NOT EXISTS (SELECT FROM pg_stat_activity WHERE pid IN (SELECT pid FROM disconnected));
        PERFORM pg_sleep(0.05);
        PERFORM pg_stat_clear_snapshot();
    END LOOP;
END
$$;
-- The submitting session's own earlier counters (its submissions above) may still be pending too:
-- flush them now, so that only the submission below moves the counters read around it.
SELECT x FROM dblink('work', $$SELECT pg_stat_force_next_flush()::text$$) AS t(x text) \gset

-- Cumulative statistics read by another session around a committed anonymous submission (stats
-- are flushed when a transaction ends; pg_stat_force_next_flush() makes that immediate): the
-- counters of rbp.response do not move; those of the holding area do, which is the documented
-- residual risk `table_activity_counters` of rbp.privacy_check().
-- Counters are flushed at most once a second: flush the work session's pending ones now (the flush
-- happens before the session answers), and wait until sessions a and b, which flush theirs when they
-- exit, are gone (no fixed sleep), so that "before" holds every earlier insert.
SELECT x FROM dblink('work', $$SELECT pg_stat_force_next_flush()::text$$) AS t(x text) \gset
DO $$ BEGIN
    WHILE (SELECT count(*) FROM pg_stat_activity WHERE datname = 'rbp_notify_test') > 2 LOOP
        PERFORM pg_sleep(0.05);
        PERFORM pg_stat_clear_snapshot();
    END LOOP;
END $$;
CREATE TEMP TABLE counters_before AS
SELECT * FROM dblink('listener', $$SELECT relname::text, n_tup_ins FROM pg_stat_user_tables WHERE schemaname = 'rbp'
                                   AND relname IN ('response', 'answer', 'anonymous_holding')$$) AS t(relname text, n_tup_ins bigint);
SELECT x FROM dblink('work', $$SELECT rbp.submit_response((SELECT token FROM public.tok WHERE respondent = 'P17'), 'anonymous', '{"q2_trust": 3}')::text
                                  || pg_stat_force_next_flush()::text$$) AS t(x text) \gset
SELECT pg_sleep(1.5) AS slept \gset
SELECT results_eq($$SELECT a.relname, a.n_tup_ins - b.n_tup_ins
                      FROM dblink('listener', $q$SELECT relname::text, n_tup_ins FROM pg_stat_user_tables WHERE schemaname = 'rbp'
                                                  AND relname IN ('response', 'answer', 'anonymous_holding')$q$) AS a(relname text, n_tup_ins bigint)
                      JOIN counters_before b USING (relname) ORDER BY 1$$,
                  $$VALUES ('anonymous_holding', 1::bigint), ('answer', 0::bigint), ('response', 0::bigint)$$,
                  'another session sees no new response or answer after a held submission; only the holding area''s counter moved (documented)');

SELECT * FROM finish();

SELECT dblink_disconnect('work') AS x, dblink_disconnect('listener') AS y \gset
SET client_min_messages = warning;
DROP DATABASE rbp_notify_test;
DROP ROLE rbp_nt_qa;
DROP EXTENSION dblink;
