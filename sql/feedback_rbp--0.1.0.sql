-- ==== sql/install/00_schema.sql (generated file: edit the piece) ====
-- feedback_rbp install script, assembled by the Makefile from sql/install/*.sql in name order.
\echo Use "CREATE EXTENSION feedback_rbp" to load this file. \quit

-- The extension's schema is created by CREATE EXTENSION (schema = rbp in the control file).
COMMENT ON SCHEMA rbp IS 'feedback_rbp: families'' evaluations of relationship-based social work';

-- ==== sql/install/05_roles.sql (generated file: edit the piece) ====
-- Group roles. Roles belong to the cluster, not to a database, so they are created only when
-- missing (a second database of the same cluster reuses them) and are left behind by
-- DROP EXTENSION; doc/dba.md says how to map logins to them and how to drop them.
DO $roles$
DECLARE
    role_name text;
BEGIN
    FOREACH role_name IN ARRAY ARRAY['rbp_admin', 'rbp_qa', 'rbp_staff', 'rbp_report_writer',
                                     'rbp_case_system', 'rbp_survey_intake']
    LOOP
        IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = role_name) THEN
            EXECUTE format('CREATE ROLE %I NOLOGIN', role_name);
        END IF;
    END LOOP;
END
$roles$;

COMMENT ON ROLE rbp_admin IS 'feedback_rbp: administrators — authorities, settings and thresholds; no feedback rows';
COMMENT ON ROLE rbp_qa IS 'feedback_rbp: Quality Assurance — all feedback of their own authority, themes and actions';
COMMENT ON ROLE rbp_staff IS 'feedback_rbp: social workers and supervisors — feedback about or routed to them, once QA released it';
COMMENT ON ROLE rbp_report_writer IS 'feedback_rbp: report writers — suppressed aggregate reports only, never rows';
COMMENT ON ROLE rbp_case_system IS 'feedback_rbp: the case-management system — the registration and invitation functions only';
COMMENT ON ROLE rbp_survey_intake IS 'feedback_rbp: survey intake (web form, interviewer) — submission, glossary and support options only';

GRANT USAGE ON SCHEMA rbp TO rbp_admin, rbp_qa, rbp_staff, rbp_report_writer, rbp_case_system, rbp_survey_intake;

-- ==== sql/install/10_anonymity.sql (generated file: edit the piece) ====
-- rbp.anonymity: the level of anonymity chosen by the respondent (src/anonymity.c, doc/anonymity.md).
-- named < worker_only < anonymous; one byte, passed by value.

CREATE TYPE rbp.anonymity;

CREATE FUNCTION rbp.anonymity_in(cstring) RETURNS rbp.anonymity
    AS 'MODULE_PATHNAME', 'anonymity_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION rbp.anonymity_out(rbp.anonymity) RETURNS cstring
    AS 'MODULE_PATHNAME', 'anonymity_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION rbp.anonymity_recv(internal) RETURNS rbp.anonymity
    AS 'MODULE_PATHNAME', 'anonymity_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION rbp.anonymity_send(rbp.anonymity) RETURNS bytea
    AS 'MODULE_PATHNAME', 'anonymity_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE TYPE rbp.anonymity (
    INPUT = rbp.anonymity_in,
    OUTPUT = rbp.anonymity_out,
    RECEIVE = rbp.anonymity_recv,
    SEND = rbp.anonymity_send,
    INTERNALLENGTH = 1,
    PASSEDBYVALUE,
    ALIGNMENT = char,
    STORAGE = plain
);

COMMENT ON TYPE rbp.anonymity IS
    'Anonymity level chosen by the respondent, from least to most anonymous: named < worker_only < anonymous (1 byte)';
COMMENT ON FUNCTION rbp.anonymity_in(cstring) IS
    'Text input of rbp.anonymity: named, worker_only or anonymous, in any letter case, surrounding spaces ignored';
COMMENT ON FUNCTION rbp.anonymity_out(rbp.anonymity) IS
    'Text output of rbp.anonymity: the canonical lower-case name';
COMMENT ON FUNCTION rbp.anonymity_recv(internal) IS
    'Binary input of rbp.anonymity: one byte, 1 named, 2 worker_only, 3 anonymous';
COMMENT ON FUNCTION rbp.anonymity_send(rbp.anonymity) IS
    'Binary output of rbp.anonymity: one byte, 1 named, 2 worker_only, 3 anonymous';

-- Comparison, from least to most anonymous.
CREATE FUNCTION rbp.anonymity_eq(rbp.anonymity, rbp.anonymity) RETURNS boolean
    AS 'MODULE_PATHNAME', 'anonymity_eq' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION rbp.anonymity_ne(rbp.anonymity, rbp.anonymity) RETURNS boolean
    AS 'MODULE_PATHNAME', 'anonymity_ne' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION rbp.anonymity_lt(rbp.anonymity, rbp.anonymity) RETURNS boolean
    AS 'MODULE_PATHNAME', 'anonymity_lt' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION rbp.anonymity_le(rbp.anonymity, rbp.anonymity) RETURNS boolean
    AS 'MODULE_PATHNAME', 'anonymity_le' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION rbp.anonymity_gt(rbp.anonymity, rbp.anonymity) RETURNS boolean
    AS 'MODULE_PATHNAME', 'anonymity_gt' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION rbp.anonymity_ge(rbp.anonymity, rbp.anonymity) RETURNS boolean
    AS 'MODULE_PATHNAME', 'anonymity_ge' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION rbp.anonymity_cmp(rbp.anonymity, rbp.anonymity) RETURNS integer
    AS 'MODULE_PATHNAME', 'anonymity_cmp' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION rbp.anonymity_hash(rbp.anonymity) RETURNS integer
    AS 'MODULE_PATHNAME', 'anonymity_hash' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION rbp.anonymity_hash_extended(rbp.anonymity, bigint) RETURNS bigint
    AS 'MODULE_PATHNAME', 'anonymity_hash_extended' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;

COMMENT ON FUNCTION rbp.anonymity_eq(rbp.anonymity, rbp.anonymity) IS 'Implementation of = for rbp.anonymity';
COMMENT ON FUNCTION rbp.anonymity_ne(rbp.anonymity, rbp.anonymity) IS 'Implementation of <> for rbp.anonymity';
COMMENT ON FUNCTION rbp.anonymity_lt(rbp.anonymity, rbp.anonymity) IS 'Implementation of < for rbp.anonymity (less anonymous than)';
COMMENT ON FUNCTION rbp.anonymity_le(rbp.anonymity, rbp.anonymity) IS 'Implementation of <= for rbp.anonymity';
COMMENT ON FUNCTION rbp.anonymity_gt(rbp.anonymity, rbp.anonymity) IS 'Implementation of > for rbp.anonymity (more anonymous than)';
COMMENT ON FUNCTION rbp.anonymity_ge(rbp.anonymity, rbp.anonymity) IS 'Implementation of >= for rbp.anonymity';
COMMENT ON FUNCTION rbp.anonymity_cmp(rbp.anonymity, rbp.anonymity) IS 'btree comparison support of rbp.anonymity: -1, 0 or 1';
COMMENT ON FUNCTION rbp.anonymity_hash(rbp.anonymity) IS 'hash support of rbp.anonymity';
COMMENT ON FUNCTION rbp.anonymity_hash_extended(rbp.anonymity, bigint) IS 'seeded (extended) hash support of rbp.anonymity';

CREATE OPERATOR rbp.= (
    LEFTARG = rbp.anonymity, RIGHTARG = rbp.anonymity, FUNCTION = rbp.anonymity_eq,
    COMMUTATOR = OPERATOR(rbp.=), NEGATOR = OPERATOR(rbp.<>),
    RESTRICT = eqsel, JOIN = eqjoinsel, HASHES, MERGES
);
CREATE OPERATOR rbp.<> (
    LEFTARG = rbp.anonymity, RIGHTARG = rbp.anonymity, FUNCTION = rbp.anonymity_ne,
    COMMUTATOR = OPERATOR(rbp.<>), NEGATOR = OPERATOR(rbp.=),
    RESTRICT = neqsel, JOIN = neqjoinsel
);
CREATE OPERATOR rbp.< (
    LEFTARG = rbp.anonymity, RIGHTARG = rbp.anonymity, FUNCTION = rbp.anonymity_lt,
    COMMUTATOR = OPERATOR(rbp.>), NEGATOR = OPERATOR(rbp.>=),
    RESTRICT = scalarltsel, JOIN = scalarltjoinsel
);
CREATE OPERATOR rbp.<= (
    LEFTARG = rbp.anonymity, RIGHTARG = rbp.anonymity, FUNCTION = rbp.anonymity_le,
    COMMUTATOR = OPERATOR(rbp.>=), NEGATOR = OPERATOR(rbp.>),
    RESTRICT = scalarlesel, JOIN = scalarlejoinsel
);
CREATE OPERATOR rbp.> (
    LEFTARG = rbp.anonymity, RIGHTARG = rbp.anonymity, FUNCTION = rbp.anonymity_gt,
    COMMUTATOR = OPERATOR(rbp.<), NEGATOR = OPERATOR(rbp.<=),
    RESTRICT = scalargtsel, JOIN = scalargtjoinsel
);
CREATE OPERATOR rbp.>= (
    LEFTARG = rbp.anonymity, RIGHTARG = rbp.anonymity, FUNCTION = rbp.anonymity_ge,
    COMMUTATOR = OPERATOR(rbp.<=), NEGATOR = OPERATOR(rbp.<),
    RESTRICT = scalargesel, JOIN = scalargejoinsel
);

COMMENT ON OPERATOR rbp.= (rbp.anonymity, rbp.anonymity) IS 'same anonymity level';
COMMENT ON OPERATOR rbp.<> (rbp.anonymity, rbp.anonymity) IS 'different anonymity levels';
COMMENT ON OPERATOR rbp.< (rbp.anonymity, rbp.anonymity) IS 'less anonymous than';
COMMENT ON OPERATOR rbp.<= (rbp.anonymity, rbp.anonymity) IS 'less anonymous than or as anonymous as';
COMMENT ON OPERATOR rbp.> (rbp.anonymity, rbp.anonymity) IS 'more anonymous than';
COMMENT ON OPERATOR rbp.>= (rbp.anonymity, rbp.anonymity) IS 'more anonymous than or as anonymous as';

CREATE OPERATOR CLASS rbp.anonymity_ops
    DEFAULT FOR TYPE rbp.anonymity USING btree AS
        OPERATOR 1 rbp.<,
        OPERATOR 2 rbp.<=,
        OPERATOR 3 rbp.=,
        OPERATOR 4 rbp.>=,
        OPERATOR 5 rbp.>,
        FUNCTION 1 rbp.anonymity_cmp(rbp.anonymity, rbp.anonymity),
        -- equal values have equal bytes, so btree may deduplicate index entries
        FUNCTION 4 pg_catalog.btequalimage(oid);

CREATE OPERATOR CLASS rbp.anonymity_ops
    DEFAULT FOR TYPE rbp.anonymity USING hash AS
        OPERATOR 1 rbp.=,
        FUNCTION 1 rbp.anonymity_hash(rbp.anonymity),
        FUNCTION 2 rbp.anonymity_hash_extended(rbp.anonymity, bigint);

COMMENT ON OPERATOR FAMILY rbp.anonymity_ops USING btree IS 'btree operators of rbp.anonymity';
COMMENT ON OPERATOR CLASS rbp.anonymity_ops USING btree IS
    'Default btree operator class of rbp.anonymity: order from least to most anonymous';
COMMENT ON OPERATOR FAMILY rbp.anonymity_ops USING hash IS 'hash operators of rbp.anonymity';
COMMENT ON OPERATOR CLASS rbp.anonymity_ops USING hash IS
    'Default hash operator class of rbp.anonymity: hash joins, hash aggregation';

-- The one-way rule (G2).
CREATE FUNCTION rbp.anonymity_change_allowed(from_level rbp.anonymity, to_level rbp.anonymity) RETURNS boolean
    AS 'MODULE_PATHNAME', 'anonymity_change_allowed' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
COMMENT ON FUNCTION rbp.anonymity_change_allowed(rbp.anonymity, rbp.anonymity) IS
    'Whether a response may move from the first anonymity level to the second: only to the same or a more anonymous level';

-- ==== sql/install/11_likert.sql (generated file: edit the piece) ====
-- rbp.likert: a point on an N-point agreement scale (src/likert.c, src/likert.h, doc/likert.md).
-- One byte passed by value that carries its scale; rbp.likert(N) constrains it to N points.

CREATE TYPE rbp.likert;

CREATE FUNCTION rbp.likert_in(cstring, oid, integer) RETURNS rbp.likert
    AS 'MODULE_PATHNAME', 'likert_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION rbp.likert_out(rbp.likert) RETURNS cstring
    AS 'MODULE_PATHNAME', 'likert_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION rbp.likert_recv(internal, oid, integer) RETURNS rbp.likert
    AS 'MODULE_PATHNAME', 'likert_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION rbp.likert_send(rbp.likert) RETURNS bytea
    AS 'MODULE_PATHNAME', 'likert_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION rbp.likert_typmod_in(cstring[]) RETURNS integer
    AS 'MODULE_PATHNAME', 'likert_typmod_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION rbp.likert_typmod_out(integer) RETURNS cstring
    AS 'MODULE_PATHNAME', 'likert_typmod_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION rbp.likert_typanalyze(internal) RETURNS boolean
    AS 'MODULE_PATHNAME', 'likert_typanalyze' LANGUAGE C STABLE STRICT PARALLEL SAFE;

CREATE TYPE rbp.likert (
    INPUT = rbp.likert_in,
    OUTPUT = rbp.likert_out,
    RECEIVE = rbp.likert_recv,
    SEND = rbp.likert_send,
    TYPMOD_IN = rbp.likert_typmod_in,
    TYPMOD_OUT = rbp.likert_typmod_out,
    ANALYZE = rbp.likert_typanalyze,
    INTERNALLENGTH = 1,
    PASSEDBYVALUE,
    ALIGNMENT = char,
    STORAGE = plain
);

COMMENT ON TYPE rbp.likert IS
    'A point on an N-point agreement scale (N 2..10, value 1..N) that knows its scale; 1 byte. Text: 1..5 or a label on the default 5-point scale, v/N otherwise. rbp.likert(N) holds N-point values only';
COMMENT ON FUNCTION rbp.likert_in(cstring, oid, integer) IS
    'Text input of rbp.likert: 1..5 or a questionnaire label (5-point), or v/N; with a type modifier (COPY into a rbp.likert(N) column) a bare integer is read on that scale';
COMMENT ON FUNCTION rbp.likert_out(rbp.likert) IS
    'Text output of rbp.likert: v for a 5-point value, v/N otherwise';
COMMENT ON FUNCTION rbp.likert_recv(internal, oid, integer) IS
    'Binary input of rbp.likert: the one-byte encoding (points in the high four bits, value in the low four), validated and checked against the type modifier';
COMMENT ON FUNCTION rbp.likert_send(rbp.likert) IS
    'Binary output of rbp.likert: the one-byte encoding (points in the high four bits, value in the low four)';
COMMENT ON FUNCTION rbp.likert_typmod_in(cstring[]) IS
    'Type modifier input of rbp.likert(N): N, the number of points, 2 to 10';
COMMENT ON FUNCTION rbp.likert_typmod_out(integer) IS
    'Type modifier output of rbp.likert(N)';
COMMENT ON FUNCTION rbp.likert_typanalyze(internal) IS
    'ANALYZE support of rbp.likert: standard statistics for a rbp.likert(N) column; for a column without type modifier, which may mix scales, only null fraction, width and distinct count (no comparisons, so ANALYZE never fails)';

-- Casts: the type modifier, integers.
CREATE FUNCTION rbp.likert(rbp.likert, integer, boolean) RETURNS rbp.likert
    AS 'MODULE_PATHNAME', 'likert_enforce_typmod' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION rbp.likert(integer, integer, boolean) RETURNS rbp.likert
    AS 'MODULE_PATHNAME', 'likert_from_int4' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION rbp.likert_value(rbp.likert) RETURNS integer
    AS 'MODULE_PATHNAME', 'likert_value' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION rbp.likert_points(rbp.likert) RETURNS integer
    AS 'MODULE_PATHNAME', 'likert_points' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION rbp.likert_label(rbp.likert) RETURNS text
    AS 'MODULE_PATHNAME', 'likert_label' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION rbp.likert(rbp.likert, integer, boolean) IS
    'Length-coercion cast to rbp.likert(N): rejects a value on a scale other than N points';
COMMENT ON FUNCTION rbp.likert(integer, integer, boolean) IS
    'Cast integer to rbp.likert(N): the integer is a value on the N-point scale (5-point without a type modifier)';
COMMENT ON FUNCTION rbp.likert_value(rbp.likert) IS
    'The value of a rbp.likert, 1..N (also the cast rbp.likert AS integer)';
COMMENT ON FUNCTION rbp.likert_points(rbp.likert) IS
    'The scale of a rbp.likert: its number of points, 2..10';
COMMENT ON FUNCTION rbp.likert_label(rbp.likert) IS
    'Label of a rbp.likert: the questionnaire labels for 2 to 5 points (strongly disagree .. strongly agree), "v of N" otherwise';

CREATE CAST (rbp.likert AS rbp.likert)
    WITH FUNCTION rbp.likert(rbp.likert, integer, boolean) AS IMPLICIT;
CREATE CAST (integer AS rbp.likert)
    WITH FUNCTION rbp.likert(integer, integer, boolean);
CREATE CAST (rbp.likert AS integer)
    WITH FUNCTION rbp.likert_value(rbp.likert);

COMMENT ON CAST (rbp.likert AS rbp.likert) IS
    'Applies the type modifier rbp.likert(N): a value on another scale is an error (22023), never converted';
COMMENT ON CAST (integer AS rbp.likert) IS
    'Explicit: the integer is a value on the target scale, 5 points unless rbp.likert(N) says otherwise; out of 1..N is 22003';
COMMENT ON CAST (rbp.likert AS integer) IS
    'Explicit: the value 1..N, dropping the scale';

-- Comparison: only values of the same scale compare; mixing scales raises 22023.
CREATE FUNCTION rbp.likert_eq(rbp.likert, rbp.likert) RETURNS boolean
    AS 'MODULE_PATHNAME', 'likert_eq' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION rbp.likert_ne(rbp.likert, rbp.likert) RETURNS boolean
    AS 'MODULE_PATHNAME', 'likert_ne' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION rbp.likert_lt(rbp.likert, rbp.likert) RETURNS boolean
    AS 'MODULE_PATHNAME', 'likert_lt' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION rbp.likert_le(rbp.likert, rbp.likert) RETURNS boolean
    AS 'MODULE_PATHNAME', 'likert_le' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION rbp.likert_gt(rbp.likert, rbp.likert) RETURNS boolean
    AS 'MODULE_PATHNAME', 'likert_gt' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION rbp.likert_ge(rbp.likert, rbp.likert) RETURNS boolean
    AS 'MODULE_PATHNAME', 'likert_ge' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION rbp.likert_cmp(rbp.likert, rbp.likert) RETURNS integer
    AS 'MODULE_PATHNAME', 'likert_cmp' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION rbp.likert_hash(rbp.likert) RETURNS integer
    AS 'MODULE_PATHNAME', 'likert_hash' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION rbp.likert_hash_extended(rbp.likert, bigint) RETURNS bigint
    AS 'MODULE_PATHNAME', 'likert_hash_extended' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION rbp.likert_larger(rbp.likert, rbp.likert) RETURNS rbp.likert
    AS 'MODULE_PATHNAME', 'likert_larger' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION rbp.likert_smaller(rbp.likert, rbp.likert) RETURNS rbp.likert
    AS 'MODULE_PATHNAME', 'likert_smaller' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION rbp.likert_eq(rbp.likert, rbp.likert) IS 'Implementation of = for rbp.likert (22023 across scales)';
COMMENT ON FUNCTION rbp.likert_ne(rbp.likert, rbp.likert) IS 'Implementation of <> for rbp.likert (22023 across scales)';
COMMENT ON FUNCTION rbp.likert_lt(rbp.likert, rbp.likert) IS 'Implementation of < for rbp.likert (22023 across scales)';
COMMENT ON FUNCTION rbp.likert_le(rbp.likert, rbp.likert) IS 'Implementation of <= for rbp.likert (22023 across scales)';
COMMENT ON FUNCTION rbp.likert_gt(rbp.likert, rbp.likert) IS 'Implementation of > for rbp.likert (22023 across scales)';
COMMENT ON FUNCTION rbp.likert_ge(rbp.likert, rbp.likert) IS 'Implementation of >= for rbp.likert (22023 across scales)';
COMMENT ON FUNCTION rbp.likert_cmp(rbp.likert, rbp.likert) IS 'btree comparison support of rbp.likert: -1, 0 or 1 (22023 across scales)';
COMMENT ON FUNCTION rbp.likert_hash(rbp.likert) IS
    'hash support of rbp.likert: hashes the value only, so that equal numbers of different scales meet and raise 22023';
COMMENT ON FUNCTION rbp.likert_hash_extended(rbp.likert, bigint) IS 'seeded (extended) hash support of rbp.likert';
COMMENT ON FUNCTION rbp.likert_larger(rbp.likert, rbp.likert) IS
    'The larger of two rbp.likert values of one scale: transition and combine function of rbp.max';
COMMENT ON FUNCTION rbp.likert_smaller(rbp.likert, rbp.likert) IS
    'The smaller of two rbp.likert values of one scale: transition and combine function of rbp.min';

CREATE OPERATOR rbp.= (
    LEFTARG = rbp.likert, RIGHTARG = rbp.likert, FUNCTION = rbp.likert_eq,
    COMMUTATOR = OPERATOR(rbp.=), NEGATOR = OPERATOR(rbp.<>),
    RESTRICT = eqsel, JOIN = eqjoinsel, HASHES, MERGES
);
CREATE OPERATOR rbp.<> (
    LEFTARG = rbp.likert, RIGHTARG = rbp.likert, FUNCTION = rbp.likert_ne,
    COMMUTATOR = OPERATOR(rbp.<>), NEGATOR = OPERATOR(rbp.=),
    RESTRICT = neqsel, JOIN = neqjoinsel
);
CREATE OPERATOR rbp.< (
    LEFTARG = rbp.likert, RIGHTARG = rbp.likert, FUNCTION = rbp.likert_lt,
    COMMUTATOR = OPERATOR(rbp.>), NEGATOR = OPERATOR(rbp.>=),
    RESTRICT = scalarltsel, JOIN = scalarltjoinsel
);
CREATE OPERATOR rbp.<= (
    LEFTARG = rbp.likert, RIGHTARG = rbp.likert, FUNCTION = rbp.likert_le,
    COMMUTATOR = OPERATOR(rbp.>=), NEGATOR = OPERATOR(rbp.>),
    RESTRICT = scalarlesel, JOIN = scalarlejoinsel
);
CREATE OPERATOR rbp.> (
    LEFTARG = rbp.likert, RIGHTARG = rbp.likert, FUNCTION = rbp.likert_gt,
    COMMUTATOR = OPERATOR(rbp.<), NEGATOR = OPERATOR(rbp.<=),
    RESTRICT = scalargtsel, JOIN = scalargtjoinsel
);
CREATE OPERATOR rbp.>= (
    LEFTARG = rbp.likert, RIGHTARG = rbp.likert, FUNCTION = rbp.likert_ge,
    COMMUTATOR = OPERATOR(rbp.<=), NEGATOR = OPERATOR(rbp.<),
    RESTRICT = scalargesel, JOIN = scalargejoinsel
);

COMMENT ON OPERATOR rbp.= (rbp.likert, rbp.likert) IS 'equal (values of one scale; 22023 across scales)';
COMMENT ON OPERATOR rbp.<> (rbp.likert, rbp.likert) IS 'not equal (values of one scale; 22023 across scales)';
COMMENT ON OPERATOR rbp.< (rbp.likert, rbp.likert) IS 'less agreement than (values of one scale; 22023 across scales)';
COMMENT ON OPERATOR rbp.<= (rbp.likert, rbp.likert) IS 'less or equal agreement (values of one scale; 22023 across scales)';
COMMENT ON OPERATOR rbp.> (rbp.likert, rbp.likert) IS 'more agreement than (values of one scale; 22023 across scales)';
COMMENT ON OPERATOR rbp.>= (rbp.likert, rbp.likert) IS 'more or equal agreement (values of one scale; 22023 across scales)';

CREATE OPERATOR CLASS rbp.likert_ops
    DEFAULT FOR TYPE rbp.likert USING btree AS
        OPERATOR 1 rbp.<,
        OPERATOR 2 rbp.<=,
        OPERATOR 3 rbp.=,
        OPERATOR 4 rbp.>=,
        OPERATOR 5 rbp.>,
        FUNCTION 1 rbp.likert_cmp(rbp.likert, rbp.likert),
        -- equal values have equal bytes, so btree may deduplicate index entries
        FUNCTION 4 pg_catalog.btequalimage(oid);

CREATE OPERATOR CLASS rbp.likert_ops
    DEFAULT FOR TYPE rbp.likert USING hash AS
        OPERATOR 1 rbp.=,
        FUNCTION 1 rbp.likert_hash(rbp.likert),
        FUNCTION 2 rbp.likert_hash_extended(rbp.likert, bigint);

COMMENT ON OPERATOR FAMILY rbp.likert_ops USING btree IS 'btree operators of rbp.likert';
COMMENT ON OPERATOR CLASS rbp.likert_ops USING btree IS
    'Default btree operator class of rbp.likert: order by value within one scale; mixing scales raises 22023';
COMMENT ON OPERATOR FAMILY rbp.likert_ops USING hash IS 'hash operators of rbp.likert';
COMMENT ON OPERATOR CLASS rbp.likert_ops USING hash IS
    'Default hash operator class of rbp.likert: hash joins and hash aggregation; mixing scales raises 22023';

-- min/max. Parallel: the combine function is the transition function itself.
CREATE AGGREGATE rbp.min(rbp.likert) (
    SFUNC = rbp.likert_smaller,
    STYPE = rbp.likert,
    COMBINEFUNC = rbp.likert_smaller,
    SORTOP = OPERATOR(rbp.<),
    PARALLEL = SAFE
);
CREATE AGGREGATE rbp.max(rbp.likert) (
    SFUNC = rbp.likert_larger,
    STYPE = rbp.likert,
    COMBINEFUNC = rbp.likert_larger,
    SORTOP = OPERATOR(rbp.>),
    PARALLEL = SAFE
);

COMMENT ON AGGREGATE rbp.min(rbp.likert) IS 'Smallest rbp.likert value (values of one scale; 22023 across scales)';
COMMENT ON AGGREGATE rbp.max(rbp.likert) IS 'Largest rbp.likert value (values of one scale; 22023 across scales)';

-- ==== sql/install/12_cadence.sql (generated file: edit the piece) ====
-- rbp.cadence: a recurring window of time, "due from 2 months, overdue after 3 months", written
-- '2 months..3 months'. The C code is src/cadence.c; doc/cadence.md is the reference.

CREATE TYPE rbp.cadence;

CREATE FUNCTION rbp.cadence_in(cstring) RETURNS rbp.cadence
    AS 'MODULE_PATHNAME', 'cadence_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION rbp.cadence_in(cstring) IS 'Input function of rbp.cadence: ''<lower>..<upper>'', e.g. ''2 months..3 months''';

CREATE FUNCTION rbp.cadence_out(rbp.cadence) RETURNS cstring
    AS 'MODULE_PATHNAME', 'cadence_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION rbp.cadence_out(rbp.cadence) IS 'Output function of rbp.cadence: the canonical text form';

CREATE FUNCTION rbp.cadence_recv(internal) RETURNS rbp.cadence
    AS 'MODULE_PATHNAME', 'cadence_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION rbp.cadence_recv(internal) IS 'Binary input of rbp.cadence: four int32 (lower months, lower days, upper months, upper days), validated';

CREATE FUNCTION rbp.cadence_send(rbp.cadence) RETURNS bytea
    AS 'MODULE_PATHNAME', 'cadence_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION rbp.cadence_send(rbp.cadence) IS 'Binary output of rbp.cadence: four int32 (lower months, lower days, upper months, upper days)';

CREATE TYPE rbp.cadence (
    INPUT = rbp.cadence_in,
    OUTPUT = rbp.cadence_out,
    RECEIVE = rbp.cadence_recv,
    SEND = rbp.cadence_send,
    INTERNALLENGTH = 16,
    ALIGNMENT = int4,
    STORAGE = plain
);
COMMENT ON TYPE rbp.cadence IS 'A recurring window counted from an anchor date: due from the lower bound, overdue from the upper bound, e.g. ''2 months..3 months''';

-- Equality (by stored lengths: '4 weeks..8 weeks' = '28 days..56 days'; '1 month' is never '30 days').
CREATE FUNCTION rbp.cadence_eq(rbp.cadence, rbp.cadence) RETURNS boolean
    AS 'MODULE_PATHNAME', 'cadence_eq' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
COMMENT ON FUNCTION rbp.cadence_eq(rbp.cadence, rbp.cadence) IS 'True when two cadences have the same bounds (months and days compared separately)';

CREATE FUNCTION rbp.cadence_ne(rbp.cadence, rbp.cadence) RETURNS boolean
    AS 'MODULE_PATHNAME', 'cadence_ne' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
COMMENT ON FUNCTION rbp.cadence_ne(rbp.cadence, rbp.cadence) IS 'True when two cadences differ in a bound';

CREATE FUNCTION rbp.cadence_hash(rbp.cadence) RETURNS integer
    AS 'MODULE_PATHNAME', 'cadence_hash' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION rbp.cadence_hash(rbp.cadence) IS 'Hash of a cadence, consistent with =';

CREATE OPERATOR rbp.= (
    LEFTARG = rbp.cadence, RIGHTARG = rbp.cadence, FUNCTION = rbp.cadence_eq,
    COMMUTATOR = OPERATOR(rbp.=), NEGATOR = OPERATOR(rbp.<>),
    RESTRICT = eqsel, JOIN = eqjoinsel, HASHES
);
COMMENT ON OPERATOR rbp.= (rbp.cadence, rbp.cadence) IS 'Cadences with the same bounds';

CREATE OPERATOR rbp.<> (
    LEFTARG = rbp.cadence, RIGHTARG = rbp.cadence, FUNCTION = rbp.cadence_ne,
    COMMUTATOR = OPERATOR(rbp.<>), NEGATOR = OPERATOR(rbp.=),
    RESTRICT = neqsel, JOIN = neqjoinsel
);
COMMENT ON OPERATOR rbp.<> (rbp.cadence, rbp.cadence) IS 'Cadences that differ in a bound';

CREATE OPERATOR CLASS rbp.cadence_hash_ops DEFAULT FOR TYPE rbp.cadence USING hash AS
    OPERATOR 1 rbp.= (rbp.cadence, rbp.cadence),
    FUNCTION 1 rbp.cadence_hash(rbp.cadence);
COMMENT ON OPERATOR CLASS rbp.cadence_hash_ops USING hash IS 'Hash equality for rbp.cadence (GROUP BY, DISTINCT, hash joins)';
COMMENT ON OPERATOR FAMILY rbp.cadence_hash_ops USING hash IS 'Hash equality for rbp.cadence';

-- Building and taking apart.
CREATE FUNCTION rbp.cadence(lower interval, upper interval) RETURNS rbp.cadence
    AS 'MODULE_PATHNAME', 'cadence_from_intervals' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION rbp.cadence(interval, interval) IS 'A cadence from two intervals of whole days, weeks, months or years (no time part), validated like the text form';

CREATE FUNCTION rbp.cadence_lower(rbp.cadence) RETURNS interval
    AS 'MODULE_PATHNAME', 'cadence_lower' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION rbp.cadence_lower(rbp.cadence) IS 'The lower bound of a cadence (due from anchor + this) as an interval of months and days';

CREATE FUNCTION rbp.cadence_upper(rbp.cadence) RETURNS interval
    AS 'MODULE_PATHNAME', 'cadence_upper' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION rbp.cadence_upper(rbp.cadence) IS 'The upper bound of a cadence (overdue from anchor + this) as an interval of months and days';

-- Date arithmetic.
CREATE FUNCTION rbp.add_months_days(anchor date, months integer, days integer) RETURNS date
    AS 'MODULE_PATHNAME', 'cadence_add_months_days' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION rbp.add_months_days(date, integer, integer) IS 'anchor + months (day of month clamped to the target month: 31 Jan + 1 month = 28/29 Feb) + days: the month rule of rbp.cadence';

CREATE FUNCTION rbp.due_from(rbp.cadence, anchor date) RETURNS date
    AS 'MODULE_PATHNAME', 'cadence_due_from' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION rbp.due_from(rbp.cadence, date) IS 'First day the next invitation is due: anchor + the lower bound';

CREATE FUNCTION rbp.overdue_from(rbp.cadence, anchor date) RETURNS date
    AS 'MODULE_PATHNAME', 'cadence_overdue_from' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION rbp.overdue_from(rbp.cadence, date) IS 'First day the next invitation is overdue: anchor + the upper bound';

CREATE TYPE rbp.cadence_window AS (due_from date, overdue_from date);
COMMENT ON TYPE rbp.cadence_window IS 'One window of a cadence: due from due_from (inclusive), overdue from overdue_from (inclusive)';
COMMENT ON COLUMN rbp.cadence_window.due_from IS 'First day the invitation is due';
COMMENT ON COLUMN rbp.cadence_window.overdue_from IS 'First day the invitation is overdue';

CREATE FUNCTION rbp.next_window(rbp.cadence, anchor date) RETURNS rbp.cadence_window
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    RETURN ROW(rbp.due_from($1, $2), rbp.overdue_from($1, $2))::rbp.cadence_window;
COMMENT ON FUNCTION rbp.next_window(rbp.cadence, date) IS 'The window that follows an anchor date (start of involvement, last invitation or response)';

CREATE FUNCTION rbp.cadence_windows(rbp.cadence, anchor date, until date,
                                    OUT n integer, OUT due_from date, OUT overdue_from date)
    RETURNS SETOF record
    AS 'MODULE_PATHNAME', 'cadence_windows' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 12;
COMMENT ON FUNCTION rbp.cadence_windows(rbp.cadence, date, date) IS 'The windows after anchor whose due_from is on or before until, each invitation assumed issued the day it falls due; window n is counted from the anchor (no drift at month ends)';

-- Status of a schedule on a date. A bare cadence knows only the first three; the schedules of
-- sql/install/50_schedule.sql add paused, opted_out and closed.
CREATE TYPE rbp.schedule_status AS ENUM ('not_due', 'due', 'overdue', 'paused', 'opted_out', 'closed');
COMMENT ON TYPE rbp.schedule_status IS 'Where a schedule stands on a date: not_due, due, overdue, paused, opted_out (no more invitations), closed (nothing more to send)';

CREATE FUNCTION rbp.cadence_status(rbp.cadence, anchor date, on_date date) RETURNS rbp.schedule_status
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    RETURN CASE WHEN $3 < rbp.due_from($1, $2) THEN 'not_due'::rbp.schedule_status
                WHEN $3 < rbp.overdue_from($1, $2) THEN 'due'::rbp.schedule_status
                ELSE 'overdue'::rbp.schedule_status END;
COMMENT ON FUNCTION rbp.cadence_status(rbp.cadence, date, date) IS 'not_due before anchor + lower, due from then, overdue from anchor + upper';

-- ==== sql/install/13_distribution.sql (generated file: edit the piece) ====
-- rbp.likert_distribution: respondents and counts per point on one scale, with the aggregates
-- that build and combine it and the accessors reports use (src/distribution.c, doc/distribution.md).

CREATE TYPE rbp.likert_distribution;

CREATE FUNCTION rbp.likert_distribution_in(cstring) RETURNS rbp.likert_distribution
    AS 'MODULE_PATHNAME', 'likert_distribution_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION rbp.likert_distribution_out(rbp.likert_distribution) RETURNS cstring
    AS 'MODULE_PATHNAME', 'likert_distribution_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION rbp.likert_distribution_recv(internal) RETURNS rbp.likert_distribution
    AS 'MODULE_PATHNAME', 'likert_distribution_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION rbp.likert_distribution_send(rbp.likert_distribution) RETURNS bytea
    AS 'MODULE_PATHNAME', 'likert_distribution_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

-- Fixed length (96 bytes: scale, n, ten 8-byte counts), so that the aggregates can keep it as
-- their state and update it in place, and parallel workers pass it on without serialisation.
CREATE TYPE rbp.likert_distribution (
    INPUT = rbp.likert_distribution_in,
    OUTPUT = rbp.likert_distribution_out,
    RECEIVE = rbp.likert_distribution_recv,
    SEND = rbp.likert_distribution_send,
    INTERNALLENGTH = 96,
    ALIGNMENT = double,
    STORAGE = plain
);

COMMENT ON TYPE rbp.likert_distribution IS
    'How many respondents (n) gave which score on one likert scale: {points:5,n:12,counts:[0,1,2,4,5]}; n counts respondents, the counts answers (equal for one question); {} is the empty distribution before a scale is known';
COMMENT ON FUNCTION rbp.likert_distribution_in(cstring) IS
    'Text input of rbp.likert_distribution: {points:P,n:N,counts:[c1,...,cP]}';
COMMENT ON FUNCTION rbp.likert_distribution_out(rbp.likert_distribution) IS
    'Text output of rbp.likert_distribution: {points:P,n:N,counts:[c1,...,cP]}';
COMMENT ON FUNCTION rbp.likert_distribution_recv(internal) IS
    'Binary input of rbp.likert_distribution: int4 points, int8 n, one int8 count per point';
COMMENT ON FUNCTION rbp.likert_distribution_send(rbp.likert_distribution) IS
    'Binary output of rbp.likert_distribution: int4 points, int8 n, one int8 count per point';

CREATE FUNCTION rbp.likert_distribution_eq(rbp.likert_distribution, rbp.likert_distribution) RETURNS boolean
    AS 'MODULE_PATHNAME', 'likert_distribution_eq' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
COMMENT ON FUNCTION rbp.likert_distribution_eq(rbp.likert_distribution, rbp.likert_distribution) IS
    'Whether two distributions have the same scale, respondents and counts';
CREATE OPERATOR rbp.= (
    LEFTARG = rbp.likert_distribution, RIGHTARG = rbp.likert_distribution,
    FUNCTION = rbp.likert_distribution_eq, COMMUTATOR = OPERATOR(rbp.=),
    RESTRICT = eqsel, JOIN = eqjoinsel
);
COMMENT ON OPERATOR rbp.= (rbp.likert_distribution, rbp.likert_distribution) IS
    'Same scale, same respondents, same counts';

-- Aggregate support ----------------------------------------------------------------------------

CREATE FUNCTION rbp.likert_summary_trans(rbp.likert_distribution, rbp.likert) RETURNS rbp.likert_distribution
    AS 'MODULE_PATHNAME', 'likert_summary_trans' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION rbp.likert_summary_trans(rbp.likert_distribution, rbp.likert) IS
    'Transition function of rbp.likert_summary(rbp.likert) and rbp.likert_respondent: adds one answer (the first fixes the scale of the empty {}; a different scale raises 22023)';

CREATE FUNCTION rbp.likert_summary_combine(rbp.likert_distribution, rbp.likert_distribution) RETURNS rbp.likert_distribution
    AS 'MODULE_PATHNAME', 'likert_summary_combine' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION rbp.likert_summary_combine(rbp.likert_distribution, rbp.likert_distribution) IS
    'The distribution of two disjoint groups of respondents (sums n and the counts; different scales raise 22023); combine function of the summaries';

CREATE FUNCTION rbp.likert_summary_final(rbp.likert_distribution) RETURNS rbp.likert_distribution
    AS 'MODULE_PATHNAME', 'likert_summary_final' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION rbp.likert_summary_final(rbp.likert_distribution) IS
    'Final function of rbp.likert_summary(rbp.likert): NULL when no answer was summarised (the state is still {})';

CREATE FUNCTION rbp.likert_respondent_final(rbp.likert_distribution) RETURNS rbp.likert_distribution
    AS 'MODULE_PATHNAME', 'likert_respondent_final' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION rbp.likert_respondent_final(rbp.likert_distribution) IS
    'Final function of rbp.likert_respondent: the answers summarised were one respondent''s, so n is 1 (NULL when there were none)';

CREATE AGGREGATE rbp.likert_summary(rbp.likert) (
    SFUNC = rbp.likert_summary_trans,
    STYPE = rbp.likert_distribution,
    INITCOND = '{}',
    FINALFUNC = rbp.likert_summary_final,
    COMBINEFUNC = rbp.likert_summary_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE rbp.likert_summary(rbp.likert) IS
    'Distribution of the answers, one respondent per non-NULL input row (summarise one question at a time, or use rbp.likert_respondent per response first); NULL over no answers';

CREATE AGGREGATE rbp.likert_respondent(rbp.likert) (
    SFUNC = rbp.likert_summary_trans,
    STYPE = rbp.likert_distribution,
    INITCOND = '{}',
    FINALFUNC = rbp.likert_respondent_final,
    COMBINEFUNC = rbp.likert_summary_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE rbp.likert_respondent(rbp.likert) IS
    'Distribution of one respondent''s answers (group by the response): counts every answer, n = 1; roll these up with rbp.likert_summary(rbp.likert_distribution)';

CREATE AGGREGATE rbp.likert_summary(rbp.likert_distribution) (
    SFUNC = rbp.likert_summary_combine,
    STYPE = rbp.likert_distribution,
    COMBINEFUNC = rbp.likert_summary_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE rbp.likert_summary(rbp.likert_distribution) IS
    'Roll-up: the distribution of disjoint groups of respondents (e.g. a team from its workers, a year from its quarters), without reading the answers again';

-- Accessors ------------------------------------------------------------------------------------

CREATE FUNCTION rbp.respondents(rbp.likert_distribution) RETURNS bigint
    AS 'MODULE_PATHNAME', 'likert_distribution_respondents' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION rbp.respondents(rbp.likert_distribution) IS
    'n: the number of respondents in the distribution';

CREATE FUNCTION rbp.answers(rbp.likert_distribution) RETURNS bigint
    AS 'MODULE_PATHNAME', 'likert_distribution_answers' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION rbp.answers(rbp.likert_distribution) IS
    'The number of answers (sum of the counts); equals rbp.respondents for one question';

CREATE FUNCTION rbp.points(rbp.likert_distribution) RETURNS integer
    AS 'MODULE_PATHNAME', 'likert_distribution_points' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION rbp.points(rbp.likert_distribution) IS
    'The scale of the distribution: its number of points (2..10); NULL for the empty {}';

CREATE FUNCTION rbp.point_count(rbp.likert_distribution, integer) RETURNS bigint
    AS 'MODULE_PATHNAME', 'likert_distribution_count' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION rbp.point_count(rbp.likert_distribution, integer) IS
    'The number of answers at the given point (1..points; another point raises 22023)';

CREATE FUNCTION rbp.counts(rbp.likert_distribution) RETURNS bigint[]
    AS 'MODULE_PATHNAME', 'likert_distribution_counts' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION rbp.counts(rbp.likert_distribution) IS
    'The counts per point as an array, element i for point i';

CREATE FUNCTION rbp.mean(rbp.likert_distribution) RETURNS double precision
    AS 'MODULE_PATHNAME', 'likert_distribution_mean' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION rbp.mean(rbp.likert_distribution) IS
    'The mean score over the answers (NULL when there are none)';

CREATE FUNCTION rbp.median(rbp.likert_distribution) RETURNS double precision
    AS 'MODULE_PATHNAME', 'likert_distribution_median' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION rbp.median(rbp.likert_distribution) IS
    'The median score over the answers, as percentile_cont(0.5): halfway between the two middle answers when their number is even (NULL when there are none)';

CREATE FUNCTION rbp.share_agreeing(rbp.likert_distribution) RETURNS double precision
    AS 'MODULE_PATHNAME', 'likert_distribution_share_agreeing' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION rbp.share_agreeing(rbp.likert_distribution) IS
    'The share (0..1) of answers at the top two points (agree, strongly agree), or at the top point of a 2- or 3-point scale (NULL when there are none)';

CREATE FUNCTION rbp.agreeing(rbp.likert_distribution) RETURNS bigint
    AS 'MODULE_PATHNAME', 'likert_distribution_agreeing' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION rbp.agreeing(rbp.likert_distribution) IS
    'The number of answers that agree: at the top two points, or the top point of a 2- or 3-point scale (the numerator of rbp.share_agreeing)';

-- ==== sql/install/15_token.sql (generated file: edit the piece) ====
CREATE FUNCTION rbp.new_invitation_token() RETURNS text
    AS 'MODULE_PATHNAME', 'new_invitation_token'
    LANGUAGE C VOLATILE PARALLEL SAFE;
COMMENT ON FUNCTION rbp.new_invitation_token() IS
    'A fresh unguessable invitation token: 192 bits from the operating system''s cryptographic random source, as 32 URL-safe characters';

-- ==== sql/install/20_model.sql (generated file: edit the piece) ====
-- The evaluation data model: who works with which family, who supervises whom, which questions are
-- asked, and the feedback given. Identifying tables (families, respondents, involvements,
-- invitations) are read by QA of their own authority only; everything is written through the API
-- functions of 30_*.sql, never directly.

CREATE TYPE rbp.respondent_kind AS ENUM
    ('parent', 'carer', 'extended_family', 'important_friend', 'child_young_person');
COMMENT ON TYPE rbp.respondent_kind IS
    'Who gives feedback: any family member with an allocated social worker (framework: who should evaluate)';

CREATE TYPE rbp.invitation_channel AS ENUM ('link', 'qr_code', 'text_message', 'email', 'interview');
COMMENT ON TYPE rbp.invitation_channel IS
    'How an invitation reaches the family: a link or QR code on the leaflet, a text message, an email, or an offer of an interview';

CREATE TYPE rbp.response_channel AS ENUM ('online', 'interview_expert_by_experience', 'interview_practitioner');
COMMENT ON TYPE rbp.response_channel IS
    'How the answers were given: the online survey, or an interview by an Expert by Experience or by a practitioner (same questions either way)';

CREATE TYPE rbp.question_kind AS ENUM ('scale', 'free_text');
COMMENT ON TYPE rbp.question_kind IS 'A question answered on an N-point scale (an rbp.likert) or in the respondent''s own words';

CREATE TYPE rbp.qa_status AS ENUM ('awaiting_qa', 'released', 'held');
COMMENT ON TYPE rbp.qa_status IS
    'QA collates named and worker-only feedback before it reaches worker and supervisor: awaiting_qa, released to them, or held (e.g. a safeguarding concern)';

CREATE TYPE rbp.recipient_kind AS ENUM ('supervisor', 'team_manager', 'qa_team');
COMMENT ON TYPE rbp.recipient_kind IS
    'Who is responsible for reviewing an item of feedback: the worker''s supervisor, failing that the team manager, failing that the authority''s QA team';

CREATE TYPE rbp.support_offer AS ENUM ('meeting_with_family', 'training', 'workload_review');
COMMENT ON TYPE rbp.support_offer IS
    'Support a supervisor may offer when feedback raises a matter: a meeting between worker and family, training, or a review of workload';

CREATE TYPE rbp.action_status AS ENUM ('recommended', 'agreed', 'done');
COMMENT ON TYPE rbp.action_status IS 'Progress of an action arising from themed feedback';

CREATE TYPE rbp.feedback_audience AS ENUM ('families', 'practitioners', 'parent_advisory_board',
                                           'childrens_consultation_group', 'senior_managers');
COMMENT ON TYPE rbp.feedback_audience IS 'Who was told about a change ("You said, we did") or took part in a focus group';

CREATE TYPE rbp.support_kind AS ENUM ('practical', 'emotional');
COMMENT ON TYPE rbp.support_kind IS 'Kind of support option shown on every survey';

-- Settings of the whole database (not of a session): changed only by rbp_admin through
-- rbp.set_suppression_threshold(), read by anyone through rbp.suppression_threshold().
CREATE TABLE rbp.setting (
    name    text PRIMARY KEY,
    value   integer NOT NULL
);
COMMENT ON TABLE rbp.setting IS 'Database-wide settings of feedback_rbp (the suppression threshold); changed only through the administrator''s functions';

CREATE TABLE rbp.authority (
    authority_id            integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code                    text NOT NULL UNIQUE CHECK (code ~ '^[a-z][a-z0-9_]*$'),
    name                    text NOT NULL,
    auto_release_after_days integer CHECK (auto_release_after_days >= 0)
);
COMMENT ON TABLE rbp.authority IS 'A local authority; several may share one database, each QA team collates its own';
COMMENT ON COLUMN rbp.authority.code IS 'Short stable code the case system uses to name the authority (lower case)';
COMMENT ON COLUMN rbp.authority.auto_release_after_days IS
    'If set, named and worker-only feedback not held by QA is released to worker and supervisor automatically this many days after submission; NULL: QA releases by hand';

CREATE TABLE rbp.team (
    team_id         integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    authority_id    integer NOT NULL REFERENCES rbp.authority,
    code            text NOT NULL,
    name            text NOT NULL,
    UNIQUE (authority_id, code),
    UNIQUE (authority_id, team_id)
);
COMMENT ON TABLE rbp.team IS 'A social work team of an authority';

CREATE TABLE rbp.staff (
    staff_id        integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    authority_id    integer NOT NULL REFERENCES rbp.authority,
    staff_ref       text NOT NULL,
    display_name    text NOT NULL,
    team_id         integer,
    db_role         name UNIQUE,
    is_qa           boolean NOT NULL DEFAULT false,
    UNIQUE (authority_id, staff_ref),
    UNIQUE (authority_id, staff_id),
    FOREIGN KEY (authority_id, team_id) REFERENCES rbp.team (authority_id, team_id)
);
COMMENT ON TABLE rbp.staff IS 'Social workers, supervisors, managers and QA officers, identified by the case system''s own reference';
COMMENT ON COLUMN rbp.staff.staff_ref IS 'The case-management system''s reference for this member of staff';
COMMENT ON COLUMN rbp.staff.db_role IS 'The database login of this person, if they read feedback directly; row-level security compares it with the calling role (rbp.calling_role())';
COMMENT ON COLUMN rbp.staff.is_qa IS 'Member of the authority''s Quality Assurance team (not involved in direct work): reads all feedback of the authority';

-- A gist exclusion constraint needs an operator class for every column; ranges have one built in,
-- so the worker id is compared as the one-point range [id,id] instead of requiring btree_gist.
CREATE TABLE rbp.supervision (
    supervision_id  integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    authority_id    integer NOT NULL,
    worker_id       integer NOT NULL,
    supervisor_id   integer NOT NULL,
    during          daterange NOT NULL CHECK (NOT isempty(during) AND lower(during) IS NOT NULL),
    CHECK (worker_id <> supervisor_id),
    FOREIGN KEY (authority_id, worker_id) REFERENCES rbp.staff (authority_id, staff_id),
    FOREIGN KEY (authority_id, supervisor_id) REFERENCES rbp.staff (authority_id, staff_id),
    CONSTRAINT supervision_no_overlap
        EXCLUDE USING gist (int4range(worker_id, worker_id, '[]') WITH =, during WITH &&)
);
COMMENT ON TABLE rbp.supervision IS 'Who supervises a worker over which dates; a worker has at most one supervisor on any day';

CREATE TABLE rbp.team_manager (
    team_manager_id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    authority_id    integer NOT NULL,
    team_id         integer NOT NULL,
    manager_id      integer NOT NULL,
    during          daterange NOT NULL CHECK (NOT isempty(during) AND lower(during) IS NOT NULL),
    FOREIGN KEY (authority_id, team_id) REFERENCES rbp.team (authority_id, team_id),
    FOREIGN KEY (authority_id, manager_id) REFERENCES rbp.staff (authority_id, staff_id),
    CONSTRAINT team_manager_no_overlap
        EXCLUDE USING gist (int4range(team_id, team_id, '[]') WITH =, during WITH &&)
);
COMMENT ON TABLE rbp.team_manager IS 'Who manages a team over which dates: feedback of a worker without a supervisor goes to them';

CREATE TABLE rbp.family (
    family_id       integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    authority_id    integer NOT NULL REFERENCES rbp.authority,
    family_ref      text NOT NULL,
    UNIQUE (authority_id, family_ref),
    UNIQUE (authority_id, family_id)
);
COMMENT ON TABLE rbp.family IS 'A family known to the authority, by the case system''s reference (identifying: QA of the authority only)';

CREATE TABLE rbp.respondent (
    respondent_id   integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    authority_id    integer NOT NULL,
    family_id       integer NOT NULL,
    respondent_ref  text NOT NULL,
    kind            rbp.respondent_kind NOT NULL,
    UNIQUE (authority_id, respondent_ref),
    UNIQUE (authority_id, respondent_id),
    FOREIGN KEY (authority_id, family_id) REFERENCES rbp.family (authority_id, family_id)
);
COMMENT ON TABLE rbp.respondent IS 'A family member who may give feedback: parent, carer, extended family, important friend, child or young person';

CREATE TABLE rbp.involvement (
    involvement_id  integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    authority_id    integer NOT NULL,
    involvement_ref text NOT NULL,
    family_id       integer NOT NULL,
    team_id         integer NOT NULL,
    started_on      date NOT NULL,
    closed_on       date CHECK (closed_on >= started_on),
    UNIQUE (authority_id, involvement_ref),
    UNIQUE (authority_id, involvement_id),
    FOREIGN KEY (authority_id, family_id) REFERENCES rbp.family (authority_id, family_id),
    FOREIGN KEY (authority_id, team_id) REFERENCES rbp.team (authority_id, team_id)
);
COMMENT ON TABLE rbp.involvement IS 'A period of Children''s Services involvement with a family, held by a team; closed_on is NULL while open';

CREATE TABLE rbp.allocation (
    allocation_id   integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    authority_id    integer NOT NULL,
    involvement_id  integer NOT NULL,
    worker_id       integer NOT NULL,
    during          daterange NOT NULL CHECK (NOT isempty(during) AND lower(during) IS NOT NULL),
    FOREIGN KEY (authority_id, involvement_id) REFERENCES rbp.involvement (authority_id, involvement_id),
    FOREIGN KEY (authority_id, worker_id) REFERENCES rbp.staff (authority_id, staff_id),
    CONSTRAINT allocation_no_overlap
        EXCLUDE USING gist (int4range(involvement_id, involvement_id, '[]') WITH =, during WITH &&)
);
COMMENT ON TABLE rbp.allocation IS 'The social worker allocated to an involvement over a date range, always inside the involvement; one at a time';
CREATE INDEX allocation_worker ON rbp.allocation (worker_id);
-- The exclusion constraint's index is on a range of involvement_id, which an equality cannot use:
-- finding the allocated worker at submission needs its own index.
CREATE INDEX allocation_involvement ON rbp.allocation (involvement_id);

CREATE TABLE rbp.instrument (
    instrument_id   integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code            text NOT NULL,
    version         integer NOT NULL CHECK (version > 0),
    title           text NOT NULL,
    introduction    text NOT NULL,
    respondent_kinds rbp.respondent_kind[] NOT NULL CHECK (cardinality(respondent_kinds) > 0),
    is_current      boolean NOT NULL DEFAULT true,
    is_seed         boolean NOT NULL DEFAULT false,
    UNIQUE (code, version)
);
COMMENT ON TABLE rbp.instrument IS 'A versioned questionnaire: a new version is a new row, answers keep pointing at the version they answered';
COMMENT ON COLUMN rbp.instrument.is_current IS 'The version new invitations use for its respondent kinds';
COMMENT ON COLUMN rbp.instrument.is_seed IS 'Installed by the extension script (left out of pg_dump, which re-creates it)';
CREATE UNIQUE INDEX instrument_one_current ON rbp.instrument (code) WHERE is_current;

CREATE TABLE rbp.question (
    question_id     integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    instrument_id   integer NOT NULL REFERENCES rbp.instrument,
    code            text NOT NULL CHECK (code ~ '^[a-z][a-z0-9_]*$'),
    position        integer NOT NULL,
    kind            rbp.question_kind NOT NULL,
    prompt          text NOT NULL,
    scale_points    integer CHECK (scale_points BETWEEN 2 AND 10),
    CHECK ((kind = 'scale') = (scale_points IS NOT NULL)),
    UNIQUE (instrument_id, code),
    UNIQUE (instrument_id, position)
);
COMMENT ON TABLE rbp.question IS 'A question of an instrument; every question may be skipped';
COMMENT ON COLUMN rbp.question.scale_points IS 'For scale questions, the number of points of the rbp.likert answer (5 for the parents'' statements)';

CREATE TABLE rbp.invitation (
    invitation_id   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    authority_id    integer NOT NULL,
    respondent_id   integer NOT NULL,
    involvement_id  integer NOT NULL,
    instrument_id   integer NOT NULL REFERENCES rbp.instrument,
    channel         rbp.invitation_channel NOT NULL,
    token_hash      bytea NOT NULL UNIQUE,
    issued_on       date NOT NULL,
    expires_on      date NOT NULL CHECK (expires_on >= issued_on),
    used_on         date,
    reminders_sent  integer NOT NULL DEFAULT 0 CHECK (reminders_sent >= 0),
    FOREIGN KEY (authority_id, respondent_id) REFERENCES rbp.respondent (authority_id, respondent_id),
    FOREIGN KEY (authority_id, involvement_id) REFERENCES rbp.involvement (authority_id, involvement_id)
);
COMMENT ON TABLE rbp.invitation IS
    'An invitation to give feedback. Only the SHA-256 of its token is kept; used_on records that it was used, on which date, and nothing that points at the response';
COMMENT ON COLUMN rbp.invitation.token_hash IS 'sha256 of the token handed to the family: the token itself is returned once by rbp.issue_invitation() and never stored';
CREATE INDEX invitation_involvement ON rbp.invitation (involvement_id);
CREATE INDEX invitation_respondent ON rbp.invitation (respondent_id);

-- Released feedback of every anonymity level. The identifying columns are filled according to the
-- level (see the CHECK): a worker-only response has no family, an anonymous one no family, worker,
-- submission date or invitation. response_id is random, so ids carry no order.
CREATE TABLE rbp.response (
    response_id     uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    authority_id    integer NOT NULL REFERENCES rbp.authority,
    instrument_id   integer NOT NULL REFERENCES rbp.instrument,
    respondent_kind rbp.respondent_kind NOT NULL,
    channel         rbp.response_channel NOT NULL,
    anonymity       rbp.anonymity NOT NULL,
    period          date NOT NULL CHECK (period = date_trunc('month', period)::date),
    team_id         integer,
    worker_id       integer,
    respondent_id   integer,
    involvement_id  integer,
    submitted_on    date,
    qa_status       rbp.qa_status NOT NULL DEFAULT 'awaiting_qa',
    qa_status_on    date,
    qa_note         text,
    escalated       boolean NOT NULL DEFAULT false,
    FOREIGN KEY (authority_id, team_id) REFERENCES rbp.team (authority_id, team_id),
    FOREIGN KEY (authority_id, worker_id) REFERENCES rbp.staff (authority_id, staff_id),
    FOREIGN KEY (authority_id, respondent_id) REFERENCES rbp.respondent (authority_id, respondent_id),
    FOREIGN KEY (authority_id, involvement_id) REFERENCES rbp.involvement (authority_id, involvement_id),
    CONSTRAINT response_identifying_data_matches_anonymity CHECK (CASE anonymity
        WHEN 'named'       THEN respondent_id IS NOT NULL AND involvement_id IS NOT NULL AND submitted_on IS NOT NULL
        WHEN 'worker_only' THEN respondent_id IS NULL AND involvement_id IS NULL AND submitted_on IS NOT NULL
        ELSE respondent_id IS NULL AND involvement_id IS NULL AND worker_id IS NULL AND submitted_on IS NULL
             AND qa_status = 'released' END)
);
COMMENT ON TABLE rbp.response IS
    'A family member''s answers. named: family and worker known; worker_only: worker known, family not; anonymous: neither, and released only in batches (see doc/threat-model.md)';
COMMENT ON COLUMN rbp.response.period IS 'First day of the month the response counts in; for anonymous responses, the month of the release batch';
COMMENT ON COLUMN rbp.response.worker_id IS 'The worker allocated to the involvement on the submission date (the most recent allocation if the involvement had ended)';
COMMENT ON COLUMN rbp.response.team_id IS 'The team of the involvement; for anonymous responses only if the respondent chose to give it';
CREATE INDEX response_worker ON rbp.response (worker_id) WHERE worker_id IS NOT NULL;
CREATE INDEX response_authority_period ON rbp.response (authority_id, period);

CREATE TABLE rbp.answer (
    response_id     uuid NOT NULL REFERENCES rbp.response ON DELETE CASCADE,
    question_id     integer NOT NULL REFERENCES rbp.question,
    score           rbp.likert,
    free_text       text,
    PRIMARY KEY (response_id, question_id),
    CHECK (num_nonnulls(score, free_text) = 1)
);
COMMENT ON TABLE rbp.answer IS 'One answer of a response: a score for a scale question or the respondent''s words; skipped questions have no row';

-- Routing history: every named or worker-only response has exactly one current row (superseded_at
-- IS NULL). route_id is random: it is the only thing a NOTIFY payload carries.
CREATE TABLE rbp.route (
    route_id        uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    response_id     uuid NOT NULL REFERENCES rbp.response ON DELETE CASCADE,
    authority_id    integer NOT NULL,
    recipient_kind  rbp.recipient_kind NOT NULL,
    recipient_id    integer,
    routed_on       date NOT NULL,
    reason          text NOT NULL CHECK (reason IN ('submission', 'supervision_change')),
    superseded_on   date,
    CHECK ((recipient_kind = 'qa_team') = (recipient_id IS NULL)),
    FOREIGN KEY (authority_id, recipient_id) REFERENCES rbp.staff (authority_id, staff_id)
);
COMMENT ON TABLE rbp.route IS 'Who is responsible for reviewing each named or worker-only response, with history; exactly one current row per response';
CREATE UNIQUE INDEX route_one_current ON rbp.route (response_id) WHERE superseded_on IS NULL;
CREATE INDEX route_recipient ON rbp.route (recipient_id) WHERE superseded_on IS NULL;

CREATE TABLE rbp.supervision_review (
    response_id     uuid PRIMARY KEY REFERENCES rbp.response ON DELETE CASCADE,
    reviewer_id     integer NOT NULL REFERENCES rbp.staff,
    reviewed_on     date NOT NULL,
    celebrated      boolean NOT NULL,
    support_offered rbp.support_offer[] NOT NULL DEFAULT '{}',
    notes           text
);
COMMENT ON TABLE rbp.supervision_review IS
    'The review of an item of feedback in supervision: good practice celebrated, and support offered when matters were raised';

CREATE TABLE rbp.glossary_term (
    term            text PRIMARY KEY,
    definition      text NOT NULL,
    is_seed         boolean NOT NULL DEFAULT false
);
COMMENT ON TABLE rbp.glossary_term IS 'Definitions shown when a respondent hovers over a term such as "trust", as the project defined them';

CREATE TABLE rbp.support_option (
    support_option_id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    authority_id    integer NOT NULL REFERENCES rbp.authority,
    kind            rbp.support_kind NOT NULL,
    title           text NOT NULL,
    how_to_reach    text NOT NULL,
    is_allocated_worker boolean NOT NULL DEFAULT false,
    position        integer NOT NULL DEFAULT 0
);
COMMENT ON TABLE rbp.support_option IS 'Practical and emotional support shown on every survey; the allocated worker is only one of the options';

CREATE TABLE rbp.theme (
    theme_id        integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    authority_id    integer NOT NULL REFERENCES rbp.authority,
    name            text NOT NULL,
    description     text,
    UNIQUE (authority_id, name),
    UNIQUE (authority_id, theme_id)
);
COMMENT ON TABLE rbp.theme IS 'A theme QA finds in the free text of feedback, taken to parent boards and children''s consultation groups';

CREATE TABLE rbp.response_theme (
    theme_id        integer NOT NULL REFERENCES rbp.theme ON DELETE CASCADE,
    response_id     uuid NOT NULL REFERENCES rbp.response ON DELETE CASCADE,
    PRIMARY KEY (theme_id, response_id)
);
COMMENT ON TABLE rbp.response_theme IS 'QA''s tagging of a response with a theme';

CREATE TABLE rbp.action (
    action_id       integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    authority_id    integer NOT NULL REFERENCES rbp.authority,
    theme_id        integer,
    description     text NOT NULL,
    status          rbp.action_status NOT NULL DEFAULT 'recommended',
    recommended_on  date NOT NULL,
    agreed_on       date,
    done_on         date,
    FOREIGN KEY (authority_id, theme_id) REFERENCES rbp.theme (authority_id, theme_id)
);
COMMENT ON TABLE rbp.action IS 'An action recommended from themed feedback, agreed by senior managers, and done';

CREATE TABLE rbp.feedback_loop (
    feedback_loop_id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    action_id       integer NOT NULL REFERENCES rbp.action ON DELETE CASCADE,
    audience        rbp.feedback_audience NOT NULL,
    told_on         date NOT NULL,
    message         text NOT NULL
);
COMMENT ON TABLE rbp.feedback_loop IS '"You said, we did": what families and practitioners were told about an action';

CREATE TABLE rbp.focus_group (
    focus_group_id  integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    authority_id    integer NOT NULL REFERENCES rbp.authority,
    held_on         date NOT NULL,
    audience        rbp.feedback_audience NOT NULL,
    participants    integer CHECK (participants >= 0),
    notes           text
);
COMMENT ON TABLE rbp.focus_group IS 'A focus-group session (every 6 to 12 months) where themes are discussed';

-- ==== sql/install/21_instruments.sql (generated file: edit the piece) ====
-- The questionnaires of the framework, seeded as version 1 (Appendix 1 for parents and carers; the
-- "top 5" dials for children and young people), and the glossary shown on hover.

WITH parents AS (
    INSERT INTO rbp.instrument (code, version, title, introduction, respondent_kinds, is_seed)
    VALUES ('parents_carers', 1,
            'Your relationship with your social worker',
            'This set of questions was created by families and social workers across Brighton & Hove and East Sussex. '
            'You do not have to answer all the questions: please answer the ones that are important or relevant to you.',
            ARRAY['parent', 'carer', 'extended_family', 'important_friend']::rbp.respondent_kind[], true)
    RETURNING instrument_id
)
INSERT INTO rbp.question (instrument_id, code, position, kind, prompt, scale_points)
SELECT instrument_id, q.code, q.position, q.kind::rbp.question_kind, q.prompt, q.points
  FROM parents, (VALUES
    ('q1_situation', 1, 'free_text', 'Can you briefly tell me what the current situation is with your family in terms of social work involvement, and what team you are working with. How long has the social worker been involved?', NULL),
    ('q2_understands_family', 2, 'scale', 'My social worker understands my family and our unique circumstances', 5),
    ('q2_builds_relationships', 3, 'scale', 'My social worker is skilled at building relationships', 5),
    ('q2_trust', 4, 'scale', 'My social worker acts in ways that allows me to put my trust in them', 5),
    ('q2_sensitive_professional', 5, 'scale', 'My social worker practises sensitively and professionally - for example, is present and focused when with me and aware of how their words and actions impact on me', 5),
    ('q2_works_alongside', 6, 'scale', 'My social worker works alongside me', 5),
    ('q3_rights_explained', 7, 'free_text', 'Did your social worker explain your rights (including how to make a complaint), and what to expect from having social work involvement? Tell me about your experience of this and anything else that would have helped you to understand what was happening.', NULL),
    ('q4_impact', 8, 'free_text', 'How has the relationship with your social worker made an impact on you and your family? Please consider both positive and negative impacts.', NULL),
    ('q5_other_contacts', 9, 'free_text', 'What is your feedback about other people you have had contact with in Children''s Services? For example, communication with reception or admin staff, social work manager or independent reviewing officer.', NULL),
    ('q6_change_one_thing', 10, 'free_text', 'If you could change one thing about the service from your social worker what would it be? This could be right now for you and your family, or in the future to help other families.', NULL),
    ('q7_anything_else', 11, 'free_text', 'Is there anything else you would like to tell us?', NULL)
  ) AS q(code, position, kind, prompt, points);

-- The dials are 10-point scales (1 = not at all, 10 = completely): the seeds give the five
-- characteristics but not the dial's divisions; 10 points keep a dial's fine movement.
WITH children AS (
    INSERT INTO rbp.instrument (code, version, title, introduction, respondent_kinds, is_seed)
    VALUES ('children_young_people', 1,
            'Top 5: you and your social worker',
            'Young people and practitioners chose the five most important things about a supportive relationship with a social worker. '
            'Turn each dial to show how it is for you. You can skip any of them.',
            ARRAY['child_young_person']::rbp.respondent_kind[], true)
    RETURNING instrument_id
)
INSERT INTO rbp.question (instrument_id, code, position, kind, prompt, scale_points)
SELECT instrument_id, q.code, q.position, 'scale', q.prompt, 10
  FROM children, (VALUES
    ('dial_respected', 1, 'I feel respected'),
    ('dial_empowered', 2, 'It empowers me and enables me to make decisions for myself'),
    ('dial_mutual_trust', 3, 'It is built on mutual trust'),
    ('dial_listened_to', 4, 'I feel listened to, understood and heard'),
    ('dial_safe', 5, 'It makes me feel safe'),
    ('anything_else', 6, 'Is there anything else you would like to tell us?')
  ) AS q(code, position, prompt);
UPDATE rbp.question SET kind = 'free_text', scale_points = NULL
 WHERE code = 'anything_else'
   AND instrument_id = (SELECT instrument_id FROM rbp.instrument WHERE code = 'children_young_people' AND version = 1);

INSERT INTO rbp.glossary_term (term, definition, is_seed) SELECT term, definition, true FROM (VALUES
 ('relationship-based practice', 'The idea that a social worker''s relationship with the family is the most powerful tool to help families achieve change: relationships based on trust, empathy and the compassionate use of authority.'),
 ('trust', 'A social worker builds trust through respect and respecting differences, having enough time to be present, honesty, transparency (being clear about purpose and boundaries), being straightforward, not discriminating, and being knowledgeable rather than blagging.'),
 ('understands my family', 'A good social worker understands you and your family as unique individuals, does not judge, is culturally sensitive, and asks important questions with curiosity.'),
 ('building relationships', 'Being human, not a robot: emotionally intelligent, straightforward, friendly, able to relate to a child at the child''s level, good at finding common ground, validating, and not using jargon.'),
 ('sensitive and professional', 'Supported to practise well, emotionally intelligent, aware of the power in the role while equal as human beings, aware that questions can be triggering, and mindful.'),
 ('works alongside me', 'Collaborating: empowering, giving choices, flexible, patient and open, having capacity and time, planning ahead and checking things out, recognising strengths, and fair.'),
 ('respected', 'You are treated with respect, and your differences are respected.'),
 ('empowers me', 'The relationship enables you to make decisions for yourself.'),
 ('mutual trust', 'You trust your social worker and they trust you.'),
 ('listened to', 'You feel listened to, understood and heard.'),
 ('safe', 'The relationship makes you feel safe.')
) AS seed(term, definition);

-- ==== sql/install/22_instrument_admin.sql (generated file: edit the piece) ====
-- Instruments are data, versioned: a new version of a questionnaire is published as a new row with
-- its questions, and becomes the one new invitations use. Responses keep pointing at the version
-- they answered, so old answers are never reinterpreted under new wording.
CREATE FUNCTION rbp.publish_instrument_version(p_code text, p_title text, p_introduction text,
                                               p_respondent_kinds rbp.respondent_kind[], p_questions jsonb)
    RETURNS integer
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    v_version integer;
    v_id integer;
    v_question jsonb;
    v_position integer := 0;
BEGIN
    IF p_questions IS NULL OR jsonb_typeof(p_questions) <> 'array' OR jsonb_array_length(p_questions) = 0 THEN
        RAISE EXCEPTION 'questions must be a non-empty JSON array of {"code", "kind", "prompt", "scale_points"}'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF coalesce(cardinality(p_respondent_kinds), 0) = 0 THEN
        RAISE EXCEPTION 'an instrument is for at least one respondent kind' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    SELECT coalesce(max(version), 0) + 1 INTO v_version FROM rbp.instrument WHERE code = p_code;
    UPDATE rbp.instrument SET is_current = false WHERE code = p_code AND is_current;
    INSERT INTO rbp.instrument (code, version, title, introduction, respondent_kinds)
    VALUES (p_code, v_version, p_title, p_introduction, p_respondent_kinds)
    RETURNING instrument_id INTO v_id;
    FOR v_question IN SELECT value FROM jsonb_array_elements(p_questions) LOOP
        v_position := v_position + 1;
        IF (v_question ->> 'kind') NOT IN ('scale', 'free_text') OR (v_question ->> 'code') IS NULL
           OR (v_question ->> 'prompt') IS NULL THEN
            RAISE EXCEPTION 'question % needs a code, a prompt and a kind (scale or free_text)', v_position
                USING ERRCODE = 'invalid_parameter_value';
        END IF;
        INSERT INTO rbp.question (instrument_id, code, position, kind, prompt, scale_points)
        VALUES (v_id, v_question ->> 'code', v_position, (v_question ->> 'kind')::rbp.question_kind,
                v_question ->> 'prompt', (v_question ->> 'scale_points')::integer);
    END LOOP;
    RETURN v_id;
END
$$;
COMMENT ON FUNCTION rbp.publish_instrument_version(text, text, text, rbp.respondent_kind[], jsonb) IS
    'Administrator: publish the next version of a questionnaire (questions in order as a JSON array); it becomes current for new invitations';
REVOKE ALL ON FUNCTION rbp.publish_instrument_version(text, text, text, rbp.respondent_kind[], jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION rbp.publish_instrument_version(text, text, text, rbp.respondent_kind[], jsonb) TO rbp_admin;

-- ==== sql/install/25_identity.sql (generated file: edit the piece) ====
-- Who is asking: row-level security and the API functions map the calling role to a member of
-- staff through rbp.staff.db_role.
--
-- Inside a SECURITY DEFINER function current_user is the function's owner, so the caller is found
-- another way: the role set by SET ROLE (the "role" setting, which only a member of that role can
-- set), or else the session user. Security-definer calls do not change either, so the answer is the
-- same in a query, in a policy and inside the API functions, and cannot be forged by a caller.

CREATE FUNCTION rbp.calling_role() RETURNS name
    LANGUAGE sql STABLE PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
    AS $$ SELECT CASE WHEN current_setting('role') = 'none' THEN session_user
                      ELSE current_setting('role')::name END $$;
COMMENT ON FUNCTION rbp.calling_role() IS
    'The role a request comes from, even inside SECURITY DEFINER functions: the SET ROLE role, else the session user';

CREATE FUNCTION rbp.current_staff_id() RETURNS integer
    LANGUAGE sql STABLE SECURITY DEFINER PARALLEL SAFE
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$ SELECT staff_id FROM rbp.staff WHERE db_role = rbp.calling_role() $$;
COMMENT ON FUNCTION rbp.current_staff_id() IS 'The staff_id whose db_role is the calling role, or NULL';

CREATE FUNCTION rbp.current_qa_authorities() RETURNS integer[]
    LANGUAGE sql STABLE SECURITY DEFINER PARALLEL SAFE
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$ SELECT coalesce(array_agg(authority_id), '{}') FROM rbp.staff WHERE db_role = rbp.calling_role() AND is_qa $$;
COMMENT ON FUNCTION rbp.current_qa_authorities() IS 'The authorities whose QA team the calling role belongs to (empty if none)';

REVOKE ALL ON FUNCTION rbp.current_staff_id() FROM PUBLIC;
REVOKE ALL ON FUNCTION rbp.current_qa_authorities() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION rbp.current_staff_id() TO rbp_staff, rbp_qa;
GRANT EXECUTE ON FUNCTION rbp.current_qa_authorities() TO rbp_staff, rbp_qa;

-- Internal: the authority named by a case system's code, or a clear error.
CREATE FUNCTION rbp.authority_id_of(p_authority text) RETURNS integer
    LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    found_id integer;
BEGIN
    SELECT authority_id INTO found_id FROM rbp.authority WHERE code = p_authority;
    IF found_id IS NULL THEN
        RAISE EXCEPTION 'unknown authority "%"', p_authority
            USING ERRCODE = 'foreign_key_violation',
                  HINT = 'Authorities are registered by an administrator with rbp.register_authority().';
    END IF;
    RETURN found_id;
END
$$;
COMMENT ON FUNCTION rbp.authority_id_of(text) IS 'Internal: the authority_id of an authority code, or error 23503';
REVOKE ALL ON FUNCTION rbp.authority_id_of(text) FROM PUBLIC;

-- Internal: look up a row of an authority by the case system's reference, or a clear error.
CREATE FUNCTION rbp.staff_id_of(p_authority_id integer, p_staff_ref text) RETURNS integer
    LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    found_id integer;
BEGIN
    SELECT staff_id INTO found_id FROM rbp.staff WHERE authority_id = p_authority_id AND staff_ref = p_staff_ref;
    IF found_id IS NULL THEN
        RAISE EXCEPTION 'unknown member of staff "%"', p_staff_ref
            USING ERRCODE = 'foreign_key_violation', HINT = 'Register them first with rbp.register_staff().';
    END IF;
    RETURN found_id;
END
$$;
COMMENT ON FUNCTION rbp.staff_id_of(integer, text) IS 'Internal: the staff_id of a staff reference in an authority, or error 23503';
REVOKE ALL ON FUNCTION rbp.staff_id_of(integer, text) FROM PUBLIC;

CREATE FUNCTION rbp.team_id_of(p_authority_id integer, p_team text) RETURNS integer
    LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    found_id integer;
BEGIN
    SELECT team_id INTO found_id FROM rbp.team WHERE authority_id = p_authority_id AND code = p_team;
    IF found_id IS NULL THEN
        RAISE EXCEPTION 'unknown team "%"', p_team
            USING ERRCODE = 'foreign_key_violation', HINT = 'Register it first with rbp.register_team().';
    END IF;
    RETURN found_id;
END
$$;
COMMENT ON FUNCTION rbp.team_id_of(integer, text) IS 'Internal: the team_id of a team code in an authority, or error 23503';
REVOKE ALL ON FUNCTION rbp.team_id_of(integer, text) FROM PUBLIC;

-- Internal: the respondent_id of a reference, or a clear error.
CREATE FUNCTION rbp.respondent_id_of(p_authority_id integer, p_respondent_ref text) RETURNS integer
    LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    found_id integer;
BEGIN
    SELECT respondent_id INTO found_id FROM rbp.respondent WHERE authority_id = p_authority_id AND respondent_ref = p_respondent_ref;
    IF found_id IS NULL THEN
        RAISE EXCEPTION 'unknown family member "%"', p_respondent_ref
            USING ERRCODE = 'foreign_key_violation', HINT = 'Register them first with rbp.register_respondent().';
    END IF;
    RETURN found_id;
END
$$;
COMMENT ON FUNCTION rbp.respondent_id_of(integer, text) IS 'Internal: the respondent_id of a family member''s reference in an authority, or error 23503';
REVOKE ALL ON FUNCTION rbp.respondent_id_of(integer, text) FROM PUBLIC;

CREATE FUNCTION rbp.involvement_id_of(p_authority_id integer, p_involvement_ref text) RETURNS integer
    LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    found_id integer;
BEGIN
    SELECT involvement_id INTO found_id FROM rbp.involvement
     WHERE authority_id = p_authority_id AND involvement_ref = p_involvement_ref;
    IF found_id IS NULL THEN
        RAISE EXCEPTION 'unknown involvement "%"', p_involvement_ref
            USING ERRCODE = 'foreign_key_violation', HINT = 'Open it first with rbp.open_involvement().';
    END IF;
    RETURN found_id;
END
$$;
COMMENT ON FUNCTION rbp.involvement_id_of(integer, text) IS 'Internal: the involvement_id of an involvement reference in an authority, or error 23503';
REVOKE ALL ON FUNCTION rbp.involvement_id_of(integer, text) FROM PUBLIC;

-- The suppression threshold: counts of 1..threshold respondents are suppressed in reports, and
-- anonymous responses are released in batches of at least this many. Database-wide, stored in a
-- table (not a GUC) so that no session can change it; only rbp_admin, through the setter.
CREATE FUNCTION rbp.suppression_threshold() RETURNS integer
    LANGUAGE sql STABLE PARALLEL SAFE SECURITY DEFINER
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$ SELECT coalesce((SELECT value FROM rbp.setting WHERE name = 'suppression_threshold'), 5) $$;
COMMENT ON FUNCTION rbp.suppression_threshold() IS
    'Counts of 1 to this many respondents are suppressed (shown as c); anonymous responses are released in batches of at least this many. Default and documented minimum: 5';
REVOKE ALL ON FUNCTION rbp.suppression_threshold() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION rbp.suppression_threshold()
    TO rbp_admin, rbp_qa, rbp_staff, rbp_report_writer, rbp_case_system, rbp_survey_intake;

CREATE FUNCTION rbp.set_suppression_threshold(p_threshold integer) RETURNS void
    LANGUAGE plpgsql VOLATILE STRICT SECURITY DEFINER
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
BEGIN
    IF p_threshold < 5 THEN
        RAISE EXCEPTION 'suppression threshold % is below the documented minimum of 5', p_threshold
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = 'Counts of 1 to 5 respondents are always suppressed (practice of English children''s social care statistics).';
    END IF;
    INSERT INTO rbp.setting (name, value) VALUES ('suppression_threshold', p_threshold)
        ON CONFLICT (name) DO UPDATE SET value = excluded.value;
END
$$;
COMMENT ON FUNCTION rbp.set_suppression_threshold(integer) IS
    'Administrator only: set the database-wide suppression threshold (5 or more)';
REVOKE ALL ON FUNCTION rbp.set_suppression_threshold(integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION rbp.set_suppression_threshold(integer) TO rbp_admin;

-- ==== sql/install/30_registration.sql (generated file: edit the piece) ====
-- The case-management system's API: it registers and updates authorities' teams, staff,
-- supervision, families, involvements and allocations. Every function names rows by the case
-- system's own references, is SECURITY DEFINER (the case system has no table privileges at all) and
-- is idempotent where a case system would re-send the same fact.

CREATE FUNCTION rbp.register_authority(p_code text, p_name text, p_auto_release_after_days integer DEFAULT NULL)
    RETURNS integer
    LANGUAGE sql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
    INSERT INTO rbp.authority (code, name, auto_release_after_days)
    VALUES (p_code, p_name, p_auto_release_after_days)
    ON CONFLICT (code) DO UPDATE SET name = excluded.name, auto_release_after_days = excluded.auto_release_after_days
    RETURNING authority_id
$$;
COMMENT ON FUNCTION rbp.register_authority(text, text, integer) IS
    'Administrator: register (or rename) an authority; auto_release_after_days makes QA release of named feedback automatic after that many days';

CREATE FUNCTION rbp.register_team(p_authority text, p_team text, p_name text) RETURNS integer
    LANGUAGE sql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
    INSERT INTO rbp.team (authority_id, code, name) VALUES (rbp.authority_id_of(p_authority), p_team, p_name)
    ON CONFLICT (authority_id, code) DO UPDATE SET name = excluded.name
    RETURNING team_id
$$;
COMMENT ON FUNCTION rbp.register_team(text, text, text) IS 'Case system: register or rename a team of an authority; returns its team_id';

CREATE FUNCTION rbp.register_staff(p_authority text, p_staff_ref text, p_display_name text,
                                   p_team text DEFAULT NULL, p_db_role name DEFAULT NULL,
                                   p_is_qa boolean DEFAULT false) RETURNS integer
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    v_authority integer := rbp.authority_id_of(p_authority);
    v_team integer;
    v_id integer;
BEGIN
    IF p_team IS NOT NULL THEN
        v_team := rbp.team_id_of(v_authority, p_team);
    END IF;
    IF p_db_role IS NOT NULL AND NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = p_db_role) THEN
        RAISE EXCEPTION 'database role "%" does not exist', p_db_role
            USING ERRCODE = 'undefined_object', HINT = 'Create the login first, then GRANT rbp_staff (or rbp_qa) TO it.';
    END IF;
    INSERT INTO rbp.staff (authority_id, staff_ref, display_name, team_id, db_role, is_qa)
    VALUES (v_authority, p_staff_ref, p_display_name, v_team, p_db_role, coalesce(p_is_qa, false))
    ON CONFLICT (authority_id, staff_ref) DO UPDATE
        SET display_name = excluded.display_name, team_id = excluded.team_id,
            db_role = excluded.db_role, is_qa = excluded.is_qa
    RETURNING staff_id INTO v_id;
    RETURN v_id;
END
$$;
COMMENT ON FUNCTION rbp.register_staff(text, text, text, text, name, boolean) IS
    'Case system: register or update a member of staff (worker, supervisor, manager or QA officer) and the database login they read feedback with';

CREATE FUNCTION rbp.register_supervision(p_authority text, p_worker_ref text, p_supervisor_ref text,
                                         p_starts_on date, p_ends_on date DEFAULT NULL) RETURNS integer
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    v_authority integer := rbp.authority_id_of(p_authority);
    v_worker integer := rbp.staff_id_of(v_authority, p_worker_ref);
    v_supervisor integer := rbp.staff_id_of(v_authority, p_supervisor_ref);
    v_id integer;
BEGIN
    IF p_starts_on IS NULL OR p_ends_on < p_starts_on THEN
        RAISE EXCEPTION 'supervision of "%" must start on a date and end on or after it', p_worker_ref
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF v_worker = v_supervisor THEN
        RAISE EXCEPTION 'a worker cannot supervise themselves ("%")', p_worker_ref
            USING ERRCODE = 'check_violation';
    END IF;
    BEGIN
        INSERT INTO rbp.supervision (authority_id, worker_id, supervisor_id, during)
        VALUES (v_authority, v_worker, v_supervisor, daterange(p_starts_on, p_ends_on, '[]'))
        RETURNING supervision_id INTO v_id;
    EXCEPTION WHEN exclusion_violation THEN
        RAISE EXCEPTION 'supervision of "%" from % overlaps a supervision already registered', p_worker_ref, p_starts_on
            USING ERRCODE = 'exclusion_violation',
                  HINT = 'End the current supervision first with rbp.end_supervision().';
    END;
    -- Open items of this worker follow the supervisor in post today.
    PERFORM rbp.reroute_open_feedback(current_date, v_worker);
    RETURN v_id;
END
$$;
COMMENT ON FUNCTION rbp.register_supervision(text, text, text, date, date) IS
    'Case system: record that a supervisor supervises a worker from a date (to a date, inclusive, or open-ended); overlapping supervision of one worker is refused (23P01)';

CREATE FUNCTION rbp.end_supervision(p_authority text, p_worker_ref text, p_last_day date) RETURNS void
    LANGUAGE plpgsql VOLATILE STRICT SECURITY DEFINER
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    v_authority integer := rbp.authority_id_of(p_authority);
    v_worker integer := rbp.staff_id_of(v_authority, p_worker_ref);
BEGIN
    UPDATE rbp.supervision SET during = daterange(lower(during), p_last_day, '[]')
     WHERE worker_id = v_worker AND during @> p_last_day;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no supervision of "%" covers %', p_worker_ref, p_last_day
            USING ERRCODE = 'no_data_found';
    END IF;
    PERFORM rbp.reroute_open_feedback(current_date, v_worker);
END
$$;
COMMENT ON FUNCTION rbp.end_supervision(text, text, date) IS
    'Case system: end the supervision of a worker that covers the given date, on that date (inclusive)';

CREATE FUNCTION rbp.register_team_manager(p_authority text, p_team text, p_manager_ref text,
                                          p_starts_on date, p_ends_on date DEFAULT NULL) RETURNS integer
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    v_authority integer := rbp.authority_id_of(p_authority);
    v_id integer;
BEGIN
    IF p_starts_on IS NULL OR p_ends_on < p_starts_on THEN
        RAISE EXCEPTION 'management of team "%" must start on a date and end on or after it', p_team
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    BEGIN
        INSERT INTO rbp.team_manager (authority_id, team_id, manager_id, during)
        VALUES (v_authority, rbp.team_id_of(v_authority, p_team), rbp.staff_id_of(v_authority, p_manager_ref),
                daterange(p_starts_on, p_ends_on, '[]'))
        RETURNING team_manager_id INTO v_id;
    EXCEPTION WHEN exclusion_violation THEN
        RAISE EXCEPTION 'team "%" already has a manager on some of these dates', p_team
            USING ERRCODE = 'exclusion_violation';
    END;
    PERFORM rbp.reroute_open_feedback(current_date, NULL);
    RETURN v_id;
END
$$;
COMMENT ON FUNCTION rbp.register_team_manager(text, text, text, date, date) IS
    'Case system: record who manages a team over which dates (feedback of workers without a supervisor goes to them)';

CREATE FUNCTION rbp.register_respondent(p_authority text, p_family_ref text, p_respondent_ref text,
                                        p_kind rbp.respondent_kind) RETURNS integer
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    v_authority integer := rbp.authority_id_of(p_authority);
    v_family integer;
    v_id integer;
BEGIN
    IF p_family_ref IS NULL OR p_respondent_ref IS NULL OR p_kind IS NULL THEN
        RAISE EXCEPTION 'a respondent needs a family reference, a respondent reference and a kind'
            USING ERRCODE = 'null_value_not_allowed';
    END IF;
    INSERT INTO rbp.family (authority_id, family_ref) VALUES (v_authority, p_family_ref)
        ON CONFLICT (authority_id, family_ref) DO UPDATE SET family_ref = excluded.family_ref
        RETURNING family_id INTO v_family;
    INSERT INTO rbp.respondent (authority_id, family_id, respondent_ref, kind)
    VALUES (v_authority, v_family, p_respondent_ref, p_kind)
    ON CONFLICT (authority_id, respondent_ref) DO UPDATE SET family_id = excluded.family_id, kind = excluded.kind
    RETURNING respondent_id INTO v_id;
    RETURN v_id;
END
$$;
COMMENT ON FUNCTION rbp.register_respondent(text, text, text, rbp.respondent_kind) IS
    'Case system: register or update a family member who may give feedback (the family is created on first mention)';

CREATE FUNCTION rbp.open_involvement(p_authority text, p_involvement_ref text, p_family_ref text,
                                     p_team text, p_started_on date) RETURNS integer
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    v_authority integer := rbp.authority_id_of(p_authority);
    v_family integer;
    v_id integer;
BEGIN
    IF p_started_on IS NULL THEN
        RAISE EXCEPTION 'involvement "%" needs a start date', p_involvement_ref USING ERRCODE = 'null_value_not_allowed';
    END IF;
    SELECT family_id INTO v_family FROM rbp.family WHERE authority_id = v_authority AND family_ref = p_family_ref;
    IF v_family IS NULL THEN
        RAISE EXCEPTION 'unknown family "%"', p_family_ref
            USING ERRCODE = 'foreign_key_violation', HINT = 'Register a family member first with rbp.register_respondent().';
    END IF;
    INSERT INTO rbp.involvement (authority_id, involvement_ref, family_id, team_id, started_on)
    VALUES (v_authority, p_involvement_ref, v_family, rbp.team_id_of(v_authority, p_team), p_started_on)
    ON CONFLICT (authority_id, involvement_ref) DO UPDATE SET team_id = excluded.team_id
    RETURNING involvement_id INTO v_id;
    RETURN v_id;
END
$$;
COMMENT ON FUNCTION rbp.open_involvement(text, text, text, text, date) IS
    'Case system: open (or move to another team) an involvement with a family from a start date';

CREATE FUNCTION rbp.close_involvement(p_authority text, p_involvement_ref text, p_closed_on date) RETURNS void
    LANGUAGE plpgsql VOLATILE STRICT SECURITY DEFINER
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    v_authority integer := rbp.authority_id_of(p_authority);
    v_involvement integer := rbp.involvement_id_of(v_authority, p_involvement_ref);
    v_started date;
BEGIN
    SELECT started_on INTO v_started FROM rbp.involvement WHERE involvement_id = v_involvement FOR UPDATE;
    IF p_closed_on < v_started THEN
        RAISE EXCEPTION 'involvement "%" cannot close on % before it started on %', p_involvement_ref, p_closed_on, v_started
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF EXISTS (SELECT FROM rbp.allocation WHERE involvement_id = v_involvement AND lower(during) > p_closed_on) THEN
        RAISE EXCEPTION 'involvement "%" has an allocation starting after %', p_involvement_ref, p_closed_on
            USING ERRCODE = 'check_violation', HINT = 'Correct the allocations first.';
    END IF;
    -- Allocations end with the involvement.
    UPDATE rbp.allocation SET during = daterange(lower(during), p_closed_on, '[]')
     WHERE involvement_id = v_involvement AND (upper_inf(during) OR upper(during) > p_closed_on + 1);
    UPDATE rbp.involvement SET closed_on = p_closed_on WHERE involvement_id = v_involvement;
END
$$;
COMMENT ON FUNCTION rbp.close_involvement(text, text, date) IS
    'Case system: close an involvement on a date; its open allocation ends the same day. Feedback stays possible afterwards';

CREATE FUNCTION rbp.allocate_worker(p_authority text, p_involvement_ref text, p_worker_ref text,
                                    p_starts_on date, p_ends_on date DEFAULT NULL) RETURNS integer
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    v_authority integer := rbp.authority_id_of(p_authority);
    v_involvement integer := rbp.involvement_id_of(v_authority, p_involvement_ref);
    v_worker integer := rbp.staff_id_of(v_authority, p_worker_ref);
    v_inv rbp.involvement;
    v_during daterange;
    v_id integer;
BEGIN
    SELECT * INTO v_inv FROM rbp.involvement WHERE involvement_id = v_involvement FOR UPDATE;
    IF p_starts_on IS NULL OR p_ends_on < p_starts_on THEN
        RAISE EXCEPTION 'allocation to "%" must start on a date and end on or after it', p_involvement_ref
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    v_during := daterange(p_starts_on, coalesce(p_ends_on, v_inv.closed_on), '[]');
    IF NOT daterange(v_inv.started_on, v_inv.closed_on, '[]') @> v_during THEN
        RAISE EXCEPTION 'allocation % lies outside involvement "%" (%)', v_during, p_involvement_ref,
                        daterange(v_inv.started_on, v_inv.closed_on, '[]')
            USING ERRCODE = 'check_violation',
                  HINT = 'An allocation must start on or after the involvement starts and end by its closure.';
    END IF;
    -- A new allocation ends an open-ended earlier one the day before (re-allocation).
    UPDATE rbp.allocation SET during = daterange(lower(during), p_starts_on - 1, '[]')
     WHERE involvement_id = v_involvement AND upper_inf(during) AND lower(during) < p_starts_on;
    BEGIN
        INSERT INTO rbp.allocation (authority_id, involvement_id, worker_id, during)
        VALUES (v_authority, v_involvement, v_worker, v_during)
        RETURNING allocation_id INTO v_id;
    EXCEPTION WHEN exclusion_violation THEN
        RAISE EXCEPTION 'involvement "%" already has a worker allocated on some of the dates %', p_involvement_ref, v_during
            USING ERRCODE = 'exclusion_violation';
    END;
    RETURN v_id;
END
$$;
COMMENT ON FUNCTION rbp.allocate_worker(text, text, text, date, date) IS
    'Case system: allocate a worker to an involvement from a date (ending an open earlier allocation the day before); the allocation must lie inside the involvement (23514)';

REVOKE ALL ON FUNCTION rbp.register_authority(text, text, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION rbp.register_authority(text, text, integer) TO rbp_admin;
REVOKE ALL ON FUNCTION rbp.register_team(text, text, text), rbp.register_staff(text, text, text, text, name, boolean),
    rbp.register_supervision(text, text, text, date, date), rbp.end_supervision(text, text, date),
    rbp.register_team_manager(text, text, text, date, date),
    rbp.register_respondent(text, text, text, rbp.respondent_kind),
    rbp.open_involvement(text, text, text, text, date), rbp.close_involvement(text, text, date),
    rbp.allocate_worker(text, text, text, date, date) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION rbp.register_team(text, text, text), rbp.register_staff(text, text, text, text, name, boolean),
    rbp.register_supervision(text, text, text, date, date), rbp.end_supervision(text, text, date),
    rbp.register_team_manager(text, text, text, date, date),
    rbp.register_respondent(text, text, text, rbp.respondent_kind),
    rbp.open_involvement(text, text, text, text, date), rbp.close_involvement(text, text, date),
    rbp.allocate_worker(text, text, text, date, date) TO rbp_case_system, rbp_admin;

-- ==== sql/install/31_invitation.sql (generated file: edit the piece) ====
-- Invitations and submissions: the case system issues an invitation (a token for a link, QR code,
-- text, email or interview); survey intake shows the questions, glossary and support options, and
-- submits the answers with the family's anonymity choice.

-- One validated answer, as the submission path carries it before it is stored.
CREATE TYPE rbp.answer_input AS (question_id integer, score rbp.likert, free_text text);
COMMENT ON TYPE rbp.answer_input IS 'Internal: one validated answer on its way from rbp.submit_response() to storage';

CREATE FUNCTION rbp.token_hash(p_token text) RETURNS bytea
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    AS $$ SELECT pg_catalog.sha256(pg_catalog.convert_to(p_token, 'UTF8')) $$;
COMMENT ON FUNCTION rbp.token_hash(text) IS 'The SHA-256 under which an invitation token is stored';

CREATE FUNCTION rbp.issue_invitation(p_authority text, p_involvement_ref text, p_respondent_ref text,
                                     p_channel rbp.invitation_channel, p_valid_days integer DEFAULT 28,
                                     p_issued_on date DEFAULT current_date, p_instrument text DEFAULT NULL)
    RETURNS text
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    v_authority integer := rbp.authority_id_of(p_authority);
    v_involvement rbp.involvement;
    v_respondent rbp.respondent;
    v_instrument rbp.instrument;
    v_token text;
BEGIN
    IF p_channel IS NULL OR p_issued_on IS NULL OR p_valid_days IS NULL OR p_valid_days < 1 THEN
        RAISE EXCEPTION 'an invitation needs a channel, an issue date and a validity of at least one day'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    SELECT * INTO v_involvement FROM rbp.involvement
     WHERE involvement_id = rbp.involvement_id_of(v_authority, p_involvement_ref);
    SELECT * INTO v_respondent FROM rbp.respondent
     WHERE respondent_id = rbp.respondent_id_of(v_authority, p_respondent_ref);
    IF v_respondent.family_id <> v_involvement.family_id THEN
        RAISE EXCEPTION 'respondent "%" is not a member of the family of involvement "%"', p_respondent_ref, p_involvement_ref
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF p_instrument IS NULL THEN
        SELECT * INTO v_instrument FROM rbp.instrument
         WHERE is_current AND v_respondent.kind = ANY (respondent_kinds)
         ORDER BY instrument_id LIMIT 1;
        IF v_instrument.instrument_id IS NULL THEN
            RAISE EXCEPTION 'no current instrument for respondent kind %', v_respondent.kind
                USING ERRCODE = 'invalid_parameter_value';
        END IF;
    ELSE
        SELECT * INTO v_instrument FROM rbp.instrument WHERE code = p_instrument AND is_current;
        IF v_instrument.instrument_id IS NULL THEN
            RAISE EXCEPTION 'unknown instrument "%"', p_instrument USING ERRCODE = 'invalid_parameter_value';
        END IF;
        IF NOT v_respondent.kind = ANY (v_instrument.respondent_kinds) THEN
            RAISE EXCEPTION 'instrument "%" is not for respondent kind %', p_instrument, v_respondent.kind
                USING ERRCODE = 'invalid_parameter_value',
                      DETAIL = format('It is for: %s.', array_to_string(v_instrument.respondent_kinds, ', '));
        END IF;
    END IF;
    v_token := rbp.new_invitation_token();
    INSERT INTO rbp.invitation (authority_id, respondent_id, involvement_id, instrument_id, channel,
                                token_hash, issued_on, expires_on)
    VALUES (v_authority, v_respondent.respondent_id, v_involvement.involvement_id, v_instrument.instrument_id,
            p_channel, rbp.token_hash(v_token), p_issued_on, p_issued_on + p_valid_days);
    RETURN v_token;
END
$$;
COMMENT ON FUNCTION rbp.issue_invitation(text, text, text, rbp.invitation_channel, integer, date, text) IS
    'Case system: invite a family member to give feedback; returns the token for the link or QR code (shown once, only its hash is kept). The instrument follows the respondent''s kind unless named';

-- Internal: the open invitation of a token, locked, or one clear error.
CREATE FUNCTION rbp.open_invitation(p_token text, p_on date) RETURNS rbp.invitation
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    v_invitation rbp.invitation;
BEGIN
    SELECT * INTO v_invitation FROM rbp.invitation WHERE token_hash = rbp.token_hash(coalesce(p_token, '')) FOR UPDATE;
    IF v_invitation.invitation_id IS NULL THEN
        RAISE EXCEPTION 'invitation token not recognised'
            USING ERRCODE = 'invalid_parameter_value', HINT = 'Check the link or code; the case system can issue a new invitation.';
    ELSIF v_invitation.used_on IS NOT NULL THEN
        RAISE EXCEPTION 'this invitation has already been used'
            USING ERRCODE = 'unique_violation', HINT = 'Each invitation takes one response; ask for a new invitation to give feedback again.';
    ELSIF v_invitation.expires_on < p_on THEN
        RAISE EXCEPTION 'this invitation expired on %', v_invitation.expires_on
            USING ERRCODE = 'invalid_parameter_value', HINT = 'The case system can issue a new invitation.';
    END IF;
    RETURN v_invitation;
END
$$;
COMMENT ON FUNCTION rbp.open_invitation(text, date) IS 'Internal: lock the unused, unexpired invitation of a token or raise a clear error';
REVOKE ALL ON FUNCTION rbp.open_invitation(text, date) FROM PUBLIC;

CREATE FUNCTION rbp.survey_questions(p_token text)
    RETURNS TABLE (question_position integer, question_code text, kind rbp.question_kind, prompt text, scale_points integer)
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    v_instrument integer;
BEGIN
    SELECT instrument_id INTO v_instrument FROM rbp.invitation
     WHERE token_hash = rbp.token_hash(coalesce(p_token, '')) AND used_on IS NULL AND expires_on >= current_date;
    IF v_instrument IS NULL THEN
        RAISE EXCEPTION 'invitation token not recognised, used or expired' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    RETURN QUERY SELECT q.position, q.code, q.kind, q.prompt, q.scale_points
                   FROM rbp.question q WHERE q.instrument_id = v_instrument ORDER BY q.position;
END
$$;
COMMENT ON FUNCTION rbp.survey_questions(text) IS 'Survey intake: the questions to show for an invitation token (every question may be skipped)';

-- Internal: turn the submitted jsonb object {question_code: answer} into validated answers.
CREATE FUNCTION rbp.validate_answers(p_instrument_id integer, p_answers jsonb) RETURNS rbp.answer_input[]
    LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    v_key text;
    v_value jsonb;
    v_question_id integer;
    v_kind rbp.question_kind;
    v_points integer;
    v_text text;
    v_result rbp.answer_input[] := '{}';
BEGIN
    IF p_answers IS NULL OR jsonb_typeof(p_answers) <> 'object' THEN
        RAISE EXCEPTION 'answers must be a JSON object keyed by question code'
            USING ERRCODE = 'invalid_parameter_value', HINT = 'For example {"q2_trust": 4, "q7_anything_else": "..."}';
    END IF;
    -- One query for all answers, each with its question (NULL when the code is unknown).
    FOR v_key, v_value, v_question_id, v_kind, v_points IN
        SELECT e.key, e.value, q.question_id, q.kind, q.scale_points
          FROM jsonb_each(p_answers) AS e
          LEFT JOIN rbp.question q ON q.instrument_id = p_instrument_id AND q.code = e.key
         ORDER BY e.key
    LOOP
        IF v_question_id IS NULL THEN
            RAISE EXCEPTION 'unknown question "%" for this questionnaire', v_key
                USING ERRCODE = 'invalid_parameter_value',
                      HINT = 'rbp.survey_questions(token) lists the question codes.';
        END IF;
        CONTINUE WHEN jsonb_typeof(v_value) = 'null';     -- skipped
        IF v_kind = 'scale' THEN
            IF jsonb_typeof(v_value) = 'number' THEN
                IF v_value::numeric <> trunc(v_value::numeric) OR v_value::numeric NOT BETWEEN 1 AND v_points THEN
                    RAISE EXCEPTION 'answer % to "%" is out of range', v_value, v_key
                        USING ERRCODE = 'numeric_value_out_of_range',
                              DETAIL = format('Scores are whole numbers from 1 to %s.', v_points);
                END IF;
                v_text := (v_value::numeric)::integer || '/' || v_points;
            ELSIF jsonb_typeof(v_value) = 'string' THEN
                v_text := v_value #>> '{}';
                CONTINUE WHEN btrim(v_text) = '';
                IF v_points <> 5 AND btrim(v_text) ~ '^[0-9]+$' THEN
                    v_text := btrim(v_text) || '/' || v_points;
                END IF;
            ELSE
                RAISE EXCEPTION 'answer to "%" must be a score', v_key USING ERRCODE = 'invalid_parameter_value';
            END IF;
            v_result := v_result || ROW(v_question_id, rbp.likert_on_scale(v_text::rbp.likert, v_points, v_key), NULL)::rbp.answer_input;
        ELSE
            IF jsonb_typeof(v_value) <> 'string' THEN
                RAISE EXCEPTION 'answer to "%" must be text', v_key USING ERRCODE = 'invalid_parameter_value';
            END IF;
            v_text := btrim(v_value #>> '{}');
            CONTINUE WHEN v_text = '';
            v_result := v_result || ROW(v_question_id, NULL, v_text)::rbp.answer_input;
        END IF;
    END LOOP;
    RETURN v_result;
END
$$;
COMMENT ON FUNCTION rbp.validate_answers(integer, jsonb) IS
    'Internal: validate {question_code: answer} against an instrument (unknown question 22023, score out of range 22003, empty and null answers skipped)';
REVOKE ALL ON FUNCTION rbp.validate_answers(integer, jsonb) FROM PUBLIC;

CREATE FUNCTION rbp.likert_on_scale(p_value rbp.likert, p_points integer, p_question text) RETURNS rbp.likert
    LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
BEGIN
    IF rbp.likert_points(p_value) <> p_points THEN
        RAISE EXCEPTION 'answer % to "%" is not on its %-point scale', p_value, p_question, p_points
            USING ERRCODE = 'numeric_value_out_of_range';
    END IF;
    RETURN p_value;
END
$$;
COMMENT ON FUNCTION rbp.likert_on_scale(rbp.likert, integer, text) IS 'Internal: a score checked against the number of points of its question';
REVOKE ALL ON FUNCTION rbp.likert_on_scale(rbp.likert, integer, text) FROM PUBLIC;

-- Internal: the worker allocated to an involvement on a date; after the involvement (feedback
-- stays possible), the most recent allocation before that date.
CREATE FUNCTION rbp.worker_on(p_involvement_id integer, p_on date) RETURNS integer
    LANGUAGE sql STABLE
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
    SELECT worker_id FROM rbp.allocation
     WHERE involvement_id = p_involvement_id AND lower(during) <= p_on
     ORDER BY during @> p_on DESC, lower(during) DESC
     LIMIT 1
$$;
COMMENT ON FUNCTION rbp.worker_on(integer, date) IS 'Internal: the worker allocated to an involvement on a date, or the most recent one before it';
REVOKE ALL ON FUNCTION rbp.worker_on(integer, date) FROM PUBLIC;

CREATE FUNCTION rbp.submit_response(p_token text, p_anonymity rbp.anonymity, p_answers jsonb,
                                    p_channel rbp.response_channel DEFAULT 'online',
                                    p_give_team boolean DEFAULT false,
                                    p_submitted_on date DEFAULT current_date) RETURNS void
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    v_invitation rbp.invitation;
    v_kind rbp.respondent_kind;
    v_instrument rbp.instrument;
    v_answers rbp.answer_input[];
    v_team integer;
    v_worker integer;
    v_response uuid;
BEGIN
    IF p_anonymity IS NULL OR p_channel IS NULL OR p_submitted_on IS NULL THEN
        RAISE EXCEPTION 'a response needs an anonymity level, a channel and a date'
            USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF p_submitted_on > current_date THEN
        RAISE EXCEPTION 'a response cannot be submitted in the future (%)', p_submitted_on
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    v_invitation := rbp.open_invitation(p_token, p_submitted_on);
    IF p_submitted_on < v_invitation.issued_on THEN
        RAISE EXCEPTION 'a response cannot be dated before its invitation was issued'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    SELECT kind INTO v_kind FROM rbp.respondent WHERE respondent_id = v_invitation.respondent_id;
    SELECT * INTO v_instrument FROM rbp.instrument WHERE instrument_id = v_invitation.instrument_id;
    IF NOT v_kind = ANY (v_instrument.respondent_kinds) THEN
        RAISE EXCEPTION 'instrument "%" is not for respondent kind %', v_instrument.code, v_kind
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    v_answers := rbp.validate_answers(v_instrument.instrument_id, p_answers);
    SELECT team_id INTO v_team FROM rbp.involvement WHERE involvement_id = v_invitation.involvement_id;

    -- The invitation records that it was used, and the date only: nothing that points at the response.
    UPDATE rbp.invitation SET used_on = p_submitted_on WHERE invitation_id = v_invitation.invitation_id;

    IF p_anonymity = 'anonymous' THEN
        PERFORM rbp.hold_anonymous_response(v_invitation.authority_id, v_instrument.instrument_id, v_kind, p_channel,
                                            CASE WHEN p_give_team THEN v_team END, v_answers, p_submitted_on);
        RETURN;
    END IF;

    v_worker := rbp.worker_on(v_invitation.involvement_id, p_submitted_on);
    INSERT INTO rbp.response (authority_id, instrument_id, respondent_kind, channel, anonymity, period, team_id,
                              worker_id, respondent_id, involvement_id, submitted_on)
    VALUES (v_invitation.authority_id, v_instrument.instrument_id, v_kind, p_channel, p_anonymity,
            date_trunc('month', p_submitted_on)::date, v_team, v_worker,
            CASE WHEN p_anonymity = 'named' THEN v_invitation.respondent_id END,
            CASE WHEN p_anonymity = 'named' THEN v_invitation.involvement_id END,
            p_submitted_on)
    RETURNING response_id INTO v_response;
    INSERT INTO rbp.answer (response_id, question_id, score, free_text)
    SELECT v_response, a.question_id, a.score, a.free_text FROM unnest(v_answers) AS a;
    PERFORM rbp.route_response(v_response, p_submitted_on, 'submission');
END
$$;
COMMENT ON FUNCTION rbp.submit_response(text, rbp.anonymity, jsonb, rbp.response_channel, boolean, date) IS
    'Survey intake: submit the answers ({question_code: score or text}) of an invitation with the family''s anonymity choice; anonymous answers are held and released only in batches';

CREATE FUNCTION rbp.glossary()
    RETURNS TABLE (term text, definition text)
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$ SELECT term, definition FROM rbp.glossary_term ORDER BY term $$;
COMMENT ON FUNCTION rbp.glossary() IS 'Survey intake: the definitions to show when a respondent hovers over a term such as "trust"';

CREATE FUNCTION rbp.add_support_option(p_authority text, p_kind rbp.support_kind, p_title text,
                                       p_how_to_reach text, p_is_allocated_worker boolean DEFAULT false,
                                       p_position integer DEFAULT 0) RETURNS integer
    LANGUAGE sql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
    INSERT INTO rbp.support_option (authority_id, kind, title, how_to_reach, is_allocated_worker, position)
    VALUES (rbp.authority_id_of(p_authority), p_kind, p_title, p_how_to_reach, p_is_allocated_worker, p_position)
    RETURNING support_option_id
$$;
COMMENT ON FUNCTION rbp.add_support_option(text, rbp.support_kind, text, text, boolean, integer) IS
    'Administrator: add a practical or emotional support option shown on every survey of an authority';

CREATE FUNCTION rbp.support_options(p_authority text)
    RETURNS TABLE (kind rbp.support_kind, title text, how_to_reach text, is_allocated_worker boolean)
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
    SELECT kind, title, how_to_reach, is_allocated_worker FROM rbp.support_option
     WHERE authority_id = rbp.authority_id_of(p_authority)
     ORDER BY position, kind, title
$$;
COMMENT ON FUNCTION rbp.support_options(text) IS 'Survey intake: the support options to show on every survey of an authority (the allocated worker is only one of them)';

REVOKE ALL ON FUNCTION rbp.issue_invitation(text, text, text, rbp.invitation_channel, integer, date, text),
    rbp.survey_questions(text), rbp.submit_response(text, rbp.anonymity, jsonb, rbp.response_channel, boolean, date),
    rbp.glossary(), rbp.support_options(text), rbp.add_support_option(text, rbp.support_kind, text, text, boolean, integer)
    FROM PUBLIC;
GRANT EXECUTE ON FUNCTION rbp.issue_invitation(text, text, text, rbp.invitation_channel, integer, date, text)
    TO rbp_case_system;
GRANT EXECUTE ON FUNCTION rbp.survey_questions(text), rbp.submit_response(text, rbp.anonymity, jsonb, rbp.response_channel, boolean, date),
    rbp.glossary(), rbp.support_options(text) TO rbp_survey_intake;
GRANT EXECUTE ON FUNCTION rbp.glossary(), rbp.support_options(text) TO rbp_case_system, rbp_staff, rbp_qa;
GRANT EXECUTE ON FUNCTION rbp.add_support_option(text, rbp.support_kind, text, text, boolean, integer) TO rbp_admin;

-- ==== sql/install/32_routing.sql (generated file: edit the piece) ====
-- Routing (guarantee G4): every named or worker-only response has exactly one responsible reviewer
-- at any time — the worker's supervisor in post, failing that the team's manager, failing that the
-- authority's QA team — until its supervision review is recorded. Never unrouted.

CREATE TYPE rbp.recipient AS (recipient_kind rbp.recipient_kind, recipient_id integer);
COMMENT ON TYPE rbp.recipient IS 'Who is responsible for reviewing an item: kind and staff_id (NULL for the QA team)';

CREATE FUNCTION rbp.responsible_for(p_worker_id integer, p_team_id integer, p_on date) RETURNS rbp.recipient
    LANGUAGE sql STABLE
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
    SELECT coalesce(
        (SELECT ROW('supervisor', s.supervisor_id)::rbp.recipient FROM rbp.supervision s
          WHERE s.worker_id = p_worker_id AND s.during @> p_on),
        (SELECT ROW('team_manager', m.manager_id)::rbp.recipient FROM rbp.team_manager m
          WHERE m.team_id = p_team_id AND m.during @> p_on),
        ROW('qa_team', NULL)::rbp.recipient)
$$;
COMMENT ON FUNCTION rbp.responsible_for(integer, integer, date) IS
    'Internal: the supervisor in post for a worker on a date, else the team''s manager on that date, else the QA team';
REVOKE ALL ON FUNCTION rbp.responsible_for(integer, integer, date) FROM PUBLIC;

-- Internal: (re)route one response as of a date. Supersedes the current route if the responsible
-- reviewer changed; tells the case system (NOTIFY rbp_feedback_routed, payload: the random route_id
-- only) when the item is already visible to its new recipient.
CREATE FUNCTION rbp.route_response(p_response_id uuid, p_on date, p_reason text) RETURNS boolean
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
    IF v_response.qa_status = 'released' THEN
        PERFORM pg_notify('rbp_feedback_routed', v_route::text);
    END IF;
    RETURN true;
END
$$;
COMMENT ON FUNCTION rbp.route_response(uuid, date, text) IS 'Internal: route a named or worker-only response to whoever is responsible on a date, keeping the history; true when a new route was recorded';
REVOKE ALL ON FUNCTION rbp.route_response(uuid, date, text) FROM PUBLIC;

-- Open items (no supervision review yet) follow supervision changes. Called by the registration
-- functions with today's date for the worker concerned, and meant to be called daily by a
-- scheduler (supervision registered ahead of time takes effect on its first day).
CREATE FUNCTION rbp.reroute_open_feedback(p_on date DEFAULT current_date, p_worker_id integer DEFAULT NULL)
    RETURNS integer
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    v_response uuid;
    v_moved integer := 0;
BEGIN
    FOR v_response IN
        SELECT r.response_id FROM rbp.response r
         WHERE r.anonymity <> 'anonymous'
           AND (p_worker_id IS NULL OR r.worker_id = p_worker_id)
           AND NOT EXISTS (SELECT FROM rbp.supervision_review v WHERE v.response_id = r.response_id)
    LOOP
        IF rbp.route_response(v_response, p_on, 'supervision_change') THEN
            v_moved := v_moved + 1;
        END IF;
    END LOOP;
    RETURN v_moved;
END
$$;
COMMENT ON FUNCTION rbp.reroute_open_feedback(date, integer) IS
    'Move open (not yet reviewed) named and worker-only feedback to whoever is responsible on the date (all workers, or one); returns how many items moved. Run daily from a scheduler';
REVOKE ALL ON FUNCTION rbp.reroute_open_feedback(date, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION rbp.reroute_open_feedback(date, integer) TO rbp_case_system, rbp_admin;

-- ==== sql/install/33_qa.sql (generated file: edit the piece) ====
-- Quality Assurance and supervision: QA of an authority collates named and worker-only feedback
-- before worker and supervisor see it (release, hold, escalate), themes the feedback, records
-- actions and what was told back; supervisors record their review. Withdrawing a name lives here
-- too, since QA acts on a family's request.

-- Internal: refuse unless the caller is in the QA team of the authority.
CREATE FUNCTION rbp.require_qa_of(p_authority_id integer) RETURNS void
    LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
BEGIN
    IF NOT EXISTS (SELECT FROM rbp.staff WHERE db_role = rbp.calling_role() AND is_qa AND authority_id = p_authority_id) THEN
        RAISE EXCEPTION 'only the QA team of this authority may do this'
            USING ERRCODE = 'insufficient_privilege',
                  HINT = 'The login must be registered with rbp.register_staff(..., p_is_qa => true) for the authority.';
    END IF;
END
$$;
COMMENT ON FUNCTION rbp.require_qa_of(integer) IS 'Internal: error 42501 unless the current user belongs to the authority''s QA team';
REVOKE ALL ON FUNCTION rbp.require_qa_of(integer) FROM PUBLIC;

-- Internal: a named or worker-only response the caller may act on as QA, locked.
CREATE FUNCTION rbp.qa_response(p_response_id uuid) RETURNS rbp.response
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    v_response rbp.response;
BEGIN
    SELECT * INTO v_response FROM rbp.response WHERE response_id = p_response_id FOR UPDATE;
    IF v_response.response_id IS NULL OR NOT v_response.authority_id = ANY (rbp.current_qa_authorities()) THEN
        -- The same error whether the response does not exist or belongs to another authority.
        RAISE EXCEPTION 'no such response in your authority' USING ERRCODE = 'no_data_found';
    END IF;
    RETURN v_response;
END
$$;
COMMENT ON FUNCTION rbp.qa_response(uuid) IS 'Internal: lock a response of the caller''s QA authority, or error P0002';
REVOKE ALL ON FUNCTION rbp.qa_response(uuid) FROM PUBLIC;

CREATE FUNCTION rbp.qa_release(p_response_id uuid, p_on date DEFAULT current_date) RETURNS void
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    v_response rbp.response := rbp.qa_response(p_response_id);
    v_route uuid;
BEGIN
    IF v_response.anonymity = 'anonymous' OR v_response.qa_status = 'released' THEN
        RAISE EXCEPTION 'this response is not awaiting release' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    UPDATE rbp.response SET qa_status = 'released', qa_status_on = p_on WHERE response_id = p_response_id;
    SELECT route_id INTO v_route FROM rbp.route WHERE response_id = p_response_id AND superseded_on IS NULL;
    PERFORM pg_notify('rbp_feedback_routed', v_route::text);
END
$$;
COMMENT ON FUNCTION rbp.qa_release(uuid, date) IS
    'QA: release named or worker-only feedback (also one that was held) to the worker and the responsible supervisor; notifies rbp_feedback_routed';

CREATE FUNCTION rbp.qa_hold(p_response_id uuid, p_reason text, p_escalate boolean DEFAULT false,
                            p_on date DEFAULT current_date) RETURNS void
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    v_response rbp.response := rbp.qa_response(p_response_id);
BEGIN
    IF v_response.anonymity = 'anonymous' OR v_response.qa_status <> 'awaiting_qa' THEN
        RAISE EXCEPTION 'only feedback awaiting QA can be held' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF coalesce(btrim(p_reason), '') = '' THEN
        RAISE EXCEPTION 'holding feedback needs a reason' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    UPDATE rbp.response
       SET qa_status = 'held', qa_status_on = p_on, qa_note = p_reason, escalated = coalesce(p_escalate, false)
     WHERE response_id = p_response_id;
END
$$;
COMMENT ON FUNCTION rbp.qa_hold(uuid, text, boolean, date) IS
    'QA: hold feedback (e.g. a safeguarding concern) so that worker and supervisor do not see it; optionally escalate it';

CREATE FUNCTION rbp.release_due_feedback(p_on date DEFAULT current_date) RETURNS integer
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    v_row record;
    v_count integer := 0;
BEGIN
    FOR v_row IN
        UPDATE rbp.response r SET qa_status = 'released', qa_status_on = p_on
          FROM rbp.authority a
         WHERE a.authority_id = r.authority_id AND a.auto_release_after_days IS NOT NULL
           AND r.qa_status = 'awaiting_qa' AND r.submitted_on + a.auto_release_after_days <= p_on
        RETURNING r.response_id
    LOOP
        PERFORM pg_notify('rbp_feedback_routed', route_id::text)
           FROM rbp.route WHERE response_id = v_row.response_id AND superseded_on IS NULL;
        v_count := v_count + 1;
    END LOOP;
    RETURN v_count;
END
$$;
COMMENT ON FUNCTION rbp.release_due_feedback(date) IS
    'Scheduler: release feedback awaiting QA for authorities with auto_release_after_days, once that many days have passed (held items stay held); returns how many';

CREATE FUNCTION rbp.record_supervision_review(p_response_id uuid, p_celebrated boolean,
                                              p_support_offered rbp.support_offer[] DEFAULT '{}',
                                              p_notes text DEFAULT NULL, p_reviewed_on date DEFAULT current_date)
    RETURNS void
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    v_me integer := rbp.current_staff_id();
    v_route rbp.route;
BEGIN
    SELECT rt.* INTO v_route FROM rbp.route rt JOIN rbp.response r USING (response_id)
     WHERE rt.response_id = p_response_id AND rt.superseded_on IS NULL AND r.qa_status = 'released'
       FOR UPDATE OF rt;
    IF v_route.route_id IS NULL OR v_me IS NULL
       OR NOT (v_route.recipient_id = v_me
               OR (v_route.recipient_kind = 'qa_team' AND v_route.authority_id = ANY (rbp.current_qa_authorities()))) THEN
        RAISE EXCEPTION 'no feedback awaiting your review with this id' USING ERRCODE = 'no_data_found';
    END IF;
    IF p_celebrated IS NULL THEN
        RAISE EXCEPTION 'say whether good practice was celebrated' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    INSERT INTO rbp.supervision_review (response_id, reviewer_id, reviewed_on, celebrated, support_offered, notes)
    VALUES (p_response_id, v_me, coalesce(p_reviewed_on, current_date), p_celebrated, coalesce(p_support_offered, '{}'), p_notes);
END
$$;
COMMENT ON FUNCTION rbp.record_supervision_review(uuid, boolean, rbp.support_offer[], text, date) IS
    'Supervisor (or QA, for items routed to the QA team): record the supervision review of released feedback routed to you — celebrated, and support offered';

-- Withdrawing a name (G2): only towards more anonymity. To worker_only, the family is erased from
-- the row; to anonymous, the row, its answers, routes, review and theme tags are deleted and the
-- answers go through the anonymous holding area like any anonymous submission, so the response
-- cannot be recognised afterwards.
CREATE FUNCTION rbp.withdraw_identity(p_response_id uuid, p_to rbp.anonymity) RETURNS void
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    v_response rbp.response;
    v_answers rbp.answer_input[];
BEGIN
    SELECT * INTO v_response FROM rbp.response WHERE response_id = p_response_id FOR UPDATE;
    IF v_response.response_id IS NULL
       OR NOT v_response.authority_id = ANY (rbp.current_qa_authorities()) THEN
        RAISE EXCEPTION 'no such response in your authority' USING ERRCODE = 'no_data_found';
    END IF;
    IF p_to IS NULL OR NOT rbp.anonymity_change_allowed(v_response.anonymity, p_to) THEN
        RAISE EXCEPTION 'anonymity can only move towards anonymous: % to % is not allowed', v_response.anonymity, p_to
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = 'named < worker_only < anonymous; a family''s name, once withdrawn, is never restored.';
    END IF;
    IF p_to = v_response.anonymity THEN
        RETURN;
    END IF;
    IF p_to = 'worker_only' THEN
        UPDATE rbp.response SET anonymity = 'worker_only', respondent_id = NULL, involvement_id = NULL
         WHERE response_id = p_response_id;
        RETURN;
    END IF;
    SELECT coalesce(array_agg(ROW(question_id, score, free_text)::rbp.answer_input ORDER BY question_id), '{}')
      INTO v_answers FROM rbp.answer WHERE response_id = p_response_id;
    DELETE FROM rbp.response WHERE response_id = p_response_id;
    PERFORM rbp.hold_anonymous_response(v_response.authority_id, v_response.instrument_id, v_response.respondent_kind,
                                        v_response.channel, NULL, v_answers);
END
$$;
COMMENT ON FUNCTION rbp.withdraw_identity(uuid, rbp.anonymity) IS
    'QA, at a family''s request: make a response more anonymous (named -> worker_only -> anonymous); identifying data is removed for real and never restored';

-- Themes, actions and the feedback loop ("You said, we did").
CREATE FUNCTION rbp.create_theme(p_authority text, p_name text, p_description text DEFAULT NULL) RETURNS integer
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    v_authority integer := rbp.authority_id_of(p_authority);
    v_id integer;
BEGIN
    PERFORM rbp.require_qa_of(v_authority);
    INSERT INTO rbp.theme (authority_id, name, description) VALUES (v_authority, p_name, p_description)
    ON CONFLICT (authority_id, name) DO UPDATE SET description = coalesce(excluded.description, rbp.theme.description)
    RETURNING theme_id INTO v_id;
    RETURN v_id;
END
$$;
COMMENT ON FUNCTION rbp.create_theme(text, text, text) IS 'QA: create (or describe) a theme of the authority''s feedback';

CREATE FUNCTION rbp.tag_response(p_theme_id integer, p_response_id uuid) RETURNS void
    LANGUAGE plpgsql VOLATILE STRICT SECURITY DEFINER
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    v_theme rbp.theme;
    v_response rbp.response := rbp.qa_response(p_response_id);
BEGIN
    SELECT * INTO v_theme FROM rbp.theme WHERE theme_id = p_theme_id;
    IF v_theme.theme_id IS NULL OR v_theme.authority_id <> v_response.authority_id THEN
        RAISE EXCEPTION 'no such theme in the response''s authority' USING ERRCODE = 'no_data_found';
    END IF;
    INSERT INTO rbp.response_theme (theme_id, response_id) VALUES (p_theme_id, p_response_id) ON CONFLICT DO NOTHING;
END
$$;
COMMENT ON FUNCTION rbp.tag_response(integer, uuid) IS 'QA: tag a response of the authority with a theme';

CREATE FUNCTION rbp.record_action(p_authority text, p_description text, p_theme_id integer DEFAULT NULL,
                                  p_recommended_on date DEFAULT current_date) RETURNS integer
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    v_authority integer := rbp.authority_id_of(p_authority);
    v_id integer;
BEGIN
    PERFORM rbp.require_qa_of(v_authority);
    INSERT INTO rbp.action (authority_id, theme_id, description, recommended_on)
    VALUES (v_authority, p_theme_id, p_description, coalesce(p_recommended_on, current_date))
    RETURNING action_id INTO v_id;
    RETURN v_id;
END
$$;
COMMENT ON FUNCTION rbp.record_action(text, text, integer, date) IS 'QA: record an action recommended from themed feedback';

CREATE FUNCTION rbp.set_action_status(p_action_id integer, p_status rbp.action_status, p_on date DEFAULT current_date)
    RETURNS void
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    v_action rbp.action;
BEGIN
    SELECT * INTO v_action FROM rbp.action WHERE action_id = p_action_id FOR UPDATE;
    IF v_action.action_id IS NULL OR NOT v_action.authority_id = ANY (rbp.current_qa_authorities()) THEN
        RAISE EXCEPTION 'no such action in your authority' USING ERRCODE = 'no_data_found';
    END IF;
    IF p_status < v_action.status THEN
        RAISE EXCEPTION 'an action moves forward only (recommended, agreed, done): % to % refused', v_action.status, p_status
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    UPDATE rbp.action
       SET status = p_status,
           agreed_on = CASE WHEN p_status >= 'agreed' THEN coalesce(agreed_on, p_on) END,
           done_on = CASE WHEN p_status = 'done' THEN coalesce(done_on, p_on) END
     WHERE action_id = p_action_id;
END
$$;
COMMENT ON FUNCTION rbp.set_action_status(integer, rbp.action_status, date) IS 'QA: move an action forward to agreed or done';

CREATE FUNCTION rbp.record_feedback_loop(p_action_id integer, p_audience rbp.feedback_audience, p_message text,
                                         p_told_on date DEFAULT current_date) RETURNS integer
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    v_authority integer;
    v_id integer;
BEGIN
    SELECT authority_id INTO v_authority FROM rbp.action WHERE action_id = p_action_id;
    IF v_authority IS NULL OR NOT v_authority = ANY (rbp.current_qa_authorities()) THEN
        RAISE EXCEPTION 'no such action in your authority' USING ERRCODE = 'no_data_found';
    END IF;
    INSERT INTO rbp.feedback_loop (action_id, audience, told_on, message)
    VALUES (p_action_id, p_audience, coalesce(p_told_on, current_date), p_message)
    RETURNING feedback_loop_id INTO v_id;
    RETURN v_id;
END
$$;
COMMENT ON FUNCTION rbp.record_feedback_loop(integer, rbp.feedback_audience, text, date) IS
    'QA: record what families or practitioners were told about an action ("You said, we did")';

CREATE FUNCTION rbp.record_focus_group(p_authority text, p_held_on date, p_audience rbp.feedback_audience,
                                       p_participants integer DEFAULT NULL, p_notes text DEFAULT NULL) RETURNS integer
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    v_authority integer := rbp.authority_id_of(p_authority);
    v_id integer;
BEGIN
    PERFORM rbp.require_qa_of(v_authority);
    INSERT INTO rbp.focus_group (authority_id, held_on, audience, participants, notes)
    VALUES (v_authority, p_held_on, p_audience, p_participants, p_notes)
    RETURNING focus_group_id INTO v_id;
    RETURN v_id;
END
$$;
COMMENT ON FUNCTION rbp.record_focus_group(text, date, rbp.feedback_audience, integer, text) IS 'QA: record a focus-group session';

REVOKE ALL ON FUNCTION rbp.qa_release(uuid, date), rbp.qa_hold(uuid, text, boolean, date), rbp.release_due_feedback(date),
    rbp.record_supervision_review(uuid, boolean, rbp.support_offer[], text, date), rbp.withdraw_identity(uuid, rbp.anonymity),
    rbp.create_theme(text, text, text), rbp.tag_response(integer, uuid), rbp.record_action(text, text, integer, date),
    rbp.set_action_status(integer, rbp.action_status, date), rbp.record_feedback_loop(integer, rbp.feedback_audience, text, date),
    rbp.record_focus_group(text, date, rbp.feedback_audience, integer, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION rbp.qa_release(uuid, date), rbp.qa_hold(uuid, text, boolean, date),
    rbp.create_theme(text, text, text), rbp.tag_response(integer, uuid), rbp.record_action(text, text, integer, date),
    rbp.set_action_status(integer, rbp.action_status, date), rbp.record_feedback_loop(integer, rbp.feedback_audience, text, date),
    rbp.record_focus_group(text, date, rbp.feedback_audience, integer, text) TO rbp_qa;
GRANT EXECUTE ON FUNCTION rbp.record_supervision_review(uuid, boolean, rbp.support_offer[], text, date) TO rbp_staff, rbp_qa;
GRANT EXECUTE ON FUNCTION rbp.withdraw_identity(uuid, rbp.anonymity) TO rbp_qa;
GRANT EXECUTE ON FUNCTION rbp.release_due_feedback(date) TO rbp_case_system, rbp_admin;

-- ==== sql/install/38_rls.sql (generated file: edit the piece) ====
-- Who reads what (guarantee G4). Nobody writes a table directly: every change goes through the API
-- functions. Row-level security restricts reads:
--   rbp_qa      all feedback of their own authority (anonymous included), and its families,
--               involvements and invitations, themes and actions;
--   rbp_staff   named and worker-only feedback about themselves, and what is currently routed to
--               them for review, once QA released it;
--   rbp_admin   the structure (authorities, teams, staff, supervision, instruments), no feedback;
--   rbp_report_writer, rbp_case_system, rbp_survey_intake: no table at all.
-- The identity functions are wrapped in sub-selects so that they run once per query, not per row.

GRANT SELECT ON rbp.authority, rbp.team, rbp.staff, rbp.supervision, rbp.team_manager,
                rbp.instrument, rbp.question, rbp.glossary_term, rbp.support_option
    TO rbp_admin, rbp_qa, rbp_staff;
GRANT SELECT ON rbp.setting TO rbp_admin;

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

-- Feedback.
GRANT SELECT ON rbp.response, rbp.answer, rbp.route, rbp.supervision_review TO rbp_qa, rbp_staff;
ALTER TABLE rbp.response ENABLE ROW LEVEL SECURITY;
ALTER TABLE rbp.answer ENABLE ROW LEVEL SECURITY;
ALTER TABLE rbp.route ENABLE ROW LEVEL SECURITY;
ALTER TABLE rbp.supervision_review ENABLE ROW LEVEL SECURITY;

CREATE POLICY response_qa ON rbp.response FOR SELECT TO rbp_qa
    USING (authority_id = ANY ((SELECT rbp.current_qa_authorities())::integer[]));
CREATE POLICY response_about_me ON rbp.response FOR SELECT TO rbp_staff
    USING (qa_status = 'released' AND anonymity <> 'anonymous'
           AND worker_id = (SELECT rbp.current_staff_id()));
CREATE POLICY response_routed_to_me ON rbp.response FOR SELECT TO rbp_staff
    USING (qa_status = 'released' AND anonymity <> 'anonymous'
           AND EXISTS (SELECT FROM rbp.route rt
                        WHERE rt.response_id = response.response_id AND rt.superseded_on IS NULL
                          AND rt.recipient_id = (SELECT rbp.current_staff_id())));

-- An answer, a route or a review is visible exactly when its response is (the response's own
-- policies apply inside the sub-query).
CREATE POLICY answer_of_visible_response ON rbp.answer FOR SELECT TO rbp_qa, rbp_staff
    USING (EXISTS (SELECT FROM rbp.response r WHERE r.response_id = answer.response_id));
CREATE POLICY route_qa ON rbp.route FOR SELECT TO rbp_qa
    USING (authority_id = ANY ((SELECT rbp.current_qa_authorities())::integer[]));
CREATE POLICY route_to_me ON rbp.route FOR SELECT TO rbp_staff
    USING (recipient_id = (SELECT rbp.current_staff_id()) AND superseded_on IS NULL);
CREATE POLICY review_of_visible_response ON rbp.supervision_review FOR SELECT TO rbp_qa, rbp_staff
    USING (EXISTS (SELECT FROM rbp.response r WHERE r.response_id = supervision_review.response_id));

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

-- ==== sql/install/40_anonymous.sql (generated file: edit the piece) ====
-- Anonymous feedback (guarantee G1, doc/threat-model.md): held where no role can read it, released
-- only in batches that cannot narrow the candidates.
--
-- An anonymous submission is written to rbp.anonymous_holding: no id, no sequence, no timestamp,
-- no invitation; only the month of submission. No role has any privilege on it (rbp_admin and
-- rbp_qa included) and row-level security is on without a policy. Only two functions touch it:
-- rbp.hold_anonymous_response() (internal, called by the submission and withdrawal paths) and
-- rbp.release_anonymous_responses(), which returns a count, never rows.
--
-- Release. Held responses are grouped by (authority, instrument, respondent kind): the attributes
-- the invitation side also knows exactly. A group is released when it holds at least the
-- suppression threshold (never less than 5) of responses; all of its held responses go out
-- together, in one statement, in random physical order, with fresh random ids, every one stamped
-- with the same period (the batch's month). The two other attributes the invitation side may know,
-- channel and team, are generalised inside the batch so that every combination of released values
-- (an equivalence class) holds at least threshold-many responses: a value is kept only when
-- threshold-many responses of the batch share it, and the responses whose value is withheld
-- (NULL) are themselves at least threshold-many, topped up with randomly chosen responses of
-- larger classes when needed. A released response is therefore consistent with at least
-- threshold-many used invitations, even for a reader who knows every invitation's channel and team
-- and how this algorithm works. A group that is too small stays held and is carried into a later
-- batch: never dropped, never released alone.
--
-- Trigger. Every anonymous submission checks its own group and releases it once it is full, in the
-- submitting transaction. Two concurrent submissions may each miss the other's row, so a scheduler
-- (or an operator) also calls rbp.release_anonymous_responses() daily; it releases every full group
-- and leaves the rest held.

CREATE TABLE rbp.anonymous_holding (
    authority_id    integer NOT NULL REFERENCES rbp.authority,
    instrument_id   integer NOT NULL REFERENCES rbp.instrument,
    respondent_kind rbp.respondent_kind NOT NULL,
    channel         rbp.response_channel NOT NULL,
    team_id         integer,
    submitted_in    date NOT NULL CHECK (submitted_in = date_trunc('month', submitted_in)::date),
    answers         rbp.answer_input[] NOT NULL
);
COMMENT ON TABLE rbp.anonymous_holding IS
    'Anonymous responses waiting for their release batch: no id, no sequence, no time finer than the month, no invitation; readable by no role, only by rbp.release_anonymous_responses()';
COMMENT ON COLUMN rbp.anonymous_holding.team_id IS 'The team, only if the respondent chose to give it';
COMMENT ON COLUMN rbp.anonymous_holding.submitted_in IS 'First day of the month of submission; the released period is the latest month of the batch';
REVOKE ALL ON rbp.anonymous_holding FROM PUBLIC;
-- Row-level security with no policy at all: a second lock should a privilege ever be granted.
ALTER TABLE rbp.anonymous_holding ENABLE ROW LEVEL SECURITY;
-- Released rows leave dead tuples behind until VACUUM: have autovacuum remove them promptly.
ALTER TABLE rbp.anonymous_holding SET (autovacuum_vacuum_threshold = 0, autovacuum_vacuum_scale_factor = 0);

-- Anonymous responses may have their channel withheld (NULL) when it would narrow the candidates;
-- named and worker-only responses always carry it.
ALTER TABLE rbp.response ALTER COLUMN channel DROP NOT NULL;
ALTER TABLE rbp.response ADD CONSTRAINT response_channel_withheld_only_when_anonymous
    CHECK (channel IS NOT NULL OR anonymity = 'anonymous');
COMMENT ON CONSTRAINT response_channel_withheld_only_when_anonymous ON rbp.response IS
    'Only an anonymous response may have its channel withheld (by its release batch)';
COMMENT ON COLUMN rbp.response.channel IS
    'How the answers were given; NULL for an anonymous response whose channel was withheld because fewer than threshold-many of its batch shared it';

-- One held response on its way through the generalisation of a batch: slot is a random position,
-- the true channel and team (given by the respondent or NULL), and the values to be released.
CREATE TYPE rbp.release_slot AS (
    slot            integer,
    channel         rbp.response_channel,
    team_id         integer,
    shown_channel   rbp.response_channel,
    shown_team      integer
);
COMMENT ON TYPE rbp.release_slot IS
    'Internal: a held anonymous response during the generalisation of its batch (true channel and team, and the values to be released)';

-- Internal: generalise channel and team of one batch so that every combination of released values
-- occurs at least p_k times (see the header of this file). Rows with a withheld value are topped up
-- from classes larger than p_k, chosen at random; if that is impossible the value is withheld for
-- more rows, down to withholding both for the whole batch (always possible: the batch has >= p_k).
CREATE FUNCTION rbp.generalise_anonymous_batch(p_slots rbp.release_slot[], p_k integer) RETURNS rbp.release_slot[]
    LANGUAGE plpgsql VOLATILE STRICT
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    s rbp.release_slot[];
    v_channel rbp.response_channel;
    v_need integer;
    v_spare integer[];
BEGIN
    IF p_k < 1 OR cardinality(p_slots) < p_k THEN
        RAISE EXCEPTION 'a release batch needs at least % responses, got %', p_k, cardinality(p_slots)
            USING ERRCODE = 'internal_error';
    END IF;

    -- 1. Keep the channel; keep a given team where threshold-many of the channel share it.
    s := ARRAY(SELECT ROW(x.slot, x.channel, x.team_id, x.channel,
                          CASE WHEN x.team_id IS NOT NULL
                                    AND count(*) OVER (PARTITION BY x.channel, x.team_id) >= p_k
                               THEN x.team_id END)::rbp.release_slot
                 FROM unnest(p_slots) AS x ORDER BY x.slot);

    -- 2. Per channel, the responses without a team must be none or threshold-many: top them up
    --    with spare responses of that channel's team classes, else withhold the team for the whole
    --    channel, else (fewer than threshold-many in the channel) withhold the channel.
    FOR v_channel, v_need IN
        SELECT x.shown_channel, p_k - count(*) FILTER (WHERE x.shown_team IS NULL)
          FROM unnest(s) AS x GROUP BY x.shown_channel
        HAVING count(*) FILTER (WHERE x.shown_team IS NULL) BETWEEN 1 AND p_k - 1
    LOOP
        v_spare := ARRAY(SELECT y.slot FROM (
                             SELECT x.slot, row_number() OVER (PARTITION BY x.shown_team ORDER BY random()) AS rn
                               FROM unnest(s) AS x WHERE x.shown_channel = v_channel AND x.shown_team IS NOT NULL) AS y
                          WHERE y.rn > p_k ORDER BY random() LIMIT v_need);
        IF cardinality(v_spare) = v_need THEN
            s := ARRAY(SELECT ROW(x.slot, x.channel, x.team_id, x.shown_channel,
                                  CASE WHEN x.slot = ANY (v_spare) THEN NULL ELSE x.shown_team END)::rbp.release_slot
                         FROM unnest(s) AS x ORDER BY x.slot);
        ELSIF (SELECT count(*) FROM unnest(s) AS x WHERE x.shown_channel = v_channel) >= p_k THEN
            -- not enough spares, but the channel has threshold-many: withhold its teams instead
            s := ARRAY(SELECT ROW(x.slot, x.channel, x.team_id, x.shown_channel,
                                  CASE WHEN x.shown_channel = v_channel THEN NULL ELSE x.shown_team END)::rbp.release_slot
                         FROM unnest(s) AS x ORDER BY x.slot);
        ELSE
            s := ARRAY(SELECT ROW(x.slot, x.channel, x.team_id,
                                  CASE WHEN x.shown_channel = v_channel THEN NULL ELSE x.shown_channel END,
                                  CASE WHEN x.shown_channel = v_channel THEN NULL ELSE x.shown_team END)::rbp.release_slot
                         FROM unnest(s) AS x ORDER BY x.slot);
        END IF;
    END LOOP;

    -- 3. The responses with a withheld channel must be none or threshold-many: top them up with
    --    spare responses of the kept classes, else withhold channel and team for the whole batch.
    v_need := p_k - (SELECT count(*) FROM unnest(s) AS x WHERE x.shown_channel IS NULL);
    IF v_need BETWEEN 1 AND p_k - 1 THEN
        v_spare := ARRAY(SELECT y.slot FROM (
                             SELECT x.slot, row_number() OVER (PARTITION BY x.shown_channel, x.shown_team ORDER BY random()) AS rn
                               FROM unnest(s) AS x WHERE x.shown_channel IS NOT NULL) AS y
                          WHERE y.rn > p_k ORDER BY random() LIMIT v_need);
        IF cardinality(v_spare) = v_need THEN
            s := ARRAY(SELECT ROW(x.slot, x.channel, x.team_id,
                                  CASE WHEN x.slot = ANY (v_spare) THEN NULL ELSE x.shown_channel END,
                                  CASE WHEN x.slot = ANY (v_spare) THEN NULL ELSE x.shown_team END)::rbp.release_slot
                         FROM unnest(s) AS x ORDER BY x.slot);
        ELSE
            s := ARRAY(SELECT ROW(x.slot, x.channel, x.team_id, NULL, NULL)::rbp.release_slot
                         FROM unnest(s) AS x ORDER BY x.slot);
        END IF;
    END IF;

    -- 4. Among the responses with a withheld channel, keep a given team where threshold-many share
    --    it; those without a team must again be none or threshold-many.
    s := ARRAY(SELECT ROW(x.slot, x.channel, x.team_id, x.shown_channel,
                          CASE WHEN x.shown_channel IS NOT NULL THEN x.shown_team
                               WHEN x.team_id IS NOT NULL
                                    AND count(*) OVER (PARTITION BY x.shown_channel IS NULL, x.team_id) >= p_k
                               THEN x.team_id END)::rbp.release_slot
                 FROM unnest(s) AS x ORDER BY x.slot);
    v_need := p_k - (SELECT count(*) FROM unnest(s) AS x WHERE x.shown_channel IS NULL AND x.shown_team IS NULL);
    IF v_need BETWEEN 1 AND p_k - 1 THEN
        v_spare := ARRAY(SELECT y.slot FROM (
                             SELECT x.slot, row_number() OVER (PARTITION BY x.shown_team ORDER BY random()) AS rn
                               FROM unnest(s) AS x WHERE x.shown_channel IS NULL AND x.shown_team IS NOT NULL) AS y
                          WHERE y.rn > p_k ORDER BY random() LIMIT v_need);
        s := ARRAY(SELECT ROW(x.slot, x.channel, x.team_id, x.shown_channel,
                              CASE WHEN x.shown_channel IS NOT NULL THEN x.shown_team
                                   WHEN cardinality(v_spare) < v_need OR x.slot = ANY (v_spare) THEN NULL
                                   ELSE x.shown_team END)::rbp.release_slot
                     FROM unnest(s) AS x ORDER BY x.slot);
    END IF;

    -- 5. Never release anything that narrows: every class of released values has p_k or more.
    IF EXISTS (SELECT FROM unnest(s) AS x GROUP BY x.shown_channel, x.shown_team HAVING count(*) < p_k)
       OR EXISTS (SELECT FROM unnest(s) AS x
                   WHERE x.shown_channel IS DISTINCT FROM x.channel AND x.shown_channel IS NOT NULL
                      OR x.shown_team IS DISTINCT FROM x.team_id AND x.shown_team IS NOT NULL) THEN
        RAISE EXCEPTION 'anonymous release batch failed its own k-anonymity check'
            USING ERRCODE = 'internal_error', HINT = 'Nothing was released; please report this as a bug.';
    END IF;
    RETURN s;
END
$$;
COMMENT ON FUNCTION rbp.generalise_anonymous_batch(rbp.release_slot[], integer) IS
    'Internal: withhold channel and team of a release batch where needed so that every combination of released values occurs at least k times';
REVOKE ALL ON FUNCTION rbp.generalise_anonymous_batch(rbp.release_slot[], integer) FROM PUBLIC;

-- The effective batch size: the suppression threshold, never below its documented minimum even if
-- rbp.setting was edited directly (rbp.privacy_check() reports such an edit).
CREATE FUNCTION rbp.anonymous_batch_size() RETURNS integer
    LANGUAGE sql STABLE PARALLEL SAFE
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$ SELECT greatest(rbp.suppression_threshold(), 5) $$;
COMMENT ON FUNCTION rbp.anonymous_batch_size() IS
    'Smallest number of anonymous responses released together with the same values: the suppression threshold, never below 5';

-- Internal: release one group (authority, instrument, respondent kind) if it holds a full batch.
-- The group's held rows are locked first, so that two concurrent releases cannot split a batch.
CREATE FUNCTION rbp.release_anonymous_group(p_authority_id integer, p_instrument_id integer,
                                            p_kind rbp.respondent_kind, p_on date) RETURNS integer
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    v_k integer := rbp.anonymous_batch_size();
    v_rows tid[];
    v_slots rbp.release_slot[];
    v_period date;
    v_count integer;
BEGIN
    -- Count first without locking, so that concurrent submissions to a group that is not full do
    -- not wait for each other; lock only to release.
    IF (SELECT count(*) FROM rbp.anonymous_holding
         WHERE authority_id = p_authority_id AND instrument_id = p_instrument_id AND respondent_kind = p_kind) < v_k THEN
        RETURN 0;
    END IF;
    -- Locking the rows (not the authority or a table) leaves no trace any role can read; a
    -- concurrent release of the same group waits here and then finds the rows gone.
    SELECT array_agg(h.ctid ORDER BY h.ord), array_agg(ROW(h.ord, h.channel, h.team_id, NULL, NULL)::rbp.release_slot ORDER BY h.ord),
           greatest(max(h.submitted_in), date_trunc('month', p_on)::date)
      INTO v_rows, v_slots, v_period
      FROM (SELECT ctid, channel, team_id, submitted_in, row_number() OVER (ORDER BY random())::integer AS ord
              FROM (SELECT ctid, channel, team_id, submitted_in FROM rbp.anonymous_holding
                     WHERE authority_id = p_authority_id AND instrument_id = p_instrument_id AND respondent_kind = p_kind
                       FOR UPDATE) AS locked) AS h;
    IF coalesce(cardinality(v_rows), 0) < v_k THEN
        RETURN 0;
    END IF;
    v_slots := rbp.generalise_anonymous_batch(v_slots, v_k);

    -- One statement: take the batch out of holding, give each response a fresh random id, and
    -- insert responses and answers in random order (the slots were numbered at random).
    WITH taken AS (
        DELETE FROM rbp.anonymous_holding h WHERE h.ctid = ANY (v_rows)
        RETURNING h.ctid AS held_at, h.authority_id, h.instrument_id, h.respondent_kind, h.answers
    ), shuffled AS MATERIALIZED (
        SELECT gen_random_uuid() AS response_id, t.authority_id, t.instrument_id, t.respondent_kind, t.answers,
               g.shown_channel, g.shown_team
          FROM taken t
          JOIN unnest(v_rows) WITH ORDINALITY AS r(held_at, ord) ON r.held_at = t.held_at
          JOIN unnest(v_slots) AS g ON g.slot = r.ord
         ORDER BY random()
    ), released AS (
        INSERT INTO rbp.response (response_id, authority_id, instrument_id, respondent_kind, channel,
                                  anonymity, period, team_id, qa_status)
        SELECT response_id, authority_id, instrument_id, respondent_kind, shown_channel,
               'anonymous', v_period, shown_team, 'released'
          FROM shuffled
        RETURNING 1
    ), answers AS (
        INSERT INTO rbp.answer (response_id, question_id, score, free_text)
        SELECT s.response_id, a.question_id, a.score, a.free_text FROM shuffled s, unnest(s.answers) AS a
    )
    SELECT count(*) INTO v_count FROM released;
    IF v_count <> cardinality(v_rows) THEN
        RAISE EXCEPTION 'anonymous release batch changed while it was being released'
            USING ERRCODE = 'internal_error';
    END IF;
    RETURN v_count;
END
$$;
COMMENT ON FUNCTION rbp.release_anonymous_group(integer, integer, rbp.respondent_kind, date) IS
    'Internal: release the held anonymous responses of one (authority, instrument, respondent kind) once there is a full batch; returns how many';
REVOKE ALL ON FUNCTION rbp.release_anonymous_group(integer, integer, rbp.respondent_kind, date) FROM PUBLIC;

CREATE FUNCTION rbp.release_anonymous_responses(p_on date DEFAULT current_date) RETURNS integer
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    v_group record;
    v_released integer := 0;
BEGIN
    IF p_on IS NULL THEN
        RAISE EXCEPTION 'a release needs a date' USING ERRCODE = 'null_value_not_allowed';
    ELSIF p_on > current_date THEN
        RAISE EXCEPTION 'a release cannot be dated in the future (%)', p_on
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = 'The date gives the released batch its period; it is the day of the release or an earlier one.';
    END IF;
    FOR v_group IN
        SELECT authority_id, instrument_id, respondent_kind FROM rbp.anonymous_holding
         GROUP BY authority_id, instrument_id, respondent_kind HAVING count(*) >= rbp.anonymous_batch_size()
    LOOP
        v_released := v_released + rbp.release_anonymous_group(v_group.authority_id, v_group.instrument_id,
                                                               v_group.respondent_kind, p_on);
    END LOOP;
    RETURN v_released;
END
$$;
COMMENT ON FUNCTION rbp.release_anonymous_responses(date) IS
    'Scheduler or operator: release every full batch of held anonymous responses (per authority, instrument and respondent kind); smaller groups stay held for a later batch. Returns how many were released, never which';
REVOKE ALL ON FUNCTION rbp.release_anonymous_responses(date) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION rbp.release_anonymous_responses(date) TO rbp_admin, rbp_case_system;

-- Internal: hold one anonymous response, then release its group if that made a full batch. Runs
-- the same statements whatever else is held, raises no error of its own, sends no notification.
CREATE FUNCTION rbp.hold_anonymous_response(p_authority_id integer, p_instrument_id integer,
                                            p_kind rbp.respondent_kind, p_channel rbp.response_channel,
                                            p_team_id integer, p_answers rbp.answer_input[],
                                            p_submitted_on date DEFAULT current_date) RETURNS void
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
BEGIN
    INSERT INTO rbp.anonymous_holding (authority_id, instrument_id, respondent_kind, channel, team_id, submitted_in, answers)
    VALUES (p_authority_id, p_instrument_id, p_kind, p_channel, p_team_id,
            date_trunc('month', coalesce(p_submitted_on, current_date))::date, coalesce(p_answers, '{}'));
    PERFORM rbp.release_anonymous_group(p_authority_id, p_instrument_id, p_kind, coalesce(p_submitted_on, current_date));
END
$$;
COMMENT ON FUNCTION rbp.hold_anonymous_response(integer, integer, rbp.respondent_kind, rbp.response_channel, integer, rbp.answer_input[], date) IS
    'Internal: put an anonymous response in the holding area and release its group if that made a full batch';
REVOKE ALL ON FUNCTION rbp.hold_anonymous_response(integer, integer, rbp.respondent_kind, rbp.response_channel, integer, rbp.answer_input[], date) FROM PUBLIC;

-- ==== sql/install/41_privacy_check.sql (generated file: edit the piece) ====
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

-- ==== sql/install/50_schedule.sql (generated file: edit the piece) ====
-- Scheduling by time, not by process stage (framework rule 4): when each family member is invited,
-- reminded and followed up, and when the next focus group is due. doc/scheduling.md explains it.
--
-- One row of rbp.invitation_schedule per (involvement, family member) holds where that member's
-- schedule stands (phase, anchor date) and, derived from it, the dates the case system needs:
-- next_due_on is kept up to date by triggers on the data model's tables, so that "who is due today"
-- is a range scan of a partial index. The derivation rule lives in one place, the function
-- rbp.schedule_dates() (applied to every schedule by the view rbp.schedule_computed); every change
-- of a base fact re-applies it to the rows concerned.

CREATE TYPE rbp.schedule_phase AS ENUM ('first', 'regular', 'follow_up', 'done');
COMMENT ON TYPE rbp.schedule_phase IS
    'Where a schedule stands: first (the invitation at the start of involvement), regular (every cadence window), follow_up (once after closure), done (nothing more)';

CREATE TYPE rbp.process_stage AS ENUM ('assessment', 'child_in_need', 'child_protection', 'looked_after');
COMMENT ON TYPE rbp.process_stage IS
    'Stage of the statutory process; recorded for context only: a change of stage never moves a due date (feedback is by time, not by stage)';

-- Per authority: the default rhythm, changed by rbp_admin through rbp.set_schedule_policy().
CREATE TABLE rbp.schedule_policy (
    authority_id                 integer PRIMARY KEY REFERENCES rbp.authority ON DELETE CASCADE,
    invitation_cadence           rbp.cadence NOT NULL DEFAULT '2 months..3 months',
    first_invitation_within_days integer NOT NULL DEFAULT 14 CHECK (first_invitation_within_days BETWEEN 0 AND 366),
    closure_follow_up            rbp.cadence NOT NULL DEFAULT '1 month..2 months',
    max_reminders                integer NOT NULL DEFAULT 1 CHECK (max_reminders BETWEEN 0 AND 10),
    reminder_after_days          integer NOT NULL DEFAULT 14 CHECK (reminder_after_days BETWEEN 1 AND 366),
    default_channel              rbp.invitation_channel NOT NULL DEFAULT 'link',
    focus_group_cadence          rbp.cadence NOT NULL DEFAULT '6 months..12 months',
    focus_groups_from            date NOT NULL DEFAULT current_date
);
COMMENT ON TABLE rbp.schedule_policy IS 'Each authority''s invitation rhythm; a row is created with the defaults when the authority is registered';
COMMENT ON COLUMN rbp.schedule_policy.invitation_cadence IS 'Default window between invitations, counted from the last invitation (framework: due from 2 months, overdue after 3)';
COMMENT ON COLUMN rbp.schedule_policy.first_invitation_within_days IS 'The first invitation is due on the first day of involvement and overdue this many days later';
COMMENT ON COLUMN rbp.schedule_policy.closure_follow_up IS 'Window of the one follow-up invitation, counted from the day the involvement closed; nothing after it';
COMMENT ON COLUMN rbp.schedule_policy.max_reminders IS 'At most this many reminders per invitation (default 1; 0: none)';
COMMENT ON COLUMN rbp.schedule_policy.reminder_after_days IS 'A reminder is due this many days after the invitation (or the previous reminder) if it is still unused';
COMMENT ON COLUMN rbp.schedule_policy.default_channel IS 'Channel of invitations for family members who did not choose one';
COMMENT ON COLUMN rbp.schedule_policy.focus_group_cadence IS 'Window between focus groups (framework: every 6 to 12 months)';
COMMENT ON COLUMN rbp.schedule_policy.focus_groups_from IS 'Anchor of the first focus group when none has been held yet';

-- Per family member: their own choices ("no one feels pressured"). Absent row: the defaults.
CREATE TABLE rbp.respondent_preference (
    respondent_id        integer PRIMARY KEY REFERENCES rbp.respondent ON DELETE CASCADE,
    cadence              rbp.cadence,
    channel              rbp.invitation_channel,
    paused_until         date,
    reminders_opted_out  boolean NOT NULL DEFAULT false,
    opted_out_on         date
);
COMMENT ON TABLE rbp.respondent_preference IS 'A family member''s own choices about invitations: another cadence, a channel, a pause, no reminders, no invitations at all';
COMMENT ON COLUMN rbp.respondent_preference.cadence IS 'Their own cadence instead of the authority''s; NULL: the authority''s';
COMMENT ON COLUMN rbp.respondent_preference.channel IS 'How they want to be invited; NULL: the authority''s default channel';
COMMENT ON COLUMN rbp.respondent_preference.paused_until IS 'No invitation or reminder before this date; from it on the schedule resumes (the window is shifted, not shortened)';
COMMENT ON COLUMN rbp.respondent_preference.reminders_opted_out IS 'They want no reminders: none is listed, and recording one is refused';
COMMENT ON COLUMN rbp.respondent_preference.opted_out_on IS 'They want no more invitations (since this date): none is listed, issuing one is refused';

CREATE TABLE rbp.invitation_schedule (
    schedule_id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    authority_id        integer NOT NULL,
    involvement_id      integer NOT NULL,
    respondent_id       integer NOT NULL,
    phase               rbp.schedule_phase NOT NULL DEFAULT 'first',
    anchor_on           date NOT NULL,
    invitations_issued  integer NOT NULL DEFAULT 0,
    last_invitation_id  bigint REFERENCES rbp.invitation ON DELETE SET NULL,
    last_reminder_on    date,
    due_on              date,
    overdue_on          date,
    next_due_on         date,
    reminder_due_on     date,
    UNIQUE (involvement_id, respondent_id),
    FOREIGN KEY (authority_id, involvement_id) REFERENCES rbp.involvement (authority_id, involvement_id) ON DELETE CASCADE,
    FOREIGN KEY (authority_id, respondent_id) REFERENCES rbp.respondent (authority_id, respondent_id) ON DELETE CASCADE
);
COMMENT ON TABLE rbp.invitation_schedule IS
    'Where the invitations of one family member for one involvement stand; maintained by triggers, read through rbp.due_invitations()';
COMMENT ON COLUMN rbp.invitation_schedule.phase IS 'first, regular, follow_up (after closure) or done';
COMMENT ON COLUMN rbp.invitation_schedule.anchor_on IS 'The date the current window counts from: start of involvement, last invitation issued, or closure';
COMMENT ON COLUMN rbp.invitation_schedule.invitations_issued IS 'Invitations issued so far for this involvement';
COMMENT ON COLUMN rbp.invitation_schedule.last_invitation_id IS 'The most recent invitation, whose reminders are scheduled';
COMMENT ON COLUMN rbp.invitation_schedule.last_reminder_on IS 'When the last reminder of the most recent invitation was sent';
COMMENT ON COLUMN rbp.invitation_schedule.due_on IS 'Derived: first day the next invitation is due (after any pause)';
COMMENT ON COLUMN rbp.invitation_schedule.overdue_on IS 'Derived: first day the next invitation is overdue (shifted by any pause)';
COMMENT ON COLUMN rbp.invitation_schedule.next_due_on IS 'Derived: due_on unless nothing more is to be sent (done, opted out): the key of the daily question';
COMMENT ON COLUMN rbp.invitation_schedule.reminder_due_on IS 'Derived: when a reminder of the last invitation is due, NULL when none may be sent';
CREATE INDEX invitation_schedule_next_due ON rbp.invitation_schedule (next_due_on) WHERE next_due_on IS NOT NULL;
CREATE INDEX invitation_schedule_reminder_due ON rbp.invitation_schedule (reminder_due_on) WHERE reminder_due_on IS NOT NULL;
CREATE INDEX invitation_schedule_respondent ON rbp.invitation_schedule (respondent_id);
COMMENT ON INDEX rbp.invitation_schedule_next_due IS 'The daily question: schedules whose next invitation is due on or before a date';
COMMENT ON INDEX rbp.invitation_schedule_reminder_due IS 'The daily question: schedules whose reminder is due on or before a date';
COMMENT ON INDEX rbp.invitation_schedule_respondent IS 'Finding the schedules of a family member when their preferences change';

-- Context only: nothing reads the stage to compute a date.
CREATE TABLE rbp.involvement_stage (
    involvement_id  integer NOT NULL,
    authority_id    integer NOT NULL,
    stage           rbp.process_stage NOT NULL,
    from_on         date NOT NULL,
    PRIMARY KEY (involvement_id, from_on),
    FOREIGN KEY (authority_id, involvement_id) REFERENCES rbp.involvement (authority_id, involvement_id) ON DELETE CASCADE
);
COMMENT ON TABLE rbp.involvement_stage IS 'Stages of the process an involvement went through (assessment, child in need, child protection, looked after); never moves a due date';

-- The rule, in one place: from the base facts of a schedule to its dates. Plain SQL expressions
-- (no FROM, not STRICT) so that the planner inlines them into the bulk statements of the triggers.
CREATE TYPE rbp.schedule_dates AS (due_on date, overdue_on date, next_due_on date, reminder_due_on date);
COMMENT ON TYPE rbp.schedule_dates IS 'The dates derived for a schedule: due from, overdue from, next due (NULL if nothing more), reminder due';
COMMENT ON COLUMN rbp.schedule_dates.due_on IS 'First day the next invitation is due, after any pause';
COMMENT ON COLUMN rbp.schedule_dates.overdue_on IS 'First day it is overdue, shifted by the same pause';
COMMENT ON COLUMN rbp.schedule_dates.next_due_on IS 'due_on, or NULL when nothing more is to be sent (done, opted out)';
COMMENT ON COLUMN rbp.schedule_dates.reminder_due_on IS 'When a reminder of the last invitation is due, or NULL when none may be sent';

-- The window of a phase, before any pause: first invitation from the first day of involvement,
-- then the cadence (the family member's own or the authority's) from the last invitation, then
-- the closure follow-up from the day of closure.
CREATE FUNCTION rbp.phase_due_on(p_phase rbp.schedule_phase, p_anchor_on date,
                                 p_policy rbp.schedule_policy, p_pref rbp.respondent_preference) RETURNS date
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
    SELECT CASE p_phase WHEN 'first' THEN p_anchor_on
                        WHEN 'regular' THEN rbp.due_from(coalesce((p_pref).cadence, (p_policy).invitation_cadence), p_anchor_on)
                        WHEN 'follow_up' THEN rbp.due_from((p_policy).closure_follow_up, p_anchor_on) END
$$;
COMMENT ON FUNCTION rbp.phase_due_on(rbp.schedule_phase, date, rbp.schedule_policy, rbp.respondent_preference) IS
    'Internal: first day of the window of a phase counted from its anchor (before any pause); NULL when done';

CREATE FUNCTION rbp.phase_overdue_on(p_phase rbp.schedule_phase, p_anchor_on date,
                                     p_policy rbp.schedule_policy, p_pref rbp.respondent_preference) RETURNS date
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
    SELECT CASE p_phase WHEN 'first' THEN p_anchor_on + (p_policy).first_invitation_within_days
                        WHEN 'regular' THEN rbp.overdue_from(coalesce((p_pref).cadence, (p_policy).invitation_cadence), p_anchor_on)
                        WHEN 'follow_up' THEN rbp.overdue_from((p_policy).closure_follow_up, p_anchor_on) END
$$;
COMMENT ON FUNCTION rbp.phase_overdue_on(rbp.schedule_phase, date, rbp.schedule_policy, rbp.respondent_preference) IS
    'Internal: first overdue day of the window of a phase (before any pause); NULL when done';

-- A pause that ends after the window opened moves the whole window to the end of the pause.
CREATE FUNCTION rbp.pause_shift(p_due_on date, p_pref rbp.respondent_preference) RETURNS integer
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT greatest(coalesce((p_pref).paused_until - p_due_on, 0), 0) $$;
COMMENT ON FUNCTION rbp.pause_shift(date, rbp.respondent_preference) IS 'Internal: days by which a pause moves a window (0 without a pause or when it ended before the window)';

CREATE FUNCTION rbp.schedule_dates(p_phase rbp.schedule_phase, p_anchor_on date, p_last_reminder_on date,
                                   p_policy rbp.schedule_policy, p_pref rbp.respondent_preference,
                                   p_invitation rbp.invitation) RETURNS rbp.schedule_dates
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
    SELECT ROW(
        rbp.phase_due_on(p_phase, p_anchor_on, p_policy, p_pref)
            + rbp.pause_shift(rbp.phase_due_on(p_phase, p_anchor_on, p_policy, p_pref), p_pref),
        rbp.phase_overdue_on(p_phase, p_anchor_on, p_policy, p_pref)
            + rbp.pause_shift(rbp.phase_due_on(p_phase, p_anchor_on, p_policy, p_pref), p_pref),
        CASE WHEN p_phase = 'done' OR (p_pref).opted_out_on IS NOT NULL THEN NULL
             ELSE rbp.phase_due_on(p_phase, p_anchor_on, p_policy, p_pref)
                  + rbp.pause_shift(rbp.phase_due_on(p_phase, p_anchor_on, p_policy, p_pref), p_pref) END,
        CASE WHEN (p_invitation).invitation_id IS NULL OR (p_invitation).used_on IS NOT NULL
                  OR coalesce((p_pref).reminders_opted_out, false) OR (p_pref).opted_out_on IS NOT NULL
                  OR (p_invitation).reminders_sent >= (p_policy).max_reminders
                  OR greatest(coalesce(p_last_reminder_on, (p_invitation).issued_on) + (p_policy).reminder_after_days,
                              (p_pref).paused_until) > (p_invitation).expires_on THEN NULL
             ELSE greatest(coalesce(p_last_reminder_on, (p_invitation).issued_on) + (p_policy).reminder_after_days,
                           (p_pref).paused_until) END
    )::rbp.schedule_dates
$$;
COMMENT ON FUNCTION rbp.schedule_dates(rbp.schedule_phase, date, date, rbp.schedule_policy, rbp.respondent_preference, rbp.invitation) IS
    'Internal: the rule. The window of the phase, moved by a pause; nothing next when done or opted out; a reminder reminder_after_days after the invitation (or the last reminder) while the invitation is unused, unexpired, under the limit and reminders are wanted';

CREATE VIEW rbp.schedule_computed AS
SELECT s.schedule_id, d.due_on, d.overdue_on, d.next_due_on, d.reminder_due_on
  FROM rbp.invitation_schedule s
  JOIN rbp.schedule_policy pol ON pol.authority_id = s.authority_id
  LEFT JOIN rbp.respondent_preference p ON p.respondent_id = s.respondent_id
  LEFT JOIN rbp.invitation i ON i.invitation_id = s.last_invitation_id
  CROSS JOIN LATERAL (SELECT (rbp.schedule_dates(s.phase, s.anchor_on, s.last_reminder_on, pol, p, i)).*) d;
COMMENT ON VIEW rbp.schedule_computed IS
    'Internal: the dates of each schedule as rbp.schedule_dates() computes them from its phase and anchor, the authority''s policy, the family member''s preferences and the last invitation';
COMMENT ON COLUMN rbp.schedule_computed.schedule_id IS 'The schedule';
COMMENT ON COLUMN rbp.schedule_computed.due_on IS 'First day the next invitation is due, after any pause';
COMMENT ON COLUMN rbp.schedule_computed.overdue_on IS 'First day it is overdue, shifted by the same pause';
COMMENT ON COLUMN rbp.schedule_computed.next_due_on IS 'due_on, or NULL when nothing more is to be sent';
COMMENT ON COLUMN rbp.schedule_computed.reminder_due_on IS 'When a reminder of the last invitation is due, or NULL';

-- Re-apply the rule to some schedules (NULL: all of an authority, or all).
CREATE FUNCTION rbp.refresh_schedules(p_schedule_ids bigint[], p_authority_id integer DEFAULT NULL) RETURNS void
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
BEGIN
    IF p_schedule_ids IS NOT NULL THEN
        UPDATE rbp.invitation_schedule s
           SET due_on = c.due_on, overdue_on = c.overdue_on, next_due_on = c.next_due_on, reminder_due_on = c.reminder_due_on
          FROM (SELECT DISTINCT unnest(p_schedule_ids) AS id) x
          JOIN rbp.schedule_computed c ON c.schedule_id = x.id
         WHERE s.schedule_id = x.id
           AND (s.due_on, s.overdue_on, s.next_due_on, s.reminder_due_on)
               IS DISTINCT FROM (c.due_on, c.overdue_on, c.next_due_on, c.reminder_due_on);
    ELSE
        UPDATE rbp.invitation_schedule s
           SET due_on = c.due_on, overdue_on = c.overdue_on, next_due_on = c.next_due_on, reminder_due_on = c.reminder_due_on
          FROM rbp.schedule_computed c
         WHERE c.schedule_id = s.schedule_id
           AND (p_authority_id IS NULL OR s.authority_id = p_authority_id)
           AND (s.due_on, s.overdue_on, s.next_due_on, s.reminder_due_on)
               IS DISTINCT FROM (c.due_on, c.overdue_on, c.next_due_on, c.reminder_due_on);
    END IF;
END
$$;
COMMENT ON FUNCTION rbp.refresh_schedules(bigint[], integer) IS 'Internal: store the dates of rbp.schedule_computed into the schedules given (NULL: all, or all of an authority)';
REVOKE ALL ON FUNCTION rbp.refresh_schedules(bigint[], integer) FROM PUBLIC;

-- ---------------------------------------------------------------------------------------------
-- Triggers on the data model: every base fact that a date depends on.
--
-- Backups: every table of schema rbp is dumped as data (95_dump.sql), the schedules and policies
-- included, and pg_restore loads each table with COPY ... FROM stdin. Deriving schedules while the
-- involvements are being loaded would duplicate the rows the dump is about to load (and refuse
-- invitations restored for a family member who opted out later), so these triggers do nothing
-- under a top-level COPY ... FROM: the restore brings the derived rows with it. The case system
-- has no table privileges and writes through the API, where this never applies; a DBA who bulk
-- loads involvements with COPY calls rbp.refresh_all_schedules() afterwards (doc/scheduling.md).
CREATE FUNCTION rbp.loading_by_copy() RETURNS boolean
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$ SELECT pg_catalog.current_query() ~* '^\s*copy\s+\S+\s*(\([^)]*\)\s*)?from\M' $$;
COMMENT ON FUNCTION rbp.loading_by_copy() IS 'Internal: true while the top-level statement is a COPY ... FROM (a restore or bulk load), when schedule triggers derive nothing';

CREATE FUNCTION rbp.schedule_on_authority_insert() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
BEGIN
    IF rbp.loading_by_copy() THEN
        RETURN NULL;
    END IF;
    INSERT INTO rbp.schedule_policy (authority_id) SELECT authority_id FROM new_rows
        ON CONFLICT (authority_id) DO NOTHING;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION rbp.schedule_on_authority_insert() IS 'Trigger: a new authority gets the default schedule policy';
CREATE TRIGGER schedule_policy_default AFTER INSERT ON rbp.authority
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION rbp.schedule_on_authority_insert();
COMMENT ON TRIGGER schedule_policy_default ON rbp.authority IS 'Gives each new authority the default schedule policy';
-- Authorities registered before this piece ran (none at CREATE EXTENSION, but keep it total).
INSERT INTO rbp.schedule_policy (authority_id) SELECT authority_id FROM rbp.authority ON CONFLICT DO NOTHING;

-- New involvements: every member of the family is due an invitation from the first day. An
-- involvement that arrives already closed (history loaded at go-live) is recorded as done: its
-- families are not invited about work that ended before the database knew of it.
CREATE FUNCTION rbp.schedule_on_involvement_insert() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
BEGIN
    IF rbp.loading_by_copy() THEN
        RETURN NULL;
    END IF;
    INSERT INTO rbp.invitation_schedule (authority_id, involvement_id, respondent_id, phase, anchor_on,
                                         due_on, overdue_on, next_due_on, reminder_due_on)
    SELECT x.authority_id, x.involvement_id, x.respondent_id, x.phase, x.anchor_on,
           (x.d).due_on, (x.d).overdue_on, (x.d).next_due_on, (x.d).reminder_due_on
      FROM (SELECT n.authority_id, n.involvement_id, r.respondent_id, ph.phase, ph.anchor_on,
                   rbp.schedule_dates(ph.phase, ph.anchor_on, NULL, pol, p, NULL) AS d
              FROM new_rows n
              JOIN rbp.respondent r ON r.family_id = n.family_id AND r.authority_id = n.authority_id
              JOIN rbp.schedule_policy pol ON pol.authority_id = n.authority_id
              LEFT JOIN rbp.respondent_preference p ON p.respondent_id = r.respondent_id
              CROSS JOIN LATERAL (SELECT CASE WHEN n.closed_on IS NULL THEN 'first' ELSE 'done' END::rbp.schedule_phase AS phase,
                                         coalesce(n.closed_on, n.started_on) AS anchor_on) ph) x
    ON CONFLICT (involvement_id, respondent_id) DO NOTHING;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION rbp.schedule_on_involvement_insert() IS 'Trigger: each family member of a new involvement is due a first invitation from its first day (nothing for an involvement loaded already closed)';
CREATE TRIGGER schedule_involvement_insert AFTER INSERT ON rbp.involvement
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION rbp.schedule_on_involvement_insert();
COMMENT ON TRIGGER schedule_involvement_insert ON rbp.involvement IS 'Creates the schedules of a new involvement';

-- A family member registered while the family's involvement is open joins its schedule, due from
-- the start of the involvement (so at once).
CREATE FUNCTION rbp.schedule_on_respondent_insert() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
BEGIN
    IF rbp.loading_by_copy() THEN
        RETURN NULL;
    END IF;
    INSERT INTO rbp.invitation_schedule (authority_id, involvement_id, respondent_id, phase, anchor_on,
                                         due_on, overdue_on, next_due_on, reminder_due_on)
    SELECT x.authority_id, x.involvement_id, x.respondent_id, 'first', x.started_on,
           (x.d).due_on, (x.d).overdue_on, (x.d).next_due_on, (x.d).reminder_due_on
      FROM (SELECT v.authority_id, v.involvement_id, n.respondent_id, v.started_on,
                   rbp.schedule_dates('first', v.started_on, NULL, pol, p, NULL) AS d
              FROM new_rows n
              JOIN rbp.involvement v ON v.family_id = n.family_id AND v.authority_id = n.authority_id AND v.closed_on IS NULL
              JOIN rbp.schedule_policy pol ON pol.authority_id = v.authority_id
              LEFT JOIN rbp.respondent_preference p ON p.respondent_id = n.respondent_id) x
    ON CONFLICT (involvement_id, respondent_id) DO NOTHING;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION rbp.schedule_on_respondent_insert() IS 'Trigger: a family member registered during an open involvement gets a schedule for it';
CREATE TRIGGER schedule_respondent_insert AFTER INSERT ON rbp.respondent
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION rbp.schedule_on_respondent_insert();
COMMENT ON TRIGGER schedule_respondent_insert ON rbp.respondent IS 'Creates the schedules of a family member registered during an open involvement';

-- Closure (or a corrected closure date, or a reopening). Only closed_on matters: other columns of
-- the involvement (team, stage, ...) leave every schedule as it is.
CREATE FUNCTION rbp.schedule_on_involvement_update() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    v_ids bigint[];
BEGIN
    WITH changed AS (
        SELECT n.involvement_id, n.closed_on, n.started_on
          FROM new_rows n JOIN old_rows o USING (involvement_id)
         WHERE n.closed_on IS DISTINCT FROM o.closed_on),
    moved AS (
        UPDATE rbp.invitation_schedule s
           SET phase = CASE WHEN c.closed_on IS NOT NULL THEN 'follow_up'
                            WHEN s.invitations_issued = 0 THEN 'first'
                            ELSE 'regular' END::rbp.schedule_phase,
               anchor_on = CASE WHEN c.closed_on IS NOT NULL THEN c.closed_on
                                ELSE coalesce((SELECT i.issued_on FROM rbp.invitation i WHERE i.invitation_id = s.last_invitation_id),
                                              c.started_on) END
          FROM changed c
         WHERE s.involvement_id = c.involvement_id
           AND (s.phase <> 'done' OR c.closed_on IS NULL)
        RETURNING s.schedule_id)
    SELECT array_agg(schedule_id) INTO v_ids FROM moved;
    IF v_ids IS NOT NULL THEN
        PERFORM rbp.refresh_schedules(v_ids);
    END IF;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION rbp.schedule_on_involvement_update() IS
    'Trigger: when an involvement closes, its schedules move to the one follow-up after closure; no other change of an involvement moves a date';
CREATE TRIGGER schedule_involvement_update AFTER UPDATE ON rbp.involvement
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION rbp.schedule_on_involvement_update();
COMMENT ON TRIGGER schedule_involvement_update ON rbp.involvement IS 'Moves schedules to their follow-up when an involvement closes';

-- Issuing is refused to a family member who opted out or paused (the promise is kept by the
-- database, not only by the case system's good behaviour).
CREATE FUNCTION rbp.schedule_check_invitation() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    v_pref rbp.respondent_preference;
BEGIN
    IF rbp.loading_by_copy() THEN
        RETURN NEW;
    END IF;
    SELECT * INTO v_pref FROM rbp.respondent_preference WHERE respondent_id = NEW.respondent_id;
    IF v_pref.opted_out_on IS NOT NULL THEN
        RAISE EXCEPTION 'this family member asked for no more invitations (since %)', v_pref.opted_out_on
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'Only they can change that: record it with rbp.opt_in_to_invitations().';
    END IF;
    IF NEW.issued_on < v_pref.paused_until THEN
        RAISE EXCEPTION 'invitations to this family member are paused until %', v_pref.paused_until
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'End the pause first with rbp.pause_invitations(..., NULL) if they asked for it.';
    END IF;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION rbp.schedule_check_invitation() IS 'Trigger: refuse an invitation to a family member who opted out or paused (55000)';
CREATE TRIGGER schedule_check_invitation BEFORE INSERT ON rbp.invitation
    FOR EACH ROW EXECUTE FUNCTION rbp.schedule_check_invitation();
COMMENT ON TRIGGER schedule_check_invitation ON rbp.invitation IS 'Refuses invitations to family members who opted out or paused';

-- Issuing moves the schedule on: the next window counts from the issue date.
CREATE FUNCTION rbp.schedule_on_invitation_insert() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
BEGIN
    IF rbp.loading_by_copy() THEN
        RETURN NULL;
    END IF;
    -- One step per schedule even if a statement issued several invitations to the same member.
    WITH latest AS (
        SELECT DISTINCT ON (n.involvement_id, n.respondent_id) ROW(n.*)::rbp.invitation AS inv, n.involvement_id, n.respondent_id,
               count(*) OVER (PARTITION BY n.involvement_id, n.respondent_id) AS issued
          FROM new_rows n
         ORDER BY n.involvement_id, n.respondent_id, n.issued_on DESC, n.invitation_id DESC),
    moved AS (
        SELECT s.schedule_id, l.inv, l.issued,
               CASE WHEN s.phase IN ('first', 'regular') THEN 'regular' ELSE 'done' END::rbp.schedule_phase AS phase,
               CASE WHEN s.phase IN ('first', 'regular') THEN (l.inv).issued_on ELSE s.anchor_on END AS anchor_on,
               pol, p
          FROM latest l
          JOIN rbp.invitation_schedule s ON s.involvement_id = l.involvement_id AND s.respondent_id = l.respondent_id
          JOIN rbp.schedule_policy pol ON pol.authority_id = s.authority_id
          LEFT JOIN rbp.respondent_preference p ON p.respondent_id = s.respondent_id),
    computed AS (
        SELECT m.schedule_id, m.inv, m.issued, m.phase, m.anchor_on,
               rbp.schedule_dates(m.phase, m.anchor_on, NULL, m.pol, m.p, m.inv) AS d
          FROM moved m)
    UPDATE rbp.invitation_schedule s
       SET phase = c.phase, anchor_on = c.anchor_on,
           invitations_issued = s.invitations_issued + c.issued,
           last_invitation_id = (c.inv).invitation_id, last_reminder_on = NULL,
           due_on = (c.d).due_on, overdue_on = (c.d).overdue_on,
           next_due_on = (c.d).next_due_on, reminder_due_on = (c.d).reminder_due_on
      FROM computed c
     WHERE s.schedule_id = c.schedule_id;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION rbp.schedule_on_invitation_insert() IS
    'Trigger: an issued invitation moves its schedule on (first to regular, follow-up to done; the next window counts from the issue date)';
CREATE TRIGGER schedule_invitation_insert AFTER INSERT ON rbp.invitation
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION rbp.schedule_on_invitation_insert();
COMMENT ON TRIGGER schedule_invitation_insert ON rbp.invitation IS 'Moves the schedule on when an invitation is issued';

-- Reminders are bounded whatever path writes them: at most max_reminders per invitation, none to a
-- family member who opted out of reminders or of invitations, none for a used invitation.
CREATE FUNCTION rbp.schedule_check_reminder() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    v_max integer;
    v_pref rbp.respondent_preference;
BEGIN
    -- The default of the policy table when the authority has no row yet (loaded by COPY).
    v_max := coalesce((SELECT max_reminders FROM rbp.schedule_policy WHERE authority_id = NEW.authority_id), 1);
    SELECT * INTO v_pref FROM rbp.respondent_preference WHERE respondent_id = NEW.respondent_id;
    IF v_pref.opted_out_on IS NOT NULL OR coalesce(v_pref.reminders_opted_out, false) THEN
        RAISE EXCEPTION 'this family member asked for no reminders'
            USING ERRCODE = 'object_not_in_prerequisite_state';
    END IF;
    IF NEW.reminders_sent > v_max THEN
        RAISE EXCEPTION 'invitation already had % reminder(s), the most this authority allows', v_max
            USING ERRCODE = 'check_violation',
                  HINT = 'The limit is rbp.schedule_policy.max_reminders, set with rbp.set_schedule_policy().';
    END IF;
    IF OLD.used_on IS NOT NULL THEN
        RAISE EXCEPTION 'this invitation has been used: there is nothing to remind of'
            USING ERRCODE = 'object_not_in_prerequisite_state';
    END IF;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION rbp.schedule_check_reminder() IS 'Trigger: refuse a reminder beyond the authority''s limit (23514), after an opt-out or for a used invitation (55000)';
CREATE TRIGGER schedule_check_reminder BEFORE UPDATE OF reminders_sent ON rbp.invitation
    FOR EACH ROW WHEN (NEW.reminders_sent > OLD.reminders_sent) EXECUTE FUNCTION rbp.schedule_check_reminder();
COMMENT ON TRIGGER schedule_check_reminder ON rbp.invitation IS 'Bounds reminders per invitation and honours opt-outs';

-- A used invitation needs no reminder any more.
CREATE FUNCTION rbp.schedule_on_invitation_used() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
BEGIN
    -- Found through the unique (involvement_id, respondent_id) the invitation carries: this runs on
    -- every submission, and last_invitation_id has no index of its own.
    UPDATE rbp.invitation_schedule SET reminder_due_on = NULL
     WHERE involvement_id = NEW.involvement_id AND respondent_id = NEW.respondent_id
       AND last_invitation_id = NEW.invitation_id AND reminder_due_on IS NOT NULL;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION rbp.schedule_on_invitation_used() IS 'Trigger: no reminder is due for an invitation once it has been used';
CREATE TRIGGER schedule_invitation_used AFTER UPDATE OF used_on ON rbp.invitation
    FOR EACH ROW WHEN (OLD.used_on IS NULL AND NEW.used_on IS NOT NULL) EXECUTE FUNCTION rbp.schedule_on_invitation_used();
COMMENT ON TRIGGER schedule_invitation_used ON rbp.invitation IS 'Clears the reminder of an invitation once used';

-- ---------------------------------------------------------------------------------------------
-- The daily question.

-- Internal and inlinable (plain SQL, no SET, not STRICT): the test explains exactly this query.
CREATE FUNCTION rbp.due_invitations_query(p_as_of date, p_authority_id integer)
    RETURNS TABLE (authority text, involvement_ref text, respondent_ref text, respondent_kind rbp.respondent_kind,
                   channel rbp.invitation_channel, purpose text, status rbp.schedule_status,
                   due_on date, overdue_on date, invitation_id bigint)
    LANGUAGE sql STABLE
    AS $$
    SELECT a.code, v.involvement_ref, r.respondent_ref, r.kind,
           coalesce(p.channel, pol.default_channel),
           CASE s.phase WHEN 'first' THEN 'first_invitation' WHEN 'regular' THEN 'invitation' ELSE 'follow_up' END,
           CASE WHEN p_as_of >= s.overdue_on THEN 'overdue' ELSE 'due' END::rbp.schedule_status,
           s.due_on, s.overdue_on, NULL::bigint
      FROM rbp.invitation_schedule s
      JOIN rbp.involvement v ON v.involvement_id = s.involvement_id
      JOIN rbp.respondent r ON r.respondent_id = s.respondent_id
      JOIN rbp.authority a ON a.authority_id = s.authority_id
      JOIN rbp.schedule_policy pol ON pol.authority_id = s.authority_id
      LEFT JOIN rbp.respondent_preference p ON p.respondent_id = s.respondent_id
     WHERE s.next_due_on <= p_as_of
       AND (p_authority_id IS NULL OR s.authority_id = p_authority_id)
    UNION ALL
    SELECT a.code, v.involvement_ref, r.respondent_ref, r.kind,
           i.channel, 'reminder', 'due'::rbp.schedule_status,
           s.reminder_due_on, i.expires_on, i.invitation_id
      FROM rbp.invitation_schedule s
      JOIN rbp.invitation i ON i.invitation_id = s.last_invitation_id
      JOIN rbp.involvement v ON v.involvement_id = s.involvement_id
      JOIN rbp.respondent r ON r.respondent_id = s.respondent_id
      JOIN rbp.authority a ON a.authority_id = s.authority_id
     WHERE s.reminder_due_on <= p_as_of
       AND i.expires_on >= p_as_of
       AND (p_authority_id IS NULL OR s.authority_id = p_authority_id)
$$;
COMMENT ON FUNCTION rbp.due_invitations_query(date, integer) IS
    'Internal: the query behind rbp.due_invitations(), range scans of the partial indexes on next_due_on and reminder_due_on';
REVOKE ALL ON FUNCTION rbp.due_invitations_query(date, integer) FROM PUBLIC;

CREATE FUNCTION rbp.due_invitations(p_as_of date DEFAULT current_date, p_authority text DEFAULT NULL)
    RETURNS TABLE (authority text, involvement_ref text, respondent_ref text, respondent_kind rbp.respondent_kind,
                   channel rbp.invitation_channel, purpose text, status rbp.schedule_status,
                   due_on date, overdue_on date, invitation_id bigint)
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
BEGIN
    IF p_as_of IS NULL OR NOT isfinite(p_as_of) THEN
        RAISE EXCEPTION 'the daily question needs a date' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    -- EXECUTE plans with the actual date, so the planner sees how few rows are due.
    RETURN QUERY EXECUTE
        'SELECT * FROM rbp.due_invitations_query($1, $2) ORDER BY 1, status DESC, due_on, 2, 3, purpose'
        USING p_as_of, CASE WHEN p_authority IS NOT NULL THEN rbp.authority_id_of(p_authority) END;
END
$$;
COMMENT ON FUNCTION rbp.due_invitations(date, text) IS
    'Case system, daily: who is due or overdue an invitation (first, regular, follow-up after closure) or a reminder on a date, with the channel; call rbp.issue_invitation() for the invitations and rbp.record_reminder() for the reminders';
REVOKE ALL ON FUNCTION rbp.due_invitations(date, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION rbp.due_invitations(date, text) TO rbp_case_system;

-- Where one schedule stands on a date.
CREATE FUNCTION rbp.schedule_status_of(p_schedule rbp.invitation_schedule, p_on date) RETURNS rbp.schedule_status
    LANGUAGE sql STABLE
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
    SELECT CASE WHEN p_schedule.phase = 'done' THEN 'closed'
                WHEN p.opted_out_on IS NOT NULL AND p_on >= p.opted_out_on THEN 'opted_out'
                WHEN p_on < p.paused_until THEN 'paused'
                WHEN p_on < p_schedule.due_on THEN 'not_due'
                WHEN p_on < p_schedule.overdue_on THEN 'due'
                ELSE 'overdue' END::rbp.schedule_status
      FROM (SELECT) AS one
      LEFT JOIN rbp.respondent_preference p ON p.respondent_id = p_schedule.respondent_id
$$;
COMMENT ON FUNCTION rbp.schedule_status_of(rbp.invitation_schedule, date) IS
    'Internal: closed (nothing more to send), opted_out, paused, or the not_due/due/overdue of the current window';
REVOKE ALL ON FUNCTION rbp.schedule_status_of(rbp.invitation_schedule, date) FROM PUBLIC;

CREATE FUNCTION rbp.schedule_status(p_authority text, p_involvement_ref text, p_respondent_ref text,
                                    p_on date DEFAULT current_date)
    RETURNS TABLE (status rbp.schedule_status, phase rbp.schedule_phase, due_on date, overdue_on date,
                   invitations_issued integer, reminder_due_on date)
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    v_authority integer := rbp.authority_id_of(p_authority);
    v_involvement integer := rbp.involvement_id_of(v_authority, p_involvement_ref);
    v_schedule rbp.invitation_schedule;
BEGIN
    SELECT s.* INTO v_schedule FROM rbp.invitation_schedule s JOIN rbp.respondent r USING (respondent_id)
     WHERE s.involvement_id = v_involvement AND r.authority_id = v_authority AND r.respondent_ref = p_respondent_ref;
    IF v_schedule.schedule_id IS NULL THEN
        RAISE EXCEPTION 'no schedule for family member "%" in involvement "%"', p_respondent_ref, p_involvement_ref
            USING ERRCODE = 'no_data_found',
                  HINT = 'Schedules exist for members of the involvement''s family registered while it was open.';
    END IF;
    RETURN QUERY SELECT rbp.schedule_status_of(v_schedule, p_on), v_schedule.phase, v_schedule.due_on,
                        v_schedule.overdue_on, v_schedule.invitations_issued, v_schedule.reminder_due_on;
END
$$;
COMMENT ON FUNCTION rbp.schedule_status(text, text, text, date) IS
    'Where a family member''s schedule for an involvement stands on a date: not_due, due, overdue, paused, opted_out or closed, with its dates';
REVOKE ALL ON FUNCTION rbp.schedule_status(text, text, text, date) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION rbp.schedule_status(text, text, text, date) TO rbp_case_system, rbp_qa;

-- ---------------------------------------------------------------------------------------------
-- Reminders, preferences, stages, policy: the functions the case system and the administrator call.

CREATE FUNCTION rbp.record_reminder(p_invitation_id bigint, p_sent_on date DEFAULT current_date) RETURNS integer
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    v_ids bigint[];
    v_sent integer;
    v_involvement integer;
    v_respondent integer;
BEGIN
    IF p_invitation_id IS NULL OR p_sent_on IS NULL THEN
        RAISE EXCEPTION 'a reminder needs an invitation and a date' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    UPDATE rbp.invitation SET reminders_sent = reminders_sent + 1
     WHERE invitation_id = p_invitation_id
    RETURNING reminders_sent, involvement_id, respondent_id INTO v_sent, v_involvement, v_respondent;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'unknown invitation %', p_invitation_id USING ERRCODE = 'foreign_key_violation';
    END IF;
    WITH s AS (
        UPDATE rbp.invitation_schedule SET last_reminder_on = p_sent_on
         WHERE involvement_id = v_involvement AND respondent_id = v_respondent
           AND last_invitation_id = p_invitation_id RETURNING schedule_id)
    SELECT array_agg(schedule_id) INTO v_ids FROM s;
    IF v_ids IS NOT NULL THEN
        PERFORM rbp.refresh_schedules(v_ids);
    END IF;
    RETURN v_sent;
END
$$;
COMMENT ON FUNCTION rbp.record_reminder(bigint, date) IS
    'Case system: record that a reminder of an invitation was sent (the invitation_id comes from rbp.due_invitations()); refused beyond the authority''s limit (23514) or after an opt-out (55000). Returns the number sent so far';
REVOKE ALL ON FUNCTION rbp.record_reminder(bigint, date) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION rbp.record_reminder(bigint, date) TO rbp_case_system;

-- Internal: change a family member's preferences, then re-apply the rule to their schedules.
CREATE FUNCTION rbp.change_preference(p_authority text, p_respondent_ref text, p_column text, p_value text)
    RETURNS void
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    v_respondent integer := rbp.respondent_id_of(rbp.authority_id_of(p_authority), p_respondent_ref);
BEGIN
    INSERT INTO rbp.respondent_preference (respondent_id) VALUES (v_respondent) ON CONFLICT DO NOTHING;
    EXECUTE format('UPDATE rbp.respondent_preference SET %I = $1::%s WHERE respondent_id = $2', p_column,
                   CASE p_column WHEN 'cadence' THEN 'rbp.cadence' WHEN 'channel' THEN 'rbp.invitation_channel'
                                 WHEN 'reminders_opted_out' THEN 'boolean' ELSE 'date' END)
        USING p_value, v_respondent;
    PERFORM rbp.refresh_schedules(coalesce(array_agg(schedule_id), '{}')) FROM rbp.invitation_schedule WHERE respondent_id = v_respondent;
END
$$;
COMMENT ON FUNCTION rbp.change_preference(text, text, text, text) IS 'Internal: set one preference of a family member and recompute their schedules';
REVOKE ALL ON FUNCTION rbp.change_preference(text, text, text, text) FROM PUBLIC;

CREATE FUNCTION rbp.set_respondent_cadence(p_authority text, p_respondent_ref text, p_cadence rbp.cadence) RETURNS void
    LANGUAGE sql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$ SELECT rbp.change_preference(p_authority, p_respondent_ref, 'cadence', p_cadence::text) $$;
COMMENT ON FUNCTION rbp.set_respondent_cadence(text, text, rbp.cadence) IS
    'Case system: a family member''s own cadence (e.g. ''3 months..4 months''); NULL returns to the authority''s';

CREATE FUNCTION rbp.set_respondent_channel(p_authority text, p_respondent_ref text, p_channel rbp.invitation_channel) RETURNS void
    LANGUAGE sql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$ SELECT rbp.change_preference(p_authority, p_respondent_ref, 'channel', p_channel::text) $$;
COMMENT ON FUNCTION rbp.set_respondent_channel(text, text, rbp.invitation_channel) IS
    'Case system: how a family member wants to be invited; NULL returns to the authority''s default channel';

CREATE FUNCTION rbp.pause_invitations(p_authority text, p_respondent_ref text, p_until date) RETURNS void
    LANGUAGE sql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$ SELECT rbp.change_preference(p_authority, p_respondent_ref, 'paused_until', p_until::text) $$;
COMMENT ON FUNCTION rbp.pause_invitations(text, text, date) IS
    'Case system: no invitation or reminder to a family member before a date (a window due in the pause starts again on that date); NULL ends the pause';

CREATE FUNCTION rbp.opt_out_of_reminders(p_authority text, p_respondent_ref text, p_opted_out boolean DEFAULT true) RETURNS void
    LANGUAGE sql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$ SELECT rbp.change_preference(p_authority, p_respondent_ref, 'reminders_opted_out', coalesce(p_opted_out, true)::text) $$;
COMMENT ON FUNCTION rbp.opt_out_of_reminders(text, text, boolean) IS
    'Case system: a family member wants invitations but no reminders (false: reminders again)';

CREATE FUNCTION rbp.opt_out_of_invitations(p_authority text, p_respondent_ref text, p_on date DEFAULT current_date) RETURNS void
    LANGUAGE sql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$ SELECT rbp.change_preference(p_authority, p_respondent_ref, 'opted_out_on', coalesce(p_on, current_date)::text) $$;
COMMENT ON FUNCTION rbp.opt_out_of_invitations(text, text, date) IS
    'Case system: a family member wants no more invitations nor reminders; issuing one is then refused';

CREATE FUNCTION rbp.opt_in_to_invitations(p_authority text, p_respondent_ref text) RETURNS void
    LANGUAGE sql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$ SELECT rbp.change_preference(p_authority, p_respondent_ref, 'opted_out_on', NULL) $$;
COMMENT ON FUNCTION rbp.opt_in_to_invitations(text, text) IS 'Case system: a family member who opted out asks to be invited again';

CREATE FUNCTION rbp.record_stage(p_authority text, p_involvement_ref text, p_stage rbp.process_stage, p_from_on date)
    RETURNS void
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    v_authority integer := rbp.authority_id_of(p_authority);
BEGIN
    IF p_stage IS NULL OR p_from_on IS NULL THEN
        RAISE EXCEPTION 'a stage needs a name and a start date' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    INSERT INTO rbp.involvement_stage (involvement_id, authority_id, stage, from_on)
    VALUES (rbp.involvement_id_of(v_authority, p_involvement_ref), v_authority, p_stage, p_from_on)
    ON CONFLICT (involvement_id, from_on) DO UPDATE SET stage = excluded.stage;
END
$$;
COMMENT ON FUNCTION rbp.record_stage(text, text, rbp.process_stage, date) IS
    'Case system: record a change of process stage (assessment, child in need, child protection, looked after); it never moves a due date';

CREATE FUNCTION rbp.set_schedule_policy(p_authority text,
                                        p_invitation_cadence rbp.cadence DEFAULT NULL,
                                        p_first_invitation_within_days integer DEFAULT NULL,
                                        p_closure_follow_up rbp.cadence DEFAULT NULL,
                                        p_max_reminders integer DEFAULT NULL,
                                        p_reminder_after_days integer DEFAULT NULL,
                                        p_default_channel rbp.invitation_channel DEFAULT NULL,
                                        p_focus_group_cadence rbp.cadence DEFAULT NULL,
                                        p_focus_groups_from date DEFAULT NULL) RETURNS rbp.schedule_policy
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    v_authority integer := rbp.authority_id_of(p_authority);
    v_policy rbp.schedule_policy;
BEGIN
    INSERT INTO rbp.schedule_policy (authority_id) VALUES (v_authority) ON CONFLICT DO NOTHING;
    BEGIN
        UPDATE rbp.schedule_policy
           SET invitation_cadence = coalesce(p_invitation_cadence, invitation_cadence),
               first_invitation_within_days = coalesce(p_first_invitation_within_days, first_invitation_within_days),
               closure_follow_up = coalesce(p_closure_follow_up, closure_follow_up),
               max_reminders = coalesce(p_max_reminders, max_reminders),
               reminder_after_days = coalesce(p_reminder_after_days, reminder_after_days),
               default_channel = coalesce(p_default_channel, default_channel),
               focus_group_cadence = coalesce(p_focus_group_cadence, focus_group_cadence),
               focus_groups_from = coalesce(p_focus_groups_from, focus_groups_from)
         WHERE authority_id = v_authority
        RETURNING * INTO v_policy;
    EXCEPTION WHEN check_violation THEN
        RAISE EXCEPTION 'schedule policy of "%" out of range', p_authority
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = 'First invitation within 0 to 366 days, 0 to 10 reminders, reminders after 1 to 366 days.';
    END;
    PERFORM rbp.refresh_schedules(NULL, v_authority);
    RETURN v_policy;
END
$$;
COMMENT ON FUNCTION rbp.set_schedule_policy(text, rbp.cadence, integer, rbp.cadence, integer, integer, rbp.invitation_channel, rbp.cadence, date) IS
    'Administrator: change an authority''s invitation rhythm (NULL arguments keep the current value); every schedule of the authority is recomputed';

REVOKE ALL ON FUNCTION rbp.set_respondent_cadence(text, text, rbp.cadence), rbp.set_respondent_channel(text, text, rbp.invitation_channel),
    rbp.pause_invitations(text, text, date), rbp.opt_out_of_reminders(text, text, boolean),
    rbp.opt_out_of_invitations(text, text, date), rbp.opt_in_to_invitations(text, text),
    rbp.record_stage(text, text, rbp.process_stage, date),
    rbp.set_schedule_policy(text, rbp.cadence, integer, rbp.cadence, integer, integer, rbp.invitation_channel, rbp.cadence, date)
    FROM PUBLIC;
GRANT EXECUTE ON FUNCTION rbp.set_respondent_cadence(text, text, rbp.cadence), rbp.set_respondent_channel(text, text, rbp.invitation_channel),
    rbp.pause_invitations(text, text, date), rbp.opt_out_of_reminders(text, text, boolean),
    rbp.opt_out_of_invitations(text, text, date), rbp.opt_in_to_invitations(text, text),
    rbp.record_stage(text, text, rbp.process_stage, date) TO rbp_case_system;
GRANT EXECUTE ON FUNCTION rbp.set_schedule_policy(text, rbp.cadence, integer, rbp.cadence, integer, integer, rbp.invitation_channel, rbp.cadence, date)
    TO rbp_admin;

-- After a bulk load with COPY (when the triggers derived nothing): create what is missing and
-- recompute every date. A restore needs none of this: it brings the schedules with it.
CREATE FUNCTION rbp.refresh_all_schedules() RETURNS bigint
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    v_added bigint;
BEGIN
    INSERT INTO rbp.schedule_policy (authority_id) SELECT authority_id FROM rbp.authority ON CONFLICT DO NOTHING;
    WITH missing AS (
        SELECT v.authority_id, v.involvement_id, r.respondent_id, v.started_on,
               (SELECT i FROM rbp.invitation i WHERE i.involvement_id = v.involvement_id AND i.respondent_id = r.respondent_id
                 ORDER BY i.issued_on DESC, i.invitation_id DESC LIMIT 1) AS last_inv,
               (SELECT count(*) FROM rbp.invitation i WHERE i.involvement_id = v.involvement_id AND i.respondent_id = r.respondent_id) AS issued
          FROM rbp.involvement v
          JOIN rbp.respondent r ON r.family_id = v.family_id AND r.authority_id = v.authority_id
         WHERE v.closed_on IS NULL
           AND NOT EXISTS (SELECT FROM rbp.invitation_schedule s WHERE s.involvement_id = v.involvement_id AND s.respondent_id = r.respondent_id)),
    added AS (
        INSERT INTO rbp.invitation_schedule (authority_id, involvement_id, respondent_id, phase, anchor_on,
                                             invitations_issued, last_invitation_id)
        SELECT m.authority_id, m.involvement_id, m.respondent_id,
               CASE WHEN m.last_inv IS NULL THEN 'first' ELSE 'regular' END::rbp.schedule_phase,
               coalesce((m.last_inv).issued_on, m.started_on), m.issued, (m.last_inv).invitation_id
          FROM missing m
        RETURNING 1)
    SELECT count(*) INTO v_added FROM added;
    PERFORM rbp.refresh_schedules(NULL);
    RETURN v_added;
END
$$;
COMMENT ON FUNCTION rbp.refresh_all_schedules() IS
    'Administrator, after a bulk load with COPY: create the missing schedules of open involvements (anchored on their last invitation) and recompute every date; returns the number of schedules created';
REVOKE ALL ON FUNCTION rbp.refresh_all_schedules() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION rbp.refresh_all_schedules() TO rbp_admin;

-- ---------------------------------------------------------------------------------------------
-- Focus groups: the same type, anchored on the last session held (rbp.focus_group).

CREATE FUNCTION rbp.next_focus_group(p_authority text, p_as_of date DEFAULT current_date)
    RETURNS TABLE (last_held_on date, due_from date, overdue_from date, status rbp.schedule_status)
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    v_authority integer := rbp.authority_id_of(p_authority);
    v_policy rbp.schedule_policy;
    v_last date;
BEGIN
    SELECT * INTO v_policy FROM rbp.schedule_policy WHERE authority_id = v_authority;
    SELECT max(held_on) INTO v_last FROM rbp.focus_group WHERE authority_id = v_authority AND held_on <= p_as_of;
    RETURN QUERY
        SELECT v_last, rbp.due_from(v_policy.focus_group_cadence, coalesce(v_last, v_policy.focus_groups_from)),
               rbp.overdue_from(v_policy.focus_group_cadence, coalesce(v_last, v_policy.focus_groups_from)),
               rbp.cadence_status(v_policy.focus_group_cadence, coalesce(v_last, v_policy.focus_groups_from), p_as_of);
END
$$;
COMMENT ON FUNCTION rbp.next_focus_group(text, date) IS
    'When the authority''s next focus group is due: the focus-group cadence counted from the last session held on or before the date (or from focus_groups_from)';
REVOKE ALL ON FUNCTION rbp.next_focus_group(text, date) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION rbp.next_focus_group(text, date) TO rbp_admin, rbp_qa, rbp_case_system;

-- ---------------------------------------------------------------------------------------------
-- Who reads the tables of this piece: QA of the authority (schedules identify families); the
-- administrator and QA read the policies. Everything else goes through the functions above.
GRANT SELECT ON rbp.schedule_policy TO rbp_admin, rbp_qa;
GRANT SELECT ON rbp.invitation_schedule, rbp.respondent_preference, rbp.involvement_stage TO rbp_qa;
ALTER TABLE rbp.invitation_schedule ENABLE ROW LEVEL SECURITY;
ALTER TABLE rbp.respondent_preference ENABLE ROW LEVEL SECURITY;
ALTER TABLE rbp.involvement_stage ENABLE ROW LEVEL SECURITY;
CREATE POLICY invitation_schedule_qa ON rbp.invitation_schedule FOR SELECT TO rbp_qa
    USING (authority_id = ANY ((SELECT rbp.current_qa_authorities())::integer[]));
COMMENT ON POLICY invitation_schedule_qa ON rbp.invitation_schedule IS 'QA reads the schedules of its own authority';
CREATE POLICY respondent_preference_qa ON rbp.respondent_preference FOR SELECT TO rbp_qa
    USING (EXISTS (SELECT FROM rbp.respondent r WHERE r.respondent_id = respondent_preference.respondent_id));
COMMENT ON POLICY respondent_preference_qa ON rbp.respondent_preference IS 'QA reads the preferences of family members it can see (those of its own authority)';
CREATE POLICY involvement_stage_qa ON rbp.involvement_stage FOR SELECT TO rbp_qa
    USING (authority_id = ANY ((SELECT rbp.current_qa_authorities())::integer[]));
COMMENT ON POLICY involvement_stage_qa ON rbp.involvement_stage IS 'QA reads the stages of its own authority''s involvements';

-- ==== sql/install/60_reports.sql (generated file: edit the piece) ====
-- Reports for report writers (guarantee G3): per-worker, per-team and per-authority summaries by
-- month, quarter and year, with small numbers suppressed so that differencing cannot undo it.
-- doc/reports.md explains the rules to report writers; this file implements them.
--
-- How it works:
--  * Reports are *published*, not computed on the fly: rbp.publish_reports() computes the cells of
--    every closed calendar quarter (and its three months) once, applies primary and secondary
--    suppression, and stores them; a year is published once its four quarters are, as the roll-up
--    of the stored quarters. A published cell never changes afterwards, so that a later change
--    (a family withdrawing its name moves its response out of the worker's figures and into a
--    later anonymous batch) cannot be found by comparing two versions of the same report.
--  * Only fixed, nested periods are published: months within quarters within calendar years.
--    Arbitrary or overlapping ranges are not: the difference of two overlapping ranges is a small
--    range nobody checked.
--  * Every published number is a cell of one or more additive groups (total = sum of parts):
--      workers (and the responses attributed to no worker) within a team,
--      teams (and the responses without a team) within the authority,
--      months within a quarter, quarters within a year,
--      the statements within "all statements" of an instrument (additive in answers),
--      respondent kinds within all kinds.
--    Primary suppression hides a cell whose count is 1..threshold. Secondary suppression then
--    hides further cells, smallest first, until in every group either nothing is hidden or at
--    least two cells are hidden and the hidden cells together hold more than threshold people —
--    and a hidden total always has a hidden part. The parts that are never published (responses
--    without a worker, i.e. anonymous ones, and without a team) take part as cells, so that "team
--    minus the sum of its workers" is protected like any other difference.
--  * Means and medians are shown only where the count is; the share agreeing has its own layer
--    (agreeing and not agreeing counts, each suppressed when 1..threshold, with the same secondary
--    rule), so that "share times n" cannot recover a small number either.

CREATE TABLE rbp.report_publication (
    authority_id    integer NOT NULL REFERENCES rbp.authority,
    period_kind     text NOT NULL CHECK (period_kind IN ('quarter', 'year')),
    period_start    date NOT NULL,
    published_on    date NOT NULL,
    threshold       integer NOT NULL,
    unresolved      integer NOT NULL DEFAULT 0,
    PRIMARY KEY (authority_id, period_kind, period_start),
    CHECK (period_start = date_trunc(period_kind, period_start)::date)
);
COMMENT ON TABLE rbp.report_publication IS
    'Internal: which quarters and years of which authority have been published (and with which threshold); read by no role';
COMMENT ON COLUMN rbp.report_publication.unresolved IS
    'Groups that secondary suppression could not protect (should be 0; a year whose protection would need a cell of an already published quarter)';
REVOKE ALL ON rbp.report_publication FROM PUBLIC;

CREATE TABLE rbp.report_cell (
    cell_id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    authority_id    integer NOT NULL REFERENCES rbp.authority,
    topic           text NOT NULL CHECK (topic IN ('scores', 'responses', 'invitations', 'themes', 'unscored')),
    level           text NOT NULL CHECK (level IN ('authority', 'team', 'worker', 'no_team', 'no_worker')),
    team_id         integer,
    worker_id       integer,
    period_kind     text NOT NULL CHECK (period_kind IN ('month', 'quarter', 'year')),
    period_start    date NOT NULL,
    instrument_id   integer,
    question_id     integer,
    respondent_kind rbp.respondent_kind,
    theme_id        integer,
    n               bigint NOT NULL CHECK (n > 0),
    summary         rbp.likert_distribution,
    answers         bigint NOT NULL DEFAULT 0,
    agreeing        bigint NOT NULL DEFAULT 0,
    hidden          boolean NOT NULL DEFAULT false,
    share_hidden    boolean NOT NULL DEFAULT false,
    published_on    date NOT NULL
);
COMMENT ON TABLE rbp.report_cell IS
    'Internal: the published report cells with their suppression flags, and the never-published cells (level no_team, no_worker) that take part in secondary suppression; read by no role, only through the report views';
COMMENT ON COLUMN rbp.report_cell.level IS
    'authority, team, worker: published; no_team (responses without a team, within the authority) and no_worker (within a team: anonymous responses): never published';
COMMENT ON COLUMN rbp.report_cell.n IS
    'scores: respondents; responses: responses; invitations: invitations issued; themes: responses tagged with the theme; unscored (never published): responses that answered no statement';
COMMENT ON COLUMN rbp.report_cell.question_id IS 'scores: the statement or dial; NULL: all statements of the instrument';
COMMENT ON COLUMN rbp.report_cell.respondent_kind IS 'NULL: all kinds';
COMMENT ON COLUMN rbp.report_cell.hidden IS 'Suppressed (primary or secondary): the count, mean, median and share are shown as c';
COMMENT ON COLUMN rbp.report_cell.share_hidden IS 'The share agreeing (and median) suppressed, though the count may be shown';
REVOKE ALL ON rbp.report_cell FROM PUBLIC;
CREATE INDEX report_cell_period ON rbp.report_cell (authority_id, period_kind, period_start);

-- Secondary suppression over the cells of one publication run (not frozen) and the frozen cells
-- of earlier runs that share a group with them (the quarters of a year). p_layer 'n' decides
-- report_cell.hidden from the counts, 'share' decides share_hidden from agreeing / not agreeing.
-- Returns the number of groups it could not protect.
CREATE FUNCTION rbp.report_suppress(p_layer text, p_threshold integer) RETURNS integer
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, rbp, pg_temp
    SET client_min_messages = warning
    AS $$
DECLARE
    v_changed integer;
    v_cycle_changed boolean;
    v_kind text;
    v_unresolved integer;
BEGIN
    -- Kinds of group one after the other, each to a fixed point, until a whole cycle changes
    -- nothing: resolving all groups at once would hide a cell in each of two overlapping groups
    -- where one suffices. Responses-against-respondents first, since its preferred complement (the
    -- response count) also settles the groups of respondent kinds.
    LOOP
        v_cycle_changed := false;
        FOREACH v_kind IN ARRAY ARRAY['topic', 'kind', 'question', 'team', 'authority', 'period', '']
        LOOP
            LOOP
                PERFORM rbp.report_find_violations(p_layer, p_threshold, v_kind);
                EXIT WHEN NOT EXISTS (SELECT FROM pg_temp.report_violation);

                -- In each such group hide one more cell: the smallest visible part that can still
                -- change (not frozen, not a total already determined by visible frozen parts), else
                -- the total; between responses and respondents the response count gives way first
                -- (it is the lesser figure; respondents are what the score reports stand on).
                WITH pick AS (
                    SELECT DISTINCT ON (gm.group_id) gm.cell_id
                      FROM pg_temp.report_violation v
                      JOIN pg_temp.report_group_member gm USING (group_id)
                      JOIN pg_temp.report_run_cell c USING (cell_id)
                     WHERE NOT c.frozen AND NOT CASE p_layer WHEN 'n' THEN c.determined ELSE c.share_determined END
                       AND NOT CASE p_layer WHEN 'n' THEN c.hidden ELSE c.share_hidden END
                       AND (p_layer = 'n' OR c.topic = 'scores')
                     ORDER BY gm.group_id,
                              CASE WHEN gm.group_id LIKE 'topic|%' THEN NOT gm.is_total ELSE gm.is_total END,
                              CASE p_layer WHEN 'n' THEN gm.weight ELSE c.answers END, c.cell_id
                )
                UPDATE pg_temp.report_run_cell c
                   SET hidden = CASE p_layer WHEN 'n' THEN true ELSE c.hidden END,
                       share_hidden = true
                  FROM pick WHERE c.cell_id = pick.cell_id;
                GET DIAGNOSTICS v_changed = ROW_COUNT;
                EXIT WHEN v_changed = 0;
                v_cycle_changed := true;
            END LOOP;
        END LOOP;
        EXIT WHEN NOT v_cycle_changed;
    END LOOP;
    -- what could not be protected (no cell left to hide)
    PERFORM rbp.report_find_violations(p_layer, p_threshold, '');
    SELECT count(*) INTO v_unresolved FROM pg_temp.report_violation;
    RETURN v_unresolved;
END
$$;
COMMENT ON FUNCTION rbp.report_suppress(text, integer) IS
    'Internal (rbp.publish_reports): secondary suppression to a fixed point over the groups of one publication run; returns the groups it could not protect';
REVOKE ALL ON FUNCTION rbp.report_suppress(text, integer) FROM PUBLIC;

-- The groups of one kind ('' for all) that do not protect their hidden cells, into
-- pg_temp.report_violation: a visible total with exactly one hidden part, or with hidden parts
-- that together hold 1..threshold (in the share layer: agreeing or not agreeing); or a hidden
-- total whose parts are all visible.
CREATE FUNCTION rbp.report_find_violations(p_layer text, p_threshold integer, p_kind text) RETURNS void
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, rbp, pg_temp
    SET client_min_messages = warning
    AS $$
BEGIN
    DROP TABLE IF EXISTS pg_temp.report_violation;
    CREATE TEMP TABLE report_violation AS
    WITH m AS (
        SELECT gm.group_id, gm.is_total, c.cell_id,
               CASE p_layer WHEN 'n' THEN c.hidden ELSE c.share_hidden END AS h,
               CASE p_layer WHEN 'n' THEN gm.weight ELSE c.agreeing END AS a,
               CASE p_layer WHEN 'n' THEN 0 ELSE c.answers - c.agreeing END AS b
          FROM pg_temp.report_group_member gm JOIN pg_temp.report_run_cell c USING (cell_id)
         WHERE (p_layer = 'n' OR c.topic = 'scores') AND gm.group_id LIKE p_kind || '%'
    ), g AS (
        SELECT group_id,
               bool_or(h) FILTER (WHERE is_total) AS total_hidden,
               count(*) FILTER (WHERE h AND NOT is_total) AS hidden_parts,
               coalesce(sum(a) FILTER (WHERE h AND NOT is_total), 0) AS hidden_a,
               coalesce(sum(b) FILTER (WHERE h AND NOT is_total), 0) AS hidden_b,
               count(*) FILTER (WHERE NOT is_total AND (a > 0 OR b > 0)) AS nonzero_parts
          FROM m GROUP BY group_id
    )
    SELECT group_id FROM g
     WHERE (NOT total_hidden AND hidden_parts > 0
            AND (hidden_parts = 1 OR hidden_a BETWEEN 1 AND p_threshold OR hidden_b BETWEEN 1 AND p_threshold))
        OR (total_hidden AND hidden_parts = 0 AND nonzero_parts > 0);
END
$$;
COMMENT ON FUNCTION rbp.report_find_violations(text, integer, text) IS
    'Internal (rbp.publish_reports): lists the groups of one kind whose suppressed cells are not protected';
REVOKE ALL ON FUNCTION rbp.report_find_violations(text, integer, text) FROM PUBLIC;

-- The count layer with one rule across topics: a theme count is shown only where the response
-- count of its team (or authority) and period is (a theme may have been given to every response,
-- so its count could stand in for a suppressed response count). Repeats until nothing changes.
CREATE FUNCTION rbp.report_suppress_counts(p_threshold integer) RETURNS integer
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, rbp, pg_temp
    SET client_min_messages = warning
    AS $$
DECLARE
    v_unresolved integer;
    v_changed integer;
BEGIN
    LOOP
        v_unresolved := rbp.report_suppress('n', p_threshold);
        UPDATE pg_temp.report_run_cell th SET hidden = true, share_hidden = true
          FROM pg_temp.report_run_cell r
         WHERE th.topic = 'themes' AND NOT th.hidden AND NOT th.frozen
           AND r.topic = 'responses' AND r.hidden AND r.respondent_kind IS NULL
           AND r.level = th.level AND coalesce(r.team_id, 0) = coalesce(th.team_id, 0)
           AND r.period_kind = th.period_kind AND r.period_start = th.period_start;
        GET DIAGNOSTICS v_changed = ROW_COUNT;
        EXIT WHEN v_changed = 0;
    END LOOP;
    RETURN v_unresolved;
END
$$;
COMMENT ON FUNCTION rbp.report_suppress_counts(integer) IS
    'Internal (rbp.publish_reports): secondary suppression of the counts, with theme counts suppressed wherever their response count is';
REVOKE ALL ON FUNCTION rbp.report_suppress_counts(integer) FROM PUBLIC;

-- The additive groups among the cells of pg_temp.report_run_cell, into pg_temp.report_group_member.
CREATE FUNCTION rbp.report_build_groups() RETURNS void
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, rbp, pg_temp
    SET client_min_messages = warning
    AS $$
BEGIN
    DROP TABLE IF EXISTS pg_temp.report_group_member;
    CREATE TEMP TABLE report_group_member (group_id text, cell_id bigint, is_total boolean, weight bigint);

    -- Entities: a team's workers and its responses without a worker; an authority's teams and its
    -- responses without a team. Other dimensions equal.
    INSERT INTO pg_temp.report_group_member
    SELECT format('team|%s|%s|%s|%s|%s|%s|%s|%s', c.topic, c.team_id, c.period_kind, c.period_start,
                  c.instrument_id, c.question_id, c.respondent_kind, c.theme_id),
           c.cell_id, c.level = 'team', c.n
      FROM pg_temp.report_run_cell c WHERE c.level IN ('team', 'worker', 'no_worker') AND c.topic <> 'unscored';
    INSERT INTO pg_temp.report_group_member
    SELECT format('authority|%s|%s|%s|%s|%s|%s|%s', c.topic, c.period_kind, c.period_start,
                  c.instrument_id, c.question_id, c.respondent_kind, c.theme_id),
           c.cell_id, c.level = 'authority', c.n
      FROM pg_temp.report_run_cell c WHERE c.level IN ('authority', 'team', 'no_team') AND c.topic <> 'unscored';

    -- Periods: months within their quarter, quarters within their year.
    INSERT INTO pg_temp.report_group_member
    SELECT format('period|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s', CASE c.period_kind WHEN 'month' THEN 'quarter' ELSE 'year' END,
                  c.topic, c.level, c.team_id, c.worker_id,
                  date_trunc(CASE c.period_kind WHEN 'month' THEN 'quarter' ELSE 'year' END, c.period_start)::date,
                  c.instrument_id, c.question_id, c.respondent_kind, c.theme_id),
           c.cell_id, false, c.n
      FROM pg_temp.report_run_cell c WHERE c.period_kind IN ('month', 'quarter') AND c.topic <> 'unscored';
    INSERT INTO pg_temp.report_group_member
    SELECT format('period|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s', c.period_kind, c.topic, c.level, c.team_id, c.worker_id,
                  c.period_start, c.instrument_id, c.question_id, c.respondent_kind, c.theme_id),
           c.cell_id, true, c.n
      FROM pg_temp.report_run_cell c WHERE c.period_kind IN ('quarter', 'year') AND c.topic <> 'unscored';

    -- Statements within all statements of an instrument (all kinds): additive in answers.
    INSERT INTO pg_temp.report_group_member
    SELECT format('question|%s|%s|%s|%s|%s|%s', c.level, c.team_id, c.worker_id, c.period_kind, c.period_start,
                  c.instrument_id),
           c.cell_id, c.question_id IS NULL, c.answers
      FROM pg_temp.report_run_cell c WHERE c.topic = 'scores' AND c.respondent_kind IS NULL;

    -- Respondent kinds within all kinds (all statements for scores).
    INSERT INTO pg_temp.report_group_member
    SELECT format('kind|%s|%s|%s|%s|%s|%s|%s', c.topic, c.level, c.team_id, c.worker_id, c.period_kind,
                  c.period_start, c.instrument_id),
           c.cell_id, c.respondent_kind IS NULL, c.n
      FROM pg_temp.report_run_cell c
     WHERE c.topic IN ('scores', 'responses', 'invitations') AND c.question_id IS NULL AND c.theme_id IS NULL;

    -- Responses and respondents: the responses of a cell are its respondents on each instrument
    -- (all statements) plus the responses that answered no statement (never published), so that
    -- "responses" cannot stand in for a suppressed number of respondents.
    INSERT INTO pg_temp.report_group_member
    SELECT format('topic|%s|%s|%s|%s|%s|%s', c.level, c.team_id, c.worker_id, c.period_kind, c.period_start,
                  c.respondent_kind),
           c.cell_id, c.topic = 'responses', c.n
      FROM pg_temp.report_run_cell c
     WHERE c.topic = 'responses' OR c.topic = 'unscored' OR (c.topic = 'scores' AND c.question_id IS NULL);

    -- A period group's total cell may belong to another run (a quarter's months are in the
    -- quarter's run, a year's quarters are frozen); groups without their total are dropped.
    DELETE FROM pg_temp.report_group_member gm
     WHERE NOT EXISTS (SELECT FROM pg_temp.report_group_member t WHERE t.group_id = gm.group_id AND t.is_total);
END
$$;
COMMENT ON FUNCTION rbp.report_build_groups() IS
    'Internal (rbp.publish_reports): lists the additive groups (entities, periods, statements, respondent kinds) among the cells of one publication run';
REVOKE ALL ON FUNCTION rbp.report_build_groups() FROM PUBLIC;

-- Publishes one closed quarter of one authority: its cells and those of its three months.
CREATE FUNCTION rbp.report_publish_quarter(p_authority_id integer, p_quarter date, p_on date, p_threshold integer)
    RETURNS void
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, rbp, pg_temp
    SET client_min_messages = warning
    AS $$
DECLARE
    v_end date := (p_quarter + interval '3 months')::date;
    v_unresolved integer;
BEGIN
    DROP TABLE IF EXISTS pg_temp.report_run_cell;
    CREATE TEMP TABLE report_run_cell (LIKE rbp.report_cell INCLUDING DEFAULTS,
                                       frozen boolean NOT NULL DEFAULT false,
                                       determined boolean NOT NULL DEFAULT false,
                                       share_determined boolean NOT NULL DEFAULT false);
    CREATE TEMP SEQUENCE IF NOT EXISTS report_run_cell_seq;
    ALTER TABLE pg_temp.report_run_cell ALTER COLUMN cell_id SET DEFAULT nextval('pg_temp.report_run_cell_seq');

    -- The responses of the quarter, each with the entities it counts in. A worker only for named
    -- and worker-only responses (anonymous ones have no worker, and are checked again here).
    CREATE TEMP TABLE report_resp ON COMMIT DROP AS
    SELECT r.response_id, r.team_id,
           CASE WHEN r.anonymity <> 'anonymous' THEN r.worker_id END AS worker_id,
           r.period AS month, r.respondent_kind, r.instrument_id
      FROM rbp.response r
     WHERE r.authority_id = p_authority_id AND r.period >= p_quarter AND r.period < v_end;

    CREATE TEMP TABLE report_entity ON COMMIT DROP AS
    SELECT x.response_id, e.level, e.team_id, e.worker_id
      FROM report_resp x
     CROSS JOIN LATERAL (
        SELECT 'authority' AS level, NULL::integer AS team_id, NULL::integer AS worker_id
        UNION ALL
        SELECT CASE WHEN x.team_id IS NULL THEN 'no_team' ELSE 'team' END, x.team_id, NULL
        UNION ALL
        SELECT CASE WHEN x.worker_id IS NULL THEN 'no_worker' ELSE 'worker' END, x.team_id, x.worker_id
         WHERE x.team_id IS NOT NULL
     ) e;

    -- Scores: per response, all statements of its instrument (one respondent) and each statement.
    CREATE TEMP TABLE report_score ON COMMIT DROP AS
    SELECT x.response_id, x.instrument_id, NULL::integer AS question_id, rbp.likert_respondent(a.score) AS d
      FROM report_resp x JOIN rbp.answer a USING (response_id)
     WHERE a.score IS NOT NULL
     GROUP BY x.response_id, x.instrument_id
    UNION ALL
    SELECT x.response_id, x.instrument_id, a.question_id, rbp.likert_summary(a.score)
      FROM report_resp x JOIN rbp.answer a USING (response_id)
     WHERE a.score IS NOT NULL
     GROUP BY x.response_id, x.instrument_id, a.question_id;

    INSERT INTO pg_temp.report_run_cell (authority_id, topic, level, team_id, worker_id, period_kind, period_start,
                                         instrument_id, question_id, respondent_kind, n, summary, published_on)
    SELECT p_authority_id, 'scores', e.level, e.team_id, e.worker_id, p.kind, p.start,
           s.instrument_id, s.question_id, k.kind, rbp.respondents(rbp.likert_summary(s.d)), rbp.likert_summary(s.d), p_on
      FROM report_score s JOIN report_resp x USING (response_id) JOIN report_entity e USING (response_id)
     CROSS JOIN LATERAL (VALUES ('month', x.month), ('quarter', p_quarter)) p(kind, start)
     CROSS JOIN LATERAL (SELECT NULL::rbp.respondent_kind UNION ALL SELECT x.respondent_kind WHERE s.question_id IS NULL) k(kind)
     GROUP BY e.level, e.team_id, e.worker_id, p.kind, p.start, s.instrument_id, s.question_id, k.kind;
    UPDATE pg_temp.report_run_cell
       SET answers = rbp.answers(summary),
           agreeing = rbp.agreeing(summary)
     WHERE topic = 'scores';

    -- Responses (whatever they answered), by respondent kind and all kinds.
    INSERT INTO pg_temp.report_run_cell (authority_id, topic, level, team_id, worker_id, period_kind, period_start,
                                         respondent_kind, n, published_on)
    SELECT p_authority_id, 'responses', e.level, e.team_id, e.worker_id, p.kind, p.start, k.kind, count(*), p_on
      FROM report_resp x JOIN report_entity e USING (response_id)
     CROSS JOIN LATERAL (VALUES ('month', x.month), ('quarter', p_quarter)) p(kind, start)
     CROSS JOIN LATERAL (VALUES (NULL::rbp.respondent_kind), (x.respondent_kind)) k(kind)
     GROUP BY e.level, e.team_id, e.worker_id, p.kind, p.start, k.kind;

    -- Responses that answered no statement (never published): responses minus respondents.
    INSERT INTO pg_temp.report_run_cell (authority_id, topic, level, team_id, worker_id, period_kind, period_start,
                                         respondent_kind, n, published_on)
    SELECT r.authority_id, 'unscored', r.level, r.team_id, r.worker_id, r.period_kind, r.period_start,
           r.respondent_kind, r.n - coalesce(sum(s.n), 0), p_on
      FROM pg_temp.report_run_cell r
      LEFT JOIN pg_temp.report_run_cell s
        ON s.topic = 'scores' AND s.question_id IS NULL AND s.level = r.level
       AND coalesce(s.team_id, 0) = coalesce(r.team_id, 0) AND coalesce(s.worker_id, 0) = coalesce(r.worker_id, 0)
       AND s.period_kind = r.period_kind AND s.period_start = r.period_start
       AND coalesce(s.respondent_kind::text, '') = coalesce(r.respondent_kind::text, '')
     WHERE r.topic = 'responses'
     GROUP BY r.cell_id, r.authority_id, r.level, r.team_id, r.worker_id, r.period_kind, r.period_start,
              r.respondent_kind, r.n
    HAVING r.n - coalesce(sum(s.n), 0) > 0;

    -- Invitations issued in the quarter, to the team of the involvement and the worker allocated
    -- on the day of issue (the denominator of response rates).
    INSERT INTO pg_temp.report_run_cell (authority_id, topic, level, team_id, worker_id, period_kind, period_start,
                                         respondent_kind, n, published_on)
    SELECT p_authority_id, 'invitations', e.level, e.team_id, e.worker_id, p.kind, p.start, k.kind, count(*), p_on
      FROM (SELECT date_trunc('month', i.issued_on)::date AS month, v.team_id,
                   rbp.worker_on(i.involvement_id, i.issued_on) AS worker_id, rs.kind
              FROM rbp.invitation i
              JOIN rbp.involvement v USING (involvement_id)
              JOIN rbp.respondent rs ON rs.respondent_id = i.respondent_id
             WHERE i.authority_id = p_authority_id AND i.issued_on >= p_quarter AND i.issued_on < v_end) i
     CROSS JOIN LATERAL (
        SELECT 'authority' AS level, NULL::integer AS team_id, NULL::integer AS worker_id
        UNION ALL SELECT 'team', i.team_id, NULL
        UNION ALL SELECT CASE WHEN i.worker_id IS NULL THEN 'no_worker' ELSE 'worker' END, i.team_id, i.worker_id
     ) e
     CROSS JOIN LATERAL (VALUES ('month', i.month), ('quarter', p_quarter)) p(kind, start)
     CROSS JOIN LATERAL (VALUES (NULL::rbp.respondent_kind), (i.kind)) k(kind)
     GROUP BY e.level, e.team_id, e.worker_id, p.kind, p.start, k.kind;

    -- QA themes: responses tagged, per team and authority (never per worker).
    INSERT INTO pg_temp.report_run_cell (authority_id, topic, level, team_id, worker_id, period_kind, period_start,
                                         theme_id, n, published_on)
    SELECT p_authority_id, 'themes', e.level, e.team_id, NULL, p.kind, p.start, rt.theme_id, count(*), p_on
      FROM report_resp x JOIN report_entity e USING (response_id)
      JOIN rbp.response_theme rt USING (response_id)
     CROSS JOIN LATERAL (VALUES ('month', x.month), ('quarter', p_quarter)) p(kind, start)
     WHERE e.level IN ('authority', 'team', 'no_team')
     GROUP BY e.level, e.team_id, p.kind, p.start, rt.theme_id;

    -- Primary suppression, then secondary to a fixed point.
    UPDATE pg_temp.report_run_cell
       SET hidden = n BETWEEN 1 AND p_threshold,
           share_hidden = n BETWEEN 1 AND p_threshold
                          OR agreeing BETWEEN 1 AND p_threshold
                          OR answers - agreeing BETWEEN 1 AND p_threshold;
    PERFORM rbp.report_build_groups();
    v_unresolved := rbp.report_suppress_counts(p_threshold);
    UPDATE pg_temp.report_run_cell SET share_hidden = true WHERE hidden;
    v_unresolved := v_unresolved + rbp.report_suppress('share', p_threshold);

    INSERT INTO rbp.report_cell (authority_id, topic, level, team_id, worker_id, period_kind, period_start,
                                 instrument_id, question_id, respondent_kind, theme_id, n, summary, answers,
                                 agreeing, hidden, share_hidden, published_on)
    SELECT authority_id, topic, level, team_id, worker_id, period_kind, period_start,
           instrument_id, question_id, respondent_kind, theme_id, n, summary, answers,
           agreeing, hidden, share_hidden, published_on
      FROM pg_temp.report_run_cell;
    INSERT INTO rbp.report_publication VALUES (p_authority_id, 'quarter', p_quarter, p_on, p_threshold, v_unresolved);
    DROP TABLE IF EXISTS pg_temp.report_run_cell, pg_temp.report_group_member, pg_temp.report_violation;
    DROP TABLE report_resp, report_entity, report_score;
END
$$;
COMMENT ON FUNCTION rbp.report_publish_quarter(integer, date, date, integer) IS
    'Internal (rbp.publish_reports): computes, suppresses and stores the cells of one closed quarter and its months';
REVOKE ALL ON FUNCTION rbp.report_publish_quarter(integer, date, date, integer) FROM PUBLIC;

-- Publishes one year of one authority whose four quarters are published: the roll-up of the stored
-- quarter cells (never of the answers as they are now), suppressed with the quarters frozen.
CREATE FUNCTION rbp.report_publish_year(p_authority_id integer, p_year date, p_on date, p_threshold integer)
    RETURNS void
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, rbp, pg_temp
    SET client_min_messages = warning
    AS $$
DECLARE
    v_unresolved integer;
BEGIN
    DROP TABLE IF EXISTS pg_temp.report_run_cell;
    CREATE TEMP TABLE report_run_cell (LIKE rbp.report_cell INCLUDING DEFAULTS,
                                       frozen boolean NOT NULL DEFAULT false,
                                       determined boolean NOT NULL DEFAULT false,
                                       share_determined boolean NOT NULL DEFAULT false);

    -- The frozen quarters, with their own ids.
    INSERT INTO pg_temp.report_run_cell
    SELECT c.*, true, false, false FROM rbp.report_cell c
     WHERE c.authority_id = p_authority_id AND c.period_kind = 'quarter'
       AND c.period_start >= p_year AND c.period_start < (p_year + interval '1 year')::date;

    -- The year cells, with ids beyond them.
    INSERT INTO pg_temp.report_run_cell (cell_id, authority_id, topic, level, team_id, worker_id, period_kind,
                                         period_start, instrument_id, question_id, respondent_kind, theme_id, n,
                                         summary, answers, agreeing, published_on, determined, share_determined)
    SELECT -row_number() OVER (), authority_id, topic, level, team_id, worker_id, 'year', p_year,
           instrument_id, question_id, respondent_kind, theme_id, sum(n), rbp.likert_summary(summary),
           sum(answers), sum(agreeing), p_on,
           -- a year whose quarters are all shown is known from them: it cannot hide anything
           NOT bool_or(hidden), NOT bool_or(share_hidden)
      FROM pg_temp.report_run_cell
     WHERE frozen
     GROUP BY authority_id, topic, level, team_id, worker_id, instrument_id, question_id, respondent_kind, theme_id;

    UPDATE pg_temp.report_run_cell
       SET hidden = n BETWEEN 1 AND p_threshold,
           share_hidden = n BETWEEN 1 AND p_threshold
                          OR agreeing BETWEEN 1 AND p_threshold
                          OR answers - agreeing BETWEEN 1 AND p_threshold
     WHERE NOT frozen;
    PERFORM rbp.report_build_groups();
    v_unresolved := rbp.report_suppress_counts(p_threshold);
    UPDATE pg_temp.report_run_cell SET share_hidden = true WHERE hidden AND NOT frozen;
    v_unresolved := v_unresolved + rbp.report_suppress('share', p_threshold);

    INSERT INTO rbp.report_cell (authority_id, topic, level, team_id, worker_id, period_kind, period_start,
                                 instrument_id, question_id, respondent_kind, theme_id, n, summary, answers,
                                 agreeing, hidden, share_hidden, published_on)
    SELECT authority_id, topic, level, team_id, worker_id, period_kind, period_start,
           instrument_id, question_id, respondent_kind, theme_id, n, summary, answers,
           agreeing, hidden, share_hidden, published_on
      FROM pg_temp.report_run_cell WHERE NOT frozen;
    INSERT INTO rbp.report_publication VALUES (p_authority_id, 'year', p_year, p_on, p_threshold, v_unresolved);
    DROP TABLE IF EXISTS pg_temp.report_run_cell, pg_temp.report_group_member, pg_temp.report_violation;
END
$$;
COMMENT ON FUNCTION rbp.report_publish_year(integer, date, date, integer) IS
    'Internal (rbp.publish_reports): rolls up, suppresses and stores the cells of one year from its four published quarters';
REVOKE ALL ON FUNCTION rbp.report_publish_year(integer, date, date, integer) FROM PUBLIC;

CREATE FUNCTION rbp.publish_reports(p_as_of date DEFAULT current_date) RETURNS integer
    LANGUAGE plpgsql VOLATILE STRICT SECURITY DEFINER
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    v_threshold integer := rbp.suppression_threshold();
    v_authority integer;
    v_first date;
    v_quarter date;
    v_year date;
    v_count integer := 0;
BEGIN
    -- one publisher at a time: a period is published once
    PERFORM pg_advisory_xact_lock(hashtext('rbp.publish_reports'));
    FOR v_authority IN SELECT authority_id FROM rbp.authority ORDER BY authority_id LOOP
        -- from the first quarter of the first year with data, so that every year has four quarters
        SELECT date_trunc('year', least(
                   (SELECT min(period) FROM rbp.response WHERE authority_id = v_authority),
                   (SELECT min(issued_on) FROM rbp.invitation WHERE authority_id = v_authority)))::date
          INTO v_first;
        CONTINUE WHEN v_first IS NULL;
        -- every closed quarter not yet published, oldest first
        v_quarter := v_first;
        WHILE (v_quarter + interval '3 months')::date <= p_as_of LOOP
            IF NOT EXISTS (SELECT FROM rbp.report_publication
                            WHERE authority_id = v_authority AND period_kind = 'quarter' AND period_start = v_quarter) THEN
                PERFORM rbp.report_publish_quarter(v_authority, v_quarter, p_as_of, v_threshold);
                v_count := v_count + 1;
            END IF;
            v_quarter := (v_quarter + interval '3 months')::date;
        END LOOP;
        -- every year whose four quarters are published
        FOR v_year IN
            SELECT date_trunc('year', period_start)::date FROM rbp.report_publication
             WHERE authority_id = v_authority AND period_kind = 'quarter'
             GROUP BY 1 HAVING count(*) = 4
            EXCEPT
            SELECT period_start FROM rbp.report_publication WHERE authority_id = v_authority AND period_kind = 'year'
            ORDER BY 1
        LOOP
            PERFORM rbp.report_publish_year(v_authority, v_year, p_as_of, v_threshold);
            v_count := v_count + 1;
        END LOOP;
    END LOOP;
    RETURN v_count;
END
$$;
COMMENT ON FUNCTION rbp.publish_reports(date) IS
    'Publish the reports of every closed calendar quarter (with its months) not yet published, and of every year whose quarters are all published, with the current suppression threshold; returns the number of periods published. Published figures never change';
REVOKE ALL ON FUNCTION rbp.publish_reports(date) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION rbp.publish_reports(date) TO rbp_admin, rbp_qa;

-- ==== sql/install/61_report_views.sql (generated file: edit the piece) ====
-- What report writers read (doc/reports.md): three views over the published, suppressed cells.
-- They run with the rights of their owner, so rbp_report_writer needs (and has) no privilege on any
-- table; they call only built-in functions and the distribution accessors, none of which returns
-- rows. Suppressed counts read 'c'; suppressed means, medians, shares and rates are NULL; the
-- suppressed columns say which. Cells never published (responses without a worker or a team) are
-- not shown. security_barrier keeps a caller's own functions in WHERE from running before the
-- view's filter.

CREATE VIEW rbp.report_scores WITH (security_barrier) AS
SELECT a.code AS authority,
       c.level,
       t.code AS team,
       t.name AS team_name,
       w.staff_ref AS worker,
       w.display_name AS worker_name,
       c.period_kind AS period,
       c.period_start,
       CASE c.period_kind
           WHEN 'month' THEN to_char(c.period_start, 'YYYY-MM')
           WHEN 'quarter' THEN to_char(c.period_start, 'YYYY-"Q"Q')
           ELSE to_char(c.period_start, 'YYYY') END AS period_label,
       i.code AS instrument,
       q.code AS question,
       c.respondent_kind,
       CASE WHEN c.hidden THEN 'c' ELSE c.n::text END AS respondents,
       CASE WHEN NOT c.hidden THEN round(rbp.mean(c.summary)::numeric, 1) END AS mean,
       CASE WHEN NOT c.share_hidden THEN rbp.median(c.summary)::numeric END AS median,
       CASE WHEN NOT c.share_hidden THEN round(100 * rbp.share_agreeing(c.summary)::numeric) END AS pct_agreeing,
       c.hidden AS suppressed,
       c.share_hidden AS share_suppressed
  FROM rbp.report_cell c
  JOIN rbp.authority a USING (authority_id)
  JOIN rbp.instrument i USING (instrument_id)
  LEFT JOIN rbp.question q USING (question_id)
  LEFT JOIN rbp.team t ON t.team_id = c.team_id
  LEFT JOIN rbp.staff w ON w.staff_id = c.worker_id
 WHERE c.topic = 'scores' AND c.level IN ('authority', 'team', 'worker');
COMMENT ON VIEW rbp.report_scores IS
    'Published scores by authority, team and worker, month, quarter and year, per statement (question NULL: all statements of the instrument) and respondent kind (NULL: all); respondents ''c'' and mean NULL where suppressed';
COMMENT ON COLUMN rbp.report_scores.level IS 'authority, team or worker (anonymous responses count at team and authority level only)';
COMMENT ON COLUMN rbp.report_scores.question IS 'The statement or dial; NULL for all statements of the instrument together (respondents who answered at least one)';
COMMENT ON COLUMN rbp.report_scores.respondent_kind IS 'NULL: all kinds of respondent';
COMMENT ON COLUMN rbp.report_scores.respondents IS 'Respondents, or c when suppressed (1 to threshold, or to protect another suppressed cell)';
COMMENT ON COLUMN rbp.report_scores.mean IS 'Mean score over the answers, one decimal; NULL when suppressed';
COMMENT ON COLUMN rbp.report_scores.median IS 'Median score over the answers; NULL when the share is suppressed';
COMMENT ON COLUMN rbp.report_scores.pct_agreeing IS 'Percentage of answers at the top two points (agree, strongly agree); NULL when suppressed';
COMMENT ON COLUMN rbp.report_scores.suppressed IS 'The count (and mean) of this cell is suppressed';
COMMENT ON COLUMN rbp.report_scores.share_suppressed IS 'The share agreeing and median are suppressed (always when the count is; also when agreeing or not agreeing are 1 to threshold)';

CREATE VIEW rbp.report_responses WITH (security_barrier) AS
SELECT a.code AS authority,
       k.level,
       t.code AS team,
       t.name AS team_name,
       w.staff_ref AS worker,
       w.display_name AS worker_name,
       k.period_kind AS period,
       k.period_start,
       CASE k.period_kind
           WHEN 'month' THEN to_char(k.period_start, 'YYYY-MM')
           WHEN 'quarter' THEN to_char(k.period_start, 'YYYY-"Q"Q')
           ELSE to_char(k.period_start, 'YYYY') END AS period_label,
       k.respondent_kind,
       CASE WHEN k.responses_hidden THEN 'c' ELSE k.responses::text END AS responses,
       CASE WHEN k.invitations_hidden THEN 'c' ELSE k.invitations::text END AS invitations,
       CASE WHEN NOT k.responses_hidden AND NOT k.invitations_hidden AND k.invitations > 0
            THEN round(100.0 * k.responses / k.invitations) END AS response_rate_pct,
       k.responses_hidden AS responses_suppressed,
       k.invitations_hidden AS invitations_suppressed
  FROM (SELECT authority_id, level, team_id, worker_id, period_kind, period_start, respondent_kind,
               coalesce(sum(n) FILTER (WHERE topic = 'responses'), 0) AS responses,
               coalesce(bool_or(hidden) FILTER (WHERE topic = 'responses'), false) AS responses_hidden,
               coalesce(sum(n) FILTER (WHERE topic = 'invitations'), 0) AS invitations,
               coalesce(bool_or(hidden) FILTER (WHERE topic = 'invitations'), false) AS invitations_hidden
          FROM rbp.report_cell
         WHERE topic IN ('responses', 'invitations') AND level IN ('authority', 'team', 'worker')
         GROUP BY authority_id, level, team_id, worker_id, period_kind, period_start, respondent_kind) k
  JOIN rbp.authority a ON a.authority_id = k.authority_id
  LEFT JOIN rbp.team t ON t.team_id = k.team_id
  LEFT JOIN rbp.staff w ON w.staff_id = k.worker_id;
COMMENT ON VIEW rbp.report_responses IS
    'Published response counts, invitations issued and response rates by authority, team and worker, month, quarter and year, and respondent kind (NULL: all); c where suppressed';
COMMENT ON COLUMN rbp.report_responses.responses IS
    'Responses counted in the period (at worker level named and worker-only ones only: anonymous responses are never attributed to a worker), or c';
COMMENT ON COLUMN rbp.report_responses.invitations IS 'Invitations issued in the period (to the worker allocated on the day of issue), or c';
COMMENT ON COLUMN rbp.report_responses.response_rate_pct IS
    'Responses per 100 invitations issued in the same period; NULL when either count is suppressed';
COMMENT ON COLUMN rbp.report_responses.responses_suppressed IS 'The response count is suppressed';
COMMENT ON COLUMN rbp.report_responses.invitations_suppressed IS 'The invitation count is suppressed';

CREATE VIEW rbp.report_themes WITH (security_barrier) AS
SELECT a.code AS authority,
       c.level,
       t.code AS team,
       t.name AS team_name,
       c.period_kind AS period,
       c.period_start,
       CASE c.period_kind
           WHEN 'month' THEN to_char(c.period_start, 'YYYY-MM')
           WHEN 'quarter' THEN to_char(c.period_start, 'YYYY-"Q"Q')
           ELSE to_char(c.period_start, 'YYYY') END AS period_label,
       th.name AS theme,
       CASE WHEN c.hidden THEN 'c' ELSE c.n::text END AS responses,
       c.hidden AS suppressed
  FROM rbp.report_cell c
  JOIN rbp.authority a USING (authority_id)
  JOIN rbp.theme th USING (theme_id)
  LEFT JOIN rbp.team t ON t.team_id = c.team_id
 WHERE c.topic = 'themes' AND c.level IN ('authority', 'team');
COMMENT ON VIEW rbp.report_themes IS
    'Published counts of responses QA tagged with each theme, by authority and team (never by worker), month, quarter and year; c where suppressed';
COMMENT ON COLUMN rbp.report_themes.responses IS 'Responses tagged with the theme, or c when suppressed';
COMMENT ON COLUMN rbp.report_themes.suppressed IS 'The count is suppressed';

GRANT SELECT ON rbp.report_scores, rbp.report_responses, rbp.report_themes TO rbp_report_writer;

-- ==== sql/install/95_dump.sql (generated file: edit the piece) ====
-- Backups that restore: tables created by an extension are left out of pg_dump unless marked as
-- configuration tables. Every table of schema rbp is marked here (so tables added by later pieces
-- are covered without a list to maintain), with the sequences behind their identity columns;
-- rows the install script itself seeds are filtered out, since CREATE EXTENSION re-creates them
-- on restore.
DO $dump$
DECLARE
    rel record;
    seeded constant jsonb := jsonb_build_object(
        'instrument', 'WHERE NOT is_seed',
        'question', 'WHERE instrument_id NOT IN (SELECT instrument_id FROM rbp.instrument WHERE is_seed)',
        'glossary_term', 'WHERE NOT is_seed');
BEGIN
    FOR rel IN
        SELECT c.oid, c.relname FROM pg_catalog.pg_class c
         WHERE c.relnamespace = 'rbp'::regnamespace AND c.relkind IN ('r', 'S')
         ORDER BY c.relkind DESC, c.relname
    LOOP
        PERFORM pg_catalog.pg_extension_config_dump(rel.oid::regclass, coalesce(seeded ->> rel.relname::text, ''));
    END LOOP;
END
$dump$;

