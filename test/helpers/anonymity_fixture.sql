-- \ir this (as the superuser, after plan() and pgtap_roles.sql) in a pgTAP suite about anonymous
-- feedback. It creates, inside the suite's transaction:
--   one login per group role: t_admin, t_qa (QA of authority a1), t_staff (worker SW1, allocated to
--   the odd-numbered involvements; SW2, without a login, to the even ones: an anonymous batch must
--   span two workers), t_report, t_case, t_intake;
--   authority a1 with teams north and south; 24 families F1..F24, each with a parent P<i> and a
--   young person Y<i>, an involvement INV<i> (north for i <= 12, south after) from 2026-01-05;
--   one invitation per respondent (issued 2026-03-02, valid 10 years), token in pg_temp.tok;
--   pg_temp.submit(respondent, anonymity, answers, channel, give_team, date): submits as the current
--   role in a subtransaction of its own (so each submission has its own transaction id, as it would
--   in production), and records what was submitted in pg_temp.tok (the ground truth an attacker is
--   assumed to know at worst: which invitation, which channel, whether the team was given);
--   pg_temp.release(date): the scheduled release (rbp.release_held_feedback) as the current role, in
--   a subtransaction of its own (a later transaction than every submission, as in production).
SET client_min_messages = warning;
CREATE ROLE t_admin LOGIN IN ROLE rbp_admin;
CREATE ROLE t_qa LOGIN IN ROLE rbp_qa;
CREATE ROLE t_staff LOGIN IN ROLE rbp_staff;
CREATE ROLE t_report LOGIN IN ROLE rbp_report_writer;
CREATE ROLE t_case LOGIN IN ROLE rbp_case_system;
CREATE ROLE t_intake LOGIN IN ROLE rbp_survey_intake;
RESET client_min_messages;

SELECT rbp.register_authority('a1', 'Authority One') IS NOT NULL AS fixture_authority \gset
-- concat() evaluates every argument (an AND of "IS NULL" stopped after the first: a void result is not NULL)
SELECT concat(rbp.map_login('t_qa', 'qa', 'a1'), rbp.map_login('t_case', 'case_system', 'a1'),
              rbp.map_login('t_report', 'report_writer', 'a1')) = '' AS fixture_mapped \gset
SELECT rbp.register_team('a1', 'north', 'North') IS NOT NULL AND rbp.register_team('a1', 'south', 'South') IS NOT NULL AS fixture_teams \gset
SELECT rbp.register_staff('a1', 'SW1', 'Worker One', 'north', 't_staff') IS NOT NULL
   AND rbp.register_staff('a1', 'SW2', 'Worker Two', 'south') IS NOT NULL
   AND rbp.register_staff('a1', 'QA1', 'Quality Assurance', NULL, 't_qa', true) IS NOT NULL AS fixture_staff \gset
SELECT count(rbp.register_respondent('a1', 'F' || i, 'P' || i, 'parent'))
     + count(rbp.register_respondent('a1', 'F' || i, 'Y' || i, 'child_young_person')) AS fixture_respondents
  FROM generate_series(1, 24) AS i \gset
SELECT count(rbp.open_involvement('a1', 'INV' || i, 'F' || i, CASE WHEN i <= 12 THEN 'north' ELSE 'south' END, '2026-01-05'))
       AS fixture_involvements FROM generate_series(1, 24) AS i \gset
SELECT count(rbp.allocate_worker('a1', 'INV' || i, CASE WHEN i % 2 = 1 THEN 'SW1' ELSE 'SW2' END, '2026-01-05')) AS fixture_allocations
  FROM generate_series(1, 24) AS i \gset

CREATE TABLE pg_temp.tok (
    respondent  text PRIMARY KEY,
    token       text NOT NULL,
    submitted   integer,                    -- order of submission
    anonymity   rbp.anonymity,
    channel     rbp.response_channel,
    gave_team   boolean
);
INSERT INTO pg_temp.tok (respondent, token)
SELECT r, rbp.issue_invitation('a1', 'INV' || i, r, 'qr_code', 3650, '2026-03-02')
  FROM generate_series(1, 24) AS i, LATERAL (VALUES ('P' || i), ('Y' || i)) AS v(r);
GRANT ALL ON pg_temp.tok TO PUBLIC;

CREATE FUNCTION pg_temp.submit(p_respondent text, p_anonymity rbp.anonymity, p_answers jsonb,
                               p_channel rbp.response_channel DEFAULT 'online', p_give_team boolean DEFAULT false,
                               p_on date DEFAULT '2026-03-20') RETURNS void
    LANGUAGE plpgsql AS $$
BEGIN
    BEGIN   -- a block with an exception handler runs in its own subtransaction
        PERFORM rbp.submit_response((SELECT token FROM pg_temp.tok WHERE respondent = p_respondent),
                                    p_anonymity, p_answers, p_channel, p_give_team, p_on);
    EXCEPTION WHEN others THEN
        RAISE;
    END;
    UPDATE pg_temp.tok
       SET submitted = (SELECT coalesce(max(submitted), 0) + 1 FROM pg_temp.tok), anonymity = p_anonymity,
           channel = p_channel, gave_team = p_give_team
     WHERE respondent = p_respondent;
END
$$;

CREATE FUNCTION pg_temp.release(p_on date DEFAULT '2026-03-20') RETURNS void
    LANGUAGE plpgsql AS $$
BEGIN
    BEGIN   -- its own subtransaction: a later transaction than the submissions
        PERFORM rbp.release_held_feedback(p_on);
    EXCEPTION WHEN others THEN
        RAISE;
    END;
END
$$;
