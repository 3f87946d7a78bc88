-- The survey form's contract from a token alone (doc/survey-intake.md, "The form from a token"):
-- one JSON document with everything a web form or an interviewer's tool shows before and while
-- the family answers — authority, title, introduction, the questions with their point labels and
-- glossary help, the anonymity choices with what each means (and the safety notice), the support
-- options, and the languages it is available in. The pieces below are shared with the FHIR export
-- (73_fhir.sql), so both show the same text.

-- Internal: the questions of an instrument version in a language, with point labels and glossary help.
CREATE FUNCTION rbp.form_questions(p_instrument_id integer, p_language text) RETURNS jsonb
    LANGUAGE sql STABLE
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
    SELECT coalesce(jsonb_agg(jsonb_build_object(
               'code', q.code,
               'position', q.position,
               'kind', q.kind,
               'prompt', coalesce(qt.prompt, q.prompt),
               'scale_points', q.scale_points,
               'points', CASE WHEN q.kind = 'scale' THEN
                   (SELECT jsonb_agg(jsonb_build_object('value', v, 'label', l) ORDER BY v)
                      FROM unnest(rbp.point_labels(q.scale_points, p_language)) WITH ORDINALITY AS u(l, v)) END,
               'glossary', (SELECT coalesce(jsonb_agg(jsonb_build_object(
                                       'term', g.term,
                                       'text', coalesce(gt.term_text, g.term),
                                       'definition', coalesce(gt.definition, g.definition),
                                       'language', CASE WHEN gt.term IS NULL THEN 'en' ELSE p_language END)
                                   ORDER BY qg.position, qg.term), '[]')
                              FROM rbp.question_glossary qg
                              JOIN rbp.glossary_term g ON g.term = qg.term
                              LEFT JOIN rbp.glossary_translation gt ON gt.term = g.term AND gt.language = p_language
                             WHERE qg.question_id = q.question_id))
             ORDER BY q.position), '[]')
      FROM rbp.question q
      LEFT JOIN rbp.question_translation qt ON qt.question_id = q.question_id AND qt.language = p_language
     WHERE q.instrument_id = p_instrument_id
$$;
COMMENT ON FUNCTION rbp.form_questions(integer, text) IS
    'Internal: the questions of an instrument version in a language as JSON (code, kind, prompt, points with labels, glossary help)';
REVOKE ALL ON FUNCTION rbp.form_questions(integer, text) FROM PUBLIC;

-- Internal: an authority's support options in a language (English where not translated).
CREATE FUNCTION rbp.form_support_options(p_authority_id integer, p_language text) RETURNS jsonb
    LANGUAGE sql STABLE
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
    SELECT coalesce(jsonb_agg(jsonb_build_object(
               'kind', s.kind,
               'title', coalesce(t.title, s.title),
               'how_to_reach', coalesce(t.how_to_reach, s.how_to_reach),
               'is_allocated_worker', s.is_allocated_worker)
             ORDER BY s.position, s.kind, s.title), '[]')
      FROM rbp.support_option s
      LEFT JOIN rbp.support_option_translation t ON t.support_option_id = s.support_option_id AND t.language = p_language
     WHERE s.authority_id = p_authority_id
$$;
COMMENT ON FUNCTION rbp.form_support_options(integer, text) IS 'Internal: the support options of an authority in a language, as JSON';
REVOKE ALL ON FUNCTION rbp.form_support_options(integer, text) FROM PUBLIC;

-- Internal: the safety notices to show before the family chooses its anonymity: one per dial the
-- authority watches in this instrument (empty when none is watched).
CREATE FUNCTION rbp.form_safety_notices(p_authority_id integer, p_instrument_id integer, p_language text) RETURNS jsonb
    LANGUAGE sql STABLE
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
    SELECT coalesce(jsonb_agg(replace(replace(rbp.form_text_in(p_language, 'safety.notice'),
                                              '{question}', coalesce(qt.prompt, q.prompt)),
                                      '{level}', s.at_or_below::text) ORDER BY q.position), '[]')
      FROM rbp.instrument i
      JOIN rbp.question q ON q.instrument_id = i.instrument_id AND q.kind = 'scale'
      JOIN rbp.safety_rules(p_authority_id) s ON s.instrument_code = i.code AND s.question_code = q.code
      LEFT JOIN rbp.question_translation qt ON qt.question_id = q.question_id AND qt.language = p_language
     WHERE i.instrument_id = p_instrument_id AND 'child_young_person' = ANY (i.respondent_kinds)
$$;
COMMENT ON FUNCTION rbp.form_safety_notices(integer, integer, text) IS
    'Internal: the safety notices (JSON array of text) for the dials an authority watches in an instrument';
REVOKE ALL ON FUNCTION rbp.form_safety_notices(integer, integer, text) FROM PUBLIC;

-- Internal: the three anonymity choices with what each means, in a language, least anonymous first.
CREATE FUNCTION rbp.form_anonymity_choices(p_language text) RETURNS jsonb
    LANGUAGE sql STABLE
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
    SELECT jsonb_agg(jsonb_build_object(
               'level', level,
               'label', rbp.form_text_in(p_language, format('anonymity.%s.label', level)),
               'explanation', rbp.form_text_in(p_language, format('anonymity.%s.explanation', level)))
             ORDER BY level::rbp.anonymity)
      FROM unnest(ARRAY['named', 'worker_only', 'anonymous']) AS level
$$;
COMMENT ON FUNCTION rbp.form_anonymity_choices(text) IS 'Internal: the anonymity choices (named, worker_only, anonymous) with label and explanation in a language';
REVOKE ALL ON FUNCTION rbp.form_anonymity_choices(text) FROM PUBLIC;

CREATE FUNCTION rbp.survey_form(p_token text, p_language text DEFAULT NULL) RETURNS jsonb
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    v_invitation rbp.invitation := rbp.open_invitation(p_token, current_date);
    v_instrument rbp.instrument;
    v_authority rbp.authority;
    v_language text;
    v_title text;
    v_introduction text;
BEGIN
    PERFORM rbp.required(p_token, 'p_token');
    SELECT * INTO v_instrument FROM rbp.instrument WHERE instrument_id = v_invitation.instrument_id;
    SELECT * INTO v_authority FROM rbp.authority WHERE authority_id = v_invitation.authority_id;
    v_language := rbp.resolve_language(v_instrument.instrument_id, v_authority.authority_id, p_language);
    SELECT coalesce(t.title, v_instrument.title), coalesce(t.introduction, v_instrument.introduction)
      INTO v_title, v_introduction
      FROM (SELECT) AS one
      LEFT JOIN rbp.instrument_translation t ON t.instrument_id = v_instrument.instrument_id AND t.language = v_language;
    RETURN jsonb_build_object(
        'contract', 'feedback_rbp.survey_form/1',
        'authority', jsonb_build_object('code', v_authority.code, 'name', v_authority.name),
        'questionnaire', jsonb_build_object(
            'code', v_instrument.code, 'version', v_instrument.version,
            'fhir_canonical', rbp.fhir_questionnaire_url(v_instrument.code) || '|' || v_instrument.version),
        'expires_on', v_invitation.expires_on,
        'language', v_language,
        'languages', to_jsonb(rbp.instrument_languages(v_instrument.instrument_id)),
        'title', v_title,
        'introduction', v_introduction,
        'skip_note', rbp.form_text_in(v_language, 'skip.note'),
        'questions', rbp.form_questions(v_instrument.instrument_id, v_language),
        'anonymity_choices', rbp.form_anonymity_choices(v_language),
        'safety_notices', rbp.form_safety_notices(v_authority.authority_id, v_instrument.instrument_id, v_language),
        'support', jsonb_build_object('heading', rbp.form_text_in(v_language, 'support.heading'),
                                      'options', rbp.form_support_options(v_authority.authority_id, v_language)));
END
$$;
COMMENT ON FUNCTION rbp.survey_form(text, text) IS
    'Survey intake: everything the form shows for an invitation token, as JSON (authority, title, introduction, questions with point labels and glossary help, anonymity choices and safety notices, support options, languages); the token is not used up';
REVOKE ALL ON FUNCTION rbp.survey_form(text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION rbp.survey_form(text, text) TO rbp_survey_intake;
