-- \ir this (as the superuser) in a suite that needs a worker-only response released, after it was
-- submitted: set :wo_worker (staff_ref) and :wo_on (release date) first. Worker-only feedback is
-- held until its worker has rbp.anonymous_batch_size() candidates (rbp.worker_only_candidates():
-- used invitations that no named response explains, sql/install/40_anonymous.sql); small fixtures
-- do not have that many families, so this stands in for the other families of the caseload by
-- counting that many parents' invitations used worker-only, then runs the scheduled release.
SELECT count(rbp.count_used_invitation(s.authority_id, s.staff_id, i.instrument_id, 'parent', coalesce(s.team_id, 0), 'worker_only'))
       AS stand_in_invitations
  FROM rbp.staff s, rbp.instrument i, generate_series(1, rbp.anonymous_batch_size())
 WHERE s.staff_ref = :'wo_worker' AND rbp.is_current(i) AND 'parent' = ANY (i.respondent_kinds) \gset
SELECT rbp.release_held_feedback(:'wo_on');
