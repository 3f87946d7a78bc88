-- Routing (guarantee G4): every named or worker-only response has exactly one responsible reviewer
-- at any time — the worker's supervisor in post, failing that the team's manager, failing that the
-- authority's QA team — until its supervision review is recorded. Never unrouted.

CREATE TYPE rbp.recipient AS (recipient_kind rbp.recipient_kind, recipient_id integer);
COMMENT ON TYPE rbp.recipient IS 'Who is responsible for reviewing an item: kind and staff_id (NULL for the QA team)';

-- PL/pgSQL so that its two lookups keep their plans for the session (a SQL function called from
-- PL/pgSQL is planned again in every transaction). At most one supervision of a worker and one
-- manager of a team cover a day (exclusion constraints).
CREATE FUNCTION rbp.responsible_for(p_worker_id integer, p_team_id integer, p_on date) RETURNS rbp.recipient
    LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    v_id integer;
BEGIN
    SELECT s.supervisor_id INTO v_id FROM rbp.supervision s
     WHERE s.worker_id = p_worker_id AND s.during @> p_on;
    IF FOUND THEN
        RETURN ROW('supervisor', v_id)::rbp.recipient;
    END IF;
    SELECT m.manager_id INTO v_id FROM rbp.team_manager m
     WHERE m.team_id = p_team_id AND m.during @> p_on AND m.manager_id <> p_worker_id;
    IF FOUND THEN
        RETURN ROW('team_manager', v_id)::rbp.recipient;
    END IF;
    RETURN ROW('qa_team', NULL)::rbp.recipient;
END
$$;
COMMENT ON FUNCTION rbp.responsible_for(integer, integer, date) IS
    'Internal: the supervisor in post for a worker on a date, else the team''s manager on that date unless that is the worker, else the QA team: never the worker';
REVOKE ALL ON FUNCTION rbp.responsible_for(integer, integer, date) FROM PUBLIC;

-- Rule "notify on becoming visible": when an item is visible to staff (rbp.visible_to_staff), its
-- current route is announced on rbp_feedback_routed, payload the random route_id only. Called when
-- QA releases an item and when a visible item moves to a new recipient; never for anything else.
CREATE FUNCTION rbp.notify_if_visible(p_response_id uuid) RETURNS boolean
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
REVOKE ALL ON FUNCTION rbp.notify_if_visible(uuid) FROM PUBLIC;

-- Internal: (re)route one response as of a date. Supersedes the current route if the responsible
-- reviewer changed; tells the case system (NOTIFY rbp_feedback_routed, payload: the random route_id
-- only) when the item is already visible to its new recipient.
CREATE FUNCTION rbp.route_response(p_response_id uuid, p_on date, p_reason text) RETURNS boolean
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
    -- A handover announces itself once per recipient (rbp.notify_handover), never item by item.
    IF p_reason <> 'supervision_change' THEN
        PERFORM rbp.notify_if_visible(p_response_id);
    END IF;
    RETURN true;
END
$$;
COMMENT ON FUNCTION rbp.route_response(uuid, date, text) IS 'Internal: route a named or worker-only response to whoever is responsible on a date, keeping the history; true when a new route was recorded (a supervision change notifies through rbp.notify_handover, not here)';

-- Rule "a handover notifies once per recipient": when open items move to new reviewers (a
-- supervision change), each new recipient is announced once on rbp_feedback_routed, payload the
-- random route_id of one of its newly visible items chosen by rbp.release_key() (pg_strong_random).
-- Any login may LISTEN: one notification per item would tell every listener how many open items a
-- worker has. The recipient reads its items through its own functions (rbp.my_inbox()).
CREATE FUNCTION rbp.notify_handover(p_moved uuid[]) RETURNS void
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    v_route uuid;
BEGIN
    FOR v_route IN
        SELECT DISTINCT ON (rt.authority_id, rt.recipient_kind, rt.recipient_id) rt.route_id
          FROM rbp.route rt JOIN rbp.response r ON r.response_id = rt.response_id
         WHERE rt.response_id = ANY (p_moved) AND rt.superseded_on IS NULL
           AND rbp.visible_to_staff(r.qa_status, r.anonymity)
         ORDER BY rt.authority_id, rt.recipient_kind, rt.recipient_id, rbp.release_key()
    LOOP
        PERFORM pg_notify('rbp_feedback_routed', v_route::text);
    END LOOP;
END
$$;
COMMENT ON FUNCTION rbp.notify_handover(uuid[]) IS
    'Internal rule "a handover notifies once per recipient": one NOTIFY rbp_feedback_routed per new recipient of the moved items visible to staff, payload the route id of one of them at random; no count';
REVOKE ALL ON FUNCTION rbp.notify_handover(uuid[]) FROM PUBLIC;
REVOKE ALL ON FUNCTION rbp.route_response(uuid, date, text) FROM PUBLIC;

-- Internal: the first route of a named or worker-only response that has none yet (a submission),
-- from the values the caller already has: nothing is read back, nothing to supersede or lock. The
-- caller announces it (rbp.notify_if_visible) if the response is already visible to staff.
CREATE FUNCTION rbp.route_new_response(p_response_id uuid, p_authority_id integer, p_worker_id integer,
                                       p_team_id integer, p_on date) RETURNS void
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    v_recipient rbp.recipient := rbp.responsible_for(p_worker_id, p_team_id, p_on);
BEGIN
    INSERT INTO rbp.route (response_id, authority_id, recipient_kind, recipient_id, routed_on, reason)
    VALUES (p_response_id, p_authority_id, v_recipient.recipient_kind, v_recipient.recipient_id, p_on, 'submission');
END
$$;
COMMENT ON FUNCTION rbp.route_new_response(uuid, integer, integer, integer, date) IS
    'Internal: record the first route of a new named or worker-only response from its authority, worker, team and date (the submission''s own values)';
REVOKE ALL ON FUNCTION rbp.route_new_response(uuid, integer, integer, integer, date) FROM PUBLIC;

-- Open items (no supervision review yet) follow supervision changes. Called by the registration
-- functions with today's date for the worker concerned, and meant to be called daily by a
-- scheduler (supervision registered ahead of time takes effect on its first day).
CREATE FUNCTION rbp.reroute_open_feedback(p_on date DEFAULT current_date, p_worker_id integer DEFAULT NULL)
    RETURNS void
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    v_response uuid;
    v_scope integer[] := rbp.acting_scope('case_system');
    v_moved uuid[] := '{}';
BEGIN
    PERFORM rbp.require_not_future(p_on, 'p_on');
    FOR v_response IN
        SELECT r.response_id FROM rbp.response r
         WHERE r.anonymity <> 'anonymous'
           AND (v_scope IS NULL OR r.authority_id = ANY (v_scope))
           AND (p_worker_id IS NULL OR r.worker_id = p_worker_id)
           AND NOT EXISTS (SELECT FROM rbp.supervision_review v WHERE v.response_id = r.response_id)
    LOOP
        IF rbp.route_response(v_response, p_on, 'supervision_change') THEN
            v_moved := v_moved || v_response;
        END IF;
    END LOOP;
    PERFORM rbp.notify_handover(v_moved);
END
$$;
COMMENT ON FUNCTION rbp.reroute_open_feedback(date, integer) IS
    'Move open (not yet reviewed) named and worker-only feedback of the authorities the caller acts for to whoever is responsible on the date (all workers, or one; not after today). Run daily from a scheduler. Returns nothing, and notifies once per new recipient (rbp.notify_handover), not per item: a per-worker count would tell how much feedback a worker has';
REVOKE ALL ON FUNCTION rbp.reroute_open_feedback(date, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION rbp.reroute_open_feedback(date, integer) TO rbp_case_system, rbp_admin;
