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
