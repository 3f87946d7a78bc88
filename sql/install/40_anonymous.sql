-- Held feedback (guarantee G1, doc/threat-model.md): anonymous and worker-only submissions are held
-- where no role can read them, and released only by a later transaction, in batches that leave
-- every reader at least k candidate invitations (k = rbp.anonymous_batch_size()).
--
-- Holding. rbp.anonymous_holding keeps, for each held submission: the attributes the invitation
-- side knows exactly (authority, instrument, respondent kind), the channel, the month of
-- submission, the level (anonymous or worker_only), the allocated worker (0 if none), the team if
-- the respondent gave it (0 if not), whether its answers were already readable under a name
-- ("seen": every withdrawal) and the answers, encoded and padded to exactly
-- rbp.held_payload_bytes() bytes, stored uncompressed out of line. No id, no sequence, no
-- timestamp, no invitation; every held row has the same size, and so does its TOAST. No role has
-- any privilege on the table (rbp_admin and rbp_qa included) and row-level security is on without
-- a policy. rbp.release_window holds one row per used invitation (worker, instrument, kind, team,
-- whether a named response explains it and whether it was used worker-only), never which
-- invitation: what the worker-only rule below counts.
--
-- Release: rbp.release_held_feedback(), run by a scheduler (or an operator), never by the
-- submission or the withdrawal itself. It returns nothing, so its caller learns nothing.
--   anonymous, per (authority, instrument, respondent kind): released when the held responses not
--     seen under a name number at least k and come from two allocated workers or more; all held
--     responses of the group go together. Channel and team are shown only when no invitation of
--     the batch's window was used worker-only (rbp.anonymous_batch_shows_values), and then
--     generalised on the unseen responses so that every combination of released values holds at
--     least k of them, from two workers or more (rbp.generalise_anonymous_batch); seen responses
--     are released with both withheld. Seen responses join a batch but never count towards k.
--   worker_only, per (authority, worker, instrument, respondent kind): released when the worker's
--     used invitations of that instrument and kind since the group's previous release that no named
--     response explains number at least k, whatever level they were used at (seen responses were
--     explained: they never count), counting only those used in an anonymous window of the group in
--     which the worker itself used an invitation worker-only (rbp.worker_only_candidates: each
--     counted invitation can swap places with that worker-only one, so a reader who combines every
--     batch's counts cannot rule it out). Released to QA (awaiting QA, then to worker and
--     supervisor as named feedback is), without submission date or channel, and with the team only
--     when every row of the batch shares it and at least k of those unexplained invitations do too.
-- Every batch is written in one statement in an order drawn by rbp.release_permutation() and with
-- ids from rbp.release_uuid() (pg_strong_random, src/release.c): no seed, setting or search path
-- of any session changes what is released or in which order. Every row of a batch gets the same
-- period, the batch's month.

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

-- The documented limits of one submission's free text (doc/threat-model.md, doc/survey-intake.md).
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
-- The padding, computed once per plan: immutable, so the planner folds it into a constant.
CREATE FUNCTION rbp.held_padding() RETURNS bytea
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT decode(repeat('00', rbp.held_payload_bytes()), 'hex') $$;
COMMENT ON FUNCTION rbp.held_padding() IS 'Internal: rbp.held_payload_bytes() zero bytes, the padding of held answers';
REVOKE ALL ON FUNCTION rbp.held_padding() FROM PUBLIC;

-- Internal: the answers of a submission as exactly rbp.held_payload_bytes() bytes: a 4-byte
-- length, the answers as UTF-8 JSON, zero padding.
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
    RETURN int4send(octet_length(v_data)) || v_data || substring(rbp.held_padding() FROM 1 FOR v_room - octet_length(v_data));
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

CREATE TABLE rbp.anonymous_holding (
    authority_id    integer NOT NULL REFERENCES rbp.authority,
    instrument_id   integer NOT NULL REFERENCES rbp.instrument,
    respondent_kind rbp.respondent_kind NOT NULL,
    channel         rbp.response_channel NOT NULL,
    submitted_in    date NOT NULL CHECK (submitted_in = date_trunc('month', submitted_in)::date),
    anonymity       rbp.anonymity NOT NULL CHECK (anonymity IN ('worker_only', 'anonymous')),
    worker_id       integer NOT NULL,
    seen            boolean NOT NULL,
    team_id         integer NOT NULL,
    payload         bytea NOT NULL CHECK (octet_length(payload) = rbp.held_payload_bytes())
);
COMMENT ON TABLE rbp.anonymous_holding IS
    'Anonymous and worker-only responses waiting for their release batch: no id, no sequence, no time finer than the month, no invitation, every row of the same size; readable by no role, only by the release functions';
COMMENT ON COLUMN rbp.anonymous_holding.submitted_in IS 'First day of the month of submission; the released period is the latest month of the batch';
COMMENT ON COLUMN rbp.anonymous_holding.anonymity IS 'The level the response is released at: anonymous or worker_only';
COMMENT ON COLUMN rbp.anonymous_holding.worker_id IS 'The worker allocated on the submission date, 0 if none (a worker-only batch is per worker; an anonymous batch must span two workers)';
COMMENT ON COLUMN rbp.anonymous_holding.seen IS 'True when the answers were readable under a name before (a withdrawal): released, but never counted towards a batch''s k';
COMMENT ON COLUMN rbp.anonymous_holding.team_id IS 'The team, only if the respondent chose to give it (anonymous); 0 when not given';
COMMENT ON COLUMN rbp.anonymous_holding.payload IS 'The answers, encoded by rbp.held_payload() in exactly rbp.held_payload_bytes() bytes, stored uncompressed out of line';
REVOKE ALL ON rbp.anonymous_holding FROM PUBLIC;
-- Row-level security with no policy at all: a second lock should a privilege ever be granted.
ALTER TABLE rbp.anonymous_holding ENABLE ROW LEVEL SECURITY;
-- Released rows leave dead tuples behind until VACUUM: have autovacuum remove them promptly.
ALTER TABLE rbp.anonymous_holding SET (autovacuum_vacuum_threshold = 0, autovacuum_vacuum_scale_factor = 0);
-- Same size for every held row, in the table and in its TOAST: never compressed.
ALTER TABLE rbp.anonymous_holding ALTER COLUMN payload SET STORAGE EXTERNAL;

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
    epoch           integer NOT NULL,
    worker_only     boolean NOT NULL
);
COMMENT ON TABLE rbp.release_window IS
    'Internal: one row per used invitation since the last worker-only release of its worker, instrument and respondent kind (team, whether a named response explains it, whether it was used worker-only); no invitation; readable by no role';
COMMENT ON COLUMN rbp.release_window.worker_id IS 'The worker allocated when the invitation was used, 0 if none';
COMMENT ON COLUMN rbp.release_window.team_id IS 'The team of the involvement';
COMMENT ON COLUMN rbp.release_window.explained IS 'True when the invitation was used by a named response (also after a withdrawal: its answers were seen)';
COMMENT ON COLUMN rbp.release_window.epoch IS 'The anonymous release window (rbp.anonymous_epoch) of its (authority, instrument, kind) the invitation was used in, 0 before the first release';
COMMENT ON COLUMN rbp.release_window.worker_only IS 'True when the invitation was used worker-only (the worker''s held batch has a response of this anonymous window)';
REVOKE ALL ON rbp.release_window FROM PUBLIC;
ALTER TABLE rbp.release_window ENABLE ROW LEVEL SECURITY;
ALTER TABLE rbp.release_window SET (autovacuum_vacuum_threshold = 0, autovacuum_vacuum_scale_factor = 0);
CREATE INDEX release_window_group ON rbp.release_window (authority_id, worker_id, instrument_id, respondent_kind);

-- The anonymous release windows of each (authority, instrument, kind): epoch n runs from the n-th
-- anonymous release of the group to the next (epoch 0 has no row). An anonymous batch tells every
-- reader how many of its window's unexplained invitations were anonymous. A worker-only batch counts
-- only invitations of epochs in which its own worker used an invitation worker-only
-- (rbp.release_window.worker_only), and an anonymous batch shows channel and team only if no
-- invitation of its epoch was used worker-only (rbp.worker_only_use: one row per used invitation of
-- the group's current window, at every level alike so that no counter, lock or size tells a
-- worker-only submission from an anonymous or named one; insert-only so that concurrent
-- submissions never wait for each other; the rows of a window are deleted when the next begins).
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
    epoch           integer NOT NULL,
    worker_only     boolean NOT NULL
);
COMMENT ON TABLE rbp.worker_only_use IS
    'Internal: one row per used invitation of a group''s current anonymous window, at every level, saying whether it was used worker-only; no invitation, no worker; readable by no role';
COMMENT ON COLUMN rbp.worker_only_use.worker_only IS 'True when the invitation was used worker-only';
REVOKE ALL ON rbp.worker_only_use FROM PUBLIC;
ALTER TABLE rbp.worker_only_use ENABLE ROW LEVEL SECURITY;
CREATE INDEX worker_only_use_epoch ON rbp.worker_only_use (authority_id, instrument_id, respondent_kind, epoch);

-- Anonymous responses may have their channel withheld (NULL) when it would narrow the candidates,
-- and worker-only responses never carry it; named responses always do.
ALTER TABLE rbp.response ALTER COLUMN channel DROP NOT NULL;
ALTER TABLE rbp.response ADD CONSTRAINT response_channel_withheld_only_when_anonymous
    CHECK (channel IS NOT NULL OR anonymity <> 'named');
COMMENT ON CONSTRAINT response_channel_withheld_only_when_anonymous ON rbp.response IS
    'Only an anonymous or worker-only response may have its channel withheld (by its release batch)';
COMMENT ON COLUMN rbp.response.channel IS
    'How the answers were given; NULL for a worker-only response, and for an anonymous response whose channel was withheld because fewer than threshold-many of its batch shared it';
-- One held response on its way through the generalisation of a batch: slot is a random position,
-- the true channel and team (given by the respondent or NULL), and the values to be released.
CREATE TYPE rbp.release_slot AS (
    slot            integer,
    channel         rbp.response_channel,
    team_id         integer,
    shown_channel   rbp.response_channel,
    shown_team      integer,
    worker_id       integer
);
COMMENT ON TYPE rbp.release_slot IS
    'Internal: a held anonymous response during the generalisation of its batch (true channel and team, the values to be released, and its allocated worker, 0 if none)';

-- Internal: generalise channel and team of one batch so that every combination of released values
-- occurs at least p_k times, in the responses of two allocated workers or more (see the header of
-- this file). Rows with a withheld value are topped up from classes larger than p_k, chosen at random
-- by rbp.release_key() (pg_strong_random, never random()); if that is impossible the value is withheld for
-- more rows, down to withholding both for the whole batch (always possible: the batch has >= p_k).
CREATE FUNCTION rbp.generalise_anonymous_batch(p_slots rbp.release_slot[], p_k integer) RETURNS rbp.release_slot[]
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

-- The effective batch size: the suppression threshold, never below its documented minimum even if
-- rbp.setting was edited directly (rbp.privacy_check() reports such an edit).
CREATE FUNCTION rbp.anonymous_batch_size() RETURNS integer
    LANGUAGE sql STABLE PARALLEL SAFE
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$ SELECT greatest(rbp.suppression_threshold(), 5) $$;
COMMENT ON FUNCTION rbp.anonymous_batch_size() IS
    'Smallest number of candidate invitations a released anonymous or worker-only response leaves any reader: the suppression threshold, never below 5';

-- Internal: hold one anonymous or worker-only response. Runs the same statements whatever else is
-- held, raises no error of its own but a too long submission (22001), sends no notification and
-- releases nothing: a later transaction releases (rbp.release_held_feedback()).
CREATE FUNCTION rbp.hold_response(p_authority_id integer, p_instrument_id integer, p_kind rbp.respondent_kind,
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

-- Internal: count one used invitation in its worker's release window and in its group's anonymous
-- window (every level alike: the same two inserts, saying whether a named response explains it and
-- whether it was used worker-only). Inserts only: concurrent submissions never wait for each other.
CREATE FUNCTION rbp.count_used_invitation(p_authority_id integer, p_worker_id integer, p_instrument_id integer,
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
    INSERT INTO rbp.release_window (authority_id, worker_id, instrument_id, respondent_kind, team_id, explained, epoch, worker_only)
    VALUES (p_authority_id, coalesce(p_worker_id, 0), p_instrument_id, p_kind, coalesce(p_team_id, 0), p_anonymity = 'named', v_epoch,
            p_anonymity = 'worker_only');
    -- the same insert at every level: no counter or lock tells worker-only from anonymous
    INSERT INTO rbp.worker_only_use (authority_id, instrument_id, respondent_kind, epoch, worker_only)
    VALUES (p_authority_id, p_instrument_id, p_kind, v_epoch, p_anonymity = 'worker_only');
END
$$;
COMMENT ON FUNCTION rbp.count_used_invitation(integer, integer, integer, rbp.respondent_kind, integer, rbp.anonymity) IS
    'Internal: count a used invitation (explained: used by a named response) in the release window of its worker, instrument and kind, with its group''s anonymous window';
REVOKE ALL ON FUNCTION rbp.count_used_invitation(integer, integer, integer, rbp.respondent_kind, integer, rbp.anonymity) FROM PUBLIC;

-- Internal: the guard of a batch, one rule for both levels. true when releasing is allowed.
--   anonymous: unseen >= k and the unseen come from two allocated workers or more;
--   worker_only: candidates (rbp.worker_only_candidates) >= k.
CREATE FUNCTION rbp.batch_may_release(p_anonymity rbp.anonymity, p_unseen bigint, p_workers bigint,
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

-- Internal: release one anonymous group (authority, instrument, respondent kind) if the guard
-- allows. The group's held rows are locked first, so that two concurrent releases cannot split a batch.
CREATE FUNCTION rbp.release_anonymous_group(p_authority_id integer, p_instrument_id integer,
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
    IF NOT rbp.anonymous_batch_shows_values(p_authority_id, p_instrument_id, p_kind) THEN
        v_slots := ARRAY(SELECT ROW(x.slot, x.channel, x.team_id, NULL, NULL, x.worker_id)::rbp.release_slot
                           FROM unnest(v_slots) AS x ORDER BY x.slot);
    END IF;
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
    -- A new anonymous window of the group begins; the uses of the windows before are no longer needed.
    INSERT INTO rbp.anonymous_epoch (authority_id, instrument_id, respondent_kind, epoch)
    SELECT p_authority_id, p_instrument_id, p_kind,
           coalesce((SELECT max(epoch) FROM rbp.anonymous_epoch
                      WHERE authority_id = p_authority_id AND instrument_id = p_instrument_id AND respondent_kind = p_kind), 0) + 1;
    DELETE FROM rbp.worker_only_use
     WHERE authority_id = p_authority_id AND instrument_id = p_instrument_id AND respondent_kind = p_kind
       AND epoch < (SELECT max(epoch) FROM rbp.anonymous_epoch
                     WHERE authority_id = p_authority_id AND instrument_id = p_instrument_id AND respondent_kind = p_kind);
    RETURN v_count;
END
$$;
COMMENT ON FUNCTION rbp.release_anonymous_group(integer, integer, rbp.respondent_kind, date) IS
    'Internal: release the held anonymous responses of one (authority, instrument, respondent kind) when k unseen responses of two workers or more are held; returns how many';
REVOKE ALL ON FUNCTION rbp.release_anonymous_group(integer, integer, rbp.respondent_kind, date) FROM PUBLIC;

-- Internal: the candidates a worker-only batch of (authority, worker, instrument, kind) leaves any
-- reader who solves every release together (doc/threat-model.md, "Joint inference"): the worker's
-- used invitations of its window that no named response explains, counted only in the anonymous
-- windows where the worker's own held batch has an invitation used worker-only (optionally of one
-- team only). Such an invitation, if it was in truth anonymous, can swap places with that
-- worker-only one of the same anonymous window: the anonymous batch keeps its count (it shows no
-- channel or team then, rbp.anonymous_batch_shows_values), the worker-only batch its count and
-- window, so no reader can rule it out. An invitation of a window where the worker has no
-- worker-only use has no such partner: counts of other workers' batches could prove it anonymous.
CREATE FUNCTION rbp.worker_only_candidates(p_authority_id integer, p_worker_id integer, p_instrument_id integer,
                                           p_kind rbp.respondent_kind, p_team_id integer DEFAULT NULL) RETURNS bigint
    LANGUAGE sql STABLE
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
    SELECT count(*) FROM rbp.release_window w
     WHERE w.authority_id = p_authority_id AND w.worker_id = p_worker_id AND w.instrument_id = p_instrument_id
       AND w.respondent_kind = p_kind AND NOT w.explained
       AND (p_team_id IS NULL OR w.team_id = p_team_id)
       AND EXISTS (SELECT FROM rbp.release_window u
                    WHERE u.authority_id = w.authority_id AND u.worker_id = w.worker_id AND u.instrument_id = w.instrument_id
                      AND u.respondent_kind = w.respondent_kind AND u.epoch = w.epoch AND u.worker_only)
$$;
COMMENT ON FUNCTION rbp.worker_only_candidates(integer, integer, integer, rbp.respondent_kind, integer) IS
    'Internal: the used invitations a worker-only batch could be any of, for a reader who combines every release: in its worker''s window, unexplained by a named response, in an anonymous window where the worker itself has a worker-only use (of one team if given)';
REVOKE ALL ON FUNCTION rbp.worker_only_candidates(integer, integer, integer, rbp.respondent_kind, integer) FROM PUBLIC;

-- Internal rule "an anonymous batch shows channel or team only where nothing was worker-only": the
-- values an anonymous batch shows pin its rows to invitations of those values; where some
-- invitation of the window was used worker-only, that pins the others to worker-only, and a reader
-- who combines it with the worker-only batches can narrow those below k. So an anonymous batch
-- shows channel and team (generalised) only when no invitation of its window was used worker-only.
CREATE FUNCTION rbp.anonymous_batch_shows_values(p_authority_id integer, p_instrument_id integer,
                                                 p_kind rbp.respondent_kind) RETURNS boolean
    LANGUAGE sql STABLE
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
    SELECT NOT EXISTS (SELECT FROM rbp.worker_only_use u
                        WHERE u.authority_id = p_authority_id AND u.instrument_id = p_instrument_id AND u.respondent_kind = p_kind
                          AND u.worker_only
                          AND u.epoch = coalesce((SELECT max(e.epoch) FROM rbp.anonymous_epoch e
                                                   WHERE e.authority_id = p_authority_id AND e.instrument_id = p_instrument_id
                                                     AND e.respondent_kind = p_kind), 0))
$$;
COMMENT ON FUNCTION rbp.anonymous_batch_shows_values(integer, integer, rbp.respondent_kind) IS
    'Internal: whether the anonymous batch now due of (authority, instrument, respondent kind) may show channel and team: only when no invitation of its window was used worker-only';
REVOKE ALL ON FUNCTION rbp.anonymous_batch_shows_values(integer, integer, rbp.respondent_kind) FROM PUBLIC;

-- Internal: release the held worker-only responses of one (authority, worker, instrument, kind)
-- when rbp.worker_only_candidates() reaches k; they go to QA first (awaiting QA), routed.
CREATE FUNCTION rbp.release_worker_only_group(p_authority_id integer, p_worker_id integer, p_instrument_id integer,
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

-- The scheduler's release: every batch the guard allows, anonymous and worker-only. Returns
-- nothing: how many were released, when, and for whom is what only the holding area may know.
CREATE FUNCTION rbp.release_held_feedback(p_on date DEFAULT current_date) RETURNS void
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    v_group record;
    -- "who may act for an authority": an administrator releases for every authority, a case-system
    -- login (the nightly job) for those it is mapped to as the case system, an unmapped one for none
    v_scope integer[] := rbp.acting_scope('case_system');
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
         WHERE v_scope IS NULL OR authority_id = ANY (v_scope)
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
    'Scheduler or operator: release every held anonymous and worker-only batch whose guard allows it (doc/threat-model.md), of the authorities the login serves as the case system (administrators: all); returns nothing, so that no caller learns how much was held or released';
REVOKE ALL ON FUNCTION rbp.release_held_feedback(date) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION rbp.release_held_feedback(date) TO rbp_admin, rbp_case_system;

CREATE FUNCTION rbp.release_anonymous_responses(p_on date DEFAULT current_date) RETURNS void
    LANGUAGE sql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$ SELECT rbp.release_held_feedback(p_on) $$;
COMMENT ON FUNCTION rbp.release_anonymous_responses(date) IS
    'Scheduler or operator (kept from 0.1.0): the same as rbp.release_held_feedback(); returns nothing';
REVOKE ALL ON FUNCTION rbp.release_anonymous_responses(date) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION rbp.release_anonymous_responses(date) TO rbp_admin, rbp_case_system;
