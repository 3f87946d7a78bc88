-- Languages (doc/survey-intake.md, "Other languages"). The instruments' own text is English (`en`);
-- an administrator adds a complete translation of an instrument version per language (Welsh `cy`
-- for Welsh councils, others as authorities need them), of glossary terms, of an authority's
-- support options and of the form's fixed texts (anonymity choices, point labels, the safety
-- notice). The family chooses the language per submission; answers are stored by question and
-- scale point only, so they are the same whatever language was shown, and the language itself is
-- not stored with the response (it would narrow down who answered).

CREATE DOMAIN rbp.language_tag AS text
    CHECK (VALUE ~ '^[a-z]{2,3}(-[A-Za-z0-9]{1,8})*$');
COMMENT ON DOMAIN rbp.language_tag IS
    'A BCP 47 language tag as FHIR uses it (en, cy, pl, pt-BR): a lower-case primary language and optional subtags';

CREATE TABLE rbp.instrument_translation (
    instrument_id   integer NOT NULL REFERENCES rbp.instrument,
    language        rbp.language_tag NOT NULL CHECK (language <> 'en'),
    title           text NOT NULL,
    introduction    text NOT NULL,
    PRIMARY KEY (instrument_id, language)
);
COMMENT ON TABLE rbp.instrument_translation IS
    'Title and introduction of an instrument version in a language other than English; with a prompt for every question (rbp.question_translation) it is a complete translation';

CREATE TABLE rbp.question_translation (
    question_id     integer NOT NULL REFERENCES rbp.question,
    language        rbp.language_tag NOT NULL CHECK (language <> 'en'),
    prompt          text NOT NULL CHECK (btrim(prompt) <> ''),
    PRIMARY KEY (question_id, language)
);
COMMENT ON TABLE rbp.question_translation IS 'The prompt of a question in a language other than English';

CREATE TABLE rbp.glossary_translation (
    term            text NOT NULL REFERENCES rbp.glossary_term ON UPDATE CASCADE ON DELETE CASCADE,
    language        rbp.language_tag NOT NULL CHECK (language <> 'en'),
    term_text       text NOT NULL,
    definition      text NOT NULL,
    PRIMARY KEY (term, language)
);
COMMENT ON TABLE rbp.glossary_translation IS 'A glossary term (as the word appears in that language) and its definition in a language other than English';

CREATE TABLE rbp.support_option_translation (
    support_option_id integer NOT NULL REFERENCES rbp.support_option ON DELETE CASCADE,
    language        rbp.language_tag NOT NULL CHECK (language <> 'en'),
    title           text NOT NULL,
    how_to_reach    text NOT NULL,
    PRIMARY KEY (support_option_id, language)
);
COMMENT ON TABLE rbp.support_option_translation IS 'An authority''s support option in a language other than English';

-- Which glossary terms explain which question (shown as hover help next to it, and as FHIR help items).
CREATE TABLE rbp.question_glossary (
    question_id     integer NOT NULL REFERENCES rbp.question,
    term            text NOT NULL REFERENCES rbp.glossary_term ON UPDATE CASCADE ON DELETE CASCADE,
    position        integer NOT NULL DEFAULT 0,
    is_seed         boolean NOT NULL DEFAULT false,
    PRIMARY KEY (question_id, term)
);
COMMENT ON TABLE rbp.question_glossary IS 'The glossary terms linked to a question, shown next to it (hover help)';
COMMENT ON COLUMN rbp.question_glossary.is_seed IS 'Installed by the extension script (left out of pg_dump, which re-creates it)';

-- The form's fixed texts. English is installed; other languages are added by the administrator and
-- fall back to English key by key.
CREATE TABLE rbp.form_text (
    language        rbp.language_tag NOT NULL,
    key             text NOT NULL CHECK (key ~ '^[a-z][a-z0-9_.]*$'),
    text            text NOT NULL,
    is_seed         boolean NOT NULL DEFAULT false,
    PRIMARY KEY (language, key)
);
COMMENT ON TABLE rbp.form_text IS
    'Fixed texts of the survey form per language: anonymity choices, point labels (point.N.V), dial ends, the safety notice; English installed, other languages fall back to English';
COMMENT ON COLUMN rbp.form_text.is_seed IS 'Installed by the extension script (left out of pg_dump, which re-creates it)';

CREATE TABLE rbp.authority_language (
    authority_id     integer PRIMARY KEY REFERENCES rbp.authority,
    default_language rbp.language_tag NOT NULL
);
COMMENT ON TABLE rbp.authority_language IS
    'The language an authority''s forms open in when the family has not chosen one (English when the authority has no row)';

INSERT INTO rbp.form_text (language, key, text, is_seed) VALUES
 ('en', 'anonymity.named.label', 'Give my name', true),
 ('en', 'anonymity.named.explanation', 'Your feedback is shared with your social worker and their manager, and discussed in supervision, so that they can learn from it and follow it up with you.', true),
 ('en', 'anonymity.worker_only.label', 'Share with my social worker, without my name', true),
 ('en', 'anonymity.worker_only.explanation', 'Your social worker and their manager see your feedback, but not who gave it: this will not identify you directly.', true),
 ('en', 'anonymity.anonymous.label', 'Anonymous', true),
 ('en', 'anonymity.anonymous.explanation', 'Nobody can tell who gave this feedback or which social worker it is about. It is used, together with other families'' feedback, to improve the service.', true),
 ('en', 'safety.notice', 'If you give your name and turn the dial "{question}" to {level} or lower, the Quality Assurance team will be told straight away, so that someone can check that you are safe. If you do not give your name, nobody is told, because telling them could show who you are.', true),
 ('en', 'skip.note', 'You do not have to answer every question.', true),
 ('en', 'support.heading', 'Support is available', true),
 ('en', 'dial.low', 'Not at all', true),
 ('en', 'dial.high', 'Completely', true);
-- The English point labels are the labels of rbp.likert itself, capitalised (one rule for both).
INSERT INTO rbp.form_text (language, key, text, is_seed)
SELECT 'en', format('point.%s.%s', n, v), upper(left(l, 1)) || substr(l, 2), true
  FROM generate_series(2, 5) AS n, generate_series(1, 5) AS v,
       LATERAL rbp.likert_label(rbp.likert(v, n, false)) AS l
 WHERE v <= n;

-- The seed instruments' questions and the glossary terms that explain them.
INSERT INTO rbp.question_glossary (question_id, term, position, is_seed)
SELECT q.question_id, g.term, g.position, true
  FROM (VALUES
    ('parents_carers', 'q2_understands_family', 'understands my family', 1),
    ('parents_carers', 'q2_understands_family', 'relationship-based practice', 2),
    ('parents_carers', 'q2_builds_relationships', 'building relationships', 1),
    ('parents_carers', 'q2_trust', 'trust', 1),
    ('parents_carers', 'q2_sensitive_professional', 'sensitive and professional', 1),
    ('parents_carers', 'q2_works_alongside', 'works alongside me', 1),
    ('children_young_people', 'dial_respected', 'respected', 1),
    ('children_young_people', 'dial_empowered', 'empowers me', 1),
    ('children_young_people', 'dial_mutual_trust', 'mutual trust', 1),
    ('children_young_people', 'dial_mutual_trust', 'trust', 2),
    ('children_young_people', 'dial_listened_to', 'listened to', 1),
    ('children_young_people', 'dial_safe', 'safe', 1)
  ) AS g(instrument, question, term, position)
  JOIN rbp.instrument i ON i.code = g.instrument AND i.version = 1 AND i.is_seed
  JOIN rbp.question q ON q.instrument_id = i.instrument_id AND q.code = g.question;

-- Internal: a form text in a language, else in English.
CREATE FUNCTION rbp.form_text_in(p_language text, p_key text) RETURNS text
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
    SELECT text FROM rbp.form_text WHERE key = p_key AND language IN (p_language, 'en')
     ORDER BY language = p_language DESC LIMIT 1
$$;
COMMENT ON FUNCTION rbp.form_text_in(text, text) IS 'Internal: a fixed text of the form in a language, falling back to English (definer: readers of charts read no table)';
REVOKE ALL ON FUNCTION rbp.form_text_in(text, text) FROM PUBLIC;

-- Internal: the labels of the points of an N-point scale in a language: the agreement labels for
-- 2 to 5 points, the number with the two ends named for longer scales (the children's dials).
CREATE FUNCTION rbp.point_labels(p_points integer, p_language text) RETURNS text[]
    LANGUAGE sql STABLE
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
    SELECT array_agg(CASE WHEN p_points <= 5 THEN rbp.form_text_in(p_language, format('point.%s.%s', p_points, v))
                          WHEN v = 1 THEN v || ' - ' || rbp.form_text_in(p_language, 'dial.low')
                          WHEN v = p_points THEN v || ' - ' || rbp.form_text_in(p_language, 'dial.high')
                          ELSE v::text END ORDER BY v)
      FROM generate_series(1, p_points) AS v
$$;
COMMENT ON FUNCTION rbp.point_labels(integer, text) IS 'Internal: the labels of the points 1..N of a scale in a language (agreement labels up to 5 points, numbers with named ends beyond)';
REVOKE ALL ON FUNCTION rbp.point_labels(integer, text) FROM PUBLIC;

-- Internal: the languages an instrument version can be shown in: English and its complete translations.
CREATE FUNCTION rbp.instrument_languages(p_instrument_id integer) RETURNS text[]
    LANGUAGE sql STABLE
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
    SELECT ARRAY['en'] || coalesce((SELECT array_agg(t.language::text ORDER BY t.language)
                                      FROM rbp.instrument_translation t
                                     WHERE t.instrument_id = p_instrument_id
                                       AND NOT EXISTS (SELECT FROM rbp.question q
                                                        WHERE q.instrument_id = p_instrument_id
                                                          AND NOT EXISTS (SELECT FROM rbp.question_translation qt
                                                                           WHERE qt.question_id = q.question_id
                                                                             AND qt.language = t.language))), '{}')
$$;
COMMENT ON FUNCTION rbp.instrument_languages(integer) IS 'Internal: English and every language with a complete translation of an instrument version';
REVOKE ALL ON FUNCTION rbp.instrument_languages(integer) FROM PUBLIC;

-- Internal: the language to show an instrument in: the one asked for (refused unless available),
-- else the authority's default when available, else English.
CREATE FUNCTION rbp.resolve_language(p_instrument_id integer, p_authority_id integer, p_language text) RETURNS text
    LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    v_available text[] := rbp.instrument_languages(p_instrument_id);
    v_default text;
BEGIN
    IF p_language IS NOT NULL THEN
        IF NOT p_language = ANY (v_available) THEN
            RAISE EXCEPTION 'this questionnaire is not available in language "%"', p_language
                USING ERRCODE = 'invalid_parameter_value',
                      DETAIL = format('Available: %s.', array_to_string(v_available, ', ')),
                      HINT = 'An administrator adds a language with rbp.set_instrument_translation().';
        END IF;
        RETURN p_language;
    END IF;
    SELECT default_language INTO v_default FROM rbp.authority_language WHERE authority_id = p_authority_id;
    RETURN CASE WHEN v_default = ANY (v_available) THEN v_default ELSE 'en' END;
END
$$;
COMMENT ON FUNCTION rbp.resolve_language(integer, integer, text) IS
    'Internal: the language asked for (22023 unless the instrument is available in it), else the authority''s default if available, else en';
REVOKE ALL ON FUNCTION rbp.resolve_language(integer, integer, text) FROM PUBLIC;

-- Internal: an instrument version by code and version, or a clear error.
CREATE FUNCTION rbp.instrument_id_of(p_code text, p_version integer) RETURNS integer
    LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    v_id integer;
BEGIN
    PERFORM rbp.required(p_code, 'an instrument code');
    PERFORM rbp.required(p_version, 'an instrument version');
    SELECT instrument_id INTO v_id FROM rbp.instrument WHERE code = p_code AND version = p_version;
    IF v_id IS NULL THEN
        RAISE EXCEPTION 'unknown instrument "%" version %', p_code, p_version
            USING ERRCODE = 'invalid_parameter_value', HINT = 'rbp.instrument lists the instruments and their versions.';
    END IF;
    RETURN v_id;
END
$$;
COMMENT ON FUNCTION rbp.instrument_id_of(text, integer) IS 'Internal: the instrument_id of a code and version, or error 22023';
REVOKE ALL ON FUNCTION rbp.instrument_id_of(text, integer) FROM PUBLIC;

CREATE FUNCTION rbp.set_instrument_translation(p_code text, p_version integer, p_language rbp.language_tag,
                                               p_title text, p_introduction text, p_prompts jsonb) RETURNS void
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    v_instrument integer := rbp.instrument_id_of(p_code, p_version);
    v_missing text;
    v_unknown text;
BEGIN
    IF p_language IS NULL OR p_language = 'en' THEN
        RAISE EXCEPTION 'a translation needs a language other than en (English is the instrument itself)'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF coalesce(btrim(p_title), '') = '' OR coalesce(btrim(p_introduction), '') = ''
       OR p_prompts IS NULL OR jsonb_typeof(p_prompts) <> 'object' THEN
        RAISE EXCEPTION 'a translation needs a title, an introduction and the prompts as a JSON object {question_code: prompt}'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    SELECT string_agg(q.code, ', ' ORDER BY q.position) INTO v_missing FROM rbp.question q
     WHERE q.instrument_id = v_instrument
       AND coalesce(btrim(CASE WHEN jsonb_typeof(p_prompts -> q.code) = 'string' THEN p_prompts ->> q.code END), '') = '';
    SELECT string_agg(k, ', ' ORDER BY k) INTO v_unknown FROM jsonb_object_keys(p_prompts) AS k
     WHERE NOT EXISTS (SELECT FROM rbp.question q WHERE q.instrument_id = v_instrument AND q.code = k);
    IF v_missing IS NOT NULL OR v_unknown IS NOT NULL THEN
        RAISE EXCEPTION 'a translation must give a prompt for every question of "%" version %, and only for them', p_code, p_version
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = concat_ws(' ', 'Missing: ' || v_missing || '.', 'Unknown: ' || v_unknown || '.');
    END IF;
    INSERT INTO rbp.instrument_translation (instrument_id, language, title, introduction)
    VALUES (v_instrument, p_language, p_title, p_introduction)
    ON CONFLICT (instrument_id, language) DO UPDATE SET title = excluded.title, introduction = excluded.introduction;
    INSERT INTO rbp.question_translation (question_id, language, prompt)
    SELECT q.question_id, p_language, btrim(p_prompts ->> q.code) FROM rbp.question q WHERE q.instrument_id = v_instrument
    ON CONFLICT (question_id, language) DO UPDATE SET prompt = excluded.prompt;
END
$$;
COMMENT ON FUNCTION rbp.set_instrument_translation(text, integer, rbp.language_tag, text, text, jsonb) IS
    'Administrator: add or replace the complete translation of an instrument version (title, introduction, a prompt for every question)';

CREATE FUNCTION rbp.set_glossary_translation(p_term text, p_language rbp.language_tag, p_term_text text, p_definition text)
    RETURNS void
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
BEGIN
    IF p_language IS NULL OR p_language = 'en' OR coalesce(btrim(p_term_text), '') = '' OR coalesce(btrim(p_definition), '') = '' THEN
        RAISE EXCEPTION 'a glossary translation needs a language other than en, the term as written in it and its definition'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF NOT EXISTS (SELECT FROM rbp.glossary_term WHERE term = p_term) THEN
        RAISE EXCEPTION 'unknown glossary term "%"', p_term USING ERRCODE = 'foreign_key_violation';
    END IF;
    INSERT INTO rbp.glossary_translation (term, language, term_text, definition)
    VALUES (p_term, p_language, btrim(p_term_text), btrim(p_definition))
    ON CONFLICT (term, language) DO UPDATE SET term_text = excluded.term_text, definition = excluded.definition;
END
$$;
COMMENT ON FUNCTION rbp.set_glossary_translation(text, rbp.language_tag, text, text) IS
    'Administrator: add or replace a glossary term''s translation (the word as written in that language, and its definition)';

CREATE FUNCTION rbp.set_support_option_translation(p_support_option_id integer, p_language rbp.language_tag,
                                                   p_title text, p_how_to_reach text) RETURNS void
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
BEGIN
    IF p_language IS NULL OR p_language = 'en' OR coalesce(btrim(p_title), '') = '' OR coalesce(btrim(p_how_to_reach), '') = '' THEN
        RAISE EXCEPTION 'a support option translation needs a language other than en, a title and how to reach it'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF NOT EXISTS (SELECT FROM rbp.support_option WHERE support_option_id = p_support_option_id) THEN
        RAISE EXCEPTION 'unknown support option %', p_support_option_id USING ERRCODE = 'foreign_key_violation';
    END IF;
    INSERT INTO rbp.support_option_translation (support_option_id, language, title, how_to_reach)
    VALUES (p_support_option_id, p_language, btrim(p_title), btrim(p_how_to_reach))
    ON CONFLICT (support_option_id, language) DO UPDATE SET title = excluded.title, how_to_reach = excluded.how_to_reach;
END
$$;
COMMENT ON FUNCTION rbp.set_support_option_translation(integer, rbp.language_tag, text, text) IS
    'Administrator: add or replace the translation of a support option (its id is what rbp.add_support_option returned)';

CREATE FUNCTION rbp.set_form_text(p_language rbp.language_tag, p_key text, p_text text) RETURNS void
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
BEGIN
    IF p_language IS NULL OR coalesce(btrim(p_text), '') = '' THEN
        RAISE EXCEPTION 'a form text needs a language and a text' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF p_language = 'en' THEN
        RAISE EXCEPTION 'the English texts are installed with the extension and cannot be changed'
            USING ERRCODE = 'invalid_parameter_value', HINT = 'Set the texts of another language; they fall back to English key by key.';
    END IF;
    IF NOT EXISTS (SELECT FROM rbp.form_text WHERE language = 'en' AND key = p_key) THEN
        RAISE EXCEPTION 'unknown form text "%"', p_key
            USING ERRCODE = 'invalid_parameter_value', HINT = 'The keys are those of the English texts: SELECT key FROM rbp.form_text WHERE language = ''en''.';
    END IF;
    INSERT INTO rbp.form_text (language, key, text) VALUES (p_language, p_key, p_text)
    ON CONFLICT (language, key) DO UPDATE SET text = excluded.text;
END
$$;
COMMENT ON FUNCTION rbp.set_form_text(rbp.language_tag, text, text) IS
    'Administrator: set a fixed text of the survey form in a language other than English (keys as in English)';

CREATE FUNCTION rbp.set_authority_language(p_authority text, p_default_language rbp.language_tag) RETURNS void
    LANGUAGE sql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
    INSERT INTO rbp.authority_language (authority_id, default_language)
    VALUES (rbp.authority_id_of(p_authority, NULL), coalesce(p_default_language, 'en'))  -- NULL: as administrator
    ON CONFLICT (authority_id) DO UPDATE SET default_language = excluded.default_language
$$;
COMMENT ON FUNCTION rbp.set_authority_language(text, rbp.language_tag) IS
    'Administrator: the language an authority''s forms open in (e.g. cy for a Welsh council) when available and the family has not chosen';

CREATE FUNCTION rbp.link_glossary_term(p_code text, p_version integer, p_question_code text, p_term text,
                                       p_position integer DEFAULT 0) RETURNS void
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    v_question integer;
BEGIN
    SELECT question_id INTO v_question FROM rbp.question
     WHERE instrument_id = rbp.instrument_id_of(p_code, p_version) AND code = p_question_code;
    IF v_question IS NULL THEN
        RAISE EXCEPTION 'unknown question "%" in "%" version %', p_question_code, p_code, p_version
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF NOT EXISTS (SELECT FROM rbp.glossary_term WHERE term = p_term) THEN
        RAISE EXCEPTION 'unknown glossary term "%"', p_term USING ERRCODE = 'foreign_key_violation';
    END IF;
    IF EXISTS (SELECT FROM rbp.question_glossary WHERE question_id = v_question AND term = p_term AND is_seed) THEN
        RAISE EXCEPTION 'the link of "%" to "%" is installed with the extension and cannot be changed', p_term, p_question_code
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    INSERT INTO rbp.question_glossary (question_id, term, position) VALUES (v_question, p_term, coalesce(p_position, 0))
    ON CONFLICT (question_id, term) DO UPDATE SET position = excluded.position;
END
$$;
COMMENT ON FUNCTION rbp.link_glossary_term(text, integer, text, text, integer) IS
    'Administrator: show a glossary term as help next to a question of an instrument version';

GRANT SELECT ON rbp.instrument_translation, rbp.question_translation, rbp.glossary_translation,
                rbp.support_option_translation, rbp.question_glossary, rbp.form_text, rbp.authority_language
    TO rbp_admin, rbp_qa, rbp_staff;
REVOKE ALL ON FUNCTION rbp.set_instrument_translation(text, integer, rbp.language_tag, text, text, jsonb),
    rbp.set_glossary_translation(text, rbp.language_tag, text, text),
    rbp.set_support_option_translation(integer, rbp.language_tag, text, text),
    rbp.set_form_text(rbp.language_tag, text, text), rbp.set_authority_language(text, rbp.language_tag),
    rbp.link_glossary_term(text, integer, text, text, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION rbp.set_instrument_translation(text, integer, rbp.language_tag, text, text, jsonb),
    rbp.set_glossary_translation(text, rbp.language_tag, text, text),
    rbp.set_support_option_translation(integer, rbp.language_tag, text, text),
    rbp.set_form_text(rbp.language_tag, text, text), rbp.set_authority_language(text, rbp.language_tag),
    rbp.link_glossary_term(text, integer, text, text, integer) TO rbp_admin;
