-- Calls from real drivers with their defaults (doc/case-system.md, "Calling from JDBC, .NET, node and
-- Python"). PgJDBC's setString binds varchar and Npgsql binds text; neither is implicitly cast to a
-- date, an enum, jsonb, uuid or one of the extension's types, so a call such as
-- rbp.register_respondent(?, ?, ?, ?) would fail with "function ... does not exist".
--
-- The rule, in one place: every function granted to rbp_case_system or rbp_survey_intake gets, for
-- each number k of arguments a call may pass (from its first argument a driver cannot bind as a
-- string or a number up to all of them), an overload whose arguments are text where the original's
-- are not text, a number or a boolean. The overload has no defaults, is SECURITY INVOKER and
-- PL/pgSQL (so that its one call keeps its plan for the session: a SQL function with a SET clause
-- is never inlined and is planned again in every statement that calls it, issue 15): it
-- casts and calls the original with its first k arguments (the rest take the original's defaults),
-- so the original's privileges, checks and errors apply unchanged (a bad value gives 22P02/22007
-- from the cast). Overload resolution then picks:
--   * the original for typed arguments (date, enum, ...) and for calls that leave every
--     non-string argument to its default (e.g. rbp.due_invitations());
--   * the overload for text/varchar arguments (JDBC, Npgsql) and for untyped literals or
--     parameters (psql, node-postgres, psycopg2): PostgreSQL prefers the string category for
--     arguments of unknown type.
-- This piece runs last (and so does the upgrade piece of the same name), after every function it
-- looks at exists with its final signature and grants.

CREATE FUNCTION rbp.driver_bindable(p_type regtype) RETURNS boolean
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    AS $$ SELECT p_type IN ('text'::regtype, 'character varying'::regtype, 'name'::regtype, 'smallint'::regtype,
                            'integer'::regtype, 'bigint'::regtype, 'numeric'::regtype, 'boolean'::regtype,
                            'real'::regtype, 'double precision'::regtype) $$;
COMMENT ON FUNCTION rbp.driver_bindable(regtype) IS
    'Internal rule: a type every driver binds from a plain string or number (text, varchar, name, numbers, boolean); other arguments of the case system''s and survey intake''s functions also accept text through generated overloads';
REVOKE ALL ON FUNCTION rbp.driver_bindable(regtype) FROM PUBLIC;

CREATE FUNCTION rbp.create_driver_overloads() RETURNS integer
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
    f record;
    k integer;
    i integer;
    v_params text[];
    v_args text[];
    v_types text[];
    v_signature text;
    v_call text;
    v_created integer := 0;
    v_grantee text;
BEGIN
    FOR f IN
        SELECT p.oid, p.proname, p.pronargs, p.pronargdefaults, t.types,
               p.proargnames[1:p.pronargs] AS names, p.proacl, p.proowner, p.proretset, p.provolatile,
               p.proisstrict, p.proparallel, pg_catalog.pg_get_function_result(p.oid) AS result, p.prorettype,
               (SELECT min(n) FROM generate_subscripts(t.types, 1) AS n WHERE NOT rbp.driver_bindable(t.types[n])) AS first_other
          FROM pg_catalog.pg_proc p
         CROSS JOIN LATERAL (SELECT ARRAY(SELECT a::regtype FROM unnest(p.proargtypes::oid[]) AS a) AS types) t
         WHERE p.pronamespace = 'rbp'::regnamespace AND p.prokind = 'f'
           AND (p.proargmodes IS NULL OR NOT p.proargmodes && ARRAY['o', 'b', 'v']::"char"[])
           AND EXISTS (SELECT FROM pg_catalog.aclexplode(p.proacl) a
                        WHERE a.privilege_type = 'EXECUTE'
                          AND a.grantee IN ('rbp_case_system'::regrole, 'rbp_survey_intake'::regrole))
         ORDER BY p.oid::regprocedure::text
    LOOP
        CONTINUE WHEN f.first_other IS NULL;
        FOR k IN greatest(f.first_other, f.pronargs - f.pronargdefaults) .. f.pronargs LOOP
            v_params := '{}';
            v_args := '{}';
            v_types := '{}';
            FOR i IN 1 .. k LOOP
                IF rbp.driver_bindable(f.types[i]) THEN
                    v_params := v_params || format('%I %s', f.names[i], f.types[i]);
                    v_args := v_args || format('$%s', i);
                    v_types := v_types || f.types[i]::text;
                ELSE
                    v_params := v_params || format('%I text', f.names[i]);
                    v_args := v_args || format('$%s::%s', i, f.types[i]);
                    v_types := v_types || 'text'::text;
                END IF;
            END LOOP;
            v_signature := format('rbp.%I(%s)', f.proname, array_to_string(v_params, ', '));
            v_call := format('rbp.%I(%s)', f.proname, array_to_string(v_args, ', '));
            EXECUTE format('CREATE FUNCTION %s RETURNS %s LANGUAGE plpgsql %s %s PARALLEL %s SECURITY INVOKER '
                           'SET search_path = pg_catalog, rbp, pg_temp AS %L',
                           v_signature, f.result,
                           CASE f.provolatile WHEN 'i' THEN 'IMMUTABLE' WHEN 's' THEN 'STABLE' ELSE 'VOLATILE' END,
                           CASE WHEN f.proisstrict THEN 'STRICT' ELSE 'CALLED ON NULL INPUT' END,
                           CASE f.proparallel WHEN 's' THEN 'SAFE' WHEN 'r' THEN 'RESTRICTED' ELSE 'UNSAFE' END,
                           CASE WHEN f.proretset THEN 'BEGIN RETURN QUERY SELECT * FROM ' || v_call || '; END'
                                WHEN f.prorettype = 'void'::regtype THEN 'BEGIN PERFORM ' || v_call || '; END'
                                ELSE 'BEGIN RETURN ' || v_call || '; END' END);
            v_signature := format('rbp.%I(%s)', f.proname, array_to_string(v_types, ', '));
            EXECUTE format('COMMENT ON FUNCTION %s IS %L', v_signature,
                           format('Driver call (generated, doc/case-system.md): %s with its first %s argument(s) passed as strings or numbers',
                                  f.oid::regprocedure, k));
            EXECUTE format('REVOKE ALL ON FUNCTION %s FROM PUBLIC', v_signature);
            FOR v_grantee IN
                SELECT DISTINCT a.grantee::regrole::text FROM pg_catalog.aclexplode(f.proacl) a
                 WHERE a.privilege_type = 'EXECUTE' AND a.grantee <> 0
                   AND a.grantee <> f.proowner
                 ORDER BY 1
            LOOP
                EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO %s', v_signature, v_grantee);
            END LOOP;
            v_created := v_created + 1;
        END LOOP;
    END LOOP;
    RETURN v_created;
END
$$;
COMMENT ON FUNCTION rbp.create_driver_overloads() IS
    'Internal, run by the install and upgrade scripts: create the text-typed overloads of every function granted to rbp_case_system or rbp_survey_intake (see doc/case-system.md); returns how many';
REVOKE ALL ON FUNCTION rbp.create_driver_overloads() FROM PUBLIC;

SELECT rbp.create_driver_overloads();
