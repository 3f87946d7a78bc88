-- make demo, chapter 70: a Welsh council wires an online form to the database: the form from a
-- token alone, in Welsh or English, and the safety signal a young person's named answer raises.
\set ON_ERROR_STOP 1
\pset border 2
SET client_min_messages = warning;
SET search_path = public, rbp;

\echo
\echo '== 70. A Welsh council: questions in Welsh and English =='
CREATE ROLE demo_case_cy LOGIN IN ROLE rbp_case_system;
CREATE ROLE demo_form_cy LOGIN IN ROLE rbp_survey_intake;
CREATE ROLE demo_qa_cy LOGIN IN ROLE rbp_qa;
SET ROLE demo_admin;
SELECT rbp.register_authority('ceredigion', 'Cyngor Sir Ceredigion County Council') AS ceredigion;
SELECT rbp.map_login('demo_case_cy', 'case_system', 'ceredigion'), rbp.map_login('demo_qa_cy', 'qa', 'ceredigion');
SELECT rbp.add_support_option('ceredigion', 'emotional', 'Meic helpline', '080880 23456, 8am to midnight', false, 1) AS meic \gset
SELECT rbp.set_support_option_translation(:meic, 'cy', 'Llinell gymorth Meic', '080880 23456, 8yb tan hanner nos');
-- A complete Welsh version of the children's dials (illustrative Welsh: a council uses its own checked translation).
SELECT rbp.set_instrument_translation('children_young_people', 1, 'cy',
    'Y 5 Uchaf: ti a dy weithiwr cymdeithasol',
    'Dewisodd pobl ifanc ac ymarferwyr y pum peth pwysicaf am berthynas gefnogol gyda gweithiwr cymdeithasol. Tro bob deial i ddangos sut mae hi i ti. Gelli di hepgor unrhyw un.',
    jsonb_build_object(
        'dial_respected', 'Dw i''n teimlo fy mod yn cael fy mharchu',
        'dial_empowered', 'Mae''n fy ngrymuso ac yn fy ngalluogi i wneud penderfyniadau drosof fy hun',
        'dial_mutual_trust', 'Mae wedi''i seilio ar ymddiriedaeth y naill at y llall',
        'dial_listened_to', 'Dw i''n teimlo bod rhywun yn gwrando arna i, yn fy neall ac yn fy nghlywed',
        'dial_safe', 'Mae''n gwneud i mi deimlo''n ddiogel',
        'anything_else', 'Oes unrhyw beth arall yr hoffet ti ei ddweud wrthym ni?'));
SELECT rbp.set_glossary_translation('safe', 'cy', 'diogel', 'Mae''r berthynas yn gwneud i ti deimlo''n ddiogel.');
SELECT rbp.set_form_text('cy', 'dial.low', 'Dim o gwbl'), rbp.set_form_text('cy', 'dial.high', 'Yn llwyr'),
       rbp.set_form_text('cy', 'safety.notice',
           'Os wyt ti''n rhoi dy enw ac yn troi''r deial "{question}" i {level} neu''n is, bydd y tîm Sicrhau Ansawdd yn cael gwybod ar unwaith, er mwyn i rywun wneud yn siŵr dy fod ti''n ddiogel. Os nad wyt ti''n rhoi dy enw, does neb yn cael gwybod, achos gallai hynny ddangos pwy wyt ti.');
SELECT rbp.set_authority_language('ceredigion', 'cy');
\echo 'An incomplete translation is refused (22023), naming what is missing:'
\set ON_ERROR_STOP 0
SELECT rbp.set_instrument_translation('parents_carers', 1, 'cy', 'Eich perthynas', 'Cyflwyniad', '{"q2_trust": "Ymddiriedaeth"}');
\set ON_ERROR_STOP 1
RESET ROLE;

SET ROLE demo_case_cy;
SELECT rbp.register_team('ceredigion', 'tim_plant', 'Tîm Plant / Children''s Team');
SELECT rbp.register_staff('ceredigion', 'GW1', 'Gwen Morgan', 'tim_plant'),
       rbp.register_staff('ceredigion', 'SA1', 'Sicrhau Ansawdd / QA', NULL, 'demo_qa_cy', true);
SELECT rbp.register_respondent('ceredigion', 'TEULU1', 'PI1', 'child_young_person'),
       rbp.register_respondent('ceredigion', 'TEULU1', 'PI2', 'child_young_person'),
       rbp.register_respondent('ceredigion', 'TEULU1', 'RH1', 'parent');
SELECT rbp.open_involvement('ceredigion', 'YMW1', 'TEULU1', 'tim_plant', '2026-01-05');
SELECT rbp.allocate_worker('ceredigion', 'YMW1', 'GW1', '2026-01-05');
CREATE TEMP TABLE demo_cy_token (respondent text PRIMARY KEY, token text NOT NULL);
GRANT ALL ON demo_cy_token TO PUBLIC;
INSERT INTO demo_cy_token VALUES
    ('PI1', rbp.issue_invitation('ceredigion', 'YMW1', 'PI1', 'text_message', 3650, '2026-03-02')),
    ('PI2', rbp.issue_invitation('ceredigion', 'YMW1', 'PI2', 'text_message', 3650, '2026-03-02')),
    ('RH1', rbp.issue_invitation('ceredigion', 'YMW1', 'RH1', 'qr_code', 3650, '2026-03-02'));
RESET ROLE;

\echo
\echo '== The form from a token alone (rbp.survey_form): Welsh by default for this council, English on request =='
SET ROLE demo_form_cy;
SELECT f ->> 'contract' AS contract, f #>> '{authority,name}' AS authority, f ->> 'language' AS language,
       f ->> 'languages' AS languages, f ->> 'title' AS title, f #>> '{questionnaire,fhir_canonical}' AS questionnaire
  FROM rbp.survey_form((SELECT token FROM demo_cy_token WHERE respondent = 'PI1')) AS f;
SELECT q ->> 'code' AS question, q ->> 'prompt' AS "prompt (cy)",
       (SELECT string_agg(p ->> 'label', ' | ') FROM jsonb_array_elements(CASE WHEN jsonb_typeof(q -> 'points') = 'array' THEN q -> 'points' ELSE '[]' END) p WHERE (p ->> 'value')::int IN (1, 10)) AS ends,
       (SELECT string_agg((g ->> 'text') || ' (' || (g ->> 'language') || ')', ', ') FROM jsonb_array_elements(q -> 'glossary') g) AS help
  FROM rbp.survey_form((SELECT token FROM demo_cy_token WHERE respondent = 'PI1')) AS f, jsonb_array_elements(f -> 'questions') q;
SELECT c ->> 'level' AS level, c ->> 'label' AS label, left(c ->> 'explanation', 70) || '…' AS explanation
  FROM rbp.survey_form((SELECT token FROM demo_cy_token WHERE respondent = 'PI1'), 'en') AS f, jsonb_array_elements(f -> 'anonymity_choices') c;
\echo 'Shown with the anonymity choices, before the young person chooses (English, then Welsh):'
SELECT n #>> '{}' AS safety_notice
  FROM rbp.survey_form((SELECT token FROM demo_cy_token WHERE respondent = 'PI1'), 'en') AS f, jsonb_array_elements(f -> 'safety_notices') n
UNION ALL
SELECT n #>> '{}' FROM rbp.survey_form((SELECT token FROM demo_cy_token WHERE respondent = 'PI1')) AS f, jsonb_array_elements(f -> 'safety_notices') n;
SELECT o ->> 'title' AS support, o ->> 'how_to_reach' AS how_to_reach
  FROM rbp.survey_form((SELECT token FROM demo_cy_token WHERE respondent = 'PI1')) AS f, jsonb_array_elements(f #> '{support,options}') o;
\echo 'The parents'' questionnaire has no Welsh version here, so its form opens in English; asking for Welsh is refused:'
SELECT f ->> 'language' AS language, f ->> 'title' AS title, jsonb_array_length(f -> 'safety_notices') AS safety_notices
  FROM rbp.survey_form((SELECT token FROM demo_cy_token WHERE respondent = 'RH1')) AS f;
\set ON_ERROR_STOP 0
SELECT rbp.survey_form((SELECT token FROM demo_cy_token WHERE respondent = 'RH1'), 'cy');
\set ON_ERROR_STOP 1

\echo
\echo '== 71. A safety signal: a named "feel safe" dial at 2 reaches QA at once; the same answer without a name never does =='
SELECT rbp.submit_response((SELECT token FROM demo_cy_token WHERE respondent = 'PI1'), 'named',
       '{"dial_respected": 6, "dial_safe": 2, "anything_else": "Dw i ddim yn hoffi mynd adref."}', 'online', false, '2026-03-09');
SELECT rbp.submit_response((SELECT token FROM demo_cy_token WHERE respondent = 'PI2'), 'worker_only',
       '{"dial_safe": 1}', 'online', false, '2026-03-09');
RESET ROLE;
SET ROLE demo_qa_cy;
SELECT authority, open, question, score, family_ref, respondent_ref, worker_name, raised_at::date AS raised_on
  FROM rbp.safety_queue;
SELECT rbp.act_on_safety_signal(signal_id, 'Duty social worker visited the same afternoon; safety plan agreed with the family')
  FROM rbp.safety_queue WHERE open;
SELECT open, acted_by, action_taken FROM rbp.safety_queue;
RESET ROLE;
\echo 'Listeners on channel rbp_safety_signal received only the random signal id (see doc/qa.md).'

\echo
\echo '== 72. FHIR R4: the questionnaire as a Questionnaire resource; a QuestionnaireResponse submitted and read back =='
SET ROLE demo_form_cy;
SELECT rbp.instrument_as_fhir('parents_carers', 1, 'en', 'ceredigion') AS questionnaire \gset
SELECT :'questionnaire'::jsonb ->> 'resourceType' AS "resourceType", :'questionnaire'::jsonb ->> 'url' AS url,
       :'questionnaire'::jsonb ->> 'version' AS version, :'questionnaire'::jsonb ->> 'status' AS status,
       jsonb_array_length(:'questionnaire'::jsonb -> 'item') AS items;
\echo 'One statement: each point a valueCoding with its itemWeight; the glossary term as a help item:'
SELECT o #>> '{valueCoding,code}' AS code, o #>> '{valueCoding,display}' AS display, o #>> '{valueCoding,system}' AS system,
       o #>> '{extension,0,url}' AS weight_extension, o #>> '{extension,0,valueDecimal}' AS weight
  FROM jsonb_array_elements(jsonb_path_query_first(:'questionnaire'::jsonb, '$.item ? (@.linkId == "q2_trust").answerOption')) AS o;
SELECT h ->> 'linkId' AS "linkId", h ->> 'type' AS type, h #>> '{extension,0,valueCodeableConcept,coding,0,code}' AS control,
       left(h ->> 'text', 60) || '…' AS text
  FROM jsonb_array_elements(jsonb_path_query_first(:'questionnaire'::jsonb, '$.item ? (@.linkId == "q2_trust").item')) AS h;
\echo 'The survey tool fills it in and sends a QuestionnaireResponse; it is stored by rbp.submit_response:'
SELECT rbp.submit_fhir_response((SELECT token FROM demo_cy_token WHERE respondent = 'RH1'), 'named', '{
  "resourceType": "QuestionnaireResponse", "status": "completed", "language": "en",
  "questionnaire": "urn:feedback-rbp:questionnaire:parents_carers|1",
  "item": [
    {"linkId": "q2_trust", "answer": [{"valueCoding": {"system": "urn:feedback-rbp:scale:5-point", "code": "4", "display": "Agree"}}]},
    {"linkId": "q2_works_alongside", "answer": [{"valueCoding": {"system": "urn:feedback-rbp:scale:5-point", "code": "5"}}]},
    {"linkId": "q6_change_one_thing", "answer": [{"valueString": "Fewer changes of social worker."}]}]}', 'online', false, '2026-03-12');
\echo 'A response to another version of the questionnaire is refused (22023), like any bad submission:'
\set ON_ERROR_STOP 0
SELECT rbp.submit_fhir_response((SELECT token FROM demo_cy_token WHERE respondent = 'RH1'), 'named',
       '{"resourceType": "QuestionnaireResponse", "status": "completed", "questionnaire": "urn:feedback-rbp:questionnaire:parents_carers|2"}');
\set ON_ERROR_STOP 1
RESET ROLE;
SET ROLE demo_qa_cy;
SELECT jsonb_pretty(rbp.response_as_fhir(r.response_id) - 'id') AS read_back
  FROM rbp.response r JOIN rbp.respondent p USING (respondent_id) WHERE p.respondent_ref = 'RH1';
RESET ROLE;

\echo
\echo '== 73. A picture of published results: a diverging stacked bar chart (accessible SVG), rendered to PNG =='
-- Straight from the published reports: rbp.report_chart_cells() reads rbp.report_points. In this
-- small demo authority every per-point distribution of 2026-Q2 is suppressed, so every bar is "c".
SET ROLE demo_reporter;
SELECT c ->> 'label' AS cell, c ->> 'respondents' AS respondents, c ->> 'shares' AS shares, c ->> 'suppressed' AS suppressed
  FROM jsonb_array_elements(rbp.report_chart_cells('brighton_hove', 'q2_trust', '2026-Q2')) AS c;
SELECT rbp.report_chart_svg('"My social worker acts in ways that allow me to trust them", 2026 Q2 (published)',
                            rbp.report_chart_cells('brighton_hove', 'q2_trust', '2026-Q2')) AS published_svg \gset
-- Cells in the documented shape (doc/chart.md), as a larger authority's reports would give them;
-- Kim's cell is suppressed, so it is drawn as "c" with no bar.

SELECT rbp.report_chart_svg('"My social worker acts in ways that allow me to trust them", 2026 Q2', '[
  {"label": "Brighton & Hove", "points": 5, "shares": [0.03, 0.08, 0.22, 0.42, 0.25], "respondents": "36"},
  {"label": "Family Support Team North", "points": 5, "shares": [0.04, 0.08, 0.24, 0.40, 0.24], "respondents": "25"},
  {"label": "Sam Carter", "points": 5, "shares": [0, 0.1, 0.2, 0.4, 0.3], "respondents": "10"},
  {"label": "Jo Lee", "points": 5, "shares": [0.1, 0.1, 0.2, 0.3, 0.3], "respondents": "10"},
  {"label": "Kim Novak", "points": 5, "shares": null, "respondents": "c", "suppressed": true}]') AS chart_svg \gset
RESET ROLE;
\! mkdir -p test/demo/out
\o test/demo/out/report_chart.svg
\qecho :chart_svg
\o
\o test/demo/out/report_chart_published.svg
\qecho :published_svg
\o
\! bash test/chart/render test/demo/out/report_chart_published.svg test/demo/out/report_chart_published.png && echo "The chart of the demo's own published cells (all suppressed): $(pwd)/test/demo/out/report_chart_published.png"
\! bash test/chart/render test/demo/out/report_chart.svg test/demo/out/report_chart.png && echo "The chart was written to $(pwd)/test/demo/out/report_chart.png (and its SVG next to it)" || echo "The chart's SVG was written to $(pwd)/test/demo/out/report_chart.svg (install chromium for the PNG)"
\echo 'Its accessible title and description (what a screen reader says):'
SELECT (xpath('/s:svg/s:title/text()', x, ARRAY[ARRAY['s', 'http://www.w3.org/2000/svg']]))[1]::text AS title,
       (xpath('/s:svg/s:desc/text()', x, ARRAY[ARRAY['s', 'http://www.w3.org/2000/svg']]))[1]::text AS description
  FROM (SELECT xmlparse(DOCUMENT :'chart_svg') AS x) s;
