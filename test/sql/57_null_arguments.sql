-- "A required argument is never NULL" (rbp.required; doc/case-system.md, doc/dba.md): red-team
-- finding F3. Before it, map_login, set_suppression_threshold and tag_response were STRICT (and
-- lifecycle functions STRICT or NULL-tolerant): called with a NULL argument they returned NULL
-- without running, so the caller was told "done" for nothing done. The case system's and survey
-- intake's functions are probed argument by argument in test/clients (calls.py --null-probes);
-- this suite covers the administrator's and QA's functions, which no driver test calls. Each
-- refusal is paired with the same call with a value, which does change something, so each test can
-- fail. Seen failing with STRICT put back on rbp.set_suppression_threshold (test 1) and on
-- rbp.map_login (tests 3-5).
BEGIN;
SET client_min_messages = warning;
CREATE EXTENSION feedback_rbp;
RESET client_min_messages;
SELECT plan(10);
\ir ../helpers/pgtap_roles.sql
\ir ../helpers/two_authorities.sql

SET ROLE t_admin;
SELECT throws_ok($$ SELECT rbp.set_suppression_threshold(NULL) $$, '22004', 'p_threshold must not be NULL',
                 'set_suppression_threshold(NULL) is refused, not skipped');
SELECT lives_ok($$ SELECT rbp.set_suppression_threshold(7) $$, '... while a value changes it');
SELECT throws_ok($$ SELECT rbp.map_login('t_qa_s', 'qa', NULL) $$, '22004', 'p_authority must not be NULL',
                 'map_login with a NULL authority is refused');
SELECT throws_ok($$ SELECT rbp.map_login(NULL, 'qa', 'north') $$, '22004', NULL, 'map_login with a NULL login is refused');
SELECT throws_ok($$ SELECT rbp.map_login('t_qa_s', NULL, 'north') $$, '22004', NULL, 'map_login with a NULL kind is refused');
SELECT lives_ok($$ SELECT rbp.map_login('t_qa_s', 'qa', 'north') $$, '... while with every value it maps');
SELECT throws_ok($$ SELECT rbp.register_authority(NULL, 'Nameless') $$, '22004', 'p_code must not be NULL', 'register_authority without a code is refused');
SELECT throws_ok($$ SELECT rbp.register_authority('nameless', NULL) $$, '22004', 'p_name must not be NULL', 'register_authority without a name is refused');
RESET ROLE;
SELECT is(rbp.suppression_threshold(), 7, 'the threshold is the one set with a value');
SET ROLE t_qa_n;
SELECT throws_ok($$ SELECT rbp.tag_response(1, NULL) $$, '22004', 'p_response_id must not be NULL', 'tag_response with a NULL response is refused');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;
