-- The adversary model of guarantee G1 (issue 10; doc/threat-model.md, "The guarantee"): hundreds of
-- randomised sequences of documented API calls, each role making its own calls, with QA's
-- knowledge recorded after every step and the candidate invitations of every released anonymous
-- and worker-only row computed from it (test/helpers/adversary_model.sql says exactly how). Each
-- sequence runs twice with the same seed: the order in which released rows are written must
-- differ, since no session can steer it.
--
-- Two checkers read the same knowledge: the batch-by-batch one (adv_violations) and the joint one
-- (adv_joint_violations: every release solved together as one bipartite matching, see the helper).
--
-- The harness can fail: sections 2 to 5 revert a fix in this transaction's scratch copy of the
-- extension (CREATE OR REPLACE of one internal function; everything is rolled back at the end)
-- and check that the same harness then reports the break:
--   2. break 1, "withdrawn answers fill a batch": held withdrawn answers counted as unseen;
--   3. break 2, "the release order is predictable": the release's order drawn from the session's
--      random() (which setseed() steers), as in 0.1.0;
--   4. break 2, the other half, "pairs every released row with its invitation by xmin": the batch
--      released inside the submitting transaction, as in 0.1.0;
--   5. combined inference: anonymous batches show channel and team whatever their window held, as
--      before the joint checker (120 sequences). The batch-by-batch checker sees nothing wrong; the
--      joint checker finds worker-only rows narrowed below k (with today's worker-only rule: 1 of
--      sequences 1-60, seed 0.007). Seen when the joint checker was written, with the rules of the
--      time: 3 of sequences 1-60 (seed 0.007: an anonymous batch of five 'online'
--      rows, with the other worker-only batches, proves one of W1's invitations anonymous, leaving
--      W1's worker-only rows 4 candidates). The other half of the fix, a worker-only batch counting
--      only windows of its own worker's worker-only use, is attacked by 44_insider_breaks G (F9).
BEGIN;
SET client_min_messages = warning;
CREATE EXTENSION feedback_rbp;
RESET client_min_messages;
SET search_path = public, rbp;
SELECT plan(17);
\ir ../helpers/pgtap_roles.sql
\ir ../helpers/adversary_model.sql

-- 1. The guarantee, on 120 sequences of 30 to 60 steps, each run twice.
SELECT count(pg_temp.adv_trial('real', s / 1000.0, 30 + (s % 4) * 10)) AS trials FROM generate_series(1, 120) s \gset
SELECT count(pg_temp.adv_trial('real replay', s / 1000.0, 30 + (s % 4) * 10)) AS trials FROM generate_series(1, 120) s \gset
SELECT ok((SELECT sum(anonymous_checked) >= 200 AND sum(worker_only_checked) >= 200 FROM pg_temp.adv_result WHERE run = 'real'),
          'the sequences released anonymous and worker-only rows to check: '
          || (SELECT sum(anonymous_checked) || ' anonymous, ' || sum(worker_only_checked) || ' worker-only' FROM pg_temp.adv_result WHERE run = 'real'));
SELECT is((SELECT coalesce(sum(violations), 0)::integer FROM pg_temp.adv_result WHERE run LIKE 'real%'), 0,
          'G1 on 240 sequences: every released anonymous row leaves QA k candidate invitations of two workers or more, every worker-only row k, and no released row shares its xmin with a used invitation');
SELECT is_empty($$SELECT seed, detail FROM pg_temp.adv_result WHERE run LIKE 'real%' AND violations > 0$$,
                'no sequence has a violation (the detail would be listed here)');
SELECT is_empty($$SELECT seed, joint_detail FROM pg_temp.adv_result WHERE run LIKE 'real%' AND joint_violations > 0$$,
                'G1 against a reader who solves every release together (the joint checker): no released anonymous row below k candidates or two workers, no worker-only row below k, in 240 sequences');
SELECT is((SELECT coalesce(sum(model_errors), 0)::integer FROM pg_temp.adv_result WHERE run LIKE 'real%'), 0,
          'the joint checker''s self-check: the truth is always one of the worlds it allows');
SELECT is((SELECT max(held_sizes) FROM pg_temp.adv_result WHERE run LIKE 'real%' AND held_sizes > 0), 2,
          'after every sequence, every held row has one size, and so has its out-of-line payload');
SELECT ok((SELECT count(*) FILTER (WHERE a.order_sig = b.order_sig)::float8 / count(*) < 0.5
             FROM pg_temp.adv_result a JOIN pg_temp.adv_result b USING (seed)
            WHERE a.run = 'real' AND b.run = 'real replay' AND a.batches_of_two > 0),
          'the same sequence run twice (same seeds, setseed() before releases) writes its released rows in another order: no session steers it');

-- 2. Break 1 reverted: withdrawn answers held as unseen (they count towards k again).
CREATE OR REPLACE FUNCTION rbp.hold_response(p_authority_id integer, p_instrument_id integer, p_kind rbp.respondent_kind,
                                             p_channel rbp.response_channel, p_team_id integer, p_worker_id integer,
                                             p_anonymity rbp.anonymity, p_seen boolean, p_answers rbp.answer_input[],
                                             p_submitted_on date) RETURNS void
    LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, rbp, pg_temp AS $$
BEGIN
    INSERT INTO rbp.anonymous_holding (authority_id, instrument_id, respondent_kind, channel, submitted_in,
                                       anonymity, worker_id, seen, team_id, payload)
    VALUES (p_authority_id, p_instrument_id, p_kind, p_channel, date_trunc('month', coalesce(p_submitted_on, current_date))::date,
            p_anonymity, coalesce(p_worker_id, 0), false, coalesce(p_team_id, 0), rbp.held_payload(coalesce(p_answers, '{}')));
END
$$;
SELECT count(pg_temp.adv_trial('break 1', s / 1000.0, 50)) AS trials FROM generate_series(1, 60) s \gset
SELECT ok((SELECT sum(violations) > 0 FROM pg_temp.adv_result WHERE run = 'break 1'),
          'break 1 reverted (withdrawn answers count towards k): the harness finds anonymous rows with fewer than k candidates in '
          || (SELECT count(*) FILTER (WHERE violations > 0) FROM pg_temp.adv_result WHERE run = 'break 1') || ' of 60 sequences');
SELECT ok((SELECT bool_and(detail LIKE 'anonymous row%') FROM pg_temp.adv_result WHERE run = 'break 1' AND violations > 0),
          'and every violation it reports is an anonymous row with too few candidates');

-- 3. Break 2 reverted: the order of a release drawn from the session's random().
CREATE OR REPLACE FUNCTION rbp.release_permutation(n integer) RETURNS integer[]
    LANGUAGE sql VOLATILE STRICT AS $$ SELECT coalesce(array_agg(i ORDER BY random()), '{}') FROM generate_series(1, n) i $$;
CREATE OR REPLACE FUNCTION rbp.release_key() RETURNS bigint
    LANGUAGE sql VOLATILE AS $$ SELECT (random() * 9e18)::bigint $$;
SELECT count(pg_temp.adv_trial('break 2', s / 1000.0, 30 + (s % 4) * 10)) AS trials FROM generate_series(1, 40) s \gset
SELECT count(pg_temp.adv_trial('break 2 replay', s / 1000.0, 30 + (s % 4) * 10)) AS trials FROM generate_series(1, 40) s \gset
SELECT ok((SELECT bool_and(a.order_sig = b.order_sig) FROM pg_temp.adv_result a JOIN pg_temp.adv_result b USING (seed)
            WHERE a.run = 'break 2' AND b.run = 'break 2 replay' AND a.batches_of_two > 0),
          'break 2 reverted (order from random()): the harness sees every sequence replayed with the same seeds write its released rows in the same order');
SELECT ok((SELECT count(*) FROM pg_temp.adv_result WHERE run = 'break 2' AND batches_of_two > 0) >= 20,
          'in enough sequences with batches to tell');

-- 4. Break 2 reverted, the other half: the release inside the submitting transaction.
CREATE OR REPLACE FUNCTION rbp.hold_response(p_authority_id integer, p_instrument_id integer, p_kind rbp.respondent_kind,
                                             p_channel rbp.response_channel, p_team_id integer, p_worker_id integer,
                                             p_anonymity rbp.anonymity, p_seen boolean, p_answers rbp.answer_input[],
                                             p_submitted_on date) RETURNS void
    LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, rbp, pg_temp AS $$
BEGIN
    INSERT INTO rbp.anonymous_holding (authority_id, instrument_id, respondent_kind, channel, submitted_in,
                                       anonymity, worker_id, seen, team_id, payload)
    VALUES (p_authority_id, p_instrument_id, p_kind, p_channel, date_trunc('month', coalesce(p_submitted_on, current_date))::date,
            p_anonymity, coalesce(p_worker_id, 0), coalesce(p_seen, true), coalesce(p_team_id, 0), rbp.held_payload(coalesce(p_answers, '{}')));
    IF p_anonymity = 'anonymous' THEN   -- 0.1.0: the submission that completes a batch releases it
        PERFORM rbp.release_anonymous_group(p_authority_id, p_instrument_id, p_kind, coalesce(p_submitted_on, current_date));
    END IF;
END
$$;
SELECT count(pg_temp.adv_trial('break 2 xmin', s / 1000.0, 50)) AS trials FROM generate_series(1, 30) s \gset
SELECT ok((SELECT sum(violations) > 0 FROM pg_temp.adv_result WHERE run = 'break 2 xmin'),
          'break 2 reverted (released in the submitting transaction): the harness finds released rows sharing the xmin of a used invitation in '
          || (SELECT count(*) FILTER (WHERE violations > 0) FROM pg_temp.adv_result WHERE run = 'break 2 xmin') || ' of 30 sequences');
SELECT ok((SELECT bool_or(detail LIKE '%shares its xmin%') FROM pg_temp.adv_result WHERE run = 'break 2 xmin'),
          'and names the shared xmin');

-- 5. Combined inference: the other fixes restored, then anonymous batches that always show their values.
CREATE OR REPLACE FUNCTION rbp.hold_response(p_authority_id integer, p_instrument_id integer, p_kind rbp.respondent_kind,
                                             p_channel rbp.response_channel, p_team_id integer, p_worker_id integer,
                                             p_anonymity rbp.anonymity, p_seen boolean, p_answers rbp.answer_input[],
                                             p_submitted_on date) RETURNS void
    LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, rbp, pg_temp AS $$
BEGIN
    INSERT INTO rbp.anonymous_holding (authority_id, instrument_id, respondent_kind, channel, submitted_in,
                                       anonymity, worker_id, seen, team_id, payload)
    VALUES (p_authority_id, p_instrument_id, p_kind, p_channel, date_trunc('month', coalesce(p_submitted_on, current_date))::date,
            p_anonymity, coalesce(p_worker_id, 0), coalesce(p_seen, true), coalesce(p_team_id, 0), rbp.held_payload(coalesce(p_answers, '{}')));
END
$$;
CREATE OR REPLACE FUNCTION rbp.release_permutation(n integer) RETURNS integer[]
    AS '$libdir/feedback_rbp', 'release_permutation' LANGUAGE C VOLATILE STRICT;
CREATE OR REPLACE FUNCTION rbp.release_key() RETURNS bigint AS '$libdir/feedback_rbp', 'release_key' LANGUAGE C VOLATILE;
CREATE OR REPLACE FUNCTION rbp.anonymous_batch_shows_values(p_authority_id integer, p_instrument_id integer,
                                                            p_kind rbp.respondent_kind) RETURNS boolean
    LANGUAGE sql STABLE AS $$ SELECT true $$;
SELECT count(pg_temp.adv_trial('break joint', s / 1000.0, 30 + (s % 4) * 10)) AS trials FROM generate_series(1, 120) s \gset
SELECT ok((SELECT sum(joint_violations) > 0 FROM pg_temp.adv_result WHERE run = 'break joint'),
          'anonymous batches showing channel and team whatever their window held: the joint checker finds worker-only rows with fewer than k candidates in '
          || (SELECT count(*) FILTER (WHERE joint_violations > 0) FROM pg_temp.adv_result WHERE run = 'break joint') || ' of 120 sequences');
SELECT ok((SELECT coalesce(sum(violations), 0) = 0 AND coalesce(sum(model_errors), 0) = 0 FROM pg_temp.adv_result WHERE run = 'break joint'),
          'which the batch-by-batch checker does not see (and the joint model stays consistent with the truth)');

-- The scratch copy's mutations do not outlive this transaction: every other suite creates the
-- extension afresh, and the real functions are back after ROLLBACK.
SELECT is((SELECT count(*)::integer FROM pg_temp.adv_result WHERE run LIKE 'real%'), 240, '240 sequences of the real extension were checked');
SELECT is((SELECT count(*)::integer FROM pg_temp.adv_result), 530, 'and 290 of the scratch copies with a fix reverted');

SELECT * FROM finish();
ROLLBACK;
