-- Upgrade 0.1.0 -> 0.2.0, integration contract (issue 14, doc/case-system.md, doc/data-protection.md).
-- Generated from the install pieces it mirrors: invitations can be cancelled (20_model, 31_invitation,
-- 50_schedule), reminders are refused outside issue..expiry and during a pause, re-sent supervision,
-- management and allocation are no-ops (30_registration); then 52_lifecycle.sql and
-- 54_data_protection.sql as they are.

ALTER TABLE rbp.invitation ADD COLUMN cancelled_on date;
COMMENT ON COLUMN rbp.invitation.cancelled_on IS 'When the case system cancelled it (rbp.cancel_invitation, rbp.reissue_invitation): its token no longer works';

CREATE OR REPLACE FUNCTION rbp.open_invitation(p_token text, p_on date) RETURNS rbp.invitation
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    v_invitation rbp.invitation;
BEGIN
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
COMMENT ON FUNCTION rbp.open_invitation(text, date) IS 'Internal: lock the unused, unexpired invitation of a token or raise a clear error';

CREATE OR REPLACE FUNCTION rbp.survey_questions(p_token text)
    RETURNS TABLE (question_position integer, question_code text, kind rbp.question_kind, prompt text, scale_points integer)
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    v_instrument integer;
BEGIN
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
COMMENT ON FUNCTION rbp.survey_questions(text) IS 'Survey intake: the questions to show for an invitation token (every question may be skipped)';

CREATE OR REPLACE FUNCTION rbp.schedule_dates(p_phase rbp.schedule_phase, p_anchor_on date, p_last_reminder_on date,
                                   p_policy rbp.schedule_policy, p_pref rbp.respondent_preference,
                                   p_invitation rbp.invitation) RETURNS rbp.schedule_dates
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
    SELECT ROW(
        rbp.phase_due_on(p_phase, p_anchor_on, p_policy, p_pref)
            + rbp.pause_shift(rbp.phase_due_on(p_phase, p_anchor_on, p_policy, p_pref), p_pref),
        rbp.phase_overdue_on(p_phase, p_anchor_on, p_policy, p_pref)
            + rbp.pause_shift(rbp.phase_due_on(p_phase, p_anchor_on, p_policy, p_pref), p_pref),
        CASE WHEN p_phase = 'done' OR (p_pref).opted_out_on IS NOT NULL THEN NULL
             ELSE rbp.phase_due_on(p_phase, p_anchor_on, p_policy, p_pref)
                  + rbp.pause_shift(rbp.phase_due_on(p_phase, p_anchor_on, p_policy, p_pref), p_pref) END,
        CASE WHEN (p_invitation).invitation_id IS NULL OR (p_invitation).used_on IS NOT NULL
                  OR (p_invitation).cancelled_on IS NOT NULL
                  OR coalesce((p_pref).reminders_opted_out, false) OR (p_pref).opted_out_on IS NOT NULL
                  OR (p_invitation).reminders_sent >= (p_policy).max_reminders
                  OR greatest(coalesce(p_last_reminder_on, (p_invitation).issued_on) + (p_policy).reminder_after_days,
                              (p_pref).paused_until) > (p_invitation).expires_on THEN NULL
             ELSE greatest(coalesce(p_last_reminder_on, (p_invitation).issued_on) + (p_policy).reminder_after_days,
                           (p_pref).paused_until) END
    )::rbp.schedule_dates
$$;
COMMENT ON FUNCTION rbp.schedule_dates(rbp.schedule_phase, date, date, rbp.schedule_policy, rbp.respondent_preference, rbp.invitation) IS
    'Internal: the rule. The window of the phase, moved by a pause; nothing next when done or opted out; a reminder reminder_after_days after the invitation (or the last reminder) while the invitation is unused, not cancelled, unexpired, under the limit and reminders are wanted';

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
COMMENT ON FUNCTION rbp.record_reminder(bigint, date) IS
    'Case system: record that a reminder of an invitation was sent (the invitation_id comes from rbp.due_invitations()); refused on a day outside the invitation''s issue..expiry (22023), beyond the authority''s limit (23514), after an opt-out, during a pause or for a cancelled invitation (55000). Returns the number sent so far';

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

-- ==== sql/install/52_lifecycle.sql
-- The whole lifecycle of people and cases, for the case-management system (doc/case-system.md):
-- what a routed item is about (rbp.routed_item), cancelling and reissuing invitations, ending a
-- team manager, handing a worker over to a new supervisor, re-opening an involvement, moving a
-- family member to another family, staff leavers and merging duplicate records. Every function
-- names rows by the case system's references, is SECURITY DEFINER (the case system reads no table)
-- and is a no-op when the same fact is sent again.

-- ---------------------------------------------------------------------------------------------
-- Which authorities the calling login serves as a case system. One rule, one room: every function
-- of this piece that reads something about an authority's feedback asks here, and here asks the
-- login-to-authority mapping (rbp.may_act_for, kind case_system; administrators serve all).
CREATE FUNCTION rbp.case_system_serves(p_authority_id integer) RETURNS boolean
    LANGUAGE sql STABLE PARALLEL SAFE
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$ SELECT rbp.may_act_for(p_authority_id, 'case_system') $$;
COMMENT ON FUNCTION rbp.case_system_serves(integer) IS
    'Internal rule "the calling login serves this authority as a case system" (rbp.routed_item asks it): rbp.may_act_for(authority, case_system)';
REVOKE ALL ON FUNCTION rbp.case_system_serves(integer) FROM PUBLIC;

-- ---------------------------------------------------------------------------------------------
-- What a routed item is about, for the case system that received its route id in a notification:
-- whom to alert. Nothing of the content, no family, no date.
CREATE FUNCTION rbp.routed_item(p_route_id uuid)
    RETURNS TABLE (route_id uuid, authority text, worker_ref text, recipient_kind rbp.recipient_kind,
                   recipient_ref text, state text)
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
BEGIN
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
COMMENT ON FUNCTION rbp.routed_item(uuid) IS
    'Case system: whom a routed item concerns (authority, worker and recipient references, recipient kind, state open/reviewed/superseded), for a route id received with NOTIFY rbp_feedback_routed; nothing of the content; P0002 unless released and of an authority the login serves';

-- ---------------------------------------------------------------------------------------------
-- Invitations: cancel (lost leaflet, wrong address) and reissue.

-- Internal: the family member and involvement of a case system's references, both of the authority.
CREATE FUNCTION rbp.open_invitations_of(p_authority_id integer, p_involvement_ref text, p_respondent_ref text,
                                        p_on date) RETURNS SETOF rbp.invitation
    LANGUAGE sql STABLE
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
    SELECT i.* FROM rbp.invitation i
     WHERE i.involvement_id = rbp.involvement_id_of(p_authority_id, p_involvement_ref)
       AND i.respondent_id = rbp.respondent_id_of(p_authority_id, p_respondent_ref)
       AND i.used_on IS NULL AND i.cancelled_on IS NULL AND i.expires_on >= p_on
     ORDER BY i.issued_on DESC, i.invitation_id DESC
$$;
COMMENT ON FUNCTION rbp.open_invitations_of(integer, text, text, date) IS
    'Internal: the unused, uncancelled invitations of a family member for an involvement still valid on a date, newest first';
REVOKE ALL ON FUNCTION rbp.open_invitations_of(integer, text, text, date) FROM PUBLIC;

CREATE FUNCTION rbp.cancel_invitation(p_authority text, p_involvement_ref text, p_respondent_ref text,
                                      p_on date DEFAULT current_date) RETURNS integer
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    v_authority integer := rbp.authority_id_of(p_authority, 'case_system');
    v_ids bigint[];
BEGIN
    IF p_on IS NULL THEN
        RAISE EXCEPTION 'cancelling an invitation needs a date' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    -- an unknown involvement or family member is an error (23503), not "nothing to cancel"
    PERFORM rbp.involvement_id_of(v_authority, p_involvement_ref), rbp.respondent_id_of(v_authority, p_respondent_ref);
    WITH c AS (
        UPDATE rbp.invitation SET cancelled_on = greatest(p_on, issued_on)
         WHERE invitation_id IN (SELECT invitation_id FROM rbp.open_invitations_of(v_authority, p_involvement_ref, p_respondent_ref, p_on))
        RETURNING invitation_id)
    SELECT array_agg(invitation_id) INTO v_ids FROM c;
    IF v_ids IS NOT NULL THEN
        -- no reminder for a cancelled invitation
        PERFORM rbp.refresh_schedules(array_agg(schedule_id))
           FROM rbp.invitation_schedule WHERE last_invitation_id = ANY (v_ids);
    END IF;
    RETURN coalesce(cardinality(v_ids), 0);
END
$$;
COMMENT ON FUNCTION rbp.cancel_invitation(text, text, text, date) IS
    'Case system: cancel the open invitations of a family member for an involvement (a lost leaflet, a wrong address): their tokens stop working; returns how many (0 when sent again)';

CREATE FUNCTION rbp.reissue_invitation(p_authority text, p_involvement_ref text, p_respondent_ref text,
                                       p_channel rbp.invitation_channel DEFAULT NULL, p_valid_days integer DEFAULT 28,
                                       p_issued_on date DEFAULT current_date) RETURNS text
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    v_authority integer := rbp.authority_id_of(p_authority, 'case_system');
    v_last rbp.invitation;
BEGIN
    IF p_issued_on IS NULL THEN
        RAISE EXCEPTION 'reissuing an invitation needs a date' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    -- The invitation it replaces: the latest one, open or already cancelled.
    SELECT * INTO v_last FROM rbp.invitation
     WHERE involvement_id = rbp.involvement_id_of(v_authority, p_involvement_ref)
       AND respondent_id = rbp.respondent_id_of(v_authority, p_respondent_ref)
     ORDER BY issued_on DESC, invitation_id DESC LIMIT 1;
    PERFORM rbp.cancel_invitation(p_authority, p_involvement_ref, p_respondent_ref, p_issued_on);
    RETURN rbp.issue_invitation(p_authority, p_involvement_ref, p_respondent_ref,
                                coalesce(p_channel, v_last.channel,
                                         (SELECT default_channel FROM rbp.schedule_policy WHERE authority_id = v_authority)),
                                p_valid_days, p_issued_on,
                                (SELECT code FROM rbp.instrument WHERE instrument_id = v_last.instrument_id AND rbp.is_current(instrument)));
END
$$;
COMMENT ON FUNCTION rbp.reissue_invitation(text, text, text, rbp.invitation_channel, integer, date) IS
    'Case system: cancel a family member''s open invitation for an involvement and issue a new one (same channel and questionnaire unless given); returns the new token';

-- ---------------------------------------------------------------------------------------------
-- Supervision and team management.

CREATE FUNCTION rbp.end_team_manager(p_authority text, p_team text, p_last_day date) RETURNS void
    LANGUAGE plpgsql VOLATILE STRICT SECURITY DEFINER
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    v_authority integer := rbp.authority_id_of(p_authority, 'case_system');
    v_team integer := rbp.team_id_of(v_authority, p_team);
BEGIN
    UPDATE rbp.team_manager SET during = daterange(lower(during), p_last_day, '[]')
     WHERE team_id = v_team AND during @> p_last_day;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no manager of team "%" on %', p_team, p_last_day
            USING ERRCODE = 'no_data_found', HINT = 'The last day must fall within a management registered with rbp.register_team_manager().';
    END IF;
    PERFORM rbp.reroute_open_feedback(current_date, NULL);
END
$$;
COMMENT ON FUNCTION rbp.end_team_manager(text, text, date) IS
    'Case system: end the management of a team that covers the given day, on that day (inclusive); sending it again changes nothing';

CREATE FUNCTION rbp.hand_over_supervision(p_authority text, p_worker_ref text, p_new_supervisor_ref text,
                                          p_starts_on date) RETURNS integer
    LANGUAGE plpgsql VOLATILE STRICT SECURITY DEFINER
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    v_authority integer := rbp.authority_id_of(p_authority, 'case_system');
    v_worker integer := rbp.staff_id_of(v_authority, p_worker_ref);
    v_new integer := rbp.staff_id_of(v_authority, p_new_supervisor_ref);
    v_id integer;
BEGIN
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
COMMENT ON FUNCTION rbp.hand_over_supervision(text, text, text, date) IS
    'Case system: from a date a worker is supervised by someone else, in one call: an open-ended earlier supervision ends the day before; open items follow. Sending it again changes nothing';

-- ---------------------------------------------------------------------------------------------
-- Schedules of family members and involvements (the rule of dates stays rbp.schedule_dates()).

-- Internal: the schedules that should exist for the open involvements of some families (every
-- member with every open involvement of their family); a missing one starts in phase first,
-- anchored on the day it starts to count (never before the involvement started); schedules of
-- members who left the family end (phase done).
CREATE FUNCTION rbp.align_family_schedules(p_family_ids integer[], p_from date) RETURNS void
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    v_ids bigint[];
BEGIN
    WITH ended AS (
        UPDATE rbp.invitation_schedule s SET phase = 'done'
          FROM rbp.involvement v, rbp.respondent r
         WHERE v.involvement_id = s.involvement_id AND r.respondent_id = s.respondent_id
           AND (v.family_id = ANY (p_family_ids) OR r.family_id = ANY (p_family_ids))
           AND v.family_id <> r.family_id AND s.phase <> 'done'
        RETURNING s.schedule_id),
    revived AS (
        UPDATE rbp.invitation_schedule s
           SET phase = CASE WHEN s.invitations_issued = 0 THEN 'first' ELSE 'regular' END::rbp.schedule_phase,
               anchor_on = coalesce((SELECT i.issued_on FROM rbp.invitation i WHERE i.invitation_id = s.last_invitation_id),
                                    greatest(v.started_on, p_from))
          FROM rbp.involvement v, rbp.respondent r
         WHERE v.involvement_id = s.involvement_id AND r.respondent_id = s.respondent_id
           AND v.family_id = ANY (p_family_ids) AND r.family_id = v.family_id
           AND v.closed_on IS NULL AND s.phase = 'done'
        RETURNING s.schedule_id),
    added AS (
        INSERT INTO rbp.invitation_schedule (authority_id, involvement_id, respondent_id, phase, anchor_on)
        SELECT v.authority_id, v.involvement_id, r.respondent_id, 'first', greatest(v.started_on, p_from)
          FROM rbp.involvement v
          JOIN rbp.respondent r ON r.family_id = v.family_id
         WHERE v.family_id = ANY (p_family_ids) AND v.closed_on IS NULL
        ON CONFLICT (involvement_id, respondent_id) DO NOTHING
        RETURNING schedule_id)
    SELECT array_agg(id) INTO v_ids
      FROM (SELECT schedule_id FROM ended UNION ALL SELECT schedule_id FROM revived UNION ALL SELECT schedule_id FROM added) AS x(id);
    IF v_ids IS NOT NULL THEN
        PERFORM rbp.refresh_schedules(v_ids);
    END IF;
END
$$;
COMMENT ON FUNCTION rbp.align_family_schedules(integer[], date) IS
    'Internal: after family membership or involvements changed, every member has a schedule for each open involvement of their family (new ones due from the given day) and schedules of members who left end';
REVOKE ALL ON FUNCTION rbp.align_family_schedules(integer[], date) FROM PUBLIC;

-- Whatever path moves a family member (rbp.move_family_member, rbp.register_respondent with another
-- family, a merge), the schedules follow.
CREATE FUNCTION rbp.schedule_on_respondent_move() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    v_families integer[];
BEGIN
    SELECT array_agg(DISTINCT f) INTO v_families
      FROM (SELECT n.family_id FROM new_rows n JOIN old_rows o USING (respondent_id) WHERE n.family_id <> o.family_id
            UNION ALL
            SELECT o.family_id FROM new_rows n JOIN old_rows o USING (respondent_id) WHERE n.family_id <> o.family_id) AS x(f);
    IF v_families IS NOT NULL THEN
        PERFORM rbp.align_family_schedules(v_families, current_date);
    END IF;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION rbp.schedule_on_respondent_move() IS
    'Trigger: a family member who moves to another family stops being listed for the old family''s involvements and is due for the new family''s open ones';
CREATE TRIGGER schedule_respondent_move AFTER UPDATE ON rbp.respondent
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION rbp.schedule_on_respondent_move();
COMMENT ON TRIGGER schedule_respondent_move ON rbp.respondent IS 'Schedules follow a family member who moves to another family';

-- Internal: the family of a reference, created on first mention.
CREATE FUNCTION rbp.family_id_for(p_authority_id integer, p_family_ref text) RETURNS integer
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    v_id integer;
BEGIN
    IF p_family_ref IS NULL THEN
        RAISE EXCEPTION 'a family reference is needed' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    INSERT INTO rbp.family (authority_id, family_ref) VALUES (p_authority_id, p_family_ref)
        ON CONFLICT (authority_id, family_ref) DO UPDATE SET family_ref = excluded.family_ref
        RETURNING family_id INTO v_id;
    RETURN v_id;
END
$$;
COMMENT ON FUNCTION rbp.family_id_for(integer, text) IS 'Internal: the family_id of a family reference, the family being created on first mention';
REVOKE ALL ON FUNCTION rbp.family_id_for(integer, text) FROM PUBLIC;

CREATE FUNCTION rbp.move_family_member(p_authority text, p_respondent_ref text, p_family_ref text) RETURNS integer
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    v_authority integer := rbp.authority_id_of(p_authority, 'case_system');
    v_respondent integer := rbp.respondent_id_of(v_authority, p_respondent_ref);
    v_family integer := rbp.family_id_for(v_authority, p_family_ref);
BEGIN
    UPDATE rbp.respondent SET family_id = v_family WHERE respondent_id = v_respondent AND family_id <> v_family;
    RETURN v_family;
END
$$;
COMMENT ON FUNCTION rbp.move_family_member(text, text, text) IS
    'Case system: a family member now belongs to another family (created on first mention); their schedules follow: nothing more for the old family''s involvements, due for the new family''s open ones. Returns the family_id';

CREATE FUNCTION rbp.reopen_involvement(p_authority text, p_involvement_ref text, p_reopened_on date DEFAULT current_date)
    RETURNS integer
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    v_authority integer := rbp.authority_id_of(p_authority, 'case_system');
    v_involvement integer := rbp.involvement_id_of(v_authority, p_involvement_ref);
    v_family integer;
BEGIN
    IF p_reopened_on IS NULL THEN
        RAISE EXCEPTION 'reopening an involvement needs a date' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    -- The closure trigger takes schedules back to regular (or first) from their last invitation.
    UPDATE rbp.involvement SET closed_on = NULL WHERE involvement_id = v_involvement AND closed_on IS NOT NULL
    RETURNING family_id INTO v_family;
    IF v_family IS NOT NULL THEN
        -- Members who joined while it was closed become due; those who left stay ended.
        PERFORM rbp.align_family_schedules(ARRAY[v_family], p_reopened_on);
    END IF;
    RETURN v_involvement;
END
$$;
COMMENT ON FUNCTION rbp.reopen_involvement(text, text, date) IS
    'Case system: re-open a closed involvement (no-op when open): schedules return to their cadence from the last invitation, members who joined meanwhile are due from the reopening day; allocate a worker again with rbp.allocate_worker()';

-- ---------------------------------------------------------------------------------------------
-- Staff leavers.

CREATE FUNCTION rbp.record_leaver(p_authority text, p_staff_ref text, p_last_day date) RETURNS void
    LANGUAGE plpgsql VOLATILE STRICT SECURITY DEFINER
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    v_authority integer := rbp.authority_id_of(p_authority, 'case_system');
    v_staff integer := rbp.staff_id_of(v_authority, p_staff_ref);
BEGIN
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
COMMENT ON FUNCTION rbp.record_leaver(text, text, date) IS
    'Case system: a member of staff leaves after a day: their supervision, management and allocations end that day, later ones are removed, their login is unmapped and open items routed to them move on; sending it again changes nothing';

-- ---------------------------------------------------------------------------------------------
-- Duplicates.

CREATE FUNCTION rbp.merge_families(p_authority text, p_keep_family_ref text, p_duplicate_family_ref text) RETURNS integer
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    v_authority integer := rbp.authority_id_of(p_authority, 'case_system');
    v_keep integer;
    v_dup integer;
BEGIN
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
COMMENT ON FUNCTION rbp.merge_families(text, text, text) IS
    'Case system: merge a duplicate family record into the one to keep: its members and involvements move over (schedules follow) and the duplicate reference disappears; a no-op once merged';

CREATE FUNCTION rbp.merge_family_members(p_authority text, p_keep_respondent_ref text, p_duplicate_respondent_ref text)
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
COMMENT ON FUNCTION rbp.merge_family_members(text, text, text) IS
    'Case system: merge a duplicate record of a family member into the one to keep (same family): invitations, named responses and schedules move over, their choices combine towards asking less (earliest opt-out, later pause); a no-op once merged';

REVOKE ALL ON FUNCTION rbp.routed_item(uuid), rbp.cancel_invitation(text, text, text, date),
    rbp.reissue_invitation(text, text, text, rbp.invitation_channel, integer, date),
    rbp.end_team_manager(text, text, date), rbp.hand_over_supervision(text, text, text, date),
    rbp.move_family_member(text, text, text), rbp.reopen_involvement(text, text, date),
    rbp.record_leaver(text, text, date), rbp.merge_families(text, text, text),
    rbp.merge_family_members(text, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION rbp.routed_item(uuid), rbp.cancel_invitation(text, text, text, date),
    rbp.reissue_invitation(text, text, text, rbp.invitation_channel, integer, date),
    rbp.end_team_manager(text, text, date), rbp.hand_over_supervision(text, text, text, date),
    rbp.move_family_member(text, text, text), rbp.reopen_involvement(text, text, date),
    rbp.record_leaver(text, text, date), rbp.merge_families(text, text, text),
    rbp.merge_family_members(text, text, text) TO rbp_case_system;

-- ==== sql/install/54_data_protection.sql
-- Data-protection duties (UK GDPR; doc/data-protection.md): the right of access
-- (rbp.subject_access), the right to erasure (rbp.erase_person) and storage limitation (a
-- per-authority retention policy applied by a daily job, rbp.apply_retention). What is erased is
-- everything that identifies a family member: their record, their invitations, schedules and
-- choices, and their named responses. What was never linked to them stays: worker-only and
-- anonymous responses (by design they cannot be found), and the published report cells, which are
-- frozen counts. Every erasure is recorded in rbp.erasure_log by counts only.

-- ---------------------------------------------------------------------------------------------
-- Who may handle an authority's personal data on request: its QA team (who already read all of its
-- feedback). One rule, one room.
CREATE FUNCTION rbp.require_data_protection_of(p_authority_id integer) RETURNS void
    LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
BEGIN
    PERFORM rbp.require_qa_of(p_authority_id);
END
$$;
COMMENT ON FUNCTION rbp.require_data_protection_of(integer) IS
    'Internal rule "who answers subject access and erasure requests for an authority": its QA team (42501 otherwise)';
REVOKE ALL ON FUNCTION rbp.require_data_protection_of(integer) FROM PUBLIC;

CREATE TABLE rbp.retention_policy (
    authority_id            integer PRIMARY KEY REFERENCES rbp.authority ON DELETE CASCADE,
    identifying_years       integer NOT NULL CHECK (identifying_years BETWEEN 1 AND 100),
    set_on                  date NOT NULL DEFAULT current_date
);
COMMENT ON TABLE rbp.retention_policy IS
    'Per authority: identifying data of a family is erased this many years after its last involvement closed (rbp.apply_retention, daily); no row: kept until erased on request';
COMMENT ON COLUMN rbp.retention_policy.identifying_years IS 'Years after the closure of a family''s last involvement';
COMMENT ON COLUMN rbp.retention_policy.set_on IS 'When the administrator last set it';

CREATE TABLE rbp.erasure_log (
    erasure_id      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    authority_id    integer NOT NULL REFERENCES rbp.authority ON DELETE CASCADE,
    erased_on       date NOT NULL,
    cause           text NOT NULL CHECK (cause IN ('request', 'retention')),
    families        integer NOT NULL DEFAULT 0,
    people          integer NOT NULL DEFAULT 0,
    involvements    integer NOT NULL DEFAULT 0,
    invitations     integer NOT NULL DEFAULT 0,
    responses       integer NOT NULL DEFAULT 0
);
COMMENT ON TABLE rbp.erasure_log IS
    'What each erasure did, by counts only (no reference: the log must not identify whom it erased): one row per request, one per authority for every daily retention run';
COMMENT ON COLUMN rbp.erasure_log.cause IS 'request (rbp.erase_person) or retention (rbp.apply_retention)';

-- Internal: erase family members and everything that identifies them; the counts.
CREATE FUNCTION rbp.erase_respondents(p_respondent_ids integer[], OUT people integer, OUT invitations integer, OUT responses integer)
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
BEGIN
    -- Named responses (answers, routes, reviews and theme tags go with them).
    DELETE FROM rbp.response WHERE respondent_id = ANY (p_respondent_ids);
    GET DIAGNOSTICS responses = ROW_COUNT;
    -- Schedules and preferences go with the record (ON DELETE CASCADE); invitations first.
    DELETE FROM rbp.invitation_schedule WHERE respondent_id = ANY (p_respondent_ids);
    DELETE FROM rbp.invitation WHERE respondent_id = ANY (p_respondent_ids);
    GET DIAGNOSTICS invitations = ROW_COUNT;
    DELETE FROM rbp.respondent WHERE respondent_id = ANY (p_respondent_ids);
    GET DIAGNOSTICS people = ROW_COUNT;
END
$$;
COMMENT ON FUNCTION rbp.erase_respondents(integer[]) IS
    'Internal: delete family members with their named responses, invitations, schedules and choices; worker-only and anonymous responses are not linked to them and stay';
REVOKE ALL ON FUNCTION rbp.erase_respondents(integer[]) FROM PUBLIC;

CREATE FUNCTION rbp.erase_person(p_authority text, p_respondent_ref text, p_on date DEFAULT current_date) RETURNS jsonb
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    v_authority integer := rbp.authority_id_of(p_authority, 'qa');
    v_respondent integer;
    v_done record;
BEGIN
    PERFORM rbp.require_data_protection_of(v_authority);
    IF p_respondent_ref IS NULL OR p_on IS NULL THEN
        RAISE EXCEPTION 'an erasure needs the family member''s reference and a date' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    SELECT respondent_id INTO v_respondent FROM rbp.respondent WHERE authority_id = v_authority AND respondent_ref = p_respondent_ref;
    IF v_respondent IS NULL THEN
        -- Erased already (or never known): nothing to do, nothing logged.
        RETURN jsonb_build_object('people', 0, 'invitations', 0, 'responses', 0);
    END IF;
    SELECT * INTO v_done FROM rbp.erase_respondents(ARRAY[v_respondent]);
    INSERT INTO rbp.erasure_log (authority_id, erased_on, cause, people, invitations, responses)
    VALUES (v_authority, p_on, 'request', v_done.people, v_done.invitations, v_done.responses);
    RETURN jsonb_build_object('people', v_done.people, 'invitations', v_done.invitations, 'responses', v_done.responses);
END
$$;
COMMENT ON FUNCTION rbp.erase_person(text, text, date) IS
    'QA of the authority (data-protection request): erase a family member and everything that identifies them (record, invitations, schedules, choices, named responses); worker-only and anonymous responses and published figures stay. Returns the counts; {people: 0} when already erased';

CREATE FUNCTION rbp.subject_access(p_authority text, p_respondent_ref text) RETURNS jsonb
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    v_authority integer := rbp.authority_id_of(p_authority, 'qa');
    v_r rbp.respondent;
BEGIN
    PERFORM rbp.require_data_protection_of(v_authority);
    SELECT * INTO v_r FROM rbp.respondent WHERE authority_id = v_authority AND respondent_ref = p_respondent_ref;
    IF v_r.respondent_id IS NULL THEN
        RAISE EXCEPTION 'no family member "%" in authority "%"', p_respondent_ref, p_authority
            USING ERRCODE = 'no_data_found', HINT = 'Nothing is held under this reference (it may have been erased).';
    END IF;
    RETURN jsonb_build_object(
        'authority', p_authority,
        'respondent_ref', v_r.respondent_ref,
        'kind', v_r.kind,
        'family_ref', (SELECT family_ref FROM rbp.family WHERE family_id = v_r.family_id),
        'preferences', (SELECT to_jsonb(p) - 'respondent_id' FROM rbp.respondent_preference p WHERE p.respondent_id = v_r.respondent_id),
        'involvements', coalesce((
            SELECT jsonb_agg(jsonb_build_object(
                       'involvement_ref', v.involvement_ref, 'team', t.name, 'started_on', v.started_on, 'closed_on', v.closed_on,
                       'allocated_workers', (SELECT coalesce(jsonb_agg(jsonb_build_object('worker', w.display_name,
                                                                 'from', lower(a.during), 'to', upper(a.during) - 1) ORDER BY lower(a.during)), '[]')
                                               FROM rbp.allocation a JOIN rbp.staff w ON w.staff_id = a.worker_id
                                              WHERE a.involvement_id = v.involvement_id),
                       'stages', (SELECT coalesce(jsonb_agg(jsonb_build_object('stage', st.stage, 'from', st.from_on) ORDER BY st.from_on), '[]')
                                    FROM rbp.involvement_stage st WHERE st.involvement_id = v.involvement_id),
                       'schedule', (SELECT jsonb_build_object('phase', s.phase, 'due_on', s.due_on, 'overdue_on', s.overdue_on,
                                                              'invitations_issued', s.invitations_issued)
                                      FROM rbp.invitation_schedule s WHERE s.involvement_id = v.involvement_id AND s.respondent_id = v_r.respondent_id))
                       ORDER BY v.started_on, v.involvement_ref)
              FROM rbp.involvement v JOIN rbp.team t ON t.team_id = v.team_id
             WHERE v.involvement_id IN (SELECT involvement_id FROM rbp.involvement WHERE family_id = v_r.family_id
                                        UNION SELECT involvement_id FROM rbp.invitation WHERE respondent_id = v_r.respondent_id)), '[]'),
        'invitations', coalesce((
            SELECT jsonb_agg(jsonb_build_object('involvement_ref', v.involvement_ref, 'channel', i.channel, 'questionnaire', ins.title,
                                                'issued_on', i.issued_on, 'expires_on', i.expires_on, 'used_on', i.used_on,
                                                'cancelled_on', i.cancelled_on, 'reminders_sent', i.reminders_sent)
                             ORDER BY i.issued_on, i.invitation_id)
              FROM rbp.invitation i JOIN rbp.involvement v ON v.involvement_id = i.involvement_id
              JOIN rbp.instrument ins ON ins.instrument_id = i.instrument_id
             WHERE i.respondent_id = v_r.respondent_id), '[]'),
        'named_responses', coalesce((
            SELECT jsonb_agg(jsonb_build_object(
                       'submitted_on', r.submitted_on, 'questionnaire', ins.title, 'channel', r.channel,
                       'about_worker', w.display_name, 'qa_status', r.qa_status,
                       'reviewed_in_supervision', EXISTS (SELECT FROM rbp.supervision_review sr WHERE sr.response_id = r.response_id),
                       'answers', (SELECT coalesce(jsonb_agg(jsonb_build_object('question', q.prompt,
                                                      'answer', coalesce(a.score::text, a.free_text)) ORDER BY q.position), '[]')
                                     FROM rbp.answer a JOIN rbp.question q ON q.question_id = a.question_id
                                    WHERE a.response_id = r.response_id))
                       ORDER BY r.submitted_on)
              FROM rbp.response r JOIN rbp.instrument ins ON ins.instrument_id = r.instrument_id
              LEFT JOIN rbp.staff w ON w.staff_id = r.worker_id
             WHERE r.respondent_id = v_r.respondent_id), '[]'),
        'not_included', 'Feedback given as worker_only or anonymous is by design not linked to the family member: it cannot be found or returned. QA notes and supervision review notes are not included here; see doc/data-protection.md.');
END
$$;
COMMENT ON FUNCTION rbp.subject_access(text, text) IS
    'QA of the authority (subject access request): everything held about a family member as one JSON document (record, family, involvements, schedule, choices, invitations, named responses with answers); worker-only and anonymous feedback is by design not theirs to find';

CREATE FUNCTION rbp.set_retention_policy(p_authority text, p_identifying_years integer) RETURNS void
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    v_authority integer := rbp.authority_id_of(p_authority);
BEGIN
    IF p_identifying_years IS NULL THEN
        DELETE FROM rbp.retention_policy WHERE authority_id = v_authority;
        RETURN;
    END IF;
    IF p_identifying_years NOT BETWEEN 1 AND 100 THEN
        RAISE EXCEPTION 'a retention period of % years is out of range', p_identifying_years
            USING ERRCODE = 'invalid_parameter_value', HINT = 'From 1 to 100 years after a family''s last involvement closed; NULL removes the policy.';
    END IF;
    INSERT INTO rbp.retention_policy (authority_id, identifying_years) VALUES (v_authority, p_identifying_years)
        ON CONFLICT (authority_id) DO UPDATE SET identifying_years = excluded.identifying_years, set_on = excluded.set_on;
END
$$;
COMMENT ON FUNCTION rbp.set_retention_policy(text, integer) IS
    'Administrator: erase an authority''s identifying data this many years after a family''s last involvement closed (applied by the daily rbp.apply_retention); NULL: no automatic erasure';

CREATE FUNCTION rbp.apply_retention(p_on date DEFAULT current_date) RETURNS integer
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    v_policy rbp.retention_policy;
    v_families integer[];
    v_involvements integer[];
    v_done record;
    v_inv_extra integer;
    v_resp_extra integer;
    v_total integer := 0;
BEGIN
    IF p_on IS NULL OR p_on > current_date THEN
        RAISE EXCEPTION 'retention is applied as of today or an earlier day, not %', p_on
            USING ERRCODE = 'invalid_parameter_value', HINT = 'Run it daily without an argument.';
    END IF;
    FOR v_policy IN SELECT * FROM rbp.retention_policy ORDER BY authority_id LOOP
        -- Families whose every involvement is closed, the last one more than the period ago.
        SELECT array_agg(family_id) INTO v_families
          FROM (SELECT v.family_id FROM rbp.involvement v
                 WHERE v.authority_id = v_policy.authority_id
                 GROUP BY v.family_id
                HAVING bool_and(v.closed_on IS NOT NULL)
                   AND max(v.closed_on) < (p_on - make_interval(years => v_policy.identifying_years))::date) f;
        SELECT array_agg(involvement_id) INTO v_involvements FROM rbp.involvement WHERE family_id = ANY (v_families);
        SELECT * INTO v_done FROM rbp.erase_respondents(ARRAY(SELECT respondent_id FROM rbp.respondent WHERE family_id = ANY (v_families)));
        -- What else identifies these families: their involvements, with named responses and
        -- invitations of members who have since moved to another family.
        DELETE FROM rbp.response WHERE involvement_id = ANY (v_involvements);
        GET DIAGNOSTICS v_resp_extra = ROW_COUNT;
        DELETE FROM rbp.invitation_schedule WHERE involvement_id = ANY (v_involvements);
        DELETE FROM rbp.invitation WHERE involvement_id = ANY (v_involvements);
        GET DIAGNOSTICS v_inv_extra = ROW_COUNT;
        DELETE FROM rbp.allocation WHERE involvement_id = ANY (v_involvements);
        DELETE FROM rbp.involvement WHERE involvement_id = ANY (v_involvements);
        DELETE FROM rbp.family WHERE family_id = ANY (v_families);
        INSERT INTO rbp.erasure_log (authority_id, erased_on, cause, families, people, involvements, invitations, responses)
        VALUES (v_policy.authority_id, p_on, 'retention', coalesce(cardinality(v_families), 0), v_done.people,
                coalesce(cardinality(v_involvements), 0), v_done.invitations + v_inv_extra, v_done.responses + v_resp_extra);
        v_total := v_total + v_done.people;
    END LOOP;
    RETURN v_total;
END
$$;
COMMENT ON FUNCTION rbp.apply_retention(date) IS
    'Daily job (rbp_admin): erase the families whose last involvement closed longer ago than their authority''s retention period, with their members, involvements, invitations and named responses; records one rbp.erasure_log row per authority; returns the number of people erased';

REVOKE ALL ON FUNCTION rbp.erase_person(text, text, date), rbp.subject_access(text, text),
    rbp.set_retention_policy(text, integer), rbp.apply_retention(date) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION rbp.erase_person(text, text, date), rbp.subject_access(text, text) TO rbp_qa;
GRANT EXECUTE ON FUNCTION rbp.set_retention_policy(text, integer), rbp.apply_retention(date) TO rbp_admin;
GRANT SELECT ON rbp.retention_policy, rbp.erasure_log TO rbp_admin, rbp_qa;
ALTER TABLE rbp.erasure_log ENABLE ROW LEVEL SECURITY;
CREATE POLICY erasure_log_admin ON rbp.erasure_log FOR SELECT TO rbp_admin USING (true);
COMMENT ON POLICY erasure_log_admin ON rbp.erasure_log IS 'The administrator reads the erasure log of every authority (counts only)';
CREATE POLICY erasure_log_qa ON rbp.erasure_log FOR SELECT TO rbp_qa
    USING (authority_id = ANY ((SELECT rbp.current_qa_authorities())::integer[]));
COMMENT ON POLICY erasure_log_qa ON rbp.erasure_log IS 'QA reads the erasure log of its own authority';

-- Backups: the new tables (and the sequence of erasure_log) are dumped with the data, as
-- sql/install/95_dump.sql does for every table of schema rbp in a fresh install.
SELECT pg_catalog.pg_extension_config_dump('rbp.retention_policy', '');
SELECT pg_catalog.pg_extension_config_dump('rbp.erasure_log', '');
SELECT pg_catalog.pg_extension_config_dump('rbp.erasure_log_erasure_id_seq', '');
