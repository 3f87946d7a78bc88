-- test/bench/release_delay.sql — how long held feedback waits for its release (doc/threat-model.md,
-- "How long feedback waits"). Not part of make test: run it by hand in a scratch database with
-- the extension installed (as a superuser; everything is rolled back):
--
--   psql -X -d scratch -v workers=12 -v families=18 -v days=365 -v every=70 -v answer=0.6 -f test/bench/release_delay.sql
--
-- It simulates one team of :workers social workers with :families families each (a parent each;
-- two families in five also a young person), every family member invited every :every days and
-- answering with probability :answer, at the benchmark's mix of levels (anonymous 2 in 10,
-- worker-only 3 in 10, named otherwise), through rbp.submit_response(), with the nightly
-- rbp.release_held_feedback() every day. Each held submission carries a marker in its free text,
-- so its release day can be found. It prints, per level and respondent kind, how many were
-- submitted, released, the median, 90th percentile and longest wait in days, and how many were
-- still held at the end (with how long they had waited so far).
\set ON_ERROR_STOP 1
BEGIN;
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS feedback_rbp;
SET search_path = public, rbp;
SELECT setseed(0.2026);

SELECT rbp.register_authority('delay', 'Release delay simulation') IS NOT NULL AS authority \gset
SELECT rbp.register_team('delay', 't', 'Team') IS NOT NULL AS team \gset
SELECT count(rbp.register_staff('delay', 'W' || w, 'Worker ' || w, 't')) AS workers FROM generate_series(1, :workers) w \gset
CREATE TEMP TABLE sim_member AS
SELECT f, 'F' || f AS family, r AS respondent, k::rbp.respondent_kind AS kind, 'W' || (1 + f % :workers) AS worker,
       (random() * :every)::integer AS offset_days
  FROM generate_series(1, :workers * :families) f,
       LATERAL (SELECT 'P' || f, 'parent' UNION ALL SELECT 'Y' || f, 'child_young_person' WHERE f % 5 < 2) AS m(r, k);
SELECT count(rbp.register_respondent('delay', family, respondent, kind)) AS respondents FROM sim_member \gset
SELECT count(rbp.open_involvement('delay', 'I' || f, 'F' || f, 't', '2025-09-01')) AS involvements
  FROM (SELECT DISTINCT f FROM sim_member) s \gset
SELECT count(rbp.allocate_worker('delay', 'I' || f, 'W' || (1 + f % :workers), '2025-09-01')) AS allocations
  FROM (SELECT DISTINCT f FROM sim_member) s \gset

CREATE TEMP TABLE sim_held (marker text PRIMARY KEY, level rbp.anonymity, kind rbp.respondent_kind, submitted integer, released integer);
SELECT set_config('sim.days', :'days', true) AS days, set_config('sim.every', :'every', true) AS every,
       set_config('sim.answer', :'answer', true) AS answer \gset

DO $$
DECLARE
    v_day integer;
    v_on date;
    m record;
    v_level rbp.anonymity;
    v_marker text;
    v_r float8;
BEGIN
    FOR v_day IN 0 .. current_setting('sim.days')::integer LOOP
        v_on := '2025-09-01'::date + v_day;
        FOR m IN SELECT * FROM sim_member
                  WHERE (v_day - offset_days) >= 0 AND (v_day - offset_days) % current_setting('sim.every')::integer = 0 LOOP
            CONTINUE WHEN random() >= current_setting('sim.answer')::float8;
            v_r := random();
            v_level := CASE WHEN v_r < 0.2 THEN 'anonymous' WHEN v_r < 0.5 THEN 'worker_only' ELSE 'named' END;
            v_marker := 'sim-' || m.respondent || '-' || v_day;
            PERFORM rbp.submit_response(rbp.issue_invitation('delay', 'I' || m.f, m.respondent, 'link', 28, v_on), v_level,
                        CASE WHEN m.kind = 'parent' THEN jsonb_build_object('q2_trust', 1 + v_day % 5, 'q7_anything_else', v_marker)
                             ELSE jsonb_build_object('dial_safe', 1 + v_day % 10, 'anything_else', v_marker) END,
                        'online', false, v_on);
            IF v_level <> 'named' THEN
                INSERT INTO sim_held VALUES (v_marker, v_level, m.kind, v_day, NULL);
            END IF;
        END LOOP;
        PERFORM rbp.release_held_feedback(v_on);
        UPDATE sim_held h SET released = v_day
          FROM rbp.answer a
         WHERE h.released IS NULL AND a.free_text = h.marker;
    END LOOP;
END
$$;

\echo 'Release delay in days (submission to release to QA), :workers workers x :families families, invitations every :every days, answer rate :answer, :days days:'
SELECT level, kind, count(*) AS submitted, count(released) AS released,
       percentile_disc(0.5) WITHIN GROUP (ORDER BY released - submitted) AS median_days,
       percentile_disc(0.9) WITHIN GROUP (ORDER BY released - submitted) AS p90_days,
       max(released - submitted) AS longest_days,
       count(*) - count(released) AS still_held,
       max(current_setting('sim.days')::integer - submitted) FILTER (WHERE released IS NULL) AS longest_still_held_days
  FROM sim_held GROUP BY level, kind ORDER BY level, kind;
ROLLBACK;
