-- Quality Assurance and supervision: QA of an authority collates named and worker-only feedback
-- before worker and supervisor see it (release, hold, escalate), themes the feedback, records
-- actions and what was told back; supervisors record their review. Withdrawing a name lives here
-- too, since QA acts on a family's request.

-- Internal: refuse unless the caller is in the QA team of the authority.
CREATE FUNCTION rbp.require_qa_of(p_authority_id integer) RETURNS void
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
REVOKE ALL ON FUNCTION rbp.require_qa_of(integer) FROM PUBLIC;

-- Internal: a named or worker-only response the caller may act on as QA, locked.
CREATE FUNCTION rbp.qa_response(p_response_id uuid) RETURNS rbp.response
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
REVOKE ALL ON FUNCTION rbp.qa_response(uuid) FROM PUBLIC;

CREATE FUNCTION rbp.qa_release(p_response_id uuid, p_on date DEFAULT current_date) RETURNS void
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

CREATE FUNCTION rbp.qa_hold(p_response_id uuid, p_reason text, p_escalate boolean DEFAULT false,
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

CREATE FUNCTION rbp.release_due_feedback(p_on date DEFAULT current_date) RETURNS void
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

CREATE FUNCTION rbp.record_supervision_review(p_response_id uuid, p_celebrated boolean,
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
COMMENT ON FUNCTION rbp.record_supervision_review(uuid, boolean, rbp.support_offer[], text, date) IS
    'Supervisor (or QA, for items routed to the QA team): record the supervision review of released feedback routed to you — celebrated, and support offered';

-- Withdrawing a name (G2): only towards more anonymity. The row, its answers, routes, review and
-- theme tags are deleted and the answers go through the holding area at the new level, like a
-- submission, to come back only in a later release batch under a fresh id (sql/install/40_anonymous.sql).
-- They are held as "seen" (readable under a name before): they join a batch but never count
-- towards its k.
CREATE FUNCTION rbp.withdraw_identity(p_response_id uuid, p_to rbp.anonymity) RETURNS void
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    v_response rbp.response;
    v_answers rbp.answer_input[];
BEGIN
    SELECT * INTO v_response FROM rbp.response WHERE response_id = p_response_id FOR UPDATE;
    IF v_response.response_id IS NULL
       OR NOT v_response.authority_id = ANY (rbp.current_qa_authorities()) THEN
        RAISE EXCEPTION 'no such response in your authority' USING ERRCODE = 'no_data_found';
    END IF;
    IF p_to IS NULL OR NOT rbp.anonymity_change_allowed(v_response.anonymity, p_to) THEN
        RAISE EXCEPTION 'anonymity can only move towards anonymous: % to % is not allowed', v_response.anonymity, p_to
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = 'named < worker_only < anonymous; a family''s name, once withdrawn, is never restored.';
    END IF;
    IF p_to = v_response.anonymity THEN
        RETURN;
    END IF;
    SELECT coalesce(array_agg(ROW(question_id, score, free_text)::rbp.answer_input ORDER BY question_id), '{}')
      INTO v_answers FROM rbp.answer WHERE response_id = p_response_id;
    DELETE FROM rbp.response WHERE response_id = p_response_id;
    -- A worker-only response carries no channel: it is held as online (a seen response's channel
    -- is never released nor counted).
    PERFORM rbp.hold_response(v_response.authority_id, v_response.instrument_id, v_response.respondent_kind,
                              coalesce(v_response.channel, 'online'),
                              CASE WHEN p_to = 'worker_only' THEN v_response.team_id END, v_response.worker_id,
                              p_to, true, v_answers, coalesce(v_response.submitted_on, v_response.period));
END
$$;
COMMENT ON FUNCTION rbp.withdraw_identity(uuid, rbp.anonymity) IS
    'QA, at a family''s request: make a response more anonymous (named -> worker_only -> anonymous); the response is deleted and its answers held, to be released in a later batch under a fresh id (never counted towards k); identifying data is removed for real and never restored';

-- Themes, actions and the feedback loop ("You said, we did").
CREATE FUNCTION rbp.create_theme(p_authority text, p_name text, p_description text DEFAULT NULL) RETURNS integer
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

CREATE FUNCTION rbp.tag_response(p_theme_id integer, p_response_id uuid) RETURNS void
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
COMMENT ON FUNCTION rbp.tag_response(integer, uuid) IS 'QA: tag a response of the authority with a theme';

CREATE FUNCTION rbp.record_action(p_authority text, p_description text, p_theme_id integer DEFAULT NULL,
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

CREATE FUNCTION rbp.set_action_status(p_action_id integer, p_status rbp.action_status, p_on date DEFAULT current_date)
    RETURNS void
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    v_action rbp.action;
BEGIN
    SELECT * INTO v_action FROM rbp.action WHERE action_id = p_action_id FOR UPDATE;
    IF v_action.action_id IS NULL OR NOT v_action.authority_id = ANY (rbp.current_qa_authorities()) THEN
        RAISE EXCEPTION 'no such action in your authority' USING ERRCODE = 'no_data_found';
    END IF;
    IF p_status < v_action.status THEN
        RAISE EXCEPTION 'an action moves forward only (recommended, agreed, done): % to % refused', v_action.status, p_status
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    UPDATE rbp.action
       SET status = p_status,
           agreed_on = CASE WHEN p_status >= 'agreed' THEN coalesce(agreed_on, p_on) END,
           done_on = CASE WHEN p_status = 'done' THEN coalesce(done_on, p_on) END
     WHERE action_id = p_action_id;
END
$$;
COMMENT ON FUNCTION rbp.set_action_status(integer, rbp.action_status, date) IS 'QA: move an action forward to agreed or done';

CREATE FUNCTION rbp.record_feedback_loop(p_action_id integer, p_audience rbp.feedback_audience, p_message text,
                                         p_told_on date DEFAULT current_date) RETURNS integer
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    v_authority integer;
    v_id integer;
BEGIN
    SELECT authority_id INTO v_authority FROM rbp.action WHERE action_id = p_action_id;
    IF v_authority IS NULL OR NOT v_authority = ANY (rbp.current_qa_authorities()) THEN
        RAISE EXCEPTION 'no such action in your authority' USING ERRCODE = 'no_data_found';
    END IF;
    INSERT INTO rbp.feedback_loop (action_id, audience, told_on, message)
    VALUES (p_action_id, p_audience, coalesce(p_told_on, current_date), p_message)
    RETURNING feedback_loop_id INTO v_id;
    RETURN v_id;
END
$$;
COMMENT ON FUNCTION rbp.record_feedback_loop(integer, rbp.feedback_audience, text, date) IS
    'QA: record what families or practitioners were told about an action ("You said, we did")';

CREATE FUNCTION rbp.record_focus_group(p_authority text, p_held_on date, p_audience rbp.feedback_audience,
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

REVOKE ALL ON FUNCTION rbp.qa_release(uuid, date), rbp.qa_hold(uuid, text, boolean, date), rbp.release_due_feedback(date),
    rbp.record_supervision_review(uuid, boolean, rbp.support_offer[], text, date), rbp.withdraw_identity(uuid, rbp.anonymity),
    rbp.create_theme(text, text, text), rbp.tag_response(integer, uuid), rbp.record_action(text, text, integer, date),
    rbp.set_action_status(integer, rbp.action_status, date), rbp.record_feedback_loop(integer, rbp.feedback_audience, text, date),
    rbp.record_focus_group(text, date, rbp.feedback_audience, integer, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION rbp.qa_release(uuid, date), rbp.qa_hold(uuid, text, boolean, date),
    rbp.create_theme(text, text, text), rbp.tag_response(integer, uuid), rbp.record_action(text, text, integer, date),
    rbp.set_action_status(integer, rbp.action_status, date), rbp.record_feedback_loop(integer, rbp.feedback_audience, text, date),
    rbp.record_focus_group(text, date, rbp.feedback_audience, integer, text) TO rbp_qa;
GRANT EXECUTE ON FUNCTION rbp.record_supervision_review(uuid, boolean, rbp.support_offer[], text, date) TO rbp_staff, rbp_qa;
GRANT EXECUTE ON FUNCTION rbp.withdraw_identity(uuid, rbp.anonymity) TO rbp_qa;
GRANT EXECUTE ON FUNCTION rbp.release_due_feedback(date) TO rbp_case_system, rbp_admin;
