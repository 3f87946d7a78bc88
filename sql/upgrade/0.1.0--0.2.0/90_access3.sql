-- Issue 11, third part (the access helper): red-team findings F12, F6 and F13.
-- F12: "who may review an item" (rbp.may_review) takes the authority of the reviewer's staff record:
-- a review is recorded only under a staff record of the item's own authority. Its signature changes,
-- so the old one is dropped; rbp.record_supervision_review passes the new argument.
-- F6: rbp.directory_authorities() opens the caller's own authority's directory only to staff logins
-- (rbp_staff); a QA login reads the directories of the authorities an administrator mapped it to.
-- F13: planner statistics are withheld from queries restricted by row-level security
-- (src/stats_guard.c); the identity functions the policies call name the support function that
-- loads the library while planning.
-- Same definitions as sql/install/24_stats_guard.sql, 25_identity.sql, 33_qa.sql and 38_rls.sql.
-- This piece runs after 87_null_arguments.sql, so its rbp.record_supervision_review is the one that
-- stays (87 is regenerated with the same text).
DROP FUNCTION rbp.may_review(rbp.recipient_kind, integer, integer, integer, integer, integer[]);
CREATE FUNCTION rbp.may_review(p_recipient_kind rbp.recipient_kind, p_recipient_id integer, p_authority_id integer,
                               p_worker_id integer, p_me integer, p_my_authority_id integer,
                               p_qa_authorities integer[]) RETURNS boolean
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
    SELECT coalesce(p_me IS NOT NULL AND p_me IS DISTINCT FROM p_worker_id
                    AND p_my_authority_id = p_authority_id
                    AND CASE p_recipient_kind
                            WHEN 'qa_team' THEN p_authority_id = ANY (p_qa_authorities)
                            ELSE p_recipient_id = p_me END, false)
$$;
COMMENT ON FUNCTION rbp.may_review(rbp.recipient_kind, integer, integer, integer, integer, integer, integer[]) IS
    'Rule "who may review an item": its current recipient, or QA of its authority for items routed to the QA team; only under a staff record of the item''s authority; never the worker it is about; false (never NULL) when anything is unknown';

CREATE OR REPLACE FUNCTION rbp.record_supervision_review(p_response_id uuid, p_celebrated boolean,
                                              p_support_offered rbp.support_offer[] DEFAULT '{}',
                                              p_notes text DEFAULT NULL, p_reviewed_on date DEFAULT current_date)
    RETURNS void
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    v_me integer := rbp.current_staff_id();
    v_my_authority integer := (SELECT s.authority_id FROM rbp.staff s WHERE s.staff_id = v_me);
    v_found boolean;
    v_reached date;
BEGIN
    PERFORM rbp.require_not_future(p_reviewed_on, 'p_reviewed_on');
    -- The day QA released the item to staff: no review can have happened before it. (Not the day
    -- of routing: a supervision recorded late reroutes as of the day it is recorded.)
    SELECT true, r.qa_status_on INTO v_found, v_reached FROM rbp.route rt JOIN rbp.response r USING (response_id)
     WHERE rt.response_id = p_response_id AND rt.superseded_on IS NULL
       AND rbp.visible_to_staff(r.qa_status, r.anonymity)
       AND rbp.may_review(rt.recipient_kind, rt.recipient_id, rt.authority_id, r.worker_id, v_me, v_my_authority,
                          rbp.current_qa_authorities())
       AND NOT EXISTS (SELECT FROM rbp.supervision_review v WHERE v.response_id = rt.response_id)
       FOR UPDATE OF rt;
    IF v_found IS NULL THEN
        RAISE EXCEPTION 'no feedback awaiting your review with this id' USING ERRCODE = 'no_data_found';
    END IF;
    IF p_celebrated IS NULL THEN
        RAISE EXCEPTION 'say whether good practice was celebrated' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF p_reviewed_on < v_reached THEN
        RAISE EXCEPTION 'a review cannot be dated %, before QA released the feedback on %', p_reviewed_on, v_reached
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Give the day the review took place (by default today).';
    END IF;
    INSERT INTO rbp.supervision_review (response_id, reviewer_id, reviewed_on, celebrated, support_offered, notes)
    VALUES (p_response_id, v_me, coalesce(p_reviewed_on, current_date), p_celebrated, coalesce(p_support_offered, '{}'), p_notes);
END
$$;
COMMENT ON FUNCTION rbp.record_supervision_review(uuid, boolean, rbp.support_offer[], text, date) IS
    'Supervisor (or QA, for items routed to the QA team): record the supervision review of released feedback routed to you — celebrated, and support offered';

CREATE FUNCTION rbp.stats_guard_support(internal) RETURNS internal
    AS 'MODULE_PATHNAME', 'stats_guard_support' LANGUAGE C STRICT;
COMMENT ON FUNCTION rbp.stats_guard_support(internal) IS
    'Internal planner support function of the identity functions the row-level security policies call: planning a call loads the library, whose hooks withhold every column statistic from queries restricted by row-level security';
ALTER FUNCTION rbp.current_qa_authorities() SUPPORT rbp.stats_guard_support;
ALTER FUNCTION rbp.acting_scope(rbp.login_kind) SUPPORT rbp.stats_guard_support;

CREATE OR REPLACE FUNCTION rbp.directory_authorities() RETURNS integer[]
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
