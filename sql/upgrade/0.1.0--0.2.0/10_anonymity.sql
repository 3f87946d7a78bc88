-- Upgrade 0.1.0 -> 0.2.0, anonymity (issue 10): held worker-only feedback, release by a later
-- transaction with randomness from pg_strong_random (src/release.c), seen answers never counted,
-- batches of two workers or more, holding rows of one size, functions the case system calls return
-- no counts. Mirrors sql/install/40_anonymous.sql and the parts of 20, 31, 32 and 33 it changed.

CREATE FUNCTION rbp.release_uuid() RETURNS uuid
    AS 'MODULE_PATHNAME', 'release_uuid'
    LANGUAGE C VOLATILE PARALLEL SAFE;
COMMENT ON FUNCTION rbp.release_uuid() IS
    'Internal: a fresh version 4 UUID from the operating system''s cryptographic random source, for a released response';
REVOKE ALL ON FUNCTION rbp.release_uuid() FROM PUBLIC;

CREATE FUNCTION rbp.release_key() RETURNS bigint
    AS 'MODULE_PATHNAME', 'release_key'
    LANGUAGE C VOLATILE PARALLEL SAFE;
COMMENT ON FUNCTION rbp.release_key() IS
    'Internal: a random sort key from the operating system''s cryptographic random source (no session can seed it)';
REVOKE ALL ON FUNCTION rbp.release_key() FROM PUBLIC;

CREATE FUNCTION rbp.release_permutation(n integer) RETURNS integer[]
    AS 'MODULE_PATHNAME', 'release_permutation'
    LANGUAGE C VOLATILE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION rbp.release_permutation(integer) IS
    'Internal: the numbers 1..n in uniformly random order drawn from the operating system''s cryptographic random source';
REVOKE ALL ON FUNCTION rbp.release_permutation(integer) FROM PUBLIC;

CREATE FUNCTION rbp.free_text_max_chars() RETURNS integer
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT 2000 $$;
COMMENT ON FUNCTION rbp.free_text_max_chars() IS
    'Longest free-text answer accepted, in characters (2000); longer answers are refused with 22001 and nothing is stored';

CREATE FUNCTION rbp.held_payload_bytes() RETURNS integer
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT 16384 $$;
COMMENT ON FUNCTION rbp.held_payload_bytes() IS
    'Size in bytes of every held submission''s encoded answers (16384): a submission whose answers do not fit is refused with 22001';

CREATE FUNCTION rbp.held_payload(p_answers rbp.answer_input[]) RETURNS bytea
    LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    v_data bytea := convert_to(to_jsonb(p_answers)::text, 'UTF8');
    v_room integer := rbp.held_payload_bytes() - 4;
BEGIN
    IF octet_length(v_data) > v_room THEN
        RAISE EXCEPTION 'the answers are too long: % bytes once encoded, at most % are accepted', octet_length(v_data), v_room
            USING ERRCODE = 'string_data_right_truncation',
                  HINT = format('Shorten the free-text answers (each at most %s characters); nothing was stored.', rbp.free_text_max_chars());
    END IF;
    RETURN int4send(octet_length(v_data)) || v_data || decode(repeat('00', v_room - octet_length(v_data)), 'hex');
END
$$;
COMMENT ON FUNCTION rbp.held_payload(rbp.answer_input[]) IS
    'Internal: encode the answers of a submission in exactly rbp.held_payload_bytes() bytes (22001 if they do not fit)';
REVOKE ALL ON FUNCTION rbp.held_payload(rbp.answer_input[]) FROM PUBLIC;

CREATE FUNCTION rbp.held_answers(p_payload bytea) RETURNS rbp.answer_input[]
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
    SELECT coalesce(array_agg(a ORDER BY a.question_id), '{}')
      FROM jsonb_populate_recordset(NULL::rbp.answer_input,
               convert_from(substring(p_payload FROM 5 FOR (get_byte(p_payload, 0) << 24) | (get_byte(p_payload, 1) << 16)
                                                            | (get_byte(p_payload, 2) << 8) | get_byte(p_payload, 3)), 'UTF8')::jsonb) AS a
$$;
COMMENT ON FUNCTION rbp.held_answers(bytea) IS 'Internal: decode the answers of a held submission';
REVOKE ALL ON FUNCTION rbp.held_answers(bytea) FROM PUBLIC;

-- The holding area: rows of one size (answers encoded and padded, team 0 when not given), the level,
-- the worker and whether the answers were seen. Rows held under 0.1.0 keep their answers; their
-- worker is unknown (0), so they count towards the two workers of a batch only with others.
-- 0.1.0 accepted free text of any length; 0.2.0 holds every submission in one size. Answers held
-- under 0.1.0 that do not fit cannot be carried over without losing or splitting them: the update
-- refuses with its own message (55000) before changing anything, and doc/dba.md ("Upgrades") gives
-- the way out. Red-team finding F4 (before, it failed inside held_payload with a submitter's message).
DO $$
DECLARE
    v_long integer;
BEGIN
    SELECT count(*) INTO v_long FROM rbp.anonymous_holding
     WHERE octet_length(convert_to(to_jsonb(answers)::text, 'UTF8')) > rbp.held_payload_bytes() - 4;
    IF v_long > 0 THEN
        RAISE EXCEPTION '% anonymous submission(s) held under 0.1.0 have answers longer than 0.2.0 holds (% bytes once encoded): the update was not made, the database is unchanged at 0.1.0',
                        v_long, rbp.held_payload_bytes() - 4
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'Let 0.1.0 release them first (SELECT rbp.release_anonymous_responses() as the nightly job does, once their batch has enough responses), then update again; see doc/dba.md, "Upgrades".';
    END IF;
END
$$;

ALTER TABLE rbp.anonymous_holding RENAME COLUMN team_id TO team_id_0_1_0;
ALTER TABLE rbp.anonymous_holding
    ADD COLUMN anonymity rbp.anonymity,
    ADD COLUMN worker_id integer,
    ADD COLUMN seen boolean,
    ADD COLUMN team_id integer,
    ADD COLUMN payload bytea;
UPDATE rbp.anonymous_holding
   SET anonymity = 'anonymous', worker_id = 0, seen = false, team_id = coalesce(team_id_0_1_0, 0),
       payload = rbp.held_payload(answers);
ALTER TABLE rbp.anonymous_holding DROP COLUMN team_id_0_1_0, DROP COLUMN answers;
ALTER TABLE rbp.anonymous_holding
    ALTER COLUMN anonymity SET NOT NULL,
    ALTER COLUMN worker_id SET NOT NULL,
    ALTER COLUMN seen SET NOT NULL,
    ALTER COLUMN team_id SET NOT NULL,
    ALTER COLUMN payload SET NOT NULL,
    ADD CONSTRAINT anonymous_holding_anonymity_check CHECK (anonymity IN ('worker_only', 'anonymous')),
    ADD CONSTRAINT anonymous_holding_payload_check CHECK (octet_length(payload) = rbp.held_payload_bytes());
ALTER TABLE rbp.anonymous_holding ALTER COLUMN payload SET STORAGE EXTERNAL;
COMMENT ON TABLE rbp.anonymous_holding IS
    'Anonymous and worker-only responses waiting for their release batch: no id, no sequence, no time finer than the month, no invitation, every row of the same size; readable by no role, only by the release functions';
COMMENT ON COLUMN rbp.anonymous_holding.submitted_in IS 'First day of the month of submission; the released period is the latest month of the batch';
COMMENT ON COLUMN rbp.anonymous_holding.anonymity IS 'The level the response is released at: anonymous or worker_only';
COMMENT ON COLUMN rbp.anonymous_holding.worker_id IS 'The worker allocated on the submission date, 0 if none (a worker-only batch is per worker; an anonymous batch must span two workers)';
COMMENT ON COLUMN rbp.anonymous_holding.seen IS 'True when the answers were readable under a name before (a withdrawal): released, but never counted towards a batch''s k';
COMMENT ON COLUMN rbp.anonymous_holding.team_id IS 'The team, only if the respondent chose to give it (anonymous); 0 when not given';
COMMENT ON COLUMN rbp.anonymous_holding.payload IS 'The answers, encoded by rbp.held_payload() in exactly rbp.held_payload_bytes() bytes, stored uncompressed out of line';

-- One row per used invitation since its (authority, worker, instrument, kind) last released worker-only
-- feedback: what QA can count from the invitations it reads, kept here so the release can count it
-- without ever recording which invitation was used at which level.
CREATE TABLE rbp.release_window (
    authority_id    integer NOT NULL,
    worker_id       integer NOT NULL,
    instrument_id   integer NOT NULL,
    respondent_kind rbp.respondent_kind NOT NULL,
    team_id         integer NOT NULL,
    explained       boolean NOT NULL,
    epoch           integer NOT NULL
);
COMMENT ON TABLE rbp.release_window IS
    'Internal: one row per used invitation since the last worker-only release of its worker, instrument and respondent kind (team, and whether a named response explains it); no invitation, no level; readable by no role';
COMMENT ON COLUMN rbp.release_window.worker_id IS 'The worker allocated when the invitation was used, 0 if none';
COMMENT ON COLUMN rbp.release_window.team_id IS 'The team of the involvement';
COMMENT ON COLUMN rbp.release_window.explained IS 'True when the invitation was used by a named response (also after a withdrawal: its answers were seen)';
COMMENT ON COLUMN rbp.release_window.epoch IS 'The anonymous release window (rbp.anonymous_epoch) of its (authority, instrument, kind) the invitation was used in, 0 before the first release';
REVOKE ALL ON rbp.release_window FROM PUBLIC;
ALTER TABLE rbp.release_window ENABLE ROW LEVEL SECURITY;
ALTER TABLE rbp.release_window SET (autovacuum_vacuum_threshold = 0, autovacuum_vacuum_scale_factor = 0);
CREATE INDEX release_window_group ON rbp.release_window (authority_id, worker_id, instrument_id, respondent_kind);

-- The anonymous release windows of each (authority, instrument, kind): epoch n runs from the n-th
-- anonymous release of the group to the next (epoch 0 has no row). An anonymous batch tells every
-- reader how many of its window's unexplained invitations were anonymous; when that is all of them,
-- none of them can be a worker-only response. So a worker-only batch counts only invitations of
-- epochs in which some invitation of the group was used worker-only (rbp.worker_only_use: one row
-- per such use, insert-only so that concurrent submissions never wait for each other).
CREATE TABLE rbp.anonymous_epoch (
    authority_id    integer NOT NULL,
    instrument_id   integer NOT NULL,
    respondent_kind rbp.respondent_kind NOT NULL,
    epoch           integer NOT NULL,
    PRIMARY KEY (authority_id, instrument_id, respondent_kind, epoch)
);
COMMENT ON TABLE rbp.anonymous_epoch IS
    'Internal: the anonymous release windows of each (authority, instrument, respondent kind), one row per release; readable by no role';
COMMENT ON COLUMN rbp.anonymous_epoch.epoch IS 'Number of anonymous releases of the group before this window';
REVOKE ALL ON rbp.anonymous_epoch FROM PUBLIC;
ALTER TABLE rbp.anonymous_epoch ENABLE ROW LEVEL SECURITY;

CREATE TABLE rbp.worker_only_use (
    authority_id    integer NOT NULL,
    instrument_id   integer NOT NULL,
    respondent_kind rbp.respondent_kind NOT NULL,
    epoch           integer NOT NULL
);
COMMENT ON TABLE rbp.worker_only_use IS
    'Internal: one row per invitation of a group used worker-only, with the anonymous window it fell in; no invitation, no worker; readable by no role';
REVOKE ALL ON rbp.worker_only_use FROM PUBLIC;
ALTER TABLE rbp.worker_only_use ENABLE ROW LEVEL SECURITY;
CREATE INDEX worker_only_use_epoch ON rbp.worker_only_use (authority_id, instrument_id, respondent_kind, epoch);

-- Responses: worker-only rows carry no submission date (rows from 0.1.0 lose theirs; the day they
-- reached QA stays in qa_status_on) and may withhold the channel.
ALTER TABLE rbp.response DROP CONSTRAINT response_identifying_data_matches_anonymity;
UPDATE rbp.response SET qa_status_on = coalesce(qa_status_on, submitted_on), submitted_on = NULL
 WHERE anonymity = 'worker_only';
ALTER TABLE rbp.response ADD CONSTRAINT response_identifying_data_matches_anonymity CHECK (CASE anonymity
        WHEN 'named'       THEN respondent_id IS NOT NULL AND involvement_id IS NOT NULL AND submitted_on IS NOT NULL
        WHEN 'worker_only' THEN respondent_id IS NULL AND involvement_id IS NULL AND submitted_on IS NULL
        ELSE respondent_id IS NULL AND involvement_id IS NULL AND worker_id IS NULL AND submitted_on IS NULL
             AND qa_status = 'released' END);
ALTER TABLE rbp.response DROP CONSTRAINT response_channel_withheld_only_when_anonymous;
ALTER TABLE rbp.response ADD CONSTRAINT response_channel_withheld_only_when_anonymous
    CHECK (channel IS NOT NULL OR anonymity <> 'named');
COMMENT ON CONSTRAINT response_channel_withheld_only_when_anonymous ON rbp.response IS
    'Only an anonymous or worker-only response may have its channel withheld (by its release batch)';
COMMENT ON COLUMN rbp.response.channel IS
    'How the answers were given; NULL for a worker-only response, and for an anonymous response whose channel was withheld because fewer than threshold-many of its batch shared it';
ALTER TYPE rbp.release_slot ADD ATTRIBUTE worker_id integer;
COMMENT ON TYPE rbp.release_slot IS
    'Internal: a held anonymous response during the generalisation of its batch (true channel and team, the values to be released, and its allocated worker, 0 if none)';

DROP FUNCTION rbp.hold_anonymous_response(integer, integer, rbp.respondent_kind, rbp.response_channel, integer, rbp.answer_input[], date);
DROP FUNCTION rbp.release_anonymous_responses(date);

CREATE OR REPLACE FUNCTION rbp.generalise_anonymous_batch(p_slots rbp.release_slot[], p_k integer) RETURNS rbp.release_slot[]
    LANGUAGE plpgsql VOLATILE STRICT
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    s rbp.release_slot[];
    v_channel rbp.response_channel;
    v_need integer;
    v_spare integer[];
BEGIN
    IF p_k < 1 OR cardinality(p_slots) < p_k THEN
        RAISE EXCEPTION 'a release batch needs at least % responses, got %', p_k, cardinality(p_slots)
            USING ERRCODE = 'internal_error';
    END IF;

    -- 1. Keep the channel; keep a given team where threshold-many of the channel share it.
    s := ARRAY(SELECT ROW(x.slot, x.channel, x.team_id, x.channel,
                          CASE WHEN x.team_id IS NOT NULL
                                    AND count(*) OVER (PARTITION BY x.channel, x.team_id) >= p_k
                               THEN x.team_id END, x.worker_id)::rbp.release_slot
                 FROM unnest(p_slots) AS x ORDER BY x.slot);

    -- 2. Per channel, the responses without a team must be none or threshold-many: top them up
    --    with spare responses of that channel's team classes, else withhold the team for the whole
    --    channel, else (fewer than threshold-many in the channel) withhold the channel.
    FOR v_channel, v_need IN
        SELECT x.shown_channel, p_k - count(*) FILTER (WHERE x.shown_team IS NULL)
          FROM unnest(s) AS x GROUP BY x.shown_channel
        HAVING count(*) FILTER (WHERE x.shown_team IS NULL) BETWEEN 1 AND p_k - 1
    LOOP
        v_spare := ARRAY(SELECT y.slot FROM (
                             SELECT x.slot, row_number() OVER (PARTITION BY x.shown_team ORDER BY rbp.release_key()) AS rn
                               FROM unnest(s) AS x WHERE x.shown_channel = v_channel AND x.shown_team IS NOT NULL) AS y
                          WHERE y.rn > p_k ORDER BY rbp.release_key() LIMIT v_need);
        IF cardinality(v_spare) = v_need THEN
            s := ARRAY(SELECT ROW(x.slot, x.channel, x.team_id, x.shown_channel,
                                  CASE WHEN x.slot = ANY (v_spare) THEN NULL ELSE x.shown_team END, x.worker_id)::rbp.release_slot
                         FROM unnest(s) AS x ORDER BY x.slot);
        ELSIF (SELECT count(*) FROM unnest(s) AS x WHERE x.shown_channel = v_channel) >= p_k THEN
            -- not enough spares, but the channel has threshold-many: withhold its teams instead
            s := ARRAY(SELECT ROW(x.slot, x.channel, x.team_id, x.shown_channel,
                                  CASE WHEN x.shown_channel = v_channel THEN NULL ELSE x.shown_team END, x.worker_id)::rbp.release_slot
                         FROM unnest(s) AS x ORDER BY x.slot);
        ELSE
            s := ARRAY(SELECT ROW(x.slot, x.channel, x.team_id,
                                  CASE WHEN x.shown_channel = v_channel THEN NULL ELSE x.shown_channel END,
                                  CASE WHEN x.shown_channel = v_channel THEN NULL ELSE x.shown_team END, x.worker_id)::rbp.release_slot
                         FROM unnest(s) AS x ORDER BY x.slot);
        END IF;
    END LOOP;

    -- 3. The responses with a withheld channel must be none or threshold-many: top them up with
    --    spare responses of the kept classes, else withhold channel and team for the whole batch.
    v_need := p_k - (SELECT count(*) FROM unnest(s) AS x WHERE x.shown_channel IS NULL);
    IF v_need BETWEEN 1 AND p_k - 1 THEN
        v_spare := ARRAY(SELECT y.slot FROM (
                             SELECT x.slot, row_number() OVER (PARTITION BY x.shown_channel, x.shown_team ORDER BY rbp.release_key()) AS rn
                               FROM unnest(s) AS x WHERE x.shown_channel IS NOT NULL) AS y
                          WHERE y.rn > p_k ORDER BY rbp.release_key() LIMIT v_need);
        IF cardinality(v_spare) = v_need THEN
            s := ARRAY(SELECT ROW(x.slot, x.channel, x.team_id,
                                  CASE WHEN x.slot = ANY (v_spare) THEN NULL ELSE x.shown_channel END,
                                  CASE WHEN x.slot = ANY (v_spare) THEN NULL ELSE x.shown_team END, x.worker_id)::rbp.release_slot
                         FROM unnest(s) AS x ORDER BY x.slot);
        ELSE
            s := ARRAY(SELECT ROW(x.slot, x.channel, x.team_id, NULL, NULL, x.worker_id)::rbp.release_slot
                         FROM unnest(s) AS x ORDER BY x.slot);
        END IF;
    END IF;

    -- 4. Among the responses with a withheld channel, keep a given team where threshold-many share
    --    it; those without a team must again be none or threshold-many.
    s := ARRAY(SELECT ROW(x.slot, x.channel, x.team_id, x.shown_channel,
                          CASE WHEN x.shown_channel IS NOT NULL THEN x.shown_team
                               WHEN x.team_id IS NOT NULL
                                    AND count(*) OVER (PARTITION BY x.shown_channel IS NULL, x.team_id) >= p_k
                               THEN x.team_id END, x.worker_id)::rbp.release_slot
                 FROM unnest(s) AS x ORDER BY x.slot);
    v_need := p_k - (SELECT count(*) FROM unnest(s) AS x WHERE x.shown_channel IS NULL AND x.shown_team IS NULL);
    IF v_need BETWEEN 1 AND p_k - 1 THEN
        v_spare := ARRAY(SELECT y.slot FROM (
                             SELECT x.slot, row_number() OVER (PARTITION BY x.shown_team ORDER BY rbp.release_key()) AS rn
                               FROM unnest(s) AS x WHERE x.shown_channel IS NULL AND x.shown_team IS NOT NULL) AS y
                          WHERE y.rn > p_k ORDER BY rbp.release_key() LIMIT v_need);
        s := ARRAY(SELECT ROW(x.slot, x.channel, x.team_id, x.shown_channel,
                              CASE WHEN x.shown_channel IS NOT NULL THEN x.shown_team
                                   WHEN cardinality(v_spare) < v_need OR x.slot = ANY (v_spare) THEN NULL
                                   ELSE x.shown_team END, x.worker_id)::rbp.release_slot
                     FROM unnest(s) AS x ORDER BY x.slot);
    END IF;

    -- 5. Every class of released values must span two allocated workers or more: a channel or team
    --    kept on the rows of one worker would attribute them to that worker. Otherwise withhold both
    --    for the whole batch, which spans two workers or more (its caller checked).
    IF EXISTS (SELECT FROM unnest(s) AS x GROUP BY x.shown_channel, x.shown_team
                HAVING count(DISTINCT x.worker_id) FILTER (WHERE x.worker_id <> 0) < 2) THEN
        s := ARRAY(SELECT ROW(x.slot, x.channel, x.team_id, NULL, NULL, x.worker_id)::rbp.release_slot
                     FROM unnest(s) AS x ORDER BY x.slot);
    END IF;

    -- 6. Never release anything that narrows: every class of released values has p_k or more
    --    responses of two workers or more, and every released value is a true one.
    IF EXISTS (SELECT FROM unnest(s) AS x GROUP BY x.shown_channel, x.shown_team
                HAVING count(*) < p_k OR count(DISTINCT x.worker_id) FILTER (WHERE x.worker_id <> 0) < 2)
       OR EXISTS (SELECT FROM unnest(s) AS x
                   WHERE x.shown_channel IS DISTINCT FROM x.channel AND x.shown_channel IS NOT NULL
                      OR x.shown_team IS DISTINCT FROM x.team_id AND x.shown_team IS NOT NULL) THEN
        RAISE EXCEPTION 'anonymous release batch failed its own k-anonymity check'
            USING ERRCODE = 'internal_error', HINT = 'Nothing was released; please report this as a bug.';
    END IF;
    RETURN s;
END
$$;
COMMENT ON FUNCTION rbp.generalise_anonymous_batch(rbp.release_slot[], integer) IS
    'Internal: withhold channel and team of a release batch where needed so that every combination of released values occurs at least k times, among responses of two workers or more';
REVOKE ALL ON FUNCTION rbp.generalise_anonymous_batch(rbp.release_slot[], integer) FROM PUBLIC;

CREATE OR REPLACE FUNCTION rbp.anonymous_batch_size() RETURNS integer
    LANGUAGE sql STABLE PARALLEL SAFE
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$ SELECT greatest(rbp.suppression_threshold(), 5) $$;
COMMENT ON FUNCTION rbp.anonymous_batch_size() IS
    'Smallest number of candidate invitations a released anonymous or worker-only response leaves any reader: the suppression threshold, never below 5';

CREATE OR REPLACE FUNCTION rbp.hold_response(p_authority_id integer, p_instrument_id integer, p_kind rbp.respondent_kind,
                                  p_channel rbp.response_channel, p_team_id integer, p_worker_id integer,
                                  p_anonymity rbp.anonymity, p_seen boolean, p_answers rbp.answer_input[],
                                  p_submitted_on date) RETURNS void
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
BEGIN
    INSERT INTO rbp.anonymous_holding (authority_id, instrument_id, respondent_kind, channel, submitted_in,
                                       anonymity, worker_id, seen, team_id, payload)
    VALUES (p_authority_id, p_instrument_id, p_kind, p_channel,
            date_trunc('month', coalesce(p_submitted_on, current_date))::date,
            p_anonymity, coalesce(p_worker_id, 0), coalesce(p_seen, true), coalesce(p_team_id, 0),
            rbp.held_payload(coalesce(p_answers, '{}')));
END
$$;
COMMENT ON FUNCTION rbp.hold_response(integer, integer, rbp.respondent_kind, rbp.response_channel, integer, integer, rbp.anonymity, boolean, rbp.answer_input[], date) IS
    'Internal: put an anonymous or worker-only response in the holding area (same size whatever it says); a later transaction releases it';
REVOKE ALL ON FUNCTION rbp.hold_response(integer, integer, rbp.respondent_kind, rbp.response_channel, integer, integer, rbp.anonymity, boolean, rbp.answer_input[], date) FROM PUBLIC;

CREATE OR REPLACE FUNCTION rbp.count_used_invitation(p_authority_id integer, p_worker_id integer, p_instrument_id integer,
                                          p_kind rbp.respondent_kind, p_team_id integer, p_anonymity rbp.anonymity)
    RETURNS void
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    v_epoch integer := coalesce((SELECT max(epoch) FROM rbp.anonymous_epoch
                                  WHERE authority_id = p_authority_id AND instrument_id = p_instrument_id
                                    AND respondent_kind = p_kind), 0);
BEGIN
    INSERT INTO rbp.release_window (authority_id, worker_id, instrument_id, respondent_kind, team_id, explained, epoch)
    VALUES (p_authority_id, coalesce(p_worker_id, 0), p_instrument_id, p_kind, coalesce(p_team_id, 0), p_anonymity = 'named', v_epoch);
    IF p_anonymity = 'worker_only' THEN
        INSERT INTO rbp.worker_only_use (authority_id, instrument_id, respondent_kind, epoch)
        VALUES (p_authority_id, p_instrument_id, p_kind, v_epoch);
    END IF;
END
$$;
COMMENT ON FUNCTION rbp.count_used_invitation(integer, integer, integer, rbp.respondent_kind, integer, rbp.anonymity) IS
    'Internal: count a used invitation (explained: used by a named response) in the release window of its worker, instrument and kind, with its group''s anonymous window';
REVOKE ALL ON FUNCTION rbp.count_used_invitation(integer, integer, integer, rbp.respondent_kind, integer, rbp.anonymity) FROM PUBLIC;

CREATE OR REPLACE FUNCTION rbp.batch_may_release(p_anonymity rbp.anonymity, p_unseen bigint, p_workers bigint,
                                      p_unexplained bigint, p_k integer) RETURNS boolean
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
    SELECT CASE p_anonymity
           WHEN 'anonymous' THEN coalesce(p_unseen, 0) >= p_k AND coalesce(p_workers, 0) >= 2
           WHEN 'worker_only' THEN coalesce(p_unexplained, 0) >= p_k
           ELSE false END
$$;
COMMENT ON FUNCTION rbp.batch_may_release(rbp.anonymity, bigint, bigint, bigint, integer) IS
    'Internal: whether a held batch may go out: anonymous needs k unseen responses of two workers or more, worker_only k unexplained used invitations of its worker';
REVOKE ALL ON FUNCTION rbp.batch_may_release(rbp.anonymity, bigint, bigint, bigint, integer) FROM PUBLIC;

CREATE OR REPLACE FUNCTION rbp.worker_only_candidates(p_authority_id integer, p_worker_id integer, p_instrument_id integer,
                                           p_kind rbp.respondent_kind, p_team_id integer DEFAULT NULL) RETURNS bigint
    LANGUAGE sql STABLE
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
    SELECT count(*) FROM rbp.release_window w
     WHERE w.authority_id = p_authority_id AND w.worker_id = p_worker_id AND w.instrument_id = p_instrument_id
       AND w.respondent_kind = p_kind AND NOT w.explained
       AND (p_team_id IS NULL OR w.team_id = p_team_id)
       AND EXISTS (SELECT FROM rbp.worker_only_use u
                    WHERE u.authority_id = w.authority_id AND u.instrument_id = w.instrument_id
                      AND u.respondent_kind = w.respondent_kind AND u.epoch = w.epoch)
$$;
COMMENT ON FUNCTION rbp.worker_only_candidates(integer, integer, integer, rbp.respondent_kind, integer) IS
    'Internal: the used invitations a worker-only batch could be any of: in its worker''s window, unexplained by a named response, in an anonymous window with worker-only use (of one team if given)';
REVOKE ALL ON FUNCTION rbp.worker_only_candidates(integer, integer, integer, rbp.respondent_kind, integer) FROM PUBLIC;

CREATE OR REPLACE FUNCTION rbp.release_anonymous_group(p_authority_id integer, p_instrument_id integer,
                                            p_kind rbp.respondent_kind, p_on date) RETURNS integer
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    v_k integer := rbp.anonymous_batch_size();
    v_rows tid[];
    v_seen boolean[];
    v_slots rbp.release_slot[];
    v_period date;
    v_order integer[];
    v_count integer;
BEGIN
    SELECT array_agg(h.ctid), array_agg(h.seen),
           greatest(max(h.submitted_in), date_trunc('month', p_on)::date)
      INTO v_rows, v_seen, v_period
      FROM (SELECT ctid, seen, submitted_in FROM rbp.anonymous_holding
             WHERE authority_id = p_authority_id AND instrument_id = p_instrument_id AND respondent_kind = p_kind
               AND anonymity = 'anonymous'
               FOR UPDATE) AS h;
    IF v_rows IS NULL OR NOT rbp.batch_may_release('anonymous',
            (SELECT count(*) FROM rbp.anonymous_holding WHERE ctid = ANY (v_rows) AND NOT seen),
            (SELECT count(DISTINCT worker_id) FROM rbp.anonymous_holding WHERE ctid = ANY (v_rows) AND NOT seen AND worker_id <> 0),
            NULL, v_k) THEN
        RETURN 0;
    END IF;
    -- The unseen responses are generalised (slot = their position in v_rows); seen ones show nothing.
    SELECT array_agg(ROW(r.ord::integer, h.channel, nullif(h.team_id, 0), NULL, NULL, h.worker_id)::rbp.release_slot ORDER BY r.ord)
      INTO v_slots
      FROM unnest(v_rows) WITH ORDINALITY AS r(held_at, ord) JOIN rbp.anonymous_holding h ON h.ctid = r.held_at
     WHERE NOT h.seen;
    v_slots := rbp.generalise_anonymous_batch(v_slots, v_k);
    v_order := rbp.release_permutation(cardinality(v_rows));

    -- One statement: take the batch out of holding, give each response a fresh random id, and
    -- insert responses and answers in the order of a cryptographically random permutation.
    WITH taken AS (
        DELETE FROM rbp.anonymous_holding h WHERE h.ctid = ANY (v_rows)
        RETURNING h.ctid AS held_at, h.authority_id, h.instrument_id, h.respondent_kind, h.payload
    ), shuffled AS MATERIALIZED (
        SELECT rbp.release_uuid() AS response_id, t.authority_id, t.instrument_id, t.respondent_kind,
               rbp.held_answers(t.payload) AS answers, g.shown_channel, g.shown_team, v_order[r.ord] AS position
          FROM taken t
          JOIN unnest(v_rows) WITH ORDINALITY AS r(held_at, ord) ON r.held_at = t.held_at
          LEFT JOIN unnest(v_slots) AS g ON g.slot = r.ord
    ), released AS (
        INSERT INTO rbp.response (response_id, authority_id, instrument_id, respondent_kind, channel,
                                  anonymity, period, team_id, qa_status)
        SELECT response_id, authority_id, instrument_id, respondent_kind, shown_channel,
               'anonymous', v_period, shown_team, 'released'
          FROM shuffled ORDER BY position
        RETURNING 1
    ), answers AS (
        INSERT INTO rbp.answer (response_id, question_id, score, free_text)
        SELECT s.response_id, a.question_id, a.score, a.free_text
          FROM shuffled s, unnest(s.answers) WITH ORDINALITY AS a(question_id, score, free_text, n)
         ORDER BY s.position, a.n
    )
    SELECT count(*) INTO v_count FROM released;
    IF v_count <> cardinality(v_rows) THEN
        RAISE EXCEPTION 'anonymous release batch changed while it was being released'
            USING ERRCODE = 'internal_error';
    END IF;
    -- A new anonymous window of the group begins.
    INSERT INTO rbp.anonymous_epoch (authority_id, instrument_id, respondent_kind, epoch)
    SELECT p_authority_id, p_instrument_id, p_kind,
           coalesce((SELECT max(epoch) FROM rbp.anonymous_epoch
                      WHERE authority_id = p_authority_id AND instrument_id = p_instrument_id AND respondent_kind = p_kind), 0) + 1;
    RETURN v_count;
END
$$;
COMMENT ON FUNCTION rbp.release_anonymous_group(integer, integer, rbp.respondent_kind, date) IS
    'Internal: release the held anonymous responses of one (authority, instrument, respondent kind) when k unseen responses of two workers or more are held; returns how many';
REVOKE ALL ON FUNCTION rbp.release_anonymous_group(integer, integer, rbp.respondent_kind, date) FROM PUBLIC;

CREATE OR REPLACE FUNCTION rbp.release_worker_only_group(p_authority_id integer, p_worker_id integer, p_instrument_id integer,
                                              p_kind rbp.respondent_kind, p_on date) RETURNS integer
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    v_k integer := rbp.anonymous_batch_size();
    v_rows tid[];
    v_period date;
    v_team integer;
    v_order integer[];
    v_ids uuid[];
    v_id uuid;
BEGIN
    SELECT array_agg(h.ctid), greatest(max(h.submitted_in), date_trunc('month', p_on)::date),
           CASE WHEN count(DISTINCT h.team_id) = 1 THEN nullif(min(h.team_id), 0) END
      INTO v_rows, v_period, v_team
      FROM (SELECT ctid, submitted_in, team_id FROM rbp.anonymous_holding
             WHERE authority_id = p_authority_id AND worker_id = p_worker_id AND instrument_id = p_instrument_id
               AND respondent_kind = p_kind AND anonymity = 'worker_only'
               FOR UPDATE) AS h;
    PERFORM FROM rbp.release_window
      WHERE authority_id = p_authority_id AND worker_id = p_worker_id AND instrument_id = p_instrument_id
        AND respondent_kind = p_kind
        FOR UPDATE;
    IF v_rows IS NULL OR NOT rbp.batch_may_release('worker_only', NULL, NULL,
            rbp.worker_only_candidates(p_authority_id, p_worker_id, p_instrument_id, p_kind), v_k) THEN
        RETURN 0;
    END IF;
    -- The team only when every row shares it and k candidates do too.
    IF v_team IS NOT NULL AND NOT rbp.batch_may_release('worker_only', NULL, NULL,
            rbp.worker_only_candidates(p_authority_id, p_worker_id, p_instrument_id, p_kind, v_team), v_k) THEN
        v_team := NULL;
    END IF;
    v_order := rbp.release_permutation(cardinality(v_rows));

    DELETE FROM rbp.release_window
     WHERE authority_id = p_authority_id AND worker_id = p_worker_id AND instrument_id = p_instrument_id
       AND respondent_kind = p_kind;
    WITH taken AS (
        DELETE FROM rbp.anonymous_holding h WHERE h.ctid = ANY (v_rows)
        RETURNING h.ctid AS held_at, h.payload
    ), shuffled AS MATERIALIZED (
        SELECT rbp.release_uuid() AS response_id, rbp.held_answers(t.payload) AS answers, v_order[r.ord] AS position
          FROM taken t JOIN unnest(v_rows) WITH ORDINALITY AS r(held_at, ord) ON r.held_at = t.held_at
    ), released AS (
        INSERT INTO rbp.response (response_id, authority_id, instrument_id, respondent_kind, channel, anonymity,
                                  period, team_id, worker_id, qa_status, qa_status_on)
        SELECT response_id, p_authority_id, p_instrument_id, p_kind, NULL, 'worker_only',
               v_period, v_team, nullif(p_worker_id, 0), 'awaiting_qa', p_on
          FROM shuffled ORDER BY position
        RETURNING response_id
    ), answers AS (
        INSERT INTO rbp.answer (response_id, question_id, score, free_text)
        SELECT s.response_id, a.question_id, a.score, a.free_text
          FROM shuffled s, unnest(s.answers) WITH ORDINALITY AS a(question_id, score, free_text, n)
         ORDER BY s.position, a.n
    )
    SELECT array_agg(s.response_id ORDER BY s.position) INTO v_ids
      FROM shuffled s WHERE s.response_id IN (SELECT response_id FROM released);
    IF cardinality(v_ids) IS DISTINCT FROM cardinality(v_rows) THEN
        RAISE EXCEPTION 'worker-only release batch changed while it was being released'
            USING ERRCODE = 'internal_error';
    END IF;
    FOREACH v_id IN ARRAY v_ids LOOP
        PERFORM rbp.route_response(v_id, p_on, 'submission');
    END LOOP;
    RETURN cardinality(v_ids);
END
$$;
COMMENT ON FUNCTION rbp.release_worker_only_group(integer, integer, integer, rbp.respondent_kind, date) IS
    'Internal: release the held worker-only responses of one (authority, worker, instrument, respondent kind) to QA when the worker''s release window holds k used invitations of that instrument and kind that no named response explains; returns how many';
REVOKE ALL ON FUNCTION rbp.release_worker_only_group(integer, integer, integer, rbp.respondent_kind, date) FROM PUBLIC;

CREATE OR REPLACE FUNCTION rbp.release_held_feedback(p_on date DEFAULT current_date) RETURNS void
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    v_group record;
BEGIN
    IF p_on IS NULL THEN
        RAISE EXCEPTION 'a release needs a date' USING ERRCODE = 'null_value_not_allowed';
    ELSIF p_on > current_date THEN
        RAISE EXCEPTION 'a release cannot be dated in the future (%)', p_on
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = 'The date gives the released batch its period; it is the day of the release or an earlier one.';
    END IF;
    FOR v_group IN
        SELECT DISTINCT anonymity, authority_id, instrument_id, respondent_kind,
               CASE WHEN anonymity = 'worker_only' THEN worker_id END AS worker_id
          FROM rbp.anonymous_holding
    LOOP
        IF v_group.anonymity = 'anonymous' THEN
            PERFORM rbp.release_anonymous_group(v_group.authority_id, v_group.instrument_id, v_group.respondent_kind, p_on);
        ELSE
            PERFORM rbp.release_worker_only_group(v_group.authority_id, v_group.worker_id, v_group.instrument_id,
                                                  v_group.respondent_kind, p_on);
        END IF;
    END LOOP;
END
$$;
COMMENT ON FUNCTION rbp.release_held_feedback(date) IS
    'Scheduler or operator: release every held anonymous and worker-only batch whose guard allows it (doc/threat-model.md); returns nothing, so that no caller learns how much was held or released';
REVOKE ALL ON FUNCTION rbp.release_held_feedback(date) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION rbp.release_held_feedback(date) TO rbp_admin, rbp_case_system;

CREATE OR REPLACE FUNCTION rbp.release_anonymous_responses(p_on date DEFAULT current_date) RETURNS void
    LANGUAGE sql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$ SELECT rbp.release_held_feedback(p_on) $$;
COMMENT ON FUNCTION rbp.release_anonymous_responses(date) IS
    'Scheduler or operator (kept from 0.1.0): the same as rbp.release_held_feedback(); returns nothing';
REVOKE ALL ON FUNCTION rbp.release_anonymous_responses(date) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION rbp.release_anonymous_responses(date) TO rbp_admin, rbp_case_system;

-- 31_invitation.sql: the free-text cap and the holding of worker-only submissions.
CREATE OR REPLACE FUNCTION rbp.validate_answers(p_instrument_id integer, p_answers jsonb) RETURNS rbp.answer_input[]
    LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    v_key text;
    v_value jsonb;
    v_question_id integer;
    v_kind rbp.question_kind;
    v_points integer;
    v_text text;
    v_result rbp.answer_input[] := '{}';
BEGIN
    IF p_answers IS NULL OR jsonb_typeof(p_answers) <> 'object' THEN
        RAISE EXCEPTION 'answers must be a JSON object keyed by question code'
            USING ERRCODE = 'invalid_parameter_value', HINT = 'For example {"q2_trust": 4, "q7_anything_else": "..."}';
    END IF;
    -- One query for all answers, each with its question (NULL when the code is unknown).
    FOR v_key, v_value, v_question_id, v_kind, v_points IN
        SELECT e.key, e.value, q.question_id, q.kind, q.scale_points
          FROM jsonb_each(p_answers) AS e
          LEFT JOIN rbp.question q ON q.instrument_id = p_instrument_id AND q.code = e.key
         ORDER BY e.key
    LOOP
        IF v_question_id IS NULL THEN
            RAISE EXCEPTION 'unknown question "%" for this questionnaire', v_key
                USING ERRCODE = 'invalid_parameter_value',
                      HINT = 'rbp.survey_questions(token) lists the question codes.';
        END IF;
        CONTINUE WHEN jsonb_typeof(v_value) = 'null';     -- skipped
        IF v_kind = 'scale' THEN
            IF jsonb_typeof(v_value) = 'number' THEN
                IF v_value::numeric <> trunc(v_value::numeric) OR v_value::numeric NOT BETWEEN 1 AND v_points THEN
                    RAISE EXCEPTION 'answer % to "%" is out of range', v_value, v_key
                        USING ERRCODE = 'numeric_value_out_of_range',
                              DETAIL = format('Scores are whole numbers from 1 to %s.', v_points);
                END IF;
                v_text := (v_value::numeric)::integer || '/' || v_points;
            ELSIF jsonb_typeof(v_value) = 'string' THEN
                v_text := v_value #>> '{}';
                CONTINUE WHEN btrim(v_text) = '';
                IF v_points <> 5 AND btrim(v_text) ~ '^[0-9]+$' THEN
                    v_text := btrim(v_text) || '/' || v_points;
                END IF;
            ELSE
                RAISE EXCEPTION 'answer to "%" must be a score', v_key USING ERRCODE = 'invalid_parameter_value';
            END IF;
            v_result := v_result || ROW(v_question_id, rbp.likert_on_scale(v_text::rbp.likert, v_points, v_key), NULL)::rbp.answer_input;
        ELSE
            IF jsonb_typeof(v_value) <> 'string' THEN
                RAISE EXCEPTION 'answer to "%" must be text', v_key USING ERRCODE = 'invalid_parameter_value';
            END IF;
            v_text := btrim(v_value #>> '{}');
            CONTINUE WHEN v_text = '';
            IF length(v_text) > rbp.free_text_max_chars() THEN
                RAISE EXCEPTION 'answer to "%" is too long: % characters, at most % are accepted', v_key, length(v_text), rbp.free_text_max_chars()
                    USING ERRCODE = 'string_data_right_truncation',
                          HINT = 'Shorten the answer; nothing was stored.';
            END IF;
            v_result := v_result || ROW(v_question_id, NULL, v_text)::rbp.answer_input;
        END IF;
    END LOOP;
    -- Every submission must fit the fixed size of a held one, whatever level it chose (22001).
    PERFORM rbp.held_payload(v_result);
    RETURN v_result;
END
$$;
COMMENT ON FUNCTION rbp.validate_answers(integer, jsonb) IS
    'Internal: validate {question_code: answer} against an instrument (unknown question 22023, score out of range 22003, free text longer than rbp.free_text_max_chars() or answers larger than rbp.held_payload_bytes() 22001, empty and null answers skipped)';

CREATE OR REPLACE FUNCTION rbp.submit_response(p_token text, p_anonymity rbp.anonymity, p_answers jsonb,
                                    p_channel rbp.response_channel DEFAULT 'online',
                                    p_give_team boolean DEFAULT false,
                                    p_submitted_on date DEFAULT current_date) RETURNS void
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    v_invitation rbp.invitation;
    v_kind rbp.respondent_kind;
    v_instrument rbp.instrument;
    v_answers rbp.answer_input[];
    v_team integer;
    v_worker integer;
    v_response uuid;
BEGIN
    IF p_anonymity IS NULL OR p_channel IS NULL OR p_submitted_on IS NULL THEN
        RAISE EXCEPTION 'a response needs an anonymity level, a channel and a date'
            USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF p_submitted_on > current_date THEN
        RAISE EXCEPTION 'a response cannot be submitted in the future (%)', p_submitted_on
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    v_invitation := rbp.open_invitation(p_token, p_submitted_on);
    IF p_submitted_on < v_invitation.issued_on THEN
        RAISE EXCEPTION 'a response cannot be dated before its invitation was issued'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    SELECT kind INTO v_kind FROM rbp.respondent WHERE respondent_id = v_invitation.respondent_id;
    SELECT * INTO v_instrument FROM rbp.instrument WHERE instrument_id = v_invitation.instrument_id;
    IF NOT v_kind = ANY (v_instrument.respondent_kinds) THEN
        RAISE EXCEPTION 'instrument "%" is not for respondent kind %', v_instrument.code, v_kind
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    v_answers := rbp.validate_answers(v_instrument.instrument_id, p_answers);
    SELECT team_id INTO v_team FROM rbp.involvement WHERE involvement_id = v_invitation.involvement_id;

    -- The invitation records that it was used, and the date only: nothing that points at the response.
    UPDATE rbp.invitation SET used_on = p_submitted_on WHERE invitation_id = v_invitation.invitation_id;
    v_worker := rbp.worker_on(v_invitation.involvement_id, p_submitted_on);
    PERFORM rbp.count_used_invitation(v_invitation.authority_id, v_worker, v_instrument.instrument_id, v_kind, v_team,
                                      p_anonymity);

    -- Anonymous and worker-only answers are held; a later transaction releases them in batches
    -- (sql/install/40_anonymous.sql).
    IF p_anonymity <> 'named' THEN
        PERFORM rbp.hold_response(v_invitation.authority_id, v_instrument.instrument_id, v_kind, p_channel,
                                  CASE WHEN p_give_team OR p_anonymity = 'worker_only' THEN v_team END, v_worker,
                                  p_anonymity, false, v_answers, p_submitted_on);
        RETURN;
    END IF;

    INSERT INTO rbp.response (authority_id, instrument_id, respondent_kind, channel, anonymity, period, team_id,
                              worker_id, respondent_id, involvement_id, submitted_on)
    VALUES (v_invitation.authority_id, v_instrument.instrument_id, v_kind, p_channel, p_anonymity,
            date_trunc('month', p_submitted_on)::date, v_team, v_worker,
            v_invitation.respondent_id, v_invitation.involvement_id, p_submitted_on)
    RETURNING response_id INTO v_response;
    INSERT INTO rbp.answer (response_id, question_id, score, free_text)
    SELECT v_response, a.question_id, a.score, a.free_text FROM unnest(v_answers) AS a;
    PERFORM rbp.route_response(v_response, p_submitted_on, 'submission');
END
$$;
COMMENT ON FUNCTION rbp.submit_response(text, rbp.anonymity, jsonb, rbp.response_channel, boolean, date) IS
    'Survey intake: submit the answers ({question_code: score or text}) of an invitation with the family''s anonymity choice; anonymous and worker-only answers are held and released only in batches by a later transaction';

-- 32_routing.sql and 33_qa.sql: no counts for the case system; worker-only re-keyed on withdrawal.
DROP FUNCTION rbp.reroute_open_feedback(date, integer);
CREATE FUNCTION rbp.reroute_open_feedback(p_on date DEFAULT current_date, p_worker_id integer DEFAULT NULL)
    RETURNS void
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    v_response uuid;
    v_scope integer[] := rbp.acting_scope('case_system');
BEGIN
    PERFORM rbp.require_not_future(p_on, 'p_on');
    FOR v_response IN
        SELECT r.response_id FROM rbp.response r
         WHERE r.anonymity <> 'anonymous'
           AND (v_scope IS NULL OR r.authority_id = ANY (v_scope))
           AND (p_worker_id IS NULL OR r.worker_id = p_worker_id)
           AND NOT EXISTS (SELECT FROM rbp.supervision_review v WHERE v.response_id = r.response_id)
    LOOP
        PERFORM rbp.route_response(v_response, p_on, 'supervision_change');
    END LOOP;
END
$$;
COMMENT ON FUNCTION rbp.reroute_open_feedback(date, integer) IS
    'Move open (not yet reviewed) named and worker-only feedback of the authorities the caller acts for to whoever is responsible on the date (all workers, or one; not after today). Run daily from a scheduler. Returns nothing: a per-worker count would tell the case system how much feedback a worker has';
REVOKE ALL ON FUNCTION rbp.reroute_open_feedback(date, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION rbp.reroute_open_feedback(date, integer) TO rbp_case_system, rbp_admin;

DROP FUNCTION rbp.release_due_feedback(date);
CREATE FUNCTION rbp.release_due_feedback(p_on date DEFAULT current_date) RETURNS void
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    v_row record;
    v_scope integer[] := rbp.acting_scope('case_system');
BEGIN
    PERFORM rbp.require_not_future(p_on, 'p_on');
    FOR v_row IN
        UPDATE rbp.response r SET qa_status = 'released', qa_status_on = p_on
          FROM rbp.authority a
         WHERE a.authority_id = r.authority_id AND a.auto_release_after_days IS NOT NULL
           AND (v_scope IS NULL OR a.authority_id = ANY (v_scope))
           AND r.qa_status = 'awaiting_qa'
           AND coalesce(r.submitted_on, r.qa_status_on) + a.auto_release_after_days <= p_on
        RETURNING r.response_id
    LOOP
        PERFORM rbp.notify_if_visible(v_row.response_id);
    END LOOP;
END
$$;
COMMENT ON FUNCTION rbp.release_due_feedback(date) IS
    'Scheduler: release feedback awaiting QA for the authorities the caller acts for that have auto_release_after_days, once that many days have passed since submission (named) or since its batch reached QA (worker-only); held items stay held; not after today. Returns nothing: the case system learns no count of feedback';
REVOKE ALL ON FUNCTION rbp.release_due_feedback(date) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION rbp.release_due_feedback(date) TO rbp_case_system, rbp_admin;

CREATE OR REPLACE FUNCTION rbp.qa_release(p_response_id uuid, p_on date DEFAULT current_date) RETURNS void
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    v_response rbp.response := rbp.qa_response(p_response_id);
BEGIN
    PERFORM rbp.require_not_future(p_on, 'p_on');
    IF v_response.anonymity = 'anonymous' OR v_response.qa_status = 'released' THEN
        RAISE EXCEPTION 'this response is not awaiting release' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    -- A hold note on worker-only feedback is QA's own: it is erased before the worker and supervisor
    -- can read the row (doc/threat-model.md: what worker-only shows).
    UPDATE rbp.response SET qa_status = 'released', qa_status_on = coalesce(p_on, current_date),
                            qa_note = CASE WHEN anonymity = 'worker_only' THEN NULL ELSE qa_note END
     WHERE response_id = p_response_id;
    PERFORM rbp.notify_if_visible(p_response_id);
END
$$;
COMMENT ON FUNCTION rbp.qa_release(uuid, date) IS
    'QA: release named or worker-only feedback (also one that was held) to the worker and the responsible supervisor; notifies rbp_feedback_routed. The hold note of worker-only feedback is erased';

CREATE OR REPLACE FUNCTION rbp.withdraw_identity(p_response_id uuid, p_to rbp.anonymity) RETURNS void
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    v_response rbp.response;
    v_answers rbp.answer_input[];
BEGIN
    SELECT * INTO v_response FROM rbp.response WHERE response_id = p_response_id FOR UPDATE;
    IF v_response.response_id IS NULL
       OR NOT v_response.authority_id = ANY (rbp.current_qa_authorities()) THEN
        RAISE EXCEPTION 'no such response in your authority' USING ERRCODE = 'no_data_found';
    END IF;
    IF p_to IS NULL OR NOT rbp.anonymity_change_allowed(v_response.anonymity, p_to) THEN
        RAISE EXCEPTION 'anonymity can only move towards anonymous: % to % is not allowed', v_response.anonymity, p_to
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = 'named < worker_only < anonymous; a family''s name, once withdrawn, is never restored.';
    END IF;
    IF p_to = v_response.anonymity THEN
        RETURN;
    END IF;
    SELECT coalesce(array_agg(ROW(question_id, score, free_text)::rbp.answer_input ORDER BY question_id), '{}')
      INTO v_answers FROM rbp.answer WHERE response_id = p_response_id;
    DELETE FROM rbp.response WHERE response_id = p_response_id;
    -- A worker-only response carries no channel: it is held as online (a seen response's channel
    -- is never released nor counted).
    PERFORM rbp.hold_response(v_response.authority_id, v_response.instrument_id, v_response.respondent_kind,
                              coalesce(v_response.channel, 'online'),
                              CASE WHEN p_to = 'worker_only' THEN v_response.team_id END, v_response.worker_id,
                              p_to, true, v_answers, coalesce(v_response.submitted_on, v_response.period));
END
$$;
COMMENT ON FUNCTION rbp.withdraw_identity(uuid, rbp.anonymity) IS
    'QA, at a family''s request: make a response more anonymous (named -> worker_only -> anonymous); the response is deleted and its answers held, to be released in a later batch under a fresh id (never counted towards k); identifying data is removed for real and never restored';

-- 41_privacy_check.sql: every channel of the issue checked; rbp.harden() for the DBA.
CREATE OR REPLACE FUNCTION rbp.setting_for_role(p_role oid, p_name text) RETURNS text
    LANGUAGE sql STABLE
    SET search_path = pg_catalog, pg_temp
    AS $$
    WITH overrides AS (
        SELECT CASE WHEN s.setdatabase <> 0 AND s.setrole <> 0 THEN 1
                    WHEN s.setrole <> 0 THEN 2 WHEN s.setdatabase <> 0 THEN 3 ELSE 4 END AS precedence,
               substr(c.item, length(p_name) + 2) AS value
          FROM pg_db_role_setting s, unnest(s.setconfig) AS c(item)
         WHERE s.setdatabase IN (0, (SELECT oid FROM pg_database WHERE datname = current_database()))
           AND s.setrole IN (0, p_role)
           AND lower(split_part(c.item, '=', 1)) = lower(p_name)
    )
    SELECT coalesce(
        (SELECT value FROM overrides ORDER BY precedence LIMIT 1),
        (SELECT setting FROM pg_file_settings WHERE lower(name) = lower(p_name) AND applied ORDER BY seqno DESC LIMIT 1),
        (SELECT CASE WHEN source = 'command line' THEN setting ELSE boot_val END FROM pg_settings WHERE lower(name) = lower(p_name)),
        current_setting(p_name, true))
$$;
COMMENT ON FUNCTION rbp.setting_for_role(oid, text) IS
    'Internal: the value of a server setting in a new session of a role in this database (configuration file, ALTER ROLE ALL, ALTER DATABASE, ALTER ROLE)';

CREATE FUNCTION rbp.hardening_targets()
    RETURNS TABLE (channel text, object_kind text, object_name text)
    LANGUAGE sql STABLE
    SET search_path = pg_catalog, pg_temp
    AS $$
    SELECT CASE WHEN c.relname ~ 'functions$' THEN 'function_call_counters' ELSE 'table_activity_counters' END,
           'view', c.oid::regclass::text
      FROM pg_class c
     WHERE c.relnamespace = 'pg_catalog'::regnamespace AND c.relkind = 'v'
       AND (c.relname ~ '^pg_stat(io)?_(xact_)?(all|user|sys)_(tables|indexes|sequences|functions)$')
    UNION ALL
    SELECT CASE WHEN p.proname ~ '^pg_stat_get_(xact_)?function_' THEN 'function_call_counters' ELSE 'table_activity_counters' END,
           'function', p.oid::regprocedure::text
      FROM pg_proc p
     WHERE p.pronamespace = 'pg_catalog'::regnamespace AND p.proname LIKE 'pg\_stat\_get\_%'
       AND p.pronargs = 1 AND p.proargtypes[0] = 'oid'::regtype
       AND p.proname !~ '^pg_stat_get_(db_|subscription|replication_slot)'
    UNION ALL
    SELECT 'lock_view', 'view', 'pg_locks'
    UNION ALL
    SELECT 'lock_view', 'function', 'pg_lock_status()'
    UNION ALL
    SELECT 'relation_sizes', 'function', f
      FROM unnest(ARRAY['pg_relation_size(regclass)', 'pg_relation_size(regclass,text)', 'pg_total_relation_size(regclass)',
                        'pg_table_size(regclass)', 'pg_indexes_size(regclass)']) AS f
    UNION ALL
    SELECT 'commit_timestamps', 'function', f
      FROM unnest(ARRAY['pg_xact_commit_timestamp(xid)', 'pg_xact_commit_timestamp_origin(xid)', 'pg_last_committed_xact()']) AS f
    ORDER BY 1, 2, 3
$$;
COMMENT ON FUNCTION rbp.hardening_targets() IS
    'The catalog views and functions, usable by every role by default, that show activity, locks, sizes or commit times of tables a role cannot read: what rbp.privacy_check() checks and rbp.harden() revokes';
REVOKE ALL ON FUNCTION rbp.hardening_targets() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION rbp.hardening_targets() TO rbp_admin;

CREATE FUNCTION rbp.unhardened(p_channel text) RETURNS text
    LANGUAGE sql STABLE
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
    SELECT string_agg(DISTINCT t.object_name, ', ')
      FROM rbp.hardening_targets() t, pg_roles g
     WHERE t.channel = p_channel
       AND g.rolname IN ('rbp_admin', 'rbp_qa', 'rbp_staff', 'rbp_report_writer', 'rbp_case_system', 'rbp_survey_intake')
       AND CASE t.object_kind WHEN 'view' THEN has_table_privilege(g.oid, t.object_name, 'SELECT')
                              ELSE has_function_privilege(g.oid, t.object_name, 'EXECUTE') END
$$;
COMMENT ON FUNCTION rbp.unhardened(text) IS 'Internal: the objects of a hardening channel that some feedback_rbp role can still use (NULL: none)';
REVOKE ALL ON FUNCTION rbp.unhardened(text) FROM PUBLIC;

CREATE OR REPLACE FUNCTION rbp.privacy_check()
    RETURNS TABLE (risk text, status text, severity text, detail text, advice text)
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    v_submitters oid[];         -- the logins that submit answers (members of rbp_survey_intake), else none
    v_sessions oid[];           -- whose sessions are checked: the submitters, or the server defaults (0)
    v_preload text := lower(coalesce(current_setting('shared_preload_libraries', true), '') || ','
                            || coalesce(current_setting('session_preload_libraries', true), ''));
    v_list text;
    v_list2 text;
    v_value text;
    v_ext oid := (SELECT oid FROM pg_extension WHERE extname = 'feedback_rbp');
BEGIN
    SELECT coalesce(array_agg(r.oid ORDER BY r.rolname), '{}') INTO v_submitters
      FROM pg_roles r
     WHERE r.rolcanlogin AND NOT r.rolsuper AND pg_has_role(r.oid, 'rbp_survey_intake', 'MEMBER');
    v_sessions := CASE WHEN cardinality(v_submitters) > 0 THEN v_submitters ELSE ARRAY[0::oid] END;

    -- 1. log_statement = all writes every submission, token and answers, to the server log.
    SELECT string_agg(coalesce((SELECT rolname FROM pg_roles WHERE oid = o), 'server default'), ', ')
      INTO v_list FROM unnest(v_sessions) AS o WHERE rbp.setting_for_role(o, 'log_statement') = 'all';
    risk := 'statement_logging'; severity := 'high';
    status := CASE WHEN v_list IS NULL THEN 'ok' ELSE 'at_risk' END;
    detail := coalesce('log_statement = all for: ' || v_list,
                       'log_statement is not "all" for the survey intake sessions');
    advice := 'Keep log_statement at none, ddl or mod for the logins of rbp_survey_intake (ALTER ROLE <login> SET log_statement = none): a logged call of rbp.submit_response() holds the token with the answers.';
    RETURN NEXT;

    -- 2. Duration-based and sampled statement logging.
    SELECT string_agg(coalesce((SELECT rolname FROM pg_roles WHERE oid = o), 'server default'), ', ')
      INTO v_list FROM unnest(v_sessions) AS o
     WHERE rbp.setting_for_role(o, 'log_min_duration_statement')::integer >= 0
        OR (rbp.setting_for_role(o, 'log_min_duration_sample')::integer >= 0
            AND rbp.setting_for_role(o, 'log_statement_sample_rate')::float8 > 0)
        OR rbp.setting_for_role(o, 'log_transaction_sample_rate')::float8 > 0;
    risk := 'duration_logging'; severity := 'high';
    status := CASE WHEN v_list IS NULL THEN 'ok' ELSE 'at_risk' END;
    detail := coalesce('statements are logged by duration or sampling for: ' || v_list,
                       'log_min_duration_statement, log_min_duration_sample and log_transaction_sample_rate are off for the survey intake sessions');
    advice := 'Set log_min_duration_statement = -1, log_min_duration_sample = -1 and log_transaction_sample_rate = 0 for the logins of rbp_survey_intake: slow or sampled submissions would be logged with token and answers.';
    RETURN NEXT;

    -- 3. A rejected submission (an out-of-range score, say) is logged with its statement text.
    SELECT string_agg(coalesce((SELECT rolname FROM pg_roles WHERE oid = o), 'server default'), ', ')
      INTO v_list FROM unnest(v_sessions) AS o
     WHERE lower(rbp.setting_for_role(o, 'log_min_error_statement')) <> 'panic';
    risk := 'error_statement_logging'; severity := 'medium';
    status := CASE WHEN v_list IS NULL THEN 'ok' ELSE 'at_risk' END;
    detail := coalesce('log_min_error_statement below panic for: ' || v_list,
                       'log_min_error_statement = panic for the survey intake sessions');
    advice := 'ALTER ROLE <intake login> SET log_min_error_statement = panic: otherwise the text of a rejected submission (token and answers) is written to the server log with its error.';
    RETURN NEXT;

    -- 4. auto_explain logs the query text (with its literals) and, optionally, bind parameters.
    v_value := current_setting('auto_explain.log_min_duration', true);
    risk := 'auto_explain_logging'; severity := 'high';
    status := CASE WHEN (v_preload LIKE '%auto_explain%' OR v_value IS NOT NULL) AND coalesce(v_value, '-1')::integer >= 0
                   THEN 'at_risk' ELSE 'ok' END;
    detail := CASE WHEN v_preload LIKE '%auto_explain%' OR v_value IS NOT NULL
                   THEN format('auto_explain is loaded; auto_explain.log_min_duration = %s', coalesce(v_value, 'unknown'))
                   ELSE 'auto_explain is not preloaded' END;
    advice := 'Do not preload auto_explain in databases with feedback_rbp, or set auto_explain.log_min_duration = -1 for the logins of rbp_survey_intake: it logs query text and parameters.';
    RETURN NEXT;

    -- 5. pg_stat_activity shows a running submission's text to superusers, to members of
    --    pg_read_all_stats and to roles that have the privileges of the submitting login.
    SELECT string_agg(r.rolname, ', ' ORDER BY r.rolname) INTO v_list
      FROM pg_roles r
     WHERE NOT r.rolsuper AND r.rolname NOT LIKE 'pg\_%'
       AND (pg_has_role(r.oid, 'pg_read_all_stats', 'USAGE')
            OR EXISTS (SELECT FROM unnest(v_submitters) AS s WHERE s <> r.oid AND pg_has_role(r.oid, s, 'USAGE')));
    SELECT string_agg(coalesce((SELECT rolname FROM pg_roles WHERE oid = o), 'server default'), ', ')
      INTO v_list2 FROM unnest(v_sessions) AS o WHERE rbp.setting_for_role(o, 'track_activities') = 'on';
    risk := 'activity_query_text'; severity := CASE WHEN v_list IS NULL THEN 'low' ELSE 'high' END;
    status := CASE WHEN v_list2 IS NULL THEN 'ok' ELSE 'at_risk' END;
    detail := CASE WHEN v_list2 IS NULL THEN 'track_activities is off for the survey intake sessions'
                   ELSE format('track_activities = on for: %s; non-superuser roles that can read their query text: %s',
                               v_list2, coalesce(v_list, 'none')) END;
    advice := 'ALTER ROLE <intake login> SET track_activities = off, and grant pg_read_all_stats or pg_monitor to no login that should not read submissions; while a submission runs, pg_stat_activity.query holds its token and answers.';
    RETURN NEXT;

    -- 6. Audit logging (pgaudit) of the submission functions.
    v_value := lower(coalesce(current_setting('pgaudit.log', true), ''));
    risk := 'audit_logging'; severity := 'high';
    status := CASE WHEN v_preload NOT LIKE '%pgaudit%' THEN 'ok'
                   WHEN v_value ~ '(^|,)\s*(all|read|function|misc)\s*(,|$)' OR current_setting('pgaudit.role', true) <> '' THEN 'at_risk'
                   ELSE 'note' END;
    detail := CASE WHEN v_preload NOT LIKE '%pgaudit%' THEN 'pgaudit is not preloaded'
                   ELSE format('pgaudit is loaded; pgaudit.log = %s, pgaudit.log_parameter = %s, pgaudit.role = %s',
                               nullif(v_value, ''), current_setting('pgaudit.log_parameter', true),
                               nullif(current_setting('pgaudit.role', true), '')) END;
    advice := 'Exclude the logins of rbp_survey_intake from audit logging (ALTER ROLE <login> SET pgaudit.log = none, pgaudit.log_parameter = off) and audit no object of schema rbp through pgaudit.role: an audit record of rbp.submit_response() holds the token with the answers.';
    RETURN NEXT;

    -- 6b. Cumulative activity counters: pg_stat_*_tables, pg_statio_* (and the pg_stat_get_*
    --     functions behind them) are readable by every role by default. Someone present while a
    --     family submits (a worker on a home visit) can see whether the holding area or
    --     rbp.response gained a row at that moment, that is whether the family chose anonymity;
    --     never what it answered.
    v_list := rbp.unhardened('table_activity_counters');
    risk := 'table_activity_counters'; severity := 'low';
    status := CASE WHEN v_list IS NULL THEN 'ok' ELSE 'at_risk' END;
    detail := coalesce('the feedback_rbp roles can use: ' || v_list,
                       'the feedback_rbp roles cannot read per-table activity or I/O counters');
    advice := 'Counters (pg_stat_*, pg_statio_*) show when a response or a held answer was written, so someone present at a submission can tell whether the family chose anonymity (never its answers). SELECT * FROM rbp.harden(p_apply => true) as a superuser revokes them from PUBLIC in this database and grants them to pg_read_all_stats; the same holds for pg_stat_statements call counts.';
    RETURN NEXT;

    -- 6c. Function call counters: with track_functions on in the submitting sessions,
    --     pg_stat_user_functions counts the calls of the holding function, live.
    SELECT string_agg(coalesce((SELECT rolname FROM pg_roles WHERE oid = o), 'server default'), ', ')
      INTO v_list2 FROM unnest(v_sessions) AS o WHERE rbp.setting_for_role(o, 'track_functions') <> 'none';
    v_list := rbp.unhardened('function_call_counters');
    risk := 'function_call_counters'; severity := 'medium';
    status := CASE WHEN v_list IS NULL OR v_list2 IS NULL THEN 'ok' ELSE 'at_risk' END;
    detail := format('track_functions on for: %s; readable by the feedback_rbp roles: %s',
                     coalesce(v_list2, 'none'), coalesce(v_list, 'none'));
    advice := 'Keep track_functions = none for the logins of rbp_survey_intake (ALTER ROLE <login> SET track_functions = none), or run rbp.harden(p_apply => true): pg_stat_user_functions would count each call of the holding function as a family submits.';
    RETURN NEXT;

    -- 6d. Commit timestamps: pg_xact_commit_timestamp(xmin) dates every row to the second.
    v_list := rbp.unhardened('commit_timestamps');
    risk := 'commit_timestamps'; severity := 'medium';
    status := CASE WHEN current_setting('track_commit_timestamp') = 'on' AND v_list IS NOT NULL THEN 'at_risk' ELSE 'ok' END;
    detail := format('track_commit_timestamp = %s; usable by the feedback_rbp roles: %s',
                     current_setting('track_commit_timestamp'), coalesce(v_list, 'none'));
    advice := 'Keep track_commit_timestamp = off (the default), or run rbp.harden(p_apply => true): with it, pg_xact_commit_timestamp(xmin) gives the exact time of every invitation used and every release.';
    RETURN NEXT;

    -- 6e. pg_locks: a running submission's locks show which table it writes.
    v_list := rbp.unhardened('lock_view');
    risk := 'lock_view'; severity := 'low';
    status := CASE WHEN v_list IS NULL THEN 'ok' ELSE 'at_risk' END;
    detail := coalesce('the feedback_rbp roles can use: ' || v_list, 'the feedback_rbp roles cannot read pg_locks');
    advice := 'pg_locks shows, while a submission runs, whether it locks the holding area or rbp.response (anonymous or not). rbp.harden(p_apply => true) revokes it from PUBLIC in this database.';
    RETURN NEXT;

    -- 6f. Sizes of the holding area and its TOAST: every held row has the same size, so size
    --     functions count held submissions (not their content); still, live, they tell when one was held.
    v_list := rbp.unhardened('relation_sizes');
    risk := 'relation_sizes'; severity := 'low';
    status := CASE WHEN v_list IS NULL THEN 'ok' ELSE 'at_risk' END;
    detail := coalesce('the feedback_rbp roles can use: ' || v_list, 'the feedback_rbp roles cannot call the relation size functions');
    advice := 'pg_relation_size() of rbp.anonymous_holding and its TOAST grows by the same amount for every held submission (rows of one size): it tells when something was held, not what. rbp.harden(p_apply => true) revokes the size functions from PUBLIC in this database.';
    RETURN NEXT;

    -- 6g. debug_print_*: parse, rewritten and plan trees, constants included, in the server log.
    SELECT string_agg(DISTINCT coalesce((SELECT rolname FROM pg_roles WHERE oid = o), 'server default') || ' (' || d || ')', ', ')
      INTO v_list FROM unnest(v_sessions) AS o, unnest(ARRAY['debug_print_parse', 'debug_print_rewritten', 'debug_print_plan']) AS d
     WHERE rbp.setting_for_role(o, d) = 'on';
    risk := 'debug_print'; severity := 'high';
    status := CASE WHEN v_list IS NULL THEN 'ok' ELSE 'at_risk' END;
    detail := coalesce('on for: ' || v_list, 'debug_print_parse, debug_print_rewritten and debug_print_plan are off for the survey intake sessions');
    advice := 'Turn debug_print_parse, debug_print_rewritten and debug_print_plan off: they write every statement''s trees, token and answers included, to the server log.';
    RETURN NEXT;

    -- 6h. Settings made for the whole database or every role, listed: the checks above include them.
    SELECT string_agg(CASE WHEN s.setdatabase = 0 THEN 'ALTER ROLE ALL' WHEN s.setrole = 0 THEN 'ALTER DATABASE'
                           ELSE 'ALTER ROLE ALL IN DATABASE' END || ': ' || c.item, ', ' ORDER BY c.item)
      INTO v_list
      FROM pg_db_role_setting s, unnest(s.setconfig) AS c(item)
     WHERE s.setrole = 0 AND s.setdatabase IN (0, (SELECT oid FROM pg_database WHERE datname = current_database()))
       AND split_part(c.item, '=', 1) ~* '^(log_|track_|debug_|auto_explain\.|pgaudit\.)';
    risk := 'database_wide_settings'; severity := 'low';
    status := CASE WHEN v_list IS NULL THEN 'ok' ELSE 'note' END;
    detail := coalesce('logging and tracking settings for every session: ' || v_list,
                       'no logging or tracking setting is made with ALTER DATABASE or ALTER ROLE ALL');
    advice := 'Settings made with ALTER DATABASE or ALTER ROLE ALL apply to the survey intake logins too (the checks above take them into account): prefer settings per login.';
    RETURN NEXT;

    -- 6i. Row estimates in pg_class: readable by every role, and needed by every client.
    risk := 'catalog_row_estimates'; severity := 'low'; status := 'residual';
    detail := format('pg_class.reltuples and relpages of rbp.anonymous_holding (now %s, %s) are readable by every role',
                     (SELECT reltuples FROM pg_class WHERE oid = 'rbp.anonymous_holding'::regclass),
                     (SELECT relpages FROM pg_class WHERE oid = 'rbp.anonymous_holding'::regclass));
    advice := 'Cannot be closed (pg_class is read by every client): after each VACUUM or ANALYZE they estimate how many submissions are held, never which. Never reported ok.';
    RETURN NEXT;

    -- 7. Roles that bypass row-level security (or are superusers) and belong to a feedback_rbp role.
    SELECT string_agg(r.rolname || CASE WHEN r.rolsuper THEN ' (superuser)' ELSE ' (bypassrls)' END, ', ' ORDER BY r.rolname)
      INTO v_list
      FROM pg_roles r
     WHERE (r.rolsuper OR r.rolbypassrls)
       AND EXISTS (SELECT FROM pg_roles g WHERE g.rolname IN ('rbp_admin', 'rbp_qa', 'rbp_staff', 'rbp_report_writer',
                                                               'rbp_case_system', 'rbp_survey_intake')
                                           AND g.oid <> r.oid
                                           AND EXISTS (SELECT FROM pg_auth_members m WHERE m.roleid = g.oid AND m.member = r.oid));
    risk := 'rls_bypass_in_rbp_roles'; severity := 'high';
    status := CASE WHEN v_list IS NULL THEN 'ok' ELSE 'at_risk' END;
    detail := coalesce('members of feedback_rbp roles that bypass row-level security: ' || v_list,
                       'no member of a feedback_rbp role is a superuser or has BYPASSRLS');
    advice := 'Give the people and systems that use feedback_rbp ordinary logins: a superuser or BYPASSRLS login reads every row of every authority, and a superuser also the holding area.';
    RETURN NEXT;

    SELECT string_agg(r.rolname || CASE WHEN r.rolsuper THEN ' (superuser)' ELSE ' (bypassrls)' END, ', ' ORDER BY r.rolname)
      INTO v_list FROM pg_roles r WHERE (r.rolsuper OR r.rolbypassrls) AND r.rolcanlogin;
    risk := 'rls_bypass_logins'; severity := 'low';
    status := CASE WHEN v_list IS NULL THEN 'ok' ELSE 'note' END;
    detail := coalesce('logins that bypass row-level security: ' || v_list, 'no login bypasses row-level security');
    advice := 'A superuser can read anything, held anonymous responses included (out of scope, doc/threat-model.md): keep such logins to the DBA, never use them for applications or reports.';
    RETURN NEXT;

    -- 8. Privileges granted to PUBLIC on the extension's objects (and on its schema).
    SELECT string_agg(obj, ', ' ORDER BY obj) INTO v_list FROM (
        SELECT format('%s (%s)', c.oid::regclass, a.privilege_type) AS obj
          FROM pg_depend d JOIN pg_class c ON d.classid = 'pg_class'::regclass AND c.oid = d.objid,
               aclexplode(c.relacl) AS a
         WHERE d.refclassid = 'pg_extension'::regclass AND d.refobjid = v_ext AND d.deptype = 'e' AND a.grantee = 0
        UNION ALL
        SELECT format('%s (EXECUTE, security definer)', p.oid::regprocedure)
          FROM pg_depend d JOIN pg_proc p ON d.classid = 'pg_proc'::regclass AND p.oid = d.objid
         WHERE d.refclassid = 'pg_extension'::regclass AND d.refobjid = v_ext AND d.deptype = 'e' AND p.prosecdef
           AND p.oid <> 'rbp.suppression_threshold()'::regprocedure
           AND (p.proacl IS NULL OR EXISTS (SELECT FROM aclexplode(p.proacl) AS a WHERE a.grantee = 0))
        UNION ALL
        SELECT format('schema rbp (%s)', a.privilege_type)
          FROM pg_namespace n, aclexplode(n.nspacl) AS a
         WHERE n.nspname = 'rbp' AND a.grantee = 0) AS granted(obj);
    risk := 'public_grants'; severity := 'high';
    status := CASE WHEN v_list IS NULL THEN 'ok' ELSE 'at_risk' END;
    detail := coalesce('granted to PUBLIC: ' || v_list, 'no table, sequence, schema or security-definer function of feedback_rbp is granted to PUBLIC (rbp.suppression_threshold() is public by design)');
    advice := 'REVOKE these privileges FROM PUBLIC: every role of the cluster, not only the feedback_rbp roles, would have them.';
    RETURN NEXT;

    -- 9. Privileges on the extension's tables held by roles outside the six group roles.
    SELECT string_agg(format('%s to %s (%s)', c.oid::regclass, g.rolname, a.privilege_type), ', '
                      ORDER BY c.oid::regclass::text, g.rolname, a.privilege_type) INTO v_list
      FROM pg_depend d JOIN pg_class c ON d.classid = 'pg_class'::regclass AND c.oid = d.objid,
           aclexplode(c.relacl) AS a JOIN pg_roles g ON g.oid = a.grantee
     WHERE d.refclassid = 'pg_extension'::regclass AND d.refobjid = v_ext AND d.deptype = 'e'
       AND a.grantee <> c.relowner
       AND g.rolname NOT IN ('rbp_admin', 'rbp_qa', 'rbp_staff', 'rbp_report_writer', 'rbp_case_system', 'rbp_survey_intake');
    risk := 'direct_table_grants'; severity := 'medium';
    status := CASE WHEN v_list IS NULL THEN 'ok' ELSE 'at_risk' END;
    detail := coalesce('granted outside the feedback_rbp roles: ' || v_list, 'the tables of feedback_rbp are granted only to its group roles');
    advice := 'Grant logins one of the six rbp_* group roles instead of privileges on tables: the row-level security policies are written for those roles.';
    RETURN NEXT;

    -- 10. The suppression threshold edited below its documented minimum.
    SELECT value::text INTO v_value FROM rbp.setting WHERE name = 'suppression_threshold';
    risk := 'threshold_below_minimum'; severity := 'high';
    status := CASE WHEN v_value::integer < 5 THEN 'at_risk' ELSE 'ok' END;
    detail := format('suppression threshold = %s (documented minimum 5; anonymous release batches never go below 5)',
                     coalesce(v_value, '5 (default)'));
    advice := 'Set it with SELECT rbp.set_suppression_threshold(5) (or more); rbp.setting must never be edited directly.';
    RETURN NEXT;

    -- 11. Dead tuples: released held responses and deleted (withdrawn) responses stay in the data
    --     files, in their original order, until VACUUM.
    SELECT string_agg(format('%s: %s', s.relid::regclass, s.n_dead_tup), ', ' ORDER BY s.relid::regclass::text) INTO v_list
      FROM pg_stat_all_tables s
     WHERE s.relid IN ('rbp.anonymous_holding'::regclass, 'rbp.response'::regclass, 'rbp.answer'::regclass)
       AND s.n_dead_tup > 0;
    risk := 'dead_tuples'; severity := 'low';
    status := CASE WHEN v_list IS NULL THEN 'ok' ELSE 'at_risk' END;
    detail := coalesce('dead tuples not yet vacuumed: ' || v_list, 'no dead tuples reported in the holding area, responses or answers');
    advice := 'Keep autovacuum on (or VACUUM rbp.anonymous_holding, rbp.response, rbp.answer after releases and withdrawals): until then a superuser with pageinspect could read released or withdrawn rows in their original order.';
    RETURN NEXT;

    -- 12. WAL, archives and backups: always a note.
    risk := 'wal_and_backups'; severity := 'low'; status := 'note';
    detail := format('wal_level = %s, archive_mode = %s', current_setting('wal_level'), current_setting('archive_mode'));
    advice := 'WAL, WAL archives and base backups contain held anonymous responses and the order they were written in: restrict access to them as to the server itself, encrypt and expire them.';
    RETURN NEXT;
END
$$;
COMMENT ON FUNCTION rbp.privacy_check() IS
    'Administrator: one row per risk to anonymity that the extension cannot control itself (logging, pg_stat_activity, audit, activity and function counters, commit timestamps, locks, sizes, debug output, database-wide settings, RLS bypass, grants, threshold, dead tuples, row estimates, backups), with its status (ok, at_risk, note, residual: never ok) and advice';

CREATE FUNCTION rbp.harden(p_apply boolean DEFAULT false)
    RETURNS TABLE (channel text, statement text, applied boolean)
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    t record;
BEGIN
    IF p_apply AND NOT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
        RAISE EXCEPTION 'rbp.harden(p_apply => true) must be run by a superuser'
            USING ERRCODE = 'insufficient_privilege',
                  HINT = 'Run SELECT * FROM rbp.harden() to see the statements, then have the DBA apply them.';
    END IF;
    FOR t IN
        SELECT h.channel, h.object_kind, h.object_name FROM rbp.hardening_targets() h
         WHERE CASE h.object_kind WHEN 'view' THEN has_table_privilege('public', h.object_name, 'SELECT')
                                  ELSE has_function_privilege('public', h.object_name, 'EXECUTE') END
            OR EXISTS (SELECT FROM pg_roles g
                        WHERE g.rolname IN ('rbp_admin', 'rbp_qa', 'rbp_staff', 'rbp_report_writer', 'rbp_case_system', 'rbp_survey_intake')
                          AND CASE h.object_kind WHEN 'view' THEN has_table_privilege(g.oid, h.object_name, 'SELECT')
                                                 ELSE has_function_privilege(g.oid, h.object_name, 'EXECUTE') END)
    LOOP
        channel := t.channel;
        statement := CASE t.object_kind
            WHEN 'view' THEN format('REVOKE SELECT ON %s FROM PUBLIC; GRANT SELECT ON %s TO pg_read_all_stats', t.object_name, t.object_name)
            ELSE format('REVOKE EXECUTE ON FUNCTION %s FROM PUBLIC; GRANT EXECUTE ON FUNCTION %s TO pg_read_all_stats', t.object_name, t.object_name) END;
        IF p_apply THEN
            EXECUTE statement;
        END IF;
        applied := p_apply;
        RETURN NEXT;
    END LOOP;
    -- What no transaction can change: listed when it is needed.
    FOR channel, statement IN
        SELECT 'function_call_counters', 'ALTER SYSTEM SET track_functions = none; SELECT pg_reload_conf()'
         WHERE current_setting('track_functions') <> 'none'
        UNION ALL
        SELECT 'commit_timestamps', 'ALTER SYSTEM SET track_commit_timestamp = off (takes effect after a restart)'
         WHERE current_setting('track_commit_timestamp') = 'on'
        UNION ALL
        SELECT 'debug_print', format('ALTER SYSTEM SET %s = off; SELECT pg_reload_conf()', d)
          FROM unnest(ARRAY['debug_print_parse', 'debug_print_rewritten', 'debug_print_plan']) AS d
         WHERE current_setting(d) = 'on'
    LOOP
        applied := false;
        RETURN NEXT;
    END LOOP;
END
$$;
COMMENT ON FUNCTION rbp.harden(boolean) IS
    'DBA: the revocations of doc/threat-model.md (counters, locks, sizes, commit timestamps revoked from PUBLIC, granted to pg_read_all_stats); a dry run by default, applied with p_apply => true by a superuser; server settings are listed, never applied';
REVOKE ALL ON FUNCTION rbp.harden(boolean) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION rbp.harden(boolean) TO rbp_admin;

-- Backups keep the release windows (sql/install/95_dump.sql marks every table of rbp).
SELECT pg_catalog.pg_extension_config_dump('rbp.release_window', '');
SELECT pg_catalog.pg_extension_config_dump('rbp.anonymous_epoch', '');
SELECT pg_catalog.pg_extension_config_dump('rbp.worker_only_use', '');
