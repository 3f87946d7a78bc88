-- 0.1.0 -> 0.2.0, piece 86_docs2 (issue 17, second documentation review): a NULL day is refused
-- (22004) by rbp.schedule_status, whose status rule read every comparison with NULL as "overdue",
-- and by rbp.next_focus_group, which ignored every session held. Bodies as in
-- sql/install/50_schedule.sql; comments and privileges are kept by CREATE OR REPLACE.

-- (Merged with access2: both functions name the kinds of work they act as, as in sql/install/50_schedule.sql.)
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

CREATE OR REPLACE FUNCTION rbp.next_focus_group(p_authority text, p_as_of date DEFAULT current_date)
    RETURNS TABLE (last_held_on date, due_from date, overdue_from date, status rbp.schedule_status)
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    v_authority integer := rbp.authority_id_of(p_authority, 'case_system', 'qa');
    v_policy rbp.schedule_policy;
    v_last date;
BEGIN
    -- Without a day no session counts as held, and the window would ignore every session recorded.
    IF p_as_of IS NULL THEN
        RAISE EXCEPTION 'the next focus group needs a date' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    SELECT * INTO v_policy FROM rbp.schedule_policy WHERE authority_id = v_authority;
    SELECT max(held_on) INTO v_last FROM rbp.focus_group WHERE authority_id = v_authority AND held_on <= p_as_of;
    RETURN QUERY
        SELECT v_last, rbp.due_from(v_policy.focus_group_cadence, coalesce(v_last, v_policy.focus_groups_from)),
               rbp.overdue_from(v_policy.focus_group_cadence, coalesce(v_last, v_policy.focus_groups_from)),
               rbp.cadence_status(v_policy.focus_group_cadence, coalesce(v_last, v_policy.focus_groups_from), p_as_of);
END
$$;

-- rbp.report_check_publish answered an unknown authority code with 22023 and another authority's
-- with 42501, so a QA login could tell which codes exist (doc/dba.md: "the same error whether that
-- authority exists or not"). Now 42501 for both; an administrator still gets 22023 for an unknown code.
CREATE OR REPLACE FUNCTION rbp.report_check_publish(p_as_of date, p_authority text) RETURNS integer
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    v_id integer;
BEGIN
    IF p_as_of IS NULL OR p_as_of > current_date THEN
        RAISE EXCEPTION 'cannot publish reports as of %: that day has not come', coalesce(p_as_of::text, 'NULL')
              USING ERRCODE = '22023',
                    HINT = 'A quarter is published once it has closed; publishing as of a future day would freeze a quarter that is still open.';
    END IF;
    IF p_authority IS NOT NULL THEN
        SELECT authority_id INTO v_id FROM rbp.authority WHERE code = p_authority;
        IF v_id IS NULL AND rbp.acting_scope('qa') IS NULL THEN    -- an administrator: every code is known to it
            RAISE EXCEPTION 'no authority with code %', p_authority USING ERRCODE = '22023',
                  HINT = 'Pass the authority''s code (rbp.authority.code), or NULL for every authority.';
        END IF;
        -- who may act for an authority: QA the authorities an administrator mapped it to; an unknown
        -- code gets the same error as another authority's, so that a QA login learns no codes
        IF v_id IS NULL OR NOT rbp.may_act_for(v_id, 'qa') THEN
            RAISE EXCEPTION 'only QA of authority % (or an administrator) publishes its reports', p_authority
                  USING ERRCODE = 'insufficient_privilege';
        END IF;
    END IF;
    RETURN v_id;
END
$$;
COMMENT ON FUNCTION rbp.report_check_publish(date, text) IS
    'Internal (publish_reports): refuses a future as-of day (22023), an authority the QA login does not serve, known or not (42501), an administrator''s unknown code (22023); the authority''s id';
