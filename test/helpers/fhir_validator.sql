-- A structural validator of FHIR R4 Questionnaire and QuestionnaireResponse JSON, written from the
-- R4 (4.0.1) resource definitions (hl7.org/fhir/R4/questionnaire.html, questionnaireresponse.html,
-- json.html) — element names, cardinalities, value types, required codes and the invariants que-0..
-- que-6, que-9, qrs-1 — not copied from them. pg_temp functions, \ir'd by the suites that need it;
-- each returns one line per problem (none: valid).

-- JSON representation rules for every resource: no nulls, no empty arrays or objects, no strings
-- that are empty or only white space (json.html).
CREATE FUNCTION pg_temp.fhir_json_problems(p_path text, p_value jsonb) RETURNS SETOF text LANGUAGE plpgsql AS $$
DECLARE
    e record;
BEGIN
    CASE jsonb_typeof(p_value)
    WHEN 'null' THEN RETURN NEXT p_path || ': null is not allowed';
    WHEN 'string' THEN
        IF btrim(p_value #>> '{}') = '' THEN RETURN NEXT p_path || ': empty string'; END IF;
    WHEN 'array' THEN
        IF jsonb_array_length(p_value) = 0 THEN RETURN NEXT p_path || ': empty array'; END IF;
        FOR e IN SELECT value, ordinality FROM jsonb_array_elements(p_value) WITH ORDINALITY LOOP
            RETURN QUERY SELECT * FROM pg_temp.fhir_json_problems(p_path || '[' || (e.ordinality - 1) || ']', e.value);
        END LOOP;
    WHEN 'object' THEN
        IF p_value = '{}' THEN RETURN NEXT p_path || ': empty object'; END IF;
        FOR e IN SELECT key, value FROM jsonb_each(p_value) LOOP
            RETURN QUERY SELECT * FROM pg_temp.fhir_json_problems(p_path || '.' || e.key, e.value);
        END LOOP;
    ELSE NULL;
    END CASE;
END $$;

-- Keys of an object outside a list, and value[x] choices: exactly one of the allowed types.
CREATE FUNCTION pg_temp.fhir_unknown_keys(p_path text, p_obj jsonb, p_allowed text[]) RETURNS SETOF text LANGUAGE sql AS $$
    SELECT p_path || ': unknown element ' || k FROM jsonb_object_keys(p_obj) k WHERE NOT k = ANY (p_allowed)
$$;
CREATE FUNCTION pg_temp.fhir_value_x(p_path text, p_obj jsonb, p_types text[], p_required boolean) RETURNS SETOF text LANGUAGE plpgsql AS $$
DECLARE
    v_keys text[];
BEGIN
    SELECT coalesce(array_agg(k), '{}') INTO v_keys FROM jsonb_object_keys(p_obj) k WHERE k LIKE 'value%';
    IF cardinality(v_keys) > 1 THEN RETURN NEXT p_path || ': more than one value[x]'; END IF;
    IF p_required AND cardinality(v_keys) = 0 THEN RETURN NEXT p_path || ': value[x] is required (1..1)'; END IF;
    RETURN QUERY SELECT p_path || ': value[x] type ' || k || ' not allowed here' FROM unnest(v_keys) k
                  WHERE NOT substr(k, 6) = ANY (p_types);
END $$;

-- Primitive types used here (datatypes.html): string, boolean, integer, decimal, uri, code, dateTime, id.
CREATE FUNCTION pg_temp.fhir_type_problems(p_path text, p_value jsonb, p_type text) RETURNS SETOF text LANGUAGE plpgsql AS $$
DECLARE
    v_ok boolean;
BEGIN
    IF p_value IS NULL THEN RETURN; END IF;
    v_ok := CASE p_type
         WHEN 'boolean' THEN jsonb_typeof(p_value) = 'boolean'
         WHEN 'integer' THEN jsonb_typeof(p_value) = 'number' AND (p_value #>> '{}') ~ '^-?[0-9]+$'
         WHEN 'decimal' THEN jsonb_typeof(p_value) = 'number'
         WHEN 'code' THEN jsonb_typeof(p_value) = 'string' AND (p_value #>> '{}') ~ '^[^\s]+(\s[^\s]+)*$'
         WHEN 'id' THEN jsonb_typeof(p_value) = 'string' AND (p_value #>> '{}') ~ '^[A-Za-z0-9\-\.]{1,64}$'
         WHEN 'uri' THEN jsonb_typeof(p_value) = 'string' AND (p_value #>> '{}') ~ '^\S*$'
         WHEN 'canonical' THEN jsonb_typeof(p_value) = 'string' AND (p_value #>> '{}') ~ '^\S*$'
         WHEN 'dateTime' THEN jsonb_typeof(p_value) = 'string' AND (p_value #>> '{}') ~
             '^([0-9]([0-9]([0-9][1-9]|[1-9]0)|[1-9]00)|[1-9]000)(-(0[1-9]|1[0-2])(-(0[1-9]|[1-2][0-9]|3[0-1])(T([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\.[0-9]+)?(Z|(\+|-)((0[0-9]|1[0-3]):[0-5][0-9]|14:00)))?)?)?$'
         ELSE jsonb_typeof(p_value) = 'string' END;
    IF v_ok IS NOT TRUE THEN
        RETURN NEXT format('%s: not a FHIR %s: %s', p_path, p_type, p_value);
    END IF;
END $$;

CREATE FUNCTION pg_temp.fhir_extension_problems(p_path text, p_ext jsonb) RETURNS SETOF text LANGUAGE plpgsql AS $$
DECLARE
    e record;
BEGIN
    IF p_ext IS NULL THEN RETURN; END IF;
    IF jsonb_typeof(p_ext) <> 'array' THEN RETURN NEXT p_path || ': extension must be an array'; RETURN; END IF;
    FOR e IN SELECT value, ordinality - 1 AS i FROM jsonb_array_elements(p_ext) WITH ORDINALITY LOOP
        IF jsonb_typeof(e.value -> 'url') IS DISTINCT FROM 'string' THEN
            RETURN NEXT format('%s[%s]: Extension.url is required (1..1 uri)', p_path, e.i);
        END IF;
        -- ext-1: an extension has either nested extensions or a value[x], not both.
        IF (e.value ? 'extension') = EXISTS (SELECT FROM jsonb_object_keys(e.value) k WHERE k LIKE 'value%') THEN
            RETURN NEXT format('%s[%s]: ext-1: either extension or value[x]', p_path, e.i);
        END IF;
        RETURN QUERY SELECT * FROM pg_temp.fhir_value_x(format('%s[%s]', p_path, e.i), e.value,
            ARRAY['Boolean', 'Decimal', 'Integer', 'String', 'Code', 'Uri', 'Coding', 'CodeableConcept', 'Date', 'DateTime'], false);
    END LOOP;
END $$;

CREATE FUNCTION pg_temp.fhir_coding_problems(p_path text, p_coding jsonb) RETURNS SETOF text LANGUAGE plpgsql AS $$
BEGIN
    IF jsonb_typeof(p_coding) IS DISTINCT FROM 'object' THEN RETURN NEXT p_path || ': Coding must be an object'; RETURN; END IF;
    RETURN QUERY SELECT * FROM pg_temp.fhir_unknown_keys(p_path, p_coding, ARRAY['id', 'extension', 'system', 'version', 'code', 'display', 'userSelected']);
    RETURN QUERY SELECT * FROM pg_temp.fhir_type_problems(p_path || '.system', p_coding -> 'system', 'uri');
    RETURN QUERY SELECT * FROM pg_temp.fhir_type_problems(p_path || '.code', p_coding -> 'code', 'code');
    RETURN QUERY SELECT * FROM pg_temp.fhir_type_problems(p_path || '.display', p_coding -> 'display', 'string');
END $$;

CREATE FUNCTION pg_temp.fhir_questionnaire_items(p_path text, p_items jsonb) RETURNS SETOF text LANGUAGE plpgsql AS $$
DECLARE
    it record;
    v jsonb;
    p text;
    o record;
BEGIN
    IF p_items IS NULL THEN RETURN; END IF;
    IF jsonb_typeof(p_items) <> 'array' THEN RETURN NEXT p_path || ': item must be an array (0..*)'; RETURN; END IF;
    FOR it IN SELECT value, ordinality - 1 AS i FROM jsonb_array_elements(p_items) WITH ORDINALITY LOOP
        v := it.value;
        p := format('%s[%s]', p_path, it.i);
        RETURN QUERY SELECT * FROM pg_temp.fhir_unknown_keys(p, v, ARRAY['id', 'extension', 'modifierExtension', 'linkId', 'definition', 'code',
            'prefix', 'text', 'type', 'enableWhen', 'enableBehavior', 'required', 'repeats', 'readOnly', 'maxLength',
            'answerValueSet', 'answerOption', 'initial', 'item']);
        IF jsonb_typeof(v -> 'linkId') IS DISTINCT FROM 'string' THEN RETURN NEXT p || ': linkId is required (1..1 string)'; END IF;
        IF NOT coalesce(v ->> 'type', '') = ANY (ARRAY['group', 'display', 'boolean', 'decimal', 'integer', 'date', 'dateTime', 'time',
                                                      'string', 'text', 'url', 'choice', 'open-choice', 'attachment', 'reference', 'quantity']) THEN
            RETURN NEXT p || ': type is required (1..1) and must be a QuestionnaireItemType code, not ' || coalesce(v ->> 'type', 'missing');
        END IF;
        RETURN QUERY SELECT * FROM pg_temp.fhir_type_problems(p || '.text', v -> 'text', 'string');
        RETURN QUERY SELECT * FROM pg_temp.fhir_type_problems(p || '.required', v -> 'required', 'boolean');
        RETURN QUERY SELECT * FROM pg_temp.fhir_type_problems(p || '.repeats', v -> 'repeats', 'boolean');
        RETURN QUERY SELECT * FROM pg_temp.fhir_type_problems(p || '.readOnly', v -> 'readOnly', 'boolean');
        RETURN QUERY SELECT * FROM pg_temp.fhir_extension_problems(p || '.extension', v -> 'extension');
        -- que-1: groups have nested items; display items have none.
        IF v ->> 'type' = 'group' AND coalesce(jsonb_array_length(CASE WHEN jsonb_typeof(v -> 'item') = 'array' THEN v -> 'item' END), 0) = 0 THEN
            RETURN NEXT p || ': que-1: a group must have nested items';
        END IF;
        IF v ->> 'type' = 'display' AND v ? 'item' THEN RETURN NEXT p || ': que-1: a display item cannot have nested items'; END IF;
        -- que-4, que-5: answerOption only on choice and open-choice, never together with answerValueSet.
        IF v ? 'answerOption' AND NOT v ->> 'type' IN ('choice', 'open-choice') THEN
            RETURN NEXT p || ': que-5: only choice and open-choice items can have answerOption';
        END IF;
        IF v ? 'answerOption' AND v ? 'answerValueSet' THEN RETURN NEXT p || ': que-4: answerOption and answerValueSet together'; END IF;
        -- que-6: required and repeats are not permitted for display items. que-9: readOnly not for display.
        IF v ->> 'type' = 'display' AND (v ? 'required' OR v ? 'repeats') THEN RETURN NEXT p || ': que-6: display item with required/repeats'; END IF;
        IF v ->> 'type' = 'display' AND v ? 'readOnly' THEN RETURN NEXT p || ': que-9: display item with readOnly'; END IF;
        IF v ? 'answerOption' THEN
            IF jsonb_typeof(v -> 'answerOption') <> 'array' THEN
                RETURN NEXT p || ': answerOption must be an array';
            ELSE
                FOR o IN SELECT value, ordinality - 1 AS i FROM jsonb_array_elements(v -> 'answerOption') WITH ORDINALITY LOOP
                    RETURN QUERY SELECT * FROM pg_temp.fhir_unknown_keys(format('%s.answerOption[%s]', p, o.i), o.value,
                        ARRAY['id', 'extension', 'modifierExtension', 'valueInteger', 'valueDate', 'valueTime', 'valueString', 'valueCoding',
                              'valueReference', 'initialSelected']);
                    RETURN QUERY SELECT * FROM pg_temp.fhir_value_x(format('%s.answerOption[%s]', p, o.i), o.value,
                        ARRAY['Integer', 'Date', 'Time', 'String', 'Coding', 'Reference'], true);
                    IF o.value ? 'valueCoding' THEN
                        RETURN QUERY SELECT * FROM pg_temp.fhir_coding_problems(format('%s.answerOption[%s].valueCoding', p, o.i), o.value -> 'valueCoding');
                    END IF;
                    RETURN QUERY SELECT * FROM pg_temp.fhir_extension_problems(format('%s.answerOption[%s].extension', p, o.i), o.value -> 'extension');
                END LOOP;
            END IF;
        END IF;
        RETURN QUERY SELECT * FROM pg_temp.fhir_questionnaire_items(p || '.item', v -> 'item');
    END LOOP;
END $$;

CREATE FUNCTION pg_temp.fhir_questionnaire_problems(q jsonb) RETURNS SETOF text LANGUAGE plpgsql AS $$
BEGIN
    IF jsonb_typeof(q) IS DISTINCT FROM 'object' OR q ->> 'resourceType' IS DISTINCT FROM 'Questionnaire' THEN
        RETURN NEXT 'resourceType must be Questionnaire'; RETURN;
    END IF;
    RETURN QUERY SELECT * FROM pg_temp.fhir_json_problems('Questionnaire', q);
    RETURN QUERY SELECT * FROM pg_temp.fhir_unknown_keys('Questionnaire', q, ARRAY['resourceType', 'id', 'meta', 'implicitRules', 'language',
        'text', 'contained', 'extension', 'modifierExtension', 'url', 'identifier', 'version', 'name', 'title', 'derivedFrom', 'status',
        'experimental', 'subjectType', 'date', 'publisher', 'contact', 'description', 'useContext', 'jurisdiction', 'purpose', 'copyright',
        'approvalDate', 'lastReviewDate', 'effectivePeriod', 'code', 'item']);
    IF NOT coalesce(q ->> 'status', '') = ANY (ARRAY['draft', 'active', 'retired', 'unknown']) THEN
        RETURN NEXT 'status is required (1..1) and must be draft, active, retired or unknown';
    END IF;
    RETURN QUERY SELECT * FROM pg_temp.fhir_type_problems('id', q -> 'id', 'id');
    RETURN QUERY SELECT * FROM pg_temp.fhir_type_problems('language', q -> 'language', 'code');
    RETURN QUERY SELECT * FROM pg_temp.fhir_type_problems('url', q -> 'url', 'uri');
    RETURN QUERY SELECT * FROM pg_temp.fhir_type_problems('version', q -> 'version', 'string');
    RETURN QUERY SELECT * FROM pg_temp.fhir_type_problems('title', q -> 'title', 'string');
    RETURN QUERY SELECT * FROM pg_temp.fhir_type_problems('publisher', q -> 'publisher', 'string');
    RETURN QUERY SELECT * FROM pg_temp.fhir_type_problems('description', q -> 'description', 'string');
    -- que-0: the name is usable as an identifier.
    IF q ? 'name' AND NOT (q ->> 'name') ~ '^[A-Z]([A-Za-z0-9_]){0,254}$' THEN RETURN NEXT 'que-0: name is not usable as an identifier'; END IF;
    -- que-2: linkIds are unique within the whole Questionnaire.
    RETURN QUERY
        WITH RECURSIVE it(item) AS (
            SELECT value FROM jsonb_array_elements(CASE WHEN jsonb_typeof(q -> 'item') = 'array' THEN q -> 'item' ELSE '[]' END)
            UNION ALL
            SELECT c FROM it, jsonb_array_elements(CASE WHEN jsonb_typeof(it.item -> 'item') = 'array' THEN it.item -> 'item' ELSE '[]' END) c)
        SELECT 'que-2: linkId ' || (item ->> 'linkId') || ' is not unique' FROM it GROUP BY item ->> 'linkId' HAVING count(*) > 1;
    RETURN QUERY SELECT * FROM pg_temp.fhir_questionnaire_items('item', q -> 'item');
END $$;

CREATE FUNCTION pg_temp.fhir_response_items(p_path text, p_items jsonb) RETURNS SETOF text LANGUAGE plpgsql AS $$
DECLARE
    it record;
    a record;
    p text;
BEGIN
    IF p_items IS NULL THEN RETURN; END IF;
    IF jsonb_typeof(p_items) <> 'array' THEN RETURN NEXT p_path || ': item must be an array (0..*)'; RETURN; END IF;
    FOR it IN SELECT value, ordinality - 1 AS i FROM jsonb_array_elements(p_items) WITH ORDINALITY LOOP
        p := format('%s[%s]', p_path, it.i);
        RETURN QUERY SELECT * FROM pg_temp.fhir_unknown_keys(p, it.value, ARRAY['id', 'extension', 'modifierExtension', 'linkId', 'definition',
            'text', 'answer', 'item']);
        IF jsonb_typeof(it.value -> 'linkId') IS DISTINCT FROM 'string' THEN RETURN NEXT p || ': linkId is required (1..1 string)'; END IF;
        RETURN QUERY SELECT * FROM pg_temp.fhir_type_problems(p || '.text', it.value -> 'text', 'string');
        IF it.value ? 'answer' THEN
            IF jsonb_typeof(it.value -> 'answer') <> 'array' THEN
                RETURN NEXT p || ': answer must be an array (0..*)';
            ELSE
                FOR a IN SELECT value, ordinality - 1 AS i FROM jsonb_array_elements(it.value -> 'answer') WITH ORDINALITY LOOP
                    RETURN QUERY SELECT * FROM pg_temp.fhir_unknown_keys(format('%s.answer[%s]', p, a.i), a.value,
                        ARRAY['id', 'extension', 'modifierExtension', 'valueBoolean', 'valueDecimal', 'valueInteger', 'valueDate', 'valueDateTime',
                              'valueTime', 'valueString', 'valueUri', 'valueAttachment', 'valueCoding', 'valueQuantity', 'valueReference', 'item']);
                    RETURN QUERY SELECT * FROM pg_temp.fhir_value_x(format('%s.answer[%s]', p, a.i), a.value,
                        ARRAY['Boolean', 'Decimal', 'Integer', 'Date', 'DateTime', 'Time', 'String', 'Uri', 'Attachment', 'Coding', 'Quantity', 'Reference'], false);
                    IF a.value ? 'valueCoding' THEN
                        RETURN QUERY SELECT * FROM pg_temp.fhir_coding_problems(format('%s.answer[%s].valueCoding', p, a.i), a.value -> 'valueCoding');
                    END IF;
                    RETURN QUERY SELECT * FROM pg_temp.fhir_type_problems(format('%s.answer[%s].valueString', p, a.i), a.value -> 'valueString', 'string');
                    -- qrs-1: nested items cannot be beneath both item and answer.
                    IF a.value ? 'item' AND it.value ? 'item' THEN RETURN NEXT p || ': qrs-1: items under both item and answer'; END IF;
                    RETURN QUERY SELECT * FROM pg_temp.fhir_response_items(format('%s.answer[%s].item', p, a.i), a.value -> 'item');
                END LOOP;
            END IF;
        END IF;
        RETURN QUERY SELECT * FROM pg_temp.fhir_response_items(p || '.item', it.value -> 'item');
    END LOOP;
END $$;

CREATE FUNCTION pg_temp.fhir_response_problems(r jsonb) RETURNS SETOF text LANGUAGE plpgsql AS $$
BEGIN
    IF jsonb_typeof(r) IS DISTINCT FROM 'object' OR r ->> 'resourceType' IS DISTINCT FROM 'QuestionnaireResponse' THEN
        RETURN NEXT 'resourceType must be QuestionnaireResponse'; RETURN;
    END IF;
    RETURN QUERY SELECT * FROM pg_temp.fhir_json_problems('QuestionnaireResponse', r);
    RETURN QUERY SELECT * FROM pg_temp.fhir_unknown_keys('QuestionnaireResponse', r, ARRAY['resourceType', 'id', 'meta', 'implicitRules', 'language',
        'text', 'contained', 'extension', 'modifierExtension', 'identifier', 'basedOn', 'partOf', 'questionnaire', 'status', 'subject',
        'encounter', 'authored', 'author', 'source', 'item']);
    IF NOT coalesce(r ->> 'status', '') = ANY (ARRAY['in-progress', 'completed', 'amended', 'entered-in-error', 'stopped']) THEN
        RETURN NEXT 'status is required (1..1) and must be a QuestionnaireResponseStatus code';
    END IF;
    RETURN QUERY SELECT * FROM pg_temp.fhir_type_problems('id', r -> 'id', 'id');
    RETURN QUERY SELECT * FROM pg_temp.fhir_type_problems('language', r -> 'language', 'code');
    RETURN QUERY SELECT * FROM pg_temp.fhir_type_problems('questionnaire', r -> 'questionnaire', 'canonical');
    RETURN QUERY SELECT * FROM pg_temp.fhir_type_problems('authored', r -> 'authored', 'dateTime');
    RETURN QUERY SELECT * FROM pg_temp.fhir_response_items('item', r -> 'item');
END $$;

GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA pg_temp TO PUBLIC;
