-- 0.1.0 -> 0.2.0, reports (issue 13): the suppression core also adds equality relations together
-- (src/suppress.c, linear_fixed); rbp.report_bounds says so. rbp.publish_reports counts the periods
-- it published, not those it refused.
COMMENT ON FUNCTION rbp.report_bounds(bigint[], boolean[], boolean[], bigint[], integer[], integer[], integer[], integer[], boolean[]) IS
    'Internal (tests, audits): the interval [lower, upper] the product''s audit derives for each variable of a publication model (equality relations added together, then interval propagation; upper NULL: unbounded)';

CREATE OR REPLACE PROCEDURE rbp.publish_reports(p_as_of date DEFAULT CURRENT_DATE, p_authority text DEFAULT NULL,
                                     INOUT periods_published integer DEFAULT NULL)
    LANGUAGE plpgsql
    AS $$
DECLARE
    v_authority_id integer := rbp.report_check_publish(p_as_of, p_authority);
    v_due record;
    v_row rbp.report_publication;
BEGIN
    periods_published := 0;
    FOR v_due IN SELECT * FROM rbp.report_due_quarters(p_as_of, v_authority_id) LOOP
        v_row := rbp.report_publish_due(v_due.authority_id, v_due.period_kind, v_due.period_start, p_as_of);
        periods_published := periods_published + CASE WHEN v_row.status = 'published' THEN 1 ELSE 0 END;
        COMMIT;
    END LOOP;
    FOR v_due IN SELECT * FROM rbp.report_due_years(v_authority_id) LOOP
        v_row := rbp.report_publish_due(v_due.authority_id, v_due.period_kind, v_due.period_start, p_as_of);
        periods_published := periods_published + CASE WHEN v_row.status = 'published' THEN 1 ELSE 0 END;
        COMMIT;
    END LOOP;
END
$$;
COMMENT ON PROCEDURE rbp.publish_reports(date, text, integer) IS
    'Publish every closed quarter (with its months) not yet published, then every reporting year whose quarters are, for every authority or one (its code); commits after each period with a NOTICE (WARNING when refused), one row per period in rbp.report_publication; returns how many were published (not those refused). Refuses a future as-of day (22023). Published figures never change';
REVOKE ALL ON PROCEDURE rbp.publish_reports(date, text, integer) FROM PUBLIC;
