-- Issue 11, second part (the access helper): the rule "who may act for an authority" takes the kind
-- of work each call site acts as; no call acts "as any kind" any more (a login mapped only as a
-- report writer cannot drive the case system's calls); a NULL kind is "as an administrator". The
-- nightly release of held feedback acts only for the authorities the login serves. An authority's
-- safety rules, schedule and retention policies are read by its own QA only. Same definitions as
-- sql/install/25_identity.sql, 31_invitation.sql, 40_anonymous.sql, 50_schedule.sql,
-- 54_data_protection.sql, 70_language.sql, 71_safety.sql and 82_access_scope.sql.
CREATE OR REPLACE FUNCTION rbp.acting_scope(p_kind rbp.login_kind) RETURNS integer[]
    LANGUAGE plpgsql STABLE SECURITY DEFINER PARALLEL SAFE
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
COMMENT ON FUNCTION rbp.may_act_for(integer, rbp.login_kind) IS
    'Internal rule "who may act for an authority": administrators for all; other logins for the authorities an administrator mapped them to for this kind of work (a NULL kind: administrators only)';

-- The one-argument form acted "as any kind of work": gone. The kinds are now a list (VARIADIC), so
-- that a function of two kinds of login (rbp.schedule_status, rbp.next_focus_group) names both.
DROP FUNCTION rbp.authority_id_of(text);
DROP FUNCTION rbp.authority_id_of(text, rbp.login_kind);
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
COMMENT ON FUNCTION rbp.map_login(name, rbp.login_kind, text) IS
    'Administrator: let a case-system, QA or report-writer login (a member of the matching group role) serve an authority';

CREATE OR REPLACE FUNCTION rbp.unmap_login(p_login name, p_kind rbp.login_kind DEFAULT NULL, p_authority text DEFAULT NULL) RETURNS integer
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
COMMENT ON FUNCTION rbp.issue_invitation(text, text, text, rbp.invitation_channel, integer, date, text) IS
    'Case system: invite a family member to give feedback; returns the token for the link or QR code (shown once, only its hash is kept). The instrument follows the respondent''s kind unless named';

CREATE OR REPLACE FUNCTION rbp.add_support_option(p_authority text, p_kind rbp.support_kind, p_title text,
                                       p_how_to_reach text, p_is_allocated_worker boolean DEFAULT false,
                                       p_position integer DEFAULT 0) RETURNS integer
    LANGUAGE sql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
    INSERT INTO rbp.support_option (authority_id, kind, title, how_to_reach, is_allocated_worker, position)
    VALUES (rbp.authority_id_of(p_authority, NULL), p_kind, p_title, p_how_to_reach, p_is_allocated_worker, p_position)  -- NULL: as administrator
    RETURNING support_option_id
$$;
COMMENT ON FUNCTION rbp.add_support_option(text, rbp.support_kind, text, text, boolean, integer) IS
    'Administrator: add a practical or emotional support option shown on every survey of an authority';

CREATE OR REPLACE FUNCTION rbp.release_held_feedback(p_on date DEFAULT current_date) RETURNS void
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    v_group record;
    -- "who may act for an authority": an administrator releases for every authority, a case-system
    -- login (the nightly job) for those it is mapped to as the case system, an unmapped one for none
    v_scope integer[] := rbp.acting_scope('case_system');
BEGIN
    IF p_on IS NULL THEN
        RAISE EXCEPTION 'a release needs a date' USING ERRCODE = 'null_value_not_allowed';
    ELSIF p_on > current_date THEN
        RAISE EXCEPTION 'a release cannot be dated in the future (%)', p_on
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = 'The date gives the released batch its period; it is the day of the release or an earlier one.';
    END IF;
    FOR v_group IN
        SELECT DISTINCT anonymity, authority_id, instrument_id, respondent_kind,
               CASE WHEN anonymity = 'worker_only' THEN worker_id END AS worker_id
          FROM rbp.anonymous_holding
         WHERE v_scope IS NULL OR authority_id = ANY (v_scope)
    LOOP
        IF v_group.anonymity = 'anonymous' THEN
            PERFORM rbp.release_anonymous_group(v_group.authority_id, v_group.instrument_id, v_group.respondent_kind, p_on);
        ELSE
            PERFORM rbp.release_worker_only_group(v_group.authority_id, v_group.worker_id, v_group.instrument_id,
                                                  v_group.respondent_kind, p_on);
        END IF;
    END LOOP;
END
$$;
COMMENT ON FUNCTION rbp.release_held_feedback(date) IS
    'Scheduler or operator: release every held anonymous and worker-only batch whose guard allows it (doc/threat-model.md), of the authorities the login serves as the case system (administrators: all); returns nothing, so that no caller learns how much was held or released';

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
COMMENT ON FUNCTION rbp.schedule_status(text, text, text, date) IS
    'Where a family member''s schedule for an involvement stands on a date: not_due, due, overdue, paused, opted_out or closed, with its dates';

CREATE OR REPLACE FUNCTION rbp.change_preference(p_authority text, p_respondent_ref text, p_column text, p_value text)
    RETURNS void
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    v_respondent integer := rbp.respondent_id_of(rbp.authority_id_of(p_authority, 'case_system'), p_respondent_ref);
BEGIN
    INSERT INTO rbp.respondent_preference (respondent_id) VALUES (v_respondent) ON CONFLICT DO NOTHING;
    EXECUTE format('UPDATE rbp.respondent_preference SET %I = $1::%s WHERE respondent_id = $2', p_column,
                   CASE p_column WHEN 'cadence' THEN 'rbp.cadence' WHEN 'channel' THEN 'rbp.invitation_channel'
                                 WHEN 'reminders_opted_out' THEN 'boolean' ELSE 'date' END)
        USING p_value, v_respondent;
    PERFORM rbp.refresh_schedules(coalesce(array_agg(schedule_id), '{}')) FROM rbp.invitation_schedule WHERE respondent_id = v_respondent;
END
$$;
COMMENT ON FUNCTION rbp.change_preference(text, text, text, text) IS 'Internal: set one preference of a family member and recompute their schedules';

CREATE OR REPLACE FUNCTION rbp.record_stage(p_authority text, p_involvement_ref text, p_stage rbp.process_stage, p_from_on date)
    RETURNS void
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    v_authority integer := rbp.authority_id_of(p_authority, 'case_system');
BEGIN
    IF p_stage IS NULL OR p_from_on IS NULL THEN
        RAISE EXCEPTION 'a stage needs a name and a start date' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    INSERT INTO rbp.involvement_stage (involvement_id, authority_id, stage, from_on)
    VALUES (rbp.involvement_id_of(v_authority, p_involvement_ref), v_authority, p_stage, p_from_on)
    ON CONFLICT (involvement_id, from_on) DO UPDATE SET stage = excluded.stage;
END
$$;
COMMENT ON FUNCTION rbp.record_stage(text, text, rbp.process_stage, date) IS
    'Case system: record a change of process stage (assessment, child in need, child protection, looked after); it never moves a due date';

CREATE OR REPLACE FUNCTION rbp.set_schedule_policy(p_authority text,
                                        p_invitation_cadence rbp.cadence DEFAULT NULL,
                                        p_first_invitation_within_days integer DEFAULT NULL,
                                        p_closure_follow_up rbp.cadence DEFAULT NULL,
                                        p_max_reminders integer DEFAULT NULL,
                                        p_reminder_after_days integer DEFAULT NULL,
                                        p_default_channel rbp.invitation_channel DEFAULT NULL,
                                        p_focus_group_cadence rbp.cadence DEFAULT NULL,
                                        p_focus_groups_from date DEFAULT NULL) RETURNS rbp.schedule_policy
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    v_authority integer := rbp.authority_id_of(p_authority, NULL);  -- NULL: as administrator
    v_policy rbp.schedule_policy;
BEGIN
    INSERT INTO rbp.schedule_policy (authority_id) SELECT v_authority
     WHERE NOT EXISTS (SELECT FROM rbp.schedule_policy WHERE authority_id = v_authority) ON CONFLICT DO NOTHING;
    BEGIN
        UPDATE rbp.schedule_policy
           SET invitation_cadence = coalesce(p_invitation_cadence, invitation_cadence),
               first_invitation_within_days = coalesce(p_first_invitation_within_days, first_invitation_within_days),
               closure_follow_up = coalesce(p_closure_follow_up, closure_follow_up),
               max_reminders = coalesce(p_max_reminders, max_reminders),
               reminder_after_days = coalesce(p_reminder_after_days, reminder_after_days),
               default_channel = coalesce(p_default_channel, default_channel),
               focus_group_cadence = coalesce(p_focus_group_cadence, focus_group_cadence),
               focus_groups_from = coalesce(p_focus_groups_from, focus_groups_from)
         WHERE authority_id = v_authority
        RETURNING * INTO v_policy;
    EXCEPTION WHEN check_violation THEN
        RAISE EXCEPTION 'schedule policy of "%" out of range', p_authority
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = 'First invitation within 0 to 366 days, 0 to 10 reminders, reminders after 1 to 366 days.';
    END;
    PERFORM rbp.refresh_schedules(NULL, v_authority);
    RETURN v_policy;
END
$$;
COMMENT ON FUNCTION rbp.set_schedule_policy(text, rbp.cadence, integer, rbp.cadence, integer, integer, rbp.invitation_channel, rbp.cadence, date) IS
    'Administrator: change an authority''s invitation rhythm (NULL arguments keep the current value); every schedule of the authority is recomputed';

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
COMMENT ON FUNCTION rbp.next_focus_group(text, date) IS
    'When the authority''s next focus group is due: the focus-group cadence counted from the last session held on or before the date (or from focus_groups_from)';

CREATE OR REPLACE FUNCTION rbp.set_retention_policy(p_authority text, p_identifying_years integer) RETURNS void
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    v_authority integer := rbp.authority_id_of(p_authority, NULL);  -- NULL: as administrator
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

CREATE OR REPLACE FUNCTION rbp.set_authority_language(p_authority text, p_default_language rbp.language_tag) RETURNS void
    LANGUAGE sql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
    INSERT INTO rbp.authority_language (authority_id, default_language)
    VALUES (rbp.authority_id_of(p_authority, NULL), coalesce(p_default_language, 'en'))  -- NULL: as administrator
    ON CONFLICT (authority_id) DO UPDATE SET default_language = excluded.default_language
$$;
COMMENT ON FUNCTION rbp.set_authority_language(text, rbp.language_tag) IS
    'Administrator: the language an authority''s forms open in (e.g. cy for a Welsh council) when available and the family has not chosen';

CREATE OR REPLACE FUNCTION rbp.set_safety_rule(p_authority text, p_question_code text, p_at_or_below integer,
                                    p_instrument text DEFAULT 'children_young_people') RETURNS void
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    v_authority integer := rbp.authority_id_of(p_authority, 'qa');
    v_points integer;
BEGIN
    IF NOT pg_has_role(rbp.calling_role(), 'rbp_admin', 'MEMBER') THEN
        PERFORM rbp.require_qa_of(v_authority);
    END IF;
    SELECT max(q.scale_points) INTO v_points FROM rbp.question q JOIN rbp.instrument i USING (instrument_id)
     WHERE i.code = p_instrument AND q.code = p_question_code AND q.kind = 'scale'
       AND 'child_young_person' = ANY (i.respondent_kinds);
    IF v_points IS NULL THEN
        RAISE EXCEPTION 'no dial "%" in a children''s instrument "%"', p_question_code, p_instrument
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'A safety rule watches a scale question of an instrument for children and young people.';
    END IF;
    IF p_at_or_below IS NULL OR p_at_or_below NOT BETWEEN 0 AND v_points - 1 THEN
        RAISE EXCEPTION 'the level must be between 0 (never) and % for a %-point dial', v_points - 1, v_points
            USING ERRCODE = 'numeric_value_out_of_range';
    END IF;
    INSERT INTO rbp.safety_rule (authority_id, instrument_code, question_code, at_or_below)
    VALUES (v_authority, p_instrument, p_question_code, p_at_or_below)
    ON CONFLICT (authority_id, instrument_code, question_code) DO UPDATE SET at_or_below = excluded.at_or_below;
END
$$;
COMMENT ON FUNCTION rbp.set_safety_rule(text, text, integer, text) IS
    'Administrator or QA of the authority: watch a dial (question code) at or below a level (0 switches it off); dial_safe is watched at 3 until set';

-- An authority's settings are read by the QA of that authority and by administrators, not by the
-- QA of another authority nor by a QA login nobody mapped (issue 11; found by the per-object access
-- matrix, test/sql/36_access_coverage.sql). The safety rules say which answers of a child raise a
-- safeguarding signal; the schedule and retention policies how an authority treats its families.
-- Functions of the extension read these tables as their owner and are not affected.
ALTER TABLE rbp.safety_rule ENABLE ROW LEVEL SECURITY;
CREATE POLICY safety_rule_admin ON rbp.safety_rule FOR SELECT TO rbp_admin USING (true);
COMMENT ON POLICY safety_rule_admin ON rbp.safety_rule IS 'The administrator reads the safety rules of every authority';
CREATE POLICY safety_rule_qa ON rbp.safety_rule FOR SELECT TO rbp_qa
    USING (authority_id = ANY ((SELECT rbp.current_qa_authorities())::integer[]));
COMMENT ON POLICY safety_rule_qa ON rbp.safety_rule IS 'QA reads the safety rules of its own authorities';

ALTER TABLE rbp.schedule_policy ENABLE ROW LEVEL SECURITY;
CREATE POLICY schedule_policy_admin ON rbp.schedule_policy FOR SELECT TO rbp_admin USING (true);
COMMENT ON POLICY schedule_policy_admin ON rbp.schedule_policy IS 'The administrator reads the schedule policy of every authority';
CREATE POLICY schedule_policy_qa ON rbp.schedule_policy FOR SELECT TO rbp_qa
    USING (authority_id = ANY ((SELECT rbp.current_qa_authorities())::integer[]));
COMMENT ON POLICY schedule_policy_qa ON rbp.schedule_policy IS 'QA reads the schedule policy of its own authorities';

ALTER TABLE rbp.retention_policy ENABLE ROW LEVEL SECURITY;
CREATE POLICY retention_policy_admin ON rbp.retention_policy FOR SELECT TO rbp_admin USING (true);
COMMENT ON POLICY retention_policy_admin ON rbp.retention_policy IS 'The administrator reads the retention policy of every authority';
CREATE POLICY retention_policy_qa ON rbp.retention_policy FOR SELECT TO rbp_qa
    USING (authority_id = ANY ((SELECT rbp.current_qa_authorities())::integer[]));
COMMENT ON POLICY retention_policy_qa ON rbp.retention_policy IS 'QA reads the retention policy of its own authorities';
