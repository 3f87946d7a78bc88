-- make demo, chapter 80: the integration contract (doc/case-system.md, doc/data-protection.md,
-- doc/dba.md "Scheduled jobs"). The chapter runs in one transaction that is rolled back at the end,
-- so that the example authority stays as the earlier chapters (and the documentation) left it.
\set ON_ERROR_STOP 1
\pset border 2
SET client_min_messages = warning;
SET search_path = public, rbp;
BEGIN;
\set ON_ERROR_ROLLBACK on

\echo
\echo '== 80. A case system calls with its driver''s defaults: every parameter a string (JDBC binds varchar) =='
SET ROLE demo_case_system;
-- PREPARE with varchar parameters is exactly what PgJDBC's setString sends.
PREPARE reg(varchar, varchar, varchar, varchar) AS SELECT rbp.register_respondent($1, $2, $3, $4) IS NOT NULL AS registered;
EXECUTE reg('brighton_hove', 'FAM20', 'P20', 'parent');
EXECUTE reg('brighton_hove', 'FAM20', 'P20B', 'carer');
PREPARE open_inv(varchar, varchar, varchar, varchar, varchar) AS SELECT rbp.open_involvement($1, $2, $3, $4, $5) IS NOT NULL AS opened;
EXECUTE open_inv('brighton_hove', 'INV20', 'FAM20', 'fst_north', '2026-06-01');
PREPARE alloc(varchar, varchar, varchar, varchar) AS SELECT rbp.allocate_worker($1, $2, $3, $4) IS NOT NULL AS allocated;
EXECUTE alloc('brighton_hove', 'INV20', 'SW001', '2026-06-01');
\echo 'The same allocation sent again is a no-op (no 23P01):'
EXECUTE alloc('brighton_hove', 'INV20', 'SW001', '2026-06-01');
PREPARE issue(varchar, varchar, varchar, varchar, integer, varchar) AS SELECT length(rbp.issue_invitation($1, $2, $3, $4, $5, $6)) AS token_length;
EXECUTE issue('brighton_hove', 'INV20', 'P20', 'text_message', 28, '2026-06-02');
\echo 'A string that is not a value of the argument''s type fails with the cast''s SQLSTATE:'
\set VERBOSITY sqlstate
\set ON_ERROR_STOP 0
EXECUTE reg('brighton_hove', 'FAM20', 'P21', 'aunt');
\set ON_ERROR_STOP 1
\set VERBOSITY default
RESET ROLE;
SELECT count(*) AS generated_driver_overloads FROM pg_proc p
 WHERE p.pronamespace = 'rbp'::regnamespace AND obj_description(p.oid, 'pg_proc') LIKE 'Driver call (generated%';

\echo
\echo '== A notification arrived with a route id: whom should the case system alert? =='
SET ROLE demo_qa_bh;
SELECT r.response_id AS demo_released FROM rbp.response r WHERE r.anonymity::text = 'named'
 ORDER BY r.submitted_on, r.respondent_id LIMIT 1 \gset
SELECT rbp.qa_release(:'demo_released', '2026-03-16') \gset
RESET ROLE;
\echo 'QA released a named item; rbp_feedback_routed carried its route id (and nothing else).'
SELECT route_id AS demo_route FROM rbp.route WHERE response_id = :'demo_released' AND superseded_on IS NULL \gset
SET ROLE demo_case_system;
SELECT authority, worker_ref, recipient_kind, recipient_ref, state FROM rbp.routed_item(:'demo_route');
\echo 'An unknown id, an item QA has not released or holds, another authority''s item: the same P0002.'
\set VERBOSITY sqlstate
\set ON_ERROR_STOP 0
SELECT * FROM rbp.routed_item('00000000-0000-0000-0000-000000000000');
\set ON_ERROR_STOP 1
\set VERBOSITY default
RESET ROLE;

\echo
\echo '== The lifecycle: a lost leaflet, a new supervisor, a family member who moves, a leaver =='
SET ROLE demo_case_system;
SELECT rbp.cancel_invitation('brighton_hove', 'INV20', 'P20', '2026-06-05') AS cancelled,
       rbp.cancel_invitation('brighton_hove', 'INV20', 'P20', '2026-06-05') AS cancelled_again;
SELECT length(rbp.reissue_invitation('brighton_hove', 'INV20', 'P20', NULL, 28, '2026-06-05')) AS reissued_token_length;
SELECT rbp.hand_over_supervision('brighton_hove', 'SW002', 'SUP02', '2026-07-01') IS NOT NULL AS handed_over;
\echo 'P20B moves to another family: the old involvement no longer lists them, the new family''s does.'
SELECT respondent_ref, involvement_ref, purpose FROM rbp.due_invitations('2026-06-10', 'brighton_hove') WHERE respondent_ref LIKE 'P20%';
SELECT rbp.move_family_member('brighton_hove', 'P20B', 'FAM3') IS NOT NULL AS moved;
SELECT respondent_ref, involvement_ref, purpose FROM rbp.due_invitations(current_date, 'brighton_hove') WHERE respondent_ref LIKE 'P20%';
\echo 'Jo leaves: allocations and supervision end, the login is unmapped, open items move on.'
SELECT rbp.record_leaver('brighton_hove', 'SW002', '2026-07-31');
RESET ROLE;
SELECT staff_ref, db_role, is_qa FROM rbp.staff WHERE staff_ref = 'SW002';
SELECT count(*) AS allocations_of_jo_after_july FROM rbp.allocation a JOIN rbp.staff s ON s.staff_id = a.worker_id
 WHERE s.staff_ref = 'SW002' AND (upper_inf(a.during) OR upper(a.during) > '2026-08-01');
SET ROLE demo_case_system;
\echo 'A duplicate record of a family member is merged; their opt-out is kept.'
SELECT rbp.register_respondent('brighton_hove', 'FAM20', 'P20-DUP', 'parent') IS NOT NULL AS duplicate_registered;
SELECT rbp.opt_out_of_reminders('brighton_hove', 'P20-DUP');
SELECT rbp.merge_family_members('brighton_hove', 'P20', 'P20-DUP') IS NOT NULL AS merged;
RESET ROLE;
SELECT r.respondent_ref, p.reminders_opted_out FROM rbp.respondent r JOIN rbp.respondent_preference p USING (respondent_id)
 WHERE r.respondent_ref LIKE 'P20%';

\echo
\echo '== Data protection: a subject access request, an erasure, the retention policy =='
SET ROLE demo_qa_bh;
\echo 'Everything held about PQ2_3, as one JSON document (here: its parts, and their answers):'
SELECT rbp.subject_access('brighton_hove', 'PQ2_3') AS sar \gset
SELECT key AS part, CASE jsonb_typeof(value) WHEN 'array' THEN jsonb_array_length(value) || ' item(s)' ELSE left(value #>> '{}', 70) END AS content
  FROM jsonb_each(:'sar'::jsonb) ORDER BY key;
SELECT a ->> 'question' AS question, a ->> 'answer' AS answer
  FROM jsonb_array_elements(:'sar'::jsonb -> 'named_responses') AS r, jsonb_array_elements(r -> 'answers') AS a;
\echo 'PQ2_3 asks to be erased: record, invitations and named response go; worker-only and anonymous feedback stays.'
SELECT rbp.erase_person('brighton_hove', 'PQ2_3', '2026-06-15') AS erased,
       rbp.erase_person('brighton_hove', 'PQ2_3', '2026-06-15') AS sent_again;
RESET ROLE;
SET ROLE demo_admin;
SELECT rbp.set_retention_policy('brighton_hove', 6);
RESET ROLE;
SET ROLE demo_case_system;
SELECT rbp.register_respondent('brighton_hove', 'FAM-OLD', 'P-OLD', 'parent') IS NOT NULL AS registered,
       rbp.open_involvement('brighton_hove', 'INV-OLD', 'FAM-OLD', 'fst_north', '2018-01-08') IS NOT NULL AS opened;
SELECT rbp.close_involvement('brighton_hove', 'INV-OLD', '2019-03-29');
RESET ROLE;
SET ROLE demo_admin;
\echo 'As of 30 June 2026, more than six years after INV-OLD closed, the daily job erases that family; run again, nothing:'
SELECT rbp.apply_retention('2026-06-30') AS erased, rbp.apply_retention('2026-06-30') AS erased_again;
SELECT erased_on, cause, families, people, involvements, invitations, responses FROM rbp.erasure_log ORDER BY erasure_id;
RESET ROLE;
\echo '(The daily and quarterly jobs run from pg_cron as two job logins: doc/dba.md; make test runs that recipe.)'

ROLLBACK;
