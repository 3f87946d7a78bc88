-- The changes the upgrade from 0.1.0 makes to stored rows ON PURPOSE, declared here and applied to
-- the copy of every table taken before the upgrade (schema upgrade_snapshot), after it. test/upgrade/run
-- then compares that copy with the upgraded tables exactly: any other difference, and any column
-- the upgrade drops without being declared here, fails the test. Each change names the upgrade
-- piece that makes it and why; an upgrade piece that rewrites rows adds its declaration here.
SET search_path = public, rbp;   -- the operators of the extension's types

-- 30_durability.sql: which questionnaire version is current is derived (rbp.is_current), no longer
-- a flag stored on the (seeded) row.
ALTER TABLE upgrade_snapshot.instrument DROP COLUMN is_current;

-- 10_anonymity.sql (G1): worker-only responses keep no submission date; the day they reached QA
-- stays in qa_status_on.
UPDATE upgrade_snapshot.response SET qa_status_on = coalesce(qa_status_on, submitted_on), submitted_on = NULL
 WHERE anonymity = 'worker_only';

-- 10_anonymity.sql (G1): held answers are encoded into a payload of one size (rbp.held_payload), a
-- team not given is 0; rows held under 0.1.0 are anonymous, of an unknown worker (0), not seen.
ALTER TABLE upgrade_snapshot.anonymous_holding
    ADD COLUMN anonymity rbp.anonymity, ADD COLUMN worker_id integer, ADD COLUMN seen boolean, ADD COLUMN payload bytea;
UPDATE upgrade_snapshot.anonymous_holding
   SET team_id = coalesce(team_id, 0), anonymity = 'anonymous', worker_id = 0, seen = false, payload = rbp.held_payload(answers);
ALTER TABLE upgrade_snapshot.anonymous_holding DROP COLUMN answers;

-- 40_reports.sql (G3): the never-published parts of published totals (levels no_team and no_worker)
-- move from rbp.report_cell to rbp.report_unpublished, where no view reads them; cells published
-- under 0.1.0 keep method 1 (the suppression method they were published with).
CREATE TABLE upgrade_snapshot.moved_to_report_unpublished AS
SELECT authority_id, topic, level, team_id, period_kind, period_start, instrument_id, question_id, theme_id, n, summary
  FROM upgrade_snapshot.report_cell WHERE level IN ('no_team', 'no_worker');
DELETE FROM upgrade_snapshot.report_cell WHERE level IN ('no_team', 'no_worker');
DO $$
BEGIN
    IF EXISTS (SELECT ROW(m.*)::text FROM upgrade_snapshot.moved_to_report_unpublished m
               EXCEPT ALL SELECT ROW(u.*)::text FROM rbp.report_unpublished u)
       OR EXISTS (SELECT ROW(u.*)::text FROM rbp.report_unpublished u
                  EXCEPT ALL SELECT ROW(m.*)::text FROM upgrade_snapshot.moved_to_report_unpublished m) THEN
        RAISE EXCEPTION 'the upgrade did not move the never-published report parts to rbp.report_unpublished exactly';
    END IF;
END $$;
DROP TABLE upgrade_snapshot.moved_to_report_unpublished;

-- 83_reads.sql (issue 18): answers and supervision reviews carry their response's authority, for
-- row-level security that decides on the row alone.
ALTER TABLE upgrade_snapshot.answer ADD COLUMN authority_id smallint;
UPDATE upgrade_snapshot.answer a SET authority_id = r.authority_id FROM upgrade_snapshot.response r WHERE r.response_id = a.response_id;
ALTER TABLE upgrade_snapshot.supervision_review ADD COLUMN authority_id smallint;
UPDATE upgrade_snapshot.supervision_review v SET authority_id = r.authority_id FROM upgrade_snapshot.response r WHERE r.response_id = v.response_id;
