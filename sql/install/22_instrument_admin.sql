-- Instruments are data, versioned: a new version of a questionnaire is published as a new row with
-- its questions, and becomes the one new invitations use. Responses keep pointing at the version
-- they answered, so old answers are never reinterpreted under new wording.
--
-- Which version is current is derived, never stored: the highest version of its code. Publishing
-- only inserts rows, so the seeded version 1 (re-created by CREATE EXTENSION on a restore, and left
-- out of pg_dump) is never updated in place, and a restored database cannot disagree with its
-- dump about which version is current (doc/dba.md, Backups). Security definer: report writers read
-- it through rbp.report_statements without reading rbp.instrument (it tells whether a higher
-- version of a code exists, nothing else).
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
    v_kinds rbp.respondent_kind[];
    v_taken text;
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
    -- Each respondent kind has exactly one questionnaire (an invitation follows the kind), so a new
    -- version serves the kinds of the version it replaces, and a new questionnaire only kinds that
    -- have none: otherwise some family members would have no questionnaire, or two.
    SELECT i.respondent_kinds INTO v_kinds FROM rbp.instrument i WHERE i.code = p_code AND rbp.is_current(i);
    IF v_kinds IS NOT NULL AND NOT (v_kinds @> p_respondent_kinds AND p_respondent_kinds @> v_kinds) THEN
        RAISE EXCEPTION 'a new version of "%" must be for the same respondent kinds as the current one (%)', p_code, v_kinds
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Each respondent kind has exactly one questionnaire; invitations follow the kind.';
    END IF;
    IF v_kinds IS NULL THEN
        SELECT string_agg(DISTINCT k::text, ', ') INTO v_taken
          FROM rbp.instrument i, unnest(i.respondent_kinds) k
         WHERE rbp.is_current(i) AND k = ANY (p_respondent_kinds);
        IF v_taken IS NOT NULL THEN
            RAISE EXCEPTION 'respondent kinds already have a questionnaire: %', v_taken
                USING ERRCODE = 'invalid_parameter_value',
                      HINT = 'Publish a new version of their questionnaire instead; each respondent kind has exactly one.';
        END IF;
    END IF;
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
REVOKE ALL ON FUNCTION rbp.publish_instrument_version(text, text, text, rbp.respondent_kind[], jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION rbp.publish_instrument_version(text, text, text, rbp.respondent_kind[], jsonb) TO rbp_admin;
