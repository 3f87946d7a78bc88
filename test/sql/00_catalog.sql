-- The extension's catalog entries: every object is commented, security-definer functions are
-- locked down, the control file's promises hold.
BEGIN;
SET client_min_messages = warning;
CREATE EXTENSION feedback_rbp;
RESET client_min_messages;
SELECT plan(14);

SELECT has_schema('rbp');
SELECT is((SELECT extversion FROM pg_extension WHERE extname = 'feedback_rbp'),
          (SELECT default_version FROM pg_available_extensions WHERE name = 'feedback_rbp'), 'version comes from the control file');
SELECT is((SELECT extrelocatable FROM pg_extension WHERE extname = 'feedback_rbp'), false, 'the extension is not relocatable');
SELECT is((SELECT extnamespace::regnamespace::text FROM pg_extension WHERE extname = 'feedback_rbp'), 'rbp', 'objects live in schema rbp');

-- Every member object of the extension (pg_depend deptype 'e') has a comment. Implicit objects
-- (array types, a table's row type) are not members and so are not listed.
CREATE TEMP VIEW extension_member AS
SELECT d.classid, d.objid, pg_describe_object(d.classid, d.objid, 0) AS object
  FROM pg_depend d
 WHERE d.refclassid = 'pg_extension'::regclass
   AND d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'feedback_rbp')
   AND d.deptype = 'e';

SELECT cmp_ok((SELECT count(*) FROM extension_member), '>', 100::bigint, 'the extension has its objects registered as members');
SELECT is_empty($$
    SELECT object FROM extension_member m
     WHERE m.classid <> 'pg_catalog.pg_policy'::regclass
       -- identity columns' sequences are internal to their table
       AND NOT EXISTS (SELECT FROM pg_depend i WHERE i.classid = m.classid AND i.objid = m.objid AND i.deptype = 'i')
       AND obj_description(m.objid, m.classid::regclass::text) IS NULL
     ORDER BY 1 $$,
    'every function, type, table, operator, operator class, cast and aggregate of the extension has a COMMENT');

-- Security-definer functions always pin their search_path and are not executable by PUBLIC.
SELECT is_empty($$
    SELECT p.oid::regprocedure::text FROM pg_proc p JOIN extension_member m ON m.objid = p.oid AND m.classid = 'pg_proc'::regclass
     WHERE p.prosecdef AND NOT EXISTS (SELECT FROM unnest(p.proconfig) c WHERE c LIKE 'search_path=%') $$,
    'every SECURITY DEFINER function sets search_path');
SELECT is_empty($$
    SELECT p.oid::regprocedure::text FROM pg_proc p JOIN extension_member m ON m.objid = p.oid AND m.classid = 'pg_proc'::regclass
     WHERE p.prosecdef AND has_function_privilege('public', p.oid, 'EXECUTE') $$,
    'no SECURITY DEFINER function is executable by PUBLIC');
SELECT is_empty($$
    SELECT c.oid::regclass::text FROM pg_class c JOIN extension_member m ON m.objid = c.oid AND m.classid = 'pg_class'::regclass
     WHERE c.relkind IN ('r', 'v', 'm', 'p') AND has_table_privilege('public', c.oid, 'SELECT') $$,
    'no table or view of the extension is readable by PUBLIC');

-- Every table that holds feedback or identifies a family has row-level security enabled.
SELECT is_empty($$
    SELECT c.relname FROM pg_class c
     WHERE c.relnamespace = 'rbp'::regnamespace
       AND c.relname IN ('family', 'respondent', 'involvement', 'allocation', 'invitation', 'response', 'answer', 'route',
                         'supervision_review', 'theme', 'response_theme', 'action', 'feedback_loop', 'focus_group',
                         'anonymous_holding')
       AND NOT c.relrowsecurity $$,
    'row-level security is enabled on every table holding feedback or identifying families');

-- The group roles exist and cannot log in.
SELECT is((SELECT count(*)::integer FROM pg_roles WHERE rolname IN ('rbp_admin', 'rbp_qa', 'rbp_staff', 'rbp_report_writer',
                                                            'rbp_case_system', 'rbp_survey_intake') AND NOT rolcanlogin),
          6, 'the six group roles exist and none can log in');

-- No sequence backs an anonymous row: rbp.response and rbp.answer have no serial or identity column.
SELECT is_empty($$
    SELECT a.attrelid::regclass::text || '.' || a.attname FROM pg_attribute a
     WHERE a.attrelid IN ('rbp.response'::regclass, 'rbp.answer'::regclass) AND a.attnum > 0
       AND (a.attidentity <> '' OR pg_get_serial_sequence(a.attrelid::regclass::text, a.attname) IS NOT NULL) $$,
    'responses and answers use no sequence');

-- What DROP EXTENSION leaves behind (doc/dba.md): every object and all data go; the schema rbp
-- (created by CREATE EXTENSION but, as PostgreSQL does for an extension's own schema, not a member)
-- stays empty, and the group roles, being cluster-wide, stay for the DBA to drop.
DROP EXTENSION feedback_rbp CASCADE;
SELECT is((SELECT count(*)::integer FROM pg_class WHERE relnamespace = 'rbp'::regnamespace)
          + (SELECT count(*)::integer FROM pg_proc WHERE pronamespace = 'rbp'::regnamespace)
          + (SELECT count(*)::integer FROM pg_type WHERE typnamespace = 'rbp'::regnamespace),
          0, 'DROP EXTENSION removes every table, function and type: schema rbp is left empty');
SELECT is((SELECT count(*)::integer FROM pg_roles WHERE rolname LIKE 'rbp\_%'), 6, 'the six group roles are left behind');

SELECT * FROM finish();
ROLLBACK;
