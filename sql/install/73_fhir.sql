-- FHIR R4 interchange (doc/fhir.md): an instrument version as a FHIR R4 Questionnaire, a FHIR R4
-- QuestionnaireResponse submitted through rbp.submit_response (same checks, guarantees and
-- SQLSTATEs: this file only translates), and a stored response read back as a QuestionnaireResponse.
--
-- Identifiers: the Questionnaire's canonical URL is urn:feedback-rbp:questionnaire:<code> with
-- version = the instrument version, so a response names exactly the version it answers
-- (QuestionnaireResponse.questionnaire = url|version). A scale point is a Coding of the code system
-- urn:feedback-rbp:scale:<N>-point with code '1'..'N', and carries its numeric weight in the
-- itemWeight extension (and the R4 ordinalValue extension, which R4 tools read).

CREATE FUNCTION rbp.fhir_questionnaire_url(p_code text) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    AS $$ SELECT 'urn:feedback-rbp:questionnaire:' || p_code $$;
COMMENT ON FUNCTION rbp.fhir_questionnaire_url(text) IS 'The canonical URL of an instrument''s FHIR Questionnaire (its version is the instrument version)';

CREATE FUNCTION rbp.fhir_scale_system(p_points integer) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    AS $$ SELECT 'urn:feedback-rbp:scale:' || p_points || '-point' $$;
COMMENT ON FUNCTION rbp.fhir_scale_system(integer) IS 'The FHIR code system of the points of an N-point scale (codes ''1''..''N'')';

CREATE FUNCTION rbp.instrument_as_fhir(p_instrument text, p_version integer, p_language text DEFAULT NULL,
                                       p_authority text DEFAULT NULL) RETURNS jsonb
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    v_instrument rbp.instrument;
    v_authority rbp.authority;
    v_language text;
    v_title text;
    v_introduction text;
    v_items jsonb := '[]';
    v_support jsonb;
    v_heading text;
BEGIN
    SELECT * INTO v_instrument FROM rbp.instrument WHERE instrument_id = rbp.instrument_id_of(p_instrument, p_version);
    IF p_authority IS NOT NULL THEN
        SELECT * INTO v_authority FROM rbp.authority WHERE authority_id = rbp.public_authority_id_of(p_authority);
    END IF;
    v_language := rbp.resolve_language(v_instrument.instrument_id, v_authority.authority_id, p_language);
    SELECT coalesce(t.title, v_instrument.title), coalesce(t.introduction, v_instrument.introduction)
      INTO v_title, v_introduction
      FROM (SELECT) AS one
      LEFT JOIN rbp.instrument_translation t ON t.instrument_id = v_instrument.instrument_id AND t.language = v_language;

    -- Safety notices first: the form shows them before the family chooses how identifiable to be.
    IF v_authority.authority_id IS NOT NULL THEN
        SELECT v_items || coalesce(jsonb_agg(jsonb_build_object(
                   'linkId', 'safety-notice.' || n, 'type', 'display', 'text', notice #>> '{}',
                   -- display category "security": how the answers will be handled
                   'extension', jsonb_build_array(jsonb_build_object(
                       'url', 'http://hl7.org/fhir/StructureDefinition/questionnaire-displayCategory',
                       'valueCodeableConcept', jsonb_build_object('coding', jsonb_build_array(jsonb_build_object(
                           'system', 'http://hl7.org/fhir/questionnaire-display-category', 'code', 'security', 'display', 'Security'))))))
                 ORDER BY n), '[]')
          INTO v_items
          FROM jsonb_array_elements(rbp.form_safety_notices(v_authority.authority_id, v_instrument.instrument_id, v_language))
               WITH ORDINALITY AS e(notice, n);
    END IF;

    SELECT v_items || coalesce(jsonb_agg(jsonb_strip_nulls(jsonb_build_object(
               'linkId', q ->> 'code',
               'text', q ->> 'prompt',
               'type', CASE q ->> 'kind' WHEN 'scale' THEN 'choice' ELSE 'text' END,
               'required', false,
               'repeats', false,
               'answerOption', CASE WHEN q ->> 'kind' = 'scale' THEN
                   (SELECT jsonb_agg(jsonb_build_object(
                               'extension', jsonb_build_array(
                                   jsonb_build_object('url', 'http://hl7.org/fhir/StructureDefinition/itemWeight',
                                                      'valueDecimal', (p ->> 'value')::integer),
                                   jsonb_build_object('url', 'http://hl7.org/fhir/StructureDefinition/ordinalValue',
                                                      'valueDecimal', (p ->> 'value')::integer)),
                               'valueCoding', jsonb_build_object(
                                   'system', rbp.fhir_scale_system((q ->> 'scale_points')::integer),
                                   'code', p ->> 'value',
                                   'display', p ->> 'label')) ORDER BY (p ->> 'value')::integer)
                      FROM jsonb_array_elements(q -> 'points') AS p) END,
               -- Glossary terms as help: display items under the question, shown as a help button.
               'item', (SELECT jsonb_agg(jsonb_build_object(
                               'linkId', (q ->> 'code') || '.help.' || n,
                               'type', 'display',
                               'text', (g ->> 'text') || ': ' || (g ->> 'definition'),
                               'extension', jsonb_build_array(
                                   jsonb_build_object(
                                       'url', 'http://hl7.org/fhir/StructureDefinition/questionnaire-itemControl',
                                       'valueCodeableConcept', jsonb_build_object('coding', jsonb_build_array(jsonb_build_object(
                                           'system', 'http://hl7.org/fhir/questionnaire-item-control',
                                           'code', 'help', 'display', 'Help-Button')))),
                                   jsonb_build_object(
                                       'url', 'http://hl7.org/fhir/StructureDefinition/questionnaire-displayCategory',
                                       'valueCodeableConcept', jsonb_build_object('coding', jsonb_build_array(jsonb_build_object(
                                           'system', 'http://hl7.org/fhir/questionnaire-display-category',
                                           'code', 'help', 'display', 'Help')))))) ORDER BY n)
                          FROM jsonb_array_elements(q -> 'glossary') WITH ORDINALITY AS gl(g, n))))
             ORDER BY (q ->> 'position')::integer), '[]')
      INTO v_items
      FROM jsonb_array_elements(rbp.form_questions(v_instrument.instrument_id, v_language)) AS q;

    -- The support options: a group of display items (a group needs at least one item).
    IF v_authority.authority_id IS NOT NULL THEN
        v_heading := rbp.form_text_in(v_language, 'support.heading');
        SELECT jsonb_agg(jsonb_build_object('linkId', 'support.' || n, 'type', 'display',
                                            'text', (o ->> 'title') || ': ' || (o ->> 'how_to_reach')) ORDER BY n)
          INTO v_support
          FROM jsonb_array_elements(rbp.form_support_options(v_authority.authority_id, v_language)) WITH ORDINALITY AS so(o, n);
        IF v_support IS NOT NULL THEN
            v_items := v_items || jsonb_build_array(jsonb_build_object('linkId', 'support', 'type', 'group',
                                                                       'text', v_heading, 'item', v_support));
        END IF;
    END IF;

    RETURN jsonb_strip_nulls(jsonb_build_object(
        'resourceType', 'Questionnaire',
        'id', replace(v_instrument.code, '_', '-') || '-v' || v_instrument.version || '-' || v_language,
        'language', v_language,
        'url', rbp.fhir_questionnaire_url(v_instrument.code),
        'version', v_instrument.version::text,
        'name', 'RBP_' || v_instrument.code || '_v' || v_instrument.version,
        'title', v_title,
        'status', 'active',
        'publisher', v_authority.name,
        'description', v_introduction,
        'item', CASE WHEN jsonb_array_length(v_items) > 0 THEN v_items END));
END
$$;
COMMENT ON FUNCTION rbp.instrument_as_fhir(text, integer, text, text) IS
    'An instrument version as a FHIR R4 Questionnaire (JSON) in a language; with an authority, also its safety notices and support options';

-- Internal: the items of a QuestionnaireResponse, flattened (nested under item and under answer).
CREATE FUNCTION rbp.fhir_response_items(p_items jsonb) RETURNS SETOF jsonb
    LANGUAGE plpgsql IMMUTABLE
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    v_item jsonb;
    v_answer jsonb;
BEGIN
    IF p_items IS NULL THEN
        RETURN;
    END IF;
    IF jsonb_typeof(p_items) <> 'array' THEN
        RAISE EXCEPTION 'QuestionnaireResponse: item must be a JSON array' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    FOR v_item IN SELECT value FROM jsonb_array_elements(p_items) LOOP
        IF jsonb_typeof(v_item) <> 'object' THEN
            RAISE EXCEPTION 'QuestionnaireResponse: every item must be a JSON object' USING ERRCODE = 'invalid_parameter_value';
        END IF;
        RETURN NEXT v_item;
        RETURN QUERY SELECT * FROM rbp.fhir_response_items(v_item -> 'item');
        IF jsonb_typeof(v_item -> 'answer') = 'array' THEN
            FOR v_answer IN SELECT value FROM jsonb_array_elements(v_item -> 'answer') LOOP
                RETURN QUERY SELECT * FROM rbp.fhir_response_items(v_answer -> 'item');
            END LOOP;
        END IF;
    END LOOP;
END
$$;
COMMENT ON FUNCTION rbp.fhir_response_items(jsonb) IS 'Internal: every item of a QuestionnaireResponse item array, nested ones included (22023 when not an array of objects)';
REVOKE ALL ON FUNCTION rbp.fhir_response_items(jsonb) FROM PUBLIC;

-- Internal: a QuestionnaireResponse for an instrument version turned into the answers object of
-- rbp.submit_response ({question_code: score or text}). Only the FHIR structure is checked here;
-- the answers themselves are checked by rbp.submit_response, so the SQLSTATEs are its own.
CREATE FUNCTION rbp.fhir_response_answers(p_instrument_id integer, p_qr jsonb) RETURNS jsonb
    LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    v_instrument rbp.instrument;
    v_expected text;
    v_item jsonb;
    v_link text;
    v_answer jsonb;
    v_value_keys text[];
    v_question rbp.question;
    v_coding jsonb;
    v_seen text[] := '{}';
    v_answers jsonb := '{}';
BEGIN
    SELECT * INTO v_instrument FROM rbp.instrument WHERE instrument_id = p_instrument_id;
    v_expected := rbp.fhir_questionnaire_url(v_instrument.code) || '|' || v_instrument.version;
    IF p_qr IS NULL OR jsonb_typeof(p_qr) <> 'object' OR p_qr ->> 'resourceType' IS DISTINCT FROM 'QuestionnaireResponse' THEN
        RAISE EXCEPTION 'not a FHIR QuestionnaireResponse' USING ERRCODE = 'invalid_parameter_value',
            HINT = 'Send a JSON object with "resourceType": "QuestionnaireResponse".';
    END IF;
    IF jsonb_typeof(p_qr -> 'status') IS DISTINCT FROM 'string'
       OR NOT (p_qr ->> 'status') IN ('in-progress', 'completed', 'amended', 'entered-in-error', 'stopped') THEN
        RAISE EXCEPTION 'QuestionnaireResponse.status is required (in-progress, completed, amended, entered-in-error or stopped)'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF p_qr ->> 'status' <> 'completed' THEN
        RAISE EXCEPTION 'only a completed QuestionnaireResponse can be submitted (status is %)', p_qr ->> 'status'
            USING ERRCODE = 'invalid_parameter_value', HINT = 'Keep unfinished answers in the form; submit once, with status "completed".';
    END IF;
    IF p_qr ->> 'questionnaire' IS DISTINCT FROM v_expected THEN
        RAISE EXCEPTION 'this QuestionnaireResponse answers "%", but the invitation is for "%"',
                        coalesce(p_qr ->> 'questionnaire', 'no questionnaire'), v_expected
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Fetch the questionnaire of this invitation: rbp.survey_form(token) gives its canonical URL and version.';
    END IF;
    IF p_qr ? 'language' AND NOT coalesce(p_qr ->> 'language', '') = ANY (rbp.instrument_languages(p_instrument_id)) THEN
        RAISE EXCEPTION 'this questionnaire is not available in language "%"', p_qr ->> 'language'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    FOR v_item IN SELECT * FROM rbp.fhir_response_items(p_qr -> 'item') LOOP
        IF jsonb_typeof(v_item -> 'linkId') IS DISTINCT FROM 'string' OR v_item ->> 'linkId' = '' THEN
            RAISE EXCEPTION 'QuestionnaireResponse: every item needs a linkId' USING ERRCODE = 'invalid_parameter_value';
        END IF;
        v_link := v_item ->> 'linkId';
        IF v_link = ANY (v_seen) THEN
            RAISE EXCEPTION 'QuestionnaireResponse: item "%" appears more than once', v_link USING ERRCODE = 'invalid_parameter_value';
        END IF;
        v_seen := v_seen || v_link;
        CONTINUE WHEN NOT v_item ? 'answer';
        IF jsonb_typeof(v_item -> 'answer') <> 'array' THEN
            RAISE EXCEPTION 'QuestionnaireResponse: answer of "%" must be an array', v_link USING ERRCODE = 'invalid_parameter_value';
        END IF;
        CONTINUE WHEN jsonb_array_length(v_item -> 'answer') = 0;       -- skipped
        IF jsonb_array_length(v_item -> 'answer') > 1 THEN
            RAISE EXCEPTION 'question "%" takes one answer (it does not repeat)', v_link USING ERRCODE = 'invalid_parameter_value';
        END IF;
        v_answer := v_item -> 'answer' -> 0;
        SELECT array_agg(k) INTO v_value_keys FROM jsonb_object_keys(CASE WHEN jsonb_typeof(v_answer) = 'object' THEN v_answer ELSE '{}' END) AS k
         WHERE k LIKE 'value%';
        IF coalesce(cardinality(v_value_keys), 0) <> 1 THEN
            RAISE EXCEPTION 'QuestionnaireResponse: an answer of "%" must have exactly one value[x]', v_link
                USING ERRCODE = 'invalid_parameter_value';
        END IF;
        SELECT * INTO v_question FROM rbp.question WHERE instrument_id = p_instrument_id AND code = v_link;
        IF v_question.question_id IS NULL THEN
            -- An unknown question: rbp.submit_response refuses it with its own error.
            v_answers := v_answers || jsonb_build_object(v_link, NULL);
        ELSIF v_question.kind = 'scale' THEN
            v_coding := v_answer -> 'valueCoding';
            IF jsonb_typeof(v_coding) IS DISTINCT FROM 'object'
               OR v_coding ->> 'system' IS DISTINCT FROM rbp.fhir_scale_system(v_question.scale_points) THEN
                RAISE EXCEPTION 'the answer to "%" must be a valueCoding of system %', v_link, rbp.fhir_scale_system(v_question.scale_points)
                    USING ERRCODE = 'invalid_parameter_value';
            END IF;
            IF jsonb_typeof(v_coding -> 'code') IS DISTINCT FROM 'string' OR NOT (v_coding ->> 'code') ~ '^[0-9]{1,9}$' THEN
                RAISE EXCEPTION 'invalid scale point code for "%": %', v_link, coalesce(v_coding ->> 'code', 'none')
                    USING ERRCODE = 'invalid_text_representation', DETAIL = 'Codes are the points ''1''..''N''.';
            END IF;
            v_answers := v_answers || jsonb_build_object(v_link, (v_coding ->> 'code')::integer);
        ELSE
            IF jsonb_typeof(v_answer -> 'valueString') IS DISTINCT FROM 'string' THEN
                RAISE EXCEPTION 'the answer to "%" must be a valueString', v_link USING ERRCODE = 'invalid_parameter_value';
            END IF;
            v_answers := v_answers || jsonb_build_object(v_link, v_answer -> 'valueString');
        END IF;
    END LOOP;
    RETURN v_answers;
END
$$;
COMMENT ON FUNCTION rbp.fhir_response_answers(integer, jsonb) IS
    'Internal: a completed FHIR QuestionnaireResponse for an instrument version as {question_code: answer} (22023 on FHIR structure, another questionnaire or version)';
REVOKE ALL ON FUNCTION rbp.fhir_response_answers(integer, jsonb) FROM PUBLIC;

CREATE FUNCTION rbp.submit_fhir_response(p_token text, p_anonymity rbp.anonymity, p_questionnaire_response jsonb,
                                         p_channel rbp.response_channel DEFAULT 'online',
                                         p_give_team boolean DEFAULT false,
                                         p_submitted_on date DEFAULT current_date) RETURNS void
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    v_instrument integer;
BEGIN
    PERFORM rbp.required(p_token, 'p_token');
    PERFORM rbp.required(p_questionnaire_response, 'p_questionnaire_response');
    SELECT instrument_id INTO v_instrument FROM rbp.invitation WHERE token_hash = rbp.token_hash(coalesce(p_token, ''));
    IF v_instrument IS NULL THEN
        -- Not an invitation: refused by rbp.submit_response exactly as any unknown token is.
        PERFORM rbp.submit_response(p_token, p_anonymity, '{}'::jsonb, p_channel, p_give_team, p_submitted_on);
        RAISE EXCEPTION 'invitation token not recognised' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    PERFORM rbp.submit_response(p_token, p_anonymity, rbp.fhir_response_answers(v_instrument, p_questionnaire_response),
                                p_channel, p_give_team, p_submitted_on);
END
$$;
COMMENT ON FUNCTION rbp.submit_fhir_response(text, rbp.anonymity, jsonb, rbp.response_channel, boolean, date) IS
    'Survey intake: submit a completed FHIR R4 QuestionnaireResponse for the invitation''s questionnaire and version, stored by rbp.submit_response (same guarantees and SQLSTATEs)';

-- A stored response as a QuestionnaireResponse, for a caller who may read it (rbp.readable_response:
-- QA of its authority, staff it was released to); anyone else gets the error of a missing id.
CREATE FUNCTION rbp.response_as_fhir(p_response_id uuid, p_language text DEFAULT 'en') RETURNS jsonb
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    v_response rbp.response;
    v_instrument rbp.instrument;
    v_items jsonb;
    v_labels jsonb;
BEGIN
    IF rbp.readable_response(p_response_id) THEN
        SELECT * INTO v_response FROM rbp.response WHERE response_id = p_response_id;
    END IF;
    IF v_response.response_id IS NULL THEN
        RAISE EXCEPTION 'no such response visible to you' USING ERRCODE = 'no_data_found';
    END IF;
    SELECT * INTO v_instrument FROM rbp.instrument WHERE instrument_id = v_response.instrument_id;
    SELECT jsonb_agg(jsonb_build_object(
               'linkId', q.code,
               'text', coalesce(qt.prompt, q.prompt),
               'answer', jsonb_build_array(CASE WHEN a.score IS NOT NULL THEN
                   jsonb_build_object('valueCoding', jsonb_build_object(
                       'system', rbp.fhir_scale_system(q.scale_points),
                       'code', rbp.likert_value(a.score)::text,
                       'display', (rbp.point_labels(q.scale_points, p_language))[rbp.likert_value(a.score)]))
                   ELSE jsonb_build_object('valueString', a.free_text) END))
             ORDER BY q.position)
      INTO v_items
      FROM rbp.answer a
      JOIN rbp.question q ON q.question_id = a.question_id
      LEFT JOIN rbp.question_translation qt ON qt.question_id = q.question_id AND qt.language = p_language
     WHERE a.response_id = p_response_id;
    RETURN jsonb_strip_nulls(jsonb_build_object(
        'resourceType', 'QuestionnaireResponse',
        'id', v_response.response_id::text,
        'language', p_language,
        'questionnaire', rbp.fhir_questionnaire_url(v_instrument.code) || '|' || v_instrument.version,
        'status', 'completed',
        'authored', CASE WHEN v_response.anonymity = 'named' THEN v_response.submitted_on::text END,
        'item', v_items));
END
$$;
COMMENT ON FUNCTION rbp.response_as_fhir(uuid, text) IS
    'A stored response you may read (rbp.readable_response) as a FHIR R4 QuestionnaireResponse; only named ones carry their date';

REVOKE ALL ON FUNCTION rbp.instrument_as_fhir(text, integer, text, text),
    rbp.submit_fhir_response(text, rbp.anonymity, jsonb, rbp.response_channel, boolean, date),
    rbp.response_as_fhir(uuid, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION rbp.instrument_as_fhir(text, integer, text, text)
    TO rbp_survey_intake, rbp_case_system, rbp_admin, rbp_qa;
GRANT EXECUTE ON FUNCTION rbp.submit_fhir_response(text, rbp.anonymity, jsonb, rbp.response_channel, boolean, date)
    TO rbp_survey_intake;
GRANT EXECUTE ON FUNCTION rbp.response_as_fhir(uuid, text) TO rbp_qa, rbp_staff;
