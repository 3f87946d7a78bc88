-- Upgrade 0.1.0 -> 0.2.0, anonymity, second part (issue 10, after 80_review): release rules that
-- hold against a reader who combines every release (worker-only candidates counted per worker's
-- own anonymous windows; anonymous batches show channel and team only where nothing was
-- worker-only), the release acts for the caller's authorities only, a handover notifies once per
-- recipient, privacy_check reports every login that can read sizes and counters. Same definitions
-- as sql/install/40_anonymous.sql, 32_routing.sql and 41_privacy_check.sql.

-- Worker-only feedback held at the upgrade: its window's invitations are not known to have been
-- used worker-only, so they count again from its worker's next worker-only submission.
ALTER TABLE rbp.release_window ADD COLUMN worker_only boolean;
UPDATE rbp.release_window SET worker_only = false;
ALTER TABLE rbp.release_window ALTER COLUMN worker_only SET NOT NULL;
COMMENT ON TABLE rbp.release_window IS
    'Internal: one row per used invitation since the last worker-only release of its worker, instrument and respondent kind (team, whether a named response explains it, whether it was used worker-only); no invitation; readable by no role';

-- Every used invitation of a group's current anonymous window gets a row of rbp.worker_only_use,
-- at every level alike (red-team finding F8); the rows kept from 0.2.0's first part were all
-- worker-only uses.
ALTER TABLE rbp.worker_only_use ADD COLUMN worker_only boolean;
UPDATE rbp.worker_only_use SET worker_only = true;
ALTER TABLE rbp.worker_only_use ALTER COLUMN worker_only SET NOT NULL;
COMMENT ON TABLE rbp.worker_only_use IS
    'Internal: one row per used invitation of a group''s current anonymous window, at every level, saying whether it was used worker-only; no invitation, no worker; readable by no role';
COMMENT ON COLUMN rbp.worker_only_use.worker_only IS 'True when the invitation was used worker-only';
COMMENT ON COLUMN rbp.release_window.worker_only IS 'True when the invitation was used worker-only (the worker''s held batch has a response of this anonymous window)';

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

CREATE OR REPLACE FUNCTION rbp.worker_only_candidates(p_authority_id integer, p_worker_id integer, p_instrument_id integer,
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

CREATE OR REPLACE FUNCTION rbp.release_held_feedback(p_on date DEFAULT current_date) RETURNS void
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

CREATE FUNCTION rbp.notify_handover(p_moved uuid[]) RETURNS void
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    v_route uuid;
BEGIN
    FOR v_route IN
        SELECT DISTINCT ON (rt.authority_id, rt.recipient_kind, rt.recipient_id) rt.route_id
          FROM rbp.route rt JOIN rbp.response r ON r.response_id = rt.response_id
         WHERE rt.response_id = ANY (p_moved) AND rt.superseded_on IS NULL
           AND rbp.visible_to_staff(r.qa_status, r.anonymity)
         ORDER BY rt.authority_id, rt.recipient_kind, rt.recipient_id, rbp.release_key()
    LOOP
        PERFORM pg_notify('rbp_feedback_routed', v_route::text);
    END LOOP;
END
$$;
COMMENT ON FUNCTION rbp.notify_handover(uuid[]) IS
    'Internal rule "a handover notifies once per recipient": one NOTIFY rbp_feedback_routed per new recipient of the moved items visible to staff, payload the route id of one of them at random; no count';
REVOKE ALL ON FUNCTION rbp.notify_handover(uuid[]) FROM PUBLIC;

CREATE OR REPLACE FUNCTION rbp.route_response(p_response_id uuid, p_on date, p_reason text) RETURNS boolean
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    v_response rbp.response;
    v_recipient rbp.recipient;
    v_current rbp.route;
    v_route uuid;
BEGIN
    SELECT * INTO v_response FROM rbp.response WHERE response_id = p_response_id;
    IF v_response.anonymity = 'anonymous' THEN
        RETURN false;   -- anonymous feedback is never attributed to a worker
    END IF;
    SELECT * INTO v_current FROM rbp.route WHERE response_id = p_response_id AND superseded_on IS NULL FOR UPDATE;
    -- Routing never goes back in time: not before the submission, not before the current route.
    IF p_on < v_response.submitted_on OR p_on < v_current.routed_on THEN
        RETURN false;
    END IF;
    v_recipient := rbp.responsible_for(v_response.worker_id, v_response.team_id, p_on);
    IF v_current.route_id IS NOT NULL THEN
        IF v_current.recipient_kind = v_recipient.recipient_kind
           AND v_current.recipient_id IS NOT DISTINCT FROM v_recipient.recipient_id THEN
            RETURN false;
        END IF;
        UPDATE rbp.route SET superseded_on = p_on WHERE route_id = v_current.route_id;
    END IF;
    INSERT INTO rbp.route (response_id, authority_id, recipient_kind, recipient_id, routed_on, reason)
    VALUES (p_response_id, v_response.authority_id, v_recipient.recipient_kind, v_recipient.recipient_id, p_on, p_reason)
    RETURNING route_id INTO v_route;
    -- A handover announces itself once per recipient (rbp.notify_handover), never item by item.
    IF p_reason <> 'supervision_change' THEN
        PERFORM rbp.notify_if_visible(p_response_id);
    END IF;
    RETURN true;
END
$$;
COMMENT ON FUNCTION rbp.route_response(uuid, date, text) IS 'Internal: route a named or worker-only response to whoever is responsible on a date, keeping the history; true when a new route was recorded (a supervision change notifies through rbp.notify_handover, not here)';
REVOKE ALL ON FUNCTION rbp.route_response(uuid, date, text) FROM PUBLIC;

CREATE OR REPLACE FUNCTION rbp.reroute_open_feedback(p_on date DEFAULT current_date, p_worker_id integer DEFAULT NULL)
    RETURNS void
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    v_response uuid;
    v_scope integer[] := rbp.acting_scope('case_system');
    v_moved uuid[] := '{}';
BEGIN
    PERFORM rbp.require_not_future(p_on, 'p_on');
    FOR v_response IN
        SELECT r.response_id FROM rbp.response r
         WHERE r.anonymity <> 'anonymous'
           AND (v_scope IS NULL OR r.authority_id = ANY (v_scope))
           AND (p_worker_id IS NULL OR r.worker_id = p_worker_id)
           AND NOT EXISTS (SELECT FROM rbp.supervision_review v WHERE v.response_id = r.response_id)
    LOOP
        IF rbp.route_response(v_response, p_on, 'supervision_change') THEN
            v_moved := v_moved || v_response;
        END IF;
    END LOOP;
    PERFORM rbp.notify_handover(v_moved);
END
$$;
COMMENT ON FUNCTION rbp.reroute_open_feedback(date, integer) IS
    'Move open (not yet reviewed) named and worker-only feedback of the authorities the caller acts for to whoever is responsible on the date (all workers, or one; not after today). Run daily from a scheduler. Returns nothing, and notifies once per new recipient (rbp.notify_handover), not per item: a per-worker count would tell how much feedback a worker has';
REVOKE ALL ON FUNCTION rbp.reroute_open_feedback(date, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION rbp.reroute_open_feedback(date, integer) TO rbp_case_system, rbp_admin;

CREATE OR REPLACE FUNCTION rbp.hardening_targets()
    RETURNS TABLE (channel text, object_kind text, object_name text)
    LANGUAGE sql STABLE
    SET search_path = pg_catalog, pg_temp
    AS $$
    SELECT CASE WHEN c.relname ~ 'functions$' THEN 'function_call_counters' ELSE 'table_activity_counters' END,
           'view', c.oid::regclass::text
      FROM pg_class c
     WHERE c.relnamespace = 'pg_catalog'::regnamespace AND c.relkind = 'v'
       AND (c.relname ~ '^pg_stat(io)?_(xact_)?(all|user|sys)_(tables|indexes|sequences|functions)$'
            OR c.relname IN ('pg_stat_database', 'pg_stat_wal'))
    UNION ALL
    SELECT CASE WHEN p.proname ~ '^pg_stat_get_(xact_)?function_' THEN 'function_call_counters' ELSE 'table_activity_counters' END,
           'function', p.oid::regprocedure::text
      FROM pg_proc p
     WHERE p.pronamespace = 'pg_catalog'::regnamespace AND p.proname LIKE 'pg\_stat\_get\_%'
       AND p.pronargs = 1 AND p.proargtypes[0] = 'oid'::regtype
       AND p.proname !~ '^pg_stat_get_(subscription|replication_slot)'
    UNION ALL
    SELECT 'table_activity_counters', 'function', f
      FROM unnest(ARRAY['pg_stat_get_wal()', 'pg_current_wal_lsn()', 'pg_current_wal_insert_lsn()', 'pg_current_wal_flush_lsn()']) AS f
    UNION ALL
    SELECT 'lock_view', 'view', 'pg_locks'
    UNION ALL
    SELECT 'lock_view', 'function', 'pg_lock_status()'
    UNION ALL
    SELECT 'relation_sizes', 'function', f
      FROM unnest(ARRAY['pg_relation_size(regclass)', 'pg_relation_size(regclass,text)', 'pg_total_relation_size(regclass)',
                        'pg_table_size(regclass)', 'pg_indexes_size(regclass)',
                        'pg_database_size(oid)', 'pg_database_size(name)', 'pg_tablespace_size(oid)', 'pg_tablespace_size(name)']) AS f
    UNION ALL
    SELECT 'commit_timestamps', 'function', f
      FROM unnest(ARRAY['pg_xact_commit_timestamp(xid)', 'pg_xact_commit_timestamp_origin(xid)', 'pg_last_committed_xact()']) AS f
    ORDER BY 1, 2, 3
$$;
COMMENT ON FUNCTION rbp.hardening_targets() IS
    'The catalog views and functions, usable by every role by default, that show activity, locks, sizes or commit times of tables a role cannot read: what rbp.privacy_check() checks and rbp.harden() revokes';
REVOKE ALL ON FUNCTION rbp.hardening_targets() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION rbp.hardening_targets() TO rbp_admin;

CREATE OR REPLACE FUNCTION rbp.unhardened(p_channel text) RETURNS text
    LANGUAGE sql STABLE
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
    SELECT string_agg(DISTINCT t.object_name || ' (' || g.who || ')', ', ')
      FROM rbp.hardening_targets() t,
           (SELECT 'public' AS who
            UNION ALL
            SELECT rolname FROM pg_roles
             WHERE rolname IN ('rbp_admin', 'rbp_qa', 'rbp_staff', 'rbp_report_writer', 'rbp_case_system', 'rbp_survey_intake')
                OR (rolcanlogin AND NOT rolsuper)) g
     WHERE t.channel = p_channel
       AND CASE t.object_kind WHEN 'view' THEN has_table_privilege(g.who, t.object_name, 'SELECT')
                              ELSE has_function_privilege(g.who, t.object_name, 'EXECUTE') END
$$;
COMMENT ON FUNCTION rbp.unhardened(text) IS 'Internal: the objects of a hardening channel that PUBLIC, a feedback_rbp role or a login other than a superuser can still use, each with who (NULL: none)';
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
    -- Libraries loaded into the submitting sessions: the server's, and those set per role or per
    -- database (session_preload_libraries, local_preload_libraries) with ALTER ROLE / DATABASE.
    SELECT v_preload || ',' || lower(coalesce(string_agg(coalesce(rbp.setting_for_role(o, 'session_preload_libraries'), '') || ','
                                                         || coalesce(rbp.setting_for_role(o, 'local_preload_libraries'), ''), ','), ''))
      INTO v_preload FROM unnest(v_sessions) AS o;

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
    -- The smallest log_min_duration a submitting session gets (set per role, per database or in
    -- the configuration), else this session's if auto_explain is loaded here.
    SELECT coalesce(min(x.ms::integer) FILTER (WHERE x.ms ~ '^-?[0-9]+$'),
                    CASE WHEN current_setting('auto_explain.log_min_duration', true) ~ '^-?[0-9]+$'
                         THEN current_setting('auto_explain.log_min_duration', true)::integer END)::text
      INTO v_value FROM unnest(v_sessions) AS o, LATERAL (SELECT rbp.setting_for_role(o, 'auto_explain.log_min_duration') AS ms) x;
    risk := 'auto_explain_logging'; severity := 'high';
    status := CASE WHEN (v_preload LIKE '%auto_explain%' OR coalesce(current_setting('auto_explain.log_min_duration', true), '') <> '')
                        AND coalesce(v_value, '-1')::integer >= 0
                   THEN 'at_risk' ELSE 'ok' END;
    detail := CASE WHEN v_preload LIKE '%auto_explain%' OR coalesce(current_setting('auto_explain.log_min_duration', true), '') <> ''
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
    risk := 'table_activity_counters'; severity := 'medium';
    status := CASE WHEN v_list IS NULL THEN 'ok' ELSE 'at_risk' END;
    detail := coalesce('readable by: ' || v_list,
                       'no login but a superuser can read per-table activity or I/O counters');
    advice := 'Counters (pg_stat_*, pg_statio_*) reveal the timing of anonymous and worker-only submissions: they show when a response or a held answer was written, so someone who knows when a family submitted (present at a home visit) learns whether it chose not to be named (never its answers). SELECT * FROM rbp.harden(p_apply => true) as a superuser revokes them from PUBLIC in this database and grants them to pg_read_all_stats; the same holds for pg_stat_statements call counts.';
    RETURN NEXT;

    -- 6c. Function call counters: with track_functions on in the submitting sessions,
    --     pg_stat_user_functions counts the calls of the holding function, live.
    SELECT string_agg(coalesce((SELECT rolname FROM pg_roles WHERE oid = o), 'server default'), ', ')
      INTO v_list2 FROM unnest(v_sessions) AS o WHERE rbp.setting_for_role(o, 'track_functions') <> 'none';
    v_list := rbp.unhardened('function_call_counters');
    risk := 'function_call_counters'; severity := 'medium';
    status := CASE WHEN v_list IS NULL OR v_list2 IS NULL THEN 'ok' ELSE 'at_risk' END;
    detail := format('track_functions on for: %s; readable by: %s',
                     coalesce(v_list2, 'none'), coalesce(v_list, 'none'));
    advice := 'Keep track_functions = none for the logins of rbp_survey_intake (ALTER ROLE <login> SET track_functions = none), or run rbp.harden(p_apply => true): pg_stat_user_functions would count each call of the holding function as a family submits.';
    RETURN NEXT;

    -- 6d. Commit timestamps: pg_xact_commit_timestamp(xmin) dates every row to the second.
    v_list := rbp.unhardened('commit_timestamps');
    risk := 'commit_timestamps'; severity := 'medium';
    status := CASE WHEN current_setting('track_commit_timestamp') = 'on' AND v_list IS NOT NULL THEN 'at_risk' ELSE 'ok' END;
    detail := format('track_commit_timestamp = %s; usable by: %s',
                     current_setting('track_commit_timestamp'), coalesce(v_list, 'none'));
    advice := 'Keep track_commit_timestamp = off (the default), or run rbp.harden(p_apply => true): with it, pg_xact_commit_timestamp(xmin) gives the exact time of every invitation used and every release.';
    RETURN NEXT;

    -- 6e. pg_locks: a running submission's locks show which table it writes.
    v_list := rbp.unhardened('lock_view');
    risk := 'lock_view'; severity := 'low';
    status := CASE WHEN v_list IS NULL THEN 'ok' ELSE 'at_risk' END;
    detail := coalesce('usable by: ' || v_list, 'no login but a superuser can read pg_locks');
    advice := 'pg_locks shows, while a submission runs, whether it locks the holding area or rbp.response (anonymous or not). rbp.harden(p_apply => true) revokes it from PUBLIC in this database.';
    RETURN NEXT;

    -- 6f. Sizes of the holding area and its TOAST: every held row has the same size, so size
    --     functions count held submissions (not their content); still, live, they reveal the timing
    --     of anonymous and worker-only submissions. So does the size of the whole database.
    v_list := rbp.unhardened('relation_sizes');
    risk := 'relation_sizes'; severity := 'medium';
    status := CASE WHEN v_list IS NULL THEN 'ok' ELSE 'at_risk' END;
    detail := coalesce('usable by: ' || v_list, 'no login but a superuser can call the relation, database or tablespace size functions');
    advice := 'pg_relation_size() of rbp.anonymous_holding and its TOAST, and pg_database_size(), grow by 16 kB at every held submission and much less at a named one: they reveal the timing of anonymous and worker-only submissions (whoever knows when a family submitted learns it chose not to be named), never what was said. rbp.harden(p_apply => true) revokes the size functions from PUBLIC in this database and grants them to pg_read_all_stats.';
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
REVOKE ALL ON FUNCTION rbp.privacy_check() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION rbp.privacy_check() TO rbp_admin;
