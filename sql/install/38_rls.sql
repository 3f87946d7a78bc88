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
