-- Languages and the survey form's contract from a token (doc/survey-intake.md): complete
-- translations only, fallbacks to English key by key, the language chosen per form and never
-- stored, and the one JSON document a form needs, for the survey intake role only. The round trip
-- of test/sql/73_fhir.sql submits randomly in English or Welsh and reads back the same answers.
--
-- Mutations seen failing: without the completeness check of rbp.set_instrument_translation, "a
-- translation missing questions is refused"; without the availability check of
-- rbp.resolve_language, "a language the questionnaire is not translated into is refused".
BEGIN;
SET client_min_messages = warning;
CREATE EXTENSION feedback_rbp;
RESET client_min_messages;
SELECT plan(37);
\ir ../helpers/pgtap_roles.sql
\ir ../helpers/two_authorities.sql

-- Translations: complete or refused -------------------------------------------------------------
SET ROLE t_admin;
SELECT throws_ok($$ SELECT rbp.set_instrument_translation('children_young_people', 1, 'cy', 'T', 'I', '{"dial_safe": "Diogel"}') $$,
                 '22023', NULL, 'a translation missing questions is refused');
SELECT throws_ok($$ SELECT rbp.set_instrument_translation('children_young_people', 1, 'cy', 'T', 'I',
                        (SELECT jsonb_object_agg(q.code, 'x') || '{"no_such_question": "x"}' FROM rbp.question q
                           JOIN rbp.instrument i USING (instrument_id) WHERE i.code = 'children_young_people' AND i.version = 1)) $$,
                 '22023', NULL, 'a translation of a question the instrument does not have is refused');
SELECT throws_ok($$ SELECT rbp.set_instrument_translation('children_young_people', 1, 'Welsh!', 'T', 'I', '{}') $$,
                 '23514', NULL, 'a language that is not a BCP 47 tag is refused by the domain');
SELECT throws_ok($$ SELECT rbp.set_instrument_translation('children_young_people', 9, 'cy', 'T', 'I', '{}') $$,
                 '22023', 'unknown instrument "children_young_people" version 9', 'an unknown version is refused');
SELECT throws_ok($$ SELECT rbp.set_form_text('en', 'dial.low', 'Nope') $$, '22023', NULL,
                 'the installed English texts cannot be changed (a restore would re-create them)');
SELECT throws_ok($$ SELECT rbp.set_form_text('cy', 'no.such.key', 'x') $$, '22023', NULL, 'an unknown form text key is refused');
SELECT throws_ok($$ SELECT rbp.link_glossary_term('children_young_people', 1, 'dial_safe', 'safe', 7) $$, '22023', NULL,
                 'an installed glossary link cannot be changed');
RESET ROLE;
SELECT is_empty($$ SELECT FROM rbp.instrument_translation $$, 'nothing of the refused translations was stored');
SET ROLE t_intake;
SELECT throws_ok($$ SELECT rbp.set_instrument_translation('children_young_people', 1, 'cy', 'T', 'I', '{}') $$,
                 '42501', NULL, 'survey intake cannot translate instruments');
RESET ROLE;
\ir ../helpers/welsh_children.sql
SELECT is(rbp.instrument_languages((SELECT instrument_id FROM rbp.instrument WHERE code = 'children_young_people' AND version = 1)),
          ARRAY['en', 'cy'], 'the children''s dials are available in English and Welsh');
SELECT is(rbp.instrument_languages((SELECT instrument_id FROM rbp.instrument WHERE code = 'parents_carers' AND version = 1)),
          ARRAY['en'], 'the parents'' questionnaire only in English');

-- The form from a token --------------------------------------------------------------------------
SET ROLE t_admin;
SELECT rbp.add_support_option('north', 'practical', 'Family Hub', 'Weekdays 9 to 5', false, 1) AS hub \gset
SELECT rbp.add_support_option('north', 'emotional', 'Your social worker', 'The number on your leaflet', true, 2) \g /dev/null
SELECT rbp.set_support_option_translation(:hub, 'cy', 'Hyb Teulu', 'Dyddiau''r wythnos 9 tan 5') \g /dev/null
RESET ROLE;

SET ROLE t_intake;
CREATE TEMP TABLE form_en AS SELECT rbp.survey_form((SELECT token FROM tok WHERE who = 'YP1')) AS f;
CREATE TEMP TABLE form_cy AS SELECT rbp.survey_form((SELECT token FROM tok WHERE who = 'YP1'), 'cy') AS f;
CREATE TEMP TABLE form_p1 AS SELECT rbp.survey_form((SELECT token FROM tok WHERE who = 'P1')) AS f;
SELECT is((SELECT f ->> 'language' FROM form_en), 'en', 'without a choice (and no authority default) the form is in English');
SELECT is((SELECT jsonb_object_keys_sorted FROM (SELECT array_agg(k ORDER BY k) AS jsonb_object_keys_sorted
                                                   FROM form_en, jsonb_object_keys(f) AS k) s),
          ARRAY['anonymity_choices', 'authority', 'contract', 'expires_on', 'introduction', 'language', 'languages',
                'questionnaire', 'questions', 'safety_notices', 'skip_note', 'support', 'title'],
          'the contract has exactly its documented keys');
SELECT is((SELECT f -> 'authority' FROM form_en), '{"code": "north", "name": "North Council"}', 'the authority');
SELECT is((SELECT f -> 'questionnaire' FROM form_en),
          '{"code": "children_young_people", "version": 1, "fhir_canonical": "urn:feedback-rbp:questionnaire:children_young_people|1"}',
          'the questionnaire, with its FHIR canonical URL and version');
SELECT is((SELECT f -> 'languages' FROM form_en), '["en", "cy"]', 'the language variants');
SELECT is((SELECT jsonb_array_length(f -> 'questions') FROM form_en), 6, 'every question of the instrument');
SELECT is((SELECT f #> '{questions,4,points,0}' FROM form_en), '{"label": "1 - Not at all", "value": 1}', 'a dial''s low end is labelled');
SELECT is((SELECT f #>> '{questions,4,glossary,0,definition}' FROM form_en),
          'The relationship makes you feel safe.', 'glossary help per question');
SELECT is((SELECT array_agg(c ->> 'level') FROM form_en, jsonb_array_elements(f -> 'anonymity_choices') c),
          ARRAY['named', 'worker_only', 'anonymous'], 'the three anonymity choices, least anonymous first');
SELECT is((SELECT jsonb_array_length(f #> '{support,options}') FROM form_en), 2, 'the support options');
SELECT is((SELECT f #> '{questions,0,points}' FROM form_p1), 'null'::jsonb, 'a free-text question has no points');
SELECT is((SELECT f #> '{questions,1,points,4,label}' FROM form_p1), '"Strongly agree"', 'the parents'' statements carry the questionnaire''s labels');
SELECT is((SELECT f ->> 'title' FROM form_cy), 'Y 5 Uchaf: ti a dy weithiwr cymdeithasol', 'in Welsh: the title');
SELECT is((SELECT f #>> '{questions,4,prompt}' FROM form_cy), 'Mae''n gwneud i mi deimlo''n ddiogel', 'in Welsh: the prompts');
SELECT is((SELECT f #>> '{questions,4,points,9,label}' FROM form_cy), '10 - Yn llwyr', 'in Welsh: the point labels');
SELECT is((SELECT f #> '{questions,4,glossary,0}' FROM form_cy),
          '{"term": "safe", "text": "diogel", "language": "cy", "definition": "Mae''r berthynas yn gwneud i ti deimlo''n ddiogel."}',
          'in Welsh: a translated glossary term');
SELECT is((SELECT f #>> '{questions,0,glossary,0,language}' FROM form_cy), 'en', 'an untranslated glossary term falls back to English and says so');
SELECT is((SELECT f #>> '{support,options,0,title}' FROM form_cy), 'Hyb Teulu', 'in Welsh: a translated support option');
SELECT throws_ok($$ SELECT rbp.survey_form((SELECT token FROM tok WHERE who = 'P1'), 'cy') $$, '22023', NULL,
                 'a language the questionnaire is not translated into is refused');
SELECT throws_ok($$ SELECT rbp.survey_form('no-such-token') $$, '22023', 'invitation token not recognised', 'an unknown token is refused');
RESET ROLE;

SET ROLE t_admin;
SELECT rbp.set_authority_language('north', 'cy') \g /dev/null
RESET ROLE;
SET ROLE t_intake;
SELECT is(rbp.survey_form((SELECT token FROM tok WHERE who = 'YP1')) ->> 'language', 'cy',
          'a Welsh council''s forms open in Welsh when the questionnaire is translated');
SELECT is(rbp.survey_form((SELECT token FROM tok WHERE who = 'P1')) ->> 'language', 'en',
          '... and in English when it is not');
-- Answers do not depend on the language: the submission carries none, and none is stored.
SELECT lives_ok($$ SELECT rbp.submit_response((SELECT token FROM tok WHERE who = 'YP1'), 'named', '{"dial_safe": 8}', 'online', false, '2026-03-01') $$,
                'a response after a Welsh form is submitted like any other');
SELECT throws_ok($$ SELECT rbp.survey_form((SELECT token FROM tok WHERE who = 'YP1')) $$, '23505', NULL,
                 'a used invitation gives no form');
RESET ROLE;
SELECT is_empty($$ SELECT attname FROM pg_attribute WHERE attrelid IN ('rbp.response'::regclass, 'rbp.answer'::regclass,
                                                                      'rbp.anonymous_holding'::regclass)
                     AND attname ~ 'lang' $$, 'no response, answer or held answer records a language');

SET ROLE t_report;
SELECT throws_ok($$ SELECT rbp.survey_form((SELECT token FROM tok WHERE who = 'P2')) $$, '42501', NULL,
                 'only survey intake reads forms');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;
