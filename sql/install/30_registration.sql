-- The case-management system's API: it registers and updates authorities' teams, staff,
-- supervision, families, involvements and allocations. Every function names rows by the case
-- system's own references, is SECURITY DEFINER (the case system has no table privileges at all) and
-- is idempotent where a case system would re-send the same fact.

CREATE FUNCTION rbp.register_authority(p_code text, p_name text, p_auto_release_after_days integer DEFAULT NULL)
    RETURNS integer
    LANGUAGE sql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
    INSERT INTO rbp.authority (code, name, auto_release_after_days)
    VALUES (rbp.required(p_code, 'p_code'), rbp.required(p_name, 'p_name'), p_auto_release_after_days)
    ON CONFLICT (code) DO UPDATE SET name = excluded.name, auto_release_after_days = excluded.auto_release_after_days
    RETURNING authority_id
$$;
COMMENT ON FUNCTION rbp.register_authority(text, text, integer) IS
    'Administrator: register (or rename) an authority; auto_release_after_days makes QA release of named feedback automatic after that many days';

CREATE FUNCTION rbp.register_team(p_authority text, p_team text, p_name text) RETURNS integer
    LANGUAGE sql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
    INSERT INTO rbp.team (authority_id, code, name) VALUES (rbp.authority_id_of(p_authority, 'case_system'), rbp.required(p_team, 'p_team'), rbp.required(p_name, 'p_name'))
    ON CONFLICT (authority_id, code) DO UPDATE SET name = excluded.name
    RETURNING team_id
$$;
COMMENT ON FUNCTION rbp.register_team(text, text, text) IS 'Case system: register or rename a team of an authority; returns its team_id';

-- Omitted (NULL) team, login and QA flag keep what is stored, so a re-sent record never removes
-- access by accident; rbp.unmap_staff_login removes a login on purpose. The login must pass
-- rbp.person_login: no group role, superuser or BYPASSRLS; it is stored by OID.
CREATE FUNCTION rbp.register_staff(p_authority text, p_staff_ref text, p_display_name text,
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
COMMENT ON FUNCTION rbp.register_staff(text, text, text, text, name, boolean) IS
    'Case system: register or update a member of staff (worker, supervisor, manager or QA officer) and the database login they read feedback with; omitted team, login and QA flag keep their stored values';

CREATE FUNCTION rbp.unmap_staff_login(p_authority text, p_staff_ref text) RETURNS void
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
COMMENT ON FUNCTION rbp.unmap_staff_login(text, text) IS
    'Case system: remove the database login of a member of staff (a leaver, a changed login); they read nothing afterwards';

CREATE FUNCTION rbp.register_supervision(p_authority text, p_worker_ref text, p_supervisor_ref text,
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
COMMENT ON FUNCTION rbp.register_supervision(text, text, text, date, date) IS
    'Case system: record that a supervisor supervises a worker from a date (to a date, inclusive, or open-ended); overlapping supervision of one worker is refused (23P01)';

CREATE FUNCTION rbp.end_supervision(p_authority text, p_worker_ref text, p_last_day date) RETURNS void
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
COMMENT ON FUNCTION rbp.end_supervision(text, text, date) IS
    'Case system: end the supervision of a worker that covers the given date, on that date (inclusive)';

CREATE FUNCTION rbp.register_team_manager(p_authority text, p_team text, p_manager_ref text,
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
COMMENT ON FUNCTION rbp.register_team_manager(text, text, text, date, date) IS
    'Case system: record who manages a team over which dates (feedback of workers without a supervisor goes to them)';

CREATE FUNCTION rbp.register_respondent(p_authority text, p_family_ref text, p_respondent_ref text,
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

CREATE FUNCTION rbp.open_involvement(p_authority text, p_involvement_ref text, p_family_ref text,
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
COMMENT ON FUNCTION rbp.open_involvement(text, text, text, text, date) IS
    'Case system: open (or move to another team) an involvement with a family from a start date';

CREATE FUNCTION rbp.close_involvement(p_authority text, p_involvement_ref text, p_closed_on date) RETURNS void
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
COMMENT ON FUNCTION rbp.close_involvement(text, text, date) IS
    'Case system: close an involvement on a date; its open allocation ends the same day. Feedback stays possible afterwards';

CREATE FUNCTION rbp.allocate_worker(p_authority text, p_involvement_ref text, p_worker_ref text,
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
COMMENT ON FUNCTION rbp.allocate_worker(text, text, text, date, date) IS
    'Case system: allocate a worker to an involvement from a date (ending an open earlier allocation the day before); the allocation must lie inside the involvement (23514)';

REVOKE ALL ON FUNCTION rbp.register_authority(text, text, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION rbp.register_authority(text, text, integer) TO rbp_admin;
REVOKE ALL ON FUNCTION rbp.register_team(text, text, text), rbp.register_staff(text, text, text, text, name, boolean),
    rbp.unmap_staff_login(text, text),
    rbp.register_supervision(text, text, text, date, date), rbp.end_supervision(text, text, date),
    rbp.register_team_manager(text, text, text, date, date),
    rbp.register_respondent(text, text, text, rbp.respondent_kind),
    rbp.open_involvement(text, text, text, text, date), rbp.close_involvement(text, text, date),
    rbp.allocate_worker(text, text, text, date, date) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION rbp.register_team(text, text, text), rbp.register_staff(text, text, text, text, name, boolean),
    rbp.unmap_staff_login(text, text),
    rbp.register_supervision(text, text, text, date, date), rbp.end_supervision(text, text, date),
    rbp.register_team_manager(text, text, text, date, date),
    rbp.register_respondent(text, text, text, rbp.respondent_kind),
    rbp.open_involvement(text, text, text, text, date), rbp.close_involvement(text, text, date),
    rbp.allocate_worker(text, text, text, date, date) TO rbp_case_system, rbp_admin;
