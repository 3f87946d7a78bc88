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
BEGIN
    FOR v_response IN
        SELECT r.response_id FROM rbp.response r
         WHERE r.anonymity <> 'anonymous'
           AND (p_worker_id IS NULL OR r.worker_id = p_worker_id)
           AND NOT EXISTS (SELECT FROM rbp.supervision_review v WHERE v.response_id = r.response_id)
    LOOP
        PERFORM rbp.route_response(v_response, p_on, 'supervision_change');
    END LOOP;
END
$$;
COMMENT ON FUNCTION rbp.reroute_open_feedback(date, integer) IS
    'Move open (not yet reviewed) named and worker-only feedback to whoever is responsible on the date (all workers, or one). Run daily from a scheduler. Returns nothing: a per-worker count would tell the case system how much feedback a worker has';
REVOKE ALL ON FUNCTION rbp.reroute_open_feedback(date, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION rbp.reroute_open_feedback(date, integer) TO rbp_case_system, rbp_admin;

DROP FUNCTION rbp.release_due_feedback(date);
CREATE FUNCTION rbp.release_due_feedback(p_on date DEFAULT current_date) RETURNS void
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    v_row record;
BEGIN
    FOR v_row IN
        UPDATE rbp.response r SET qa_status = 'released', qa_status_on = p_on
          FROM rbp.authority a
         WHERE a.authority_id = r.authority_id AND a.auto_release_after_days IS NOT NULL
           AND r.qa_status = 'awaiting_qa'
           AND coalesce(r.submitted_on, r.qa_status_on) + a.auto_release_after_days <= p_on
        RETURNING r.response_id
    LOOP
        PERFORM pg_notify('rbp_feedback_routed', route_id::text)
           FROM rbp.route WHERE response_id = v_row.response_id AND superseded_on IS NULL;
    END LOOP;
END
$$;
COMMENT ON FUNCTION rbp.release_due_feedback(date) IS
    'Scheduler: release feedback awaiting QA for authorities with auto_release_after_days, once that many days have passed since submission (named) or since its batch reached QA (worker-only); held items stay held. Returns nothing: the case system learns no count of feedback';
REVOKE ALL ON FUNCTION rbp.release_due_feedback(date) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION rbp.release_due_feedback(date) TO rbp_case_system, rbp_admin;

CREATE OR REPLACE FUNCTION rbp.qa_release(p_response_id uuid, p_on date DEFAULT current_date) RETURNS void
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    v_response rbp.response := rbp.qa_response(p_response_id);
    v_route uuid;
BEGIN
    IF v_response.anonymity = 'anonymous' OR v_response.qa_status = 'released' THEN
        RAISE EXCEPTION 'this response is not awaiting release' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    -- A hold note on worker-only feedback is QA's own: it is erased before the worker and supervisor
    -- can read the row (doc/threat-model.md: what worker-only shows).
    UPDATE rbp.response SET qa_status = 'released', qa_status_on = p_on,
                            qa_note = CASE WHEN anonymity = 'worker_only' THEN NULL ELSE qa_note END
     WHERE response_id = p_response_id;
    SELECT route_id INTO v_route FROM rbp.route WHERE response_id = p_response_id AND superseded_on IS NULL;
    PERFORM pg_notify('rbp_feedback_routed', v_route::text);
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

-- Backups keep the release windows (sql/install/95_dump.sql marks every table of rbp).
SELECT pg_catalog.pg_extension_config_dump('rbp.release_window', '');
SELECT pg_catalog.pg_extension_config_dump('rbp.anonymous_epoch', '');
SELECT pg_catalog.pg_extension_config_dump('rbp.worker_only_use', '');
