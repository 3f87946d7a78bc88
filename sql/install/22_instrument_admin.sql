-- Instruments are data, versioned: a new version of a questionnaire is published as a new row with
-- its questions, and becomes the one new invitations use. Responses keep pointing at the version
-- they answered, so old answers are never reinterpreted under new wording.
CREATE FUNCTION rbp.publish_instrument_version(p_code text, p_title text, p_introduction text,
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
    SELECT coalesce(max(version), 0) + 1 INTO v_version FROM rbp.instrument WHERE code = p_code;
    UPDATE rbp.instrument SET is_current = false WHERE code = p_code AND is_current;
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
REVOKE ALL ON FUNCTION rbp.publish_instrument_version(text, text, text, rbp.respondent_kind[], jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION rbp.publish_instrument_version(text, text, text, rbp.respondent_kind[], jsonb) TO rbp_admin;
