-- Upgrade piece of issue 16 (languages, safety signal, survey form contract, FHIR R4, chart):
-- the new objects of sql/install/70_language.sql .. 75_chart_cells.sql, verbatim and in the same order,
-- then the dump marks that 95_dump.sql gives them on a fresh install.

-- ==== sql/install/70_language.sql ====
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
    VALUES (rbp.authority_id_of(p_authority), coalesce(p_default_language, 'en'))
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

-- ==== sql/install/71_safety.sql ====
-- The safety signal (doc/qa.md, "Safety signals"). When a child or young person gives a NAMED
-- response and turns a dial the authority watches ("It makes me feel safe" unless it chose others)
-- to its level or below, the authority's QA team gets, in the same transaction as the submission,
-- a work-queue row (rbp.safety_signal) and an opaque NOTIFY on channel rbp_safety_signal whose
-- payload is the row's random id and nothing else. QA records what it did
-- (rbp.act_on_safety_signal). Worker-only and anonymous responses never raise a signal: acting on
-- one would identify the family, which those choices promise not to do; the form says so before
-- the family chooses (the safety notice of rbp.survey_form).

CREATE TABLE rbp.safety_rule (
    authority_id    integer NOT NULL REFERENCES rbp.authority,
    instrument_code text NOT NULL,
    question_code   text NOT NULL,
    at_or_below     integer NOT NULL CHECK (at_or_below BETWEEN 0 AND 10),
    PRIMARY KEY (authority_id, instrument_code, question_code)
);
COMMENT ON TABLE rbp.safety_rule IS
    'The dials an authority watches and the level at or below which a named answer raises a safety signal (0: never); children_young_people.dial_safe is watched at 3 unless the authority set it';

CREATE TABLE rbp.safety_signal (
    signal_id       uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    authority_id    integer NOT NULL REFERENCES rbp.authority,
    response_id     uuid REFERENCES rbp.response ON DELETE SET NULL,
    question_code   text NOT NULL,
    raised_at       timestamptz NOT NULL DEFAULT now(),
    acted_at        timestamptz,
    acted_by        integer,
    action_taken    text,
    FOREIGN KEY (authority_id, acted_by) REFERENCES rbp.staff (authority_id, staff_id),
    CHECK (num_nulls(acted_at, acted_by, action_taken) IN (0, 3))
);
COMMENT ON TABLE rbp.safety_signal IS
    'QA''s safety work queue: one row per watched dial answered at or below its level in a named response of a child or young person; acted_at, acted_by and action_taken record what QA did';
COMMENT ON COLUMN rbp.safety_signal.signal_id IS 'Random: the only thing the NOTIFY rbp_safety_signal payload carries';
COMMENT ON COLUMN rbp.safety_signal.response_id IS 'The named response; NULL once the family withdrew its name to anonymous (the record of what QA did stays)';
CREATE INDEX safety_signal_open ON rbp.safety_signal (authority_id, raised_at) WHERE acted_at IS NULL;
CREATE INDEX safety_signal_response ON rbp.safety_signal (response_id);

ALTER TABLE rbp.safety_signal ENABLE ROW LEVEL SECURITY;
CREATE POLICY safety_signal_qa ON rbp.safety_signal FOR SELECT TO rbp_qa
    USING (authority_id = ANY ((SELECT rbp.current_qa_authorities())::integer[]));
GRANT SELECT ON rbp.safety_signal TO rbp_qa;
GRANT SELECT ON rbp.safety_rule TO rbp_admin, rbp_qa;

-- The rules in force for an authority (one rule, used by the trigger and by the form's notice).
CREATE FUNCTION rbp.safety_rules(p_authority_id integer)
    RETURNS TABLE (instrument_code text, question_code text, at_or_below integer)
    LANGUAGE sql STABLE
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
    SELECT r.instrument_code, r.question_code, r.at_or_below FROM rbp.safety_rule r
     WHERE r.authority_id = p_authority_id AND r.at_or_below > 0
    UNION ALL
    SELECT 'children_young_people', 'dial_safe', 3
     WHERE NOT EXISTS (SELECT FROM rbp.safety_rule r WHERE r.authority_id = p_authority_id
                          AND r.instrument_code = 'children_young_people' AND r.question_code = 'dial_safe')
$$;
COMMENT ON FUNCTION rbp.safety_rules(integer) IS
    'Internal: the watched dials of an authority and their levels: its own rules, and children_young_people.dial_safe at 3 unless it set that dial itself (level 0 switches a dial off)';
REVOKE ALL ON FUNCTION rbp.safety_rules(integer) FROM PUBLIC;

CREATE FUNCTION rbp.set_safety_rule(p_authority text, p_question_code text, p_at_or_below integer,
                                    p_instrument text DEFAULT 'children_young_people') RETURNS void
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    v_authority integer := rbp.authority_id_of(p_authority);
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

-- After answers are stored: one statement-level pass over the new answers. Only named responses
-- of children and young people qualify; anonymous releases and worker-only responses never do.
CREATE FUNCTION rbp.raise_safety_signals() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    v_signal uuid;
BEGIN
    FOR v_signal IN
        INSERT INTO rbp.safety_signal (authority_id, response_id, question_code)
        SELECT r.authority_id, r.response_id, q.code
          FROM new_answers a
          JOIN rbp.response r ON r.response_id = a.response_id
          JOIN rbp.question q ON q.question_id = a.question_id
          JOIN rbp.instrument i ON i.instrument_id = r.instrument_id
          JOIN LATERAL rbp.safety_rules(r.authority_id) s ON s.instrument_code = i.code AND s.question_code = q.code
         WHERE r.anonymity = 'named' AND r.respondent_kind = 'child_young_person'
           AND a.score IS NOT NULL AND rbp.likert_value(a.score) <= s.at_or_below
        RETURNING signal_id
    LOOP
        PERFORM pg_notify('rbp_safety_signal', v_signal::text);
    END LOOP;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION rbp.raise_safety_signals() IS
    'Internal (trigger): raise a safety signal and NOTIFY rbp_safety_signal for each watched dial at or below its level in a named response of a child or young person';
REVOKE ALL ON FUNCTION rbp.raise_safety_signals() FROM PUBLIC;
CREATE TRIGGER answer_safety_signal AFTER INSERT ON rbp.answer
    REFERENCING NEW TABLE AS new_answers
    FOR EACH STATEMENT EXECUTE FUNCTION rbp.raise_safety_signals();

CREATE FUNCTION rbp.act_on_safety_signal(p_signal_id uuid, p_action_taken text, p_acted_at timestamptz DEFAULT now())
    RETURNS void
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    v_signal rbp.safety_signal;
BEGIN
    SELECT * INTO v_signal FROM rbp.safety_signal WHERE signal_id = p_signal_id FOR UPDATE;
    IF v_signal.signal_id IS NULL OR NOT v_signal.authority_id = ANY (rbp.current_qa_authorities()) THEN
        -- The same error whether the signal does not exist or belongs to another authority.
        RAISE EXCEPTION 'no such safety signal in your authority' USING ERRCODE = 'no_data_found';
    END IF;
    PERFORM rbp.require_qa_of(v_signal.authority_id);
    IF v_signal.acted_at IS NOT NULL THEN
        RAISE EXCEPTION 'this safety signal was already acted on at %', v_signal.acted_at
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF coalesce(btrim(p_action_taken), '') = '' OR p_acted_at IS NULL THEN
        RAISE EXCEPTION 'say what was done, and when' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF p_acted_at < v_signal.raised_at OR p_acted_at > now() THEN
        RAISE EXCEPTION 'a safety signal is acted on between when it was raised and now'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    UPDATE rbp.safety_signal
       SET acted_at = p_acted_at, acted_by = rbp.current_staff_id(), action_taken = btrim(p_action_taken)
     WHERE signal_id = p_signal_id;
END
$$;
COMMENT ON FUNCTION rbp.act_on_safety_signal(uuid, text, timestamptz) IS
    'QA of the authority: record what was done about a safety signal (once; who is taken from the login)';

-- QA's work queue: open signals first, oldest first, with what QA needs to act the same day.
-- security_invoker: every row comes through the caller's own row-level security.
CREATE VIEW rbp.safety_queue WITH (security_invoker = true) AS
SELECT s.signal_id,
       a.code AS authority,
       s.raised_at,
       s.acted_at IS NULL AS open,
       s.acted_at IS NULL AND s.raised_at::date < current_date AS overdue,
       s.question_code AS question,
       rbp.likert_value(an.score) AS score,
       s.response_id,
       f.family_ref,
       rp.respondent_ref,
       w.staff_ref AS worker,
       w.display_name AS worker_name,
       s.acted_at,
       actor.display_name AS acted_by,
       s.action_taken
  FROM rbp.safety_signal s
  JOIN rbp.authority a ON a.authority_id = s.authority_id
  LEFT JOIN rbp.response r ON r.response_id = s.response_id
  LEFT JOIN rbp.question q ON q.instrument_id = r.instrument_id AND q.code = s.question_code
  LEFT JOIN rbp.answer an ON an.response_id = r.response_id AND an.question_id = q.question_id
  LEFT JOIN rbp.respondent rp ON rp.respondent_id = r.respondent_id
  LEFT JOIN rbp.family f ON f.family_id = rp.family_id
  LEFT JOIN rbp.staff w ON w.staff_id = r.worker_id
  LEFT JOIN rbp.staff actor ON actor.staff_id = s.acted_by
 ORDER BY s.acted_at IS NOT NULL, s.raised_at;
COMMENT ON VIEW rbp.safety_queue IS
    'QA: the safety signals of your authority, open ones first and oldest first (overdue: still open after the day it was raised), with the response, family, respondent and worker (through your own row-level security)';
GRANT SELECT ON rbp.safety_queue TO rbp_qa;

REVOKE ALL ON FUNCTION rbp.set_safety_rule(text, text, integer, text), rbp.act_on_safety_signal(uuid, text, timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION rbp.set_safety_rule(text, text, integer, text) TO rbp_admin, rbp_qa;
GRANT EXECUTE ON FUNCTION rbp.act_on_safety_signal(uuid, text, timestamptz) TO rbp_qa;

-- ==== sql/install/72_survey_form.sql ====
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

-- ==== sql/install/73_fhir.sql ====
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

-- ==== sql/install/74_chart.sql ====
-- A picture of the published results (doc/chart.md): a diverging stacked bar chart of Likert
-- answers as an accessible SVG. It draws only what it is given — published cells with their
-- suppressed per-point shares — and reads no table, so it can never show more than the caller could
-- already read; a cell marked suppressed (or without shares) is drawn as a dashed, empty bar
-- labelled "c", whatever else it carries.
--
-- Cells: a JSON array, one object per bar, top to bottom:
--   {"label": "Team One, 2026-Q1", "points": 5, "shares": [0.05, 0.10, 0.15, 0.40, 0.30],
--    "respondents": "23", "suppressed": false}
-- shares[v-1] is the share of answers at point v (each 0..1, together 1 within rounding);
-- respondents is the published count (or 'c'); every cell has the same number of points.

-- Internal: text made safe for SVG (XML) content and attribute values.
CREATE FUNCTION rbp.svg_escape(p_text text) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    AS $$ SELECT replace(replace(replace(replace(replace(p_text, '&', '&amp;'), '<', '&lt;'), '>', '&gt;'), '"', '&quot;'), '''', '&#39;') $$;
COMMENT ON FUNCTION rbp.svg_escape(text) IS 'Internal: escape text for SVG/XML content and attributes';

-- Internal: the colour of a point at distance d (1 = next to the middle) from the centre, on the
-- disagree (negative) or agree side of a scale with k points on each side: ColorBrewer RdBu,
-- distinguishable by people with the common colour-vision deficiencies.
CREATE FUNCTION rbp.chart_colour(p_agree boolean, p_distance integer, p_side_points integer) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    AS $$
    WITH ends AS (
        SELECT CASE WHEN p_agree THEN ARRAY[146, 197, 222] ELSE ARRAY[244, 165, 130] END AS mild,
               CASE WHEN p_agree THEN ARRAY[33, 102, 172] ELSE ARRAY[178, 24, 43] END AS strong,
               CASE WHEN p_side_points <= 1 THEN 1.0 ELSE (p_distance - 1)::numeric / (p_side_points - 1) END AS f
    )
    SELECT '#' || string_agg(lpad(to_hex(round(mild[c] + (strong[c] - mild[c]) * f)::integer), 2, '0'), '' ORDER BY c)
      FROM ends, generate_series(1, 3) AS c
$$;
COMMENT ON FUNCTION rbp.chart_colour(boolean, integer, integer) IS 'Internal: the diverging colour of a scale point (RdBu) by side and distance from the middle';

CREATE FUNCTION rbp.report_chart_svg(p_title text, p_cells jsonb, p_description text DEFAULT NULL,
                                     p_language text DEFAULT 'en') RETURNS text
    LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    c_width constant integer := 880;
    c_label_right constant integer := 262;
    c_centre constant integer := 520;
    c_half constant integer := 240;       -- 100 % of answers on one side
    c_top constant integer := 84;
    c_row constant integer := 44;
    c_bar constant integer := 26;
    v_points integer;
    v_side integer;
    v_labels text[];
    v_cell jsonb;
    v_row integer := 0;
    v_y integer;
    v_shares numeric[];
    v_suppressed boolean;
    v_label text;
    v_n text;
    v_body text := '';
    v_desc text := '';
    v_x numeric;
    v_w numeric;
    v_v integer;
    v_left numeric;
    v_legend text := '';
    v_height integer;
    v_agree numeric;
    v_disagree numeric;
BEGIN
    IF p_cells IS NULL OR jsonb_typeof(p_cells) <> 'array' OR jsonb_array_length(p_cells) = 0 THEN
        RAISE EXCEPTION 'cells must be a non-empty JSON array of {"label", "points", "shares", "respondents", "suppressed"}'
            USING ERRCODE = 'invalid_parameter_value', HINT = 'See doc/chart.md for the shape of a cell.';
    END IF;
    SELECT min((c ->> 'points')::integer), count(DISTINCT c -> 'points') INTO v_points, v_v
      FROM jsonb_array_elements(p_cells) AS c;
    IF v_v <> 1 OR v_points IS NULL OR v_points NOT BETWEEN 2 AND 10 THEN
        RAISE EXCEPTION 'every cell needs the same number of points (2 to 10)' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    v_side := v_points / 2;
    v_labels := rbp.point_labels(v_points, coalesce(p_language, 'en'));

    FOR v_cell IN SELECT value FROM jsonb_array_elements(p_cells) LOOP
        v_label := coalesce(v_cell ->> 'label', '');
        v_n := coalesce(v_cell ->> 'respondents', '');
        v_suppressed := coalesce((v_cell ->> 'suppressed')::boolean, false) OR jsonb_typeof(v_cell -> 'shares') IS DISTINCT FROM 'array';
        v_y := c_top + v_row * c_row;
        -- A label longer than the label column (about 32 characters at 14 px) is shortened on the
        -- picture; the full label stays in its tooltip and in the description.
        v_body := v_body || format('<text x="%s" y="%s" text-anchor="end" class="label"><title>%s</title>%s</text>',
                                   c_label_right, v_y + 18, rbp.svg_escape(v_label),
                                   rbp.svg_escape(CASE WHEN length(v_label) > 32 THEN left(v_label, 31) || '…' ELSE v_label END));
        IF v_suppressed THEN
            v_body := v_body || format('<g class="suppressed"><title>%s: suppressed (c)</title>'
                                       '<rect x="%s" y="%s" width="%s" height="%s" fill="#ffffff" stroke="#6b6b6b" stroke-width="1.5" stroke-dasharray="6 4"/>'
                                       '<text x="%s" y="%s" text-anchor="middle" class="note">c: suppressed, not published</text></g>',
                                       rbp.svg_escape(v_label), c_centre - c_half, v_y, 2 * c_half, c_bar, c_centre, v_y + 18);
            v_desc := v_desc || format(' %s: suppressed (c).', v_label);
        ELSE
            SELECT array_agg(s::numeric ORDER BY n) INTO v_shares
              FROM jsonb_array_elements_text(v_cell -> 'shares') WITH ORDINALITY AS e(s, n);
            IF cardinality(v_shares) <> v_points OR EXISTS (SELECT FROM unnest(v_shares) s WHERE s IS NULL OR s < 0 OR s > 1)
               OR abs((SELECT sum(s) FROM unnest(v_shares) s) - 1) > 0.011 THEN
                RAISE EXCEPTION 'cell "%": shares must be % numbers from 0 to 1 adding up to 1', v_label, v_points
                    USING ERRCODE = 'invalid_parameter_value';
            END IF;
            -- Left of the centre: the middle point's half (odd scales), then the disagree points outwards.
            v_left := CASE WHEN v_points % 2 = 1 THEN v_shares[v_side + 1] / 2 ELSE 0 END;
            v_x := c_centre - v_left * c_half;
            IF v_points % 2 = 1 AND v_shares[v_side + 1] > 0 THEN
                v_w := v_shares[v_side + 1] * c_half;
                v_body := v_body || format('<rect x="%s" y="%s" width="%s" height="%s" fill="#d9d9d9"><title>%s, %s: %s%%</title></rect>',
                                           round(v_x, 2), v_y, round(v_w, 2), c_bar, rbp.svg_escape(v_label),
                                           rbp.svg_escape(v_labels[v_side + 1]), round(100 * v_shares[v_side + 1]));
            END IF;
            FOR v_v IN REVERSE v_side .. 1 LOOP
                v_w := v_shares[v_v] * c_half;
                v_x := v_x - v_w;
                CONTINUE WHEN v_w = 0;
                v_body := v_body || format('<rect x="%s" y="%s" width="%s" height="%s" fill="%s"><title>%s, %s: %s%%</title></rect>',
                                           round(v_x, 2), v_y, round(v_w, 2), c_bar, rbp.chart_colour(false, v_side + 1 - v_v, v_side),
                                           rbp.svg_escape(v_label), rbp.svg_escape(v_labels[v_v]), round(100 * v_shares[v_v]));
            END LOOP;
            v_x := c_centre + v_left * c_half;
            FOR v_v IN v_points - v_side + 1 .. v_points LOOP
                v_w := v_shares[v_v] * c_half;
                CONTINUE WHEN v_w = 0;
                v_body := v_body || format('<rect x="%s" y="%s" width="%s" height="%s" fill="%s"><title>%s, %s: %s%%</title></rect>',
                                           round(v_x, 2), v_y, round(v_w, 2), c_bar,
                                           rbp.chart_colour(true, v_v - (v_points - v_side), v_side),
                                           rbp.svg_escape(v_label), rbp.svg_escape(v_labels[v_v]), round(100 * v_shares[v_v]));
                v_x := v_x + v_w;
            END LOOP;
            SELECT sum(s) FILTER (WHERE n > v_points - v_side), sum(s) FILTER (WHERE n <= v_side)
              INTO v_agree, v_disagree FROM unnest(v_shares) WITH ORDINALITY AS u(s, n);
            v_desc := v_desc || format(' %s: %s%% agree, %s%% disagree, %s people.', v_label,
                                       round(100 * v_agree), round(100 * v_disagree), v_n);
        END IF;
        v_body := v_body || format('<text x="%s" y="%s" class="count">n = %s</text>',
                                   c_centre + c_half + 12, v_y + 18, rbp.svg_escape(v_n));
        v_row := v_row + 1;
    END LOOP;

    -- Legend: one swatch per point, disagree to agree, wrapped to the width (text about 7.5 px a character).
    v_y := c_top + v_row * c_row + 10;
    v_x := 20;
    FOR v_v IN 1 .. v_points LOOP
        v_w := 18 + 7.5 * length(v_labels[v_v]) + 24;
        IF v_x + v_w > c_width AND v_x > 20 THEN
            v_x := 20;
            v_y := v_y + 22;
        END IF;
        v_legend := v_legend || format('<rect x="%s" y="%s" width="14" height="14" fill="%s"/><text x="%s" y="%s" class="legend">%s</text>',
            round(v_x), v_y,
            CASE WHEN v_v <= v_side THEN rbp.chart_colour(false, v_side + 1 - v_v, v_side)
                 WHEN v_v > v_points - v_side THEN rbp.chart_colour(true, v_v - (v_points - v_side), v_side)
                 ELSE '#d9d9d9' END,
            round(v_x) + 18, v_y + 12, rbp.svg_escape(v_labels[v_v]));
        v_x := v_x + v_w;
    END LOOP;
    v_height := v_y + 40;

    RETURN format('<svg xmlns="http://www.w3.org/2000/svg" width="%s" height="%s" viewBox="0 0 %s %s" role="img" lang="%s" aria-labelledby="chart-title chart-desc">'
                  '<title id="chart-title">%s</title><desc id="chart-desc">%s</desc>'
                  '<style>text{font-family:"DejaVu Sans",Arial,sans-serif;fill:#1a1a1a}.title{font-size:18px;font-weight:bold}'
                  '.label,.count,.note{font-size:14px}.axis,.legend{font-size:12px}</style>'
                  '<rect width="100%%" height="100%%" fill="#ffffff"/>'
                  '<text x="20" y="30" class="title">%s</text>'
                  '<text x="%s" y="64" text-anchor="end" class="axis">&#8592; disagree</text>'
                  '<text x="%s" y="64" class="axis">agree &#8594;</text>'
                  '<line x1="%s" y1="72" x2="%s" y2="%s" stroke="#1a1a1a" stroke-width="1"/>'
                  '%s%s</svg>',
                  c_width, v_height, c_width, v_height, rbp.svg_escape(coalesce(p_language, 'en')),
                  rbp.svg_escape(coalesce(p_title, '')),
                  rbp.svg_escape(coalesce(p_description,
                      format('Diverging stacked bar chart of %s published cells: answers below the middle of the scale to the left, above it to the right.', v_row)
                      || v_desc)),
                  rbp.svg_escape(coalesce(p_title, '')),
                  c_centre - 8, c_centre + 8, c_centre, c_centre, c_top + v_row * c_row - c_row + c_bar + 4,
                  v_body, v_legend);
END
$$;
COMMENT ON FUNCTION rbp.report_chart_svg(text, jsonb, text, text) IS
    'An accessible SVG diverging stacked bar chart (title, description, labels) of published cells given as JSON (doc/chart.md); suppressed cells are drawn as dashed empty bars marked c';

REVOKE ALL ON FUNCTION rbp.report_chart_svg(text, jsonb, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION rbp.report_chart_svg(text, jsonb, text, text) TO rbp_report_writer, rbp_qa, rbp_admin;
GRANT EXECUTE ON FUNCTION rbp.point_labels(integer, text), rbp.form_text_in(text, text)
    TO rbp_report_writer, rbp_qa, rbp_staff, rbp_admin;

-- ==== sql/install/75_chart_cells.sql ====
-- The chart's cells from the published reports (doc/chart.md): rbp.report_points (per-point
-- counts of each published cell, 61_report_views.sql) turned into the cells rbp.report_chart_svg
-- draws. It runs with the caller's rights, so it reads exactly what the caller may read of the
-- report views and nothing else. A cell is drawn as suppressed when its count is suppressed or any
-- of its points is; otherwise its shares are its published point counts over their sum.
CREATE FUNCTION rbp.report_chart_cells(p_authority text, p_question text, p_period_label text,
                                       p_levels text[] DEFAULT ARRAY['authority', 'team', 'worker'])
    RETURNS jsonb
    LANGUAGE sql STABLE
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
    WITH cell AS (
        SELECT p.level, p.team, p.worker, coalesce(p.worker_name, p.team_name, p.authority) AS label, p.period, p.period_start,
               p.instrument, p.question,
               max(p.point) AS points,
               bool_or(p.suppressed) AS point_suppressed,
               array_agg(p.answers_n ORDER BY p.point) AS counts,
               sum(p.answers_n) AS total
          FROM rbp.report_points p
         WHERE p.authority = p_authority AND p.question = p_question AND p.period_label = p_period_label
           AND p.level = ANY (p_levels)
         GROUP BY p.level, p.team, p.worker, coalesce(p.worker_name, p.team_name, p.authority), p.period, p.period_start,
                  p.instrument, p.question
    )
    SELECT coalesce(jsonb_agg(jsonb_build_object(
               'label', c.label,
               'points', c.points,
               'shares', CASE WHEN NOT c.point_suppressed AND NOT coalesce(s.suppressed, true) AND c.total > 0 THEN
                             (SELECT jsonb_agg(round(n::numeric / c.total, 4) ORDER BY i) FROM unnest(c.counts) WITH ORDINALITY AS u(n, i)) END,
               'respondents', coalesce(s.respondents, 'c'),
               'suppressed', c.point_suppressed OR coalesce(s.suppressed, true))
             ORDER BY array_position(p_levels, c.level), c.label), '[]')
      FROM cell c
      LEFT JOIN rbp.report_scores s
        ON s.authority = p_authority AND s.level = c.level AND s.team IS NOT DISTINCT FROM c.team
       AND s.worker IS NOT DISTINCT FROM c.worker AND s.period = c.period AND s.period_start = c.period_start
       AND s.instrument = c.instrument AND s.question = c.question AND s.respondent_kind IS NULL
$$;
COMMENT ON FUNCTION rbp.report_chart_cells(text, text, text, text[]) IS
    'Report writer: the published cells of a statement in a period (authority, team, worker) as the cells of rbp.report_chart_svg, suppressed ones marked';
REVOKE ALL ON FUNCTION rbp.report_chart_cells(text, text, text, text[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION rbp.report_chart_cells(text, text, text, text[]) TO rbp_report_writer;

-- ==== backups: the new tables are configuration tables, installed rows left out ====
SELECT pg_catalog.pg_extension_config_dump('rbp.instrument_translation', '');
SELECT pg_catalog.pg_extension_config_dump('rbp.question_translation', '');
SELECT pg_catalog.pg_extension_config_dump('rbp.glossary_translation', '');
SELECT pg_catalog.pg_extension_config_dump('rbp.support_option_translation', '');
SELECT pg_catalog.pg_extension_config_dump('rbp.question_glossary', 'WHERE NOT is_seed');
SELECT pg_catalog.pg_extension_config_dump('rbp.form_text', 'WHERE NOT is_seed');
SELECT pg_catalog.pg_extension_config_dump('rbp.authority_language', '');
SELECT pg_catalog.pg_extension_config_dump('rbp.safety_rule', '');
SELECT pg_catalog.pg_extension_config_dump('rbp.safety_signal', '');
