-- \ir this (as the superuser) in a suite that needs a worker-only response released, after it was
-- submitted: set :wo_worker (staff_ref) and :wo_on (release date) first. Worker-only feedback is
-- held until its worker's used invitations since the last release that no named response explains
-- number rbp.anonymous_batch_size() (sql/install/40_anonymous.sql); small fixtures do not have
-- that many families, so this stands in for the other families of the caseload by counting that
-- many unexplained used invitations in the worker's release window, then runs the scheduled release.
INSERT INTO rbp.release_window (authority_id, worker_id, instrument_id, respondent_kind, team_id, explained)
SELECT s.authority_id, s.staff_id, i.instrument_id, 'parent', coalesce(s.team_id, 0), false
  FROM rbp.staff s, rbp.instrument i, generate_series(1, rbp.anonymous_batch_size())
 WHERE s.staff_ref = :'wo_worker' AND rbp.is_current(i);
SELECT rbp.release_held_feedback(:'wo_on');
