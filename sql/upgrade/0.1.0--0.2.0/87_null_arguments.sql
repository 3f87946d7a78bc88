-- 0.1.0 -> 0.2.0, red-team findings F3 ("a required argument is never NULL": rbp.required in
-- sql/install/25_identity.sql), F14 (each respondent kind has exactly one questionnaire) and F15 (no
-- supervision review dated before QA released the item). Generated from the install
-- pieces: every function below is the install piece's text as CREATE OR REPLACE (which also drops
-- STRICT where the install piece no longer has it). It runs after the other pieces, so these bodies
-- are the final ones: whoever changes one of these functions regenerates this piece
-- (python3 test/upgrade/gen_null_arguments.py).

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

CREATE OR REPLACE FUNCTION rbp.register_authority(p_code text, p_name text, p_auto_release_after_days integer DEFAULT NULL)
    RETURNS integer
    LANGUAGE sql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
    INSERT INTO rbp.authority (code, name, auto_release_after_days)
    VALUES (rbp.required(p_code, 'p_code'), rbp.required(p_name, 'p_name'), p_auto_release_after_days)
    ON CONFLICT (code) DO UPDATE SET name = excluded.name, auto_release_after_days = excluded.auto_release_after_days
    RETURNING authority_id
$$;

CREATE OR REPLACE FUNCTION rbp.staff_id_of(p_authority_id integer, p_staff_ref text) RETURNS integer
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

CREATE OR REPLACE FUNCTION rbp.team_id_of(p_authority_id integer, p_team text) RETURNS integer
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

CREATE OR REPLACE FUNCTION rbp.respondent_id_of(p_authority_id integer, p_respondent_ref text) RETURNS integer
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

CREATE OR REPLACE FUNCTION rbp.involvement_id_of(p_authority_id integer, p_involvement_ref text) RETURNS integer
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

CREATE OR REPLACE FUNCTION rbp.public_authority_id_of(p_authority text) RETURNS integer
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

CREATE OR REPLACE FUNCTION rbp.instrument_id_of(p_code text, p_version integer) RETURNS integer
    LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    v_id integer;
BEGIN
    PERFORM rbp.required(p_code, 'an instrument code');
    PERFORM rbp.required(p_version, 'an instrument version');
    SELECT instrument_id INTO v_id FROM rbp.instrument WHERE code = p_code AND version = p_version;
    IF v_id IS NULL THEN
        RAISE EXCEPTION 'unknown instrument "%" version %', p_code, p_version
            USING ERRCODE = 'invalid_parameter_value', HINT = 'rbp.instrument lists the instruments and their versions.';
    END IF;
    RETURN v_id;
END
$$;

CREATE OR REPLACE FUNCTION rbp.authority_id_of(p_authority text, VARIADIC p_kinds rbp.login_kind[]) RETURNS integer
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

CREATE OR REPLACE FUNCTION rbp.map_login(p_login name, p_kind rbp.login_kind, p_authority text) RETURNS void
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

CREATE OR REPLACE FUNCTION rbp.set_suppression_threshold(p_threshold integer) RETURNS void
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

CREATE OR REPLACE FUNCTION rbp.close_involvement(p_authority text, p_involvement_ref text, p_closed_on date) RETURNS void
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    v_authority integer := rbp.authority_id_of(p_authority, 'case_system');
    v_involvement integer := rbp.involvement_id_of(v_authority, p_involvement_ref);
    v_started date;
BEGIN
    PERFORM rbp.required(p_authority, 'p_authority');
    PERFORM rbp.required(p_involvement_ref, 'p_involvement_ref');
    PERFORM rbp.required(p_closed_on, 'p_closed_on');
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

CREATE OR REPLACE FUNCTION rbp.end_supervision(p_authority text, p_worker_ref text, p_last_day date) RETURNS void
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    v_authority integer := rbp.authority_id_of(p_authority, 'case_system');
    v_worker integer := rbp.staff_id_of(v_authority, p_worker_ref);
BEGIN
    PERFORM rbp.required(p_authority, 'p_authority');
    PERFORM rbp.required(p_worker_ref, 'p_worker_ref');
    PERFORM rbp.required(p_last_day, 'p_last_day');
    UPDATE rbp.supervision SET during = daterange(lower(during), p_last_day, '[]')
     WHERE worker_id = v_worker AND during @> p_last_day;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no supervision of "%" covers %', p_worker_ref, p_last_day
            USING ERRCODE = 'no_data_found';
    END IF;
    PERFORM rbp.reroute_open_feedback(current_date, v_worker);
END
$$;

CREATE OR REPLACE FUNCTION rbp.unmap_staff_login(p_authority text, p_staff_ref text) RETURNS void
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    v_authority integer := rbp.authority_id_of(p_authority, 'case_system');
BEGIN
    PERFORM rbp.required(p_authority, 'p_authority');
    PERFORM rbp.required(p_staff_ref, 'p_staff_ref');
    UPDATE rbp.staff SET db_role = NULL WHERE staff_id = rbp.staff_id_of(v_authority, p_staff_ref);
END
$$;

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
    PERFORM rbp.required(p_authority, 'p_authority');
    PERFORM rbp.required(p_involvement_ref, 'p_involvement_ref');
    PERFORM rbp.required(p_family_ref, 'p_family_ref');
    PERFORM rbp.required(p_team, 'p_team');
    PERFORM rbp.required(p_started_on, 'p_started_on');
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
    PERFORM rbp.required(p_authority, 'p_authority');
    PERFORM rbp.required(p_staff_ref, 'p_staff_ref');
    PERFORM rbp.required(p_display_name, 'p_display_name');
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

CREATE OR REPLACE FUNCTION rbp.register_team(p_authority text, p_team text, p_name text) RETURNS integer
    LANGUAGE sql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
    INSERT INTO rbp.team (authority_id, code, name) VALUES (rbp.authority_id_of(p_authority, 'case_system'), rbp.required(p_team, 'p_team'), rbp.required(p_name, 'p_name'))
    ON CONFLICT (authority_id, code) DO UPDATE SET name = excluded.name
    RETURNING team_id
$$;

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
    PERFORM rbp.required(p_authority, 'p_authority');
    PERFORM rbp.required(p_involvement_ref, 'p_involvement_ref');
    PERFORM rbp.required(p_worker_ref, 'p_worker_ref');
    PERFORM rbp.required(p_starts_on, 'p_starts_on');
    SELECT * INTO v_inv FROM rbp.involvement WHERE involvement_id = v_involvement FOR UPDATE;
    IF p_starts_on IS NULL OR p_ends_on < p_starts_on THEN
        RAISE EXCEPTION 'allocation to "%" must start on a date and end on or after it', p_involvement_ref
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF p_starts_on > coalesce(p_ends_on, v_inv.closed_on) THEN
        RAISE EXCEPTION 'allocation from % lies outside involvement "%", closed on %', p_starts_on, p_involvement_ref, v_inv.closed_on
            USING ERRCODE = 'check_violation', HINT = 'Reopen the involvement first with rbp.reopen_involvement().';
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
    PERFORM rbp.required(p_authority, 'p_authority');
    PERFORM rbp.required(p_worker_ref, 'p_worker_ref');
    PERFORM rbp.required(p_supervisor_ref, 'p_supervisor_ref');
    PERFORM rbp.required(p_starts_on, 'p_starts_on');
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

CREATE OR REPLACE FUNCTION rbp.register_team_manager(p_authority text, p_team text, p_manager_ref text,
                                          p_starts_on date, p_ends_on date DEFAULT NULL) RETURNS integer
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    v_authority integer := rbp.authority_id_of(p_authority, 'case_system');
    v_id integer;
BEGIN
    PERFORM rbp.required(p_authority, 'p_authority');
    PERFORM rbp.required(p_team, 'p_team');
    PERFORM rbp.required(p_manager_ref, 'p_manager_ref');
    PERFORM rbp.required(p_starts_on, 'p_starts_on');
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

CREATE OR REPLACE FUNCTION rbp.issue_invitation(p_authority text, p_involvement_ref text, p_respondent_ref text,
                                     p_channel rbp.invitation_channel, p_valid_days integer DEFAULT 28,
                                     p_issued_on date DEFAULT current_date, p_instrument text DEFAULT NULL)
    RETURNS text
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    v_authority integer := rbp.authority_id_of(p_authority, 'case_system');
    v_involvement rbp.involvement;
    v_respondent rbp.respondent;
    v_instrument rbp.instrument;
    v_token text;
BEGIN
    PERFORM rbp.required(p_authority, 'p_authority');
    PERFORM rbp.required(p_involvement_ref, 'p_involvement_ref');
    PERFORM rbp.required(p_respondent_ref, 'p_respondent_ref');
    PERFORM rbp.required(p_channel, 'p_channel');
    IF p_channel IS NULL OR p_issued_on IS NULL OR p_valid_days IS NULL OR p_valid_days < 1 THEN
        RAISE EXCEPTION 'an invitation needs a channel, an issue date and a validity of at least one day'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    SELECT * INTO v_involvement FROM rbp.involvement
     WHERE involvement_id = rbp.involvement_id_of(v_authority, p_involvement_ref);
    SELECT * INTO v_respondent FROM rbp.respondent
     WHERE respondent_id = rbp.respondent_id_of(v_authority, p_respondent_ref);
    IF v_respondent.family_id <> v_involvement.family_id THEN
        RAISE EXCEPTION 'respondent "%" is not a member of the family of involvement "%"', p_respondent_ref, p_involvement_ref
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF p_instrument IS NULL THEN
        SELECT * INTO v_instrument FROM rbp.instrument
         WHERE rbp.is_current(instrument) AND v_respondent.kind = ANY (respondent_kinds)
         ORDER BY instrument_id LIMIT 1;
        IF v_instrument.instrument_id IS NULL THEN
            RAISE EXCEPTION 'no current instrument for respondent kind %', v_respondent.kind
                USING ERRCODE = 'invalid_parameter_value';
        END IF;
    ELSE
        SELECT * INTO v_instrument FROM rbp.instrument WHERE code = p_instrument AND rbp.is_current(instrument);
        IF v_instrument.instrument_id IS NULL THEN
            RAISE EXCEPTION 'unknown instrument "%"', p_instrument USING ERRCODE = 'invalid_parameter_value';
        END IF;
        IF NOT v_respondent.kind = ANY (v_instrument.respondent_kinds) THEN
            RAISE EXCEPTION 'instrument "%" is not for respondent kind %', p_instrument, v_respondent.kind
                USING ERRCODE = 'invalid_parameter_value',
                      DETAIL = format('It is for: %s.', array_to_string(v_instrument.respondent_kinds, ', '));
        END IF;
    END IF;
    v_token := rbp.new_invitation_token();
    INSERT INTO rbp.invitation (authority_id, respondent_id, involvement_id, instrument_id, channel,
                                token_hash, issued_on, expires_on)
    VALUES (v_authority, v_respondent.respondent_id, v_involvement.involvement_id, v_instrument.instrument_id,
            p_channel, rbp.token_hash(v_token), p_issued_on, p_issued_on + p_valid_days);
    RETURN v_token;
END
$$;

CREATE OR REPLACE FUNCTION rbp.open_invitation(p_token text, p_on date) RETURNS rbp.invitation
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    v_invitation rbp.invitation;
BEGIN
    PERFORM rbp.required(p_token, 'p_token');
    SELECT * INTO v_invitation FROM rbp.invitation WHERE token_hash = rbp.token_hash(coalesce(p_token, '')) FOR UPDATE;
    IF v_invitation.invitation_id IS NULL THEN
        RAISE EXCEPTION 'invitation token not recognised'
            USING ERRCODE = 'invalid_parameter_value', HINT = 'Check the link or code; the case system can issue a new invitation.';
    ELSIF v_invitation.cancelled_on IS NOT NULL THEN
        RAISE EXCEPTION 'this invitation was cancelled'
            USING ERRCODE = 'invalid_parameter_value', HINT = 'The case system can issue a new invitation.';
    ELSIF v_invitation.used_on IS NOT NULL THEN
        RAISE EXCEPTION 'this invitation has already been used'
            USING ERRCODE = 'unique_violation', HINT = 'Each invitation takes one response; ask for a new invitation to give feedback again.';
    ELSIF v_invitation.expires_on < p_on THEN
        RAISE EXCEPTION 'this invitation expired on %', v_invitation.expires_on
            USING ERRCODE = 'invalid_parameter_value', HINT = 'The case system can issue a new invitation.';
    END IF;
    RETURN v_invitation;
END
$$;

CREATE OR REPLACE FUNCTION rbp.survey_questions(p_token text)
    RETURNS TABLE (question_position integer, question_code text, kind rbp.question_kind, prompt text, scale_points integer)
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    v_instrument integer;
BEGIN
    PERFORM rbp.required(p_token, 'p_token');
    SELECT instrument_id INTO v_instrument FROM rbp.invitation
     WHERE token_hash = rbp.token_hash(coalesce(p_token, '')) AND used_on IS NULL AND cancelled_on IS NULL
       AND expires_on >= current_date;
    IF v_instrument IS NULL THEN
        RAISE EXCEPTION 'invitation token not recognised, used or expired' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    RETURN QUERY SELECT q.position, q.code, q.kind, q.prompt, q.scale_points
                   FROM rbp.question q WHERE q.instrument_id = v_instrument ORDER BY q.position;
END
$$;

CREATE OR REPLACE FUNCTION rbp.support_options(p_authority text)
    RETURNS TABLE (kind rbp.support_kind, title text, how_to_reach text, is_allocated_worker boolean)
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    v_authority integer := rbp.public_authority_id_of(p_authority);    -- 22004 / 23503 before anything is read
BEGIN
    RETURN QUERY SELECT o.kind, o.title, o.how_to_reach, o.is_allocated_worker FROM rbp.support_option o
                  WHERE o.authority_id = v_authority
                  ORDER BY o.position, o.kind, o.title;
END
$$;

CREATE OR REPLACE FUNCTION rbp.tag_response(p_theme_id integer, p_response_id uuid) RETURNS void
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    v_theme rbp.theme;
    v_response rbp.response := rbp.qa_response(rbp.required(p_response_id, 'p_response_id'));
BEGIN
    PERFORM rbp.required(p_theme_id, 'p_theme_id');
    SELECT * INTO v_theme FROM rbp.theme WHERE theme_id = p_theme_id;
    IF v_theme.theme_id IS NULL OR v_theme.authority_id <> v_response.authority_id THEN
        RAISE EXCEPTION 'no such theme in the response''s authority' USING ERRCODE = 'no_data_found';
    END IF;
    INSERT INTO rbp.response_theme (theme_id, response_id) VALUES (p_theme_id, p_response_id) ON CONFLICT DO NOTHING;
END
$$;

CREATE OR REPLACE FUNCTION rbp.schedule_status(p_authority text, p_involvement_ref text, p_respondent_ref text,
                                    p_on date DEFAULT current_date)
    RETURNS TABLE (status rbp.schedule_status, phase rbp.schedule_phase, due_on date, overdue_on date,
                   invitations_issued integer, reminder_due_on date)
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    v_authority integer := rbp.authority_id_of(p_authority, 'case_system', 'qa');
    v_involvement integer := rbp.involvement_id_of(v_authority, p_involvement_ref);
    v_schedule rbp.invitation_schedule;
BEGIN
    PERFORM rbp.required(p_authority, 'p_authority');
    PERFORM rbp.required(p_involvement_ref, 'p_involvement_ref');
    PERFORM rbp.required(p_respondent_ref, 'p_respondent_ref');
    -- Every comparison with a NULL day is unknown, which the status rule would read as "overdue".
    IF p_on IS NULL THEN
        RAISE EXCEPTION 'a schedule status needs a date' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    SELECT s.* INTO v_schedule FROM rbp.invitation_schedule s JOIN rbp.respondent r USING (respondent_id)
     WHERE s.involvement_id = v_involvement AND r.authority_id = v_authority AND r.respondent_ref = p_respondent_ref;
    IF v_schedule.schedule_id IS NULL THEN
        RAISE EXCEPTION 'no schedule for family member "%" in involvement "%"', p_respondent_ref, p_involvement_ref
            USING ERRCODE = 'no_data_found',
                  HINT = 'Schedules exist for members of the involvement''s family registered while it was open.';
    END IF;
    RETURN QUERY SELECT rbp.schedule_status_of(v_schedule, p_on), v_schedule.phase, v_schedule.due_on,
                        v_schedule.overdue_on, v_schedule.invitations_issued, v_schedule.reminder_due_on;
END
$$;

CREATE OR REPLACE FUNCTION rbp.end_team_manager(p_authority text, p_team text, p_last_day date) RETURNS void
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    v_authority integer := rbp.authority_id_of(p_authority, 'case_system');
    v_team integer := rbp.team_id_of(v_authority, p_team);
BEGIN
    PERFORM rbp.required(p_authority, 'p_authority');
    PERFORM rbp.required(p_team, 'p_team');
    PERFORM rbp.required(p_last_day, 'p_last_day');
    UPDATE rbp.team_manager SET during = daterange(lower(during), p_last_day, '[]')
     WHERE team_id = v_team AND during @> p_last_day;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no manager of team "%" on %', p_team, p_last_day
            USING ERRCODE = 'no_data_found', HINT = 'The last day must fall within a management registered with rbp.register_team_manager().';
    END IF;
    PERFORM rbp.reroute_open_feedback(current_date, NULL);
END
$$;

CREATE OR REPLACE FUNCTION rbp.hand_over_supervision(p_authority text, p_worker_ref text, p_new_supervisor_ref text,
                                          p_starts_on date) RETURNS integer
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    v_authority integer := rbp.authority_id_of(p_authority, 'case_system');
    v_worker integer := rbp.staff_id_of(v_authority, p_worker_ref);
    v_new integer := rbp.staff_id_of(v_authority, p_new_supervisor_ref);
    v_id integer;
BEGIN
    PERFORM rbp.required(p_authority, 'p_authority');
    PERFORM rbp.required(p_worker_ref, 'p_worker_ref');
    PERFORM rbp.required(p_new_supervisor_ref, 'p_new_supervisor_ref');
    PERFORM rbp.required(p_starts_on, 'p_starts_on');
    -- Sent again: the new supervision is already there.
    SELECT supervision_id INTO v_id FROM rbp.supervision
     WHERE worker_id = v_worker AND supervisor_id = v_new AND lower(during) = p_starts_on AND upper_inf(during);
    IF v_id IS NOT NULL THEN
        RETURN v_id;
    END IF;
    -- An open-ended earlier supervision ends the day before (as allocations do).
    UPDATE rbp.supervision SET during = daterange(lower(during), p_starts_on - 1, '[]')
     WHERE worker_id = v_worker AND upper_inf(during) AND lower(during) < p_starts_on;
    RETURN rbp.register_supervision(p_authority, p_worker_ref, p_new_supervisor_ref, p_starts_on, NULL);
END
$$;

CREATE OR REPLACE FUNCTION rbp.record_leaver(p_authority text, p_staff_ref text, p_last_day date) RETURNS void
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    v_authority integer := rbp.authority_id_of(p_authority, 'case_system');
    v_staff integer := rbp.staff_id_of(v_authority, p_staff_ref);
BEGIN
    PERFORM rbp.required(p_authority, 'p_authority');
    PERFORM rbp.required(p_staff_ref, 'p_staff_ref');
    PERFORM rbp.required(p_last_day, 'p_last_day');
    -- Supervision (as worker or as supervisor), management and allocations end on the last day;
    -- those registered to start later are removed.
    DELETE FROM rbp.supervision WHERE (worker_id = v_staff OR supervisor_id = v_staff) AND lower(during) > p_last_day;
    UPDATE rbp.supervision SET during = daterange(lower(during), p_last_day, '[]')
     WHERE (worker_id = v_staff OR supervisor_id = v_staff) AND during @> p_last_day AND upper(during) IS DISTINCT FROM p_last_day + 1;
    DELETE FROM rbp.team_manager WHERE manager_id = v_staff AND lower(during) > p_last_day;
    UPDATE rbp.team_manager SET during = daterange(lower(during), p_last_day, '[]')
     WHERE manager_id = v_staff AND during @> p_last_day AND upper(during) IS DISTINCT FROM p_last_day + 1;
    DELETE FROM rbp.allocation WHERE worker_id = v_staff AND lower(during) > p_last_day;
    UPDATE rbp.allocation SET during = daterange(lower(during), p_last_day, '[]')
     WHERE worker_id = v_staff AND during @> p_last_day AND upper(during) IS DISTINCT FROM p_last_day + 1;
    -- The login no longer reads anything: unmapped as a member of staff, and from whatever work
    -- (QA, reports) an administrator had mapped it to for this authority.
    DELETE FROM rbp.login_authority
     WHERE authority_id = v_authority AND login = (SELECT db_role FROM rbp.staff WHERE staff_id = v_staff);
    UPDATE rbp.staff SET db_role = NULL, is_qa = false
     WHERE staff_id = v_staff AND (db_role IS NOT NULL OR is_qa);
    -- Open items move on to whoever is responsible now (the daily run does it on the first day
    -- after a leaving date still to come).
    IF p_last_day < current_date THEN
        PERFORM rbp.reroute_open_feedback(current_date, NULL);
    END IF;
END
$$;

CREATE OR REPLACE FUNCTION rbp.merge_families(p_authority text, p_keep_family_ref text, p_duplicate_family_ref text) RETURNS integer
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    v_authority integer := rbp.authority_id_of(p_authority, 'case_system');
    v_keep integer;
    v_dup integer;
BEGIN
    PERFORM rbp.required(p_authority, 'p_authority');
    PERFORM rbp.required(p_keep_family_ref, 'p_keep_family_ref');
    PERFORM rbp.required(p_duplicate_family_ref, 'p_duplicate_family_ref');
    SELECT family_id INTO v_keep FROM rbp.family WHERE authority_id = v_authority AND family_ref = p_keep_family_ref;
    IF v_keep IS NULL THEN
        RAISE EXCEPTION 'unknown family "%"', p_keep_family_ref
            USING ERRCODE = 'foreign_key_violation', HINT = 'The family to keep must exist.';
    END IF;
    IF p_keep_family_ref = p_duplicate_family_ref THEN
        RAISE EXCEPTION 'a family cannot be merged into itself ("%")', p_keep_family_ref USING ERRCODE = 'invalid_parameter_value';
    END IF;
    SELECT family_id INTO v_dup FROM rbp.family WHERE authority_id = v_authority AND family_ref = p_duplicate_family_ref;
    IF v_dup IS NULL THEN
        RETURN v_keep;      -- merged already
    END IF;
    UPDATE rbp.involvement SET family_id = v_keep WHERE family_id = v_dup;
    UPDATE rbp.respondent SET family_id = v_keep WHERE family_id = v_dup;
    PERFORM rbp.align_family_schedules(ARRAY[v_keep], current_date);
    DELETE FROM rbp.family WHERE family_id = v_dup;
    RETURN v_keep;
END
$$;

CREATE OR REPLACE FUNCTION rbp.merge_family_members(p_authority text, p_keep_respondent_ref text, p_duplicate_respondent_ref text)
    RETURNS integer
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    v_authority integer := rbp.authority_id_of(p_authority, 'case_system');
    v_keep rbp.respondent;
    v_dup rbp.respondent;
    v_pref_keep rbp.respondent_preference;
    v_pref_dup rbp.respondent_preference;
    v_ids bigint[];
BEGIN
    PERFORM rbp.required(p_authority, 'p_authority');
    PERFORM rbp.required(p_keep_respondent_ref, 'p_keep_respondent_ref');
    PERFORM rbp.required(p_duplicate_respondent_ref, 'p_duplicate_respondent_ref');
    SELECT * INTO v_keep FROM rbp.respondent WHERE respondent_id = rbp.respondent_id_of(v_authority, p_keep_respondent_ref) FOR UPDATE;
    IF p_keep_respondent_ref = p_duplicate_respondent_ref THEN
        RAISE EXCEPTION 'a family member cannot be merged into themselves ("%")', p_keep_respondent_ref USING ERRCODE = 'invalid_parameter_value';
    END IF;
    SELECT * INTO v_dup FROM rbp.respondent WHERE authority_id = v_authority AND respondent_ref = p_duplicate_respondent_ref FOR UPDATE;
    IF v_dup.respondent_id IS NULL THEN
        RETURN v_keep.respondent_id;      -- merged already
    END IF;
    IF v_dup.family_id <> v_keep.family_id THEN
        RAISE EXCEPTION 'family members "%" and "%" belong to different families', p_keep_respondent_ref, p_duplicate_respondent_ref
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Merge the families first with rbp.merge_families(), or move one with rbp.move_family_member().';
    END IF;
    -- Their choices combine towards asking less of the family: the earliest opt-out, the later
    -- pause, no reminders if either said so; cadence and channel of the record kept, else the other's.
    SELECT * INTO v_pref_keep FROM rbp.respondent_preference WHERE respondent_id = v_keep.respondent_id;
    SELECT * INTO v_pref_dup FROM rbp.respondent_preference WHERE respondent_id = v_dup.respondent_id;
    IF v_pref_dup.respondent_id IS NOT NULL THEN
        INSERT INTO rbp.respondent_preference (respondent_id) VALUES (v_keep.respondent_id) ON CONFLICT DO NOTHING;
        UPDATE rbp.respondent_preference
           SET cadence = coalesce(v_pref_keep.cadence, v_pref_dup.cadence),
               channel = coalesce(v_pref_keep.channel, v_pref_dup.channel),
               paused_until = greatest(v_pref_keep.paused_until, v_pref_dup.paused_until),
               reminders_opted_out = coalesce(v_pref_keep.reminders_opted_out, false) OR v_pref_dup.reminders_opted_out,
               opted_out_on = least(v_pref_keep.opted_out_on, v_pref_dup.opted_out_on)
         WHERE respondent_id = v_keep.respondent_id;
        DELETE FROM rbp.respondent_preference WHERE respondent_id = v_dup.respondent_id;
    END IF;
    -- Schedules: where both have one for an involvement, the kept one takes the later invitation
    -- and the sum of invitations; otherwise the duplicate's moves over.
    UPDATE rbp.invitation_schedule k
       SET invitations_issued = k.invitations_issued + p.d_issued,
           phase = CASE WHEN p.dup_later THEN p.d_phase ELSE k.phase END,
           anchor_on = CASE WHEN p.dup_later THEN p.d_anchor ELSE k.anchor_on END,
           last_invitation_id = CASE WHEN p.dup_later THEN p.d_last ELSE k.last_invitation_id END,
           last_reminder_on = CASE WHEN p.dup_later THEN p.d_reminder ELSE k.last_reminder_on END
      FROM (SELECT d.involvement_id, d.invitations_issued AS d_issued, d.phase AS d_phase, d.anchor_on AS d_anchor,
                   d.last_invitation_id AS d_last, d.last_reminder_on AS d_reminder,
                   coalesce(di.issued_on, '-infinity') > coalesce(ki.issued_on, '-infinity') AS dup_later
              FROM rbp.invitation_schedule d
              JOIN rbp.invitation_schedule k2 ON k2.involvement_id = d.involvement_id AND k2.respondent_id = v_keep.respondent_id
              LEFT JOIN rbp.invitation di ON di.invitation_id = d.last_invitation_id
              LEFT JOIN rbp.invitation ki ON ki.invitation_id = k2.last_invitation_id
             WHERE d.respondent_id = v_dup.respondent_id) p
     WHERE k.respondent_id = v_keep.respondent_id AND k.involvement_id = p.involvement_id;
    DELETE FROM rbp.invitation_schedule d
     WHERE d.respondent_id = v_dup.respondent_id
       AND EXISTS (SELECT FROM rbp.invitation_schedule k WHERE k.respondent_id = v_keep.respondent_id AND k.involvement_id = d.involvement_id);
    UPDATE rbp.invitation_schedule SET respondent_id = v_keep.respondent_id WHERE respondent_id = v_dup.respondent_id;
    UPDATE rbp.invitation SET respondent_id = v_keep.respondent_id WHERE respondent_id = v_dup.respondent_id;
    UPDATE rbp.response SET respondent_id = v_keep.respondent_id WHERE respondent_id = v_dup.respondent_id;
    DELETE FROM rbp.respondent WHERE respondent_id = v_dup.respondent_id;
    SELECT array_agg(schedule_id) INTO v_ids FROM rbp.invitation_schedule WHERE respondent_id = v_keep.respondent_id;
    IF v_ids IS NOT NULL THEN
        PERFORM rbp.refresh_schedules(v_ids);
    END IF;
    RETURN v_keep.respondent_id;
END
$$;

CREATE OR REPLACE FUNCTION rbp.routed_item(p_route_id uuid)
    RETURNS TABLE (route_id uuid, authority text, worker_ref text, recipient_kind rbp.recipient_kind,
                   recipient_ref text, state text)
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
BEGIN
    PERFORM rbp.required(p_route_id, 'p_route_id');
    RETURN QUERY
        SELECT rt.route_id, a.code, w.staff_ref, rt.recipient_kind, rc.staff_ref,
               CASE WHEN rt.superseded_on IS NOT NULL THEN 'superseded'
                    WHEN EXISTS (SELECT FROM rbp.supervision_review v WHERE v.response_id = rt.response_id) THEN 'reviewed'
                    ELSE 'open' END
          FROM rbp.route rt
          JOIN rbp.response r ON r.response_id = rt.response_id
          JOIN rbp.authority a ON a.authority_id = rt.authority_id
          LEFT JOIN rbp.staff w ON w.staff_id = r.worker_id
          LEFT JOIN rbp.staff rc ON rc.staff_id = rt.recipient_id
         WHERE rt.route_id = p_route_id
           AND r.qa_status = 'released'
           AND rbp.case_system_serves(rt.authority_id);
    IF NOT FOUND THEN
        -- One error for unknown, not released, held and other authorities' items alike.
        RAISE EXCEPTION 'no routed item % that this login may see', p_route_id
            USING ERRCODE = 'no_data_found',
                  HINT = 'Route ids come from rbp_feedback_routed notifications; items are visible once QA released them, to the case system of their authority.';
    END IF;
END
$$;

CREATE OR REPLACE FUNCTION rbp.survey_form(p_token text, p_language text DEFAULT NULL) RETURNS jsonb
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    v_invitation rbp.invitation := rbp.open_invitation(p_token, current_date);
    v_instrument rbp.instrument;
    v_authority rbp.authority;
    v_language text;
    v_title text;
    v_introduction text;
BEGIN
    PERFORM rbp.required(p_token, 'p_token');
    SELECT * INTO v_instrument FROM rbp.instrument WHERE instrument_id = v_invitation.instrument_id;
    SELECT * INTO v_authority FROM rbp.authority WHERE authority_id = v_invitation.authority_id;
    v_language := rbp.resolve_language(v_instrument.instrument_id, v_authority.authority_id, p_language);
    SELECT coalesce(t.title, v_instrument.title), coalesce(t.introduction, v_instrument.introduction)
      INTO v_title, v_introduction
      FROM (SELECT) AS one
      LEFT JOIN rbp.instrument_translation t ON t.instrument_id = v_instrument.instrument_id AND t.language = v_language;
    RETURN jsonb_build_object(
        'contract', 'feedback_rbp.survey_form/1',
        'authority', jsonb_build_object('code', v_authority.code, 'name', v_authority.name),
        'questionnaire', jsonb_build_object(
            'code', v_instrument.code, 'version', v_instrument.version,
            'fhir_canonical', rbp.fhir_questionnaire_url(v_instrument.code) || '|' || v_instrument.version),
        'expires_on', v_invitation.expires_on,
        'language', v_language,
        'languages', to_jsonb(rbp.instrument_languages(v_instrument.instrument_id)),
        'title', v_title,
        'introduction', v_introduction,
        'skip_note', rbp.form_text_in(v_language, 'skip.note'),
        'questions', rbp.form_questions(v_instrument.instrument_id, v_language),
        'anonymity_choices', rbp.form_anonymity_choices(v_language),
        'safety_notices', rbp.form_safety_notices(v_authority.authority_id, v_instrument.instrument_id, v_language),
        'support', jsonb_build_object('heading', rbp.form_text_in(v_language, 'support.heading'),
                                      'options', rbp.form_support_options(v_authority.authority_id, v_language)));
END
$$;

CREATE OR REPLACE FUNCTION rbp.submit_fhir_response(p_token text, p_anonymity rbp.anonymity, p_questionnaire_response jsonb,
                                         p_channel rbp.response_channel DEFAULT 'online',
                                         p_give_team boolean DEFAULT false,
                                         p_submitted_on date DEFAULT current_date) RETURNS void
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    v_instrument integer;
BEGIN
    PERFORM rbp.required(p_token, 'p_token');
    PERFORM rbp.required(p_questionnaire_response, 'p_questionnaire_response');
    SELECT instrument_id INTO v_instrument FROM rbp.invitation WHERE token_hash = rbp.token_hash(coalesce(p_token, ''));
    IF v_instrument IS NULL THEN
        -- Not an invitation: refused by rbp.submit_response exactly as any unknown token is.
        PERFORM rbp.submit_response(p_token, p_anonymity, '{}'::jsonb, p_channel, p_give_team, p_submitted_on);
        RAISE EXCEPTION 'invitation token not recognised' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    PERFORM rbp.submit_response(p_token, p_anonymity, rbp.fhir_response_answers(v_instrument, p_questionnaire_response),
                                p_channel, p_give_team, p_submitted_on);
END
$$;

CREATE OR REPLACE FUNCTION rbp.publish_instrument_version(p_code text, p_title text, p_introduction text,
                                               p_respondent_kinds rbp.respondent_kind[], p_questions jsonb)
    RETURNS integer
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    v_version integer;
    v_id integer;
    v_question jsonb;
    v_position integer := 0;
    v_kinds rbp.respondent_kind[];
    v_taken text;
BEGIN
    IF p_questions IS NULL OR jsonb_typeof(p_questions) <> 'array' OR jsonb_array_length(p_questions) = 0 THEN
        RAISE EXCEPTION 'questions must be a non-empty JSON array of {"code", "kind", "prompt", "scale_points"}'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF coalesce(cardinality(p_respondent_kinds), 0) = 0 THEN
        RAISE EXCEPTION 'an instrument is for at least one respondent kind' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    -- Two administrators publishing the same code at once: the second waits, then numbers after the first.
    PERFORM pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('rbp.instrument ' || p_code));
    -- Each respondent kind has exactly one questionnaire (an invitation follows the kind), so a new
    -- version serves the kinds of the version it replaces, and a new questionnaire only kinds that
    -- have none: otherwise some family members would have no questionnaire, or two.
    SELECT i.respondent_kinds INTO v_kinds FROM rbp.instrument i WHERE i.code = p_code AND rbp.is_current(i);
    IF v_kinds IS NOT NULL AND NOT (v_kinds @> p_respondent_kinds AND p_respondent_kinds @> v_kinds) THEN
        RAISE EXCEPTION 'a new version of "%" must be for the same respondent kinds as the current one (%)', p_code, v_kinds
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Each respondent kind has exactly one questionnaire; invitations follow the kind.';
    END IF;
    IF v_kinds IS NULL THEN
        SELECT string_agg(DISTINCT k::text, ', ') INTO v_taken
          FROM rbp.instrument i, unnest(i.respondent_kinds) k
         WHERE rbp.is_current(i) AND k = ANY (p_respondent_kinds);
        IF v_taken IS NOT NULL THEN
            RAISE EXCEPTION 'respondent kinds already have a questionnaire: %', v_taken
                USING ERRCODE = 'invalid_parameter_value',
                      HINT = 'Publish a new version of their questionnaire instead; each respondent kind has exactly one.';
        END IF;
    END IF;
    SELECT coalesce(max(version), 0) + 1 INTO v_version FROM rbp.instrument WHERE code = p_code;
    INSERT INTO rbp.instrument (code, version, title, introduction, respondent_kinds)
    VALUES (p_code, v_version, p_title, p_introduction, p_respondent_kinds)
    RETURNING instrument_id INTO v_id;
    FOR v_question IN SELECT value FROM jsonb_array_elements(p_questions) LOOP
        v_position := v_position + 1;
        IF (v_question ->> 'kind') NOT IN ('scale', 'free_text') OR (v_question ->> 'code') IS NULL
           OR (v_question ->> 'prompt') IS NULL THEN
            RAISE EXCEPTION 'question % needs a code, a prompt and a kind (scale or free_text)', v_position
                USING ERRCODE = 'invalid_parameter_value';
        END IF;
        INSERT INTO rbp.question (instrument_id, code, position, kind, prompt, scale_points)
        VALUES (v_id, v_question ->> 'code', v_position, (v_question ->> 'kind')::rbp.question_kind,
                v_question ->> 'prompt', (v_question ->> 'scale_points')::integer);
    END LOOP;
    RETURN v_id;
END
$$;

CREATE OR REPLACE FUNCTION rbp.record_supervision_review(p_response_id uuid, p_celebrated boolean,
                                              p_support_offered rbp.support_offer[] DEFAULT '{}',
                                              p_notes text DEFAULT NULL, p_reviewed_on date DEFAULT current_date)
    RETURNS void
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    v_me integer := rbp.current_staff_id();
    v_my_authority integer := (SELECT s.authority_id FROM rbp.staff s WHERE s.staff_id = v_me);
    v_found boolean;
    v_reached date;
BEGIN
    PERFORM rbp.require_not_future(p_reviewed_on, 'p_reviewed_on');
    -- The day QA released the item to staff: no review can have happened before it. (Not the day
    -- of routing: a supervision recorded late reroutes as of the day it is recorded.)
    SELECT true, r.qa_status_on INTO v_found, v_reached FROM rbp.route rt JOIN rbp.response r USING (response_id)
     WHERE rt.response_id = p_response_id AND rt.superseded_on IS NULL
       AND rbp.visible_to_staff(r.qa_status, r.anonymity)
       AND rbp.may_review(rt.recipient_kind, rt.recipient_id, rt.authority_id, r.worker_id, v_me, v_my_authority,
                          rbp.current_qa_authorities())
       AND NOT EXISTS (SELECT FROM rbp.supervision_review v WHERE v.response_id = rt.response_id)
       FOR UPDATE OF rt;
    IF v_found IS NULL THEN
        RAISE EXCEPTION 'no feedback awaiting your review with this id' USING ERRCODE = 'no_data_found';
    END IF;
    IF p_celebrated IS NULL THEN
        RAISE EXCEPTION 'say whether good practice was celebrated' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF p_reviewed_on < v_reached THEN
        RAISE EXCEPTION 'a review cannot be dated %, before QA released the feedback on %', p_reviewed_on, v_reached
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Give the day the review took place (by default today).';
    END IF;
    INSERT INTO rbp.supervision_review (response_id, reviewer_id, reviewed_on, celebrated, support_offered, notes)
    VALUES (p_response_id, v_me, coalesce(p_reviewed_on, current_date), p_celebrated, coalesce(p_support_offered, '{}'), p_notes);
END
$$;
