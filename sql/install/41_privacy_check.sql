-- rbp.privacy_check(): the risks to anonymity (G1) that the extension cannot control itself, because
-- they lie in the server's configuration, in other roles or in the operating system. One row per
-- risk, every time, with its status for this database now and advice for the DBA; see
-- doc/threat-model.md ("What the DBA must configure").

-- Internal: the value a setting takes in a new session of a role in this database (server
-- configuration, then ALTER ROLE ALL, ALTER DATABASE, ALTER ROLE and ALTER ROLE ... IN DATABASE,
-- the later winning).
-- Settings a client passes when connecting are not seen; those logged here are superuser-only
-- (a non-superuser session cannot change them itself).
CREATE FUNCTION rbp.setting_for_role(p_role oid, p_name text) RETURNS text
    LANGUAGE sql STABLE
    SET search_path = pg_catalog, pg_temp
    AS $$
    WITH overrides AS (
        SELECT CASE WHEN s.setdatabase <> 0 AND s.setrole <> 0 THEN 1
                    WHEN s.setrole <> 0 THEN 2 WHEN s.setdatabase <> 0 THEN 3 ELSE 4 END AS precedence,
               substr(c.item, length(p_name) + 2) AS value
          FROM pg_db_role_setting s, unnest(s.setconfig) AS c(item)
         WHERE s.setdatabase IN (0, (SELECT oid FROM pg_database WHERE datname = current_database()))
           AND s.setrole IN (0, p_role)
           AND lower(split_part(c.item, '=', 1)) = lower(p_name)
    )
    SELECT coalesce(
        (SELECT value FROM overrides ORDER BY precedence LIMIT 1),
        (SELECT setting FROM pg_file_settings WHERE lower(name) = lower(p_name) AND applied ORDER BY seqno DESC LIMIT 1),
        (SELECT CASE WHEN source = 'command line' THEN setting ELSE boot_val END FROM pg_settings WHERE lower(name) = lower(p_name)),
        current_setting(p_name, true))
$$;
COMMENT ON FUNCTION rbp.setting_for_role(oid, text) IS
    'Internal: the value of a server setting in a new session of a role in this database (configuration file, ALTER ROLE ALL, ALTER DATABASE, ALTER ROLE)';
REVOKE ALL ON FUNCTION rbp.setting_for_role(oid, text) FROM PUBLIC;

-- The catalog objects every role may use by default that show what happens in tables it cannot read:
-- one list, read by rbp.privacy_check() (which of them the feedback_rbp roles can still use) and by
-- rbp.harden() (which it revokes from PUBLIC and grants to pg_read_all_stats).
CREATE FUNCTION rbp.hardening_targets()
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

-- Internal: the hardening targets of a channel that someone other than a superuser can still use:
-- PUBLIC (every login), a feedback_rbp role, or any login that is not a superuser (a grant to one
-- login, or membership of pg_read_all_stats after rbp.harden()). A channel is never reported ok
-- while any such login can read it.
CREATE FUNCTION rbp.unhardened(p_channel text) RETURNS text
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

-- rbp.harden(): the revocations the threat model recommends, for the DBA. A dry run (the default)
-- lists them; with p_apply => true (as a superuser: only the owner of the catalog objects may
-- revoke) it applies them in this database, so that rbp.privacy_check() can report these channels
-- ok. Server settings cannot be changed inside a transaction: they are listed as advice, never
-- applied. Idempotent: only what is still granted is listed.
CREATE FUNCTION rbp.harden(p_apply boolean DEFAULT false)
    RETURNS TABLE (channel text, statement text, applied boolean)
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    t record;
BEGIN
    IF p_apply AND NOT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
        RAISE EXCEPTION 'rbp.harden(p_apply => true) must be run by a superuser'
            USING ERRCODE = 'insufficient_privilege',
                  HINT = 'Run SELECT * FROM rbp.harden() to see the statements, then have the DBA apply them.';
    END IF;
    FOR t IN
        SELECT h.channel, h.object_kind, h.object_name FROM rbp.hardening_targets() h
         WHERE CASE h.object_kind WHEN 'view' THEN has_table_privilege('public', h.object_name, 'SELECT')
                                  ELSE has_function_privilege('public', h.object_name, 'EXECUTE') END
            OR EXISTS (SELECT FROM pg_roles g
                        WHERE g.rolname IN ('rbp_admin', 'rbp_qa', 'rbp_staff', 'rbp_report_writer', 'rbp_case_system', 'rbp_survey_intake')
                          AND CASE h.object_kind WHEN 'view' THEN has_table_privilege(g.oid, h.object_name, 'SELECT')
                                                 ELSE has_function_privilege(g.oid, h.object_name, 'EXECUTE') END)
    LOOP
        channel := t.channel;
        statement := CASE t.object_kind
            WHEN 'view' THEN format('REVOKE SELECT ON %s FROM PUBLIC; GRANT SELECT ON %s TO pg_read_all_stats', t.object_name, t.object_name)
            ELSE format('REVOKE EXECUTE ON FUNCTION %s FROM PUBLIC; GRANT EXECUTE ON FUNCTION %s TO pg_read_all_stats', t.object_name, t.object_name) END;
        IF p_apply THEN
            EXECUTE statement;
        END IF;
        applied := p_apply;
        RETURN NEXT;
    END LOOP;
    -- What no transaction can change: listed when it is needed.
    FOR channel, statement IN
        SELECT 'function_call_counters', 'ALTER SYSTEM SET track_functions = none; SELECT pg_reload_conf()'
         WHERE current_setting('track_functions') <> 'none'
        UNION ALL
        SELECT 'commit_timestamps', 'ALTER SYSTEM SET track_commit_timestamp = off (takes effect after a restart)'
         WHERE current_setting('track_commit_timestamp') = 'on'
        UNION ALL
        SELECT 'debug_print', format('ALTER SYSTEM SET %s = off; SELECT pg_reload_conf()', d)
          FROM unnest(ARRAY['debug_print_parse', 'debug_print_rewritten', 'debug_print_plan']) AS d
         WHERE current_setting(d) = 'on'
    LOOP
        applied := false;
        RETURN NEXT;
    END LOOP;
END
$$;
COMMENT ON FUNCTION rbp.harden(boolean) IS
    'DBA: the revocations of doc/threat-model.md (counters, locks, sizes, commit timestamps revoked from PUBLIC, granted to pg_read_all_stats); a dry run by default, applied with p_apply => true by a superuser; server settings are listed, never applied';
REVOKE ALL ON FUNCTION rbp.harden(boolean) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION rbp.harden(boolean) TO rbp_admin;
