-- Upgrade 0.1.0 -> 0.2.0, access control (issues 11 and 18): every access rule in one named place
-- (25_identity.sql), logins by OID, administrators map case-system, QA and report-writer logins to
-- authorities, staff read feedback only through rbp.my_feedback()/my_inbox()/my_answers().

-- Logins and their authorities.
CREATE TYPE rbp.login_kind AS ENUM ('case_system', 'qa', 'report_writer');
COMMENT ON TYPE rbp.login_kind IS
    'What a login does for the authorities it is mapped to: the case-management system, Quality Assurance, or report writing';
CREATE TABLE rbp.login_authority (
    login           regrole NOT NULL,
    kind            rbp.login_kind NOT NULL,
    authority_id    integer NOT NULL REFERENCES rbp.authority,
    mapped_on       date NOT NULL DEFAULT current_date,
    PRIMARY KEY (login, kind, authority_id)
);
COMMENT ON TABLE rbp.login_authority IS
    'Administrator''s mapping of case-system, QA and report-writer logins (by OID) to the authorities they serve; unmapped logins see and do nothing';
COMMENT ON COLUMN rbp.login_authority.login IS 'The login, stored by OID (pg_dump writes its name)';
COMMENT ON COLUMN rbp.login_authority.kind IS 'The work the login does for this authority';
SELECT pg_catalog.pg_extension_config_dump('rbp.login_authority', '');

-- Staff logins by OID. A stored name whose role no longer exists becomes NULL (it granted nothing).
ALTER TABLE rbp.staff ALTER COLUMN db_role TYPE regrole USING to_regrole(quote_ident(db_role));
COMMENT ON COLUMN rbp.staff.db_role IS 'The database login of this person (by OID; pg_dump writes its name), if they read feedback directly: a LOGIN role, no group, no superuser, not BYPASSRLS (rbp.person_login())';

-- QA's access came from rbp.staff.is_qa in 0.1.0; it is now an administrator's mapping. The QA
-- logins of 0.1.0 keep exactly the authority they had. Case-system and report-writer logins read
-- every authority in 0.1.0 and are NOT mapped here: an administrator maps each (doc/dba.md).
INSERT INTO rbp.login_authority (login, kind, authority_id)
SELECT s.db_role, 'qa', s.authority_id FROM rbp.staff s JOIN pg_catalog.pg_roles r ON r.oid = s.db_role
 WHERE s.is_qa AND r.rolcanlogin AND NOT r.rolsuper AND NOT r.rolbypassrls
ON CONFLICT DO NOTHING;
DO $$
DECLARE
    v_login text;
BEGIN
    FOR v_login IN SELECT r.rolname FROM pg_catalog.pg_roles r
                    WHERE r.rolcanlogin AND (pg_catalog.pg_has_role(r.oid, 'rbp_case_system', 'MEMBER')
                                             OR pg_catalog.pg_has_role(r.oid, 'rbp_report_writer', 'MEMBER'))
                      AND NOT r.rolsuper
    LOOP
        RAISE NOTICE 'feedback_rbp 0.2.0: login "%" now reads and acts for no authority until an administrator runs rbp.map_login()', v_login;
    END LOOP;
END
$$;

CREATE OR REPLACE FUNCTION rbp.calling_role() RETURNS name
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$ SELECT CASE WHEN pg_catalog.current_setting('role') = 'none' THEN session_user
                      ELSE pg_catalog.current_setting('role')::pg_catalog.name END $$;
COMMENT ON FUNCTION rbp.calling_role() IS
    'The role a request comes from, even inside SECURITY DEFINER functions: the SET ROLE role, else the session user';

CREATE OR REPLACE FUNCTION rbp.calling_login() RETURNS oid
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$ SELECT pg_catalog.to_regrole(pg_catalog.quote_ident(rbp.calling_role()))::pg_catalog.oid $$;
COMMENT ON FUNCTION rbp.calling_login() IS
    'The OID of the calling role (rbp.calling_role()): logins are recognised by OID, so a new login re-using a leaver''s name inherits nothing';

CREATE OR REPLACE FUNCTION rbp.person_login(p_role name) RETURNS regrole
    LANGUAGE plpgsql STABLE STRICT
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    v_role pg_catalog.pg_roles;
BEGIN
    SELECT * INTO v_role FROM pg_catalog.pg_roles WHERE rolname = p_role;
    IF v_role.oid IS NULL THEN
        RAISE EXCEPTION 'database role "%" does not exist', p_role
            USING ERRCODE = 'undefined_object', HINT = 'Create the login first, then GRANT rbp_staff (or rbp_qa) TO it.';
    END IF;
    IF NOT v_role.rolcanlogin OR EXISTS (SELECT FROM pg_catalog.pg_auth_members WHERE roleid = v_role.oid) THEN
        RAISE EXCEPTION 'role "%" is a group role, not one person''s or one system''s login', p_role
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Map a LOGIN role that no other role is a member of; everyone who can SET ROLE to a group would read as it.';
    END IF;
    IF v_role.rolsuper OR v_role.rolbypassrls THEN
        RAISE EXCEPTION 'role "%" is a superuser or has BYPASSRLS: row-level security would not restrict it', p_role
            USING ERRCODE = 'invalid_parameter_value', HINT = 'Use an ordinary login (NOSUPERUSER NOBYPASSRLS).';
    END IF;
    RETURN v_role.oid::regrole;
END
$$;
COMMENT ON FUNCTION rbp.person_login(name) IS
    'Internal rule "is a person''s login": the OID of a LOGIN role that is no group, no superuser and not BYPASSRLS, else 22023 (42704 if missing)';

CREATE OR REPLACE FUNCTION rbp.current_staff_id() RETURNS integer
    LANGUAGE plpgsql STABLE SECURITY DEFINER PARALLEL SAFE
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$ BEGIN RETURN (SELECT staff_id FROM rbp.staff WHERE db_role = rbp.calling_login()); END $$;
COMMENT ON FUNCTION rbp.current_staff_id() IS 'The staff_id whose login (by OID) is the calling role, or NULL';

CREATE OR REPLACE FUNCTION rbp.acting_authorities(p_kind rbp.login_kind) RETURNS integer[]
    LANGUAGE plpgsql STABLE SECURITY DEFINER PARALLEL SAFE
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$ BEGIN
    RETURN (SELECT coalesce(array_agg(authority_id ORDER BY authority_id), '{}') FROM rbp.login_authority
             WHERE login = rbp.calling_login() AND kind = p_kind);
END $$;
COMMENT ON FUNCTION rbp.acting_authorities(rbp.login_kind) IS
    'The authorities the calling login is mapped to for this kind of work (empty if none); resolve it once per query, e.g. (SELECT rbp.acting_authorities(''qa''))';

CREATE OR REPLACE FUNCTION rbp.current_qa_authorities() RETURNS integer[]
    LANGUAGE plpgsql STABLE SECURITY DEFINER PARALLEL SAFE
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$ BEGIN RETURN rbp.acting_authorities('qa'); END $$;
COMMENT ON FUNCTION rbp.current_qa_authorities() IS 'The authorities whose QA the calling login is mapped to by an administrator (empty if none)';

REVOKE ALL ON FUNCTION rbp.person_login(name) FROM PUBLIC;
REVOKE ALL ON FUNCTION rbp.acting_authorities(rbp.login_kind) FROM PUBLIC;

CREATE OR REPLACE FUNCTION rbp.acting_scope(p_kind rbp.login_kind) RETURNS integer[]
    LANGUAGE plpgsql STABLE SECURITY DEFINER PARALLEL SAFE
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
BEGIN
    IF pg_catalog.pg_has_role(rbp.calling_role(), 'rbp_admin', 'USAGE') THEN
        RETURN NULL;
    END IF;
    RETURN (SELECT coalesce(array_agg(DISTINCT authority_id), '{}') FROM rbp.login_authority
             WHERE login = rbp.calling_login() AND (p_kind IS NULL OR kind = p_kind));
END
$$;
COMMENT ON FUNCTION rbp.acting_scope(rbp.login_kind) IS
    'Internal rule "who may act for an authority", for a whole query: NULL for administrators (every authority), else the authorities the caller is mapped to for this kind of work (any kind when NULL)';

CREATE OR REPLACE FUNCTION rbp.may_act_for(p_authority_id integer, p_kind rbp.login_kind) RETURNS boolean
    LANGUAGE sql STABLE PARALLEL SAFE
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
    SELECT coalesce(p_authority_id IS NOT NULL
                    AND (scope IS NULL OR p_authority_id = ANY (scope)), false)
      FROM (SELECT rbp.acting_scope(p_kind)) s(scope)
$$;
COMMENT ON FUNCTION rbp.may_act_for(integer, rbp.login_kind) IS
    'Internal rule "who may act for an authority": administrators for all; other logins for the authorities an administrator mapped them to (for this kind of work; any kind when NULL)';

CREATE OR REPLACE FUNCTION rbp.authority_id_of(p_authority text, p_kind rbp.login_kind) RETURNS integer
    LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    found_id integer;
BEGIN
    SELECT authority_id INTO found_id FROM rbp.authority WHERE code = p_authority;
    IF rbp.may_act_for(found_id, p_kind) THEN
        RETURN found_id;
    END IF;
    IF found_id IS NULL AND rbp.acting_scope(p_kind) IS NULL THEN
        RAISE EXCEPTION 'unknown authority "%"', p_authority
            USING ERRCODE = 'foreign_key_violation',
                  HINT = 'Authorities are registered by an administrator with rbp.register_authority().';
    END IF;
    RAISE EXCEPTION 'no authority "%" that this login acts for', p_authority
        USING ERRCODE = 'insufficient_privilege',
              HINT = 'An administrator maps logins to the authorities they serve with rbp.map_login, once per authority.';
END
$$;
COMMENT ON FUNCTION rbp.authority_id_of(text, rbp.login_kind) IS
    'Internal: the authority_id of a code the caller may act for in this kind of work (rbp.may_act_for), else 42501 (23503 for administrators when unknown)';

CREATE OR REPLACE FUNCTION rbp.authority_id_of(p_authority text) RETURNS integer
    LANGUAGE sql STABLE
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$ SELECT rbp.authority_id_of(p_authority, NULL::rbp.login_kind) $$;
COMMENT ON FUNCTION rbp.authority_id_of(text) IS
    'Internal: the authority_id of a code the caller may act for in any kind of work, else 42501 (23503 for administrators when unknown)';

CREATE OR REPLACE FUNCTION rbp.public_authority_id_of(p_authority text) RETURNS integer
    LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    found_id integer;
BEGIN
    SELECT authority_id INTO found_id FROM rbp.authority WHERE code = p_authority;
    IF found_id IS NULL THEN
        RAISE EXCEPTION 'unknown authority "%"', p_authority
            USING ERRCODE = 'foreign_key_violation',
                  HINT = 'Authorities are registered by an administrator with rbp.register_authority().';
    END IF;
    RETURN found_id;
END
$$;
COMMENT ON FUNCTION rbp.public_authority_id_of(text) IS 'Internal: the authority_id of a code, or error 23503, for information shown to every family (support options)';

CREATE OR REPLACE FUNCTION rbp.visible_to_staff(p_qa_status rbp.qa_status, p_anonymity rbp.anonymity) RETURNS boolean
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT p_qa_status = 'released' AND p_anonymity <> 'anonymous' $$;
COMMENT ON FUNCTION rbp.visible_to_staff(rbp.qa_status, rbp.anonymity) IS
    'Rule "visible to staff once released": named or worker-only feedback that QA released (never awaiting QA, held, or anonymous)';

CREATE OR REPLACE FUNCTION rbp.may_review(p_recipient_kind rbp.recipient_kind, p_recipient_id integer, p_authority_id integer,
                               p_worker_id integer, p_me integer, p_qa_authorities integer[]) RETURNS boolean
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
    SELECT coalesce(p_me IS NOT NULL AND p_me IS DISTINCT FROM p_worker_id
                    AND CASE p_recipient_kind
                            WHEN 'qa_team' THEN p_authority_id = ANY (p_qa_authorities)
                            ELSE p_recipient_id = p_me END, false)
$$;
COMMENT ON FUNCTION rbp.may_review(rbp.recipient_kind, integer, integer, integer, integer, integer[]) IS
    'Rule "who may review an item": its current recipient, or QA of its authority for items routed to the QA team; never the worker it is about; false (never NULL) when anything is unknown';

CREATE OR REPLACE FUNCTION rbp.require_not_future(p_on date, p_argument text) RETURNS date
    LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
BEGIN
    IF p_on > current_date THEN
        RAISE EXCEPTION '% = % is after today', p_argument, p_on
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'This function acts as of a day that has come; a scheduler calls it with current_date.';
    END IF;
    RETURN p_on;
END
$$;
COMMENT ON FUNCTION rbp.require_not_future(date, text) IS 'Internal: the date itself, or error 22023 when it is after today';

CREATE OR REPLACE FUNCTION rbp.map_login(p_login name, p_kind rbp.login_kind, p_authority text) RETURNS void
    LANGUAGE plpgsql VOLATILE STRICT SECURITY DEFINER
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    v_login regrole := rbp.person_login(p_login);
    v_group name := CASE p_kind WHEN 'case_system' THEN 'rbp_case_system' WHEN 'qa' THEN 'rbp_qa' ELSE 'rbp_report_writer' END;
BEGIN
    IF NOT pg_catalog.pg_has_role(v_login::oid, v_group, 'USAGE') THEN
        RAISE EXCEPTION 'login "%" is not a member of %', p_login, v_group
            USING ERRCODE = 'invalid_parameter_value', HINT = format('GRANT %s TO %I first.', v_group, p_login);
    END IF;
    INSERT INTO rbp.login_authority (login, kind, authority_id)
    VALUES (v_login, p_kind, rbp.authority_id_of(p_authority)) ON CONFLICT DO NOTHING;
END
$$;
COMMENT ON FUNCTION rbp.map_login(name, rbp.login_kind, text) IS
    'Administrator: let a case-system, QA or report-writer login (a member of the matching group role) serve an authority';

CREATE OR REPLACE FUNCTION rbp.unmap_login(p_login name, p_kind rbp.login_kind DEFAULT NULL, p_authority text DEFAULT NULL) RETURNS integer
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    v_count integer;
BEGIN
    DELETE FROM rbp.login_authority
     WHERE login = (SELECT oid FROM pg_catalog.pg_roles WHERE rolname = p_login)
       AND (p_kind IS NULL OR kind = p_kind)
       AND (p_authority IS NULL OR authority_id = rbp.authority_id_of(p_authority));
    GET DIAGNOSTICS v_count = ROW_COUNT;
    RETURN v_count;
END
$$;
COMMENT ON FUNCTION rbp.unmap_login(name, rbp.login_kind, text) IS
    'Administrator: stop a login serving an authority (all kinds and authorities when NULL); returns how many mappings were removed';

REVOKE ALL ON FUNCTION rbp.acting_scope(rbp.login_kind) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION rbp.acting_scope(rbp.login_kind) TO rbp_report_writer;
REVOKE ALL ON FUNCTION rbp.may_act_for(integer, rbp.login_kind) FROM PUBLIC;
REVOKE ALL ON FUNCTION rbp.authority_id_of(text, rbp.login_kind) FROM PUBLIC;
REVOKE ALL ON FUNCTION rbp.public_authority_id_of(text) FROM PUBLIC;
REVOKE ALL ON FUNCTION rbp.require_not_future(date, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION rbp.map_login(name, rbp.login_kind, text), rbp.unmap_login(name, rbp.login_kind, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION rbp.map_login(name, rbp.login_kind, text), rbp.unmap_login(name, rbp.login_kind, text) TO rbp_admin;
GRANT SELECT ON rbp.login_authority TO rbp_admin;

CREATE OR REPLACE FUNCTION rbp.suppression_threshold_minimum() RETURNS integer
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT 5 $$;
COMMENT ON FUNCTION rbp.suppression_threshold_minimum() IS
    'The documented minimum of the suppression threshold: counts of 1 to 5 respondents are always suppressed';

CREATE OR REPLACE FUNCTION rbp.suppression_threshold() RETURNS integer
    LANGUAGE sql STABLE PARALLEL SAFE SECURITY DEFINER
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$ SELECT greatest(coalesce((SELECT value FROM rbp.setting WHERE name = 'suppression_threshold'), 0),
                          rbp.suppression_threshold_minimum()) $$;
COMMENT ON FUNCTION rbp.suppression_threshold() IS
    'Counts of 1 to this many respondents are suppressed (shown as c); anonymous responses are released in batches of at least this many. Default and documented minimum: 5';

CREATE OR REPLACE FUNCTION rbp.set_suppression_threshold(p_threshold integer) RETURNS void
    LANGUAGE plpgsql VOLATILE STRICT SECURITY DEFINER
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
BEGIN
    IF p_threshold < rbp.suppression_threshold_minimum() THEN
        RAISE EXCEPTION 'suppression threshold % is below the documented minimum of %', p_threshold, rbp.suppression_threshold_minimum()
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = 'Counts of 1 to 5 respondents are always suppressed (practice of English children''s social care statistics).';
    END IF;
    INSERT INTO rbp.setting (name, value) VALUES ('suppression_threshold', p_threshold)
        ON CONFLICT (name) DO UPDATE SET value = excluded.value;
END
$$;
COMMENT ON FUNCTION rbp.set_suppression_threshold(integer) IS
    'Administrator only: set the database-wide suppression threshold (5 or more)';

-- Registration: scoped to the case system's authorities; omitted arguments keep stored values.
CREATE OR REPLACE FUNCTION rbp.register_team(p_authority text, p_team text, p_name text) RETURNS integer
    LANGUAGE sql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
    INSERT INTO rbp.team (authority_id, code, name) VALUES (rbp.authority_id_of(p_authority, 'case_system'), p_team, p_name)
    ON CONFLICT (authority_id, code) DO UPDATE SET name = excluded.name
    RETURNING team_id
$$;
COMMENT ON FUNCTION rbp.register_team(text, text, text) IS 'Case system: register or rename a team of an authority; returns its team_id';

CREATE OR REPLACE FUNCTION rbp.register_staff(p_authority text, p_staff_ref text, p_display_name text,
                                   p_team text DEFAULT NULL, p_db_role name DEFAULT NULL,
                                   p_is_qa boolean DEFAULT NULL) RETURNS integer
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    v_authority integer := rbp.authority_id_of(p_authority, 'case_system');
    v_team integer;
    v_login regrole;
    v_id integer;
BEGIN
    IF p_team IS NOT NULL THEN
        v_team := rbp.team_id_of(v_authority, p_team);
    END IF;
    IF p_db_role IS NOT NULL THEN
        v_login := rbp.person_login(p_db_role);
        IF EXISTS (SELECT FROM rbp.staff WHERE db_role = v_login
                      AND (authority_id, staff_ref) IS DISTINCT FROM (v_authority, p_staff_ref)) THEN
            RAISE EXCEPTION 'login "%" already belongs to another member of staff', p_db_role
                USING ERRCODE = 'unique_violation', HINT = 'One login is one person; remove it from the other first with rbp.unmap_staff_login.';
        END IF;
    END IF;
    INSERT INTO rbp.staff (authority_id, staff_ref, display_name, team_id, db_role, is_qa)
    VALUES (v_authority, p_staff_ref, p_display_name, v_team, v_login, coalesce(p_is_qa, false))
    ON CONFLICT (authority_id, staff_ref) DO UPDATE
        SET display_name = excluded.display_name,
            team_id = coalesce(v_team, rbp.staff.team_id),
            db_role = coalesce(v_login, rbp.staff.db_role),
            is_qa = coalesce(p_is_qa, rbp.staff.is_qa)
    RETURNING staff_id INTO v_id;
    RETURN v_id;
END
$$;
COMMENT ON FUNCTION rbp.register_staff(text, text, text, text, name, boolean) IS
    'Case system: register or update a member of staff (worker, supervisor, manager or QA officer) and the database login they read feedback with; omitted team, login and QA flag keep their stored values';

CREATE OR REPLACE FUNCTION rbp.unmap_staff_login(p_authority text, p_staff_ref text) RETURNS void
    LANGUAGE plpgsql VOLATILE STRICT SECURITY DEFINER
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    v_authority integer := rbp.authority_id_of(p_authority, 'case_system');
BEGIN
    UPDATE rbp.staff SET db_role = NULL WHERE staff_id = rbp.staff_id_of(v_authority, p_staff_ref);
END
$$;
COMMENT ON FUNCTION rbp.unmap_staff_login(text, text) IS
    'Case system: remove the database login of a member of staff (a leaver, a changed login); they read nothing afterwards';

CREATE OR REPLACE FUNCTION rbp.register_supervision(p_authority text, p_worker_ref text, p_supervisor_ref text,
                                         p_starts_on date, p_ends_on date DEFAULT NULL) RETURNS integer
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    v_authority integer := rbp.authority_id_of(p_authority, 'case_system');
    v_worker integer := rbp.staff_id_of(v_authority, p_worker_ref);
    v_supervisor integer := rbp.staff_id_of(v_authority, p_supervisor_ref);
    v_id integer;
BEGIN
    IF p_starts_on IS NULL OR p_ends_on < p_starts_on THEN
        RAISE EXCEPTION 'supervision of "%" must start on a date and end on or after it', p_worker_ref
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF v_worker = v_supervisor THEN
        RAISE EXCEPTION 'a worker cannot supervise themselves ("%")', p_worker_ref
            USING ERRCODE = 'check_violation';
    END IF;
    -- The same fact sent again: nothing to do.
    SELECT supervision_id INTO v_id FROM rbp.supervision
     WHERE worker_id = v_worker AND supervisor_id = v_supervisor AND during = daterange(p_starts_on, p_ends_on, '[]');
    IF v_id IS NOT NULL THEN
        RETURN v_id;
    END IF;
    BEGIN
        INSERT INTO rbp.supervision (authority_id, worker_id, supervisor_id, during)
        VALUES (v_authority, v_worker, v_supervisor, daterange(p_starts_on, p_ends_on, '[]'))
        RETURNING supervision_id INTO v_id;
    EXCEPTION WHEN exclusion_violation THEN
        RAISE EXCEPTION 'supervision of "%" from % overlaps a supervision already registered', p_worker_ref, p_starts_on
            USING ERRCODE = 'exclusion_violation',
                  HINT = 'End the current supervision first with rbp.end_supervision().';
    END;
    -- Open items of this worker follow the supervisor in post today.
    PERFORM rbp.reroute_open_feedback(current_date, v_worker);
    RETURN v_id;
END
$$;
COMMENT ON FUNCTION rbp.register_supervision(text, text, text, date, date) IS
    'Case system: record that a supervisor supervises a worker from a date (to a date, inclusive, or open-ended); overlapping supervision of one worker is refused (23P01)';

CREATE OR REPLACE FUNCTION rbp.end_supervision(p_authority text, p_worker_ref text, p_last_day date) RETURNS void
    LANGUAGE plpgsql VOLATILE STRICT SECURITY DEFINER
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    v_authority integer := rbp.authority_id_of(p_authority, 'case_system');
    v_worker integer := rbp.staff_id_of(v_authority, p_worker_ref);
BEGIN
    UPDATE rbp.supervision SET during = daterange(lower(during), p_last_day, '[]')
     WHERE worker_id = v_worker AND during @> p_last_day;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no supervision of "%" covers %', p_worker_ref, p_last_day
            USING ERRCODE = 'no_data_found';
    END IF;
    PERFORM rbp.reroute_open_feedback(current_date, v_worker);
END
$$;
COMMENT ON FUNCTION rbp.end_supervision(text, text, date) IS
    'Case system: end the supervision of a worker that covers the given date, on that date (inclusive)';

CREATE OR REPLACE FUNCTION rbp.register_team_manager(p_authority text, p_team text, p_manager_ref text,
                                          p_starts_on date, p_ends_on date DEFAULT NULL) RETURNS integer
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    v_authority integer := rbp.authority_id_of(p_authority, 'case_system');
    v_id integer;
BEGIN
    IF p_starts_on IS NULL OR p_ends_on < p_starts_on THEN
        RAISE EXCEPTION 'management of team "%" must start on a date and end on or after it', p_team
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    -- The same fact sent again: nothing to do.
    SELECT team_manager_id INTO v_id FROM rbp.team_manager
     WHERE team_id = rbp.team_id_of(v_authority, p_team) AND manager_id = rbp.staff_id_of(v_authority, p_manager_ref)
       AND during = daterange(p_starts_on, p_ends_on, '[]');
    IF v_id IS NOT NULL THEN
        RETURN v_id;
    END IF;
    BEGIN
        INSERT INTO rbp.team_manager (authority_id, team_id, manager_id, during)
        VALUES (v_authority, rbp.team_id_of(v_authority, p_team), rbp.staff_id_of(v_authority, p_manager_ref),
                daterange(p_starts_on, p_ends_on, '[]'))
        RETURNING team_manager_id INTO v_id;
    EXCEPTION WHEN exclusion_violation THEN
        RAISE EXCEPTION 'team "%" already has a manager on some of these dates', p_team
            USING ERRCODE = 'exclusion_violation';
    END;
    PERFORM rbp.reroute_open_feedback(current_date, NULL);
    RETURN v_id;
END
$$;
COMMENT ON FUNCTION rbp.register_team_manager(text, text, text, date, date) IS
    'Case system: record who manages a team over which dates (feedback of workers without a supervisor goes to them)';

CREATE OR REPLACE FUNCTION rbp.register_respondent(p_authority text, p_family_ref text, p_respondent_ref text,
                                        p_kind rbp.respondent_kind) RETURNS integer
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    v_authority integer := rbp.authority_id_of(p_authority, 'case_system');
    v_family integer;
    v_id integer;
BEGIN
    IF p_family_ref IS NULL OR p_respondent_ref IS NULL OR p_kind IS NULL THEN
        RAISE EXCEPTION 'a respondent needs a family reference, a respondent reference and a kind'
            USING ERRCODE = 'null_value_not_allowed';
    END IF;
    INSERT INTO rbp.family (authority_id, family_ref) VALUES (v_authority, p_family_ref)
        ON CONFLICT (authority_id, family_ref) DO UPDATE SET family_ref = excluded.family_ref
        RETURNING family_id INTO v_family;
    INSERT INTO rbp.respondent (authority_id, family_id, respondent_ref, kind)
    VALUES (v_authority, v_family, p_respondent_ref, p_kind)
    ON CONFLICT (authority_id, respondent_ref) DO UPDATE SET family_id = excluded.family_id, kind = excluded.kind
    RETURNING respondent_id INTO v_id;
    RETURN v_id;
END
$$;
COMMENT ON FUNCTION rbp.register_respondent(text, text, text, rbp.respondent_kind) IS
    'Case system: register or update a family member who may give feedback (the family is created on first mention)';

CREATE OR REPLACE FUNCTION rbp.open_involvement(p_authority text, p_involvement_ref text, p_family_ref text,
                                     p_team text, p_started_on date) RETURNS integer
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    v_authority integer := rbp.authority_id_of(p_authority, 'case_system');
    v_family integer;
    v_id integer;
BEGIN
    IF p_started_on IS NULL THEN
        RAISE EXCEPTION 'involvement "%" needs a start date', p_involvement_ref USING ERRCODE = 'null_value_not_allowed';
    END IF;
    SELECT family_id INTO v_family FROM rbp.family WHERE authority_id = v_authority AND family_ref = p_family_ref;
    IF v_family IS NULL THEN
        RAISE EXCEPTION 'unknown family "%"', p_family_ref
            USING ERRCODE = 'foreign_key_violation', HINT = 'Register a family member first with rbp.register_respondent().';
    END IF;
    INSERT INTO rbp.involvement (authority_id, involvement_ref, family_id, team_id, started_on)
    VALUES (v_authority, p_involvement_ref, v_family, rbp.team_id_of(v_authority, p_team), p_started_on)
    ON CONFLICT (authority_id, involvement_ref) DO UPDATE SET team_id = excluded.team_id
    RETURNING involvement_id INTO v_id;
    RETURN v_id;
END
$$;
COMMENT ON FUNCTION rbp.open_involvement(text, text, text, text, date) IS
    'Case system: open (or move to another team) an involvement with a family from a start date';

CREATE OR REPLACE FUNCTION rbp.close_involvement(p_authority text, p_involvement_ref text, p_closed_on date) RETURNS void
    LANGUAGE plpgsql VOLATILE STRICT SECURITY DEFINER
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    v_authority integer := rbp.authority_id_of(p_authority, 'case_system');
    v_involvement integer := rbp.involvement_id_of(v_authority, p_involvement_ref);
    v_started date;
BEGIN
    SELECT started_on INTO v_started FROM rbp.involvement WHERE involvement_id = v_involvement FOR UPDATE;
    IF p_closed_on < v_started THEN
        RAISE EXCEPTION 'involvement "%" cannot close on % before it started on %', p_involvement_ref, p_closed_on, v_started
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF EXISTS (SELECT FROM rbp.allocation WHERE involvement_id = v_involvement AND lower(during) > p_closed_on) THEN
        RAISE EXCEPTION 'involvement "%" has an allocation starting after %', p_involvement_ref, p_closed_on
            USING ERRCODE = 'check_violation', HINT = 'Correct the allocations first.';
    END IF;
    -- Allocations end with the involvement.
    UPDATE rbp.allocation SET during = daterange(lower(during), p_closed_on, '[]')
     WHERE involvement_id = v_involvement AND (upper_inf(during) OR upper(during) > p_closed_on + 1);
    UPDATE rbp.involvement SET closed_on = p_closed_on WHERE involvement_id = v_involvement;
END
$$;
COMMENT ON FUNCTION rbp.close_involvement(text, text, date) IS
    'Case system: close an involvement on a date; its open allocation ends the same day. Feedback stays possible afterwards';

CREATE OR REPLACE FUNCTION rbp.allocate_worker(p_authority text, p_involvement_ref text, p_worker_ref text,
                                    p_starts_on date, p_ends_on date DEFAULT NULL) RETURNS integer
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    v_authority integer := rbp.authority_id_of(p_authority, 'case_system');
    v_involvement integer := rbp.involvement_id_of(v_authority, p_involvement_ref);
    v_worker integer := rbp.staff_id_of(v_authority, p_worker_ref);
    v_inv rbp.involvement;
    v_during daterange;
    v_id integer;
BEGIN
    SELECT * INTO v_inv FROM rbp.involvement WHERE involvement_id = v_involvement FOR UPDATE;
    IF p_starts_on IS NULL OR p_ends_on < p_starts_on THEN
        RAISE EXCEPTION 'allocation to "%" must start on a date and end on or after it', p_involvement_ref
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    v_during := daterange(p_starts_on, coalesce(p_ends_on, v_inv.closed_on), '[]');
    IF NOT daterange(v_inv.started_on, v_inv.closed_on, '[]') @> v_during THEN
        RAISE EXCEPTION 'allocation % lies outside involvement "%" (%)', v_during, p_involvement_ref,
                        daterange(v_inv.started_on, v_inv.closed_on, '[]')
            USING ERRCODE = 'check_violation',
                  HINT = 'An allocation must start on or after the involvement starts and end by its closure.';
    END IF;
    -- The same fact sent again: nothing to do.
    SELECT allocation_id INTO v_id FROM rbp.allocation
     WHERE involvement_id = v_involvement AND worker_id = v_worker AND during = v_during;
    IF v_id IS NOT NULL THEN
        RETURN v_id;
    END IF;
    -- A new allocation ends an open-ended earlier one the day before (re-allocation).
    UPDATE rbp.allocation SET during = daterange(lower(during), p_starts_on - 1, '[]')
     WHERE involvement_id = v_involvement AND upper_inf(during) AND lower(during) < p_starts_on;
    BEGIN
        INSERT INTO rbp.allocation (authority_id, involvement_id, worker_id, during)
        VALUES (v_authority, v_involvement, v_worker, v_during)
        RETURNING allocation_id INTO v_id;
    EXCEPTION WHEN exclusion_violation THEN
        RAISE EXCEPTION 'involvement "%" already has a worker allocated on some of the dates %', p_involvement_ref, v_during
            USING ERRCODE = 'exclusion_violation';
    END;
    RETURN v_id;
END
$$;
COMMENT ON FUNCTION rbp.allocate_worker(text, text, text, date, date) IS
    'Case system: allocate a worker to an involvement from a date (ending an open earlier allocation the day before); the allocation must lie inside the involvement (23514)';

REVOKE ALL ON FUNCTION rbp.unmap_staff_login(text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION rbp.unmap_staff_login(text, text) TO rbp_case_system, rbp_admin;

CREATE OR REPLACE FUNCTION rbp.support_options(p_authority text)
    RETURNS TABLE (kind rbp.support_kind, title text, how_to_reach text, is_allocated_worker boolean)
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
    SELECT kind, title, how_to_reach, is_allocated_worker FROM rbp.support_option
     WHERE authority_id = rbp.public_authority_id_of(p_authority)
     ORDER BY position, kind, title
$$;
COMMENT ON FUNCTION rbp.support_options(text) IS 'Survey intake: the support options to show on every survey of an authority (the allocated worker is only one of them)';

-- Routing: never to the worker; one rule for notifying.
CREATE OR REPLACE FUNCTION rbp.responsible_for(p_worker_id integer, p_team_id integer, p_on date) RETURNS rbp.recipient
    LANGUAGE sql STABLE
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
    SELECT coalesce(
        (SELECT ROW('supervisor', s.supervisor_id)::rbp.recipient FROM rbp.supervision s
          WHERE s.worker_id = p_worker_id AND s.during @> p_on),
        (SELECT ROW('team_manager', m.manager_id)::rbp.recipient FROM rbp.team_manager m
          WHERE m.team_id = p_team_id AND m.during @> p_on AND m.manager_id <> p_worker_id),
        ROW('qa_team', NULL)::rbp.recipient)
$$;
COMMENT ON FUNCTION rbp.responsible_for(integer, integer, date) IS
    'Internal: the supervisor in post for a worker on a date, else the team''s manager on that date unless that is the worker, else the QA team: never the worker';

CREATE OR REPLACE FUNCTION rbp.notify_if_visible(p_response_id uuid) RETURNS boolean
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    v_route uuid;
BEGIN
    SELECT rt.route_id INTO v_route
      FROM rbp.route rt JOIN rbp.response r ON r.response_id = rt.response_id
     WHERE rt.response_id = p_response_id AND rt.superseded_on IS NULL
       AND rbp.visible_to_staff(r.qa_status, r.anonymity);
    IF v_route IS NULL THEN
        RETURN false;
    END IF;
    PERFORM pg_notify('rbp_feedback_routed', v_route::text);
    RETURN true;
END
$$;
COMMENT ON FUNCTION rbp.notify_if_visible(uuid) IS
    'Internal rule "notify on becoming visible": NOTIFY rbp_feedback_routed with the current route_id if the response is visible to staff; true if sent';

CREATE OR REPLACE FUNCTION rbp.route_response(p_response_id uuid, p_on date, p_reason text) RETURNS boolean
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    v_response rbp.response;
    v_recipient rbp.recipient;
    v_current rbp.route;
    v_route uuid;
BEGIN
    SELECT * INTO v_response FROM rbp.response WHERE response_id = p_response_id;
    IF v_response.anonymity = 'anonymous' THEN
        RETURN false;   -- anonymous feedback is never attributed to a worker
    END IF;
    SELECT * INTO v_current FROM rbp.route WHERE response_id = p_response_id AND superseded_on IS NULL FOR UPDATE;
    -- Routing never goes back in time: not before the submission, not before the current route.
    IF p_on < v_response.submitted_on OR p_on < v_current.routed_on THEN
        RETURN false;
    END IF;
    v_recipient := rbp.responsible_for(v_response.worker_id, v_response.team_id, p_on);
    IF v_current.route_id IS NOT NULL THEN
        IF v_current.recipient_kind = v_recipient.recipient_kind
           AND v_current.recipient_id IS NOT DISTINCT FROM v_recipient.recipient_id THEN
            RETURN false;
        END IF;
        UPDATE rbp.route SET superseded_on = p_on WHERE route_id = v_current.route_id;
    END IF;
    INSERT INTO rbp.route (response_id, authority_id, recipient_kind, recipient_id, routed_on, reason)
    VALUES (p_response_id, v_response.authority_id, v_recipient.recipient_kind, v_recipient.recipient_id, p_on, p_reason)
    RETURNING route_id INTO v_route;
    PERFORM rbp.notify_if_visible(p_response_id);
    RETURN true;
END
$$;
COMMENT ON FUNCTION rbp.route_response(uuid, date, text) IS 'Internal: route a named or worker-only response to whoever is responsible on a date, keeping the history; true when a new route was recorded';

CREATE OR REPLACE FUNCTION rbp.reroute_open_feedback(p_on date DEFAULT current_date, p_worker_id integer DEFAULT NULL)
    RETURNS void
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    v_response uuid;
    v_scope integer[] := rbp.acting_scope('case_system');
BEGIN
    PERFORM rbp.require_not_future(p_on, 'p_on');
    FOR v_response IN
        SELECT r.response_id FROM rbp.response r
         WHERE r.anonymity <> 'anonymous'
           AND (v_scope IS NULL OR r.authority_id = ANY (v_scope))
           AND (p_worker_id IS NULL OR r.worker_id = p_worker_id)
           AND NOT EXISTS (SELECT FROM rbp.supervision_review v WHERE v.response_id = r.response_id)
    LOOP
        PERFORM rbp.route_response(v_response, p_on, 'supervision_change');
    END LOOP;
END
$$;
COMMENT ON FUNCTION rbp.reroute_open_feedback(date, integer) IS
    'Move open (not yet reviewed) named and worker-only feedback of the authorities the caller acts for to whoever is responsible on the date (all workers, or one; not after today). Run daily from a scheduler. Returns nothing: a per-worker count would tell the case system how much feedback a worker has';

REVOKE ALL ON FUNCTION rbp.notify_if_visible(uuid) FROM PUBLIC;

CREATE OR REPLACE FUNCTION rbp.require_qa_of(p_authority_id integer) RETURNS void
    LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
BEGIN
    IF NOT coalesce(p_authority_id = ANY (rbp.current_qa_authorities()), false) THEN
        RAISE EXCEPTION 'only the QA team of this authority may do this'
            USING ERRCODE = 'insufficient_privilege',
                  HINT = 'An administrator maps QA logins to their authorities with rbp.map_login, kind qa.';
    END IF;
END
$$;
COMMENT ON FUNCTION rbp.require_qa_of(integer) IS 'Internal: error 42501 unless the calling login is mapped to the authority''s QA (rbp.current_qa_authorities())';

CREATE OR REPLACE FUNCTION rbp.qa_response(p_response_id uuid) RETURNS rbp.response
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    v_response rbp.response;
BEGIN
    SELECT * INTO v_response FROM rbp.response WHERE response_id = p_response_id FOR UPDATE;
    IF v_response.response_id IS NULL OR NOT coalesce(v_response.authority_id = ANY (rbp.current_qa_authorities()), false) THEN
        -- The same error whether the response does not exist or belongs to another authority.
        RAISE EXCEPTION 'no such response in your authority' USING ERRCODE = 'no_data_found';
    END IF;
    RETURN v_response;
END
$$;
COMMENT ON FUNCTION rbp.qa_response(uuid) IS 'Internal: lock a response of the caller''s QA authority, or error P0002';

CREATE OR REPLACE FUNCTION rbp.qa_release(p_response_id uuid, p_on date DEFAULT current_date) RETURNS void
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    v_response rbp.response := rbp.qa_response(p_response_id);
BEGIN
    PERFORM rbp.require_not_future(p_on, 'p_on');
    IF v_response.anonymity = 'anonymous' OR v_response.qa_status = 'released' THEN
        RAISE EXCEPTION 'this response is not awaiting release' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    -- A hold note on worker-only feedback is QA's own: it is erased before the worker and supervisor
    -- can read the row (doc/threat-model.md: what worker-only shows).
    UPDATE rbp.response SET qa_status = 'released', qa_status_on = coalesce(p_on, current_date),
                            qa_note = CASE WHEN anonymity = 'worker_only' THEN NULL ELSE qa_note END
     WHERE response_id = p_response_id;
    PERFORM rbp.notify_if_visible(p_response_id);
END
$$;
COMMENT ON FUNCTION rbp.qa_release(uuid, date) IS
    'QA: release named or worker-only feedback (also one that was held) to the worker and the responsible supervisor; notifies rbp_feedback_routed. The hold note of worker-only feedback is erased';

CREATE OR REPLACE FUNCTION rbp.qa_hold(p_response_id uuid, p_reason text, p_escalate boolean DEFAULT false,
                            p_on date DEFAULT current_date) RETURNS void
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    v_response rbp.response := rbp.qa_response(p_response_id);
BEGIN
    PERFORM rbp.require_not_future(p_on, 'p_on');
    IF v_response.anonymity = 'anonymous' OR v_response.qa_status <> 'awaiting_qa' THEN
        RAISE EXCEPTION 'only feedback awaiting QA can be held' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF coalesce(btrim(p_reason), '') = '' THEN
        RAISE EXCEPTION 'holding feedback needs a reason' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    UPDATE rbp.response
       SET qa_status = 'held', qa_status_on = coalesce(p_on, current_date), qa_note = p_reason, escalated = coalesce(p_escalate, false)
     WHERE response_id = p_response_id;
END
$$;
COMMENT ON FUNCTION rbp.qa_hold(uuid, text, boolean, date) IS
    'QA: hold feedback (e.g. a safeguarding concern) so that worker and supervisor do not see it; optionally escalate it';

CREATE OR REPLACE FUNCTION rbp.release_due_feedback(p_on date DEFAULT current_date) RETURNS void
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    v_row record;
    v_scope integer[] := rbp.acting_scope('case_system');
BEGIN
    PERFORM rbp.require_not_future(p_on, 'p_on');
    FOR v_row IN
        UPDATE rbp.response r SET qa_status = 'released', qa_status_on = p_on
          FROM rbp.authority a
         WHERE a.authority_id = r.authority_id AND a.auto_release_after_days IS NOT NULL
           AND (v_scope IS NULL OR a.authority_id = ANY (v_scope))
           AND r.qa_status = 'awaiting_qa'
           AND coalesce(r.submitted_on, r.qa_status_on) + a.auto_release_after_days <= p_on
        RETURNING r.response_id
    LOOP
        PERFORM rbp.notify_if_visible(v_row.response_id);
    END LOOP;
END
$$;
COMMENT ON FUNCTION rbp.release_due_feedback(date) IS
    'Scheduler: release feedback awaiting QA for the authorities the caller acts for that have auto_release_after_days, once that many days have passed since submission (named) or since its batch reached QA (worker-only); held items stay held; not after today. Returns nothing: the case system learns no count of feedback';

CREATE OR REPLACE FUNCTION rbp.record_supervision_review(p_response_id uuid, p_celebrated boolean,
                                              p_support_offered rbp.support_offer[] DEFAULT '{}',
                                              p_notes text DEFAULT NULL, p_reviewed_on date DEFAULT current_date)
    RETURNS void
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    v_me integer := rbp.current_staff_id();
    v_found boolean;
BEGIN
    PERFORM rbp.require_not_future(p_reviewed_on, 'p_reviewed_on');
    SELECT true INTO v_found FROM rbp.route rt JOIN rbp.response r USING (response_id)
     WHERE rt.response_id = p_response_id AND rt.superseded_on IS NULL
       AND rbp.visible_to_staff(r.qa_status, r.anonymity)
       AND rbp.may_review(rt.recipient_kind, rt.recipient_id, rt.authority_id, r.worker_id, v_me, rbp.current_qa_authorities())
       AND NOT EXISTS (SELECT FROM rbp.supervision_review v WHERE v.response_id = rt.response_id)
       FOR UPDATE OF rt;
    IF v_found IS NULL THEN
        RAISE EXCEPTION 'no feedback awaiting your review with this id' USING ERRCODE = 'no_data_found';
    END IF;
    IF p_celebrated IS NULL THEN
        RAISE EXCEPTION 'say whether good practice was celebrated' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    INSERT INTO rbp.supervision_review (response_id, reviewer_id, reviewed_on, celebrated, support_offered, notes)
    VALUES (p_response_id, v_me, coalesce(p_reviewed_on, current_date), p_celebrated, coalesce(p_support_offered, '{}'), p_notes);
END
$$;
COMMENT ON FUNCTION rbp.record_supervision_review(uuid, boolean, rbp.support_offer[], text, date) IS
    'Supervisor (or QA, for items routed to the QA team): record the supervision review of released feedback routed to you — celebrated, and support offered';

CREATE OR REPLACE FUNCTION rbp.create_theme(p_authority text, p_name text, p_description text DEFAULT NULL) RETURNS integer
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    v_authority integer := rbp.authority_id_of(p_authority, 'qa');
    v_id integer;
BEGIN
    PERFORM rbp.require_qa_of(v_authority);
    INSERT INTO rbp.theme (authority_id, name, description) VALUES (v_authority, p_name, p_description)
    ON CONFLICT (authority_id, name) DO UPDATE SET description = coalesce(excluded.description, rbp.theme.description)
    RETURNING theme_id INTO v_id;
    RETURN v_id;
END
$$;
COMMENT ON FUNCTION rbp.create_theme(text, text, text) IS 'QA: create (or describe) a theme of the authority''s feedback';

CREATE OR REPLACE FUNCTION rbp.record_action(p_authority text, p_description text, p_theme_id integer DEFAULT NULL,
                                  p_recommended_on date DEFAULT current_date) RETURNS integer
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    v_authority integer := rbp.authority_id_of(p_authority, 'qa');
    v_id integer;
BEGIN
    PERFORM rbp.require_qa_of(v_authority);
    INSERT INTO rbp.action (authority_id, theme_id, description, recommended_on)
    VALUES (v_authority, p_theme_id, p_description, coalesce(p_recommended_on, current_date))
    RETURNING action_id INTO v_id;
    RETURN v_id;
END
$$;
COMMENT ON FUNCTION rbp.record_action(text, text, integer, date) IS 'QA: record an action recommended from themed feedback';

CREATE OR REPLACE FUNCTION rbp.record_focus_group(p_authority text, p_held_on date, p_audience rbp.feedback_audience,
                                       p_participants integer DEFAULT NULL, p_notes text DEFAULT NULL) RETURNS integer
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    v_authority integer := rbp.authority_id_of(p_authority, 'qa');
    v_id integer;
BEGIN
    PERFORM rbp.require_qa_of(v_authority);
    INSERT INTO rbp.focus_group (authority_id, held_on, audience, participants, notes)
    VALUES (v_authority, p_held_on, p_audience, p_participants, p_notes)
    RETURNING focus_group_id INTO v_id;
    RETURN v_id;
END
$$;
COMMENT ON FUNCTION rbp.record_focus_group(text, date, rbp.feedback_audience, integer, text) IS 'QA: record a focus-group session';

-- Row-level security and the reading functions.
CREATE OR REPLACE FUNCTION rbp.directory_authorities() RETURNS integer[]
    LANGUAGE plpgsql STABLE SECURITY DEFINER PARALLEL SAFE
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$ BEGIN
    RETURN ARRAY(SELECT authority_id FROM rbp.staff WHERE db_role = rbp.calling_login()
                 UNION SELECT unnest(rbp.acting_authorities('qa')));
END $$;
COMMENT ON FUNCTION rbp.directory_authorities() IS
    'The authorities whose teams, staff and supervision the caller reads: their own as staff, and those they serve as QA';

REVOKE ALL ON FUNCTION rbp.directory_authorities() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION rbp.directory_authorities() TO rbp_staff, rbp_qa;
ALTER TABLE rbp.team ENABLE ROW LEVEL SECURITY;
ALTER TABLE rbp.staff ENABLE ROW LEVEL SECURITY;
ALTER TABLE rbp.supervision ENABLE ROW LEVEL SECURITY;
ALTER TABLE rbp.team_manager ENABLE ROW LEVEL SECURITY;
CREATE POLICY team_admin ON rbp.team FOR SELECT TO rbp_admin USING (true);
CREATE POLICY team_directory ON rbp.team FOR SELECT TO rbp_qa, rbp_staff
    USING (authority_id = ANY ((SELECT rbp.directory_authorities())::integer[]));
CREATE POLICY staff_admin ON rbp.staff FOR SELECT TO rbp_admin USING (true);
CREATE POLICY staff_directory ON rbp.staff FOR SELECT TO rbp_qa, rbp_staff
    USING (authority_id = ANY ((SELECT rbp.directory_authorities())::integer[]));
CREATE POLICY supervision_admin ON rbp.supervision FOR SELECT TO rbp_admin USING (true);
CREATE POLICY supervision_directory ON rbp.supervision FOR SELECT TO rbp_qa, rbp_staff
    USING (authority_id = ANY ((SELECT rbp.directory_authorities())::integer[]));
CREATE POLICY team_manager_admin ON rbp.team_manager FOR SELECT TO rbp_admin USING (true);
CREATE POLICY team_manager_directory ON rbp.team_manager FOR SELECT TO rbp_qa, rbp_staff
    USING (authority_id = ANY ((SELECT rbp.directory_authorities())::integer[]));
DROP POLICY response_about_me ON rbp.response;
DROP POLICY response_routed_to_me ON rbp.response;
DROP POLICY answer_of_visible_response ON rbp.answer;
DROP POLICY route_to_me ON rbp.route;
DROP POLICY review_of_visible_response ON rbp.supervision_review;
REVOKE SELECT ON rbp.response, rbp.answer, rbp.route, rbp.supervision_review FROM rbp_staff;
CREATE POLICY answer_qa ON rbp.answer FOR SELECT TO rbp_qa
    USING (EXISTS (SELECT FROM rbp.response r WHERE r.response_id = answer.response_id));
CREATE POLICY review_qa ON rbp.supervision_review FOR SELECT TO rbp_qa
    USING (EXISTS (SELECT FROM rbp.response r WHERE r.response_id = supervision_review.response_id));

CREATE OR REPLACE FUNCTION rbp.my_feedback()
    RETURNS TABLE (response_id uuid, anonymity rbp.anonymity, respondent_kind rbp.respondent_kind,
                   channel rbp.response_channel, instrument_id integer, period date, team_id integer,
                   worker_id integer, submitted_on date, released_on date,
                   reviewed_on date, celebrated boolean, support_offered rbp.support_offer[])
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, rbp, pg_temp
    SET plan_cache_mode = force_generic_plan
    AS $$
DECLARE
    v_me integer := rbp.current_staff_id();
BEGIN
    RETURN QUERY
    SELECT r.response_id, r.anonymity, r.respondent_kind, r.channel, r.instrument_id, r.period, r.team_id, r.worker_id,
           CASE WHEN r.anonymity = 'named' THEN r.submitted_on END,
           CASE WHEN r.anonymity = 'named' THEN r.qa_status_on END,
           v.reviewed_on, v.celebrated, v.support_offered
      FROM rbp.response r
      LEFT JOIN rbp.supervision_review v ON v.response_id = r.response_id
     WHERE r.worker_id = v_me AND rbp.visible_to_staff(r.qa_status, r.anonymity);
END
$$;
COMMENT ON FUNCTION rbp.my_feedback() IS
    'Staff: released named and worker-only feedback about the caller (exact dates of named feedback only; never QA''s notes), with its supervision review if recorded';

CREATE OR REPLACE FUNCTION rbp.my_inbox()
    RETURNS TABLE (response_id uuid, anonymity rbp.anonymity, respondent_kind rbp.respondent_kind,
                   channel rbp.response_channel, instrument_id integer, period date, team_id integer,
                   worker_id integer, submitted_on date, released_on date, route_id uuid, routed_on date,
                   recipient_kind rbp.recipient_kind, reviewed_on date, celebrated boolean,
                   support_offered rbp.support_offer[])
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, rbp, pg_temp
    SET plan_cache_mode = force_generic_plan
    AS $$
DECLARE
    v_me integer := rbp.current_staff_id();
BEGIN
    RETURN QUERY
    SELECT r.response_id, r.anonymity, r.respondent_kind, r.channel, r.instrument_id, r.period, r.team_id, r.worker_id,
           CASE WHEN r.anonymity = 'named' THEN r.submitted_on END,
           CASE WHEN r.anonymity = 'named' THEN r.qa_status_on END,
           rt.route_id,
           CASE WHEN r.anonymity = 'named' THEN rt.routed_on END,
           rt.recipient_kind, v.reviewed_on, v.celebrated, v.support_offered
      FROM rbp.route rt
      JOIN rbp.response r ON r.response_id = rt.response_id
      LEFT JOIN rbp.supervision_review v ON v.response_id = r.response_id
     WHERE rt.recipient_id = v_me AND rt.superseded_on IS NULL AND rbp.visible_to_staff(r.qa_status, r.anonymity);
END
$$;
COMMENT ON FUNCTION rbp.my_inbox() IS
    'Staff: released named and worker-only feedback currently routed to the caller for review (reviewed_on NULL: review still to record)';

CREATE OR REPLACE FUNCTION rbp.my_answers()
    RETURNS TABLE (response_id uuid, question_id integer, question text, score rbp.likert, free_text text)
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
BEGIN
    RETURN QUERY
    WITH mine AS MATERIALIZED (SELECT f.response_id FROM rbp.my_feedback() f
                               UNION SELECT i.response_id FROM rbp.my_inbox() i)
    SELECT a.response_id, a.question_id, q.code, a.score, a.free_text
      FROM mine JOIN rbp.answer a ON a.response_id = mine.response_id
      JOIN rbp.question q ON q.question_id = a.question_id;
END
$$;
COMMENT ON FUNCTION rbp.my_answers() IS 'Staff: the answers of the feedback rbp.my_feedback() and rbp.my_inbox() return';

CREATE OR REPLACE FUNCTION rbp.qa_feedback()
    RETURNS TABLE (response_id uuid, authority_id integer, anonymity rbp.anonymity, respondent_kind rbp.respondent_kind,
                   channel rbp.response_channel, instrument_id integer, period date, team_id integer,
                   worker_id integer, respondent_id integer, submitted_on date, qa_status rbp.qa_status,
                   qa_status_on date, qa_note text, escalated boolean, recipient_kind rbp.recipient_kind,
                   recipient_id integer, reviewed_on date)
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    v_authorities integer[] := rbp.current_qa_authorities();
BEGIN
    RETURN QUERY
    SELECT r.response_id, r.authority_id, r.anonymity, r.respondent_kind, r.channel, r.instrument_id, r.period,
           r.team_id, r.worker_id, r.respondent_id, r.submitted_on, r.qa_status, r.qa_status_on, r.qa_note,
           r.escalated, rt.recipient_kind, rt.recipient_id, v.reviewed_on
      FROM rbp.response r
      LEFT JOIN rbp.route rt ON rt.response_id = r.response_id AND rt.superseded_on IS NULL
      LEFT JOIN rbp.supervision_review v ON v.response_id = r.response_id
     WHERE r.authority_id = ANY (v_authorities);
END
$$;
COMMENT ON FUNCTION rbp.qa_feedback() IS
    'QA: every response of the authorities the caller serves as QA (anonymous included), with QA status, note, current recipient and review date';

CREATE OR REPLACE FUNCTION rbp.qa_worker_summary(p_from date DEFAULT NULL, p_to date DEFAULT NULL)
    RETURNS TABLE (authority_id integer, worker_id integer, responses bigint, scored_answers bigint, mean_score numeric)
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    v_authorities integer[] := rbp.current_qa_authorities();
BEGIN
    RETURN QUERY
    SELECT r.authority_id, r.worker_id, count(DISTINCT r.response_id), count(a.score),
           round(avg(rbp.likert_value(a.score)), 2)
      FROM rbp.response r
      LEFT JOIN rbp.answer a ON a.response_id = r.response_id
     WHERE r.authority_id = ANY (v_authorities) AND r.worker_id IS NOT NULL
       AND (p_from IS NULL OR r.period >= p_from) AND (p_to IS NULL OR r.period <= p_to)
     GROUP BY r.authority_id, r.worker_id;
END
$$;
COMMENT ON FUNCTION rbp.qa_worker_summary(date, date) IS
    'QA: per worker of the authorities the caller serves, the number of named and worker-only responses, scored answers and mean score (periods between p_from and p_to, inclusive, when given)';

CREATE OR REPLACE FUNCTION rbp.readable_response(p_response_id uuid) RETURNS boolean
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
BEGIN
    RETURN EXISTS (SELECT FROM rbp.response r WHERE r.response_id = p_response_id
                      AND r.authority_id = ANY (rbp.current_qa_authorities()))
        OR EXISTS (SELECT FROM rbp.my_feedback() f WHERE f.response_id = p_response_id)
        OR EXISTS (SELECT FROM rbp.my_inbox() i WHERE i.response_id = p_response_id);
END
$$;
COMMENT ON FUNCTION rbp.readable_response(uuid) IS
    'Whether the caller may read this response: QA of its authority, or staff it is released to (about them or routed to them)';

REVOKE ALL ON FUNCTION rbp.readable_response(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION rbp.readable_response(uuid) TO rbp_staff, rbp_qa;

REVOKE ALL ON FUNCTION rbp.my_feedback(), rbp.my_inbox(), rbp.my_answers(), rbp.qa_feedback(),
    rbp.qa_worker_summary(date, date) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION rbp.my_feedback(), rbp.my_inbox(), rbp.my_answers() TO rbp_staff;
GRANT EXECUTE ON FUNCTION rbp.qa_feedback(), rbp.qa_worker_summary(date, date) TO rbp_qa;

