-- 0.1.0 -> 0.2.0, reports (issue 13): the suppression core also adds equality relations together
-- (src/suppress.c, linear_fixed); rbp.report_bounds says so.
COMMENT ON FUNCTION rbp.report_bounds(bigint[], boolean[], boolean[], bigint[], integer[], integer[], integer[], integer[], boolean[]) IS
    'Internal (tests, audits): the interval [lower, upper] the product''s audit derives for each variable of a publication model (equality relations added together, then interval propagation; upper NULL: unbounded)';
