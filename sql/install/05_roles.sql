-- Group roles. Roles belong to the cluster, not to a database, so they are created only when
-- missing (a second database of the same cluster reuses them) and are left behind by
-- DROP EXTENSION; doc/dba.md says how to map logins to them and how to drop them.
DO $roles$
DECLARE
    role_name text;
BEGIN
    FOREACH role_name IN ARRAY ARRAY['rbp_admin', 'rbp_qa', 'rbp_staff', 'rbp_report_writer',
                                     'rbp_case_system', 'rbp_survey_intake']
    LOOP
        IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = role_name) THEN
            EXECUTE format('CREATE ROLE %I NOLOGIN', role_name);
        END IF;
    END LOOP;
END
$roles$;

COMMENT ON ROLE rbp_admin IS 'feedback_rbp: administrators — authorities, settings and thresholds; no feedback rows';
COMMENT ON ROLE rbp_qa IS 'feedback_rbp: Quality Assurance — all feedback of their own authority, themes and actions';
COMMENT ON ROLE rbp_staff IS 'feedback_rbp: social workers and supervisors — feedback about or routed to them, once QA released it';
COMMENT ON ROLE rbp_report_writer IS 'feedback_rbp: report writers — suppressed aggregate reports only, never rows';
COMMENT ON ROLE rbp_case_system IS 'feedback_rbp: the case-management system — the registration and invitation functions only';
COMMENT ON ROLE rbp_survey_intake IS 'feedback_rbp: survey intake (web form, interviewer) — submission, glossary and support options only';

GRANT USAGE ON SCHEMA rbp TO rbp_admin, rbp_qa, rbp_staff, rbp_report_writer, rbp_case_system, rbp_survey_intake;
