-- make demo, chapter 25: access control — each rule in one place, attacked from the seats that
-- used to get through (issue 11), and what a role's EXPLAIN ANALYZE shows (issue 18).
\set ON_ERROR_STOP 1
\pset border 2
SET client_min_messages = warning;
SET search_path = public, rbp;

\echo
\echo '== 25. Who may act for an authority: logins are mapped by an administrator =='
CREATE ROLE demo_mosaic_es LOGIN IN ROLE rbp_case_system;     -- East Sussex's case system
CREATE ROLE demo_unmapped LOGIN IN ROLE rbp_case_system;      -- a login nobody mapped
CREATE ROLE demo_qa_es LOGIN IN ROLE rbp_qa;                  -- East Sussex's QA
CREATE ROLE demo_reporter_es LOGIN IN ROLE rbp_report_writer; -- East Sussex's report writer
SET ROLE demo_admin;
SELECT rbp.map_login('demo_mosaic_es', 'case_system', 'east_sussex'),
       rbp.map_login('demo_qa_es', 'qa', 'east_sussex'),
       rbp.map_login('demo_reporter_es', 'report_writer', 'east_sussex');
SELECT l.login, l.kind, a.code AS authority FROM rbp.login_authority l JOIN rbp.authority a USING (authority_id) ORDER BY 1, 2, 3;
RESET ROLE;
\echo 'East Sussex''s case system registers for East Sussex, and nothing for Brighton & Hove; an unmapped login does nothing:'
SET ROLE demo_mosaic_es;
SELECT rbp.register_staff('east_sussex', 'ES-QA1', 'QA (East Sussex)', NULL, 'demo_qa_es', true) AS registered;
\set ON_ERROR_STOP 0
SELECT rbp.register_team('brighton_hove', 'sneaky', 'Sneaky team');
RESET ROLE;
SET ROLE demo_unmapped;
SELECT rbp.register_team('east_sussex', 'sneaky', 'Sneaky team');
SELECT rbp.register_team('no_such_council', 'sneaky', 'Sneaky team');
\set ON_ERROR_STOP 1
RESET ROLE;
\echo 'East Sussex''s QA sees nothing of Brighton & Hove, neither feedback nor staff:'
SET ROLE demo_qa_es;
SELECT (SELECT count(*) FROM rbp.qa_feedback()) AS feedback, (SELECT count(*) FROM rbp.response) AS response_rows,
       (SELECT count(*) FROM rbp.staff s JOIN rbp.authority a USING (authority_id) WHERE a.code = 'brighton_hove') AS bh_staff;
RESET ROLE;
\echo 'A QA login that Brighton & Hove''s case system registered as staff (p_is_qa), but that no administrator'
\echo 'mapped, reads none of Brighton & Hove''s directory (red-team finding F6):'
CREATE ROLE demo_qa_registered LOGIN IN ROLE rbp_qa;
SET ROLE demo_case_system;
SELECT rbp.register_staff('brighton_hove', 'QA09', 'Registered, not mapped', NULL, 'demo_qa_registered', true) \g /dev/null
RESET ROLE;
SET ROLE demo_qa_registered;
SELECT (SELECT count(*) FROM rbp.staff) AS staff_rows, (SELECT count(*) FROM rbp.team) AS team_rows,
       (SELECT count(*) FROM rbp.supervision) AS supervision_rows;
RESET ROLE;
\echo 'East Sussex''s report writer reads no Brighton & Hove cell:'
SET ROLE demo_reporter_es;
SELECT count(*) AS brighton_hove_cells FROM rbp.report_responses WHERE authority = 'brighton_hove';
RESET ROLE;

\echo
\echo '== Is a person''s login: no group, no superuser, no BYPASSRLS; by OID; re-sends keep what is stored =='
CREATE ROLE demo_super LOGIN SUPERUSER;
SET ROLE demo_case_system;
\set ON_ERROR_STOP 0
SELECT rbp.register_staff('brighton_hove', 'SW003', 'New worker', 'fst_north', 'rbp_qa');
SELECT rbp.register_staff('brighton_hove', 'SW003', 'New worker', 'fst_north', 'demo_super');
\set ON_ERROR_STOP 1
\echo 'The case system re-sends Sam''s record without login or team: both are kept.'
SELECT rbp.register_staff('brighton_hove', 'SW001', 'Sam Carter');
RESET ROLE;
SELECT staff_ref, display_name, db_role, is_qa FROM rbp.staff WHERE staff_ref = 'SW001';
DROP ROLE demo_super;

\echo
\echo '== Who may review an item, and days after today =='
SELECT response_id AS sam_item FROM rbp.response r JOIN rbp.staff w ON w.staff_id = r.worker_id
 WHERE w.staff_ref = 'SW001' AND r.qa_status = 'released' ORDER BY r.submitted_on DESC LIMIT 1 \gset
\echo 'Only the reviewer it is routed to may record the review: East Sussex''s QA, the worker it is about, another worker get the error of a missing id:'
\set ON_ERROR_STOP 0
SET ROLE demo_qa_es;
SELECT rbp.record_supervision_review(:'sam_item', true);
RESET ROLE;
SET ROLE demo_sam;
SELECT rbp.record_supervision_review(:'sam_item', true);
RESET ROLE;
SET ROLE demo_jo;
SELECT rbp.record_supervision_review(:'sam_item', true);
RESET ROLE;
\set ON_ERROR_STOP 1
\echo 'Functions that act as of a day refuse a day after today (22023):'
SET ROLE demo_case_system;
\set ON_ERROR_STOP 0
SELECT rbp.release_due_feedback(current_date + 12);
\set ON_ERROR_STOP 1
RESET ROLE;
SET ROLE demo_admin;
\set ON_ERROR_STOP 0
CALL rbp.publish_reports(current_date + 1);
\set ON_ERROR_STOP 1
RESET ROLE;

\echo
\echo '== What a worker reads, and what their EXPLAIN ANALYZE shows: one Function Scan, no other row =='
SET ROLE demo_sam;
SELECT anonymity, period, submitted_on, reviewed_on IS NOT NULL AS reviewed FROM rbp.my_feedback() ORDER BY period;
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) SELECT * FROM rbp.my_feedback();
\set ON_ERROR_STOP 0
SELECT count(*) FROM rbp.response;
\set ON_ERROR_STOP 1
RESET ROLE;
\echo 'QA reads its authority through rbp.qa_feedback() and rbp.qa_worker_summary():'
SET ROLE demo_qa_bh;
SELECT s.display_name AS worker, w.responses, w.scored_answers, w.mean_score
  FROM rbp.qa_worker_summary() w JOIN rbp.staff s ON s.staff_id = w.worker_id ORDER BY 1;
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) SELECT * FROM rbp.qa_worker_summary();
RESET ROLE;
\echo 'Each reading function is planned for its caller and arguments at every call (issue 18): after'
\echo 'seven summaries of all periods, a summary of the first quarter of 2026 is still planned with its dates as'
\echo 'constants, which the index on (authority, period) can use, as in the hand-written query (auto_explain,'
\echo 'the plan inside the function; a cached generic plan would show "($1 IS NULL) OR (period >= $1)"):'
SELECT p.proname, p.proconfig FROM pg_proc p
 WHERE p.oid = 'rbp.qa_worker_summary(date, date)'::regprocedure;
SET ROLE demo_qa_bh;
DO $$ BEGIN FOR i IN 1 .. 7 LOOP PERFORM FROM rbp.qa_worker_summary(); END LOOP; END $$;
RESET ROLE;
LOAD 'auto_explain';
SET auto_explain.log_min_duration = 0;
SET auto_explain.log_nested_statements = on;
SET auto_explain.log_level = notice;
SET ROLE demo_qa_bh;
SET client_min_messages = notice;
SELECT count(*) AS workers FROM rbp.qa_worker_summary('2026-01-01', '2026-03-31');
RESET client_min_messages;
RESET ROLE;
SET auto_explain.log_min_duration = -1;
\echo 'QA''s plain SQL on the tables: each answer carries its response''s authority, so the policy compares a'
\echo 'column of the row with the authorities resolved once (the InitPlan), with no look-up per answer (issue 18):'
SET ROLE demo_qa_bh;
EXPLAIN (COSTS OFF) SELECT r.worker_id, count(*) FROM rbp.response r JOIN rbp.answer a USING (response_id) GROUP BY 1;
RESET ROLE;
\echo 'Its estimates come from no other authority''s rows (red-team finding F13): after ANALYZE, East Sussex''s QA'
\echo 'gets the same estimate for Sam of Brighton & Hove as for a worker who does not exist (rows=):'
ANALYZE rbp.response;
SELECT staff_id AS sam_id FROM rbp.staff WHERE staff_ref = 'SW001'
   AND authority_id = (SELECT authority_id FROM rbp.authority WHERE code = 'brighton_hove') \gset
SET ROLE demo_qa_es;
EXPLAIN SELECT * FROM rbp.response WHERE worker_id = :sam_id;
EXPLAIN SELECT * FROM rbp.response WHERE worker_id = -1;
RESET ROLE;
\echo 'The owner, who may read every row, plans with the statistics (Sam''s real count):'
EXPLAIN SELECT * FROM rbp.response WHERE worker_id = :sam_id;

\echo
\echo '== Reads planned like a hand-written query for one authority (issue 18): a larger synthetic block in a database of its own =='
\echo 'Three synthetic authorities (bench_1..3, 40,000 responses, the generator of make bench) and one quarter of'
\echo 'reports published for each, in a database of their own (rbp_demo_reads, dropped at the end of this section;'
\echo 'the roles are created in a transaction that is rolled back):'
SELECT current_database() AS demo_database \gset
CREATE DATABASE rbp_demo_reads;
\c rbp_demo_reads
SET client_min_messages = warning;
CREATE EXTENSION feedback_rbp;
RESET client_min_messages;
BEGIN;
SET LOCAL client_min_messages = warning;
\o /dev/null
\ir ../bench/generate.sql
\o
SELECT what, how_many FROM rbp_bench.generate(3, 4, 5, 3000, 4000, 40000) WHERE what IN ('authorities', 'responses');
SELECT a.code AS authority,
       (rbp.report_publish_due(a.authority_id, 'quarter', (date_trunc('quarter', current_date) - interval '3 months')::date, current_date)).status
  FROM rbp.authority a WHERE a.code LIKE 'bench\_%' ORDER BY 1;
ANALYZE;
CREATE ROLE demo_qa_bench2 LOGIN IN ROLE rbp_qa;
CREATE ROLE demo_bi_bench1 LOGIN IN ROLE rbp_report_writer;
SELECT rbp.map_login('demo_qa_bench2', 'qa', 'bench_2'), rbp.map_login('demo_bi_bench1', 'report_writer', 'bench_1');
SELECT authority_id AS bench_1_id FROM rbp.authority WHERE code = 'bench_1' \gset
\echo 'QA of bench_2, plain SQL: the planner has no statistics for a table read under row-level security (not even'
\echo 'authority_id''s), so it takes the policy''s condition for a few per cent of the rows and reads bench_2''s rows'
\echo 'through the index on (authority, period), as a query written for bench_2 by hand does:'
SET ROLE demo_qa_bench2;
EXPLAIN (COSTS OFF) SELECT r.worker_id, count(*) FROM rbp.response r GROUP BY 1;
\echo 'and its estimates do not tell how many rows bench_1 has: the same as for an authority that does not exist:'
EXPLAIN SELECT * FROM rbp.response WHERE authority_id = :bench_1_id;
EXPLAIN SELECT * FROM rbp.response WHERE authority_id = -1;
RESET ROLE;
\echo 'The owner''s estimate for bench_1 (the statistics, a third of the rows):'
EXPLAIN SELECT * FROM rbp.response WHERE authority_id = :bench_1_id;
\echo 'A report writer of bench_1: the view joins the reader''s authorities, rbp.report_authority_ids() (one call,'
\echo 'declared to return one row), and reads each one''s cells through the index report_cell_period:'
SET ROLE demo_bi_bench1;
SELECT count(*) AS rows_of_bench_1 FROM rbp.report_responses;
EXPLAIN (COSTS OFF) SELECT * FROM rbp.report_responses;
\echo 'Whatever plan the writer forces, the scan of the cells passes up only bench_1''s (the view filters the scan'
\echo 'too; with the join alone, EXPLAIN ANALYZE counted other authorities'' cells matching the writer''s conditions):'
SET enable_nestloop = off;
SET enable_indexscan = off;
SET enable_bitmapscan = off;
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) SELECT count(*) FROM rbp.report_scores WHERE level = 'authority';
RESET enable_nestloop;
RESET enable_indexscan;
RESET enable_bitmapscan;
RESET ROLE;
ROLLBACK;
\c :demo_database
DROP DATABASE rbp_demo_reads;

\echo
\echo '== Each call acts as one kind of work: a login mapped only as a report writer is no case system there =='
CREATE ROLE demo_bi_and_cs LOGIN IN ROLE rbp_report_writer, rbp_case_system;   -- a member of two groups
SET ROLE demo_admin;
SELECT rbp.map_login('demo_bi_and_cs', 'report_writer', 'east_sussex');          -- mapped as report writer only
RESET ROLE;
SET ROLE demo_bi_and_cs;
SELECT count(*) AS east_sussex_cells_it_may_read FROM rbp.report_responses WHERE authority = 'east_sussex';
\set ON_ERROR_STOP 0
SELECT rbp.issue_invitation('east_sussex', 'ANY', 'ANY', 'email');     -- 42501: not mapped as the case system
SELECT rbp.pause_invitations('east_sussex', 'ANY', current_date);      -- 42501
\set ON_ERROR_STOP 1
RESET ROLE;
\echo 'An authority''s settings are its own QA''s: East Sussex''s QA reads its own schedule policy only.'
SET ROLE demo_qa_es;
SELECT a.code AS authority FROM rbp.schedule_policy p JOIN rbp.authority a USING (authority_id) ORDER BY 1;
RESET ROLE;
SET ROLE demo_admin;
SELECT rbp.unmap_login('demo_bi_and_cs') AS mappings_removed;
RESET ROLE;
DROP ROLE demo_bi_and_cs;
