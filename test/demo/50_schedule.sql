-- make demo, chapter 50: scheduling by time. The case system of Brighton & Hove (chapter 20) asks
-- every morning who is due an invitation or a reminder, and the families' own choices are kept.
\set ON_ERROR_STOP 1
\pset border 2
SET client_min_messages = warning;
SET search_path = public, rbp;

\echo
\echo '== 50. Scheduling by time, not by process stage =='
\echo 'The authority''s policy (the framework''s defaults: every 2 to 3 months, one reminder, a follow-up after closure):'
SET ROLE demo_admin;
SELECT a.code AS authority, p.invitation_cadence, p.first_invitation_within_days AS first_within_days,
       p.closure_follow_up, p.max_reminders, p.reminder_after_days, p.focus_group_cadence
  FROM rbp.schedule_policy p JOIN rbp.authority a USING (authority_id) ORDER BY a.code;
RESET ROLE;

\echo
\echo '== Monday 4 May 2026: the day''s due list for Brighton & Hove =='
\echo 'Everyone was invited on 2 March, so the next invitation is due from 2 May (2 months) and overdue from'
\echo '2 June (3 months); the families who have not answered yet also have their one reminder due (16 March).'
SET ROLE demo_case_system;
SELECT involvement_ref AS involvement, respondent_ref AS respondent, respondent_kind AS kind, channel, purpose, status,
       due_on, overdue_on
  FROM rbp.due_invitations('2026-05-04', 'brighton_hove');

\echo
\echo '== Families choose, and no one is pressured =='
\echo 'P4 wants no reminders; P10 asks for a pause until 1 June; P11 prefers every 3 to 4 months, by text;'
\echo 'P12 wants no more invitations.'
SELECT rbp.opt_out_of_reminders('brighton_hove', 'P4'),
       rbp.pause_invitations('brighton_hove', 'P10', '2026-06-01'),
       rbp.set_respondent_cadence('brighton_hove', 'P11', '3 months..4 months'),
       rbp.set_respondent_channel('brighton_hove', 'P11', 'text_message'),
       rbp.opt_out_of_invitations('brighton_hove', 'P12', '2026-05-04');
SELECT involvement_ref AS involvement, respondent_ref AS respondent, channel, purpose, status, due_on, overdue_on
  FROM rbp.due_invitations('2026-05-04', 'brighton_hove');
\echo 'Where each of them stands today:'
SELECT r AS respondent, s.status, s.phase, s.due_on, s.overdue_on
  FROM (VALUES ('INV4', 'P4'), ('INV10', 'P10'), ('INV11', 'P11'), ('INV12', 'P12')) AS v(i, r),
       LATERAL rbp.schedule_status('brighton_hove', v.i, v.r, '2026-05-04') AS s;
\echo 'The database keeps the promise even if the case system forgets it:'
\set ON_ERROR_STOP 0
SELECT rbp.issue_invitation('brighton_hove', 'INV12', 'P12', 'email', 28, '2026-05-04');
SELECT rbp.issue_invitation('brighton_hove', 'INV10', 'P10', 'email', 28, '2026-05-04');
\set ON_ERROR_STOP 1

\echo
\echo '== The case system works through the list; issuing moves each schedule on =='
SELECT invitation_id AS reminded_invitation FROM rbp.due_invitations('2026-05-04', 'brighton_hove')
 WHERE purpose = 'reminder' ORDER BY respondent_ref LIMIT 1 \gset
WITH today AS (SELECT * FROM rbp.due_invitations('2026-05-04', 'brighton_hove'))
SELECT (SELECT count(rbp.issue_invitation(authority, involvement_ref, respondent_ref, channel, 28, '2026-05-04'))
          FROM today WHERE purpose <> 'reminder') AS invitations_issued,
       (SELECT count(rbp.record_reminder(invitation_id, '2026-05-04')) FROM today WHERE purpose = 'reminder') AS reminders_recorded;
SELECT count(*) AS still_due_on_4_may FROM rbp.due_invitations('2026-05-04', 'brighton_hove');
\echo 'A second reminder of the same invitation is refused (the authority allows one):'
\set ON_ERROR_STOP 0
SELECT rbp.record_reminder(:reminded_invitation, '2026-05-11');
\set ON_ERROR_STOP 1

\echo
\echo '== A change of process stage never moves a due date =='
SELECT 'before' AS moment, s.phase, s.due_on, s.overdue_on FROM rbp.schedule_status('brighton_hove', 'INV3', 'P3', '2026-05-04') AS s;
SELECT rbp.record_stage('brighton_hove', 'INV3', 'child_in_need', '2026-01-05'),
       rbp.record_stage('brighton_hove', 'INV3', 'child_protection', '2026-05-04');
SELECT 'after' AS moment, s.phase, s.due_on, s.overdue_on FROM rbp.schedule_status('brighton_hove', 'INV3', 'P3', '2026-05-04') AS s;

\echo
\echo '== Involvement INV2 closes on 31 May: one follow-up a month later, then nothing =='
SELECT rbp.close_involvement('brighton_hove', 'INV2', '2026-05-31');
SELECT s.status, s.phase, s.due_on, s.overdue_on FROM rbp.schedule_status('brighton_hove', 'INV2', 'P2', '2026-06-30') AS s;

\echo
\echo '== The weeks ahead, if the case system issued nothing more: what falls due in each three weeks =='
SELECT d - 20 AS from_day, d AS to_day,
       count(q.purpose) FILTER (WHERE q.purpose <> 'reminder') AS invitations,
       count(q.purpose) FILTER (WHERE q.purpose = 'reminder') AS reminders,
       string_agg(q.respondent_ref || ' ' || q.purpose, ', ' ORDER BY q.respondent_ref, q.purpose) AS who
  FROM (SELECT g::date AS d FROM generate_series('2026-05-25'::date, '2026-09-28', '3 weeks') AS g) AS days
  LEFT JOIN LATERAL rbp.due_invitations(d, 'brighton_hove') AS q ON q.due_on > d - 21
 GROUP BY d ORDER BY d;
RESET ROLE;

\echo
\echo '== Focus groups: every 6 to 12 months =='
SET ROLE demo_qa_bh;
SELECT rbp.record_focus_group('brighton_hove', '2026-04-22', 'parent_advisory_board', 7, 'First parent board') AS focus_group;
SELECT * FROM rbp.next_focus_group('brighton_hove', '2026-05-04');
RESET ROLE;
