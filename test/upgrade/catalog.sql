-- The catalog of feedback_rbp as text, one line per fact, sorted: every member object of the
-- extension with its definition, comment and privileges; every column, constraint, index,
-- trigger and policy of its tables; its configuration-table filters. Two databases whose
-- outputs are equal have the same extension catalog (test/upgrade/run compares a fresh install
-- with an upgraded one). Object identities are printed by name, never by OID.
\set QUIET on
\pset format unaligned
\pset tuples_only on
WITH ext AS (
    SELECT oid, extconfig, extcondition FROM pg_extension WHERE extname = 'feedback_rbp'
), member AS (
    SELECT d.classid, d.objid
      FROM pg_depend d, ext
     WHERE d.refclassid = 'pg_extension'::regclass AND d.refobjid = ext.oid AND d.deptype = 'e'
), rel AS (
    SELECT c.oid, c.oid::regclass::text AS name, c.relkind
      FROM pg_class c JOIN member m ON m.classid = 'pg_class'::regclass AND m.objid = c.oid
), facts AS (
    -- every member: identity, comment
    SELECT 'member ' || pg_describe_object(m.classid, m.objid, 0)
           || coalesce(' comment=' || obj_description(m.objid, (SELECT relname FROM pg_class WHERE oid = m.classid)), '') AS fact
      FROM member m
    UNION ALL
    -- functions: full definition and privileges
    SELECT 'function ' || p.oid::regprocedure::text || ' acl=' || coalesce(p.proacl::text, 'default')
           || E'\n' || pg_get_functiondef(p.oid)
      FROM pg_proc p JOIN member m ON m.classid = 'pg_proc'::regclass AND m.objid = p.oid
     WHERE p.prokind IN ('f', 'p', 'w')
    UNION ALL
    SELECT 'aggregate ' || p.oid::regprocedure::text || ' acl=' || coalesce(p.proacl::text, 'default')
           || ' ' || a.aggtransfn::text || ' ' || a.aggfinalfn::text || ' ' || a.aggcombinefn::text
           || ' ' || a.aggserialfn::text || ' ' || a.aggdeserialfn::text || ' ' || format_type(a.aggtranstype, NULL)
           || ' ' || p.proparallel::text
      FROM pg_proc p JOIN member m ON m.classid = 'pg_proc'::regclass AND m.objid = p.oid
      JOIN pg_aggregate a ON a.aggfnoid = p.oid
    UNION ALL
    -- relations: kind, options, row security, privileges, view definitions
    SELECT 'relation ' || r.name || ' kind=' || r.relkind::text || ' rls=' || c.relrowsecurity || '/' || c.relforcerowsecurity
           || ' options=' || coalesce(c.reloptions::text, '') || ' acl=' || coalesce(c.relacl::text, 'default')
           || coalesce(E'\n' || CASE WHEN r.relkind IN ('v', 'm') THEN pg_get_viewdef(r.oid) END, '')
      FROM rel r JOIN pg_class c ON c.oid = r.oid
    UNION ALL
    SELECT 'column ' || r.name || '.' || a.attname || ' #' || row_number() OVER (PARTITION BY r.oid ORDER BY a.attnum)
           || ' ' || format_type(a.atttypid, a.atttypmod) || CASE WHEN a.attnotnull THEN ' not null' ELSE '' END
           || coalesce(' default ' || pg_get_expr(ad.adbin, ad.adrelid), '')
           || CASE WHEN a.attidentity <> '' THEN ' identity ' || a.attidentity::text ELSE '' END
           || CASE WHEN a.attgenerated <> '' THEN ' generated' ELSE '' END
           || coalesce(' collation ' || NULLIF(a.attcollation, 0)::regcollation::text, '')
           || coalesce(' acl=' || a.attacl::text, '')
           || coalesce(' comment=' || col_description(r.oid, a.attnum), '')
      FROM rel r JOIN pg_attribute a ON a.attrelid = r.oid AND a.attnum > 0 AND NOT a.attisdropped
      LEFT JOIN pg_attrdef ad ON ad.adrelid = r.oid AND ad.adnum = a.attnum
    UNION ALL
    SELECT 'constraint ' || r.name || ' ' || co.conname || ' ' || pg_get_constraintdef(co.oid)
           || coalesce(' comment=' || obj_description(co.oid, 'pg_constraint'), '')
      FROM rel r JOIN pg_constraint co ON co.conrelid = r.oid
    UNION ALL
    SELECT 'index ' || pg_get_indexdef(i.indexrelid) || coalesce(' comment=' || obj_description(i.indexrelid, 'pg_class'), '')
      FROM rel r JOIN pg_index i ON i.indrelid = r.oid
    UNION ALL
    SELECT 'trigger ' || pg_get_triggerdef(t.oid) || ' enabled=' || t.tgenabled::text
      FROM rel r JOIN pg_trigger t ON t.tgrelid = r.oid AND NOT t.tgisinternal
    UNION ALL
    SELECT 'policy ' || r.name || ' ' || pol.polname || ' ' || pol.polcmd::text || ' permissive=' || pol.polpermissive
           || ' roles=' || (SELECT string_agg(CASE WHEN x = 0 THEN 'public' ELSE x::regrole::text END, ',' ORDER BY 1)
                             FROM unnest(pol.polroles) x)
           || coalesce(' using=' || pg_get_expr(pol.polqual, pol.polrelid), '')
           || coalesce(' check=' || pg_get_expr(pol.polwithcheck, pol.polrelid), '')
      FROM rel r JOIN pg_policy pol ON pol.polrelid = r.oid
    UNION ALL
    SELECT 'type ' || t.oid::regtype::text || ' ' || t.typtype::text || ' len=' || t.typlen || ' align=' || t.typalign::text
           || ' in=' || t.typinput::text || ' out=' || t.typoutput::text || ' recv=' || t.typreceive::text
           || ' send=' || t.typsend::text || ' modin=' || t.typmodin::text || ' acl=' || coalesce(t.typacl::text, 'default')
           || coalesce(' labels=' || (SELECT string_agg(enumlabel::text, ',' ORDER BY enumsortorder) FROM pg_enum WHERE enumtypid = t.oid), '')
      FROM pg_type t JOIN member m ON m.classid = 'pg_type'::regclass AND m.objid = t.oid
    UNION ALL
    SELECT 'operator ' || o.oid::regoperator::text || ' ' || o.oprcode::text || ' com=' || o.oprcom::regoperator::text
           || ' neg=' || o.oprnegate::regoperator::text || ' rest=' || o.oprrest::text || ' join=' || o.oprjoin::text
           || ' hashes=' || o.oprcanhash::text || ' merges=' || o.oprcanmerge::text
      FROM pg_operator o JOIN member m ON m.classid = 'pg_operator'::regclass AND m.objid = o.oid
    UNION ALL
    SELECT 'opclass member ' || pg_describe_object('pg_amop'::regclass, ao.oid, 0)
      FROM pg_amop ao JOIN pg_opfamily f ON f.oid = ao.amopfamily
      JOIN member m ON m.classid = 'pg_opfamily'::regclass AND m.objid = f.oid
    UNION ALL
    SELECT 'opclass support ' || pg_describe_object('pg_amproc'::regclass, ap.oid, 0)
      FROM pg_amproc ap JOIN pg_opfamily f ON f.oid = ap.amprocfamily
      JOIN member m ON m.classid = 'pg_opfamily'::regclass AND m.objid = f.oid
    UNION ALL
    SELECT 'cast ' || format_type(c.castsource, NULL) || ' -> ' || format_type(c.casttarget, NULL)
           || ' via ' || c.castfunc::regprocedure::text || ' ' || c.castcontext::text || c.castmethod::text
      FROM pg_cast c JOIN member m ON m.classid = 'pg_cast'::regclass AND m.objid = c.oid
    UNION ALL
    SELECT 'config table ' || cfg::regclass::text || ' filter=' || coalesce(cond, '')
      FROM ext, unnest(ext.extconfig, ext.extcondition) AS u(cfg, cond)
    UNION ALL
    SELECT 'schema ' || n.nspname || ' acl=' || coalesce(n.nspacl::text, 'default')
      FROM pg_namespace n WHERE n.nspname = 'rbp'
    UNION ALL
    SELECT 'default acl ' || coalesce(d.defaclnamespace::regnamespace::text, '') || ' ' || d.defaclobjtype::text || ' ' || d.defaclacl::text
      FROM pg_default_acl d
)
SELECT fact FROM facts ORDER BY fact;
