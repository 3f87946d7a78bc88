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
COMMENT ON FUNCTION rbp.end_team_manager(text, text, date) IS
    'Case system: end the management of a team that covers the given day, on that day (inclusive); sending it again changes nothing';

CREATE FUNCTION rbp.hand_over_supervision(p_authority text, p_worker_ref text, p_new_supervisor_ref text,
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
