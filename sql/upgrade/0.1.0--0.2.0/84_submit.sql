-- Issue 15 (submission throughput, doc/benchmarks.md item 3); the same definitions as the install
-- pieces 31_invitation.sql, 32_routing.sql and 40_anonymous.sql:
--   * rbp.token_hash, rbp.worker_on and rbp.responsible_for are PL/pgSQL, so their plans are kept
--     for the session (a SQL function called from PL/pgSQL is planned again in every transaction);
--   * rbp.validate_answers is one query (errors raised by rbp.refuse_answer, first code first);
--   * a named submission is routed from the values it already has (rbp.route_new_response), without
--     reading back the response it just inserted; one UPDATE finds and marks the invitation, one
--     query reads kind, instrument and team;
--   * held answers are padded from a constant (rbp.held_padding, folded at plan time) rather than
--     a 32,768-character hex string decoded at every submission.

CREATE OR REPLACE FUNCTION rbp.token_hash(p_token text) RETURNS bytea
    LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
    AS $$ BEGIN RETURN pg_catalog.sha256(pg_catalog.convert_to(p_token, 'UTF8')); END $$;
COMMENT ON FUNCTION rbp.token_hash(text) IS 'The SHA-256 under which an invitation token is stored';

CREATE OR REPLACE FUNCTION rbp.refuse_answer(p_problem text, p_key text, p_value jsonb, p_points integer) RETURNS rbp.answer_input
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

CREATE OR REPLACE FUNCTION rbp.validate_answers(p_instrument_id integer, p_answers jsonb) RETURNS rbp.answer_input[]
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

CREATE OR REPLACE FUNCTION rbp.worker_on(p_involvement_id integer, p_on date) RETURNS integer
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

CREATE OR REPLACE FUNCTION rbp.responsible_for(p_worker_id integer, p_team_id integer, p_on date) RETURNS rbp.recipient
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

CREATE OR REPLACE FUNCTION rbp.route_new_response(p_response_id uuid, p_authority_id integer, p_worker_id integer,
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

CREATE OR REPLACE FUNCTION rbp.submit_response(p_token text, p_anonymity rbp.anonymity, p_answers jsonb,
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

CREATE OR REPLACE FUNCTION rbp.held_padding() RETURNS bytea
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT decode(repeat('00', rbp.held_payload_bytes()), 'hex') $$;
COMMENT ON FUNCTION rbp.held_padding() IS 'Internal: rbp.held_payload_bytes() zero bytes, the padding of held answers';
REVOKE ALL ON FUNCTION rbp.held_padding() FROM PUBLIC;

CREATE OR REPLACE FUNCTION rbp.held_payload(p_answers rbp.answer_input[]) RETURNS bytea
    LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    v_data bytea := convert_to(to_jsonb(p_answers)::text, 'UTF8');
    v_room integer := rbp.held_payload_bytes() - 4;
BEGIN
    IF octet_length(v_data) > v_room THEN
        RAISE EXCEPTION 'the answers are too long: % bytes once encoded, at most % are accepted', octet_length(v_data), v_room
            USING ERRCODE = 'string_data_right_truncation',
                  HINT = format('Shorten the free-text answers (each at most %s characters); nothing was stored.', rbp.free_text_max_chars());
    END IF;
    RETURN int4send(octet_length(v_data)) || v_data || substring(rbp.held_padding() FROM 1 FOR v_room - octet_length(v_data));
END
$$;
COMMENT ON FUNCTION rbp.held_payload(rbp.answer_input[]) IS
    'Internal: encode the answers of a submission in exactly rbp.held_payload_bytes() bytes (22001 if they do not fit)';
REVOKE ALL ON FUNCTION rbp.held_payload(rbp.answer_input[]) FROM PUBLIC;
