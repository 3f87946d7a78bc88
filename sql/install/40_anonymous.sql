-- Anonymous feedback (guarantee G1, doc/threat-model.md): held where no role can read it, released
-- only in batches that cannot narrow the candidates.
--
-- An anonymous submission is written to rbp.anonymous_holding: no id, no sequence, no timestamp,
-- no invitation; only the month of submission. No role has any privilege on it (rbp_admin and
-- rbp_qa included) and row-level security is on without a policy. Only two functions touch it:
-- rbp.hold_anonymous_response() (internal, called by the submission and withdrawal paths) and
-- rbp.release_anonymous_responses(), which returns a count, never rows.
--
-- Release. Held responses are grouped by (authority, instrument, respondent kind): the attributes
-- the invitation side also knows exactly. A group is released when it holds at least the
-- suppression threshold (never less than 5) of responses; all of its held responses go out
-- together, in one statement, in random physical order, with fresh random ids, every one stamped
-- with the same period (the batch's month). The two other attributes the invitation side may know,
-- channel and team, are generalised inside the batch so that every combination of released values
-- (an equivalence class) holds at least threshold-many responses: a value is kept only when
-- threshold-many responses of the batch share it, and the responses whose value is withheld
-- (NULL) are themselves at least threshold-many, topped up with randomly chosen responses of
-- larger classes when needed. A released response is therefore consistent with at least
-- threshold-many used invitations, even for a reader who knows every invitation's channel and team
-- and how this algorithm works. A group that is too small stays held and is carried into a later
-- batch: never dropped, never released alone.
--
-- Trigger. Every anonymous submission checks its own group and releases it once it is full, in the
-- submitting transaction. Two concurrent submissions may each miss the other's row, so a scheduler
-- (or an operator) also calls rbp.release_anonymous_responses() daily; it releases every full group
-- and leaves the rest held.

CREATE TABLE rbp.anonymous_holding (
    authority_id    integer NOT NULL REFERENCES rbp.authority,
    instrument_id   integer NOT NULL REFERENCES rbp.instrument,
    respondent_kind rbp.respondent_kind NOT NULL,
    channel         rbp.response_channel NOT NULL,
    team_id         integer,
    submitted_in    date NOT NULL CHECK (submitted_in = date_trunc('month', submitted_in)::date),
    answers         rbp.answer_input[] NOT NULL
);
COMMENT ON TABLE rbp.anonymous_holding IS
    'Anonymous responses waiting for their release batch: no id, no sequence, no time finer than the month, no invitation; readable by no role, only by rbp.release_anonymous_responses()';
COMMENT ON COLUMN rbp.anonymous_holding.team_id IS 'The team, only if the respondent chose to give it';
COMMENT ON COLUMN rbp.anonymous_holding.submitted_in IS 'First day of the month of submission; the released period is the latest month of the batch';
REVOKE ALL ON rbp.anonymous_holding FROM PUBLIC;
-- Row-level security with no policy at all: a second lock should a privilege ever be granted.
ALTER TABLE rbp.anonymous_holding ENABLE ROW LEVEL SECURITY;
-- Released rows leave dead tuples behind until VACUUM: have autovacuum remove them promptly.
ALTER TABLE rbp.anonymous_holding SET (autovacuum_vacuum_threshold = 0, autovacuum_vacuum_scale_factor = 0);

-- Anonymous responses may have their channel withheld (NULL) when it would narrow the candidates;
-- named and worker-only responses always carry it.
ALTER TABLE rbp.response ALTER COLUMN channel DROP NOT NULL;
ALTER TABLE rbp.response ADD CONSTRAINT response_channel_withheld_only_when_anonymous
    CHECK (channel IS NOT NULL OR anonymity = 'anonymous');
COMMENT ON CONSTRAINT response_channel_withheld_only_when_anonymous ON rbp.response IS
    'Only an anonymous response may have its channel withheld (by its release batch)';
COMMENT ON COLUMN rbp.response.channel IS
    'How the answers were given; NULL for an anonymous response whose channel was withheld because fewer than threshold-many of its batch shared it';

-- One held response on its way through the generalisation of a batch: slot is a random position,
-- the true channel and team (given by the respondent or NULL), and the values to be released.
CREATE TYPE rbp.release_slot AS (
    slot            integer,
    channel         rbp.response_channel,
    team_id         integer,
    shown_channel   rbp.response_channel,
    shown_team      integer
);
COMMENT ON TYPE rbp.release_slot IS
    'Internal: a held anonymous response during the generalisation of its batch (true channel and team, and the values to be released)';

-- Internal: generalise channel and team of one batch so that every combination of released values
-- occurs at least p_k times (see the header of this file). Rows with a withheld value are topped up
-- from classes larger than p_k, chosen at random; if that is impossible the value is withheld for
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
                               THEN x.team_id END)::rbp.release_slot
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
                             SELECT x.slot, row_number() OVER (PARTITION BY x.shown_team ORDER BY random()) AS rn
                               FROM unnest(s) AS x WHERE x.shown_channel = v_channel AND x.shown_team IS NOT NULL) AS y
                          WHERE y.rn > p_k ORDER BY random() LIMIT v_need);
        IF cardinality(v_spare) = v_need THEN
            s := ARRAY(SELECT ROW(x.slot, x.channel, x.team_id, x.shown_channel,
                                  CASE WHEN x.slot = ANY (v_spare) THEN NULL ELSE x.shown_team END)::rbp.release_slot
                         FROM unnest(s) AS x ORDER BY x.slot);
        ELSIF (SELECT count(*) FROM unnest(s) AS x WHERE x.shown_channel = v_channel) >= p_k THEN
            -- not enough spares, but the channel has threshold-many: withhold its teams instead
            s := ARRAY(SELECT ROW(x.slot, x.channel, x.team_id, x.shown_channel,
                                  CASE WHEN x.shown_channel = v_channel THEN NULL ELSE x.shown_team END)::rbp.release_slot
                         FROM unnest(s) AS x ORDER BY x.slot);
        ELSE
            s := ARRAY(SELECT ROW(x.slot, x.channel, x.team_id,
                                  CASE WHEN x.shown_channel = v_channel THEN NULL ELSE x.shown_channel END,
                                  CASE WHEN x.shown_channel = v_channel THEN NULL ELSE x.shown_team END)::rbp.release_slot
                         FROM unnest(s) AS x ORDER BY x.slot);
        END IF;
    END LOOP;

    -- 3. The responses with a withheld channel must be none or threshold-many: top them up with
    --    spare responses of the kept classes, else withhold channel and team for the whole batch.
    v_need := p_k - (SELECT count(*) FROM unnest(s) AS x WHERE x.shown_channel IS NULL);
    IF v_need BETWEEN 1 AND p_k - 1 THEN
        v_spare := ARRAY(SELECT y.slot FROM (
                             SELECT x.slot, row_number() OVER (PARTITION BY x.shown_channel, x.shown_team ORDER BY random()) AS rn
                               FROM unnest(s) AS x WHERE x.shown_channel IS NOT NULL) AS y
                          WHERE y.rn > p_k ORDER BY random() LIMIT v_need);
        IF cardinality(v_spare) = v_need THEN
            s := ARRAY(SELECT ROW(x.slot, x.channel, x.team_id,
                                  CASE WHEN x.slot = ANY (v_spare) THEN NULL ELSE x.shown_channel END,
                                  CASE WHEN x.slot = ANY (v_spare) THEN NULL ELSE x.shown_team END)::rbp.release_slot
                         FROM unnest(s) AS x ORDER BY x.slot);
        ELSE
            s := ARRAY(SELECT ROW(x.slot, x.channel, x.team_id, NULL, NULL)::rbp.release_slot
                         FROM unnest(s) AS x ORDER BY x.slot);
        END IF;
    END IF;

    -- 4. Among the responses with a withheld channel, keep a given team where threshold-many share
    --    it; those without a team must again be none or threshold-many.
    s := ARRAY(SELECT ROW(x.slot, x.channel, x.team_id, x.shown_channel,
                          CASE WHEN x.shown_channel IS NOT NULL THEN x.shown_team
                               WHEN x.team_id IS NOT NULL
                                    AND count(*) OVER (PARTITION BY x.shown_channel IS NULL, x.team_id) >= p_k
                               THEN x.team_id END)::rbp.release_slot
                 FROM unnest(s) AS x ORDER BY x.slot);
    v_need := p_k - (SELECT count(*) FROM unnest(s) AS x WHERE x.shown_channel IS NULL AND x.shown_team IS NULL);
    IF v_need BETWEEN 1 AND p_k - 1 THEN
        v_spare := ARRAY(SELECT y.slot FROM (
                             SELECT x.slot, row_number() OVER (PARTITION BY x.shown_team ORDER BY random()) AS rn
                               FROM unnest(s) AS x WHERE x.shown_channel IS NULL AND x.shown_team IS NOT NULL) AS y
                          WHERE y.rn > p_k ORDER BY random() LIMIT v_need);
        s := ARRAY(SELECT ROW(x.slot, x.channel, x.team_id, x.shown_channel,
                              CASE WHEN x.shown_channel IS NOT NULL THEN x.shown_team
                                   WHEN cardinality(v_spare) < v_need OR x.slot = ANY (v_spare) THEN NULL
                                   ELSE x.shown_team END)::rbp.release_slot
                     FROM unnest(s) AS x ORDER BY x.slot);
    END IF;

    -- 5. Never release anything that narrows: every class of released values has p_k or more.
    IF EXISTS (SELECT FROM unnest(s) AS x GROUP BY x.shown_channel, x.shown_team HAVING count(*) < p_k)
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
    'Internal: withhold channel and team of a release batch where needed so that every combination of released values occurs at least k times';
REVOKE ALL ON FUNCTION rbp.generalise_anonymous_batch(rbp.release_slot[], integer) FROM PUBLIC;

-- The effective batch size: the suppression threshold, never below its documented minimum even if
-- rbp.setting was edited directly (rbp.privacy_check() reports such an edit).
CREATE FUNCTION rbp.anonymous_batch_size() RETURNS integer
    LANGUAGE sql STABLE PARALLEL SAFE
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$ SELECT greatest(rbp.suppression_threshold(), 5) $$;
COMMENT ON FUNCTION rbp.anonymous_batch_size() IS
    'Smallest number of anonymous responses released together with the same values: the suppression threshold, never below 5';

-- Internal: release one group (authority, instrument, respondent kind) if it holds a full batch.
-- The group's held rows are locked first, so that two concurrent releases cannot split a batch.
CREATE FUNCTION rbp.release_anonymous_group(p_authority_id integer, p_instrument_id integer,
                                            p_kind rbp.respondent_kind, p_on date) RETURNS integer
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    v_k integer := rbp.anonymous_batch_size();
    v_rows tid[];
    v_slots rbp.release_slot[];
    v_period date;
    v_count integer;
BEGIN
    -- Count first without locking, so that concurrent submissions to a group that is not full do
    -- not wait for each other; lock only to release.
    IF (SELECT count(*) FROM rbp.anonymous_holding
         WHERE authority_id = p_authority_id AND instrument_id = p_instrument_id AND respondent_kind = p_kind) < v_k THEN
        RETURN 0;
    END IF;
    -- Locking the rows (not the authority or a table) leaves no trace any role can read; a
    -- concurrent release of the same group waits here and then finds the rows gone.
    SELECT array_agg(h.ctid ORDER BY h.ord), array_agg(ROW(h.ord, h.channel, h.team_id, NULL, NULL)::rbp.release_slot ORDER BY h.ord),
           greatest(max(h.submitted_in), date_trunc('month', p_on)::date)
      INTO v_rows, v_slots, v_period
      FROM (SELECT ctid, channel, team_id, submitted_in, row_number() OVER (ORDER BY random())::integer AS ord
              FROM (SELECT ctid, channel, team_id, submitted_in FROM rbp.anonymous_holding
                     WHERE authority_id = p_authority_id AND instrument_id = p_instrument_id AND respondent_kind = p_kind
                       FOR UPDATE) AS locked) AS h;
    IF coalesce(cardinality(v_rows), 0) < v_k THEN
        RETURN 0;
    END IF;
    v_slots := rbp.generalise_anonymous_batch(v_slots, v_k);

    -- One statement: take the batch out of holding, give each response a fresh random id, and
    -- insert responses and answers in random order (the slots were numbered at random).
    WITH taken AS (
        DELETE FROM rbp.anonymous_holding h WHERE h.ctid = ANY (v_rows)
        RETURNING h.ctid AS held_at, h.authority_id, h.instrument_id, h.respondent_kind, h.answers
    ), shuffled AS MATERIALIZED (
        SELECT gen_random_uuid() AS response_id, t.authority_id, t.instrument_id, t.respondent_kind, t.answers,
               g.shown_channel, g.shown_team
          FROM taken t
          JOIN unnest(v_rows) WITH ORDINALITY AS r(held_at, ord) ON r.held_at = t.held_at
          JOIN unnest(v_slots) AS g ON g.slot = r.ord
         ORDER BY random()
    ), released AS (
        INSERT INTO rbp.response (response_id, authority_id, instrument_id, respondent_kind, channel,
                                  anonymity, period, team_id, qa_status)
        SELECT response_id, authority_id, instrument_id, respondent_kind, shown_channel,
               'anonymous', v_period, shown_team, 'released'
          FROM shuffled
        RETURNING 1
    ), answers AS (
        INSERT INTO rbp.answer (response_id, question_id, score, free_text)
        SELECT s.response_id, a.question_id, a.score, a.free_text FROM shuffled s, unnest(s.answers) AS a
    )
    SELECT count(*) INTO v_count FROM released;
    IF v_count <> cardinality(v_rows) THEN
        RAISE EXCEPTION 'anonymous release batch changed while it was being released'
            USING ERRCODE = 'internal_error';
    END IF;
    RETURN v_count;
END
$$;
COMMENT ON FUNCTION rbp.release_anonymous_group(integer, integer, rbp.respondent_kind, date) IS
    'Internal: release the held anonymous responses of one (authority, instrument, respondent kind) once there is a full batch; returns how many';
REVOKE ALL ON FUNCTION rbp.release_anonymous_group(integer, integer, rbp.respondent_kind, date) FROM PUBLIC;

CREATE FUNCTION rbp.release_anonymous_responses(p_on date DEFAULT current_date) RETURNS integer
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    v_group record;
    v_released integer := 0;
BEGIN
    IF p_on IS NULL THEN
        RAISE EXCEPTION 'a release needs a date' USING ERRCODE = 'null_value_not_allowed';
    ELSIF p_on > current_date THEN
        RAISE EXCEPTION 'a release cannot be dated in the future (%)', p_on
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = 'The date gives the released batch its period; it is the day of the release or an earlier one.';
    END IF;
    FOR v_group IN
        SELECT authority_id, instrument_id, respondent_kind FROM rbp.anonymous_holding
         GROUP BY authority_id, instrument_id, respondent_kind HAVING count(*) >= rbp.anonymous_batch_size()
    LOOP
        v_released := v_released + rbp.release_anonymous_group(v_group.authority_id, v_group.instrument_id,
                                                               v_group.respondent_kind, p_on);
    END LOOP;
    RETURN v_released;
END
$$;
COMMENT ON FUNCTION rbp.release_anonymous_responses(date) IS
    'Scheduler or operator: release every full batch of held anonymous responses (per authority, instrument and respondent kind); smaller groups stay held for a later batch. Returns how many were released, never which';
REVOKE ALL ON FUNCTION rbp.release_anonymous_responses(date) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION rbp.release_anonymous_responses(date) TO rbp_admin, rbp_case_system;

-- Internal: hold one anonymous response, then release its group if that made a full batch. Runs
-- the same statements whatever else is held, raises no error of its own, sends no notification.
CREATE FUNCTION rbp.hold_anonymous_response(p_authority_id integer, p_instrument_id integer,
                                            p_kind rbp.respondent_kind, p_channel rbp.response_channel,
                                            p_team_id integer, p_answers rbp.answer_input[],
                                            p_submitted_on date DEFAULT current_date) RETURNS void
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
BEGIN
    INSERT INTO rbp.anonymous_holding (authority_id, instrument_id, respondent_kind, channel, team_id, submitted_in, answers)
    VALUES (p_authority_id, p_instrument_id, p_kind, p_channel, p_team_id,
            date_trunc('month', coalesce(p_submitted_on, current_date))::date, coalesce(p_answers, '{}'));
    PERFORM rbp.release_anonymous_group(p_authority_id, p_instrument_id, p_kind, coalesce(p_submitted_on, current_date));
END
$$;
COMMENT ON FUNCTION rbp.hold_anonymous_response(integer, integer, rbp.respondent_kind, rbp.response_channel, integer, rbp.answer_input[], date) IS
    'Internal: put an anonymous response in the holding area and release its group if that made a full batch';
REVOKE ALL ON FUNCTION rbp.hold_anonymous_response(integer, integer, rbp.respondent_kind, rbp.response_channel, integer, rbp.answer_input[], date) FROM PUBLIC;
