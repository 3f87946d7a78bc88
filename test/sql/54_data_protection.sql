-- Data-protection duties (doc/data-protection.md): subject access, erasure on request, retention.
-- Mutations seen failing: without the named-response delete in rbp.erase_respondents the suite
-- aborts at test 9 (the foreign key refuses the erasure); with the retention period's comparison
-- inverted, tests 20, 21 and 23; without require_data_protection_of in rbp.subject_access, test 7.
BEGIN;
SET client_min_messages = warning;
CREATE EXTENSION feedback_rbp;
RESET client_min_messages;
SELECT plan(24);
\ir ../helpers/pgtap_roles.sql
\ir ../helpers/two_authorities.sql

-- P1 answers named (with words that identify), YP1 worker-only, P3 anonymous is impossible to
-- find: only named feedback is linked to a family member.
SELECT rbp.submit_response((SELECT token FROM tok WHERE who = 'P1'), 'named',
                           '{"q2_trust": 4, "q7_anything_else": "My name is Pat and my son is Joe"}', 'online', false, '2026-03-02') \g /dev/null
SELECT rbp.submit_response((SELECT token FROM tok WHERE who = 'YP1'), 'worker_only', '{"dial_safe": 9}', 'online', false, '2026-03-02') \g /dev/null
SELECT rbp.submit_response((SELECT token FROM tok WHERE who = 'P3'), 'anonymous', '{"q2_trust": 2}', 'online', false, '2026-03-02') \g /dev/null
SELECT rbp.pause_invitations('north', 'P1', '2026-09-01') \g /dev/null
SELECT rbp.record_stage('north', 'I1', 'child_in_need', '2026-02-01') \g /dev/null

-- ---- subject access ----------------------------------------------------------------------
SET LOCAL ROLE t_qa_n;
CREATE TEMP TABLE sar AS SELECT rbp.subject_access('north', 'P1') AS doc;
RESET ROLE;
SELECT is((SELECT doc ->> 'family_ref' FROM sar), 'F1', 'the document names their family');
SELECT is((SELECT jsonb_array_length(doc -> 'invitations') FROM sar), 1, 'their invitations');
SELECT is((SELECT doc #>> '{named_responses,0,answers,1,answer}' FROM sar), 'My name is Pat and my son is Joe',
    'their named responses with their own words');
SELECT is((SELECT doc #>> '{involvements,0,stages,0,stage}' FROM sar), 'child_in_need', 'their family''s involvements, with stages');
SELECT is((SELECT doc #>> '{preferences,paused_until}' FROM sar), '2026-09-01', 'their choices');
SET LOCAL ROLE t_qa_n;
SELECT is(jsonb_array_length(rbp.subject_access('north', 'YP1') -> 'named_responses'), 0,
    'a worker-only response is not linked to the young person: not in their document (by design)');
RESET ROLE;
SET LOCAL ROLE t_qa_s;
SELECT throws_ok($$ SELECT rbp.subject_access('north', 'P1') $$, '42501', NULL, 'QA of another authority: 42501');
RESET ROLE;
SET LOCAL ROLE t_case;
SELECT throws_ok($$ SELECT rbp.subject_access('north', 'P1') $$, '42501', NULL, 'the case system cannot read answers this way');
RESET ROLE;

-- ---- erasure on request ------------------------------------------------------------------
CREATE TEMP TABLE before AS
SELECT (SELECT count(*) FROM rbp.response WHERE anonymity <> 'named') AS not_named,
       (SELECT count(*) FROM rbp.anonymous_holding) AS held;
SET LOCAL ROLE t_qa_n;
SELECT is(rbp.erase_person('north', 'P1', '2026-04-01'), '{"people": 1, "invitations": 1, "responses": 1}'::jsonb,
    'erase P1: their record, invitation and named response');
SELECT is(rbp.erase_person('north', 'P1', '2026-04-01'), '{"people": 0, "invitations": 0, "responses": 0}'::jsonb,
    'sending it again: nothing left to erase');
SELECT throws_ok($$ SELECT rbp.subject_access('north', 'P1') $$, 'P0002', NULL, 'nothing is held about them any more');
RESET ROLE;
SELECT is((SELECT count(*)::integer FROM rbp.answer WHERE free_text LIKE '%Pat%'), 0, 'their words are gone');
SELECT is((SELECT count(*)::integer FROM rbp.invitation_schedule s JOIN rbp.respondent r USING (respondent_id) WHERE r.respondent_ref = 'P1'),
          0, 'their schedule is gone');
SELECT ok((SELECT not_named FROM before) = (SELECT count(*) FROM rbp.response WHERE anonymity <> 'named')
          AND (SELECT held FROM before) = (SELECT count(*) FROM rbp.anonymous_holding),
          'worker-only and anonymous feedback stays');
SELECT results_eq($$ SELECT cause, people, invitations, responses FROM rbp.erasure_log $$,
                  $$ VALUES ('request', 1, 1, 1) $$, 'the erasure is logged by counts only');
SET LOCAL ROLE t_worker_a;
SELECT throws_ok($$ SELECT rbp.erase_person('north', 'P2') $$, '42501', NULL, 'a worker cannot erase anyone');
RESET ROLE;

-- ---- retention ---------------------------------------------------------------------------
-- Published figures are frozen cells: a retention run leaves them as they were.
CREATE TEMP TABLE cells AS SELECT count(*) AS n FROM rbp.report_cell;
SELECT rbp.register_respondent('north', 'FOLD', 'POLD', 'parent'), rbp.register_respondent('north', 'FMID', 'PMID', 'parent') \g /dev/null
SELECT rbp.open_involvement('north', 'IOLD', 'FOLD', 'team1', '2015-01-05'),
       rbp.open_involvement('north', 'IMID', 'FMID', 'team1', '2022-01-05') \g /dev/null
SELECT rbp.allocate_worker('north', 'IOLD', 'A', '2015-01-05') \g /dev/null
SELECT rbp.submit_response(rbp.issue_invitation('north', 'IOLD', 'POLD', 'link', 3650, '2016-01-04'), 'named', '{"q2_trust": 3}',
                           'online', false, '2016-02-01') \g /dev/null
SELECT rbp.close_involvement('north', 'IOLD', '2020-06-30'), rbp.close_involvement('north', 'IMID', '2023-06-30') \g /dev/null
SET LOCAL ROLE t_admin;
SELECT rbp.set_retention_policy('north', 5) \g /dev/null
SELECT throws_ok($$ SELECT rbp.set_retention_policy('north', 0) $$, '22023', NULL, 'a period out of range is refused');
SELECT throws_ok($$ SELECT rbp.apply_retention(current_date + 1) $$, '22023', NULL, 'retention cannot run as of a future day');
SELECT is(rbp.apply_retention('2026-01-01'), 1, 'the family whose last involvement closed over 5 years before is erased');
RESET ROLE;
SELECT is((SELECT array_agg(family_ref ORDER BY family_ref) FROM rbp.family WHERE authority_id = (SELECT authority_id FROM rbp.authority WHERE code = 'north')),
          '{F1,F2,F3,FMID}', 'FOLD is gone; FMID (closed 2.5 years before) and the open families stay');
SELECT is((SELECT count(*)::integer FROM rbp.involvement WHERE involvement_ref = 'IOLD')
          + (SELECT count(*)::integer FROM rbp.respondent WHERE respondent_ref = 'POLD')
          + (SELECT count(*)::integer FROM rbp.response WHERE submitted_on = '2016-02-01'), 0,
          'with its involvement, its member and their named response');
SET LOCAL ROLE t_admin;
SELECT is(rbp.apply_retention('2026-01-01'), 0, 'a second run the same day erases nothing');
RESET ROLE;
SELECT results_eq($$ SELECT cause, families, people, involvements, invitations, responses FROM rbp.erasure_log WHERE cause = 'retention' ORDER BY erasure_id $$,
                  $$ VALUES ('retention', 1, 1, 1, 1, 1), ('retention', 0, 0, 0, 0, 0) $$, 'each run is logged, even when it erased nothing');
SELECT is((SELECT count(*) FROM rbp.report_cell), (SELECT n FROM cells), 'published figures are untouched');

SELECT * FROM finish();
ROLLBACK;
