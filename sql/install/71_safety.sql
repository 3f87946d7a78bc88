-- The safety signal (doc/qa.md, "Safety signals"). When a child or young person gives a NAMED
-- response and turns a dial the authority watches ("It makes me feel safe" unless it chose others)
-- to its level or below, the authority's QA team gets, in the same transaction as the submission,
-- a work-queue row (rbp.safety_signal) and an opaque NOTIFY on channel rbp_safety_signal whose
-- payload is the row's random id and nothing else. QA records what it did
-- (rbp.act_on_safety_signal). Worker-only and anonymous responses never raise a signal: acting on
-- one would identify the family, which those choices promise not to do; the form says so before
-- the family chooses (the safety notice of rbp.survey_form).

CREATE TABLE rbp.safety_rule (
    authority_id    integer NOT NULL REFERENCES rbp.authority,
    instrument_code text NOT NULL,
    question_code   text NOT NULL,
    at_or_below     integer NOT NULL CHECK (at_or_below BETWEEN 0 AND 10),
    PRIMARY KEY (authority_id, instrument_code, question_code)
);
COMMENT ON TABLE rbp.safety_rule IS
    'The dials an authority watches and the level at or below which a named answer raises a safety signal (0: never); children_young_people.dial_safe is watched at 3 unless the authority set it';

CREATE TABLE rbp.safety_signal (
    signal_id       uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    authority_id    integer NOT NULL REFERENCES rbp.authority,
    response_id     uuid REFERENCES rbp.response ON DELETE SET NULL,
    question_code   text NOT NULL,
    raised_at       timestamptz NOT NULL DEFAULT now(),
    acted_at        timestamptz,
    acted_by        integer,
    action_taken    text,
    FOREIGN KEY (authority_id, acted_by) REFERENCES rbp.staff (authority_id, staff_id),
    CHECK (num_nulls(acted_at, acted_by, action_taken) IN (0, 3))
);
COMMENT ON TABLE rbp.safety_signal IS
    'QA''s safety work queue: one row per watched dial answered at or below its level in a named response of a child or young person; acted_at, acted_by and action_taken record what QA did';
COMMENT ON COLUMN rbp.safety_signal.signal_id IS 'Random: the only thing the NOTIFY rbp_safety_signal payload carries';
COMMENT ON COLUMN rbp.safety_signal.response_id IS 'The named response; NULL once the family withdrew its name to anonymous (the record of what QA did stays)';
CREATE INDEX safety_signal_open ON rbp.safety_signal (authority_id, raised_at) WHERE acted_at IS NULL;
CREATE INDEX safety_signal_response ON rbp.safety_signal (response_id);

ALTER TABLE rbp.safety_signal ENABLE ROW LEVEL SECURITY;
CREATE POLICY safety_signal_qa ON rbp.safety_signal FOR SELECT TO rbp_qa
    USING (authority_id = ANY ((SELECT rbp.current_qa_authorities())::integer[]));
GRANT SELECT ON rbp.safety_signal TO rbp_qa;
GRANT SELECT ON rbp.safety_rule TO rbp_admin, rbp_qa;

-- The rules in force for an authority (one rule, used by the trigger and by the form's notice).
CREATE FUNCTION rbp.safety_rules(p_authority_id integer)
    RETURNS TABLE (instrument_code text, question_code text, at_or_below integer)
    LANGUAGE sql STABLE
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
    SELECT r.instrument_code, r.question_code, r.at_or_below FROM rbp.safety_rule r
     WHERE r.authority_id = p_authority_id AND r.at_or_below > 0
    UNION ALL
    SELECT 'children_young_people', 'dial_safe', 3
     WHERE NOT EXISTS (SELECT FROM rbp.safety_rule r WHERE r.authority_id = p_authority_id
                          AND r.instrument_code = 'children_young_people' AND r.question_code = 'dial_safe')
$$;
COMMENT ON FUNCTION rbp.safety_rules(integer) IS
    'Internal: the watched dials of an authority and their levels: its own rules, and children_young_people.dial_safe at 3 unless it set that dial itself (level 0 switches a dial off)';
REVOKE ALL ON FUNCTION rbp.safety_rules(integer) FROM PUBLIC;

CREATE FUNCTION rbp.set_safety_rule(p_authority text, p_question_code text, p_at_or_below integer,
                                    p_instrument text DEFAULT 'children_young_people') RETURNS void
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    v_authority integer := rbp.authority_id_of(p_authority, 'qa');
    v_points integer;
BEGIN
    IF NOT pg_has_role(rbp.calling_role(), 'rbp_admin', 'MEMBER') THEN
        PERFORM rbp.require_qa_of(v_authority);
    END IF;
    SELECT max(q.scale_points) INTO v_points FROM rbp.question q JOIN rbp.instrument i USING (instrument_id)
     WHERE i.code = p_instrument AND q.code = p_question_code AND q.kind = 'scale'
       AND 'child_young_person' = ANY (i.respondent_kinds);
    IF v_points IS NULL THEN
        RAISE EXCEPTION 'no dial "%" in a children''s instrument "%"', p_question_code, p_instrument
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'A safety rule watches a scale question of an instrument for children and young people.';
    END IF;
    IF p_at_or_below IS NULL OR p_at_or_below NOT BETWEEN 0 AND v_points - 1 THEN
        RAISE EXCEPTION 'the level must be between 0 (never) and % for a %-point dial', v_points - 1, v_points
            USING ERRCODE = 'numeric_value_out_of_range';
    END IF;
    INSERT INTO rbp.safety_rule (authority_id, instrument_code, question_code, at_or_below)
    VALUES (v_authority, p_instrument, p_question_code, p_at_or_below)
    ON CONFLICT (authority_id, instrument_code, question_code) DO UPDATE SET at_or_below = excluded.at_or_below;
END
$$;
COMMENT ON FUNCTION rbp.set_safety_rule(text, text, integer, text) IS
    'Administrator or QA of the authority: watch a dial (question code) at or below a level (0 switches it off); dial_safe is watched at 3 until set';

-- After answers are stored: one statement-level pass over the new answers. Only named responses
-- of children and young people qualify; anonymous releases and worker-only responses never do.
CREATE FUNCTION rbp.raise_safety_signals() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    v_signal uuid;
BEGIN
    FOR v_signal IN
        INSERT INTO rbp.safety_signal (authority_id, response_id, question_code)
        SELECT r.authority_id, r.response_id, q.code
          FROM new_answers a
          JOIN rbp.response r ON r.response_id = a.response_id
          JOIN rbp.question q ON q.question_id = a.question_id
          JOIN rbp.instrument i ON i.instrument_id = r.instrument_id
          JOIN LATERAL rbp.safety_rules(r.authority_id) s ON s.instrument_code = i.code AND s.question_code = q.code
         WHERE r.anonymity = 'named' AND r.respondent_kind = 'child_young_person'
           AND a.score IS NOT NULL AND rbp.likert_value(a.score) <= s.at_or_below
        RETURNING signal_id
    LOOP
        PERFORM pg_notify('rbp_safety_signal', v_signal::text);
    END LOOP;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION rbp.raise_safety_signals() IS
    'Internal (trigger): raise a safety signal and NOTIFY rbp_safety_signal for each watched dial at or below its level in a named response of a child or young person';
REVOKE ALL ON FUNCTION rbp.raise_safety_signals() FROM PUBLIC;
CREATE TRIGGER answer_safety_signal AFTER INSERT ON rbp.answer
    REFERENCING NEW TABLE AS new_answers
    FOR EACH STATEMENT EXECUTE FUNCTION rbp.raise_safety_signals();

CREATE FUNCTION rbp.act_on_safety_signal(p_signal_id uuid, p_action_taken text, p_acted_at timestamptz DEFAULT now())
    RETURNS void
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    v_signal rbp.safety_signal;
BEGIN
    SELECT * INTO v_signal FROM rbp.safety_signal WHERE signal_id = p_signal_id FOR UPDATE;
    IF v_signal.signal_id IS NULL OR NOT v_signal.authority_id = ANY (rbp.current_qa_authorities()) THEN
        -- The same error whether the signal does not exist or belongs to another authority.
        RAISE EXCEPTION 'no such safety signal in your authority' USING ERRCODE = 'no_data_found';
    END IF;
    PERFORM rbp.require_qa_of(v_signal.authority_id);
    IF v_signal.acted_at IS NOT NULL THEN
        RAISE EXCEPTION 'this safety signal was already acted on at %', v_signal.acted_at
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF coalesce(btrim(p_action_taken), '') = '' OR p_acted_at IS NULL THEN
        RAISE EXCEPTION 'say what was done, and when' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF p_acted_at < v_signal.raised_at OR p_acted_at > now() THEN
        RAISE EXCEPTION 'a safety signal is acted on between when it was raised and now'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    UPDATE rbp.safety_signal
       SET acted_at = p_acted_at, acted_by = rbp.current_staff_id(), action_taken = btrim(p_action_taken)
     WHERE signal_id = p_signal_id;
END
$$;
COMMENT ON FUNCTION rbp.act_on_safety_signal(uuid, text, timestamptz) IS
    'QA of the authority: record what was done about a safety signal (once; who is taken from the login)';

-- QA's work queue: open signals first, oldest first, with what QA needs to act the same day.
-- security_invoker: every row comes through the caller's own row-level security.
CREATE VIEW rbp.safety_queue WITH (security_invoker = true) AS
SELECT s.signal_id,
       a.code AS authority,
       s.raised_at,
       s.acted_at IS NULL AS open,
       s.acted_at IS NULL AND s.raised_at::date < current_date AS overdue,
       s.question_code AS question,
       rbp.likert_value(an.score) AS score,
       s.response_id,
       f.family_ref,
       rp.respondent_ref,
       w.staff_ref AS worker,
       w.display_name AS worker_name,
       s.acted_at,
       actor.display_name AS acted_by,
       s.action_taken
  FROM rbp.safety_signal s
  JOIN rbp.authority a ON a.authority_id = s.authority_id
  LEFT JOIN rbp.response r ON r.response_id = s.response_id
  LEFT JOIN rbp.question q ON q.instrument_id = r.instrument_id AND q.code = s.question_code
  LEFT JOIN rbp.answer an ON an.response_id = r.response_id AND an.question_id = q.question_id
  LEFT JOIN rbp.respondent rp ON rp.respondent_id = r.respondent_id
  LEFT JOIN rbp.family f ON f.family_id = rp.family_id
  LEFT JOIN rbp.staff w ON w.staff_id = r.worker_id
  LEFT JOIN rbp.staff actor ON actor.staff_id = s.acted_by
 ORDER BY s.acted_at IS NOT NULL, s.raised_at;
COMMENT ON VIEW rbp.safety_queue IS
    'QA: the safety signals of your authority, open ones first and oldest first (overdue: still open after the day it was raised), with the response, family, respondent and worker (through your own row-level security)';
GRANT SELECT ON rbp.safety_queue TO rbp_qa;

REVOKE ALL ON FUNCTION rbp.set_safety_rule(text, text, integer, text), rbp.act_on_safety_signal(uuid, text, timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION rbp.set_safety_rule(text, text, integer, text) TO rbp_admin, rbp_qa;
GRANT EXECUTE ON FUNCTION rbp.act_on_safety_signal(uuid, text, timestamptz) TO rbp_qa;
