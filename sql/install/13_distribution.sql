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
    'Final function of rbp.likert_summary(rbp.likert) and of the roll-up rbp.likert_summary(rbp.likert_distribution): NULL when no answer was summarised (the state is still {})';

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
    FINALFUNC = rbp.likert_summary_final,
    COMBINEFUNC = rbp.likert_summary_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE rbp.likert_summary(rbp.likert_distribution) IS
    'Roll-up: the distribution of disjoint groups of respondents (e.g. a team from its workers, a year from its quarters), without reading the answers again; NULL when only empty distributions ({}) or none were rolled up';

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
