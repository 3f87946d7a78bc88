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
