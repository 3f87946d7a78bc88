-- Invitations and submissions: the case system issues an invitation (a token for a link, QR code,
-- text, email or interview); survey intake shows the questions, glossary and support options, and
-- submits the answers with the family's anonymity choice.

-- One validated answer, as the submission path carries it before it is stored.
CREATE TYPE rbp.answer_input AS (question_id integer, score rbp.likert, free_text text);
COMMENT ON TYPE rbp.answer_input IS 'Internal: one validated answer on its way from rbp.submit_response() to storage';

-- PL/pgSQL rather than SQL: the body cannot be inlined (convert_to is only stable), and a SQL
-- function called from PL/pgSQL is planned again in every transaction; this one keeps its plan.
CREATE FUNCTION rbp.token_hash(p_token text) RETURNS bytea
    LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
    AS $$ BEGIN RETURN pg_catalog.sha256(pg_catalog.convert_to(p_token, 'UTF8')); END $$;
COMMENT ON FUNCTION rbp.token_hash(text) IS 'The SHA-256 under which an invitation token is stored';

CREATE FUNCTION rbp.issue_invitation(p_authority text, p_involvement_ref text, p_respondent_ref text,
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

-- Internal: the open invitation of a token, locked, or one clear error.
CREATE FUNCTION rbp.open_invitation(p_token text, p_on date) RETURNS rbp.invitation
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    v_invitation rbp.invitation;
BEGIN
    PERFORM rbp.required(p_token, 'p_token');
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
REVOKE ALL ON FUNCTION rbp.open_invitation(text, date) FROM PUBLIC;

CREATE FUNCTION rbp.survey_questions(p_token text)
    RETURNS TABLE (question_position integer, question_code text, kind rbp.question_kind, prompt text, scale_points integer)
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    v_instrument integer;
BEGIN
    PERFORM rbp.required(p_token, 'p_token');
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

-- Internal: the error of one refused answer (validate_answers calls it from its query, in the
-- order of the question codes, so the first refused answer is the one reported).
CREATE FUNCTION rbp.refuse_answer(p_problem text, p_key text, p_value jsonb, p_points integer) RETURNS rbp.answer_input
    LANGUAGE plpgsql IMMUTABLE
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
BEGIN
    CASE p_problem
    WHEN 'unknown' THEN
        RAISE EXCEPTION 'unknown question "%" for this questionnaire', p_key
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'rbp.survey_questions(token) lists the question codes.';
    WHEN 'out_of_range' THEN
        RAISE EXCEPTION 'answer % to "%" is out of range', p_value, p_key
            USING ERRCODE = 'numeric_value_out_of_range',
                  DETAIL = format('Scores are whole numbers from 1 to %s.', p_points);
    WHEN 'not_a_score' THEN
        RAISE EXCEPTION 'answer to "%" must be a score', p_key USING ERRCODE = 'invalid_parameter_value';
    WHEN 'not_text' THEN
        RAISE EXCEPTION 'answer to "%" must be text', p_key USING ERRCODE = 'invalid_parameter_value';
    WHEN 'too_long' THEN
        RAISE EXCEPTION 'answer to "%" is too long: % characters, at most % are accepted', p_key, length(btrim(p_value #>> '{}')), rbp.free_text_max_chars()
            USING ERRCODE = 'string_data_right_truncation',
                  HINT = 'Shorten the answer; nothing was stored.';
    END CASE;
END
$$;
COMMENT ON FUNCTION rbp.refuse_answer(text, text, jsonb, integer) IS
    'Internal: raise the error of one refused answer (unknown question 22023, score out of range 22003, not a score or not text 22023, free text too long 22001)';
REVOKE ALL ON FUNCTION rbp.refuse_answer(text, text, jsonb, integer) FROM PUBLIC;

-- Internal: turn the submitted jsonb object {question_code: answer} into validated answers, in one
-- query: every answer joined to its question, in the order of the codes (a subquery with ORDER BY
-- is never flattened, so the first refused code raises its error first, as a loop over the sorted
-- codes would); skipped (null or blank) answers are filtered out before anything is converted.
CREATE FUNCTION rbp.validate_answers(p_instrument_id integer, p_answers jsonb) RETURNS rbp.answer_input[]
    LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    v_result rbp.answer_input[];
BEGIN
    IF p_answers IS NULL OR jsonb_typeof(p_answers) <> 'object' THEN
        RAISE EXCEPTION 'answers must be a JSON object keyed by question code'
            USING ERRCODE = 'invalid_parameter_value', HINT = 'For example {"q2_trust": 4, "q7_anything_else": "..."}';
    END IF;
    SELECT coalesce(array_agg(
               CASE
               WHEN a.question_id IS NULL THEN rbp.refuse_answer('unknown', a.key, a.value, NULL)
               WHEN a.kind = 'scale' AND a.type = 'number' THEN
                   CASE WHEN a.value::numeric <> trunc(a.value::numeric) OR a.value::numeric NOT BETWEEN 1 AND a.points
                        THEN rbp.refuse_answer('out_of_range', a.key, a.value, a.points)
                        ELSE ROW(a.question_id, (((a.value::numeric)::integer || '/' || a.points)::rbp.likert), NULL)::rbp.answer_input END
               WHEN a.kind = 'scale' AND a.type = 'string' THEN
                   ROW(a.question_id,
                       rbp.likert_on_scale((CASE WHEN a.points <> 5 AND a.trimmed ~ '^[0-9]+$' THEN a.trimmed || '/' || a.points
                                                 ELSE a.value #>> '{}' END)::rbp.likert, a.points, a.key),
                       NULL)::rbp.answer_input
               WHEN a.kind = 'scale' THEN rbp.refuse_answer('not_a_score', a.key, a.value, a.points)
               WHEN a.type <> 'string' THEN rbp.refuse_answer('not_text', a.key, a.value, NULL)
               WHEN length(a.trimmed) > rbp.free_text_max_chars() THEN rbp.refuse_answer('too_long', a.key, a.value, NULL)
               ELSE ROW(a.question_id, NULL, a.trimmed)::rbp.answer_input
               END)
             FILTER (WHERE a.question_id IS NULL OR NOT (a.type = 'null' OR (a.type = 'string' AND a.trimmed = ''))), '{}')
      INTO v_result
      FROM (SELECT e.key, e.value, jsonb_typeof(e.value) AS type, btrim(e.value #>> '{}') AS trimmed,
                   q.question_id, q.kind, q.scale_points AS points
              FROM jsonb_each(p_answers) AS e
              LEFT JOIN rbp.question q ON q.instrument_id = p_instrument_id AND q.code = e.key
             ORDER BY e.key) AS a;
    -- Every submission must fit the fixed size of a held one, whatever level it chose (22001).
    PERFORM rbp.held_payload(v_result);
    RETURN v_result;
END
$$;
COMMENT ON FUNCTION rbp.validate_answers(integer, jsonb) IS
    'Internal: validate {question_code: answer} against an instrument in one query (unknown question 22023, score out of range 22003, free text longer than rbp.free_text_max_chars() or answers larger than rbp.held_payload_bytes() 22001, empty and null answers skipped)';
REVOKE ALL ON FUNCTION rbp.validate_answers(integer, jsonb) FROM PUBLIC;

CREATE FUNCTION rbp.likert_on_scale(p_value rbp.likert, p_points integer, p_question text) RETURNS rbp.likert
    LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
BEGIN
    IF rbp.likert_points(p_value) <> p_points THEN
        RAISE EXCEPTION 'answer % to "%" is not on its %-point scale', p_value, p_question, p_points
            USING ERRCODE = 'numeric_value_out_of_range';
    END IF;
    RETURN p_value;
END
$$;
COMMENT ON FUNCTION rbp.likert_on_scale(rbp.likert, integer, text) IS 'Internal: a score checked against the number of points of its question';
REVOKE ALL ON FUNCTION rbp.likert_on_scale(rbp.likert, integer, text) FROM PUBLIC;

-- Internal: the worker allocated to an involvement on a date; after the involvement (feedback
-- stays possible), the most recent allocation before that date.
-- PL/pgSQL so that its plan is kept for the session (a SQL function is planned again in every
-- transaction that calls it from PL/pgSQL).
CREATE FUNCTION rbp.worker_on(p_involvement_id integer, p_on date) RETURNS integer
    LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    v_worker integer;
BEGIN
    SELECT worker_id INTO v_worker FROM rbp.allocation
     WHERE involvement_id = p_involvement_id AND lower(during) <= p_on
     ORDER BY during @> p_on DESC, lower(during) DESC
     LIMIT 1;
    RETURN v_worker;
END
$$;
COMMENT ON FUNCTION rbp.worker_on(integer, date) IS 'Internal: the worker allocated to an involvement on a date, or the most recent one before it';
REVOKE ALL ON FUNCTION rbp.worker_on(integer, date) FROM PUBLIC;

CREATE FUNCTION rbp.submit_response(p_token text, p_anonymity rbp.anonymity, p_answers jsonb,
                                    p_channel rbp.response_channel DEFAULT 'online',
                                    p_give_team boolean DEFAULT false,
                                    p_submitted_on date DEFAULT current_date) RETURNS void
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    v_invitation rbp.invitation;
    v_kind rbp.respondent_kind;
    v_instrument_id integer;
    v_instrument_code text;
    v_instrument_kinds rbp.respondent_kind[];
    v_answers rbp.answer_input[];
    v_team integer;
    v_worker integer;
    v_response uuid;
BEGIN
    IF p_anonymity IS NULL OR p_channel IS NULL OR p_submitted_on IS NULL THEN
        RAISE EXCEPTION 'a response needs an anonymity level, a channel and a date'
            USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF p_submitted_on > current_date THEN
        RAISE EXCEPTION 'a response cannot be submitted in the future (%)', p_submitted_on
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    -- The invitation records that it was used, and the date only: nothing that points at the response.
    -- One statement finds, locks and marks an open invitation; if none matched, rbp.open_invitation
    -- raises the error of the token (unknown, cancelled, used, expired), else it was issued after the date.
    -- Everything below that fails rolls this back with it.
    UPDATE rbp.invitation SET used_on = p_submitted_on
     WHERE token_hash = rbp.token_hash(coalesce(p_token, '')) AND used_on IS NULL AND cancelled_on IS NULL
       AND expires_on >= p_submitted_on AND issued_on <= p_submitted_on
    RETURNING * INTO v_invitation;
    IF NOT FOUND THEN
        v_invitation := rbp.open_invitation(p_token, p_submitted_on);
        RAISE EXCEPTION 'a response cannot be dated before its invitation was issued'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    -- Respondent kind, instrument and team in one query.
    SELECT r.kind, i.instrument_id, i.code, i.respondent_kinds, v.team_id
      INTO v_kind, v_instrument_id, v_instrument_code, v_instrument_kinds, v_team
      FROM rbp.respondent r, rbp.instrument i, rbp.involvement v
     WHERE r.respondent_id = v_invitation.respondent_id AND i.instrument_id = v_invitation.instrument_id
       AND v.involvement_id = v_invitation.involvement_id;
    IF NOT v_kind = ANY (v_instrument_kinds) THEN
        RAISE EXCEPTION 'instrument "%" is not for respondent kind %', v_instrument_code, v_kind
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    v_answers := rbp.validate_answers(v_instrument_id, p_answers);

    v_worker := rbp.worker_on(v_invitation.involvement_id, p_submitted_on);
    PERFORM rbp.count_used_invitation(v_invitation.authority_id, v_worker, v_instrument_id, v_kind, v_team,
                                      p_anonymity);

    -- Anonymous and worker-only answers are held; a later transaction releases them in batches
    -- (sql/install/40_anonymous.sql).
    IF p_anonymity <> 'named' THEN
        PERFORM rbp.hold_response(v_invitation.authority_id, v_instrument_id, v_kind, p_channel,
                                  CASE WHEN p_give_team OR p_anonymity = 'worker_only' THEN v_team END, v_worker,
                                  p_anonymity, false, v_answers, p_submitted_on);
        RETURN;
    END IF;

    INSERT INTO rbp.response (authority_id, instrument_id, respondent_kind, channel, anonymity, period, team_id,
                              worker_id, respondent_id, involvement_id, submitted_on)
    VALUES (v_invitation.authority_id, v_instrument_id, v_kind, p_channel, p_anonymity,
            date_trunc('month', p_submitted_on)::date, v_team, v_worker,
            v_invitation.respondent_id, v_invitation.involvement_id, p_submitted_on)
    RETURNING response_id INTO v_response;
    INSERT INTO rbp.answer (response_id, question_id, score, free_text)
    SELECT v_response, a.question_id, a.score, a.free_text FROM unnest(v_answers) AS a;
    -- Routed from the values the submission already has (the row is not read back). The rule
    -- "notify on becoming visible" decides whether to announce it (a new response awaits QA: no).
    PERFORM rbp.route_new_response(v_response, v_invitation.authority_id, v_worker, v_team, p_submitted_on);
    PERFORM rbp.notify_if_visible(v_response);
END
$$;
COMMENT ON FUNCTION rbp.submit_response(text, rbp.anonymity, jsonb, rbp.response_channel, boolean, date) IS
    'Survey intake: submit the answers ({question_code: score or text}) of an invitation with the family''s anonymity choice; anonymous and worker-only answers are held and released only in batches by a later transaction';

CREATE FUNCTION rbp.glossary()
    RETURNS TABLE (term text, definition text)
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$ SELECT term, definition FROM rbp.glossary_term ORDER BY term $$;
COMMENT ON FUNCTION rbp.glossary() IS 'Survey intake: the definitions to show when a respondent hovers over a term such as "trust"';

CREATE FUNCTION rbp.add_support_option(p_authority text, p_kind rbp.support_kind, p_title text,
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

CREATE FUNCTION rbp.support_options(p_authority text)
    RETURNS TABLE (kind rbp.support_kind, title text, how_to_reach text, is_allocated_worker boolean)
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    v_authority integer := rbp.public_authority_id_of(p_authority);    -- 22004 / 23503 before anything is read
BEGIN
    RETURN QUERY SELECT o.kind, o.title, o.how_to_reach, o.is_allocated_worker FROM rbp.support_option o
                  WHERE o.authority_id = v_authority
                  ORDER BY o.position, o.kind, o.title;
END
$$;
COMMENT ON FUNCTION rbp.support_options(text) IS 'Survey intake: the support options to show on every survey of an authority (the allocated worker is only one of them)';

REVOKE ALL ON FUNCTION rbp.issue_invitation(text, text, text, rbp.invitation_channel, integer, date, text),
    rbp.survey_questions(text), rbp.submit_response(text, rbp.anonymity, jsonb, rbp.response_channel, boolean, date),
    rbp.glossary(), rbp.support_options(text), rbp.add_support_option(text, rbp.support_kind, text, text, boolean, integer)
    FROM PUBLIC;
GRANT EXECUTE ON FUNCTION rbp.issue_invitation(text, text, text, rbp.invitation_channel, integer, date, text)
    TO rbp_case_system;
GRANT EXECUTE ON FUNCTION rbp.survey_questions(text), rbp.submit_response(text, rbp.anonymity, jsonb, rbp.response_channel, boolean, date),
    rbp.glossary(), rbp.support_options(text) TO rbp_survey_intake;
GRANT EXECUTE ON FUNCTION rbp.glossary(), rbp.support_options(text) TO rbp_case_system, rbp_staff, rbp_qa;
GRANT EXECUTE ON FUNCTION rbp.add_support_option(text, rbp.support_kind, text, text, boolean, integer) TO rbp_admin;
