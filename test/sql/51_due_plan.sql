-- The daily question over a million involvements is an index scan (performance expectation of
-- PRODUCT.md): generated data, ANALYZE, then the plan shape of the query behind
-- rbp.due_invitations() — no time is measured.
--
-- The data: 1,000,000 involvements of 100,000 families; 99 % closed years ago (loaded as history,
-- so their schedules are done), 1 % open. Of the open ones, most had an invitation in the last
-- 62 days (a reminder sent if it was more than 14 days ago), one in a hundred none yet. So on the
-- day asked about a few hundred schedules are due, as in an authority whose case system runs the
-- question every day.
BEGIN;
SET client_min_messages = warning;
CREATE EXTENSION feedback_rbp;
RESET client_min_messages;
SELECT plan(9);

SELECT rbp.register_authority('big', 'A large authority') AS a \gset
SELECT rbp.register_team('big', 'all', 'Every team') AS t \gset
INSERT INTO rbp.family (authority_id, family_ref) SELECT :a, 'F' || i FROM generate_series(1, 100000) AS i;
INSERT INTO rbp.respondent (authority_id, family_id, respondent_ref, kind)
SELECT :a, family_id, 'R' || family_id, 'parent' FROM rbp.family WHERE authority_id = :a;
SELECT min(family_id) AS f0 FROM rbp.family WHERE authority_id = :a \gset
INSERT INTO rbp.involvement (authority_id, involvement_ref, family_id, team_id, started_on, closed_on)
SELECT :a, 'I' || i, :f0 + i % 100000, :t, date '2026-06-15' - 400 - (i % 3000),
       CASE WHEN i % 100 <> 0 THEN date '2026-06-15' - 300 - (i % 3000) END
  FROM generate_series(1, 1000000) AS i;
INSERT INTO rbp.invitation (authority_id, respondent_id, involvement_id, instrument_id, channel, token_hash,
                            issued_on, expires_on, reminders_sent)
SELECT s.authority_id, s.respondent_id, s.involvement_id,
       (SELECT instrument_id FROM rbp.instrument WHERE rbp.is_current(instrument) ORDER BY instrument_id LIMIT 1), 'link',
       sha256(int8send(s.schedule_id)), date '2026-06-15' - d, date '2026-06-15' - d + 28,
       CASE WHEN d >= 15 THEN 1 ELSE 0 END
  FROM rbp.invitation_schedule s
  CROSS JOIN LATERAL (SELECT (s.involvement_id % 62)::integer AS d) AS days_ago
 WHERE s.phase = 'first' AND s.involvement_id % 10000 <> 0;
ANALYZE rbp.involvement;
ANALYZE rbp.respondent;
ANALYZE rbp.invitation;
ANALYZE rbp.invitation_schedule;

SELECT cmp_ok((SELECT count(*) FROM rbp.involvement), '>=', 1000000::bigint, 'a million involvements');
SELECT cmp_ok((SELECT count(*) FROM rbp.invitation_schedule), '>=', 1000000::bigint, 'a million schedules');

CREATE FUNCTION pg_temp.plan_of(p_query text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    v_line text;
    v_plan text := '';
BEGIN
    FOR v_line IN EXECUTE 'EXPLAIN (COSTS OFF) ' || p_query LOOP
        v_plan := v_plan || v_line || E'\n';
    END LOOP;
    RETURN v_plan;
END
$$;
SELECT pg_temp.plan_of($$SELECT * FROM rbp.due_invitations_query('2026-06-15', NULL)$$) AS due_plan \gset

-- The big tables are the schedules and involvements (a million rows each) and the family members
-- (100,000); the invitations of this data set are few (about 10,000), so a hash of them is fair.
SELECT doesnt_match(:'due_plan'::text, 'Seq Scan on (invitation_schedule|involvement|respondent)\M',
    'the daily question reads no big table sequentially');
SELECT matches(:'due_plan'::text, 'Index Scan (using|on) invitation_schedule_next_due\M',
    'due invitations come from a range scan of the partial index on next_due_on');
SELECT matches(:'due_plan'::text, 'Index Scan (using|on) invitation_schedule_reminder_due\M',
    'due reminders come from a range scan of the partial index on reminder_due_on');
SELECT matches(:'due_plan'::text, 'Index Scan using involvement_pkey',
    'involvements are looked up by key');

-- The function returns what its query says, and that is every schedule due by the plain rule.
SELECT ok((SELECT count(*) FROM rbp.due_invitations('2026-06-15')) BETWEEN 100 AND 5000,
          'a few hundred rows are due that day, not the whole table');
SELECT is((SELECT count(*) FROM rbp.due_invitations('2026-06-15') WHERE purpose <> 'reminder'),
          (SELECT count(*) FROM rbp.invitation_schedule s
             JOIN rbp.involvement v USING (involvement_id)
            WHERE s.phase <> 'done' AND v.closed_on IS NULL
              AND coalesce(s.due_on, 'infinity') <= '2026-06-15'),
          'invitations listed = open schedules whose due date has come');
SELECT is((SELECT count(*) FROM rbp.due_invitations('2026-06-15') WHERE purpose = 'reminder'),
          (SELECT count(*) FROM rbp.invitation i
             JOIN rbp.invitation_schedule s ON s.last_invitation_id = i.invitation_id
            WHERE i.reminders_sent = 0 AND i.used_on IS NULL AND i.issued_on + 14 <= '2026-06-15'
              AND i.expires_on >= '2026-06-15'),
          'reminders listed = unused invitations of 14 days or more without a reminder');

SELECT * FROM finish();
ROLLBACK;
