-- Who is asking: row-level security and the API functions map the calling role to a member of
-- staff through rbp.staff.db_role.
--
-- Inside a SECURITY DEFINER function current_user is the function's owner, so the caller is found
-- another way: the role set by SET ROLE (the "role" setting, which only a member of that role can
-- set), or else the session user. Security-definer calls do not change either, so the answer is the
-- same in a query, in a policy and inside the API functions, and cannot be forged by a caller.

CREATE FUNCTION rbp.calling_role() RETURNS name
    LANGUAGE sql STABLE PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
    AS $$ SELECT CASE WHEN current_setting('role') = 'none' THEN session_user
                      ELSE current_setting('role')::name END $$;
COMMENT ON FUNCTION rbp.calling_role() IS
    'The role a request comes from, even inside SECURITY DEFINER functions: the SET ROLE role, else the session user';

CREATE FUNCTION rbp.current_staff_id() RETURNS integer
    LANGUAGE sql STABLE SECURITY DEFINER PARALLEL SAFE
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$ SELECT staff_id FROM rbp.staff WHERE db_role = rbp.calling_role() $$;
COMMENT ON FUNCTION rbp.current_staff_id() IS 'The staff_id whose db_role is the calling role, or NULL';

CREATE FUNCTION rbp.current_qa_authorities() RETURNS integer[]
    LANGUAGE sql STABLE SECURITY DEFINER PARALLEL SAFE
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$ SELECT coalesce(array_agg(authority_id), '{}') FROM rbp.staff WHERE db_role = rbp.calling_role() AND is_qa $$;
COMMENT ON FUNCTION rbp.current_qa_authorities() IS 'The authorities whose QA team the calling role belongs to (empty if none)';

REVOKE ALL ON FUNCTION rbp.current_staff_id() FROM PUBLIC;
REVOKE ALL ON FUNCTION rbp.current_qa_authorities() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION rbp.current_staff_id() TO rbp_staff, rbp_qa;
GRANT EXECUTE ON FUNCTION rbp.current_qa_authorities() TO rbp_staff, rbp_qa;

-- Internal: the authority named by a case system's code, or a clear error.
CREATE FUNCTION rbp.authority_id_of(p_authority text) RETURNS integer
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
COMMENT ON FUNCTION rbp.authority_id_of(text) IS 'Internal: the authority_id of an authority code, or error 23503';
REVOKE ALL ON FUNCTION rbp.authority_id_of(text) FROM PUBLIC;

-- Internal: look up a row of an authority by the case system's reference, or a clear error.
CREATE FUNCTION rbp.staff_id_of(p_authority_id integer, p_staff_ref text) RETURNS integer
    LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    found_id integer;
BEGIN
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

-- The suppression threshold: counts of 1..threshold respondents are suppressed in reports, and
-- anonymous responses are released in batches of at least this many. Database-wide, stored in a
-- table (not a GUC) so that no session can change it; only rbp_admin, through the setter.
CREATE FUNCTION rbp.suppression_threshold() RETURNS integer
    LANGUAGE sql STABLE PARALLEL SAFE SECURITY DEFINER
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$ SELECT coalesce((SELECT value FROM rbp.setting WHERE name = 'suppression_threshold'), 5) $$;
COMMENT ON FUNCTION rbp.suppression_threshold() IS
    'Counts of 1 to this many respondents are suppressed (shown as c); anonymous responses are released in batches of at least this many. Default and documented minimum: 5';
REVOKE ALL ON FUNCTION rbp.suppression_threshold() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION rbp.suppression_threshold()
    TO rbp_admin, rbp_qa, rbp_staff, rbp_report_writer, rbp_case_system, rbp_survey_intake;

CREATE FUNCTION rbp.set_suppression_threshold(p_threshold integer) RETURNS void
    LANGUAGE plpgsql VOLATILE STRICT SECURITY DEFINER
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
BEGIN
    IF p_threshold < 5 THEN
        RAISE EXCEPTION 'suppression threshold % is below the documented minimum of 5', p_threshold
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
