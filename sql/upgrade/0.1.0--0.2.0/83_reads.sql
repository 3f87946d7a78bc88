-- Issue 18: reads under access control at the speed of the hand-written query (same definitions
-- as sql/install/20_model.sql and 38_rls.sql).
--
-- Answers and supervision reviews carry their response's authority, copied by a trigger, so that
-- QA's row-level security policies on them decide on the row alone instead of looking up the
-- response for every row. Existing rows take their response's authority here (one pass over
-- rbp.answer: a large table is rewritten once; VACUUM it afterwards, doc/dba.md).
ALTER TABLE rbp.answer ADD COLUMN authority_id smallint;
UPDATE rbp.answer a SET authority_id = r.authority_id FROM rbp.response r WHERE r.response_id = a.response_id;
ALTER TABLE rbp.answer ALTER COLUMN authority_id SET NOT NULL;
COMMENT ON COLUMN rbp.answer.authority_id IS
    'The response''s authority, always copied from it (trigger rbp.copy_response_authority), so that row-level security decides on the row alone; smallint fits the row''s alignment padding';
ALTER TABLE rbp.supervision_review ADD COLUMN authority_id smallint;
UPDATE rbp.supervision_review v SET authority_id = r.authority_id FROM rbp.response r WHERE r.response_id = v.response_id;
ALTER TABLE rbp.supervision_review ALTER COLUMN authority_id SET NOT NULL;
COMMENT ON COLUMN rbp.supervision_review.authority_id IS
    'The response''s authority, always copied from it (trigger rbp.copy_response_authority), so that row-level security decides on the row alone';

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
ALTER POLICY answer_qa ON rbp.answer
    USING (authority_id = ANY ((SELECT rbp.current_qa_authorities())::integer[]));
ALTER POLICY review_qa ON rbp.supervision_review
    USING (authority_id = ANY ((SELECT rbp.current_qa_authorities())::integer[]));

-- The staff reads are planned for the caller's id (no forced generic plan); rbp.my_answers(): one
-- query, planned whole, instead of the rows of my_feedback() and my_inbox().
CREATE OR REPLACE FUNCTION rbp.my_feedback()
    RETURNS TABLE (response_id uuid, anonymity rbp.anonymity, respondent_kind rbp.respondent_kind,
                   channel rbp.response_channel, instrument_id integer, period date, team_id integer,
                   worker_id integer, submitted_on date, released_on date,
                   reviewed_on date, celebrated boolean, support_offered rbp.support_offer[])
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, rbp, pg_temp
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

CREATE OR REPLACE FUNCTION rbp.my_inbox()
    RETURNS TABLE (response_id uuid, anonymity rbp.anonymity, respondent_kind rbp.respondent_kind,
                   channel rbp.response_channel, instrument_id integer, period date, team_id integer,
                   worker_id integer, submitted_on date, released_on date, route_id uuid, routed_on date,
                   recipient_kind rbp.recipient_kind, reviewed_on date, celebrated boolean,
                   support_offered rbp.support_offer[])
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, rbp, pg_temp
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

CREATE OR REPLACE FUNCTION rbp.my_answers()
    RETURNS TABLE (response_id uuid, question_id integer, question text, score rbp.likert, free_text text)
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, rbp, pg_temp
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


-- The report views' labels as inlinable expressions (same results; sql/install/60_reports.sql).
-- The two labels are single expressions of immutable built-ins (extract on a date, lpad; no
-- to_char, which is only stable; not STRICT: they return NULL for a NULL argument themselves), so
-- that the planner inlines them into the report views: called as SQL functions they cost tens of
-- microseconds a row, more for a report writer than for a superuser (issue 18). Checked equal to
-- the to_char forms they replace for every kind, month of year start and day from 1900 to 2100.
CREATE OR REPLACE FUNCTION rbp.report_period_label(p_kind text, p_start date, p_year_start_month integer) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN CASE WHEN p_start IS NULL OR p_year_start_month IS NULL THEN NULL
                WHEN p_kind = 'month'
                THEN lpad(extract(year FROM p_start)::integer::text, greatest(4, length(extract(year FROM p_start)::integer::text)), '0')
                     || '-' || lpad(extract(month FROM p_start)::integer::text, 2, '0')
                WHEN p_kind = 'quarter'
                THEN lpad(extract(year FROM p_start)::integer::text, greatest(4, length(extract(year FROM p_start)::integer::text)), '0')
                     || '-Q' || extract(quarter FROM p_start)::integer::text
                WHEN p_kind = 'year'
                THEN lpad(extract(year FROM p_start)::integer::text, greatest(4, length(extract(year FROM p_start)::integer::text)), '0')
                     || CASE WHEN p_year_start_month = 1 THEN ''
                             ELSE '-' || lpad(((extract(year FROM p_start)::integer + 1) % 100)::text, 2, '0') END
           END;
COMMENT ON FUNCTION rbp.report_period_label(text, date, integer) IS
    'Calendar label of a published period: 2026-04, 2026-Q2, 2026 (a year starting in another month: 2026-27)';

CREATE OR REPLACE FUNCTION rbp.report_fy_label(p_kind text, p_start date, p_year_start_month integer) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN CASE WHEN p_kind IS NULL OR p_start IS NULL OR p_year_start_month IS NULL THEN NULL
           ELSE lpad(extract(year FROM rbp.report_year_start(p_start, p_year_start_month))::integer::text,
                     greatest(4, length(extract(year FROM rbp.report_year_start(p_start, p_year_start_month))::integer::text)), '0')
                || CASE WHEN p_year_start_month = 1 THEN ''
                        ELSE '-' || lpad(((extract(year FROM rbp.report_year_start(p_start, p_year_start_month))::integer + 1) % 100)::text, 2, '0') END
                || CASE p_kind
                     WHEN 'month' THEN ' M' || lpad(((extract(year FROM p_start) - extract(year FROM rbp.report_year_start(p_start, p_year_start_month))) * 12
                                                     + extract(month FROM p_start) - extract(month FROM rbp.report_year_start(p_start, p_year_start_month)) + 1)::integer::text, 2, '0')
                     WHEN 'quarter' THEN ' Q' || (((extract(year FROM p_start) - extract(year FROM rbp.report_year_start(p_start, p_year_start_month))) * 12
                                                    + extract(month FROM p_start) - extract(month FROM rbp.report_year_start(p_start, p_year_start_month)))::integer / 3 + 1)::text
                     ELSE '' END
           END;
COMMENT ON FUNCTION rbp.report_fy_label(text, date, integer) IS
    'Reporting-year label of a published period for an authority whose year starts in p_year_start_month: 2026-27 Q1, 2026-27 M01, 2026-27 (calendar years: 2026 Q2)';
