-- "Each respondent kind has exactly one questionnaire" (doc/dba.md, "Questionnaires are data";
-- red-team finding F14). Before it, rbp.publish_instrument_version accepted a new version of the
-- parents' questionnaire for children only: from then on every parent, carer and friend of every
-- authority was refused an invitation (22023 "no current instrument"), and children had two.
-- The invariant is checked after each of 60 random publications (random code among the two seeded
-- and two new ones, random set of kinds; seeded by the printed seed), the refusals with 22023; a
-- publication that keeps the invariant must be accepted, so the test fails both when a guard is
-- missing and when it refuses too much. Seen failing with the kinds check removed from
-- rbp.publish_instrument_version (the invariant breaks within the first few publications).
BEGIN;
SET client_min_messages = warning;
CREATE EXTENSION feedback_rbp;
RESET client_min_messages;
SELECT plan(6);

CREATE TEMP TABLE kinds_outcome (step integer, code text, kinds rbp.respondent_kind[], accepted boolean,
                                 sqlstate text, should_accept boolean, invariant boolean);
SELECT random() * 2 - 1 AS seed \gset
\echo # seed :seed
SELECT setseed(:seed) \gset
DO $$
DECLARE
    v_all rbp.respondent_kind[] := enum_range(NULL::rbp.respondent_kind);
    v_code text;
    v_kinds rbp.respondent_kind[];
    v_current rbp.respondent_kind[];
    v_should boolean;
    v_state text;
BEGIN
    FOR step IN 1 .. 60 LOOP
        v_code := (ARRAY['parents_carers', 'children_young_people', 'new_a', 'new_b'])[1 + floor(random() * 4)::int];
        SELECT coalesce(array_agg(k), '{}') INTO v_kinds FROM unnest(v_all) k WHERE random() < 0.4;
        IF cardinality(v_kinds) = 0 THEN v_kinds := ARRAY[v_all[1 + floor(random() * cardinality(v_all))::int]]; END IF;
        -- Half the time, ask for exactly the kinds the code serves now (what a real new version does).
        SELECT i.respondent_kinds INTO v_current FROM rbp.instrument i WHERE i.code = v_code AND rbp.is_current(i);
        IF v_current IS NOT NULL AND random() < 0.5 THEN v_kinds := v_current; END IF;
        v_should := CASE WHEN v_current IS NOT NULL THEN v_current @> v_kinds AND v_kinds @> v_current
                         ELSE NOT EXISTS (SELECT FROM rbp.instrument i WHERE rbp.is_current(i) AND i.respondent_kinds && v_kinds) END;
        BEGIN
            PERFORM rbp.publish_instrument_version(v_code, 'v', 'i', v_kinds,
                        '[{"code": "q2_trust", "kind": "scale", "prompt": "p", "scale_points": 5}]');
            v_state := NULL;
        EXCEPTION WHEN OTHERS THEN
            v_state := SQLSTATE;
        END;
        INSERT INTO kinds_outcome
        SELECT step, v_code, v_kinds, v_state IS NULL, v_state, v_should,
               (SELECT bool_and(n = 1) FROM (SELECT k, (SELECT count(*) FROM rbp.instrument i
                                                         WHERE rbp.is_current(i) AND k = ANY (i.respondent_kinds)) AS n
                                               FROM unnest(v_all) k) c);
    END LOOP;
END
$$;
SELECT is((SELECT count(*) FROM kinds_outcome WHERE NOT invariant), 0::bigint,
          'after every publication each respondent kind has exactly one current questionnaire');
SELECT is((SELECT count(*) FROM kinds_outcome WHERE accepted <> should_accept), 0::bigint,
          'a publication is accepted exactly when it keeps each kind with one questionnaire');
SELECT is((SELECT array_agg(DISTINCT sqlstate) FROM kinds_outcome WHERE NOT accepted), ARRAY['22023'],
          'the refusals are 22023');
SELECT ok((SELECT count(*) FILTER (WHERE accepted) > 0 AND count(*) FILTER (WHERE NOT accepted) > 0 FROM kinds_outcome),
          'the random sequence both published and was refused');
SELECT throws_ok($$ SELECT rbp.publish_instrument_version('parents_carers', 'Kids now', 'i', '{child_young_person}',
                                                          '[{"code": "k1", "kind": "scale", "prompt": "p", "scale_points": 5}]') $$,
                 '22023', NULL, 'the red team''s step: a parents'' version for children only is refused');
SELECT throws_ok($$ SELECT rbp.publish_instrument_version('kids_again', 'Kids', 'i', '{child_young_person}',
                                                          '[{"code": "k1", "kind": "scale", "prompt": "p", "scale_points": 5}]') $$,
                 '22023', 'respondent kinds already have a questionnaire: child_young_person',
                 'a second questionnaire for a kind that has one is refused');

SELECT * FROM finish();
ROLLBACK;
