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
