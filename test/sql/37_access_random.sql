-- Randomised access check (issue 11): random sequences of API calls by random logins of two
-- authorities and by logins nobody mapped; after EVERY call, what each login reads is compared with
-- what the visibility rule as documented says it may read (PRODUCT.md G4, doc/qa.md, doc/dba.md,
-- doc/case-system.md), computed here as the superuser from the stored rows, not with the
-- extension's own rule functions:
--   V1 a worker reads (rbp.my_feedback) exactly the named and worker-only feedback about them that
--      QA has released; a member of staff with no staff row reads nothing;
--   V2 a reviewer reads (rbp.my_inbox) exactly the released named and worker-only feedback whose
--      current route names them;
--   V3 a QA login reads (rbp.qa_feedback, and the table rbp.response) exactly the feedback of the
--      authorities an administrator mapped it to as QA; an unmapped QA login nothing;
--   V4 a case-system login's due list (rbp.due_invitations) names only authorities it is mapped to;
--   V5 the nightly release (rbp.release_held_feedback) changes the holding area only of the
--      authorities the calling login is mapped to (an administrator: all);
--   V6 a refused call changes nothing (the rows of every table of feedback are the same after it).
-- The calls: the case system issues invitations (for its own authority, another, or unmapped), survey
-- intake submits with a random anonymity, QA releases, holds and withdraws names (any response of
-- any authority), staff record reviews (any response), case-system logins run the nightly release.
-- Each run uses a fresh seed (printed; to replay a failure: SELECT setseed(x) instead of random()).
-- Mutations seen failing (test/mutate/mutants.tsv runs them): the release check dropped from
-- rbp.visible_to_staff (V1, V2), the authority scope dropped from rbp.release_held_feedback (V5,
-- the red team's F1), QA's policy on rbp.response opened to every authority (V3), the mapping
-- kind ignored in rbp.acting_scope (V4 with the mixed login below).
BEGIN;
SET client_min_messages = warning;
CREATE EXTENSION feedback_rbp;
RESET client_min_messages;
SET LOCAL search_path = public, rbp;
SELECT plan(10);
\ir ../helpers/pgtap_roles.sql

SELECT random() AS seed \gset
SELECT setseed(:seed);
SELECT diag('seed ' || :seed);

-- Logins: per authority a case system, a QA officer, two workers and their supervisor; a case-system
-- login, a QA login and a member of staff nobody mapped; a login in rbp_case_system mapped only as
-- a report writer (it must act as the case system nowhere); survey intake.
CREATE TEMP TABLE login (login text PRIMARY KEY, kind text, authority text, staff_ref text);
INSERT INTO login VALUES
    ('ra_cs_n', 'case_system', 'north', NULL), ('ra_cs_s', 'case_system', 'south', NULL), ('ra_cs_u', 'case_system', NULL, NULL),
    ('ra_cs_rw', 'case_system', NULL, NULL),
    ('ra_qa_n', 'qa', 'north', 'Q'), ('ra_qa_s', 'qa', 'south', 'Q'), ('ra_qa_u', 'qa', NULL, NULL),
    ('ra_w1_n', 'staff', 'north', 'W1'), ('ra_w2_n', 'staff', 'north', 'W2'), ('ra_s_n', 'staff', 'north', 'S'),
    ('ra_w1_s', 'staff', 'south', 'W1'), ('ra_w2_s', 'staff', 'south', 'W2'), ('ra_s_s', 'staff', 'south', 'S'),
    ('ra_st_u', 'staff', NULL, NULL), ('ra_intake', 'intake', NULL, NULL);
SELECT format('CREATE ROLE %I LOGIN IN ROLE %s', login,
              CASE kind WHEN 'case_system' THEN 'rbp_case_system' WHEN 'qa' THEN 'rbp_qa' WHEN 'staff' THEN 'rbp_staff'
                        ELSE 'rbp_survey_intake' END) FROM login \gexec
GRANT rbp_report_writer TO ra_cs_rw;
GRANT SELECT ON login TO PUBLIC;
SELECT rbp.register_authority(a, initcap(a)) FROM unnest(ARRAY['north', 'south']) a \g /dev/null
SELECT rbp.register_team(a, 't', 'Team'),
       rbp.register_staff(a, 'W1', 'Worker 1', 't', (SELECT login FROM login WHERE authority = a AND staff_ref = 'W1')),
       rbp.register_staff(a, 'W2', 'Worker 2', 't', (SELECT login FROM login WHERE authority = a AND staff_ref = 'W2')),
       rbp.register_staff(a, 'S', 'Supervisor', 't', (SELECT login FROM login WHERE authority = a AND staff_ref = 'S')),
       rbp.register_staff(a, 'Q', 'QA', NULL, (SELECT login FROM login WHERE authority = a AND staff_ref = 'Q'), true),
       rbp.register_supervision(a, 'W1', 'S', '2026-01-01'), rbp.register_supervision(a, 'W2', 'S', '2026-01-01'),
       rbp.map_login((SELECT login FROM login WHERE authority = a AND kind = 'case_system'), 'case_system', a),
       rbp.map_login((SELECT login FROM login WHERE authority = a AND kind = 'qa'), 'qa', a),
       rbp.map_login('ra_cs_rw', 'report_writer', a)
  FROM unnest(ARRAY['north', 'south']) a \g /dev/null
SELECT rbp.register_respondent(a, 'F' || i, 'P' || i, 'parent'), rbp.open_involvement(a, 'I' || i, 'F' || i, 't', '2026-01-05'),
       rbp.allocate_worker(a, 'I' || i, CASE WHEN i % 2 = 0 THEN 'W1' ELSE 'W2' END, '2026-01-05')
  FROM unnest(ARRAY['north', 'south']) a, generate_series(1, 12) i \g /dev/null

CREATE TEMP TABLE tok (token text PRIMARY KEY, authority text, used boolean NOT NULL DEFAULT false);
CREATE TEMP TABLE mismatch (step integer, action text, login text, rule text, detail text);
CREATE TEMP TABLE counter (name text PRIMARY KEY, n integer NOT NULL DEFAULT 0);
INSERT INTO counter (name) VALUES ('steps'), ('refused'), ('staff_saw'), ('qa_saw'), ('released_in_scope'), ('release_by_other');
GRANT ALL ON tok, mismatch, counter TO PUBLIC;

-- What every login reads now, against what it may read (V1 to V4).
CREATE FUNCTION pg_temp.check_reads(p_step integer, p_action text, p_on date) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    l record;
    v_got text[];
    v_want text[];
    v_got2 text[];
BEGIN
    FOR l IN SELECT * FROM login WHERE kind IN ('staff', 'qa', 'case_system') ORDER BY login LOOP
        IF l.kind = 'staff' THEN
            -- V1
            SELECT coalesce(array_agg(r.response_id::text ORDER BY r.response_id::text), '{}') INTO v_want
              FROM rbp.response r JOIN rbp.staff s ON s.staff_id = r.worker_id
             WHERE s.db_role = l.login::regrole AND r.qa_status = 'released' AND r.anonymity IN ('named', 'worker_only');
            PERFORM set_config('role', l.login, true);
            SELECT coalesce(array_agg(response_id::text ORDER BY response_id::text), '{}') INTO v_got FROM rbp.my_feedback();
            PERFORM set_config('role', 'none', true);
            IF v_got IS DISTINCT FROM v_want THEN
                INSERT INTO mismatch VALUES (p_step, p_action, l.login, 'V1 my_feedback', format('read %s, may read %s', v_got, v_want));
            END IF;
            UPDATE counter SET n = n + cardinality(v_got) WHERE name = 'staff_saw';
            -- V2
            SELECT coalesce(array_agg(r.response_id::text ORDER BY r.response_id::text), '{}') INTO v_want
              FROM rbp.response r JOIN rbp.route rt ON rt.response_id = r.response_id AND rt.superseded_on IS NULL
              JOIN rbp.staff s ON s.staff_id = rt.recipient_id
             WHERE s.db_role = l.login::regrole AND r.qa_status = 'released' AND r.anonymity IN ('named', 'worker_only');
            PERFORM set_config('role', l.login, true);
            SELECT coalesce(array_agg(response_id::text ORDER BY response_id::text), '{}') INTO v_got FROM rbp.my_inbox();
            PERFORM set_config('role', 'none', true);
            IF v_got IS DISTINCT FROM v_want THEN
                INSERT INTO mismatch VALUES (p_step, p_action, l.login, 'V2 my_inbox', format('read %s, may read %s', v_got, v_want));
            END IF;
        ELSIF l.kind = 'qa' THEN
            -- V3
            SELECT coalesce(array_agg(r.response_id::text ORDER BY r.response_id::text), '{}') INTO v_want
              FROM rbp.response r JOIN rbp.authority a USING (authority_id) WHERE a.code = l.authority;
            PERFORM set_config('role', l.login, true);
            SELECT coalesce(array_agg(response_id::text ORDER BY response_id::text), '{}') INTO v_got FROM rbp.qa_feedback();
            SELECT coalesce(array_agg(response_id::text ORDER BY response_id::text), '{}') INTO v_got2 FROM rbp.response;
            PERFORM set_config('role', 'none', true);
            IF v_got IS DISTINCT FROM v_want OR v_got2 IS DISTINCT FROM v_want THEN
                INSERT INTO mismatch VALUES (p_step, p_action, l.login, 'V3 qa_feedback, rbp.response',
                                             format('read %s and %s, may read %s', v_got, v_got2, v_want));
            END IF;
            UPDATE counter SET n = n + cardinality(v_got) WHERE name = 'qa_saw';
        ELSE
            -- V4
            PERFORM set_config('role', l.login, true);
            SELECT coalesce(array_agg(DISTINCT authority ORDER BY authority), '{}') INTO v_got FROM rbp.due_invitations(p_on);
            PERFORM set_config('role', 'none', true);
            IF EXISTS (SELECT FROM unnest(v_got) g WHERE g IS DISTINCT FROM l.authority) THEN
                INSERT INTO mismatch VALUES (p_step, p_action, l.login, 'V4 due_invitations', format('listed %s, serves %s', v_got, l.authority));
            END IF;
        END IF;
    END LOOP;
END
$$;

-- A digest of the feedback rows (V6) and the held rows per authority (V5).
CREATE FUNCTION pg_temp.feedback_digest() RETURNS text LANGUAGE sql AS $$
    SELECT md5(concat((SELECT string_agg(r::text, ',' ORDER BY response_id) FROM rbp.response r),
                      (SELECT string_agg(t::text, ',' ORDER BY route_id) FROM rbp.route t),
                      (SELECT string_agg(v::text, ',' ORDER BY response_id) FROM rbp.supervision_review v),
                      (SELECT string_agg(i::text, ',' ORDER BY invitation_id) FROM rbp.invitation i),
                      (SELECT count(*) FROM rbp.anonymous_holding)))
$$;
CREATE FUNCTION pg_temp.held() RETURNS TABLE (authority text, n bigint) LANGUAGE sql AS $$
    SELECT a.code, (SELECT count(*) FROM rbp.anonymous_holding h WHERE h.authority_id = a.authority_id) FROM rbp.authority a
$$;

-- First, a fixed case (the red team's F1): a releasable batch of six anonymous answers in south (three
-- for each of its two workers); the nightly release run by north's case system, by an unmapped
-- case-system login and by one mapped only as a report writer leaves it held; south's releases it.
SET LOCAL ROLE ra_cs_s;
CREATE TEMP TABLE f1_tok AS SELECT rbp.issue_invitation('south', 'I' || i, 'P' || i, 'link', 3650, '2026-03-01') AS token FROM generate_series(1, 6) i;
RESET ROLE;
GRANT SELECT ON f1_tok TO PUBLIC;
SET LOCAL ROLE ra_intake;
SELECT rbp.submit_response(token, 'anonymous', '{"q2_trust": 4}', 'online', false, '2026-03-01') FROM f1_tok \g /dev/null
RESET ROLE;
CREATE TEMP TABLE f1_held (who text, n bigint);
INSERT INTO f1_held SELECT 'before', n FROM pg_temp.held() WHERE authority = 'south';
SET LOCAL ROLE ra_cs_n;
SELECT rbp.release_held_feedback('2026-03-02') \g /dev/null
SET LOCAL ROLE ra_cs_u;
SELECT rbp.release_held_feedback('2026-03-02') \g /dev/null
SET LOCAL ROLE ra_cs_rw;
SELECT rbp.release_held_feedback('2026-03-02') \g /dev/null
RESET ROLE;
INSERT INTO f1_held SELECT 'after others', n FROM pg_temp.held() WHERE authority = 'south';
SET LOCAL ROLE ra_cs_s;
SELECT rbp.release_held_feedback('2026-03-02') \g /dev/null
RESET ROLE;
INSERT INTO f1_held SELECT 'after south', n FROM pg_temp.held() WHERE authority = 'south';
SELECT results_eq($$SELECT who, n FROM f1_held ORDER BY n DESC, who$$,
                  $$VALUES ('after others', 6::bigint), ('before', 6::bigint), ('after south', 0::bigint)$$,
                  'V5 (fixed case): south''s batch of six stays held through the releases of north''s, an unmapped and a report writer''s login; south''s case system releases it');

-- The random sequence: 240 calls.
DO $loop$
DECLARE
    v_step integer;
    v_on date := '2026-03-02';
    v_pick double precision;
    v_login text;
    v_sql text;
    v_action text;
    v_a text;
    v_i integer;
    v_token text;
    v_response uuid;
    v_before text;
    v_ok boolean;
    v_state text;
    v_held_before jsonb;
    v_held_after jsonb;
BEGIN
    FOR v_step IN 1 .. 240 LOOP
        v_on := least(v_on + (random() < 0.3)::integer, current_date);
        v_pick := random();
        v_a := CASE WHEN random() < 0.5 THEN 'north' ELSE 'south' END;
        v_i := 1 + floor(random() * 12)::integer;
        SELECT response_id INTO v_response FROM rbp.response ORDER BY random() LIMIT 1;
        v_token := NULL;
        IF v_pick < 0.25 THEN
            v_login := (ARRAY['ra_cs_n', 'ra_cs_s', 'ra_cs_u', 'ra_cs_rw'])[1 + floor(random() * 4)::integer];
            -- mostly for the login's own authority (else few invitations would be issued at all)
            v_a := coalesce(CASE WHEN random() < 0.7 THEN (SELECT authority FROM login WHERE login = v_login) END, v_a);
            v_sql := format('SELECT rbp.issue_invitation(%L, %L, %L, ''link'', 3650, %L)', v_a, 'I' || v_i, 'P' || v_i, v_on);
        ELSIF v_pick < 0.55 THEN
            v_login := 'ra_intake';
            SELECT token INTO v_token FROM tok WHERE NOT used ORDER BY random() LIMIT 1;
            CONTINUE WHEN v_token IS NULL;
            v_sql := format('SELECT rbp.submit_response(%L, %L, %L, ''online'', false, %L)', v_token,
                            (ARRAY['named', 'named', 'worker_only', 'anonymous'])[1 + floor(random() * 4)::integer],
                            format('{"q2_trust": %s}', 1 + floor(random() * 5)::integer), v_on);
        ELSIF v_pick < 0.72 THEN
            v_login := (ARRAY['ra_qa_n', 'ra_qa_s', 'ra_qa_u'])[1 + floor(random() * 3)::integer];
            -- mostly a response of the login's own authority (else some seeds release nothing staff
            -- could read, and the run proves nothing about V1)
            IF random() < 0.7 THEN
                v_response := coalesce((SELECT r.response_id FROM rbp.response r JOIN rbp.authority au USING (authority_id)
                                         WHERE au.code = (SELECT authority FROM login WHERE login = v_login)
                                         ORDER BY random() LIMIT 1), v_response);
            END IF;
            CONTINUE WHEN v_response IS NULL;
            v_sql := CASE WHEN random() < 0.8 THEN format('SELECT rbp.qa_release(%L, %L)', v_response, v_on)
                          ELSE format('SELECT rbp.qa_hold(%L, ''safeguarding'', false, %L)', v_response, v_on) END;
        ELSIF v_pick < 0.80 THEN
            v_login := (ARRAY['ra_qa_n', 'ra_qa_s', 'ra_qa_u'])[1 + floor(random() * 3)::integer];
            CONTINUE WHEN v_response IS NULL;
            v_sql := format('SELECT rbp.withdraw_identity(%L, ''anonymous'')', v_response);
        ELSIF v_pick < 0.90 THEN
            v_login := (SELECT login FROM login WHERE kind = 'staff' ORDER BY random() LIMIT 1);
            CONTINUE WHEN v_response IS NULL;
            v_sql := format('SELECT rbp.record_supervision_review(%L, true, ''{}'', NULL, %L)', v_response, v_on);
        ELSE
            v_login := (ARRAY['ra_cs_n', 'ra_cs_s', 'ra_cs_u', 'ra_cs_rw'])[1 + floor(random() * 4)::integer];
            v_sql := format('SELECT rbp.release_held_feedback(%L)', v_on);
        END IF;
        v_action := v_login || ': ' || v_sql;
        v_before := pg_temp.feedback_digest();
        SELECT jsonb_object_agg(authority, n) INTO v_held_before FROM pg_temp.held();
        BEGIN
            PERFORM set_config('role', v_login, true);
            IF v_sql LIKE 'SELECT rbp.issue_invitation%' THEN
                EXECUTE v_sql INTO v_token;
                PERFORM set_config('role', 'none', true);
                INSERT INTO tok (token, authority) VALUES (v_token, v_a);
            ELSE
                EXECUTE v_sql;
                PERFORM set_config('role', 'none', true);
                IF v_sql LIKE 'SELECT rbp.submit_response%' THEN
                    UPDATE tok SET used = true WHERE token = v_token;
                END IF;
            END IF;
            v_ok := true;
        EXCEPTION WHEN insufficient_privilege OR no_data_found OR invalid_parameter_value OR foreign_key_violation
                       OR object_not_in_prerequisite_state OR unique_violation OR check_violation THEN
            v_ok := false;
            v_state := SQLSTATE;
        END;
        UPDATE counter SET n = n + 1 WHERE name = 'steps';
        IF NOT v_ok THEN
            UPDATE counter SET n = n + 1 WHERE name = 'refused';
            IF v_sql LIKE 'SELECT rbp.submit_response%' THEN
                UPDATE tok SET used = true WHERE token = v_token;   -- e.g. a token another call cancelled
            END IF;
            -- V6
            IF pg_temp.feedback_digest() IS DISTINCT FROM v_before THEN
                INSERT INTO mismatch VALUES (v_step, v_action, v_login, 'V6 a refused call changed nothing', 'refused with ' || v_state || ', but rows changed');
            END IF;
        END IF;
        -- V5
        IF v_sql LIKE 'SELECT rbp.release_held_feedback%' THEN
            SELECT jsonb_object_agg(authority, n) INTO v_held_after FROM pg_temp.held();
            IF EXISTS (SELECT FROM jsonb_each(v_held_before) b
                        WHERE b.value IS DISTINCT FROM v_held_after -> b.key
                          AND b.key IS DISTINCT FROM (SELECT authority FROM login WHERE login = v_login AND kind = 'case_system')) THEN
                INSERT INTO mismatch VALUES (v_step, v_action, v_login, 'V5 release only for mapped authorities',
                                             format('held before %s, after %s', v_held_before, v_held_after));
            END IF;
            UPDATE counter SET n = n + (v_held_before IS DISTINCT FROM v_held_after)::integer
             WHERE name = CASE WHEN (SELECT authority FROM login WHERE login = v_login) IS NULL THEN 'release_by_other' ELSE 'released_in_scope' END;
        END IF;
        PERFORM pg_temp.check_reads(v_step, v_action, v_on);
    END LOOP;
END
$loop$;

SELECT is_empty($$SELECT step, rule, login, detail, action FROM mismatch WHERE rule LIKE 'V1%' ORDER BY step LIMIT 5$$,
                'V1: after every call, each worker reads exactly the released named and worker-only feedback about them');
SELECT is_empty($$SELECT step, rule, login, detail, action FROM mismatch WHERE rule LIKE 'V2%' ORDER BY step LIMIT 5$$,
                'V2: after every call, each reviewer reads exactly the released feedback currently routed to them');
SELECT is_empty($$SELECT step, rule, login, detail, action FROM mismatch WHERE rule LIKE 'V3%' ORDER BY step LIMIT 5$$,
                'V3: after every call, each QA login reads exactly the feedback of the authorities it is mapped to (unmapped: none)');
SELECT is_empty($$SELECT step, rule, login, detail, action FROM mismatch WHERE rule LIKE 'V4%' ORDER BY step LIMIT 5$$,
                'V4: after every call, each case-system login''s due list names only the authorities it serves as case system');
SELECT is_empty($$SELECT step, rule, login, detail, action FROM mismatch WHERE rule LIKE 'V5%' ORDER BY step LIMIT 5$$,
                'V5: the nightly release by a login changes the holding area of the authorities it serves only');
SELECT is_empty($$SELECT step, rule, login, detail, action FROM mismatch WHERE rule LIKE 'V6%' ORDER BY step LIMIT 5$$,
                'V6: a refused call changes no feedback row');
-- The run exercised the rules (else it would prove nothing): staff and QA read something, calls were
-- refused, and releases happened.
SELECT cmp_ok((SELECT n FROM counter WHERE name = 'staff_saw'), '>', 0, 'staff read released feedback at some point of the run');
SELECT cmp_ok((SELECT n FROM counter WHERE name = 'qa_saw'), '>', 0, 'QA read feedback at some point of the run');
SELECT cmp_ok((SELECT n FROM counter WHERE name = 'refused'), '>', 0, 'some calls were refused (other authority, unmapped login, wrong state)');

SELECT * FROM finish();
ROLLBACK;
