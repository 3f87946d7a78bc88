-- Upgrade piece of issue 17 (the documentation is the contract): what the documented behaviour
-- needed in the catalog. The C changes (binary input checks its length: 22P03; the median of
-- 2^63-1 answers; cadence bounds) ship in the 0.2.0 shared library and need no SQL here.

-- The roll-up rbp.likert_summary(rbp.likert_distribution) of only empty distributions returned {}
-- instead of NULL ("nothing summarised", as the other aggregates and doc/distribution.md say): it
-- gets the final function of rbp.likert_summary(rbp.likert). ALTER AGGREGATE cannot set a final
-- function, and DROP + CREATE would lose the dependent objects of an installation, so the catalog
-- row is updated in place, with the dependency CREATE AGGREGATE would have recorded.
UPDATE pg_catalog.pg_aggregate
   SET aggfinalfn = 'rbp.likert_summary_final(rbp.likert_distribution)'::pg_catalog.regprocedure
 WHERE aggfnoid = 'rbp.likert_summary(rbp.likert_distribution)'::pg_catalog.regprocedure;
INSERT INTO pg_catalog.pg_depend (classid, objid, objsubid, refclassid, refobjid, refobjsubid, deptype)
VALUES ('pg_catalog.pg_proc'::pg_catalog.regclass, 'rbp.likert_summary(rbp.likert_distribution)'::pg_catalog.regprocedure, 0,
        'pg_catalog.pg_proc'::pg_catalog.regclass, 'rbp.likert_summary_final(rbp.likert_distribution)'::pg_catalog.regprocedure, 0, 'n');
COMMENT ON FUNCTION rbp.likert_summary_final(rbp.likert_distribution) IS
    'Final function of rbp.likert_summary(rbp.likert) and of the roll-up rbp.likert_summary(rbp.likert_distribution): NULL when no answer was summarised (the state is still {})';
COMMENT ON AGGREGATE rbp.likert_summary(rbp.likert_distribution) IS
    'Roll-up: the distribution of disjoint groups of respondents (e.g. a team from its workers, a year from its quarters), without reading the answers again; NULL when only empty distributions ({}) or none were rolled up';
