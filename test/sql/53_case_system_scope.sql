-- The case system acts only for the authorities an administrator mapped its login to
-- (doc/case-system.md, doc/dba.md "a login nobody mapped sees and does nothing"): the daily due list,
-- reminders and routed items. Found by a red-team review from the docs: before this suite, an
-- unmapped case-system login, or the case system of another authority, read every authority's due
-- list (families named), bumped another authority's reminder counts and read its routed items.
-- Every refusal below is paired with the same call by a login that may make it, so each test could
-- fail. Mutations seen failing: rbp.due_invitations without its scope (tests 1, 3); record_reminder
-- without rbp.may_act_for (test 5, then the suite aborts); rbp.case_system_serves back to "any
-- case-system member" (tests 8, 9). Also: QA of one authority, or an unmapped QA login, read the
-- publication records (cells, hidden cells) of every authority (tests 10-11 seen failing without the
-- policy; test 12 shows the rows exist).
BEGIN;
SET client_min_messages = warning;
CREATE EXTENSION feedback_rbp;
RESET client_min_messages;
SELECT plan(12);
\ir ../helpers/pgtap_roles.sql
\ir ../helpers/two_authorities.sql
CREATE ROLE t_case_none LOGIN IN ROLE rbp_case_system;   -- never mapped
CREATE ROLE t_case_s LOGIN IN ROLE rbp_case_system;
SELECT rbp.map_login('t_case_s', 'case_system', 'south') \g /dev/null
CREATE TEMP TABLE inv AS SELECT i.invitation_id, a.code FROM rbp.invitation i JOIN rbp.authority a USING (authority_id);
GRANT SELECT ON inv TO PUBLIC;

-- ---- the due list --------------------------------------------------------------------------
SET LOCAL ROLE t_case_none;
SELECT is((SELECT count(*) FROM rbp.due_invitations('2026-06-01')), 0::bigint,
          'an unmapped case-system login gets an empty due list');
RESET ROLE;
SET LOCAL ROLE t_case;
SELECT cmp_ok((SELECT count(DISTINCT authority) FROM rbp.due_invitations('2026-06-01')), '=', 2::bigint,
              'the case system of both authorities gets both (so the lists above and below could be longer)');
RESET ROLE;
SET LOCAL ROLE t_case_s;
SELECT results_eq($$ SELECT DISTINCT authority FROM rbp.due_invitations('2026-06-01') $$, $$ VALUES ('south') $$,
                  'the case system of south gets only south''s due list');
SELECT throws_ok($$ SELECT * FROM rbp.due_invitations('2026-06-01', 'north') $$, '42501', NULL,
                 'naming another authority is refused (42501)');
-- ---- reminders -----------------------------------------------------------------------------
SELECT throws_ok(format('SELECT rbp.record_reminder(%s, %L)',
                        (SELECT min(invitation_id) FROM inv WHERE code = 'north'),
                        '2026-03-01'),
                 '23503', NULL, 'the case system of south cannot record a reminder of a north invitation: "unknown invitation"');
RESET ROLE;
SET LOCAL ROLE t_case_n;
SELECT is(rbp.record_reminder((SELECT min(invitation_id) FROM inv WHERE code = 'north'),
                              '2026-03-01'), 1, 'north''s case system records it (the first reminder)');
RESET ROLE;
-- ---- routed items --------------------------------------------------------------------------
SELECT rbp.submit_response((SELECT token FROM tok WHERE who = 'P1'), 'named', '{"q2_trust": 4}', 'online', false, '2026-04-02') \g /dev/null
CREATE TEMP TABLE r AS SELECT rt.route_id, rt.response_id FROM rbp.route rt WHERE rt.superseded_on IS NULL;
GRANT SELECT ON r TO PUBLIC;
SET LOCAL ROLE t_qa_n;
SELECT rbp.qa_release(response_id) FROM r \g /dev/null
RESET ROLE;
SET LOCAL ROLE t_case_n;
SELECT is((SELECT authority FROM rbp.routed_item((SELECT route_id FROM r))), 'north', 'north''s case system reads north''s routed item');
RESET ROLE;
SET LOCAL ROLE t_case_s;
SELECT throws_ok(format('SELECT * FROM rbp.routed_item(%L)', (SELECT route_id FROM r)), 'P0002', NULL,
                 'the case system of south learns nothing of north''s routed item (same error as an unknown id)');
RESET ROLE;
SET LOCAL ROLE t_case_none;
SELECT throws_ok(format('SELECT * FROM rbp.routed_item(%L)', (SELECT route_id FROM r)), 'P0002', NULL,
                 'an unmapped case-system login learns nothing of it either');
RESET ROLE;
-- ---- QA reads the publication records of its own authorities only ----------------------------
CREATE ROLE t_qa_none LOGIN IN ROLE rbp_qa;   -- never mapped
INSERT INTO rbp.report_publication (authority_id, period_kind, period_start, published_on, threshold, cells, hidden_cells)
SELECT authority_id, 'quarter', '2026-01-01', '2026-04-02', 5, 17, 12 FROM rbp.authority;
SET LOCAL ROLE t_qa_s;
SELECT results_eq($$ SELECT a FROM (SELECT authority_id FROM rbp.report_publication) p,
                         LATERAL (SELECT 'row') x(a) $$, $$ VALUES ('row') $$,
                  'QA of south reads one publication record (its own), not north''s');
RESET ROLE;
SET LOCAL ROLE t_qa_none;
SELECT is((SELECT count(*) FROM rbp.report_publication), 0::bigint, 'an unmapped QA login reads no publication record');
RESET ROLE;
SET LOCAL ROLE t_admin;
SELECT is((SELECT count(*) FROM rbp.report_publication), 2::bigint, 'the administrator reads both');
RESET ROLE;
SELECT * FROM finish();
ROLLBACK;
