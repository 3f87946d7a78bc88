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
