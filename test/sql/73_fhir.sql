-- FHIR R4 interchange (doc/fhir.md): the exported Questionnaire and the read-back
-- QuestionnaireResponse pass a structural validator written from the R4 definitions
-- (test/helpers/fhir_validator.sql), and the validator itself rejects broken resources; a randomised
-- round trip export -> fill in -> submit -> read back gives the same answers, stored exactly as
-- rbp.submit_response stores the same answers; every refusal has submit_response's SQLSTATE and
-- leaves the invitation unused.
--
-- Mutations seen failing: accepting any questionnaire version in rbp.fhir_response_answers (the
-- check of QuestionnaireResponse.questionnaire removed) fails "another questionnaire / another
-- version is refused"; marking the glossary help items required (que-6) fails the validator test of
-- the exported Questionnaire.
BEGIN;
SET client_min_messages = warning;
CREATE EXTENSION feedback_rbp;
RESET client_min_messages;
SELECT plan(47);
\ir ../helpers/pgtap_roles.sql
\ir ../helpers/two_authorities.sql
\ir ../helpers/fhir_validator.sql
\ir ../helpers/welsh_children.sql
SET ROLE t_admin;
SELECT rbp.add_support_option('north', 'emotional', 'Helpline', '0800 000 000', false, 1) \g /dev/null
RESET ROLE;

-- The exported Questionnaire --------------------------------------------------------------------
SET ROLE t_intake;
CREATE TEMP TABLE q AS
SELECT i AS instrument, l AS language, a AS authority, rbp.instrument_as_fhir(i, 1, l, a) AS r
  FROM (VALUES ('parents_carers', 'en', NULL), ('parents_carers', 'en', 'north'),
               ('children_young_people', 'en', NULL), ('children_young_people', 'cy', 'north')) AS v(i, l, a);
RESET ROLE;
SELECT is_empty($$ SELECT q.instrument, q.language, p FROM q, pg_temp.fhir_questionnaire_problems(q.r) p $$,
                'every exported Questionnaire is valid FHIR R4 (structure, cardinalities, value types, invariants)');
SELECT is((SELECT r ->> 'url' || '|' || (r ->> 'version') FROM q WHERE instrument = 'parents_carers' AND authority IS NULL),
          'urn:feedback-rbp:questionnaire:parents_carers|1', 'canonical URL and version name the instrument version');
SELECT is((SELECT jsonb_path_query_array(r, '$.item[*] ? (@.type == "choice" || @.type == "text").linkId') FROM q
            WHERE instrument = 'parents_carers' AND authority IS NULL),
          (SELECT jsonb_agg(code ORDER BY position) FROM rbp.question WHERE instrument_id = (SELECT instrument_id FROM rbp.instrument WHERE code = 'parents_carers' AND version = 1)), 'one item per question, in order, linkId = question code');
SELECT is((SELECT jsonb_path_query_array(r, '$.item ? (@.linkId == "q2_trust").answerOption[*].valueCoding.code') FROM q
            WHERE instrument = 'parents_carers' AND authority IS NULL),
          '["1", "2", "3", "4", "5"]', 'a 5-point statement offers the five points as codes');
SELECT is((SELECT jsonb_path_query_first(r, '$.item ? (@.linkId == "q2_trust").answerOption[3]') FROM q
            WHERE instrument = 'parents_carers' AND authority IS NULL),
          '{"extension": [{"url": "http://hl7.org/fhir/StructureDefinition/itemWeight", "valueDecimal": 4},
                          {"url": "http://hl7.org/fhir/StructureDefinition/ordinalValue", "valueDecimal": 4}],
            "valueCoding": {"code": "4", "system": "urn:feedback-rbp:scale:5-point", "display": "Agree"}}',
          'a point is a valueCoding with its label and its itemWeight');
SELECT is((SELECT jsonb_array_length(jsonb_path_query_first(r, '$.item ? (@.linkId == "dial_safe").answerOption')) FROM q
            WHERE instrument = 'children_young_people' AND language = 'en'), 10, 'a dial offers ten points');
SELECT is((SELECT jsonb_path_query_first(r, '$.item ? (@.linkId == "q1_situation").answerOption') FROM q
            WHERE instrument = 'parents_carers' AND authority IS NULL), NULL, 'a free-text question is a text item without options');
SELECT is((SELECT jsonb_path_query_first(r, '$.item ? (@.linkId == "dial_safe").item[0]') FROM q
            WHERE instrument = 'children_young_people' AND language = 'cy'),
          '{"linkId": "dial_safe.help.1", "type": "display", "text": "diogel: Mae''r berthynas yn gwneud i ti deimlo''n ddiogel.",
            "extension": [{"url": "http://hl7.org/fhir/StructureDefinition/questionnaire-itemControl",
                           "valueCodeableConcept": {"coding": [{"code": "help", "system": "http://hl7.org/fhir/questionnaire-item-control", "display": "Help-Button"}]}},
                          {"url": "http://hl7.org/fhir/StructureDefinition/questionnaire-displayCategory",
                           "valueCodeableConcept": {"coding": [{"code": "help", "system": "http://hl7.org/fhir/questionnaire-display-category", "display": "Help"}]}}]}',
          'a glossary term is a help display item under its question, display category help (in Welsh here)');
SELECT is((SELECT count(*)::integer FROM q, jsonb_path_query(q.r, '$.item[*].item[*] ? (@.type == "display")')
            WHERE instrument = 'parents_carers' AND authority IS NULL),
          (SELECT count(*)::integer FROM rbp.question_glossary JOIN rbp.question USING (question_id) WHERE instrument_id = (SELECT instrument_id FROM rbp.instrument WHERE code = 'parents_carers' AND version = 1)),
          'every glossary link of the questionnaire is there');
SELECT is((SELECT jsonb_path_query_first(r, '$.item ? (@.linkId == "support")') FROM q WHERE instrument = 'parents_carers' AND authority = 'north'),
          '{"linkId": "support", "type": "group", "text": "Support is available", "item": [{"linkId": "support.1", "type": "display", "text": "Helpline: 0800 000 000"}]}',
          'with an authority: its support options as a group of display items');
SELECT ok((SELECT NOT jsonb_path_exists(r, '$.item ? (@.linkId == "support")') FROM q WHERE instrument = 'parents_carers' AND authority IS NULL),
          'without an authority: no support options (they are the authority''s)');
SELECT ok((SELECT (r #>> '{item,0,text}') LIKE 'Os wyt ti''n rhoi dy enw%' AND r #>> '{item,0,linkId}' = 'safety-notice.1'
                  AND r #>> '{item,0,extension,0,valueCodeableConcept,coding,0,code}' = 'security'
             FROM q WHERE instrument = 'children_young_people' AND language = 'cy'),
          'a children''s questionnaire of an authority starts with its safety notice');
SELECT is((SELECT r ->> 'title' FROM q WHERE instrument = 'children_young_people' AND language = 'cy'),
          'Y 5 Uchaf: ti a dy weithiwr cymdeithasol', 'the Welsh questionnaire');

-- The validator can fail (a test of the test) ------------------------------------------------------
SELECT isnt_empty($$ SELECT pg_temp.fhir_questionnaire_problems(r - 'status') FROM q LIMIT 1 $$, 'validator: status is required');
SELECT isnt_empty($$ SELECT pg_temp.fhir_questionnaire_problems(jsonb_set(r, '{item,0,answerOption}', '[{"valueString": "x"}]'))
                       FROM q WHERE instrument = 'parents_carers' AND authority IS NULL $$,
                  'validator: que-5, options on a free-text item');
SELECT isnt_empty($$ SELECT pg_temp.fhir_questionnaire_problems(jsonb_set(r, '{item,1,answerOption,0,valueString}', '"x"'))
                       FROM q WHERE instrument = 'parents_carers' AND authority IS NULL $$,
                  'validator: two value[x] in one answerOption');
SELECT isnt_empty($$ SELECT pg_temp.fhir_questionnaire_problems(jsonb_set(r, '{item,1,linkId}', '"q1_situation"'))
                       FROM q WHERE instrument = 'parents_carers' AND authority IS NULL $$, 'validator: que-2, duplicate linkId');
SELECT isnt_empty($$ SELECT pg_temp.fhir_questionnaire_problems(jsonb_set(r, '{item,1,type}', '"likert"'))
                       FROM q WHERE instrument = 'parents_carers' AND authority IS NULL $$, 'validator: an item type outside the code list');
SELECT isnt_empty($$ SELECT pg_temp.fhir_questionnaire_problems(jsonb_set(r, '{title}', 'null'))
                       FROM q LIMIT 1 $$, 'validator: null is not a FHIR JSON value');
SELECT isnt_empty($$ SELECT pg_temp.fhir_response_problems('{"resourceType": "QuestionnaireResponse", "status": "completed",
                         "item": [{"linkId": "a", "answer": [{"valueCoding": {"code": "1"}, "valueString": "x"}]}]}') $$,
                  'validator: an answer with two value[x]');
SELECT isnt_empty($$ SELECT pg_temp.fhir_response_problems('{"resourceType": "QuestionnaireResponse", "status": "done"}') $$,
                  'validator: a status outside the code list');

-- Randomised round trip: export, fill in, submit, read back ---------------------------------------
SELECT setseed(0.42);
CREATE TEMP TABLE trip (n integer, token text, twin text, respondent text, anonymity text, language text, qr jsonb, answers jsonb);
GRANT ALL ON trip TO PUBLIC;
DO $$
DECLARE
    i integer;
    v_kind text;
    v_instrument text;
    v_language text;
    v_q jsonb;
    v_items jsonb;
    v_answers jsonb;
    v_item jsonb;
    v_opt jsonb;
BEGIN
    FOR i IN 1 .. 24 LOOP
        v_kind := CASE WHEN i % 2 = 0 THEN 'child_young_person' ELSE 'parent' END;
        v_instrument := CASE WHEN v_kind = 'parent' THEN 'parents_carers' ELSE 'children_young_people' END;
        v_language := CASE WHEN v_kind = 'parent' OR random() < 0.5 THEN 'en' ELSE 'cy' END;
        PERFORM rbp.register_respondent('north', 'F1', 'RT' || i, v_kind::rbp.respondent_kind);
        v_q := rbp.instrument_as_fhir(v_instrument, 1, v_language, 'north');
        v_items := '[]';
        v_answers := '{}';
        FOR v_item IN SELECT value FROM jsonb_array_elements(v_q -> 'item') WHERE value ->> 'type' IN ('choice', 'text') LOOP
            CONTINUE WHEN random() < 0.25;                                  -- skipped
            IF v_item ->> 'type' = 'choice' THEN
                v_opt := v_item -> 'answerOption' -> floor(random() * jsonb_array_length(v_item -> 'answerOption'))::integer;
                v_items := v_items || jsonb_build_array(jsonb_build_object('linkId', v_item ->> 'linkId', 'text', v_item ->> 'text',
                                                                           'answer', jsonb_build_array(jsonb_build_object('valueCoding', v_opt -> 'valueCoding'))));
                v_answers := v_answers || jsonb_build_object(v_item ->> 'linkId', (v_opt #>> '{valueCoding,code}')::integer);
            ELSE
                v_items := v_items || jsonb_build_array(jsonb_build_object('linkId', v_item ->> 'linkId',
                                                                           'answer', jsonb_build_array(jsonb_build_object('valueString', 'Words ' || i))));
                v_answers := v_answers || jsonb_build_object(v_item ->> 'linkId', 'Words ' || i);
            END IF;
        END LOOP;
        INSERT INTO trip VALUES (i, rbp.issue_invitation('north', 'I1', 'RT' || i, 'link', 3650, '2026-02-01'),
                                 rbp.issue_invitation('north', 'I1', 'RT' || i, 'link', 3650, '2026-02-01'),
                                 'RT' || i, (ARRAY['named', 'worker_only', 'anonymous'])[1 + i % 3], v_language,
                                 jsonb_strip_nulls(jsonb_build_object('resourceType', 'QuestionnaireResponse',
                                     'questionnaire', (v_q ->> 'url') || '|' || (v_q ->> 'version'), 'status', 'completed',
                                     'language', v_language, 'authored', '2026-03-04',
                                     'item', CASE WHEN jsonb_array_length(v_items) > 0 THEN v_items END)),
                                 v_answers);
    END LOOP;
END
$$;
SELECT is_empty($$ SELECT n, p FROM trip, pg_temp.fhir_response_problems(trip.qr) p $$, 'every filled-in QuestionnaireResponse is valid FHIR R4');
SET ROLE t_intake;
SELECT lives_ok($$ SELECT rbp.submit_fhir_response(token, anonymity::rbp.anonymity, qr, 'online', false, '2026-03-04') FROM trip $$,
                'survey intake submits every QuestionnaireResponse');
SELECT lives_ok($$ SELECT rbp.submit_response(twin, anonymity::rbp.anonymity, answers, 'online', false, '2026-03-04') FROM trip $$,
                '... and the same answers of the twin invitations through rbp.submit_response');
RESET ROLE;
SET ROLE t_qa_n;
CREATE TEMP TABLE back AS
SELECT r.response_id, rp.respondent_ref, r.anonymity::text, r.worker_id, r.team_id, r.period, r.submitted_on, r.channel, r.qa_status,
       rbp.response_as_fhir(r.response_id) AS qr,
       (SELECT coalesce(jsonb_object_agg(q.code, coalesce(to_jsonb(rbp.likert_value(a.score)), to_jsonb(a.free_text))), '{}')
          FROM rbp.answer a JOIN rbp.question q USING (question_id) WHERE a.response_id = r.response_id) AS stored
  FROM rbp.response r LEFT JOIN rbp.respondent rp USING (respondent_id)
 WHERE r.anonymity = 'named' AND rp.respondent_ref LIKE 'RT%';
RESET ROLE;
SELECT is((SELECT count(*)::integer FROM back), 2 * (SELECT count(*)::integer FROM trip WHERE anonymity = 'named'),
          'QA reads back every named response of both paths');
SELECT is_empty($$ SELECT respondent_ref, p FROM back, pg_temp.fhir_response_problems(back.qr) p $$,
                'every read-back QuestionnaireResponse is valid FHIR R4');
SELECT is_empty($$ SELECT t.n FROM trip t JOIN back b ON b.respondent_ref = t.respondent
                    WHERE b.stored <> t.answers
                       OR (SELECT coalesce(jsonb_object_agg(it ->> 'linkId', coalesce(to_jsonb((it #>> '{answer,0,valueCoding,code}')::integer),
                                                                                       it #> '{answer,0,valueString}')), '{}')
                             FROM jsonb_array_elements(coalesce(b.qr -> 'item', '[]')) it) <> t.answers $$,
                'round trip: the answers read back, stored and as FHIR, are the answers filled in');
SELECT is_empty($$ SELECT respondent_ref FROM back GROUP BY respondent_ref, anonymity, worker_id, team_id, period, submitted_on, channel, qa_status, stored
                   HAVING count(*) <> 2 $$,
                'each FHIR submission is stored exactly as rbp.submit_response stored its twin (every column but the random id)');
SELECT is((SELECT count(*)::integer FROM rbp.anonymous_holding WHERE anonymity = 'worker_only')
          + (SELECT count(*)::integer FROM rbp.response WHERE anonymity = 'worker_only'),
          2 * (SELECT count(*)::integer FROM trip WHERE anonymity = 'worker_only'),
          'worker-only FHIR responses are held (or released) without the family like any other');
SELECT is((SELECT count(*)::integer FROM rbp.anonymous_holding WHERE anonymity = 'anonymous')
          + (SELECT count(*)::integer FROM rbp.response WHERE anonymity = 'anonymous'),
          2 * (SELECT count(*)::integer FROM trip WHERE anonymity = 'anonymous'),
          'anonymous FHIR responses go through the holding area like any other');

-- Refusals: submit_response's SQLSTATEs, and nothing stored -----------------------------------------
CREATE TEMP TABLE bad (token text);
GRANT ALL ON bad TO PUBLIC;
INSERT INTO bad VALUES (rbp.issue_invitation('north', 'I2', 'P2', 'link', 3650, '2026-02-01'));
CREATE TEMP VIEW good_qr AS SELECT '{"resourceType": "QuestionnaireResponse", "status": "completed",
    "questionnaire": "urn:feedback-rbp:questionnaire:parents_carers|1",
    "item": [{"linkId": "q2_trust", "answer": [{"valueCoding": {"system": "urn:feedback-rbp:scale:5-point", "code": "4"}}]}]}'::jsonb AS qr;
GRANT SELECT ON good_qr TO PUBLIC;
SET ROLE t_intake;
SELECT throws_ok($$ SELECT rbp.submit_fhir_response('no-such-token', 'named', qr) FROM good_qr $$, '22023', 'invitation token not recognised',
                 'an unknown token: 22023, as submit_response');
SELECT throws_ok($$ SELECT rbp.submit_fhir_response((SELECT token FROM tok WHERE who = 'P2'), NULL, qr) FROM good_qr $$, '22004', NULL,
                 'no anonymity choice: 22004, as submit_response');
SELECT throws_ok($$ SELECT rbp.submit_fhir_response(token, 'named', jsonb_set(qr, '{item,0,answer,0,valueCoding,code}', '"6"'), 'online', false, '2026-03-04')
                      FROM good_qr, bad $$, '22003', NULL, 'a point above the scale: 22003, as submit_response');
SELECT throws_ok($$ SELECT rbp.submit_fhir_response(token, 'named', jsonb_set(qr, '{item,0,answer,0,valueCoding,code}', '"lots"'), 'online', false, '2026-03-04')
                      FROM good_qr, bad $$, '22P02', NULL, 'a code that is no point at all: 22P02, as submit_response');
SELECT throws_ok($$ SELECT rbp.submit_fhir_response(token, 'named', jsonb_set(qr, '{item,0,linkId}', '"q9_favourite_colour"'), 'online', false, '2026-03-04')
                      FROM good_qr, bad $$, '22023', 'unknown question "q9_favourite_colour" for this questionnaire', 'an unknown question: 22023, as submit_response');
SELECT throws_ok($$ SELECT rbp.submit_fhir_response(token, 'named', jsonb_set(qr, '{questionnaire}', '"urn:feedback-rbp:questionnaire:children_young_people|1"'),
                                                    'online', false, '2026-03-04') FROM good_qr, bad $$,
                 '22023', NULL, 'a response to another questionnaire is refused');
SELECT throws_ok($$ SELECT rbp.submit_fhir_response(token, 'named', jsonb_set(qr, '{questionnaire}', '"urn:feedback-rbp:questionnaire:parents_carers|2"'),
                                                    'online', false, '2026-03-04') FROM good_qr, bad $$,
                 '22023', NULL, 'another version is refused');
SELECT throws_ok($$ SELECT rbp.submit_fhir_response(token, 'named', jsonb_set(qr, '{status}', '"in-progress"'), 'online', false, '2026-03-04') FROM good_qr, bad $$,
                 '22023', NULL, 'an unfinished (in-progress) response is refused');
SELECT throws_ok($$ SELECT rbp.submit_fhir_response(token, 'named', jsonb_set(qr, '{item,0,answer}', (qr #> '{item,0,answer}') || (qr #> '{item,0,answer}')),
                                                    'online', false, '2026-03-04') FROM good_qr, bad $$,
                 '22023', NULL, 'two answers to a question that does not repeat are refused');
SELECT throws_ok($$ SELECT rbp.submit_fhir_response(token, 'named', jsonb_set(qr, '{item,0,answer,0}', '{"valueInteger": 4}'), 'online', false, '2026-03-04')
                      FROM good_qr, bad $$, '22023', NULL, 'a scale answer that is not a valueCoding of its scale is refused');
SELECT throws_ok($$ SELECT rbp.submit_fhir_response(token, 'named', jsonb_set(qr, '{resourceType}', '"Questionnaire"'), 'online', false, '2026-03-04')
                      FROM good_qr, bad $$, '22023', 'not a FHIR QuestionnaireResponse', 'a resource of another type is refused');
SELECT throws_ok($$ SELECT rbp.submit_fhir_response(token, 'named', jsonb_set(qr, '{language}', '"cy"'), 'online', false, '2026-03-04')
                      FROM good_qr, bad $$, '22023', NULL, 'a language the questionnaire is not available in is refused');
RESET ROLE;
SELECT is((SELECT used_on FROM rbp.invitation WHERE token_hash = rbp.token_hash((SELECT token FROM bad))), NULL,
          'after every refusal the invitation is still unused');
SET ROLE t_intake;
SELECT lives_ok($$ SELECT rbp.submit_fhir_response(token, 'named', qr, 'online', false, '2026-03-04') FROM good_qr, bad $$, 'the good response is then accepted');
SELECT throws_ok($$ SELECT rbp.submit_fhir_response(token, 'named', qr, 'online', false, '2026-03-04') FROM good_qr, bad $$, '23505', NULL,
                 'a used invitation: 23505, as submit_response');
RESET ROLE;

-- Who may do what ---------------------------------------------------------------------------------
SET ROLE t_report;
SELECT throws_ok($$ SELECT rbp.submit_fhir_response('x', 'named', '{}') $$, '42501', NULL, 'report writers cannot submit');
RESET ROLE;
SELECT response_id AS unreleased FROM back LIMIT 1 \gset
SET ROLE t_worker_a;
SELECT throws_ok(format($$ SELECT rbp.response_as_fhir(%L) $$, :'unreleased'), 'P0002', NULL,
                 'a worker cannot read back a response QA has not released (row-level security)');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;
