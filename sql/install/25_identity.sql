-- Who is asking, and what they may act for (doc/dba.md, "Logins and authorities"). Every access
-- rule is written once here (or in 32_routing.sql for routing) and called by every policy, view and
-- function that needs it:
--   rbp.calling_login           the caller, by OID, even inside SECURITY DEFINER functions
--   rbp.person_login        "is a person's (or a system's) login": refuses groups, superusers, BYPASSRLS
--   rbp.current_staff_id        the member of staff whose login is the caller
--   rbp.acting_authorities  the authorities an admin mapped the caller to, for one kind of work
--   rbp.may_act_for     "who may act for an authority"
--   rbp.visible_to_staff     "visible to staff once released"
--   rbp.may_review           "who may review an item" (a NULL recipient never passes; never one's own;
--                            only under a staff record of the item's authority)
--   rbp.require_not_future   functions acting "as of" a day refuse days after today
--   rbp.suppression_threshold_minimum  the floor of the suppression threshold
--
-- Inside a SECURITY DEFINER function current_user is the function's owner, so the caller is found
-- another way: the role set by SET ROLE (the "role" setting, which only a member of that role can
-- set), or else the session user. Security-definer calls do not change either, so the answer is the
-- same in a query, in a policy and inside the API functions, and cannot be forged by a caller.

-- calling_role() and calling_login() are single expressions of schema-qualified built-ins, with no
-- SET clause, so that the planner inlines them (a SET clause would make every call re-plan).
CREATE FUNCTION rbp.calling_role() RETURNS name
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$ SELECT CASE WHEN pg_catalog.current_setting('role') = 'none' THEN session_user
                      ELSE pg_catalog.current_setting('role')::pg_catalog.name END $$;
COMMENT ON FUNCTION rbp.calling_role() IS
    'The role a request comes from, even inside SECURITY DEFINER functions: the SET ROLE role, else the session user';

CREATE FUNCTION rbp.calling_login() RETURNS oid
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$ SELECT pg_catalog.to_regrole(pg_catalog.quote_ident(rbp.calling_role()))::pg_catalog.oid $$;
COMMENT ON FUNCTION rbp.calling_login() IS
    'The OID of the calling role (rbp.calling_role()): logins are recognised by OID, so a new login re-using a leaver''s name inherits nothing';

-- The kinds of work an administrator maps a login to authorities for.
CREATE TYPE rbp.login_kind AS ENUM ('case_system', 'qa', 'report_writer');
COMMENT ON TYPE rbp.login_kind IS
    'What a login does for the authorities it is mapped to: the case-management system, Quality Assurance, or report writing';

-- Which authorities each case-system, QA and report-writer login serves. Written only by rbp_admin
-- through rbp.map_login()/rbp.unmap_login(); a login with no row here sees and does nothing.
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

-- "Is a person's login": an existing role that can log in, is nobody's group (no role is a member
-- of it; the extension's group roles are NOLOGIN and have members), and is neither superuser nor BYPASSRLS (row-level security would not
-- apply to it). Used for staff logins and for every mapped login.
CREATE FUNCTION rbp.person_login(p_role name) RETURNS regrole
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
REVOKE ALL ON FUNCTION rbp.person_login(name) FROM PUBLIC;

-- The identity functions below are PL/pgSQL so that their one query is planned once per session
-- (a SECURITY DEFINER SQL function re-plans its body at every call).
CREATE FUNCTION rbp.current_staff_id() RETURNS integer
    LANGUAGE plpgsql STABLE SECURITY DEFINER PARALLEL SAFE
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$ BEGIN RETURN (SELECT staff_id FROM rbp.staff WHERE db_role = rbp.calling_login()); END $$;
COMMENT ON FUNCTION rbp.current_staff_id() IS 'The staff_id whose login (by OID) is the calling role, or NULL';

-- The authorities an administrator mapped the calling login to for one kind of work.
CREATE FUNCTION rbp.acting_authorities(p_kind rbp.login_kind) RETURNS integer[]
    LANGUAGE plpgsql STABLE SECURITY DEFINER PARALLEL SAFE
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$ BEGIN
    RETURN (SELECT coalesce(array_agg(authority_id ORDER BY authority_id), '{}') FROM rbp.login_authority
             WHERE login = rbp.calling_login() AND kind = p_kind);
END $$;
COMMENT ON FUNCTION rbp.acting_authorities(rbp.login_kind) IS
    'The authorities the calling login is mapped to for this kind of work (empty if none); resolve it once per query, e.g. (SELECT rbp.acting_authorities(''qa''))';

CREATE FUNCTION rbp.current_qa_authorities() RETURNS integer[]
    LANGUAGE plpgsql STABLE SECURITY DEFINER PARALLEL SAFE
    SUPPORT rbp.stats_guard_support
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$ BEGIN RETURN rbp.acting_authorities('qa'); END $$;
COMMENT ON FUNCTION rbp.current_qa_authorities() IS 'The authorities whose QA the calling login is mapped to by an administrator (empty if none)';

REVOKE ALL ON FUNCTION rbp.current_staff_id() FROM PUBLIC;
REVOKE ALL ON FUNCTION rbp.acting_authorities(rbp.login_kind) FROM PUBLIC;
REVOKE ALL ON FUNCTION rbp.current_qa_authorities() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION rbp.current_staff_id() TO rbp_staff, rbp_qa;
GRANT EXECUTE ON FUNCTION rbp.current_qa_authorities() TO rbp_staff, rbp_qa;

-- "Who may act for an authority": an administrator (or a superuser) for every authority; any other
-- login only for the authorities it is mapped to, for the kind of work the caller acts as. A NULL
-- kind is "as an administrator": no mapping of any kind suffices (a login mapped only as a report
-- writer never acts as the case system). rbp.acting_scope() gives the answer for a whole query
-- (NULL: every authority), rbp.may_act_for() for one authority; the second is defined by the first.
CREATE FUNCTION rbp.acting_scope(p_kind rbp.login_kind) RETURNS integer[]
    LANGUAGE plpgsql STABLE SECURITY DEFINER PARALLEL SAFE
    SUPPORT rbp.stats_guard_support
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
BEGIN
    IF pg_catalog.pg_has_role(rbp.calling_role(), 'rbp_admin', 'USAGE') THEN
        RETURN NULL;
    END IF;
    RETURN (SELECT coalesce(array_agg(DISTINCT authority_id), '{}') FROM rbp.login_authority
             WHERE login = rbp.calling_login() AND kind = p_kind);
END
$$;
COMMENT ON FUNCTION rbp.acting_scope(rbp.login_kind) IS
    'Internal rule "who may act for an authority", for a whole query: NULL for administrators (every authority), else the authorities the caller is mapped to for this kind of work (none when the kind is NULL: administrators only)';
REVOKE ALL ON FUNCTION rbp.acting_scope(rbp.login_kind) FROM PUBLIC;
-- The report views call it as the report writer (a view's functions run with the caller's rights).
GRANT EXECUTE ON FUNCTION rbp.acting_scope(rbp.login_kind) TO rbp_report_writer;

CREATE FUNCTION rbp.may_act_for(p_authority_id integer, p_kind rbp.login_kind) RETURNS boolean
    LANGUAGE sql STABLE PARALLEL SAFE
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
    SELECT coalesce(p_authority_id IS NOT NULL
                    AND (scope IS NULL OR p_authority_id = ANY (scope)), false)
      FROM (SELECT rbp.acting_scope(p_kind)) s(scope)
$$;
COMMENT ON FUNCTION rbp.may_act_for(integer, rbp.login_kind) IS
    'Internal rule "who may act for an authority": administrators for all; other logins for the authorities an administrator mapped them to for this kind of work (a NULL kind: administrators only)';
REVOKE ALL ON FUNCTION rbp.may_act_for(integer, rbp.login_kind) FROM PUBLIC;

-- Internal: the authority named by a code that the caller may act for, in one of the kinds of work
-- the calling function names (each call site states them: rbp.authority_id_of(code, 'case_system'),
-- (code, 'case_system', 'qa') for a function of both; (code, NULL) for an administrator's function,
-- which no mapping opens). Callers who may act for every authority learn that a code is unknown
-- (23503); anyone else gets the same 42501 whether the authority exists or not.
CREATE FUNCTION rbp.authority_id_of(p_authority text, VARIADIC p_kinds rbp.login_kind[]) RETURNS integer
    LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    found_id integer;
BEGIN
    PERFORM rbp.required(p_authority, 'an authority code');
    SELECT authority_id INTO found_id FROM rbp.authority WHERE code = p_authority;
    IF EXISTS (SELECT FROM pg_catalog.unnest(p_kinds) k WHERE rbp.may_act_for(found_id, k)) THEN
        RETURN found_id;
    END IF;
    IF found_id IS NULL AND rbp.acting_scope(NULL) IS NULL THEN
        RAISE EXCEPTION 'unknown authority "%"', p_authority
            USING ERRCODE = 'foreign_key_violation',
                  HINT = 'Authorities are registered by an administrator with rbp.register_authority().';
    END IF;
    RAISE EXCEPTION 'no authority "%" that this login acts for', p_authority
        USING ERRCODE = 'insufficient_privilege',
              HINT = format('An administrator maps logins to the authorities they serve with rbp.map_login, once per authority and kind of work (here: %s).',
                            coalesce(pg_catalog.array_to_string(p_kinds, ' or '), 'administrators only'));
END
$$;
COMMENT ON FUNCTION rbp.authority_id_of(text, rbp.login_kind[]) IS
    'Internal: the authority_id of a code the caller may act for in one of these kinds of work (rbp.may_act_for; NULL: administrators only), else 42501 (23503 for administrators when unknown)';
REVOKE ALL ON FUNCTION rbp.authority_id_of(text, rbp.login_kind[]) FROM PUBLIC;

-- Internal: the authority of a code, for what anyone may read (support options shown on surveys).
CREATE FUNCTION rbp.public_authority_id_of(p_authority text) RETURNS integer
    LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    found_id integer;
BEGIN
    PERFORM rbp.required(p_authority, 'an authority code');
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
REVOKE ALL ON FUNCTION rbp.public_authority_id_of(text) FROM PUBLIC;

-- "Visible to staff once released": named and worker-only feedback QA has released. Inlined by the
-- planner, so a view or function using it keeps its index conditions.
CREATE FUNCTION rbp.visible_to_staff(p_qa_status rbp.qa_status, p_anonymity rbp.anonymity) RETURNS boolean
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT p_qa_status = 'released' AND p_anonymity <> 'anonymous' $$;
COMMENT ON FUNCTION rbp.visible_to_staff(rbp.qa_status, rbp.anonymity) IS
    'Rule "visible to staff once released": named or worker-only feedback that QA released (never awaiting QA, held, or anonymous)';

-- "Who may review an item": the current recipient in person, or QA of the item's authority when it
-- is routed to the QA team; never the worker the feedback is about; only under a staff record of the
-- item's own authority (a QA login mapped to north but registered as staff by south's case system
-- does not review north's items under south's record: red-team finding F12); never when anything is
-- unknown.
CREATE FUNCTION rbp.may_review(p_recipient_kind rbp.recipient_kind, p_recipient_id integer, p_authority_id integer,
                               p_worker_id integer, p_me integer, p_my_authority_id integer,
                               p_qa_authorities integer[]) RETURNS boolean
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
    SELECT coalesce(p_me IS NOT NULL AND p_me IS DISTINCT FROM p_worker_id
                    AND p_my_authority_id = p_authority_id
                    AND CASE p_recipient_kind
                            WHEN 'qa_team' THEN p_authority_id = ANY (p_qa_authorities)
                            ELSE p_recipient_id = p_me END, false)
$$;
COMMENT ON FUNCTION rbp.may_review(rbp.recipient_kind, integer, integer, integer, integer, integer, integer[]) IS
    'Rule "who may review an item": its current recipient, or QA of its authority for items routed to the QA team; only under a staff record of the item''s authority; never the worker it is about; false (never NULL) when anything is unknown';

-- "A required argument is never NULL": a function's argument without a default must have a value.
-- Without this rule a STRICT function returns NULL without running and a lookup of a NULL key
-- finds nothing, so a driver that binds a missing value as NULL is told that a leaver, a closure or
-- a hand-over succeeded when nothing happened. Every API function calls this for each required
-- argument it does not pass to a lookup below (the lookups call it too); test/clients/calls.py
-- --null-probes checks every argument of every call of test/clients/calls.txt.
CREATE FUNCTION rbp.required(p_value anyelement, p_argument text) RETURNS anyelement
    LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
BEGIN
    IF p_value IS NULL THEN
        RAISE EXCEPTION '% must not be NULL', p_argument
            USING ERRCODE = 'null_value_not_allowed',
                  HINT = 'Pass a value (a driver binds a missing value as NULL); doc/ lists which arguments are optional.';
    END IF;
    RETURN p_value;
END
$$;
COMMENT ON FUNCTION rbp.required(anyelement, text) IS
    'Internal rule "a required argument is never NULL": the value itself, or error 22004 naming the argument';
REVOKE ALL ON FUNCTION rbp.required(anyelement, text) FROM PUBLIC;

-- Functions that act "as of" a day refuse days after today (they would release, route or publish early).
CREATE FUNCTION rbp.require_not_future(p_on date, p_argument text) RETURNS date
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
REVOKE ALL ON FUNCTION rbp.require_not_future(date, text) FROM PUBLIC;

-- Administrator: map a case-system, QA or report-writer login to an authority it serves.
CREATE FUNCTION rbp.map_login(p_login name, p_kind rbp.login_kind, p_authority text) RETURNS void
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    v_login regrole := rbp.person_login(p_login);
    v_group name := CASE p_kind WHEN 'case_system' THEN 'rbp_case_system' WHEN 'qa' THEN 'rbp_qa' ELSE 'rbp_report_writer' END;
BEGIN
    PERFORM rbp.required(p_login, 'p_login');
    PERFORM rbp.required(p_kind, 'p_kind');
    PERFORM rbp.required(p_authority, 'p_authority');
    IF NOT pg_catalog.pg_has_role(v_login::oid, v_group, 'USAGE') THEN
        RAISE EXCEPTION 'login "%" is not a member of %', p_login, v_group
            USING ERRCODE = 'invalid_parameter_value', HINT = format('GRANT %s TO %I first.', v_group, p_login);
    END IF;
    INSERT INTO rbp.login_authority (login, kind, authority_id)
    VALUES (v_login, p_kind, rbp.authority_id_of(p_authority, NULL)) ON CONFLICT DO NOTHING;  -- NULL: as administrator
END
$$;
COMMENT ON FUNCTION rbp.map_login(name, rbp.login_kind, text) IS
    'Administrator: let a case-system, QA or report-writer login (a member of the matching group role) serve an authority';

CREATE FUNCTION rbp.unmap_login(p_login name, p_kind rbp.login_kind DEFAULT NULL, p_authority text DEFAULT NULL) RETURNS integer
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    v_count integer;
BEGIN
    DELETE FROM rbp.login_authority
     WHERE login = (SELECT oid FROM pg_catalog.pg_roles WHERE rolname = p_login)
       AND (p_kind IS NULL OR kind = p_kind)
       AND (p_authority IS NULL OR authority_id = rbp.authority_id_of(p_authority, NULL));  -- NULL: as administrator
    GET DIAGNOSTICS v_count = ROW_COUNT;
    RETURN v_count;
END
$$;
COMMENT ON FUNCTION rbp.unmap_login(name, rbp.login_kind, text) IS
    'Administrator: stop a login serving an authority (all kinds and authorities when NULL); returns how many mappings were removed';
REVOKE ALL ON FUNCTION rbp.map_login(name, rbp.login_kind, text), rbp.unmap_login(name, rbp.login_kind, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION rbp.map_login(name, rbp.login_kind, text), rbp.unmap_login(name, rbp.login_kind, text) TO rbp_admin;
GRANT SELECT ON rbp.login_authority TO rbp_admin;

-- Internal: look up a row of an authority by the case system's reference, or a clear error.
CREATE FUNCTION rbp.staff_id_of(p_authority_id integer, p_staff_ref text) RETURNS integer
    LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    found_id integer;
BEGIN
    PERFORM rbp.required(p_staff_ref, 'a staff reference');
    SELECT staff_id INTO found_id FROM rbp.staff WHERE authority_id = p_authority_id AND staff_ref = p_staff_ref;
    IF found_id IS NULL THEN
        RAISE EXCEPTION 'unknown member of staff "%"', p_staff_ref
            USING ERRCODE = 'foreign_key_violation', HINT = 'Register them first with rbp.register_staff().';
    END IF;
    RETURN found_id;
END
$$;
COMMENT ON FUNCTION rbp.staff_id_of(integer, text) IS 'Internal: the staff_id of a staff reference in an authority, or error 23503';
REVOKE ALL ON FUNCTION rbp.staff_id_of(integer, text) FROM PUBLIC;

CREATE FUNCTION rbp.team_id_of(p_authority_id integer, p_team text) RETURNS integer
    LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    found_id integer;
BEGIN
    PERFORM rbp.required(p_team, 'a team code');
    SELECT team_id INTO found_id FROM rbp.team WHERE authority_id = p_authority_id AND code = p_team;
    IF found_id IS NULL THEN
        RAISE EXCEPTION 'unknown team "%"', p_team
            USING ERRCODE = 'foreign_key_violation', HINT = 'Register it first with rbp.register_team().';
    END IF;
    RETURN found_id;
END
$$;
COMMENT ON FUNCTION rbp.team_id_of(integer, text) IS 'Internal: the team_id of a team code in an authority, or error 23503';
REVOKE ALL ON FUNCTION rbp.team_id_of(integer, text) FROM PUBLIC;

-- Internal: the respondent_id of a reference, or a clear error.
CREATE FUNCTION rbp.respondent_id_of(p_authority_id integer, p_respondent_ref text) RETURNS integer
    LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    found_id integer;
BEGIN
    PERFORM rbp.required(p_respondent_ref, 'a family member''s reference');
    SELECT respondent_id INTO found_id FROM rbp.respondent WHERE authority_id = p_authority_id AND respondent_ref = p_respondent_ref;
    IF found_id IS NULL THEN
        RAISE EXCEPTION 'unknown family member "%"', p_respondent_ref
            USING ERRCODE = 'foreign_key_violation', HINT = 'Register them first with rbp.register_respondent().';
    END IF;
    RETURN found_id;
END
$$;
COMMENT ON FUNCTION rbp.respondent_id_of(integer, text) IS 'Internal: the respondent_id of a family member''s reference in an authority, or error 23503';
REVOKE ALL ON FUNCTION rbp.respondent_id_of(integer, text) FROM PUBLIC;

CREATE FUNCTION rbp.involvement_id_of(p_authority_id integer, p_involvement_ref text) RETURNS integer
    LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    found_id integer;
BEGIN
    PERFORM rbp.required(p_involvement_ref, 'an involvement reference');
    SELECT involvement_id INTO found_id FROM rbp.involvement
     WHERE authority_id = p_authority_id AND involvement_ref = p_involvement_ref;
    IF found_id IS NULL THEN
        RAISE EXCEPTION 'unknown involvement "%"', p_involvement_ref
            USING ERRCODE = 'foreign_key_violation', HINT = 'Open it first with rbp.open_involvement().';
    END IF;
    RETURN found_id;
END
$$;
COMMENT ON FUNCTION rbp.involvement_id_of(integer, text) IS 'Internal: the involvement_id of an involvement reference in an authority, or error 23503';
REVOKE ALL ON FUNCTION rbp.involvement_id_of(integer, text) FROM PUBLIC;

-- The floor of the suppression threshold, written once.
CREATE FUNCTION rbp.suppression_threshold_minimum() RETURNS integer
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT 5 $$;
COMMENT ON FUNCTION rbp.suppression_threshold_minimum() IS
    'The documented minimum of the suppression threshold: counts of 1 to 5 respondents are always suppressed';

-- The suppression threshold: counts of 1..threshold respondents are suppressed in reports, and
-- anonymous responses are released in batches of at least this many. Database-wide, stored in a
-- table (not a GUC) so that no session can change it; only rbp_admin, through the setter.
CREATE FUNCTION rbp.suppression_threshold() RETURNS integer
    LANGUAGE sql STABLE PARALLEL SAFE SECURITY DEFINER
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$ SELECT greatest(coalesce((SELECT value FROM rbp.setting WHERE name = 'suppression_threshold'), 0),
                          rbp.suppression_threshold_minimum()) $$;
COMMENT ON FUNCTION rbp.suppression_threshold() IS
    'Counts of 1 to this many respondents are suppressed (shown as c); anonymous responses are released in batches of at least this many. Default and documented minimum: 5';
REVOKE ALL ON FUNCTION rbp.suppression_threshold() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION rbp.suppression_threshold()
    TO rbp_admin, rbp_qa, rbp_staff, rbp_report_writer, rbp_case_system, rbp_survey_intake;

CREATE FUNCTION rbp.set_suppression_threshold(p_threshold integer) RETURNS void
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
BEGIN
    PERFORM rbp.required(p_threshold, 'p_threshold');
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
REVOKE ALL ON FUNCTION rbp.set_suppression_threshold(integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION rbp.set_suppression_threshold(integer) TO rbp_admin;
