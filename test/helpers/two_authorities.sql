-- Test fixture: two authorities in one database, built through the API as the case system would.
-- \ir it inside a suite's transaction, after CREATE EXTENSION and plan(). Everything is rolled back.
--
-- north: team1, workers A and B, supervisors S1 (A until 2026-03-31) and S2 (A from 2026-04-01),
--        B has no supervisor, team1 is managed by M; QA officer QN.
--        families F1 (parent P1, young person YP1), F2 (P2), F3 (P3); F1 and F3 allocated to A, F2 to B.
-- south: team steam, worker W with neither supervisor nor manager; QA officer QS; family SF1 (SP1).
-- Logins: t_admin, t_case (case system of both), t_case_n (case system of north only), t_intake, t_report, t_qa_n, t_qa_s, t_worker_a, t_worker_b, t_sup1, t_sup2,
--         t_manager, t_worker_s. Tokens are kept in the temp table tok (who, token).
SET LOCAL search_path = public, rbp;
CREATE ROLE t_admin LOGIN IN ROLE rbp_admin;
CREATE ROLE t_case LOGIN IN ROLE rbp_case_system;
CREATE ROLE t_intake LOGIN IN ROLE rbp_survey_intake;
CREATE ROLE t_report LOGIN IN ROLE rbp_report_writer;
CREATE ROLE t_qa_n LOGIN IN ROLE rbp_qa;
CREATE ROLE t_qa_s LOGIN IN ROLE rbp_qa;
CREATE ROLE t_worker_a LOGIN IN ROLE rbp_staff;
CREATE ROLE t_worker_b LOGIN IN ROLE rbp_staff;
CREATE ROLE t_sup1 LOGIN IN ROLE rbp_staff;
CREATE ROLE t_sup2 LOGIN IN ROLE rbp_staff;
CREATE ROLE t_manager LOGIN IN ROLE rbp_staff;
CREATE ROLE t_worker_s LOGIN IN ROLE rbp_staff;

SELECT rbp.register_authority('north', 'North Council') \g /dev/null
SELECT rbp.register_authority('south', 'South Council') \g /dev/null
-- An administrator maps the case system, QA and report-writer logins to the authorities they serve
-- (t_case and t_report serve both; t_case_n only north).
CREATE ROLE t_case_n LOGIN IN ROLE rbp_case_system;
SELECT rbp.map_login('t_case', 'case_system', 'north'), rbp.map_login('t_case', 'case_system', 'south'),
       rbp.map_login('t_case_n', 'case_system', 'north'),
       rbp.map_login('t_report', 'report_writer', 'north'), rbp.map_login('t_report', 'report_writer', 'south'),
       rbp.map_login('t_qa_n', 'qa', 'north'), rbp.map_login('t_qa_s', 'qa', 'south') \g /dev/null
SELECT rbp.register_team('north', 'team1', 'Team One') \g /dev/null
SELECT rbp.register_team('south', 'steam', 'South Team') \g /dev/null
SELECT rbp.register_staff('north', 'A', 'Worker A', 'team1', 't_worker_a'),
       rbp.register_staff('north', 'B', 'Worker B', 'team1', 't_worker_b'),
       rbp.register_staff('north', 'S1', 'Supervisor One', 'team1', 't_sup1'),
       rbp.register_staff('north', 'S2', 'Supervisor Two', 'team1', 't_sup2'),
       rbp.register_staff('north', 'M', 'Manager', 'team1', 't_manager'),
       rbp.register_staff('north', 'QN', 'QA North', NULL, 't_qa_n', true),
       rbp.register_staff('south', 'W', 'Worker South', 'steam', 't_worker_s'),
       rbp.register_staff('south', 'QS', 'QA South', NULL, 't_qa_s', true) \g /dev/null
SELECT rbp.register_supervision('north', 'A', 'S1', '2026-01-01', '2026-03-31') \g /dev/null
SELECT rbp.register_supervision('north', 'A', 'S2', '2026-04-01') \g /dev/null
SELECT rbp.register_team_manager('north', 'team1', 'M', '2026-01-01') \g /dev/null
SELECT rbp.register_respondent('north', 'F1', 'P1', 'parent'),
       rbp.register_respondent('north', 'F1', 'YP1', 'child_young_person'),
       rbp.register_respondent('north', 'F2', 'P2', 'parent'),
       rbp.register_respondent('north', 'F3', 'P3', 'carer'),
       rbp.register_respondent('south', 'SF1', 'SP1', 'parent') \g /dev/null
SELECT rbp.open_involvement('north', 'I1', 'F1', 'team1', '2026-01-05'),
       rbp.open_involvement('north', 'I2', 'F2', 'team1', '2026-01-05'),
       rbp.open_involvement('north', 'I3', 'F3', 'team1', '2026-01-05'),
       rbp.open_involvement('south', 'SI1', 'SF1', 'steam', '2026-01-05') \g /dev/null
SELECT rbp.allocate_worker('north', 'I1', 'A', '2026-01-05'),
       rbp.allocate_worker('north', 'I2', 'B', '2026-01-05'),
       rbp.allocate_worker('north', 'I3', 'A', '2026-01-05'),
       rbp.allocate_worker('south', 'SI1', 'W', '2026-01-05') \g /dev/null

CREATE TEMP TABLE tok (who text PRIMARY KEY, token text NOT NULL);
GRANT ALL ON tok TO PUBLIC;
INSERT INTO tok VALUES
    ('P1', rbp.issue_invitation('north', 'I1', 'P1', 'link', 3650, '2026-02-01')),
    ('YP1', rbp.issue_invitation('north', 'I1', 'YP1', 'text_message', 3650, '2026-02-01')),
    ('P2', rbp.issue_invitation('north', 'I2', 'P2', 'email', 3650, '2026-02-01')),
    ('P3', rbp.issue_invitation('north', 'I3', 'P3', 'qr_code', 3650, '2026-02-01')),
    ('SP1', rbp.issue_invitation('south', 'SI1', 'SP1', 'link', 3650, '2026-02-01'));
