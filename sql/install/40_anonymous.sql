-- Anonymous feedback (guarantee G1): held where no role can read it, released only in batches.
-- The holding table has no id, no sequence and no timestamp; only the extension's own
-- SECURITY DEFINER functions touch it (no role, rbp_admin and rbp_qa included, has any privilege).

CREATE TABLE rbp.anonymous_holding (
    authority_id    integer NOT NULL REFERENCES rbp.authority,
    instrument_id   integer NOT NULL REFERENCES rbp.instrument,
    respondent_kind rbp.respondent_kind NOT NULL,
    channel         rbp.response_channel NOT NULL,
    team_id         integer,
    answers         rbp.answer_input[] NOT NULL
);
COMMENT ON TABLE rbp.anonymous_holding IS
    'Anonymous responses waiting for their release batch: no id, no time, readable by no role; only rbp.release_anonymous_responses() reads it';
REVOKE ALL ON rbp.anonymous_holding FROM PUBLIC;
-- Row-level security with no policy at all: a second lock should a privilege ever be granted.
ALTER TABLE rbp.anonymous_holding ENABLE ROW LEVEL SECURITY;

-- Releases, per authority, all held responses once at least threshold-many are waiting: in one
-- statement, in random order, with fresh random ids, all stamped with the batch's month.
CREATE FUNCTION rbp.release_anonymous_responses(p_period date DEFAULT current_date) RETURNS integer
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    v_threshold integer := rbp.suppression_threshold();
    v_authority integer;
    v_batch integer;
    v_released integer := 0;
BEGIN
    FOR v_authority IN
        SELECT authority_id FROM rbp.anonymous_holding GROUP BY authority_id HAVING count(*) >= v_threshold
    LOOP
        WITH taken AS (
            DELETE FROM rbp.anonymous_holding WHERE authority_id = v_authority RETURNING *
        ), shuffled AS MATERIALIZED (
            SELECT gen_random_uuid() AS response_id, taken.* FROM taken ORDER BY random()
        ), released AS (
            INSERT INTO rbp.response (response_id, authority_id, instrument_id, respondent_kind, channel,
                                      anonymity, period, team_id, qa_status)
            SELECT response_id, authority_id, instrument_id, respondent_kind, channel,
                   'anonymous', date_trunc('month', p_period)::date, team_id, 'released'
              FROM shuffled
            RETURNING 1
        ), answers AS (
            INSERT INTO rbp.answer (response_id, question_id, score, free_text)
            SELECT s.response_id, a.question_id, a.score, a.free_text FROM shuffled s, unnest(s.answers) AS a
        )
        SELECT count(*) INTO v_batch FROM released;
        v_released := v_released + v_batch;
    END LOOP;
    RETURN v_released;
END
$$;
COMMENT ON FUNCTION rbp.release_anonymous_responses(date) IS
    'Release every authority''s held anonymous responses whose batch has reached the suppression threshold; returns how many were released. Called on each anonymous submission and by a scheduler';
REVOKE ALL ON FUNCTION rbp.release_anonymous_responses(date) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION rbp.release_anonymous_responses(date) TO rbp_admin, rbp_case_system;

CREATE FUNCTION rbp.hold_anonymous_response(p_authority_id integer, p_instrument_id integer,
                                            p_kind rbp.respondent_kind, p_channel rbp.response_channel,
                                            p_team_id integer, p_answers rbp.answer_input[]) RETURNS void
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
BEGIN
    INSERT INTO rbp.anonymous_holding (authority_id, instrument_id, respondent_kind, channel, team_id, answers)
    VALUES (p_authority_id, p_instrument_id, p_kind, p_channel, p_team_id, p_answers);
    PERFORM rbp.release_anonymous_responses(current_date);
END
$$;
COMMENT ON FUNCTION rbp.hold_anonymous_response(integer, integer, rbp.respondent_kind, rbp.response_channel, integer, rbp.answer_input[]) IS
    'Internal: put an anonymous response in the holding area and release the batch if it is full';
REVOKE ALL ON FUNCTION rbp.hold_anonymous_response(integer, integer, rbp.respondent_kind, rbp.response_channel, integer, rbp.answer_input[]) FROM PUBLIC;
