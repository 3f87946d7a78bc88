-- rbp.privacy_check(): the risks to anonymity (G1) that the extension cannot control itself, because
-- they lie in the server's configuration, in other roles or in the operating system. One row per
-- risk, every time, with its status for this database now and advice for the DBA; see
-- doc/threat-model.md ("What the DBA must configure").

-- Internal: the value a setting takes in a new session of a role in this database (server
-- configuration, then ALTER DATABASE, ALTER ROLE and ALTER ROLE ... IN DATABASE, the later winning).
-- Settings a client passes when connecting are not seen; those logged here are superuser-only
-- (a non-superuser session cannot change them itself).
CREATE FUNCTION rbp.setting_for_role(p_role oid, p_name text) RETURNS text
    LANGUAGE sql STABLE
    SET search_path = pg_catalog, pg_temp
    AS $$
    WITH overrides AS (
        SELECT CASE WHEN s.setdatabase <> 0 AND s.setrole <> 0 THEN 1
                    WHEN s.setrole <> 0 THEN 2 ELSE 3 END AS precedence,
               substr(c.item, length(p_name) + 2) AS value
          FROM pg_db_role_setting s, unnest(s.setconfig) AS c(item)
         WHERE s.setdatabase IN (0, (SELECT oid FROM pg_database WHERE datname = current_database()))
           AND s.setrole IN (0, p_role)
           AND NOT (s.setdatabase = 0 AND s.setrole = 0)
           AND lower(split_part(c.item, '=', 1)) = lower(p_name)
    )
    SELECT coalesce(
        (SELECT value FROM overrides ORDER BY precedence LIMIT 1),
        (SELECT setting FROM pg_file_settings WHERE lower(name) = lower(p_name) AND applied ORDER BY seqno DESC LIMIT 1),
        (SELECT CASE WHEN source = 'command line' THEN setting ELSE boot_val END FROM pg_settings WHERE lower(name) = lower(p_name)),
        current_setting(p_name, true))
$$;
COMMENT ON FUNCTION rbp.setting_for_role(oid, text) IS
    'Internal: the value of a server setting in a new session of a role in this database (configuration file, ALTER DATABASE, ALTER ROLE)';
REVOKE ALL ON FUNCTION rbp.setting_for_role(oid, text) FROM PUBLIC;

CREATE FUNCTION rbp.privacy_check()
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

    -- 6b. Cumulative activity counters: pg_stat_user_tables (and the pg_stat_get_* functions behind
    --     it) are readable by every role by default. Someone present while a family submits (a
    --     worker on a home visit) can see whether rbp.response gained a row at that moment, that is
    --     whether the family chose anonymity; never what it answered.
    SELECT string_agg(g.rolname, ', ' ORDER BY g.rolname) INTO v_list
      FROM pg_roles g
     WHERE g.rolname IN ('rbp_admin', 'rbp_qa', 'rbp_staff', 'rbp_report_writer', 'rbp_case_system', 'rbp_survey_intake')
       AND (has_function_privilege(g.oid, 'pg_catalog.pg_stat_get_tuples_inserted(oid)', 'EXECUTE')
            OR has_function_privilege(g.oid, 'pg_catalog.pg_stat_get_tuples_updated(oid)', 'EXECUTE')
            OR has_function_privilege(g.oid, 'pg_catalog.pg_stat_get_live_tuples(oid)', 'EXECUTE'));
    risk := 'table_activity_counters'; severity := 'low';
    status := CASE WHEN v_list IS NULL THEN 'ok' ELSE 'at_risk' END;
    detail := coalesce('roles that can read per-table activity counters (pg_stat_user_tables): ' || v_list,
                       'the feedback_rbp roles cannot read per-table activity counters');
    advice := 'Counters show when a response or a held answer was written, so someone present at a submission can tell whether the family chose anonymity (never its answers). To close this, in this database: REVOKE SELECT ON pg_stat_all_tables, pg_stat_user_tables, pg_stat_sys_tables FROM PUBLIC and REVOKE EXECUTE ON FUNCTION pg_stat_get_tuples_inserted(oid), pg_stat_get_tuples_updated(oid), pg_stat_get_tuples_deleted(oid), pg_stat_get_live_tuples(oid), pg_stat_get_dead_tuples(oid), pg_stat_get_ins_since_vacuum(oid), pg_stat_get_mod_since_analyze(oid) FROM PUBLIC (GRANT them to pg_monitor); the same holds for pg_stat_statements call counts.';
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
    'Administrator: one row per risk to anonymity that the extension cannot control itself (logging, pg_stat_activity, audit, RLS bypass, grants, threshold, dead tuples, backups), with its status (ok, at_risk, note) and advice';
REVOKE ALL ON FUNCTION rbp.privacy_check() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION rbp.privacy_check() TO rbp_admin;
