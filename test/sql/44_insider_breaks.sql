-- The breaks of issue 10, one named test each, replayed against the fixed extension with the same
-- documented calls an insider used (the adversary model of test/sql/45_adversary_model.sql checks
-- the whole class on randomised sequences; this suite keeps each known attack as its own test).
--   A. Withdrawn answers fill a batch.
--   B. The release order is predictable (setseed, search_path) and pairs rows with invitations.
--   C. Size side channel (TOAST growth, pg_relation_size, counters).
--   D. One-worker batches and teams.
--   E. Worker-only is not anonymous at all.
--   F. Side signals: counts returned to the case system.
--   G. Red-team finding F9: batch sizes alone narrow a worker-only row (combined inference).
--   H. Red-team finding F8: a worker-only submission wrote one more row than an anonymous one.
BEGIN;
SET client_min_messages = warning;
CREATE EXTENSION feedback_rbp;
RESET client_min_messages;
SET search_path = public, rbp;
SELECT plan(37);
\ir ../helpers/pgtap_roles.sql
\ir ../helpers/anonymity_fixture.sql

-- A. QA reads four named responses, withdraws all four to anonymous; one genuinely anonymous
--    response is held. In 0.1.0 the fifth completed the batch and QA, discarding the four it had
--    read, knew the fifth row was the anonymous family's.
SET ROLE t_intake;
SELECT pg_temp.submit('P' || i, 'named', format('{"q2_trust": %s, "q7_anything_else": "named words %s"}', 1 + i % 5, i)::jsonb,
                      'online', false, '2026-03-10') FROM generate_series(1, 4) i;
SELECT pg_temp.submit('P5', 'anonymous', '{"q2_trust": 1, "q7_anything_else": "the anonymous family"}', 'online', false, '2026-03-11');
RESET ROLE;
SET ROLE t_qa;
SELECT is((SELECT count(*)::integer FROM rbp.answer WHERE free_text LIKE 'named words %'), 4, 'A: QA reads the four named responses');
SELECT count(rbp.withdraw_identity(response_id, 'anonymous')) AS withdrawn FROM rbp.response WHERE anonymity = 'named' \gset
RESET ROLE;
SET ROLE t_case;
SELECT pg_temp.release('2026-03-12');
RESET ROLE;
SET ROLE t_qa;
SELECT is_empty($$SELECT FROM rbp.response WHERE anonymity = 'anonymous'$$,
                'A: four withdrawn answers and one anonymous one are no batch: nothing is released (seen answers never count)');
RESET ROLE;
SELECT results_eq($$SELECT seen, count(*)::integer FROM rbp.anonymous_holding GROUP BY seen ORDER BY seen$$,
                  $$VALUES (false, 1), (true, 4)$$, 'A: superuser view: one unseen and four seen answers held');
SET ROLE t_intake;
SELECT pg_temp.submit('P' || i, 'anonymous', format('{"q2_trust": 3, "q7_anything_else": "anonymous %s"}', i)::jsonb,
                      'online', false, '2026-03-13') FROM generate_series(6, 9) i;
RESET ROLE;
SET ROLE t_case;
SELECT pg_temp.release('2026-03-14');
RESET ROLE;
SET ROLE t_qa;
SELECT is((SELECT count(*)::integer FROM rbp.response WHERE anonymity = 'anonymous'), 9,
          'A: with five unseen answers the batch goes out, the four withdrawn ones with it');
SELECT is((SELECT count(*)::integer FROM rbp.response r WHERE r.anonymity = 'anonymous'
            AND NOT EXISTS (SELECT FROM rbp.answer a WHERE a.response_id = r.response_id AND a.free_text LIKE 'named words %')), 5,
          'A: QA discards the four it read: five rows remain, as many as the unexplained used invitations (P5 to P9)');
RESET ROLE;

-- B. The release order. QA (or whoever runs the release) seeds its session and replays: the
--    order and the ids differ every time, and a hostile search_path changes nothing.
SET ROLE t_intake;
SELECT pg_temp.submit('P' || i, 'anonymous', format('{"q2_trust": 2, "q7_anything_else": "order %s"}', i)::jsonb,
                      'online', false, '2026-04-01') FROM generate_series(10, 17) i;
RESET ROLE;
SAVEPOINT before_release;
SET ROLE t_case;
SELECT setseed(0.42);
SELECT pg_temp.release('2026-04-02');
RESET ROLE;
SELECT string_agg(a.free_text, ',' ORDER BY r.ctid) AS keys1, string_agg(r.response_id::text, ',' ORDER BY r.ctid) AS ids1
  FROM rbp.response r JOIN rbp.answer a USING (response_id) WHERE a.free_text LIKE 'order %' \gset
ROLLBACK TO SAVEPOINT before_release;
SET ROLE t_case;
SELECT setseed(0.42);
SELECT pg_temp.release('2026-04-02');
RESET ROLE;
SELECT string_agg(a.free_text, ',' ORDER BY r.ctid) AS keys2, string_agg(r.response_id::text, ',' ORDER BY r.ctid) AS ids2
  FROM rbp.response r JOIN rbp.answer a USING (response_id) WHERE a.free_text LIKE 'order %' \gset
ROLLBACK TO SAVEPOINT before_release;
-- a hostile search path: a schema of the caller's own with a random() that always says 0
CREATE SCHEMA hostile;
CREATE FUNCTION hostile.random() RETURNS double precision LANGUAGE sql AS 'SELECT 0::double precision';
GRANT USAGE ON SCHEMA hostile TO PUBLIC;
SET ROLE t_case;
SET search_path = hostile, pg_catalog, public, rbp;
SELECT setseed(0.42);
SELECT pg_temp.release('2026-04-02');
SET search_path = public, rbp;
RESET ROLE;
SELECT string_agg(a.free_text, ',' ORDER BY r.ctid) AS keys3, string_agg(r.response_id::text, ',' ORDER BY r.ctid) AS ids3
  FROM rbp.response r JOIN rbp.answer a USING (response_id) WHERE a.free_text LIKE 'order %' \gset
CREATE TEMP TABLE orders (attempt integer, keys text, ids text);
INSERT INTO orders VALUES (1, :'keys1', :'ids1'), (2, :'keys2', :'ids2'), (3, :'keys3', :'ids3');
SELECT is((SELECT count(DISTINCT keys)::integer FROM orders), 3,
          'B: the same batch released three times after setseed(0.42) (once under a hostile search_path) is written in three different orders');
SELECT is((SELECT count(DISTINCT ids)::integer FROM orders), 3, 'B: and under different ids');
SELECT is((SELECT count(*)::integer FROM orders WHERE cardinality(string_to_array(keys, ',')) = 8), 3, 'B: every attempt released the whole batch (eight rows)');
SELECT is((SELECT count(DISTINCT (SELECT string_agg(x, ',' ORDER BY x) FROM unnest(string_to_array(keys, ',')) x))::integer FROM orders), 1,
          'B: what is released does not depend on the session: the same eight answers each time');
SELECT is_empty($$SELECT FROM rbp.response r JOIN rbp.invitation i ON i.xmin = r.xmin WHERE r.anonymity <> 'named'$$,
                'B: no released row shares its xmin with a used invitation (released by a later transaction)');
SELECT is((SELECT prosrc ~ 'random\(\)' FROM pg_proc WHERE oid = 'rbp.release_anonymous_group(integer,integer,rbp.respondent_kind,date)'::regprocedure),
          false, 'B: the release does not call random()');
SELECT is((SELECT probin || ':' || prosrc FROM pg_proc WHERE oid = 'rbp.release_permutation(integer)'::regprocedure),
          '$libdir/feedback_rbp:release_permutation', 'B: its order comes from C (pg_strong_random, src/release.c)');

-- C. Size side channel: every held submission takes the same bytes, in the table and in TOAST,
--    whether it says two letters or 2000 characters; longer text is refused and nothing is stored.
SET ROLE t_intake;
SELECT pg_temp.submit('Y1', 'anonymous', '{"dial_safe": 3, "anything_else": "ok"}', 'online', true, '2026-04-03');
SELECT pg_temp.submit('Y3', 'anonymous', jsonb_build_object('dial_safe', 3, 'anything_else', repeat('ä', 2000)), 'online', true, '2026-04-03');
RESET ROLE;
SELECT is((SELECT count(DISTINCT pg_column_size(h.*))::integer FROM rbp.anonymous_holding h WHERE respondent_kind = 'child_young_person'), 1,
          'C: a short and a 2000-character submission are held in rows of the same size');
SELECT reltoastrelid::regclass AS toast FROM pg_class WHERE oid = 'rbp.anonymous_holding'::regclass \gset
SELECT is((SELECT count(DISTINCT (n, bytes))::integer FROM (SELECT chunk_id, count(*) AS n, sum(octet_length(chunk_data)) AS bytes
                                                             FROM :toast GROUP BY chunk_id) c), 1,
          'C: every held submission takes the same number of TOAST chunks and bytes');
SELECT is((SELECT count(DISTINCT octet_length(payload))::integer FROM rbp.anonymous_holding), 1,
          'C: its answers are padded to rbp.held_payload_bytes(), uncompressed');
SET ROLE t_intake;
SELECT throws_ok($$SELECT rbp.submit_response((SELECT token FROM pg_temp.tok WHERE respondent = 'Y4'), 'anonymous',
                      jsonb_build_object('dial_safe', 3, 'anything_else', repeat('x', 2001)))$$,
                 '22001', NULL, 'C: a 2001-character answer is refused with 22001');
RESET ROLE;
SELECT is((SELECT used_on FROM rbp.invitation i JOIN pg_temp.tok t ON i.token_hash = rbp.token_hash(t.token) WHERE t.respondent = 'Y4'), NULL::date,
          'C: and nothing is stored: the invitation stays unused');
SET ROLE t_intake;
SELECT throws_ok($$SELECT rbp.submit_response((SELECT token FROM pg_temp.tok WHERE respondent = 'P18'), 'named',
                      jsonb_build_object('q3_rights_explained', repeat('€', 2000), 'q4_impact', repeat('€', 2000), 'q5_other_contacts', repeat('€', 2000)))$$,
                 '22001', NULL, 'C: answers larger than a held row (16380 bytes once encoded) are refused at every level, named too');
RESET ROLE;

-- D. One-worker batches and teams: five anonymous answers from the families of one worker wait;
--    a family of a second worker lets them out.
SET ROLE t_intake;
SELECT pg_temp.submit('Y' || i, 'anonymous', '{"dial_safe": 5}', 'online', true, '2026-04-05') FROM generate_series(5, 9, 2) i;
RESET ROLE;
SET ROLE t_case;
SELECT pg_temp.release('2026-04-06');
RESET ROLE;
SET ROLE t_qa;
SELECT is_empty($$SELECT FROM rbp.response WHERE respondent_kind = 'child_young_person'$$,
                'D: five young people of one worker (SW1) and one team (Y1, Y3 above, and three more) are not released: the batch would name the worker');
RESET ROLE;
SET ROLE t_intake;
SELECT pg_temp.submit('Y2', 'anonymous', '{"dial_safe": 6}', 'online', false, '2026-04-07');
RESET ROLE;
SET ROLE t_case;
SELECT pg_temp.release('2026-04-08');
RESET ROLE;
SET ROLE t_qa;
SELECT is((SELECT count(*)::integer FROM rbp.response WHERE respondent_kind = 'child_young_person'), 6,
          'D: a young person of a second worker completes a batch of two workers');
SELECT is_empty($$SELECT FROM rbp.response WHERE respondent_kind = 'child_young_person' AND team_id IS NOT NULL$$,
                'D: the team they gave is not kept: its five rows all come from one worker');
RESET ROLE;

-- E. Worker-only: QA joined it to the family by xmin, read the exact date, kind, channel and hold
--    note. Now it is held and released by a later transaction, under a fresh id, dated by month.
SET ROLE t_intake;
SELECT pg_temp.submit('P19', 'worker_only', '{"q2_trust": 2, "q7_anything_else": "worker-only words"}', 'interview_practitioner', false, '2026-04-09');
RESET ROLE;
SET ROLE t_qa;
SELECT is_empty($$SELECT FROM rbp.response WHERE anonymity = 'worker_only'$$, 'E: a worker-only submission is held: QA sees no row');
RESET ROLE;
\set wo_worker SW1
\set wo_on 2026-04-20
\ir ../helpers/release_worker_only.sql
SET ROLE t_qa;
SELECT results_eq($$SELECT r.submitted_on, r.period, r.channel::text, r.respondent_id, r.involvement_id, s.staff_ref
                      FROM rbp.response r JOIN rbp.staff s ON s.staff_id = r.worker_id WHERE r.anonymity = 'worker_only'$$,
                  $$VALUES (NULL::date, '2026-04-01'::date, NULL::text, NULL::integer, NULL::integer, 'SW1')$$,
                  'E: released later to QA: the worker and the month, no date, channel or family');
SELECT is_empty($$SELECT FROM rbp.response r JOIN rbp.invitation i ON i.xmin = r.xmin WHERE r.anonymity = 'worker_only'$$,
                'E: its xmin is not that of the invitation it answered');
SELECT response_id AS wo_id FROM rbp.response WHERE anonymity = 'worker_only' \gset
SELECT rbp.qa_hold(:'wo_id', 'worried about the only child on this caseload', false, '2026-04-21');
SELECT rbp.qa_release(:'wo_id', '2026-04-22');
RESET ROLE;
SET ROLE t_staff;
SELECT results_eq($$SELECT submitted_on, released_on, channel::text, period FROM rbp.my_feedback() WHERE anonymity = 'worker_only'$$,
                  $$VALUES (NULL::date, NULL::date, NULL::text, '2026-04-01'::date)$$,
                  'E: the worker reads no date or channel, only the month (and never QA''s hold note: rbp.my_feedback() has no such column)');
RESET ROLE;
SET ROLE t_intake;
SELECT pg_temp.submit('P21', 'named', '{"q2_trust": 4, "q7_anything_else": "named, then withdrawn"}', 'online', false, '2026-04-23');
RESET ROLE;
SET ROLE t_qa;
SELECT response_id AS named_id FROM rbp.response WHERE anonymity = 'named' \gset
SELECT rbp.withdraw_identity(:'named_id', 'worker_only');
SELECT is_empty(format('SELECT FROM rbp.response WHERE response_id = %L', :'named_id'),
                'E: named -> worker_only re-keys: the named id is gone (the answers come back under a fresh id in a later batch)');
RESET ROLE;

-- F. Side signals: nothing the case system may call returns a count of released, held or open
--    feedback, per day or per worker.
SELECT is(pg_get_function_result('rbp.release_held_feedback(date)'::regprocedure), 'void', 'F: the nightly release returns nothing');
SELECT is(pg_get_function_result('rbp.release_anonymous_responses(date)'::regprocedure), 'void', 'F: nor its 0.1.0 name');
SELECT is(pg_get_function_result('rbp.release_due_feedback(date)'::regprocedure), 'void', 'F: nor the automatic QA release');
SELECT is(pg_get_function_result('rbp.reroute_open_feedback(date,integer)'::regprocedure), 'void',
          'F: nor rerouting (it returned per-worker counts, even inside a rolled-back transaction)');
SELECT is_empty($$
    SELECT p.oid::regprocedure FROM pg_proc p JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid
      JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'feedback_rbp'
     WHERE has_function_privilege('rbp_case_system', p.oid, 'EXECUTE')
       AND p.prorettype IN ('integer'::regtype, 'bigint'::regtype, 'numeric'::regtype)
       AND p.proname ~ '(release|reroute|feedback)'$$,
    'F: no function the case system may execute returns a number about feedback');

-- G. Red-team finding F9 (the joint checker of 45_adversary_model finds the class): workers A, B, C.
--    Window 1: RA1 worker-only, RA2-RA4 and RC1-RC3 anonymous; release: anonymous batch of 6.
--    Window 2: RA5 anonymous, RB1 worker-only, RB2-RB5 anonymous; release. The second anonymous
--    batch has 5 rows for 6 unexplained invitations: one is not anonymous, and B's worker-only row
--    accounts for it, so RA5 is proved anonymous. Before, A's batch went out counting RA5 (window 2
--    had "some" worker-only use, B's): A's row had 4 candidates, RA1-RA4. Now a window counts for A
--    only if A itself used an invitation worker-only in it: A has 4, and waits.
--    Seen failing: with rbp.worker_only_candidates() counting the windows with anyone's worker-only
--    use (rbp.worker_only_use, its rows kept for every window, as before), the third test gets 1.
SELECT rbp.register_authority('east', 'East') IS NOT NULL AND rbp.register_team('east', 'et', 'East team') IS NOT NULL AS g_authority \gset
SELECT count(rbp.register_staff('east', w, 'Worker ' || w, 'et')) AS g_staff FROM unnest(ARRAY['A', 'B', 'C']) w \gset
CREATE TEMP TABLE g_tok AS
SELECT r, substr(r, 2, 1) AS worker FROM unnest(ARRAY['RA1', 'RA2', 'RA3', 'RA4', 'RA5', 'RB1', 'RB2', 'RB3', 'RB4', 'RB5', 'RC1', 'RC2', 'RC3']) r;
SELECT count(rbp.register_respondent('east', 'F' || r, r, 'parent')) + count(rbp.open_involvement('east', 'I' || r, 'F' || r, 'et', '2026-04-01'))
       + count(rbp.allocate_worker('east', 'I' || r, worker, '2026-04-01')) AS g_families FROM g_tok \gset
ALTER TABLE g_tok ADD COLUMN token text;
UPDATE g_tok SET token = rbp.issue_invitation('east', 'I' || r, r, 'link', 3650, '2026-05-01');
GRANT SELECT ON g_tok TO PUBLIC;
SET ROLE t_intake;
SELECT count(rbp.submit_response(token, CASE WHEN r = 'RA1' THEN 'worker_only' ELSE 'anonymous' END::rbp.anonymity,
                                 '{"q2_trust": 3}', 'online', false, '2026-05-04'))
       AS g_window_1 FROM g_tok WHERE r IN ('RA1', 'RA2', 'RA3', 'RA4', 'RC1', 'RC2', 'RC3') \gset
RESET ROLE;
SELECT rbp.release_held_feedback('2026-05-10') AS g_release_1 \gset
SET ROLE t_intake;
SELECT count(rbp.submit_response(token, CASE WHEN r = 'RB1' THEN 'worker_only' ELSE 'anonymous' END::rbp.anonymity,
                                 '{"q2_trust": 3}', 'online', false, '2026-05-13'))
       AS g_window_2 FROM g_tok WHERE r IN ('RA5', 'RB1', 'RB2', 'RB3', 'RB4', 'RB5') \gset
RESET ROLE;
SELECT rbp.release_held_feedback('2026-05-20') AS g_release_2 \gset
SELECT is((SELECT count(*)::integer FROM rbp.response r JOIN rbp.authority a USING (authority_id) WHERE a.code = 'east' AND r.anonymity = 'anonymous'),
          11, 'G: both anonymous batches went out (6, then 5)');
SELECT is((SELECT count(*)::integer FROM rbp.response r JOIN rbp.authority a USING (authority_id) JOIN rbp.staff s ON s.staff_id = r.worker_id
            WHERE a.code = 'east' AND r.anonymity = 'worker_only' AND s.staff_ref = 'B'), 1,
          'G: B''s worker-only row went out: B used five invitations in window 2, one of them worker-only');
SELECT is((SELECT count(*)::integer FROM rbp.response r JOIN rbp.authority a USING (authority_id) JOIN rbp.staff s ON s.staff_id = r.worker_id
            WHERE a.code = 'east' AND r.anonymity = 'worker_only' AND s.staff_ref = 'A'), 0,
          'G: A''s worker-only row waits: only window 1, where A itself used an invitation worker-only, counts (4 < 5), as QA could prove RA5 anonymous');

-- H. Red-team finding F8: a worker-only submission inserted one more row (rbp.worker_only_use)
--    than an anonymous one, visible in counters and locks. Now every submission, at every level,
--    runs the same inserts outside rbp.response; worker-only and anonymous are written alike.
--    Seen failing: with the worker_only_use insert made for worker-only submissions only.
CREATE TEMP TABLE h_before AS SELECT relname, n_tup_ins, n_tup_upd, n_tup_del FROM pg_stat_xact_user_tables WHERE schemaname = 'rbp';
SET ROLE t_intake;
SELECT pg_temp.submit('P22', 'worker_only', '{"q2_trust": 2}', 'online', false, '2026-05-21');
RESET ROLE;
CREATE TEMP TABLE h_wo AS
SELECT s.relname, s.n_tup_ins - coalesce(b.n_tup_ins, 0) AS ins, s.n_tup_upd - coalesce(b.n_tup_upd, 0) AS upd, s.n_tup_del - coalesce(b.n_tup_del, 0) AS del
  FROM pg_stat_xact_user_tables s LEFT JOIN h_before b USING (relname) WHERE s.schemaname = 'rbp';
DELETE FROM h_before;
INSERT INTO h_before SELECT relname, n_tup_ins, n_tup_upd, n_tup_del FROM pg_stat_xact_user_tables WHERE schemaname = 'rbp';
SET ROLE t_intake;
SELECT pg_temp.submit('P23', 'anonymous', '{"q2_trust": 2}', 'online', false, '2026-05-21');
RESET ROLE;
CREATE TEMP TABLE h_anon AS
SELECT s.relname, s.n_tup_ins - coalesce(b.n_tup_ins, 0) AS ins, s.n_tup_upd - coalesce(b.n_tup_upd, 0) AS upd, s.n_tup_del - coalesce(b.n_tup_del, 0) AS del
  FROM pg_stat_xact_user_tables s LEFT JOIN h_before b USING (relname) WHERE s.schemaname = 'rbp';
SELECT ok((SELECT count(*) FROM h_wo WHERE ins + upd + del > 0) >= 3, 'H: a held submission writes the holding area and the windows');
SELECT set_eq($$SELECT relname, ins, upd, del FROM h_wo WHERE ins + upd + del > 0$$,
              $$SELECT relname, ins, upd, del FROM h_anon WHERE ins + upd + del > 0$$,
              'H: a worker-only and an anonymous submission insert, update and delete the same number of rows in the same tables');
SELECT is((SELECT ins FROM h_anon WHERE relname = 'worker_only_use'), 1::bigint, 'H: including one row of rbp.worker_only_use for the anonymous one');

SELECT * FROM finish();
ROLLBACK;
