-- Found by a red-team review of 0.2.0 before release. The daily due list and reminders answer only
-- for the authorities the case-system login is mapped to (rbp.may_act_for; same definitions as
-- sql/install/50_schedule.sql); QA reads the publication records of its own authorities only
-- (same policies as sql/install/60_reports.sql).

CREATE OR REPLACE FUNCTION rbp.due_invitations(p_as_of date DEFAULT current_date, p_authority text DEFAULT NULL)
    RETURNS TABLE (authority text, involvement_ref text, respondent_ref text, respondent_kind rbp.respondent_kind,
                   channel rbp.invitation_channel, purpose text, status rbp.schedule_status,
                   due_on date, overdue_on date, invitation_id bigint)
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    -- "who may act for an authority": NULL for an administrator (every authority), else the
    -- authorities this login is mapped to as a case system (none: it sees nothing)
    v_scope integer[] := rbp.acting_scope('case_system');
    v_authority integer;
    -- EXECUTE plans with the actual date, so the planner sees how few rows are due.
    q constant text := 'SELECT * FROM rbp.due_invitations_query($1, $2) ORDER BY 1, status DESC, due_on, 2, 3, purpose';
BEGIN
    IF p_as_of IS NULL OR NOT isfinite(p_as_of) THEN
        RAISE EXCEPTION 'the daily question needs a date' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF p_authority IS NOT NULL THEN
        RETURN QUERY EXECUTE q USING p_as_of, rbp.authority_id_of(p_authority, 'case_system');
    ELSIF v_scope IS NULL THEN
        RETURN QUERY EXECUTE q USING p_as_of, NULL::integer;
    ELSE
        -- each authority the login serves, in the order of the list (authority code first)
        FOR v_authority IN SELECT authority_id FROM rbp.authority WHERE authority_id = ANY (v_scope) ORDER BY code LOOP
            RETURN QUERY EXECUTE q USING p_as_of, v_authority;
        END LOOP;
    END IF;
END
$$;
COMMENT ON FUNCTION rbp.due_invitations(date, text) IS
    'Case system, daily: who is due or overdue an invitation (first, regular, follow-up after closure) or a reminder on a date, with the channel, for the authorities the login serves (one when named); call rbp.issue_invitation() for the invitations and rbp.record_reminder() for the reminders';

CREATE OR REPLACE FUNCTION rbp.record_reminder(p_invitation_id bigint, p_sent_on date DEFAULT current_date) RETURNS integer
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    v_invitation rbp.invitation;
    v_ids bigint[];
    v_sent integer;
    v_involvement integer;
    v_respondent integer;
BEGIN
    IF p_invitation_id IS NULL OR p_sent_on IS NULL THEN
        RAISE EXCEPTION 'a reminder needs an invitation and a date' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    SELECT * INTO v_invitation FROM rbp.invitation WHERE invitation_id = p_invitation_id FOR UPDATE;
    -- an invitation of an authority the login does not serve is "unknown": the same error, no dates
    IF NOT FOUND OR NOT rbp.may_act_for(v_invitation.authority_id, 'case_system') THEN
        RAISE EXCEPTION 'unknown invitation %', p_invitation_id USING ERRCODE = 'foreign_key_violation',
              HINT = 'Pass an invitation_id that rbp.due_invitations() listed for an authority this login serves.';
    END IF;
    IF p_sent_on < v_invitation.issued_on OR p_sent_on > v_invitation.expires_on THEN
        RAISE EXCEPTION 'a reminder of invitation % cannot be sent on %: it is valid from % to %', p_invitation_id, p_sent_on,
                        v_invitation.issued_on, v_invitation.expires_on
            USING ERRCODE = 'invalid_parameter_value', HINT = 'Record the day the reminder was actually sent; an expired invitation needs a new one.';
    END IF;
    IF v_invitation.cancelled_on IS NOT NULL THEN
        RAISE EXCEPTION 'invitation % was cancelled: there is nothing to remind of', p_invitation_id
            USING ERRCODE = 'object_not_in_prerequisite_state';
    END IF;
    IF p_sent_on < (SELECT paused_until FROM rbp.respondent_preference WHERE respondent_id = v_invitation.respondent_id) THEN
        RAISE EXCEPTION 'invitations to this family member are paused on %', p_sent_on
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'No reminder is sent during a pause; rbp.due_invitations() lists it again when the pause ends.';
    END IF;
    UPDATE rbp.invitation SET reminders_sent = reminders_sent + 1
     WHERE invitation_id = p_invitation_id
    RETURNING reminders_sent, involvement_id, respondent_id INTO v_sent, v_involvement, v_respondent;
    WITH s AS (
        UPDATE rbp.invitation_schedule SET last_reminder_on = p_sent_on
         WHERE involvement_id = v_involvement AND respondent_id = v_respondent
           AND last_invitation_id = p_invitation_id RETURNING schedule_id)
    SELECT array_agg(schedule_id) INTO v_ids FROM s;
    IF v_ids IS NOT NULL THEN
        PERFORM rbp.refresh_schedules(v_ids);
    END IF;
    RETURN v_sent;
END
$$;

-- Each QA login reads the records of the authorities it is mapped to; the administrator all.
ALTER TABLE rbp.report_publication ENABLE ROW LEVEL SECURITY;
CREATE POLICY report_publication_admin ON rbp.report_publication FOR SELECT TO rbp_admin USING (true);
COMMENT ON POLICY report_publication_admin ON rbp.report_publication IS 'The administrator reads what was published for every authority';
CREATE POLICY report_publication_qa ON rbp.report_publication FOR SELECT TO rbp_qa
    USING (authority_id = ANY ((SELECT rbp.current_qa_authorities())::integer[]));
COMMENT ON POLICY report_publication_qa ON rbp.report_publication IS 'QA reads what was published for its own authorities';
-- Each QA login reads the records of the authorities it is mapped to; the administrator all.
ALTER TABLE rbp.report_unprotected ENABLE ROW LEVEL SECURITY;
CREATE POLICY report_unprotected_admin ON rbp.report_unprotected FOR SELECT TO rbp_admin USING (true);
COMMENT ON POLICY report_unprotected_admin ON rbp.report_unprotected IS 'The administrator reads which cells could not be protected, for every authority';
CREATE POLICY report_unprotected_qa ON rbp.report_unprotected FOR SELECT TO rbp_qa
    USING (authority_id = ANY ((SELECT rbp.current_qa_authorities())::integer[]));
COMMENT ON POLICY report_unprotected_qa ON rbp.report_unprotected IS 'QA reads which cells could not be protected, for its own authorities';
