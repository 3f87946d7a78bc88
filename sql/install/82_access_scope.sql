-- An authority's settings are read by the QA of that authority and by administrators, not by the
-- QA of another authority nor by a QA login nobody mapped (issue 11; found by the per-object access
-- matrix, test/sql/36_access_coverage.sql). The safety rules say which answers of a child raise a
-- safeguarding signal; the schedule and retention policies how an authority treats its families.
-- Functions of the extension read these tables as their owner and are not affected.
ALTER TABLE rbp.safety_rule ENABLE ROW LEVEL SECURITY;
CREATE POLICY safety_rule_admin ON rbp.safety_rule FOR SELECT TO rbp_admin USING (true);
COMMENT ON POLICY safety_rule_admin ON rbp.safety_rule IS 'The administrator reads the safety rules of every authority';
CREATE POLICY safety_rule_qa ON rbp.safety_rule FOR SELECT TO rbp_qa
    USING (authority_id = ANY ((SELECT rbp.current_qa_authorities())::integer[]));
COMMENT ON POLICY safety_rule_qa ON rbp.safety_rule IS 'QA reads the safety rules of its own authorities';

ALTER TABLE rbp.schedule_policy ENABLE ROW LEVEL SECURITY;
CREATE POLICY schedule_policy_admin ON rbp.schedule_policy FOR SELECT TO rbp_admin USING (true);
COMMENT ON POLICY schedule_policy_admin ON rbp.schedule_policy IS 'The administrator reads the schedule policy of every authority';
CREATE POLICY schedule_policy_qa ON rbp.schedule_policy FOR SELECT TO rbp_qa
    USING (authority_id = ANY ((SELECT rbp.current_qa_authorities())::integer[]));
COMMENT ON POLICY schedule_policy_qa ON rbp.schedule_policy IS 'QA reads the schedule policy of its own authorities';

ALTER TABLE rbp.retention_policy ENABLE ROW LEVEL SECURITY;
CREATE POLICY retention_policy_admin ON rbp.retention_policy FOR SELECT TO rbp_admin USING (true);
COMMENT ON POLICY retention_policy_admin ON rbp.retention_policy IS 'The administrator reads the retention policy of every authority';
CREATE POLICY retention_policy_qa ON rbp.retention_policy FOR SELECT TO rbp_qa
    USING (authority_id = ANY ((SELECT rbp.current_qa_authorities())::integer[]));
COMMENT ON POLICY retention_policy_qa ON rbp.retention_policy IS 'QA reads the retention policy of its own authorities';
