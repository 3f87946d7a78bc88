-- Who reads what (guarantee G4). Nobody writes a table directly: every change goes through the API
-- functions. Reads:
--   rbp_staff   no feedback table at all: rbp.my_feedback(), rbp.my_inbox() and rbp.my_answers()
--               return released named and worker-only feedback about them or currently routed to
--               them, without QA's notes, escalation flag or exact dates of worker-only feedback;
--               the directory (teams, staff, supervision, managers) of their own authority;
--   rbp_qa      all feedback of the authorities an administrator mapped them to (anonymous
--               included) under row-level security, or through rbp.qa_feedback() and
--               rbp.qa_worker_summary(); their families, involvements, invitations, themes, actions;
--   rbp_admin   the structure (authorities, teams, staff, supervision, instruments), no feedback;
--   rbp_report_writer, rbp_case_system, rbp_survey_intake: no table at all.
-- The caller's identity is resolved once per query: each policy wraps the identity function in a
-- sub-select (an InitPlan), each reading function resolves it into a variable; the access rules come from
-- 25_identity.sql (rbp.visible_to_staff, rbp.current_staff_id, rbp.current_qa_authorities).

-- The authorities whose directory (teams, staff, supervision, managers) the caller reads: their
-- own as a member of staff (a login of rbp_staff the case system registered), and those an
-- administrator mapped them to as QA. A staff record alone opens nothing to a login that is not a
-- staff login: the case system registers QA officers too (p_is_qa, so that their reviews carry their
-- name), and that must not open an authority's directory that no administrator mapped the QA login
-- to (red-team finding F6).
CREATE FUNCTION rbp.directory_authorities() RETURNS integer[]
    LANGUAGE plpgsql STABLE SECURITY DEFINER PARALLEL SAFE
    SUPPORT rbp.stats_guard_support
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$ BEGIN
    RETURN ARRAY(SELECT authority_id FROM rbp.staff
                  WHERE db_role = rbp.calling_login() AND pg_catalog.pg_has_role(db_role::oid, 'rbp_staff', 'USAGE')
                 UNION SELECT unnest(rbp.acting_authorities('qa')));
END $$;
COMMENT ON FUNCTION rbp.directory_authorities() IS
    'The authorities whose teams, staff and supervision the caller reads: their own as a member of staff (a login of rbp_staff), and those an administrator mapped them to as QA';
REVOKE ALL ON FUNCTION rbp.directory_authorities() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION rbp.directory_authorities() TO rbp_staff, rbp_qa;

GRANT SELECT ON rbp.authority, rbp.team, rbp.staff, rbp.supervision, rbp.team_manager,
                rbp.instrument, rbp.question, rbp.glossary_term, rbp.support_option
    TO rbp_admin, rbp_qa, rbp_staff;
GRANT SELECT ON rbp.setting TO rbp_admin;

-- Directory data: administrators all; staff and QA their authorities.
ALTER TABLE rbp.team ENABLE ROW LEVEL SECURITY;
ALTER TABLE rbp.staff ENABLE ROW LEVEL SECURITY;
ALTER TABLE rbp.supervision ENABLE ROW LEVEL SECURITY;
ALTER TABLE rbp.team_manager ENABLE ROW LEVEL SECURITY;
CREATE POLICY team_admin ON rbp.team FOR SELECT TO rbp_admin USING (true);
CREATE POLICY team_directory ON rbp.team FOR SELECT TO rbp_qa, rbp_staff
    USING (authority_id = ANY ((SELECT rbp.directory_authorities())::integer[]));
CREATE POLICY staff_admin ON rbp.staff FOR SELECT TO rbp_admin USING (true);
CREATE POLICY staff_directory ON rbp.staff FOR SELECT TO rbp_qa, rbp_staff
    USING (authority_id = ANY ((SELECT rbp.directory_authorities())::integer[]));
CREATE POLICY supervision_admin ON rbp.supervision FOR SELECT TO rbp_admin USING (true);
CREATE POLICY supervision_directory ON rbp.supervision FOR SELECT TO rbp_qa, rbp_staff
    USING (authority_id = ANY ((SELECT rbp.directory_authorities())::integer[]));
CREATE POLICY team_manager_admin ON rbp.team_manager FOR SELECT TO rbp_admin USING (true);
CREATE POLICY team_manager_directory ON rbp.team_manager FOR SELECT TO rbp_qa, rbp_staff
    USING (authority_id = ANY ((SELECT rbp.directory_authorities())::integer[]));

-- Identifying tables: QA of the authority only.
GRANT SELECT ON rbp.family, rbp.respondent, rbp.involvement, rbp.allocation, rbp.invitation TO rbp_qa;
ALTER TABLE rbp.family ENABLE ROW LEVEL SECURITY;
ALTER TABLE rbp.respondent ENABLE ROW LEVEL SECURITY;
ALTER TABLE rbp.involvement ENABLE ROW LEVEL SECURITY;
ALTER TABLE rbp.allocation ENABLE ROW LEVEL SECURITY;
ALTER TABLE rbp.invitation ENABLE ROW LEVEL SECURITY;
CREATE POLICY family_qa ON rbp.family FOR SELECT TO rbp_qa
    USING (authority_id = ANY ((SELECT rbp.current_qa_authorities())::integer[]));
CREATE POLICY respondent_qa ON rbp.respondent FOR SELECT TO rbp_qa
    USING (authority_id = ANY ((SELECT rbp.current_qa_authorities())::integer[]));
CREATE POLICY involvement_qa ON rbp.involvement FOR SELECT TO rbp_qa
    USING (authority_id = ANY ((SELECT rbp.current_qa_authorities())::integer[]));
CREATE POLICY allocation_qa ON rbp.allocation FOR SELECT TO rbp_qa
    USING (authority_id = ANY ((SELECT rbp.current_qa_authorities())::integer[]));
CREATE POLICY invitation_qa ON rbp.invitation FOR SELECT TO rbp_qa
    USING (authority_id = ANY ((SELECT rbp.current_qa_authorities())::integer[]));

-- Feedback: QA of the authority under row-level security; staff through the functions below only.
GRANT SELECT ON rbp.response, rbp.answer, rbp.route, rbp.supervision_review TO rbp_qa;
ALTER TABLE rbp.response ENABLE ROW LEVEL SECURITY;
ALTER TABLE rbp.answer ENABLE ROW LEVEL SECURITY;
ALTER TABLE rbp.route ENABLE ROW LEVEL SECURITY;
ALTER TABLE rbp.supervision_review ENABLE ROW LEVEL SECURITY;
CREATE POLICY response_qa ON rbp.response FOR SELECT TO rbp_qa
    USING (authority_id = ANY ((SELECT rbp.current_qa_authorities())::integer[]));
-- An answer or a review carries its response's authority, copied from the response by the
-- trigger below whatever the writer gives, so it is visible exactly when its response is; the
-- policy decides on the row alone, with the authorities resolved once per query (a policy that
-- looked the response up would run a sub-query for every answer, issue 18).
CREATE FUNCTION rbp.copy_response_authority() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
BEGIN
    NEW.authority_id := (SELECT r.authority_id FROM rbp.response r WHERE r.response_id = NEW.response_id);
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION rbp.copy_response_authority() IS
    'Trigger: an answer or a supervision review takes its response''s authority, whatever the writer gives (row-level security reads it)';
REVOKE ALL ON FUNCTION rbp.copy_response_authority() FROM PUBLIC;
CREATE TRIGGER answer_authority BEFORE INSERT OR UPDATE OF response_id, authority_id ON rbp.answer
    FOR EACH ROW EXECUTE FUNCTION rbp.copy_response_authority();
CREATE TRIGGER supervision_review_authority BEFORE INSERT OR UPDATE OF response_id, authority_id ON rbp.supervision_review
    FOR EACH ROW EXECUTE FUNCTION rbp.copy_response_authority();
COMMENT ON TRIGGER answer_authority ON rbp.answer IS 'Copies the response''s authority into the answer (rbp.copy_response_authority)';
COMMENT ON TRIGGER supervision_review_authority ON rbp.supervision_review IS 'Copies the response''s authority into the review (rbp.copy_response_authority)';
CREATE POLICY answer_qa ON rbp.answer FOR SELECT TO rbp_qa
    USING (authority_id = ANY ((SELECT rbp.current_qa_authorities())::integer[]));
CREATE POLICY route_qa ON rbp.route FOR SELECT TO rbp_qa
    USING (authority_id = ANY ((SELECT rbp.current_qa_authorities())::integer[]));
CREATE POLICY review_qa ON rbp.supervision_review FOR SELECT TO rbp_qa
    USING (authority_id = ANY ((SELECT rbp.current_qa_authorities())::integer[]));

-- QA's own work.
GRANT SELECT ON rbp.theme, rbp.response_theme, rbp.action, rbp.feedback_loop, rbp.focus_group TO rbp_qa;
ALTER TABLE rbp.theme ENABLE ROW LEVEL SECURITY;
ALTER TABLE rbp.response_theme ENABLE ROW LEVEL SECURITY;
ALTER TABLE rbp.action ENABLE ROW LEVEL SECURITY;
ALTER TABLE rbp.feedback_loop ENABLE ROW LEVEL SECURITY;
ALTER TABLE rbp.focus_group ENABLE ROW LEVEL SECURITY;
CREATE POLICY theme_qa ON rbp.theme FOR SELECT TO rbp_qa
    USING (authority_id = ANY ((SELECT rbp.current_qa_authorities())::integer[]));
CREATE POLICY response_theme_qa ON rbp.response_theme FOR SELECT TO rbp_qa
    USING (EXISTS (SELECT FROM rbp.theme t WHERE t.theme_id = response_theme.theme_id));
CREATE POLICY action_qa ON rbp.action FOR SELECT TO rbp_qa
    USING (authority_id = ANY ((SELECT rbp.current_qa_authorities())::integer[]));
CREATE POLICY feedback_loop_qa ON rbp.feedback_loop FOR SELECT TO rbp_qa
    USING (EXISTS (SELECT FROM rbp.action a WHERE a.action_id = feedback_loop.action_id));
CREATE POLICY focus_group_qa ON rbp.focus_group FOR SELECT TO rbp_qa
    USING (authority_id = ANY ((SELECT rbp.current_qa_authorities())::integer[]));

-- What staff read. Set-returning SECURITY DEFINER PL/pgSQL functions (never inlined; every column
-- is qualified, as the OUT parameters share their names): a caller's EXPLAIN shows one Function
-- Scan, so plans, row counters and errors say nothing about other rows. The caller's staff id (or
-- QA's authorities) is resolved once, into a variable, before the query; the predicates are those a
-- DBA would write (route_recipient, response_worker and primary-key indexes), and each call is
-- planned for the caller's actual id and arguments (plan_cache_mode = force_custom_plan), as the
-- planner sees a hand-written query. A cached generic plan assumes every caller has an average
-- supervisor's inbox, and would start parallel workers for a worker who has nothing routed to them;
-- and PL/pgSQL would switch to it after five calls when it looks no dearer than the average of the
-- custom plans so far: after a few summaries of all periods, QA's summary of one quarter ran the
-- generic plan's sequential scans (2.31x the hand-written query at full size, issue 18). QA's note
-- and escalation flag are never returned; for worker-only feedback neither the submission, release
-- nor routing date is (the month, period, is).
CREATE FUNCTION rbp.my_feedback()
    RETURNS TABLE (response_id uuid, anonymity rbp.anonymity, respondent_kind rbp.respondent_kind,
                   channel rbp.response_channel, instrument_id integer, period date, team_id integer,
                   worker_id integer, submitted_on date, released_on date,
                   reviewed_on date, celebrated boolean, support_offered rbp.support_offer[])
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, rbp, pg_temp
    SET plan_cache_mode = force_custom_plan
    AS $$
DECLARE
    v_me integer := rbp.current_staff_id();
BEGIN
    RETURN QUERY
    SELECT r.response_id, r.anonymity, r.respondent_kind, r.channel, r.instrument_id, r.period, r.team_id, r.worker_id,
           CASE WHEN r.anonymity = 'named' THEN r.submitted_on END,
           CASE WHEN r.anonymity = 'named' THEN r.qa_status_on END,
           v.reviewed_on, v.celebrated, v.support_offered
      FROM rbp.response r
      LEFT JOIN rbp.supervision_review v ON v.response_id = r.response_id
     WHERE r.worker_id = v_me AND rbp.visible_to_staff(r.qa_status, r.anonymity);
END
$$;
COMMENT ON FUNCTION rbp.my_feedback() IS
    'Staff: released named and worker-only feedback about the caller (exact dates of named feedback only; never QA''s notes), with its supervision review if recorded';

CREATE FUNCTION rbp.my_inbox()
    RETURNS TABLE (response_id uuid, anonymity rbp.anonymity, respondent_kind rbp.respondent_kind,
                   channel rbp.response_channel, instrument_id integer, period date, team_id integer,
                   worker_id integer, submitted_on date, released_on date, route_id uuid, routed_on date,
                   recipient_kind rbp.recipient_kind, reviewed_on date, celebrated boolean,
                   support_offered rbp.support_offer[])
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, rbp, pg_temp
    SET plan_cache_mode = force_custom_plan
    AS $$
DECLARE
    v_me integer := rbp.current_staff_id();
BEGIN
    RETURN QUERY
    SELECT r.response_id, r.anonymity, r.respondent_kind, r.channel, r.instrument_id, r.period, r.team_id, r.worker_id,
           CASE WHEN r.anonymity = 'named' THEN r.submitted_on END,
           CASE WHEN r.anonymity = 'named' THEN r.qa_status_on END,
           rt.route_id,
           CASE WHEN r.anonymity = 'named' THEN rt.routed_on END,
           rt.recipient_kind, v.reviewed_on, v.celebrated, v.support_offered
      FROM rbp.route rt
      JOIN rbp.response r ON r.response_id = rt.response_id
      LEFT JOIN rbp.supervision_review v ON v.response_id = r.response_id
     WHERE rt.recipient_id = v_me AND rt.superseded_on IS NULL AND rbp.visible_to_staff(r.qa_status, r.anonymity);
END
$$;
COMMENT ON FUNCTION rbp.my_inbox() IS
    'Staff: released named and worker-only feedback currently routed to the caller for review (reviewed_on NULL: review still to record)';

CREATE FUNCTION rbp.my_answers()
    RETURNS TABLE (response_id uuid, question_id integer, question text, score rbp.likert, free_text text)
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, rbp, pg_temp
    SET plan_cache_mode = force_custom_plan
    AS $$
DECLARE
    v_me integer := rbp.current_staff_id();
BEGIN
    -- The responses of rbp.my_feedback() (about me) and rbp.my_inbox() (currently routed to me),
    -- with their conditions, in one query the planner sees whole (calling the two functions
    -- would materialise their rows and hide their size): test/sql/32_rls.sql checks that the
    -- answers are exactly those of the two functions' responses.
    RETURN QUERY
    SELECT a.response_id, a.question_id, q.code, a.score, a.free_text
      FROM rbp.answer a
      JOIN rbp.question q ON q.question_id = a.question_id
     WHERE a.response_id IN (SELECT f.response_id FROM rbp.response f
                              WHERE f.worker_id = v_me AND rbp.visible_to_staff(f.qa_status, f.anonymity)
                             UNION ALL
                             SELECT i.response_id FROM rbp.route rt JOIN rbp.response i ON i.response_id = rt.response_id
                              WHERE rt.recipient_id = v_me AND rt.superseded_on IS NULL
                                AND rbp.visible_to_staff(i.qa_status, i.anonymity));
END
$$;
COMMENT ON FUNCTION rbp.my_answers() IS 'Staff: the answers of the feedback rbp.my_feedback() and rbp.my_inbox() return';

-- What QA reads without touching the tables (same rows as the policies above allow).
CREATE FUNCTION rbp.qa_feedback()
    RETURNS TABLE (response_id uuid, authority_id integer, anonymity rbp.anonymity, respondent_kind rbp.respondent_kind,
                   channel rbp.response_channel, instrument_id integer, period date, team_id integer,
                   worker_id integer, respondent_id integer, submitted_on date, qa_status rbp.qa_status,
                   qa_status_on date, qa_note text, escalated boolean, recipient_kind rbp.recipient_kind,
                   recipient_id integer, reviewed_on date)
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, rbp, pg_temp
    SET plan_cache_mode = force_custom_plan
    AS $$
DECLARE
    v_authorities integer[] := rbp.current_qa_authorities();
BEGIN
    RETURN QUERY
    SELECT r.response_id, r.authority_id, r.anonymity, r.respondent_kind, r.channel, r.instrument_id, r.period,
           r.team_id, r.worker_id, r.respondent_id, r.submitted_on, r.qa_status, r.qa_status_on, r.qa_note,
           r.escalated, rt.recipient_kind, rt.recipient_id, v.reviewed_on
      FROM rbp.response r
      LEFT JOIN rbp.route rt ON rt.response_id = r.response_id AND rt.superseded_on IS NULL
      LEFT JOIN rbp.supervision_review v ON v.response_id = r.response_id
     WHERE r.authority_id = ANY (v_authorities);
END
$$;
COMMENT ON FUNCTION rbp.qa_feedback() IS
    'QA: every response of the authorities the caller serves as QA (anonymous included), with QA status, note, current recipient and review date';

CREATE FUNCTION rbp.qa_worker_summary(p_from date DEFAULT NULL, p_to date DEFAULT NULL)
    RETURNS TABLE (authority_id integer, worker_id integer, responses bigint, scored_answers bigint, mean_score numeric)
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, rbp, pg_temp
    SET plan_cache_mode = force_custom_plan
    AS $$
DECLARE
    v_authorities integer[] := rbp.current_qa_authorities();
BEGIN
    RETURN QUERY
    SELECT r.authority_id, r.worker_id, count(DISTINCT r.response_id), count(a.score),
           round(avg(rbp.likert_value(a.score)), 2)
      FROM rbp.response r
      LEFT JOIN rbp.answer a ON a.response_id = r.response_id
     WHERE r.authority_id = ANY (v_authorities) AND r.worker_id IS NOT NULL
       AND (p_from IS NULL OR r.period >= p_from) AND (p_to IS NULL OR r.period <= p_to)
     GROUP BY r.authority_id, r.worker_id;
END
$$;
COMMENT ON FUNCTION rbp.qa_worker_summary(date, date) IS
    'QA: per worker of the authorities the caller serves, the number of named and worker-only responses, scored answers and mean score (periods between p_from and p_to, inclusive, when given)';

-- Whether the caller may read one response: QA of its authority, or staff it is visible to through
-- rbp.my_feedback()/rbp.my_inbox(). For functions that return one response in another shape
-- (rbp.response_as_fhir).
CREATE FUNCTION rbp.readable_response(p_response_id uuid) RETURNS boolean
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
BEGIN
    RETURN EXISTS (SELECT FROM rbp.response r WHERE r.response_id = p_response_id
                      AND r.authority_id = ANY (rbp.current_qa_authorities()))
        OR EXISTS (SELECT FROM rbp.my_feedback() f WHERE f.response_id = p_response_id)
        OR EXISTS (SELECT FROM rbp.my_inbox() i WHERE i.response_id = p_response_id);
END
$$;
COMMENT ON FUNCTION rbp.readable_response(uuid) IS
    'Whether the caller may read this response: QA of its authority, or staff it is released to (about them or routed to them)';
REVOKE ALL ON FUNCTION rbp.readable_response(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION rbp.readable_response(uuid) TO rbp_staff, rbp_qa;

REVOKE ALL ON FUNCTION rbp.my_feedback(), rbp.my_inbox(), rbp.my_answers(), rbp.qa_feedback(),
    rbp.qa_worker_summary(date, date) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION rbp.my_feedback(), rbp.my_inbox(), rbp.my_answers() TO rbp_staff;
GRANT EXECUTE ON FUNCTION rbp.qa_feedback(), rbp.qa_worker_summary(date, date) TO rbp_qa;
