-- Durability (issue 12): nothing a restore can lose or duplicate.
--
-- 1. Which questionnaire version is current is derived (rbp.is_current(), the highest version of
--    its code) instead of a flag updated on the seeded row, so the seed that CREATE EXTENSION
--    re-creates on a restore is exactly the row the dump left out.
DROP INDEX rbp.instrument_one_current;
ALTER TABLE rbp.instrument DROP COLUMN is_current;
COMMENT ON COLUMN rbp.instrument.is_seed IS 'Installed by the extension script (left out of pg_dump, which re-creates it); never updated: which version is current is derived (rbp.is_current())';
CREATE FUNCTION rbp.is_current(p_instrument rbp.instrument) RETURNS boolean
    LANGUAGE sql STABLE STRICT SECURITY DEFINER PARALLEL SAFE
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
    SELECT NOT EXISTS (SELECT FROM rbp.instrument n WHERE n.code = (p_instrument).code AND n.version > (p_instrument).version)
$$;
COMMENT ON FUNCTION rbp.is_current(rbp.instrument) IS
    'Whether an instrument is the current version of its questionnaire (the highest version of its code): the one new invitations use';
REVOKE ALL ON FUNCTION rbp.is_current(rbp.instrument) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION rbp.is_current(rbp.instrument) TO rbp_admin, rbp_qa, rbp_staff, rbp_report_writer;

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
COMMENT ON FUNCTION rbp.publish_instrument_version(text, text, text, rbp.respondent_kind[], jsonb) IS
    'Administrator: publish the next version of a questionnaire (questions in order as a JSON array); it becomes current for new invitations';
CREATE OR REPLACE FUNCTION rbp.issue_invitation(p_authority text, p_involvement_ref text, p_respondent_ref text,
                                     p_channel rbp.invitation_channel, p_valid_days integer DEFAULT 28,
                                     p_issued_on date DEFAULT current_date, p_instrument text DEFAULT NULL)
    RETURNS text
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    v_authority integer := rbp.authority_id_of(p_authority);
    v_involvement rbp.involvement;
    v_respondent rbp.respondent;
    v_instrument rbp.instrument;
    v_token text;
BEGIN
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

-- 2. Schedules are restored exactly, with the triggers off (session_replication_role = replica);
--    the triggers no longer guess a restore from the text of current_query().
CREATE OR REPLACE FUNCTION rbp.schedule_on_authority_insert() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
BEGIN
    INSERT INTO rbp.schedule_policy (authority_id)
    SELECT n.authority_id FROM new_rows n
     WHERE NOT EXISTS (SELECT FROM rbp.schedule_policy p WHERE p.authority_id = n.authority_id)
        ON CONFLICT (authority_id) DO NOTHING;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION rbp.schedule_on_authority_insert() IS 'Trigger: a new authority gets the default schedule policy';

CREATE OR REPLACE FUNCTION rbp.schedule_on_involvement_insert() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
BEGIN
    INSERT INTO rbp.invitation_schedule (authority_id, involvement_id, respondent_id, phase, anchor_on,
                                         due_on, overdue_on, next_due_on, reminder_due_on)
    SELECT x.authority_id, x.involvement_id, x.respondent_id, x.phase, x.anchor_on,
           (x.d).due_on, (x.d).overdue_on, (x.d).next_due_on, (x.d).reminder_due_on
      FROM (SELECT n.authority_id, n.involvement_id, r.respondent_id, ph.phase, ph.anchor_on,
                   rbp.schedule_dates(ph.phase, ph.anchor_on, NULL, pol, p, NULL) AS d
              FROM new_rows n
              JOIN rbp.respondent r ON r.family_id = n.family_id AND r.authority_id = n.authority_id
              JOIN rbp.schedule_policy pol ON pol.authority_id = n.authority_id
              LEFT JOIN rbp.respondent_preference p ON p.respondent_id = r.respondent_id
              CROSS JOIN LATERAL (SELECT CASE WHEN n.closed_on IS NULL THEN 'first' ELSE 'done' END::rbp.schedule_phase AS phase,
                                         coalesce(n.closed_on, n.started_on) AS anchor_on) ph) x
    ON CONFLICT (involvement_id, respondent_id) DO NOTHING;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION rbp.schedule_on_involvement_insert() IS 'Trigger: each family member of a new involvement is due a first invitation from its first day (nothing for an involvement loaded already closed)';

CREATE OR REPLACE FUNCTION rbp.schedule_on_respondent_insert() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
BEGIN
    INSERT INTO rbp.invitation_schedule (authority_id, involvement_id, respondent_id, phase, anchor_on,
                                         due_on, overdue_on, next_due_on, reminder_due_on)
    SELECT x.authority_id, x.involvement_id, x.respondent_id, 'first', x.started_on,
           (x.d).due_on, (x.d).overdue_on, (x.d).next_due_on, (x.d).reminder_due_on
      FROM (SELECT v.authority_id, v.involvement_id, n.respondent_id, v.started_on,
                   rbp.schedule_dates('first', v.started_on, NULL, pol, p, NULL) AS d
              FROM new_rows n
              JOIN rbp.involvement v ON v.family_id = n.family_id AND v.authority_id = n.authority_id AND v.closed_on IS NULL
              JOIN rbp.schedule_policy pol ON pol.authority_id = v.authority_id
              LEFT JOIN rbp.respondent_preference p ON p.respondent_id = n.respondent_id) x
    ON CONFLICT (involvement_id, respondent_id) DO NOTHING;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION rbp.schedule_on_respondent_insert() IS 'Trigger: a family member registered during an open involvement gets a schedule for it';

CREATE OR REPLACE FUNCTION rbp.schedule_check_invitation() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    v_pref rbp.respondent_preference;
BEGIN
    SELECT * INTO v_pref FROM rbp.respondent_preference WHERE respondent_id = NEW.respondent_id;
    IF v_pref.opted_out_on IS NOT NULL THEN
        RAISE EXCEPTION 'this family member asked for no more invitations (since %)', v_pref.opted_out_on
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'Only they can change that: record it with rbp.opt_in_to_invitations().';
    END IF;
    IF NEW.issued_on < v_pref.paused_until THEN
        RAISE EXCEPTION 'invitations to this family member are paused until %', v_pref.paused_until
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'End the pause first with rbp.pause_invitations(..., NULL) if they asked for it.';
    END IF;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION rbp.schedule_check_invitation() IS 'Trigger: refuse an invitation to a family member who opted out or paused (55000)';

CREATE OR REPLACE FUNCTION rbp.schedule_on_invitation_insert() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
BEGIN
    -- One step per schedule even if a statement issued several invitations to the same member.
    WITH latest AS (
        SELECT DISTINCT ON (n.involvement_id, n.respondent_id) ROW(n.*)::rbp.invitation AS inv, n.involvement_id, n.respondent_id,
               count(*) OVER (PARTITION BY n.involvement_id, n.respondent_id) AS issued
          FROM new_rows n
         ORDER BY n.involvement_id, n.respondent_id, n.issued_on DESC, n.invitation_id DESC),
    moved AS (
        SELECT s.schedule_id, l.inv, l.issued,
               CASE WHEN s.phase IN ('first', 'regular') THEN 'regular' ELSE 'done' END::rbp.schedule_phase AS phase,
               CASE WHEN s.phase IN ('first', 'regular') THEN (l.inv).issued_on ELSE s.anchor_on END AS anchor_on,
               pol, p
          FROM latest l
          JOIN rbp.invitation_schedule s ON s.involvement_id = l.involvement_id AND s.respondent_id = l.respondent_id
          JOIN rbp.schedule_policy pol ON pol.authority_id = s.authority_id
          LEFT JOIN rbp.respondent_preference p ON p.respondent_id = s.respondent_id),
    computed AS (
        SELECT m.schedule_id, m.inv, m.issued, m.phase, m.anchor_on,
               rbp.schedule_dates(m.phase, m.anchor_on, NULL, m.pol, m.p, m.inv) AS d
          FROM moved m)
    UPDATE rbp.invitation_schedule s
       SET phase = c.phase, anchor_on = c.anchor_on,
           invitations_issued = s.invitations_issued + c.issued,
           last_invitation_id = (c.inv).invitation_id, last_reminder_on = NULL,
           due_on = (c.d).due_on, overdue_on = (c.d).overdue_on,
           next_due_on = (c.d).next_due_on, reminder_due_on = (c.d).reminder_due_on
      FROM computed c
     WHERE s.schedule_id = c.schedule_id;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION rbp.schedule_on_invitation_insert() IS
    'Trigger: an issued invitation moves its schedule on (first to regular, follow-up to done; the next window counts from the issue date)';

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
    v_authority integer := rbp.authority_id_of(p_authority);
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

CREATE OR REPLACE FUNCTION rbp.refresh_all_schedules() RETURNS bigint
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    v_added bigint;
BEGIN
    INSERT INTO rbp.schedule_policy (authority_id)
    SELECT a.authority_id FROM rbp.authority a
     WHERE NOT EXISTS (SELECT FROM rbp.schedule_policy p WHERE p.authority_id = a.authority_id)
        ON CONFLICT DO NOTHING;
    WITH missing AS (
        SELECT v.authority_id, v.involvement_id, r.respondent_id, v.started_on, v.closed_on,
               (SELECT i FROM rbp.invitation i WHERE i.involvement_id = v.involvement_id AND i.respondent_id = r.respondent_id
                 ORDER BY i.issued_on DESC, i.invitation_id DESC LIMIT 1) AS last_inv,
               (SELECT count(*) FROM rbp.invitation i WHERE i.involvement_id = v.involvement_id AND i.respondent_id = r.respondent_id) AS issued
          FROM rbp.involvement v
          JOIN rbp.respondent r ON r.family_id = v.family_id AND r.authority_id = v.authority_id
         WHERE NOT EXISTS (SELECT FROM rbp.invitation_schedule s WHERE s.involvement_id = v.involvement_id AND s.respondent_id = r.respondent_id)),
    added AS (
        INSERT INTO rbp.invitation_schedule (authority_id, involvement_id, respondent_id, phase, anchor_on,
                                             invitations_issued, last_invitation_id)
        SELECT m.authority_id, m.involvement_id, m.respondent_id,
               CASE WHEN m.closed_on IS NOT NULL THEN 'done' WHEN m.last_inv IS NULL THEN 'first' ELSE 'regular' END::rbp.schedule_phase,
               CASE WHEN m.closed_on IS NOT NULL THEN m.closed_on ELSE coalesce((m.last_inv).issued_on, m.started_on) END,
               m.issued, (m.last_inv).invitation_id
          FROM missing m
        RETURNING 1)
    SELECT count(*) INTO v_added FROM added;
    PERFORM rbp.refresh_schedules(NULL);
    RETURN v_added;
END
$$;
COMMENT ON FUNCTION rbp.refresh_all_schedules() IS
    'Administrator, after a bulk load with the triggers off: create the schedules the triggers would have created (open involvements: due from their start or last invitation; involvements loaded closed: done) and recompute every date; returns the number created, 0 when called again';

DROP FUNCTION rbp.loading_by_copy();

-- 3. A restore run with the triggers on is refused loudly.
CREATE FUNCTION rbp.refuse_trigger_restore() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    v_copied boolean;
BEGIN
    IF TG_TABLE_NAME = 'schedule_policy' THEN
        -- The API creates an authority's policy only when it has none.
        v_copied := EXISTS (SELECT FROM rbp.schedule_policy WHERE authority_id = NEW.authority_id);
    ELSE
        -- The API creates schedules only with an id drawn from their sequence by this very insert;
        -- a row that brings its own id is a copy.
        BEGIN
            v_copied := NEW.schedule_id IS DISTINCT FROM pg_catalog.currval('rbp.invitation_schedule_schedule_id_seq');
        EXCEPTION WHEN object_not_in_prerequisite_state THEN    -- no id drawn in this session yet
            v_copied := true;
        END;
    END IF;
    IF v_copied THEN
        RAISE EXCEPTION 'feedback_rbp data is being loaded with the extension''s triggers on'
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = format('rbp.%s is derived by the extension''s triggers from the rows loaded before it; loading the dumped copy too would duplicate or contradict it.', TG_TABLE_NAME),
                  HINT = 'Restore into a new database with the triggers off: PGOPTIONS=''-c session_replication_role=replica'' pg_restore --exit-on-error ... (or psql -v ON_ERROR_STOP=1 for a plain dump); see doc/dba.md, Backups.';
    END IF;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION rbp.refuse_trigger_restore() IS
    'Trigger: refuse (55000) a copied row of a derived table (a schedule policy for an authority that has one, a schedule that brings its own id): a restore run with the triggers on';
CREATE TRIGGER refuse_trigger_restore BEFORE INSERT ON rbp.schedule_policy
    FOR EACH ROW EXECUTE FUNCTION rbp.refuse_trigger_restore();
COMMENT ON TRIGGER refuse_trigger_restore ON rbp.schedule_policy IS
    'Refuses a restore run with the triggers on (the dumped policy would duplicate the default just derived)';
CREATE TRIGGER refuse_trigger_restore BEFORE INSERT ON rbp.invitation_schedule
    FOR EACH ROW EXECUTE FUNCTION rbp.refuse_trigger_restore();
COMMENT ON TRIGGER refuse_trigger_restore ON rbp.invitation_schedule IS
    'Refuses a restore run with the triggers on (the dumped schedule would duplicate the one just derived)';
