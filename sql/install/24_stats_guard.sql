-- Planner statistics never describe rows a query may not read (red-team finding F13; src/stats_guard.c).
-- For a table of rbp read under row-level security the planner gets no column statistics (authority_id's
-- neither), so EXPLAIN estimates say nothing of other authorities' rows. The hooks live in the
-- library; this support function, named by the identity functions every policy calls
-- (rbp.current_qa_authorities(), rbp.directory_authorities(), rbp.acting_scope()), makes the planner
-- load the library before it estimates anything.
CREATE FUNCTION rbp.stats_guard_support(internal) RETURNS internal
    AS 'MODULE_PATHNAME', 'stats_guard_support' LANGUAGE C STRICT;
COMMENT ON FUNCTION rbp.stats_guard_support(internal) IS
    'Internal planner support function of the identity functions the row-level security policies call: planning a call loads the library, whose hooks withhold every column statistic from queries restricted by row-level security';
