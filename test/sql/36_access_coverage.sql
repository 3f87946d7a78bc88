-- The access matrix, per object, generated from the catalog (issue 11): every function, procedure,
-- view, table and sequence of the extension on which a role other than its owner (an rbp_* group
-- role, PUBLIC) holds a privilege must have a row in test/access/objects.txt, or this suite fails;
-- so a newly granted object without an access expectation fails `make test`. A row states, for
-- every kind of login (case system, survey intake, report writer, QA, worker, supervisor,
-- administrator, the two job logins, logins nobody mapped and logins mapped for another kind of
-- work) and for their own or another authority, what one call returns or refuses; the suite makes
-- every one of those calls (each in a subtransaction that is rolled back) and compares.
-- The file's syntax is described at its top. test/sql/35_access_matrix.sql covers the states of
-- one item (awaiting QA, held, released, reviewed, withdrawn) for the feedback objects;
-- test/sql/37_access_random.sql the visibility rule over random sequences of calls.
BEGIN;
SET client_min_messages = warning;
CREATE EXTENSION feedback_rbp;
RESET client_min_messages;
SET LOCAL search_path = public, rbp;

-- The granted objects, from the catalog (names schema-qualified whatever the search_path).
CREATE TEMP TABLE granted (object text, secdef boolean, grantees text);
SET LOCAL search_path = pg_catalog;
INSERT INTO granted
SELECT o.object, o.secdef, string_agg(DISTINCT CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE a.grantee::regrole::text END, ' ')
  FROM (SELECT 'fn:' || p.oid::regprocedure::text AS object, p.prosecdef AS secdef,
               coalesce(p.proacl, acldefault('f', p.proowner)) AS acl, p.proowner AS owner
          FROM pg_proc p JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e'
         WHERE d.refclassid = 'pg_extension'::regclass AND d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'feedback_rbp')
        UNION ALL
        SELECT CASE c.relkind WHEN 'r' THEN 'table:' WHEN 'p' THEN 'table:' WHEN 'v' THEN 'view:' WHEN 'm' THEN 'view:'
                              WHEN 'S' THEN 'seq:' ELSE c.relkind::text || ':' END || c.oid::regclass::text,
               false, coalesce(c.relacl, acldefault(CASE c.relkind WHEN 'S' THEN 's' ELSE 'r' END::"char", c.relowner)), c.relowner
          FROM pg_class c JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e'
         WHERE d.refclassid = 'pg_extension'::regclass AND d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'feedback_rbp')) o,
       aclexplode(o.acl) a
 WHERE a.grantee <> o.owner
 GROUP BY o.object, o.secdef;
SET LOCAL search_path = public, rbp;

-- The per-object matrix: "object | expectations | call | why", macros "@name = tokens".
CREATE TEMP TABLE objects_text (line serial, text text);
\copy objects_text (text) FROM 'test/access/objects.txt'
CREATE TEMP TABLE macro AS
SELECT m[1] AS name, m[2] AS tokens FROM objects_text, regexp_match(text, '^@(\S+)\s*=\s*(.*?)\s*$') m;
CREATE TEMP TABLE entry AS
SELECT line, btrim(f[1]) AS object, btrim(f[2]) AS expect, btrim(f[3]) AS call, btrim(coalesce(f[4], '')) AS why
  FROM objects_text, regexp_split_to_array(text, '\s\|\s') f
 WHERE text !~ '^\s*(#|@|$)';
-- expand the macros: '@name/X' (its tokens, {} replaced by X), then '@name' ({} replaced by ok)
UPDATE entry e SET expect = regexp_replace(e.expect, '@' || m.name || '/(\S+)', replace(m.tokens, '{}', '\1'), 'g')
  FROM macro m WHERE e.expect ~ ('@' || m.name || '/');
UPDATE entry e SET expect = regexp_replace(e.expect, '@' || m.name || '(?=\s|$)', replace(m.tokens, '{}', 'ok'), 'g')
  FROM macro m WHERE e.expect ~ ('@' || m.name || '(\s|$)');
CREATE TEMP TABLE expect_token AS
SELECT e.line, e.object, split_part(t, '=', 1) AS key, split_part(t, '=', 2) AS outcome
  FROM entry e, regexp_split_to_table(e.expect, '\s+') t
 WHERE e.expect <> 'invoker' AND t <> '';

-- Seats: every kind of login, mapped to north (its own authority); south is the other authority.
CREATE TEMP TABLE seat (kind text, login text, groups text[], fallback text);
INSERT INTO seat VALUES
    ('case_system', 'cv_case', '{rbp_case_system}', NULL),
    ('job_case', 'cv_job_case', '{rbp_case_system}', 'case_system'),        -- the case system's nightly job login (doc/dba.md)
    ('case_unmapped', 'cv_case_unmapped', '{rbp_case_system}', NULL),
    ('case_wrong_kind', 'cv_case_wrong_kind', '{rbp_case_system,rbp_report_writer}', NULL),  -- mapped to north as report writer only
    ('survey_intake', 'cv_intake', '{rbp_survey_intake}', NULL),
    ('report_writer', 'cv_rw', '{rbp_report_writer}', NULL),
    ('rw_unmapped', 'cv_rw_unmapped', '{rbp_report_writer}', NULL),
    ('qa', 'cv_qa', '{rbp_qa}', NULL),
    ('qa_unmapped', 'cv_qa_unmapped', '{rbp_qa}', NULL),
    ('qa_wrong_kind', 'cv_qa_wrong_kind', '{rbp_qa,rbp_case_system}', NULL),  -- mapped to north as case system only
    ('qa_staff_unmapped', 'cv_qa_staff_unmapped', '{rbp_qa}', 'qa_unmapped'),  -- registered as staff of north (p_is_qa), mapped to nothing (F6)
    ('qa_staff_elsewhere', 'cv_qa_staff_elsewhere', '{rbp_qa}', 'qa'),         -- QA of north, registered as staff of south only (F6, F12)
    ('worker', 'cv_worker', '{rbp_staff}', NULL),
    ('supervisor', 'cv_supervisor', '{rbp_staff}', NULL),
    ('staff_unmapped', 'cv_staff_unmapped', '{rbp_staff}', NULL),         -- in rbp_staff, no staff row
    ('admin', 'cv_admin', '{rbp_admin}', NULL),
    ('job_admin', 'cv_job_admin', '{rbp_admin}', 'admin');                  -- the administrators' nightly job login
SELECT format('CREATE ROLE %I LOGIN', login) FROM seat \gexec
SELECT format('GRANT %I TO %I', g, login) FROM seat, unnest(groups) g \gexec
CREATE ROLE cv_qa_south LOGIN IN ROLE rbp_qa;          -- south's QA and supervisor: make south's items (not seats)
CREATE ROLE cv_supervisor_south LOGIN IN ROLE rbp_staff;

-- Two symmetric authorities.
SELECT rbp.register_authority(a, initcap(a) || ' Council') FROM unnest(ARRAY['north', 'south']) a \g /dev/null
SELECT rbp.register_team(a, 't', 'Team'), rbp.register_team(a, 't2', 'Team 2'),
       rbp.register_staff(a, 'W', 'Worker', 't', CASE a WHEN 'north' THEN 'cv_worker' END),
       rbp.register_staff(a, 'S', 'Supervisor', 't', CASE a WHEN 'north' THEN 'cv_supervisor' ELSE 'cv_supervisor_south' END),
       rbp.register_staff(a, 'M', 'Manager', 't'),
       rbp.register_staff(a, 'Q', 'QA', NULL, CASE a WHEN 'north' THEN 'cv_qa' ELSE 'cv_qa_south' END, true),
       rbp.register_supervision(a, 'W', 'S', '2026-01-01'), rbp.register_team_manager(a, 't', 'M', '2026-01-01'),
       rbp.register_respondent(a, 'F0', 'P0', 'parent'), rbp.register_respondent(a, 'F0', 'P1', 'parent'),
       rbp.register_respondent(a, 'F1', 'P2', 'parent'), rbp.register_respondent(a, 'F1', 'YP', 'child_young_person'),
       rbp.register_respondent(a, 'F0', 'P3', 'parent'), rbp.set_authority_language(a, 'en'), rbp.set_retention_policy(a, 6),
       rbp.open_involvement(a, 'I0', 'F0', 't', '2026-01-05'), rbp.allocate_worker(a, 'I0', 'W', '2026-01-05'),
       rbp.open_involvement(a, 'I1', 'F1', 't', '2026-01-05'), rbp.allocate_worker(a, 'I1', 'W', '2026-01-05'),
       rbp.add_support_option(a, 'practical', 'Family Hub', 'Weekdays'),
       rbp.set_safety_rule(a, 'dial_respected', 2)
  FROM unnest(ARRAY['north', 'south']) a \g /dev/null
SELECT rbp.record_stage(a, 'I0', 'child_in_need', '2026-02-01'), rbp.register_respondent(a, 'F1', 'P4', 'parent'), rbp.pause_invitations(a, 'P4', '2026-09-01')
  FROM unnest(ARRAY['north', 'south']) a \g /dev/null
SELECT rbp.map_login('cv_case', 'case_system', 'north'), rbp.map_login('cv_job_case', 'case_system', 'north'),
       rbp.map_login('cv_case_wrong_kind', 'report_writer', 'north'),
       rbp.map_login('cv_rw', 'report_writer', 'north'), rbp.map_login('cv_qa', 'qa', 'north'),
       rbp.map_login('cv_qa_wrong_kind', 'case_system', 'north'), rbp.map_login('cv_qa_south', 'qa', 'south'),
       rbp.map_login('cv_qa_staff_elsewhere', 'qa', 'north') \g /dev/null
-- Logins the case systems registered as QA officers (red-team F6, F12): one mapped to nothing, one
-- whose staff record is south's while an administrator mapped it to north.
SELECT rbp.register_staff('north', 'QU', 'QA, registered only', NULL, 'cv_qa_staff_unmapped', true),
       rbp.register_staff('south', 'QE', 'QA of north, staff of south', NULL, 'cv_qa_staff_elsewhere', true) \g /dev/null
SET LOCAL ROLE cv_qa;
SELECT rbp.create_theme('north', 'Theme'), rbp.record_action('north', 'An action', NULL, '2026-03-01') \g /dev/null
SET LOCAL ROLE cv_qa_south;
SELECT rbp.create_theme('south', 'Theme'), rbp.record_action('south', 'An action', NULL, '2026-03-01') \g /dev/null
RESET ROLE;

-- In each authority: a named response awaiting QA (P0), a released one routed to S (P1), a child's
-- named answer that raised a safety signal (YP), a published quarter; an invitation left open (P2).
SELECT rbp.submit_response(rbp.issue_invitation(a, 'I0', 'P0', 'link', 3650, '2026-02-01'), 'named', '{"q2_trust": 4}', 'online', false, '2026-03-10'),
       rbp.submit_response(rbp.issue_invitation(a, 'I0', 'P1', 'link', 3650, '2026-02-01'), 'named', '{"q2_trust": 2}', 'online', false, '2026-03-10'),
       rbp.submit_response(rbp.issue_invitation(a, 'I0', 'P3', 'link', 3650, '2026-02-01'), 'named', '{"q2_trust": 5}', 'online', false, '2026-03-10'),
       rbp.submit_response(rbp.issue_invitation(a, 'I1', 'YP', 'text_message', 3650, '2026-02-01'), 'named', '{"dial_respected": 1}', 'online', false, '2026-03-10')
  FROM unnest(ARRAY['north', 'south']) a \g /dev/null
CREATE TEMP TABLE token AS SELECT a AS code, rbp.issue_invitation(a, 'I1', 'P2', 'email', 3650, '2026-02-01') AS token FROM unnest(ARRAY['north', 'south']) a;
CREATE TEMP TABLE place AS
SELECT a.code, a.authority_id,
       (SELECT response_id FROM rbp.response r JOIN rbp.respondent p USING (respondent_id) WHERE p.authority_id = a.authority_id AND p.respondent_ref = 'P0') AS awaiting,
       (SELECT response_id FROM rbp.response r JOIN rbp.respondent p USING (respondent_id) WHERE p.authority_id = a.authority_id AND p.respondent_ref = 'P1') AS released,
       (SELECT theme_id FROM rbp.theme t WHERE t.authority_id = a.authority_id) AS theme,
       (SELECT action_id FROM rbp.action t WHERE t.authority_id = a.authority_id) AS action,
       (SELECT invitation_id FROM rbp.invitation i JOIN rbp.respondent p USING (respondent_id) WHERE p.authority_id = a.authority_id AND p.respondent_ref = 'P2') AS invitation,
       (SELECT support_option_id FROM rbp.support_option o WHERE o.authority_id = a.authority_id) AS option,
       (SELECT signal_id FROM rbp.safety_signal s WHERE s.authority_id = a.authority_id) AS signal,
       (SELECT token FROM token t WHERE t.code = a.code) AS token
  FROM rbp.authority a;
GRANT SELECT ON place TO PUBLIC;
-- QA of each authority releases P1 and P3, themes P0, records a focus group and tells families;
-- the supervisor reviews P3.
CREATE TEMP TABLE reviewed AS
SELECT p.code, r.response_id FROM place p JOIN rbp.response r ON r.authority_id = p.authority_id
  JOIN rbp.respondent rp USING (respondent_id) WHERE rp.respondent_ref = 'P3';
GRANT SELECT ON reviewed TO PUBLIC;
SET LOCAL ROLE cv_qa;
SELECT rbp.qa_release(released, '2026-03-12'), rbp.tag_response(theme, awaiting), rbp.record_focus_group(code, '2026-03-01', 'families'),
       rbp.record_feedback_loop(action, 'families', 'You said, we did', '2026-03-02'),
       rbp.qa_release((SELECT response_id FROM reviewed r WHERE r.code = p.code), '2026-03-12') FROM place p WHERE code = 'north' \g /dev/null
SET LOCAL ROLE cv_qa_south;
SELECT rbp.qa_release(released, '2026-03-12'), rbp.tag_response(theme, awaiting), rbp.record_focus_group(code, '2026-03-01', 'families'),
       rbp.record_feedback_loop(action, 'families', 'You said, we did', '2026-03-02'),
       rbp.qa_release((SELECT response_id FROM reviewed r WHERE r.code = p.code), '2026-03-12') FROM place p WHERE code = 'south' \g /dev/null
SET LOCAL ROLE cv_supervisor;
SELECT rbp.record_supervision_review(response_id, true, p_reviewed_on => '2026-03-13') FROM reviewed WHERE code = 'north' \g /dev/null
SET LOCAL ROLE cv_supervisor_south;
SELECT rbp.record_supervision_review(response_id, true, p_reviewed_on => '2026-03-13') FROM reviewed WHERE code = 'south' \g /dev/null
RESET ROLE;
ALTER TABLE place ADD COLUMN route uuid;
UPDATE place SET route = (SELECT route_id FROM rbp.route WHERE response_id = place.released);
SET client_min_messages = warning;
SELECT count(*) FROM rbp.publish_reports_rows('2026-07-01') \g /dev/null
RESET client_min_messages;

-- The outcome of one statement as one login: its row count, or its SQLSTATE; always rolled back.
CREATE FUNCTION pg_temp.outcome(p_login text, p_sql text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    v_n bigint;
    v_result text;
BEGIN
    BEGIN
        PERFORM set_config('role', p_login, true);
        IF p_sql ~* '^\s*CALL\s' THEN
            EXECUTE p_sql;
            v_n := 1;
        ELSE
            -- x::text makes every column of every row computed (an unused column of a subquery
            -- would not be, and its function's privilege would never be checked)
            EXECUTE format('SELECT count(x::text) FROM (%s) x', p_sql) INTO v_n;
        END IF;
        v_result := v_n::text;
        RAISE EXCEPTION USING ERRCODE = 'RBPUN';
    EXCEPTION
        WHEN SQLSTATE 'RBPUN' THEN NULL;
        WHEN OTHERS THEN v_result := SQLSTATE;
    END;
    RETURN v_result;
END
$$;
-- Does an outcome meet an expectation: 0, 1, + (one or more), ok (any count), or a SQLSTATE.
CREATE FUNCTION pg_temp.meets(p_outcome text, p_expect text) RETURNS boolean LANGUAGE sql AS $$
    SELECT CASE WHEN p_outcome !~ '^\d+$' THEN p_outcome = p_expect
                WHEN p_expect = 'ok' THEN true
                WHEN p_expect = '+' THEN p_outcome::bigint >= 1
                ELSE p_outcome = p_expect END
$$;

-- Every case: an object with a call x a seat x own (north) / other (south) authority. The
-- expectation: the first of seat/target, seat, */target, * (a job login falls back to its kind),
-- else 42501 (a role the object is not granted to).
CREATE TEMP TABLE coverage_case AS
SELECT e.line, e.object, s.kind, s.login, t.target, t.code, e.why,
       replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(e.call,
           '{a}', quote_literal(p.code)), '{aid}', p.authority_id::text), '{awaiting}', quote_literal(p.awaiting)),
           '{released}', quote_literal(p.released)), '{theme}', p.theme::text), '{action}', p.action::text),
           '{invitation}', p.invitation::text), '{option}', p.option::text), '{route}', quote_literal(p.route)),
           '{signal}', quote_literal(p.signal)), '{token}', quote_literal(p.token)), '{other}', quote_literal(CASE p.code WHEN 'north' THEN 'south' ELSE 'north' END)) AS sql,
       coalesce((SELECT x.outcome FROM expect_token x,
                        (VALUES (s.kind || '/' || t.target, 1), (s.kind, 2), (s.fallback || '/' || t.target, 3), (s.fallback, 4),
                                ('*/' || t.target, 5), ('*', 6)) k(key, rank)
                  WHERE x.line = e.line AND x.key = k.key ORDER BY k.rank LIMIT 1), '42501') AS expect
  FROM entry e CROSS JOIN seat s
  CROSS JOIN (VALUES ('own', 'north'), ('other', 'south')) t(target, code)
  JOIN place p ON p.code = t.code
 WHERE e.expect <> 'invoker';

SELECT plan(6 + (SELECT count(*)::integer FROM coverage_case));
\ir ../helpers/pgtap_roles.sql
SELECT is_empty($$SELECT object || ' (granted to ' || grantees || ')' FROM granted WHERE object NOT IN (SELECT object FROM entry) ORDER BY 1$$,
                'every granted object of the extension has a row in test/access/objects.txt');
SELECT is_empty($$SELECT object FROM entry WHERE object NOT IN (SELECT object FROM granted) ORDER BY 1$$,
                'every row of test/access/objects.txt names a granted object (the file follows the catalog)');
SELECT is_empty($$SELECT object || ': ' || key FROM expect_token GROUP BY line, object, key HAVING count(*) > 1$$,
                'no row names the same seat twice (after its macros are expanded)');
SELECT is_empty($$SELECT e.object FROM entry e JOIN granted g USING (object) WHERE e.expect = 'invoker' AND (g.secdef OR e.object !~ '^fn:')$$,
                'the rows that say "invoker" are functions without SECURITY DEFINER (they run with the caller''s rights)');
SELECT is_empty($$SELECT object || ': ' || key || '=' || outcome FROM expect_token
                   WHERE outcome !~ '^(0|1|\+|ok|[0-9A-Z]{5})$'
                      OR split_part(key, '/', 1) NOT IN (SELECT kind FROM seat UNION SELECT '*')
                      OR key LIKE '%/%' AND split_part(key, '/', 2) NOT IN ('own', 'other')
                   UNION ALL SELECT object || ': an unknown macro' FROM entry WHERE expect ~ '@'$$,
                'every expectation names a seat, a target and an outcome that exist');
SELECT is_empty($$SELECT object FROM entry WHERE expect <> 'invoker' AND (call = '' OR call IS NULL)$$, 'every row but "invoker" has a call');
SELECT is(CASE WHEN pg_temp.meets(got, expect) THEN expect ELSE got END, expect,
          format('%s as %s for %s authority%s', object, kind, target, CASE WHEN why <> '' THEN ': ' || why END))
  FROM (SELECT *, pg_temp.outcome(login, sql) AS got FROM coverage_case ORDER BY line, kind, target) c;

SELECT * FROM finish();
ROLLBACK;
